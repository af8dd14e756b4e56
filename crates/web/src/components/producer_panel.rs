//! One producer's card: what it sent and had acknowledged, how it batches (batches, requests with
//! retries, records per batch, ack latency, bytes, `buffer.memory` use), whether it is idempotent and
//! with which producer id and epoch, its workload's rate, and its configs by Kafka's names. Every
//! number is the producer's own (`Producer::stats()` and friends, via the view): nothing is computed
//! here but formatting.

use samsa_sim::live::protocol::{NodeState, ProducerBatchingView, ProducerView, UserAction};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::clients::validate::{parse_rate, ClientKind};
use super::clients::{config_rows, count, state_class, use_config_submit, LocalError};
use super::format::bytes;

/// Props of [`ProducerCard`].
#[derive(Properties, PartialEq)]
pub struct ProducerCardProps {
    /// The producer.
    pub producer: ProducerView,
    /// A refusal concerning this client: `(config name, message)`.
    pub refused: Option<(String, String)>,
    /// Where edits go.
    pub on_action: Callback<UserAction>,
}

/// One producer.
#[component]
pub fn ProducerCard(props: &ProducerCardProps) -> Html {
    let local_error = use_state(|| None::<LocalError>);
    let p = &props.producer;
    let client = p.client.as_str();
    let on_submit =
        use_config_submit(client, ClientKind::Producer, &p.configs, &local_error, &props.on_action);
    let configs =
        config_rows(client, ClientKind::Producer, &p.configs, &local_error, &props.refused, &on_submit);
    html! {
        <article class={classes!("client-card", state_class(p.state))} data-testid={format!("producer-{client}")}>
            <header class="client-head">
                <h3>{ client }</h3>
                <span class="chip">{ "producer" }</span>
                <span class="muted">{ format!("→ {}", p.topic) }</span>
                <span class={classes!("state-pill", state_class(p.state))}>{ state_class(p.state) }</span>
            </header>
            <dl class="client-counts">
                { count(client, "sent", "sent", p.records_sent) }
                { count(client, "acked", "acked", p.records_acked) }
                { count(client, "in-flight", "requests in flight", u64::from(p.in_flight_requests)) }
                { count(client, "queued", "queued", u64::from(p.queued_records)) }
            </dl>
            if !p.records_failed.is_empty() {
                <p class="client-failed" data-testid={format!("{client}-failed")}>
                    { "failed: " }
                    { for p.records_failed.iter().map(|(error, n)| html! {
                        <span class="chip failed" key={error.clone()}>
                            <span class="error-name">{ error }</span>{ format!(" × {n}") }
                        </span>
                    }) }
                </p>
            }
            <p class="client-outcome mono muted" data-testid={format!("{client}-last-outcome")}>
                { p.last_outcome.as_deref().unwrap_or("nothing sent yet") }
            </p>
            { batching(client, p.state, &p.batching) }
            if let Some(t) = &p.transaction {
                { super::transactions::producer_transaction(client, t) }
            }
            <RateField client={p.client.clone()} rate_per_sec={p.rate_per_sec} on_action={props.on_action.clone()} />
            { configs }
        </article>
    }
}

/// The batching and idempotence section; a client that is down reports nothing (its counters start
/// over when it restarts, as a Kafka client's metrics do).
fn batching(client: &str, state: NodeState, b: &ProducerBatchingView) -> Html {
    let identity = match (b.idempotent, b.producer_id, b.producer_epoch) {
        (false, _, _) => "writes without producer id or sequence numbers".to_owned(),
        (true, Some(id), Some(epoch)) => format!("producer id {id} · epoch {epoch}"),
        (true, _, _) => "waiting for a producer id (InitProducerId)".to_owned(),
    };
    let buffer_percent = if b.buffer_memory_bytes == 0 {
        0.0
    } else {
        b.buffered_bytes as f64 * 100.0 / b.buffer_memory_bytes as f64
    };
    let idempotence = if b.idempotent { "idempotent" } else { "not idempotent" };
    html! {
        <section class="producer-batching" data-testid={format!("{client}-batching")}>
            <p class="producer-identity">
                if state == NodeState::Up {
                    <span class={classes!("chip", if b.idempotent { "ok" } else { "warn" })}
                        data-testid={format!("{client}-idempotent")} data-idempotent={b.idempotent.to_string()}>
                        { idempotence }
                    </span>
                }
                <span class="mono muted small" data-testid={format!("{client}-producer-id")}>
                    { if state == NodeState::Up { identity } else { "not running".to_owned() } }
                </span>
            </p>
            <dl class="client-counts">
                { count(client, "batches", "batches sent", b.batches_sent) }
                { count(client, "requests", "requests (with retries)", b.requests_sent) }
                { count(client, "retried", "batches retried", b.batches_retried) }
                { stat(client, "records-per-batch", "records/batch", format!("{:.1}", b.records_per_batch)) }
                { stat(client, "ack-latency", "mean ack latency", format!("{:.0} ms", b.mean_ack_latency_ms)) }
                { stat(client, "bytes-sent", "bytes sent", bytes(b.bytes_sent)) }
            </dl>
            <div class="buffer-use" data-testid={format!("{client}-buffer")}
                title="bytes waiting or in flight, against buffer.memory: send blocks when it is full, then fails after max.block.ms">
                <span class="small muted">
                    { format!("buffer {} of {} (buffer.memory)", bytes(b.buffered_bytes), bytes(b.buffer_memory_bytes)) }
                </span>
                <span class="bar"><span class="fill" style={format!("width: {:.1}%", buffer_percent.clamp(0.0, 100.0))}></span></span>
            </div>
        </section>
    }
}

/// One labelled value shown as text (a mean, a size).
fn stat(client: &str, key: &str, label: &str, text: String) -> Html {
    html! {
        <div>
            <dt>{ label }</dt>
            <dd data-testid={format!("{client}-{key}")}>{ text }</dd>
        </div>
    }
}

/// Props of [`RateField`].
#[derive(Properties, PartialEq)]
pub struct RateFieldProps {
    /// The producer.
    pub client: AttrValue,
    /// Its workload's current rate.
    pub rate_per_sec: u32,
    /// Where the new rate goes.
    pub on_action: Callback<UserAction>,
}

/// The producer workload's rate in records per second (Enter or apply sends it).
#[component]
pub fn RateField(props: &RateFieldProps) -> Html {
    let draft = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let shown = (*draft).clone().unwrap_or_else(|| props.rate_per_sec.to_string());
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onsubmit = {
        let (draft, error) = (draft.clone(), error.clone());
        let on_action = props.on_action.clone();
        let client = props.client.to_string();
        let shown = shown.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match parse_rate(&shown) {
                Ok(rate_per_sec) => {
                    error.set(None);
                    draft.set(None);
                    on_action.emit(UserAction::SetProduceRate { client: client.clone(), rate_per_sec });
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    let client = &props.client;
    html! {
        <form class="client-config rate" {onsubmit}>
            <label class="config-name" for={format!("rate-{client}")}>{ "records/s" }</label>
            <div class="config-input">
                <input id={format!("rate-{client}")} type="text" inputmode="numeric" autocomplete="off"
                    class={classes!("mono", error.is_some().then_some("invalid"))}
                    data-testid={format!("rate-{client}")} value={shown} {oninput} />
                <button type="submit" class="ghost" data-testid={format!("rate-apply-{client}")}>{ "Apply" }</button>
            </div>
            if let Some(message) = &*error {
                <p class="inline-error" role="alert" data-testid={format!("rate-error-{client}")}>{ message }</p>
            }
        </form>
    }
}

//! Transactions (KIP-98): every `transactional.id` as its coordinator holds it (state, producer id
//! and epoch, partitions, markers still to write, how long the open transaction has been open against
//! `transaction.timeout.ms`), the line a transactional producer's card shows, and the
//! consume-transform-produce pipelines with their delivery semantics.

use samsa_sim::live::protocol::{PipelineView, ProducerTransactionView, TransactionView};
use yew::prelude::*;

use super::clients::{count, state_class};

/// Props of [`Transactions`].
#[derive(Properties, PartialEq)]
pub struct TransactionsProps {
    /// The transactional ids, as their coordinators hold them.
    pub transactions: Vec<TransactionView>,
    /// The pipelines.
    pub pipelines: Vec<PipelineView>,
}

/// The transactions panel (nothing when the scenario has neither transactions nor pipelines).
#[component]
pub fn Transactions(props: &TransactionsProps) -> Html {
    if props.transactions.is_empty() && props.pipelines.is_empty() {
        return html! {};
    }
    html! {
        <section class="panel transactions" data-testid="transactions" aria-label="Transactions">
            <h2>{ "Transactions" }</h2>
            if !props.pipelines.is_empty() {
                <div class="client-cards">{ for props.pipelines.iter().map(pipeline_card) }</div>
            }
            if props.transactions.is_empty() {
                <p class="hint">{ "No transactional.id has reached its coordinator yet." }</p>
            } else {
                <table class="client-positions mono txn-table">
                    <thead>
                        <tr>
                            <th>{ "transactional.id" }</th><th>{ "state" }</th><th>{ "producer id · epoch" }</th>
                            <th>{ "partitions" }</th><th>{ "coordinator" }</th><th>{ "open for" }</th>
                        </tr>
                    </thead>
                    <tbody>{ for props.transactions.iter().map(transaction_row) }</tbody>
                </table>
                <p class="hint">
                    { "Ongoing → PrepareCommit/PrepareAbort (the decision, logged in __transaction_state) → markers \
                       written to every partition → CompleteCommit/CompleteAbort. An open transaction holds every \
                       partition's last stable offset: read_committed consumers stop there." }
                </p>
            }
        </section>
    }
}

fn transaction_row(t: &TransactionView) -> Html {
    let id = t.transactional_id.as_str();
    let state_class = match t.state.as_str() {
        "Ongoing" => "warn",
        "PrepareCommit" | "CompleteCommit" => "ok",
        "PrepareAbort" | "CompleteAbort" | "PrepareEpochFence" => "failed",
        _ => "",
    };
    let state = if t.pending_markers > 0 {
        format!("{} ({} markers to write)", t.state, t.pending_markers)
    } else {
        t.state.clone()
    };
    let open = match t.open_ms {
        Some(open_ms) => format!("{:.1} s of {:.0} s", open_ms as f64 / 1000.0, t.timeout_ms as f64 / 1000.0),
        None => "—".to_owned(),
    };
    let late = t.open_ms.is_some_and(|open_ms| open_ms * 2 >= t.timeout_ms);
    html! {
        <tr key={id.to_owned()} data-testid={format!("txn-{id}")} data-state={t.state.clone()}>
            <td>{ id }</td>
            <td><span class={classes!("chip", state_class)} data-testid={format!("txn-{id}-state")}>{ state }</span></td>
            <td>{ format!("{} · {}", t.producer_id, t.producer_epoch) }</td>
            <td>{ if t.partitions.is_empty() { "—".to_owned() } else { t.partitions.join(" ") } }</td>
            <td>{ &t.coordinator }</td>
            <td class={classes!(late.then_some("lagging"))} title="transaction.timeout.ms: the coordinator aborts a transaction open longer than this and fences its producer">
                { open }
            </td>
        </tr>
    }
}

/// The transaction line of a transactional producer's card (and of an exactly-once pipeline's).
pub fn producer_transaction(client: &str, t: &ProducerTransactionView) -> Html {
    let state = t.state.as_deref().unwrap_or("not running");
    let class = match state {
        "FATAL_ERROR" | "ABORTABLE_ERROR" => "failed",
        "IN_TRANSACTION" | "COMMITTING_TRANSACTION" | "ABORTING_TRANSACTION" => "warn",
        "READY" => "ok",
        _ => "",
    };
    html! {
        <section class="producer-transaction" data-testid={format!("{client}-transaction")}>
            <p class="producer-identity">
                <span class="chip mono" title="transactional.id">{ &t.transactional_id }</span>
                <span class={classes!("chip", class)} data-testid={format!("{client}-transaction-state")}
                    data-state={state.to_owned()}>
                    { state }
                    if let Some(error) = &t.error {
                        { " " }<span class="error-name">{ error }</span>
                    }
                </span>
            </p>
            <dl class="client-counts">
                { count(client, "txn-committed", "transactions committed", t.committed) }
                { count(client, "txn-aborted", "transactions aborted", t.aborted) }
            </dl>
        </section>
    }
}

fn pipeline_card(p: &PipelineView) -> Html {
    let client = p.client.as_str();
    html! {
        <article key={client.to_owned()} class={classes!("client-card", state_class(p.state))}
            data-testid={format!("pipeline-{client}")} data-semantics={p.semantics.clone()}>
            <header class="client-head">
                <h3>{ client }</h3>
                <span class="chip">{ &p.semantics }</span>
                <span class="muted">{ format!("{} → {}", p.input, p.output) }</span>
                <span class={classes!("state-pill", state_class(p.state))}>{ state_class(p.state) }</span>
            </header>
            <p class="muted small">{ format!("group {}", p.group_id) }</p>
            <dl class="client-counts">
                { count(client, "consumed", "consumed", p.records_consumed) }
                { count(client, "transformed", "outputs produced", p.records_transformed) }
                { count(client, "acked", "outputs acked", p.records_acked) }
            </dl>
            if let Some(t) = &p.transaction {
                { producer_transaction(client, t) }
            }
        </article>
    }
}

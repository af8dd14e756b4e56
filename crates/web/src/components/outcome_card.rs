//! What happened to the last record: its partition, offset and batch size and the partitioner's
//! reason, or the Kafka error that refused it.

use yew::prelude::*;

use super::format;
use crate::state::{KafkaError, ProduceOutcome};

/// Props of [`OutcomeCard`].
#[derive(Properties, PartialEq)]
pub struct OutcomeCardProps {
    /// The last produce, if any.
    pub last: Option<Result<ProduceOutcome, KafkaError>>,
}

/// The outcome of the last produce.
#[component]
pub fn OutcomeCard(props: &OutcomeCardProps) -> Html {
    match &props.last {
        None => html! {
            <div class="outcome empty" data-testid="outcome-empty">
                { "Nothing produced yet. Try the keys alice, bob and carol, then an empty key." }
            </div>
        },
        Some(Ok(outcome)) => {
            let key = outcome.key.as_ref().map_or_else(|| "null".to_owned(), |k| format!("\"{k}\""));
            html! {
                <div class="outcome ok" data-testid="outcome">
                    <div class="outcome-title">{ "Appended" }<span class="muted">{ format!(" key {key}") }</span></div>
                    <dl class="outcome-facts">
                        <div><dt>{ "partition" }</dt><dd data-testid="outcome-partition">{ outcome.partition }</dd></div>
                        <div><dt>{ "offset" }</dt><dd data-testid="outcome-offset">{ outcome.offset }</dd></div>
                        <div>
                            <dt>{ "batch size" }</dt>
                            <dd><span data-testid="outcome-size">{ outcome.batch_size_bytes }</span>{ " bytes" }</dd>
                        </div>
                    </dl>
                    <p class="reason"><span class="muted">{ "CreateTime: " }</span>
                        <span class="mono">{ format!("t = {}", format::duration_ms(outcome.timestamp_ms)) }</span></p>
                    <p class="reason"><span class="muted">{ "why: " }</span>
                        <span class="mono" data-testid="outcome-reason">{ &outcome.reason }</span></p>
                </div>
            }
        }
        Some(Err(error)) => html! {
            <div class="outcome error" role="alert" data-testid="outcome-error">
                <div class="outcome-title">{ "Rejected" }</div>
                <p><span class="error-name" data-testid="outcome-error-name">{ error.name }</span></p>
                <p class="mono" data-testid="outcome-error-message">{ &error.message }</p>
            </div>
        },
    }
}

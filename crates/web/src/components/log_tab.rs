//! The `log` tab: the single-topic page (partitioner, batches, segments, retention), unchanged from
//! before the live cluster. Its model ([`Playground`]) lives here (one `use_reducer`); the views get
//! slices of it as props.

use yew::prelude::*;

use super::topic_configs::ConfigRow;
use super::{
    EventList, OutcomeCard, PartitionLogView, ProduceForm, RetentionControl, TopicConfigs, TopicHeader,
};
use crate::state::{Playground, EDITABLE_CONFIGS};

/// Why the demo's `segment.bytes` differs from Kafka's, shown under the field.
const SEGMENT_BYTES_NOTE: &str = "Kafka's default is 1 GiB; 1 KiB here so you can watch segments roll.";

/// The single-topic page.
#[component]
pub fn LogTab() -> Html {
    let model = use_reducer(Playground::new);
    let dispatch = model.dispatcher();
    let rows: Vec<ConfigRow> = EDITABLE_CONFIGS
        .iter()
        .map(|&name| ConfigRow {
            name,
            value: model.config_value(name).unwrap_or_default(),
            rejection: model.config_rejection(name).cloned(),
            note: (name == "segment.bytes").then_some(SEGMENT_BYTES_NOTE),
        })
        .collect();
    let segment_bytes = model.config_value("segment.bytes").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let retention_text = model.config_value("retention.ms").unwrap_or_default();
    html! {
        <div class="log-tab">
            <header class="tab-intro">
                <p class="lede">
                    { "A Kafka topic with three partitions, running in your browser on samsa-core. \
                       Produce records keyed alice, bob and carol and see where murmur2 puts them; \
                       clear the key to watch the sticky partitioner; produce a dozen more to roll segments, \
                       then press +1 min and drag retention.ms down to see old segments deleted." }
                </p>
            </header>
            <TopicHeader name={model.topic_name().to_owned()} error={model.topic_name_error().cloned()}
                dispatch={dispatch.clone()} />
            <div class="columns">
                <section class="panel producer">
                    <ProduceForm dispatch={dispatch.clone()} />
                    <OutcomeCard last={model.last_produce().cloned()} />
                </section>
                <div class="side">
                    <RetentionControl retention_ms={model.retention_ms()} retention_text={retention_text}
                        now_ms={model.now_ms()} dispatch={dispatch.clone()} />
                    <TopicConfigs rows={rows} dispatch={dispatch.clone()} />
                </div>
            </div>
            <section class="logs" aria-label="partition logs">
                { for model.partitions().iter().map(|p| html! {
                    <PartitionLogView key={p.partition} log={p.clone()} segment_bytes={segment_bytes} />
                }) }
            </section>
            <EventList events={model.events().iter().rev().cloned().collect::<Vec<_>>()} />
        </div>
    }
}

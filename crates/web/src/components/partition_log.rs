//! One partition's log: segments as boxes, batches as groups, records as numbered cells, with the
//! log start and log end offsets labelled.

use yew::prelude::*;

use super::format;
use crate::state::{BatchSnapshot, PartitionSnapshot, RecordSnapshot, SegmentSnapshot};

/// Props of [`PartitionLogView`].
#[derive(Properties, PartialEq)]
pub struct PartitionLogProps {
    /// What the log holds.
    pub log: PartitionSnapshot,
    /// `segment.bytes`, to draw how full each segment is.
    pub segment_bytes: u64,
}

/// One partition's log.
#[component]
pub fn PartitionLogView(props: &PartitionLogProps) -> Html {
    let log = &props.log;
    let p = log.partition;
    html! {
        <article class="partition" data-testid={format!("partition-{p}")}>
            <header class="partition-head">
                <h3>{ format!("Partition {p}") }</h3>
                <span class="offset-label" title="First offset a consumer can fetch; retention moves it forward">
                    { "log start offset " }<b data-testid={format!("log-start-offset-{p}")}>{ log.log_start_offset }</b>
                </span>
                <span class="offset-label" title="The offset the next record will get">
                    { "log end offset " }<b data-testid={format!("log-end-offset-{p}")}>{ log.log_end_offset }</b>
                </span>
            </header>
            if let Some(error) = &log.read_error {
                <p class="inline-error" role="alert"><span class="error-name">{ error.name }</span>{ " " }{ &error.message }</p>
            }
            <div class="segments">
                if log.hidden_segments > 0 {
                    <div class="segment hidden-segments">{ format!("+{} older", log.hidden_segments) }</div>
                }
                { for log.segments.iter().map(|s| segment(s, props.segment_bytes, log.log_end_offset)) }
            </div>
        </article>
    }
}

fn segment(s: &SegmentSnapshot, segment_bytes: u64, log_end_offset: i64) -> Html {
    // A zero segment.bytes cannot be configured (Kafka's floor is 14); draw it as full rather than divide by 0.
    let fill_percent =
        s.size_bytes.saturating_mul(100).checked_div(segment_bytes).map_or(100, |p| p.min(100));
    // Kafka reports -1 as the max timestamp of an empty segment.
    let newest = u64::try_from(s.max_timestamp_ms)
        .map_or_else(|_| "none (empty)".to_owned(), |ms| format!("t = {}", format::duration_ms(ms)));
    let title = format!(
        "segment {:020}.log\noffsets {}…{}\n{} of segment.bytes {}\nnewest record: {newest}",
        s.base_offset,
        s.base_offset,
        s.next_offset.saturating_sub(1),
        format::bytes(s.size_bytes),
        format::bytes(segment_bytes),
    );
    html! {
        <div class={classes!("segment", s.is_active.then_some("active"))} data-testid="segment"
            data-base-offset={s.base_offset.to_string()} {title}>
            <div class="segment-head">
                <span class="mono">{ format!("base {}", s.base_offset) }</span>
                <span class="muted">{ if s.is_active { "active" } else { "closed" } }</span>
            </div>
            <div class="fill" aria-hidden="true"><div class="fill-bar" style={format!("width: {fill_percent}%")}></div></div>
            <div class="segment-size muted">{ format!("{} / {}", format::bytes(s.size_bytes), format::bytes(segment_bytes)) }</div>
            <div class="batches">
                { for s.batches.iter().map(batch) }
                if s.is_active {
                    <span class="record next" title="log end offset: the next record goes here">{ log_end_offset }</span>
                }
            </div>
        </div>
    }
}

fn batch(b: &BatchSnapshot) -> Html {
    let title = format!("batch offsets {}…{}, {} bytes", b.base_offset, b.last_offset, b.size_bytes);
    html! {
        <span class="batch" data-testid="batch" {title}>{ for b.records.iter().map(record) }</span>
    }
}

fn record(r: &RecordSnapshot) -> Html {
    let show =
        |field: &Option<String>| field.as_ref().map_or_else(|| "null".to_owned(), |t| format!("\"{t}\""));
    let title = format!("offset {}\nkey: {}\nvalue: {}", r.offset, show(&r.key), show(&r.value));
    html! {
        <span class={classes!("record", r.key.is_none().then_some("null-key"))} data-testid="record"
            data-offset={r.offset.to_string()} {title}>{ r.offset }</span>
    }
}

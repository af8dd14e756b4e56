//! The log events the core reported (segments rolled and deleted, log start offset moves), newest first.

use samsa_core::log::{DeleteReason, LogEvent, RollReason};
use yew::prelude::*;

use super::format;
use crate::state::{EventEntry, MAX_EVENTS};

/// Props of [`EventList`].
#[derive(Properties, PartialEq)]
pub struct EventListProps {
    /// Events, newest first.
    pub events: Vec<EventEntry>,
}

/// The event list.
#[component]
pub fn EventList(props: &EventListProps) -> Html {
    html! {
        <section class="panel events">
            <h2>{ "Log events" }<span class="muted">{ format!(" (last {MAX_EVENTS})") }</span></h2>
            if props.events.is_empty() {
                <p class="hint" data-testid="event-list-empty">
                    { "Nothing yet: segments roll when they reach segment.bytes, and retention deletes them." }
                </p>
            } else {
                <ol class="event-list" data-testid="event-list">
                    { for props.events.iter().map(|entry| html! {
                        <li key={entry.seq} class="event" data-testid="event">
                            <span class="event-time mono">{ format!("t = {}", format::duration_ms(entry.at_ms)) }</span>
                            <span class="chip">{ format!("P{}", entry.partition) }</span>
                            <span class="event-text">{ describe(&entry.event) }</span>
                        </li>
                    }) }
                </ol>
            }
        </section>
    }
}

/// One line of prose per event, naming the config that caused it.
fn describe(event: &LogEvent) -> String {
    match event {
        LogEvent::SegmentRolled { base_offset, reason } => {
            let why = match reason {
                RollReason::SegmentBytes => "the next batch would pass segment.bytes",
                RollReason::SegmentMs => "the active segment is segment.ms old",
                RollReason::Retention => {
                    "retention is deleting every segment, so a fresh one keeps the log end"
                }
            };
            format!("rolled a new segment at offset {base_offset}: {why}")
        }
        LogEvent::SegmentDeleted { base_offset, next_offset, size_bytes, reason } => {
            let why = match reason {
                DeleteReason::RetentionMs => "its newest record is older than retention.ms",
                DeleteReason::RetentionBytes => "the log is over retention.bytes without it",
            };
            format!(
                "deleted segment {base_offset}…{} ({}): {why}",
                next_offset.saturating_sub(1),
                format::bytes(*size_bytes)
            )
        }
        LogEvent::LogStartOffsetAdvanced { from, to } => format!("log start offset {from} → {to}"),
        LogEvent::SegmentCompacted { base_offset, records_before, records_after, tombstones_removed } => {
            format!(
                "compacted segment {base_offset}: {records_before} → {records_after} records, \
             {tombstones_removed} tombstones removed"
            )
        }
        LogEvent::SegmentsMerged { base_offset, merged_base_offsets } => {
            format!("merged {} segments into segment {base_offset}", merged_base_offsets.len())
        }
        LogEvent::HousekeepingFailed { base_offset, error } => {
            format!("housekeeping on segment {base_offset} failed: {error}")
        }
    }
}

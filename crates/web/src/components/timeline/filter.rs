//! Which trace events the timeline lists: by category and by text, newest first, at most
//! [`MAX_TIMELINE_ROWS`] of them so a busy run keeps the page light.

use std::collections::BTreeSet;

use samsa_sim::live::protocol::{EventCategory, EventView};

/// Most rows the timeline draws at once. At 1,000 records/s every row is new on every view (each
/// view brings more events than the list holds), so each row costs fresh elements, style and layout
/// in every frame; the list shows about a dozen rows without scrolling, and the filter reaches the
/// older events the view carries.
pub const MAX_TIMELINE_ROWS: usize = 30;

/// Every category, in the order the checkboxes show them.
pub const CATEGORIES: [EventCategory; 8] = [
    EventCategory::Fault,
    EventCategory::Cluster,
    EventCategory::Log,
    EventCategory::Produce,
    EventCategory::Producer,
    EventCategory::Consume,
    EventCategory::Network,
    EventCategory::Checker,
];

/// The categories hidden until the person ticks them: network messages outnumber everything else.
pub fn hidden_by_default() -> BTreeSet<EventCategory> {
    BTreeSet::from([EventCategory::Network])
}

/// The category's name as the checkboxes and test ids spell it (`Fault`, `Network`, …).
pub fn category_name(category: EventCategory) -> &'static str {
    match category {
        EventCategory::Fault => "Fault",
        EventCategory::Cluster => "Cluster",
        EventCategory::Log => "Log",
        EventCategory::Produce => "Produce",
        EventCategory::Producer => "Producer",
        EventCategory::Consume => "Consume",
        EventCategory::Network => "Network",
        EventCategory::Checker => "Checker",
    }
}

/// One listed event, with a key that stays the same while the event stays in the view's window
/// (its step and its rank among the events of that step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row<'a> {
    /// The event.
    pub event: &'a EventView,
    /// The rank among events of the same step (0 for the first).
    pub rank_in_step: u32,
}

impl Row<'_> {
    /// The row's identity while its event stays in the view's window: (step, rank in step).
    pub fn id(&self) -> (u64, u32) {
        (self.event.step, self.rank_in_step)
    }
}

/// Whether rows keyed by event pay off: true when the newest row drawn last time is still listed, so
/// most rows survive and keys let them keep their elements. When none survives (a busy run brings
/// more events per view than the list holds), rows keyed by slot are patched in place instead of
/// every element being removed and created again.
pub fn key_by_event(rows: &[Row<'_>], previous_newest: Option<(u64, u32)>) -> bool {
    previous_newest.is_some_and(|id| rows.iter().any(|r| r.id() == id))
}

/// The events to list, newest first: not in a hidden category, containing `text` (ASCII case
/// insensitive, in the event's text or node), at most `limit`. `events` is oldest first.
pub fn visible<'a>(
    events: &'a [EventView],
    text: &str,
    hidden: &BTreeSet<EventCategory>,
    limit: usize,
) -> Vec<Row<'a>> {
    let needle = text.trim();
    let mut rows = Vec::with_capacity(limit.min(events.len()));
    for (i, event) in events.iter().enumerate().rev() {
        if rows.len() >= limit {
            break;
        }
        if hidden.contains(&event.category) {
            continue;
        }
        let matches = needle.is_empty()
            || contains_ignore_ascii_case(&event.text, needle)
            || event.node.as_deref().is_some_and(|n| contains_ignore_ascii_case(n, needle));
        if !matches {
            continue;
        }
        let rank_in_step = events[..i].iter().rev().take_while(|e| e.step == event.step).count();
        rows.push(Row { event, rank_in_step: u32::try_from(rank_in_step).unwrap_or(u32::MAX) });
    }
    rows
}

/// Substring search without allocating a lowercased copy of every event per frame.
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(step: u64, category: EventCategory, node: Option<&str>, text: &str) -> EventView {
        EventView { step, t_ms: step * 10, category, node: node.map(str::to_owned), text: text.into() }
    }

    fn events() -> Vec<EventView> {
        vec![
            event(1, EventCategory::Produce, Some("client-1"), "sent 1 record to orders-0"),
            event(2, EventCategory::Network, Some("broker-1"), "delivered ProduceRequest"),
            event(3, EventCategory::Fault, Some("broker-1"), "crash broker-1"),
            event(3, EventCategory::Cluster, Some("controller"), "LeaderAndIsr orders-0: leader 2"),
            event(4, EventCategory::Log, Some("broker-2"), "truncated orders-0 to offset 41"),
        ]
    }

    #[test]
    fn newest_first_and_network_hidden_by_default() {
        let events = events();
        let rows = visible(&events, "", &hidden_by_default(), 10);
        let steps: Vec<u64> = rows.iter().map(|r| r.event.step).collect();
        assert_eq!(steps, [4, 3, 3, 1]);
        assert_eq!(rows[1].rank_in_step, 1, "the second event of step 3");
        assert_eq!(rows[2].rank_in_step, 0);
    }

    #[test]
    fn text_matches_the_text_or_the_node_ignoring_case() {
        let events = events();
        let none = BTreeSet::new();
        let texts: Vec<&str> =
            visible(&events, "ORDERS-0", &none, 10).iter().map(|r| r.event.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "truncated orders-0 to offset 41",
                "LeaderAndIsr orders-0: leader 2",
                "sent 1 record to orders-0"
            ]
        );
        let on_broker_1 = visible(&events, "broker-1", &none, 10);
        assert_eq!(on_broker_1.len(), 2);
        assert!(visible(&events, "nothing like this", &none, 10).is_empty());
    }

    #[test]
    fn rows_keep_event_keys_only_while_the_last_newest_row_survives() {
        let events = events();
        let none = BTreeSet::new();
        let rows = visible(&events, "", &none, 3);
        assert_eq!(rows[0].id(), (4, 0));
        assert!(key_by_event(&rows, Some((3, 1))), "step 3's second event is still listed");
        assert!(!key_by_event(&rows, Some((1, 0))), "step 1 fell off the bounded list");
        assert!(!key_by_event(&rows, None), "nothing drawn before");
    }

    #[test]
    fn the_list_is_bounded() {
        let many: Vec<EventView> = (0..1000).map(|s| event(s, EventCategory::Log, None, "append")).collect();
        let rows = visible(&many, "", &BTreeSet::new(), MAX_TIMELINE_ROWS);
        assert_eq!(rows.len(), MAX_TIMELINE_ROWS);
        assert_eq!(rows[0].event.step, 999);
    }
}

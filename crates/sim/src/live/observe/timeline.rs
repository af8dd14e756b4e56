//! The timeline: the newest trace events, one bounded ring per category, so the network's thousands of
//! messages a second cannot push a leader election out of view before anyone reads it.

use std::cell::OnceCell;
use std::collections::{BTreeMap, VecDeque};

use samsa_core::node::BrokerId;
use samsa_core::replication::messages::TopicPartition;

use super::describe::{category, describe, Described};
use crate::live::protocol::{EventCategory, EventView, MAX_VIEW_EVENTS};
use crate::trace::{TraceEvent, TraceKind};

/// Most events kept per category: a quarter of a view, so a view always has room for the newest of
/// four busy categories and every quiet one.
pub(crate) const EVENTS_PER_CATEGORY: usize = MAX_VIEW_EVENTS / 4;

/// One kept event. Trace events are described only when a view shows them: most are pushed out of the
/// ring before anyone looks, and formatting every one would cost the simulation more than running it.
#[derive(Clone, Debug)]
enum Kept {
    /// A trace event.
    Event(TraceEvent),
    /// A leader election, with the ISR its line shows (committed before it, or with it).
    Election(TraceEvent, Option<Vec<BrokerId>>),
    /// A line that is not a trace event (a checker finding).
    View(EventView),
}

impl Kept {
    fn view(&self) -> EventView {
        match self {
            Kept::Event(event) => event_view(event, describe(event, None)),
            Kept::Election(event, isr) => event_view(event, describe(event, isr.as_deref())),
            Kept::View(view) => view.clone(),
        }
    }
}

fn event_view(event: &TraceEvent, described: Described) -> EventView {
    EventView {
        step: event.step,
        t_ms: event.t_ms,
        category: described.category,
        node: described.node.map(|n| n.to_string()),
        text: described.text,
    }
}

/// A kept event, its place in the trace, and its line once a view has shown it (so a paused or slow
/// session formats each line once, not once per frame).
#[derive(Clone, Debug)]
struct Entry {
    seq: u64,
    kept: Kept,
    shown: OnceCell<EventView>,
}

/// The last leader election kept, so an ISR change committed with it can be added to its line.
#[derive(Clone, Debug)]
struct LastElection {
    seq: u64,
    step: u64,
    tp: TopicPartition,
}

/// The newest events per category, each with its sequence number in the trace.
#[derive(Clone, Debug, Default)]
pub(crate) struct Timeline {
    next_seq: u64,
    rings: BTreeMap<EventCategory, VecDeque<Entry>>,
    last_election: Option<LastElection>,
}

impl Timeline {
    /// Keeps `event`; `isr` is its partition's committed ISR, for election lines.
    pub(crate) fn push(&mut self, event: &TraceEvent, isr: Option<&[BrokerId]>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let kept = match &event.kind {
            TraceKind::LeaderElected { tp, leader: Some(_), .. } => {
                self.last_election = Some(LastElection { seq, step: event.step, tp: tp.clone() });
                Kept::Election(event.clone(), isr.map(<[BrokerId]>::to_vec))
            }
            TraceKind::IsrChanged { tp, isr, .. } => {
                self.amend_election(event.step, tp, isr);
                Kept::Event(event.clone())
            }
            _ => Kept::Event(event.clone()),
        };
        self.keep(seq, category(&event.kind), kept);
    }

    /// Adds a line that is not a trace event (a checker finding).
    pub(crate) fn push_view(&mut self, view: EventView) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.keep(seq, view.category, Kept::View(view));
    }

    fn keep(&mut self, seq: u64, category: EventCategory, kept: Kept) {
        let ring = self.rings.entry(category).or_default();
        if ring.len() == EVENTS_PER_CATEGORY {
            ring.pop_front();
        }
        ring.push_back(Entry { seq, kept, shown: OnceCell::new() });
    }

    /// The controller commits an election and the ISR change that goes with it in one step (the old
    /// leader leaves the ISR); the election's line then shows the new ISR, as a person expects.
    fn amend_election(&mut self, step: u64, tp: &TopicPartition, isr: &[BrokerId]) {
        let Some(last) = self.last_election.take() else { return };
        if last.step != step || last.tp != *tp {
            return;
        }
        let Some(ring) = self.rings.get_mut(&EventCategory::Cluster) else { return };
        if let Some(entry) = ring.iter_mut().rev().find(|entry| entry.seq == last.seq) {
            if let Kept::Election(_, shown_isr) = &mut entry.kept {
                *shown_isr = Some(isr.to_vec());
                entry.shown = OnceCell::new();
            }
        }
    }

    /// At most [`MAX_VIEW_EVENTS`] kept events, oldest first: every category's newest, and when they
    /// do not all fit, the busiest categories give up their oldest first — so a crash an hour ago
    /// stays listed however many batches, appends and messages came since.
    pub(crate) fn view(&self) -> Vec<EventView> {
        let cap = fair_share(self.rings.values().map(VecDeque::len), MAX_VIEW_EVENTS);
        let mut all: Vec<&Entry> =
            self.rings.values().flat_map(|ring| ring.iter().skip(ring.len().saturating_sub(cap))).collect();
        all.sort_unstable_by_key(|entry| entry.seq);
        all.into_iter().map(|entry| entry.shown.get_or_init(|| entry.kept.view()).clone()).collect()
    }
}

/// The largest per-ring count `cap` such that taking `min(len, cap)` of every ring stays within
/// `total` (water-filling: small rings keep everything, the big ones share what is left).
fn fair_share(lens: impl Iterator<Item = usize>, total: usize) -> usize {
    let mut lens: Vec<usize> = lens.collect();
    lens.sort_unstable();
    let mut left = total;
    for (i, &len) in lens.iter().enumerate() {
        let rings_left = lens.len() - i;
        if len.saturating_mul(rings_left) > left {
            return left / rings_left;
        }
        left -= len;
    }
    usize::MAX
}

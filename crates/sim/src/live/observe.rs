//! What the playground accumulates from the trace: [`Observers`] is fed every trace event in order and
//! keeps the live checker, the timeline's newest events, per-client counters and the chart buckets.
//!
//! The session checkpoints `(Simulation, Observers)` pairs, so everything here is `Clone`, ordered
//! (`BTreeMap`, no clocks, no hashing) and bounded: the timeline and the charts by the protocol's
//! `MAX_*` constants, the per-record ledgers (the checker's, and the acks by partition that the live
//! loss count reads) by the checker's [`CheckerConfig::max_tracked_records`].
//!
//! - `describe` — a trace event as a timeline line, with Kafka's names.
//! - `timeline` — the newest events, one ring per category.
//! - `clients` — per-client counters.
//! - `charts` — throughput, lag and per-partition produce rate buckets.
//! - `owners` — which producer sent each record (for the live reorder count).

mod acks;
mod charts;
pub(crate) mod clients;
pub(crate) mod describe;
mod describe_group;
mod owners;
mod timeline;

use std::cell::RefCell;
use std::collections::BTreeMap;

use samsa_core::node::BrokerId;
use samsa_core::replication::messages::TopicPartition;

pub(crate) use acks::Acks;
pub use charts::BUCKET_MS;
pub(crate) use clients::ClientCounters;
pub(crate) use owners::RecordOwners;

use crate::checker::{Checker, CheckerConfig, Violation};
use crate::live::protocol::{ChartsView, EventCategory, EventView};
use crate::live::view::counts::CountsCache;
use crate::scenario::Scenario;
use crate::trace::{TraceEvent, TraceKind};

/// Most records the live checker tracks (sent, acked, consumed each): a few hours of the playground's
/// default rate, and the bound on what a checkpoint copies. Past it records are counted, not checked.
pub const LIVE_MAX_TRACKED_RECORDS: usize = 2_000_000;

/// Everything the views need that only the trace tells: see the module docs.
#[derive(Clone, Debug)]
pub struct Observers {
    checker: Checker,
    timeline: timeline::Timeline,
    clients: BTreeMap<u32, ClientCounters>,
    charts: charts::Charts,
    /// The controller's committed ISR per partition, from `IsrChanged`, for election lines.
    isr: BTreeMap<TopicPartition, Vec<BrokerId>>,
    /// Per partition, every first ack with an offset, in arrival order: what the live loss count
    /// compares with the logs (incrementally, from where it last stopped).
    acks: acks::AckLog,
    /// Which producer sent each record.
    owners: RecordOwners,
    /// What [`crate::live::view::build_view`] worked out last time, so the next view only looks at what
    /// changed. A cache: views are the same with or without it (a clone starts it over, see its docs).
    counts: RefCell<CountsCache>,
}

impl Observers {
    /// Observers for a run of `scenario`, before its first event.
    pub fn new(scenario: &Scenario) -> Self {
        let config = CheckerConfig {
            max_tracked_records: LIVE_MAX_TRACKED_RECORDS,
            ..CheckerConfig::for_scenario(scenario)
        };
        Observers {
            checker: Checker::new(config),
            timeline: timeline::Timeline::default(),
            clients: BTreeMap::new(),
            charts: charts::Charts::new(scenario),
            isr: BTreeMap::new(),
            acks: acks::AckLog::default(),
            owners: RecordOwners::new(LIVE_MAX_TRACKED_RECORDS),
            counts: RefCell::new(CountsCache::default()),
        }
    }

    /// Feeds one trace event; call with every event, in order.
    pub fn observe(&mut self, event: &TraceEvent) {
        let acked_before = self.checker.records_acked();
        let violations_before = self.checker.violations_so_far().len();
        self.checker.observe(event);
        if let TraceKind::RecordAcked { tp, offset, record_id, .. } = &event.kind {
            // Only the first ack of a record counts (the checker's rule), and only one with an offset.
            if self.checker.records_acked() > acked_before {
                self.acks.push(tp, *offset, *record_id);
            }
        }
        let isr = match &event.kind {
            TraceKind::LeaderElected { tp, .. } => self.isr.get(tp).map(Vec::as_slice),
            _ => None,
        };
        self.timeline.push(event, isr);
        if let TraceKind::IsrChanged { tp, isr, .. } = &event.kind {
            self.isr.insert(tp.clone(), isr.clone());
        }
        for violation in self.checker.violations_so_far().get(violations_before..).unwrap_or_default() {
            self.timeline.push_view(finding(violation));
        }
        if let TraceKind::WorkloadSend { client, record_id, .. } = &event.kind {
            self.owners.sent(*record_id, *client);
        }
        clients::observe(&mut self.clients, event);
        self.charts.observe(event);
    }

    /// The streaming checker.
    pub fn checker(&self) -> &Checker {
        &self.checker
    }

    /// The newest events, oldest first (at most `MAX_VIEW_EVENTS`).
    pub fn events(&self) -> Vec<EventView> {
        self.timeline.view()
    }

    /// The charts' series.
    pub fn charts(&self) -> ChartsView {
        self.charts.view()
    }

    /// One client's counters, if it did anything yet.
    pub(crate) fn client(&self, client: u32) -> Option<&ClientCounters> {
        self.clients.get(&client)
    }

    /// Records that failed, any error, any client.
    pub(crate) fn failed_total(&self) -> u64 {
        self.clients.values().map(ClientCounters::failed_total).sum()
    }

    /// The acks with an offset of `tp`, in arrival order.
    pub(crate) fn acks_of(&self, tp: &TopicPartition) -> Acks<'_> {
        self.acks.of(tp)
    }

    /// Which producer sent each record.
    pub(crate) fn owners(&self) -> &RecordOwners {
        &self.owners
    }

    /// The live counts' cache.
    pub(crate) fn counts_cache(&self) -> &RefCell<CountsCache> {
        &self.counts
    }
}

/// A checker finding as a timeline line.
fn finding(violation: &Violation) -> EventView {
    EventView {
        step: violation.at.step,
        t_ms: violation.at.t_ms,
        category: EventCategory::Checker,
        node: None,
        text: format!("{}: {}", violation.kind, violation.detail),
    }
}

#[cfg(test)]
mod tests;

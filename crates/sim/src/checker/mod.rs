//! The checker of Kafka's guarantees, fed by the trace.
//!
//! Streaming: the engine hands every [`TraceEvent`] to [`Checker::observe`] as it records it; checks
//! that can be decided on the spot (a consumer reading past the high watermark, a leader's high
//! watermark moving backwards, consumer order, per-step invariant failures) are decided there, with
//! the step they happened at. After the run has converged, [`Checker::finish`] takes the
//! [`FinalState`] — every replica's log as record ids per offset — and decides the rest: acknowledged
//! writes lost, duplicates, consumed records that were never really committed, divergent replicas.
//!
//! One file per guarantee: `acked` (acked-write loss, producer order), `duplicates`, `consumed` (read
//! past the high watermark, consumer order), `high_watermark`, `divergence`; and two observations that
//! break no promise but are a scenario's lesson: `reordered` (records committed out of send order, for
//! every producer) and `fire_and_forget` (acks=0 records the final log does not hold); `causes` recognises
//! losses Kafka itself shows (KIP-966's last-replica-standing gap) and names them in the violation;
//! [`report`] holds the verdict and [`final_state`] the end-of-run snapshot. The per-record ledgers
//! (records sent, acks, reads) are `paged`: the live playground clones the checker into every
//! checkpoint, and a paged ledger's copy shares its pages instead of copying every record.

mod acked;
mod causes;
mod consumed;
mod divergence;
mod duplicates;
pub mod final_state;
mod fire_and_forget;
mod groups;
mod high_watermark;
pub(crate) mod paged;
pub mod pipelines;
mod reordered;
pub mod report;
mod transactions;

use std::collections::{BTreeMap, BTreeSet};

use samsa_core::client::events::RecordId;
use samsa_core::node::NodeId;

use crate::scenario::Scenario;
use crate::trace::{TraceEvent, TraceKind};

pub use final_state::{FinalPartition, FinalRecord, FinalReplica, FinalState, FinalStateError, TxnFate};
pub use pipelines::{PipelineCheck, PipelineResult};
pub use report::{At, Cause, Report, Violation, ViolationKind};

/// Default for [`CheckerConfig::max_tracked_records`]: enough for a long run at the benchmark's rate
/// (1,000 msg/s for over two hours) while bounding the checker's memory.
pub const DEFAULT_MAX_TRACKED_RECORDS: usize = 10_000_000;

/// What the checker needs to know about the run beyond the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckerConfig {
    /// Producers whose configs promise send order within a partition: one request in flight
    /// (`max.in.flight.requests.per.connection=1`) or idempotence (KIP-98; see
    /// `ProducerConfig::idempotence_enabled`). Their acked offsets must follow send order.
    pub ordered_clients: BTreeSet<u32>,
    /// Most distinct records tracked (sent, acked, consumed each); past it records are counted but not
    /// checked, and [`Report::records_untracked`] says how many.
    pub max_tracked_records: usize,
    /// Each consumer's `group.id`, by client id (consumers without one are not group members).
    pub consumer_groups: BTreeMap<u32, String>,
    /// Consumers with `isolation.level=read_committed`: they must never return an aborted record.
    pub read_committed: BTreeSet<u32>,
    /// Consume-transform-produce pipelines, by group.
    pub pipelines: Vec<pipelines::PipelineCheck>,
}

impl CheckerConfig {
    /// The checker's view of `scenario`: which producers keep send order (one request in flight, or
    /// idempotent).
    pub fn for_scenario(scenario: &Scenario) -> Self {
        let ordered_clients = scenario
            .producers
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.config.max_in_flight_requests_per_connection == 1 || p.config.idempotence_enabled()
            })
            .filter_map(|(index, _)| match Scenario::producer_node(index) {
                NodeId::Client(client) => Some(client),
                _ => None,
            })
            .collect();
        let consumer_groups = scenario
            .consumers
            .iter()
            .enumerate()
            .filter_map(|(index, plan)| match (scenario.consumer_node(index), &plan.config.group_id) {
                (NodeId::Client(client), Some(group)) => Some((client, group.clone())),
                _ => None,
            })
            .collect();
        let read_committed: BTreeSet<u32> = scenario
            .consumers
            .iter()
            .enumerate()
            .filter(|(_, plan)| {
                plan.config.isolation_level == samsa_core::client::IsolationLevel::ReadCommitted
            })
            .filter_map(|(index, _)| match scenario.consumer_node(index) {
                NodeId::Client(client) => Some(client),
                _ => None,
            })
            .collect();
        let mut checks: Vec<pipelines::PipelineCheck> = Vec::new();
        for (index, plan) in scenario.pipelines.iter().enumerate() {
            let NodeId::Client(client) = scenario.pipeline_node(index) else { continue };
            let group_id = plan.consumer.group_id.clone().unwrap_or_default();
            match checks.iter_mut().find(|c| c.group_id == group_id) {
                Some(check) => {
                    check.clients.insert(client);
                }
                None => checks.push(pipelines::PipelineCheck {
                    clients: BTreeSet::from([client]),
                    group_id,
                    input: plan.input.clone(),
                    output: plan.output.clone(),
                    semantics: plan.semantics,
                }),
            }
        }
        // Pipelines' transactional producers and read_committed consumers are checked like any other.
        let read_committed = read_committed
            .into_iter()
            .chain(scenario.pipelines.iter().enumerate().filter_map(|(index, plan)| {
                let read_committed =
                    plan.consumer.isolation_level == samsa_core::client::IsolationLevel::ReadCommitted;
                match (read_committed, scenario.pipeline_node(index)) {
                    (true, NodeId::Client(client)) => Some(client),
                    _ => None,
                }
            }))
            .collect();
        CheckerConfig {
            ordered_clients,
            consumer_groups,
            read_committed,
            pipelines: checks,
            ..CheckerConfig::default()
        }
    }
}

impl Default for CheckerConfig {
    fn default() -> Self {
        CheckerConfig {
            ordered_clients: BTreeSet::new(),
            max_tracked_records: DEFAULT_MAX_TRACKED_RECORDS,
            consumer_groups: BTreeMap::new(),
            read_committed: BTreeSet::new(),
            pipelines: Vec::new(),
        }
    }
}

/// The streaming checker: `observe` every trace event, then `finish` with the converged cluster.
#[derive(Clone, Debug)]
pub struct Checker {
    config: CheckerConfig,
    report: Report,
    /// Every record id sent, with the client that sent it (paged by id).
    sent: paged::PagedVec<u32>,
    acks: acked::AckLedger,
    /// Records acknowledged without an offset (acks=0).
    fire_and_forget: fire_and_forget::FireAndForget,
    consumed: consumed::ConsumeLedger,
    high_watermarks: high_watermark::HighWatermarks,
    causes: causes::KnownCauses,
    groups: groups::GroupLedger,
    txns: transactions::TxnLedger,
    pipelines: pipelines::PipelineLedger,
    untracked: u64,
}

impl Checker {
    /// A checker for a run described by `config`.
    pub fn new(config: CheckerConfig) -> Self {
        let groups = groups::GroupLedger::new(config.consumer_groups.clone());
        let txns = transactions::TxnLedger::new(config.read_committed.clone());
        let pipelines = pipelines::PipelineLedger::new(config.pipelines.clone());
        // Record ids count up from 1 and offsets from 0: with at most `max_tracked_records` of each,
        // every tracked one is below this, so the ledgers page all of them.
        let dense_len = u64::try_from(config.max_tracked_records).unwrap_or(u64::MAX).saturating_add(1);
        Checker {
            config,
            report: Report::default(),
            sent: paged::PagedVec::new(dense_len),
            acks: acked::AckLedger::new(dense_len),
            fire_and_forget: fire_and_forget::FireAndForget::new(dense_len),
            consumed: consumed::ConsumeLedger::new(dense_len),
            high_watermarks: high_watermark::HighWatermarks::default(),
            causes: causes::KnownCauses::default(),
            groups,
            txns,
            pipelines,
            untracked: 0,
        }
    }

    /// Feeds one trace event; violations decidable now are recorded with the event's step.
    pub fn observe(&mut self, event: &TraceEvent) {
        let at = At { step: event.step, t_ms: event.t_ms };
        match &event.kind {
            TraceKind::RecordSent { client, record_id, .. } => {
                self.txns.sent(*client, *record_id);
                if self.sent.contains(*record_id) {
                    return; // a retry: the same record again
                }
                if self.sent.len() < self.config.max_tracked_records {
                    self.sent.insert(*record_id, *client);
                } else {
                    self.untracked += 1;
                }
                self.report.records_sent += 1;
            }
            TraceKind::RecordAcked { client, record_id, tp, offset } => {
                self.txns.acked(*record_id, tp, *offset);
                if *offset < 0 {
                    // acks=0: the client reports success without an offset; Kafka promises nothing,
                    // but whether the record made it is counted at the end.
                    self.report.records_acked_without_offset += 1;
                    if self.fire_and_forget.len() < self.config.max_tracked_records {
                        self.fire_and_forget.sent(*record_id, tp);
                    } else {
                        self.untracked += 1;
                    }
                } else if self.acks.len() < self.config.max_tracked_records {
                    let ordered = self.config.ordered_clients.contains(client);
                    self.acks.acked(at, *client, *record_id, tp, *offset, ordered);
                } else {
                    self.untracked += 1;
                }
            }
            TraceKind::RecordFailed { error, .. } => {
                *self.report.records_failed.entry(error.to_string()).or_insert(0) += 1;
            }
            TraceKind::RecordConsumed { client, tp, offset, record_id, high_watermark } => {
                self.report.records_consumed += 1;
                self.txns.consumed(at, *client, tp, *offset, *record_id);
                let consumed = consumed::Consumed {
                    client: *client,
                    tp,
                    offset: *offset,
                    record_id: *record_id,
                    high_watermark: *high_watermark,
                };
                self.consumed.consumed(
                    at,
                    &consumed,
                    self.config.max_tracked_records,
                    &self.causes,
                    &mut self.report,
                );
            }
            TraceKind::GroupJoined { client, group_id, generation_id, protocol, .. } => {
                self.groups.joined(*client, group_id, *generation_id, protocol.as_deref());
            }
            TraceKind::PartitionsAssigned { client, group_id, generation_id, added, owned } => {
                for tp in added {
                    self.consumed.forget(*client, tp);
                }
                self.groups.assigned(at, *client, group_id, *generation_id, owned);
            }
            TraceKind::PartitionsRevoked { client, partitions, .. }
            | TraceKind::PartitionsLost { client, partitions, .. } => {
                for tp in partitions {
                    self.consumed.forget(*client, tp);
                }
            }
            TraceKind::PositionReset { client, tp, .. } | TraceKind::PositionRestored { client, tp, .. } => {
                self.consumed.forget(*client, tp);
            }
            TraceKind::NodeRestarted { node: NodeId::Client(client) } => {
                self.consumed.forget_client(*client);
                self.txns.producer_gone(*client);
            }
            TraceKind::TransactionBegun { client, .. } => self.txns.begun(*client),
            TraceKind::TransactionEnding { client, commit, .. } => self.txns.ending(*client, *commit),
            TraceKind::TransactionCompleted { client, committed, .. } => {
                self.txns.completed(*client, *committed)
            }
            TraceKind::TransactionFailed { client, fatal: true, .. } => self.txns.producer_gone(*client),
            TraceKind::RecordsProcessed { client, tp, first_offset, last_offset } => {
                self.groups.processed(*client, tp, *first_offset, *last_offset);
            }
            TraceKind::GroupOffsetsStored { group_id, offsets, .. } => {
                self.pipelines.stored(group_id, offsets);
                self.groups.stored(at, group_id, offsets)
            }
            TraceKind::RecordTransformed { client, input_record_id, output_record_id } => {
                self.pipelines.transformed(*client, *input_record_id, *output_record_id);
            }
            TraceKind::BecameLeader { broker, tp, leader_epoch } => {
                self.high_watermarks.became_leader(*broker, tp, *leader_epoch);
            }
            TraceKind::BecameFollower { broker, tp, .. } => self.high_watermarks.became_follower(*broker, tp),
            TraceKind::NodeCrashed { node: NodeId::Broker(broker), power_loss } => {
                self.high_watermarks.crashed(*broker);
                self.causes.crashed(at, *broker, *power_loss);
            }
            TraceKind::IsrChanged { tp, isr, .. } => self.causes.isr_changed(tp, isr),
            TraceKind::LeaderElected { tp, leader, .. } => self.causes.leader_elected(at, tp, *leader),
            TraceKind::HighWatermarkChanged { broker, tp, high_watermark } => {
                self.high_watermarks.changed(at, *broker, tp, *high_watermark, &mut self.report);
            }
            TraceKind::InvariantViolation { node, message } => self.report.push(Violation {
                kind: ViolationKind::Invariant,
                tp: None,
                record_id: None,
                offsets: Vec::new(),
                at,
                detail: format!("{node}: {message}"),
                cause: None,
            }),
            _ => {}
        }
    }

    /// Violations found so far (the streaming ones), for a UI that shows them as they happen.
    pub fn violations_so_far(&self) -> &[Violation] {
        &self.report.violations
    }

    /// The counts and the streaming violations so far; the end-of-run checks are not decided yet, so
    /// `records_acked`, `acked_lost`, `duplicated`, `records_reordered` and `unacknowledged_lost` are
    /// still zero here (see [`Checker::records_acked`]).
    pub fn report_so_far(&self) -> &Report {
        &self.report
    }

    /// Records acknowledged with an offset so far (the first ack of each).
    pub fn records_acked(&self) -> u64 {
        self.acks.len() as u64
    }

    /// The first ack of `record_id`: the client, the acked offset, and when.
    pub fn ack_of(&self, record_id: RecordId) -> Option<(u32, i64, At)> {
        self.acks.get(record_id)
    }

    /// Producer-order suspects so far, as (earlier record, later record, violation): [`Checker::finish`]
    /// confirms one only if neither record was lost, since a lost record's offset may be reused.
    pub fn producer_order_suspects(&self) -> impl Iterator<Item = (RecordId, RecordId, &Violation)> + '_ {
        self.acks.suspects()
    }

    /// Decides the end-of-run checks against the converged cluster and returns the verdict.
    pub fn finish(self, state: &FinalState) -> Report {
        let Checker {
            mut report,
            sent,
            acks,
            fire_and_forget,
            consumed,
            causes,
            groups,
            txns,
            pipelines: pipeline_ledger,
            untracked,
            ..
        } = self;
        report.records_acked = acks.len() as u64;
        report.records_untracked = untracked;
        report.offline_partitions =
            state.partitions.iter().filter(|(_, p)| p.leader.is_none()).map(|(tp, _)| tp.clone()).collect();
        acks.finish(state, &causes, &mut report);
        duplicates::check(state, &mut report);
        report.records_reordered = reordered::count(state, &sent);
        report.unacknowledged_lost = fire_and_forget.lost(state);
        consumed.finish(state, &causes, &mut report);
        groups.finish(state, &mut report);
        txns.finish(state, &mut report);
        pipeline_ledger.finish(state, &mut report);
        divergence::check(state, &mut report);
        // Streaming checks pushed first; a reader wants the story in order.
        report.violations.sort_by_key(|v| v.at);
        report
    }
}

impl Default for Checker {
    /// A checker with [`CheckerConfig::default`].
    fn default() -> Self {
        Checker::new(CheckerConfig::default())
    }
}

/// Checks a whole recorded trace at once: `observe` each event in order, then `finish`.
pub fn check<'a>(
    config: CheckerConfig,
    events: impl IntoIterator<Item = &'a TraceEvent>,
    state: &FinalState,
) -> Report {
    let mut checker = Checker::new(config);
    for event in events {
        checker.observe(event);
    }
    checker.finish(state)
}

//! Running counts of a simulation, kept as trace events are recorded: what the CLI's summary prints
//! even when no trace bytes are kept.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::trace::{DropReason, TraceKind};

/// Counts of what happened in a run (ordered maps, so printing is deterministic).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Records the workload asked producers to send.
    pub records_sent: u64,
    /// Records acknowledged to the producer.
    pub records_acked: u64,
    /// Records that failed, by Kafka error name.
    pub records_failed: BTreeMap<String, u64>,
    /// Records the producer refused outright, by Kafka error name.
    pub records_rejected: BTreeMap<String, u64>,
    /// Records consumers received.
    pub records_consumed: u64,
    /// Produce answers by leaders, by Kafka error name (`NONE` for success).
    pub produce_answers: BTreeMap<String, u64>,
    /// Messages handed to the network.
    pub messages_sent: u64,
    /// Messages delivered.
    pub messages_delivered: u64,
    /// Messages lost, by reason.
    pub messages_dropped: BTreeMap<String, u64>,
    /// Extra copies the network made.
    pub messages_duplicated: u64,
    /// Leader elections (including offline "no leader" results).
    pub leader_elections: u64,
    /// Unclean leader elections.
    pub unclean_elections: u64,
    /// Log truncations.
    pub truncations: u64,
    /// Node crashes.
    pub crashes: u64,
    /// Invariant violations reported by nodes.
    pub violations: u64,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    // Look up by &str first: the map has a handful of keys, so this allocates only on a new key.
    match map.get_mut(key) {
        Some(count) => *count += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

fn drop_reason_name(reason: DropReason) -> &'static str {
    match reason {
        DropReason::LinkCut => "link_cut",
        DropReason::Random => "random",
        DropReason::NodeDown => "node_down",
        DropReason::QueueFull => "queue_full",
    }
}

impl RunStats {
    /// Counts one event.
    pub fn observe(&mut self, kind: &TraceKind) {
        match kind {
            TraceKind::WorkloadSend { .. } => self.records_sent += 1,
            TraceKind::RecordAcked { .. } => self.records_acked += 1,
            TraceKind::RecordFailed { error, .. } => bump(&mut self.records_failed, error.name()),
            TraceKind::SendRejected { error, .. } => bump(&mut self.records_rejected, error.name()),
            TraceKind::RecordConsumed { .. } => self.records_consumed += 1,
            TraceKind::ProduceAnswered { error, .. } => bump(&mut self.produce_answers, error.name()),
            TraceKind::MessageSent { .. } => self.messages_sent += 1,
            TraceKind::MessageDelivered { .. } => self.messages_delivered += 1,
            TraceKind::MessageDropped { reason, .. } => {
                bump(&mut self.messages_dropped, drop_reason_name(*reason))
            }
            TraceKind::MessageDuplicated { .. } => self.messages_duplicated += 1,
            TraceKind::LeaderElected { unclean, .. } => {
                self.leader_elections += 1;
                if *unclean {
                    self.unclean_elections += 1;
                }
            }
            TraceKind::Truncated { .. } => self.truncations += 1,
            TraceKind::NodeCrashed { .. } => self.crashes += 1,
            TraceKind::InvariantViolation { .. } => self.violations += 1,
            _ => {}
        }
    }

    /// Records that failed, all errors together.
    pub fn records_failed_total(&self) -> u64 {
        self.records_failed.values().sum()
    }
}

//! Per-client counters from the trace: what each producer sent, had acknowledged and saw fail (by
//! Kafka's error name), its latest outcome and workload rate, the transactions it saw end; what each
//! consumer received; what each pipeline transformed.

use std::collections::BTreeMap;

use super::describe::tp_name;
use crate::trace::{TraceEvent, TraceKind};

/// One client's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClientCounters {
    /// Records the workload handed to `send`.
    pub(crate) sent: u64,
    /// Records acknowledged (with or without an offset).
    pub(crate) acked: u64,
    /// Records that failed or that `send` refused, by Kafka error name.
    pub(crate) failed: BTreeMap<&'static str, u64>,
    /// The latest outcome as a sentence.
    pub(crate) last_outcome: Option<String>,
    /// Records received (consumers).
    pub(crate) consumed: u64,
    /// The workload rate set during the run (`None`: the scenario's).
    pub(crate) rate_per_sec: Option<u64>,
    /// Transactions the client saw commit.
    pub(crate) transactions_committed: u64,
    /// Transactions the client saw abort.
    pub(crate) transactions_aborted: u64,
    /// Output records a pipeline produced.
    pub(crate) transformed: u64,
}

impl ClientCounters {
    /// Failures of any kind.
    pub(crate) fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }
}

/// Counts `event` into its client's counters.
pub(crate) fn observe(clients: &mut BTreeMap<u32, ClientCounters>, event: &TraceEvent) {
    match &event.kind {
        TraceKind::WorkloadSend { client, .. } => clients.entry(*client).or_default().sent += 1,
        TraceKind::RecordAcked { client, tp, offset, .. } => {
            let counters = clients.entry(*client).or_default();
            counters.acked += 1;
            counters.last_outcome = Some(if *offset >= 0 {
                format!("acked at {}@{offset}", tp_name(tp))
            } else {
                format!("acked on {} without an offset (acks=0)", tp_name(tp))
            });
        }
        TraceKind::RecordFailed { client, error, .. } | TraceKind::SendRejected { client, error, .. } => {
            let counters = clients.entry(*client).or_default();
            *counters.failed.entry(error.name()).or_insert(0) += 1;
            counters.last_outcome = Some(format!("failed: {}", error.name()));
        }
        TraceKind::RecordConsumed { client, .. } => clients.entry(*client).or_default().consumed += 1,
        TraceKind::TransactionCompleted { client, committed, .. } => {
            let counters = clients.entry(*client).or_default();
            if *committed {
                counters.transactions_committed += 1;
            } else {
                counters.transactions_aborted += 1;
            }
        }
        TraceKind::RecordTransformed { client, .. } => clients.entry(*client).or_default().transformed += 1,
        TraceKind::ProduceRateChanged { client, rate_per_sec } => {
            clients.entry(*client).or_default().rate_per_sec = Some(*rate_per_sec);
        }
        _ => {}
    }
}

//! What the checker found: violations (each naming the record, the partition, the offsets and the step)
//! and the run's counts, with a `Display` a human reads at the end of `samsa-sim run`.

use std::collections::BTreeMap;
use std::fmt;

use samsa_core::client::events::RecordId;
use samsa_core::node::BrokerId;
use samsa_core::replication::messages::TopicPartition;

/// Most violations a report keeps in full; the rest are only counted (a broken run can produce one per
/// record, and the report must stay readable and bounded).
pub const MAX_VIOLATIONS_KEPT: usize = 1_000;

/// Where in the run something happened: the trace step and the virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct At {
    /// The trace step.
    pub step: u64,
    /// Virtual time, milliseconds since the run started.
    pub t_ms: u64,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {} (t={} ms)", self.step, self.t_ms)
    }
}

/// Which of Kafka's guarantees a violation breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViolationKind {
    /// A record acked with acks=1/all is not in the final committed log at its acked offset.
    AckedWriteLost,
    /// A record id sits at two offsets of a partition's committed log.
    Duplicate,
    /// A producer that promises send order (one request in flight, or idempotence) got acked offsets
    /// that do not increase in send order.
    ProducerOrder,
    /// A consumer received offsets of one partition that did not strictly increase, or had a gap
    /// inside one fetch.
    ConsumerOrder,
    /// A leader's high watermark moved backwards within one leader epoch.
    HighWatermarkRegressed,
    /// A consumer received a record at or above the high watermark the leader reported with it.
    ReadPastHighWatermark,
    /// A consumer received a record that the final committed log does not hold at that offset: it read
    /// past the true high watermark (the record was later truncated away or replaced).
    ConsumedRecordNotCommitted,
    /// After convergence an in-sync replica's log below the high watermark differs from the leader's.
    DivergentReplica,
    /// A per-step invariant of a broker or the controller failed (`check_invariants`).
    Invariant,
    /// A consumer group committed past records no member processed: at-most-once loss (the commit
    /// came before the processing, and the processing never happened).
    ConsumerSkipped,
    /// Two members of one group owned a partition in the same generation (or, with cooperative
    /// rebalancing, a partition moved before its old owner revoked it, KIP-429).
    PartitionOwnedTwice,
    /// A `read_committed` consumer returned a record of an aborted (or never ended) transaction.
    AbortedRead,
    /// A record of a transaction its producer never asked to commit is committed in the log (a late
    /// produce joining the next transaction, KIP-890; or a zombie's write).
    UncommittedTransactionCommitted,
    /// A transaction its producer saw commit has an acknowledged record that is not committed.
    TransactionNotAtomic,
    /// An exactly-once pipeline's input record, below its group's committed offset, has no committed
    /// output or more than one.
    ExactlyOnceBroken,
}

impl ViolationKind {
    /// A short kebab-case name, for the summary and for tests.
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::AckedWriteLost => "acked-write-lost",
            ViolationKind::Duplicate => "duplicate",
            ViolationKind::ProducerOrder => "producer-order",
            ViolationKind::ConsumerOrder => "consumer-order",
            ViolationKind::HighWatermarkRegressed => "high-watermark-regressed",
            ViolationKind::ReadPastHighWatermark => "read-past-high-watermark",
            ViolationKind::ConsumedRecordNotCommitted => "consumed-record-not-committed",
            ViolationKind::DivergentReplica => "divergent-replica",
            ViolationKind::Invariant => "invariant",
            ViolationKind::ConsumerSkipped => "consumer-skipped",
            ViolationKind::PartitionOwnedTwice => "partition-owned-twice",
            ViolationKind::AbortedRead => "aborted-read",
            ViolationKind::UncommittedTransactionCommitted => "uncommitted-transaction-committed",
            ViolationKind::TransactionNotAtomic => "transaction-not-atomic",
            ViolationKind::ExactlyOnceBroken => "exactly-once-broken",
        }
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A known, documented reason behind a violation: Kafka itself behaves this way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The partition's only in-sync replica lost its unflushed log in a power loss and was elected again
    /// when it came back, so the other replicas truncated to its shorter log. Kafka's "last replica
    /// standing" gap: without an fsync per write (`flush.messages`) not even `min.insync.replicas=2`
    /// prevents it; KIP-966 (Eligible Leader Replicas, unclean-shutdown detection) closes it.
    LastReplicaPowerLoss {
        /// The replica that lost its log.
        broker: BrokerId,
        /// Its power-loss crash.
        crashed_at: At,
        /// Its election after the restart.
        elected_at: At,
    },
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::LastReplicaPowerLoss { broker, crashed_at, elected_at } => write!(
                f,
                "broker-{broker}, the only in-sync replica, lost its unflushed log in a power loss at {crashed_at} \
                 and was elected again at {elected_at} (Kafka's last-replica-standing gap, KIP-966)"
            ),
        }
    }
}

/// One broken guarantee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which guarantee.
    pub kind: ViolationKind,
    /// The partition, when the violation concerns one.
    pub tp: Option<TopicPartition>,
    /// The record, when the violation concerns one.
    pub record_id: Option<RecordId>,
    /// The offsets involved (e.g. the acked offset; both offsets of a duplicate).
    pub offsets: Vec<i64>,
    /// The step where it happened (an ack, a consume) or, for end-of-run checks, where it was detected.
    pub at: At,
    /// A sentence saying what exactly went wrong.
    pub detail: String,
    /// A known reason, when the checker can name one.
    pub cause: Option<Cause>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] at {}", self.kind, self.at)?;
        if let Some(tp) = &self.tp {
            write!(f, " {}-{}", tp.topic, tp.partition)?;
        }
        if let Some(id) = self.record_id {
            write!(f, " record {id}")?;
        }
        if !self.offsets.is_empty() {
            let offsets: Vec<String> = self.offsets.iter().map(i64::to_string).collect();
            write!(f, " offset {}", offsets.join(","))?;
        }
        write!(f, ": {}", self.detail)?;
        if let Some(cause) = &self.cause {
            write!(f, "; cause: {cause}")?;
        }
        Ok(())
    }
}

/// The checker's verdict on one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Records producers sent (first send of each record id).
    pub records_sent: u64,
    /// Records acked with an offset (acks=1 or acks=all): the ones whose loss is a violation.
    pub records_acked: u64,
    /// Records "acked" with acks=0 (no offset, Kafka promises nothing about them).
    pub records_acked_without_offset: u64,
    /// Records whose send failed, by Kafka error name (e.g. `NOT_ENOUGH_REPLICAS`).
    pub records_failed: BTreeMap<String, u64>,
    /// Records consumers received.
    pub records_consumed: u64,
    /// Records group members' applications finished processing (counting repeats).
    pub records_processed: u64,
    /// Records a group processed more than once (each extra time counts): reprocessing after a
    /// rebalance or a crash, which at-least-once allows.
    pub records_reprocessed: u64,
    /// Records below a group's committed offset that no member processed (at-most-once loss).
    pub records_skipped: u64,
    /// Records a group never processed because retention deleted them first (its position fell below
    /// the log start offset).
    pub lost_to_retention: u64,
    /// Acked records missing from the final committed log.
    pub acked_lost: u64,
    /// Acked records below the final log start offset: deleted by retention, not lost.
    pub acked_deleted_by_retention: u64,
    /// Record ids present at more than one offset of a committed log.
    pub duplicated: u64,
    /// Committed records that sit after a record their producer sent later (out of send order), for
    /// every producer: a violation only for producers that promise order
    /// ([`ViolationKind::ProducerOrder`]), an observation for the others.
    pub records_reordered: u64,
    /// Records acknowledged without an offset (acks=0) that no final committed log holds: the producer
    /// reported success, the data is gone. Kafka promises nothing here, so it is not a violation.
    pub unacknowledged_lost: u64,
    /// Acked records of partitions without a leader at the end: not lost, but not readable either
    /// (`unclean.leader.election.enable=false` keeps a partition offline rather than lose data).
    pub acked_unavailable: u64,
    /// Partitions with no leader at the end of the run (Kafka's `OfflinePartitionsCount`).
    pub offline_partitions: Vec<TopicPartition>,
    /// Records past [`super::CheckerConfig::max_tracked_records`]: counted, not checked.
    pub records_untracked: u64,
    /// Transactions their producers saw commit.
    pub transactions_committed: u64,
    /// Transactions their producers saw abort.
    pub transactions_aborted: u64,
    /// Each consume-transform-produce pipeline's inputs, lost and duplicated outputs.
    pub pipelines: Vec<super::pipelines::PipelineResult>,
    /// Violations by kind (every one counted, even past [`MAX_VIOLATIONS_KEPT`]).
    pub violation_counts: BTreeMap<ViolationKind, u64>,
    /// Violations with a known [`Cause`] (counted, including those not kept in full).
    pub violations_explained: u64,
    /// The first [`MAX_VIOLATIONS_KEPT`] violations, by step.
    pub violations: Vec<Violation>,
}

impl Report {
    /// True when no guarantee was broken.
    pub fn is_clean(&self) -> bool {
        self.violation_counts.is_empty()
    }

    /// Total violations, including those not kept in full.
    pub fn violation_count(&self) -> u64 {
        self.violation_counts.values().sum()
    }

    /// Violations without a known [`Cause`] (counted, including those not kept in full): what a safe
    /// configuration must never show.
    pub fn unexplained_count(&self) -> u64 {
        self.violation_count().saturating_sub(self.violations_explained)
    }

    /// Violations of one kind (counted, including those not kept in full).
    pub fn count_of(&self, kind: ViolationKind) -> u64 {
        self.violation_counts.get(&kind).copied().unwrap_or(0)
    }

    /// Records that failed with the Kafka error named `error_name`.
    pub fn failed_with(&self, error_name: &str) -> u64 {
        self.records_failed.get(error_name).copied().unwrap_or(0)
    }

    /// Adds a violation, keeping at most [`MAX_VIOLATIONS_KEPT`] in full.
    pub fn push(&mut self, violation: Violation) {
        *self.violation_counts.entry(violation.kind).or_insert(0) += 1;
        if violation.cause.is_some() {
            self.violations_explained += 1;
        }
        if self.violations.len() < MAX_VIOLATIONS_KEPT {
            self.violations.push(violation);
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "records sent:      {}", self.records_sent)?;
        writeln!(
            f,
            "records acked:     {} (plus {} with acks=0, unverifiable)",
            self.records_acked, self.records_acked_without_offset
        )?;
        let failed: u64 = self.records_failed.values().sum();
        write!(f, "records failed:    {failed}")?;
        if !self.records_failed.is_empty() {
            let by_error: Vec<String> =
                self.records_failed.iter().map(|(e, n)| format!("{e}: {n}")).collect();
            write!(f, " ({})", by_error.join(", "))?;
        }
        writeln!(f)?;
        writeln!(f, "records consumed:  {}", self.records_consumed)?;
        if self.records_processed > 0 || self.records_skipped > 0 || self.lost_to_retention > 0 {
            writeln!(
                f,
                "group processing:  {} processed, {} reprocessed, {} skipped (committed, never processed), \
                 {} lost to retention",
                self.records_processed,
                self.records_reprocessed,
                self.records_skipped,
                self.lost_to_retention
            )?;
        }
        for pipeline in &self.pipelines {
            writeln!(f, "{pipeline}")?;
        }
        writeln!(f, "acked then lost:   {}", self.acked_lost)?;
        if self.records_untracked > 0 {
            writeln!(
                f,
                "untracked records: {} (past the checker's limit, not checked)",
                self.records_untracked
            )?;
        }
        writeln!(f, "duplicated:        {}", self.duplicated)?;
        writeln!(f, "reordered:         {}", self.records_reordered)?;
        if self.records_acked_without_offset > 0 {
            writeln!(
                f,
                "acks=0 records missing from the log: {} of {} (the producer saw success)",
                self.unacknowledged_lost, self.records_acked_without_offset
            )?;
        }
        if !self.offline_partitions.is_empty() {
            let names: Vec<String> =
                self.offline_partitions.iter().map(|tp| format!("{}-{}", tp.topic, tp.partition)).collect();
            writeln!(
                f,
                "offline partitions: {} ({} acked records unavailable, not lost)",
                names.join(", "),
                self.acked_unavailable
            )?;
        }
        if self.is_clean() {
            return writeln!(f, "violations:        none");
        }
        let counts: Vec<String> = self.violation_counts.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        writeln!(f, "violations:        {} ({})", self.violation_count(), counts.join(", "))?;
        if self.violations_explained > 0 {
            writeln!(f, "  of which {} have a known cause (see each)", self.violations_explained)?;
        }
        for violation in &self.violations {
            writeln!(f, "  {violation}")?;
        }
        let hidden = self.violation_count().saturating_sub(self.violations.len() as u64);
        if hidden > 0 {
            writeln!(f, "  … and {hidden} more")?;
        }
        Ok(())
    }
}

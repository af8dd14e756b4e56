//! The cluster as it stands after the run has converged: per partition, the leader, the ISR, and every
//! replica's log as (offset, record id, leader epoch). End-of-run checks (loss, duplicates, divergence,
//! consumed-but-not-committed) compare the trace against this.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use samsa_core::client::record_id::{record_id_of, RecordId, RecordIdError};
use samsa_core::log::{LogError, PartitionLog, SegmentStorage};
use samsa_core::node::BrokerId;
use samsa_core::record_batch::{DecodeError, RecordBatch};
use samsa_core::replication::messages::TopicPartition;

use super::report::At;

/// Most bytes read from a log per call while collecting its records (`replica.fetch.max.bytes`' default).
const READ_CHUNK_BYTES: usize = 1_048_576;

/// One record of a replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinalRecord {
    /// Its offset.
    pub offset: i64,
    /// The id the producer gave it, if it carries one.
    pub record_id: Option<RecordId>,
    /// The leader epoch stamped on its batch (KIP-101).
    pub leader_epoch: i32,
}

/// One replica of one partition at the end of the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinalReplica {
    /// The replica's high watermark.
    pub high_watermark: i64,
    /// Its log end offset.
    pub log_end_offset: i64,
    /// Its log start offset (records below it were deleted by retention).
    pub log_start_offset: i64,
    /// Every record in its log, by ascending offset.
    pub records: Vec<FinalRecord>,
    /// Offsets of records whose transaction did not commit (KIP-98): aborted (an ABORT marker follows
    /// in the log) or still open (no marker yet). Every other record is committed.
    pub not_committed: BTreeMap<i64, TxnFate>,
}

impl FinalReplica {
    /// Reads every record of `log` (decoding batches and each record's `samsa.record-id` header).
    /// `decided` says, for a producer id whose transaction has no marker in this log yet, whether its
    /// coordinator has already decided it (`Some(true)`: PrepareCommit logged, `Some(false)`:
    /// PrepareAbort): its outcome is then fixed and only the marker is still on its way (a marker lost
    /// on a cut link is sent again after `request.timeout.ms`, which may outlast the run).
    pub fn from_log<S: SegmentStorage>(
        log: &PartitionLog<S>,
        high_watermark: i64,
        decided: &dyn Fn(i64) -> Option<bool>,
    ) -> Result<Self, FinalStateError> {
        let log_end_offset = log.log_end_offset();
        let mut records = Vec::new();
        let mut not_committed = BTreeMap::new();
        // Producer id → offsets of its transactional records not decided yet.
        let mut open: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        let mut offset = log.log_start_offset();
        while offset < log_end_offset {
            let read = log
                .read(offset, READ_CHUNK_BYTES)
                .map_err(|error| FinalStateError::Read { offset, error })?;
            if read.batch_count == 0 {
                break; // compaction may leave nothing after `offset`
            }
            let mut bytes = read.bytes.as_slice();
            let mut next_offset = offset;
            while !bytes.is_empty() {
                let (batch, used_bytes) = RecordBatch::decode(bytes)
                    .map_err(|error| FinalStateError::Decode { offset: next_offset, error })?;
                bytes = bytes.get(used_bytes..).unwrap_or_default();
                if let Some(control) = samsa_core::txn::control::control_type(&batch) {
                    let decided = open.remove(&batch.producer_id).unwrap_or_default();
                    if control == samsa_core::txn::control::ControlType::Abort {
                        not_committed.extend(decided.into_iter().map(|o| (o, TxnFate::Aborted)));
                    }
                    next_offset = batch.base_offset.saturating_add(1);
                    continue;
                }
                for record in &batch.records {
                    if batch.attributes.is_transactional {
                        open.entry(batch.producer_id).or_default().insert(batch.offset(record));
                    }
                    let record_id = record_id_of(record).map_err(|error| FinalStateError::BadRecordId {
                        offset: batch.offset(record),
                        error,
                    })?;
                    records.push(FinalRecord {
                        offset: batch.offset(record),
                        record_id,
                        leader_epoch: batch.partition_leader_epoch,
                    });
                }
                next_offset =
                    batch.base_offset.saturating_add(i64::from(batch.last_offset_delta)).saturating_add(1);
            }
            if next_offset <= offset {
                return Err(FinalStateError::NoProgress { offset });
            }
            offset = next_offset;
        }
        for (producer_id, offsets) in open {
            let fate = match decided(producer_id) {
                Some(true) => continue,
                Some(false) => TxnFate::Aborted,
                None => TxnFate::Open,
            };
            not_committed.extend(offsets.into_iter().map(|o| (o, fate)));
        }
        Ok(FinalReplica {
            high_watermark,
            log_end_offset,
            log_start_offset: log.log_start_offset(),
            records,
            not_committed,
        })
    }

    /// The record at `offset`, if the log holds one there.
    pub fn record_at(&self, offset: i64) -> Option<&FinalRecord> {
        self.records.binary_search_by_key(&offset, |r| r.offset).ok().and_then(|i| self.records.get(i))
    }

    /// The records below the high watermark: what this replica considers committed.
    pub fn committed(&self) -> &[FinalRecord] {
        let end = self.records.partition_point(|r| r.offset < self.high_watermark);
        self.records.get(..end).unwrap_or_default()
    }
}

/// What became of a transactional record that is not committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnFate {
    /// Its transaction's ABORT marker is in the log.
    Aborted,
    /// No marker for its transaction yet.
    Open,
}

/// One partition at the end of the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinalPartition {
    /// The leader the controller names, `None` when the partition is offline.
    pub leader: Option<BrokerId>,
    /// The controller's committed ISR.
    pub isr: Vec<BrokerId>,
    /// The replicas whose logs could be read (live brokers, and crashed ones' durable logs if the driver
    /// has them).
    pub replicas: BTreeMap<BrokerId, FinalReplica>,
}

impl FinalPartition {
    /// The leader's replica, when there is a leader and its log was read.
    pub fn leader_replica(&self) -> Option<&FinalReplica> {
        self.leader.and_then(|leader| self.replicas.get(&leader))
    }
}

/// The whole cluster at the end of the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinalState {
    /// When the final state was taken (end-of-run violations are reported at this step).
    pub at: At,
    /// Every partition.
    pub partitions: BTreeMap<TopicPartition, FinalPartition>,
}

/// Why a replica's log could not be read into a [`FinalReplica`].
#[derive(Clone, Debug, PartialEq)]
pub enum FinalStateError {
    /// The log refused the read.
    Read {
        /// Where the read started.
        offset: i64,
        /// The log's error.
        error: LogError,
    },
    /// A stored batch did not decode.
    Decode {
        /// The batch's expected first offset.
        offset: i64,
        /// The decoder's error.
        error: DecodeError,
    },
    /// A record's `samsa.record-id` header is malformed.
    BadRecordId {
        /// The record's offset.
        offset: i64,
        /// What is wrong with it.
        error: RecordIdError,
    },
    /// A read returned batches that do not advance past `offset`.
    NoProgress {
        /// Where the read started.
        offset: i64,
    },
}

impl fmt::Display for FinalStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FinalStateError::Read { offset, error } => {
                write!(f, "reading the log at offset {offset}: {error}")
            }
            FinalStateError::Decode { offset, error } => {
                write!(f, "decoding the batch at offset {offset}: {error}")
            }
            FinalStateError::BadRecordId { offset, error } => write!(f, "record at offset {offset}: {error}"),
            FinalStateError::NoProgress { offset } => {
                write!(f, "reading the log at offset {offset} made no progress")
            }
        }
    }
}

impl std::error::Error for FinalStateError {}

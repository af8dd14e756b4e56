//! What clients observe, as values: the checker compares these with the brokers' logs.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::ErrorCode;
use crate::record_batch::DecodeError;
use crate::replication::messages::TopicPartition;

pub use super::record_id::{RecordId, RecordIdError};

/// An observable step inside a client.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientEvent {
    /// The producer sent a record in a produce request: once per attempt, so a retried record is sent
    /// (and may be written) more than once.
    RecordSent {
        /// The client.
        client: u32,
        /// The record.
        record_id: RecordId,
        /// Destination partition.
        tp: TopicPartition,
    },
    /// The producer sent one batch to `tp`'s leader in a produce request (once per attempt; the batch's
    /// records each get a [`ClientEvent::RecordSent`] too).
    BatchSent {
        /// The client.
        client: u32,
        /// Destination partition.
        tp: TopicPartition,
        /// Records in the batch.
        record_count: u32,
        /// The encoded batch's size.
        size_bytes: u32,
        /// The producer id in the batch header, or -1 without idempotence.
        producer_id: i64,
        /// The producer epoch in the batch header, or -1 without idempotence.
        producer_epoch: i16,
        /// The sequence number of the batch's first record, or -1 without idempotence.
        base_sequence: i32,
        /// 0 for the first send, then 1, 2… for retries (Kafka's `ProducerBatch.attempts`).
        attempt: u32,
    },
    /// The producer got a producer id and epoch (InitProducerId, KIP-98) or bumped its epoch and reset
    /// its sequence numbers after a sequence it could not resolve (KIP-360).
    ProducerIdAssigned {
        /// The client.
        client: u32,
        /// The producer id.
        producer_id: i64,
        /// The producer epoch.
        producer_epoch: i16,
        /// `true` for an epoch bump of an id the producer already had.
        bumped: bool,
    },
    /// Every record sent before the matching `flush()` has its outcome (Kafka's `KafkaProducer.flush`).
    FlushCompleted {
        /// The client.
        client: u32,
    },
    /// The leader acknowledged the record at `offset`: a Kafka client would report success.
    RecordAcked {
        /// The client.
        client: u32,
        /// The record.
        record_id: RecordId,
        /// Its partition.
        tp: TopicPartition,
        /// Its offset.
        offset: i64,
    },
    /// The send failed (the error a Kafka client would surface) — the record may or may not be in the log.
    RecordFailed {
        /// The client.
        client: u32,
        /// The record.
        record_id: RecordId,
        /// Its partition.
        tp: TopicPartition,
        /// Why.
        error: ErrorCode,
    },
    /// A consumer received a record.
    RecordConsumed {
        /// The client.
        client: u32,
        /// Its partition.
        tp: TopicPartition,
        /// Its offset.
        offset: i64,
        /// The record's id, if it carries one.
        record_id: Option<RecordId>,
        /// The high watermark the leader reported with it.
        high_watermark: i64,
    },
    /// The consumer could not use what a fetch returned at `offset`; it reports why instead of panicking.
    ConsumeFailed {
        /// The client.
        client: u32,
        /// Its partition.
        tp: TopicPartition,
        /// The consumer's position (or the record's offset) when it happened.
        offset: i64,
        /// What went wrong.
        error: ConsumeError,
    },
    /// The consumer moved its position by `auto.offset.reset` (after `OFFSET_OUT_OF_RANGE` or at start).
    PositionReset {
        /// The client.
        client: u32,
        /// Its partition.
        tp: TopicPartition,
        /// The position before, if there was one.
        from_offset: Option<i64>,
        /// The new position.
        to_offset: i64,
    },
    /// JoinGroup succeeded: the consumer is a member of generation `generation_id`.
    GroupJoined {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The member id the coordinator gave.
        member_id: String,
        /// The generation joined.
        generation_id: i32,
        /// Whether this member is the leader (it runs the assignor).
        leader: bool,
        /// The assignor the group chose.
        protocol: Option<String>,
    },
    /// `onPartitionsAssigned`: after SyncGroup the consumer owns `owned`, of which `added` are new.
    PartitionsAssigned {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation of the assignment.
        generation_id: i32,
        /// Newly assigned partitions.
        added: Vec<TopicPartition>,
        /// Every partition the consumer owns now.
        owned: Vec<TopicPartition>,
    },
    /// `onPartitionsRevoked`: the consumer gives partitions up while still a member (eager: all of them
    /// before rejoining; cooperative: only those moving to another member, KIP-429). The application
    /// may still commit their offsets.
    PartitionsRevoked {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation they were owned in.
        generation_id: i32,
        /// The partitions.
        partitions: Vec<TopicPartition>,
    },
    /// `onPartitionsLost`: the consumer found it is no longer a member (session timeout, poll timeout,
    /// fenced); its partitions may already belong to others, so nothing can be committed for them.
    PartitionsLost {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation they were owned in.
        generation_id: i32,
        /// The partitions.
        partitions: Vec<TopicPartition>,
    },
    /// The coordinator stored a commit of `offsets` (each the *next* offset to read).
    OffsetsCommitted {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation the commit was made in (-1 for a consumer without a group membership).
        generation_id: i32,
        /// The committed offsets.
        offsets: Vec<(TopicPartition, i64)>,
        /// Made by `enable.auto.commit` rather than the application.
        auto: bool,
    },
    /// A commit failed (Kafka's `CommitFailedException` for `ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`,
    /// `REBALANCE_IN_PROGRESS`; a timeout after `default.api.timeout.ms`…).
    CommitFailed {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The offsets that were not committed.
        offsets: Vec<(TopicPartition, i64)>,
        /// Why.
        error: ErrorCode,
        /// Made by `enable.auto.commit` rather than the application.
        auto: bool,
    },
    /// A partition's position was set from the group's committed offset (OffsetFetch) on assignment.
    PositionRestored {
        /// The client.
        client: u32,
        /// Its partition.
        tp: TopicPartition,
        /// The committed offset the consumer resumes from.
        offset: i64,
    },
    /// The answer to one partition of an `offsets_for_times` query.
    OffsetsForTimes {
        /// The client.
        client: u32,
        /// The id `offsets_for_times` returned.
        request_id: u64,
        /// The partition.
        tp: TopicPartition,
        /// The first offset at or after the timestamp, with its timestamp; `None` when no record is
        /// that late.
        result: Option<(i64, i64)>,
    },
    /// The application finished processing records `first_offset..=last_offset` of `tp` (reported by
    /// the application around the consumer, e.g. the simulator's poll loop, not by the consumer).
    RecordsProcessed {
        /// The client.
        client: u32,
        /// The partition.
        tp: TopicPartition,
        /// First offset processed.
        first_offset: i64,
        /// Last offset processed.
        last_offset: i64,
    },
    /// The consumer left its group (LeaveGroup sent, or membership dropped).
    GroupLeft {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The member id it had.
        member_id: String,
        /// Why.
        reason: LeaveReason,
    },
    /// `beginTransaction`: transaction number `txn` of this producer is open (locally; the coordinator
    /// hears of it with the first AddPartitionsToTxn).
    TransactionBegun {
        /// The producer.
        client: u32,
        /// This producer's transaction number, from 1.
        txn: u64,
    },
    /// The producer sent EndTxn for transaction `txn` for the first time: only a transaction whose
    /// commit was asked for may ever commit.
    TransactionEnding {
        /// The producer.
        client: u32,
        /// The transaction.
        txn: u64,
        /// Commit (`true`) or abort.
        commit: bool,
    },
    /// `commitTransaction`/`abortTransaction` returned: the coordinator logged the decision.
    TransactionCompleted {
        /// The producer.
        client: u32,
        /// The transaction.
        txn: u64,
        /// Committed or aborted.
        committed: bool,
    },
    /// A transactional call failed: `fatal` errors (`PRODUCER_FENCED`, …) end the producer, the others
    /// need `abortTransaction` (Kafka's abortable errors).
    TransactionFailed {
        /// The producer.
        client: u32,
        /// The open transaction, if any.
        txn: Option<u64>,
        /// Kafka's error.
        error: ErrorCode,
        /// Whether the producer is unusable now.
        fatal: bool,
    },
    /// `sendOffsetsToTransaction` completed: these offsets commit or abort with transaction `txn`.
    OffsetsSentToTransaction {
        /// The producer.
        client: u32,
        /// The transaction.
        txn: u64,
        /// The group.
        group_id: String,
        /// The offsets.
        offsets: Vec<(TopicPartition, i64)>,
    },
    /// A consume-transform-produce application (the simulator's pipelines) sent `output_record_id` as
    /// the result of processing `input_record_id` (each attempt gets a new output id).
    RecordTransformed {
        /// The application's client.
        client: u32,
        /// The record it consumed.
        input_record_id: RecordId,
        /// The record it produced for it.
        output_record_id: RecordId,
    },
}

/// Why a consumer left its group (KIP-800's reasons, as Kafka's client words them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeaveReason {
    /// `poll()` was not called within `max.poll.interval.ms`.
    PollTimeout,
    /// The application closed the consumer.
    Closed,
    /// The application unsubscribed.
    Unsubscribed,
}

impl fmt::Display for LeaveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LeaveReason::PollTimeout => {
                "consumer poll timeout has expired: the time between subsequent calls to poll() was longer \
                 than the configured max.poll.interval.ms"
            }
            LeaveReason::Closed => "the consumer is being closed",
            LeaveReason::Unsubscribed => "the consumer unsubscribed from all topics",
        })
    }
}

/// Why a consumer could not use fetched data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsumeError {
    /// A batch did not decode (Kafka's consumer raises `CorruptRecordException` and stays at its position).
    CorruptBatch(DecodeError),
    /// A record's `samsa.record-id` header is malformed; the record is still consumed, without an id.
    BadRecordId(RecordIdError),
    /// No position and `auto.offset.reset=none` (Kafka's `NoOffsetForPartitionException`); the
    /// partition waits for [`crate::client::Consumer::seek`].
    NoOffsetForPartition,
    /// `OFFSET_OUT_OF_RANGE` with `auto.offset.reset=none`: Kafka's `OffsetOutOfRangeException`; the
    /// partition stops fetching until [`crate::client::Consumer::seek`].
    OffsetOutOfRange {
        /// The leader's log start offset, as the response reported it.
        log_start_offset: i64,
        /// The leader's high watermark, as the response reported it.
        high_watermark: i64,
    },
}

impl fmt::Display for ConsumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsumeError::CorruptBatch(e) => write!(f, "corrupt batch: {e}"),
            ConsumeError::BadRecordId(e) => write!(f, "bad record id: {e}"),
            ConsumeError::NoOffsetForPartition => {
                f.write_str("no position for the partition and auto.offset.reset=none")
            }
            ConsumeError::OffsetOutOfRange { log_start_offset, high_watermark } => write!(
                f,
                "offset out of range (log start offset {log_start_offset}, high watermark {high_watermark}) \
                 and auto.offset.reset=none"
            ),
        }
    }
}

//! The transaction APIs (KIP-98, KIP-447, KIP-890), one message per request as elsewhere in samsa:
//! producer → transaction coordinator (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn), producer → group
//! coordinator (TxnOffsetCommit), transaction coordinator → partition leader (WriteTxnMarkers, one
//! partition per request). InitProducerId with a `transactional.id` is
//! [`crate::replication::messages::InitProducerIdRequest`].

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ErrorCode;
use crate::group::messages::OffsetAndMetadata;
use crate::replication::messages::TopicPartition;

/// AddPartitionsToTxn: these partitions are part of the producer's open transaction (sent before the
/// first produce to each).
#[derive(Clone, Debug, PartialEq)]
pub struct AddPartitionsToTxnRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// `transactional.id`.
    pub transactional_id: String,
    /// The producer id from InitProducerId.
    pub producer_id: i64,
    /// The producer epoch from InitProducerId.
    pub producer_epoch: i16,
    /// The partitions to add.
    pub partitions: Vec<TopicPartition>,
}

/// The answer to [`AddPartitionsToTxnRequest`]: one error per partition.
#[derive(Clone, Debug, PartialEq)]
pub struct AddPartitionsToTxnResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, `CONCURRENT_TRANSACTIONS`, `PRODUCER_FENCED`, `INVALID_PRODUCER_ID_MAPPING`,
    /// `NOT_COORDINATOR`… per partition.
    pub results: Vec<(TopicPartition, ErrorCode)>,
}

/// AddOffsetsToTxn: the group's `__consumer_offsets` partition joins the transaction, so offsets
/// committed with TxnOffsetCommit commit or abort with it (KIP-98's `sendOffsetsToTransaction`).
#[derive(Clone, Debug, PartialEq)]
pub struct AddOffsetsToTxnRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// `transactional.id`.
    pub transactional_id: String,
    /// The producer id.
    pub producer_id: i64,
    /// The producer epoch.
    pub producer_epoch: i16,
    /// The consumer group whose offsets will be committed.
    pub group_id: String,
}

/// The answer to [`AddOffsetsToTxnRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct AddOffsetsToTxnResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE` or why not.
    pub error: ErrorCode,
}

/// EndTxn: commit or abort the open transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct EndTxnRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// `transactional.id`.
    pub transactional_id: String,
    /// The producer id.
    pub producer_id: i64,
    /// The producer epoch.
    pub producer_epoch: i16,
    /// `true` to commit, `false` to abort.
    pub committed: bool,
}

/// The answer to [`EndTxnRequest`]. With `transaction.version=2` (KIP-890) it carries the producer id
/// and epoch the next transaction uses (EndTxn v5).
#[derive(Clone, Debug, PartialEq)]
pub struct EndTxnResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, `CONCURRENT_TRANSACTIONS`, `INVALID_TXN_STATE`, `PRODUCER_FENCED`…
    pub error: ErrorCode,
    /// The producer id for the next transaction, or -1.
    pub producer_id: i64,
    /// The producer epoch for the next transaction, or -1.
    pub producer_epoch: i16,
}

/// WriteTxnMarkers (coordinator → partition leader): append the transaction's COMMIT or ABORT marker.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteTxnMarkerRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The partition.
    pub tp: TopicPartition,
    /// The producer whose transaction ends.
    pub producer_id: i64,
    /// The epoch the marker is written with (bumped with `transaction.version=2`).
    pub producer_epoch: i16,
    /// COMMIT (`true`) or ABORT.
    pub committed: bool,
    /// The coordinator's epoch (the leader epoch of its `__transaction_state` partition): a leader
    /// refuses markers of an older coordinator (`TRANSACTION_COORDINATOR_FENCED`).
    pub coordinator_epoch: i32,
}

/// The answer to [`WriteTxnMarkerRequest`], sent once the marker is committed (acks=all).
#[derive(Clone, Debug, PartialEq)]
pub struct WriteTxnMarkerResponse {
    /// From the request.
    pub correlation_id: u64,
    /// The partition.
    pub tp: TopicPartition,
    /// The producer.
    pub producer_id: i64,
    /// `NONE`, `NOT_LEADER_OR_FOLLOWER`, `TRANSACTION_COORDINATOR_FENCED`…
    pub error: ErrorCode,
}

/// TxnOffsetCommit (producer → group coordinator): offsets that commit with the transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct TxnOffsetCommitRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// `transactional.id`.
    pub transactional_id: String,
    /// The group.
    pub group_id: String,
    /// The producer id.
    pub producer_id: i64,
    /// The producer epoch.
    pub producer_epoch: i16,
    /// The consumer's generation (KIP-447: a zombie of an older generation is fenced), or -1.
    pub generation_id: i32,
    /// The consumer's member id, or empty.
    pub member_id: String,
    /// The offsets.
    pub offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
}

/// The answer to [`TxnOffsetCommitRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct TxnOffsetCommitResponse {
    /// From the request.
    pub correlation_id: u64,
    /// Per partition: `NONE`, `NOT_COORDINATOR`, `ILLEGAL_GENERATION`, `PRODUCER_FENCED`…
    pub results: Vec<(TopicPartition, ErrorCode)>,
}

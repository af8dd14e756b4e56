//! What clients observe, as values: the checker compares these with the brokers' logs.

use crate::error::ErrorCode;
use crate::replication::messages::TopicPartition;

/// Identifies one produced record across the whole run (the driver assigns it; it travels in a record
/// header so consumers and the checker can recognise the record in any log).
pub type RecordId = u64;

/// An observable step inside a client.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientEvent {
    /// The producer sent a record (in a produce request).
    RecordSent {
        /// The client.
        client: u32,
        /// The record.
        record_id: RecordId,
        /// Destination partition.
        tp: TopicPartition,
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
}

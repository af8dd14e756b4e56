//! Kafka record batches, message format v2 (magic 2), exactly as Kafka writes them.
//!
//! Layout of one batch on the wire and on disk (big-endian; see Kafka's "Record Batch" docs, KIP-98):
//!
//! ```text
//! baseOffset: int64            ┐ not covered by the CRC: a broker rewrites these
//! batchLength: int32           │ (bytes after this field)
//! partitionLeaderEpoch: int32  ┘
//! magic: int8 (= 2)
//! crc: uint32                  CRC32C of attributes .. end of batch
//! attributes: int16            bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control,
//!                              6 delete horizon (KIP-534)
//! lastOffsetDelta: int32
//! baseTimestamp: int64         (firstTimestamp)
//! maxTimestamp: int64
//! producerId: int64
//! producerEpoch: int16
//! baseSequence: int32
//! recordCount: int32
//! records: [Record]            possibly compressed as one block
//! ```
//!
//! A record: `length: varint, attributes: int8, timestampDelta: varlong, offsetDelta: varint,
//! keyLength: varint, key, valueLen: varint, value, headerCount: varint, [headerKeyLength: varint,
//! headerKey, headerValueLength: varint, headerValue]`. Varints are zig-zag encoded, as protobuf's.
//!
//! Modules: [`varint`] (zig-zag varints), [`crc`] (CRC32C), [`compression`] (codec ids, lz4 frame),
//! [`header`] (the fixed 61-byte batch header: parse, validate, patch offsets without a full decode),
//! [`encode`], [`decode`].

pub mod compression;
pub mod crc;
pub mod decode;
pub mod encode;
pub mod header;
pub mod varint;

use alloc::string::String;
use alloc::vec::Vec;

pub use compression::Compression;
pub use decode::DecodeError;
pub use encode::EncodeError;
pub use header::BatchHeader;

/// The only message format this crate reads and writes.
pub const MAGIC_V2: i8 = 2;
/// Size of the fixed part of a v2 batch, from `baseOffset` through `recordCount`.
pub const BATCH_HEADER_SIZE_BYTES: usize = 61;
/// `producerId` of a batch written by a producer without idempotence.
pub const NO_PRODUCER_ID: i64 = -1;
/// `producerEpoch` of a batch written by a producer without idempotence.
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// `baseSequence` of a batch written by a producer without idempotence.
pub const NO_SEQUENCE: i32 = -1;
/// `partitionLeaderEpoch` before a leader stamps the batch.
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;

/// Which clock a batch's timestamps come from: Kafka's `message.timestamp.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TimestampType {
    /// The producer's timestamp (`CreateTime`, attribute bit 3 clear).
    #[default]
    CreateTime,
    /// The broker's append time (`LogAppendTime`, attribute bit 3 set).
    LogAppendTime,
}

/// The `attributes` field of a batch, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct BatchAttributes {
    /// Codec of the records section (bits 0-2).
    pub compression: Compression,
    /// Bit 3.
    pub timestamp_type: TimestampType,
    /// Bit 4: the batch belongs to a transaction (KIP-98).
    pub is_transactional: bool,
    /// Bit 5: the batch holds one control record (a COMMIT or ABORT marker).
    pub is_control: bool,
    /// Bit 6: `baseTimestamp` holds the delete horizon set by compaction (KIP-534).
    pub has_delete_horizon: bool,
}

/// One record header (`Headers` in Kafka's producer API). The value may be null.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Header {
    /// Header key: a UTF-8 string on the wire.
    pub key: String,
    /// Header value; `None` is Kafka's null (length -1).
    pub value: Option<Vec<u8>>,
}

/// One record inside a batch. Offsets and timestamps are deltas from the batch's base.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Record {
    /// Record attributes: unused by Kafka today, always 0 when written, kept as read.
    pub attributes: i8,
    /// `timestamp - baseTimestamp`, in milliseconds.
    pub timestamp_delta_ms: i64,
    /// `offset - baseOffset`.
    pub offset_delta: i32,
    /// `None` is a null key (the partitioner then uses the sticky partitioner, KIP-480).
    pub key: Option<Vec<u8>>,
    /// `None` is a null value: a tombstone for compacted topics.
    pub value: Option<Vec<u8>>,
    /// Record headers, in order.
    pub headers: Vec<Header>,
}

/// A whole v2 batch, decoded. `records` are uncompressed; `attributes.compression` says how to encode them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct RecordBatch {
    /// Offset of the first record; assigned by the partition leader on append.
    pub base_offset: i64,
    /// Leader epoch stamped by the leader that appended the batch (KIP-101).
    pub partition_leader_epoch: i32,
    /// Decoded `attributes`.
    pub attributes: BatchAttributes,
    /// `lastOffset - baseOffset`. Can exceed `records.len() - 1` after compaction removed records.
    pub last_offset_delta: i32,
    /// Timestamp of the first record (`firstTimestamp`), or the delete horizon (see attributes).
    pub base_timestamp_ms: i64,
    /// Largest record timestamp (or the append time with `LogAppendTime`).
    pub max_timestamp_ms: i64,
    /// Idempotent/transactional producer id, or [`NO_PRODUCER_ID`].
    pub producer_id: i64,
    /// Producer epoch, or [`NO_PRODUCER_EPOCH`].
    pub producer_epoch: i16,
    /// Sequence number of the first record, or [`NO_SEQUENCE`].
    pub base_sequence: i32,
    /// The records, uncompressed.
    pub records: Vec<Record>,
}

/// A record as a producer hands it over (`ProducerRecord` minus topic and partition), before it has an
/// offset or a place in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct NewRecord {
    /// `None` is a null key.
    pub key: Option<Vec<u8>>,
    /// `None` is a null value (a tombstone).
    pub value: Option<Vec<u8>>,
    /// Record headers, in order.
    pub headers: Vec<Header>,
    /// The producer's timestamp (`CreateTime`), in milliseconds since the epoch.
    pub timestamp_ms: i64,
}

impl RecordBatch {
    /// A batch as a producer builds it: base_offset 0, CreateTime, no producer id (-1/-1/-1),
    /// partition_leader_epoch -1, deltas computed from the records, base_timestamp = first record's ts,
    /// max_timestamp = max ts, last_offset_delta = len-1. Errors if `records` is empty.
    ///
    /// Timestamp deltas wrap as Kafka's `MemoryRecordsBuilder` (Java `long` arithmetic) lets them, so
    /// [`RecordBatch::timestamp_ms`] gives every record's timestamp back exactly.
    pub fn from_new_records(
        records: Vec<NewRecord>,
        compression: Compression,
    ) -> Result<RecordBatch, EncodeError> {
        let Some(first) = records.first() else {
            return Err(EncodeError::EmptyBatch);
        };
        let base_timestamp_ms = first.timestamp_ms;
        let max_timestamp_ms = records.iter().map(|r| r.timestamp_ms).max().unwrap_or(base_timestamp_ms);
        let last_offset_delta = i32::try_from(records.len() - 1)
            .map_err(|_| EncodeError::TooManyRecords { count: records.len() })?;
        let records = records
            .into_iter()
            .zip(0..=last_offset_delta)
            .map(|(record, offset_delta)| Record {
                attributes: 0,
                timestamp_delta_ms: record.timestamp_ms.wrapping_sub(base_timestamp_ms),
                offset_delta,
                key: record.key,
                value: record.value,
                headers: record.headers,
            })
            .collect();
        Ok(RecordBatch {
            base_offset: 0,
            partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
            attributes: BatchAttributes { compression, ..BatchAttributes::default() },
            last_offset_delta,
            base_timestamp_ms,
            max_timestamp_ms,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            records,
        })
    }

    /// The offset of `record`, one of this batch's records: `base_offset + offset_delta`.
    pub fn offset(&self, record: &Record) -> i64 {
        self.base_offset.wrapping_add(i64::from(record.offset_delta))
    }

    /// The timestamp Kafka reports for `record`: the batch's `maxTimestamp` under `LogAppendTime`
    /// (the broker's append time applies to all records), else `baseTimestamp + timestampDelta`.
    pub fn timestamp_ms(&self, record: &Record) -> i64 {
        match self.attributes.timestamp_type {
            TimestampType::LogAppendTime => self.max_timestamp_ms,
            TimestampType::CreateTime => self.base_timestamp_ms.wrapping_add(record.timestamp_delta_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn new_record(timestamp_ms: i64) -> NewRecord {
        NewRecord { timestamp_ms, ..NewRecord::default() }
    }

    #[test]
    fn from_new_records_fills_producer_defaults() {
        let batch = RecordBatch::from_new_records(
            vec![new_record(100), new_record(90), new_record(130)],
            Compression::Lz4,
        )
        .unwrap();
        assert_eq!(batch.base_offset, 0);
        assert_eq!(batch.partition_leader_epoch, -1);
        assert_eq!((batch.producer_id, batch.producer_epoch, batch.base_sequence), (-1, -1, -1));
        assert_eq!(batch.attributes.compression, Compression::Lz4);
        assert_eq!(batch.attributes.timestamp_type, TimestampType::CreateTime);
        assert_eq!((batch.base_timestamp_ms, batch.max_timestamp_ms), (100, 130));
        assert_eq!(batch.last_offset_delta, 2);
        assert_eq!(batch.last_offset(), 2);
        let deltas: Vec<(i64, i32)> =
            batch.records.iter().map(|r| (r.timestamp_delta_ms, r.offset_delta)).collect();
        assert_eq!(deltas, [(0, 0), (-10, 1), (30, 2)]);
        let timestamps: Vec<i64> = batch.records.iter().map(|r| batch.timestamp_ms(r)).collect();
        assert_eq!(timestamps, [100, 90, 130]);
    }

    #[test]
    fn from_new_records_rejects_an_empty_batch() {
        assert_eq!(RecordBatch::from_new_records(vec![], Compression::None), Err(EncodeError::EmptyBatch));
    }

    #[test]
    fn extreme_timestamps_wrap_and_come_back() {
        let batch = RecordBatch::from_new_records(
            vec![new_record(i64::MIN), new_record(i64::MAX)],
            Compression::None,
        )
        .unwrap();
        let (decoded, _) = RecordBatch::decode(&batch.encode().unwrap()).unwrap();
        let timestamps: Vec<i64> = decoded.records.iter().map(|r| decoded.timestamp_ms(r)).collect();
        assert_eq!(timestamps, [i64::MIN, i64::MAX]);
    }

    #[test]
    fn log_append_time_reports_max_timestamp_for_every_record() {
        let mut batch =
            RecordBatch::from_new_records(vec![new_record(5), new_record(6)], Compression::None).unwrap();
        batch.base_offset = 1000;
        batch.attributes.timestamp_type = TimestampType::LogAppendTime;
        batch.max_timestamp_ms = 77;
        assert!(batch.records.iter().all(|r| batch.timestamp_ms(r) == 77));
        assert_eq!(batch.offset(&batch.records[1]), 1001);
    }
}

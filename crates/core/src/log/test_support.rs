//! Batch builders and readers shared by the log's unit tests.

use alloc::string::String;
use alloc::vec::Vec;

use super::{LogConfig, PartitionLog, SegmentStorage};
use crate::record_batch::{Compression, NewRecord, RecordBatch};

/// A record with a key, a value (`None` = tombstone) and a timestamp.
pub fn keyed(key: &str, value: Option<&str>, timestamp_ms: i64) -> NewRecord {
    NewRecord {
        key: Some(key.as_bytes().to_vec()),
        value: value.map(|v| v.as_bytes().to_vec()),
        headers: Vec::new(),
        timestamp_ms,
    }
}

/// A record without a key.
pub fn unkeyed(value: &str, timestamp_ms: i64) -> NewRecord {
    NewRecord { key: None, value: Some(value.as_bytes().to_vec()), headers: Vec::new(), timestamp_ms }
}

/// Encodes records as a producer's batch.
pub fn encode(records: Vec<NewRecord>) -> Vec<u8> {
    RecordBatch::from_new_records(records, Compression::None).unwrap().encode().unwrap()
}

/// A batch of `count` unkeyed records of `value_bytes` bytes each, all at `timestamp_ms`.
pub fn values_batch(count: usize, value_bytes: usize, timestamp_ms: i64) -> Vec<u8> {
    let value: String = core::iter::repeat_n('v', value_bytes).collect();
    encode((0..count).map(|_| unkeyed(&value, timestamp_ms)).collect())
}

/// A config with small segments, for tests that roll.
pub fn small_segments(segment_bytes: u32) -> LogConfig {
    LogConfig { segment_bytes, ..LogConfig::default() }
}

/// Every record from `offset` to the log end: `(offset, key, value, timestamp)`.
pub type Row = (i64, Option<Vec<u8>>, Option<Vec<u8>>, i64);

/// Reads the whole log from its start, one fetch at a time, decoding every batch.
pub fn read_all<S: SegmentStorage>(log: &PartitionLog<S>) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let result = log.read(offset, 1).unwrap();
        if result.batch_count == 0 {
            break;
        }
        let mut bytes = result.bytes.as_slice();
        while !bytes.is_empty() {
            let (batch, used) = RecordBatch::decode(bytes).unwrap();
            for record in &batch.records {
                rows.push((
                    batch.offset(record),
                    record.key.clone(),
                    record.value.clone(),
                    batch.timestamp_ms(record),
                ));
            }
            offset = batch.last_offset() + 1;
            bytes = &bytes[used..];
        }
    }
    rows
}

/// Offsets of every record in the log, ascending.
pub fn offsets<S: SegmentStorage>(log: &PartitionLog<S>) -> Vec<i64> {
    read_all(log).into_iter().map(|row| row.0).collect()
}

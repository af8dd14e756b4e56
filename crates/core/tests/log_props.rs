//! Property tests of the partition log: offsets, reads, compaction and retention against a model.
#![cfg(not(target_arch = "wasm32"))]

extern crate alloc;

use alloc::collections::BTreeMap;

use proptest::prelude::*;
use samsa_core::log::{CleanupPolicy, LogConfig, PartitionLog};
use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};
use samsa_core::ErrorCode;

/// `(key, value, timestamp)` as produced; `None` value is a tombstone.
type Produced = (Option<Vec<u8>>, Option<Vec<u8>>, i64);
/// `(offset, key, value)` as read back.
type Row = (i64, Option<Vec<u8>>, Option<Vec<u8>>);

fn encode(records: &[Produced]) -> Vec<u8> {
    let records = records
        .iter()
        .map(|(key, value, timestamp_ms)| NewRecord {
            key: key.clone(),
            value: value.clone(),
            headers: Vec::new(),
            timestamp_ms: *timestamp_ms,
        })
        .collect();
    RecordBatch::from_new_records(records, Compression::None).unwrap().encode().unwrap()
}

/// Every record in the log from its start, read with fetches of at most `max_bytes`:
/// `offset -> (key, value)`, asserting offsets ascend.
fn read_all(log: &PartitionLog, max_bytes: usize) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let result = log.read(offset, max_bytes).unwrap();
        if result.batch_count == 0 {
            break;
        }
        let mut bytes = result.bytes.as_slice();
        let mut batches = 0;
        while !bytes.is_empty() {
            let (batch, used) = RecordBatch::decode(bytes).unwrap();
            for record in &batch.records {
                let record_offset = batch.offset(record);
                if let Some(last) = rows.last() {
                    assert!(record_offset > last.0, "offsets ascend: {} after {}", record_offset, last.0);
                }
                rows.push((record_offset, record.key.clone(), record.value.clone()));
            }
            offset = batch.last_offset() + 1;
            bytes = &bytes[used..];
            batches += 1;
        }
        assert_eq!(batches, result.batch_count);
    }
    rows
}

fn record() -> impl Strategy<Value = Produced> {
    (
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
        0i64..10_000,
    )
}

fn keyed_record() -> impl Strategy<Value = Produced> {
    (0u8..6, proptest::option::weighted(0.8, proptest::collection::vec(any::<u8>(), 0..16)), 0i64..10_000)
        .prop_map(|(key, value, ts)| (Some(vec![b'k', key]), value, ts))
}

proptest! {
    #[test]
    fn log_appends_then_reads_return_the_same_records_at_contiguous_offsets(
        batches in proptest::collection::vec(proptest::collection::vec(record(), 1..6), 1..30),
        segment_bytes in 100u32..2_000,
        max_bytes in 0usize..3_000,
    ) {
        let config = LogConfig { segment_bytes, ..LogConfig::default() };
        let mut log = PartitionLog::new(config, 0);
        let mut expected = Vec::new();
        for (i, batch) in batches.iter().enumerate() {
            let bytes = encode(batch);
            match log.append(&bytes, 1, i as u64) {
                Ok(info) => {
                    prop_assert_eq!(info.base_offset, expected.len() as i64);
                    prop_assert_eq!(info.last_offset - info.base_offset + 1, batch.len() as i64);
                    expected.extend(batch.iter().map(|(k, v, _)| (k.clone(), v.clone())));
                }
                Err(error) => {
                    prop_assert!(bytes.len() > segment_bytes as usize);
                    prop_assert_eq!(error.error_code(), ErrorCode::RecordListTooLarge);
                }
            }
            prop_assert_eq!(log.log_end_offset(), expected.len() as i64);
        }
        let rows = read_all(&log, max_bytes);
        prop_assert_eq!(rows.len(), expected.len());
        for (i, ((offset, key, value), (want_key, want_value))) in rows.iter().zip(&expected).enumerate() {
            prop_assert_eq!(*offset, i as i64);
            prop_assert_eq!(key, want_key);
            prop_assert_eq!(value, want_value);
        }
        for segment in log.segments() {
            prop_assert!(segment.size_bytes <= u64::from(segment_bytes));
        }
    }

    #[test]
    fn log_after_compaction_every_latest_value_is_readable_at_its_offset(
        batches in proptest::collection::vec(proptest::collection::vec(keyed_record(), 1..4), 1..40),
        segment_bytes in 100u32..600,
        tick_every in 1usize..8,
        delete_retention_ms in 0u64..50,
    ) {
        let config = LogConfig {
            segment_bytes,
            cleanup_policy: CleanupPolicy::Compact,
            delete_retention_ms,
            ..LogConfig::default()
        };
        let mut log = PartitionLog::new(config, 0);
        let mut produced: Vec<Produced> = Vec::new();
        let mut now_ms = 0;
        for (i, batch) in batches.iter().enumerate() {
            let bytes = encode(batch);
            if bytes.len() > segment_bytes as usize {
                continue;
            }
            log.append(&bytes, 0, now_ms).unwrap();
            produced.extend(batch.iter().cloned());
            now_ms += 10;
            if i % tick_every == 0 {
                log.tick(now_ms, log.log_end_offset());
            }
        }
        log.tick(now_ms, log.log_end_offset());
        prop_assert_eq!(log.log_end_offset(), produced.len() as i64);

        let rows = read_all(&log, 1);
        let by_offset: BTreeMap<i64, _> = rows.iter().map(|(o, k, v)| (*o, (k.clone(), v.clone()))).collect();
        // Every surviving record is the one produced at that offset.
        for (offset, (key, value)) in &by_offset {
            let (want_key, want_value, _) = &produced[*offset as usize];
            prop_assert_eq!(key, want_key);
            prop_assert_eq!(value, want_value);
        }
        // Every key's latest value (not a tombstone) is still there at its original offset.
        let mut latest: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
        for (offset, (key, _, _)) in produced.iter().enumerate() {
            latest.insert(key.clone().unwrap(), offset as i64);
        }
        for (key, offset) in &latest {
            if produced[*offset as usize].1.is_some() {
                prop_assert!(by_offset.contains_key(offset), "latest value of {:?} at {} is gone", key, offset);
            }
        }
        // Below the active segment the cleaner has run: at most one record per key.
        let active_base = log.segments().last().unwrap().base_offset;
        let mut seen = BTreeMap::new();
        for (offset, (key, _)) in by_offset.range(..active_base) {
            prop_assert!(seen.insert(key.clone(), *offset).is_none(), "{:?} twice below {}", key, active_base);
        }
    }

    #[test]
    fn log_retention_never_deletes_at_or_above_the_high_watermark(
        timestamps in proptest::collection::vec(0i64..10_000, 1..40),
        segment_bytes in 80u32..400,
        high_watermark_permille in 0i64..=1000,
        retention_ms in proptest::option::of(0u64..5_000),
        retention_bytes in proptest::option::of(0u64..2_000),
        now_ms in 0u64..20_000,
    ) {
        let config = LogConfig {
            segment_bytes,
            retention_ms,
            retention_bytes,
            ..LogConfig::default()
        };
        let mut log = PartitionLog::new(config, 0);
        for &ts in &timestamps {
            log.append(&encode(&[(None, Some(vec![7; 8]), ts)]), 0, 0).unwrap();
        }
        let log_end_offset = log.log_end_offset();
        let high_watermark = log_end_offset * high_watermark_permille / 1000;
        log.tick(now_ms, high_watermark);
        prop_assert_eq!(log.log_end_offset(), log_end_offset);
        prop_assert!(log.log_start_offset() <= high_watermark.max(0));
        let rows = read_all(&log, usize::MAX);
        let offsets: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let expected: Vec<i64> = (log.log_start_offset()..log_end_offset).collect();
        prop_assert_eq!(offsets, expected);
    }
}

//! Stories for the log cleaner.

use super::super::test_support::*;
use super::super::*;
use crate::record_batch::{NewRecord, RecordBatch};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

const DAY_MS: u64 = 86_400_000;

fn compacted(segment_bytes: u32) -> LogConfig {
    LogConfig { cleanup_policy: CleanupPolicy::Compact, segment_bytes, ..LogConfig::default() }
}

/// Appends one single-record batch per call; `segment_bytes` is sized so each batch gets its own
/// segment.
fn one_record_batches(log: &mut PartitionLog, records: &[(&str, Option<&str>)], now_ms: u64) {
    for &(key, value) in records {
        log.append(&encode(vec![keyed(key, value, now_ms as i64)]), 0, now_ms).unwrap();
    }
}

fn key_values(log: &PartitionLog) -> Vec<(i64, String, Option<String>)> {
    read_all(log)
        .into_iter()
        .map(|(offset, key, value, _)| {
            let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
            (offset, text(key.unwrap()), value.map(text))
        })
        .collect()
}

fn batch_bytes_of_one_record() -> u32 {
    encode(vec![keyed("k", Some("v"), 0)]).len() as u32
}

#[test]
fn keeps_the_latest_value_per_key_at_its_original_offset() {
    let mut log = PartitionLog::new(compacted(batch_bytes_of_one_record()), 0);
    one_record_batches(
        &mut log,
        &[
            ("a", Some("1")),
            ("b", Some("1")),
            ("a", Some("2")),
            ("c", Some("1")),
            ("b", Some("2")),
            ("z", Some("x")),
        ],
        0,
    );
    assert_eq!(log.segments().count(), 6);
    let events = log.tick(0, log.log_end_offset());
    let compacted: Vec<_> =
        events.iter().filter(|e| matches!(e, LogEvent::SegmentCompacted { .. })).collect();
    assert!(!compacted.is_empty(), "{events:?}");
    // "z" lives in the active segment and is never cleaned; the others keep their latest offset.
    assert_eq!(
        key_values(&log),
        [
            (2, "a".into(), Some("2".into())),
            (3, "c".into(), Some("1".into())),
            (4, "b".into(), Some("2".into())),
            (5, "z".into(), Some("x".into())),
        ]
    );
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (0, 6));
    // Reading a removed offset returns the next surviving batch.
    let (first, _) = RecordBatch::decode(&log.read(0, 1).unwrap().bytes).unwrap();
    assert_eq!(first.base_offset, 2);
}

#[test]
fn adjacent_segments_merge_up_to_segment_bytes() {
    let batch_bytes = batch_bytes_of_one_record();
    let mut log = PartitionLog::new(compacted(batch_bytes), 0);
    one_record_batches(
        &mut log,
        &[("a", Some("1")), ("a", Some("2")), ("b", Some("1")), ("c", Some("1"))],
        0,
    );
    // Segment 0 empties: 0 bytes + 1 batch fits segment.bytes, so segments 0 and 1 merge.
    let events = log.tick(0, 4);
    assert!(
        events.contains(&LogEvent::SegmentsMerged { base_offset: 0, merged_base_offsets: vec![1] }),
        "{events:?}"
    );
    let segments: Vec<_> = log.segments().collect();
    assert_eq!(
        segments.iter().map(|s| (s.base_offset, s.next_offset, s.record_count)).collect::<Vec<_>>(),
        [(0, 2, 1), (2, 3, 1), (3, 4, 1)]
    );
    assert_eq!(log.storage().segment_base_offsets().collect::<Vec<_>>(), [0, 2, 3]);
    assert_eq!(offsets(&log), [1, 2, 3]);
}

#[test]
fn tombstones_survive_until_delete_retention_ms_after_their_first_cleaning() {
    let mut config = compacted(batch_bytes_of_one_record());
    config.delete_retention_ms = DAY_MS;
    let mut log = PartitionLog::new(config, 0);
    one_record_batches(&mut log, &[("k", Some("v")), ("k", None), ("o", Some("x"))], 0);

    // First cleaning at t=1000: the old value goes, the tombstone gets its horizon (KIP-534).
    log.tick(1_000, 3);
    assert_eq!(key_values(&log), [(1, "k".into(), None), (2, "o".into(), Some("x".into()))]);
    let tombstone = log.batches().find(|b| b.header.base_offset == 1).unwrap().header;
    assert!(tombstone.attributes.has_delete_horizon);
    assert_eq!(tombstone.base_timestamp_ms, 1_000 + DAY_MS as i64);
    // The record's own timestamp is unchanged by the horizon.
    assert_eq!(read_all(&log)[0].3, 0);

    // Just before the horizon: still there, and nothing to do.
    assert!(log.tick(1_000 + DAY_MS - 1, 3).is_empty());
    assert_eq!(key_values(&log).len(), 2);

    // At the horizon: removed.
    let events = log.tick(1_000 + DAY_MS, 3);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, LogEvent::SegmentCompacted { tombstones_removed: 1, records_after: 0, .. })),
        "{events:?}"
    );
    assert_eq!(key_values(&log), [(2, "o".into(), Some("x".into()))]);
    assert_eq!(log.log_end_offset(), 3);
}

#[test]
fn partly_cleaned_batches_keep_base_offset_and_last_offset_delta() {
    let mut log = PartitionLog::new(compacted(1 << 20), 0);
    let records: Vec<NewRecord> =
        vec![keyed("a", Some("1"), 10), keyed("b", Some("1"), 20), keyed("c", Some("1"), 30)];
    log.append(&encode(records), 0, 0).unwrap();
    log.append(&encode(vec![keyed("a", Some("2"), 40), keyed("c", Some("2"), 50)]), 0, 0).unwrap();
    // Roll by time so both batches are in a cleanable segment.
    log.set_config(LogConfig { segment_ms: 1, ..log.config().clone() });
    log.append(&encode(vec![keyed("z", Some("z"), 60)]), 0, 10).unwrap();
    log.tick(10, log.log_end_offset());
    let headers: Vec<_> = log.batches().map(|b| b.header).collect();
    assert_eq!(
        headers.iter().map(|h| (h.base_offset, h.last_offset_delta, h.record_count)).collect::<Vec<_>>(),
        [(0, 2, 1), (3, 1, 2), (5, 0, 1)]
    );
    let rows = read_all(&log);
    assert_eq!(
        rows.iter().map(|r| (r.0, r.3)).collect::<Vec<_>>(),
        [(1, 20), (3, 40), (4, 50), (5, 60)],
        "offsets and timestamps survive re-encoding"
    );
}

#[test]
fn min_compaction_lag_ms_keeps_young_segments_dirty() {
    let mut config = compacted(batch_bytes_of_one_record());
    config.min_compaction_lag_ms = 1_000;
    let mut log = PartitionLog::new(config, 0);
    // Timestamps 0 and 500; the active segment holds "z".
    log.append(&encode(vec![keyed("a", Some("1"), 0)]), 0, 0).unwrap();
    log.append(&encode(vec![keyed("a", Some("2"), 500)]), 0, 0).unwrap();
    log.append(&encode(vec![keyed("z", Some("z"), 500)]), 0, 0).unwrap();
    // At 1_200 only segment 0 is old enough; alone it holds just a=1, which is its latest there.
    assert!(log.tick(1_200, 3).is_empty());
    assert_eq!(offsets(&log), [0, 1, 2]);
    // At 1_500 both are cleanable and a=1 goes.
    log.tick(1_500, 3);
    assert_eq!(offsets(&log), [1, 2]);
}

#[test]
fn compaction_stays_below_the_high_watermark() {
    let mut log = PartitionLog::new(compacted(batch_bytes_of_one_record()), 0);
    one_record_batches(&mut log, &[("a", Some("1")), ("a", Some("2")), ("z", Some("z"))], 0);
    // HW 1: segment [1, 2) is not committed, so a=2 is unknown to the cleaner and a=1 stays.
    log.tick(0, 1);
    assert_eq!(offsets(&log), [0, 1, 2]);
    log.tick(0, 3);
    assert_eq!(offsets(&log), [1, 2]);
}

#[test]
fn compact_delete_does_both() {
    let mut config = compacted(batch_bytes_of_one_record());
    config.cleanup_policy = CleanupPolicy::CompactDelete;
    config.retention_ms = Some(1_000);
    let mut log = PartitionLog::new(config, 0);
    log.append(&encode(vec![keyed("a", Some("1"), 0)]), 0, 0).unwrap();
    log.append(&encode(vec![keyed("b", Some("1"), 5_000)]), 0, 0).unwrap();
    log.append(&encode(vec![keyed("b", Some("2"), 5_000)]), 0, 0).unwrap();
    log.append(&encode(vec![keyed("z", Some("z"), 5_000)]), 0, 0).unwrap();
    let events = log.tick(5_000, 4);
    assert!(events.iter().any(|e| matches!(e, LogEvent::SegmentDeleted { base_offset: 0, .. })));
    assert_eq!(log.log_start_offset(), 1);
    assert_eq!(offsets(&log), [2, 3]);
}

#[test]
fn a_clean_log_is_not_cleaned_again() {
    let mut log = PartitionLog::new(compacted(batch_bytes_of_one_record()), 0);
    one_record_batches(&mut log, &[("a", Some("1")), ("a", Some("2")), ("z", Some("z"))], 0);
    assert!(!log.tick(0, 3).is_empty());
    let snapshot: Vec<_> = log.segments().collect();
    assert!(log.tick(0, 3).is_empty());
    assert_eq!(log.segments().collect::<Vec<_>>(), snapshot);
}

//! Time-driven housekeeping: roll by `segment.ms`, delete by `retention.ms` / `retention.bytes`, then
//! hand over to the cleaner. What Kafka's `LogManager` retention thread does, on the caller's clock.

use alloc::vec::Vec;

use super::events::{DeleteReason, LogEvent, RollReason};
use super::segment::Segment;
use super::storage::SegmentStorage;
use super::PartitionLog;

impl<S: SegmentStorage> PartitionLog<S> {
    /// Time-driven housekeeping, what Kafka's log manager/cleaner threads do: roll by segment.ms, delete
    /// by retention.ms / retention.bytes (only segments wholly below `high_watermark`, never beyond it —
    /// Kafka's rule), compact by cleanup.policy. Returns what happened as values.
    pub fn tick(&mut self, now_ms: u64, high_watermark: i64) -> Vec<LogEvent> {
        let high_watermark = high_watermark.min(self.log_end_offset());
        let mut events = Vec::new();
        if self.roll_reason(0, now_ms) == Some(RollReason::SegmentMs) {
            let base_offset = self.roll(now_ms);
            events.push(LogEvent::SegmentRolled { base_offset, reason: RollReason::SegmentMs });
        }
        if self.config.cleanup_policy.deletes() {
            self.delete_by_retention_ms(now_ms, high_watermark, &mut events);
            self.delete_by_retention_bytes(now_ms, high_watermark, &mut events);
        }
        if self.config.cleanup_policy.compacts() {
            self.compact(now_ms, high_watermark, &mut events);
        }
        self.debug_check_invariants();
        events
    }

    /// Kafka's `deleteRetentionMsBreachedSegments`: `now - segment.largestTimestamp > retention.ms`.
    fn delete_by_retention_ms(&mut self, now_ms: u64, high_watermark: i64, events: &mut Vec<LogEvent>) {
        let Some(retention_ms) = self.config.retention_ms else {
            return;
        };
        let count = self.deletable_segments(high_watermark, |segment| {
            i128::from(now_ms) - i128::from(segment.max_timestamp_ms()) > i128::from(retention_ms)
        });
        self.delete_oldest(count, DeleteReason::RetentionMs, now_ms, events);
    }

    /// Kafka's `deleteRetentionSizeBreachedSegments`: delete the oldest while the log would still be at
    /// least `retention.bytes` without it.
    fn delete_by_retention_bytes(&mut self, now_ms: u64, high_watermark: i64, events: &mut Vec<LogEvent>) {
        let Some(retention_bytes) = self.config.retention_bytes else {
            return;
        };
        let Some(mut excess_bytes) = self.size_bytes().checked_sub(retention_bytes) else {
            return;
        };
        let count = self.deletable_segments(high_watermark, |segment| {
            match excess_bytes.checked_sub(segment.size_bytes()) {
                Some(rest) => {
                    excess_bytes = rest;
                    true
                }
                None => false,
            }
        });
        self.delete_oldest(count, DeleteReason::RetentionBytes, now_ms, events);
    }

    /// Kafka's `UnifiedLog.deletableSegments`: the oldest segments, in order, while the predicate holds,
    /// each wholly below the high watermark, never the active segment while it is empty.
    fn deletable_segments(&self, high_watermark: i64, mut predicate: impl FnMut(&Segment) -> bool) -> usize {
        let last = self.segments.len() - 1;
        let mut count = 0;
        for (index, segment) in self.segments.iter().enumerate() {
            let upper_bound_offset = match self.segments.get(index + 1) {
                Some(next) => next.base_offset,
                None => self.log_end_offset(),
            };
            let is_last_and_empty = index == last && segment.is_empty();
            if high_watermark < upper_bound_offset || is_last_and_empty || !predicate(segment) {
                break;
            }
            count += 1;
        }
        count
    }

    /// Deletes the `count` oldest segments and moves the log start offset to the first one left.
    /// If that is every segment, rolls first (Kafka's `deleteSegments`), so the log keeps an active
    /// segment at the unchanged log end offset.
    fn delete_oldest(&mut self, count: usize, reason: DeleteReason, now_ms: u64, events: &mut Vec<LogEvent>) {
        if count == 0 {
            return;
        }
        if count == self.segments.len() {
            let base_offset = self.roll(now_ms);
            events.push(LogEvent::SegmentRolled { base_offset, reason: RollReason::Retention });
        }
        for _ in 0..count {
            let info = self.segments[0].info(false);
            match self.remove_segment(0) {
                Ok(_) => events.push(LogEvent::SegmentDeleted {
                    base_offset: info.base_offset,
                    next_offset: info.next_offset,
                    size_bytes: info.size_bytes,
                    reason,
                }),
                Err(error) => {
                    events.push(LogEvent::HousekeepingFailed { base_offset: info.base_offset, error });
                    break;
                }
            }
        }
        let first_base_offset = self.segments[0].base_offset;
        if first_base_offset > self.log_start_offset {
            events.push(LogEvent::LogStartOffsetAdvanced {
                from: self.log_start_offset,
                to: first_base_offset,
            });
            self.log_start_offset = first_base_offset;
            self.cleaner_checkpoint = self.cleaner_checkpoint.max(first_base_offset);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use alloc::vec::Vec;

    /// A log with one batch (one record at `timestamp_ms`) per segment.
    fn one_batch_per_segment(config: LogConfig, timestamps_ms: &[i64]) -> (PartitionLog, u64) {
        let batch_bytes = values_batch(1, 20, 0).len();
        let config = LogConfig { segment_bytes: batch_bytes as u32, ..config };
        let mut log = PartitionLog::new(config, 0);
        for &ts in timestamps_ms {
            log.append(&values_batch(1, 20, ts), 0, 0).unwrap();
        }
        (log, batch_bytes as u64)
    }

    fn bases(log: &PartitionLog) -> Vec<i64> {
        log.segments().map(|s| s.base_offset).collect()
    }

    #[test]
    fn retention_ms_deletes_old_segments_and_moves_the_log_start_offset() {
        let config = LogConfig { retention_ms: Some(1_000), ..LogConfig::default() };
        let (mut log, batch_bytes) = one_batch_per_segment(config, &[100, 200, 5_000, 6_000]);
        // At 1_200: 1_200 - 200 = 1_000 is not > 1_000, so only segment 0 goes.
        let events = log.tick(1_200, 4);
        assert_eq!(
            events,
            [
                LogEvent::SegmentDeleted {
                    base_offset: 0,
                    next_offset: 1,
                    size_bytes: batch_bytes,
                    reason: DeleteReason::RetentionMs
                },
                LogEvent::LogStartOffsetAdvanced { from: 0, to: 1 }
            ]
        );
        assert_eq!(log.log_start_offset(), 1);
        assert_eq!(bases(&log), [1, 2, 3]);
        assert_eq!(log.read(0, 100).unwrap_err().error_code(), crate::ErrorCode::OffsetOutOfRange);
        assert_eq!(offsets(&log), [1, 2, 3]);
    }

    #[test]
    fn retention_never_deletes_at_or_above_the_high_watermark() {
        let config = LogConfig { retention_ms: Some(10), ..LogConfig::default() };
        let (mut log, _) = one_batch_per_segment(config, &[0, 0, 0, 0]);
        // Segment [1, 2) is not wholly below HW 1: only segment 0 may go, though all are expired.
        log.tick(1_000, 1);
        assert_eq!(bases(&log), [1, 2, 3]);
        // A high watermark past the log end counts as the log end.
        log.tick(1_000, 2);
        assert_eq!(bases(&log), [2, 3]);
        assert_eq!(log.log_start_offset(), 2);
    }

    #[test]
    fn deleting_every_segment_rolls_first_and_keeps_the_log_end_offset() {
        let config = LogConfig { retention_ms: Some(10), ..LogConfig::default() };
        let (mut log, _) = one_batch_per_segment(config, &[0, 0]);
        let events = log.tick(1_000, 2);
        assert_eq!(events[0], LogEvent::SegmentRolled { base_offset: 2, reason: RollReason::Retention });
        assert_eq!(events.len(), 4, "{events:?}"); // roll, two deletions, start offset
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (2, 2));
        assert_eq!(log.size_bytes(), 0);
        let segments: Vec<_> = log.segments().collect();
        assert_eq!(segments.len(), 1);
        assert!(segments[0].is_active && segments[0].base_offset == 2);
        // An empty active segment is never deleted.
        assert!(log.tick(1_000_000, 2).is_empty());
        // Still usable: the next record is offset 2.
        assert_eq!(log.append(&values_batch(1, 1, 0), 0, 1_000).unwrap().base_offset, 2);
    }

    #[test]
    fn retention_bytes_deletes_oldest_while_the_rest_still_reaches_the_limit() {
        let config = LogConfig { retention_bytes: Some(0), retention_ms: None, ..LogConfig::default() };
        let (mut log, batch_bytes) = one_batch_per_segment(config, &[0, 0, 0, 0, 0]);
        let mut config = log.config().clone();
        // 5 segments; keep at least 2.5 segments' worth: deleting two leaves 3 >= 2.5, a third would
        // leave 2 < 2.5.
        config.retention_bytes = Some(batch_bytes * 5 / 2);
        log.set_config(config);
        let events = log.tick(0, 5);
        let deleted: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                LogEvent::SegmentDeleted { base_offset, reason, .. } => Some((*base_offset, *reason)),
                _ => None,
            })
            .collect();
        assert_eq!(deleted, [(0, DeleteReason::RetentionBytes), (1, DeleteReason::RetentionBytes)]);
        assert_eq!(log.size_bytes(), batch_bytes * 3);
        assert_eq!(log.log_start_offset(), 2);
    }

    #[test]
    fn compact_only_topics_are_not_deleted_by_retention() {
        let config = LogConfig {
            retention_ms: Some(1),
            cleanup_policy: CleanupPolicy::Compact,
            ..LogConfig::default()
        };
        let batch = encode(alloc::vec![keyed("k", Some("v"), 0)]);
        let mut log = PartitionLog::new(LogConfig { segment_bytes: batch.len() as u32, ..config }, 0);
        log.append(&batch, 0, 0).unwrap();
        log.append(&encode(alloc::vec![keyed("j", Some("v"), 0)]), 0, 0).unwrap();
        log.tick(1_000_000, 2);
        assert_eq!(log.log_start_offset(), 0);
        assert_eq!(offsets(&log), [0, 1]);
    }

    #[test]
    fn tick_rolls_a_segment_ms_old_active_segment() {
        let config = LogConfig { segment_ms: 100, retention_ms: None, ..LogConfig::default() };
        let mut log = PartitionLog::new(config, 0);
        assert!(log.tick(1_000, 0).is_empty(), "an empty segment never rolls");
        log.append(&values_batch(1, 1, 0), 0, 1_000).unwrap();
        assert!(log.tick(1_099, 1).is_empty());
        assert_eq!(
            log.tick(1_100, 1),
            [LogEvent::SegmentRolled { base_offset: 1, reason: RollReason::SegmentMs }]
        );
        assert!(log.tick(5_000, 1).is_empty(), "the new active segment is empty");
    }
}

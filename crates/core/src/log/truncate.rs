//! Truncation: a follower removes the suffix of its log that diverges from the leader's (KIP-101,
//! KIP-279), Kafka's `UnifiedLog.truncateTo`.

use alloc::vec::Vec;

use super::error::LogError;
use super::segment::Segment;
use super::storage::SegmentStorage;
use super::PartitionLog;
use crate::record_batch::{BatchHeader, RecordBatch, TimestampType};

impl<S: SegmentStorage> PartitionLog<S> {
    /// Removes every offset >= `offset` (used by replication truncation later).
    ///
    /// At or past the log end this does nothing. Below the first segment the whole log is emptied and
    /// restarts at `offset` (Kafka's `truncateFullyAndStartAt`). A batch straddling `offset` keeps its
    /// records below it, re-encoded; Kafka never needs this because followers truncate at batch
    /// boundaries, but a caller of this API may not.
    pub fn truncate_to(&mut self, offset: i64) -> Result<(), LogError> {
        if offset < 0 {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset: self.log_end_offset(),
            });
        }
        if offset >= self.log_end_offset() {
            return Ok(());
        }
        if offset < self.segments[0].base_offset {
            return self.truncate_fully_and_start_at(offset);
        }
        // Kafka deletes the segments whose base offset is above the target; the one holding it (or
        // starting exactly at it) stays, cut down, as the new active segment.
        while self.segments.len() > 1 && self.segments[self.segments.len() - 1].base_offset > offset {
            self.remove_segment(self.segments.len() - 1)?;
        }
        self.truncate_active_to(offset)?;
        self.cleaner_checkpoint = self.cleaner_checkpoint.min(offset);
        self.debug_check_invariants();
        Ok(())
    }

    /// Deletes every segment and starts an empty log at `offset` (Kafka's `truncateFullyAndStartAt`):
    /// what a follower does when its fetch offset fell below the leader's log start offset.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) -> Result<(), LogError> {
        let now_ms = self.active().created_ms;
        // Newest first: if storage fails part-way, what is left is still a valid (shorter) log.
        while let Some(last) = self.segments.len().checked_sub(1) {
            self.remove_segment(last)?;
        }
        self.segments.push(Segment::new(offset, now_ms));
        self.stored.push(false);
        self.log_start_offset = offset;
        self.cleaner_checkpoint = offset;
        self.debug_check_invariants();
        Ok(())
    }

    /// Cuts the active segment so its last offset is below `offset`.
    fn truncate_active_to(&mut self, offset: i64) -> Result<(), LogError> {
        let last = self.segments.len() - 1;
        let segment = &self.segments[last];
        let base_offset = segment.base_offset;
        let cut = segment.batch_index_for_offset(offset);
        let mut headers: Vec<BatchHeader> = segment.batches()[..cut].iter().map(|e| e.header).collect();
        let (cut_position_bytes, _) = segment.byte_range(cut, cut);
        let straddling = segment.batches().get(cut).filter(|entry| entry.header.base_offset < offset);
        let kept_part = match straddling {
            Some(_) => Some(self.records_below(last, cut, offset)?),
            None => None,
        };
        if self.stored[last] {
            self.storage.truncate(base_offset, cut_position_bytes)?;
            if let Some(bytes) = &kept_part {
                self.storage.append(base_offset, bytes)?;
            }
        }
        if let Some(bytes) = &kept_part {
            headers.push(BatchHeader::parse(bytes)?);
        }
        self.segments[last].rebuild(headers, offset);
        Ok(())
    }

    /// Batch `batch_index` of segment `segment_index`, re-encoded with only its records below `offset`.
    fn records_below(
        &self,
        segment_index: usize,
        batch_index: usize,
        offset: i64,
    ) -> Result<Vec<u8>, LogError> {
        let mut batch = self.read_batch(segment_index, batch_index)?;
        let base_offset = batch.base_offset;
        batch.records.retain(|record| base_offset.wrapping_add(i64::from(record.offset_delta)) < offset);
        // offset > base_offset here, so the delta is in 0..last_offset_delta and fits.
        batch.last_offset_delta = i32::try_from(offset - 1 - base_offset).unwrap_or(i32::MAX);
        if batch.attributes.timestamp_type == TimestampType::CreateTime {
            if let Some(max_ts) = batch.records.iter().map(|r| batch.timestamp_ms(r)).max() {
                batch.max_timestamp_ms = max_ts;
            }
        }
        Ok(RecordBatch::encode(&batch)?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use alloc::vec;

    fn log_with_batches_of_two(batches: usize) -> PartitionLog {
        let batch = values_batch(2, 10, 0);
        let mut log = PartitionLog::new(small_segments((batch.len() * 2) as u32), 0);
        for _ in 0..batches {
            log.append(&batch, 0, 0).unwrap();
        }
        log
    }

    #[test]
    fn truncating_at_a_batch_boundary_drops_whole_segments_and_batches() {
        let mut log = log_with_batches_of_two(5); // offsets 0..10, segments [0,4) [4,8) [8,10)
        log.truncate_to(6).unwrap();
        assert_eq!(log.log_end_offset(), 6);
        assert_eq!(offsets(&log), [0, 1, 2, 3, 4, 5]);
        let segments: Vec<_> = log.segments().collect();
        assert_eq!(segments.len(), 2);
        assert!(segments[1].is_active);
        assert_eq!((segments[1].base_offset, segments[1].next_offset), (4, 6));
        // The log continues from the truncation point.
        assert_eq!(log.append(&values_batch(1, 1, 0), 0, 0).unwrap().base_offset, 6);
    }

    #[test]
    fn truncating_inside_a_batch_keeps_the_records_below() {
        let mut log = PartitionLog::new(LogConfig::default(), 0);
        log.append(
            &encode(vec![keyed("a", Some("1"), 10), keyed("b", Some("2"), 30), keyed("c", Some("3"), 20)]),
            0,
            0,
        )
        .unwrap();
        log.truncate_to(2).unwrap();
        assert_eq!(log.log_end_offset(), 2);
        let rows = read_all(&log);
        assert_eq!(rows.iter().map(|r| (r.0, r.3)).collect::<Vec<_>>(), [(0, 10), (1, 30)]);
        let header = log.batches().next().unwrap().header;
        assert_eq!((header.last_offset_delta, header.record_count, header.max_timestamp_ms), (1, 2, 30));
        assert_eq!(log.size_bytes(), header.size_bytes() as u64);
    }

    #[test]
    fn truncating_at_a_segment_base_leaves_it_empty_and_active() {
        let mut log = log_with_batches_of_two(4); // segments [0,4) [4,8)
        log.truncate_to(4).unwrap();
        let segments: Vec<_> = log.segments().collect();
        assert_eq!(segments.len(), 2);
        assert_eq!((segments[1].base_offset, segments[1].size_bytes, segments[1].is_active), (4, 0, true));
        assert_eq!(log.log_end_offset(), 4);
        assert_eq!(log.read(4, 100).unwrap().batch_count, 0);
    }

    #[test]
    fn truncating_below_the_log_start_restarts_the_log_there() {
        let config =
            LogConfig { retention_ms: Some(1), ..small_segments(values_batch(2, 10, 0).len() as u32 * 2) };
        let mut log = PartitionLog::new(config, 0);
        for _ in 0..4 {
            log.append(&values_batch(2, 10, 0), 0, 0).unwrap();
        }
        log.tick(100, 8);
        assert_eq!(log.log_start_offset(), 8);
        log.truncate_to(3).unwrap();
        assert_eq!((log.log_start_offset(), log.log_end_offset(), log.size_bytes()), (3, 3, 0));
        assert_eq!(log.storage().segment_base_offsets().count(), 0);
        assert_eq!(log.append(&values_batch(1, 1, 0), 0, 0).unwrap().base_offset, 3);
    }

    #[test]
    fn truncating_at_or_past_the_end_changes_nothing_and_negative_is_refused() {
        let mut log = log_with_batches_of_two(2);
        let before: Vec<_> = log.segments().collect();
        log.truncate_to(4).unwrap();
        log.truncate_to(100).unwrap();
        assert_eq!(log.segments().collect::<Vec<_>>(), before);
        assert_eq!(log.truncate_to(-1).unwrap_err().error_code(), crate::ErrorCode::OffsetOutOfRange);
    }
}

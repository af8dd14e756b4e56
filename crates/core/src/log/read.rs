//! Reading: fetch by offset (whole batches, KIP-74) and ListOffsets by timestamp (KIP-79).

use alloc::vec::Vec;

use super::error::LogError;
use super::events::{ReadResult, TimestampOffset};
use super::storage::SegmentStorage;
use super::PartitionLog;
use crate::record_batch::RecordBatch;

/// ListOffsets' `LATEST_TIMESTAMP`: answers the log end offset.
pub const LATEST_TIMESTAMP: i64 = -1;
/// ListOffsets' `EARLIEST_TIMESTAMP`: answers the log start offset.
pub const EARLIEST_TIMESTAMP: i64 = -2;
/// ListOffsets' `MAX_TIMESTAMP` (KIP-734): answers the record with the largest timestamp.
pub const MAX_TIMESTAMP: i64 = -3;

impl<S: SegmentStorage> PartitionLog<S> {
    /// Whole batches starting with the one containing `offset`, up to `max_bytes` — but always at least
    /// one batch if any (KIP-74). OFFSET_OUT_OF_RANGE outside [log_start_offset, log_end_offset].
    pub fn read(&self, offset: i64, max_bytes: usize) -> Result<ReadResult, LogError> {
        self.read_up_to(offset, max_bytes, i64::MAX)
    }

    /// As [`PartitionLog::read`], returning only batches that end below `upper_bound_offset` — what a
    /// consumer fetch does with the high watermark (Kafka's `FetchIsolation.HIGH_WATERMARK`).
    ///
    /// Like Kafka's `LocalLog.read`, a read returns batches of one segment: the first segment, from
    /// `offset` on, that has any.
    pub fn read_up_to(
        &self,
        offset: i64,
        max_bytes: usize,
        upper_bound_offset: i64,
    ) -> Result<ReadResult, LogError> {
        let (log_start_offset, log_end_offset) = (self.log_start_offset, self.log_end_offset());
        if offset < log_start_offset || offset > log_end_offset {
            return Err(LogError::OffsetOutOfRange { offset, log_start_offset, log_end_offset });
        }
        let mut result = ReadResult { bytes: Vec::new(), batch_count: 0, log_start_offset, log_end_offset };
        let first_segment = self.segments.partition_point(|s| s.next_offset <= offset);
        for (index, segment) in self.segments.iter().enumerate().skip(first_segment) {
            let batches = segment.batches();
            let first = segment.batch_index_for_offset(offset);
            if first == batches.len() {
                continue; // compaction emptied the rest of this segment
            }
            let mut end = first;
            let mut size_bytes: u64 = 0;
            for entry in &batches[first..] {
                let within_budget =
                    end == first || size_bytes.saturating_add(entry.size_bytes()) <= max_bytes as u64;
                if entry.header.last_offset() >= upper_bound_offset || !within_budget {
                    break;
                }
                size_bytes += entry.size_bytes();
                end += 1;
            }
            if end > first {
                let (position_bytes, len_bytes) = segment.byte_range(first, end);
                if self.stored[index] {
                    self.storage.read_into(
                        segment.base_offset,
                        position_bytes,
                        len_bytes,
                        &mut result.bytes,
                    )?;
                }
                result.batch_count = end - first;
            }
            break;
        }
        Ok(result)
    }

    /// ListOffsets by timestamp: earliest offset whose record timestamp >= timestamp_ms (KIP-79).
    ///
    /// Also answers Kafka's special queries [`LATEST_TIMESTAMP`] (-1), [`EARLIEST_TIMESTAMP`] (-2) and
    /// [`MAX_TIMESTAMP`] (-3). `None` when no record qualifies (or the batch cannot be read back).
    pub fn offset_for_timestamp(&self, timestamp_ms: i64) -> Option<TimestampOffset> {
        match timestamp_ms {
            LATEST_TIMESTAMP => Some(TimestampOffset { offset: self.log_end_offset(), timestamp_ms: -1 }),
            EARLIEST_TIMESTAMP => Some(TimestampOffset { offset: self.log_start_offset, timestamp_ms: -1 }),
            MAX_TIMESTAMP => self.offset_of_max_timestamp(),
            t if t < 0 => None,
            t => self.first_offset_at_or_after(t),
        }
    }

    /// Kafka's `UnifiedLog.fetchOffsetByTimestamp`: the first segment whose largest timestamp reaches
    /// the target, its time index to the first batch that does, then the first such record in it.
    fn first_offset_at_or_after(&self, timestamp_ms: i64) -> Option<TimestampOffset> {
        self.segments.iter().enumerate().find_map(|(index, segment)| {
            if segment.max_timestamp_ms() < timestamp_ms {
                return None;
            }
            let batch_index = segment.batch_index_for_timestamp(timestamp_ms)?;
            let batch = self.read_batch(index, batch_index).ok()?;
            batch
                .records
                .iter()
                .map(|record| (batch.offset(record), batch.timestamp_ms(record)))
                .find(|&(offset, ts)| ts >= timestamp_ms && offset >= self.log_start_offset)
                .map(|(offset, timestamp_ms)| TimestampOffset { offset, timestamp_ms })
        })
    }

    /// KIP-734: the first record holding the log's largest timestamp.
    fn offset_of_max_timestamp(&self) -> Option<TimestampOffset> {
        let (index, segment) = self
            .segments
            .iter()
            .enumerate()
            .filter(|(_, segment)| !segment.is_empty())
            // max_by_key keeps the last maximum; the earliest wins ties, so compare reversed.
            .rev()
            .max_by_key(|(_, segment)| segment.max_timestamp_ms())?;
        let max_timestamp_ms = segment.max_timestamp_ms();
        let batch = self.read_batch(index, segment.batch_index_of_max_timestamp()?).ok()?;
        batch
            .records
            .iter()
            .find(|record| batch.timestamp_ms(record) == max_timestamp_ms)
            .map(|record| TimestampOffset { offset: batch.offset(record), timestamp_ms: max_timestamp_ms })
    }

    /// Reads and decodes batch `batch_index` of segment `segment_index`.
    pub(super) fn read_batch(
        &self,
        segment_index: usize,
        batch_index: usize,
    ) -> Result<RecordBatch, LogError> {
        let segment = &self.segments[segment_index];
        let (position_bytes, len_bytes) = segment.byte_range(batch_index, batch_index + 1);
        let mut bytes = Vec::new();
        self.storage.read_into(segment.base_offset, position_bytes, len_bytes, &mut bytes)?;
        Ok(RecordBatch::decode(&bytes)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use crate::record_batch::RecordBatch;
    use crate::ErrorCode;
    use alloc::string::ToString;
    use alloc::vec;
    use alloc::vec::Vec;

    fn log_of_three_batches() -> (PartitionLog, usize) {
        let mut log = PartitionLog::new(LogConfig::default(), 0);
        let batch = values_batch(2, 50, 0);
        for _ in 0..3 {
            log.append(&batch, 0, 0).unwrap();
        }
        (log, batch.len())
    }

    #[test]
    fn read_returns_whole_batches_within_max_bytes_and_at_least_one() {
        let (log, batch_bytes) = log_of_three_batches();
        // Offset 3 is inside the second batch [2, 3]: the read starts at that batch.
        let two = log.read(3, batch_bytes * 2).unwrap();
        assert_eq!((two.batch_count, two.bytes.len()), (2, batch_bytes * 2));
        let (first, _) = RecordBatch::decode(&two.bytes).unwrap();
        assert_eq!(first.base_offset, 2);
        // KIP-74: a budget smaller than one batch still returns one.
        let one = log.read(0, 1).unwrap();
        assert_eq!((one.batch_count, one.bytes.len()), (1, batch_bytes));
        let all = log.read(0, usize::MAX).unwrap();
        assert_eq!(all.batch_count, 3);
        assert_eq!((all.log_start_offset, all.log_end_offset), (0, 6));
    }

    #[test]
    fn reading_at_the_log_end_is_empty_and_beyond_it_is_out_of_range() {
        let (log, _) = log_of_three_batches();
        let at_end = log.read(6, 1000).unwrap();
        assert_eq!((at_end.batch_count, at_end.bytes.len()), (0, 0));
        for offset in [-1, 7] {
            let err = log.read(offset, 1000).unwrap_err();
            assert_eq!(err.error_code(), ErrorCode::OffsetOutOfRange);
            assert_eq!(err.to_string(), alloc::format!("offset {offset} is out of range [0, 6]"));
        }
    }

    #[test]
    fn read_up_to_stops_below_the_high_watermark() {
        let (log, _) = log_of_three_batches();
        let committed = log.read_up_to(0, usize::MAX, 4).unwrap();
        assert_eq!(committed.batch_count, 2);
        assert_eq!(log.read_up_to(4, usize::MAX, 4).unwrap().batch_count, 0);
    }

    #[test]
    fn a_read_stays_within_one_segment() {
        let batch = values_batch(1, 10, 0);
        let mut log = PartitionLog::new(small_segments((batch.len() * 2) as u32), 0);
        for _ in 0..5 {
            log.append(&batch, 0, 0).unwrap();
        }
        assert_eq!(log.segments().count(), 3);
        assert_eq!(log.read(0, usize::MAX).unwrap().batch_count, 2);
        assert_eq!(log.read(3, usize::MAX).unwrap().batch_count, 1);
        assert_eq!(offsets(&log), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn offset_for_timestamp_finds_the_first_record_at_or_after() {
        let batch = encode(vec![keyed("a", Some("1"), 100), keyed("b", Some("2"), 300)]);
        let mut log = PartitionLog::new(small_segments(batch.len() as u32), 0);
        log.append(&batch, 0, 0).unwrap();
        log.append(&encode(vec![keyed("c", Some("3"), 200), keyed("d", Some("4"), 500)]), 0, 0).unwrap();
        log.append(&encode(vec![keyed("e", Some("5"), 400)]), 0, 0).unwrap();
        assert_eq!(log.segments().count(), 3);
        let at = |ts| log.offset_for_timestamp(ts).map(|t| (t.offset, t.timestamp_ms));
        assert_eq!(at(0), Some((0, 100)));
        assert_eq!(at(100), Some((0, 100)));
        assert_eq!(at(101), Some((1, 300)));
        assert_eq!(at(250), Some((1, 300)));
        assert_eq!(at(301), Some((3, 500)));
        assert_eq!(at(501), None);
        assert_eq!(at(LATEST_TIMESTAMP), Some((5, -1)));
        assert_eq!(at(EARLIEST_TIMESTAMP), Some((0, -1)));
        assert_eq!(at(MAX_TIMESTAMP), Some((3, 500)));
        assert_eq!(at(-4), None);
    }

    #[test]
    fn max_timestamp_of_an_empty_log_is_none() {
        let log = PartitionLog::new(LogConfig::default(), 0);
        assert_eq!(log.offset_for_timestamp(MAX_TIMESTAMP), None);
        assert_eq!(log.offset_for_timestamp(0), None);
        assert_eq!(log.read(0, 10).unwrap().batch_count, 0);
        let _: Vec<SegmentInfo> = log.segments().collect();
    }
}

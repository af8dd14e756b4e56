//! Appending a produced batch: validate, assign offsets, stamp, roll if needed, write.

use alloc::vec::Vec;

use super::error::LogError;
use super::events::{AppendInfo, LogEvent, RollReason};
use super::storage::{SegmentStorage, StorageError};
use super::validate::{validate_produced_batch, AppendOrigin, ValidBatch};
use super::PartitionLog;
use crate::record_batch::header::{set_base_offset, set_log_append_time, set_partition_leader_epoch};
use crate::record_batch::{BatchHeader, TimestampType};

impl<S: SegmentStorage> PartitionLog<S> {
    /// Validates (CRC, magic, size <= max.message.bytes -> MESSAGE_TOO_LARGE, size > segment.bytes ->
    /// RECORD_LIST_TOO_LARGE, compacted topic + null key -> INVALID_RECORD, …), assigns offsets from the
    /// log end offset (rewriting baseOffset), stamps `leader_epoch`, applies LogAppendTime when
    /// configured, rolls a new segment first if this batch would overflow segment.bytes or the active
    /// segment is older than segment.ms, and appends. On error the log is unchanged.
    pub fn append(&mut self, batch: &[u8], leader_epoch: i32, now_ms: u64) -> Result<AppendInfo, LogError> {
        self.append_from(batch, leader_epoch, now_ms, AppendOrigin::Client)
    }

    /// [`PartitionLog::append`] for a batch from `origin` (a coordinator's markers and transactional
    /// offset commits skip the client-only checks).
    pub fn append_from(
        &mut self,
        batch: &[u8],
        leader_epoch: i32,
        now_ms: u64,
        origin: AppendOrigin,
    ) -> Result<AppendInfo, LogError> {
        let ValidBatch { mut bytes, header } = validate_produced_batch(batch, &self.config, origin)?;
        let base_offset = self.log_end_offset();
        let overflow = LogError::OffsetOverflow {
            log_end_offset: base_offset,
            last_offset_delta: header.last_offset_delta,
        };
        let last_offset =
            base_offset.checked_add(i64::from(header.last_offset_delta)).ok_or(overflow.clone())?;
        // The next append starts at last_offset + 1, which must exist too.
        last_offset.checked_add(1).ok_or(overflow)?;

        // Kafka's LogValidator: the leader assigns offsets and stamps its epoch (KIP-101); with
        // LogAppendTime it also overwrites maxTimestamp (KIP-32).
        set_base_offset(&mut bytes, base_offset)?;
        set_partition_leader_epoch(&mut bytes, leader_epoch)?;
        let log_append_time_ms = match self.config.message_timestamp_type {
            TimestampType::LogAppendTime => {
                let append_time_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
                set_log_append_time(&mut bytes, append_time_ms)?;
                Some(append_time_ms)
            }
            TimestampType::CreateTime => None,
        };
        let stamped = BatchHeader::parse(&bytes)?;

        let mut events = Vec::new();
        let size_bytes = bytes.len();
        let roll_reason = self.roll_reason(size_bytes as u64, now_ms);
        if let Some(reason) = roll_reason {
            let base_offset = self.roll(now_ms);
            events.push(LogEvent::SegmentRolled { base_offset, reason });
        }
        if let Err(error) = self.write_to_active(&bytes) {
            if roll_reason.is_some() {
                // Undo the roll so a failed append leaves the log exactly as it was.
                self.segments.pop();
                self.stored.pop();
            }
            return Err(error.into());
        }
        self.active_mut().push(stamped, now_ms);
        self.debug_check_invariants();
        Ok(AppendInfo {
            base_offset,
            last_offset,
            record_count: u32::try_from(header.record_count).unwrap_or(0),
            size_bytes,
            log_append_time_ms,
            events,
        })
    }

    /// Runs [`PartitionLog::append`]'s validation of a produced batch without appending: a leader that
    /// refuses a batch for another reason (idempotence, KIP-98) reports a validation error first, as
    /// Kafka validates before it checks the producer state.
    pub fn validate_produced(&self, batch: &[u8]) -> Result<(), LogError> {
        validate_produced_batch(batch, &self.config, AppendOrigin::Client).map(|_| ())
    }

    /// Kafka's `LogSegment.shouldRoll`: the batch would push the active segment past `segment.bytes`,
    /// or the active segment's first append is `segment.ms` old. An empty segment never rolls.
    pub(super) fn roll_reason(&self, batch_bytes: u64, now_ms: u64) -> Option<RollReason> {
        let active = self.active();
        let first_append_ms = active.first_append_ms?;
        if active.size_bytes().saturating_add(batch_bytes) > u64::from(self.config.segment_bytes) {
            return Some(RollReason::SegmentBytes);
        }
        // Kafka counts segment.ms from the first batch's timestamp when it has one (KIP-33); this
        // log counts from the first append's broker time, so producer clocks cannot force rolls.
        if now_ms.saturating_sub(first_append_ms) >= self.config.segment_ms {
            return Some(RollReason::SegmentMs);
        }
        None
    }

    /// Writes `bytes` at the end of the active segment, creating it in storage at its first write.
    pub(super) fn write_to_active(&mut self, bytes: &[u8]) -> Result<(), StorageError> {
        let last = self.segments.len() - 1;
        let base_offset = self.segments[last].base_offset;
        let created = !self.stored[last];
        if created {
            match self.storage.create_segment(base_offset) {
                // Left behind by an earlier failed cleanup: reuse it, emptied.
                Err(StorageError::SegmentExists { .. }) => self.storage.replace(base_offset, &[])?,
                other => other?,
            }
            self.stored[last] = true;
        }
        if let Err(error) = self.storage.append(base_offset, bytes) {
            if created && self.storage.delete_segment(base_offset).is_ok() {
                self.stored[last] = false;
            }
            return Err(error);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use crate::record_batch::header::{set_base_offset, verify_crc};
    use crate::record_batch::{RecordBatch, TimestampType};
    use crate::ErrorCode;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn appends_get_contiguous_offsets_from_the_log_end() {
        let mut log = PartitionLog::new(LogConfig::default(), 0);
        let first = log.append(&values_batch(3, 10, 100), 7, 1_000).unwrap();
        let second = log.append(&values_batch(2, 10, 101), 7, 1_001).unwrap();
        assert_eq!((first.base_offset, first.last_offset, first.record_count), (0, 2, 3));
        assert_eq!((second.base_offset, second.last_offset), (3, 4));
        assert_eq!(log.log_end_offset(), 5);
        assert_eq!(log.log_start_offset(), 0);
        assert_eq!(offsets(&log), [0, 1, 2, 3, 4]);
        let headers: Vec<_> = log.batches().map(|b| b.header).collect();
        assert_eq!(headers.len(), 2);
        assert_eq!(headers[1].base_offset, 3);
        assert!(headers.iter().all(|h| h.partition_leader_epoch == 7));
        assert_eq!(first.log_append_time_ms, None);
        assert!(first.events.is_empty());
        assert_eq!(log.size_bytes(), (first.size_bytes + second.size_bytes) as u64);
        // The stored bytes are still a valid batch: the offset and epoch live outside the CRC.
        let read = log.read(3, 1 << 20).unwrap();
        verify_crc(&read.bytes).unwrap();
    }

    #[test]
    fn log_append_time_stamps_the_broker_clock() {
        let config =
            LogConfig { message_timestamp_type: TimestampType::LogAppendTime, ..LogConfig::default() };
        let mut log = PartitionLog::new(config, 0);
        let info = log.append(&values_batch(2, 5, 42), 0, 9_000).unwrap();
        assert_eq!(info.log_append_time_ms, Some(9_000));
        let rows = read_all(&log);
        assert!(rows.iter().all(|row| row.3 == 9_000), "{rows:?}");
        let header = log.batches().next().unwrap().header;
        assert_eq!(header.attributes.timestamp_type, TimestampType::LogAppendTime);
    }

    #[test]
    fn create_time_max_timestamp_is_recomputed_from_the_records() {
        let mut batch = RecordBatch::from_new_records(
            vec![keyed("a", Some("1"), 50), keyed("b", Some("2"), 80)],
            crate::record_batch::Compression::None,
        )
        .unwrap();
        batch.max_timestamp_ms = 10; // a confused producer
        let mut log = PartitionLog::new(LogConfig::default(), 0);
        log.append(&batch.encode().unwrap(), 0, 0).unwrap();
        assert_eq!(log.batches().next().unwrap().header.max_timestamp_ms, 80);
    }

    #[test]
    fn rolls_before_a_batch_that_would_overflow_segment_bytes() {
        let batch = values_batch(1, 100, 0);
        let config = small_segments((batch.len() * 2) as u32);
        let mut log = PartitionLog::new(config, 0);
        assert!(log.append(&batch, 0, 0).unwrap().events.is_empty());
        assert!(log.append(&batch, 0, 0).unwrap().events.is_empty());
        let third = log.append(&batch, 0, 0).unwrap();
        assert_eq!(
            third.events,
            [LogEvent::SegmentRolled { base_offset: 2, reason: RollReason::SegmentBytes }]
        );
        let segments: Vec<_> = log.segments().collect();
        assert_eq!(segments.len(), 2);
        assert_eq!((segments[0].base_offset, segments[0].next_offset), (0, 2));
        assert_eq!(segments[0].size_bytes, (batch.len() * 2) as u64);
        assert!(!segments[0].is_active && segments[1].is_active);
        assert_eq!((segments[1].base_offset, segments[1].record_count), (2, 1));
    }

    #[test]
    fn rolls_when_the_active_segment_is_segment_ms_old_but_never_an_empty_one() {
        let config = LogConfig { segment_ms: 1_000, ..LogConfig::default() };
        let mut log = PartitionLog::new(config, 0);
        // Created at 0, empty at 5_000: no roll, the first append starts the clock.
        assert!(log.append(&values_batch(1, 1, 0), 0, 5_000).unwrap().events.is_empty());
        assert!(log.append(&values_batch(1, 1, 0), 0, 5_999).unwrap().events.is_empty());
        let info = log.append(&values_batch(1, 1, 0), 0, 6_000).unwrap();
        assert_eq!(info.events, [LogEvent::SegmentRolled { base_offset: 2, reason: RollReason::SegmentMs }]);
        assert_eq!(log.segments().map(|s| s.created_ms).collect::<Vec<_>>(), [0, 6_000]);
    }

    #[test]
    fn oversized_batches_are_refused_with_kafkas_errors() {
        let batch = values_batch(1, 200, 0);
        let mut log = PartitionLog::new(LogConfig { max_message_bytes: 100, ..LogConfig::default() }, 0);
        let err = log.append(&batch, 0, 0).unwrap_err();
        assert_eq!(err.error_code(), ErrorCode::MessageTooLarge);
        assert_eq!(
            err.to_string(),
            alloc::format!("batch of {} bytes exceeds max.message.bytes=100", batch.len())
        );
        log.set_config(small_segments(100));
        let err = log.append(&batch, 0, 0).unwrap_err();
        assert_eq!(err.error_code(), ErrorCode::RecordListTooLarge);
        assert_eq!(log.log_end_offset(), 0);
        assert_eq!(log.size_bytes(), 0);
    }

    #[test]
    fn corrupt_and_invalid_batches_leave_the_log_unchanged() {
        let mut log = PartitionLog::new(
            LogConfig { cleanup_policy: CleanupPolicy::Compact, ..LogConfig::default() },
            0,
        );
        log.append(&encode(vec![keyed("k", Some("v"), 1)]), 0, 0).unwrap();
        let before = (log.log_end_offset(), log.size_bytes(), log.batches().count());

        let mut corrupt = encode(vec![keyed("k", Some("v"), 1)]);
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        let null_key = encode(vec![keyed("k", Some("v"), 1), unkeyed("x", 1)]);
        let mut not_zero = encode(vec![keyed("k", Some("v"), 1)]);
        set_base_offset(&mut not_zero, 5).unwrap();
        let mut two = encode(vec![keyed("k", Some("v"), 1)]);
        two.extend_from_slice(&encode(vec![keyed("k", Some("v"), 1)]));
        let truncated = &two[..10];

        let cases: [(&[u8], ErrorCode); 5] = [
            (&corrupt, ErrorCode::CorruptMessage),
            (&null_key, ErrorCode::InvalidRecord),
            (&not_zero, ErrorCode::InvalidRecord),
            (&two, ErrorCode::InvalidRecord),
            (truncated, ErrorCode::CorruptMessage),
        ];
        for (bytes, code) in cases {
            let err = log.append(bytes, 0, 0).unwrap_err();
            assert_eq!(err.error_code(), code, "{err}");
        }
        assert_eq!(
            log.append(&null_key, 0, 0).unwrap_err(),
            LogError::NullKeyInCompactedTopic { offset_delta: 1 }
        );
        assert_eq!(before, (log.log_end_offset(), log.size_bytes(), log.batches().count()));
    }

    #[test]
    fn storage_full_is_a_named_error_and_undoes_the_roll() {
        let batch = values_batch(1, 100, 0);
        let storage = MemoryStorage::with_capacity_bytes((batch.len() * 2) as u64);
        let config = small_segments(batch.len() as u32);
        let mut log = PartitionLog::with_storage(config, storage, 0);
        log.append(&batch, 0, 0).unwrap();
        log.append(&batch, 0, 0).unwrap(); // rolls: one batch per segment
        let segments_before: Vec<_> = log.segments().collect();
        let err = log.append(&batch, 0, 0).unwrap_err();
        assert_eq!(err.error_code(), ErrorCode::KafkaStorageError);
        assert!(err.to_string().starts_with("storage full: "), "{err}");
        assert_eq!(log.segments().collect::<Vec<_>>(), segments_before);
        assert_eq!(log.storage().segment_base_offsets().collect::<Vec<_>>(), [0, 1]);
        assert_eq!(log.log_end_offset(), 2);
    }
}

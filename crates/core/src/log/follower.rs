//! A follower's append: the leader's batches copied as they are, keeping the offsets and leader epochs
//! the leader assigned (Kafka's `UnifiedLog.appendAsFollower`).

use alloc::vec::Vec;

use super::error::LogError;
use super::storage::SegmentStorage;
use super::PartitionLog;
use crate::record_batch::header::verify_crc;
use crate::record_batch::{BatchHeader, MAGIC_V2};

impl<S: SegmentStorage> PartitionLog<S> {
    /// Appends `batches` (concatenated encoded v2 batches from a fetch response) as they are: offsets
    /// and `partitionLeaderEpoch` stay the leader's. Each batch must start at or after the log end
    /// offset (gaps are allowed: compaction leaves them) and pass its CRC check. Rolls by
    /// `segment.bytes` / `segment.ms` as a leader would; `max.message.bytes` is not checked, as Kafka's
    /// follower does not. Returns the appended headers, in order.
    ///
    /// Every batch is checked before any is written, so a bad batch leaves the log unchanged; a storage
    /// failure part-way leaves the batches before it appended.
    pub fn append_as_follower(&mut self, batches: &[u8], now_ms: u64) -> Result<Vec<BatchHeader>, LogError> {
        let mut headers = Vec::new();
        let mut rest = batches;
        let mut expected_offset = self.log_end_offset();
        while !rest.is_empty() {
            let header = BatchHeader::parse(rest)?;
            if header.magic != MAGIC_V2 {
                return Err(LogError::UnsupportedMagic { magic: header.magic });
            }
            verify_crc(rest)?;
            if header.base_offset < expected_offset {
                return Err(LogError::UnexpectedAppendOffset {
                    base_offset: header.base_offset,
                    log_end_offset: expected_offset,
                });
            }
            expected_offset = header.next_offset();
            headers.push(header);
            // `parse` checked the whole batch is present.
            rest = &rest[header.size_bytes()..];
        }
        let mut position_bytes = 0;
        for header in &headers {
            let size_bytes = header.size_bytes();
            let bytes = &batches[position_bytes..position_bytes + size_bytes];
            position_bytes += size_bytes;
            let roll_reason = self.roll_reason(size_bytes as u64, now_ms);
            if roll_reason.is_some() {
                self.roll(now_ms);
            }
            if let Err(error) = self.write_to_active(bytes) {
                if roll_reason.is_some() && self.active().is_empty() {
                    self.segments.pop();
                    self.stored.pop();
                }
                return Err(error.into());
            }
            self.active_mut().push(*header, now_ms);
        }
        self.debug_check_invariants();
        Ok(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;

    fn leader_with_two_batches() -> PartitionLog {
        let mut leader = PartitionLog::new(LogConfig::default(), 0);
        leader.append(&values_batch(2, 5, 1), 3, 0).unwrap();
        leader.append(&values_batch(3, 5, 2), 4, 0).unwrap();
        leader
    }

    #[test]
    fn follower_keeps_the_leaders_offsets_and_epochs() {
        let leader = leader_with_two_batches();
        let fetched = leader.read(0, usize::MAX).unwrap();
        let mut follower = PartitionLog::new(LogConfig::default(), 0);
        let headers = follower.append_as_follower(&fetched.bytes, 5).unwrap();
        assert_eq!(headers.len(), 2);
        assert_eq!(follower.log_end_offset(), 5);
        let epochs: Vec<_> =
            follower.batches().map(|b| (b.header.base_offset, b.header.partition_leader_epoch)).collect();
        assert_eq!(epochs, [(0, 3), (2, 4)]);
        assert_eq!(follower.read(0, usize::MAX).unwrap().bytes, fetched.bytes);
    }

    #[test]
    fn a_batch_below_the_log_end_is_refused_and_nothing_is_written() {
        let leader = leader_with_two_batches();
        let fetched = leader.read(0, usize::MAX).unwrap();
        let mut follower = PartitionLog::new(LogConfig::default(), 0);
        follower.append_as_follower(&fetched.bytes, 5).unwrap();
        let error = follower.append_as_follower(&fetched.bytes, 6).unwrap_err();
        assert!(matches!(error, LogError::UnexpectedAppendOffset { base_offset: 0, log_end_offset: 5 }));
        assert_eq!(follower.log_end_offset(), 5);
    }

    #[test]
    fn a_corrupt_batch_is_refused() {
        let leader = leader_with_two_batches();
        let mut bytes = leader.read(0, usize::MAX).unwrap().bytes;
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        let mut follower = PartitionLog::new(LogConfig::default(), 0);
        assert!(matches!(follower.append_as_follower(&bytes, 0), Err(LogError::Decode(_))));
        assert_eq!(follower.log_end_offset(), 0);
    }
}

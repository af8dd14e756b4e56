//! ListOffsets on the leader (Kafka's `Partition.fetchOffsetForTimestamp`): the earliest offset, the
//! latest a `read_uncommitted` consumer may read (the high watermark), or the first offset whose
//! timestamp is at or after a time (KIP-79), fenced by the caller's leader epoch (KIP-320).

use super::Partition;
use crate::client::consumer_config::IsolationLevel;
use crate::error::ErrorCode;
use crate::group::messages::{ListOffsetsRequest, ListOffsetsResponse, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP};

impl Partition {
    /// The answer to `request` (see the module docs).
    pub(crate) fn list_offsets(&self, request: &ListOffsetsRequest) -> ListOffsetsResponse {
        let answer = |error, timestamp, offset, leader_epoch| ListOffsetsResponse {
            correlation_id: request.correlation_id,
            tp: request.tp.clone(),
            error,
            timestamp,
            offset,
            leader_epoch,
        };
        if self.leader().is_none() {
            return answer(ErrorCode::NotLeaderOrFollower, -1, -1, -1);
        }
        let leader_epoch = self.leader_epoch();
        if request.current_leader_epoch >= 0 && request.current_leader_epoch != leader_epoch {
            let error = if request.current_leader_epoch < leader_epoch {
                ErrorCode::FencedLeaderEpoch
            } else {
                ErrorCode::UnknownLeaderEpoch
            };
            return answer(error, -1, -1, -1);
        }
        let epoch_of = |offset: i64| {
            self.epochs().entries().iter().rev().find(|e| e.start_offset <= offset).map_or(-1, |e| e.epoch)
        };
        match request.timestamp {
            LATEST_TIMESTAMP => {
                // KAFKA-7395: right after an election the high watermark may still be below the new
                // epoch's start; answering it could move a consumer backwards.
                let epoch_start = self.epochs().latest_start_offset().unwrap_or(0);
                if self.high_watermark < epoch_start {
                    return answer(ErrorCode::OffsetNotAvailable, -1, -1, -1);
                }
                // read_committed consumers start at the last stable offset (Kafka's `FetchIsolation`).
                let latest = match request.isolation_level {
                    IsolationLevel::ReadUncommitted => self.high_watermark,
                    IsolationLevel::ReadCommitted => self.last_stable_offset(),
                };
                answer(ErrorCode::None, -1, latest, leader_epoch)
            }
            EARLIEST_TIMESTAMP => {
                let offset = self.log.log_start_offset();
                answer(ErrorCode::None, -1, offset, epoch_of(offset))
            }
            t if t < 0 => answer(ErrorCode::InvalidRequest, -1, -1, -1),
            t => match self.log.offset_for_timestamp(t) {
                // Only records a consumer may read count.
                Some(found) if found.offset < self.high_watermark => {
                    answer(ErrorCode::None, found.timestamp_ms, found.offset, epoch_of(found.offset))
                }
                _ => answer(ErrorCode::None, -1, -1, -1),
            },
        }
    }
}

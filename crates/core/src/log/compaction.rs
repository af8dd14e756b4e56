//! The log cleaner (`cleanup.policy=compact`): keep the latest record per key, as Kafka's `LogCleaner`.
//!
//! - Only the cleanable range is touched: non-active segments wholly below the high watermark, up to
//!   the first segment younger than `min.compaction.lag.ms` (Kafka's `firstUncleanableDirtyOffset`).
//! - An offset map (key → latest offset) is built over that range; a record survives if it is the
//!   latest for its key there. Records without a key are dropped, as Kafka's cleaner does.
//! - Tombstones (null values) follow KIP-534: the first time a batch holding one is cleaned, its delete
//!   horizon (`now + delete.retention.ms`) is written into `baseTimestamp` and attribute bit 6; a later
//!   cleaning at or after the horizon drops them.
//! - Offsets never change: surviving records keep their offset deltas, batches keep `baseOffset` and
//!   `lastOffsetDelta`; batches left empty are dropped.
//! - Adjacent segments are merged while their cleaned sizes fit in `segment.bytes` (after Kafka's
//!   `groupSegmentsBySize`), so a compacted log does not fragment into tiny segments.
//!
//! Kafka cleans a log once its dirty ratio passes `min.cleanable.dirty.ratio`; this cleaner runs on any
//! tick with new cleanable segments (ratio 0) or an expired tombstone horizon, so a playground sees
//! compaction happen. The offset map holds every key of the cleanable range: it is bounded by the log's
//! storage limit rather than Kafka's `log.cleaner.dedupe.buffer.size`.

use alloc::collections::BTreeMap;
use alloc::string::ToString;
use alloc::vec::Vec;

use super::error::LogError;
use super::events::LogEvent;
use super::storage::{SegmentStorage, StorageError};
use super::PartitionLog;
use crate::record_batch::{BatchAttributes, BatchHeader, RecordBatch};

/// Key → offset of its latest record in the cleanable range (Kafka's `OffsetMap`).
type OffsetMap = BTreeMap<Vec<u8>, i64>;

/// Counts for one cleaned segment group.
#[derive(Default)]
struct CleanStats {
    records_before: u64,
    records_after: u64,
    tombstones_removed: u64,
}

/// One segment (or a group of adjacent ones) after cleaning, not yet written.
#[derive(Default)]
struct CleanedSegment {
    bytes: Vec<u8>,
    headers: Vec<BatchHeader>,
    stats: CleanStats,
    /// Whether any batch was dropped or rewritten.
    changed: bool,
}

impl CleanedSegment {
    /// Appends the next segment's cleaned batches: a merge, so the group has changed.
    fn absorb(&mut self, next: CleanedSegment) {
        self.bytes.extend_from_slice(&next.bytes);
        self.headers.extend(next.headers);
        self.stats.records_before += next.stats.records_before;
        self.stats.records_after += next.stats.records_after;
        self.stats.tombstones_removed += next.stats.tombstones_removed;
        self.changed = true;
    }
}

/// What cleaning did to one batch.
enum Cleaned {
    /// Nothing removed, horizon as it was: the stored bytes are kept as they are.
    Unchanged,
    /// No record survived.
    Dropped,
    /// Re-encoded with the survivors.
    Rewritten(Vec<u8>),
}

/// A storage failure, or bytes in storage that no longer decode, as the error a housekeeping event
/// carries.
fn as_storage_error(error: LogError) -> StorageError {
    match error {
        LogError::Storage(error) => error,
        other => StorageError::Other { message: other.to_string() },
    }
}

impl<S: SegmentStorage> PartitionLog<S> {
    /// One cleaner pass; see the module docs.
    pub(super) fn compact(&mut self, now_ms: u64, high_watermark: i64, events: &mut Vec<LogEvent>) {
        let end = self.cleanable_segment_count(now_ms, high_watermark);
        if end == 0 {
            return;
        }
        // `end` excludes the active segment, so segment `end` exists.
        let first_uncleanable_offset = self.segments[end].base_offset;
        let now_ts = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let dirty = self.cleaner_checkpoint < first_uncleanable_offset;
        if !dirty && !self.has_expired_horizon(end, now_ts) {
            return;
        }
        let result =
            self.build_offset_map(end).and_then(|latest| self.clean_range(end, &latest, now_ts, events));
        match result {
            Ok(()) => self.cleaner_checkpoint = first_uncleanable_offset,
            Err((base_offset, error)) => {
                events.push(LogEvent::HousekeepingFailed { base_offset, error });
            }
        }
    }

    /// How many of the oldest segments may be cleaned: not the active one, each wholly below the high
    /// watermark, and none at or after the first segment younger than `min.compaction.lag.ms`.
    fn cleanable_segment_count(&self, now_ms: u64, high_watermark: i64) -> usize {
        let lag_ms = self.config.min_compaction_lag_ms;
        let last = self.segments.len() - 1;
        self.segments[..last]
            .iter()
            .take_while(|segment| {
                let too_young = lag_ms > 0
                    && i128::from(segment.max_timestamp_ms()) > i128::from(now_ms) - i128::from(lag_ms);
                segment.next_offset <= high_watermark && !too_young
            })
            .count()
    }

    /// Whether a cleaned batch in the first `end` segments holds tombstones whose horizon has passed.
    fn has_expired_horizon(&self, end: usize, now_ts: i64) -> bool {
        self.segments[..end].iter().any(|segment| {
            segment.batches().iter().any(|entry| {
                entry.header.attributes.has_delete_horizon && now_ts >= entry.header.base_timestamp_ms
            })
        })
    }

    /// Key → latest offset over the first `end` segments.
    fn build_offset_map(&self, end: usize) -> Result<OffsetMap, (i64, StorageError)> {
        let mut latest = OffsetMap::new();
        for index in 0..end {
            let segment = &self.segments[index];
            for batch_index in 0..segment.batches().len() {
                let batch = self
                    .read_batch(index, batch_index)
                    .map_err(|error| (segment.base_offset, as_storage_error(error)))?;
                let base_offset = batch.base_offset;
                for record in batch.records {
                    if let Some(key) = record.key {
                        latest.insert(key, base_offset.wrapping_add(i64::from(record.offset_delta)));
                    }
                }
            }
        }
        Ok(latest)
    }

    /// Cleans the first `end` segments, oldest first, folding each cleaned segment into the group
    /// before it while the group's cleaned bytes fit in `segment.bytes` and its offsets span at most
    /// `i32::MAX` (Kafka's `groupSegmentsBySize`, whose index holds 32-bit relative offsets). Kafka
    /// groups by size before cleaning; grouping by cleaned size lets an emptied segment fold into its
    /// neighbour in the same pass.
    fn clean_range(
        &mut self,
        end: usize,
        latest: &OffsetMap,
        now_ts: i64,
        events: &mut Vec<LogEvent>,
    ) -> Result<(), (i64, StorageError)> {
        let max_bytes = self.config.segment_bytes as usize;
        let (mut index, mut end) = (0, end);
        let mut group: Option<(usize, CleanedSegment)> = None;
        while index < end {
            let cleaned = self.clean_segment(index, latest, now_ts)?;
            if let Some((first, open)) = &mut group {
                let span = self.segments[index].next_offset - 1 - self.segments[*first].base_offset;
                if open.bytes.len() + cleaned.bytes.len() <= max_bytes && span <= i64::from(i32::MAX) {
                    open.absorb(cleaned);
                    index += 1;
                    continue;
                }
            }
            if let Some((first, open)) = group.take() {
                let merged = self.write_group(first, index, open, events)?;
                index -= merged;
                end -= merged;
            }
            group = Some((index, cleaned));
            index += 1;
        }
        if let Some((first, open)) = group {
            self.write_group(first, index, open, events)?;
        }
        Ok(())
    }

    /// Segment `index`'s batches after cleaning.
    fn clean_segment(
        &self,
        index: usize,
        latest: &OffsetMap,
        now_ts: i64,
    ) -> Result<CleanedSegment, (i64, StorageError)> {
        let segment = &self.segments[index];
        let fail = |error: LogError| (segment.base_offset, as_storage_error(error));
        let mut cleaned = CleanedSegment::default();
        for entry in segment.batches() {
            let mut raw = Vec::new();
            self.storage
                .read_into(segment.base_offset, entry.position_bytes, entry.size_bytes(), &mut raw)
                .map_err(|error| fail(error.into()))?;
            let (batch, _) = RecordBatch::decode(&raw).map_err(|error| fail(error.into()))?;
            let outcome = self
                .clean_batch(batch, latest, now_ts, &mut cleaned.stats)
                .map_err(|error| fail(error.into()))?;
            match outcome {
                Cleaned::Unchanged => {
                    cleaned.bytes.extend_from_slice(&raw);
                    cleaned.headers.push(entry.header);
                }
                Cleaned::Dropped => cleaned.changed = true,
                Cleaned::Rewritten(rewritten) => {
                    let header = BatchHeader::parse(&rewritten).map_err(|e| fail(e.into()))?;
                    cleaned.headers.push(header);
                    cleaned.bytes.extend_from_slice(&rewritten);
                    cleaned.changed = true;
                }
            }
        }
        Ok(cleaned)
    }

    /// Writes a cleaned group `first..stop` into segment `first` and drops the others; returns how many
    /// segments were merged away. Nothing changes if the write fails. A merged segment whose storage
    /// cannot be deleted is still dropped from the log (its batches now live in the group) and reported.
    fn write_group(
        &mut self,
        first: usize,
        stop: usize,
        group: CleanedSegment,
        events: &mut Vec<LogEvent>,
    ) -> Result<usize, (i64, StorageError)> {
        let merged = stop - first - 1;
        if !group.changed && merged == 0 {
            return Ok(0);
        }
        let base_offset = self.segments[first].base_offset;
        if !self.stored[first] {
            self.storage.create_segment(base_offset).map_err(|error| (base_offset, error))?;
            self.stored[first] = true;
        }
        self.storage.replace(base_offset, &group.bytes).map_err(|error| (base_offset, error))?;
        let next_offset = self.segments[stop - 1].next_offset;
        let merged_base_offsets: Vec<i64> =
            self.segments[first + 1..stop].iter().map(|s| s.base_offset).collect();
        for index in (first + 1..stop).rev() {
            if let Err(error) = self.remove_segment(index) {
                events.push(LogEvent::HousekeepingFailed {
                    base_offset: self.segments[index].base_offset,
                    error,
                });
                self.segments.remove(index);
                self.stored.remove(index);
            }
        }
        self.segments[first].rebuild(group.headers, next_offset);
        events.push(LogEvent::SegmentCompacted {
            base_offset,
            records_before: group.stats.records_before,
            records_after: group.stats.records_after,
            tombstones_removed: group.stats.tombstones_removed,
        });
        if merged > 0 {
            events.push(LogEvent::SegmentsMerged { base_offset, merged_base_offsets });
        }
        Ok(merged)
    }

    /// Filters one batch against the offset map and the tombstone horizon.
    fn clean_batch(
        &self,
        batch: RecordBatch,
        latest: &OffsetMap,
        now_ts: i64,
        stats: &mut CleanStats,
    ) -> Result<Cleaned, crate::record_batch::EncodeError> {
        let tombstones_expired = batch.attributes.has_delete_horizon && now_ts >= batch.base_timestamp_ms;
        stats.records_before += batch.records.len() as u64;
        let mut kept = Vec::with_capacity(batch.records.len());
        let mut removed_any = false;
        for record in &batch.records {
            let keep = match &record.key {
                None => false,
                Some(key) => {
                    let offset = batch.offset(record);
                    let is_latest = latest.get(key).is_none_or(|&latest| offset >= latest);
                    let expired_tombstone = record.value.is_none() && tombstones_expired;
                    if is_latest && expired_tombstone {
                        stats.tombstones_removed += 1;
                    }
                    is_latest && !expired_tombstone
                }
            };
            if keep {
                kept.push((batch.timestamp_ms(record), record.clone()));
            } else {
                removed_any = true;
            }
        }
        stats.records_after += kept.len() as u64;
        if kept.is_empty() {
            return Ok(Cleaned::Dropped);
        }
        let holds_tombstones = kept.iter().any(|(_, record)| record.value.is_none());
        let delete_horizon_ms = match (holds_tombstones, batch.attributes.has_delete_horizon) {
            (false, _) => None,
            (true, true) => Some(batch.base_timestamp_ms),
            (true, false) => Some(
                now_ts.saturating_add(i64::try_from(self.config.delete_retention_ms).unwrap_or(i64::MAX)),
            ),
        };
        if !removed_any && delete_horizon_ms.is_some() == batch.attributes.has_delete_horizon {
            return Ok(Cleaned::Unchanged);
        }
        // KIP-534: with a horizon, baseTimestamp holds it and record timestamps are deltas from it.
        let base_timestamp_ms = delete_horizon_ms.unwrap_or(kept[0].0);
        let records = kept
            .into_iter()
            .map(|(timestamp_ms, mut record)| {
                record.timestamp_delta_ms = timestamp_ms.wrapping_sub(base_timestamp_ms);
                record
            })
            .collect();
        let cleaned = RecordBatch {
            attributes: BatchAttributes {
                has_delete_horizon: delete_horizon_ms.is_some(),
                ..batch.attributes
            },
            base_timestamp_ms,
            records,
            ..batch
        };
        Ok(Cleaned::Rewritten(cleaned.encode()?))
    }
}

#[cfg(test)]
#[path = "compaction_tests.rs"]
mod tests;

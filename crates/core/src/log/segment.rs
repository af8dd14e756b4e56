//! One segment's metadata and its indexes; the bytes live in [`super::SegmentStorage`].
//!
//! Kafka keeps, beside each `.log` file, a sparse offset index (`.index`: offset → position) and a
//! time index (`.timeindex`: timestamp → offset, an entry whenever the segment's max timestamp grows).
//! Here the offset index is dense — one entry per batch, holding the parsed header — because the log
//! also has to list every batch ([`super::PartitionLog::batches`]); the time index is Kafka's: an entry
//! only where the running max timestamp increases, so a lookup is a binary search on both.

use alloc::vec::Vec;

use crate::record_batch::BatchHeader;

/// Kafka's `RecordBatch.NO_TIMESTAMP`: the max timestamp of a segment without batches.
pub const NO_TIMESTAMP: i64 = -1;

/// A segment as the log reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SegmentInfo {
    /// First offset this segment may hold; names the segment.
    pub base_offset: i64,
    /// The offset after this segment's range (the next segment's base, or the log end offset).
    pub next_offset: i64,
    /// Bytes in the segment.
    pub size_bytes: u64,
    /// Batches in the segment.
    pub batch_count: u32,
    /// Records in the segment.
    pub record_count: u64,
    /// When the segment was created.
    pub created_ms: u64,
    /// Largest batch max timestamp in the segment, or -1 when empty.
    pub max_timestamp_ms: i64,
    /// Whether this is the active segment (the one appends go to).
    pub is_active: bool,
}

/// A batch as the log reports it: its header, and the segment holding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchInfo {
    /// Base offset of the segment holding the batch.
    pub segment_base_offset: i64,
    /// The batch's header as stored (offsets assigned, leader epoch stamped).
    pub header: BatchHeader,
}

/// Offset-index entry: where a batch starts in its segment, and its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BatchEntry {
    /// Byte position of the batch in the segment.
    pub position_bytes: u64,
    /// The stored header.
    pub header: BatchHeader,
}

impl BatchEntry {
    /// The batch's size on storage.
    pub fn size_bytes(&self) -> u64 {
        self.header.size_bytes() as u64
    }
}

/// Time-index entry: from batch `batch_index` on, the segment's max timestamp is `timestamp_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TimeIndexEntry {
    timestamp_ms: i64,
    batch_index: usize,
}

/// The log's bookkeeping for one segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// First offset this segment may hold.
    pub base_offset: i64,
    /// The offset after this segment's range. Compaction can leave it past the last batch.
    pub next_offset: i64,
    /// When the segment was created.
    pub created_ms: u64,
    /// When the first batch was appended; `segment.ms` counts from here.
    pub first_append_ms: Option<u64>,
    size_bytes: u64,
    record_count: u64,
    batches: Vec<BatchEntry>,
    time_index: Vec<TimeIndexEntry>,
}

impl Segment {
    /// An empty segment starting at `base_offset`.
    pub fn new(base_offset: i64, now_ms: u64) -> Self {
        Segment {
            base_offset,
            next_offset: base_offset,
            created_ms: now_ms,
            first_append_ms: None,
            size_bytes: 0,
            record_count: 0,
            batches: Vec::new(),
            time_index: Vec::new(),
        }
    }

    /// Records a batch just written at the end of the segment.
    pub fn push(&mut self, header: BatchHeader, now_ms: u64) {
        if self.first_append_ms.is_none() {
            self.first_append_ms = Some(now_ms);
        }
        let entry = BatchEntry { position_bytes: self.size_bytes, header };
        if header.max_timestamp_ms > self.max_timestamp_ms() {
            self.time_index.push(TimeIndexEntry {
                timestamp_ms: header.max_timestamp_ms,
                batch_index: self.batches.len(),
            });
        }
        self.size_bytes += entry.size_bytes();
        self.record_count += u64::try_from(header.record_count).unwrap_or(0);
        self.next_offset = self.next_offset.max(header.next_offset());
        self.batches.push(entry);
    }

    /// Bytes in the segment.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Whether no batch has been written.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// The offset index, oldest batch first.
    pub fn batches(&self) -> &[BatchEntry] {
        &self.batches
    }

    /// Largest batch max timestamp, or [`NO_TIMESTAMP`].
    pub fn max_timestamp_ms(&self) -> i64 {
        self.time_index.last().map_or(NO_TIMESTAMP, |entry| entry.timestamp_ms)
    }

    /// Index of the first batch whose last offset is `>= offset` (the batch holding `offset`, or the
    /// next one when compaction removed it); `batches().len()` when there is none.
    pub fn batch_index_for_offset(&self, offset: i64) -> usize {
        self.batches.partition_point(|entry| entry.header.last_offset() < offset)
    }

    /// Index of the first batch whose max timestamp is `>= timestamp_ms`, via the time index.
    pub fn batch_index_for_timestamp(&self, timestamp_ms: i64) -> Option<usize> {
        // Entries mark where the running max grows, so the first entry reaching the target names the
        // first batch whose own max timestamp reaches it.
        let i = self.time_index.partition_point(|entry| entry.timestamp_ms < timestamp_ms);
        self.time_index.get(i).map(|entry| entry.batch_index)
    }

    /// Index of the first batch holding the segment's max timestamp (the last time-index entry).
    pub fn batch_index_of_max_timestamp(&self) -> Option<usize> {
        self.time_index.last().map(|entry| entry.batch_index)
    }

    /// Byte range `(position, len)` covering batches `first..end`.
    pub fn byte_range(&self, first: usize, end: usize) -> (u64, u64) {
        let start = self.batches.get(first).map_or(self.size_bytes, |e| e.position_bytes);
        let stop = self.batches.get(end).map_or(self.size_bytes, |e| e.position_bytes);
        (start, stop.saturating_sub(start))
    }

    /// Replaces the batches (after compaction or truncation), keeping identity and times.
    pub fn rebuild(&mut self, headers: Vec<BatchHeader>, next_offset: i64) {
        // Rebuilding is not an append: the first push records the original first-append time.
        let first_append_ms = self.first_append_ms.unwrap_or(self.created_ms);
        let mut fresh = Segment::new(self.base_offset, self.created_ms);
        for header in headers {
            fresh.push(header, first_append_ms);
        }
        fresh.next_offset = next_offset;
        *self = fresh;
    }

    /// The segment as reported to callers.
    pub fn info(&self, is_active: bool) -> SegmentInfo {
        SegmentInfo {
            base_offset: self.base_offset,
            next_offset: self.next_offset,
            size_bytes: self.size_bytes,
            batch_count: u32::try_from(self.batches.len()).unwrap_or(u32::MAX),
            record_count: self.record_count,
            created_ms: self.created_ms,
            max_timestamp_ms: self.max_timestamp_ms(),
            is_active,
        }
    }
}

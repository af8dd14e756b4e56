//! What the log reports back: results of `append`/`read`/`offset_for_timestamp` and the events of
//! housekeeping, as values the driver shows or acts on.

use alloc::vec::Vec;

use super::storage::StorageError;

/// Why a new active segment was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RollReason {
    /// The next batch would make the active segment larger than `segment.bytes`.
    SegmentBytes,
    /// The active segment's first append is `segment.ms` old.
    SegmentMs,
    /// Retention is about to delete every segment; Kafka rolls first so the log keeps an active segment
    /// at the log end offset.
    Retention,
}

/// Which retention rule deleted a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeleteReason {
    /// The segment's newest timestamp is older than `retention.ms`.
    RetentionMs,
    /// The log was larger than `retention.bytes` even without this segment.
    RetentionBytes,
}

/// Something the log did, reported as a value (raft-rs style) for the driver to show or act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// A new active segment starts at `base_offset`.
    SegmentRolled {
        /// Base offset of the new active segment (the log end offset at the time).
        base_offset: i64,
        /// Why.
        reason: RollReason,
    },
    /// A whole segment was deleted by retention.
    SegmentDeleted {
        /// Its base offset.
        base_offset: i64,
        /// The offset after its last one.
        next_offset: i64,
        /// Its size.
        size_bytes: u64,
        /// Which rule deleted it.
        reason: DeleteReason,
    },
    /// The log start offset moved forward (retention deleted the segments below `to`).
    LogStartOffsetAdvanced {
        /// Old log start offset.
        from: i64,
        /// New log start offset.
        to: i64,
    },
    /// The cleaner rewrote a segment (or a group of adjacent segments merged into this one).
    SegmentCompacted {
        /// Base offset of the cleaned segment.
        base_offset: i64,
        /// Records before cleaning.
        records_before: u64,
        /// Records after cleaning.
        records_after: u64,
        /// Tombstones dropped because `delete.retention.ms` had passed.
        tombstones_removed: u64,
    },
    /// The cleaner merged adjacent small segments into one, as Kafka's cleaner groups segments up to
    /// `segment.bytes`.
    SegmentsMerged {
        /// Base offset of the resulting segment (the first of the group).
        base_offset: i64,
        /// Base offsets of the segments folded into it (they no longer exist).
        merged_base_offsets: Vec<i64>,
    },
    /// Housekeeping on a segment failed in storage; the log skipped that step and is still consistent.
    HousekeepingFailed {
        /// The segment concerned.
        base_offset: i64,
        /// The storage's error.
        error: StorageError,
    },
}

/// The result of a successful append (Kafka's `LogAppendInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendInfo {
    /// Offset assigned to the first record.
    pub base_offset: i64,
    /// Offset assigned to the last record.
    pub last_offset: i64,
    /// Records appended.
    pub record_count: u32,
    /// Bytes appended (the whole batch).
    pub size_bytes: usize,
    /// The broker time stamped on the batch when `message.timestamp.type=LogAppendTime`.
    pub log_append_time_ms: Option<i64>,
    /// What happened on the way, e.g. a roll.
    pub events: Vec<LogEvent>,
}

/// The result of a read (a fetch of one partition).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadResult {
    /// Whole batches, concatenated as stored.
    pub bytes: Vec<u8>,
    /// How many batches `bytes` holds.
    pub batch_count: usize,
    /// The log start offset when read.
    pub log_start_offset: i64,
    /// The log end offset when read.
    pub log_end_offset: i64,
}

/// An answer to ListOffsets by timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimestampOffset {
    /// The offset found.
    pub offset: i64,
    /// The timestamp of the record at `offset` (-1 for the special earliest/latest queries).
    pub timestamp_ms: i64,
}

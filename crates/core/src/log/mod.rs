//! A Kafka partition log: batches stored as encoded v2 bytes in segments, as Kafka stores them.
//!
//! Sans-IO like the rest of the crate: every operation that needs the time takes `now_ms`, and
//! housekeeping ([`PartitionLog::tick`]) returns what it did as [`LogEvent`] values.
//!
//! ## Map
//! - [`config`] — topic configs by Kafka's names (`segment.bytes`, `retention.ms`, `cleanup.policy`, …).
//! - [`storage`] — the [`SegmentStorage`] trait the bytes live behind; [`memory`] — [`MemoryStorage`].
//! - [`segment`] — one segment's metadata: the offset index and the time index.
//! - `validate` — what a produced batch must satisfy (`MESSAGE_TOO_LARGE`, `CORRUPT_MESSAGE`, …).
//! - `append` — offset assignment, leader epoch, `LogAppendTime`, rolling.
//! - `read` — fetch by offset (KIP-74) and ListOffsets by timestamp (KIP-79).
//! - `retention` — `tick`: roll by `segment.ms`, delete by `retention.ms` / `retention.bytes`.
//! - `compaction` — the log cleaner (`cleanup.policy=compact`, KIP-534 tombstone horizons).
//! - `truncate` — `truncate_to`, for replication (KIP-101).
//! - `follower` — `append_as_follower`: copy the leader's batches keeping their offsets and epochs.
//! - [`error`], [`events`] — what comes back.

pub mod config;
pub mod error;
pub mod events;
pub mod memory;
pub mod segment;
pub mod storage;

mod append;
mod compaction;
mod follower;
mod read;
mod retention;
mod truncate;
mod validate;

use alloc::vec::Vec;

pub use config::{CleanupPolicy, ConfigError, LogConfig};
pub use error::LogError;
pub use events::{AppendInfo, DeleteReason, LogEvent, ReadResult, RollReason, TimestampOffset};
pub use memory::MemoryStorage;
pub use read::{EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP};
pub use segment::{BatchInfo, SegmentInfo};
pub use storage::{SegmentStorage, StorageError};
pub use validate::AppendOrigin;

use segment::Segment;

/// One partition's log: segments of record batches over a [`SegmentStorage`].
#[derive(Clone, Debug)]
pub struct PartitionLog<S: SegmentStorage = MemoryStorage> {
    config: LogConfig,
    storage: S,
    /// Oldest first; never empty; the last one is the active segment.
    segments: Vec<Segment>,
    /// Which segments exist in `storage` (created lazily, at their first append). Same length as
    /// `segments`.
    stored: Vec<bool>,
    /// First offset a reader may ask for.
    log_start_offset: i64,
    /// The log cleaner's checkpoint: offsets below it have been cleaned.
    cleaner_checkpoint: i64,
}

impl PartitionLog<MemoryStorage> {
    /// An empty log in memory (1 GiB limit), starting at offset 0.
    pub fn new(config: LogConfig, now_ms: u64) -> Self {
        Self::with_storage(config, MemoryStorage::new(), now_ms)
    }
}

impl<S: SegmentStorage> PartitionLog<S> {
    /// An empty log over `storage`, starting at offset 0. Storage is touched only at the first append.
    pub fn with_storage(config: LogConfig, storage: S, now_ms: u64) -> Self {
        PartitionLog {
            config,
            storage,
            segments: alloc::vec![Segment::new(0, now_ms)],
            stored: alloc::vec![false],
            log_start_offset: 0,
            cleaner_checkpoint: 0,
        }
    }

    /// The configs in force.
    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// Changes the configs; they apply from the next append or tick, as Kafka applies an
    /// `AlterConfigs` to an existing log.
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    /// The storage holding the segments.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// First offset a reader may fetch.
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// The offset the next appended record gets.
    pub fn log_end_offset(&self) -> i64 {
        self.active().next_offset
    }

    /// Bytes over all segments.
    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(Segment::size_bytes).sum()
    }

    /// The segments, oldest first; the last is the active one.
    pub fn segments(&self) -> impl Iterator<Item = SegmentInfo> + '_ {
        let active = self.segments.len() - 1;
        self.segments.iter().enumerate().map(move |(i, segment)| segment.info(i == active))
    }

    /// Every batch's header, oldest first, with the segment holding it (`.rev()` for newest first).
    pub fn batches(&self) -> impl DoubleEndedIterator<Item = BatchInfo> + '_ {
        self.segments.iter().flat_map(|segment| {
            segment.batches().iter().map(move |entry| BatchInfo {
                segment_base_offset: segment.base_offset,
                header: entry.header,
            })
        })
    }

    fn active(&self) -> &Segment {
        // `segments` is never empty: every path that removes segments leaves or creates an active one.
        &self.segments[self.segments.len() - 1]
    }

    fn active_mut(&mut self) -> &mut Segment {
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    /// Starts a new, empty active segment at the log end offset.
    fn roll(&mut self, now_ms: u64) -> i64 {
        let base_offset = self.log_end_offset();
        self.segments.push(Segment::new(base_offset, now_ms));
        self.stored.push(false);
        base_offset
    }

    /// Removes segment `index` from storage (if it was ever stored) and from the metadata.
    fn remove_segment(&mut self, index: usize) -> Result<Segment, StorageError> {
        if self.stored[index] {
            self.storage.delete_segment(self.segments[index].base_offset)?;
        }
        self.stored.remove(index);
        Ok(self.segments.remove(index))
    }

    /// Checks the structural invariants (debug builds, after every mutation).
    fn debug_check_invariants(&self) {
        debug_assert!(!self.segments.is_empty(), "the log always has an active segment");
        debug_assert_eq!(self.segments.len(), self.stored.len());
        debug_assert!(self.log_start_offset <= self.log_end_offset());
        for pair in self.segments.windows(2) {
            debug_assert!(pair[0].next_offset <= pair[1].base_offset, "segments overlap");
            debug_assert!(pair[0].base_offset < pair[1].base_offset, "segments out of order");
        }
        for segment in &self.segments {
            for pair in segment.batches().windows(2) {
                debug_assert!(pair[0].header.next_offset() <= pair[1].header.base_offset);
            }
        }
    }
}

#[cfg(test)]
mod test_support;

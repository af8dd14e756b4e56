//! Where segment bytes live: a small trait, so the broker can put segments in files while the core, the
//! simulator and the playground keep them in memory ([`super::MemoryStorage`]).
//!
//! A segment is named by its base offset, as Kafka names `00000000000000000000.log`. The log keeps all
//! metadata (offset and time indexes) itself; storage only holds bytes. Every operation on a segment
//! is all-or-nothing: on error the segment is as it was.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::ErrorCode;

/// Byte storage for the segments of one partition log.
pub trait SegmentStorage {
    /// Creates an empty segment. Fails if one with this base offset exists.
    fn create_segment(&mut self, base_offset: i64) -> Result<(), StorageError>;

    /// Appends `bytes` at the end of the segment.
    fn append(&mut self, base_offset: i64, bytes: &[u8]) -> Result<(), StorageError>;

    /// Appends `len_bytes` bytes of the segment, starting at `position_bytes`, to `out`.
    fn read_into(
        &self,
        base_offset: i64,
        position_bytes: u64,
        len_bytes: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), StorageError>;

    /// Shortens the segment to its first `size_bytes` bytes.
    fn truncate(&mut self, base_offset: i64, size_bytes: u64) -> Result<(), StorageError>;

    /// Replaces the segment's whole content (compaction writes a cleaned copy, then swaps it in, as
    /// Kafka's cleaner swaps `.cleaned` for `.log`).
    fn replace(&mut self, base_offset: i64, bytes: &[u8]) -> Result<(), StorageError>;

    /// Deletes the segment.
    fn delete_segment(&mut self, base_offset: i64) -> Result<(), StorageError>;
}

/// Why a storage operation failed. Every variant is Kafka's `KAFKA_STORAGE_ERROR`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StorageError {
    /// The storage's byte limit would be exceeded.
    Full {
        /// Bytes the operation would add.
        requested_bytes: u64,
        /// Bytes in use before the operation.
        used_bytes: u64,
        /// The storage's limit.
        capacity_bytes: u64,
    },
    /// No segment has this base offset.
    UnknownSegment {
        /// The base offset asked for.
        base_offset: i64,
    },
    /// A segment with this base offset already exists.
    SegmentExists {
        /// The base offset asked for.
        base_offset: i64,
    },
    /// A read or truncation reaches past the end of the segment.
    OutOfBounds {
        /// The segment.
        base_offset: i64,
        /// Where the range ends.
        end_bytes: u64,
        /// The segment's size.
        size_bytes: u64,
    },
    /// Any other failure of a storage implementation (an I/O error on disk, say).
    Other {
        /// What went wrong.
        message: String,
    },
}

impl StorageError {
    /// `KAFKA_STORAGE_ERROR`, as Kafka answers when a log directory fails.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::KafkaStorageError
    }
}

impl core::error::Error for StorageError {}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Full { requested_bytes, used_bytes, capacity_bytes } => write!(
                f,
                "storage full: {requested_bytes} more bytes would exceed the capacity of \
                 {capacity_bytes} bytes ({used_bytes} in use)"
            ),
            StorageError::UnknownSegment { base_offset } => {
                write!(f, "no segment with base offset {base_offset}")
            }
            StorageError::SegmentExists { base_offset } => {
                write!(f, "a segment with base offset {base_offset} already exists")
            }
            StorageError::OutOfBounds { base_offset, end_bytes, size_bytes } => {
                write!(f, "byte {end_bytes} is past the end of segment {base_offset} ({size_bytes} bytes)")
            }
            StorageError::Other { message } => write!(f, "storage error: {message}"),
        }
    }
}

//! [`LogError`]: why an append, read or truncation was refused, with the numbers that decided it.

use core::fmt;

use super::storage::StorageError;
use crate::error::ErrorCode;
use crate::record_batch::{DecodeError, EncodeError};

/// Why the log refused an operation. A refused operation leaves the log unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogError {
    /// The batch's bytes do not decode (bad CRC, truncated, unknown codec, …).
    Decode(DecodeError),
    /// Re-encoding a batch (truncation inside a batch) failed.
    Encode(EncodeError),
    /// More bytes follow the batch; a v2 produce request carries exactly one batch per partition.
    MoreThanOneBatch {
        /// Size of the first batch.
        batch_bytes: u64,
        /// Bytes given.
        size_bytes: usize,
    },
    /// The batch is not message format v2.
    UnsupportedMagic {
        /// The batch's magic byte.
        magic: i8,
    },
    /// A client's batch must carry baseOffset 0; the leader assigns offsets.
    NonZeroBaseOffset {
        /// The batch's baseOffset.
        base_offset: i64,
    },
    /// The batch is larger than `max.message.bytes` (`MESSAGE_TOO_LARGE`).
    MessageTooLarge {
        /// Batch size.
        size_bytes: u64,
        /// `max.message.bytes`.
        max_message_bytes: u32,
    },
    /// The batch is larger than `segment.bytes`, so no segment could hold it (`RECORD_LIST_TOO_LARGE`).
    RecordListTooLarge {
        /// Batch size.
        size_bytes: u64,
        /// `segment.bytes`.
        segment_bytes: u32,
    },
    /// `recordCount` is not positive.
    InvalidRecordCount {
        /// The batch's `recordCount`.
        record_count: i32,
    },
    /// `lastOffsetDelta + 1` differs from `recordCount`.
    InconsistentOffsetRange {
        /// The batch's `lastOffsetDelta`.
        last_offset_delta: i32,
        /// The batch's `recordCount`.
        record_count: i32,
    },
    /// A record's offset delta is not its position in the batch.
    NonContiguousOffsets {
        /// Position of the record in the batch.
        index: usize,
        /// Its `offsetDelta`.
        offset_delta: i32,
    },
    /// Clients may not write control batches (transaction markers).
    ControlBatchFromClient,
    /// An idempotent batch (producerId set) without a sequence number.
    InvalidSequence {
        /// The batch's producerId.
        producer_id: i64,
        /// The batch's baseSequence.
        base_sequence: i32,
    },
    /// A compacted topic cannot accept a record without a key.
    NullKeyInCompactedTopic {
        /// Offset delta of the record inside its batch.
        offset_delta: i32,
    },
    /// Offsets would pass `i64::MAX`.
    OffsetOverflow {
        /// The log end offset.
        log_end_offset: i64,
        /// The batch's `lastOffsetDelta`.
        last_offset_delta: i32,
    },
    /// The offset is outside `[log_start_offset, log_end_offset]`.
    OffsetOutOfRange {
        /// The offset asked for.
        offset: i64,
        /// First offset in the log.
        log_start_offset: i64,
        /// Offset the next record will get.
        log_end_offset: i64,
    },
    /// Segment storage failed.
    Storage(StorageError),
    /// A follower was handed a batch that does not start at or after its log end offset (Kafka's
    /// `UnexpectedAppendOffsetException`): the fetch response and the log disagree.
    UnexpectedAppendOffset {
        /// The batch's base offset.
        base_offset: i64,
        /// The follower's log end offset.
        log_end_offset: i64,
    },
}

impl LogError {
    /// The Kafka error a client sees for this refusal.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            LogError::Decode(error) => error.error_code(),
            LogError::Encode(error) => error.error_code(),
            LogError::MessageTooLarge { .. } => ErrorCode::MessageTooLarge,
            LogError::RecordListTooLarge { .. } => ErrorCode::RecordListTooLarge,
            LogError::MoreThanOneBatch { .. }
            | LogError::UnsupportedMagic { .. }
            | LogError::NonZeroBaseOffset { .. }
            | LogError::InvalidRecordCount { .. }
            | LogError::InconsistentOffsetRange { .. }
            | LogError::NonContiguousOffsets { .. }
            | LogError::ControlBatchFromClient
            | LogError::InvalidSequence { .. }
            | LogError::NullKeyInCompactedTopic { .. }
            | LogError::OffsetOverflow { .. } => ErrorCode::InvalidRecord,
            LogError::OffsetOutOfRange { .. } => ErrorCode::OffsetOutOfRange,
            LogError::Storage(error) => error.error_code(),
            LogError::UnexpectedAppendOffset { .. } => ErrorCode::UnknownServerError,
        }
    }
}

impl From<DecodeError> for LogError {
    fn from(error: DecodeError) -> Self {
        LogError::Decode(error)
    }
}

impl From<EncodeError> for LogError {
    fn from(error: EncodeError) -> Self {
        LogError::Encode(error)
    }
}

impl From<StorageError> for LogError {
    fn from(error: StorageError) -> Self {
        LogError::Storage(error)
    }
}

impl core::error::Error for LogError {}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::Decode(error) => write!(f, "corrupt batch: {error}"),
            LogError::Encode(error) => write!(f, "cannot re-encode batch: {error}"),
            LogError::MoreThanOneBatch { batch_bytes, size_bytes } => write!(
                f,
                "{size_bytes} bytes given but the batch is {batch_bytes}: a produce request must \
                 carry exactly one batch per partition"
            ),
            LogError::UnsupportedMagic { magic } => {
                write!(f, "batch has magic {magic}; only record batch format v2 is accepted")
            }
            LogError::NonZeroBaseOffset { base_offset } => {
                write!(f, "the baseOffset of a produced batch should be 0, but it is {base_offset}")
            }
            LogError::MessageTooLarge { size_bytes, max_message_bytes } => {
                write!(f, "batch of {size_bytes} bytes exceeds max.message.bytes={max_message_bytes}")
            }
            LogError::RecordListTooLarge { size_bytes, segment_bytes } => {
                write!(f, "batch of {size_bytes} bytes exceeds segment.bytes={segment_bytes}")
            }
            LogError::InvalidRecordCount { record_count } => {
                write!(f, "invalid reported count for record batch: {record_count}")
            }
            LogError::InconsistentOffsetRange { last_offset_delta, record_count } => write!(
                f,
                "inconsistent batch: lastOffsetDelta {last_offset_delta} but {record_count} records"
            ),
            LogError::NonContiguousOffsets { index, offset_delta } => write!(
                f,
                "record {index} of the batch has offsetDelta {offset_delta}; produced offsets must \
                 be contiguous from 0"
            ),
            LogError::ControlBatchFromClient => {
                write!(f, "clients are not allowed to write control records")
            }
            LogError::InvalidSequence { producer_id, base_sequence } => {
                write!(f, "invalid sequence number {base_sequence} in batch with producerId {producer_id}")
            }
            LogError::NullKeyInCompactedTopic { offset_delta } => {
                write!(f, "compacted topic cannot accept a record without a key (offsetDelta {offset_delta})")
            }
            LogError::OffsetOverflow { log_end_offset, last_offset_delta } => write!(
                f,
                "offsets overflow: log end offset {log_end_offset} + lastOffsetDelta \
                 {last_offset_delta}"
            ),
            LogError::OffsetOutOfRange { offset, log_start_offset, log_end_offset } => {
                write!(f, "offset {offset} is out of range [{log_start_offset}, {log_end_offset}]")
            }
            LogError::Storage(error) => write!(f, "{error}"),
            LogError::UnexpectedAppendOffset { base_offset, log_end_offset } => write!(
                f,
                "follower append of a batch at offset {base_offset} below the log end offset \
                 {log_end_offset}"
            ),
        }
    }
}

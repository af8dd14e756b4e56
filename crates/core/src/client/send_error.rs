//! Why `Producer::send` refused a record outright (Kafka's `send` throws these before any callback).

use core::fmt;

use crate::error::ErrorCode;
use crate::record_batch::EncodeError;
use crate::topic::TopicNameError;

/// A record `send` did not accept; no `RecordAcked`/`RecordFailed` follows for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The topic name is not legal (`InvalidTopicException`).
    InvalidTopic(TopicNameError),
    /// The record's batch is larger than `max.request.size` or `buffer.memory` (`RecordTooLargeException`).
    RecordTooLarge {
        /// The serialized batch size.
        size_bytes: u64,
        /// The limit it exceeds.
        limit_bytes: u64,
        /// Which config sets the limit.
        config: &'static str,
    },
    /// `buffer.memory` is full and [`crate::client::MAX_BLOCKED_SENDS`] sends already wait for it
    /// (`BufferExhaustedException`). Below that bound a send that does not fit waits, in order, up to
    /// `max.block.ms` and then fails with a `RecordFailed` as Kafka's blocked `send` would.
    BufferExhausted {
        /// The serialized batch size.
        size_bytes: u64,
        /// Bytes already buffered.
        used_bytes: u64,
        /// `buffer.memory`.
        buffer_memory: u64,
    },
    /// The record could not be encoded.
    Encode(EncodeError),
    /// A transactional producer outside an open transaction (Kafka's `IllegalStateException`: "Cannot
    /// call send in state READY").
    TransactionState {
        /// Kafka's name of the state.
        state: &'static str,
    },
}

impl SendError {
    /// The Kafka error code of the exception.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            SendError::InvalidTopic(e) => e.error_code(),
            SendError::RecordTooLarge { .. } => ErrorCode::MessageTooLarge,
            // BufferExhaustedException extends TimeoutException.
            SendError::BufferExhausted { .. } => ErrorCode::RequestTimedOut,
            SendError::Encode(e) => e.error_code(),
            SendError::TransactionState { .. } => ErrorCode::InvalidTxnState,
        }
    }
}

impl From<EncodeError> for SendError {
    fn from(e: EncodeError) -> Self {
        SendError::Encode(e)
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::InvalidTopic(e) => write!(f, "Invalid topic: {e}"),
            SendError::RecordTooLarge { size_bytes, limit_bytes, config } => write!(
                f,
                "The message is {size_bytes} bytes when serialized which is larger than {limit_bytes}, \
                 which is the value of the {config} configuration."
            ),
            SendError::BufferExhausted { size_bytes, used_bytes, buffer_memory } => write!(
                f,
                "Failed to allocate {size_bytes} bytes: {used_bytes} of buffer.memory={buffer_memory} \
                 are in use"
            ),
            SendError::Encode(e) => write!(f, "record could not be encoded: {e}"),
            SendError::TransactionState { state } => write!(
                f,
                "Cannot call send in state {state}: a transactional producer sends only inside \
                 beginTransaction/commitTransaction"
            ),
        }
    }
}

impl core::error::Error for SendError {}

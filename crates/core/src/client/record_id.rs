//! The `samsa.record-id` record header: how a produced record is recognised in any log.
//!
//! The driver gives every produced record a run-wide [`RecordId`]; the producer writes it as a header
//! (8 bytes, big-endian, like Java's `ByteBuffer.putLong`) so consumers, brokers' logs and the checker
//! can all name the same record without trusting offsets, which change with truncation.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::record_batch::{Header, Record};

/// Identifies one produced record across the whole run (the driver assigns it; it travels in a record
/// header so consumers and the checker can recognise the record in any log).
pub type RecordId = u64;

/// The header key that carries a record's [`RecordId`].
pub const RECORD_ID_HEADER: &str = "samsa.record-id";

/// Size of the header value: one big-endian `u64`.
pub const RECORD_ID_SIZE_BYTES: usize = 8;

/// Why a record's `samsa.record-id` header could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordIdError {
    /// The header is there but its value is null.
    NullValue,
    /// The header value is not exactly 8 bytes.
    WrongLength {
        /// The length found.
        length_bytes: usize,
    },
}

impl fmt::Display for RecordIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordIdError::NullValue => write!(f, "header {RECORD_ID_HEADER} has a null value"),
            RecordIdError::WrongLength { length_bytes } => write!(
                f,
                "header {RECORD_ID_HEADER} is {length_bytes} bytes, expected {RECORD_ID_SIZE_BYTES}"
            ),
        }
    }
}

impl core::error::Error for RecordIdError {}

/// The header a producer attaches for `record_id`.
pub fn record_id_header(record_id: RecordId) -> Header {
    Header { key: String::from(RECORD_ID_HEADER), value: Some(Vec::from(record_id.to_be_bytes())) }
}

/// The record's id: `Ok(None)` when it carries no `samsa.record-id` header (written by someone else),
/// an error when the header is malformed. The first such header counts, as Kafka's `Headers.lastHeader`
/// would differ only for records we never write.
pub fn record_id_of(record: &Record) -> Result<Option<RecordId>, RecordIdError> {
    let Some(header) = record.headers.iter().find(|h| h.key == RECORD_ID_HEADER) else {
        return Ok(None);
    };
    let value = header.value.as_deref().ok_or(RecordIdError::NullValue)?;
    let bytes: [u8; RECORD_ID_SIZE_BYTES] =
        value.try_into().map_err(|_| RecordIdError::WrongLength { length_bytes: value.len() })?;
    Ok(Some(RecordId::from_be_bytes(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn record_with(headers: Vec<Header>) -> Record {
        Record { headers, ..Record::default() }
    }

    #[test]
    fn round_trips_big_endian() {
        let header = record_id_header(0x0102_0304_0506_0708);
        assert_eq!(header.value.as_deref(), Some(&[1, 2, 3, 4, 5, 6, 7, 8][..]));
        assert_eq!(record_id_of(&record_with(vec![header])), Ok(Some(0x0102_0304_0506_0708)));
    }

    #[test]
    fn missing_and_malformed_headers_are_told_apart() {
        assert_eq!(record_id_of(&record_with(vec![])), Ok(None));
        let null = Header { key: String::from(RECORD_ID_HEADER), value: None };
        assert_eq!(record_id_of(&record_with(vec![null])), Err(RecordIdError::NullValue));
        let short = Header { key: String::from(RECORD_ID_HEADER), value: Some(vec![1, 2, 3]) };
        assert_eq!(
            record_id_of(&record_with(vec![short])),
            Err(RecordIdError::WrongLength { length_bytes: 3 })
        );
    }
}

//! Decoding v2 batches from bytes.
//!
//! Every length read from the input is checked against the bytes that remain before anything is
//! allocated for it, so hostile input costs at most a few times its own size in memory (plus the
//! decompression limit for compressed batches).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::compression::{decompress, Compression, CompressionError, DEFAULT_MAX_DECOMPRESSED_SIZE_BYTES};
use super::header::{verify_crc, BatchHeader};
use super::varint::{decode_varint, decode_varlong, VarintError};
use super::{Header, Record, RecordBatch, BATCH_HEADER_SIZE_BYTES};
use crate::error::ErrorCode;

/// Smallest encoded record: length, attributes, timestamp delta, offset delta, key length, value length
/// and header count, one byte each. Bounds how many records a section can hold.
const MIN_RECORD_SIZE_BYTES: usize = 7;
/// Smallest encoded header: key length and value length, one byte each.
const MIN_HEADER_SIZE_BYTES: usize = 2;

/// What is wrong with bytes that do not decode as a v2 batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ends before the named part does.
    Truncated {
        /// The part being read (`"batch"`, `"record key"`, …).
        context: &'static str,
        /// Bytes the part needs, counted from the start of the enclosing structure.
        needed_bytes: usize,
        /// Bytes that were there.
        had_bytes: usize,
    },
    /// `magic` is not 2: message formats v0 and v1 (and anything else) are not read.
    UnknownMagic {
        /// The byte found.
        magic: i8,
    },
    /// The stored CRC32C does not match the bytes.
    BadCrc {
        /// The CRC stored in the header.
        stored: u32,
        /// The CRC computed over `attributes` .. end of batch.
        computed: u32,
    },
    /// `batchLength` is smaller than the 49 bytes of header it must cover.
    BatchLengthOutOfRange {
        /// The value found.
        batch_length: i32,
    },
    /// Attribute bits 0-2 hold 5, 6 or 7, which name no codec.
    UnknownCompression {
        /// The codec id found.
        id: u8,
    },
    /// A varint field is malformed.
    BadVarint {
        /// The field being read.
        field: &'static str,
        /// What is wrong with it.
        error: VarintError,
    },
    /// `recordCount` is negative (Kafka: "Found invalid record count").
    NegativeRecordCount {
        /// The value found.
        record_count: i32,
    },
    /// The records section holds fewer records than `recordCount` says.
    RecordCountMismatch {
        /// `recordCount` from the header.
        declared: i32,
        /// Records found before the section ended.
        found: usize,
    },
    /// Bytes are left in the records section after `recordCount` records (Kafka: "Incorrect declared
    /// batch size, records still remaining").
    RecordsSectionLengthMismatch {
        /// `recordCount` from the header.
        declared: i32,
        /// Bytes left over.
        trailing_bytes: usize,
    },
    /// A length field is negative where Kafka never writes one: below -1, or -1 where null is not allowed.
    InvalidLength {
        /// The field.
        field: &'static str,
        /// The value found.
        length: i32,
    },
    /// A record's fields do not fill exactly its declared length (Kafka: "Invalid record size").
    RecordLengthMismatch {
        /// The record's `length` field.
        declared_bytes: usize,
        /// Bytes its fields used.
        used_bytes: usize,
    },
    /// A header key is not UTF-8.
    InvalidHeaderKey {
        /// Length of the valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The records section cannot be decompressed.
    Compression(CompressionError),
}

impl DecodeError {
    pub(crate) fn truncated(context: &'static str, needed_bytes: usize, had_bytes: usize) -> DecodeError {
        DecodeError::Truncated { context, needed_bytes, had_bytes }
    }

    /// The Kafka error a broker answers with: `UNSUPPORTED_COMPRESSION_TYPE` for a codec this build
    /// lacks, `CORRUPT_MESSAGE` for everything else.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            DecodeError::Compression(CompressionError::Unsupported(_)) => {
                ErrorCode::UnsupportedCompressionType
            }
            _ => ErrorCode::CorruptMessage,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { context, needed_bytes, had_bytes } => {
                write!(f, "truncated {context}: needed {needed_bytes} bytes, had {had_bytes}")
            }
            DecodeError::UnknownMagic { magic } => {
                write!(f, "unknown magic {magic}: only record batch format v2 is supported")
            }
            DecodeError::BadCrc { stored, computed } => {
                write!(f, "record batch CRC mismatch: stored {stored:#010x}, computed {computed:#010x}")
            }
            DecodeError::BatchLengthOutOfRange { batch_length } => write!(
                f,
                "batch length {batch_length} is out of range: it must be at least {}",
                super::header::MIN_BATCH_LENGTH
            ),
            DecodeError::UnknownCompression { id } => write!(f, "unknown compression type id {id}"),
            DecodeError::BadVarint { field, error } => write!(f, "bad varint in {field}: {error}"),
            DecodeError::NegativeRecordCount { record_count } => {
                write!(f, "invalid record count {record_count}: it must not be negative")
            }
            DecodeError::RecordCountMismatch { declared, found } => {
                write!(f, "the batch declares {declared} records but its records section holds {found}")
            }
            DecodeError::RecordsSectionLengthMismatch { declared, trailing_bytes } => write!(
                f,
                "{trailing_bytes} bytes remain in the records section after the {declared} declared records"
            ),
            DecodeError::InvalidLength { field, length } => write!(f, "invalid {field} length {length}"),
            DecodeError::RecordLengthMismatch { declared_bytes, used_bytes } => {
                write!(f, "record declares {declared_bytes} bytes but its fields use {used_bytes}")
            }
            DecodeError::InvalidHeaderKey { valid_up_to } => {
                write!(f, "record header key is not valid UTF-8 (valid up to byte {valid_up_to})")
            }
            DecodeError::Compression(error) => write!(f, "{error}"),
        }
    }
}

impl core::error::Error for DecodeError {}

impl From<CompressionError> for DecodeError {
    fn from(error: CompressionError) -> Self {
        DecodeError::Compression(error)
    }
}

/// A cursor over one structure (the records section, or one record) that reads Kafka's field types.
struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, position: 0 }
    }

    fn remaining(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    fn varint(&mut self, field: &'static str) -> Result<i32, DecodeError> {
        let (value, used) =
            decode_varint(self.remaining()).map_err(|error| DecodeError::BadVarint { field, error })?;
        self.position += used;
        Ok(value)
    }

    fn varlong(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        let (value, used) =
            decode_varlong(self.remaining()).map_err(|error| DecodeError::BadVarint { field, error })?;
        self.position += used;
        Ok(value)
    }

    fn take(&mut self, len: usize, context: &'static str) -> Result<&'a [u8], DecodeError> {
        let remaining = self.remaining();
        let Some(taken) = remaining.get(..len) else {
            return Err(DecodeError::truncated(context, self.position.saturating_add(len), self.bytes.len()));
        };
        self.position += len;
        Ok(taken)
    }

    /// A length that must not be negative (record length, header key length, header count).
    fn length(&mut self, field: &'static str) -> Result<usize, DecodeError> {
        let length = self.varint(field)?;
        usize::try_from(length).map_err(|_| DecodeError::InvalidLength { field, length })
    }

    /// A varint length then that many bytes; length -1 is null. Kafka reads any negative length as
    /// null, but never writes one other than -1, so anything below -1 is reported as corrupt.
    fn nullable_bytes(&mut self, field: &'static str) -> Result<Option<Vec<u8>>, DecodeError> {
        let length = self.varint(field)?;
        if length == -1 {
            return Ok(None);
        }
        let len = usize::try_from(length).map_err(|_| DecodeError::InvalidLength { field, length })?;
        Ok(Some(self.take(len, field)?.to_vec()))
    }
}

impl RecordBatch {
    /// Decodes the batch at the start of `bytes`; returns it and the bytes it used. Verifies magic, lengths, CRC.
    ///
    /// A compressed records section may expand to at most [`DEFAULT_MAX_DECOMPRESSED_SIZE_BYTES`].
    pub fn decode(bytes: &[u8]) -> Result<(RecordBatch, usize), DecodeError> {
        Self::decode_with_limit(bytes, DEFAULT_MAX_DECOMPRESSED_SIZE_BYTES)
    }

    /// As [`RecordBatch::decode`], with the caller's limit on the decompressed records section.
    pub fn decode_with_limit(
        bytes: &[u8],
        max_decompressed_size_bytes: usize,
    ) -> Result<(RecordBatch, usize), DecodeError> {
        verify_crc(bytes)?;
        let header = BatchHeader::parse(bytes)?;
        if header.record_count < 0 {
            return Err(DecodeError::NegativeRecordCount { record_count: header.record_count });
        }
        let size_bytes = header.size_bytes();
        let section = bytes.get(BATCH_HEADER_SIZE_BYTES..size_bytes).unwrap_or_default();
        // An empty batch (compaction keeps one to remember a producer's state, KIP-98) has no records
        // section even when its attributes name a codec; Kafka does not look at the section then.
        let records = if header.record_count == 0 {
            Vec::new()
        } else if header.attributes.compression == Compression::None {
            decode_records(section, header.record_count)?
        } else {
            let plain = decompress(header.attributes.compression, section, max_decompressed_size_bytes)?;
            decode_records(&plain, header.record_count)?
        };
        let batch = RecordBatch {
            base_offset: header.base_offset,
            partition_leader_epoch: header.partition_leader_epoch,
            attributes: header.attributes,
            last_offset_delta: header.last_offset_delta,
            base_timestamp_ms: header.base_timestamp_ms,
            max_timestamp_ms: header.max_timestamp_ms,
            producer_id: header.producer_id,
            producer_epoch: header.producer_epoch,
            base_sequence: header.base_sequence,
            records,
        };
        Ok((batch, size_bytes))
    }
}

/// Decodes exactly `declared` records filling all of `section` (uncompressed).
fn decode_records(section: &[u8], declared: i32) -> Result<Vec<Record>, DecodeError> {
    let mut reader = Reader::new(section);
    // A non-negative i32 always fits in usize on the 32- and 64-bit targets we build for.
    let count = usize::try_from(declared).unwrap_or(usize::MAX);
    let mut records = Vec::with_capacity(count.min(section.len() / MIN_RECORD_SIZE_BYTES));
    for found in 0..count {
        if reader.remaining().is_empty() {
            return Err(DecodeError::RecordCountMismatch { declared, found });
        }
        records.push(decode_record(&mut reader)?);
    }
    let trailing_bytes = reader.remaining().len();
    if trailing_bytes != 0 {
        return Err(DecodeError::RecordsSectionLengthMismatch { declared, trailing_bytes });
    }
    Ok(records)
}

/// Decodes one length-prefixed record from `section`.
fn decode_record(section: &mut Reader<'_>) -> Result<Record, DecodeError> {
    let declared_bytes = section.length("record")?;
    let mut body = Reader::new(section.take(declared_bytes, "record")?);
    let attributes = match body.take(1, "record attributes")? {
        // The attribute byte is an int8.
        [byte] => *byte as i8,
        _ => 0,
    };
    let timestamp_delta_ms = body.varlong("record timestamp delta")?;
    let offset_delta = body.varint("record offset delta")?;
    let key = body.nullable_bytes("record key")?;
    let value = body.nullable_bytes("record value")?;
    let header_count = body.length("record header count")?;
    let mut headers = Vec::with_capacity(header_count.min(body.remaining().len() / MIN_HEADER_SIZE_BYTES));
    for _ in 0..header_count {
        let key_len = body.length("record header key")?;
        let key_bytes = body.take(key_len, "record header key")?;
        let key = core::str::from_utf8(key_bytes)
            .map_err(|error| DecodeError::InvalidHeaderKey { valid_up_to: error.valid_up_to() })?;
        let value = body.nullable_bytes("record header value")?;
        headers.push(Header { key: String::from(key), value });
    }
    if body.position != declared_bytes {
        return Err(DecodeError::RecordLengthMismatch { declared_bytes, used_bytes: body.position });
    }
    Ok(Record { attributes, timestamp_delta_ms, offset_delta, key, value, headers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record_batch::header::{ATTRIBUTES_OFFSET, CRC_OFFSET, RECORD_COUNT_OFFSET};
    use crate::record_batch::{crc::crc32c, NewRecord};
    use alloc::vec;

    fn batch_bytes() -> Vec<u8> {
        let records = vec![
            NewRecord {
                key: Some(b"k".to_vec()),
                value: Some(b"v1".to_vec()),
                headers: vec![Header { key: String::from("h"), value: None }],
                timestamp_ms: 10,
            },
            NewRecord { key: None, value: None, headers: vec![], timestamp_ms: 12 },
        ];
        RecordBatch::from_new_records(records, Compression::None).unwrap().encode().unwrap()
    }

    /// Replaces the records section (and fixes length, count and CRC) so one malformed record can be tested.
    fn with_section(section: &[u8], record_count: i32) -> Vec<u8> {
        let mut bytes = batch_bytes()[..BATCH_HEADER_SIZE_BYTES].to_vec();
        bytes[RECORD_COUNT_OFFSET..].copy_from_slice(&record_count.to_be_bytes());
        bytes.extend_from_slice(section);
        let batch_length = (bytes.len() - 12) as i32;
        bytes[8..12].copy_from_slice(&batch_length.to_be_bytes());
        let crc = crc32c(&bytes[ATTRIBUTES_OFFSET..]);
        bytes[CRC_OFFSET..ATTRIBUTES_OFFSET].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn decodes_what_encode_wrote() {
        let bytes = batch_bytes();
        let (batch, used) = RecordBatch::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(batch.records.len(), 2);
        assert_eq!(batch.records[0].headers[0].key, "h");
        assert_eq!(batch.records[1].timestamp_delta_ms, 2);
        assert_eq!(batch.encode().unwrap(), bytes);
    }

    #[test]
    fn minimal_record_decodes() {
        // length 6, attributes 0, ts delta 0, offset delta 0, key null, value null, 0 headers.
        let section = [0x0c, 0, 0, 0, 0x01, 0x01, 0];
        let (batch, _) = RecordBatch::decode(&with_section(&section, 1)).unwrap();
        assert_eq!(batch.records, vec![Record::default()]);
    }

    #[test]
    fn count_and_section_mismatches_are_named() {
        let one = [0x0c, 0, 0, 0, 0x01, 0x01, 0];
        assert_eq!(
            RecordBatch::decode(&with_section(&one, 2)),
            Err(DecodeError::RecordCountMismatch { declared: 2, found: 1 })
        );
        let mut two = one.to_vec();
        two.extend_from_slice(&[9, 9]);
        assert_eq!(
            RecordBatch::decode(&with_section(&two, 1)),
            Err(DecodeError::RecordsSectionLengthMismatch { declared: 1, trailing_bytes: 2 })
        );
        assert_eq!(
            RecordBatch::decode(&with_section(&one, -1)),
            Err(DecodeError::NegativeRecordCount { record_count: -1 })
        );
    }

    #[test]
    fn record_level_errors_are_named() {
        // Record length says 7 but its fields use 6.
        let long = [0x0e, 0, 0, 0, 0x01, 0x01, 0, 0];
        assert_eq!(
            RecordBatch::decode(&with_section(&long, 1)),
            Err(DecodeError::RecordLengthMismatch { declared_bytes: 7, used_bytes: 6 })
        );
        // Key length -2.
        let negative_key = [0x0c, 0, 0, 0, 0x03, 0x01, 0];
        assert_eq!(
            RecordBatch::decode(&with_section(&negative_key, 1)),
            Err(DecodeError::InvalidLength { field: "record key", length: -2 })
        );
        // Key length 100 in a 6-byte record.
        let huge_key = [0x0c, 0, 0, 0, 0xc8, 0x01, 0];
        assert!(matches!(
            RecordBatch::decode(&with_section(&huge_key, 1)),
            Err(DecodeError::Truncated { context: "record key", .. })
        ));
        // Header key 0xff is not UTF-8.
        let bad_key = [0x12, 0, 0, 0, 0x01, 0x01, 0x02, 0x02, 0xff, 0x01];
        assert_eq!(
            RecordBatch::decode(&with_section(&bad_key, 1)),
            Err(DecodeError::InvalidHeaderKey { valid_up_to: 0 })
        );
        // Over-long varint as the timestamp delta.
        let mut bad_varint = vec![0x18, 0];
        bad_varint.extend_from_slice(&[0x80; 11]);
        assert!(matches!(
            RecordBatch::decode(&with_section(&bad_varint, 1)),
            Err(DecodeError::BadVarint { field: "record timestamp delta", .. })
        ));
    }

    #[test]
    fn huge_declared_counts_do_not_allocate_up_front() {
        // recordCount i32::MAX with a 7-byte section: must fail fast, not reserve 2^31 records.
        let one = [0x0c, 0, 0, 0, 0x01, 0x01, 0];
        assert_eq!(
            RecordBatch::decode(&with_section(&one, i32::MAX)),
            Err(DecodeError::RecordCountMismatch { declared: i32::MAX, found: 1 })
        );
    }

    #[test]
    fn error_codes_are_kafkas() {
        assert_eq!(DecodeError::UnknownMagic { magic: 1 }.error_code(), ErrorCode::CorruptMessage);
        assert_eq!(
            DecodeError::Compression(CompressionError::Unsupported(Compression::Zstd)).error_code(),
            ErrorCode::UnsupportedCompressionType
        );
    }

    #[test]
    fn messages_name_the_problem() {
        let text = alloc::format!("{}", DecodeError::truncated("batch", 64, 60));
        assert_eq!(text, "truncated batch: needed 64 bytes, had 60");
        let text = alloc::format!("{}", DecodeError::BadCrc { stored: 1, computed: 2 });
        assert_eq!(text, "record batch CRC mismatch: stored 0x00000001, computed 0x00000002");
    }
}

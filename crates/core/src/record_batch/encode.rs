//! Encoding v2 batches to bytes.
//!
//! Sizes are computed before anything is written (as Kafka's `DefaultRecord.sizeInBytes`), so each
//! record's length prefix is written once and an uncompressed batch goes straight into the caller's
//! buffer; only the 61-byte header is filled in afterwards, when `batchLength` and the CRC are known.

use alloc::vec::Vec;
use core::fmt;

use super::compression::{compress, Compression, CompressionError};
use super::crc::crc32c;
use super::header::{BatchHeader, ATTRIBUTES_OFFSET, CRC_OFFSET, LOG_OVERHEAD_BYTES};
use super::varint::{encode_varint, encode_varlong, varint_size, varlong_size};
use super::{Header, Record, RecordBatch, BATCH_HEADER_SIZE_BYTES, MAGIC_V2};
use crate::error::ErrorCode;

/// Why a batch cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// A producer batch needs at least one record (Kafka's `LogValidator`: "Invalid reported count").
    EmptyBatch,
    /// More records than `recordCount` (an int32) can count.
    TooManyRecords {
        /// Records given.
        count: usize,
    },
    /// A length does not fit the int32/varint the format stores it in.
    LengthOverflow {
        /// The field (`"batch"`, `"record"`, `"record key"`, …).
        field: &'static str,
        /// Its size.
        size_bytes: usize,
    },
    /// The records section cannot be compressed.
    Compression(CompressionError),
}

impl EncodeError {
    /// The Kafka error a producer would see for this batch.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            EncodeError::EmptyBatch => ErrorCode::InvalidRecord,
            EncodeError::TooManyRecords { .. } | EncodeError::LengthOverflow { .. } => {
                ErrorCode::MessageTooLarge
            }
            EncodeError::Compression(CompressionError::Unsupported(_)) => {
                ErrorCode::UnsupportedCompressionType
            }
            EncodeError::Compression(_) => ErrorCode::CorruptMessage,
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::EmptyBatch => write!(f, "a record batch needs at least one record"),
            EncodeError::TooManyRecords { count } => {
                write!(f, "{count} records do not fit in one batch (at most {})", i32::MAX)
            }
            EncodeError::LengthOverflow { field, size_bytes } => write!(
                f,
                "{field} of {size_bytes} bytes is too large: lengths are limited to {} bytes",
                i32::MAX
            ),
            EncodeError::Compression(error) => write!(f, "{error}"),
        }
    }
}

impl core::error::Error for EncodeError {}

impl From<CompressionError> for EncodeError {
    fn from(error: CompressionError) -> Self {
        EncodeError::Compression(error)
    }
}

/// `size` as the int32 the format stores, or `LengthOverflow` naming `field`.
fn length_i32(field: &'static str, size_bytes: usize) -> Result<i32, EncodeError> {
    i32::try_from(size_bytes).map_err(|_| EncodeError::LengthOverflow { field, size_bytes })
}

/// Adds sizes, reporting overflow (possible on 32-bit targets) against `field`.
fn add(field: &'static str, a: usize, b: usize) -> Result<usize, EncodeError> {
    a.checked_add(b).ok_or(EncodeError::LengthOverflow { field, size_bytes: usize::MAX })
}

/// Encoded size of a varint length and then the bytes; null is length -1.
fn nullable_size(field: &'static str, bytes: Option<&[u8]>) -> Result<usize, EncodeError> {
    match bytes {
        None => Ok(varint_size(-1)),
        Some(bytes) => add(field, varint_size(length_i32(field, bytes.len())?), bytes.len()),
    }
}

fn header_size(header: &Header) -> Result<usize, EncodeError> {
    let key = add(
        "record header key",
        varint_size(length_i32("record header key", header.key.len())?),
        header.key.len(),
    )?;
    add("record header", key, nullable_size("record header value", header.value.as_deref())?)
}

/// Size of a record after its length prefix (Kafka's `sizeOfBodyInBytes`).
fn record_body_size(record: &Record) -> Result<usize, EncodeError> {
    let header_count = length_i32("record header count", record.headers.len())?;
    let mut size = 1 // attributes
        + varlong_size(record.timestamp_delta_ms)
        + varint_size(record.offset_delta)
        + varint_size(header_count);
    size = add("record", size, nullable_size("record key", record.key.as_deref())?)?;
    size = add("record", size, nullable_size("record value", record.value.as_deref())?)?;
    for header in &record.headers {
        size = add("record", size, header_size(header)?)?;
    }
    Ok(size)
}

/// Size of the uncompressed records section.
fn records_size(records: &[Record]) -> Result<usize, EncodeError> {
    records.iter().try_fold(0usize, |total, record| {
        let body = record_body_size(record)?;
        let with_prefix = add("record", varint_size(length_i32("record", body)?), body)?;
        add("records section", total, with_prefix)
    })
}

fn write_nullable(bytes: Option<&[u8]>, out: &mut Vec<u8>) {
    match bytes {
        None => encode_varint(-1, out),
        Some(bytes) => {
            // Lengths were checked by record_body_size before anything was written.
            encode_varint(bytes.len() as i32, out);
            out.extend_from_slice(bytes);
        }
    }
}

fn write_record(record: &Record, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let body = length_i32("record", record_body_size(record)?)?;
    encode_varint(body, out);
    out.extend_from_slice(&record.attributes.to_be_bytes());
    encode_varlong(record.timestamp_delta_ms, out);
    encode_varint(record.offset_delta, out);
    write_nullable(record.key.as_deref(), out);
    write_nullable(record.value.as_deref(), out);
    // Header count and key lengths were checked by record_body_size.
    encode_varint(record.headers.len() as i32, out);
    for header in &record.headers {
        encode_varint(header.key.len() as i32, out);
        out.extend_from_slice(header.key.as_bytes());
        write_nullable(header.value.as_deref(), out);
    }
    Ok(())
}

fn write_records(records: &[Record], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    records.iter().try_for_each(|record| write_record(record, out))
}

impl RecordBatch {
    /// The batch as bytes, exactly as Kafka writes it.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the encoded batch to `out`. On error `out` is left as it was.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let result = self.write_batch(start, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// The encoded size in bytes. Exact without encoding when uncompressed; a compressed batch is
    /// encoded to measure it.
    pub fn size_bytes(&self) -> Result<usize, EncodeError> {
        if self.attributes.compression == Compression::None || self.records.is_empty() {
            add("batch", BATCH_HEADER_SIZE_BYTES, records_size(&self.records)?)
        } else {
            Ok(self.encode()?.len())
        }
    }

    /// Offset of the last record: `base_offset + last_offset_delta`.
    pub fn last_offset(&self) -> i64 {
        self.base_offset.wrapping_add(i64::from(self.last_offset_delta))
    }

    fn write_batch(&self, start: usize, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let record_count = i32::try_from(self.records.len())
            .map_err(|_| EncodeError::TooManyRecords { count: self.records.len() })?;
        let codec = self.attributes.compression;
        let plain_size = records_size(&self.records)?;
        out.reserve(BATCH_HEADER_SIZE_BYTES.saturating_add(plain_size));
        out.extend_from_slice(&[0; BATCH_HEADER_SIZE_BYTES]);
        // An empty batch has no records section at all, whatever its codec: that is what Kafka's
        // `MemoryRecords.writeEmptyHeader` writes when compaction empties a batch (KIP-98).
        if !self.records.is_empty() {
            if codec == Compression::None {
                write_records(&self.records, out)?;
            } else if codec.is_supported() {
                let mut plain = Vec::with_capacity(plain_size);
                write_records(&self.records, &mut plain)?;
                compress(codec, &plain, out)?;
            } else {
                return Err(CompressionError::Unsupported(codec).into());
            }
        }
        let batch_length = length_i32("batch", out.len() - start - LOG_OVERHEAD_BYTES)?;
        let header = BatchHeader {
            base_offset: self.base_offset,
            batch_length,
            partition_leader_epoch: self.partition_leader_epoch,
            magic: MAGIC_V2,
            crc: 0,
            attributes: self.attributes,
            last_offset_delta: self.last_offset_delta,
            base_timestamp_ms: self.base_timestamp_ms,
            max_timestamp_ms: self.max_timestamp_ms,
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence: self.base_sequence,
            record_count,
        };
        let batch = &mut out[start..];
        batch[..BATCH_HEADER_SIZE_BYTES].copy_from_slice(&header.to_bytes());
        let crc = crc32c(&batch[ATTRIBUTES_OFFSET..]);
        batch[CRC_OFFSET..ATTRIBUTES_OFFSET].copy_from_slice(&crc.to_be_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record_batch::{header::verify_crc, BatchAttributes, NewRecord};
    use alloc::string::String;
    use alloc::vec;

    fn new_record(key: &[u8], value: &[u8], timestamp_ms: i64) -> NewRecord {
        NewRecord { key: Some(key.to_vec()), value: Some(value.to_vec()), headers: vec![], timestamp_ms }
    }

    #[test]
    fn single_record_layout_is_kafkas() {
        let batch =
            RecordBatch::from_new_records(vec![new_record(b"k", b"v", 5)], Compression::None).unwrap();
        let bytes = batch.encode().unwrap();
        // Record: length 8 (zig-zag 0x10), attributes, ts delta 0, offset delta 0, key len 1 (0x02), 'k',
        // value len 1, 'v', 0 headers.
        assert_eq!(bytes[61..], [0x10, 0, 0, 0, 0x02, b'k', 0x02, b'v', 0]);
        assert_eq!(bytes.len(), batch.size_bytes().unwrap());
        assert_eq!(i32::from_be_bytes(bytes[8..12].try_into().unwrap()), 49 + 9);
        verify_crc(&bytes).unwrap();
    }

    #[test]
    fn encode_into_appends_and_leaves_out_alone_on_error() {
        let batch =
            RecordBatch::from_new_records(vec![new_record(b"a", b"b", 1)], Compression::None).unwrap();
        let mut out = vec![0xaa; 3];
        batch.encode_into(&mut out).unwrap();
        assert_eq!(out[..3], [0xaa; 3]);
        assert_eq!(out[3..], batch.encode().unwrap());

        let mut gzip = batch.clone();
        gzip.attributes.compression = Compression::Gzip;
        let before = out.clone();
        assert_eq!(
            gzip.encode_into(&mut out),
            Err(EncodeError::Compression(CompressionError::Unsupported(Compression::Gzip)))
        );
        assert_eq!(out, before);
        assert_eq!(gzip.encode().unwrap_err().error_code(), ErrorCode::UnsupportedCompressionType);
    }

    #[test]
    fn empty_batch_has_no_records_section_even_when_compressed() {
        let batch = RecordBatch {
            attributes: BatchAttributes { compression: Compression::Zstd, ..BatchAttributes::default() },
            ..RecordBatch::default()
        };
        let bytes = batch.encode().unwrap();
        assert_eq!(bytes.len(), BATCH_HEADER_SIZE_BYTES);
        assert_eq!(RecordBatch::decode(&bytes).unwrap(), (batch, BATCH_HEADER_SIZE_BYTES));
    }

    #[test]
    fn sizes_count_headers_and_nulls() {
        let record = Record {
            key: None,
            value: Some(vec![0; 200]),
            headers: vec![Header { key: String::from("trace"), value: Some(vec![1, 2]) }],
            ..Record::default()
        };
        // attributes 1, ts 1, offset 1, null key 1, value 2 + 200, count 1, header 1 + 5 + 1 + 2.
        assert_eq!(record_body_size(&record).unwrap(), 216);
        let mut out = Vec::new();
        write_record(&record, &mut out).unwrap();
        assert_eq!(out.len(), varint_size(216) + 216);
    }

    #[test]
    fn error_codes_are_kafkas() {
        assert_eq!(EncodeError::EmptyBatch.error_code(), ErrorCode::InvalidRecord);
        let overflow = EncodeError::LengthOverflow { field: "batch", size_bytes: 1 << 31 };
        assert_eq!(overflow.error_code(), ErrorCode::MessageTooLarge);
        assert_eq!(
            alloc::format!("{overflow}"),
            "batch of 2147483648 bytes is too large: lengths are limited to 2147483647 bytes"
        );
    }
}

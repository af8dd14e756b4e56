//! The fixed 61-byte batch header: parse and validate it, verify the CRC, and patch the fields a broker
//! rewrites, all without decoding (or decompressing) the records.
//!
//! A leader assigns `baseOffset` and stamps `partitionLeaderEpoch` on every appended batch; both sit
//! before the CRC'd region so this costs two stores, not a re-checksum (KIP-98, "Message format").

use super::compression::Compression;
use super::crc::crc32c;
use super::decode::DecodeError;
use super::{BatchAttributes, TimestampType, BATCH_HEADER_SIZE_BYTES, MAGIC_V2};

/// Byte offset of `baseOffset`.
pub const BASE_OFFSET_OFFSET: usize = 0;
/// Byte offset of `batchLength`.
pub const BATCH_LENGTH_OFFSET: usize = 8;
/// Bytes before the part `batchLength` counts (`baseOffset` + `batchLength`): Kafka's `LOG_OVERHEAD`.
pub const LOG_OVERHEAD_BYTES: usize = 12;
/// Byte offset of `partitionLeaderEpoch`.
pub const PARTITION_LEADER_EPOCH_OFFSET: usize = 12;
/// Byte offset of `magic`.
pub const MAGIC_OFFSET: usize = 16;
/// Byte offset of `crc`.
pub const CRC_OFFSET: usize = 17;
/// Byte offset of `attributes`, where the CRC'd region starts.
pub const ATTRIBUTES_OFFSET: usize = 21;
/// Byte offset of `lastOffsetDelta`.
pub const LAST_OFFSET_DELTA_OFFSET: usize = 23;
/// Byte offset of `baseTimestamp`.
pub const BASE_TIMESTAMP_OFFSET: usize = 27;
/// Byte offset of `maxTimestamp`.
pub const MAX_TIMESTAMP_OFFSET: usize = 35;
/// Byte offset of `producerId`.
pub const PRODUCER_ID_OFFSET: usize = 43;
/// Byte offset of `producerEpoch`.
pub const PRODUCER_EPOCH_OFFSET: usize = 51;
/// Byte offset of `baseSequence`.
pub const BASE_SEQUENCE_OFFSET: usize = 53;
/// Byte offset of `recordCount`.
pub const RECORD_COUNT_OFFSET: usize = 57;
/// Smallest legal `batchLength`: the header after the length field, with no records.
pub const MIN_BATCH_LENGTH: i32 = (BATCH_HEADER_SIZE_BYTES - LOG_OVERHEAD_BYTES) as i32;

const COMPRESSION_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_BIT: i16 = 1 << 3;
const TRANSACTIONAL_BIT: i16 = 1 << 4;
const CONTROL_BIT: i16 = 1 << 5;
const DELETE_HORIZON_BIT: i16 = 1 << 6;

impl BatchAttributes {
    /// The `attributes` int16 as written on the wire.
    pub fn to_bits(self) -> i16 {
        let mut bits = i16::from(self.compression.id());
        if self.timestamp_type == TimestampType::LogAppendTime {
            bits |= TIMESTAMP_TYPE_BIT;
        }
        if self.is_transactional {
            bits |= TRANSACTIONAL_BIT;
        }
        if self.is_control {
            bits |= CONTROL_BIT;
        }
        if self.has_delete_horizon {
            bits |= DELETE_HORIZON_BIT;
        }
        bits
    }

    /// Decodes the `attributes` int16. Bits 7-15 are unused and ignored, as Kafka ignores them; an
    /// unknown codec id (5-7) is an error.
    pub fn from_bits(bits: i16) -> Result<BatchAttributes, DecodeError> {
        // The mask keeps the value in 0..=7.
        let compression = Compression::from_id((bits & COMPRESSION_MASK) as u8)?;
        let timestamp_type = if bits & TIMESTAMP_TYPE_BIT != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        };
        Ok(BatchAttributes {
            compression,
            timestamp_type,
            is_transactional: bits & TRANSACTIONAL_BIT != 0,
            is_control: bits & CONTROL_BIT != 0,
            has_delete_horizon: bits & DELETE_HORIZON_BIT != 0,
        })
    }
}

/// The fixed part of a v2 batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Bytes after this field: `size_bytes() - 12`.
    pub batch_length: i32,
    /// Epoch of the leader that appended the batch (KIP-101), or -1.
    pub partition_leader_epoch: i32,
    /// Message format version; always [`MAGIC_V2`] once parsed.
    pub magic: i8,
    /// The stored CRC32C of `attributes` through the end of the batch.
    pub crc: u32,
    /// Decoded `attributes`.
    pub attributes: BatchAttributes,
    /// `lastOffset - baseOffset`.
    pub last_offset_delta: i32,
    /// `firstTimestamp`, or the delete horizon when `attributes.has_delete_horizon`.
    pub base_timestamp_ms: i64,
    /// Largest timestamp in the batch, or the append time for `LogAppendTime`.
    pub max_timestamp_ms: i64,
    /// Producer id, or -1.
    pub producer_id: i64,
    /// Producer epoch, or -1.
    pub producer_epoch: i16,
    /// Sequence of the first record, or -1.
    pub base_sequence: i32,
    /// Number of records as stored (decode checks it against the records section).
    pub record_count: i32,
}

/// Reads `N` big-endian bytes at a constant position of the fixed header.
fn field<const N: usize>(header: &[u8; BATCH_HEADER_SIZE_BYTES], at: usize) -> [u8; N] {
    core::array::from_fn(|i| header[at + i])
}

impl BatchHeader {
    /// Parses the fixed 61-byte header at the start of `bytes` WITHOUT checking the CRC; checks magic == 2,
    /// batch_length >= 49 (the header after the length field), and that `bytes` holds the whole batch.
    ///
    /// The checks run in the order Kafka's `ByteBufferLogInputStream.nextBatch` runs them, so a log
    /// reader can tell a batch cut short at the tail (`Truncated`) from garbage (anything else).
    pub fn parse(bytes: &[u8]) -> Result<BatchHeader, DecodeError> {
        let (batch_length, magic) = check_frame(bytes)?;
        let Some(header) = bytes.first_chunk::<BATCH_HEADER_SIZE_BYTES>() else {
            // Unreachable: check_frame saw at least 61 bytes. Kept as an error rather than a panic.
            return Err(DecodeError::truncated("batch header", BATCH_HEADER_SIZE_BYTES, bytes.len()));
        };
        Ok(BatchHeader {
            base_offset: i64::from_be_bytes(field(header, BASE_OFFSET_OFFSET)),
            batch_length,
            partition_leader_epoch: i32::from_be_bytes(field(header, PARTITION_LEADER_EPOCH_OFFSET)),
            magic,
            crc: u32::from_be_bytes(field(header, CRC_OFFSET)),
            attributes: BatchAttributes::from_bits(i16::from_be_bytes(field(header, ATTRIBUTES_OFFSET)))?,
            last_offset_delta: i32::from_be_bytes(field(header, LAST_OFFSET_DELTA_OFFSET)),
            base_timestamp_ms: i64::from_be_bytes(field(header, BASE_TIMESTAMP_OFFSET)),
            max_timestamp_ms: i64::from_be_bytes(field(header, MAX_TIMESTAMP_OFFSET)),
            producer_id: i64::from_be_bytes(field(header, PRODUCER_ID_OFFSET)),
            producer_epoch: i16::from_be_bytes(field(header, PRODUCER_EPOCH_OFFSET)),
            base_sequence: i32::from_be_bytes(field(header, BASE_SEQUENCE_OFFSET)),
            record_count: i32::from_be_bytes(field(header, RECORD_COUNT_OFFSET)),
        })
    }

    /// The header's 61 bytes as written, with `crc` and `batch_length` exactly as stored in `self`.
    pub fn to_bytes(&self) -> [u8; BATCH_HEADER_SIZE_BYTES] {
        let mut out = [0u8; BATCH_HEADER_SIZE_BYTES];
        let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
        put(BASE_OFFSET_OFFSET, &self.base_offset.to_be_bytes());
        put(BATCH_LENGTH_OFFSET, &self.batch_length.to_be_bytes());
        put(PARTITION_LEADER_EPOCH_OFFSET, &self.partition_leader_epoch.to_be_bytes());
        put(MAGIC_OFFSET, &self.magic.to_be_bytes());
        put(CRC_OFFSET, &self.crc.to_be_bytes());
        put(ATTRIBUTES_OFFSET, &self.attributes.to_bits().to_be_bytes());
        put(LAST_OFFSET_DELTA_OFFSET, &self.last_offset_delta.to_be_bytes());
        put(BASE_TIMESTAMP_OFFSET, &self.base_timestamp_ms.to_be_bytes());
        put(MAX_TIMESTAMP_OFFSET, &self.max_timestamp_ms.to_be_bytes());
        put(PRODUCER_ID_OFFSET, &self.producer_id.to_be_bytes());
        put(PRODUCER_EPOCH_OFFSET, &self.producer_epoch.to_be_bytes());
        put(BASE_SEQUENCE_OFFSET, &self.base_sequence.to_be_bytes());
        put(RECORD_COUNT_OFFSET, &self.record_count.to_be_bytes());
        out
    }

    /// The whole batch on the wire: `12 + batch_length`.
    pub fn size_bytes(&self) -> usize {
        // A negative length (only possible in a hand-built header) counts as none.
        LOG_OVERHEAD_BYTES + usize::try_from(self.batch_length).unwrap_or(0)
    }

    /// Size of the (possibly compressed) records section after the 61-byte header.
    pub fn records_size_bytes(&self) -> usize {
        self.size_bytes().saturating_sub(BATCH_HEADER_SIZE_BYTES)
    }

    /// Offset of the last record: `base_offset + last_offset_delta`.
    pub fn last_offset(&self) -> i64 {
        self.base_offset.wrapping_add(i64::from(self.last_offset_delta))
    }

    /// The offset after this batch: `last_offset + 1`.
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }
}

/// The checks of [`BatchHeader::parse`] that do not read the CRC'd fields: `batchLength` in range,
/// magic 2, whole batch present. Returns `(batch_length, magic)`.
fn check_frame(bytes: &[u8]) -> Result<(i32, i8), DecodeError> {
    let batch_length = match bytes.get(BATCH_LENGTH_OFFSET..LOG_OVERHEAD_BYTES) {
        Some(&[a, b, c, d]) => i32::from_be_bytes([a, b, c, d]),
        _ => return Err(DecodeError::truncated("batch length", LOG_OVERHEAD_BYTES, bytes.len())),
    };
    if batch_length < MIN_BATCH_LENGTH {
        return Err(DecodeError::BatchLengthOutOfRange { batch_length });
    }
    let magic = match bytes.get(MAGIC_OFFSET) {
        // The magic byte is an int8 on the wire.
        Some(&byte) => byte as i8,
        None => return Err(DecodeError::truncated("magic", MAGIC_OFFSET + 1, bytes.len())),
    };
    if magic != MAGIC_V2 {
        return Err(DecodeError::UnknownMagic { magic });
    }
    // batch_length >= 49 here, so the cast is lossless and the sum cannot overflow even on 32 bits.
    let size_bytes = LOG_OVERHEAD_BYTES + batch_length as usize;
    if bytes.len() < size_bytes {
        return Err(DecodeError::truncated("batch", size_bytes, bytes.len()));
    }
    Ok((batch_length, magic))
}

/// CRC32C over `attributes` .. end of the batch at the start of `batch`.
fn computed_crc(batch: &[u8], batch_length: i32) -> u32 {
    // check_frame() checked that `batch` holds the whole batch, and batch_length >= 49.
    crc32c(&batch[ATTRIBUTES_OFFSET..LOG_OVERHEAD_BYTES + batch_length as usize])
}

/// Checks the batch at the start of `batch`: length, magic and presence as [`BatchHeader::parse`], then
/// the CRC32C over `attributes` through the end of the batch. The CRC'd fields (such as the codec id) are
/// only read after the CRC matched, so damage to them is reported as the CRC mismatch it is.
pub fn verify_crc(batch: &[u8]) -> Result<(), DecodeError> {
    let (batch_length, _) = check_frame(batch)?;
    let stored = match batch.get(CRC_OFFSET..ATTRIBUTES_OFFSET) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => return Err(DecodeError::truncated("batch header", BATCH_HEADER_SIZE_BYTES, batch.len())),
    };
    let computed = computed_crc(batch, batch_length);
    if computed != stored {
        return Err(DecodeError::BadCrc { stored, computed });
    }
    Ok(())
}

/// Sets `baseOffset` of the batch at the start of `batch`. It lies outside the CRC, so the CRC stays valid.
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) -> Result<(), DecodeError> {
    BatchHeader::parse(batch)?;
    batch[BASE_OFFSET_OFFSET..BATCH_LENGTH_OFFSET].copy_from_slice(&base_offset.to_be_bytes());
    Ok(())
}

/// Sets `partitionLeaderEpoch` of the batch at the start of `batch`; outside the CRC, like the base offset.
pub fn set_partition_leader_epoch(batch: &mut [u8], epoch: i32) -> Result<(), DecodeError> {
    BatchHeader::parse(batch)?;
    batch[PARTITION_LEADER_EPOCH_OFFSET..MAGIC_OFFSET].copy_from_slice(&epoch.to_be_bytes());
    Ok(())
}

/// What a leader does for message.timestamp.type=LogAppendTime: sets attribute bit 3 and maxTimestamp to
/// `timestamp_ms`, then recomputes the CRC.
///
/// As Kafka's `DefaultRecordBatch.setMaxTimestamp`, the record timestamps are left alone: readers of a
/// `LogAppendTime` batch use `maxTimestamp` for every record. The existing CRC is verified first, so a
/// corrupt batch is reported rather than given a fresh, valid checksum.
pub fn set_log_append_time(batch: &mut [u8], timestamp_ms: i64) -> Result<(), DecodeError> {
    verify_crc(batch)?;
    let mut header = BatchHeader::parse(batch)?;
    header.attributes.timestamp_type = TimestampType::LogAppendTime;
    batch[ATTRIBUTES_OFFSET..LAST_OFFSET_DELTA_OFFSET]
        .copy_from_slice(&header.attributes.to_bits().to_be_bytes());
    batch[MAX_TIMESTAMP_OFFSET..PRODUCER_ID_OFFSET].copy_from_slice(&timestamp_ms.to_be_bytes());
    let crc = computed_crc(batch, header.batch_length);
    batch[CRC_OFFSET..ATTRIBUTES_OFFSET].copy_from_slice(&crc.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn sample_header() -> BatchHeader {
        BatchHeader {
            base_offset: 42,
            batch_length: MIN_BATCH_LENGTH + 3,
            partition_leader_epoch: 7,
            magic: MAGIC_V2,
            crc: 0,
            attributes: BatchAttributes {
                compression: Compression::Lz4,
                timestamp_type: TimestampType::CreateTime,
                is_transactional: true,
                is_control: false,
                has_delete_horizon: true,
            },
            last_offset_delta: 2,
            base_timestamp_ms: 1_700_000_000_000,
            max_timestamp_ms: 1_700_000_000_500,
            producer_id: 1234,
            producer_epoch: 5,
            base_sequence: 99,
            record_count: 3,
        }
    }

    /// A header plus three record bytes, with a correct CRC.
    fn sample_batch() -> Vec<u8> {
        let mut bytes = sample_header().to_bytes().to_vec();
        bytes.extend_from_slice(&[1, 2, 3]);
        let crc = crc32c(&bytes[ATTRIBUTES_OFFSET..]);
        bytes[CRC_OFFSET..ATTRIBUTES_OFFSET].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn attribute_bits_are_kafkas() {
        let mut attributes = BatchAttributes::default();
        assert_eq!(attributes.to_bits(), 0);
        attributes.compression = Compression::Zstd;
        attributes.timestamp_type = TimestampType::LogAppendTime;
        attributes.is_control = true;
        assert_eq!(attributes.to_bits(), 0b010_1100);
        assert_eq!(BatchAttributes::from_bits(0b010_1100), Ok(attributes));
        // Unused high bits are ignored, unknown codec ids are not.
        assert_eq!(BatchAttributes::from_bits(-0x80 | 0b010_1100), Ok(attributes));
        assert_eq!(BatchAttributes::from_bits(6), Err(DecodeError::UnknownCompression { id: 6 }));
    }

    #[test]
    fn parse_reads_back_what_to_bytes_wrote() {
        let bytes = sample_batch();
        let header = BatchHeader::parse(&bytes).unwrap();
        assert_eq!(BatchHeader { crc: 0, ..header }, sample_header());
        assert_eq!(header.size_bytes(), bytes.len());
        assert_eq!(header.records_size_bytes(), 3);
        assert_eq!(header.last_offset(), 44);
        assert_eq!(header.next_offset(), 45);
        verify_crc(&bytes).unwrap();
    }

    #[test]
    fn parse_reports_truncation_with_sizes() {
        let bytes = sample_batch();
        assert_eq!(BatchHeader::parse(&bytes[..5]), Err(DecodeError::truncated("batch length", 12, 5)));
        assert_eq!(BatchHeader::parse(&bytes[..14]), Err(DecodeError::truncated("magic", 17, 14)));
        assert_eq!(BatchHeader::parse(&bytes[..60]), Err(DecodeError::truncated("batch", 64, 60)));
        // Trailing bytes after the batch belong to the next batch and are fine.
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[9; 10]);
        assert_eq!(BatchHeader::parse(&longer).unwrap().size_bytes(), 64);
    }

    #[test]
    fn parse_rejects_bad_magic_and_short_length() {
        let mut bytes = sample_batch();
        bytes[MAGIC_OFFSET] = 1;
        assert_eq!(BatchHeader::parse(&bytes), Err(DecodeError::UnknownMagic { magic: 1 }));
        let mut bytes = sample_batch();
        bytes[BATCH_LENGTH_OFFSET..LOG_OVERHEAD_BYTES].copy_from_slice(&48i32.to_be_bytes());
        assert_eq!(BatchHeader::parse(&bytes), Err(DecodeError::BatchLengthOutOfRange { batch_length: 48 }));
        bytes[BATCH_LENGTH_OFFSET..LOG_OVERHEAD_BYTES].copy_from_slice(&i32::MIN.to_be_bytes());
        assert!(matches!(BatchHeader::parse(&bytes), Err(DecodeError::BatchLengthOutOfRange { .. })));
    }

    #[test]
    fn crc_mismatch_names_both_values() {
        let mut bytes = sample_batch();
        let stored = BatchHeader::parse(&bytes).unwrap().crc;
        bytes[62] ^= 0x10;
        match verify_crc(&bytes) {
            Err(DecodeError::BadCrc { stored: s, computed }) => {
                assert_eq!(s, stored);
                assert_eq!(computed, crc32c(&bytes[ATTRIBUTES_OFFSET..]));
            }
            other => panic!("expected BadCrc, got {other:?}"),
        }
    }

    #[test]
    fn patches_outside_the_crc_keep_it_valid() {
        let mut bytes = sample_batch();
        set_base_offset(&mut bytes, 1_000_000).unwrap();
        set_partition_leader_epoch(&mut bytes, 12).unwrap();
        verify_crc(&bytes).unwrap();
        let header = BatchHeader::parse(&bytes).unwrap();
        assert_eq!((header.base_offset, header.partition_leader_epoch), (1_000_000, 12));
        assert!(set_base_offset(&mut bytes[..20], 1).is_err());
    }

    #[test]
    fn log_append_time_sets_bit_and_max_timestamp_and_fixes_crc() {
        let mut bytes = sample_batch();
        set_log_append_time(&mut bytes, 1_800_000_000_000).unwrap();
        verify_crc(&bytes).unwrap();
        let header = BatchHeader::parse(&bytes).unwrap();
        assert_eq!(header.attributes.timestamp_type, TimestampType::LogAppendTime);
        assert_eq!(header.max_timestamp_ms, 1_800_000_000_000);
        assert_eq!(header.base_timestamp_ms, sample_header().base_timestamp_ms);
        assert_eq!(header.attributes.compression, Compression::Lz4);
        assert!(header.attributes.is_transactional && header.attributes.has_delete_horizon);
    }

    #[test]
    fn log_append_time_refuses_to_bless_a_corrupt_batch() {
        let mut bytes = sample_batch();
        bytes[63] ^= 1;
        assert!(matches!(set_log_append_time(&mut bytes, 5), Err(DecodeError::BadCrc { .. })));
    }
}

//! Property tests for record batch format v2: exact round trips, no panics on hostile bytes, CRC
//! coverage, and header patches that keep the CRC valid.
#![cfg(not(target_arch = "wasm32"))]

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use samsa_core::record_batch::crc::crc32c;
use samsa_core::record_batch::header::{
    set_base_offset, set_log_append_time, set_partition_leader_epoch, verify_crc, ATTRIBUTES_OFFSET,
    CRC_OFFSET,
};
use samsa_core::record_batch::{
    BatchAttributes, BatchHeader, Compression, DecodeError, Header, Record, RecordBatch, TimestampType,
};

fn bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max_len)
}

fn header() -> impl Strategy<Value = Header> {
    (".{0,8}", option::of(bytes(16))).prop_map(|(key, value)| Header { key, value })
}

fn record() -> impl Strategy<Value = Record> {
    (
        any::<i8>(),
        any::<i64>(),
        any::<i32>(),
        option::of(bytes(32)),
        option::of(bytes(64)),
        vec(header(), 0..3),
    )
        .prop_map(|(attributes, timestamp_delta_ms, offset_delta, key, value, headers)| Record {
            attributes,
            timestamp_delta_ms,
            offset_delta,
            key,
            value,
            headers,
        })
}

/// The codecs this build can round-trip.
fn codec() -> impl Strategy<Value = Compression> {
    if cfg!(feature = "lz4") {
        prop_oneof![Just(Compression::None), Just(Compression::Lz4)].boxed()
    } else {
        Just(Compression::None).boxed()
    }
}

fn attributes() -> impl Strategy<Value = BatchAttributes> {
    (codec(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(compression, log_append_time, is_transactional, is_control, has_delete_horizon)| BatchAttributes {
            compression,
            timestamp_type: if log_append_time {
                TimestampType::LogAppendTime
            } else {
                TimestampType::CreateTime
            },
            is_transactional,
            is_control,
            has_delete_horizon,
        },
    )
}

fn batch() -> impl Strategy<Value = RecordBatch> {
    (
        (any::<i64>(), any::<i32>(), attributes(), any::<i32>()),
        (any::<i64>(), any::<i64>(), any::<i64>(), any::<i16>(), any::<i32>()),
        vec(record(), 0..8),
    )
        .prop_map(
            |(
                (base_offset, partition_leader_epoch, attributes, last_offset_delta),
                (base_timestamp_ms, max_timestamp_ms, producer_id, producer_epoch, base_sequence),
                records,
            )| RecordBatch {
                base_offset,
                partition_leader_epoch,
                attributes,
                last_offset_delta,
                base_timestamp_ms,
                max_timestamp_ms,
                producer_id,
                producer_epoch,
                base_sequence,
                records,
            },
        )
}

/// Recomputes the CRC after a deliberate edit, so decoding gets past the checksum to the records.
fn fix_crc(bytes: &mut [u8]) {
    let crc = crc32c(&bytes[ATTRIBUTES_OFFSET..]);
    bytes[CRC_OFFSET..ATTRIBUTES_OFFSET].copy_from_slice(&crc.to_be_bytes());
}

proptest! {
    #[test]
    fn encode_then_decode_is_exact(batch in batch()) {
        let encoded = batch.encode().unwrap();
        prop_assert_eq!(batch.size_bytes().unwrap(), encoded.len());
        prop_assert_eq!(RecordBatch::decode(&encoded), Ok((batch.clone(), encoded.len())));
        let header = BatchHeader::parse(&encoded).unwrap();
        prop_assert_eq!(header.size_bytes(), encoded.len());
        prop_assert_eq!(header.last_offset(), batch.last_offset());
        prop_assert_eq!(header.attributes, batch.attributes);
        prop_assert_eq!(usize::try_from(header.record_count).unwrap(), batch.records.len());
        // Trailing bytes (the next batch) are not consumed.
        let mut longer = encoded.clone();
        longer.extend_from_slice(&[0xab; 7]);
        prop_assert_eq!(RecordBatch::decode(&longer), Ok((batch, encoded.len())));
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in bytes(200)) {
        if let Err(error) = RecordBatch::decode(&bytes) {
            prop_assert!(!error.to_string().is_empty());
            let _ = error.error_code();
        }
        let _ = BatchHeader::parse(&bytes);
        let _ = verify_crc(&bytes);
    }

    #[test]
    fn decoding_garbage_records_behind_a_valid_header_never_panics(
        batch in batch(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        count in any::<i32>(),
    ) {
        let mut bytes = batch.encode().unwrap();
        // Garble the records section (and sometimes the count) while keeping the CRC valid, so the
        // record parser and the lz4 decoder see hostile input.
        let section_len = bytes.len() - 61;
        if section_len > 0 {
            for (index, byte) in edits {
                bytes[61 + index.index(section_len)] = byte;
            }
        }
        if count % 4 == 0 {
            bytes[57..61].copy_from_slice(&count.to_be_bytes());
        }
        fix_crc(&mut bytes);
        match RecordBatch::decode(&bytes) {
            Ok((_, used)) => prop_assert_eq!(used, bytes.len()),
            Err(error) => {
                let is_crc_error = matches!(error, DecodeError::BadCrc { .. });
                prop_assert!(!is_crc_error, "the CRC was fixed, yet: {}", error);
            }
        }
    }

    #[test]
    fn every_prefix_of_a_batch_is_an_error(batch in batch(), cut in any::<prop::sample::Index>()) {
        let bytes = batch.encode().unwrap();
        let len = cut.index(bytes.len());
        prop_assert!(RecordBatch::decode(&bytes[..len]).is_err());
        let parsed = BatchHeader::parse(&bytes[..len]);
        let is_truncated = matches!(parsed, Err(DecodeError::Truncated { .. }));
        prop_assert!(is_truncated, "prefix of {} bytes: {:?}", len, parsed);
    }

    #[test]
    fn any_single_byte_change_in_the_crc_region_is_caught(
        batch in batch(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..,
    ) {
        let mut bytes = batch.encode().unwrap();
        let position = ATTRIBUTES_OFFSET + at.index(bytes.len() - ATTRIBUTES_OFFSET);
        bytes[position] ^= flip;
        let verified = verify_crc(&bytes);
        let caught = matches!(verified, Err(DecodeError::BadCrc { .. }));
        prop_assert!(caught, "change at byte {} gave {:?}", position, verified);
        // Decoding checks the CRC before reading any field it covers.
        let decoded = RecordBatch::decode(&bytes);
        let caught = matches!(decoded, Err(DecodeError::BadCrc { .. }));
        prop_assert!(caught, "change at byte {} decoded as {:?}", position, decoded);
    }

    #[test]
    fn header_patches_keep_the_crc_valid(
        batch in batch(),
        base_offset in any::<i64>(),
        epoch in any::<i32>(),
        append_time_ms in any::<i64>(),
    ) {
        let mut bytes = batch.encode().unwrap();
        set_base_offset(&mut bytes, base_offset).unwrap();
        set_partition_leader_epoch(&mut bytes, epoch).unwrap();
        verify_crc(&bytes).unwrap();
        let mut expected = RecordBatch { base_offset, partition_leader_epoch: epoch, ..batch };
        prop_assert_eq!(RecordBatch::decode(&bytes), Ok((expected.clone(), bytes.len())));

        set_log_append_time(&mut bytes, append_time_ms).unwrap();
        verify_crc(&bytes).unwrap();
        expected.attributes.timestamp_type = TimestampType::LogAppendTime;
        expected.max_timestamp_ms = append_time_ms;
        prop_assert_eq!(&RecordBatch::decode(&bytes).unwrap().0, &expected);
        // The patched bytes are what encoding the patched struct gives.
        prop_assert_eq!(expected.encode().unwrap(), bytes);
    }
}

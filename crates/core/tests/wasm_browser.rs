//! samsa-core compiled to wasm32 and run in headless Chromium (`cargo xtask test`, stage `wasm`).
//!
//! The playground runs this code in the browser, so the browser must compute exactly what native code
//! computes: the same bytes, CRCs, hashes and offsets. Each test pins a value that the native tests pin
//! too (or that comes from an authoritative source), so a wasm-only divergence fails here.
#![cfg(target_arch = "wasm32")]

use samsa_core::log::{LogConfig, LogEvent, PartitionLog};
use samsa_core::partitioner::{murmur2, to_positive, NullKeyStrategy, PartitionReason, Partitioner};
use samsa_core::record_batch::{crc, Compression, NewRecord, RecordBatch};
use samsa_core::topic::validate_topic_name;
use samsa_core::ErrorCode;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn record(key: &str, value: &str, timestamp_ms: i64) -> NewRecord {
    NewRecord {
        key: Some(key.as_bytes().to_vec()),
        value: Some(value.as_bytes().to_vec()),
        headers: Vec::new(),
        timestamp_ms,
    }
}

fn batch_bytes(records: Vec<NewRecord>, compression: Compression) -> Vec<u8> {
    RecordBatch::from_new_records(records, compression).unwrap().encode().unwrap()
}

#[wasm_bindgen_test]
fn crc32c_check_value() {
    // The CRC-32C (Castagnoli) check value for "123456789" (RFC 3720, and every CRC catalogue).
    assert_eq!(crc::crc32c(b"123456789"), 0xE306_9283);
}

#[wasm_bindgen_test]
fn murmur2_matches_kafka_java_vectors() {
    // Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    assert_eq!(murmur2(b"21"), -973_932_308);
    assert_eq!(murmur2(b"foobar"), -790_332_482);
    assert_eq!(murmur2(b"a-little-bit-long-string"), -985_981_536);
    assert_eq!(murmur2(b"a-little-bit-longer-string"), -1_486_304_829);
    assert_eq!(murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58_897_971);
    assert_eq!(murmur2(b"abc"), 479_470_107);
    assert_eq!(to_positive(i32::MIN), 0);
}

#[wasm_bindgen_test]
fn keyed_partition_is_explained() {
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    let choice = p.partition(Some(b"foobar"), 3, 0).unwrap();
    assert_eq!(choice.partition, (to_positive(-790_332_482) % 3) as u32);
    assert!(matches!(choice.reason, PartitionReason::Murmur2 { hash: -790_332_482, .. }));
}

#[wasm_bindgen_test]
fn batches_round_trip_uncompressed_and_lz4() {
    for compression in [Compression::None, Compression::Lz4] {
        let records = vec![record("k1", "hello", 1_000), record("k2", &"x".repeat(500), 1_005)];
        let bytes = batch_bytes(records, compression);
        let (batch, used) = RecordBatch::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(batch.records.len(), 2);
        assert_eq!(batch.records[1].value.as_deref(), Some("x".repeat(500).as_bytes()));
        assert_eq!(batch.max_timestamp_ms, 1_005);
        assert_eq!(batch.encode().unwrap(), bytes, "{compression:?} re-encodes to the same bytes");
    }
}

#[wasm_bindgen_test]
fn corrupt_batch_is_an_error_not_a_panic() {
    let mut bytes = batch_bytes(vec![record("k", "v", 0)], Compression::None);
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let err = RecordBatch::decode(&bytes).unwrap_err();
    assert_eq!(err.error_code(), ErrorCode::CorruptMessage);
    assert!(RecordBatch::decode(&bytes[..10]).is_err());
}

#[wasm_bindgen_test]
fn log_assigns_offsets_rolls_and_retains() {
    let mut config = LogConfig::default();
    config.set("segment.bytes", "200").unwrap();
    config.set("retention.ms", "10000").unwrap();
    let mut log = PartitionLog::new(config, 0);
    for i in 0..6_i64 {
        let bytes = batch_bytes(vec![record("k", "0123456789", i * 1_000)], Compression::None);
        let info = log.append(&bytes, 0, (i * 1_000) as u64).unwrap();
        assert_eq!(info.base_offset, i);
    }
    assert_eq!(log.log_end_offset(), 6);
    assert!(log.segments().count() > 1, "segment.bytes=200 rolls segments");
    // 60 s later every record is older than retention.ms: whole segments go, the log end offset stays.
    let events = log.tick(60_000, log.log_end_offset());
    assert!(events.iter().any(|e| matches!(e, LogEvent::SegmentDeleted { .. })));
    assert_eq!(log.log_start_offset(), 6);
    assert_eq!(log.log_end_offset(), 6);
}

#[wasm_bindgen_test]
fn message_too_large_leaves_log_unchanged() {
    let mut config = LogConfig::default();
    config.set("max.message.bytes", "100").unwrap();
    let mut log = PartitionLog::new(config, 0);
    let bytes = batch_bytes(vec![record("k", &"v".repeat(200), 0)], Compression::None);
    let err = log.append(&bytes, 0, 0).unwrap_err();
    assert_eq!(err.error_code(), ErrorCode::MessageTooLarge);
    assert_eq!(log.log_end_offset(), 0);
}

#[wasm_bindgen_test]
fn topic_names_follow_kafka_rules() {
    assert!(validate_topic_name("orders.v1").is_ok());
    assert_eq!(validate_topic_name("").unwrap_err().error_code(), ErrorCode::InvalidTopicException);
    assert!(validate_topic_name("bad name").is_err());
}

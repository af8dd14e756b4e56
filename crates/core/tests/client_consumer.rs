//! The consumer, driven by hand-written fetch responses: records and their ids come out in offset
//! order, the position advances past each batch, and out-of-range positions reset as Kafka's
//! `auto.offset.reset` says.

use samsa_core::client::{
    record_id_header, AutoOffsetReset, ClientEvent, ConsumeError, Consumer, ConsumerConfig, RecordIdError,
    RECORD_ID_HEADER,
};
use samsa_core::node::{BrokerId, Node, NodeId};
use samsa_core::record_batch::{Compression, Header, NewRecord, RecordBatch};
use samsa_core::replication::messages::{
    FetchRequest, FetchResponse, Message, PartitionState, TopicPartition,
};
use samsa_core::ErrorCode;

mod client_support;

use client_support::{leader_state, metadata_request, split};

/// Kafka's default is `latest`; these tests read from the start.
fn earliest() -> ConsumerConfig {
    ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::default() }
}

fn tp0() -> TopicPartition {
    TopicPartition { topic: "t".into(), partition: 0 }
}

fn state(leader: BrokerId, leader_epoch: i32) -> PartitionState {
    leader_state(tp0(), leader, leader_epoch)
}

/// An encoded batch at `base_offset` whose records carry `ids`.
fn batch(base_offset: i64, ids: &[u64]) -> Vec<u8> {
    let records = ids
        .iter()
        .map(|&id| NewRecord {
            value: Some(b"v".to_vec()),
            headers: vec![record_id_header(id)],
            ..NewRecord::default()
        })
        .collect();
    let mut batch = RecordBatch::from_new_records(records, Compression::None).unwrap();
    batch.base_offset = base_offset;
    batch.encode().unwrap()
}

fn fetches(sends: &[(NodeId, Message)]) -> Vec<(NodeId, FetchRequest)> {
    sends
        .iter()
        .filter_map(|(to, m)| match m {
            Message::Fetch(r) => Some((*to, r.clone())),
            _ => None,
        })
        .collect()
}

/// A consumer assigned `t-0` that learned `leader` at t=10 and sent its first fetch.
fn consumer_fetching(config: ConsumerConfig, leader: PartitionState) -> (Consumer, NodeId, FetchRequest) {
    let mut consumer = Consumer::new(3, config, vec![1]).unwrap();
    consumer.assign(vec![tp0()]);
    consumer.on_tick(0);
    let (sends, _) = split(consumer.take_effects());
    let (to, correlation_id) = metadata_request(&sends).unwrap();
    consumer.on_message(10, to, Message::MetadataResponse { correlation_id, partitions: vec![leader] });
    consumer.poll(10);
    let (sends, _) = split(consumer.take_effects());
    let (to, fetch) = fetches(&sends).remove(0);
    (consumer, to, fetch)
}

fn answer(
    request: &FetchRequest,
    error: ErrorCode,
    high_watermark: i64,
    log_start_offset: i64,
    records: Vec<u8>,
) -> Message {
    Message::FetchResponse(FetchResponse {
        correlation_id: request.correlation_id,
        tp: request.tp.clone(),
        error,
        high_watermark,
        log_start_offset,
        records,
        last_stable_offset: high_watermark,
        aborted_transactions: Vec::new(),
    })
}

fn consumed(events: &[ClientEvent]) -> Vec<(i64, Option<u64>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::RecordConsumed { offset, record_id, .. } => Some((*offset, *record_id)),
            _ => None,
        })
        .collect()
}

#[test]
fn records_and_ids_are_reported_and_the_position_advances() {
    let (mut consumer, to, fetch) = consumer_fetching(earliest(), state(2, 4));
    assert_eq!(to, NodeId::Broker(2), "fetches go to the leader");
    assert_eq!(
        (fetch.fetch_offset, fetch.current_leader_epoch),
        (0, 4),
        "earliest, with the known epoch (KIP-320)"
    );
    assert_eq!((fetch.replica_id, fetch.max_wait_ms, fetch.max_bytes), (None, 500, 1_048_576));

    let records = [batch(0, &[100, 101]), batch(2, &[102])].concat();
    consumer.on_message(20, to, answer(&fetch, ErrorCode::None, 3, 0, records));
    consumer.poll(20);
    let (sends, events) = split(consumer.take_effects());
    assert_eq!(consumed(&events), vec![(0, Some(100)), (1, Some(101)), (2, Some(102))]);
    assert!(events
        .iter()
        .all(|e| matches!(e, ClientEvent::RecordConsumed { client: 3, high_watermark: 3, .. })));
    assert_eq!(consumer.position(&tp0()), Some(3));
    assert_eq!(consumer.high_watermark(&tp0()), Some(3));
    let (_, next) = fetches(&sends).remove(0);
    assert_eq!(next.fetch_offset, 3, "the next fetch starts at the new position");
}

#[test]
fn records_before_the_position_in_a_returned_batch_are_skipped() {
    let (mut consumer, _, _) = consumer_fetching(earliest(), state(2, 0));
    assert!(consumer.seek(&tp0(), 1));
    consumer.on_tick(20);
    let (sends, _) = split(consumer.take_effects());
    let (to, fetch) = fetches(&sends).remove(0);
    assert_eq!(fetch.fetch_offset, 1);
    // The leader returns the whole batch that contains offset 1.
    consumer.on_message(30, to, answer(&fetch, ErrorCode::None, 3, 0, batch(0, &[7, 8, 9])));
    consumer.poll(30);
    let (_, events) = split(consumer.take_effects());
    assert_eq!(consumed(&events), vec![(1, Some(8)), (2, Some(9))]);
}

#[test]
fn a_batch_cut_off_at_the_end_of_the_response_is_left_for_the_next_fetch() {
    let (mut consumer, to, fetch) = consumer_fetching(earliest(), state(2, 0));
    let second = batch(1, &[11]);
    let records = [batch(0, &[10]), second[..second.len() - 5].to_vec()].concat();
    consumer.on_message(20, to, answer(&fetch, ErrorCode::None, 2, 0, records));
    consumer.poll(20);
    let (_, events) = split(consumer.take_effects());
    assert_eq!(consumed(&events), vec![(0, Some(10))], "no error for the partial batch (KIP-74)");
    assert_eq!(consumer.position(&tp0()), Some(1));
}

#[test]
fn a_corrupt_batch_is_reported_and_refetched_after_backoff() {
    let (mut consumer, to, fetch) = consumer_fetching(earliest(), state(2, 0));
    let mut records = batch(0, &[10]);
    let last = records.len() - 1;
    records[last] ^= 0xff; // breaks the CRC
    consumer.on_message(20, to, answer(&fetch, ErrorCode::None, 1, 0, records));
    consumer.poll(20);
    let (sends, events) = split(consumer.take_effects());
    assert!(
        matches!(
            &events[..],
            [ClientEvent::ConsumeFailed { offset: 0, error: ConsumeError::CorruptBatch(_), .. }]
        ),
        "{events:?}"
    );
    assert!(fetches(&sends).is_empty());
    assert_eq!(consumer.position(&tp0()), Some(0), "Kafka's consumer stays at a corrupt record");
    assert_eq!(consumer.next_tick_ms(), Some(120));
    consumer.on_tick(120);
    assert_eq!(fetches(&split(consumer.take_effects()).0)[0].1.fetch_offset, 0);
}

#[test]
fn a_malformed_record_id_is_reported_and_the_record_still_consumed() {
    let (mut consumer, to, fetch) = consumer_fetching(earliest(), state(2, 0));
    let bad = NewRecord {
        headers: vec![Header { key: RECORD_ID_HEADER.into(), value: Some(vec![1, 2]) }],
        ..NewRecord::default()
    };
    let plain = NewRecord::default();
    let records =
        RecordBatch::from_new_records(vec![bad, plain], Compression::None).unwrap().encode().unwrap();
    consumer.on_message(20, to, answer(&fetch, ErrorCode::None, 2, 0, records));
    consumer.poll(20);
    let (_, events) = split(consumer.take_effects());
    assert_eq!(
        events[0],
        ClientEvent::ConsumeFailed {
            client: 3,
            tp: tp0(),
            offset: 0,
            error: ConsumeError::BadRecordId(RecordIdError::WrongLength { length_bytes: 2 })
        }
    );
    assert_eq!(consumed(&events), vec![(0, None), (1, None)]);
}

#[test]
fn out_of_range_resets_to_the_log_start_offset() {
    let (mut consumer, to, fetch) = consumer_fetching(earliest(), state(2, 0));
    // Retention deleted offsets 0..5.
    consumer.on_message(20, to, answer(&fetch, ErrorCode::OffsetOutOfRange, 9, 5, vec![]));
    consumer.poll(20);
    let (_, events) = split(consumer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::PositionReset { client: 3, tp: tp0(), from_offset: Some(0), to_offset: 5 }]
    );
    assert_eq!(consumer.next_tick_ms(), Some(120));
    consumer.on_tick(120);
    assert_eq!(fetches(&split(consumer.take_effects()).0)[0].1.fetch_offset, 5);
}

#[test]
fn out_of_range_with_reset_none_stops_the_partition_until_seek() {
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::None, ..earliest() };
    let mut consumer = Consumer::new(3, config, vec![1]).unwrap();
    consumer.assign(vec![tp0()]);
    consumer.on_tick(0);
    // Kafka's poll throws NoOffsetForPartitionException at once; here it is reported once.
    let (sends, events) = split(consumer.take_effects());
    assert!(matches!(
        &events[..],
        [ClientEvent::ConsumeFailed { error: ConsumeError::NoOffsetForPartition, .. }]
    ));
    let (to, correlation_id) = metadata_request(&sends).unwrap();
    consumer.on_message(10, to, Message::MetadataResponse { correlation_id, partitions: vec![state(2, 0)] });
    consumer.poll(10);
    let (sends, events) = split(consumer.take_effects());
    assert!(fetches(&sends).is_empty() && events.is_empty(), "no position, no fetch: {events:?}");

    consumer.seek(&tp0(), 50);
    consumer.on_tick(20);
    let (sends, _) = split(consumer.take_effects());
    let (to, fetch) = fetches(&sends).remove(0);
    consumer.on_message(30, to, answer(&fetch, ErrorCode::OffsetOutOfRange, 9, 0, vec![]));
    consumer.poll(30);
    let (_, events) = split(consumer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::ConsumeFailed {
            client: 3,
            tp: tp0(),
            offset: 50,
            error: ConsumeError::OffsetOutOfRange { log_start_offset: 0, high_watermark: 9 }
        }]
    );
    assert_eq!(consumer.next_tick_ms(), Some(10 + 300_000), "only the metadata age timer is left");
}

#[test]
fn not_leader_refreshes_metadata_and_fetches_from_the_new_leader() {
    let (mut consumer, to, fetch) = consumer_fetching(earliest(), state(2, 0));
    consumer.on_message(20, to, answer(&fetch, ErrorCode::FencedLeaderEpoch, -1, -1, vec![]));
    consumer.poll(20);
    assert!(fetches(&split(consumer.take_effects()).0).is_empty());
    assert_eq!(consumer.next_tick_ms(), Some(110), "metadata refresh after retry.backoff.ms");
    consumer.on_tick(110);
    let (sends, _) = split(consumer.take_effects());
    let (md_to, correlation_id) = metadata_request(&sends).unwrap();
    assert!(fetches(&sends).is_empty(), "not back to the old leader before new metadata");
    consumer.on_message(
        130,
        md_to,
        Message::MetadataResponse { correlation_id, partitions: vec![state(3, 1)] },
    );
    let (sends, _) = split(consumer.take_effects());
    let (to, fetch) = fetches(&sends).remove(0);
    assert_eq!((to, fetch.current_leader_epoch, fetch.fetch_offset), (NodeId::Broker(3), 1, 0));
}

#[test]
fn an_unanswered_fetch_times_out_and_is_sent_again() {
    let config = ConsumerConfig { request_timeout_ms: 1000, ..earliest() };
    let (mut consumer, to, fetch) = consumer_fetching(config, state(2, 0));
    assert_eq!(consumer.next_tick_ms(), Some(10 + 500 + 1000), "fetch.max.wait.ms + request.timeout.ms");
    consumer.on_tick(1510);
    let (sends, _) = split(consumer.take_effects());
    let (md_to, correlation_id) = metadata_request(&sends).unwrap();
    consumer.on_message(
        1520,
        md_to,
        Message::MetadataResponse { correlation_id, partitions: vec![state(2, 0)] },
    );
    consumer.on_tick(1610);
    let (sends, _) = split(consumer.take_effects());
    assert_eq!(fetches(&sends).len(), 1);
    // The old response arrives late: it answers nothing any more.
    consumer.on_message(1620, to, answer(&fetch, ErrorCode::None, 1, 0, batch(0, &[1])));
    consumer.poll(1620);
    assert!(split(consumer.take_effects()).1.is_empty());
}

#[test]
fn consumer_configs_use_kafka_names() {
    let mut config = ConsumerConfig::default();
    assert_eq!(config.get("fetch.max.wait.ms").as_deref(), Some("500"));
    assert_eq!(config.get("fetch.max.bytes").as_deref(), Some("52428800"));
    assert_eq!(config.get("auto.offset.reset").as_deref(), Some("latest"), "Kafka's default");
    let err = config.set("auto.offset.reset", "newest").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid value newest for configuration auto.offset.reset: String must be one of: latest, earliest, none"
    );
    let err = config.set("fetch.max.wait.ms", "-1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid value -1 for configuration fetch.max.wait.ms: Value must be at least 0"
    );
    config.set("auto.offset.reset", "none").unwrap();
    assert_eq!(config.auto_offset_reset, AutoOffsetReset::None);
    assert!(Consumer::new(1, config, vec![]).is_err());
}

#[test]
fn control_batches_move_the_position_without_reporting_records() {
    let (mut consumer, to, fetch) = consumer_fetching(earliest(), state(2, 0));
    let mut marker = RecordBatch::from_new_records(vec![NewRecord::default()], Compression::None).unwrap();
    marker.base_offset = 1;
    marker.attributes.is_control = true;
    let records = [batch(0, &[10]), marker.encode().unwrap(), batch(2, &[12])].concat();
    consumer.on_message(20, to, answer(&fetch, ErrorCode::None, 3, 0, records));
    consumer.poll(20);
    let (_, events) = split(consumer.take_effects());
    assert_eq!(consumed(&events), vec![(0, Some(10)), (2, Some(12))]);
    assert_eq!(consumer.position(&tp0()), Some(3));
}

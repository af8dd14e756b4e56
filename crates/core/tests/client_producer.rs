//! The producer, driven by hand-written broker responses: no broker, just the messages Kafka's
//! producer would see, and the outcomes a Kafka application would get in its callbacks.

use samsa_core::client::producer::UNKNOWN_PARTITION;
use samsa_core::client::{record_id_of, ClientEvent, Producer, ProducerConfig, SendError};
use samsa_core::node::{Node, NodeId};
use samsa_core::partitioner::{murmur2, to_positive};
use samsa_core::record_batch::RecordBatch;
use samsa_core::replication::messages::{Acks, Message, PartitionState, TopicPartition};
use samsa_core::ErrorCode;

mod client_support;

use client_support::{
    leader_state, metadata_request, produce_requests, producer_with_metadata, respond, split,
};

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition { topic: topic.into(), partition }
}

/// The events without `BatchSent`, for tests about records.
fn without_batch_sent(events: Vec<ClientEvent>) -> Vec<ClientEvent> {
    events.into_iter().filter(|e| !matches!(e, ClientEvent::BatchSent { .. })).collect()
}

fn config(acks: Acks, retries: u32) -> ProducerConfig {
    ProducerConfig {
        acks,
        retries,
        linger_ms: 0,
        enable_idempotence: Some(false),
        ..ProducerConfig::default()
    }
}

#[test]
fn acks_1_record_is_acked_at_the_offset_the_leader_gave() {
    let mut producer =
        producer_with_metadata(config(Acks::Leader, 0), vec![leader_state(tp("orders", 0), 2, 0)]);
    producer.send(20, "orders", None, Some(b"hello".to_vec()), 1001, 0).unwrap();

    let (sends, events) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(requests.len(), 1);
    let (to, request) = &requests[0];
    assert_eq!(*to, NodeId::Broker(2), "sent to the partition's leader");
    assert_eq!((request.acks, &request.tp), (Acks::Leader, &tp("orders", 0)));
    let (batch, _) = RecordBatch::decode(&request.records).unwrap();
    assert_eq!(batch.records.len(), 1);
    assert_eq!(record_id_of(&batch.records[0]), Ok(Some(1001)), "the record id travels in a header");
    assert_eq!(batch.records[0].value.as_deref(), Some(&b"hello"[..]));
    let batch_sent = ClientEvent::BatchSent {
        client: 7,
        tp: tp("orders", 0),
        record_count: 1,
        size_bytes: u32::try_from(request.records.len()).unwrap(),
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
        attempt: 0,
    };
    let record_sent = ClientEvent::RecordSent { client: 7, record_id: 1001, tp: tp("orders", 0) };
    assert_eq!(events, vec![batch_sent, record_sent], "one BatchSent per batch, one RecordSent per record");
    assert!(producer.buffered_bytes() > 0);

    respond(&mut producer, 30, *to, request, ErrorCode::None, 42);
    let (_, events) = split(producer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::RecordAcked { client: 7, record_id: 1001, tp: tp("orders", 0), offset: 42 }]
    );
    assert_eq!(producer.buffered_bytes(), 0, "buffer.memory is released on completion");
}

#[test]
fn keyed_records_go_to_the_murmur2_partition() {
    let states = (0..3).map(|p| leader_state(tp("t", p), 1 + p, 0)).collect();
    let mut producer = producer_with_metadata(config(Acks::Leader, 0), states);
    producer.send(20, "t", Some(b"customer-17".to_vec()), None, 1, 0).unwrap();
    let expected = to_positive(murmur2(b"customer-17")) % 3;
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(requests[0].1.tp, tp("t", expected));
    assert_eq!(requests[0].0, NodeId::Broker(1 + expected));
}

#[test]
fn records_sent_before_metadata_wait_for_it() {
    let mut producer = Producer::new(7, config(Acks::All, 0), vec![1]).unwrap();
    producer.send(0, "t", None, None, 5, 0).unwrap();
    let (sends, events) = split(producer.take_effects());
    let (to, correlation_id) = metadata_request(&sends).unwrap();
    assert!(produce_requests(&sends).is_empty() && events.is_empty());
    assert_eq!(producer.queued_records(), 1);
    producer.on_message(
        5,
        to,
        Message::MetadataResponse { correlation_id, partitions: vec![leader_state(tp("t", 0), 3, 0)] },
    );
    let (sends, _) = split(producer.take_effects());
    assert_eq!(produce_requests(&sends)[0].0, NodeId::Broker(3));
}

#[test]
fn not_leader_with_retries_refreshes_metadata_and_resends_to_the_new_leader() {
    let mut producer = producer_with_metadata(config(Acks::All, 1), vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 9, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    respond(&mut producer, 50, to, &request, ErrorCode::NotLeaderOrFollower, -1);
    let (sends, events) = split(producer.take_effects());
    assert!(events.is_empty(), "a retriable error with retries left is not reported: {events:?}");
    assert!(metadata_request(&sends).is_none(), "metadata requests are spaced by retry.backoff.ms");
    // The last metadata response came at t=10: the refresh is allowed at 110.
    assert_eq!(producer.next_tick_ms(), Some(110));
    producer.on_tick(110);
    let (sends, _) = split(producer.take_effects());
    let (md_to, correlation_id) =
        metadata_request(&sends).expect("metadata refresh after NOT_LEADER_OR_FOLLOWER");
    // retry.backoff.ms after the failure at 50 has passed, but the metadata has not come yet: the
    // record does not go back to the broker that said it is not the leader.
    assert_eq!(producer.next_tick_ms(), Some(150));
    producer.on_tick(150);
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty(), "no resend before new metadata");
    producer.on_message(
        200,
        md_to,
        Message::MetadataResponse { correlation_id, partitions: vec![leader_state(tp("t", 0), 3, 1)] },
    );
    assert_eq!(producer.leader_of(&tp("t", 0)), Some(3));
    let (sends, events) = split(producer.take_effects());
    let (to, retry) = produce_requests(&sends).remove(0);
    assert_eq!(to, NodeId::Broker(3), "the retry goes to the new leader");
    assert_eq!(retry.records, request.records, "the same batch is sent again");
    assert_eq!(
        without_batch_sent(events),
        vec![ClientEvent::RecordSent { client: 7, record_id: 9, tp: tp("t", 0) }]
    );
    respond(&mut producer, 210, to, &retry, ErrorCode::None, 0);
    let (_, events) = split(producer.take_effects());
    assert_eq!(events, vec![ClientEvent::RecordAcked { client: 7, record_id: 9, tp: tp("t", 0), offset: 0 }]);
}

#[test]
fn not_leader_without_retries_fails_the_record() {
    let mut producer = producer_with_metadata(config(Acks::All, 0), vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 9, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    respond(&mut producer, 50, to, &request, ErrorCode::NotLeaderOrFollower, -1);
    let (_, events) = split(producer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::RecordFailed {
            client: 7,
            record_id: 9,
            tp: tp("t", 0),
            error: ErrorCode::NotLeaderOrFollower
        }]
    );
    // The error still tells the producer its metadata is stale.
    producer.on_tick(110);
    assert!(metadata_request(&split(producer.take_effects()).0).is_some());
}

#[test]
fn non_retriable_errors_fail_even_with_retries() {
    let mut producer = producer_with_metadata(config(Acks::All, 5), vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 9, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    respond(&mut producer, 50, to, &request, ErrorCode::MessageTooLarge, -1);
    let (_, events) = split(producer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::RecordFailed {
            client: 7,
            record_id: 9,
            tp: tp("t", 0),
            error: ErrorCode::MessageTooLarge
        }]
    );
}

#[test]
fn unanswered_request_times_out_and_late_response_is_ignored() {
    let cfg = ProducerConfig { request_timeout_ms: 1000, ..config(Acks::All, 0) };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 9, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    assert_eq!(producer.next_tick_ms(), Some(1020), "request.timeout.ms after the send");
    producer.on_tick(1019);
    assert!(split(producer.take_effects()).1.is_empty());
    producer.on_tick(1020);
    let (sends, events) = split(producer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::RecordFailed {
            client: 7,
            record_id: 9,
            tp: tp("t", 0),
            error: ErrorCode::RequestTimedOut
        }]
    );
    assert!(metadata_request(&sends).is_some(), "a timeout refreshes metadata");
    respond(&mut producer, 1500, to, &request, ErrorCode::None, 3);
    assert!(split(producer.take_effects()).1.is_empty(), "the late response is for no pending request");
}

#[test]
fn timed_out_request_is_retried_while_delivery_timeout_allows() {
    let cfg = ProducerConfig { request_timeout_ms: 1000, delivery_timeout_ms: 1500, ..config(Acks::All, 10) };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(0, "t", None, None, 9, 0).unwrap();
    producer.take_effects();
    producer.on_tick(1000);
    let (sends, events) = split(producer.take_effects());
    assert!(events.is_empty(), "retried: {events:?}");
    let (md_to, correlation_id) = metadata_request(&sends).unwrap();
    producer.on_message(
        1010,
        md_to,
        Message::MetadataResponse { correlation_id, partitions: vec![leader_state(tp("t", 0), 2, 0)] },
    );
    producer.on_tick(1100);
    let (sends, _) = split(producer.take_effects());
    assert_eq!(produce_requests(&sends).len(), 1, "second attempt after retry.backoff.ms");
    // The second attempt's deadline is the delivery timeout (1500), not 1100 + 1000.
    assert_eq!(producer.next_tick_ms(), Some(1500));
    producer.on_tick(1500);
    let (_, events) = split(producer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::RecordFailed {
            client: 7,
            record_id: 9,
            tp: tp("t", 0),
            error: ErrorCode::RequestTimedOut
        }]
    );
}

#[test]
fn unknown_correlation_ids_are_ignored() {
    let mut producer = producer_with_metadata(config(Acks::All, 0), vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 9, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    let mut stray = request.clone();
    stray.correlation_id += 1000;
    respond(&mut producer, 30, to, &stray, ErrorCode::None, 1);
    // Right id, wrong sender: also not the answer.
    respond(&mut producer, 30, NodeId::Broker(3), &request, ErrorCode::None, 1);
    assert!(split(producer.take_effects()).1.is_empty());
    assert_eq!(producer.in_flight_requests(2), 1);
}

#[test]
fn acks_0_counts_as_acked_when_sent_with_offset_minus_1() {
    let mut producer = producer_with_metadata(config(Acks::None, 0), vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 4, 0).unwrap();
    let (sends, events) = split(producer.take_effects());
    assert_eq!(produce_requests(&sends)[0].1.acks, Acks::None);
    assert_eq!(
        without_batch_sent(events),
        vec![
            ClientEvent::RecordSent { client: 7, record_id: 4, tp: tp("t", 0) },
            ClientEvent::RecordAcked { client: 7, record_id: 4, tp: tp("t", 0), offset: -1 },
        ]
    );
    assert_eq!((producer.in_flight_requests(2), producer.buffered_bytes()), (0, 0));
}

#[test]
fn max_in_flight_per_broker_is_respected_and_the_rest_queue() {
    let cfg = ProducerConfig { max_in_flight_requests_per_connection: 2, ..config(Acks::All, 0) };
    let states = vec![leader_state(tp("t", 0), 2, 0), leader_state(tp("t", 1), 3, 0)];
    let mut producer = producer_with_metadata(cfg, states);
    let key_for = |partition: i32| {
        (0u32..)
            .map(|i| i.to_string().into_bytes())
            .find(|k| to_positive(murmur2(k)) % 2 == partition)
            .unwrap()
    };
    for id in 0..4 {
        producer.send(20, "t", Some(key_for(0)), None, id, 0).unwrap();
    }
    producer.send(20, "t", Some(key_for(1)), None, 99, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    let to_2: Vec<_> = requests.iter().filter(|(to, _)| *to == NodeId::Broker(2)).collect();
    assert_eq!(to_2.len(), 2, "max.in.flight.requests.per.connection=2");
    assert_eq!(
        requests.iter().filter(|(to, _)| *to == NodeId::Broker(3)).count(),
        1,
        "other brokers are not held up"
    );
    assert_eq!(producer.queued_records(), 2);
    let (to, first) = to_2[0].clone();
    respond(&mut producer, 30, to, &first, ErrorCode::None, 0);
    let (sends, _) = split(producer.take_effects());
    assert_eq!(produce_requests(&sends).len(), 1, "a free slot sends the next record");
    assert_eq!(producer.in_flight_requests(2), 2);
}

#[test]
fn full_buffer_and_oversized_records_are_refused_by_send() {
    let cfg = ProducerConfig { buffer_memory: 300, max_request_size: 200, ..config(Acks::All, 0) };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    let err = producer.send(20, "t", None, Some(vec![0; 300]), 1, 0).unwrap_err();
    assert!(
        matches!(err, SendError::RecordTooLarge { config: "max.request.size", limit_bytes: 200, .. }),
        "{err:?}"
    );
    assert_eq!(err.error_code(), ErrorCode::MessageTooLarge);
    assert!(err.to_string().contains("which is the value of the max.request.size configuration"), "{err}");
    let err = producer.send(20, "t", None, Some(vec![0; 290]), 2, 0).unwrap_err();
    assert!(matches!(err, SendError::RecordTooLarge { config: "max.request.size", .. }), "{err:?}");
    let cfg = ProducerConfig { buffer_memory: 150, ..config(Acks::All, 0) };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    let err = producer.send(20, "t", None, Some(vec![0; 100]), 3, 0).unwrap_err();
    assert!(
        matches!(err, SendError::RecordTooLarge { config: "buffer.memory", limit_bytes: 150, .. }),
        "{err:?}"
    );
    let err = producer.send(20, "bad topic!", None, None, 5, 0).unwrap_err();
    assert_eq!(err.error_code(), ErrorCode::InvalidTopicException);
}

#[test]
fn topic_missing_from_metadata_fails_after_max_block_ms() {
    let cfg = ProducerConfig { max_block_ms: 500, ..config(Acks::All, 0) };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "nope", None, None, 1, 0).unwrap();
    producer.take_effects();
    assert_eq!(producer.next_tick_ms(), Some(110), "metadata is asked again after retry.backoff.ms");
    producer.on_tick(520);
    let (_, events) = split(producer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::RecordFailed {
            client: 7,
            record_id: 1,
            tp: tp("nope", UNKNOWN_PARTITION),
            error: ErrorCode::RequestTimedOut
        }]
    );
}

#[test]
fn records_for_an_unknown_topic_wait_and_time_out_one_by_one_while_known_topics_flow() {
    let cfg = ProducerConfig { max_block_ms: 500, ..config(Acks::All, 0) };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "late", None, None, 1, 0).unwrap();
    producer.send(30, "t", None, None, 2, 0).unwrap();
    producer.send(40, "late", None, None, 3, 0).unwrap();
    producer.send(50, "late", None, None, 4, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let sent: Vec<_> = produce_requests(&sends).into_iter().map(|(to, r)| (to, r.tp)).collect();
    assert_eq!(sent, vec![(NodeId::Broker(2), tp("t", 0))], "a known topic does not wait behind others");
    assert_eq!(producer.queued_records(), 3);
    producer.on_tick(110);
    let (sends, _) = split(producer.take_effects());
    let (to, correlation_id) = metadata_request(&sends).expect("metadata asked again after the backoff");
    // The metadata request is unanswered: the next thing due is the first record's max.block.ms.
    assert_eq!(producer.next_tick_ms(), Some(520));
    producer.on_tick(520);
    let (_, events) = split(producer.take_effects());
    let failed = ClientEvent::RecordFailed {
        client: 7,
        record_id: 1,
        tp: tp("late", UNKNOWN_PARTITION),
        error: ErrorCode::RequestTimedOut,
    };
    assert_eq!(events, vec![failed]);
    assert_eq!(producer.next_tick_ms(), Some(540), "then the second waiting record's");
    let partitions = vec![leader_state(tp("late", 0), 3, 0)];
    producer.on_message(530, to, Message::MetadataResponse { correlation_id, partitions });
    let (sends, events) = split(producer.take_effects());
    let sent: Vec<_> = produce_requests(&sends).into_iter().map(|(to, r)| (to, r.tp)).collect();
    assert_eq!(sent, vec![(NodeId::Broker(3), tp("late", 0))], "one batch with both records");
    let sent_ids: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::RecordSent { record_id, .. } => Some(*record_id),
            _ => None,
        })
        .collect();
    assert_eq!(sent_ids, [3, 4], "the records that waited go out in send order");
    assert_eq!(producer.queued_records(), 0);
}

#[test]
fn record_waiting_for_a_leader_expires_at_delivery_timeout() {
    let offline = PartitionState { leader: None, ..leader_state(tp("t", 0), 2, 3) };
    let cfg = ProducerConfig { delivery_timeout_ms: 40_000, ..config(Acks::All, 0) };
    let mut producer = producer_with_metadata(cfg, vec![offline]);
    producer.send(20, "t", None, None, 1, 0).unwrap();
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty());
    producer.on_tick(40_020);
    let (_, events) = split(producer.take_effects());
    assert_eq!(
        events,
        vec![ClientEvent::RecordFailed {
            client: 7,
            record_id: 1,
            tp: tp("t", 0),
            error: ErrorCode::RequestTimedOut
        }]
    );
}

#[test]
fn metadata_request_moves_to_another_broker_when_one_does_not_answer() {
    let cfg = ProducerConfig { request_timeout_ms: 1000, ..ProducerConfig::default() };
    let mut producer = Producer::new(1, cfg, vec![4, 5]).unwrap();
    producer.on_tick(0);
    let (first, _) = metadata_request(&split(producer.take_effects()).0).unwrap();
    producer.on_tick(1000);
    assert!(metadata_request(&split(producer.take_effects()).0).is_none(), "retry.backoff.ms first");
    producer.on_tick(1100);
    let (second, _) = metadata_request(&split(producer.take_effects()).0).unwrap();
    assert_eq!((first, second), (NodeId::Broker(4), NodeId::Broker(5)));
}

#[test]
fn bad_configs_are_rejected_with_kafka_messages() {
    let mut config = ProducerConfig::default();
    let err = config.set("acks", "2").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
    );
    assert_eq!(err.error_code(), ErrorCode::InvalidConfig);
    let err = config.set("max.in.flight.requests.per.connection", "0").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1"
    );
    let err = config.set("retries", "lots").unwrap_err();
    assert_eq!(err.to_string(), "Invalid value lots for configuration retries: Not a number of type INT");
    let err = config.set("linger.msec", "5").unwrap_err();
    assert_eq!(err.to_string(), "The configuration 'linger.msec' was supplied but isn't a known config.");
    assert_eq!(config, ProducerConfig::default(), "failed sets change nothing");

    for (value, acks) in [("0", Acks::None), ("1", Acks::Leader), ("all", Acks::All), ("-1", Acks::All)] {
        config.set("acks", value).unwrap();
        assert_eq!(config.acks, acks);
    }
    config.set("request.timeout.ms", "200000").unwrap();
    let err = Producer::new(1, config.clone(), vec![1]).unwrap_err();
    assert!(err.to_string().starts_with("delivery.timeout.ms should be equal to or larger than"), "{err}");
    let err = Producer::new(1, ProducerConfig::default(), vec![]).unwrap_err();
    assert!(err.to_string().contains("bootstrap.servers"), "{err}");
}

#[test]
fn defaults_are_kafkas() {
    let config = ProducerConfig::default();
    assert_eq!(config.get("acks").as_deref(), Some("all"));
    assert_eq!(config.get("request.timeout.ms").as_deref(), Some("30000"));
    assert_eq!(config.get("delivery.timeout.ms").as_deref(), Some("120000"));
    assert_eq!(config.get("retry.backoff.ms").as_deref(), Some("100"));
    assert_eq!(config.get("metadata.max.age.ms").as_deref(), Some("300000"));
    assert_eq!(config.get("max.in.flight.requests.per.connection").as_deref(), Some("5"));
    assert_eq!(config.get("batch.size").as_deref(), Some("16384"));
    assert_eq!(config.get("retries").as_deref(), Some("2147483647"));
    assert_eq!(config.get("linger.ms").as_deref(), Some("5"), "KIP-1030");
    assert_eq!(config.get("enable.idempotence").as_deref(), Some("true"));
}

#[test]
fn keyless_records_stick_to_partitions_that_have_a_leader() {
    // KIP-480: keyless records go to a sticky partition chosen among the available ones, and move to
    // another once its batch is sent (here: every record, one record per batch; acks=0 so no
    // in-flight limit holds any back).
    let offline = PartitionState { leader: None, ..leader_state(tp("t", 1), 2, 0) };
    let states = vec![leader_state(tp("t", 0), 1, 0), offline, leader_state(tp("t", 2), 3, 0)];
    let mut producer = producer_with_metadata(config(Acks::None, 0), states);
    let mut partitions = Vec::new();
    for id in 0..20u32 {
        producer.send(20, "t", None, None, u64::from(id), id.wrapping_mul(2_654_435_761)).unwrap();
        let (sends, _) = split(producer.take_effects());
        partitions.extend(produce_requests(&sends).into_iter().map(|(_, r)| r.tp.partition));
    }
    assert_eq!(partitions.len(), 20);
    assert!(!partitions.contains(&1), "never the partition without a leader: {partitions:?}");
    assert!(partitions.windows(2).all(|w| w[0] != w[1]), "a new partition after each batch: {partitions:?}");
}

#[test]
fn a_request_timeout_breaks_the_connection_and_fails_every_request_on_it() {
    // Kafka's NetworkClient closes the connection of a timed-out request: every other request in
    // flight on it fails too (and is retried), so none of them is answered later, out of order.
    let mut producer = producer_with_metadata(config(Acks::All, 3), vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 1, 0).unwrap();
    producer.send(1_000, "t", None, None, 2, 0).unwrap();
    assert_eq!(producer.in_flight_requests(2), 2);
    producer.on_tick(20 + 30_000);
    assert_eq!(producer.in_flight_requests(2), 0, "the later request failed with the connection");
    assert_eq!(producer.stats().batches_retried, 2);
}

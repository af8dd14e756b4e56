//! The idempotent producer (KIP-98, KIP-360), driven by hand-written broker answers: InitProducerId
//! first, per-partition sequences in every batch header, retries in sequence order, and the epoch
//! bump after a sequence it cannot resolve.

use samsa_core::client::{record_id_of, ClientEvent, Producer, ProducerConfig};
use samsa_core::node::{Node, NodeId};
use samsa_core::partitioner::{murmur2, to_positive};
use samsa_core::record_batch::RecordBatch;
use samsa_core::replication::messages::{
    InitProducerIdRequest, InitProducerIdResponse, Message, ProduceRequest, TopicPartition,
};
use samsa_core::ErrorCode;

mod client_support;

use client_support::{leader_state, metadata_request, produce_requests, respond, split};

const PRODUCER_ID: i64 = 4000;

fn tp(partition: i32) -> TopicPartition {
    TopicPartition { topic: "t".into(), partition }
}

fn init_request(sends: &[(NodeId, Message)]) -> Option<(NodeId, InitProducerIdRequest)> {
    sends.iter().find_map(|(to, m)| match m {
        Message::InitProducerId(r) => Some((*to, r.clone())),
        _ => None,
    })
}

/// `(producer id, epoch, base sequence, record ids)` of an encoded batch.
fn header(request: &ProduceRequest) -> (i64, i16, i32, Vec<u64>) {
    let (batch, _) = RecordBatch::decode(&request.records).unwrap();
    let ids = batch.records.iter().map(|r| record_id_of(r).unwrap().unwrap()).collect();
    (batch.producer_id, batch.producer_epoch, batch.base_sequence, ids)
}

fn config() -> ProducerConfig {
    // Kafka's defaults (idempotence on, retries 2147483647), without lingering.
    ProducerConfig { linger_ms: 0, ..ProducerConfig::default() }
}

fn init_response(correlation_id: u64, error: ErrorCode, producer_id: i64) -> Message {
    let producer_epoch = if producer_id < 0 { -1 } else { 0 };
    Message::InitProducerIdResponse(InitProducerIdResponse {
        correlation_id,
        error,
        producer_id,
        producer_epoch,
    })
}

/// An idempotent producer that learned partitions 0 and 1 (leaders 2 and 3) and got its id at t=10.
fn idempotent_producer(cfg: ProducerConfig) -> Producer {
    let mut producer = Producer::new(7, cfg, vec![1]).unwrap();
    assert!(producer.idempotent());
    producer.on_tick(0);
    let (sends, _) = split(producer.take_effects());
    let (to, correlation_id) = metadata_request(&sends).unwrap();
    let (init_to, init) = init_request(&sends).expect("InitProducerId goes out at start");
    assert_eq!((init.transactional_id.clone(), init.producer_id, init.producer_epoch), (None, -1, -1));
    let partitions = vec![leader_state(tp(0), 2, 0), leader_state(tp(1), 3, 0)];
    producer.on_message(5, to, Message::MetadataResponse { correlation_id, partitions });
    producer.on_message(10, init_to, init_response(init.correlation_id, ErrorCode::None, PRODUCER_ID));
    let (_, events) = split(producer.take_effects());
    let assigned = ClientEvent::ProducerIdAssigned {
        client: 7,
        producer_id: PRODUCER_ID,
        producer_epoch: 0,
        bumped: false,
    };
    assert_eq!(events, [assigned]);
    assert_eq!(producer.producer_id_and_epoch(), Some((PRODUCER_ID, 0)));
    producer
}

fn key_for(partition: i32) -> Vec<u8> {
    (0u32..).map(|i| i.to_string().into_bytes()).find(|k| to_positive(murmur2(k)) % 2 == partition).unwrap()
}

#[test]
fn nothing_is_produced_before_init_producer_id_which_retries_on_coordinator_load() {
    let mut producer = Producer::new(7, config(), vec![1]).unwrap();
    producer.on_tick(0);
    let (sends, _) = split(producer.take_effects());
    let (to, correlation_id) = metadata_request(&sends).unwrap();
    let (init_to, init) = init_request(&sends).unwrap();
    producer.on_message(
        5,
        to,
        Message::MetadataResponse { correlation_id, partitions: vec![leader_state(tp(0), 2, 0)] },
    );
    producer.send(6, "t", Some(key_for(0)), None, 1, 0).unwrap();
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty(), "no produce before the id");
    // KIP-730: the broker has no block of ids yet. Retriable: again after retry.backoff.ms.
    producer.on_message(
        10,
        init_to,
        init_response(init.correlation_id, ErrorCode::CoordinatorLoadInProgress, -1),
    );
    assert!(init_request(&split(producer.take_effects()).0).is_none());
    assert_eq!(producer.next_tick_ms(), Some(110));
    producer.on_tick(110);
    let (init_to, init) = init_request(&split(producer.take_effects()).0).expect("asked again");
    // Unanswered within request.timeout.ms: asked again after the backoff too.
    producer.on_tick(110 + 30_000);
    producer.on_tick(110 + 30_100);
    let (sends, _) = split(producer.take_effects());
    let (_, again) = init_request(&sends).expect("asked again after a timeout");
    assert_ne!(again.correlation_id, init.correlation_id);
    producer.on_message(30_300, init_to, init_response(init.correlation_id, ErrorCode::None, 1));
    assert_eq!(producer.producer_id_and_epoch(), None, "a stale answer is ignored");
    producer.on_message(30_300, init_to, init_response(again.correlation_id, ErrorCode::None, PRODUCER_ID));
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(header(&requests[0].1), (PRODUCER_ID, 0, 0, vec![1]));
}

#[test]
fn sequences_increase_per_partition_by_record_count() {
    let mut producer = idempotent_producer(ProducerConfig { linger_ms: 5, ..config() });
    for id in 0..3 {
        producer.send(20, "t", Some(key_for(0)), None, id, 0).unwrap();
    }
    producer.send(20, "t", Some(key_for(1)), None, 10, 0).unwrap();
    producer.on_tick(25);
    producer.send(30, "t", Some(key_for(0)), None, 3, 0).unwrap();
    producer.send(30, "t", Some(key_for(1)), None, 11, 0).unwrap();
    producer.on_tick(35);
    let (sends, _) = split(producer.take_effects());
    let headers: Vec<_> = produce_requests(&sends).iter().map(|(_, r)| (r.tp.partition, header(r))).collect();
    assert_eq!(
        headers,
        [
            (0, (PRODUCER_ID, 0, 0, vec![0, 1, 2])),
            (1, (PRODUCER_ID, 0, 0, vec![10])),
            (0, (PRODUCER_ID, 0, 3, vec![3])),
            (1, (PRODUCER_ID, 0, 1, vec![11])),
        ]
    );
}

#[test]
fn a_retried_batch_keeps_its_sequence_and_goes_before_a_later_one_answered_out_of_order() {
    let mut producer = idempotent_producer(config());
    producer.send(20, "t", Some(key_for(0)), None, 1, 0).unwrap();
    producer.send(21, "t", Some(key_for(0)), None, 2, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(requests.iter().map(|(_, r)| header(r).2).collect::<Vec<_>>(), [0, 1]);
    let partition_leader = requests[0].0;
    respond(&mut producer, 30, partition_leader, &requests[0].1, ErrorCode::NotEnoughReplicas, -1);
    // The broker saw no sequence 0, so sequence 1 is out of order: retried, not failed.
    respond(&mut producer, 31, partition_leader, &requests[1].1, ErrorCode::OutOfOrderSequenceNumber, -1);
    let (_, events) = split(producer.take_effects());
    assert!(events.is_empty(), "{events:?}");
    producer.on_tick(131);
    let (sends, events) = split(producer.take_effects());
    let retries = produce_requests(&sends);
    assert_eq!(retries.len(), 1, "one at a time, in sequence order");
    assert_eq!(header(&retries[0].1), (PRODUCER_ID, 0, 0, vec![1]));
    assert_eq!(retries[0].1.records, requests[0].1.records, "the same bytes again");
    assert!(events.iter().any(|e| matches!(e, ClientEvent::BatchSent { attempt: 1, base_sequence: 0, .. })));
    respond(&mut producer, 140, partition_leader, &retries[0].1, ErrorCode::None, 0);
    let (sends, _) = split(producer.take_effects());
    let second = produce_requests(&sends);
    assert_eq!(header(&second[0].1), (PRODUCER_ID, 0, 1, vec![2]));
    respond(&mut producer, 150, partition_leader, &second[0].1, ErrorCode::None, 1);
    let acked: Vec<_> = split(producer.take_effects())
        .1
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::RecordAcked { record_id, offset, .. } => Some((record_id, offset)),
            _ => None,
        })
        .collect();
    assert_eq!(acked, [(2, 1)], "order kept: record 1 at 0, record 2 at 1");
}

#[test]
fn a_duplicate_is_success_at_the_original_offset() {
    let mut producer = idempotent_producer(config());
    producer.send(20, "t", Some(key_for(0)), None, 1, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    // The leader wrote it but its followers did not confirm in time: REQUEST_TIMED_OUT, retriable.
    respond(&mut producer, 30, to, &request, ErrorCode::RequestTimedOut, -1);
    producer.on_tick(130);
    let (sends, _) = split(producer.take_effects());
    let (to, retry) = produce_requests(&sends).remove(0);
    assert_eq!(header(&retry).2, 0, "the retry keeps sequence 0");
    // The broker has sequence 0 already: it answers NONE with the original offset (KIP-98).
    respond(&mut producer, 30_130, to, &retry, ErrorCode::None, 41);
    let (_, events) = split(producer.take_effects());
    assert_eq!(events, [ClientEvent::RecordAcked { client: 7, record_id: 1, tp: tp(0), offset: 41 }]);
    // DUPLICATE_SEQUENCE_NUMBER (older brokers) is success too, offset unknown.
    producer.send(200, "t", Some(key_for(0)), None, 2, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    respond(&mut producer, 210, to, &request, ErrorCode::DuplicateSequenceNumber, -1);
    let (_, events) = split(producer.take_effects());
    assert_eq!(events, [ClientEvent::RecordAcked { client: 7, record_id: 2, tp: tp(0), offset: -1 }]);
}

#[test]
fn an_expired_batch_leaves_a_gap_and_the_epoch_is_bumped_kip_360() {
    let cfg = ProducerConfig { request_timeout_ms: 1_000, delivery_timeout_ms: 1_000, ..config() };
    let mut producer = idempotent_producer(cfg);
    producer.send(20, "t", Some(key_for(0)), None, 1, 0).unwrap();
    producer.send(600, "t", Some(key_for(0)), None, 2, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(requests.iter().map(|(_, r)| header(r).2).collect::<Vec<_>>(), [0, 1]);
    // Sequence 0 never arrived: sequence 1 is out of order and waits to be retried after it.
    respond(&mut producer, 700, requests[1].0, &requests[1].1, ErrorCode::OutOfOrderSequenceNumber, -1);
    producer.on_tick(800);
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty(), "not before sequence 0");
    // Sequence 0 reaches delivery.timeout.ms unanswered: it fails. New batches now wait; sequence 1 is
    // retried under the old epoch, in case the broker did write sequence 0.
    producer.on_tick(1_020);
    let (sends, events) = split(producer.take_effects());
    let failed =
        ClientEvent::RecordFailed { client: 7, record_id: 1, tp: tp(0), error: ErrorCode::RequestTimedOut };
    assert_eq!(events[0], failed);
    let retry = produce_requests(&sends);
    assert_eq!(header(&retry[0].1), (PRODUCER_ID, 0, 1, vec![2]));
    producer.send(1_025, "t", Some(key_for(0)), None, 3, 0).unwrap();
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty(), "new batches wait");
    // It did not: sequence 1 is still out of order. Nothing is in flight, so the epoch is bumped.
    respond(&mut producer, 1_030, retry[0].0, &retry[0].1, ErrorCode::OutOfOrderSequenceNumber, -1);
    let (_, events) = split(producer.take_effects());
    let bumped = ClientEvent::ProducerIdAssigned {
        client: 7,
        producer_id: PRODUCER_ID,
        producer_epoch: 1,
        bumped: true,
    };
    assert_eq!(events, [bumped]);
    assert_eq!(producer.producer_id_and_epoch(), Some((PRODUCER_ID, 1)));
    producer.on_tick(1_130);
    let (sends, events) = split(producer.take_effects());
    let resent: Vec<_> = produce_requests(&sends).iter().map(|(_, r)| header(r)).collect();
    assert_eq!(
        resent,
        [(PRODUCER_ID, 1, 0, vec![2]), (PRODUCER_ID, 1, 1, vec![3])],
        "new epoch, sequences from 0"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        ClientEvent::BatchSent { producer_epoch: 1, base_sequence: 0, attempt: 2, .. }
    )));
}

#[test]
fn an_expired_batch_the_broker_had_written_is_resolved_without_a_bump() {
    let cfg = ProducerConfig { request_timeout_ms: 1_000, delivery_timeout_ms: 1_000, ..config() };
    let mut producer = idempotent_producer(cfg);
    producer.send(20, "t", Some(key_for(0)), None, 1, 0).unwrap();
    producer.send(600, "t", Some(key_for(0)), None, 2, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    respond(&mut producer, 700, requests[1].0, &requests[1].1, ErrorCode::RequestTimedOut, -1);
    producer.on_tick(1_020);
    let (sends, _) = split(producer.take_effects());
    let retry = produce_requests(&sends);
    assert_eq!(header(&retry[0].1), (PRODUCER_ID, 0, 1, vec![2]));
    // The broker had both: sequence 1 is a duplicate, so sequence 0 was written too.
    respond(&mut producer, 1_030, retry[0].0, &retry[0].1, ErrorCode::None, 1);
    producer.send(1_040, "t", Some(key_for(0)), None, 3, 0).unwrap();
    let (sends, events) = split(producer.take_effects());
    assert!(!events.iter().any(|e| matches!(e, ClientEvent::ProducerIdAssigned { .. })), "{events:?}");
    assert_eq!(header(&produce_requests(&sends)[0].1), (PRODUCER_ID, 0, 2, vec![3]));
}

#[test]
fn unknown_producer_id_bumps_the_epoch_and_retries() {
    let mut producer = idempotent_producer(config());
    producer.send(20, "t", Some(key_for(0)), None, 1, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let (to, request) = produce_requests(&sends).remove(0);
    respond(&mut producer, 30, to, &request, ErrorCode::UnknownProducerId, -1);
    let (_, events) = split(producer.take_effects());
    assert!(events.contains(&ClientEvent::ProducerIdAssigned {
        client: 7,
        producer_id: PRODUCER_ID,
        producer_epoch: 1,
        bumped: true
    }));
    producer.on_tick(130);
    let (sends, _) = split(producer.take_effects());
    assert_eq!(header(&produce_requests(&sends)[0].1), (PRODUCER_ID, 1, 0, vec![1]));
}

#[test]
fn after_a_bump_other_partitions_finish_their_old_epoch_batches_first() {
    let mut producer = idempotent_producer(config());
    producer.send(20, "t", Some(key_for(0)), None, 1, 0).unwrap();
    producer.send(20, "t", Some(key_for(1)), None, 2, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    let (p0, p1) = (&requests[0], &requests[1]);
    assert_eq!((p0.1.tp.partition, p1.1.tp.partition), (0, 1));
    // Partition 1's batch may have been written: it is retried under epoch 0 even after the bump.
    respond(&mut producer, 30, p1.0, &p1.1, ErrorCode::RequestTimedOut, -1);
    respond(&mut producer, 31, p0.0, &p0.1, ErrorCode::UnknownProducerId, -1);
    let (_, events) = split(producer.take_effects());
    assert!(events
        .iter()
        .any(|e| matches!(e, ClientEvent::ProducerIdAssigned { producer_epoch: 1, bumped: true, .. })));
    producer.send(40, "t", Some(key_for(1)), None, 3, 0).unwrap();
    producer.on_tick(131);
    let (sends, _) = split(producer.take_effects());
    let mut sent: Vec<_> =
        produce_requests(&sends).iter().map(|(_, r)| (r.tp.partition, header(r))).collect();
    sent.sort_by_key(|(partition, _)| *partition);
    assert_eq!(
        sent,
        [(0, (PRODUCER_ID, 1, 0, vec![1])), (1, (PRODUCER_ID, 0, 0, vec![2]))],
        "partition 0 restarts under epoch 1; partition 1's retry keeps epoch 0, the new batch waits"
    );
    let retry = produce_requests(&sends).into_iter().find(|(_, r)| r.tp.partition == 1).unwrap();
    respond(&mut producer, 140, retry.0, &retry.1, ErrorCode::None, 7);
    let (sends, _) = split(producer.take_effects());
    assert_eq!(header(&produce_requests(&sends)[0].1), (PRODUCER_ID, 1, 0, vec![3]));
}

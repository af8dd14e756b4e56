//! The producer's record accumulator and sender, driven by hand-written broker answers: `linger.ms`,
//! `batch.size`, compression, `buffer.memory` with `max.block.ms`, `flush`, stats, and reordering
//! without idempotence.

use samsa_core::client::{record_id_of, ClientEvent, Producer, ProducerConfig};
use samsa_core::node::Node;
use samsa_core::record_batch::{Compression, RecordBatch};
use samsa_core::replication::messages::{Acks, TopicPartition};
use samsa_core::ErrorCode;

mod client_support;

use client_support::{leader_state, produce_requests, producer_with_metadata, respond, split};

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition { topic: topic.into(), partition }
}

fn config() -> ProducerConfig {
    ProducerConfig { enable_idempotence: Some(false), retries: 3, ..ProducerConfig::default() }
}

fn record_ids(batch: &[u8]) -> Vec<u64> {
    let (batch, _) = RecordBatch::decode(batch).unwrap();
    batch.records.iter().map(|r| record_id_of(r).unwrap().unwrap()).collect()
}

fn acked(events: &[ClientEvent]) -> Vec<(u64, i64)> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::RecordAcked { record_id, offset, .. } => Some((*record_id, *offset)),
            _ => None,
        })
        .collect()
}

#[test]
fn linger_waits_then_sends_one_batch_and_acks_base_plus_index() {
    let cfg = ProducerConfig { linger_ms: 10, ..config() };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    for id in 0..5 {
        producer.send(20 + id, "t", None, Some(vec![b'v'; 100]), id, 0).unwrap();
    }
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty(), "the batch lingers");
    assert_eq!(producer.next_tick_ms(), Some(30), "linger.ms after the batch was created at 20");
    producer.on_tick(29);
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty());
    producer.on_tick(30);
    let (sends, events) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(requests.len(), 1, "one request carries the batch");
    let (to, request) = &requests[0];
    assert_eq!(record_ids(&request.records), [0, 1, 2, 3, 4]);
    let batch_sent = events.iter().find(|e| matches!(e, ClientEvent::BatchSent { .. })).unwrap();
    assert!(
        matches!(batch_sent, ClientEvent::BatchSent { record_count: 5, attempt: 0, .. }),
        "{batch_sent:?}"
    );
    assert_eq!(events.iter().filter(|e| matches!(e, ClientEvent::RecordSent { .. })).count(), 5);

    respond(&mut producer, 40, *to, request, ErrorCode::None, 100);
    let (_, events) = split(producer.take_effects());
    assert_eq!(acked(&events), [(0, 100), (1, 101), (2, 102), (3, 103), (4, 104)]);
    let stats = producer.stats();
    assert_eq!(
        (stats.records_accepted, stats.batches_sent, stats.requests_sent, stats.records_acked),
        (5, 1, 1, 5)
    );
    assert_eq!(stats.bytes_sent, request.records.len() as u64);
    // Sent at 20..24, acked at 40.
    assert_eq!(stats.ack_latency_total_ms, 20 + 19 + 18 + 17 + 16);
    assert_eq!((stats.records_per_batch(), producer.buffered_bytes()), (5.0, 0));
}

#[test]
fn batch_size_splits_records_into_batches_that_go_when_full() {
    let cfg = ProducerConfig { linger_ms: 1_000, batch_size: 470, ..config() };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    for id in 0..7 {
        producer.send(20, "t", None, Some(vec![b'v'; 100]), id, 0).unwrap();
    }
    let (sends, _) = split(producer.take_effects());
    let batches: Vec<Vec<u64>> =
        produce_requests(&sends).iter().map(|(_, r)| record_ids(&r.records)).collect();
    // 61 header bytes + 134 per record: three fit in 470, a fourth would not.
    assert_eq!(batches, [vec![0, 1, 2], vec![3, 4, 5]], "full batches go at once, the last lingers");
    assert!(batches.iter().all(|b| b.len() * 134 + 61 <= 470));
    producer.on_tick(1_020);
    let (sends, _) = split(producer.take_effects());
    let batches: Vec<Vec<u64>> =
        produce_requests(&sends).iter().map(|(_, r)| record_ids(&r.records)).collect();
    assert_eq!(batches, [vec![6]]);
    // A record larger than batch.size gets a batch of its own and does not wait for linger.ms.
    producer.send(1_030, "t", None, Some(vec![b'v'; 900]), 8, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    assert_eq!(produce_requests(&sends).len(), 1);
}

#[test]
fn lz4_batches_decode_and_unsupported_codecs_are_refused() {
    let cfg = ProducerConfig { linger_ms: 0, compression_type: Compression::Lz4, ..config() };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", Some(b"k".to_vec()), Some(vec![b'x'; 1000]), 1, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let request = &produce_requests(&sends)[0].1;
    let (batch, _) = RecordBatch::decode(&request.records).unwrap();
    assert_eq!(batch.attributes.compression, Compression::Lz4);
    assert_eq!(batch.records[0].value.as_deref(), Some(&[b'x'; 1000][..]));
    assert!(request.records.len() < 500, "1000 equal bytes compress");

    for codec in [Compression::Gzip, Compression::Snappy, Compression::Zstd] {
        let cfg = ProducerConfig { compression_type: codec, ..config() };
        let err = Producer::new(1, cfg, vec![1]).unwrap_err().to_string();
        assert!(err.contains(&format!("compression.type {codec} is not supported by this build")), "{err}");
    }
}

#[test]
fn full_buffer_blocks_sends_in_order_until_memory_frees_or_max_block_ms() {
    // Each 100-byte record takes 134 bytes, a valueless one 32: two fit in 340, the third waits.
    let cfg = ProducerConfig { linger_ms: 0, buffer_memory: 340, max_block_ms: 500, ..config() };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, Some(vec![0; 100]), 1, 0).unwrap();
    assert_eq!(producer.buffered_bytes(), 134);
    producer.send(20, "t", None, Some(vec![0; 100]), 2, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let first = produce_requests(&sends);
    assert_eq!(first.len(), 2);
    producer.send(30, "t", None, Some(vec![0; 100]), 3, 0).unwrap();
    // Small enough to fit, but it queues behind the blocked send (Kafka's caller is blocked).
    producer.send(40, "t", None, None, 4, 0).unwrap();
    assert_eq!(producer.blocked_sends(), 2);
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty());

    // Memory frees: the blocked sends enter in order.
    respond(&mut producer, 50, first[0].0, &first[0].1, ErrorCode::None, 0);
    let (sends, events) = split(producer.take_effects());
    assert_eq!(acked(&events), [(1, 0)]);
    let ids: Vec<Vec<u64>> = produce_requests(&sends).iter().map(|(_, r)| record_ids(&r.records)).collect();
    assert_eq!(ids, [vec![3, 4]], "both enter, in order, and go in one batch");
    assert_eq!(producer.blocked_sends(), 0);

    // Nothing answers now: a send that waits max.block.ms fails; the one behind it enters after.
    producer.send(60, "t", None, Some(vec![0; 100]), 5, 0).unwrap();
    producer.send(70, "t", None, None, 6, 0).unwrap();
    assert_eq!(producer.next_tick_ms(), Some(560));
    producer.on_tick(560);
    let (sends, events) = split(producer.take_effects());
    let failed = ClientEvent::RecordFailed {
        client: 7,
        record_id: 5,
        tp: tp("t", -1),
        error: ErrorCode::RequestTimedOut,
    };
    assert_eq!(
        events.iter().filter(|e| matches!(e, ClientEvent::RecordFailed { .. })).collect::<Vec<_>>(),
        [&failed]
    );
    let ids: Vec<Vec<u64>> = produce_requests(&sends).iter().map(|(_, r)| record_ids(&r.records)).collect();
    assert_eq!(ids, [vec![6]], "the next send fits once the blocked one is gone");
    assert_eq!(producer.stats().records_failed, 1);
}

#[test]
fn flush_sends_lingering_batches_and_completes_after_every_outcome() {
    let mut producer = producer_with_metadata(
        ProducerConfig { linger_ms: 60_000, ..config() },
        vec![leader_state(tp("t", 0), 2, 0)],
    );
    producer.flush(15);
    assert_eq!(
        split(producer.take_effects()).1,
        [ClientEvent::FlushCompleted { client: 7 }],
        "nothing pending"
    );
    producer.send(20, "t", None, None, 1, 0).unwrap();
    producer.send(21, "t", None, None, 2, 0).unwrap();
    assert!(produce_requests(&split(producer.take_effects()).0).is_empty());
    producer.flush(22);
    let (sends, events) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(requests.len(), 1, "flush makes the batch ready at once");
    assert!(!events.contains(&ClientEvent::FlushCompleted { client: 7 }));
    // A record sent after the flush does not hold it up.
    producer.send(23, "t", None, None, 3, 0).unwrap();
    respond(&mut producer, 30, requests[0].0, &requests[0].1, ErrorCode::None, 5);
    let (_, events) = split(producer.take_effects());
    assert_eq!(acked(&events), [(1, 5), (2, 6)]);
    assert_eq!(events.last(), Some(&ClientEvent::FlushCompleted { client: 7 }));
}

#[test]
fn without_idempotence_a_retry_lands_after_a_later_batch() {
    // max.in.flight.requests.per.connection=5 and no idempotence: Kafka documents that a retry may
    // reorder records (the `reordering-in-flight` scenario).
    let cfg = ProducerConfig { linger_ms: 0, ..config() };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    assert!(!producer.idempotent());
    producer.send(20, "t", None, None, 1, 0).unwrap();
    producer.send(21, "t", None, None, 2, 0).unwrap();
    let (sends, _) = split(producer.take_effects());
    let requests = produce_requests(&sends);
    assert_eq!(requests.len(), 2, "both batches in flight at once");
    respond(&mut producer, 30, requests[0].0, &requests[0].1, ErrorCode::NotEnoughReplicas, -1);
    respond(&mut producer, 31, requests[1].0, &requests[1].1, ErrorCode::None, 0);
    assert_eq!(acked(&split(producer.take_effects()).1), [(2, 0)]);
    producer.on_tick(130);
    let (sends, events) = split(producer.take_effects());
    let retry = produce_requests(&sends);
    assert_eq!(record_ids(&retry[0].1.records), [1]);
    assert!(events.iter().any(|e| matches!(e, ClientEvent::BatchSent { attempt: 1, base_sequence: -1, .. })));
    respond(&mut producer, 140, retry[0].0, &retry[0].1, ErrorCode::None, 1);
    assert_eq!(acked(&split(producer.take_effects()).1), [(1, 1)], "record 1 now sits after record 2");
    assert_eq!(producer.stats().batches_retried, 1);
    assert_eq!(producer.stats().batches_sent, 3);
}

#[test]
fn acks_0_batches_complete_on_send() {
    let cfg = ProducerConfig { linger_ms: 5, acks: Acks::None, ..config() };
    let mut producer = producer_with_metadata(cfg, vec![leader_state(tp("t", 0), 2, 0)]);
    producer.send(20, "t", None, None, 1, 0).unwrap();
    producer.send(21, "t", None, None, 2, 0).unwrap();
    producer.on_tick(25);
    let (sends, events) = split(producer.take_effects());
    assert_eq!(produce_requests(&sends).len(), 1);
    assert_eq!(acked(&events), [(1, -1), (2, -1)]);
    assert_eq!(producer.in_flight_requests(2), 0);
}

//! Producer throughput: `send` plus hand-written broker answers for records spread over 12 partitions led
//! by 3 brokers, in records per second. No broker runs here, so this is the producer's own cost (partition,
//! encode, queue, drain, complete) — the part of a simulated second that grows with the queue.
//!
//! - `steady`: every produce request is answered right after the `send` that emitted it, so the queue stays
//!   short (the simulator's 1,000 msg/s workload).
//! - `burst/N`: N records are sent before any answer, so up to N records wait behind
//!   `max.in.flight.requests.per.connection`; per-record cost must not grow with N.
//! - `encode_only` is the baseline: building and encoding the same records as one-record batches.
//! - `accumulator_encode`: keyless 100-byte records through the accumulator (`linger.ms` 5, `batch.size`
//!   16 KiB, sticky partitioner), encoded into batches and answered at once, beside `memcpy`: copying the
//!   same value bytes, the floor for any producer.
//!
//! The producer runs with Kafka's defaults (idempotence on), so it first gets its id from InitProducerId.
//!
//! Run: `cargo bench -p samsa-core --bench producer`.

use core::hint::black_box;
use core::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use samsa_core::client::{record_id_header, ClientEvent, Producer, ProducerConfig};
use samsa_core::node::{Effect, Node, NodeId};
use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};
use samsa_core::replication::messages::{
    Acks, InitProducerIdResponse, Message, PartitionState, ProduceRequest, ProduceResponse, TopicPartition,
};
use samsa_core::ErrorCode;

const TOPIC: &str = "bench";
const PARTITIONS: i32 = 12;
const BROKERS: i32 = 3;
const KEYS: u64 = 1_000;
const VALUE_SIZE_BYTES: usize = 100;
const STEADY_RECORDS: u64 = 10_000;
const BURST_RECORDS: [u64; 2] = [1_000, 4_000];

/// A producer that knows the 12 partitions (leaders round-robin over brokers 1..=3) and has its id.
fn ready_producer() -> Producer {
    ready_producer_with(ProducerConfig { acks: Acks::All, ..ProducerConfig::default() })
}

fn ready_producer_with(config: ProducerConfig) -> Producer {
    let mut producer = Producer::new(1, config, vec![1, 2, 3]).expect("valid config");
    producer.on_tick(0);
    let effects = producer.take_effects();
    let correlation_id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Send { message: Message::MetadataRequest { correlation_id }, .. } => {
                Some(*correlation_id)
            }
            _ => None,
        })
        .expect("a metadata request at start");
    let init = effects.iter().find_map(|effect| match effect {
        Effect::Send { to, message: Message::InitProducerId(request) } => Some((*to, request.correlation_id)),
        _ => None,
    });
    let partitions = (0..PARTITIONS)
        .map(|partition| PartitionState {
            tp: TopicPartition { topic: TOPIC.into(), partition },
            replicas: vec![1, 2, 3],
            isr: vec![1, 2, 3],
            leader: Some(1 + partition % BROKERS),
            leader_epoch: 0,
            partition_epoch: 0,
        })
        .collect();
    // The first metadata request goes to the lowest candidate broker.
    producer.on_message(1, NodeId::Broker(1), Message::MetadataResponse { correlation_id, partitions });
    if let Some((to, correlation_id)) = init {
        let response = InitProducerIdResponse {
            correlation_id,
            error: ErrorCode::None,
            producer_id: 1,
            producer_epoch: 0,
        };
        producer.on_message(1, to, Message::InitProducerIdResponse(response));
    }
    producer.take_effects();
    producer
}

fn key(record: u64) -> Vec<u8> {
    format!("key-{:06}", record % KEYS).into_bytes()
}

/// Moves produce requests out of the producer's effects; returns how many records completed.
fn collect(producer: &mut Producer, requests: &mut Vec<(NodeId, ProduceRequest)>) -> u64 {
    let mut completed = 0;
    for effect in producer.take_effects() {
        match effect {
            Effect::Send { to, message: Message::Produce(request) } => requests.push((to, request)),
            Effect::Client(ClientEvent::RecordAcked { .. } | ClientEvent::RecordFailed { .. }) => {
                completed += 1;
            }
            _ => {}
        }
    }
    completed
}

/// Answers every request in `requests` with success.
fn answer(
    producer: &mut Producer,
    now_ms: u64,
    requests: &mut Vec<(NodeId, ProduceRequest)>,
    offset: &mut i64,
) {
    for (to, request) in requests.drain(..) {
        let response = ProduceResponse {
            correlation_id: request.correlation_id,
            tp: request.tp,
            error: ErrorCode::None,
            base_offset: *offset,
            log_start_offset: 0,
        };
        *offset += 1;
        producer.on_message(now_ms, to, Message::ProduceResponse(response));
    }
}

fn send(producer: &mut Producer, now_ms: u64, record: u64) {
    let value = vec![record as u8; VALUE_SIZE_BYTES];
    producer.send(now_ms, TOPIC, Some(key(record)), Some(value), record, record as u32).expect("accepted");
}

/// Sends `records`, answering each request right away; returns the records acked.
fn steady(records: u64) -> u64 {
    let mut producer = ready_producer();
    let (mut requests, mut offset, mut acked) = (Vec::new(), 0, 0);
    for record in 0..records {
        let now_ms = 1_000 + record;
        send(&mut producer, now_ms, record);
        acked += collect(&mut producer, &mut requests);
        while !requests.is_empty() {
            answer(&mut producer, now_ms, &mut requests, &mut offset);
            acked += collect(&mut producer, &mut requests);
        }
    }
    acked += finish(&mut producer, 1_000 + records, &mut requests, &mut offset);
    assert_eq!(acked, records, "every record is acked");
    acked
}

/// Flushes what still lingers and answers until nothing is left; returns the records acked.
fn finish(
    producer: &mut Producer,
    mut now_ms: u64,
    requests: &mut Vec<(NodeId, ProduceRequest)>,
    offset: &mut i64,
) -> u64 {
    producer.flush(now_ms);
    let mut acked = collect(producer, requests);
    while !requests.is_empty() {
        now_ms += 1;
        answer(producer, now_ms, requests, offset);
        acked += collect(producer, requests);
    }
    acked
}

/// Sends `records` at once, then answers in rounds until all are acked.
fn burst(records: u64) -> u64 {
    let mut producer = ready_producer();
    let (mut requests, mut offset, mut acked) = (Vec::new(), 0, 0);
    for record in 0..records {
        send(&mut producer, 1_000, record);
    }
    acked += collect(&mut producer, &mut requests);
    acked += finish(&mut producer, 1_000, &mut requests, &mut offset);
    assert_eq!(acked, records, "every record is acked");
    acked
}

/// The floor: the one-record batches `send` builds, without any producer.
fn encode_only(records: u64) -> usize {
    (0..records)
        .map(|record| {
            let new = NewRecord {
                key: Some(key(record)),
                value: Some(vec![record as u8; VALUE_SIZE_BYTES]),
                headers: vec![record_id_header(record)],
                timestamp_ms: 1_000,
            };
            RecordBatch::from_new_records(vec![new], Compression::None)
                .and_then(|b| b.encode())
                .map_or(0, |bytes| bytes.len())
        })
        .sum()
}

/// Keyless 100-byte records, 100 per ms, through the accumulator with `linger.ms` 5 and `batch.size`
/// 16 KiB; every request is answered as soon as it appears. Returns the records acked.
fn accumulate(records: u64, values: &[Vec<u8>]) -> u64 {
    let config = ProducerConfig { linger_ms: 5, batch_size: 16_384, ..ProducerConfig::default() };
    let mut producer = ready_producer_with(config);
    let (mut requests, mut offset, mut acked) = (Vec::new(), 0, 0);
    let mut now_ms = 1_000;
    for record in 0..records {
        now_ms = 1_000 + record / 100;
        let value = values[(record as usize) % values.len()].clone();
        producer.send(now_ms, TOPIC, None, Some(value), record, record as u32).expect("accepted");
        acked += collect(&mut producer, &mut requests);
        if !requests.is_empty() {
            answer(&mut producer, now_ms, &mut requests, &mut offset);
            acked += collect(&mut producer, &mut requests);
        }
    }
    acked += finish(&mut producer, now_ms, &mut requests, &mut offset);
    assert_eq!(acked, records, "every record is acked");
    acked
}

/// The floor beside [`accumulate`]: copying the same value bytes once.
fn memcpy(records: u64, values: &[Vec<u8>]) -> usize {
    let mut out = Vec::with_capacity(records as usize * VALUE_SIZE_BYTES);
    for record in 0..records {
        out.extend_from_slice(&values[(record as usize) % values.len()]);
    }
    out.len()
}

fn accumulator(c: &mut Criterion) {
    let values: Vec<Vec<u8>> = (0..256u32).map(|i| vec![i as u8; VALUE_SIZE_BYTES]).collect();
    let mut group = c.benchmark_group("accumulator_encode");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(STEADY_RECORDS));
    group.bench_function("memcpy", |b| b.iter(|| black_box(memcpy(STEADY_RECORDS, &values))));
    group.bench_function("linger5_16KiB", |b| b.iter(|| black_box(accumulate(STEADY_RECORDS, &values))));
    group.finish();
}

fn producer(c: &mut Criterion) {
    let mut group = c.benchmark_group("producer");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(STEADY_RECORDS));
    group.bench_function("encode_only", |b| b.iter(|| black_box(encode_only(STEADY_RECORDS))));
    group.bench_function("steady", |b| b.iter(|| black_box(steady(STEADY_RECORDS))));
    for records in BURST_RECORDS {
        group.throughput(Throughput::Elements(records));
        group.bench_with_input(BenchmarkId::new("burst", records), &records, |b, &records| {
            b.iter(|| black_box(burst(records)))
        });
    }
    group.finish();
}

criterion_group!(benches, producer, accumulator);
criterion_main!(benches);

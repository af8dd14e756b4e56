//! Encode and decode throughput of uncompressed v2 batches, each beside a `memcpy` of the same number
//! of bytes so the ratio to the floor is visible in one run.
//!
//! Run: `cargo bench -p samsa-core --bench record_batch`.

use core::hint::black_box;
use core::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use samsa_core::record_batch::{Compression, Header, NewRecord, RecordBatch};

const RECORDS_PER_BATCH: usize = 100;
const VALUE_SIZES_BYTES: [usize; 2] = [100, 1024];

/// A producer's batch: 16-byte keys, one small header, values of `value_size_bytes`.
fn sample_batch(value_size_bytes: usize) -> RecordBatch {
    let records = (0..RECORDS_PER_BATCH)
        .map(|i| NewRecord {
            key: Some(format!("key-{i:012}").into_bytes()),
            value: Some((0..value_size_bytes).map(|j| (i + j) as u8).collect()),
            headers: vec![Header { key: "trace-id".to_string(), value: Some(vec![7; 8]) }],
            timestamp_ms: 1_700_000_000_000 + i as i64,
        })
        .collect();
    RecordBatch::from_new_records(records, Compression::None).expect("non-empty batch")
}

fn configure<M: criterion::measurement::Measurement>(group: &mut BenchmarkGroup<'_, M>) {
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
}

/// The baseline: copying the encoded size into a preallocated buffer.
fn bench_memcpy<M: criterion::measurement::Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    name: String,
    source: &[u8],
) {
    let mut destination = vec![0u8; source.len()];
    group.bench_function(name, |b| {
        b.iter(|| {
            destination.copy_from_slice(black_box(source));
            black_box(&destination);
        })
    });
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    configure(&mut group);
    for value_size_bytes in VALUE_SIZES_BYTES {
        let batch = sample_batch(value_size_bytes);
        let encoded = batch.encode().expect("encodes");
        group.throughput(Throughput::Bytes(encoded.len() as u64));
        let mut out = Vec::with_capacity(encoded.len());
        group.bench_function(format!("100x{value_size_bytes}B"), |b| {
            b.iter(|| {
                out.clear();
                black_box(&batch).encode_into(&mut out).expect("encodes");
                black_box(&out);
            })
        });
        bench_memcpy(&mut group, format!("memcpy_100x{value_size_bytes}B"), &encoded);
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    configure(&mut group);
    for value_size_bytes in VALUE_SIZES_BYTES {
        let encoded = sample_batch(value_size_bytes).encode().expect("encodes");
        group.throughput(Throughput::Bytes(encoded.len() as u64));
        group.bench_function(format!("100x{value_size_bytes}B"), |b| {
            b.iter(|| RecordBatch::decode(black_box(&encoded)).expect("decodes"))
        });
        bench_memcpy(&mut group, format!("memcpy_100x{value_size_bytes}B"), &encoded);
    }
    group.finish();
}

criterion_group!(benches, encode, decode);
criterion_main!(benches);

//! Append throughput of the partition log (validate, assign offsets, stamp, store in memory), beside a
//! `memcpy` of the same bytes so the ratio to the floor is visible in one run.
//!
//! Run: `cargo bench -p samsa-core --bench log`.

use core::hint::black_box;
use core::time::Duration;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samsa_core::log::{LogConfig, PartitionLog};
use samsa_core::record_batch::{Compression, Header, NewRecord, RecordBatch};

const RECORDS_PER_BATCH: usize = 100;
const VALUE_SIZES_BYTES: [usize; 2] = [100, 1024];
/// Appends per fresh log, so a run never approaches the in-memory storage limit (1 GiB).
const APPENDS_PER_LOG: u64 = 256;

/// A producer's batch: 16-byte keys, one small header, values of `value_size_bytes`.
fn sample_batch(value_size_bytes: usize) -> Vec<u8> {
    let records = (0..RECORDS_PER_BATCH)
        .map(|i| NewRecord {
            key: Some(format!("key-{i:012}").into_bytes()),
            value: Some((0..value_size_bytes).map(|j| (i + j) as u8).collect()),
            headers: vec![Header { key: "trace-id".to_string(), value: Some(vec![7; 8]) }],
            timestamp_ms: 1_700_000_000_000 + i as i64,
        })
        .collect();
    RecordBatch::from_new_records(records, Compression::None)
        .expect("non-empty batch")
        .encode()
        .expect("encodes")
}

fn fresh_log() -> PartitionLog {
    PartitionLog::new(LogConfig::default(), 0)
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    for value_size_bytes in VALUE_SIZES_BYTES {
        let batch = sample_batch(value_size_bytes);
        group.throughput(Throughput::Bytes(batch.len() as u64));
        group.bench_function(format!("100x{value_size_bytes}B"), |b| {
            b.iter_custom(|iters| {
                // Only the appends are timed; creating and dropping the logs is not.
                let mut measured = Duration::ZERO;
                let mut log = fresh_log();
                let mut start = Instant::now();
                for i in 0..iters {
                    if i > 0 && i % APPENDS_PER_LOG == 0 {
                        measured += start.elapsed();
                        drop(core::mem::replace(&mut log, fresh_log()));
                        start = Instant::now();
                    }
                    black_box(log.append(black_box(&batch), 0, i).expect("appends"));
                }
                measured + start.elapsed()
            })
        });
        let mut destination = vec![0u8; batch.len()];
        group.bench_function(format!("memcpy_100x{value_size_bytes}B"), |b| {
            b.iter(|| {
                destination.copy_from_slice(black_box(&batch));
                black_box(&destination);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);

//! Virtual seconds simulated per wall second: 3 brokers, 12 partitions, RF 3, acks=all at 1,000 msg/s,
//! one consumer. Criterion's throughput is in "elements" = virtual seconds, so `elem/s` reads directly
//! as the speed-up over real time (goal: ≥ 1000×).
//!
//! Three runs side by side: the engine alone with a counter-only trace (what `explore` pays per seed,
//! minus the checker), the engine with the hashed JSON trace (the serialization cost), and the full
//! `run` with the hashed trace, the streaming checker and its end-of-run checks.

// Criterion runs natively only; on wasm32 (checked by clippy with --all-targets) this is empty.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use criterion::{criterion_group, Criterion, Throughput};
    use samsa_sim::cluster::build;
    use samsa_sim::engine::SimConfig;
    use samsa_sim::runner::{run, RunOptions};
    use samsa_sim::scenario::Scenario;
    use samsa_sim::Trace;

    const VIRTUAL_SECONDS: u64 = 10;

    fn scenario() -> Scenario {
        let text = format!(
            r#"
    version = 1
    name = "bench"
    duration_ms = {duration_ms}

    [cluster]
    brokers = 3

    [[topics]]
    name = "bench"
    partitions = 12
    "replication.factor" = 3

    [topics.config]
    "min.insync.replicas" = 2

    [[producers]]
    topic = "bench"

    [producers.config]
    acks = "all"

    [producers.workload]
    rate_per_sec = 1000
    keys = 1000
    value_bytes = 100

    [[consumers]]
    topic = "bench"
    "#,
            duration_ms = VIRTUAL_SECONDS * 1_000
        );
        match Scenario::parse(&text) {
            Ok(scenario) => scenario,
            Err(e) => panic!("bench scenario: {e}"),
        }
    }

    /// Virtual seconds per wall second, engine alone and full run.
    pub fn bench(c: &mut Criterion) {
        let scenario = scenario();
        let mut group = c.benchmark_group("virtual_seconds");
        group.sample_size(10);
        group.throughput(Throughput::Elements(VIRTUAL_SECONDS));
        let engine = |trace: fn() -> Trace| {
            let config = SimConfig { network: scenario.network.clone(), ..SimConfig::new(1, "bench") };
            let mut sim = build(&scenario, config, trace()).unwrap_or_else(|e| panic!("{e}"));
            sim.run_until(scenario.duration_ms).unwrap_or_else(|e| panic!("{e}"));
            sim.trace().recorded()
        };
        group.bench_function("engine_counter_only_trace", |b| b.iter(|| engine(Trace::counter_only)));
        group.bench_function("engine_hashed_trace", |b| b.iter(|| engine(Trace::hash_only)));
        group.bench_function("run_with_checker_hashed_trace", |b| {
            b.iter(|| {
                let outcome = run(&scenario, RunOptions { seed: 1, explore: false }, Trace::hash_only());
                outcome.unwrap_or_else(|e| panic!("{e}")).report.records_acked
            })
        });
        group.finish();
    }

    criterion_group!(benches, bench);
}

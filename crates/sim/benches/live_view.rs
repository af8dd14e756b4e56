//! What building the playground's view costs at the frame-budget load (scenarios/playground-load.toml:
//! 3 brokers × 12 partitions, acks=all at 1,000 msg/s, one consumer) after 60 virtual seconds.
//!
//! Side by side, each beside its baseline:
//! - `build_view_warm`: the view again at the same moment (the live counts' per-partition state is
//!   current, so this is the fixed cost of a view);
//! - `build_view_cold`: the first view after a checkpoint restore (cloned `Observers`, so the live loss
//!   and duplicate counts are worked out from the logs), beside `clone_observers` alone;
//! - `advance_16ms_and_view`: one 60 fps frame at 1× — 16 virtual ms simulated, then a view — beside
//!   `advance_16ms` alone;
//! - what feeding every trace event to `Observers` costs the simulation: the first 5 virtual seconds
//!   with and without observers (`observe_overhead`, throughput in virtual seconds per second).

// Criterion runs natively only; on wasm32 (checked by clippy with --all-targets) this is empty.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::cell::RefCell;
    use std::rc::Rc;

    use criterion::{criterion_group, BatchSize, Criterion, Throughput};
    use samsa_sim::cluster::build;
    use samsa_sim::engine::{SimConfig, Simulation};
    use samsa_sim::live::{build_view, Observers};
    use samsa_sim::scenario::Scenario;
    use samsa_sim::Trace;

    /// Virtual time run before measuring.
    const WARM_UP_MS: u64 = 60_000;
    /// One frame at 60 fps and 1× speed.
    const FRAME_MS: u64 = 16;

    /// Virtual time of the observe-overhead runs.
    const OVERHEAD_RUN_MS: u64 = 5_000;

    fn scenario() -> Scenario {
        let file = format!("{}/../../scenarios/playground-load.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        Scenario::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
    }

    /// The load's simulation at time 0, with observers fed by it when `observed`.
    fn start(scenario: &Scenario, observed: bool) -> (Simulation, Rc<RefCell<Observers>>) {
        let config =
            SimConfig { network: scenario.network.clone(), ..SimConfig::new(scenario.seed, "bench") };
        let mut sim = build(scenario, config, Trace::hash_only()).unwrap_or_else(|e| panic!("{e}"));
        let observers = Rc::new(RefCell::new(Observers::new(scenario)));
        if observed {
            let feed = Rc::clone(&observers);
            sim.set_observer(Box::new(move |event| feed.borrow_mut().observe(event)));
        }
        (sim, observers)
    }

    /// The cost of feeding the observers, as simulation speed.
    pub fn overhead(c: &mut Criterion) {
        let scenario = scenario();
        let mut group = c.benchmark_group("observe_overhead");
        group.sample_size(10);
        group.throughput(Throughput::Elements(OVERHEAD_RUN_MS / 1_000));
        for (name, observed) in [("engine_without_observers", false), ("engine_with_observers", true)] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let (mut sim, _observers) = start(&scenario, observed);
                    sim.run_until(OVERHEAD_RUN_MS).unwrap_or_else(|e| panic!("{e}"));
                    sim.steps()
                })
            });
        }
        group.finish();
    }

    /// The costs listed in the module docs.
    pub fn bench(c: &mut Criterion) {
        let scenario = scenario();
        let (mut sim, observers) = start(&scenario, true);
        sim.run_until(WARM_UP_MS).unwrap_or_else(|e| panic!("{e}"));
        let mut group = c.benchmark_group("live_view_at_load");
        let _ = build_view(&sim, &scenario, &observers.borrow(), None);
        group.bench_function("build_view_warm", |b| {
            b.iter(|| build_view(&sim, &scenario, &observers.borrow(), None).checker.records_acked)
        });
        group.bench_function("clone_observers", |b| b.iter(|| observers.borrow().clone()));
        group.bench_function("build_view_cold", |b| {
            b.iter_batched(
                || observers.borrow().clone(),
                |fresh| build_view(&sim, &scenario, &fresh, None).checker.records_acked,
                BatchSize::SmallInput,
            )
        });
        group.bench_function("advance_16ms", |b| {
            b.iter(|| {
                let next_ms = sim.now_ms() + FRAME_MS;
                sim.run_until(next_ms).unwrap_or_else(|e| panic!("{e}"));
            })
        });
        group.bench_function("advance_16ms_and_view", |b| {
            b.iter(|| {
                let next_ms = sim.now_ms() + FRAME_MS;
                sim.run_until(next_ms).unwrap_or_else(|e| panic!("{e}"));
                build_view(&sim, &scenario, &observers.borrow(), None).checker.records_acked
            })
        });
        group.finish();
    }

    criterion_group!(benches, bench, overhead);
}

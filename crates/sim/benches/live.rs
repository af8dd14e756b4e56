//! Rewind in the live playground: how long a Seek takes on `scenarios/playground.toml` after two
//! minutes of virtual time, by restoring the latest checkpoint at or before the target and replaying
//! from there. Three targets: back 60 s (a checkpoint moment: the copy alone), back to 0, and just
//! before a checkpoint (the worst case: a whole checkpoint interval replayed). Beside them, the
//! baseline a seek cannot beat: copying the simulation once (`Simulation::checkpoint`).

// Criterion runs natively only; on wasm32 (checked by clippy with --all-targets) this is empty.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::{Duration, Instant};

    use criterion::{criterion_group, Criterion};
    use samsa_sim::live::protocol::{Command, Update};
    use samsa_sim::live::LiveSession;

    const PLAYGROUND: &str = include_str!("../../../scenarios/playground.toml");
    /// Virtual time run before seeking.
    const RUN_MS: u64 = 120_000;

    fn session() -> LiveSession {
        let mut session = LiveSession::load(PLAYGROUND, None).expect("playground.toml loads");
        for _ in 0..RUN_MS / 60_000 {
            let update = session.handle(Command::Advance { virtual_ms: 60_000 });
            assert!(matches!(update, Update::View(_)), "{update:?}");
        }
        session
    }

    /// Times only the seek to `t_ms`; the way back to the end is untimed.
    fn seek(c: &mut Criterion, name: &str, t_ms: u64) {
        let mut session = session();
        c.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let update = session.handle(Command::Seek { t_ms });
                    total += start.elapsed();
                    assert!(matches!(update, Update::View(_)));
                    session.handle(Command::Seek { t_ms: RUN_MS });
                }
                total
            })
        });
    }

    fn seeks(c: &mut Criterion) {
        seek(c, "seek back 60 s (after 120 s)", RUN_MS - 60_000);
        seek(c, "seek to 0 (after 120 s)", 0);
        seek(c, "seek to just before a checkpoint (after 120 s)", RUN_MS - 60_000 - 1);
        let session = session();
        c.bench_function("copy the simulation once (baseline)", |b| {
            b.iter(|| session.simulation().checkpoint().expect("no observer, no writer"))
        });
    }

    criterion_group! {
        name = benches;
        config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
        targets = seeks
    }
}

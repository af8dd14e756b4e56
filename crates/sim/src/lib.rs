//! # samsa-sim
//!
//! The deterministic simulator that drives samsa-core: one thread, virtual time, one seed. Given the
//! same seed and the same code, a run makes the same decisions in the same order, on native and wasm,
//! so any failure it finds is reproduced by `samsa-sim run SCENARIO --seed N`.
//!
//! ## Map
//! - [`clock`] — [`clock::VirtualClock`]: milliseconds that move only when told, the `now_ms` every
//!   samsa-core call takes.
//! - [`rng`] — [`rng::SimRng`]: xoshiro256** seeded through SplitMix64, the only randomness in a run;
//!   parts of the simulation take their own [`rng::SimRng::fork`].
//!
//! The rest of the simulator arrives with the simulator issue: a cluster of brokers over samsa-core, a
//! network with faults (`crash`, `restart`, `cut`, `heal`, `isolate`, `delay`, `drop_rate`,
//! `duplicate`), scenarios, a trace of every step, and a checker of Kafka's invariants run on every step.
//!
//! Determinism rules for code added here: no host clock, no `thread_rng`, no `HashMap` iteration where
//! order can reach a decision or the trace (use `BTreeMap`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod rng;

pub use clock::VirtualClock;
pub use rng::SimRng;

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
//! - [`trace`] — [`trace::TraceEvent`]: every step as a value, JSON Lines, and the FNV-1a "trace hash".
//! - [`network`] — [`network::Network`]: latency, drops, duplicates, reordering, cuts and isolation,
//!   with a bounded in-flight queue.
//! - [`sim_node`] — [`sim_node::SimNode`]: what the engine needs from a node beyond samsa-core's `Node`
//!   (crash and restart, invariants, views, the workload's entry point).
//! - [`engine`] — [`engine::Simulation`]: the step loop, fault verbs, workloads, snapshots.
//! - [`txn_app`] — the application loop around a transactional producer (begin, send, commit/abort).
//! - [`pipeline_app`] — consume-transform-produce applications with at-most-, at-least- or exactly-once
//!   semantics.
//! - [`cluster`] — samsa-core's broker, controller, producer and consumer as simulator nodes; building
//!   a simulation from a scenario; the final state for the checker.
//! - [`scenario`] — the TOML scenario format (`scenarios/README.md`) and its validation.
//! - [`live`] — the playground's session: commands in, views out, rewind by checkpoint + replay,
//!   forks; [`live::protocol`] is what crosses the Web Worker boundary.
//! - [`explore`] — randomised fault schedules drawn from a seed.
//! - [`runner`] — one run of a scenario, start to verdict.
//! - [`checker`] — Kafka's guarantees, checked against the trace and the final state.
//! - [`stats`] — running counts for the summary, per producer and per partition too.
//! - [`summary`] — the producer and partition lines of `samsa-sim run`'s summary.
//!
//! Determinism rules for code added here: no host clock, no `thread_rng`, no `HashMap` iteration where
//! order can reach a decision or the trace (use `BTreeMap`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checker;
pub mod clock;
pub mod cluster;
pub mod consumer_app;
pub mod engine;
pub mod explore;
pub mod group_summary;
pub mod live;
pub mod network;
pub mod pipeline_app;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod sim_node;
pub mod stats;
pub mod summary;
pub mod trace;
pub mod txn_app;

pub use clock::VirtualClock;
pub use rng::SimRng;
pub use trace::{Trace, TraceEvent, TraceKind};

//! Trace hashes pinned for determinism checks, shared by the native (`tests/cluster.rs`) and the wasm
//! (`tests/wasm_browser.rs`) tests. When samsa-core's or the simulator's behaviour changes on purpose,
//! the hash changes: update it here (the native test prints the new value) and both tests follow.

/// The seed of the pinned run of `scenarios/basic.toml`.
pub const BASIC_SEED: u64 = 1;

/// `samsa-sim run scenarios/basic.toml --seed 1`'s trace hash.
pub const BASIC_TRACE_HASH: &str = "d84fbeca6ff78139";

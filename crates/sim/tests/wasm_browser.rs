//! samsa-sim compiled to wasm32 and run in headless Chromium: the playground runs the simulator in the
//! browser, so a seed must produce the very same trace there as natively. The hash pinned in
//! `support/pinned.rs` is checked natively by `tests/cluster.rs` too, so a wasm-only divergence fails
//! here and nowhere else.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p samsa-sim --no-default-features
//! --target wasm32-unknown-unknown --test wasm_browser`.
#![cfg(target_arch = "wasm32")]

#[path = "support/pinned.rs"]
mod pinned;

use samsa_sim::runner::{run, RunOptions};
use samsa_sim::scenario::Scenario;
use samsa_sim::Trace;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn basic_scenario_hashes_as_natively() {
    let scenario = Scenario::parse(include_str!("../../../scenarios/basic.toml")).unwrap();
    let outcome =
        run(&scenario, RunOptions { seed: pinned::BASIC_SEED, explore: false }, Trace::hash_only()).unwrap();
    assert_eq!(
        outcome.trace_hash,
        pinned::BASIC_TRACE_HASH,
        "reproduce natively: samsa-sim run scenarios/basic.toml --seed 1"
    );
    assert!(outcome.passed(), "{:?}", outcome.problems);
}

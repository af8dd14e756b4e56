//! samsa-sim compiled to wasm32 and run in headless Chromium: the playground runs the simulator in the
//! browser, so a seed must produce the very same trace there as natively. The hash pinned in
//! `support/pinned.rs` is checked natively by `tests/cluster.rs` too, so a wasm-only divergence fails
//! here and nowhere else.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p samsa-sim --no-default-features
//! --target wasm32-unknown-unknown --test wasm_browser`.
#![cfg(target_arch = "wasm32")]

#[path = "support/live_script.rs"]
mod live_script;
#[path = "support/pinned.rs"]
mod pinned;

use samsa_sim::live::protocol::Update;
use samsa_sim::live::LiveSession;
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

/// The playground's session in the browser: the same commands (advance, step, act, rewind, fork,
/// switch) end at the same trace hash as natively (`tests/live_session.rs` pins it too).
#[wasm_bindgen_test]
fn live_session_script_hashes_as_natively() {
    let mut session = LiveSession::load(live_script::SCRIPT_SCENARIO, None).unwrap();
    let mut last = None;
    for command in live_script::script() {
        match session.handle(command) {
            Update::View(view) => last = Some(view),
            other => panic!("the script was refused: {other:?}"),
        }
    }
    let last = last.unwrap();
    assert_eq!(last.branches.len(), 2);
    assert_eq!(last.time.trace_hash, live_script::LIVE_SCRIPT_TRACE_HASH);
}

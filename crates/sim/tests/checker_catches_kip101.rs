//! The checker must catch a real broker bug, not only hand-made traces: the follower-truncation
//! scenario run again with samsa-core's test-only `unsafe_truncate_to_high_watermark` (the pre-KIP-101
//! rule: a follower truncates to its own high watermark on a leader change). KIP-101's first scenario
//! follows — the follower's high watermark lags the leader's by one fetch, so it drops a record that
//! was already acknowledged, is then elected, and the record is gone. The same scenario with the
//! epoch-based truncation (KIP-101, KIP-279) comes out clean: tests/scenarios.rs.

use samsa_sim::checker::ViolationKind;
use samsa_sim::runner::{reproduce_command, run, RunOptions};
use samsa_sim::scenario::Scenario;
use samsa_sim::trace::Trace;

const SCENARIO: &str = "scenarios/follower-truncation.toml";

fn follower_truncation_truncating_to_the_high_watermark() -> Scenario {
    let file = format!("{}/../../{SCENARIO}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    let mut scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    scenario.broker_config.unsafe_truncate_to_high_watermark = true;
    scenario
}

#[test]
fn truncating_to_the_high_watermark_loses_an_acknowledged_write_and_the_checker_names_it() {
    let scenario = follower_truncation_truncating_to_the_high_watermark();
    for seed in [scenario.seed, 2, 3] {
        let options = RunOptions { seed, explore: false };
        // The file's own command would run the safe variant; say how to get the broken one.
        let reproduce = format!(
            "{} (with \"samsa.unsafe.truncate.to.high.watermark\" = true in [cluster.config])",
            reproduce_command(SCENARIO, options)
        );
        let outcome = run(&scenario, options, Trace::hash_only())
            .unwrap_or_else(|e| panic!("the run failed: {e}\nreproduce: {reproduce}"));
        let report = &outcome.report;
        let caught =
            report.count_of(ViolationKind::AckedWriteLost) + report.count_of(ViolationKind::DivergentReplica);
        assert!(caught > 0, "pre-KIP-101 truncation went unnoticed:\n{report}\nreproduce: {reproduce}");
        let lost = report.violations.iter().find(|v| v.kind == ViolationKind::AckedWriteLost);
        if let Some(violation) = lost {
            assert!(violation.record_id.is_some() && !violation.offsets.is_empty(), "{violation}");
        }
        assert!(!outcome.passed(), "the scenario expects no violation, so this run must fail it");
    }
}

//! The consumer-group scenarios, each run with its own seed and checked for the claim its description
//! makes (beyond its `[expect]`, which `scenarios.rs` checks for every shipped scenario).

use samsa_sim::checker::ViolationKind;
use samsa_sim::runner::{reproduce_command, run, RunOptions, RunOutcome};
use samsa_sim::scenario::Scenario;
use samsa_sim::trace::Trace;

fn run_scenario(name: &str) -> RunOutcome {
    let file = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let options = RunOptions { seed: scenario.seed, explore: false };
    let outcome = run(&scenario, options, Trace::hash_only()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        outcome.passed(),
        "{name}: {}\n{}\nreproduce: {}",
        outcome.problems.join("; "),
        outcome.report,
        reproduce_command(&format!("scenarios/{name}.toml"), options)
    );
    outcome
}

fn idle_ms(outcome: &RunOutcome, group: &str, client: u32) -> u64 {
    outcome.stats.groups.groups[group].idle_ms(client, outcome.duration_ms)
}

fn rebalances(outcome: &RunOutcome, group: &str) -> u64 {
    outcome.stats.groups.groups[group].rebalances
}

#[test]
fn auto_commit_with_asynchronous_processing_skips_records_on_a_crash() {
    let outcome = run_scenario("auto-commit-crash");
    assert!(outcome.report.records_skipped > 0);
    assert!(outcome.report.count_of(ViolationKind::ConsumerSkipped) > 0);
}

#[test]
fn committing_after_processing_skips_nothing_and_reprocesses_instead() {
    let outcome = run_scenario("manual-commit-crash");
    assert_eq!(outcome.report.records_skipped, 0);
    assert!(outcome.report.records_reprocessed > 0);
}

#[test]
fn a_killed_member_s_partitions_move_to_the_survivor_without_loss() {
    let outcome = run_scenario("kill-consumer-mid-batch");
    assert_eq!(outcome.report.records_skipped, 0);
    let group = &outcome.groups[0];
    assert_eq!(group.members.len(), 1, "the killed member was removed");
    assert_eq!(group.members[0].partitions.len(), 6, "the survivor owns everything");
    assert_eq!(group.total_lag(), 0, "and caught up");
}

#[test]
fn processing_longer_than_max_poll_interval_makes_members_leave_and_records_reprocess() {
    let outcome = run_scenario("max-poll-records-too-high");
    assert!(rebalances(&outcome, "reports") > 1, "members left and rejoined");
    assert!(outcome.report.records_reprocessed > 0);
    assert_eq!(outcome.report.records_skipped, 0);
}

#[test]
fn committing_in_on_partitions_revoked_prevents_reprocessing_after_a_rebalance() {
    let without = run_scenario("no-commit-on-revoke");
    let with = run_scenario("commit-on-revoke");
    assert!(without.report.records_reprocessed > 0);
    assert_eq!(with.report.records_reprocessed, 0);
}

#[test]
fn eager_rebalancing_idles_the_old_members_and_cooperative_does_not() {
    let outcome = run_scenario("eager-vs-cooperative");
    // client-2 and client-3 are the eager group's first members, client-5 and client-6 the cooperative's.
    let eager = idle_ms(&outcome, "eager", 2) + idle_ms(&outcome, "eager", 3);
    let cooperative = idle_ms(&outcome, "cooperative", 5) + idle_ms(&outcome, "cooperative", 6);
    assert!(eager > 10 * cooperative.max(1), "eager idle {eager} ms vs cooperative {cooperative} ms");
    assert!(rebalances(&outcome, "cooperative") > rebalances(&outcome, "eager"), "KIP-429's second round");
}

#[test]
fn static_members_restart_without_a_rebalance() {
    let outcome = run_scenario("static-membership-restart");
    assert_eq!(rebalances(&outcome, "static"), 1, "only the first join");
    assert!(rebalances(&outcome, "dynamic") >= 3);
}

#[test]
fn consumers_beyond_the_partition_count_stay_idle() {
    let outcome = run_scenario("more-consumers-than-partitions");
    let group = &outcome.groups[0];
    assert_eq!(group.members.len(), 5);
    assert_eq!(group.members.iter().filter(|m| m.partitions.is_empty()).count(), 2);
}

#[test]
fn a_group_behind_retention_loses_records_to_retention() {
    let outcome = run_scenario("lag-exceeds-retention");
    assert!(outcome.report.lost_to_retention > 0);
    assert_eq!(outcome.report.acked_lost, 0, "retention deleting acked records is not a lost write");
    assert!(outcome.groups[0].total_lag() > 0);
}

//! The shipped scenarios, each run as its file says and checked against its `[expect]`: the unsafe
//! configurations must be caught losing data, the safe ones must come out clean — with the scenario's
//! own faults and, by `explore`, under randomised fault schedules drawn from many seeds.
//!
//! Debug builds explore [`DEFAULT_EXPLORE_SEEDS`] seeds per safe scenario; the release stage of
//! `cargo xtask test` runs 1,000 with
//! `SAMSA_EXPLORE_SEEDS=1000 cargo test --release -p samsa-sim --test scenarios explore`.
//! Every failure prints the command that reproduces it.

use samsa_sim::checker::ViolationKind;
use samsa_sim::runner::{reproduce_command, run, RunOptions, RunOutcome};
use samsa_sim::scenario::Scenario;
use samsa_sim::trace::Trace;

/// Seeds explored per safe scenario when `SAMSA_EXPLORE_SEEDS` is not set (debug builds are slow).
const DEFAULT_EXPLORE_SEEDS: u64 = 50;

fn path(name: &str) -> String {
    format!("scenarios/{name}.toml")
}

fn load(name: &str) -> Scenario {
    let file = format!("{}/../../{}", env!("CARGO_MANIFEST_DIR"), path(name));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn run_with(scenario: &Scenario, name: &str, options: RunOptions) -> RunOutcome {
    run(scenario, options, Trace::hash_only()).unwrap_or_else(|e| {
        panic!("{name}: the run failed: {e}\nreproduce: {}", reproduce_command(&path(name), options))
    })
}

/// Runs `name` with its own seed and asserts its `[expect]`; returns the outcome for further checks.
fn run_as_written(name: &str) -> RunOutcome {
    let scenario = load(name);
    let options = RunOptions { seed: scenario.seed, explore: false };
    let outcome = run_with(&scenario, name, options);
    assert!(
        outcome.passed(),
        "{name} did not show what its [expect] says:\n  {}\n{}\nreproduce: {}",
        outcome.problems.join("\n  "),
        outcome.report,
        reproduce_command(&path(name), options)
    );
    outcome
}

fn explore_seed_count() -> u64 {
    match std::env::var("SAMSA_EXPLORE_SEEDS") {
        Ok(text) => text.parse().unwrap_or_else(|_| panic!("SAMSA_EXPLORE_SEEDS={text}: not a number")),
        Err(_) => DEFAULT_EXPLORE_SEEDS,
    }
}

/// The first few violations of a report, one per line, for failure messages that stay readable.
fn first_violations(outcome: &RunOutcome) -> String {
    let lines: Vec<String> = outcome.report.violations.iter().take(5).map(|v| format!("    {v}")).collect();
    format!(
        "{} violations ({} with a known cause), first:\n{}",
        outcome.report.violation_count(),
        outcome.report.violations_explained,
        lines.join("\n")
    )
}

/// Runs a safe scenario under seeds 1..=N with randomised faults: no seed may break a guarantee for a
/// reason the checker cannot name. A loss it attributes to Kafka's documented last-replica-standing
/// gap (the only in-sync replica loses its unflushed log in a power loss and is elected again; closed
/// by KIP-966, which samsa-core does not implement) is reported on stderr, not failed: Kafka without
/// KIP-966 loses that data under the same faults with this configuration.
fn explore_safe(name: &str) {
    let scenario = load(name);
    let mut failures = Vec::new();
    let mut explained: u64 = 0;
    let seeds = explore_seed_count();
    for seed in 1..=seeds {
        let options = RunOptions { seed, explore: true };
        let outcome = run_with(&scenario, name, options);
        let command = reproduce_command(&path(name), options);
        if outcome.report.unexplained_count() > 0 {
            failures.push(format!("  {command}\n  {}", first_violations(&outcome)));
        } else if !outcome.report.is_clean() {
            explained += 1;
            eprintln!("{name}: known gap (KIP-966), not a failure: {command}");
        }
    }
    eprintln!(
        "{name}: {} passed, {} failed, {explained} with only the known KIP-966 gap",
        seeds - failures.len() as u64 - explained,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{name}: {} of {seeds} seeds broke a guarantee:\n{}",
        failures.len(),
        failures.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// Every acknowledged-write loss names its record, its partition, its offset and the step of the ack.
fn assert_losses_are_named(outcome: &RunOutcome) {
    let lost: Vec<_> =
        outcome.report.violations.iter().filter(|v| v.kind == ViolationKind::AckedWriteLost).collect();
    assert!(!lost.is_empty(), "{}", outcome.report);
    for violation in lost {
        assert!(violation.record_id.is_some() && violation.tp.is_some(), "{violation}");
        assert_eq!(violation.offsets.len(), 1, "{violation}");
        assert!(violation.at.step > 0, "{violation}");
    }
    assert_eq!(outcome.report.acked_lost, outcome.report.count_of(ViolationKind::AckedWriteLost));
}

// Kafka docs, producer config `acks`: with acks=1 "the leader will write the record to its local log but
// will respond without awaiting full acknowledgement from all followers … if the leader fail[s]
// immediately after acknowledging the record but before the followers have replicated it then the
// record will be lost."
#[test]
fn acks_1_loses_what_a_crashed_leader_acknowledged_before_its_followers_copied_it() {
    let outcome = run_as_written("acks1-leader-crash");
    assert_losses_are_named(&outcome);
}

// Kafka docs, topic config `min.insync.replicas`: acks=all only means every replica *in the ISR*; with
// min.insync.replicas=1 the ISR may be the leader alone.
#[test]
fn acks_all_with_min_insync_replicas_1_loses_writes_a_lone_leader_acknowledged() {
    let outcome = run_as_written("acks-all-min-isr-1");
    assert_losses_are_named(&outcome);
}

// Kafka docs, topic config `min.insync.replicas`: RF 3, min.insync.replicas=2, acks=all — "the producer
// raises an exception if a majority of replicas do not receive a write".
#[test]
fn acks_all_with_min_insync_replicas_2_refuses_writes_instead_of_losing_them() {
    let outcome = run_as_written("acks-all-min-isr-2");
    assert!(outcome.report.is_clean(), "{}", outcome.report);
    assert!(outcome.report.records_acked > 0, "the producer got nothing acknowledged:\n{}", outcome.report);
}

// Kafka docs, topic config `unclean.leader.election.enable`: "enabling it may result in data loss".
#[test]
fn an_unclean_election_makes_an_out_of_sync_replica_leader_and_acknowledged_writes_vanish() {
    let outcome = run_as_written("unclean-election");
    assert!(outcome.stats.unclean_elections > 0);
    assert_losses_are_named(&outcome);
}

// The same faults with Kafka's default (false): the partition waits offline for an in-sync replica.
#[test]
fn without_unclean_election_the_partition_waits_offline_and_nothing_is_lost() {
    let outcome = run_as_written("unclean-election-disabled");
    assert_eq!(outcome.stats.unclean_elections, 0);
    assert!(outcome.report.is_clean(), "{}", outcome.report);
}

// KIP-101 / KIP-279: followers truncate to the leader's end offset for their latest epoch, not to their
// own high watermark, so two quick leader changes lose nothing and every replica converges.
#[test]
fn followers_truncate_by_leader_epoch_and_converge_after_two_leader_changes() {
    let outcome = run_as_written("follower-truncation");
    assert!(outcome.report.is_clean(), "{}", outcome.report);
    assert!(outcome.report.records_consumed > 0, "the consumer read nothing:\n{}", outcome.report);
}

// KIP-631 fencing + KIP-320 epoch checks + acks=all: a leader that lost the controller cannot commit
// alone, so there is no split brain.
#[test]
fn a_leader_cut_off_from_the_controller_acknowledges_nothing_on_its_own() {
    let outcome = run_as_written("network-partition");
    assert!(outcome.report.is_clean(), "{}", outcome.report);
}

#[test]
fn explore_acks_all_min_isr_2_stays_safe_under_random_faults() {
    explore_safe("acks-all-min-isr-2");
}

#[test]
fn explore_unclean_election_disabled_stays_safe_under_random_faults() {
    explore_safe("unclean-election-disabled");
}

#[test]
fn explore_follower_truncation_stays_safe_under_random_faults() {
    explore_safe("follower-truncation");
}

#[test]
fn explore_network_partition_stays_safe_under_random_faults() {
    explore_safe("network-partition");
}

/// Every file in `scenarios/` parses and shows what its `[expect]` says — the playground's lessons
/// included, so a lesson added to the page cannot ship broken.
#[test]
fn every_shipped_scenario_runs_as_its_expect_says() {
    let dir = format!("{}/../../scenarios", env!("CARGO_MANIFEST_DIR"));
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {dir}: {e}"));
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".toml").map(str::to_owned))
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n == "playground"), "no playground.toml among {names:?}");
    for name in names {
        run_as_written(&name);
    }
}

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
        } else if !outcome.passed() {
            // A "none" the scenario expects that is no violation (e.g. `reordered`), as explore judges it.
            failures.push(format!("  {command}\n    {}", outcome.problems.join("; ")));
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

// Kafka docs, producer config `enable.idempotence`: "If 'false', producer retries due to broker
// failures, etc., may write duplicates of the retried message in the stream."
#[test]
fn retries_without_idempotence_append_a_record_again_when_its_answer_comes_too_late() {
    let outcome = run_as_written("retries-without-idempotence");
    let report = &outcome.report;
    assert!(report.duplicated > 0, "{report}");
    assert_eq!(report.duplicated, report.count_of(ViolationKind::Duplicate));
    for violation in report.violations.iter().filter(|v| v.kind == ViolationKind::Duplicate) {
        assert!(violation.record_id.is_some() && violation.offsets.len() == 2, "{violation}");
    }
    let producer = &outcome.stats.clients.producers[&1];
    assert!(producer.batches_retried > 0, "{producer:?}");
    assert_eq!(producer.duplicates_answered, 0, "no idempotence, nothing recognised");
}

// KIP-98: the leader keeps each producer's last five batches and answers a retry with the original
// offset; the same faults and seed as above leave no duplicate and keep send order.
#[test]
fn idempotent_retries_are_answered_with_the_original_offset_and_leave_no_duplicate() {
    let outcome = run_as_written("idempotent-retries");
    let report = &outcome.report;
    assert!(report.is_clean(), "{report}");
    assert_eq!((report.duplicated, report.records_reordered), (0, 0), "{report}");
    assert!(outcome.stats.duplicate_batches > 0, "the leader never recognised a retry");
    let producer = &outcome.stats.clients.producers[&1];
    assert!(producer.producer_id.is_some(), "no InitProducerId answer: {producer:?}");
    assert_eq!(producer.duplicates_answered, outcome.stats.duplicate_batches);
    assert_eq!(producer.records_acked, producer.records_sent, "{producer:?}");
}

// Kafka docs, `max.in.flight.requests.per.connection`: "if this configuration is set to be greater than
// 1 and enable.idempotence is set to false, there is a risk of message reordering after a failed send
// due to retries".
#[test]
fn five_requests_in_flight_without_idempotence_let_a_retried_batch_land_behind_later_ones() {
    let outcome = run_as_written("reordering-in-flight");
    assert!(outcome.report.records_reordered > 0, "{}", outcome.report);
    assert_eq!(outcome.report.count_of(ViolationKind::ProducerOrder), 0, "no order was promised");
}

// Kafka docs, `linger.ms`: the producer "groups together any records that arrive in between request
// transmissions into a single batched request".
#[test]
fn linger_sends_fewer_fuller_batches_for_a_little_latency() {
    let outcome = run_as_written("linger-batching");
    let producers = &outcome.stats.clients.producers;
    let (eager, lingering) = (&producers[&1], &producers[&2]);
    assert_eq!(eager.records_sent, lingering.records_sent, "same rate");
    assert!(lingering.batches_sent * 2 < eager.batches_sent, "{eager:?}\n{lingering:?}");
    assert!(lingering.produce_requests * 2 < eager.produce_requests, "{eager:?}\n{lingering:?}");
    assert!(lingering.records_per_batch() > 2.0 * eager.records_per_batch(), "{eager:?}\n{lingering:?}");
    assert!(
        lingering.ack_latency.mean_ms() > eager.ack_latency.mean_ms(),
        "linger costs latency: {eager:?}\n{lingering:?}"
    );
}

// Kafka's default partitioner: a keyed record goes to murmur2(key) mod partitions, so one hot key makes
// one hot partition.
#[test]
fn a_hot_key_makes_the_partition_it_hashes_to_the_hot_one() {
    let outcome = run_as_written("hot-key-skew");
    let hot = samsa_core::partitioner::to_positive(samsa_core::partitioner::murmur2(b"key-0")) % 4;
    let rates = outcome.stats.clients.partition_rates();
    let total: u64 = rates.iter().map(|(_, n, _)| n).sum();
    let (_, hot_records, hot_rate) =
        rates.iter().find(|(tp, _, _)| tp.partition == hot).expect("the hot partition was written");
    assert!(*hot_records * 10 >= total * 8, "key-0's partition {hot} took {hot_records} of {total}");
    for (tp, _, rate) in &rates {
        if tp.partition != hot {
            assert!(rate * 4.0 < *hot_rate, "{tp:?} at {rate}/s vs {hot_rate}/s");
        }
    }
}

// Kafka docs, producer config `acks`: with acks=0 "no guarantee can be made that the server has
// received the record … The offset given back for each record will always be set to -1."
#[test]
fn acks_0_reports_success_for_records_a_dead_leader_never_wrote() {
    let outcome = run_as_written("acks0-fire-and-forget");
    let report = &outcome.report;
    assert!(report.is_clean(), "acks=0 breaks no promise: {report}");
    assert_eq!(report.records_failed.values().sum::<u64>(), 0, "the producer saw no failure");
    assert!(report.unacknowledged_lost > 0, "{report}");
    assert!(report.unacknowledged_lost < report.records_acked_without_offset, "{report}");
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

#[test]
fn explore_idempotent_retries_stays_safe_under_random_faults() {
    explore_safe("idempotent-retries");
}

#[test]
fn explore_idempotent_duplicating_network_stays_safe_under_random_faults() {
    explore_safe("idempotent-duplicating-network");
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

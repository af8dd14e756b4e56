//! The transaction scenarios (KIP-98, KIP-890), each run with its own seed and checked for the claim
//! its description makes (beyond its `[expect]`, which `scenarios.rs` checks for every shipped scenario).

use samsa_core::txn::TransactionVersion;
use samsa_sim::checker::ViolationKind;
use samsa_sim::runner::{reproduce_command, run, RunOptions, RunOutcome};
use samsa_sim::scenario::Scenario;
use samsa_sim::trace::Trace;

fn load(name: &str) -> Scenario {
    let file = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn run_loaded(name: &str, scenario: &Scenario) -> RunOutcome {
    let options = RunOptions { seed: scenario.seed, explore: false };
    let outcome = run(scenario, options, Trace::hash_only()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        outcome.passed(),
        "{name}: {}\n{}\nreproduce: {}",
        outcome.problems.join("; "),
        outcome.report,
        reproduce_command(&format!("scenarios/{name}.toml"), options)
    );
    outcome
}

#[test]
fn read_committed_never_returns_an_aborted_record_while_transactions_abort() {
    let outcome = run_loaded("read-committed-vs-uncommitted", &load("read-committed-vs-uncommitted"));
    assert!(outcome.report.transactions_aborted > 0, "every third transaction aborts");
    assert!(outcome.report.transactions_committed > outcome.report.transactions_aborted);
    assert_eq!(outcome.report.count_of(ViolationKind::AbortedRead), 0);
    assert!(outcome.report.violations.is_empty(), "{}", outcome.report);
}

/// KIP-890: with the classic protocol a produce request stuck on the wire past its transaction's abort
/// is accepted later and committed by the producer's next transaction; with `transaction.version=2`
/// the same run (same seed, same faults) refuses it.
#[test]
fn a_late_produce_lands_in_a_later_transaction_unless_the_epoch_is_bumped_per_transaction() {
    let mut scenario = load("transaction-late-produce");
    let classic = run_loaded("transaction-late-produce", &scenario);
    assert!(
        classic.report.count_of(ViolationKind::UncommittedTransactionCommitted) > 0,
        "the classic protocol commits aborted records: {}",
        classic.report
    );
    scenario.broker_config.transaction_version = TransactionVersion::EpochBumpPerTransaction;
    scenario.expect.clear();
    let fixed = run_loaded("transaction-late-produce with transaction.version=2", &scenario);
    assert!(fixed.report.violations.is_empty(), "KIP-890 refuses the late write: {}", fixed.report);
    assert!(fixed.report.transactions_committed > 0);
}

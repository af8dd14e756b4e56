//! `[expect]`: what a scenario demonstrates, checked after the run against the checker's report and
//! the run's counts.
//!
//! Keys: `acked_lost`, `duplicates`, `violations` (any violation at all), any checker violation kind in
//! snake case (`read_past_high_watermark`, `divergent_replica`, …), `unclean_elections`, the
//! observations that break no promise — `reordered` (records committed out of send order, any
//! producer), `unacknowledged_lost` (acks=0 records missing from the log), `duplicate_batches` (retries
//! a leader answered with the original offset) — and any Kafka error name in lower case
//! (`not_enough_replicas`: some produce was answered or failed with it). Each
//! is `"none"`, `"some"` or `"any"` (allowed, not checked). A violation whose kind the scenario did not
//! allow as `"some"` or `"any"` (directly or through `violations`) fails the run.

use std::collections::BTreeMap;

use samsa_core::ErrorCode;
use toml::Spanned;

use super::spec::ExpectValue;
use super::{Lines, ScenarioError};
use crate::checker::{Report, ViolationKind};
use crate::stats::RunStats;

/// Every checker violation kind, for key lookup.
const VIOLATION_KINDS: [ViolationKind; 15] = [
    ViolationKind::AckedWriteLost,
    ViolationKind::Duplicate,
    ViolationKind::ProducerOrder,
    ViolationKind::ConsumerOrder,
    ViolationKind::HighWatermarkRegressed,
    ViolationKind::ReadPastHighWatermark,
    ViolationKind::ConsumedRecordNotCommitted,
    ViolationKind::DivergentReplica,
    ViolationKind::Invariant,
    ViolationKind::ConsumerSkipped,
    ViolationKind::PartitionOwnedTwice,
    ViolationKind::AbortedRead,
    ViolationKind::UncommittedTransactionCommitted,
    ViolationKind::TransactionNotAtomic,
    ViolationKind::ExactlyOnceBroken,
];

/// What one expectation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// Violations of this kind (`acked_lost` is [`ViolationKind::AckedWriteLost`], `duplicates` is
    /// [`ViolationKind::Duplicate`]).
    Violation(ViolationKind),
    /// Any violation.
    AnyViolation,
    /// Unclean leader elections.
    UncleanElections,
    /// Records committed out of their producer's send order ([`Report::records_reordered`]).
    Reordered,
    /// acks=0 records missing from the final log ([`Report::unacknowledged_lost`]).
    UnacknowledgedLost,
    /// Retried batches leaders answered with the original offset ([`RunStats::duplicate_batches`]).
    DuplicateBatches,
    /// Records a consumer group processed more than once ([`Report::records_reprocessed`]).
    Reprocessed,
    /// Records retention deleted before a group processed them ([`Report::lost_to_retention`]).
    LostToRetention,
    /// Produce answers or record failures with this Kafka error.
    Error(ErrorCode),
}

/// The validated `[expect]` table, in key order.
pub type Expectations = Vec<(String, Expectation, ExpectValue)>;

fn lookup(key: &str) -> Option<Expectation> {
    match key {
        "acked_lost" => return Some(Expectation::Violation(ViolationKind::AckedWriteLost)),
        "duplicates" => return Some(Expectation::Violation(ViolationKind::Duplicate)),
        "violations" => return Some(Expectation::AnyViolation),
        "unclean_elections" => return Some(Expectation::UncleanElections),
        "reordered" => return Some(Expectation::Reordered),
        "unacknowledged_lost" => return Some(Expectation::UnacknowledgedLost),
        "duplicate_batches" => return Some(Expectation::DuplicateBatches),
        "skipped" => return Some(Expectation::Violation(ViolationKind::ConsumerSkipped)),
        "reprocessed" => return Some(Expectation::Reprocessed),
        "lost_to_retention" => return Some(Expectation::LostToRetention),
        _ => {}
    }
    if let Some(kind) = VIOLATION_KINDS.iter().find(|k| k.name().replace('-', "_") == key) {
        return Some(Expectation::Violation(*kind));
    }
    ErrorCode::ALL
        .iter()
        .find(|code| code.name().eq_ignore_ascii_case(key) && **code != ErrorCode::None)
        .map(|code| Expectation::Error(*code))
}

/// Checks `[expect]`'s keys.
pub(super) fn validate(
    lines: &Lines<'_>,
    table: &BTreeMap<String, Spanned<ExpectValue>>,
) -> Result<Expectations, ScenarioError> {
    table
        .iter()
        .map(|(key, value)| match lookup(key) {
            Some(expectation) => Ok((key.clone(), expectation, *value.get_ref())),
            None => Err(lines.error(
                format!("expect.{key}"),
                value.span(),
                "unknown expectation (acked_lost, duplicates, violations, unclean_elections, reordered, \
                 unacknowledged_lost, duplicate_batches, skipped, reprocessed, lost_to_retention, a violation kind such as read_past_high_watermark, \
                 or a Kafka error name such as not_enough_replicas)",
            )),
        })
        .collect()
}

fn count(expectation: &Expectation, expect: &Expectations, report: &Report, stats: &RunStats) -> u64 {
    match expectation {
        Expectation::Violation(kind) => report.count_of(*kind),
        // Kinds with their own expectation are judged by it, not again here.
        Expectation::AnyViolation => report
            .violation_counts
            .iter()
            .filter(|(kind, _)| !mentioned(expect, **kind))
            .map(|(_, n)| n)
            .sum(),
        Expectation::UncleanElections => stats.unclean_elections,
        Expectation::Reordered => report.records_reordered,
        Expectation::UnacknowledgedLost => report.unacknowledged_lost,
        Expectation::DuplicateBatches => stats.duplicate_batches,
        Expectation::Reprocessed => report.records_reprocessed,
        Expectation::LostToRetention => report.lost_to_retention,
        Expectation::Error(code) => {
            let name = code.name();
            [&stats.produce_answers, &stats.records_failed, &stats.records_rejected]
                .iter()
                .map(|m| m.get(name).copied().unwrap_or(0))
                .sum()
        }
    }
}

fn mentioned(expect: &Expectations, kind: ViolationKind) -> bool {
    expect.iter().any(|(_, e, _)| *e == Expectation::Violation(kind))
}

/// Every way the run differs from the scenario's expectations, as sentences (empty: as expected).
///
/// With `explore`, `"some"` expectations are not required: they describe what the scenario's own
/// faults demonstrate, and a randomised schedule on top may change the story (e.g. a failover that
/// delays the moment the ISR shrinks). `"none"` and unexpected violations are judged as always: safety
/// must hold under any schedule — except that a run whose every violation has a known cause (the
/// checker's `Cause`, e.g. Kafka's documented last-replica-standing gap closed only by KIP-966) is not
/// a failure of samsa: Kafka loses the same data under the same faults.
pub fn evaluate(expect: &Expectations, report: &Report, stats: &RunStats, explore: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let only_known_causes = explore && report.unexplained_count() == 0;
    for (key, expectation, value) in expect {
        let is_violation = matches!(expectation, Expectation::Violation(_) | Expectation::AnyViolation);
        let n = if is_violation && only_known_causes { 0 } else { count(expectation, expect, report, stats) };
        match value {
            ExpectValue::None if n > 0 => problems.push(format!("expected {key} = \"none\", found {n}")),
            ExpectValue::Some if n == 0 && !explore => {
                problems.push(format!("expected {key} = \"some\", found none"))
            }
            _ => {}
        }
    }
    // Without a `violations` expectation, every kind not named in `[expect]` must not occur.
    if !only_known_causes && !expect.iter().any(|(_, e, _)| *e == Expectation::AnyViolation) {
        for (kind, n) in &report.violation_counts {
            if *n > 0 && !mentioned(expect, *kind) {
                problems.push(format!("unexpected {kind} violations: {n}"));
            }
        }
    }
    problems
}

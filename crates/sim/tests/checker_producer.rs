//! The checker's producer guarantees (issue 6), each shown broken on purpose in a hand-made trace and
//! final state, with a clean twin: a retry's second copy is a duplicate; an ordered producer
//! (idempotent, or one request in flight) must keep send order even when its answers overtake each
//! other; every producer's reordering is counted as an observation; acks=0 records missing from the log
//! are counted, not reported as violations.

use std::collections::BTreeMap;

use samsa_core::replication::messages::TopicPartition;
use samsa_sim::checker::report::At;
use samsa_sim::checker::{
    check, CheckerConfig, FinalPartition, FinalRecord, FinalReplica, FinalState, Report, ViolationKind,
};
use samsa_sim::trace::{TraceEvent, TraceKind};

fn orders() -> TopicPartition {
    TopicPartition { topic: "orders".to_string(), partition: 0 }
}

fn event(step: u64, kind: TraceKind) -> TraceEvent {
    TraceEvent { step, t_ms: step * 10, kind }
}

fn sent(step: u64, client: u32, record_id: u64) -> TraceEvent {
    event(step, TraceKind::RecordSent { client, record_id, tp: orders() })
}

fn acked(step: u64, client: u32, record_id: u64, offset: i64) -> TraceEvent {
    event(step, TraceKind::RecordAcked { client, record_id, tp: orders(), offset })
}

/// `orders-0` led by broker 1, holding `ids` at offsets 0.., all committed.
fn log(ids: &[u64]) -> FinalState {
    let records: Vec<FinalRecord> = ids
        .iter()
        .enumerate()
        .map(|(offset, &id)| FinalRecord { offset: offset as i64, record_id: Some(id), leader_epoch: 0 })
        .collect();
    let end = records.len() as i64;
    let replica = FinalReplica {
        high_watermark: end,
        log_end_offset: end,
        log_start_offset: 0,
        records,
        ..FinalReplica::default()
    };
    let partition =
        FinalPartition { leader: Some(1), isr: vec![1], replicas: BTreeMap::from([(1, replica)]) };
    FinalState { at: At { step: 1_000, t_ms: 60_000 }, partitions: BTreeMap::from([(orders(), partition)]) }
}

fn ordered(clients: &[u32]) -> CheckerConfig {
    CheckerConfig { ordered_clients: clients.iter().copied().collect(), ..CheckerConfig::default() }
}

#[test]
fn a_retry_appended_again_is_one_duplicate_and_not_a_reorder() {
    // Record 1's answer was lost; the producer sent it again after record 2, and the leader (without
    // idempotence) appended it a second time. The producer was acked once, at the second copy.
    let events = [sent(1, 1, 1), sent(2, 1, 2), sent(5, 1, 1), acked(6, 1, 2, 1), acked(7, 1, 1, 2)];
    let report = check(CheckerConfig::default(), &events, &log(&[1, 2, 1]));
    assert_eq!((report.duplicated, report.records_sent), (1, 2), "{report}");
    assert_eq!(report.count_of(ViolationKind::Duplicate), 1);
    assert_eq!(report.records_reordered, 0, "a second copy is a duplicate, not a reorder:\n{report}");
}

#[test]
fn answers_that_overtake_each_other_keep_an_idempotent_producer_in_order() {
    // Five requests in flight: records 1..=3 were written in order, their answers arrived 3, 1, 2.
    let events = [
        sent(1, 1, 1),
        sent(1, 1, 2),
        sent(1, 1, 3),
        acked(4, 1, 3, 2),
        acked(5, 1, 1, 0),
        acked(6, 1, 2, 1),
    ];
    let report = check(ordered(&[1]), &events, &log(&[1, 2, 3]));
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.records_reordered, 0);
}

#[test]
fn a_reordered_log_is_a_violation_for_an_ordered_producer_and_an_observation_for_others() {
    // Record 1's first send failed; its retry landed after records 2 and 3 (acked first).
    let events = [
        sent(1, 1, 1),
        sent(1, 1, 2),
        sent(1, 1, 3),
        acked(4, 1, 2, 0),
        acked(5, 1, 3, 1),
        acked(9, 1, 1, 2),
    ];
    let state = log(&[2, 3, 1]);

    let unordered = check(CheckerConfig::default(), &events, &state);
    assert!(unordered.is_clean(), "in-flight 5 without idempotence promises no order:\n{unordered}");
    assert_eq!(unordered.records_reordered, 1, "record 1 sits after records sent later");

    let promised = check(ordered(&[1]), &events, &state);
    assert_eq!(promised.records_reordered, 1);
    assert!(promised.count_of(ViolationKind::ProducerOrder) >= 1, "{promised}");
    let violation =
        promised.violations.iter().find(|v| v.kind == ViolationKind::ProducerOrder).expect("a violation");
    assert_eq!(violation.record_id, Some(1), "{violation}");
    assert!(violation.detail.contains("promises send order"), "{violation}");
}

#[test]
fn reordering_is_judged_per_producer_not_across_producers() {
    // Two producers interleave in one partition; each one's records are in its own send order.
    let events = [sent(1, 1, 1), sent(1, 2, 2), sent(2, 1, 3), sent(2, 2, 4)];
    let report = check(ordered(&[1, 2]), &events, &log(&[2, 1, 4, 3]));
    assert_eq!(report.records_reordered, 0, "{report}");
    assert!(report.is_clean(), "{report}");
}

#[test]
fn acks_zero_records_missing_from_the_log_are_counted_but_are_no_violation() {
    // acks=0: every record "acked" at once with offset -1; the leader died, record 2 never arrived.
    let events = [sent(1, 1, 1), acked(1, 1, 1, -1), sent(2, 1, 2), acked(2, 1, 2, -1)];
    let report = check(CheckerConfig::default(), &events, &log(&[1]));
    assert!(report.is_clean(), "Kafka promises nothing with acks=0:\n{report}");
    assert_eq!((report.records_acked_without_offset, report.unacknowledged_lost), (2, 1));
    assert!(report.to_string().contains("acks=0 records missing from the log: 1 of 2"), "{report}");

    // The clean twin: both arrived.
    let report = check(CheckerConfig::default(), &events, &log(&[1, 2]));
    assert_eq!(report.unacknowledged_lost, 0);

    // An offline partition may still have them: not counted as lost.
    let mut state = log(&[1]);
    state.partitions.get_mut(&orders()).expect("partition").leader = None;
    let report: Report = check(CheckerConfig::default(), &events, &state);
    assert_eq!(report.unacknowledged_lost, 0);
}

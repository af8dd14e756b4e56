//! A checker that never fails is worthless: each guarantee is shown broken on purpose, in a hand-made
//! trace and final state, and the checker must name the record, the partition, the offsets and the step.
//! Each test also has a clean twin where the same shape is legal, so the checker is not just noisy.

use std::collections::BTreeMap;

use samsa_core::log::{LogConfig, PartitionLog};
use samsa_core::node::{BrokerId, NodeId};
use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};
use samsa_core::replication::messages::TopicPartition;
use samsa_sim::checker::report::At;
use samsa_sim::checker::{
    check, Cause, CheckerConfig, FinalPartition, FinalRecord, FinalReplica, FinalState, Report, ViolationKind,
};
use samsa_sim::trace::{TraceEvent, TraceKind};

fn orders() -> TopicPartition {
    TopicPartition { topic: "orders".to_string(), partition: 0 }
}

fn event(step: u64, kind: TraceKind) -> TraceEvent {
    TraceEvent { step, t_ms: step * 10, kind }
}

fn acked(step: u64, record_id: u64, offset: i64) -> TraceEvent {
    event(step, TraceKind::RecordAcked { client: 1, record_id, tp: orders(), offset })
}

fn consumed(step: u64, offset: i64, record_id: u64, high_watermark: i64) -> TraceEvent {
    event(
        step,
        TraceKind::RecordConsumed {
            client: 2,
            tp: orders(),
            offset,
            record_id: Some(record_id),
            high_watermark,
        },
    )
}

/// A replica holding `ids` at offsets 0.. in `leader_epoch`, with everything committed.
fn replica(ids: &[u64], leader_epoch: i32) -> FinalReplica {
    let records: Vec<FinalRecord> = ids
        .iter()
        .enumerate()
        .map(|(offset, &id)| FinalRecord { offset: offset as i64, record_id: Some(id), leader_epoch })
        .collect();
    let end = records.len() as i64;
    FinalReplica {
        high_watermark: end,
        log_end_offset: end,
        log_start_offset: 0,
        records,
        ..FinalReplica::default()
    }
}

/// `orders-0` led by broker 1 with `leader` as its log and `followers` in the ISR.
fn final_state(leader: FinalReplica, followers: Vec<(BrokerId, FinalReplica)>) -> FinalState {
    let mut replicas = BTreeMap::from([(1, leader)]);
    let mut isr = vec![1];
    for (broker, follower) in followers {
        isr.push(broker);
        replicas.insert(broker, follower);
    }
    let partition = FinalPartition { leader: Some(1), isr, replicas };
    FinalState { at: At { step: 1_000, t_ms: 60_000 }, partitions: BTreeMap::from([(orders(), partition)]) }
}

fn run(events: &[TraceEvent], state: &FinalState) -> Report {
    check(CheckerConfig::default(), events, state)
}

fn only_violation(report: &Report, kind: ViolationKind) -> &samsa_sim::checker::Violation {
    assert_eq!(report.violation_count(), 1, "expected exactly one {kind} violation:\n{report}");
    let violation = &report.violations[0];
    assert_eq!(violation.kind, kind, "{report}");
    violation
}

#[test]
fn an_acked_record_replaced_in_the_final_log_is_reported_lost_with_its_offset_and_ack_step() {
    // acks=1: the leader acked record 7 at offset 0, then died before a follower copied it; the new
    // leader wrote record 8 at offset 0 (the acks1-leader-crash story).
    let events = [acked(5, 7, 0), acked(9, 8, 0)];
    let report = run(&events, &final_state(replica(&[8], 1), vec![]));
    let violation = only_violation(&report, ViolationKind::AckedWriteLost);
    assert_eq!(violation.record_id, Some(7));
    assert_eq!(violation.offsets, vec![0]);
    assert_eq!(violation.at, At { step: 5, t_ms: 50 });
    assert_eq!(report.acked_lost, 1);
    assert_eq!(report.records_acked, 2);
    let text = report.to_string();
    assert!(text.contains("record 7") && text.contains("step 5") && text.contains("orders-0"), "{text}");
}

#[test]
fn an_acked_record_past_the_end_of_the_final_log_is_lost_and_one_present_is_not() {
    let events = [acked(3, 1, 0), acked(4, 2, 1)];
    let report = run(&events, &final_state(replica(&[1], 0), vec![]));
    let violation = only_violation(&report, ViolationKind::AckedWriteLost);
    assert_eq!((violation.record_id, violation.offsets.clone()), (Some(2), vec![1]));
}

#[test]
fn an_acked_record_above_the_final_high_watermark_is_not_committed_so_it_is_lost() {
    let mut leader = replica(&[1, 2], 0);
    leader.high_watermark = 1;
    let report = run(&[acked(3, 2, 1)], &final_state(leader, vec![]));
    let violation = only_violation(&report, ViolationKind::AckedWriteLost);
    assert!(violation.detail.contains("above the final high watermark 1"), "{}", violation.detail);
}

#[test]
fn acks_zero_records_have_no_offset_and_are_not_checked() {
    // acks=0: Kafka's client reports success with offset -1; nothing was promised.
    let report = run(&[acked(3, 1, -1)], &final_state(replica(&[], 0), vec![]));
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.records_acked_without_offset, 1);
}

#[test]
fn a_record_at_two_committed_offsets_is_a_duplicate_naming_both_offsets() {
    let report = run(&[acked(3, 4, 0)], &final_state(replica(&[4, 5, 4], 0), vec![]));
    let violation = only_violation(&report, ViolationKind::Duplicate);
    assert_eq!(violation.record_id, Some(4));
    assert_eq!(violation.offsets, vec![0, 2]);
    assert_eq!(report.duplicated, 1);
}

#[test]
fn a_consumer_receiving_a_record_at_the_reported_high_watermark_read_past_it() {
    // Kafka docs, "Replication": only committed records (below the high watermark) are given out.
    let events = [consumed(6, 0, 1, 1), consumed(7, 1, 2, 1)];
    let report = run(&events, &final_state(replica(&[1, 2], 0), vec![]));
    let violation = only_violation(&report, ViolationKind::ReadPastHighWatermark);
    assert_eq!((violation.record_id, violation.offsets.clone(), violation.at.step), (Some(2), vec![1], 7));
}

#[test]
fn a_consumed_record_later_truncated_away_was_read_past_the_true_high_watermark() {
    // The deposed leader said HW=2 and served record 2 at offset 1; the final log has record 9 there.
    let events = [consumed(6, 0, 1, 2), consumed(6, 1, 2, 2)];
    let report = run(&events, &final_state(replica(&[1, 9], 0), vec![]));
    let violation = only_violation(&report, ViolationKind::ConsumedRecordNotCommitted);
    assert_eq!((violation.record_id, violation.offsets.clone(), violation.at.step), (Some(2), vec![1], 6));
}

#[test]
fn consumer_offsets_that_go_backwards_or_skip_inside_one_fetch_are_out_of_order() {
    let backwards = [consumed(6, 0, 1, 3), consumed(6, 1, 2, 3), consumed(8, 1, 2, 3)];
    let report = run(&backwards, &final_state(replica(&[1, 2, 3], 0), vec![]));
    assert_eq!(only_violation(&report, ViolationKind::ConsumerOrder).offsets, vec![1, 1]);

    let gap = [consumed(6, 0, 1, 3), consumed(6, 2, 3, 3)];
    let report = run(&gap, &final_state(replica(&[1, 2, 3], 0), vec![]));
    assert_eq!(only_violation(&report, ViolationKind::ConsumerOrder).offsets, vec![0, 2]);

    // The same jump across two fetches is fine (e.g. after a reset to the log start offset).
    let two_fetches = [consumed(6, 0, 1, 3), consumed(7, 2, 3, 3)];
    assert!(run(&two_fetches, &final_state(replica(&[1, 2, 3], 0), vec![])).is_clean());
}

#[test]
fn a_leader_lowering_its_high_watermark_within_its_epoch_is_caught_but_a_new_leader_may_start_lower() {
    let hw = |step, broker, high_watermark| {
        event(step, TraceKind::HighWatermarkChanged { broker, tp: orders(), high_watermark })
    };
    let lead = |step, broker, leader_epoch| {
        event(step, TraceKind::BecameLeader { broker, tp: orders(), leader_epoch })
    };
    let state = final_state(replica(&[], 0), vec![]);

    let regressed = [lead(1, 1, 0), hw(2, 1, 5), hw(3, 1, 4)];
    let report = run(&regressed, &state);
    let violation = only_violation(&report, ViolationKind::HighWatermarkRegressed);
    assert_eq!((violation.offsets.clone(), violation.at.step), (vec![5, 4], 3));

    // KIP-101: a new leader's high watermark may lag the old one's; a follower's may be reset.
    let handover = [lead(1, 1, 0), hw(2, 1, 5), lead(3, 2, 1), hw(4, 2, 3), hw(5, 3, 2), hw(6, 3, 1)];
    assert!(run(&handover, &state).is_clean());
}

#[test]
fn an_in_sync_follower_that_differs_from_the_leader_below_the_high_watermark_diverged() {
    // KIP-101's second scenario: same offset, different records, both "committed".
    let state = final_state(replica(&[1, 2], 1), vec![(2, replica(&[1, 3], 1)), (3, replica(&[1, 2], 1))]);
    let report = run(&[], &state);
    let violation = only_violation(&report, ViolationKind::DivergentReplica);
    assert_eq!((violation.record_id, violation.offsets.clone()), (Some(2), vec![1]));
    assert!(violation.detail.contains("broker-2"), "{}", violation.detail);

    // Same record ids but another leader epoch is divergence too: the epoch is part of the log.
    let report = run(&[], &final_state(replica(&[1, 2], 1), vec![(2, replica(&[1, 2], 0))]));
    only_violation(&report, ViolationKind::DivergentReplica);
}

#[test]
fn an_ordered_producer_acked_out_of_send_order_is_caught_but_an_unordered_one_is_not() {
    let events = [acked(3, 10, 1), acked(4, 11, 0)];
    let state = final_state(replica(&[11, 10], 0), vec![]);
    assert!(run(&events, &state).is_clean(), "max.in.flight > 1 promises no order");

    let config = CheckerConfig { ordered_clients: [1].into(), ..CheckerConfig::default() };
    let report = check(config, &events, &state);
    let violation = only_violation(&report, ViolationKind::ProducerOrder);
    assert_eq!((violation.record_id, violation.offsets.clone()), (Some(11), vec![1, 0]));
}

#[test]
fn an_offline_partition_makes_acked_records_unavailable_not_lost() {
    // unclean.leader.election.enable=false: no leader, but nothing was thrown away either.
    let mut state = final_state(replica(&[1], 0), vec![]);
    state.partitions.get_mut(&orders()).expect("partition").leader = None;
    let report = run(&[acked(3, 1, 0)], &state);
    assert!(report.is_clean(), "{report}");
    assert_eq!((report.acked_unavailable, report.offline_partitions.clone()), (1, vec![orders()]));
}

#[test]
fn an_invariant_failure_in_the_trace_becomes_a_violation_at_its_step() {
    let events =
        [event(12, TraceKind::InvariantViolation { node: NodeId::Broker(2), message: "HW > LEO".into() })];
    let report = run(&events, &final_state(replica(&[], 0), vec![]));
    let violation = only_violation(&report, ViolationKind::Invariant);
    assert_eq!(violation.at.step, 12);
    assert!(violation.detail.contains("broker-2: HW > LEO"), "{}", violation.detail);
}

#[test]
fn a_clean_run_counts_everything_and_reports_no_violation() {
    let events = [
        event(1, TraceKind::RecordSent { client: 1, record_id: 1, tp: orders() }),
        event(1, TraceKind::RecordSent { client: 1, record_id: 2, tp: orders() }),
        acked(2, 1, 0),
        acked(3, 2, 1),
        consumed(4, 0, 1, 2),
        consumed(4, 1, 2, 2),
    ];
    let report = run(&events, &final_state(replica(&[1, 2], 0), vec![(2, replica(&[1, 2], 0))]));
    assert!(report.is_clean(), "{report}");
    assert_eq!((report.records_sent, report.records_acked, report.records_consumed), (2, 2, 2));
    assert!(report.to_string().contains("violations:        none"));
}

#[test]
fn the_final_state_reads_record_ids_and_epochs_from_a_real_partition_log() {
    let mut log = PartitionLog::new(LogConfig::default(), 0);
    for (epoch, ids) in [(0, vec![100_u64, 101]), (3, vec![102])] {
        let records = ids
            .iter()
            .map(|&id| NewRecord {
                headers: vec![samsa_core::client::record_id::record_id_header(id)],
                value: Some(b"v".to_vec()),
                ..NewRecord::default()
            })
            .collect();
        let batch = RecordBatch::from_new_records(records, Compression::None)
            .expect("batch")
            .encode()
            .expect("encode");
        log.append(&batch, epoch, 0).expect("append");
    }
    let replica = FinalReplica::from_log(&log, 2, &|_| None).expect("readable");
    let read: Vec<(i64, Option<u64>, i32)> =
        replica.records.iter().map(|r| (r.offset, r.record_id, r.leader_epoch)).collect();
    assert_eq!(read, vec![(0, Some(100), 0), (1, Some(101), 0), (2, Some(102), 3)]);
    assert_eq!((replica.log_end_offset, replica.committed().len()), (3, 2));
}

#[test]
fn a_loss_after_the_only_in_sync_replica_lost_power_and_was_reelected_names_kafkas_known_gap() {
    // KIP-966's "last replica standing": the sole ISR member loses its unflushed log and is elected again.
    let story = |power_loss: bool| {
        vec![
            event(2, TraceKind::IsrChanged { tp: orders(), isr: vec![1], partition_epoch: 1 }),
            acked(3, 7, 0),
            event(5, TraceKind::NodeCrashed { node: NodeId::Broker(1), power_loss }),
            event(
                8,
                TraceKind::LeaderElected { tp: orders(), leader: Some(1), leader_epoch: 2, unclean: false },
            ),
            acked(9, 8, 0),
        ]
    };
    let state = final_state(replica(&[8], 2), vec![]);

    let report = run(&story(true), &state);
    let violation = only_violation(&report, ViolationKind::AckedWriteLost);
    let expected = Cause::LastReplicaPowerLoss {
        broker: 1,
        crashed_at: At { step: 5, t_ms: 50 },
        elected_at: At { step: 8, t_ms: 80 },
    };
    assert_eq!(violation.cause, Some(expected));
    assert_eq!((report.violations_explained, report.unexplained_count()), (1, 0));
    assert!(report.to_string().contains("KIP-966"), "{report}");

    // A process crash keeps the page cache: the same loss then has no excuse.
    let report = run(&story(false), &state);
    assert_eq!(only_violation(&report, ViolationKind::AckedWriteLost).cause, None);
    assert_eq!(report.unexplained_count(), 1);
}

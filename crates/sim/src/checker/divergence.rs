//! Divergent replicas after convergence.
//!
//! Once the cluster is quiet, every in-sync replica holds the leader's log up to the high watermark,
//! offset by offset, with the same leader epochs: that is what truncation by leader epoch guarantees
//! (KIP-101, KIP-279) and what truncation to the high watermark alone does not (KIP-101's second
//! scenario: two replicas with different records at the same offset).

use super::final_state::FinalState;
use super::report::{Report, Violation, ViolationKind};

/// Compares every in-sync replica with the leader below the leader's high watermark.
pub(crate) fn check(state: &FinalState, report: &mut Report) {
    for (tp, partition) in &state.partitions {
        let (Some(leader_id), Some(leader)) = (partition.leader, partition.leader_replica()) else {
            continue;
        };
        for &broker in &partition.isr {
            if broker == leader_id {
                continue;
            }
            let Some(follower) = partition.replicas.get(&broker) else {
                continue; // a crashed ISR member's log is not readable; nothing to compare
            };
            let expected = leader.committed();
            let mismatch = expected.iter().find(|record| follower.record_at(record.offset) != Some(record));
            let Some(record) = mismatch else {
                continue;
            };
            let theirs = match follower.record_at(record.offset) {
                Some(r) => format!("record {:?} (epoch {})", r.record_id, r.leader_epoch),
                None => "nothing".to_string(),
            };
            report.push(Violation {
                kind: ViolationKind::DivergentReplica,
                tp: Some(tp.clone()),
                record_id: record.record_id,
                offsets: vec![record.offset],
                at: state.at,
                detail: format!(
                    "in-sync broker-{broker} has {theirs} where leader broker-{leader_id} has record {:?} \
                     (epoch {}) below the high watermark {}",
                    record.record_id, record.leader_epoch, leader.high_watermark
                ),
                cause: None,
            });
        }
    }
}

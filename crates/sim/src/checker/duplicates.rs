//! Duplicates: one record id at two offsets of a partition's committed log.
//!
//! Without idempotence (KIP-98) a retried produce can append a record twice: the leader appended the
//! first attempt, its answer was lost or late, and the producer sent the batch again (producer config
//! `enable.idempotence`: "retries due to broker failures, etc., may write duplicates of the retried
//! message in the stream"). Each extra copy counts once. With idempotence the leader recognises the
//! retry by its producer id and sequence and answers with the original offset, so a duplicate there is
//! a bug.

use std::collections::BTreeMap;

use samsa_core::client::events::RecordId;

use super::final_state::FinalState;
use super::report::{Report, Violation, ViolationKind};

/// Reports every record id that appears more than once below the leader's final high watermark.
pub(crate) fn check(state: &FinalState, report: &mut Report) {
    for (tp, partition) in &state.partitions {
        let Some(leader) = partition.leader_replica() else {
            continue;
        };
        let mut first_offset: BTreeMap<RecordId, i64> = BTreeMap::new();
        for record in leader.committed() {
            let Some(record_id) = record.record_id else {
                continue;
            };
            match first_offset.get(&record_id) {
                None => {
                    first_offset.insert(record_id, record.offset);
                }
                Some(&first) => {
                    report.duplicated += 1;
                    report.push(Violation {
                        kind: ViolationKind::Duplicate,
                        tp: Some(tp.clone()),
                        record_id: Some(record_id),
                        offsets: vec![first, record.offset],
                        at: state.at,
                        detail: format!(
                            "record {record_id} is in the committed log twice (offsets {first} and {}); \
                             detected in the final state",
                            record.offset
                        ),
                        cause: None,
                    });
                }
            }
        }
    }
}

//! Reordering: records of one producer that the final committed log holds out of send order.
//!
//! Kafka promises send order within a partition only with one request in flight or with idempotence
//! (producer config `max.in.flight.requests.per.connection`: "if this configuration is set to be
//! greater than 1 and enable.idempotence is set to false, there is a risk of message reordering after
//! a failed send due to retries … if enable.idempotence is set to true, ordering will be preserved").
//! For those producers a reorder is a
//! [`super::ViolationKind::ProducerOrder`] violation, caught as the acks arrive (`acked`). Here every
//! producer's records are counted, as an observation: the `reordering-in-flight` scenario shows a
//! failed first batch landing after the batches sent behind it.
//!
//! The workload numbers records in send order run-wide, so within one producer "sent earlier" is "lower
//! record id". Walking a partition's committed log by offset, a record whose id is below one its
//! producer already has at a lower offset was overtaken. Copies of a record already seen (duplicates,
//! counted by `duplicates`) are skipped: a retry's second copy is not a reorder.

use std::collections::{BTreeMap, BTreeSet};

use samsa_core::client::events::RecordId;

use super::final_state::FinalState;
use super::paged::PagedVec;

/// Counts the committed records that sit after a record their producer sent later, in every partition
/// with a leader. `producer_of` maps a record id to the client that sent it (unknown ids are skipped).
pub(crate) fn count(state: &FinalState, producer_of: &PagedVec<u32>) -> u64 {
    let mut reordered = 0;
    for partition in state.partitions.values() {
        let Some(leader) = partition.leader_replica() else {
            continue;
        };
        let mut seen: BTreeSet<RecordId> = BTreeSet::new();
        let mut latest_sent: BTreeMap<u32, RecordId> = BTreeMap::new();
        for record in leader.committed() {
            let Some(record_id) = record.record_id else { continue };
            let Some(&client) = producer_of.get(record_id) else { continue };
            if !seen.insert(record_id) {
                continue;
            }
            match latest_sent.get(&client) {
                Some(&latest) if record_id < latest => reordered += 1,
                _ => {
                    latest_sent.insert(client, record_id);
                }
            }
        }
    }
    reordered
}

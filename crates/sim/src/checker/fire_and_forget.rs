//! acks=0: records the producer reported as sent, with no offset, that no final committed log holds.
//!
//! Kafka's producer config `acks`: with `acks=0` "the producer will not wait for any acknowledgment
//! from the server at all … no guarantee can be made that the server has received the record … the
//! offset given back for each record will always be set to -1". Losing such a record breaks no
//! promise, so it is not a violation; but it is the lesson of the `acks0-fire-and-forget` scenario —
//! the producer saw success, the log does not have the record — so the checker counts them
//! ([`super::Report::unacknowledged_lost`]).

use std::collections::{BTreeMap, BTreeSet};

use samsa_core::client::events::RecordId;
use samsa_core::replication::messages::TopicPartition;

use super::final_state::FinalState;
use super::paged::PagedVec;

/// Every record acknowledged without an offset, with its partition.
#[derive(Clone, Debug)]
pub(crate) struct FireAndForget {
    /// Record id → index into `partitions`.
    records: PagedVec<u32>,
    /// The partitions those records went to, each once.
    partitions: Vec<TopicPartition>,
    /// Where each partition is in `partitions`.
    index: BTreeMap<TopicPartition, u32>,
}

impl FireAndForget {
    /// An empty ledger that pages record ids below `dense_len`.
    pub(crate) fn new(dense_len: u64) -> Self {
        FireAndForget { records: PagedVec::new(dense_len), partitions: Vec::new(), index: BTreeMap::new() }
    }

    /// How many records it holds.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// `record_id` was reported sent to `tp` with acks=0.
    pub(crate) fn sent(&mut self, record_id: RecordId, tp: &TopicPartition) {
        let index = match self.index.get(tp) {
            Some(&index) => index,
            None => {
                let index = self.partitions.len() as u32;
                self.partitions.push(tp.clone());
                self.index.insert(tp.clone(), index);
                index
            }
        };
        self.records.insert(record_id, index);
    }

    /// Records whose partition has a leader at the end but whose committed log lacks them. A partition
    /// without a leader is skipped: its records may come back with an in-sync replica.
    pub(crate) fn lost(&self, state: &FinalState) -> u64 {
        if self.records.len() == 0 {
            return 0;
        }
        // Per partition the committed ids, or `None` when offline; built only for partitions written to.
        let committed: Vec<Option<BTreeSet<RecordId>>> = self
            .partitions
            .iter()
            .map(|tp| {
                let leader = state.partitions.get(tp)?.leader_replica()?;
                Some(leader.committed().iter().filter_map(|r| r.record_id).collect())
            })
            .collect();
        let mut lost = 0;
        for (record_id, &index) in self.records.iter() {
            if let Some(Some(ids)) = committed.get(index as usize) {
                if !ids.contains(&record_id) {
                    lost += 1;
                }
            }
        }
        lost
    }
}

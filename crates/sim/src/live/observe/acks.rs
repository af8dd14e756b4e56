//! Every partition's first acks with an offset, in arrival order: what the live loss count compares
//! with the logs, from where it last stopped. Paged like the checker's ledgers (`checker::paged`), so
//! a checkpoint shares the acks so far instead of copying one entry per record.

use std::collections::BTreeMap;

use samsa_core::client::events::RecordId;
use samsa_core::replication::messages::TopicPartition;

use super::LIVE_MAX_TRACKED_RECORDS;
use crate::checker::paged::PagedVec;

/// The acks of every partition.
#[derive(Clone, Debug, Default)]
pub(crate) struct AckLog {
    partitions: BTreeMap<TopicPartition, PagedVec<(i64, RecordId)>>,
}

impl AckLog {
    /// Appends the first ack of `record_id`, at `offset` of `tp`.
    pub(crate) fn push(&mut self, tp: &TopicPartition, offset: i64, record_id: RecordId) {
        let acks = match self.partitions.get_mut(tp) {
            Some(acks) => acks,
            None => self
                .partitions
                .entry(tp.clone())
                .or_insert_with(|| PagedVec::new(LIVE_MAX_TRACKED_RECORDS as u64)),
        };
        let index = acks.len() as u64;
        acks.insert(index, (offset, record_id));
    }

    /// The acks of `tp`.
    pub(crate) fn of(&self, tp: &TopicPartition) -> Acks<'_> {
        Acks(self.partitions.get(tp))
    }
}

/// One partition's acks, in arrival order (none for a partition never acked).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Acks<'a>(Option<&'a PagedVec<(i64, RecordId)>>);

impl<'a> Acks<'a> {
    /// How many.
    pub(crate) fn len(self) -> usize {
        self.0.map_or(0, PagedVec::len)
    }

    /// `(offset, record id)` of the acks from the `start`-th on.
    pub(crate) fn since(self, start: usize) -> impl Iterator<Item = (i64, RecordId)> + 'a {
        let end = self.len();
        (start..end).filter_map(move |index| self.0.and_then(|acks| acks.get(index as u64)).copied())
    }
}

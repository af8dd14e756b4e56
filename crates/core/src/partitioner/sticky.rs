//! The sticky partitioner for keyless records (KIP-480, Kafka 2.4's `StickyPartitionCache`).
//!
//! Before KIP-480 the Java producer spread keyless records round robin, one record per partition, so
//! every partition got tiny batches. KIP-480 sticks to one partition until the batch for it is sent
//! (the producer calls `onNewBatch`), then moves to another partition chosen at random — among the
//! available partitions when any are. Kafka 3.3 refined the switch rule (KIP-794, switch after
//! `batch.size` bytes, weighted by queue depth); this is the KIP-480 rule, the one most clients copied.

use super::candidates::Candidates;
use super::murmur2::to_positive;

/// The sticky partition of one topic for one producer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StickyState {
    /// The partition keyless records currently go to; `None` before the first one or after a batch ended.
    current: Option<u32>,
    /// The partition whose batch just ended: the next pick avoids it (KIP-480 "a different partition").
    leaving: Option<u32>,
}

impl StickyState {
    /// The sticky partition, and whether it was chosen just now.
    ///
    /// `random` is consumed only when a new partition is chosen, so a seeded run stays reproducible
    /// whatever the batching.
    pub(crate) fn partition(
        &mut self,
        candidates: Candidates<'_>,
        num_partitions: u32,
        random: u32,
    ) -> (u32, bool) {
        // Kafka keeps the sticky partition even if it has since lost its leader: the batch is already
        // open there, and only `onNewBatch` moves on. It only has to be a partition of the topic.
        if let Some(current) = self.current.filter(|&p| p < num_partitions) {
            return (current, false);
        }
        // Kafka draws `Utils.toPositive(random) % size`; same here, so a caller replaying Java's random
        // numbers would land on the same partition when nothing is excluded.
        let index = to_positive(random as i32) as u32;
        let chosen = match self.leaving {
            Some(leaving) => candidates.other_than(leaving, index).unwrap_or(leaving),
            None => candidates.at(index),
        };
        self.current = Some(chosen);
        self.leaving = None;
        (chosen, true)
    }

    /// The batch on `previous_partition` was sent or closed.
    ///
    /// As Kafka's `StickyPartitionCache.nextPartition`, only a notification for the *current* sticky
    /// partition moves it: a late one for an older partition must not make the producer hop twice.
    /// The new partition is drawn lazily, on the next keyless record, because that call carries the
    /// random number and the partition list.
    pub(crate) fn on_new_batch(&mut self, previous_partition: u32) {
        if self.current == Some(previous_partition) {
            self.current = None;
            self.leaving = Some(previous_partition);
        }
    }

    /// The partition keyless records go to now, if one is chosen.
    pub(crate) fn current(&self) -> Option<u32> {
        self.current
    }
}

//! Kafka's `RoundRobinPartitioner`: a counter per topic, `toPositive(counter++) % n`, keys ignored.
//!
//! Opt-in in Kafka (`partitioner.class`); it spreads records evenly at the cost of small batches, the
//! trade-off KIP-480 was written to avoid. Kafka's later `onNewBatch` queue (KAFKA-9965) only undoes the
//! double `partition()` call of its producer's abort-on-new-batch path, which our API does not have.

use super::candidates::Candidates;
use super::murmur2::to_positive;

/// The counter of one topic for one producer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RoundRobinState {
    /// Java's `AtomicInteger`, starting at 0 and wrapping past `i32::MAX` into negatives, which
    /// `toPositive` folds back.
    counter: i32,
}

/// One round-robin step: the partition, the counter value used and the index among the candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RoundRobinStep {
    /// The partition chosen.
    pub(crate) partition: u32,
    /// `toPositive(counter)` before the increment.
    pub(crate) counter: u32,
    /// `counter % candidates` — equal to `partition` unless an availability list was given.
    pub(crate) index: u32,
}

impl RoundRobinState {
    /// A counter at `counter`, to test the wrap past `i32::MAX` without 2^31 calls.
    #[cfg(test)]
    pub(crate) fn starting_at(counter: i32) -> Self {
        RoundRobinState { counter }
    }

    /// Takes the next counter value (`getAndIncrement`) and maps it onto the candidates.
    pub(crate) fn next(&mut self, candidates: Candidates<'_>) -> RoundRobinStep {
        let value = self.counter;
        self.counter = value.wrapping_add(1);
        let counter = to_positive(value) as u32;
        let index = counter % candidates.len();
        RoundRobinStep { partition: candidates.at(index), counter, index }
    }
}

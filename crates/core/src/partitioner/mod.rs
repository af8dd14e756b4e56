//! Kafka's default partitioner: which partition a produced record goes to, and why.
//!
//! - A record with a key (even an empty one) goes to `toPositive(murmur2(key)) % numPartitions`, over
//!   *all* partitions, available or not, so a key always lands on the same partition ([`murmur2()`]).
//! - A record without a key follows the [`NullKeyStrategy`]: the sticky partitioner of KIP-480 (Kafka's
//!   default since 2.4) or Kafka's `RoundRobinPartitioner` (which ignores keys altogether).
//!
//! Sans-IO: the caller passes the random number (from its seeded RNG) and, if it knows them, the
//! available partitions. Every decision comes back as a [`PartitionChoice`] whose [`PartitionReason`]
//! prints the arithmetic, so the playground can show it.

mod candidates;
pub mod murmur2;
mod round_robin;
mod sticky;

use core::fmt;

use crate::error::ErrorCode;
use candidates::Candidates;
pub use murmur2::{murmur2, to_positive};
use round_robin::RoundRobinState;
use sticky::StickyState;

/// How records without a key are spread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NullKeyStrategy {
    /// KIP-480: stick to one partition until its batch is sent, then pick another at random.
    #[default]
    Sticky,
    /// Kafka's `RoundRobinPartitioner`: `toPositive(counter++) % n` for every record, keyed or not.
    RoundRobin,
}

/// The partitioner of one producer for one topic: holds the sticky partition or the round-robin counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partitioner {
    strategy: NullKeyStrategy,
    sticky: StickyState,
    round_robin: RoundRobinState,
}

/// A partition and the reason it was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionChoice {
    /// The partition the record goes to.
    pub partition: u32,
    /// Why, as the UI shows it.
    pub reason: PartitionReason,
}

/// Why a record went to its partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartitionReason {
    /// Keyed record: `toPositive(murmur2(key)) % num_partitions`.
    Murmur2 {
        /// `murmur2(key)` as Java's `int`.
        hash: i32,
        /// `toPositive(hash)`.
        positive: i32,
        /// The topic's partition count.
        num_partitions: u32,
    },
    /// Keyless record, KIP-480 sticky partition.
    Sticky {
        /// Chosen at random for this record (first record, or the previous batch was sent).
        newly_chosen: bool,
    },
    /// Round robin over all partitions: `counter % num_partitions`.
    RoundRobin {
        /// `toPositive` of the counter before its increment.
        counter: u32,
        /// The topic's partition count.
        num_partitions: u32,
    },
    /// Round robin over the available partitions only, as Kafka does when some are available: the
    /// record goes to the `index`-th available partition.
    RoundRobinAvailable {
        /// `toPositive` of the counter before its increment.
        counter: u32,
        /// How many partitions were available.
        num_available: u32,
        /// `counter % num_available`.
        index: u32,
    },
}

/// Why no partition could be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartitionerError {
    /// `num_partitions` was 0.
    NoPartitions,
    /// The availability list named a partition the topic does not have.
    AvailablePartitionOutOfRange {
        /// The offending entry.
        partition: u32,
        /// The topic's partition count.
        num_partitions: u32,
    },
    /// The availability list was not strictly ascending (unsorted or a repeat).
    AvailablePartitionsNotAscending {
        /// The entry before the offending one.
        previous: u32,
        /// The offending entry.
        partition: u32,
    },
}

impl Partitioner {
    /// A partitioner with nothing chosen yet.
    pub fn new(strategy: NullKeyStrategy) -> Self {
        Partitioner { strategy, sticky: StickyState::default(), round_robin: RoundRobinState::default() }
    }

    /// The strategy for keyless records.
    pub fn strategy(&self) -> NullKeyStrategy {
        self.strategy
    }

    /// The current sticky partition, if one is chosen (always `None` for round robin).
    pub fn sticky_partition(&self) -> Option<u32> {
        self.sticky.current()
    }

    /// The partition for a record, when every partition counts as available.
    ///
    /// `random` is only consumed when a new sticky partition is picked.
    pub fn partition(
        &mut self,
        key: Option<&[u8]>,
        num_partitions: u32,
        random: u32,
    ) -> Result<PartitionChoice, PartitionerError> {
        self.partition_with_available(key, num_partitions, None, random)
    }

    /// The partition for a record, given the partitions that currently have a leader.
    ///
    /// `available` must be strictly ascending and below `num_partitions`; `None` or an empty list means
    /// "all partitions" (Kafka's fallback when none is available). Keyed records ignore it: a key maps
    /// to one partition whatever its state. `random` is only consumed when a new sticky partition is
    /// picked.
    pub fn partition_with_available(
        &mut self,
        key: Option<&[u8]>,
        num_partitions: u32,
        available: Option<&[u32]>,
        random: u32,
    ) -> Result<PartitionChoice, PartitionerError> {
        let candidates = Candidates::new(num_partitions, available)?;
        match (self.strategy, key) {
            (NullKeyStrategy::RoundRobin, _) => Ok(self.round_robin(candidates, num_partitions)),
            (NullKeyStrategy::Sticky, Some(key)) => Ok(keyed(key, num_partitions)),
            (NullKeyStrategy::Sticky, None) => {
                let (partition, newly_chosen) = self.sticky.partition(candidates, num_partitions, random);
                Ok(PartitionChoice { partition, reason: PartitionReason::Sticky { newly_chosen } })
            }
        }
    }

    /// KIP-480: the producer calls this when the batch for the sticky partition was sent/closed, so the
    /// next keyless record picks a new sticky partition (different from the previous one when n > 1).
    ///
    /// A call for a partition that is not the current sticky one is ignored, as in Kafka. Round robin
    /// does not care about batches.
    pub fn on_new_batch(&mut self, previous_partition: u32) {
        if self.strategy == NullKeyStrategy::Sticky {
            self.sticky.on_new_batch(previous_partition);
        }
    }

    fn round_robin(&mut self, candidates: Candidates<'_>, num_partitions: u32) -> PartitionChoice {
        let step = self.round_robin.next(candidates);
        let reason = match candidates {
            Candidates::All(_) => PartitionReason::RoundRobin { counter: step.counter, num_partitions },
            Candidates::Available(_) => PartitionReason::RoundRobinAvailable {
                counter: step.counter,
                num_available: candidates.len(),
                index: step.index,
            },
        };
        PartitionChoice { partition: step.partition, reason }
    }
}

/// Kafka's `BuiltInPartitioner.partitionForKey`: `toPositive(murmur2(key)) % numPartitions`.
fn keyed(key: &[u8], num_partitions: u32) -> PartitionChoice {
    let hash = murmur2(key);
    let positive = to_positive(hash);
    // `positive` is non-negative, so the `u32` view is the same number.
    let partition = positive as u32 % num_partitions;
    PartitionChoice { partition, reason: PartitionReason::Murmur2 { hash, positive, num_partitions } }
}

impl fmt::Display for PartitionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The fields are public, so a hand-built reason may carry a zero divisor: print "?" rather than
        // divide by zero.
        struct Rem(u32, u32);
        impl fmt::Display for Rem {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0.checked_rem(self.1) {
                    Some(r) => write!(f, "{r}"),
                    None => f.write_str("?"),
                }
            }
        }
        match *self {
            PartitionReason::Murmur2 { hash, positive, num_partitions } => write!(
                f,
                "murmur2(key) = {hash} → toPositive = {positive} → % {num_partitions} = {}",
                Rem(positive as u32, num_partitions)
            ),
            PartitionReason::Sticky { newly_chosen: false } => {
                f.write_str("no key: sticky partition (KIP-480), kept until the batch is sent")
            }
            PartitionReason::Sticky { newly_chosen: true } => {
                f.write_str("no key: new sticky partition chosen at random (KIP-480)")
            }
            PartitionReason::RoundRobin { counter, num_partitions } => {
                write!(f, "round robin: counter {counter} % {num_partitions} = {}", Rem(counter, num_partitions))
            }
            PartitionReason::RoundRobinAvailable { counter, num_available, index } => write!(
                f,
                "round robin over the available partitions: counter {counter} % {num_available} = index {index}"
            ),
        }
    }
}

impl fmt::Display for PartitionChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "partition {}: {}", self.partition, self.reason)
    }
}

impl PartitionerError {
    /// The Kafka error a client would see for this.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            PartitionerError::NoPartitions => ErrorCode::InvalidPartitions,
            PartitionerError::AvailablePartitionOutOfRange { .. } => ErrorCode::UnknownTopicOrPartition,
            // A malformed list is the caller's bug, not a cluster state.
            PartitionerError::AvailablePartitionsNotAscending { .. } => ErrorCode::InvalidRequest,
        }
    }
}

impl fmt::Display for PartitionerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PartitionerError::NoPartitions => f.write_str("topic has no partitions"),
            PartitionerError::AvailablePartitionOutOfRange { partition, num_partitions } => write!(
                f,
                "available partition {partition} does not exist: the topic has {num_partitions} partitions"
            ),
            PartitionerError::AvailablePartitionsNotAscending { previous, partition } => write!(
                f,
                "available partitions must be strictly ascending, but {partition} follows {previous}"
            ),
        }
    }
}

impl core::error::Error for PartitionerError {}

#[cfg(test)]
mod tests;

//! The producer's records between `send` and their batch, and its requests in flight: sends blocked on
//! `buffer.memory`, records waiting for their topic, produce requests awaiting an answer.
//!
//! Every operation here costs O(log n) in the records held (or O(k log n) for k records it returns),
//! never a pass over all of them: the simulator calls the producer thousands of times per simulated
//! second while records pile up behind `max.in.flight.requests.per.connection`.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use super::accumulator::ProducerBatch;
use super::metadata::TopicId;
use super::record_id::RecordId;
use crate::error::ErrorCode;
use crate::node::BrokerId;
use crate::record_batch::NewRecord;

/// A partition as the producer keys it: the topic's metadata handle and the partition index. `Copy`,
/// so queues never clone topic names; a `TopicPartition` is built only for a request or an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PartitionRef {
    /// The topic.
    pub(crate) topic: TopicId,
    /// The partition index.
    pub(crate) partition: u32,
}

/// A waiting record's topic: its handle when the metadata knew it at `send`, else its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WaitingTopic {
    /// In the metadata already.
    Known(TopicId),
    /// Not in the metadata yet (Kafka's `waitOnMetadata`).
    Unknown(String),
}

/// A record accepted by `send` and not yet in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unpartitioned {
    /// Destination topic.
    pub(crate) topic: WaitingTopic,
    /// The record (its key feeds the partitioner).
    pub(crate) record: NewRecord,
    /// The record's id.
    pub(crate) record_id: RecordId,
    /// The caller's random number for the sticky partitioner.
    pub(crate) random: u32,
    /// When `send` accepted it: `max.block.ms` counts from here.
    pub(crate) created_ms: u64,
    /// Order in which `send` accepted it.
    pub(crate) seq: u64,
    /// Bytes of `buffer.memory` it takes (its size in a batch, an upper bound).
    pub(crate) size_bytes: u64,
}

/// A produce request sent and not yet answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InFlight {
    /// Where it went.
    pub(crate) broker: BrokerId,
    /// What it carries.
    pub(crate) batch: ProducerBatch,
    /// `request.timeout.ms` after sending, or the delivery deadline if sooner.
    pub(crate) deadline_ms: u64,
}

/// Most sends that may wait for `buffer.memory` at once (Kafka's callers block in `send`, one per
/// thread; a sans-IO `send` returns, so the waiting sends are kept here and must be bounded).
pub const MAX_BLOCKED_SENDS: usize = 65_536;

/// Sends waiting for `buffer.memory` to free (Kafka's `BufferPool` waiters), first come first served:
/// once one waits, later sends queue behind it even if they would fit, as Kafka's blocked caller
/// cannot send anything else meanwhile.
#[derive(Clone, Debug, Default)]
pub(crate) struct BlockedSends {
    queue: VecDeque<Unpartitioned>,
}

impl BlockedSends {
    /// Sends waiting.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no send waits (Kafka's `BufferPool.queued() == 0`, the opposite of "exhausted").
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues a send at the back; the caller checked [`MAX_BLOCKED_SENDS`].
    pub(crate) fn push(&mut self, record: Unpartitioned) {
        self.queue.push_back(record);
    }

    /// Takes the first send if it fits in `free_bytes`.
    pub(crate) fn pop_fitting(&mut self, free_bytes: u64) -> Option<Unpartitioned> {
        if self.queue.front()?.size_bytes <= free_bytes {
            self.queue.pop_front()
        } else {
            None
        }
    }

    /// Takes the first send if it has waited `max_block_ms` at `now_ms`. Sends wait in `send` order, so
    /// the first has the earliest deadline.
    pub(crate) fn pop_expired(&mut self, now_ms: u64, max_block_ms: u64) -> Option<Unpartitioned> {
        let front = self.queue.front()?;
        if now_ms >= front.created_ms.saturating_add(max_block_ms) {
            self.queue.pop_front()
        } else {
            None
        }
    }

    /// When the first send's `max.block.ms` runs out.
    pub(crate) fn next_deadline_ms(&self, max_block_ms: u64) -> Option<u64> {
        self.queue.front().map(|r| r.created_ms.saturating_add(max_block_ms))
    }
}

/// Produce requests sent and not yet answered, by correlation id, with their deadlines and per-broker
/// counts kept alongside so neither needs a scan.
#[derive(Clone, Debug, Default)]
pub(crate) struct InFlightRequests {
    by_correlation_id: BTreeMap<u64, InFlight>,
    /// `(deadline_ms, correlation_id)` of every request.
    deadlines: BTreeSet<(u64, u64)>,
    /// Requests per broker; brokers with none are removed.
    per_broker: BTreeMap<BrokerId, u32>,
    /// Requests per partition; partitions with none are removed (Kafka mutes a partition with a batch
    /// in flight when `max.in.flight.requests.per.connection=1`).
    per_partition: BTreeMap<PartitionRef, u32>,
}

impl InFlightRequests {
    /// The request with `correlation_id`.
    pub(crate) fn get(&self, correlation_id: u64) -> Option<&InFlight> {
        self.by_correlation_id.get(&correlation_id)
    }

    /// Records a request sent.
    pub(crate) fn insert(&mut self, correlation_id: u64, in_flight: InFlight) {
        // Only after 2^64 requests could an id come round again; keep the indexes consistent anyway.
        self.remove(correlation_id);
        self.deadlines.insert((in_flight.deadline_ms, correlation_id));
        *self.per_broker.entry(in_flight.broker).or_insert(0) += 1;
        *self.per_partition.entry(in_flight.batch.tp).or_insert(0) += 1;
        self.by_correlation_id.insert(correlation_id, in_flight);
    }

    /// Takes the request with `correlation_id` out.
    pub(crate) fn remove(&mut self, correlation_id: u64) -> Option<InFlight> {
        let in_flight = self.by_correlation_id.remove(&correlation_id)?;
        self.unindex(correlation_id, &in_flight);
        Some(in_flight)
    }

    /// Correlation ids of requests whose deadline is at or before `now_ms`, ascending.
    pub(crate) fn due(&self, now_ms: u64) -> Vec<u64> {
        let mut due: Vec<u64> =
            self.deadlines.range(..=(now_ms, u64::MAX)).map(|&(_, correlation_id)| correlation_id).collect();
        due.sort_unstable();
        due
    }

    /// Unanswered requests to `broker`.
    pub(crate) fn count(&self, broker: BrokerId) -> u32 {
        self.per_broker.get(&broker).copied().unwrap_or(0)
    }

    /// Whether a batch of `tp` is in flight (to any broker).
    pub(crate) fn has_partition(&self, tp: PartitionRef) -> bool {
        self.per_partition.contains_key(&tp)
    }

    /// Correlation ids of every request to `broker`, ascending. At most
    /// `max.in.flight.requests.per.connection` per broker are in flight, so the scan is short.
    pub(crate) fn to_broker(&self, broker: BrokerId) -> Vec<u64> {
        self.by_correlation_id
            .iter()
            .filter(|(_, in_flight)| in_flight.broker == broker)
            .map(|(&id, _)| id)
            .collect()
    }

    /// The earliest request deadline.
    pub(crate) fn next_deadline_ms(&self) -> Option<u64> {
        self.deadlines.first().map(|&(deadline_ms, _)| deadline_ms)
    }

    fn unindex(&mut self, correlation_id: u64, in_flight: &InFlight) {
        self.deadlines.remove(&(in_flight.deadline_ms, correlation_id));
        if let Some(count) = self.per_partition.get_mut(&in_flight.batch.tp) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_partition.remove(&in_flight.batch.tp);
            }
        }
        if let Some(count) = self.per_broker.get_mut(&in_flight.broker) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_broker.remove(&in_flight.broker);
            }
        }
    }
}

/// Errors that mean the client's metadata is stale: Kafka's `InvalidMetadataException` subclasses.
pub(crate) fn invalidates_metadata(error: ErrorCode) -> bool {
    matches!(
        error,
        ErrorCode::NotLeaderOrFollower
            | ErrorCode::UnknownTopicOrPartition
            | ErrorCode::LeaderNotAvailable
            | ErrorCode::FencedLeaderEpoch
            | ErrorCode::UnknownLeaderEpoch
            | ErrorCode::KafkaStorageError
            | ErrorCode::ReplicaNotAvailable
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(partition: u32) -> PartitionRef {
        PartitionRef { topic: TopicId::for_test(0), partition }
    }

    fn batch() -> ProducerBatch {
        ProducerBatch::for_test(tp(0))
    }

    #[test]
    fn in_flight_indexes_follow_inserts_and_removes() {
        let mut in_flight = InFlightRequests::default();
        let request = |broker, deadline_ms| InFlight { broker, batch: batch(), deadline_ms };
        in_flight.insert(7, request(1, 30));
        in_flight.insert(5, request(1, 30));
        in_flight.insert(6, request(2, 10));
        assert_eq!((in_flight.count(1), in_flight.count(2), in_flight.count(3)), (2, 1, 0));
        assert_eq!(in_flight.next_deadline_ms(), Some(10));
        assert_eq!(in_flight.due(29), [6]);
        assert_eq!(in_flight.due(30), [5, 6, 7], "due requests come by correlation id");
        assert_eq!(in_flight.remove(6).map(|f| f.broker), Some(2));
        assert!(in_flight.remove(6).is_none());
        assert_eq!(in_flight.count(2), 0);
        in_flight.insert(7, request(3, 40));
        assert_eq!((in_flight.count(1), in_flight.count(3)), (1, 1), "a reused id replaces its request");
        assert_eq!(in_flight.due(35), [5]);
    }
}

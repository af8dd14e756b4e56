//! The producer's records between `send` and their outcome: waiting for a topic, queued, in flight.
//!
//! Every operation here costs O(log n) in the records held (or O(k log n) for k records it returns),
//! never a pass over all of them: the simulator calls the producer thousands of times per simulated
//! second while records pile up behind `max.in.flight.requests.per.connection`.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use super::metadata::TopicId;
use super::record_id::RecordId;
use crate::error::ErrorCode;
use crate::node::BrokerId;

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

/// A record accepted by `send` and not yet partitioned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unpartitioned {
    /// Destination topic.
    pub(crate) topic: WaitingTopic,
    /// The key, for the partitioner.
    pub(crate) key: Option<Vec<u8>>,
    /// The encoded one-record batch.
    pub(crate) batch: Vec<u8>,
    /// The record's id.
    pub(crate) record_id: RecordId,
    /// The caller's random number for the sticky partitioner.
    pub(crate) random: u32,
    /// When `send` accepted it.
    pub(crate) created_ms: u64,
    /// Order in which `send` accepted it: the queue is kept sorted by it.
    pub(crate) seq: u64,
}

/// A partitioned record waiting to be sent (first time or again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QueuedRecord {
    /// The record's id.
    pub(crate) record_id: RecordId,
    /// Its partition.
    pub(crate) tp: PartitionRef,
    /// The encoded one-record batch, sent as is on every attempt.
    pub(crate) batch: Vec<u8>,
    /// When `send` accepted it: `delivery.timeout.ms` counts from here (KIP-91).
    pub(crate) created_ms: u64,
    /// Order in which `send` accepted it: the queue is kept sorted by it.
    pub(crate) seq: u64,
    /// Retries so far (Kafka's `ProducerBatch.attempts`, counted from 0).
    pub(crate) attempts: u32,
    /// Not sent again before this (`retry.backoff.ms` after a failure).
    pub(crate) retry_after_ms: u64,
    /// After a "wrong leader" error: the metadata update count at the failure; the record waits for a
    /// newer response while one is pending.
    pub(crate) wait_for_metadata_after: Option<u64>,
}

impl QueuedRecord {
    /// A fresh record for `tp`.
    pub(crate) fn new(record: Unpartitioned, tp: PartitionRef) -> Self {
        QueuedRecord {
            record_id: record.record_id,
            tp,
            batch: record.batch,
            created_ms: record.created_ms,
            seq: record.seq,
            attempts: 0,
            retry_after_ms: 0,
            wait_for_metadata_after: None,
        }
    }

    /// When the record fails however far it got.
    pub(crate) fn delivery_deadline_ms(&self, delivery_timeout_ms: u64) -> u64 {
        self.created_ms.saturating_add(delivery_timeout_ms)
    }
}

/// A produce request sent and not yet answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InFlight {
    /// Where it went.
    pub(crate) broker: BrokerId,
    /// What it carries.
    pub(crate) record: QueuedRecord,
    /// `request.timeout.ms` after sending, or the delivery deadline if sooner.
    pub(crate) deadline_ms: u64,
}

/// Partitioned records not yet sent, one queue per partition in send order (`seq`), retries included.
#[derive(Clone, Debug, Default)]
pub(crate) struct SendQueue {
    /// Non-empty queues only, so a drain visits only partitions with something to send.
    /// A deque, not a map: records arrive at the back in `seq` order and leave from the front; only a
    /// retry goes elsewhere, among the few earlier retries at the front (binary search, short shift).
    partitions: BTreeMap<PartitionRef, VecDeque<QueuedRecord>>,
    /// `(delivery deadline, seq, partition)` of every queued record: expiry and the next tick in O(log n).
    deadlines: BTreeSet<(u64, u64, PartitionRef)>,
    /// `(retry_after_ms, seq)` of queued records sent before (the others have no backoff).
    backoffs: BTreeSet<(u64, u64)>,
    len: usize,
}

impl SendQueue {
    /// Records queued.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Queues `record` in its partition, in send order (new records, records whose topic just appeared,
    /// retries).
    pub(crate) fn push(&mut self, record: QueuedRecord, delivery_timeout_ms: u64) {
        let deadline_ms = record.delivery_deadline_ms(delivery_timeout_ms);
        self.deadlines.insert((deadline_ms, record.seq, record.tp));
        if record.retry_after_ms > 0 {
            self.backoffs.insert((record.retry_after_ms, record.seq));
        }
        self.len += 1;
        let queue = self.partitions.entry(record.tp).or_default();
        match queue.back() {
            Some(last) if last.seq > record.seq => {
                let at = queue.partition_point(|queued| queued.seq < record.seq);
                queue.insert(at, record);
            }
            _ => queue.push_back(record),
        }
    }

    /// The first record of every partition with records, in no particular order.
    pub(crate) fn heads(&self) -> impl Iterator<Item = (PartitionRef, &QueuedRecord)> + '_ {
        self.partitions.iter().filter_map(|(tp, queue)| queue.front().map(|record| (*tp, record)))
    }

    /// The first record of `tp`'s queue.
    pub(crate) fn head(&self, tp: PartitionRef) -> Option<&QueuedRecord> {
        self.partitions.get(&tp).and_then(VecDeque::front)
    }

    /// Takes the first record of `tp`'s queue; returns it and the seq of the record now first.
    pub(crate) fn pop_head(
        &mut self,
        tp: PartitionRef,
        delivery_timeout_ms: u64,
    ) -> Option<(QueuedRecord, Option<u64>)> {
        let queue = self.partitions.get_mut(&tp)?;
        let record = queue.pop_front()?;
        let next_seq = queue.front().map(|next| next.seq);
        if next_seq.is_none() {
            self.partitions.remove(&tp);
        }
        self.forget(&record, delivery_timeout_ms);
        Some((record, next_seq))
    }

    /// Takes every record whose delivery deadline is at or before `now_ms`, in send order.
    pub(crate) fn take_expired(&mut self, now_ms: u64) -> Vec<QueuedRecord> {
        let mut expired = Vec::new();
        while let Some(&(deadline_ms, seq, tp)) = self.deadlines.first() {
            if deadline_ms > now_ms {
                break;
            }
            self.deadlines.pop_first();
            let Some(queue) = self.partitions.get_mut(&tp) else { continue };
            // Expiring records are the oldest, so they sit near the front.
            let found = queue.binary_search_by_key(&seq, |queued| queued.seq).ok();
            if let Some(record) = found.and_then(|at| queue.remove(at)) {
                self.backoffs.remove(&(record.retry_after_ms, seq));
                self.len -= 1;
                expired.push(record);
            }
            if queue.is_empty() {
                self.partitions.remove(&tp);
            }
        }
        expired.sort_unstable_by_key(|record| record.seq);
        expired
    }

    /// The earliest delivery deadline of a queued record.
    pub(crate) fn next_deadline_ms(&self) -> Option<u64> {
        self.deadlines.first().map(|&(deadline_ms, _, _)| deadline_ms)
    }

    /// The earliest end of a retry backoff strictly after `after_ms`.
    pub(crate) fn next_backoff_end_after(&self, after_ms: u64) -> Option<u64> {
        let from = after_ms.checked_add(1)?;
        self.backoffs.range((from, 0)..).next().map(|&(retry_after_ms, _)| retry_after_ms)
    }

    fn forget(&mut self, record: &QueuedRecord, delivery_timeout_ms: u64) {
        let deadline_ms = record.delivery_deadline_ms(delivery_timeout_ms);
        self.deadlines.remove(&(deadline_ms, record.seq, record.tp));
        self.backoffs.remove(&(record.retry_after_ms, record.seq));
        self.len -= 1;
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

    /// The earliest request deadline.
    pub(crate) fn next_deadline_ms(&self) -> Option<u64> {
        self.deadlines.first().map(|&(deadline_ms, _)| deadline_ms)
    }

    fn unindex(&mut self, correlation_id: u64, in_flight: &InFlight) {
        self.deadlines.remove(&(in_flight.deadline_ms, correlation_id));
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
    use alloc::vec;

    const DELIVERY_TIMEOUT_MS: u64 = 100;

    fn tp(partition: u32) -> PartitionRef {
        PartitionRef { topic: TopicId::for_test(0), partition }
    }

    fn record(seq: u64, partition: u32, created_ms: u64, retry_after_ms: u64) -> QueuedRecord {
        QueuedRecord {
            record_id: seq + 1000,
            tp: tp(partition),
            batch: vec![0; 10],
            created_ms,
            seq,
            attempts: 0,
            retry_after_ms,
            wait_for_metadata_after: None,
        }
    }

    #[test]
    fn queues_per_partition_in_send_order_and_expires_in_send_order() {
        let mut queue = SendQueue::default();
        // A retry (seq 1) goes back before later records of its partition.
        for r in [record(3, 0, 5, 0), record(2, 1, 0, 0), record(1, 0, 10, 50), record(4, 1, 1, 0)] {
            queue.push(r, DELIVERY_TIMEOUT_MS);
        }
        assert_eq!(queue.len(), 4);
        let mut heads: Vec<_> = queue.heads().map(|(tp, r)| (r.seq, tp)).collect();
        heads.sort_unstable();
        assert_eq!(heads, [(1, tp(0)), (2, tp(1))]);
        assert_eq!(queue.next_deadline_ms(), Some(100));
        assert_eq!(queue.next_backoff_end_after(49), Some(50));
        assert_eq!(queue.next_backoff_end_after(50), None, "a backoff already over is no tick");
        // Deadlines 100 (seq 2), 101 (seq 4), 105 (seq 3): all three go, reported by seq.
        let expired: Vec<u64> = queue.take_expired(105).iter().map(|r| r.seq).collect();
        assert_eq!(expired, [2, 3, 4]);
        assert_eq!(queue.heads().map(|(tp, r)| (r.seq, tp)).collect::<Vec<_>>(), [(1, tp(0))]);
        let (head, next) = queue.pop_head(tp(0), DELIVERY_TIMEOUT_MS).unwrap();
        assert_eq!((head.seq, next, queue.len()), (1, None, 0));
        assert_eq!((queue.next_deadline_ms(), queue.next_backoff_end_after(0)), (None, None));
        assert!(queue.head(tp(0)).is_none());
    }

    #[test]
    fn in_flight_indexes_follow_inserts_and_removes() {
        let mut in_flight = InFlightRequests::default();
        let request = |broker, deadline_ms| InFlight { broker, record: record(0, 0, 0, 0), deadline_ms };
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

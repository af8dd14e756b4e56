//! The producer as a sans-IO node: `send` records, get `RecordAcked` / `RecordFailed` back.
//!
//! Shaped like Kafka's `KafkaProducer` + `Sender`, one record per batch for now: `send` partitions the
//! record (murmur2 for keys, KIP-480 sticky otherwise) and queues it; the queue drains to each
//! partition's leader with at most `max.in.flight.requests.per.connection` unanswered requests per
//! broker. Failures follow `Sender.canRetry`: a retriable error is retried after `retry.backoff.ms`
//! while `retries` and `delivery.timeout.ms` (KIP-91) allow, and errors that mean "wrong leader"
//! refresh metadata first. The producer issue grows this into the accumulator with `linger.ms`,
//! batching and idempotence (KIP-98); the queue and in-flight map are where that goes.
//!
//! Cost per record is O(log n) in the records held: queues are per partition (keyed by an interned
//! `PartitionRef`, not a topic name), deadlines and backoffs sit in ordered sets, and a drain merges
//! the partitions' heads in send order instead of walking every queued record.

use alloc::collections::{BTreeMap, BinaryHeap, VecDeque};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Reverse;

use super::events::ClientEvent;
use super::metadata::{ClientMetadata, MetadataTiming, TopicId};
use super::producer_config::ProducerConfig;
use super::producer_queue::{
    invalidates_metadata, InFlight, InFlightRequests, PartitionRef, QueuedRecord, SendQueue, Unpartitioned,
    WaitingTopic,
};
use super::producer_stats::ProducerStats;
use super::record_id::{record_id_header, RecordId};
use super::send_error::SendError;
use super::ClientConfigError;
use crate::error::ErrorCode;
use crate::node::{BrokerId, Effect, Node, NodeId};
use crate::partitioner::Partitioner;
use crate::record_batch::{Compression, NewRecord, RecordBatch};
use crate::replication::messages::{Acks, Message, ProduceRequest, ProduceResponse, TopicPartition};
use crate::topic::validate_topic_name;

/// Kafka's `RecordMetadata.UNKNOWN_PARTITION`: a record that failed before it had a partition.
pub const UNKNOWN_PARTITION: i32 = -1;

/// What stops a partition's first record from being sent, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Readiness {
    /// It can go to this broker now.
    Ready(BrokerId),
    /// Its leader is not known: it waits, and metadata must be refreshed.
    NoLeader,
    /// It waits for a backoff, newer metadata or a free in-flight slot.
    Blocked,
}

/// A producer client (see the module docs).
#[derive(Clone, Debug)]
pub struct Producer {
    client_id: u32,
    config: ProducerConfig,
    metadata: ClientMetadata,
    partitioners: BTreeMap<TopicId, Partitioner>,
    /// Records not partitioned yet, in send order: just sent, or their topic is not in the metadata yet
    /// (Kafka's `send` blocks in `waitOnMetadata`).
    waiting_for_topic: VecDeque<Unpartitioned>,
    /// How many records at the front of `waiting_for_topic` were found waiting by the last pass; they
    /// need another look only once metadata or the clock moved past `waiting_deadline_ms`.
    waiting_checked: usize,
    /// `updates_applied` of the metadata at the last pass over `waiting_for_topic`.
    waiting_checked_updates: u64,
    /// The earliest `max.block.ms` deadline in `waiting_for_topic`.
    waiting_deadline_ms: Option<u64>,
    /// Partitioned records not yet sent, per partition in send order (`seq`), retries included.
    queue: SendQueue,
    in_flight: InFlightRequests,
    /// Encoded bytes of every record waiting or in flight, bounded by `buffer.memory`.
    buffered_bytes: u64,
    next_correlation_id: u64,
    /// The next record's place in send order.
    next_seq: u64,
    last_now_ms: u64,
    stats: ProducerStats,
    effects: Vec<Effect>,
}

impl Producer {
    /// A producer that will learn the cluster from `bootstrap` (Kafka's `bootstrap.servers`).
    pub fn new(
        client_id: u32,
        config: ProducerConfig,
        bootstrap: Vec<BrokerId>,
    ) -> Result<Self, ClientConfigError> {
        config.validate()?;
        if bootstrap.is_empty() {
            return Err(ClientConfigError::Inconsistent {
                reason: String::from("No resolvable bootstrap urls given in bootstrap.servers"),
            });
        }
        let timing = MetadataTiming {
            request_timeout_ms: config.request_timeout_ms,
            retry_backoff_ms: config.retry_backoff_ms,
            max_age_ms: config.metadata_max_age_ms,
        };
        Ok(Producer {
            client_id,
            metadata: ClientMetadata::new(bootstrap, timing),
            config,
            partitioners: BTreeMap::new(),
            waiting_for_topic: VecDeque::new(),
            waiting_checked: 0,
            waiting_checked_updates: 0,
            waiting_deadline_ms: None,
            queue: SendQueue::default(),
            in_flight: InFlightRequests::default(),
            buffered_bytes: 0,
            next_correlation_id: 0,
            next_seq: 0,
            last_now_ms: 0,
            stats: ProducerStats::default(),
            effects: Vec::new(),
        })
    }

    /// The configs this producer runs with.
    pub fn config(&self) -> &ProducerConfig {
        &self.config
    }

    /// What this producer has done so far.
    pub fn stats(&self) -> &ProducerStats {
        &self.stats
    }

    /// Whether this producer is idempotent (see [`ProducerConfig::idempotence_enabled`]).
    pub fn idempotent(&self) -> bool {
        self.config.idempotence_enabled()
    }

    /// The producer id and epoch it writes with, once InitProducerId answered (idempotence only).
    pub fn producer_id_and_epoch(&self) -> Option<(i64, i16)> {
        None
    }

    /// Bytes of records waiting or in flight (counted against `buffer.memory`).
    pub fn buffered_bytes(&self) -> u64 {
        self.buffered_bytes
    }

    /// Records waiting to be sent (for a topic, a leader, a backoff or a free in-flight slot).
    pub fn queued_records(&self) -> usize {
        self.waiting_for_topic.len() + self.queue.len()
    }

    /// Produce requests sent to `broker` and not yet answered.
    pub fn in_flight_requests(&self, broker: BrokerId) -> usize {
        self.in_flight.count(broker) as usize
    }

    /// The leader this producer believes `tp` has.
    pub fn leader_of(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.metadata.leader(tp)
    }

    /// Sends one record (Kafka's `KafkaProducer.send`): checks it, queues it and sends what can go.
    /// The outcome arrives later as `RecordAcked` or `RecordFailed`; an `Err` here means the record was
    /// not accepted at all and no event follows. `random` feeds the sticky partitioner.
    pub fn send(
        &mut self,
        now_ms: u64,
        topic: &str,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        record_id: RecordId,
        random: u32,
    ) -> Result<(), SendError> {
        validate_topic_name(topic).map_err(SendError::InvalidTopic)?;
        let timestamp_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let headers = vec![record_id_header(record_id)];
        let record = NewRecord { key: key.clone(), value, headers, timestamp_ms };
        let batch =
            RecordBatch::from_new_records(vec![record], Compression::None).and_then(|b| b.encode())?;
        let size_bytes = batch.len() as u64;
        if size_bytes > u64::from(self.config.max_request_size) {
            return Err(SendError::RecordTooLarge {
                size_bytes,
                limit_bytes: self.config.max_request_size.into(),
                config: "max.request.size",
            });
        }
        if size_bytes > self.config.buffer_memory {
            return Err(SendError::RecordTooLarge {
                size_bytes,
                limit_bytes: self.config.buffer_memory,
                config: "buffer.memory",
            });
        }
        let used_bytes = self.buffered_bytes;
        if used_bytes.saturating_add(size_bytes) > self.config.buffer_memory {
            return Err(SendError::BufferExhausted {
                size_bytes,
                used_bytes,
                buffer_memory: self.config.buffer_memory,
            });
        }
        self.buffered_bytes += size_bytes;
        let topic = match self.metadata.topic_id(topic) {
            Some(id) => WaitingTopic::Known(id),
            None => WaitingTopic::Unknown(String::from(topic)),
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        let unpartitioned = Unpartitioned { topic, key, batch, record_id, random, created_ms: now_ms, seq };
        self.waiting_for_topic.push_back(unpartitioned);
        self.poll(now_ms);
        Ok(())
    }

    /// Runs everything that is due at `now_ms`, as Kafka's `Sender.runOnce`: expiry, sending, then
    /// a metadata request if one is due.
    fn poll(&mut self, now_ms: u64) {
        self.last_now_ms = self.last_now_ms.max(now_ms);
        self.expire_in_flight(now_ms);
        self.partition_waiting(now_ms);
        self.expire_queued(now_ms);
        self.drain(now_ms);
        // Last, so the updates asked for above (unknown topic or leader, timeouts) go out now.
        if let Some((broker, correlation_id)) = self.metadata.poll(now_ms, &mut self.next_correlation_id) {
            let message = Message::MetadataRequest { correlation_id };
            self.effects.push(Effect::Send { to: NodeId::Broker(broker), message });
        }
    }

    /// Gives partitions to records whose topic is now known; fails those that waited `max.block.ms`.
    /// Records a previous pass left waiting are looked at again only when that could change the answer:
    /// new metadata arrived, or the earliest of their deadlines passed.
    fn partition_waiting(&mut self, now_ms: u64) {
        let updates = self.metadata.updates_applied();
        let recheck = updates != self.waiting_checked_updates
            || self.waiting_deadline_ms.is_some_and(|deadline_ms| now_ms >= deadline_ms);
        let (start, mut deadline_ms) =
            if recheck { (0, None) } else { (self.waiting_checked, self.waiting_deadline_ms) };
        if start > 0 {
            // The records skipped still wait; each pass over them asks for a metadata update.
            self.metadata.request_update();
        }
        let pending: Vec<Unpartitioned> = self.waiting_for_topic.drain(start..).collect();
        for record in pending {
            let known = match &record.topic {
                WaitingTopic::Known(id) => Some(*id),
                WaitingTopic::Unknown(name) => self.metadata.topic_id(name),
            };
            match known {
                Some(topic) => self.partition(topic, record),
                None => {
                    let block_deadline_ms = record.created_ms.saturating_add(self.config.max_block_ms);
                    if now_ms >= block_deadline_ms {
                        // Kafka: TimeoutException "Topic X not present in metadata after max.block.ms ms".
                        let tp = self.unknown_partition(&record.topic);
                        self.finish(
                            record.record_id,
                            tp,
                            record.batch.len(),
                            Err(ErrorCode::RequestTimedOut),
                        );
                    } else {
                        self.metadata.request_update();
                        deadline_ms =
                            Some(deadline_ms.map_or(block_deadline_ms, |d: u64| d.min(block_deadline_ms)));
                        self.waiting_for_topic.push_back(record);
                    }
                }
            }
        }
        self.waiting_checked = self.waiting_for_topic.len();
        self.waiting_checked_updates = updates;
        self.waiting_deadline_ms = deadline_ms;
    }

    /// Picks `record`'s partition of `topic` (in the metadata) and queues it, or fails it.
    fn partition(&mut self, topic: TopicId, record: Unpartitioned) {
        let count = self.metadata.partition_count(topic);
        let available = self.metadata.available_partitions(topic);
        let partitioner =
            self.partitioners.entry(topic).or_insert_with(|| Partitioner::new(self.config.partitioner));
        let choice = partitioner.partition_with_available(
            record.key.as_deref(),
            count,
            Some(available),
            record.random,
        );
        match choice {
            Ok(choice) => {
                let tp = PartitionRef { topic, partition: choice.partition };
                self.enqueue(QueuedRecord::new(record, tp));
            }
            Err(e) => {
                let tp = self.unknown_partition(&record.topic);
                self.finish(record.record_id, tp, record.batch.len(), Err(e.error_code()));
            }
        }
    }

    /// The `TopicPartition` a record that failed before it had a partition is reported with.
    fn unknown_partition(&self, topic: &WaitingTopic) -> TopicPartition {
        let topic = match topic {
            WaitingTopic::Known(id) => String::from(self.metadata.topic_name(*id)),
            WaitingTopic::Unknown(name) => name.clone(),
        };
        TopicPartition { topic, partition: UNKNOWN_PARTITION }
    }

    /// The `TopicPartition` for a request or an event (the only places a topic name is cloned).
    fn topic_partition(&self, tp: PartitionRef) -> TopicPartition {
        TopicPartition {
            topic: String::from(self.metadata.topic_name(tp.topic)),
            partition: i32::try_from(tp.partition).unwrap_or(UNKNOWN_PARTITION),
        }
    }

    /// Fails queued records older than `delivery.timeout.ms` (Kafka's `RecordAccumulator.expiredBatches`).
    fn expire_queued(&mut self, now_ms: u64) {
        for record in self.queue.take_expired(now_ms) {
            let tp = self.topic_partition(record.tp);
            self.finish(record.record_id, tp, record.batch.len(), Err(ErrorCode::RequestTimedOut));
        }
    }

    /// Requests unanswered at their deadline: past `delivery.timeout.ms` they fail, otherwise they count
    /// as `REQUEST_TIMED_OUT` (Kafka's `Sender` after `NetworkClient` drops the timed-out connection).
    fn expire_in_flight(&mut self, now_ms: u64) {
        for correlation_id in self.in_flight.due(now_ms) {
            if let Some(in_flight) = self.in_flight.remove(correlation_id) {
                // Past request.timeout.ms Kafka's client drops the connection, which refreshes metadata
                // too; a request cut short by the delivery timeout only fails its batch.
                let dropped = in_flight.deadline_ms
                    < in_flight.record.delivery_deadline_ms(self.config.delivery_timeout_ms);
                self.complete(now_ms, in_flight.record, Err(ErrorCode::RequestTimedOut), dropped);
            }
        }
    }

    /// Sends every queued record that can go, in send order across partitions. A partition whose first
    /// record must wait holds back its later records too (Kafka drains only the head of each partition's
    /// deque), so only partition heads are looked at: a merge of them by `seq`.
    fn drain(&mut self, now_ms: u64) {
        // With acks=0 a request is never in flight, yet takes its broker's slot for the rest of the drain.
        let mut unrecorded: BTreeMap<BrokerId, u32> = BTreeMap::new();
        // A head blocked now stays blocked for this drain (slots only fill, backoffs and `now_ms` stay,
        // a metadata update only becomes pending), so it is dropped up front. Heads without a leader
        // stay: each asks for a metadata update in its turn, which later heads may see.
        let mut heads: BinaryHeap<Reverse<(u64, PartitionRef)>> = self
            .queue
            .heads()
            .filter(|(_, record)| self.readiness(now_ms, record, &unrecorded) != Readiness::Blocked)
            .map(|(tp, record)| Reverse((record.seq, tp)))
            .collect();
        while let Some(Reverse((_, tp))) = heads.pop() {
            let Some(record) = self.queue.head(tp) else { continue };
            let broker = match self.readiness(now_ms, record, &unrecorded) {
                Readiness::Ready(broker) => broker,
                Readiness::Blocked => continue, // The partition's later records wait behind this one.
                Readiness::NoLeader => {
                    // Kafka's Sender: a partition without a known leader triggers a metadata update.
                    self.metadata.request_update();
                    continue;
                }
            };
            let Some((record, next_seq)) = self.queue.pop_head(tp, self.config.delivery_timeout_ms) else {
                continue;
            };
            self.send_request(now_ms, broker, record);
            if self.config.acks == Acks::None {
                *unrecorded.entry(broker).or_insert(0) += 1;
            }
            if let Some(seq) = next_seq {
                heads.push(Reverse((seq, tp)));
            }
        }
    }

    /// Whether a partition's first record can be sent now, and to which broker.
    fn readiness(
        &self,
        now_ms: u64,
        record: &QueuedRecord,
        unrecorded: &BTreeMap<BrokerId, u32>,
    ) -> Readiness {
        let Some(broker) = self.metadata.leader_at(record.tp.topic, record.tp.partition) else {
            return Readiness::NoLeader;
        };
        let waits_for_metadata = record
            .wait_for_metadata_after
            .is_some_and(|seen| self.metadata.updates_applied() == seen && self.metadata.update_pending());
        let in_flight = self.in_flight.count(broker) + unrecorded.get(&broker).copied().unwrap_or(0);
        if waits_for_metadata
            || record.retry_after_ms > now_ms
            || in_flight >= self.config.max_in_flight_requests_per_connection
        {
            return Readiness::Blocked;
        }
        Readiness::Ready(broker)
    }

    fn send_request(&mut self, now_ms: u64, broker: BrokerId, mut record: QueuedRecord) {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let tp = self.topic_partition(record.tp);
        let request = ProduceRequest {
            correlation_id,
            acks: self.config.acks,
            timeout_ms: self.config.request_timeout_ms,
            tp: tp.clone(),
            records: record.batch.clone(),
        };
        self.effects.push(Effect::Send { to: NodeId::Broker(broker), message: Message::Produce(request) });
        let client = self.client_id;
        let sent = ClientEvent::RecordSent { client, record_id: record.record_id, tp: tp.clone() };
        self.effects.push(Effect::Client(sent));
        // KIP-480: the batch for the sticky partition is closed once it is drained.
        if let Some(partitioner) = self.partitioners.get_mut(&record.tp.topic) {
            partitioner.on_new_batch(record.tp.partition);
        }
        if self.config.acks == Acks::None {
            // acks=0: no response will come; Kafka completes the batch as sent, with offset -1.
            self.finish(record.record_id, tp, record.batch.len(), Ok(-1));
            return;
        }
        record.wait_for_metadata_after = None;
        let deadline_ms = now_ms
            .saturating_add(self.config.request_timeout_ms)
            .min(record.delivery_deadline_ms(self.config.delivery_timeout_ms).max(now_ms));
        self.in_flight.insert(correlation_id, InFlight { broker, record, deadline_ms });
    }

    fn on_produce_response(&mut self, now_ms: u64, from: NodeId, response: ProduceResponse) {
        let matches = self.in_flight.get(response.correlation_id).is_some_and(|f| {
            from == NodeId::Broker(f.broker)
                && self.metadata.topic_name(f.record.tp.topic) == response.tp.topic
                && i32::try_from(f.record.tp.partition) == Ok(response.tp.partition)
        });
        // A response we no longer wait for (timed out, duplicated by the network) is ignored.
        let Some(in_flight) = matches.then(|| self.in_flight.remove(response.correlation_id)).flatten()
        else {
            return;
        };
        let outcome = match response.error {
            ErrorCode::None => Ok(response.base_offset),
            error => Err(error),
        };
        self.complete(now_ms, in_flight.record, outcome, false);
    }

    /// Kafka's `Sender.completeBatch`: succeed, retry (`canRetry`), or fail.
    fn complete(
        &mut self,
        now_ms: u64,
        mut record: QueuedRecord,
        outcome: Result<i64, ErrorCode>,
        dropped: bool,
    ) {
        let error = match outcome {
            Ok(offset) => {
                let tp = self.topic_partition(record.tp);
                return self.finish(record.record_id, tp, record.batch.len(), Ok(offset));
            }
            Err(error) => error,
        };
        let can_retry = error.is_retriable()
            && record.attempts < self.config.retries
            && now_ms < record.delivery_deadline_ms(self.config.delivery_timeout_ms);
        if dropped || invalidates_metadata(error) {
            self.metadata.request_update();
        }
        if !can_retry {
            let tp = self.topic_partition(record.tp);
            return self.finish(record.record_id, tp, record.batch.len(), Err(error));
        }
        record.attempts += 1;
        record.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
        if dropped || invalidates_metadata(error) {
            // Don't resend to the broker that just said it is not the leader before newer metadata
            // arrives (the intent of KIP-951); the delivery timeout still bounds the wait.
            record.wait_for_metadata_after = Some(self.metadata.updates_applied());
        }
        // Kafka's `RecordAccumulator.reenqueue` puts a retried batch first in its partition's queue; when
        // several fail together that reverses them, so, like Kafka's idempotent producer
        // (`insertInSequenceOrder`), it goes back in send order instead.
        self.enqueue(record);
    }

    /// Queues `record` in send order in its partition (new records, records whose topic just appeared,
    /// retries).
    fn enqueue(&mut self, record: QueuedRecord) {
        self.queue.push(record, self.config.delivery_timeout_ms);
    }

    /// Reports the outcome and releases the record's buffer space.
    fn finish(
        &mut self,
        record_id: RecordId,
        tp: TopicPartition,
        size_bytes: usize,
        outcome: Result<i64, ErrorCode>,
    ) {
        self.buffered_bytes = self.buffered_bytes.saturating_sub(size_bytes as u64);
        let client = self.client_id;
        let event = match outcome {
            Ok(offset) => ClientEvent::RecordAcked { client, record_id, tp, offset },
            Err(error) => ClientEvent::RecordFailed { client, record_id, tp, error },
        };
        self.effects.push(Effect::Client(event));
    }
}

impl Node for Producer {
    fn id(&self) -> NodeId {
        NodeId::Client(self.client_id)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        match message {
            Message::MetadataResponse { correlation_id, partitions } => {
                if let NodeId::Broker(broker) = from {
                    self.metadata.on_response(now_ms, broker, correlation_id, partitions);
                }
            }
            Message::ProduceResponse(response) => self.on_produce_response(now_ms, from, response),
            // Nothing else is addressed to a producer; a stray message changes nothing.
            _ => {}
        }
        self.poll(now_ms);
    }

    fn on_tick(&mut self, now_ms: u64) {
        self.poll(now_ms);
    }

    fn next_tick_ms(&self) -> Option<u64> {
        let metadata = self.metadata.next_tick_ms();
        let in_flight = self.in_flight.next_deadline_ms();
        let blocked = self.waiting_deadline_ms;
        let expiry = self.queue.next_deadline_ms();
        let backoff = self.queue.next_backoff_end_after(self.last_now_ms);
        [metadata, in_flight, blocked, expiry, backoff].into_iter().flatten().min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }
}

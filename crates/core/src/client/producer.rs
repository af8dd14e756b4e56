//! The producer as a sans-IO node: `send` records, get `RecordAcked` / `RecordFailed` back.
//!
//! Shaped like Kafka's `KafkaProducer` + `RecordAccumulator` + `Sender` (+ `TransactionManager` for
//! idempotence):
//! - `send` checks the record against `max.request.size` and `buffer.memory`; when `buffer.memory` is
//!   full it waits, in order, for memory to free (Kafka's caller blocks in `BufferPool.allocate`) and
//!   fails after `max.block.ms`; a record whose topic is not in the metadata waits for it the same way.
//! - Records are partitioned (murmur2 for keys, KIP-480 sticky otherwise) into the accumulator's
//!   per-partition batches (`batch.size`, `linger.ms`, `compression.type`; see the `accumulator` module).
//! - The sender (`sender`) drains ready batches to each partition's leader, one batch per produce
//!   request, at most `max.in.flight.requests.per.connection` unanswered requests per broker, and
//!   retries after `retry.backoff.ms` while `retries` and `delivery.timeout.ms` (KIP-91) allow.
//! - With idempotence (KIP-98, default on), InitProducerId comes first and every batch carries the
//!   producer id, epoch and a per-partition sequence (see the `idempotence` module).
//! - `flush` makes every batch ready and reports `FlushCompleted` once every earlier record has its
//!   outcome.
//!
//! Cost per record is O(log n) in the records held: queues are per partition (keyed by an interned
//! `PartitionRef`), deadlines, linger ends and backoffs sit in ordered sets, and a drain merges the
//! partitions' first batches instead of walking every queued record.

mod sender;
mod transactional;

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::accumulator::{record_size_bytes, Accumulator, BatchLimits, BatchRecord};
use super::events::ClientEvent;
use super::idempotence::Idempotence;
use super::metadata::{ClientMetadata, MetadataTiming, TopicId};
use super::producer_config::ProducerConfig;
use super::producer_queue::{
    BlockedSends, InFlightRequests, PartitionRef, Unpartitioned, WaitingTopic, MAX_BLOCKED_SENDS,
};
use super::producer_stats::ProducerStats;
use super::record_id::{record_id_header, RecordId};
use super::send_error::SendError;
use super::ClientConfigError;
use crate::error::ErrorCode;
use crate::node::{BrokerId, Effect, Node, NodeId};
use crate::partitioner::Partitioner;
use crate::record_batch::{NewRecord, BATCH_HEADER_SIZE_BYTES};
use crate::replication::messages::{Message, TopicPartition};
use crate::topic::validate_topic_name;

/// Kafka's `RecordMetadata.UNKNOWN_PARTITION`: a record that failed before it had a partition.
pub const UNKNOWN_PARTITION: i32 = -1;

/// Most `flush` calls waiting for their `FlushCompleted` at once, as distinct points in the stream of
/// sends; past it the last one absorbs the next (each still gets its event, possibly later).
const MAX_PENDING_FLUSH_POINTS: usize = 1024;

/// A producer client (see the module docs).
#[derive(Clone, Debug)]
pub struct Producer {
    client_id: u32,
    config: ProducerConfig,
    metadata: ClientMetadata,
    bootstrap: Vec<BrokerId>,
    partitioners: BTreeMap<TopicId, Partitioner>,
    /// Sends waiting for `buffer.memory`, in send order.
    blocked: BlockedSends,
    /// Records holding memory but not in a batch yet, in send order: their topic is not in the
    /// metadata yet (Kafka's `send` blocks in `waitOnMetadata`).
    waiting_for_topic: VecDeque<Unpartitioned>,
    /// How many records at the front of `waiting_for_topic` were found waiting by the last pass; they
    /// need another look only once metadata or the clock moved past `waiting_deadline_ms`.
    waiting_checked: usize,
    /// `updates_applied` of the metadata at the last pass over `waiting_for_topic`.
    waiting_checked_updates: u64,
    /// The earliest `max.block.ms` deadline in `waiting_for_topic`.
    waiting_deadline_ms: Option<u64>,
    accumulator: Accumulator,
    in_flight: InFlightRequests,
    /// Present when the producer is idempotent.
    idempotence: Option<Idempotence>,
    /// Present when the producer has a `transactional.id`.
    transactions: Option<super::transactions::TransactionManager>,
    /// Bytes of `buffer.memory` held by records from `send` to their outcome (blocked sends excluded).
    buffered_bytes: u64,
    /// `seq` of every accepted record without an outcome yet: `flush` waits for the ones before it.
    unfinished: BTreeSet<u64>,
    /// `(records accepted before the flush, flush calls at that point)` of flushes not yet completed.
    flushes: VecDeque<(u64, u32)>,
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
        if !config.compression_type.is_supported() {
            let codec = config.compression_type.name();
            let lz4 = if cfg!(feature = "lz4") { ", lz4" } else { "" };
            return Err(ClientConfigError::Inconsistent {
                reason: format!(
                    "compression.type {codec} is not supported by this build of samsa-core (built in: none{lz4})"
                ),
            });
        }
        let timing = MetadataTiming {
            request_timeout_ms: config.request_timeout_ms,
            retry_backoff_ms: config.retry_backoff_ms,
            max_age_ms: config.metadata_max_age_ms,
        };
        let limits = BatchLimits {
            batch_size_bytes: usize::try_from(config.batch_size).unwrap_or(usize::MAX),
            linger_ms: config.linger_ms,
            delivery_timeout_ms: config.delivery_timeout_ms,
        };
        let transactions = config
            .transactional_id
            .clone()
            .map(|id| super::transactions::TransactionManager::new(id, config.transaction_timeout_ms));
        let idempotence = if transactions.is_some() {
            Some(Idempotence::managed(config.request_timeout_ms, config.retry_backoff_ms))
        } else {
            config
                .idempotence_enabled()
                .then(|| Idempotence::new(config.request_timeout_ms, config.retry_backoff_ms))
        };
        Ok(Producer {
            client_id,
            metadata: ClientMetadata::new(bootstrap.clone(), timing),
            bootstrap,
            config,
            partitioners: BTreeMap::new(),
            blocked: BlockedSends::default(),
            waiting_for_topic: VecDeque::new(),
            waiting_checked: 0,
            waiting_checked_updates: 0,
            waiting_deadline_ms: None,
            accumulator: Accumulator::new(limits),
            in_flight: InFlightRequests::default(),
            idempotence,
            transactions,
            buffered_bytes: 0,
            unfinished: BTreeSet::new(),
            flushes: VecDeque::new(),
            next_correlation_id: 0,
            next_seq: 0,
            last_now_ms: 0,
            stats: ProducerStats::default(),
            effects: Vec::new(),
        })
    }

    /// Numbers this producer's requests from `first` on, so a consumer sharing its client id (a
    /// consume-transform-produce application) keeps a separate correlation id space.
    pub fn with_correlation_ids_from(mut self, first: u64) -> Self {
        self.next_correlation_id = first;
        self
    }

    /// Records accepted by `send` that have no outcome yet.
    pub fn unfinished_records(&self) -> usize {
        self.unfinished.len()
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
        self.idempotence.is_some()
    }

    /// The producer id and epoch it writes with, once InitProducerId answered (idempotence only).
    pub fn producer_id_and_epoch(&self) -> Option<(i64, i16)> {
        self.idempotence.as_ref().and_then(Idempotence::producer)
    }

    /// Bytes of records in batches, waiting for their topic or in flight (counted against
    /// `buffer.memory`; sends still blocked on it are not).
    pub fn buffered_bytes(&self) -> u64 {
        self.buffered_bytes
    }

    /// Records waiting to be sent (for memory, a topic, a batch to fill, a leader, a backoff or a free
    /// in-flight slot).
    pub fn queued_records(&self) -> usize {
        self.blocked.len() + self.waiting_for_topic.len() + self.accumulator.record_count()
    }

    /// Sends waiting for `buffer.memory` to free (Kafka's callers blocked in `send`).
    pub fn blocked_sends(&self) -> usize {
        self.blocked.len()
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
        if let Some(txn) = &self.transactions {
            if txn.state != super::transactions::TxnState::InTransaction {
                return Err(SendError::TransactionState { state: txn.state.name() });
            }
        }
        let timestamp_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let record = NewRecord { key, value, headers: vec![record_id_header(record_id)], timestamp_ms };
        // Kafka's `ensureValidRecordSize` on the upper-bound estimate: the record alone in a batch.
        let size_bytes = u64::try_from(record_size_bytes(&record, 0, 0)).unwrap_or(u64::MAX);
        let alone_bytes = size_bytes.saturating_add(BATCH_HEADER_SIZE_BYTES as u64);
        if alone_bytes > u64::from(self.config.max_request_size) {
            return Err(SendError::RecordTooLarge {
                size_bytes: alone_bytes,
                limit_bytes: self.config.max_request_size.into(),
                config: "max.request.size",
            });
        }
        if alone_bytes > self.config.buffer_memory {
            return Err(SendError::RecordTooLarge {
                size_bytes: alone_bytes,
                limit_bytes: self.config.buffer_memory,
                config: "buffer.memory",
            });
        }
        if self.blocked.len() >= MAX_BLOCKED_SENDS {
            return Err(SendError::BufferExhausted {
                size_bytes,
                used_bytes: self.buffered_bytes,
                buffer_memory: self.config.buffer_memory,
            });
        }
        let topic = match self.metadata.topic_id(topic) {
            Some(id) => WaitingTopic::Known(id),
            None => WaitingTopic::Unknown(String::from(topic)),
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.stats.records_accepted += 1;
        self.unfinished.insert(seq);
        let unpartitioned =
            Unpartitioned { topic, record, record_id, random, created_ms: now_ms, seq, size_bytes };
        // Once one send waits for memory, later ones wait behind it: Kafka's caller is blocked.
        self.blocked.push(unpartitioned);
        self.poll(now_ms);
        Ok(())
    }

    /// Kafka's `KafkaProducer.flush`: every batch is ready at once; `FlushCompleted` follows when every
    /// record accepted before this call has its outcome (at once if none is pending).
    pub fn flush(&mut self, now_ms: u64) {
        let point = self.next_seq;
        let full = self.flushes.len() >= MAX_PENDING_FLUSH_POINTS;
        match self.flushes.back_mut() {
            Some((last, count)) if *last == point || full => {
                *last = point;
                *count += 1;
            }
            _ => self.flushes.push_back((point, 1)),
        }
        self.poll(now_ms);
    }

    /// Runs everything that is due at `now_ms`, as Kafka's `Sender.runOnce`: expiry, memory for blocked
    /// sends, partitioning, the producer id, sending, then a metadata request if one is due.
    fn poll(&mut self, now_ms: u64) {
        self.last_now_ms = self.last_now_ms.max(now_ms);
        self.expire_in_flight(now_ms);
        self.expire_batches(now_ms);
        self.admit_blocked(now_ms);
        self.partition_waiting(now_ms);
        self.poll_idempotence(now_ms);
        self.poll_transactions(now_ms);
        self.drain(now_ms);
        // Last, so the updates asked for above (unknown topic or leader, timeouts) go out now.
        if let Some((broker, correlation_id)) = self.metadata.poll(now_ms, &mut self.next_correlation_id) {
            let message = Message::MetadataRequest { correlation_id };
            self.effects.push(Effect::Send { to: NodeId::Broker(broker), message });
        }
        self.complete_flushes();
    }

    /// Gives memory to blocked sends, first come first served, and fails those that waited
    /// `max.block.ms` (Kafka: `TimeoutException: Failed to allocate memory within the configured max
    /// blocking time N ms.`).
    fn admit_blocked(&mut self, now_ms: u64) {
        loop {
            let free_bytes = self.config.buffer_memory.saturating_sub(self.buffered_bytes);
            if let Some(record) = self.blocked.pop_fitting(free_bytes) {
                self.buffered_bytes += record.size_bytes;
                self.waiting_for_topic.push_back(record);
            } else if let Some(record) = self.blocked.pop_expired(now_ms, self.config.max_block_ms) {
                let tp = self.unknown_partition(&record.topic);
                // It never held memory, so none is released.
                self.report(
                    now_ms,
                    record.record_id,
                    record.seq,
                    record.created_ms,
                    tp,
                    Err(ErrorCode::RequestTimedOut),
                );
            } else {
                return;
            }
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
                Some(topic) => self.partition(now_ms, topic, record),
                None => {
                    let block_deadline_ms = record.created_ms.saturating_add(self.config.max_block_ms);
                    if now_ms >= block_deadline_ms {
                        // Kafka: TimeoutException "Topic X not present in metadata after max.block.ms ms".
                        let tp = self.unknown_partition(&record.topic);
                        self.finish_unbatched(now_ms, &record, tp, Err(ErrorCode::RequestTimedOut));
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

    /// Picks `record`'s partition of `topic` (in the metadata) and appends it to that partition's batch,
    /// or fails it. KIP-480: a keyless record that would close the sticky partition's batch closes it,
    /// moves the sticky partition on, and is partitioned again (Kafka's `abortOnNewBatch`).
    fn partition(&mut self, now_ms: u64, topic: TopicId, record: Unpartitioned) {
        let mut choice = self.choose_partition(topic, &record);
        if let (Ok(partition), None) = (choice, &record.record.key) {
            let tp = PartitionRef { topic, partition };
            if self.accumulator.would_close(tp, &record.record) {
                self.accumulator.close(tp);
                self.on_batch_closed(tp);
                choice = self.choose_partition(topic, &record);
            }
        }
        match choice {
            Ok(partition) => {
                let tp = PartitionRef { topic, partition };
                if self.transactions.is_some() {
                    let name = self.topic_partition(tp);
                    if let Some(txn) = self.transactions.as_mut() {
                        txn.note_partition(&name);
                    }
                }
                let meta = BatchRecord {
                    record_id: record.record_id,
                    seq: record.seq,
                    created_ms: record.created_ms,
                    size_bytes: record.size_bytes,
                };
                if self.accumulator.append(now_ms, tp, record.record, meta) {
                    self.on_batch_closed(tp);
                }
            }
            Err(error) => {
                let tp = self.unknown_partition(&record.topic);
                self.finish_unbatched(now_ms, &record, tp, Err(error));
            }
        }
    }

    fn choose_partition(&mut self, topic: TopicId, record: &Unpartitioned) -> Result<u32, ErrorCode> {
        let count = self.metadata.partition_count(topic);
        let available = self.metadata.available_partitions(topic);
        let partitioner =
            self.partitioners.entry(topic).or_insert_with(|| Partitioner::new(self.config.partitioner));
        partitioner
            .partition_with_available(record.record.key.as_deref(), count, Some(available), record.random)
            .map(|choice| choice.partition)
            .map_err(|e| e.error_code())
    }

    /// KIP-480: the batch for the sticky partition is closed, so keyless records move on.
    fn on_batch_closed(&mut self, tp: PartitionRef) {
        if let Some(partitioner) = self.partitioners.get_mut(&tp.topic) {
            partitioner.on_new_batch(tp.partition);
        }
    }

    /// Sends InitProducerId when one is due, and bumps the epoch when a sequence is unresolved.
    fn poll_idempotence(&mut self, now_ms: u64) {
        // A transactional producer's epoch moves only through its coordinator (see `transactional`).
        if self.transactions.is_some() {
            return;
        }
        let Some(idempotence) = self.idempotence.as_mut() else { return };
        let (reset, bump) = idempotence.maybe_bump();
        for tp in reset {
            self.accumulator.clear_sequences(tp);
        }
        if let Some(super::idempotence::Bump::Epoch(producer_id, producer_epoch)) = bump {
            let client = self.client_id;
            let event = ClientEvent::ProducerIdAssigned { client, producer_id, producer_epoch, bumped: true };
            self.effects.push(Effect::Client(event));
        }
        let Some(idempotence) = self.idempotence.as_mut() else { return };
        if let Some((broker, request)) =
            idempotence.poll(now_ms, &self.bootstrap, &mut self.next_correlation_id)
        {
            self.effects
                .push(Effect::Send { to: NodeId::Broker(broker), message: Message::InitProducerId(request) });
        }
    }

    /// Emits `FlushCompleted` for every flush whose records all have their outcome.
    fn complete_flushes(&mut self) {
        let first_unfinished = self.unfinished.first().copied().unwrap_or(u64::MAX);
        while let Some(&(point, count)) = self.flushes.front() {
            if first_unfinished < point {
                return;
            }
            self.flushes.pop_front();
            for _ in 0..count {
                self.effects.push(Effect::Client(ClientEvent::FlushCompleted { client: self.client_id }));
            }
        }
    }

    /// Whether a flush is waiting (Kafka's `flushInProgress`: every batch is ready).
    fn flushing(&self) -> bool {
        !self.flushes.is_empty()
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

    /// Reports the outcome of a record that held memory but never reached a batch, and releases it.
    fn finish_unbatched(
        &mut self,
        now_ms: u64,
        record: &Unpartitioned,
        tp: TopicPartition,
        outcome: Result<i64, ErrorCode>,
    ) {
        self.buffered_bytes = self.buffered_bytes.saturating_sub(record.size_bytes);
        self.report(now_ms, record.record_id, record.seq, record.created_ms, tp, outcome);
    }

    /// Reports one record's outcome (Kafka's send callback) and counts it.
    fn report(
        &mut self,
        now_ms: u64,
        record_id: RecordId,
        seq: u64,
        created_ms: u64,
        tp: TopicPartition,
        outcome: Result<i64, ErrorCode>,
    ) {
        self.unfinished.remove(&seq);
        let client = self.client_id;
        let event = match outcome {
            Ok(offset) => {
                self.stats.records_acked += 1;
                self.stats.ack_latency_total_ms += now_ms.saturating_sub(created_ms);
                ClientEvent::RecordAcked { client, record_id, tp, offset }
            }
            Err(error) => {
                self.stats.records_failed += 1;
                ClientEvent::RecordFailed { client, record_id, tp, error }
            }
        };
        self.effects.push(Effect::Client(event));
        if let Err(error) = outcome {
            if error != ErrorCode::TransactionAbortable {
                self.transaction_record_failed(error, true);
            }
        }
    }
}

impl Node for Producer {
    fn id(&self) -> NodeId {
        NodeId::Client(self.client_id)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        match (message, from) {
            (Message::MetadataResponse { correlation_id, partitions }, NodeId::Broker(broker)) => {
                self.metadata.on_response(now_ms, broker, correlation_id, partitions);
            }
            (Message::ProduceResponse(response), _) => self.on_produce_response(now_ms, from, response),
            (message, NodeId::Broker(broker)) if self.on_transaction_message(now_ms, broker, &message) => {}
            (Message::InitProducerIdResponse(response), NodeId::Broker(broker)) => {
                self.on_init_producer_id_response(now_ms, broker, &response)
            }
            // Nothing else is addressed to a producer; a stray message changes nothing.
            _ => {}
        }
        self.poll(now_ms);
    }

    fn on_tick(&mut self, now_ms: u64) {
        self.poll(now_ms);
    }

    fn next_tick_ms(&self) -> Option<u64> {
        let after = self.last_now_ms;
        [
            self.metadata.next_tick_ms(),
            self.in_flight.next_deadline_ms(),
            self.waiting_deadline_ms,
            self.blocked.next_deadline_ms(self.config.max_block_ms),
            self.accumulator.next_deadline_ms(),
            self.accumulator.next_backoff_end_after(after),
            self.accumulator.next_linger_end_after(after),
            self.idempotence.as_ref().and_then(Idempotence::next_tick_ms),
            self.transactions.as_ref().and_then(|t| t.next_tick_ms(after)),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }
}

//! The producer's sending half (Kafka's `Sender` with `RecordAccumulator.ready`/`drain`): which batches
//! are ready, produce requests out, answers in, retries and expiry.

use alloc::collections::{BTreeMap, BinaryHeap};
use core::cmp::Reverse;

use super::Producer;
use crate::client::accumulator::{ProducerBatch, NO_SEQUENCE};
use crate::client::events::ClientEvent;
use crate::client::producer_queue::{invalidates_metadata, InFlight, PartitionRef};
use crate::error::ErrorCode;
use crate::node::{BrokerId, Effect, NodeId};
use crate::replication::messages::{Acks, InitProducerIdResponse, Message, ProduceRequest, ProduceResponse};

/// What stops a partition's first batch from being sent, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Readiness {
    /// It can go to this broker now.
    Ready(BrokerId),
    /// Its leader is not known: it waits, and metadata must be refreshed.
    NoLeader,
    /// It lingers, or waits for a backoff, newer metadata, a free in-flight slot or its sequence turn.
    Blocked,
}

impl Producer {
    /// Sends every ready batch, in batch creation order across partitions. A partition whose first
    /// batch must wait holds back its later batches too (Kafka drains only the head of each partition's
    /// deque), so only partition heads are looked at: a merge of them by batch id.
    pub(super) fn drain(&mut self, now_ms: u64) {
        // With acks=0 a request is never in flight, yet takes its broker's slot for the rest of the drain.
        let mut unrecorded: BTreeMap<BrokerId, u32> = BTreeMap::new();
        // A head blocked now stays blocked for this drain (slots only fill, backoffs and `now_ms` stay,
        // a metadata update only becomes pending), so it is dropped up front. Heads without a leader
        // stay: each asks for a metadata update in its turn, which later heads may see.
        let mut heads: BinaryHeap<Reverse<(u64, PartitionRef)>> = self
            .accumulator
            .heads()
            .filter(|&(batch, open)| self.readiness(now_ms, batch, open, &unrecorded) != Readiness::Blocked)
            .map(|(batch, _)| Reverse((batch.id, batch.tp)))
            .collect();
        while let Some(Reverse((_, tp))) = heads.pop() {
            let Some((batch, open)) = self.accumulator.head(tp) else { continue };
            let broker = match self.readiness(now_ms, batch, open, &unrecorded) {
                Readiness::Ready(broker) => broker,
                Readiness::Blocked => continue, // The partition's later batches wait behind this one.
                Readiness::NoLeader => {
                    // Kafka's Sender: a partition without a known leader triggers a metadata update.
                    self.metadata.request_update();
                    continue;
                }
            };
            let Some((batch, was_open, next_id)) = self.accumulator.pop_head(tp) else { continue };
            if was_open {
                self.on_batch_closed(tp);
            }
            self.send_batch(now_ms, broker, batch);
            if self.config.acks == Acks::None {
                *unrecorded.entry(broker).or_insert(0) += 1;
            }
            if let Some(id) = next_id {
                heads.push(Reverse((id, tp)));
            }
        }
    }

    /// Whether a partition's first batch can be sent now, and to which broker (Kafka's
    /// `RecordAccumulator.ready` plus `drain`'s per-batch checks).
    fn readiness(
        &self,
        now_ms: u64,
        batch: &ProducerBatch,
        open: bool,
        unrecorded: &BTreeMap<BrokerId, u32>,
    ) -> Readiness {
        // An open batch is ready once it lingered, or when a flush or a blocked send wants everything
        // out (Kafka's `flushInProgress` / `exhausted`); a closed batch is full, hence ready.
        let lingering = open
            && now_ms < self.accumulator.linger_end_ms(batch.created_ms)
            && !self.flushing()
            && self.blocked.is_empty();
        if lingering {
            return Readiness::Blocked;
        }
        let Some(broker) = self.metadata.leader_at(batch.tp.topic, batch.tp.partition) else {
            return Readiness::NoLeader;
        };
        let waits_for_metadata = batch
            .wait_for_metadata_after
            .is_some_and(|seen| self.metadata.updates_applied() == seen && self.metadata.update_pending());
        let in_flight = self.in_flight.count(broker) + unrecorded.get(&broker).copied().unwrap_or(0);
        let sequence_turn = self.idempotence.as_ref().is_none_or(|idempotence| idempotence.can_send(batch));
        // A transactional batch goes only once its partition is in the transaction (AddPartitionsToTxn).
        let in_transaction =
            self.transactions.as_ref().is_none_or(|txn| txn.can_send(&self.topic_partition(batch.tp)));
        // Kafka's `guaranteeMessageOrder` (max.in.flight.requests.per.connection=1): the partition is
        // muted while one of its batches is in flight, to any broker — so after a leader change the
        // next batch does not overtake one still travelling to the old leader.
        let muted =
            self.config.max_in_flight_requests_per_connection == 1 && self.in_flight.has_partition(batch.tp);
        if muted
            || waits_for_metadata
            || batch.retry_after_ms > now_ms
            || in_flight >= self.config.max_in_flight_requests_per_connection
            || !sequence_turn
            || !in_transaction
        {
            return Readiness::Blocked;
        }
        Readiness::Ready(broker)
    }

    /// Puts `batch` in a produce request to `broker`: sequence and encoding on its first drain.
    fn send_batch(&mut self, now_ms: u64, broker: BrokerId, mut batch: ProducerBatch) {
        if batch.base_sequence == NO_SEQUENCE {
            if let Some(idempotence) = self.idempotence.as_mut() {
                idempotence.assign(&mut batch);
            }
        }
        batch.transactional = self.transactions.is_some();
        if let Err(e) = batch.encode(self.config.compression_type) {
            if let Some(idempotence) = self.idempotence.as_mut() {
                idempotence.on_failed(&batch);
            }
            return self.finish_batch(now_ms, batch, Err(e.error_code()));
        }
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let tp = self.topic_partition(batch.tp);
        let request = ProduceRequest {
            correlation_id,
            acks: self.config.acks,
            timeout_ms: self.config.request_timeout_ms,
            tp: tp.clone(),
            records: batch.encoded.clone(),
        };
        self.effects.push(Effect::Send { to: NodeId::Broker(broker), message: Message::Produce(request) });
        let client = self.client_id;
        let size_bytes = u32::try_from(batch.encoded.len()).unwrap_or(u32::MAX);
        self.effects.push(Effect::Client(ClientEvent::BatchSent {
            client,
            tp: tp.clone(),
            record_count: batch.record_count(),
            size_bytes,
            producer_id: batch.producer_id,
            producer_epoch: batch.producer_epoch,
            base_sequence: batch.base_sequence,
            attempt: batch.attempts,
        }));
        for record in &batch.records {
            let sent = ClientEvent::RecordSent { client, record_id: record.record_id, tp: tp.clone() };
            self.effects.push(Effect::Client(sent));
        }
        self.stats.batches_sent += 1;
        self.stats.requests_sent += 1;
        self.stats.bytes_sent += u64::from(size_bytes);
        if self.config.acks == Acks::None {
            // acks=0: no response will come; Kafka completes the batch as sent, with offset -1.
            return self.finish_batch(now_ms, batch, Ok(-1));
        }
        batch.wait_for_metadata_after = None;
        let deadline_ms = now_ms
            .saturating_add(self.config.request_timeout_ms)
            .min(batch.delivery_deadline_ms(self.config.delivery_timeout_ms).max(now_ms));
        if let Some(idempotence) = self.idempotence.as_mut() {
            idempotence.on_sent(batch.tp);
        }
        self.in_flight.insert(correlation_id, InFlight { broker, batch, deadline_ms });
    }

    /// Applies an InitProducerId answer.
    pub(super) fn on_init_producer_id_response(
        &mut self,
        now_ms: u64,
        from: BrokerId,
        response: &InitProducerIdResponse,
    ) {
        let Some(idempotence) = self.idempotence.as_mut() else { return };
        if let Some((producer_id, producer_epoch)) = idempotence.on_response(now_ms, from, response) {
            let client = self.client_id;
            let event =
                ClientEvent::ProducerIdAssigned { client, producer_id, producer_epoch, bumped: false };
            self.effects.push(Effect::Client(event));
        }
    }

    pub(super) fn on_produce_response(&mut self, now_ms: u64, from: NodeId, response: ProduceResponse) {
        let matches = self.in_flight.get(response.correlation_id).is_some_and(|f| {
            from == NodeId::Broker(f.broker)
                && self.metadata.topic_name(f.batch.tp.topic) == response.tp.topic
                && i32::try_from(f.batch.tp.partition) == Ok(response.tp.partition)
        });
        // A response we no longer wait for (timed out, duplicated by the network) is ignored.
        if !matches {
            return;
        }
        // On Kafka's TCP connection an answer overtaking an earlier request's would mean the earlier
        // one was lost and the connection broke. Not inferred here: this codebase's brokers answer a
        // client's requests out of order (an acks=all produce waits in purgatory while a later request
        // is refused at once), which Kafka's brokers never do (a connection is muted until its
        // request is answered). A lost message is detected by `request.timeout.ms` instead.
        let Some(in_flight) = self.in_flight.remove(response.correlation_id) else {
            return;
        };
        let outcome = match response.error {
            ErrorCode::None => Ok(response.base_offset),
            // KIP-98: the broker already has this batch; Kafka's client treats it as success.
            ErrorCode::DuplicateSequenceNumber if self.idempotence.is_some() => Ok(response.base_offset),
            error => Err(error),
        };
        self.complete(now_ms, in_flight.batch, outcome, false);
    }

    /// Fails held batches past `delivery.timeout.ms` (Kafka's `RecordAccumulator.expiredBatches`).
    pub(super) fn expire_batches(&mut self, now_ms: u64) {
        for batch in self.accumulator.take_expired(now_ms) {
            if let Some(idempotence) = self.idempotence.as_mut() {
                idempotence.on_failed(&batch);
            }
            self.finish_batch(now_ms, batch, Err(ErrorCode::RequestTimedOut));
        }
    }

    /// Requests unanswered at their deadline: past `delivery.timeout.ms` they fail, otherwise they count
    /// as `REQUEST_TIMED_OUT` (Kafka's `Sender` after `NetworkClient` drops the timed-out connection).
    pub(super) fn expire_in_flight(&mut self, now_ms: u64) {
        for correlation_id in self.in_flight.due(now_ms) {
            if let Some(in_flight) = self.in_flight.remove(correlation_id) {
                // Past request.timeout.ms Kafka's client drops the connection, which refreshes metadata
                // too; a request cut short by the delivery timeout only fails its batch.
                let dropped = in_flight.deadline_ms
                    < in_flight.batch.delivery_deadline_ms(self.config.delivery_timeout_ms);
                let broker = in_flight.broker;
                self.complete(now_ms, in_flight.batch, Err(ErrorCode::RequestTimedOut), dropped);
                if dropped {
                    // Kafka's `NetworkClient.handleTimedOutRequests` closes the connection: every
                    // other request in flight on it fails too, as timed out.
                    self.disconnect(now_ms, broker, ErrorCode::RequestTimedOut);
                }
            }
        }
    }

    /// The connection to `broker` broke: its requests still in flight fail with `error`, in the order
    /// they were sent, and are retried as their configs allow.
    fn disconnect(&mut self, now_ms: u64, broker: BrokerId, error: ErrorCode) {
        for correlation_id in self.in_flight.to_broker(broker) {
            if let Some(in_flight) = self.in_flight.remove(correlation_id) {
                self.complete(now_ms, in_flight.batch, Err(error), true);
            }
        }
    }

    /// Kafka's `Sender.completeBatch`: succeed, retry (`canRetry`, and `TransactionManager.canRetry`
    /// when idempotent), or fail.
    fn complete(
        &mut self,
        now_ms: u64,
        mut batch: ProducerBatch,
        outcome: Result<i64, ErrorCode>,
        dropped: bool,
    ) {
        if let Some(idempotence) = self.idempotence.as_mut() {
            idempotence.on_answered(batch.tp);
        }
        let error = match outcome {
            Ok(base_offset) => {
                if let Some(idempotence) = self.idempotence.as_mut() {
                    idempotence.on_acked(&batch);
                }
                return self.finish_batch(now_ms, batch, Ok(base_offset));
            }
            Err(error) => error,
        };
        let mut retriable = error.is_retriable();
        let transactional = self.transactions.is_some();
        if let Some(idempotence) = self.idempotence.as_mut().filter(|_| !transactional) {
            match error {
                // KIP-360: the broker forgot the producer (retention, a new leader without its state):
                // retry once the epoch is bumped and sequences start again.
                ErrorCode::UnknownProducerId => {
                    idempotence.request_bump(batch.tp);
                    retriable = true;
                }
                // A gap: an earlier batch of the partition is being retried, so this one is retried
                // after it; if nothing explains the gap, the epoch is bumped first.
                ErrorCode::OutOfOrderSequenceNumber => {
                    if idempotence.is_troubled(batch.tp) || idempotence.is_first_unacked(&batch) {
                        idempotence.request_bump(batch.tp);
                    }
                    retriable = true;
                }
                _ => {}
            }
        }
        let can_retry = retriable
            && batch.attempts < self.config.retries
            && now_ms < batch.delivery_deadline_ms(self.config.delivery_timeout_ms);
        if dropped || invalidates_metadata(error) {
            self.metadata.request_update();
        }
        if !can_retry {
            if let Some(idempotence) = self.idempotence.as_mut() {
                idempotence.on_failed(&batch);
            }
            return self.finish_batch(now_ms, batch, Err(error));
        }
        batch.attempts += 1;
        batch.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
        if dropped || invalidates_metadata(error) {
            // Don't resend to the broker that just said it is not the leader before newer metadata
            // arrives (the intent of KIP-951); the delivery timeout still bounds the wait.
            batch.wait_for_metadata_after = Some(self.metadata.updates_applied());
        }
        self.stats.batches_retried += 1;
        // Kafka's `reenqueue` puts a retried batch first in its partition's deque; when several fail
        // together that reverses them, so, like the idempotent producer's `insertInSequenceOrder`, it
        // goes back in batch order instead.
        self.accumulator.reenqueue(batch);
    }

    /// Reports every record of `batch` (offset `base + index` on success, -1 when unknown) and
    /// releases their memory.
    pub(super) fn finish_batch(
        &mut self,
        now_ms: u64,
        batch: ProducerBatch,
        outcome: Result<i64, ErrorCode>,
    ) {
        let tp = self.topic_partition(batch.tp);
        for (index, record) in (0_i64..).zip(&batch.records) {
            self.buffered_bytes = self.buffered_bytes.saturating_sub(record.size_bytes);
            let outcome = outcome.map(|base| if base < 0 { -1 } else { base + index });
            self.report(now_ms, record.record_id, record.seq, record.created_ms, tp.clone(), outcome);
        }
    }
}

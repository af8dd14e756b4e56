//! The idempotent producer's bookkeeping (KIP-98, KIP-360), as Kafka's `TransactionManager` keeps it
//! for a producer without a `transactional.id`: the producer id and epoch from InitProducerId, the next
//! sequence number of every partition, the batches drained and not yet completed, and the sequences a
//! failure left unresolved.
//!
//! Rules, from Kafka's `TransactionManager` and `RecordAccumulator.shouldStopDrainBatchesForPartition`:
//! - nothing is produced before the id arrives;
//! - a batch gets its sequence when first drained and keeps it on every retry; a batch that has one is
//!   sent only when it is the partition's first unacknowledged batch, so retries go out in order;
//! - a batch that fails for good after getting a sequence (delivery timeout, fatal error) leaves the
//!   partition's sequence unresolved: new batches wait while the sequenced ones are still retried under
//!   the old epoch (a retry of a batch the broker already wrote comes back as a duplicate, with its
//!   offset); once they all completed, either the last acknowledged sequence covers the hole or the
//!   producer bumps its epoch (KIP-360);
//! - an `UNKNOWN_PRODUCER_ID`, or an `OUT_OF_ORDER_SEQUENCE_NUMBER` nothing explains, stops the
//!   partition and bumps the epoch once nothing of it is in flight.
//!
//! A bump changes the epoch for the whole producer, but each partition moves to it only once every batch
//! it sequenced under the old epoch has completed: those keep their epoch and sequence, so a retry of a
//! batch the broker already wrote is still recognised as a duplicate.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::accumulator::{increment_sequence, ProducerBatch, NO_SEQUENCE};
use super::producer_config::MAX_IN_FLIGHT_REQUESTS_FOR_IDEMPOTENCE;
use super::producer_queue::PartitionRef;
use crate::error::ErrorCode;
use crate::node::BrokerId;
use crate::replication::messages::{InitProducerIdRequest, InitProducerIdResponse};

/// One partition's sequence numbers.
#[derive(Clone, Debug)]
struct PartitionSequences {
    /// The sequence the next new batch gets.
    next_sequence: i32,
    /// Batch id → base sequence of batches drained and not completed (in flight or waiting to retry).
    unacked: BTreeMap<u64, i32>,
    /// Produce requests of this partition in flight.
    in_flight: u32,
    /// The last sequence the broker acknowledged, or -1.
    last_acked_sequence: i32,
    /// The last sequence of a batch that failed for good, if later sequences may have gaps.
    unresolved_through: Option<i32>,
    /// An error already showed the broker lost track of our sequences: bump once drained.
    bump_needed: bool,
    /// The producer id and epoch its sequences belong to: a partition moves to a new epoch only once
    /// every batch it sequenced under the old one has completed (Kafka's `maybeUpdateProducerIdAndEpoch`).
    producer: (i64, i16),
}

impl Default for PartitionSequences {
    fn default() -> Self {
        PartitionSequences {
            next_sequence: 0,
            unacked: BTreeMap::new(),
            in_flight: 0,
            last_acked_sequence: -1,
            unresolved_through: None,
            bump_needed: false,
            producer: (-1, -1),
        }
    }
}

/// Where the InitProducerId request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InitRequest {
    /// None in flight; the next may go at `not_before_ms`.
    Idle { not_before_ms: u64 },
    /// Sent, unanswered.
    InFlight { correlation_id: u64, broker: BrokerId, deadline_ms: u64 },
}

/// What [`Idempotence::maybe_bump`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bump {
    /// The epoch went up by one: the new id and epoch.
    Epoch(i64, i16),
    /// The epoch was at its maximum: a new id is being asked for.
    NewId,
}

/// The idempotent producer's state (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Idempotence {
    producer: Option<(i64, i16)>,
    init: InitRequest,
    /// Round-robin cursor over the bootstrap brokers for InitProducerId.
    next_broker: usize,
    partitions: BTreeMap<PartitionRef, PartitionSequences>,
    /// Partitions with an unresolved sequence or a bump needed, so only they are looked at.
    troubled: BTreeSet<PartitionRef>,
    request_timeout_ms: u64,
    retry_backoff_ms: u64,
    /// A transactional producer: the id and epoch come from its transaction coordinator (see
    /// `transactions`), never from this module's own InitProducerId.
    managed: bool,
}

impl Idempotence {
    /// For a transactional producer: no id until [`Idempotence::set_producer`].
    pub(crate) fn managed(request_timeout_ms: u64, retry_backoff_ms: u64) -> Self {
        Idempotence { managed: true, ..Self::new(request_timeout_ms, retry_backoff_ms) }
    }

    /// A new id or epoch from the transaction coordinator: every partition starts again at sequence 0.
    pub(crate) fn set_producer(&mut self, producer_id: i64, producer_epoch: i16) -> Vec<PartitionRef> {
        self.producer = Some((producer_id, producer_epoch));
        self.troubled.clear();
        let reset: Vec<PartitionRef> = self.partitions.keys().copied().collect();
        self.partitions.clear();
        reset
    }

    /// Forgets the id (a fatal transactional error).
    pub(crate) fn clear_producer(&mut self) {
        self.producer = None;
    }
    /// No id yet; the InitProducerId request is due at once.
    pub(crate) fn new(request_timeout_ms: u64, retry_backoff_ms: u64) -> Self {
        Idempotence {
            producer: None,
            init: InitRequest::Idle { not_before_ms: 0 },
            next_broker: 0,
            partitions: BTreeMap::new(),
            troubled: BTreeSet::new(),
            request_timeout_ms,
            retry_backoff_ms,
            managed: false,
        }
    }

    /// The producer id and epoch, once assigned.
    pub(crate) fn producer(&self) -> Option<(i64, i16)> {
        self.producer
    }

    /// Times out an unanswered InitProducerId and returns one to send when one is due.
    pub(crate) fn poll(
        &mut self,
        now_ms: u64,
        bootstrap: &[BrokerId],
        next_correlation_id: &mut u64,
    ) -> Option<(BrokerId, InitProducerIdRequest)> {
        if self.producer.is_some() || self.managed {
            return None;
        }
        match self.init {
            InitRequest::InFlight { deadline_ms, .. } if now_ms < deadline_ms => return None,
            InitRequest::InFlight { .. } => {
                // No answer within request.timeout.ms: retriable, after retry.backoff.ms, elsewhere.
                self.retry_later(now_ms);
                return None;
            }
            InitRequest::Idle { not_before_ms } if now_ms < not_before_ms => return None,
            InitRequest::Idle { .. } => {}
        }
        let broker = *bootstrap.get(self.next_broker % bootstrap.len().max(1))?;
        let correlation_id = *next_correlation_id;
        *next_correlation_id = next_correlation_id.wrapping_add(1);
        let deadline_ms = now_ms.saturating_add(self.request_timeout_ms);
        self.init = InitRequest::InFlight { correlation_id, broker, deadline_ms };
        // An idempotent producer without a transactional.id always asks for a fresh id (KIP-360 lets it
        // name its old one only with a transactional.id).
        let request = InitProducerIdRequest {
            correlation_id,
            transactional_id: None,
            transaction_timeout_ms: 0,
            producer_id: -1,
            producer_epoch: -1,
        };
        Some((broker, request))
    }

    /// When [`Idempotence::poll`] has work.
    pub(crate) fn next_tick_ms(&self) -> Option<u64> {
        if self.producer.is_some() || self.managed {
            return None;
        }
        Some(match self.init {
            InitRequest::InFlight { deadline_ms, .. } => deadline_ms,
            InitRequest::Idle { not_before_ms } => not_before_ms,
        })
    }

    /// Applies an InitProducerId answer; returns the id and epoch when it assigned them.
    pub(crate) fn on_response(
        &mut self,
        now_ms: u64,
        from: BrokerId,
        response: &InitProducerIdResponse,
    ) -> Option<(i64, i16)> {
        let answers = matches!(self.init, InitRequest::InFlight { correlation_id, broker, .. }
            if correlation_id == response.correlation_id && broker == from);
        if !answers || self.producer.is_some() {
            return None;
        }
        if response.error == ErrorCode::None && response.producer_id >= 0 && response.producer_epoch >= 0 {
            self.producer = Some((response.producer_id, response.producer_epoch));
            self.init = InitRequest::Idle { not_before_ms: now_ms };
            return self.producer;
        }
        // COORDINATOR_LOAD_IN_PROGRESS (the broker has no block of ids yet, KIP-730) and the like are
        // retriable; a fatal error is retried too, the delivery timeout bounds the records meanwhile.
        self.retry_later(now_ms);
        None
    }

    fn retry_later(&mut self, now_ms: u64) {
        self.next_broker = self.next_broker.wrapping_add(1);
        self.init = InitRequest::Idle { not_before_ms: now_ms.saturating_add(self.retry_backoff_ms) };
    }

    /// Whether `batch` may be drained now (Kafka's `shouldStopDrainBatchesForPartition`, inverted): not
    /// before the id, nor while its partition waits for a bump; a partition with an unresolved
    /// sequence, or still finishing batches of an older epoch, sends only those retries (under their
    /// epoch, so the broker can still spot duplicates), in sequence order.
    pub(crate) fn can_send(&self, batch: &ProducerBatch) -> bool {
        let Some(current) = self.producer else { return false };
        let Some(partition) = self.partitions.get(&batch.tp) else { return true };
        if partition.bump_needed || partition.in_flight >= MAX_IN_FLIGHT_REQUESTS_FOR_IDEMPOTENCE {
            return false;
        }
        if batch.base_sequence == NO_SEQUENCE {
            return partition.unresolved_through.is_none()
                && (partition.producer == current || partition.unacked.is_empty());
        }
        self.is_first_unacked(batch)
    }

    /// Whether `batch` is its partition's first batch not yet acknowledged (Kafka's `isNextSequence`).
    pub(crate) fn is_first_unacked(&self, batch: &ProducerBatch) -> bool {
        self.partitions
            .get(&batch.tp)
            .and_then(|p| p.unacked.first_key_value())
            .is_some_and(|(&id, _)| id == batch.id)
    }

    /// Gives a batch drained for the first time (or first since a bump) its sequence and the id/epoch.
    pub(crate) fn assign(&mut self, batch: &mut ProducerBatch) {
        let Some((producer_id, producer_epoch)) = self.producer else { return };
        let partition = self.partitions.entry(batch.tp).or_default();
        if partition.producer != (producer_id, producer_epoch) {
            // The partition's batches of the old epoch are all done (`can_send`): start again at 0.
            *partition = PartitionSequences {
                producer: (producer_id, producer_epoch),
                ..PartitionSequences::default()
            };
        }
        let base_sequence = partition.next_sequence;
        partition.next_sequence = increment_sequence(base_sequence, batch.record_count());
        partition.unacked.insert(batch.id, base_sequence);
        batch.set_producer_state(producer_id, producer_epoch, base_sequence);
    }

    /// A produce request for `tp` was sent.
    pub(crate) fn on_sent(&mut self, tp: PartitionRef) {
        self.partitions.entry(tp).or_default().in_flight += 1;
    }

    /// A produce request for `tp` was answered or timed out.
    pub(crate) fn on_answered(&mut self, tp: PartitionRef) {
        if let Some(partition) = self.partitions.get_mut(&tp) {
            partition.in_flight = partition.in_flight.saturating_sub(1);
        }
    }

    /// The broker acknowledged `batch` (or had it already: a duplicate).
    pub(crate) fn on_acked(&mut self, batch: &ProducerBatch) {
        if let Some(partition) = self.partitions.get_mut(&batch.tp) {
            partition.unacked.remove(&batch.id);
            partition.last_acked_sequence = partition.last_acked_sequence.max(batch.last_sequence());
        }
    }

    /// `batch` failed for good: if it had a sequence, later ones may now have a gap.
    pub(crate) fn on_failed(&mut self, batch: &ProducerBatch) {
        if batch.base_sequence == NO_SEQUENCE {
            return;
        }
        if let Some(partition) = self.partitions.get_mut(&batch.tp) {
            if partition.unacked.remove(&batch.id).is_some() {
                let last = batch.last_sequence();
                partition.unresolved_through =
                    Some(partition.unresolved_through.map_or(last, |u| u.max(last)));
                self.troubled.insert(batch.tp);
            }
        }
    }

    /// The broker lost track of `tp`'s sequences (`UNKNOWN_PRODUCER_ID`, an unexplained
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER`): bump the epoch once `tp` has nothing in flight.
    pub(crate) fn request_bump(&mut self, tp: PartitionRef) {
        self.partitions.entry(tp).or_default().bump_needed = true;
        self.troubled.insert(tp);
    }

    /// Whether `tp` has an unresolved sequence or a bump pending.
    pub(crate) fn is_troubled(&self, tp: PartitionRef) -> bool {
        self.troubled.contains(&tp)
    }

    /// Resolves troubled partitions (KIP-360, Kafka's `maybeResolveSequences`): a partition that needs
    /// a bump waits for nothing in flight; one with an unresolved sequence waits until every batch it
    /// sequenced has completed, and a hole the broker's last acknowledgement covers is resolved. The
    /// others need the epoch bumped: epoch + 1 (or a new id when the epoch is at its maximum) unless an
    /// earlier bump already moved past the partition's epoch; their state starts again at sequence 0.
    /// Returns the partitions whose held batches must lose their sequences, and the bump if one happened.
    pub(crate) fn maybe_bump(&mut self) -> (Vec<PartitionRef>, Option<Bump>) {
        let mut reset = Vec::new();
        let ready: Vec<PartitionRef> = self
            .troubled
            .iter()
            .copied()
            .filter(|tp| {
                self.partitions
                    .get(tp)
                    .is_none_or(|p| p.in_flight == 0 && (p.bump_needed || p.unacked.is_empty()))
            })
            .collect();
        let mut bump = None;
        for tp in ready {
            self.troubled.remove(&tp);
            let Some(partition) = self.partitions.get_mut(&tp) else { continue };
            let covered =
                partition.unresolved_through.is_none_or(|last| last <= partition.last_acked_sequence);
            if !partition.bump_needed && covered {
                partition.unresolved_through = None;
                continue;
            }
            // The partition's retries lose their old sequences; it restarts under a newer epoch: the
            // one an earlier bump already gave, or a new one now.
            let troubled_under = partition.producer;
            self.partitions.remove(&tp);
            reset.push(tp);
            let Some(current) = self.producer else { continue };
            if troubled_under == current {
                bump = Some(self.bump(current));
            }
        }
        (reset, bump)
    }

    fn bump(&mut self, (producer_id, producer_epoch): (i64, i16)) -> Bump {
        if producer_epoch == i16::MAX {
            self.producer = None;
            self.init = InitRequest::Idle { not_before_ms: 0 };
            return Bump::NewId;
        }
        self.producer = Some((producer_id, producer_epoch + 1));
        Bump::Epoch(producer_id, producer_epoch + 1)
    }
}

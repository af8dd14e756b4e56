//! The transaction coordinator (broker side, KIP-98): each transactional id's producer id, epoch and
//! transaction state, kept in the modelled `__transaction_state` topic.
//!
//! A broker coordinates the transactional ids whose `__transaction_state` partition it leads
//! ([`crate::txn::partition_for_transactional_id`]). Every state change is first appended to that
//! partition (acks=all, through the leader path) and applied, and answered, only once the append
//! succeeded — so a new leader of the partition replays it and carries on ([`TransactionCoordinator::load`]):
//! a transaction left in PrepareCommit/PrepareAbort has its markers written again.
//!
//! The state machine (Kafka's `TransactionMetadata`):
//! Empty → Ongoing (AddPartitionsToTxn/AddOffsetsToTxn) → PrepareCommit/PrepareAbort (EndTxn, or a
//! timeout or a fencing InitProducerId, which abort) → markers to every partition → CompleteCommit/
//! CompleteAbort → Ongoing again at the next AddPartitionsToTxn.
//!
//! - `handlers` (private) — InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn.
//! - `completion` (private) — append outcomes, markers, timeouts, loading.
//!
//! Like the group coordinator it never sends anything itself: it queues [`TxnOutput`]s for the broker.

mod completion;
mod handlers;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::messages::WriteTxnMarkerRequest;
use super::records::StoredTransaction;
use super::TransactionState;
use crate::node::{BrokerId, NodeId};
use crate::record_batch::NewRecord;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{Message, TopicPartition};

/// Most transactional ids one coordinator holds; an InitProducerId for a new one past it is answered
/// `COORDINATOR_NOT_AVAILABLE` (Kafka bounds them only by `transactional.id.expiration.ms`).
pub const MAX_TRANSACTIONAL_IDS: usize = 10_000;
/// Most partitions in one transaction; more are refused with `INVALID_REQUEST`.
pub const MAX_PARTITIONS_PER_TRANSACTION: usize = 10_000;
/// Most appends in flight per coordinator; past it requests are answered `COORDINATOR_NOT_AVAILABLE`.
pub const MAX_PENDING_APPENDS: usize = 10_000;
/// Wait before a marker that failed is sent again (Kafka's marker channel retries at its own pace).
pub const MARKER_RETRY_BACKOFF_MS: u64 = 100;

/// Something the coordinator wants the broker to do.
#[derive(Clone, Debug, PartialEq)]
pub enum TxnOutput {
    /// Answer a client.
    Send {
        /// The client.
        to: NodeId,
        /// The answer.
        message: Message,
    },
    /// Append `records` to `__transaction_state` partition `partition` with acks=all; report the outcome
    /// with [`TransactionCoordinator::on_append_done`] and `append_id`.
    Append {
        /// The partition.
        partition: i32,
        /// Matches the outcome to the append.
        append_id: u64,
        /// The records.
        records: Vec<NewRecord>,
    },
    /// Have the leader of `request.tp` write a marker; report the answer with
    /// [`TransactionCoordinator::on_marker_response`].
    Marker(WriteTxnMarkerRequest),
    /// Something observable happened.
    Event(ReplicationEvent),
}

/// A marker not yet acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MarkerSend {
    /// The request in flight, if any.
    correlation_id: Option<u64>,
    /// When it is sent (again).
    due_ms: u64,
    /// The leader it went to (`None`: not sent, or no leader then).
    sent_to: Option<BrokerId>,
}

/// One transactional id on its coordinator (Kafka's `TransactionMetadata`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionMetadata {
    /// The `transactional.id`.
    pub transactional_id: String,
    /// Its `__transaction_state` partition.
    pub partition: i32,
    /// The producer id.
    pub producer_id: i64,
    /// The current producer epoch (-1 before the first InitProducerId completed).
    pub producer_epoch: i16,
    /// The epoch before the last bump (KIP-360, KIP-890: a retry with it is recognised), or -1.
    pub last_producer_epoch: i16,
    /// `transaction.timeout.ms`.
    pub timeout_ms: u64,
    /// The state.
    pub state: TransactionState,
    /// The partitions of the open (or ending) transaction.
    pub partitions: BTreeSet<TopicPartition>,
    /// When the open transaction started.
    pub start_ms: u64,
    /// When the state last changed.
    pub last_update_ms: u64,
    /// An append for this id is in flight (Kafka's `pendingState`): other requests wait.
    pending: bool,
    /// Markers still to be acknowledged (PrepareCommit/PrepareAbort).
    markers: BTreeMap<TopicPartition, MarkerSend>,
}

impl TransactionMetadata {
    /// Partitions whose marker is not acknowledged yet.
    pub fn pending_markers(&self) -> impl Iterator<Item = &TopicPartition> + '_ {
        self.markers.keys()
    }

    fn stored(&self) -> StoredTransaction {
        StoredTransaction {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            timeout_ms: i32::try_from(self.timeout_ms).unwrap_or(i32::MAX),
            state: self.state,
            partitions: self.partitions.clone(),
            last_update_ms: i64::try_from(self.last_update_ms).unwrap_or(i64::MAX),
            start_ms: i64::try_from(self.start_ms).unwrap_or(i64::MAX),
        }
    }
}

/// What a completed append answers.
#[derive(Clone, Debug, PartialEq)]
enum Completion {
    InitProducerId {
        to: NodeId,
        correlation_id: u64,
    },
    AddPartitions {
        to: NodeId,
        correlation_id: u64,
        partitions: Vec<TopicPartition>,
    },
    AddOffsets {
        to: NodeId,
        correlation_id: u64,
    },
    EndTxn {
        to: NodeId,
        correlation_id: u64,
    },
    /// An abort the coordinator started (timeout, fencing): nobody waits for it.
    Abort,
    /// CompleteCommit/CompleteAbort written.
    Complete,
}

/// An append waiting for its outcome: the state it writes, applied on success.
#[derive(Clone, Debug, PartialEq)]
struct PendingAppend {
    transactional_id: String,
    target: StoredTransaction,
    completion: Completion,
}

/// The transaction coordinator of one broker (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct TransactionCoordinator {
    txns: BTreeMap<String, TransactionMetadata>,
    /// The `__transaction_state` partitions loaded here, with their coordinator epoch (the
    /// partition's leader epoch at load).
    loaded: BTreeMap<i32, i32>,
    next_append_id: u64,
    next_marker_id: u64,
    appends: BTreeMap<u64, PendingAppend>,
    out: Vec<TxnOutput>,
    /// When the timed-out transactions are next looked for.
    next_timeout_check_ms: u64,
}

/// What the handlers need from the broker.
#[derive(Clone, Copy, Debug)]
pub struct TxnCtx<'a> {
    /// Now.
    pub now_ms: u64,
    /// This broker.
    pub broker: BrokerId,
    /// Its configs.
    pub config: &'a crate::replication::BrokerConfig,
}

impl TransactionCoordinator {
    /// The transactional ids this broker coordinates now.
    pub fn transactions(&self) -> impl Iterator<Item = &TransactionMetadata> + '_ {
        self.txns.values()
    }

    /// One transactional id, if coordinated here.
    pub fn transaction(&self, transactional_id: &str) -> Option<&TransactionMetadata> {
        self.txns.get(transactional_id)
    }

    /// Whether this broker coordinates the ids of `__transaction_state` partition `partition`.
    pub fn is_loaded(&self, partition: i32) -> bool {
        self.loaded.contains_key(&partition)
    }

    /// The `__transaction_state` partitions loaded here.
    pub fn loaded_partitions(&self) -> impl Iterator<Item = i32> + '_ {
        self.loaded.keys().copied()
    }

    /// What the handlers queued since the last call.
    pub fn take_outputs(&mut self) -> Vec<TxnOutput> {
        core::mem::take(&mut self.out)
    }

    /// The broker routed marker `correlation_id` to `leader` (`None`: the partition has no leader now,
    /// so it is tried again after [`MARKER_RETRY_BACKOFF_MS`], as Kafka's marker channel keeps markers
    /// for an unknown leader queued and retries them on its next drain).
    pub fn marker_routed(&mut self, now_ms: u64, correlation_id: u64, leader: Option<BrokerId>) {
        for txn in self.txns.values_mut() {
            for send in txn.markers.values_mut().filter(|m| m.correlation_id == Some(correlation_id)) {
                send.sent_to = leader;
                if leader.is_none() {
                    send.correlation_id = None;
                    send.due_ms = now_ms.saturating_add(MARKER_RETRY_BACKOFF_MS);
                }
            }
        }
    }

    /// Markers in flight to a broker that no longer leads their partition (`leader_of` is the broker's
    /// metadata) are sent again now, to the new leader: Kafka's marker channel sees the old leader's
    /// connection fail and re-resolves the leader, rather than waiting out `request.timeout.ms`.
    pub fn resend_moved_markers(
        &mut self,
        now_ms: u64,
        leader_of: impl Fn(&TopicPartition) -> Option<BrokerId>,
    ) {
        for txn in self.txns.values_mut() {
            for (tp, send) in txn.markers.iter_mut() {
                if send.correlation_id.is_some() && send.sent_to.is_some() && leader_of(tp) != send.sent_to {
                    send.correlation_id = None;
                    send.sent_to = None;
                    send.due_ms = send.due_ms.min(now_ms);
                }
            }
        }
    }

    /// The earliest timer: a marker to (re)send, or the next timeout check while transactions are open.
    pub fn next_tick_ms(&self) -> Option<u64> {
        let markers = self.txns.values().flat_map(|t| t.markers.values().map(|m| m.due_ms));
        let open = self.txns.values().any(|t| t.state == TransactionState::Ongoing);
        let check = open.then_some(self.next_timeout_check_ms);
        markers.chain(check).min()
    }

    fn send(&mut self, to: NodeId, message: Message) {
        self.out.push(TxnOutput::Send { to, message });
    }

    fn event(&mut self, event: ReplicationEvent) {
        self.out.push(TxnOutput::Event(event));
    }

    /// Writes `target` for `transactional_id`; `None` when too many appends are in flight.
    fn append(
        &mut self,
        ctx: TxnCtx<'_>,
        transactional_id: &str,
        target: StoredTransaction,
        completion: Completion,
    ) -> Option<u64> {
        if self.appends.len() >= MAX_PENDING_APPENDS {
            return None;
        }
        let txn = self.txns.get_mut(transactional_id)?;
        txn.pending = true;
        let partition = txn.partition;
        let record = super::records::transaction_record(transactional_id, &target, ctx.now_ms);
        let append_id = self.next_append_id;
        self.next_append_id = self.next_append_id.wrapping_add(1);
        let pending = PendingAppend { transactional_id: String::from(transactional_id), target, completion };
        self.appends.insert(append_id, pending);
        self.out.push(TxnOutput::Append { partition, append_id, records: alloc::vec![record] });
        Some(append_id)
    }

    fn state_changed(&mut self, ctx: TxnCtx<'_>, transactional_id: &str) {
        let Some(txn) = self.txns.get(transactional_id) else { return };
        let event = ReplicationEvent::TransactionStateChanged {
            broker: ctx.broker,
            transactional_id: String::from(transactional_id),
            producer_id: txn.producer_id,
            producer_epoch: txn.producer_epoch,
            state: txn.state,
            partitions: txn.partitions.iter().cloned().collect(),
        };
        self.event(event);
    }
}

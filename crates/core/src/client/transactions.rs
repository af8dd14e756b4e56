//! The transactional producer's bookkeeping (Kafka's `TransactionManager` with a `transactional.id`,
//! KIP-98): the transaction state, the coordinator, the partitions added to the open transaction, the
//! offsets sent to it, and the one coordinator request in flight at a time.
//!
//! Requests go out one at a time in Kafka's priority order: FindCoordinator, InitProducerId,
//! AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit (to the group's coordinator), EndTxn. A
//! partition's batches are sent only once the coordinator added the partition; EndTxn(commit) waits
//! until every record of the transaction has its outcome.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ErrorCode;
use crate::group::messages::{CoordinatorType, FindCoordinatorRequest, OffsetAndMetadata};
use crate::node::BrokerId;
use crate::replication::messages::{InitProducerIdRequest, Message, TopicPartition};
use crate::txn::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, TxnOffsetCommitRequest,
};

/// Where a transactional producer stands (Kafka's `TransactionManager.State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TxnState {
    /// `initTransactions` not called yet.
    Uninitialized,
    /// `initTransactions` waits for its producer id.
    Initializing,
    /// Initialized, no transaction open.
    Ready,
    /// `beginTransaction` was called.
    InTransaction,
    /// `commitTransaction` waits for the records and the coordinator.
    Committing,
    /// `abortTransaction` waits for the records in flight and the coordinator.
    Aborting,
    /// An error the application must answer with `abortTransaction`.
    AbortableError(ErrorCode),
    /// The producer cannot go on (`PRODUCER_FENCED`, …): close it.
    FatalError(ErrorCode),
}

impl TxnState {
    /// Kafka's name of the state.
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Uninitialized => "UNINITIALIZED",
            TxnState::Initializing => "INITIALIZING",
            TxnState::Ready => "READY",
            TxnState::InTransaction => "IN_TRANSACTION",
            TxnState::Committing => "COMMITTING_TRANSACTION",
            TxnState::Aborting => "ABORTING_TRANSACTION",
            TxnState::AbortableError(_) => "ABORTABLE_ERROR",
            TxnState::FatalError(_) => "FATAL_ERROR",
        }
    }
}

/// The consumer's group metadata `sendOffsetsToTransaction` takes (KIP-447), so a zombie of an older
/// generation is fenced by the group coordinator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerGroupMetadata {
    /// `group.id`.
    pub group_id: String,
    /// The consumer's generation, or -1.
    pub generation_id: i32,
    /// The consumer's member id, or empty.
    pub member_id: String,
}

/// Offsets waiting to join the transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PendingOffsets {
    pub(crate) group: ConsumerGroupMetadata,
    pub(crate) offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
    /// AddOffsetsToTxn answered: TxnOffsetCommit is next.
    pub(crate) added: bool,
    /// The group's coordinator, once found.
    pub(crate) coordinator: Option<BrokerId>,
}

/// Which request is in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TxnRequest {
    FindCoordinator { group: bool },
    InitProducerId,
    AddPartitions(Vec<TopicPartition>),
    AddOffsets,
    TxnOffsetCommit,
    EndTxn { commit: bool },
}

/// A request in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InFlightTxnRequest {
    pub(crate) correlation_id: u64,
    pub(crate) broker: BrokerId,
    pub(crate) deadline_ms: u64,
    pub(crate) request: TxnRequest,
}

/// The transactional state (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct TransactionManager {
    pub(crate) transactional_id: String,
    pub(crate) timeout_ms: u64,
    pub(crate) state: TxnState,
    pub(crate) coordinator: Option<BrokerId>,
    pub(crate) in_flight: Option<InFlightTxnRequest>,
    pub(crate) retry_after_ms: u64,
    /// Partitions the coordinator added to the open transaction.
    pub(crate) added: BTreeSet<TopicPartition>,
    /// Partitions with records of the open transaction, not added yet.
    pub(crate) pending: BTreeSet<TopicPartition>,
    pub(crate) offsets: Option<PendingOffsets>,
    /// Offsets were committed in the open transaction (its EndTxn is needed even without records).
    pub(crate) offsets_in_txn: bool,
    /// This producer's transaction number (the open or last one).
    pub(crate) txn: u64,
    /// The next InitProducerId names the current id and epoch (KIP-360: bump after an abort that left
    /// sequences unresolved).
    pub(crate) bump_on_init: bool,
    /// Round-robin cursor over the bootstrap brokers for FindCoordinator.
    pub(crate) next_broker: usize,
    /// The first error a record of the open transaction failed with: its commit is refused.
    pub(crate) record_error: Option<ErrorCode>,
    /// Whether EndTxn was sent for the open transaction already (the `TransactionEnding` event).
    pub(crate) end_announced: bool,
}

impl TransactionManager {
    pub(crate) fn new(transactional_id: String, timeout_ms: u64) -> Self {
        TransactionManager {
            transactional_id,
            timeout_ms,
            state: TxnState::Uninitialized,
            coordinator: None,
            in_flight: None,
            retry_after_ms: 0,
            added: BTreeSet::new(),
            pending: BTreeSet::new(),
            offsets: None,
            offsets_in_txn: false,
            txn: 0,
            bump_on_init: false,
            next_broker: 0,
            record_error: None,
            end_announced: false,
        }
    }

    /// Whether a batch of `tp` may be sent now: the partition is in the open transaction.
    pub(crate) fn can_send(&self, tp: &TopicPartition) -> bool {
        matches!(self.state, TxnState::InTransaction | TxnState::Committing) && self.added.contains(tp)
    }

    /// A record of the open transaction went to `tp`.
    pub(crate) fn note_partition(&mut self, tp: &TopicPartition) {
        if !self.added.contains(tp) {
            self.pending.insert(tp.clone());
        }
    }

    /// Clears the open transaction's partitions and offsets.
    pub(crate) fn reset_transaction(&mut self) {
        self.added.clear();
        self.pending.clear();
        self.offsets = None;
        self.offsets_in_txn = false;
        self.record_error = None;
        self.end_announced = false;
    }

    /// The request to send now, if one is due: `(broker, message, what it is)`. `producer` is the
    /// current id and epoch; `records_done` whether every record of the transaction has its outcome.
    pub(crate) fn next_request(
        &mut self,
        now_ms: u64,
        producer: Option<(i64, i16)>,
        records_done: bool,
        bootstrap: &[BrokerId],
        correlation_id: u64,
    ) -> Option<(BrokerId, Message, TxnRequest)> {
        if self.in_flight.is_some() || now_ms < self.retry_after_ms {
            return None;
        }
        let (producer_id, producer_epoch) = producer.unwrap_or((-1, -1));
        let tid = self.transactional_id.clone();
        let needs_coordinator = match self.state {
            TxnState::Initializing => true,
            TxnState::InTransaction | TxnState::Committing => {
                !self.pending.is_empty()
                    || self.offsets.as_ref().is_some_and(|o| !o.added)
                    || (self.state == TxnState::Committing && records_done && self.offsets.is_none())
            }
            TxnState::Aborting => records_done,
            _ => false,
        };
        if !needs_coordinator {
            return self.next_group_request(correlation_id, producer_id, producer_epoch, bootstrap);
        }
        let Some(coordinator) = self.coordinator else {
            let broker = *bootstrap.get(self.next_broker % bootstrap.len().max(1))?;
            let request =
                FindCoordinatorRequest { correlation_id, key: tid, key_type: CoordinatorType::Transaction };
            return Some((
                broker,
                Message::FindCoordinator(request),
                TxnRequest::FindCoordinator { group: false },
            ));
        };
        let message = match self.state {
            TxnState::Initializing => {
                let (id, epoch) = if self.bump_on_init { (producer_id, producer_epoch) } else { (-1, -1) };
                let request = InitProducerIdRequest {
                    correlation_id,
                    transactional_id: Some(tid),
                    transaction_timeout_ms: self.timeout_ms,
                    producer_id: id,
                    producer_epoch: epoch,
                };
                return Some((coordinator, Message::InitProducerId(request), TxnRequest::InitProducerId));
            }
            TxnState::InTransaction | TxnState::Committing if !self.pending.is_empty() => {
                let partitions: Vec<TopicPartition> = self.pending.iter().cloned().collect();
                let request = AddPartitionsToTxnRequest {
                    correlation_id,
                    transactional_id: tid,
                    producer_id,
                    producer_epoch,
                    partitions: partitions.clone(),
                };
                return Some((
                    coordinator,
                    Message::AddPartitionsToTxn(request),
                    TxnRequest::AddPartitions(partitions),
                ));
            }
            TxnState::InTransaction | TxnState::Committing
                if self.offsets.as_ref().is_some_and(|o| !o.added) =>
            {
                let group_id = self.offsets.as_ref().map(|o| o.group.group_id.clone()).unwrap_or_default();
                let request = AddOffsetsToTxnRequest {
                    correlation_id,
                    transactional_id: tid,
                    producer_id,
                    producer_epoch,
                    group_id,
                };
                return Some((coordinator, Message::AddOffsetsToTxn(request), TxnRequest::AddOffsets));
            }
            TxnState::Committing | TxnState::Aborting => {
                let commit = self.state == TxnState::Committing;
                let request = EndTxnRequest {
                    correlation_id,
                    transactional_id: tid,
                    producer_id,
                    producer_epoch,
                    committed: commit,
                };
                Message::EndTxn(request)
            }
            _ => return None,
        };
        let commit = self.state == TxnState::Committing;
        Some((coordinator, message, TxnRequest::EndTxn { commit }))
    }

    /// FindCoordinator for the group, then TxnOffsetCommit, once AddOffsetsToTxn succeeded.
    fn next_group_request(
        &mut self,
        correlation_id: u64,
        producer_id: i64,
        producer_epoch: i16,
        bootstrap: &[BrokerId],
    ) -> Option<(BrokerId, Message, TxnRequest)> {
        if !matches!(self.state, TxnState::InTransaction | TxnState::Committing) {
            return None;
        }
        let offsets = self.offsets.as_ref().filter(|o| o.added)?;
        let Some(coordinator) = offsets.coordinator else {
            let broker = *bootstrap.get(self.next_broker % bootstrap.len().max(1))?;
            let request = FindCoordinatorRequest {
                correlation_id,
                key: offsets.group.group_id.clone(),
                key_type: CoordinatorType::Group,
            };
            return Some((
                broker,
                Message::FindCoordinator(request),
                TxnRequest::FindCoordinator { group: true },
            ));
        };
        let request = TxnOffsetCommitRequest {
            correlation_id,
            transactional_id: self.transactional_id.clone(),
            group_id: offsets.group.group_id.clone(),
            producer_id,
            producer_epoch,
            generation_id: offsets.group.generation_id,
            member_id: offsets.group.member_id.clone(),
            offsets: offsets.offsets.clone(),
        };
        Some((coordinator, Message::TxnOffsetCommit(request), TxnRequest::TxnOffsetCommit))
    }

    /// The request in flight was lost or refused retriably: try again after `backoff_ms`, finding the
    /// coordinator again when `lost_coordinator`.
    pub(crate) fn retry(&mut self, now_ms: u64, backoff_ms: u64, lost_coordinator: bool) {
        if lost_coordinator {
            self.coordinator = None;
            if let Some(offsets) = self.offsets.as_mut() {
                offsets.coordinator = None;
            }
            self.next_broker = self.next_broker.wrapping_add(1);
        }
        self.retry_after_ms = now_ms.saturating_add(backoff_ms);
    }

    /// When the manager needs a tick: its request's deadline or the end of a backoff still ahead of
    /// `after_ms` (other work waits for answers and records, which come with their own calls).
    pub(crate) fn next_tick_ms(&self, after_ms: u64) -> Option<u64> {
        match &self.in_flight {
            Some(request) => Some(request.deadline_ms),
            None => (self.retry_after_ms > after_ms).then_some(self.retry_after_ms),
        }
    }
}

/// Whether a coordinator error means "find the coordinator again".
pub(crate) fn lost_coordinator(error: ErrorCode) -> bool {
    matches!(error, ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable)
}

/// Errors after which the producer cannot go on (Kafka's fatal transactional errors).
pub(crate) fn is_fatal(error: ErrorCode) -> bool {
    matches!(
        error,
        ErrorCode::ProducerFenced
            | ErrorCode::InvalidProducerEpoch
            | ErrorCode::InvalidProducerIdMapping
            | ErrorCode::InvalidTxnState
            | ErrorCode::InvalidTransactionTimeout
            | ErrorCode::TransactionCoordinatorFenced
    )
}

/// Why a transactional call was refused (Kafka throws `IllegalStateException` or the stored error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionError {
    /// The producer has no `transactional.id`.
    NotTransactional,
    /// The call does not fit the state (`beginTransaction` twice, `commitTransaction` after an error…).
    InvalidState {
        /// The call.
        operation: &'static str,
        /// The state it was made in.
        state: TxnState,
    },
}

impl core::fmt::Display for TransactionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TransactionError::NotTransactional => {
                f.write_str("Transactional method invoked on a non-transactional producer.")
            }
            TransactionError::InvalidState { operation, state: TxnState::FatalError(error) } => write!(
                f,
                "Cannot execute {operation} because the producer is in an error state: {}",
                error.name()
            ),
            TransactionError::InvalidState { operation, state: TxnState::AbortableError(error) } => write!(
                f,
                "Cannot execute {operation}: the transaction hit {} and must be aborted",
                error.name()
            ),
            TransactionError::InvalidState { operation, state } => {
                write!(f, "Invalid transition attempted: {operation} in state {}", state.name())
            }
        }
    }
}

impl core::error::Error for TransactionError {}

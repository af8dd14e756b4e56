//! Transactions (KIP-98, KIP-447, KIP-890): the transaction coordinator, the control records it has
//! written to every partition of a transaction, and the messages between producers, coordinators and
//! partition leaders.
//!
//! Map:
//! - [`messages`] — AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, WriteTxnMarkers, TxnOffsetCommit.
//! - [`control`] — COMMIT/ABORT markers (control batches) as Kafka encodes them.
//! - [`records`] — the `__transaction_state` key/value schemas.
//! - [`coordinator`] — the transaction coordinator's state machine over `__transaction_state`.
//!
//! The partition side (ongoing transactions, the last stable offset, the aborted-transaction index) is
//! in [`crate::replication::partition::transactions`]; the producer's side in
//! [`crate::client::Producer`]'s transactional API; `read_committed` in the consumer's fetcher.

pub mod control;
pub mod coordinator;
pub mod messages;
pub mod records;

/// The internal topic holding the transaction coordinators' state.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// The `__transaction_state` partition whose leader coordinates `transactional_id`: Kafka's
/// `Utils.abs(transactionalId.hashCode) % transaction.state.log.num.partitions` (the same hash as groups).
pub fn partition_for_transactional_id(transactional_id: &str, partitions: i32) -> i32 {
    crate::group::partition_for_group(transactional_id, partitions)
}

/// A transaction's state on its coordinator (Kafka's `TransactionState`, with its ids as stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionState {
    /// Initialized, no transaction yet (or the last one expired).
    Empty,
    /// Partitions were added: a transaction is open.
    Ongoing,
    /// EndTxn(commit) was logged; markers are being written.
    PrepareCommit,
    /// EndTxn(abort), a timeout or a fencing InitProducerId was logged; markers are being written.
    PrepareAbort,
    /// Every partition has its COMMIT marker.
    CompleteCommit,
    /// Every partition has its ABORT marker.
    CompleteAbort,
    /// The transactional id expired.
    Dead,
    /// A newer producer is fencing this one (Kafka's transient state before the abort).
    PrepareEpochFence,
}

impl TransactionState {
    /// Kafka's name, as `kafka-transactions.sh describe` prints it.
    pub fn name(self) -> &'static str {
        match self {
            TransactionState::Empty => "Empty",
            TransactionState::Ongoing => "Ongoing",
            TransactionState::PrepareCommit => "PrepareCommit",
            TransactionState::PrepareAbort => "PrepareAbort",
            TransactionState::CompleteCommit => "CompleteCommit",
            TransactionState::CompleteAbort => "CompleteAbort",
            TransactionState::Dead => "Dead",
            TransactionState::PrepareEpochFence => "PrepareEpochFence",
        }
    }

    /// The id stored in `TransactionLogValue`.
    pub fn id(self) -> i8 {
        match self {
            TransactionState::Empty => 0,
            TransactionState::Ongoing => 1,
            TransactionState::PrepareCommit => 2,
            TransactionState::PrepareAbort => 3,
            TransactionState::CompleteCommit => 4,
            TransactionState::CompleteAbort => 5,
            TransactionState::Dead => 6,
            TransactionState::PrepareEpochFence => 7,
        }
    }

    /// The state stored as `id`.
    pub fn from_id(id: i8) -> Option<Self> {
        Some(match id {
            0 => TransactionState::Empty,
            1 => TransactionState::Ongoing,
            2 => TransactionState::PrepareCommit,
            3 => TransactionState::PrepareAbort,
            4 => TransactionState::CompleteCommit,
            5 => TransactionState::CompleteAbort,
            6 => TransactionState::Dead,
            7 => TransactionState::PrepareEpochFence,
            _ => return None,
        })
    }

    /// Whether markers are being written (EndTxn and InitProducerId answer `CONCURRENT_TRANSACTIONS`).
    pub fn is_preparing(self) -> bool {
        matches!(self, TransactionState::PrepareCommit | TransactionState::PrepareAbort)
    }
}

/// Which protocol the coordinators speak (Kafka's `transaction.version` feature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TransactionVersion {
    /// `transaction.version=1`: the classic protocol (KIP-98). The producer epoch stays the same from
    /// one transaction to the next, so a produce request delayed past its transaction's end is
    /// accepted by the partition and lands in the producer's next transaction (or hangs).
    #[default]
    Classic,
    /// `transaction.version=2`: KIP-890 part 2. The coordinator bumps the producer epoch at every
    /// EndTxn and writes the markers with the new epoch, so a late produce of the old transaction is
    /// refused with `INVALID_PRODUCER_EPOCH`.
    EpochBumpPerTransaction,
}

impl TransactionVersion {
    /// The feature level: 1 or 2.
    pub fn level(self) -> u8 {
        match self {
            TransactionVersion::Classic => 1,
            TransactionVersion::EpochBumpPerTransaction => 2,
        }
    }
}

//! Transactions (KIP-98) as the playground shows them: each `transactional.id` on its coordinator, and
//! each consume-transform-produce pipeline.

use serde::{Deserialize, Serialize};

use super::NodeState;

/// One `transactional.id` as its coordinator holds it (`kafka-transactions.sh describe`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionView {
    /// `transactional.id`.
    pub transactional_id: String,
    /// The coordinator (`broker-<n>`): the leader of its `__transaction_state` partition.
    pub coordinator: String,
    /// Kafka's state name: `Empty`, `Ongoing`, `PrepareCommit`, `PrepareAbort`, `CompleteCommit`,
    /// `CompleteAbort`, `Dead`, `PrepareEpochFence`.
    pub state: String,
    /// The producer id.
    pub producer_id: i64,
    /// The producer epoch (bumped by every InitProducerId, and by every EndTxn with
    /// `transaction.version=2`).
    pub producer_epoch: i16,
    /// The partitions in the transaction (`topic-p`), at most [`MAX_TRANSACTION_PARTITIONS`].
    pub partitions: Vec<String>,
    /// Markers not acknowledged yet (PrepareCommit/PrepareAbort).
    pub pending_markers: u32,
    /// How long the open transaction has been open (`Ongoing` only).
    pub open_ms: Option<u64>,
    /// `transaction.timeout.ms`: an `Ongoing` transaction older than this is aborted by the coordinator.
    pub timeout_ms: u64,
}

/// Most partitions a [`TransactionView`] lists.
pub const MAX_TRANSACTION_PARTITIONS: usize = 32;
/// Most transactional ids a view lists (by id).
pub const MAX_VIEW_TRANSACTIONS: usize = 64;

/// A transactional producer's side of its transactions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerTransactionView {
    /// `transactional.id`.
    pub transactional_id: String,
    /// The producer's `TransactionManager` state, by Kafka's name (`READY`, `IN_TRANSACTION`,
    /// `COMMITTING_TRANSACTION`, `FATAL_ERROR`, …); `None` while the client is down.
    pub state: Option<String>,
    /// The error behind an `ABORTABLE_ERROR` or `FATAL_ERROR` state (`PRODUCER_FENCED`, …).
    pub error: Option<String>,
    /// Transactions this client saw commit.
    pub committed: u64,
    /// Transactions this client saw abort.
    pub aborted: u64,
}

/// One consume-transform-produce application instance (`[[pipelines]]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineView {
    /// `client-<n>`.
    pub client: String,
    /// Up or down.
    pub state: NodeState,
    /// `at-most-once`, `at-least-once` or `exactly-once`.
    pub semantics: String,
    /// Its consumer group.
    pub group_id: String,
    /// The topic it reads.
    pub input: String,
    /// The topic it writes.
    pub output: String,
    /// Records its consumer returned.
    pub records_consumed: u64,
    /// Output records it produced (one per input record it processed).
    pub records_transformed: u64,
    /// Output records acknowledged.
    pub records_acked: u64,
    /// Its transactions, when exactly-once.
    pub transaction: Option<ProducerTransactionView>,
}

//! What happens inside brokers and the controller, as values for the trace, the checker and the UI.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ErrorCode;
use crate::group::{GroupState, MemberRemovedReason};
use crate::node::BrokerId;
use crate::replication::messages::TopicPartition;

/// An observable step inside a broker or the controller.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplicationEvent {
    /// A broker appended a batch (as leader, or copied as follower).
    Appended {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// First offset of the batch.
        base_offset: i64,
        /// Last offset of the batch.
        last_offset: i64,
        /// Epoch stamped on the batch.
        leader_epoch: i32,
        /// Appended as leader (assigning offsets) or copied as follower.
        as_leader: bool,
    },
    /// A replica's high watermark moved.
    HighWatermarkChanged {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// The new high watermark.
        high_watermark: i64,
    },
    /// A replica removed the tail of its log.
    Truncated {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// Log end offset before.
        from_offset: i64,
        /// Log end offset after.
        to_offset: i64,
    },
    /// A broker took over as leader.
    BecameLeader {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// The new leader epoch.
        leader_epoch: i32,
    },
    /// A broker became a follower of `leader`.
    BecameFollower {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// The leader to follow, if any.
        leader: Option<BrokerId>,
        /// The leader epoch.
        leader_epoch: i32,
    },
    /// The controller elected a leader (or found none: the partition is offline).
    LeaderElected {
        /// Which partition.
        tp: TopicPartition,
        /// The new leader, or `None` when no eligible replica is alive.
        leader: Option<BrokerId>,
        /// The new epoch.
        leader_epoch: i32,
        /// Elected from outside the ISR (`unclean.leader.election.enable=true`).
        unclean: bool,
    },
    /// The controller committed a new ISR.
    IsrChanged {
        /// Which partition.
        tp: TopicPartition,
        /// The new ISR.
        isr: Vec<BrokerId>,
        /// The new partition epoch.
        partition_epoch: i32,
    },
    /// The controller fenced a broker that missed heartbeats for `broker.session.timeout.ms`.
    BrokerFenced {
        /// Which broker.
        broker: BrokerId,
    },
    /// The controller unfenced a broker that heartbeats again.
    BrokerUnfenced {
        /// Which broker.
        broker: BrokerId,
    },
    /// A leader answered a produce request.
    ProduceAnswered {
        /// The leader.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// Outcome.
        error: ErrorCode,
        /// Base offset on success.
        base_offset: i64,
    },
    /// The leader recognised a retried batch as one of the producer's last five (same producer id,
    /// epoch and sequence range) and answered with the original offset instead of appending it again
    /// (idempotence, KIP-98).
    DuplicateBatch {
        /// The leader.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// The batch's producer id.
        producer_id: i64,
        /// The batch's producer epoch.
        producer_epoch: i16,
        /// The batch's first sequence number.
        base_sequence: i32,
        /// Where the original was written.
        base_offset: i64,
    },
    /// A partition's purgatory was full: a produce was refused with `REQUEST_TIMED_OUT`, or a fetch
    /// answered at once instead of waiting.
    DelayedRequestLimitReached {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        tp: TopicPartition,
        /// `"produce"` or `"fetch"`.
        purgatory: &'static str,
        /// The limit that was hit.
        limit: usize,
    },
    /// A group coordinator's group changed state (Kafka's `GroupMetadata` states).
    GroupStateChanged {
        /// The coordinator.
        broker: BrokerId,
        /// The `group.id`.
        group_id: String,
        /// The new state.
        state: GroupState,
        /// The generation (bumped when a rebalance's join phase completes).
        generation_id: i32,
        /// Members now.
        members: u32,
    },
    /// A coordinator removed a member from its group.
    GroupMemberRemoved {
        /// The coordinator.
        broker: BrokerId,
        /// The `group.id`.
        group_id: String,
        /// The member.
        member_id: String,
        /// Why.
        reason: MemberRemovedReason,
    },
    /// A coordinator stored committed offsets (the `__consumer_offsets` append reached the ISR).
    OffsetsCommitted {
        /// The coordinator.
        broker: BrokerId,
        /// The `group.id`.
        group_id: String,
        /// Each partition's committed offset.
        offsets: Vec<(TopicPartition, i64)>,
    },
    /// A broker became (`loaded`) or stopped being coordinator for the groups of a `__consumer_offsets`
    /// partition, loading their offsets and metadata from its log.
    CoordinatorLoaded {
        /// The broker.
        broker: BrokerId,
        /// The `__consumer_offsets` partition.
        partition: i32,
        /// Loaded (now leader) or unloaded.
        loaded: bool,
        /// Groups held afterwards from this partition.
        groups: u32,
    },
    /// A transaction coordinator logged a new state for a transactional id.
    TransactionStateChanged {
        /// The coordinator.
        broker: BrokerId,
        /// The `transactional.id`.
        transactional_id: String,
        /// Its producer id.
        producer_id: i64,
        /// Its producer epoch.
        producer_epoch: i16,
        /// The new state.
        state: crate::txn::TransactionState,
        /// The transaction's partitions.
        partitions: Vec<TopicPartition>,
    },
    /// A transaction was open longer than its `transaction.timeout.ms`: the coordinator aborts it.
    TransactionTimedOut {
        /// The coordinator.
        broker: BrokerId,
        /// The `transactional.id`.
        transactional_id: String,
        /// Its producer id.
        producer_id: i64,
    },
    /// A broker became transaction coordinator for the ids of a `__transaction_state` partition.
    TransactionCoordinatorLoaded {
        /// The broker.
        broker: BrokerId,
        /// The `__transaction_state` partition.
        partition: i32,
    },
    /// A leader appended a COMMIT or ABORT marker for a producer.
    TxnMarkerWritten {
        /// The leader.
        broker: BrokerId,
        /// The partition.
        tp: TopicPartition,
        /// The producer.
        producer_id: i64,
        /// The marker's epoch.
        producer_epoch: i16,
        /// COMMIT or ABORT.
        committed: bool,
        /// The marker's offset.
        offset: i64,
    },
}

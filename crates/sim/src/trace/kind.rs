//! What a trace line says happened: [`TraceKind`], with [`Api`] and [`DropReason`], and the mirrors of
//! samsa-core's `ReplicationEvent` and `ClientEvent` (samsa-core has no serde; the conversions are in
//! `from_core`).

use samsa_core::node::{BrokerId, NodeId};
use samsa_core::replication::messages::TopicPartition;
use samsa_core::ErrorCode;
use serde::{Deserialize, Serialize};

use super::ids::{error_code, node_id, partition_offsets, topic_partition, topic_partitions};

mod api;
mod from_core;

pub use api::Api;

/// Why the network did not deliver a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The link between sender and receiver is cut (a partition).
    LinkCut,
    /// The link's random drop rate.
    Random,
    /// The receiver (or sender) is crashed or paused.
    NodeDown,
    /// The in-flight queue was at its limit (`max_in_flight_messages`).
    QueueFull,
}

/// What happened at a step. Serialized with an `"event"` tag in snake case, e.g.
/// `{"event":"link_cut","a":"broker-1","b":"broker-2"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum TraceKind {
    /// The run began.
    RunStarted {
        /// Scenario name.
        scenario: String,
        /// The run seed.
        seed: u64,
        /// Whether the seed's randomised fault schedule is added (`--explore`).
        explore: bool,
    },
    /// A node handed a message to the network.
    MessageSent {
        /// The network's id for this message.
        msg_id: u64,
        /// Sender.
        #[serde(with = "node_id")]
        from: NodeId,
        /// Receiver.
        #[serde(with = "node_id")]
        to: NodeId,
        /// What it is.
        api: Api,
        /// When the network will deliver it.
        deliver_at_ms: u64,
    },
    /// The network delivered a message.
    MessageDelivered {
        /// The network's id for this message.
        msg_id: u64,
        /// Sender.
        #[serde(with = "node_id")]
        from: NodeId,
        /// Receiver.
        #[serde(with = "node_id")]
        to: NodeId,
        /// What it is.
        api: Api,
    },
    /// The receiver is paused: the message waits (as in its socket buffer) and is delivered when the
    /// receiver resumes.
    MessageHeld {
        /// The network's id for this message.
        msg_id: u64,
        /// Sender.
        #[serde(with = "node_id")]
        from: NodeId,
        /// Receiver.
        #[serde(with = "node_id")]
        to: NodeId,
        /// What it is.
        api: Api,
    },
    /// The network lost a message.
    MessageDropped {
        /// The network's id for this message.
        msg_id: u64,
        /// Sender.
        #[serde(with = "node_id")]
        from: NodeId,
        /// Receiver.
        #[serde(with = "node_id")]
        to: NodeId,
        /// What it is.
        api: Api,
        /// Why.
        reason: DropReason,
    },
    /// The network will deliver a message twice; `copy_id` is the second copy.
    MessageDuplicated {
        /// The original.
        msg_id: u64,
        /// The copy.
        copy_id: u64,
        /// Sender.
        #[serde(with = "node_id")]
        from: NodeId,
        /// Receiver.
        #[serde(with = "node_id")]
        to: NodeId,
        /// What it is.
        api: Api,
        /// When the copy arrives.
        deliver_at_ms: u64,
    },
    /// A node crashed; with `power_loss` it lost what it had not flushed.
    NodeCrashed {
        /// Which node.
        #[serde(with = "node_id")]
        node: NodeId,
        /// Unflushed data lost too.
        power_loss: bool,
    },
    /// A crashed node came back from its durable state.
    NodeRestarted {
        /// Which node.
        #[serde(with = "node_id")]
        node: NodeId,
    },
    /// A node stops running (messages to it are dropped) until `until_ms`.
    NodePaused {
        /// Which node.
        #[serde(with = "node_id")]
        node: NodeId,
        /// When it resumes.
        until_ms: u64,
    },
    /// A paused node runs again.
    NodeResumed {
        /// Which node.
        #[serde(with = "node_id")]
        node: NodeId,
    },
    /// The controller quorum elected a new active controller (`Controller::fail_over`).
    ControllerFailedOver,
    /// Messages between `a` and `b` (both directions) are dropped.
    LinkCut {
        /// One end.
        #[serde(with = "node_id")]
        a: NodeId,
        /// Other end.
        #[serde(with = "node_id")]
        b: NodeId,
    },
    /// The link between `a` and `b` carries messages again.
    LinkHealed {
        /// One end.
        #[serde(with = "node_id")]
        a: NodeId,
        /// Other end.
        #[serde(with = "node_id")]
        b: NodeId,
    },
    /// Every link to and from `node` is cut.
    NodeIsolated {
        /// Which node.
        #[serde(with = "node_id")]
        node: NodeId,
    },
    /// An isolated node's links carry messages again (its individually cut links stay cut).
    NodeRejoined {
        /// Which node.
        #[serde(with = "node_id")]
        node: NodeId,
    },
    /// Every cut link is healed.
    AllHealed,
    /// Every link's latency is now uniform in `min_ms..=max_ms`.
    LatencyChanged {
        /// Fastest delivery.
        min_ms: u64,
        /// Slowest delivery.
        max_ms: u64,
    },
    /// The link between `a` and `b` (both directions) has its own latency range.
    LinkLatencyChanged {
        /// One end.
        #[serde(with = "node_id")]
        a: NodeId,
        /// Other end.
        #[serde(with = "node_id")]
        b: NodeId,
        /// Fastest delivery.
        min_ms: u64,
        /// Slowest delivery.
        max_ms: u64,
    },
    /// A client's config changed. A Kafka client cannot change its config while it runs, so the old
    /// client was closed (answers still on their way to it are never read) and a new one with the
    /// same client id, bootstrap list and workload took its place.
    ClientReconfigured {
        /// Which client.
        #[serde(with = "node_id")]
        node: NodeId,
        /// Kafka's config name.
        name: String,
        /// The new value, as given.
        value: String,
    },
    /// A producer's workload sends at a new rate from now on.
    ProduceRateChanged {
        /// The producer.
        client: u32,
        /// Records per second (0: stopped).
        rate_per_sec: u64,
    },
    /// The probability that a message is dropped.
    DropRateChanged {
        /// In `[0, 1]`.
        rate: f64,
    },
    /// The probability that a message is delivered twice.
    DuplicateRateChanged {
        /// In `[0, 1]`.
        rate: f64,
    },
    /// The probability that a message is held back so later ones overtake it.
    ReorderRateChanged {
        /// In `[0, 1]`.
        rate: f64,
    },
    /// A scheduled fault could not be applied (e.g. `leader-of:` a partition with no leader).
    FaultSkipped {
        /// The scenario's action name.
        action: String,
        /// Why.
        reason: String,
    },
    /// The workload asked a producer to send a record.
    WorkloadSend {
        /// The producer.
        client: u32,
        /// The record's id.
        record_id: u64,
        /// The record key (`key-N`), or `None` for a null key.
        key: Option<u64>,
        /// Value size.
        value_bytes: u32,
    },
    /// The producer refused the workload's record outright (`Producer::send` returned an error, e.g.
    /// `buffer.memory` full); no ack or failure event follows for it.
    SendRejected {
        /// The producer.
        client: u32,
        /// The record's id.
        record_id: u64,
        /// The Kafka error a client would see.
        #[serde(with = "error_code")]
        error: ErrorCode,
        /// The producer's explanation.
        reason: String,
    },
    /// [`ReplicationEvent::Appended`](samsa_core::replication::events::ReplicationEvent::Appended).
    Appended {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// First offset.
        base_offset: i64,
        /// Last offset.
        last_offset: i64,
        /// Epoch on the batch.
        leader_epoch: i32,
        /// As leader or as follower.
        as_leader: bool,
    },
    /// [`ReplicationEvent::HighWatermarkChanged`](samsa_core::replication::events::ReplicationEvent::HighWatermarkChanged).
    HighWatermarkChanged {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The new high watermark.
        high_watermark: i64,
    },
    /// [`ReplicationEvent::Truncated`](samsa_core::replication::events::ReplicationEvent::Truncated).
    Truncated {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// Log end offset before.
        from_offset: i64,
        /// Log end offset after.
        to_offset: i64,
    },
    /// [`ReplicationEvent::BecameLeader`](samsa_core::replication::events::ReplicationEvent::BecameLeader).
    BecameLeader {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The new epoch.
        leader_epoch: i32,
    },
    /// [`ReplicationEvent::BecameFollower`](samsa_core::replication::events::ReplicationEvent::BecameFollower).
    BecameFollower {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The leader, if any.
        leader: Option<BrokerId>,
        /// The epoch.
        leader_epoch: i32,
    },
    /// [`ReplicationEvent::LeaderElected`](samsa_core::replication::events::ReplicationEvent::LeaderElected).
    LeaderElected {
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The new leader, or `None` (offline).
        leader: Option<BrokerId>,
        /// The new epoch.
        leader_epoch: i32,
        /// From outside the ISR.
        unclean: bool,
    },
    /// [`ReplicationEvent::IsrChanged`](samsa_core::replication::events::ReplicationEvent::IsrChanged).
    IsrChanged {
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The new ISR.
        isr: Vec<BrokerId>,
        /// The new partition epoch.
        partition_epoch: i32,
    },
    /// [`ReplicationEvent::BrokerFenced`](samsa_core::replication::events::ReplicationEvent::BrokerFenced).
    BrokerFenced {
        /// Which broker.
        broker: BrokerId,
    },
    /// [`ReplicationEvent::BrokerUnfenced`](samsa_core::replication::events::ReplicationEvent::BrokerUnfenced).
    BrokerUnfenced {
        /// Which broker.
        broker: BrokerId,
    },
    /// [`ReplicationEvent::DuplicateBatch`](samsa_core::replication::events::ReplicationEvent::DuplicateBatch).
    DuplicateBatch {
        /// The leader.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
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
    /// [`ReplicationEvent::ProduceAnswered`](samsa_core::replication::events::ReplicationEvent::ProduceAnswered).
    ProduceAnswered {
        /// The leader.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// Outcome.
        #[serde(with = "error_code")]
        error: ErrorCode,
        /// Base offset on success.
        base_offset: i64,
    },
    /// [`ReplicationEvent::DelayedRequestLimitReached`](samsa_core::replication::events::ReplicationEvent::DelayedRequestLimitReached).
    DelayedRequestLimitReached {
        /// Where.
        broker: BrokerId,
        /// Which partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// `"produce"` or `"fetch"`.
        purgatory: String,
        /// The limit that was hit.
        limit: u64,
    },
    /// [`ClientEvent::RecordSent`](samsa_core::client::ClientEvent::RecordSent).
    RecordSent {
        /// The client.
        client: u32,
        /// The record.
        record_id: u64,
        /// Destination.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
    },
    /// [`ClientEvent::BatchSent`](samsa_core::client::ClientEvent::BatchSent).
    BatchSent {
        /// The client.
        client: u32,
        /// Destination.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// Records in the batch.
        record_count: u32,
        /// Encoded size.
        size_bytes: u32,
        /// Producer id, or -1 without idempotence.
        producer_id: i64,
        /// Producer epoch, or -1 without idempotence.
        producer_epoch: i16,
        /// First sequence number, or -1 without idempotence.
        base_sequence: i32,
        /// 0 for the first send, then retries.
        attempt: u32,
    },
    /// [`ClientEvent::ProducerIdAssigned`](samsa_core::client::ClientEvent::ProducerIdAssigned).
    ProducerIdAssigned {
        /// The client.
        client: u32,
        /// The producer id.
        producer_id: i64,
        /// The producer epoch.
        producer_epoch: i16,
        /// An epoch bump (KIP-360) rather than a new id.
        bumped: bool,
    },
    /// [`ClientEvent::FlushCompleted`](samsa_core::client::ClientEvent::FlushCompleted).
    FlushCompleted {
        /// The client.
        client: u32,
    },
    /// [`ClientEvent::RecordAcked`](samsa_core::client::ClientEvent::RecordAcked).
    RecordAcked {
        /// The client.
        client: u32,
        /// The record.
        record_id: u64,
        /// Its partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// Its offset.
        offset: i64,
    },
    /// [`ClientEvent::RecordFailed`](samsa_core::client::ClientEvent::RecordFailed).
    RecordFailed {
        /// The client.
        client: u32,
        /// The record.
        record_id: u64,
        /// Its partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// Why.
        #[serde(with = "error_code")]
        error: ErrorCode,
    },
    /// [`ClientEvent::RecordConsumed`](samsa_core::client::ClientEvent::RecordConsumed).
    RecordConsumed {
        /// The client.
        client: u32,
        /// Its partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// Its offset.
        offset: i64,
        /// The record's id, if it carries one.
        record_id: Option<u64>,
        /// The high watermark reported with it.
        high_watermark: i64,
    },
    /// [`ReplicationEvent::GroupStateChanged`](samsa_core::replication::events::ReplicationEvent::GroupStateChanged).
    GroupStateChanged {
        /// The coordinator.
        broker: BrokerId,
        /// The `group.id`.
        group_id: String,
        /// Kafka's state name (`PreparingRebalance`…).
        state: String,
        /// The generation.
        generation_id: i32,
        /// Members now.
        members: u32,
    },
    /// [`ReplicationEvent::GroupMemberRemoved`](samsa_core::replication::events::ReplicationEvent::GroupMemberRemoved).
    GroupMemberRemoved {
        /// The coordinator.
        broker: BrokerId,
        /// The `group.id`.
        group_id: String,
        /// The member.
        member_id: String,
        /// Why.
        reason: String,
    },
    /// [`ReplicationEvent::OffsetsCommitted`](samsa_core::replication::events::ReplicationEvent::OffsetsCommitted):
    /// the coordinator stored a commit.
    GroupOffsetsStored {
        /// The coordinator.
        broker: BrokerId,
        /// The `group.id`.
        group_id: String,
        /// Each partition's committed offset.
        #[serde(with = "partition_offsets")]
        offsets: Vec<(TopicPartition, i64)>,
    },
    /// [`ReplicationEvent::CoordinatorLoaded`](samsa_core::replication::events::ReplicationEvent::CoordinatorLoaded).
    CoordinatorLoaded {
        /// The broker.
        broker: BrokerId,
        /// The `__consumer_offsets` partition.
        partition: i32,
        /// Loaded or unloaded.
        loaded: bool,
        /// Groups held from it afterwards.
        groups: u32,
    },
    /// [`ClientEvent::GroupJoined`](samsa_core::client::ClientEvent::GroupJoined).
    GroupJoined {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// Its member id.
        member_id: String,
        /// The generation joined.
        generation_id: i32,
        /// Whether it leads.
        leader: bool,
        /// The chosen assignor.
        protocol: Option<String>,
    },
    /// [`ClientEvent::PartitionsAssigned`](samsa_core::client::ClientEvent::PartitionsAssigned).
    PartitionsAssigned {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation.
        generation_id: i32,
        /// Newly assigned.
        #[serde(with = "topic_partitions")]
        added: Vec<TopicPartition>,
        /// Owned now.
        #[serde(with = "topic_partitions")]
        owned: Vec<TopicPartition>,
    },
    /// [`ClientEvent::PartitionsRevoked`](samsa_core::client::ClientEvent::PartitionsRevoked).
    PartitionsRevoked {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation they were owned in.
        generation_id: i32,
        /// The partitions.
        #[serde(with = "topic_partitions")]
        partitions: Vec<TopicPartition>,
    },
    /// [`ClientEvent::PartitionsLost`](samsa_core::client::ClientEvent::PartitionsLost).
    PartitionsLost {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation they were owned in.
        generation_id: i32,
        /// The partitions.
        #[serde(with = "topic_partitions")]
        partitions: Vec<TopicPartition>,
    },
    /// [`ClientEvent::OffsetsCommitted`](samsa_core::client::ClientEvent::OffsetsCommitted).
    OffsetsCommitted {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The generation it committed in.
        generation_id: i32,
        /// The committed offsets.
        #[serde(with = "partition_offsets")]
        offsets: Vec<(TopicPartition, i64)>,
        /// By `enable.auto.commit`.
        auto: bool,
    },
    /// [`ClientEvent::CommitFailed`](samsa_core::client::ClientEvent::CommitFailed).
    CommitFailed {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The offsets not committed.
        #[serde(with = "partition_offsets")]
        offsets: Vec<(TopicPartition, i64)>,
        /// Why.
        #[serde(with = "error_code")]
        error: ErrorCode,
        /// By `enable.auto.commit`.
        auto: bool,
    },
    /// [`ClientEvent::PositionRestored`](samsa_core::client::ClientEvent::PositionRestored).
    PositionRestored {
        /// The client.
        client: u32,
        /// The partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The committed offset it resumes from.
        offset: i64,
    },
    /// [`ClientEvent::OffsetsForTimes`](samsa_core::client::ClientEvent::OffsetsForTimes).
    OffsetsForTimes {
        /// The client.
        client: u32,
        /// The query's id.
        request_id: u64,
        /// The partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The offset and its timestamp, if any record is that late.
        result: Option<(i64, i64)>,
    },
    /// [`ClientEvent::RecordsProcessed`](samsa_core::client::ClientEvent::RecordsProcessed): the
    /// application finished these records.
    RecordsProcessed {
        /// The client.
        client: u32,
        /// The partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// First offset.
        first_offset: i64,
        /// Last offset.
        last_offset: i64,
    },
    /// [`ClientEvent::GroupLeft`](samsa_core::client::ClientEvent::GroupLeft).
    GroupLeft {
        /// The client.
        client: u32,
        /// The `group.id`.
        group_id: String,
        /// The member id it had.
        member_id: String,
        /// Why, as Kafka's client words it.
        reason: String,
    },
    /// [`ClientEvent::ConsumeFailed`](samsa_core::client::ClientEvent::ConsumeFailed).
    ConsumeFailed {
        /// The client.
        client: u32,
        /// Its partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The consumer's position (or the record's offset).
        offset: i64,
        /// What went wrong, as the core's `ConsumeError` prints it.
        error: String,
    },
    /// [`ClientEvent::PositionReset`](samsa_core::client::ClientEvent::PositionReset).
    PositionReset {
        /// The client.
        client: u32,
        /// Its partition.
        #[serde(with = "topic_partition")]
        tp: TopicPartition,
        /// The position before, if there was one.
        from_offset: Option<i64>,
        /// The new position.
        to_offset: i64,
    },
    /// A node's `check_invariants` (or the simulator's own checks) failed at this step.
    InvariantViolation {
        /// Which node.
        #[serde(with = "node_id")]
        node: NodeId,
        /// What was violated.
        message: String,
    },
    /// [`ClientEvent::TransactionBegun`](samsa_core::client::ClientEvent::TransactionBegun).
    TransactionBegun {
        /// The producer.
        client: u32,
        /// Its transaction number.
        txn: u64,
    },
    /// [`ClientEvent::TransactionEnding`](samsa_core::client::ClientEvent::TransactionEnding): the first
    /// EndTxn went out.
    TransactionEnding {
        /// The producer.
        client: u32,
        /// Its transaction number.
        txn: u64,
        /// Commit or abort.
        commit: bool,
    },
    /// [`ClientEvent::TransactionCompleted`](samsa_core::client::ClientEvent::TransactionCompleted).
    TransactionCompleted {
        /// The producer.
        client: u32,
        /// Its transaction number.
        txn: u64,
        /// Committed or aborted.
        committed: bool,
    },
    /// [`ClientEvent::TransactionFailed`](samsa_core::client::ClientEvent::TransactionFailed).
    TransactionFailed {
        /// The producer.
        client: u32,
        /// The open transaction, if any.
        txn: Option<u64>,
        /// Kafka's error.
        #[serde(with = "error_code")]
        error: ErrorCode,
        /// Whether the producer is unusable now.
        fatal: bool,
    },
    /// [`ClientEvent::OffsetsSentToTransaction`](samsa_core::client::ClientEvent::OffsetsSentToTransaction).
    OffsetsSentToTransaction {
        /// The producer.
        client: u32,
        /// Its transaction number.
        txn: u64,
        /// The group.
        group_id: String,
        /// The offsets.
        #[serde(with = "partition_offsets")]
        offsets: Vec<(TopicPartition, i64)>,
    },
    /// [`ReplicationEvent::TransactionStateChanged`](samsa_core::replication::events::ReplicationEvent::TransactionStateChanged).
    TransactionStateChanged {
        /// The coordinator.
        broker: BrokerId,
        /// The `transactional.id`.
        transactional_id: String,
        /// Its producer id.
        producer_id: i64,
        /// Its producer epoch.
        producer_epoch: i16,
        /// Kafka's state name (`Ongoing`, `PrepareCommit`…).
        state: String,
        /// How many partitions the transaction has.
        partitions: u32,
    },
    /// [`ReplicationEvent::TransactionTimedOut`](samsa_core::replication::events::ReplicationEvent::TransactionTimedOut).
    TransactionTimedOut {
        /// The coordinator.
        broker: BrokerId,
        /// The `transactional.id`.
        transactional_id: String,
        /// Its producer id.
        producer_id: i64,
    },
    /// [`ReplicationEvent::TransactionCoordinatorLoaded`](samsa_core::replication::events::ReplicationEvent::TransactionCoordinatorLoaded).
    TransactionCoordinatorLoaded {
        /// The broker.
        broker: BrokerId,
        /// The `__transaction_state` partition.
        partition: i32,
    },
    /// [`ReplicationEvent::TxnMarkerWritten`](samsa_core::replication::events::ReplicationEvent::TxnMarkerWritten).
    TxnMarkerWritten {
        /// The leader.
        broker: BrokerId,
        /// The partition.
        #[serde(with = "topic_partition")]
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
    /// [`ClientEvent::RecordTransformed`](samsa_core::client::ClientEvent::RecordTransformed).
    RecordTransformed {
        /// The pipeline's client.
        client: u32,
        /// The input record.
        input_record_id: u64,
        /// The output record produced for it.
        output_record_id: u64,
    },
}

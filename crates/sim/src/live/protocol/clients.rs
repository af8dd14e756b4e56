//! The clients' views: producers (configs, counts, batching and idempotence) and consumers
//! (positions and lag).

use serde::{Deserialize, Serialize};

use super::{NodeState, PartitionRef};

/// A config by Kafka's name and its current value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigEntry {
    /// Kafka's name.
    pub name: String,
    /// The value, as Kafka would print it.
    pub value: String,
}

/// One producer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProducerView {
    /// `client-<n>`.
    pub client: String,
    /// Up or down.
    pub state: NodeState,
    /// The topic its workload writes.
    pub topic: String,
    /// Its configs by Kafka's name (the editable ones first).
    pub configs: Vec<ConfigEntry>,
    /// The workload's rate.
    pub rate_per_sec: u32,
    /// Records sent so far.
    pub records_sent: u64,
    /// Records acknowledged.
    pub records_acked: u64,
    /// Records failed, by Kafka error name.
    pub records_failed: Vec<(String, u64)>,
    /// Produce requests in flight.
    pub in_flight_requests: u32,
    /// Records waiting in the accumulator.
    pub queued_records: u32,
    /// The latest outcome, as a sentence (`acked at orders-0@41`, `failed: NOT_ENOUGH_REPLICAS`).
    pub last_outcome: Option<String>,
    /// Batching, requests and idempotence, as the running producer reports them.
    pub batching: ProducerBatchingView,
    /// Its transactions, with a `transactional.id`.
    pub transaction: Option<super::ProducerTransactionView>,
}

/// What a running producer reports about its batches, requests and idempotence
/// (`Producer::stats()`, `Producer::idempotent()`, `Producer::producer_id_and_epoch()`). The counters
/// cover the running client only: a restart or a config change starts a new client from zero, as a
/// Kafka client's metrics do. All zero while the client is down.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProducerBatchingView {
    /// Whether the producer writes idempotently (`enable.idempotence`, after Kafka's rules for a
    /// default that conflicts with `acks`, `retries` or `max.in.flight.requests.per.connection`).
    pub idempotent: bool,
    /// The producer id InitProducerId gave it (KIP-98), once it has one.
    pub producer_id: Option<i64>,
    /// The producer epoch it writes with, once it has a producer id (bumped per KIP-360).
    pub producer_epoch: Option<i16>,
    /// Batches put in produce requests, retries included.
    pub batches_sent: u64,
    /// Produce requests sent, retries included (Kafka's `request-total` for produce).
    pub requests_sent: u64,
    /// Batches sent again after a retriable error.
    pub batches_retried: u64,
    /// Mean records per batch sent (Kafka's `records-per-request-avg`, per batch here).
    pub records_per_batch: f64,
    /// Mean milliseconds from `send` to the acknowledgement (Kafka's `request-latency-avg`, per
    /// record here).
    pub mean_ack_latency_ms: f64,
    /// Encoded bytes of every batch sent, retries included (Kafka's `outgoing-byte-total`, roughly).
    pub bytes_sent: u64,
    /// Bytes of records waiting or in flight, counted against `buffer.memory`.
    pub buffered_bytes: u64,
    /// `buffer.memory`: where `send` starts to block (then fails after `max.block.ms`).
    pub buffer_memory_bytes: u64,
}

/// One consumer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerView {
    /// `client-<n>`.
    pub client: String,
    /// Up or down.
    pub state: NodeState,
    /// Its configs by Kafka's name.
    pub configs: Vec<ConfigEntry>,
    /// Records received so far.
    pub records_consumed: u64,
    /// Its partitions: position and lag.
    pub partitions: Vec<ConsumerPartitionView>,
    /// Its group membership, when it has a `group.id`.
    pub group: Option<ConsumerGroupView>,
}

/// A consumer's view of its group membership.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroupView {
    /// `group.id`.
    pub group_id: String,
    /// Its member id (empty before joining).
    pub member_id: String,
    /// Its generation (-1 when not a member).
    pub generation_id: i32,
    /// `unjoined`, `joining`, `syncing` or `stable`.
    pub state: String,
    /// Whether it leads the group.
    pub leader: bool,
}

/// A consumer group as its coordinator sees it (`kafka-consumer-groups.sh --describe`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    /// `group.id`.
    pub group_id: String,
    /// The coordinator (`broker-<n>`).
    pub coordinator: String,
    /// Kafka's state name.
    pub state: String,
    /// Generation.
    pub generation_id: i32,
    /// The assignor.
    pub protocol: String,
    /// Members.
    pub members: Vec<GroupMemberView>,
    /// Committed offsets and lag per partition.
    pub partitions: Vec<GroupPartitionView>,
}

/// One member of a [`GroupView`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberView {
    /// `client-<n>`.
    pub client: String,
    /// Its `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// Its partitions (`topic-p`).
    pub partitions: Vec<String>,
}

/// One partition of a [`GroupView`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPartitionView {
    /// `topic-p`.
    pub partition: String,
    /// The committed offset, or -1.
    pub committed: i64,
    /// The leader's high watermark.
    pub high_watermark: i64,
    /// High watermark − committed (kafka-consumer-groups.sh's LAG).
    pub lag: i64,
}

/// A consumer's progress on one partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerPartitionView {
    /// Which partition.
    pub partition: PartitionRef,
    /// The next offset it will fetch.
    pub position: i64,
    /// The partition leader's high watermark minus the position (Kafka's `records-lag`).
    pub lag: i64,
}

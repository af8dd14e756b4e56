//! Messages between nodes, modelled on Kafka's APIs (one partition per request, for clarity).
//!
//! Records travel as encoded v2 batches (`Vec<u8>`), exactly as on Kafka's wire. Brokers learn cluster
//! metadata the KRaft way: they pull it from the controller with their heartbeats (KIP-500, KIP-631), so a
//! dropped message delays metadata but never loses it.

use alloc::string::String;
use alloc::vec::Vec;

use crate::client::consumer_config::IsolationLevel;
use crate::error::ErrorCode;
use crate::group::messages::{
    CreateTopicRequest, CreateTopicResponse, FindCoordinatorRequest, FindCoordinatorResponse,
    HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest,
    LeaveGroupResponse, ListOffsetsRequest, ListOffsetsResponse, OffsetCommitRequest, OffsetCommitResponse,
    OffsetFetchRequest, OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse,
};
use crate::node::BrokerId;
use crate::replication::config::TopicConfig;
use crate::txn::messages::{
    AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse,
    EndTxnRequest, EndTxnResponse, TxnOffsetCommitRequest, TxnOffsetCommitResponse, WriteTxnMarkerRequest,
    WriteTxnMarkerResponse,
};

/// A topic partition.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
}

/// The producer's `acks` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Acks {
    /// `acks=0`: no response at all.
    None,
    /// `acks=1`: the leader answers once it appended.
    Leader,
    /// `acks=all` (`-1`): the leader answers once the whole ISR has the records (high watermark passed them).
    All,
}

/// What the controller knows of one partition (KRaft's `PartitionRecord` / `PartitionChangeRecord`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionState {
    /// Which partition.
    pub tp: TopicPartition,
    /// Assigned replicas; the first is the preferred leader.
    pub replicas: Vec<BrokerId>,
    /// In-sync replicas.
    pub isr: Vec<BrokerId>,
    /// Current leader, or `None` when the partition is offline.
    pub leader: Option<BrokerId>,
    /// Bumped on every leader change (KIP-101).
    pub leader_epoch: i32,
    /// Bumped on every change of this partition's state (KIP-497 AlterPartition fencing).
    pub partition_epoch: i32,
}

/// One entry of the controller's metadata log, pulled by brokers with their heartbeats.
#[derive(Clone, Debug, PartialEq)]
pub enum MetadataChange {
    /// A topic was created (or its configs changed).
    Topic {
        /// Topic name.
        name: String,
        /// Its configs.
        config: TopicConfig,
    },
    /// A partition's replicas, ISR, leader or epochs changed.
    Partition(PartitionState),
    /// A topic was deleted (DeleteTopics): brokers drop its replicas and forget its metadata.
    TopicDeleted {
        /// Topic name.
        name: String,
    },
}

/// Produce: one batch for one partition.
#[derive(Clone, Debug, PartialEq)]
pub struct ProduceRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The producer's `acks`.
    pub acks: Acks,
    /// How long the leader may wait for the ISR before answering `REQUEST_TIMED_OUT`.
    pub timeout_ms: u64,
    /// Destination partition.
    pub tp: TopicPartition,
    /// One encoded v2 batch.
    pub records: Vec<u8>,
}

/// Produce result for one partition.
#[derive(Clone, Debug, PartialEq)]
pub struct ProduceResponse {
    /// From the request.
    pub correlation_id: u64,
    /// The partition.
    pub tp: TopicPartition,
    /// `NONE` on success.
    pub error: ErrorCode,
    /// Offset of the batch's first record, or -1 on error. For a duplicate of one of the producer's
    /// last five batches (idempotence, KIP-98) the offset the original was written at.
    pub base_offset: i64,
    /// The leader's log start offset, or -1 when unknown (KIP-360: lets an idempotent producer tell a
    /// producer id removed by retention from a real sequence gap).
    pub log_start_offset: i64,
}

/// InitProducerId (KIP-98): a producer asks any broker for a producer id and epoch. With
/// `producer_id`/`producer_epoch` set it asks for the epoch after that one instead (KIP-360).
#[derive(Clone, Debug, PartialEq)]
pub struct InitProducerIdRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// `transactional.id`, or `None` for an idempotent-only producer (transactions come later).
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms` (only meaningful with a `transactional_id`).
    pub transaction_timeout_ms: u64,
    /// The producer's current id, or -1 for a new one (KIP-360).
    pub producer_id: i64,
    /// The producer's current epoch, or -1 for a new one (KIP-360).
    pub producer_epoch: i16,
}

/// The answer to [`InitProducerIdRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct InitProducerIdResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, or a retriable `COORDINATOR_LOAD_IN_PROGRESS` while the broker has no block of ids yet
    /// (KIP-730), `NOT_COORDINATOR`, `PRODUCER_FENCED`…
    pub error: ErrorCode,
    /// The producer id, or -1 on error.
    pub producer_id: i64,
    /// The producer epoch, or -1 on error.
    pub producer_epoch: i16,
}

/// Fetch from one partition: by a follower (`replica_id` set) or a consumer.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The fetching follower, or `None` for a consumer.
    pub replica_id: Option<BrokerId>,
    /// The partition.
    pub tp: TopicPartition,
    /// First offset wanted (a follower's log end offset).
    pub fetch_offset: i64,
    /// The fetcher's idea of the leader epoch; the leader rejects stale or future ones (KIP-320).
    pub current_leader_epoch: i32,
    /// Longest the leader may hold the request waiting for data (`replica.fetch.wait.max.ms`,
    /// `fetch.max.wait.ms`).
    pub max_wait_ms: u64,
    /// Most bytes to return (always at least one batch, KIP-74).
    pub max_bytes: u32,
    /// The leader holds the fetch (up to `max_wait_ms`) until at least this many bytes can be returned
    /// (`fetch.min.bytes`, `replica.fetch.min.bytes`; 1 = answer as soon as there is anything).
    pub min_bytes: u32,
    /// The consumer's `isolation.level`: `read_committed` reads up to the last stable offset and gets
    /// the aborted transactions of the range (followers read the whole log).
    pub isolation_level: IsolationLevel,
}

/// A transaction that aborted, as a fetch response lists it (Kafka's `AbortedTransaction`): a
/// read_committed consumer drops the producer's transactional batches from `first_offset` until the
/// producer's ABORT marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbortedTransaction {
    /// The producer.
    pub producer_id: i64,
    /// The transaction's first offset in this partition.
    pub first_offset: i64,
}

/// Fetch result for one partition.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchResponse {
    /// From the request.
    pub correlation_id: u64,
    /// The partition.
    pub tp: TopicPartition,
    /// `NONE`, `NOT_LEADER_OR_FOLLOWER`, `FENCED_LEADER_EPOCH`, `UNKNOWN_LEADER_EPOCH`, `OFFSET_OUT_OF_RANGE`…
    pub error: ErrorCode,
    /// The leader's high watermark.
    pub high_watermark: i64,
    /// The leader's log start offset.
    pub log_start_offset: i64,
    /// Concatenated encoded batches (consumers get only batches below the high watermark, or the last
    /// stable offset with `read_committed`).
    pub records: Vec<u8>,
    /// The leader's last stable offset (the first offset of its oldest open transaction, at most the
    /// high watermark), or -1.
    pub last_stable_offset: i64,
    /// For `read_committed`: the aborted transactions overlapping the returned records.
    pub aborted_transactions: Vec<AbortedTransaction>,
}

/// A message on the network.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// Client → any broker: which broker leads which partition?
    MetadataRequest {
        /// Matches the response.
        correlation_id: u64,
    },
    /// Broker → client: the broker's view of the cluster.
    MetadataResponse {
        /// From the request.
        correlation_id: u64,
        /// Partition states as this broker knows them.
        partitions: Vec<PartitionState>,
    },
    /// Client → leader.
    Produce(ProduceRequest),
    /// Leader → client.
    ProduceResponse(ProduceResponse),
    /// Follower or consumer → leader.
    Fetch(FetchRequest),
    /// Leader → follower or consumer.
    FetchResponse(FetchResponse),
    /// New follower → leader: where does `leader_epoch` end in your log? (KIP-101, KIP-279)
    OffsetsForLeaderEpoch {
        /// Matches the response.
        correlation_id: u64,
        /// The asking follower.
        replica_id: BrokerId,
        /// The partition.
        tp: TopicPartition,
        /// The follower's view of the current leader epoch (fencing, KIP-320).
        current_leader_epoch: i32,
        /// The latest epoch in the follower's own log.
        leader_epoch: i32,
    },
    /// Leader → follower: the largest epoch ≤ the asked one, and the offset where it ends.
    OffsetsForLeaderEpochResponse {
        /// From the request.
        correlation_id: u64,
        /// The partition.
        tp: TopicPartition,
        /// `NONE`, `NOT_LEADER_OR_FOLLOWER`, `FENCED_LEADER_EPOCH`…
        error: ErrorCode,
        /// Largest epoch in the leader's cache ≤ the requested one (KIP-279), or -1.
        leader_epoch: i32,
        /// First offset after that epoch in the leader's log (its log end offset for the current epoch).
        end_offset: i64,
    },
    /// Broker → controller, every `broker.heartbeat.interval.ms`: I'm alive; send metadata after `metadata_offset`.
    BrokerHeartbeat {
        /// The broker.
        broker: BrokerId,
        /// How much of the metadata log the broker has applied.
        metadata_offset: u64,
        /// Changes every time the broker process starts (KRaft's `incarnationId`): a new one tells the
        /// controller the broker restarted, so it fences it and moves its leaderships away until it
        /// has caught up (KIP-631), instead of trusting a log that may have lost its tail.
        incarnation_id: u64,
    },
    /// Controller → broker: fenced or not, and the metadata changes the broker has not seen yet.
    BrokerHeartbeatResponse {
        /// A fenced broker must not lead (KIP-631); it is unfenced once it heartbeats again.
        fenced: bool,
        /// Metadata log entries after the broker's offset, in order.
        changes: Vec<MetadataChange>,
        /// The metadata offset after applying `changes`.
        metadata_offset: u64,
    },
    /// Leader → controller: change the ISR to `new_isr` (KIP-497). Fenced by both epochs.
    AlterPartition {
        /// The leader asking.
        broker: BrokerId,
        /// The partition.
        tp: TopicPartition,
        /// The leader's epoch.
        leader_epoch: i32,
        /// The partition epoch the leader last saw.
        partition_epoch: i32,
        /// The proposed ISR.
        new_isr: Vec<BrokerId>,
    },
    /// Client → any broker: a producer id and epoch (KIP-98, KIP-360).
    InitProducerId(InitProducerIdRequest),
    /// Broker → client.
    InitProducerIdResponse(InitProducerIdResponse),
    /// Broker → controller: a block of producer ids to hand out (KIP-730), so no two brokers ever give
    /// the same id, across restarts too (the controller keeps the next free id in its metadata log).
    AllocateProducerIds {
        /// The broker asking.
        broker: BrokerId,
        /// The broker's incarnation (as in its heartbeats), so a restarted broker's stale ask is told apart.
        incarnation_id: u64,
    },
    /// Controller → broker: the block `[producer_id_start, producer_id_start + producer_id_len)`.
    AllocateProducerIdsResponse {
        /// `NONE`, or why no block was given (`NOT_CONTROLLER`, `STALE_BROKER_EPOCH`-like `INVALID_REQUEST`).
        error: ErrorCode,
        /// The first id of the block, or -1 on error.
        producer_id_start: i64,
        /// How many ids the block holds (Kafka hands out 1000 at a time), or 0 on error.
        producer_id_len: i32,
    },
    /// Controller → leader: the result; on success the new state.
    AlterPartitionResponse {
        /// The partition.
        tp: TopicPartition,
        /// `NONE`, `FENCED_LEADER_EPOCH`, `INVALID_UPDATE_VERSION`-like rejections map to `INVALID_REQUEST`…
        error: ErrorCode,
        /// The partition state after the change (or the controller's current one on error).
        state: Option<PartitionState>,
    },
    /// Client → any broker: who coordinates this group (or transactional id)?
    FindCoordinator(FindCoordinatorRequest),
    /// Broker → client.
    FindCoordinatorResponse(FindCoordinatorResponse),
    /// Consumer → coordinator: join (or rejoin) the group.
    JoinGroup(JoinGroupRequest),
    /// Coordinator → consumer, when the join phase completes.
    JoinGroupResponse(JoinGroupResponse),
    /// Consumer → coordinator: the leader's assignments, or a follower's wait for its own.
    SyncGroup(SyncGroupRequest),
    /// Coordinator → consumer: its assignment.
    SyncGroupResponse(SyncGroupResponse),
    /// Consumer → coordinator: still alive.
    Heartbeat(HeartbeatRequest),
    /// Coordinator → consumer.
    HeartbeatResponse(HeartbeatResponse),
    /// Consumer → coordinator: leaving.
    LeaveGroup(LeaveGroupRequest),
    /// Coordinator → consumer.
    LeaveGroupResponse(LeaveGroupResponse),
    /// Consumer → coordinator: commit offsets.
    OffsetCommit(OffsetCommitRequest),
    /// Coordinator → consumer.
    OffsetCommitResponse(OffsetCommitResponse),
    /// Consumer → coordinator: committed offsets.
    OffsetFetch(OffsetFetchRequest),
    /// Coordinator → consumer.
    OffsetFetchResponse(OffsetFetchResponse),
    /// Client → leader: an offset by timestamp, or the earliest/latest.
    ListOffsets(ListOffsetsRequest),
    /// Leader → client.
    ListOffsetsResponse(ListOffsetsResponse),
    /// Broker → controller: create a topic (`__consumer_offsets` on first use).
    CreateTopic(CreateTopicRequest),
    /// Controller → broker.
    CreateTopicResponse(CreateTopicResponse),
    /// Producer → transaction coordinator: partitions join the open transaction.
    AddPartitionsToTxn(AddPartitionsToTxnRequest),
    /// Transaction coordinator → producer.
    AddPartitionsToTxnResponse(AddPartitionsToTxnResponse),
    /// Producer → transaction coordinator: a group's offsets join the open transaction.
    AddOffsetsToTxn(AddOffsetsToTxnRequest),
    /// Transaction coordinator → producer.
    AddOffsetsToTxnResponse(AddOffsetsToTxnResponse),
    /// Producer → transaction coordinator: commit or abort.
    EndTxn(EndTxnRequest),
    /// Transaction coordinator → producer.
    EndTxnResponse(EndTxnResponse),
    /// Transaction coordinator → partition leader: write a COMMIT/ABORT marker.
    WriteTxnMarker(WriteTxnMarkerRequest),
    /// Partition leader → transaction coordinator.
    WriteTxnMarkerResponse(WriteTxnMarkerResponse),
    /// Producer → group coordinator: offsets that commit with the transaction.
    TxnOffsetCommit(TxnOffsetCommitRequest),
    /// Group coordinator → producer.
    TxnOffsetCommitResponse(TxnOffsetCommitResponse),
}

//! The consumer-group and offset APIs, modelled on Kafka's classic group protocol (one struct per
//! request and response; `Message` carries them). Field names follow Kafka's JSON message schemas.
//!
//! Group protocol metadata (a member's subscription, its assignment) travels as opaque bytes, as on
//! Kafka's wire: the coordinator never interprets them; consumers encode them with
//! [`crate::group::consumer_protocol`]. Committed offsets and group metadata are stored by the
//! coordinator as records in the modelled `__consumer_offsets` topic.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ErrorCode;
use crate::node::BrokerId;
use crate::replication::config::TopicConfig;
use crate::replication::messages::TopicPartition;

/// FindCoordinator (key type GROUP): which broker coordinates `key`'s group.
#[derive(Clone, Debug, PartialEq)]
pub struct FindCoordinatorRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The `group.id`, or the `transactional.id`.
    pub key: String,
    /// Which kind of coordinator.
    pub key_type: CoordinatorType,
}

/// FindCoordinator's `key_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CoordinatorType {
    /// A consumer group's coordinator (`__consumer_offsets`).
    #[default]
    Group,
    /// A transactional id's coordinator (`__transaction_state`).
    Transaction,
}

/// The answer to [`FindCoordinatorRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct FindCoordinatorResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, or `COORDINATOR_NOT_AVAILABLE` (no leader for the group's `__consumer_offsets`
    /// partition yet, or the topic is still being created), `INVALID_GROUP_ID`…
    pub error: ErrorCode,
    /// The coordinator's broker id (the leader of `__consumer_offsets` partition
    /// `abs(hash(group.id)) % offsets.topic.num.partitions`), or -1 on error.
    pub node_id: BrokerId,
}

/// One protocol a member supports, with its metadata (for consumers: an encoded subscription).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroupProtocol {
    /// The assignor's name (`range`, `cooperative-sticky`…).
    pub name: String,
    /// Opaque to the coordinator.
    pub metadata: Vec<u8>,
}

/// JoinGroup (v5+ semantics: KIP-394 member ids, KIP-345 `group.instance.id`).
#[derive(Clone, Debug, PartialEq)]
pub struct JoinGroupRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The `group.id`.
    pub group_id: String,
    /// `session.timeout.ms`: the member is removed after this long without a heartbeat.
    pub session_timeout_ms: u64,
    /// `max.poll.interval.ms` for consumers: how long the coordinator waits for the member to rejoin
    /// during a rebalance.
    pub rebalance_timeout_ms: u64,
    /// The member id the coordinator gave, or `""` for a new member (KIP-394: the coordinator answers
    /// `MEMBER_ID_REQUIRED` with an id to join again with).
    pub member_id: String,
    /// `group.instance.id` for a static member (KIP-345), else `None`.
    pub group_instance_id: Option<String>,
    /// `"consumer"` for consumers.
    pub protocol_type: String,
    /// Supported protocols in preference order.
    pub protocols: Vec<JoinGroupProtocol>,
}

/// A member as the group leader sees it in [`JoinGroupResponse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroupMember {
    /// The member id.
    pub member_id: String,
    /// Its `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// Its metadata for the chosen protocol.
    pub metadata: Vec<u8>,
}

/// The answer to [`JoinGroupRequest`], sent when the rebalance's join phase completes.
#[derive(Clone, Debug, PartialEq)]
pub struct JoinGroupResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, `MEMBER_ID_REQUIRED` (with `member_id` set), `UNKNOWN_MEMBER_ID`,
    /// `INCONSISTENT_GROUP_PROTOCOL`, `INVALID_SESSION_TIMEOUT`, `FENCED_INSTANCE_ID`,
    /// `GROUP_MAX_SIZE_REACHED`, `NOT_COORDINATOR`, `COORDINATOR_LOAD_IN_PROGRESS`…
    pub error: ErrorCode,
    /// The new generation, or -1 on error.
    pub generation_id: i32,
    /// The chosen protocol (assignor name), if any.
    pub protocol_name: Option<String>,
    /// The leader's member id.
    pub leader: String,
    /// This member's id (also set with `MEMBER_ID_REQUIRED`).
    pub member_id: String,
    /// Every member with its metadata, for the leader only (empty for followers).
    pub members: Vec<JoinGroupMember>,
}

/// One member's assignment, sent by the leader in [`SyncGroupRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncGroupAssignment {
    /// The member.
    pub member_id: String,
    /// Opaque to the coordinator (for consumers: an encoded assignment).
    pub assignment: Vec<u8>,
}

/// SyncGroup: the leader sends every member's assignment; followers send none and wait for theirs.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncGroupRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The `group.id`.
    pub group_id: String,
    /// The generation from JoinGroup.
    pub generation_id: i32,
    /// The member id.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// The leader's assignments (empty from followers).
    pub assignments: Vec<SyncGroupAssignment>,
}

/// The answer to [`SyncGroupRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct SyncGroupResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, `ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`, `REBALANCE_IN_PROGRESS`, `FENCED_INSTANCE_ID`,
    /// `NOT_COORDINATOR`…
    pub error: ErrorCode,
    /// This member's assignment (empty on error).
    pub assignment: Vec<u8>,
}

/// Heartbeat: the member is alive (sent every `heartbeat.interval.ms`).
#[derive(Clone, Debug, PartialEq)]
pub struct HeartbeatRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The `group.id`.
    pub group_id: String,
    /// The member's generation.
    pub generation_id: i32,
    /// The member id.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
}

/// The answer to [`HeartbeatRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct HeartbeatResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, `REBALANCE_IN_PROGRESS` (rejoin), `ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`,
    /// `FENCED_INSTANCE_ID`, `NOT_COORDINATOR`…
    pub error: ErrorCode,
}

/// LeaveGroup (v3+: a list of members, KIP-345).
#[derive(Clone, Debug, PartialEq)]
pub struct LeaveGroupRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The `group.id`.
    pub group_id: String,
    /// The member id leaving.
    pub member_id: String,
    /// `group.instance.id`, if static (static members leave only when told to explicitly).
    pub group_instance_id: Option<String>,
    /// Why (KIP-800), for the coordinator's log: `"the consumer is being closed"`…
    pub reason: String,
}

/// The answer to [`LeaveGroupRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct LeaveGroupResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, `UNKNOWN_MEMBER_ID`, `FENCED_INSTANCE_ID`, `NOT_COORDINATOR`…
    pub error: ErrorCode,
}

/// A committed offset: the *next* offset to consume, with the leader epoch of the last consumed
/// record (KIP-320) and free-form metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetAndMetadata {
    /// The next offset the group will read (last processed + 1).
    pub offset: i64,
    /// The leader epoch of the last consumed record, or -1 when unknown.
    pub leader_epoch: i32,
    /// Application metadata (`OffsetAndMetadata.metadata`), usually empty.
    pub metadata: String,
}

/// OffsetCommit: store offsets for a group. With `generation_id` -1 and an empty `member_id` it is
/// a "simple" commit from a consumer that uses `assign()` (allowed only while the group is empty).
#[derive(Clone, Debug, PartialEq)]
pub struct OffsetCommitRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The `group.id`.
    pub group_id: String,
    /// The member's generation, or -1.
    pub generation_id: i32,
    /// The member id, or `""`.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// The offsets, by partition.
    pub offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
}

/// The answer to [`OffsetCommitRequest`]: an error per partition, as in Kafka.
#[derive(Clone, Debug, PartialEq)]
pub struct OffsetCommitResponse {
    /// From the request.
    pub correlation_id: u64,
    /// Per partition: `NONE`, `ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`, `REBALANCE_IN_PROGRESS`,
    /// `COORDINATOR_NOT_AVAILABLE` (the append to `__consumer_offsets` failed), `NOT_COORDINATOR`,
    /// `REQUEST_TIMED_OUT`, `OFFSET_METADATA_TOO_LARGE`…
    pub results: Vec<(TopicPartition, ErrorCode)>,
}

/// OffsetFetch: the group's committed offsets.
#[derive(Clone, Debug, PartialEq)]
pub struct OffsetFetchRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The `group.id`.
    pub group_id: String,
    /// The partitions wanted, or `None` for every partition with a committed offset.
    pub partitions: Option<Vec<TopicPartition>>,
    /// KIP-447: a partition with offsets of an open transaction is answered `UNSTABLE_OFFSET_COMMIT`
    /// (read_committed consumers ask so, and retry).
    pub require_stable: bool,
}

/// One partition in [`OffsetFetchResponse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetFetchPartition {
    /// The partition.
    pub tp: TopicPartition,
    /// The committed offset, or `None` when the group has none for it (Kafka sends offset -1).
    pub committed: Option<OffsetAndMetadata>,
    /// Per-partition error (`NONE` normally).
    pub error: ErrorCode,
}

/// The answer to [`OffsetFetchRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct OffsetFetchResponse {
    /// From the request.
    pub correlation_id: u64,
    /// `NONE`, `NOT_COORDINATOR`, `COORDINATOR_LOAD_IN_PROGRESS`…
    pub error: ErrorCode,
    /// The partitions.
    pub partitions: Vec<OffsetFetchPartition>,
}

/// ListOffsets `timestamp` meaning "the latest offset" (Kafka's `ListOffsetsRequest.LATEST_TIMESTAMP`).
pub const LATEST_TIMESTAMP: i64 = -1;
/// ListOffsets `timestamp` meaning "the earliest offset" (`ListOffsetsRequest.EARLIEST_TIMESTAMP`).
pub const EARLIEST_TIMESTAMP: i64 = -2;

/// ListOffsets for one partition, sent to its leader: the offset for a timestamp, or the earliest or
/// latest offset (KIP-79).
#[derive(Clone, Debug, PartialEq)]
pub struct ListOffsetsRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The partition.
    pub tp: TopicPartition,
    /// The caller's idea of the leader epoch (KIP-320), or -1.
    pub current_leader_epoch: i32,
    /// [`LATEST_TIMESTAMP`], [`EARLIEST_TIMESTAMP`], or a timestamp in ms: the first offset whose
    /// record timestamp is at or after it.
    pub timestamp: i64,
    /// `read_committed` asks for the last stable offset as the latest offset.
    pub isolation_level: crate::client::consumer_config::IsolationLevel,
}

/// The answer to [`ListOffsetsRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct ListOffsetsResponse {
    /// From the request.
    pub correlation_id: u64,
    /// The partition.
    pub tp: TopicPartition,
    /// `NONE`, `NOT_LEADER_OR_FOLLOWER`, `FENCED_LEADER_EPOCH`, `UNKNOWN_LEADER_EPOCH`,
    /// `UNKNOWN_TOPIC_OR_PARTITION`…
    pub error: ErrorCode,
    /// The found record's timestamp, or -1 (for earliest/latest, and when no record is that late).
    pub timestamp: i64,
    /// The offset: for latest, the high watermark (what a `read_uncommitted` client may read up to);
    /// for earliest, the log start offset; for a timestamp, the first offset at or after it, or -1
    /// when no record is that late.
    pub offset: i64,
    /// The leader epoch of the found offset, or -1.
    pub leader_epoch: i32,
}

/// CreateTopics for one topic, broker → controller (Kafka forwards it, KIP-590). Brokers use it to
/// create `__consumer_offsets` on the first FindCoordinator, as Kafka does.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTopicRequest {
    /// Matches the response to the request.
    pub correlation_id: u64,
    /// The topic.
    pub name: String,
    /// Partitions.
    pub partitions: i32,
    /// `replication.factor`; with fewer registered brokers the controller refuses
    /// (`INVALID_REPLICATION_FACTOR`), as Kafka does for `offsets.topic.replication.factor`.
    pub replication_factor: u32,
    /// Its configs.
    pub config: TopicConfig,
}

/// The answer to [`CreateTopicRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTopicResponse {
    /// From the request.
    pub correlation_id: u64,
    /// The topic.
    pub name: String,
    /// `NONE`, `TOPIC_ALREADY_EXISTS`, `INVALID_REPLICATION_FACTOR`, `NOT_CONTROLLER`…
    pub error: ErrorCode,
}

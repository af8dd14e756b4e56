//! [`Api`]: which Kafka API a message belongs to, so the trace says what travelled without copying the
//! payload.

use samsa_core::replication::messages::Message;
use serde::{Deserialize, Serialize};

/// Which API a message belongs to (Kafka's request names), so the trace says what travelled without
/// copying the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Api {
    /// `MetadataRequest`.
    MetadataRequest,
    /// `MetadataResponse`.
    MetadataResponse,
    /// `Produce`.
    Produce,
    /// `ProduceResponse`.
    ProduceResponse,
    /// `Fetch`.
    Fetch,
    /// `FetchResponse`.
    FetchResponse,
    /// `OffsetsForLeaderEpoch`.
    OffsetsForLeaderEpoch,
    /// `OffsetsForLeaderEpochResponse`.
    OffsetsForLeaderEpochResponse,
    /// `BrokerHeartbeat`.
    BrokerHeartbeat,
    /// `BrokerHeartbeatResponse`.
    BrokerHeartbeatResponse,
    /// `AlterPartition`.
    AlterPartition,
    /// `AlterPartitionResponse`.
    AlterPartitionResponse,
    /// `InitProducerId`.
    InitProducerId,
    /// `InitProducerIdResponse`.
    InitProducerIdResponse,
    /// `AllocateProducerIds`.
    AllocateProducerIds,
    /// `AllocateProducerIdsResponse`.
    AllocateProducerIdsResponse,
    /// `FindCoordinator`.
    FindCoordinator,
    /// `FindCoordinatorResponse`.
    FindCoordinatorResponse,
    /// `JoinGroup`.
    JoinGroup,
    /// `JoinGroupResponse`.
    JoinGroupResponse,
    /// `SyncGroup`.
    SyncGroup,
    /// `SyncGroupResponse`.
    SyncGroupResponse,
    /// `Heartbeat`.
    Heartbeat,
    /// `HeartbeatResponse`.
    HeartbeatResponse,
    /// `LeaveGroup`.
    LeaveGroup,
    /// `LeaveGroupResponse`.
    LeaveGroupResponse,
    /// `OffsetCommit`.
    OffsetCommit,
    /// `OffsetCommitResponse`.
    OffsetCommitResponse,
    /// `OffsetFetch`.
    OffsetFetch,
    /// `OffsetFetchResponse`.
    OffsetFetchResponse,
    /// `ListOffsets`.
    ListOffsets,
    /// `ListOffsetsResponse`.
    ListOffsetsResponse,
    /// `CreateTopics`.
    CreateTopics,
    /// `CreateTopicsResponse`.
    CreateTopicsResponse,
    /// `AddPartitionsToTxn`.
    AddPartitionsToTxn,
    /// `AddPartitionsToTxnResponse`.
    AddPartitionsToTxnResponse,
    /// `AddOffsetsToTxn`.
    AddOffsetsToTxn,
    /// `AddOffsetsToTxnResponse`.
    AddOffsetsToTxnResponse,
    /// `EndTxn`.
    EndTxn,
    /// `EndTxnResponse`.
    EndTxnResponse,
    /// `WriteTxnMarkers`.
    WriteTxnMarkers,
    /// `WriteTxnMarkersResponse`.
    WriteTxnMarkersResponse,
    /// `TxnOffsetCommit`.
    TxnOffsetCommit,
    /// `TxnOffsetCommitResponse`.
    TxnOffsetCommitResponse,
}

impl Api {
    /// The API of `message`.
    pub fn of(message: &Message) -> Api {
        match message {
            Message::MetadataRequest { .. } => Api::MetadataRequest,
            Message::MetadataResponse { .. } => Api::MetadataResponse,
            Message::Produce(_) => Api::Produce,
            Message::ProduceResponse(_) => Api::ProduceResponse,
            Message::Fetch(_) => Api::Fetch,
            Message::FetchResponse(_) => Api::FetchResponse,
            Message::OffsetsForLeaderEpoch { .. } => Api::OffsetsForLeaderEpoch,
            Message::OffsetsForLeaderEpochResponse { .. } => Api::OffsetsForLeaderEpochResponse,
            Message::BrokerHeartbeat { .. } => Api::BrokerHeartbeat,
            Message::BrokerHeartbeatResponse { .. } => Api::BrokerHeartbeatResponse,
            Message::AlterPartition { .. } => Api::AlterPartition,
            Message::AlterPartitionResponse { .. } => Api::AlterPartitionResponse,
            Message::InitProducerId(_) => Api::InitProducerId,
            Message::InitProducerIdResponse(_) => Api::InitProducerIdResponse,
            Message::AllocateProducerIds { .. } => Api::AllocateProducerIds,
            Message::AllocateProducerIdsResponse { .. } => Api::AllocateProducerIdsResponse,
            Message::FindCoordinator(_) => Api::FindCoordinator,
            Message::FindCoordinatorResponse(_) => Api::FindCoordinatorResponse,
            Message::JoinGroup(_) => Api::JoinGroup,
            Message::JoinGroupResponse(_) => Api::JoinGroupResponse,
            Message::SyncGroup(_) => Api::SyncGroup,
            Message::SyncGroupResponse(_) => Api::SyncGroupResponse,
            Message::Heartbeat(_) => Api::Heartbeat,
            Message::HeartbeatResponse(_) => Api::HeartbeatResponse,
            Message::LeaveGroup(_) => Api::LeaveGroup,
            Message::LeaveGroupResponse(_) => Api::LeaveGroupResponse,
            Message::OffsetCommit(_) => Api::OffsetCommit,
            Message::OffsetCommitResponse(_) => Api::OffsetCommitResponse,
            Message::OffsetFetch(_) => Api::OffsetFetch,
            Message::OffsetFetchResponse(_) => Api::OffsetFetchResponse,
            Message::ListOffsets(_) => Api::ListOffsets,
            Message::ListOffsetsResponse(_) => Api::ListOffsetsResponse,
            Message::CreateTopic(_) => Api::CreateTopics,
            Message::CreateTopicResponse(_) => Api::CreateTopicsResponse,
            Message::AddPartitionsToTxn(_) => Api::AddPartitionsToTxn,
            Message::AddPartitionsToTxnResponse(_) => Api::AddPartitionsToTxnResponse,
            Message::AddOffsetsToTxn(_) => Api::AddOffsetsToTxn,
            Message::AddOffsetsToTxnResponse(_) => Api::AddOffsetsToTxnResponse,
            Message::EndTxn(_) => Api::EndTxn,
            Message::EndTxnResponse(_) => Api::EndTxnResponse,
            Message::WriteTxnMarker(_) => Api::WriteTxnMarkers,
            Message::WriteTxnMarkerResponse(_) => Api::WriteTxnMarkersResponse,
            Message::TxnOffsetCommit(_) => Api::TxnOffsetCommit,
            Message::TxnOffsetCommitResponse(_) => Api::TxnOffsetCommitResponse,
        }
    }
}

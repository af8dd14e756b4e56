//! Consumer groups (the classic protocol): FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
//! LeaveGroup, OffsetCommit and OffsetFetch, each mapped to samsa-core's group coordinator request and
//! back. The coordinator is the leader of the group's `__consumer_offsets` partition; a request that
//! reaches another broker gets `NOT_COORDINATOR` from samsa-core and the client looks again. JoinGroup
//! waits as long as the rebalance may take (`rebalance.timeout.ms`), as Kafka holds it.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponsePartition, OffsetFetchResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId, FindCoordinatorRequest, FindCoordinatorResponse, HeartbeatRequest, HeartbeatResponse,
    JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, OffsetCommitRequest,
    OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;
use samsa_core::group::messages as core;
use samsa_core::replication::messages::{Message, TopicPartition};
use samsa_core::ErrorCode;

use super::{Connection, ANSWER_GRACE_MS};

/// Sends one core request and waits up to `timeout_ms` for its answer.
async fn ask(
    conn: &mut Connection,
    correlation_id: u64,
    message: Message,
    timeout_ms: u64,
) -> Option<Message> {
    conn.exchange(vec![(correlation_id, message)], timeout_ms).await.remove(&correlation_id)
}

fn text(s: &StrBytes) -> String {
    s.to_string()
}

fn bytes_of(s: String) -> StrBytes {
    StrBytes::from_string(s)
}

/// FindCoordinator: v0–v3 ask for one key, v4 for a list (KIP-699); key type 0 is a group, 1 a
/// transactional id.
pub async fn find_coordinator(
    conn: &mut Connection,
    request: FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    let key_type =
        if request.key_type == 1 { core::CoordinatorType::Transaction } else { core::CoordinatorType::Group };
    let keys: Vec<StrBytes> =
        if version >= 4 { request.coordinator_keys.clone() } else { vec![request.key.clone()] };
    let mut found = Vec::new();
    for key in keys {
        let correlation_id = conn.correlation();
        let core = core::FindCoordinatorRequest { correlation_id, key: text(&key), key_type };
        let answer = ask(conn, correlation_id, Message::FindCoordinator(core), ANSWER_GRACE_MS).await;
        let mut coordinator = Coordinator::default();
        coordinator.key = key;
        coordinator.node_id = BrokerId(-1);
        coordinator.port = -1;
        match answer {
            Some(Message::FindCoordinatorResponse(answer)) => {
                coordinator.error_code = answer.error.code();
                if answer.error == ErrorCode::None {
                    coordinator.node_id = BrokerId(answer.node_id);
                    coordinator.host = bytes_of(conn.config.host.clone());
                    coordinator.port = i32::from(conn.config.port_of(answer.node_id));
                }
            }
            _ => coordinator.error_code = ErrorCode::CoordinatorNotAvailable.code(),
        }
        found.push(coordinator);
    }
    let mut response = FindCoordinatorResponse::default();
    if version < 4 {
        if let Some(c) = found.first() {
            response.error_code = c.error_code;
            response.node_id = c.node_id;
            response.host = c.host.clone();
            response.port = c.port;
        }
    } else {
        response.coordinators = found;
    }
    response
}

/// JoinGroup.
pub async fn join_group(conn: &mut Connection, request: JoinGroupRequest, version: i16) -> JoinGroupResponse {
    let correlation_id = conn.correlation();
    let session_timeout_ms = u64::try_from(request.session_timeout_ms).unwrap_or(0);
    // v0 had no rebalance timeout: it was the session timeout.
    let rebalance_timeout_ms = if version == 0 {
        session_timeout_ms
    } else {
        u64::try_from(request.rebalance_timeout_ms).unwrap_or(0)
    };
    let core = core::JoinGroupRequest {
        correlation_id,
        group_id: text(&request.group_id.0),
        session_timeout_ms,
        rebalance_timeout_ms,
        member_id: text(&request.member_id),
        group_instance_id: request.group_instance_id.as_ref().map(text),
        protocol_type: text(&request.protocol_type),
        protocols: request
            .protocols
            .iter()
            .map(|p| core::JoinGroupProtocol { name: text(&p.name), metadata: p.metadata.to_vec() })
            .collect(),
    };
    let timeout_ms = rebalance_timeout_ms.max(session_timeout_ms).saturating_add(ANSWER_GRACE_MS);
    let mut response = JoinGroupResponse::default();
    response.generation_id = -1;
    match ask(conn, correlation_id, Message::JoinGroup(core), timeout_ms).await {
        Some(Message::JoinGroupResponse(answer)) => {
            response.error_code = answer.error.code();
            response.generation_id = answer.generation_id;
            if version >= 7 {
                response.protocol_type = Some(request.protocol_type.clone());
            }
            response.protocol_name = answer.protocol_name.map(bytes_of);
            response.leader = bytes_of(answer.leader);
            response.member_id = bytes_of(answer.member_id);
            response.members = answer
                .members
                .into_iter()
                .map(|m| {
                    let mut member = JoinGroupResponseMember::default();
                    member.member_id = bytes_of(m.member_id);
                    member.group_instance_id = m.group_instance_id.map(bytes_of);
                    member.metadata = m.metadata.into();
                    member
                })
                .collect();
        }
        _ => response.error_code = ErrorCode::RequestTimedOut.code(),
    }
    response
}

/// SyncGroup.
pub async fn sync_group(conn: &mut Connection, request: SyncGroupRequest) -> SyncGroupResponse {
    let correlation_id = conn.correlation();
    let core = core::SyncGroupRequest {
        correlation_id,
        group_id: text(&request.group_id.0),
        generation_id: request.generation_id,
        member_id: text(&request.member_id),
        group_instance_id: request.group_instance_id.as_ref().map(text),
        assignments: request
            .assignments
            .iter()
            .map(|a| core::SyncGroupAssignment {
                member_id: text(&a.member_id),
                assignment: a.assignment.to_vec(),
            })
            .collect(),
    };
    let mut response = SyncGroupResponse::default();
    response.protocol_type = request.protocol_type.clone();
    response.protocol_name = request.protocol_name.clone();
    // The leader's assignment may wait for the group's state to be written; a follower's for the leader.
    let timeout_ms = conn.config.broker.request_timeout_ms.saturating_add(ANSWER_GRACE_MS);
    match ask(conn, correlation_id, Message::SyncGroup(core), timeout_ms).await {
        Some(Message::SyncGroupResponse(answer)) => {
            response.error_code = answer.error.code();
            response.assignment = answer.assignment.into();
        }
        _ => response.error_code = ErrorCode::RequestTimedOut.code(),
    }
    response
}

/// Heartbeat.
pub async fn heartbeat(conn: &mut Connection, request: HeartbeatRequest) -> HeartbeatResponse {
    let correlation_id = conn.correlation();
    let core = core::HeartbeatRequest {
        correlation_id,
        group_id: text(&request.group_id.0),
        generation_id: request.generation_id,
        member_id: text(&request.member_id),
        group_instance_id: request.group_instance_id.as_ref().map(text),
    };
    let mut response = HeartbeatResponse::default();
    response.error_code = match ask(conn, correlation_id, Message::Heartbeat(core), ANSWER_GRACE_MS).await {
        Some(Message::HeartbeatResponse(answer)) => answer.error.code(),
        _ => ErrorCode::RequestTimedOut.code(),
    };
    response
}

/// LeaveGroup: v0–v2 name one member, v3+ a batch (KIP-345); each leaves in turn.
pub async fn leave_group(
    conn: &mut Connection,
    request: LeaveGroupRequest,
    version: i16,
) -> LeaveGroupResponse {
    let group_id = text(&request.group_id.0);
    let leaving: Vec<(String, Option<String>, String)> = if version < 3 {
        vec![(text(&request.member_id), None, String::new())]
    } else {
        request
            .members
            .iter()
            .map(|m| {
                (
                    text(&m.member_id),
                    m.group_instance_id.as_ref().map(text),
                    m.reason.as_ref().map(text).unwrap_or_default(),
                )
            })
            .collect()
    };
    let mut response = LeaveGroupResponse::default();
    for (member_id, group_instance_id, reason) in leaving {
        let correlation_id = conn.correlation();
        let core = core::LeaveGroupRequest {
            correlation_id,
            group_id: group_id.clone(),
            member_id: member_id.clone(),
            group_instance_id: group_instance_id.clone(),
            reason,
        };
        let error = match ask(conn, correlation_id, Message::LeaveGroup(core), ANSWER_GRACE_MS).await {
            Some(Message::LeaveGroupResponse(answer)) => answer.error.code(),
            _ => ErrorCode::RequestTimedOut.code(),
        };
        if version < 3 {
            response.error_code = error;
        } else {
            let mut member = MemberResponse::default();
            member.member_id = bytes_of(member_id);
            member.group_instance_id = group_instance_id.map(bytes_of);
            member.error_code = error;
            response.members.push(member);
        }
    }
    response
}

/// OffsetCommit.
pub async fn offset_commit(conn: &mut Connection, request: OffsetCommitRequest) -> OffsetCommitResponse {
    let correlation_id = conn.correlation();
    let offsets: Vec<(TopicPartition, core::OffsetAndMetadata)> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(move |p| {
                let tp = TopicPartition { topic: t.name.0.to_string(), partition: p.partition_index };
                let offset = core::OffsetAndMetadata {
                    offset: p.committed_offset,
                    leader_epoch: p.committed_leader_epoch,
                    metadata: p.committed_metadata.as_ref().map(text).unwrap_or_default(),
                };
                (tp, offset)
            })
        })
        .collect();
    let core = core::OffsetCommitRequest {
        correlation_id,
        group_id: text(&request.group_id.0),
        generation_id: request.generation_id_or_member_epoch,
        member_id: text(&request.member_id),
        group_instance_id: request.group_instance_id.as_ref().map(text),
        offsets,
    };
    let timeout_ms = conn.config.broker.offsets_commit_timeout_ms.saturating_add(ANSWER_GRACE_MS);
    let results = match ask(conn, correlation_id, Message::OffsetCommit(core), timeout_ms).await {
        Some(Message::OffsetCommitResponse(answer)) => answer.results,
        _ => Vec::new(),
    };
    let mut response = OffsetCommitResponse::default();
    for topic in &request.topics {
        let mut out = OffsetCommitResponseTopic::default();
        out.name = topic.name.clone();
        for partition in &topic.partitions {
            let mut p = OffsetCommitResponsePartition::default();
            p.partition_index = partition.partition_index;
            p.error_code = results
                .iter()
                .find(|(tp, _)| {
                    tp.topic == topic.name.0.as_str() && tp.partition == partition.partition_index
                })
                .map_or(ErrorCode::RequestTimedOut.code(), |(_, e)| e.code());
            out.partitions.push(p);
        }
        response.topics.push(out);
    }
    response
}

/// OffsetFetch (v1–v7: one group; `topics` null asks for every committed partition).
pub async fn offset_fetch(
    conn: &mut Connection,
    request: OffsetFetchRequest,
    version: i16,
) -> OffsetFetchResponse {
    let correlation_id = conn.correlation();
    let partitions: Option<Vec<TopicPartition>> = request.topics.as_ref().map(|topics| {
        topics
            .iter()
            .flat_map(|t| {
                t.partition_indexes
                    .iter()
                    .map(move |&partition| TopicPartition { topic: t.name.0.to_string(), partition })
            })
            .collect()
    });
    let core = core::OffsetFetchRequest {
        correlation_id,
        group_id: text(&request.group_id.0),
        partitions,
        require_stable: request.require_stable,
    };
    let mut response = OffsetFetchResponse::default();
    let answer = match ask(conn, correlation_id, Message::OffsetFetch(core), ANSWER_GRACE_MS).await {
        Some(Message::OffsetFetchResponse(answer)) => answer,
        _ => {
            if version >= 2 {
                response.error_code = ErrorCode::RequestTimedOut.code();
            }
            return response;
        }
    };
    if version >= 2 {
        response.error_code = answer.error.code();
    }
    let mut topics: Vec<OffsetFetchResponseTopic> = Vec::new();
    for partition in answer.partitions {
        let index = match topics.iter().position(|t| t.name.0.as_str() == partition.tp.topic) {
            Some(index) => index,
            None => {
                let mut topic = OffsetFetchResponseTopic::default();
                topic.name = TopicName(bytes_of(partition.tp.topic.clone()));
                topics.push(topic);
                topics.len() - 1
            }
        };
        let mut p = OffsetFetchResponsePartition::default();
        p.partition_index = partition.tp.partition;
        p.error_code = partition.error.code();
        p.committed_offset = partition.committed.as_ref().map_or(-1, |c| c.offset);
        if version >= 5 {
            p.committed_leader_epoch = partition.committed.as_ref().map_or(-1, |c| c.leader_epoch);
        }
        p.metadata = Some(bytes_of(partition.committed.map(|c| c.metadata).unwrap_or_default()));
        if let Some(topic) = topics.get_mut(index) {
            topic.partitions.push(p);
        }
    }
    response.topics = topics;
    response
}

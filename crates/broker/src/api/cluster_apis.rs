//! The admin-client APIs: CreateTopics, DeleteTopics, CreatePartitions, DescribeCluster, ListGroups, DescribeGroups, and the client's
//! OffsetForLeaderEpoch (KIP-320: a consumer checks its position against the leader's epochs after a
//! leader change and detects truncation).

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::offset_for_leader_epoch_response::{
    EpochEndOffset, OffsetForLeaderTopicResult,
};
use kafka_protocol::messages::{
    BrokerId, CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    DeleteTopicsRequest, DeleteTopicsResponse, DescribeClusterRequest, DescribeClusterResponse,
    DescribeGroupsRequest, DescribeGroupsResponse, GroupId, ListGroupsRequest, ListGroupsResponse,
    OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use samsa_core::replication::messages::{Message, TopicPartition};
use samsa_core::ErrorCode;
use tokio::sync::oneshot;

use super::{Connection, ANSWER_GRACE_MS};
use crate::cluster::{Command, GroupSummary, MetadataView, NewTopic};

async fn groups(conn: &Connection) -> Vec<GroupSummary> {
    let (reply, answer) = oneshot::channel();
    if conn.cluster.send(Command::Groups { broker: conn.broker, reply }).await {
        answer.await.unwrap_or_default()
    } else {
        Vec::new()
    }
}

/// CreateTopics.
pub async fn create_topics(
    conn: &mut Connection,
    request: CreateTopicsRequest,
    version: i16,
) -> CreateTopicsResponse {
    let topics: Vec<NewTopic> = request
        .topics
        .iter()
        .map(|t| NewTopic {
            name: t.name.0.to_string(),
            partitions: t.num_partitions,
            replication_factor: t.replication_factor,
            configs: t
                .configs
                .iter()
                .filter_map(|c| c.value.as_ref().map(|v| (c.name.to_string(), v.to_string())))
                .collect(),
        })
        .collect();
    let (reply, answer) = oneshot::channel();
    let command = Command::CreateTopics { topics, validate_only: request.validate_only, reply };
    let results =
        if conn.cluster.send(command).await { answer.await.unwrap_or_default() } else { Vec::new() };
    let mut response = CreateTopicsResponse::default();
    for topic in &request.topics {
        let mut out = CreatableTopicResult::default();
        out.name = topic.name.clone();
        let result = results.iter().find(|(name, _, _)| name.as_str() == topic.name.0.as_str());
        let (error, message) =
            result.map_or((ErrorCode::RequestTimedOut, String::new()), |(_, e, m)| (*e, m.clone()));
        out.error_code = error.code();
        if version >= 1 && !message.is_empty() {
            out.error_message = Some(StrBytes::from_string(message));
        }
        if version >= 5 && error == ErrorCode::None {
            out.num_partitions = topic.num_partitions;
            out.replication_factor = topic.replication_factor;
        }
        response.topics.push(out);
    }
    response
}

/// CreatePartitions: grows topics (samsa-core's controller assigns the new partitions' replicas; a
/// manual `assignments` list is refused with `INVALID_REQUEST`).
pub async fn create_partitions(
    conn: &mut Connection,
    request: CreatePartitionsRequest,
) -> CreatePartitionsResponse {
    let mut response = CreatePartitionsResponse::default();
    for topic in &request.topics {
        let mut result = CreatePartitionsTopicResult::default();
        result.name = topic.name.clone();
        let (error, message) = if topic.assignments.is_some() {
            (ErrorCode::InvalidRequest, "manual replica assignments are not supported".to_owned())
        } else {
            let (reply, answer) = oneshot::channel();
            let command = Command::CreatePartitions {
                topic: topic.name.0.to_string(),
                count: topic.count,
                validate_only: request.validate_only,
                reply,
            };
            let outcome = if conn.cluster.send(command).await { answer.await.ok() } else { None };
            outcome.unwrap_or((ErrorCode::RequestTimedOut, String::new()))
        };
        result.error_code = error.code();
        if !message.is_empty() {
            result.error_message = Some(StrBytes::from_string(message));
        }
        response.results.push(result);
    }
    response
}

/// DeleteTopics (v1–v5 name topics; v6 may name them by id, which samsa does not model: refused).
pub async fn delete_topics(
    conn: &mut Connection,
    request: DeleteTopicsRequest,
    version: i16,
) -> DeleteTopicsResponse {
    let names: Vec<Option<String>> = if version >= 6 {
        request.topics.iter().map(|t| t.name.as_ref().map(|n| n.0.to_string())).collect()
    } else {
        request.topic_names.iter().map(|n| Some(n.0.to_string())).collect()
    };
    let (reply, answer) = oneshot::channel();
    let command = Command::DeleteTopics { topics: names.iter().flatten().cloned().collect(), reply };
    let results =
        if conn.cluster.send(command).await { answer.await.unwrap_or_default() } else { Vec::new() };
    let mut response = DeleteTopicsResponse::default();
    for name in names {
        let mut out = DeletableTopicResult::default();
        let error = match &name {
            Some(name) => {
                results.iter().find(|(n, _)| n == name).map_or(ErrorCode::RequestTimedOut, |(_, e)| *e)
            }
            None => ErrorCode::UnknownTopicId,
        };
        out.name = name.map(|n| TopicName(StrBytes::from_string(n)));
        out.error_code = error.code();
        if version >= 5 && error != ErrorCode::None {
            out.error_message = Some(StrBytes::from_static_str(error.description()));
        }
        response.responses.push(out);
    }
    response
}

/// DescribeCluster (KIP-700).
pub async fn describe_cluster(
    conn: &mut Connection,
    request: DescribeClusterRequest,
) -> DescribeClusterResponse {
    let (reply, answer) = oneshot::channel();
    let command =
        Command::Metadata { broker: conn.broker, topics: Some(Vec::new()), auto_create: false, reply };
    let view = if conn.cluster.send(command).await { answer.await.ok() } else { None };
    let view = view.unwrap_or(MetadataView { brokers: Vec::new(), topics: Vec::new() });
    let mut response = DescribeClusterResponse::default();
    response.cluster_id = StrBytes::from_static_str(super::metadata::CLUSTER_ID);
    if request.include_cluster_authorized_operations {
        response.cluster_authorized_operations = super::metadata::CLUSTER_OPERATIONS;
    }
    response.controller_id = BrokerId(view.brokers.first().copied().unwrap_or(-1));
    response.brokers = view
        .brokers
        .iter()
        .map(|&id| {
            let mut broker = DescribeClusterBroker::default();
            broker.broker_id = BrokerId(id);
            broker.host = StrBytes::from_string(conn.config.host.clone());
            broker.port = i32::from(conn.config.port_of(id));
            broker
        })
        .collect();
    response
}

/// ListGroups: the groups this broker coordinates (Kafka's admin client asks every broker).
pub async fn list_groups(
    conn: &mut Connection,
    request: ListGroupsRequest,
    version: i16,
) -> ListGroupsResponse {
    let mut response = ListGroupsResponse::default();
    for group in groups(conn).await {
        if !request.states_filter.is_empty()
            && !request.states_filter.iter().any(|s| s.as_str() == group.state)
        {
            continue;
        }
        let mut listed = ListedGroup::default();
        listed.group_id = GroupId(StrBytes::from_string(group.group_id));
        listed.protocol_type = StrBytes::from_string(group.protocol_type);
        if version >= 4 {
            listed.group_state = StrBytes::from_string(group.state);
        }
        if version >= 5 {
            listed.group_type = StrBytes::from_static_str("classic");
        }
        response.groups.push(listed);
    }
    response
}

/// DescribeGroups.
pub async fn describe_groups(
    conn: &mut Connection,
    request: DescribeGroupsRequest,
) -> DescribeGroupsResponse {
    let known = groups(conn).await;
    let mut response = DescribeGroupsResponse::default();
    for id in &request.groups {
        let mut out = DescribedGroup::default();
        out.group_id = id.clone();
        match known.iter().find(|g| g.group_id == id.0.as_str()) {
            Some(group) => {
                out.group_state = StrBytes::from_string(group.state.clone());
                out.protocol_type = StrBytes::from_string(group.protocol_type.clone());
                out.protocol_data = StrBytes::from_string(group.protocol.clone());
                out.members = group
                    .members
                    .iter()
                    .map(|(member_id, instance, client, assignment)| {
                        let mut m = DescribedGroupMember::default();
                        m.member_id = StrBytes::from_string(member_id.clone());
                        m.group_instance_id = instance.clone().map(StrBytes::from_string);
                        m.client_id = StrBytes::from_string(client.clone());
                        m.member_assignment = assignment.clone().into();
                        m
                    })
                    .collect();
            }
            // Kafka describes a group it coordinates but does not know as Dead; one it does not
            // coordinate is NOT_COORDINATOR (the admin client asks the coordinator first).
            None => out.group_state = StrBytes::from_static_str("Dead"),
        }
        response.groups.push(out);
    }
    response
}

/// OffsetForLeaderEpoch: where each asked epoch ends in the leader's log.
pub async fn offset_for_leader_epoch(
    conn: &mut Connection,
    request: OffsetForLeaderEpochRequest,
) -> OffsetForLeaderEpochResponse {
    let mut ids = Vec::new();
    let mut requests = Vec::new();
    for topic in &request.topics {
        for partition in &topic.partitions {
            let correlation_id = conn.correlation();
            ids.push(correlation_id);
            let message = Message::OffsetsForLeaderEpoch {
                correlation_id,
                replica_id: -1,
                tp: TopicPartition { topic: topic.topic.0.to_string(), partition: partition.partition },
                current_leader_epoch: partition.current_leader_epoch,
                leader_epoch: partition.leader_epoch,
            };
            requests.push((correlation_id, message));
        }
    }
    let mut answers = conn.exchange(requests, ANSWER_GRACE_MS).await;
    let mut ids = ids.into_iter();
    let mut response = OffsetForLeaderEpochResponse::default();
    for topic in &request.topics {
        let mut out = OffsetForLeaderTopicResult::default();
        out.topic = TopicName(topic.topic.0.clone());
        for partition in &topic.partitions {
            let mut p = EpochEndOffset::default();
            p.partition = partition.partition;
            match ids.next().and_then(|id| answers.remove(&id)) {
                Some(Message::OffsetsForLeaderEpochResponse { error, leader_epoch, end_offset, .. }) => {
                    p.error_code = error.code();
                    p.leader_epoch = leader_epoch;
                    p.end_offset = end_offset;
                }
                _ => p.error_code = ErrorCode::RequestTimedOut.code(),
            }
            out.partitions.push(p);
        }
        response.topics.push(out);
    }
    response
}

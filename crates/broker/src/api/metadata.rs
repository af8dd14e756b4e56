//! Metadata: the brokers (each with the host and port it listens on), a controller id, and each topic's
//! partitions as the answering broker's metadata cache has them. Unknown topics are auto-created when
//! the request allows it and `auto.create.topics.enable` is true (Kafka answers `LEADER_NOT_AVAILABLE`
//! until the new topic reaches the broker; clients retry).

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;
use samsa_core::ErrorCode;
use tokio::sync::oneshot;

use super::Connection;
use crate::cluster::{Command, MetadataView};

/// Operations a client may do on the cluster with no authorizer (Kafka's `AclOperation` codes as bits:
/// CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE), reported
/// when a request asks for them (KIP-430); otherwise Kafka's "not requested" value, `i32::MIN`.
pub const CLUSTER_OPERATIONS: i32 =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
/// The same for a topic: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS.
pub const TOPIC_OPERATIONS: i32 =
    (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

/// The cluster id every Metadata response carries.
pub const CLUSTER_ID: &str = "samsa-cluster";

/// Answers a Metadata request.
pub async fn handle(conn: &mut Connection, request: MetadataRequest, version: i16) -> MetadataResponse {
    let topics = request
        .topics
        .map(|topics| topics.into_iter().filter_map(|t| t.name.map(|n| n.0.to_string())).collect::<Vec<_>>());
    // v0–v3 had no flag: a named topic was always auto-created.
    let auto_create = request.allow_auto_topic_creation || version < 4;
    let operations =
        (request.include_cluster_authorized_operations, request.include_topic_authorized_operations);
    let (reply, answer) = oneshot::channel();
    let command = Command::Metadata { broker: conn.broker, topics, auto_create, reply };
    let view = if conn.cluster.send(command).await { answer.await.ok() } else { None };
    let mut response =
        response(conn, view.unwrap_or(MetadataView { brokers: Vec::new(), topics: Vec::new() }), version);
    if operations.0 && (8..=10).contains(&version) {
        response.cluster_authorized_operations = CLUSTER_OPERATIONS;
    }
    if operations.1 && version >= 8 {
        for topic in &mut response.topics {
            topic.topic_authorized_operations = TOPIC_OPERATIONS;
        }
    }
    response
}

fn response(conn: &Connection, view: MetadataView, version: i16) -> MetadataResponse {
    let mut response = MetadataResponse::default();
    response.brokers = view
        .brokers
        .iter()
        .map(|&id| {
            let mut broker = MetadataResponseBroker::default();
            broker.node_id = BrokerId(id);
            broker.host = StrBytes::from_string(conn.config.host.clone());
            broker.port = i32::from(conn.config.port_of(id));
            broker
        })
        .collect();
    if version >= 2 {
        response.cluster_id = Some(StrBytes::from_static_str(CLUSTER_ID));
    }
    // KRaft brokers name a live broker as the controller: clients cannot reach the quorum itself.
    response.controller_id = BrokerId(view.brokers.first().copied().unwrap_or(-1));
    response.topics = view
        .topics
        .into_iter()
        .map(|topic| {
            let mut out = MetadataResponseTopic::default();
            out.error_code = topic.error.code();
            out.is_internal = topic.name.starts_with("__");
            out.name = Some(TopicName(StrBytes::from_string(topic.name)));
            out.partitions = topic
                .partitions
                .into_iter()
                .map(|state| {
                    let mut p = MetadataResponsePartition::default();
                    let leader = state.leader.unwrap_or(-1);
                    p.error_code =
                        if state.leader.is_some() { 0 } else { ErrorCode::LeaderNotAvailable.code() };
                    p.partition_index = state.tp.partition;
                    p.leader_id = BrokerId(leader);
                    if version >= 7 {
                        p.leader_epoch = state.leader_epoch;
                    }
                    p.replica_nodes = state.replicas.iter().map(|&b| BrokerId(b)).collect();
                    p.isr_nodes = state.isr.iter().map(|&b| BrokerId(b)).collect();
                    p
                })
                .collect();
            out
        })
        .collect();
    response
}

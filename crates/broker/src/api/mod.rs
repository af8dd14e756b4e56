//! One module per Kafka API: each turns a wire request (kafka-protocol's types) into samsa-core
//! requests, waits for the core's answers on the connection's inbox, and builds the wire response.
//! Nothing here decides a Kafka rule: errors, offsets and records all come from samsa-core.
//!
//! - [`versions`] — ApiVersions and the table of what this broker speaks (KIP-511 fallback).
//! - [`metadata`] — Metadata, with topic auto-creation.
//! - [`produce`] — Produce (acks 0/1/all).
//! - [`fetch`] — Fetch, long-polling on the broker's change counter.
//! - [`list_offsets`] — ListOffsets (earliest, latest, by timestamp).
//! - [`init_producer_id`] — InitProducerId for idempotent producers.
//! - [`groups`] — FindCoordinator and the consumer-group APIs.
//! - [`transactions`] — AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit.
//! - [`cluster_apis`] — CreateTopics, DeleteTopics, CreatePartitions, DescribeCluster, ListGroups, DescribeGroups,
//!   OffsetForLeaderEpoch.
//! - [`describe_configs`] — DescribeConfigs for topics and brokers.

pub mod cluster_apis;
pub mod describe_configs;
pub mod fetch;
pub mod groups;
pub mod init_producer_id;
pub mod list_offsets;
pub mod metadata;
pub mod produce;
pub mod transactions;
pub mod versions;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::{RequestKind, ResponseKind};
use samsa_core::node::BrokerId;
use samsa_core::replication::messages::Message;
use tokio::sync::mpsc;

use crate::cluster::{ClusterHandle, Command};
use crate::config::ServerConfig;
use crate::frame::Request;

/// Longest a request waits for samsa-core's answers beyond its own timeout.
pub const ANSWER_GRACE_MS: u64 = 5_000;

/// One client connection's side of the conversation with the cluster.
pub struct Connection {
    /// The broker this connection reached (its port).
    pub broker: BrokerId,
    /// The client id samsa-core knows this connection by.
    pub client: u32,
    /// The cluster actor.
    pub cluster: ClusterHandle,
    /// What samsa-core sends this client.
    pub inbox: mpsc::Receiver<Message>,
    /// The process's configs (listeners, limits).
    pub config: Arc<ServerConfig>,
    /// Whether the broker runs: a crash ends every wait at once.
    up: Option<tokio::sync::watch::Receiver<bool>>,
    next_correlation: u64,
}

impl Connection {
    /// A connection of client `client` to broker `broker`.
    pub fn new(
        broker: BrokerId,
        client: u32,
        cluster: ClusterHandle,
        inbox: mpsc::Receiver<Message>,
        config: Arc<ServerConfig>,
    ) -> Self {
        let up = cluster.up(broker);
        Connection { broker, client, cluster, inbox, config, up, next_correlation: 1 }
    }

    /// A fresh correlation id for a core request.
    pub fn correlation(&mut self) -> u64 {
        let id = self.next_correlation;
        self.next_correlation = self.next_correlation.wrapping_add(1);
        id
    }

    /// Sends `requests` (each with its correlation id) to this connection's broker and collects the
    /// answers carrying those ids, for at most `timeout_ms`; answers to older requests are dropped.
    pub async fn exchange(
        &mut self,
        requests: Vec<(u64, Message)>,
        timeout_ms: u64,
    ) -> BTreeMap<u64, Message> {
        let mut wanted: Vec<u64> = Vec::with_capacity(requests.len());
        for (id, message) in requests {
            wanted.push(id);
            let command = Command::Deliver { client: self.client, to: self.broker, message };
            if !self.cluster.send(command).await {
                return BTreeMap::new();
            }
        }
        let mut answers = BTreeMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(timeout_ms);
        while answers.len() < wanted.len() {
            let message = tokio::select! {
                message = self.inbox.recv() => match message { Some(m) => m, None => break },
                () = tokio::time::sleep_until(deadline) => break,
                () = crate::server::went_down(&mut self.up) => break,
            };
            if let Some(id) = correlation_of(&message).filter(|id| wanted.contains(id)) {
                answers.insert(id, message);
            }
        }
        answers
    }

    /// Sends `requests` without waiting for answers (acks=0).
    pub async fn send_only(&mut self, requests: Vec<(u64, Message)>) {
        for (_, message) in requests {
            let command = Command::Deliver { client: self.client, to: self.broker, message };
            if !self.cluster.send(command).await {
                return;
            }
        }
    }
}

/// The correlation id of a core answer this driver waits for.
fn correlation_of(message: &Message) -> Option<u64> {
    match message {
        Message::ProduceResponse(r) => Some(r.correlation_id),
        Message::FetchResponse(r) => Some(r.correlation_id),
        Message::ListOffsetsResponse(r) => Some(r.correlation_id),
        Message::InitProducerIdResponse(r) => Some(r.correlation_id),
        Message::FindCoordinatorResponse(r) => Some(r.correlation_id),
        Message::JoinGroupResponse(r) => Some(r.correlation_id),
        Message::SyncGroupResponse(r) => Some(r.correlation_id),
        Message::HeartbeatResponse(r) => Some(r.correlation_id),
        Message::LeaveGroupResponse(r) => Some(r.correlation_id),
        Message::OffsetCommitResponse(r) => Some(r.correlation_id),
        Message::OffsetFetchResponse(r) => Some(r.correlation_id),
        Message::AddPartitionsToTxnResponse(r) => Some(r.correlation_id),
        Message::AddOffsetsToTxnResponse(r) => Some(r.correlation_id),
        Message::EndTxnResponse(r) => Some(r.correlation_id),
        Message::TxnOffsetCommitResponse(r) => Some(r.correlation_id),
        Message::OffsetsForLeaderEpochResponse { correlation_id, .. } => Some(*correlation_id),
        _ => None,
    }
}

/// What to do with a request.
pub enum Outcome {
    /// Send this response.
    Respond(Box<ResponseKind>),
    /// Send nothing (a Produce with acks=0).
    Silent,
}

/// Answers `request` (already checked against [`versions::SUPPORTED`]).
pub async fn handle(conn: &mut Connection, request: Request) -> Result<Outcome, String> {
    let version = request.header.request_api_version;
    let body = match request.body {
        RequestKind::ApiVersions(_) => ResponseKind::ApiVersions(versions::response(0)),
        RequestKind::Metadata(body) => ResponseKind::Metadata(metadata::handle(conn, body, version).await),
        RequestKind::Produce(body) => match produce::handle(conn, body, version).await {
            Some(response) => ResponseKind::Produce(response),
            None => return Ok(Outcome::Silent),
        },
        RequestKind::Fetch(body) => ResponseKind::Fetch(fetch::handle(conn, body, version).await),
        RequestKind::InitProducerId(body) => {
            ResponseKind::InitProducerId(init_producer_id::handle(conn, body).await)
        }
        RequestKind::ListOffsets(body) => {
            ResponseKind::ListOffsets(list_offsets::handle(conn, body, version).await)
        }
        RequestKind::FindCoordinator(body) => {
            ResponseKind::FindCoordinator(groups::find_coordinator(conn, body, version).await)
        }
        RequestKind::JoinGroup(body) => {
            ResponseKind::JoinGroup(groups::join_group(conn, body, version).await)
        }
        RequestKind::SyncGroup(body) => ResponseKind::SyncGroup(groups::sync_group(conn, body).await),
        RequestKind::Heartbeat(body) => ResponseKind::Heartbeat(groups::heartbeat(conn, body).await),
        RequestKind::LeaveGroup(body) => {
            ResponseKind::LeaveGroup(groups::leave_group(conn, body, version).await)
        }
        RequestKind::OffsetCommit(body) => {
            ResponseKind::OffsetCommit(groups::offset_commit(conn, body).await)
        }
        RequestKind::OffsetFetch(body) => {
            ResponseKind::OffsetFetch(groups::offset_fetch(conn, body, version).await)
        }
        RequestKind::AddPartitionsToTxn(body) => {
            ResponseKind::AddPartitionsToTxn(transactions::add_partitions(conn, body).await)
        }
        RequestKind::AddOffsetsToTxn(body) => {
            ResponseKind::AddOffsetsToTxn(transactions::add_offsets(conn, body).await)
        }
        RequestKind::EndTxn(body) => ResponseKind::EndTxn(transactions::end_txn(conn, body).await),
        RequestKind::TxnOffsetCommit(body) => {
            ResponseKind::TxnOffsetCommit(transactions::txn_offset_commit(conn, body).await)
        }
        RequestKind::CreateTopics(body) => {
            ResponseKind::CreateTopics(cluster_apis::create_topics(conn, body, version).await)
        }
        RequestKind::DeleteTopics(body) => {
            ResponseKind::DeleteTopics(cluster_apis::delete_topics(conn, body, version).await)
        }
        RequestKind::CreatePartitions(body) => {
            ResponseKind::CreatePartitions(cluster_apis::create_partitions(conn, body).await)
        }
        RequestKind::DescribeConfigs(body) => {
            ResponseKind::DescribeConfigs(describe_configs::handle(conn, body).await)
        }
        RequestKind::DescribeCluster(body) => {
            ResponseKind::DescribeCluster(cluster_apis::describe_cluster(conn, body).await)
        }
        RequestKind::ListGroups(body) => {
            ResponseKind::ListGroups(cluster_apis::list_groups(conn, body, version).await)
        }
        RequestKind::DescribeGroups(body) => {
            ResponseKind::DescribeGroups(cluster_apis::describe_groups(conn, body).await)
        }
        RequestKind::OffsetForLeaderEpoch(body) => {
            ResponseKind::OffsetForLeaderEpoch(cluster_apis::offset_for_leader_epoch(conn, body).await)
        }
        _ => return Err(format!("no handler for {:?}", request.api_key)),
    };
    Ok(Outcome::Respond(Box::new(body)))
}

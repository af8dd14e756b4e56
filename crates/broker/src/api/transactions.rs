//! Transactions (KIP-98): AddPartitionsToTxn (v0–v3, the client's form), AddOffsetsToTxn, EndTxn and
//! TxnOffsetCommit, mapped to samsa-core's transaction and group coordinators. Markers, the last stable
//! offset and read_committed fetches need nothing here: samsa-core writes and serves them.

use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse,
    EndTxnRequest, EndTxnResponse, ProducerId, TxnOffsetCommitRequest, TxnOffsetCommitResponse,
};
use samsa_core::group::messages::OffsetAndMetadata;
use samsa_core::replication::messages::{Message, TopicPartition};
use samsa_core::txn::messages as core;
use samsa_core::ErrorCode;

use super::{Connection, ANSWER_GRACE_MS};

async fn ask(conn: &mut Connection, correlation_id: u64, message: Message) -> Option<Message> {
    let timeout_ms = conn.config.broker.request_timeout_ms.saturating_add(ANSWER_GRACE_MS);
    conn.exchange(vec![(correlation_id, message)], timeout_ms).await.remove(&correlation_id)
}

/// AddPartitionsToTxn as clients send it (v0–v3: one transaction).
pub async fn add_partitions(
    conn: &mut Connection,
    request: AddPartitionsToTxnRequest,
) -> AddPartitionsToTxnResponse {
    let correlation_id = conn.correlation();
    let partitions: Vec<TopicPartition> = request
        .v3_and_below_topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |&partition| TopicPartition { topic: t.name.0.to_string(), partition })
        })
        .collect();
    let core = core::AddPartitionsToTxnRequest {
        correlation_id,
        transactional_id: request.v3_and_below_transactional_id.0.to_string(),
        producer_id: request.v3_and_below_producer_id.0,
        producer_epoch: request.v3_and_below_producer_epoch,
        partitions,
    };
    let results = match ask(conn, correlation_id, Message::AddPartitionsToTxn(core)).await {
        Some(Message::AddPartitionsToTxnResponse(answer)) => answer.results,
        _ => Vec::new(),
    };
    let mut response = AddPartitionsToTxnResponse::default();
    for topic in &request.v3_and_below_topics {
        let mut out = AddPartitionsToTxnTopicResult::default();
        out.name = topic.name.clone();
        for &partition in &topic.partitions {
            let mut p = AddPartitionsToTxnPartitionResult::default();
            p.partition_index = partition;
            p.partition_error_code = results
                .iter()
                .find(|(tp, _)| tp.topic == topic.name.0.as_str() && tp.partition == partition)
                .map_or(ErrorCode::RequestTimedOut.code(), |(_, e)| e.code());
            out.results_by_partition.push(p);
        }
        response.results_by_topic_v3_and_below.push(out);
    }
    response
}

/// AddOffsetsToTxn.
pub async fn add_offsets(conn: &mut Connection, request: AddOffsetsToTxnRequest) -> AddOffsetsToTxnResponse {
    let correlation_id = conn.correlation();
    let core = core::AddOffsetsToTxnRequest {
        correlation_id,
        transactional_id: request.transactional_id.0.to_string(),
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
        group_id: request.group_id.0.to_string(),
    };
    let mut response = AddOffsetsToTxnResponse::default();
    response.error_code = match ask(conn, correlation_id, Message::AddOffsetsToTxn(core)).await {
        Some(Message::AddOffsetsToTxnResponse(answer)) => answer.error.code(),
        _ => ErrorCode::RequestTimedOut.code(),
    };
    response
}

/// EndTxn (commit or abort).
pub async fn end_txn(conn: &mut Connection, request: EndTxnRequest) -> EndTxnResponse {
    let correlation_id = conn.correlation();
    let core = core::EndTxnRequest {
        correlation_id,
        transactional_id: request.transactional_id.0.to_string(),
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
        committed: request.committed,
    };
    let mut response = EndTxnResponse::default();
    response.producer_id = ProducerId(-1);
    response.producer_epoch = -1;
    match ask(conn, correlation_id, Message::EndTxn(core)).await {
        Some(Message::EndTxnResponse(answer)) => {
            response.error_code = answer.error.code();
            response.producer_id = ProducerId(answer.producer_id);
            response.producer_epoch = answer.producer_epoch;
        }
        _ => response.error_code = ErrorCode::RequestTimedOut.code(),
    }
    response
}

/// TxnOffsetCommit (KIP-447: with the consumer's generation and member id from v3).
pub async fn txn_offset_commit(
    conn: &mut Connection,
    request: TxnOffsetCommitRequest,
) -> TxnOffsetCommitResponse {
    let correlation_id = conn.correlation();
    let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(move |p| {
                let tp = TopicPartition { topic: t.name.0.to_string(), partition: p.partition_index };
                let offset = OffsetAndMetadata {
                    offset: p.committed_offset,
                    leader_epoch: p.committed_leader_epoch,
                    metadata: p.committed_metadata.as_ref().map(|m| m.to_string()).unwrap_or_default(),
                };
                (tp, offset)
            })
        })
        .collect();
    let core = core::TxnOffsetCommitRequest {
        correlation_id,
        transactional_id: request.transactional_id.0.to_string(),
        group_id: request.group_id.0.to_string(),
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
        generation_id: request.generation_id,
        member_id: request.member_id.to_string(),
        offsets,
    };
    let results = match ask(conn, correlation_id, Message::TxnOffsetCommit(core)).await {
        Some(Message::TxnOffsetCommitResponse(answer)) => answer.results,
        _ => Vec::new(),
    };
    let mut response = TxnOffsetCommitResponse::default();
    for topic in &request.topics {
        let mut out = TxnOffsetCommitResponseTopic::default();
        out.name = topic.name.clone();
        for partition in &topic.partitions {
            let mut p = TxnOffsetCommitResponsePartition::default();
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

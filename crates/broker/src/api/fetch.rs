//! Fetch: one samsa-core fetch per partition, asked without waiting; when the answers hold fewer than
//! `fetch.min.bytes`, the request parks until the broker's partitions change (an append, a high
//! watermark move) or `fetch.max.wait.ms` passes, then asks again — Kafka's long polling, with the
//! waiting done here so a fetch of many partitions answers as soon as the whole has enough.
//! No fetch sessions (KIP-227): the response's session id is 0, so clients send full requests.

use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::fetch_response::{AbortedTransaction, FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, ProducerId};
use samsa_core::client::IsolationLevel;
use samsa_core::replication::messages::{FetchRequest as CoreFetch, Message, TopicPartition};
use samsa_core::ErrorCode;

use super::{Connection, ANSWER_GRACE_MS};

/// Longest a fetch may park (Kafka caps `fetch.max.wait.ms` by the request timeout; so does this).
const MAX_WAIT_MS: u64 = 30_000;

/// Answers a Fetch request.
pub async fn handle(conn: &mut Connection, request: FetchRequest, version: i16) -> FetchResponse {
    let mut response = FetchResponse::default();
    if request.replica_id.0 >= 0 {
        // Followers are this process's own brokers; an outside replica is refused.
        if version >= 7 {
            response.error_code = ErrorCode::NotLeaderOrFollower.code();
        }
        return response;
    }
    let isolation_level = if request.isolation_level == 1 {
        IsolationLevel::ReadCommitted
    } else {
        IsolationLevel::ReadUncommitted
    };
    let wanted: Vec<(TopicPartition, i64, i32, u32)> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(move |p| {
                let tp = TopicPartition { topic: t.topic.0.to_string(), partition: p.partition };
                (
                    tp,
                    p.fetch_offset,
                    p.current_leader_epoch,
                    u32::try_from(p.partition_max_bytes).unwrap_or(0),
                )
            })
        })
        .collect();
    let min_bytes = usize::try_from(request.min_bytes).unwrap_or(0);
    let max_wait_ms = u64::try_from(request.max_wait_ms).unwrap_or(0).min(MAX_WAIT_MS);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(max_wait_ms);
    let mut changes = conn.cluster.changes(conn.broker);
    let answers = loop {
        if let Some(changes) = changes.as_mut() {
            changes.borrow_and_update();
        }
        let mut requests = Vec::new();
        let mut ids = Vec::new();
        for (tp, fetch_offset, current_leader_epoch, max_bytes) in &wanted {
            let correlation_id = conn.correlation();
            ids.push(correlation_id);
            let core = CoreFetch {
                correlation_id,
                replica_id: None,
                tp: tp.clone(),
                fetch_offset: *fetch_offset,
                current_leader_epoch: *current_leader_epoch,
                max_wait_ms: 0,
                max_bytes: *max_bytes,
                min_bytes: 1,
                isolation_level,
            };
            requests.push((correlation_id, Message::Fetch(core)));
        }
        let mut got = conn.exchange(requests, ANSWER_GRACE_MS).await;
        let answers: Vec<Option<Message>> = ids.iter().map(|id| got.remove(id)).collect();
        let bytes: usize = answers
            .iter()
            .map(|a| match a {
                Some(Message::FetchResponse(r)) => r.records.len(),
                _ => 0,
            })
            .sum();
        let failed = answers
            .iter()
            .any(|a| !matches!(a, Some(Message::FetchResponse(r)) if r.error == ErrorCode::None));
        if bytes >= min_bytes.max(1) || failed || tokio::time::Instant::now() >= deadline {
            break answers;
        }
        let Some(changes) = changes.as_mut() else { break answers };
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { break answers },
            () = tokio::time::sleep_until(deadline) => {}
        }
    };
    let mut answers = answers.into_iter();
    for topic in &request.topics {
        let mut out = FetchableTopicResponse::default();
        out.topic = topic.topic.clone();
        out.topic_id = topic.topic_id;
        for partition in &topic.partitions {
            let mut p = PartitionData::default();
            p.partition_index = partition.partition;
            p.preferred_read_replica = BrokerId(-1);
            p.high_watermark = -1;
            p.last_stable_offset = -1;
            p.log_start_offset = -1;
            match answers.next().flatten() {
                Some(Message::FetchResponse(answer)) => {
                    p.error_code = answer.error.code();
                    p.high_watermark = answer.high_watermark;
                    p.last_stable_offset = answer.last_stable_offset;
                    if version >= 5 {
                        p.log_start_offset = answer.log_start_offset; // a field of v5+
                    }
                    if isolation_level == IsolationLevel::ReadCommitted {
                        p.aborted_transactions = Some(
                            answer
                                .aborted_transactions
                                .iter()
                                .map(|t| {
                                    let mut aborted = AbortedTransaction::default();
                                    aborted.producer_id = ProducerId(t.producer_id);
                                    aborted.first_offset = t.first_offset;
                                    aborted
                                })
                                .collect(),
                        );
                    }
                    p.records = Some(Bytes::from(answer.records));
                }
                _ => p.error_code = ErrorCode::RequestTimedOut.code(),
            }
            out.partitions.push(p);
        }
        response.responses.push(out);
    }
    response
}

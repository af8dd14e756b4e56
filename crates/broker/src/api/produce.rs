//! Produce: one samsa-core produce per partition (the batches pass through as the client encoded them;
//! samsa-core decodes, validates and appends them), answered when every partition has its outcome.
//! acks=0 gets no response at all, as in Kafka.

use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse};
use samsa_core::replication::messages::{Acks, Message, ProduceRequest as CoreProduce, TopicPartition};
use samsa_core::ErrorCode;

use super::{Connection, ANSWER_GRACE_MS};

/// Answers a Produce request (`None` for acks=0).
pub async fn handle(conn: &mut Connection, request: ProduceRequest, version: i16) -> Option<ProduceResponse> {
    let acks = match request.acks {
        0 => Some(Acks::None),
        1 => Some(Acks::Leader),
        -1 => Some(Acks::All),
        _ => None,
    };
    let timeout_ms = u64::try_from(request.timeout_ms).unwrap_or(0);
    let mut sent: Vec<(TopicPartition, Option<u64>)> = Vec::new();
    // Partitions whose batches did not decompress: CORRUPT_MESSAGE.
    let mut refused: Vec<TopicPartition> = Vec::new();
    let mut requests = Vec::new();
    for topic in &request.topic_data {
        for partition in &topic.partition_data {
            let tp = TopicPartition { topic: topic.name.0.to_string(), partition: partition.index };
            let Some(acks) = acks else {
                sent.push((tp, None));
                continue;
            };
            let correlation_id = conn.correlation();
            let records = partition.records.as_ref().map(|b| b.to_vec()).unwrap_or_default();
            let records = match crate::compression::accept(records, conn.config.socket_request_max_bytes) {
                Ok(records) => records,
                Err(corrupt) => {
                    tracing::warn!(topic = %tp.topic, partition = tp.partition, reason = %corrupt.0, "corrupt batch refused");
                    refused.push(tp.clone());
                    sent.push((tp, None));
                    continue;
                }
            };
            let core = CoreProduce { correlation_id, acks, timeout_ms, tp: tp.clone(), records };
            requests.push((correlation_id, Message::Produce(core)));
            sent.push((tp, Some(correlation_id)));
        }
    }
    if acks == Some(Acks::None) {
        conn.send_only(requests).await;
        return None;
    }
    let answers = conn.exchange(requests, timeout_ms.saturating_add(ANSWER_GRACE_MS)).await;
    let mut response = ProduceResponse::default();
    for topic in &request.topic_data {
        let mut out = TopicProduceResponse::default();
        out.name = topic.name.clone();
        for partition in &topic.partition_data {
            let id = sent
                .iter()
                .find(|(tp, _)| tp.topic == topic.name.0.as_str() && tp.partition == partition.index)
                .and_then(|(_, id)| *id);
            let mut p = PartitionProduceResponse::default();
            p.index = partition.index;
            p.log_append_time_ms = -1;
            p.base_offset = -1;
            p.log_start_offset = -1;
            let corrupt =
                refused.iter().any(|tp| tp.topic == topic.name.0.as_str() && tp.partition == partition.index);
            match (acks, id.and_then(|id| answers.get(&id))) {
                (None, _) => p.error_code = ErrorCode::InvalidRequiredAcks.code(),
                _ if corrupt => p.error_code = ErrorCode::CorruptMessage.code(),
                (_, Some(Message::ProduceResponse(answer))) => {
                    p.error_code = answer.error.code();
                    p.base_offset = answer.base_offset;
                    if version >= 5 {
                        p.log_start_offset = answer.log_start_offset; // a field of v5+
                    }
                }
                _ => p.error_code = ErrorCode::RequestTimedOut.code(),
            }
            out.partition_responses.push(p);
        }
        response.responses.push(out);
    }
    Some(response)
}

//! ListOffsets: the earliest (-2), latest (-1) or first offset at or after a timestamp, per partition,
//! from samsa-core's answer.

use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};
use samsa_core::client::IsolationLevel;
use samsa_core::group::messages::ListOffsetsRequest as CoreListOffsets;
use samsa_core::replication::messages::{Message, TopicPartition};
use samsa_core::ErrorCode;

use super::{Connection, ANSWER_GRACE_MS};

/// Answers a ListOffsets request.
pub async fn handle(conn: &mut Connection, request: ListOffsetsRequest, version: i16) -> ListOffsetsResponse {
    let isolation_level = if request.isolation_level == 1 {
        IsolationLevel::ReadCommitted
    } else {
        IsolationLevel::ReadUncommitted
    };
    let mut ids = Vec::new();
    let mut requests = Vec::new();
    for topic in &request.topics {
        for partition in &topic.partitions {
            let correlation_id = conn.correlation();
            ids.push(correlation_id);
            let core = CoreListOffsets {
                correlation_id,
                tp: TopicPartition { topic: topic.name.0.to_string(), partition: partition.partition_index },
                current_leader_epoch: partition.current_leader_epoch,
                timestamp: partition.timestamp,
                isolation_level,
            };
            requests.push((correlation_id, Message::ListOffsets(core)));
        }
    }
    let mut answers = conn.exchange(requests, ANSWER_GRACE_MS).await;
    let mut ids = ids.into_iter();
    let mut response = ListOffsetsResponse::default();
    for topic in &request.topics {
        let mut out = ListOffsetsTopicResponse::default();
        out.name = topic.name.clone();
        for partition in &topic.partitions {
            let mut p = ListOffsetsPartitionResponse::default();
            p.partition_index = partition.partition_index;
            p.timestamp = -1;
            p.offset = -1;
            p.leader_epoch = -1;
            match ids.next().and_then(|id| answers.remove(&id)) {
                Some(Message::ListOffsetsResponse(answer)) => {
                    p.error_code = answer.error.code();
                    p.timestamp = answer.timestamp;
                    p.offset = answer.offset;
                    if version >= 4 {
                        p.leader_epoch = answer.leader_epoch; // a field of v4+
                    }
                }
                _ => p.error_code = ErrorCode::RequestTimedOut.code(),
            }
            out.partitions.push(p);
        }
        response.topics.push(out);
    }
    response
}

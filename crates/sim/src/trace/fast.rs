//! Hand-written JSON for the trace's most frequent events (message sent and delivered, appended, high
//! watermark changed, produce answered, the workload's and clients' record and batch events: nearly
//! every line of a run), byte for byte what serde_json writes for them.
//!
//! serde_json formats node ids and topic partitions through `Display` and scans every string for
//! characters to escape; for these events that was most of the cost of a hashed trace. Every other
//! event, and any topic name that would need escaping, goes through serde_json as before, so the
//! bytes — and the trace hash — do not change (the tests compare both writers on every variant).

use samsa_core::node::NodeId;
use samsa_core::replication::messages::TopicPartition;

use super::{Api, TraceEvent, TraceKind};

/// Appends `event` as serde_json would write it and returns true, or returns false (writing nothing)
/// for an event this module does not handle.
pub(super) fn write_event(event: &TraceEvent, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    out.extend_from_slice(b"{\"step\":");
    write_u64(out, event.step);
    out.extend_from_slice(b",\"t_ms\":");
    write_u64(out, event.t_ms);
    out.extend_from_slice(b",\"kind\":{\"event\":\"");
    let handled = match &event.kind {
        TraceKind::MessageSent { msg_id, from, to, api, deliver_at_ms } => {
            out.extend_from_slice(b"message_sent\"");
            write_message(out, *msg_id, *from, *to, *api);
            out.extend_from_slice(b",\"deliver_at_ms\":");
            write_u64(out, *deliver_at_ms);
            true
        }
        TraceKind::MessageDelivered { msg_id, from, to, api } => {
            out.extend_from_slice(b"message_delivered\"");
            write_message(out, *msg_id, *from, *to, *api);
            true
        }
        TraceKind::Appended { broker, tp, base_offset, last_offset, leader_epoch, as_leader } => {
            out.extend_from_slice(b"appended\",\"broker\":");
            write_i64(out, i64::from(*broker));
            write_tp(out, tp) && {
                out.extend_from_slice(b",\"base_offset\":");
                write_i64(out, *base_offset);
                out.extend_from_slice(b",\"last_offset\":");
                write_i64(out, *last_offset);
                out.extend_from_slice(b",\"leader_epoch\":");
                write_i64(out, i64::from(*leader_epoch));
                out.extend_from_slice(if *as_leader {
                    b",\"as_leader\":true"
                } else {
                    b",\"as_leader\":false"
                });
                true
            }
        }
        TraceKind::HighWatermarkChanged { broker, tp, high_watermark } => {
            out.extend_from_slice(b"high_watermark_changed\",\"broker\":");
            write_i64(out, i64::from(*broker));
            write_tp(out, tp) && {
                out.extend_from_slice(b",\"high_watermark\":");
                write_i64(out, *high_watermark);
                true
            }
        }
        TraceKind::ProduceAnswered { broker, tp, error, base_offset } => {
            out.extend_from_slice(b"produce_answered\",\"broker\":");
            write_i64(out, i64::from(*broker));
            write_tp(out, tp) && {
                out.extend_from_slice(b",\"error\":\"");
                out.extend_from_slice(error.name().as_bytes());
                out.extend_from_slice(b"\",\"base_offset\":");
                write_i64(out, *base_offset);
                true
            }
        }
        TraceKind::WorkloadSend { client, record_id, key, value_bytes } => {
            out.extend_from_slice(b"workload_send\"");
            write_client_record(out, *client, *record_id);
            out.extend_from_slice(b",\"key\":");
            write_opt_u64(out, *key);
            out.extend_from_slice(b",\"value_bytes\":");
            write_u64(out, u64::from(*value_bytes));
            true
        }
        TraceKind::RecordSent { client, record_id, tp } => {
            out.extend_from_slice(b"record_sent\"");
            write_client_record(out, *client, *record_id);
            write_tp(out, tp)
        }
        TraceKind::BatchSent {
            client,
            tp,
            record_count,
            size_bytes,
            producer_id,
            producer_epoch,
            base_sequence,
            attempt,
        } => {
            out.extend_from_slice(b"batch_sent\",\"client\":");
            write_u64(out, u64::from(*client));
            write_tp(out, tp) && {
                out.extend_from_slice(b",\"record_count\":");
                write_u64(out, u64::from(*record_count));
                out.extend_from_slice(b",\"size_bytes\":");
                write_u64(out, u64::from(*size_bytes));
                out.extend_from_slice(b",\"producer_id\":");
                write_i64(out, *producer_id);
                out.extend_from_slice(b",\"producer_epoch\":");
                write_i64(out, i64::from(*producer_epoch));
                out.extend_from_slice(b",\"base_sequence\":");
                write_i64(out, i64::from(*base_sequence));
                out.extend_from_slice(b",\"attempt\":");
                write_u64(out, u64::from(*attempt));
                true
            }
        }
        TraceKind::RecordAcked { client, record_id, tp, offset } => {
            out.extend_from_slice(b"record_acked\"");
            write_client_record(out, *client, *record_id);
            write_tp(out, tp) && {
                out.extend_from_slice(b",\"offset\":");
                write_i64(out, *offset);
                true
            }
        }
        TraceKind::RecordConsumed { client, tp, offset, record_id, high_watermark } => {
            out.extend_from_slice(b"record_consumed\",\"client\":");
            write_u64(out, u64::from(*client));
            write_tp(out, tp) && {
                out.extend_from_slice(b",\"offset\":");
                write_i64(out, *offset);
                out.extend_from_slice(b",\"record_id\":");
                write_opt_u64(out, *record_id);
                out.extend_from_slice(b",\"high_watermark\":");
                write_i64(out, *high_watermark);
                true
            }
        }
        _ => false,
    };
    if !handled {
        out.truncate(start);
        return false;
    }
    out.extend_from_slice(b"}}");
    true
}

/// The fields every message event starts with: `msg_id`, `from`, `to`, `api`.
fn write_message(out: &mut Vec<u8>, msg_id: u64, from: NodeId, to: NodeId, api: Api) {
    out.extend_from_slice(b",\"msg_id\":");
    write_u64(out, msg_id);
    out.extend_from_slice(b",\"from\":\"");
    write_node(out, from);
    out.extend_from_slice(b"\",\"to\":\"");
    write_node(out, to);
    out.extend_from_slice(b"\",\"api\":\"");
    out.extend_from_slice(api_name(api).as_bytes());
    out.push(b'"');
}

/// `,"client":N,"record_id":N`, how every client record event starts.
fn write_client_record(out: &mut Vec<u8>, client: u32, record_id: u64) {
    out.extend_from_slice(b",\"client\":");
    write_u64(out, u64::from(client));
    out.extend_from_slice(b",\"record_id\":");
    write_u64(out, record_id);
}

/// A number, or `null` for `None` (serde_json's form of an `Option`).
fn write_opt_u64(out: &mut Vec<u8>, value: Option<u64>) {
    match value {
        Some(value) => write_u64(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

/// A node id in its `Display` form (`broker-1`, `controller`, `client-3`): no character to escape.
fn write_node(out: &mut Vec<u8>, node: NodeId) {
    match node {
        NodeId::Broker(id) => {
            out.extend_from_slice(b"broker-");
            write_i64(out, i64::from(id));
        }
        NodeId::Controller => out.extend_from_slice(b"controller"),
        NodeId::Client(id) => {
            out.extend_from_slice(b"client-");
            write_u64(out, u64::from(id));
        }
    }
}

/// `,"tp":"topic/partition"`, or false when the topic holds a character JSON escapes (a name Kafka
/// would refuse, but the trace must still write exactly what serde_json writes).
fn write_tp(out: &mut Vec<u8>, tp: &TopicPartition) -> bool {
    let topic = tp.topic.as_bytes();
    if topic.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        return false;
    }
    out.extend_from_slice(b",\"tp\":\"");
    out.extend_from_slice(topic);
    out.push(b'/');
    write_i64(out, i64::from(tp.partition));
    out.push(b'"');
    true
}

/// The serde name of `api` (its variant name).
fn api_name(api: Api) -> &'static str {
    match api {
        Api::MetadataRequest => "MetadataRequest",
        Api::MetadataResponse => "MetadataResponse",
        Api::Produce => "Produce",
        Api::ProduceResponse => "ProduceResponse",
        Api::Fetch => "Fetch",
        Api::FetchResponse => "FetchResponse",
        Api::OffsetsForLeaderEpoch => "OffsetsForLeaderEpoch",
        Api::OffsetsForLeaderEpochResponse => "OffsetsForLeaderEpochResponse",
        Api::BrokerHeartbeat => "BrokerHeartbeat",
        Api::BrokerHeartbeatResponse => "BrokerHeartbeatResponse",
        Api::AlterPartition => "AlterPartition",
        Api::AlterPartitionResponse => "AlterPartitionResponse",
        Api::InitProducerId => "InitProducerId",
        Api::InitProducerIdResponse => "InitProducerIdResponse",
        Api::AllocateProducerIds => "AllocateProducerIds",
        Api::AllocateProducerIdsResponse => "AllocateProducerIdsResponse",
        Api::FindCoordinator => "FindCoordinator",
        Api::FindCoordinatorResponse => "FindCoordinatorResponse",
        Api::JoinGroup => "JoinGroup",
        Api::JoinGroupResponse => "JoinGroupResponse",
        Api::SyncGroup => "SyncGroup",
        Api::SyncGroupResponse => "SyncGroupResponse",
        Api::Heartbeat => "Heartbeat",
        Api::HeartbeatResponse => "HeartbeatResponse",
        Api::LeaveGroup => "LeaveGroup",
        Api::LeaveGroupResponse => "LeaveGroupResponse",
        Api::OffsetCommit => "OffsetCommit",
        Api::OffsetCommitResponse => "OffsetCommitResponse",
        Api::OffsetFetch => "OffsetFetch",
        Api::OffsetFetchResponse => "OffsetFetchResponse",
        Api::ListOffsets => "ListOffsets",
        Api::ListOffsetsResponse => "ListOffsetsResponse",
        Api::CreateTopics => "CreateTopics",
        Api::CreateTopicsResponse => "CreateTopicsResponse",
        Api::AddPartitionsToTxn => "AddPartitionsToTxn",
        Api::AddPartitionsToTxnResponse => "AddPartitionsToTxnResponse",
        Api::AddOffsetsToTxn => "AddOffsetsToTxn",
        Api::AddOffsetsToTxnResponse => "AddOffsetsToTxnResponse",
        Api::EndTxn => "EndTxn",
        Api::EndTxnResponse => "EndTxnResponse",
        Api::WriteTxnMarkers => "WriteTxnMarkers",
        Api::WriteTxnMarkersResponse => "WriteTxnMarkersResponse",
        Api::TxnOffsetCommit => "TxnOffsetCommit",
        Api::TxnOffsetCommitResponse => "TxnOffsetCommitResponse",
    }
}

/// Decimal digits of `value`, as serde_json (itoa) writes an unsigned integer.
fn write_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        // `value % 10` is below 10, so the cast keeps it whole.
        digits[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Decimal digits of `value` with a leading `-` when negative, as serde_json writes a signed integer.
fn write_i64(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    write_u64(out, value.unsigned_abs());
}

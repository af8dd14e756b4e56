//! What the client tests share: a partition's state as the controller would publish it, and picking
//! apart a client's effects. The tests answer the client by hand, so no broker runs.
#![allow(dead_code)] // each test file uses its own subset

use samsa_core::client::{ClientEvent, Producer, ProducerConfig};
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::replication::messages::{
    Message, PartitionState, ProduceRequest, ProduceResponse, TopicPartition,
};
use samsa_core::ErrorCode;

/// `tp` led by `leader` at `leader_epoch`, with all three replicas in sync.
pub fn leader_state(tp: TopicPartition, leader: BrokerId, leader_epoch: i32) -> PartitionState {
    PartitionState {
        tp,
        replicas: vec![1, 2, 3],
        isr: vec![1, 2, 3],
        leader: Some(leader),
        leader_epoch,
        partition_epoch: leader_epoch,
    }
}

/// Splits a client's effects into messages sent and client events; a client never reports a
/// replication event.
pub fn split(effects: Vec<Effect>) -> (Vec<(NodeId, Message)>, Vec<ClientEvent>) {
    let mut sends = Vec::new();
    let mut events = Vec::new();
    for effect in effects {
        match effect {
            Effect::Send { to, message } => sends.push((to, message)),
            Effect::Client(event) => events.push(event),
            Effect::Event(e) => panic!("a client reported a replication event: {e:?}"),
        }
    }
    (sends, events)
}

/// The first metadata request among `sends`: where it went and its correlation id.
pub fn metadata_request(sends: &[(NodeId, Message)]) -> Option<(NodeId, u64)> {
    sends.iter().find_map(|(to, m)| match m {
        Message::MetadataRequest { correlation_id } => Some((*to, *correlation_id)),
        _ => None,
    })
}

/// The produce requests among `sends`, with where each went.
pub fn produce_requests(sends: &[(NodeId, Message)]) -> Vec<(NodeId, ProduceRequest)> {
    sends
        .iter()
        .filter_map(|(to, m)| match m {
            Message::Produce(r) => Some((*to, r.clone())),
            _ => None,
        })
        .collect()
}

/// Client 7 with bootstrap broker 1 that asked for metadata at t=0 and learned `partitions` at t=10.
pub fn producer_with_metadata(config: ProducerConfig, partitions: Vec<PartitionState>) -> Producer {
    let mut producer = Producer::new(7, config, vec![1]).unwrap();
    assert_eq!(producer.next_tick_ms(), Some(0), "the first metadata request is due at once");
    producer.on_tick(0);
    let (sends, _) = split(producer.take_effects());
    let (to, correlation_id) = metadata_request(&sends).expect("metadata request at start");
    assert_eq!(to, NodeId::Broker(1), "the bootstrap broker is asked first");
    producer.on_message(10, to, Message::MetadataResponse { correlation_id, partitions });
    producer
}

/// Answers `request` as its leader would: `error`, and the batch's base offset on success.
pub fn respond(
    producer: &mut Producer,
    now_ms: u64,
    to: NodeId,
    request: &ProduceRequest,
    error: ErrorCode,
    base_offset: i64,
) {
    let response = ProduceResponse {
        correlation_id: request.correlation_id,
        tp: request.tp.clone(),
        error,
        base_offset,
        log_start_offset: 0,
    };
    producer.on_message(now_ms, to, Message::ProduceResponse(response));
}

//! What the client tests share: a partition's state as the controller would publish it, and picking
//! apart a client's effects. The tests answer the client by hand, so no broker runs.
#![allow(dead_code)] // each test file uses its own subset

use samsa_core::client::ClientEvent;
use samsa_core::node::{BrokerId, Effect, NodeId};
use samsa_core::replication::messages::{Message, PartitionState, TopicPartition};

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

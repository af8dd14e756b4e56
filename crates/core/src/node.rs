//! The shape every sans-IO node shares: brokers, the controller and clients.
//!
//! Like raft-rs's `step`/`tick`/`Ready` and quinn-proto's `handle`/`poll`: the driver (the simulator, the
//! wasm playground, the tokio broker) delivers messages and ticks with the current time, then takes the
//! node's [`Effect`]s and executes them. A node never sleeps, reads a clock, or sends anything itself.

use alloc::vec::Vec;
use core::fmt;

use crate::client::ClientEvent;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::Message;

/// Kafka's broker id (`node.id`).
pub type BrokerId = i32;

/// An address on the (real or simulated) network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    /// A broker, by `node.id`.
    Broker(BrokerId),
    /// The active controller of the (modelled) KRaft quorum.
    Controller,
    /// A client (producer or consumer), by an id the driver assigns.
    Client(u32),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Broker(id) => write!(f, "broker-{id}"),
            NodeId::Controller => f.write_str("controller"),
            NodeId::Client(id) => write!(f, "client-{id}"),
        }
    }
}

/// Something a node wants done; the driver executes effects in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send `message` to `to` over the network (which may delay, drop, duplicate or reorder it).
    Send {
        /// Destination.
        to: NodeId,
        /// Payload.
        message: Message,
    },
    /// Something observable happened inside the node (for the trace, the checker and the UI).
    Event(ReplicationEvent),
    /// Something a client observed (acks, failures, records consumed).
    Client(ClientEvent),
}

/// A sans-IO node. The driver calls [`Node::on_message`] / [`Node::on_tick`], then
/// [`Node::take_effects`], and calls `on_tick` again no later than [`Node::next_tick_ms`].
pub trait Node {
    /// This node's address.
    fn id(&self) -> NodeId;
    /// A message arrived from `from` at `now_ms`.
    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message);
    /// Time passed: run timers (fetch loops, heartbeats, timeouts, ISR checks).
    fn on_tick(&mut self, now_ms: u64);
    /// The earliest time at which this node needs `on_tick`, if any.
    fn next_tick_ms(&self) -> Option<u64>;
    /// Everything the node wants done since the last call, in order.
    fn take_effects(&mut self) -> Vec<Effect>;
}

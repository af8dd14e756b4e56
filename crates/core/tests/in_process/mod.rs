//! The in-process network the end-to-end tests share: messages in transit ordered by (delivery time,
//! send order) with a fixed latency and no loss, and the loop that delivers them and runs timers. Each
//! test's cluster says how to reach its nodes and what to do with their effects ([`World`]).

extern crate alloc;

use alloc::collections::BTreeMap;

use samsa_core::node::{Effect, Node, NodeId};
use samsa_core::replication::messages::Message;

/// Messages in transit and the virtual clock.
#[derive(Default)]
pub struct Network {
    pub now_ms: u64,
    next_seq: u64,
    in_transit: BTreeMap<(u64, u64), (NodeId, NodeId, Message)>,
}

impl Network {
    /// Puts `from`'s sends in transit (arriving `latency_ms` from now) and returns its other effects.
    pub fn send_all(&mut self, from: NodeId, effects: Vec<Effect>, latency_ms: u64) -> Vec<Effect> {
        let mut rest = Vec::new();
        for effect in effects {
            match effect {
                Effect::Send { to, message } => {
                    let at = (self.now_ms + latency_ms, self.next_seq);
                    self.next_seq += 1;
                    self.in_transit.insert(at, (from, to, message));
                }
                other => rest.push(other),
            }
        }
        rest
    }
}

/// A cluster the loop can drive.
pub trait World {
    /// The network.
    fn network(&mut self) -> &mut Network;
    /// Every node id, in a fixed order.
    fn ids(&self) -> Vec<NodeId>;
    /// The node, if it is running.
    fn node(&mut self, id: NodeId) -> Option<&mut dyn Node>;
    /// Takes `id`'s effects after it was called (and runs whatever the test's application does then).
    fn collect(&mut self, id: NodeId);
}

fn tick_of(world: &mut impl World, id: NodeId) -> Option<u64> {
    world.node(id).and_then(|n| n.next_tick_ms())
}

/// Runs every delivery and timer up to `until_ms`. A node whose `next_tick_ms` never moves forward
/// would spin here: the step bound catches it and names every node's next tick.
pub fn run_until(world: &mut impl World, until_ms: u64) {
    for _ in 0..1_000_000 {
        let next_message = world.network().in_transit.keys().next().map(|&(at, _)| at);
        let next_tick = world.ids().into_iter().filter_map(|id| tick_of(world, id)).min();
        let Some(next_ms) = next_message.into_iter().chain(next_tick).min().filter(|&t| t <= until_ms) else {
            world.network().now_ms = until_ms;
            return;
        };
        let network = world.network();
        network.now_ms = network.now_ms.max(next_ms);
        let now_ms = network.now_ms;
        if next_message == Some(next_ms) {
            let Some((_, (from, to, message))) = world.network().in_transit.pop_first() else { continue };
            if let Some(node) = world.node(to) {
                node.on_message(now_ms, from, message);
                world.collect(to);
            }
        } else {
            for id in world.ids() {
                if tick_of(world, id).is_some_and(|t| t <= now_ms) {
                    if let Some(node) = world.node(id) {
                        node.on_tick(now_ms);
                    }
                    world.collect(id);
                }
            }
        }
    }
    let now_ms = world.network().now_ms;
    let ticks: Vec<(NodeId, Option<u64>)> =
        world.ids().into_iter().map(|id| (id, tick_of(world, id))).collect();
    panic!("no progress by {until_ms} ms at {now_ms}: next ticks {ticks:?}");
}

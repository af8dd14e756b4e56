//! A snapshot of the cluster for the UI and tests: which nodes are up, every replica's offsets, the
//! controller's partition states, and the network's cuts.

use samsa_core::node::NodeId;
use serde::Serialize;

use super::{NodeStatus, Simulation, Slot};
use crate::sim_node::{PartitionView, ReplicaView};

/// One node's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeView {
    /// Which node.
    #[serde(with = "crate::trace::ids::node_id")]
    pub node: NodeId,
    /// Up, paused or down.
    pub status: NodeStatus,
}

/// A cut link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkView {
    /// One end.
    #[serde(with = "crate::trace::ids::node_id")]
    pub a: NodeId,
    /// Other end.
    #[serde(with = "crate::trace::ids::node_id")]
    pub b: NodeId,
}

/// The cluster at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClusterSnapshot {
    /// Steps taken.
    pub step: u64,
    /// Virtual time.
    pub t_ms: u64,
    /// Every node, in id order.
    pub nodes: Vec<NodeView>,
    /// Every replica on a running or paused broker: leader flag, epoch, HW, LEO, log start offset.
    pub replicas: Vec<ReplicaView>,
    /// The controller's partition states (leader, ISR), if it is running or paused.
    pub partitions: Vec<PartitionView>,
    /// Cut links.
    pub cut_links: Vec<LinkView>,
    /// Isolated nodes.
    #[serde(serialize_with = "serialize_nodes")]
    pub isolated: Vec<NodeId>,
    /// Messages in flight.
    pub in_flight_messages: usize,
}

fn serialize_nodes<S: serde::Serializer>(nodes: &[NodeId], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(nodes.iter().map(|n| n.to_string()))
}

impl Simulation {
    /// The cluster now.
    pub fn snapshot(&self) -> ClusterSnapshot {
        let mut nodes = Vec::new();
        let mut replicas = Vec::new();
        let mut partitions = Vec::new();
        for (&id, slot) in &self.nodes {
            let status = match slot {
                Slot::Up { node, .. } | Slot::Paused { node, .. } => {
                    replicas.extend(node.replicas());
                    partitions.extend(node.partitions());
                    if matches!(slot, Slot::Up { .. }) {
                        NodeStatus::Up
                    } else {
                        NodeStatus::Paused
                    }
                }
                Slot::Down(_) => NodeStatus::Down,
            };
            nodes.push(NodeView { node: id, status });
        }
        ClusterSnapshot {
            step: self.step,
            t_ms: self.clock.now_ms(),
            nodes,
            replicas,
            partitions,
            cut_links: self.network.cut_links().map(|(a, b)| LinkView { a, b }).collect(),
            isolated: self.network.isolated().collect(),
            in_flight_messages: self.network.in_flight(),
        }
    }
}

//! The cluster view: controller, brokers, partitions (as the controller decided them, with the
//! leader's offsets), Kafka's cluster metrics, the network and the clients.

use std::collections::BTreeMap;

use samsa_core::node::{BrokerId, NodeId};
use samsa_core::replication::messages::{PartitionState, TopicPartition};
use samsa_core::replication::{Broker, Partition};

use crate::engine::{NodeStatus, Simulation};
use crate::live::protocol::{
    BrokerView, ClientNodeView, ClusterMetrics, ClusterView, LinkLatencyView, NetworkView, NodeState,
    PartitionRef, PartitionStateView,
};
use crate::scenario::Scenario;

/// A node's status as the page shows it (an unknown node is down).
pub(crate) fn node_state(status: Option<NodeStatus>) -> NodeState {
    match status {
        Some(NodeStatus::Up) => NodeState::Up,
        Some(NodeStatus::Paused) => NodeState::Paused,
        Some(NodeStatus::Down) | None => NodeState::Down,
    }
}

/// The protocol's name for a partition.
pub(crate) fn partition_ref(tp: &TopicPartition) -> PartitionRef {
    PartitionRef { topic: tp.topic.clone(), partition: tp.partition }
}

/// Every partition's state, topic then index: the controller's, or — while the controller is down —
/// the newest each running broker last applied from the metadata log (highest partition epoch).
pub(crate) fn partition_states(sim: &Simulation) -> Vec<PartitionState> {
    if let Some(controller) = sim.node(NodeId::Controller).and_then(|n| n.as_controller()) {
        return controller.partitions().cloned().collect();
    }
    let mut newest: BTreeMap<TopicPartition, PartitionState> = BTreeMap::new();
    for id in sim.node_ids() {
        let Some(broker) = sim.node(id).and_then(|n| n.as_broker()) else { continue };
        for state in broker.partitions().filter_map(Partition::state) {
            match newest.get(&state.tp) {
                Some(known) if known.partition_epoch >= state.partition_epoch => {}
                _ => {
                    newest.insert(state.tp.clone(), state.clone());
                }
            }
        }
    }
    newest.into_values().collect()
}

/// A running (or paused) broker's replica of `tp`.
pub(crate) fn replica<'a>(
    sim: &'a Simulation,
    broker: BrokerId,
    tp: &TopicPartition,
) -> Option<(&'a Broker, &'a Partition)> {
    let broker = sim.node(NodeId::Broker(broker)).and_then(|n| n.as_broker())?;
    Some((broker, broker.partition(tp)?))
}

/// The partition leader's replica, when it has a leader that is running.
pub(crate) fn leader_replica<'a>(
    sim: &'a Simulation,
    state: &PartitionState,
) -> Option<(&'a Broker, &'a Partition)> {
    replica(sim, state.leader?, &state.tp)
}

/// `min.insync.replicas` of `topic` (Kafka's default, 1, for a topic the scenario does not list).
fn min_insync_replicas(scenario: &Scenario, topic: &str) -> usize {
    scenario.topics.iter().find(|t| t.name == topic).map_or(1, |t| t.config.min_insync_replicas as usize)
}

/// One partition's row.
fn partition_view(sim: &Simulation, scenario: &Scenario, state: &PartitionState) -> PartitionStateView {
    let leader = leader_replica(sim, state).map(|(_, p)| p);
    PartitionStateView {
        partition: partition_ref(&state.tp),
        replicas: state.replicas.clone(),
        isr: state.isr.clone(),
        leader: state.leader,
        leader_epoch: state.leader_epoch,
        under_replicated: state.isr.len() < state.replicas.len(),
        offline: state.leader.is_none(),
        under_min_isr: state.isr.len() < min_insync_replicas(scenario, &state.tp.topic),
        high_watermark: leader.map_or(-1, Partition::high_watermark),
        last_stable_offset: leader.map_or(-1, Partition::last_stable_offset),
        log_end_offset: leader.map_or(-1, |p| p.log().log_end_offset()),
    }
}

/// The network's settings and faults.
fn network_view(sim: &Simulation) -> NetworkView {
    let network = sim.network();
    NetworkView {
        cut_links: network.cut_links().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        isolated: network.isolated().map(|n| n.to_string()).collect(),
        latency_min_ms: network.config().latency_min_ms,
        latency_max_ms: network.config().latency_max_ms,
        link_latencies: network
            .link_latencies()
            .map(|((a, b), (min_ms, max_ms))| LinkLatencyView {
                a: a.to_string(),
                b: b.to_string(),
                min_ms,
                max_ms,
            })
            .collect(),
        drop_rate: network.config().drop_rate,
        in_flight_messages: network.in_flight() as u64,
    }
}

/// The whole cluster view.
pub(crate) fn cluster_view(sim: &Simulation, scenario: &Scenario, states: &[PartitionState]) -> ClusterView {
    let controller = node_state(sim.status(NodeId::Controller));
    let brokers = scenario
        .brokers
        .iter()
        .map(|&id| BrokerView {
            id,
            name: NodeId::Broker(id).to_string(),
            state: node_state(sim.status(NodeId::Broker(id))),
            leader_count: states.iter().filter(|s| s.leader == Some(id)).count() as u32,
            replica_count: states.iter().filter(|s| s.replicas.contains(&id)).count() as u32,
        })
        .collect();
    let partitions: Vec<PartitionStateView> =
        states.iter().map(|s| partition_view(sim, scenario, s)).collect();
    let count = |f: fn(&PartitionStateView) -> bool| partitions.iter().filter(|p| f(p)).count() as u32;
    let metrics = ClusterMetrics {
        under_replicated_partitions: count(|p| p.under_replicated),
        offline_partitions_count: count(|p| p.offline),
        under_min_isr_partition_count: count(|p| p.under_min_isr),
        // Kafka's metric is 1 on the active controller; a paused one answers nobody, so none is active.
        active_controller_count: u32::from(controller == NodeState::Up),
    };
    let clients = sim
        .node_ids()
        .filter(|id| matches!(id, NodeId::Client(_)))
        .map(|id| ClientNodeView { name: id.to_string(), state: node_state(sim.status(id)) })
        .collect();
    ClusterView { controller, brokers, partitions, metrics, network: network_view(sim), clients }
}

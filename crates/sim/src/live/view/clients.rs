//! Producers and consumers: configs by Kafka's name, rates, in-flight requests, outcomes, positions
//! and lag.

use std::collections::BTreeMap;

use samsa_core::node::NodeId;
use samsa_core::replication::messages::TopicPartition;

use super::cluster::node_state;
use crate::engine::Simulation;
use crate::live::observe::Observers;
use samsa_core::client::Producer;

use crate::live::protocol::{
    ConfigEntry, ConsumerGroupView, ConsumerPartitionView, ConsumerView, GroupMemberView, GroupPartitionView,
    GroupView, ProducerBatchingView, ProducerView,
};
use crate::scenario::Scenario;

fn config_entries(entries: Vec<(&'static str, String)>) -> Vec<ConfigEntry> {
    entries.into_iter().map(|(name, value)| ConfigEntry { name: name.to_owned(), value }).collect()
}

fn client_id(node: NodeId) -> u32 {
    match node {
        NodeId::Client(id) => id,
        // Scenario client nodes are always clients; 0 names no client, so no counters are found.
        NodeId::Broker(_) | NodeId::Controller => 0,
    }
}

/// Every producer of the scenario, running or not. A running producer shows its own configs (the
/// session may have replaced it with a reconfigured one); a crashed one the scenario's.
pub(crate) fn producer_views(
    sim: &Simulation,
    scenario: &Scenario,
    observers: &Observers,
) -> Vec<ProducerView> {
    scenario
        .producers
        .iter()
        .enumerate()
        .map(|(index, plan)| {
            let node = Scenario::producer_node(index);
            let producer = sim.node(node).and_then(|n| n.as_producer());
            let counters = observers.client(client_id(node));
            let configs = config_entries(producer.map_or(&plan.config, |p| p.config()).entries());
            let in_flight: usize =
                producer.map_or(0, |p| scenario.brokers.iter().map(|&b| p.in_flight_requests(b)).sum());
            let rate = counters.and_then(|c| c.rate_per_sec).unwrap_or(plan.rate_per_sec);
            ProducerView {
                client: node.to_string(),
                state: node_state(sim.status(node)),
                topic: plan.topic.clone(),
                configs,
                rate_per_sec: u32::try_from(rate).unwrap_or(u32::MAX),
                records_sent: counters.map_or(0, |c| c.sent),
                records_acked: counters.map_or(0, |c| c.acked),
                records_failed: counters
                    .map(|c| c.failed.iter().map(|(name, n)| ((*name).to_owned(), *n)).collect())
                    .unwrap_or_default(),
                in_flight_requests: u32::try_from(in_flight).unwrap_or(u32::MAX),
                queued_records: u32::try_from(producer.map_or(0, |p| p.queued_records())).unwrap_or(u32::MAX),
                last_outcome: counters.and_then(|c| c.last_outcome.clone()),
                batching: producer.map(batching_view).unwrap_or_default(),
                transaction: super::transactions::producer_transaction(
                    producer.map_or(&plan.config, |p| p.config()).transactional_id.as_deref(),
                    producer,
                    counters,
                ),
            }
        })
        .collect()
}

/// What `producer` reports about its batches, requests and idempotence (read from the producer, so
/// the view shows the core's own numbers and decides nothing).
fn batching_view(producer: &Producer) -> ProducerBatchingView {
    let stats = producer.stats();
    let id_and_epoch = producer.producer_id_and_epoch();
    ProducerBatchingView {
        idempotent: producer.idempotent(),
        producer_id: id_and_epoch.map(|(id, _)| id),
        producer_epoch: id_and_epoch.map(|(_, epoch)| epoch),
        batches_sent: stats.batches_sent,
        requests_sent: stats.requests_sent,
        batches_retried: stats.batches_retried,
        records_per_batch: stats.records_per_batch(),
        mean_ack_latency_ms: stats.mean_ack_latency_ms(),
        bytes_sent: stats.bytes_sent,
        buffered_bytes: producer.buffered_bytes(),
        buffer_memory_bytes: producer.config().buffer_memory,
    }
}

/// Every consumer of the scenario. Lag is the partition leader's high watermark now minus the
/// position (Kafka's `records-lag`); without a readable leader, the high watermark the consumer last
/// heard.
pub(crate) fn consumer_views(
    sim: &Simulation,
    scenario: &Scenario,
    observers: &Observers,
    leader_high_watermarks: &BTreeMap<TopicPartition, i64>,
) -> Vec<ConsumerView> {
    scenario
        .consumers
        .iter()
        .enumerate()
        .map(|(index, plan)| {
            let node = scenario.consumer_node(index);
            let consumer = sim.node(node).and_then(|n| n.as_consumer());
            let configs = config_entries(consumer.map_or(&plan.config, |c| c.config()).entries());
            let partitions = consumer
                .map(|c| {
                    c.assignment()
                        .into_iter()
                        .map(|tp| {
                            let position = c.position(&tp).unwrap_or(-1);
                            let high_watermark = leader_high_watermarks
                                .get(&tp)
                                .copied()
                                .or_else(|| c.high_watermark(&tp))
                                .unwrap_or(-1);
                            let lag =
                                if position < 0 { 0 } else { high_watermark.saturating_sub(position).max(0) };
                            ConsumerPartitionView {
                                partition: super::cluster::partition_ref(&tp),
                                position,
                                lag,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let group = consumer.and_then(|c| c.membership()).map(|m| ConsumerGroupView {
                group_id: m.group_id,
                member_id: m.member_id,
                generation_id: m.generation_id,
                state: m.state.name().to_owned(),
                leader: m.leader,
            });
            ConsumerView {
                client: node.to_string(),
                state: node_state(sim.status(node)),
                configs,
                records_consumed: observers.client(client_id(node)).map_or(0, |c| c.consumed),
                partitions,
                group,
            }
        })
        .collect()
}

/// Every group the running brokers coordinate, with lag against the leaders' high watermarks now.
pub(crate) fn group_views(
    sim: &Simulation,
    leader_high_watermarks: &BTreeMap<TopicPartition, i64>,
) -> Vec<GroupView> {
    let name = |tp: &TopicPartition| format!("{}-{}", tp.topic, tp.partition);
    let mut groups = Vec::new();
    for id in sim.node_ids() {
        let Some(broker) = sim.node(id).and_then(|n| n.as_broker()) else { continue };
        for group in broker.group_coordinator().groups() {
            let members: Vec<(GroupMemberView, Vec<TopicPartition>)> = group
                .members
                .values()
                .map(|m| {
                    let tps = samsa_core::group::consumer_protocol::Assignment::decode(&m.assignment)
                        .map(|a| a.partitions)
                        .unwrap_or_default();
                    let view = GroupMemberView {
                        client: m.client.to_string(),
                        group_instance_id: m.group_instance_id.clone(),
                        partitions: tps.iter().map(name).collect(),
                    };
                    (view, tps)
                })
                .collect();
            let tps: std::collections::BTreeSet<TopicPartition> = group
                .offsets
                .keys()
                .cloned()
                .chain(members.iter().flat_map(|(_, t)| t.iter().cloned()))
                .collect();
            let partitions = tps
                .iter()
                .map(|tp| {
                    let committed = group.offsets.get(tp).map_or(-1, |o| o.offset);
                    let high_watermark = leader_high_watermarks.get(tp).copied().unwrap_or(0);
                    GroupPartitionView {
                        partition: name(tp),
                        committed,
                        high_watermark,
                        lag: (high_watermark - committed.max(0)).max(0),
                    }
                })
                .collect();
            groups.push(GroupView {
                group_id: group.group_id.clone(),
                coordinator: format!("broker-{}", broker.broker_id()),
                state: group.state.name().to_owned(),
                generation_id: group.generation_id,
                protocol: group.protocol.clone().unwrap_or_default(),
                members: members.into_iter().map(|(v, _)| v).collect(),
                partitions,
            });
        }
    }
    groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    groups
}

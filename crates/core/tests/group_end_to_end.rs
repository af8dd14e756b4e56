//! Consumer groups against a real cluster, in process: a controller, three brokers with the group
//! coordinator, a producer and several consumers in one group, over a tiny deterministic network (fixed
//! latency, no loss). Each consumer's application polls whenever the consumer did something and
//! processes instantly (the simulator models slow processing).

extern crate alloc;

mod in_process;

use alloc::collections::{BTreeMap, BTreeSet};

use samsa_core::client::consumer::RebalanceCallback;
use samsa_core::client::{AutoOffsetReset, ClientEvent, Consumer, ConsumerConfig, Producer, ProducerConfig};
use samsa_core::group::assignor::AssignmentStrategy;
use samsa_core::group::GroupState;
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::{Acks, TopicPartition};
use samsa_core::replication::{Broker, BrokerConfig, Controller, ControllerConfig, TopicConfig};

use in_process::{run_until, Network, World};

const LATENCY_MS: u64 = 1;
const PRODUCER: NodeId = NodeId::Client(1);
const TOPIC: &str = "orders";
const PARTITIONS: i32 = 6;
const GROUP: &str = "billing";

struct Cluster {
    network: Network,
    servers: BTreeMap<NodeId, Box<dyn Node>>,
    producer: Producer,
    consumers: BTreeMap<NodeId, Consumer>,
    /// Consumers whose application is stopped (a long GC pause): no polls, no network.
    paused: BTreeSet<NodeId>,
    events: Vec<ClientEvent>,
    broker_events: Vec<ReplicationEvent>,
    callbacks: Vec<(NodeId, RebalanceCallback)>,
}

fn broker_config() -> BrokerConfig {
    BrokerConfig {
        offsets_topic_num_partitions: 3,
        group_initial_rebalance_delay_ms: 0,
        ..BrokerConfig::default()
    }
}

fn consumer_config(strategy: AssignmentStrategy, instance: Option<&str>) -> ConsumerConfig {
    ConsumerConfig {
        group_id: Some(GROUP.into()),
        group_instance_id: instance.map(String::from),
        auto_offset_reset: AutoOffsetReset::Earliest,
        partition_assignment_strategy: vec![strategy],
        session_timeout_ms: 10_000,
        request_timeout_ms: 5_000,
        enable_auto_commit: true,
        auto_commit_interval_ms: 1_000,
        ..ConsumerConfig::default()
    }
}

impl Cluster {
    fn new() -> Self {
        let brokers: Vec<BrokerId> = vec![1, 2, 3];
        let mut controller = Controller::new(ControllerConfig::default(), 0);
        controller.create_topic(TOPIC, PARTITIONS, 3, TopicConfig::default(), &brokers).unwrap();
        let mut servers: BTreeMap<NodeId, Box<dyn Node>> = BTreeMap::new();
        servers.insert(NodeId::Controller, Box::new(controller));
        for &id in &brokers {
            servers.insert(NodeId::Broker(id), Box::new(Broker::new(id, broker_config(), 0)));
        }
        let producer =
            Producer::new(1, ProducerConfig { acks: Acks::All, ..ProducerConfig::default() }, brokers)
                .unwrap();
        Cluster {
            network: Network::default(),
            servers,
            producer,
            consumers: BTreeMap::new(),
            paused: BTreeSet::new(),
            events: Vec::new(),
            broker_events: Vec::new(),
            callbacks: Vec::new(),
        }
    }

    fn add_consumer(&mut self, client: u32, config: ConsumerConfig) {
        let mut consumer = Consumer::new(client, config, vec![1, 2, 3]).unwrap();
        consumer.subscribe(vec![TOPIC.into()]).unwrap();
        self.consumers.insert(NodeId::Client(client), consumer);
        self.collect(NodeId::Client(client));
    }

    fn run_until(&mut self, until_ms: u64) {
        run_until(self, until_ms);
    }

    fn produce(&mut self, count: u64) {
        for record_id in 0..count {
            let now_ms = self.network.now_ms;
            let key = format!("k-{record_id}-{now_ms}");
            self.producer.send(now_ms, TOPIC, Some(key.into_bytes()), None, record_id, 0).unwrap();
            self.collect(PRODUCER);
        }
    }

    fn owned(&self, client: u32) -> Vec<TopicPartition> {
        self.consumers[&NodeId::Client(client)].assignment()
    }

    fn generation(&self, client: u32) -> i32 {
        self.consumers[&NodeId::Client(client)].membership().unwrap().generation_id
    }

    /// The coordinator's group, from whichever broker coordinates it.
    fn group_state(&self) -> Option<(GroupState, i32, usize)> {
        self.broker_events.iter().rev().find_map(|e| match e {
            ReplicationEvent::GroupStateChanged { group_id, state, generation_id, members, .. }
                if group_id == GROUP =>
            {
                Some((*state, *generation_id, *members as usize))
            }
            _ => None,
        })
    }

    fn consumed(&self) -> BTreeMap<(TopicPartition, i64), usize> {
        let mut consumed = BTreeMap::new();
        for event in &self.events {
            if let ClientEvent::RecordConsumed { tp, offset, .. } = event {
                *consumed.entry((tp.clone(), *offset)).or_insert(0) += 1;
            }
        }
        consumed
    }
}

impl World for Cluster {
    fn network(&mut self) -> &mut Network {
        &mut self.network
    }

    fn ids(&self) -> Vec<NodeId> {
        self.servers.keys().copied().chain([PRODUCER]).chain(self.consumers.keys().copied()).collect()
    }

    fn node(&mut self, id: NodeId) -> Option<&mut dyn Node> {
        if id == PRODUCER {
            return Some(&mut self.producer);
        }
        if self.paused.contains(&id) {
            return None;
        }
        if let Some(consumer) = self.consumers.get_mut(&id) {
            return Some(consumer);
        }
        self.servers.get_mut(&id).map(|n| &mut **n as &mut dyn Node)
    }

    /// The consumers' applications poll whenever their consumer did something; effects are sorted into
    /// the network, client events and broker events.
    fn collect(&mut self, id: NodeId) {
        let now_ms = self.network.now_ms;
        if !self.paused.contains(&id) {
            if let Some(consumer) = self.consumers.get_mut(&id) {
                let result = consumer.poll(now_ms);
                self.callbacks.extend(result.callbacks.into_iter().map(|c| (id, c)));
            }
        }
        let Some(node) = self.node(id) else { return };
        let effects = node.take_effects();
        for effect in self.network.send_all(id, effects, LATENCY_MS) {
            match effect {
                Effect::Client(event) => self.events.push(event),
                Effect::Event(event) => self.broker_events.push(event),
                Effect::Send { .. } => {}
            }
        }
    }
}

fn all_partitions() -> BTreeSet<TopicPartition> {
    (0..PARTITIONS).map(|partition| TopicPartition { topic: TOPIC.into(), partition }).collect()
}

#[test]
fn two_members_split_the_partitions_and_consume_everything_once() {
    let mut cluster = Cluster::new();
    cluster.run_until(3_000);
    cluster.add_consumer(10, consumer_config(AssignmentStrategy::Range, None));
    cluster.add_consumer(11, consumer_config(AssignmentStrategy::Range, None));
    cluster.run_until(15_000);
    let (a, b) = (cluster.owned(10), cluster.owned(11));
    assert_eq!(a.len(), 3, "range gives each member half: {a:?} {b:?}");
    assert_eq!(b.len(), 3);
    let union: BTreeSet<TopicPartition> = a.iter().chain(&b).cloned().collect();
    assert_eq!(union, all_partitions(), "every partition owned exactly once");
    assert_eq!(cluster.group_state().map(|(s, _, m)| (s, m)), Some((GroupState::Stable, 2)));
    assert_eq!(cluster.generation(10), cluster.generation(11));

    cluster.produce(60);
    cluster.run_until(25_000);
    let consumed = cluster.consumed();
    assert_eq!(consumed.len(), 60, "every record consumed");
    assert!(consumed.values().all(|&n| n == 1), "none twice");
    // Auto commit stored every partition's position with the coordinator.
    let committed: BTreeMap<TopicPartition, i64> = cluster
        .broker_events
        .iter()
        .filter_map(|e| match e {
            ReplicationEvent::OffsetsCommitted { offsets, .. } => Some(offsets.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let total: i64 = committed.values().sum();
    assert_eq!(total, 60, "the last commits cover every record: {committed:?}");
}

#[test]
fn a_member_that_stops_heartbeating_is_removed_and_its_partitions_move() {
    let mut cluster = Cluster::new();
    cluster.run_until(3_000);
    cluster.add_consumer(10, consumer_config(AssignmentStrategy::RoundRobin, None));
    cluster.add_consumer(11, consumer_config(AssignmentStrategy::RoundRobin, None));
    cluster.run_until(15_000);
    let generation = cluster.generation(10);
    cluster.paused.insert(NodeId::Client(11));
    cluster.run_until(40_000);
    assert_eq!(cluster.owned(10).into_iter().collect::<BTreeSet<_>>(), all_partitions());
    assert!(cluster.generation(10) > generation);
    assert!(cluster.broker_events.iter().any(|e| matches!(
        e,
        ReplicationEvent::GroupMemberRemoved {
            reason: samsa_core::group::MemberRemovedReason::SessionTimeout,
            ..
        }
    )));
}

#[test]
fn a_static_member_restarting_within_the_session_timeout_keeps_its_partitions_without_a_rebalance() {
    let mut cluster = Cluster::new();
    cluster.run_until(3_000);
    cluster.add_consumer(10, consumer_config(AssignmentStrategy::Range, Some("worker-a")));
    cluster.add_consumer(11, consumer_config(AssignmentStrategy::Range, Some("worker-b")));
    cluster.run_until(15_000);
    let before = cluster.owned(11);
    let generation = cluster.generation(10);
    // worker-b's process restarts: a new consumer with the same group.instance.id (no LeaveGroup).
    cluster.consumers.get_mut(&NodeId::Client(11)).unwrap().close(15_000);
    cluster.collect(NodeId::Client(11));
    cluster.consumers.remove(&NodeId::Client(11));
    cluster.run_until(18_000);
    cluster.add_consumer(12, consumer_config(AssignmentStrategy::Range, Some("worker-b")));
    cluster.run_until(30_000);
    assert_eq!(cluster.owned(12), before, "same partitions back");
    assert_eq!(cluster.generation(10), generation, "no rebalance (KIP-345)");
    assert_eq!(cluster.generation(12), generation);
}

#[test]
fn cooperative_scale_out_revokes_only_the_moved_partitions() {
    let mut cluster = Cluster::new();
    cluster.run_until(3_000);
    cluster.add_consumer(10, consumer_config(AssignmentStrategy::CooperativeSticky, None));
    cluster.run_until(15_000);
    assert_eq!(cluster.owned(10).len(), PARTITIONS as usize);
    cluster.callbacks.clear();
    cluster.add_consumer(11, consumer_config(AssignmentStrategy::CooperativeSticky, None));
    cluster.run_until(30_000);
    let (a, b) = (cluster.owned(10), cluster.owned(11));
    assert_eq!((a.len(), b.len()), (3, 3), "{a:?} {b:?}");
    let revoked: Vec<TopicPartition> = cluster
        .callbacks
        .iter()
        .filter(|(id, _)| *id == NodeId::Client(10))
        .flat_map(|(_, c)| match c {
            RebalanceCallback::Revoked(tps) => tps.clone(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        revoked.iter().cloned().collect::<BTreeSet<_>>(),
        b.iter().cloned().collect(),
        "only what moved"
    );
}

#[test]
fn eager_scale_out_revokes_everything_first() {
    let mut cluster = Cluster::new();
    cluster.run_until(3_000);
    cluster.add_consumer(10, consumer_config(AssignmentStrategy::Range, None));
    cluster.run_until(15_000);
    cluster.callbacks.clear();
    cluster.add_consumer(11, consumer_config(AssignmentStrategy::Range, None));
    cluster.run_until(30_000);
    let revoked: usize = cluster
        .callbacks
        .iter()
        .filter(|(id, _)| *id == NodeId::Client(10))
        .map(|(_, c)| match c {
            RebalanceCallback::Revoked(tps) => tps.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(revoked, PARTITIONS as usize, "eager: every partition revoked before rejoining");
}

#[test]
fn committed_offsets_survive_a_coordinator_crash() {
    let mut cluster = Cluster::new();
    cluster.run_until(3_000);
    cluster.add_consumer(10, consumer_config(AssignmentStrategy::Range, None));
    cluster.run_until(15_000);
    cluster.produce(30);
    cluster.run_until(25_000);
    let coordinator = cluster.consumers[&NodeId::Client(10)].membership().unwrap().coordinator.unwrap();
    cluster.servers.remove(&NodeId::Broker(coordinator));
    cluster.run_until(60_000);
    let new_coordinator = cluster.consumers[&NodeId::Client(10)].membership().unwrap().coordinator;
    assert!(new_coordinator.is_some_and(|c| c != coordinator), "{new_coordinator:?}");
    // A new member of the group starts from the committed offsets, not from the beginning.
    cluster.consumers.get_mut(&NodeId::Client(10)).unwrap().close(60_000);
    cluster.collect(NodeId::Client(10));
    cluster.run_until(61_000);
    let before = cluster.consumed().len();
    cluster.add_consumer(12, consumer_config(AssignmentStrategy::Range, None));
    cluster.run_until(90_000);
    assert_eq!(cluster.owned(12).len(), PARTITIONS as usize);
    assert_eq!(cluster.consumed().len(), before, "nothing read again");
    assert!(cluster.events.iter().any(|e| matches!(e, ClientEvent::PositionRestored { client: 12, .. })));
}

//! Producer and consumer against a real cluster, in process: a controller, three brokers, one
//! producer and one consumer, delivered by a tiny deterministic network (fixed latency, no loss) so the
//! story reads on its own. The simulator (`samsa-sim`) does the same with faults and seeds.

extern crate alloc;

mod in_process;

use alloc::collections::{BTreeMap, BTreeSet};

use samsa_core::client::{AutoOffsetReset, ClientEvent, Consumer, ConsumerConfig, Producer, ProducerConfig};
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::partitioner::{murmur2, to_positive};
use samsa_core::replication::messages::{Acks, TopicPartition};
use samsa_core::replication::{Broker, BrokerConfig, Controller, ControllerConfig, TopicConfig};

use in_process::{run_until, Network, World};

const LATENCY_MS: u64 = 1;
const PRODUCER: NodeId = NodeId::Client(1);
const CONSUMER: NodeId = NodeId::Client(2);
const TOPIC: &str = "orders";
const PARTITIONS: i32 = 3;

/// The cluster and its clients, with messages in transit ordered by (delivery time, send order).
struct Cluster {
    network: Network,
    servers: BTreeMap<NodeId, Box<dyn Node>>,
    producer: Producer,
    consumer: Consumer,
    events: Vec<ClientEvent>,
}

impl Cluster {
    fn new(producer_config: ProducerConfig) -> Self {
        let brokers: Vec<BrokerId> = vec![1, 2, 3];
        let mut controller = Controller::new(ControllerConfig::default(), 0);
        let topic = TopicConfig { min_insync_replicas: 2, ..TopicConfig::default() };
        controller.create_topic(TOPIC, PARTITIONS, 3, topic, &brokers).unwrap();
        let mut servers: BTreeMap<NodeId, Box<dyn Node>> = BTreeMap::new();
        servers.insert(NodeId::Controller, Box::new(controller));
        for &id in &brokers {
            servers.insert(NodeId::Broker(id), Box::new(Broker::new(id, BrokerConfig::default(), 0)));
        }
        let producer = Producer::new(1, producer_config, brokers.clone()).unwrap();
        let consumer_config = ConsumerConfig {
            request_timeout_ms: 3_000,
            auto_offset_reset: AutoOffsetReset::Earliest,
            ..ConsumerConfig::default()
        };
        let mut consumer = Consumer::new(2, consumer_config, brokers).unwrap();
        consumer.assign((0..PARTITIONS).map(tp).collect());
        Cluster { network: Network::default(), servers, producer, consumer, events: Vec::new() }
    }

    fn run_until(&mut self, until_ms: u64) {
        run_until(self, until_ms);
    }

    /// A crashed server: gone, and messages to it are lost (nothing answers them).
    fn crash(&mut self, id: NodeId) {
        self.servers.remove(&id);
    }

    fn now_ms(&self) -> u64 {
        self.network.now_ms
    }

    fn send(&mut self, key: &str, record_id: u64) {
        let now_ms = self.network.now_ms;
        self.producer.send(now_ms, TOPIC, Some(key.as_bytes().to_vec()), None, record_id, 0).unwrap();
        self.collect(PRODUCER);
    }

    fn acked(&self) -> BTreeMap<u64, (TopicPartition, i64)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::RecordAcked { record_id, tp, offset, .. } => {
                    Some((*record_id, (tp.clone(), *offset)))
                }
                _ => None,
            })
            .collect()
    }

    /// Every (partition, offset) → record id the consumer reported, checking none is reported twice.
    fn consumed(&self) -> BTreeMap<(TopicPartition, i64), Option<u64>> {
        let mut consumed = BTreeMap::new();
        for event in &self.events {
            if let ClientEvent::RecordConsumed { tp, offset, record_id, .. } = event {
                let previous = consumed.insert((tp.clone(), *offset), *record_id);
                assert!(previous.is_none(), "{tp:?}@{offset} consumed twice");
            }
        }
        consumed
    }

    fn failures(&self) -> Vec<&ClientEvent> {
        self.events.iter().filter(|e| matches!(e, ClientEvent::RecordFailed { .. })).collect()
    }
}

impl World for Cluster {
    fn network(&mut self) -> &mut Network {
        &mut self.network
    }

    fn ids(&self) -> Vec<NodeId> {
        self.servers.keys().copied().chain([PRODUCER, CONSUMER]).collect()
    }

    fn node(&mut self, id: NodeId) -> Option<&mut dyn Node> {
        match id {
            PRODUCER => Some(&mut self.producer),
            CONSUMER => Some(&mut self.consumer),
            _ => self.servers.get_mut(&id).map(|n| &mut **n as &mut dyn Node),
        }
    }

    /// Takes `id`'s effects: messages go in transit, client events into the story.
    fn collect(&mut self, id: NodeId) {
        if id == CONSUMER {
            // The application polls whenever the consumer did something.
            let now_ms = self.network.now_ms;
            self.consumer.poll(now_ms);
        }
        let Some(node) = self.node(id) else { return };
        let effects = node.take_effects();
        for effect in self.network.send_all(id, effects, LATENCY_MS) {
            if let Effect::Client(event) = effect {
                self.events.push(event);
            }
        }
    }
}

fn tp(partition: i32) -> TopicPartition {
    TopicPartition { topic: TOPIC.into(), partition }
}

/// A key that murmur2 maps to `partition` of the topic.
fn key_for(partition: i32, salt: u64) -> String {
    (0u64..)
        .map(|i| format!("key-{salt}-{i}"))
        .find(|k| to_positive(murmur2(k.as_bytes())) % PARTITIONS == partition)
        .unwrap()
}

#[test]
fn every_acked_record_is_consumed_at_its_offset() {
    let mut cluster = Cluster::new(ProducerConfig { acks: Acks::All, ..ProducerConfig::default() });
    // Brokers heartbeat, learn their replicas and elect the first leaders.
    cluster.run_until(3_000);
    for record_id in 0..30 {
        cluster.send(&format!("customer-{record_id}"), record_id);
        let next_ms = cluster.now_ms() + 7;
        cluster.run_until(next_ms);
    }
    cluster.run_until(10_000);

    assert!(cluster.failures().is_empty(), "{:?}", cluster.failures());
    let acked = cluster.acked();
    assert_eq!(acked.len(), 30, "every record acked");
    // Offsets per partition are 0, 1, 2, … in ack order: no gaps, no duplicates.
    let mut per_partition: BTreeMap<TopicPartition, BTreeSet<i64>> = BTreeMap::new();
    for (tp, offset) in acked.values() {
        assert!(per_partition.entry(tp.clone()).or_default().insert(*offset));
    }
    for offsets in per_partition.values() {
        assert_eq!(
            offsets.iter().copied().collect::<Vec<_>>(),
            (0..offsets.len() as i64).collect::<Vec<_>>()
        );
    }
    let consumed = cluster.consumed();
    for (record_id, (tp, offset)) in &acked {
        assert_eq!(consumed.get(&(tp.clone(), *offset)), Some(&Some(*record_id)), "{tp:?}@{offset}");
    }
    assert_eq!(consumed.len(), acked.len(), "nothing consumed that was not acked");
}

#[test]
fn acks_all_records_survive_a_leader_crash_and_the_clients_follow_the_new_leader() {
    let config = ProducerConfig {
        acks: Acks::All,
        retries: 5,
        request_timeout_ms: 3_000,
        delivery_timeout_ms: 60_000,
        ..ProducerConfig::default()
    };
    let mut cluster = Cluster::new(config);
    cluster.run_until(3_000);
    for record_id in 0..5 {
        cluster.send(&key_for(0, record_id), record_id);
    }
    cluster.run_until(4_000);
    assert_eq!(cluster.acked().len(), 5);
    let old_leader = cluster.producer.leader_of(&tp(0)).unwrap();

    // The leader of partition 0 dies; records keep coming for partition 0.
    cluster.crash(NodeId::Broker(old_leader));
    for record_id in 5..10 {
        cluster.send(&key_for(0, record_id), record_id);
    }
    // The controller fences it after broker.session.timeout.ms (9 s) and elects another ISR member; the
    // producer's requests to the dead broker time out, it refreshes metadata and retries there.
    cluster.run_until(40_000);

    let new_leader = cluster.producer.leader_of(&tp(0)).unwrap();
    assert_ne!(new_leader, old_leader);
    assert!(cluster.failures().is_empty(), "{:?}", cluster.failures());
    let acked = cluster.acked();
    assert_eq!(acked.len(), 10, "every record acked");
    let sends =
        cluster.events.iter().filter(|e| matches!(e, ClientEvent::RecordSent { record_id: 5.., .. })).count();
    assert!(sends > 5, "the records sent to the dead leader were retried ({sends} sends)");
    // Retried records go back in send order, so the partition keeps the producer's order here.
    let offsets: Vec<i64> = (5..10).map(|id| acked[&id].1).collect();
    assert_eq!(offsets, vec![5, 6, 7, 8, 9]);
    let consumed = cluster.consumed();
    for (record_id, (tp, offset)) in &acked {
        // acks=all: an acknowledged record is on every ISR member, so the new leader has it.
        assert_eq!(consumed.get(&(tp.clone(), *offset)), Some(&Some(*record_id)), "{tp:?}@{offset}");
    }
}

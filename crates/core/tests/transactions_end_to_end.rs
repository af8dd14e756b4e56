//! Transactions against a real cluster, in process (KIP-98): a controller, three brokers with the
//! transaction and group coordinators, transactional producers and two consumers that read every
//! partition — one `read_committed`, one `read_uncommitted` — over a deterministic network.

extern crate alloc;

mod in_process;

use alloc::collections::{BTreeMap, BTreeSet};

use samsa_core::client::{
    AutoOffsetReset, ClientEvent, Consumer, ConsumerConfig, ConsumerGroupMetadata, IsolationLevel, Producer,
    ProducerConfig, TxnState,
};
use samsa_core::group::messages::OffsetAndMetadata;
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::TopicPartition;
use samsa_core::replication::{Broker, BrokerConfig, Controller, ControllerConfig, TopicConfig};
use samsa_core::txn::{TransactionState, TransactionVersion};
use samsa_core::ErrorCode;

use in_process::{run_until, Network, World};

const LATENCY_MS: u64 = 1;
const TOPIC: &str = "payments";
const PARTITIONS: i32 = 3;
const COMMITTED: NodeId = NodeId::Client(10);
const UNCOMMITTED: NodeId = NodeId::Client(11);

struct Cluster {
    network: Network,
    controller: Controller,
    brokers: BTreeMap<NodeId, Broker>,
    producers: BTreeMap<NodeId, Producer>,
    consumers: BTreeMap<NodeId, Consumer>,
    paused: BTreeSet<NodeId>,
    events: Vec<ClientEvent>,
    broker_events: Vec<ReplicationEvent>,
    /// Record ids each consumer's poll returned.
    consumed: BTreeMap<NodeId, Vec<u64>>,
    next_record_id: u64,
}

fn broker_config(version: TransactionVersion) -> BrokerConfig {
    BrokerConfig {
        offsets_topic_num_partitions: 3,
        transaction_state_log_num_partitions: 3,
        group_initial_rebalance_delay_ms: 0,
        transaction_abort_timed_out_transaction_cleanup_interval_ms: 1_000,
        transaction_version: version,
        ..BrokerConfig::default()
    }
}

fn all_partitions() -> Vec<TopicPartition> {
    (0..PARTITIONS).map(|partition| TopicPartition { topic: TOPIC.into(), partition }).collect()
}

impl Cluster {
    fn new(version: TransactionVersion) -> Self {
        let brokers: Vec<BrokerId> = vec![1, 2, 3];
        let mut controller = Controller::new(ControllerConfig::default(), 0);
        controller.create_topic(TOPIC, PARTITIONS, 3, TopicConfig::default(), &brokers).unwrap();
        let servers: BTreeMap<NodeId, Broker> = brokers
            .iter()
            .map(|&id| (NodeId::Broker(id), Broker::new(id, broker_config(version), 0)))
            .collect();
        let mut cluster = Cluster {
            network: Network::default(),
            controller,
            brokers: servers,
            producers: BTreeMap::new(),
            consumers: BTreeMap::new(),
            paused: BTreeSet::new(),
            events: Vec::new(),
            broker_events: Vec::new(),
            consumed: BTreeMap::new(),
            next_record_id: 0,
        };
        for (id, isolation_level) in
            [(COMMITTED, IsolationLevel::ReadCommitted), (UNCOMMITTED, IsolationLevel::ReadUncommitted)]
        {
            let NodeId::Client(client) = id else { continue };
            let config = ConsumerConfig {
                isolation_level,
                auto_offset_reset: AutoOffsetReset::Earliest,
                ..ConsumerConfig::default()
            };
            let mut consumer = Consumer::new(client, config, brokers.clone()).unwrap();
            consumer.assign(all_partitions());
            cluster.consumers.insert(id, consumer);
        }
        cluster
    }

    fn add_producer(&mut self, client: u32, transactional_id: &str) {
        let config = ProducerConfig {
            transactional_id: Some(transactional_id.into()),
            transaction_timeout_ms: 10_000,
            linger_ms: 0,
            ..ProducerConfig::default()
        };
        let mut producer = Producer::new(client, config, vec![1, 2, 3]).unwrap();
        producer.init_transactions(self.network.now_ms).unwrap();
        self.producers.insert(NodeId::Client(client), producer);
        self.collect(NodeId::Client(client));
    }

    fn producer(&mut self, client: u32) -> &mut Producer {
        self.producers.get_mut(&NodeId::Client(client)).unwrap()
    }

    /// Sends `count` records with new ids; returns the ids.
    fn send(&mut self, client: u32, count: u64) -> Vec<u64> {
        let now_ms = self.network.now_ms;
        let mut ids = Vec::new();
        for _ in 0..count {
            let record_id = self.next_record_id;
            self.next_record_id += 1;
            let key = format!("k{record_id}").into_bytes();
            self.producer(client).send(now_ms, TOPIC, Some(key), None, record_id, 0).unwrap();
            ids.push(record_id);
        }
        self.collect(NodeId::Client(client));
        ids
    }

    fn call(&mut self, client: u32, f: impl FnOnce(&mut Producer, u64)) {
        let now_ms = self.network.now_ms;
        f(self.producer(client), now_ms);
        self.collect(NodeId::Client(client));
    }

    fn consumed_ids(&self, id: NodeId) -> BTreeSet<u64> {
        self.consumed.get(&id).map(|ids| ids.iter().copied().collect()).unwrap_or_default()
    }

    fn completed(&self, client: u32) -> Vec<(u64, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::TransactionCompleted { client: c, txn, committed } if *c == client => {
                    Some((*txn, *committed))
                }
                _ => None,
            })
            .collect()
    }

    /// (high watermark, last stable offset) of `tp` on its leader.
    fn leader_offsets(&self, tp: &TopicPartition) -> Option<(i64, i64)> {
        self.brokers.values().find_map(|b| {
            b.partition(tp)
                .filter(|p| p.role() == samsa_core::replication::partition::Role::Leader)
                .map(|p| (p.high_watermark(), p.last_stable_offset()))
        })
    }

    fn coordinator_state(&self, transactional_id: &str) -> Option<TransactionState> {
        self.brokers
            .values()
            .find_map(|b| b.transaction_coordinator().transaction(transactional_id).map(|t| t.state))
    }

    fn committed_offset(&self, group_id: &str, tp: &TopicPartition) -> Option<i64> {
        self.brokers
            .values()
            .find_map(|b| b.group_coordinator().group(group_id)?.offsets.get(tp).map(|o| o.offset))
    }

    fn run_for(&mut self, ms: u64) {
        let until_ms = self.network.now_ms + ms;
        run_until(self, until_ms);
    }
}

impl World for Cluster {
    fn network(&mut self) -> &mut Network {
        &mut self.network
    }

    fn ids(&self) -> Vec<NodeId> {
        [NodeId::Controller]
            .into_iter()
            .chain(self.brokers.keys().copied())
            .chain(self.producers.keys().copied())
            .chain(self.consumers.keys().copied())
            .collect()
    }

    fn node(&mut self, id: NodeId) -> Option<&mut dyn Node> {
        if self.paused.contains(&id) {
            return None;
        }
        if id == NodeId::Controller {
            return Some(&mut self.controller);
        }
        if let Some(producer) = self.producers.get_mut(&id) {
            return Some(producer);
        }
        if let Some(consumer) = self.consumers.get_mut(&id) {
            return Some(consumer);
        }
        self.brokers.get_mut(&id).map(|b| b as &mut dyn Node)
    }

    fn collect(&mut self, id: NodeId) {
        let now_ms = self.network.now_ms;
        if !self.paused.contains(&id) {
            if let Some(consumer) = self.consumers.get_mut(&id) {
                let result = consumer.poll(now_ms);
                let ids = result.records.iter().filter_map(|r| r.record_id);
                self.consumed.entry(id).or_default().extend(ids);
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

/// KIP-98: read_committed sees committed transactions only, read_uncommitted sees aborted ones too,
/// and both see everything of a committed transaction.
#[test]
fn read_committed_skips_an_aborted_transaction_that_read_uncommitted_sees() {
    let mut cluster = Cluster::new(TransactionVersion::Classic);
    cluster.add_producer(1, "payments-app");
    cluster.run_for(6_000);
    assert_eq!(cluster.producer(1).transaction_state(), Some(TxnState::Ready));
    let mut committed = BTreeSet::new();
    let mut aborted = BTreeSet::new();
    for (round, commit) in [(0, true), (1, false), (2, true)] {
        cluster.call(1, |p, _| p.begin_transaction().unwrap());
        let ids = cluster.send(1, 12);
        cluster.run_for(500);
        if commit {
            cluster.call(1, |p, now| p.commit_transaction(now).unwrap());
            committed.extend(ids);
        } else {
            cluster.call(1, |p, now| p.abort_transaction(now).unwrap());
            aborted.extend(ids);
        }
        cluster.run_for(500);
        assert_eq!(cluster.producer(1).transaction_state(), Some(TxnState::Ready), "round {round}");
    }
    cluster.run_for(3_000);
    assert_eq!(cluster.completed(1), [(1, true), (2, false), (3, true)]);
    let read_committed = cluster.consumed_ids(COMMITTED);
    let read_uncommitted = cluster.consumed_ids(UNCOMMITTED);
    assert_eq!(read_committed, committed, "read_committed sees exactly the committed records");
    let everything: BTreeSet<u64> = committed.union(&aborted).copied().collect();
    assert_eq!(read_uncommitted, everything, "read_uncommitted sees the aborted records too");
    for tp in all_partitions() {
        let (high_watermark, last_stable_offset) = cluster.leader_offsets(&tp).unwrap();
        assert_eq!(last_stable_offset, high_watermark, "{tp:?}: nothing open, so LSO = HW");
    }
    let markers = cluster
        .broker_events
        .iter()
        .filter(|e| matches!(e, ReplicationEvent::TxnMarkerWritten { committed: false, .. }))
        .count();
    assert!(markers > 0, "the abort wrote ABORT markers");
}

/// An open transaction holds the last stable offset; `transaction.timeout.ms` aborts it.
#[test]
fn an_open_transaction_holds_the_lso_until_its_timeout_aborts_it() {
    let mut cluster = Cluster::new(TransactionVersion::Classic);
    cluster.add_producer(1, "hanging");
    cluster.run_for(6_000);
    cluster.call(1, |p, _| p.begin_transaction().unwrap());
    let ids = cluster.send(1, 9);
    cluster.run_for(1_000);
    // The producer's process stops: nothing ends the transaction but the coordinator's timeout.
    cluster.paused.insert(NodeId::Client(1));
    let held: Vec<(i64, i64)> = all_partitions().iter().filter_map(|tp| cluster.leader_offsets(tp)).collect();
    assert!(
        held.iter().any(|(hw, lso)| lso < hw),
        "an open transaction holds the LSO below the HW: {held:?}"
    );
    assert!(cluster.consumed_ids(COMMITTED).is_empty());
    assert_eq!(cluster.consumed_ids(UNCOMMITTED), ids.iter().copied().collect());
    cluster.run_for(13_000);
    assert!(cluster.broker_events.iter().any(|e| matches!(e, ReplicationEvent::TransactionTimedOut { .. })));
    assert_eq!(cluster.coordinator_state("hanging"), Some(TransactionState::CompleteAbort));
    for tp in all_partitions() {
        let (high_watermark, last_stable_offset) = cluster.leader_offsets(&tp).unwrap();
        assert_eq!(last_stable_offset, high_watermark, "{tp:?}: the abort released the LSO");
    }
    assert!(cluster.consumed_ids(COMMITTED).is_empty(), "the timed-out transaction never becomes visible");
}

/// KIP-98 zombie fencing: a second producer with the same `transactional.id` aborts the first one's
/// open transaction, and the first can no longer commit.
#[test]
fn a_new_producer_with_the_same_transactional_id_fences_the_old_one() {
    let mut cluster = Cluster::new(TransactionVersion::Classic);
    cluster.add_producer(1, "orders-app");
    cluster.run_for(6_000);
    cluster.call(1, |p, _| p.begin_transaction().unwrap());
    let zombie = cluster.send(1, 6);
    cluster.run_for(500);
    cluster.paused.insert(NodeId::Client(1));
    cluster.add_producer(2, "orders-app");
    cluster.run_for(3_000);
    assert_eq!(cluster.producer(2).transaction_state(), Some(TxnState::Ready));
    cluster.call(2, |p, _| p.begin_transaction().unwrap());
    let fresh = cluster.send(2, 6);
    cluster.run_for(500);
    cluster.call(2, |p, now| p.commit_transaction(now).unwrap());
    // The zombie wakes up and tries to commit.
    cluster.paused.remove(&NodeId::Client(1));
    cluster.call(1, |p, now| p.commit_transaction(now).unwrap());
    cluster.run_for(4_000);
    assert_eq!(
        cluster.producer(1).transaction_state(),
        Some(TxnState::FatalError(ErrorCode::ProducerFenced))
    );
    assert_eq!(cluster.consumed_ids(COMMITTED), fresh.into_iter().collect());
    assert!(zombie.iter().all(|id| !cluster.consumed_ids(COMMITTED).contains(id)));
}

/// `sendOffsetsToTransaction`: the group's offsets become visible when the transaction commits, and
/// never when it aborts.
#[test]
fn offsets_sent_to_a_transaction_commit_and_abort_with_it() {
    let mut cluster = Cluster::new(TransactionVersion::EpochBumpPerTransaction);
    cluster.add_producer(1, "pipeline");
    cluster.run_for(6_000);
    let tp = TopicPartition { topic: "input".into(), partition: 0 };
    let group = ConsumerGroupMetadata {
        group_id: "pipeline-group".into(),
        generation_id: -1,
        member_id: String::new(),
    };
    for (commit, offset) in [(true, 10), (false, 20)] {
        cluster.call(1, |p, _| p.begin_transaction().unwrap());
        cluster.send(1, 3);
        let offsets =
            vec![(tp.clone(), OffsetAndMetadata { offset, leader_epoch: -1, metadata: String::new() })];
        let group = group.clone();
        cluster.call(1, |p, now| p.send_offsets_to_transaction(now, offsets, group).unwrap());
        cluster.run_for(5_000);
        if commit {
            cluster.call(1, |p, now| p.commit_transaction(now).unwrap());
        } else {
            cluster.call(1, |p, now| p.abort_transaction(now).unwrap());
        }
        cluster.run_for(1_000);
    }
    assert_eq!(cluster.completed(1), [(1, true), (2, false)]);
    assert_eq!(
        cluster.committed_offset("pipeline-group", &tp),
        Some(10),
        "the aborted offset 20 never applied"
    );
    assert!(cluster.events.iter().any(|e| matches!(e, ClientEvent::OffsetsSentToTransaction { .. })));
}

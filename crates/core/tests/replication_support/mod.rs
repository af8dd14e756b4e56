//! An in-test cluster: one controller and a few brokers, messages delivered instantly in FIFO order, a
//! fake clock, and the fault verbs the stories need (crash, restart, cut, isolate, heal). Like
//! quinn-proto's `Pair` and raft-rs's test `Network`: the real nodes, a toy network.
#![allow(dead_code)]

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};

use samsa_core::log::PartitionLog;
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::{
    Acks, FetchRequest, FetchResponse, Message, PartitionState, ProduceRequest, ProduceResponse,
    TopicPartition,
};
use samsa_core::replication::{
    Broker, BrokerConfig, Controller, ControllerConfig, DurableState, TopicConfig,
};
use samsa_core::ErrorCode;

#[allow(unused_imports)]
pub use samsa_core::replication::Role;

/// The client id the stories produce and consume with.
pub const CLIENT: NodeId = NodeId::Client(1);

/// Most messages one `deliver_all` may move before the harness calls it a livelock.
const MAX_DELIVERIES: usize = 1_000_000;

/// A cluster on a fake clock.
pub struct Cluster {
    pub now_ms: u64,
    pub controller: Controller,
    pub brokers: BTreeMap<BrokerId, Broker>,
    pub crashed: BTreeMap<BrokerId, DurableState>,
    pub broker_config: BrokerConfig,
    /// Links that drop everything, both ways.
    cut: BTreeSet<(NodeId, NodeId)>,
    queue: VecDeque<(NodeId, NodeId, Message)>,
    /// Everything clients received, in order.
    pub client_inbox: Vec<Message>,
    /// Every event any node emitted, in order.
    pub events: Vec<ReplicationEvent>,
    next_correlation_id: u64,
    /// Run every node's `check_invariants` after every delivery (on unless a test times the core).
    pub check_every_step: bool,
    /// The controller is failing over: it neither receives nor ticks.
    controller_paused: bool,
    /// One-shot drops: the next message matching each rule is lost (a connection that broke under it).
    drop_rules: Vec<DropRule>,
}

/// Which message a one-shot drop takes: from `from` to `to`, matching `matches`.
pub struct DropRule {
    pub from: NodeId,
    pub to: NodeId,
    pub matches: fn(&Message) -> bool,
}

impl Cluster {
    /// `broker_count` brokers (ids 1..=n), all started at time 0 and heartbeating.
    pub fn new(broker_count: i32, broker_config: BrokerConfig) -> Cluster {
        let brokers = (1..=broker_count).map(|id| (id, Broker::new(id, broker_config.clone(), 0))).collect();
        let mut cluster = Cluster {
            now_ms: 0,
            controller: Controller::new(ControllerConfig::default(), 0),
            brokers,
            crashed: BTreeMap::new(),
            broker_config,
            cut: BTreeSet::new(),
            queue: VecDeque::new(),
            client_inbox: Vec::new(),
            events: Vec::new(),
            next_correlation_id: 0,
            check_every_step: true,
            controller_paused: false,
            drop_rules: Vec::new(),
        };
        cluster.tick_due();
        cluster.deliver_all();
        cluster
    }

    /// Creates `topic` on every broker and lets the brokers learn it and settle.
    pub fn create_topic(
        &mut self,
        topic: &str,
        partitions: i32,
        replication_factor: usize,
        config: TopicConfig,
    ) {
        let brokers: Vec<BrokerId> = self.brokers.keys().copied().collect();
        self.controller.create_topic(topic, partitions, replication_factor, config, &brokers).unwrap();
        self.collect_effects();
        // One heartbeat interval brings the metadata; a little more lets followers start fetching.
        self.advance(self.broker_config.broker_heartbeat_interval_ms + 100);
    }

    pub fn tp(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition { topic: topic.to_string(), partition }
    }

    /// The controller's state of `tp`.
    pub fn state(&self, tp: &TopicPartition) -> PartitionState {
        self.controller.partition(tp).unwrap().clone()
    }

    /// The broker `id`, running.
    pub fn broker(&self, id: BrokerId) -> &Broker {
        &self.brokers[&id]
    }

    /// `id`'s log of `tp`.
    pub fn log(&self, id: BrokerId, tp: &TopicPartition) -> &PartitionLog {
        self.brokers[&id].partition(tp).unwrap().log()
    }

    /// The values in `id`'s log of `tp`, in offset order.
    pub fn values(&self, id: BrokerId, tp: &TopicPartition) -> Vec<String> {
        let log = self.log(id, tp);
        let read = log.read_up_to(log.log_start_offset(), usize::MAX, i64::MAX).unwrap();
        let mut values = decode_values(&read.bytes);
        // A read stops at a segment end: continue until the log end.
        let mut next = read.log_start_offset + values.len() as i64;
        while next < log.log_end_offset() {
            let more = log.read(next, usize::MAX).unwrap();
            let decoded = decode_values(&more.bytes);
            next += decoded.len() as i64;
            values.extend(decoded);
        }
        values
    }

    fn collect_effects(&mut self) {
        let mut effects: Vec<(NodeId, Effect)> =
            self.controller.take_effects().into_iter().map(|e| (NodeId::Controller, e)).collect();
        for broker in self.brokers.values_mut() {
            let from = broker.id();
            effects.extend(broker.take_effects().into_iter().map(|e| (from, e)));
        }
        for (from, effect) in effects {
            match effect {
                Effect::Send { to, message } => self.queue.push_back((from, to, message)),
                Effect::Event(event) => self.events.push(event),
                Effect::Client(_) => {}
            }
        }
    }

    fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.cut.contains(&(a, b)) || self.cut.contains(&(b, a))
    }

    /// Delivers every queued message (and what they cause) at the current time.
    pub fn deliver_all(&mut self) {
        self.collect_effects();
        let mut deliveries = 0;
        while let Some((from, to, message)) = self.queue.pop_front() {
            deliveries += 1;
            assert!(deliveries < MAX_DELIVERIES, "livelock at {} ms", self.now_ms);
            if self.is_cut(from, to) || self.take_drop_rule(from, to, &message) {
                continue;
            }
            match to {
                NodeId::Controller if self.controller_paused => continue,
                NodeId::Controller => self.controller.on_message(self.now_ms, from, message),
                NodeId::Broker(id) => match self.brokers.get_mut(&id) {
                    Some(broker) => broker.on_message(self.now_ms, from, message),
                    None => continue, // crashed
                },
                NodeId::Client(_) => self.client_inbox.push(message),
            }
            self.collect_effects();
            if self.check_every_step {
                self.check_invariants();
            }
        }
    }

    /// Loses the next message from `from` to `to` that `matches` accepts (once).
    pub fn drop_next(&mut self, from: NodeId, to: NodeId, matches: fn(&Message) -> bool) {
        self.drop_rules.push(DropRule { from, to, matches });
    }

    /// Whether a drop rule takes this message; a rule that fired is used up.
    fn take_drop_rule(&mut self, from: NodeId, to: NodeId, message: &Message) -> bool {
        let found = self.drop_rules.iter().position(|r| r.from == from && r.to == to && (r.matches)(message));
        found.map(|index| self.drop_rules.remove(index)).is_some()
    }

    /// How many drop rules have not fired yet.
    pub fn pending_drops(&self) -> usize {
        self.drop_rules.len()
    }

    fn check_invariants(&self) {
        self.controller.check_invariants().unwrap();
        for broker in self.brokers.values() {
            broker.check_invariants().unwrap();
        }
    }

    fn next_deadline_ms(&self) -> Option<u64> {
        let brokers = self.brokers.values().filter_map(|b| b.next_tick_ms());
        let controller = if self.controller_paused { None } else { self.controller.next_tick_ms() };
        brokers.chain(controller).min()
    }

    fn tick_due(&mut self) {
        let now_ms = self.now_ms;
        if !self.controller_paused && self.controller.next_tick_ms().is_some_and(|t| t <= now_ms) {
            self.controller.on_tick(now_ms);
        }
        for broker in self.brokers.values_mut() {
            if broker.next_tick_ms().is_some_and(|t| t <= now_ms) {
                broker.on_tick(now_ms);
            }
        }
    }

    /// Moves the clock forward by `duration_ms`, running every timer on the way.
    pub fn advance(&mut self, duration_ms: u64) {
        let until_ms = self.now_ms + duration_ms;
        let mut steps = 0;
        loop {
            self.deliver_all();
            let next_ms = self.next_deadline_ms().unwrap_or(u64::MAX);
            if next_ms > until_ms {
                break;
            }
            steps += 1;
            assert!(steps < 1_000_000, "timers do not advance at {} ms", self.now_ms);
            self.now_ms = self.now_ms.max(next_ms);
            self.tick_due();
        }
        self.now_ms = until_ms;
        self.tick_due();
        self.deliver_all();
    }

    /// Sends `message` from the test client to broker `to` and delivers everything.
    pub fn send(&mut self, to: BrokerId, message: Message) {
        self.queue.push_back((CLIENT, NodeId::Broker(to), message));
        self.deliver_all();
    }

    /// Pauses the controller (a KRaft failover in progress): messages to it are lost, it does not tick.
    pub fn pause_controller(&mut self) {
        self.controller_paused = true;
    }

    /// The new active controller takes over with the same metadata log.
    pub fn resume_controller(&mut self) {
        self.controller_paused = false;
        self.controller.fail_over(self.now_ms);
        self.deliver_all();
    }

    /// Produces `values` as one batch to broker `to` with `request.timeout.ms` 30 s; returns the
    /// correlation id.
    pub fn produce(&mut self, to: BrokerId, tp: &TopicPartition, acks: Acks, values: &[&str]) -> u64 {
        self.produce_with_timeout(to, tp, acks, values, 30_000)
    }

    /// Produces `values` as one batch to broker `to`, waiting at most `timeout_ms` for the ISR.
    pub fn produce_with_timeout(
        &mut self,
        to: BrokerId,
        tp: &TopicPartition,
        acks: Acks,
        values: &[&str],
        timeout_ms: u64,
    ) -> u64 {
        self.next_correlation_id += 1;
        let correlation_id = self.next_correlation_id;
        let request =
            ProduceRequest { correlation_id, acks, timeout_ms, tp: tp.clone(), records: batch(values) };
        self.send(to, Message::Produce(request));
        correlation_id
    }

    /// A consumer fetch (no replica id) to broker `to`; returns the correlation id.
    pub fn consumer_fetch(
        &mut self,
        to: BrokerId,
        tp: &TopicPartition,
        fetch_offset: i64,
        max_wait_ms: u64,
    ) -> u64 {
        self.next_correlation_id += 1;
        let correlation_id = self.next_correlation_id;
        let request = FetchRequest {
            correlation_id,
            replica_id: None,
            tp: tp.clone(),
            fetch_offset,
            current_leader_epoch: -1,
            max_wait_ms,
            max_bytes: 1 << 20,
            min_bytes: 1,
            isolation_level: samsa_core::client::IsolationLevel::ReadUncommitted,
        };
        self.send(to, Message::Fetch(request));
        correlation_id
    }

    /// The produce answer with `correlation_id`, if it came.
    pub fn produce_response(&self, correlation_id: u64) -> Option<ProduceResponse> {
        self.client_inbox.iter().find_map(|m| match m {
            Message::ProduceResponse(r) if r.correlation_id == correlation_id => Some(r.clone()),
            _ => None,
        })
    }

    /// The fetch answer with `correlation_id`, if it came.
    pub fn fetch_response(&self, correlation_id: u64) -> Option<FetchResponse> {
        self.client_inbox.iter().find_map(|m| match m {
            Message::FetchResponse(r) if r.correlation_id == correlation_id => Some(r.clone()),
            _ => None,
        })
    }

    /// Crashes broker `id`: a process crash, or a power loss that drops what was not flushed.
    pub fn crash(&mut self, id: BrokerId, power_loss: bool) {
        let broker = self.brokers.remove(&id).unwrap();
        self.crashed.insert(id, broker.crash(power_loss));
    }

    /// Restarts a crashed broker from what survived.
    pub fn restart(&mut self, id: BrokerId) {
        let durable = self.crashed.remove(&id).unwrap();
        let broker = Broker::restart(id, self.broker_config.clone(), durable, self.now_ms);
        self.brokers.insert(id, broker);
        self.tick_due();
        self.deliver_all();
    }

    /// Drops every message between `a` and `b`, both ways.
    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.cut.insert((a, b));
    }

    /// Cuts `node` from the controller and every broker (clients still reach it).
    pub fn isolate(&mut self, node: NodeId) {
        let mut others: Vec<NodeId> = self.brokers.keys().map(|&b| NodeId::Broker(b)).collect();
        others.extend(self.crashed.keys().map(|&b| NodeId::Broker(b)));
        others.push(NodeId::Controller);
        for other in others {
            if other != node {
                self.cut(node, other);
            }
        }
    }

    /// Repairs every link.
    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// The leader elections the controller announced for `tp`, in order: (leader, epoch, unclean).
    pub fn elections(&self, tp: &TopicPartition) -> Vec<(Option<BrokerId>, i32, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ReplicationEvent::LeaderElected { tp: t, leader, leader_epoch, unclean } if t == tp => {
                    Some((*leader, *leader_epoch, *unclean))
                }
                _ => None,
            })
            .collect()
    }
}

/// A producer's batch of unkeyed records with these values.
pub fn batch(values: &[&str]) -> Vec<u8> {
    let records = values
        .iter()
        .map(|v| NewRecord {
            key: None,
            value: Some(v.as_bytes().to_vec()),
            headers: Vec::new(),
            timestamp_ms: 0,
        })
        .collect();
    RecordBatch::from_new_records(records, Compression::None).unwrap().encode().unwrap()
}

/// The values in concatenated batches.
pub fn decode_values(mut bytes: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    while !bytes.is_empty() {
        let (batch, used) = RecordBatch::decode(bytes).unwrap();
        for record in &batch.records {
            values.push(String::from_utf8(record.value.clone().unwrap()).unwrap());
        }
        bytes = &bytes[used..];
    }
    values
}

/// The offsets of the records in concatenated batches.
pub fn decode_offsets(mut bytes: &[u8]) -> Vec<i64> {
    let mut offsets = Vec::new();
    while !bytes.is_empty() {
        let (batch, used) = RecordBatch::decode(bytes).unwrap();
        offsets.extend(batch.records.iter().map(|r| batch.offset(r)));
        bytes = &bytes[used..];
    }
    offsets
}

/// A topic config with `min.insync.replicas` and `unclean.leader.election.enable`.
pub fn topic_config(min_insync_replicas: u32, unclean: bool) -> TopicConfig {
    TopicConfig { min_insync_replicas, unclean_leader_election_enable: unclean, ..TopicConfig::default() }
}

/// Asserts the produce answer `correlation_id` came with `error`.
pub fn assert_answered(cluster: &Cluster, correlation_id: u64, error: ErrorCode) {
    let response =
        cluster.produce_response(correlation_id).unwrap_or_else(|| panic!("no answer to {correlation_id}"));
    assert_eq!(response.error, error, "{response:?}");
}

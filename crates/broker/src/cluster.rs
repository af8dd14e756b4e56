//! The cluster actor: one task owns the controller and every broker (samsa-core's sans-IO nodes, the
//! same the simulator drives), passes the real time in, delivers the messages they send each other at
//! once, and hands what they send to clients to the connection that owns that client id. Connections
//! talk to it only through [`ClusterHandle`] (like quinn over quinn-proto: the core decides, this
//! driver does the IO).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::replication::messages::{Message, PartitionState};
use samsa_core::replication::{Broker, Controller, DurableState};
use samsa_core::ErrorCode;
use tokio::sync::{mpsc, oneshot, watch};

use crate::admin::AdminAction;
use crate::config::ServerConfig;

/// Most commands waiting for the actor; a connection waits (backpressure) past it.
pub const COMMAND_QUEUE: usize = 4_096;
/// Most messages waiting for one connection; past it the connection's messages are dropped (and its
/// requests time out) rather than letting one slow client hold the cluster.
pub const CONNECTION_QUEUE: usize = 4_096;
/// Most node-to-node messages delivered in one turn before the actor looks at its commands again.
const MAX_DELIVERIES_PER_TURN: usize = 100_000;

/// A topic as one broker's metadata cache has it.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicView {
    /// Its name.
    pub name: String,
    /// `NONE`, `UNKNOWN_TOPIC_OR_PARTITION`, `LEADER_NOT_AVAILABLE` (just created), `INVALID_TOPIC_EXCEPTION`.
    pub error: samsa_core::ErrorCode,
    /// Its partitions, by index.
    pub partitions: Vec<PartitionState>,
}

/// What a Metadata request gets.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataView {
    /// The running brokers' ids.
    pub brokers: Vec<BrokerId>,
    /// The topics asked for (every topic when `None` was asked).
    pub topics: Vec<TopicView>,
}

/// A group as DescribeGroups shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSummary {
    /// `group.id`.
    pub group_id: String,
    /// Kafka's state name (`Stable`, `PreparingRebalance`, …).
    pub state: String,
    /// `consumer`, or empty.
    pub protocol_type: String,
    /// The assignor chosen.
    pub protocol: String,
    /// Members: id, instance id, client, assignment.
    pub members: Vec<(String, Option<String>, String, Vec<u8>)>,
}

/// A topic CreateTopics asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTopic {
    /// Its name.
    pub name: String,
    /// Partitions (-1: `num.partitions`).
    pub partitions: i32,
    /// Replication factor (-1: `default.replication.factor`).
    pub replication_factor: i16,
    /// Topic configs by Kafka's name.
    pub configs: Vec<(String, String)>,
}

/// What connections ask of the actor.
pub enum Command {
    /// A new connection takes client id `client`; messages to it go to `tx`.
    Register { client: u32, tx: mpsc::Sender<Message> },
    /// The connection closed.
    Unregister { client: u32 },
    /// A request for broker `to` from client `client`.
    Deliver { client: u32, to: BrokerId, message: Message },
    /// Broker `broker`'s metadata for `topics` (all when `None`), creating unknown ones if `auto_create`.
    Metadata {
        broker: BrokerId,
        topics: Option<Vec<String>>,
        auto_create: bool,
        reply: oneshot::Sender<MetadataView>,
    },
    /// The groups broker `broker` coordinates.
    Groups { broker: BrokerId, reply: oneshot::Sender<Vec<GroupSummary>> },
    /// CreateTopics: each topic's outcome (`validate_only`: checked, not created).
    CreateTopics {
        topics: Vec<NewTopic>,
        validate_only: bool,
        reply: oneshot::Sender<Vec<(String, ErrorCode, String)>>,
    },
    /// DeleteTopics: each topic's outcome.
    DeleteTopics { topics: Vec<String>, reply: oneshot::Sender<Vec<(String, ErrorCode)>> },
    /// CreatePartitions: grow `topic` to `count` partitions (`validate_only`: checked, not done).
    CreatePartitions {
        topic: String,
        count: i32,
        validate_only: bool,
        reply: oneshot::Sender<(ErrorCode, String)>,
    },
    /// The configs of `topic`, as a running replica of it holds them.
    TopicConfig {
        topic: String,
        reply: oneshot::Sender<Option<samsa_core::replication::config::TopicConfig>>,
    },
    /// An admin action; the answer is a line of text or why it was refused.
    Admin { action: AdminAction, reply: oneshot::Sender<Result<String, String>> },
}

/// How connections reach the actor.
#[derive(Clone)]
pub struct ClusterHandle {
    commands: mpsc::Sender<Command>,
    /// Per broker: bumped whenever its partitions change (appends, high watermarks), so a parked fetch
    /// looks again.
    changes: BTreeMap<BrokerId, watch::Receiver<u64>>,
    /// Becomes true once every broker is registered and unfenced.
    ready: watch::Receiver<bool>,
    /// Per broker: whether its process runs (the admin control crashes and restarts it).
    up: BTreeMap<BrokerId, watch::Receiver<bool>>,
}

impl ClusterHandle {
    /// Sends `command`; `false` when the actor has stopped.
    pub async fn send(&self, command: Command) -> bool {
        self.commands.send(command).await.is_ok()
    }

    /// Broker `broker`'s change counter.
    pub fn changes(&self, broker: BrokerId) -> Option<watch::Receiver<u64>> {
        self.changes.get(&broker).cloned()
    }

    /// Whether broker `broker` runs, as a watch (false: its connections close).
    pub fn up(&self, broker: BrokerId) -> Option<watch::Receiver<bool>> {
        self.up.get(&broker).cloned()
    }

    /// Waits until every broker is registered and unfenced.
    pub async fn wait_ready(&self) {
        let mut ready = self.ready.clone();
        let _ = ready.wait_for(|r| *r).await;
    }
}

/// The actor's state.
pub struct Cluster {
    config: ServerConfig,
    started: Instant,
    controller: Controller,
    brokers: BTreeMap<BrokerId, Broker>,
    clients: BTreeMap<u32, mpsc::Sender<Message>>,
    changes: BTreeMap<BrokerId, watch::Sender<u64>>,
    ready: watch::Sender<bool>,
    up: BTreeMap<BrokerId, watch::Sender<bool>>,
    /// What crashed brokers left on disk.
    crashed: BTreeMap<BrokerId, DurableState>,
    /// Cut links, each as an ordered pair.
    cut: BTreeSet<(NodeId, NodeId)>,
    queue: VecDeque<(NodeId, NodeId, Message)>,
}

impl Cluster {
    /// A cluster of `config.brokers` brokers and its handle; [`Cluster::run`] drives it.
    pub fn new(config: ServerConfig) -> (Cluster, ClusterHandle, mpsc::Receiver<Command>) {
        let (commands, rx) = mpsc::channel(COMMAND_QUEUE);
        let controller = Controller::new(config.controller.clone(), 0);
        let ids: Vec<BrokerId> = (1..=config.brokers).map(|b| b as BrokerId).collect();
        let brokers = ids.iter().map(|&id| (id, Broker::new(id, config.broker.clone(), 0))).collect();
        let (ready, ready_rx) = watch::channel(false);
        let mut changes = BTreeMap::new();
        let mut change_rx = BTreeMap::new();
        let mut up = BTreeMap::new();
        let mut up_rx = BTreeMap::new();
        for &id in &ids {
            let (tx, rx) = watch::channel(0);
            changes.insert(id, tx);
            change_rx.insert(id, rx);
            let (tx, rx) = watch::channel(true);
            up.insert(id, tx);
            up_rx.insert(id, rx);
        }
        let cluster = Cluster {
            config,
            started: Instant::now(),
            controller,
            brokers,
            clients: BTreeMap::new(),
            changes,
            ready,
            up,
            crashed: BTreeMap::new(),
            cut: BTreeSet::new(),
            queue: VecDeque::new(),
        };
        (cluster, ClusterHandle { commands, changes: change_rx, ready: ready_rx, up: up_rx }, rx)
    }

    /// Milliseconds since start: the core's clock.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs until every handle is dropped.
    pub async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            let now_ms = self.now_ms();
            self.tick(now_ms);
            self.deliver(now_ms);
            self.update_ready();
            let next_ms = self.next_tick_ms().unwrap_or(now_ms.saturating_add(1_000));
            let wait = std::time::Duration::from_millis(next_ms.saturating_sub(self.now_ms()).max(1));
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.handle(command),
                    None => return,
                },
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn handle(&mut self, command: Command) {
        let now_ms = self.now_ms();
        match command {
            Command::Register { client, tx } => {
                self.clients.insert(client, tx);
            }
            Command::Unregister { client } => {
                self.clients.remove(&client);
            }
            Command::Deliver { client, to, message } => {
                self.queue.push_back((NodeId::Client(client), NodeId::Broker(to), message));
            }
            Command::Metadata { broker, topics, auto_create, reply } => {
                let view = self.metadata(broker, topics, auto_create);
                let _ = reply.send(view);
            }
            Command::Groups { broker, reply } => {
                let _ = reply.send(self.groups(broker));
            }
            Command::CreateTopics { topics, validate_only, reply } => {
                let results = topics.into_iter().map(|t| self.create_topic(t, validate_only)).collect();
                let _ = reply.send(results);
            }
            Command::DeleteTopics { topics, reply } => {
                let results = topics
                    .into_iter()
                    .map(|name| {
                        let result = self.controller.delete_topic(&name);
                        if result.is_ok() {
                            tracing::info!(topic = %name, "deleted");
                        }
                        (name, result.err().unwrap_or(ErrorCode::None))
                    })
                    .collect();
                let _ = reply.send(results);
            }
            Command::CreatePartitions { topic, count, validate_only, reply } => {
                let _ = reply.send(self.create_partitions(&topic, count, validate_only));
            }
            Command::TopicConfig { topic, reply } => {
                let config = self
                    .brokers
                    .values()
                    .flat_map(|b| b.partitions())
                    .find(|p| p.tp().topic == topic)
                    .map(|p| p.config().clone())
                    // Just created: no replica yet, but the controller's metadata log has it.
                    .or_else(|| {
                        self.controller.metadata_log().iter().rev().find_map(|change| match change {
                            samsa_core::replication::messages::MetadataChange::Topic { name, config }
                                if *name == topic =>
                            {
                                Some(config.clone())
                            }
                            _ => None,
                        })
                    });
                let _ = reply.send(config);
            }
            Command::Admin { action, reply } => {
                let answer = self.admin(now_ms, action);
                let _ = reply.send(answer);
            }
        }
        self.deliver(now_ms);
    }

    fn nodes_mut(&mut self) -> impl Iterator<Item = &mut dyn Node> + '_ {
        let controller: &mut dyn Node = &mut self.controller;
        std::iter::once(controller).chain(self.brokers.values_mut().map(|b| b as &mut dyn Node))
    }

    fn next_tick_ms(&mut self) -> Option<u64> {
        self.nodes_mut().filter_map(|n| n.next_tick_ms()).min()
    }

    /// Ticks every node whose timer is due.
    fn tick(&mut self, now_ms: u64) {
        let mut effects = Vec::new();
        for node in self.nodes_mut() {
            if node.next_tick_ms().is_some_and(|t| t <= now_ms) {
                node.on_tick(now_ms);
            }
            effects.push((node.id(), node.take_effects()));
        }
        for (from, effects) in effects {
            self.route(from, effects);
        }
    }

    /// Delivers queued messages (and what they cause) until none are left or the turn's budget is spent.
    fn deliver(&mut self, now_ms: u64) {
        for _ in 0..MAX_DELIVERIES_PER_TURN {
            let Some((from, to, message)) = self.queue.pop_front() else { return };
            if self.cut.contains(&link(from, to)) {
                continue;
            }
            let node: Option<&mut dyn Node> = match to {
                NodeId::Controller => Some(&mut self.controller),
                NodeId::Broker(id) => self.brokers.get_mut(&id).map(|b| b as &mut dyn Node),
                NodeId::Client(_) => None,
            };
            let Some(node) = node else { continue };
            node.on_message(now_ms, from, message);
            let effects = node.take_effects();
            self.route(to, effects);
        }
        if !self.queue.is_empty() {
            tracing::warn!(queued = self.queue.len(), "delivery budget spent; the rest goes next turn");
        }
    }

    /// Routes what `from` did: messages to nodes are queued, to clients handed to their connection;
    /// replication events bump the broker's change counter (and are logged at debug level).
    fn route(&mut self, from: NodeId, effects: Vec<Effect>) {
        let mut changed = false;
        for effect in effects {
            match effect {
                Effect::Send { to: NodeId::Client(client), message } => {
                    if let Some(tx) = self.clients.get(&client) {
                        if tx.try_send(message).is_err() {
                            tracing::warn!(client, "connection queue full or closed: a response is dropped");
                        }
                    }
                }
                Effect::Send { to, message } => self.queue.push_back((from, to, message)),
                Effect::Event(event) => {
                    tracing::debug!(?event, "replication");
                    changed = true;
                }
                Effect::Client(_) => {}
            }
        }
        if let (true, NodeId::Broker(id)) = (changed, from) {
            if let Some(tx) = self.changes.get(&id) {
                tx.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }

    fn groups(&self, broker: BrokerId) -> Vec<GroupSummary> {
        let Some(broker) = self.brokers.get(&broker) else { return Vec::new() };
        broker
            .group_coordinator()
            .groups()
            .map(|g| GroupSummary {
                group_id: g.group_id.clone(),
                state: g.state.name().to_owned(),
                protocol_type: g.protocol_type.clone().unwrap_or_default(),
                protocol: g.protocol.clone().unwrap_or_default(),
                members: g
                    .members
                    .values()
                    .map(|m| {
                        (
                            m.member_id.clone(),
                            m.group_instance_id.clone(),
                            m.client.to_string(),
                            m.assignment.clone(),
                        )
                    })
                    .collect(),
            })
            .collect()
    }

    /// One topic of CreateTopics: its configs are checked by samsa-core's parsers, then the controller
    /// creates it (unless `validate_only`).
    fn create_topic(&mut self, topic: NewTopic, validate_only: bool) -> (String, ErrorCode, String) {
        let brokers: Vec<BrokerId> = self.up.keys().copied().collect();
        let partitions = if topic.partitions < 0 { self.config.num_partitions } else { topic.partitions };
        let replication = if topic.replication_factor < 0 {
            self.config.default_replication_factor
        } else {
            usize::try_from(topic.replication_factor).unwrap_or(0)
        };
        let mut config = self.config.topic_defaults.clone();
        for (name, value) in &topic.configs {
            let result = match name.as_str() {
                "min.insync.replicas" => samsa_core::config::parse_int_at_least(name, value, 1)
                    .map(|n| config.min_insync_replicas = n),
                "unclean.leader.election.enable" => samsa_core::config::parse_bool(name, value)
                    .map(|b| config.unclean_leader_election_enable = b),
                _ => config.log.set(name, value),
            };
            if let Err(e) = result {
                return (topic.name, ErrorCode::InvalidConfig, e.to_string());
            }
        }
        if partitions < 1 {
            return (
                topic.name,
                ErrorCode::InvalidPartitions,
                format!("Number of partitions must be larger than 0, got {partitions}"),
            );
        }
        if replication < 1 || replication > brokers.len() {
            let message = format!(
                "Replication factor: {replication} larger than available brokers: {}.",
                brokers.len()
            );
            return (topic.name, ErrorCode::InvalidReplicationFactor, message);
        }
        if self.controller.partitions().any(|p| p.tp.topic == topic.name) {
            return (
                topic.name.clone(),
                ErrorCode::TopicAlreadyExists,
                format!("Topic '{}' already exists.", topic.name),
            );
        }
        if validate_only {
            return match samsa_core::topic::validate_topic_name(&topic.name) {
                Ok(()) => (topic.name, ErrorCode::None, String::new()),
                Err(e) => (topic.name, e.error_code(), e.to_string()),
            };
        }
        match self.controller.create_topic(&topic.name, partitions, replication, config, &brokers) {
            Ok(()) => {
                tracing::info!(topic = %topic.name, partitions, replication, "created");
                (topic.name, ErrorCode::None, String::new())
            }
            Err(error) => (topic.name, error, error.description().to_owned()),
        }
    }

    fn create_partitions(&mut self, topic: &str, count: i32, validate_only: bool) -> (ErrorCode, String) {
        let brokers: Vec<BrokerId> = self.up.keys().copied().collect();
        let current = self.controller.partitions().filter(|p| p.tp.topic == topic).count();
        if validate_only {
            return match current {
                0 => (ErrorCode::UnknownTopicOrPartition, format!("Topic '{topic}' does not exist.")),
                n if usize::try_from(count).unwrap_or(0) <= n => {
                    (ErrorCode::InvalidPartitions, format!("Topic currently has {n} partitions, which is higher than or equal to the requested {count}."))
                }
                _ => (ErrorCode::None, String::new()),
            };
        }
        match self.controller.create_partitions(topic, count, &brokers) {
            Ok(()) => {
                tracing::info!(topic, from = current, to = count, "partitions added");
                (ErrorCode::None, String::new())
            }
            Err(ErrorCode::InvalidPartitions) => (
                ErrorCode::InvalidPartitions,
                format!("Topic currently has {current} partitions, which is higher than or equal to the requested {count}."),
            ),
            Err(error) => (error, error.description().to_owned()),
        }
    }

    /// Carries out an admin action.
    fn admin(&mut self, now_ms: u64, action: AdminAction) -> Result<String, String> {
        let known = |id: BrokerId, cluster: &Cluster| cluster.up.contains_key(&id);
        match action {
            AdminAction::Crash { broker, power_loss } => {
                let node = self.brokers.remove(&broker).ok_or(format!("broker-{broker} is not running"))?;
                self.crashed.insert(broker, node.crash(power_loss));
                if let Some(up) = self.up.get(&broker) {
                    let _ = up.send(false);
                }
                let how = if power_loss { " (power loss: unflushed data lost)" } else { "" };
                tracing::warn!(broker, power_loss, "crashed by the admin control");
                Ok(format!("broker-{broker} crashed{how}"))
            }
            AdminAction::Restart { broker } => {
                let durable =
                    self.crashed.remove(&broker).ok_or(format!("broker-{broker} is not crashed"))?;
                self.brokers
                    .insert(broker, Broker::restart(broker, self.config.broker.clone(), durable, now_ms));
                if let Some(up) = self.up.get(&broker) {
                    let _ = up.send(true);
                }
                tracing::info!(broker, "restarted by the admin control");
                Ok(format!("broker-{broker} restarted"))
            }
            AdminAction::Cut { a, b } | AdminAction::Heal { a, b } => {
                for node in [a, b] {
                    if let NodeId::Broker(id) = node {
                        if !known(id, self) {
                            return Err(format!("no broker-{id}"));
                        }
                    }
                }
                if a == b {
                    return Err("a link needs two different nodes".into());
                }
                if matches!(action, AdminAction::Cut { .. }) {
                    self.cut.insert(link(a, b));
                    Ok(format!("{a} – {b} cut"))
                } else {
                    self.cut.remove(&link(a, b));
                    Ok(format!("{a} – {b} healed"))
                }
            }
            AdminAction::HealAll => {
                self.cut.clear();
                Ok("every link healed".into())
            }
            AdminAction::ControllerFailover => {
                self.controller.fail_over(now_ms);
                Ok("a new active controller took over".into())
            }
            AdminAction::Status => {
                let brokers: Vec<String> = self
                    .up
                    .keys()
                    .map(|id| {
                        format!("broker-{id} {}", if self.brokers.contains_key(id) { "up" } else { "down" })
                    })
                    .collect();
                let cut: Vec<String> = self.cut.iter().map(|(a, b)| format!("{a}–{b}")).collect();
                Ok(format!(
                    "{}; cut links: {}",
                    brokers.join(", "),
                    if cut.is_empty() { "none".into() } else { cut.join(", ") }
                ))
            }
        }
    }

    fn update_ready(&mut self) {
        if *self.ready.borrow() {
            return;
        }
        let registered = self.controller.brokers();
        let all =
            self.brokers.keys().all(|id| registered.contains_key(id) && !self.controller.is_fenced(*id));
        if all {
            let _ = self.ready.send(true);
        }
    }

    /// Broker `broker`'s view of `topics`; unknown ones are created first when allowed (Kafka answers
    /// `LEADER_NOT_AVAILABLE` until the new topic's metadata reaches the broker; clients retry).
    fn metadata(&mut self, broker: BrokerId, topics: Option<Vec<String>>, auto_create: bool) -> MetadataView {
        let brokers: Vec<BrokerId> = self.brokers.keys().copied().collect();
        let mut known: BTreeMap<String, Vec<PartitionState>> = BTreeMap::new();
        if let Some(b) = self.brokers.get(&broker) {
            for state in b.metadata() {
                known.entry(state.tp.topic.clone()).or_default().push(state.clone());
            }
        }
        for partitions in known.values_mut() {
            partitions.sort_by_key(|p| p.tp.partition);
        }
        let names: Vec<String> = match topics {
            Some(names) => names,
            None => known.keys().filter(|t| !t.starts_with("__")).cloned().collect(),
        };
        let mut views = Vec::new();
        for name in names {
            if let Some(partitions) = known.get(&name) {
                views.push(TopicView {
                    name,
                    error: samsa_core::ErrorCode::None,
                    partitions: partitions.clone(),
                });
                continue;
            }
            let error = if self.controller.partitions().any(|p| p.tp.topic == name) {
                samsa_core::ErrorCode::LeaderNotAvailable
            } else if auto_create && self.config.auto_create_topics {
                let replication = self.config.default_replication_factor.min(brokers.len()).max(1);
                let created = self.controller.create_topic(
                    &name,
                    self.config.num_partitions,
                    replication,
                    self.config.topic_defaults.clone(),
                    &brokers,
                );
                match created {
                    Ok(()) => {
                        tracing::info!(topic = %name, partitions = self.config.num_partitions, replication, "auto-created");
                        samsa_core::ErrorCode::LeaderNotAvailable
                    }
                    Err(error) => error,
                }
            } else {
                samsa_core::ErrorCode::UnknownTopicOrPartition
            };
            views.push(TopicView { name, error, partitions: Vec::new() });
        }
        MetadataView { brokers, topics: views }
    }
}

/// A link as an ordered pair, so `cut a b` and `cut b a` are the same link.
fn link(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

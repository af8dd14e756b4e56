//! samsa-core's nodes as simulator nodes, and a [`Simulation`] built from a [`Scenario`].
//!
//! Crash models: a broker keeps its `DurableState` (samsa-core's crash model: the page cache survives a
//! process crash, a power loss keeps only flushed segments) and restarts from it. The controller stands
//! for the whole KRaft quorum, whose committed metadata log never loses an entry, so a "crash" keeps
//! its state and a restart is a failover. A client crash loses everything in memory: it restarts as
//! a new client with the same configs (and, for a consumer, the same assignment from offset 0 by
//! `auto.offset.reset`).

use std::collections::BTreeMap;

use samsa_core::client::{Producer, ProducerConfig};
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::replication::messages::{Message, TopicPartition};
use samsa_core::replication::{Broker, BrokerConfig, Controller, DurableState, Role};

use crate::checker::{At, FinalReplica, FinalState, FinalStateError};
use crate::consumer_app::{ConsumerApp, Subscription};
use crate::engine::{SimConfig, SimError, Simulation, Workload};
use crate::scenario::Scenario;
use crate::sim_node::{Dormant, PartitionView, Rejected, ReplicaView, SimNode, WorkloadRecord};
use crate::trace::Trace;

mod consumer;
mod pipeline;

pub use consumer::SimConsumer;
pub use pipeline::SimPipeline;

impl SimNode for Broker {
    fn crash(self: Box<Self>, power_loss: bool) -> Box<dyn Dormant> {
        Box::new(BrokerDisk {
            id: self.broker_id(),
            config: self.config().clone(),
            durable: Broker::crash(&self, power_loss),
        })
    }

    fn clone_box(&self) -> Box<dyn SimNode> {
        Box::new(self.clone())
    }

    fn check_invariants(&self) -> Result<(), String> {
        Broker::check_invariants(self)
    }

    fn replicas(&self) -> Vec<ReplicaView> {
        self.partitions()
            .map(|p| ReplicaView {
                broker: self.broker_id(),
                tp: p.tp().clone(),
                is_leader: p.role() == Role::Leader,
                leader_epoch: p.leader_epoch(),
                high_watermark: p.high_watermark(),
                log_end_offset: p.log().log_end_offset(),
                log_start_offset: p.log().log_start_offset(),
            })
            .collect()
    }

    fn as_broker(&self) -> Option<&Broker> {
        Some(self)
    }
}

/// A crashed broker's files.
#[derive(Clone)]
struct BrokerDisk {
    id: BrokerId,
    config: BrokerConfig,
    durable: DurableState,
}

impl Dormant for BrokerDisk {
    fn restart(self: Box<Self>, now_ms: u64) -> Box<dyn SimNode> {
        Box::new(Broker::restart(self.id, self.config, self.durable, now_ms))
    }

    fn clone_box(&self) -> Box<dyn Dormant> {
        Box::new(self.clone())
    }
}

impl SimNode for Controller {
    fn crash(self: Box<Self>, _power_loss: bool) -> Box<dyn Dormant> {
        Box::new(ControllerQuorum(self))
    }

    fn clone_box(&self) -> Box<dyn SimNode> {
        Box::new(self.clone())
    }

    fn check_invariants(&self) -> Result<(), String> {
        Controller::check_invariants(self)
    }

    fn partitions(&self) -> Vec<PartitionView> {
        Controller::partitions(self)
            .map(|s| PartitionView {
                tp: s.tp.clone(),
                replicas: s.replicas.clone(),
                isr: s.isr.clone(),
                leader: s.leader,
                leader_epoch: s.leader_epoch,
            })
            .collect()
    }

    fn fail_over(&mut self, now_ms: u64) {
        Controller::fail_over(self, now_ms);
    }

    fn as_controller(&self) -> Option<&Controller> {
        Some(self)
    }
}

/// The quorum while its active controller is down: the state survives, a restart is a failover.
#[derive(Clone)]
struct ControllerQuorum(Box<Controller>);

impl Dormant for ControllerQuorum {
    fn restart(self: Box<Self>, now_ms: u64) -> Box<dyn SimNode> {
        let mut controller = self.0;
        controller.fail_over(now_ms);
        controller
    }

    fn clone_box(&self) -> Box<dyn Dormant> {
        Box::new(self.clone())
    }
}

/// A producer, and a copy of it as first built: a crashed client keeps nothing, so it restarts as
/// that copy (same configs and bootstrap list, empty queues).
#[derive(Clone)]
pub struct SimProducer {
    pristine: Producer,
    inner: Producer,
    bootstrap: Vec<BrokerId>,
    /// The transactional application, for a producer with a `transactional.id`.
    app: Option<crate::txn_app::TxnApp>,
    txn_workload: crate::txn_app::TxnWorkload,
}

impl SimProducer {
    /// A producer client.
    pub fn new(client_id: u32, config: ProducerConfig, bootstrap: Vec<BrokerId>) -> Result<Self, String> {
        let workload = crate::txn_app::TxnWorkload { records_per_transaction: 10, abort_every: 0 };
        Self::with_transactions(client_id, config, bootstrap, workload)
    }

    /// A producer whose application, if it has a `transactional.id`, runs `workload`.
    pub fn with_transactions(
        client_id: u32,
        config: ProducerConfig,
        bootstrap: Vec<BrokerId>,
        workload: crate::txn_app::TxnWorkload,
    ) -> Result<Self, String> {
        let inner = Producer::new(client_id, config, bootstrap.clone()).map_err(|e| e.to_string())?;
        let app = inner.transaction_state().map(|_| crate::txn_app::TxnApp::new(workload));
        Ok(SimProducer { pristine: inner.clone(), inner, bootstrap, app, txn_workload: workload })
    }

    /// Runs the transactional application after the producer did something.
    fn drive(&mut self, now_ms: u64) {
        if let Some(app) = self.app.as_mut() {
            app.drive(&mut self.inner, &self.pristine, now_ms);
        }
    }

    /// The samsa-core producer.
    pub fn producer(&self) -> &Producer {
        &self.inner
    }
}

impl Node for SimProducer {
    fn id(&self) -> NodeId {
        self.inner.id()
    }
    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        self.inner.on_message(now_ms, from, message);
        self.drive(now_ms);
    }
    fn on_tick(&mut self, now_ms: u64) {
        self.inner.on_tick(now_ms);
        self.drive(now_ms);
    }
    fn next_tick_ms(&self) -> Option<u64> {
        self.inner.next_tick_ms()
    }
    fn take_effects(&mut self) -> Vec<Effect> {
        let mut effects = self.app.as_mut().map(crate::txn_app::TxnApp::take_carried).unwrap_or_default();
        effects.extend(self.inner.take_effects());
        effects
    }
}

impl SimNode for SimProducer {
    fn crash(self: Box<Self>, _power_loss: bool) -> Box<dyn Dormant> {
        let inner = self.pristine.clone();
        let app = self.app.map(|_| crate::txn_app::TxnApp::new(self.txn_workload));
        let txn_workload = self.txn_workload;
        Box::new(Fresh(SimProducer {
            inner,
            pristine: self.pristine,
            bootstrap: self.bootstrap,
            app,
            txn_workload,
        }))
    }

    fn clone_box(&self) -> Box<dyn SimNode> {
        Box::new(self.clone())
    }

    fn reconfigured(&self, name: &str, value: &str) -> Option<Result<Box<dyn SimNode>, String>> {
        let mut config = self.inner.config().clone();
        let built =
            config.set(name, value).and_then(|()| config.validate()).map_err(|e| e.to_string()).and_then(
                |()| {
                    let client = client_number(&self.inner);
                    SimProducer::with_transactions(client, config, self.bootstrap.clone(), self.txn_workload)
                },
            );
        Some(built.map(|p| Box::new(p) as Box<dyn SimNode>))
    }

    fn send_record(&mut self, now_ms: u64, record: WorkloadRecord) -> Result<(), Rejected> {
        if let Some(app) = self.app.as_mut() {
            app.accept(record)?;
            self.drive(now_ms);
            return Ok(());
        }
        let WorkloadRecord { topic, key, value, record_id, random } = record;
        self.inner
            .send(now_ms, &topic, key, Some(value), record_id, random)
            .map_err(|e| Rejected { error: e.error_code(), reason: e.to_string() })
    }

    fn flush(&mut self, now_ms: u64) -> Result<(), String> {
        self.inner.flush(now_ms);
        Ok(())
    }

    fn as_producer(&self) -> Option<&Producer> {
        Some(&self.inner)
    }
}

/// A client node's number (`client-<n>`); clients are only ever built with `NodeId::Client` ids.
fn client_number(client: &impl Node) -> u32 {
    match client.id() {
        NodeId::Client(n) => n,
        NodeId::Broker(_) | NodeId::Controller => 0,
    }
}

/// A crashed client: restarting gives the client as first built.
#[derive(Clone)]
struct Fresh<T>(T);

impl<T: SimNode + Clone + 'static> Dormant for Fresh<T> {
    fn restart(self: Box<Self>, _now_ms: u64) -> Box<dyn SimNode> {
        Box::new(self.0)
    }

    fn clone_box(&self) -> Box<dyn Dormant> {
        Box::new(self.clone())
    }
}

/// Builds the simulation a scenario describes: controller, brokers, topics (created at time 0),
/// producers with their workloads, consumers, and the scenario's faults.
pub fn build(scenario: &Scenario, config: SimConfig, trace: Trace) -> Result<Simulation, BuildError> {
    let mut sim = Simulation::new(config, trace)?;
    let mut controller = Controller::new(scenario.controller_config.clone(), 0);
    for topic in &scenario.topics {
        controller
            .create_topic(
                &topic.name,
                topic.partitions,
                topic.replication_factor,
                topic.config.clone(),
                &scenario.brokers,
            )
            .map_err(|e| BuildError::Topic { topic: topic.name.clone(), error: e.name() })?;
    }
    sim.add_node(Box::new(controller))?;
    for &id in &scenario.brokers {
        sim.add_node(Box::new(Broker::new(id, scenario.broker_config.clone(), 0)))?;
    }
    for (index, plan) in scenario.producers.iter().enumerate() {
        let node = Scenario::producer_node(index);
        let NodeId::Client(client_id) = node else { continue };
        let producer = SimProducer::with_transactions(
            client_id,
            plan.config.clone(),
            scenario.brokers.clone(),
            plan.transactions,
        )
        .map_err(|reason| BuildError::Client { client: node, reason })?;
        sim.add_node(Box::new(producer))?;
        sim.add_workload(Workload {
            producer: node,
            topic: plan.topic.clone(),
            rate_per_sec: plan.rate_per_sec,
            key_count: plan.key_count,
            hot_key_share: plan.hot_key_share,
            value_bytes: plan.value_bytes,
            start_ms: plan.start_ms,
            first_record: 0,
            stop_ms: plan.stop_ms,
            sent: 0,
        });
    }
    for (index, plan) in scenario.consumers.iter().enumerate() {
        let node = scenario.consumer_node(index);
        let NodeId::Client(client_id) = node else { continue };
        let subscription = if plan.config.group_id.is_some() {
            Subscription::Topics(vec![plan.topic.clone()])
        } else {
            let partitions = scenario
                .topics
                .iter()
                .filter(|t| t.name == plan.topic)
                .flat_map(|t| {
                    (0..t.partitions).map(|partition| TopicPartition { topic: t.name.clone(), partition })
                })
                .collect();
            Subscription::Partitions(partitions)
        };
        let app = ConsumerApp::new(plan.workload.clone(), subscription);
        let consumer = SimConsumer::new(client_id, plan.config.clone(), scenario.brokers.clone(), app)
            .map_err(|reason| BuildError::Client { client: node, reason })?;
        sim.add_node(Box::new(consumer))?;
    }
    for (index, plan) in scenario.pipelines.iter().enumerate() {
        let node = scenario.pipeline_node(index);
        let NodeId::Client(client_id) = node else { continue };
        let app = crate::pipeline_app::PipelineApp::new(plan.semantics, plan.output.clone())
            .with_commit_interval_ms(plan.commit_interval_ms);
        let pipeline = SimPipeline::new(
            client_id,
            plan.consumer.clone(),
            plan.producer.clone(),
            scenario.brokers.clone(),
            plan.input.clone(),
            app,
        )
        .map_err(|reason| BuildError::Client { client: node, reason })?;
        sim.add_node(Box::new(pipeline))?;
    }
    for (at_ms, fault) in &scenario.faults {
        sim.schedule_fault(*at_ms, fault.clone());
    }
    Ok(sim)
}

/// Why a scenario's cluster could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// The engine refused (trace, network, duplicate node).
    Sim(SimError),
    /// The controller refused a topic.
    Topic {
        /// Which topic.
        topic: String,
        /// Kafka's error name.
        error: &'static str,
    },
    /// A client refused its configs.
    Client {
        /// Which client.
        client: NodeId,
        /// Why.
        reason: String,
    },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Sim(e) => e.fmt(f),
            BuildError::Topic { topic, error } => write!(f, "cannot create topic {topic}: {error}"),
            BuildError::Client { client, reason } => write!(f, "{client}: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<SimError> for BuildError {
    fn from(e: SimError) -> Self {
        BuildError::Sim(e)
    }
}

/// The cluster now, for the checker's end-of-run checks: the controller's leader and ISR per partition,
/// and the log of every replica on a running broker.
pub fn final_state(sim: &Simulation) -> Result<FinalState, FinalStateError> {
    let mut state = FinalState { at: At { step: sim.steps(), t_ms: sim.now_ms() }, ..FinalState::default() };
    if let Some(controller) = sim.node(NodeId::Controller).and_then(|n| n.as_controller()) {
        for partition in Controller::partitions(controller) {
            let entry = state.partitions.entry(partition.tp.clone()).or_default();
            entry.leader = partition.leader;
            entry.isr = partition.isr.clone();
        }
    }
    // Transactions whose coordinator logged PrepareCommit/PrepareAbort: decided, markers on their way.
    let mut decided: BTreeMap<(TopicPartition, i64), bool> = BTreeMap::new();
    for id in sim.node_ids() {
        let Some(broker) = sim.node(id).and_then(|n| n.as_broker()) else { continue };
        for txn in broker.transaction_coordinator().transactions() {
            let commit = match txn.state {
                samsa_core::txn::TransactionState::PrepareCommit => true,
                samsa_core::txn::TransactionState::PrepareAbort => false,
                _ => continue,
            };
            for tp in &txn.partitions {
                decided.insert((tp.clone(), txn.producer_id), commit);
            }
        }
    }
    for id in sim.node_ids() {
        let Some(broker) = sim.node(id).and_then(|n| n.as_broker()) else { continue };
        // `__consumer_offsets` holds the coordinator's records, not the workload's: the checker's record
        // guarantees are about the workload topics (the group checks read the coordinator's events).
        for partition in
            broker.partitions().filter(|p| p.tp().topic != samsa_core::group::CONSUMER_OFFSETS_TOPIC)
        {
            let tp = partition.tp();
            let decided = |producer_id: i64| decided.get(&(tp.clone(), producer_id)).copied();
            let replica = FinalReplica::from_log(partition.log(), partition.high_watermark(), &decided)?;
            let entry = state.partitions.entry(partition.tp().clone()).or_default();
            entry.replicas.insert(broker.broker_id(), replica);
        }
    }
    Ok(state)
}

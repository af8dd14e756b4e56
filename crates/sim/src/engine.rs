//! The simulation engine: one virtual clock, one seed, the nodes, the network and a schedule, run one
//! step at a time.
//!
//! Each step does one thing: apply a scheduled action (a fault, a workload send, a paused node
//! resuming), deliver one message, or fire one node's tick. After a node runs, its effects are executed
//! at once (sends go to the network, events to the trace) and the node's `check_invariants` runs. Ties
//! at the same millisecond break the same way every run: scheduled actions first (in the order they
//! were scheduled), then deliveries (in send order), then ticks (in node id order). Nothing iterates a
//! hash map.
//!
//! Only the node that ran in a step has its invariants checked: a node's state changes only when the
//! engine calls it, so checking the others again would find what the previous check found.

mod checkpoint;
mod clients;
mod error;
mod faults;
mod snapshot;
mod workload;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use samsa_core::node::{Effect, NodeId};
use samsa_core::replication::messages::Message;

pub use error::SimError;
pub use faults::{Fault, Target};
pub use snapshot::{ClusterSnapshot, LinkView, NodeView};
pub use workload::Workload;

use crate::clock::VirtualClock;
use crate::network::{InFlight, Network, NetworkConfig, SendOutcome};
use crate::rng::SimRng;
use crate::sim_node::{Dormant, SimNode};
use crate::stats::RunStats;
use crate::trace::{Api, DropReason, Trace, TraceEvent, TraceKind};

/// Default bound on steps per run: far more than any scenario needs; reaching it means a livelock
/// (e.g. a message storm at zero latency), reported as [`SimError::StepLimit`].
pub const DEFAULT_MAX_STEPS: u64 = 200_000_000;

/// How many invariant violations are written to the trace; later ones are only counted, so a broken
/// state that every step re-reports cannot fill the trace.
pub const MAX_TRACED_VIOLATIONS: u64 = 100;

/// What a simulation is started with.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// The run seed: every random choice descends from it.
    pub seed: u64,
    /// Scenario name, for the trace's first line.
    pub scenario: String,
    /// Whether the seed's randomised fault schedule was added (recorded in the trace).
    pub explore: bool,
    /// The network's starting behaviour.
    pub network: NetworkConfig,
    /// Bound on steps.
    pub max_steps: u64,
}

impl SimConfig {
    /// Defaults for `seed`: default network, [`DEFAULT_MAX_STEPS`].
    pub fn new(seed: u64, scenario: &str) -> Self {
        SimConfig {
            seed,
            scenario: scenario.to_owned(),
            explore: false,
            network: NetworkConfig::default(),
            max_steps: DEFAULT_MAX_STEPS,
        }
    }
}

/// Called with every trace event as it is recorded (e.g. a streaming checker).
pub type Observer = Box<dyn FnMut(&TraceEvent)>;

/// A node's life in the simulation.
enum Slot {
    /// Running; `next_tick_ms` cached from [`samsa_core::node::Node::next_tick_ms`].
    Up { node: Box<dyn SimNode>, next_tick_ms: Option<u64> },
    /// Not running until a scheduled resume; `fail_over` calls [`SimNode::fail_over`] on resume.
    /// Messages that arrive meanwhile wait in `held` (a paused process's socket buffers still fill)
    /// and are delivered, in arrival order, when it resumes.
    Paused { node: Box<dyn SimNode>, fail_over: bool, held: Vec<InFlight> },
    /// Crashed: only what survived.
    Down(Box<dyn Dormant>),
}

/// A node's status, for snapshots and the CLI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    /// Running.
    Up,
    /// Paused.
    Paused,
    /// Crashed.
    Down,
}

/// Something scheduled for a time.
#[derive(Clone, Debug, PartialEq)]
enum Action {
    Fault(Fault),
    Resume(NodeId),
    Workload(usize),
}

/// What the next step will do.
enum Next {
    Scheduled,
    Deliver,
    Tick(NodeId),
}

/// A deterministic simulation of a cluster (see the module docs).
pub struct Simulation {
    clock: VirtualClock,
    step: u64,
    max_steps: u64,
    seed: u64,
    nodes: BTreeMap<NodeId, Slot>,
    /// Every running node's cached next tick as `(time, id)`: the first entry is the tick
    /// [`Simulation::next`] wants (earliest, then lowest id), found without scanning every node.
    /// Kept in step by [`Simulation::put_slot`], [`Simulation::take_slot`] and `after_call`.
    ticks: BTreeSet<(u64, NodeId)>,
    network: Network,
    /// Keyed by (time, sequence): a total order fixed by the order things were scheduled.
    schedule: BTreeMap<(u64, u64), Action>,
    next_seq: u64,
    workloads: Vec<Workload>,
    workload_rng: SimRng,
    fault_rng: SimRng,
    next_record_id: u64,
    trace: Trace,
    stats: RunStats,
    observer: Option<Observer>,
}

impl fmt::Debug for Simulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("seed", &self.seed)
            .field("step", &self.step)
            .field("t_ms", &self.clock.now_ms())
            .field("nodes", &self.nodes.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Simulation {
    /// A simulation with no nodes yet. The seed is forked, in this order, into the network's, the
    /// workload's and the faults' generators, so a draw in one never shifts another.
    pub fn new(config: SimConfig, trace: Trace) -> Result<Self, SimError> {
        let mut root = SimRng::new(config.seed);
        let network = Network::new(config.network, root.fork())?;
        let workload_rng = root.fork();
        let fault_rng = root.fork();
        let mut sim = Simulation {
            clock: VirtualClock::new(),
            step: 0,
            max_steps: config.max_steps,
            seed: config.seed,
            nodes: BTreeMap::new(),
            ticks: BTreeSet::new(),
            network,
            schedule: BTreeMap::new(),
            next_seq: 0,
            workloads: Vec::new(),
            workload_rng,
            fault_rng,
            next_record_id: 1,
            trace,
            stats: RunStats::default(),
            observer: None,
        };
        sim.record(TraceKind::RunStarted {
            scenario: config.scenario,
            seed: config.seed,
            explore: config.explore,
        })?;
        Ok(sim)
    }

    /// Adds a running node.
    pub fn add_node(&mut self, node: Box<dyn SimNode>) -> Result<(), SimError> {
        let id = node.id();
        if self.nodes.contains_key(&id) {
            return Err(SimError::DuplicateNode(id));
        }
        let next_tick_ms = node.next_tick_ms();
        self.put_slot(id, Slot::Up { node, next_tick_ms });
        Ok(())
    }

    /// Calls `observer` with every trace event as it is recorded (e.g. a streaming checker).
    pub fn set_observer(&mut self, observer: Observer) {
        self.observer = Some(observer);
    }

    /// The run seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Virtual time now.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Mutable access to the trace (to flush it).
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// Counts so far.
    pub fn stats(&self) -> &RunStats {
        &self.stats
    }

    /// The network, to inspect.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The generator for randomised fault schedules (explore mode).
    pub fn fault_rng(&mut self) -> &mut SimRng {
        &mut self.fault_rng
    }

    /// Node ids, in order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes.keys().copied()
    }

    /// A node's status, or `None` for an unknown id.
    pub fn status(&self, id: NodeId) -> Option<NodeStatus> {
        self.nodes.get(&id).map(|slot| match slot {
            Slot::Up { .. } => NodeStatus::Up,
            Slot::Paused { .. } => NodeStatus::Paused,
            Slot::Down(_) => NodeStatus::Down,
        })
    }

    /// A running or paused node, to inspect.
    pub fn node(&self, id: NodeId) -> Option<&dyn SimNode> {
        match self.nodes.get(&id)? {
            Slot::Up { node, .. } | Slot::Paused { node, .. } => Some(node.as_ref()),
            Slot::Down(_) => None,
        }
    }

    fn schedule_action(&mut self, at_ms: u64, action: Action) {
        let at_ms = at_ms.max(self.clock.now_ms());
        self.schedule.insert((at_ms, self.next_seq), action);
        self.next_seq += 1;
    }

    /// Schedules `fault` at `at_ms` (now, if `at_ms` has passed).
    pub fn schedule_fault(&mut self, at_ms: u64, fault: Fault) {
        self.schedule_action(at_ms, Action::Fault(fault));
    }

    /// Adds a workload; its first send is scheduled at its start.
    pub fn add_workload(&mut self, workload: Workload) {
        let start_ms = workload.start_ms;
        self.workloads.push(workload);
        self.schedule_action(start_ms, Action::Workload(self.workloads.len() - 1));
    }

    /// Writes one event: counts it, shows it to the observer, hashes and stores it.
    pub(crate) fn record(&mut self, kind: TraceKind) -> Result<(), SimError> {
        self.stats.observe(self.clock.now_ms(), &kind);
        let event = TraceEvent { step: self.step, t_ms: self.clock.now_ms(), kind };
        if let Some(observer) = self.observer.as_mut() {
            observer(&event);
        }
        self.trace.record(event)?;
        Ok(())
    }

    fn next(&self) -> Option<(u64, Next)> {
        let mut best: Option<(u64, Next)> = self.schedule.keys().next().map(|&(t, _)| (t, Next::Scheduled));
        if let Some(t) = self.network.next_delivery_ms() {
            if best.as_ref().is_none_or(|(b, _)| t < *b) {
                best = Some((t, Next::Deliver));
            }
        }
        debug_assert!(self.ticks_in_step(), "tick index out of step");
        if let Some(&(t, id)) = self.ticks.first() {
            if best.as_ref().is_none_or(|(b, _)| t < *b) {
                best = Some((t, Next::Tick(id)));
            }
        }
        best
    }

    /// Whether every running node's tick is in [`Simulation::ticks`] and nothing else is (the debug
    /// check; it allocates nothing, so debug runs stay fast).
    fn ticks_in_step(&self) -> bool {
        let mut count = 0;
        for (&id, slot) in &self.nodes {
            if let Slot::Up { next_tick_ms: Some(t), .. } = slot {
                if !self.ticks.contains(&(*t, id)) {
                    return false;
                }
                count += 1;
            }
        }
        count == self.ticks.len()
    }

    /// Puts `slot` in place for `id`, keeping the tick index in step.
    fn put_slot(&mut self, id: NodeId, slot: Slot) {
        if let Some(Slot::Up { next_tick_ms: Some(t), .. }) = self.nodes.get(&id) {
            self.ticks.remove(&(*t, id));
        }
        if let Slot::Up { next_tick_ms: Some(t), .. } = &slot {
            self.ticks.insert((*t, id));
        }
        self.nodes.insert(id, slot);
    }

    /// Takes `id`'s slot out, keeping the tick index in step.
    fn take_slot(&mut self, id: NodeId) -> Option<Slot> {
        let slot = self.nodes.remove(&id)?;
        if let Slot::Up { next_tick_ms: Some(t), .. } = &slot {
            self.ticks.remove(&(*t, id));
        }
        Some(slot)
    }

    /// When the next step will happen, if anything is left to do.
    pub fn next_step_ms(&self) -> Option<u64> {
        self.next().map(|(t, _)| t)
    }

    /// Takes one step; `Ok(false)` when nothing is left to do.
    pub fn step(&mut self) -> Result<bool, SimError> {
        let Some((t_ms, next)) = self.next() else {
            return Ok(false);
        };
        if self.step >= self.max_steps {
            return Err(SimError::StepLimit { max_steps: self.max_steps, t_ms: self.clock.now_ms() });
        }
        self.step += 1;
        self.clock.advance_to(t_ms.max(self.clock.now_ms()))?;
        match next {
            Next::Scheduled => {
                if let Some((_, action)) = self.schedule.pop_first() {
                    self.apply(action)?;
                }
            }
            Next::Deliver => {
                if let Some(result) = self.network.poll_due(self.clock.now_ms()) {
                    self.deliver(result)?;
                }
            }
            Next::Tick(id) => self.tick(id)?,
        }
        Ok(true)
    }

    /// Runs every step due at or before `t_ms`, then moves the clock to `t_ms`.
    pub fn run_until(&mut self, t_ms: u64) -> Result<(), SimError> {
        while self.next_step_ms().is_some_and(|next| next <= t_ms) {
            self.step()?;
        }
        if t_ms > self.clock.now_ms() {
            self.clock.advance_to(t_ms)?;
        }
        Ok(())
    }

    fn apply(&mut self, action: Action) -> Result<(), SimError> {
        match action {
            Action::Fault(fault) => self.apply_fault(fault),
            Action::Resume(id) => self.resume(id),
            Action::Workload(index) => self.run_workload(index),
        }
    }

    fn deliver(&mut self, result: Result<InFlight, InFlight>) -> Result<(), SimError> {
        let (in_flight, cut) = match result {
            Ok(m) => (m, false),
            Err(m) => (m, true),
        };
        let (msg_id, from, to, api) =
            (in_flight.id, in_flight.from, in_flight.to, Api::of(&in_flight.message));
        let held_limit = self.network.config().max_in_flight_messages;
        let reason = match self.nodes.get_mut(&to) {
            _ if cut => Some(DropReason::LinkCut),
            Some(Slot::Up { .. }) => None,
            Some(Slot::Paused { held, .. }) if held.len() < held_limit => {
                held.push(in_flight);
                return self.record(TraceKind::MessageHeld { msg_id, from, to, api });
            }
            Some(Slot::Paused { .. }) => Some(DropReason::QueueFull),
            Some(Slot::Down(_)) | None => Some(DropReason::NodeDown),
        };
        if let Some(reason) = reason {
            return self.record(TraceKind::MessageDropped { msg_id, from, to, api, reason });
        }
        self.hand_over(in_flight)
    }

    /// Gives a message to its (running) receiver and executes what the receiver does about it.
    fn hand_over(&mut self, in_flight: InFlight) -> Result<(), SimError> {
        let InFlight { id: msg_id, from, to, message, .. } = in_flight;
        self.record(TraceKind::MessageDelivered { msg_id, from, to, api: Api::of(&message) })?;
        let now_ms = self.clock.now_ms();
        if let Some(Slot::Up { node, .. }) = self.nodes.get_mut(&to) {
            node.on_message(now_ms, from, message);
        }
        self.after_call(to)
    }

    fn tick(&mut self, id: NodeId) -> Result<(), SimError> {
        let now_ms = self.clock.now_ms();
        if let Some(Slot::Up { node, .. }) = self.nodes.get_mut(&id) {
            node.on_tick(now_ms);
        }
        self.after_call(id)
    }

    /// After a node ran: executes its effects, refreshes its next tick, checks its invariants.
    pub(crate) fn after_call(&mut self, id: NodeId) -> Result<(), SimError> {
        let now_ms = self.clock.now_ms();
        let (effects, invariants) = match self.nodes.get_mut(&id) {
            Some(Slot::Up { node, next_tick_ms }) => {
                // A node asking to tick again at (or before) now would spin the clock in place; the
                // next millisecond is the soonest a timer can usefully fire.
                let new_tick_ms = node.next_tick_ms().map(|t| t.max(now_ms + 1));
                if new_tick_ms != *next_tick_ms {
                    if let Some(t) = *next_tick_ms {
                        self.ticks.remove(&(t, id));
                    }
                    if let Some(t) = new_tick_ms {
                        self.ticks.insert((t, id));
                    }
                    *next_tick_ms = new_tick_ms;
                }
                (node.take_effects(), node.check_invariants())
            }
            _ => return Ok(()),
        };
        for effect in effects {
            match effect {
                Effect::Send { to, message } => self.send(id, to, message)?,
                Effect::Event(event) => self.record(event.into())?,
                Effect::Client(event) => self.record(event.into())?,
            }
        }
        if let Err(message) = invariants {
            self.violation(id, message)?;
        }
        Ok(())
    }

    fn violation(&mut self, node: NodeId, message: String) -> Result<(), SimError> {
        if self.stats.violations < MAX_TRACED_VIOLATIONS {
            self.record(TraceKind::InvariantViolation { node, message })
        } else {
            self.stats.violations += 1;
            Ok(())
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, message: Message) -> Result<(), SimError> {
        let api = Api::of(&message);
        match self.network.send(self.clock.now_ms(), from, to, message) {
            SendOutcome::Queued { id, deliver_at_ms, duplicate } => {
                self.record(TraceKind::MessageSent { msg_id: id, from, to, api, deliver_at_ms })?;
                if let Some((copy_id, copy_at_ms)) = duplicate {
                    self.record(TraceKind::MessageDuplicated {
                        msg_id: id,
                        copy_id,
                        from,
                        to,
                        api,
                        deliver_at_ms: copy_at_ms,
                    })?;
                }
                Ok(())
            }
            SendOutcome::Dropped { id, reason } => {
                self.record(TraceKind::MessageDropped { msg_id: id, from, to, api, reason })
            }
        }
    }

    fn resume(&mut self, id: NodeId) -> Result<(), SimError> {
        let Some(Slot::Paused { .. }) = self.nodes.get(&id) else {
            return Ok(());
        };
        let Some(Slot::Paused { mut node, fail_over, held }) = self.take_slot(id) else {
            return Ok(());
        };
        self.record(TraceKind::NodeResumed { node: id })?;
        if fail_over {
            node.fail_over(self.clock.now_ms());
            self.record(TraceKind::ControllerFailedOver)?;
        }
        self.put_slot(id, Slot::Up { node, next_tick_ms: None });
        self.after_call(id)?;
        for in_flight in held {
            self.hand_over(in_flight)?;
        }
        Ok(())
    }

    pub(crate) fn take_record_id(&mut self) -> u64 {
        let id = self.next_record_id;
        self.next_record_id += 1;
        id
    }

    /// Flushes the trace writer.
    pub fn finish(&mut self) -> Result<(), SimError> {
        self.trace.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;

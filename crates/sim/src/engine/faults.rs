//! Fault verbs on the whole simulation: crash, restart, pause, controller failover, and the network's
//! cut / heal / isolate / rates, applied at their scheduled time.

use samsa_core::node::{BrokerId, NodeId};
use samsa_core::replication::messages::TopicPartition;

use super::{Action, SimError, Simulation, Slot};
use crate::trace::TraceKind;

/// Which node a fault hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A fixed node.
    Node(NodeId),
    /// Whichever broker leads the partition when the fault fires (highest leader epoch among the running
    /// brokers that think they lead it).
    LeaderOf(TopicPartition),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Node(id) => id.fmt(f),
            Target::LeaderOf(tp) => write!(f, "leader-of:{}/{}", tp.topic, tp.partition),
        }
    }
}

/// A fault, as scheduled by a scenario or the explorer.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The node's process dies; with `power_loss` unflushed data is lost too.
    Crash {
        /// Which node.
        node: Target,
        /// Lose unflushed data.
        power_loss: bool,
    },
    /// A crashed node starts again from what survived.
    Restart {
        /// Which node.
        node: Target,
    },
    /// The node stops for `duration_ms` (a long GC pause); messages to it wait and arrive on resume.
    Pause {
        /// Which node.
        node: Target,
        /// How long.
        duration_ms: u64,
    },
    /// The active controller stops for `pause_ms`, then a new one takes over (`fail_over`).
    ControllerFailover {
        /// How long no controller answers.
        pause_ms: u64,
    },
    /// Cut the link between `a` and `b`.
    Cut {
        /// One end.
        a: Target,
        /// Other end.
        b: Target,
    },
    /// Heal the link between `a` and `b`.
    Heal {
        /// One end.
        a: Target,
        /// Other end.
        b: Target,
    },
    /// Cut every link of a node.
    Isolate {
        /// Which node.
        node: Target,
    },
    /// End a node's isolation.
    Rejoin {
        /// Which node.
        node: Target,
    },
    /// Heal everything.
    HealAll,
    /// Every link's latency range.
    SetLatency {
        /// Fastest.
        min_ms: u64,
        /// Slowest.
        max_ms: u64,
    },
    /// The link between `a` and `b` (both directions) gets its own latency range (until the next
    /// [`Fault::SetLatency`], which resets every link).
    SetLinkLatency {
        /// One end.
        a: Target,
        /// Other end.
        b: Target,
        /// Fastest.
        min_ms: u64,
        /// Slowest.
        max_ms: u64,
    },
    /// A client's config by Kafka's name: the client is closed and a new one with the changed config
    /// takes its place ([`Simulation::reconfigure_client`]).
    SetConfig {
        /// Which client.
        node: Target,
        /// Kafka's config name.
        name: String,
        /// The value.
        value: String,
    },
    /// A producer's workload rate ([`Simulation::set_produce_rate`]).
    SetProduceRate {
        /// Which producer.
        node: Target,
        /// Records per second (0 stops it).
        rate_per_sec: u64,
    },
    /// A producer's `flush()`: its batches go at once; `flush_completed` follows in the trace.
    Flush {
        /// Which producer.
        node: Target,
    },
    /// The drop probability.
    SetDropRate {
        /// In `[0, 1]`.
        rate: f64,
    },
    /// The duplicate probability.
    SetDuplicateRate {
        /// In `[0, 1]`.
        rate: f64,
    },
    /// The reorder probability and the largest extra delay.
    SetReorderRate {
        /// In `[0, 1]`.
        rate: f64,
        /// Largest extra delay.
        delay_max_ms: u64,
    },
}

impl Fault {
    /// The scenario file's name for this action.
    pub fn action_name(&self) -> &'static str {
        match self {
            Fault::Crash { .. } => "crash",
            Fault::Restart { .. } => "restart",
            Fault::Pause { .. } => "pause",
            Fault::ControllerFailover { .. } => "controller-failover",
            Fault::Cut { .. } => "cut",
            Fault::Heal { .. } => "heal",
            Fault::Isolate { .. } => "isolate",
            Fault::Rejoin { .. } => "rejoin",
            Fault::HealAll => "heal-all",
            Fault::SetLatency { .. } => "set-latency",
            Fault::SetLinkLatency { .. } => "set-link-latency",
            Fault::SetConfig { .. } => "set-config",
            Fault::SetProduceRate { .. } => "set-produce-rate",
            Fault::Flush { .. } => "flush",
            Fault::SetDropRate { .. } => "set-drop-rate",
            Fault::SetDuplicateRate { .. } => "set-duplicate-rate",
            Fault::SetReorderRate { .. } => "set-reorder-rate",
        }
    }
}

impl Simulation {
    /// The broker leading `tp` now: the highest leader epoch among running brokers claiming it.
    pub fn leader_of(&self, tp: &TopicPartition) -> Option<BrokerId> {
        let mut best: Option<(i32, BrokerId)> = None;
        for slot in self.nodes.values() {
            if let Slot::Up { node, .. } = slot {
                for replica in node.replicas() {
                    if replica.is_leader
                        && &replica.tp == tp
                        && best.is_none_or(|(e, _)| replica.leader_epoch > e)
                    {
                        best = Some((replica.leader_epoch, replica.broker));
                    }
                }
            }
        }
        best.map(|(_, broker)| broker)
    }

    fn resolve(&self, target: &Target) -> Result<NodeId, String> {
        let id = match target {
            Target::Node(id) => *id,
            Target::LeaderOf(tp) => NodeId::Broker(
                self.leader_of(tp)
                    .ok_or_else(|| format!("{}/{} has no running leader", tp.topic, tp.partition))?,
            ),
        };
        if self.nodes.contains_key(&id) {
            Ok(id)
        } else {
            Err(format!("no node {id}"))
        }
    }

    fn skip(&mut self, fault: &Fault, reason: String) -> Result<(), SimError> {
        self.record(TraceKind::FaultSkipped { action: fault.action_name().to_owned(), reason })
    }

    /// Applies `fault` now (what a scheduled fault does when its time comes).
    pub fn apply_fault(&mut self, fault: Fault) -> Result<(), SimError> {
        match self.try_apply(&fault) {
            Ok(()) => Ok(()),
            Err(Skip::Reason(reason)) => self.skip(&fault, reason),
            Err(Skip::Sim(e)) => Err(e),
        }
    }

    fn try_apply(&mut self, fault: &Fault) -> Result<(), Skip> {
        match fault {
            Fault::Crash { node, power_loss } => {
                let id = self.resolve(node)?;
                self.crash(id, *power_loss)?;
            }
            Fault::Restart { node } => {
                let id = self.resolve(node)?;
                self.restart(id)?;
            }
            Fault::Pause { node, duration_ms } => {
                let id = self.resolve(node)?;
                self.pause(id, *duration_ms, false)?;
            }
            Fault::ControllerFailover { pause_ms } => self.pause(NodeId::Controller, *pause_ms, true)?,
            Fault::Cut { a, b } => {
                let (a, b) = (self.resolve(a)?, self.resolve(b)?);
                self.network.cut(a, b);
                self.record(TraceKind::LinkCut { a, b })?;
            }
            Fault::Heal { a, b } => {
                let (a, b) = (self.resolve(a)?, self.resolve(b)?);
                self.network.heal(a, b);
                self.record(TraceKind::LinkHealed { a, b })?;
            }
            Fault::Isolate { node } => {
                let node = self.resolve(node)?;
                self.network.isolate(node);
                self.record(TraceKind::NodeIsolated { node })?;
            }
            Fault::Rejoin { node } => {
                let node = self.resolve(node)?;
                self.network.rejoin(node);
                self.record(TraceKind::NodeRejoined { node })?;
            }
            Fault::HealAll => {
                self.network.heal_all();
                self.record(TraceKind::AllHealed)?;
            }
            Fault::SetLatency { min_ms, max_ms } => {
                self.network.set_latency(*min_ms, *max_ms).map_err(|e| e.to_string())?;
                self.record(TraceKind::LatencyChanged { min_ms: *min_ms, max_ms: *max_ms })?;
            }
            Fault::SetLinkLatency { a, b, min_ms, max_ms } => {
                let (a, b) = (self.resolve(a)?, self.resolve(b)?);
                self.network.set_link_latency(a, b, *min_ms, *max_ms).map_err(|e| e.to_string())?;
                self.record(TraceKind::LinkLatencyChanged { a, b, min_ms: *min_ms, max_ms: *max_ms })?;
            }
            Fault::SetConfig { node, name, value } => {
                let id = self.resolve(node)?;
                self.reconfigure_client(id, name, value)??;
            }
            Fault::SetProduceRate { node, rate_per_sec } => {
                let id = self.resolve(node)?;
                self.set_produce_rate(id, *rate_per_sec)??;
            }
            Fault::Flush { node } => {
                let id = self.resolve(node)?;
                self.flush(id)??;
            }
            Fault::SetDropRate { rate } => {
                self.network.set_drop_rate(*rate).map_err(|e| e.to_string())?;
                self.record(TraceKind::DropRateChanged { rate: *rate })?;
            }
            Fault::SetDuplicateRate { rate } => {
                self.network.set_duplicate_rate(*rate).map_err(|e| e.to_string())?;
                self.record(TraceKind::DuplicateRateChanged { rate: *rate })?;
            }
            Fault::SetReorderRate { rate, delay_max_ms } => {
                self.network.set_reorder_rate(*rate, *delay_max_ms).map_err(|e| e.to_string())?;
                self.record(TraceKind::ReorderRateChanged { rate: *rate })?;
            }
        }
        Ok(())
    }

    /// Crashes a running or paused node: it keeps only what [`crate::sim_node::SimNode::crash`]
    /// says survives; messages to it are dropped until [`Simulation::restart`].
    pub fn crash(&mut self, id: NodeId, power_loss: bool) -> Result<(), SimError> {
        match self.take_slot(id) {
            Some(Slot::Up { node, .. }) => {
                self.put_slot(id, Slot::Down(node.crash(power_loss)));
                self.record(TraceKind::NodeCrashed { node: id, power_loss })
            }
            Some(Slot::Paused { node, held, .. }) => {
                self.put_slot(id, Slot::Down(node.crash(power_loss)));
                self.record(TraceKind::NodeCrashed { node: id, power_loss })?;
                // What waited in the dead process's socket buffers is gone with it.
                for m in held {
                    let api = crate::trace::Api::of(&m.message);
                    let reason = crate::trace::DropReason::NodeDown;
                    self.record(TraceKind::MessageDropped {
                        msg_id: m.id,
                        from: m.from,
                        to: m.to,
                        api,
                        reason,
                    })?;
                }
                Ok(())
            }
            Some(down @ Slot::Down(_)) => {
                self.put_slot(id, down);
                self.record(TraceKind::FaultSkipped {
                    action: "crash".to_owned(),
                    reason: format!("{id} is down"),
                })
            }
            None => Ok(()),
        }
    }

    /// Restarts a crashed node from what survived.
    pub fn restart(&mut self, id: NodeId) -> Result<(), SimError> {
        match self.take_slot(id) {
            Some(Slot::Down(dormant)) => {
                let node = dormant.restart(self.clock.now_ms());
                self.put_slot(id, Slot::Up { node, next_tick_ms: None });
                self.record(TraceKind::NodeRestarted { node: id })?;
                self.after_call(id)
            }
            Some(other) => {
                self.put_slot(id, other);
                self.record(TraceKind::FaultSkipped {
                    action: "restart".to_owned(),
                    reason: format!("{id} is not down"),
                })
            }
            None => Ok(()),
        }
    }

    /// Pauses a running node for `duration_ms`; with `fail_over`, it resumes as a new active controller.
    pub fn pause(&mut self, id: NodeId, duration_ms: u64, fail_over: bool) -> Result<(), SimError> {
        match self.take_slot(id) {
            Some(Slot::Up { node, .. }) => {
                self.put_slot(id, Slot::Paused { node, fail_over, held: Vec::new() });
                let until_ms = self.clock.now_ms().saturating_add(duration_ms);
                self.schedule_action(until_ms, Action::Resume(id));
                self.record(TraceKind::NodePaused { node: id, until_ms })
            }
            Some(other) => {
                self.put_slot(id, other);
                self.record(TraceKind::FaultSkipped {
                    action: "pause".to_owned(),
                    reason: format!("{id} is not running"),
                })
            }
            None => self.record(TraceKind::FaultSkipped {
                action: "pause".to_owned(),
                reason: format!("no node {id}"),
            }),
        }
    }
}

/// Why a fault was not applied: a reason for the trace, or a real error.
enum Skip {
    Reason(String),
    Sim(SimError),
}

impl From<String> for Skip {
    fn from(reason: String) -> Self {
        Skip::Reason(reason)
    }
}

impl From<SimError> for Skip {
    fn from(e: SimError) -> Self {
        Skip::Sim(e)
    }
}

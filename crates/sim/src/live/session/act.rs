//! A person's [`UserAction`]: checked against the scenario and the cluster now (a refusal names the
//! field at fault), then applied through the engine's fault verbs, exactly as a scenario file's
//! `[[faults]]` entry would be.

use samsa_core::node::NodeId;

use crate::engine::{Fault, NodeStatus, SimError, Simulation, Target};
use crate::live::protocol::UserAction;
use crate::scenario::{parse_target, Scenario};

use super::{MAX_LATENCY_MS, MAX_PRODUCE_RATE_PER_SEC};

/// A refused command: the field at fault and why.
#[derive(Debug)]
pub(super) struct Refusal {
    /// The field at fault, if one.
    pub field: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl Refusal {
    /// A refusal naming `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Refusal {
        Refusal { field: Some(field.to_owned()), message: message.into() }
    }

    /// The engine stopped: nothing a person typed was wrong, so no field.
    pub fn sim(error: SimError) -> Refusal {
        Refusal { field: None, message: format!("the simulation stopped: {error}") }
    }
}

/// The node `text` names (field `field`), as a scenario file names it.
fn node(scenario: &Scenario, field: &str, text: &str) -> Result<NodeId, Refusal> {
    let clients = (scenario.producers.len() + scenario.consumers.len()) as u32;
    match parse_target(text, scenario.brokers.len() as u32, clients) {
        Ok(Target::Node(id)) => Ok(id),
        Ok(Target::LeaderOf(_)) => Err(Refusal::new(field, format!("`{text}`: name a node, e.g. broker-1"))),
        Err(message) => Err(Refusal::new(field, message)),
    }
}

fn latency(min_ms: u64, max_ms: u64) -> Result<(), Refusal> {
    if max_ms > MAX_LATENCY_MS {
        return Err(Refusal::new("max_ms", format!("at most {MAX_LATENCY_MS} ms, got {max_ms}")));
    }
    if min_ms > max_ms {
        return Err(Refusal::new("min_ms", format!("min_ms {min_ms} is above max_ms {max_ms}")));
    }
    Ok(())
}

/// Checks `action` against the scenario and the cluster now; `Ok` means [`apply`] will do it.
pub(super) fn validate(sim: &Simulation, scenario: &Scenario, action: &UserAction) -> Result<(), Refusal> {
    match action {
        UserAction::Crash { node: name, .. } => {
            let id = node(scenario, "node", name)?;
            if sim.status(id) == Some(NodeStatus::Down) {
                return Err(Refusal::new("node", format!("{name} is already down")));
            }
        }
        UserAction::Restart { node: name } => {
            let id = node(scenario, "node", name)?;
            if sim.status(id) != Some(NodeStatus::Down) {
                return Err(Refusal::new("node", format!("{name} is not down")));
            }
        }
        UserAction::Cut { a, b } | UserAction::Heal { a, b } => {
            let a_id = node(scenario, "a", a)?;
            if node(scenario, "b", b)? == a_id {
                return Err(Refusal::new("b", format!("a link needs two nodes, got {a} twice")));
            }
        }
        UserAction::Isolate { node: name } | UserAction::Rejoin { node: name } => {
            node(scenario, "node", name)?;
        }
        UserAction::HealAll => {}
        UserAction::SetLatency { min_ms, max_ms } => latency(*min_ms, *max_ms)?,
        UserAction::SetLinkLatency { a, b, min_ms, max_ms } => {
            let a_id = node(scenario, "a", a)?;
            if node(scenario, "b", b)? == a_id {
                return Err(Refusal::new("b", format!("a link needs two nodes, got {a} twice")));
            }
            latency(*min_ms, *max_ms)?;
        }
        UserAction::SetDropRate { rate } => {
            if !(0.0..=1.0).contains(rate) {
                return Err(Refusal::new("rate", format!("must be between 0 and 1, got {rate}")));
            }
        }
        UserAction::SetClientConfig { client, name, value } => {
            let id = node(scenario, "client", client)?;
            match sim.node(id).filter(|_| sim.status(id) == Some(NodeStatus::Up)) {
                None => {
                    return Err(Refusal::new("client", format!("{client} is not running; restart it first")))
                }
                Some(n) => match n.reconfigured(name, value) {
                    None => return Err(Refusal::new("client", format!("{client} is not a client"))),
                    Some(Err(message)) => return Err(Refusal::new(name, message)),
                    Some(Ok(_)) => {}
                },
            }
        }
        UserAction::SetProduceRate { client, rate_per_sec } => {
            let id = node(scenario, "client", client)?;
            if !sim.workloads().iter().any(|w| w.producer == id) {
                return Err(Refusal::new("client", format!("{client} is not a producer")));
            }
            if *rate_per_sec > MAX_PRODUCE_RATE_PER_SEC {
                return Err(Refusal::new(
                    "rate_per_sec",
                    format!("at most {MAX_PRODUCE_RATE_PER_SEC} records/s, got {rate_per_sec}"),
                ));
            }
        }
    }
    Ok(())
}

/// The engine fault that does `action` (every user action is one a scenario file can script).
fn fault(scenario: &Scenario, action: &UserAction) -> Result<Fault, Refusal> {
    let target = |field: &str, text: &str| node(scenario, field, text).map(Target::Node);
    Ok(match action {
        UserAction::Crash { node, power_loss } => {
            Fault::Crash { node: target("node", node)?, power_loss: *power_loss }
        }
        UserAction::Restart { node } => Fault::Restart { node: target("node", node)? },
        UserAction::Cut { a, b } => Fault::Cut { a: target("a", a)?, b: target("b", b)? },
        UserAction::Heal { a, b } => Fault::Heal { a: target("a", a)?, b: target("b", b)? },
        UserAction::Isolate { node } => Fault::Isolate { node: target("node", node)? },
        UserAction::Rejoin { node } => Fault::Rejoin { node: target("node", node)? },
        UserAction::HealAll => Fault::HealAll,
        UserAction::SetLatency { min_ms, max_ms } => Fault::SetLatency { min_ms: *min_ms, max_ms: *max_ms },
        UserAction::SetLinkLatency { a, b, min_ms, max_ms } => {
            Fault::SetLinkLatency { a: target("a", a)?, b: target("b", b)?, min_ms: *min_ms, max_ms: *max_ms }
        }
        UserAction::SetDropRate { rate } => Fault::SetDropRate { rate: *rate },
        UserAction::SetClientConfig { client, name, value } => {
            Fault::SetConfig { node: target("client", client)?, name: name.clone(), value: value.clone() }
        }
        UserAction::SetProduceRate { client, rate_per_sec } => {
            Fault::SetProduceRate { node: target("client", client)?, rate_per_sec: u64::from(*rate_per_sec) }
        }
    })
}

/// Applies a validated `action` now (replays apply logged actions the same way).
pub(super) fn apply(sim: &mut Simulation, scenario: &Scenario, action: &UserAction) -> Result<(), SimError> {
    match fault(scenario, action) {
        Ok(fault) => sim.apply_fault(fault),
        // Names were checked when the action was first taken; a logged action always resolves.
        Err(refusal) => Err(SimError::Live(refusal.message)),
    }
}

/// The action as the branch list shows it: `t = 12.345 s: crash broker-1`.
pub(super) fn describe(t_ms: u64, action: &UserAction) -> String {
    let what = match action {
        UserAction::Crash { node, power_loss: true } => format!("crash {node} (power loss)"),
        UserAction::Crash { node, power_loss: false } => format!("crash {node}"),
        UserAction::Restart { node } => format!("restart {node}"),
        UserAction::Cut { a, b } => format!("cut {a} – {b}"),
        UserAction::Heal { a, b } => format!("heal {a} – {b}"),
        UserAction::Isolate { node } => format!("isolate {node}"),
        UserAction::Rejoin { node } => format!("rejoin {node}"),
        UserAction::HealAll => "heal all".to_owned(),
        UserAction::SetLatency { min_ms, max_ms } => format!("latency {min_ms}–{max_ms} ms"),
        UserAction::SetLinkLatency { a, b, min_ms, max_ms } => {
            format!("latency {a} – {b} {min_ms}–{max_ms} ms")
        }
        UserAction::SetDropRate { rate } => format!("drop rate {rate}"),
        UserAction::SetClientConfig { client, name, value } => format!("{client} {name}={value}"),
        UserAction::SetProduceRate { client, rate_per_sec } => format!("{client} rate {rate_per_sec}/s"),
    };
    format!("t = {}.{:03} s: {what}", t_ms / 1_000, t_ms % 1_000)
}

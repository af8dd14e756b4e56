//! `[[faults]]` entries into the engine's [`Fault`]s: action names, node names, required fields.

use samsa_core::node::NodeId;
use toml::Spanned;

use super::spec::FaultSpec;
use super::{ConsumerPlan, Lines, ProducerPlan, ScenarioError};
use crate::engine::{Fault, Target};
use crate::trace::ids::{parse_node_id, parse_topic_partition};

/// The action names a scenario may use.
pub const ACTIONS: [&str; 17] = [
    "crash",
    "restart",
    "pause",
    "controller-failover",
    "cut",
    "heal",
    "isolate",
    "rejoin",
    "heal-all",
    "set-latency",
    "set-link-latency",
    "set-config",
    "set-produce-rate",
    "flush",
    "set-drop-rate",
    "set-duplicate-rate",
    "set-reorder-rate",
];

/// Default pause of a `controller-failover` without `duration_ms`: about a KRaft election.
pub const DEFAULT_FAILOVER_PAUSE_MS: u64 = 1_000;

/// Parses a node name as the trace prints it, or `leader-of:topic/partition`.
pub fn parse_target(text: &str, broker_count: u32, client_count: u32) -> Result<Target, String> {
    if let Some(tp) = text.strip_prefix("leader-of:") {
        return parse_topic_partition(tp)
            .map(Target::LeaderOf)
            .ok_or_else(|| format!("`{text}`: expected leader-of:TOPIC/PARTITION"));
    }
    let id = parse_node_id(text).ok_or_else(|| {
        format!(
            "unknown node `{text}` (expected broker-N, controller, client-N or leader-of:TOPIC/PARTITION)"
        )
    })?;
    let exists = match id {
        NodeId::Broker(n) => n >= 1 && n as u32 <= broker_count,
        NodeId::Controller => true,
        NodeId::Client(n) => n >= 1 && n <= client_count,
    };
    if exists {
        Ok(Target::Node(id))
    } else {
        Err(format!("no node `{text}` in this scenario"))
    }
}

/// Validates one `[[faults]]` entry.
pub(super) fn validate(
    lines: &Lines<'_>,
    index: usize,
    spec: &FaultSpec,
    broker_count: u32,
    producers: &[ProducerPlan],
    consumers: &[ConsumerPlan],
    pipelines: usize,
) -> Result<(u64, Fault), ScenarioError> {
    let client_count = (producers.len() + consumers.len() + pipelines) as u32;
    let path = |field: &str| format!("faults[{index}].{field}");
    let action_span = spec.action.span();
    let missing = |field: &str| {
        lines.error(path(field), action_span.clone(), format!("`{}` needs `{field}`", spec.action.get_ref()))
    };
    let target = |field: &str, value: &Option<Spanned<String>>| -> Result<Target, ScenarioError> {
        let value = value.as_ref().ok_or_else(|| missing(field))?;
        parse_target(value.get_ref(), broker_count, client_count)
            .map_err(|m| lines.error(path(field), value.span(), m))
    };
    let latency = || -> Result<(u64, u64), ScenarioError> {
        let min_ms = spec.min_ms.ok_or_else(|| missing("min_ms"))?;
        let max_ms = spec.max_ms.ok_or_else(|| missing("max_ms"))?;
        if min_ms > max_ms {
            let message = format!("min_ms {min_ms} is above max_ms {max_ms}");
            return Err(lines.error(path("min_ms"), action_span.clone(), message));
        }
        Ok((min_ms, max_ms))
    };
    let rate = || -> Result<f64, ScenarioError> {
        let rate = spec.rate.as_ref().ok_or_else(|| missing("rate"))?;
        let value = *rate.get_ref();
        if (0.0..=1.0).contains(&value) {
            Ok(value)
        } else {
            Err(lines.error(path("rate"), rate.span(), format!("must be between 0 and 1, got {value}")))
        }
    };
    let fault = match spec.action.get_ref().as_str() {
        "crash" => Fault::Crash { node: target("node", &spec.node)?, power_loss: spec.power_loss },
        "restart" => Fault::Restart { node: target("node", &spec.node)? },
        "pause" => Fault::Pause {
            node: target("node", &spec.node)?,
            duration_ms: spec.duration_ms.ok_or_else(|| missing("duration_ms"))?,
        },
        "controller-failover" => {
            Fault::ControllerFailover { pause_ms: spec.duration_ms.unwrap_or(DEFAULT_FAILOVER_PAUSE_MS) }
        }
        "cut" => Fault::Cut { a: target("node", &spec.node)?, b: target("peer", &spec.peer)? },
        "heal" => Fault::Heal { a: target("node", &spec.node)?, b: target("peer", &spec.peer)? },
        "isolate" => Fault::Isolate { node: target("node", &spec.node)? },
        "rejoin" => Fault::Rejoin { node: target("node", &spec.node)? },
        "heal-all" => Fault::HealAll,
        "set-latency" => {
            let (min_ms, max_ms) = latency()?;
            Fault::SetLatency { min_ms, max_ms }
        }
        "set-link-latency" => {
            let (a, b) = (target("node", &spec.node)?, target("peer", &spec.peer)?);
            let (min_ms, max_ms) = latency()?;
            Fault::SetLinkLatency { a, b, min_ms, max_ms }
        }
        "set-config" => {
            let node = target("node", &spec.node)?;
            let name = spec.name.as_ref().ok_or_else(|| missing("name"))?;
            let value = spec.value.as_ref().ok_or_else(|| missing("value"))?;
            let text = super::configs::text(lines, &path("value"), value)?;
            check_client_config(&node, name.get_ref(), &text, producers, consumers)
                .map_err(|m| lines.error(path("value"), value.span(), m))?;
            Fault::SetConfig { node, name: name.get_ref().clone(), value: text }
        }
        "set-produce-rate" | "flush" => {
            let node = target("node", &spec.node)?;
            let is_producer =
                matches!(node, Target::Node(NodeId::Client(n)) if n >= 1 && (n as usize) <= producers.len());
            if !is_producer {
                let span = spec.node.as_ref().map_or(action_span.clone(), |n| n.span());
                let message = format!("`{}` needs a producer (client-N)", spec.action.get_ref());
                return Err(lines.error(path("node"), span, message));
            }
            if spec.action.get_ref() == "flush" {
                return Ok((spec.at_ms, Fault::Flush { node }));
            }
            Fault::SetProduceRate {
                node,
                rate_per_sec: spec.rate_per_sec.ok_or_else(|| missing("rate_per_sec"))?,
            }
        }
        "set-drop-rate" => Fault::SetDropRate { rate: rate()? },
        "set-duplicate-rate" => Fault::SetDuplicateRate { rate: rate()? },
        "set-reorder-rate" => {
            Fault::SetReorderRate { rate: rate()?, delay_max_ms: spec.delay_max_ms.unwrap_or(20) }
        }
        other => {
            let message = format!("unknown action `{other}` (one of: {})", ACTIONS.join(", "));
            return Err(lines.error(path("action"), action_span, message));
        }
    };
    Ok((spec.at_ms, fault))
}

/// Checks a `set-config` value with samsa-core's parsers against the client's configs as the file
/// sets them (Kafka's `ConfigException` sentence on error).
fn check_client_config(
    node: &Target,
    name: &str,
    value: &str,
    producers: &[ProducerPlan],
    consumers: &[ConsumerPlan],
) -> Result<(), String> {
    let Target::Node(NodeId::Client(n)) = node else {
        return Err(format!("`set-config` needs a client (client-N), got {node}"));
    };
    let index = (*n as usize).saturating_sub(1);
    if let Some(plan) = producers.get(index) {
        let mut config = plan.config.clone();
        config.set(name, value).and_then(|()| config.validate()).map_err(|e| e.to_string())
    } else if let Some(plan) = consumers.get(index - producers.len()) {
        let mut config = plan.config.clone();
        config.set(name, value).map_err(|e| e.to_string())
    } else {
        Err(format!("no client {node} in this scenario"))
    }
}

//! Kafka configs in scenario files, by Kafka's names, validated by samsa-core: its `set` methods where
//! it has them (topic log configs, producer, consumer), and its `ConfigDef` parsers here for the
//! replication configs it keeps as plain fields. Errors use Kafka's `ConfigException` wording:
//! "Invalid value 2 for configuration acks: …".

use std::collections::BTreeMap;

use samsa_core::client::{ConsumerConfig, ProducerConfig};
use samsa_core::config::{parse_bool, parse_int_at_least};
use samsa_core::replication::config::{BrokerConfig, ControllerConfig, TopicConfig};
use toml::{Spanned, Value};

use super::{Lines, ScenarioError};

/// A `config` table: Kafka config name → value (string, integer, float or boolean).
pub type ConfigMap = BTreeMap<String, Spanned<Value>>;

/// The value's text as Kafka's `ConfigDef` would receive it.
pub(super) fn text(lines: &Lines<'_>, path: &str, value: &Spanned<Value>) -> Result<String, ScenarioError> {
    match value.get_ref() {
        Value::String(s) => Ok(s.clone()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(f.to_string()),
        Value::Boolean(b) => Ok(b.to_string()),
        _ => Err(lines.error(path, value.span(), "must be a string, number or boolean")),
    }
}

fn field(path: &str, name: &str) -> String {
    format!("{path}[\"{name}\"]")
}

/// Topic configs: `min.insync.replicas`, `unclean.leader.election.enable`, and every log config
/// samsa-core's `LogConfig::set` knows (`segment.bytes`, `retention.ms`, `cleanup.policy`, …).
pub fn topic_config(lines: &Lines<'_>, path: &str, map: &ConfigMap) -> Result<TopicConfig, ScenarioError> {
    let mut config = TopicConfig::default();
    for (name, value) in map {
        let path = field(path, name);
        let v = text(lines, &path, value)?;
        let result = match name.as_str() {
            // TopicConfig: INT, atLeast(1).
            "min.insync.replicas" => parse_int_at_least(name, &v, 1).map(|n| config.min_insync_replicas = n),
            "unclean.leader.election.enable" => {
                parse_bool(name, &v).map(|b| config.unclean_leader_election_enable = b)
            }
            _ => config.log.set(name, &v),
        };
        result.map_err(|e| lines.error(path, value.span(), e.to_string()))?;
    }
    Ok(config)
}

/// Producer configs through samsa-core's `ProducerConfig::set` and `validate`.
pub fn producer_config(
    lines: &Lines<'_>,
    path: &str,
    map: &ConfigMap,
) -> Result<ProducerConfig, ScenarioError> {
    let mut config = ProducerConfig::default();
    for (name, value) in map {
        let path = field(path, name);
        let v = text(lines, &path, value)?;
        config.set(name, &v).map_err(|e| lines.error(path, value.span(), e.to_string()))?;
    }
    config.validate().map_err(|e| ScenarioError {
        path: path.to_owned(),
        line: None,
        message: e.to_string(),
    })?;
    Ok(config)
}

/// Consumer configs through samsa-core's `ConsumerConfig::set`.
pub fn consumer_config(
    lines: &Lines<'_>,
    path: &str,
    map: &ConfigMap,
) -> Result<ConsumerConfig, ScenarioError> {
    let mut config = ConsumerConfig::default();
    for (name, value) in map {
        let path = field(path, name);
        let v = text(lines, &path, value)?;
        config.set(name, &v).map_err(|e| lines.error(path, value.span(), e.to_string()))?;
    }
    Ok(config)
}

/// Broker configs (`[cluster.config]`), shared by every broker; `broker.session.timeout.ms` also
/// configures the controller, as in a KRaft cluster.
pub fn broker_config(
    lines: &Lines<'_>,
    map: &ConfigMap,
) -> Result<(BrokerConfig, ControllerConfig), ScenarioError> {
    let mut broker = BrokerConfig::default();
    let mut controller = ControllerConfig::default();
    for (name, value) in map {
        let path = field("cluster.config", name);
        let v = text(lines, &path, value)?;
        let n = name.as_str();
        let result = samsa_core::replication::config::set_cluster_config(&mut broker, &mut controller, n, &v);
        result.map_err(|e| lines.error(path, value.span(), e.to_string()))?;
    }
    Ok((broker, controller))
}

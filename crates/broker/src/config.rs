//! The broker process's configuration: how many nodes, where they listen, and every config by Kafka's
//! name — from `--config name=value` or a `server.properties`-style file. Broker-level configs go to
//! samsa-core's [`set_cluster_config`]; topic defaults (`log.*`, `min.insync.replicas`, …) to the
//! [`TopicConfig`] new topics get; the rest is this driver's own (listeners, auto-creation, limits).

use std::fmt;

use samsa_core::config::{parse_bool, parse_int_at_least, ConfigError};
use samsa_core::replication::config::{set_cluster_config, BrokerConfig, ControllerConfig, TopicConfig};

/// Most nodes one process hosts.
pub const MAX_BROKERS: u32 = 16;

/// Everything the process needs to start.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// How many brokers (ids 1..=brokers), one listener each.
    pub brokers: u32,
    /// The address every listener binds and advertises.
    pub host: String,
    /// Broker 1's port; broker `n` listens on `first_port + n - 1`.
    pub first_port: u16,
    /// Every broker's configs.
    pub broker: BrokerConfig,
    /// The controller's configs.
    pub controller: ControllerConfig,
    /// The configs a new topic gets (`log.retention.ms` → `retention.ms`, …).
    pub topic_defaults: TopicConfig,
    /// `num.partitions` (1): partitions of an auto-created topic.
    pub num_partitions: i32,
    /// `default.replication.factor` (1): replicas of an auto-created topic (at most the broker count).
    pub default_replication_factor: usize,
    /// `auto.create.topics.enable` (true): Metadata for an unknown topic creates it.
    pub auto_create_topics: bool,
    /// `socket.request.max.bytes` (104857600): a larger frame closes the connection.
    pub socket_request_max_bytes: usize,
    /// `max.connections` (1000 here; Kafka's default is unlimited): past it new connections are closed.
    pub max_connections: usize,
    /// `connections.max.idle.ms` (600000): an idle connection is closed.
    pub connections_max_idle_ms: u64,
    /// The admin control's port (`--admin-port`); `None`: no admin control.
    pub admin_port: Option<u16>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            brokers: 1,
            host: "127.0.0.1".into(),
            first_port: 9092,
            broker: BrokerConfig::default(),
            controller: ControllerConfig::default(),
            topic_defaults: TopicConfig::default(),
            num_partitions: 1,
            default_replication_factor: 1,
            auto_create_topics: true,
            socket_request_max_bytes: 104_857_600,
            max_connections: 1_000,
            connections_max_idle_ms: 600_000,
            admin_port: None,
        }
    }
}

/// A config that could not be applied, with Kafka's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Where it came from (`--config`, or `FILE:LINE`).
    pub origin: String,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

impl std::error::Error for ConfigProblem {}

impl ServerConfig {
    /// Applies `name=value` (as `--config` gives it); `origin` names it in errors.
    pub fn apply(&mut self, origin: &str, assignment: &str) -> Result<(), ConfigProblem> {
        let problem = |message: String| ConfigProblem { origin: origin.to_owned(), message };
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(problem(format!("expected name=value, got {assignment:?}")));
        };
        self.set(name.trim(), value.trim()).map_err(|e| problem(e.to_string()))
    }

    /// Applies every `name=value` line of a `server.properties`-style text (`#` and `!` comments, blank
    /// lines skipped); `file` names it in errors, with the line.
    pub fn apply_properties(&mut self, file: &str, text: &str) -> Result<(), ConfigProblem> {
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            self.apply(&format!("{file}:{}", index + 1), line)?;
        }
        Ok(())
    }

    /// Sets one config by Kafka's name.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        match name {
            "num.partitions" => {
                let n = parse_int_at_least(name, value, 1)?;
                self.num_partitions = i32::try_from(n).unwrap_or(i32::MAX);
            }
            "default.replication.factor" => {
                self.default_replication_factor = parse_int_at_least(name, value, 1)? as usize;
            }
            "auto.create.topics.enable" => self.auto_create_topics = parse_bool(name, value)?,
            "socket.request.max.bytes" => {
                self.socket_request_max_bytes = parse_int_at_least(name, value, 1)? as usize
            }
            "max.connections" => self.max_connections = parse_int_at_least(name, value, 1)? as usize,
            "connections.max.idle.ms" => {
                self.connections_max_idle_ms = samsa_core::config::parse_long_at_least(name, value, 1)?;
            }
            "min.insync.replicas" => {
                self.topic_defaults.min_insync_replicas = parse_int_at_least(name, value, 1)?
            }
            "unclean.leader.election.enable" => {
                self.topic_defaults.unclean_leader_election_enable = parse_bool(name, value)?;
            }
            // Broker-level names of topic configs: `log.retention.ms` is the default of `retention.ms`.
            _ if topic_name_of(name).is_some() => {
                let topic_name = topic_name_of(name).unwrap_or(name);
                self.topic_defaults.log.set(topic_name, value)?;
            }
            _ => set_cluster_config(&mut self.broker, &mut self.controller, name, value)?,
        }
        Ok(())
    }

    /// Lowers the internal topics' replication factors (`offsets.topic.replication.factor`,
    /// `transaction.state.log.replication.factor`, default 3) to the broker count, so a one-broker
    /// process can run groups and transactions (Kafka would refuse to create the topics; a development
    /// `server.properties` sets them to 1). Returns a line per config it lowered, for the log.
    pub fn fit_internal_topics(&mut self) -> Vec<String> {
        let brokers = self.brokers.max(1);
        let mut lowered = Vec::new();
        if self.broker.offsets_topic_replication_factor > brokers {
            lowered.push(format!(
                "offsets.topic.replication.factor {} > {brokers} brokers: using {brokers}",
                self.broker.offsets_topic_replication_factor
            ));
            self.broker.offsets_topic_replication_factor = brokers;
        }
        if self.broker.transaction_state_log_replication_factor > brokers {
            lowered.push(format!(
                "transaction.state.log.replication.factor {} > {brokers} brokers: using {brokers}",
                self.broker.transaction_state_log_replication_factor
            ));
            self.broker.transaction_state_log_replication_factor = brokers;
        }
        if self.broker.transaction_state_log_min_isr > brokers {
            self.broker.transaction_state_log_min_isr = brokers;
        }
        lowered
    }

    /// Broker `id`'s port.
    pub fn port_of(&self, id: i32) -> u16 {
        let offset = u16::try_from(id.saturating_sub(1)).unwrap_or(0);
        self.first_port.saturating_add(offset)
    }
}

/// The topic config a broker-level `log.*` name sets (Kafka's `LogConfig` synonyms).
fn topic_name_of(name: &str) -> Option<&'static str> {
    Some(match name {
        "log.segment.bytes" => "segment.bytes",
        "log.roll.ms" => "segment.ms",
        "log.retention.ms" => "retention.ms",
        "log.retention.bytes" => "retention.bytes",
        "log.cleanup.policy" => "cleanup.policy",
        "message.max.bytes" => "max.message.bytes",
        "log.message.timestamp.type" => "message.timestamp.type",
        "log.index.interval.bytes" => "index.interval.bytes",
        "log.segment.delete.delay.ms" => "file.delete.delay.ms",
        "log.flush.interval.messages" => "flush.messages",
        "log.flush.interval.ms" => "flush.ms",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_go_where_kafka_puts_them() {
        let mut config = ServerConfig::default();
        config.apply("--config", "num.partitions=3").unwrap();
        config.apply("--config", "default.replication.factor = 3").unwrap();
        config.apply("--config", "log.retention.ms=1000").unwrap();
        config.apply("--config", "min.insync.replicas=2").unwrap();
        config.apply("--config", "offsets.topic.num.partitions=5").unwrap();
        assert_eq!((config.num_partitions, config.default_replication_factor), (3, 3));
        assert_eq!(config.topic_defaults.log.retention_ms, Some(1000));
        assert_eq!(config.topic_defaults.min_insync_replicas, 2);
        assert_eq!(config.broker.offsets_topic_num_partitions, 5);
    }

    #[test]
    fn bad_configs_name_the_problem_and_where_it_came_from() {
        let mut config = ServerConfig::default();
        let err = config.apply("--config", "num.partitions=0").unwrap_err();
        assert!(
            err.to_string().starts_with("--config: Invalid value 0 for configuration num.partitions"),
            "{err}"
        );
        let err = config.apply("--config", "no.such.config=1").unwrap_err();
        assert!(err.message.contains("no.such.config"), "{err}");
        let err = config
            .apply_properties("server.properties", "# c\n\nnum.partitions=2\nbroken line\n")
            .unwrap_err();
        assert_eq!(err.origin, "server.properties:4");
        assert_eq!(config.num_partitions, 2);
    }
}

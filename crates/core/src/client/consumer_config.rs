//! The consumer's configs, by Kafka's names, with Kafka's defaults and validators
//! (<https://kafka.apache.org/documentation/#consumerconfigs>).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use alloc::format;
use alloc::vec;

use super::config::ClientConfigError;
use crate::config::{parse_bool, parse_int_at_least, parse_long_at_least, parse_one_of, ConfigError};
use crate::group::assignor::{AssignmentStrategy, RebalanceProtocol};

/// Kafka's default `fetch.max.wait.ms`.
pub const DEFAULT_FETCH_MAX_WAIT_MS: u64 = 500;
/// Kafka's default `fetch.max.bytes`: 50 MiB.
pub const DEFAULT_FETCH_MAX_BYTES: u32 = 52_428_800;
/// Kafka's default `max.partition.fetch.bytes`: 1 MiB.
pub const DEFAULT_MAX_PARTITION_FETCH_BYTES: u32 = 1_048_576;

/// Kafka's default `max.poll.records`.
pub const DEFAULT_MAX_POLL_RECORDS: u32 = 500;
/// Kafka's default `max.poll.interval.ms`: 5 minutes.
pub const DEFAULT_MAX_POLL_INTERVAL_MS: u64 = 300_000;
/// Kafka's default `session.timeout.ms`: 45 s since Kafka 3.0 (KIP-735).
pub const DEFAULT_SESSION_TIMEOUT_MS: u64 = 45_000;
/// Kafka's default `heartbeat.interval.ms`.
pub const DEFAULT_HEARTBEAT_INTERVAL_MS: u64 = 3_000;
/// Kafka's default `auto.commit.interval.ms`.
pub const DEFAULT_AUTO_COMMIT_INTERVAL_MS: u64 = 5_000;
/// Kafka's default `default.api.timeout.ms`: how long `commitSync` and other blocking calls may take.
pub const DEFAULT_API_TIMEOUT_MS: u64 = 60_000;

/// Where a partition's position goes when it has no committed offset or it is out of range
/// (`auto.offset.reset`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AutoOffsetReset {
    /// `earliest`: the log start offset.
    Earliest,
    /// `latest` (Kafka's default): the high watermark, found with ListOffsets.
    #[default]
    Latest,
    /// `none`: report the error (`NoOffsetForPartitionException`, `OffsetOutOfRangeException`) and stop
    /// fetching the partition until the application seeks.
    None,
}

/// `isolation.level`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// `read_uncommitted` (default): read up to the high watermark.
    #[default]
    ReadUncommitted,
    /// `read_committed`: read up to the last stable offset, skipping aborted transactions (KIP-98).
    ReadCommitted,
}

/// Consumer configs, with Kafka's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerConfig {
    /// `group.id`: the consumer group, or `None` (Kafka's `null`) for a consumer that only uses `assign`.
    pub group_id: Option<String>,
    /// `group.instance.id`: a static member's stable identity (KIP-345), or `None`.
    pub group_instance_id: Option<String>,
    /// `enable.auto.commit` (default true; ignored without a `group.id`).
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`: how often `poll` commits the positions it returned.
    pub auto_commit_interval_ms: u64,
    /// `auto.offset.reset`.
    pub auto_offset_reset: AutoOffsetReset,
    /// `max.poll.records`: most records one `poll` returns.
    pub max_poll_records: u32,
    /// `max.poll.interval.ms`: the longest time between two `poll` calls before the consumer leaves the
    /// group (and the rebalance timeout its JoinGroup carries).
    pub max_poll_interval_ms: u64,
    /// `session.timeout.ms`: the coordinator removes a member it has not heard from for this long.
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms`: how often the member heartbeats the coordinator.
    pub heartbeat_interval_ms: u64,
    /// `partition.assignment.strategy`: assignors in preference order (Kafka 3.x's default:
    /// `range, cooperative-sticky`).
    pub partition_assignment_strategy: Vec<AssignmentStrategy>,
    /// `isolation.level`.
    pub isolation_level: IsolationLevel,
    /// `fetch.min.bytes`: the leader holds a fetch until this many bytes are available (or
    /// `fetch.max.wait.ms` passes).
    pub fetch_min_bytes: u32,
    /// `fetch.max.wait.ms`: how long the leader may hold a fetch waiting for data.
    pub fetch_max_wait_ms: u64,
    /// `fetch.max.bytes`: most bytes per fetch response (at least one batch is always returned, KIP-74).
    pub fetch_max_bytes: u32,
    /// `max.partition.fetch.bytes`: most bytes per partition per fetch.
    pub max_partition_fetch_bytes: u32,
    /// `request.timeout.ms` (default 30 s): a request unanswered this long (a fetch: after
    /// `fetch.max.wait.ms`) is abandoned and metadata refreshed.
    pub request_timeout_ms: u64,
    /// `default.api.timeout.ms`: how long a blocking call (`commitSync`, `committed`, `position`) waits.
    pub default_api_timeout_ms: u64,
    /// `retry.backoff.ms`: wait before retrying after an error.
    pub retry_backoff_ms: u64,
    /// `metadata.max.age.ms`: refresh metadata at least this often.
    pub metadata_max_age_ms: u64,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            group_id: None,
            group_instance_id: None,
            enable_auto_commit: true,
            auto_commit_interval_ms: DEFAULT_AUTO_COMMIT_INTERVAL_MS,
            auto_offset_reset: AutoOffsetReset::Latest,
            max_poll_records: DEFAULT_MAX_POLL_RECORDS,
            max_poll_interval_ms: DEFAULT_MAX_POLL_INTERVAL_MS,
            session_timeout_ms: DEFAULT_SESSION_TIMEOUT_MS,
            heartbeat_interval_ms: DEFAULT_HEARTBEAT_INTERVAL_MS,
            partition_assignment_strategy: vec![
                AssignmentStrategy::Range,
                AssignmentStrategy::CooperativeSticky,
            ],
            isolation_level: IsolationLevel::ReadUncommitted,
            fetch_min_bytes: 1,
            fetch_max_wait_ms: DEFAULT_FETCH_MAX_WAIT_MS,
            fetch_max_bytes: DEFAULT_FETCH_MAX_BYTES,
            max_partition_fetch_bytes: DEFAULT_MAX_PARTITION_FETCH_BYTES,
            request_timeout_ms: super::producer_config::DEFAULT_REQUEST_TIMEOUT_MS,
            default_api_timeout_ms: DEFAULT_API_TIMEOUT_MS,
            retry_backoff_ms: super::producer_config::DEFAULT_RETRY_BACKOFF_MS,
            metadata_max_age_ms: super::producer_config::DEFAULT_METADATA_MAX_AGE_MS,
        }
    }
}

/// The values `auto.offset.reset` accepts.
const RESET_VALUES: &[&str] = &["latest", "earliest", "none"];
/// The values `isolation.level` accepts.
const ISOLATION_VALUES: &[&str] = &["read_committed", "read_uncommitted"];

impl ConsumerConfig {
    /// Every name [`ConsumerConfig::set`] and [`ConsumerConfig::get`] know, sorted.
    pub const NAMES: &'static [&'static str] = &[
        "auto.commit.interval.ms",
        "auto.offset.reset",
        "default.api.timeout.ms",
        "enable.auto.commit",
        "fetch.max.bytes",
        "fetch.max.wait.ms",
        "fetch.min.bytes",
        "group.id",
        "group.instance.id",
        "heartbeat.interval.ms",
        "isolation.level",
        "max.partition.fetch.bytes",
        "max.poll.interval.ms",
        "max.poll.records",
        "metadata.max.age.ms",
        "partition.assignment.strategy",
        "request.timeout.ms",
        "retry.backoff.ms",
        "session.timeout.ms",
    ];

    /// Sets one config by Kafka's name from its string form. On error the config is unchanged.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ClientConfigError> {
        match name {
            // STRING, null by default; an empty value means null here (unset).
            "group.id" => self.group_id = non_empty(value),
            "group.instance.id" => {
                self.group_instance_id = match non_empty(value) {
                    Some(id) => Some(validate_instance_id(name, id)?),
                    None => None,
                }
            }
            "enable.auto.commit" => self.enable_auto_commit = parse_bool(name, value)?,
            "auto.commit.interval.ms" => {
                self.auto_commit_interval_ms = parse_int_at_least(name, value, 0)?.into()
            }
            "auto.offset.reset" => {
                self.auto_offset_reset = match parse_one_of(name, value, RESET_VALUES)? {
                    0 => AutoOffsetReset::Latest,
                    1 => AutoOffsetReset::Earliest,
                    _ => AutoOffsetReset::None,
                }
            }
            "max.poll.records" => self.max_poll_records = parse_int_at_least(name, value, 1)?,
            "max.poll.interval.ms" => self.max_poll_interval_ms = parse_int_at_least(name, value, 1)?.into(),
            "session.timeout.ms" => self.session_timeout_ms = parse_int_at_least(name, value, 0)?.into(),
            "heartbeat.interval.ms" => {
                self.heartbeat_interval_ms = parse_int_at_least(name, value, 0)?.into()
            }
            "partition.assignment.strategy" => {
                self.partition_assignment_strategy = parse_strategies(name, value)?
            }
            "isolation.level" => {
                self.isolation_level = match parse_one_of(name, value, ISOLATION_VALUES)? {
                    0 => IsolationLevel::ReadCommitted,
                    _ => IsolationLevel::ReadUncommitted,
                }
            }
            // INT, atLeast(0).
            "fetch.min.bytes" => self.fetch_min_bytes = parse_int_at_least(name, value, 0)?,
            "fetch.max.wait.ms" => self.fetch_max_wait_ms = parse_int_at_least(name, value, 0)?.into(),
            "fetch.max.bytes" => self.fetch_max_bytes = parse_int_at_least(name, value, 0)?,
            "max.partition.fetch.bytes" => {
                self.max_partition_fetch_bytes = parse_int_at_least(name, value, 0)?
            }
            "request.timeout.ms" => self.request_timeout_ms = parse_int_at_least(name, value, 0)?.into(),
            "default.api.timeout.ms" => {
                self.default_api_timeout_ms = parse_int_at_least(name, value, 0)?.into()
            }
            // LONG, atLeast(0).
            "retry.backoff.ms" => self.retry_backoff_ms = parse_long_at_least(name, value, 0)?,
            "metadata.max.age.ms" => self.metadata_max_age_ms = parse_long_at_least(name, value, 0)?,
            _ => return Err(ClientConfigError::UnknownName { name: name.into() }),
        }
        Ok(())
    }

    /// Every config by Kafka's name with its value as Kafka prints it, in [`ConsumerConfig::NAMES`] order.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        Self::NAMES.iter().filter_map(|&name| self.get(name).map(|value| (name, value))).collect()
    }

    /// The config's value in Kafka's string form (`""` for an unset `group.id`/`group.instance.id`),
    /// or `None` for an unknown name.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "group.id" => self.group_id.clone().unwrap_or_default(),
            "group.instance.id" => self.group_instance_id.clone().unwrap_or_default(),
            "enable.auto.commit" => self.enable_auto_commit.to_string(),
            "auto.commit.interval.ms" => self.auto_commit_interval_ms.to_string(),
            "auto.offset.reset" => String::from(match self.auto_offset_reset {
                AutoOffsetReset::Latest => "latest",
                AutoOffsetReset::Earliest => "earliest",
                AutoOffsetReset::None => "none",
            }),
            "max.poll.records" => self.max_poll_records.to_string(),
            "max.poll.interval.ms" => self.max_poll_interval_ms.to_string(),
            "session.timeout.ms" => self.session_timeout_ms.to_string(),
            "heartbeat.interval.ms" => self.heartbeat_interval_ms.to_string(),
            "partition.assignment.strategy" => {
                let names: Vec<&str> = self.partition_assignment_strategy.iter().map(|s| s.name()).collect();
                names.join(",")
            }
            "isolation.level" => String::from(match self.isolation_level {
                IsolationLevel::ReadUncommitted => "read_uncommitted",
                IsolationLevel::ReadCommitted => "read_committed",
            }),
            "fetch.min.bytes" => self.fetch_min_bytes.to_string(),
            "fetch.max.wait.ms" => self.fetch_max_wait_ms.to_string(),
            "fetch.max.bytes" => self.fetch_max_bytes.to_string(),
            "max.partition.fetch.bytes" => self.max_partition_fetch_bytes.to_string(),
            "request.timeout.ms" => self.request_timeout_ms.to_string(),
            "default.api.timeout.ms" => self.default_api_timeout_ms.to_string(),
            "retry.backoff.ms" => self.retry_backoff_ms.to_string(),
            "metadata.max.age.ms" => self.metadata_max_age_ms.to_string(),
            _ => return None,
        })
    }

    /// Whether offsets are committed automatically: `enable.auto.commit` with a `group.id` (Kafka turns
    /// auto commit off for a consumer without a group).
    pub fn auto_commit(&self) -> bool {
        self.enable_auto_commit && self.group_id.is_some()
    }

    /// The rebalance protocol the group will use: cooperative when every listed assignor supports it
    /// (KIP-429: Kafka picks the protocol all of a member's assignors support), else eager.
    pub fn rebalance_protocol(&self) -> RebalanceProtocol {
        let all_cooperative = !self.partition_assignment_strategy.is_empty()
            && self
                .partition_assignment_strategy
                .iter()
                .all(|s| s.protocol() == RebalanceProtocol::Cooperative);
        if all_cooperative {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        }
    }
}

fn non_empty(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| String::from(trimmed))
}

/// Kafka's `JoinGroupRequest.validateGroupInstanceId`: at most 249 characters of `[a-zA-Z0-9._-]`.
fn validate_instance_id(name: &str, id: String) -> Result<String, ConfigError> {
    let legal = id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if id.len() > 249 || !legal {
        return Err(ConfigError::invalid(
            name,
            &id,
            "Group instance id must be at most 249 characters of ASCII alphanumerics, '.', '_' and '-'",
        ));
    }
    Ok(id)
}

/// Kafka's `LIST` of assignor names or class names; at least one.
fn parse_strategies(name: &str, value: &str) -> Result<Vec<AssignmentStrategy>, ConfigError> {
    let mut strategies = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let strategy = AssignmentStrategy::from_name(item).ok_or_else(|| {
            let known: Vec<&str> = AssignmentStrategy::ALL.iter().map(|s| s.name()).collect();
            ConfigError::invalid(
                name,
                item,
                format!("Class {item} cannot be found; known assignors: {}", known.join(", ")),
            )
        })?;
        if !strategies.contains(&strategy) {
            strategies.push(strategy);
        }
    }
    if strategies.is_empty() {
        return Err(ConfigError::invalid(name, value, "Empty list"));
    }
    Ok(strategies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_every_config_with_its_value() {
        let mut config = ConsumerConfig::default();
        config.set("request.timeout.ms", "1234").unwrap();
        let entries = config.entries();
        assert_eq!(entries.len(), ConsumerConfig::NAMES.len());
        for (name, value) in &entries {
            assert_eq!(config.get(name).as_ref(), Some(value), "{name}");
        }
        assert!(entries.contains(&("request.timeout.ms", String::from("1234"))));
    }

    #[test]
    fn assignment_strategies_take_short_and_class_names_and_refuse_unknown_ones() {
        let mut config = ConsumerConfig::default();
        assert_eq!(config.rebalance_protocol(), RebalanceProtocol::Eager);
        config
            .set(
                "partition.assignment.strategy",
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
            )
            .unwrap();
        assert_eq!(config.partition_assignment_strategy, vec![AssignmentStrategy::CooperativeSticky]);
        assert_eq!(config.rebalance_protocol(), RebalanceProtocol::Cooperative);
        let error = config.set("partition.assignment.strategy", "range, fancy").unwrap_err();
        assert!(error.to_string().contains("fancy"), "{error}");
        assert_eq!(config.partition_assignment_strategy, vec![AssignmentStrategy::CooperativeSticky]);
        assert!(config.set("partition.assignment.strategy", " ").is_err());
    }

    #[test]
    fn group_ids_are_null_when_empty_and_instance_ids_are_validated() {
        let mut config = ConsumerConfig::default();
        assert!(!config.auto_commit(), "no group, no auto commit");
        config.set("group.id", "payments").unwrap();
        assert!(config.auto_commit());
        config.set("group.id", "").unwrap();
        assert_eq!(config.group_id, None);
        assert!(config.set("group.instance.id", "worker 1").is_err());
        config.set("group.instance.id", "worker-1").unwrap();
        assert_eq!(config.group_instance_id.as_deref(), Some("worker-1"));
    }

    #[test]
    fn every_name_round_trips_through_get_and_set() {
        let defaults = ConsumerConfig::default();
        for name in ConsumerConfig::NAMES {
            let value = defaults.get(name).unwrap();
            let mut config = ConsumerConfig::default();
            config.set(name, &value).unwrap();
            assert_eq!(config, defaults, "{name}={value}");
        }
    }
}

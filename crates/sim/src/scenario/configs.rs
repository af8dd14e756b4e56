//! Kafka configs in scenario files, by Kafka's names, validated by samsa-core: its `set` methods where
//! it has them (topic log configs, producer, consumer), and its `ConfigDef` parsers here for the
//! replication configs it keeps as plain fields. Errors use Kafka's `ConfigException` wording:
//! "Invalid value 2 for configuration acks: …".

use std::collections::BTreeMap;

use samsa_core::client::{ConsumerConfig, ProducerConfig};
use samsa_core::config::{parse_bool, parse_int_at_least, parse_long_at_least, ConfigError};
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
        let result = match n {
            "replica.lag.time.max.ms" => {
                parse_long_at_least(n, &v, 0).map(|x| broker.replica_lag_time_max_ms = x)
            }
            "replica.fetch.wait.max.ms" => {
                parse_long_at_least(n, &v, 0).map(|x| broker.replica_fetch_wait_max_ms = x)
            }
            "replica.fetch.max.bytes" => {
                parse_int_at_least(n, &v, 0).map(|x| broker.replica_fetch_max_bytes = x)
            }
            "replica.fetch.backoff.ms" => {
                parse_long_at_least(n, &v, 0).map(|x| broker.replica_fetch_backoff_ms = x)
            }
            "broker.heartbeat.interval.ms" => {
                parse_long_at_least(n, &v, 1).map(|x| broker.broker_heartbeat_interval_ms = x)
            }
            "broker.session.timeout.ms" => parse_long_at_least(n, &v, 1).map(|x| {
                broker.broker_session_timeout_ms = x;
                controller.broker_session_timeout_ms = x;
            }),
            "request.timeout.ms" => parse_long_at_least(n, &v, 0).map(|x| broker.request_timeout_ms = x),
            "replica.high.watermark.checkpoint.interval.ms" => parse_long_at_least(n, &v, 1)
                .map(|x| broker.replica_high_watermark_checkpoint_interval_ms = x),
            "log.retention.check.interval.ms" => {
                parse_long_at_least(n, &v, 1).map(|x| broker.log_retention_check_interval_ms = x)
            }
            "producer.id.expiration.ms" => {
                parse_long_at_least(n, &v, 1).map(|x| broker.producer_id_expiration_ms = x)
            }
            "producer.id.expiration.check.interval.ms" => {
                parse_long_at_least(n, &v, 1).map(|x| broker.producer_id_expiration_check_interval_ms = x)
            }
            "offsets.topic.num.partitions" => parse_int_at_least(n, &v, 1)
                .map(|x| broker.offsets_topic_num_partitions = i32::try_from(x).unwrap_or(i32::MAX)),
            "offsets.topic.replication.factor" => {
                parse_int_at_least(n, &v, 1).map(|x| broker.offsets_topic_replication_factor = x)
            }
            "offsets.topic.segment.bytes" => {
                parse_int_at_least(n, &v, 1).map(|x| broker.offsets_topic_segment_bytes = x)
            }
            "offsets.commit.timeout.ms" => {
                parse_int_at_least(n, &v, 1).map(|x| broker.offsets_commit_timeout_ms = x.into())
            }
            "group.initial.rebalance.delay.ms" => {
                parse_int_at_least(n, &v, 0).map(|x| broker.group_initial_rebalance_delay_ms = x.into())
            }
            "group.min.session.timeout.ms" => {
                parse_int_at_least(n, &v, 0).map(|x| broker.group_min_session_timeout_ms = x.into())
            }
            "group.max.session.timeout.ms" => {
                parse_int_at_least(n, &v, 0).map(|x| broker.group_max_session_timeout_ms = x.into())
            }
            "group.max.size" => parse_int_at_least(n, &v, 1).map(|x| broker.group_max_size = x),
            "transaction.state.log.num.partitions" => parse_int_at_least(n, &v, 1)
                .map(|x| broker.transaction_state_log_num_partitions = i32::try_from(x).unwrap_or(i32::MAX)),
            "transaction.state.log.replication.factor" => {
                parse_int_at_least(n, &v, 1).map(|x| broker.transaction_state_log_replication_factor = x)
            }
            "transaction.state.log.min.isr" => {
                parse_int_at_least(n, &v, 1).map(|x| broker.transaction_state_log_min_isr = x)
            }
            "transaction.state.log.segment.bytes" => {
                parse_int_at_least(n, &v, 1).map(|x| broker.transaction_state_log_segment_bytes = x)
            }
            "transaction.max.timeout.ms" => {
                parse_int_at_least(n, &v, 1).map(|x| broker.transaction_max_timeout_ms = x.into())
            }
            "transaction.abort.timed.out.transaction.cleanup.interval.ms" => parse_int_at_least(n, &v, 1)
                .map(|x| broker.transaction_abort_timed_out_transaction_cleanup_interval_ms = x.into()),
            "transaction.version" => samsa_core::config::parse_one_of(n, &v, &["1", "2"]).map(|x| {
                broker.transaction_version = if x == 1 {
                    samsa_core::txn::TransactionVersion::EpochBumpPerTransaction
                } else {
                    samsa_core::txn::TransactionVersion::Classic
                }
            }),
            // Not a Kafka config: reproduces the pre-KIP-101 truncation bug, for checker tests only.
            "samsa.unsafe.truncate.to.high.watermark" => {
                parse_bool(n, &v).map(|b| broker.unsafe_truncate_to_high_watermark = b)
            }
            _ => Err(ConfigError::UnknownName { name: name.clone() }),
        };
        result.map_err(|e| lines.error(path, value.span(), e.to_string()))?;
    }
    Ok((broker, controller))
}

//! DescribeConfigs (v1–v4): a topic's configs as its replicas hold them (every `LogConfig` name plus
//! `min.insync.replicas` and `unclean.leader.election.enable`), and a broker's own configs by Kafka's
//! names. A config equal to the broker's default for new topics is reported as `DEFAULT_CONFIG`, any
//! other as `DYNAMIC_TOPIC_CONFIG` (set at creation); the broker's as `STATIC_BROKER_CONFIG` (they are set at start).

use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse};
use kafka_protocol::protocol::StrBytes;
use samsa_core::replication::config::TopicConfig;
use samsa_core::ErrorCode;
use tokio::sync::oneshot;

use super::Connection;
use crate::cluster::Command;

/// Kafka's `ConfigResource.Type` codes.
const TOPIC: i8 = 2;
const BROKER: i8 = 4;
/// Kafka's `ConfigSource` codes.
const DYNAMIC_TOPIC_CONFIG: i8 = 1;
const STATIC_BROKER_CONFIG: i8 = 4;
const DEFAULT_CONFIG: i8 = 5;

/// A topic's configs by name.
pub fn topic_entries(config: &TopicConfig) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = samsa_core::log::LogConfig::NAMES
        .iter()
        .filter_map(|&name| config.log.get(name).map(|value| (name.to_owned(), value)))
        .collect();
    entries.push(("min.insync.replicas".into(), config.min_insync_replicas.to_string()));
    entries
        .push(("unclean.leader.election.enable".into(), config.unclean_leader_election_enable.to_string()));
    entries.sort();
    entries
}

/// Answers DescribeConfigs.
pub async fn handle(conn: &mut Connection, request: DescribeConfigsRequest) -> DescribeConfigsResponse {
    let defaults = topic_entries(&conn.config.topic_defaults);
    let mut response = DescribeConfigsResponse::default();
    for resource in &request.resources {
        let mut result = DescribeConfigsResult::default();
        result.resource_type = resource.resource_type;
        result.resource_name = resource.resource_name.clone();
        let wanted = |name: &str| {
            resource.configuration_keys.as_ref().is_none_or(|keys| keys.iter().any(|k| k.as_str() == name))
        };
        let entries: Option<Vec<(String, String, i8)>> = match resource.resource_type {
            TOPIC => {
                let (reply, answer) = oneshot::channel();
                let command = Command::TopicConfig { topic: resource.resource_name.to_string(), reply };
                let config =
                    if conn.cluster.send(command).await { answer.await.ok().flatten() } else { None };
                config.map(|config| {
                    topic_entries(&config)
                        .into_iter()
                        .map(|(name, value)| {
                            let default = defaults.iter().any(|(n, v)| *n == name && *v == value);
                            (name, value, if default { DEFAULT_CONFIG } else { DYNAMIC_TOPIC_CONFIG })
                        })
                        .collect()
                })
            }
            BROKER => {
                let own = resource
                    .resource_name
                    .parse::<i32>()
                    .ok()
                    .is_some_and(|id| (1..=conn.config.brokers as i32).contains(&id));
                own.then(|| {
                    let c = &conn.config;
                    let mut entries = vec![
                        ("num.partitions".to_owned(), c.num_partitions.to_string()),
                        ("default.replication.factor".to_owned(), c.default_replication_factor.to_string()),
                        ("auto.create.topics.enable".to_owned(), c.auto_create_topics.to_string()),
                        ("socket.request.max.bytes".to_owned(), c.socket_request_max_bytes.to_string()),
                        ("max.connections".to_owned(), c.max_connections.to_string()),
                        ("connections.max.idle.ms".to_owned(), c.connections_max_idle_ms.to_string()),
                        (
                            "offsets.topic.num.partitions".to_owned(),
                            c.broker.offsets_topic_num_partitions.to_string(),
                        ),
                        (
                            "transaction.state.log.num.partitions".to_owned(),
                            c.broker.transaction_state_log_num_partitions.to_string(),
                        ),
                        ("replica.lag.time.max.ms".to_owned(), c.broker.replica_lag_time_max_ms.to_string()),
                    ];
                    entries.extend(defaults.iter().cloned());
                    entries.into_iter().map(|(n, v)| (n, v, STATIC_BROKER_CONFIG)).collect()
                })
            }
            _ => None,
        };
        match entries {
            Some(entries) => {
                result.configs = entries
                    .into_iter()
                    .filter(|(name, _, _)| wanted(name))
                    .map(|(name, value, source)| {
                        let mut entry = DescribeConfigsResourceResult::default();
                        entry.name = StrBytes::from_string(name);
                        entry.value = Some(StrBytes::from_string(value));
                        entry.config_source = source;
                        entry
                    })
                    .collect();
            }
            None => {
                let error = if resource.resource_type == TOPIC {
                    ErrorCode::UnknownTopicOrPartition
                } else {
                    ErrorCode::InvalidRequest
                };
                result.error_code = error.code();
                result.error_message = Some(StrBytes::from_static_str(error.description()));
            }
        }
        response.results.push(result);
    }
    response
}

//! Serde forms for samsa-core's id types (samsa-core has no serde): node ids, topic partitions and
//! error codes travel in the trace as the strings a Kafka user reads (`broker-1`, `orders/0`,
//! `NOT_ENOUGH_REPLICAS`), so a trace line is readable and the checker gets the core types back.

use samsa_core::node::NodeId;
use samsa_core::replication::messages::TopicPartition;
use samsa_core::ErrorCode;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

/// Parses `broker-N`, `controller` or `client-N` (the [`NodeId`] `Display` forms).
pub fn parse_node_id(text: &str) -> Option<NodeId> {
    if text == "controller" {
        return Some(NodeId::Controller);
    }
    if let Some(id) = text.strip_prefix("broker-") {
        return id.parse().ok().map(NodeId::Broker);
    }
    text.strip_prefix("client-").and_then(|id| id.parse().ok()).map(NodeId::Client)
}

/// Parses `topic/partition`. Kafka topic names never contain `/` (legal characters are
/// `[a-zA-Z0-9._-]`), so the last `/` separates the partition.
pub fn parse_topic_partition(text: &str) -> Option<TopicPartition> {
    let (topic, partition) = text.rsplit_once('/')?;
    let partition = partition.parse().ok()?;
    if topic.is_empty() {
        return None;
    }
    Some(TopicPartition { topic: topic.to_owned(), partition })
}

/// The error code whose Kafka name is `name`.
pub fn parse_error_code(name: &str) -> Option<ErrorCode> {
    ErrorCode::ALL.iter().copied().find(|code| code.name() == name)
}

/// `#[serde(with = "node_id")]`: a [`NodeId`] as `broker-1` / `controller` / `client-3`.
pub mod node_id {
    use super::*;

    /// Writes the `Display` form.
    pub fn serialize<S: Serializer>(node: &NodeId, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(node)
    }

    /// Reads the `Display` form back.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NodeId, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_node_id(&text).ok_or_else(|| D::Error::custom(format!("invalid node id `{text}`")))
    }
}

/// `#[serde(with = "topic_partition")]`: a [`TopicPartition`] as `orders/0`.
pub mod topic_partition {
    use super::*;

    /// Writes `topic/partition`.
    pub fn serialize<S: Serializer>(tp: &TopicPartition, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}/{}", tp.topic, tp.partition))
    }

    /// Reads `topic/partition` back.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TopicPartition, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_topic_partition(&text)
            .ok_or_else(|| D::Error::custom(format!("invalid topic partition `{text}`")))
    }
}

/// `#[serde(with = "error_code")]`: an [`ErrorCode`] by its Kafka name.
pub mod error_code {
    use super::*;

    /// Writes Kafka's name (`NOT_ENOUGH_REPLICAS`).
    pub fn serialize<S: Serializer>(code: &ErrorCode, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(code.name())
    }

    /// Reads Kafka's name back.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ErrorCode, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_error_code(&text).ok_or_else(|| D::Error::custom(format!("unknown error code `{text}`")))
    }
}

/// `#[serde(with = "topic_partitions")]`: a list of [`TopicPartition`]s as `["orders/0", …]`.
pub mod topic_partitions {
    use super::*;

    /// Writes each as `topic/partition`.
    pub fn serialize<S: Serializer>(tps: &[TopicPartition], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(tps.iter().map(|tp| format!("{}/{}", tp.topic, tp.partition)))
    }

    /// Reads the list back.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<TopicPartition>, D::Error> {
        let texts = Vec::<String>::deserialize(deserializer)?;
        texts
            .iter()
            .map(|t| {
                parse_topic_partition(t)
                    .ok_or_else(|| D::Error::custom(format!("invalid topic partition `{t}`")))
            })
            .collect()
    }
}

/// `#[serde(with = "partition_offsets")]`: `(partition, offset)` pairs as `[["orders/0", 12], …]`.
pub mod partition_offsets {
    use super::*;

    /// Writes each pair.
    pub fn serialize<S: Serializer>(
        offsets: &[(TopicPartition, i64)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(offsets.iter().map(|(tp, o)| (format!("{}/{}", tp.topic, tp.partition), *o)))
    }

    /// Reads the pairs back.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(TopicPartition, i64)>, D::Error> {
        let pairs = Vec::<(String, i64)>::deserialize(deserializer)?;
        pairs
            .into_iter()
            .map(|(t, o)| {
                parse_topic_partition(&t)
                    .map(|tp| (tp, o))
                    .ok_or_else(|| D::Error::custom(format!("invalid topic partition `{t}`")))
            })
            .collect()
    }
}

//! Topic-level log configs, by Kafka's names, with Kafka's defaults and Kafka's validation.
//!
//! Names, types, defaults and validators follow Kafka's `TopicConfig` / `LogConfig` (see
//! <https://kafka.apache.org/documentation/#topicconfigs>). Parse errors read like Kafka's
//! `ConfigException`, so the playground shows the same sentence a `kafka-configs.sh --alter` would.

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use core::fmt;

pub use crate::config::ConfigError;
use crate::config::{
    at_least, parse_int_at_least, parse_list_in, parse_long, parse_long_at_least, parse_one_of,
};
use crate::record_batch::TimestampType;

/// Kafka's `cleanup.policy`: what the log does with old segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CleanupPolicy {
    /// `delete`: whole segments are deleted by `retention.ms` / `retention.bytes`.
    #[default]
    Delete,
    /// `compact`: the log keeps the latest record per key (the log cleaner).
    Compact,
    /// `compact,delete`: both.
    CompactDelete,
}

impl CleanupPolicy {
    /// Whether retention by time and size applies.
    pub fn deletes(self) -> bool {
        matches!(self, CleanupPolicy::Delete | CleanupPolicy::CompactDelete)
    }

    /// Whether the log cleaner compacts this log (and null keys are rejected at append).
    pub fn compacts(self) -> bool {
        matches!(self, CleanupPolicy::Compact | CleanupPolicy::CompactDelete)
    }

    /// Kafka's string form: `delete`, `compact` or `compact,delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            CleanupPolicy::Delete => "delete",
            CleanupPolicy::Compact => "compact",
            CleanupPolicy::CompactDelete => "compact,delete",
        }
    }
}

impl fmt::Display for CleanupPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The topic configs a partition log obeys. `Default` is Kafka's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LogConfig {
    /// `segment.bytes`: the active segment rolls before it would grow past this (default 1 GiB).
    pub segment_bytes: u32,
    /// `segment.ms`: the active segment rolls once its first append is this old (default 7 days).
    pub segment_ms: u64,
    /// `retention.ms`: segments whose newest timestamp is older than this are deleted; `None` is -1,
    /// unlimited (default 7 days).
    pub retention_ms: Option<u64>,
    /// `retention.bytes`: oldest segments are deleted while the log exceeds this; `None` is -1 (default).
    pub retention_bytes: Option<u64>,
    /// `cleanup.policy` (default `delete`).
    pub cleanup_policy: CleanupPolicy,
    /// `delete.retention.ms`: how long a tombstone survives after its batch was first cleaned (default
    /// 1 day).
    pub delete_retention_ms: u64,
    /// `max.message.bytes`: the largest batch the log accepts (default 1048588).
    pub max_message_bytes: u32,
    /// `message.timestamp.type`: `CreateTime` (the producer's) or `LogAppendTime` (the broker's).
    pub message_timestamp_type: TimestampType,
    /// `min.compaction.lag.ms`: a record stays uncompacted at least this long (default 0).
    pub min_compaction_lag_ms: u64,
}

/// Kafka's default `segment.bytes`: 1 GiB.
pub const DEFAULT_SEGMENT_BYTES: u32 = 1024 * 1024 * 1024;
/// Kafka's default `segment.ms` and `retention.ms`: 7 days.
pub const DEFAULT_SEVEN_DAYS_MS: u64 = 7 * 24 * 60 * 60 * 1000;
/// Kafka's default `delete.retention.ms`: 1 day.
pub const DEFAULT_DELETE_RETENTION_MS: u64 = 24 * 60 * 60 * 1000;
/// Kafka's default `max.message.bytes`: 1 MiB plus the 12-byte log overhead.
pub const DEFAULT_MAX_MESSAGE_BYTES: u32 = 1024 * 1024 + 12;
/// Kafka's floor for `segment.bytes`: `LegacyRecord.RECORD_OVERHEAD_V0`.
pub const MIN_SEGMENT_BYTES: u32 = 14;

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            segment_ms: DEFAULT_SEVEN_DAYS_MS,
            retention_ms: Some(DEFAULT_SEVEN_DAYS_MS),
            retention_bytes: None,
            cleanup_policy: CleanupPolicy::Delete,
            delete_retention_ms: DEFAULT_DELETE_RETENTION_MS,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            message_timestamp_type: TimestampType::CreateTime,
            min_compaction_lag_ms: 0,
        }
    }
}

/// `cleanup.policy`'s allowed elements, in the order `parse_cleanup_policy` reads their indexes.
const CLEANUP_POLICIES: &[&str] = &["compact", "delete"];
/// `message.timestamp.type`'s allowed values, in the order `parse_timestamp_type` reads their index.
const TIMESTAMP_TYPES: &[&str] = &["CreateTime", "LogAppendTime"];

/// `-1` (or, for `retention.bytes`, any negative) is Kafka's "unlimited".
fn optional_limit(parsed: i64) -> Option<u64> {
    u64::try_from(parsed).ok()
}

fn parse_cleanup_policy(name: &str, value: &str) -> Result<CleanupPolicy, ConfigError> {
    // Kafka's LIST type with `ValidList.in("compact", "delete")`: every element must be one of them.
    let items = parse_list_in(name, value, CLEANUP_POLICIES)?;
    let (compact, delete) = (items.contains(&0), items.contains(&1));
    Ok(match (compact, delete) {
        (true, true) => CleanupPolicy::CompactDelete,
        (true, false) => CleanupPolicy::Compact,
        // The list has at least one element (split yields one item even for ""), so one flag is set.
        _ => CleanupPolicy::Delete,
    })
}

fn parse_timestamp_type(name: &str, value: &str) -> Result<TimestampType, ConfigError> {
    Ok(match parse_one_of(name, value, TIMESTAMP_TYPES)? {
        0 => TimestampType::CreateTime,
        _ => TimestampType::LogAppendTime,
    })
}

fn timestamp_type_name(timestamp_type: TimestampType) -> &'static str {
    match timestamp_type {
        TimestampType::CreateTime => "CreateTime",
        TimestampType::LogAppendTime => "LogAppendTime",
    }
}

fn limit_to_string(limit: Option<u64>) -> String {
    limit.map_or_else(|| "-1".to_string(), |n| n.to_string())
}

impl LogConfig {
    /// Every config name [`LogConfig::set`] and [`LogConfig::get`] know, sorted as Kafka lists them.
    pub const NAMES: &'static [&'static str] = &[
        "cleanup.policy",
        "delete.retention.ms",
        "max.message.bytes",
        "message.timestamp.type",
        "min.compaction.lag.ms",
        "retention.bytes",
        "retention.ms",
        "segment.bytes",
        "segment.ms",
    ];

    /// Sets one config by Kafka's name from its string form, validated as Kafka validates it.
    /// On error the config is unchanged.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        match name {
            "cleanup.policy" => self.cleanup_policy = parse_cleanup_policy(name, value)?,
            // `delete.retention.ms`, `min.compaction.lag.ms`: LONG, atLeast(0).
            "delete.retention.ms" => self.delete_retention_ms = parse_long_at_least(name, value, 0)?,
            "min.compaction.lag.ms" => self.min_compaction_lag_ms = parse_long_at_least(name, value, 0)?,
            // INT, atLeast(0).
            "max.message.bytes" => self.max_message_bytes = parse_int_at_least(name, value, 0)?,
            "message.timestamp.type" => {
                self.message_timestamp_type = parse_timestamp_type(name, value)?;
            }
            // LONG without a validator: every negative value means unlimited.
            "retention.bytes" => self.retention_bytes = optional_limit(parse_long(name, value)?),
            // LONG, atLeast(-1): -1 means unlimited.
            "retention.ms" => {
                let parsed = parse_long(name, value)?;
                at_least(name, value, parsed, -1)?;
                self.retention_ms = optional_limit(parsed);
            }
            // INT, atLeast(LegacyRecord.RECORD_OVERHEAD_V0 = 14).
            "segment.bytes" => self.segment_bytes = parse_int_at_least(name, value, MIN_SEGMENT_BYTES)?,
            // LONG, atLeast(1).
            "segment.ms" => self.segment_ms = parse_long_at_least(name, value, 1)?,
            _ => return Err(ConfigError::UnknownTopicConfig { name: name.to_owned() }),
        }
        Ok(())
    }

    /// The config's value in Kafka's string form (`-1` for unlimited), or `None` for an unknown name.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "cleanup.policy" => self.cleanup_policy.as_str().to_string(),
            "delete.retention.ms" => self.delete_retention_ms.to_string(),
            "max.message.bytes" => self.max_message_bytes.to_string(),
            "message.timestamp.type" => timestamp_type_name(self.message_timestamp_type).to_string(),
            "min.compaction.lag.ms" => self.min_compaction_lag_ms.to_string(),
            "retention.bytes" => limit_to_string(self.retention_bytes),
            "retention.ms" => limit_to_string(self.retention_ms),
            "segment.bytes" => self.segment_bytes.to_string(),
            "segment.ms" => self.segment_ms.to_string(),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use alloc::vec::Vec;

    #[test]
    fn defaults_are_kafkas() {
        let config = LogConfig::default();
        assert_eq!(config.get("segment.bytes").as_deref(), Some("1073741824"));
        assert_eq!(config.get("segment.ms").as_deref(), Some("604800000"));
        assert_eq!(config.get("retention.ms").as_deref(), Some("604800000"));
        assert_eq!(config.get("retention.bytes").as_deref(), Some("-1"));
        assert_eq!(config.get("cleanup.policy").as_deref(), Some("delete"));
        assert_eq!(config.get("delete.retention.ms").as_deref(), Some("86400000"));
        assert_eq!(config.get("max.message.bytes").as_deref(), Some("1048588"));
        assert_eq!(config.get("message.timestamp.type").as_deref(), Some("CreateTime"));
        assert_eq!(config.get("min.compaction.lag.ms").as_deref(), Some("0"));
    }

    #[test]
    fn every_name_round_trips_through_get_and_set() {
        let mut config = LogConfig::default();
        for name in LogConfig::NAMES {
            let value = config.get(name).expect("known name");
            config.set(name, &value).expect("own value is valid");
        }
        assert_eq!(config, LogConfig::default());
        let mut sorted: Vec<&str> = LogConfig::NAMES.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, LogConfig::NAMES);
    }

    #[test]
    fn set_parses_kafka_forms() {
        let mut config = LogConfig::default();
        config.set("segment.bytes", " 1024 ").unwrap();
        config.set("retention.ms", "-1").unwrap();
        config.set("retention.bytes", "5000").unwrap();
        config.set("cleanup.policy", "delete , compact").unwrap();
        config.set("message.timestamp.type", "LogAppendTime").unwrap();
        assert_eq!(config.segment_bytes, 1024);
        assert_eq!(config.retention_ms, None);
        assert_eq!(config.retention_bytes, Some(5000));
        assert_eq!(config.cleanup_policy, CleanupPolicy::CompactDelete);
        assert_eq!(config.get("cleanup.policy").as_deref(), Some("compact,delete"));
        assert_eq!(config.message_timestamp_type, TimestampType::LogAppendTime);
        config.set("retention.bytes", "-7").unwrap();
        assert_eq!(config.retention_bytes, None);
        config.set("cleanup.policy", "compact").unwrap();
        assert!(config.cleanup_policy.compacts() && !config.cleanup_policy.deletes());
    }

    #[test]
    fn errors_read_like_kafkas_config_exception() {
        let mut config = LogConfig::default();
        let cases = [
            ("segment.bytes", "abc", "Invalid value abc for configuration segment.bytes: Not a number of type INT"),
            ("segment.bytes", "13", "Invalid value 13 for configuration segment.bytes: Value must be at least 14"),
            ("segment.bytes", "4294967296", "Invalid value 4294967296 for configuration segment.bytes: Not a number of type INT"),
            ("segment.ms", "0", "Invalid value 0 for configuration segment.ms: Value must be at least 1"),
            ("retention.ms", "-2", "Invalid value -2 for configuration retention.ms: Value must be at least -1"),
            ("retention.bytes", "1.5", "Invalid value 1.5 for configuration retention.bytes: Not a number of type LONG"),
            ("max.message.bytes", "-1", "Invalid value -1 for configuration max.message.bytes: Value must be at least 0"),
            ("delete.retention.ms", "-1", "Invalid value -1 for configuration delete.retention.ms: Value must be at least 0"),
            ("cleanup.policy", "compact,remove", "Invalid value remove for configuration cleanup.policy: String must be one of: compact, delete"),
            ("cleanup.policy", "", "Invalid value  for configuration cleanup.policy: String must be one of: compact, delete"),
            ("message.timestamp.type", "AppendTime", "Invalid value AppendTime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"),
            ("foo", "1", "Unknown topic config name: foo"),
        ];
        for (name, value, message) in cases {
            let err = config.set(name, value).unwrap_err();
            assert_eq!(err.to_string(), message);
            assert_eq!(err.error_code(), ErrorCode::InvalidConfig);
        }
        assert_eq!(config, LogConfig::default(), "failed sets leave the config unchanged");
        assert_eq!(config.get("foo"), None);
    }
}

//! The consumer's configs, by Kafka's names, with Kafka's defaults and validators
//! (<https://kafka.apache.org/documentation/#consumerconfigs>).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::config::ClientConfigError;
use crate::config::{parse_int_at_least, parse_long_at_least, parse_one_of};

/// Kafka's default `fetch.max.wait.ms`.
pub const DEFAULT_FETCH_MAX_WAIT_MS: u64 = 500;
/// Kafka's default `fetch.max.bytes`: 50 MiB.
pub const DEFAULT_FETCH_MAX_BYTES: u32 = 52_428_800;
/// Kafka's default `max.partition.fetch.bytes`: 1 MiB.
pub const DEFAULT_MAX_PARTITION_FETCH_BYTES: u32 = 1_048_576;

/// Where a partition's position goes when it has none or it is out of range (`auto.offset.reset`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AutoOffsetReset {
    /// `earliest`: the log start offset.
    #[default]
    Earliest,
    /// `none`: report the error and stop fetching the partition until the application seeks.
    None,
}

/// Consumer configs. `Default` is Kafka's defaults except `auto.offset.reset` (see the field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerConfig {
    /// `fetch.max.wait.ms`: how long the leader may hold a fetch waiting for data.
    pub fetch_max_wait_ms: u64,
    /// `fetch.max.bytes`: most bytes per fetch response (at least one batch is always returned, KIP-74).
    pub fetch_max_bytes: u32,
    /// `max.partition.fetch.bytes`: most bytes per partition per fetch.
    pub max_partition_fetch_bytes: u32,
    /// `auto.offset.reset`. Kafka's default is `latest`, which needs the ListOffsets API that samsa does
    /// not model yet; `earliest` is the default here (the simulator's consumers read every record).
    pub auto_offset_reset: AutoOffsetReset,
    /// `request.timeout.ms` (default 30 s): a fetch unanswered this long (after `fetch.max.wait.ms`) is
    /// abandoned and metadata refreshed.
    pub request_timeout_ms: u64,
    /// `retry.backoff.ms`: wait before fetching a partition again after an error.
    pub retry_backoff_ms: u64,
    /// `metadata.max.age.ms`: refresh metadata at least this often.
    pub metadata_max_age_ms: u64,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            fetch_max_wait_ms: DEFAULT_FETCH_MAX_WAIT_MS,
            fetch_max_bytes: DEFAULT_FETCH_MAX_BYTES,
            max_partition_fetch_bytes: DEFAULT_MAX_PARTITION_FETCH_BYTES,
            auto_offset_reset: AutoOffsetReset::Earliest,
            request_timeout_ms: super::producer_config::DEFAULT_REQUEST_TIMEOUT_MS,
            retry_backoff_ms: super::producer_config::DEFAULT_RETRY_BACKOFF_MS,
            metadata_max_age_ms: super::producer_config::DEFAULT_METADATA_MAX_AGE_MS,
        }
    }
}

/// The values `auto.offset.reset` accepts here (Kafka also has `latest`, see the field).
const RESET_VALUES: &[&str] = &["earliest", "none"];

impl ConsumerConfig {
    /// Every name [`ConsumerConfig::set`] and [`ConsumerConfig::get`] know, sorted.
    pub const NAMES: &'static [&'static str] = &[
        "auto.offset.reset",
        "fetch.max.bytes",
        "fetch.max.wait.ms",
        "max.partition.fetch.bytes",
        "metadata.max.age.ms",
        "request.timeout.ms",
        "retry.backoff.ms",
    ];

    /// Sets one config by Kafka's name from its string form. On error the config is unchanged.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ClientConfigError> {
        match name {
            "auto.offset.reset" => {
                self.auto_offset_reset = match parse_one_of(name, value, RESET_VALUES)? {
                    0 => AutoOffsetReset::Earliest,
                    _ => AutoOffsetReset::None,
                }
            }
            // INT, atLeast(0).
            "fetch.max.wait.ms" => self.fetch_max_wait_ms = parse_int_at_least(name, value, 0)?.into(),
            "fetch.max.bytes" => self.fetch_max_bytes = parse_int_at_least(name, value, 0)?,
            "max.partition.fetch.bytes" => {
                self.max_partition_fetch_bytes = parse_int_at_least(name, value, 0)?
            }
            "request.timeout.ms" => self.request_timeout_ms = parse_int_at_least(name, value, 0)?.into(),
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

    /// The config's value in Kafka's string form, or `None` for an unknown name.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "auto.offset.reset" => String::from(match self.auto_offset_reset {
                AutoOffsetReset::Earliest => "earliest",
                AutoOffsetReset::None => "none",
            }),
            "fetch.max.wait.ms" => self.fetch_max_wait_ms.to_string(),
            "fetch.max.bytes" => self.fetch_max_bytes.to_string(),
            "max.partition.fetch.bytes" => self.max_partition_fetch_bytes.to_string(),
            "request.timeout.ms" => self.request_timeout_ms.to_string(),
            "retry.backoff.ms" => self.retry_backoff_ms.to_string(),
            "metadata.max.age.ms" => self.metadata_max_age_ms.to_string(),
            _ => return None,
        })
    }
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

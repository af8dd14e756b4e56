//! The producer's configs, by Kafka's names, with Kafka's defaults and validators
//! (<https://kafka.apache.org/documentation/#producerconfigs>), except `retries` (see its doc).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::config::ClientConfigError;
use crate::config::{parse_int_at_least, parse_long_at_least, parse_one_of};
use crate::partitioner::NullKeyStrategy;
use crate::replication::messages::Acks;

/// Kafka's default `request.timeout.ms`: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// Kafka's default `delivery.timeout.ms`: 2 min.
pub const DEFAULT_DELIVERY_TIMEOUT_MS: u64 = 120_000;
/// Kafka's default `retry.backoff.ms`.
pub const DEFAULT_RETRY_BACKOFF_MS: u64 = 100;
/// Kafka's default `metadata.max.age.ms`: 5 min.
pub const DEFAULT_METADATA_MAX_AGE_MS: u64 = 300_000;
/// Kafka's default `max.block.ms`: 1 min.
pub const DEFAULT_MAX_BLOCK_MS: u64 = 60_000;
/// Kafka's default `batch.size`: 16 KiB.
pub const DEFAULT_BATCH_SIZE_BYTES: u32 = 16_384;
/// Kafka's default `max.request.size`: 1 MiB.
pub const DEFAULT_MAX_REQUEST_SIZE_BYTES: u32 = 1_048_576;
/// Kafka's default `buffer.memory`: 32 MiB.
pub const DEFAULT_BUFFER_MEMORY_BYTES: u64 = 33_554_432;

/// Kafka's class name for `RoundRobinPartitioner`, accepted by `partitioner.class`.
pub const ROUND_ROBIN_PARTITIONER_CLASS: &str = "org.apache.kafka.clients.producer.RoundRobinPartitioner";

/// Producer configs. `Default` is Kafka's defaults, except `retries` (0 here, see the field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerConfig {
    /// `acks` (default `all` since Kafka 3.0, KIP-679).
    pub acks: Acks,
    /// `request.timeout.ms`: how long to wait for a response before retrying (or failing) the request.
    pub request_timeout_ms: u64,
    /// `delivery.timeout.ms`: upper bound on the time from `send` to success or failure, retries included.
    pub delivery_timeout_ms: u64,
    /// `retries`. Kafka's default is 2147483647, safe there because idempotence (on by default since 3.0)
    /// drops the duplicates retries create. This producer has no idempotence yet, so the default is 0:
    /// a retry after a lost response would write the record twice.
    pub retries: u32,
    /// `retry.backoff.ms`: wait between attempts (and between metadata requests).
    pub retry_backoff_ms: u64,
    /// `metadata.max.age.ms`: refresh metadata at least this often even without errors.
    pub metadata_max_age_ms: u64,
    /// `max.in.flight.requests.per.connection`: unanswered produce requests per broker (default 5).
    pub max_in_flight_requests_per_connection: u32,
    /// `batch.size`. Validated and kept; this producer sends one record per batch for now, the
    /// accumulator that fills batches up to it comes with the producer issue.
    pub batch_size: u32,
    /// `max.request.size`: a record whose batch is larger is rejected by `send` (`RecordTooLargeException`).
    pub max_request_size: u32,
    /// `buffer.memory`: bytes of records waiting or in flight; `send` fails beyond it.
    pub buffer_memory: u64,
    /// `max.block.ms`: how long a record may wait for its topic to appear in metadata.
    pub max_block_ms: u64,
    /// `partitioner.class`: keyless records go sticky (default, KIP-480) or round robin.
    pub partitioner: NullKeyStrategy,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: Acks::All,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            delivery_timeout_ms: DEFAULT_DELIVERY_TIMEOUT_MS,
            retries: 0,
            retry_backoff_ms: DEFAULT_RETRY_BACKOFF_MS,
            metadata_max_age_ms: DEFAULT_METADATA_MAX_AGE_MS,
            max_in_flight_requests_per_connection: 5,
            batch_size: DEFAULT_BATCH_SIZE_BYTES,
            max_request_size: DEFAULT_MAX_REQUEST_SIZE_BYTES,
            buffer_memory: DEFAULT_BUFFER_MEMORY_BYTES,
            max_block_ms: DEFAULT_MAX_BLOCK_MS,
            partitioner: NullKeyStrategy::Sticky,
        }
    }
}

const ACKS_VALUES: &[&str] = &["all", "-1", "0", "1"];

impl ProducerConfig {
    /// Every name [`ProducerConfig::set`] and [`ProducerConfig::get`] know, sorted.
    pub const NAMES: &'static [&'static str] = &[
        "acks",
        "batch.size",
        "buffer.memory",
        "delivery.timeout.ms",
        "max.block.ms",
        "max.in.flight.requests.per.connection",
        "max.request.size",
        "metadata.max.age.ms",
        "partitioner.class",
        "request.timeout.ms",
        "retries",
        "retry.backoff.ms",
    ];

    /// Sets one config by Kafka's name from its string form, validated as Kafka's `ConfigDef` does.
    /// On error the config is unchanged.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ClientConfigError> {
        match name {
            "acks" => {
                self.acks = match parse_one_of(name, value, ACKS_VALUES)? {
                    0 | 1 => Acks::All,
                    2 => Acks::None,
                    _ => Acks::Leader,
                }
            }
            // INT, atLeast(0).
            "request.timeout.ms" => self.request_timeout_ms = parse_int_at_least(name, value, 0)?.into(),
            "delivery.timeout.ms" => self.delivery_timeout_ms = parse_int_at_least(name, value, 0)?.into(),
            "retries" => self.retries = parse_int_at_least(name, value, 0)?,
            "batch.size" => self.batch_size = parse_int_at_least(name, value, 0)?,
            "max.request.size" => self.max_request_size = parse_int_at_least(name, value, 0)?,
            // INT, atLeast(1).
            "max.in.flight.requests.per.connection" => {
                self.max_in_flight_requests_per_connection = parse_int_at_least(name, value, 1)?
            }
            // LONG, atLeast(0).
            "retry.backoff.ms" => self.retry_backoff_ms = parse_long_at_least(name, value, 0)?,
            "metadata.max.age.ms" => self.metadata_max_age_ms = parse_long_at_least(name, value, 0)?,
            "buffer.memory" => self.buffer_memory = parse_long_at_least(name, value, 0)?,
            "max.block.ms" => self.max_block_ms = parse_long_at_least(name, value, 0)?,
            "partitioner.class" => self.partitioner = parse_partitioner(name, value)?,
            _ => return Err(ClientConfigError::UnknownName { name: name.into() }),
        }
        Ok(())
    }

    /// Every config by Kafka's name with its value as Kafka prints it, in [`ProducerConfig::NAMES`] order.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        Self::NAMES.iter().filter_map(|&name| self.get(name).map(|value| (name, value))).collect()
    }

    /// The config's value in Kafka's string form, or `None` for an unknown name.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "acks" => String::from(match self.acks {
                Acks::All => "all",
                Acks::Leader => "1",
                Acks::None => "0",
            }),
            "request.timeout.ms" => self.request_timeout_ms.to_string(),
            "delivery.timeout.ms" => self.delivery_timeout_ms.to_string(),
            "retries" => self.retries.to_string(),
            "batch.size" => self.batch_size.to_string(),
            "max.request.size" => self.max_request_size.to_string(),
            "max.in.flight.requests.per.connection" => self.max_in_flight_requests_per_connection.to_string(),
            "retry.backoff.ms" => self.retry_backoff_ms.to_string(),
            "metadata.max.age.ms" => self.metadata_max_age_ms.to_string(),
            "buffer.memory" => self.buffer_memory.to_string(),
            "max.block.ms" => self.max_block_ms.to_string(),
            "partitioner.class" => String::from(match self.partitioner {
                NullKeyStrategy::Sticky => "null",
                NullKeyStrategy::RoundRobin => ROUND_ROBIN_PARTITIONER_CLASS,
            }),
            _ => return None,
        })
    }

    /// Checks rules that span configs, as `KafkaProducer`'s constructor does.
    pub fn validate(&self) -> Result<(), ClientConfigError> {
        // KafkaProducer.configureDeliveryTimeout (KIP-91): delivery.timeout.ms must cover one request
        // (linger.ms is 0 here: one record per batch, sent at once).
        if self.delivery_timeout_ms < self.request_timeout_ms {
            return Err(ClientConfigError::Inconsistent {
                reason: format!(
                    "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms \
                     ({} < 0 + {})",
                    self.delivery_timeout_ms, self.request_timeout_ms
                ),
            });
        }
        Ok(())
    }
}

fn parse_partitioner(name: &str, value: &str) -> Result<NullKeyStrategy, ClientConfigError> {
    // Kafka's default is `null` (the built-in partitioner); `DefaultPartitioner` and
    // `UniformStickyPartitioner` are its deprecated spellings of the same keyless behaviour.
    match value.trim() {
        ""
        | "null"
        | "org.apache.kafka.clients.producer.internals.DefaultPartitioner"
        | "org.apache.kafka.clients.producer.UniformStickyPartitioner" => Ok(NullKeyStrategy::Sticky),
        ROUND_ROBIN_PARTITIONER_CLASS => Ok(NullKeyStrategy::RoundRobin),
        _ => Err(ClientConfigError::invalid(name, value, "Class not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_every_config_with_its_value() {
        let mut config = ProducerConfig::default();
        config.set("request.timeout.ms", "1234").unwrap();
        let entries = config.entries();
        assert_eq!(entries.len(), ProducerConfig::NAMES.len());
        for (name, value) in &entries {
            assert_eq!(config.get(name).as_ref(), Some(value), "{name}");
        }
        assert!(entries.contains(&("request.timeout.ms", String::from("1234"))));
    }

    #[test]
    fn every_name_round_trips_through_get_and_set() {
        let defaults = ProducerConfig::default();
        for name in ProducerConfig::NAMES {
            let value = defaults.get(name).unwrap();
            let mut config = ProducerConfig::default();
            config.set(name, &value).unwrap();
            assert_eq!(config, defaults, "{name}={value}");
        }
    }
}

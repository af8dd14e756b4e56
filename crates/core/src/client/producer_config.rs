//! The producer's configs, by Kafka's names, with Kafka's defaults and validators
//! (<https://kafka.apache.org/documentation/#producerconfigs>).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::config::ClientConfigError;
use crate::config::{parse_bool, parse_int_at_least, parse_long_at_least, parse_one_of};
use crate::partitioner::NullKeyStrategy;
use crate::record_batch::Compression;
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
/// Kafka's default `linger.ms` since 4.0: 5 ms (KIP-1030; it was 0 before).
pub const DEFAULT_LINGER_MS: u64 = 5;
/// Kafka's default `retries`: `Integer.MAX_VALUE`, so `delivery.timeout.ms` bounds retrying (KIP-91).
pub const DEFAULT_RETRIES: u32 = 2_147_483_647;
/// Kafka's `MAX_IN_FLIGHT_REQUESTS_FOR_IDEMPOTENCE`: the broker keeps the last 5 batches per producer.
pub const MAX_IN_FLIGHT_REQUESTS_FOR_IDEMPOTENCE: u32 = 5;

/// Kafka's class name for `RoundRobinPartitioner`, accepted by `partitioner.class`.
pub const ROUND_ROBIN_PARTITIONER_CLASS: &str = "org.apache.kafka.clients.producer.RoundRobinPartitioner";

/// Producer configs. `Default` is Kafka's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerConfig {
    /// `acks` (default `all` since Kafka 3.0, KIP-679).
    pub acks: Acks,
    /// `request.timeout.ms`: how long to wait for a response before retrying (or failing) the request.
    pub request_timeout_ms: u64,
    /// `delivery.timeout.ms`: upper bound on the time from `send` to success or failure, retries included.
    pub delivery_timeout_ms: u64,
    /// `retries` (default 2147483647, [`DEFAULT_RETRIES`]): safe because idempotence, on by default
    /// since Kafka 3.0, drops the duplicates retries create; `delivery.timeout.ms` bounds the retrying.
    /// With idempotence off, a retry after a lost response writes the record twice.
    pub retries: u32,
    /// `retry.backoff.ms`: wait between attempts (and between metadata requests).
    pub retry_backoff_ms: u64,
    /// `metadata.max.age.ms`: refresh metadata at least this often even without errors.
    pub metadata_max_age_ms: u64,
    /// `max.in.flight.requests.per.connection`: unanswered produce requests per broker (default 5).
    pub max_in_flight_requests_per_connection: u32,
    /// `batch.size`: a partition's batch is closed when the next record would not fit (a larger record
    /// gets a batch of its own).
    pub batch_size: u32,
    /// `max.request.size`: a record whose batch is larger is rejected by `send` (`RecordTooLargeException`).
    pub max_request_size: u32,
    /// `buffer.memory`: bytes of records waiting or in flight; beyond it a send waits up to
    /// `max.block.ms` for memory to free.
    pub buffer_memory: u64,
    /// `max.block.ms`: how long a send may wait for `buffer.memory` and its topic's metadata.
    pub max_block_ms: u64,
    /// `partitioner.class`: keyless records go sticky (default, KIP-480) or round robin.
    pub partitioner: NullKeyStrategy,
    /// `enable.idempotence` as the user set it, or `None` when not set (Kafka's default `true` since
    /// 3.0, KIP-679, silently turned off when other configs conflict: see
    /// [`ProducerConfig::idempotence_enabled`]).
    pub enable_idempotence: Option<bool>,
    /// `linger.ms`: how long a batch waits for more records before it is sent.
    pub linger_ms: u64,
    /// `compression.type`: `none`, `gzip`, `snappy`, `lz4`, `zstd` (accepted by name; a producer
    /// refuses a codec this build lacks).
    pub compression_type: Compression,
    /// `transactional.id` (default none): makes the producer transactional (KIP-98); it implies
    /// idempotence and names the producer across restarts, so a new instance fences the old one.
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms` (60000): the coordinator aborts a transaction open longer than this.
    pub transaction_timeout_ms: u64,
}

/// Kafka's default `transaction.timeout.ms`: 1 min.
pub const DEFAULT_TRANSACTION_TIMEOUT_MS: u64 = 60_000;

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: Acks::All,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            delivery_timeout_ms: DEFAULT_DELIVERY_TIMEOUT_MS,
            retries: DEFAULT_RETRIES,
            retry_backoff_ms: DEFAULT_RETRY_BACKOFF_MS,
            metadata_max_age_ms: DEFAULT_METADATA_MAX_AGE_MS,
            max_in_flight_requests_per_connection: 5,
            batch_size: DEFAULT_BATCH_SIZE_BYTES,
            max_request_size: DEFAULT_MAX_REQUEST_SIZE_BYTES,
            buffer_memory: DEFAULT_BUFFER_MEMORY_BYTES,
            max_block_ms: DEFAULT_MAX_BLOCK_MS,
            partitioner: NullKeyStrategy::Sticky,
            enable_idempotence: None,
            linger_ms: DEFAULT_LINGER_MS,
            compression_type: Compression::None,
            transactional_id: None,
            transaction_timeout_ms: DEFAULT_TRANSACTION_TIMEOUT_MS,
        }
    }
}

const ACKS_VALUES: &[&str] = &["all", "-1", "0", "1"];

/// `compression.type` values, in [`Compression::ALL`] order.
const COMPRESSION_NAMES: [&str; 5] = ["none", "gzip", "snappy", "lz4", "zstd"];

impl ProducerConfig {
    /// Every name [`ProducerConfig::set`] and [`ProducerConfig::get`] know, sorted.
    pub const NAMES: &'static [&'static str] = &[
        "acks",
        "batch.size",
        "buffer.memory",
        "compression.type",
        "delivery.timeout.ms",
        "enable.idempotence",
        "linger.ms",
        "max.block.ms",
        "max.in.flight.requests.per.connection",
        "max.request.size",
        "metadata.max.age.ms",
        "partitioner.class",
        "request.timeout.ms",
        "retries",
        "retry.backoff.ms",
        "transaction.timeout.ms",
        "transactional.id",
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
            "enable.idempotence" => self.enable_idempotence = Some(parse_bool(name, value)?),
            "transactional.id" => {
                let id = value.trim();
                self.transactional_id = (!id.is_empty() && id != "null").then(|| String::from(id));
            }
            "transaction.timeout.ms" => {
                self.transaction_timeout_ms = u64::from(parse_int_at_least(name, value, 1)?)
            }
            "linger.ms" => self.linger_ms = parse_long_at_least(name, value, 0)?,
            "compression.type" => {
                self.compression_type = Compression::ALL[parse_one_of(name, value, &COMPRESSION_NAMES)?]
            }
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
            // Kafka prints the value it runs with, after turning a conflicting default off.
            "enable.idempotence" => self.idempotence_enabled().to_string(),
            "linger.ms" => self.linger_ms.to_string(),
            "compression.type" => String::from(self.compression_type.name()),
            "transactional.id" => self.transactional_id.clone().unwrap_or_else(|| String::from("null")),
            "transaction.timeout.ms" => self.transaction_timeout_ms.to_string(),
            _ => return None,
        })
    }

    /// Whether the producer is idempotent: `enable.idempotence` if the user set it, else Kafka's
    /// default `true` unless `acks`, `retries` or `max.in.flight.requests.per.connection` conflict with
    /// it (Kafka ≥ 3.2, `ProducerConfig.postProcessAndValidateIdempotenceConfigs`, KAFKA-13673). Kafka
    /// looks at whether the user set those three; their defaults never conflict, so a conflicting value
    /// here was set by the user.
    pub fn idempotence_enabled(&self) -> bool {
        self.enable_idempotence.unwrap_or_else(|| self.idempotence_conflict().is_none())
    }

    /// The first config that rules idempotence out, with Kafka's `ConfigException` sentence.
    fn idempotence_conflict(&self) -> Option<&'static str> {
        if self.retries == 0 {
            Some("Must set retries to non-zero when using the idempotent producer.")
        } else if self.acks != Acks::All {
            Some("Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.")
        } else if self.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_REQUESTS_FOR_IDEMPOTENCE {
            Some(
                "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.",
            )
        } else {
            None
        }
    }

    /// Checks rules that span configs, as `KafkaProducer`'s constructor does.
    pub fn validate(&self) -> Result<(), ClientConfigError> {
        // KafkaProducer.configureDeliveryTimeout (KIP-91): delivery.timeout.ms must cover linger.ms and
        // one request.
        if self.delivery_timeout_ms < self.linger_ms.saturating_add(self.request_timeout_ms) {
            return Err(ClientConfigError::Inconsistent {
                reason: format!(
                    "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms \
                     ({} < {} + {})",
                    self.delivery_timeout_ms, self.linger_ms, self.request_timeout_ms
                ),
            });
        }
        // Kafka's `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: a transactional producer
        // is idempotent.
        if self.transactional_id.is_some() && self.enable_idempotence == Some(false) {
            return Err(ClientConfigError::Inconsistent {
                reason: String::from("Cannot set a transactional.id without also enabling idempotence."),
            });
        }
        // Only an explicit enable.idempotence=true (or a transactional.id) makes a conflict an error
        // (KAFKA-13673).
        if self.enable_idempotence == Some(true) || self.transactional_id.is_some() {
            if let Some(reason) = self.idempotence_conflict() {
                return Err(ClientConfigError::Inconsistent { reason: String::from(reason) });
            }
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
            assert_eq!(config.entries(), defaults.entries(), "{name}={value}");
        }
    }

    #[test]
    fn idempotence_conflicts_fail_only_when_idempotence_was_asked_for() {
        let mut config = ProducerConfig::default();
        config.set("retries", "3").unwrap();
        assert!(config.idempotence_enabled(), "the default is on when nothing conflicts");
        config.set("acks", "1").unwrap();
        assert!(!config.idempotence_enabled(), "a conflicting acks turns the default off quietly");
        assert!(config.validate().is_ok());
        config.set("enable.idempotence", "true").unwrap();
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("Must set acks to all"), "{error}");
        config.set("acks", "all").unwrap();
        config.set("max.in.flight.requests.per.connection", "6").unwrap();
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("at most 5"), "{error}");
        assert!(config.set("compression.type", "brotli").is_err());
        config.set("compression.type", "zstd").unwrap();
        assert_eq!(config.get("compression.type").as_deref(), Some("zstd"));
    }
}

//! The single-topic model of the `log` tab: one topic with three partitions, driven entirely through
//! samsa-core. The live playground's model is [`live`].
//!
//! The model is data only (never `Html`): a virtual clock, the topic's name and configs, three
//! [`PartitionLog`]s, one [`Partitioner`] fed by a seeded [`SimRng`], the last produce outcome and a
//! bounded list of log events. Every Kafka rule (topic names, partitioning, batch encoding and size,
//! `max.message.bytes`, segment rolling, retention, config parsing) is a samsa-core call; this file only
//! sequences the calls and keeps what they return so the views can draw it.

pub mod live;
mod snapshot;

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Display;
use std::rc::Rc;

use samsa_core::log::{LogConfig, LogEvent, PartitionLog};
use samsa_core::partitioner::{NullKeyStrategy, Partitioner};
use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};
use samsa_core::topic::validate_topic_name;
use samsa_core::ErrorCode;
use samsa_sim::rng::SimRng;
use yew::Reducible;

pub use snapshot::{BatchSnapshot, PartitionSnapshot, RecordSnapshot, SegmentSnapshot};

/// Partitions of the demo topic.
pub const PARTITION_COUNT: u32 = 3;
/// `segment.bytes` of the demo topic. Kafka's default is 1 GiB; 1 KiB here so segments roll after a
/// dozen small records and retention has whole segments to delete.
pub const DEMO_SEGMENT_BYTES: u32 = 1024;
/// `retention.ms` the page starts with: the top of the slider (Kafka's default is 7 days).
pub const DEFAULT_RETENTION_MS: Option<u64> = Some(600_000);
/// The topic name the page starts with.
pub const DEFAULT_TOPIC_NAME: &str = "orders";
/// Most log events kept; older ones are dropped first.
pub const MAX_EVENTS: usize = 200;
/// Virtual time that passes with each appended record.
pub const PRODUCE_CLOCK_STEP_MS: u64 = 1_000;
/// Virtual time the "+1 min" button adds.
pub const ADVANCE_CLOCK_STEP_MS: u64 = 60_000;
/// Seed of the RNG that feeds the sticky partitioner: fixed, so a page load always behaves the same.
pub const RNG_SEED: u64 = 0x5A35_A000;
/// Topic configs the page lets the user edit, by Kafka's names.
pub const EDITABLE_CONFIGS: [&str; 3] = ["max.message.bytes", "segment.bytes", "retention.bytes"];
/// The leader epoch the single (simulated) leader stamps on every batch.
const LEADER_EPOCH: i32 = 0;

/// What the user can do to the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Produce one record; an empty key is Kafka's null key.
    Produce {
        /// Record key as typed; empty means null.
        key: String,
        /// Record value as typed.
        value: String,
    },
    /// Rename the topic (validated by Kafka's topic name rules).
    SetTopicName(String),
    /// Set one topic config by Kafka's name, from the text the user typed.
    SetTopicConfig {
        /// Kafka's config name, e.g. `max.message.bytes`.
        name: String,
        /// The value as typed.
        value: String,
    },
    /// Set `retention.ms`; `None` is unlimited (Kafka's `-1`).
    SetRetentionMs(Option<u64>),
    /// Move the virtual clock forward.
    AdvanceClock {
        /// How far, in milliseconds.
        ms: u64,
    },
    /// Start over with an empty topic.
    Reset,
}

/// A Kafka error as the page shows it: the protocol name and the core's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaError {
    /// Kafka's error name, e.g. `MESSAGE_TOO_LARGE`.
    pub name: &'static str,
    /// What samsa-core said about it.
    pub message: String,
}

impl KafkaError {
    fn new(code: ErrorCode, message: impl Display) -> Self {
        Self { name: code.name(), message: message.to_string() }
    }
}

/// Where a produced record landed and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceOutcome {
    /// Partition the partitioner chose.
    pub partition: u32,
    /// Offset the log assigned.
    pub offset: i64,
    /// The partitioner's explanation of its choice.
    pub reason: String,
    /// Size of the encoded batch as appended.
    pub batch_size_bytes: usize,
    /// The record's CreateTime (the virtual clock).
    pub timestamp_ms: u64,
    /// The key as typed, `None` for a null key.
    pub key: Option<String>,
}

/// A config value the core refused, kept so the field can show the text and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigRejection {
    /// The text the user typed.
    pub value: String,
    /// The core's error.
    pub error: KafkaError,
}

/// One log event with when and where it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct EventEntry {
    /// Increasing number, stable across drops (a list key for the view).
    pub seq: u64,
    /// Virtual time of the event.
    pub at_ms: u64,
    /// Partition whose log emitted it.
    pub partition: u32,
    /// The event as the core reported it.
    pub event: LogEvent,
}

/// The whole playground state. Cloned on each action (it is small: a few KiB of log data).
#[derive(Clone, Debug)]
pub struct Playground {
    now_ms: u64,
    topic_name: String,
    topic_name_error: Option<KafkaError>,
    config: LogConfig,
    config_rejections: BTreeMap<String, ConfigRejection>,
    logs: Vec<PartitionLog>,
    partitioner: Partitioner,
    rng: SimRng,
    last_produce: Option<Result<ProduceOutcome, KafkaError>>,
    events: VecDeque<EventEntry>,
    next_event_seq: u64,
    snapshots: Vec<PartitionSnapshot>,
}

impl Default for Playground {
    fn default() -> Self {
        Self::new()
    }
}

impl Playground {
    /// A fresh topic at virtual time 0 with the demo configs.
    pub fn new() -> Self {
        let config = LogConfig {
            // Not Kafka's 1 GiB: 1 KiB rolls a segment every dozen records, so retention has work to do.
            segment_bytes: DEMO_SEGMENT_BYTES,
            retention_ms: DEFAULT_RETENTION_MS,
            ..LogConfig::default()
        };
        let now_ms = 0;
        let logs = (0..PARTITION_COUNT).map(|_| PartitionLog::new(config.clone(), now_ms)).collect();
        let mut playground = Self {
            now_ms,
            topic_name: DEFAULT_TOPIC_NAME.to_owned(),
            topic_name_error: None,
            config,
            config_rejections: BTreeMap::new(),
            logs,
            // Sticky for null keys: Kafka's default since 2.4 (KIP-480).
            partitioner: Partitioner::new(NullKeyStrategy::Sticky),
            rng: SimRng::new(RNG_SEED),
            last_produce: None,
            events: VecDeque::new(),
            next_event_seq: 0,
            snapshots: Vec::new(),
        };
        playground.refresh_snapshots();
        playground
    }

    /// Apply one action in place.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Produce { key, value } => {
                let result = self.produce(&key, &value);
                self.last_produce = Some(result);
            }
            Action::SetTopicName(name) => {
                self.topic_name_error =
                    validate_topic_name(&name).err().map(|e| KafkaError::new(e.error_code(), &e));
                self.topic_name = name;
            }
            Action::SetTopicConfig { name, value } => self.set_config(&name, value),
            Action::SetRetentionMs(retention_ms) => {
                // Through the core's parser, as `kafka-configs --alter` would; -1 is Kafka's "unlimited".
                let text = retention_ms.map_or_else(|| "-1".to_owned(), |ms| ms.to_string());
                self.set_config("retention.ms", text);
                self.tick();
            }
            Action::AdvanceClock { ms } => {
                self.now_ms = self.now_ms.saturating_add(ms);
                self.tick();
            }
            Action::Reset => *self = Self::new(),
        }
        self.refresh_snapshots();
    }

    /// Validate, partition, encode and append one record; on success the clock moves on one step.
    fn produce(&mut self, key: &str, value: &str) -> Result<ProduceOutcome, KafkaError> {
        validate_topic_name(&self.topic_name).map_err(|e| KafkaError::new(e.error_code(), &e))?;
        // An empty key field is Kafka's null key, which the sticky partitioner handles (KIP-480).
        let key_bytes = (!key.is_empty()).then(|| key.as_bytes().to_vec());
        let random = self.rng.next_u32();
        let choice = self
            .partitioner
            .partition(key_bytes.as_deref(), PARTITION_COUNT, random)
            .map_err(|e| KafkaError::new(e.error_code(), e))?;
        let timestamp_ms = self.now_ms.saturating_add(PRODUCE_CLOCK_STEP_MS);
        let record = NewRecord {
            key: key_bytes,
            value: Some(value.as_bytes().to_vec()),
            headers: Vec::new(),
            timestamp_ms: i64::try_from(timestamp_ms).unwrap_or(i64::MAX),
        };
        let batch = RecordBatch::from_new_records(vec![record], Compression::None)
            .map_err(|e| KafkaError::new(e.error_code(), &e))?;
        let bytes = batch.encode().map_err(|e| KafkaError::new(e.error_code(), &e))?;
        let partition_index = usize::try_from(choice.partition).unwrap_or(usize::MAX);
        let Some(log) = self.logs.get_mut(partition_index) else {
            let message = format!("partitioner chose partition {} of {PARTITION_COUNT}", choice.partition);
            return Err(KafkaError::new(ErrorCode::UnknownTopicOrPartition, message));
        };
        let info = log
            .append(&bytes, LEADER_EPOCH, timestamp_ms)
            .map_err(|e| KafkaError::new(e.error_code(), &e))?;
        // Each produce here is its own batch, so the sticky partitioner moves on after it (KIP-480).
        self.partitioner.on_new_batch(choice.partition);
        self.now_ms = timestamp_ms;
        self.push_events(choice.partition, info.events.clone());
        self.tick();
        Ok(ProduceOutcome {
            partition: choice.partition,
            offset: info.base_offset,
            reason: choice.reason.to_string(),
            batch_size_bytes: bytes.len(),
            timestamp_ms,
            key: (!key.is_empty()).then(|| key.to_owned()),
        })
    }

    /// Parse one config through the core; on success every partition's log takes the new config.
    fn set_config(&mut self, name: &str, value: String) {
        let mut config = self.config.clone();
        match config.set(name, &value) {
            Ok(()) => {
                self.config_rejections.remove(name);
                for log in &mut self.logs {
                    log.set_config(config.clone());
                }
                self.config = config;
            }
            Err(e) => {
                let error = KafkaError::new(e.error_code(), &e);
                self.config_rejections.insert(name.to_owned(), ConfigRejection { value, error });
            }
        }
    }

    /// Let every log apply time-based rules (segment.ms, retention) at the current virtual time.
    fn tick(&mut self) {
        let now_ms = self.now_ms;
        let mut emitted = Vec::new();
        for (partition, log) in (0..PARTITION_COUNT).zip(self.logs.iter_mut()) {
            // Single replica: everything appended is committed, so the high watermark is the log end.
            let high_watermark = log.log_end_offset();
            emitted.push((partition, log.tick(now_ms, high_watermark)));
        }
        for (partition, events) in emitted {
            self.push_events(partition, events);
        }
    }

    fn push_events(&mut self, partition: u32, events: Vec<LogEvent>) {
        for event in events {
            if self.events.len() >= MAX_EVENTS {
                self.events.pop_front();
            }
            let seq = self.next_event_seq;
            self.next_event_seq = self.next_event_seq.saturating_add(1);
            self.events.push_back(EventEntry { seq, at_ms: self.now_ms, partition, event });
        }
    }

    fn refresh_snapshots(&mut self) {
        self.snapshots =
            (0..PARTITION_COUNT).zip(&self.logs).map(|(p, log)| PartitionSnapshot::of(p, log)).collect();
    }

    /// The virtual clock.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The topic name as typed.
    pub fn topic_name(&self) -> &str {
        &self.topic_name
    }

    /// Why the typed topic name is invalid, if it is.
    pub fn topic_name_error(&self) -> Option<&KafkaError> {
        self.topic_name_error.as_ref()
    }

    /// A config's current value as Kafka would print it.
    pub fn config_value(&self, name: &str) -> Option<String> {
        self.config.get(name)
    }

    /// The last value refused for a config, if the latest attempt failed.
    pub fn config_rejection(&self, name: &str) -> Option<&ConfigRejection> {
        self.config_rejections.get(name)
    }

    /// `retention.ms`; `None` is unlimited.
    pub fn retention_ms(&self) -> Option<u64> {
        self.config.retention_ms
    }

    /// The last produce: where it went, or the Kafka error that refused it.
    pub fn last_produce(&self) -> Option<&Result<ProduceOutcome, KafkaError>> {
        self.last_produce.as_ref()
    }

    /// Log events, oldest first, at most [`MAX_EVENTS`].
    pub fn events(&self) -> &VecDeque<EventEntry> {
        &self.events
    }

    /// What each partition's log holds, ready to draw.
    pub fn partitions(&self) -> &[PartitionSnapshot] {
        &self.snapshots
    }
}

impl Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.apply(action);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests;

//! Scenario files: a cluster, its topics, a workload, network settings, timed faults and what the run
//! is expected to show — TOML, versioned (`version = 1`), documented field by field in
//! `scenarios/README.md`.
//!
//! Parsing is in two layers. serde (with `deny_unknown_fields`) checks the shape and toml reports
//! where a field is wrong; then [`Scenario::parse`] validates the meaning — Kafka config values through
//! samsa-core's own config parsers (so `acks = "2"` fails with Kafka's `ConfigException` sentence),
//! node names, fault actions, expectations — and each error names the field path and its line.

mod configs;
mod expect;
mod faults;
mod spec;

use std::fmt;
use std::ops::Range;

pub use expect::{evaluate, Expectation, Expectations};
pub use faults::parse_target;
pub use spec::{
    ClusterSpec, ConsumerSpec, ExpectValue, FaultSpec, LatencySpec, LinkSpec, NetworkSpec, ProducerSpec,
    ScenarioFile, TopicSpec, WorkloadSpec,
};

use samsa_core::client::{ConsumerConfig, ProducerConfig};
use samsa_core::node::{BrokerId, NodeId};
use samsa_core::replication::config::{BrokerConfig, ControllerConfig, TopicConfig};

use crate::engine::Fault;
use crate::network::NetworkConfig;

/// The one scenario format version this build reads.
pub const SCENARIO_VERSION: u32 = 1;

/// A scenario file that could not be used: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The field path, e.g. `producers[0].config.acks` (empty when the file does not parse as TOML).
    pub path: String,
    /// 1-based line of the offending value, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.line) {
            (true, _) => f.write_str(&self.message),
            (false, Some(line)) => write!(f, "{} (line {line}): {}", self.path, self.message),
            (false, None) => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Turns byte spans into line numbers for error messages.
pub(crate) struct Lines<'a> {
    source: &'a str,
}

impl Lines<'_> {
    /// The 1-based line holding byte `span.start`.
    pub(crate) fn line_of(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.source.len());
        self.source.as_bytes().get(..end).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) + 1
    }

    /// An error at `path`, on the line of `span`.
    pub(crate) fn error(
        &self,
        path: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError { path: path.into(), line: Some(self.line_of(span)), message: message.into() }
    }
}

/// A topic to create before the run.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicPlan {
    /// Name.
    pub name: String,
    /// Partition count.
    pub partitions: i32,
    /// `replication.factor`.
    pub replication_factor: usize,
    /// Its configs.
    pub config: TopicConfig,
}

/// A producer and its workload.
#[derive(Clone, Debug, PartialEq)]
pub struct ProducerPlan {
    /// Destination topic.
    pub topic: String,
    /// Its configs.
    pub config: ProducerConfig,
    /// Records per second.
    pub rate_per_sec: u64,
    /// Distinct keys, or `None` for null keys.
    pub key_count: Option<u64>,
    /// The share of records carrying `key-0`, or `None` for uniform keys.
    pub hot_key_share: Option<f64>,
    /// Value size.
    pub value_bytes: u32,
    /// First send.
    pub start_ms: u64,
    /// Last send before this.
    pub stop_ms: u64,
    /// With a `transactional.id`: records per transaction and which transactions abort.
    pub transactions: crate::txn_app::TxnWorkload,
}

/// A consumer: a group member subscribed to `topic` (with a `group.id`), or assigned every partition
/// of it; and the application polling it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerPlan {
    /// The topic.
    pub topic: String,
    /// Its configs.
    pub config: ConsumerConfig,
    /// The application's poll loop.
    pub workload: ConsumerWorkload,
}

/// A consume-transform-produce application instance (`[[pipelines]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct PipelinePlan {
    /// The topic it reads.
    pub input: String,
    /// The topic it writes.
    pub output: String,
    /// Its delivery semantics.
    pub semantics: crate::pipeline_app::Semantics,
    /// Its consumer's configs (`group.id` set, auto commit off).
    pub consumer: ConsumerConfig,
    /// Its producer's configs.
    pub producer: ProducerConfig,
    /// At-least-once: flush and commit at most this often (0: after every poll's records).
    pub commit_interval_ms: u64,
}

/// When the application commits offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommitMode {
    /// Only `enable.auto.commit` (in `poll`, every `auto.commit.interval.ms`).
    #[default]
    Auto,
    /// `commitSync` after each poll's records are processed (at-least-once).
    SyncAfterProcessing,
    /// `commitAsync` after each poll's records are processed.
    AsyncAfterProcessing,
    /// `commitSync` right after `poll`, before processing (at-most-once).
    SyncBeforeProcessing,
}

impl CommitMode {
    /// The scenario names, in order.
    pub const NAMES: [&'static str; 4] =
        ["auto", "sync-after-processing", "async-after-processing", "sync-before-processing"];

    /// The mode for a scenario name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "auto" => CommitMode::Auto,
            "sync-after-processing" => CommitMode::SyncAfterProcessing,
            "async-after-processing" => CommitMode::AsyncAfterProcessing,
            "sync-before-processing" => CommitMode::SyncBeforeProcessing,
            _ => return None,
        })
    }

    /// Its scenario name.
    pub fn name(self) -> &'static str {
        match self {
            CommitMode::Auto => "auto",
            CommitMode::SyncAfterProcessing => "sync-after-processing",
            CommitMode::AsyncAfterProcessing => "async-after-processing",
            CommitMode::SyncBeforeProcessing => "sync-before-processing",
        }
    }
}

/// The application around a consumer (`[consumers.workload]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsumerWorkload {
    /// Time spent on each record.
    pub processing_ms_per_record: u64,
    /// When it commits.
    pub commit: CommitMode,
    /// With a manual mode, at most this often (0: after every poll).
    pub commit_interval_ms: u64,
    /// Its `onPartitionsRevoked` commits the processed offsets.
    pub commit_on_revoke: bool,
    /// Records go to a worker queue and the loop polls again at once.
    pub handoff: bool,
    /// It subscribes (or assigns) at this time.
    pub start_ms: u64,
    /// It closes the consumer at this time.
    pub stop_ms: Option<u64>,
}

/// A validated scenario, ready to build a simulation from.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Seed used when the command line gives none.
    pub seed: u64,
    /// Virtual run length.
    pub duration_ms: u64,
    /// Broker ids (`1..=brokers`).
    pub brokers: Vec<BrokerId>,
    /// Every broker's configs.
    pub broker_config: BrokerConfig,
    /// The controller's configs.
    pub controller_config: ControllerConfig,
    /// Topics.
    pub topics: Vec<TopicPlan>,
    /// Producers (client ids `1..`).
    pub producers: Vec<ProducerPlan>,
    /// Consumers (client ids after the producers').
    pub consumers: Vec<ConsumerPlan>,
    /// Consume-transform-produce applications, one per instance (clients after the consumers).
    pub pipelines: Vec<PipelinePlan>,
    /// Network at the start.
    pub network: NetworkConfig,
    /// Timed faults, in file order.
    pub faults: Vec<(u64, Fault)>,
    /// What the run should show.
    pub expect: Expectations,
}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn parse(source: &str) -> Result<Scenario, ScenarioError> {
        let file: ScenarioFile = toml::from_str(source).map_err(|e| {
            let lines = Lines { source };
            ScenarioError {
                path: String::new(),
                line: e.span().map(|span| lines.line_of(span)),
                message: e.to_string().trim_end().to_owned(),
            }
        })?;
        file.validate(&Lines { source })
    }

    /// The producer's client node id (`client-1` is the first producer).
    pub fn producer_node(index: usize) -> NodeId {
        NodeId::Client(index as u32 + 1)
    }

    /// The consumer's client node id (numbered after the producers).
    pub fn consumer_node(&self, index: usize) -> NodeId {
        NodeId::Client((self.producers.len() + index) as u32 + 1)
    }

    /// The pipeline instance's client node id (numbered after the consumers).
    pub fn pipeline_node(&self, index: usize) -> NodeId {
        NodeId::Client((self.producers.len() + self.consumers.len() + index) as u32 + 1)
    }
}

#[cfg(test)]
mod tests;

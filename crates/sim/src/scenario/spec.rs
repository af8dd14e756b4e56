//! The scenario file's shape, as serde reads it (see `scenarios/README.md` for every field), and its
//! validation into a [`Scenario`].

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::configs::{broker_config, consumer_config, producer_config, topic_config, ConfigMap};
use super::faults::parse_target;
use super::{
    CommitMode, ConsumerPlan, ConsumerWorkload, Lines, ProducerPlan, Scenario, ScenarioError, TopicPlan,
    SCENARIO_VERSION,
};
use crate::engine::Target;
use crate::network::{NetworkConfig, DEFAULT_MAX_IN_FLIGHT_MESSAGES};

mod pipelines;

pub use pipelines::PipelineSpec;

/// Most brokers a scenario may have: a bound on the work per step and on memory.
pub const MAX_BROKERS: u32 = 64;
/// Most partitions a topic may have in a scenario.
pub const MAX_PARTITIONS: i32 = 10_000;

/// The top level of a scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Format version; must be 1.
    pub version: Spanned<u32>,
    /// Name.
    pub name: String,
    /// What it demonstrates.
    #[serde(default)]
    pub description: String,
    /// Default seed.
    #[serde(default)]
    pub seed: u64,
    /// Virtual run length.
    pub duration_ms: Spanned<u64>,
    /// The brokers.
    pub cluster: ClusterSpec,
    /// Topics.
    #[serde(default)]
    pub topics: Vec<TopicSpec>,
    /// Producers.
    #[serde(default)]
    pub producers: Vec<ProducerSpec>,
    /// Consumers.
    #[serde(default)]
    pub consumers: Vec<ConsumerSpec>,
    /// Consume-transform-produce applications.
    #[serde(default)]
    pub pipelines: Vec<PipelineSpec>,
    /// Network defaults.
    #[serde(default)]
    pub network: NetworkSpec,
    /// Timed faults.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Expectations.
    #[serde(default)]
    pub expect: BTreeMap<String, Spanned<ExpectValue>>,
}

/// `[cluster]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Broker count (ids `1..=brokers`).
    pub brokers: Spanned<u32>,
    /// Broker configs by Kafka name.
    #[serde(default)]
    pub config: ConfigMap,
}

/// `[[topics]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    /// Topic name.
    pub name: Spanned<String>,
    /// Partition count.
    pub partitions: Spanned<i32>,
    /// `replication.factor`.
    #[serde(rename = "replication.factor")]
    pub replication_factor: Spanned<u32>,
    /// Topic configs by Kafka name.
    #[serde(default)]
    pub config: ConfigMap,
}

/// `[[producers]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    /// Destination topic.
    pub topic: Spanned<String>,
    /// Producer configs by Kafka name.
    #[serde(default)]
    pub config: ConfigMap,
    /// What it sends.
    pub workload: WorkloadSpec,
}

/// `[producers.workload]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Records per second.
    pub rate_per_sec: u64,
    /// Distinct keys; absent for null keys.
    pub keys: Option<Spanned<u64>>,
    /// Share of records carrying `key-0` (needs `keys`); absent for uniform keys.
    pub hot_key_share: Option<Spanned<f64>>,
    /// Value size.
    #[serde(default = "default_value_bytes")]
    pub value_bytes: u32,
    /// First send.
    #[serde(default)]
    pub start_ms: u64,
    /// No sends from this time; absent means `duration_ms`.
    pub stop_ms: Option<Spanned<u64>>,
    /// With a `transactional.id`: records per transaction (default 10).
    #[serde(default = "default_transaction_records")]
    pub transaction_records: u32,
    /// With a `transactional.id`: every n-th transaction aborts (default 0: none).
    #[serde(default)]
    pub abort_every: u32,
}

fn default_transaction_records() -> u32 {
    10
}

fn default_value_bytes() -> u32 {
    100
}

/// `[[consumers]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    /// The topic: subscribed with a `group.id`, else every partition assigned.
    pub topic: Spanned<String>,
    /// How many consumers this block stands for (default 1).
    pub instances: Option<Spanned<u32>>,
    /// Consumer configs by Kafka name.
    #[serde(default)]
    pub config: ConfigMap,
    /// The application's poll loop.
    pub workload: Option<ConsumerWorkloadSpec>,
}

/// `[consumers.workload]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerWorkloadSpec {
    /// Time the application spends on each record.
    pub processing_ms_per_record: Option<Spanned<u64>>,
    /// `auto`, `sync-after-processing`, `async-after-processing` or `sync-before-processing`.
    pub commit: Option<Spanned<String>>,
    /// With a manual commit mode: commit at most this often (0: after every poll's records).
    #[serde(default)]
    pub commit_interval_ms: u64,
    /// `onPartitionsRevoked` commits the processed offsets.
    #[serde(default)]
    pub commit_on_revoke: bool,
    /// Records go to a worker queue and `poll` continues at once.
    #[serde(default)]
    pub handoff: bool,
    /// `subscribe`/`assign` at this time.
    #[serde(default)]
    pub start_ms: u64,
    /// `close()` at this time.
    pub stop_ms: Option<Spanned<u64>>,
}

/// Most consumers one `[[consumers]]` block may stand for.
pub const MAX_CONSUMER_INSTANCES: u32 = 64;
/// Longest processing time per record a scenario may ask for (an hour).
pub const MAX_PROCESSING_MS_PER_RECORD: u64 = 3_600_000;

/// `[network]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency range.
    pub latency_ms: Option<Spanned<LatencySpec>>,
    /// Drop probability.
    pub drop_rate: Option<Spanned<f64>>,
    /// Duplicate probability.
    pub duplicate_rate: Option<Spanned<f64>>,
    /// Reorder probability.
    pub reorder_rate: Option<Spanned<f64>>,
    /// Largest extra delay of a reordered message.
    pub reorder_delay_max_ms: Option<u64>,
    /// In-flight queue bound.
    pub max_in_flight_messages: Option<usize>,
    /// Links with their own latency.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
}

/// `[[network.links]]`: one link's own latency range (both directions).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// One end (`broker-1`, `controller`, `client-1`).
    pub a: Spanned<String>,
    /// Other end.
    pub b: Spanned<String>,
    /// One-way latency range on this link.
    pub latency_ms: Spanned<LatencySpec>,
}

/// `latency_ms = { min = 1, max = 5 }`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    /// Fastest.
    pub min: u64,
    /// Slowest.
    pub max: u64,
}

/// `[[faults]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When.
    pub at_ms: u64,
    /// What (`crash`, `restart`, `cut`, …).
    pub action: Spanned<String>,
    /// Which node (`broker-1`, `controller`, `client-1`, `leader-of:orders/0`).
    pub node: Option<Spanned<String>>,
    /// The other end, for `cut`, `heal` and `set-link-latency`.
    pub peer: Option<Spanned<String>>,
    /// `crash` only: lose unflushed data too.
    #[serde(default)]
    pub power_loss: bool,
    /// `pause` and `controller-failover`: how long.
    pub duration_ms: Option<u64>,
    /// `set-drop-rate`, `set-duplicate-rate`, `set-reorder-rate`: the probability.
    pub rate: Option<Spanned<f64>>,
    /// `set-latency`, `set-link-latency`: fastest.
    pub min_ms: Option<u64>,
    /// `set-latency`, `set-link-latency`: slowest.
    pub max_ms: Option<u64>,
    /// `set-reorder-rate`: largest extra delay.
    pub delay_max_ms: Option<u64>,
    /// `set-config`: Kafka's config name.
    pub name: Option<Spanned<String>>,
    /// `set-config`: the value (string, number or boolean, as in a `config` table).
    pub value: Option<Spanned<toml::Value>>,
    /// `set-produce-rate`: records per second.
    pub rate_per_sec: Option<u64>,
}

/// An expectation's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectValue {
    /// It must not happen.
    None,
    /// It must happen at least once.
    Some,
    /// It may or may not happen (e.g. duplicates from retries without idempotence); not checked.
    Any,
}

fn check_rate(
    lines: &Lines<'_>,
    path: &str,
    rate: &Option<Spanned<f64>>,
) -> Result<Option<f64>, ScenarioError> {
    match rate {
        Some(r) if !(0.0..=1.0).contains(r.get_ref()) => {
            Err(lines.error(path, r.span(), format!("must be between 0 and 1, got {}", r.get_ref())))
        }
        Some(r) => Ok(Some(*r.get_ref())),
        None => Ok(None),
    }
}

impl NetworkSpec {
    fn validate(
        &self,
        lines: &Lines<'_>,
        broker_count: u32,
        client_count: u32,
    ) -> Result<NetworkConfig, ScenarioError> {
        let mut config = NetworkConfig::default();
        for (i, link) in self.links.iter().enumerate() {
            let node = |field: &str, text: &Spanned<String>| match parse_target(
                text.get_ref(),
                broker_count,
                client_count,
            ) {
                Ok(Target::Node(id)) => Ok(id),
                Ok(Target::LeaderOf(_)) => Err(lines.error(
                    format!("network.links[{i}].{field}"),
                    text.span(),
                    "name a node, e.g. broker-1",
                )),
                Err(m) => Err(lines.error(format!("network.links[{i}].{field}"), text.span(), m)),
            };
            let (a, b) = (node("a", &link.a)?, node("b", &link.b)?);
            let LatencySpec { min, max } = *link.latency_ms.get_ref();
            if min > max {
                let path = format!("network.links[{i}].latency_ms");
                return Err(lines.error(
                    path,
                    link.latency_ms.span(),
                    format!("min {min} is above max {max}"),
                ));
            }
            config.link_latency_ms.insert(if a <= b { (a, b) } else { (b, a) }, (min, max));
        }
        if let Some(latency) = &self.latency_ms {
            let LatencySpec { min, max } = *latency.get_ref();
            if min > max {
                return Err(lines.error(
                    "network.latency_ms",
                    latency.span(),
                    format!("min {min} is above max {max}"),
                ));
            }
            (config.latency_min_ms, config.latency_max_ms) = (min, max);
        }
        config.drop_rate = check_rate(lines, "network.drop_rate", &self.drop_rate)?.unwrap_or(0.0);
        config.duplicate_rate =
            check_rate(lines, "network.duplicate_rate", &self.duplicate_rate)?.unwrap_or(0.0);
        config.reorder_rate = check_rate(lines, "network.reorder_rate", &self.reorder_rate)?.unwrap_or(0.0);
        config.reorder_delay_max_ms = self.reorder_delay_max_ms.unwrap_or(config.reorder_delay_max_ms);
        config.max_in_flight_messages = self.max_in_flight_messages.unwrap_or(DEFAULT_MAX_IN_FLIGHT_MESSAGES);
        Ok(config)
    }
}

impl ScenarioFile {
    /// Checks meaning (versions, ranges, Kafka configs, references) and builds the [`Scenario`].
    pub(super) fn validate(self, lines: &Lines<'_>) -> Result<Scenario, ScenarioError> {
        if *self.version.get_ref() != SCENARIO_VERSION {
            let message = format!(
                "unsupported version {}, this build reads version {SCENARIO_VERSION}",
                self.version.get_ref()
            );
            return Err(lines.error("version", self.version.span(), message));
        }
        let duration_ms = *self.duration_ms.get_ref();
        if duration_ms == 0 {
            return Err(lines.error("duration_ms", self.duration_ms.span(), "must be at least 1"));
        }
        let broker_count = *self.cluster.brokers.get_ref();
        if !(1..=MAX_BROKERS).contains(&broker_count) {
            let message = format!("must be between 1 and {MAX_BROKERS}, got {broker_count}");
            return Err(lines.error("cluster.brokers", self.cluster.brokers.span(), message));
        }
        let brokers: Vec<i32> = (1..=broker_count as i32).collect();
        let (broker_config, controller_config) = broker_config(lines, &self.cluster.config)?;
        let topics = self
            .topics
            .iter()
            .enumerate()
            .map(|(i, t)| t.validate(lines, i, broker_count))
            .collect::<Result<Vec<_>, _>>()?;
        let known_topic = |path: String, topic: &Spanned<String>| {
            if topics.iter().any(|t| &t.name == topic.get_ref()) {
                Ok(topic.get_ref().clone())
            } else {
                Err(lines.error(
                    path,
                    topic.span(),
                    format!("unknown topic `{}` (not in [[topics]])", topic.get_ref()),
                ))
            }
        };
        let mut producers = Vec::new();
        for (i, p) in self.producers.iter().enumerate() {
            let topic = known_topic(format!("producers[{i}].topic"), &p.topic)?;
            let config = producer_config(lines, &format!("producers[{i}].config"), &p.config)?;
            let w = &p.workload;
            if let Some(keys) = &w.keys {
                if *keys.get_ref() == 0 {
                    return Err(lines.error(
                        format!("producers[{i}].workload.keys"),
                        keys.span(),
                        "must be at least 1 (omit it for null keys)",
                    ));
                }
            }
            let hot_key_share =
                check_rate(lines, &format!("producers[{i}].workload.hot_key_share"), &w.hot_key_share)?;
            if let (Some(share), None) = (&w.hot_key_share, &w.keys) {
                return Err(lines.error(
                    format!("producers[{i}].workload.hot_key_share"),
                    share.span(),
                    "needs `keys` (the hot key is key-0 of them)",
                ));
            }
            let stop_ms = w.stop_ms.as_ref().map_or(duration_ms, |s| *s.get_ref());
            if stop_ms < w.start_ms {
                let span = w.stop_ms.as_ref().map_or(0..0, |s| s.span());
                return Err(lines.error(
                    format!("producers[{i}].workload.stop_ms"),
                    span,
                    "is before start_ms",
                ));
            }
            producers.push(ProducerPlan {
                topic,
                config,
                rate_per_sec: w.rate_per_sec,
                key_count: w.keys.as_ref().map(|k| *k.get_ref()),
                hot_key_share,
                value_bytes: w.value_bytes,
                start_ms: w.start_ms,
                stop_ms,
                transactions: crate::txn_app::TxnWorkload {
                    records_per_transaction: w.transaction_records.max(1),
                    abort_every: w.abort_every,
                },
            });
        }
        let mut consumers = Vec::new();
        for (i, c) in self.consumers.iter().enumerate() {
            let topic = known_topic(format!("consumers[{i}].topic"), &c.topic)?;
            let config = consumer_config(lines, &format!("consumers[{i}].config"), &c.config)?;
            let workload = consumer_workload(lines, i, c.workload.as_ref(), &config, duration_ms)?;
            let instances = c.instances.as_ref().map_or(1, |n| *n.get_ref());
            if !(1..=MAX_CONSUMER_INSTANCES).contains(&instances) {
                let span = c.instances.as_ref().map_or(0..0, |n| n.span());
                let message = format!("must be between 1 and {MAX_CONSUMER_INSTANCES}, got {instances}");
                return Err(lines.error(format!("consumers[{i}].instances"), span, message));
            }
            for instance in 0..instances {
                let mut config = config.clone();
                // Static members (KIP-345) need one group.instance.id each: `<id>-<n>` for several.
                if instances > 1 {
                    if let Some(id) = &config.group_instance_id {
                        config.group_instance_id = Some(format!("{id}-{instance}"));
                    }
                }
                consumers.push(ConsumerPlan { topic: topic.clone(), config, workload: workload.clone() });
            }
        }
        let pipelines = self.pipelines(lines, &known_topic)?;
        let client_count = (producers.len() + consumers.len() + pipelines.len()) as u32;
        let network = self.network.validate(lines, broker_count, client_count)?;
        let faults = self
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| {
                super::faults::validate(lines, i, f, broker_count, &producers, &consumers, pipelines.len())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let expect = super::expect::validate(lines, &self.expect)?;
        Ok(Scenario {
            name: self.name,
            description: self.description,
            seed: self.seed,
            duration_ms,
            brokers,
            broker_config,
            controller_config,
            topics,
            producers,
            consumers,
            pipelines,
            network,
            faults,
            expect,
        })
    }
}

/// `[consumers.workload]` validated (absent: instant processing, `auto` commits, runs all along).
fn consumer_workload(
    lines: &Lines<'_>,
    index: usize,
    spec: Option<&ConsumerWorkloadSpec>,
    config: &samsa_core::client::ConsumerConfig,
    duration_ms: u64,
) -> Result<ConsumerWorkload, ScenarioError> {
    let Some(spec) = spec else { return Ok(ConsumerWorkload::default()) };
    let path = |field: &str| format!("consumers[{index}].workload.{field}");
    let processing_ms_per_record = spec.processing_ms_per_record.as_ref().map_or(0, |p| *p.get_ref());
    if let Some(processing) =
        spec.processing_ms_per_record.as_ref().filter(|p| *p.get_ref() > MAX_PROCESSING_MS_PER_RECORD)
    {
        let message =
            format!("must be at most {MAX_PROCESSING_MS_PER_RECORD}, got {processing_ms_per_record}");
        return Err(lines.error(path("processing_ms_per_record"), processing.span(), message));
    }
    let commit = match &spec.commit {
        None => CommitMode::Auto,
        Some(mode) => CommitMode::parse(mode.get_ref()).ok_or_else(|| {
            let message = format!(
                "unknown commit mode `{}` (expected one of: {})",
                mode.get_ref(),
                CommitMode::NAMES.join(", ")
            );
            lines.error(path("commit"), mode.span(), message)
        })?,
    };
    let needs_group = commit != CommitMode::Auto || spec.commit_on_revoke;
    if needs_group && config.group_id.is_none() {
        let span = spec.commit.as_ref().map_or(0..0, |m| m.span());
        return Err(lines.error(
            path("commit"),
            span,
            "committing offsets needs \"group.id\" in [consumers.config]",
        ));
    }
    let stop_ms = spec.stop_ms.as_ref().map(|s| *s.get_ref());
    if let (Some(stop), Some(span)) = (stop_ms, spec.stop_ms.as_ref().map(|s| s.span())) {
        if stop < spec.start_ms || stop > duration_ms {
            return Err(lines.error(path("stop_ms"), span, "must be between start_ms and duration_ms"));
        }
    }
    Ok(ConsumerWorkload {
        processing_ms_per_record,
        commit,
        commit_interval_ms: spec.commit_interval_ms,
        commit_on_revoke: spec.commit_on_revoke,
        handoff: spec.handoff,
        start_ms: spec.start_ms,
        stop_ms,
    })
}

impl TopicSpec {
    fn validate(
        &self,
        lines: &Lines<'_>,
        index: usize,
        broker_count: u32,
    ) -> Result<TopicPlan, ScenarioError> {
        let path = |field: &str| format!("topics[{index}].{field}");
        let name = self.name.get_ref();
        if let Err(e) = samsa_core::topic::validate_topic_name(name) {
            return Err(lines.error(path("name"), self.name.span(), e.to_string()));
        }
        let partitions = *self.partitions.get_ref();
        if !(1..=MAX_PARTITIONS).contains(&partitions) {
            let message = format!("must be between 1 and {MAX_PARTITIONS}, got {partitions}");
            return Err(lines.error(path("partitions"), self.partitions.span(), message));
        }
        let rf = *self.replication_factor.get_ref();
        if rf < 1 || rf > broker_count {
            // Kafka's CreateTopics answer for this case (INVALID_REPLICATION_FACTOR).
            let message = format!("Replication factor: {rf} larger than available brokers: {broker_count}.");
            return Err(lines.error(path("replication.factor"), self.replication_factor.span(), message));
        }
        // `min.insync.replicas` above the replication factor is allowed: Kafka accepts it and then
        // refuses every acks=all write with NOT_ENOUGH_REPLICAS, which a scenario may want to show.
        let config = topic_config(lines, &path("config"), &self.config)?;
        Ok(TopicPlan { name: name.clone(), partitions, replication_factor: rf as usize, config })
    }
}

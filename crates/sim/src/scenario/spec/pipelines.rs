//! `[[pipelines]]`: consume-transform-produce applications, validated into [`PipelinePlan`]s.

use serde::Deserialize;
use toml::Spanned;

use super::{consumer_config, producer_config, ConfigMap, ScenarioFile, MAX_CONSUMER_INSTANCES};
use crate::scenario::{Lines, PipelinePlan, ScenarioError};

/// Checks that a field names a topic of `[[topics]]` (the field's path, its value) and returns it.
pub(super) type KnownTopic<'a> = dyn Fn(String, &Spanned<String>) -> Result<String, ScenarioError> + 'a;

/// `[[pipelines]]`: a consume-transform-produce application.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// The topic it reads (as a group member).
    pub input: Spanned<String>,
    /// The topic it writes, one record per input record.
    pub output: Spanned<String>,
    /// The consumer group (`group.id`).
    pub group_id: String,
    /// `at-most-once`, `at-least-once` or `exactly-once`.
    pub semantics: Spanned<String>,
    /// How many instances (default 1).
    pub instances: Option<Spanned<u32>>,
    /// Consumer configs by Kafka name.
    #[serde(default)]
    pub consumer_config: ConfigMap,
    /// Producer configs by Kafka name.
    #[serde(default)]
    pub producer_config: ConfigMap,
    /// At-least-once: flush and commit at most this often (Kafka Streams' `commit.interval.ms`);
    /// 0 (default): after every poll's records.
    #[serde(default)]
    pub commit_interval_ms: u64,
}

impl ScenarioFile {
    /// `[[pipelines]]` validated, one plan per instance. An exactly-once pipeline's consumer reads
    /// `read_committed` and its producer gets `transactional.id` `<group>-<n>` unless set.
    pub(super) fn pipelines(
        &self,
        lines: &Lines<'_>,
        known_topic: &KnownTopic<'_>,
    ) -> Result<Vec<PipelinePlan>, ScenarioError> {
        let mut plans = Vec::new();
        for (i, p) in self.pipelines.iter().enumerate() {
            let input = known_topic(format!("pipelines[{i}].input"), &p.input)?;
            let output = known_topic(format!("pipelines[{i}].output"), &p.output)?;
            let semantics =
                crate::pipeline_app::Semantics::parse(p.semantics.get_ref()).ok_or_else(|| {
                    let message = format!(
                        "unknown semantics {:?}: use at-most-once, at-least-once or exactly-once",
                        p.semantics.get_ref()
                    );
                    lines.error(format!("pipelines[{i}].semantics"), p.semantics.span(), message)
                })?;
            let mut consumer =
                consumer_config(lines, &format!("pipelines[{i}].consumer_config"), &p.consumer_config)?;
            consumer.group_id = Some(p.group_id.clone());
            consumer.enable_auto_commit = false;
            let producer =
                producer_config(lines, &format!("pipelines[{i}].producer_config"), &p.producer_config)?;
            let instances = p.instances.as_ref().map_or(1, |n| *n.get_ref());
            if !(1..=MAX_CONSUMER_INSTANCES).contains(&instances) {
                let span = p.instances.as_ref().map_or(0..0, |n| n.span());
                let message = format!("must be between 1 and {MAX_CONSUMER_INSTANCES}, got {instances}");
                return Err(lines.error(format!("pipelines[{i}].instances"), span, message));
            }
            for instance in 1..=instances {
                let mut consumer = consumer.clone();
                let mut producer = producer.clone();
                if semantics == crate::pipeline_app::Semantics::ExactlyOnce {
                    consumer.isolation_level = samsa_core::client::IsolationLevel::ReadCommitted;
                    if producer.transactional_id.is_none() {
                        producer.transactional_id = Some(format!("{}-{instance}", p.group_id));
                    }
                } else {
                    producer.transactional_id = None;
                }
                plans.push(PipelinePlan {
                    input: input.clone(),
                    output: output.clone(),
                    semantics,
                    consumer,
                    producer,
                    commit_interval_ms: p.commit_interval_ms,
                });
            }
        }
        Ok(plans)
    }
}

//! Consume-transform-produce pipelines: for every input record the pipeline's group has committed past,
//! how many of its outputs are committed in the output topic. Exactly one is the promise of the
//! exactly-once pipeline (KIP-98, KIP-447); zero is a loss, more is a duplicate. At-most-once and
//! at-least-once pipelines are counted, not judged: losing or duplicating is what those semantics allow.

use std::collections::{BTreeMap, BTreeSet};

use samsa_core::client::events::RecordId;
use samsa_core::replication::messages::TopicPartition;
use serde::Serialize;

use super::final_state::FinalState;
use super::report::{Report, Violation, ViolationKind};
use crate::pipeline_app::Semantics;

/// One pipeline as the checker knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineCheck {
    /// Its instances' client ids.
    pub clients: BTreeSet<u32>,
    /// Its consumer group.
    pub group_id: String,
    /// The topic it reads.
    pub input: String,
    /// The topic it writes.
    pub output: String,
    /// Its semantics.
    pub semantics: Semantics,
}

/// What a pipeline did, from the final logs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PipelineResult {
    /// Its consumer group.
    pub group_id: String,
    /// Its semantics.
    pub semantics: Option<Semantics>,
    /// Input records the group committed past (processed, as far as Kafka is concerned).
    pub inputs: u64,
    /// Of those, the ones with no committed output.
    pub lost: u64,
    /// Outputs beyond the first for an input (committed).
    pub duplicated: u64,
}

impl std::fmt::Display for PipelineResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let semantics = self.semantics.map_or("?", Semantics::name);
        write!(
            f,
            "pipeline {} ({semantics}): {} inputs committed, {} without output (lost), {} extra outputs (duplicated)",
            self.group_id, self.inputs, self.lost, self.duplicated
        )
    }
}

/// Most transformations remembered (the rest are not checked).
const MAX_TRACKED: usize = 10_000_000;

/// The pipelines' ledger.
#[derive(Clone, Debug, Default)]
pub(crate) struct PipelineLedger {
    pipelines: Vec<PipelineCheck>,
    /// Output record → (pipeline index, input record).
    outputs: BTreeMap<RecordId, (usize, RecordId)>,
    /// The latest committed offset per (group, partition).
    committed: BTreeMap<(String, TopicPartition), i64>,
}

impl PipelineLedger {
    /// A ledger for `pipelines`.
    pub fn new(pipelines: Vec<PipelineCheck>) -> Self {
        PipelineLedger { pipelines, ..PipelineLedger::default() }
    }

    /// A pipeline instance produced `output` for `input`.
    pub fn transformed(&mut self, client: u32, input: RecordId, output: RecordId) {
        let Some(index) = self.pipelines.iter().position(|p| p.clients.contains(&client)) else { return };
        if self.outputs.len() < MAX_TRACKED {
            self.outputs.insert(output, (index, input));
        }
    }

    /// A group coordinator stored these offsets for `group_id`.
    pub fn stored(&mut self, group_id: &str, offsets: &[(TopicPartition, i64)]) {
        if !self.pipelines.iter().any(|p| p.group_id == group_id) {
            return;
        }
        for (tp, offset) in offsets {
            self.committed.insert((group_id.to_owned(), tp.clone()), *offset);
        }
    }

    /// Counts every pipeline's outputs in the final logs; an exactly-once pipeline's miscounts are violations.
    pub fn finish(self, state: &FinalState, report: &mut Report) {
        // Committed outputs per (pipeline, input).
        let mut counts: BTreeMap<(usize, RecordId), u64> = BTreeMap::new();
        for (tp, partition) in &state.partitions {
            let Some(replica) = partition.leader_replica() else { continue };
            if !self.pipelines.iter().any(|p| p.output == tp.topic) {
                continue;
            }
            for record in replica.committed() {
                let Some(id) = record.record_id else { continue };
                if replica.not_committed.contains_key(&record.offset) {
                    continue;
                }
                if let Some(&key) = self.outputs.get(&id) {
                    *counts.entry(key).or_insert(0) += 1;
                }
            }
        }
        for (index, pipeline) in self.pipelines.iter().enumerate() {
            let mut result = PipelineResult {
                group_id: pipeline.group_id.clone(),
                semantics: Some(pipeline.semantics),
                ..PipelineResult::default()
            };
            for (tp, partition) in state.partitions.iter().filter(|(tp, _)| tp.topic == pipeline.input) {
                let Some(replica) = partition.leader_replica() else { continue };
                let committed_offset =
                    self.committed.get(&(pipeline.group_id.clone(), tp.clone())).copied().unwrap_or(0);
                for record in replica.committed().iter().filter(|r| r.offset < committed_offset) {
                    let Some(input) = record.record_id else { continue };
                    if replica.not_committed.contains_key(&record.offset) {
                        continue;
                    }
                    result.inputs += 1;
                    let outputs = counts.get(&(index, input)).copied().unwrap_or(0);
                    if outputs == 0 {
                        result.lost += 1;
                    }
                    result.duplicated += outputs.saturating_sub(1);
                    if pipeline.semantics == Semantics::ExactlyOnce && outputs != 1 {
                        let what =
                            if outputs == 0 { "no committed output" } else { "several committed outputs" };
                        report.push(Violation {
                            kind: ViolationKind::ExactlyOnceBroken,
                            tp: Some(tp.clone()),
                            record_id: Some(input),
                            offsets: vec![record.offset],
                            at: state.at,
                            detail: format!(
                                "exactly-once pipeline of group {}: input record {input} (offset {}, below the \
                                 committed offset {committed_offset}) has {what} ({outputs}) in {}",
                                pipeline.group_id, record.offset, pipeline.output
                            ),
                            cause: None,
                        });
                    }
                }
            }
            report.pipelines.push(result);
        }
    }
}

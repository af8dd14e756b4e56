//! A consume-transform-produce application (issue 8): it reads an input topic in a consumer group,
//! produces one output record per input record, and commits its input offsets in one of the three
//! delivery semantics Kafka's docs name ("Message Delivery Semantics"):
//!
//! - **at-most-once**: `commitSync` the positions first, then produce — a crash in between loses the
//!   batch's outputs;
//! - **at-least-once**: produce, wait for every acknowledgement, then `commitSync` — a crash in between
//!   produces the batch again (duplicates). With `commit_interval_ms` the flush and commit happen at most
//!   that often, over every batch since the last (Kafka Streams' `commit.interval.ms`), so a crash
//!   repeats up to an interval's outputs;
//! - **exactly-once** (KIP-98, KIP-447): `beginTransaction`, produce, `sendOffsetsToTransaction` with the
//!   consumer's group metadata, `commitTransaction`; the consumer reads `read_committed`. A crash aborts
//!   the open transaction (the restarted instance's InitProducerId fences it), so outputs and offsets
//!   commit together or not at all. After an abortable error the application aborts and rewinds its
//!   positions to the batch's start.
//!
//! Each output record reports its input as `ClientEvent::RecordTransformed`, so the checker can count
//! outputs per input in the final committed logs.

use std::collections::BTreeMap;

use samsa_core::client::consumer::{CommitId, ConsumerRecord};
use samsa_core::client::{ClientEvent, Consumer, ConsumerGroupMetadata, Producer, TxnState};
use samsa_core::group::messages::OffsetAndMetadata;
use samsa_core::node::{Effect, Node, NodeId};
use samsa_core::replication::messages::TopicPartition;
use serde::Serialize;

/// The delivery semantics a pipeline implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Semantics {
    /// Commit, then produce.
    AtMostOnce,
    /// Produce and wait, then commit.
    AtLeastOnce,
    /// Produce and commit the offsets in one transaction.
    ExactlyOnce,
}

impl Semantics {
    /// The scenario file's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Semantics::AtMostOnce => "at-most-once",
            Semantics::AtLeastOnce => "at-least-once",
            Semantics::ExactlyOnce => "exactly-once",
        }
    }

    /// The semantics named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "at-most-once" => Some(Semantics::AtMostOnce),
            "at-least-once" => Some(Semantics::AtLeastOnce),
            "exactly-once" => Some(Semantics::ExactlyOnce),
            _ => None,
        }
    }
}

/// Where the loop is.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    /// Exactly-once: waiting for `initTransactions`.
    Initializing,
    /// Calls `poll` next.
    Polling,
    /// At-most-once: the commit of the batch's positions is in flight; the batch is produced after.
    CommittingFirst { commit: CommitId, batch: Vec<ConsumerRecord> },
    /// At-least-once: the batch's outputs are in flight; the commit follows.
    Producing { offsets: Vec<(TopicPartition, OffsetAndMetadata)> },
    /// At-least-once: the commit after producing is in flight.
    CommittingAfter { commit: CommitId },
    /// Exactly-once: `commitTransaction` is in progress; `rewind` is where the batch started.
    Transacting { rewind: Vec<(TopicPartition, i64)> },
    /// Exactly-once: `abortTransaction` is in progress; positions go back to `rewind` after.
    Aborting { rewind: Vec<(TopicPartition, i64)> },
    /// Fenced or failed for good: the application stopped.
    Stopped,
}

/// The pipeline application (see the module docs).
#[derive(Clone, Debug)]
pub struct PipelineApp {
    semantics: Semantics,
    output_topic: String,
    phase: Phase,
    /// At-least-once: commit at most this often (0: after every batch).
    commit_interval_ms: u64,
    /// At-least-once: positions produced for and not yet committed.
    uncommitted: BTreeMap<TopicPartition, OffsetAndMetadata>,
    /// At-least-once: when the last commit started (the first batch starts the clock).
    last_commit_ms: Option<u64>,
}

impl PipelineApp {
    /// A pipeline writing to `output_topic`.
    pub fn new(semantics: Semantics, output_topic: String) -> Self {
        let phase = if semantics == Semantics::ExactlyOnce { Phase::Initializing } else { Phase::Polling };
        PipelineApp {
            semantics,
            output_topic,
            phase,
            commit_interval_ms: 0,
            uncommitted: BTreeMap::new(),
            last_commit_ms: None,
        }
    }

    /// At-least-once: flush and commit at most every `interval_ms` (0: after every batch).
    pub fn with_commit_interval_ms(mut self, interval_ms: u64) -> Self {
        self.commit_interval_ms = interval_ms;
        self
    }

    /// At-least-once: when the uncommitted positions are due, flushes the producer and moves to
    /// waiting for its acknowledgements (the commit follows); `false` if not due.
    fn commit_if_due(&mut self, consumer: &Consumer, producer: &mut Producer, now_ms: u64) -> bool {
        if self.uncommitted.is_empty() {
            return false;
        }
        let since = *self.last_commit_ms.get_or_insert(now_ms);
        if now_ms < since.saturating_add(self.commit_interval_ms) {
            return false;
        }
        self.last_commit_ms = Some(now_ms);
        // Positions of partitions revoked since are not ours to commit any more.
        let assigned = consumer.assignment();
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = std::mem::take(&mut self.uncommitted)
            .into_iter()
            .filter(|(tp, _)| assigned.contains(tp))
            .collect();
        if offsets.is_empty() {
            return false;
        }
        producer.flush(now_ms);
        self.phase = Phase::Producing { offsets };
        true
    }

    /// The delivery semantics.
    pub fn semantics(&self) -> Semantics {
        self.semantics
    }

    /// Runs the loop at `now_ms` until it has to wait; `next_output_id` numbers output records.
    pub fn run(
        &mut self,
        consumer: &mut Consumer,
        producer: &mut Producer,
        now_ms: u64,
        next_output_id: &mut u64,
        effects: &mut Vec<Effect>,
    ) {
        for _ in 0..8 {
            if !self.step(consumer, producer, now_ms, next_output_id, effects) {
                return;
            }
        }
    }

    /// One step of the loop; `false` when it waits.
    fn step(
        &mut self,
        consumer: &mut Consumer,
        producer: &mut Producer,
        now_ms: u64,
        next_output_id: &mut u64,
        effects: &mut Vec<Effect>,
    ) -> bool {
        match std::mem::replace(&mut self.phase, Phase::Stopped) {
            Phase::Stopped => false,
            Phase::Initializing => {
                match producer.transaction_state() {
                    Some(TxnState::Uninitialized) => {
                        let _ = producer.init_transactions(now_ms);
                        self.phase = Phase::Initializing;
                        return true;
                    }
                    Some(TxnState::Ready) => self.phase = Phase::Polling,
                    Some(TxnState::FatalError(_)) | None => self.phase = Phase::Stopped,
                    Some(_) => {
                        self.phase = Phase::Initializing;
                        return false;
                    }
                }
                true
            }
            Phase::Polling => self.poll(consumer, producer, now_ms, next_output_id, effects),
            Phase::CommittingFirst { commit, batch } => {
                if consumer.commit_in_flight(commit) {
                    self.phase = Phase::CommittingFirst { commit, batch };
                    return false;
                }
                self.produce(producer, &batch, now_ms, next_output_id, effects);
                self.phase = Phase::Polling;
                true
            }
            Phase::Producing { offsets } => {
                if producer.unfinished_records() > 0 {
                    self.phase = Phase::Producing { offsets };
                    return false;
                }
                self.phase = match consumer.commit_sync(now_ms, Some(offsets)) {
                    Ok(commit) => Phase::CommittingAfter { commit },
                    Err(_) => Phase::Polling,
                };
                true
            }
            Phase::CommittingAfter { commit } => {
                if consumer.commit_in_flight(commit) {
                    self.phase = Phase::CommittingAfter { commit };
                    return false;
                }
                self.phase = Phase::Polling;
                true
            }
            Phase::Transacting { rewind } => match producer.transaction_state() {
                Some(TxnState::Ready) => {
                    self.phase = Phase::Polling;
                    true
                }
                Some(TxnState::AbortableError(_)) => {
                    let _ = producer.abort_transaction(now_ms);
                    self.phase = Phase::Aborting { rewind };
                    true
                }
                Some(TxnState::FatalError(_)) | None => false,
                Some(_) => {
                    self.phase = Phase::Transacting { rewind };
                    false
                }
            },
            Phase::Aborting { rewind } => match producer.transaction_state() {
                Some(TxnState::Ready | TxnState::Initializing) => {
                    // The aborted batch is read again from where it started.
                    rewind_to(consumer, &rewind, effects);
                    self.phase = Phase::Initializing;
                    true
                }
                Some(TxnState::FatalError(_)) | None => false,
                Some(_) => {
                    self.phase = Phase::Aborting { rewind };
                    false
                }
            },
        }
    }

    fn poll(
        &mut self,
        consumer: &mut Consumer,
        producer: &mut Producer,
        now_ms: u64,
        next_output_id: &mut u64,
        effects: &mut Vec<Effect>,
    ) -> bool {
        self.phase = Phase::Polling;
        if self.commit_if_due(consumer, producer, now_ms) {
            return true;
        }
        let result = consumer.poll(now_ms);
        if !result.callbacks.is_empty() {
            return true; // the listener runs in poll; nothing to do for these semantics
        }
        if result.records.is_empty() {
            return false;
        }
        let batch = result.records;
        let mut next: BTreeMap<TopicPartition, (i64, i32)> = BTreeMap::new();
        let mut first: BTreeMap<TopicPartition, i64> = BTreeMap::new();
        for record in &batch {
            next.insert(record.tp.clone(), (record.offset + 1, record.leader_epoch));
            first.entry(record.tp.clone()).or_insert(record.offset);
        }
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = next
            .into_iter()
            .map(|(tp, (offset, leader_epoch))| {
                (tp, OffsetAndMetadata { offset, leader_epoch, metadata: String::new() })
            })
            .collect();
        match self.semantics {
            Semantics::AtMostOnce => {
                self.phase = match consumer.commit_sync(now_ms, Some(offsets)) {
                    Ok(commit) => Phase::CommittingFirst { commit, batch },
                    Err(_) => Phase::Polling,
                };
            }
            Semantics::AtLeastOnce => {
                self.produce(producer, &batch, now_ms, next_output_id, effects);
                self.uncommitted.extend(offsets);
                self.last_commit_ms.get_or_insert(now_ms);
            }
            Semantics::ExactlyOnce => {
                let rewind: Vec<(TopicPartition, i64)> = first.into_iter().collect();
                if producer.begin_transaction().is_err() {
                    rewind_to(consumer, &rewind, effects);
                    self.phase = Phase::Initializing;
                    return true;
                }
                self.produce(producer, &batch, now_ms, next_output_id, effects);
                let group = consumer.membership().map(|m| ConsumerGroupMetadata {
                    group_id: m.group_id.clone(),
                    generation_id: m.generation_id,
                    member_id: m.member_id.clone(),
                });
                if let Some(group) = group {
                    let _ = producer.send_offsets_to_transaction(now_ms, offsets, group);
                }
                let _ = producer.commit_transaction(now_ms);
                self.phase = Phase::Transacting { rewind };
            }
        }
        true
    }

    /// One output record per input record, each reported with its input; the batch counts as processed
    /// (`RecordsProcessed`), as the consumer-group checks expect of an application.
    fn produce(
        &self,
        producer: &mut Producer,
        batch: &[ConsumerRecord],
        now_ms: u64,
        next_output_id: &mut u64,
        effects: &mut Vec<Effect>,
    ) {
        let NodeId::Client(client) = producer.id() else { return };
        let mut ranges: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
        for record in batch {
            let range = ranges.entry(record.tp.clone()).or_insert((record.offset, record.offset));
            range.1 = record.offset;
            let Some(input_record_id) = record.record_id else { continue };
            let output_record_id = *next_output_id;
            *next_output_id += 1;
            let key = format!("in-{input_record_id}").into_bytes();
            let value = vec![b'o'; 16];
            if producer.send(now_ms, &self.output_topic, Some(key), Some(value), output_record_id, 0).is_ok()
            {
                let event = ClientEvent::RecordTransformed { client, input_record_id, output_record_id };
                effects.push(Effect::Client(event));
            }
        }
        for (tp, (first_offset, last_offset)) in ranges {
            effects.push(Effect::Client(ClientEvent::RecordsProcessed {
                client,
                tp,
                first_offset,
                last_offset,
            }));
        }
    }
}

/// Moves the consumer back to where an aborted batch started (the application's `seek`), reported as a
/// position reset so the order checks start again there.
fn rewind_to(consumer: &mut Consumer, rewind: &[(TopicPartition, i64)], effects: &mut Vec<Effect>) {
    let NodeId::Client(client) = consumer.id() else { return };
    for (tp, offset) in rewind {
        let from_offset = consumer.position(tp);
        if consumer.seek(tp, *offset) {
            let event =
                ClientEvent::PositionReset { client, tp: tp.clone(), from_offset, to_offset: *offset };
            effects.push(Effect::Client(event));
        }
    }
}

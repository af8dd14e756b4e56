//! The application around a simulated consumer: Kafka's poll loop, modelled with a processing time per
//! record and a commit strategy, so "slow processing" and "commit before processing" are workload
//! parameters (issue 7).
//!
//! The loop is the canonical one from `KafkaConsumer`'s javadoc:
//! `loop { records = poll(); for r in records { process(r) }; commit? }`, with the rebalance listener
//! running inside `poll` (`onPartitionsRevoked` may `commitSync`). `commitSync` blocks the loop until
//! the consumer reports the commit's outcome. With `handoff`, records go to a worker queue instead and the
//! loop polls again at once (asynchronous processing: what makes auto commit lose records on a crash).
//!
//! The application reports what it finished as `ClientEvent::RecordsProcessed` ranges; the checker's
//! at-least-once check compares them with the group's committed offsets.

use std::collections::{BTreeMap, VecDeque};

use samsa_core::client::consumer::{CommitId, ConsumerRecord, RebalanceCallback};
use samsa_core::client::{ClientEvent, Consumer};
use samsa_core::group::messages::OffsetAndMetadata;
use samsa_core::node::{Effect, Node, NodeId};
use samsa_core::replication::messages::TopicPartition;

use crate::scenario::{CommitMode, ConsumerWorkload};

/// Most records waiting for the worker with `handoff`, in units of `max.poll.records`: the loop stops
/// polling while the queue is this full (the back-pressure a bounded executor queue gives).
const HANDOFF_QUEUE_POLLS: usize = 2;

/// The end time of a record whose processing has not started (it waits for a blocking commit).
const UNSCHEDULED: u64 = u64::MAX;

/// What the loop does next.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    /// Before the workload's `start_ms`: not subscribed yet.
    NotStarted,
    /// Calls `poll` at the next step.
    Polling,
    /// Processing the records of the last poll in the loop itself (no handoff).
    Processing,
    /// Blocked in `commitSync`; then continues with `then`.
    Committing { id: CommitId, then: AfterCommit },
    /// `close()` was called.
    Closed,
}

/// Where the loop goes when a blocking commit finishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AfterCommit {
    Poll,
    Process,
}

/// One record in the application's hands, with when its processing ends.
#[derive(Clone, Debug, PartialEq)]
struct InHand {
    record: ConsumerRecord,
    done_ms: u64,
}

/// The application model (see the module docs).
#[derive(Clone, Debug)]
pub struct ConsumerApp {
    workload: ConsumerWorkload,
    subscription: Subscription,
    phase: Phase,
    /// Records returned by poll and not processed yet, in processing order.
    in_hand: VecDeque<InHand>,
    /// Per partition: the next offset after the last processed record, with that record's leader epoch.
    processed: BTreeMap<TopicPartition, (i64, i32)>,
    /// When the application last committed by itself.
    last_commit_ms: Option<u64>,
}

/// What the application subscribes to (or assigns) when it starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Subscription {
    /// `subscribe(topics)`: a group member.
    Topics(Vec<String>),
    /// `assign(partitions)`: no group membership.
    Partitions(Vec<TopicPartition>),
}

impl ConsumerApp {
    /// A loop that starts at `workload.start_ms`.
    pub fn new(workload: ConsumerWorkload, subscription: Subscription) -> Self {
        ConsumerApp {
            workload,
            subscription,
            phase: Phase::NotStarted,
            in_hand: VecDeque::new(),
            processed: BTreeMap::new(),
            last_commit_ms: None,
        }
    }

    /// The earliest time the loop needs to run again, if it waits for time rather than the consumer.
    pub fn next_wake_ms(&self) -> Option<u64> {
        let start = matches!(self.phase, Phase::NotStarted).then_some(self.workload.start_ms);
        let stop = self.workload.stop_ms.filter(|_| self.phase != Phase::Closed);
        let processing = self.in_hand.front().map(|r| r.done_ms).filter(|&t| t != UNSCHEDULED);
        [start, stop, processing].into_iter().flatten().min()
    }

    /// Records in the application's hands (polled, not yet processed).
    pub fn records_in_hand(&self) -> usize {
        self.in_hand.len()
    }

    /// Runs the loop at `now_ms` until it has to wait (for time, a commit, or records).
    pub fn run(&mut self, consumer: &mut Consumer, now_ms: u64, effects: &mut Vec<Effect>) {
        if self.phase == Phase::Closed {
            return;
        }
        if self.workload.stop_ms.is_some_and(|stop| now_ms >= stop) {
            self.finish_processing(consumer, now_ms, effects);
            consumer.close(now_ms);
            self.in_hand.clear();
            self.phase = Phase::Closed;
            return;
        }
        if self.phase == Phase::NotStarted {
            if now_ms < self.workload.start_ms {
                return;
            }
            match &self.subscription {
                Subscription::Topics(topics) => {
                    // The scenario validated that these consumers have a group.id.
                    let _ = consumer.subscribe(topics.clone());
                }
                Subscription::Partitions(partitions) => consumer.assign(partitions.clone()),
            }
            self.phase = Phase::Polling;
        }
        // Bounded: each pass either waits (returns) or moves the loop forward by one poll or commit.
        for _ in 0..8 {
            self.finish_processing(consumer, now_ms, effects);
            match self.phase.clone() {
                Phase::NotStarted | Phase::Closed => return,
                Phase::Committing { id, then } => {
                    if consumer.commit_in_flight(id) {
                        return;
                    }
                    self.phase = match then {
                        AfterCommit::Poll => Phase::Polling,
                        AfterCommit::Process => {
                            self.schedule(now_ms);
                            if self.workload.handoff {
                                Phase::Polling
                            } else {
                                Phase::Processing
                            }
                        }
                    };
                }
                Phase::Processing => {
                    if !self.in_hand.is_empty() {
                        return; // woken when the next record is done
                    }
                    self.after_processing(consumer, now_ms);
                }
                Phase::Polling => {
                    let queue_limit = HANDOFF_QUEUE_POLLS.saturating_mul(
                        usize::try_from(consumer.config().max_poll_records).unwrap_or(usize::MAX),
                    );
                    if self.workload.handoff && self.in_hand.len() >= queue_limit {
                        return; // the worker queue is full: wait for it
                    }
                    if !self.poll_once(consumer, now_ms) {
                        return; // nothing to do until the consumer has records
                    }
                }
            }
        }
    }

    /// One `poll()`: runs the listener callbacks, or takes the records. False when it returned nothing.
    fn poll_once(&mut self, consumer: &mut Consumer, now_ms: u64) -> bool {
        let result = consumer.poll(now_ms);
        if !result.callbacks.is_empty() {
            for callback in result.callbacks {
                match callback {
                    RebalanceCallback::Revoked(partitions) => {
                        self.drop_in_hand(&partitions);
                        if self.workload.commit_on_revoke {
                            let offsets = self.processed_offsets(&partitions);
                            if !offsets.is_empty() {
                                if let Ok(id) = consumer.commit_sync(now_ms, Some(offsets)) {
                                    self.phase = Phase::Committing { id, then: AfterCommit::Poll };
                                }
                            }
                        }
                        for tp in &partitions {
                            self.processed.remove(tp);
                        }
                    }
                    RebalanceCallback::Lost(partitions) => {
                        // Nothing can be committed for lost partitions; the new owner starts from the
                        // group's last commit.
                        self.drop_in_hand(&partitions);
                        for tp in &partitions {
                            self.processed.remove(tp);
                        }
                    }
                    RebalanceCallback::Assigned(_) => {}
                }
            }
            return true;
        }
        if result.records.is_empty() {
            return false;
        }
        self.in_hand.extend(result.records.into_iter().map(|record| InHand { record, done_ms: UNSCHEDULED }));
        if self.workload.commit == CommitMode::SyncBeforeProcessing {
            // At-most-once: the positions are committed before the records are processed.
            if let Ok(id) = consumer.commit_sync(now_ms, None) {
                self.phase = Phase::Committing { id, then: AfterCommit::Process };
                return true;
            }
        }
        self.schedule(now_ms);
        if !self.workload.handoff {
            self.phase = Phase::Processing;
        }
        // With handoff the worker processes them while the loop polls again.
        true
    }

    /// Commits after a poll's records are processed, as the workload says, and goes back to polling.
    fn after_processing(&mut self, consumer: &mut Consumer, now_ms: u64) {
        self.phase = Phase::Polling;
        let offsets = self.processed_offsets(&consumer.assignment());
        let interval_ms = self.workload.commit_interval_ms;
        let due = self.last_commit_ms.is_none_or(|last| now_ms >= last.saturating_add(interval_ms));
        if offsets.is_empty() || !due {
            return;
        }
        if matches!(self.workload.commit, CommitMode::SyncAfterProcessing | CommitMode::AsyncAfterProcessing)
        {
            self.last_commit_ms = Some(now_ms);
        }
        match self.workload.commit {
            CommitMode::SyncAfterProcessing => {
                if let Ok(id) = consumer.commit_sync(now_ms, Some(offsets)) {
                    self.phase = Phase::Committing { id, then: AfterCommit::Poll };
                }
            }
            CommitMode::AsyncAfterProcessing => {
                let _ = consumer.commit_async(now_ms, Some(offsets));
            }
            CommitMode::Auto | CommitMode::SyncBeforeProcessing => {}
        }
    }

    /// Reports every record whose processing ended by `now_ms`, as contiguous ranges per partition.
    fn finish_processing(&mut self, consumer: &Consumer, now_ms: u64, effects: &mut Vec<Effect>) {
        let client = match consumer.id() {
            NodeId::Client(n) => n,
            NodeId::Broker(_) | NodeId::Controller => return,
        };
        // Only group members report what they processed: the checker needs it for groups, and plain
        // consumers' traces stay short.
        let report = consumer.config().group_id.is_some();
        let mut run: Option<(TopicPartition, i64, i64)> = None;
        while self.in_hand.front().is_some_and(|r| r.done_ms <= now_ms) {
            let Some(InHand { record, .. }) = self.in_hand.pop_front() else { break };
            self.processed.insert(record.tp.clone(), (record.offset.saturating_add(1), record.leader_epoch));
            run = match run {
                Some((tp, first, last)) if tp == record.tp && last.saturating_add(1) == record.offset => {
                    Some((tp, first, record.offset))
                }
                Some((tp, first_offset, last_offset)) => {
                    if report {
                        let event = ClientEvent::RecordsProcessed { client, tp, first_offset, last_offset };
                        effects.push(Effect::Client(event));
                    }
                    Some((record.tp, record.offset, record.offset))
                }
                None => Some((record.tp, record.offset, record.offset)),
            };
        }
        if let Some((tp, first_offset, last_offset)) = run.filter(|_| report) {
            effects.push(Effect::Client(ClientEvent::RecordsProcessed {
                client,
                tp,
                first_offset,
                last_offset,
            }));
        }
    }

    /// The processed positions of `partitions`, as offsets to commit.
    fn processed_offsets(&self, partitions: &[TopicPartition]) -> Vec<(TopicPartition, OffsetAndMetadata)> {
        partitions
            .iter()
            .filter_map(|tp| {
                self.processed.get(tp).map(|&(offset, leader_epoch)| {
                    (tp.clone(), OffsetAndMetadata { offset, leader_epoch, metadata: String::new() })
                })
            })
            .collect()
    }

    /// Records of partitions the consumer no longer owns are not processed (a careful listener stops
    /// their work).
    fn drop_in_hand(&mut self, partitions: &[TopicPartition]) {
        self.in_hand.retain(|r| !partitions.contains(&r.record.tp));
    }

    /// Gives every record not yet scheduled its end time: one after another from `now_ms` (or from the
    /// end of the work already scheduled), `processing_ms_per_record` each.
    fn schedule(&mut self, now_ms: u64) {
        let per_record_ms = self.workload.processing_ms_per_record;
        let mut done_ms = now_ms;
        for entry in &mut self.in_hand {
            if entry.done_ms == UNSCHEDULED {
                done_ms = done_ms.saturating_add(per_record_ms);
                entry.done_ms = done_ms;
            } else {
                done_ms = done_ms.max(entry.done_ms);
            }
        }
    }
}

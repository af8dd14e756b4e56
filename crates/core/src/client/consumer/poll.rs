//! The application's `poll()`: rebalance callbacks first, then records up to `max.poll.records`.

use alloc::vec::Vec;

use super::Consumer;
use crate::client::events::ClientEvent;
use crate::client::record_id::RecordId;
use crate::replication::messages::TopicPartition;

/// A record `poll` returned (Kafka's `ConsumerRecord`, without key and value: the simulator's records
/// are known by their id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerRecord {
    /// Its partition.
    pub tp: TopicPartition,
    /// Its offset.
    pub offset: i64,
    /// The leader epoch of its batch (committed with the next offset, KIP-320).
    pub leader_epoch: i32,
    /// Its timestamp.
    pub timestamp_ms: i64,
    /// Its `samsa.record-id`, if it carries one.
    pub record_id: Option<RecordId>,
}

/// A `ConsumerRebalanceListener` call the application must run (in order) before anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RebalanceCallback {
    /// `onPartitionsRevoked`: still a member; offsets of these may be committed now.
    Revoked(Vec<TopicPartition>),
    /// `onPartitionsAssigned`: newly owned.
    Assigned(Vec<TopicPartition>),
    /// `onPartitionsLost`: no longer a member; these may already belong to others.
    Lost(Vec<TopicPartition>),
}

/// What one `poll` returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollResult {
    /// Listener calls to run first. When there are any, `records` is empty and the consumer does not go
    /// on with the rebalance until the next `poll`: a listener can `commit_sync` and wait for it.
    pub callbacks: Vec<RebalanceCallback>,
    /// Records, at most `max.poll.records`, in offset order per partition.
    pub records: Vec<ConsumerRecord>,
}

impl Consumer {
    /// Kafka's `poll()` (see [`PollResult`]): resets the `max.poll.interval.ms` timer, commits
    /// automatically when `auto.commit.interval.ms` has passed, drives the group (JoinGroup and SyncGroup
    /// are sent from here, as `ensureActiveGroup` does), and returns callbacks or buffered records.
    /// `ClientEvent::RecordConsumed` is reported for every record returned.
    pub fn poll(&mut self, now_ms: u64) -> PollResult {
        let mut result = PollResult::default();
        if self.closed {
            return result;
        }
        self.last_now_ms = self.last_now_ms.max(now_ms);
        self.maybe_auto_commit(now_ms);
        result.callbacks = self.poll_group(now_ms);
        if result.callbacks.is_empty() {
            result.records = self.drain(now_ms);
        }
        self.background(now_ms);
        result
    }

    /// Up to `max.poll.records` buffered records, taking partitions in turn from where the last poll
    /// stopped (Kafka's fetcher returns completed fetches in order, so no partition starves).
    fn drain(&mut self, _now_ms: u64) -> Vec<ConsumerRecord> {
        let max = usize::try_from(self.config.max_poll_records).unwrap_or(usize::MAX).max(1);
        let mut records = Vec::new();
        let order: Vec<TopicPartition> = match &self.drain_cursor {
            Some(cursor) => {
                let (before, after): (Vec<_>, Vec<_>) =
                    self.partitions.keys().cloned().partition(|tp| tp <= cursor);
                after.into_iter().chain(before).collect()
            }
            None => self.partitions.keys().cloned().collect(),
        };
        for tp in order {
            if records.len() >= max {
                break;
            }
            let Some(state) = self.partitions.get_mut(&tp) else { continue };
            if state.paused || state.buffered.is_empty() {
                continue;
            }
            let high_watermark = state.high_watermark;
            while records.len() < max {
                let Some(record) = state.buffered.pop_front() else { break };
                state.position = Some(record.offset.saturating_add(1));
                state.last_leader_epoch = record.leader_epoch;
                self.effects.push(crate::node::Effect::Client(ClientEvent::RecordConsumed {
                    client: self.client_id,
                    tp: tp.clone(),
                    offset: record.offset,
                    record_id: record.record_id,
                    high_watermark,
                }));
                records.push(record);
            }
            if state.buffered.is_empty() {
                state.position = state.fetch_offset.or(state.position);
            }
            self.drain_cursor = Some(tp);
        }
        records
    }
}

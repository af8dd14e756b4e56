//! Offset commits (`commitSync`, `commitAsync`, auto commit) and fetching the group's committed
//! offsets for newly assigned partitions (OffsetFetch).
//!
//! A commit stores the *next* offset to read with the leader epoch of the last consumed record
//! (KIP-320). `commitSync` retries retriable errors (the coordinator moved or is loading, a timeout)
//! until `default.api.timeout.ms`; `commitAsync` does not retry; `ILLEGAL_GENERATION`,
//! `UNKNOWN_MEMBER_ID` and `REBALANCE_IN_PROGRESS` fail at once (Kafka's `CommitFailedException`). The
//! sans-IO consumer cannot block: the application waits for [`Consumer::commit_in_flight`] to turn false
//! and sees the outcome as `ClientEvent::OffsetsCommitted` / `CommitFailed`.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::Consumer;
use crate::client::events::ClientEvent;
use crate::client::IsolationLevel;
use crate::error::ErrorCode;
use crate::group::messages::{
    OffsetAndMetadata, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse,
};
use crate::replication::messages::{Message, TopicPartition};

/// Most commits waiting for their outcome.
pub const MAX_PENDING_COMMITS: usize = 1_000;

/// A commit's handle: `commit_in_flight(id)` is true until its outcome is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitId(pub u64);

/// Why a commit could not even be started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitError {
    /// No `group.id`: there is no group to commit for.
    NoGroupId,
    /// [`MAX_PENDING_COMMITS`] commits are waiting already.
    TooManyPending,
}

impl fmt::Display for CommitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommitError::NoGroupId => f.write_str("committing offsets needs a group.id"),
            CommitError::TooManyPending => write!(f, "{MAX_PENDING_COMMITS} commits are already waiting"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct PendingCommit {
    offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
    sync: bool,
    auto: bool,
    /// A sync commit gives up at this time (`default.api.timeout.ms`).
    deadline_ms: u64,
    /// The request out: correlation id and when it counts as lost.
    in_flight: Option<(u64, u64)>,
    retry_after_ms: u64,
    generation_id: i32,
}

/// The consumer's commits and committed-offset lookups.
#[derive(Clone, Debug, Default)]
pub(super) struct Commits {
    pending: BTreeMap<CommitId, PendingCommit>,
    next_id: u64,
    next_auto_commit_ms: Option<u64>,
    /// Partitions waiting for their committed offset.
    wanted: BTreeSet<TopicPartition>,
    /// The OffsetFetch out: correlation id, partitions, deadline.
    fetch_in_flight: Option<(u64, Vec<TopicPartition>, u64)>,
    fetch_retry_after_ms: u64,
}

impl Commits {
    /// The earliest timer; retries count only once the coordinator is known (finding it has its own).
    pub(super) fn next_tick_ms(&self, coordinator_known: bool) -> Option<u64> {
        let commits = self.pending.values().filter_map(|c| match c.in_flight {
            Some((_, lost_ms)) => Some(lost_ms.min(if c.sync { c.deadline_ms } else { u64::MAX })),
            None if coordinator_known => Some(c.retry_after_ms),
            None => c.sync.then_some(c.deadline_ms),
        });
        let fetch = match &self.fetch_in_flight {
            Some((_, _, deadline)) => Some(*deadline),
            None => (!self.wanted.is_empty() && coordinator_known).then_some(self.fetch_retry_after_ms),
        };
        commits.chain(fetch).min()
    }

    /// Whether anything waits for the coordinator.
    pub(super) fn needs_coordinator(&self) -> bool {
        !self.pending.is_empty() || !self.wanted.is_empty()
    }
}

fn retriable(error: ErrorCode) -> bool {
    matches!(
        error,
        ErrorCode::CoordinatorNotAvailable
            | ErrorCode::NotCoordinator
            | ErrorCode::CoordinatorLoadInProgress
            | ErrorCode::RequestTimedOut
    )
}

impl Consumer {
    /// Kafka's `commitSync`: `offsets`, or (with `None`) the positions `poll` has returned up to.
    pub fn commit_sync(
        &mut self,
        now_ms: u64,
        offsets: Option<Vec<(TopicPartition, OffsetAndMetadata)>>,
    ) -> Result<CommitId, CommitError> {
        self.commit(now_ms, offsets, true, false)
    }

    /// Kafka's `commitAsync` (no retries).
    pub fn commit_async(
        &mut self,
        now_ms: u64,
        offsets: Option<Vec<(TopicPartition, OffsetAndMetadata)>>,
    ) -> Result<CommitId, CommitError> {
        self.commit(now_ms, offsets, false, false)
    }

    /// Whether commit `id` still waits for its outcome.
    pub fn commit_in_flight(&self, id: CommitId) -> bool {
        self.commits.pending.contains_key(&id)
    }

    /// The positions `poll` returned up to, as offsets to commit.
    pub(super) fn consumed_offsets(&self) -> Vec<(TopicPartition, OffsetAndMetadata)> {
        self.partitions
            .iter()
            .filter_map(|(tp, p)| {
                let offset = p.position?;
                Some((
                    tp.clone(),
                    OffsetAndMetadata { offset, leader_epoch: p.last_leader_epoch, metadata: String::new() },
                ))
            })
            .collect()
    }

    pub(super) fn commit(
        &mut self,
        now_ms: u64,
        offsets: Option<Vec<(TopicPartition, OffsetAndMetadata)>>,
        sync: bool,
        auto: bool,
    ) -> Result<CommitId, CommitError> {
        if self.group.is_none() {
            return Err(CommitError::NoGroupId);
        }
        if self.commits.pending.len() >= MAX_PENDING_COMMITS {
            return Err(CommitError::TooManyPending);
        }
        let offsets = offsets.unwrap_or_else(|| self.consumed_offsets());
        let id = CommitId(self.commits.next_id);
        self.commits.next_id = self.commits.next_id.wrapping_add(1);
        let generation_id = self.group_generation();
        let commit = PendingCommit {
            offsets,
            sync,
            auto,
            deadline_ms: now_ms.saturating_add(self.config.default_api_timeout_ms),
            in_flight: None,
            retry_after_ms: 0,
            generation_id,
        };
        if commit.offsets.is_empty() {
            // Nothing to commit: done at once, as Kafka's client does.
            let group_id = self.group_id();
            self.event(ClientEvent::OffsetsCommitted {
                client: self.client_id,
                group_id,
                generation_id,
                offsets: Vec::new(),
                auto,
            });
            return Ok(id);
        }
        self.commits.pending.insert(id, commit);
        self.commits_tick(now_ms);
        Ok(id)
    }

    /// Auto commit from `poll`: every `auto.commit.interval.ms`, asynchronously, the returned positions.
    pub(super) fn maybe_auto_commit(&mut self, now_ms: u64) {
        if !self.config.auto_commit() || self.partitions.is_empty() {
            return;
        }
        let due = *self
            .commits
            .next_auto_commit_ms
            .get_or_insert(now_ms.saturating_add(self.config.auto_commit_interval_ms));
        if now_ms < due {
            return;
        }
        self.commits.next_auto_commit_ms = Some(now_ms.saturating_add(self.config.auto_commit_interval_ms));
        let offsets = self.consumed_offsets();
        if !offsets.is_empty() {
            let _ = self.commit(now_ms, Some(offsets), false, true);
        }
    }

    /// Asks the group for the committed offsets of `tps` (they wait without a position meanwhile).
    pub(super) fn fetch_committed(&mut self, tps: Vec<TopicPartition>) {
        for tp in tps {
            if let Some(state) = self.partitions.get_mut(&tp) {
                state.awaiting_committed = true;
                state.position = None;
                state.fetch_offset = None;
                self.commits.wanted.insert(tp);
            }
        }
    }

    /// Sends commits and OffsetFetch when the coordinator is known; times out and retries.
    pub(super) fn commits_tick(&mut self, now_ms: u64) {
        // Lost requests: the coordinator is treated as unknown and sync commits retry.
        let mut failed = Vec::new();
        for (id, commit) in &mut self.commits.pending {
            if commit.in_flight.is_some_and(|(_, lost_ms)| lost_ms <= now_ms) {
                commit.in_flight = None;
                if !commit.sync {
                    failed.push((*id, ErrorCode::RequestTimedOut));
                }
            }
            if commit.sync && commit.in_flight.is_none() && now_ms >= commit.deadline_ms {
                failed.push((*id, ErrorCode::RequestTimedOut));
            }
        }
        for (id, error) in failed {
            self.fail_commit(id, error);
        }
        if self.commits.fetch_in_flight.as_ref().is_some_and(|(_, _, deadline)| *deadline <= now_ms) {
            self.commits.fetch_in_flight = None;
            self.coordinator_dead();
        }
        let Some(coordinator) = self.coordinator() else { return };
        let group_id = self.group_id();
        let (generation_id, member_id, group_instance_id) = self.commit_identity();
        let due: Vec<CommitId> = self
            .commits
            .pending
            .iter()
            .filter(|(_, c)| c.in_flight.is_none() && c.retry_after_ms <= now_ms)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let correlation_id = self.correlation_id();
            let Some(commit) = self.commits.pending.get_mut(&id) else { continue };
            commit.in_flight = Some((correlation_id, now_ms.saturating_add(self.config.request_timeout_ms)));
            commit.generation_id = generation_id;
            let request = OffsetCommitRequest {
                correlation_id,
                group_id: group_id.clone(),
                generation_id,
                member_id: member_id.clone(),
                group_instance_id: group_instance_id.clone(),
                offsets: commit.offsets.clone(),
            };
            self.send(coordinator, Message::OffsetCommit(request));
        }
        if self.commits.fetch_in_flight.is_none()
            && !self.commits.wanted.is_empty()
            && self.commits.fetch_retry_after_ms <= now_ms
        {
            let correlation_id = self.correlation_id();
            let partitions: Vec<TopicPartition> = self.commits.wanted.iter().cloned().collect();
            let deadline = now_ms.saturating_add(self.config.request_timeout_ms);
            self.commits.fetch_in_flight = Some((correlation_id, partitions.clone(), deadline));
            // KIP-447: a read_committed consumer waits for offsets of open transactions to settle.
            let require_stable = self.config.isolation_level == IsolationLevel::ReadCommitted;
            let request =
                OffsetFetchRequest { correlation_id, group_id, partitions: Some(partitions), require_stable };
            self.send(coordinator, Message::OffsetFetch(request));
        }
    }

    fn fail_commit(&mut self, id: CommitId, error: ErrorCode) {
        let Some(commit) = self.commits.pending.remove(&id) else { return };
        let offsets = commit.offsets.into_iter().map(|(tp, o)| (tp, o.offset)).collect();
        let event = ClientEvent::CommitFailed {
            client: self.client_id,
            group_id: self.group_id(),
            offsets,
            error,
            auto: commit.auto,
        };
        self.event(event);
    }

    pub(super) fn on_offset_commit_response(&mut self, now_ms: u64, response: OffsetCommitResponse) {
        let found = self
            .commits
            .pending
            .iter()
            .find(|(_, c)| c.in_flight.is_some_and(|(id, _)| id == response.correlation_id))
            .map(|(id, _)| *id);
        let Some(id) = found else { return };
        let error = response
            .results
            .iter()
            .map(|(_, e)| *e)
            .find(|e| *e != ErrorCode::None)
            .unwrap_or(ErrorCode::None);
        if error == ErrorCode::None {
            let Some(commit) = self.commits.pending.remove(&id) else { return };
            for (tp, committed) in &commit.offsets {
                self.committed.insert(tp.clone(), committed.clone());
            }
            let event = ClientEvent::OffsetsCommitted {
                client: self.client_id,
                group_id: self.group_id(),
                generation_id: commit.generation_id,
                offsets: commit.offsets.into_iter().map(|(tp, o)| (tp, o.offset)).collect(),
                auto: commit.auto,
            };
            self.event(event);
            return;
        }
        if matches!(error, ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable) {
            self.coordinator_dead();
        }
        let Some(commit) = self.commits.pending.get_mut(&id) else { return };
        commit.in_flight = None;
        if commit.sync && retriable(error) && now_ms < commit.deadline_ms {
            commit.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
            return;
        }
        self.fail_commit(id, error);
        match error {
            ErrorCode::IllegalGeneration | ErrorCode::UnknownMemberId | ErrorCode::FencedInstanceId => {
                self.membership_lost(error)
            }
            ErrorCode::RebalanceInProgress => self.request_rejoin(),
            _ => {}
        }
    }

    pub(super) fn on_offset_fetch_response(&mut self, now_ms: u64, response: OffsetFetchResponse) {
        let matches =
            self.commits.fetch_in_flight.as_ref().is_some_and(|(id, _, _)| *id == response.correlation_id);
        if !matches {
            return;
        }
        self.commits.fetch_in_flight = None;
        if response.error != ErrorCode::None {
            if retriable(response.error) {
                self.coordinator_dead();
            }
            self.commits.fetch_retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
            return;
        }
        for partition in response.partitions {
            if partition.error == ErrorCode::UnstableOffsetCommit {
                // KIP-447: a transaction's offsets for it are not decided yet; ask again later
                // (the partition stays wanted).
                self.commits.fetch_retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
                continue;
            }
            if !self.commits.wanted.remove(&partition.tp) {
                continue;
            }
            let Some(state) = self.partitions.get_mut(&partition.tp) else { continue };
            if !state.awaiting_committed {
                continue;
            }
            state.awaiting_committed = false;
            match partition.committed {
                Some(committed) if committed.offset >= 0 => {
                    state.set_position(committed.offset);
                    state.last_leader_epoch = committed.leader_epoch;
                    let event = ClientEvent::PositionRestored {
                        client: self.client_id,
                        tp: partition.tp.clone(),
                        offset: committed.offset,
                    };
                    self.committed.insert(partition.tp, committed);
                    self.event(event);
                }
                _ => self.reset_position(&partition.tp),
            }
        }
    }

    /// Drops commits and committed-offset lookups for partitions no longer owned.
    pub(super) fn forget_partitions(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            self.commits.wanted.remove(tp);
        }
    }
}

//! The follower's side of a partition: find where the log diverges from the new leader's by leader
//! epoch, truncate there, then fetch in a loop (Kafka's `ReplicaFetcherThread`).
//!
//! KIP-101: truncating to the high watermark on becoming a follower loses acknowledged data (the HW a
//! follower knows lags the leader's) and lets replicas diverge (two brokers may each hold a different
//! batch at the same offset after a double failure). Asking the leader where the follower's latest epoch
//! ends — and repeating for an older epoch when the leader never had that one (KIP-279) — removes
//! exactly the suffix the leader does not have.

use alloc::vec::Vec;

use super::{overdue_after_ms, Ctx, Partition, RoleState};
use crate::error::ErrorCode;
use crate::node::{BrokerId, NodeId};
use crate::replication::config::BrokerConfig;
use crate::replication::epoch_cache::{UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{FetchRequest, FetchResponse, Message};

/// Where the follower is in its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Asking OffsetsForLeaderEpoch, truncating.
    Truncating,
    /// Fetching from the log end offset.
    Fetching,
}

/// A request to the leader that has not been answered yet.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    correlation_id: u64,
    sent_ms: u64,
    /// When it counts as lost and is sent again (see [`answer_timeout_ms`]).
    lost_at_ms: u64,
}

/// Follower-only state.
#[derive(Clone)]
pub(super) struct FollowerState {
    leader: Option<BrokerId>,
    phase: Phase,
    in_flight: Option<InFlight>,
    /// When the next request may go out (after a backoff).
    send_at_ms: u64,
    /// Requests in a row that got no answer; each doubles the wait for the next one.
    unanswered_in_row: u32,
}

impl FollowerState {
    pub(super) fn next_tick_ms(&self) -> u64 {
        match (self.leader, self.in_flight) {
            (None, _) => u64::MAX,
            (Some(_), Some(in_flight)) => in_flight.lost_at_ms,
            (Some(_), None) => self.send_at_ms,
        }
    }
}

/// How long the follower waits for an answer before it calls the request lost and sends it again.
///
/// Kafka's fetcher waits `replica.socket.timeout.ms` (30 s) on a connection that stays up, but a
/// request lost on the way means the connection broke, which Kafka's `NetworkClient` notices: it fails
/// the request and the fetcher asks again after `replica.fetch.backoff.ms` (`AbstractFetcherThread`).
/// Waiting the full timeout instead keeps a follower whose question was lost in the ISR with an unknown
/// log end offset for as long as `replica.lag.time.max.ms`, holding the leader's high watermark and
/// every `acks=all` write back. The leader answers an OffsetsForLeaderEpoch at once and a fetch within
/// `replica.fetch.wait.max.ms`; see [`overdue_after_ms`] for the rest.
fn answer_timeout_ms(config: &BrokerConfig, is_fetch: bool, unanswered_in_row: u32) -> u64 {
    let owed_ms = if is_fetch { config.replica_fetch_wait_max_ms } else { 0 };
    overdue_after_ms(config, owed_ms, unanswered_in_row)
}

impl Partition {
    fn follower_mut(&mut self) -> Option<&mut FollowerState> {
        match &mut self.role {
            RoleState::Follower(follower) => Some(follower),
            _ => None,
        }
    }

    /// Starts following `leader` at `leader_epoch` (no one while the partition is offline).
    pub(super) fn become_follower(&mut self, leader: Option<BrokerId>, leader_epoch: i32, ctx: &mut Ctx<'_>) {
        ctx.event(ReplicationEvent::BecameFollower {
            broker: ctx.broker,
            tp: self.tp.clone(),
            leader,
            leader_epoch,
        });
        let mut phase = Phase::Truncating;
        if ctx.config.unsafe_truncate_to_high_watermark && leader.is_some() {
            // The pre-KIP-101 rule, kept only so the checker can be shown to catch it.
            let high_watermark = self.high_watermark;
            self.truncate_or_refetch(high_watermark, ctx);
            phase = Phase::Fetching;
        }
        self.role = RoleState::Follower(FollowerState {
            leader,
            phase,
            in_flight: None,
            send_at_ms: ctx.now_ms,
            unanswered_in_row: 0,
        });
        self.follower_poll(ctx);
    }

    /// Sends the next request if none is outstanding and the backoff is over; one whose answer is
    /// overdue ([`answer_timeout_ms`]) is given up and sent again, in the same phase: a follower still
    /// truncating asks OffsetsForLeaderEpoch again and does not fetch before it has its answer.
    pub(super) fn follower_poll(&mut self, ctx: &mut Ctx<'_>) {
        let Some(follower) = self.follower_mut() else { return };
        let Some(leader) = follower.leader else { return };
        if let Some(in_flight) = follower.in_flight {
            if ctx.now_ms < in_flight.lost_at_ms {
                return;
            }
            follower.in_flight = None;
            follower.unanswered_in_row = follower.unanswered_in_row.saturating_add(1);
        }
        if ctx.now_ms < follower.send_at_ms {
            return;
        }
        let phase = follower.phase;
        let correlation_id = ctx.correlation_id();
        let leader_epoch = self.leader_epoch();
        let latest_epoch = self.epochs.latest_epoch();
        let message = match phase {
            // Nothing in the log carries an epoch: there is nothing to compare, fetch from the end.
            Phase::Truncating if latest_epoch == UNDEFINED_EPOCH => {
                self.set_phase(Phase::Fetching);
                return self.follower_poll(ctx);
            }
            Phase::Truncating => Message::OffsetsForLeaderEpoch {
                correlation_id,
                replica_id: ctx.broker,
                tp: self.tp.clone(),
                current_leader_epoch: leader_epoch,
                leader_epoch: latest_epoch,
            },
            Phase::Fetching => Message::Fetch(FetchRequest {
                correlation_id,
                replica_id: Some(ctx.broker),
                tp: self.tp.clone(),
                fetch_offset: self.log.log_end_offset(),
                current_leader_epoch: leader_epoch,
                max_wait_ms: ctx.config.replica_fetch_wait_max_ms,
                max_bytes: ctx.config.replica_fetch_max_bytes,
                min_bytes: 1,
                isolation_level: crate::client::consumer_config::IsolationLevel::ReadUncommitted,
            }),
        };
        let is_fetch = matches!(message, Message::Fetch(_));
        if let Some(follower) = self.follower_mut() {
            let timeout_ms = answer_timeout_ms(ctx.config, is_fetch, follower.unanswered_in_row);
            let lost_at_ms = ctx.now_ms.saturating_add(timeout_ms);
            follower.in_flight = Some(InFlight { correlation_id, sent_ms: ctx.now_ms, lost_at_ms });
        }
        ctx.send(NodeId::Broker(leader), message);
    }

    fn set_phase(&mut self, phase: Phase) {
        if let Some(follower) = self.follower_mut() {
            follower.phase = phase;
        }
    }

    /// Is `correlation_id` the answer this follower waits for? If so it is no longer outstanding, and
    /// this returns when it was sent.
    /// An answer after a request was given up is ignored: the one sent again is outstanding.
    fn take_in_flight(&mut self, correlation_id: u64) -> Option<u64> {
        let follower = self.follower_mut()?;
        let in_flight = follower.in_flight?;
        if in_flight.correlation_id != correlation_id {
            return None;
        }
        follower.in_flight = None;
        follower.unanswered_in_row = 0;
        Some(in_flight.sent_ms)
    }

    fn back_off(&mut self, ctx: &mut Ctx<'_>) {
        let send_at_ms = ctx.now_ms.saturating_add(ctx.config.replica_fetch_backoff_ms);
        if let Some(follower) = self.follower_mut() {
            follower.send_at_ms = send_at_ms;
        }
    }

    /// KIP-279 truncation (Kafka's `AbstractFetcherThread.getOffsetTruncationState`): the leader said
    /// its largest epoch ≤ ours is `leader_epoch`, ending at `end_offset`.
    pub(crate) fn handle_offsets_for_leader_epoch_response(
        &mut self,
        correlation_id: u64,
        error: ErrorCode,
        leader_epoch: i32,
        end_offset: i64,
        ctx: &mut Ctx<'_>,
    ) {
        if self.take_in_flight(correlation_id).is_none() {
            return;
        }
        if error != ErrorCode::None {
            self.back_off(ctx);
            return;
        }
        let log_end_offset = self.log.log_end_offset();
        let (target, complete) = if end_offset == UNDEFINED_EPOCH_OFFSET {
            // The leader knows no epoch ≤ ours; Kafka falls back to the high watermark.
            (self.high_watermark, true)
        } else if leader_epoch == UNDEFINED_EPOCH {
            (end_offset.min(log_end_offset), true)
        } else {
            match self.epochs.end_offset_for(leader_epoch, log_end_offset) {
                (UNDEFINED_EPOCH, _) => (end_offset.min(log_end_offset), true),
                // We never had the leader's epoch: drop everything after our last epoch below it and
                // ask again about that one.
                (own_epoch, own_end) if own_epoch != leader_epoch => (own_end.min(log_end_offset), false),
                (_, own_end) => (end_offset.min(own_end).min(log_end_offset), true),
            }
        };
        self.truncate_or_refetch(target, ctx);
        if complete || self.epochs.latest_epoch() == UNDEFINED_EPOCH {
            self.set_phase(Phase::Fetching);
        }
        self.follower_poll(ctx);
    }

    /// Truncates to `offset`; a storage failure restarts the whole replica from the log start.
    fn truncate_or_refetch(&mut self, offset: i64, ctx: &mut Ctx<'_>) {
        if self.truncate_to(offset, ctx).is_err() {
            let start = self.log.log_start_offset();
            let _ = self.log.truncate_fully_and_start_at(start);
            self.epochs.truncate_from_end(start);
            self.producers.clear();
            self.high_watermark = self.high_watermark.min(self.log.log_end_offset());
            self.rebuild_transactions();
        }
    }

    /// A fetch answer: append the leader's batches as they are, learn their epochs, take the leader's
    /// high watermark (bounded by our LEO), and fetch again at once.
    pub(crate) fn handle_follower_fetch_response(&mut self, response: FetchResponse, ctx: &mut Ctx<'_>) {
        let Some(sent_ms) = self.take_in_flight(response.correlation_id) else {
            return;
        };
        match response.error {
            ErrorCode::None => {}
            ErrorCode::OffsetOutOfRange if self.log.log_end_offset() < response.log_start_offset => {
                // Retention on the leader passed our end: start over at its log start.
                let start = response.log_start_offset;
                if self.log.truncate_fully_and_start_at(start).is_ok() {
                    self.epochs = crate::replication::epoch_cache::LeaderEpochCache::new();
                    // Kafka's `truncateFullyAndStartAt` forgets every producer too.
                    self.producers.clear();
                    self.high_watermark = start;
                    self.rebuild_transactions();
                }
                return self.follower_poll(ctx);
            }
            ErrorCode::OffsetOutOfRange => {
                // Our end is past the leader's: find the divergence again.
                self.set_phase(Phase::Truncating);
                return self.follower_poll(ctx);
            }
            _ => return self.back_off(ctx),
        }
        if !response.records.is_empty() {
            match self.log.append_as_follower(&response.records, ctx.now_ms) {
                Ok(headers) => {
                    let mut appended = Vec::with_capacity(headers.len());
                    for header in headers {
                        // Followers track producers from every batch they copy, unchecked (KIP-98),
                        // so they can take over as leader with the same state.
                        self.track_appended(&header);
                        if header.partition_leader_epoch > self.epochs.latest_epoch() {
                            self.epochs.assign(header.partition_leader_epoch, header.base_offset);
                        }
                        appended.push(ReplicationEvent::Appended {
                            broker: ctx.broker,
                            tp: self.tp.clone(),
                            base_offset: header.base_offset,
                            last_offset: header.last_offset(),
                            leader_epoch: header.partition_leader_epoch,
                            as_leader: false,
                        });
                    }
                    for event in appended {
                        ctx.event(event);
                    }
                }
                Err(_) => {
                    // The answer does not fit our log: re-check the divergence before fetching on.
                    self.set_phase(Phase::Truncating);
                    return self.back_off(ctx);
                }
            }
        }
        let high_watermark =
            response.high_watermark.min(self.log.log_end_offset()).max(self.log.log_start_offset());
        self.set_high_watermark(high_watermark, ctx);
        if response.records.is_empty() {
            // An empty answer before the long poll's end means the leader did not hold the fetch
            // (its purgatory was full, or the wait is 0): wait out the poll here instead of spinning.
            let poll_end_ms = sent_ms.saturating_add(ctx.config.replica_fetch_wait_max_ms.max(1));
            if let Some(follower) = self.follower_mut() {
                follower.send_at_ms = follower.send_at_ms.max(poll_end_ms);
            }
        }
        self.follower_poll(ctx);
    }
}

//! The leader's side of a partition: produce with `acks` and `min.insync.replicas`, serving fetches
//! (followers and consumers, with long polls), the high watermark, ISR shrink/expand via AlterPartition.
//! The purgatories holding requests are in `purgatory`.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::mem;

use super::producer_state::{BatchMetadata, ProducerCheck};
use super::purgatory::{DelayedAnswer, DelayedFetch, DelayedProduce};
use super::{overdue_after_ms, Ctx, Partition, RoleState};
use crate::error::ErrorCode;
use crate::log::AppendOrigin;
use crate::node::{BrokerId, NodeId};
use crate::record_batch::BatchHeader;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{Acks, FetchRequest, Message, ProduceRequest};

/// What the leader knows of one follower (Kafka's `Replica` state on the leader).
#[derive(Clone, Debug)]
struct FollowerProgress {
    broker: BrokerId,
    /// The follower's log end offset (its last fetch offset); unknown until it fetches.
    log_end_offset: Option<i64>,
    /// Kafka's `lastCaughtUpTimeMs`.
    last_caught_up_ms: u64,
    /// The leader's LEO at the follower's previous fetch, and when that fetch came.
    last_fetch_leader_log_end_offset: i64,
    last_fetch_ms: u64,
}

/// An AlterPartition sent and not answered yet (KIP-497's pending ISR state).
#[derive(Clone, Debug)]
struct PendingIsr {
    new_isr: Vec<BrokerId>,
    /// When it counts as lost and is sent again (see [`overdue_after_ms`]).
    lost_at_ms: u64,
    /// How many times in a row it was sent without an answer.
    unanswered_in_row: u32,
}

/// Leader-only state.
#[derive(Clone)]
pub(super) struct LeaderState {
    /// The log end offset when this leader's epoch began (Kafka's `leaderEpochStartOffsetOpt`).
    epoch_start_offset: i64,
    followers: Vec<FollowerProgress>,
    pending_isr: Option<PendingIsr>,
    /// In offset order, so the high watermark completes a prefix.
    pub(super) delayed_produces: VecDeque<DelayedProduce>,
    pub(super) delayed_fetches: Vec<DelayedFetch>,
    next_isr_check_ms: u64,
}

impl LeaderState {
    /// Committed ISR ∪ pending change: during an expansion the new member counts already, during a
    /// shrink the leaving one still does (KIP-497), so the high watermark never outruns either ISR.
    pub(super) fn maximal_isr(&self, committed: &[BrokerId]) -> Vec<BrokerId> {
        let mut isr = committed.to_vec();
        if let Some(pending) = &self.pending_isr {
            isr.extend(pending.new_isr.iter().filter(|b| !committed.contains(b)));
        }
        isr
    }

    fn in_maximal_isr(&self, committed: &[BrokerId], broker: BrokerId) -> bool {
        committed.contains(&broker) || self.pending_isr.as_ref().is_some_and(|p| p.new_isr.contains(&broker))
    }

    pub(super) fn next_tick_ms(&self) -> u64 {
        let mut next_ms = self.next_isr_check_ms;
        if let Some(pending) = &self.pending_isr {
            next_ms = next_ms.min(pending.lost_at_ms);
        }
        for produce in &self.delayed_produces {
            next_ms = next_ms.min(produce.deadline_ms);
        }
        for fetch in &self.delayed_fetches {
            next_ms = next_ms.min(fetch.deadline_ms);
        }
        next_ms
    }
}

impl Partition {
    pub(super) fn leader(&self) -> Option<&LeaderState> {
        match &self.role {
            RoleState::Leader(leader) => Some(leader),
            _ => None,
        }
    }

    pub(super) fn leader_mut(&mut self) -> Option<&mut LeaderState> {
        match &mut self.role {
            RoleState::Leader(leader) => Some(leader),
            _ => None,
        }
    }

    pub(super) fn committed_isr(&self) -> &[BrokerId] {
        self.state.as_ref().map_or(&[], |state| &state.isr)
    }

    /// KIP-101: a new leader records that its epoch starts at its log end offset. Followers of the
    /// committed ISR count as caught up from now (Kafka's `resetReplicaState`), the others as never.
    pub(super) fn become_leader(&mut self, ctx: &mut Ctx<'_>) {
        let Some(state) = &self.state else { return };
        let leader_epoch = state.leader_epoch;
        let log_end_offset = self.log.log_end_offset();
        self.epochs.assign(leader_epoch, log_end_offset);
        let followers = state
            .replicas
            .iter()
            .filter(|&&b| b != ctx.broker)
            .map(|&broker| FollowerProgress {
                broker,
                log_end_offset: None,
                last_caught_up_ms: if state.isr.contains(&broker) { ctx.now_ms } else { 0 },
                last_fetch_leader_log_end_offset: -1,
                last_fetch_ms: 0,
            })
            .collect();
        self.role = RoleState::Leader(alloc::boxed::Box::new(LeaderState {
            epoch_start_offset: log_end_offset,
            followers,
            pending_isr: None,
            delayed_produces: VecDeque::new(),
            delayed_fetches: Vec::new(),
            next_isr_check_ms: ctx.now_ms.saturating_add(ctx.config.replica_lag_time_max_ms / 2),
        }));
        ctx.event(ReplicationEvent::BecameLeader { broker: ctx.broker, tp: self.tp.clone(), leader_epoch });
        self.maybe_advance_high_watermark(ctx);
    }

    /// Leaving the leader role (or a stale follower state): every held request is answered
    /// `NOT_LEADER_OR_FOLLOWER`, since this replica can no longer promise anything about them.
    pub(super) fn resign(&mut self, ctx: &mut Ctx<'_>) {
        let RoleState::Leader(leader) = mem::replace(&mut self.role, RoleState::Unknown) else {
            return;
        };
        for produce in leader.delayed_produces {
            self.answer_delayed(&produce, ErrorCode::NotLeaderOrFollower, ctx);
        }
        for fetch in leader.delayed_fetches {
            self.answer_fetch_error(fetch.from, &fetch.request, ErrorCode::NotLeaderOrFollower, ctx);
        }
    }

    /// Produce on the leader, Kafka's `Partition.appendRecordsToLeader` then the `acks` wait.
    pub(crate) fn handle_produce(&mut self, from: NodeId, request: &ProduceRequest, ctx: &mut Ctx<'_>) {
        let Some(leader) = self.leader() else {
            self.answer_produce(from, request.correlation_id, ErrorCode::NotLeaderOrFollower, -1, ctx);
            return;
        };
        let leader_epoch = self.leader_epoch();
        // Kafka checks min.insync.replicas against the committed ISR before appending.
        let isr_size = self.committed_isr().len();
        if request.acks == Acks::All && isr_size < self.config.min_insync_replicas as usize {
            self.answer_produce(from, request.correlation_id, ErrorCode::NotEnoughReplicas, -1, ctx);
            return;
        }
        let limit = ctx.config.max_delayed_produces_per_partition;
        if request.acks == Acks::All && leader.delayed_produces.len() >= limit {
            let event = ReplicationEvent::DelayedRequestLimitReached {
                broker: ctx.broker,
                tp: self.tp.clone(),
                purgatory: "produce",
                limit,
            };
            ctx.event(event);
            self.answer_produce(from, request.correlation_id, ErrorCode::RequestTimedOut, -1, ctx);
            return;
        }
        // Idempotence (KIP-98): a retry of one of the producer's last five batches is answered with the
        // original's offsets, a fenced epoch or a sequence gap is refused. A batch whose header does
        // not even parse is left to the log's validation below.
        if let Ok(header) = BatchHeader::parse(&request.records) {
            let check = self.producers.check(&header);
            if !matches!(check, Ok(ProducerCheck::Append)) {
                // Kafka validates the records before it looks at the producer state.
                if let Err(error) = self.log.validate_produced(&request.records) {
                    self.answer_produce(from, request.correlation_id, error.error_code(), -1, ctx);
                    return;
                }
            }
            match check {
                Ok(ProducerCheck::Append) => {}
                Ok(ProducerCheck::Duplicate(original)) => {
                    return self.answer_duplicate(from, request, &header, original, ctx);
                }
                Err(error) => {
                    return self.answer_produce(from, request.correlation_id, error.error_code(), -1, ctx);
                }
            }
        }
        // The broker's own coordinators write through here too (Kafka's `AppendOrigin.COORDINATOR`).
        let origin =
            if from == NodeId::Broker(ctx.broker) { AppendOrigin::Coordinator } else { AppendOrigin::Client };
        let info = match self.log.append_from(&request.records, leader_epoch, ctx.now_ms, origin) {
            Ok(info) => info,
            Err(error) => {
                self.answer_produce(from, request.correlation_id, error.error_code(), -1, ctx);
                return;
            }
        };
        ctx.event(ReplicationEvent::Appended {
            broker: ctx.broker,
            tp: self.tp.clone(),
            base_offset: info.base_offset,
            last_offset: info.last_offset,
            leader_epoch,
            as_leader: true,
        });
        // The stored header (offsets assigned, timestamps final) is what followers will see too.
        let stored = self.log.batches().next_back().map(|stored| stored.header);
        if let Some(header) = stored {
            self.track_appended(&header);
        }
        match request.acks {
            Acks::None => {}
            Acks::Leader => {
                self.answer_produce(from, request.correlation_id, ErrorCode::None, info.base_offset, ctx)
            }
            Acks::All => {
                let delayed = DelayedProduce {
                    from,
                    correlation_id: request.correlation_id,
                    base_offset: info.base_offset,
                    last_offset: info.last_offset,
                    deadline_ms: ctx.now_ms.saturating_add(request.timeout_ms),
                    answer: DelayedAnswer::Produce,
                };
                if let Some(leader) = self.leader_mut() {
                    leader.delayed_produces.push_back(delayed);
                }
            }
        }
        self.advance_after_append(ctx);
    }

    /// After an append: a single-member ISR commits at once; followers' long polls wake up.
    pub(super) fn advance_after_append(&mut self, ctx: &mut Ctx<'_>) {
        self.maybe_advance_high_watermark(ctx);
        self.complete_delayed_fetches(false, ctx);
    }

    /// A duplicate batch (KIP-98): nothing is appended; the answer is `NONE` with the original's base
    /// offset, and with `acks=all` it waits like any produce until the high watermark passes the
    /// original's last offset (the original may not be replicated yet).
    fn answer_duplicate(
        &mut self,
        from: NodeId,
        request: &ProduceRequest,
        header: &BatchHeader,
        original: BatchMetadata,
        ctx: &mut Ctx<'_>,
    ) {
        ctx.event(ReplicationEvent::DuplicateBatch {
            broker: ctx.broker,
            tp: self.tp.clone(),
            producer_id: header.producer_id,
            producer_epoch: header.producer_epoch,
            base_sequence: header.base_sequence,
            base_offset: original.first_offset,
        });
        match request.acks {
            Acks::None => {}
            Acks::Leader => {
                self.answer_produce(from, request.correlation_id, ErrorCode::None, original.first_offset, ctx)
            }
            Acks::All => {
                let delayed = DelayedProduce {
                    from,
                    correlation_id: request.correlation_id,
                    base_offset: original.first_offset,
                    last_offset: original.last_offset,
                    deadline_ms: ctx.now_ms.saturating_add(request.timeout_ms),
                    answer: DelayedAnswer::Produce,
                };
                if let Some(leader) = self.leader_mut() {
                    // Kept in offset order, so the high watermark still completes a prefix.
                    let at =
                        leader.delayed_produces.partition_point(|p| p.last_offset <= original.last_offset);
                    leader.delayed_produces.insert(at, delayed);
                }
                self.complete_delayed_produces(ctx);
            }
        }
    }

    /// Fetch on the leader, from a follower or a consumer.
    pub(crate) fn handle_fetch(&mut self, from: NodeId, request: FetchRequest, ctx: &mut Ctx<'_>) {
        if self.leader().is_none() {
            self.answer_fetch_error(from, &request, ErrorCode::NotLeaderOrFollower, ctx);
            return;
        }
        // KIP-320: -1 means the fetcher does not know the epoch and skips the check.
        let leader_epoch = self.leader_epoch();
        if request.current_leader_epoch >= 0 && request.current_leader_epoch != leader_epoch {
            let error = if request.current_leader_epoch < leader_epoch {
                ErrorCode::FencedLeaderEpoch
            } else {
                ErrorCode::UnknownLeaderEpoch
            };
            self.answer_fetch_error(from, &request, error, ctx);
            return;
        }
        // Kafka answers OFFSET_OUT_OF_RANGE outside [log start, LEO]; a consumer between the high
        // watermark and the LEO gets an empty answer (a new leader's HW may lag the old one's).
        if request.fetch_offset < self.log.log_start_offset()
            || request.fetch_offset > self.log.log_end_offset()
        {
            self.answer_fetch_error(from, &request, ErrorCode::OffsetOutOfRange, ctx);
            return;
        }
        if let Some(follower) = request.replica_id {
            if !self.state.as_ref().is_some_and(|s| s.replicas.contains(&follower)) {
                self.answer_fetch_error(from, &request, ErrorCode::NotLeaderOrFollower, ctx);
                return;
            }
            self.update_follower(follower, request.fetch_offset, ctx);
        }
        if self.fetchable(&request) || request.max_wait_ms == 0 {
            self.answer_fetch(from, &request, ctx);
            return;
        }
        let limit = ctx.config.max_delayed_fetches_per_partition;
        let deadline_ms = ctx.now_ms.saturating_add(request.max_wait_ms);
        let full = self.leader().is_none_or(|leader| leader.delayed_fetches.len() >= limit);
        if full {
            let tp = self.tp.clone();
            let event = ReplicationEvent::DelayedRequestLimitReached {
                broker: ctx.broker,
                tp,
                purgatory: "fetch",
                limit,
            };
            ctx.event(event);
            self.answer_fetch(from, &request, ctx);
        } else if let Some(leader) = self.leader_mut() {
            leader.delayed_fetches.push(DelayedFetch { from, request, deadline_ms });
        }
    }

    /// Kafka's `Replica.updateFetchState`: the follower's LEO is its fetch offset; it counts as caught
    /// up at this fetch if it reached the leader's LEO, or at its previous fetch if it reached the LEO
    /// the leader had then.
    fn update_follower(&mut self, follower: BrokerId, fetch_offset: i64, ctx: &mut Ctx<'_>) {
        let leader_log_end_offset = self.log.log_end_offset();
        let now_ms = ctx.now_ms;
        let Some(leader) = self.leader_mut() else { return };
        let Some(progress) = leader.followers.iter_mut().find(|p| p.broker == follower) else { return };
        progress.log_end_offset = Some(fetch_offset);
        if fetch_offset >= leader_log_end_offset {
            progress.last_caught_up_ms = progress.last_caught_up_ms.max(now_ms);
        } else if fetch_offset >= progress.last_fetch_leader_log_end_offset {
            progress.last_caught_up_ms = progress.last_caught_up_ms.max(progress.last_fetch_ms);
        }
        progress.last_fetch_leader_log_end_offset = leader_log_end_offset;
        progress.last_fetch_ms = now_ms;
        self.maybe_expand_isr(follower, fetch_offset, ctx);
        self.maybe_advance_high_watermark(ctx);
    }

    /// Kafka's `isFollowerInSync`: a follower rejoins once its LEO reached both the high watermark and
    /// the start of this leader's epoch (so it holds everything this leader may have committed).
    fn maybe_expand_isr(&mut self, follower: BrokerId, log_end_offset: i64, ctx: &mut Ctx<'_>) {
        let high_watermark = self.high_watermark;
        let Some(state) = &self.state else { return };
        let Some(leader) = self.leader() else { return };
        if leader.pending_isr.is_some()
            || leader.in_maximal_isr(&state.isr, follower)
            || log_end_offset < high_watermark
            || log_end_offset < leader.epoch_start_offset
        {
            return;
        }
        // Keep the replica order, so ISRs compare equal however they were built.
        let new_isr: Vec<BrokerId> =
            state.replicas.iter().copied().filter(|b| *b == follower || state.isr.contains(b)).collect();
        self.send_alter_partition(new_isr, 0, ctx);
    }

    /// Sends AlterPartition; `unanswered_in_row` counts the earlier sends of the same change that got no
    /// answer. The controller answers at once, so an answer is overdue after `replica.fetch.backoff.ms`
    /// (doubling per unanswered send): waiting `request.timeout.ms` would keep a leaving follower in the
    /// maximal ISR, and the high watermark waiting on it, for 30 s more.
    fn send_alter_partition(&mut self, new_isr: Vec<BrokerId>, unanswered_in_row: u32, ctx: &mut Ctx<'_>) {
        let Some(state) = &self.state else { return };
        let message = Message::AlterPartition {
            broker: ctx.broker,
            tp: self.tp.clone(),
            leader_epoch: state.leader_epoch,
            partition_epoch: state.partition_epoch,
            new_isr: new_isr.clone(),
        };
        ctx.send(NodeId::Controller, message);
        if let Some(leader) = self.leader_mut() {
            let lost_at_ms = ctx.now_ms.saturating_add(overdue_after_ms(ctx.config, 0, unanswered_in_row));
            leader.pending_isr = Some(PendingIsr { new_isr, lost_at_ms, unanswered_in_row });
        }
    }

    /// The controller answered an AlterPartition: on success its state is the new committed one; on
    /// error the pending change is dropped and the leader waits for metadata (Kafka's behaviour).
    pub(crate) fn handle_alter_partition_response(
        &mut self,
        error: ErrorCode,
        state: Option<&crate::replication::messages::PartitionState>,
        ctx: &mut Ctx<'_>,
    ) {
        let Some(leader) = self.leader_mut() else { return };
        leader.pending_isr = None;
        if let Some(state) = state {
            self.apply_state(state, ctx);
        }
        if error != ErrorCode::None {
            // A rejected shrink or expansion leaves the maximal ISR smaller: the HW may move.
            self.maybe_advance_high_watermark(ctx);
        }
    }

    /// A new committed ISR (same leader epoch): drop the pending change it settles, then re-check the
    /// high watermark and the waiting produces.
    pub(super) fn on_committed_isr(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(leader) = self.leader_mut() {
            leader.pending_isr = None;
        }
        self.maybe_advance_high_watermark(ctx);
        self.complete_delayed_produces(ctx);
    }

    /// HW = min LEO over the maximal ISR (KIP-497); it only moves forward on a leader.
    fn maybe_advance_high_watermark(&mut self, ctx: &mut Ctx<'_>) {
        let Some(state) = &self.state else { return };
        let Some(leader) = self.leader() else { return };
        let mut high_watermark = self.log.log_end_offset();
        for progress in &leader.followers {
            if leader.in_maximal_isr(&state.isr, progress.broker) {
                match progress.log_end_offset {
                    Some(offset) => high_watermark = high_watermark.min(offset),
                    None => return, // not heard from since this leader took over
                }
            }
        }
        if high_watermark > self.high_watermark {
            self.set_high_watermark(high_watermark, ctx);
            self.complete_delayed_produces(ctx);
            self.complete_delayed_fetches(false, ctx);
        }
    }

    /// Timers: purgatory expiry, AlterPartition resends, and every `replica.lag.time.max.ms / 2` the ISR
    /// shrink check (Kafka's `isr-expiration` task).
    pub(super) fn leader_tick(&mut self, ctx: &mut Ctx<'_>) {
        self.complete_delayed_fetches(true, ctx);
        self.expire_delayed_produces(ctx);
        let Some(leader) = self.leader() else { return };
        if let Some(pending) = &leader.pending_isr {
            if ctx.now_ms >= pending.lost_at_ms {
                let (new_isr, unanswered_in_row) = (pending.new_isr.clone(), pending.unanswered_in_row);
                self.send_alter_partition(new_isr, unanswered_in_row.saturating_add(1), ctx);
            }
        }
        let Some(leader) = self.leader() else { return };
        if ctx.now_ms >= leader.next_isr_check_ms {
            if let Some(leader) = self.leader_mut() {
                leader.next_isr_check_ms = ctx.now_ms.saturating_add(ctx.config.replica_lag_time_max_ms / 2);
            }
            self.maybe_shrink_isr(ctx);
        }
    }

    /// Kafka's `getOutOfSyncReplicas`: an ISR follower is out of sync when its LEO differs from the
    /// leader's and it has not been caught up for `replica.lag.time.max.ms`.
    fn maybe_shrink_isr(&mut self, ctx: &mut Ctx<'_>) {
        let log_end_offset = self.log.log_end_offset();
        let lag_ms = ctx.config.replica_lag_time_max_ms;
        let Some(state) = &self.state else { return };
        let Some(leader) = self.leader() else { return };
        if leader.pending_isr.is_some() {
            return;
        }
        let out_of_sync = |broker: &BrokerId| {
            leader.followers.iter().find(|p| p.broker == *broker).is_some_and(|p| {
                p.log_end_offset != Some(log_end_offset)
                    && ctx.now_ms.saturating_sub(p.last_caught_up_ms) > lag_ms
            })
        };
        if !state.isr.iter().any(out_of_sync) {
            return;
        }
        let new_isr: Vec<BrokerId> = state.isr.iter().copied().filter(|b| !out_of_sync(b)).collect();
        self.send_alter_partition(new_isr, 0, ctx);
    }

    /// OffsetsForLeaderEpoch on the leader (KIP-279), fenced by the caller's leader epoch (KIP-320).
    pub(crate) fn offsets_for_leader_epoch(
        &self,
        current_leader_epoch: i32,
        requested_epoch: i32,
    ) -> (ErrorCode, i32, i64) {
        if self.leader().is_none() {
            return (ErrorCode::NotLeaderOrFollower, -1, -1);
        }
        let leader_epoch = self.leader_epoch();
        if current_leader_epoch >= 0 && current_leader_epoch < leader_epoch {
            return (ErrorCode::FencedLeaderEpoch, -1, -1);
        }
        if current_leader_epoch > leader_epoch {
            return (ErrorCode::UnknownLeaderEpoch, -1, -1);
        }
        let (epoch, end_offset) = self.epochs.end_offset_for(requested_epoch, self.log.log_end_offset());
        (ErrorCode::None, epoch, end_offset)
    }
}

//! JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the rebalance timers (Kafka's classic
//! `GroupCoordinator`: KIP-394 member ids, KIP-345 static membership, `group.initial.rebalance.delay.ms`).

use alloc::string::String;
use alloc::vec::Vec;

use super::group::{Group, Member};
use super::records::{group_metadata_record, StoredGroup, StoredMember};
use super::{CoordinatorCtx, GroupCoordinator, PendingAppend, MAX_GROUPS};
use crate::error::ErrorCode;
use crate::group::messages::{
    JoinGroupMember, JoinGroupRequest, JoinGroupResponse, SyncGroupRequest, SyncGroupResponse,
};
use crate::group::{GroupState, MemberRemovedReason};
use crate::node::NodeId;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::Message;

fn join_error(correlation_id: u64, error: ErrorCode, member_id: String) -> Message {
    Message::JoinGroupResponse(JoinGroupResponse {
        correlation_id,
        error,
        generation_id: -1,
        protocol_name: None,
        leader: String::new(),
        member_id,
        members: Vec::new(),
    })
}

fn sync_answer(correlation_id: u64, error: ErrorCode, assignment: Vec<u8>) -> Message {
    Message::SyncGroupResponse(SyncGroupResponse { correlation_id, error, assignment })
}

impl GroupCoordinator {
    /// JoinGroup for a group whose partition this broker has loaded.
    pub fn join_group(
        &mut self,
        ctx: CoordinatorCtx<'_>,
        from: NodeId,
        partition: i32,
        request: JoinGroupRequest,
    ) {
        let JoinGroupRequest { correlation_id, ref group_id, session_timeout_ms, .. } = request;
        let config = ctx.config;
        if group_id.is_empty() {
            return self.send(from, join_error(correlation_id, ErrorCode::InvalidGroupId, request.member_id));
        }
        if session_timeout_ms < config.group_min_session_timeout_ms
            || session_timeout_ms > config.group_max_session_timeout_ms
        {
            return self
                .send(from, join_error(correlation_id, ErrorCode::InvalidSessionTimeout, request.member_id));
        }
        if !self.groups.contains_key(group_id) {
            if self.groups.len() >= MAX_GROUPS {
                return self.send(
                    from,
                    join_error(correlation_id, ErrorCode::CoordinatorNotAvailable, request.member_id),
                );
            }
            self.groups.insert(group_id.clone(), Group::new(group_id.clone(), partition));
        }
        let Some(group) = self.groups.get(group_id) else { return };
        let protocol_ok = group
            .protocol_type
            .as_ref()
            .is_none_or(|t| group.members.is_empty() || *t == request.protocol_type);
        if !protocol_ok || !group.supports_any(&request.protocols) || request.protocols.is_empty() {
            let error = ErrorCode::InconsistentGroupProtocol;
            return self.send(from, join_error(correlation_id, error, request.member_id));
        }
        if request.member_id.is_empty() {
            self.join_unknown_member(ctx, from, request);
        } else {
            self.join_known_member(ctx, from, request);
        }
    }

    fn join_unknown_member(&mut self, ctx: CoordinatorCtx<'_>, from: NodeId, request: JoinGroupRequest) {
        let group_id = request.group_id.clone();
        let correlation_id = request.correlation_id;
        let Some(group) = self.groups.get(&group_id) else { return };
        let size = group.members.len() + group.pending_members.len();
        let existing =
            request.group_instance_id.as_ref().and_then(|i| group.static_member(i)).map(String::from);
        if existing.is_none() && size >= usize::try_from(ctx.config.group_max_size).unwrap_or(usize::MAX) {
            return self
                .send(from, join_error(correlation_id, ErrorCode::GroupMaxSizeReached, String::new()));
        }
        let member_id = self.new_member_id(from, ctx.broker);
        let Some(instance_id) = request.group_instance_id.clone() else {
            // KIP-394: a dynamic member first gets its id, and joins again with it.
            let Some(group) = self.groups.get_mut(&group_id) else { return };
            let expiry_ms = ctx.now_ms.saturating_add(request.session_timeout_ms);
            group.pending_members.insert(member_id.clone(), expiry_ms);
            return self.send(from, join_error(correlation_id, ErrorCode::MemberIdRequired, member_id));
        };
        let Some(old_member_id) = existing else {
            // A new static member joins at once (static members skip MEMBER_ID_REQUIRED).
            self.add_member(ctx, from, &group_id, member_id, request);
            return;
        };
        self.replace_static_member(ctx, from, &group_id, &old_member_id, member_id, instance_id, request);
    }

    /// KIP-345: a static member restarted (new member id, same `group.instance.id`): the old member id
    /// is fenced; in a Stable group with unchanged metadata the member gets the current generation
    /// back without a rebalance, and its SyncGroup returns its old assignment.
    #[allow(clippy::too_many_arguments)]
    fn replace_static_member(
        &mut self,
        ctx: CoordinatorCtx<'_>,
        from: NodeId,
        group_id: &str,
        old_member_id: &str,
        member_id: String,
        instance_id: String,
        request: JoinGroupRequest,
    ) {
        let Some(group) = self.groups.get_mut(group_id) else { return };
        let Some(mut member) = group.members.remove(old_member_id) else { return };
        let mut fenced = Vec::new();
        fenced.extend(member.awaiting_join.take());
        fenced.extend(member.awaiting_sync.take());
        // Kafka's `updateStaticMemberAndRebalance`: in a Stable group the restarted member gets its old
        // assignment without a rebalance unless its protocols change the group's selected protocol.
        let mut probe = group.clone();
        if let Some(m) = probe.members.get_mut(old_member_id) {
            m.protocols = request.protocols.clone();
        }
        let unchanged = probe.select_protocol() == group.protocol;
        member.member_id = member_id.clone();
        member.client = from;
        member.protocols = request.protocols;
        member.session_timeout_ms = request.session_timeout_ms;
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.session_deadline_ms = ctx.now_ms.saturating_add(request.session_timeout_ms);
        if group.leader.as_deref() == Some(old_member_id) {
            group.leader = Some(member_id.clone());
        }
        group.static_members.insert(instance_id, member_id.clone());
        let state = group.state;
        let stable_answer = (state == GroupState::Stable && unchanged).then(|| JoinGroupResponse {
            correlation_id: request.correlation_id,
            error: ErrorCode::None,
            generation_id: group.generation_id,
            protocol_name: group.protocol.clone(),
            leader: group.leader.clone().unwrap_or_default(),
            member_id: member_id.clone(),
            members: Vec::new(),
        });
        if stable_answer.is_none() {
            member.awaiting_join = Some((from, request.correlation_id));
        }
        group.members.insert(member_id.clone(), member);
        for (to, correlation_id) in fenced {
            self.send(to, join_error(correlation_id, ErrorCode::FencedInstanceId, String::new()));
        }
        let removed = ReplicationEvent::GroupMemberRemoved {
            broker: ctx.broker,
            group_id: String::from(group_id),
            member_id: String::from(old_member_id),
            reason: MemberRemovedReason::ReplacedByStaticMember,
        };
        self.event(removed);
        match stable_answer {
            Some(answer) => self.send(from, Message::JoinGroupResponse(answer)),
            None => self.rejoin_requested(ctx, group_id),
        }
    }

    fn join_known_member(&mut self, ctx: CoordinatorCtx<'_>, from: NodeId, request: JoinGroupRequest) {
        let group_id = request.group_id.clone();
        let correlation_id = request.correlation_id;
        let Some(group) = self.groups.get_mut(&group_id) else { return };
        if let Some(instance_id) = &request.group_instance_id {
            if group.static_member(instance_id).is_some_and(|m| m != request.member_id) {
                let error = ErrorCode::FencedInstanceId;
                return self.send(from, join_error(correlation_id, error, request.member_id));
            }
        }
        if group.pending_members.remove(&request.member_id).is_some() {
            let member_id = request.member_id.clone();
            self.add_member(ctx, from, &group_id, member_id, request);
            return;
        }
        let Some(member) = group.members.get_mut(&request.member_id) else {
            return self
                .send(from, join_error(correlation_id, ErrorCode::UnknownMemberId, request.member_id));
        };
        member.client = from;
        member.protocols = request.protocols;
        member.session_timeout_ms = request.session_timeout_ms;
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.session_deadline_ms = ctx.now_ms.saturating_add(request.session_timeout_ms);
        if let Some((to, old)) = member.awaiting_join.replace((from, correlation_id)) {
            // A retried JoinGroup replaces the earlier one, which is answered so the client is not stuck.
            if old != correlation_id {
                self.send(to, join_error(old, ErrorCode::RebalanceInProgress, String::new()));
            }
        }
        self.rejoin_requested(ctx, &group_id);
    }

    fn add_member(
        &mut self,
        ctx: CoordinatorCtx<'_>,
        from: NodeId,
        group_id: &str,
        member_id: String,
        request: JoinGroupRequest,
    ) {
        let Some(group) = self.groups.get_mut(group_id) else { return };
        if group.members.is_empty() {
            group.protocol_type = Some(request.protocol_type.clone());
        }
        if let Some(instance_id) = &request.group_instance_id {
            group.static_members.insert(instance_id.clone(), member_id.clone());
        }
        let member = Member {
            member_id: member_id.clone(),
            group_instance_id: request.group_instance_id,
            client: from,
            session_timeout_ms: request.session_timeout_ms,
            rebalance_timeout_ms: request.rebalance_timeout_ms,
            protocols: request.protocols,
            assignment: Vec::new(),
            session_deadline_ms: ctx.now_ms.saturating_add(request.session_timeout_ms),
            awaiting_join: Some((from, request.correlation_id)),
            awaiting_sync: None,
        };
        group.members.insert(member_id, member);
        if group.initial_rebalance && group.state == GroupState::PreparingRebalance {
            // Kafka's InitialDelayedJoin: each new member extends the wait, up to the rebalance timeout.
            let cap = group.rebalance_started_ms.saturating_add(group.rebalance_timeout_ms());
            let extended = ctx.now_ms.saturating_add(ctx.config.group_initial_rebalance_delay_ms).min(cap);
            group.rebalance_deadline_ms = group.rebalance_deadline_ms.max(extended);
        }
        self.rejoin_requested(ctx, group_id);
    }

    /// A member (re)joined: start a rebalance if none runs, or finish the join phase if everyone is in.
    fn rejoin_requested(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let Some(group) = self.groups.get(group_id) else { return };
        match group.state {
            GroupState::PreparingRebalance => self.maybe_complete_join(ctx, group_id),
            GroupState::Empty | GroupState::Stable | GroupState::CompletingRebalance | GroupState::Dead => {
                self.prepare_rebalance(ctx, group_id);
                self.maybe_complete_join(ctx, group_id);
            }
        }
    }

    /// Starts a rebalance: members must rejoin by the rebalance timeout (an empty group's first one
    /// waits `group.initial.rebalance.delay.ms` for more members).
    pub(super) fn prepare_rebalance(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let Some(group) = self.groups.get_mut(group_id) else { return };
        let mut answers = Vec::new();
        if group.state == GroupState::CompletingRebalance {
            // Members waiting for their assignment must rejoin instead.
            for member in group.members.values_mut() {
                answers.extend(member.awaiting_sync.take());
            }
        }
        group.initial_rebalance = group.state == GroupState::Empty;
        group.rebalance_started_ms = ctx.now_ms;
        let wait_ms = if group.initial_rebalance {
            ctx.config.group_initial_rebalance_delay_ms.min(group.rebalance_timeout_ms())
        } else {
            group.rebalance_timeout_ms()
        };
        group.rebalance_deadline_ms = ctx.now_ms.saturating_add(wait_ms);
        group.state = GroupState::PreparingRebalance;
        group.sync_append = None;
        for (to, correlation_id) in answers {
            self.send(to, sync_answer(correlation_id, ErrorCode::RebalanceInProgress, Vec::new()));
        }
        self.state_changed(ctx, group_id);
    }

    pub(super) fn maybe_complete_join(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let Some(group) = self.groups.get(group_id) else { return };
        let all_joined = group.members.values().all(|m| m.awaiting_join.is_some());
        let waiting_initial = group.initial_rebalance && ctx.now_ms < group.rebalance_deadline_ms;
        if group.state == GroupState::PreparingRebalance && all_joined && !waiting_initial {
            self.complete_join(ctx, group_id);
        }
    }

    /// The join phase ends: a new generation, the protocol chosen, JoinGroup answered (the leader gets
    /// every member's metadata).
    pub(super) fn complete_join(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let Some(group) = self.groups.get_mut(group_id) else { return };
        group.generation_id = group.generation_id.wrapping_add(1);
        group.initial_rebalance = false;
        if group.members.is_empty() {
            group.state = GroupState::Empty;
            group.protocol = None;
            group.leader = None;
            self.state_changed(ctx, group_id);
            // Kafka stores the empty group too, so its generation survives a coordinator failover; the
            // group (and its offsets) stays until offsets expire, which samsa does not model.
            self.store_empty_group(ctx, group_id);
            return;
        }
        group.protocol = group.select_protocol();
        let protocol = group.protocol.clone().unwrap_or_default();
        if !group.leader.as_ref().is_some_and(|l| group.members.contains_key(l)) {
            group.leader = group.members.keys().next().cloned();
        }
        let leader = group.leader.clone().unwrap_or_default();
        group.state = GroupState::CompletingRebalance;
        let all: Vec<JoinGroupMember> = group
            .members
            .values()
            .map(|m| JoinGroupMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                metadata: m.metadata(&protocol).map(<[u8]>::to_vec).unwrap_or_default(),
            })
            .collect();
        let generation_id = group.generation_id;
        let mut answers = Vec::new();
        for member in group.members.values_mut() {
            member.assignment.clear();
            member.session_deadline_ms = ctx.now_ms.saturating_add(member.session_timeout_ms);
            let Some((to, correlation_id)) = member.awaiting_join.take() else { continue };
            let is_leader = member.member_id == leader;
            answers.push((
                to,
                JoinGroupResponse {
                    correlation_id,
                    error: ErrorCode::None,
                    generation_id,
                    protocol_name: Some(protocol.clone()),
                    leader: leader.clone(),
                    member_id: member.member_id.clone(),
                    members: if is_leader { all.clone() } else { Vec::new() },
                },
            ));
        }
        for (to, answer) in answers {
            self.send(to, Message::JoinGroupResponse(answer));
        }
        self.state_changed(ctx, group_id);
    }

    /// SyncGroup.
    pub fn sync_group(&mut self, ctx: CoordinatorCtx<'_>, from: NodeId, request: SyncGroupRequest) {
        let correlation_id = request.correlation_id;
        let error =
            self.member_error(&request.group_id, &request.member_id, request.group_instance_id.as_deref());
        if error != ErrorCode::None {
            return self.send(from, sync_answer(correlation_id, error, Vec::new()));
        }
        let Some(group) = self.groups.get_mut(&request.group_id) else { return };
        if request.generation_id != group.generation_id {
            return self.send(from, sync_answer(correlation_id, ErrorCode::IllegalGeneration, Vec::new()));
        }
        if let Some(member) = group.members.get_mut(&request.member_id) {
            member.session_deadline_ms = ctx.now_ms.saturating_add(member.session_timeout_ms);
        }
        match group.state {
            GroupState::Empty | GroupState::Dead => {
                self.send(from, sync_answer(correlation_id, ErrorCode::UnknownMemberId, Vec::new()))
            }
            GroupState::PreparingRebalance => {
                self.send(from, sync_answer(correlation_id, ErrorCode::RebalanceInProgress, Vec::new()))
            }
            GroupState::Stable => {
                let assignment =
                    group.members.get(&request.member_id).map(|m| m.assignment.clone()).unwrap_or_default();
                self.send(from, sync_answer(correlation_id, ErrorCode::None, assignment))
            }
            GroupState::CompletingRebalance => {
                if let Some(member) = group.members.get_mut(&request.member_id) {
                    member.awaiting_sync = Some((from, correlation_id));
                }
                let is_leader = group.leader.as_deref() == Some(request.member_id.as_str());
                if is_leader && group.sync_append.is_none() {
                    for assignment in request.assignments {
                        if let Some(member) = group.members.get_mut(&assignment.member_id) {
                            member.assignment = assignment.assignment;
                        }
                    }
                    self.store_group(ctx, &request.group_id);
                }
            }
        }
    }

    /// Appends the group's metadata; the sync phase ends when it completes.
    fn store_group(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let Some(group) = self.groups.get(group_id) else { return };
        let stored = StoredGroup {
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            generation_id: group.generation_id,
            protocol: group.protocol.clone(),
            leader: group.leader.clone(),
            current_state_timestamp_ms: i64::try_from(ctx.now_ms).unwrap_or(i64::MAX),
            members: group
                .members
                .values()
                .map(|m| StoredMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: alloc::format!("{}", m.client),
                    rebalance_timeout_ms: i32::try_from(m.rebalance_timeout_ms).unwrap_or(i32::MAX),
                    session_timeout_ms: i32::try_from(m.session_timeout_ms).unwrap_or(i32::MAX),
                    subscription: group
                        .protocol
                        .as_deref()
                        .and_then(|p| m.metadata(p))
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default(),
                    assignment: m.assignment.clone(),
                })
                .collect(),
        };
        let record = group_metadata_record(group_id, &stored, ctx.now_ms);
        let pending =
            PendingAppend::Sync { group_id: String::from(group_id), generation_id: group.generation_id };
        let partition = group.partition;
        let append_id = self.append(partition, alloc::vec![record], pending);
        match append_id {
            Some(id) => {
                if let Some(group) = self.groups.get_mut(group_id) {
                    group.sync_append = Some(id);
                }
            }
            None => self.finish_sync(ctx, group_id, ErrorCode::CoordinatorNotAvailable),
        }
    }

    fn store_empty_group(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let Some(group) = self.groups.get(group_id) else { return };
        let stored = StoredGroup {
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            generation_id: group.generation_id,
            protocol: None,
            leader: None,
            current_state_timestamp_ms: i64::try_from(ctx.now_ms).unwrap_or(i64::MAX),
            members: Vec::new(),
        };
        let record = group_metadata_record(group_id, &stored, ctx.now_ms);
        let partition = group.partition;
        // If the append fails the generation may go back after a failover; nothing waits for it.
        let _ = self.append(
            partition,
            alloc::vec![record],
            PendingAppend::Store { group_id: String::from(group_id) },
        );
    }

    /// The group-metadata append finished: Stable and everyone's assignment, or an error and a new
    /// rebalance.
    pub(super) fn finish_sync(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str, error: ErrorCode) {
        let Some(group) = self.groups.get_mut(group_id) else { return };
        let mut answers = Vec::new();
        for member in group.members.values_mut() {
            if let Some((to, correlation_id)) = member.awaiting_sync.take() {
                let assignment =
                    if error == ErrorCode::None { member.assignment.clone() } else { Vec::new() };
                answers.push((to, sync_answer(correlation_id, error, assignment)));
            }
        }
        group.sync_append = None;
        if error == ErrorCode::None {
            group.state = GroupState::Stable;
        }
        for (to, answer) in answers {
            self.send(to, answer);
        }
        if error == ErrorCode::None {
            self.state_changed(ctx, group_id);
        } else {
            self.prepare_rebalance(ctx, group_id);
        }
    }

    /// `NONE` when `member_id` is a member of `group_id`; else the error Kafka answers.
    pub(super) fn member_error(
        &self,
        group_id: &str,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> ErrorCode {
        let Some(group) = self.groups.get(group_id) else { return ErrorCode::UnknownMemberId };
        if let Some(instance_id) = instance_id {
            if group.static_member(instance_id).is_some_and(|m| m != member_id) {
                return ErrorCode::FencedInstanceId;
            }
        }
        if group.members.contains_key(member_id) {
            ErrorCode::None
        } else {
            ErrorCode::UnknownMemberId
        }
    }
}

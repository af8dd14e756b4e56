//! Heartbeat, LeaveGroup, removing members, and the timers that remove them (session timeouts, the
//! join phase's deadline, KIP-394's pending member ids).

use alloc::string::String;
use alloc::vec::Vec;

use super::{CoordinatorCtx, GroupCoordinator};
use crate::error::ErrorCode;
use crate::group::messages::{HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse};
use crate::group::{GroupState, MemberRemovedReason};
use crate::node::NodeId;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::Message;

impl GroupCoordinator {
    /// Heartbeat.
    pub fn heartbeat(&mut self, ctx: CoordinatorCtx<'_>, from: NodeId, request: HeartbeatRequest) {
        let answer =
            |correlation_id, error| Message::HeartbeatResponse(HeartbeatResponse { correlation_id, error });
        let error =
            self.member_error(&request.group_id, &request.member_id, request.group_instance_id.as_deref());
        if error != ErrorCode::None {
            return self.send(from, answer(request.correlation_id, error));
        }
        let Some(group) = self.groups.get_mut(&request.group_id) else { return };
        if let Some(member) = group.members.get_mut(&request.member_id) {
            member.session_deadline_ms = ctx.now_ms.saturating_add(member.session_timeout_ms);
        }
        let error = if request.generation_id != group.generation_id {
            ErrorCode::IllegalGeneration
        } else if group.state == GroupState::PreparingRebalance {
            ErrorCode::RebalanceInProgress
        } else {
            ErrorCode::None
        };
        self.send(from, answer(request.correlation_id, error));
    }

    /// LeaveGroup.
    pub fn leave_group(&mut self, ctx: CoordinatorCtx<'_>, from: NodeId, request: LeaveGroupRequest) {
        let error =
            self.member_error(&request.group_id, &request.member_id, request.group_instance_id.as_deref());
        let answer = LeaveGroupResponse { correlation_id: request.correlation_id, error };
        self.send(from, Message::LeaveGroupResponse(answer));
        if error == ErrorCode::None {
            self.remove_member(ctx, &request.group_id, &request.member_id, MemberRemovedReason::Left);
        }
    }

    /// Removes a member and rebalances the rest (Kafka's `removeMemberAndUpdateGroup`).
    pub(super) fn remove_member(
        &mut self,
        ctx: CoordinatorCtx<'_>,
        group_id: &str,
        member_id: &str,
        reason: MemberRemovedReason,
    ) {
        let Some(group) = self.groups.get_mut(group_id) else { return };
        let Some(member) = group.members.remove(member_id) else { return };
        if let Some(instance_id) = &member.group_instance_id {
            if group.static_member(instance_id) == Some(member_id) {
                group.static_members.remove(instance_id);
            }
        }
        let state = group.state;
        let event = ReplicationEvent::GroupMemberRemoved {
            broker: ctx.broker,
            group_id: String::from(group_id),
            member_id: String::from(member_id),
            reason,
        };
        self.event(event);
        match state {
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(ctx, group_id),
            GroupState::PreparingRebalance => self.maybe_complete_join(ctx, group_id),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    /// A group's timers fired: the join phase's deadline, members' sessions, pending member ids.
    pub(super) fn expire(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let now_ms = ctx.now_ms;
        let Some(group) = self.groups.get_mut(group_id) else { return };
        group.pending_members.retain(|_, expiry_ms| *expiry_ms > now_ms);
        let expired: Vec<String> = group
            .members
            .values()
            .filter(|m| !m.kept_alive() && m.session_deadline_ms <= now_ms)
            .map(|m| m.member_id.clone())
            .collect();
        for member_id in expired {
            self.remove_member(ctx, group_id, &member_id, MemberRemovedReason::SessionTimeout);
        }
        let Some(group) = self.groups.get(group_id) else { return };
        if group.state == GroupState::PreparingRebalance && group.rebalance_deadline_ms <= now_ms {
            let late: Vec<String> = group
                .members
                .values()
                .filter(|m| m.awaiting_join.is_none())
                .map(|m| m.member_id.clone())
                .collect();
            for member_id in late {
                // Removed without a new rebalance: this one is completing.
                if let Some(group) = self.groups.get_mut(group_id) {
                    if let Some(member) = group.members.remove(&member_id) {
                        if let Some(instance_id) = &member.group_instance_id {
                            group.static_members.remove(instance_id);
                        }
                    }
                }
                let event = ReplicationEvent::GroupMemberRemoved {
                    broker: ctx.broker,
                    group_id: String::from(group_id),
                    member_id,
                    reason: MemberRemovedReason::RebalanceTimeout,
                };
                self.event(event);
            }
            self.complete_join(ctx, group_id);
        }
    }
}

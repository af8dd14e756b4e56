//! Answers to the group requests: FindCoordinator, JoinGroup (and the leader's assignor run), SyncGroup,
//! Heartbeat (see `group` for the state they move).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::group::MemberState;
use super::Consumer;
use crate::client::events::ClientEvent;
use crate::error::ErrorCode;
use crate::group::assignor::{self, AssignmentStrategy, MemberSubscription};
use crate::group::consumer_protocol::{Assignment, Subscription as ProtocolSubscription};
use crate::group::messages::{JoinGroupResponse, SyncGroupAssignment, SyncGroupRequest};
use crate::node::BrokerId;
use crate::replication::messages::Message;

impl Consumer {
    /// Answers to group requests.
    pub(super) fn on_group_response(&mut self, now_ms: u64, from: BrokerId, message: Message) {
        let backoff_ms = self.config.retry_backoff_ms;
        let Some(g) = self.group.as_mut() else { return };
        match message {
            Message::FindCoordinatorResponse(r) => {
                if g.find_in_flight.is_none_or(|(id, _)| id != r.correlation_id) {
                    return;
                }
                g.find_in_flight = None;
                if r.error == ErrorCode::None && r.node_id >= 0 {
                    g.coordinator = Some(r.node_id);
                } else {
                    g.find_retry_after_ms = now_ms.saturating_add(backoff_ms);
                }
            }
            Message::JoinGroupResponse(r) => {
                if g.join_in_flight.is_none_or(|(id, _)| id != r.correlation_id)
                    || g.coordinator != Some(from)
                {
                    return;
                }
                g.join_in_flight = None;
                self.on_join_response(now_ms, r);
            }
            Message::SyncGroupResponse(r) => {
                if g.sync_in_flight.is_none_or(|(id, _)| id != r.correlation_id) {
                    return;
                }
                g.sync_in_flight = None;
                match r.error {
                    ErrorCode::None => {
                        let partitions =
                            Assignment::decode(&r.assignment).map(|a| a.partitions).unwrap_or_default();
                        g.state = MemberState::Stable;
                        g.pending_assignment = Some(partitions);
                        g.next_heartbeat_ms = now_ms.saturating_add(self.config.heartbeat_interval_ms);
                    }
                    ErrorCode::RebalanceInProgress => {
                        g.state = MemberState::Unjoined;
                        g.rejoin_needed = true;
                    }
                    ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable => self.coordinator_dead(),
                    error => self.membership_lost(error),
                }
            }
            Message::HeartbeatResponse(r) => {
                if g.heartbeat_in_flight.is_none_or(|(id, _)| id != r.correlation_id) {
                    return;
                }
                g.heartbeat_in_flight = None;
                match r.error {
                    ErrorCode::None => {}
                    ErrorCode::RebalanceInProgress => g.rejoin_needed = true,
                    ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable => self.coordinator_dead(),
                    ErrorCode::IllegalGeneration
                    | ErrorCode::UnknownMemberId
                    | ErrorCode::FencedInstanceId => self.membership_lost(r.error),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn on_join_response(&mut self, now_ms: u64, r: JoinGroupResponse) {
        let backoff_ms = self.config.retry_backoff_ms;
        let Some(g) = self.group.as_mut() else { return };
        match r.error {
            ErrorCode::None => {}
            ErrorCode::MemberIdRequired => {
                // KIP-394: join again at once with the id the coordinator gave.
                g.member_id = r.member_id;
                let topics = g.joined_topics.clone();
                self.send_join(now_ms, topics);
                return;
            }
            ErrorCode::UnknownMemberId => {
                g.member_id.clear();
                g.state = MemberState::Unjoined;
                g.rejoin_after_ms = now_ms.saturating_add(backoff_ms);
                return;
            }
            ErrorCode::NotCoordinator
            | ErrorCode::CoordinatorNotAvailable
            | ErrorCode::CoordinatorLoadInProgress => {
                g.state = MemberState::Unjoined;
                self.coordinator_dead();
                self.request_rejoin();
                return;
            }
            ErrorCode::RebalanceInProgress => {
                g.state = MemberState::Unjoined;
                return;
            }
            fatal => {
                g.state = MemberState::Unjoined;
                g.fatal = Some(fatal);
                return;
            }
        }
        g.member_id = r.member_id.clone();
        g.generation_id = r.generation_id;
        g.protocol = r.protocol_name.clone();
        g.leader_id = r.leader.clone();
        g.state = MemberState::Syncing;
        g.rejoin_needed = false;
        let leader = r.leader == r.member_id;
        let group_id = g.group_id.clone();
        let event = ClientEvent::GroupJoined {
            client: self.client_id,
            group_id: group_id.clone(),
            member_id: r.member_id.clone(),
            generation_id: r.generation_id,
            leader,
            protocol: r.protocol_name.clone(),
        };
        self.event(event);
        let assignments = if leader { self.run_assignor(&r) } else { Vec::new() };
        let correlation_id = self.correlation_id();
        let deadline = now_ms.saturating_add(
            self.config.request_timeout_ms.max(self.config.max_poll_interval_ms.saturating_add(5_000)),
        );
        let Some(g) = self.group.as_mut() else { return };
        let Some(coordinator) = g.coordinator else { return };
        g.sync_in_flight = Some((correlation_id, deadline));
        let request = SyncGroupRequest {
            correlation_id,
            group_id,
            generation_id: r.generation_id,
            member_id: r.member_id,
            group_instance_id: g.instance_id.clone(),
            assignments,
        };
        self.send(coordinator, Message::SyncGroup(request));
    }

    /// The leader's job: decode every member's subscription and run the chosen assignor over the
    /// partition counts it knows (an unknown topic gets nothing now; its appearance in the metadata
    /// triggers a new rebalance).
    fn run_assignor(&mut self, r: &JoinGroupResponse) -> Vec<SyncGroupAssignment> {
        let strategy = r
            .protocol_name
            .as_deref()
            .and_then(AssignmentStrategy::from_name)
            .unwrap_or(AssignmentStrategy::Range);
        let members: Vec<MemberSubscription> = r
            .members
            .iter()
            .map(|m| MemberSubscription {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                subscription: ProtocolSubscription::decode(&m.metadata).unwrap_or_default(),
            })
            .collect();
        let topics: BTreeSet<String> =
            members.iter().flat_map(|m| m.subscription.topics.iter().cloned()).collect();
        let counts: BTreeMap<String, u32> = self
            .metadata
            .topics()
            .filter(|(n, _)| topics.contains(*n))
            .map(|(n, c)| (String::from(n), c))
            .collect();
        if counts.len() < topics.len() {
            self.metadata.request_update();
        }
        let partitions_per_topic: BTreeMap<String, i32> =
            counts.iter().map(|(n, &c)| (n.clone(), i32::try_from(c).unwrap_or(i32::MAX))).collect();
        // What this leader assigned with, for its own topics: a later change means a new rebalance. (A
        // static leader that rejoined a Stable group gets no member list and assigns nothing; the
        // coordinator keeps the group's assignment, KIP-345.)
        let own_counts =
            self.partition_counts(&self.group.as_ref().map(|g| g.joined_topics.clone()).unwrap_or_default());
        if let Some(g) = self.group.as_mut() {
            g.assigned_with = own_counts;
        }
        assignor::assign(strategy, &partitions_per_topic, &members)
            .into_iter()
            .map(|(member_id, partitions)| SyncGroupAssignment {
                member_id,
                assignment: Assignment { partitions, user_data: None }.encode(),
            })
            .collect()
    }
}

//! Group membership (Kafka's `AbstractCoordinator` + `ConsumerCoordinator`): find the coordinator,
//! join (KIP-394: a new member first gets its id), the leader runs the assignor, sync, heartbeat every
//! `heartbeat.interval.ms`, leave — with eager or cooperative (KIP-429) rebalancing and static
//! membership (KIP-345: a static member never sends LeaveGroup).
//!
//! Requests that need the application (JoinGroup, and applying an assignment with its callbacks) happen
//! in `poll`; the rest (FindCoordinator, SyncGroup after a JoinGroup answer, heartbeats, the
//! `max.poll.interval.ms` check) in the background calls, as Kafka's heartbeat thread does.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::commits::CommitId;
use super::poll::RebalanceCallback;
use super::{Consumer, Subscription};
use crate::client::events::{ClientEvent, LeaveReason};
use crate::error::ErrorCode;
use crate::group::assignor::RebalanceProtocol;
use crate::group::consumer_protocol::Subscription as ProtocolSubscription;
use crate::group::messages::{
    FindCoordinatorRequest, HeartbeatRequest, JoinGroupProtocol, JoinGroupRequest, LeaveGroupRequest,
};
use crate::node::BrokerId;
use crate::replication::messages::{Message, TopicPartition};

/// Where a member is in the group protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberState {
    /// Not a member (before the first join, after leaving or losing membership).
    Unjoined,
    /// JoinGroup sent.
    Joining,
    /// SyncGroup sent.
    Syncing,
    /// Has its assignment.
    Stable,
}

impl MemberState {
    /// A short name for views.
    pub fn name(self) -> &'static str {
        match self {
            MemberState::Unjoined => "unjoined",
            MemberState::Joining => "joining",
            MemberState::Syncing => "syncing",
            MemberState::Stable => "stable",
        }
    }
}

/// The consumer's view of its group membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// `group.id`.
    pub group_id: String,
    /// The member id (empty before the first join).
    pub member_id: String,
    /// The generation (-1 when not a member).
    pub generation_id: i32,
    /// Where it is in the protocol.
    pub state: MemberState,
    /// Whether it leads the group (runs the assignor).
    pub leader: bool,
    /// The group's assignor.
    pub protocol: Option<String>,
    /// The coordinator, if known.
    pub coordinator: Option<BrokerId>,
}

/// Group membership state.
#[derive(Clone, Debug)]
pub(super) struct GroupMember {
    pub(super) group_id: String,
    pub(super) instance_id: Option<String>,
    pub(super) coordinator: Option<BrokerId>,
    pub(super) find_in_flight: Option<(u64, u64)>,
    pub(super) find_retry_after_ms: u64,
    pub(super) member_id: String,
    pub(super) generation_id: i32,
    pub(super) state: MemberState,
    pub(super) protocol: Option<String>,
    pub(super) leader_id: String,
    pub(super) rejoin_needed: bool,
    pub(super) rejoin_after_ms: u64,
    pub(super) join_in_flight: Option<(u64, u64)>,
    pub(super) sync_in_flight: Option<(u64, u64)>,
    pub(super) heartbeat_in_flight: Option<(u64, u64)>,
    pub(super) next_heartbeat_ms: u64,
    pub(super) last_poll_ms: Option<u64>,
    pub(super) lost_pending: bool,
    pub(super) revoked_before_join: bool,
    pub(super) commit_before_join: Option<CommitId>,
    pub(super) pending_assignment: Option<Vec<TopicPartition>>,
    /// The partition counts the leader assigned with: a change means a new rebalance.
    pub(super) assigned_with: BTreeMap<String, u32>,
    /// The topics the member joined with (a pattern's matches can change).
    pub(super) joined_topics: Vec<String>,
    /// A fatal error (`FENCED_INSTANCE_ID`, `INCONSISTENT_GROUP_PROTOCOL`…): no more joins.
    pub(super) fatal: Option<ErrorCode>,
}

impl GroupMember {
    pub(super) fn new(group_id: String, instance_id: Option<String>) -> Self {
        GroupMember {
            group_id,
            instance_id,
            coordinator: None,
            find_in_flight: None,
            find_retry_after_ms: 0,
            member_id: String::new(),
            generation_id: -1,
            state: MemberState::Unjoined,
            protocol: None,
            leader_id: String::new(),
            rejoin_needed: false,
            rejoin_after_ms: 0,
            join_in_flight: None,
            sync_in_flight: None,
            heartbeat_in_flight: None,
            next_heartbeat_ms: 0,
            last_poll_ms: None,
            lost_pending: false,
            revoked_before_join: false,
            commit_before_join: None,
            pending_assignment: None,
            assigned_with: BTreeMap::new(),
            joined_topics: Vec::new(),
            fatal: None,
        }
    }
}

impl Consumer {
    /// The group membership, if the consumer has a `group.id`.
    pub fn membership(&self) -> Option<Membership> {
        let g = self.group.as_ref()?;
        Some(Membership {
            group_id: g.group_id.clone(),
            member_id: g.member_id.clone(),
            generation_id: g.generation_id,
            state: g.state,
            leader: !g.member_id.is_empty() && g.member_id == g.leader_id,
            protocol: g.protocol.clone(),
            coordinator: g.coordinator,
        })
    }

    pub(super) fn group_id(&self) -> String {
        self.group.as_ref().map(|g| g.group_id.clone()).unwrap_or_default()
    }

    pub(super) fn group_generation(&self) -> i32 {
        self.group.as_ref().map_or(-1, |g| g.generation_id)
    }

    pub(super) fn coordinator(&self) -> Option<BrokerId> {
        self.group.as_ref().and_then(|g| g.coordinator)
    }

    /// Generation, member id and instance id a commit carries: the membership's when subscribed, -1 and
    /// an empty member id for an `assign()` consumer (a "simple" commit).
    pub(super) fn commit_identity(&self) -> (i32, String, Option<String>) {
        match (&self.group, &self.subscription) {
            (Some(g), Subscription::Topics(_) | Subscription::Pattern(_)) => {
                (g.generation_id, g.member_id.clone(), g.instance_id.clone())
            }
            _ => (-1, String::new(), None),
        }
    }

    fn group_managed(&self) -> bool {
        matches!(self.subscription, Subscription::Topics(_) | Subscription::Pattern(_))
    }

    fn protocol_kind(&self) -> RebalanceProtocol {
        self.config.rebalance_protocol()
    }

    pub(super) fn request_rejoin(&mut self) {
        if let Some(g) = self.group.as_mut() {
            g.rejoin_needed = true;
        }
    }

    /// The coordinator stopped answering or moved: find it again; a join or sync in flight is lost.
    pub(super) fn coordinator_dead(&mut self) {
        let Some(g) = self.group.as_mut() else { return };
        g.coordinator = None;
        g.heartbeat_in_flight = None;
        if g.join_in_flight.take().is_some() || g.sync_in_flight.take().is_some() {
            g.rejoin_needed = true;
        }
    }

    /// The coordinator no longer knows this member (or its generation): the next poll reports the
    /// owned partitions lost and rejoins.
    pub(super) fn membership_lost(&mut self, error: ErrorCode) {
        let owned = !self.partitions.is_empty();
        let Some(g) = self.group.as_mut() else { return };
        g.generation_id = -1;
        if matches!(error, ErrorCode::UnknownMemberId | ErrorCode::FencedInstanceId) {
            g.member_id.clear();
        }
        g.state = MemberState::Unjoined;
        g.join_in_flight = None;
        g.sync_in_flight = None;
        g.heartbeat_in_flight = None;
        g.pending_assignment = None;
        g.lost_pending |= owned;
        g.rejoin_needed = true;
        if error == ErrorCode::FencedInstanceId {
            g.fatal = Some(error);
        }
    }

    /// Leaves the group: LeaveGroup for a dynamic member, nothing for a static one (KIP-345: it is
    /// expected back within `session.timeout.ms`).
    pub(super) fn leave_group(&mut self, now_ms: u64, reason: LeaveReason) {
        let correlation_id = self.correlation_id();
        let client = self.client_id;
        let Some(g) = self.group.as_mut() else { return };
        if g.member_id.is_empty() {
            return;
        }
        let member_id = core::mem::take(&mut g.member_id);
        let to = g.coordinator;
        let dynamic = g.instance_id.is_none();
        let group_id = g.group_id.clone();
        g.generation_id = -1;
        g.state = MemberState::Unjoined;
        g.join_in_flight = None;
        g.sync_in_flight = None;
        g.heartbeat_in_flight = None;
        g.pending_assignment = None;
        let _ = now_ms;
        if let (Some(to), true) = (to, dynamic) {
            let request = LeaveGroupRequest {
                correlation_id,
                group_id: group_id.clone(),
                member_id: member_id.clone(),
                group_instance_id: None,
                reason: alloc::format!("{reason}"),
            };
            self.send(to, Message::LeaveGroup(request));
        }
        self.event(ClientEvent::GroupLeft { client, group_id, member_id, reason });
    }

    /// The group part of `poll`: callbacks to run, or nothing.
    pub(super) fn poll_group(&mut self, now_ms: u64) -> Vec<RebalanceCallback> {
        if !self.group_managed() {
            return Vec::new();
        }
        let topics = self.subscribed_topics();
        let counts = self.partition_counts(&topics);
        let Some(g) = self.group.as_mut() else { return Vec::new() };
        g.last_poll_ms = Some(now_ms);
        if g.lost_pending {
            g.lost_pending = false;
            let lost = self.assignment();
            if !lost.is_empty() {
                let generation_id = self.group_generation();
                self.set_owned(Vec::new());
                self.forget_partitions(&lost);
                let event = ClientEvent::PartitionsLost {
                    client: self.client_id,
                    group_id: self.group_id(),
                    generation_id,
                    partitions: lost.clone(),
                };
                self.event(event);
                return alloc::vec![RebalanceCallback::Lost(lost)];
            }
        }
        let Some(g) = self.group.as_mut() else { return Vec::new() };
        if let Some(assigned) = g.pending_assignment.take() {
            return self.apply_assignment(assigned);
        }
        let Some(g) = self.group.as_mut() else { return Vec::new() };
        if g.state == MemberState::Stable {
            let leader = g.member_id == g.leader_id;
            if g.joined_topics != topics || (leader && g.assigned_with != counts) {
                // KIP-?: the subscription or the subscribed topics' partitions changed: rebalance.
                g.rejoin_needed = true;
            }
        }
        if !g.rejoin_needed || g.fatal.is_some() || g.join_in_flight.is_some() || g.sync_in_flight.is_some() {
            return Vec::new();
        }
        if g.coordinator.is_none() || now_ms < g.rejoin_after_ms {
            return Vec::new();
        }
        let owned = self.assignment();
        let eager = self.protocol_kind() == RebalanceProtocol::Eager;
        let Some(g) = self.group.as_mut() else { return Vec::new() };
        if eager && !owned.is_empty() && !g.revoked_before_join {
            // Kafka's onJoinPrepare: commit synchronously (auto commit), then revoke everything.
            let commit_before_join = g.commit_before_join;
            if self.config.auto_commit() {
                match commit_before_join {
                    Some(id) if self.commit_in_flight(id) => return Vec::new(),
                    Some(_) => {}
                    None => {
                        let offsets = self.consumed_offsets();
                        if let Ok(id) = self.commit(now_ms, Some(offsets), true, true) {
                            if let Some(g) = self.group.as_mut() {
                                g.commit_before_join = Some(id);
                            }
                            if self.commit_in_flight(id) {
                                return Vec::new();
                            }
                        }
                    }
                }
            }
            let generation_id = self.group_generation();
            self.set_owned(Vec::new());
            self.forget_partitions(&owned);
            if let Some(g) = self.group.as_mut() {
                g.revoked_before_join = true;
            }
            let event = ClientEvent::PartitionsRevoked {
                client: self.client_id,
                group_id: self.group_id(),
                generation_id,
                partitions: owned.clone(),
            };
            self.event(event);
            return alloc::vec![RebalanceCallback::Revoked(owned)];
        }
        // Kafka's consumer joins once its metadata knows the subscribed topics, so that a leader
        // assigns real partitions rather than nothing.
        let known: BTreeSet<&str> = self.metadata.topics().map(|(name, _)| name).collect();
        if matches!(self.subscription, Subscription::Topics(_))
            && topics.iter().any(|t| !known.contains(t.as_str()))
        {
            self.metadata.request_update();
            return Vec::new();
        }
        self.send_join(now_ms, topics);
        Vec::new()
    }

    pub(super) fn partition_counts(&self, topics: &[String]) -> BTreeMap<String, u32> {
        self.metadata
            .topics()
            .filter(|(name, _)| topics.iter().any(|t| t == name))
            .map(|(n, c)| (String::from(n), c))
            .collect()
    }

    pub(super) fn send_join(&mut self, now_ms: u64, topics: Vec<String>) {
        let correlation_id = self.correlation_id();
        let owned = self.assignment();
        let strategies = self.config.partition_assignment_strategy.clone();
        let session_timeout_ms = self.config.session_timeout_ms;
        let rebalance_timeout_ms = self.config.max_poll_interval_ms;
        // Kafka's join timeout: the rebalance timeout plus 5 s, at least request.timeout.ms.
        let deadline_ms = now_ms
            .saturating_add(self.config.request_timeout_ms.max(rebalance_timeout_ms.saturating_add(5_000)));
        let Some(g) = self.group.as_mut() else { return };
        let Some(coordinator) = g.coordinator else { return };
        let metadata = ProtocolSubscription {
            topics: topics.clone(),
            user_data: None,
            owned_partitions: owned,
            generation_id: g.generation_id,
            rack_id: None,
        }
        .encode();
        let protocols = strategies
            .iter()
            .map(|s| JoinGroupProtocol { name: String::from(s.name()), metadata: metadata.clone() })
            .collect();
        let request = JoinGroupRequest {
            correlation_id,
            group_id: g.group_id.clone(),
            session_timeout_ms,
            rebalance_timeout_ms,
            member_id: g.member_id.clone(),
            group_instance_id: g.instance_id.clone(),
            protocol_type: String::from("consumer"),
            protocols,
        };
        g.join_in_flight = Some((correlation_id, deadline_ms));
        g.state = MemberState::Joining;
        g.joined_topics = topics;
        g.revoked_before_join = false;
        g.commit_before_join = None;
        self.send(coordinator, Message::JoinGroup(request));
    }

    /// SyncGroup answered: the new assignment, with its callbacks (KIP-429 for cooperative).
    fn apply_assignment(&mut self, assigned: Vec<TopicPartition>) -> Vec<RebalanceCallback> {
        let owned: BTreeSet<TopicPartition> = self.partitions.keys().cloned().collect();
        let target: BTreeSet<TopicPartition> = assigned.iter().cloned().collect();
        let revoked: Vec<TopicPartition> = owned.difference(&target).cloned().collect();
        let added: Vec<TopicPartition> = target.difference(&owned).cloned().collect();
        let generation_id = self.group_generation();
        let group_id = self.group_id();
        let mut callbacks = Vec::new();
        if !revoked.is_empty() {
            let event = ClientEvent::PartitionsRevoked {
                client: self.client_id,
                group_id: group_id.clone(),
                generation_id,
                partitions: revoked.clone(),
            };
            self.event(event);
            self.forget_partitions(&revoked);
            callbacks.push(RebalanceCallback::Revoked(revoked.clone()));
            // KIP-429: partitions given up go to their new owner in a second rebalance.
            self.request_rejoin();
        }
        self.set_owned(assigned.clone());
        self.fetch_committed(added.clone());
        let event = ClientEvent::PartitionsAssigned {
            client: self.client_id,
            group_id,
            generation_id,
            added: added.clone(),
            owned: assigned,
        };
        self.event(event);
        callbacks.push(RebalanceCallback::Assigned(added));
        callbacks
    }

    /// Background group work: timeouts, FindCoordinator, heartbeats, the poll timeout.
    pub(super) fn group_tick(&mut self, now_ms: u64) {
        let needs_coordinator = self.group_managed() || self.commits.needs_coordinator();
        let poll_timeout = self.config.max_poll_interval_ms;
        let Some(g) = self.group.as_mut() else { return };
        if g.find_in_flight.is_some_and(|(_, deadline)| deadline <= now_ms) {
            g.find_in_flight = None;
        }
        let join_lost = g.join_in_flight.is_some_and(|(_, d)| d <= now_ms);
        let sync_lost = g.sync_in_flight.is_some_and(|(_, d)| d <= now_ms);
        let heartbeat_lost = g.heartbeat_in_flight.is_some_and(|(_, d)| d <= now_ms);
        if join_lost || sync_lost || heartbeat_lost {
            self.coordinator_dead();
        }
        let Some(g) = self.group.as_mut() else { return };
        if needs_coordinator
            && g.coordinator.is_none()
            && g.find_in_flight.is_none()
            && now_ms >= g.find_retry_after_ms
        {
            if let Some(broker) = self.metadata.any_broker() {
                let correlation_id = self.correlation_id();
                let deadline = now_ms.saturating_add(self.config.request_timeout_ms);
                if let Some(g) = self.group.as_mut() {
                    g.find_in_flight = Some((correlation_id, deadline));
                    let key = g.group_id.clone();
                    self.send(
                        broker,
                        Message::FindCoordinator(FindCoordinatorRequest {
                            correlation_id,
                            key,
                            key_type: crate::group::messages::CoordinatorType::Group,
                        }),
                    );
                }
            }
        }
        let Some(g) = self.group.as_mut() else { return };
        let member = g.generation_id >= 0 && !g.member_id.is_empty();
        if member && g.last_poll_ms.is_some_and(|last| now_ms > last.saturating_add(poll_timeout)) {
            // Kafka's heartbeat thread: "consumer poll timeout has expired".
            let owned = !self.partitions.is_empty();
            self.leave_group(now_ms, LeaveReason::PollTimeout);
            if let Some(g) = self.group.as_mut() {
                g.lost_pending |= owned;
                g.rejoin_needed = true;
                g.last_poll_ms = None;
            }
            return;
        }
        let Some(g) = self.group.as_mut() else { return };
        if g.state == MemberState::Stable && g.heartbeat_in_flight.is_none() && now_ms >= g.next_heartbeat_ms
        {
            if let Some(coordinator) = g.coordinator {
                let correlation_id = self.correlation_id();
                let heartbeat_ms = self.config.heartbeat_interval_ms.max(1);
                let deadline = now_ms.saturating_add(self.config.request_timeout_ms);
                let Some(g) = self.group.as_mut() else { return };
                g.heartbeat_in_flight = Some((correlation_id, deadline));
                g.next_heartbeat_ms = now_ms.saturating_add(heartbeat_ms);
                let request = HeartbeatRequest {
                    correlation_id,
                    group_id: g.group_id.clone(),
                    generation_id: g.generation_id,
                    member_id: g.member_id.clone(),
                    group_instance_id: g.instance_id.clone(),
                };
                self.send(coordinator, Message::Heartbeat(request));
            }
        }
    }

    pub(super) fn group_next_tick_ms(&self) -> Option<u64> {
        let g = self.group.as_ref()?;
        let needs_coordinator = self.group_managed() || self.commits.needs_coordinator();
        let deadlines = [g.find_in_flight, g.join_in_flight, g.sync_in_flight, g.heartbeat_in_flight]
            .into_iter()
            .flatten()
            .map(|(_, d)| d);
        let find = (needs_coordinator && g.coordinator.is_none() && g.find_in_flight.is_none())
            .then_some(g.find_retry_after_ms);
        // Heartbeats wait for a known coordinator (finding it has its own timer).
        let heartbeat =
            (g.state == MemberState::Stable && g.heartbeat_in_flight.is_none() && g.coordinator.is_some())
                .then_some(g.next_heartbeat_ms);
        let member = g.generation_id >= 0 && !g.member_id.is_empty();
        let poll_timeout = g
            .last_poll_ms
            .filter(|_| member)
            .map(|t| t.saturating_add(self.config.max_poll_interval_ms).saturating_add(1));
        deadlines.chain(find).chain(heartbeat).chain(poll_timeout).map(|t| t.max(self.last_now_ms)).min()
    }
}

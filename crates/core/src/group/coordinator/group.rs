//! One consumer group on its coordinator: members, generation, state, committed offsets (Kafka's
//! `GroupMetadata` / `MemberMetadata`).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::group::messages::{JoinGroupProtocol, OffsetAndMetadata};
use crate::group::GroupState;
use crate::node::NodeId;
use crate::replication::messages::TopicPartition;

/// A request waiting for its answer: who asked, and its correlation id.
pub(crate) type Waiting = (NodeId, u64);

/// A member of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Its member id.
    pub member_id: String,
    /// Its `group.instance.id`, if static (KIP-345).
    pub group_instance_id: Option<String>,
    /// The client that last joined as this member.
    pub client: NodeId,
    /// `session.timeout.ms` it joined with.
    pub session_timeout_ms: u64,
    /// `max.poll.interval.ms` it joined with.
    pub rebalance_timeout_ms: u64,
    /// Its protocols, in preference order.
    pub protocols: Vec<JoinGroupProtocol>,
    /// Its assignment in the current generation (empty until the leader's SyncGroup).
    pub assignment: Vec<u8>,
    /// Removed at this time without a heartbeat (unless it waits for a join or sync answer).
    pub(crate) session_deadline_ms: u64,
    pub(crate) awaiting_join: Option<Waiting>,
    pub(crate) awaiting_sync: Option<Waiting>,
}

impl Member {
    /// Its metadata for `protocol`, if it supports it.
    pub fn metadata(&self, protocol: &str) -> Option<&[u8]> {
        self.protocols.iter().find(|p| p.name == protocol).map(|p| p.metadata.as_slice())
    }

    /// Whether it supports `protocol`.
    pub fn supports(&self, protocol: &str) -> bool {
        self.protocols.iter().any(|p| p.name == protocol)
    }

    /// Kept alive while it waits for the coordinator (Kafka's `shouldKeepAlive`).
    pub(crate) fn kept_alive(&self) -> bool {
        self.awaiting_join.is_some() || self.awaiting_sync.is_some()
    }
}

/// A consumer group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The `group.id`.
    pub group_id: String,
    /// Its `__consumer_offsets` partition.
    pub partition: i32,
    /// Its state.
    pub state: GroupState,
    /// The generation (0 before the first rebalance).
    pub generation_id: i32,
    /// `"consumer"` once a member joined.
    pub protocol_type: Option<String>,
    /// The chosen protocol (assignor), once a rebalance completed.
    pub protocol: Option<String>,
    /// The leader's member id.
    pub leader: Option<String>,
    /// Members by member id.
    pub members: BTreeMap<String, Member>,
    /// `group.instance.id` → member id (KIP-345).
    pub(crate) static_members: BTreeMap<String, String>,
    /// KIP-394: member ids handed out with `MEMBER_ID_REQUIRED`, until they join or expire.
    pub(crate) pending_members: BTreeMap<String, u64>,
    /// When the join phase ends at the latest.
    pub(crate) rebalance_deadline_ms: u64,
    /// The first rebalance of an empty group waits `group.initial.rebalance.delay.ms` for more members.
    pub(crate) initial_rebalance: bool,
    /// When the initial delay started.
    pub(crate) rebalance_started_ms: u64,
    /// The group-metadata append whose completion ends the sync phase.
    pub(crate) sync_append: Option<u64>,
    /// Committed offsets.
    pub offsets: BTreeMap<TopicPartition, OffsetAndMetadata>,
}

impl Group {
    /// An empty group stored in `partition`.
    pub fn new(group_id: String, partition: i32) -> Self {
        Group {
            group_id,
            partition,
            state: GroupState::Empty,
            generation_id: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            static_members: BTreeMap::new(),
            pending_members: BTreeMap::new(),
            rebalance_deadline_ms: 0,
            initial_rebalance: false,
            rebalance_started_ms: 0,
            sync_append: None,
            offsets: BTreeMap::new(),
        }
    }

    /// The longest rebalance timeout among members.
    pub(crate) fn rebalance_timeout_ms(&self) -> u64 {
        self.members.values().map(|m| m.rebalance_timeout_ms).max().unwrap_or(0)
    }

    /// Whether some protocol of `protocols` is supported by every member (or there are none).
    pub(crate) fn supports_any(&self, protocols: &[JoinGroupProtocol]) -> bool {
        self.members.is_empty()
            || protocols.iter().any(|p| self.members.values().all(|m| m.supports(&p.name)))
    }

    /// Kafka's protocol selection: the candidates every member supports; each member votes for its most
    /// preferred candidate; the most votes wins (ties: the earlier candidate of the first member).
    pub(crate) fn select_protocol(&self) -> Option<String> {
        let first = self.members.values().next()?;
        let candidates: Vec<&str> = first
            .protocols
            .iter()
            .map(|p| p.name.as_str())
            .filter(|name| self.members.values().all(|m| m.supports(name)))
            .collect();
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for member in self.members.values() {
            if let Some(choice) = member.protocols.iter().find(|p| candidates.contains(&p.name.as_str())) {
                *votes.entry(choice.name.as_str()).or_default() += 1;
            }
        }
        let best = votes.values().copied().max()?;
        candidates.into_iter().find(|c| votes.get(c) == Some(&best)).map(String::from)
    }

    /// The member id a static `group.instance.id` maps to.
    pub fn static_member(&self, instance_id: &str) -> Option<&str> {
        self.static_members.get(instance_id).map(String::as_str)
    }

    /// The earliest timer of this group.
    pub(crate) fn next_deadline_ms(&self) -> Option<u64> {
        let rebalance = (self.state == GroupState::PreparingRebalance).then_some(self.rebalance_deadline_ms);
        let sessions = self.members.values().filter(|m| !m.kept_alive()).map(|m| m.session_deadline_ms);
        let pending = self.pending_members.values().copied();
        rebalance.into_iter().chain(sessions).chain(pending).min()
    }
}

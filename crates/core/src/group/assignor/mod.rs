//! Partition assignors: pure functions from the group's subscriptions to an assignment, run by the
//! group leader (a consumer), as Kafka's `ConsumerPartitionAssignor`s are.
//!
//! - [`range`] — per topic, consecutive ranges to members in member-id order (`RangeAssignor`).
//! - [`round_robin`] — every partition in turn to the next subscribed member (`RoundRobinAssignor`).
//! - [`sticky`] — balanced, and keeping as many owned partitions as it can (`StickyAssignor`, KIP-54);
//!   `cooperative-sticky` is the same assignment with partitions that change owner held back for one
//!   round (`CooperativeStickyAssignor`, KIP-429), so each moves only after its old owner revoked it.
//!
//! Each assignor gives every member (even one with nothing) an entry, assigns each partition of a
//! subscribed topic exactly once, and never assigns a topic to a member not subscribed to it.

pub mod range;
pub mod round_robin;
pub mod sticky;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::group::consumer_protocol::Subscription;
use crate::replication::messages::TopicPartition;

/// `partition.assignment.strategy` values (Kafka accepts the short names and the class names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AssignmentStrategy {
    /// `range` (`org.apache.kafka.clients.consumer.RangeAssignor`).
    Range,
    /// `roundrobin` (`org.apache.kafka.clients.consumer.RoundRobinAssignor`).
    RoundRobin,
    /// `sticky` (`org.apache.kafka.clients.consumer.StickyAssignor`).
    Sticky,
    /// `cooperative-sticky` (`org.apache.kafka.clients.consumer.CooperativeStickyAssignor`).
    CooperativeSticky,
}

/// How a rebalance treats owned partitions (KIP-429).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RebalanceProtocol {
    /// Every member revokes everything before rejoining (stop the world).
    Eager,
    /// Members keep their partitions while rebalancing; only partitions that move are revoked, and
    /// they are assigned to their new owner in a second rebalance.
    Cooperative,
}

impl AssignmentStrategy {
    /// Every strategy, in Kafka's documentation order.
    pub const ALL: [AssignmentStrategy; 4] = [
        AssignmentStrategy::Range,
        AssignmentStrategy::RoundRobin,
        AssignmentStrategy::Sticky,
        AssignmentStrategy::CooperativeSticky,
    ];

    /// The protocol name members put in JoinGroup (Kafka's `ConsumerPartitionAssignor.name()`).
    pub fn name(self) -> &'static str {
        match self {
            AssignmentStrategy::Range => "range",
            AssignmentStrategy::RoundRobin => "roundrobin",
            AssignmentStrategy::Sticky => "sticky",
            AssignmentStrategy::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// The class name Kafka's config also accepts.
    pub fn class_name(self) -> &'static str {
        match self {
            AssignmentStrategy::Range => "org.apache.kafka.clients.consumer.RangeAssignor",
            AssignmentStrategy::RoundRobin => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            AssignmentStrategy::Sticky => "org.apache.kafka.clients.consumer.StickyAssignor",
            AssignmentStrategy::CooperativeSticky => {
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
            }
        }
    }

    /// The strategy for a protocol name or class name, if known.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name || s.class_name() == name)
    }

    /// The rebalance protocol the strategy supports (cooperative-sticky also supports eager, but a group
    /// whose members all list it rebalances cooperatively, KIP-429).
    pub fn protocol(self) -> RebalanceProtocol {
        match self {
            AssignmentStrategy::CooperativeSticky => RebalanceProtocol::Cooperative,
            _ => RebalanceProtocol::Eager,
        }
    }
}

/// One member's input to an assignor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSubscription {
    /// The member id.
    pub member_id: String,
    /// Its `group.instance.id` (static members sort by it, KIP-345, so a restart keeps the same order).
    pub group_instance_id: Option<String>,
    /// What it subscribes to and owns.
    pub subscription: Subscription,
}

impl MemberSubscription {
    /// The key members are ordered by: `group.instance.id` when static, else the member id.
    pub fn sort_key(&self) -> &str {
        self.group_instance_id.as_deref().unwrap_or(&self.member_id)
    }

    /// Whether the member subscribes to `topic`.
    pub fn subscribes(&self, topic: &str) -> bool {
        self.subscription.topics.iter().any(|t| t == topic)
    }
}

/// Member id → its partitions, sorted. Every member has an entry.
pub type GroupAssignment = BTreeMap<String, Vec<TopicPartition>>;

/// Runs `strategy` over `members`, with `partitions_per_topic` giving each topic's partition count
/// (topics missing from it have no partitions to assign).
pub fn assign(
    strategy: AssignmentStrategy,
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> GroupAssignment {
    let mut assignment = match strategy {
        AssignmentStrategy::Range => range::assign(partitions_per_topic, members),
        AssignmentStrategy::RoundRobin => round_robin::assign(partitions_per_topic, members),
        AssignmentStrategy::Sticky => sticky::assign(partitions_per_topic, members),
        AssignmentStrategy::CooperativeSticky => {
            let target = sticky::assign(partitions_per_topic, members);
            sticky::withhold_moving_partitions(target, members)
        }
    };
    for member in members {
        assignment.entry(member.member_id.clone()).or_default();
    }
    for partitions in assignment.values_mut() {
        partitions.sort();
    }
    assignment
}

/// Members sorted by [`MemberSubscription::sort_key`].
pub(crate) fn sorted_members(members: &[MemberSubscription]) -> Vec<&MemberSubscription> {
    let mut sorted: Vec<&MemberSubscription> = members.iter().collect();
    sorted.sort_by(|a, b| a.sort_key().cmp(b.sort_key()).then_with(|| a.member_id.cmp(&b.member_id)));
    sorted
}

/// Every partition of the topics some member subscribes to, sorted by topic then partition.
pub(crate) fn subscribed_partitions(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> Vec<TopicPartition> {
    partitions_per_topic
        .iter()
        .filter(|(topic, _)| members.iter().any(|m| m.subscribes(topic)))
        .flat_map(|(topic, &count)| {
            (0..count.max(0)).map(move |partition| TopicPartition { topic: topic.clone(), partition })
        })
        .collect()
}

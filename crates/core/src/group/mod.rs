//! Consumer groups: the messages of Kafka's classic group protocol, the consumer protocol's
//! subscription and assignment encoding, and the partition assignors.
//!
//! Map:
//! - [`messages`] — FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
//!   OffsetFetch, ListOffsets, and the broker → controller CreateTopic used for `__consumer_offsets`.
//! - [`consumer_protocol`] — `ConsumerProtocolSubscription` / `Assignment` bytes (v0–v3).
//! - [`assignor`] — `range`, `roundrobin`, `sticky`, `cooperative-sticky` as pure functions.

pub mod assignor;
pub mod consumer_protocol;
pub mod coordinator;
pub mod messages;

/// The internal topic that holds committed offsets and group metadata.
pub const CONSUMER_OFFSETS_TOPIC: &str = "__consumer_offsets";

/// The `__consumer_offsets` partition whose leader coordinates `group_id`: Kafka's
/// `Utils.abs(groupId.hashCode) % offsets.topic.num.partitions`, with Java's `String.hashCode` over
/// UTF-16 code units, so samsa places a group where Kafka would.
pub fn partition_for_group(group_id: &str, offsets_topic_partitions: i32) -> i32 {
    let mut hash: i32 = 0;
    for unit in group_id.encode_utf16() {
        hash = hash.wrapping_mul(31).wrapping_add(i32::from(unit));
    }
    // Kafka's Utils.abs maps i32::MIN to 0 (`n & 0x7fffffff`).
    let positive = hash & 0x7fff_ffff;
    positive % offsets_topic_partitions.max(1)
}

/// A group's state on its coordinator (Kafka's classic `GroupState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupState {
    /// No members (offsets may still be stored).
    Empty,
    /// Waiting for members to (re)join.
    PreparingRebalance,
    /// Joined; waiting for the leader's assignment.
    CompletingRebalance,
    /// Every member has its assignment.
    Stable,
    /// Removed (its coordinator moved, or it expired).
    Dead,
}

impl GroupState {
    /// Kafka's name (`PreparingRebalance`…), as `kafka-consumer-groups.sh --describe --state` prints it.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

/// Why a coordinator removed a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberRemovedReason {
    /// No heartbeat for `session.timeout.ms`.
    SessionTimeout,
    /// It did not rejoin within the rebalance timeout (`max.poll.interval.ms`).
    RebalanceTimeout,
    /// It sent LeaveGroup.
    Left,
    /// A static member with the same `group.instance.id` replaced it (KIP-345).
    ReplacedByStaticMember,
    /// A new member that never completed its join (KIP-394's pending member) timed out.
    PendingJoinExpired,
}

impl MemberRemovedReason {
    /// A short phrase for traces and the playground.
    pub fn describe(self) -> &'static str {
        match self {
            MemberRemovedReason::SessionTimeout => "session timeout",
            MemberRemovedReason::RebalanceTimeout => "did not rejoin within the rebalance timeout",
            MemberRemovedReason::Left => "left the group",
            MemberRemovedReason::ReplacedByStaticMember => {
                "replaced by a static member with its group.instance.id"
            }
            MemberRemovedReason::PendingJoinExpired => "pending join expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_land_where_kafka_puts_them() {
        // Java: "my-group".hashCode() == -1_906_497_762; & 0x7fffffff == 240_985_886; % 50 == 36.
        assert_eq!(partition_for_group("my-group", 50), 36);
        assert_eq!(partition_for_group("", 50), 0);
        assert_eq!(partition_for_group("anything", 1), 0);
        assert_eq!(partition_for_group("anything", 0), 0);
    }
}

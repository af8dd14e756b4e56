//! `RangeAssignor`: per topic, the subscribed members in order each get a consecutive range of
//! partitions; the first `partitions % members` get one more. With several topics the same members
//! get the extra partitions of every topic, which is why range can be unbalanced across topics.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{sorted_members, GroupAssignment, MemberSubscription};
use crate::replication::messages::TopicPartition;

/// The range assignment (see the module docs).
pub fn assign(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> GroupAssignment {
    let mut assignment = GroupAssignment::new();
    let sorted = sorted_members(members);
    for (topic, &count) in partitions_per_topic {
        let subscribed: Vec<&MemberSubscription> =
            sorted.iter().copied().filter(|m| m.subscribes(topic)).collect();
        let Ok(member_count) = i32::try_from(subscribed.len()) else { continue };
        if member_count == 0 || count <= 0 {
            continue;
        }
        let (per_member, extra) = (count / member_count, count % member_count);
        let mut next = 0;
        for (index, member) in (0..).zip(subscribed) {
            let take = per_member + i32::from(index < extra);
            let partitions = assignment.entry(member.member_id.clone()).or_default();
            partitions.extend(
                (next..next + take).map(|partition| TopicPartition { topic: topic.clone(), partition }),
            );
            next += take;
        }
    }
    assignment
}

//! `RoundRobinAssignor`: every partition (sorted by topic, then partition) goes to the next member in
//! order that subscribes to its topic, so members with equal subscriptions differ by at most one.

use alloc::collections::BTreeMap;
use alloc::string::String;

use super::{sorted_members, subscribed_partitions, GroupAssignment, MemberSubscription};

/// The round-robin assignment (see the module docs).
pub fn assign(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> GroupAssignment {
    let mut assignment = GroupAssignment::new();
    let sorted = sorted_members(members);
    if sorted.is_empty() {
        return assignment;
    }
    let mut next = 0usize;
    for tp in subscribed_partitions(partitions_per_topic, members) {
        // Walk the circle from `next` to the first member subscribed to this topic.
        let found = (0..sorted.len())
            .map(|step| (next + step) % sorted.len())
            .find(|&i| sorted[i].subscribes(&tp.topic));
        if let Some(index) = found {
            assignment.entry(sorted[index].member_id.clone()).or_default().push(tp);
            next = (index + 1) % sorted.len();
        }
    }
    assignment
}

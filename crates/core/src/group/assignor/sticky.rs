//! `StickyAssignor` (KIP-54) and the cooperative adjustment of `CooperativeStickyAssignor` (KIP-429).
//!
//! Sticky: members keep the partitions they own (as their subscriptions list them) up to a balanced
//! share; the rest go to the least-loaded subscribed member; then partitions move from the most to
//! the least loaded member until no subscribed member has two more than another. When two members
//! claim one partition (a zombie and its replacement), the higher generation wins (KIP-792).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::{sorted_members, subscribed_partitions, GroupAssignment, MemberSubscription};
use crate::replication::messages::TopicPartition;

/// Who owns what now: each valid claim (the partition exists, the member still subscribes to its
/// topic), higher generation first, then member order.
pub(crate) fn current_owners(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> BTreeMap<TopicPartition, String> {
    let mut claimants = sorted_members(members);
    claimants.sort_by_key(|m| core::cmp::Reverse(m.subscription.generation_id));
    let mut owners = BTreeMap::new();
    for member in claimants {
        for tp in &member.subscription.owned_partitions {
            let exists = partitions_per_topic.get(&tp.topic).is_some_and(|&n| (0..n).contains(&tp.partition));
            if exists && member.subscribes(&tp.topic) {
                owners.entry(tp.clone()).or_insert_with(|| member.member_id.clone());
            }
        }
    }
    owners
}

/// The sticky assignment (see the module docs).
pub fn assign(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> GroupAssignment {
    let sorted = sorted_members(members);
    let mut assignment: GroupAssignment = sorted.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
    if sorted.is_empty() {
        return assignment;
    }
    let all = subscribed_partitions(partitions_per_topic, members);
    let cap = all.len().div_ceil(sorted.len());
    // 1. Keep owned partitions, up to the balanced share.
    let mut assigned = BTreeSet::new();
    for (tp, owner) in current_owners(partitions_per_topic, members) {
        if let Some(partitions) = assignment.get_mut(&owner) {
            if partitions.len() < cap {
                partitions.push(tp.clone());
                assigned.insert(tp);
            }
        }
    }
    // 2. The rest to the least-loaded subscribed member.
    for tp in all.iter().filter(|tp| !assigned.contains(*tp)) {
        let target = sorted
            .iter()
            .filter(|m| m.subscribes(&tp.topic))
            .min_by_key(|m| assignment.get(&m.member_id).map_or(0, Vec::len));
        if let Some(member) = target {
            if let Some(partitions) = assignment.get_mut(&member.member_id) {
                partitions.push(tp.clone());
            }
        }
    }
    // 3. Even out: move one partition at a time from a member with two more than a subscribed one.
    let limit = all.len().saturating_mul(sorted.len()).saturating_add(1);
    for _ in 0..limit {
        if !move_one(&sorted, &mut assignment) {
            break;
        }
    }
    assignment
}

/// Moves one partition from the most loaded member to a member with at least two fewer that
/// subscribes to its topic; false when none can move.
fn move_one(sorted: &[&MemberSubscription], assignment: &mut GroupAssignment) -> bool {
    let load = |a: &GroupAssignment, m: &MemberSubscription| a.get(&m.member_id).map_or(0, Vec::len);
    let mut by_load: Vec<&MemberSubscription> = sorted.to_vec();
    by_load.sort_by_key(|m| core::cmp::Reverse(load(assignment, m)));
    for from in &by_load {
        for to in by_load.iter().rev() {
            if load(assignment, to) + 1 >= load(assignment, from) {
                break;
            }
            let Some(partitions) = assignment.get(&from.member_id) else { continue };
            // The last partition the receiver can take (the most recently added stays stickiest first).
            let Some(index) = partitions.iter().rposition(|tp| to.subscribes(&tp.topic)) else { continue };
            let tp = assignment.get_mut(&from.member_id).map(|p| p.remove(index));
            if let (Some(tp), Some(target)) = (tp, assignment.get_mut(&to.member_id)) {
                target.push(tp);
                return true;
            }
        }
    }
    false
}

/// KIP-429's adjustment: a partition whose owner changes is left out of its new owner's assignment
/// this round; its old owner, not finding it in its own, revokes it and rejoins, and the next
/// rebalance assigns it. Partitions nobody owns now are assigned at once.
pub fn withhold_moving_partitions(
    mut target: GroupAssignment,
    members: &[MemberSubscription],
) -> GroupAssignment {
    let mut owners: BTreeMap<&TopicPartition, &str> = BTreeMap::new();
    for member in members {
        for tp in &member.subscription.owned_partitions {
            owners.entry(tp).or_insert(&member.member_id);
        }
    }
    for (member_id, partitions) in &mut target {
        partitions.retain(|tp| owners.get(tp).is_none_or(|owner| *owner == member_id.as_str()));
    }
    target
}

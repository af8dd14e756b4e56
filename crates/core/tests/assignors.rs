//! The partition assignors as pure functions, checked on random groups (proptest): every partition of a
//! subscribed topic goes to exactly one subscribed member; identical subscriptions are balanced within
//! one; sticky moves only what the new balance requires; cooperative-sticky never hands a partition to
//! a member while another member still owns it (KIP-429). Plus the javadoc examples.

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use samsa_core::group::assignor::{assign, AssignmentStrategy, GroupAssignment, MemberSubscription};
use samsa_core::group::consumer_protocol::Subscription;
use samsa_core::replication::messages::TopicPartition;

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition { topic: topic.into(), partition }
}

fn member(id: &str, topics: &[&str], owned: Vec<TopicPartition>) -> MemberSubscription {
    MemberSubscription {
        member_id: id.into(),
        group_instance_id: None,
        subscription: Subscription {
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned_partitions: owned,
            generation_id: 1,
            ..Subscription::default()
        },
    }
}

fn counts(topics: &[(&str, i32)]) -> BTreeMap<String, i32> {
    topics.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

/// Every partition of a subscribed topic exactly once, only to subscribers; every member listed.
fn check_complete(
    partitions: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
    result: &GroupAssignment,
) {
    assert_eq!(result.len(), members.len(), "every member has an entry");
    let mut seen = BTreeSet::new();
    for (member_id, tps) in result {
        let m = members.iter().find(|m| &m.member_id == member_id).expect("a known member");
        for tp in tps {
            assert!(m.subscribes(&tp.topic), "{member_id} got {tp:?} without subscribing");
            assert!(seen.insert(tp.clone()), "{tp:?} assigned twice");
        }
    }
    for (topic, &n) in partitions {
        if members.iter().any(|m| m.subscribes(topic)) {
            for p in 0..n {
                assert!(seen.contains(&tp(topic, p)), "{topic}-{p} unassigned");
            }
        }
    }
}

fn spread(result: &GroupAssignment) -> usize {
    let sizes: Vec<usize> = result.values().map(Vec::len).collect();
    sizes.iter().max().unwrap_or(&0) - sizes.iter().min().unwrap_or(&0)
}

#[test]
fn range_follows_the_javadoc_example() {
    let partitions = counts(&[("t0", 3), ("t1", 3)]);
    let members = [member("C0", &["t0", "t1"], vec![]), member("C1", &["t0", "t1"], vec![])];
    let result = assign(AssignmentStrategy::Range, &partitions, &members);
    assert_eq!(result["C0"], vec![tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)]);
    assert_eq!(result["C1"], vec![tp("t0", 2), tp("t1", 2)]);
}

#[test]
fn round_robin_follows_the_javadoc_example() {
    let partitions = counts(&[("t0", 3), ("t1", 3)]);
    let members = [member("C0", &["t0", "t1"], vec![]), member("C1", &["t0", "t1"], vec![])];
    let result = assign(AssignmentStrategy::RoundRobin, &partitions, &members);
    assert_eq!(result["C0"], vec![tp("t0", 0), tp("t0", 2), tp("t1", 1)]);
    assert_eq!(result["C1"], vec![tp("t0", 1), tp("t1", 0), tp("t1", 2)]);
}

#[test]
fn sticky_keeps_owned_partitions_and_spreads_the_rest() {
    let partitions = counts(&[("t", 6)]);
    let members = [
        member("A", &["t"], vec![tp("t", 0), tp("t", 1)]),
        member("B", &["t"], vec![tp("t", 2), tp("t", 3)]),
    ];
    let result = assign(AssignmentStrategy::Sticky, &partitions, &members);
    for (member_id, kept) in [("A", [tp("t", 0), tp("t", 1)]), ("B", [tp("t", 2), tp("t", 3)])] {
        assert!(
            kept.iter().all(|tp| result[member_id].contains(tp)),
            "{member_id} kept its partitions: {result:?}"
        );
    }
    assert_eq!(spread(&result), 0);
}

fn group_strategy() -> impl Strategy<Value = (Vec<(String, i32)>, Vec<Vec<usize>>)> {
    (1usize..4, 1usize..7).prop_flat_map(|(topic_count, member_count)| {
        let topics = proptest::collection::vec(0i32..9, topic_count)
            .prop_map(|ns| ns.into_iter().enumerate().map(|(i, n)| (format!("t{i}"), n)).collect::<Vec<_>>());
        let subs = proptest::collection::vec(
            proptest::collection::vec(0..topic_count, 1..=topic_count),
            member_count,
        );
        (topics, subs)
    })
}

fn build(topics: &[(String, i32)], subs: &[Vec<usize>]) -> (BTreeMap<String, i32>, Vec<MemberSubscription>) {
    let partitions: BTreeMap<String, i32> = topics.iter().cloned().collect();
    let members = subs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let names: Vec<&str> = s.iter().map(|&t| topics[t].0.as_str()).collect();
            member(&format!("m{i}"), &names, vec![])
        })
        .collect();
    (partitions, members)
}

proptest! {
    #[test]
    fn every_assignor_assigns_each_partition_once_to_a_subscriber((topics, subs) in group_strategy()) {
        let (partitions, members) = build(&topics, &subs);
        for strategy in AssignmentStrategy::ALL {
            let result = assign(strategy, &partitions, &members);
            check_complete(&partitions, &members, &result);
            prop_assert_eq!(&result, &assign(strategy, &partitions, &members), "deterministic");
        }
    }

    #[test]
    fn identical_subscriptions_are_balanced_within_one(partition_count in 0i32..40, member_count in 1usize..8) {
        let partitions = counts(&[("t", partition_count)]);
        let members: Vec<MemberSubscription> = (0..member_count).map(|i| member(&format!("m{i}"), &["t"], vec![])).collect();
        for strategy in AssignmentStrategy::ALL {
            let result = assign(strategy, &partitions, &members);
            prop_assert!(spread(&result) <= 1, "{:?}: {:?}", strategy, result);
        }
    }

    #[test]
    fn sticky_moves_only_what_the_new_balance_requires(partition_count in 1i32..40, member_count in 1usize..7, add in proptest::bool::ANY) {
        let partitions = counts(&[("t", partition_count)]);
        let fresh: Vec<MemberSubscription> = (0..member_count).map(|i| member(&format!("m{i}"), &["t"], vec![])).collect();
        let before = assign(AssignmentStrategy::Sticky, &partitions, &fresh);
        // Members now own what they got; one joins (or the last one leaves).
        let mut members: Vec<MemberSubscription> =
            fresh.iter().map(|m| member(&m.member_id, &["t"], before[&m.member_id].clone())).collect();
        if add {
            members.push(member("new", &["t"], vec![]));
        } else if members.len() > 1 {
            members.pop();
        }
        let after = assign(AssignmentStrategy::Sticky, &partitions, &members);
        check_complete(&partitions, &members, &after);
        prop_assert!(spread(&after) <= 1);
        // The fewest moves: each staying member keeps up to its quota, larger owners taking the ceil slots.
        let total = partition_count as usize;
        let n = members.len();
        let (floor, ceil_slots) = (total / n, total % n);
        let mut owned: Vec<usize> = members.iter().map(|m| m.subscription.owned_partitions.len()).collect();
        owned.sort_unstable_by(|a, b| b.cmp(a));
        let kept_max: usize = owned.iter().enumerate().map(|(i, &o)| o.min(floor + usize::from(i < ceil_slots))).sum();
        let kept: usize = members
            .iter()
            .map(|m| m.subscription.owned_partitions.iter().filter(|tp| after[&m.member_id].contains(tp)).count())
            .sum();
        prop_assert_eq!(kept, kept_max, "moved more than needed: {:?} -> {:?}", before, after);
    }

    #[test]
    fn cooperative_never_gives_a_partition_another_member_still_owns(partition_count in 1i32..30, member_count in 1usize..6) {
        let partitions = counts(&[("t", partition_count)]);
        let fresh: Vec<MemberSubscription> = (0..member_count).map(|i| member(&format!("m{i}"), &["t"], vec![])).collect();
        let before = assign(AssignmentStrategy::CooperativeSticky, &partitions, &fresh);
        let mut members: Vec<MemberSubscription> =
            fresh.iter().map(|m| member(&m.member_id, &["t"], before[&m.member_id].clone())).collect();
        members.push(member("new", &["t"], vec![]));
        let round1 = assign(AssignmentStrategy::CooperativeSticky, &partitions, &members);
        for (member_id, tps) in &round1 {
            for tp in tps {
                let other_owner = members.iter().find(|m| &m.member_id != member_id && m.subscription.owned_partitions.contains(tp));
                prop_assert!(other_owner.is_none(), "{} got {:?} while another member still owns it", member_id, tp);
            }
        }
        // Round 2: owners have revoked what they lost; the result is balanced and complete.
        let members2: Vec<MemberSubscription> =
            members.iter().map(|m| member(&m.member_id, &["t"], round1[&m.member_id].clone())).collect();
        let round2 = assign(AssignmentStrategy::CooperativeSticky, &partitions, &members2);
        check_complete(&partitions, &members2, &round2);
        prop_assert!(spread(&round2) <= 1);
    }
}

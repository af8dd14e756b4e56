//! Stories about leader failover: elections, truncation by leader epoch (KIP-101, KIP-279) against the
//! pre-KIP-101 high-watermark truncation, and unclean leader election.

extern crate alloc;

mod replication_support;

use replication_support::*;
use samsa_core::log::LogConfig;
use samsa_core::node::NodeId;
use samsa_core::replication::messages::{Acks, TopicPartition};
use samsa_core::replication::{BrokerConfig, TopicConfig};
use samsa_core::ErrorCode;

fn cluster(unsafe_truncate_to_high_watermark: bool) -> Cluster {
    Cluster::new(3, BrokerConfig { unsafe_truncate_to_high_watermark, ..BrokerConfig::default() })
}

/// Kafka's election rule: when the leader's broker is fenced, the first replica in assignment order
/// that is in the ISR and alive leads, at the next leader epoch; acknowledged writes survive.
#[test]
fn leader_crash_elects_the_preferred_isr_member_and_bumps_the_epoch() {
    let mut cluster = cluster(false);
    cluster.create_topic("orders", 1, 3, topic_config(2, false));
    let tp = Cluster::tp("orders", 0);
    let id = cluster.produce(1, &tp, Acks::All, &["a", "b"]);
    assert_answered(&cluster, id, ErrorCode::None);

    cluster.crash(1, false);
    cluster.advance(8_000);
    assert_eq!(cluster.state(&tp).leader, Some(1), "within broker.session.timeout.ms nothing changes");
    cluster.advance(2_000);
    let state = cluster.state(&tp);
    assert_eq!((state.leader, state.leader_epoch), (Some(2), 1));
    assert_eq!(state.isr, [2, 3], "the fenced broker left the ISR");
    assert_eq!(cluster.elections(&tp).last(), Some(&(Some(2), 1, false)));
    cluster.advance(2_100);
    assert_eq!(cluster.broker(2).partition(&tp).unwrap().role(), Role::Leader);
    assert_eq!(cluster.broker(3).partition(&tp).unwrap().role(), Role::Follower);
    assert_eq!(cluster.values(2, &tp), ["a", "b"]);

    let id = cluster.produce(2, &tp, Acks::All, &["c"]);
    assert_answered(&cluster, id, ErrorCode::None);
    // The old leader comes back as a follower and rejoins the ISR; the preferred replica does not
    // take leadership back by itself (that is auto.leader.rebalance.enable's job).
    cluster.restart(1);
    cluster.advance(5_000);
    let state = cluster.state(&tp);
    assert_eq!((state.leader, state.isr.clone()), (Some(2), vec![1, 2, 3]));
    assert_eq!(cluster.values(1, &tp), ["a", "b", "c"]);
}

/// Sets up KIP-101's first scenario: "a" and "b" are acknowledged (acks=all), and the followers
/// have both but still know a high watermark of 1 (the leader's HW reaches them with the next fetch).
fn acked_but_followers_know_an_older_high_watermark(cluster: &mut Cluster, tp: &TopicPartition) {
    let id = cluster.produce(1, tp, Acks::All, &["a"]);
    assert_answered(cluster, id, ErrorCode::None);
    let id = cluster.produce(1, tp, Acks::All, &["b"]);
    assert_answered(cluster, id, ErrorCode::None);
    for follower in [2, 3] {
        assert_eq!(cluster.log(follower, tp).log_end_offset(), 2);
        assert_eq!(cluster.broker(follower).partition(tp).unwrap().high_watermark(), 1);
    }
}

/// KIP-101 scenario 1 (message loss), in its KRaft form: the leader dies; the new leader (2) has "b"
/// but knows HW 1; broker 3 becomes its follower and, cut off from it, cannot fetch; then 2 dies too and
/// 3 is elected. Truncating 3 to its high watermark on becoming a follower would have thrown away the
/// acknowledged "b"; truncating by leader epoch keeps it.
fn scenario_one(unsafe_truncate_to_high_watermark: bool) -> Vec<String> {
    let mut cluster = cluster(unsafe_truncate_to_high_watermark);
    cluster.create_topic("orders", 1, 3, topic_config(1, false));
    let tp = Cluster::tp("orders", 0);
    acked_but_followers_know_an_older_high_watermark(&mut cluster, &tp);
    cluster.cut(NodeId::Broker(2), NodeId::Broker(3));
    cluster.crash(1, false);
    cluster.advance(12_000);
    assert_eq!(cluster.state(&tp).leader, Some(2));
    assert_eq!(cluster.broker(3).partition(&tp).unwrap().role(), Role::Follower);
    cluster.crash(2, false);
    cluster.advance(12_000);
    let state = cluster.state(&tp);
    assert_eq!((state.leader, state.leader_epoch), (Some(3), 2));
    cluster.values(3, &tp)
}

#[test]
fn kip_101_scenario_one_leader_epoch_truncation_keeps_acknowledged_records() {
    assert_eq!(scenario_one(false), ["a", "b"]);
}

#[test]
fn kip_101_scenario_one_high_watermark_truncation_loses_an_acknowledged_record() {
    assert_eq!(scenario_one(true), ["a"], "the pre-KIP-101 bug: acknowledged \"b\" is gone");
}

/// KIP-101 scenario 2 (replica divergence): after a power loss the only surviving ISR member comes back
/// without its unflushed tail and leads; the other replica, which still has that tail and a high
/// watermark past it, comes back as its follower. Truncating to the high watermark keeps the tail, so
/// the two logs hold different records at the same offset; truncating by leader epoch removes it.
fn scenario_two(unsafe_truncate_to_high_watermark: bool) -> (Vec<String>, Vec<String>) {
    let mut cluster =
        Cluster::new(2, BrokerConfig { unsafe_truncate_to_high_watermark, ..BrokerConfig::default() });
    let one_batch_bytes = batch(&["m1"]).len() as u32;
    // Every batch gets its own segment, so the unflushed (active) segment holds only the last one.
    let log = LogConfig { segment_bytes: one_batch_bytes + 8, ..LogConfig::default() };
    cluster.create_topic("orders", 1, 2, TopicConfig { log, ..topic_config(1, false) });
    let tp = Cluster::tp("orders", 0);
    for value in ["m1", "m2"] {
        let id = cluster.produce(1, &tp, Acks::All, &[value]);
        assert_answered(&cluster, id, ErrorCode::None);
    }
    // Both high watermarks reach 2 and are checkpointed.
    cluster.advance(6_000);
    assert_eq!(cluster.broker(2).partition(&tp).unwrap().high_watermark(), 2);

    // Broker 1 dies (its page cache survives: a process crash); broker 2 leads, then loses power.
    cluster.crash(1, false);
    cluster.advance(10_000);
    assert_eq!(cluster.state(&tp).leader, Some(2));
    cluster.crash(2, true);
    cluster.restart(2);
    cluster.advance(12_000);
    assert_eq!(cluster.values(2, &tp), ["m1"], "m2 was not flushed");
    assert_eq!(cluster.state(&tp).leader, Some(2), "the last ISR member leads again");
    let id = cluster.produce(2, &tp, Acks::All, &["m3"]);
    assert_answered(&cluster, id, ErrorCode::None);

    cluster.restart(1);
    cluster.advance(12_000);
    (cluster.values(1, &tp), cluster.values(2, &tp))
}

#[test]
fn kip_101_scenario_two_leader_epoch_truncation_prevents_divergence() {
    let (one, two) = scenario_two(false);
    assert_eq!(two, ["m1", "m3"]);
    assert_eq!(one, two, "broker 1 dropped m2 and copied m3");
}

#[test]
fn kip_101_scenario_two_high_watermark_truncation_diverges() {
    let (one, two) = scenario_two(true);
    assert_eq!(two, ["m1", "m3"]);
    assert_eq!(one, ["m1", "m2"], "the pre-KIP-101 bug: offset 1 is m2 on one replica and m3 on the other");
}

/// Records only the leader has (written with acks=1 while its follower was cut off), and the follower
/// out of the ISR after replica.lag.time.max.ms; then the leader dies.
fn leader_alone_with_records(unclean: bool) -> (Cluster, TopicPartition) {
    let mut cluster = cluster(false);
    cluster.create_topic("orders", 1, 2, topic_config(1, unclean));
    let tp = Cluster::tp("orders", 0);
    let replicas = cluster.state(&tp).replicas;
    assert_eq!(replicas, [1, 2]);
    let id = cluster.produce(1, &tp, Acks::All, &["shared"]);
    assert_answered(&cluster, id, ErrorCode::None);
    cluster.cut(NodeId::Broker(1), NodeId::Broker(2));
    let id = cluster.produce(1, &tp, Acks::Leader, &["only-on-1"]);
    assert_answered(&cluster, id, ErrorCode::None);
    // Kafka's isCaughtUp: only a follower behind the leader's log end can fall out of sync.
    cluster.advance(50_000);
    assert_eq!(cluster.state(&tp).isr, [1]);
    cluster.crash(1, false);
    cluster.advance(10_000);
    (cluster, tp)
}

/// `unclean.leader.election.enable=false` (the default): with the only ISR member dead, the partition
/// stays offline rather than lose data; the ISR keeps its last member, which leads again on return.
#[test]
fn unclean_election_off_leaves_the_partition_offline_until_the_isr_member_returns() {
    let (mut cluster, tp) = leader_alone_with_records(false);
    let state = cluster.state(&tp);
    assert_eq!((state.leader, state.isr.clone()), (None, vec![1]));
    assert_eq!(cluster.controller.offline_partitions_count(), 1);
    let id = cluster.produce(2, &tp, Acks::Leader, &["x"]);
    assert_answered(&cluster, id, ErrorCode::NotLeaderOrFollower);

    cluster.heal();
    cluster.restart(1);
    cluster.advance(6_000);
    assert_eq!(cluster.state(&tp).leader, Some(1));
    assert_eq!(cluster.controller.offline_partitions_count(), 0);
    assert_eq!(cluster.values(1, &tp), ["shared", "only-on-1"]);
}

/// `unclean.leader.election.enable=true`: the out-of-sync replica leads (epoch bumped, ISR = itself)
/// and the records only the old leader had are lost — it truncates them when it comes back.
#[test]
fn unclean_election_on_lets_an_out_of_sync_replica_lead_and_loses_data() {
    let (mut cluster, tp) = leader_alone_with_records(true);
    let state = cluster.state(&tp);
    assert_eq!((state.leader, state.isr.clone()), (Some(2), vec![2]));
    assert_eq!(cluster.elections(&tp).last(), Some(&(Some(2), state.leader_epoch, true)));
    cluster.advance(2_100);
    let id = cluster.produce(2, &tp, Acks::Leader, &["new"]);
    assert_answered(&cluster, id, ErrorCode::None);

    cluster.heal();
    cluster.restart(1);
    cluster.advance(12_000);
    assert_eq!(cluster.values(2, &tp), ["shared", "new"]);
    assert_eq!(cluster.values(1, &tp), ["shared", "new"], "only-on-1 was truncated away");
    assert_eq!(cluster.state(&tp).isr, [1, 2]);
}

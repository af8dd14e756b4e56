//! Stories about a follower's requests that get no answer: an OffsetsForLeaderEpoch (or its answer)
//! lost right after a leader change, a fetch lost mid-stream. In Kafka a lost request means the
//! connection broke: the `NetworkClient` fails it, the fetcher backs off `replica.fetch.backoff.ms`
//! and asks again (Kafka's `AbstractFetcherThread`), so the follower truncates, catches up, and the
//! leader's high watermark moves on. A follower that waited for an answer that never comes would stay in
//! the ISR with an unknown log end offset and hold the high watermark (and every `acks=all` write) back.

extern crate alloc;

mod replication_support;

use replication_support::*;
use samsa_core::node::NodeId;
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::{Acks, Message, TopicPartition};
use samsa_core::replication::BrokerConfig;
use samsa_core::ErrorCode;

fn is_offsets_for_leader_epoch(message: &Message) -> bool {
    matches!(message, Message::OffsetsForLeaderEpoch { .. })
}

fn is_offsets_for_leader_epoch_response(message: &Message) -> bool {
    matches!(message, Message::OffsetsForLeaderEpochResponse { .. })
}

fn is_fetch(message: &Message) -> bool {
    matches!(message, Message::Fetch(_))
}

/// Three brokers, `orders/0` on all of them with `min.insync.replicas=2`, "a" acknowledged by all.
fn cluster_with_one_acked_record() -> (Cluster, TopicPartition) {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("orders", 1, 3, topic_config(2, false));
    let tp = Cluster::tp("orders", 0);
    let id = cluster.produce(1, &tp, Acks::All, &["a"]);
    assert_answered(&cluster, id, ErrorCode::None);
    (cluster, tp)
}

/// Crashes the leader (broker 1) and waits until broker 2 leads at epoch 1 and broker 3 follows it.
fn fail_over_to_broker_2(cluster: &mut Cluster, tp: &TopicPartition) {
    cluster.crash(1, false);
    cluster.advance(12_000);
    let state = cluster.state(tp);
    assert_eq!((state.leader, state.leader_epoch, state.isr.clone()), (Some(2), 1, vec![2, 3]));
    assert_eq!(cluster.broker(2).partition(tp).unwrap().role(), Role::Leader);
    assert_eq!(cluster.broker(3).partition(tp).unwrap().role(), Role::Follower);
}

/// After the leader change, an `acks=all` write to broker 2 is acknowledged within a few seconds —
/// far less than `request.timeout.ms` (30 s) — and broker 3 holds it.
fn assert_isr_follows_broker_2(cluster: &mut Cluster, tp: &TopicPartition) {
    let id = cluster.produce_with_timeout(2, tp, Acks::All, &["b"], 10_000);
    cluster.advance(5_000);
    assert_answered(cluster, id, ErrorCode::None);
    assert_eq!(cluster.values(3, tp), ["a", "b"]);
    assert_eq!(cluster.broker(2).partition(tp).unwrap().high_watermark(), 2);
    assert_eq!(cluster.broker(3).partition(tp).unwrap().high_watermark(), 2);
}

/// KIP-101/KIP-279: a new follower asks the new leader where its epoch ends before fetching. When that
/// question is lost (the leader was unreachable the moment it went out), the follower asks again after
/// `replica.fetch.backoff.ms` instead of waiting forever — or for `request.timeout.ms`, which is as long
/// as the leader keeps it in the ISR (`replica.lag.time.max.ms`) while the high watermark stands still.
#[test]
fn a_lost_offsets_for_leader_epoch_is_asked_again_and_the_high_watermark_moves() {
    let (mut cluster, tp) = cluster_with_one_acked_record();
    cluster.drop_next(NodeId::Broker(3), NodeId::Broker(2), is_offsets_for_leader_epoch);
    fail_over_to_broker_2(&mut cluster, &tp);
    assert_eq!(cluster.pending_drops(), 0, "broker 3's first question to the new leader was lost");
    assert_isr_follows_broker_2(&mut cluster, &tp);
}

/// The same when the leader's answer is the one lost.
#[test]
fn a_lost_offsets_for_leader_epoch_answer_is_asked_again() {
    let (mut cluster, tp) = cluster_with_one_acked_record();
    cluster.drop_next(NodeId::Broker(2), NodeId::Broker(3), is_offsets_for_leader_epoch_response);
    fail_over_to_broker_2(&mut cluster, &tp);
    assert_eq!(cluster.pending_drops(), 0, "the new leader's first answer to broker 3 was lost");
    assert_isr_follows_broker_2(&mut cluster, &tp);
}

/// A follower's fetch lost mid-stream is sent again once the leader's answer is overdue (the leader
/// owes one within `replica.fetch.wait.max.ms`), so an `acks=all` write waits about a second, not 30.
#[test]
fn a_lost_fetch_is_sent_again() {
    let (mut cluster, tp) = cluster_with_one_acked_record();
    cluster.drop_next(NodeId::Broker(3), NodeId::Broker(1), is_fetch);
    // The long poll in progress ends within `replica.fetch.wait.max.ms`; the next one is lost.
    cluster.advance(600);
    assert_eq!(cluster.pending_drops(), 0, "broker 3's long poll was lost");
    let id = cluster.produce_with_timeout(1, &tp, Acks::All, &["b"], 10_000);
    cluster.advance(3_000);
    assert_answered(&cluster, id, ErrorCode::None);
    assert_eq!(cluster.values(3, &tp), ["a", "b"]);
}

/// KIP-101: the old leader comes back holding an unacknowledged record ("x", acks=1, never
/// replicated). Its first question to the new leader is lost; it asks again, truncates "x" away, takes
/// the new leader's "b" and rejoins the ISR.
#[test]
fn a_returning_leader_whose_question_is_lost_still_truncates_its_tail() {
    let (mut cluster, tp) = cluster_with_one_acked_record();
    cluster.cut(NodeId::Broker(1), NodeId::Broker(2));
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    let id = cluster.produce(1, &tp, Acks::Leader, &["x"]);
    assert_answered(&cluster, id, ErrorCode::None);
    assert_eq!(cluster.values(1, &tp), ["a", "x"]);
    fail_over_to_broker_2(&mut cluster, &tp);
    cluster.heal();
    let id = cluster.produce(2, &tp, Acks::All, &["b"]);
    assert_answered(&cluster, id, ErrorCode::None);

    cluster.drop_next(NodeId::Broker(1), NodeId::Broker(2), is_offsets_for_leader_epoch);
    cluster.restart(1);
    cluster.advance(5_000);
    assert_eq!(cluster.pending_drops(), 0, "broker 1's first question to the new leader was lost");
    assert_eq!(cluster.values(1, &tp), ["a", "b"], "the unacknowledged \"x\" is gone, \"b\" is copied");
    let truncated = cluster
        .events
        .iter()
        .any(|e| matches!(e, ReplicationEvent::Truncated { broker: 1, from_offset: 2, to_offset: 1, .. }));
    assert!(truncated, "broker 1 truncated from its epoch-0 end");
    assert_eq!(cluster.state(&tp).isr, [1, 2, 3], "broker 1 caught up and rejoined the ISR");
}

fn is_alter_partition(message: &Message) -> bool {
    matches!(message, Message::AlterPartition { .. })
}

/// KIP-497: a leader whose follower stopped fetching shrinks the ISR through the controller. When that
/// AlterPartition is lost, the leader asks again soon (Kafka's controller channel re-sends a request
/// whose connection broke) rather than after `request.timeout.ms`: until the shrink is committed the
/// leaving follower still counts (the maximal ISR), so the high watermark and `acks=all` wait on it.
#[test]
fn a_lost_isr_shrink_is_sent_again() {
    let (mut cluster, tp) = cluster_with_one_acked_record();
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    cluster.drop_next(NodeId::Broker(1), NodeId::Controller, is_alter_partition);
    let id = cluster.produce_with_timeout(1, &tp, Acks::All, &["b"], 120_000);
    // replica.lag.time.max.ms (30 s), checked every 15 s: the shrink goes out (and is lost) by 45 s.
    let mut waited_ms = 0;
    while cluster.pending_drops() > 0 {
        assert!(waited_ms < 46_000, "no ISR shrink after {waited_ms} ms");
        cluster.advance(100);
        waited_ms += 100;
    }
    assert!(cluster.produce_response(id).is_none(), "the ISR still holds broker 3");
    assert_eq!(cluster.state(&tp).isr, [1, 2, 3]);
    cluster.advance(3_000);
    assert_eq!(cluster.state(&tp).isr, [1, 2], "the shrink was sent again and committed");
    assert_answered(&cluster, id, ErrorCode::None);
    assert_eq!(cluster.broker(1).partition(&tp).unwrap().high_watermark(), 2);
}

/// A follower cut off from its leader for 25 s (less than `replica.lag.time.max.ms`, so it stays in
/// the ISR) keeps asking with a bounded wait between attempts: within seconds of the link healing it
/// fetches again and the `acks=all` write it was holding back is acknowledged.
#[test]
fn a_follower_cut_off_for_long_resumes_within_seconds_of_the_heal() {
    let (mut cluster, tp) = cluster_with_one_acked_record();
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    let id = cluster.produce_with_timeout(1, &tp, Acks::All, &["b"], 60_000);
    cluster.advance(25_000);
    assert!(cluster.produce_response(id).is_none(), "broker 3 is in the ISR and lacks \"b\"");
    assert_eq!(cluster.state(&tp).isr, [1, 2, 3]);
    cluster.heal();
    cluster.advance(7_000);
    assert_answered(&cluster, id, ErrorCode::None);
    assert_eq!(cluster.values(3, &tp), ["a", "b"]);
}

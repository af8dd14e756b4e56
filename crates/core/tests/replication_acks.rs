//! Stories about `acks`, `min.insync.replicas`, the ISR and the high watermark, on a 3-broker cluster
//! with instant FIFO delivery and a fake clock.

extern crate alloc;

mod replication_support;

use replication_support::*;
use samsa_core::node::NodeId;
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::Acks;
use samsa_core::replication::BrokerConfig;
use samsa_core::ErrorCode;

fn three_brokers(min_insync_replicas: u32) -> (Cluster, samsa_core::replication::messages::TopicPartition) {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("orders", 1, 3, topic_config(min_insync_replicas, false));
    let tp = Cluster::tp("orders", 0);
    assert_eq!(cluster.state(&tp).leader, Some(1), "broker 1 is the preferred leader");
    assert_eq!(cluster.broker(1).partition(&tp).unwrap().role(), Role::Leader);
    (cluster, tp)
}

/// Kafka's `acks=all`: the leader answers once the high watermark passed the batch, i.e. every ISR
/// member has it — and while one ISR member lags, it waits.
#[test]
fn acks_all_answers_only_once_both_followers_have_the_records() {
    let (mut cluster, tp) = three_brokers(2);
    let id = cluster.produce(1, &tp, Acks::All, &["a", "b"]);
    assert_answered(&cluster, id, ErrorCode::None);
    for broker in [1, 2, 3] {
        assert_eq!(cluster.values(broker, &tp), ["a", "b"], "broker {broker}");
    }
    assert_eq!(cluster.broker(1).partition(&tp).unwrap().high_watermark(), 2);

    // Broker 3 stops fetching (its link to the leader is cut): the next write waits for it.
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    let id = cluster.produce(1, &tp, Acks::All, &["c"]);
    cluster.advance(1_000);
    assert!(cluster.produce_response(id).is_none(), "the ISR still holds broker 3, so the write waits");
    assert_eq!(cluster.values(2, &tp), ["a", "b", "c"]);
    assert_eq!(cluster.broker(1).partition(&tp).unwrap().high_watermark(), 2);
}

/// `min.insync.replicas` (Kafka's `Partition.appendRecordsToLeader`): with fewer ISR members than
/// required, `acks=all` is refused before anything is appended; `acks=1` still works.
#[test]
fn not_enough_replicas_when_the_isr_is_below_min_insync_replicas() {
    let (mut cluster, tp) = three_brokers(2);
    cluster.crash(2, false);
    cluster.crash(3, false);
    // broker.session.timeout.ms later the controller fences them and shrinks the ISR to the leader.
    cluster.advance(10_000);
    assert_eq!(cluster.state(&tp).isr, [1]);
    let before = cluster.log(1, &tp).log_end_offset();
    let id = cluster.produce(1, &tp, Acks::All, &["x"]);
    assert_answered(&cluster, id, ErrorCode::NotEnoughReplicas);
    assert_eq!(cluster.log(1, &tp).log_end_offset(), before, "nothing appended");
    let id = cluster.produce(1, &tp, Acks::Leader, &["y"]);
    assert_answered(&cluster, id, ErrorCode::None);
}

/// `replica.lag.time.max.ms`: a follower that stops fetching leaves the ISR after 30 s (checked every
/// 15 s, Kafka's `isr-expiration` task), and rejoins once caught up (KIP-497: through AlterPartition).
#[test]
fn a_stopped_follower_leaves_the_isr_after_the_lag_time_and_rejoins_when_caught_up() {
    let (mut cluster, tp) = three_brokers(2);
    let start_ms = cluster.now_ms;
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    let held = cluster.produce(1, &tp, Acks::All, &["a"]);
    cluster.advance(29_000);
    assert_eq!(cluster.state(&tp).isr, [1, 2, 3], "not yet: lagging for less than 30 s");
    assert!(cluster.produce_response(held).is_none());
    // The producer's request.timeout.ms (30 s) ends first: REQUEST_TIMED_OUT, though "a" is in the log.
    cluster.advance(2_000);
    assert_answered(&cluster, held, ErrorCode::RequestTimedOut);
    cluster.advance(15_000);
    assert_eq!(cluster.state(&tp).isr, [1, 2], "shrunk by {} ms", cluster.now_ms - start_ms);
    let id = cluster.produce(1, &tp, Acks::All, &["b"]);
    assert_answered(&cluster, id, ErrorCode::None);

    // Broker 3 sends its unanswered fetch again within request.timeout.ms, catches up and rejoins.
    cluster.heal();
    cluster.advance(31_000);
    assert_eq!(cluster.state(&tp).isr, [1, 2, 3], "caught up, back in the ISR");
    assert_eq!(cluster.values(3, &tp), ["a", "b"]);
}

/// Kafka's `FetchIsolation.HIGH_WATERMARK`: a consumer never sees records at or above the high
/// watermark, and a long poll at the high watermark returns once it moves.
#[test]
fn consumer_fetch_never_returns_records_at_or_above_the_high_watermark() {
    let (mut cluster, tp) = three_brokers(1);
    cluster.produce(1, &tp, Acks::All, &["a", "b"]);
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    cluster.produce(1, &tp, Acks::Leader, &["c"]);
    cluster.produce(1, &tp, Acks::Leader, &["d"]);
    assert_eq!(cluster.log(1, &tp).log_end_offset(), 4);
    let high_watermark = cluster.broker(1).partition(&tp).unwrap().high_watermark();
    assert_eq!(high_watermark, 2, "broker 3 is still in the ISR and lacks c and d");

    let id = cluster.consumer_fetch(1, &tp, 0, 0);
    let response = cluster.fetch_response(id).unwrap();
    assert_eq!(response.error, ErrorCode::None);
    assert_eq!(response.high_watermark, 2);
    assert_eq!(decode_offsets(&response.records), [0, 1]);
    assert_eq!(decode_values(&response.records), ["a", "b"]);

    // At the high watermark: nothing yet; the long poll waits until broker 3 catches up.
    // Broker 3's lost fetch is sent again once the leader's answer is overdue: it was sent at most
    // replica.fetch.wait.max.ms (500 ms) ago and counts as lost replica.fetch.backoff.ms (1 s) after
    // that wait.
    let id = cluster.consumer_fetch(1, &tp, 2, 40_000);
    assert!(cluster.fetch_response(id).is_none(), "held in the fetch purgatory");
    cluster.heal();
    cluster.advance(900);
    assert!(cluster.fetch_response(id).is_none(), "still held: the high watermark has not moved");
    cluster.advance(1_100);
    let response = cluster.fetch_response(id).unwrap();
    assert_eq!(decode_values(&response.records), ["c", "d"]);
    assert!(decode_offsets(&response.records).iter().all(|&o| o < response.high_watermark));

    // Past the log end: OFFSET_OUT_OF_RANGE.
    let id = cluster.consumer_fetch(1, &tp, 9, 0);
    assert_eq!(cluster.fetch_response(id).unwrap().error, ErrorCode::OffsetOutOfRange);
}

/// KIP-497 / KIP-631: a leader cut off from the controller and its followers cannot commit anything:
/// its followers no longer fetch, and its AlterPartition to shrink the ISR never reaches the controller.
/// Once the controller has elected a new leader, the old one must never acknowledge an `acks=all`
/// write.
#[test]
fn an_isolated_leader_never_acks_acks_all_after_a_new_leader_is_elected() {
    let (mut cluster, tp) = three_brokers(2);
    let id = cluster.produce(1, &tp, Acks::All, &["before"]);
    assert_answered(&cluster, id, ErrorCode::None);

    cluster.isolate(NodeId::Broker(1));
    let during = cluster.produce(1, &tp, Acks::All, &["lost-1"]);
    cluster.advance(10_000);
    let state = cluster.state(&tp);
    assert_eq!(state.leader, Some(2), "the controller fenced broker 1 and elected the preferred ISR member");
    assert_eq!(state.leader_epoch, 1);
    let after = cluster.produce(1, &tp, Acks::All, &["lost-2"]);
    cluster.advance(60_000);

    for id in [during, after] {
        assert_answered(&cluster, id, ErrorCode::RequestTimedOut);
    }
    // The clients that follow the new leader write there safely.
    let id = cluster.produce(2, &tp, Acks::All, &["after"]);
    assert_answered(&cluster, id, ErrorCode::None);
    assert_eq!(cluster.values(2, &tp), ["before", "after"]);
}

/// Every queue has a limit: with `max_delayed_produces_per_partition` writes already waiting for the
/// ISR, one more acks=all write is refused at once with `REQUEST_TIMED_OUT` (retriable) and a
/// `DelayedRequestLimitReached` event, before anything is appended.
#[test]
fn a_full_produce_purgatory_refuses_the_next_acks_all_write() {
    let config = BrokerConfig { max_delayed_produces_per_partition: 1, ..BrokerConfig::default() };
    let mut cluster = Cluster::new(3, config);
    cluster.create_topic("orders", 1, 3, topic_config(2, false));
    let tp = samsa_core::replication::messages::TopicPartition { topic: "orders".into(), partition: 0 };
    cluster.cut(NodeId::Broker(1), NodeId::Broker(2));
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    let waiting = cluster.produce(1, &tp, Acks::All, &["a"]);
    let refused = cluster.produce(1, &tp, Acks::All, &["b"]);
    assert!(cluster.produce_response(waiting).is_none());
    assert_answered(&cluster, refused, ErrorCode::RequestTimedOut);
    assert_eq!(cluster.values(1, &tp), ["a"], "the refused write was not appended");
    assert!(cluster.events.iter().any(|e| matches!(
        e,
        ReplicationEvent::DelayedRequestLimitReached { purgatory: "produce", limit: 1, .. }
    )));
}

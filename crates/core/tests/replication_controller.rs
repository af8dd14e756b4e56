//! Stories about the controller and the edges of the leader's promises: AlterPartition fencing
//! (KIP-497), broker restarts and fencing (KIP-631), controller failover, KIP-320 epoch checks, and
//! `NOT_ENOUGH_REPLICAS_AFTER_APPEND`.

extern crate alloc;

mod replication_support;

use replication_support::*;
use samsa_core::node::{Effect, Node, NodeId};
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::{Acks, FetchRequest, Message, TopicPartition};
use samsa_core::replication::{BrokerConfig, Controller, ControllerConfig, TopicConfig};
use samsa_core::ErrorCode;

fn alter_partition_error(
    controller: &mut Controller,
    leader_epoch: i32,
    partition_epoch: i32,
    new_isr: &[i32],
) -> ErrorCode {
    let tp = Cluster::tp("t", 0);
    let message =
        Message::AlterPartition { broker: 1, tp, leader_epoch, partition_epoch, new_isr: new_isr.to_vec() };
    controller.on_message(0, NodeId::Broker(1), message);
    let answers: Vec<ErrorCode> = controller
        .take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send {
                to: NodeId::Broker(1),
                message: Message::AlterPartitionResponse { error, .. },
            } => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(answers.len(), 1, "one answer per AlterPartition");
    answers[0]
}

/// KIP-497: the controller commits an ISR change only from the current leader at the current leader
/// epoch and partition epoch, never to a fenced replica, and bumps the partition epoch when it does.
#[test]
fn alter_partition_is_fenced_by_both_epochs_and_by_broker_fencing() {
    let mut controller = Controller::new(ControllerConfig::default(), 0);
    controller.create_topic("t", 1, 3, TopicConfig::default(), &[1, 2, 3]).unwrap();
    let tp = Cluster::tp("t", 0);
    assert_eq!(controller.partition(&tp).unwrap().isr, [1, 2, 3]);

    assert_eq!(alter_partition_error(&mut controller, 0, 0, &[1, 2]), ErrorCode::None);
    let state = controller.partition(&tp).unwrap().clone();
    assert_eq!((state.isr.clone(), state.partition_epoch, state.leader_epoch), (vec![1, 2], 1, 0));
    assert_eq!(
        alter_partition_error(&mut controller, 0, 0, &[1]),
        ErrorCode::InvalidRequest,
        "stale partition epoch"
    );
    assert_eq!(alter_partition_error(&mut controller, -1, 1, &[1]), ErrorCode::FencedLeaderEpoch);
    assert_eq!(alter_partition_error(&mut controller, 5, 1, &[1]), ErrorCode::UnknownLeaderEpoch);
    assert_eq!(
        alter_partition_error(&mut controller, 0, 1, &[2, 3]),
        ErrorCode::InvalidRequest,
        "leader left out"
    );

    // Broker 3 misses its heartbeats: fenced, it may not rejoin the ISR.
    for broker in [1, 2] {
        let heartbeat = Message::BrokerHeartbeat { broker, metadata_offset: 0, incarnation_id: 0 };
        controller.on_message(8_000, NodeId::Broker(broker), heartbeat);
    }
    controller.on_tick(9_000);
    assert!(!controller.is_fenced(1) && !controller.is_fenced(2));
    assert!(controller.is_fenced(3));
    assert_eq!(alter_partition_error(&mut controller, 0, 1, &[1, 2, 3]), ErrorCode::InvalidRequest);
    assert_eq!(controller.partition(&tp).unwrap().isr, [1, 2]);
    controller.check_invariants().unwrap();
}

#[test]
fn create_topic_validates_like_kafka() {
    let mut controller = Controller::new(ControllerConfig::default(), 0);
    let config = TopicConfig::default();
    assert_eq!(
        controller.create_topic("bad name", 1, 1, config.clone(), &[1]),
        Err(ErrorCode::InvalidTopicException)
    );
    assert_eq!(controller.create_topic("t", 0, 1, config.clone(), &[1]), Err(ErrorCode::InvalidPartitions));
    assert_eq!(
        controller.create_topic("t", 1, 2, config.clone(), &[1]),
        Err(ErrorCode::InvalidReplicationFactor)
    );
    controller.create_topic("t", 2, 1, config.clone(), &[1, 2]).unwrap();
    assert_eq!(controller.create_topic("t", 1, 1, config, &[1]), Err(ErrorCode::TopicAlreadyExists));
    let leaders: Vec<_> = controller.partitions().map(|p| p.leader).collect();
    assert_eq!(leaders, [Some(1), Some(2)], "leaders spread round-robin");
}

/// KIP-631: a broker that restarts — even within `broker.session.timeout.ms` — announces a new
/// incarnation; the controller fences it and moves its leaderships away, because its log may have lost
/// an unflushed tail. It rejoins as a follower once it has caught up.
#[test]
fn a_restarted_leader_is_fenced_by_its_new_incarnation_and_rejoins_as_a_follower() {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("t", 1, 3, topic_config(2, false));
    let tp = Cluster::tp("t", 0);
    let id = cluster.produce(1, &tp, Acks::All, &["a"]);
    assert_answered(&cluster, id, ErrorCode::None);

    cluster.crash(1, true);
    cluster.restart(1);
    cluster.advance(100);
    let state = cluster.state(&tp);
    assert_eq!((state.leader, state.leader_epoch, state.isr.clone()), (Some(2), 1, vec![2, 3]));
    assert!(cluster.events.contains(&ReplicationEvent::BrokerFenced { broker: 1 }));
    cluster.advance(5_000);
    assert!(!cluster.broker(1).is_fenced());
    assert_eq!(cluster.state(&tp).isr, [1, 2, 3]);
    assert_eq!(cluster.values(1, &tp), ["a"], "copied back from the new leader");
}

/// A KRaft controller failover: while no controller answers, heartbeats are lost; the new active
/// controller restarts every session instead of fencing brokers for its own absence.
#[test]
fn controller_failover_does_not_fence_brokers() {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("t", 1, 3, topic_config(2, false));
    let fenced_before = fenced_count(&cluster);
    cluster.pause_controller();
    cluster.advance(20_000);
    cluster.resume_controller();
    cluster.advance(1_000);
    assert_eq!(fenced_count(&cluster), fenced_before);
    assert_eq!(cluster.state(&Cluster::tp("t", 0)).isr, [1, 2, 3]);
}

fn fenced_count(cluster: &Cluster) -> usize {
    cluster.events.iter().filter(|e| matches!(e, ReplicationEvent::BrokerFenced { .. })).count()
}

/// Kafka's `checkEnoughReplicasReachOffset`: an acks=all write accepted while the ISR was big enough,
/// which commits only after the ISR shrank below `min.insync.replicas`, is answered
/// `NOT_ENOUGH_REPLICAS_AFTER_APPEND` — it is in the log, but on fewer replicas than asked.
#[test]
fn a_write_committed_after_the_isr_shrank_is_not_enough_replicas_after_append() {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("t", 1, 3, topic_config(2, false));
    let tp = Cluster::tp("t", 0);
    cluster.cut(NodeId::Broker(1), NodeId::Broker(2));
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    let id = cluster.produce_with_timeout(1, &tp, Acks::All, &["a"], 120_000);
    cluster.advance(60_000);
    assert_eq!(cluster.state(&tp).isr, [1]);
    assert_answered(&cluster, id, ErrorCode::NotEnoughReplicasAfterAppend);
    assert_eq!(cluster.values(1, &tp), ["a"]);
}

/// KIP-320: fetches carry the fetcher's leader epoch; the leader refuses an older one
/// (`FENCED_LEADER_EPOCH`) and a newer one (`UNKNOWN_LEADER_EPOCH`). A broker without the partition
/// answers `UNKNOWN_TOPIC_OR_PARTITION`; a follower answers `NOT_LEADER_OR_FOLLOWER`.
#[test]
fn fetch_checks_the_leader_epoch_and_the_role() {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("t", 1, 3, topic_config(1, false));
    let tp = Cluster::tp("t", 0);
    let fetch = |cluster: &mut Cluster, to: i32, tp: &TopicPartition, current_leader_epoch: i32| {
        let request = FetchRequest {
            correlation_id: (1_000 + current_leader_epoch) as u64,
            replica_id: None,
            tp: tp.clone(),
            fetch_offset: 0,
            current_leader_epoch,
            max_wait_ms: 0,
            max_bytes: 1 << 20,
            min_bytes: 1,
            isolation_level: samsa_core::client::IsolationLevel::ReadUncommitted,
        };
        cluster.client_inbox.clear();
        cluster.send(to, Message::Fetch(request));
        match cluster.client_inbox.last() {
            Some(Message::FetchResponse(response)) => response.error,
            other => panic!("no fetch answer: {other:?}"),
        }
    };
    assert_eq!(fetch(&mut cluster, 1, &tp, 0), ErrorCode::None);
    assert_eq!(fetch(&mut cluster, 1, &tp, 1), ErrorCode::UnknownLeaderEpoch);
    cluster.crash(1, false);
    cluster.advance(12_000);
    assert_eq!(cluster.state(&tp).leader, Some(2));
    assert_eq!(fetch(&mut cluster, 2, &tp, 0), ErrorCode::FencedLeaderEpoch);
    assert_eq!(fetch(&mut cluster, 2, &tp, 1), ErrorCode::None);
    assert_eq!(fetch(&mut cluster, 3, &tp, 1), ErrorCode::NotLeaderOrFollower);
    assert_eq!(fetch(&mut cluster, 2, &Cluster::tp("nope", 0), -1), ErrorCode::UnknownTopicOrPartition);
}

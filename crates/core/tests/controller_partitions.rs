//! The controller grows a topic (CreatePartitions): new partitions with the topic's replication
//! factor, in the metadata log for the brokers, never fewer than today.

use samsa_core::replication::messages::MetadataChange;
use samsa_core::replication::{Controller, ControllerConfig, TopicConfig};
use samsa_core::ErrorCode;

#[test]
fn a_topic_grows_with_its_replication_factor_and_never_shrinks() {
    let brokers = [1, 2, 3];
    let mut controller = Controller::new(ControllerConfig::default(), 0);
    controller.create_topic("orders", 2, 2, TopicConfig::default(), &brokers).unwrap();
    let logged = controller.metadata_log().len();
    controller.create_partitions("orders", 5, &brokers).unwrap();
    let partitions: Vec<_> = controller.partitions().filter(|p| p.tp.topic == "orders").collect();
    assert_eq!(partitions.len(), 5);
    for p in &partitions {
        assert_eq!(p.replicas.len(), 2, "{p:?}");
        assert!(p.leader.is_some(), "{p:?}");
    }
    let added: Vec<i32> = controller.metadata_log()[logged..]
        .iter()
        .filter_map(|c| match c {
            MetadataChange::Partition(state) => Some(state.tp.partition),
            _ => None,
        })
        .collect();
    assert_eq!(added, [2, 3, 4]);
    assert_eq!(controller.create_partitions("orders", 5, &brokers), Err(ErrorCode::InvalidPartitions));
    assert_eq!(controller.create_partitions("orders", 3, &brokers), Err(ErrorCode::InvalidPartitions));
    assert_eq!(controller.create_partitions("nope", 3, &brokers), Err(ErrorCode::UnknownTopicOrPartition));
    assert_eq!(controller.create_partitions("orders", 9, &[1]), Err(ErrorCode::InvalidReplicationFactor));
}

#[test]
fn a_deleted_topic_leaves_the_controller_and_then_its_brokers() {
    use samsa_core::node::{Node, NodeId};
    use samsa_core::replication::messages::{Message, TopicPartition};
    use samsa_core::replication::{Broker, BrokerConfig};

    let brokers = [1];
    let mut controller = Controller::new(ControllerConfig::default(), 0);
    controller.create_topic("orders", 2, 1, TopicConfig::default(), &brokers).unwrap();
    let mut broker = Broker::new(1, BrokerConfig::default(), 0);
    let log = controller.metadata_log().to_vec();
    let offset = log.len() as u64;
    let heartbeat = |changes: Vec<MetadataChange>, metadata_offset| Message::BrokerHeartbeatResponse {
        fenced: false,
        changes,
        metadata_offset,
    };
    broker.on_message(1, NodeId::Controller, heartbeat(log, offset));
    let tp = TopicPartition { topic: "orders".into(), partition: 1 };
    assert!(broker.partition(&tp).is_some(), "the broker hosts orders-1");

    controller.delete_topic("orders").unwrap();
    assert_eq!(controller.partitions().filter(|p| p.tp.topic == "orders").count(), 0);
    assert_eq!(controller.delete_topic("orders"), Err(ErrorCode::UnknownTopicOrPartition));
    assert_eq!(controller.delete_topic("__consumer_offsets"), Err(ErrorCode::InvalidRequest));
    let deletion = controller.metadata_log()[offset as usize..].to_vec();
    assert_eq!(deletion, [MetadataChange::TopicDeleted { name: "orders".into() }]);
    broker.on_message(2, NodeId::Controller, heartbeat(deletion, offset + 1));
    assert!(broker.partition(&tp).is_none(), "the replica is gone");
    assert!(broker.metadata().all(|s| s.tp.topic != "orders"));
    broker.check_invariants().unwrap();
    // The name is free again.
    controller.create_topic("orders", 1, 1, TopicConfig::default(), &brokers).unwrap();
}

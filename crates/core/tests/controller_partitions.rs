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

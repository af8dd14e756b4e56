//! What the simulator needs from a node beyond samsa-core's [`Node`] trait: crash and restart,
//! invariant checks, a view for snapshots, and the workload's entry point.
//!
//! The engine holds every node as a `Box<dyn SimNode>`, so it runs samsa-core's brokers, controller and
//! clients (adapters in [`crate::cluster`]) and small fake nodes in tests alike.

use samsa_core::node::{BrokerId, Node};
use samsa_core::replication::messages::TopicPartition;
use samsa_core::ErrorCode;
use serde::Serialize;

/// One replica as a broker sees it, for snapshots and `leader-of:` resolution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaView {
    /// The broker holding the replica.
    pub broker: BrokerId,
    /// Which partition.
    #[serde(with = "crate::trace::ids::topic_partition")]
    pub tp: TopicPartition,
    /// Whether this broker leads the partition.
    pub is_leader: bool,
    /// The leader epoch this broker knows.
    pub leader_epoch: i32,
    /// The replica's high watermark.
    pub high_watermark: i64,
    /// The replica's log end offset.
    pub log_end_offset: i64,
    /// The replica's log start offset.
    pub log_start_offset: i64,
}

/// The controller's view of one partition, for snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionView {
    /// Which partition.
    #[serde(with = "crate::trace::ids::topic_partition")]
    pub tp: TopicPartition,
    /// Assigned replicas.
    pub replicas: Vec<BrokerId>,
    /// In-sync replicas.
    pub isr: Vec<BrokerId>,
    /// Current leader, if any.
    pub leader: Option<BrokerId>,
    /// Leader epoch.
    pub leader_epoch: i32,
}

/// One record the workload asks a producer to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadRecord {
    /// Destination topic.
    pub topic: String,
    /// Key bytes, or `None` for a null key.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Vec<u8>,
    /// The run-wide id of the record.
    pub record_id: u64,
    /// A random number for the sticky partitioner (from the workload's RNG).
    pub random: u32,
}

/// A producer refused a record: the Kafka error and the sentence explaining it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The error a Kafka client would see.
    pub error: ErrorCode,
    /// Why.
    pub reason: String,
}

/// A sans-IO node as the simulator drives it.
pub trait SimNode: Node {
    /// The node loses its process. Returns what survives on disk (with `power_loss`, only what was
    /// flushed), from which [`Dormant::restart`] builds the node again.
    fn crash(self: Box<Self>, power_loss: bool) -> Box<dyn Dormant>;

    /// A deep copy that continues exactly as this node would: what a checkpoint of the simulation
    /// holds (the live playground rewinds to checkpoints).
    fn clone_box(&self) -> Box<dyn SimNode>;

    /// The node's own consistency checks; `Err` names the broken invariant.
    fn check_invariants(&self) -> Result<(), String> {
        Ok(())
    }

    /// The replicas this node hosts (brokers), for snapshots.
    fn replicas(&self) -> Vec<ReplicaView> {
        Vec::new()
    }

    /// The partition states this node decides (the controller), for snapshots.
    fn partitions(&self) -> Vec<PartitionView> {
        Vec::new()
    }

    /// A new active controller takes over (KRaft leader change); only the controller does anything.
    fn fail_over(&mut self, _now_ms: u64) {}

    /// A new client like this one but with config `name` set to `value` (validated by samsa-core's
    /// config parsers: `Err` is Kafka's `ConfigException` sentence), or `None` if this node is not a
    /// client. The copy starts afresh, as a newly constructed Kafka client does.
    fn reconfigured(&self, _name: &str, _value: &str) -> Option<Result<Box<dyn SimNode>, String>> {
        None
    }

    /// Sends one workload record, if this node is a producer.
    fn send_record(&mut self, _now_ms: u64, _record: WorkloadRecord) -> Result<(), Rejected> {
        Err(Rejected { error: ErrorCode::InvalidRequest, reason: "not a producer".to_owned() })
    }

    /// Kafka's `KafkaProducer.flush`: every batch is sent at once (no more lingering) and the producer
    /// reports `flush_completed` when every record accepted so far has its outcome. `Err` says why this
    /// node cannot (it is not a producer).
    fn flush(&mut self, _now_ms: u64) -> Result<(), String> {
        Err("not a producer".to_owned())
    }

    /// The samsa-core broker behind this node, if it is one (for the checker's final state).
    fn as_broker(&self) -> Option<&samsa_core::replication::Broker> {
        None
    }

    /// The samsa-core controller behind this node, if it is one.
    fn as_controller(&self) -> Option<&samsa_core::replication::Controller> {
        None
    }

    /// The samsa-core producer behind this node, if it is one (for the playground's views).
    fn as_producer(&self) -> Option<&samsa_core::client::Producer> {
        None
    }

    /// The samsa-core consumer behind this node, if it is one (for the playground's views).
    fn as_consumer(&self) -> Option<&samsa_core::client::Consumer> {
        None
    }
}

/// What is left of a crashed node: enough to start it again.
pub trait Dormant {
    /// Starts the node again at `now_ms` from what survived.
    fn restart(self: Box<Self>, now_ms: u64) -> Box<dyn SimNode>;

    /// A deep copy of what survived (see [`SimNode::clone_box`]).
    fn clone_box(&self) -> Box<dyn Dormant>;
}

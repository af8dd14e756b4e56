//! Consumer groups at the end of a run, as `kafka-consumer-groups.sh --describe` would show them:
//! the coordinator, state, generation and members with their partitions, and per partition the
//! committed offset, the high watermark, the log end offset and the lag.
//!
//! Lag here is **high watermark − committed offset**: what `kafka-consumer-groups.sh` prints as `LAG`
//! (its `LOG-END-OFFSET` column is the high watermark a `read_uncommitted` client may read up to). The
//! log end offset is shown beside it; records between the two are not committed to the ISR yet. A
//! committed offset below the log start offset means retention deleted records the group never read.

use std::collections::{BTreeMap, BTreeSet};

use samsa_core::group::consumer_protocol::Assignment;
use samsa_core::node::{BrokerId, NodeId};
use samsa_core::replication::messages::TopicPartition;
use serde::Serialize;

use crate::checker::FinalState;
use crate::engine::Simulation;

/// One partition of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupPartitionLag {
    /// The partition.
    #[serde(with = "crate::trace::ids::topic_partition")]
    pub tp: TopicPartition,
    /// The committed offset, if the group has one.
    pub committed: Option<i64>,
    /// The leader's high watermark.
    pub high_watermark: i64,
    /// The leader's log end offset.
    pub log_end_offset: i64,
    /// The leader's log start offset.
    pub log_start_offset: i64,
}

impl GroupPartitionLag {
    /// High watermark − committed offset (the whole partition when nothing is committed).
    pub fn lag(&self) -> i64 {
        (self.high_watermark - self.committed.unwrap_or(self.log_start_offset)).max(0)
    }

    /// Records between the committed offset and the log start offset: deleted before the group read them.
    pub fn below_log_start(&self) -> i64 {
        self.committed.map_or(0, |c| (self.log_start_offset - c).max(0))
    }
}

/// One member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupMemberSummary {
    /// Member id.
    pub member_id: String,
    /// The client (`client-<n>`).
    pub client: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// Its partitions.
    #[serde(with = "crate::trace::ids::topic_partitions")]
    pub partitions: Vec<TopicPartition>,
}

/// One group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    /// `group.id`.
    pub group_id: String,
    /// The coordinator.
    pub coordinator: BrokerId,
    /// Kafka's state name.
    pub state: String,
    /// Generation.
    pub generation_id: i32,
    /// The assignor.
    pub protocol: Option<String>,
    /// Members.
    pub members: Vec<GroupMemberSummary>,
    /// Partitions.
    pub partitions: Vec<GroupPartitionLag>,
}

impl GroupSummary {
    /// The group's total lag.
    pub fn total_lag(&self) -> i64 {
        self.partitions.iter().map(GroupPartitionLag::lag).sum()
    }
}

/// Every group a live broker coordinates, with lag from the final state's leaders.
pub fn group_summaries(sim: &Simulation, state: &FinalState) -> Vec<GroupSummary> {
    let mut out = Vec::new();
    for id in sim.node_ids() {
        let Some(broker) = sim.node(id).and_then(|n| n.as_broker()) else { continue };
        for group in broker.group_coordinator().groups() {
            let members: Vec<GroupMemberSummary> = group
                .members
                .values()
                .map(|m| GroupMemberSummary {
                    member_id: m.member_id.clone(),
                    client: m.client.to_string(),
                    group_instance_id: m.group_instance_id.clone(),
                    partitions: Assignment::decode(&m.assignment).map(|a| a.partitions).unwrap_or_default(),
                })
                .collect();
            let tps: BTreeSet<TopicPartition> = group
                .offsets
                .keys()
                .cloned()
                .chain(members.iter().flat_map(|m| m.partitions.iter().cloned()))
                .collect();
            let partitions = tps
                .into_iter()
                .map(|tp| {
                    let leader = state.partitions.get(&tp).and_then(|p| p.leader_replica());
                    GroupPartitionLag {
                        committed: group.offsets.get(&tp).map(|o| o.offset),
                        high_watermark: leader.map_or(0, |l| l.high_watermark),
                        log_end_offset: leader.map_or(0, |l| l.log_end_offset),
                        log_start_offset: leader.map_or(0, |l| l.log_start_offset),
                        tp,
                    }
                })
                .collect();
            out.push(GroupSummary {
                group_id: group.group_id.clone(),
                coordinator: broker.broker_id(),
                state: group.state.name().to_owned(),
                generation_id: group.generation_id,
                protocol: group.protocol.clone(),
                members,
                partitions,
            });
        }
    }
    out.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    out
}

/// Clients by group, for the summary's idle times.
pub fn clients_by_group(summaries: &[GroupSummary]) -> BTreeMap<String, Vec<NodeId>> {
    summaries
        .iter()
        .map(|g| {
            let clients =
                g.members.iter().filter_map(|m| crate::trace::ids::parse_node_id(&m.client)).collect();
            (g.group_id.clone(), clients)
        })
        .collect()
}

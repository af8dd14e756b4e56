//! The focused partition's log on every assigned replica, side by side, so divergence and truncation
//! are visible: offsets, segments, and the newest batches with the record ids they hold.

use std::collections::BTreeMap;

use samsa_core::log::BatchInfo;
use samsa_core::node::NodeId;
use samsa_core::replication::messages::PartitionState;
use samsa_core::replication::{Partition, Role};

use super::cluster::{node_state, partition_ref, replica};
use super::records::records_in;
use crate::engine::Simulation;
use crate::live::protocol::{
    BatchView, NodeState, PartitionLogView, PartitionRef, ReplicaLogView, MAX_VIEW_OFFSETS,
};

/// The log view of `focus` (or of the first partition), if the cluster has it.
pub(crate) fn log_view(
    sim: &Simulation,
    states: &[PartitionState],
    focus: Option<&PartitionRef>,
) -> Option<PartitionLogView> {
    let state = match focus {
        Some(focus) => states.iter().find(|s| s.tp.topic == focus.topic && s.tp.partition == focus.partition),
        None => states.first(),
    }?;
    let replicas = state
        .replicas
        .iter()
        .map(|&broker| {
            let status = node_state(sim.status(NodeId::Broker(broker)));
            let in_isr = state.isr.contains(&broker);
            match replica(sim, broker, &state.tp) {
                Some((_, partition)) => replica_view(broker, status, in_isr, partition),
                None => ReplicaLogView {
                    broker,
                    state: status,
                    is_leader: false,
                    in_isr,
                    leader_epoch: -1,
                    log_start_offset: -1,
                    high_watermark: -1,
                    last_stable_offset: -1,
                    log_end_offset: -1,
                    segment_base_offsets: Vec::new(),
                    batches: Vec::new(),
                },
            }
        })
        .collect();
    Some(PartitionLogView { partition: partition_ref(&state.tp), replicas })
}

/// One running broker's replica.
fn replica_view(broker: i32, state: NodeState, in_isr: bool, partition: &Partition) -> ReplicaLogView {
    let log = partition.log();
    ReplicaLogView {
        broker,
        state,
        is_leader: partition.role() == Role::Leader,
        in_isr,
        leader_epoch: partition.leader_epoch(),
        log_start_offset: log.log_start_offset(),
        high_watermark: partition.high_watermark(),
        last_stable_offset: partition.last_stable_offset(),
        log_end_offset: log.log_end_offset(),
        segment_base_offsets: log.segments().map(|s| s.base_offset).collect(),
        batches: newest_batches(partition),
    }
}

/// The newest batches covering at most [`MAX_VIEW_OFFSETS`] offsets, oldest first, with their records'
/// ids (decoded from the log: the newest few dozen batches, so cheap).
fn newest_batches(partition: &Partition) -> Vec<BatchView> {
    let log = partition.log();
    let mut covered: u64 = 0;
    let mut newest: Vec<BatchInfo> = Vec::new();
    for info in log.batches().rev() {
        let span = u64::try_from(info.header.last_offset() - info.header.base_offset + 1).unwrap_or(u64::MAX);
        if covered.saturating_add(span) > MAX_VIEW_OFFSETS as u64 {
            break;
        }
        covered += span;
        newest.push(info);
    }
    newest.reverse();
    let Some(first) = newest.first() else { return Vec::new() };
    let ids: BTreeMap<i64, Option<u64>> =
        records_in(log, first.header.base_offset, log.log_end_offset()).into_iter().collect();
    let aborted: Vec<_> = partition.transaction_index().aborted().copied().collect();
    newest
        .iter()
        .map(|info| {
            let header = &info.header;
            let producer_id = header.producer_id;
            let in_aborted = aborted.iter().any(|t| {
                t.producer_id == producer_id
                    && t.first_offset <= header.base_offset
                    && header.base_offset <= t.last_offset
            });
            BatchView {
                base_offset: header.base_offset,
                last_offset: header.last_offset(),
                leader_epoch: header.partition_leader_epoch,
                size_bytes: u32::try_from(header.size_bytes()).unwrap_or(u32::MAX),
                record_ids: (header.base_offset..=header.last_offset())
                    .map(|offset| ids.get(&offset).copied().flatten())
                    .collect(),
                marker: if header.attributes.is_control {
                    marker_name(log, header.base_offset)
                } else {
                    None
                },
                transactional: header.attributes.is_transactional,
                aborted: header.attributes.is_transactional && in_aborted,
            }
        })
        .collect()
}

/// The control type of the marker batch at `base_offset` (`COMMIT`/`ABORT`), read and decoded from the
/// log (markers are one small record).
fn marker_name(log: &samsa_core::log::PartitionLog, base_offset: i64) -> Option<String> {
    let read = log.read(base_offset, 1_024).ok()?;
    let (batch, _) = samsa_core::record_batch::RecordBatch::decode(&read.bytes).ok()?;
    let name = match samsa_core::txn::control::control_type(&batch)? {
        samsa_core::txn::control::ControlType::Commit => "COMMIT",
        samsa_core::txn::control::ControlType::Abort => "ABORT",
    };
    Some(name.to_owned())
}

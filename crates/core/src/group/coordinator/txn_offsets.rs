//! TxnOffsetCommit (KIP-98, KIP-447): offsets a transactional producer commits for a group. They are
//! written to `__consumer_offsets` as a transactional batch under the producer's id and epoch, kept
//! pending (invisible to OffsetFetch) and applied only when the transaction's COMMIT marker reaches
//! the group's `__consumer_offsets` partition; an ABORT marker drops them. A `read_committed`
//! consumer's OffsetFetch (`require_stable`) is answered `UNSTABLE_OFFSET_COMMIT` meanwhile.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::group::Group;
use super::records::{offset_commit_record, OffsetsRecord};
use super::{CoordinatorCtx, GroupCoordinator, PendingAppend, MAX_GROUPS, MAX_OFFSETS_PER_GROUP};
use crate::error::ErrorCode;
use crate::group::messages::OffsetAndMetadata;
use crate::node::NodeId;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{Message, TopicPartition};
use crate::txn::messages::{TxnOffsetCommitRequest, TxnOffsetCommitResponse};

/// One offset waiting for its transaction's marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PendingTxnOffset {
    group_id: String,
    /// The group's `__consumer_offsets` partition (the marker that decides it is written there).
    partition: i32,
    tp: TopicPartition,
    committed: OffsetAndMetadata,
}

impl GroupCoordinator {
    /// TxnOffsetCommit on the group's coordinator (`partition`: its `__consumer_offsets` partition).
    pub fn txn_offset_commit(
        &mut self,
        ctx: CoordinatorCtx<'_>,
        from: NodeId,
        partition: i32,
        request: TxnOffsetCommitRequest,
    ) {
        let TxnOffsetCommitRequest {
            correlation_id,
            group_id,
            producer_id,
            producer_epoch,
            generation_id,
            member_id,
            offsets,
            ..
        } = request;
        let group = self.groups.get(&group_id);
        // KIP-447: a producer that names its consumer's generation is fenced if the group moved on.
        let error = if group_id.is_empty() {
            ErrorCode::InvalidGroupId
        } else if generation_id < 0 {
            ErrorCode::None
        } else {
            match group {
                None => ErrorCode::IllegalGeneration,
                Some(g) if !member_id.is_empty() && !g.members.contains_key(&member_id) => {
                    ErrorCode::UnknownMemberId
                }
                Some(g) if g.generation_id != generation_id => ErrorCode::IllegalGeneration,
                Some(_) => ErrorCode::None,
            }
        };
        let answer =
            |this: &mut Self, offsets: Vec<(TopicPartition, OffsetAndMetadata)>, error: ErrorCode| {
                let results = offsets.into_iter().map(|(tp, _)| (tp, error)).collect();
                this.send(
                    from,
                    Message::TxnOffsetCommitResponse(TxnOffsetCommitResponse { correlation_id, results }),
                );
            };
        if error != ErrorCode::None || offsets.is_empty() {
            return answer(self, offsets, error);
        }
        if !self.groups.contains_key(&group_id) {
            if self.groups.len() >= MAX_GROUPS {
                return answer(self, offsets, ErrorCode::CoordinatorNotAvailable);
            }
            self.groups.insert(group_id.clone(), Group::new(group_id.clone(), partition));
        }
        let records =
            offsets.iter().map(|(tp, o)| offset_commit_record(&group_id, tp, o, ctx.now_ms)).collect();
        let pending = PendingAppend::TxnCommit {
            group_id,
            to: from,
            correlation_id,
            producer_id,
            offsets: offsets.clone(),
        };
        if self.append_as(partition, records, pending, Some((producer_id, producer_epoch))).is_none() {
            answer(self, offsets, ErrorCode::CoordinatorNotAvailable);
        }
    }

    /// A TxnOffsetCommit's append completed: on success its offsets wait for the marker.
    pub(super) fn txn_commit_appended(
        &mut self,
        error: ErrorCode,
        group_id: String,
        to: NodeId,
        correlation_id: u64,
        producer_id: i64,
        offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
    ) {
        if error == ErrorCode::None {
            if let Some(partition) = self.groups.get(&group_id).map(|g| g.partition) {
                let pending = self.txn_offsets.entry(producer_id).or_default();
                for (tp, committed) in &offsets {
                    if pending.len() < MAX_OFFSETS_PER_GROUP {
                        let entry = PendingTxnOffset {
                            group_id: group_id.clone(),
                            partition,
                            tp: tp.clone(),
                            committed: committed.clone(),
                        };
                        pending.push(entry);
                    }
                }
            }
        }
        let results = offsets.into_iter().map(|(tp, _)| (tp, error)).collect();
        self.send(to, Message::TxnOffsetCommitResponse(TxnOffsetCommitResponse { correlation_id, results }));
    }

    /// A transaction marker for `producer_id` was written to `__consumer_offsets` partition
    /// `partition`: its pending offsets there are applied (COMMIT) or dropped (ABORT).
    pub fn complete_transaction(
        &mut self,
        ctx: CoordinatorCtx<'_>,
        partition: i32,
        producer_id: i64,
        committed: bool,
    ) {
        let Some(pending) = self.txn_offsets.remove(&producer_id) else { return };
        let (decided, kept): (Vec<_>, Vec<_>) = pending.into_iter().partition(|p| p.partition == partition);
        if !kept.is_empty() {
            self.txn_offsets.insert(producer_id, kept);
        }
        if !committed {
            return;
        }
        let mut by_group: BTreeMap<String, Vec<(TopicPartition, i64)>> = BTreeMap::new();
        for offset in decided {
            if !self.groups.contains_key(&offset.group_id) && self.groups.len() >= MAX_GROUPS {
                continue;
            }
            let group = self
                .groups
                .entry(offset.group_id.clone())
                .or_insert_with(|| Group::new(offset.group_id.clone(), partition));
            by_group
                .entry(offset.group_id.clone())
                .or_default()
                .push((offset.tp.clone(), offset.committed.offset));
            group.offsets.insert(offset.tp, offset.committed);
        }
        for (group_id, offsets) in by_group {
            self.event(ReplicationEvent::OffsetsCommitted { broker: ctx.broker, group_id, offsets });
        }
    }

    /// Whether `group_id` has offsets of an open transaction for `tp`.
    pub(super) fn has_pending_txn_offset(&self, group_id: &str, tp: &TopicPartition) -> bool {
        self.txn_offsets.values().flatten().any(|p| p.group_id == group_id && p.tp == *tp)
    }

    /// Drops the pending offsets of an unloaded partition.
    pub(super) fn forget_txn_offsets(&mut self, partition: i32) {
        for pending in self.txn_offsets.values_mut() {
            pending.retain(|p| p.partition != partition);
        }
        self.txn_offsets.retain(|_, pending| !pending.is_empty());
    }

    /// Loading: offsets of transactions still open in the log stay pending.
    pub(super) fn restore_open_txn_offsets(
        &mut self,
        partition: i32,
        open: BTreeMap<i64, Vec<OffsetsRecord>>,
    ) {
        for (producer_id, records) in open {
            for record in records {
                if let OffsetsRecord::Offset { group_id, tp, committed: Some(committed) } = record {
                    let entry = PendingTxnOffset { group_id, partition, tp, committed };
                    self.txn_offsets.entry(producer_id).or_default().push(entry);
                }
            }
        }
    }
}

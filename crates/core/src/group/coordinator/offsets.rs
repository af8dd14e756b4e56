//! OffsetCommit and OffsetFetch, the outcomes of appends to `__consumer_offsets`, and loading a
//! partition's groups when this broker becomes its leader.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::group::{Group, Member};
use super::records::{decode, offset_commit_record, OffsetsRecord};
use super::{CoordinatorCtx, GroupCoordinator, PendingAppend, MAX_GROUPS, MAX_OFFSETS_PER_GROUP};
use crate::error::ErrorCode;
use crate::group::consumer_protocol::ProtocolError;
use crate::group::messages::{
    JoinGroupProtocol, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchPartition, OffsetFetchRequest,
    OffsetFetchResponse,
};
use crate::group::GroupState;
use crate::node::NodeId;
use crate::record_batch::RecordBatch;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::Message;

/// Kafka's mapping of a failed `__consumer_offsets` append to what the group client is told
/// (`GroupMetadataManager.storeOffsets`).
pub fn append_error(error: ErrorCode) -> ErrorCode {
    match error {
        ErrorCode::None => ErrorCode::None,
        ErrorCode::UnknownTopicOrPartition
        | ErrorCode::NotEnoughReplicas
        | ErrorCode::NotEnoughReplicasAfterAppend
        | ErrorCode::RequestTimedOut => ErrorCode::CoordinatorNotAvailable,
        ErrorCode::NotLeaderOrFollower | ErrorCode::KafkaStorageError => ErrorCode::NotCoordinator,
        ErrorCode::MessageTooLarge | ErrorCode::RecordListTooLarge | ErrorCode::InvalidFetchSize => {
            ErrorCode::InvalidCommitOffsetSize
        }
        other => other,
    }
}

impl GroupCoordinator {
    /// OffsetCommit (Kafka's `handleCommitOffsets` rules).
    pub fn offset_commit(
        &mut self,
        ctx: CoordinatorCtx<'_>,
        from: NodeId,
        partition: i32,
        request: OffsetCommitRequest,
    ) {
        let OffsetCommitRequest {
            correlation_id,
            group_id,
            generation_id,
            member_id,
            group_instance_id,
            offsets,
        } = request;
        let group = self.groups.get(&group_id);
        let error = if group_id.is_empty() {
            ErrorCode::InvalidGroupId
        } else if generation_id < 0 && member_id.is_empty() {
            // A "simple" commit from an assign() consumer: only while the group has no members.
            match group {
                Some(g) if !g.members.is_empty() => ErrorCode::UnknownMemberId,
                _ => ErrorCode::None,
            }
        } else {
            match group {
                None => ErrorCode::IllegalGeneration,
                Some(g) if g.state == GroupState::CompletingRebalance => ErrorCode::RebalanceInProgress,
                Some(_) => match self.member_error(&group_id, &member_id, group_instance_id.as_deref()) {
                    ErrorCode::None if group.is_some_and(|g| g.generation_id != generation_id) => {
                        ErrorCode::IllegalGeneration
                    }
                    other => other,
                },
            }
        };
        let too_many = group.is_some_and(|g| {
            let new = offsets.iter().filter(|(tp, _)| !g.offsets.contains_key(tp)).count();
            g.offsets.len().saturating_add(new) > MAX_OFFSETS_PER_GROUP
        });
        let error =
            if error == ErrorCode::None && too_many { ErrorCode::InvalidCommitOffsetSize } else { error };
        if error != ErrorCode::None || offsets.is_empty() {
            let results = offsets.into_iter().map(|(tp, _)| (tp, error)).collect();
            return self
                .send(from, Message::OffsetCommitResponse(OffsetCommitResponse { correlation_id, results }));
        }
        if !self.groups.contains_key(&group_id) {
            if self.groups.len() >= MAX_GROUPS {
                let results =
                    offsets.into_iter().map(|(tp, _)| (tp, ErrorCode::CoordinatorNotAvailable)).collect();
                return self.send(
                    from,
                    Message::OffsetCommitResponse(OffsetCommitResponse { correlation_id, results }),
                );
            }
            self.groups.insert(group_id.clone(), Group::new(group_id.clone(), partition));
        }
        if let Some(member) = self.groups.get_mut(&group_id).and_then(|g| g.members.get_mut(&member_id)) {
            member.session_deadline_ms = ctx.now_ms.saturating_add(member.session_timeout_ms);
        }
        let records =
            offsets.iter().map(|(tp, o)| offset_commit_record(&group_id, tp, o, ctx.now_ms)).collect();
        let pending = PendingAppend::Commit { group_id, to: from, correlation_id, offsets: offsets.clone() };
        if self.append(partition, records, pending).is_none() {
            let results =
                offsets.into_iter().map(|(tp, _)| (tp, ErrorCode::CoordinatorNotAvailable)).collect();
            self.send(from, Message::OffsetCommitResponse(OffsetCommitResponse { correlation_id, results }));
        }
    }

    /// OffsetFetch: the committed offsets (only those whose append completed).
    pub fn offset_fetch(&mut self, from: NodeId, request: OffsetFetchRequest) {
        let unstable = |tp: &crate::replication::messages::TopicPartition| {
            request.require_stable && self.has_pending_txn_offset(&request.group_id, tp)
        };
        let group = self.groups.get(&request.group_id);
        let partitions = match request.partitions {
            Some(tps) => tps
                .into_iter()
                .map(|tp| {
                    let committed = group.and_then(|g| g.offsets.get(&tp)).cloned();
                    // KIP-447: offsets of an open transaction make the partition unstable for now.
                    let error = if unstable(&tp) { ErrorCode::UnstableOffsetCommit } else { ErrorCode::None };
                    OffsetFetchPartition { tp, committed, error }
                })
                .collect(),
            None => group
                .map(|g| {
                    g.offsets
                        .iter()
                        .map(|(tp, o)| OffsetFetchPartition {
                            tp: tp.clone(),
                            committed: Some(o.clone()),
                            error: ErrorCode::None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let answer = OffsetFetchResponse {
            correlation_id: request.correlation_id,
            error: ErrorCode::None,
            partitions,
        };
        self.send(from, Message::OffsetFetchResponse(answer));
    }

    /// The outcome of an append to `__consumer_offsets` (the partition's produce answer).
    pub fn on_append_done(&mut self, ctx: CoordinatorCtx<'_>, append_id: u64, error: ErrorCode) {
        let Some(pending) = self.appends.remove(&append_id) else { return };
        let error = append_error(error);
        match pending {
            PendingAppend::Commit { group_id, to, correlation_id, offsets } => {
                if error == ErrorCode::None {
                    if let Some(group) = self.groups.get_mut(&group_id) {
                        for (tp, committed) in &offsets {
                            group.offsets.insert(tp.clone(), committed.clone());
                        }
                    }
                    let event = ReplicationEvent::OffsetsCommitted {
                        broker: ctx.broker,
                        group_id,
                        offsets: offsets.iter().map(|(tp, o)| (tp.clone(), o.offset)).collect(),
                    };
                    self.event(event);
                }
                let results = offsets.into_iter().map(|(tp, _)| (tp, error)).collect();
                self.send(
                    to,
                    Message::OffsetCommitResponse(OffsetCommitResponse { correlation_id, results }),
                );
            }
            PendingAppend::Store { .. } => {}
            PendingAppend::TxnCommit { group_id, to, correlation_id, producer_id, offsets } => {
                self.txn_commit_appended(error, group_id, to, correlation_id, producer_id, offsets);
            }
            PendingAppend::Sync { group_id, generation_id } => {
                let current = self.groups.get(&group_id).is_some_and(|g| {
                    g.generation_id == generation_id
                        && g.state == GroupState::CompletingRebalance
                        && g.sync_append == Some(append_id)
                });
                if current {
                    self.finish_sync(ctx, &group_id, error);
                }
            }
        }
    }

    /// This broker became the leader of `__consumer_offsets` partition `partition`: rebuild its groups
    /// from `batches` (the partition's log in offset order). Undecodable records are skipped and
    /// counted in the returned total.
    pub fn load(&mut self, ctx: CoordinatorCtx<'_>, partition: i32, batches: &[RecordBatch]) -> usize {
        self.unload_groups(partition);
        let mut skipped = 0;
        let mut loaded: BTreeMap<String, Group> = BTreeMap::new();
        let mut open: BTreeMap<i64, Vec<OffsetsRecord>> = BTreeMap::new();
        for batch in batches {
            if batch.attributes.is_control {
                // A marker decides the producer's transactional offsets written before it.
                let records = open.remove(&batch.producer_id).unwrap_or_default();
                if crate::txn::control::control_type(batch) == Some(crate::txn::control::ControlType::Commit)
                {
                    for decoded in records {
                        self.replay(&mut loaded, partition, decoded);
                    }
                }
                continue;
            }
            for record in &batch.records {
                let Some(key) = record.key.as_deref() else {
                    skipped += 1;
                    continue;
                };
                match decode(key, record.value.as_deref()) {
                    Ok(decoded) if batch.attributes.is_transactional => {
                        open.entry(batch.producer_id).or_default().push(decoded);
                    }
                    Ok(decoded) => self.replay(&mut loaded, partition, decoded),
                    Err(ProtocolError::Truncated { .. } | ProtocolError::BadVersion(_))
                    | Err(ProtocolError::BadLength { .. } | ProtocolError::NotUtf8 { .. }) => skipped += 1,
                }
            }
        }
        for (group_id, mut group) in loaded {
            if self.groups.len() >= MAX_GROUPS {
                skipped += 1;
                continue;
            }
            group.state = if group.members.is_empty() { GroupState::Empty } else { GroupState::Stable };
            for member in group.members.values_mut() {
                member.session_deadline_ms = ctx.now_ms.saturating_add(member.session_timeout_ms);
            }
            self.groups.insert(group_id.clone(), group);
            self.state_changed(ctx, &group_id);
        }
        self.restore_open_txn_offsets(partition, open);
        self.loaded.insert(partition);
        let groups = self.groups.values().filter(|g| g.partition == partition).count();
        let event = ReplicationEvent::CoordinatorLoaded {
            broker: ctx.broker,
            partition,
            loaded: true,
            groups: u32::try_from(groups).unwrap_or(u32::MAX),
        };
        self.event(event);
        skipped
    }

    fn replay(&mut self, loaded: &mut BTreeMap<String, Group>, partition: i32, record: OffsetsRecord) {
        match record {
            OffsetsRecord::Offset { group_id, tp, committed } => {
                let group = loaded.entry(group_id.clone()).or_insert_with(|| Group::new(group_id, partition));
                match committed {
                    Some(committed) => {
                        if group.offsets.len() < MAX_OFFSETS_PER_GROUP || group.offsets.contains_key(&tp) {
                            group.offsets.insert(tp, committed);
                        }
                    }
                    None => {
                        group.offsets.remove(&tp);
                    }
                }
            }
            OffsetsRecord::Group { group_id, group: stored } => {
                let group = loaded.entry(group_id.clone()).or_insert_with(|| Group::new(group_id, partition));
                let Some(stored) = stored else {
                    group.members.clear();
                    group.static_members.clear();
                    return;
                };
                group.generation_id = stored.generation_id;
                group.protocol_type = Some(stored.protocol_type);
                group.protocol = stored.protocol.clone();
                group.leader = stored.leader;
                group.members.clear();
                group.static_members.clear();
                for member in stored.members {
                    self.note_member_id(&member.member_id);
                    if let Some(instance_id) = &member.group_instance_id {
                        group.static_members.insert(instance_id.clone(), member.member_id.clone());
                    }
                    let protocols = alloc::vec![JoinGroupProtocol {
                        name: stored.protocol.clone().unwrap_or_default(),
                        metadata: member.subscription,
                    }];
                    let client = parse_client(&member.client_id);
                    group.members.insert(
                        member.member_id.clone(),
                        Member {
                            member_id: member.member_id,
                            group_instance_id: member.group_instance_id,
                            client,
                            session_timeout_ms: u64::try_from(member.session_timeout_ms).unwrap_or(0),
                            rebalance_timeout_ms: u64::try_from(member.rebalance_timeout_ms).unwrap_or(0),
                            protocols,
                            assignment: member.assignment,
                            session_deadline_ms: 0,
                            awaiting_join: None,
                            awaiting_sync: None,
                        },
                    );
                }
            }
        }
    }

    /// This broker no longer leads `partition`: its groups go (their clients find the new coordinator).
    pub fn unload(&mut self, ctx: CoordinatorCtx<'_>, partition: i32) {
        if !self.loaded.remove(&partition) {
            return;
        }
        self.unload_groups(partition);
        let event =
            ReplicationEvent::CoordinatorLoaded { broker: ctx.broker, partition, loaded: false, groups: 0 };
        self.event(event);
    }

    fn unload_groups(&mut self, partition: i32) {
        let gone: Vec<String> =
            self.groups.values().filter(|g| g.partition == partition).map(|g| g.group_id.clone()).collect();
        for group_id in &gone {
            self.groups.remove(group_id);
        }
        self.forget_txn_offsets(partition);
        self.appends.retain(|_, pending| match pending {
            PendingAppend::Commit { group_id, .. }
            | PendingAppend::Sync { group_id, .. }
            | PendingAppend::TxnCommit { group_id, .. }
            | PendingAppend::Store { group_id } => !gone.contains(group_id),
        });
    }

    /// Forgets everything (the broker process restarted).
    pub fn clear(&mut self) {
        *self = GroupCoordinator::default();
    }
}

/// `client-<n>` back to its node id (the stored `client_id`); anything else maps to client 0.
fn parse_client(client_id: &str) -> NodeId {
    NodeId::Client(client_id.strip_prefix("client-").and_then(|n| n.parse().ok()).unwrap_or(0))
}

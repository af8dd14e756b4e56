//! The broker's side of consumer groups: FindCoordinator (creating `__consumer_offsets` on first use,
//! as Kafka does), routing group requests to the [`GroupCoordinator`] when this broker leads the group's
//! partition, executing the coordinator's appends through the partition's own leader path, and loading
//! or unloading groups as leadership of `__consumer_offsets` partitions moves.

use alloc::vec::Vec;

use super::Broker;
use crate::error::ErrorCode;
use crate::group::coordinator::{CoordinatorCtx, CoordinatorOutput, GroupCoordinator};
use crate::group::messages::{
    CreateTopicRequest, FindCoordinatorRequest, FindCoordinatorResponse, HeartbeatResponse,
    JoinGroupResponse, LeaveGroupResponse, OffsetCommitResponse, OffsetFetchResponse, SyncGroupResponse,
};
use crate::group::{partition_for_group, CONSUMER_OFFSETS_TOPIC};
use crate::log::CleanupPolicy;
use crate::node::{Effect, NodeId};
use crate::record_batch::RecordBatch;
use crate::replication::config::TopicConfig;
use crate::replication::messages::{Message, TopicPartition};
use crate::replication::partition::Role;

/// Most bytes read per step while loading a `__consumer_offsets` partition.
const LOAD_READ_BYTES: usize = 1 << 20;

impl Broker {
    /// The broker's group coordinator: the groups it coordinates now.
    pub fn group_coordinator(&self) -> &GroupCoordinator {
        &self.groups
    }

    /// How many partitions `__consumer_offsets` has, as the metadata says (0 before it exists).
    pub(super) fn offsets_topic_partitions(&self) -> i32 {
        let first = TopicPartition { topic: CONSUMER_OFFSETS_TOPIC.into(), partition: 0 };
        let last = TopicPartition { topic: CONSUMER_OFFSETS_TOPIC.into(), partition: i32::MAX };
        i32::try_from(self.metadata.range(first..=last).count()).unwrap_or(i32::MAX)
    }

    /// FindCoordinator: the leader of the group's `__consumer_offsets` partition.
    pub(super) fn on_find_coordinator(&mut self, now_ms: u64, from: NodeId, request: FindCoordinatorRequest) {
        let partitions = self.offsets_topic_partitions();
        let node_id = if request.key.is_empty() {
            Err(ErrorCode::InvalidGroupId)
        } else if partitions == 0 {
            self.create_offsets_topic(now_ms);
            Err(ErrorCode::CoordinatorNotAvailable)
        } else {
            let tp = TopicPartition {
                topic: CONSUMER_OFFSETS_TOPIC.into(),
                partition: partition_for_group(&request.key, partitions),
            };
            self.metadata.get(&tp).and_then(|s| s.leader).ok_or(ErrorCode::CoordinatorNotAvailable)
        };
        let (error, node_id) = match node_id {
            Ok(node_id) => (ErrorCode::None, node_id),
            Err(error) => (error, -1),
        };
        let answer = FindCoordinatorResponse { correlation_id: request.correlation_id, error, node_id };
        self.send(from, Message::FindCoordinatorResponse(answer));
    }

    /// Asks the controller for `__consumer_offsets` (again after `request.timeout.ms` without it).
    pub(super) fn create_offsets_topic(&mut self, now_ms: u64) {
        if self
            .offsets_topic_requested_ms
            .is_some_and(|at| now_ms < at.saturating_add(self.config.request_timeout_ms))
        {
            return;
        }
        self.offsets_topic_requested_ms = Some(now_ms);
        let mut config = TopicConfig::default();
        config.log.cleanup_policy = CleanupPolicy::Compact;
        config.log.segment_bytes = self.config.offsets_topic_segment_bytes;
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let request = CreateTopicRequest {
            correlation_id,
            name: CONSUMER_OFFSETS_TOPIC.into(),
            partitions: self.config.offsets_topic_num_partitions,
            replication_factor: self.config.offsets_topic_replication_factor,
            config,
        };
        self.send(NodeId::Controller, Message::CreateTopic(request));
    }

    /// The group's `__consumer_offsets` partition if this broker coordinates it now.
    fn coordinated_partition(&self, group_id: &str) -> Option<i32> {
        let partitions = self.offsets_topic_partitions();
        let partition = partition_for_group(group_id, partitions);
        (partitions > 0 && self.groups.is_loaded(partition)).then_some(partition)
    }

    /// Routes one group request; `false` if `message` is not one.
    pub(super) fn on_group_request(&mut self, now_ms: u64, from: NodeId, message: Message) -> bool {
        let config = self.config.clone();
        let ctx = CoordinatorCtx { now_ms, broker: self.id, config: &config };
        let not_coordinator = ErrorCode::NotCoordinator;
        match message {
            Message::JoinGroup(request) => match self.coordinated_partition(&request.group_id) {
                Some(partition) => self.groups.join_group(ctx, from, partition, request),
                None => self.send(
                    from,
                    Message::JoinGroupResponse(JoinGroupResponse {
                        correlation_id: request.correlation_id,
                        error: not_coordinator,
                        generation_id: -1,
                        protocol_name: None,
                        leader: alloc::string::String::new(),
                        member_id: request.member_id,
                        members: Vec::new(),
                    }),
                ),
            },
            Message::SyncGroup(request) => match self.coordinated_partition(&request.group_id) {
                Some(_) => self.groups.sync_group(ctx, from, request),
                None => self.send(
                    from,
                    Message::SyncGroupResponse(SyncGroupResponse {
                        correlation_id: request.correlation_id,
                        error: not_coordinator,
                        assignment: Vec::new(),
                    }),
                ),
            },
            Message::Heartbeat(request) => match self.coordinated_partition(&request.group_id) {
                Some(_) => self.groups.heartbeat(ctx, from, request),
                None => self.send(
                    from,
                    Message::HeartbeatResponse(HeartbeatResponse {
                        correlation_id: request.correlation_id,
                        error: not_coordinator,
                    }),
                ),
            },
            Message::LeaveGroup(request) => match self.coordinated_partition(&request.group_id) {
                Some(_) => self.groups.leave_group(ctx, from, request),
                None => self.send(
                    from,
                    Message::LeaveGroupResponse(LeaveGroupResponse {
                        correlation_id: request.correlation_id,
                        error: not_coordinator,
                    }),
                ),
            },
            Message::OffsetCommit(request) => match self.coordinated_partition(&request.group_id) {
                Some(partition) => self.groups.offset_commit(ctx, from, partition, request),
                None => {
                    let results = request.offsets.into_iter().map(|(tp, _)| (tp, not_coordinator)).collect();
                    let answer = OffsetCommitResponse { correlation_id: request.correlation_id, results };
                    self.send(from, Message::OffsetCommitResponse(answer));
                }
            },
            Message::OffsetFetch(request) => match self.coordinated_partition(&request.group_id) {
                Some(_) => self.groups.offset_fetch(from, request),
                None => {
                    let answer = OffsetFetchResponse {
                        correlation_id: request.correlation_id,
                        error: not_coordinator,
                        partitions: Vec::new(),
                    };
                    self.send(from, Message::OffsetFetchResponse(answer));
                }
            },
            Message::CreateTopicResponse(response) => {
                // Created or not, the next FindCoordinator asks again if the topic is still missing.
                if response.error != ErrorCode::None && response.error != ErrorCode::TopicAlreadyExists {
                    if response.name == crate::txn::TRANSACTION_STATE_TOPIC {
                        self.transaction_topic_requested_ms = None;
                    } else {
                        self.offsets_topic_requested_ms = None;
                    }
                }
            }
            _ => return false,
        }
        self.run_coordinator(now_ms);
        true
    }

    /// Executes what the coordinators queued, and feeds the answers to their own appends and markers
    /// back to them, until nothing is left.
    pub(super) fn run_coordinator(&mut self, now_ms: u64) {
        for _ in 0..64 {
            let outputs = self.groups.take_outputs();
            let txn_outputs = self.txns.take_outputs();
            let loopback = self.take_loopback_answers();
            let markers = self.take_loopback_marker_answers();
            if outputs.is_empty() && txn_outputs.is_empty() && loopback.is_empty() && markers.is_empty() {
                return;
            }
            for output in outputs {
                match output {
                    CoordinatorOutput::Send { to, message } => self.send(to, message),
                    CoordinatorOutput::Event(event) => self.effects.push(Effect::Event(event)),
                    CoordinatorOutput::Append { partition, append_id, records, producer } => {
                        let tp = TopicPartition { topic: CONSUMER_OFFSETS_TOPIC.into(), partition };
                        let timeout_ms = self.config.offsets_commit_timeout_ms;
                        self.internal_append(now_ms, tp, append_id, records, producer, timeout_ms);
                    }
                }
            }
            for output in txn_outputs {
                self.execute_txn_output(now_ms, output);
            }
            for (correlation_id, error) in loopback {
                self.deliver_internal_answer(now_ms, correlation_id, error);
            }
            let config = self.config.clone();
            for response in markers {
                let ctx = crate::txn::coordinator::TxnCtx { now_ms, broker: self.id, config: &config };
                self.txns.on_marker_response(ctx, &response);
            }
        }
    }

    /// The partitions' answers to the coordinators' own appends (produce answers addressed to this broker).
    fn take_loopback_answers(&mut self) -> Vec<(u64, ErrorCode)> {
        let me = NodeId::Broker(self.id);
        let is_loopback =
            |e: &Effect| matches!(e, Effect::Send { to, message: Message::ProduceResponse(_) } if *to == me);
        if !self.effects.iter().any(is_loopback) {
            return Vec::new();
        }
        let mut answers = Vec::new();
        self.effects.retain(|e| match e {
            Effect::Send { to, message: Message::ProduceResponse(r) } if *to == me => {
                answers.push((r.correlation_id, r.error));
                false
            }
            _ => true,
        });
        answers
    }

    /// Answers to markers this broker's coordinator had its own partitions write.
    fn take_loopback_marker_answers(&mut self) -> Vec<crate::txn::messages::WriteTxnMarkerResponse> {
        let me = NodeId::Broker(self.id);
        let is_loopback = |e: &Effect| matches!(e, Effect::Send { to, message: Message::WriteTxnMarkerResponse(_) } if *to == me);
        if !self.effects.iter().any(is_loopback) {
            return Vec::new();
        }
        let mut answers = Vec::new();
        self.effects.retain(|e| match e {
            Effect::Send { to, message: Message::WriteTxnMarkerResponse(r) } if *to == me => {
                answers.push(r.clone());
                false
            }
            _ => true,
        });
        answers
    }

    /// Loads the groups of every `__consumer_offsets` partition this broker now leads and unloads those
    /// it stopped leading (Kafka's `onElection` / `onResignation`).
    pub(super) fn sync_coordinator_partitions(&mut self, now_ms: u64) {
        let first = TopicPartition { topic: CONSUMER_OFFSETS_TOPIC.into(), partition: 0 };
        let last = TopicPartition { topic: CONSUMER_OFFSETS_TOPIC.into(), partition: i32::MAX };
        let leading: Vec<i32> = self
            .partitions
            .range(first..=last)
            .filter(|(_, p)| p.role() == Role::Leader)
            .map(|(tp, _)| tp.partition)
            .collect();
        let config = self.config.clone();
        let loaded: Vec<i32> = self.groups.loaded_partitions().collect();
        for partition in loaded.iter().filter(|p| !leading.contains(p)) {
            let ctx = CoordinatorCtx { now_ms, broker: self.id, config: &config };
            self.groups.unload(ctx, *partition);
        }
        for partition in leading.into_iter().filter(|p| !loaded.contains(p)) {
            let batches = self.read_internal_partition(CONSUMER_OFFSETS_TOPIC, partition);
            let ctx = CoordinatorCtx { now_ms, broker: self.id, config: &config };
            self.groups.load(ctx, partition, &batches);
        }
        self.sync_transaction_partitions(now_ms);
        self.run_coordinator(now_ms);
    }

    /// Every batch of an internal partition (`__consumer_offsets`, `__transaction_state`), decoded; a
    /// batch that does not decode ends the read (the loader cannot skip a corrupt batch without
    /// knowing its length).
    pub(super) fn read_internal_partition(&self, topic: &str, partition: i32) -> Vec<RecordBatch> {
        let tp = TopicPartition { topic: topic.into(), partition };
        let Some(replica) = self.partitions.get(&tp) else { return Vec::new() };
        let log = replica.log();
        let mut batches = Vec::new();
        let mut offset = log.log_start_offset();
        while offset < log.log_end_offset() {
            let Ok(read) = log.read(offset, LOAD_READ_BYTES) else { break };
            let mut rest: &[u8] = &read.bytes;
            let before = offset;
            while !rest.is_empty() {
                let Ok((batch, used)) = RecordBatch::decode(rest) else { break };
                offset = batch.last_offset().saturating_add(1);
                rest = rest.get(used..).unwrap_or_default();
                batches.push(batch);
            }
            if offset == before {
                break;
            }
        }
        batches
    }

    /// The coordinator's timers.
    pub(super) fn tick_coordinator(&mut self, now_ms: u64) {
        if self.groups.next_tick_ms().is_some_and(|t| t <= now_ms) {
            let config = self.config.clone();
            let ctx = CoordinatorCtx { now_ms, broker: self.id, config: &config };
            self.groups.on_tick(ctx);
        }
        self.tick_transactions(now_ms);
        self.run_coordinator(now_ms);
    }
}

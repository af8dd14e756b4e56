//! The broker's side of transactions: FindCoordinator for a transactional id (creating
//! `__transaction_state` on first use), routing InitProducerId/AddPartitionsToTxn/AddOffsetsToTxn/EndTxn
//! to the [`TransactionCoordinator`] when this broker leads the id's partition, TxnOffsetCommit to the
//! group coordinator, the coordinator's appends and markers (to this broker's own partitions directly,
//! to other leaders over the network), WriteTxnMarkers from other coordinators, and loading or
//! unloading as leadership of `__transaction_state` partitions moves.

use alloc::vec::Vec;

use super::Broker;
use crate::error::ErrorCode;
use crate::group::coordinator::CoordinatorCtx;
use crate::group::messages::{CreateTopicRequest, FindCoordinatorRequest, FindCoordinatorResponse};
use crate::group::{partition_for_group, CONSUMER_OFFSETS_TOPIC};
use crate::node::{Effect, NodeId};
use crate::record_batch::{Compression, NewRecord, RecordBatch};
use crate::replication::config::TopicConfig;
use crate::replication::messages::{
    Acks, InitProducerIdRequest, InitProducerIdResponse, Message, ProduceRequest, TopicPartition,
};
use crate::replication::partition::Role;
use crate::txn::coordinator::{TransactionCoordinator, TxnCtx, TxnOutput};
use crate::txn::messages::{
    AddOffsetsToTxnResponse, AddPartitionsToTxnResponse, EndTxnResponse, TxnOffsetCommitResponse,
    WriteTxnMarkerRequest, WriteTxnMarkerResponse,
};
use crate::txn::{partition_for_transactional_id, TRANSACTION_STATE_TOPIC};

/// Correlation ids of the transaction coordinator's own appends carry this bit, so their answers are
/// told apart from the group coordinator's.
pub(super) const TXN_APPEND_BIT: u64 = 1 << 62;

impl Broker {
    /// The broker's transaction coordinator.
    pub fn transaction_coordinator(&self) -> &TransactionCoordinator {
        &self.txns
    }

    fn internal_topic_partitions(&self, topic: &str) -> i32 {
        let first = TopicPartition { topic: topic.into(), partition: 0 };
        let last = TopicPartition { topic: topic.into(), partition: i32::MAX };
        i32::try_from(self.metadata.range(first..=last).count()).unwrap_or(i32::MAX)
    }

    /// FindCoordinator for a transactional id: the leader of its `__transaction_state` partition.
    pub(super) fn on_find_transaction_coordinator(
        &mut self,
        now_ms: u64,
        from: NodeId,
        request: FindCoordinatorRequest,
    ) {
        let partitions = self.internal_topic_partitions(TRANSACTION_STATE_TOPIC);
        let node_id = if request.key.is_empty() {
            Err(ErrorCode::InvalidRequest)
        } else if partitions == 0 {
            self.create_transaction_topic(now_ms);
            Err(ErrorCode::CoordinatorNotAvailable)
        } else {
            let tp = TopicPartition {
                topic: TRANSACTION_STATE_TOPIC.into(),
                partition: partition_for_transactional_id(&request.key, partitions),
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

    /// Asks the controller for `__transaction_state` (again after `request.timeout.ms` without it).
    fn create_transaction_topic(&mut self, now_ms: u64) {
        if self
            .transaction_topic_requested_ms
            .is_some_and(|at| now_ms < at.saturating_add(self.config.request_timeout_ms))
        {
            return;
        }
        self.transaction_topic_requested_ms = Some(now_ms);
        let mut config = TopicConfig::default();
        config.log.cleanup_policy = crate::log::CleanupPolicy::Compact;
        config.log.segment_bytes = self.config.transaction_state_log_segment_bytes;
        config.min_insync_replicas = self.config.transaction_state_log_min_isr;
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let request = CreateTopicRequest {
            correlation_id,
            name: TRANSACTION_STATE_TOPIC.into(),
            partitions: self.config.transaction_state_log_num_partitions,
            replication_factor: self.config.transaction_state_log_replication_factor,
            config,
        };
        self.send(NodeId::Controller, Message::CreateTopic(request));
    }

    /// The id's `__transaction_state` partition if this broker coordinates it now.
    fn coordinated_txn_partition(&self, transactional_id: &str) -> Option<i32> {
        let partitions = self.internal_topic_partitions(TRANSACTION_STATE_TOPIC);
        let partition = partition_for_transactional_id(transactional_id, partitions);
        (partitions > 0 && self.txns.is_loaded(partition)).then_some(partition)
    }

    /// InitProducerId with a `transactional.id`.
    pub(super) fn on_transactional_init(
        &mut self,
        now_ms: u64,
        from: NodeId,
        request: InitProducerIdRequest,
    ) {
        let transactional_id = request.transactional_id.clone().unwrap_or_default();
        let Some(partition) = self.coordinated_txn_partition(&transactional_id) else {
            let response = InitProducerIdResponse {
                correlation_id: request.correlation_id,
                error: ErrorCode::NotCoordinator,
                producer_id: -1,
                producer_epoch: -1,
            };
            return self.send(from, Message::InitProducerIdResponse(response));
        };
        let config = self.config.clone();
        let ctx = TxnCtx { now_ms, broker: self.id, config: &config };
        let Broker { txns, producer_ids, .. } = self;
        let mut ask = false;
        let mut new_id = || {
            let (result, wants_more) = producer_ids.generate(now_ms, &config);
            ask |= wants_more;
            result
        };
        txns.init_producer_id(ctx, from, partition, &request, &mut new_id);
        if ask {
            self.ask_for_producer_ids();
        }
    }

    /// Routes a transaction request; `false` if `message` is not one.
    pub(super) fn on_txn_request(&mut self, now_ms: u64, from: NodeId, message: Message) {
        let config = self.config.clone();
        let ctx = TxnCtx { now_ms, broker: self.id, config: &config };
        let not_coordinator = ErrorCode::NotCoordinator;
        match message {
            Message::AddPartitionsToTxn(request) => match self
                .coordinated_txn_partition(&request.transactional_id)
            {
                Some(_) => self.txns.add_partitions(ctx, from, request),
                None => {
                    let results = request.partitions.into_iter().map(|tp| (tp, not_coordinator)).collect();
                    let answer =
                        AddPartitionsToTxnResponse { correlation_id: request.correlation_id, results };
                    self.send(from, Message::AddPartitionsToTxnResponse(answer));
                }
            },
            Message::AddOffsetsToTxn(request) => {
                match self.coordinated_txn_partition(&request.transactional_id) {
                    Some(_) => {
                        let partitions = self.offsets_topic_partitions();
                        let tp = TopicPartition {
                            topic: CONSUMER_OFFSETS_TOPIC.into(),
                            partition: partition_for_group(&request.group_id, partitions),
                        };
                        if partitions == 0 {
                            // Kafka creates `__consumer_offsets` on its first use, whichever request it is.
                            self.create_offsets_topic(now_ms);
                            let answer = AddOffsetsToTxnResponse {
                                correlation_id: request.correlation_id,
                                error: ErrorCode::CoordinatorNotAvailable,
                            };
                            self.send(from, Message::AddOffsetsToTxnResponse(answer));
                        } else {
                            self.txns.add_offsets(ctx, from, request, tp);
                        }
                    }
                    None => {
                        let answer = AddOffsetsToTxnResponse {
                            correlation_id: request.correlation_id,
                            error: not_coordinator,
                        };
                        self.send(from, Message::AddOffsetsToTxnResponse(answer));
                    }
                }
            }
            Message::EndTxn(request) => match self.coordinated_txn_partition(&request.transactional_id) {
                Some(_) => self.txns.end_txn(ctx, from, request),
                None => {
                    let answer = EndTxnResponse {
                        correlation_id: request.correlation_id,
                        error: not_coordinator,
                        producer_id: -1,
                        producer_epoch: -1,
                    };
                    self.send(from, Message::EndTxnResponse(answer));
                }
            },
            Message::TxnOffsetCommit(request) => {
                let partitions = self.offsets_topic_partitions();
                let partition = partition_for_group(&request.group_id, partitions);
                if partitions > 0 && self.groups.is_loaded(partition) {
                    let ctx = CoordinatorCtx { now_ms, broker: self.id, config: &config };
                    self.groups.txn_offset_commit(ctx, from, partition, request);
                } else {
                    let results = request.offsets.into_iter().map(|(tp, _)| (tp, not_coordinator)).collect();
                    let answer = TxnOffsetCommitResponse { correlation_id: request.correlation_id, results };
                    self.send(from, Message::TxnOffsetCommitResponse(answer));
                }
            }
            Message::WriteTxnMarker(request) => self.write_marker(now_ms, from, &request),
            Message::WriteTxnMarkerResponse(response) => self.txns.on_marker_response(ctx, &response),
            _ => {}
        }
        self.run_coordinator(now_ms);
    }

    /// Has this broker's replica of `request.tp` write a marker (answered to `from`); on
    /// `__consumer_offsets` the group coordinator applies or drops the producer's pending offsets.
    fn write_marker(&mut self, now_ms: u64, from: NodeId, request: &WriteTxnMarkerRequest) {
        let written = self.with_partition(now_ms, &request.tp, |p, ctx| {
            let before = p.log().log_end_offset();
            p.handle_write_marker(from, request, ctx);
            p.log().log_end_offset() > before
        });
        match written {
            None => {
                let response = WriteTxnMarkerResponse {
                    correlation_id: request.correlation_id,
                    tp: request.tp.clone(),
                    producer_id: request.producer_id,
                    error: self.missing_partition_error(&request.tp),
                };
                self.send(from, Message::WriteTxnMarkerResponse(response));
            }
            Some(true) if request.tp.topic == CONSUMER_OFFSETS_TOPIC => {
                let config = self.config.clone();
                let ctx = CoordinatorCtx { now_ms, broker: self.id, config: &config };
                self.groups.complete_transaction(
                    ctx,
                    request.tp.partition,
                    request.producer_id,
                    request.committed,
                );
            }
            Some(_) => {}
        }
    }

    /// Executes one output of the transaction coordinator.
    pub(super) fn execute_txn_output(&mut self, now_ms: u64, output: TxnOutput) {
        match output {
            TxnOutput::Send { to, message } => self.send(to, message),
            TxnOutput::Event(event) => self.effects.push(Effect::Event(event)),
            TxnOutput::Append { partition, append_id, records } => {
                let tp = TopicPartition { topic: TRANSACTION_STATE_TOPIC.into(), partition };
                let timeout_ms = self.config.request_timeout_ms;
                self.internal_append(now_ms, tp, append_id | TXN_APPEND_BIT, records, None, timeout_ms);
            }
            TxnOutput::Marker(request) => {
                let me = NodeId::Broker(self.id);
                let leader = self.metadata.get(&request.tp).map(|s| s.leader);
                if let Some(leader) = leader {
                    self.txns.marker_routed(now_ms, request.correlation_id, leader);
                }
                match leader {
                    Some(Some(leader)) if leader == self.id => self.write_marker(now_ms, me, &request),
                    Some(Some(leader)) => self.send(NodeId::Broker(leader), Message::WriteTxnMarker(request)),
                    // No leader now: the coordinator tries again after its backoff.
                    Some(None) => {}
                    None => {
                        let response = WriteTxnMarkerResponse {
                            correlation_id: request.correlation_id,
                            tp: request.tp,
                            producer_id: request.producer_id,
                            error: ErrorCode::UnknownTopicOrPartition,
                        };
                        let config = self.config.clone();
                        let ctx = TxnCtx { now_ms, broker: self.id, config: &config };
                        self.txns.on_marker_response(ctx, &response);
                    }
                }
            }
        }
    }

    /// Appends a coordinator's records to an internal partition as an acks=all produce from this
    /// broker to itself; the answer comes back through [`Broker::run_coordinator`] by `correlation_id`.
    pub(super) fn internal_append(
        &mut self,
        now_ms: u64,
        tp: TopicPartition,
        correlation_id: u64,
        records: Vec<NewRecord>,
        producer: Option<(i64, i16)>,
        timeout_ms: u64,
    ) {
        let encoded = RecordBatch::from_new_records(records, Compression::None).and_then(|mut batch| {
            if let Some((producer_id, producer_epoch)) = producer {
                batch.producer_id = producer_id;
                batch.producer_epoch = producer_epoch;
                batch.attributes.is_transactional = true;
            }
            batch.encode()
        });
        let error = match encoded {
            Ok(bytes) => {
                let request = ProduceRequest {
                    correlation_id,
                    acks: Acks::All,
                    timeout_ms,
                    tp: tp.clone(),
                    records: bytes,
                };
                let me = NodeId::Broker(self.id);
                match self.with_partition(now_ms, &tp, |p, ctx| p.handle_produce(me, &request, ctx)) {
                    Some(()) => return,
                    None => ErrorCode::NotLeaderOrFollower,
                }
            }
            Err(e) => e.error_code(),
        };
        self.deliver_internal_answer(now_ms, correlation_id, error);
    }

    /// Hands the answer to an internal append to the coordinator that made it.
    pub(super) fn deliver_internal_answer(&mut self, now_ms: u64, correlation_id: u64, error: ErrorCode) {
        let config = self.config.clone();
        if correlation_id & TXN_APPEND_BIT != 0 {
            let ctx = TxnCtx { now_ms, broker: self.id, config: &config };
            self.txns.on_append_done(ctx, correlation_id & !TXN_APPEND_BIT, error);
        } else {
            let ctx = CoordinatorCtx { now_ms, broker: self.id, config: &config };
            self.groups.on_append_done(ctx, correlation_id, error);
        }
    }

    /// Loads the transactional ids of every `__transaction_state` partition this broker now leads and
    /// unloads those it stopped leading.
    ///
    /// A partition is loaded only once its high watermark has reached its log end: a new leader may hold
    /// records above it (written by a deposed leader and fetched before this broker learnt it leads)
    /// that a later election can still truncate, and markers sent on the word of such a PrepareCommit
    /// would commit one half of a transaction while the next coordinator finds it Ongoing and aborts
    /// the other half. Until then its transactional ids get `NOT_COORDINATOR` and their clients look the
    /// coordinator up again, as before any load.
    /// (Found by `samsa-sim explore` on `exactly-once-pipeline`, seed 19.)
    pub(super) fn sync_transaction_partitions(&mut self, now_ms: u64) {
        let first = TopicPartition { topic: TRANSACTION_STATE_TOPIC.into(), partition: 0 };
        let last = TopicPartition { topic: TRANSACTION_STATE_TOPIC.into(), partition: i32::MAX };
        let leading: Vec<(i32, i32, bool)> = self
            .partitions
            .range(first..=last)
            .filter(|(_, p)| p.role() == Role::Leader)
            .map(|(tp, p)| (tp.partition, p.leader_epoch(), p.high_watermark() >= p.log().log_end_offset()))
            .collect();
        let loaded: Vec<i32> = self.txns.loaded_partitions().collect();
        for partition in loaded.iter().filter(|p| !leading.iter().any(|(l, _, _)| l == *p)) {
            self.txns.unload(*partition);
        }
        let config = self.config.clone();
        let ready = leading.into_iter().filter(|(p, _, settled)| *settled && !loaded.contains(p));
        for (partition, epoch, _) in ready {
            let batches = self.read_internal_partition(TRANSACTION_STATE_TOPIC, partition);
            let ctx = TxnCtx { now_ms, broker: self.id, config: &config };
            self.txns.load(ctx, partition, epoch, &batches);
        }
    }

    /// The transaction coordinator's timers.
    pub(super) fn tick_transactions(&mut self, now_ms: u64) {
        // A partition whose load waited for its high watermark is loaded as soon as it settles.
        self.sync_transaction_partitions(now_ms);
        let metadata = &self.metadata;
        self.txns.resend_moved_markers(now_ms, |tp| metadata.get(tp).and_then(|s| s.leader));
        if self.txns.next_tick_ms().is_some_and(|t| t <= now_ms) {
            let config = self.config.clone();
            let ctx = TxnCtx { now_ms, broker: self.id, config: &config };
            self.txns.on_tick(ctx);
        }
    }
}

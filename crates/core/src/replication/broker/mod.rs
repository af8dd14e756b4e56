//! A broker as a sans-IO [`Node`]: its partition replicas, its heartbeats to the controller (which
//! carry metadata back, KRaft-style), request routing, and timers.
//!
//! The broker learns everything about roles from the controller's metadata log: it heartbeats every
//! `broker.heartbeat.interval.ms` with how much of the log it has applied, and applies the changes that
//! come back (create replicas, become leader or follower on a new leader epoch, adopt a committed ISR).
//! See [`durable`] for what survives a crash. Producers get their ids here ([`producer_ids`], KIP-98,
//! KIP-730): any broker answers a non-transactional `InitProducerId` from a block of ids the
//! controller leased to it.

pub mod durable;
mod groups;
pub mod producer_ids;
mod txns;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ErrorCode;
use crate::group::coordinator::GroupCoordinator;
use crate::node::{BrokerId, Effect, Node, NodeId};
use crate::replication::config::{BrokerConfig, TopicConfig};
use crate::replication::messages::{
    FetchRequest, FetchResponse, InitProducerIdRequest, InitProducerIdResponse, Message, MetadataChange,
    PartitionState, ProduceRequest, ProduceResponse, TopicPartition,
};
use crate::replication::partition::{Ctx, Partition};
use producer_ids::ProducerIdManager;

/// A Kafka broker: replicas of the partitions assigned to it.
#[derive(Clone)]
pub struct Broker {
    id: BrokerId,
    config: BrokerConfig,
    incarnation_id: u64,
    partitions: BTreeMap<TopicPartition, Partition>,
    topics: BTreeMap<String, TopicConfig>,
    /// Every partition's state as the metadata log says (answers MetadataRequest).
    metadata: BTreeMap<TopicPartition, PartitionState>,
    metadata_offset: u64,
    fenced: bool,
    next_heartbeat_ms: u64,
    /// The `replication-offset-checkpoint` file: high watermarks as last written.
    high_watermark_checkpoint: BTreeMap<TopicPartition, i64>,
    next_high_watermark_checkpoint_ms: u64,
    next_correlation_id: u64,
    effects: Vec<Effect>,
    /// How many replicas' cached invariant checks fail: zero on every healthy step, which makes
    /// [`Broker::check_invariants`] O(1) then.
    failing_replicas: usize,
    /// Blocks of producer ids leased from the controller (KIP-730).
    producer_ids: ProducerIdManager,
    /// The group coordinator for the `__consumer_offsets` partitions this broker leads (in memory
    /// only: a restarted broker rebuilds it from the partitions' logs when it leads them again).
    groups: GroupCoordinator,
    /// When this broker last asked the controller to create `__consumer_offsets`.
    offsets_topic_requested_ms: Option<u64>,
    /// The transaction coordinator for the `__transaction_state` partitions this broker leads (in
    /// memory only, rebuilt from the partitions' logs like the groups).
    txns: crate::txn::coordinator::TransactionCoordinator,
    /// When this broker last asked the controller to create `__transaction_state`.
    transaction_topic_requested_ms: Option<u64>,
}

/// What a broker starts from: nothing for a new broker, the files for a restarted one.
#[derive(Default)]
struct BrokerDisk {
    incarnation_id: u64,
    partitions: BTreeMap<TopicPartition, Partition>,
    topics: BTreeMap<String, TopicConfig>,
    high_watermark_checkpoint: BTreeMap<TopicPartition, i64>,
    producer_id_block_end: i64,
}

impl Broker {
    /// A fresh broker with no data; it registers with its first heartbeat, at `now_ms`.
    pub fn new(id: BrokerId, config: BrokerConfig, now_ms: u64) -> Self {
        let state = BrokerDisk::default();
        Self::with_state(id, config, state, now_ms)
    }

    fn with_state(id: BrokerId, config: BrokerConfig, disk: BrokerDisk, now_ms: u64) -> Self {
        let BrokerDisk {
            incarnation_id,
            partitions,
            topics,
            high_watermark_checkpoint,
            producer_id_block_end,
        } = disk;
        let failing_replicas = partitions.values().filter(|p| p.cached_invariants().is_err()).count();
        let next_high_watermark_checkpoint_ms =
            now_ms.saturating_add(config.replica_high_watermark_checkpoint_interval_ms);
        Broker {
            id,
            config,
            incarnation_id,
            partitions,
            topics,
            metadata: BTreeMap::new(),
            metadata_offset: 0,
            // KIP-631: a broker starts fenced and is unfenced by the controller once caught up.
            fenced: true,
            next_heartbeat_ms: now_ms,
            high_watermark_checkpoint,
            next_high_watermark_checkpoint_ms,
            next_correlation_id: 0,
            effects: Vec::new(),
            failing_replicas,
            producer_ids: ProducerIdManager::new(producer_id_block_end),
            groups: GroupCoordinator::default(),
            offsets_topic_requested_ms: None,
            txns: crate::txn::coordinator::TransactionCoordinator::default(),
            transaction_topic_requested_ms: None,
        }
    }

    /// This broker's `node.id`.
    pub fn broker_id(&self) -> BrokerId {
        self.id
    }

    /// The configs in force.
    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// Changes every restart (KRaft's incarnation id).
    pub fn incarnation_id(&self) -> u64 {
        self.incarnation_id
    }

    /// The broker's producer id blocks (KIP-730).
    pub fn producer_ids(&self) -> &ProducerIdManager {
        &self.producer_ids
    }

    /// Whether the controller last said this broker is fenced.
    pub fn is_fenced(&self) -> bool {
        self.fenced
    }

    /// How much of the controller's metadata log this broker has applied.
    pub fn metadata_offset(&self) -> u64 {
        self.metadata_offset
    }

    /// This broker's replica of `tp`, if it holds one.
    pub fn partition(&self, tp: &TopicPartition) -> Option<&Partition> {
        self.partitions.get(tp)
    }

    /// Every replica this broker holds, by partition.
    pub fn partitions(&self) -> impl Iterator<Item = &Partition> + '_ {
        self.partitions.values()
    }

    /// The cluster's partition states as this broker knows them.
    pub fn metadata(&self) -> impl Iterator<Item = &PartitionState> + '_ {
        self.metadata.values()
    }

    /// Checks every replica's invariants (HW ≤ LEO, epoch cache ascending, a leader's epoch cache at
    /// its epoch); the simulator calls it after every step. Each replica's check runs when the replica
    /// changes and is cached, so this costs O(replicas changed), not O(replicas).
    pub fn check_invariants(&self) -> Result<(), String> {
        debug_assert_eq!(
            self.failing_replicas,
            self.partitions.values().filter(|p| p.cached_invariants().is_err()).count(),
            "failing replica count out of step"
        );
        if self.failing_replicas == 0 {
            return Ok(());
        }
        for partition in self.partitions.values() {
            partition.cached_invariants().map_err(|e| alloc::format!("broker {}: {e}", self.id))?;
        }
        Ok(())
    }

    /// Runs `f` on the replica of `tp` with a context borrowing the broker's other fields.
    fn with_partition<R>(
        &mut self,
        now_ms: u64,
        tp: &TopicPartition,
        f: impl FnOnce(&mut Partition, &mut Ctx<'_>) -> R,
    ) -> Option<R> {
        let Broker { id, config, partitions, effects, next_correlation_id, failing_replicas, .. } = self;
        let partition = partitions.get_mut(tp)?;
        let mut ctx = Ctx { now_ms, broker: *id, config, effects, next_correlation_id };
        let result = f(partition, &mut ctx);
        partition.refresh_next_tick(failing_replicas);
        Some(result)
    }

    /// Kafka's answer for a partition this broker has no replica of.
    fn missing_partition_error(&self, tp: &TopicPartition) -> ErrorCode {
        if self.metadata.contains_key(tp) {
            ErrorCode::NotLeaderOrFollower
        } else {
            ErrorCode::UnknownTopicOrPartition
        }
    }

    fn send(&mut self, to: NodeId, message: Message) {
        self.effects.push(Effect::Send { to, message });
    }

    fn on_produce(&mut self, now_ms: u64, from: NodeId, request: ProduceRequest) {
        let handled =
            self.with_partition(now_ms, &request.tp, |p, ctx| p.handle_produce(from, &request, ctx));
        if handled.is_none() {
            let error = self.missing_partition_error(&request.tp);
            let response = ProduceResponse {
                correlation_id: request.correlation_id,
                tp: request.tp,
                error,
                base_offset: -1,
                log_start_offset: -1,
            };
            self.send(from, Message::ProduceResponse(response));
        }
    }

    /// InitProducerId (KIP-98): a new id with epoch 0 for an idempotent producer, from this broker's
    /// block (KIP-730). A producer that gives its old id and epoch (KIP-360) still gets a new id, as
    /// Kafka's coordinator does without a `transactional.id`. With a `transactional_id` the request
    /// goes to the transaction coordinator (see `txns`).
    fn on_init_producer_id(&mut self, now_ms: u64, from: NodeId, request: InitProducerIdRequest) {
        if request.transactional_id.is_some() {
            return self.on_transactional_init(now_ms, from, request);
        }
        let result = {
            let (result, ask) = self.producer_ids.generate(now_ms, &self.config);
            if ask {
                self.ask_for_producer_ids();
            }
            result
        };
        let (error, producer_id, producer_epoch) = match result {
            Ok(producer_id) => (ErrorCode::None, producer_id, 0),
            Err(error) => (error, -1, -1),
        };
        let response = InitProducerIdResponse {
            correlation_id: request.correlation_id,
            error,
            producer_id,
            producer_epoch,
        };
        self.send(from, Message::InitProducerIdResponse(response));
    }

    fn ask_for_producer_ids(&mut self) {
        let message = Message::AllocateProducerIds { broker: self.id, incarnation_id: self.incarnation_id };
        self.send(NodeId::Controller, message);
    }

    fn on_fetch(&mut self, now_ms: u64, from: NodeId, request: FetchRequest) {
        // One lookup and no copy of the partition name: fetches are the most frequent request.
        let Broker { id, config, partitions, effects, next_correlation_id, failing_replicas, .. } = self;
        if let Some(partition) = partitions.get_mut(&request.tp) {
            let mut ctx = Ctx { now_ms, broker: *id, config, effects, next_correlation_id };
            partition.handle_fetch(from, request, &mut ctx);
            partition.refresh_next_tick(failing_replicas);
            return;
        }
        let error = self.missing_partition_error(&request.tp);
        let response = FetchResponse {
            correlation_id: request.correlation_id,
            tp: request.tp,
            error,
            high_watermark: -1,
            log_start_offset: -1,
            records: Vec::new(),
            last_stable_offset: -1,
            aborted_transactions: Vec::new(),
        };
        self.send(from, Message::FetchResponse(response));
    }

    /// A follower's fetch answered: one lookup, no copy of the partition name.
    fn on_follower_fetch_response(&mut self, now_ms: u64, response: FetchResponse) {
        let Broker { id, config, partitions, effects, next_correlation_id, failing_replicas, .. } = self;
        if let Some(partition) = partitions.get_mut(&response.tp) {
            let mut ctx = Ctx { now_ms, broker: *id, config, effects, next_correlation_id };
            partition.handle_follower_fetch_response(response, &mut ctx);
            partition.refresh_next_tick(failing_replicas);
        }
    }

    fn on_offsets_for_leader_epoch(
        &mut self,
        from: NodeId,
        correlation_id: u64,
        tp: TopicPartition,
        current_leader_epoch: i32,
        leader_epoch: i32,
    ) {
        let (error, leader_epoch, end_offset) = match self.partitions.get(&tp) {
            Some(partition) => partition.offsets_for_leader_epoch(current_leader_epoch, leader_epoch),
            None => (self.missing_partition_error(&tp), -1, -1),
        };
        let message =
            Message::OffsetsForLeaderEpochResponse { correlation_id, tp, error, leader_epoch, end_offset };
        self.send(from, message);
    }

    /// Applies the metadata log entries the controller sent. Entries this broker already applied (a
    /// duplicated or reordered response) are skipped; several changes to one partition collapse to the
    /// last, as a KRaft broker applies a metadata image rather than every intermediate state.
    fn on_heartbeat_response(
        &mut self,
        now_ms: u64,
        fenced: bool,
        changes: Vec<MetadataChange>,
        metadata_offset: u64,
    ) {
        if metadata_offset < self.metadata_offset {
            return;
        }
        self.fenced = fenced;
        let Some(start_offset) = metadata_offset.checked_sub(changes.len() as u64) else { return };
        if start_offset > self.metadata_offset {
            return; // a gap: wait for a response that starts where we are
        }
        let skip = usize::try_from(self.metadata_offset - start_offset).unwrap_or(usize::MAX);
        let mut topics = BTreeMap::new();
        let mut states = BTreeMap::new();
        // Deleted topics go first: a topic deleted and created again in the same batch starts afresh.
        let mut deleted = Vec::new();
        for change in changes.into_iter().skip(skip) {
            match change {
                MetadataChange::Topic { name, config } => {
                    topics.insert(name, config);
                }
                MetadataChange::Partition(state) => {
                    states.insert(state.tp.clone(), state);
                }
                MetadataChange::TopicDeleted { name } => {
                    topics.remove(&name);
                    states.retain(|tp: &TopicPartition, _| tp.topic != name);
                    deleted.push(name);
                }
            }
        }
        self.metadata_offset = metadata_offset;
        for name in deleted {
            self.topics.remove(&name);
            self.metadata.retain(|tp, _| tp.topic != name);
            let failing = &mut self.failing_replicas;
            self.partitions.retain(|tp, p| {
                let keep = tp.topic != name;
                if !keep {
                    *failing = failing.saturating_sub(usize::from(p.cached_invariants().is_err()));
                }
                keep
            });
        }
        for (name, config) in topics {
            for partition in self.partitions.values_mut().filter(|p| p.tp().topic == name) {
                partition.set_config(config.clone());
                partition.refresh_next_tick(&mut self.failing_replicas);
            }
            self.topics.insert(name, config);
        }
        for (tp, state) in states {
            self.apply_partition_state(now_ms, &tp, &state);
            self.metadata.insert(tp, state);
        }
    }

    fn apply_partition_state(&mut self, now_ms: u64, tp: &TopicPartition, state: &PartitionState) {
        if !self.partitions.contains_key(tp) {
            if !state.replicas.contains(&self.id) {
                return;
            }
            let config = self.topics.get(&tp.topic).cloned().unwrap_or_default();
            let partition = Partition::new(tp.clone(), config, now_ms, &self.config);
            self.failing_replicas += usize::from(partition.cached_invariants().is_err());
            self.partitions.insert(tp.clone(), partition);
        }
        self.with_partition(now_ms, tp, |p, ctx| p.apply_state(state, ctx));
    }

    fn send_heartbeat(&mut self, now_ms: u64) {
        let message = Message::BrokerHeartbeat {
            broker: self.id,
            metadata_offset: self.metadata_offset,
            incarnation_id: self.incarnation_id,
        };
        self.send(NodeId::Controller, message);
        self.next_heartbeat_ms = now_ms.saturating_add(self.config.broker_heartbeat_interval_ms.max(1));
    }
}

impl Node for Broker {
    fn id(&self) -> NodeId {
        NodeId::Broker(self.id)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        match message {
            Message::MetadataRequest { correlation_id } => {
                let partitions = self.metadata.values().cloned().collect();
                self.send(from, Message::MetadataResponse { correlation_id, partitions });
            }
            Message::Produce(request) => self.on_produce(now_ms, from, request),
            Message::Fetch(request) => self.on_fetch(now_ms, from, request),
            Message::FetchResponse(response) => self.on_follower_fetch_response(now_ms, response),
            Message::OffsetsForLeaderEpoch {
                correlation_id, tp, current_leader_epoch, leader_epoch, ..
            } => {
                self.on_offsets_for_leader_epoch(
                    from,
                    correlation_id,
                    tp,
                    current_leader_epoch,
                    leader_epoch,
                );
            }
            Message::OffsetsForLeaderEpochResponse {
                correlation_id,
                tp,
                error,
                leader_epoch,
                end_offset,
            } => {
                self.with_partition(now_ms, &tp, |p, ctx| {
                    p.handle_offsets_for_leader_epoch_response(
                        correlation_id,
                        error,
                        leader_epoch,
                        end_offset,
                        ctx,
                    )
                });
            }
            Message::BrokerHeartbeatResponse { fenced, changes, metadata_offset } => {
                self.on_heartbeat_response(now_ms, fenced, changes, metadata_offset);
                self.sync_coordinator_partitions(now_ms);
            }
            Message::AlterPartitionResponse { tp, error, state } => {
                self.with_partition(now_ms, &tp, |p, ctx| {
                    p.handle_alter_partition_response(error, state.as_ref(), ctx)
                });
            }
            // Requests for other nodes and answers meant for clients: not a broker's business.
            Message::MetadataResponse { .. }
            | Message::ProduceResponse(_)
            | Message::BrokerHeartbeat { .. }
            | Message::AlterPartition { .. }
            | Message::InitProducerIdResponse(_)
            | Message::AllocateProducerIds { .. } => {}
            Message::FindCoordinator(request) => match request.key_type {
                crate::group::messages::CoordinatorType::Group => {
                    self.on_find_coordinator(now_ms, from, request)
                }
                crate::group::messages::CoordinatorType::Transaction => {
                    self.on_find_transaction_coordinator(now_ms, from, request)
                }
            },
            message @ (Message::AddPartitionsToTxn(_)
            | Message::AddOffsetsToTxn(_)
            | Message::EndTxn(_)
            | Message::TxnOffsetCommit(_)
            | Message::WriteTxnMarker(_)
            | Message::WriteTxnMarkerResponse(_)) => self.on_txn_request(now_ms, from, message),
            // Answers meant for producers.
            Message::AddPartitionsToTxnResponse(_)
            | Message::AddOffsetsToTxnResponse(_)
            | Message::EndTxnResponse(_)
            | Message::TxnOffsetCommitResponse(_) => {}
            message @ (Message::JoinGroup(_)
            | Message::SyncGroup(_)
            | Message::Heartbeat(_)
            | Message::LeaveGroup(_)
            | Message::OffsetCommit(_)
            | Message::OffsetFetch(_)
            | Message::CreateTopicResponse(_)) => {
                self.on_group_request(now_ms, from, message);
            }
            Message::ListOffsets(request) => {
                let answer = match self.partitions.get(&request.tp) {
                    Some(partition) => partition.list_offsets(&request),
                    None => crate::group::messages::ListOffsetsResponse {
                        correlation_id: request.correlation_id,
                        error: self.missing_partition_error(&request.tp),
                        tp: request.tp,
                        timestamp: -1,
                        offset: -1,
                        leader_epoch: -1,
                    },
                };
                self.send(from, Message::ListOffsetsResponse(answer));
            }
            // Answers meant for clients, and the controller's request.
            Message::FindCoordinatorResponse(_)
            | Message::JoinGroupResponse(_)
            | Message::SyncGroupResponse(_)
            | Message::HeartbeatResponse(_)
            | Message::LeaveGroupResponse(_)
            | Message::OffsetCommitResponse(_)
            | Message::OffsetFetchResponse(_)
            | Message::ListOffsetsResponse(_)
            | Message::CreateTopic(_) => {}
            Message::InitProducerId(request) => self.on_init_producer_id(now_ms, from, request),
            Message::AllocateProducerIdsResponse { error, producer_id_start, producer_id_len } => {
                self.producer_ids.on_response(
                    error,
                    producer_id_start,
                    producer_id_len,
                    now_ms,
                    &self.config,
                );
            }
        }
        // Answers to the coordinator's own appends can come out of any handler (a follower fetch
        // moving the high watermark completes them).
        self.run_coordinator(now_ms);
    }

    fn on_tick(&mut self, now_ms: u64) {
        if now_ms >= self.next_heartbeat_ms {
            self.send_heartbeat(now_ms);
        }
        self.tick_coordinator(now_ms);
        if self.producer_ids.on_tick(now_ms, &self.config) {
            self.ask_for_producer_ids();
        }
        if now_ms >= self.next_high_watermark_checkpoint_ms {
            self.high_watermark_checkpoint =
                self.partitions.iter().map(|(tp, p)| (tp.clone(), p.high_watermark())).collect();
            self.next_high_watermark_checkpoint_ms =
                now_ms.saturating_add(self.config.replica_high_watermark_checkpoint_interval_ms.max(1));
        }
        let Broker { id, config, partitions, effects, next_correlation_id, failing_replicas, .. } = self;
        for partition in partitions.values_mut() {
            if partition.cached_next_tick_ms() <= now_ms {
                let mut ctx = Ctx { now_ms, broker: *id, config, effects, next_correlation_id };
                partition.on_tick(&mut ctx);
                partition.refresh_next_tick(failing_replicas);
            }
        }
        self.run_coordinator(now_ms);
    }

    fn next_tick_ms(&self) -> Option<u64> {
        let partitions = self.partitions.values().map(|p| p.cached_next_tick_ms());
        let producer_ids = self.producer_ids.next_tick_ms().unwrap_or(u64::MAX);
        let groups = self.groups.next_tick_ms().unwrap_or(u64::MAX);
        let txns = self.txns.next_tick_ms().unwrap_or(u64::MAX);
        partitions
            .chain([
                self.next_heartbeat_ms,
                self.next_high_watermark_checkpoint_ms,
                producer_ids,
                groups,
                txns,
            ])
            .min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }
}

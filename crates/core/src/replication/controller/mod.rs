//! The controller as a sans-IO [`Node`]: the KRaft quorum modelled as one linearizable metadata log.
//!
//! A real KRaft quorum replicates its metadata log with Raft among 3 or 5 controllers; what brokers
//! observe is one totally ordered log that never loses a committed entry. That is what this type is:
//! every change (topic created, leader elected, ISR committed) is appended to [`Controller::metadata_log`],
//! and brokers pull it with their heartbeats (KIP-500, KIP-631). A controller failover is the driver
//! pausing this node for a while and resuming it with the same state; [`Controller::fail_over`] then
//! restarts every broker's session timer, as a new active controller does, so nobody is fenced only
//! because the controller was away.
//!
//! Rules, as KRaft's `ReplicationControlManager`: brokers register by heartbeating and are fenced
//! after `broker.session.timeout.ms` without one (or when a new incarnation shows the broker restarted);
//! a fenced broker leaves every ISR except as its last member, and loses its leaderships; elections
//! prefer the first replica in assignment order that is in the ISR and unfenced; with no such replica
//! the partition goes offline, unless `unclean.leader.election.enable` lets any unfenced replica lead.
//! AlterPartition (KIP-497) is fenced by leader epoch and partition epoch.
//!
//! Producer ids (KIP-730): the controller leases blocks of [`PRODUCER_ID_BLOCK_SIZE`] ids to brokers
//! with `AllocateProducerIds`. The next free id is quorum state, like the metadata log: KRaft commits
//! a `ProducerIdsRecord` to the metadata log for every block, and here it is a field of this type,
//! which a failover keeps exactly as it keeps [`Controller::metadata_log`] (brokers never need the
//! record, so it is not one of the [`MetadataChange`]s they pull).

mod election;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::error::ErrorCode;
use crate::node::{BrokerId, Effect, Node, NodeId};
use crate::replication::config::{ControllerConfig, TopicConfig};
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{Message, MetadataChange, PartitionState, TopicPartition};

/// What the controller knows of one broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerRegistration {
    /// Last heartbeat (or registration, or failover) time.
    pub last_heartbeat_ms: u64,
    /// Fenced brokers neither lead nor count for the ISR.
    pub fenced: bool,
    /// The incarnation seen last; `None` for a broker registered by [`Controller::create_topic`].
    pub incarnation_id: Option<u64>,
}

/// The active controller of the (modelled) KRaft quorum.
#[derive(Clone)]
pub struct Controller {
    config: ControllerConfig,
    now_ms: u64,
    brokers: BTreeMap<BrokerId, BrokerRegistration>,
    topics: BTreeMap<String, TopicConfig>,
    partitions: BTreeMap<TopicPartition, PartitionState>,
    metadata_log: Vec<MetadataChange>,
    /// The first producer id of the next block (KRaft's `ProducerIdsRecord.nextProducerId`).
    next_producer_id: i64,
    effects: Vec<Effect>,
}

/// Kafka's `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`: ids per block leased to a broker.
pub const PRODUCER_ID_BLOCK_SIZE: i32 = 1_000;

impl Controller {
    /// A controller with no brokers and no topics.
    pub fn new(config: ControllerConfig, now_ms: u64) -> Self {
        Controller {
            config,
            now_ms,
            brokers: BTreeMap::new(),
            topics: BTreeMap::new(),
            partitions: BTreeMap::new(),
            metadata_log: Vec::new(),
            next_producer_id: 0,
            effects: Vec::new(),
        }
    }

    /// The metadata log brokers pull.
    pub fn metadata_log(&self) -> &[MetadataChange] {
        &self.metadata_log
    }

    /// The first producer id the next `AllocateProducerIds` block will hold.
    pub fn next_producer_id(&self) -> i64 {
        self.next_producer_id
    }

    /// Every partition's current state.
    pub fn partitions(&self) -> impl Iterator<Item = &PartitionState> + '_ {
        self.partitions.values()
    }

    /// One partition's current state.
    pub fn partition(&self, tp: &TopicPartition) -> Option<&PartitionState> {
        self.partitions.get(tp)
    }

    /// The registered brokers.
    pub fn brokers(&self) -> &BTreeMap<BrokerId, BrokerRegistration> {
        &self.brokers
    }

    /// Whether `broker` is fenced (unknown brokers count as fenced).
    pub fn is_fenced(&self, broker: BrokerId) -> bool {
        self.brokers.get(&broker).is_none_or(|b| b.fenced)
    }

    /// Kafka's `OfflinePartitionsCount`: partitions without a leader.
    pub fn offline_partitions_count(&self) -> usize {
        self.partitions.values().filter(|p| p.leader.is_none()).count()
    }

    /// Controller failover: the new active controller gives every broker a fresh session.
    pub fn fail_over(&mut self, now_ms: u64) {
        self.now_ms = now_ms;
        for registration in self.brokers.values_mut() {
            registration.last_heartbeat_ms = now_ms;
        }
    }

    /// CreateTopics forwarded by a broker (KIP-590): brokers ask for `__consumer_offsets` on the first
    /// FindCoordinator. Replicas go over the unfenced brokers; with fewer of them than the replication
    /// factor the answer is `INVALID_REPLICATION_FACTOR` and the broker asks again later, as Kafka does.
    fn on_create_topic(&mut self, from: NodeId, request: crate::group::messages::CreateTopicRequest) {
        let alive: Vec<BrokerId> = self.brokers.iter().filter(|(_, r)| !r.fenced).map(|(&b, _)| b).collect();
        let replication_factor = usize::try_from(request.replication_factor).unwrap_or(usize::MAX);
        let error = match self.create_topic(
            &request.name,
            request.partitions,
            replication_factor,
            request.config,
            &alive,
        ) {
            Ok(()) => ErrorCode::None,
            Err(error) => error,
        };
        let response = crate::group::messages::CreateTopicResponse {
            correlation_id: request.correlation_id,
            name: request.name,
            error,
        };
        self.effects.push(Effect::Send { to: from, message: Message::CreateTopicResponse(response) });
    }

    /// Creates topic `name` with `partitions` partitions of `replication_factor` replicas over
    /// `brokers` (assigned as Kafka does, see `election::assign_replicas`). Listed brokers not yet
    /// registered are registered unfenced as of now. The ISR starts as the unfenced replicas and the
    /// leader as the first of them. Errors: `INVALID_TOPIC_EXCEPTION`, `TOPIC_ALREADY_EXISTS`,
    /// `INVALID_PARTITIONS`, `INVALID_REPLICATION_FACTOR`.
    pub fn create_topic(
        &mut self,
        name: &str,
        partitions: i32,
        replication_factor: usize,
        config: TopicConfig,
        brokers: &[BrokerId],
    ) -> Result<(), ErrorCode> {
        crate::topic::validate_topic_name(name).map_err(|e| e.error_code())?;
        if self.topics.contains_key(name) {
            return Err(ErrorCode::TopicAlreadyExists);
        }
        if partitions < 1 {
            return Err(ErrorCode::InvalidPartitions);
        }
        let mut brokers = brokers.to_vec();
        brokers.sort_unstable();
        brokers.dedup();
        if replication_factor < 1 || replication_factor > brokers.len() {
            return Err(ErrorCode::InvalidReplicationFactor);
        }
        for &broker in &brokers {
            self.brokers.entry(broker).or_insert(BrokerRegistration {
                last_heartbeat_ms: self.now_ms,
                fenced: false,
                incarnation_id: None,
            });
        }
        self.topics.insert(name.to_string(), config.clone());
        self.metadata_log.push(MetadataChange::Topic { name: name.to_string(), config });
        for (partition, replicas) in
            election::assign_replicas(&brokers, partitions, replication_factor).into_iter().enumerate()
        {
            let isr: Vec<BrokerId> = replicas.iter().copied().filter(|&b| !self.is_fenced(b)).collect();
            let tp = TopicPartition { topic: name.to_string(), partition: partition as i32 };
            let leader = isr.first().copied();
            let state =
                PartitionState { tp: tp.clone(), replicas, isr, leader, leader_epoch: 0, partition_epoch: 0 };
            self.event(ReplicationEvent::LeaderElected {
                tp: tp.clone(),
                leader,
                leader_epoch: 0,
                unclean: false,
            });
            self.metadata_log.push(MetadataChange::Partition(state.clone()));
            self.partitions.insert(tp, state);
        }
        Ok(())
    }

    /// DeleteTopics: removes topic `name` and its partitions; brokers drop the replicas when the
    /// deletion reaches them through the metadata log. The internal topics (`__consumer_offsets`,
    /// `__transaction_state`) cannot be deleted (`INVALID_REQUEST`, as Kafka refuses them).
    pub fn delete_topic(&mut self, name: &str) -> Result<(), ErrorCode> {
        if name.starts_with("__") {
            return Err(ErrorCode::InvalidRequest);
        }
        if self.topics.remove(name).is_none() {
            return Err(ErrorCode::UnknownTopicOrPartition);
        }
        self.partitions.retain(|tp, _| tp.topic != name);
        self.metadata_log.push(MetadataChange::TopicDeleted { name: name.to_string() });
        Ok(())
    }

    /// CreatePartitions: grows topic `name` to `total` partitions (Kafka never shrinks a topic). The new
    /// partitions get the replication factor of the existing ones, assigned by the same round robin as
    /// at creation continued past the old count, and start like a new topic's (leader: the first
    /// unfenced replica, epoch 0). Refused with `UNKNOWN_TOPIC_OR_PARTITION`, `INVALID_PARTITIONS`
    /// (not more than today) or `INVALID_REPLICATION_FACTOR` (fewer brokers than the topic's replicas).
    pub fn create_partitions(
        &mut self,
        name: &str,
        total: i32,
        brokers: &[BrokerId],
    ) -> Result<(), ErrorCode> {
        let existing: Vec<&PartitionState> =
            self.partitions.values().filter(|p| p.tp.topic == name).collect();
        let Some(first) = existing.iter().find(|p| p.tp.partition == 0) else {
            return Err(ErrorCode::UnknownTopicOrPartition);
        };
        let replication_factor = first.replicas.len();
        let current = i32::try_from(existing.len()).unwrap_or(i32::MAX);
        if total <= current {
            return Err(ErrorCode::InvalidPartitions);
        }
        let mut brokers = brokers.to_vec();
        brokers.sort_unstable();
        brokers.dedup();
        if replication_factor < 1 || replication_factor > brokers.len() {
            return Err(ErrorCode::InvalidReplicationFactor);
        }
        let assignments = election::assign_replicas(&brokers, total, replication_factor);
        for (partition, replicas) in assignments.into_iter().enumerate().skip(current as usize) {
            let isr: Vec<BrokerId> = replicas.iter().copied().filter(|&b| !self.is_fenced(b)).collect();
            let tp = TopicPartition { topic: name.to_string(), partition: partition as i32 };
            let leader = isr.first().copied();
            let state =
                PartitionState { tp: tp.clone(), replicas, isr, leader, leader_epoch: 0, partition_epoch: 0 };
            self.event(ReplicationEvent::LeaderElected {
                tp: tp.clone(),
                leader,
                leader_epoch: 0,
                unclean: false,
            });
            self.metadata_log.push(MetadataChange::Partition(state.clone()));
            self.partitions.insert(tp, state);
        }
        Ok(())
    }

    fn event(&mut self, event: ReplicationEvent) {
        self.effects.push(Effect::Event(event));
    }

    /// Commits `new` as the state of its partition: appends it to the metadata log, with events.
    fn commit(&mut self, new: PartitionState, unclean: bool) {
        let Some(old) = self.partitions.get(&new.tp) else { return };
        debug_assert!(new.leader_epoch >= old.leader_epoch, "leader epochs never decrease");
        debug_assert!(new.isr.iter().all(|b| new.replicas.contains(b)), "ISR ⊆ replicas");
        debug_assert!(new.leader.is_none_or(|l| new.isr.contains(&l)), "the leader is in the ISR");
        let leader_changed = new.leader != old.leader || new.leader_epoch != old.leader_epoch;
        let isr_changed = new.isr != old.isr;
        if leader_changed {
            self.event(ReplicationEvent::LeaderElected {
                tp: new.tp.clone(),
                leader: new.leader,
                leader_epoch: new.leader_epoch,
                unclean,
            });
        }
        if isr_changed {
            self.event(ReplicationEvent::IsrChanged {
                tp: new.tp.clone(),
                isr: new.isr.clone(),
                partition_epoch: new.partition_epoch,
            });
        }
        self.metadata_log.push(MetadataChange::Partition(new.clone()));
        self.partitions.insert(new.tp.clone(), new);
    }

    /// Re-elects where needed and commits, bumping the leader epoch on a leader change and the
    /// partition epoch on any change. `drop_from_isr` leaves the ISR unless it is the last member.
    fn reconcile(&mut self, tp: &TopicPartition, drop_from_isr: Option<BrokerId>) {
        let Some(old) = self.partitions.get(tp) else { return };
        let mut new = old.clone();
        if let Some(broker) = drop_from_isr {
            if new.isr.len() > 1 {
                new.isr.retain(|&b| b != broker);
            }
        }
        let unclean_enabled = self.topics.get(&tp.topic).is_some_and(|c| c.unclean_leader_election_enable);
        let brokers = &self.brokers;
        let is_fenced = |b: BrokerId| brokers.get(&b).is_none_or(|r| r.fenced);
        let election = election::elect(&new, is_fenced, unclean_enabled);
        if election.leader != new.leader {
            new.leader = election.leader;
            new.leader_epoch += 1;
        }
        if let (Some(leader), true) = (election.leader, election.unclean) {
            // KIP-966's predecessor rule: an unclean leader starts a fresh ISR of itself.
            new.isr = alloc::vec![leader];
        }
        if new != *old {
            new.partition_epoch += 1;
            self.commit(new, election.unclean);
        }
    }

    /// Fences `broker`: it leaves every ISR (except as the last member) and loses its leaderships.
    fn fence(&mut self, broker: BrokerId) {
        let Some(registration) = self.brokers.get_mut(&broker) else { return };
        if registration.fenced {
            return;
        }
        registration.fenced = true;
        self.event(ReplicationEvent::BrokerFenced { broker });
        let affected: Vec<TopicPartition> = self
            .partitions
            .values()
            .filter(|p| p.isr.contains(&broker) || p.leader == Some(broker))
            .map(|p| p.tp.clone())
            .collect();
        for tp in affected {
            self.reconcile(&tp, Some(broker));
        }
    }

    /// Unfences `broker`: offline partitions it may lead get a leader again.
    fn unfence(&mut self, broker: BrokerId) {
        let Some(registration) = self.brokers.get_mut(&broker) else { return };
        if !registration.fenced {
            return;
        }
        registration.fenced = false;
        self.event(ReplicationEvent::BrokerUnfenced { broker });
        let offline: Vec<TopicPartition> = self
            .partitions
            .values()
            .filter(|p| p.leader.is_none() && p.replicas.contains(&broker))
            .map(|p| p.tp.clone())
            .collect();
        for tp in offline {
            self.reconcile(&tp, None);
        }
    }

    /// A heartbeat: registers a new broker (fenced until caught up), fences one that restarted (new
    /// incarnation), unfences one that has applied the whole metadata log, and sends what it lacks.
    fn on_heartbeat(&mut self, broker: BrokerId, metadata_offset: u64, incarnation_id: u64) {
        let now_ms = self.now_ms;
        let registration = self.brokers.entry(broker).or_insert(BrokerRegistration {
            last_heartbeat_ms: now_ms,
            fenced: true,
            incarnation_id: Some(incarnation_id),
        });
        let restarted = registration.incarnation_id.is_some_and(|known| known != incarnation_id);
        registration.incarnation_id = Some(incarnation_id);
        registration.last_heartbeat_ms = now_ms;
        if restarted {
            self.fence(broker);
        }
        let log_end_offset = self.metadata_log.len() as u64;
        if metadata_offset >= log_end_offset {
            self.unfence(broker);
        }
        let start = usize::try_from(metadata_offset).unwrap_or(usize::MAX).min(self.metadata_log.len());
        let end =
            start.saturating_add(self.config.max_metadata_changes_per_heartbeat).min(self.metadata_log.len());
        let changes = self.metadata_log[start..end].to_vec();
        let message = Message::BrokerHeartbeatResponse {
            fenced: self.is_fenced(broker),
            changes,
            metadata_offset: end as u64,
        };
        self.effects.push(Effect::Send { to: NodeId::Broker(broker), message });
    }

    /// AlterPartition (KIP-497): only the current leader at the current leader epoch and partition
    /// epoch may change the ISR, only to unfenced replicas, and the leader stays in it.
    fn on_alter_partition(
        &mut self,
        broker: BrokerId,
        tp: TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<BrokerId>,
    ) {
        let error = match self.partitions.get(&tp) {
            None => ErrorCode::UnknownTopicOrPartition,
            Some(state) if leader_epoch < state.leader_epoch => ErrorCode::FencedLeaderEpoch,
            Some(state) if leader_epoch > state.leader_epoch => ErrorCode::UnknownLeaderEpoch,
            Some(state) if state.leader != Some(broker) => ErrorCode::NotLeaderOrFollower,
            // Kafka's INVALID_UPDATE_VERSION, which this crate's error table maps to INVALID_REQUEST.
            Some(state) if partition_epoch != state.partition_epoch => ErrorCode::InvalidRequest,
            // Kafka's INELIGIBLE_REPLICA (KIP-841): the ISR may only hold unfenced replicas and the leader.
            Some(state)
                if !new_isr.contains(&broker)
                    || new_isr.iter().any(|b| !state.replicas.contains(b) || self.is_fenced(*b)) =>
            {
                ErrorCode::InvalidRequest
            }
            Some(_) => ErrorCode::None,
        };
        if error == ErrorCode::None {
            if let Some(old) = self.partitions.get(&tp) {
                if old.isr != new_isr {
                    let mut new = old.clone();
                    new.isr = new_isr;
                    new.partition_epoch += 1;
                    self.commit(new, false);
                }
            }
        }
        let state = self.partitions.get(&tp).cloned();
        let message = Message::AlterPartitionResponse { tp, error, state };
        self.effects.push(Effect::Send { to: NodeId::Broker(broker), message });
    }

    /// AllocateProducerIds (KIP-730, Kafka's `ProducerIdControlManager.generateNextProducerId`): the next
    /// block of [`PRODUCER_ID_BLOCK_SIZE`] ids. Only a registered, unfenced broker asking with its
    /// current incarnation gets one (Kafka checks the broker epoch: `STALE_BROKER_EPOCH`, which this
    /// crate's error table maps to `INVALID_REQUEST`); `UNKNOWN_SERVER_ERROR` once ids run out.
    fn on_allocate_producer_ids(&mut self, broker: BrokerId, incarnation_id: u64) {
        let registered = self.brokers.get(&broker);
        let current = registered.is_some_and(|r| !r.fenced && r.incarnation_id == Some(incarnation_id));
        let end = self.next_producer_id.checked_add(i64::from(PRODUCER_ID_BLOCK_SIZE));
        let message = match (current, end) {
            (false, _) => Message::AllocateProducerIdsResponse {
                error: ErrorCode::InvalidRequest,
                producer_id_start: -1,
                producer_id_len: 0,
            },
            (true, None) => Message::AllocateProducerIdsResponse {
                error: ErrorCode::UnknownServerError,
                producer_id_start: -1,
                producer_id_len: 0,
            },
            (true, Some(end)) => {
                let producer_id_start = self.next_producer_id;
                self.next_producer_id = end;
                Message::AllocateProducerIdsResponse {
                    error: ErrorCode::None,
                    producer_id_start,
                    producer_id_len: PRODUCER_ID_BLOCK_SIZE,
                }
            }
        };
        self.effects.push(Effect::Send { to: NodeId::Broker(broker), message });
    }

    /// Checks the controller's invariants: ISR non-empty and ⊆ replicas, the leader in the ISR and
    /// unfenced, no duplicate replicas.
    pub fn check_invariants(&self) -> Result<(), String> {
        use alloc::format;
        for state in self.partitions.values() {
            if state.isr.is_empty() {
                return Err(format!("{:?}: empty ISR", state.tp));
            }
            if let Some(b) = state.isr.iter().find(|b| !state.replicas.contains(b)) {
                return Err(format!("{:?}: ISR member {b} is not a replica", state.tp));
            }
            if let Some(leader) = state.leader {
                if !state.isr.contains(&leader) {
                    return Err(format!("{:?}: leader {leader} not in ISR {:?}", state.tp, state.isr));
                }
                if self.is_fenced(leader) {
                    return Err(format!("{:?}: leader {leader} is fenced", state.tp));
                }
            }
        }
        Ok(())
    }
}

impl Node for Controller {
    fn id(&self) -> NodeId {
        NodeId::Controller
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        self.now_ms = self.now_ms.max(now_ms);
        match message {
            Message::BrokerHeartbeat { broker, metadata_offset, incarnation_id } => {
                self.on_heartbeat(broker, metadata_offset, incarnation_id);
            }
            Message::AlterPartition { broker, tp, leader_epoch, partition_epoch, new_isr } => {
                self.on_alter_partition(broker, tp, leader_epoch, partition_epoch, new_isr);
            }
            Message::AllocateProducerIds { broker, incarnation_id } => {
                self.on_allocate_producer_ids(broker, incarnation_id);
            }
            Message::CreateTopic(request) => self.on_create_topic(from, request),
            _ => {}
        }
    }

    fn on_tick(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        let timeout_ms = self.config.broker_session_timeout_ms;
        let expired: Vec<BrokerId> = self
            .brokers
            .iter()
            .filter(|(_, r)| !r.fenced && now_ms >= r.last_heartbeat_ms.saturating_add(timeout_ms))
            .map(|(&b, _)| b)
            .collect();
        for broker in expired {
            self.fence(broker);
        }
    }

    fn next_tick_ms(&self) -> Option<u64> {
        let timeout_ms = self.config.broker_session_timeout_ms;
        self.brokers
            .values()
            .filter(|r| !r.fenced)
            .map(|r| r.last_heartbeat_ms.saturating_add(timeout_ms))
            .min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }
}

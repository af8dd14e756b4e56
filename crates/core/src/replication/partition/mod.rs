//! One broker's replica of one partition: its log, its leader epoch cache, its high watermark, and its
//! role — leader (`leader`: produce, fetch serving, ISR, purgatories) or follower (`follower`:
//! truncation by leader epoch, the fetch loop). The role comes only from the controller's
//! [`PartitionState`], applied with `Partition::apply_state`. Every replica also keeps the producers'
//! idempotence state ([`producer_state`], KIP-98), derived from its log.

mod follower;
mod leader;
mod list_offsets;
pub mod producer_state;
mod purgatory;
pub mod transactions;

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::log::{LogEvent, PartitionLog};
use crate::node::{BrokerId, Effect, NodeId};
use crate::replication::config::{BrokerConfig, TopicConfig};
use crate::replication::epoch_cache::LeaderEpochCache;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{Message, PartitionState, TopicPartition};

use follower::FollowerState;
use leader::LeaderState;
use producer_state::ProducerStateManager;
use transactions::TransactionIndex;

/// What a partition needs from its broker while handling one input: the time, the configs and where
/// effects go.
pub(crate) struct Ctx<'a> {
    /// The current time.
    pub now_ms: u64,
    /// The broker holding the replica.
    pub broker: BrokerId,
    /// The broker's configs.
    pub config: &'a BrokerConfig,
    /// Effects, in order.
    pub effects: &'a mut Vec<Effect>,
    /// The broker's request counter.
    pub next_correlation_id: &'a mut u64,
}

impl Ctx<'_> {
    fn send(&mut self, to: NodeId, message: Message) {
        self.effects.push(Effect::Send { to, message });
    }

    fn event(&mut self, event: ReplicationEvent) {
        self.effects.push(Effect::Event(event));
    }

    fn correlation_id(&mut self) -> u64 {
        *self.next_correlation_id += 1;
        *self.next_correlation_id
    }
}

/// Most doublings of the wait for an overdue answer: at most 4× the first wait, so after a long
/// outage the next attempt is seconds away, as Kafka's `reconnect.backoff.max.ms` (1 s) keeps it.
const MAX_TIMEOUT_DOUBLINGS: u32 = 2;

/// How long a broker waits for an answer the peer owes within `owed_ms` before it calls the request
/// lost and sends it again, after `unanswered_in_row` requests in a row went unanswered.
///
/// A sans-IO driver that loses a message (the simulator) reports no disconnect, but in Kafka a lost
/// request means the connection broke, and the `NetworkClient` notices: it fails the request and the
/// caller retries after its backoff (the replica fetcher after `replica.fetch.backoff.ms`; the
/// controller channel re-sends once reconnected). So a request counts as lost once its answer is
/// overdue: `owed_ms` plus `replica.fetch.backoff.ms` for the network and the backoff. Each one in a
/// row that goes unanswered doubles the wait (as Kafka's reconnect backoff grows, KIP-144), so a link
/// slower than the first wait still gets its answers through; `request.timeout.ms` bounds the wait.
pub(crate) fn overdue_after_ms(config: &BrokerConfig, owed_ms: u64, unanswered_in_row: u32) -> u64 {
    let base_ms = owed_ms.saturating_add(config.replica_fetch_backoff_ms).max(1);
    let doublings = unanswered_in_row.min(MAX_TIMEOUT_DOUBLINGS);
    base_ms.saturating_mul(1 << doublings).min(config.request_timeout_ms.max(1))
}

/// A replica's role, as the controller last told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Not told yet (after a restart) or no longer a replica.
    Unknown,
    /// The leader.
    Leader,
    /// A follower (of no one while the partition is offline).
    Follower,
}

#[derive(Clone)]
enum RoleState {
    Unknown,
    Leader(Box<LeaderState>),
    Follower(FollowerState),
}

/// One broker's replica of one partition.
#[derive(Clone)]
pub struct Partition {
    tp: TopicPartition,
    log: PartitionLog,
    epochs: LeaderEpochCache,
    high_watermark: i64,
    config: TopicConfig,
    /// The controller's latest state for this partition, as applied.
    state: Option<PartitionState>,
    role: RoleState,
    next_retention_check_ms: u64,
    /// The producers' idempotence state (KIP-98), kept in step with the log.
    producers: ProducerStateManager,
    /// Open transactions, the last stable offset, aborted transactions (KIP-98), kept in step with the log.
    txns: TransactionIndex,
    /// When expired producers are next removed (`producer.id.expiration.check.interval.ms`).
    next_producer_expiration_check_ms: u64,
    /// [`Partition::next_tick_ms`] as of the last [`Partition::refresh_next_tick`]: the broker asks
    /// for its next timer after every step, and recomputing it walks the purgatories.
    next_tick_cache_ms: u64,
    /// [`Partition::check_invariants`] as of the last [`Partition::refresh_next_tick`]: its result
    /// depends only on this replica, so untouched replicas need no new check on every step.
    invariants_cache: Result<(), alloc::string::String>,
}

impl Partition {
    /// A new, empty replica (the partition was just assigned to this broker).
    pub(crate) fn new(tp: TopicPartition, config: TopicConfig, now_ms: u64, broker: &BrokerConfig) -> Self {
        let log = PartitionLog::new(config.log.clone(), now_ms);
        Self::restore(tp, config, log, LeaderEpochCache::new(), 0, now_ms, broker)
    }

    /// A replica rebuilt from what survived a crash, with no role until the controller gives one.
    pub(crate) fn restore(
        tp: TopicPartition,
        config: TopicConfig,
        log: PartitionLog,
        mut epochs: LeaderEpochCache,
        high_watermark_checkpoint: i64,
        now_ms: u64,
        broker: &BrokerConfig,
    ) -> Self {
        // Kafka's log recovery: epochs past the recovered log end are dropped, the high watermark is
        // the checkpointed one, bounded by the log.
        epochs.truncate_from_end(log.log_end_offset());
        let high_watermark = high_watermark_checkpoint.clamp(log.log_start_offset(), log.log_end_offset());
        // Kafka reloads producer state from its snapshot and the log after it; with no snapshot here,
        // the surviving log's batch headers give it (producers only retention had kept are lost).
        let mut producers = ProducerStateManager::default();
        let headers = log.batches().map(|batch| batch.header);
        producers.rebuild(headers, log.log_start_offset(), now_ms, broker.producer_id_expiration_ms);
        let mut partition = Partition {
            tp,
            log,
            epochs,
            high_watermark,
            config,
            state: None,
            role: RoleState::Unknown,
            next_retention_check_ms: now_ms.saturating_add(broker.log_retention_check_interval_ms),
            producers,
            txns: TransactionIndex::default(),
            next_producer_expiration_check_ms: now_ms
                .saturating_add(broker.producer_id_expiration_check_interval_ms.max(1)),
            next_tick_cache_ms: u64::MAX,
            invariants_cache: Ok(()),
        };
        partition.rebuild_transactions();
        partition.refresh_caches();
        partition
    }

    /// Which partition.
    pub fn tp(&self) -> &TopicPartition {
        &self.tp
    }

    /// The log.
    pub fn log(&self) -> &PartitionLog {
        &self.log
    }

    /// The leader epoch cache.
    pub fn epochs(&self) -> &LeaderEpochCache {
        &self.epochs
    }

    /// The producers' idempotence state (KIP-98).
    pub fn producer_state(&self) -> &ProducerStateManager {
        &self.producers
    }

    /// The high watermark as this replica knows it.
    pub fn high_watermark(&self) -> i64 {
        self.high_watermark
    }

    /// The topic configs in force.
    pub fn config(&self) -> &TopicConfig {
        &self.config
    }

    /// The controller's state for this partition, as last applied.
    pub fn state(&self) -> Option<&PartitionState> {
        self.state.as_ref()
    }

    /// The current leader epoch (-1 before the controller said anything).
    pub fn leader_epoch(&self) -> i32 {
        self.state.as_ref().map_or(-1, |state| state.leader_epoch)
    }

    /// This replica's role.
    pub fn role(&self) -> Role {
        match self.role {
            RoleState::Unknown => Role::Unknown,
            RoleState::Leader(_) => Role::Leader,
            RoleState::Follower(_) => Role::Follower,
        }
    }

    /// The leader's maximal ISR (committed ∪ pending, KIP-497), or `None` on a non-leader.
    pub fn maximal_isr(&self) -> Option<Vec<BrokerId>> {
        match (&self.role, &self.state) {
            (RoleState::Leader(leader), Some(state)) => Some(leader.maximal_isr(&state.isr)),
            _ => None,
        }
    }

    /// Changes the topic configs (a `MetadataChange::Topic` for an existing topic).
    pub(crate) fn set_config(&mut self, config: TopicConfig) {
        self.log.set_config(config.log.clone());
        self.config = config;
    }

    /// Applies the controller's state: becomes leader or follower on a new leader epoch, adopts the
    /// committed ISR on a new partition epoch. Older or repeated states are ignored.
    pub(crate) fn apply_state(&mut self, state: &PartitionState, ctx: &mut Ctx<'_>) {
        let new_leader_epoch = match &self.state {
            Some(old) if state.leader_epoch < old.leader_epoch => return,
            Some(old)
                if state.leader_epoch == old.leader_epoch && state.partition_epoch <= old.partition_epoch =>
            {
                return
            }
            Some(old) => state.leader_epoch > old.leader_epoch,
            None => true,
        };
        debug_assert!(
            self.state.as_ref().is_none_or(|old| old.leader_epoch <= state.leader_epoch),
            "leader epochs never decrease"
        );
        self.state = Some(state.clone());
        if !state.replicas.contains(&ctx.broker) {
            self.resign(ctx);
            self.role = RoleState::Unknown;
            return;
        }
        let unknown = matches!(self.role, RoleState::Unknown);
        if new_leader_epoch || unknown {
            self.resign(ctx);
            if state.leader == Some(ctx.broker) {
                self.become_leader(ctx);
            } else {
                self.become_follower(state.leader, state.leader_epoch, ctx);
            }
        } else if matches!(self.role, RoleState::Leader(_)) {
            self.on_committed_isr(ctx);
        }
    }

    /// Time passed: ISR checks and purgatory timeouts on a leader, the fetch loop on a follower,
    /// retention every `log.retention.check.interval.ms`.
    pub(crate) fn on_tick(&mut self, ctx: &mut Ctx<'_>) {
        match self.role {
            RoleState::Leader(_) => self.leader_tick(ctx),
            RoleState::Follower(_) => self.follower_poll(ctx),
            RoleState::Unknown => {}
        }
        if ctx.now_ms >= self.next_retention_check_ms {
            self.next_retention_check_ms =
                ctx.now_ms.saturating_add(ctx.config.log_retention_check_interval_ms);
            let events = self.log.tick(ctx.now_ms, self.high_watermark);
            if events.iter().any(|event| matches!(event, LogEvent::SegmentDeleted { .. })) {
                self.epochs.truncate_from_start(self.log.log_start_offset());
                self.transactions_on_log_start();
            }
        }
        if ctx.now_ms >= self.next_producer_expiration_check_ms {
            self.next_producer_expiration_check_ms =
                ctx.now_ms.saturating_add(ctx.config.producer_id_expiration_check_interval_ms.max(1));
            self.producers.remove_expired(ctx.now_ms, ctx.config.producer_id_expiration_ms);
        }
    }

    /// The earliest time this replica needs a tick.
    pub(crate) fn next_tick_ms(&self) -> u64 {
        let role_ms = match &self.role {
            RoleState::Leader(leader) => leader.next_tick_ms(),
            RoleState::Follower(follower) => follower.next_tick_ms(),
            RoleState::Unknown => u64::MAX,
        };
        role_ms.min(self.next_retention_check_ms).min(self.next_producer_expiration_check_ms)
    }

    /// Caches [`Partition::next_tick_ms`] and [`Partition::check_invariants`]; the broker calls it
    /// after every call that changed this replica, so [`Partition::cached_next_tick_ms`] and
    /// [`Partition::cached_invariants`] stay exact. `failing_replicas` (the broker's count of replicas
    /// whose check fails) is kept in step.
    pub(crate) fn refresh_next_tick(&mut self, failing_replicas: &mut usize) {
        let was_failing = self.invariants_cache.is_err();
        self.refresh_caches();
        match (was_failing, self.invariants_cache.is_err()) {
            (false, true) => *failing_replicas += 1,
            (true, false) => *failing_replicas -= 1,
            _ => {}
        }
    }

    fn refresh_caches(&mut self) {
        self.next_tick_cache_ms = self.next_tick_ms();
        self.invariants_cache = self.check_invariants();
    }

    /// [`Partition::check_invariants`] as cached by the last [`Partition::refresh_next_tick`] (debug
    /// builds check that it is still exact).
    pub(crate) fn cached_invariants(&self) -> Result<(), &str> {
        debug_assert_eq!(self.invariants_cache, self.check_invariants(), "stale invariants of {:?}", self.tp);
        self.invariants_cache.as_ref().map(|_| ()).map_err(alloc::string::String::as_str)
    }

    /// [`Partition::next_tick_ms`] as cached by the last [`Partition::refresh_next_tick`] (debug
    /// builds check that it is still exact).
    pub(crate) fn cached_next_tick_ms(&self) -> u64 {
        debug_assert_eq!(self.next_tick_cache_ms, self.next_tick_ms(), "stale next tick of {:?}", self.tp);
        self.next_tick_cache_ms
    }

    /// Sets the high watermark, with an event when it moved.
    fn set_high_watermark(&mut self, high_watermark: i64, ctx: &mut Ctx<'_>) {
        debug_assert!(high_watermark <= self.log.log_end_offset(), "HW ≤ LEO");
        debug_assert!(
            !matches!(self.role, RoleState::Leader(_)) || high_watermark >= self.high_watermark,
            "a leader's high watermark never decreases within its epoch"
        );
        if high_watermark != self.high_watermark {
            self.high_watermark = high_watermark;
            self.transactions_on_high_watermark();
            ctx.event(ReplicationEvent::HighWatermarkChanged {
                broker: ctx.broker,
                tp: self.tp.clone(),
                high_watermark,
            });
        }
    }

    /// Removes every offset ≥ `offset` from the log and the epoch cache.
    fn truncate_to(&mut self, offset: i64, ctx: &mut Ctx<'_>) -> Result<(), crate::log::LogError> {
        let from_offset = self.log.log_end_offset();
        if offset >= from_offset {
            return Ok(());
        }
        self.log.truncate_to(offset)?;
        self.epochs.truncate_from_end(offset);
        self.rebuild_producer_state(ctx);
        self.rebuild_transactions();
        let to_offset = self.log.log_end_offset();
        if self.high_watermark > to_offset {
            self.set_high_watermark(to_offset, ctx);
        }
        ctx.event(ReplicationEvent::Truncated {
            broker: ctx.broker,
            tp: self.tp.clone(),
            from_offset,
            to_offset,
        });
        Ok(())
    }

    /// Kafka's `truncateAndReload`: the producer state again as the remaining log says.
    fn rebuild_producer_state(&mut self, ctx: &Ctx<'_>) {
        let headers = self.log.batches().map(|batch| batch.header);
        let expiration_ms = ctx.config.producer_id_expiration_ms;
        self.producers.rebuild(headers, self.log.log_start_offset(), ctx.now_ms, expiration_ms);
    }

    /// Checks this replica's invariants: HW within the log, epoch cache ascending and within the log,
    /// a leader's epoch cache ending at its own epoch.
    pub fn check_invariants(&self) -> Result<(), alloc::string::String> {
        use alloc::format;
        let (start, end) = (self.log.log_start_offset(), self.log.log_end_offset());
        if self.high_watermark > end || self.high_watermark < start.min(end) {
            return Err(format!("{:?}: HW {} outside [{start}, {end}]", self.tp, self.high_watermark));
        }
        if let Err((a, b)) = self.epochs.check() {
            return Err(format!("{:?}: epoch cache out of order: {a:?} then {b:?}", self.tp));
        }
        if let Some(last) = self.epochs.latest_start_offset() {
            if last > end {
                return Err(format!("{:?}: epoch cache entry at {last} past the log end {end}", self.tp));
            }
        }
        if let (RoleState::Leader(_), Some(state)) = (&self.role, &self.state) {
            if self.epochs.latest_epoch() != state.leader_epoch {
                return Err(format!(
                    "{:?}: leader at epoch {} but its epoch cache ends at {}",
                    self.tp,
                    state.leader_epoch,
                    self.epochs.latest_epoch()
                ));
            }
        }
        Ok(())
    }
}

//! The consumer as a sans-IO node: Kafka's `KafkaConsumer`, with manual assignment (`assign`) or group
//! membership (`subscribe`), a fetch buffer that `poll` drains, offset commits and the rebalance
//! listener.
//!
//! Two kinds of calls, as in Kafka's client:
//! - the application's: [`Consumer::poll`] (records up to `max.poll.records`, rebalance callbacks, auto
//!   commit, joining the group), commits, seeks, pause/resume, close;
//! - the "background" ones the driver makes: [`Node::on_message`] and [`Node::on_tick`] (fetches,
//!   heartbeats every `heartbeat.interval.ms`, the `max.poll.interval.ms` check, timeouts) — Kafka's
//!   network client and heartbeat thread.
//!
//! Modules: `fetcher` (per-partition positions, fetches, the buffer, `auto.offset.reset`,
//! ListOffsets), `group` (FindCoordinator, JoinGroup/SyncGroup/Heartbeat/LeaveGroup, assignments,
//! eager and cooperative rebalances, static membership), `commits` (OffsetCommit/OffsetFetch),
//! `poll` (the application's `poll` and what it returns).

mod commits;
mod fetcher;
mod group;
mod group_responses;
mod poll;
mod topic_pattern;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::config::ClientConfigError;
use super::consumer_config::ConsumerConfig;
use super::metadata::{ClientMetadata, MetadataTiming};
use crate::group::messages::OffsetAndMetadata;
use crate::node::{BrokerId, Effect, Node, NodeId};
use crate::replication::messages::{Message, TopicPartition};

pub use commits::CommitId;
use commits::Commits;
use fetcher::PartitionFetch;
use group::GroupMember;
pub use group::{MemberState, Membership};
pub use poll::{ConsumerRecord, PollResult, RebalanceCallback};
pub use topic_pattern::TopicPattern;

/// Most records buffered per partition (fetched, not yet returned by `poll`): a fetch is sent only for
/// an empty buffer, so this bounds one response's worth.
pub const MAX_BUFFERED_RECORDS_PER_PARTITION: usize = 100_000;

/// Why `subscribe` refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubscribeError {
    /// No `group.id` (Kafka's `InvalidGroupIdException`).
    NoGroupId,
    /// The pattern is not one samsa understands.
    BadPattern(String),
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscribeError::NoGroupId => f.write_str(
                "To use the group management or offset commit APIs, you must provide a valid group.id in the \
                 consumer configuration",
            ),
            SubscribeError::BadPattern(reason) => write!(f, "invalid topic pattern: {reason}"),
        }
    }
}

/// What the consumer reads.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Subscription {
    /// Nothing yet.
    None,
    /// `assign(partitions)`: no group membership.
    Assigned,
    /// `subscribe(topics)`.
    Topics(Vec<String>),
    /// `subscribe(pattern)`: every topic in the metadata it matches.
    Pattern(TopicPattern),
}

/// A consumer client (see the module docs).
#[derive(Clone, Debug)]
pub struct Consumer {
    client_id: u32,
    config: ConsumerConfig,
    metadata: ClientMetadata,
    subscription: Subscription,
    partitions: BTreeMap<TopicPartition, PartitionFetch>,
    in_flight: BTreeMap<u64, fetcher::FetchInFlight>,
    group: Option<GroupMember>,
    commits: Commits,
    /// The last committed offset known per partition (from OffsetFetch or this consumer's commits).
    committed: BTreeMap<TopicPartition, OffsetAndMetadata>,
    /// Where the next `poll` starts draining the buffers (fairness across partitions).
    drain_cursor: Option<TopicPartition>,
    next_correlation_id: u64,
    next_request_id: u64,
    last_now_ms: u64,
    closed: bool,
    effects: Vec<Effect>,
}

impl Consumer {
    /// A consumer with no assignment that will learn the cluster from `bootstrap`.
    pub fn new(
        client_id: u32,
        config: ConsumerConfig,
        bootstrap: Vec<BrokerId>,
    ) -> Result<Self, ClientConfigError> {
        if bootstrap.is_empty() {
            return Err(ClientConfigError::Inconsistent {
                reason: String::from("No resolvable bootstrap urls given in bootstrap.servers"),
            });
        }
        if config.group_id.is_some() && config.heartbeat_interval_ms >= config.session_timeout_ms {
            return Err(ClientConfigError::Inconsistent {
                reason: String::from("heartbeat.interval.ms must be smaller than session.timeout.ms"),
            });
        }
        let timing = MetadataTiming {
            request_timeout_ms: config.request_timeout_ms,
            retry_backoff_ms: config.retry_backoff_ms,
            max_age_ms: config.metadata_max_age_ms,
        };
        Ok(Consumer {
            client_id,
            metadata: ClientMetadata::new(bootstrap, timing),
            group: config.group_id.clone().map(|id| GroupMember::new(id, config.group_instance_id.clone())),
            config,
            subscription: Subscription::None,
            partitions: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            commits: Commits::default(),
            committed: BTreeMap::new(),
            drain_cursor: None,
            next_correlation_id: 0,
            next_request_id: 0,
            last_now_ms: 0,
            closed: false,
            effects: Vec::new(),
        })
    }

    /// The configs this consumer runs with.
    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    fn correlation_id(&mut self) -> u64 {
        let id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        id
    }

    fn send(&mut self, to: BrokerId, message: Message) {
        self.effects.push(Effect::Send { to: NodeId::Broker(to), message });
    }

    fn event(&mut self, event: super::events::ClientEvent) {
        self.effects.push(Effect::Client(event));
    }

    /// Replaces the assignment (Kafka's `assign`): no group membership. Partitions kept keep their
    /// positions; new ones start by `auto.offset.reset` (or a committed offset, with a `group.id`).
    pub fn assign(&mut self, partitions: Vec<TopicPartition>) {
        self.subscription = Subscription::Assigned;
        self.set_owned(partitions);
        let fresh: Vec<TopicPartition> =
            self.partitions.iter().filter(|(_, p)| p.needs_position()).map(|(tp, _)| tp.clone()).collect();
        if self.group.is_some() {
            self.fetch_committed(fresh);
        } else {
            for tp in fresh {
                self.reset_position(&tp);
            }
        }
    }

    /// Subscribes to `topics` (Kafka's `subscribe`): the group assigns the partitions. Needs `group.id`.
    pub fn subscribe(&mut self, topics: Vec<String>) -> Result<(), SubscribeError> {
        if self.group.is_none() {
            return Err(SubscribeError::NoGroupId);
        }
        let mut topics = topics;
        topics.sort();
        topics.dedup();
        self.subscription = Subscription::Topics(topics);
        self.request_rejoin();
        Ok(())
    }

    /// Subscribes to every topic whose whole name matches `pattern` (see [`TopicPattern`]).
    pub fn subscribe_pattern(&mut self, pattern: &str) -> Result<(), SubscribeError> {
        if self.group.is_none() {
            return Err(SubscribeError::NoGroupId);
        }
        let pattern = TopicPattern::parse(pattern).map_err(SubscribeError::BadPattern)?;
        self.subscription = Subscription::Pattern(pattern);
        self.request_rejoin();
        Ok(())
    }

    /// The topics subscribed to now (for a pattern: those in the metadata it matches), sorted.
    pub fn subscribed_topics(&self) -> Vec<String> {
        match &self.subscription {
            Subscription::Topics(topics) => topics.clone(),
            Subscription::Pattern(pattern) => self
                .metadata
                .topics()
                .filter(|(name, _)| pattern.matches(name))
                .map(|(name, _)| String::from(name))
                .collect(),
            Subscription::None | Subscription::Assigned => Vec::new(),
        }
    }

    /// Stops consuming (Kafka's `unsubscribe`): leaves the group (unless static) and drops the assignment.
    pub fn unsubscribe(&mut self, now_ms: u64) {
        self.leave_group(now_ms, super::events::LeaveReason::Unsubscribed);
        self.subscription = Subscription::None;
        self.set_owned(Vec::new());
    }

    /// Closes the consumer (Kafka's `close`): commits positions if auto commit is on, leaves the group
    /// (a static member does not send LeaveGroup, KIP-345) and stops.
    pub fn close(&mut self, now_ms: u64) {
        if self.closed {
            return;
        }
        if self.config.auto_commit() {
            let offsets = self.consumed_offsets();
            if !offsets.is_empty() {
                let _ = self.commit(now_ms, Some(offsets), false, true);
            }
        }
        self.leave_group(now_ms, super::events::LeaveReason::Closed);
        self.background(now_ms);
        self.closed = true;
        self.partitions.clear();
        self.in_flight.clear();
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The partitions owned now, sorted.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.partitions.keys().cloned().collect()
    }

    /// The next offset `poll` will return for `tp`, if assigned and known (Kafka's `position`).
    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.partitions.get(tp).and_then(|p| p.position)
    }

    /// The high watermark last reported for `tp` (-1 before the first fetch).
    pub fn high_watermark(&self, tp: &TopicPartition) -> Option<i64> {
        self.partitions.get(tp).map(|p| p.high_watermark)
    }

    /// Kafka's `records-lag` metric: high watermark − position, once both are known.
    pub fn records_lag(&self, tp: &TopicPartition) -> Option<i64> {
        let p = self.partitions.get(tp)?;
        let position = p.position?;
        (p.high_watermark >= 0).then(|| (p.high_watermark - position).max(0))
    }

    /// The last committed offset this consumer knows for `tp` (Kafka's `committed`, from its cache).
    pub fn committed(&self, tp: &TopicPartition) -> Option<&OffsetAndMetadata> {
        self.committed.get(tp)
    }

    /// Stops fetching `tps` (Kafka's `pause`); buffered records stay for after `resume`.
    pub fn pause(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            if let Some(p) = self.partitions.get_mut(tp) {
                p.paused = true;
            }
        }
    }

    /// Fetches `tps` again.
    pub fn resume(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            if let Some(p) = self.partitions.get_mut(tp) {
                p.paused = false;
            }
        }
    }

    /// The paused partitions, sorted.
    pub fn paused(&self) -> Vec<TopicPartition> {
        self.partitions.iter().filter(|(_, p)| p.paused).map(|(tp, _)| tp.clone()).collect()
    }

    /// Records fetched and not yet returned by `poll`, over all partitions.
    pub fn buffered_records(&self) -> usize {
        self.partitions.values().map(|p| p.buffered.len()).sum()
    }

    /// The work every call ends with: fetches, group requests, commits, metadata.
    fn background(&mut self, now_ms: u64) {
        self.last_now_ms = self.last_now_ms.max(now_ms);
        if self.closed {
            return;
        }
        self.group_tick(now_ms);
        self.commits_tick(now_ms);
        self.expire_fetches(now_ms);
        self.send_fetches(now_ms);
        if let Some((broker, correlation_id)) = self.metadata.poll(now_ms, &mut self.next_correlation_id) {
            self.send(broker, Message::MetadataRequest { correlation_id });
        }
    }
}

impl Node for Consumer {
    fn id(&self) -> NodeId {
        NodeId::Client(self.client_id)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        if self.closed {
            return;
        }
        let NodeId::Broker(broker) = from else { return };
        match message {
            Message::MetadataResponse { correlation_id, partitions } => {
                self.metadata.on_response(now_ms, broker, correlation_id, partitions);
            }
            Message::FetchResponse(response) => self.on_fetch_response(now_ms, broker, response),
            Message::ListOffsetsResponse(response) => self.on_list_offsets_response(now_ms, broker, response),
            Message::OffsetCommitResponse(response) => self.on_offset_commit_response(now_ms, response),
            Message::OffsetFetchResponse(response) => self.on_offset_fetch_response(now_ms, response),
            message @ (Message::FindCoordinatorResponse(_)
            | Message::JoinGroupResponse(_)
            | Message::SyncGroupResponse(_)
            | Message::HeartbeatResponse(_)
            | Message::LeaveGroupResponse(_)) => self.on_group_response(now_ms, broker, message),
            // Nothing else is addressed to a consumer; a stray message changes nothing.
            _ => {}
        }
        self.background(now_ms);
    }

    fn on_tick(&mut self, now_ms: u64) {
        self.background(now_ms);
    }

    fn next_tick_ms(&self) -> Option<u64> {
        if self.closed {
            return None;
        }
        let metadata = self.metadata.next_tick_ms();
        let commits = self.commits.next_tick_ms(self.coordinator().is_some());
        [metadata, self.fetch_next_tick_ms(), self.group_next_tick_ms(), commits]
            .into_iter()
            .flatten()
            .map(|t| t.max(self.last_now_ms))
            .min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }
}

//! The group coordinator (broker side): Kafka's classic group protocol over the modelled
//! `__consumer_offsets` topic.
//!
//! A broker coordinates the groups whose `__consumer_offsets` partition it leads
//! ([`crate::group::partition_for_group`]). Group metadata and committed offsets are written to that
//! partition through the normal leader path (acks=all, `offsets.commit.timeout.ms`), so they are
//! replicated like any record and survive a coordinator failover: the new leader replays the partition
//! ([`GroupCoordinator::load`]). A commit is visible to OffsetFetch, and a SyncGroup answered, only when
//! its append completed, as in Kafka.
//!
//! - [`group`] — a group's members, generation and state.
//! - `join` (private) — JoinGroup, SyncGroup and the rebalance's phases.
//! - `membership` (private) — Heartbeat, LeaveGroup, removing members and the timers that do.
//! - `offsets` (private) — OffsetCommit, OffsetFetch, append completions, loading.
//! - `txn_offsets` (private) — TxnOffsetCommit: offsets that commit or abort with a transaction.
//! - [`records`] — the `__consumer_offsets` key/value schemas.
//!
//! The coordinator never sends anything itself: handlers queue [`CoordinatorOutput`]s that the broker
//! executes (messages, appends to its own partition, events).

pub mod group;
mod join;
mod membership;
mod offsets;
pub mod records;
mod txn_offsets;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::group::messages::OffsetAndMetadata;
use crate::node::{BrokerId, NodeId};
use crate::record_batch::NewRecord;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{Message, TopicPartition};
pub use group::{Group, Member};

/// Most groups one coordinator holds; a JoinGroup for a new group past it is answered
/// `COORDINATOR_NOT_AVAILABLE` (Kafka has no such limit; samsa bounds its memory).
pub const MAX_GROUPS: usize = 10_000;
/// Most committed partitions one group holds; a commit of new partitions past it is refused with
/// `OFFSET_METADATA_TOO_LARGE`-free `INVALID_COMMIT_OFFSET_SIZE`.
pub const MAX_OFFSETS_PER_GROUP: usize = 100_000;
/// Most appends in flight per coordinator; past it requests are answered `COORDINATOR_NOT_AVAILABLE`.
pub const MAX_PENDING_APPENDS: usize = 10_000;

/// Something the coordinator wants the broker to do.
#[derive(Clone, Debug, PartialEq)]
pub enum CoordinatorOutput {
    /// Answer a client.
    Send {
        /// The client.
        to: NodeId,
        /// The answer.
        message: Message,
    },
    /// Append `records` to `__consumer_offsets` partition `partition` with acks=all; report the outcome
    /// with [`GroupCoordinator::on_append_done`] and `append_id`.
    Append {
        /// The partition.
        partition: i32,
        /// Matches the outcome to the append.
        append_id: u64,
        /// The records.
        records: Vec<NewRecord>,
        /// For a transactional offset commit: the producer id and epoch the batch is written with
        /// (transactional attribute set), so the partition tracks it until the transaction's marker.
        producer: Option<(i64, i16)>,
    },
    /// Something observable happened.
    Event(ReplicationEvent),
}

/// An append waiting for its outcome.
#[derive(Clone, Debug, PartialEq)]
enum PendingAppend {
    /// An OffsetCommit.
    Commit {
        group_id: String,
        to: NodeId,
        correlation_id: u64,
        offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
    },
    /// The group metadata after the leader's SyncGroup.
    Sync { group_id: String, generation_id: i32 },
    /// The group metadata of a group that became empty (its generation must survive a failover).
    Store { group_id: String },
    /// A TxnOffsetCommit (KIP-98): pending until the transaction's marker.
    TxnCommit {
        group_id: String,
        to: NodeId,
        correlation_id: u64,
        producer_id: i64,
        offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
    },
}

/// What the handlers need from the broker.
#[derive(Clone, Copy, Debug)]
pub struct CoordinatorCtx<'a> {
    /// Now.
    pub now_ms: u64,
    /// This broker.
    pub broker: BrokerId,
    /// Its configs.
    pub config: &'a crate::replication::BrokerConfig,
}

/// The group coordinator of one broker (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct GroupCoordinator {
    groups: BTreeMap<String, Group>,
    /// The `__consumer_offsets` partitions this broker leads and has loaded.
    loaded: BTreeSet<i32>,
    next_member_number: u64,
    next_append_id: u64,
    appends: BTreeMap<u64, PendingAppend>,
    out: Vec<CoordinatorOutput>,
    /// Offsets committed inside transactions, waiting for their marker, by producer id.
    txn_offsets: BTreeMap<i64, Vec<txn_offsets::PendingTxnOffset>>,
}

impl GroupCoordinator {
    /// The groups this broker coordinates now.
    pub fn groups(&self) -> impl Iterator<Item = &Group> + '_ {
        self.groups.values()
    }

    /// One group, if coordinated here.
    pub fn group(&self, group_id: &str) -> Option<&Group> {
        self.groups.get(group_id)
    }

    /// Whether this broker coordinates the groups of `__consumer_offsets` partition `partition`.
    pub fn is_loaded(&self, partition: i32) -> bool {
        self.loaded.contains(&partition)
    }

    /// The `__consumer_offsets` partitions loaded here.
    pub fn loaded_partitions(&self) -> impl Iterator<Item = i32> + '_ {
        self.loaded.iter().copied()
    }

    /// What the handlers queued since the last call.
    pub fn take_outputs(&mut self) -> Vec<CoordinatorOutput> {
        core::mem::take(&mut self.out)
    }

    /// The earliest timer (rebalance deadlines, sessions, pending members).
    pub fn next_tick_ms(&self) -> Option<u64> {
        self.groups.values().filter_map(Group::next_deadline_ms).min()
    }

    fn send(&mut self, to: NodeId, message: Message) {
        self.out.push(CoordinatorOutput::Send { to, message });
    }

    fn event(&mut self, event: ReplicationEvent) {
        self.out.push(CoordinatorOutput::Event(event));
    }

    fn append(&mut self, partition: i32, records: Vec<NewRecord>, pending: PendingAppend) -> Option<u64> {
        self.append_as(partition, records, pending, None)
    }

    fn append_as(
        &mut self,
        partition: i32,
        records: Vec<NewRecord>,
        pending: PendingAppend,
        producer: Option<(i64, i16)>,
    ) -> Option<u64> {
        if self.appends.len() >= MAX_PENDING_APPENDS {
            return None;
        }
        let append_id = self.next_append_id;
        self.next_append_id = self.next_append_id.wrapping_add(1);
        self.appends.insert(append_id, pending);
        self.out.push(CoordinatorOutput::Append { partition, append_id, records, producer });
        Some(append_id)
    }

    /// A new member id: `<client>-<broker>-<n>` (Kafka: `client.id` + `-` + a UUID), unique per coordinator
    /// and, since the counter moves past every loaded id, across failovers.
    fn new_member_id(&mut self, client: NodeId, broker: BrokerId) -> String {
        let n = self.next_member_number;
        self.next_member_number = self.next_member_number.wrapping_add(1);
        format!("{client}-{broker}-{n}")
    }

    fn state_changed(&mut self, ctx: CoordinatorCtx<'_>, group_id: &str) {
        let Some(group) = self.groups.get(group_id) else { return };
        let event = ReplicationEvent::GroupStateChanged {
            broker: ctx.broker,
            group_id: String::from(group_id),
            state: group.state,
            generation_id: group.generation_id,
            members: u32::try_from(group.members.len()).unwrap_or(u32::MAX),
        };
        self.event(event);
    }

    /// Runs the timers: rebalance deadlines, session timeouts, expired pending members.
    pub fn on_tick(&mut self, ctx: CoordinatorCtx<'_>) {
        let due: Vec<String> = self
            .groups
            .values()
            .filter(|g| g.next_deadline_ms().is_some_and(|t| t <= ctx.now_ms))
            .map(|g| g.group_id.clone())
            .collect();
        for group_id in due {
            self.expire(ctx, &group_id);
        }
    }

    /// Moves the member-id counter past `member_id` if this broker made it.
    fn note_member_id(&mut self, member_id: &str) {
        if let Some(n) = member_id.rsplit('-').next().and_then(|n| n.parse::<u64>().ok()) {
            self.next_member_number = self.next_member_number.max(n.saturating_add(1));
        }
    }
}

//! The live checker counts that need the logs: acknowledged records lost as of now, and records
//! duplicated in a committed log now.
//!
//! - **lost**: a record acknowledged with an offset (acks=1/all) that the partition leader's log no
//!   longer holds at that offset — another record is there, or the log ends before it. Offsets below
//!   the log start offset are not judged (retention deleted them), nor are offline partitions (the
//!   record may come back with an in-sync replica: unavailable, not lost, as the end-of-run checker
//!   says). One deviation from the end-of-run rule, on purpose: a record still in the leader's log but
//!   above its high watermark is *not yet committed*, not lost — with acks=1 every fresh ack sits there
//!   for a few milliseconds, and counting those would make the number flicker. Once the run is quiet
//!   the high watermark reaches the log end and both rules agree.
//! - **duplicated**: every extra copy of a record id below the leader's high watermark.
//! - **reordered**: committed records that sit after a record their producer sent later (the end-of-run
//!   checker's `records_reordered`, same rule: copies of a record already seen are skipped). Who sent
//!   a record comes from the observers' [`RecordOwners`].
//!
//! Cost: the work is incremental per partition. While a partition keeps the same leader (broker,
//! incarnation, leader epoch) and log start, and that broker acts as its leader, its log below the last
//! log end seen does not change — a leader never truncates within its epoch (KIP-101) — so a view only
//! reads the new acks (one batch each) and the newly appended or committed offsets. A new leader, a
//! restart, retention or compaction starts that partition over from its log (one sequential scan).

use std::collections::BTreeMap;

use samsa_core::client::RecordId;
use samsa_core::node::BrokerId;
use samsa_core::replication::messages::TopicPartition;
use samsa_core::replication::{Broker, Partition, Role};

use super::records::{at_offset, records_in, AtOffset};
use crate::live::observe::describe::tp_name;
use crate::live::observe::{Acks, RecordOwners};
use crate::live::protocol::MAX_VIEW_VIOLATIONS;

/// What the counts were at the last view: what [`crate::live::view::branch_counts`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LastCounts {
    /// Acked records lost.
    pub(crate) lost: u64,
    /// Extra copies in committed logs.
    pub(crate) duplicated: u64,
    /// Ordering violations.
    pub(crate) out_of_order: u64,
}

/// Per-partition progress of the live counts, and the last counts.
///
/// `Clone` keeps only the last counts: a checkpoint does not carry the per-partition state (it is
/// rebuilt from the logs at the next view), so checkpoints stay small.
#[derive(Debug, Default)]
pub(crate) struct CountsCache {
    partitions: BTreeMap<TopicPartition, PartitionCheck>,
    /// Losses whose offsets retention has deleted since they were found: the log can no longer show
    /// them, but a lost acknowledged write stays lost (the end-of-run checker counts it too), so they
    /// are kept — and, being few, copied into checkpoints — and counted while their offset is below
    /// the partition's current log start offset.
    retired: BTreeMap<TopicPartition, (BrokerId, BTreeMap<RecordId, Lost>)>,
    pub(crate) last: LastCounts,
}

impl Clone for CountsCache {
    fn clone(&self) -> Self {
        CountsCache { partitions: BTreeMap::new(), retired: self.retired.clone(), last: self.last }
    }
}

/// What identifies an unchanged log prefix: same leader process, same epoch, same log start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LeaderKey {
    broker: BrokerId,
    incarnation: u64,
    leader_epoch: i32,
    log_start_offset: i64,
}

/// What the leader's log holds where a lost record was acked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// The log ends before the offset.
    Absent,
    /// Another record (with its id, if any) — or nothing, where compaction removed it.
    Other(AtOffset),
}

/// One acknowledged record that is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lost {
    /// Where it was acked.
    pub(crate) offset: i64,
    /// What is there now.
    pub(crate) found: Found,
}

/// A record id at a second (third, …) offset of a committed log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// The record.
    pub(crate) record_id: RecordId,
    /// Its first offset.
    pub(crate) first_offset: i64,
    /// This copy's offset.
    pub(crate) offset: i64,
}

/// One partition's progress.
#[derive(Debug)]
struct PartitionCheck {
    key: LeaderKey,
    /// The leader's log end offset when last looked: everything below it has been read.
    scanned_end: i64,
    /// The leader's high watermark when last looked: duplicates below it are counted.
    committed_end: i64,
    /// How many of the partition's acks (in arrival order) have been judged.
    acks_done: usize,
    /// Acked offsets at or past `scanned_end` (lost as of now; judged again when the log grows).
    beyond: BTreeMap<i64, Vec<RecordId>>,
    lost: BTreeMap<RecordId, Lost>,
    /// Committed record ids and their first offset.
    committed: BTreeMap<RecordId, i64>,
    duplicated: u64,
    /// The first duplicates, for the violation list.
    duplicates: Vec<Duplicate>,
    /// Per producer, the latest-sent record committed so far (a few producers: a `Vec`, which costs
    /// the page's wasm less than another `BTreeMap` instance).
    latest_sent: Vec<(u32, RecordId)>,
    /// Committed records that came after a record their producer sent later.
    reordered: u64,
}

impl PartitionCheck {
    /// Judges the partition from scratch against `partition`, the leader's replica.
    fn full(key: LeaderKey, partition: &Partition, acks: Acks<'_>, owners: &RecordOwners) -> Self {
        let log = partition.log();
        let (log_end_offset, high_watermark) = (log.log_end_offset(), partition.high_watermark());
        let records = records_in(log, key.log_start_offset, log_end_offset);
        let mut check = PartitionCheck {
            key,
            scanned_end: log_end_offset,
            committed_end: high_watermark.max(key.log_start_offset),
            acks_done: acks.len(),
            beyond: BTreeMap::new(),
            lost: BTreeMap::new(),
            committed: BTreeMap::new(),
            duplicated: 0,
            duplicates: Vec::new(),
            latest_sent: Vec::new(),
            reordered: 0,
        };
        for (offset, record_id) in acks.since(0) {
            let found = match records.binary_search_by_key(&offset, |(o, _)| *o) {
                Ok(index) => AtOffset::Record(records[index].1),
                Err(_) => AtOffset::Nothing,
            };
            check.judge(offset, record_id, found);
        }
        for &(offset, record_id) in records.iter().take_while(|(o, _)| *o < high_watermark) {
            check.commit(offset, record_id, owners);
        }
        check
    }

    /// Brings the partition up to date with what changed since the last look.
    fn update(&mut self, partition: &Partition, acks: Acks<'_>, owners: &RecordOwners) {
        let log = partition.log();
        let (log_end_offset, high_watermark) = (log.log_end_offset(), partition.high_watermark());
        self.scanned_end = log_end_offset;
        let now_readable: Vec<(i64, Vec<RecordId>)> = {
            let still_beyond = self.beyond.split_off(&log_end_offset);
            std::mem::replace(&mut self.beyond, still_beyond).into_iter().collect()
        };
        for (offset, record_ids) in now_readable {
            let found = at_offset(log, offset);
            for record_id in record_ids {
                self.lost.remove(&record_id);
                self.judge(offset, record_id, found);
            }
        }
        for (offset, record_id) in acks.since(self.acks_done) {
            let found = if offset >= self.key.log_start_offset && offset < log_end_offset {
                at_offset(log, offset)
            } else {
                AtOffset::Nothing
            };
            self.judge(offset, record_id, found);
        }
        self.acks_done = acks.len();
        if high_watermark > self.committed_end {
            for (offset, record_id) in records_in(log, self.committed_end, high_watermark) {
                self.commit(offset, record_id, owners);
            }
            self.committed_end = high_watermark;
        }
    }

    /// Judges one ack against what the log holds at its offset (`found`).
    fn judge(&mut self, offset: i64, record_id: RecordId, found: AtOffset) {
        if offset < self.key.log_start_offset {
            return; // deleted by retention: not judged
        }
        if offset >= self.scanned_end {
            self.beyond.entry(offset).or_default().push(record_id);
            self.lost.insert(record_id, Lost { offset, found: Found::Absent });
        } else if found != AtOffset::Record(Some(record_id)) {
            self.lost.insert(record_id, Lost { offset, found: Found::Other(found) });
        }
    }

    /// Counts a committed record, noting a second copy of its id, or a record its producer sent before
    /// one already committed.
    fn commit(&mut self, offset: i64, record_id: Option<RecordId>, owners: &RecordOwners) {
        let Some(record_id) = record_id else { return };
        match self.committed.get(&record_id) {
            None => {
                self.committed.insert(record_id, offset);
                if let Some(client) = owners.owner(record_id) {
                    match self.latest_sent.iter_mut().find(|(c, _)| *c == client) {
                        Some((_, latest)) if record_id < *latest => self.reordered += 1,
                        Some((_, latest)) => *latest = record_id,
                        None => self.latest_sent.push((client, record_id)),
                    }
                }
            }
            Some(&first_offset) => {
                self.duplicated += 1;
                if self.duplicates.len() < MAX_VIEW_VIOLATIONS {
                    self.duplicates.push(Duplicate { record_id, first_offset, offset });
                }
            }
        }
    }
}

/// A partition's leader replica as the view resolved it (controller's leader, on a running broker).
pub(crate) struct LeaderReplica<'a> {
    /// The broker.
    pub(crate) broker: &'a Broker,
    /// Its replica of the partition.
    pub(crate) partition: &'a Partition,
}

impl CountsCache {
    /// Brings `tp` up to date: `leader` is its leader's replica, or `None` when the partition is offline
    /// or its leader cannot be read (then nothing of it counts, as for the end-of-run checker).
    pub(crate) fn refresh(
        &mut self,
        tp: &TopicPartition,
        leader: Option<LeaderReplica<'_>>,
        acks: Acks<'_>,
        owners: &RecordOwners,
    ) {
        let Some(LeaderReplica { broker, partition }) = leader else {
            self.partitions.remove(tp);
            return;
        };
        let key = LeaderKey {
            broker: broker.broker_id(),
            incarnation: broker.incarnation_id(),
            leader_epoch: partition.leader_epoch(),
            log_start_offset: partition.log().log_start_offset(),
        };
        // Only a leader's log is known not to change below its end within its epoch: a replica the
        // controller just made leader may still truncate as a follower until it hears so, and
        // compaction rewrites old batches. Such a partition is read again at every view.
        let stable = partition.role() == Role::Leader && !partition.config().log.cleanup_policy.compacts();
        match self.partitions.get_mut(tp) {
            Some(check)
                if check.key == key
                    && stable
                    && partition.log().log_end_offset() >= check.scanned_end
                    && partition.high_watermark() >= check.committed_end =>
            {
                check.update(partition, acks, owners);
            }
            _ => {
                if let Some(old) = self.partitions.get(tp) {
                    let below: Vec<(RecordId, Lost)> = old
                        .lost
                        .iter()
                        .filter(|(_, lost)| lost.offset < key.log_start_offset)
                        .map(|(&id, &lost)| (id, lost))
                        .collect();
                    if !below.is_empty() {
                        let retired = &mut self
                            .retired
                            .entry(tp.clone())
                            .or_insert_with(|| (old.key.broker, BTreeMap::new()))
                            .1;
                        retired.extend(below);
                    }
                }
                self.partitions.insert(tp.clone(), PartitionCheck::full(key, partition, acks, owners));
            }
        }
    }

    /// Retired losses still below their partition's current log start (above it, the current leader's
    /// log decides); all of them while the partition has no readable leader.
    fn retired_lost(&self) -> impl Iterator<Item = (&TopicPartition, BrokerId, RecordId, Lost)> + '_ {
        self.retired.iter().flat_map(move |(tp, (broker, lost))| {
            let log_start_offset =
                self.partitions.get(tp).map_or(i64::MAX, |check| check.key.log_start_offset);
            lost.iter()
                .filter(move |(_, lost)| lost.offset < log_start_offset)
                .map(move |(&id, &lost)| (tp, *broker, id, lost))
        })
    }

    /// Drops partitions not in `keep` (deleted, or not seen this time).
    pub(crate) fn retain(&mut self, keep: &[TopicPartition]) {
        self.partitions.retain(|tp, _| keep.contains(tp));
    }

    /// Every lost record: partition, leader, record, where and what is there now.
    pub(crate) fn lost(&self) -> impl Iterator<Item = (&TopicPartition, BrokerId, RecordId, Lost)> + '_ {
        self.partitions
            .iter()
            .flat_map(|(tp, check)| {
                check.lost.iter().map(move |(&id, &lost)| (tp, check.key.broker, id, lost))
            })
            .chain(self.retired_lost())
    }

    /// Whether `record_id` is lost (on any partition).
    pub(crate) fn is_lost(&self, record_id: RecordId) -> bool {
        self.partitions.values().any(|check| check.lost.contains_key(&record_id))
            || self.retired_lost().any(|(_, _, id, _)| id == record_id)
    }

    /// Lost records, all partitions.
    pub(crate) fn lost_count(&self) -> u64 {
        self.partitions.values().map(|check| check.lost.len() as u64).sum::<u64>()
            + self.retired_lost().count() as u64
    }

    /// Extra copies, all partitions.
    pub(crate) fn duplicated_count(&self) -> u64 {
        self.partitions.values().map(|check| check.duplicated).sum()
    }

    /// Committed records out of their producer's send order, all partitions with a readable leader.
    pub(crate) fn reordered_count(&self) -> u64 {
        self.partitions.values().map(|check| check.reordered).sum()
    }

    /// The first duplicates per partition.
    pub(crate) fn duplicates(&self) -> impl Iterator<Item = (&TopicPartition, Duplicate)> + '_ {
        self.partitions.iter().flat_map(|(tp, check)| check.duplicates.iter().map(move |&d| (tp, d)))
    }
}

/// The sentence for a lost record; `client` is who got the ack, when known.
pub(crate) fn lost_detail(
    tp: &TopicPartition,
    leader: BrokerId,
    record_id: RecordId,
    lost: Lost,
    client: Option<u32>,
) -> String {
    let acked = match client {
        Some(client) => format!("acked to client-{client} at {}@{}", tp_name(tp), lost.offset),
        None => format!("acked at {}@{}", tp_name(tp), lost.offset),
    };
    let now = match lost.found {
        Found::Absent => "ends before that offset".to_owned(),
        Found::Other(AtOffset::Record(Some(other))) => format!("holds record {other} there"),
        Found::Other(AtOffset::Record(None)) => "holds a record without id there".to_owned(),
        Found::Other(AtOffset::Nothing) => "has no record at that offset".to_owned(),
    };
    format!("record {record_id} {acked}, but the log of leader broker-{leader} now {now}")
}

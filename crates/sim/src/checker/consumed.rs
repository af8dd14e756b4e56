//! Consumers: no read past the high watermark, offsets in order.
//!
//! Kafka's consumers see only committed records: a leader answers a consumer fetch with batches below
//! its high watermark (Kafka docs, "Replication": "only committed messages are ever given out to the
//! consumer"; `FetchIsolation.HIGH_WATERMARK`). Two checks follow:
//! - on every record: its offset is below the high watermark the leader reported with it;
//! - at the end: the final committed log holds the same record at that offset. A consumed record that
//!   was later truncated away (or replaced) was read past the *true* high watermark — what a leader
//!   that does not know it was deposed, or an unclean election, can cause.
//!
//! Order: a consumer's offsets for one partition strictly increase, and one fetch (the records one
//! client reports for one partition in one step) has no gaps — the workload topics are not compacted —
//! except over offsets a consumer must skip: transaction markers, and with read_committed the records of
//! aborted transactions. A gap is therefore decided at the end, against the final log.

use std::collections::BTreeMap;

use samsa_core::client::events::RecordId;
use samsa_core::replication::messages::TopicPartition;

use super::causes::KnownCauses;
use super::final_state::FinalState;
use super::paged::PagedVec;
use super::report::{At, Report, Violation, ViolationKind};

/// Where a consumer stands in one partition.
#[derive(Clone, Copy, Debug)]
struct Position {
    last_offset: i64,
    last_step: u64,
}

/// Who first received a (offset, record) pair.
#[derive(Clone, Copy, Debug)]
struct FirstRead {
    client: u32,
    at: At,
}

/// The distinct records read at one offset of one partition, each with its first read: normally one,
/// more only when the partition's log changed under a consumer (truncation, unclean election).
#[derive(Clone, Debug)]
struct ReadsAt {
    /// The read with the smallest record id (`None` first, as `Option` orders).
    first: (Option<RecordId>, FirstRead),
    /// The others, by ascending record id, all above `first`'s: empty (no allocation) in the usual case.
    more: Vec<(Option<RecordId>, FirstRead)>,
}

impl ReadsAt {
    fn contains(&self, record_id: Option<RecordId>) -> bool {
        self.first.0 == record_id || self.more.iter().any(|(other, _)| *other == record_id)
    }

    /// Adds a record not read here before, keeping the order by record id.
    fn insert(&mut self, record_id: Option<RecordId>, read: FirstRead) {
        let mut entry = (record_id, read);
        if record_id < self.first.0 {
            core::mem::swap(&mut self.first, &mut entry);
        }
        let at = self.more.partition_point(|(other, _)| *other < entry.0);
        self.more.insert(at, entry);
    }

    /// Every (record id, first read), by ascending record id.
    fn iter(&self) -> impl Iterator<Item = &(Option<RecordId>, FirstRead)> {
        core::iter::once(&self.first).chain(self.more.iter())
    }
}

/// The distinct records read from one partition, by (offset, record id): offsets count up from 0, so
/// they are paged by offset; negative ones (which no valid log holds) are kept apart so none is lost.
#[derive(Clone, Debug)]
struct PartitionReads {
    by_offset: PagedVec<ReadsAt>,
    negative: BTreeMap<(i64, Option<RecordId>), FirstRead>,
}

impl PartitionReads {
    fn contains(&self, offset: i64, record_id: Option<RecordId>) -> bool {
        match u64::try_from(offset) {
            Ok(index) => self.by_offset.get(index).is_some_and(|reads| reads.contains(record_id)),
            Err(_) => self.negative.contains_key(&(offset, record_id)),
        }
    }

    /// Adds a read not seen before.
    fn insert(&mut self, offset: i64, record_id: Option<RecordId>, read: FirstRead) {
        let Ok(index) = u64::try_from(offset) else {
            self.negative.insert((offset, record_id), read);
            return;
        };
        match self.by_offset.get_mut(index) {
            Some(reads) => reads.insert(record_id, read),
            None => {
                self.by_offset.insert(index, ReadsAt { first: (record_id, read), more: Vec::new() });
            }
        }
    }

    /// Every (offset, record id, first read), by ascending (offset, record id): the order the
    /// `BTreeMap` this replaces iterated in, so reports keep their order.
    fn iter(&self) -> impl Iterator<Item = (i64, Option<RecordId>, FirstRead)> + '_ {
        let negative = self.negative.iter().map(|(&(offset, record_id), &read)| (offset, record_id, read));
        let paged = self.by_offset.iter().flat_map(|(index, reads)| {
            // Indices came from non-negative i64 offsets, so they convert back.
            let offset = i64::try_from(index).unwrap_or(i64::MAX);
            reads.iter().map(move |&(record_id, read)| (offset, record_id, read))
        });
        negative.chain(paged)
    }
}

/// Every distinct record consumers received, and each consumer's position.
#[derive(Clone, Debug)]
pub(crate) struct ConsumeLedger {
    positions: BTreeMap<(u32, TopicPartition), Position>,
    reads: BTreeMap<TopicPartition, PartitionReads>,
    distinct_reads: usize,
    /// Offsets below this are paged (see [`PagedVec::new`]).
    dense_len: u64,
    /// Gaps inside one fetch, decided at the end: `(violation, last offset before, offset after)`.
    gaps: Vec<(Violation, i64, i64)>,
}

/// Most gaps inside a fetch kept for the end-of-run decision.
const MAX_GAP_SUSPECTS: usize = 10_000;

/// One record a consumer received.
pub(crate) struct Consumed<'a> {
    pub(crate) client: u32,
    pub(crate) tp: &'a TopicPartition,
    pub(crate) offset: i64,
    pub(crate) record_id: Option<RecordId>,
    pub(crate) high_watermark: i64,
}

impl ConsumeLedger {
    /// An empty ledger that pages offsets below `dense_len`.
    pub(crate) fn new(dense_len: u64) -> Self {
        ConsumeLedger {
            positions: BTreeMap::new(),
            reads: BTreeMap::new(),
            distinct_reads: 0,
            dense_len,
            gaps: Vec::new(),
        }
    }

    /// Checks one received record on the spot and remembers it for the end; `max_reads` bounds memory.
    pub(crate) fn consumed(
        &mut self,
        at: At,
        c: &Consumed<'_>,
        max_reads: usize,
        causes: &KnownCauses,
        report: &mut Report,
    ) {
        let violation = |kind, offsets, detail| Violation {
            kind,
            tp: Some(c.tp.clone()),
            record_id: c.record_id,
            offsets,
            at,
            detail,
            cause: None,
        };
        if c.offset >= c.high_watermark {
            report.push(violation(
                ViolationKind::ReadPastHighWatermark,
                vec![c.offset],
                format!(
                    "client-{} received offset {} with high watermark {}: consumers may read only below it",
                    c.client, c.offset, c.high_watermark
                ),
            ));
        }
        let key = (c.client, c.tp.clone());
        if let Some(previous) = self.positions.get(&key) {
            if c.offset <= previous.last_offset {
                let mut rewind = violation(
                    ViolationKind::ConsumerOrder,
                    vec![previous.last_offset, c.offset],
                    format!(
                        "client-{} received offset {} after offset {}: offsets must strictly increase",
                        c.client, c.offset, previous.last_offset
                    ),
                );
                rewind.cause = causes.for_rewind(c.tp, at);
                report.push(rewind);
            } else if previous.last_step == at.step
                && c.offset != previous.last_offset + 1
                && self.gaps.len() < MAX_GAP_SUSPECTS
            {
                let (from, to) = (previous.last_offset, c.offset);
                self.gaps.push((
                    violation(
                        ViolationKind::ConsumerOrder,
                        vec![previous.last_offset, c.offset],
                        format!(
                            "client-{} received offsets {} then {} in one fetch: a gap inside a fetch",
                            c.client, previous.last_offset, c.offset
                        ),
                    ),
                    from,
                    to,
                ));
            }
        }
        self.positions.insert(key, Position { last_offset: c.offset, last_step: at.step });
        if self.distinct_reads >= max_reads {
            return;
        }
        if !self.reads.contains_key(c.tp) {
            let empty =
                PartitionReads { by_offset: PagedVec::new(self.dense_len), negative: BTreeMap::new() };
            self.reads.insert(c.tp.clone(), empty);
        }
        let Some(reads) = self.reads.get_mut(c.tp) else { return };
        if !reads.contains(c.offset, c.record_id) {
            reads.insert(c.offset, c.record_id, FirstRead { client: c.client, at });
            self.distinct_reads += 1;
        }
    }

    /// `client`'s position in `tp` was set anew (a reset, a committed offset restored, a new assignment,
    /// a revocation): the next record may come from anywhere, so the order check starts over.
    pub(crate) fn forget(&mut self, client: u32, tp: &TopicPartition) {
        self.positions.remove(&(client, tp.clone()));
    }

    /// `client` restarted as a new consumer: all its positions start over.
    pub(crate) fn forget_client(&mut self, client: u32) {
        self.positions.retain(|(c, _), _| *c != client);
    }

    /// Every consumed record must be in the final committed log at the same offset.
    pub(crate) fn finish(self, state: &FinalState, causes: &KnownCauses, report: &mut Report) {
        for (violation, from, to) in &self.gaps {
            // Skipped legitimately: offsets holding no record (markers) or an uncommitted
            // transaction's record (aborted ones, which read_committed drops).
            let excused =
                violation.tp.as_ref().and_then(|tp| state.partitions.get(tp)?.leader_replica()).is_some_and(
                    |leader| {
                        (from + 1..*to).all(|offset| {
                            leader.record_at(offset).is_none() || leader.not_committed.contains_key(&offset)
                        })
                    },
                );
            if !excused {
                report.push(violation.clone());
            }
        }
        for (tp, reads) in &self.reads {
            let Some(leader) = state.partitions.get(tp).and_then(|p| p.leader_replica()) else {
                continue; // offline: nothing to compare with; the acked check counts it as unavailable
            };
            for (offset, record_id, first) in reads.iter() {
                let found = leader.record_at(offset);
                if found.is_none() && offset < leader.log_start_offset && offset < leader.high_watermark {
                    continue; // deleted by retention after it was read
                }
                let committed = offset < leader.high_watermark;
                if committed && found.is_some_and(|r| r.record_id == record_id) {
                    continue;
                }
                let now_there = match found {
                    Some(r) if committed => format!("record {:?} (epoch {})", r.record_id, r.leader_epoch),
                    Some(_) => format!("nothing committed (final high watermark {})", leader.high_watermark),
                    None => format!("nothing (final log end offset {})", leader.log_end_offset),
                };
                report.push(Violation {
                    kind: ViolationKind::ConsumedRecordNotCommitted,
                    tp: Some(tp.clone()),
                    record_id,
                    offsets: vec![offset],
                    at: first.at,
                    detail: format!(
                        "client-{} consumed it at {}, but the final committed log has {now_there} at that \
                         offset: the consumer read past the true high watermark",
                        first.client, first.at
                    ),
                    cause: causes.for_loss(tp, first.at),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;

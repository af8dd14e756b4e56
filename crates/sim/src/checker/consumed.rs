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
//! client reports for one partition in one step) has no gaps — the workload topics are not compacted.

use std::collections::BTreeMap;

use samsa_core::client::events::RecordId;
use samsa_core::replication::messages::TopicPartition;

use super::causes::KnownCauses;
use super::final_state::FinalState;
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

/// Every distinct record consumers received, and each consumer's position.
#[derive(Debug, Default)]
pub(crate) struct ConsumeLedger {
    positions: BTreeMap<(u32, TopicPartition), Position>,
    reads: BTreeMap<TopicPartition, BTreeMap<(i64, Option<RecordId>), FirstRead>>,
    distinct_reads: usize,
}

/// One record a consumer received.
pub(crate) struct Consumed<'a> {
    pub(crate) client: u32,
    pub(crate) tp: &'a TopicPartition,
    pub(crate) offset: i64,
    pub(crate) record_id: Option<RecordId>,
    pub(crate) high_watermark: i64,
}

impl ConsumeLedger {
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
            } else if previous.last_step == at.step && c.offset != previous.last_offset + 1 {
                report.push(violation(
                    ViolationKind::ConsumerOrder,
                    vec![previous.last_offset, c.offset],
                    format!(
                        "client-{} received offsets {} then {} in one fetch: a gap inside a fetch",
                        c.client, previous.last_offset, c.offset
                    ),
                ));
            }
        }
        self.positions.insert(key, Position { last_offset: c.offset, last_step: at.step });
        let reads = self.reads.entry(c.tp.clone()).or_default();
        if self.distinct_reads < max_reads && !reads.contains_key(&(c.offset, c.record_id)) {
            reads.insert((c.offset, c.record_id), FirstRead { client: c.client, at });
            self.distinct_reads += 1;
        }
    }

    /// Every consumed record must be in the final committed log at the same offset.
    pub(crate) fn finish(self, state: &FinalState, causes: &KnownCauses, report: &mut Report) {
        for (tp, reads) in self.reads {
            let Some(leader) = state.partitions.get(&tp).and_then(|p| p.leader_replica()) else {
                continue; // offline: nothing to compare with; the acked check counts it as unavailable
            };
            for ((offset, record_id), first) in reads {
                let found = leader.record_at(offset);
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
                    cause: causes.for_loss(&tp, first.at),
                });
            }
        }
    }
}

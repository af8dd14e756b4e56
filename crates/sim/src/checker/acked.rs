//! Acknowledged-write loss and producer ordering.
//!
//! Kafka's promise (Kafka docs, "Guarantees" and "Replication"): a record acknowledged with `acks=all`
//! is not lost as long as one in-sync replica survives, and with `min.insync.replicas` ≥ 2 a write is
//! acknowledged only when at least that many replicas have it. `acks=1` promises only the leader's
//! append — the scenarios show what that costs. The checker holds every ack and, at the end, looks for
//! the record in the final committed log (below the leader's high watermark) at the acked offset.
//!
//! Ordering: with one request in flight (`max.in.flight.requests.per.connection=1`), or with
//! idempotence (KIP-98: the leader refuses a batch whose sequence number is not the next one, with up
//! to five requests in flight), Kafka keeps a producer's records to one partition in send order, so
//! their acked offsets increase with send order.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use samsa_core::client::events::RecordId;
use samsa_core::replication::messages::TopicPartition;

use super::causes::KnownCauses;
use super::final_state::FinalState;
use super::paged::PagedVec;
use super::report::{At, Report, Violation, ViolationKind};

/// One acknowledgement a producer received.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ack {
    client: u32,
    /// Shared with every other ack of the partition ([`AckLedger::partitions`]): a copy of the ledger
    /// (the live playground's checkpoints) then copies a pointer per ack, not a topic name.
    tp: Arc<TopicPartition>,
    offset: i64,
    at: At,
}

/// A possible ordering violation: confirmed at the end only if neither record was lost (a lost record's
/// offset may be reused by a later leader, and the loss is the violation then).
#[derive(Clone, Debug)]
struct OrderSuspect {
    earlier: RecordId,
    later: RecordId,
    violation: Violation,
}

/// Every ack of the run, and the ordering suspects.
#[derive(Clone, Debug)]
pub(crate) struct AckLedger {
    /// The first ack of each record, paged by record id (ids count up from 1 run-wide).
    acks: PagedVec<Ack>,
    /// One shared copy of each partition acks name.
    partitions: BTreeMap<TopicPartition, Arc<TopicPartition>>,
    /// The latest-sent acked (record, offset) per ordered producer and partition.
    last_ordered: BTreeMap<(u32, TopicPartition), (RecordId, i64)>,
    suspects: Vec<OrderSuspect>,
}

impl AckLedger {
    /// An empty ledger that pages record ids below `dense_len` (see [`PagedVec::new`]).
    pub(crate) fn new(dense_len: u64) -> Self {
        AckLedger {
            acks: PagedVec::new(dense_len),
            partitions: BTreeMap::new(),
            last_ordered: BTreeMap::new(),
            suspects: Vec::new(),
        }
    }

    /// Records an ack with an offset (acks=1/all). Only the first ack of a record counts: a duplicated
    /// response must not make one record look like two.
    pub(crate) fn acked(
        &mut self,
        at: At,
        client: u32,
        record_id: RecordId,
        tp: &TopicPartition,
        offset: i64,
        ordered: bool,
    ) {
        if self.acks.contains(record_id) {
            return;
        }
        if ordered {
            self.check_order(at, client, record_id, tp, offset);
        }
        let tp = match self.partitions.get(tp) {
            Some(shared) => Arc::clone(shared),
            None => {
                let shared = Arc::new(tp.clone());
                self.partitions.insert(tp.clone(), Arc::clone(&shared));
                shared
            }
        };
        self.acks.insert(record_id, Ack { client, tp, offset, at });
    }

    /// Checks an ordered producer's ack against the latest-sent record of the partition acked so far:
    /// a record sent later must sit at a higher offset, one sent earlier at a lower one. Record ids
    /// count up in send order, so "sent later" is "higher id". Comparing with that one record (not the
    /// last ack to arrive) keeps the check right when answers overtake each other on the network (an
    /// idempotent producer has up to five requests in flight), and O(log n) per ack.
    fn check_order(&mut self, at: At, client: u32, record_id: RecordId, tp: &TopicPartition, offset: i64) {
        let key = (client, tp.clone());
        let Some(&(latest, latest_offset)) = self.last_ordered.get(&key) else {
            self.last_ordered.insert(key, (record_id, offset));
            return;
        };
        let (earlier, earlier_offset, later, later_offset) = if record_id > latest {
            (latest, latest_offset, record_id, offset)
        } else {
            (record_id, offset, latest, latest_offset)
        };
        if later_offset <= earlier_offset {
            self.suspects.push(OrderSuspect {
                earlier,
                later,
                violation: Violation {
                    kind: ViolationKind::ProducerOrder,
                    tp: Some(tp.clone()),
                    record_id: Some(record_id),
                    offsets: vec![earlier_offset, later_offset],
                    at,
                    detail: format!(
                        "client-{client} sent record {later} after record {earlier} and promises send \
                         order (one request in flight, or idempotence), but it was acked at offset \
                         {later_offset} ≤ {earlier_offset}"
                    ),
                    cause: None,
                },
            });
        }
        if record_id > latest {
            self.last_ordered.insert(key, (record_id, offset));
        }
    }

    /// How many records were acked with an offset.
    pub(crate) fn len(&self) -> usize {
        self.acks.len()
    }

    /// The first ack of `record_id`: the client, the offset and when.
    pub(crate) fn get(&self, record_id: RecordId) -> Option<(u32, i64, At)> {
        self.acks.get(record_id).map(|ack| (ack.client, ack.offset, ack.at))
    }

    /// The ordering suspects so far: (earlier record, later record, the violation if confirmed).
    pub(crate) fn suspects(&self) -> impl Iterator<Item = (RecordId, RecordId, &Violation)> + '_ {
        self.suspects.iter().map(|s| (s.earlier, s.later, &s.violation))
    }

    /// Checks every ack against the final committed logs; counts losses and unavailable records.
    pub(crate) fn finish(self, state: &FinalState, causes: &KnownCauses, report: &mut Report) {
        let mut lost: BTreeSet<RecordId> = BTreeSet::new();
        for (record_id, ack) in self.acks.iter() {
            let partition = state.partitions.get(&*ack.tp);
            let Some(leader) = partition.and_then(|p| p.leader_replica()) else {
                // Offline (or unreadable): the record may come back with an in-sync replica, so it is
                // unavailable, not lost — Kafka's trade with unclean.leader.election.enable=false.
                report.acked_unavailable += 1;
                continue;
            };
            let found = leader.record_at(ack.offset);
            let committed = ack.offset < leader.high_watermark;
            if committed && found.is_some_and(|r| r.record_id == Some(record_id)) {
                continue;
            }
            // Below the log start offset retention deleted it on purpose (`retention.ms`/`bytes`): not a
            // loss Kafka promised to prevent (a consumer that never read it sees it as lost to retention).
            if found.is_none() && ack.offset < leader.log_start_offset && ack.offset < leader.high_watermark {
                report.acked_deleted_by_retention += 1;
                continue;
            }
            let what_is_there = match found {
                Some(r) if r.record_id == Some(record_id) => {
                    format!(
                        "it sits above the final high watermark {}: never committed",
                        leader.high_watermark
                    )
                }
                Some(r) => match r.record_id {
                    Some(other) => {
                        format!("the final log holds record {other} (epoch {}) there", r.leader_epoch)
                    }
                    None => {
                        format!("the final log holds a record without id (epoch {}) there", r.leader_epoch)
                    }
                },
                None => format!(
                    "the final log ends at {} (high watermark {})",
                    leader.log_end_offset, leader.high_watermark
                ),
            };
            lost.insert(record_id);
            report.acked_lost += 1;
            report.push(Violation {
                kind: ViolationKind::AckedWriteLost,
                tp: Some((*ack.tp).clone()),
                record_id: Some(record_id),
                offsets: vec![ack.offset],
                at: ack.at,
                detail: format!("acked to client-{} at {}, but {what_is_there}", ack.client, ack.at),
                cause: causes.for_loss(&ack.tp, ack.at),
            });
        }
        for suspect in self.suspects {
            if !lost.contains(&suspect.earlier) && !lost.contains(&suspect.later) {
                report.push(suspect.violation);
            }
        }
    }
}

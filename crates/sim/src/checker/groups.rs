//! Consumer-group guarantees, from the clients' and coordinators' events:
//! - **ownership**: in one group, no partition is owned by two members in the same generation; with
//!   cooperative rebalancing (KIP-429) a partition is given to a new owner only in a generation its old
//!   owner no longer holds it in — the old owner, still a member, must have revoked it a round before;
//! - **at-least-once**: at the end, every record below the group's last committed offset (as the
//!   coordinator stored it) was processed by some member; one that was not was *skipped* — committed
//!   before it was processed, and the processing never happened (at-most-once loss);
//! - counted, not violations: records processed more than once (reprocessing after a rebalance or a
//!   crash, which at-least-once allows) and records retention deleted before the group processed them.

use std::collections::{BTreeMap, BTreeSet};

use samsa_core::replication::messages::TopicPartition;

use super::final_state::FinalState;
use super::report::{At, Report, Violation, ViolationKind};

/// Most offsets tracked per (group, partition): a bound on memory (past it, processing is counted
/// but not checked).
const MAX_OFFSETS_TRACKED: usize = 10_000_000;

/// One generation's assignments in one group: partition → (owner, when), and its members.
#[derive(Clone, Debug, Default)]
struct Generation {
    owners: BTreeMap<TopicPartition, Vec<(u32, At)>>,
    members: BTreeSet<u32>,
    cooperative: bool,
}

/// What the group checks accumulate.
#[derive(Clone, Debug, Default)]
pub(crate) struct GroupLedger {
    /// Which group each client belongs to (from the scenario, then its joins).
    group_of: BTreeMap<u32, String>,
    generations: BTreeMap<(String, i32), Generation>,
    /// Per group and partition: how often each offset was processed (index = offset).
    processed: BTreeMap<(String, TopicPartition), Vec<u16>>,
    /// The last offsets the coordinators stored, per group and partition.
    committed: BTreeMap<(String, TopicPartition), (i64, At)>,
    processed_total: u64,
}

impl GroupLedger {
    /// A ledger that knows the scenario's consumers' groups.
    pub(crate) fn new(group_of: BTreeMap<u32, String>) -> Self {
        GroupLedger { group_of, ..GroupLedger::default() }
    }

    pub(crate) fn joined(&mut self, client: u32, group_id: &str, generation_id: i32, protocol: Option<&str>) {
        self.group_of.insert(client, group_id.to_owned());
        let generation = self.generations.entry((group_id.to_owned(), generation_id)).or_default();
        generation.members.insert(client);
        generation.cooperative = protocol == Some("cooperative-sticky");
    }

    pub(crate) fn assigned(
        &mut self,
        at: At,
        client: u32,
        group_id: &str,
        generation_id: i32,
        owned: &[TopicPartition],
    ) {
        let generation = self.generations.entry((group_id.to_owned(), generation_id)).or_default();
        generation.members.insert(client);
        for tp in owned {
            let owners = generation.owners.entry(tp.clone()).or_default();
            if !owners.iter().any(|(c, _)| *c == client) {
                owners.push((client, at));
            }
        }
    }

    pub(crate) fn processed(&mut self, client: u32, tp: &TopicPartition, first: i64, last: i64) {
        let Some(group) = self.group_of.get(&client) else { return };
        let (Ok(first), Ok(last)) = (usize::try_from(first), usize::try_from(last)) else { return };
        if last < first || last >= MAX_OFFSETS_TRACKED {
            return;
        }
        let counts = self.processed.entry((group.clone(), tp.clone())).or_default();
        if counts.len() <= last {
            counts.resize(last + 1, 0);
        }
        for count in &mut counts[first..=last] {
            *count = count.saturating_add(1);
        }
        self.processed_total += (last - first + 1) as u64;
    }

    pub(crate) fn stored(&mut self, at: At, group_id: &str, offsets: &[(TopicPartition, i64)]) {
        for (tp, offset) in offsets {
            self.committed.insert((group_id.to_owned(), tp.clone()), (*offset, at));
        }
    }

    /// Decides the group checks.
    pub(crate) fn finish(self, state: &FinalState, report: &mut Report) {
        report.records_processed = self.processed_total;
        self.check_ownership(report);
        for counts in self.processed.values() {
            report.records_reprocessed += counts.iter().map(|&n| u64::from(n.saturating_sub(1))).sum::<u64>();
        }
        for ((group, tp), (committed, at)) in &self.committed {
            let Some(leader) = state.partitions.get(tp).and_then(|p| p.leader_replica()) else { continue };
            let counts = self.processed.get(&(group.clone(), tp.clone()));
            let done = |offset: i64| {
                usize::try_from(offset)
                    .ok()
                    .and_then(|i| counts.and_then(|c| c.get(i)))
                    .is_some_and(|&n| n > 0)
            };
            // Below the log start offset: deleted by retention; never processed = lost to retention.
            let deleted_below = leader.log_start_offset.min(*committed);
            report.lost_to_retention += (0..deleted_below).filter(|&o| !done(o)).count() as u64;
            let end = (*committed).min(leader.high_watermark);
            let skipped: Vec<i64> = leader
                .committed()
                .iter()
                .map(|r| r.offset)
                .filter(|&o| o >= leader.log_start_offset && o < end && !done(o))
                .collect();
            if skipped.is_empty() {
                continue;
            }
            report.records_skipped += skipped.len() as u64;
            let first = skipped.first().copied().unwrap_or(0);
            let last = skipped.last().copied().unwrap_or(0);
            report.push(Violation {
                kind: ViolationKind::ConsumerSkipped,
                tp: Some(tp.clone()),
                record_id: leader.record_at(first).and_then(|r| r.record_id),
                offsets: vec![first, last],
                at: *at,
                detail: format!(
                    "group {group} committed offset {committed}, but {} record(s) below it (offsets {first}..={last}) \
                     were never processed by any member: at-most-once loss (committed before processing)",
                    skipped.len()
                ),
                cause: None,
            });
        }
    }

    fn check_ownership(&self, report: &mut Report) {
        for ((group, generation_id), generation) in &self.generations {
            for (tp, owners) in &generation.owners {
                if let [(first, _), (second, at), ..] = owners.as_slice() {
                    report.push(Violation {
                        kind: ViolationKind::PartitionOwnedTwice,
                        tp: Some(tp.clone()),
                        record_id: None,
                        offsets: Vec::new(),
                        at: *at,
                        detail: format!(
                            "group {group} generation {generation_id}: client-{first} and client-{second} both own it"
                        ),
                        cause: None,
                    });
                }
                // KIP-429: a partition moves only after its previous owner, still a member, revoked it.
                let Some(previous) =
                    generation_id.checked_sub(1).and_then(|g| self.generations.get(&(group.clone(), g)))
                else {
                    continue;
                };
                if !generation.cooperative {
                    continue;
                }
                let Some((owner, at)) = owners.first() else { continue };
                let moved_from = previous
                    .owners
                    .get(tp)
                    .into_iter()
                    .flatten()
                    .find(|(old, _)| old != owner && generation.members.contains(old));
                if let Some((old, _)) = moved_from {
                    report.push(Violation {
                        kind: ViolationKind::PartitionOwnedTwice,
                        tp: Some(tp.clone()),
                        record_id: None,
                        offsets: Vec::new(),
                        at: *at,
                        detail: format!(
                            "group {group}: client-{owner} got it in generation {generation_id} while client-{old}, \
                             still a member, owned it in generation {} (cooperative rebalancing must revoke first)",
                            generation_id - 1
                        ),
                        cause: None,
                    });
                }
            }
        }
    }
}

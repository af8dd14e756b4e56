//! Transactions (KIP-98): what the trace says each transactional producer did, against what the final
//! logs decided. Ground truth is the logs' markers ([`super::final_state::TxnFate`]): a record is
//! committed unless its producer's next marker in that partition is ABORT, or there is none yet.
//!
//! - **aborted read**: a `read_committed` consumer returned a record that is not committed.
//! - **uncommitted transaction committed**: a record sent in a transaction whose producer never asked to
//!   commit it (it aborted, was fenced as a zombie, timed out, or crashed) is committed — the classic
//!   protocol's hazard of a late produce landing in the next transaction (KIP-890), or a zombie's write.
//! - **transaction not atomic**: a transaction its producer saw commit has an acknowledged record that is
//!   not committed.

use std::collections::{BTreeMap, BTreeSet};

use samsa_core::client::events::RecordId;
use samsa_core::replication::messages::TopicPartition;

use super::final_state::{FinalState, TxnFate};
use super::report::{At, Report, Violation, ViolationKind};

/// A transaction: the producer and its n-th `beginTransaction` (counted here, since a producer the
/// application recreates numbers its transactions from 1 again).
type TxnKey = (u32, u64);

/// The ledger of transactional producers and read_committed reads.
#[derive(Clone, Debug, Default)]
pub struct TxnLedger {
    read_committed: BTreeSet<u32>,
    begun: BTreeMap<u32, u64>,
    /// Each producer's open transaction.
    open: BTreeMap<u32, TxnKey>,
    /// The transaction each transactional record was sent in (first send).
    record_txn: BTreeMap<RecordId, TxnKey>,
    commit_requested: BTreeSet<TxnKey>,
    committed: BTreeSet<TxnKey>,
    aborted: u64,
    acked: BTreeMap<RecordId, (TopicPartition, i64)>,
    reads: Vec<(u32, TopicPartition, i64, RecordId, At)>,
}

/// Most read_committed reads and transactional records remembered (the rest are not checked).
const MAX_TRACKED: usize = 10_000_000;

impl TxnLedger {
    /// A ledger checking the reads of the `read_committed` consumers.
    pub fn new(read_committed: BTreeSet<u32>) -> Self {
        TxnLedger { read_committed, ..TxnLedger::default() }
    }

    pub fn begun(&mut self, client: u32) {
        let n = self.begun.entry(client).or_insert(0);
        *n += 1;
        self.open.insert(client, (client, *n));
    }

    pub fn sent(&mut self, client: u32, record_id: RecordId) {
        if let Some(&key) = self.open.get(&client) {
            if self.record_txn.len() < MAX_TRACKED {
                self.record_txn.entry(record_id).or_insert(key);
            }
        }
    }

    pub fn acked(&mut self, record_id: RecordId, tp: &TopicPartition, offset: i64) {
        if self.record_txn.contains_key(&record_id) && offset >= 0 {
            self.acked.entry(record_id).or_insert_with(|| (tp.clone(), offset));
        }
    }

    pub fn ending(&mut self, client: u32, commit: bool) {
        if let (true, Some(&key)) = (commit, self.open.get(&client)) {
            self.commit_requested.insert(key);
        }
    }

    pub fn completed(&mut self, client: u32, committed: bool) {
        if let Some(key) = self.open.remove(&client) {
            if committed {
                self.committed.insert(key);
            } else {
                self.aborted += 1;
            }
        }
    }

    /// The producer's process is gone (crash) or replaced: its open transaction stays undecided here.
    pub fn producer_gone(&mut self, client: u32) {
        self.open.remove(&client);
    }

    pub fn consumed(
        &mut self,
        at: At,
        client: u32,
        tp: &TopicPartition,
        offset: i64,
        record_id: Option<RecordId>,
    ) {
        if let (true, Some(record_id)) = (self.read_committed.contains(&client), record_id) {
            if self.reads.len() < MAX_TRACKED {
                self.reads.push((client, tp.clone(), offset, record_id, at));
            }
        }
    }

    pub fn finish(self, state: &FinalState, report: &mut Report) {
        report.transactions_committed = self.committed.len() as u64;
        report.transactions_aborted = self.aborted;
        let fate = |tp: &TopicPartition, offset: i64| {
            let replica = state.partitions.get(tp)?.leader_replica()?;
            replica.record_at(offset)?;
            Some(replica.not_committed.get(&offset).copied())
        };
        for (client, tp, offset, record_id, at) in &self.reads {
            if let Some(Some(fate)) = fate(tp, *offset) {
                let what = match fate {
                    TxnFate::Aborted => "an aborted transaction",
                    TxnFate::Open => "a transaction that never ended",
                };
                report.push(Violation {
                    kind: ViolationKind::AbortedRead,
                    tp: Some(tp.clone()),
                    record_id: Some(*record_id),
                    offsets: vec![*offset],
                    at: *at,
                    detail: format!(
                        "client-{client} (isolation.level=read_committed) read record {record_id} at offset \
                         {offset}, which belongs to {what}"
                    ),
                    cause: None,
                });
            }
        }
        // Every transactional record the final logs hold, acknowledged or not: a late produce's records
        // were never acknowledged (their request timed out), yet may be committed.
        for (tp, partition) in &state.partitions {
            let Some(replica) = partition.leader_replica() else { continue };
            for record in replica.committed() {
                let Some(record_id) = record.record_id else { continue };
                let Some(&(client, n)) = self.record_txn.get(&record_id) else { continue };
                let committed_in_log = !replica.not_committed.contains_key(&record.offset);
                if committed_in_log && !self.commit_requested.contains(&(client, n)) {
                    let offset = record.offset;
                    report.push(Violation {
                        kind: ViolationKind::UncommittedTransactionCommitted,
                        tp: Some(tp.clone()),
                        record_id: Some(record_id),
                        offsets: vec![offset],
                        at: state.at,
                        detail: format!(
                            "record {record_id} of client-{client}'s transaction {n}, which it never committed, \
                             is committed at offset {offset}: a late write joined another transaction (KIP-890) \
                             or a fenced producer's write survived"
                        ),
                        cause: None,
                    });
                }
            }
        }
        for (record_id, (tp, offset)) in &self.acked {
            let Some(&(client, n)) = self.record_txn.get(record_id) else { continue };
            let Some(fate) = fate(tp, *offset) else { continue };
            if fate.is_some() && self.committed.contains(&(client, n)) {
                report.push(Violation {
                    kind: ViolationKind::TransactionNotAtomic,
                    tp: Some(tp.clone()),
                    record_id: Some(*record_id),
                    offsets: vec![*offset],
                    at: state.at,
                    detail: format!(
                        "client-{client}'s transaction {n} committed, but its record {record_id} at offset \
                         {offset} is not committed in the log"
                    ),
                    cause: None,
                });
            }
        }
    }
}

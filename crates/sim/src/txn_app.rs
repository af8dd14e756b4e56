//! The application around a transactional producer (issue 8): Kafka's canonical loop
//! `initTransactions(); loop { beginTransaction(); send × N; commitTransaction() }`, started with the
//! workload's first record, with every `abort_every`-th transaction aborted instead and
//! `abortTransaction()` after an abortable error. After `PRODUCER_FENCED` the application closes its
//! producer and stops, as Kafka's javadoc says a fenced instance must (another instance with the same
//! `transactional.id` took over); after any other fatal error it creates a new producer. Records the
//! workload hands over while no transaction can take them wait in a bounded backlog (the application's
//! own queue).

use std::collections::VecDeque;

use samsa_core::client::{Producer, TxnState};

use crate::sim_node::{Rejected, WorkloadRecord};

/// Most records waiting for the next transaction; more are refused (the application's queue is full).
pub const MAX_BACKLOG: usize = 10_000;

/// How a transactional producer's application behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxnWorkload {
    /// Records per transaction (at least 1).
    pub records_per_transaction: u32,
    /// Every n-th transaction is aborted (0: none).
    pub abort_every: u32,
}

/// The application's state (see the module docs).
#[derive(Clone, Debug)]
pub struct TxnApp {
    workload: TxnWorkload,
    backlog: VecDeque<WorkloadRecord>,
    /// Records sent in the open transaction.
    in_transaction: u32,
    /// Effects of a producer the application replaced, not collected yet.
    carried: Vec<samsa_core::node::Effect>,
    /// The workload handed over its first record: the application has started.
    started: bool,
    /// Fenced: the application closed its producer and takes no more records.
    closed: bool,
}

impl TxnApp {
    /// An application that has not called `initTransactions` yet.
    pub fn new(workload: TxnWorkload) -> Self {
        TxnApp {
            workload,
            backlog: VecDeque::new(),
            in_transaction: 0,
            carried: Vec::new(),
            started: false,
            closed: false,
        }
    }

    /// The workload hands over a record.
    pub fn accept(&mut self, record: WorkloadRecord) -> Result<(), Rejected> {
        self.started = true;
        if self.closed {
            return Err(Rejected {
                error: samsa_core::ErrorCode::ProducerFenced,
                reason: String::from(
                    "the application closed its producer after it was fenced (PRODUCER_FENCED)",
                ),
            });
        }
        if self.backlog.len() >= MAX_BACKLOG {
            return Err(Rejected {
                error: samsa_core::ErrorCode::RequestTimedOut,
                reason: format!(
                    "the application's queue of {MAX_BACKLOG} records waiting for a transaction is full"
                ),
            });
        }
        self.backlog.push_back(record);
        Ok(())
    }

    /// Runs the loop as far as it can at `now_ms`; `fresh` is the producer as first built, used when a
    /// fatal error makes the application create a new one.
    pub fn drive(&mut self, producer: &mut Producer, fresh: &Producer, now_ms: u64) {
        if !self.started || self.closed {
            return;
        }
        for _ in 0..4 {
            match producer.transaction_state() {
                None | Some(TxnState::Initializing | TxnState::Committing | TxnState::Aborting) => return,
                Some(TxnState::Uninitialized) => {
                    let _ = producer.init_transactions(now_ms);
                }
                Some(TxnState::FatalError(samsa_core::ErrorCode::ProducerFenced)) => {
                    self.closed = true;
                    self.backlog.clear();
                    return;
                }
                Some(TxnState::FatalError(_)) => {
                    // The old producer's last events (its failure) still reach the trace.
                    self.carried.extend(samsa_core::node::Node::take_effects(producer));
                    *producer = fresh.clone();
                    self.in_transaction = 0;
                }
                Some(TxnState::AbortableError(_)) => {
                    let _ = producer.abort_transaction(now_ms);
                    self.in_transaction = 0;
                }
                Some(TxnState::Ready) => {
                    if self.backlog.is_empty() || producer.begin_transaction().is_err() {
                        return;
                    }
                    self.in_transaction = 0;
                }
                Some(TxnState::InTransaction) => {
                    self.send_some(producer, now_ms);
                    if self.in_transaction < self.workload.records_per_transaction.max(1) {
                        return;
                    }
                    let number = producer.transaction_number();
                    let abort =
                        self.workload.abort_every > 0 && number % u64::from(self.workload.abort_every) == 0;
                    let _ = if abort {
                        producer.abort_transaction(now_ms)
                    } else {
                        producer.commit_transaction(now_ms)
                    };
                    self.in_transaction = 0;
                }
            }
        }
    }

    fn send_some(&mut self, producer: &mut Producer, now_ms: u64) {
        while self.in_transaction < self.workload.records_per_transaction.max(1) {
            let Some(record) = self.backlog.pop_front() else { return };
            let WorkloadRecord { topic, key, value, record_id, random } = record;
            // A refused record (a config limit) is dropped: its send failed in the application.
            let _ = producer.send(now_ms, &topic, key, Some(value), record_id, random);
            self.in_transaction += 1;
        }
    }

    /// Effects of replaced producers, to hand out with the current one's.
    pub fn take_carried(&mut self) -> Vec<samsa_core::node::Effect> {
        std::mem::take(&mut self.carried)
    }

    /// Whether the application closed its producer after being fenced.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Records waiting for a transaction.
    pub fn backlog(&self) -> usize {
        self.backlog.len()
    }
}

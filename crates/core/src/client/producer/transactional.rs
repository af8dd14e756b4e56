//! The producer's transactional API (Kafka's `initTransactions`, `beginTransaction`,
//! `sendOffsetsToTransaction`, `commitTransaction`, `abortTransaction`) and the coordinator's answers.
//! Calls return at once; their outcomes arrive as `ClientEvent`s (`ProducerIdAssigned`,
//! `TransactionCompleted`, `OffsetsSentToTransaction`, `TransactionFailed`).

use alloc::vec::Vec;

use super::Producer;
use crate::client::events::ClientEvent;
use crate::client::transactions::{
    is_fatal, lost_coordinator, ConsumerGroupMetadata, InFlightTxnRequest, PendingOffsets, TransactionError,
    TxnRequest, TxnState,
};
use crate::error::ErrorCode;
use crate::group::messages::{FindCoordinatorResponse, OffsetAndMetadata};
use crate::node::{BrokerId, Effect, NodeId};
use crate::replication::messages::{InitProducerIdResponse, Message, TopicPartition};
use crate::txn::messages::{
    AddOffsetsToTxnResponse, AddPartitionsToTxnResponse, EndTxnResponse, TxnOffsetCommitResponse,
};

impl Producer {
    /// The transaction state, or `None` without a `transactional.id`.
    pub fn transaction_state(&self) -> Option<TxnState> {
        self.transactions.as_ref().map(|t| t.state)
    }

    /// The open (or last) transaction's number, from 1.
    pub fn transaction_number(&self) -> u64 {
        self.transactions.as_ref().map_or(0, |t| t.txn)
    }

    fn txn_state_for(
        &self,
        operation: &'static str,
        allowed: &[TxnState],
    ) -> Result<TxnState, TransactionError> {
        let txn = self.transactions.as_ref().ok_or(TransactionError::NotTransactional)?;
        if allowed.contains(&txn.state) {
            Ok(txn.state)
        } else {
            Err(TransactionError::InvalidState { operation, state: txn.state })
        }
    }

    /// `initTransactions`: finds the coordinator and gets the producer id and epoch for the
    /// `transactional.id`, fencing any older producer with it (its open transaction is aborted).
    pub fn init_transactions(&mut self, now_ms: u64) -> Result<(), TransactionError> {
        self.txn_state_for("initTransactions", &[TxnState::Uninitialized])?;
        if let Some(txn) = self.transactions.as_mut() {
            txn.state = TxnState::Initializing;
        }
        self.poll(now_ms);
        Ok(())
    }

    /// `beginTransaction`: records sent from now on belong to a new transaction.
    pub fn begin_transaction(&mut self) -> Result<(), TransactionError> {
        self.txn_state_for("beginTransaction", &[TxnState::Ready])?;
        let client = self.client_id;
        if let Some(txn) = self.transactions.as_mut() {
            txn.reset_transaction();
            txn.state = TxnState::InTransaction;
            txn.txn += 1;
            let event = ClientEvent::TransactionBegun { client, txn: txn.txn };
            self.effects.push(Effect::Client(event));
        }
        Ok(())
    }

    /// `sendOffsetsToTransaction`: `offsets` (the next offsets to consume) commit for the group with
    /// the transaction, atomically with its records.
    pub fn send_offsets_to_transaction(
        &mut self,
        now_ms: u64,
        offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
        group: ConsumerGroupMetadata,
    ) -> Result<(), TransactionError> {
        self.txn_state_for("sendOffsetsToTransaction", &[TxnState::InTransaction])?;
        if let Some(txn) = self.transactions.as_mut() {
            if txn.offsets.is_some() {
                return Err(TransactionError::InvalidState {
                    operation: "sendOffsetsToTransaction",
                    state: txn.state,
                });
            }
            txn.offsets = Some(PendingOffsets { group, offsets, added: false, coordinator: None });
        }
        self.poll(now_ms);
        Ok(())
    }

    /// `commitTransaction`: flushes, then commits once every record has its outcome.
    pub fn commit_transaction(&mut self, now_ms: u64) -> Result<(), TransactionError> {
        self.txn_state_for("commitTransaction", &[TxnState::InTransaction])?;
        if let Some(txn) = self.transactions.as_mut() {
            txn.state = TxnState::Committing;
        }
        self.flush(now_ms);
        Ok(())
    }

    /// `abortTransaction`: records not sent yet fail (`TRANSACTION_ABORTABLE`, Kafka's
    /// `TransactionAbortedException`), the ones in flight are awaited, then the abort is logged.
    pub fn abort_transaction(&mut self, now_ms: u64) -> Result<(), TransactionError> {
        let aborting = [TxnState::InTransaction, TxnState::Committing];
        let state = self.transactions.as_ref().map(|t| t.state);
        if !matches!(state, Some(TxnState::AbortableError(_))) {
            self.txn_state_for("abortTransaction", &aborting)?;
        }
        if let Some(txn) = self.transactions.as_mut() {
            txn.state = TxnState::Aborting;
            // Partitions not added yet and offsets not sent yet are not part of the transaction.
            txn.pending.clear();
            txn.offsets = None;
        }
        self.fail_unsent(now_ms, ErrorCode::TransactionAbortable);
        self.poll(now_ms);
        Ok(())
    }

    /// Sends the transaction manager's next request, if one is due, and times out a lost one.
    pub(super) fn poll_transactions(&mut self, now_ms: u64) {
        let producer = self.producer_id_and_epoch();
        let records_done = self.unfinished.is_empty();
        let correlation_id = self.next_correlation_id;
        let Some(txn) = self.transactions.as_mut() else { return };
        if txn.in_flight.as_ref().is_some_and(|r| now_ms >= r.deadline_ms) {
            txn.in_flight = None;
            txn.retry(now_ms, self.config.retry_backoff_ms, true);
        }
        // A transaction with nothing added needs no EndTxn (Kafka's client completes it at once).
        let nothing_added =
            txn.added.is_empty() && txn.pending.is_empty() && txn.offsets.is_none() && !txn.offsets_in_txn;
        if nothing_added && records_done && matches!(txn.state, TxnState::Committing | TxnState::Aborting) {
            let committed = txn.state == TxnState::Committing;
            return self.transaction_done(now_ms, committed);
        }
        let Some((broker, message, request)) =
            txn.next_request(now_ms, producer, records_done, &self.bootstrap, correlation_id)
        else {
            return;
        };
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let deadline_ms = now_ms.saturating_add(self.config.request_timeout_ms);
        if let TxnRequest::EndTxn { commit } = request {
            if !txn.end_announced {
                txn.end_announced = true;
                let event = ClientEvent::TransactionEnding { client: self.client_id, txn: txn.txn, commit };
                self.effects.push(Effect::Client(event));
            }
        }
        txn.in_flight = Some(InFlightTxnRequest { correlation_id, broker, deadline_ms, request });
        self.effects.push(Effect::Send { to: NodeId::Broker(broker), message });
    }

    /// Fails every record not handed to the network yet.
    fn fail_unsent(&mut self, now_ms: u64, error: ErrorCode) {
        let heads: Vec<_> = self.accumulator.heads().map(|(batch, _)| batch.tp).collect();
        for tp in heads {
            while let Some((batch, _, _)) = self.accumulator.pop_head(tp) {
                self.finish_batch(now_ms, batch, Err(error));
            }
        }
        let waiting: Vec<_> = self.waiting_for_topic.drain(..).collect();
        for record in waiting {
            let tp = self.unknown_partition(&record.topic);
            self.finish_unbatched(now_ms, &record, tp, Err(error));
        }
        self.waiting_checked = 0;
    }

    /// The transaction is decided: `Ready` for the next one (or a new InitProducerId first).
    fn transaction_done(&mut self, now_ms: u64, committed: bool) {
        let client = self.client_id;
        let Some(txn) = self.transactions.as_mut() else { return };
        let event = ClientEvent::TransactionCompleted { client, txn: txn.txn, committed };
        txn.reset_transaction();
        txn.state = if txn.bump_on_init { TxnState::Initializing } else { TxnState::Ready };
        self.effects.push(Effect::Client(event));
        self.poll(now_ms);
    }

    /// A record of the open transaction failed: the transaction can only be aborted now.
    pub(super) fn transaction_record_failed(&mut self, error: ErrorCode, had_sequence: bool) {
        let client = self.client_id;
        let Some(txn) = self.transactions.as_mut() else { return };
        if had_sequence {
            txn.bump_on_init = true; // KIP-360: sequences may have a hole; bump the epoch after the abort
        }
        if !matches!(txn.state, TxnState::InTransaction | TxnState::Committing) {
            return;
        }
        let fatal = error == ErrorCode::ProducerFenced;
        txn.record_error.get_or_insert(error);
        txn.state = if fatal { TxnState::FatalError(error) } else { TxnState::AbortableError(error) };
        let event = ClientEvent::TransactionFailed { client, txn: Some(txn.txn), error, fatal };
        self.effects.push(Effect::Client(event));
    }

    /// A coordinator's error for the request in flight: retry, find the coordinator again, or fail the
    /// transaction (abortable) or the producer (fatal).
    fn transaction_error(&mut self, now_ms: u64, error: ErrorCode) {
        let client = self.client_id;
        let backoff_ms = self.config.retry_backoff_ms;
        let Some(txn) = self.transactions.as_mut() else { return };
        if lost_coordinator(error) || error == ErrorCode::RequestTimedOut {
            return txn.retry(now_ms, backoff_ms, true);
        }
        if error.is_retriable() || error == ErrorCode::ConcurrentTransactions {
            return txn.retry(now_ms, backoff_ms, false);
        }
        let fatal = is_fatal(error) || matches!(txn.state, TxnState::Initializing | TxnState::Aborting);
        let open = (txn.txn > 0 && txn.state != TxnState::Initializing).then_some(txn.txn);
        txn.state = if fatal { TxnState::FatalError(error) } else { TxnState::AbortableError(error) };
        if fatal {
            if let Some(idempotence) = self.idempotence.as_mut() {
                idempotence.clear_producer();
            }
        }
        self.effects.push(Effect::Client(ClientEvent::TransactionFailed { client, txn: open, error, fatal }));
    }

    /// Takes the request in flight if `correlation_id` from `from` answers it.
    fn take_txn_request(&mut self, from: BrokerId, correlation_id: u64) -> Option<TxnRequest> {
        let txn = self.transactions.as_mut()?;
        let matches =
            txn.in_flight.as_ref().is_some_and(|r| r.correlation_id == correlation_id && r.broker == from);
        if !matches {
            return None;
        }
        txn.in_flight.take().map(|r| r.request)
    }

    /// Routes a transaction coordinator's (or group coordinator's) answer; `false` if not one.
    pub(super) fn on_transaction_message(&mut self, now_ms: u64, from: BrokerId, message: &Message) -> bool {
        match message {
            Message::FindCoordinatorResponse(r) => self.on_txn_find_coordinator(now_ms, from, r),
            Message::InitProducerIdResponse(r) if self.transactions.is_some() => {
                self.on_txn_init(now_ms, from, r)
            }
            Message::AddPartitionsToTxnResponse(r) => self.on_add_partitions(now_ms, from, r),
            Message::AddOffsetsToTxnResponse(r) => self.on_add_offsets(now_ms, from, r),
            Message::TxnOffsetCommitResponse(r) => self.on_txn_offset_commit(now_ms, from, r),
            Message::EndTxnResponse(r) => self.on_end_txn(now_ms, from, r),
            _ => return false,
        }
        true
    }

    fn on_txn_find_coordinator(&mut self, now_ms: u64, from: BrokerId, response: &FindCoordinatorResponse) {
        let Some(TxnRequest::FindCoordinator { group }) =
            self.take_txn_request(from, response.correlation_id)
        else {
            return;
        };
        if response.error != ErrorCode::None || response.node_id < 0 {
            return self.transaction_error(now_ms, ErrorCode::CoordinatorNotAvailable);
        }
        let Some(txn) = self.transactions.as_mut() else { return };
        if group {
            if let Some(offsets) = txn.offsets.as_mut() {
                offsets.coordinator = Some(response.node_id);
            }
        } else {
            txn.coordinator = Some(response.node_id);
        }
    }

    fn on_txn_init(&mut self, now_ms: u64, from: BrokerId, response: &InitProducerIdResponse) {
        if self.take_txn_request(from, response.correlation_id) != Some(TxnRequest::InitProducerId) {
            return;
        }
        if response.error != ErrorCode::None {
            return self.transaction_error(now_ms, response.error);
        }
        let bumped = self.producer_id_and_epoch().is_some();
        self.adopt_producer(response.producer_id, response.producer_epoch);
        if let Some(txn) = self.transactions.as_mut() {
            txn.state = TxnState::Ready;
            txn.bump_on_init = false;
        }
        let (client, producer_id, producer_epoch) =
            (self.client_id, response.producer_id, response.producer_epoch);
        let event = ClientEvent::ProducerIdAssigned { client, producer_id, producer_epoch, bumped };
        self.effects.push(Effect::Client(event));
    }

    /// A new id or epoch from the coordinator: every partition's sequences start again.
    fn adopt_producer(&mut self, producer_id: i64, producer_epoch: i16) {
        if let Some(idempotence) = self.idempotence.as_mut() {
            for tp in idempotence.set_producer(producer_id, producer_epoch) {
                self.accumulator.clear_sequences(tp);
            }
        }
    }

    fn on_add_partitions(&mut self, now_ms: u64, from: BrokerId, response: &AddPartitionsToTxnResponse) {
        if !matches!(self.take_txn_request(from, response.correlation_id), Some(TxnRequest::AddPartitions(_)))
        {
            return;
        }
        let error = response.results.iter().map(|(_, e)| *e).find(|e| *e != ErrorCode::None);
        if let Some(error) = error {
            return self.transaction_error(now_ms, error);
        }
        if let Some(txn) = self.transactions.as_mut() {
            for (tp, _) in &response.results {
                txn.pending.remove(tp);
                txn.added.insert(tp.clone());
            }
        }
    }

    fn on_add_offsets(&mut self, now_ms: u64, from: BrokerId, response: &AddOffsetsToTxnResponse) {
        if self.take_txn_request(from, response.correlation_id) != Some(TxnRequest::AddOffsets) {
            return;
        }
        if response.error != ErrorCode::None {
            return self.transaction_error(now_ms, response.error);
        }
        if let Some(offsets) = self.transactions.as_mut().and_then(|t| t.offsets.as_mut()) {
            offsets.added = true;
        }
    }

    fn on_txn_offset_commit(&mut self, now_ms: u64, from: BrokerId, response: &TxnOffsetCommitResponse) {
        if self.take_txn_request(from, response.correlation_id) != Some(TxnRequest::TxnOffsetCommit) {
            return;
        }
        let error = response.results.iter().map(|(_, e)| *e).find(|e| *e != ErrorCode::None);
        if let Some(error) = error {
            if lost_coordinator(error) {
                if let Some(offsets) = self.transactions.as_mut().and_then(|t| t.offsets.as_mut()) {
                    offsets.coordinator = None;
                }
            }
            return self.transaction_error(now_ms, error);
        }
        let client = self.client_id;
        let Some(txn) = self.transactions.as_mut() else { return };
        let Some(offsets) = txn.offsets.take() else { return };
        txn.offsets_in_txn = true;
        let event = ClientEvent::OffsetsSentToTransaction {
            client,
            txn: txn.txn,
            group_id: offsets.group.group_id,
            offsets: offsets.offsets.iter().map(|(tp, o)| (tp.clone(), o.offset)).collect(),
        };
        self.effects.push(Effect::Client(event));
    }

    fn on_end_txn(&mut self, now_ms: u64, from: BrokerId, response: &EndTxnResponse) {
        let Some(TxnRequest::EndTxn { commit }) = self.take_txn_request(from, response.correlation_id) else {
            return;
        };
        if response.error != ErrorCode::None {
            return self.transaction_error(now_ms, response.error);
        }
        // KIP-890 (transaction.version=2): the next transaction uses the bumped epoch.
        if response.producer_epoch >= 0
            && Some((response.producer_id, response.producer_epoch)) != self.producer_id_and_epoch()
        {
            self.adopt_producer(response.producer_id, response.producer_epoch);
            if let Some(txn) = self.transactions.as_mut() {
                txn.bump_on_init = false;
            }
        }
        self.transaction_done(now_ms, commit);
    }
}

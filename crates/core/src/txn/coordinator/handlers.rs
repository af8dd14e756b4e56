//! The producer-facing requests: InitProducerId with a `transactional.id`, AddPartitionsToTxn,
//! AddOffsetsToTxn, EndTxn (Kafka's `TransactionCoordinator.handle*`).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    Completion, TransactionCoordinator, TransactionMetadata, TxnCtx, MAX_PARTITIONS_PER_TRANSACTION,
    MAX_TRANSACTIONAL_IDS,
};
use crate::error::ErrorCode;
use crate::node::NodeId;
use crate::replication::messages::{InitProducerIdRequest, InitProducerIdResponse, Message, TopicPartition};
use crate::txn::messages::{
    AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse,
    EndTxnRequest, EndTxnResponse,
};
use crate::txn::{TransactionState, TransactionVersion};

impl TransactionCoordinator {
    fn answer_init(&mut self, to: NodeId, correlation_id: u64, result: Result<(i64, i16), ErrorCode>) {
        let (error, producer_id, producer_epoch) = match result {
            Ok((id, epoch)) => (ErrorCode::None, id, epoch),
            Err(error) => (error, -1, -1),
        };
        let response = InitProducerIdResponse { correlation_id, error, producer_id, producer_epoch };
        self.send(to, Message::InitProducerIdResponse(response));
    }

    /// InitProducerId with a `transactional.id` on its coordinator (`partition` is its
    /// `__transaction_state` partition): a new id, or the epoch after the current one — which fences
    /// any older producer with this id. An open transaction of the old producer is aborted first (the
    /// caller gets `CONCURRENT_TRANSACTIONS` and retries); `new_producer_id` hands out a fresh id.
    pub fn init_producer_id(
        &mut self,
        ctx: TxnCtx<'_>,
        from: NodeId,
        partition: i32,
        request: &InitProducerIdRequest,
        new_producer_id: &mut dyn FnMut() -> Result<i64, ErrorCode>,
    ) {
        let correlation_id = request.correlation_id;
        let Some(transactional_id) = request.transactional_id.clone() else { return };
        if request.transaction_timeout_ms == 0
            || request.transaction_timeout_ms > ctx.config.transaction_max_timeout_ms
        {
            return self.answer_init(from, correlation_id, Err(ErrorCode::InvalidTransactionTimeout));
        }
        if !self.txns.contains_key(&transactional_id) {
            if self.txns.len() >= MAX_TRANSACTIONAL_IDS {
                return self.answer_init(from, correlation_id, Err(ErrorCode::CoordinatorNotAvailable));
            }
            let producer_id = match new_producer_id() {
                Ok(id) => id,
                Err(error) => return self.answer_init(from, correlation_id, Err(error)),
            };
            let txn = TransactionMetadata {
                transactional_id: transactional_id.clone(),
                partition,
                producer_id,
                producer_epoch: -1,
                last_producer_epoch: -1,
                timeout_ms: request.transaction_timeout_ms,
                state: TransactionState::Empty,
                partitions: BTreeSet::new(),
                start_ms: ctx.now_ms,
                last_update_ms: ctx.now_ms,
                pending: false,
                markers: BTreeMap::new(),
            };
            self.txns.insert(transactional_id.clone(), txn);
        }
        let Some(txn) = self.txns.get(&transactional_id) else { return };
        if txn.pending || txn.state.is_preparing() {
            return self.answer_init(from, correlation_id, Err(ErrorCode::ConcurrentTransactions));
        }
        // KIP-360: a producer naming its id and epoch must be the current one (or the one just before a bump).
        if request.producer_id >= 0
            && (request.producer_id != txn.producer_id
                || (request.producer_epoch != txn.producer_epoch
                    && request.producer_epoch != txn.last_producer_epoch))
        {
            return self.answer_init(from, correlation_id, Err(ErrorCode::ProducerFenced));
        }
        if txn.state == TransactionState::Ongoing {
            // Fence the old producer: abort its transaction under a bumped epoch (Kafka's
            // `prepareFenceProducerEpoch` then the abort); the new producer retries.
            self.abort_open(ctx, &transactional_id);
            return self.answer_init(from, correlation_id, Err(ErrorCode::ConcurrentTransactions));
        }
        let mut target = txn.stored();
        let (producer_id, producer_epoch) = match bump(txn.producer_id, txn.producer_epoch) {
            Some(bumped) => bumped,
            None => match new_producer_id() {
                Ok(id) => (id, 0),
                Err(error) => return self.answer_init(from, correlation_id, Err(error)),
            },
        };
        target.producer_id = producer_id;
        target.producer_epoch = producer_epoch;
        target.timeout_ms = i32::try_from(request.transaction_timeout_ms).unwrap_or(i32::MAX);
        target.state = TransactionState::Empty;
        target.partitions.clear();
        target.last_update_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
        let completion = Completion::InitProducerId { to: from, correlation_id };
        if self.append(ctx, &transactional_id, target, completion).is_none() {
            self.answer_init(from, correlation_id, Err(ErrorCode::CoordinatorNotAvailable));
        }
    }

    /// Starts aborting `transactional_id`'s open transaction under a bumped epoch (timeout, fencing).
    pub(super) fn abort_open(&mut self, ctx: TxnCtx<'_>, transactional_id: &str) {
        let Some(txn) = self.txns.get(transactional_id) else { return };
        if txn.pending || txn.state != TransactionState::Ongoing {
            return;
        }
        let mut target = txn.stored();
        // At the maximum epoch the abort keeps it; the next InitProducerId moves to a new id.
        if let Some((_, epoch)) = bump(txn.producer_id, txn.producer_epoch) {
            target.producer_epoch = epoch;
        }
        target.state = TransactionState::PrepareAbort;
        target.last_update_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
        self.append(ctx, transactional_id, target, Completion::Abort);
    }

    /// Kafka's producer checks for requests from a transactional producer: the id must map to this
    /// producer, the epoch must be the current one, and no state change may be in flight.
    fn check_producer(
        &self,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
    ) -> Result<&TransactionMetadata, ErrorCode> {
        let txn = self.txns.get(transactional_id).ok_or(ErrorCode::InvalidProducerIdMapping)?;
        if txn.producer_id != producer_id {
            return Err(ErrorCode::InvalidProducerIdMapping);
        }
        if producer_epoch != txn.producer_epoch {
            return Err(ErrorCode::ProducerFenced);
        }
        if txn.pending || txn.state.is_preparing() {
            return Err(ErrorCode::ConcurrentTransactions);
        }
        if matches!(txn.state, TransactionState::Dead | TransactionState::PrepareEpochFence) {
            return Err(ErrorCode::InvalidTxnState);
        }
        Ok(txn)
    }

    /// Adds `partitions` to the open transaction (opening one): the answer comes once logged.
    fn add(
        &mut self,
        ctx: TxnCtx<'_>,
        transactional_id: &str,
        producer: (i64, i16),
        partitions: &[TopicPartition],
        completion: Completion,
    ) -> Result<(), ErrorCode> {
        let txn = self.check_producer(transactional_id, producer.0, producer.1)?;
        let open = txn.state == TransactionState::Ongoing;
        if open && partitions.iter().all(|tp| txn.partitions.contains(tp)) {
            return Err(ErrorCode::None); // nothing new: answered at once
        }
        if txn.partitions.len().saturating_add(partitions.len()) > MAX_PARTITIONS_PER_TRANSACTION {
            return Err(ErrorCode::InvalidRequest);
        }
        let mut target = txn.stored();
        target.state = TransactionState::Ongoing;
        if !open {
            target.partitions.clear();
            target.start_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
        }
        target.partitions.extend(partitions.iter().cloned());
        target.last_update_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
        self.append(ctx, transactional_id, target, completion)
            .map(|_| ())
            .ok_or(ErrorCode::CoordinatorNotAvailable)
    }

    /// AddPartitionsToTxn.
    pub fn add_partitions(&mut self, ctx: TxnCtx<'_>, from: NodeId, request: AddPartitionsToTxnRequest) {
        let completion = Completion::AddPartitions {
            to: from,
            correlation_id: request.correlation_id,
            partitions: request.partitions.clone(),
        };
        let producer = (request.producer_id, request.producer_epoch);
        if let Err(error) =
            self.add(ctx, &request.transactional_id, producer, &request.partitions, completion)
        {
            let results = request.partitions.into_iter().map(|tp| (tp, error)).collect();
            let response = AddPartitionsToTxnResponse { correlation_id: request.correlation_id, results };
            self.send(from, Message::AddPartitionsToTxnResponse(response));
        }
    }

    /// AddOffsetsToTxn: `offsets_partition` is the group's `__consumer_offsets` partition.
    pub fn add_offsets(
        &mut self,
        ctx: TxnCtx<'_>,
        from: NodeId,
        request: AddOffsetsToTxnRequest,
        offsets_partition: TopicPartition,
    ) {
        let completion = Completion::AddOffsets { to: from, correlation_id: request.correlation_id };
        let producer = (request.producer_id, request.producer_epoch);
        if let Err(error) =
            self.add(ctx, &request.transactional_id, producer, &[offsets_partition], completion)
        {
            let response = AddOffsetsToTxnResponse { correlation_id: request.correlation_id, error };
            self.send(from, Message::AddOffsetsToTxnResponse(response));
        }
    }

    fn answer_end(&mut self, to: NodeId, correlation_id: u64, result: Result<(i64, i16), ErrorCode>) {
        let (error, producer_id, producer_epoch) = match result {
            Ok((id, epoch)) => (ErrorCode::None, id, epoch),
            Err(error) => (error, -1, -1),
        };
        let response = EndTxnResponse { correlation_id, error, producer_id, producer_epoch };
        self.send(to, Message::EndTxnResponse(response));
    }

    /// EndTxn: commit or abort. The answer comes once PrepareCommit/PrepareAbort is logged; the
    /// markers follow. With `transaction.version=2` the epoch is bumped here (KIP-890) and the answer
    /// carries the new one.
    pub fn end_txn(&mut self, ctx: TxnCtx<'_>, from: NodeId, request: EndTxnRequest) {
        let correlation_id = request.correlation_id;
        let Some(txn) = self.txns.get(&request.transactional_id) else {
            return self.answer_end(from, correlation_id, Err(ErrorCode::InvalidProducerIdMapping));
        };
        let done = if request.committed {
            TransactionState::CompleteCommit
        } else {
            TransactionState::CompleteAbort
        };
        let preparing =
            if request.committed { TransactionState::PrepareCommit } else { TransactionState::PrepareAbort };
        // KIP-890: a retry with the epoch before the bump, of the EndTxn that bumped it.
        let retry_after_bump = ctx.config.transaction_version == TransactionVersion::EpochBumpPerTransaction
            && txn.producer_id == request.producer_id
            && request.producer_epoch == txn.last_producer_epoch
            && (txn.state == done || txn.state == preparing);
        if retry_after_bump {
            let result = if txn.state == done {
                Ok((txn.producer_id, txn.producer_epoch))
            } else {
                Err(ErrorCode::ConcurrentTransactions)
            };
            return self.answer_end(from, correlation_id, result);
        }
        if txn.producer_id == request.producer_id
            && request.producer_epoch == txn.producer_epoch
            && txn.state == preparing
        {
            return self.answer_end(from, correlation_id, Err(ErrorCode::ConcurrentTransactions));
        }
        let txn =
            match self.check_producer(&request.transactional_id, request.producer_id, request.producer_epoch)
            {
                Ok(txn) => txn,
                Err(error) => return self.answer_end(from, correlation_id, Err(error)),
            };
        if txn.state == done {
            // A retry of an EndTxn that completed (classic protocol: same epoch).
            let result = Ok((txn.producer_id, txn.producer_epoch));
            return self.answer_end(from, correlation_id, result);
        }
        if txn.state != TransactionState::Ongoing {
            return self.answer_end(from, correlation_id, Err(ErrorCode::InvalidTxnState));
        }
        let mut target = txn.stored();
        if ctx.config.transaction_version == TransactionVersion::EpochBumpPerTransaction {
            if let Some((_, epoch)) = bump(txn.producer_id, txn.producer_epoch) {
                target.producer_epoch = epoch;
            }
        }
        target.state = preparing;
        target.last_update_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
        let transactional_id: String = request.transactional_id;
        if self
            .append(ctx, &transactional_id, target, Completion::EndTxn { to: from, correlation_id })
            .is_none()
        {
            self.answer_end(from, correlation_id, Err(ErrorCode::CoordinatorNotAvailable));
        }
    }

    /// Answers a request from `from` with `error` (after a failed append, or on an unloaded partition).
    pub(super) fn answer_completion(
        &mut self,
        completion: &Completion,
        result: Result<(i64, i16), ErrorCode>,
    ) {
        match completion.clone() {
            Completion::InitProducerId { to, correlation_id } => self.answer_init(to, correlation_id, result),
            Completion::EndTxn { to, correlation_id } => self.answer_end(to, correlation_id, result),
            Completion::AddPartitions { to, correlation_id, partitions } => {
                let error = result.err().unwrap_or(ErrorCode::None);
                let results: Vec<(TopicPartition, ErrorCode)> =
                    partitions.into_iter().map(|tp| (tp, error)).collect();
                let response = AddPartitionsToTxnResponse { correlation_id, results };
                self.send(to, Message::AddPartitionsToTxnResponse(response));
            }
            Completion::AddOffsets { to, correlation_id } => {
                let error = result.err().unwrap_or(ErrorCode::None);
                self.send(
                    to,
                    Message::AddOffsetsToTxnResponse(AddOffsetsToTxnResponse { correlation_id, error }),
                );
            }
            Completion::Abort | Completion::Complete => {}
        }
    }
}

/// The epoch after `epoch`, or `None` when it is at its maximum (Kafka then moves to a new producer id).
fn bump(producer_id: i64, epoch: i16) -> Option<(i64, i16)> {
    (epoch < i16::MAX - 1).then(|| (producer_id, epoch.saturating_add(1).max(0)))
}

//! What happens after a request: append outcomes (the new state is applied and answered), markers to
//! every partition of an ending transaction, timeouts (`transaction.timeout.ms`), and loading or
//! unloading a `__transaction_state` partition as its leadership moves.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    Completion, MarkerSend, TransactionCoordinator, TransactionMetadata, TxnCtx, TxnOutput,
    MARKER_RETRY_BACKOFF_MS,
};
use crate::error::ErrorCode;
use crate::record_batch::RecordBatch;
use crate::replication::events::ReplicationEvent;
use crate::txn::messages::{WriteTxnMarkerRequest, WriteTxnMarkerResponse};
use crate::txn::TransactionState;

impl TransactionCoordinator {
    /// The outcome of the append `append_id`: on success the state it wrote is applied and the request
    /// answered (and markers start for PrepareCommit/PrepareAbort); on failure the request is
    /// answered with Kafka's mapping of the append error.
    pub fn on_append_done(&mut self, ctx: TxnCtx<'_>, append_id: u64, error: ErrorCode) {
        let Some(pending) = self.appends.remove(&append_id) else { return };
        let Some(txn) = self.txns.get_mut(&pending.transactional_id) else {
            return self.answer_completion(&pending.completion, Err(ErrorCode::NotCoordinator));
        };
        txn.pending = false;
        if error != ErrorCode::None {
            // Kafka's `TransactionStateManager.appendTransactionToLog` error mapping.
            let mapped = match error {
                ErrorCode::NotLeaderOrFollower | ErrorCode::KafkaStorageError => ErrorCode::NotCoordinator,
                _ => ErrorCode::CoordinatorNotAvailable,
            };
            if txn.producer_epoch < 0 {
                // A first InitProducerId that never got logged: forget the id.
                self.txns.remove(&pending.transactional_id);
            }
            return self.answer_completion(&pending.completion, Err(mapped));
        }
        let target = pending.target;
        let bumped = target.producer_epoch != txn.producer_epoch || target.producer_id != txn.producer_id;
        if bumped {
            txn.last_producer_epoch =
                if target.producer_id == txn.producer_id { txn.producer_epoch } else { -1 };
        }
        txn.producer_id = target.producer_id;
        txn.producer_epoch = target.producer_epoch;
        txn.timeout_ms = u64::try_from(target.timeout_ms).unwrap_or(0);
        txn.state = target.state;
        txn.partitions = target.partitions;
        txn.start_ms = u64::try_from(target.start_ms).unwrap_or(0);
        txn.last_update_ms = ctx.now_ms;
        let result = Ok((txn.producer_id, txn.producer_epoch));
        if txn.state.is_preparing() {
            txn.markers = txn
                .partitions
                .iter()
                .map(|tp| {
                    (tp.clone(), MarkerSend { correlation_id: None, due_ms: ctx.now_ms, sent_to: None })
                })
                .collect();
        }
        let transactional_id = pending.transactional_id;
        self.state_changed(ctx, &transactional_id);
        self.answer_completion(&pending.completion, result);
        self.send_markers(ctx, &transactional_id);
    }

    /// Sends the due markers of `transactional_id`, or writes CompleteCommit/CompleteAbort once every
    /// marker is acknowledged.
    fn send_markers(&mut self, ctx: TxnCtx<'_>, transactional_id: &str) {
        let coordinator_epoch =
            |partition: i32, loaded: &BTreeMap<i32, i32>| loaded.get(&partition).copied().unwrap_or(-1);
        let Some(txn) = self.txns.get_mut(transactional_id) else { return };
        if !txn.state.is_preparing() || txn.pending {
            return;
        }
        if txn.markers.is_empty() {
            let mut target = txn.stored();
            target.state = if txn.state == TransactionState::PrepareCommit {
                TransactionState::CompleteCommit
            } else {
                TransactionState::CompleteAbort
            };
            target.last_update_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
            self.append(ctx, transactional_id, target, Completion::Complete);
            return;
        }
        let committed = txn.state == TransactionState::PrepareCommit;
        let epoch = coordinator_epoch(txn.partition, &self.loaded);
        let (producer_id, producer_epoch) = (txn.producer_id, txn.producer_epoch);
        let mut requests = Vec::new();
        for (tp, send) in &mut txn.markers {
            if send.due_ms > ctx.now_ms {
                continue;
            }
            let correlation_id = self.next_marker_id;
            self.next_marker_id = self.next_marker_id.wrapping_add(1);
            send.correlation_id = Some(correlation_id);
            // No answer within request.timeout.ms: sent again (the leader may have moved).
            send.due_ms = ctx.now_ms.saturating_add(ctx.config.request_timeout_ms.max(1));
            requests.push(WriteTxnMarkerRequest {
                correlation_id,
                tp: tp.clone(),
                producer_id,
                producer_epoch,
                committed,
                coordinator_epoch: epoch,
            });
        }
        self.out.extend(requests.into_iter().map(TxnOutput::Marker));
    }

    /// A partition leader answered a marker.
    pub fn on_marker_response(&mut self, ctx: TxnCtx<'_>, response: &WriteTxnMarkerResponse) {
        let Some(txn) = self.txns.values_mut().find(|t| {
            t.producer_id == response.producer_id
                && t.markers
                    .get(&response.tp)
                    .is_some_and(|m| m.correlation_id == Some(response.correlation_id))
        }) else {
            return;
        };
        match response.error {
            // Done; a partition that no longer exists, or a newer coordinator, ends the attempts too.
            ErrorCode::None
            | ErrorCode::UnknownTopicOrPartition
            | ErrorCode::TransactionCoordinatorFenced => {
                txn.markers.remove(&response.tp);
            }
            _ => {
                if let Some(send) = txn.markers.get_mut(&response.tp) {
                    send.correlation_id = None;
                    send.due_ms = ctx.now_ms.saturating_add(MARKER_RETRY_BACKOFF_MS);
                }
            }
        }
        let transactional_id = txn.transactional_id.clone();
        self.send_markers(ctx, &transactional_id);
    }

    /// Timers: due markers, and every
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms` the transactions open longer than
    /// their `transaction.timeout.ms`, which are aborted under a bumped epoch (the producer is fenced).
    pub fn on_tick(&mut self, ctx: TxnCtx<'_>) {
        let preparing: Vec<String> = self
            .txns
            .values()
            .filter(|t| t.state.is_preparing())
            .map(|t| t.transactional_id.clone())
            .collect();
        for transactional_id in preparing {
            self.send_markers(ctx, &transactional_id);
        }
        if ctx.now_ms < self.next_timeout_check_ms {
            return;
        }
        self.next_timeout_check_ms = ctx
            .now_ms
            .saturating_add(ctx.config.transaction_abort_timed_out_transaction_cleanup_interval_ms.max(1));
        let timed_out: Vec<(String, i64)> = self
            .txns
            .values()
            .filter(|t| t.state == TransactionState::Ongoing && !t.pending)
            .filter(|t| ctx.now_ms >= t.start_ms.saturating_add(t.timeout_ms))
            .map(|t| (t.transactional_id.clone(), t.producer_id))
            .collect();
        for (transactional_id, producer_id) in timed_out {
            self.event(ReplicationEvent::TransactionTimedOut {
                broker: ctx.broker,
                transactional_id: transactional_id.clone(),
                producer_id,
            });
            self.abort_open(ctx, &transactional_id);
        }
    }

    /// Takes over `__transaction_state` partition `partition` (this broker now leads it, at leader
    /// epoch `coordinator_epoch`): replays its records; transactions left preparing get their
    /// markers again.
    pub fn load(&mut self, ctx: TxnCtx<'_>, partition: i32, coordinator_epoch: i32, batches: &[RecordBatch]) {
        let mut latest: BTreeMap<String, Option<crate::txn::records::StoredTransaction>> = BTreeMap::new();
        for batch in batches.iter().filter(|b| !b.attributes.is_control) {
            for record in &batch.records {
                let Some(key) = record.key.as_deref() else { continue };
                // A record that does not decode is skipped, as Kafka's loader logs and skips it.
                if let Ok((id, value)) = crate::txn::records::decode(key, record.value.as_deref()) {
                    latest.insert(id, value);
                }
            }
        }
        self.loaded.insert(partition, coordinator_epoch);
        for (transactional_id, stored) in latest {
            let Some(stored) = stored else {
                self.txns.remove(&transactional_id);
                continue;
            };
            let preparing = stored.state.is_preparing();
            let markers = if preparing {
                stored
                    .partitions
                    .iter()
                    .map(|tp| {
                        (tp.clone(), MarkerSend { correlation_id: None, due_ms: ctx.now_ms, sent_to: None })
                    })
                    .collect()
            } else {
                BTreeMap::new()
            };
            let txn = TransactionMetadata {
                transactional_id: transactional_id.clone(),
                partition,
                producer_id: stored.producer_id,
                producer_epoch: stored.producer_epoch,
                last_producer_epoch: -1,
                timeout_ms: u64::try_from(stored.timeout_ms).unwrap_or(0),
                state: stored.state,
                partitions: stored.partitions,
                start_ms: u64::try_from(stored.start_ms).unwrap_or(0),
                last_update_ms: u64::try_from(stored.last_update_ms).unwrap_or(0),
                pending: false,
                markers,
            };
            self.txns.insert(transactional_id.clone(), txn);
            self.state_changed(ctx, &transactional_id);
            self.send_markers(ctx, &transactional_id);
        }
        self.event(ReplicationEvent::TransactionCoordinatorLoaded { broker: ctx.broker, partition });
    }

    /// Gives up `__transaction_state` partition `partition` (another broker leads it now).
    pub fn unload(&mut self, partition: i32) {
        self.loaded.remove(&partition);
        self.txns.retain(|_, t| t.partition != partition);
    }
}

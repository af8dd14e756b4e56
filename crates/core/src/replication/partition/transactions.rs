//! Transactions on one partition replica (KIP-98): which producers have a transaction open here and
//! from which offset, the **last stable offset** (LSO: below it every transaction is decided), the
//! aborted-transaction index a `read_committed` fetch returns, and the leader's handling of the
//! coordinator's WriteTxnMarkers.
//!
//! Every replica derives this from its log — data batches with the transactional attribute open a
//! producer's transaction, a control batch (COMMIT/ABORT marker) closes it — so a follower that takes
//! over has the same view, and a truncation or restart rebuilds it by reading the log again.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use super::purgatory::{DelayedAnswer, DelayedProduce};
use super::{Ctx, Partition};
use crate::error::ErrorCode;
use crate::log::AppendOrigin;
use crate::node::NodeId;
use crate::record_batch::{BatchHeader, RecordBatch};
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{AbortedTransaction, Message};
use crate::txn::control::{control_type, marker_batch, ControlType};
use crate::txn::messages::{WriteTxnMarkerRequest, WriteTxnMarkerResponse};

/// Most aborted transactions one replica indexes; the oldest are forgotten past it (Kafka keeps them
/// per segment, so retention bounds them; samsa also bounds them by count).
pub const MAX_ABORTED_TRANSACTIONS: usize = 100_000;

/// One aborted transaction in the index (Kafka's `AbortedTxn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbortedTxn {
    /// The producer.
    pub producer_id: i64,
    /// Its first offset here.
    pub first_offset: i64,
    /// The ABORT marker's offset.
    pub last_offset: i64,
}

/// A replica's transaction bookkeeping (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionIndex {
    /// Producer id → first offset of its open transaction here.
    ongoing: BTreeMap<i64, i64>,
    /// Decided transactions whose marker is not below the high watermark yet: `(first offset, marker
    /// offset)`. They still hold the LSO (Kafka's "unreplicated transactions").
    unreplicated: Vec<(i64, i64)>,
    /// Aborted transactions in marker order.
    aborted: VecDeque<AbortedTxn>,
    /// The last coordinator epoch that wrote a marker, per producer (fences an old coordinator).
    coordinator_epochs: BTreeMap<i64, i32>,
}

impl TransactionIndex {
    /// Open transactions here: `(producer id, first offset)`.
    pub fn ongoing(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.ongoing.iter().map(|(&p, &o)| (p, o))
    }

    /// The aborted transactions indexed.
    pub fn aborted(&self) -> impl Iterator<Item = &AbortedTxn> + '_ {
        self.aborted.iter()
    }

    /// The first offset of the oldest undecided (or not yet replicated) transaction.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        let ongoing = self.ongoing.values().copied();
        let unreplicated = self.unreplicated.iter().map(|&(first, _)| first);
        ongoing.chain(unreplicated).min()
    }

    fn on_data(&mut self, header: &BatchHeader) {
        if header.attributes.is_transactional && !header.attributes.is_control && header.producer_id >= 0 {
            self.ongoing.entry(header.producer_id).or_insert(header.base_offset);
        }
    }

    fn on_marker(&mut self, header: &BatchHeader, control: ControlType, coordinator_epoch: Option<i32>) {
        let producer_id = header.producer_id;
        if let Some(epoch) = coordinator_epoch {
            self.coordinator_epochs.insert(producer_id, epoch);
        }
        let Some(first_offset) = self.ongoing.remove(&producer_id) else { return };
        let marker_offset = header.base_offset;
        self.unreplicated.push((first_offset, marker_offset));
        if control == ControlType::Abort {
            if self.aborted.len() >= MAX_ABORTED_TRANSACTIONS {
                self.aborted.pop_front();
            }
            self.aborted.push_back(AbortedTxn { producer_id, first_offset, last_offset: marker_offset });
        }
    }

    fn on_high_watermark(&mut self, high_watermark: i64) {
        self.unreplicated.retain(|&(_, marker_offset)| marker_offset >= high_watermark);
    }

    /// Aborted transactions that overlap `[from_offset, upper_offset)` (Kafka's `collectAbortedTxns`).
    pub fn aborted_between(&self, from_offset: i64, upper_offset: i64) -> Vec<AbortedTransaction> {
        self.aborted
            .iter()
            .filter(|t| t.last_offset >= from_offset && t.first_offset < upper_offset)
            .map(|t| AbortedTransaction { producer_id: t.producer_id, first_offset: t.first_offset })
            .collect()
    }

    fn trim(&mut self, log_start_offset: i64) {
        while self.aborted.front().is_some_and(|t| t.last_offset < log_start_offset) {
            self.aborted.pop_front();
        }
    }
}

impl Partition {
    /// The last stable offset: the first offset of the oldest transaction not yet decided (or whose
    /// marker is not replicated), at most the high watermark. read_committed consumers read below it.
    pub fn last_stable_offset(&self) -> i64 {
        self.txns.first_unstable_offset().map_or(self.high_watermark, |first| first.min(self.high_watermark))
    }

    /// The replica's transaction bookkeeping.
    pub fn transaction_index(&self) -> &TransactionIndex {
        &self.txns
    }

    /// Records a batch this replica just appended (as leader or follower) in the producer state and
    /// the transaction index.
    pub(super) fn track_appended(&mut self, header: &BatchHeader) {
        self.producers.update(header);
        if header.attributes.is_control {
            if let Some((control, coordinator_epoch)) = self.marker_at(header.base_offset) {
                self.txns.on_marker(header, control, Some(coordinator_epoch));
            }
        } else {
            self.txns.on_data(header);
        }
    }

    /// The marker stored at `offset`, read back from the log, with its coordinator epoch.
    fn marker_at(&self, offset: i64) -> Option<(ControlType, i32)> {
        let read = self.log.read(offset, 1).ok()?;
        let (batch, _) = RecordBatch::decode(&read.bytes).ok()?;
        let control = control_type(&batch)?;
        let value = batch.records.first()?.value.as_deref()?;
        let epoch = i32::from_be_bytes([*value.get(2)?, *value.get(3)?, *value.get(4)?, *value.get(5)?]);
        Some((control, epoch))
    }

    /// Rebuilds the index from the log (after a truncation or a restart).
    pub(super) fn rebuild_transactions(&mut self) {
        self.txns = TransactionIndex::default();
        let headers: Vec<BatchHeader> = self
            .log
            .batches()
            .map(|b| b.header)
            .filter(|h| h.attributes.is_transactional || h.attributes.is_control)
            .collect();
        for header in headers {
            if header.attributes.is_control {
                if let Some((control, epoch)) = self.marker_at(header.base_offset) {
                    self.txns.on_marker(&header, control, Some(epoch));
                }
            } else {
                self.txns.on_data(&header);
            }
        }
        self.txns.on_high_watermark(self.high_watermark);
    }

    /// The high watermark moved: decided transactions below it stop holding the LSO.
    pub(super) fn transactions_on_high_watermark(&mut self) {
        self.txns.on_high_watermark(self.high_watermark);
    }

    /// Retention moved the log start: forget aborted transactions wholly before it.
    pub(super) fn transactions_on_log_start(&mut self) {
        self.txns.trim(self.log.log_start_offset());
    }

    fn answer_marker(
        &self,
        to: NodeId,
        request: &WriteTxnMarkerRequest,
        error: ErrorCode,
        ctx: &mut Ctx<'_>,
    ) {
        let response = WriteTxnMarkerResponse {
            correlation_id: request.correlation_id,
            tp: self.tp.clone(),
            producer_id: request.producer_id,
            error,
        };
        ctx.send(to, Message::WriteTxnMarkerResponse(response));
    }

    /// WriteTxnMarkers on the leader: append the marker, then answer once the ISR has it (acks=all).
    pub(crate) fn handle_write_marker(
        &mut self,
        from: NodeId,
        request: &WriteTxnMarkerRequest,
        ctx: &mut Ctx<'_>,
    ) {
        if self.leader().is_none() {
            return self.answer_marker(from, request, ErrorCode::NotLeaderOrFollower, ctx);
        }
        if self
            .txns
            .coordinator_epochs
            .get(&request.producer_id)
            .is_some_and(|&e| request.coordinator_epoch < e)
        {
            return self.answer_marker(from, request, ErrorCode::TransactionCoordinatorFenced, ctx);
        }
        if self
            .producers
            .entry(request.producer_id)
            .is_some_and(|e| request.producer_epoch < e.producer_epoch)
        {
            return self.answer_marker(from, request, ErrorCode::InvalidProducerEpoch, ctx);
        }
        if self.committed_isr().len() < self.config.min_insync_replicas as usize {
            return self.answer_marker(from, request, ErrorCode::NotEnoughReplicas, ctx);
        }
        let control = ControlType::of(request.committed);
        let timestamp_ms = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
        let batch = marker_batch(
            request.producer_id,
            request.producer_epoch,
            control,
            request.coordinator_epoch,
            timestamp_ms,
        );
        let leader_epoch = self.leader_epoch();
        let appended = batch.encode().map_err(|e| e.error_code()).and_then(|bytes| {
            self.log
                .append_from(&bytes, leader_epoch, ctx.now_ms, AppendOrigin::Coordinator)
                .map_err(|e| e.error_code())
        });
        let info = match appended {
            Ok(info) => info,
            Err(error) => return self.answer_marker(from, request, error, ctx),
        };
        ctx.event(ReplicationEvent::Appended {
            broker: ctx.broker,
            tp: self.tp.clone(),
            base_offset: info.base_offset,
            last_offset: info.last_offset,
            leader_epoch,
            as_leader: true,
        });
        ctx.event(ReplicationEvent::TxnMarkerWritten {
            broker: ctx.broker,
            tp: self.tp.clone(),
            producer_id: request.producer_id,
            producer_epoch: request.producer_epoch,
            committed: request.committed,
            offset: info.base_offset,
        });
        let stored = self.log.batches().next_back().map(|stored| stored.header);
        if let Some(header) = stored {
            self.track_appended(&header);
        }
        let delayed = DelayedProduce {
            from,
            correlation_id: request.correlation_id,
            base_offset: info.base_offset,
            last_offset: info.last_offset,
            deadline_ms: ctx.now_ms.saturating_add(ctx.config.request_timeout_ms),
            answer: DelayedAnswer::Marker { producer_id: request.producer_id },
        };
        if let Some(leader) = self.leader_mut() {
            leader.delayed_produces.push_back(delayed);
        }
        self.advance_after_append(ctx);
    }
}

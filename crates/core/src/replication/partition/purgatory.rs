//! Kafka's purgatories on a leader: `acks=all` produces waiting for the high watermark
//! (`DelayedProduce`) and fetches waiting for data (`DelayedFetch`, the long poll), each bounded by a
//! broker config, plus the answers they end with.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::mem;

use super::{Ctx, Partition};
use crate::client::consumer_config::IsolationLevel;
use crate::error::ErrorCode;
use crate::node::NodeId;
use crate::replication::events::ReplicationEvent;
use crate::replication::messages::{FetchRequest, FetchResponse, Message, ProduceResponse};
use crate::txn::messages::WriteTxnMarkerResponse;

/// What a held append is answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DelayedAnswer {
    /// A ProduceResponse.
    Produce,
    /// A WriteTxnMarkers answer for this producer's marker.
    Marker { producer_id: i64 },
}

/// An `acks=all` produce (or a transaction marker) waiting for the high watermark (Kafka's
/// `DelayedProduce`).
#[derive(Clone, Debug)]
pub(super) struct DelayedProduce {
    pub(super) from: NodeId,
    pub(super) correlation_id: u64,
    pub(super) base_offset: i64,
    pub(super) last_offset: i64,
    pub(super) deadline_ms: u64,
    pub(super) answer: DelayedAnswer,
}

/// A fetch waiting for data (Kafka's `DelayedFetch`).
#[derive(Clone, Debug)]
pub(super) struct DelayedFetch {
    pub(super) from: NodeId,
    pub(super) request: FetchRequest,
    pub(super) deadline_ms: u64,
}

impl Partition {
    /// Is there anything to return? Followers read up to the LEO, consumers up to the HW.
    pub(super) fn fetchable(&self, request: &FetchRequest) -> bool {
        let upper_offset = self.fetch_upper_offset(request);
        if request.fetch_offset >= upper_offset {
            return false;
        }
        // `fetch.min.bytes`: a consumer asking for more than one byte waits until that much is readable
        // (counted by reading at most `min_bytes`, so the check stays bounded).
        let min_bytes = request.min_bytes as usize;
        if request.replica_id.is_none() && min_bytes > 1 {
            return self
                .log
                .read_up_to(request.fetch_offset, min_bytes, upper_offset)
                .is_ok_and(|read| read.bytes.len() >= min_bytes);
        }
        true
    }

    /// How far a fetch may read: followers the whole log, consumers up to the high watermark, or the
    /// last stable offset with `read_committed` (Kafka's `FetchIsolation`).
    fn fetch_upper_offset(&self, request: &FetchRequest) -> i64 {
        match (request.replica_id, request.isolation_level) {
            (Some(_), _) => self.log.log_end_offset(),
            (None, IsolationLevel::ReadUncommitted) => self.high_watermark,
            (None, IsolationLevel::ReadCommitted) => self.last_stable_offset(),
        }
    }

    pub(super) fn answer_fetch(&self, to: NodeId, request: &FetchRequest, ctx: &mut Ctx<'_>) {
        let max_bytes = request.max_bytes as usize;
        let upper_offset = self.fetch_upper_offset(request);
        let read = self.log.read_up_to(request.fetch_offset, max_bytes, upper_offset);
        match read {
            Ok(read) => {
                let aborted_transactions = match (request.replica_id, request.isolation_level) {
                    (None, IsolationLevel::ReadCommitted) if read.batch_count > 0 => {
                        self.transaction_index().aborted_between(request.fetch_offset, upper_offset)
                    }
                    _ => Vec::new(),
                };
                ctx.send(
                    to,
                    Message::FetchResponse(FetchResponse {
                        correlation_id: request.correlation_id,
                        tp: self.tp.clone(),
                        error: ErrorCode::None,
                        high_watermark: self.high_watermark,
                        log_start_offset: self.log.log_start_offset(),
                        records: read.bytes,
                        last_stable_offset: self.last_stable_offset(),
                        aborted_transactions,
                    }),
                )
            }
            Err(error) => self.answer_fetch_error(to, request, error.error_code(), ctx),
        }
    }

    pub(crate) fn answer_fetch_error(
        &self,
        to: NodeId,
        request: &FetchRequest,
        error: ErrorCode,
        ctx: &mut Ctx<'_>,
    ) {
        ctx.send(
            to,
            Message::FetchResponse(FetchResponse {
                correlation_id: request.correlation_id,
                tp: request.tp.clone(),
                error,
                high_watermark: self.high_watermark,
                log_start_offset: self.log.log_start_offset(),
                records: Vec::new(),
                last_stable_offset: self.last_stable_offset(),
                aborted_transactions: Vec::new(),
            }),
        );
    }

    /// Answers a held append: a ProduceResponse, or a marker's WriteTxnMarkers answer.
    pub(super) fn answer_delayed(&self, produce: &DelayedProduce, error: ErrorCode, ctx: &mut Ctx<'_>) {
        match produce.answer {
            DelayedAnswer::Produce => {
                let base_offset = if error == ErrorCode::None { produce.base_offset } else { -1 };
                self.answer_produce(produce.from, produce.correlation_id, error, base_offset, ctx);
            }
            DelayedAnswer::Marker { producer_id } => {
                let response = WriteTxnMarkerResponse {
                    correlation_id: produce.correlation_id,
                    tp: self.tp.clone(),
                    producer_id,
                    error,
                };
                ctx.send(produce.from, Message::WriteTxnMarkerResponse(response));
            }
        }
    }

    pub(super) fn answer_produce(
        &self,
        to: NodeId,
        correlation_id: u64,
        error: ErrorCode,
        base_offset: i64,
        ctx: &mut Ctx<'_>,
    ) {
        let tp = self.tp.clone();
        ctx.event(ReplicationEvent::ProduceAnswered {
            broker: ctx.broker,
            tp: tp.clone(),
            error,
            base_offset,
        });
        let log_start_offset = self.log.log_start_offset();
        let response = ProduceResponse { correlation_id, tp, error, base_offset, log_start_offset };
        ctx.send(to, Message::ProduceResponse(response));
    }

    /// Kafka's `checkEnoughReplicasReachOffset`: once the HW passed a produce, it succeeded if the ISR
    /// still has `min.insync.replicas` members, else `NOT_ENOUGH_REPLICAS_AFTER_APPEND`.
    pub(super) fn complete_delayed_produces(&mut self, ctx: &mut Ctx<'_>) {
        let high_watermark = self.high_watermark;
        let enough = self.committed_isr().len() >= self.config.min_insync_replicas as usize;
        let mut done = Vec::new();
        if let Some(leader) = self.leader_mut() {
            while leader.delayed_produces.front().is_some_and(|p| p.last_offset < high_watermark) {
                done.extend(leader.delayed_produces.pop_front());
            }
        }
        let error = if enough { ErrorCode::None } else { ErrorCode::NotEnoughReplicasAfterAppend };
        for produce in done {
            // NOT_ENOUGH_REPLICAS_AFTER_APPEND still carries the offset of what was appended.
            match produce.answer {
                DelayedAnswer::Produce => {
                    self.answer_produce(produce.from, produce.correlation_id, error, produce.base_offset, ctx)
                }
                DelayedAnswer::Marker { .. } => self.answer_delayed(&produce, error, ctx),
            }
        }
    }

    /// Answers the held fetches that now have data, or all whose wait is over when `expired_only`.
    pub(super) fn complete_delayed_fetches(&mut self, expired_only: bool, ctx: &mut Ctx<'_>) {
        let Some(leader) = self.leader_mut() else { return };
        if leader.delayed_fetches.is_empty() {
            return;
        }
        let held = mem::take(&mut leader.delayed_fetches);
        let mut kept = Vec::new();
        for fetch in held {
            let ready =
                if expired_only { ctx.now_ms >= fetch.deadline_ms } else { self.fetchable(&fetch.request) };
            if ready {
                self.answer_fetch(fetch.from, &fetch.request, ctx);
            } else {
                kept.push(fetch);
            }
        }
        if let Some(leader) = self.leader_mut() {
            leader.delayed_fetches = kept;
        }
    }

    pub(super) fn expire_delayed_produces(&mut self, ctx: &mut Ctx<'_>) {
        let Some(leader) = self.leader_mut() else { return };
        if leader.delayed_produces.iter().all(|p| p.deadline_ms > ctx.now_ms) {
            return;
        }
        let (expired, kept): (VecDeque<_>, VecDeque<_>) =
            mem::take(&mut leader.delayed_produces).into_iter().partition(|p| p.deadline_ms <= ctx.now_ms);
        leader.delayed_produces = kept;
        for produce in expired {
            self.answer_delayed(&produce, ErrorCode::RequestTimedOut, ctx);
        }
    }
}

//! Positions, fetches and the fetch buffer (Kafka's `Fetcher` and `SubscriptionState`), plus
//! `auto.offset.reset` and ListOffsets (`seek_to_end`, `offsets_for_times`).
//!
//! Each owned partition has a *position* (the next offset `poll` returns) and a *fetch offset* (the next
//! offset to fetch). A fetch goes to the partition's leader (with the leader epoch it knows, KIP-320)
//! only when the partition's buffer is empty and it is not paused; its batches are decoded into the
//! buffer, and `poll` moves the position as it returns records. "Wrong leader" errors refresh
//! metadata; `OFFSET_OUT_OF_RANGE` resets by `auto.offset.reset`; a batch that does not decode is
//! reported and refetched after `retry.backoff.ms`, as Kafka's consumer stays at a corrupt record.

use alloc::collections::{BTreeSet, VecDeque};
use alloc::vec::Vec;

use super::poll::ConsumerRecord;
use super::{Consumer, MAX_BUFFERED_RECORDS_PER_PARTITION};
use crate::client::consumer_config::{AutoOffsetReset, IsolationLevel};
use crate::client::events::{ClientEvent, ConsumeError};
use crate::client::producer_queue::invalidates_metadata;
use crate::client::record_id::record_id_of;
use crate::error::ErrorCode;
use crate::group::messages::{ListOffsetsRequest, ListOffsetsResponse, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP};
use crate::node::BrokerId;
use crate::record_batch::{DecodeError, RecordBatch};
use crate::replication::messages::{
    AbortedTransaction, FetchRequest, FetchResponse, Message, TopicPartition,
};
use crate::txn::control::{control_type, ControlType};

/// What a ListOffsets for a partition is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum OffsetLookup {
    /// Reset the position (`auto.offset.reset`, `seek_to_beginning`/`seek_to_end`).
    Reset(i64),
    /// An `offsets_for_times` query.
    ForTime { request_id: u64, timestamp: i64 },
}

/// The fetch state of one owned partition (Kafka's `TopicPartitionState`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PartitionFetch {
    /// Next offset `poll` returns; `None` until a committed offset, reset or seek sets it.
    pub(super) position: Option<i64>,
    /// Next offset to fetch (past the buffered records).
    pub(super) fetch_offset: Option<i64>,
    /// The leader epoch of the last record returned (committed with its offset, KIP-320).
    pub(super) last_leader_epoch: i32,
    /// The last high watermark a leader reported.
    pub(super) high_watermark: i64,
    /// Fetched, not yet returned.
    pub(super) buffered: VecDeque<ConsumerRecord>,
    /// `pause`d.
    pub(super) paused: bool,
    /// Waiting for the group's committed offset (OffsetFetch).
    pub(super) awaiting_committed: bool,
    /// A ListOffsets to send (or sent: `lookup_in_flight`).
    pub(super) lookup: Option<OffsetLookup>,
    pub(super) lookup_in_flight: Option<(u64, BrokerId, u64)>,
    /// The unanswered fetch, by correlation id.
    pub(super) in_flight: Option<u64>,
    /// Not fetched again before this.
    pub(super) retry_after_ms: u64,
    /// After a "wrong leader" error: wait for metadata newer than this update count while one is pending.
    pub(super) wait_for_metadata_after: Option<u64>,
    /// Stopped (`auto.offset.reset=none` errors) until a seek.
    pub(super) stopped: bool,
}

impl PartitionFetch {
    fn new() -> Self {
        PartitionFetch {
            position: None,
            fetch_offset: None,
            last_leader_epoch: -1,
            high_watermark: -1,
            buffered: VecDeque::new(),
            paused: false,
            awaiting_committed: false,
            lookup: None,
            lookup_in_flight: None,
            in_flight: None,
            retry_after_ms: 0,
            wait_for_metadata_after: None,
            stopped: false,
        }
    }

    /// No position and nothing under way to find one.
    pub(super) fn needs_position(&self) -> bool {
        self.position.is_none() && !self.awaiting_committed && self.lookup.is_none() && !self.stopped
    }

    /// Moves both offsets to `offset` and drops what was buffered or in flight for the old position.
    pub(super) fn set_position(&mut self, offset: i64) {
        self.position = Some(offset);
        self.fetch_offset = Some(offset);
        self.buffered.clear();
        self.in_flight = None;
        self.retry_after_ms = 0;
        self.stopped = false;
        self.lookup = None;
        self.lookup_in_flight = None;
    }
}

/// An unanswered fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FetchInFlight {
    tp: TopicPartition,
    broker: BrokerId,
    fetch_offset: i64,
    deadline_ms: u64,
}

impl Consumer {
    /// Owns exactly `partitions`: kept ones keep their state, new ones start without a position.
    pub(super) fn set_owned(&mut self, partitions: Vec<TopicPartition>) {
        let mut owned = alloc::collections::BTreeMap::new();
        for tp in partitions {
            let state = self.partitions.remove(&tp).unwrap_or_else(PartitionFetch::new);
            owned.insert(tp, state);
        }
        self.partitions = owned;
        self.in_flight.retain(|_, f| self.partitions.contains_key(&f.tp));
    }

    /// Moves `tp`'s position (Kafka's `seek`); buffered records and a fetch in flight are discarded.
    /// Returns false when `tp` is not assigned.
    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) -> bool {
        let Some(state) = self.partitions.get_mut(tp) else {
            return false;
        };
        if let Some(correlation_id) = state.in_flight {
            self.in_flight.remove(&correlation_id);
        }
        state.set_position(offset);
        true
    }

    /// `seekToBeginning`: the positions move to the log start offsets (found with ListOffsets).
    pub fn seek_to_beginning(&mut self, tps: &[TopicPartition]) {
        self.lookup_all(tps, EARLIEST_TIMESTAMP);
    }

    /// `seekToEnd`: the positions move to the high watermarks (found with ListOffsets).
    pub fn seek_to_end(&mut self, tps: &[TopicPartition]) {
        self.lookup_all(tps, LATEST_TIMESTAMP);
    }

    fn lookup_all(&mut self, tps: &[TopicPartition], timestamp: i64) {
        for tp in tps {
            if let Some(state) = self.partitions.get_mut(tp) {
                state.set_position(0);
                state.position = None;
                state.fetch_offset = None;
                state.lookup = Some(OffsetLookup::Reset(timestamp));
            }
        }
    }

    /// `offsetsForTimes`: for each (partition, timestamp) of an owned partition, the first offset whose
    /// timestamp is at or after it; the answers come as `ClientEvent::OffsetsForTimes` with the returned
    /// request id, one event per partition.
    pub fn offsets_for_times(&mut self, _now_ms: u64, query: Vec<(TopicPartition, i64)>) -> u64 {
        let request_id = self.next_request_id;
        self.next_request_id = self.next_request_id.wrapping_add(1);
        for (tp, timestamp) in query {
            if let Some(state) = self.partitions.get_mut(&tp) {
                if state.lookup.is_none() {
                    state.lookup = Some(OffsetLookup::ForTime { request_id, timestamp: timestamp.max(0) });
                }
            }
        }
        request_id
    }

    /// Sets `tp`'s position by `auto.offset.reset` (no committed offset, or out of range).
    pub(super) fn reset_position(&mut self, tp: &TopicPartition) {
        let Some(state) = self.partitions.get_mut(tp) else { return };
        match self.config.auto_offset_reset {
            // `earliest` starts at offset 0; a log that no longer starts there answers
            // OFFSET_OUT_OF_RANGE with its log start offset, and the reset moves there.
            AutoOffsetReset::Earliest => {
                state.set_position(0);
                let event = ClientEvent::PositionReset {
                    client: self.client_id,
                    tp: tp.clone(),
                    from_offset: None,
                    to_offset: 0,
                };
                self.event(event);
            }
            AutoOffsetReset::Latest => state.lookup = Some(OffsetLookup::Reset(LATEST_TIMESTAMP)),
            AutoOffsetReset::None => {
                state.stopped = true;
                let event = ClientEvent::ConsumeFailed {
                    client: self.client_id,
                    tp: tp.clone(),
                    offset: -1,
                    error: ConsumeError::NoOffsetForPartition,
                };
                self.event(event);
            }
        }
    }

    /// Fetches unanswered within `fetch.max.wait.ms` + `request.timeout.ms` (and ListOffsets within
    /// `request.timeout.ms`): Kafka's client drops the connection, refreshes metadata and tries again.
    pub(super) fn expire_fetches(&mut self, now_ms: u64) {
        let due: Vec<u64> =
            self.in_flight.iter().filter(|(_, f)| f.deadline_ms <= now_ms).map(|(id, _)| *id).collect();
        for correlation_id in due {
            if let Some(fetch) = self.in_flight.remove(&correlation_id) {
                self.metadata.request_update();
                let updates = self.metadata.updates_applied();
                if let Some(state) = self.partitions.get_mut(&fetch.tp) {
                    state.in_flight = None;
                    state.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
                    state.wait_for_metadata_after = Some(updates);
                }
            }
        }
        for state in self.partitions.values_mut() {
            if state.lookup_in_flight.is_some_and(|(_, _, deadline)| deadline <= now_ms) {
                state.lookup_in_flight = None;
                self.metadata.request_update();
            }
        }
    }

    pub(super) fn send_fetches(&mut self, now_ms: u64) {
        let max_bytes = self.config.fetch_max_bytes.min(self.config.max_partition_fetch_bytes);
        let deadline_ms = now_ms
            .saturating_add(self.config.fetch_max_wait_ms)
            .saturating_add(self.config.request_timeout_ms);
        let tps: Vec<TopicPartition> = self.partitions.keys().cloned().collect();
        for tp in tps {
            let Some((broker, current_leader_epoch)) = self.fetch_target(now_ms, &tp) else {
                continue;
            };
            let correlation_id = self.correlation_id();
            let Some(state) = self.partitions.get_mut(&tp) else { continue };
            if let Some(lookup) = state.lookup {
                if state.lookup_in_flight.is_none() {
                    let timestamp = match lookup {
                        OffsetLookup::Reset(timestamp) => timestamp,
                        OffsetLookup::ForTime { timestamp, .. } => timestamp,
                    };
                    let request_deadline_ms = now_ms.saturating_add(self.config.request_timeout_ms);
                    state.lookup_in_flight = Some((correlation_id, broker, request_deadline_ms));
                    let isolation_level = self.config.isolation_level;
                    let request = ListOffsetsRequest {
                        correlation_id,
                        tp,
                        current_leader_epoch,
                        timestamp,
                        isolation_level,
                    };
                    self.send(broker, Message::ListOffsets(request));
                }
                continue;
            }
            let Some(fetch_offset) = state.fetch_offset else { continue };
            state.in_flight = Some(correlation_id);
            state.wait_for_metadata_after = None;
            let request = FetchRequest {
                correlation_id,
                replica_id: None,
                tp: tp.clone(),
                fetch_offset,
                current_leader_epoch,
                max_wait_ms: self.config.fetch_max_wait_ms,
                max_bytes,
                min_bytes: self.config.fetch_min_bytes,
                isolation_level: self.config.isolation_level,
            };
            self.in_flight.insert(correlation_id, FetchInFlight { tp, broker, fetch_offset, deadline_ms });
            self.send(broker, Message::Fetch(request));
        }
    }

    /// Where and with which leader epoch `tp` can be fetched (or looked up) now, or `None` if it waits.
    fn fetch_target(&mut self, now_ms: u64, tp: &TopicPartition) -> Option<(BrokerId, i32)> {
        let state = self.partitions.get(tp)?;
        let lookup_pending = state.lookup.is_some() && state.lookup_in_flight.is_none();
        let fetchable = state.fetch_offset.is_some()
            && state.in_flight.is_none()
            && state.buffered.is_empty()
            && !state.paused
            && !state.stopped;
        if !(lookup_pending || fetchable) || state.retry_after_ms > now_ms {
            return None;
        }
        if state
            .wait_for_metadata_after
            .is_some_and(|seen| self.metadata.updates_applied() == seen && self.metadata.update_pending())
        {
            return None;
        }
        let Some(leader) = self.metadata.leader(tp) else {
            self.metadata.request_update();
            return None;
        };
        let epoch = self.metadata.state(tp).map_or(-1, |s| s.leader_epoch);
        Some((leader, epoch))
    }

    /// The earliest time a partition needs a tick for its fetch or lookup.
    pub(super) fn fetch_next_tick_ms(&self) -> Option<u64> {
        let in_flight = self.in_flight.values().map(|f| f.deadline_ms);
        let lookups = self.partitions.values().filter_map(|p| p.lookup_in_flight.map(|(_, _, d)| d));
        let waiting = self
            .partitions
            .iter()
            .filter(|(tp, s)| {
                let wants = (s.lookup.is_some() && s.lookup_in_flight.is_none())
                    || (s.fetch_offset.is_some()
                        && s.in_flight.is_none()
                        && s.buffered.is_empty()
                        && !s.paused
                        && !s.stopped);
                let waits_for_metadata = s.wait_for_metadata_after.is_some_and(|seen| {
                    self.metadata.updates_applied() == seen && self.metadata.update_pending()
                });
                wants && !waits_for_metadata && self.metadata.leader(tp).is_some()
            })
            .map(|(_, s)| s.retry_after_ms.max(self.last_now_ms));
        in_flight.chain(lookups).chain(waiting).min()
    }

    pub(super) fn on_list_offsets_response(
        &mut self,
        now_ms: u64,
        from: BrokerId,
        response: ListOffsetsResponse,
    ) {
        let client = self.client_id;
        let Some(state) = self.partitions.get_mut(&response.tp) else { return };
        let answers = state.lookup_in_flight.is_some_and(|(correlation_id, broker, _)| {
            correlation_id == response.correlation_id && broker == from
        });
        if !answers {
            return;
        }
        state.lookup_in_flight = None;
        if response.error != ErrorCode::None {
            if invalidates_metadata(response.error) {
                self.metadata.request_update();
            }
            state.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
            return;
        }
        match state.lookup.take() {
            Some(OffsetLookup::Reset(_)) => {
                let from_offset = state.position;
                let to_offset = response.offset.max(0);
                state.set_position(to_offset);
                let event = ClientEvent::PositionReset { client, tp: response.tp, from_offset, to_offset };
                self.event(event);
            }
            Some(OffsetLookup::ForTime { request_id, .. }) => {
                let result = (response.offset >= 0).then_some((response.offset, response.timestamp));
                let event = ClientEvent::OffsetsForTimes { client, request_id, tp: response.tp, result };
                self.event(event);
            }
            None => {}
        }
    }

    pub(super) fn on_fetch_response(&mut self, now_ms: u64, from: BrokerId, response: FetchResponse) {
        let matches = self
            .in_flight
            .get(&response.correlation_id)
            .is_some_and(|f| from == f.broker && f.tp == response.tp);
        let Some(fetch) = matches.then(|| self.in_flight.remove(&response.correlation_id)).flatten() else {
            return; // Not a fetch we wait for: timed out, discarded by `seek`, or duplicated.
        };
        let Some(state) = self.partitions.get_mut(&fetch.tp) else {
            return;
        };
        state.in_flight = None;
        if state.fetch_offset != Some(fetch.fetch_offset) {
            return; // The position moved while the fetch was out (Kafka discards such responses).
        }
        match response.error {
            ErrorCode::None => self.buffer(now_ms, &fetch.tp, &response),
            ErrorCode::OffsetOutOfRange => self.out_of_range(now_ms, &fetch.tp, &response),
            error => {
                let stale = invalidates_metadata(error);
                if stale {
                    self.metadata.request_update();
                }
                let updates = self.metadata.updates_applied();
                if let Some(state) = self.partitions.get_mut(&fetch.tp) {
                    state.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
                    state.wait_for_metadata_after = stale.then_some(updates);
                }
            }
        }
    }

    /// `OFFSET_OUT_OF_RANGE`: Kafka's `auto.offset.reset`.
    fn out_of_range(&mut self, now_ms: u64, tp: &TopicPartition, response: &FetchResponse) {
        let client = self.client_id;
        let Some(state) = self.partitions.get_mut(tp) else {
            return;
        };
        let event = match self.config.auto_offset_reset {
            AutoOffsetReset::Earliest => {
                let to_offset = response.log_start_offset.max(0);
                let from_offset = state.position;
                state.set_position(to_offset);
                // A leader that gives no log start offset would send us to 0 again: back off.
                state.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
                ClientEvent::PositionReset { client, tp: tp.clone(), from_offset, to_offset }
            }
            AutoOffsetReset::Latest => {
                state.lookup = Some(OffsetLookup::Reset(LATEST_TIMESTAMP));
                state.fetch_offset = None;
                return;
            }
            AutoOffsetReset::None => {
                state.stopped = true;
                ClientEvent::ConsumeFailed {
                    client,
                    tp: tp.clone(),
                    offset: state.position.unwrap_or(-1),
                    error: ConsumeError::OffsetOutOfRange {
                        log_start_offset: response.log_start_offset,
                        high_watermark: response.high_watermark,
                    },
                }
            }
        };
        self.event(event);
    }

    /// Decodes the batches of a successful fetch into the partition's buffer.
    fn buffer(&mut self, now_ms: u64, tp: &TopicPartition, response: &FetchResponse) {
        let client = self.client_id;
        let Some(state) = self.partitions.get_mut(tp) else {
            return;
        };
        // Lag counts to what this consumer may read: the LSO for read_committed (Kafka's
        // `records-lag` uses the last stable offset then).
        state.high_watermark = if self.config.isolation_level == IsolationLevel::ReadCommitted {
            response.last_stable_offset.max(0)
        } else {
            response.high_watermark
        };
        let Some(mut fetch_offset) = state.fetch_offset else { return };
        let mut rest: &[u8] = &response.records;
        let mut decoded_any = false;
        let mut events = Vec::new();
        let read_committed = self.config.isolation_level == IsolationLevel::ReadCommitted;
        // Kafka's `CompletedFetch`: aborted transactions by first offset; a producer is "aborted" from
        // its transaction's first offset until its ABORT marker, and its transactional batches between
        // are dropped.
        let mut aborted: Vec<AbortedTransaction> = response.aborted_transactions.clone();
        aborted.sort_by_key(|t| core::cmp::Reverse(t.first_offset));
        let mut aborted_producers: BTreeSet<i64> = BTreeSet::new();
        while !rest.is_empty() && state.buffered.len() < MAX_BUFFERED_RECORDS_PER_PARTITION {
            let (batch, used_bytes) = match RecordBatch::decode(rest) {
                Ok(decoded) => decoded,
                // KIP-74: a response may end with part of a batch cut at the byte limit; skip it.
                Err(DecodeError::Truncated { .. }) if decoded_any => break,
                Err(error) => {
                    let error = ConsumeError::CorruptBatch(error);
                    events.push(ClientEvent::ConsumeFailed {
                        client,
                        tp: tp.clone(),
                        offset: fetch_offset,
                        error,
                    });
                    state.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
                    break;
                }
            };
            decoded_any = true;
            rest = rest.get(used_bytes..).unwrap_or_default();
            let mut skip = false;
            if read_committed && batch.producer_id >= 0 {
                while aborted.last().is_some_and(|t| t.first_offset <= batch.last_offset()) {
                    if let Some(t) = aborted.pop() {
                        aborted_producers.insert(t.producer_id);
                    }
                }
                if control_type(&batch) == Some(ControlType::Abort) {
                    aborted_producers.remove(&batch.producer_id);
                } else if batch.attributes.is_transactional && aborted_producers.contains(&batch.producer_id)
                {
                    skip = true;
                }
            }
            // Control batches (transaction markers) hold no application records; only the offset moves.
            if !batch.attributes.is_control && !skip {
                for record in &batch.records {
                    let offset = batch.offset(record);
                    if offset < fetch_offset {
                        continue; // Kafka's fetcher skips records before the position in a returned batch.
                    }
                    let record_id = record_id_of(record).unwrap_or_else(|e| {
                        let error = ConsumeError::BadRecordId(e);
                        events.push(ClientEvent::ConsumeFailed { client, tp: tp.clone(), offset, error });
                        None
                    });
                    state.buffered.push_back(ConsumerRecord {
                        tp: tp.clone(),
                        offset,
                        leader_epoch: batch.partition_leader_epoch,
                        timestamp_ms: batch.timestamp_ms(record),
                        record_id,
                    });
                }
            }
            fetch_offset = fetch_offset.max(batch.last_offset().saturating_add(1));
        }
        state.fetch_offset = Some(fetch_offset);
        if state.buffered.is_empty() {
            // Only control batches or records before the position: the position moves with the fetch.
            state.position = Some(fetch_offset);
        }
        for event in events {
            self.event(event);
        }
    }
}

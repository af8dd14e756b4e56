//! The consumer as a sans-IO node: manual assignment, one fetch loop per partition.
//!
//! Like Kafka's `KafkaConsumer` with `assign()` (no group yet): each assigned partition has a position;
//! the consumer fetches from the partition's leader (with the leader epoch it knows, KIP-320), decodes
//! the batches, reports every record at or after the position as `RecordConsumed` and moves the
//! position past the batch. Errors that mean "wrong leader" refresh metadata; `OFFSET_OUT_OF_RANGE`
//! resets the position by `auto.offset.reset`; a batch that does not decode is reported and refetched
//! after `retry.backoff.ms`, as Kafka's consumer stays at a corrupt record until the application seeks.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::config::ClientConfigError;
use super::consumer_config::{AutoOffsetReset, ConsumerConfig};
use super::events::{ClientEvent, ConsumeError};
use super::metadata::{ClientMetadata, MetadataTiming};
use super::producer_queue::invalidates_metadata;
use super::record_id::record_id_of;
use crate::error::ErrorCode;
use crate::node::{BrokerId, Effect, Node, NodeId};
use crate::record_batch::{DecodeError, RecordBatch};
use crate::replication::messages::{FetchRequest, FetchResponse, Message, TopicPartition};

/// The fetch state of one assigned partition (Kafka's `TopicPartitionState`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PartitionFetch {
    /// Next offset to consume; `None` until `auto.offset.reset` or `seek` sets it.
    position: Option<i64>,
    /// The last high watermark a leader reported.
    high_watermark: i64,
    /// The unanswered fetch, by correlation id.
    in_flight: Option<u64>,
    /// Not fetched again before this.
    retry_after_ms: u64,
    /// After a "wrong leader" error: wait for metadata newer than this update count while one is pending.
    wait_for_metadata_after: Option<u64>,
}

/// An unanswered fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FetchInFlight {
    tp: TopicPartition,
    broker: BrokerId,
    fetch_offset: i64,
    deadline_ms: u64,
}

/// A consumer client (see the module docs).
#[derive(Clone, Debug)]
pub struct Consumer {
    client_id: u32,
    config: ConsumerConfig,
    metadata: ClientMetadata,
    partitions: BTreeMap<TopicPartition, PartitionFetch>,
    in_flight: BTreeMap<u64, FetchInFlight>,
    next_correlation_id: u64,
    last_now_ms: u64,
    effects: Vec<Effect>,
}

impl Consumer {
    /// A consumer with no assignment that will learn the cluster from `bootstrap`.
    pub fn new(
        client_id: u32,
        config: ConsumerConfig,
        bootstrap: Vec<BrokerId>,
    ) -> Result<Self, ClientConfigError> {
        if bootstrap.is_empty() {
            return Err(ClientConfigError::Inconsistent {
                reason: String::from("No resolvable bootstrap urls given in bootstrap.servers"),
            });
        }
        let timing = MetadataTiming {
            request_timeout_ms: config.request_timeout_ms,
            retry_backoff_ms: config.retry_backoff_ms,
            max_age_ms: config.metadata_max_age_ms,
        };
        Ok(Consumer {
            client_id,
            metadata: ClientMetadata::new(bootstrap, timing),
            config,
            partitions: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            next_correlation_id: 0,
            last_now_ms: 0,
            effects: Vec::new(),
        })
    }

    /// The configs this consumer runs with.
    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// Replaces the assignment (Kafka's `assign`). Partitions kept keep their positions; new ones start
    /// by `auto.offset.reset` at the next tick. Responses for dropped partitions are ignored.
    pub fn assign(&mut self, partitions: Vec<TopicPartition>) {
        let mut assigned = BTreeMap::new();
        for tp in partitions {
            let state = self.partitions.remove(&tp).unwrap_or(PartitionFetch {
                // `earliest` starts at offset 0; a log that no longer starts there answers
                // OFFSET_OUT_OF_RANGE with its log start offset, and the reset moves there (Kafka asks
                // ListOffsets instead, which samsa does not model yet).
                position: match self.config.auto_offset_reset {
                    // CONTRACT: `latest` is the group helper's to implement with ListOffsets.
                    AutoOffsetReset::Earliest | AutoOffsetReset::Latest => Some(0),
                    AutoOffsetReset::None => None,
                },
                high_watermark: -1,
                in_flight: None,
                retry_after_ms: 0,
                wait_for_metadata_after: None,
            });
            assigned.insert(tp, state);
        }
        self.partitions = assigned;
        self.in_flight.retain(|_, f| self.partitions.contains_key(&f.tp));
    }

    /// The assigned partitions, sorted.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.partitions.keys().cloned().collect()
    }

    /// The next offset the consumer will report for `tp`, if assigned and known.
    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.partitions.get(tp).and_then(|p| p.position)
    }

    /// The high watermark last reported for `tp` (-1 before the first fetch).
    pub fn high_watermark(&self, tp: &TopicPartition) -> Option<i64> {
        self.partitions.get(tp).map(|p| p.high_watermark)
    }

    /// Moves `tp`'s position (Kafka's `seek`); a fetch in flight for the old position is discarded.
    /// Returns false when `tp` is not assigned.
    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) -> bool {
        let Some(state) = self.partitions.get_mut(tp) else {
            return false;
        };
        state.position = Some(offset);
        state.retry_after_ms = 0;
        if let Some(correlation_id) = state.in_flight.take() {
            self.in_flight.remove(&correlation_id);
        }
        true
    }

    fn poll(&mut self, now_ms: u64) {
        self.last_now_ms = self.last_now_ms.max(now_ms);
        self.expire_fetches(now_ms);
        self.send_fetches(now_ms);
        if let Some((broker, correlation_id)) = self.metadata.poll(now_ms, &mut self.next_correlation_id) {
            let message = Message::MetadataRequest { correlation_id };
            self.effects.push(Effect::Send { to: NodeId::Broker(broker), message });
        }
    }

    /// Fetches unanswered within `fetch.max.wait.ms` + `request.timeout.ms`: Kafka's client drops the
    /// connection, refreshes metadata and fetches again.
    fn expire_fetches(&mut self, now_ms: u64) {
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
    }

    fn send_fetches(&mut self, now_ms: u64) {
        let max_bytes = self.config.fetch_max_bytes.min(self.config.max_partition_fetch_bytes);
        let deadline_ms = now_ms
            .saturating_add(self.config.fetch_max_wait_ms)
            .saturating_add(self.config.request_timeout_ms);
        let tps: Vec<TopicPartition> = self.partitions.keys().cloned().collect();
        for tp in tps {
            let Some((broker, current_leader_epoch)) = self.fetch_target(now_ms, &tp) else {
                continue;
            };
            let Some(state) = self.partitions.get_mut(&tp) else {
                continue;
            };
            let Some(fetch_offset) = state.position else {
                continue;
            };
            let correlation_id = self.next_correlation_id;
            self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
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
            };
            self.in_flight.insert(correlation_id, FetchInFlight { tp, broker, fetch_offset, deadline_ms });
            self.effects.push(Effect::Send { to: NodeId::Broker(broker), message: Message::Fetch(request) });
        }
    }

    /// Where and with which leader epoch `tp` can be fetched now, or `None` if it must wait.
    fn fetch_target(&mut self, now_ms: u64, tp: &TopicPartition) -> Option<(BrokerId, i32)> {
        let state = self.partitions.get_mut(tp)?;
        if state.in_flight.is_some() || state.retry_after_ms > now_ms {
            return None;
        }
        if state.position.is_none() {
            // Only `auto.offset.reset=none` leaves a partition without a position; report once.
            if state.retry_after_ms != u64::MAX {
                state.retry_after_ms = u64::MAX;
                let event = ClientEvent::ConsumeFailed {
                    client: self.client_id,
                    tp: tp.clone(),
                    offset: -1,
                    error: ConsumeError::NoOffsetForPartition,
                };
                self.effects.push(Effect::Client(event));
            }
            return None;
        }
        if waits_for_metadata(&self.metadata, state) {
            return None;
        }
        let Some(leader) = self.metadata.leader(tp) else {
            self.metadata.request_update();
            return None;
        };
        let epoch = self.metadata.state(tp).map_or(-1, |s| s.leader_epoch);
        Some((leader, epoch))
    }

    fn on_fetch_response(&mut self, now_ms: u64, from: NodeId, response: FetchResponse) {
        let matches = self
            .in_flight
            .get(&response.correlation_id)
            .is_some_and(|f| from == NodeId::Broker(f.broker) && f.tp == response.tp);
        let Some(fetch) = matches.then(|| self.in_flight.remove(&response.correlation_id)).flatten() else {
            return; // Not a fetch we wait for: timed out, discarded by `seek`, or duplicated.
        };
        let Some(state) = self.partitions.get_mut(&fetch.tp) else {
            return;
        };
        state.in_flight = None;
        if state.position != Some(fetch.fetch_offset) {
            return; // The position moved while the fetch was out (Kafka discards such responses).
        }
        match response.error {
            ErrorCode::None => self.consume(now_ms, &fetch.tp, &response),
            ErrorCode::OffsetOutOfRange => self.reset(now_ms, &fetch.tp, &response),
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
    fn reset(&mut self, now_ms: u64, tp: &TopicPartition, response: &FetchResponse) {
        let client = self.client_id;
        let Some(state) = self.partitions.get_mut(tp) else {
            return;
        };
        let event = match self.config.auto_offset_reset {
            AutoOffsetReset::Earliest | AutoOffsetReset::Latest => {
                let to_offset = response.log_start_offset.max(0);
                let from_offset = state.position.replace(to_offset);
                // A leader that gives no log start offset would send us to 0 again: back off.
                state.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
                ClientEvent::PositionReset { client, tp: tp.clone(), from_offset, to_offset }
            }
            AutoOffsetReset::None => {
                state.retry_after_ms = u64::MAX;
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
        self.effects.push(Effect::Client(event));
    }

    /// Decodes the batches of a successful fetch and reports each record at or after the position.
    fn consume(&mut self, now_ms: u64, tp: &TopicPartition, response: &FetchResponse) {
        let client = self.client_id;
        let high_watermark = response.high_watermark;
        let Some(state) = self.partitions.get_mut(tp) else {
            return;
        };
        state.high_watermark = high_watermark;
        let mut position = state.position.unwrap_or(0);
        let mut rest: &[u8] = &response.records;
        let mut decoded_any = false;
        while !rest.is_empty() {
            let (batch, used_bytes) = match RecordBatch::decode(rest) {
                Ok(decoded) => decoded,
                // KIP-74: a response may end with part of a batch cut at the byte limit; skip it.
                Err(DecodeError::Truncated { .. }) if decoded_any => break,
                Err(error) => {
                    let error = ConsumeError::CorruptBatch(error);
                    let event =
                        ClientEvent::ConsumeFailed { client, tp: tp.clone(), offset: position, error };
                    self.effects.push(Effect::Client(event));
                    state.retry_after_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
                    break;
                }
            };
            decoded_any = true;
            rest = rest.get(used_bytes..).unwrap_or_default();
            // Control batches (transaction markers) hold no application records; only the offset moves.
            if !batch.attributes.is_control {
                for record in &batch.records {
                    let offset = batch.offset(record);
                    if offset < position {
                        continue; // Kafka's fetcher skips records before the position in a returned batch.
                    }
                    let record_id = record_id_of(record).unwrap_or_else(|e| {
                        let error = ConsumeError::BadRecordId(e);
                        let event = ClientEvent::ConsumeFailed { client, tp: tp.clone(), offset, error };
                        self.effects.push(Effect::Client(event));
                        None
                    });
                    let event = ClientEvent::RecordConsumed {
                        client,
                        tp: tp.clone(),
                        offset,
                        record_id,
                        high_watermark,
                    };
                    self.effects.push(Effect::Client(event));
                }
            }
            position = position.max(batch.last_offset().saturating_add(1));
        }
        state.position = Some(position);
    }
}

/// A partition that failed with "wrong leader" waits for newer metadata while a refresh is pending.
fn waits_for_metadata(metadata: &ClientMetadata, state: &PartitionFetch) -> bool {
    state
        .wait_for_metadata_after
        .is_some_and(|seen| metadata.updates_applied() == seen && metadata.update_pending())
}

impl Node for Consumer {
    fn id(&self) -> NodeId {
        NodeId::Client(self.client_id)
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        match message {
            Message::MetadataResponse { correlation_id, partitions } => {
                if let NodeId::Broker(broker) = from {
                    self.metadata.on_response(now_ms, broker, correlation_id, partitions);
                }
            }
            Message::FetchResponse(response) => self.on_fetch_response(now_ms, from, response),
            // Nothing else is addressed to a consumer; a stray message changes nothing.
            _ => {}
        }
        self.poll(now_ms);
    }

    fn on_tick(&mut self, now_ms: u64) {
        self.poll(now_ms);
    }

    fn next_tick_ms(&self) -> Option<u64> {
        let metadata = self.metadata.next_tick_ms();
        let in_flight = self.in_flight.values().map(|f| f.deadline_ms);
        // A partition that waits only for its backoff (or was just assigned) needs a tick then; one that
        // waits for a leader or metadata is woken by the metadata timer or response.
        let fetches = self
            .partitions
            .iter()
            .filter(|(tp, s)| {
                s.in_flight.is_none()
                    && s.retry_after_ms != u64::MAX
                    && !waits_for_metadata(&self.metadata, s)
                    && self.metadata.leader(tp).is_some()
            })
            .map(|(_, s)| s.retry_after_ms.max(self.last_now_ms));
        metadata.into_iter().chain(in_flight).chain(fetches).min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }
}

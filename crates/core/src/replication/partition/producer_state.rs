//! Idempotence state of one partition replica (Kafka's `ProducerStateManager`, KIP-98): per producer
//! id, its epoch and the metadata of its last [`NUM_BATCHES_TO_RETAIN`] batches.
//!
//! Every replica keeps it — the leader validates produced batches against it, followers update it from
//! every batch they copy — so a new leader after a failover recognises a retry of a batch the old one
//! had replicated (KIP-98's "the state survives leader failover"). It is derived from the log: after a
//! truncation or a restart it is rebuilt from the batch headers that remain (Kafka reloads a snapshot
//! plus the log after it; a scan of the headers gives the same result for the batches still present).
//!
//! Rules, as Kafka 3.x's `ProducerAppendInfo` and `UnifiedLog.analyzeAndValidateProducerState`:
//! - batches with `producer_id = -1` (no idempotence) are neither checked nor tracked;
//! - a batch with the same epoch and the same first/last sequence as one of the last five is a
//!   duplicate: not appended, answered with the original's offsets;
//! - an older epoch is `INVALID_PRODUCER_EPOCH`; a newer epoch must start at sequence 0;
//! - within an epoch the first sequence must follow the last one (`last + 1`, wrapping at `i32::MAX`
//!   to 0), else `OUT_OF_ORDER_SEQUENCE_NUMBER`;
//! - an unknown producer (never seen, or expired) may start at any sequence (KIP-360: its batches may
//!   have been removed by retention while it was idle, so a gap is not proof of loss).
//!
//! Producers stay after retention removed all their batches, until `producer.id.expiration.ms` passed
//! since their last batch's timestamp (KIP-360 keeps them instead of dropping them with the log start).
//! Kafka bounds the number of producers only by that expiry; here a partition holds at most
//! [`MAX_PRODUCERS_PER_PARTITION`] and past it forgets the least recently appended-to producer, which
//! then counts as unknown (any sequence accepted, as after an expiry).

use alloc::collections::{BTreeMap, VecDeque};
use core::fmt;

use crate::error::ErrorCode;
use crate::record_batch::{BatchHeader, NO_PRODUCER_ID, NO_SEQUENCE};

/// Kafka's `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`: how many of a producer's latest batches the
/// broker remembers for duplicate detection; it is why `max.in.flight.requests.per.connection` may be
/// at most 5 with idempotence.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

/// Most producers one partition replica tracks; past it the least recently used is forgotten (not a
/// Kafka limit: Kafka relies on `producer.id.expiration.ms` alone, which lets memory grow with the
/// number of producers in a day).
pub const MAX_PRODUCERS_PER_PARTITION: usize = 10_000;

/// One remembered batch (Kafka's `BatchMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMetadata {
    /// Sequence of the batch's first record.
    pub first_sequence: i32,
    /// Sequence of the batch's last record (wrapped at `i32::MAX`).
    pub last_sequence: i32,
    /// Offset of the batch's first record.
    pub first_offset: i64,
    /// Offset of the batch's last record.
    pub last_offset: i64,
    /// The batch's max timestamp.
    pub timestamp_ms: i64,
}

/// What a partition knows of one producer (Kafka's `ProducerStateEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerStateEntry {
    /// The producer id.
    pub producer_id: i64,
    /// The latest epoch seen.
    pub producer_epoch: i16,
    /// The last batches of this epoch, oldest first, at most [`NUM_BATCHES_TO_RETAIN`].
    pub batches: VecDeque<BatchMetadata>,
    /// Timestamp of the latest batch, for `producer.id.expiration.ms`.
    pub last_timestamp_ms: i64,
    /// Recency stamp for the least-recently-used bound.
    last_use: u64,
}

impl ProducerStateEntry {
    /// Sequence of the last record of the latest batch, or -1 when none is remembered.
    pub fn last_sequence(&self) -> i32 {
        self.batches.back().map_or(NO_SEQUENCE, |b| b.last_sequence)
    }

    /// Offset of the latest batch's last record, or -1.
    pub fn last_offset(&self) -> i64 {
        self.batches.back().map_or(-1, |b| b.last_offset)
    }

    /// Kafka's `findDuplicateBatch`: a remembered batch of the same epoch with the same sequence range.
    fn find_duplicate(&self, epoch: i16, first_sequence: i32, last_sequence: i32) -> Option<BatchMetadata> {
        if epoch != self.producer_epoch {
            return None;
        }
        self.batches
            .iter()
            .copied()
            .find(|b| b.first_sequence == first_sequence && b.last_sequence == last_sequence)
    }
}

/// Why a produced batch was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerStateError {
    /// `INVALID_PRODUCER_EPOCH`: the batch's epoch is older than the latest one seen.
    InvalidProducerEpoch {
        /// The producer.
        producer_id: i64,
        /// The batch's epoch.
        producer_epoch: i16,
        /// The latest epoch seen.
        current_epoch: i16,
    },
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER`: a new epoch not starting at 0, or a gap within an epoch.
    OutOfOrderSequence {
        /// The producer.
        producer_id: i64,
        /// The batch's epoch.
        producer_epoch: i16,
        /// The batch's first sequence.
        first_sequence: i32,
        /// The last sequence seen in the producer's current epoch (-1 for a new epoch).
        last_sequence: i32,
        /// Whether the batch opened a new epoch (Kafka's "Invalid sequence number for new epoch").
        new_epoch: bool,
    },
}

impl ProducerStateError {
    /// The Kafka error code for the produce response.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ProducerStateError::InvalidProducerEpoch { .. } => ErrorCode::InvalidProducerEpoch,
            ProducerStateError::OutOfOrderSequence { .. } => ErrorCode::OutOfOrderSequenceNumber,
        }
    }
}

impl fmt::Display for ProducerStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ProducerStateError::InvalidProducerEpoch { producer_id, producer_epoch, current_epoch } => {
                write!(
                f,
                "Epoch of producer {producer_id} is {producer_epoch}, which is smaller than the last seen \
                 epoch {current_epoch}"
            )
            }
            ProducerStateError::OutOfOrderSequence {
                producer_id,
                producer_epoch,
                first_sequence,
                new_epoch,
                ..
            } if new_epoch => {
                write!(
                    f,
                    "Invalid sequence number for new epoch of producer {producer_id} at epoch \
                     {producer_epoch}: {first_sequence} (request epoch), 0 (expected)"
                )
            }
            ProducerStateError::OutOfOrderSequence {
                producer_id,
                producer_epoch,
                first_sequence,
                last_sequence,
                ..
            } => write!(
                f,
                "Out of order sequence number for producer {producer_id} at epoch {producer_epoch}: \
                 {first_sequence} (incoming seq. number), {last_sequence} (current end sequence number)"
            ),
        }
    }
}

/// What the leader does with a produced batch that passed the producer checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerCheck {
    /// Append it (also for batches without a producer id).
    Append,
    /// A retry of this remembered batch: answer with its offsets, append nothing.
    Duplicate(BatchMetadata),
}

/// Kafka's `DefaultRecordBatch.incrementSequence`: sequences wrap from `i32::MAX` to 0.
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

/// Kafka's `ProducerAppendInfo.inSequence`.
fn in_sequence(last_sequence: i32, next_sequence: i32) -> bool {
    i64::from(next_sequence) == i64::from(last_sequence) + 1
        || (next_sequence == 0 && last_sequence == i32::MAX)
}

/// The last sequence of a batch: `base_sequence + last_offset_delta`, wrapped.
fn last_sequence_of(header: &BatchHeader) -> i32 {
    increment_sequence(header.base_sequence, header.last_offset_delta.max(0))
}

/// One partition replica's producer states (Kafka's `ProducerStateManager`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerStateManager {
    producers: BTreeMap<i64, ProducerStateEntry>,
    /// `last_use` → producer id, to find the least recently used in O(log n).
    by_last_use: BTreeMap<u64, i64>,
    next_use: u64,
    max_producers: usize,
    evicted_count: u64,
}

impl Default for ProducerStateManager {
    fn default() -> Self {
        Self::new(MAX_PRODUCERS_PER_PARTITION)
    }
}

impl ProducerStateManager {
    /// An empty state tracking at most `max_producers` producers (at least 1).
    pub fn new(max_producers: usize) -> Self {
        ProducerStateManager {
            producers: BTreeMap::new(),
            by_last_use: BTreeMap::new(),
            next_use: 0,
            max_producers: max_producers.max(1),
            evicted_count: 0,
        }
    }

    /// The state of `producer_id`, if tracked.
    pub fn entry(&self, producer_id: i64) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id)
    }

    /// Every tracked producer, by id.
    pub fn entries(&self) -> impl Iterator<Item = &ProducerStateEntry> + '_ {
        self.producers.values()
    }

    /// How many producers are tracked.
    pub fn len(&self) -> usize {
        self.producers.len()
    }

    /// Whether no producer is tracked.
    pub fn is_empty(&self) -> bool {
        self.producers.is_empty()
    }

    /// How many producers were forgotten because the bound was reached.
    pub fn evicted_count(&self) -> u64 {
        self.evicted_count
    }

    /// The leader's check before appending a produced batch (Kafka's `analyzeAndValidateProducerState`
    /// with origin `Client`): duplicate first, then epoch, then sequence.
    pub fn check(&self, header: &BatchHeader) -> Result<ProducerCheck, ProducerStateError> {
        if header.producer_id == NO_PRODUCER_ID || header.attributes.is_control {
            return Ok(ProducerCheck::Append);
        }
        let Some(entry) = self.producers.get(&header.producer_id) else {
            // KIP-360: an unknown producer accepts any epoch and sequence.
            return Ok(ProducerCheck::Append);
        };
        let epoch = header.producer_epoch;
        let first_sequence = header.base_sequence;
        // The group coordinator's transactional offset commits carry no sequence (Kafka validates
        // sequences only for batches from clients): the epoch check is all they get.
        if first_sequence == NO_SEQUENCE {
            if epoch < entry.producer_epoch {
                let current_epoch = entry.producer_epoch;
                let producer_id = header.producer_id;
                return Err(ProducerStateError::InvalidProducerEpoch {
                    producer_id,
                    producer_epoch: epoch,
                    current_epoch,
                });
            }
            return Ok(ProducerCheck::Append);
        }
        if let Some(original) = entry.find_duplicate(epoch, first_sequence, last_sequence_of(header)) {
            return Ok(ProducerCheck::Duplicate(original));
        }
        let producer_id = header.producer_id;
        if epoch < entry.producer_epoch {
            let current_epoch = entry.producer_epoch;
            return Err(ProducerStateError::InvalidProducerEpoch {
                producer_id,
                producer_epoch: epoch,
                current_epoch,
            });
        }
        let new_epoch = epoch != entry.producer_epoch;
        let last_sequence = if new_epoch { NO_SEQUENCE } else { entry.last_sequence() };
        let valid = if new_epoch { first_sequence == 0 } else { in_sequence(last_sequence, first_sequence) };
        if valid {
            Ok(ProducerCheck::Append)
        } else {
            Err(ProducerStateError::OutOfOrderSequence {
                producer_id,
                producer_epoch: epoch,
                first_sequence,
                last_sequence,
                new_epoch,
            })
        }
    }

    /// Records an appended batch (as stored: offsets assigned). Leaders call it after their append,
    /// followers for every batch they copy, without checks (Kafka's origin `Replication`). A new epoch
    /// forgets the old epoch's batches. Control batches and batches without a producer id are skipped
    /// (transaction markers come with transactions).
    pub fn update(&mut self, header: &BatchHeader) {
        if header.producer_id == NO_PRODUCER_ID {
            return;
        }
        // Markers and the coordinator's sequence-less batches move the epoch but are no batch a
        // client could retry.
        if header.attributes.is_control || header.base_sequence == NO_SEQUENCE {
            return self.update_marker(header);
        }
        let batch = BatchMetadata {
            first_sequence: header.base_sequence,
            last_sequence: last_sequence_of(header),
            first_offset: header.base_offset,
            last_offset: header.last_offset(),
            timestamp_ms: header.max_timestamp_ms,
        };
        let producer_id = header.producer_id;
        if !self.producers.contains_key(&producer_id) && self.producers.len() >= self.max_producers {
            self.evict_least_recently_used();
        }
        let use_stamp = self.next_use;
        self.next_use += 1;
        let entry = self.producers.entry(producer_id).or_insert_with(|| ProducerStateEntry {
            producer_id,
            producer_epoch: header.producer_epoch,
            batches: VecDeque::with_capacity(NUM_BATCHES_TO_RETAIN),
            last_timestamp_ms: batch.timestamp_ms,
            last_use: use_stamp,
        });
        self.by_last_use.remove(&entry.last_use);
        entry.last_use = use_stamp;
        self.by_last_use.insert(use_stamp, producer_id);
        // Kafka's `maybeUpdateProducerEpoch`: a new epoch starts a new sequence space.
        if entry.producer_epoch != header.producer_epoch {
            entry.producer_epoch = header.producer_epoch;
            entry.batches.clear();
        }
        if entry.batches.len() == NUM_BATCHES_TO_RETAIN {
            entry.batches.pop_front();
        }
        entry.batches.push_back(batch);
        entry.last_timestamp_ms = batch.timestamp_ms;
    }

    /// A transaction marker (Kafka's `appendEndTxnMarker`): the producer moves to the marker's epoch
    /// (with `transaction.version=2` a bumped one: a new sequence space), remembering no batch of it.
    fn update_marker(&mut self, header: &BatchHeader) {
        let producer_id = header.producer_id;
        if !self.producers.contains_key(&producer_id) && self.producers.len() >= self.max_producers {
            self.evict_least_recently_used();
        }
        let use_stamp = self.next_use;
        self.next_use += 1;
        let entry = self.producers.entry(producer_id).or_insert_with(|| ProducerStateEntry {
            producer_id,
            producer_epoch: header.producer_epoch,
            batches: VecDeque::with_capacity(NUM_BATCHES_TO_RETAIN),
            last_timestamp_ms: header.max_timestamp_ms,
            last_use: use_stamp,
        });
        self.by_last_use.remove(&entry.last_use);
        entry.last_use = use_stamp;
        self.by_last_use.insert(use_stamp, producer_id);
        if header.producer_epoch > entry.producer_epoch {
            entry.producer_epoch = header.producer_epoch;
            entry.batches.clear();
        }
        entry.last_timestamp_ms = entry.last_timestamp_ms.max(header.max_timestamp_ms);
    }

    fn evict_least_recently_used(&mut self) {
        if let Some((_, producer_id)) = self.by_last_use.pop_first() {
            self.producers.remove(&producer_id);
            self.evicted_count += 1;
        }
    }

    fn remove(&mut self, producer_id: i64) {
        if let Some(entry) = self.producers.remove(&producer_id) {
            self.by_last_use.remove(&entry.last_use);
        }
    }

    /// Kafka's `removeExpiredProducers`: forgets producers whose last batch's timestamp is at least
    /// `expiration_ms` (`producer.id.expiration.ms`) before `now_ms`. Returns how many.
    pub fn remove_expired(&mut self, now_ms: u64, expiration_ms: u64) -> usize {
        let now_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let expiration_ms = i64::try_from(expiration_ms).unwrap_or(i64::MAX);
        let expired: alloc::vec::Vec<i64> = self
            .producers
            .values()
            .filter(|e| now_ms.saturating_sub(e.last_timestamp_ms) >= expiration_ms)
            .map(|e| e.producer_id)
            .collect();
        for &producer_id in &expired {
            self.remove(producer_id);
        }
        expired.len()
    }

    /// Rebuilds the state from the batch headers of the log (oldest first) after a truncation or a
    /// restart (Kafka's `truncateAndReload`). Producers whose batches are all below `log_start_offset`
    /// (removed by retention) and that have none left in the log are kept, as Kafka's snapshot keeps
    /// them; expired ones are dropped.
    pub fn rebuild(
        &mut self,
        batches: impl Iterator<Item = BatchHeader>,
        log_start_offset: i64,
        now_ms: u64,
        expiration_ms: u64,
    ) {
        let old = core::mem::replace(self, Self::new(self.max_producers));
        self.evicted_count = old.evicted_count;
        // Retained producers first, oldest use first, so the log's producers count as more recent.
        let mut retained: alloc::vec::Vec<&ProducerStateEntry> =
            old.producers.values().filter(|e| e.last_offset() < log_start_offset).collect();
        retained.sort_by_key(|e| e.last_use);
        for entry in retained {
            self.insert_retained(entry.clone());
        }
        for header in batches {
            if header.producer_id == NO_PRODUCER_ID {
                continue;
            }
            if let Some(entry) = self.producers.get(&header.producer_id) {
                if entry.last_offset() < log_start_offset {
                    // Its retained metadata predates the log: the log's batches replace it.
                    self.remove(header.producer_id);
                }
            }
            self.update(&header);
        }
        self.remove_expired(now_ms, expiration_ms);
    }

    fn insert_retained(&mut self, mut entry: ProducerStateEntry) {
        if self.producers.len() >= self.max_producers {
            self.evict_least_recently_used();
        }
        entry.last_use = self.next_use;
        self.next_use += 1;
        self.by_last_use.insert(entry.last_use, entry.producer_id);
        self.producers.insert(entry.producer_id, entry);
    }

    /// Forgets every producer (Kafka's `truncateFullyAndStartAt`, when a follower restarts its log at
    /// the leader's log start).
    pub fn clear(&mut self) {
        self.producers.clear();
        self.by_last_use.clear();
    }
}

#[cfg(test)]
#[path = "producer_state_tests.rs"]
mod tests;

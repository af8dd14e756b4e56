//! The record accumulator: per partition, records gather in batches until a batch is full, has lingered
//! `linger.ms`, or is needed now (Kafka's `RecordAccumulator` and `ProducerBatch`).
//!
//! Each partition holds its closed batches in order (retries go back among them by batch id, which is
//! also sequence order for an idempotent producer: Kafka's `insertInSequenceOrder`) and at most one open
//! batch that new records append to. A batch is closed when the next record would not fit `batch.size`
//! (a record larger than `batch.size` gets a batch of its own) and encoded once, when first drained.
//!
//! Every operation costs O(log n) in the batches held (O(k log n) for k batches it returns): delivery
//! deadlines, linger ends and retry backoffs sit in ordered sets beside the per-partition queues.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use super::producer_queue::PartitionRef;
use super::record_id::RecordId;
use crate::record_batch::crc::crc32c;
use crate::record_batch::header::{
    ATTRIBUTES_OFFSET, BASE_SEQUENCE_OFFSET, CRC_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET,
    RECORD_COUNT_OFFSET,
};
use crate::record_batch::varint::{varint_size, varlong_size};
use crate::record_batch::{Compression, EncodeError, NewRecord, RecordBatch, BATCH_HEADER_SIZE_BYTES};

/// Kafka's `RecordBatch.NO_SEQUENCE` (and `NO_PRODUCER_ID` / `NO_PRODUCER_EPOCH` are -1 too).
pub(crate) const NO_SEQUENCE: i32 = -1;

/// One record of a batch: what its outcome is reported with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BatchRecord {
    /// The record's id.
    pub(crate) record_id: RecordId,
    /// Order in which `send` accepted it.
    pub(crate) seq: u64,
    /// When `send` accepted it (for the ack latency).
    pub(crate) created_ms: u64,
    /// Bytes of `buffer.memory` it holds until its outcome.
    pub(crate) size_bytes: u64,
}

/// A batch of one partition's records (Kafka's `ProducerBatch`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProducerBatch {
    /// Creation order over all partitions: the drain merges partitions by it.
    pub(crate) id: u64,
    /// Its partition.
    pub(crate) tp: PartitionRef,
    /// When it was created: `linger.ms` and `delivery.timeout.ms` count from here (KIP-91).
    pub(crate) created_ms: u64,
    /// Its records, in offset order.
    pub(crate) records: Vec<BatchRecord>,
    /// The records' contents until the batch is encoded.
    contents: Vec<NewRecord>,
    /// The encoded v2 batch once drained (empty before), sent as is on every attempt.
    pub(crate) encoded: Vec<u8>,
    /// Uncompressed size estimate while open: the header plus every record's exact size.
    estimated_size_bytes: usize,
    /// Retries so far (Kafka's `ProducerBatch.attempts`, counted from 0).
    pub(crate) attempts: u32,
    /// Not sent again before this (`retry.backoff.ms` after a failure).
    pub(crate) retry_after_ms: u64,
    /// After a "wrong leader" error: the metadata update count at the failure; the batch waits for a
    /// newer response while one is pending.
    pub(crate) wait_for_metadata_after: Option<u64>,
    /// The producer id in its header, or -1.
    pub(crate) producer_id: i64,
    /// The producer epoch in its header, or -1.
    pub(crate) producer_epoch: i16,
    /// The sequence of its first record, or [`NO_SEQUENCE`] until first drained by an idempotent producer.
    pub(crate) base_sequence: i32,
    /// Part of a transaction: the header's transactional attribute is set (KIP-98).
    pub(crate) transactional: bool,
}

impl ProducerBatch {
    fn new(id: u64, tp: PartitionRef, created_ms: u64) -> Self {
        ProducerBatch {
            id,
            tp,
            created_ms,
            records: Vec::new(),
            contents: Vec::new(),
            encoded: Vec::new(),
            estimated_size_bytes: BATCH_HEADER_SIZE_BYTES,
            attempts: 0,
            retry_after_ms: 0,
            wait_for_metadata_after: None,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: NO_SEQUENCE,
            transactional: false,
        }
    }

    /// An empty batch for unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(tp: PartitionRef) -> Self {
        ProducerBatch::new(0, tp, 0)
    }

    /// Records in the batch.
    pub(crate) fn record_count(&self) -> u32 {
        u32::try_from(self.records.len()).unwrap_or(u32::MAX)
    }

    /// The encoded size, or the estimate before encoding.
    #[cfg(test)]
    pub(crate) fn size_bytes(&self) -> usize {
        if self.encoded.is_empty() {
            self.estimated_size_bytes
        } else {
            self.encoded.len()
        }
    }

    /// The sequence of its last record (sequences wrap at `i32::MAX` to 0, as Kafka's
    /// `DefaultRecordBatch.incrementSequence`).
    pub(crate) fn last_sequence(&self) -> i32 {
        increment_sequence(self.base_sequence, self.record_count().saturating_sub(1))
    }

    /// When the batch fails however far it got (KIP-91).
    pub(crate) fn delivery_deadline_ms(&self, delivery_timeout_ms: u64) -> u64 {
        self.created_ms.saturating_add(delivery_timeout_ms)
    }

    /// What `record` adds to the batch: its exact encoded size at the next offset delta.
    fn size_of_next(&self, record: &NewRecord) -> usize {
        let base_timestamp_ms = self.contents.first().map_or(record.timestamp_ms, |r| r.timestamp_ms);
        let offset_delta = i32::try_from(self.records.len()).unwrap_or(i32::MAX);
        record_size_bytes(record, offset_delta, record.timestamp_ms.wrapping_sub(base_timestamp_ms))
    }

    /// Kafka's `ProducerBatch.hasRoomFor`: an empty batch takes any record; otherwise the estimate
    /// must stay within `batch.size`. Compressed batches are measured uncompressed, so they close
    /// early rather than late.
    fn has_room_for(&self, record: &NewRecord, batch_size_bytes: usize) -> bool {
        self.records.is_empty()
            || self.estimated_size_bytes.saturating_add(self.size_of_next(record)) <= batch_size_bytes
    }

    fn push(&mut self, record: NewRecord, meta: BatchRecord) {
        self.estimated_size_bytes = self.estimated_size_bytes.saturating_add(self.size_of_next(&record));
        self.contents.push(record);
        self.records.push(meta);
    }

    /// Encodes the batch once, with its producer id, epoch and base sequence in the header.
    pub(crate) fn encode(&mut self, compression: Compression) -> Result<(), EncodeError> {
        if !self.encoded.is_empty() {
            return Ok(());
        }
        let mut batch = RecordBatch::from_new_records(core::mem::take(&mut self.contents), compression)?;
        batch.producer_id = self.producer_id;
        batch.producer_epoch = self.producer_epoch;
        batch.base_sequence = self.base_sequence;
        batch.attributes.is_transactional = self.transactional;
        self.encoded = batch.encode()?;
        Ok(())
    }

    /// Sets the producer id, epoch and base sequence; an encoded batch gets its header rewritten and its
    /// CRC recomputed (Kafka's `ProducerBatch.resetProducerState` after a KIP-360 epoch bump).
    pub(crate) fn set_producer_state(&mut self, producer_id: i64, producer_epoch: i16, base_sequence: i32) {
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.base_sequence = base_sequence;
        // Our own encoding always has the full header; the check keeps a slice index from panicking.
        if self.encoded.len() < BATCH_HEADER_SIZE_BYTES {
            return;
        }
        let bytes = &mut self.encoded;
        bytes[PRODUCER_ID_OFFSET..PRODUCER_EPOCH_OFFSET].copy_from_slice(&producer_id.to_be_bytes());
        bytes[PRODUCER_EPOCH_OFFSET..BASE_SEQUENCE_OFFSET].copy_from_slice(&producer_epoch.to_be_bytes());
        bytes[BASE_SEQUENCE_OFFSET..RECORD_COUNT_OFFSET].copy_from_slice(&base_sequence.to_be_bytes());
        // The v2 CRC (crc32c) covers everything from the attributes to the end.
        let crc = crc32c(&bytes[ATTRIBUTES_OFFSET..]);
        bytes[CRC_OFFSET..ATTRIBUTES_OFFSET].copy_from_slice(&crc.to_be_bytes());
    }
}

/// `sequence + increment`, wrapping past `i32::MAX` to 0 as Kafka's sequences do.
pub(crate) fn increment_sequence(sequence: i32, increment: u32) -> i32 {
    let next = i64::from(sequence) + i64::from(increment);
    // The remainder is below 2^31, so it fits.
    i32::try_from(next % (i64::from(i32::MAX) + 1)).unwrap_or(0)
}

/// The exact v2 encoded size of `record` at `offset_delta` / `timestamp_delta_ms` in its batch
/// (uncompressed), as Kafka's `DefaultRecord.sizeInBytes`.
pub(crate) fn record_size_bytes(record: &NewRecord, offset_delta: i32, timestamp_delta_ms: i64) -> usize {
    fn field(bytes: Option<&[u8]>) -> usize {
        bytes.map_or(varint_size(-1), |b| varint_size(i32::try_from(b.len()).unwrap_or(i32::MAX)) + b.len())
    }
    let mut body = 1 // attributes
        + varlong_size(timestamp_delta_ms)
        + varint_size(offset_delta)
        + field(record.key.as_deref())
        + field(record.value.as_deref())
        + varint_size(i32::try_from(record.headers.len()).unwrap_or(i32::MAX));
    for header in &record.headers {
        body += field(Some(header.key.as_bytes())) + field(header.value.as_deref());
    }
    varint_size(i32::try_from(body).unwrap_or(i32::MAX)) + body
}

/// One partition's batches: closed ones in id order, then the one records append to.
#[derive(Clone, Debug, Default)]
struct PartitionBatches {
    closed: VecDeque<ProducerBatch>,
    open: Option<ProducerBatch>,
}

impl PartitionBatches {
    fn head(&self) -> Option<&ProducerBatch> {
        self.closed.front().or(self.open.as_ref())
    }
}

/// The sizes and times batches are built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BatchLimits {
    /// `batch.size`.
    pub(crate) batch_size_bytes: usize,
    /// `linger.ms`.
    pub(crate) linger_ms: u64,
    /// `delivery.timeout.ms`.
    pub(crate) delivery_timeout_ms: u64,
}

/// Every partition's batches not in flight (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Accumulator {
    /// Partitions holding a batch; emptied ones are removed, so a drain visits only those.
    partitions: BTreeMap<PartitionRef, PartitionBatches>,
    /// `(delivery deadline, batch id, partition)` of every batch held.
    deadlines: BTreeSet<(u64, u64, PartitionRef)>,
    /// `(linger end, batch id)` of every open batch.
    lingers: BTreeSet<(u64, u64)>,
    /// `(retry_after_ms, batch id)` of batches waiting to be retried.
    backoffs: BTreeSet<(u64, u64)>,
    records: usize,
    next_batch_id: u64,
    limits: BatchLimits,
}

impl Accumulator {
    /// An empty accumulator.
    pub(crate) fn new(limits: BatchLimits) -> Self {
        Accumulator {
            partitions: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            lingers: BTreeSet::new(),
            backoffs: BTreeSet::new(),
            records: 0,
            next_batch_id: 0,
            limits,
        }
    }

    /// Records held (not in flight).
    pub(crate) fn record_count(&self) -> usize {
        self.records
    }

    /// Whether `tp` has an open batch `record` would not fit in (appending would close it).
    pub(crate) fn would_close(&self, tp: PartitionRef, record: &NewRecord) -> bool {
        self.partitions
            .get(&tp)
            .and_then(|p| p.open.as_ref())
            .is_some_and(|open| !open.has_room_for(record, self.limits.batch_size_bytes))
    }

    /// Closes `tp`'s open batch, if any: it becomes ready. Returns whether there was one.
    pub(crate) fn close(&mut self, tp: PartitionRef) -> bool {
        let Some(partition) = self.partitions.get_mut(&tp) else { return false };
        let Some(open) = partition.open.take() else { return false };
        self.lingers.remove(&(open.created_ms.saturating_add(self.limits.linger_ms), open.id));
        partition.closed.push_back(open);
        true
    }

    /// Appends `record` to `tp`'s open batch, first closing it if the record does not fit and opening a
    /// new one as needed; a batch that reached `batch.size` is closed at once (Kafka's `isFull`).
    /// Returns whether a batch was closed (KIP-480: the sticky partition then moves on).
    pub(crate) fn append(
        &mut self,
        now_ms: u64,
        tp: PartitionRef,
        record: NewRecord,
        meta: BatchRecord,
    ) -> bool {
        let mut closed = false;
        if self.would_close(tp, &record) {
            closed = self.close(tp);
        }
        let partition = self.partitions.entry(tp).or_default();
        let open = partition.open.get_or_insert_with(|| {
            let batch = ProducerBatch::new(self.next_batch_id, tp, now_ms);
            self.next_batch_id += 1;
            self.deadlines.insert((
                batch.delivery_deadline_ms(self.limits.delivery_timeout_ms),
                batch.id,
                tp,
            ));
            self.lingers.insert((now_ms.saturating_add(self.limits.linger_ms), batch.id));
            batch
        });
        open.push(record, meta);
        self.records += 1;
        if open.estimated_size_bytes >= self.limits.batch_size_bytes {
            closed |= self.close(tp);
        }
        closed
    }

    /// The first batch of every partition holding one, and whether it is the open batch.
    pub(crate) fn heads(&self) -> impl Iterator<Item = (&ProducerBatch, bool)> + '_ {
        self.partitions.values().filter_map(|p| p.head().map(|head| (head, p.closed.is_empty())))
    }

    /// The first batch of `tp`, and whether it is the open batch.
    pub(crate) fn head(&self, tp: PartitionRef) -> Option<(&ProducerBatch, bool)> {
        self.partitions.get(&tp).and_then(|p| p.head().map(|head| (head, p.closed.is_empty())))
    }

    /// Takes the first batch of `tp` (closing it if open); returns it, whether it was open, and the id
    /// of the batch now first.
    pub(crate) fn pop_head(&mut self, tp: PartitionRef) -> Option<(ProducerBatch, bool, Option<u64>)> {
        let partition = self.partitions.get_mut(&tp)?;
        let (batch, was_open) = match partition.closed.pop_front() {
            Some(batch) => (batch, false),
            None => (partition.open.take()?, true),
        };
        let next_id = partition.head().map(|b| b.id);
        if next_id.is_none() {
            self.partitions.remove(&tp);
        }
        self.forget(&batch, was_open);
        Some((batch, was_open, next_id))
    }

    /// Puts a batch to be retried back among its partition's closed batches, in id order.
    pub(crate) fn reenqueue(&mut self, batch: ProducerBatch) {
        let tp = batch.tp;
        self.deadlines.insert((batch.delivery_deadline_ms(self.limits.delivery_timeout_ms), batch.id, tp));
        if batch.retry_after_ms > 0 {
            self.backoffs.insert((batch.retry_after_ms, batch.id));
        }
        self.records += batch.records.len();
        let closed = &mut self.partitions.entry(tp).or_default().closed;
        // Retries are the oldest batches, so they sit near the front: a short shift.
        let at = closed.partition_point(|queued| queued.id < batch.id);
        closed.insert(at, batch);
    }

    /// Takes every batch whose delivery deadline is at or before `now_ms`, oldest first (Kafka's
    /// `RecordAccumulator.expiredBatches`).
    pub(crate) fn take_expired(&mut self, now_ms: u64) -> Vec<ProducerBatch> {
        let mut expired = Vec::new();
        while let Some(&(deadline_ms, id, tp)) = self.deadlines.first() {
            if deadline_ms > now_ms {
                break;
            }
            self.deadlines.pop_first();
            let Some(partition) = self.partitions.get_mut(&tp) else { continue };
            let taken = if partition.open.as_ref().is_some_and(|open| open.id == id) {
                partition.open.take().map(|open| (open, true))
            } else {
                let found = partition.closed.binary_search_by_key(&id, |b| b.id).ok();
                found.and_then(|at| partition.closed.remove(at)).map(|b| (b, false))
            };
            if partition.head().is_none() {
                self.partitions.remove(&tp);
            }
            if let Some((batch, was_open)) = taken {
                // Its deadline entry is already gone; forget the rest.
                self.deadlines.insert((deadline_ms, id, tp));
                self.forget(&batch, was_open);
                expired.push(batch);
            }
        }
        expired
    }

    /// Clears the sequence of `tp`'s held batches (KIP-360 epoch bump): they get new ones, in order,
    /// when drained. O(batches of `tp`), once per bump.
    pub(crate) fn clear_sequences(&mut self, tp: PartitionRef) {
        if let Some(partition) = self.partitions.get_mut(&tp) {
            for batch in &mut partition.closed {
                batch.base_sequence = NO_SEQUENCE;
            }
        }
    }

    /// The earliest delivery deadline of a held batch.
    pub(crate) fn next_deadline_ms(&self) -> Option<u64> {
        self.deadlines.first().map(|&(deadline_ms, _, _)| deadline_ms)
    }

    /// The earliest end of a retry backoff strictly after `after_ms`.
    pub(crate) fn next_backoff_end_after(&self, after_ms: u64) -> Option<u64> {
        let from = after_ms.checked_add(1)?;
        self.backoffs.range((from, 0)..).next().map(|&(retry_after_ms, _)| retry_after_ms)
    }

    /// The earliest `linger.ms` end of an open batch strictly after `after_ms`.
    pub(crate) fn next_linger_end_after(&self, after_ms: u64) -> Option<u64> {
        let from = after_ms.checked_add(1)?;
        self.lingers.range((from, 0)..).next().map(|&(end_ms, _)| end_ms)
    }

    /// When an open batch created at `created_ms` has lingered enough.
    pub(crate) fn linger_end_ms(&self, created_ms: u64) -> u64 {
        created_ms.saturating_add(self.limits.linger_ms)
    }

    fn forget(&mut self, batch: &ProducerBatch, was_open: bool) {
        let tp = batch.tp;
        self.deadlines.remove(&(batch.delivery_deadline_ms(self.limits.delivery_timeout_ms), batch.id, tp));
        self.backoffs.remove(&(batch.retry_after_ms, batch.id));
        if was_open {
            self.lingers.remove(&(self.linger_end_ms(batch.created_ms), batch.id));
        }
        self.records -= batch.records.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::metadata::TopicId;
    use alloc::vec;

    const LIMITS: BatchLimits = BatchLimits { batch_size_bytes: 200, linger_ms: 5, delivery_timeout_ms: 100 };

    fn tp(partition: u32) -> PartitionRef {
        PartitionRef { topic: TopicId::for_test(0), partition }
    }

    fn record(value_bytes: usize) -> NewRecord {
        NewRecord { key: None, value: Some(vec![7; value_bytes]), headers: vec![], timestamp_ms: 3 }
    }

    fn meta(seq: u64) -> BatchRecord {
        BatchRecord { record_id: seq, seq, created_ms: 0, size_bytes: 10 }
    }

    #[test]
    fn records_fill_a_batch_up_to_batch_size_and_the_estimate_is_exact() {
        let mut acc = Accumulator::new(LIMITS);
        // 50-byte values: 61 header + 3 records of 57 bytes = 232 > 200, so the third opens a new batch.
        assert!(!acc.append(0, tp(0), record(50), meta(0)));
        assert!(!acc.append(1, tp(0), record(50), meta(1)));
        assert!(acc.append(2, tp(0), record(50), meta(2)), "the full batch is closed");
        assert_eq!(acc.record_count(), 3);
        assert_eq!(acc.next_linger_end_after(0), Some(7), "only the open batch lingers");
        let (mut first, was_open, next) = acc.pop_head(tp(0)).unwrap();
        assert_eq!((first.record_count(), was_open, next), (2, false, Some(1)));
        let estimate = first.size_bytes();
        first.encode(Compression::None).unwrap();
        assert_eq!(first.encoded.len(), estimate);
        let (batch, _) = RecordBatch::decode(&first.encoded).unwrap();
        assert_eq!(batch.records.len(), 2);
        // A record larger than batch.size gets a batch of its own, closed at once.
        assert!(acc.append(3, tp(1), record(500), meta(3)));
        assert_eq!(acc.head(tp(1)).map(|(b, open)| (b.record_count(), open)), Some((1, false)));
    }

    #[test]
    fn retries_go_back_in_id_order_and_expiry_takes_open_and_closed_batches() {
        let mut acc = Accumulator::new(LIMITS);
        acc.append(0, tp(0), record(150), meta(0));
        acc.append(10, tp(0), record(150), meta(1));
        let (mut first, _, _) = acc.pop_head(tp(0)).unwrap();
        first.retry_after_ms = 40;
        acc.reenqueue(first);
        assert_eq!(acc.head(tp(0)).map(|(b, _)| b.id), Some(0), "the retry goes before later batches");
        assert_eq!(acc.next_backoff_end_after(39), Some(40));
        let expired: Vec<u64> = acc.take_expired(100).iter().map(|b| b.id).collect();
        assert_eq!(expired, [0]);
        assert_eq!(acc.next_deadline_ms(), Some(110));
        let expired: Vec<u64> = acc.take_expired(110).iter().map(|b| b.id).collect();
        assert_eq!((expired, acc.record_count(), acc.heads().count()), (vec![1], 0, 0));
        assert_eq!(acc.next_linger_end_after(0), None);
    }

    #[test]
    fn producer_state_rewrite_keeps_the_batch_valid() {
        let mut acc = Accumulator::new(LIMITS);
        acc.append(0, tp(0), record(10), meta(0));
        let (mut batch, _, _) = acc.pop_head(tp(0)).unwrap();
        batch.set_producer_state(9, 0, 5);
        batch.encode(Compression::None).unwrap();
        batch.set_producer_state(9, 1, 0);
        let (decoded, _) = RecordBatch::decode(&batch.encoded).unwrap();
        assert_eq!((decoded.producer_id, decoded.producer_epoch, decoded.base_sequence), (9, 1, 0));
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(5, 3), 8);
    }
}

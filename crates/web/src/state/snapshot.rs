//! What one partition's log holds, as plain data for the views: segments, their batches and records.
//!
//! Built from the log's own answers (`segments()`, `read()`) and decoded with the core's
//! `RecordBatch::decode`, so the page shows what a consumer fetching this log would see.

use samsa_core::log::PartitionLog;
use samsa_core::record_batch::RecordBatch;

use super::KafkaError;

/// Most segments drawn per partition; older ones are summarised in one line so the page stays small
/// however long the user keeps producing.
pub const MAX_SEGMENTS_SHOWN: usize = 6;
/// Most reads issued to fill one snapshot; each read returns at least one batch, so this also bounds
/// the batches drawn.
const MAX_READS: usize = 512;
/// Characters of a key or value kept for the hover text.
const PREVIEW_CHARS: usize = 64;

/// One record as drawn: its offset and a preview of key and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSnapshot {
    /// The record's offset.
    pub offset: i64,
    /// The record's timestamp.
    pub timestamp_ms: i64,
    /// Key preview (lossy UTF-8, shortened); `None` is a null key.
    pub key: Option<String>,
    /// Value preview (lossy UTF-8, shortened); `None` is a null value.
    pub value: Option<String>,
}

/// One batch as drawn: its offset range, size and records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSnapshot {
    /// First offset of the batch.
    pub base_offset: i64,
    /// Last offset of the batch.
    pub last_offset: i64,
    /// Encoded size of the batch.
    pub size_bytes: usize,
    /// The records, in offset order.
    pub records: Vec<RecordSnapshot>,
}

/// One segment as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentSnapshot {
    /// First offset the segment can hold (its file name in Kafka).
    pub base_offset: i64,
    /// Offset after its last record.
    pub next_offset: i64,
    /// Bytes in the segment.
    pub size_bytes: u64,
    /// Whether appends go here.
    pub is_active: bool,
    /// Largest record timestamp: what `retention.ms` compares with the clock.
    pub max_timestamp_ms: i64,
    /// Its batches, in offset order.
    pub batches: Vec<BatchSnapshot>,
}

/// One partition's log as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionSnapshot {
    /// Partition number.
    pub partition: u32,
    /// First offset a consumer can fetch.
    pub log_start_offset: i64,
    /// Offset the next record will get.
    pub log_end_offset: i64,
    /// Segments not drawn (the oldest ones, beyond `MAX_SEGMENTS_SHOWN`).
    pub hidden_segments: usize,
    /// The newest segments, oldest first.
    pub segments: Vec<SegmentSnapshot>,
    /// A read or decode failure, shown instead of silently drawing less.
    pub read_error: Option<KafkaError>,
}

impl PartitionSnapshot {
    /// Read `log` through the core's API and describe it.
    pub fn of(partition: u32, log: &PartitionLog) -> Self {
        let log_start_offset = log.log_start_offset();
        let log_end_offset = log.log_end_offset();
        let segment_count = log.segments().count();
        let hidden_segments = segment_count.saturating_sub(MAX_SEGMENTS_SHOWN);
        let mut segments: Vec<SegmentSnapshot> = log
            .segments()
            .skip(hidden_segments)
            .map(|s| SegmentSnapshot {
                base_offset: s.base_offset,
                next_offset: s.next_offset,
                size_bytes: s.size_bytes,
                is_active: s.is_active,
                max_timestamp_ms: s.max_timestamp_ms,
                batches: Vec::new(),
            })
            .collect();
        let first_offset = segments.first().map_or(log_start_offset, |s| s.base_offset.max(log_start_offset));
        let read_error = match read_batches(log, first_offset, log_end_offset) {
            Ok(batches) => {
                place_batches(&mut segments, batches);
                None
            }
            Err(error) => Some(error),
        };
        Self { partition, log_start_offset, log_end_offset, hidden_segments, segments, read_error }
    }
}

/// Fetch every batch from `from_offset` to the log end, as a consumer would, read by read.
fn read_batches(
    log: &PartitionLog,
    from_offset: i64,
    log_end_offset: i64,
) -> Result<Vec<BatchSnapshot>, KafkaError> {
    let mut batches = Vec::new();
    let mut offset = from_offset;
    // One segment's worth per read: a read never crosses a segment (Kafka's LocalLog.read).
    let max_bytes = usize::try_from(log.config().segment_bytes).unwrap_or(usize::MAX);
    for _ in 0..MAX_READS {
        if offset >= log_end_offset {
            break;
        }
        let read = log.read(offset, max_bytes).map_err(|e| KafkaError::new(e.error_code(), &e))?;
        let before = batches.len();
        let mut rest = read.bytes.as_slice();
        while !rest.is_empty() {
            let (batch, used) = RecordBatch::decode(rest).map_err(|e| KafkaError::new(e.error_code(), &e))?;
            offset = batch.last_offset().saturating_add(1);
            batches.push(describe(&batch, used));
            rest = rest.get(used..).unwrap_or_default();
        }
        if batches.len() == before {
            // The log said there is more but returned nothing: stop rather than spin.
            break;
        }
    }
    Ok(batches)
}

fn describe(batch: &RecordBatch, size_bytes: usize) -> BatchSnapshot {
    let records = batch
        .records
        .iter()
        .map(|r| RecordSnapshot {
            offset: batch.base_offset.saturating_add(i64::from(r.offset_delta)),
            timestamp_ms: batch.base_timestamp_ms.saturating_add(r.timestamp_delta_ms),
            key: r.key.as_deref().map(preview),
            value: r.value.as_deref().map(preview),
        })
        .collect();
    BatchSnapshot { base_offset: batch.base_offset, last_offset: batch.last_offset(), size_bytes, records }
}

/// Put each batch into the segment whose offset range holds its base offset.
fn place_batches(segments: &mut [SegmentSnapshot], batches: Vec<BatchSnapshot>) {
    for batch in batches {
        let home = segments.iter_mut().rev().find(|s| s.base_offset <= batch.base_offset);
        if let Some(segment) = home {
            segment.batches.push(batch);
        }
    }
}

fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut chars = text.chars();
    let mut shown: String = chars.by_ref().take(PREVIEW_CHARS).collect();
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

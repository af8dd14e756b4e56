//! Validation of a produced batch before it is appended, in the order Kafka checks
//! (`UnifiedLog.analyzeAndValidateRecords`, then `LogValidator`):
//!
//! 1. exactly one whole v2 batch with `baseOffset` 0 (the leader assigns offsets: "The baseOffset of
//!    the record batch in the append should be 0");
//! 2. size <= `max.message.bytes` (`MESSAGE_TOO_LARGE`);
//! 3. CRC (`CORRUPT_MESSAGE`);
//! 4. `LogValidator.validateBatch`: positive `recordCount` matching `lastOffsetDelta + 1`, no control
//!    batch from a client, idempotent batches carry a sequence (`INVALID_RECORD`);
//! 5. per record: contiguous offset deltas, and a key when the topic is compacted (`INVALID_RECORD`);
//! 6. with `CreateTime`, the header's max timestamp is recomputed from the records as Kafka does;
//! 7. size <= `segment.bytes` (`RECORD_LIST_TOO_LARGE`).

use alloc::vec::Vec;

use super::config::LogConfig;
use super::error::LogError;
use crate::record_batch::{BatchHeader, RecordBatch, TimestampType, MAGIC_V2};

/// A batch that passed validation, ready for offsets to be assigned.
pub(crate) struct ValidBatch {
    /// The batch's bytes, possibly re-encoded (step 6).
    pub bytes: Vec<u8>,
    /// The batch's header, as in `bytes`.
    pub header: BatchHeader,
}

/// Validates one produced batch against `config`.
pub(crate) fn validate_produced_batch(
    batch: &[u8],
    config: &LogConfig,
    origin: AppendOrigin,
) -> Result<ValidBatch, LogError> {
    let header = BatchHeader::parse(batch)?;
    if header.magic != MAGIC_V2 {
        return Err(LogError::UnsupportedMagic { magic: header.magic });
    }
    let batch_bytes = header.size_bytes() as u64;
    // `parse` has checked that the whole batch is there; anything after it is a second batch.
    let size_bytes = batch.len();
    if (size_bytes as u64) > batch_bytes {
        return Err(LogError::MoreThanOneBatch { batch_bytes, size_bytes });
    }
    if header.base_offset != 0 {
        return Err(LogError::NonZeroBaseOffset { base_offset: header.base_offset });
    }
    if batch_bytes > u64::from(config.max_message_bytes) {
        return Err(LogError::MessageTooLarge {
            size_bytes: batch_bytes,
            max_message_bytes: config.max_message_bytes,
        });
    }
    // Checks the CRC before anything inside the records is trusted.
    let (decoded, _) = RecordBatch::decode(batch)?;
    validate_batch_fields(&header, origin)?;
    validate_records(&decoded, config)?;

    let mut valid = ValidBatch { bytes: batch.to_vec(), header };
    if config.message_timestamp_type == TimestampType::CreateTime {
        valid = with_create_time_max_timestamp(valid, decoded)?;
    }
    let final_bytes = valid.bytes.len() as u64;
    if final_bytes > u64::from(config.segment_bytes) {
        return Err(LogError::RecordListTooLarge {
            size_bytes: final_bytes,
            segment_bytes: config.segment_bytes,
        });
    }
    Ok(valid)
}

/// Who writes a batch (Kafka's `AppendOrigin`): a client's batch gets every check; a coordinator's own
/// batches (transaction markers, transactional offset commits without sequences) skip the two that
/// only clients must obey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendOrigin {
    /// A producer.
    Client,
    /// A transaction or group coordinator on the broker.
    Coordinator,
}

/// Kafka's `LogValidator.validateBatch` for v2.
fn validate_batch_fields(header: &BatchHeader, origin: AppendOrigin) -> Result<(), LogError> {
    if header.record_count <= 0 {
        return Err(LogError::InvalidRecordCount { record_count: header.record_count });
    }
    if i64::from(header.last_offset_delta) + 1 != i64::from(header.record_count) {
        return Err(LogError::InconsistentOffsetRange {
            last_offset_delta: header.last_offset_delta,
            record_count: header.record_count,
        });
    }
    if origin == AppendOrigin::Coordinator {
        return Ok(());
    }
    if header.attributes.is_control {
        return Err(LogError::ControlBatchFromClient);
    }
    if header.producer_id >= 0 && header.base_sequence < 0 {
        return Err(LogError::InvalidSequence {
            producer_id: header.producer_id,
            base_sequence: header.base_sequence,
        });
    }
    Ok(())
}

/// Per-record checks: offsets contiguous from 0 (the log's offset arithmetic relies on it), and
/// `LogValidator.validateKey`: "Compacted topic cannot accept message without key".
fn validate_records(batch: &RecordBatch, config: &LogConfig) -> Result<(), LogError> {
    let compacted = config.cleanup_policy.compacts();
    for (index, record) in batch.records.iter().enumerate() {
        if usize::try_from(record.offset_delta).ok() != Some(index) {
            return Err(LogError::NonContiguousOffsets { index, offset_delta: record.offset_delta });
        }
        if compacted && record.key.is_none() {
            return Err(LogError::NullKeyInCompactedTopic { offset_delta: record.offset_delta });
        }
    }
    Ok(())
}

/// With `CreateTime`, Kafka sets the batch's max timestamp to the largest record timestamp and the
/// timestamp type to CreateTime (`LogValidator.assignOffsetsNonCompressed`), whatever the producer
/// wrote. A well-behaved producer's batch already agrees and is kept byte for byte; otherwise the
/// batch is re-encoded with the corrected header.
fn with_create_time_max_timestamp(
    valid: ValidBatch,
    mut decoded: RecordBatch,
) -> Result<ValidBatch, LogError> {
    let max_record_timestamp_ms = decoded
        .records
        .iter()
        .map(|record| decoded.base_timestamp_ms.wrapping_add(record.timestamp_delta_ms))
        .max()
        .unwrap_or(decoded.max_timestamp_ms);
    let header = &valid.header;
    if header.attributes.timestamp_type == TimestampType::CreateTime
        && header.max_timestamp_ms == max_record_timestamp_ms
    {
        return Ok(valid);
    }
    decoded.attributes.timestamp_type = TimestampType::CreateTime;
    decoded.max_timestamp_ms = max_record_timestamp_ms;
    let bytes = decoded.encode()?;
    let header = BatchHeader::parse(&bytes)?;
    Ok(ValidBatch { bytes, header })
}

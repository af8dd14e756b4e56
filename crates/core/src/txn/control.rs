//! Control records (Kafka's `ControlRecordType`, `EndTransactionMarker`): the COMMIT or ABORT marker a
//! transaction coordinator has a partition leader append for a producer. A marker is a batch of one
//! record with the control and transactional attributes set; its key is `version: int16 = 0, type:
//! int16` (0 = ABORT, 1 = COMMIT) and its value `version: int16 = 0, coordinator_epoch: int32`.

use alloc::vec;
use alloc::vec::Vec;

use crate::record_batch::{BatchAttributes, Compression, NewRecord, RecordBatch, NO_SEQUENCE};

/// The kind of a control record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlType {
    /// The transaction aborted: read_committed consumers skip its records.
    Abort,
    /// The transaction committed.
    Commit,
}

impl ControlType {
    /// `COMMIT` for `true`, `ABORT` for `false`.
    pub fn of(committed: bool) -> Self {
        if committed {
            ControlType::Commit
        } else {
            ControlType::Abort
        }
    }

    /// Kafka's name.
    pub fn name(self) -> &'static str {
        match self {
            ControlType::Abort => "ABORT",
            ControlType::Commit => "COMMIT",
        }
    }

    fn id(self) -> i16 {
        match self {
            ControlType::Abort => 0,
            ControlType::Commit => 1,
        }
    }
}

/// The marker batch for `producer_id`/`producer_epoch`, as the leader appends it (offsets are
/// assigned by the log).
pub fn marker_batch(
    producer_id: i64,
    producer_epoch: i16,
    control: ControlType,
    coordinator_epoch: i32,
    timestamp_ms: i64,
) -> RecordBatch {
    let mut key = Vec::with_capacity(4);
    key.extend_from_slice(&0_i16.to_be_bytes());
    key.extend_from_slice(&control.id().to_be_bytes());
    let mut value = Vec::with_capacity(6);
    value.extend_from_slice(&0_i16.to_be_bytes());
    value.extend_from_slice(&coordinator_epoch.to_be_bytes());
    let record = NewRecord { key: Some(key), value: Some(value), headers: vec![], timestamp_ms };
    // One record always makes a batch.
    let mut batch = RecordBatch::from_new_records(vec![record], Compression::None).unwrap_or_default();
    batch.attributes =
        BatchAttributes { is_control: true, is_transactional: true, ..BatchAttributes::default() };
    batch.producer_id = producer_id;
    batch.producer_epoch = producer_epoch;
    batch.base_sequence = NO_SEQUENCE;
    batch
}

/// The marker in a control batch, or `None` if `batch` is not a well-formed one.
pub fn control_type(batch: &RecordBatch) -> Option<ControlType> {
    if !batch.attributes.is_control {
        return None;
    }
    let key = batch.records.first()?.key.as_deref()?;
    let kind = i16::from_be_bytes([*key.get(2)?, *key.get(3)?]);
    match kind {
        0 => Some(ControlType::Abort),
        1 => Some(ControlType::Commit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_round_trips_through_the_wire_format() {
        for control in [ControlType::Abort, ControlType::Commit] {
            let batch = marker_batch(7, 3, control, 11, 1_000);
            let (decoded, _) = RecordBatch::decode(&batch.encode().unwrap()).unwrap();
            assert!(decoded.attributes.is_control && decoded.attributes.is_transactional);
            assert_eq!((decoded.producer_id, decoded.producer_epoch), (7, 3));
            assert_eq!(control_type(&decoded), Some(control));
            let value = decoded.records[0].value.as_deref().unwrap();
            assert_eq!(value, [0, 0, 0, 0, 0, 11]);
        }
    }

    #[test]
    fn a_data_batch_is_no_marker() {
        let batch = RecordBatch::from_new_records(vec![NewRecord::default()], Compression::None).unwrap();
        assert_eq!(control_type(&batch), None);
    }
}

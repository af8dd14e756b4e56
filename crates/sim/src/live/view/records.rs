//! Reading record ids out of a replica's log: decode the stored batches and each record's
//! `samsa.record-id` header (`samsa_core::client::record_id`).

use samsa_core::client::{record_id_of, RecordId};
use samsa_core::log::PartitionLog;
use samsa_core::record_batch::RecordBatch;

/// Bytes read per call when scanning a range (a few hundred of the workload's small batches).
const SCAN_CHUNK_BYTES: usize = 65_536;

/// What a log holds at one offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AtOffset {
    /// A record, with its id if it carries one.
    Record(Option<RecordId>),
    /// No record: the offset is at or past the log end, or compaction removed it.
    Nothing,
}

/// Calls `f(offset, record id)` for every record of `log` with `from <= offset < to`, in offset order.
/// A batch that does not decode ends the scan early (the checker reports corrupt logs; a view only
/// shows what it can read), and a record with a malformed id header counts as one without an id.
pub(crate) fn scan(
    log: &PartitionLog,
    from: i64,
    to: i64,
    chunk_bytes: usize,
    mut f: impl FnMut(i64, Option<RecordId>),
) {
    let end = to.min(log.log_end_offset());
    let mut offset = from.max(log.log_start_offset());
    while offset < end {
        let Ok(read) = log.read(offset, chunk_bytes) else { return };
        if read.batch_count == 0 {
            return; // compaction may leave nothing after `offset`
        }
        let mut bytes = read.bytes.as_slice();
        let mut next_offset = offset;
        while !bytes.is_empty() {
            let Ok((batch, used_bytes)) = RecordBatch::decode(bytes) else { return };
            bytes = bytes.get(used_bytes..).unwrap_or_default();
            for record in &batch.records {
                let record_offset = batch.offset(record);
                if record_offset >= from && record_offset < to {
                    f(record_offset, record_id_of(record).ok().flatten());
                }
            }
            next_offset =
                batch.base_offset.saturating_add(i64::from(batch.last_offset_delta)).saturating_add(1);
            if next_offset >= end {
                return;
            }
        }
        if next_offset <= offset {
            return; // no progress: never loop on a log that answers the same batch again
        }
        offset = next_offset;
    }
}

/// Every record of `log` in `from..to`, in offset order.
pub(crate) fn records_in(log: &PartitionLog, from: i64, to: i64) -> Vec<(i64, Option<RecordId>)> {
    let mut records = Vec::new();
    scan(log, from, to, SCAN_CHUNK_BYTES, |offset, id| records.push((offset, id)));
    records
}

/// What `log` holds at `offset` (one batch read and decoded).
pub(crate) fn at_offset(log: &PartitionLog, offset: i64) -> AtOffset {
    let mut found = AtOffset::Nothing;
    // One byte asks for exactly one batch: a read always returns at least one (KIP-74).
    scan(log, offset, offset.saturating_add(1), 1, |_, id| found = AtOffset::Record(id));
    found
}

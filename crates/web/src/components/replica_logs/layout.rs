//! Lays one partition's replica logs out on a shared offset axis, so the same offset sits in the same
//! column on every replica: a follower that lags shows empty cells on the right, a truncated replica
//! shows a gap, and a record that differs from the leader's at the same offset is flagged.
//!
//! Pure layout: the flags (committed, divergent) compare what the view reports; no Kafka rule is
//! decided here.

use samsa_sim::live::protocol::{PartitionLogView, ReplicaLogView, MAX_VIEW_OFFSETS};

/// Most offset columns drawn: the view carries at most [`MAX_VIEW_OFFSETS`] offsets per replica, plus
/// one column for the log end offset (where the next record goes).
pub const MAX_COLUMNS: usize = MAX_VIEW_OFFSETS + 1;

/// One record present in a replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordCell {
    /// The workload's record id, if the record carries one.
    pub record_id: Option<u64>,
    /// The leader epoch of the batch that holds it.
    pub leader_epoch: i32,
    /// First offset of its batch.
    pub batch_base_offset: i64,
    /// Last offset of its batch.
    pub batch_last_offset: i64,
    /// Below this replica's high watermark.
    pub committed: bool,
    /// The leader holds a different record at this offset.
    pub divergent: bool,
    /// A transaction marker (control record, KIP-98): `Some(true)` COMMIT, `Some(false)` ABORT.
    pub marker: Option<bool>,
    /// Written inside a transaction.
    pub transactional: bool,
    /// Its transaction aborted: `read_committed` consumers skip it.
    pub aborted: bool,
}

/// One column of one replica's row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The offset of the column.
    pub offset: i64,
    /// The record there, if this replica has one.
    pub record: Option<RecordCell>,
    /// A segment of this replica starts here.
    pub segment_start: bool,
    /// This replica's log start offset is here.
    pub is_log_start: bool,
    /// This replica's high watermark is here.
    pub is_high_watermark: bool,
    /// This replica's last stable offset is here, below its high watermark (an open transaction holds
    /// it back; when the two are equal only the high watermark is marked).
    pub is_last_stable: bool,
    /// This replica's log end offset is here.
    pub is_log_end: bool,
}

/// The columns every row shares: offsets `first_offset .. first_offset + columns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The offset of the first column.
    pub first_offset: i64,
    /// How many columns (at most [`MAX_COLUMNS`]).
    pub columns: usize,
}

impl Window {
    /// The column of `offset`, if it is inside the window.
    pub fn column(&self, offset: i64) -> Option<usize> {
        let index = usize::try_from(offset.checked_sub(self.first_offset)?).ok()?;
        (index < self.columns).then_some(index)
    }

    /// The offsets of the columns, left to right.
    pub fn offsets(&self) -> impl Iterator<Item = i64> {
        let first = self.first_offset;
        (0..self.columns).map(move |i| first.saturating_add(i as i64))
    }
}

/// The window covering every replica's newest records and its log end offset, at most
/// [`MAX_COLUMNS`] wide and ending at the furthest log end offset (the newest records matter most:
/// that is where replicas diverge and truncate). `None` when there are no replicas.
pub fn window(log: &PartitionLogView) -> Option<Window> {
    let end_inclusive = log.replicas.iter().map(furthest_offset).max()?;
    let oldest = log.replicas.iter().map(oldest_offset).min()?;
    let widest_first = end_inclusive.saturating_sub(MAX_COLUMNS as i64 - 1);
    let first_offset = oldest.max(widest_first).min(end_inclusive);
    let columns = usize::try_from(end_inclusive - first_offset + 1).unwrap_or(1).min(MAX_COLUMNS);
    Some(Window { first_offset, columns })
}

/// The furthest offset a replica's row must show: its log end offset (the empty slot for the next
/// record), or its last record if the view is inconsistent.
fn furthest_offset(replica: &ReplicaLogView) -> i64 {
    let last_record = replica.batches.last().map_or(i64::MIN, |b| b.last_offset.saturating_add(1));
    replica.log_end_offset.max(last_record).max(0)
}

/// The oldest offset a replica's row holds: its first carried batch, else its log end offset.
fn oldest_offset(replica: &ReplicaLogView) -> i64 {
    replica.batches.first().map_or(replica.log_end_offset, |b| b.base_offset).max(0)
}

/// The record ids of a replica's records by column (`None`: no record there; `Some(None)`: a record
/// without an id).
fn ids_by_column(replica: &ReplicaLogView, window: &Window) -> Vec<Option<Option<u64>>> {
    let mut ids = vec![None; window.columns];
    for batch in &replica.batches {
        for (i, id) in batch.record_ids.iter().enumerate() {
            let offset = batch.base_offset.saturating_add(i as i64);
            if offset > batch.last_offset {
                break;
            }
            if let Some(column) = window.column(offset) {
                ids[column] = Some(*id);
            }
        }
    }
    ids
}

/// One replica's row of cells across the window. `leader_ids` is the leader's
/// [`ids_by_column`] (or `None` when the partition has no leader in the view): a record whose id
/// differs from the leader's at the same offset is divergent.
fn row(replica: &ReplicaLogView, window: &Window, leader_ids: Option<&[Option<Option<u64>>]>) -> Vec<Cell> {
    let mut cells: Vec<Cell> = window
        .offsets()
        .map(|offset| Cell {
            offset,
            record: None,
            segment_start: replica.segment_base_offsets.contains(&offset),
            is_log_start: offset == replica.log_start_offset,
            is_high_watermark: offset == replica.high_watermark,
            is_last_stable: offset == replica.last_stable_offset
                && replica.last_stable_offset < replica.high_watermark,
            is_log_end: offset == replica.log_end_offset,
        })
        .collect();
    for batch in &replica.batches {
        for (i, id) in batch.record_ids.iter().enumerate() {
            let offset = batch.base_offset.saturating_add(i as i64);
            if offset > batch.last_offset {
                break;
            }
            let Some(column) = window.column(offset) else { continue };
            let leader_id = leader_ids.and_then(|ids| ids.get(column).copied().flatten());
            cells[column].record = Some(RecordCell {
                record_id: *id,
                leader_epoch: batch.leader_epoch,
                batch_base_offset: batch.base_offset,
                batch_last_offset: batch.last_offset,
                committed: offset < replica.high_watermark,
                divergent: leader_id.is_some_and(|leader| leader != *id),
                marker: batch.marker.as_deref().map(|m| m == "COMMIT"),
                transactional: batch.transactional,
                aborted: batch.aborted,
            });
        }
    }
    cells
}

/// Every replica's row (in the view's order) across the shared window.
pub fn rows(log: &PartitionLogView) -> Option<(Window, Vec<Vec<Cell>>)> {
    let window = window(log)?;
    let leader_ids = log.replicas.iter().find(|r| r.is_leader).map(|r| ids_by_column(r, &window));
    let rows = log.replicas.iter().map(|r| row(r, &window, leader_ids.as_deref())).collect();
    Some((window, rows))
}

#[cfg(test)]
mod tests {
    use samsa_sim::live::protocol::{BatchView, NodeState, PartitionRef};

    use super::*;

    fn batch(base_offset: i64, leader_epoch: i32, ids: &[u64]) -> BatchView {
        BatchView {
            base_offset,
            last_offset: base_offset + ids.len() as i64 - 1,
            leader_epoch,
            size_bytes: 100,
            record_ids: ids.iter().map(|id| Some(*id)).collect(),
            marker: None,
            transactional: false,
            aborted: false,
        }
    }

    fn replica(broker: i32, is_leader: bool, high_watermark: i64, batches: Vec<BatchView>) -> ReplicaLogView {
        let log_end_offset = batches.last().map_or(0, |b| b.last_offset + 1);
        ReplicaLogView {
            broker,
            state: NodeState::Up,
            is_leader,
            in_isr: true,
            leader_epoch: 1,
            log_start_offset: batches.first().map_or(0, |b| b.base_offset),
            high_watermark,
            last_stable_offset: high_watermark,
            log_end_offset,
            segment_base_offsets: vec![0],
            batches,
        }
    }

    fn log(replicas: Vec<ReplicaLogView>) -> PartitionLogView {
        PartitionLogView { partition: PartitionRef { topic: "orders".into(), partition: 0 }, replicas }
    }

    #[test]
    fn the_same_offset_sits_in_the_same_column_on_every_replica() {
        let leader = replica(1, true, 3, vec![batch(0, 1, &[10, 11]), batch(2, 1, &[12, 13])]);
        let follower = replica(2, false, 3, vec![batch(0, 1, &[10, 11])]);
        let (window, rows) = rows(&log(vec![leader, follower])).unwrap();
        assert_eq!(window, Window { first_offset: 0, columns: 5 }, "offsets 0..=4 (4 is the leader's LEO)");
        assert_eq!(rows[0][3].record.unwrap().record_id, Some(13));
        assert!(rows[1][2].record.is_none(), "the follower has not fetched offset 2 yet");
        assert!(rows[1][2].is_log_end && rows[0][4].is_log_end);
        assert!(rows[0][3].is_high_watermark);
        assert!(rows[0][2].record.unwrap().committed && !rows[0][3].record.unwrap().committed);
        assert_eq!(rows[0][2].record.unwrap().batch_base_offset, 2);
    }

    #[test]
    fn a_record_that_differs_from_the_leaders_is_divergent() {
        // Broker 2 led epoch 1 and wrote offset 1 (id 99) that nobody fetched; broker 1 now leads
        // epoch 2 and wrote id 20 at offset 1 (KIP-101: broker 2 will truncate to the epoch's end).
        let leader = replica(1, true, 2, vec![batch(0, 1, &[10]), batch(1, 2, &[20])]);
        let stale = replica(2, false, 1, vec![batch(0, 1, &[10]), batch(1, 1, &[99])]);
        let (_, rows) = rows(&log(vec![leader, stale])).unwrap();
        assert!(!rows[1][0].record.unwrap().divergent, "offset 0 matches");
        assert!(rows[1][1].record.unwrap().divergent, "offset 1 differs");
        assert!(!rows[0][1].record.unwrap().divergent, "the leader never diverges from itself");
    }

    #[test]
    fn without_a_leader_nothing_is_flagged() {
        let a = replica(1, false, 1, vec![batch(0, 1, &[10])]);
        let b = replica(2, false, 1, vec![batch(0, 1, &[11])]);
        let (_, rows) = rows(&log(vec![a, b])).unwrap();
        assert!(rows.iter().flatten().all(|c| c.record.is_none_or(|r| !r.divergent)));
    }

    #[test]
    fn the_window_keeps_the_newest_offsets_when_a_replica_lags_far_behind() {
        let ids: Vec<u64> = (0..64).collect();
        let leader = replica(1, true, 1000, vec![batch(936, 3, &ids)]);
        let crashed = replica(2, false, 5, vec![batch(0, 1, &[1, 2, 3, 4, 5])]);
        let (window, rows) = rows(&log(vec![leader, crashed])).unwrap();
        assert_eq!(window.columns, MAX_COLUMNS);
        assert_eq!(window.first_offset, 1000 - MAX_COLUMNS as i64 + 1);
        assert_eq!(window.offsets().last(), Some(1000), "the leader's log end offset is the last column");
        assert!(
            rows[1].iter().all(|c| c.record.is_none()),
            "the lagging replica's records are left of the window"
        );
    }

    #[test]
    fn markers_and_segments_land_on_their_offsets() {
        let mut r = replica(1, true, 2, vec![batch(5, 1, &[1, 2]), batch(7, 1, &[3])]);
        r.log_start_offset = 5;
        r.segment_base_offsets = vec![5, 7];
        let (window, rows) = rows(&log(vec![r])).unwrap();
        assert_eq!(window.first_offset, 5);
        let starts: Vec<i64> = rows[0].iter().filter(|c| c.segment_start).map(|c| c.offset).collect();
        assert_eq!(starts, [5, 7]);
        assert!(rows[0][0].is_log_start);
        assert!(rows[0][3].is_log_end && rows[0][3].record.is_none());
    }

    #[test]
    fn an_empty_partition_has_one_column_for_the_next_record() {
        let (window, rows) = rows(&log(vec![replica(1, true, 0, vec![])])).unwrap();
        assert_eq!(window, Window { first_offset: 0, columns: 1 });
        assert!(rows[0][0].is_log_end);
        assert!(super::rows(&log(vec![])).is_none());
    }
}

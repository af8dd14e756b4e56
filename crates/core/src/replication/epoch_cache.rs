//! Kafka's `LeaderEpochFileCache` (the `leader-epoch-checkpoint` file): for each leader epoch, the first
//! offset written in it. Followers use it to find where their log diverges from the leader's (KIP-101),
//! including across several leader changes (KIP-279).

use alloc::vec::Vec;

/// Kafka's `UNDEFINED_EPOCH`.
pub const UNDEFINED_EPOCH: i32 = -1;
/// Kafka's `UNDEFINED_EPOCH_OFFSET`.
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

/// One entry: leader epoch `epoch` began at `start_offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochEntry {
    /// The leader epoch.
    pub epoch: i32,
    /// First offset written in that epoch.
    pub start_offset: i64,
}

/// Leader epochs and their start offsets, both strictly ascending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    /// An empty cache.
    pub fn new() -> Self {
        LeaderEpochCache { entries: Vec::new() }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    /// The latest epoch, or [`UNDEFINED_EPOCH`] when empty.
    pub fn latest_epoch(&self) -> i32 {
        self.entries.last().map_or(UNDEFINED_EPOCH, |entry| entry.epoch)
    }

    /// Start offset of the latest epoch, if any.
    pub fn latest_start_offset(&self) -> Option<i64> {
        self.entries.last().map(|entry| entry.start_offset)
    }

    /// Records that `epoch` starts at `start_offset` (Kafka's `assign`). Ignored when it is the latest
    /// epoch already starting at or before that offset; otherwise every entry with an epoch ≥ `epoch`
    /// or a start offset ≥ `start_offset` is dropped first, so both columns stay ascending. Returns
    /// whether the cache changed. Negative values are ignored (a batch without an epoch).
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> bool {
        if epoch < 0 || start_offset < 0 {
            return false;
        }
        if let Some(latest) = self.entries.last() {
            if latest.epoch == epoch && latest.start_offset <= start_offset {
                return false;
            }
        }
        while let Some(last) = self.entries.last() {
            if last.epoch >= epoch || last.start_offset >= start_offset {
                self.entries.pop();
            } else {
                break;
            }
        }
        self.entries.push(EpochEntry { epoch, start_offset });
        self.debug_check();
        true
    }

    /// KIP-279's `OffsetsForLeaderEpoch` answer: the largest epoch ≤ `requested_epoch` and the offset
    /// where it ends — the start of the next epoch, or `log_end_offset` for the latest. For an epoch
    /// older than every entry, Kafka answers the requested epoch with the first entry's start offset
    /// (the follower must drop everything from there); for an unknown or newer-than-all epoch, or an
    /// empty cache, `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)`.
    pub fn end_offset_for(&self, requested_epoch: i32, log_end_offset: i64) -> (i32, i64) {
        if requested_epoch == UNDEFINED_EPOCH {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        }
        if self.latest_epoch() == requested_epoch {
            return (requested_epoch, log_end_offset);
        }
        let higher = self.entries.partition_point(|entry| entry.epoch <= requested_epoch);
        let Some(next) = self.entries.get(higher) else {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        };
        match higher.checked_sub(1).map(|floor| self.entries[floor]) {
            Some(floor) => (floor.epoch, next.start_offset),
            None => (requested_epoch, next.start_offset),
        }
    }

    /// Drops entries starting at or after `end_offset` (the log was truncated to it).
    pub fn truncate_from_end(&mut self, end_offset: i64) {
        while self.entries.last().is_some_and(|entry| entry.start_offset >= end_offset) {
            self.entries.pop();
        }
    }

    /// Drops entries wholly below `start_offset` (retention moved the log start); the last of them is
    /// kept, moved up to `start_offset`, because its epoch still covers the first remaining records.
    pub fn truncate_from_start(&mut self, start_offset: i64) {
        let below = self.entries.partition_point(|entry| entry.start_offset <= start_offset);
        if below == 0 {
            return;
        }
        let mut kept = self.entries[below - 1];
        kept.start_offset = start_offset;
        self.entries.drain(..below);
        self.entries.insert(0, kept);
        self.debug_check();
    }

    /// Checks that epochs and start offsets are strictly ascending.
    pub fn check(&self) -> Result<(), (EpochEntry, EpochEntry)> {
        for pair in self.entries.windows(2) {
            if pair[0].epoch >= pair[1].epoch || pair[0].start_offset >= pair[1].start_offset {
                return Err((pair[0], pair[1]));
            }
        }
        Ok(())
    }

    fn debug_check(&self) {
        debug_assert!(self.check().is_ok(), "epoch cache out of order: {:?}", self.entries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: &[(i32, i64)]) -> LeaderEpochCache {
        let mut cache = LeaderEpochCache::new();
        for &(epoch, start_offset) in entries {
            assert!(cache.assign(epoch, start_offset));
        }
        cache
    }

    fn pairs(cache: &LeaderEpochCache) -> Vec<(i32, i64)> {
        cache.entries().iter().map(|e| (e.epoch, e.start_offset)).collect()
    }

    #[test]
    fn end_offset_is_the_next_epochs_start_or_the_log_end() {
        let cache = cache(&[(1, 0), (3, 10), (4, 15)]);
        assert_eq!(cache.end_offset_for(4, 20), (4, 20));
        assert_eq!(cache.end_offset_for(3, 20), (3, 15));
        // KIP-279: epoch 2 never had a leader here; the largest epoch below it is 1, which ends at 10.
        assert_eq!(cache.end_offset_for(2, 20), (1, 10));
        assert_eq!(cache.end_offset_for(1, 20), (1, 10));
        assert_eq!(cache.end_offset_for(0, 20), (0, 0));
        assert_eq!(cache.end_offset_for(5, 20), (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET));
        assert_eq!(cache.end_offset_for(UNDEFINED_EPOCH, 20), (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET));
        assert_eq!(LeaderEpochCache::new().end_offset_for(1, 0), (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET));
    }

    #[test]
    fn assign_keeps_both_columns_ascending() {
        let mut cache = cache(&[(1, 0), (2, 5)]);
        assert!(!cache.assign(2, 7), "same epoch, later offset: no change");
        assert!(cache.assign(2, 4), "same epoch, earlier offset replaces");
        assert_eq!(pairs(&cache), [(1, 0), (2, 4)]);
        assert!(cache.assign(3, 4), "a new epoch at the same offset drops the empty one");
        assert_eq!(pairs(&cache), [(1, 0), (3, 4)]);
        assert!(!cache.assign(-1, 9));
        assert_eq!(cache.latest_epoch(), 3);
    }

    #[test]
    fn truncation_from_both_ends() {
        let mut cache = cache(&[(1, 0), (3, 10), (4, 15)]);
        cache.truncate_from_end(15);
        assert_eq!(pairs(&cache), [(1, 0), (3, 10)]);
        cache.truncate_from_start(12);
        assert_eq!(pairs(&cache), [(3, 12)]);
        cache.truncate_from_start(5);
        assert_eq!(pairs(&cache), [(3, 12)]);
        cache.truncate_from_end(0);
        assert_eq!(cache.latest_epoch(), UNDEFINED_EPOCH);
    }
}

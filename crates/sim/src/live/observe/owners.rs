//! Which producer sent each record, for the live reorder count: the workload numbers records run-wide
//! in send order, so the ids one client sends in a row form a run, and the map keeps one entry per run
//! (one entry in all for a scenario with one producer).

use samsa_core::client::RecordId;

/// Record id → the client that sent it, as runs of consecutive ids.
#[derive(Clone, Debug, Default)]
pub(crate) struct RecordOwners {
    /// First id of each run and its client, in id order (a sorted `Vec`: runs only grow at the end,
    /// and it costs the page's wasm less than another `BTreeMap` instance).
    runs: Vec<(RecordId, u32)>,
    /// The last id with a known owner (runs only grow at the end).
    last: Option<RecordId>,
    /// Most runs kept; past it later records have no known owner (and are not judged).
    max_runs: usize,
    /// The limit was reached.
    full: bool,
}

impl RecordOwners {
    /// An empty map keeping at most `max_runs` runs.
    pub(crate) fn new(max_runs: usize) -> Self {
        RecordOwners { runs: Vec::new(), last: None, max_runs, full: false }
    }

    /// `client` sent `record_id` (ids arrive in increasing order; an older id is ignored).
    pub(crate) fn sent(&mut self, record_id: RecordId, client: u32) {
        if self.full || self.last.is_some_and(|last| record_id <= last) {
            return;
        }
        let same_run = self.runs.last().is_some_and(|&(_, owner)| owner == client);
        if !same_run {
            if self.runs.len() >= self.max_runs {
                self.full = true;
                return;
            }
            self.runs.push((record_id, client));
        }
        self.last = Some(record_id);
    }

    /// The client that sent `record_id`, if known.
    pub(crate) fn owner(&self, record_id: RecordId) -> Option<u32> {
        if self.last.is_none_or(|last| record_id > last) {
            return None;
        }
        // The run holding `record_id` is the last one starting at or before it.
        let after = self.runs.partition_point(|&(first, _)| first <= record_id);
        after.checked_sub(1).and_then(|run| self.runs.get(run)).map(|&(_, client)| client)
    }
}

#[cfg(test)]
mod tests {
    use super::RecordOwners;

    #[test]
    fn runs_of_one_client_take_one_entry_and_lookups_find_the_sender() {
        let mut owners = RecordOwners::new(3);
        for id in 0..5 {
            owners.sent(id, 1);
        }
        owners.sent(5, 2);
        owners.sent(6, 1);
        assert_eq!(owners.runs.len(), 3);
        assert_eq!(
            (owners.owner(0), owners.owner(4), owners.owner(5), owners.owner(6)),
            (Some(1), Some(1), Some(2), Some(1))
        );
        assert_eq!(owners.owner(7), None, "not sent yet");
        owners.sent(3, 2);
        assert_eq!(owners.owner(3), Some(1), "an old id does not rewrite history");
        owners.sent(7, 2);
        assert_eq!(owners.owner(6), Some(1));
        assert_eq!(owners.owner(7), None, "past the limit nothing is known");
        owners.sent(8, 1);
        assert_eq!(owners.owner(8), None);
    }
}

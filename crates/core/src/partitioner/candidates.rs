//! The partitions a keyless record may be sent to: every partition of the topic, or only the available
//! ones (those with a leader), as Kafka's `Cluster.availablePartitionsForTopic` lists them.

use super::PartitionerError;

/// Where a keyless record may go. Built only through [`Candidates::new`], which checks the list, so
/// `len() >= 1` and every entry is a real partition.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Candidates<'a> {
    /// Partitions `0..n`, `n >= 1`.
    All(u32),
    /// A non-empty, strictly ascending list of partitions, each `< num_partitions`.
    Available(&'a [u32]),
}

impl<'a> Candidates<'a> {
    /// Checks `num_partitions` and the caller's availability list.
    ///
    /// An empty list means "no partition is available": Kafka then falls back to all partitions (the
    /// record waits in the accumulator for a leader) rather than failing, and so do we.
    pub(crate) fn new(num_partitions: u32, available: Option<&'a [u32]>) -> Result<Self, PartitionerError> {
        if num_partitions == 0 {
            return Err(PartitionerError::NoPartitions);
        }
        let list = match available {
            Some(list) if !list.is_empty() => list,
            _ => return Ok(Candidates::All(num_partitions)),
        };
        let mut previous: Option<u32> = None;
        for &partition in list {
            if partition >= num_partitions {
                return Err(PartitionerError::AvailablePartitionOutOfRange { partition, num_partitions });
            }
            // Ascending without repeats: a repeated partition would silently get a double share of the
            // keyless records, and checking order is O(n) without allocating.
            if let Some(previous) = previous.filter(|&p| p >= partition) {
                return Err(PartitionerError::AvailablePartitionsNotAscending { previous, partition });
            }
            previous = Some(partition);
        }
        Ok(Candidates::Available(list))
    }

    /// How many partitions there are to choose from (at least 1).
    pub(crate) fn len(&self) -> u32 {
        match *self {
            Candidates::All(n) => n,
            // Strictly ascending entries below a `u32` bound: at most `u32::MAX` of them.
            Candidates::Available(list) => list.len() as u32,
        }
    }

    /// The partition at `index % len()`; the remainder keeps every index in range.
    pub(crate) fn at(&self, index: u32) -> u32 {
        let index = index % self.len();
        match *self {
            Candidates::All(_) => index,
            Candidates::Available(list) => list[index as usize],
        }
    }

    /// The `index`-th candidate when `skip` is left out, or `None` when `skip` is the only candidate.
    ///
    /// KIP-480 moves to a *different* partition when a batch is sent; leaving the old one out and
    /// indexing the rest draws uniformly among the others with one random number, where Kafka's
    /// `StickyPartitionCache` re-draws until it differs (same distribution, unbounded draws).
    pub(crate) fn other_than(&self, skip: u32, index: u32) -> Option<u32> {
        let skip_is_candidate = match *self {
            Candidates::All(n) => skip < n,
            Candidates::Available(list) => list.binary_search(&skip).is_ok(),
        };
        if !skip_is_candidate {
            return Some(self.at(index));
        }
        let others = self.len() - 1;
        if others == 0 {
            return None;
        }
        let index = index % others;
        // Position of `skip` among the candidates; indexes at or past it shift up by one.
        let skip_position = match *self {
            Candidates::All(_) => skip,
            Candidates::Available(list) => list.partition_point(|&p| p < skip) as u32,
        };
        let position = if index >= skip_position { index + 1 } else { index };
        Some(self.at(position))
    }
}

#[cfg(test)]
mod tests {
    use super::{Candidates, PartitionerError};

    #[test]
    fn rejects_bad_lists_by_name() {
        assert_eq!(Candidates::new(0, None).err(), Some(PartitionerError::NoPartitions));
        assert_eq!(
            Candidates::new(3, Some(&[0, 3])).err(),
            Some(PartitionerError::AvailablePartitionOutOfRange { partition: 3, num_partitions: 3 })
        );
        assert_eq!(
            Candidates::new(5, Some(&[1, 4, 2])).err(),
            Some(PartitionerError::AvailablePartitionsNotAscending { previous: 4, partition: 2 })
        );
        assert_eq!(
            Candidates::new(5, Some(&[1, 1])).err(),
            Some(PartitionerError::AvailablePartitionsNotAscending { previous: 1, partition: 1 })
        );
    }

    #[test]
    fn empty_available_list_falls_back_to_all() {
        let c = Candidates::new(4, Some(&[])).unwrap();
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn other_than_skips_exactly_the_old_partition() {
        let all = Candidates::new(4, None).unwrap();
        let picks: [Option<u32>; 3] = [all.other_than(1, 0), all.other_than(1, 1), all.other_than(1, 2)];
        assert_eq!(picks, [Some(0), Some(2), Some(3)]);

        let list = [1, 4, 6];
        let avail = Candidates::new(8, Some(&list)).unwrap();
        assert_eq!([avail.other_than(4, 0), avail.other_than(4, 1)], [Some(1), Some(6)]);
        // A skip that is not a candidate excludes nothing.
        assert_eq!([avail.other_than(5, 0), avail.other_than(5, 2)], [Some(1), Some(6)]);

        let single = Candidates::new(1, None).unwrap();
        assert_eq!(single.other_than(0, 7), None);
    }
}

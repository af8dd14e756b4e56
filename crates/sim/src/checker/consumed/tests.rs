//! The paged reads of a partition keep the order of the `BTreeMap<(offset, record id), _>` they replace:
//! reports list consumed-but-not-committed records in that order.

use std::collections::BTreeMap;

use super::{FirstRead, PagedVec, PartitionReads, RecordId};
use crate::checker::report::At;

fn read(step: u64) -> FirstRead {
    FirstRead { client: 1, at: At { step, t_ms: step } }
}

fn reads(dense_len: u64) -> PartitionReads {
    PartitionReads { by_offset: PagedVec::new(dense_len), negative: BTreeMap::new() }
}

#[test]
fn several_records_at_one_offset_iterate_by_record_id() {
    let mut partition = reads(100);
    partition.insert(4, Some(9), read(1));
    partition.insert(4, Some(2), read(2));
    partition.insert(4, None, read(3));
    partition.insert(-1, Some(1), read(4));
    partition.insert(0, Some(5), read(5));
    let order: Vec<(i64, Option<RecordId>, u64)> =
        partition.iter().map(|(offset, record_id, first)| (offset, record_id, first.at.step)).collect();
    assert_eq!(
        order,
        vec![(-1, Some(1), 4), (0, Some(5), 5), (4, None, 3), (4, Some(2), 2), (4, Some(9), 1)]
    );
    assert!(partition.contains(4, Some(2)) && partition.contains(-1, Some(1)));
    assert!(!partition.contains(4, Some(3)) && !partition.contains(1, Some(5)));
}

/// The model test: proptest is a native-only dev-dependency (the wasm test run has none).
#[cfg(not(target_arch = "wasm32"))]
mod model {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::{read, reads, RecordId};

    proptest! {
        #[test]
        fn partition_reads_iterate_like_a_btree_map(
            dense_len in 0..8u64,
            inserts in proptest::collection::vec((-3..12i64, proptest::option::of(0..6u64)), 0..60),
        ) {
            let mut partition = reads(dense_len);
            let mut model: BTreeMap<(i64, Option<RecordId>), u64> = BTreeMap::new();
            for (step, (offset, record_id)) in inserts.into_iter().enumerate() {
                let step = step as u64;
                prop_assert_eq!(partition.contains(offset, record_id), model.contains_key(&(offset, record_id)));
                // The ledger adds only reads it has not seen (the first read wins).
                if let std::collections::btree_map::Entry::Vacant(slot) = model.entry((offset, record_id)) {
                    partition.insert(offset, record_id, read(step));
                    slot.insert(step);
                }
            }
            let actual: Vec<(i64, Option<RecordId>, u64)> =
                partition.iter().map(|(offset, record_id, first)| (offset, record_id, first.at.step)).collect();
            let expected: Vec<(i64, Option<RecordId>, u64)> =
                model.into_iter().map(|((offset, record_id), step)| (offset, record_id, step)).collect();
            prop_assert_eq!(actual, expected);
        }
    }
}

//! `PagedVec` against a `BTreeMap` model: the same entries, the same order, and clones that do not see
//! each other's writes.

use super::{PagedVec, MAX_DENSE_LEN, PAGE_LEN};

/// The map's entries as (index, value) pairs, in its iteration order.
fn entries(map: &PagedVec<u32>) -> Vec<(u64, u32)> {
    map.iter().map(|(index, &value)| (index, value)).collect()
}

#[test]
fn an_empty_map_has_nothing() {
    let map: PagedVec<u32> = PagedVec::new(4 * PAGE_LEN as u64);
    assert_eq!((map.len(), map.get(0), map.contains(7)), (0, None, false));
    assert!(entries(&map).is_empty());
}

#[test]
fn insert_returns_the_replaced_entry_and_counts_each_index_once() {
    let mut map = PagedVec::new(4 * PAGE_LEN as u64);
    assert_eq!(map.insert(3, 30), None);
    assert_eq!(map.insert(3, 31), Some(30));
    assert_eq!(map.insert(PAGE_LEN as u64, 40), None);
    assert_eq!((map.len(), map.get(3), map.get(PAGE_LEN as u64)), (2, Some(&31), Some(&40)));
    assert_eq!(map.get(4), None);
}

#[test]
fn indices_at_and_past_the_dense_length_go_to_the_overflow_and_iterate_last() {
    let dense_len = 2 * PAGE_LEN as u64;
    let mut map = PagedVec::new(dense_len);
    map.insert(u64::MAX, 1);
    map.insert(dense_len, 2);
    map.insert(dense_len - 1, 3);
    map.insert(0, 4);
    // A huge index leaves the page table at the pages below it.
    assert_eq!(map.pages.len(), 2);
    assert_eq!(entries(&map), vec![(0, 4), (dense_len - 1, 3), (dense_len, 2), (u64::MAX, 1)]);
    assert_eq!((map.get(u64::MAX), map.len()), (Some(&1), 4));
}

#[test]
fn the_dense_length_is_capped_so_the_page_table_stays_bounded() {
    let mut map = PagedVec::new(u64::MAX);
    assert_eq!(map.dense_len, MAX_DENSE_LEN);
    map.insert(MAX_DENSE_LEN, 1);
    assert!(map.pages.is_empty());
    map.insert(MAX_DENSE_LEN - 1, 2);
    assert_eq!(map.pages.len() as u64, MAX_DENSE_LEN / PAGE_LEN as u64);
}

#[test]
fn a_clone_shares_pages_until_one_side_writes() {
    let mut original = PagedVec::new(4 * PAGE_LEN as u64);
    original.insert(1, 10);
    original.insert(PAGE_LEN as u64 + 1, 20);
    let mut copy = original.clone();
    let shared = |a: &PagedVec<u32>, b: &PagedVec<u32>, page: usize| match (&a.pages[page], &b.pages[page]) {
        (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
        _ => false,
    };
    assert!(shared(&original, &copy, 0) && shared(&original, &copy, 1));
    copy.insert(2, 11);
    *copy.get_mut(1).expect("index 1 was inserted") += 5;
    // Only the page written was copied; the original still sees its own values.
    assert!(!shared(&original, &copy, 0) && shared(&original, &copy, 1));
    assert_eq!(entries(&original), vec![(1, 10), (PAGE_LEN as u64 + 1, 20)]);
    assert_eq!(entries(&copy), vec![(1, 15), (2, 11), (PAGE_LEN as u64 + 1, 20)]);
}

/// The model test: proptest is a native-only dev-dependency (the wasm test run has none).
#[cfg(not(target_arch = "wasm32"))]
mod model {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::{entries, PagedVec, PAGE_LEN};

    /// One step of the model test.
    #[derive(Clone, Debug)]
    enum Op {
        Insert(u64, u32),
        AddTo(u64, u32),
        /// Snapshot the map (and the model); later writes to the map must not reach the snapshot.
        Fork,
    }

    /// Indices around the page boundaries and the dense length, plus a few far beyond it.
    fn index() -> impl Strategy<Value = u64> {
        let page = PAGE_LEN as u64;
        prop_oneof![
            0..3 * page,
            (0..4u64).prop_map(move |p| p * page),
            (1..4u64).prop_map(move |p| p * page - 1),
            any::<u64>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (index(), any::<u32>()).prop_map(|(i, v)| Op::Insert(i, v)),
            2 => (index(), any::<u32>()).prop_map(|(i, v)| Op::AddTo(i, v)),
            1 => Just(Op::Fork),
        ]
    }

    proptest! {
        #[test]
        fn paged_vec_behaves_like_a_btree_map(
            dense_pages in 0..4u64,
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let mut map = PagedVec::new(dense_pages * PAGE_LEN as u64);
            let mut model: BTreeMap<u64, u32> = BTreeMap::new();
            let mut forks: Vec<(PagedVec<u32>, BTreeMap<u64, u32>)> = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(index, value) => {
                        prop_assert_eq!(map.insert(index, value), model.insert(index, value));
                    }
                    Op::AddTo(index, value) => {
                        let expected = model.get_mut(&index).map(|v| { *v = v.wrapping_add(value); *v });
                        let actual = map.get_mut(index).map(|v| { *v = v.wrapping_add(value); *v });
                        prop_assert_eq!(actual, expected);
                    }
                    Op::Fork => forks.push((map.clone(), model.clone())),
                }
                prop_assert_eq!(map.len(), model.len());
            }
            let expected: Vec<(u64, u32)> = model.iter().map(|(&i, &v)| (i, v)).collect();
            prop_assert_eq!(entries(&map), expected);
            for (&index, &value) in &model {
                prop_assert_eq!(map.get(index), Some(&value));
                prop_assert!(map.contains(index));
            }
            // Every earlier copy still holds exactly what it held when it was taken.
            for (fork, fork_model) in &forks {
                let expected: Vec<(u64, u32)> = fork_model.iter().map(|(&i, &v)| (i, v)).collect();
                prop_assert_eq!(entries(fork), expected);
                prop_assert_eq!(fork.len(), fork_model.len());
            }
        }
    }
}

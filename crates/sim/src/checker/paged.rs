//! A map from dense `u64` indices to values that is cheap to copy: the checker's per-record ledgers.
//!
//! The live playground keeps checkpoints of the whole run (clones of the simulation and of its
//! observers, the checker among them). The checker holds something per record — every record id sent
//! and acked, every offset consumed — so a `BTreeMap` there makes every checkpoint copy the run so far.
//! Both keys are dense: the workload numbers records 1, 2, 3, … run-wide, and a partition's offsets
//! count up from 0. So the values live in fixed-size pages behind `Arc`s: a clone copies the page
//! table (one pointer per [`PAGE_LEN`] entries), and a write copies its one page only while a
//! checkpoint still shares it (`Arc::make_mut`). Reads and writes are O(1).
//!
//! Indices from the map's dense length up (a hostile or corrupt id, a config without a useful bound)
//! go to an ordinary `BTreeMap` instead, so a huge index never allocates a huge page table and no
//! entry is dropped: the callers bound the entry count as they did before. Iteration is in ascending
//! index order across both (every overflow index is above every paged one), which keeps reports built
//! from it identical to the `BTreeMap` ledgers they replace.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Entries per page: small enough that copying the page a write shares with a checkpoint is cheap,
/// large enough that the page table of a long run stays a few thousand pointers.
pub(crate) const PAGE_LEN: usize = 1024;

/// Most indices kept in pages (the rest go to the overflow map): bounds the page table at
/// `MAX_DENSE_LEN / PAGE_LEN` pointers (128 KiB), whatever the index or the configured record limit.
pub(crate) const MAX_DENSE_LEN: u64 = 1 << 24;

/// One page: `PAGE_LEN` slots, shared between clones until one of them writes.
type Page<V> = Arc<Vec<Option<V>>>;

/// A map from `u64` indices to `V`, paged for the dense indices below the length it was made with; see the
/// module docs.
#[derive(Clone, Debug)]
pub(crate) struct PagedVec<V> {
    /// Page `p` holds indices `p * PAGE_LEN ..< (p + 1) * PAGE_LEN`; `None` until one is written.
    pages: Vec<Option<Page<V>>>,
    /// Entries at indices `dense_len` and up.
    overflow: BTreeMap<u64, V>,
    /// The first index that goes to `overflow`.
    dense_len: u64,
    /// How many entries the map holds (pages and overflow).
    len: usize,
}

impl<V: Clone> PagedVec<V> {
    /// An empty map that pages indices below `dense_len` (at most [`MAX_DENSE_LEN`]).
    pub(crate) fn new(dense_len: u64) -> Self {
        PagedVec {
            pages: Vec::new(),
            overflow: BTreeMap::new(),
            dense_len: dense_len.min(MAX_DENSE_LEN),
            len: 0,
        }
    }

    /// How many entries the map holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The entry at `index`.
    pub(crate) fn get(&self, index: u64) -> Option<&V> {
        match self.slot(index) {
            Some((page, slot)) => self.pages.get(page)?.as_ref()?.get(slot)?.as_ref(),
            None => self.overflow.get(&index),
        }
    }

    /// Whether the map holds an entry at `index`.
    pub(crate) fn contains(&self, index: u64) -> bool {
        self.get(index).is_some()
    }

    /// The entry at `index`, to change in place (copies its page first if a clone shares it).
    pub(crate) fn get_mut(&mut self, index: u64) -> Option<&mut V> {
        match self.slot(index) {
            Some((page, slot)) => Arc::make_mut(self.pages.get_mut(page)?.as_mut()?).get_mut(slot)?.as_mut(),
            None => self.overflow.get_mut(&index),
        }
    }

    /// Puts `value` at `index`; returns the entry it replaced.
    pub(crate) fn insert(&mut self, index: u64, value: V) -> Option<V> {
        let previous = match self.slot(index) {
            Some((page, slot)) => {
                if self.pages.len() <= page {
                    self.pages.resize_with(page + 1, || None);
                }
                let page = self
                    .pages
                    .get_mut(page)
                    .map(|p| Arc::make_mut(p.get_or_insert_with(|| Arc::new(vec![None; PAGE_LEN]))));
                // Both lookups succeed: the table was just grown to `page` and pages are PAGE_LEN long.
                page.and_then(|p| p.get_mut(slot)).and_then(|s| s.replace(value))
            }
            None => self.overflow.insert(index, value),
        };
        if previous.is_none() {
            self.len += 1;
        }
        previous
    }

    /// Every entry, by ascending index.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &V)> + '_ {
        let paged = self.pages.iter().enumerate().flat_map(|(page, slots)| {
            let first = (page as u64) * (PAGE_LEN as u64);
            slots
                .iter()
                .flat_map(|slots| slots.iter())
                .enumerate()
                .filter_map(move |(slot, value)| value.as_ref().map(|v| (first + slot as u64, v)))
        });
        paged.chain(self.overflow.iter().map(|(&index, value)| (index, value)))
    }

    /// Where `index` lives: (page, slot) when paged, `None` when in the overflow map.
    fn slot(&self, index: u64) -> Option<(usize, usize)> {
        if index >= self.dense_len {
            return None;
        }
        // Below MAX_DENSE_LEN, so both fit a usize even on 32-bit targets (wasm32).
        let page = usize::try_from(index / PAGE_LEN as u64).ok()?;
        let slot = usize::try_from(index % PAGE_LEN as u64).ok()?;
        Some((page, slot))
    }
}

#[cfg(test)]
mod tests;

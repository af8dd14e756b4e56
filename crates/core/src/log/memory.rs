//! [`MemoryStorage`]: segments as byte vectors, with a byte limit.
//!
//! Segments are shared on clone (`Arc`) and copied on write, because the playground keeps the log in a
//! Yew reducer that clones its model on every action: a clone then costs the metadata plus, at the next
//! append, one copy of the active segment, not a copy of the whole log.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::storage::{SegmentStorage, StorageError};

/// Default limit of [`MemoryStorage::new`]: 1 GiB.
pub const DEFAULT_MEMORY_CAPACITY_BYTES: u64 = 1024 * 1024 * 1024;

/// In-memory segment storage holding at most `capacity_bytes`; beyond it operations fail with
/// [`StorageError::Full`] instead of growing without bound.
#[derive(Clone)]
pub struct MemoryStorage {
    segments: BTreeMap<i64, Arc<Vec<u8>>>,
    used_bytes: u64,
    capacity_bytes: u64,
}

impl MemoryStorage {
    /// Empty storage with the default 1 GiB limit.
    pub fn new() -> Self {
        Self::with_capacity_bytes(DEFAULT_MEMORY_CAPACITY_BYTES)
    }

    /// Empty storage that holds at most `capacity_bytes` bytes over all segments.
    pub fn with_capacity_bytes(capacity_bytes: u64) -> Self {
        MemoryStorage { segments: BTreeMap::new(), used_bytes: 0, capacity_bytes }
    }

    /// Bytes held over all segments.
    pub fn used_bytes(&self) -> u64 {
        self.used_bytes
    }

    /// The byte limit.
    pub fn capacity_bytes(&self) -> u64 {
        self.capacity_bytes
    }

    /// Base offsets of the stored segments, ascending.
    pub fn segment_base_offsets(&self) -> impl Iterator<Item = i64> + '_ {
        self.segments.keys().copied()
    }

    /// Fails with `Full` unless `added_bytes` more fit, after `freed_bytes` are released.
    fn reserve(&self, added_bytes: u64, freed_bytes: u64) -> Result<(), StorageError> {
        let after = self.used_bytes.saturating_sub(freed_bytes).saturating_add(added_bytes);
        if after > self.capacity_bytes {
            return Err(StorageError::Full {
                requested_bytes: added_bytes.saturating_sub(freed_bytes),
                used_bytes: self.used_bytes,
                capacity_bytes: self.capacity_bytes,
            });
        }
        Ok(())
    }

    fn segment(&self, base_offset: i64) -> Result<&Arc<Vec<u8>>, StorageError> {
        self.segments.get(&base_offset).ok_or(StorageError::UnknownSegment { base_offset })
    }

    fn segment_mut(&mut self, base_offset: i64) -> Result<&mut Arc<Vec<u8>>, StorageError> {
        self.segments.get_mut(&base_offset).ok_or(StorageError::UnknownSegment { base_offset })
    }
}

impl Default for MemoryStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStorage {
    // The bytes themselves would drown any debug output; their shape is what helps.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("segments", &self.segments.len())
            .field("used_bytes", &self.used_bytes)
            .field("capacity_bytes", &self.capacity_bytes)
            .finish()
    }
}

fn len_u64(bytes: &[u8]) -> u64 {
    // usize is at most 64 bits on every target Rust supports.
    bytes.len() as u64
}

impl SegmentStorage for MemoryStorage {
    fn create_segment(&mut self, base_offset: i64) -> Result<(), StorageError> {
        if self.segments.contains_key(&base_offset) {
            return Err(StorageError::SegmentExists { base_offset });
        }
        self.segments.insert(base_offset, Arc::new(Vec::new()));
        Ok(())
    }

    fn append(&mut self, base_offset: i64, bytes: &[u8]) -> Result<(), StorageError> {
        self.segment(base_offset)?;
        self.reserve(len_u64(bytes), 0)?;
        let segment = Arc::make_mut(self.segment_mut(base_offset)?);
        segment.extend_from_slice(bytes);
        self.used_bytes += len_u64(bytes);
        Ok(())
    }

    fn read_into(
        &self,
        base_offset: i64,
        position_bytes: u64,
        len_bytes: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), StorageError> {
        let segment = self.segment(base_offset)?;
        let size_bytes = len_u64(segment);
        let end_bytes = position_bytes.saturating_add(len_bytes);
        let out_of_bounds = StorageError::OutOfBounds { base_offset, end_bytes, size_bytes };
        if end_bytes > size_bytes {
            return Err(out_of_bounds);
        }
        // Both bounds are <= the segment's length, so they fit in usize.
        let start = usize::try_from(position_bytes).map_err(|_| out_of_bounds.clone())?;
        let end = usize::try_from(end_bytes).map_err(|_| out_of_bounds)?;
        out.extend_from_slice(&segment[start..end]);
        Ok(())
    }

    fn truncate(&mut self, base_offset: i64, size_bytes: u64) -> Result<(), StorageError> {
        let current_bytes = len_u64(self.segment(base_offset)?);
        if size_bytes > current_bytes {
            return Err(StorageError::OutOfBounds {
                base_offset,
                end_bytes: size_bytes,
                size_bytes: current_bytes,
            });
        }
        let new_len = usize::try_from(size_bytes).map_err(|_| StorageError::OutOfBounds {
            base_offset,
            end_bytes: size_bytes,
            size_bytes: current_bytes,
        })?;
        Arc::make_mut(self.segment_mut(base_offset)?).truncate(new_len);
        self.used_bytes -= current_bytes - size_bytes;
        Ok(())
    }

    fn replace(&mut self, base_offset: i64, bytes: &[u8]) -> Result<(), StorageError> {
        let current_bytes = len_u64(self.segment(base_offset)?);
        self.reserve(len_u64(bytes), current_bytes)?;
        *self.segment_mut(base_offset)? = Arc::new(bytes.to_vec());
        self.used_bytes = self.used_bytes - current_bytes + len_u64(bytes);
        Ok(())
    }

    fn delete_segment(&mut self, base_offset: i64) -> Result<(), StorageError> {
        let removed =
            self.segments.remove(&base_offset).ok_or(StorageError::UnknownSegment { base_offset })?;
        self.used_bytes -= len_u64(&removed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn append_read_truncate_replace_delete_keep_the_byte_count() {
        let mut storage = MemoryStorage::with_capacity_bytes(100);
        storage.create_segment(0).unwrap();
        storage.append(0, b"hello world").unwrap();
        let mut out = Vec::new();
        storage.read_into(0, 6, 5, &mut out).unwrap();
        assert_eq!(out, b"world");
        storage.truncate(0, 5).unwrap();
        assert_eq!(storage.used_bytes(), 5);
        storage.replace(0, b"abc").unwrap();
        assert_eq!(storage.used_bytes(), 3);
        storage.create_segment(10).unwrap();
        assert_eq!(storage.segment_base_offsets().collect::<Vec<_>>(), [0, 10]);
        storage.delete_segment(0).unwrap();
        assert_eq!(storage.used_bytes(), 0);
        assert_eq!(storage.delete_segment(0), Err(StorageError::UnknownSegment { base_offset: 0 }));
        assert_eq!(storage.create_segment(10), Err(StorageError::SegmentExists { base_offset: 10 }));
    }

    #[test]
    fn hitting_the_capacity_is_a_named_error_and_changes_nothing() {
        let mut storage = MemoryStorage::with_capacity_bytes(8);
        storage.create_segment(0).unwrap();
        storage.append(0, b"12345").unwrap();
        let err = storage.append(0, b"6789").unwrap_err();
        assert_eq!(err, StorageError::Full { requested_bytes: 4, used_bytes: 5, capacity_bytes: 8 });
        assert!(err.to_string().starts_with("storage full: "), "{err}");
        assert_eq!(err.error_code(), crate::ErrorCode::KafkaStorageError);
        assert!(storage.replace(0, b"123456789").is_err());
        assert_eq!(storage.used_bytes(), 5);
        let mut out = Vec::new();
        storage.read_into(0, 0, 5, &mut out).unwrap();
        assert_eq!(out, b"12345");
        assert!(matches!(
            storage.read_into(0, 3, 3, &mut out),
            Err(StorageError::OutOfBounds { end_bytes: 6, size_bytes: 5, .. })
        ));
    }

    #[test]
    fn clones_share_bytes_until_written() {
        let mut original = MemoryStorage::new();
        original.create_segment(0).unwrap();
        original.append(0, b"abc").unwrap();
        let snapshot = original.clone();
        original.append(0, b"def").unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        original.read_into(0, 0, 6, &mut a).unwrap();
        snapshot.read_into(0, 0, 3, &mut b).unwrap();
        assert_eq!((a.as_slice(), b.as_slice()), (&b"abcdef"[..], &b"abc"[..]));
        assert!(snapshot.read_into(0, 0, 6, &mut b).is_err());
    }
}

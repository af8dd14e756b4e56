//! A guard against the decoder's up-front allocations. kafka-protocol 0.18 decodes an array by
//! `Vec::with_capacity(count)` with the count read off the wire, before a single element is read, so a
//! ten-byte request claiming two billion topics asks the allocator for a hundred gigabytes; the
//! allocator refuses and Rust aborts the process (not a panic: nothing can catch it). Kafka fixed the
//! same class of bug in KAFKA-14063; kafka-protocol-rs has open fixes (PRs 152, 161, 200) not released.
//!
//! Until it is fixed there, [`GuardedAllocator`] serves every allocation of at least [`HUGE_BYTES`]
//! with an anonymous `mmap(MAP_NORESERVE)`: address space only, no memory committed until it is
//! touched. The decoder touches only the elements it really decodes — bounded by the frame, itself
//! bounded by `socket.request.max.bytes` — and then fails on the short input, so the bogus allocation
//! costs nothing. Smaller allocations go to the system allocator unchanged. With the kernel's strict
//! overcommit (`vm.overcommit_memory=2`) `MAP_NORESERVE` is ignored and the guard cannot help.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations from this size on are reserved, not committed. No legitimate allocation of the broker
/// comes near it (a request is at most `socket.request.max.bytes`, 100 MiB by default).
pub const HUGE_BYTES: usize = 1 << 30;

/// The system allocator, with huge allocations reserved lazily (see the module docs).
pub struct GuardedAllocator;

fn is_huge(layout: &Layout) -> bool {
    layout.size() >= HUGE_BYTES && layout.align() <= 4096
}

#[cfg(unix)]
unsafe fn reserve(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping with no address hint; the result is checked.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        ptr.cast()
    }
}

#[cfg(unix)]
unsafe fn release(ptr: *mut u8, size: usize) {
    // SAFETY: `ptr` and `size` are those of a mapping made by `reserve`.
    unsafe {
        libc::munmap(ptr.cast(), size);
    }
}

// SAFETY: huge allocations are page-aligned anonymous mappings (alignment ≤ a page is checked),
// zero-filled by the kernel, released with the same size; everything else is the system allocator's.
unsafe impl GlobalAlloc for GuardedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(unix)]
        if is_huge(&layout) {
            // SAFETY: see `reserve`.
            return unsafe { reserve(layout.size()) };
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        #[cfg(unix)]
        if is_huge(&layout) {
            // Fresh anonymous mappings are already zero: writing zeroes would commit every page.
            // SAFETY: see `reserve`.
            return unsafe { reserve(layout.size()) };
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(unix)]
        if is_huge(&layout) {
            // SAFETY: a huge layout was served by `reserve` with this size.
            return unsafe { release(ptr, layout.size()) };
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's layout is valid; the new one has the same alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !is_huge(&layout) && !is_huge(&new_layout) {
            // SAFETY: both sides belong to the system allocator.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // Across the threshold: allocate, copy, free (each side by its own allocator).
        // SAFETY: `new_layout` is non-zero sized (huge or the old size grown/shrunk from a valid one).
        let new_ptr = unsafe { self.alloc(new_layout) };
        if !new_ptr.is_null() {
            // SAFETY: both blocks are valid for the smaller size and do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new_ptr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_allocation_is_reserved_not_committed_and_released() {
        let guard = GuardedAllocator;
        let layout = Layout::from_size_align(64 << 30, 8).unwrap(); // 64 GiB: more than this machine has
                                                                    // SAFETY: the layout is valid and non-zero; the block is used within its size and freed once.
        unsafe {
            let ptr = guard.alloc(layout);
            assert!(!ptr.is_null(), "64 GiB of address space is reserved");
            *ptr = 7; // the first page is committed on touch
            assert_eq!(*ptr, 7);
            guard.dealloc(ptr, layout);
            let small = Layout::from_size_align(64, 8).unwrap();
            let p = guard.alloc(small);
            let grown = guard.realloc(p, small, HUGE_BYTES);
            assert!(!grown.is_null());
            guard.dealloc(grown, Layout::from_size_align(HUGE_BYTES, 8).unwrap());
        }
    }
}

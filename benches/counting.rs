//! A counting global allocator that tells the client's heap from the emulator's.
//!
//! (`all` is used by the benches only.)
//!
//! The emulators run in the same process as the adapters, on threads of their own. Each
//! allocation is tagged with whether the thread that made it counts (see [`count_this_thread`]),
//! and is counted (and, when freed on any thread, uncounted) under that tag. So the client's
//! figure is the heap the client side holds, whatever the emulator keeps, and the process's
//! figure is everything.
//!
//! A tag takes a small header in front of each allocation; a `realloc` keeps the header and the
//! tag, and counts old and new sizes as a move.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The allocator; install it with `#[global_allocator]`.
pub(crate) struct Counting;

/// Heap bytes live now and at most since the last [`reset_peaks`], counted for the threads
/// that count, and for every thread.
static CLIENT_NOW: AtomicUsize = AtomicUsize::new(0);
static CLIENT_PEAK: AtomicUsize = AtomicUsize::new(0);
static ALL_NOW: AtomicUsize = AtomicUsize::new(0);
static ALL_PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Const-initialised without a destructor: reading it never allocates.
    static COUNTS: Cell<bool> = const { Cell::new(false) };
}

/// Makes the allocations of the current thread count as the client's (or not).
pub(crate) fn count_this_thread(counts: bool) {
    COUNTS.with(|cell| cell.set(counts));
}

/// Starts new peaks from what is live now.
pub(crate) fn reset_peaks() {
    CLIENT_PEAK.store(CLIENT_NOW.load(Ordering::SeqCst), Ordering::SeqCst);
    ALL_PEAK.store(ALL_NOW.load(Ordering::SeqCst), Ordering::SeqCst);
}

/// The client's live heap now and its peak since [`reset_peaks`].
pub(crate) fn client() -> (usize, usize) {
    (
        CLIENT_NOW.load(Ordering::SeqCst),
        CLIENT_PEAK.load(Ordering::SeqCst),
    )
}

/// The whole process's live heap now and its peak since [`reset_peaks`].
#[allow(dead_code)] // Used by the benches, not by the memory guard.
pub(crate) fn all() -> (usize, usize) {
    (
        ALL_NOW.load(Ordering::SeqCst),
        ALL_PEAK.load(Ordering::SeqCst),
    )
}

fn grow(client: bool, bytes: usize) {
    let now = ALL_NOW.fetch_add(bytes, Ordering::Relaxed) + bytes;
    ALL_PEAK.fetch_max(now, Ordering::Relaxed);
    if client {
        let now = CLIENT_NOW.fetch_add(bytes, Ordering::Relaxed) + bytes;
        CLIENT_PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

fn shrink(client: bool, bytes: usize) {
    ALL_NOW.fetch_sub(bytes, Ordering::Relaxed);
    if client {
        CLIENT_NOW.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// The header in front of an allocation of `layout`: at least 16 bytes, and a multiple of the
/// alignment so the caller's pointer stays aligned.
fn header(layout: Layout) -> usize {
    layout.align().max(16)
}

/// The layout actually allocated: the caller's with the header in front.
fn outer(layout: Layout) -> Option<Layout> {
    Layout::from_size_align(layout.size().checked_add(header(layout))?, header(layout)).ok()
}

// A global allocator must implement this unsafe trait. Every method forwards to `System` with a
// layout grown by the header, and only adds bookkeeping.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(outer) = outer(layout) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `outer` has a non-zero size (the header).
        let base = unsafe { System.alloc(outer) };
        if base.is_null() {
            return base;
        }
        let client = COUNTS.with(Cell::get);
        // SAFETY: the header lies within the block just allocated, which is aligned for u8.
        unsafe { base.write(u8::from(client)) };
        grow(client, layout.size());
        // SAFETY: the header is smaller than the block.
        unsafe { base.add(header(layout)) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout, so the header is in front of it.
        let base = unsafe { ptr.sub(header(layout)) };
        // SAFETY: written by `alloc`.
        let client = unsafe { base.read() } == 1;
        shrink(client, layout.size());
        // SAFETY: `base` was allocated by `System` with `outer(layout)`, which was `Some` then.
        unsafe { System.dealloc(base, outer(layout).unwrap_unchecked()) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(new_outer) = new_size.checked_add(header(layout)) else {
            return std::ptr::null_mut();
        };
        // SAFETY: as in `dealloc`.
        let base = unsafe { ptr.sub(header(layout)) };
        // SAFETY: written by `alloc`.
        let client = unsafe { base.read() } == 1;
        // SAFETY: `base` was allocated by `System` with `outer(layout)`; the header is copied
        // with the content.
        let moved = unsafe { System.realloc(base, outer(layout).unwrap_unchecked(), new_outer) };
        if moved.is_null() {
            return moved;
        }
        grow(client, new_size);
        shrink(client, layout.size());
        // SAFETY: the header is smaller than the block.
        unsafe { moved.add(header(layout)) }
    }
}

//! Memory: the peak heap growth while sending a 10 MB PDF through each adapter to its emulator,
//! as a multiple of the document's size, measured with a counting global allocator.
//!
//! The emulator runs in this process, so the count includes what it allocates to receive and
//! store the upload. That share is measured on its own by sending the same bytes with the raw
//! `reqwest` sequence (which shares the document's `Bytes` and copies nothing), and the adapter's
//! share is the difference. The document is allocated before the baseline is taken: a share of
//! 0 means the adapter never copied it, and "document + adapter share" is the client side's
//! footprint, whose target is at most 1.3 times the document.
//!
//! Everything runs on one current-thread runtime, so a run is deterministic enough to repeat;
//! each figure is the median of several runs, each with a fresh emulator.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use signing_core::SigningProvider;
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;

/// Counts the bytes allocated now and the most allocated at once since the last reset.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrink(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// The only unsafe code in the workspace: a global allocator must implement this unsafe trait.
// Every method forwards to `System` with the caller's arguments and only adds bookkeeping.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on unchanged.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Counted as a move, old and new both alive for a moment: an upper bound, since an
            // in-place realloc never holds both.
            grow(new_size);
            shrink(layout.size());
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The document: 10 MB, under HeySign's 10 MiB upload limit.
const DOCUMENT_LEN: usize = 10_000_000;
/// Runs per figure; the median is reported.
const RUNS: usize = 5;

/// Heap bytes allocated now, after resetting the peak to it.
fn baseline() -> usize {
    let now = CURRENT.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

/// The peak growth above `base` since [`baseline`].
fn peak_growth(base: usize) -> usize {
    PEAK.load(Ordering::Relaxed).saturating_sub(base)
}

async fn heysign_raw(document: &Bytes) -> usize {
    let emulator = HeySignEmulator::start().await;
    let raw = common::RawHeySign::connect(&emulator).await;
    raw.send(&common::pdf(1024)).await;
    let base = baseline();
    raw.send(document).await;
    peak_growth(base)
}

/// The control: the raw sequence with one copy of the document held during the send, as
/// `Part::bytes(document.to_vec())` would hold it. It must show one document more.
async fn heysign_raw_copying(document: &Bytes) -> usize {
    let emulator = HeySignEmulator::start().await;
    let raw = common::RawHeySign::connect(&emulator).await;
    raw.send(&common::pdf(1024)).await;
    let base = baseline();
    let copy = Bytes::from(document.to_vec());
    raw.send(&copy).await;
    drop(copy);
    peak_growth(base)
}

async fn heysign_adapter(document: &Bytes) -> usize {
    let emulator = HeySignEmulator::start().await;
    let adapter = common::heysign(&emulator);
    adapter
        .send(&common::envelope(common::pdf(1024)))
        .await
        .expect("warm-up send");
    let base = baseline();
    // Building the request is part of sending: a copy made there counts too.
    let request = common::envelope(document.clone());
    adapter.send(&request).await.expect("send");
    drop(request);
    peak_growth(base)
}

async fn leap_raw(document: &Bytes) -> usize {
    let emulator = LeapSignEmulator::start().await;
    let raw = common::RawLeapSign::connect(&emulator);
    raw.send(&common::pdf(1024)).await;
    let base = baseline();
    raw.send(document).await;
    peak_growth(base)
}

async fn leap_adapter(document: &Bytes) -> usize {
    let emulator = LeapSignEmulator::start().await;
    let adapter = common::leap_sign(&emulator);
    adapter
        .send(&common::envelope(common::pdf(1024)))
        .await
        .expect("warm-up send");
    let base = baseline();
    let request = common::envelope(document.clone());
    adapter.send(&request).await.expect("send");
    drop(request);
    peak_growth(base)
}

fn median(mut values: Vec<usize>) -> usize {
    values.sort_unstable();
    values[values.len() / 2]
}

#[allow(clippy::cast_precision_loss)]
fn ratio(bytes: f64) -> f64 {
    bytes / DOCUMENT_LEN as f64
}

#[allow(clippy::cast_precision_loss)]
fn ratio_of(bytes: usize) -> f64 {
    ratio(bytes as f64)
}

#[allow(clippy::cast_precision_loss)]
fn report(provider: &str, raw: &[usize], adapter: &[usize]) {
    let raw_median = median(raw.to_vec());
    let adapter_median = median(adapter.to_vec());
    let share = adapter_median as f64 - raw_median as f64;
    println!(
        "{provider}: raw sequence + emulator peak growth {:.3}x the document (runs: {raw:?} bytes)",
        ratio(raw_median as f64)
    );
    println!(
        "{provider}: adapter + emulator peak growth {:.3}x the document (runs: {adapter:?} bytes)",
        ratio(adapter_median as f64)
    );
    println!(
        "{provider}: adapter share {share:+} bytes = {:+.4}x; document + adapter share {:.4}x the document (target <= 1.3x)",
        ratio(share),
        1.0 + ratio(share)
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime builds");
    let document = common::pdf(DOCUMENT_LEN);
    println!("document: {DOCUMENT_LEN} bytes; median of {RUNS} runs, alternating raw and adapter");
    let (mut raw, mut adapter) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        raw.push(rt.block_on(heysign_raw(&document)));
        adapter.push(rt.block_on(heysign_adapter(&document)));
    }
    report("heysign", &raw, &adapter);
    let copying = median(
        (0..RUNS)
            .map(|_| rt.block_on(heysign_raw_copying(&document)))
            .collect(),
    );
    println!(
        "control: raw sequence holding one copy of the document {:.3}x; the method sees a copy",
        ratio_of(copying)
    );
    let (mut raw, mut adapter) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        raw.push(rt.block_on(leap_raw(&document)));
        adapter.push(rt.block_on(leap_adapter(&document)));
    }
    report("leap-sign", &raw, &adapter);
}

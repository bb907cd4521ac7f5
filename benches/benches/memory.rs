//! Memory: the client's peak heap while sending documents from files through each adapter to
//! its emulator, against the documents' size, and with 64 sends at once.
//!
//! - A 200 MB document from a file, through each adapter (DocuSign takes at most 25 MB per
//!   document: eight documents of 25 MB, the same 200 MB). Goal: at most 0.02 times the size.
//!   The same bytes sent by a hand-written `reqwest` streaming upload (reading the file 64 KiB
//!   at a time) give the floor.
//! - 64 sends of a 10 MB document from a file at once, through one adapter. Goal: at most
//!   64 x 1 MB.
//!
//! The emulators run on a runtime of their own, on other threads; the counting allocator
//! (`benches/counting.rs`) counts what the client's threads allocate, wherever it is freed,
//! so the emulator's own buffers are not in the client's figure. For the large sends the
//! process's peak is printed too: it includes what the emulators keep (the DocuSign emulator
//! keeps every document in memory). It is not printed for the concurrent sends, because the
//! earlier emulators free their memory on their own threads while those run, which makes a
//! process-wide difference meaningless. Heap counts do not depend on the machine's load.

#[path = "../counting.rs"]
mod counting;

mod common;

use std::path::PathBuf;

use futures_util::future::join_all;
use signing_core::{Document, NewEnvelope, Party, Signer, SigningProvider};
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use tokio::runtime::Runtime;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

const MB: u64 = 1024 * 1024;
/// The large document.
const LARGE: u64 = 200 * MB;
/// DocuSign's largest document.
const DOCUSIGN_PART: u64 = 25 * MB;
/// The document of the concurrent sends, and how many run at once.
const SMALL: u64 = 10 * MB;
const AT_ONCE: usize = 64;

fn request(documents: Vec<Document>) -> NewEnvelope {
    let mut builder = NewEnvelope::builder()
        .title(common::TITLE)
        .owner(Party::new(common::OWNER.0, common::OWNER.1));
    for (name, email) in common::SIGNERS {
        builder = builder.signer(Signer::new(name, email));
    }
    for document in documents {
        builder = builder.document(document);
    }
    builder.build().expect("the benchmark envelope is valid")
}

fn from_files(paths: &[PathBuf]) -> NewEnvelope {
    request(
        paths
            .iter()
            .map(|path| Document::from_path(path).expect("the file reads"))
            .collect(),
    )
}

/// The client's peak heap above what it held before `work` ran, and the process's.
fn peak(client: &Runtime, work: impl Future<Output = ()>) -> (u64, u64) {
    counting::reset_peaks();
    let (client_before, _) = counting::client();
    let (all_before, _) = counting::all();
    client.block_on(work);
    let (_, client_peak) = counting::client();
    let (_, all_peak) = counting::all();
    (
        client_peak.saturating_sub(client_before) as u64,
        all_peak.saturating_sub(all_before) as u64,
    )
}

fn report(what: &str, (client, all): (u64, u64), size: u64) {
    #[allow(clippy::cast_precision_loss)] // Ratios of byte counts, printed to three places.
    let ratio = client as f64 / size as f64;
    println!(
        "memory {what}: client peak {client} bytes = {ratio:.4}x of {size} bytes (process peak \
         {all} bytes)"
    );
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let large = vec![common::pdf_file(dir.path(), "large.pdf", LARGE)];
    let part = common::pdf_file(dir.path(), "part.pdf", DOCUSIGN_PART);
    let parts: Vec<PathBuf> = (0..LARGE / DOCUSIGN_PART).map(|_| part.clone()).collect();
    let small = vec![common::pdf_file(dir.path(), "small.pdf", SMALL)];

    let emulators = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    counting::count_this_thread(true);
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_start(|| counting::count_this_thread(true))
        .build()
        .expect("a runtime");

    large_sends(&emulators, &client, &large, &parts);
    concurrent_sends(&emulators, &client, &small);
}

fn large_sends(emulators: &Runtime, client: &Runtime, large: &[PathBuf], parts: &[PathBuf]) {
    let heysign_emulator =
        emulators.block_on(HeySignEmulator::builder().max_file_size(LARGE).start());
    let heysign = common::heysign_with_limit(&heysign_emulator, LARGE);
    let one = from_files(large);
    report(
        "heysign 200 MB",
        peak(client, async {
            heysign.send(&one).await.expect("send");
        }),
        LARGE,
    );
    report(
        "heysign 200 MB raw upload",
        peak(client, async {
            let raw = common::RawHeySign::connect(&heysign_emulator).await;
            raw.upload_file(&large[0]).await;
        }),
        LARGE,
    );

    let leap_emulator = emulators.block_on(LeapSignEmulator::start());
    let leap = common::leap_sign(&leap_emulator);
    report(
        "leap-sign 200 MB",
        peak(client, async {
            leap.send(&one).await.expect("send");
        }),
        LARGE,
    );
    report(
        "leap-sign 200 MB raw upload",
        peak(client, async {
            common::RawLeapSign::connect(&leap_emulator)
                .send_file(&large[0])
                .await;
        }),
        LARGE,
    );

    let docusign_emulator = emulators.block_on(common::docusign_emulator());
    let docusign = common::docusign(&docusign_emulator);
    let eight = from_files(parts);
    report(
        "docusign 8 x 25 MB",
        peak(client, async {
            docusign.send(&eight).await.expect("send");
        }),
        LARGE,
    );
    report(
        "docusign 8 x 25 MB raw upload",
        peak(client, async {
            let raw = common::RawDocuSign::connect(&docusign_emulator).await;
            raw.send_files(parts).await;
        }),
        LARGE,
    );
}

fn concurrent_sends(emulators: &Runtime, client: &Runtime, small: &[PathBuf]) {
    let request = from_files(small);
    let at_once = AT_ONCE as u64 * SMALL;
    let heysign_emulator =
        emulators.block_on(HeySignEmulator::builder().max_file_size(SMALL).start());
    let heysign = common::heysign_with_limit(&heysign_emulator, SMALL);
    report_concurrent("heysign", peak(client, many(&heysign, &request)), at_once);
    let leap_emulator = emulators.block_on(LeapSignEmulator::start());
    let leap = common::leap_sign(&leap_emulator);
    report_concurrent("leap-sign", peak(client, many(&leap, &request)), at_once);
    let docusign_emulator = emulators.block_on(common::docusign_emulator());
    let docusign = common::docusign(&docusign_emulator);
    report_concurrent("docusign", peak(client, many(&docusign, &request)), at_once);
}

/// [`AT_ONCE`] sends of `request` through one `provider`, all in flight together.
async fn many(provider: &dyn SigningProvider, request: &NewEnvelope) {
    let sends = (0..AT_ONCE).map(|_| provider.send(request));
    for sent in join_all(sends).await {
        sent.expect("send");
    }
}

fn report_concurrent(name: &str, (client, _): (u64, u64), total: u64) {
    #[allow(clippy::cast_precision_loss)] // Byte counts, printed to two places.
    let per_send = client as f64 / AT_ONCE as f64 / MB as f64;
    println!(
        "memory {name} {AT_ONCE} x 10 MB at once: client peak {client} bytes = {per_send:.2} MB \
         per send (goal 1 MB), of {total} bytes sent"
    );
}

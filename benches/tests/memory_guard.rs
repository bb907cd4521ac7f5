//! The memory guard: a 50 MB document sent from a file through each adapter to its emulator
//! must never hold more than a few megabytes of the client's heap. Not a timing test: it counts
//! live heap bytes with a counting allocator, so a change that reads a document whole, or copies
//! it, fails here however fast the machine is.
//!
//! The emulators run on a runtime of their own, on other threads; the allocator counts what the
//! client's threads allocate (the test's thread and its runtime's blocking threads, which read
//! files), wherever it is freed. See `benches/counting.rs`.

#[path = "../counting.rs"]
mod counting;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docusign::DocuSignBuilder;
use heysign::HeySignBuilder;
use leap_sign::LeapSign;
use signing_core::{Document, NewEnvelope, Party, Signer, SigningProvider};
use signing_testkit::emulator::docusign::DocuSignEmulator;
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// The document's size: 50 MB.
const SIZE: u64 = 50 * 1024 * 1024;

/// The most client heap a send may hold at once: a few chunks in flight, the connection's
/// buffers, the answers. A document read whole would be 50 MB.
const LIMIT: usize = 4 * 1024 * 1024;

/// Writes a PDF-looking file of `size` bytes a megabyte at a time.
fn pdf_file(dir: &Path, name: &str, size: u64) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut block = vec![b'x'; 1024 * 1024];
    block[..9].copy_from_slice(b"%PDF-1.7\n");
    let mut written = 0;
    while written < size {
        let n = usize::try_from((size - written).min(block.len() as u64)).unwrap();
        file.write_all(&block[..n]).unwrap();
        block[..9].copy_from_slice(b"%%binary\n");
        written += n as u64;
    }
    file.flush().unwrap();
    path
}

fn request(documents: Vec<Document>) -> NewEnvelope {
    let mut builder = NewEnvelope::builder()
        .title("Large contract")
        .signer(Signer::new("Ada Lovelace", "ada@example.com"))
        .owner(Party::new("Olga Owner", "olga@example.com"));
    for document in documents {
        builder = builder.document(document);
    }
    builder.build().unwrap()
}

/// Sends `request` and returns the client's peak heap above what it held before.
fn peak_of_send(
    client: &tokio::runtime::Runtime,
    provider: &dyn SigningProvider,
    request: &NewEnvelope,
) -> usize {
    counting::reset_peaks();
    let (before, _) = counting::client();
    client.block_on(async {
        provider.send(request).await.expect("the send succeeds");
    });
    let (_, peak) = counting::client();
    peak.saturating_sub(before)
}

#[test]
fn sending_50_mb_from_a_file_holds_a_few_mb_in_every_adapter() {
    let started = Instant::now();
    // Removed when the test ends, passed or not.
    let dir = tempfile::tempdir().unwrap();
    let whole = pdf_file(dir.path(), "contract.pdf", SIZE);
    // DocuSign takes at most 25 MB per document: the 50 MB go as one file sent twice.
    let half = pdf_file(dir.path(), "part.pdf", SIZE / 2);
    let halves = [&half, &half];

    // The emulators on their own threads; their allocations are not the client's.
    let emulators = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (heysign_emulator, leap_emulator, docusign_emulator) = emulators.block_on(async {
        (
            HeySignEmulator::builder().max_file_size(SIZE).start().await,
            LeapSignEmulator::start().await,
            DocuSignEmulator::start().await,
        )
    });

    // The client: this thread and its runtime's blocking threads count.
    counting::count_this_thread(true);
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_start(|| counting::count_this_thread(true))
        .build()
        .unwrap();
    let timeout = Duration::from_secs(120);
    let heysign = HeySignBuilder::new()
        .with_api_url(heysign_emulator.api_url())
        .with_auth_url(heysign_emulator.auth_url())
        .with_client_credentials(
            heysign_emulator.client_id(),
            heysign_emulator.client_secret(),
        )
        .with_max_document_size(SIZE)
        .with_timeout(timeout)
        .build()
        .unwrap();
    let leap = LeapSign::builder()
        .with_base_url(leap_emulator.base_url())
        .with_api_key(leap_emulator.api_key().to_owned())
        .with_timeout(timeout)
        .build()
        .unwrap();
    let docusign = DocuSignBuilder::new()
        .with_auth_url(docusign_emulator.auth_url())
        .with_integration_key(docusign_emulator.integration_key())
        .with_user_id(docusign_emulator.user_id())
        .with_private_key_pem(docusign_emulator.private_key_pem())
        .with_timeout(timeout)
        .build()
        .unwrap();

    let one = request(vec![Document::from_path(&whole).unwrap()]);
    let two = request(
        halves
            .iter()
            .map(|path| Document::from_path(path).unwrap())
            .collect(),
    );
    let mut report = Vec::new();
    for (name, provider, request) in [
        ("HeySign", &heysign as &dyn SigningProvider, &one),
        ("LEAP Sign", &leap, &one),
        ("DocuSign", &docusign, &two),
    ] {
        let start = Instant::now();
        let peak = peak_of_send(&client, provider, request);
        report.push(format!(
            "{name}: {peak} bytes in {:.1} s",
            start.elapsed().as_secs_f64()
        ));
        assert!(
            peak <= LIMIT,
            "{name} held {peak} bytes of heap while sending 50 MB from a file (limit {LIMIT})"
        );
    }
    eprintln!(
        "peak client heap while sending {SIZE} bytes: {} ({:.1} s)",
        report.join(", "),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(heysign_emulator.agreements().len(), 1);
    drop((heysign_emulator, leap_emulator, docusign_emulator));
}

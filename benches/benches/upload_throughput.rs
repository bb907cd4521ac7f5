//! Upload throughput: sending a 200 MB document from a file through each adapter, against a
//! hand-written `reqwest` streaming upload of the same file to the same emulator (DocuSign:
//! eight documents of 25 MB, its per-document limit).
//!
//! The raw side makes only the upload exchange (HeySign's `POST /v1/files`, LEAP's launch-new,
//! DocuSign's create envelope), reading the file 64 KiB at a time; the adapter's send also makes
//! its few small requests (HeySign: create, signees, submit), a negligible part next to 200 MB.
//! The emulators run on their own runtime (two worker threads), the client on this thread; the
//! clock is wall time, alternating adapter and raw rounds, and the figure is the median of the
//! per-round ratios. Wall time depends on what else the machine runs: read the ratio.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use signing_core::{Document, NewEnvelope, Party, Signer, SigningProvider};
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use tokio::runtime::Runtime;

const MB: u64 = 1024 * 1024;
const LARGE: u64 = 200 * MB;
const DOCUSIGN_PART: u64 = 25 * MB;
/// Rounds of one adapter send and one raw upload each.
const ROUNDS: usize = 7;

fn request(paths: &[PathBuf]) -> NewEnvelope {
    let mut builder = NewEnvelope::builder()
        .title(common::TITLE)
        .owner(Party::new(common::OWNER.0, common::OWNER.1));
    for (name, email) in common::SIGNERS {
        builder = builder.signer(Signer::new(name, email));
    }
    for path in paths {
        builder = builder.document(Document::from_path(path).expect("the file reads"));
    }
    builder.build().expect("the benchmark envelope is valid")
}

fn timed(client: &Runtime, work: impl Future<Output = ()>) -> Duration {
    let start = Instant::now();
    client.block_on(work);
    start.elapsed()
}

fn compare(
    name: &str,
    client: &Runtime,
    mut adapter: impl FnMut() -> Duration,
    mut raw: impl FnMut() -> Duration,
) {
    let mut ratios = Vec::new();
    let (mut adapter_total, mut raw_total) = (Duration::ZERO, Duration::ZERO);
    // One of each first, untimed: connections, tokens, the page cache.
    let _ = (adapter(), raw(), client);
    for round in 0..ROUNDS {
        let (a, r) = if round % 2 == 0 {
            let a = adapter();
            (a, raw())
        } else {
            let r = raw();
            (adapter(), r)
        };
        adapter_total += a;
        raw_total += r;
        ratios.push(a.as_secs_f64() / r.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)] // Seconds and megabytes, printed to a few places.
    let mb_per_s =
        |total: Duration| (LARGE * ROUNDS as u64) as f64 / MB as f64 / total.as_secs_f64();
    println!(
        "throughput {name} 200 MB: adapter/raw median {:.3}x (range {:.3}x to {:.3}x, {ROUNDS} \
         rounds); adapter {:.0} MB/s, raw {:.0} MB/s",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        mb_per_s(adapter_total),
        mb_per_s(raw_total),
    );
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("signing-bench-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let large = vec![common::pdf_file(&dir, "large.pdf", LARGE)];
    let part = common::pdf_file(&dir, "part.pdf", DOCUSIGN_PART);
    let parts: Vec<PathBuf> = (0..LARGE / DOCUSIGN_PART).map(|_| part.clone()).collect();
    let emulators = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    let one = request(&large);
    // A fresh emulator per round would dominate nothing here; one per provider keeps the
    // connection and token warm for both sides alike.
    let heysign_emulator =
        emulators.block_on(HeySignEmulator::builder().max_file_size(LARGE).start());
    let heysign = common::heysign_with_limit(&heysign_emulator, LARGE);
    let raw = client.block_on(common::RawHeySign::connect(&heysign_emulator));
    compare(
        "heysign",
        &client,
        || {
            timed(&client, async {
                heysign.send(&one).await.map(drop).expect("send");
            })
        },
        || timed(&client, async { drop(raw.upload_file(&large[0]).await) }),
    );

    let leap_emulator = emulators.block_on(LeapSignEmulator::start());
    let leap = common::leap_sign(&leap_emulator);
    let raw = common::RawLeapSign::connect(&leap_emulator);
    compare(
        "leap-sign",
        &client,
        || {
            timed(&client, async {
                leap.send(&one).await.map(drop).expect("send");
            })
        },
        || timed(&client, async { drop(raw.send_file(&large[0]).await) }),
    );

    let docusign_emulator = emulators.block_on(common::docusign_emulator());
    let docusign = common::docusign(&docusign_emulator);
    let raw = client.block_on(common::RawDocuSign::connect(&docusign_emulator));
    let eight = request(&parts);
    compare(
        "docusign (8 x 25 MB)",
        &client,
        || {
            timed(&client, async {
                docusign.send(&eight).await.map(drop).expect("send");
            })
        },
        || timed(&client, async { drop(raw.send_files(&parts).await) }),
    );
    std::fs::remove_dir_all(&dir).expect("the temp files are removed");
}

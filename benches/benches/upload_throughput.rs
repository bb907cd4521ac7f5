//! Upload throughput: sending a 200 MB document from a file through each adapter, against a
//! hand-written `reqwest` streaming upload of the same file to the same emulator (DocuSign:
//! eight documents of 25 MB, its per-document limit).
//!
//! The raw side makes only the upload exchange (HeySign's `POST /v1/files`, LEAP's launch-new,
//! DocuSign's create envelope), reading the file 64 KiB at a time as the adapters do; the
//! adapter's send also makes its few small requests (HeySign: create, signees, submit), a
//! negligible part next to 200 MB. HeySign's adapter also checks the SHA-256 HeySign reports
//! against the bytes it sent, so it is compared a second time with a raw upload that does the
//! same.
//!
//! The emulators run on their own runtime (two worker threads), the client on the bench's
//! thread. Each comparison is a criterion group (`adapter`, `raw`, wall time), then [`ROUNDS`]
//! alternating rounds of one adapter send and one raw upload, and the medians of the per-round
//! ratios are printed, of wall time and of the process's CPU time (client, emulator and file
//! reads together). Wall time is the throughput, but it moves with what else the machine runs
//! (a slow patch weighs on both sides of a round alike, which is why the rounds alternate); CPU
//! time is the work, and moves much less.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use signing_core::{Document, NewEnvelope, Party, Signer, SigningProvider};
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use tokio::runtime::Runtime;

const MB: u64 = 1024 * 1024;
const LARGE: u64 = 200 * MB;
const DOCUSIGN_PART: u64 = 25 * MB;
/// Alternating rounds of one adapter send and one raw upload each.
const ROUNDS: usize = 15;

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

/// Wall time and the process's CPU time.
#[derive(Clone, Copy, Default)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

impl std::iter::Sum for Timing {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |sum, t| Self {
            wall: sum.wall + t.wall,
            cpu: sum.cpu + t.cpu,
        })
    }
}

/// Runs `work` `iters` times on `client` and returns the time taken.
fn timed<F: Future<Output = ()>>(client: &Runtime, iters: u64, work: impl Fn() -> F) -> Timing {
    let (wall, cpu) = (Instant::now(), process_cpu_time());
    for _ in 0..iters {
        client.block_on(work());
    }
    Timing {
        wall: wall.elapsed(),
        cpu: process_cpu_time().saturating_sub(cpu),
    }
}

/// `CLOCK_PROCESS_CPUTIME_ID`: the CPU time of every thread of the process, user and system.
fn process_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec` for the duration of the call.
    #[allow(unsafe_code)]
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &raw mut now) };
    assert_eq!(status, 0, "the process's CPU clock is readable");
    Duration::new(
        u64::try_from(now.tv_sec).expect("after the process started"),
        u32::try_from(now.tv_nsec).expect("below a second"),
    )
}

/// Times `adapter` and `raw` (each one send of 200 MB per iteration) with criterion, then in
/// [`ROUNDS`] alternating rounds, and prints the medians of the per-round ratios adapter/raw.
fn compare(
    c: &mut Criterion,
    name: &str,
    adapter: impl Fn(u64) -> Timing,
    raw: impl Fn(u64) -> Timing,
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(LARGE));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.bench_function("adapter", |b| b.iter_custom(|iters| adapter(iters).wall));
    group.bench_function("raw", |b| b.iter_custom(|iters| raw(iters).wall));
    group.finish();

    if !common::selected(name) {
        return;
    }
    let rounds: Vec<(Timing, Timing)> = (0..ROUNDS)
        .map(|round| {
            if round % 2 == 0 {
                let a = adapter(1);
                (a, raw(1))
            } else {
                let r = raw(1);
                (adapter(1), r)
            }
        })
        .collect();
    let median = |of: fn(&Timing) -> Duration| {
        let mut ratios: Vec<f64> = rounds
            .iter()
            .map(|(a, r)| of(a).as_secs_f64() / of(r).as_secs_f64())
            .collect();
        ratios.sort_by(f64::total_cmp);
        (
            ratios[ratios.len() / 2],
            ratios[ratios.len() / 4],
            ratios[ratios.len() * 3 / 4],
        )
    };
    let (wall, wall_low, wall_high) = median(|t| t.wall);
    let (cpu, cpu_low, cpu_high) = median(|t| t.cpu);
    #[allow(clippy::cast_precision_loss)] // Seconds and megabytes, printed to a few places.
    let mb_per_s = |side: fn(&(Timing, Timing)) -> Duration| {
        let total: Duration = rounds.iter().map(side).sum();
        (LARGE * ROUNDS as u64) as f64 / MB as f64 / total.as_secs_f64()
    };
    println!(
        "paired {name}: adapter/raw wall time median {wall:.3}x (quartiles {wall_low:.3}x to \
         {wall_high:.3}x), CPU time median {cpu:.3}x (quartiles {cpu_low:.3}x to {cpu_high:.3}x), \
         {ROUNDS} rounds; adapter {:.0} MiB/s, raw {:.0} MiB/s",
        mb_per_s(|(a, _)| a.wall),
        mb_per_s(|(_, r)| r.wall),
    );
}

fn benches(c: &mut Criterion) {
    // The bench's files, removed when it ends.
    let files = tempfile::tempdir().expect("a temp dir");
    let large = vec![common::pdf_file(files.path(), "large.pdf", LARGE)];
    let part = common::pdf_file(files.path(), "part.pdf", DOCUSIGN_PART);
    let parts: Vec<PathBuf> = (0..LARGE / DOCUSIGN_PART).map(|_| part.clone()).collect();
    let emulators = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let client = &tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    // One HeySign and one LEAP Sign emulator for the whole bench: they keep what they need of an
    // upload (HeySign: size, digest, first bytes), not its bytes, and the connection and the
    // token stay warm for both sides alike.
    let one = &request(&large);
    let heysign_emulator =
        emulators.block_on(HeySignEmulator::builder().max_file_size(LARGE).start());
    let heysign = &common::heysign_with_limit(&heysign_emulator, LARGE);
    let raw = &client.block_on(common::RawHeySign::connect(&heysign_emulator));
    let adapter = |iters| {
        timed(client, iters, || async {
            heysign.send(one).await.map(drop).expect("send");
        })
    };
    compare(c, "heysign_upload_200mb", adapter, |iters| {
        timed(client, iters, || async {
            drop(raw.upload_file(&large[0]).await);
        })
    });
    compare(
        c,
        "heysign_upload_200mb_raw_checking_sha256",
        adapter,
        |iters| {
            timed(client, iters, || async {
                drop(raw.upload_file_checked(&large[0]).await);
            })
        },
    );
    drop(heysign_emulator);

    let leap_emulator = emulators.block_on(LeapSignEmulator::start());
    let leap = &common::leap_sign(&leap_emulator);
    let raw = &common::RawLeapSign::connect(&leap_emulator);
    compare(
        c,
        "leap_sign_upload_200mb",
        |iters| {
            timed(client, iters, || async {
                leap.send(one).await.map(drop).expect("send");
            })
        },
        |iters| {
            timed(client, iters, || async {
                drop(raw.send_file(&large[0]).await);
            })
        },
    );
    drop(leap_emulator);

    // The DocuSign emulator keeps every document it receives: each send gets a fresh one,
    // started, warmed up (token, account, connection) and dropped outside the clock.
    let eight = &request(&parts);
    let small = &common::envelope(common::pdf(common::DOCUMENT_LEN));
    let fresh = || {
        let emulator = emulators.block_on(common::docusign_emulator());
        let adapter = common::docusign(&emulator);
        client.block_on(adapter.send(small)).expect("warm-up send");
        let raw = client.block_on(common::RawDocuSign::connect(&emulator));
        client.block_on(raw.send(&common::pdf(common::DOCUMENT_LEN)));
        (emulator, adapter, raw)
    };
    compare(
        c,
        "docusign_upload_8x25mb",
        |iters| {
            (0..iters)
                .map(|_| {
                    let (_emulator, adapter, _) = fresh();
                    timed(client, 1, || async {
                        adapter.send(eight).await.map(drop).expect("send");
                    })
                })
                .sum()
        },
        |iters| {
            (0..iters)
                .map(|_| {
                    let (_emulator, _, raw) = fresh();
                    timed(client, 1, || async {
                        drop(raw.send_files(&parts).await);
                    })
                })
                .sum()
        },
    );
}

criterion_group! {
    name = group;
    config = common::criterion();
    targets = benches
}
criterion_main!(group);

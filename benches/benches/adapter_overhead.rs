//! Adapter overhead: `send` and `get` through each adapter (HeySign, LEAP Sign, DocuSign) against a hand-written `reqwest`
//! sequence making exactly the same HTTP exchanges with the same emulator.
//!
//! Client and emulator share one current-thread runtime, and the clock is that thread's CPU
//! time, so each figure is the CPU work of one operation on both sides of the loopback
//! connection, whatever else runs on the machine; the difference between `adapter` and `raw` is
//! what the adapter adds. Every 200 operations run against a fresh emulator, so both sides
//! see the same emulator cost; the token and the connection are set up before the clock starts,
//! for both sides.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use signing_core::{EnvelopeId, NewEnvelope, SigningProvider};
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use tokio::runtime::Runtime;

/// Operations per fresh emulator; see [`batched`].
const BATCH: u64 = 200;
/// Untimed operations at the start of each batch.
const WARM_UP: u64 = 50;
/// Alternating adapter and raw rounds for the paired ratio; see [`compare`].
const ROUNDS: usize = 200;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime builds")
}

/// Checks, before timing anything, that the raw sequences make the adapters' exchanges.
async fn check_exchanges() {
    let document = common::pdf(common::DOCUMENT_LEN);
    let request = common::envelope(document.clone());

    let emulator = HeySignEmulator::start().await;
    let adapter = common::heysign(&emulator);
    // The first send also fetches the token, which the raw sequence does when it connects.
    adapter.send(&request).await.expect("adapter send");
    let before = emulator.requests().len();
    let envelope = adapter.send(&request).await.expect("adapter send");
    adapter.get(&envelope.id).await.expect("adapter get");
    let by_adapter = emulator.requests().split_off(before);
    let raw = common::RawHeySign::connect(&emulator).await;
    let before = emulator.requests().len();
    let id = raw.send(&document).await;
    raw.get(&id).await;
    common::assert_same_exchanges(&by_adapter, &emulator.requests().split_off(before));
    let before = emulator.requests().len();
    raw.get_at_once(&id).await;
    common::assert_same_exchanges(
        &by_adapter[by_adapter.len() - 2..],
        &emulator.requests().split_off(before),
    );

    let emulator = LeapSignEmulator::start().await;
    let adapter = common::leap_sign(&emulator);
    let envelope = adapter.send(&request).await.expect("adapter send");
    adapter.get(&envelope.id).await.expect("adapter get");
    let by_adapter = emulator.requests();
    let raw = common::RawLeapSign::connect(&emulator);
    let id = raw.send(&document).await;
    raw.get(&id).await;
    let all = emulator.requests();
    common::assert_same_exchanges(&by_adapter, &all[by_adapter.len()..]);

    let emulator = common::docusign_emulator().await;
    let adapter = common::docusign(&emulator);
    // The first send also fetches the token and the account, which the raw sequence does when
    // it connects.
    adapter.send(&request).await.expect("adapter send");
    let before = emulator.requests().len();
    let envelope = adapter.send(&request).await.expect("adapter send");
    adapter.get(&envelope.id).await.expect("adapter get");
    let by_adapter = emulator.requests().split_off(before);
    let raw = common::RawDocuSign::connect(&emulator).await;
    let before = emulator.requests().len();
    let id = raw.send(&document).await;
    raw.get(&id).await;
    common::assert_same_exchanges(&by_adapter, &emulator.requests().split_off(before));
}

fn heysign(c: &mut Criterion, rt: &Runtime) {
    let document = common::pdf(common::DOCUMENT_LEN);
    let request = common::envelope(document.clone());
    let (request, document) = (&request, &document);

    compare(
        c,
        rt,
        "heysign_send",
        |iters| heysign_adapter_sends(iters, request),
        |iters| heysign_raw_sends(iters, document, false),
    );
    // The adapter also checks the SHA-256 HeySign reports for the upload against the
    // document's; so does this raw sequence, which leaves what the adapter adds besides.
    compare(
        c,
        rt,
        "heysign_send_raw_checking_sha256",
        |iters| heysign_adapter_sends(iters, request),
        |iters| heysign_raw_sends(iters, document, true),
    );

    compare(
        c,
        rt,
        "heysign_get",
        |iters| heysign_adapter_gets(iters, request),
        |iters| heysign_raw_gets(iters, document, false),
    );
    // The adapter makes `get`'s two reads at once; so does this raw sequence, which leaves
    // only what the adapter adds per exchange.
    compare(
        c,
        rt,
        "heysign_get_raw_at_once",
        |iters| heysign_adapter_gets(iters, request),
        |iters| heysign_raw_gets(iters, document, true),
    );
}

/// `iters` HeySign `send`s through the adapter.
async fn heysign_adapter_sends(iters: u64, request: &NewEnvelope) -> Duration {
    batched(
        iters,
        async || {
            let emulator = HeySignEmulator::start().await;
            let adapter = common::heysign(&emulator);
            adapter.send(request).await.expect("warm-up send");
            (emulator, adapter)
        },
        async |(_, adapter)| {
            black_box(adapter.send(request).await.expect("send"));
        },
    )
    .await
}

/// `iters` HeySign `send`s by hand, `checking` the upload's SHA-256 or not.
async fn heysign_raw_sends(iters: u64, document: &Bytes, checking: bool) -> Duration {
    batched(
        iters,
        async || {
            let emulator = HeySignEmulator::start().await;
            let raw = common::RawHeySign::connect(&emulator).await;
            raw.send(document).await;
            (emulator, raw)
        },
        async |(_, raw)| {
            if checking {
                black_box(raw.send_checked(document).await);
            } else {
                black_box(raw.send(document).await);
            }
        },
    )
    .await
}

/// `iters` HeySign `get`s through the adapter.
async fn heysign_adapter_gets(iters: u64, request: &NewEnvelope) -> Duration {
    batched(
        iters,
        async || {
            let emulator = HeySignEmulator::start().await;
            let adapter = common::heysign(&emulator);
            let id = adapter.send(request).await.expect("send").id;
            adapter.get(&id).await.expect("warm-up get");
            (emulator, adapter, id)
        },
        async |(_, adapter, id)| {
            black_box(adapter.get(id).await.expect("get"));
        },
    )
    .await
}

/// `iters` HeySign `get`s by hand, the two reads one after the other or `at_once`.
async fn heysign_raw_gets(iters: u64, document: &Bytes, at_once: bool) -> Duration {
    batched(
        iters,
        async || {
            let emulator = HeySignEmulator::start().await;
            let raw = common::RawHeySign::connect(&emulator).await;
            let id = raw.send(document).await;
            raw.get(&id).await;
            (emulator, raw, id)
        },
        async |(_, raw, id)| {
            if at_once {
                black_box(raw.get_at_once(id).await);
            } else {
                black_box(raw.get(id).await);
            }
        },
    )
    .await
}

fn leap_sign(c: &mut Criterion, rt: &Runtime) {
    let document = common::pdf(common::DOCUMENT_LEN);
    let request = common::envelope(document.clone());
    let (request, document) = (&request, &document);

    compare(
        c,
        rt,
        "leap_sign_send",
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = LeapSignEmulator::start().await;
                    let adapter = common::leap_sign(&emulator);
                    adapter.send(request).await.expect("warm-up send");
                    (emulator, adapter)
                },
                async |(_, adapter)| {
                    black_box(adapter.send(request).await.expect("send"));
                },
            )
        },
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = LeapSignEmulator::start().await;
                    let raw = common::RawLeapSign::connect(&emulator);
                    raw.send(document).await;
                    (emulator, raw)
                },
                async |(_, raw)| {
                    black_box(raw.send(document).await);
                },
            )
        },
    );

    compare(
        c,
        rt,
        "leap_sign_get",
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = LeapSignEmulator::start().await;
                    let adapter = common::leap_sign(&emulator);
                    let id: EnvelopeId = adapter.send(request).await.expect("send").id;
                    adapter.get(&id).await.expect("warm-up get");
                    (emulator, adapter, id)
                },
                async |(_, adapter, id)| {
                    black_box(adapter.get(id).await.expect("get"));
                },
            )
        },
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = LeapSignEmulator::start().await;
                    let raw = common::RawLeapSign::connect(&emulator);
                    let id = raw.send(document).await;
                    raw.get(&id).await;
                    (emulator, raw, id)
                },
                async |(_, raw, id)| {
                    black_box(raw.get(id).await);
                },
            )
        },
    );
}

fn docusign(c: &mut Criterion, rt: &Runtime) {
    let document = common::pdf(common::DOCUMENT_LEN);
    let request = common::envelope(document.clone());
    let (request, document) = (&request, &document);

    compare(
        c,
        rt,
        "docusign_send",
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = common::docusign_emulator().await;
                    let adapter = common::docusign(&emulator);
                    adapter.send(request).await.expect("warm-up send");
                    (emulator, adapter)
                },
                async |(_, adapter)| {
                    black_box(adapter.send(request).await.expect("send"));
                },
            )
        },
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = common::docusign_emulator().await;
                    let raw = common::RawDocuSign::connect(&emulator).await;
                    raw.send(document).await;
                    (emulator, raw)
                },
                async |(_, raw)| {
                    black_box(raw.send(document).await);
                },
            )
        },
    );

    compare(
        c,
        rt,
        "docusign_get",
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = common::docusign_emulator().await;
                    let adapter = common::docusign(&emulator);
                    let id: EnvelopeId = adapter.send(request).await.expect("send").id;
                    adapter.get(&id).await.expect("warm-up get");
                    (emulator, adapter, id)
                },
                async |(_, adapter, id)| {
                    black_box(adapter.get(id).await.expect("get"));
                },
            )
        },
        |iters| {
            batched(
                iters,
                async || {
                    let emulator = common::docusign_emulator().await;
                    let raw = common::RawDocuSign::connect(&emulator).await;
                    let id = raw.send(document).await;
                    raw.get(&id).await;
                    (emulator, raw, id)
                },
                async |(_, raw, id)| {
                    black_box(raw.get(id).await);
                },
            )
        },
    );
}

/// Times `adapter` and `raw` with criterion, then again in [`ROUNDS`] alternating rounds of
/// [`BATCH`] operations each, and prints two ratios adapter/raw:
///
/// - the median (and quartiles) of the per-round ratios: other processes on the machine slow
///   both sides of a round alike, so this stays steady where two criterion figures taken
///   seconds apart may drift;
/// - the ratio of each side's fastest tenth of batches: disturbance only ever adds time, so the
///   least disturbed batches give a second estimate of the work itself.
fn compare<A, AF, R, RF>(c: &mut Criterion, rt: &Runtime, name: &str, adapter: A, raw: R)
where
    A: Fn(u64) -> AF,
    AF: Future<Output = Duration>,
    R: Fn(u64) -> RF,
    RF: Future<Output = Duration>,
{
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    group.bench_function("adapter", |b| b.to_async(rt).iter_custom(&adapter));
    group.bench_function("raw", |b| b.to_async(rt).iter_custom(&raw));
    group.finish();

    if !common::selected(name) {
        return;
    }
    let rounds: Vec<(f64, f64)> = (0..ROUNDS)
        .map(|round| {
            let (by_adapter, by_raw) = if round % 2 == 0 {
                let by_adapter = rt.block_on(adapter(BATCH));
                (by_adapter, rt.block_on(raw(BATCH)))
            } else {
                let by_raw = rt.block_on(raw(BATCH));
                (rt.block_on(adapter(BATCH)), by_raw)
            };
            (by_adapter.as_secs_f64(), by_raw.as_secs_f64())
        })
        .collect();
    let ratios = sorted(rounds.iter().map(|(adapter, raw)| adapter / raw));
    let at = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    let fastest_tenth = |times: Vec<f64>| times[(times.len() - 1) / 10];
    let least_disturbed = fastest_tenth(sorted(rounds.iter().map(|r| r.0)))
        / fastest_tenth(sorted(rounds.iter().map(|r| r.1)));
    println!(
        "paired {name}: adapter/raw median {:.3}x (quartiles {:.3}x to {:.3}x), fastest tenth \
         {least_disturbed:.3}x ({ROUNDS} rounds of {BATCH})",
        at(2),
        at(1),
        at(3)
    );
}

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values
}

/// Runs `operation` `iters` times and returns how long that took, excluding `setup`.
///
/// The emulator keeps everything in memory and finds objects by scanning, so its cost per
/// request grows with what it holds. Every [`BATCH`] operations start from a fresh `setup`
/// (emulator, client, warm-up), which keeps that cost the same for both sides however many
/// iterations criterion asks each for.
async fn batched<S>(
    iters: u64,
    mut setup: impl AsyncFnMut() -> S,
    mut operation: impl AsyncFnMut(&S),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(BATCH);
        let state = setup().await;
        // Setting up (an emulator, a client with its TLS roots) leaves the caches cold; a few
        // untimed operations warm them again.
        for _ in 0..WARM_UP {
            operation(&state).await;
        }
        let started = CpuClock::start();
        for _ in 0..batch {
            operation(&state).await;
        }
        total += started.elapsed();
        left -= batch;
    }
    total
}

/// The time the benchmark's one thread spent on a CPU (user and system), which is the whole
/// work of client and emulator on a current-thread runtime, and which other processes competing
/// for the cores do not inflate the way they inflate wall time. Wall time where the thread's CPU
/// clock cannot be read.
enum CpuClock {
    Thread(Duration),
    Wall(Instant),
}

impl CpuClock {
    fn start() -> Self {
        thread_cpu_time().map_or_else(|| Self::Wall(Instant::now()), Self::Thread)
    }

    fn elapsed(&self) -> Duration {
        match self {
            Self::Thread(started) => thread_cpu_time()
                .expect("readable when the clock started")
                .saturating_sub(*started),
            Self::Wall(started) => started.elapsed(),
        }
    }
}

/// `CLOCK_THREAD_CPUTIME_ID`: exact to the nanosecond, unlike `/proc`'s counters, which move
/// only at scheduler ticks.
fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec` for the duration of the call.
    #[allow(unsafe_code)]
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut now) };
    if status != 0 {
        return None;
    }
    Some(Duration::new(
        u64::try_from(now.tv_sec).ok()?,
        u32::try_from(now.tv_nsec).ok()?,
    ))
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    rt.block_on(check_exchanges());
    heysign(c, &rt);
    leap_sign(c, &rt);
    docusign(c, &rt);
}

criterion_group! {
    name = group;
    config = common::criterion();
    targets = benches
}
criterion_main!(group);

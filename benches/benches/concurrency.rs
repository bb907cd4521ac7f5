//! Concurrency: 1,000 HeySign sends with 64 in flight through one `HeySign`, against the raw
//! sequence sharing one `reqwest::Client` and one token.
//!
//! Each run starts a fresh emulator and a fresh client, and the clock includes getting the
//! token: the adapter's 64 first calls race for it, and the run asserts that the emulator saw
//! exactly one token request. Throughput is reported in sends per second.

mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use futures_util::{StreamExt, TryStreamExt, stream};
use signing_core::SigningProvider;
use signing_testkit::emulator::heysign::HeySignEmulator;

const SENDS: usize = 1_000;
const IN_FLIGHT: usize = 64;
/// Alternating adapter and raw runs for the paired throughput ratio.
const ROUNDS: usize = 6;

fn benches(c: &mut Criterion) {
    // Client and emulator share the runtime's workers, one per core, as a service would.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime builds");
    let document = common::pdf(common::DOCUMENT_LEN);
    let request = common::envelope(document.clone());

    let adapter = |iters| {
        let request = &request;
        async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let emulator = HeySignEmulator::start().await;
                let adapter = common::heysign(&emulator);
                let started = Instant::now();
                stream::iter(0..SENDS)
                    .map(|_| adapter.send(request))
                    .buffer_unordered(IN_FLIGHT)
                    .try_for_each(|_| async { Ok(()) })
                    .await
                    .expect("every send succeeds");
                total += started.elapsed();
                assert_eq!(
                    emulator.token_requests(),
                    1,
                    "1,000 concurrent sends share one token"
                );
                assert_eq!(adapter.client().token_requests(), 1);
                assert_eq!(emulator.agreements().len(), SENDS);
            }
            total
        }
    };
    let raw = |iters| {
        let document = &document;
        async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let emulator = HeySignEmulator::start().await;
                let started = Instant::now();
                let raw = common::RawHeySign::connect(&emulator).await;
                stream::iter(0..SENDS)
                    .map(|_| raw.send(document))
                    .buffer_unordered(IN_FLIGHT)
                    .for_each(|_| async {})
                    .await;
                total += started.elapsed();
                assert_eq!(emulator.token_requests(), 1);
                assert_eq!(emulator.agreements().len(), SENDS);
            }
            total
        }
    };
    let mut group = c.benchmark_group("heysign_1000_sends_64_in_flight");
    group.throughput(Throughput::Elements(SENDS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.bench_function("adapter", |b| b.to_async(&rt).iter_custom(&adapter));
    group.bench_function("raw", |b| b.to_async(&rt).iter_custom(&raw));
    group.finish();

    // Alternating runs, so that other processes on the machine weigh on both sides alike.
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let (by_adapter, by_raw) = if round % 2 == 0 {
                let by_adapter = rt.block_on(adapter(1));
                (by_adapter, rt.block_on(raw(1)))
            } else {
                let by_raw = rt.block_on(raw(1));
                (rt.block_on(adapter(1)), by_raw)
            };
            by_raw.as_secs_f64() / by_adapter.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    println!(
        "paired heysign_1000_sends_64_in_flight: adapter/raw throughput median {:.3}x (range {:.3}x to {:.3}x, {ROUNDS} rounds)",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );
}

criterion_group! {
    name = group;
    config = common::criterion();
    targets = benches
}
criterion_main!(group);

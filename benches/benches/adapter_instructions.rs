//! One adapter operation, or its hand-written `reqwest` twin, repeated a given number of times
//! against a fresh emulator: the program `benches/instructions.py` runs under callgrind to count
//! the instructions each operation costs.
//!
//! Instruction counts do not move with the load on the machine the way time does, so they
//! cross-check the CPU-time ratios of `adapter_overhead`: the two sides make the same HTTP
//! exchanges (checked by `adapter_overhead` before it times anything) and the difference is the
//! work the adapter adds.
//!
//! ```sh
//! target/release/deps/adapter_instructions-<hash> heysign get adapter 1200
//! ```
//!
//! HeySign `get` has a third side, `raw-at-once`: the raw reads made at once, as the adapter
//! makes them.
//!
//! Run by `cargo bench` with no operation, it runs each operation once on both sides, so that
//! the program is known to work, and says how to use it.

mod common;

use std::hint::black_box;

use signing_core::{NewEnvelope, SigningProvider};
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;

const PROVIDERS: [&str; 2] = ["heysign", "leap-sign"];
const OPERATIONS: [&str; 2] = ["send", "get"];
const SIDES: [&str; 2] = ["adapter", "raw"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime builds");
    match args.as_slice() {
        [provider, operation, side, count] if !provider.starts_with('-') => {
            let count = count.parse().expect("the count is a number");
            runtime.block_on(run(provider, operation, side, count));
        }
        _ => {
            for provider in PROVIDERS {
                for operation in OPERATIONS {
                    for side in SIDES {
                        runtime.block_on(run(provider, operation, side, 1));
                    }
                    if (provider, operation) == ("heysign", "get") {
                        runtime.block_on(run(provider, operation, "raw-at-once", 1));
                    }
                }
            }
            println!(
                "adapter_instructions: every operation ran; count instructions with \
                 `python3 benches/instructions.py`"
            );
        }
    }
}

/// Sets up `provider`'s emulator and `side`, makes one untimed call to warm up (the token, the
/// connection), then `operation` `count` times.
async fn run(provider: &str, operation: &str, side: &str, count: u32) {
    assert!(
        OPERATIONS.contains(&operation),
        "the operation is `send` or `get`, not `{operation}`"
    );
    let document = common::pdf(common::DOCUMENT_LEN);
    let request = common::envelope(document.clone());
    let (document, request) = (&document, &request);
    let send = operation == "send";
    match (provider, side) {
        ("heysign", "adapter") => {
            let emulator = HeySignEmulator::start().await;
            through_adapter(&common::heysign(&emulator), request, send, count).await;
        }
        ("heysign", "raw") => {
            let emulator = HeySignEmulator::start().await;
            let raw = common::RawHeySign::connect(&emulator).await;
            let id = &raw.send(document).await;
            repeat(count, async || {
                if send {
                    black_box(raw.send(document).await);
                } else {
                    black_box(raw.get(id).await);
                }
            })
            .await;
        }
        ("heysign", "raw-at-once") if !send => {
            let emulator = HeySignEmulator::start().await;
            let raw = common::RawHeySign::connect(&emulator).await;
            let id = &raw.send(document).await;
            repeat(count, async || {
                black_box(raw.get_at_once(id).await);
            })
            .await;
        }
        ("leap-sign", "adapter") => {
            let emulator = LeapSignEmulator::start().await;
            through_adapter(&common::leap_sign(&emulator), request, send, count).await;
        }
        ("leap-sign", "raw") => {
            let emulator = LeapSignEmulator::start().await;
            let raw = common::RawLeapSign::connect(&emulator);
            let id = &raw.send(document).await;
            repeat(count, async || {
                if send {
                    black_box(raw.send(document).await);
                } else {
                    black_box(raw.get(id).await);
                }
            })
            .await;
        }
        _ => panic!(
            "usage: adapter_instructions <heysign|leap-sign> <send|get> <adapter|raw|raw-at-once> \
             <count>"
        ),
    }
}

async fn repeat(count: u32, mut operation: impl AsyncFnMut()) {
    for _ in 0..count {
        operation().await;
    }
}

async fn through_adapter(
    adapter: &impl SigningProvider,
    request: &NewEnvelope,
    send: bool,
    count: u32,
) {
    let id = &adapter.send(request).await.expect("send").id;
    repeat(count, async || {
        if send {
            black_box(adapter.send(request).await.expect("send"));
        } else {
            black_box(adapter.get(id).await.expect("get"));
        }
    })
    .await;
}

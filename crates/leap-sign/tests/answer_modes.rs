//! The adapter against answers that disagree with the project's assumptions: with only what
//! LEAP's documents promise (the project id and its status, under the assumed names), and in a
//! thousand seeded variants of what they leave open. A send always completes, a completion is
//! always confirmed, nothing panics, and nothing ends in `OutcomeUnknown`.

mod support;

use std::time::{Duration, Instant};

use signing_core::{EnvelopeStatus, SigningProvider};
use std::collections::BTreeSet;

use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use signing_testkit::emulator::{AnswerMode, VariationKind};
use support::{Receiver, adapter, request};

/// How many seeded variants the property runs.
const VARIANTS: u64 = 1_000;

#[tokio::test]
async fn a_send_completes_with_only_the_documented_fields() {
    let emu = LeapSignEmulator::builder()
        .answer_mode(AnswerMode::DocumentedOnly)
        .start()
        .await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let sent = leap.send(&request(2).build().unwrap()).await.expect("send");
    assert!(
        emu.project(sent.id.as_str()).is_some(),
        "the id is the project's"
    );
    assert_eq!(sent.status, EnvelopeStatus::Sent);
    let read = leap.get(&sent.id).await.expect("get");
    assert_eq!(read.id, sent.id);
    assert_eq!(read.status, EnvelopeStatus::Sent);
    // Nothing says who the signers are: the envelope has none rather than guessed ones.
    assert!(read.signers.is_empty(), "{:?}", read.signers);
    emu.sign_all(sent.id.as_str()).unwrap();
    let delivery = receiver
        .next(Duration::from_secs(5))
        .await
        .expect("the completion callback");
    let events = leap.parse_webhook(&delivery).await.expect("confirmed");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].envelope_id.as_ref(), Some(&sent.id));
    assert_eq!(
        leap.get(&sent.id).await.expect("get").status,
        EnvelopeStatus::Completed
    );
    leap.cancel(&leap.send(&request(1).build().unwrap()).await.unwrap().id)
        .await
        .expect("cancel");
}

#[tokio::test]
async fn a_thousand_variants_never_panic_nor_end_in_outcome_unknown() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut kinds_seen = BTreeSet::new();
    let mut confirmed = 0;
    for seed in 0..VARIANTS {
        emu.set_answer_mode(AnswerMode::Variant { seed });
        kinds_seen.extend(emu.variations().iter().map(|v| v.kind));
        let sent = match leap.send(&request(2).build().unwrap()).await {
            Ok(sent) => sent,
            Err(err) => {
                failures.push(format!("seed {seed}: send: {err}"));
                continue;
            }
        };
        if emu.project(sent.id.as_str()).is_none() {
            failures.push(format!(
                "seed {seed}: send named {} which is no project",
                sent.id
            ));
        }
        if let Err(err) = leap.get(&sent.id).await {
            failures.push(format!("seed {seed}: get: {err}"));
        }
        if seed % 10 != 0 {
            continue;
        }
        emu.sign_all(sent.id.as_str()).unwrap();
        let Some(delivery) = receiver.next(Duration::from_secs(5)).await else {
            failures.push(format!("seed {seed}: no callback"));
            continue;
        };
        match leap.parse_webhook(&delivery).await {
            Ok(_) => confirmed += 1,
            Err(err) => failures.push(format!("seed {seed}: callback: {err}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures over {VARIANTS} variants in {:?}:\n{}",
        failures.len(),
        started.elapsed(),
        failures.join("\n")
    );
    assert_eq!(
        confirmed,
        VARIANTS.div_ceil(10),
        "every completion is confirmed"
    );
    // The property is only as strong as the variants: every kind of change must have been made.
    // LEAP Sign's document declares no number or boolean as a string, so none is sent as one.
    let not_applicable = [
        VariationKind::StringAsNumber,
        VariationKind::StringAsBoolean,
    ];
    let missing: Vec<_> = VariationKind::ALL
        .into_iter()
        .filter(|kind| !not_applicable.contains(kind) && !kinds_seen.contains(kind))
        .collect();
    assert!(missing.is_empty(), "no variant made {missing:?}");
}

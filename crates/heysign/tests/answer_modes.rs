//! The adapter against answers that disagree with the project's assumptions: with only what
//! HeySign's documents promise, and in a thousand seeded variants of what they leave open. A
//! send always completes, nothing panics, and nothing ends in `OutcomeUnknown` while the
//! documented fields are there.

mod support;

use std::time::{Duration, Instant};

use heysign::HeySign;
use signing_core::webhook::WebhookSecret;
use signing_core::{Document, EnvelopeStatus, ListQuery, NewEnvelope, Signer, SigningProvider};
use std::collections::BTreeSet;

use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::{AnswerMode, VariationKind};
use signing_testkit::receiver::Receiver;

/// How many seeded variants the property runs.
const VARIANTS: u64 = 1_000;

fn request(reference: Option<String>) -> NewEnvelope {
    let mut builder = NewEnvelope::builder()
        .title("Lease")
        .document(Document::new("lease.pdf", &b"%PDF-1.7 lease"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .signer(Signer::new("Charles", "charles@example.com"));
    if let Some(reference) = reference {
        builder = builder.reference(reference);
    }
    builder.build().expect("a valid request")
}

async fn started(mode: AnswerMode) -> (HeySignEmulator, Receiver, HeySign) {
    let emulator = HeySignEmulator::builder().answer_mode(mode).start().await;
    let receiver = Receiver::start().await;
    let (_, secret) = emulator.register_webhook(&receiver.url(support::HOOKS), &[]);
    let provider = support::builder(&emulator)
        .with_webhook_secret(WebhookSecret::new(&secret).unwrap())
        .build()
        .expect("valid configuration");
    (emulator, receiver, provider)
}

#[tokio::test]
async fn the_main_job_works_with_only_the_documented_fields() {
    let (emulator, receiver, heysign) = started(AnswerMode::DocumentedOnly).await;
    let sent = heysign
        .send(&request(Some("documented-1".to_owned())))
        .await
        .expect("send");
    assert_eq!(sent.status, EnvelopeStatus::Sent);
    // The signers the request named, with the ids HeySign gave them.
    assert_eq!(sent.signers.len(), 2);
    assert!(sent.signers.iter().all(|s| s.id.is_some()));
    let read = heysign.get(&sent.id).await.expect("get");
    assert_eq!(read.status, EnvelopeStatus::Sent, "Pending is documented");
    assert_eq!(read.signers.len(), 2);
    heysign.list(&ListQuery::new()).await.expect("list");
    // The repeated send finds the first through the documented metadata.
    let again = heysign
        .send(&request(Some("documented-1".to_owned())))
        .await
        .expect("the same send again");
    assert_eq!(again.id, sent.id);
    emulator.sign_all(sent.id.as_str()).expect("signed");
    let mut verified = 0;
    while let Some(delivery) = receiver.next(Duration::from_millis(500)).await {
        let events = heysign
            .parse_webhook(&delivery)
            .await
            .expect("a genuine delivery");
        verified += events.iter().filter(|e| e.verified).count();
    }
    assert!(verified > 0, "the webhooks verify");
}

#[tokio::test]
async fn a_thousand_variants_never_panic_nor_end_in_outcome_unknown() {
    let (emulator, receiver, heysign) = started(AnswerMode::Assumed).await;
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut kinds_seen = BTreeSet::new();
    for seed in 0..VARIANTS {
        emulator.set_answer_mode(AnswerMode::Variant { seed });
        kinds_seen.extend(emulator.variations().iter().map(|v| v.kind));
        // Every tenth run with a reference, which also walks the listings.
        let reference = (seed % 10 == 0).then(|| format!("variant-{seed}"));
        let sent = match heysign.send(&request(reference)).await {
            Ok(sent) => sent,
            Err(err) => {
                failures.push(format!("seed {seed}: send: {err}"));
                continue;
            }
        };
        if let Err(err) = heysign.get(&sent.id).await {
            failures.push(format!("seed {seed}: get: {err}"));
        }
        if seed % 10 == 0 {
            if let Err(err) = heysign.list(&ListQuery::new().page_size(5)).await {
                failures.push(format!("seed {seed}: list: {err}"));
            }
            emulator.sign_all(sent.id.as_str()).expect("signed");
            match heysign.get(&sent.id).await {
                Ok(envelope) => assert!(
                    !matches!(&envelope.status, EnvelopeStatus::Other(raw) if raw.eq_ignore_ascii_case("completed")),
                    "seed {seed}: the completed status in another casing is still completed"
                ),
                Err(err) => failures.push(format!("seed {seed}: get after signing: {err}")),
            }
        }
        while let Some(delivery) = receiver.next(Duration::ZERO).await {
            if let Err(err) = heysign.parse_webhook(&delivery).await {
                failures.push(format!("seed {seed}: webhook: {err}"));
            }
        }
    }
    let unknown = failures.iter().filter(|f| f.contains("outcome of")).count();
    assert!(
        failures.is_empty(),
        "{} of {VARIANTS} variants failed ({unknown} with an unknown outcome) in {:?}:\n{}",
        failures.len(),
        started.elapsed(),
        failures.join("\n")
    );
    // The property is only as strong as the variants: every kind of change must have been made.
    // HeySign's document declares no number or boolean as a string, so none is sent as one.
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

//! The adapter against answers that disagree with the project's assumptions: with only what
//! DocuSign's documents promise for each answer, and in a thousand seeded variants of what they
//! leave open (optional fields missing or null, unknown fields, statuses in other casing,
//! strings sent as numbers or booleans, other time formats). A send always completes, nothing
//! panics, and nothing ends in `OutcomeUnknown` while the documented fields are there.

mod support;

use std::time::{Duration, Instant};

use docusign::DocuSign;
use signing_core::{
    Document, EnvelopeStatus, ListQuery, NewEnvelope, Signer, SigningOrder, SigningProvider,
};
use std::collections::BTreeSet;

use signing_testkit::emulator::docusign::DocuSignEmulator;
use signing_testkit::emulator::{AnswerMode, VariationKind};
use signing_testkit::receiver::Receiver;

/// How many seeded variants the property runs.
const VARIANTS: u64 = 1_000;

fn request(receiver: &Receiver, reference: Option<String>) -> NewEnvelope {
    let mut builder = NewEnvelope::builder()
        .title("Lease")
        .document(Document::new("lease.pdf", &b"%PDF-1.7 lease"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .signer(Signer::new("Charles", "charles@example.com"))
        .order(SigningOrder::Sequential)
        .cc("records@example.com")
        .callback_url(receiver.url(support::CONNECT))
        .allow_insecure_loopback_callback(true);
    if let Some(reference) = reference {
        builder = builder.reference(reference);
    }
    builder.build().expect("a valid request")
}

async fn started(mode: AnswerMode) -> (DocuSignEmulator, Receiver, DocuSign) {
    let emulator = DocuSignEmulator::builder()
        .answer_mode(mode)
        // A thousand sends run well past DocuSign's hourly budget; the limits are not under test.
        .rate_limits(u32::MAX, u32::MAX)
        .start()
        .await;
    let receiver = Receiver::start().await;
    let provider = support::builder(&emulator)
        .build()
        .expect("valid configuration");
    (emulator, receiver, provider)
}

#[tokio::test]
async fn the_main_job_works_with_only_the_documented_fields() {
    let (emulator, receiver, docusign) = started(AnswerMode::DocumentedOnly).await;
    let sent = docusign
        .send(&request(&receiver, Some("documented-1".to_owned())))
        .await
        .expect("send");
    assert_eq!(sent.status, EnvelopeStatus::Sent);
    let read = docusign.get(&sent.id).await.expect("get");
    assert_eq!(read.status, EnvelopeStatus::Sent);
    assert_eq!(read.signers.len(), 2);
    docusign.list(&ListQuery::new()).await.expect("list");
    let again = docusign
        .send(&request(&receiver, Some("documented-1".to_owned())))
        .await
        .expect("the same send again");
    assert_eq!(again.id, sent.id);
    emulator.sign_all(sent.id.as_str()).expect("signed");
    assert_eq!(
        docusign.get(&sent.id).await.expect("get").status,
        EnvelopeStatus::Completed
    );
    docusign.download(&sent.id).await.expect("download");
    let mut verified = 0;
    while let Some(delivery) = receiver.next(Duration::from_millis(500)).await {
        let events = docusign
            .parse_webhook(&delivery)
            .await
            .expect("a genuine message");
        verified += events.iter().filter(|e| e.verified).count();
    }
    assert!(verified > 0, "the Connect messages verify");
}

#[tokio::test]
async fn a_thousand_variants_never_panic_nor_end_in_outcome_unknown() {
    let (emulator, receiver, docusign) = started(AnswerMode::Assumed).await;
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut kinds_seen = BTreeSet::new();
    for seed in 0..VARIANTS {
        emulator.set_answer_mode(AnswerMode::Variant { seed });
        kinds_seen.extend(emulator.variations().iter().map(|v| v.kind));
        let reference = (seed % 10 == 0).then(|| format!("variant-{seed}"));
        let sent = match docusign.send(&request(&receiver, reference)).await {
            Ok(sent) => sent,
            Err(err) => {
                failures.push(format!("seed {seed}: send: {err}"));
                continue;
            }
        };
        if let Err(err) = docusign.get(&sent.id).await {
            failures.push(format!("seed {seed}: get: {err}"));
        }
        if seed % 10 == 0 {
            if let Err(err) = docusign.list(&ListQuery::new().page_size(5)).await {
                failures.push(format!("seed {seed}: list: {err}"));
            }
            emulator.sign_all(sent.id.as_str()).expect("signed");
            match docusign.get(&sent.id).await {
                Ok(envelope) if envelope.status == EnvelopeStatus::Completed => {}
                Ok(envelope) => failures.push(format!(
                    "seed {seed}: completed read as {}",
                    envelope.status
                )),
                Err(err) => failures.push(format!("seed {seed}: get after signing: {err}")),
            }
            if let Err(err) = docusign.download(&sent.id).await {
                failures.push(format!("seed {seed}: download: {err}"));
            }
        }
        while let Some(delivery) = receiver.next(Duration::ZERO).await {
            if let Err(err) = docusign.parse_webhook(&delivery).await {
                failures.push(format!("seed {seed}: webhook: {err}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures over {VARIANTS} variants in {:?}:\n{}",
        failures.len(),
        started.elapsed(),
        failures.join("\n")
    );
    // The property is only as strong as the variants: every kind of change must have been made.
    // DocuSign's OpenAPI document names every field it sends, so none is ever renamed.
    let missing: Vec<_> = VariationKind::ALL
        .into_iter()
        .filter(|kind| *kind != VariationKind::RenamedField && !kinds_seen.contains(kind))
        .collect();
    assert!(missing.is_empty(), "no variant made {missing:?}");
}

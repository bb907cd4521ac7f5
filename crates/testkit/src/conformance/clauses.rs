//! The clauses of the contract, one function each.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::TryStreamExt;
use signing_core::{
    Document, DocumentFormat, EnvelopeId, EnvelopeStatus, ErrorKind, Event, EventKind, ListQuery,
    NationalId, NewEnvelope, NewEnvelopeBuilder, SignerStatus, SigningOrder, SigningProvider,
    SigningProviderExt, WebhookRequest,
};
use time::OffsetDateTime;

use super::{Harness, Outcome, SAMPLE_PDF};
use crate::memory::SignerAction;

/// A unique token per suite request, so runs and clauses never see each other's envelopes.
fn unique() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{}{n}",
        OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    )
}

fn signer(i: usize, tag: &str) -> signing_core::Signer {
    signing_core::Signer::new(
        format!("Signer {i}"),
        format!("signer{i}.{tag}@example.com"),
    )
}

/// A request with `signers` signers, built with the harness's customisation.
fn request_for<H: Harness>(harness: &H, signers: usize, tag: &str) -> NewEnvelopeBuilder {
    let builder = NewEnvelope::builder()
        .title(format!("Conformance {tag}"))
        .document(harness.document())
        .signers((0..signers).map(|i| signer(i, tag)));
    harness.customize(builder)
}

fn email(i: usize, tag: &str) -> String {
    format!("signer{i}.{tag}@example.com")
}

#[track_caller]
fn assert_kind(err: &signing_core::Error, expected: &str, matches: bool) {
    assert!(matches, "expected {expected}, got {:?} ({err})", err.kind());
}

/// Sends a parallel envelope and reads it back: both agree on the id, title, signers and status.
pub async fn send_then_get_agree<H: Harness>(harness: &H) -> Outcome {
    let tag = unique();
    let provider = harness.provider();
    let order = if provider.capabilities().parallel_signing {
        SigningOrder::Parallel
    } else {
        SigningOrder::Sequential
    };
    let request = request_for(harness, 2, &tag)
        .order(order)
        .build()
        .expect("valid request");
    let sent = provider.send(&request).await.expect("send");
    assert_eq!(sent.provider, provider.name());
    assert_eq!(sent.status, EnvelopeStatus::Sent, "status after send");

    let got = provider.get(&sent.id).await.expect("get after send");
    assert_eq!(got.id, sent.id);
    assert_eq!(got.status, EnvelopeStatus::Sent, "status read back");
    if let Some(title) = &got.title {
        assert_eq!(title, request.title());
    }
    if harness.reads_signers() {
        let emails: Vec<String> = got
            .signers
            .iter()
            .filter_map(|s| s.email.clone())
            .map(|e| e.to_ascii_lowercase())
            .collect();
        assert_eq!(
            emails,
            [email(0, &tag), email(1, &tag)],
            "signers read back"
        );
    }
    assert!(
        got.signers.iter().all(|s| s.status != SignerStatus::Signed),
        "nobody has signed yet"
    );
    Outcome::Passed
}

/// A document the provider cannot take is refused as an invalid request naming the document,
/// before any request is made: one of no recognised format already by the builder, one over the
/// provider's size limit by `send`.
pub async fn invalid_requests_are_refused_naming_the_field<H: Harness>(harness: &H) -> Outcome {
    let tag = unique();
    let provider = harness.provider();
    let before = harness.requests_seen();

    let refused_document = |document: Document| {
        harness
            .customize(
                NewEnvelope::builder()
                    .document(document)
                    .signers([signer(0, &tag)]),
            )
            .build()
            .expect("valid request")
    };

    let err = harness
        .customize(
            NewEnvelope::builder()
                .document(Document::new(
                    "notes.pdf",
                    &b"plain text that only claims to be a PDF"[..],
                ))
                .signers([signer(0, &tag)]),
        )
        .build()
        .expect_err("unrecognised document");
    assert_kind(
        &err,
        "InvalidRequest on documents[0].content",
        matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "documents[0].content"),
    );

    if let Some(max) = provider.capabilities().max_document_size
        && max < 64 * 1024 * 1024
    {
        let mut content = SAMPLE_PDF.to_vec();
        content.resize(usize::try_from(max).expect("fits") + 1, b' ');
        let too_large = refused_document(Document::new("large.pdf", content));
        let err = provider.send(&too_large).await.expect_err("too large");
        assert_kind(
            &err,
            "InvalidRequest on documents[0].content",
            matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "documents[0].content"),
        );
    }
    assert_eq!(
        harness.requests_seen(),
        before,
        "refused requests must not reach the provider"
    );
    Outcome::Passed
}

/// Every option outside the declared capabilities is refused with `Unsupported`, before any
/// request is made.
pub async fn unsupported_options_are_refused_before_any_request<H: Harness>(
    harness: &H,
) -> Outcome {
    let tag = unique();
    let provider = harness.provider();
    let caps = provider.capabilities();
    let base = || request_for(harness, 2, &tag);
    let mut cases: Vec<(&str, NewEnvelopeBuilder)> = Vec::new();
    if !caps.sequential_signing {
        cases.push(("sequential signing", base().order(SigningOrder::Sequential)));
    }
    if !caps.parallel_signing {
        cases.push(("parallel signing", base().order(SigningOrder::Parallel)));
    }
    if !caps.cc_recipients {
        cases.push(("cc recipients", base().cc(format!("cc.{tag}@example.com"))));
    }
    if !caps.callback_url {
        cases.push((
            "callback URL",
            base().callback_url("https://app.example.com/signing/callback"),
        ));
    }
    if !caps.metadata {
        cases.push(("metadata", base().metadata("key", "value")));
    }
    if !caps.multiple_documents {
        cases.push((
            "multiple documents",
            base().document(Document::new("second.pdf", SAMPLE_PDF)),
        ));
    }
    if !caps.national_id {
        cases.push((
            "national id",
            base().signer(
                signer(5, &tag).national_id(NationalId::swedish_personal_number("191212121212")),
            ),
        ));
    }
    if !caps.formats.contains(&DocumentFormat::Docx) {
        let docx = b"PK\x03\x04\x14\x00\x00\x00\x00\x00word/document.xml<w:document/>".to_vec();
        let only_docx = harness.customize(
            NewEnvelope::builder()
                .document(Document::new("contract.docx", docx))
                .signers([signer(0, &tag)]),
        );
        cases.push(("DOCX documents", only_docx));
    }
    if cases.is_empty() {
        return Outcome::Skipped("the provider declares every option");
    }
    let before = harness.requests_seen();
    for (what, builder) in cases {
        let request = builder.build().expect("valid request");
        let err = provider.send(&request).await.expect_err(what);
        assert_kind(
            &err,
            &format!("Unsupported for {what}"),
            matches!(err.kind(), ErrorKind::Unsupported { provider: p, .. } if p == provider.name()),
        );
    }
    assert_eq!(
        harness.requests_seen(),
        before,
        "unsupported options must be refused before any request"
    );
    Outcome::Passed
}

/// Every operation outside the declared capabilities is refused with `Unsupported`, before
/// any request is made.
pub async fn unsupported_operations_are_refused_before_any_request<H: Harness>(
    harness: &H,
) -> Outcome {
    let provider = harness.provider();
    let caps = provider.capabilities();
    let id = harness.unknown_id();
    let before = harness.requests_seen();
    let mut refused = 0;
    let mut check = |what: &str, result: Option<signing_core::Error>| {
        if let Some(err) = result {
            assert_kind(
                &err,
                &format!("Unsupported for {what}"),
                matches!(err.kind(), ErrorKind::Unsupported { .. }),
            );
            refused += 1;
        }
    };
    if !caps.cancel {
        check("cancel", provider.cancel(&id).await.err());
    }
    if !caps.delete {
        check("delete", provider.delete(&id).await.err());
    }
    if !caps.list {
        check("list", provider.list(&ListQuery::new()).await.err());
    }
    if !caps.download {
        check("download", provider.download(&id).await.err());
    }
    if refused == 0 {
        return Outcome::Skipped("the provider declares every operation");
    }
    assert_eq!(
        harness.requests_seen(),
        before,
        "unsupported operations must be refused before any request"
    );
    Outcome::Passed
}

/// An id that names no envelope is `NotFound` for every operation that takes an id.
pub async fn unknown_id_is_not_found<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    let caps = provider.capabilities();
    let id = harness.unknown_id();
    let err = provider.get(&id).await.expect_err("get of an unknown id");
    assert!(err.is_not_found(), "get: expected NotFound, got {err:?}");
    if caps.cancel {
        let err = provider
            .cancel(&id)
            .await
            .expect_err("cancel of an unknown id");
        assert!(err.is_not_found(), "cancel: expected NotFound, got {err:?}");
    }
    if caps.delete {
        let err = provider
            .delete(&id)
            .await
            .expect_err("delete of an unknown id");
        assert!(err.is_not_found(), "delete: expected NotFound, got {err:?}");
    }
    Outcome::Passed
}

/// In a sequential envelope only the current signer can sign; each signature passes the turn.
pub async fn sequential_order_is_enforced<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    if !provider.capabilities().sequential_signing {
        return Outcome::Skipped("no sequential signing");
    }
    let tag = unique();
    let request = request_for(harness, 3, &tag)
        .order(SigningOrder::Sequential)
        .build()
        .expect("valid request");
    let sent = provider.send(&request).await.expect("send");
    harness
        .act(&sent.id, &email(1, &tag), SignerAction::Sign)
        .await
        .expect_err("the second signer must not sign before the first");
    harness
        .act(&sent.id, &email(0, &tag), SignerAction::Sign)
        .await
        .expect("the first signer signs");
    harness
        .act(&sent.id, &email(2, &tag), SignerAction::Sign)
        .await
        .expect_err("the third signer must not sign before the second");
    let midway = provider.get(&sent.id).await.expect("get");
    assert_eq!(midway.status, EnvelopeStatus::Sent);
    if harness.reads_signers() {
        assert_eq!(midway.signers[0].status, SignerStatus::Signed);
        assert_ne!(midway.signers[2].status, SignerStatus::Signed);
    } else {
        // Whatever is reported of the signers, the third has not signed.
        assert!(
            midway.signers.len() < 3 || midway.signers[2].status != SignerStatus::Signed,
            "{:?}",
            midway.signers
        );
    }
    for i in 1..3 {
        harness
            .act(&sent.id, &email(i, &tag), SignerAction::Sign)
            .await
            .expect("signing in turn");
    }
    let done = provider.get(&sent.id).await.expect("get");
    assert_eq!(done.status, EnvelopeStatus::Completed);
    Outcome::Passed
}

/// Sends an envelope, has everyone sign, and returns the envelope id with every delivery
/// received for it up to and including a verified `completed` event.
async fn complete_and_collect<H: Harness>(harness: &H) -> (EnvelopeId, Vec<WebhookRequest>, Event) {
    let provider = harness.provider();
    let tag = unique();
    let order = if provider.capabilities().parallel_signing {
        SigningOrder::Parallel
    } else {
        SigningOrder::Sequential
    };
    let request = request_for(harness, 2, &tag)
        .order(order)
        .build()
        .expect("valid request");
    let sent = provider.send(&request).await.expect("send");
    for i in 0..2 {
        harness
            .act(&sent.id, &email(i, &tag), SignerAction::Sign)
            .await
            .expect("sign");
    }
    let mut deliveries = Vec::new();
    loop {
        let delivery = harness
            .next_webhook(harness.event_timeout())
            .await
            .unwrap_or_else(|| panic!("no completed event arrived for envelope {}", sent.id));
        let events = provider
            .parse_webhook(&delivery)
            .await
            .expect("a genuine delivery is accepted");
        let ours: Vec<Event> = events
            .into_iter()
            .filter(|e| e.envelope_id.as_ref() == Some(&sent.id))
            .collect();
        if ours.is_empty() {
            continue;
        }
        deliveries.push(delivery);
        if let Some(completed) = ours.into_iter().find(|e| e.kind == EventKind::Completed) {
            return (sent.id, deliveries, completed);
        }
    }
}

/// When every signer has signed, the provider delivers a `completed` event that verifies.
pub async fn completion_produces_a_verified_completed_event<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    if !provider
        .capabilities()
        .supports(signing_core::Operation::ParseWebhook)
    {
        return Outcome::Skipped("no webhooks or callbacks");
    }
    let (id, _, completed) = complete_and_collect(harness).await;
    assert!(completed.verified, "the completed event must be verified");
    assert_eq!(completed.provider, provider.name());
    let envelope = provider.get(&id).await.expect("get");
    assert_eq!(envelope.status, EnvelopeStatus::Completed);
    assert!(
        envelope
            .signers
            .iter()
            .all(|s| s.status == SignerStatus::Signed)
    );
    Outcome::Passed
}

/// Parsing the same deliveries again, and in reverse order, never fails in an unexpected way:
/// each redelivered event keeps its id (so an application can drop it), or the provider
/// reports the delivery as a replay.
pub async fn duplicate_and_out_of_order_events_are_tolerated<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    if !provider
        .capabilities()
        .supports(signing_core::Operation::ParseWebhook)
    {
        return Outcome::Skipped("no webhooks or callbacks");
    }
    let (_, deliveries, completed) = complete_and_collect(harness).await;
    let redeliveries = deliveries.iter().chain(deliveries.iter().rev());
    for delivery in redeliveries {
        match provider.parse_webhook(delivery).await {
            Ok(events) => {
                for event in events.iter().filter(|e| e.kind == completed.kind) {
                    assert_eq!(
                        event.id, completed.id,
                        "a redelivered event must keep its id"
                    );
                }
            }
            Err(err) => assert_kind(
                &err,
                "Ok or a replay refusal",
                matches!(
                    err.kind(),
                    ErrorKind::WebhookVerification(signing_core::webhook::WebhookError::Replayed(
                        _
                    ))
                ),
            ),
        }
    }
    Outcome::Passed
}

/// A forged delivery is refused with a webhook verification error.
pub async fn forged_webhook_is_rejected<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    if !provider
        .capabilities()
        .supports(signing_core::Operation::ParseWebhook)
    {
        return Outcome::Skipped("no webhooks or callbacks");
    }
    let (_, deliveries, _) = complete_and_collect(harness).await;
    let genuine = deliveries.last().expect("at least one delivery");
    let err = provider
        .parse_webhook(&harness.forge(genuine))
        .await
        .expect_err("a forged delivery must be refused");
    assert_kind(
        &err,
        "WebhookVerification",
        matches!(err.kind(), ErrorKind::WebhookVerification(_)),
    );
    Outcome::Passed
}

/// Cancelling a sent envelope ends it: it reads back cancelled and nobody can sign.
pub async fn cancel_ends_the_envelope<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    if !provider.capabilities().cancel {
        return Outcome::Skipped("no cancel");
    }
    let tag = unique();
    let request = request_for(harness, 1, &tag)
        .build()
        .expect("valid request");
    let sent = provider.send(&request).await.expect("send");
    provider.cancel(&sent.id).await.expect("cancel");
    let envelope = provider.get(&sent.id).await.expect("get");
    assert_eq!(envelope.status, EnvelopeStatus::Cancelled);
    harness
        .act(&sent.id, &email(0, &tag), SignerAction::Sign)
        .await
        .expect_err("nobody signs a cancelled envelope");

    // A completed envelope cannot be cancelled.
    let tag = unique();
    let request = request_for(harness, 1, &tag)
        .build()
        .expect("valid request");
    let sent = provider.send(&request).await.expect("send");
    harness
        .act(&sent.id, &email(0, &tag), SignerAction::Sign)
        .await
        .expect("sign");
    let err = provider
        .cancel(&sent.id)
        .await
        .expect_err("cancelling a completed envelope");
    assert_kind(
        &err,
        "InvalidState",
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
    );
    Outcome::Passed
}

/// Listing pages through every envelope and filters by metadata.
pub async fn list_pages_and_filters_by_metadata<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    let caps = provider.capabilities();
    if !caps.list || !caps.metadata {
        return Outcome::Skipped("no listing by metadata");
    }
    let run = unique();
    let mut sent = Vec::new();
    for i in 0..3 {
        let tag = unique();
        let request = request_for(harness, 1, &tag)
            .metadata("conformance_run", run.clone())
            .metadata("parity", if i % 2 == 0 { "even" } else { "odd" })
            .build()
            .expect("valid request");
        sent.push(provider.send(&request).await.expect("send").id);
    }
    let query = ListQuery::new()
        .metadata("conformance_run", run.clone())
        .page_size(2);
    let first = provider.list(&query).await.expect("first page");
    assert_eq!(first.items.len(), 2, "a page holds page_size items");
    assert!(first.next_page.is_some(), "a second page follows");

    let all: Vec<EnvelopeId> = provider
        .list_all(query)
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .expect("every page");
    let all: HashSet<_> = all.into_iter().collect();
    assert_eq!(
        all,
        sent.iter().cloned().collect(),
        "every page, each envelope once"
    );

    let even: Vec<EnvelopeId> = provider
        .list_all(
            ListQuery::new()
                .metadata("conformance_run", run)
                .metadata("parity", "even"),
        )
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .expect("filtered");
    let even: HashSet<_> = even.into_iter().collect();
    assert_eq!(
        even,
        [sent[0].clone(), sent[2].clone()].into_iter().collect(),
        "every metadata filter must match"
    );
    Outcome::Passed
}

/// With a caller reference, sending the same request twice returns the first envelope.
pub async fn send_with_a_reference_is_idempotent<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    if !provider.capabilities().idempotent_send {
        return Outcome::Skipped("sends are not deduplicated");
    }
    let tag = unique();
    let request = request_for(harness, 1, &tag)
        .reference(format!("conformance-{tag}"))
        .build()
        .expect("valid request");
    let first = provider.send(&request).await.expect("first send");
    let second = provider.send(&request).await.expect("repeated send");
    assert_eq!(
        first.id, second.id,
        "a repeated send must not create a second envelope"
    );
    Outcome::Passed
}

/// The signed document of a completed envelope can be downloaded.
pub async fn download_returns_the_signed_document<H: Harness>(harness: &H) -> Outcome {
    let provider = harness.provider();
    if !provider.capabilities().download {
        return Outcome::Skipped("no download");
    }
    let tag = unique();
    let request = request_for(harness, 1, &tag)
        .build()
        .expect("valid request");
    let sent = provider.send(&request).await.expect("send");
    let err = provider
        .download(&sent.id)
        .await
        .expect_err("nothing is signed yet");
    assert_kind(
        &err,
        "InvalidState",
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
    );
    harness
        .act(&sent.id, &email(0, &tag), SignerAction::Sign)
        .await
        .expect("sign");
    let signed = provider.download(&sent.id).await.expect("download");
    assert!(signed.size().is_some_and(|size| size > 0));
    // Written to a writer, the signed document is the same bytes.
    let mut written = futures_util::io::Cursor::new(Vec::new());
    let len = provider
        .download_to(&sent.id, &mut written)
        .await
        .expect("download to a writer");
    assert_eq!(Some(len), signed.size());
    assert_eq!(
        Some(written.get_ref().as_slice()),
        signed.content().map(|c| &c[..])
    );
    Outcome::Passed
}

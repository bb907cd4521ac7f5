//! The in-memory provider's own behaviour: state machine, events, recording, failures.

use std::time::Duration;

use futures_util::StreamExt;
use signing_core::{
    Capabilities, Document, EnvelopeStatus, ErrorKind, EventKind, ListQuery, NewEnvelope, Signer,
    SignerStatus, SigningOrder, SigningProvider, SigningProviderExt, WatchOptions,
};
use signing_testkit::memory::{CallKind, MemoryProvider, SIGNED_MARKER, SignerAction};
use signing_testkit::webhooks::WebhookFixture;

fn request(order: SigningOrder) -> NewEnvelope {
    NewEnvelope::builder()
        .document(Document::new("nda.pdf", &b"%PDF-1.7 nda"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .signer(Signer::new("Bob", "bob@example.com"))
        .order(order)
        .metadata("team", "legal")
        .build()
        .unwrap()
}

#[tokio::test]
async fn deterministic_ids_and_full_lifecycle_events() {
    let provider = MemoryProvider::builder().deterministic_ids().build();
    let mut events = Box::pin(provider.events());
    let envelope = provider
        .send(&request(SigningOrder::Parallel))
        .await
        .unwrap();
    assert_eq!(envelope.id.as_str(), "env-1");
    provider
        .act(&envelope.id, "ada@example.com", SignerAction::View)
        .unwrap();
    provider
        .act(&envelope.id, "ada@example.com", SignerAction::Sign)
        .unwrap();
    provider
        .act(&envelope.id, "bob@example.com", SignerAction::Sign)
        .unwrap();

    let mut kinds = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(50), events.next()).await
    {
        assert!(event.verified);
        assert_eq!(event.envelope_id.as_ref(), Some(&envelope.id));
        kinds.push(event.kind);
    }
    assert_eq!(
        kinds,
        [
            EventKind::Created,
            EventKind::Sent,
            EventKind::SignerViewed,
            EventKind::SignerSigned,
            EventKind::SignerSigned,
            EventKind::Completed,
        ]
    );
    let ids: Vec<String> = provider
        .emitted_events()
        .into_iter()
        .map(|e| e.id.into_string())
        .collect();
    assert_eq!(ids[0], "evt-1");
    assert_eq!(ids.len(), 6);
}

#[tokio::test]
async fn sequential_signers_are_invited_in_turn() {
    let provider = MemoryProvider::new();
    let envelope = provider
        .send(&request(SigningOrder::Sequential))
        .await
        .unwrap();
    assert_eq!(envelope.signers[0].status, SignerStatus::Notified);
    assert_eq!(envelope.signers[1].status, SignerStatus::Waiting);
    let err = provider
        .act(&envelope.id, "bob@example.com", SignerAction::Sign)
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidState { message } if message.contains("turn")));
    provider
        .act(&envelope.id, "ada@example.com", SignerAction::Sign)
        .unwrap();
    let now = provider.get(&envelope.id).await.unwrap();
    assert_eq!(now.signers[1].status, SignerStatus::Notified);
    let err = provider
        .act(&envelope.id, "ada@example.com", SignerAction::Sign)
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidState { .. }));
    let err = provider
        .act(&envelope.id, "eve@example.com", SignerAction::Sign)
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn decline_and_expiry_end_the_envelope() {
    let provider = MemoryProvider::new();
    let declined = provider
        .send(&request(SigningOrder::Parallel))
        .await
        .unwrap();
    provider
        .act(&declined.id, "bob@example.com", SignerAction::Decline)
        .unwrap();
    let got = provider.get(&declined.id).await.unwrap();
    assert_eq!(got.status, EnvelopeStatus::Declined);
    assert_eq!(
        got.signer("bob@example.com").unwrap().status,
        SignerStatus::Declined
    );

    let expiring = provider
        .send(&request(SigningOrder::Parallel))
        .await
        .unwrap();
    provider.expire(&expiring.id).unwrap();
    assert_eq!(
        provider.get(&expiring.id).await.unwrap().status,
        EnvelopeStatus::Expired
    );
    assert!(provider.expire(&expiring.id).is_err());
    let kinds: Vec<EventKind> = provider
        .emitted_events()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&EventKind::SignerDeclined));
    assert!(kinds.contains(&EventKind::Declined));
    assert!(kinds.contains(&EventKind::Expired));
}

#[tokio::test]
async fn records_calls_and_fails_on_demand() {
    let provider = MemoryProvider::new();
    provider.fail_next(
        CallKind::Send,
        2,
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
        },
    );
    for _ in 0..2 {
        let err = provider
            .send(&request(SigningOrder::Parallel))
            .await
            .unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
        assert_eq!(err.provider(), Some("memory"));
    }
    let envelope = provider
        .send(&request(SigningOrder::Parallel))
        .await
        .unwrap();
    provider.get(&envelope.id).await.unwrap();
    let kinds: Vec<CallKind> = provider.calls().into_iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CallKind::Send,
            CallKind::Send,
            CallKind::Send,
            CallKind::Get
        ]
    );
    assert_eq!(provider.calls()[3].envelope_id.as_ref(), Some(&envelope.id));
    // Failed calls never reached the state.
    assert_eq!(provider.backend_requests(), 2);
}

#[tokio::test]
async fn fewer_capabilities_refuse_before_touching_state() {
    let mut caps = Capabilities::all();
    caps.sequential_signing = false;
    caps.cancel = false;
    let provider = MemoryProvider::builder().capabilities(caps).build();
    let err = provider
        .send(&request(SigningOrder::Sequential))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unsupported { operation, .. } if operation == "sequential signing")
    );
    let sent = provider
        .send(&request(SigningOrder::Parallel))
        .await
        .unwrap();
    let err = provider.cancel(&sent.id).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unsupported { .. }));
    assert_eq!(provider.backend_requests(), 1);
}

#[tokio::test]
async fn download_marks_the_signed_copy() {
    let provider = MemoryProvider::new();
    let envelope = provider
        .send(&request(SigningOrder::Parallel))
        .await
        .unwrap();
    assert!(matches!(
        provider.download(&envelope.id).await.unwrap_err().kind(),
        ErrorKind::InvalidState { .. }
    ));
    for email in ["ada@example.com", "bob@example.com"] {
        provider
            .act(&envelope.id, email, SignerAction::Sign)
            .unwrap();
    }
    let signed = provider.download(&envelope.id).await.unwrap();
    assert!(signed.content().unwrap().starts_with(b"%PDF-1.7 nda"));
    assert!(signed.content().unwrap().ends_with(SIGNED_MARKER));
    assert_eq!(signed.name(), "nda.pdf");
}

#[tokio::test]
async fn delete_removes_and_list_pages() {
    let provider = MemoryProvider::new();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            provider
                .send(&request(SigningOrder::Parallel))
                .await
                .unwrap()
                .id,
        );
    }
    provider.delete(&ids[0]).await.unwrap();
    assert!(provider.get(&ids[0]).await.unwrap_err().is_not_found());
    assert!(provider.delete(&ids[0]).await.unwrap_err().is_not_found());

    let page = provider.list(&ListQuery::new().page_size(3)).await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.total, Some(4));
    let rest = provider
        .list(
            &ListQuery::new()
                .page_size(3)
                .page_token(page.next_page.unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next_page.is_none());
    let err = provider
        .list(&ListQuery::new().page_token("garbage"))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "page_token"));
    assert!(
        provider
            .list(&ListQuery::new().metadata("team", "sales"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn idempotent_send_by_reference() {
    let provider = MemoryProvider::new();
    let with_ref = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .reference("order-7")
        .build()
        .unwrap();
    let first = provider.send(&with_ref).await.unwrap();
    let again = provider.send(&with_ref).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(first.reference.as_deref(), Some("order-7"));
    assert_eq!(
        provider.list(&ListQuery::new()).await.unwrap().items.len(),
        1
    );
}

#[tokio::test]
async fn webhooks_verify_and_forgeries_do_not() {
    let provider = MemoryProvider::new();
    let envelope = provider
        .send(&request(SigningOrder::Parallel))
        .await
        .unwrap();
    let created = provider
        .next_delivery(Duration::from_secs(1))
        .await
        .unwrap();
    let events = provider.parse_webhook(&created).await.unwrap();
    assert_eq!(events[0].kind, EventKind::Created);
    assert_eq!(events[0].envelope_id.as_ref(), Some(&envelope.id));

    let fixture = WebhookFixture::new(provider.webhook_secret().clone(), created.body.clone());
    for forged in [
        fixture.tampered(),
        fixture.wrong_key(),
        fixture.stale(Duration::from_secs(3600)),
    ] {
        let err = provider.parse_webhook(&forged).await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::WebhookVerification(_)),
            "{err}"
        );
    }
    // A signed but malformed body is refused too, not a panic.
    let err = provider
        .parse_webhook(&WebhookFixture::new(provider.webhook_secret().clone(), "not json").signed())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WebhookVerification(_)));
}

#[tokio::test]
async fn watch_follows_to_completion() {
    let provider = MemoryProvider::new();
    let envelope = provider
        .send(&request(SigningOrder::Sequential))
        .await
        .unwrap();
    let signer = provider.clone();
    let id = envelope.id.clone();
    tokio::spawn(async move {
        for email in ["ada@example.com", "bob@example.com"] {
            tokio::time::sleep(Duration::from_millis(20)).await;
            signer.act(&id, email, SignerAction::Sign).unwrap();
        }
    });
    let statuses: Vec<EnvelopeStatus> = provider
        .watch(&envelope.id, WatchOptions::every(Duration::from_millis(5)))
        .map(|e| e.unwrap().status)
        .collect()
        .await;
    assert_eq!(statuses.first(), Some(&EnvelopeStatus::Sent));
    assert_eq!(statuses.last(), Some(&EnvelopeStatus::Completed));
}

//! The adapter's behaviour against the DocuSign emulator: tokens and consent, faults (timeouts,
//! 5xx, the 400 rate limits, lost answers), the polling rule, Connect with several keys,
//! documents, drafts and declines.

mod support;

use std::time::{Duration, Instant};

use docusign::{ConsentRequired, DocuSignBuilder, EnvelopeDefinition, NewDocument, NewSigner};
use futures_util::StreamExt;
use signing_core::webhook::WebhookError;
use signing_core::{
    Document, EnvelopeId, EnvelopeStatus, ErrorKind, EventKind, NewEnvelope, RateLimitScope,
    RetryPolicy, Signer, SignerStatus, SigningOrder, SigningProvider, SigningProviderExt,
    WatchOptions, WebhookRequest,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::docusign::{DocuSignEmulator, Route};
use support::{DocuSignHarness, builder};

fn request(reference: Option<&str>) -> NewEnvelope {
    let mut builder = NewEnvelope::builder()
        .title("Lease")
        .document(Document::new("lease.pdf", &b"%PDF-1.7 lease"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .signer(Signer::new("Bob", "bob@example.com"));
    if let Some(reference) = reference {
        builder = builder.reference(reference);
    }
    builder.build().unwrap()
}

fn status_of(emulator: &DocuSignEmulator, id: &EnvelopeId) -> String {
    emulator.envelope(id.as_str()).unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_hundred_concurrent_calls_make_one_token_and_one_userinfo_request() {
    let h = DocuSignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    let fresh = builder(&h.emulator).build().unwrap();
    let before = h.emulator.token_requests();
    let calls = (0..100).map(|_| fresh.get(&sent.id));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(h.emulator.token_requests() - before, 1);
    assert_eq!(fresh.client().token_requests(), 1);
    assert_eq!(
        h.emulator.request_count(Route::UserInfo),
        2,
        "one per client"
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_without_asking_userinfo_again() {
    let h = DocuSignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    h.emulator.expire_tokens();
    let got = h.provider.get(&sent.id).await.unwrap();
    assert_eq!(got.status, EnvelopeStatus::Sent);
    assert_eq!(h.emulator.token_requests(), 2);
    assert_eq!(h.emulator.request_count(Route::UserInfo), 1);
}

#[tokio::test]
async fn tokens_are_minted_again_before_they_expire() {
    let emulator = DocuSignEmulator::builder()
        .token_lifetime(Duration::from_secs(2))
        .start()
        .await;
    let docusign = builder(&emulator).build().unwrap();
    let sent = docusign.send(&request(None)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    docusign.get(&sent.id).await.unwrap();
    assert_eq!(emulator.token_requests(), 2);
    // No request was refused: the token was replaced before it expired.
    assert!(
        emulator
            .requests()
            .iter()
            .all(|r| r.route != Some(Route::GetEnvelope.as_str())
                || r.headers.contains_key("authorization"))
    );
    assert_eq!(emulator.request_count(Route::GetEnvelope), 1);
}

#[tokio::test]
async fn consent_required_is_its_own_error_carrying_the_consent_url() {
    let emulator = DocuSignEmulator::builder().without_consent().start().await;
    let docusign = builder(&emulator)
        .with_redirect_uri("https://app.example.com/consented")
        .build()
        .unwrap();
    let err = docusign.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unauthenticated { .. }),
        "{err:?}"
    );
    let consent = ConsentRequired::of(&err).expect("a consent error");
    let url = consent.url();
    assert_eq!(url.path(), "/oauth/auth");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert!(pairs.contains(&("client_id".into(), emulator.integration_key().into())));
    assert!(pairs.contains(&("scope".into(), "signature impersonation".into())));
    assert!(pairs.contains(&(
        "redirect_uri".into(),
        "https://app.example.com/consented".into()
    )));
    assert!(err.to_string().contains(url.as_str()), "{err}");
    assert_eq!(emulator.request_count(Route::CreateEnvelope), 0);

    emulator.grant_consent();
    docusign.send(&request(None)).await.unwrap();
}

#[tokio::test]
async fn a_wrong_user_is_unauthenticated_and_says_what_to_check() {
    let emulator = DocuSignEmulator::start().await;
    let docusign = builder(&emulator)
        .with_user_id("00000000-0000-0000-0000-000000000000")
        .build()
        .unwrap();
    let err = docusign.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unauthenticated { message } if message.contains("user_not_found") && message.contains("environment")),
        "{err:?}"
    );
    assert!(ConsentRequired::of(&err).is_none());
}

#[tokio::test]
async fn reads_are_retried_after_timeouts_and_5xx_and_creates_are_not() {
    let emulator = DocuSignEmulator::start().await;
    let docusign = builder(&emulator)
        .with_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let sent = docusign.send(&request(None)).await.unwrap();
    emulator.inject(Route::GetEnvelope, Fault::Delay(Duration::from_secs(2)), 1);
    emulator.inject(Route::GetEnvelope, Fault::Status(500), 1);
    docusign.get(&sent.id).await.unwrap();
    assert_eq!(emulator.request_count(Route::GetEnvelope), 3);

    emulator.inject(Route::CreateEnvelope, Fault::Status(500), 1);
    let err = docusign.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { message, .. } if message.contains("reference")),
        "{err:?}"
    );
    emulator.inject(
        Route::CreateEnvelope,
        Fault::Delay(Duration::from_secs(2)),
        1,
    );
    let err = docusign.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(
        emulator.request_count(Route::CreateEnvelope),
        3,
        "never repeated"
    );
}

#[tokio::test]
async fn the_400_rate_limits_wait_for_the_reset_then_go_on() {
    let h = DocuSignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    h.emulator.inject(
        Route::GetEnvelope,
        Fault::RateLimited {
            retry_after: "1".to_owned(),
        },
        1,
    );
    let started = Instant::now();
    h.provider.get(&sent.id).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(h.emulator.request_count(Route::GetEnvelope), 2);

    // A refused create never took effect: it is sent again after the wait.
    h.emulator.inject(
        Route::CreateEnvelope,
        Fault::RateLimited {
            retry_after: "1".to_owned(),
        },
        1,
    );
    h.provider.send(&request(None)).await.unwrap();
    assert_eq!(h.emulator.envelopes().len(), 2);

    // A wait longer than the retry budget is returned to the caller with the wait.
    h.emulator.inject(
        Route::GetEnvelope,
        Fault::RateLimited {
            retry_after: "600".to_owned(),
        },
        1,
    );
    let err = h.provider.get(&sent.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { retry_after: Some(after) } if *after > Duration::from_secs(500)),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn a_lost_answer_to_a_create_is_outcome_unknown_and_the_reference_finds_it() {
    let h = DocuSignHarness::start().await;
    h.emulator
        .inject(Route::CreateEnvelope, Fault::LostAnswer, 1);
    let err = h
        .provider
        .send(&request(Some("order-7")))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(h.emulator.envelopes().len(), 1, "it was created");
    let again = h.provider.send(&request(Some("order-7"))).await.unwrap();
    assert_eq!(h.emulator.envelopes().len(), 1, "and not a second time");
    assert_eq!(
        again.id.as_str(),
        h.emulator.envelopes()[0]["envelopeId"].as_str().unwrap()
    );
    assert_eq!(again.reference.as_deref(), Some("order-7"));
}

#[tokio::test]
async fn a_void_whose_answer_was_lost_is_settled_by_reading_back() {
    let h = DocuSignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    h.emulator
        .inject(Route::UpdateEnvelope, Fault::LostAnswer, 1);
    h.provider.cancel(&sent.id).await.unwrap();
    assert_eq!(status_of(&h.emulator, &sent.id), "voided");
    assert_eq!(h.emulator.request_count(Route::UpdateEnvelope), 2);
    // Voiding a voided envelope otherwise is refused.
    let err = h.provider.cancel(&sent.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_polling_rule_is_declared_refused_as_a_rate_limit_and_respected_by_watch() {
    let h = DocuSignHarness::start().await;
    assert_eq!(
        h.provider.capabilities().min_poll_interval,
        Some(Duration::from_secs(15 * 60))
    );
    let sent = h.provider.send(&request(None)).await.unwrap();
    h.emulator
        .enforce_polling_limit(Duration::from_secs(15 * 60));
    h.provider.get(&sent.id).await.unwrap();
    let err = h.provider.get(&sent.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { .. }),
        "{err:?}"
    );
    assert_eq!(
        docusign::ApiError::of(&err).unwrap().code(),
        "Hourly_Envelope_Polling_Limit_Exceeded"
    );
    // Only this envelope must wait, for the polling interval, not the account's hourly reset.
    assert_eq!(err.rate_limit_scope(), Some(RateLimitScope::Resource));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(15 * 60)));

    // `watch` asked to poll every 10 ms reads once, then waits the 15 minutes.
    h.emulator.lift_polling_limit();
    let reads = h.emulator.request_count(Route::GetEnvelope);
    let mut updates = h
        .provider
        .watch(&sent.id, WatchOptions::every(Duration::from_millis(10)));
    updates.next().await.unwrap().unwrap();
    h.emulator
        .sign(sent.id.as_str(), "ada@example.com")
        .unwrap();
    let next = tokio::time::timeout(Duration::from_millis(500), updates.next()).await;
    assert!(
        next.is_err(),
        "watch polled again within the polling interval"
    );
    assert_eq!(h.emulator.request_count(Route::GetEnvelope), reads + 1);
}

#[tokio::test]
async fn connect_messages_verify_under_rotated_keys_and_keep_their_id_when_redelivered() {
    let emulator = DocuSignEmulator::builder()
        .hmac_keys(["old-connect-key", "new-connect-key"])
        .start()
        .await;
    let h = DocuSignHarness::start_with(emulator, Box::new).await;
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7 a"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .callback_url(h.receiver.url(support::CONNECT))
        .allow_insecure_loopback_callback(true)
        .build()
        .unwrap();
    let sent = h.provider.send(&request).await.unwrap();
    h.emulator
        .sign(sent.id.as_str(), "ada@example.com")
        .unwrap();
    let delivery = h
        .emulator
        .wait_for_delivery(
            sent.id.as_str(),
            "envelope-completed",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert!(delivery.headers.contains_key("x-docusign-signature-2"));
    let as_received = WebhookRequest::new(delivery.headers.clone(), delivery.body.clone());

    // An application that has moved to the new key only.
    let rotated = DocuSignBuilder::new()
        .with_auth_url(h.emulator.auth_url())
        .with_integration_key(h.emulator.integration_key())
        .with_user_id(h.emulator.user_id())
        .with_private_key_pem(h.emulator.private_key_pem())
        .with_hmac_key("new-connect-key")
        .build()
        .unwrap();
    let events = rotated.parse_webhook(&as_received).await.unwrap();
    assert_eq!(events[0].kind, EventKind::Completed);
    assert_eq!(events[0].envelope_id.as_ref(), Some(&sent.id));
    assert!(events[0].verified);

    // A redelivery, byte for byte, keeps the event id.
    let index = h
        .emulator
        .deliveries()
        .iter()
        .position(|d| d.event == "envelope-completed" && d.envelope_id == sent.id.as_str())
        .unwrap();
    let again = h.emulator.redeliver(index).await.unwrap();
    let redelivered = rotated
        .parse_webhook(&WebhookRequest::new(again.headers, again.body))
        .await
        .unwrap();
    assert_eq!(redelivered[0].id, events[0].id);

    // Neither key: refused.
    let stranger = DocuSignBuilder::new()
        .with_auth_url(h.emulator.auth_url())
        .with_integration_key(h.emulator.integration_key())
        .with_user_id(h.emulator.user_id())
        .with_private_key_pem(h.emulator.private_key_pem())
        .with_hmac_key("some-other-key")
        .build()
        .unwrap();
    let err = stranger.parse_webhook(&as_received).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::WebhookVerification(WebhookError::SignatureMismatch)
    ));
}

#[tokio::test]
async fn the_signed_pdf_and_the_certificate_come_once_completed() {
    let h = DocuSignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    let err = h.provider.download(&sent.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );
    h.emulator.sign_all(sent.id.as_str()).unwrap();
    let signed = h.provider.download(&sent.id).await.unwrap();
    assert!(signed.content().unwrap().starts_with(b"%PDF-1.7 lease"));
    assert_eq!(signed.content_type(), "application/pdf");
    // Streamed to a writer: the same bytes, counted.
    let mut streamed = futures_util::io::Cursor::new(Vec::new());
    let written = h
        .provider
        .download_to(&sent.id, &mut streamed)
        .await
        .unwrap();
    assert_eq!(
        streamed.get_ref().as_slice(),
        &signed.content().unwrap()[..]
    );
    assert_eq!(written, signed.size().unwrap());
    let certificate = h
        .provider
        .client()
        .documents()
        .certificate(&docusign::EnvelopeId::new(sent.id.as_str()))
        .await
        .unwrap();
    assert!(certificate.starts_with(b"%PDF-"));
    let one = h
        .provider
        .client()
        .documents()
        .get(
            &docusign::EnvelopeId::new(sent.id.as_str()),
            &docusign::DocumentId::new("1"),
        )
        .await
        .unwrap();
    assert_eq!(&one[..], b"%PDF-1.7 lease");
}

#[tokio::test]
async fn sequential_routing_declines_and_carbon_copies_read_back() {
    let h = DocuSignHarness::start().await;
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7 a"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .signer(Signer::new("Bob", "bob@example.com"))
        .order(SigningOrder::Sequential)
        .cc("records@example.com")
        .build()
        .unwrap();
    let sent = h.provider.send(&request).await.unwrap();
    let got = h.provider.get(&sent.id).await.unwrap();
    assert_eq!(got.signers.len(), 2, "carbon copies are no signers");
    assert_eq!(got.signers[0].status, SignerStatus::Notified);
    assert_eq!(got.signers[1].status, SignerStatus::Waiting);
    h.emulator
        .view(sent.id.as_str(), "ada@example.com")
        .unwrap();
    assert_eq!(
        h.provider.get(&sent.id).await.unwrap().signers[0].status,
        SignerStatus::Viewed
    );
    h.emulator
        .decline(sent.id.as_str(), "ada@example.com", "no")
        .unwrap();
    let declined = h.provider.get(&sent.id).await.unwrap();
    assert_eq!(declined.status, EnvelopeStatus::Declined);
    assert_eq!(declined.signers[0].status, SignerStatus::Declined);
    let cc = &h.emulator.envelope(sent.id.as_str()).unwrap()["recipients"]["carbonCopies"][0];
    assert_eq!(cc["routingOrder"], "3");
}

#[tokio::test]
async fn only_drafts_are_deleted() {
    let h = DocuSignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    let err = h.provider.delete(&sent.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );
    assert_eq!(
        status_of(&h.emulator, &sent.id),
        "sent",
        "not voided by a recycle"
    );
    assert_eq!(h.emulator.request_count(Route::MoveEnvelopes), 0);

    let mut draft = EnvelopeDefinition::new("Draft");
    draft
        .documents
        .push(NewDocument::new("1", "d.pdf", "pdf", &b"%PDF-1.7 d"[..]));
    draft
        .recipients
        .signers
        .push(NewSigner::new("1", "Ada", "ada@example.com", 1));
    let created = h
        .provider
        .client()
        .envelopes()
        .create(&draft)
        .await
        .unwrap();
    let id = EnvelopeId::new(created.envelope_id.as_str());
    assert_eq!(
        h.provider.get(&id).await.unwrap().status,
        EnvelopeStatus::Draft
    );
    h.provider.delete(&id).await.unwrap();
    assert_eq!(
        h.provider.get(&id).await.unwrap().status,
        EnvelopeStatus::Deleted
    );
    // Deleting again changes nothing and succeeds.
    h.provider.delete(&id).await.unwrap();
    assert_eq!(h.emulator.request_count(Route::MoveEnvelopes), 1);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let emulator = DocuSignEmulator::start().await;
    let docusign = builder(&emulator)
        .with_retry(RetryPolicy::never())
        .build()
        .unwrap();
    let sent = docusign.send(&request(None)).await.unwrap();
    emulator.inject(Route::GetEnvelope, Fault::Status(503), 1);
    let err = docusign.get(&sent.id).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(emulator.request_count(Route::GetEnvelope), 1);
}

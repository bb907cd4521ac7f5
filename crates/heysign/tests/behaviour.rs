//! The adapter's behaviour against the HeySign emulator: token handling, clean-up of failed
//! sends, idempotent sends, faults, webhooks and secrets.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use heysign::{HeySignBuilder, NewAgreement};
use signing_core::webhook::WebhookError;
use signing_core::{
    Document, EnvelopeId, EnvelopeStatus, ErrorKind, InMemoryReplayGuard, NewEnvelope, RetryPolicy,
    Signer, SigningProvider, TransportKind,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::heysign::{HeySignEmulator, Route};
use support::HeySignHarness;

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

/// Whether an error has the expected kind.
type Expected = fn(&ErrorKind) -> bool;

fn route_count(emulator: &HeySignEmulator, route: Route) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.route == Some(route.as_str()))
        .count()
}

/// Agreements the emulator holds that are not deleted.
fn live_agreements(emulator: &HeySignEmulator) -> usize {
    emulator
        .agreements()
        .iter()
        .filter(|a| a["status"] != "Deleted")
        .count()
}

#[tokio::test]
async fn a_hundred_concurrent_calls_make_one_token_request() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    let fresh = support::builder(&h.emulator).build().unwrap();
    let before = h.emulator.token_requests();
    let calls = (0..100).map(|_| fresh.get(&sent.id));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(h.emulator.token_requests() - before, 1);
    assert_eq!(fresh.client().token_requests(), 1);
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_transparently() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    assert_eq!(h.emulator.token_requests(), 1);
    h.emulator.expire_tokens();
    let got = h.provider.get(&sent.id).await.unwrap();
    assert_eq!(got.status, EnvelopeStatus::Sent);
    assert_eq!(h.emulator.token_requests(), 2);
}

#[tokio::test]
async fn tokens_are_refreshed_before_they_expire() {
    let emulator = HeySignEmulator::builder()
        .token_lifetime(Duration::from_secs(2))
        .start()
        .await;
    let heysign = support::builder(&emulator).build().unwrap();
    let sent = heysign.send(&request(None)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    heysign.get(&sent.id).await.unwrap();
    assert_eq!(emulator.token_requests(), 2);
    // No request was refused: the token was replaced before it expired.
    assert!(emulator.requests().iter().all(|r| r.route.is_some()));
}

#[tokio::test]
async fn wrong_credentials_are_unauthenticated_without_leaking_the_secret() {
    let emulator = HeySignEmulator::start().await;
    let heysign = HeySignBuilder::new()
        .with_api_url(emulator.api_url())
        .with_auth_url(emulator.auth_url())
        .with_client_credentials(emulator.client_id(), "not-the-secret")
        .with_issuer("Acme")
        .build()
        .unwrap();
    let err = heysign.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unauthenticated { .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("not-the-secret"));
}

#[tokio::test]
async fn a_failed_submit_deletes_the_draft_and_reports_the_original_error() {
    let h = HeySignHarness::start().await;
    h.emulator
        .inject(Route::SubmitAgreement, Fault::Status(500), 1);
    let err = h.provider.send(&request(None)).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert!(err.orphaned_envelope().is_none());
    // Submitting is never repeated once it may have been received.
    assert_eq!(route_count(&h.emulator, Route::SubmitAgreement), 1);
    let agreements = h.emulator.agreements();
    assert_eq!(agreements.len(), 1);
    assert_eq!(agreements[0]["status"], "Deleted");
}

#[tokio::test]
async fn a_draft_that_cannot_be_deleted_is_named_in_the_error() {
    let h = HeySignHarness::start().await;
    h.emulator
        .inject(Route::CreateSignee, Fault::Status(400), 1);
    h.emulator
        .inject(Route::DeleteAgreement, Fault::Status(503), 10);
    let err = h.provider.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { .. }),
        "{err:?}"
    );
    let orphan = err.orphaned_envelope().expect("the draft is named");
    let draft = h.emulator.agreement(orphan.as_str()).unwrap();
    assert_eq!(draft["status"], "Draft");
    assert!(err.to_string().contains(orphan.as_str()));
    // The deletion was retried as a safe request.
    assert_eq!(route_count(&h.emulator, Route::DeleteAgreement), 3);
}

#[tokio::test]
async fn a_repeated_send_with_a_reference_returns_the_first_agreement() {
    let h = HeySignHarness::start().await;
    let first = h.provider.send(&request(Some("lease-7"))).await.unwrap();
    let again = h.provider.send(&request(Some("lease-7"))).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(again.reference.as_deref(), Some("lease-7"));
    assert_eq!(route_count(&h.emulator, Route::SubmitAgreement), 1);
    assert_eq!(live_agreements(&h.emulator), 1);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_not_repeated_and_the_send_finds_its_draft() {
    for reference in [Some("lease-8"), None] {
        let h = HeySignHarness::start().await;
        h.emulator
            .inject(Route::CreateAgreement, Fault::TruncatedBody, 1);
        let envelope = h.provider.send(&request(reference)).await.unwrap();
        assert_eq!(envelope.status, EnvelopeStatus::Sent);
        assert_eq!(route_count(&h.emulator, Route::CreateAgreement), 1);
        assert_eq!(route_count(&h.emulator, Route::SubmitAgreement), 1);
        assert_eq!(live_agreements(&h.emulator), 1);
        assert_eq!(
            h.emulator.agreement(envelope.id.as_str()).unwrap()["status"],
            "Pending"
        );
    }
    // A create that was not carried out (its answer is a bare 502) is not found: the outcome
    // stays unknown.
    let h = HeySignHarness::start().await;
    h.emulator
        .inject(Route::CreateAgreement, Fault::Status(502), 1);
    let err = h
        .provider
        .send(&request(Some("lease-9")))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(live_agreements(&h.emulator), 0);
}

#[tokio::test]
async fn reads_recover_from_transient_faults() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    for fault in [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::TruncatedBody,
        Fault::DropConnection,
    ] {
        h.emulator.inject(Route::GetAgreement, fault.clone(), 2);
        let before = route_count(&h.emulator, Route::GetAgreement);
        let got = h.provider.get(&sent.id).await;
        assert!(got.is_ok(), "{fault:?}: {got:?}");
        assert_eq!(
            route_count(&h.emulator, Route::GetAgreement) - before,
            3,
            "{fault:?}"
        );
    }
}

#[tokio::test]
async fn get_reads_the_agreement_and_its_signees_at_once() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    let listed_before = route_count(&h.emulator, Route::ListSignees);
    h.emulator
        .inject(Route::GetAgreement, Fault::Delay(Duration::from_secs(2)), 1);
    let started = Instant::now();
    let listed = async {
        while route_count(&h.emulator, Route::ListSignees) == listed_before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        started.elapsed()
    };
    let (got, listed_after) = tokio::join!(h.provider.get(&sent.id), listed);
    assert_eq!(got.unwrap().signers.len(), 2);
    // One after the other, the listing could only start once the agreement's answer came.
    assert!(
        listed_after < Duration::from_secs(1),
        "the signees were listed {listed_after:?} after the start, not while the agreement was read"
    );
}

#[tokio::test]
async fn get_ends_when_the_agreement_read_fails_without_waiting_for_the_listing() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    h.emulator
        .inject(Route::ListSignees, Fault::Delay(Duration::from_secs(5)), 1);
    h.emulator
        .inject(Route::GetAgreement, Fault::Status(404), 1);
    let started = Instant::now();
    let err = h.provider.get(&sent.id).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::NotFound { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the answer waited {:?} for the listing",
        started.elapsed()
    );
}

#[tokio::test]
async fn get_reports_the_agreements_error_whichever_read_fails_first() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    // The listing is refused at once; the agreement read fails only after its retries.
    h.emulator.inject(Route::ListSignees, Fault::Status(400), 1);
    h.emulator
        .inject(Route::GetAgreement, Fault::Status(503), 3);
    let err = h.provider.get(&sent.id).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Provider {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_in_both_forms() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    for date_form in [false, true] {
        // Whole seconds: two seconds ahead waits at least one.
        let retry_after = if date_form {
            httpdate(std::time::SystemTime::now() + Duration::from_secs(2))
        } else {
            "1".to_owned()
        };
        h.emulator.inject(
            Route::GetAgreement,
            Fault::RateLimited {
                retry_after: retry_after.clone(),
            },
            1,
        );
        let started = Instant::now();
        h.provider.get(&sent.id).await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "{retry_after}: waited only {:?}",
            started.elapsed()
        );
    }
}

fn httpdate(at: std::time::SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(&format).unwrap()
}

#[tokio::test]
async fn permanent_faults_get_their_kind_without_retries() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    let cases: [(Fault, Expected); 3] = [
        (Fault::Status(403), |k| {
            matches!(k, ErrorKind::PermissionDenied { .. })
        }),
        (Fault::Status(404), |k| {
            matches!(k, ErrorKind::NotFound { .. })
        }),
        (Fault::MalformedBody, |k| {
            matches!(k, ErrorKind::UnexpectedResponse { .. })
        }),
    ];
    for (fault, expected) in cases {
        h.emulator.inject(Route::GetAgreement, fault.clone(), 1);
        let before = route_count(&h.emulator, Route::GetAgreement);
        let err = h.provider.get(&sent.id).await.unwrap_err();
        assert!(expected(err.kind()), "{fault:?}: {err:?}");
        assert_eq!(route_count(&h.emulator, Route::GetAgreement) - before, 1);
    }
}

#[tokio::test]
async fn timeouts_are_reported_as_such() {
    let h = HeySignHarness::start_with(|b| {
        b.with_timeout(Duration::from_millis(150))
            .with_retry(RetryPolicy::never())
    })
    .await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    h.emulator.inject(
        Route::GetAgreement,
        Fault::Delay(Duration::from_millis(400)),
        1,
    );
    let err = h.provider.get(&sent.id).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    // A create that times out may have happened: never repeated, reported as unknown.
    h.emulator.inject(
        Route::CreateAgreement,
        Fault::Delay(Duration::from_millis(400)),
        1,
    );
    let err = h.provider.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(route_count(&h.emulator, Route::CreateAgreement), 2);
}

#[tokio::test]
async fn sends_are_retried_only_before_anything_was_created() {
    let h = HeySignHarness::start().await;
    // Rate limited: provably not processed, so repeated.
    h.emulator.inject(
        Route::CreateAgreement,
        Fault::RateLimited {
            retry_after: "0".into(),
        },
        1,
    );
    h.provider.send(&request(None)).await.unwrap();
    assert_eq!(route_count(&h.emulator, Route::CreateAgreement), 2);
    assert_eq!(live_agreements(&h.emulator), 1);

    // A dropped connection may have created it: not repeated.
    h.emulator
        .inject(Route::CreateAgreement, Fault::DropConnection, 1);
    let err = h.provider.send(&request(None)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(route_count(&h.emulator, Route::CreateAgreement), 3);
    assert!(live_agreements(&h.emulator) <= 2);

    // A refused upload happens before any agreement: nothing to clean up.
    h.emulator.inject(Route::UploadFile, Fault::Status(500), 1);
    let err = h.provider.send(&request(None)).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(route_count(&h.emulator, Route::CreateAgreement), 3);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let heysign = HeySignBuilder::new()
        .with_api_url(&closed)
        .with_auth_url(&closed)
        .with_client_credentials("id", "secret")
        .with_issuer("Acme")
        .with_retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = heysign.get(&EnvelopeId::new("x")).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn webhooks_need_a_secret_and_replays_are_refused() {
    let emulator = HeySignEmulator::start().await;
    let unconfigured = support::builder(&emulator).build().unwrap();
    let err = unconfigured
        .parse_webhook(&signing_core::WebhookRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::WebhookVerification(WebhookError::NoSecret)
    ));

    let h =
        HeySignHarness::start_with(|b| b.with_replay_guard(Arc::new(InMemoryReplayGuard::new())))
            .await;
    h.provider.send(&request(None)).await.unwrap();
    let delivery = h.receiver.next(Duration::from_secs(5)).await.unwrap();
    let events = h.provider.parse_webhook(&delivery).await.unwrap();
    assert_eq!(events.len(), 1);
    let err = h.provider.parse_webhook(&delivery).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::WebhookVerification(WebhookError::Replayed(_))
    ));
}

#[tokio::test]
async fn the_lifecycle_arrives_as_verified_events() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    h.emulator.sign_all(sent.id.as_str()).unwrap();
    let mut kinds = Vec::new();
    while let Some(delivery) = h.receiver.next(Duration::from_millis(500)).await {
        for event in h.provider.parse_webhook(&delivery).await.unwrap() {
            assert!(event.verified);
            assert_eq!(event.envelope_id.as_ref(), Some(&sent.id));
            kinds.push(event.kind.as_str().to_owned());
        }
        if kinds.last().is_some_and(|k| k == "completed") {
            break;
        }
    }
    for expected in [
        "created",
        "sent",
        "signer_viewed",
        "signer_signed",
        "completed",
    ] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "{expected} missing from {kinds:?}"
        );
    }
    let done = h.provider.get(&sent.id).await.unwrap();
    assert_eq!(done.status, EnvelopeStatus::Completed);
    assert!(done.signers.iter().all(|s| s.signed_at.is_some()));
    assert_eq!(done.signers[0].name.as_deref(), Some("Ada"));
}

#[tokio::test]
async fn unsupported_options_never_reach_the_emulator() {
    let h = HeySignHarness::start().await;
    let ordered = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .order(signing_core::SigningOrder::Sequential)
        .build()
        .unwrap();
    let err = h.provider.send(&ordered).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unsupported { .. }));
    let too_big = NewEnvelope::builder()
        .document(Document::new(
            "big.pdf",
            [b"%PDF-1.7".as_slice(), &vec![b' '; 10 * 1024 * 1024]].concat(),
        ))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap();
    let err = h.provider.send(&too_big).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
    assert!(h.emulator.requests().is_empty());
}

#[tokio::test]
async fn a_cancel_or_delete_whose_answer_was_lost_is_settled_by_reading_the_agreement() {
    let h = HeySignHarness::start().await;
    let sent = h.provider.send(&request(None)).await.unwrap();
    // The first cancel is carried out but its answer never arrives; the repeat is refused
    // because the agreement is no longer pending, and reading it shows the cancel took effect.
    h.emulator
        .inject(Route::CancelAgreement, Fault::LostAnswer, 1);
    h.provider.cancel(&sent.id).await.unwrap();
    assert_eq!(route_count(&h.emulator, Route::CancelAgreement), 2);
    assert_eq!(
        h.provider.get(&sent.id).await.unwrap().status,
        EnvelopeStatus::Cancelled
    );
    // Without a lost answer, cancelling a cancelled agreement is still refused.
    let err = h.provider.cancel(&sent.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );

    let agreements = h.provider.client().agreements();
    let draft = agreements
        .create(&NewAgreement::new("Acme AB"))
        .await
        .unwrap();
    h.emulator
        .inject(Route::DeleteAgreement, Fault::LostAnswer, 1);
    agreements.delete(&draft.id).await.unwrap();
    assert_eq!(route_count(&h.emulator, Route::DeleteAgreement), 2);
    let err = agreements.delete(&draft.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );

    // A refusal that the earlier attempt does not explain is reported as it is: the
    // agreement is pending, not cancelled, when the repeat is refused.
    let other = h.provider.send(&request(None)).await.unwrap();
    h.emulator
        .inject(Route::CancelAgreement, Fault::DropConnection, 1);
    h.emulator
        .inject(Route::CancelAgreement, Fault::Status(409), 1);
    let err = h.provider.cancel(&other.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn concurrent_sends_with_one_reference_end_as_one_envelope() {
    for round in 0..5 {
        let h = HeySignHarness::start().await;
        let reference = format!("race-{round}");
        let (first, second) = (request(Some(&reference)), request(Some(&reference)));
        let (a, b) = tokio::join!(h.provider.send(&first), h.provider.send(&second));
        let sent: Vec<_> = h
            .emulator
            .agreements()
            .into_iter()
            .filter(|a| a["status"] == "Pending")
            .collect();
        assert_eq!(sent.len(), 1, "round {round}: {sent:?}");
        let id = sent[0]["id"].as_str().unwrap();
        for result in [&a, &b] {
            match result {
                Ok(envelope) => assert_eq!(envelope.id.as_str(), id),
                Err(err) => assert!(
                    matches!(err.kind(), ErrorKind::InvalidState { message } if message.contains("in progress")),
                    "round {round}: {err:?}"
                ),
            }
        }
        assert!(a.is_ok() || b.is_ok(), "one of them sent it");
        // No draft is left behind by the one that gave way.
        assert_eq!(live_agreements(&h.emulator), 1, "round {round}");
        // Sent again later, the reference gives that same envelope.
        let again = h.provider.send(&request(Some(&reference))).await.unwrap();
        assert_eq!(again.id.as_str(), id);
    }
}

#[tokio::test]
async fn a_retried_send_reuses_the_files_it_uploaded() {
    let h = HeySignHarness::start().await;
    h.emulator
        .inject(Route::SubmitAgreement, Fault::Status(400), 1);
    let err = h
        .provider
        .send(&request(Some("files-1")))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { .. }),
        "{err:?}"
    );
    assert_eq!(route_count(&h.emulator, Route::UploadFile), 1);
    // HeySign cannot delete files: the retry finds the one uploaded and sends without another.
    let envelope = h.provider.send(&request(Some("files-1"))).await.unwrap();
    assert_eq!(envelope.status, EnvelopeStatus::Sent);
    assert_eq!(route_count(&h.emulator, Route::UploadFile), 1);
}

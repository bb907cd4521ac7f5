//! End-to-end flows against the LEAP emulator: ordered and parallel signing, cc recipients,
//! callbacks (genuine, forged, replayed, premature), cancel and delete.

mod support;

use std::sync::Arc;
use std::time::Duration;

use leap_sign::{CallbackBindings, InMemoryCallbackBindings};
use serde_json::json;
use signing_core::webhook::WebhookError;
use signing_core::{
    EnvelopeId, EnvelopeStatus, ErrorKind, EventKind, SignerStatus, SigningOrder, SigningProvider,
    WebhookRequest,
};
use signing_testkit::emulator::leap_sign::{LeapSignEmulator, Route};
use support::{Receiver, adapter, request, signer};

const WAIT: Duration = Duration::from_secs(5);

fn statuses(envelope: &signing_core::Envelope) -> Vec<SignerStatus> {
    envelope.signers.iter().map(|s| s.status.clone()).collect()
}

fn notified(emu: &LeapSignEmulator, id: &EnvelopeId) -> Vec<String> {
    emu.notifications()
        .into_iter()
        .filter(|n| n.project_id == id.as_str())
        .map(|n| n.email)
        .collect()
}

#[track_caller]
fn assert_webhook_error(err: &signing_core::Error, expected: &str, matches: bool) {
    assert!(matches, "expected {expected}, got {:?} ({err})", err.kind());
    assert_eq!(err.provider(), Some("leap-sign"));
}

#[tokio::test]
async fn ordered_signers_are_notified_in_turn_and_completion_calls_back() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let sent = leap
        .send(
            &request(3)
                .order(SigningOrder::Sequential)
                .cc("records@example.com")
                .build()
                .unwrap(),
        )
        .await
        .expect("send");
    assert_eq!(sent.status, EnvelopeStatus::Sent);
    assert_eq!(
        statuses(&sent),
        [
            SignerStatus::Notified,
            SignerStatus::Waiting,
            SignerStatus::Waiting
        ]
    );
    assert_eq!(notified(&emu, &sent.id), [signer(0)]);
    let project = emu.project(sent.id.as_str()).expect("the project exists");
    assert_eq!(project["orderedSigners"], true);
    assert_eq!(
        project["additionalRecipients"],
        json!(["records@example.com"])
    );
    assert_eq!(project["projectOwner"]["email"], "olga@example.com");

    assert!(
        emu.sign(sent.id.as_str(), &signer(1)).is_err(),
        "not their turn"
    );
    emu.sign(sent.id.as_str(), &signer(0)).unwrap();
    assert_eq!(notified(&emu, &sent.id), [signer(0), signer(1)]);
    let midway = leap.get(&sent.id).await.unwrap();
    assert_eq!(midway.status, EnvelopeStatus::Sent);
    assert_eq!(
        statuses(&midway),
        [
            SignerStatus::Signed,
            SignerStatus::Notified,
            SignerStatus::Waiting
        ]
    );
    assert!(midway.signers[0].signed_at.is_some());

    emu.sign(sent.id.as_str(), &signer(1)).unwrap();
    emu.sign(sent.id.as_str(), &signer(2)).unwrap();
    assert_eq!(notified(&emu, &sent.id), [signer(0), signer(1), signer(2)]);
    let done = leap.get(&sent.id).await.unwrap();
    assert_eq!(done.status, EnvelopeStatus::Completed);
    assert!(done.completed_at.is_some());

    let delivery = receiver.next(WAIT).await.expect("the completion callback");
    assert!(
        delivery.path.starts_with("/leap/callbacks/"),
        "{}",
        delivery.path
    );
    let events = leap.parse_webhook(&delivery).await.expect("genuine");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Completed);
    assert!(events[0].verified);
    assert_eq!(events[0].envelope_id.as_ref(), Some(&sent.id));
}

#[tokio::test]
async fn parallel_signers_are_all_notified_at_once() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let sent = leap.send(&request(3).build().unwrap()).await.unwrap();
    assert_eq!(statuses(&sent), vec![SignerStatus::Notified; 3]);
    assert_eq!(notified(&emu, &sent.id), [signer(0), signer(1), signer(2)]);
    assert_eq!(
        emu.project(sent.id.as_str()).unwrap()["orderedSigners"],
        false
    );

    // Any order will do.
    for i in [2, 0, 1] {
        emu.sign(sent.id.as_str(), &signer(i)).unwrap();
    }
    assert_eq!(
        leap.get(&sent.id).await.unwrap().status,
        EnvelopeStatus::Completed
    );
    let delivery = receiver.next(WAIT).await.expect("the completion callback");
    let events = leap.parse_webhook(&delivery).await.unwrap();
    assert_eq!(events[0].envelope_id.as_ref(), Some(&sent.id));
}

#[tokio::test]
async fn callbacks_forged_or_premature_are_refused_and_redeliveries_keep_their_id() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let sent = leap
        .send(&request(1).reference("order-7").build().unwrap())
        .await
        .unwrap();
    let path = support::registered_callback_path(&emu).await;
    assert!(path.starts_with("/leap/callbacks/v2/"), "{path}");
    assert!(
        !path.contains("order-7"),
        "the nonce is random, not the reference: {path}"
    );
    let body = json!({"projectId": sent.id.as_str(), "status": "COMPLETED"}).to_string();
    let claim =
        |path: &str| WebhookRequest::new(http::HeaderMap::new(), body.clone()).with_path(path);

    // Someone who saw the URL claims completion before anyone signed: the query refutes it.
    let before = emu.request_count(Route::GetProcessData);
    let err = leap.parse_webhook(&claim(&path)).await.unwrap_err();
    assert_webhook_error(
        &err,
        "InvalidPayload (not confirmed)",
        matches!(err.kind(), ErrorKind::WebhookVerification(WebhookError::InvalidPayload(why)) if why.contains("not confirmed")),
    );
    assert_eq!(emu.request_count(Route::GetProcessData), before + 1);

    emu.sign(sent.id.as_str(), &signer(0)).unwrap();
    let genuine = receiver.next(WAIT).await.expect("the completion callback");
    assert_eq!(genuine.path, path, "the emulator called the registered URL");

    // A forged token is refused without asking LEAP.
    let before = emu.requests().len();
    let (prefix, token) = path.rsplit_once('/').unwrap();
    let flipped = if token.starts_with('A') { 'B' } else { 'A' };
    let forged_token = format!("{prefix}/{flipped}{}", &token[1..]);
    let (version_and_nonce, _) = prefix.rsplit_once('/').unwrap();
    let v1 = format!("{}/{token}", version_and_nonce.replace("/v2/", "/"));
    for forged in [
        forged_token.as_str(),
        v1.as_str(),
        "/leap/callbacks/order-7",
        "/leap/callbacks/v2/n/0/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let err = leap.parse_webhook(&claim(forged)).await.unwrap_err();
        assert_webhook_error(
            &err,
            "InvalidCallbackToken",
            matches!(
                err.kind(),
                ErrorKind::WebhookVerification(WebhookError::InvalidCallbackToken)
            ),
        );
    }
    // A genuine URL with a body that is no LEAP callback.
    let err = leap
        .parse_webhook(
            &WebhookRequest::new(http::HeaderMap::new(), "{\"project\":1}").with_path(&path),
        )
        .await
        .unwrap_err();
    assert_webhook_error(
        &err,
        "InvalidPayload",
        matches!(
            err.kind(),
            ErrorKind::WebhookVerification(WebhookError::InvalidPayload(_))
        ),
    );
    // A genuine URL cannot speak for another project, not even one that does not exist.
    let unknown = json!({"projectId": "00000000-0000-4000-8000-000000000000"}).to_string();
    let err = leap
        .parse_webhook(&WebhookRequest::new(http::HeaderMap::new(), unknown).with_path(&path))
        .await
        .unwrap_err();
    assert_webhook_error(
        &err,
        "InvalidPayload (issued for another project)",
        matches!(err.kind(), ErrorKind::WebhookVerification(WebhookError::InvalidPayload(why)) if why.contains("issued for project")),
    );
    assert_eq!(emu.requests().len(), before, "refused before any request");

    // The earlier premature claim did not use up the genuine delivery.
    let events = leap.parse_webhook(&genuine).await.expect("genuine");
    assert!(events[0].verified);
    let id = format!("leap-sign:completed:{}", sent.id);
    assert_eq!(events[0].id.as_str(), id);
    // LEAP may call again: the redelivery is the same event, with the same id, for the
    // application to drop once it has handled the first.
    let again = leap.parse_webhook(&genuine).await.expect("redelivered");
    assert_eq!(again[0].id.as_str(), id);
}

#[tokio::test]
async fn a_callback_url_speaks_only_for_the_project_it_was_issued_for() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let first = leap.send(&request(1).build().unwrap()).await.unwrap();
    let first_path = support::registered_callback_path(&emu).await;
    let second = leap.send(&request(1).build().unwrap()).await.unwrap();
    emu.sign_all(first.id.as_str()).unwrap();
    emu.sign_all(second.id.as_str()).unwrap();
    // The URL issued for the first project, with a body naming the second, completed, one.
    let forged = WebhookRequest::new(
        http::HeaderMap::new(),
        json!({"projectId": second.id.as_str(), "status": "COMPLETED"}).to_string(),
    )
    .with_path(&first_path);
    let err = leap.parse_webhook(&forged).await.unwrap_err();
    assert_webhook_error(
        &err,
        "InvalidPayload (issued for another project)",
        matches!(err.kind(), ErrorKind::WebhookVerification(WebhookError::InvalidPayload(why)) if why.contains(&format!("issued for project {}", first.id))),
    );
    let genuine = WebhookRequest::new(
        http::HeaderMap::new(),
        json!({"projectId": first.id.as_str(), "status": "COMPLETED"}).to_string(),
    )
    .with_path(&first_path);
    leap.parse_webhook(&genuine)
        .await
        .expect("the first project's own callback");
}

#[tokio::test]
async fn bindings_are_shared_by_instances_that_share_a_store() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let shared: Arc<dyn CallbackBindings> = Arc::new(InMemoryCallbackBindings::new());
    let instance = |bindings: Option<Arc<dyn CallbackBindings>>| {
        let mut builder = support::builder(&emu.base_url(), emu.api_key())
            .with_callback(support::callback_base(&receiver), support::CALLBACK_SECRET)
            .allow_insecure_loopback_callback(true);
        if let Some(bindings) = bindings {
            builder = builder.with_callback_bindings(bindings);
        }
        builder.build().unwrap()
    };
    let sender = instance(Some(Arc::clone(&shared)));
    let sibling = instance(Some(shared));
    let stranger = instance(None);
    let sent = sender.send(&request(1).build().unwrap()).await.unwrap();
    emu.sign_all(sent.id.as_str()).unwrap();
    let delivery = receiver.next(WAIT).await.expect("the completion callback");
    sibling
        .parse_webhook(&delivery)
        .await
        .expect("an instance sharing the bindings");
    let err = stranger.parse_webhook(&delivery).await.unwrap_err();
    assert_webhook_error(
        &err,
        "InvalidPayload (bound to no project)",
        matches!(err.kind(), ErrorKind::WebhookVerification(WebhookError::InvalidPayload(why)) if why.contains("bound to no project")),
    );
}

#[tokio::test]
async fn an_opt_in_replay_guard_refuses_a_second_delivery() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = support::builder(&emu.base_url(), emu.api_key())
        .with_callback(support::callback_base(&receiver), support::CALLBACK_SECRET)
        .allow_insecure_loopback_callback(true)
        .with_replay_guard(Arc::new(signing_core::InMemoryReplayGuard::new()))
        .build()
        .unwrap();
    let sent = leap.send(&request(1).build().unwrap()).await.unwrap();
    emu.sign_all(sent.id.as_str()).unwrap();
    let delivery = receiver.next(WAIT).await.expect("the completion callback");
    leap.parse_webhook(&delivery).await.unwrap();
    let err = leap.parse_webhook(&delivery).await.unwrap_err();
    assert_webhook_error(
        &err,
        "Replayed",
        matches!(err.kind(), ErrorKind::WebhookVerification(WebhookError::Replayed(id)) if id == &format!("leap-sign:completed:{}", sent.id)),
    );
}

#[tokio::test]
async fn the_builders_clock_issues_and_checks_the_expiry_and_its_tolerance_is_the_leeway() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let start = time::OffsetDateTime::now_utc();
    // A shared clock the test moves: URLs are issued at `start`, callbacks checked later.
    let offset = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let clock = {
        let offset = Arc::clone(&offset);
        Arc::new(move || {
            start + time::Duration::seconds(offset.load(std::sync::atomic::Ordering::SeqCst))
        })
    };
    let leap = |tolerance: Option<Duration>| {
        let mut builder = support::builder(&emu.base_url(), emu.api_key())
            .with_callback(support::callback_base(&receiver), support::CALLBACK_SECRET)
            .allow_insecure_loopback_callback(true)
            .with_callback_lifetime(Duration::from_secs(3600))
            .with_webhook_clock(clock.clone());
        if let Some(tolerance) = tolerance {
            builder = builder.with_webhook_tolerance(tolerance);
        }
        builder.build().unwrap()
    };
    let strict = leap(None);
    let sent = strict.send(&request(1).build().unwrap()).await.unwrap();
    emu.sign_all(sent.id.as_str()).unwrap();
    let delivery = receiver.next(WAIT).await.expect("the completion callback");
    // The URL expires an hour after the clock's `start`, whatever the system clock says.
    assert!(
        delivery
            .path
            .contains(&format!("/{}/", start.unix_timestamp() + 3600)),
        "{}",
        delivery.path
    );
    offset.store(3600 + 30, std::sync::atomic::Ordering::SeqCst);
    let err = strict.parse_webhook(&delivery).await.unwrap_err();
    assert_webhook_error(
        &err,
        "CallbackExpired",
        matches!(
            err.kind(),
            ErrorKind::WebhookVerification(WebhookError::CallbackExpired)
        ),
    );
    // With a minute of leeway past the expiry, a callback 30 s late is still taken.
    let lenient_sender = leap(Some(Duration::from_secs(60)));
    offset.store(0, std::sync::atomic::Ordering::SeqCst);
    let sent = lenient_sender
        .send(&request(1).build().unwrap())
        .await
        .unwrap();
    emu.sign_all(sent.id.as_str()).unwrap();
    let delivery = receiver.next(WAIT).await.expect("the completion callback");
    offset.store(3600 + 30, std::sync::atomic::Ordering::SeqCst);
    let events = lenient_sender.parse_webhook(&delivery).await.unwrap();
    assert!(events[0].verified);
}

#[tokio::test]
async fn callbacks_need_a_configured_secret() {
    let emu = LeapSignEmulator::start().await;
    let leap = support::builder(&emu.base_url(), emu.api_key())
        .build()
        .unwrap();
    let err = leap
        .parse_webhook(&WebhookRequest::default().with_path("/cb/n/t"))
        .await
        .unwrap_err();
    assert_webhook_error(
        &err,
        "NoSecret",
        matches!(
            err.kind(),
            ErrorKind::WebhookVerification(WebhookError::NoSecret)
        ),
    );
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn cancel_follows_the_documented_rules() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);

    let sent = leap.send(&request(2).build().unwrap()).await.unwrap();
    leap.cancel(&sent.id).await.expect("cancel");
    let cancelled = leap.get(&sent.id).await.unwrap();
    assert_eq!(cancelled.status, EnvelopeStatus::Cancelled);
    assert!(emu.sign(sent.id.as_str(), &signer(0)).is_err());
    let err = leap.cancel(&sent.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );

    let completed = leap.send(&request(1).build().unwrap()).await.unwrap();
    emu.sign(completed.id.as_str(), &signer(0)).unwrap();
    let err = leap.cancel(&completed.id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(400));

    let foreign = EnvelopeId::new(emu.insert_foreign_project("Made in LEAP", &["x@example.com"]));
    let err = leap.cancel(&foreign).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::PermissionDenied { message } if message.contains("Sign API")),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(403));
    assert_eq!(
        leap.get(&foreign).await.unwrap().status,
        EnvelopeStatus::Sent
    );

    let err = leap
        .cancel(&EnvelopeId::new("00000000-0000-4000-8000-000000000000"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn deleted_projects_are_gone() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let sent = leap.send(&request(1).build().unwrap()).await.unwrap();
    leap.delete(&sent.id).await.expect("delete");
    assert!(emu.projects().is_empty());
    assert!(leap.get(&sent.id).await.unwrap_err().is_not_found());
    assert!(leap.cancel(&sent.id).await.unwrap_err().is_not_found());
    assert!(leap.delete(&sent.id).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn unsupported_operations_and_options_make_no_request() {
    let emu = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let leap = adapter(&emu, &receiver);
    let id = EnvelopeId::new("00000000-0000-4000-8000-000000000000");
    let unsupported = |err: signing_core::Error| {
        assert!(
            matches!(err.kind(), ErrorKind::Unsupported { provider, .. } if provider == "leap-sign"),
            "{err:?}"
        );
    };
    unsupported(
        leap.list(&signing_core::ListQuery::new())
            .await
            .unwrap_err(),
    );
    unsupported(leap.download(&id).await.unwrap_err());
    unsupported(
        leap.send(&request(1).metadata("k", "v").build().unwrap())
            .await
            .unwrap_err(),
    );

    let without_owner = signing_core::NewEnvelope::builder()
        .document(signing_core::Document::new("a.pdf", support::PDF))
        .signer(signing_core::Signer::new("A", "a@example.com"))
        .build()
        .unwrap();
    let err = leap.send(&without_owner).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "owner"),
        "{err:?}"
    );
    assert!(emu.requests().is_empty());
}

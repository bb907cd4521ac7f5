//! The tracker with the real adapters against the provider emulators, webhooks arriving
//! through the axum route.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use docusign::DocuSign;
use heysign::HeySign;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use leap_sign::{LeapSign, LeapSignBuilder};
use signing_core::progress::Milestone;
use signing_core::webhook::WebhookSecret;
use signing_core::{
    Document, EnvelopeId, InMemoryReplayGuard, NewEnvelope, Party, RetryPolicy, Signer,
    SigningOrder, SigningProvider,
};
use signing_testkit::emulator::docusign::{ConnectDelivery, DocuSignEmulator, Route as DsRoute};
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use signing_tracker::store::{
    Applied, Claim, EnvelopeKey, EnvelopeRecord, MemoryStore, Plan, Store, StoreError, StoreResult,
    StoreStats,
};
use signing_tracker::{HandlerError, Tracker, TrackerBuilder, Transition};
use time::OffsetDateTime;
use tower::ServiceExt as _;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const CALLBACK_SECRET: &str = "a callback secret that is long enough";

/// A memory store whose `apply` fails while `failing` is above zero (counting down).
#[derive(Debug, Default)]
struct FlakyStore {
    inner: MemoryStore,
    failing: AtomicUsize,
}

#[async_trait]
impl Store for FlakyStore {
    async fn track(
        &self,
        key: &EnvelopeKey,
        now: OffsetDateTime,
        due: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.track(key, now, due).await
    }
    async fn apply(
        &self,
        key: &EnvelopeKey,
        delivery: Option<&str>,
        now: OffsetDateTime,
        plan: &Plan<'_>,
    ) -> StoreResult<Applied> {
        let fail = self
            .failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if fail {
            return Err(StoreError::new("store: connection lost"));
        }
        self.inner.apply(key, delivery, now, plan).await
    }
    async fn claim_polls(
        &self,
        provider: &str,
        now: OffsetDateTime,
        limit: u32,
        until: OffsetDateTime,
    ) -> StoreResult<Vec<EnvelopeId>> {
        self.inner.claim_polls(provider, now, limit, until).await
    }
    async fn reschedule_poll(
        &self,
        key: &EnvelopeKey,
        due: OffsetDateTime,
        error: Option<&str>,
    ) -> StoreResult<()> {
        self.inner.reschedule_poll(key, due, error).await
    }
    async fn claim_transitions(
        &self,
        owner: &str,
        now: OffsetDateTime,
        limit: u32,
        until: OffsetDateTime,
    ) -> StoreResult<Vec<Claim>> {
        self.inner.claim_transitions(owner, now, limit, until).await
    }
    async fn renew_lease(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        until: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.renew_lease(key, owner, until).await
    }
    async fn mark_handled(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        seq: u32,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.mark_handled(key, owner, seq, now).await
    }
    async fn mark_failed(
        &self,
        key: &EnvelopeKey,
        owner: &str,
        seq: u32,
        now: OffsetDateTime,
        error: &str,
        retry_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner
            .mark_failed(key, owner, seq, now, error, retry_at)
            .await
    }
    async fn envelope(&self, key: &EnvelopeKey) -> StoreResult<Option<EnvelopeRecord>> {
        self.inner.envelope(key).await
    }
    async fn transitions(&self, key: &EnvelopeKey) -> StoreResult<Vec<Transition>> {
        self.inner.transitions(key).await
    }
    async fn stats(&self, now: OffsetDateTime) -> StoreResult<StoreStats> {
        self.inner.stats(now).await
    }
    async fn prune_deliveries(&self, before: OffsetDateTime) -> StoreResult<u64> {
        self.inner.prune_deliveries(before).await
    }
}

/// Every handler call, by envelope, in call order. Clones share the record.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<HashMap<EnvelopeId, Vec<String>>>>);

impl Calls {
    fn handler(&self) -> impl signing_tracker::Handler {
        let calls = self.clone();
        move |t: Transition| {
            let calls = calls.clone();
            async move {
                calls
                    .0
                    .lock()
                    .unwrap()
                    .entry(t.key.id.clone())
                    .or_default()
                    .push(t.milestone.key());
                Ok::<(), HandlerError>(())
            }
        }
    }

    fn of(&self, id: &EnvelopeId) -> Vec<String> {
        self.0.lock().unwrap().get(id).cloned().unwrap_or_default()
    }

    fn total(&self) -> usize {
        self.0.lock().unwrap().values().map(Vec::len).sum()
    }
}

/// A loopback listener, bound first so that its URL can go into the providers' setup, and
/// its base URL.
async fn listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// Serves `app` on `listener`.
fn serve(listener: tokio::net::TcpListener, app: Router) {
    tokio::spawn(async move { axum::serve(listener, app).await });
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(2)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn heysign(emulator: &HeySignEmulator, secret: &str) -> HeySign {
    heysign::HeySignBuilder::new()
        .with_api_url(emulator.api_url())
        .with_auth_url(emulator.auth_url())
        .with_client_credentials(emulator.client_id(), emulator.client_secret())
        .with_issuer("Tracker AB")
        .with_webhook_secret(WebhookSecret::new(secret).unwrap())
        .with_retry(fast_retry())
        .build()
        .unwrap()
}

/// LEAP Sign as an application gets it: callbacks bound in this process, no replay guard.
fn leap(emulator: &LeapSignEmulator, callback_base: &str) -> LeapSign {
    leap_builder(emulator, callback_base).build().unwrap()
}

fn leap_builder(emulator: &LeapSignEmulator, callback_base: &str) -> LeapSignBuilder {
    LeapSign::builder()
        .with_base_url(emulator.base_url())
        .with_api_key(emulator.api_key().to_owned())
        .with_callback(callback_base, CALLBACK_SECRET)
        .allow_insecure_loopback_callback(true)
        .with_default_owner(Party::new("Olga Owner", "olga@example.com"))
        .with_retry(fast_retry())
}

fn request(signers: usize, order: SigningOrder) -> NewEnvelope {
    request_builder(signers, order).build().unwrap()
}

fn request_builder(signers: usize, order: SigningOrder) -> signing_core::NewEnvelopeBuilder {
    NewEnvelope::builder()
        .title("NDA")
        .document(Document::new("nda.pdf", PDF))
        .signers(
            (0..signers).map(|i| Signer::new(format!("Signer {i}"), format!("s{i}@example.com"))),
        )
        .order(order)
}

/// DocuSign with the emulator's integration key, user, private key and Connect HMAC keys.
fn docusign(emulator: &DocuSignEmulator) -> DocuSign {
    docusign::DocuSignBuilder::new()
        .with_auth_url(emulator.auth_url())
        .with_integration_key(emulator.integration_key())
        .with_user_id(emulator.user_id())
        .with_private_key_pem(emulator.private_key_pem())
        .with_hmac_keys(emulator.hmac_keys().iter().cloned())
        .with_retry(fast_retry())
        .build()
        .unwrap()
}

/// A DocuSign envelope whose Connect messages go to `connect` (the envelope's own
/// `eventNotification`).
fn connect_request(signers: usize, order: SigningOrder, connect: &str) -> NewEnvelope {
    request_builder(signers, order)
        .callback_url(connect)
        .allow_insecure_loopback_callback(true)
        .build()
        .unwrap()
}

fn tuned(builder: TrackerBuilder) -> TrackerBuilder {
    builder
        .stale_after(Duration::from_millis(300))
        .tick(Duration::from_millis(20))
        .lease(Duration::from_secs(2))
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..1_000 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// HeySign's signees of `agreement` sign one by one.
fn sign_heysign(emulator: &HeySignEmulator, agreement: &EnvelopeId) {
    for signee in emulator.signees_of(agreement.as_str()) {
        emulator.sign(signee["id"].as_str().unwrap()).unwrap();
    }
}

fn expected(signers: usize) -> Vec<String> {
    let mut keys = vec!["sent".to_owned()];
    keys.extend((0..signers).map(|i| format!("signed:email:s{i}@example.com")));
    keys.push("finished".to_owned());
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heysign_and_leap_envelopes_are_handled_once_in_order_through_the_route() {
    let hs_emulator = HeySignEmulator::start().await;
    let leap_emulator = LeapSignEmulator::start().await;
    let (listener, base) = listener().await;
    let (_, secret) = hs_emulator.register_webhook(&format!("{base}/webhooks/heysign"), &[]);
    let hs = heysign(&hs_emulator, &secret);
    let lp = leap(&leap_emulator, &format!("{base}/webhooks/leap-sign"));
    let calls = Calls::default();
    let tracker = tuned(Tracker::builder())
        .store(MemoryStore::new())
        .provider(Arc::new(hs.clone()))
        .provider(Arc::new(lp.clone()))
        .handler(calls.handler())
        .build()
        .unwrap();
    serve(
        listener,
        Router::new().nest("/webhooks", signing_tracker::axum::router(tracker.clone())),
    );
    let running = tracker.start();

    let mut sent = Vec::new();
    for _ in 0..3 {
        let envelope = hs.send(&request(2, SigningOrder::Parallel)).await.unwrap();
        tracker.track(&envelope).await.unwrap();
        sent.push(envelope.id);
        let envelope = lp
            .send(&request(2, SigningOrder::Sequential))
            .await
            .unwrap();
        tracker.track(&envelope).await.unwrap();
        sent.push(envelope.id);
    }
    for (i, id) in sent.iter().enumerate() {
        if i % 2 == 0 {
            sign_heysign(&hs_emulator, id);
        } else {
            for signer in 0..2 {
                leap_emulator
                    .sign(id.as_str(), &format!("s{signer}@example.com"))
                    .unwrap();
            }
        }
    }
    eventually("every transition handled", || calls.total() == 6 * 4).await;
    for id in &sent {
        assert_eq!(calls.of(id), expected(2), "{id}");
    }
    // The providers' deliveries reached the tracker through the route and were accepted.
    let accepted = hs_emulator
        .deliveries()
        .iter()
        .filter(|d| d.status == Some(200))
        .count();
    assert!(
        accepted >= 6 * 3,
        "HeySign deliveries answered 200: {accepted}"
    );
    for id in sent.iter().skip(1).step_by(2) {
        let callback = leap_emulator
            .wait_for_callback(id.as_str(), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(callback.status, Some(200));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(calls.total(), 6 * 4, "nothing handled twice");
    running.shutdown().await;
}

async fn post(
    router: &Router,
    path: &str,
    request: &signing_core::WebhookRequest,
) -> (StatusCode, String) {
    let mut builder = Request::builder().method("POST").uri(path);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = router
        .clone()
        .oneshot(builder.body(Body::from(request.body.clone())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route_answers_each_outcome_as_providers_expect() {
    let emulator = HeySignEmulator::start().await;
    // Deliveries go nowhere; the test posts them itself.
    let (_, secret) = emulator.register_webhook("http://127.0.0.1:9/hooks", &[]);
    let hs = heysign(&emulator, &secret);
    let store = Arc::new(FlakyStore::default());
    let tracker = Tracker::builder()
        .shared_store(store.clone())
        .provider(Arc::new(hs.clone()))
        .handler(Calls::default().handler())
        .build()
        .unwrap();
    let router = Router::new().nest("/hooks", signing_tracker::axum::router(tracker.clone()));
    let envelope = hs.send(&request(1, SigningOrder::Parallel)).await.unwrap();
    tracker.track(&envelope).await.unwrap();
    sign_heysign(&emulator, &envelope.id);
    let delivery = emulator
        .wait_for_delivery("signee.signsession.completed", Duration::from_secs(5))
        .await
        .unwrap();
    let request =
        signing_core::WebhookRequest::new(delivery.headers.clone(), delivery.body.clone());

    let mut forged = request.clone();
    forged.body = bytes::Bytes::from(delivery.body.to_vec().repeat(2));
    assert_eq!(
        post(&router, "/hooks/heysign", &forged).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&router, "/hooks/docusign", &request).await.0,
        StatusCode::NOT_FOUND
    );
    store.failing.store(1, Ordering::SeqCst);
    assert_eq!(
        post(&router, "/hooks/heysign", &request).await.0,
        StatusCode::SERVICE_UNAVAILABLE,
        "a store failure asks for a redelivery"
    );
    assert_eq!(
        post(&router, "/hooks/heysign", &request).await,
        (StatusCode::OK, "ok".to_owned())
    );
    assert_eq!(
        post(&router, "/hooks/heysign", &request).await,
        (StatusCode::OK, "duplicate".to_owned())
    );
    let keys: Vec<String> = tracker
        .transitions("heysign", &envelope.id)
        .await
        .unwrap()
        .iter()
        .map(|t| t.milestone.key())
        .collect();
    assert_eq!(keys, ["sent", "signed:email:s0@example.com"]);
    assert_eq!(tracker.metrics().webhooks_refused, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leap_callback_refused_as_a_replay_after_a_failed_write_is_not_lost() {
    let emulator = LeapSignEmulator::start().await;
    let store = Arc::new(FlakyStore::default());
    let calls = Calls::default();
    let (listener, base) = listener().await;
    // The adapter is given an in-memory replay guard (opt-in), which marks a callback seen as
    // soon as it is confirmed, before the tracker has recorded anything.
    let lp = leap_builder(&emulator, &format!("{base}/webhooks/leap-sign"))
        .with_replay_guard(Arc::new(InMemoryReplayGuard::new()))
        .build()
        .unwrap();
    let tracker = tuned(Tracker::builder())
        .shared_store(store.clone())
        .provider(Arc::new(lp.clone()))
        .handler(calls.handler())
        .stale_after(Duration::from_secs(3_600))
        .build()
        .unwrap();
    let router = Router::new().nest("/webhooks", signing_tracker::axum::router(tracker.clone()));
    serve(listener, router.clone());

    let envelope = lp.send(&request(1, SigningOrder::Parallel)).await.unwrap();
    tracker.track(&envelope).await.unwrap();
    store.failing.store(1, Ordering::SeqCst);
    emulator
        .sign(envelope.id.as_str(), "s0@example.com")
        .unwrap();
    let callback = emulator
        .wait_for_callback(envelope.id.as_str(), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        callback.status,
        Some(503),
        "the write failed: LEAP is asked to redeliver"
    );

    // The redelivery is refused by the adapter's guard: a duplicate, answered 200.
    let path = callback.url.trim_start_matches(&base).to_owned();
    let redelivery =
        signing_core::WebhookRequest::new(callback.headers.clone(), callback.body.clone());
    assert_eq!(
        post(&router, &path, &redelivery).await,
        (StatusCode::OK, "duplicate".to_owned())
    );
    let keys: Vec<String> = tracker
        .transitions("leap-sign", &envelope.id)
        .await
        .unwrap()
        .iter()
        .map(|t| t.milestone.key())
        .collect();
    assert_eq!(keys, ["sent"], "the completion is not recorded yet");

    // The reconciler reads the envelope (due now) and records what the callback announced.
    store
        .reschedule_poll(
            &EnvelopeKey::new("leap-sign", envelope.id.clone()),
            OffsetDateTime::now_utc(),
            None,
        )
        .await
        .unwrap();
    let reconciled = tracker.reconcile_due().await.unwrap();
    assert_eq!(reconciled.transitions, 2);
    while tracker.handle_due().await.unwrap() > 0 {}
    assert_eq!(calls.of(&envelope.id), expected(1));
    assert_eq!(
        tracker
            .transitions("leap-sign", &envelope.id)
            .await
            .unwrap()[2]
            .milestone,
        Milestone::Finished(signing_core::EnvelopeStatus::Completed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_faults_on_reads_are_retried_later_and_counted() {
    use signing_testkit::emulator::Fault;
    use signing_testkit::emulator::leap_sign::Route;

    let emulator = LeapSignEmulator::start().await;
    let lp = leap(&emulator, "http://127.0.0.1:9/webhooks/leap-sign");
    let calls = Calls::default();
    let tracker = tuned(Tracker::builder())
        .store(MemoryStore::new())
        .provider(Arc::new(lp.clone()))
        .handler(calls.handler())
        .stale_after(Duration::from_millis(1))
        .build()
        .unwrap();
    let envelope = lp.send(&request(2, SigningOrder::Parallel)).await.unwrap();
    tracker.track(&envelope).await.unwrap();
    emulator
        .sign(envelope.id.as_str(), "s1@example.com")
        .unwrap();
    // More 503s than the adapter's own retries absorb: the read fails and is counted.
    emulator.inject(Route::GetProcessData, Fault::Status(503), 2);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let failed = tracker.reconcile_due().await.unwrap();
    assert_eq!((failed.reads, failed.errors), (0, 1));
    let record = tracker
        .envelope("leap-sign", &envelope.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.poll_errors, 1);
    assert!(
        record
            .last_poll_error
            .as_deref()
            .unwrap_or_default()
            .contains("503"),
        "{record:?}"
    );
    assert_eq!(tracker.stats().await.unwrap().poll_errors, 1);

    // A lost answer is retried by the adapter (a read is safe to repeat); the next pass reads.
    emulator.inject(Route::GetProcessData, Fault::LostAnswer, 1);
    let mut read = false;
    for _ in 0..200 {
        if tracker.reconcile_due().await.unwrap().reads == 1 {
            read = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(read, "the envelope was read again");
    let record = tracker
        .envelope("leap-sign", &envelope.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.poll_errors, record.last_poll_error.as_deref()),
        (0, None)
    );
    while tracker.handle_due().await.unwrap() > 0 {}
    assert_eq!(
        calls.of(&envelope.id),
        ["sent", "signed:email:s1@example.com"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docusign_connect_messages_reach_the_handler_once_in_order_through_the_route() {
    let emulator = DocuSignEmulator::start().await;
    let (listener, base) = listener().await;
    let connect = format!("{base}/webhooks/docusign");
    let ds = docusign(&emulator);
    let calls = Calls::default();
    let tracker = tuned(Tracker::builder())
        .store(MemoryStore::new())
        .provider(Arc::new(ds.clone()))
        .handler(calls.handler())
        .build()
        .unwrap();
    serve(
        listener,
        Router::new().nest("/webhooks", signing_tracker::axum::router(tracker.clone())),
    );
    let running = tracker.start();

    let parallel = ds
        .send(&connect_request(2, SigningOrder::Parallel, &connect))
        .await
        .unwrap();
    let sequential = ds
        .send(&connect_request(2, SigningOrder::Sequential, &connect))
        .await
        .unwrap();
    let voided = ds
        .send(&connect_request(1, SigningOrder::Parallel, &connect))
        .await
        .unwrap();
    for envelope in [&parallel, &sequential, &voided] {
        tracker.track(envelope).await.unwrap();
    }
    // Parallel signers sign in either order; sequential ones in their routing order.
    for (id, signer) in [
        (&parallel.id, "s1@example.com"),
        (&sequential.id, "s0@example.com"),
        (&parallel.id, "s0@example.com"),
        (&sequential.id, "s1@example.com"),
    ] {
        emulator.sign(id.as_str(), signer).unwrap();
    }
    ds.cancel(&voided.id).await.unwrap();

    eventually("every transition handled", || calls.total() == 4 + 4 + 2).await;
    let mut parallel_keys = expected(2);
    parallel_keys.swap(1, 2);
    assert_eq!(
        calls.of(&parallel.id),
        parallel_keys,
        "signers in signing order"
    );
    assert_eq!(calls.of(&sequential.id), expected(2));
    assert_eq!(calls.of(&voided.id), ["sent", "finished"]);
    emulator
        .wait_for_delivery(
            voided.id.as_str(),
            "envelope-voided",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    let deliveries = emulator.deliveries();
    assert!(
        deliveries.iter().all(|d| d.status == Some(200)),
        "every Connect message acknowledged: {:?}",
        deliveries.iter().map(|d| d.status).collect::<Vec<_>>()
    );
    assert_eq!(
        emulator.request_count(DsRoute::GetEnvelope),
        0,
        "learned from Connect alone: no envelope was read"
    );

    // DocuSign retries what it believes unacknowledged, and may send a message twice: every
    // message again, twice, in a shuffled order, byte for byte.
    let mut again: Vec<usize> = (0..deliveries.len()).chain(0..deliveries.len()).collect();
    fastrand::Rng::with_seed(16).shuffle(&mut again);
    for index in again {
        let redelivery = emulator.redeliver(index).await.unwrap();
        assert_eq!(redelivery.status, Some(200), "{}", redelivery.event);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(calls.total(), 10, "nothing handled twice");
    assert!(tracker.metrics().webhook_duplicates >= deliveries.len() as u64);
    running.shutdown().await;
}

/// The envelope's transitions were each handled once, in sequence order: `sent` first,
/// `finished` last, and the signatures of `want` in between in whatever order they were learned.
async fn assert_handled_once_in_order(
    tracker: &Tracker,
    calls: &Calls,
    provider: &str,
    id: &EnvelopeId,
    mut want: Vec<String>,
) {
    let handled = calls.of(id);
    let recorded: Vec<String> = tracker
        .transitions(provider, id)
        .await
        .unwrap()
        .iter()
        .map(|t| t.milestone.key())
        .collect();
    assert_eq!(
        handled, recorded,
        "{id}: handled once each, in sequence order"
    );
    assert_eq!(handled.first(), want.first(), "{id}");
    assert_eq!(handled.last(), want.last(), "{id}");
    let mut got = handled;
    got.sort();
    want.sort();
    assert_eq!(got, want, "{id}");
}

/// Whether, in `posts` (indices into `deliveries`), the envelope's completion arrives before
/// one of its signatures.
fn completion_before_a_signature(
    posts: &[usize],
    deliveries: &[ConnectDelivery],
    id: &EnvelopeId,
) -> bool {
    let first_post = |delivery: usize| posts.iter().position(|&i| i == delivery);
    let of = |event: &str| -> Vec<usize> {
        (0..deliveries.len())
            .filter(|&i| deliveries[i].envelope_id == id.as_str() && deliveries[i].event == event)
            .collect()
    };
    of("envelope-completed").into_iter().any(|completed| {
        of("recipient-completed")
            .into_iter()
            .any(|signed| first_post(completed) < first_post(signed))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docusign_connect_messages_duplicated_and_reordered_are_handled_once_in_order() {
    let emulator = DocuSignEmulator::start().await;
    // Not called (the emulator calls loopback URLs only) but recorded: the test delivers.
    let connect = "https://app.example.com/webhooks/docusign";
    let ds = docusign(&emulator);
    let calls = Calls::default();
    let tracker = Tracker::builder()
        .store(MemoryStore::new())
        .provider(Arc::new(ds.clone()))
        .handler(calls.handler())
        .build()
        .unwrap();
    let router = Router::new().nest("/webhooks", signing_tracker::axum::router(tracker.clone()));

    // (envelope, signers, whether it is voided unsigned)
    let mut envelopes = Vec::new();
    for (signers, order, void) in [
        (3, SigningOrder::Parallel, false),
        (2, SigningOrder::Sequential, false),
        (1, SigningOrder::Parallel, false),
        (2, SigningOrder::Parallel, true),
    ] {
        let envelope = ds
            .send(&connect_request(signers, order, connect))
            .await
            .unwrap();
        tracker.track(&envelope).await.unwrap();
        envelopes.push((envelope.id, signers, void));
    }
    for (id, signers, void) in &envelopes {
        if *void {
            ds.cancel(id).await.unwrap();
        } else {
            for signer in 0..*signers {
                emulator
                    .sign(id.as_str(), &format!("s{signer}@example.com"))
                    .unwrap();
            }
        }
        let last = if *void {
            "envelope-voided"
        } else {
            "envelope-completed"
        };
        emulator
            .wait_for_delivery(id.as_str(), last, Duration::from_secs(5))
            .await
            .unwrap();
    }
    let deliveries = emulator.deliveries();

    // Every message one to three times, all of them shuffled.
    let mut rng = fastrand::Rng::with_seed(16);
    let mut posts: Vec<usize> = (0..deliveries.len())
        .flat_map(|i| std::iter::repeat_n(i, rng.usize(1..=3)))
        .collect();
    rng.shuffle(&mut posts);
    let completed_first = envelopes
        .iter()
        .any(|(id, _, _)| completion_before_a_signature(&posts, &deliveries, id));
    assert!(
        completed_first,
        "some completion arrives before a signature"
    );

    let (mut ok, mut duplicate) = (0, 0);
    for (n, &i) in posts.iter().enumerate() {
        let request = signing_core::WebhookRequest::new(
            deliveries[i].headers.clone(),
            deliveries[i].body.clone(),
        );
        match post(&router, "/webhooks/docusign", &request).await {
            (StatusCode::OK, answer) if answer == "ok" => ok += 1,
            (StatusCode::OK, answer) if answer == "duplicate" => duplicate += 1,
            other => panic!("{} answered {other:?}", deliveries[i].event),
        }
        // The handler runs while messages still arrive.
        if n % 4 == 0 {
            while tracker.handle_due().await.unwrap() > 0 {}
        }
    }
    while tracker.handle_due().await.unwrap() > 0 {}
    assert_eq!(ok, deliveries.len(), "each message accepted once");
    assert_eq!(
        duplicate,
        posts.len() - deliveries.len(),
        "and dropped after"
    );

    for (id, signers, void) in &envelopes {
        let want = if *void {
            vec!["sent".to_owned(), "finished".to_owned()]
        } else {
            expected(*signers)
        };
        assert_handled_once_in_order(&tracker, &calls, "docusign", id, want).await;
    }
    assert_eq!(
        emulator.request_count(DsRoute::GetEnvelope),
        0,
        "nothing was read: Connect said it all"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_connect_message_is_refused_by_the_route() {
    let emulator = DocuSignEmulator::start().await;
    let ds = docusign(&emulator);
    let calls = Calls::default();
    let tracker = Tracker::builder()
        .store(MemoryStore::new())
        .provider(Arc::new(ds.clone()))
        .handler(calls.handler())
        .build()
        .unwrap();
    let router = Router::new().nest("/webhooks", signing_tracker::axum::router(tracker.clone()));
    let envelope = ds
        .send(&connect_request(
            1,
            SigningOrder::Parallel,
            "https://app.example.com/webhooks/docusign",
        ))
        .await
        .unwrap();
    tracker.track(&envelope).await.unwrap();
    let sent = emulator
        .wait_for_delivery(
            envelope.id.as_str(),
            "envelope-sent",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    let genuine = signing_core::WebhookRequest::new(sent.headers.clone(), sent.body.clone());

    // The genuine message turned into a completion, under its original signatures.
    let text = String::from_utf8(sent.body.to_vec()).unwrap();
    assert!(text.contains("\"envelope-sent\""), "{text}");
    let completed = bytes::Bytes::from(text.replace("\"envelope-sent\"", "\"envelope-completed\""));
    let altered = signing_core::WebhookRequest::new(sent.headers.clone(), completed.clone());
    // The same completion signed with a key that is not the account's.
    let wrong_key = signing_core::WebhookRequest::new(
        docusign::connect_signature_headers(&["a key that is not the account's"], &completed),
        completed.clone(),
    );
    // And with no signature at all.
    let unsigned = signing_core::WebhookRequest::new(http::HeaderMap::new(), completed);
    for forged in [&altered, &wrong_key, &unsigned] {
        let (status, _) = post(&router, "/webhooks/docusign", forged).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(status.is_client_error());
    }
    assert_eq!(
        post(&router, "/webhooks/docusign", &genuine).await,
        (StatusCode::OK, "ok".to_owned())
    );
    while tracker.handle_due().await.unwrap() > 0 {}
    assert_eq!(
        calls.of(&envelope.id),
        ["sent"],
        "no forgery recorded anything"
    );
    assert_eq!(tracker.metrics().webhooks_refused, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docusign_envelopes_are_read_no_sooner_than_its_polling_interval() {
    let emulator = DocuSignEmulator::start().await;
    // DocuSign's rule, enforced: a second read of an envelope within 15 minutes is refused.
    let rule = Duration::from_secs(15 * 60);
    emulator.enforce_polling_limit(rule);
    let ds = docusign(&emulator);
    assert_eq!(ds.capabilities().min_poll_interval, Some(rule));
    let store = Arc::new(MemoryStore::new());
    let calls = Calls::default();
    // Asked to read anything quiet for a millisecond, ten times a second: DocuSign's floor wins.
    let tracker = tuned(Tracker::builder())
        .shared_store(store.clone())
        .provider(Arc::new(ds.clone()))
        .handler(calls.handler())
        .stale_after(Duration::from_millis(1))
        .tick(Duration::from_millis(10))
        .build()
        .unwrap();
    let running = tracker.start();
    // No Connect: the reconciler is the only way to learn anything.
    let signed = ds.send(&request(2, SigningOrder::Parallel)).await.unwrap();
    let waiting = ds.send(&request(1, SigningOrder::Parallel)).await.unwrap();
    tracker.track(&signed).await.unwrap();
    tracker.track(&waiting).await.unwrap();
    emulator.sign_all(signed.id.as_str()).unwrap();

    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        emulator.request_count(DsRoute::GetEnvelope),
        0,
        "read within 15 minutes of being tracked"
    );
    assert_eq!(tracker.metrics().reads, 0);
    for id in [&signed.id, &waiting.id] {
        let record = tracker.envelope("docusign", id).await.unwrap().unwrap();
        assert!(
            record.poll_due_at - record.tracked_at >= rule,
            "first read due {} after tracking",
            record.poll_due_at - record.tracked_at
        );
        assert_eq!(calls.of(id), ["sent"]);
    }

    // Once a read is due (15 minutes on, here made due now), each envelope is read once...
    for id in [&signed.id, &waiting.id] {
        store
            .reschedule_poll(
                &EnvelopeKey::new("docusign", id.clone()),
                OffsetDateTime::now_utc(),
                None,
            )
            .await
            .unwrap();
    }
    eventually("the signed envelope's transitions handled", || {
        calls.of(&signed.id) == expected(2)
    })
    .await;
    eventually("both read", || {
        emulator.request_count(DsRoute::GetEnvelope) == 2
    })
    .await;
    // ... and not again for another 15 minutes, however often the reconciler looks.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(emulator.request_count(DsRoute::GetEnvelope), 2);
    let metrics = tracker.metrics();
    assert_eq!(
        (metrics.reads, metrics.read_errors, metrics.rate_limited),
        (2, 0, 0),
        "no read was refused by the polling rule"
    );
    let record = tracker
        .envelope("docusign", &waiting.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!record.finished);
    assert!(record.poll_due_at - OffsetDateTime::now_utc() >= rule - time::Duration::seconds(5));
    assert_eq!(calls.of(&waiting.id), ["sent"]);
    running.shutdown().await;
}

#[tokio::test]
async fn a_docusign_envelope_read_too_soon_waits_alone() {
    let emulator = DocuSignEmulator::start().await;
    let rule = Duration::from_secs(15 * 60);
    emulator.enforce_polling_limit(rule);
    let ds = docusign(&emulator);
    let store = Arc::new(MemoryStore::new());
    let calls = Calls::default();
    let tracker = tuned(Tracker::builder())
        .shared_store(store.clone())
        .provider(Arc::new(ds.clone()))
        .handler(calls.handler())
        .tick(Duration::from_millis(10))
        .build()
        .unwrap();
    let running = tracker.start();
    let read_elsewhere = ds.send(&request(1, SigningOrder::Parallel)).await.unwrap();
    let other = ds.send(&request(1, SigningOrder::Parallel)).await.unwrap();
    tracker.track(&read_elsewhere).await.unwrap();
    tracker.track(&other).await.unwrap();
    emulator.sign_all(other.id.as_str()).unwrap();
    // The application reads one envelope itself: DocuSign's window for it starts now.
    ds.get(&read_elsewhere.id).await.unwrap();

    // Its read falls due first and is refused; the other's, due a moment later, goes on.
    let now = OffsetDateTime::now_utc();
    for (id, due) in [
        (&read_elsewhere.id, now),
        (&other.id, now + time::Duration::milliseconds(300)),
    ] {
        store
            .reschedule_poll(&EnvelopeKey::new("docusign", id.clone()), due, None)
            .await
            .unwrap();
    }
    eventually(
        "the other envelope read and its transitions handled",
        || calls.of(&other.id) == expected(1),
    )
    .await;
    let metrics = tracker.metrics();
    assert_eq!(metrics.rate_limited, 1, "{metrics:?}");
    // The refused envelope waits DocuSign's interval before its next read.
    let record = tracker
        .envelope("docusign", &read_elsewhere.id)
        .await
        .unwrap()
        .unwrap();
    assert!(record.poll_due_at - OffsetDateTime::now_utc() >= rule - time::Duration::seconds(5));
    running.shutdown().await;
}

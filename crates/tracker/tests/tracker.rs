//! The tracker's behaviour with the in-memory provider: exactly once and in order through
//! duplicated, reordered and lost webhooks, handler retries, leases, provider limits, restarts.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use signing_core::progress::Milestone;
use signing_core::{
    Capabilities, Document, EnvelopeId, ErrorKind, NewEnvelope, Signer, SigningProvider,
    WebhookRequest,
};
use signing_testkit::memory::CallKind;
use signing_testkit::{MemoryProvider, SignerAction};
use signing_tracker::store::{MemoryStore, SqliteStore, Store};
use signing_tracker::{Error, Handler, HandlerError, Tracker, TrackerBuilder, Transition};

/// Records every call; fails the first `failures` calls of each transition whose milestone key
/// is in `failing`. Clones share the record.
#[derive(Clone, Default)]
struct Recorder(Arc<RecorderState>);

#[derive(Default)]
struct RecorderState {
    calls: Mutex<Vec<Transition>>,
    failing: Vec<String>,
    failures: usize,
    attempts: Mutex<HashMap<String, usize>>,
}

impl Recorder {
    fn failing(keys: &[&str], failures: usize) -> Self {
        Self(Arc::new(RecorderState {
            failing: keys.iter().map(|k| (*k).to_owned()).collect(),
            failures,
            ..RecorderState::default()
        }))
    }

    fn calls(&self) -> Vec<Transition> {
        self.0.calls.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Handler for Recorder {
    async fn handle(&self, transition: &Transition) -> Result<(), HandlerError> {
        let state = &self.0;
        state.calls.lock().unwrap().push(transition.clone());
        let key = transition.milestone.key();
        if state.failing.contains(&key) {
            let mut attempts = state.attempts.lock().unwrap();
            let n = attempts.entry(transition.id().to_string()).or_default();
            *n += 1;
            if *n <= state.failures {
                return Err(format!("downstream unavailable (attempt {n})").into());
            }
        }
        Ok(())
    }
}

fn request(signers: usize) -> NewEnvelope {
    NewEnvelope::builder()
        .title("NDA")
        .document(Document::new("nda.pdf", &b"%PDF-1.7 test"[..]))
        .signers(
            (0..signers).map(|i| Signer::new(format!("Signer {i}"), format!("s{i}@example.com"))),
        )
        .build()
        .unwrap()
}

fn builder(
    provider: &MemoryProvider,
    store: Arc<dyn Store>,
    recorder: &Recorder,
) -> TrackerBuilder {
    Tracker::builder()
        .shared_store(store)
        .provider(Arc::new(provider.clone()))
        .handler(recorder.clone())
        .stale_after(Duration::from_millis(20))
        .retry(Duration::from_millis(10), Duration::from_millis(40))
        .tick(Duration::from_millis(5))
        .seed(7)
}

/// Runs reconciliation and handling passes until nothing is left to do, or fails after a
/// bounded number of rounds.
async fn settle(tracker: &Tracker) {
    for _ in 0..400 {
        tracker.reconcile_due().await.unwrap();
        while tracker.handle_due().await.unwrap() > 0 {}
        let stats = tracker.stats().await.unwrap();
        if stats.unfinished == 0 && stats.pending_transitions == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the tracker did not settle: {:?}",
        tracker.stats().await.unwrap()
    );
}

/// Checks that each envelope's calls are sent, each signer once, finished, and nothing twice.
fn assert_exactly_once_in_order(calls: &[Transition], signers: usize, envelopes: usize) {
    let mut by_envelope: HashMap<EnvelopeId, Vec<&Transition>> = HashMap::new();
    for call in calls {
        by_envelope
            .entry(call.key.id.clone())
            .or_default()
            .push(call);
    }
    assert_eq!(by_envelope.len(), envelopes);
    for (id, calls) in by_envelope {
        let keys: Vec<String> = calls.iter().map(|t| t.milestone.key()).collect();
        assert_eq!(keys.len(), signers + 2, "{id}: {keys:?}");
        assert_eq!(keys[0], "sent", "{id}: {keys:?}");
        assert_eq!(keys[signers + 1], "finished", "{id}: {keys:?}");
        let mut middle: Vec<&String> = keys[1..=signers].iter().collect();
        middle.sort();
        let expected: Vec<String> = (0..signers)
            .map(|i| format!("signed:email:s{i}@example.com"))
            .collect();
        assert_eq!(middle, expected.iter().collect::<Vec<_>>(), "{id}");
        let seqs: Vec<u32> = calls.iter().map(|t| t.seq).collect();
        assert_eq!(
            seqs,
            (1..=u32::try_from(signers + 2).unwrap()).collect::<Vec<_>>(),
            "{id}"
        );
    }
}

/// A small seeded generator, so the shuffles are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % (n as u64)).unwrap()
    }
}

#[tokio::test]
async fn every_transition_is_handled_once_in_order_through_duplicated_reordered_and_lost_webhooks()
{
    let provider = MemoryProvider::builder().deterministic_ids().build();
    let recorder = Recorder::default();
    let tracker = builder(&provider, Arc::new(MemoryStore::new()), &recorder)
        .build()
        .unwrap();
    let mut rng = Lcg(42);
    let mut ids = Vec::new();
    for _ in 0..20 {
        let envelope = provider.send(&request(3)).await.unwrap();
        tracker.track(&envelope).await.unwrap();
        ids.push(envelope.id);
    }
    let mut deliveries = Vec::new();
    for id in &ids {
        for i in [2, 0, 1] {
            provider
                .act(id, &format!("s{i}@example.com"), SignerAction::Sign)
                .unwrap();
        }
    }
    while let Some(delivery) = provider.next_delivery(Duration::ZERO).await {
        deliveries.push(delivery);
    }
    // A third lost, a third repeated, all shuffled.
    let mut chaos: Vec<WebhookRequest> = Vec::new();
    for delivery in deliveries {
        match rng.next(3) {
            0 => {}
            1 => chaos.extend([delivery.clone(), delivery]),
            _ => chaos.push(delivery),
        }
    }
    for i in (1..chaos.len()).rev() {
        chaos.swap(i, rng.next(i + 1));
    }
    let mut duplicates = 0;
    for delivery in &chaos {
        duplicates += tracker.ingest("memory", delivery).await.unwrap().duplicates;
    }
    assert!(duplicates > 0);
    settle(&tracker).await;
    assert_exactly_once_in_order(&recorder.calls(), 3, 20);
    let metrics = tracker.metrics();
    assert!(
        metrics.recorded_from_reads > 0,
        "the reconciler filled lost webhooks: {metrics:?}"
    );
    assert_eq!(metrics.handler_calls, 20 * 5);
}

#[tokio::test]
async fn a_failing_handler_is_retried_with_backoff_and_later_transitions_wait() {
    let provider = MemoryProvider::new();
    let recorder = Recorder::failing(&["sent"], 2);
    let tracker = builder(&provider, Arc::new(MemoryStore::new()), &recorder)
        .build()
        .unwrap();
    let envelope = provider.send(&request(1)).await.unwrap();
    tracker.track(&envelope).await.unwrap();
    provider
        .act(&envelope.id, "s0@example.com", SignerAction::Sign)
        .unwrap();
    while let Some(delivery) = provider.next_delivery(Duration::ZERO).await {
        tracker.ingest("memory", &delivery).await.unwrap();
    }
    assert_eq!(tracker.handle_due().await.unwrap(), 1);
    assert_eq!(tracker.handle_due().await.unwrap(), 0, "backing off");
    let transitions = tracker.transitions("memory", &envelope.id).await.unwrap();
    assert_eq!(transitions[0].attempts, 1);
    assert_eq!(
        transitions[0].last_error.as_deref(),
        Some("downstream unavailable (attempt 1)")
    );
    let stats = tracker.stats().await.unwrap();
    assert_eq!(
        (stats.pending_transitions, stats.failing_transitions),
        (3, 1)
    );
    settle(&tracker).await;

    let keys: Vec<(String, u32)> = recorder
        .calls()
        .iter()
        .map(|t| (t.milestone.key(), t.attempts))
        .collect();
    assert_eq!(
        keys,
        [
            ("sent".to_owned(), 1),
            ("sent".to_owned(), 2),
            ("sent".to_owned(), 3),
            ("signed:email:s0@example.com".to_owned(), 1),
            ("finished".to_owned(), 1),
        ]
    );
    let transitions = tracker.transitions("memory", &envelope.id).await.unwrap();
    assert_eq!(transitions[0].attempts, 3);
    assert!(transitions.iter().all(|t| t.handled_at.is_some()));
    let metrics = tracker.metrics();
    assert_eq!((metrics.handler_failures, metrics.handled), (2, 3));
}

#[tokio::test]
async fn forgeries_unknown_providers_and_untracked_envelopes() {
    let provider = MemoryProvider::new();
    let recorder = Recorder::default();
    let tracker = builder(&provider, Arc::new(MemoryStore::new()), &recorder)
        .build()
        .unwrap();
    let envelope = provider.send(&request(1)).await.unwrap();
    provider
        .act(&envelope.id, "s0@example.com", SignerAction::Sign)
        .unwrap();
    let genuine = provider
        .next_delivery(Duration::from_secs(1))
        .await
        .unwrap();

    let mut forged = genuine.clone();
    forged.body = bytes::Bytes::from(genuine.body.iter().rev().copied().collect::<Vec<u8>>());
    let err = tracker.ingest("memory", &forged).await.unwrap_err();
    assert!(err.is_rejection(), "{err}");
    assert!(
        matches!(&err, Error::Rejected(e) if matches!(e.kind(), ErrorKind::WebhookVerification(_)))
    );
    let err = tracker.ingest("docusign", &genuine).await.unwrap_err();
    assert!(
        matches!(err, Error::UnknownProvider(ref name) if name == "docusign"),
        "{err}"
    );

    let ingested = tracker.ingest("memory", &genuine).await.unwrap();
    assert_eq!(
        (ingested.events, ingested.untracked, ingested.transitions),
        (1, 1, 0)
    );
    assert_eq!(tracker.metrics().webhooks_refused, 1);
    assert!(
        tracker
            .envelope("memory", &envelope.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_reconciler_never_reads_faster_than_the_provider_allows() {
    for (floor, expected_reads) in [(Some(Duration::from_secs(3_600)), 0), (None, 1)] {
        let mut caps = Capabilities::all();
        caps.min_poll_interval = floor;
        let provider = MemoryProvider::builder().capabilities(caps).build();
        let recorder = Recorder::default();
        let tracker = builder(&provider, Arc::new(MemoryStore::new()), &recorder)
            .stale_after(Duration::from_millis(1))
            .build()
            .unwrap();
        let envelope = provider.send(&request(1)).await.unwrap();
        tracker.track(&envelope).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let reconciled = tracker.reconcile_due().await.unwrap();
        assert_eq!(reconciled.reads, expected_reads, "floor {floor:?}");
        let gets = provider
            .calls()
            .iter()
            .filter(|c| c.kind == CallKind::Get)
            .count();
        assert_eq!(gets, expected_reads);
        let due = tracker
            .envelope("memory", &envelope.id)
            .await
            .unwrap()
            .unwrap()
            .poll_due_at;
        if floor.is_some() {
            assert!(due - time::OffsetDateTime::now_utc() > time::Duration::minutes(59));
        }
    }
}

#[tokio::test]
async fn a_rate_limited_provider_is_left_alone_for_the_time_it_asks() {
    let provider = MemoryProvider::new();
    let recorder = Recorder::default();
    let tracker = builder(&provider, Arc::new(MemoryStore::new()), &recorder)
        .stale_after(Duration::from_millis(1))
        .reads(1, 10)
        .build()
        .unwrap();
    for _ in 0..3 {
        let envelope = provider.send(&request(1)).await.unwrap();
        tracker.track(&envelope).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    provider.fail_next(
        CallKind::Get,
        1,
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_millis(300)),
        },
    );
    let first = tracker.reconcile_due().await.unwrap();
    assert_eq!(
        (first.reads, first.rate_limited),
        (0, 3),
        "one refused, two not attempted"
    );
    let gets = || {
        provider
            .calls()
            .iter()
            .filter(|c| c.kind == CallKind::Get)
            .count()
    };
    assert_eq!(gets(), 1);
    assert_eq!(
        tracker.reconcile_due().await.unwrap().reads,
        0,
        "still paused"
    );
    assert_eq!(gets(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(tracker.reconcile_due().await.unwrap().reads, 3);
    assert_eq!(tracker.metrics().rate_limited, 1);
}

#[tokio::test]
async fn transitions_survive_a_restart_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "tracker-restart-{}-{}.db",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    let provider = MemoryProvider::new();
    let recorder = Recorder::default();
    let envelope = provider.send(&request(2)).await.unwrap();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let first = builder(&provider, store, &recorder).build().unwrap();
        first.track(&envelope).await.unwrap();
        provider
            .act(&envelope.id, "s1@example.com", SignerAction::Sign)
            .unwrap();
        while let Some(delivery) = provider.next_delivery(Duration::ZERO).await {
            first.ingest("memory", &delivery).await.unwrap();
        }
        assert_eq!(
            first.handle_due().await.unwrap(),
            1,
            "one transition handled, then a stop"
        );
    }
    provider
        .act(&envelope.id, "s0@example.com", SignerAction::Sign)
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let second = builder(&provider, store, &recorder).build().unwrap();
    settle(&second).await;
    let keys: Vec<String> = recorder.calls().iter().map(|t| t.milestone.key()).collect();
    assert_eq!(
        keys,
        [
            "sent",
            "signed:email:s1@example.com",
            "signed:email:s0@example.com",
            "finished"
        ]
    );
    drop(second);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Hangs on the first call (as an instance that dies mid-handler would), then succeeds.
/// Clones share the count.
#[derive(Clone)]
struct HangsOnce {
    calls: Arc<AtomicUsize>,
    hang: Duration,
}

#[async_trait::async_trait]
impl Handler for HangsOnce {
    async fn handle(&self, _transition: &Transition) -> Result<(), HandlerError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            tokio::time::sleep(self.hang).await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn an_instance_that_dies_mid_handler_loses_its_lease_to_another() {
    let provider = MemoryProvider::new();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let handler = HangsOnce {
        calls: Arc::new(AtomicUsize::new(0)),
        hang: Duration::from_secs(3_600),
    };
    let instance = |name: &str| {
        Tracker::builder()
            .shared_store(Arc::clone(&store))
            .provider(Arc::new(provider.clone()))
            .handler(handler.clone())
            .lease(Duration::from_millis(300))
            .instance(name)
            .build()
            .unwrap()
    };
    let (a, b) = (instance("a"), instance("b"));
    let envelope = provider.send(&request(1)).await.unwrap();
    a.track(&envelope).await.unwrap();
    let dying = tokio::spawn({
        let a = a.clone();
        async move { a.handle_due().await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    dying.abort(); // the instance dies with its handler running
    assert_eq!(b.handle_due().await.unwrap(), 0, "a's lease still holds");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.handle_due().await.unwrap(),
        1,
        "the lease ran out: b takes over"
    );
    let transitions = b.transitions("memory", &envelope.id).await.unwrap();
    assert_eq!(transitions[0].attempts, 2, "the dead attempt counts");
    assert!(transitions[0].handled_at.is_some());
}

#[tokio::test]
async fn a_slow_handler_keeps_its_lease_by_renewing_it() {
    let provider = MemoryProvider::new();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let handler = HangsOnce {
        calls: Arc::new(AtomicUsize::new(0)),
        hang: Duration::from_millis(700),
    };
    let instance = || {
        Tracker::builder()
            .shared_store(Arc::clone(&store))
            .provider(Arc::new(provider.clone()))
            .handler(handler.clone())
            .lease(Duration::from_millis(300))
            .build()
            .unwrap()
    };
    let (a, b) = (instance(), instance());
    let envelope = provider.send(&request(1)).await.unwrap();
    a.track(&envelope).await.unwrap();
    let slow = tokio::spawn({
        let a = a.clone();
        async move { a.handle_due().await }
    });
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            b.handle_due().await.unwrap(),
            0,
            "the running handler's lease is renewed"
        );
    }
    assert_eq!(slow.await.unwrap().unwrap(), 1);
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
    assert_eq!(a.metrics().handled, 1);
}

#[tokio::test]
async fn the_builder_refuses_incomplete_or_unsafe_configurations() {
    let provider: Arc<dyn SigningProvider> = Arc::new(MemoryProvider::new());
    let ok = |t: Transition| async move {
        let _ = t;
        Ok::<(), HandlerError>(())
    };
    let full = || {
        Tracker::builder()
            .store(MemoryStore::new())
            .provider(Arc::clone(&provider))
            .handler(ok)
    };
    full().build().unwrap();
    let cases: Vec<(TrackerBuilder, &str)> = vec![
        (
            Tracker::builder()
                .provider(Arc::clone(&provider))
                .handler(ok),
            "a store is required",
        ),
        (
            Tracker::builder()
                .store(MemoryStore::new())
                .provider(Arc::clone(&provider)),
            "a handler is required",
        ),
        (
            Tracker::builder().store(MemoryStore::new()).handler(ok),
            "at least one provider",
        ),
        (full().provider(Arc::clone(&provider)), "registered twice"),
        (full().handler_concurrency(0), "handler concurrency"),
        (full().reads(4, 0), "read batch"),
        (full().lease(Duration::from_millis(10)), "lease"),
        (
            full().stale_after(Duration::from_secs(365 * 24 * 3600)),
            "stale_after",
        ),
        (
            full().retry(Duration::from_secs(10), Duration::from_secs(1)),
            "retry maximum",
        ),
        (full().instance("  "), "instance name"),
    ];
    for (builder, expected) in cases {
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(
            err.to_string().contains(expected),
            "{err} should say {expected}"
        );
    }
}

#[tokio::test]
async fn transition_ids_are_stable_and_name_the_envelope() {
    let provider = MemoryProvider::builder().deterministic_ids().build();
    let recorder = Recorder::default();
    let tracker = builder(&provider, Arc::new(MemoryStore::new()), &recorder)
        .build()
        .unwrap();
    let envelope = provider.send(&request(1)).await.unwrap();
    tracker.track(&envelope).await.unwrap();
    tracker.track(&envelope).await.unwrap();
    while tracker.handle_due().await.unwrap() > 0 {}
    let calls = recorder.calls();
    assert_eq!(calls.len(), 1, "tracking twice records once");
    assert_eq!(calls[0].id().as_str(), "memory:env-1:1");
    assert_eq!(calls[0].milestone, Milestone::Sent);
}

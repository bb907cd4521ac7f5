//! The store conformance suite: one set of clauses, each run against the memory store, SQLite
//! (in memory and in a file) and PostgreSQL (when `SIGNING_TEST_POSTGRES_URL` is set; skipped
//! with a message otherwise).

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use signing_core::progress::{Milestone, SignerKey};
use signing_core::{Envelope, EnvelopeId, EnvelopeStatus};
use signing_tracker::Source;
use signing_tracker::store::{Applied, Change, EnvelopeKey, MemoryStore, SqliteStore, Store};
use time::OffsetDateTime;

fn t0() -> OffsetDateTime {
    // Milliseconds are what stores keep.
    time::macros::datetime!(2026-06-01 12:00:00 UTC)
}

fn at(ms: i64) -> OffsetDateTime {
    t0() + time::Duration::milliseconds(ms)
}

fn key(id: &str) -> EnvelopeKey {
    EnvelopeKey::new("memory", EnvelopeId::new(id))
}

fn signed(email: &str) -> Milestone {
    Milestone::SignerSigned(SignerKey::parse(&format!("email:{email}")).unwrap())
}

fn finished(status: EnvelopeStatus) -> Milestone {
    Milestone::Finished(status)
}

fn keys(milestones: &[Milestone]) -> Vec<String> {
    milestones.iter().map(Milestone::key).collect()
}

/// Records `milestones` as a webhook would, with an optional delivery id.
async fn record(
    store: &dyn Store,
    key: &EnvelopeKey,
    delivery: Option<&str>,
    now: OffsetDateTime,
    milestones: Vec<Milestone>,
) -> Applied {
    store
        .apply(key, delivery, now, &|_| {
            Change::new(milestones.clone(), Source::Webhook)
        })
        .await
        .unwrap()
}

async fn tracking_is_idempotent(store: Arc<dyn Store>) {
    let k = key("e1");
    assert!(store.track(&k, at(0), at(1_000)).await.unwrap());
    assert!(!store.track(&k, at(5), at(9_000)).await.unwrap());
    let record = store.envelope(&k).await.unwrap().unwrap();
    assert_eq!(
        record.poll_due_at,
        at(1_000),
        "a second track changes nothing"
    );
    assert_eq!(record.tracked_at, at(0));
    assert_eq!(
        (record.recorded, record.handled, record.finished),
        (0, 0, false)
    );
    assert!(store.envelope(&key("other")).await.unwrap().is_none());
}

async fn transitions_are_appended_in_order_once(store: Arc<dyn Store>) {
    let k = key("e1");
    store.track(&k, at(0), at(1_000)).await.unwrap();
    let first = record(
        &*store,
        &k,
        None,
        at(1),
        vec![Milestone::Sent, signed("a@x.io")],
    )
    .await;
    assert_eq!(
        first,
        Applied::Recorded {
            appended: vec![1, 2]
        }
    );
    let second = record(
        &*store,
        &k,
        None,
        at(2),
        vec![
            Milestone::Sent,
            signed("b@x.io"),
            signed("a@x.io"),
            signed("b@x.io"),
            finished(EnvelopeStatus::Completed),
        ],
    )
    .await;
    assert_eq!(
        second,
        Applied::Recorded {
            appended: vec![3, 4]
        }
    );
    // Nothing follows a final milestone, not even another final one.
    let late = record(
        &*store,
        &k,
        None,
        at(3),
        vec![signed("c@x.io"), finished(EnvelopeStatus::Deleted)],
    )
    .await;
    assert_eq!(late, Applied::Recorded { appended: vec![] });

    let transitions = store.transitions(&k).await.unwrap();
    let milestones: Vec<Milestone> = transitions.iter().map(|t| t.milestone.clone()).collect();
    assert_eq!(
        keys(&milestones),
        [
            "sent",
            "signed:email:a@x.io",
            "signed:email:b@x.io",
            "finished"
        ]
    );
    assert_eq!(milestones[3], finished(EnvelopeStatus::Completed));
    assert_eq!(
        transitions.iter().map(|t| t.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(transitions[0].recorded_at, at(1));
    assert_eq!(transitions[0].source, Source::Webhook);
    assert!(
        transitions
            .iter()
            .all(|t| t.handled_at.is_none() && t.attempts == 0)
    );
    let record = store.envelope(&k).await.unwrap().unwrap();
    assert_eq!((record.recorded, record.finished), (4, true));
    assert_eq!(record.changed_at, at(2));
}

async fn untracked_envelopes_record_nothing(store: Arc<dyn Store>) {
    let k = key("nobody");
    let applied = record(&*store, &k, Some("d1"), at(0), vec![Milestone::Sent]).await;
    assert_eq!(applied, Applied::Untracked);
    assert!(store.transitions(&k).await.unwrap().is_empty());
    // The delivery was not remembered: once the envelope is tracked it counts.
    store.track(&k, at(1), at(1)).await.unwrap();
    let applied = record(&*store, &k, Some("d1"), at(2), vec![Milestone::Sent]).await;
    assert_eq!(applied, Applied::Recorded { appended: vec![1] });
}

async fn deliveries_are_dropped_only_after_their_effect(store: Arc<dyn Store>) {
    let k = key("e1");
    store.track(&k, at(0), at(0)).await.unwrap();
    let first = record(&*store, &k, Some("msg-1"), at(1), vec![Milestone::Sent]).await;
    assert_eq!(first, Applied::Recorded { appended: vec![1] });
    let again = record(
        &*store,
        &k,
        Some("msg-1"),
        at(2),
        vec![Milestone::Sent, signed("a@x.io")],
    )
    .await;
    assert_eq!(again, Applied::Duplicate, "a redelivery is dropped whole");
    // A delivery whose plan recorded nothing new is still remembered.
    let hint = record(&*store, &k, Some("msg-2"), at(3), vec![]).await;
    assert_eq!(hint, Applied::Recorded { appended: vec![] });
    assert_eq!(
        record(&*store, &k, Some("msg-2"), at(4), vec![]).await,
        Applied::Duplicate
    );
    // Delivery ids are per provider.
    let other = EnvelopeKey::new("heysign", EnvelopeId::new("e1"));
    store.track(&other, at(0), at(0)).await.unwrap();
    let applied = record(&*store, &other, Some("msg-1"), at(5), vec![Milestone::Sent]).await;
    assert_eq!(applied, Applied::Recorded { appended: vec![1] });
    assert_eq!(store.stats(at(6)).await.unwrap().deliveries, 3);
    assert_eq!(store.prune_deliveries(at(2)).await.unwrap(), 1);
    assert_eq!(store.stats(at(6)).await.unwrap().deliveries, 2);
}

async fn the_plan_sees_the_state_and_sets_snapshot_and_schedule(store: Arc<dyn Store>) {
    let k = key("e1");
    store.track(&k, at(0), at(100)).await.unwrap();
    let mut envelope = Envelope::new(k.id.clone(), "memory", EnvelopeStatus::Sent);
    envelope.title = Some("NDA".into());
    store
        .apply(&k, None, at(1), &|state| {
            assert!(state.snapshot.is_none() && state.milestones.is_empty());
            let mut change = Change::new(vec![Milestone::Sent], Source::Track);
            change.snapshot = Some(envelope.clone());
            change
        })
        .await
        .unwrap();
    store
        .reschedule_poll(&k, at(500), Some("503 busy"))
        .await
        .unwrap();
    store
        .reschedule_poll(&k, at(600), Some("timeout"))
        .await
        .unwrap();
    let record = store.envelope(&k).await.unwrap().unwrap();
    assert_eq!(record.snapshot.as_ref(), Some(&envelope));
    assert_eq!(record.poll_due_at, at(600));
    assert_eq!(
        (record.poll_errors, record.last_poll_error.as_deref()),
        (2, Some("timeout"))
    );
    assert_eq!(store.stats(at(700)).await.unwrap().poll_errors, 1);
    store.reschedule_poll(&k, at(650), None).await.unwrap();
    assert_eq!(store.envelope(&k).await.unwrap().unwrap().poll_errors, 2);

    let seen = std::sync::Mutex::new(None);
    store
        .apply(&k, None, at(2), &|state| {
            *seen.lock().unwrap() = Some(state.clone());
            let mut change = Change::new(vec![], Source::Reconciler);
            change.poll_due_at = Some(at(9_000));
            change.polled = true;
            change
        })
        .await
        .unwrap();
    let state = seen.into_inner().unwrap().unwrap();
    assert_eq!(state.snapshot, Some(envelope));
    assert_eq!(state.milestones, [Milestone::Sent]);
    let record = store.envelope(&k).await.unwrap().unwrap();
    assert_eq!(record.poll_due_at, at(9_000));
    assert_eq!(
        (record.poll_errors, record.last_poll_error),
        (0, None),
        "a read resets errors"
    );
}

async fn reads_are_claimed_when_due_once_per_lease(store: Arc<dyn Store>) {
    for (id, due) in [
        ("late", 300),
        ("early", 100),
        ("mid", 200),
        ("future", 5_000),
    ] {
        store.track(&key(id), at(0), at(due)).await.unwrap();
    }
    let other = EnvelopeKey::new("heysign", EnvelopeId::new("h1"));
    store.track(&other, at(0), at(0)).await.unwrap();
    let done = key("done");
    store.track(&done, at(0), at(0)).await.unwrap();
    record(
        &*store,
        &done,
        None,
        at(0),
        vec![finished(EnvelopeStatus::Cancelled)],
    )
    .await;

    let claimed = store
        .claim_polls("memory", at(1_000), 2, at(2_000))
        .await
        .unwrap();
    let mut ids: Vec<&str> = claimed.iter().map(EnvelopeId::as_str).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["early", "mid"], "the most overdue, up to the limit");
    let claimed = store
        .claim_polls("memory", at(1_000), 10, at(2_000))
        .await
        .unwrap();
    let ids: Vec<&str> = claimed.iter().map(EnvelopeId::as_str).collect();
    assert_eq!(
        ids,
        ["late"],
        "claimed ones wait for their lease; finished ones are never read"
    );
    // An instance that died after claiming: the envelopes are due again after the lease.
    let claimed = store
        .claim_polls("memory", at(2_000), 10, at(3_000))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    let claimed = store
        .claim_polls("heysign", at(2_000), 10, at(3_000))
        .await
        .unwrap();
    assert_eq!(claimed, [EnvelopeId::new("h1")]);
}

async fn transitions_are_handled_in_order_under_a_lease(store: Arc<dyn Store>) {
    let k = key("e1");
    store.track(&k, at(0), at(0)).await.unwrap();
    record(
        &*store,
        &k,
        None,
        at(1),
        vec![Milestone::Sent, signed("a@x.io")],
    )
    .await;

    let claims = store
        .claim_transitions("A", at(10), 10, at(1_000))
        .await
        .unwrap();
    assert_eq!(
        claims.len(),
        1,
        "one claim per envelope: its first unhandled transition"
    );
    let first = &claims[0].transition;
    assert_eq!((first.seq, first.attempts), (1, 1));
    assert_eq!(first.milestone, Milestone::Sent);
    assert!(
        store
            .claim_transitions("B", at(20), 10, at(1_000))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.renew_lease(&k, "A", at(1_500)).await.unwrap());
    assert!(!store.renew_lease(&k, "B", at(1_500)).await.unwrap());
    assert!(
        !store.mark_handled(&k, "B", 1, at(30)).await.unwrap(),
        "not B's lease"
    );
    assert!(
        !store.mark_handled(&k, "A", 2, at(30)).await.unwrap(),
        "not the next one"
    );
    assert!(store.mark_handled(&k, "A", 1, at(30)).await.unwrap());
    assert!(
        !store.mark_handled(&k, "A", 1, at(31)).await.unwrap(),
        "marked once"
    );

    let claims = store
        .claim_transitions("B", at(40), 10, at(1_000))
        .await
        .unwrap();
    assert_eq!(claims[0].transition.seq, 2);
    assert!(
        store
            .mark_failed(&k, "B", 2, at(50), "handler: database down", at(5_000))
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_transitions("B", at(60), 10, at(1_000))
            .await
            .unwrap()
            .is_empty(),
        "backing off"
    );
    let stats = store.stats(at(100)).await.unwrap();
    assert_eq!(
        (
            stats.pending_transitions,
            stats.failing_transitions,
            stats.oldest_pending_ms
        ),
        (1, 1, 99)
    );
}

async fn a_dead_claimants_lease_runs_out(store: Arc<dyn Store>) {
    let k = key("e1");
    store.track(&k, at(0), at(0)).await.unwrap();
    record(&*store, &k, None, at(1), vec![Milestone::Sent]).await;
    let claims = store
        .claim_transitions("A", at(10), 10, at(1_000))
        .await
        .unwrap();
    assert!(
        store
            .mark_failed(&k, "A", 1, at(20), "handler: database down", at(5_000))
            .await
            .unwrap()
    );

    // The retry is due: A claims it, then dies. After its lease, B takes over.
    assert_eq!(claims[0].transition.attempts, 1);
    let claims = store
        .claim_transitions("A", at(5_000), 10, at(6_000))
        .await
        .unwrap();
    let retry = &claims[0].transition;
    assert_eq!((retry.seq, retry.attempts), (1, 2));
    assert_eq!(retry.last_error.as_deref(), Some("handler: database down"));
    assert!(
        store
            .claim_transitions("B", at(5_999), 10, at(9_000))
            .await
            .unwrap()
            .is_empty()
    );
    let claims = store
        .claim_transitions("B", at(6_001), 10, at(9_000))
        .await
        .unwrap();
    assert_eq!(
        (claims[0].transition.seq, claims[0].transition.attempts),
        (1, 3)
    );
    assert!(
        !store.mark_handled(&k, "A", 1, at(6_002)).await.unwrap(),
        "A lost its lease"
    );
    assert!(store.mark_handled(&k, "B", 1, at(6_003)).await.unwrap());

    let transitions = store.transitions(&k).await.unwrap();
    assert_eq!(transitions[0].handled_at, Some(at(6_003)));
    assert_eq!(transitions[0].attempts, 3);
    let envelope = store.envelope(&k).await.unwrap().unwrap();
    assert_eq!((envelope.recorded, envelope.handled), (1, 1));
    assert!(
        store
            .claim_transitions("A", at(7_000), 10, at(9_000))
            .await
            .unwrap()
            .is_empty()
    );

    // A new transition of a fully handled envelope is due at once.
    record(
        &*store,
        &k,
        None,
        at(8_000),
        vec![finished(EnvelopeStatus::Completed)],
    )
    .await;
    let claims = store
        .claim_transitions("A", at(8_000), 10, at(9_000))
        .await
        .unwrap();
    assert_eq!(claims[0].transition.seq, 2);
    let stats = store.stats(at(8_000)).await.unwrap();
    assert_eq!(
        (
            stats.envelopes,
            stats.unfinished,
            stats.pending_transitions,
            stats.failing_transitions,
            stats.oldest_pending_ms,
            stats.poll_errors,
            stats.deliveries
        ),
        (1, 0, 1, 0, 0, 0, 0)
    );
}

async fn concurrent_claims_never_overlap(store: Arc<dyn Store>) {
    for i in 0..40 {
        let k = key(&format!("e{i:02}"));
        store.track(&k, at(0), at(0)).await.unwrap();
        record(&*store, &k, None, at(0), vec![Milestone::Sent]).await;
    }
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let owner = format!("w{worker}");
            let mut polls = Vec::new();
            let mut claims = Vec::new();
            for _ in 0..20 {
                polls.extend(
                    store
                        .claim_polls("memory", at(10), 3, at(60_000))
                        .await
                        .unwrap(),
                );
                claims.extend(
                    store
                        .claim_transitions(&owner, at(10), 3, at(60_000))
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|c| c.transition.key.id),
                );
            }
            (polls, claims)
        }));
    }
    let mut polls = Vec::new();
    let mut claims = Vec::new();
    for task in tasks {
        let (p, c) = task.await.unwrap();
        polls.extend(p);
        claims.extend(c);
    }
    for (what, ids) in [("reads", polls), ("transitions", claims)] {
        let unique: HashSet<_> = ids.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{what}: an envelope was claimed twice"
        );
        assert_eq!(ids.len(), 40, "{what}: every envelope was claimed");
    }
}

async fn concurrent_changes_to_one_envelope_take_turns(store: Arc<dyn Store>) {
    let k = key("busy");
    store.track(&k, at(0), at(0)).await.unwrap();
    let mut tasks = Vec::new();
    for worker in 0..6 {
        let store = Arc::clone(&store);
        let k = k.clone();
        tasks.push(tokio::spawn(async move {
            let mut appended = Vec::new();
            for round in 0..5 {
                let milestones = vec![
                    Milestone::Sent,
                    signed(&format!("s{round}@x.io")),
                    signed(&format!("w{worker}@x.io")),
                ];
                let delivery = format!("d{round}");
                if let Applied::Recorded { appended: seqs } =
                    record(&*store, &k, Some(&delivery), at(1), milestones).await
                {
                    appended.extend(seqs);
                }
            }
            appended
        }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.extend(task.await.unwrap());
    }
    seqs.sort_unstable();
    let transitions = store.transitions(&k).await.unwrap();
    let expected: Vec<u32> = (1..=u32::try_from(transitions.len()).unwrap()).collect();
    assert_eq!(
        seqs, expected,
        "each sequence number given once, without gaps"
    );
    let unique: HashSet<String> = transitions.iter().map(|t| t.milestone.key()).collect();
    assert_eq!(unique.len(), transitions.len(), "each milestone once");
    assert_eq!(transitions[0].milestone, Milestone::Sent);
}

#[allow(clippy::unused_async)] // Called like the other stores' constructors.
async fn memory() -> Option<Arc<dyn Store>> {
    Some(Arc::new(MemoryStore::new()))
}

async fn sqlite_memory() -> Option<Arc<dyn Store>> {
    Some(Arc::new(SqliteStore::in_memory().await.unwrap()))
}

async fn sqlite_file() -> Option<Arc<dyn Store>> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "signing-tracker-conformance-{}-{}.db",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    Some(Arc::new(SqliteStore::open(&path).await.unwrap()))
}

async fn postgres(clause: &str) -> Option<Arc<dyn Store>> {
    support::postgres_store(&format!("{clause} on PostgreSQL"))
        .await
        .map(|store| Arc::new(store) as Arc<dyn Store>)
}

macro_rules! conformance {
    ($($clause:ident),+ $(,)?) => {
        mod memory_store {
            $(#[tokio::test] async fn $clause() { super::$clause(super::memory().await.unwrap()).await; })+
        }
        mod sqlite_in_memory {
            $(#[tokio::test] async fn $clause() { super::$clause(super::sqlite_memory().await.unwrap()).await; })+
        }
        mod sqlite_in_a_file {
            $(#[tokio::test] async fn $clause() { super::$clause(super::sqlite_file().await.unwrap()).await; })+
        }
        mod postgres_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $clause() {
                    if let Some(store) = super::postgres(stringify!($clause)).await {
                        super::$clause(store).await;
                    }
                }
            )+
        }
    };
}

conformance!(
    tracking_is_idempotent,
    transitions_are_appended_in_order_once,
    untracked_envelopes_record_nothing,
    deliveries_are_dropped_only_after_their_effect,
    the_plan_sees_the_state_and_sets_snapshot_and_schedule,
    reads_are_claimed_when_due_once_per_lease,
    transitions_are_handled_in_order_under_a_lease,
    a_dead_claimants_lease_runs_out,
    concurrent_claims_never_overlap,
    concurrent_changes_to_one_envelope_take_turns,
);

#[tokio::test]
async fn a_store_reopened_from_its_file_keeps_everything() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "signing-tracker-reopen-{}-{}.db",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    let k = key("e1");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.track(&k, at(0), at(0)).await.unwrap();
        record(&store, &k, Some("m1"), at(1), vec![Milestone::Sent]).await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.transitions(&k).await.unwrap().len(), 1);
    assert_eq!(
        record(&store, &k, Some("m1"), at(2), vec![]).await,
        Applied::Duplicate
    );
    let _ = std::fs::remove_file(&path);
}

/// Applications open stores inside spawned tasks: the constructors' futures must be `Send`.
#[test]
fn store_constructors_can_be_spawned() {
    fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
    spawnable(async { SqliteStore::open("never-opened.db").await });
    spawnable(async { SqliteStore::in_memory().await });
    spawnable(async { signing_tracker::store::PostgresStore::connect("postgres://never").await });
}

/// A database password never shows: not in the error about a URL that does not parse (the
/// parser's message could quote it), not in the store's or the tracker's `Debug`.
#[tokio::test]
async fn database_passwords_never_show() {
    const PASSWORD: &str = "pa55-w0rd-never-shown";
    let unparsable = format!("postgres://app:{PASSWORD}@db.example.com:notaport/app");
    let err = signing_tracker::store::PostgresStore::connect(&unparsable)
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    let Some(url) = support::postgres_url("database_passwords_never_show on PostgreSQL") else {
        return;
    };
    // The test server trusts local connections, so any password is accepted.
    let with_password = url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{PASSWORD}@"),
        1,
    );
    assert!(
        with_password.contains(PASSWORD),
        "the test URL has the expected shape: {url}"
    );
    let store = signing_tracker::store::PostgresStore::connect(&with_password)
        .await
        .unwrap();
    let tracker = signing_tracker::Tracker::builder()
        .store(store)
        .provider(Arc::new(signing_testkit::MemoryProvider::new()))
        .handler(|_: signing_tracker::Transition| async {
            Ok::<(), signing_tracker::HandlerError>(())
        })
        .build()
        .unwrap();
    let shown = format!("{tracker:?}");
    assert!(shown.contains("PostgresStore"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}

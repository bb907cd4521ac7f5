//! The chaos test: two tracker instances on one PostgreSQL database, 1,000 envelopes across the
//! HeySign and LEAP Sign emulators, webhooks dropped, repeated, reordered and delayed, provider
//! faults (5xx, rate limits, lost answers), one instance killed mid-run and restarted. Every
//! envelope must reach its final state and every transition be handled exactly once, in order,
//! as counted in a table with a unique key that the handler writes.
//!
//! Needs `SIGNING_TEST_POSTGRES_URL` (`.ci/postgres.sh start`); says it is skipped otherwise.
//! Seeded: `SIGNING_CHAOS_SEED` replays a run's choices (the interleaving of tasks still
//! varies). Its figures are printed and recorded in `docs/reliability.md`.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use heysign::HeySign;
use leap_sign::{CallbackBindings, InMemoryCallbackBindings, LeapSign};
use signing_core::progress::Progress;
use signing_core::{
    Document, EnvelopeId, EnvelopeStatus, InMemoryReplayGuard, NewEnvelope, Party, RetryPolicy,
    Signer, SigningProvider,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::heysign::{HeySignEmulator, Route as HsRoute};
use signing_testkit::emulator::leap_sign::{LeapSignEmulator, Route as LeapRoute};
use signing_tracker::store::PostgresStore;
use signing_tracker::{Handler, HandlerError, Tracker, Transition};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row as _};
use tokio::sync::mpsc;

const ENVELOPES: usize = 1_000;
const DEADLINE: Duration = Duration::from_secs(170);
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const CALLBACK_SECRET: &str = "the chaos test's callback secret, long enough";

/// Counted across every instance, the killed one included.
#[derive(Default)]
struct Figures {
    handler_calls: AtomicU64,
    handler_failures: AtomicU64,
    reruns_absorbed: AtomicU64,
    /// Handlers of instance `b` between their effect and their return: the window in which a
    /// crash makes a re-run necessary. The test kills `b` while this is above zero.
    b_between_effect_and_mark: AtomicU64,
    received: AtomicU64,
    dropped: AtomicU64,
    duplicated: AtomicU64,
    delivered: AtomicU64,
    redelivered: AtomicU64,
    given_up: AtomicU64,
    accepted: AtomicU64,
    duplicates_suppressed: AtomicU64,
    refused: AtomicU64,
    faults: Mutex<BTreeMap<String, u64>>,
}

fn add(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// FNV-1a of `text` mixed with the seed: the test's deterministic choices per transition.
fn hash(seed: u64, text: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for byte in text.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The application's handler: records the effect under the transition's id (a unique key), so
/// a re-run after a crash is absorbed; fails the first attempt of about 3% of transitions.
#[derive(Clone)]
struct Effects {
    pool: PgPool,
    instance: String,
    seed: u64,
    figures: Arc<Figures>,
}

#[async_trait::async_trait]
impl Handler for Effects {
    async fn handle(&self, transition: &Transition) -> Result<(), HandlerError> {
        add(&self.figures.handler_calls);
        let id = transition.id();
        let h = hash(self.seed, id.as_str());
        if h % 100 < 3 && transition.attempts == 1 {
            add(&self.figures.handler_failures);
            return Err("the application's downstream is unavailable".into());
        }
        let inserted = sqlx::query(
            "INSERT INTO chaos_effects (transition_id, provider, envelope_id, seq, milestone, instance) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (transition_id) DO NOTHING",
        )
        .bind(id.as_str())
        .bind(&transition.key.provider)
        .bind(transition.key.id.as_str())
        .bind(i64::from(transition.seq))
        .bind(transition.milestone.key())
        .bind(&self.instance)
        .execute(&self.pool)
        .await?;
        // A little more work after the effect; on instance `b`, one transition in ten takes
        // 200 ms, so that `b` can be killed between an effect and the tracker's mark: the case
        // the unique key is for.
        if self.instance == "b" {
            self.figures
                .b_between_effect_and_mark
                .fetch_add(1, Ordering::SeqCst);
        }
        let pause = if self.instance == "b" && h.is_multiple_of(10) {
            200
        } else {
            h % 4
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        if self.instance == "b" {
            self.figures
                .b_between_effect_and_mark
                .fetch_sub(1, Ordering::SeqCst);
        }
        if inserted.rows_affected() == 0 {
            // Done before, by an instance that died before the tracker's mark: already done.
            add(&self.figures.reruns_absorbed);
        }
        Ok(())
    }
}

fn retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(100))
        .max_elapsed(Duration::from_secs(5))
}

struct Setup {
    url: String,
    schema: String,
    heysign_api: String,
    heysign_auth: String,
    heysign_client: (String, String),
    heysign_secret: String,
    leap_url: String,
    leap_key: String,
    leap_bindings: Arc<InMemoryCallbackBindings>,
    callback_base: String,
    seed: u64,
}

impl Setup {
    fn heysign(&self) -> HeySign {
        heysign::HeySignBuilder::new()
            .with_api_url(&self.heysign_api)
            .with_auth_url(&self.heysign_auth)
            .with_client_credentials(&self.heysign_client.0, &self.heysign_client.1)
            .with_issuer("Chaos AB")
            .with_webhook_secret(&self.heysign_secret)
            .with_retry(retry())
            .build()
            .unwrap()
    }

    fn leap(&self, own_guard: bool) -> LeapSign {
        let builder = LeapSign::builder()
            .with_base_url(&self.leap_url)
            .with_api_key(self.leap_key.clone())
            .with_callback(&self.callback_base, CALLBACK_SECRET)
            // One store of callback bindings for every instance, as the adapter asks of an
            // application with several: a callback may reach an instance other than the one
            // that launched its project, or one started after it.
            .with_callback_bindings(Arc::clone(&self.leap_bindings) as Arc<dyn CallbackBindings>)
            .allow_insecure_loopback_callback(true)
            .with_default_owner(Party::new("Olga Owner", "olga@example.com"))
            .with_retry(retry())
            .with_timeout(Duration::from_secs(5));
        // Instance `a` gives the adapter an in-memory replay guard of its own (opt-in), the
        // others rely on the store's deduplication only: the outcome must be the same.
        if own_guard {
            builder.with_replay_guard(Arc::new(InMemoryReplayGuard::new()))
        } else {
            builder
        }
        .build()
        .unwrap()
    }
}

/// One tracker instance, on a runtime of its own so that it can be killed: dropping the runtime
/// abandons every task, request and transaction at whatever point it had reached.
struct Instance {
    name: String,
    runtime: Option<tokio::runtime::Runtime>,
    url: String,
    heysign: HeySign,
    leap: LeapSign,
    tracker: Tracker,
}

impl Instance {
    async fn start(setup: &Arc<Setup>, name: &str, figures: &Arc<Figures>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .thread_name(format!("instance-{name}"))
            .build()
            .unwrap();
        let (setup, owned_name, figures) =
            (Arc::clone(setup), name.to_owned(), Arc::clone(figures));
        let (url, heysign, leap, tracker) = runtime
            .spawn(async move {
                let options = support::schema_options(&setup.url, &setup.schema);
                let pool = PgPoolOptions::new()
                    .max_connections(12)
                    .connect_with(options)
                    .await
                    .unwrap();
                let store = PostgresStore::from_pool(pool).await.unwrap();
                let heysign = setup.heysign();
                let leap = setup.leap(owned_name == "a");
                // The application's own pool, as an application has.
                let app_pool = PgPoolOptions::new()
                    .max_connections(4)
                    .connect_with(support::schema_options(&setup.url, &setup.schema))
                    .await
                    .unwrap();
                let handler = Effects {
                    pool: app_pool,
                    instance: owned_name.clone(),
                    seed: setup.seed,
                    figures,
                };
                let tracker = Tracker::builder()
                    .store(store)
                    .provider(Arc::new(heysign.clone()))
                    .provider(Arc::new(leap.clone()))
                    .handler(handler)
                    .instance(owned_name)
                    .stale_after(Duration::from_secs(3))
                    .tick(Duration::from_millis(50))
                    .lease(Duration::from_secs(3))
                    .handler_concurrency(8)
                    .reads(8, 100)
                    .read_timeout(Duration::from_secs(5))
                    .rate_limit_pause(Duration::from_millis(500))
                    .retry(Duration::from_millis(50), Duration::from_secs(1))
                    .seed(setup.seed)
                    .build()
                    .unwrap();
                let running = tracker.start();
                // The background work lives as long as the runtime.
                std::mem::forget(running);
                let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                let listener = tokio::net::TcpListener::bind(loopback).await.unwrap();
                let url = format!("http://{}", listener.local_addr().unwrap());
                let app =
                    Router::new().nest("/webhooks", signing_tracker::axum::router(tracker.clone()));
                tokio::spawn(async move { axum::serve(listener, app).await });
                (url, heysign, leap, tracker)
            })
            .await
            .unwrap();
        Self {
            name: name.to_owned(),
            runtime: Some(runtime),
            url,
            heysign,
            leap,
            tracker,
        }
    }

    /// Sends `count` envelopes on this instance (as its application would) and tracks each;
    /// returns them in the order of their references, so that the seeded choices made on the
    /// list do not depend on which send finished first.
    async fn send(
        &self,
        count: usize,
        heysign: bool,
        seed: u64,
    ) -> Vec<(String, EnvelopeId, usize)> {
        let (tracker, hs, lp) = (
            self.tracker.clone(),
            self.heysign.clone(),
            self.leap.clone(),
        );
        let name = self.name.clone();
        self.runtime()
            .spawn(async move {
                use futures_util::stream::{self, StreamExt as _};
                let provider: Arc<dyn SigningProvider> =
                    if heysign { Arc::new(hs) } else { Arc::new(lp) };
                stream::iter(0..count)
                    .map(|i| {
                        let provider = Arc::clone(&provider);
                        let tracker = tracker.clone();
                        let name = name.clone();
                        async move {
                            let signers =
                                1 + usize::try_from(hash(seed, &format!("{name}{heysign}{i}")) % 3)
                                    .unwrap();
                            let request = NewEnvelope::builder()
                                .title(format!("Chaos {name} {i}"))
                                .document(Document::new("c.pdf", PDF))
                                .signers((0..signers).map(|s| {
                                    Signer::new(format!("S {s}"), format!("s{s}@example.com"))
                                }))
                                .reference(format!("chaos-{name}-{heysign}-{i}"))
                                .build()
                                .unwrap();
                            let envelope = provider.send(&request).await.unwrap();
                            tracker.track(&envelope).await.unwrap();
                            (i, (provider.name().to_owned(), envelope.id, signers))
                        }
                    })
                    .buffer_unordered(8)
                    .collect::<Vec<_>>()
                    .await
            })
            .await
            .map(|mut sent| {
                sent.sort_by_key(|(i, _)| *i);
                sent.into_iter().map(|(_, envelope)| envelope).collect()
            })
            .unwrap()
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("a live instance")
    }

    /// The instance dies: its runtime goes, with everything in flight.
    fn kill(self) {
        drop(self);
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Without waiting for anything: this is a crash, and we may be inside another
            // runtime, where blocking is not allowed.
            runtime.shutdown_background();
        }
    }
}

/// What the emulators post, collected for the relay.
type Inbox = mpsc::UnboundedSender<(&'static str, String, HeaderMap, Bytes)>;

async fn receiver(inbox: Inbox) -> String {
    let app = Router::new()
        .fallback(
            |State(inbox): State<Inbox>, uri: Uri, headers: HeaderMap, body: Bytes| async move {
                let path = uri
                    .path_and_query()
                    .map_or_else(|| uri.path().to_owned(), ToString::to_string);
                let provider = if path.starts_with("/leap-sign") {
                    "leap-sign"
                } else {
                    "heysign"
                };
                let _ = inbox.send((provider, path, headers, body));
                "ok"
            },
        )
        .with_state(inbox);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// The network and the providers' redelivery: drops, repeats, delays and reorders what the
/// emulators post, then delivers it to a live instance's route; a 5xx or an unreachable
/// instance is redelivered later to any live instance, a bounded number of times.
fn relay(
    mut inbox: mpsc::UnboundedReceiver<(&'static str, String, HeaderMap, Bytes)>,
    live: Arc<Mutex<Vec<String>>>,
    figures: Arc<Figures>,
    seed: u64,
    in_flight: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x7e1a);
        while let Some((provider, path, headers, body)) = inbox.recv().await {
            add(&figures.received);
            let copies = match rng.u32(0..100) {
                0..15 => {
                    add(&figures.dropped);
                    0
                }
                15..35 => {
                    add(&figures.duplicated);
                    2
                }
                _ => 1,
            };
            for _ in 0..copies {
                let delay = Duration::from_millis(rng.u64(0..400));
                let pick = rng.u64(..);
                let (client, live, figures) =
                    (client.clone(), Arc::clone(&live), Arc::clone(&figures));
                let (path, headers, body) = (path.clone(), headers.clone(), body.clone());
                let in_flight = Arc::clone(&in_flight);
                in_flight.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let tail = if provider == "leap-sign" {
                        path.trim_start_matches("/leap-sign").to_owned()
                    } else {
                        String::new()
                    };
                    for attempt in 0_u64..12 {
                        let target = {
                            let live = live.lock().unwrap();
                            live[usize::try_from((pick + attempt) % live.len() as u64).unwrap()]
                                .clone()
                        };
                        let url = format!("{target}/webhooks/{provider}{tail}");
                        let answer = client
                            .post(&url)
                            .headers(headers.clone())
                            .body(body.clone())
                            .send()
                            .await;
                        match answer {
                            Ok(response) if response.status().is_success() => {
                                add(&figures.delivered);
                                if response.text().await.unwrap_or_default() == "duplicate" {
                                    add(&figures.duplicates_suppressed);
                                } else {
                                    add(&figures.accepted);
                                }
                                break;
                            }
                            Ok(response) if response.status().is_client_error() => {
                                add(&figures.refused);
                                break;
                            }
                            _ => {
                                add(&figures.redelivered);
                                if attempt == 11 {
                                    add(&figures.given_up);
                                }
                                tokio::time::sleep(Duration::from_millis(200 + 100 * attempt))
                                    .await;
                            }
                        }
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                });
            }
        }
    })
}

/// Injects provider faults on the read routes now and then, until `stop`.
fn faults(
    heysign: Arc<HeySignEmulator>,
    leap: Arc<LeapSignEmulator>,
    figures: Arc<Figures>,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0xfa17);
        while !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(rng.u64(100..300))).await;
            let times = rng.usize(1..4);
            let (fault, name) = match rng.u32(0..3) {
                0 => (Fault::Status(503), "503"),
                1 => (
                    Fault::RateLimited {
                        retry_after: "1".into(),
                    },
                    "429 with Retry-After",
                ),
                _ => (Fault::LostAnswer, "lost answer"),
            };
            let target = match rng.u32(0..3) {
                0 => {
                    heysign.inject(HsRoute::GetAgreement, fault, times);
                    "HeySign get agreement"
                }
                1 => {
                    heysign.inject(HsRoute::ListSignees, fault, times);
                    "HeySign list signees"
                }
                _ => {
                    leap.inject(LeapRoute::GetProcessData, fault, times);
                    "LEAP get process data"
                }
            };
            *figures
                .faults
                .lock()
                .unwrap()
                .entry(format!("{name} on {target}"))
                .or_default() += times as u64;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // One scenario, told in order.
async fn two_instances_handle_every_transition_exactly_once_through_chaos() {
    let Some(url) = support::postgres_url("the chaos test") else {
        return;
    };
    let seed = std::env::var("SIGNING_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let started = Instant::now();
    let schema = support::fresh_schema(&url, "chaos").await;
    let main_pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(support::schema_options(&url, &schema))
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE chaos_effects (transition_id TEXT PRIMARY KEY, provider TEXT NOT NULL, \
         envelope_id TEXT NOT NULL, seq BIGINT NOT NULL, milestone TEXT NOT NULL, \
         instance TEXT NOT NULL, n BIGSERIAL)",
    )
    .execute(&main_pool)
    .await
    .unwrap();

    let heysign_emulator = Arc::new(HeySignEmulator::start().await);
    let leap_emulator = Arc::new(LeapSignEmulator::start().await);
    let figures = Arc::new(Figures::default());
    let (inbox, deliveries) = mpsc::unbounded_channel();
    let receiver_url = receiver(inbox).await;
    let (_, secret) = heysign_emulator.register_webhook(&format!("{receiver_url}/heysign"), &[]);
    let setup = Arc::new(Setup {
        url: url.clone(),
        schema: schema.clone(),
        heysign_api: heysign_emulator.api_url(),
        heysign_auth: heysign_emulator.auth_url(),
        heysign_client: (
            heysign_emulator.client_id().to_owned(),
            heysign_emulator.client_secret().to_owned(),
        ),
        heysign_secret: secret,
        leap_url: leap_emulator.base_url(),
        leap_key: leap_emulator.api_key().to_owned(),
        leap_bindings: Arc::new(InMemoryCallbackBindings::new()),
        callback_base: format!("{receiver_url}/leap-sign"),
        seed,
    });

    let a = Instance::start(&setup, "a", &figures).await;
    let b = Instance::start(&setup, "b", &figures).await;
    let live = Arc::new(Mutex::new(vec![a.url.clone(), b.url.clone()]));
    let in_flight = Arc::new(AtomicU64::new(0));
    let relay = relay(
        deliveries,
        Arc::clone(&live),
        Arc::clone(&figures),
        seed,
        Arc::clone(&in_flight),
    );

    // Each instance's application sends a quarter of the envelopes to each provider.
    let quarter = ENVELOPES / 4;
    let (s1, s2, s3, s4) = tokio::join!(
        a.send(quarter, true, seed),
        a.send(quarter, false, seed),
        b.send(quarter, true, seed),
        b.send(quarter, false, seed),
    );
    let envelopes: Vec<(String, EnvelopeId, usize)> = [s1, s2, s3, s4].concat();
    let sent_after = started.elapsed();

    // Signers act in a seeded order; about 5% of the envelopes are cancelled unsigned instead.
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut actions: Vec<(usize, Option<usize>)> = Vec::new();
    let mut cancelled = 0;
    for (i, (_, _, signers)) in envelopes.iter().enumerate() {
        if rng.u32(0..100) < 5 {
            actions.push((i, None));
            cancelled += 1;
        } else {
            actions.extend((0..*signers).map(|s| (i, Some(s))));
        }
    }
    rng.shuffle(&mut actions);
    let stop_faults = Arc::new(AtomicBool::new(false));
    let fault_task = faults(
        Arc::clone(&heysign_emulator),
        Arc::clone(&leap_emulator),
        Arc::clone(&figures),
        seed,
        Arc::clone(&stop_faults),
    );
    let canceller_hs = setup.heysign();
    let canceller_leap = setup.leap(false);
    let signatures = actions.iter().filter(|(_, s)| s.is_some()).count();
    let kill_at = actions.len() * 2 / 5;
    let mut b = Some(b);
    let mut killer = None;
    for (n, (i, signer)) in actions.iter().enumerate() {
        let (provider, id, _) = &envelopes[*i];
        match (provider.as_str(), signer) {
            ("heysign", Some(s)) => {
                let email = format!("s{s}@example.com");
                let signee = heysign_emulator
                    .signees_of(id.as_str())
                    .into_iter()
                    .find(|v| v["attributes"]["email"] == email.as_str())
                    .unwrap();
                heysign_emulator
                    .sign(signee["id"].as_str().unwrap())
                    .unwrap();
            }
            (_, Some(s)) => leap_emulator
                .sign(id.as_str(), &format!("s{s}@example.com"))
                .unwrap(),
            ("heysign", None) => canceller_hs.cancel(id).await.unwrap(),
            (_, None) => canceller_leap.cancel(id).await.unwrap(),
        }
        if n % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
        if n == kill_at {
            // From here on, b dies as soon as one of its handlers has made its effect and not
            // returned yet (waiting at most 10 s), while the signers go on.
            let dying = b.take().unwrap();
            let (live, figures) = (Arc::clone(&live), Arc::clone(&figures));
            killer = Some(tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(10);
                let mut caught = false;
                while Instant::now() < deadline {
                    if figures.b_between_effect_and_mark.load(Ordering::SeqCst) > 0 {
                        caught = true;
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                live.lock().unwrap().retain(|u| *u != dying.url);
                dying.kill();
                (started.elapsed(), caught)
            }));
        }
    }
    let (killed_after, caught) = killer.unwrap().await.unwrap();
    println!("chaos: instance b killed after {killed_after:.1?}");
    assert!(
        caught,
        "b was never between an effect and its mark: the crash case was not exercised"
    );
    // Instance b comes back (a new process would: new name, same database).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let b2 = Instance::start(&setup, "b2", &figures).await;
    live.lock().unwrap().push(b2.url.clone());
    let signed_after = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop_faults.store(true, Ordering::SeqCst);
    fault_task.await.unwrap();
    heysign_emulator.clear_faults();
    leap_emulator.clear_faults();

    // Wait until every envelope is finished and every transition handled.
    let observer = PostgresStore::from_pool(main_pool.clone()).await.unwrap();
    let observer = Tracker::builder()
        .store(observer)
        .provider(Arc::new(setup.heysign()))
        .handler(|_: Transition| async { Ok::<(), HandlerError>(()) })
        .build()
        .unwrap();
    loop {
        let stats = observer.stats().await.unwrap();
        if stats.unfinished == 0
            && stats.pending_transitions == 0
            && in_flight.load(Ordering::SeqCst) == 0
        {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "not settled after {:?}: {stats:?}, {} deliveries in flight",
            started.elapsed(),
            in_flight.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let settled_after = started.elapsed();

    // The truth, from the providers, against what the handler did.
    let truth_hs = setup.heysign();
    let truth_leap = setup.leap(false);
    let mut expected: HashMap<(String, String), Vec<String>> = HashMap::new();
    let mut finals: BTreeMap<String, usize> = BTreeMap::new();
    for (provider, id, _) in &envelopes {
        let envelope = if provider == "heysign" {
            truth_hs.get(id).await
        } else {
            truth_leap.get(id).await
        }
        .unwrap();
        assert!(
            envelope.status.is_terminal(),
            "{provider} {id} is {}",
            envelope.status
        );
        *finals.entry(envelope.status.to_string()).or_default() += 1;
        let keys = Progress::of_envelope(&envelope)
            .milestones()
            .iter()
            .map(signing_core::progress::Milestone::key)
            .collect();
        expected.insert((provider.clone(), id.to_string()), keys);
    }
    let rows = sqlx::query(
        "SELECT provider, envelope_id, seq, milestone, instance FROM chaos_effects ORDER BY n",
    )
    .fetch_all(&main_pool)
    .await
    .unwrap();
    let mut effects: HashMap<(String, String), Vec<(i64, String)>> = HashMap::new();
    let mut by_instance: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows {
        let key = (
            row.get::<String, _>("provider"),
            row.get::<String, _>("envelope_id"),
        );
        effects
            .entry(key)
            .or_default()
            .push((row.get("seq"), row.get("milestone")));
        *by_instance.entry(row.get("instance")).or_default() += 1;
    }
    let expected_total: usize = expected.values().map(Vec::len).sum();
    assert_eq!(rows.len(), expected_total, "one effect per transition");
    for (key, keys) in &expected {
        let done = effects
            .get(key)
            .unwrap_or_else(|| panic!("no effect for {key:?}"));
        let seqs: Vec<i64> = done.iter().map(|(seq, _)| *seq).collect();
        let in_order: Vec<i64> = (1..=i64::try_from(keys.len()).unwrap()).collect();
        assert_eq!(seqs, in_order, "{key:?}: effects out of order");
        let mut got: Vec<&String> = done.iter().map(|(_, m)| m).collect();
        assert_eq!(got.first().map(|s| s.as_str()), Some("sent"), "{key:?}");
        assert_eq!(got.last().map(|s| s.as_str()), Some("finished"), "{key:?}");
        let mut want: Vec<&String> = keys.iter().collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{key:?}");
    }
    let cancelled_found = finals
        .get(EnvelopeStatus::Cancelled.as_str())
        .copied()
        .unwrap_or(0);
    assert_eq!(cancelled_found, cancelled);
    let sources = sqlx::query("SELECT source, COUNT(*) AS n FROM signing_tracker_transitions GROUP BY source ORDER BY source")
        .fetch_all(&main_pool)
        .await
        .unwrap();
    let attempts: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS n FROM signing_tracker_transitions",
    )
    .fetch_one(&main_pool)
    .await
    .unwrap()
    .get("n");
    assert_eq!(
        figures.refused.load(Ordering::Relaxed),
        0,
        "no genuine delivery was refused"
    );
    assert_eq!(figures.given_up.load(Ordering::Relaxed), 0);
    assert!(
        figures.reruns_absorbed.load(Ordering::Relaxed) > 0,
        "b died after an effect and before its mark: that transition ran again, absorbed by the key"
    );
    let elapsed = started.elapsed();
    assert!(elapsed < DEADLINE, "took {elapsed:?}");

    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut report = String::new();
    let _ = writeln!(report, "chaos test figures (seed {seed:#x})");
    let _ = writeln!(
        report,
        "  envelopes: {} ({} HeySign, {} LEAP Sign), signers: {signatures} signatures, {cancelled} cancelled unsigned",
        envelopes.len(),
        envelopes.iter().filter(|e| e.0 == "heysign").count(),
        envelopes.iter().filter(|e| e.0 == "leap-sign").count()
    );
    let _ = writeln!(report, "  final statuses: {finals:?}");
    let _ = writeln!(
        report,
        "  transitions: {expected_total} expected, {} effects recorded (by instance: {by_instance:?})",
        rows.len()
    );
    let source_line: Vec<String> = sources
        .iter()
        .map(|r| format!("{} {}", r.get::<String, _>("source"), r.get::<i64, _>("n")))
        .collect();
    let _ = writeln!(
        report,
        "  transitions learned from: {}",
        source_line.join(", ")
    );
    let _ = writeln!(
        report,
        "  webhooks posted by the emulators: {}; dropped {}, duplicated {}, all delayed 0-400 ms",
        get(&figures.received),
        get(&figures.dropped),
        get(&figures.duplicated)
    );
    let _ = writeln!(
        report,
        "  deliveries to the route: {} accepted, {} duplicates suppressed, {} redelivered after a 5xx or a dead instance, {} refused",
        get(&figures.accepted),
        get(&figures.duplicates_suppressed),
        get(&figures.redelivered),
        get(&figures.refused)
    );
    let faults = figures.faults.lock().unwrap().clone();
    let _ = writeln!(
        report,
        "  provider faults queued: {} ({faults:?})",
        faults.values().sum::<u64>()
    );
    let _ = writeln!(
        report,
        "  handler calls: {} (attempts recorded {attempts}), failures injected and retried {}, re-runs absorbed by the unique key {}",
        get(&figures.handler_calls),
        get(&figures.handler_failures),
        get(&figures.reruns_absorbed)
    );
    let (ma, mb2) = (a.tracker.metrics(), b2.tracker.metrics());
    let _ = writeln!(
        report,
        "  leases lost (a, b2): {}, {}; reads by the reconciler (a, b2): {}, {}, of which rate limited {}, {}",
        ma.leases_lost, mb2.leases_lost, ma.reads, mb2.reads, ma.rate_limited, mb2.rate_limited
    );
    let _ = writeln!(
        report,
        "  time: sent {sent_after:.1?}, b killed {killed_after:.1?}, signed {signed_after:.1?}, settled {settled_after:.1?}, total {elapsed:.1?}"
    );
    println!("{report}");
    // Kept where CI prints it after the test run, which captures test output.
    let kept = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("chaos-report.txt");
    std::fs::write(&kept, &report).expect("the report is written");

    relay.abort();
    a.kill();
    b2.kill();
}

//! The chaos test: two tracker instances on one PostgreSQL database, 1,000 envelopes across the
//! HeySign, LEAP Sign and DocuSign emulators, webhooks repeated, reordered, delayed and dropped
//! (DocuSign's Connect messages are redelivered until acknowledged instead, as DocuSign does),
//! provider faults (5xx, rate limits, lost answers) on reads and on DocuSign's send path, one
//! instance killed mid-run and restarted. Every envelope must reach its final state and every
//! transition be handled exactly once, in order, as counted in a table with a unique key that
//! the handler writes; no DocuSign envelope may be read (its 15-minute polling rule holds).
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
use docusign::DocuSign;
use heysign::HeySign;
use leap_sign::{CallbackBindings, InMemoryCallbackBindings, LeapSign};
use signing_core::progress::Progress;
use signing_core::webhook::WebhookSecret;
use signing_core::{
    Document, Envelope, EnvelopeId, EnvelopeStatus, ErrorKind, InMemoryReplayGuard, NewEnvelope,
    Party, RetryPolicy, Signer, SigningProvider,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::docusign::{DocuSignEmulator, Route as DsRoute};
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

/// The providers of the test, in the order of its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    HeySign,
    Leap,
    DocuSign,
}

impl Provider {
    const ALL: [Self; 3] = [Self::HeySign, Self::Leap, Self::DocuSign];

    /// The adapter's name: the tracker's and the route's.
    fn name(self) -> &'static str {
        match self {
            Self::HeySign => "heysign",
            Self::Leap => "leap-sign",
            Self::DocuSign => "docusign",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::HeySign => "HeySign",
            Self::Leap => "LEAP Sign",
            Self::DocuSign => "DocuSign",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Whether the provider posts a message again until it is acknowledged with a 2xx: DocuSign
    /// Connect with `requireAcknowledgment`, which the adapter asks for. Its messages are never
    /// dropped for good, only delayed; and they must not be, since the tracker may not read a
    /// DocuSign envelope sooner than every 15 minutes.
    fn redelivers_until_acknowledged(self) -> bool {
        self == Self::DocuSign
    }
}

/// What the relay did with one provider's deliveries.
#[derive(Default)]
struct Relayed {
    received: AtomicU64,
    /// Dropped for good (providers that post once).
    dropped: AtomicU64,
    /// First attempt lost, posted again later (providers that redeliver until acknowledged).
    lost_then_redelivered: AtomicU64,
    duplicated: AtomicU64,
    delivered: AtomicU64,
    redelivered: AtomicU64,
    given_up: AtomicU64,
    accepted: AtomicU64,
    duplicates_suppressed: AtomicU64,
    refused: AtomicU64,
}

/// Counted across every instance, the killed one included.
#[derive(Default)]
struct Figures {
    handler_calls: AtomicU64,
    handler_failures: AtomicU64,
    reruns_absorbed: AtomicU64,
    /// Handlers of instance `b` between their effect and their return: the window in which a
    /// crash makes a re-run necessary. The test kills `b` while this is above zero.
    b_between_effect_and_mark: AtomicU64,
    relayed: [Relayed; 3],
    faults: Mutex<BTreeMap<String, u64>>,
    faults_by_provider: [AtomicU64; 3],
    /// DocuSign sends the application made again with the same reference, by the failure.
    sends_repeated: Mutex<BTreeMap<String, u64>>,
}

impl Figures {
    fn relayed(&self, provider: Provider) -> &Relayed {
        &self.relayed[provider.index()]
    }

    fn fault(&self, provider: Provider, what: &str, times: usize) {
        *self
            .faults
            .lock()
            .unwrap()
            .entry(format!("{what} ({})", provider.label()))
            .or_default() += times as u64;
        self.faults_by_provider[provider.index()].fetch_add(times as u64, Ordering::Relaxed);
    }
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
    docusign_auth: String,
    docusign_key: String,
    docusign_user: String,
    docusign_private_key: &'static str,
    docusign_hmac_keys: Vec<String>,
    /// Each DocuSign envelope's Connect URL (its `eventNotification`).
    connect_url: String,
    seed: u64,
}

impl Setup {
    fn heysign(&self) -> HeySign {
        heysign::HeySignBuilder::new()
            .with_api_url(&self.heysign_api)
            .with_auth_url(&self.heysign_auth)
            .with_client_credentials(&self.heysign_client.0, &self.heysign_client.1)
            .with_issuer("Chaos AB")
            .with_webhook_secret(WebhookSecret::new(&self.heysign_secret).unwrap())
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

    /// DocuSign with its capabilities as they are: the tracker reads none of its envelopes
    /// sooner than every 15 minutes.
    fn docusign(&self) -> DocuSign {
        docusign::DocuSignBuilder::new()
            .with_auth_url(&self.docusign_auth)
            .with_integration_key(&self.docusign_key)
            .with_user_id(&self.docusign_user)
            .with_private_key_pem(self.docusign_private_key)
            .with_hmac_keys(self.docusign_hmac_keys.iter().cloned())
            .with_retry(retry())
            .with_timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    /// What the application's send of envelope `i` of `instance` to `provider` asks for: 1 to 3
    /// signers (seeded), a reference, and for DocuSign a Connect URL.
    fn request(&self, instance: &str, provider: Provider, i: usize) -> (NewEnvelope, usize) {
        let signers =
            1 + usize::try_from(hash(self.seed, &format!("{instance}{}{i}", provider.name())) % 3)
                .unwrap();
        let mut builder = NewEnvelope::builder()
            .title(format!("Chaos {instance} {i}"))
            .document(Document::new("c.pdf", PDF))
            .signers(
                (0..signers).map(|s| Signer::new(format!("S {s}"), format!("s{s}@example.com"))),
            )
            .reference(format!("chaos-{instance}-{}-{i}", provider.name()));
        if provider == Provider::DocuSign {
            builder = builder
                .callback_url(&self.connect_url)
                .allow_insecure_loopback_callback(true);
        }
        (builder.build().unwrap(), signers)
    }
}

/// Sends as an application should where a send may fail after reaching the provider: again,
/// with the same reference, until it succeeds. The adapter looks the reference up before it
/// creates, and never repeats a create that may have arrived; so each reference is created
/// once whatever fails.
async fn send_with_reference(
    provider: &dyn SigningProvider,
    request: &NewEnvelope,
    figures: &Figures,
) -> Envelope {
    let mut failures = 0_u64;
    loop {
        match provider.send(request).await {
            Ok(envelope) => return envelope,
            Err(err) => {
                failures += 1;
                assert!(
                    failures < 10,
                    "{:?} still not sent after {failures} failures: {err}",
                    request.reference()
                );
                let why = match (err.kind(), err.status()) {
                    (ErrorKind::OutcomeUnknown { .. }, _) => "outcome unknown".to_owned(),
                    (ErrorKind::RateLimited { .. }, _) => "rate limited".to_owned(),
                    (ErrorKind::Transport { .. }, _) => "connection lost".to_owned(),
                    (_, Some(status)) => format!("{status}"),
                    _ => err.to_string(),
                };
                *figures
                    .sends_repeated
                    .lock()
                    .unwrap()
                    .entry(why)
                    .or_default() += 1;
                tokio::time::sleep(Duration::from_millis(50 * failures)).await;
            }
        }
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
    docusign: DocuSign,
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
        let (url, heysign, leap, docusign, tracker) = runtime
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
                let docusign = setup.docusign();
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
                    .provider(Arc::new(docusign.clone()))
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
                (url, heysign, leap, docusign, tracker)
            })
            .await
            .unwrap();
        Self {
            name: name.to_owned(),
            runtime: Some(runtime),
            url,
            heysign,
            leap,
            docusign,
            tracker,
        }
    }

    /// Sends `count` envelopes to `provider` on this instance (as its application would) and
    /// tracks each; returns them in the order of their references, so that the seeded choices
    /// made on the list do not depend on which send finished first.
    async fn send(
        &self,
        setup: &Arc<Setup>,
        figures: &Arc<Figures>,
        provider: Provider,
        count: usize,
    ) -> Vec<(Provider, EnvelopeId, usize)> {
        let adapter: Arc<dyn SigningProvider> = match provider {
            Provider::HeySign => Arc::new(self.heysign.clone()),
            Provider::Leap => Arc::new(self.leap.clone()),
            Provider::DocuSign => Arc::new(self.docusign.clone()),
        };
        let (tracker, name) = (self.tracker.clone(), self.name.clone());
        let (setup, figures) = (Arc::clone(setup), Arc::clone(figures));
        self.runtime()
            .spawn(async move {
                use futures_util::stream::{self, StreamExt as _};
                stream::iter(0..count)
                    .map(|i| {
                        let (adapter, tracker) = (Arc::clone(&adapter), tracker.clone());
                        let (setup, figures) = (Arc::clone(&setup), Arc::clone(&figures));
                        let (request, signers) = setup.request(&name, provider, i);
                        async move {
                            let envelope = if provider == Provider::DocuSign {
                                send_with_reference(adapter.as_ref(), &request, &figures).await
                            } else {
                                adapter.send(&request).await.unwrap()
                            };
                            tracker.track(&envelope).await.unwrap();
                            (i, (provider, envelope.id, signers))
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
type Inbox = mpsc::UnboundedSender<(Provider, String, HeaderMap, Bytes)>;

async fn receiver(inbox: Inbox) -> String {
    let app = Router::new()
        .fallback(
            |State(inbox): State<Inbox>, uri: Uri, headers: HeaderMap, body: Bytes| async move {
                let path = uri
                    .path_and_query()
                    .map_or_else(|| uri.path().to_owned(), ToString::to_string);
                let provider = if path.starts_with("/leap-sign") {
                    Provider::Leap
                } else if path.starts_with("/docusign") {
                    Provider::DocuSign
                } else {
                    Provider::HeySign
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
/// instance is redelivered later to any live instance. HeySign's and LEAP's are dropped for
/// good now and then and redelivered a bounded number of times; DocuSign's are never dropped
/// for good: a lost one is posted again later, and every one is posted until it is
/// acknowledged.
fn relay(
    mut inbox: mpsc::UnboundedReceiver<(Provider, String, HeaderMap, Bytes)>,
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
            let counts = figures.relayed(provider);
            add(&counts.received);
            let until_acknowledged = provider.redelivers_until_acknowledged();
            // (copies, whether the first attempt of each is lost on the way)
            let (copies, lost) = match rng.u32(0..100) {
                0..15 if until_acknowledged => {
                    add(&counts.lost_then_redelivered);
                    (1, true)
                }
                0..15 => {
                    add(&counts.dropped);
                    (0, false)
                }
                15..35 => {
                    add(&counts.duplicated);
                    (2, false)
                }
                _ => (1, false),
            };
            for _ in 0..copies {
                let delay = Duration::from_millis(rng.u64(0..400));
                // A lost message is posted again by the provider a while later.
                let lost_for = lost.then(|| Duration::from_millis(rng.u64(500..2_000)));
                let pick = rng.u64(..);
                let (client, live, figures) =
                    (client.clone(), Arc::clone(&live), Arc::clone(&figures));
                let (path, headers, body) = (path.clone(), headers.clone(), body.clone());
                let in_flight = Arc::clone(&in_flight);
                in_flight.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let counts = figures.relayed(provider);
                    tokio::time::sleep(delay).await;
                    if let Some(pause) = lost_for {
                        tokio::time::sleep(pause).await;
                    }
                    let tail = if provider == Provider::Leap {
                        path.trim_start_matches("/leap-sign").to_owned()
                    } else {
                        String::new()
                    };
                    for attempt in 0_u64.. {
                        let target = {
                            let live = live.lock().unwrap();
                            live[usize::try_from((pick + attempt) % live.len() as u64).unwrap()]
                                .clone()
                        };
                        let url = format!("{target}/webhooks/{}{tail}", provider.name());
                        let answer = client
                            .post(&url)
                            .headers(headers.clone())
                            .body(body.clone())
                            .send()
                            .await;
                        match answer {
                            Ok(response) if response.status().is_success() => {
                                add(&counts.delivered);
                                if response.text().await.unwrap_or_default() == "duplicate" {
                                    add(&counts.duplicates_suppressed);
                                } else {
                                    add(&counts.accepted);
                                }
                                break;
                            }
                            Ok(response) if response.status().is_client_error() => {
                                add(&counts.refused);
                                break;
                            }
                            _ => {
                                add(&counts.redelivered);
                                if !until_acknowledged && attempt == 11 {
                                    add(&counts.given_up);
                                    break;
                                }
                                let pause = 200 + 100 * attempt.min(18);
                                tokio::time::sleep(Duration::from_millis(pause)).await;
                            }
                        }
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                });
            }
        }
    })
}

/// Injects provider faults on the read routes now and then, until `stop`. (DocuSign's are not
/// read during the run: the polling rule puts every read 15 minutes away.)
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
            let (provider, target) = match rng.u32(0..3) {
                0 => {
                    heysign.inject(HsRoute::GetAgreement, fault, times);
                    (Provider::HeySign, "get agreement")
                }
                1 => {
                    heysign.inject(HsRoute::ListSignees, fault, times);
                    (Provider::HeySign, "list signees")
                }
                _ => {
                    leap.inject(LeapRoute::GetProcessData, fault, times);
                    (Provider::Leap, "get process data")
                }
            };
            figures.fault(provider, &format!("{name} on {target}"), times);
        }
    })
}

/// Injects faults on DocuSign's send path while the applications send, until `stop`: on the
/// create, 503 (refused unprocessed: the adapter returns it), 500 and a lost answer (the
/// envelope may exist: `OutcomeUnknown`, never repeated by the adapter), and DocuSign's rate
/// limit (400 `HOURLY_APIINVOCATION_LIMIT_EXCEEDED`, waited out and repeated); on the listing
/// that looks a reference up, 503 and a lost answer (a read: repeated by the adapter).
fn send_faults(
    docusign: Arc<DocuSignEmulator>,
    figures: Arc<Figures>,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5e4d);
        while !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(rng.u64(100..400))).await;
            let (route, fault, name) = match rng.u32(0..6) {
                0 => (DsRoute::CreateEnvelope, Fault::Status(503), "503 on create"),
                1 => (DsRoute::CreateEnvelope, Fault::Status(500), "500 on create"),
                2 => (
                    DsRoute::CreateEnvelope,
                    Fault::RateLimited {
                        retry_after: "1".into(),
                    },
                    "rate limit (reset in 1 s) on create",
                ),
                3 => (
                    DsRoute::CreateEnvelope,
                    Fault::LostAnswer,
                    "lost answer on create",
                ),
                4 => (
                    DsRoute::ListEnvelopes,
                    Fault::Status(503),
                    "503 on the reference lookup",
                ),
                _ => (
                    DsRoute::ListEnvelopes,
                    Fault::LostAnswer,
                    "lost answer on the reference lookup",
                ),
            };
            docusign.inject(route, fault, 1);
            figures.fault(Provider::DocuSign, name, 1);
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
    // The run packs an hour's sending into seconds: DocuSign's call limits (3,000 an hour, 500
    // per 30 seconds) are raised so that they do not set its pace. Its polling rule is on.
    let docusign_emulator = Arc::new(
        DocuSignEmulator::builder()
            .rate_limits(100_000, 20_000)
            .start()
            .await,
    );
    let polling_rule = Duration::from_secs(15 * 60);
    docusign_emulator.enforce_polling_limit(polling_rule);
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
        docusign_auth: docusign_emulator.auth_url(),
        docusign_key: docusign_emulator.integration_key().to_owned(),
        docusign_user: docusign_emulator.user_id().to_owned(),
        docusign_private_key: docusign_emulator.private_key_pem(),
        docusign_hmac_keys: docusign_emulator.hmac_keys().to_vec(),
        connect_url: format!("{receiver_url}/docusign"),
        seed,
    });
    assert_eq!(
        setup.docusign().capabilities().min_poll_interval,
        Some(polling_rule),
        "DocuSign's polling rule as the adapter declares it"
    );

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

    // Each instance's application sends a sixth of the envelopes to each provider, DocuSign's
    // through faults on its send path.
    let stop_send_faults = Arc::new(AtomicBool::new(false));
    let send_fault_task = send_faults(
        Arc::clone(&docusign_emulator),
        Arc::clone(&figures),
        seed,
        Arc::clone(&stop_send_faults),
    );
    let mut shares = Vec::new();
    for instance in [&a, &b] {
        for provider in Provider::ALL {
            let count = ENVELOPES / 6 + usize::from(shares.len() < ENVELOPES % 6);
            shares.push(instance.send(&setup, &figures, provider, count));
        }
    }
    let envelopes: Vec<(Provider, EnvelopeId, usize)> =
        futures_util::future::join_all(shares).await.concat();
    stop_send_faults.store(true, Ordering::SeqCst);
    send_fault_task.await.unwrap();
    docusign_emulator.clear_faults();
    let sent_after = started.elapsed();
    let count_of = |provider: Provider| envelopes.iter().filter(|e| e.0 == provider).count();
    assert_eq!(envelopes.len(), ENVELOPES);
    assert_eq!(
        docusign_emulator.envelopes().len(),
        count_of(Provider::DocuSign),
        "each DocuSign reference created once, whatever failed"
    );

    // Signers act in a seeded order; about 5% of the envelopes are cancelled unsigned instead.
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut actions: Vec<(usize, Option<usize>)> = Vec::new();
    let mut cancelled = [0_usize; 3];
    for (i, (provider, _, signers)) in envelopes.iter().enumerate() {
        if rng.u32(0..100) < 5 {
            actions.push((i, None));
            cancelled[provider.index()] += 1;
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
    let canceller_ds = setup.docusign();
    let kill_at = actions.len() * 2 / 5;
    let mut b = Some(b);
    let mut killer = None;
    for (n, (i, signer)) in actions.iter().enumerate() {
        let (provider, id, _) = &envelopes[*i];
        match (provider, signer) {
            (Provider::HeySign, Some(s)) => {
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
            (Provider::Leap, Some(s)) => leap_emulator
                .sign(id.as_str(), &format!("s{s}@example.com"))
                .unwrap(),
            (Provider::DocuSign, Some(s)) => docusign_emulator
                .sign(id.as_str(), &format!("s{s}@example.com"))
                .unwrap(),
            (Provider::HeySign, None) => canceller_hs.cancel(id).await.unwrap(),
            (Provider::Leap, None) => canceller_leap.cancel(id).await.unwrap(),
            (Provider::DocuSign, None) => canceller_ds.cancel(id).await.unwrap(),
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
    // What the providers served while the tracker ran: DocuSign's reads must be none, since
    // none of its envelopes went 15 minutes without news.
    let reads = [
        heysign_emulator
            .requests()
            .iter()
            .filter(|r| {
                r.route == Some(HsRoute::GetAgreement.as_str())
                    || r.route == Some(HsRoute::ListSignees.as_str())
            })
            .count(),
        leap_emulator.request_count(LeapRoute::GetProcessData),
        docusign_emulator.request_count(DsRoute::GetEnvelope),
    ];
    assert_eq!(
        reads[Provider::DocuSign.index()],
        0,
        "a DocuSign envelope was read sooner than its polling interval allows"
    );

    // The truth, from the providers, against what the handler did. (Each DocuSign envelope's
    // first read: the polling rule lets it through.)
    let truth_hs = setup.heysign();
    let truth_leap = setup.leap(false);
    let truth_ds = setup.docusign();
    let mut expected: HashMap<(String, String), Vec<String>> = HashMap::new();
    let mut finals: [BTreeMap<String, usize>; 3] = Default::default();
    for (provider, id, _) in &envelopes {
        let envelope = match provider {
            Provider::HeySign => truth_hs.get(id).await,
            Provider::Leap => truth_leap.get(id).await,
            Provider::DocuSign => truth_ds.get(id).await,
        }
        .unwrap();
        assert!(
            envelope.status.is_terminal(),
            "{} {id} is {}",
            provider.name(),
            envelope.status
        );
        *finals[provider.index()]
            .entry(envelope.status.to_string())
            .or_default() += 1;
        let keys = Progress::of_envelope(&envelope)
            .milestones()
            .iter()
            .map(signing_core::progress::Milestone::key)
            .collect();
        expected.insert((provider.name().to_owned(), id.to_string()), keys);
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
    for provider in Provider::ALL {
        let found = finals[provider.index()]
            .get(EnvelopeStatus::Cancelled.as_str())
            .copied()
            .unwrap_or(0);
        assert_eq!(found, cancelled[provider.index()], "{}", provider.label());
    }
    for provider in Provider::ALL {
        let counts = figures.relayed(provider);
        assert_eq!(
            counts.refused.load(Ordering::Relaxed),
            0,
            "no genuine {} delivery was refused",
            provider.label()
        );
        assert_eq!(counts.given_up.load(Ordering::Relaxed), 0);
    }
    assert!(
        figures.reruns_absorbed.load(Ordering::Relaxed) > 0,
        "b died after an effect and before its mark: that transition ran again, absorbed by the unique key"
    );
    let elapsed = started.elapsed();
    assert!(elapsed < DEADLINE, "took {elapsed:?}");

    let by_provider = |query: &'static str| {
        let pool = main_pool.clone();
        async move {
            let mut counts: HashMap<(String, String), i64> = HashMap::new();
            for row in sqlx::query(query).fetch_all(&pool).await.unwrap() {
                counts.insert(
                    (
                        row.get::<String, _>("provider"),
                        row.get::<String, _>("what"),
                    ),
                    row.get::<i64, _>("n"),
                );
            }
            counts
        }
    };
    let sources = by_provider(
        "SELECT provider, source AS what, COUNT(*) AS n FROM signing_tracker_transitions \
         GROUP BY provider, source",
    )
    .await;
    let attempts = by_provider(
        "SELECT provider, 'attempts' AS what, CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS n \
         FROM signing_tracker_transitions GROUP BY provider",
    )
    .await;
    let run = Run {
        seed,
        envelopes: &envelopes,
        expected: &expected,
        finals: &finals,
        effects: &effects,
        by_instance: &by_instance,
        sources: &sources,
        attempts: &attempts,
        reads,
        figures: &figures,
        metrics: [("a", a.tracker.metrics()), ("b2", b2.tracker.metrics())],
        docusign_created: docusign_emulator.envelopes().len(),
        times: [
            ("sent", sent_after),
            ("b killed", killed_after),
            ("signed", signed_after),
            ("settled", settled_after),
            ("total", elapsed),
        ],
    };
    let report = run.report();
    println!("{report}");
    // Kept where CI prints it after the test run, which captures test output.
    let kept = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("chaos-report.txt");
    std::fs::write(&kept, &report).expect("the report is written");

    relay.abort();
    a.kill();
    b2.kill();
}

/// What a run did, for its report.
struct Run<'a> {
    seed: u64,
    envelopes: &'a [(Provider, EnvelopeId, usize)],
    /// Milestone keys by (provider, envelope id), from the providers' final state.
    expected: &'a HashMap<(String, String), Vec<String>>,
    finals: &'a [BTreeMap<String, usize>; 3],
    effects: &'a HashMap<(String, String), Vec<(i64, String)>>,
    by_instance: &'a BTreeMap<String, usize>,
    /// Transitions by (provider, source).
    sources: &'a HashMap<(String, String), i64>,
    /// Handler attempts recorded by (provider, "attempts").
    attempts: &'a HashMap<(String, String), i64>,
    /// Envelope reads each emulator served before the final check.
    reads: [usize; 3],
    figures: &'a Figures,
    metrics: [(&'static str, signing_tracker::Metrics); 2],
    docusign_created: usize,
    times: [(&'static str, Duration); 5],
}

impl Run<'_> {
    /// The figures, per provider and in all.
    fn report(&self) -> String {
        let mut report = String::new();
        let _ = writeln!(report, "chaos test figures (seed {:#x})", self.seed);
        let _ = write!(report, "  {:<48}", "");
        for provider in Provider::ALL {
            let _ = write!(report, "{:>10}", provider.label());
        }
        let _ = writeln!(report, "{:>10}", "all");
        for (label, values) in self.table() {
            let _ = write!(report, "  {label:<48}");
            for value in values {
                let _ = write!(report, "{value:>10}");
            }
            let _ = writeln!(report, "{:>10}", values.iter().sum::<u64>());
        }
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let f = self.figures;
        let _ = writeln!(report, "  effects by instance: {:?}", self.by_instance);
        let _ = writeln!(report, "  provider faults: {:?}", f.faults.lock().unwrap());
        let _ = writeln!(
            report,
            "  DocuSign: {} envelopes created for {} references; sends made again with their reference after: {:?}",
            self.docusign_created,
            self.envelopes
                .iter()
                .filter(|e| e.0 == Provider::DocuSign)
                .count(),
            f.sends_repeated.lock().unwrap()
        );
        let _ = writeln!(
            report,
            "  handler calls: {}, failures injected and retried {}, re-runs absorbed by the unique key {}",
            get(&f.handler_calls),
            get(&f.handler_failures),
            get(&f.reruns_absorbed)
        );
        let instances: Vec<String> = self
            .metrics
            .iter()
            .map(|(name, m)| {
                format!(
                    "{name}: {} reads ({} rate limited), {} leases lost",
                    m.reads, m.rate_limited, m.leases_lost
                )
            })
            .collect();
        let _ = writeln!(report, "  tracker instances: {}", instances.join("; "));
        let times: Vec<String> = self
            .times
            .iter()
            .map(|(what, at)| format!("{what} {at:.1?}"))
            .collect();
        let _ = writeln!(report, "  time: {}", times.join(", "));
        report
    }

    /// The figures per provider, by row.
    fn table(&self) -> Vec<(&'static str, [u64; 3])> {
        let relayed = |get: fn(&Relayed) -> &AtomicU64| {
            Provider::ALL.map(|p| get(self.figures.relayed(p)).load(Ordering::Relaxed))
        };
        let per_envelope = |count: fn(&[String]) -> usize| {
            Provider::ALL.map(|p| {
                self.expected
                    .iter()
                    .filter(|((provider, _), _)| provider == p.name())
                    .map(|(_, keys)| count(keys))
                    .sum::<usize>() as u64
            })
        };
        let stored = |what: &str| {
            Provider::ALL.map(|p| {
                let n = self.sources.get(&(p.name().to_owned(), what.to_owned()));
                n.copied().unwrap_or(0).unsigned_abs()
            })
        };
        vec![
            (
                "envelopes",
                Provider::ALL.map(|p| self.envelopes.iter().filter(|e| e.0 == p).count() as u64),
            ),
            ("completed", self.finals_of(&EnvelopeStatus::Completed)),
            (
                "cancelled unsigned",
                self.finals_of(&EnvelopeStatus::Cancelled),
            ),
            (
                "signatures",
                per_envelope(|keys| keys.iter().filter(|k| k.starts_with("signed:")).count()),
            ),
            ("transitions expected", per_envelope(<[String]>::len)),
            (
                "effects recorded (one per transition)",
                Provider::ALL.map(|p| {
                    self.effects
                        .iter()
                        .filter(|((provider, _), _)| provider == p.name())
                        .map(|(_, rows)| rows.len() as u64)
                        .sum()
                }),
            ),
            ("  learned from track", stored("track")),
            ("  learned from webhooks", stored("webhook")),
            (
                "  learned from the reconciler's reads",
                stored("reconciler"),
            ),
            ("webhooks posted by the emulators", relayed(|r| &r.received)),
            ("  dropped for good by the relay", relayed(|r| &r.dropped)),
            (
                "  lost, posted again 0.5-2 s later",
                relayed(|r| &r.lost_then_redelivered),
            ),
            ("  delivered twice", relayed(|r| &r.duplicated)),
            ("deliveries to the route accepted", relayed(|r| &r.accepted)),
            (
                "  duplicates suppressed",
                relayed(|r| &r.duplicates_suppressed),
            ),
            (
                "  redelivered after a 5xx or a dead instance",
                relayed(|r| &r.redelivered),
            ),
            ("  refused", relayed(|r| &r.refused)),
            (
                "provider faults queued",
                Provider::ALL
                    .map(|p| self.figures.faults_by_provider[p.index()].load(Ordering::Relaxed)),
            ),
            (
                "handler attempts recorded",
                Provider::ALL.map(|p| {
                    let key = (p.name().to_owned(), "attempts".to_owned());
                    self.attempts.get(&key).copied().unwrap_or(0).unsigned_abs()
                }),
            ),
            (
                "envelope reads served by the provider",
                self.reads.map(|n| n as u64),
            ),
        ]
    }

    fn finals_of(&self, status: &EnvelopeStatus) -> [u64; 3] {
        Provider::ALL.map(|p| {
            self.finals[p.index()]
                .get(status.as_str())
                .copied()
                .unwrap_or(0) as u64
        })
    }
}

//! The [`Tracker`] and its builder.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use signing_core::progress::Progress;
use signing_core::{Envelope, EnvelopeId, SigningProvider};
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::error::Error;
use crate::handler::Handler;
use crate::store::{Applied, Change, EnvelopeKey, EnvelopeRecord, Store, StoreStats};
use crate::transition::{Source, Transition};

/// The longest duration a setting may have: long enough for any real use, short enough that
/// no arithmetic on it can overflow.
const MAX_SETTING: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Tracks envelopes durably and calls the application's [`Handler`] once per transition.
///
/// Feed it envelopes after sending them ([`track`](Self::track)) and the webhooks the
/// providers post ([`ingest`](Self::ingest)); a background task ([`start`](Self::start))
/// reads envelopes that have not changed for a while to fill what webhooks missed, and hands
/// each new transition to the handler, in order. Several instances of an application share one
/// [`Store`] and divide the work through leases. Cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use signing_core::{Document, NewEnvelope, Signer, SigningProvider};
/// use signing_testkit::{MemoryProvider, SignerAction};
/// use signing_tracker::store::MemoryStore;
/// use signing_tracker::{HandlerError, Tracker, Transition};
///
/// let provider = MemoryProvider::new();
/// let tracker = Tracker::builder()
///     .store(MemoryStore::new())
///     .provider(Arc::new(provider.clone()))
///     .handler(|transition: Transition| async move {
///         println!("{} is now {}", transition.key, transition.milestone.key());
///         Ok::<(), HandlerError>(())
///     })
///     .build()?;
///
/// let request = NewEnvelope::builder()
///     .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
///     .signer(Signer::new("Ada", "ada@example.com"))
///     .build()?;
/// let envelope = provider.send(&request).await?;
/// tracker.track(&envelope).await?;
///
/// provider.act(&envelope.id, "ada@example.com", SignerAction::Sign)?;
/// while let Some(delivery) = provider.next_delivery(std::time::Duration::ZERO).await {
///     tracker.ingest("memory", &delivery).await?;
/// }
/// while tracker.handle_due().await? > 0 {}
///
/// let handled = tracker.transitions("memory", &envelope.id).await?;
/// let keys: Vec<_> = handled.iter().map(|t| t.milestone.key()).collect();
/// assert_eq!(keys, ["sent", "signed:email:ada@example.com", "finished"]);
/// assert!(handled.iter().all(|t| t.handled_at.is_some()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Tracker {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) providers: Vec<ProviderEntry>,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) instance: String,
    pub(crate) options: Options,
    pub(crate) wake: Notify,
    pub(crate) metrics: Counters,
    rng: Mutex<fastrand::Rng>,
}

/// A provider and what the tracker derives from its capabilities.
pub(crate) struct ProviderEntry {
    pub(crate) name: &'static str,
    pub(crate) provider: Arc<dyn SigningProvider>,
    /// The pause between two reads of one envelope: the configured staleness, or the
    /// provider's minimum polling interval when that is longer.
    pub(crate) interval: Duration,
    /// Until when the provider asked not to be read (rate limited).
    pub(crate) paused_until: Mutex<Option<Instant>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) stale_after: Duration,
    pub(crate) read_concurrency: usize,
    pub(crate) read_batch: u32,
    pub(crate) read_timeout: Duration,
    pub(crate) rate_limit_pause: Duration,
    pub(crate) handler_concurrency: usize,
    pub(crate) lease: Duration,
    pub(crate) retry_initial: Duration,
    pub(crate) retry_max: Duration,
    pub(crate) tick: Duration,
    pub(crate) delivery_retention: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            stale_after: Duration::from_secs(5 * 60),
            read_concurrency: 4,
            read_batch: 64,
            read_timeout: Duration::from_secs(30),
            rate_limit_pause: Duration::from_secs(60),
            handler_concurrency: 4,
            lease: Duration::from_secs(30),
            retry_initial: Duration::from_secs(1),
            retry_max: Duration::from_secs(5 * 60),
            tick: Duration::from_secs(1),
            delivery_retention: Duration::from_secs(7 * 24 * 60 * 60),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) handler_calls: AtomicU64,
    pub(crate) handled: AtomicU64,
    pub(crate) handler_failures: AtomicU64,
    pub(crate) leases_lost: AtomicU64,
    pub(crate) webhooks_accepted: AtomicU64,
    pub(crate) webhook_duplicates: AtomicU64,
    pub(crate) webhooks_refused: AtomicU64,
    pub(crate) reads: AtomicU64,
    pub(crate) read_errors: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
    pub(crate) recorded_from_webhooks: AtomicU64,
    pub(crate) recorded_from_reads: AtomicU64,
}

/// What this tracker instance did since it was built: counters for monitoring (the store's
/// [`StoreStats`] cover every instance).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Handler calls started.
    pub handler_calls: u64,
    /// Handler calls whose success was recorded.
    pub handled: u64,
    /// Handler calls that failed (to be retried).
    pub handler_failures: u64,
    /// Handler calls whose lease was lost before their outcome was recorded.
    pub leases_lost: u64,
    /// Webhook events accepted (recorded or found to add nothing).
    pub webhooks_accepted: u64,
    /// Deliveries dropped as duplicates (by the store, or refused as replays by an adapter).
    pub webhook_duplicates: u64,
    /// Deliveries refused as not authentic.
    pub webhooks_refused: u64,
    /// Envelope reads by the reconciler.
    pub reads: u64,
    /// Reads that failed.
    pub read_errors: u64,
    /// Reads refused by a provider's rate limit.
    pub rate_limited: u64,
    /// Transitions recorded from webhooks.
    pub recorded_from_webhooks: u64,
    /// Transitions recorded from reads: what webhooks missed or had not delivered yet.
    pub recorded_from_reads: u64,
}

/// What [`Tracker::track`] recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tracked {
    /// Whether the envelope was not tracked before.
    pub new: bool,
    /// How many transitions the envelope's state added.
    pub transitions: usize,
}

impl fmt::Debug for Tracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.inner.providers.iter().map(|p| p.name).collect();
        f.debug_struct("Tracker")
            .field("instance", &self.inner.instance)
            .field("store", &self.inner.store)
            .field("providers", &names)
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// A builder; a store, a handler and at least one provider are required.
    pub fn builder() -> TrackerBuilder {
        TrackerBuilder::default()
    }

    /// Starts tracking an envelope the application sent, recording the transitions its state
    /// shows (normally `sent`). Tracking an envelope again is harmless.
    pub async fn track(&self, envelope: &Envelope) -> Result<Tracked, Error> {
        let entry = self.provider(&envelope.provider)?;
        let key = EnvelopeKey::new(entry.name, envelope.id.clone());
        let now = now();
        let due = after(now, self.jitter(entry.interval, 0.1));
        let new = self.inner.store.track(&key, now, due).await?;
        let progress = Progress::of_envelope(envelope);
        let applied = self
            .inner
            .store
            .apply(&key, None, now, &|state| {
                let mut change = Change::new(progress.new_since(&state.milestones), Source::Track);
                // A later read is fresher than the application's copy: only the first is kept.
                change.snapshot = state.snapshot.is_none().then(|| envelope.clone());
                change
            })
            .await?;
        let transitions = match applied {
            Applied::Recorded { appended } => appended.len(),
            Applied::Untracked | Applied::Duplicate => 0,
        };
        if transitions > 0 {
            self.inner.wake.notify_one();
        }
        Ok(Tracked { new, transitions })
    }

    /// The tracked envelope, as the store holds it.
    pub async fn envelope(
        &self,
        provider: &str,
        id: &EnvelopeId,
    ) -> Result<Option<EnvelopeRecord>, Error> {
        let key = EnvelopeKey::new(provider, id.clone());
        Ok(self.inner.store.envelope(&key).await?)
    }

    /// The envelope's transitions, in order, with their handling: attempts, last error, and
    /// when each was handled.
    pub async fn transitions(
        &self,
        provider: &str,
        id: &EnvelopeId,
    ) -> Result<Vec<Transition>, Error> {
        let key = EnvelopeKey::new(provider, id.clone());
        Ok(self.inner.store.transitions(&key).await?)
    }

    /// Figures over the whole store, every instance's work included: what to monitor.
    pub async fn stats(&self) -> Result<StoreStats, Error> {
        Ok(self.inner.store.stats(now()).await?)
    }

    /// This instance's counters.
    pub fn metrics(&self) -> Metrics {
        let m = &self.inner.metrics;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Metrics {
            handler_calls: get(&m.handler_calls),
            handled: get(&m.handled),
            handler_failures: get(&m.handler_failures),
            leases_lost: get(&m.leases_lost),
            webhooks_accepted: get(&m.webhooks_accepted),
            webhook_duplicates: get(&m.webhook_duplicates),
            webhooks_refused: get(&m.webhooks_refused),
            reads: get(&m.reads),
            read_errors: get(&m.read_errors),
            rate_limited: get(&m.rate_limited),
            recorded_from_webhooks: get(&m.recorded_from_webhooks),
            recorded_from_reads: get(&m.recorded_from_reads),
        }
    }

    /// This instance's name, as it appears as the owner of its leases.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// Starts the background work on the current Tokio runtime: the reconciler, and the loop
    /// that hands transitions to the handler. It runs until [`Running::shutdown`] or until
    /// the returned value is dropped.
    pub fn start(&self) -> Running {
        let (stop, stopped) = watch::channel(false);
        let reconciler = tokio::spawn(self.clone().reconcile_loop(stopped.clone()));
        let dispatcher = tokio::spawn(self.clone().dispatch_loop(stopped));
        Running {
            stop,
            tasks: vec![reconciler, dispatcher],
        }
    }

    async fn dispatch_loop(self, mut stopped: watch::Receiver<bool>) {
        loop {
            if *stopped.borrow() {
                return;
            }
            let started = match self.handle_due().await {
                Ok(started) => started,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot claim transitions");
                    0
                }
            };
            if started > 0 {
                continue;
            }
            let tick = self.jitter(self.inner.options.tick, 0.2);
            tokio::select! {
                _ = stopped.changed() => {}
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(tick) => {}
            }
        }
    }

    async fn reconcile_loop(self, mut stopped: watch::Receiver<bool>) {
        let mut last_prune: Option<Instant> = None;
        loop {
            if *stopped.borrow() {
                return;
            }
            if let Err(err) = self.reconcile_due().await {
                tracing::warn!(error = %err, "reconciliation pass failed");
            }
            let prune_due = last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY);
            if prune_due {
                last_prune = Some(Instant::now());
                let before = before(now(), self.inner.options.delivery_retention);
                match self.inner.store.prune_deliveries(before).await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::debug!(pruned, "forgot old deliveries"),
                    Err(err) => tracing::warn!(error = %err, "cannot prune deliveries"),
                }
            }
            let tick = self.jitter(self.inner.options.tick, 0.2);
            tokio::select! {
                _ = stopped.changed() => {}
                () = tokio::time::sleep(tick) => {}
            }
        }
    }

    pub(crate) fn provider(&self, name: &str) -> Result<&ProviderEntry, Error> {
        self.inner
            .providers
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| Error::UnknownProvider(name.to_owned()))
    }

    /// `base` plus up to `spread` of it at random, so instances and envelopes do not act in
    /// lockstep.
    pub(crate) fn jitter(&self, base: Duration, spread: f64) -> Duration {
        let r = self
            .inner
            .rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .f64();
        Duration::try_from_secs_f64(base.as_secs_f64() * (1.0 + spread * r)).unwrap_or(base)
    }
}

/// How often old deliveries are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);

/// The background work started by [`Tracker::start`]. Dropping it stops the work abruptly;
/// [`shutdown`](Self::shutdown) lets the passes in progress finish.
#[derive(Debug)]
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops the background work after the passes in progress, and waits for it.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Builds a [`Tracker`], checking its configuration.
#[derive(Default)]
pub struct TrackerBuilder {
    store: Option<Arc<dyn Store>>,
    providers: Vec<Arc<dyn SigningProvider>>,
    handler: Option<Arc<dyn Handler>>,
    instance: Option<String>,
    options: Options,
    seed: Option<u64>,
}

impl fmt::Debug for TrackerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrackerBuilder")
            .field("store", &self.store)
            .field("providers", &self.providers.len())
            .field("handler", &self.handler.is_some())
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl TrackerBuilder {
    /// Where transitions are kept (required).
    #[must_use]
    pub fn store(mut self, store: impl Store) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// A store shared with other code.
    #[must_use]
    pub fn shared_store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// A provider whose envelopes are tracked (at least one); envelopes and webhooks are routed
    /// by its [`name`](SigningProvider::name).
    #[must_use]
    pub fn provider(mut self, provider: Arc<dyn SigningProvider>) -> Self {
        self.providers.push(provider);
        self
    }

    /// What to do on each transition (required).
    #[must_use]
    pub fn handler(mut self, handler: impl Handler) -> Self {
        self.handler = Some(Arc::new(handler));
        self
    }

    /// This instance's name, shown as the owner of its leases (default: random).
    #[must_use]
    pub fn instance(mut self, name: impl Into<String>) -> Self {
        self.instance = Some(name.into());
        self
    }

    /// How long an unfinished envelope may go without news before the reconciler reads it
    /// (default 5 minutes). A provider's
    /// [`min_poll_interval`](signing_core::Capabilities::min_poll_interval) takes precedence
    /// when longer: no envelope is read more often than its provider allows.
    #[must_use]
    pub fn stale_after(mut self, after: Duration) -> Self {
        self.options.stale_after = after;
        self
    }

    /// How many envelope reads run at once (default 4), and how many are claimed per pass
    /// (default 64).
    #[must_use]
    pub fn reads(mut self, concurrency: usize, batch: u32) -> Self {
        self.options.read_concurrency = concurrency;
        self.options.read_batch = batch;
        self
    }

    /// How long one read may take (default 30 seconds).
    #[must_use]
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.options.read_timeout = timeout;
        self
    }

    /// How long a provider is left alone after it answered "rate limited" without saying for
    /// how long (default 60 seconds); a `Retry-After` it gives is used instead.
    #[must_use]
    pub fn rate_limit_pause(mut self, pause: Duration) -> Self {
        self.options.rate_limit_pause = pause;
        self
    }

    /// How many handler calls run at once, each on a different envelope (default 4).
    #[must_use]
    pub fn handler_concurrency(mut self, concurrency: usize) -> Self {
        self.options.handler_concurrency = concurrency;
        self
    }

    /// How long a lease lasts without renewal (default 30 seconds): how soon another instance
    /// takes over the work of one that died. Leases are renewed every third of it while a
    /// handler runs.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.options.lease = lease;
        self
    }

    /// The handler's retry backoff: the first delay (default 1 second), doubled per attempt up
    /// to `max` (default 5 minutes). Transitions are retried until they succeed.
    #[must_use]
    pub fn retry(mut self, initial: Duration, max: Duration) -> Self {
        self.options.retry_initial = initial;
        self.options.retry_max = max;
        self
    }

    /// How often the background loops look for due work when idle (default 1 second).
    #[must_use]
    pub fn tick(mut self, tick: Duration) -> Self {
        self.options.tick = tick;
        self
    }

    /// How long processed deliveries are remembered for deduplication (default 7 days).
    #[must_use]
    pub fn delivery_retention(mut self, retention: Duration) -> Self {
        self.options.delivery_retention = retention;
        self
    }

    /// Seeds the random jitter, for reproducible tests.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Checks the configuration and builds the tracker.
    pub fn build(self) -> Result<Tracker, Error> {
        let config = |message: String| Err(Error::Config(message));
        let Some(store) = self.store else {
            return config("a store is required".into());
        };
        let Some(handler) = self.handler else {
            return config("a handler is required".into());
        };
        if self.providers.is_empty() {
            return config("at least one provider is required".into());
        }
        let o = &self.options;
        for (name, value, min) in [
            ("stale_after", o.stale_after, Duration::from_millis(1)),
            ("read_timeout", o.read_timeout, Duration::from_millis(1)),
            (
                "rate_limit_pause",
                o.rate_limit_pause,
                Duration::from_millis(1),
            ),
            ("lease", o.lease, Duration::from_millis(100)),
            ("retry initial", o.retry_initial, Duration::from_millis(1)),
            ("retry max", o.retry_max, Duration::from_millis(1)),
            ("tick", o.tick, Duration::from_millis(1)),
            (
                "delivery_retention",
                o.delivery_retention,
                Duration::from_secs(1),
            ),
        ] {
            if value < min || value > MAX_SETTING {
                return config(format!(
                    "{name} must be between {min:?} and {MAX_SETTING:?}, not {value:?}"
                ));
            }
        }
        if o.retry_max < o.retry_initial {
            return config("the retry maximum is shorter than its first delay".into());
        }
        for (name, value) in [
            ("read concurrency", o.read_concurrency),
            ("handler concurrency", o.handler_concurrency),
        ] {
            if value == 0 || value > 1024 {
                return config(format!("{name} must be between 1 and 1024, not {value}"));
            }
        }
        if o.read_batch == 0 || o.read_batch > 10_000 {
            return config(format!(
                "the read batch must be between 1 and 10000, not {}",
                o.read_batch
            ));
        }
        let mut providers: Vec<ProviderEntry> = Vec::with_capacity(self.providers.len());
        for provider in self.providers {
            let name = provider.name();
            if name.is_empty() || name.contains(':') {
                return config(format!(
                    "provider name `{name}` must be non-empty without `:`"
                ));
            }
            if providers.iter().any(|p| p.name == name) {
                return config(format!("provider `{name}` is registered twice"));
            }
            let floor = provider
                .capabilities()
                .min_poll_interval
                .unwrap_or_default();
            providers.push(ProviderEntry {
                name,
                interval: o.stale_after.max(floor).min(MAX_SETTING),
                provider,
                paused_until: Mutex::new(None),
            });
        }
        let mut rng = self
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        let instance = match self.instance {
            Some(name) if name.trim().is_empty() => {
                return config("the instance name is empty".into());
            }
            Some(name) => name,
            None => format!("tracker-{:016x}", rng.u64(..)),
        };
        Ok(Tracker {
            inner: Arc::new(Inner {
                store,
                providers,
                handler,
                instance,
                options: self.options,
                wake: Notify::new(),
                metrics: Counters::default(),
                rng: Mutex::new(rng),
            }),
        })
    }
}

/// The current time, as every instance reads it.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `at + delay`; `at` itself if that overflowed, which the settings' bounds rule out.
pub(crate) fn after(at: OffsetDateTime, delay: Duration) -> OffsetDateTime {
    time::Duration::try_from(delay)
        .ok()
        .and_then(|delay| at.checked_add(delay))
        .unwrap_or(at)
}

/// `at - delay`; `at` itself if that overflowed, which the settings' bounds rule out.
pub(crate) fn before(at: OffsetDateTime, delay: Duration) -> OffsetDateTime {
    time::Duration::try_from(delay)
        .ok()
        .and_then(|delay| at.checked_sub(delay))
        .unwrap_or(at)
}

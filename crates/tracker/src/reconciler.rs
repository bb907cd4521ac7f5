//! The reconciler: reads envelopes that have gone quiet, and records what webhooks missed.

use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt as _};
use signing_core::progress::Progress;
use signing_core::{EnvelopeId, ErrorKind, RateLimitScope};

use crate::error::Error;
use crate::handler::truncate;
use crate::store::{Applied, Change, EnvelopeKey};
use crate::tracker::{ProviderEntry, Tracker, after, now};
use crate::transition::Source;

/// What one reconciliation pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconciled {
    /// Envelopes read.
    pub reads: usize,
    /// Reads that failed (the envelope is read again later).
    pub errors: usize,
    /// Reads refused because the provider is rate limiting.
    pub rate_limited: usize,
    /// New transitions recorded from what was read.
    pub transitions: usize,
}

impl Tracker {
    /// Reads every unfinished envelope whose read is due, a bounded number at a time, and
    /// records the transitions found; the background task calls this on every tick.
    ///
    /// An envelope is due when it has had no news for the configured staleness (or its
    /// provider's minimum polling interval, if longer), jittered. A provider that answers
    /// "rate limited" is left alone for the time it asks (or the configured pause), and the
    /// envelopes it refused are due again then. A read whose instance dies is due again once
    /// its claim runs out.
    pub async fn reconcile_due(&self) -> Result<Reconciled, Error> {
        let mut total = Reconciled::default();
        for entry in &self.inner.providers {
            if paused(entry).is_some() {
                continue;
            }
            let now = now();
            // The claim lasts beyond any read (a dead instance's envelopes come back after it)
            // and never shorter than the provider's polling floor.
            let claim = (self.inner.options.read_timeout * 2).max(entry.interval);
            let ids = self
                .inner
                .store
                .claim_polls(
                    entry.name,
                    now,
                    self.inner.options.read_batch,
                    after(now, claim),
                )
                .await?;
            let results: Vec<Result<Reconciled, Error>> = stream::iter(ids)
                .map(|id| self.read(entry, id))
                .buffer_unordered(self.inner.options.read_concurrency)
                .collect()
                .await;
            for result in results {
                let one = result?;
                total.reads += one.reads;
                total.errors += one.errors;
                total.rate_limited += one.rate_limited;
                total.transitions += one.transitions;
            }
        }
        if total.transitions > 0 {
            self.inner.wake.notify_one();
        }
        Ok(total)
    }

    async fn read(&self, entry: &ProviderEntry, id: EnvelopeId) -> Result<Reconciled, Error> {
        let inner = &self.inner;
        let key = EnvelopeKey::new(entry.name, id);
        let mut done = Reconciled::default();
        if let Some(left) = paused(entry) {
            // Another read of this pass was rate limited: this one waits too, unread.
            let due = after(now(), self.jitter(left, 0.1));
            inner.store.reschedule_poll(&key, due, None).await?;
            done.rate_limited = 1;
            return Ok(done);
        }
        inner.metrics.reads.fetch_add(1, Ordering::Relaxed);
        let read =
            tokio::time::timeout(inner.options.read_timeout, entry.provider.get(&key.id)).await;
        let error = match read {
            Ok(Ok(envelope)) => {
                done.reads = 1;
                let now = now();
                let due = after(now, self.jitter(entry.interval, 0.1));
                let progress = Progress::of_envelope(&envelope);
                let applied = inner
                    .store
                    .apply(&key, None, now, &|state| {
                        let mut change =
                            Change::new(progress.new_since(&state.milestones), Source::Reconciler);
                        change.snapshot = Some(envelope.clone());
                        change.poll_due_at = Some(due);
                        change.polled = true;
                        change
                    })
                    .await?;
                if let Applied::Recorded { appended } = applied {
                    done.transitions = appended.len();
                    inner
                        .metrics
                        .recorded_from_reads
                        .fetch_add(appended.len() as u64, Ordering::Relaxed);
                    if !appended.is_empty() {
                        tracing::debug!(envelope = %key, added = appended.len(), "the reconciler found transitions");
                    }
                }
                return Ok(done);
            }
            Ok(Err(err)) => err,
            Err(_) => signing_core::Error::transport(
                signing_core::TransportKind::Timeout,
                format!("the read took longer than {:?}", inner.options.read_timeout),
            ),
        };
        inner.metrics.read_errors.fetch_add(1, Ordering::Relaxed);
        done.errors = 1;
        let wait = if error.rate_limit_scope() == Some(RateLimitScope::Resource) {
            // Only this envelope was read too soon (DocuSign's polling rule): the others of
            // the provider are not held back.
            inner.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
            done.rate_limited = 1;
            let wait = error.retry_after().unwrap_or(entry.interval);
            tracing::warn!(
                envelope = %key,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "rate limited for this envelope: its next read waits"
            );
            wait
        } else if matches!(error.kind(), ErrorKind::RateLimited { .. }) {
            inner.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
            done.rate_limited = 1;
            let pause = error
                .retry_after()
                .unwrap_or(inner.options.rate_limit_pause)
                .min(inner.options.rate_limit_pause.max(entry.interval) * 10);
            pause_provider(entry, pause);
            tracing::warn!(
                provider = entry.name,
                pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                "rate limited: reads paused"
            );
            pause
        } else {
            tracing::warn!(envelope = %key, error = %error, "cannot read the envelope; it is read again later");
            entry.interval
        };
        let due = after(now(), self.jitter(wait, 0.1));
        inner
            .store
            .reschedule_poll(&key, due, Some(&truncate(error.to_string())))
            .await?;
        Ok(done)
    }
}

/// How long the provider is still paused, if it is.
fn paused(entry: &ProviderEntry) -> Option<Duration> {
    let mut until = entry
        .paused_until
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    match *until {
        Some(at) if at > Instant::now() => Some(at - Instant::now()),
        Some(_) => {
            *until = None;
            None
        }
        None => None,
    }
}

fn pause_provider(entry: &ProviderEntry, pause: Duration) {
    let mut until = entry
        .paused_until
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let at = Instant::now()
        .checked_add(pause)
        .unwrap_or_else(Instant::now);
    *until = Some(until.map_or(at, |current| current.max(at)));
}

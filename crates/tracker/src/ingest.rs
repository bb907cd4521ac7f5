//! Webhooks and callbacks: verified by the provider, then recorded with their deduplication.

use std::sync::atomic::Ordering;

use signing_core::progress::Progress;
use signing_core::webhook::WebhookError;
use signing_core::{ErrorKind, WebhookRequest};

use crate::error::Error;
use crate::store::{Applied, Change, EnvelopeKey};
use crate::tracker::{Tracker, after, now};
use crate::transition::Source;

/// The most events one delivery may carry; the rest are ignored (providers send one).
const MAX_EVENTS_PER_DELIVERY: usize = 100;

/// What [`Tracker::ingest`] did with a delivery.
///
/// Every outcome is an acceptance: answer the provider with a 2xx status. Refusals and
/// failures are [`Error`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ingested {
    /// Events the delivery carried.
    pub events: usize,
    /// New transitions recorded.
    pub transitions: usize,
    /// Events (or whole deliveries) already processed: dropped.
    pub duplicates: usize,
    /// Events about envelopes that are not tracked: dropped.
    pub untracked: usize,
    /// Events naming no envelope, or not verified by the provider: dropped.
    pub ignored: usize,
}

impl Tracker {
    /// Verifies a webhook or callback through `provider`'s
    /// [`parse_webhook`](signing_core::SigningProvider::parse_webhook), then records the
    /// transitions its events imply.
    ///
    /// Deduplication is two-phase: a delivery counts as processed only in the same store
    /// transaction that records its effect, so a delivery that failed half-way is accepted
    /// again when redelivered, and a repeated one is dropped. An adapter that refuses a
    /// delivery as a replay ([`WebhookError::Replayed`]) is counted as a duplicate and
    /// accepted; if that adapter had marked it seen before its effect was recorded, the
    /// reconciler still records the transition from its next read of the envelope.
    ///
    /// Errors: [`Error::Rejected`] for a forgery (answer 4xx), [`Error::Provider`] or
    /// [`Error::Store`] for a failure worth a redelivery (answer 5xx),
    /// [`Error::UnknownProvider`].
    pub async fn ingest(
        &self,
        provider: &str,
        request: &WebhookRequest,
    ) -> Result<Ingested, Error> {
        let entry = self.provider(provider)?;
        let metrics = &self.inner.metrics;
        let events = match entry.provider.parse_webhook(request).await {
            Ok(events) => events,
            Err(err) => {
                return match err.kind() {
                    ErrorKind::WebhookVerification(WebhookError::Replayed(_)) => {
                        metrics.webhook_duplicates.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(provider, "delivery refused as a replay by the adapter");
                        Ok(Ingested {
                            duplicates: 1,
                            ..Ingested::default()
                        })
                    }
                    ErrorKind::WebhookVerification(_) => {
                        metrics.webhooks_refused.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(provider, error = %err, "webhook refused");
                        Err(Error::Rejected(err))
                    }
                    _ => Err(Error::Provider(err)),
                };
            }
        };
        let mut outcome = Ingested {
            events: events.len(),
            ..Ingested::default()
        };
        outcome.ignored = events.len().saturating_sub(MAX_EVENTS_PER_DELIVERY);
        for event in events.iter().take(MAX_EVENTS_PER_DELIVERY) {
            let Some(id) = event.envelope_id.as_ref().filter(|_| event.verified) else {
                outcome.ignored += 1;
                continue;
            };
            let key = EnvelopeKey::new(entry.name, id.clone());
            let now = now();
            let due = after(now, self.jitter(entry.interval, 0.1));
            let applied = self
                .inner
                .store
                .apply(&key, Some(event.id.as_str()), now, &|state| {
                    let milestones = Progress::of_event(event, state.snapshot.as_ref())
                        .new_since(&state.milestones);
                    let changed = !milestones.is_empty();
                    let mut change = Change::new(milestones, Source::Webhook);
                    // News just arrived: the envelope is not stale, its read can wait.
                    change.poll_due_at = changed.then_some(due);
                    change
                })
                .await?;
            match applied {
                Applied::Untracked => outcome.untracked += 1,
                Applied::Duplicate => {
                    outcome.duplicates += 1;
                    metrics.webhook_duplicates.fetch_add(1, Ordering::Relaxed);
                }
                Applied::Recorded { appended } => {
                    metrics.webhooks_accepted.fetch_add(1, Ordering::Relaxed);
                    let added = appended.len();
                    outcome.transitions += added;
                    metrics
                        .recorded_from_webhooks
                        .fetch_add(added as u64, Ordering::Relaxed);
                }
            }
        }
        if outcome.transitions > 0 {
            self.inner.wake.notify_one();
        }
        Ok(outcome)
    }
}

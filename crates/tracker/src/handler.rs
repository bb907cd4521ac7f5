//! The application's handler, and how transitions are handed to it: one envelope at a time,
//! in order, marked handled only after it succeeds.

use std::error::Error as StdError;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::FutureExt as _;
use futures_util::stream::{self, StreamExt as _};

use crate::error::Error;
use crate::store::Claim;
use crate::tracker::{Tracker, after, now};
use crate::transition::Transition;

/// The error a handler returns; any error type converts into it with `?`.
pub type HandlerError = Box<dyn StdError + Send + Sync + 'static>;

/// What the application does when an envelope makes a transition.
///
/// # Exactly once, precisely
///
/// The tracker calls the handler for each transition of each envelope, in the envelope's order
/// (transition 2 only after transition 1 was handled), and records the transition as handled
/// only after the handler returns `Ok`. An `Err` (or a panic) is retried later with
/// exponential backoff; each attempt is counted in [`Transition::attempts`] and logged.
///
/// While the handler runs, its instance holds a lease on the envelope, renewed as it runs, so no
/// other instance runs a transition of that envelope at the same time. If the instance dies,
/// the lease runs out and another instance runs the transition again; if the lease cannot be
/// renewed (the instance stalled for longer than the lease and another took over), the running
/// handler is dropped at its next `.await`.
///
/// So the handler is invoked **at least once** per transition, and its effect happens
/// **exactly once** when it is idempotent. A crash after the handler's effect but before the
/// tracker's mark means a second invocation. Key the effect on [`Transition::id`]: for
/// example insert a row with that id under a unique constraint in the same database
/// transaction as the rest of the effect, and treat a conflict as "already done" (return
/// `Ok`).
///
/// Closures are handlers too:
///
/// ```
/// use signing_tracker::{HandlerError, Transition};
///
/// let handler = |transition: Transition| async move {
///     println!("{}: {}", transition.id(), transition.milestone.key());
///     Ok::<(), HandlerError>(())
/// };
/// # fn is_handler(_: impl signing_tracker::Handler) {}
/// # is_handler(handler);
/// ```
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Acts on one transition. Return `Err` to have it retried later.
    async fn handle(&self, transition: &Transition) -> Result<(), HandlerError>;
}

#[async_trait]
impl<F, Fut> Handler for F
where
    F: Fn(Transition) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    async fn handle(&self, transition: &Transition) -> Result<(), HandlerError> {
        self(transition.clone()).await
    }
}

/// The longest error text kept for a failed attempt or read.
const MAX_ERROR_LEN: usize = 2_000;

enum Outcome {
    Done,
    Failed(String),
    LeaseLost,
}

impl Tracker {
    /// Hands every transition that is due to the handler, up to the configured concurrency at
    /// a time, and returns how many it started. The background task calls this in a loop; tests
    /// and applications without a background task can call it themselves.
    pub async fn handle_due(&self) -> Result<usize, Error> {
        let inner = &self.inner;
        let now = now();
        let limit = u32::try_from(inner.options.handler_concurrency).unwrap_or(u32::MAX);
        let claims = inner
            .store
            .claim_transitions(&inner.instance, now, limit, after(now, inner.options.lease))
            .await?;
        let started = claims.len();
        stream::iter(claims)
            .for_each_concurrent(inner.options.handler_concurrency, |claim| self.run(claim))
            .await;
        Ok(started)
    }

    async fn run(&self, claim: Claim) {
        let inner = &self.inner;
        let transition = claim.transition;
        let id = transition.id();
        inner.metrics.handler_calls.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(transition = %id, attempt = transition.attempts, milestone = %transition.milestone.key(), "handling");
        let outcome = self.call_with_lease(&transition).await;
        let key = &transition.key;
        let result = match outcome {
            Outcome::Done => {
                match inner
                    .store
                    .mark_handled(key, &inner.instance, transition.seq, now())
                    .await
                {
                    Ok(true) => {
                        inner.metrics.handled.fetch_add(1, Ordering::Relaxed);
                        Ok(())
                    }
                    Ok(false) => {
                        inner.metrics.leases_lost.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(transition = %id, "handled, but the lease was lost first: another instance will run it again");
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            Outcome::Failed(error) => {
                inner
                    .metrics
                    .handler_failures
                    .fetch_add(1, Ordering::Relaxed);
                let delay = self.retry_delay(transition.attempts);
                tracing::warn!(
                    transition = %id,
                    attempt = transition.attempts,
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    error = %error,
                    "handler failed; it will be retried"
                );
                let now = now();
                inner
                    .store
                    .mark_failed(
                        key,
                        &inner.instance,
                        transition.seq,
                        now,
                        &error,
                        after(now, delay),
                    )
                    .await
                    .map(drop)
            }
            Outcome::LeaseLost => {
                inner.metrics.leases_lost.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(transition = %id, "lease lost while the handler ran: it was stopped, another instance runs it");
                Ok(())
            }
        };
        if let Err(err) = result {
            // The lease runs out and the transition is tried again: nothing is lost.
            tracing::error!(transition = %id, error = %err, "cannot record the handler's outcome");
        }
    }

    /// Runs the handler while renewing the envelope's lease; drops it if the lease is lost.
    async fn call_with_lease(&self, transition: &Transition) -> Outcome {
        let inner = &self.inner;
        let call = AssertUnwindSafe(inner.handler.handle(transition)).catch_unwind();
        tokio::pin!(call);
        let renew_every = inner.options.lease / 3;
        loop {
            tokio::select! {
                result = &mut call => {
                    return match result {
                        Ok(Ok(())) => Outcome::Done,
                        Ok(Err(err)) => Outcome::Failed(truncate(err.to_string())),
                        Err(_) => Outcome::Failed("the handler panicked".to_owned()),
                    };
                }
                () = tokio::time::sleep(renew_every) => {
                    let until = after(now(), inner.options.lease);
                    match inner.store.renew_lease(&transition.key, &inner.instance, until).await {
                        Ok(true) => {}
                        Ok(false) => return Outcome::LeaseLost,
                        // A store hiccup is not proof the lease is gone: try again next time.
                        Err(err) => tracing::warn!(error = %err, "cannot renew a lease"),
                    }
                }
            }
        }
    }

    /// Exponential backoff from the configured first delay, doubling per attempt, capped, with
    /// up to 25% added at random so failing transitions do not retry in lockstep.
    fn retry_delay(&self, attempts: u32) -> Duration {
        let options = &self.inner.options;
        let doublings = attempts.saturating_sub(1).min(31);
        let delay = options
            .retry_initial
            .saturating_mul(1_u32 << doublings)
            .min(options.retry_max);
        self.jitter(delay, 0.25)
    }
}

/// `text`, cut to at most [`MAX_ERROR_LEN`] bytes (on a character boundary) before it is stored.
pub(crate) fn truncate(mut text: String) -> String {
    if text.len() > MAX_ERROR_LEN {
        let mut end = MAX_ERROR_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

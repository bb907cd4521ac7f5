//! When and how long to wait before repeating a request, shared by every adapter.
//!
//! Only requests that are safe to repeat may be retried: reads, idempotent cancels and
//! deletes, steps that provably never reached the provider, and creates protected by a caller
//! reference lookup. Which requests those are is the adapter's decision; this module decides
//! *whether* an error is worth another attempt ([`Error::is_retryable`]) and *how long* to wait.

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant, SystemTime};

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::error::{Error, Result};

/// How an adapter retries requests that are safe to repeat.
///
/// Exponential backoff with jitter, a cap on attempts and on the total time, and the
/// provider's `Retry-After` honoured (never waiting less than it asks).
///
/// ```
/// use std::time::Duration;
/// use signing_core::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .max_elapsed(Duration::from_secs(60));
/// // The third attempt waits about 400 ms (200 ms doubled, with jitter)...
/// let wait = policy.delay(2, None);
/// assert!(wait >= Duration::from_millis(200) && wait <= Duration::from_millis(400));
/// // ...unless the provider asked for longer.
/// assert_eq!(policy.delay(2, Some(Duration::from_secs(3))), Duration::from_secs(3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Most attempts in all, the first included (1 means no retry).
    pub max_attempts: u32,
    /// The wait before the first retry.
    pub initial_backoff: Duration,
    /// The longest wait computed by backoff (a longer `Retry-After` is still honoured).
    pub max_backoff: Duration,
    /// Give up rather than wait past this much time since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms doubling up to 5 s, at most 30 s in all.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the most attempts in all (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the wait before the first retry.
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the longest computed wait.
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the total time budget.
    #[must_use]
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// How long to wait after failed attempt number `attempt` (1-based): the provider's
    /// `retry_after` when it gave one, else the exponential backoff with equal jitter (between
    /// half and all of `initial_backoff * 2^(attempt-1)`, capped at `max_backoff`).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after;
        }
        let mut backoff = self.initial_backoff.min(self.max_backoff);
        // Doubling saturates at `max_backoff` long before `attempt` can make this loop long.
        for _ in 1..attempt {
            if backoff.is_zero() || backoff >= self.max_backoff {
                break;
            }
            backoff = backoff.saturating_mul(2).min(self.max_backoff);
        }
        let half = backoff / 2;
        // Jitter spans at most u64::MAX nanoseconds (584 years): plenty, and no overflow for
        // absurd configured backoffs.
        let jitter_range =
            u64::try_from(backoff.saturating_sub(half).as_nanos()).unwrap_or(u64::MAX);
        let random = RandomState::new().hash_one(attempt);
        let jitter = match jitter_range.checked_add(1) {
            Some(modulus) => random % modulus,
            None => random,
        };
        half.saturating_add(Duration::from_nanos(jitter))
            .min(backoff)
    }

    /// Runs `attempt` (given the 1-based attempt number) until it succeeds, fails with an error
    /// that is not [retryable](Error::is_retryable), or the attempts or time run out; returns
    /// the last result.
    ///
    /// Call this only around requests that are safe to repeat.
    pub async fn run<T, F, Fut>(&self, attempt: F) -> Result<T>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.run_when(Error::is_retryable, attempt).await
    }

    /// Like [`run`](Self::run), but retries only the errors `should_retry` accepts: a request
    /// that must not be repeated once it may have reached the provider retries connect errors
    /// and nothing else, say.
    pub async fn run_when<T, F, Fut, P>(&self, should_retry: P, mut attempt: F) -> Result<T>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T>>,
        P: Fn(&Error) -> bool,
    {
        let started = Instant::now();
        let mut number = 1;
        loop {
            let error: Error = match attempt(number).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if !should_retry(&error) || number >= self.max_attempts {
                return Err(error);
            }
            let wait = self.delay(number, error.retry_after());
            if started.elapsed().saturating_add(wait) > self.max_elapsed {
                return Err(error);
            }
            futures_timer::Delay::new(wait).await;
            number += 1;
        }
    }
}

const HTTP_DATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// Parses a `Retry-After` value: delta-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), relative to `now`. A date in the past means "now"
/// (zero); anything unparsable is `None`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use signing_core::parse_retry_after;
///
/// assert_eq!(parse_retry_after("7", SystemTime::now()), Some(Duration::from_secs(7)));
/// assert_eq!(parse_retry_after("soon", SystemTime::now()), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok().map(Duration::from_secs);
    }
    let date = time::PrimitiveDateTime::parse(value, HTTP_DATE)
        .ok()?
        .assume_utc();
    // A clock outside what `time` represents cannot be compared with a date.
    let since_epoch = now.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    let now = OffsetDateTime::from_unix_timestamp(i64::try_from(since_epoch.as_secs()).ok()?)
        .ok()?
        + Duration::from_nanos(u64::from(since_epoch.subsec_nanos()));
    let ahead = date - now;
    Some(Duration::try_from(ahead).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::error::{ErrorKind, TransportKind};

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 07:28:00
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["", "-1", "1.5", "tomorrow", "Wed, 21 Oct 2015 07:28:30 PST"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let full = policy
                .initial_backoff
                .saturating_mul(1 << (attempt - 1))
                .min(policy.max_backoff);
            let wait = policy.delay(attempt, None);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?}"
            );
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(9))),
            Duration::from_secs(9)
        );
        assert_eq!(RetryPolicy::default().max_attempts(0).max_attempts, 1);
        // Late attempts keep the documented bounds.
        let slow = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(1))
            .max_backoff(Duration::from_secs(3600));
        let wait = slow.delay(30, None);
        assert!(wait >= Duration::from_secs(1800) && wait <= Duration::from_secs(3600));
        // Absurd configurations saturate instead of overflowing.
        let huge = RetryPolicy::default()
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        for attempt in [1, 2, 64, u32::MAX] {
            assert!(huge.delay(attempt, None) >= Duration::MAX / 2);
        }
    }

    fn transient() -> Error {
        Error::transport(TransportKind::Connect, "refused")
    }

    #[tokio::test]
    async fn run_retries_only_retryable_errors() {
        let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(1));
        let ok = policy
            .run(|n| async move { if n < 3 { Err(transient()) } else { Ok(n) } })
            .await;
        assert_eq!(ok.unwrap(), 3);

        let calls = Cell::new(0);
        let err = policy
            .run(|n| {
                calls.set(n);
                async { Err::<(), _>(Error::not_found("x")) }
            })
            .await
            .unwrap_err();
        assert!(err.is_not_found());
        assert_eq!(calls.get(), 1);

        let calls = Cell::new(0);
        let err = policy
            .run(|n| {
                calls.set(n);
                async { Err::<(), _>(transient()) }
            })
            .await
            .unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(calls.get(), 3, "gives up after max_attempts");

        // A Retry-After beyond the time budget is not waited for.
        let calls = Cell::new(0);
        let err = policy
            .run(|n| {
                calls.set(n);
                async {
                    Err::<(), _>(Error::new(ErrorKind::RateLimited {
                        retry_after: Some(Duration::from_secs(3600)),
                    }))
                }
            })
            .await
            .unwrap_err();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
        assert_eq!(calls.get(), 1);

        // A short Retry-After is waited for, then the request is repeated.
        let started = Instant::now();
        let ok = policy
            .run(|n| async move {
                if n == 1 {
                    Err(Error::new(ErrorKind::RateLimited {
                        retry_after: Some(Duration::from_millis(50)),
                    }))
                } else {
                    Ok(())
                }
            })
            .await;
        ok.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(50));
    }
}

//! API rate limits and the polling rule.
//!
//! DocuSign limits API calls per account per hour and per 30-second burst, reports the budget in
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (Unix seconds) and
//! `X-BurstLimit-Limit`, `X-BurstLimit-Remaining` on every answer, and refuses calls over a limit
//! with **400** (not 429) and `HOURLY_APIINVOCATION_LIMIT_EXCEEDED` or
//! `BURST_APIINVOCATION_LIMIT_EXCEEDED`. The emulator counts every authenticated API call, of
//! all accounts together, in windows aligned to the clock (the hour, and 30-second slices).
//!
//! The polling rule (off unless a test turns it on) allows one GET of the same envelope resource
//! per interval; a second one inside it is refused with 400
//! `Hourly_Envelope_Polling_Limit_Exceeded`. The interval starts at the last GET that was let
//! through; refused ones do not extend it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::api_error::ApiError;
use super::clock;

/// DocuSign's current hourly limit per account.
pub(super) const DEFAULT_HOURLY_LIMIT: u32 = 3_000;
/// DocuSign's burst limit per 30 seconds.
pub(super) const DEFAULT_BURST_LIMIT: u32 = 500;
const HOUR: i64 = 3_600;
const BURST_WINDOW: i64 = 30;

/// Counters of the current windows.
#[derive(Debug, Default)]
struct Windows {
    hour_start: i64,
    hour_used: u32,
    burst_start: i64,
    burst_used: u32,
}

/// The rate limits and the polling rule of one emulator.
#[derive(Debug)]
pub(super) struct Limits {
    hourly: u32,
    burst: u32,
    windows: Mutex<Windows>,
    polling: Mutex<Polling>,
}

#[derive(Debug, Default)]
struct Polling {
    interval: Option<Duration>,
    last_read: HashMap<String, Instant>,
}

/// The budget after a call, for the headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Budget {
    limit: u32,
    remaining: u32,
    reset: i64,
    burst_limit: u32,
    burst_remaining: u32,
}

impl Budget {
    /// Adds the rate-limit headers to `headers`.
    pub(super) fn write(self, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, value: String| {
            if let Ok(value) = HeaderValue::try_from(value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        };
        set("x-ratelimit-limit", self.limit.to_string());
        set("x-ratelimit-remaining", self.remaining.to_string());
        set("x-ratelimit-reset", self.reset.to_string());
        set("x-burstlimit-limit", self.burst_limit.to_string());
        set("x-burstlimit-remaining", self.burst_remaining.to_string());
    }
}

impl Limits {
    pub(super) fn new(hourly: u32, burst: u32) -> Self {
        Self {
            hourly,
            burst,
            windows: Mutex::new(Windows::default()),
            polling: Mutex::new(Polling::default()),
        }
    }

    /// Counts one call; the error is the refusal when a limit is used up (the call is then not
    /// counted).
    pub(super) fn consume(&self) -> (Budget, Option<ApiError>) {
        let now = clock::unix_now();
        let mut windows = self.windows();
        roll(&mut windows, now);
        let refusal = if windows.hour_used >= self.hourly {
            Some(ApiError::new(
                "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
                format!(
                    "The maximum number of hourly API invocations has been exceeded. The hourly limit is {}.",
                    self.hourly
                ),
            ))
        } else if windows.burst_used >= self.burst {
            Some(ApiError::new(
                "BURST_APIINVOCATION_LIMIT_EXCEEDED",
                format!(
                    "The maximum number of burst API invocations has been exceeded. The burst limit is {} per {BURST_WINDOW} seconds.",
                    self.burst
                ),
            ))
        } else {
            windows.hour_used = windows.hour_used.saturating_add(1);
            windows.burst_used = windows.burst_used.saturating_add(1);
            None
        };
        (self.budget(&windows), refusal)
    }

    fn budget(&self, windows: &Windows) -> Budget {
        Budget {
            limit: self.hourly,
            remaining: self.hourly.saturating_sub(windows.hour_used),
            reset: windows.hour_start.saturating_add(HOUR),
            burst_limit: self.burst,
            burst_remaining: self.burst.saturating_sub(windows.burst_used),
        }
    }

    /// The answer to an injected `Fault::RateLimited`: DocuSign's 400
    /// `HOURLY_APIINVOCATION_LIMIT_EXCEEDED`, with `X-RateLimit-Remaining: 0` and
    /// `X-RateLimit-Reset` `retry_after` seconds from now. A value that is not a number of
    /// seconds (such as an HTTP date) resets at the end of the current hour.
    pub(super) fn exceeded_answer(&self, retry_after: &str) -> Response<Body> {
        let now = clock::unix_now();
        let mut windows = self.windows();
        roll(&mut windows, now);
        let mut budget = self.budget(&windows);
        drop(windows);
        budget.remaining = 0;
        budget.reset = match retry_after.trim().parse::<i64>() {
            Ok(seconds) if seconds >= 0 => now.saturating_add(seconds),
            _ => budget.reset,
        };
        let mut response = ApiError::new(
            "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
            format!(
                "The maximum number of hourly API invocations has been exceeded. The hourly limit is {}.",
                self.hourly
            ),
        )
        .into_response();
        budget.write(response.headers_mut());
        response
    }

    /// Turns the polling rule on with `interval`, or off with `None`; forgets earlier reads.
    pub(super) fn set_polling_interval(&self, interval: Option<Duration>) {
        let mut polling = self.polling();
        polling.interval = interval;
        polling.last_read.clear();
    }

    /// Checks a GET of the envelope resource `resource` against the polling rule and, when it
    /// is let through, starts a new interval for it.
    pub(super) fn check_poll(&self, resource: &str) -> Result<(), ApiError> {
        let mut polling = self.polling();
        let Some(interval) = polling.interval else {
            return Ok(());
        };
        let now = Instant::now();
        if let Some(last) = polling.last_read.get(resource)
            && now.duration_since(*last) < interval
        {
            return Err(ApiError::new(
                "Hourly_Envelope_Polling_Limit_Exceeded",
                format!(
                    "The polling limit has been exceeded: this envelope resource may be read once every {} seconds. Use Connect instead of polling.",
                    interval.as_secs()
                ),
            ));
        }
        polling.last_read.insert(resource.to_owned(), now);
        Ok(())
    }

    fn windows(&self) -> MutexGuard<'_, Windows> {
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn polling(&self) -> MutexGuard<'_, Polling> {
        self.polling.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts new windows when the clock has moved past the current ones.
fn roll(windows: &mut Windows, now: i64) {
    let hour_start = now - now.rem_euclid(HOUR);
    if windows.hour_start != hour_start {
        windows.hour_start = hour_start;
        windows.hour_used = 0;
    }
    let burst_start = now - now.rem_euclid(BURST_WINDOW);
    if windows.burst_start != burst_start {
        windows.burst_start = burst_start;
        windows.burst_used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_until_the_limit() {
        let limits = Limits::new(2, 100);
        let (budget, refusal) = limits.consume();
        assert_eq!(refusal, None);
        assert_eq!(budget.remaining, 1);
        assert_eq!(budget.reset % HOUR, 0);
        assert!(budget.reset > clock::unix_now());
        assert_eq!(limits.consume().1, None);
        let (budget, refusal) = limits.consume();
        assert_eq!(budget.remaining, 0);
        assert_eq!(
            refusal.map(|error| error.code),
            Some("HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
        );
        let mut headers = HeaderMap::new();
        budget.write(&mut headers);
        assert_eq!(headers["x-ratelimit-limit"], "2");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert_eq!(headers["x-burstlimit-limit"], "100");
    }

    #[test]
    fn the_burst_limit_applies_too() {
        let limits = Limits::new(100, 1);
        assert_eq!(limits.consume().1, None);
        // The 30-second window may roll over between the two calls; then both pass.
        let second = limits.consume().1.map(|error| error.code);
        assert!(matches!(
            second,
            None | Some("BURST_APIINVOCATION_LIMIT_EXCEEDED")
        ));
    }

    #[test]
    fn polling_rule_refuses_a_second_read() {
        let limits = Limits::new(100, 100);
        assert_eq!(limits.check_poll("/a"), Ok(()));
        assert_eq!(limits.check_poll("/a"), Ok(()));
        limits.set_polling_interval(Some(Duration::from_secs(60)));
        assert_eq!(limits.check_poll("/a"), Ok(()));
        assert_eq!(limits.check_poll("/b"), Ok(()));
        let refusal = limits.check_poll("/a").expect_err("second read");
        assert_eq!(refusal.code, "Hourly_Envelope_Polling_Limit_Exceeded");
        limits.set_polling_interval(None);
        assert_eq!(limits.check_poll("/a"), Ok(()));
    }
}

//! Refusing a webhook or callback that was already processed.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::error::Result;
use crate::webhook::DEFAULT_TOLERANCE;

/// Remembers which deliveries were processed, so one seen twice is reported as a duplicate.
///
/// Keys are delivery ids (the Standard Webhooks `webhook-id`, a callback's token). An
/// application running several instances implements this over shared storage; a single
/// instance can use [`InMemoryReplayGuard`].
#[async_trait]
pub trait ReplayGuard: Send + Sync + Debug {
    /// Records `key` and returns `true` if it was not seen within the guard's window, `false`
    /// if it is a duplicate.
    async fn first_seen(&self, key: &str) -> Result<bool>;
}

/// A [`ReplayGuard`] in this process's memory: keys are forgotten after a time to live (the
/// webhook tolerance window by default, since older deliveries are refused by their timestamp
/// anyway), and the oldest are dropped beyond a size cap.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> signing_core::Result<()> {
/// use signing_core::{InMemoryReplayGuard, ReplayGuard};
///
/// let guard = InMemoryReplayGuard::new();
/// assert!(guard.first_seen("msg_1").await?);
/// assert!(!guard.first_seen("msg_1").await?);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct InMemoryReplayGuard {
    ttl: Duration,
    max_entries: usize,
    seen: Mutex<HashMap<String, Instant>>,
}

impl Default for InMemoryReplayGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryReplayGuard {
    /// A guard remembering keys for the default webhook tolerance (five minutes, plus the same
    /// again for deliveries dated in the future), at most 100 000 of them.
    pub fn new() -> Self {
        Self::with_ttl(DEFAULT_TOLERANCE * 2)
    }

    /// A guard remembering keys for `ttl`.
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            max_entries: 100_000,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Caps how many keys are remembered; the oldest go first.
    #[must_use]
    pub fn max_entries(mut self, max: usize) -> Self {
        self.max_entries = max.max(1);
        self
    }

    fn record(&self, key: &str, now: Instant) -> bool {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = seen.get(key)
            && now.duration_since(*at) < self.ttl
        {
            return false;
        }
        if seen.len() >= self.max_entries {
            seen.retain(|_, at| now.duration_since(*at) < self.ttl);
            while seen.len() >= self.max_entries {
                let Some(oldest) = seen
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                seen.remove(&oldest);
            }
        }
        seen.insert(key.to_owned(), now);
        true
    }
}

#[async_trait]
impl ReplayGuard for InMemoryReplayGuard {
    async fn first_seen(&self, key: &str) -> Result<bool> {
        Ok(self.record(key, Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_after_ttl_and_caps_size() {
        let guard = InMemoryReplayGuard::with_ttl(Duration::from_secs(10)).max_entries(2);
        let t0 = Instant::now();
        assert!(guard.record("a", t0));
        assert!(!guard.record("a", t0 + Duration::from_secs(9)));
        assert!(guard.record("a", t0 + Duration::from_secs(10)));
        assert!(guard.record("b", t0 + Duration::from_secs(11)));
        // Full: the oldest ("a") makes room for "c".
        assert!(guard.record("c", t0 + Duration::from_secs(12)));
        assert!(!guard.record("b", t0 + Duration::from_secs(12)));
        assert!(guard.record("a", t0 + Duration::from_secs(12)));
    }
}

//! Access tokens: fetched by one caller at a time however many requests need one, a failed
//! fetch shared with every caller that waited for it, refreshed before expiry, renewed after a
//! 401.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use http::HeaderValue;
use signing_core::{Error, Result};

/// Refresh this long before a token expires (or after half its lifetime, if shorter), so a
/// request never leaves with a token that expires on the way.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The longest lifetime believed: a server may announce any number of seconds, and adding an
/// absurd one to a clock would overflow.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A lifetime when the token answer gives none.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// An access token as the `Authorization` header it is sent in, and when to stop using it.
pub struct Token {
    authorization: HeaderValue,
    refresh_at: Instant,
}

impl Token {
    /// `Authorization: Bearer <access_token>`, fetched at `fetched_at` and valid for
    /// `expires_in` seconds (an hour when `None`). The header is marked sensitive; a lifetime
    /// too large for the clock is capped at 30 days, never an overflow.
    pub fn bearer(
        access_token: &str,
        expires_in: Option<u64>,
        fetched_at: Instant,
    ) -> Result<Self> {
        let mut authorization =
            HeaderValue::try_from(format!("Bearer {access_token}")).map_err(|_| {
                Error::unexpected_response(
                    "token response: the access token cannot be sent in a header",
                )
            })?;
        authorization.set_sensitive(true);
        let lifetime = expires_in.map_or(DEFAULT_LIFETIME, |secs| {
            Duration::from_secs(secs).min(MAX_LIFETIME)
        });
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        let refresh_at = fetched_at
            .checked_add(lifetime.saturating_sub(margin))
            .unwrap_or(fetched_at);
        Ok(Self {
            authorization,
            refresh_at,
        })
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &HeaderValue {
        &self.authorization
    }

    /// Whether the token may still be sent.
    pub fn is_fresh(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("authorization", &"[REDACTED]")
            .field("fresh", &self.is_fresh())
            .finish()
    }
}

/// Where tokens come from: an OAuth2 client-credentials request, a JWT grant, ...
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Fetches a new token.
    fn fetch(&self) -> BoxFuture<'_, Result<Token>>;
}

/// A cache of one token from a [`TokenSource`].
///
/// Concurrent callers that find no fresh token wait for one fetch; if it fails, every caller
/// that waited for it gets its error (a fetch that never answers costs one timeout, not one per
/// caller), and the next caller tries again.
pub struct TokenCache {
    source: Box<dyn TokenSource>,
    /// The token in use. Read by every request, so a plain lock held only to clone an `Arc`.
    current: Mutex<Option<Arc<Token>>>,
    /// Held across a fetch.
    fetching: tokio::sync::Mutex<()>,
    /// Fetches finished so far; a caller that saw `n` before waiting shares the failure of any
    /// fetch numbered above `n`, which ran while it waited.
    finished: AtomicU64,
    failed: Mutex<Option<(u64, Error)>>,
    fetches: AtomicUsize,
}

impl TokenCache {
    /// An empty cache over `source`.
    pub fn new(source: impl TokenSource + 'static) -> Self {
        Self {
            source: Box::new(source),
            current: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            finished: AtomicU64::new(0),
            failed: Mutex::new(None),
            fetches: AtomicUsize::new(0),
        }
    }

    /// A fresh token, from the cache or fetched.
    pub async fn token(&self) -> Result<Arc<Token>> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let seen = self.finished.load(Ordering::Acquire);
        let _fetching = self.fetching.lock().await;
        // The caller before this one may have fetched a token, or failed to.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if let Some((number, error)) = &*lock(&self.failed)
            && *number > seen
        {
            return Err(error.clone());
        }
        // Only the holder of `fetching` changes `finished`, so this is the next number.
        let number = self.finished.load(Ordering::Acquire) + 1;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = match self.source.fetch().await {
            Ok(token) => {
                let token = Arc::new(token);
                *lock(&self.current) = Some(Arc::clone(&token));
                *lock(&self.failed) = None;
                Ok(token)
            }
            Err(error) => {
                *lock(&self.failed) = Some((number, error.clone()));
                Err(error)
            }
        };
        self.finished.store(number, Ordering::Release);
        result
    }

    /// Forgets `stale` (the API refused it), unless another caller already replaced it.
    pub fn invalidate(&self, stale: &Arc<Token>) {
        let mut current = lock(&self.current);
        if current
            .as_ref()
            .is_some_and(|token| Arc::ptr_eq(token, stale))
        {
            *current = None;
        }
    }

    /// How many fetches were started.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }

    fn fresh(&self) -> Option<Arc<Token>> {
        lock(&self.current)
            .as_ref()
            .filter(|token| token.is_fresh())
            .map(Arc::clone)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each lock guards one assignment; a panic elsewhere cannot leave it half-written.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.source)
            .field("fetches", &self.fetches())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use futures_util::FutureExt;
    use signing_core::{ErrorKind, TransportKind};

    use super::*;

    #[test]
    fn hostile_lifetimes_never_overflow() {
        let now = Instant::now();
        for secs in [u64::MAX, u64::MAX / 2, 0, 1] {
            let token = Token::bearer("t", Some(secs), now).unwrap();
            assert!(token.refresh_at >= now);
        }
        let long = Token::bearer("t", Some(u64::MAX), now).unwrap();
        assert!(long.refresh_at <= now + MAX_LIFETIME);
        let hour = Token::bearer("t", None, now).unwrap();
        assert_eq!(hour.refresh_at, now + Duration::from_secs(3600 - 60));
        let short = Token::bearer("t", Some(10), now).unwrap();
        assert_eq!(short.refresh_at, now + Duration::from_secs(5));
        assert!(Token::bearer("bad\ntoken", None, now).is_err());
        assert!(format!("{hour:?}").contains("REDACTED"));
    }

    #[derive(Debug, Default)]
    struct Slow {
        calls: AtomicUsize,
        fail: bool,
    }

    impl TokenSource for Slow {
        fn fetch(&self) -> BoxFuture<'_, Result<Token>> {
            async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                if self.fail {
                    Err(Error::transport(
                        TransportKind::Timeout,
                        "auth host timed out",
                    ))
                } else {
                    Token::bearer("t", Some(3600), Instant::now())
                }
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn one_fetch_serves_every_waiter() {
        let cache = TokenCache::new(Slow::default());
        let tokens = futures_util::future::join_all((0..20).map(|_| cache.token())).await;
        assert!(tokens.iter().all(Result::is_ok));
        assert_eq!(cache.fetches(), 1);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_shared_with_its_waiters_and_retried_after() {
        let cache = TokenCache::new(Slow {
            fail: true,
            ..Slow::default()
        });
        let started = Instant::now();
        let results = futures_util::future::join_all((0..5).map(|_| cache.token())).await;
        for result in &results {
            let error = result.as_ref().unwrap_err();
            assert!(matches!(
                error.kind(),
                ErrorKind::Transport {
                    kind: TransportKind::Timeout,
                    ..
                }
            ));
        }
        assert_eq!(cache.fetches(), 1, "one fetch for the five callers");
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
        // A caller arriving after the failure tries again.
        assert!(cache.token().await.is_err());
        assert_eq!(cache.fetches(), 2);
    }

    #[tokio::test]
    async fn invalidating_a_stale_token_fetches_another() {
        let cache = TokenCache::new(Slow::default());
        let first = cache.token().await.unwrap();
        cache.invalidate(&first);
        let second = cache.token().await.unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
        // Invalidating the old one again does not drop the new one.
        cache.invalidate(&first);
        assert!(Arc::ptr_eq(&second, &cache.token().await.unwrap()));
        assert_eq!(cache.fetches(), 2);
    }
}

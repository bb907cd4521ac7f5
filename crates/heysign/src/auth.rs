//! OAuth2 client credentials: one token, cached, refreshed before it expires, fetched by one
//! caller at a time however many requests need it.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use signing_core::{Error, ErrorKind, Result};
use url::Url;

use crate::http::{PROVIDER, read_capped, transport_error};
use crate::model::OAuthError;

/// Refresh this long before the token expires, so a request never leaves with a token that
/// expires on the way.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A bearer token, as the `Authorization` header every call sends, and when to stop using it.
pub(crate) struct Token {
    /// `Bearer <token>`, built once per token rather than once per call, and marked sensitive
    /// so that it is never logged.
    pub(crate) authorization: HeaderValue,
    refresh_at: Instant,
}

impl Token {
    fn is_valid(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    expires_in: Option<u64>,
}

/// Mints and caches access tokens from the authentication host.
pub(crate) struct TokenSource {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    timeout: Duration,
    /// The token in use. Read by every call, so it is a plain lock held only to clone an `Arc`.
    current: Mutex<Option<Arc<Token>>>,
    /// Held across the token request: concurrent callers wait for the one fetch in flight
    /// instead of each minting a token.
    fetching: tokio::sync::Mutex<()>,
    fetches: AtomicUsize,
}

impl TokenSource {
    pub(crate) fn new(
        http: reqwest::Client,
        token_url: Url,
        client_id: String,
        client_secret: SecretString,
        timeout: Duration,
    ) -> Self {
        Self {
            http,
            token_url,
            client_id,
            client_secret,
            timeout,
            current: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            fetches: AtomicUsize::new(0),
        }
    }

    /// A valid token, from the cache or freshly minted.
    pub(crate) async fn token(&self) -> Result<Arc<Token>> {
        if let Some(token) = self.valid() {
            return Ok(token);
        }
        let _fetching = self.fetching.lock().await;
        // The caller that held the lock before this one may have fetched a token already.
        if let Some(token) = self.valid() {
            return Ok(token);
        }
        let token = Arc::new(self.fetch().await?);
        *self.current() = Some(Arc::clone(&token));
        Ok(token)
    }

    /// Forgets `stale` (the API refused it), unless another caller already replaced it.
    pub(crate) fn invalidate(&self, stale: &Arc<Token>) {
        let mut current = self.current();
        if current
            .as_ref()
            .is_some_and(|token| Arc::ptr_eq(token, stale))
        {
            *current = None;
        }
    }

    fn valid(&self) -> Option<Arc<Token>> {
        self.current()
            .as_ref()
            .filter(|token| token.is_valid())
            .map(Arc::clone)
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<Arc<Token>>> {
        // The lock guards one assignment; a panic elsewhere cannot leave it half-written.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many token requests were made.
    pub(crate) fn fetches(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }

    async fn fetch(&self) -> Result<Token> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("grant_type", "client_credentials"),
        ];
        let started = Instant::now();
        let response = self
            .http
            .post(self.token_url.clone())
            .form(&form)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            // A token request changes nothing on the server: any failure is safe to repeat.
            .map_err(|e| transport_error(&e, true, "token request"))?;
        let status = response.status();
        let body = read_capped(response, true, "token request").await?;
        tracing::debug!(status = status.as_u16(), "heysign token request");
        if !status.is_success() {
            let oauth: OAuthError = serde_json::from_slice(&body).unwrap_or_default();
            let message = match (oauth.error, oauth.error_description) {
                (Some(code), Some(description)) => format!("{code}: {description}"),
                (Some(code), None) => code,
                (None, Some(description)) => description,
                (None, None) => format!("token request refused with status {status}"),
            };
            let err = match status.as_u16() {
                // RFC 6749 answers bad client credentials with 400 or 401.
                400 | 401 => Error::new(ErrorKind::Unauthenticated { message }),
                code => Error::from_http_status(code, message, None, None),
            };
            return Err(err.with_status(status.as_u16()).with_provider(PROVIDER));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            Error::unexpected_response(format!("token response: {e}")).with_provider(PROVIDER)
        })?;
        let mut authorization =
            HeaderValue::try_from(format!("Bearer {}", parsed.access_token.expose_secret()))
                .map_err(|_| {
                    Error::unexpected_response(
                        "token response: the access token cannot be sent in a header",
                    )
                    .with_provider(PROVIDER)
                })?;
        authorization.set_sensitive(true);
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        Ok(Token {
            authorization,
            refresh_at: (started + lifetime).checked_sub(margin).unwrap_or(started),
        })
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

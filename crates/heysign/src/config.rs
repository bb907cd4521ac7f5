//! Configuring a HeySign client: hosts, credentials, HTTP client, timeouts, retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use signing_core::webhook::{Clock, WebhookSecret, WebhookTiming, secret_list};
use signing_core::{Error, ReplayGuard, Result, RetryPolicy};
use signing_http::{Auth, BaseUrl, HttpSettings, OAuthErrors, TokenCache};

use crate::auth::ClientCredentials;
use crate::client::{HeySignClient, paths};
use crate::error::{HeySignErrors, PROVIDER};
use crate::provider::{HeySign, MAX_DOCUMENT_SIZE};
use crate::webhook::Webhooks;

/// The production API host.
pub const DEFAULT_API_URL: &str = "https://api.heysign.co";
/// The production authentication host (it differs from the API host).
pub const DEFAULT_AUTH_URL: &str = "https://auth.heysign.co";
/// The environment variable holding the client id.
pub const ENV_CLIENT_ID: &str = "HEYSIGN_CLIENT_ID";
/// The environment variable holding the client secret.
pub const ENV_CLIENT_SECRET: &str = "HEYSIGN_CLIENT_SECRET";
/// The environment variable holding the API host.
pub const ENV_API_URL: &str = "HEYSIGN_API_URL";
/// The environment variable holding the authentication host.
pub const ENV_AUTH_URL: &str = "HEYSIGN_AUTH_URL";
/// The environment variable holding the webhook secret(s).
pub const ENV_WEBHOOK_SECRET: &str = "HEYSIGN_WEBHOOK_SECRET";
/// The environment variable holding the default issuer.
pub const ENV_ISSUER: &str = "HEYSIGN_ISSUER";
/// How long a request may take unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long connecting may take unless configured otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = signing_http::DEFAULT_CONNECT_TIMEOUT;

/// The largest answer read: no HeySign endpoint returns file content.
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Builds a [`HeySign`] provider (and its [`HeySignClient`]).
///
/// ```
/// use heysign::HeySignBuilder;
///
/// let heysign = HeySignBuilder::new()
///     .with_client_credentials("client-id", "client-secret")
///     .with_issuer("Acme AB")
///     .build()?;
/// // Secrets never appear in Debug output.
/// assert!(!format!("{heysign:?}").contains("client-secret"));
/// # Ok::<(), signing_core::Error>(())
/// ```
#[derive(Clone)]
pub struct HeySignBuilder {
    api_url: String,
    auth_url: String,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    webhook_secrets: Vec<WebhookSecret>,
    webhook_timing: WebhookTiming,
    issuer: Option<String>,
    http: HttpSettings,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
    max_document_size: u64,
}

impl Default for HeySignBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl HeySignBuilder {
    /// A builder pointing at the production hosts, with no credentials yet.
    pub fn new() -> Self {
        Self {
            api_url: DEFAULT_API_URL.to_owned(),
            auth_url: DEFAULT_AUTH_URL.to_owned(),
            client_id: None,
            client_secret: None,
            webhook_secrets: Vec::new(),
            webhook_timing: WebhookTiming::new(),
            issuer: None,
            http: HttpSettings::default()
                .timeout(DEFAULT_TIMEOUT)
                .max_response_bytes(MAX_RESPONSE_BYTES),
            replay_guard: None,
            max_document_size: MAX_DOCUMENT_SIZE,
        }
    }

    /// A builder configured from the environment: `HEYSIGN_CLIENT_ID` and
    /// `HEYSIGN_CLIENT_SECRET` (required), and optionally `HEYSIGN_API_URL`, `HEYSIGN_AUTH_URL`,
    /// `HEYSIGN_WEBHOOK_SECRET` (several secrets separated by spaces or commas, for rotation) and
    /// `HEYSIGN_ISSUER`.
    ///
    /// A missing required variable is an
    /// [`InvalidRequest`](signing_core::ErrorKind::InvalidRequest) error whose field is the
    /// variable's name; empty values count as unset.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let required = |name: &'static str| {
            get(name).ok_or_else(|| {
                Error::invalid_request(name, "the environment variable is not set")
                    .with_provider(PROVIDER)
            })
        };
        let mut builder = Self::new()
            .with_client_credentials(required(ENV_CLIENT_ID)?, required(ENV_CLIENT_SECRET)?);
        if let Some(url) = get(ENV_API_URL) {
            builder.api_url = url;
        }
        if let Some(url) = get(ENV_AUTH_URL) {
            builder.auth_url = url;
        }
        if let Some(secrets) = get(ENV_WEBHOOK_SECRET) {
            builder.webhook_secrets = secret_list(&secrets)
                .map(|secret| {
                    WebhookSecret::new(secret).map_err(|why| {
                        Error::invalid_request(ENV_WEBHOOK_SECRET, why.to_string())
                            .with_provider(PROVIDER)
                    })
                })
                .collect::<Result<_>>()?;
        }
        builder.issuer = get(ENV_ISSUER);
        Ok(builder)
    }

    /// The API host, e.g. a local emulator's URL.
    #[must_use]
    pub fn with_api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// The authentication host; the token endpoint is `{auth_url}/oauth/token`.
    #[must_use]
    pub fn with_auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = url.into();
        self
    }

    /// The client id and secret from the HeySign portal.
    #[must_use]
    pub fn with_client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(SecretString::from(client_secret.into()));
        self
    }

    /// A webhook signing secret; call again to accept several during a rotation.
    ///
    /// HeySign hands a secret out once, when a subscription is created:
    /// [`HeySign::subscribe_webhook`](crate::HeySign::subscribe_webhook) creates one and keeps
    /// its secret, with no second provider to build. A secret kept as text (`whsec_...`) is
    /// parsed, and checked, by [`WebhookSecret::new`].
    #[must_use]
    pub fn with_webhook_secret(mut self, secret: WebhookSecret) -> Self {
        self.webhook_secrets.push(secret);
        self
    }

    /// Reads the current time from `clock` when a webhook's `webhook-timestamp` is checked,
    /// instead of the system clock.
    #[must_use]
    pub fn with_webhook_clock(mut self, clock: Clock) -> Self {
        self.webhook_timing = self.webhook_timing.with_clock(clock);
        self
    }

    /// How far a webhook's `webhook-timestamp` may be from now, either way (five minutes, the
    /// Standard Webhooks default, unless set).
    #[must_use]
    pub fn with_webhook_tolerance(mut self, tolerance: Duration) -> Self {
        self.webhook_timing = self.webhook_timing.with_tolerance(tolerance);
        self
    }

    /// The largest file the account may upload, in bytes: HeySign's default is
    /// [`MAX_DOCUMENT_SIZE`] (10 MB), raised per tenant on request. Documents are streamed, so
    /// a larger limit costs no memory. Zero is refused by [`build`](Self::build).
    #[must_use]
    pub fn with_max_document_size(mut self, bytes: u64) -> Self {
        self.max_document_size = bytes;
        self
    }

    /// Who issues agreements when a request names no owner (HeySign requires an issuer).
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sends requests through this client (its own timeouts, proxy and TLS settings apply;
    /// the per-request timeout set here still applies).
    #[must_use]
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http = self.http.client(client);
        self
    }

    /// How long one request may take.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.timeout(timeout);
        self
    }

    /// How long connecting may take (for the client built here).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.connect_timeout(timeout);
        self
    }

    /// How requests that are safe to repeat are retried.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.http = self.http.retry(retry);
        self
    }

    /// Refuses webhooks already received (by `webhook-id`) with
    /// [`WebhookError::Replayed`](signing_core::webhook::WebhookError::Replayed).
    ///
    /// Off by default: a delivery counts as seen as soon as `parse_webhook` returns it, so an
    /// application whose processing can fail after that should rather drop duplicates by event
    /// id in its own store, in the same transaction as their effect.
    #[must_use]
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay_guard = Some(guard);
        self
    }

    /// Checks the configuration and builds the provider. Nothing is sent yet.
    pub fn build(self) -> Result<HeySign> {
        let invalid = |e: Error| e.with_provider(PROVIDER);
        let api = BaseUrl::parse("api_url", &self.api_url)
            .and_then(|base| base.below(&[paths::VERSION]))
            .map_err(invalid)?;
        let token_url = BaseUrl::parse("auth_url", &self.auth_url)
            .and_then(|base| base.url(&["oauth", "token"]))
            .map_err(invalid)?;
        let client_id = self
            .client_id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                invalid(Error::invalid_request(
                    "client_id",
                    "a HeySign client id is required (HEYSIGN_CLIENT_ID)",
                ))
            })?;
        let client_secret = self
            .client_secret
            .filter(|secret| !secret.expose_secret().trim().is_empty())
            .ok_or_else(|| {
                invalid(Error::invalid_request(
                    "client_secret",
                    "a HeySign client secret is required (HEYSIGN_CLIENT_SECRET)",
                ))
            })?;
        if let Some(issuer) = &self.issuer
            && issuer.trim().is_empty()
        {
            return Err(invalid(Error::invalid_request(
                "issuer",
                "must not be empty",
            )));
        }
        if self.max_document_size == 0 {
            return Err(invalid(Error::invalid_request(
                "max_document_size",
                "must be at least one byte",
            )));
        }
        // One client for both hosts: one connection pool.
        let http = self.http.resolved(PROVIDER)?;
        let auth = http.transport(PROVIDER, Auth::None, Arc::new(OAuthErrors))?;
        let tokens = TokenCache::new(ClientCredentials::new(
            auth,
            token_url,
            client_id,
            client_secret,
        ));
        let transport = http.transport(
            PROVIDER,
            Auth::tokens(Arc::new(tokens)),
            Arc::new(HeySignErrors),
        )?;
        Ok(HeySign::new(
            HeySignClient::new(transport, api, self.max_document_size),
            Webhooks::new(self.webhook_secrets, self.webhook_timing, self.replay_guard),
            self.issuer,
        ))
    }
}

impl fmt::Debug for HeySignBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeySignBuilder")
            .field("api_url", &self.api_url)
            .field("auth_url", &self.auth_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "webhook_secrets",
                &format_args!("[{} redacted]", self.webhook_secrets.len()),
            )
            .field("webhook_timing", &self.webhook_timing)
            .field("issuer", &self.issuer)
            .field("max_document_size", &self.max_document_size)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use signing_core::ErrorKind;

    use super::*;

    fn field_of(err: &Error) -> &str {
        match err.kind() {
            ErrorKind::InvalidRequest { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn requires_credentials_and_valid_urls() {
        assert_eq!(
            field_of(&HeySignBuilder::new().build().unwrap_err()),
            "client_id"
        );
        let creds = || HeySignBuilder::new().with_client_credentials("id", "secret");
        assert_eq!(
            field_of(
                &HeySignBuilder::new()
                    .with_client_credentials("id", " ")
                    .build()
                    .unwrap_err()
            ),
            "client_secret"
        );
        assert_eq!(
            field_of(&creds().with_api_url("nope").build().unwrap_err()),
            "api_url"
        );
        assert_eq!(
            field_of(&creds().with_auth_url("ftp://x").build().unwrap_err()),
            "auth_url"
        );
        assert_eq!(
            field_of(&creds().with_issuer("").build().unwrap_err()),
            "issuer"
        );
        creds().build().unwrap();
    }

    #[test]
    fn reads_the_environment() {
        let vars = |name: &str| match name {
            "HEYSIGN_CLIENT_ID" => Some("env-id".to_owned()),
            "HEYSIGN_CLIENT_SECRET" => Some("env-secret".to_owned()),
            "HEYSIGN_API_URL" => Some("http://127.0.0.1:1".to_owned()),
            "HEYSIGN_WEBHOOK_SECRET" => Some(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,whsec_AAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
            ),
            _ => None,
        };
        let builder = HeySignBuilder::from_vars(vars).unwrap();
        assert_eq!(builder.client_id.as_deref(), Some("env-id"));
        assert_eq!(builder.webhook_secrets.len(), 2);
        assert_eq!(builder.api_url, "http://127.0.0.1:1");
        assert_eq!(builder.auth_url, DEFAULT_AUTH_URL);
        let debug = format!("{builder:?}");
        assert!(
            !debug.contains("env-secret") && !debug.contains("MfKQ9r8"),
            "{debug}"
        );
        builder.build().unwrap();

        let err = HeySignBuilder::from_vars(|name| {
            (name == "HEYSIGN_CLIENT_ID").then(|| "id".to_owned())
        })
        .unwrap_err();
        assert_eq!(field_of(&err), "HEYSIGN_CLIENT_SECRET");

        // A secret that is not one is refused by the variable that holds it.
        let err = HeySignBuilder::from_vars(|name| match name {
            "HEYSIGN_WEBHOOK_SECRET" => Some("whsec_ok-but-not-base64!".to_owned()),
            _ => Some("x".to_owned()),
        })
        .unwrap_err();
        assert_eq!(field_of(&err), "HEYSIGN_WEBHOOK_SECRET");
        assert!(!err.to_string().contains("not-base64"), "{err}");
    }

    #[test]
    fn base_urls_follow_the_one_url_rule() {
        let creds = || HeySignBuilder::new().with_client_credentials("id", "secret");
        creds()
            .with_api_url("http://127.0.0.1:9/prefix")
            .build()
            .unwrap();
        // Plain http only to this machine; no credentials in a URL.
        for (field, bad) in [
            ("api_url", "http://api.heysign.co"),
            ("auth_url", "http://auth.heysign.co"),
            ("api_url", "https://user:pass@api.heysign.co"),
            ("auth_url", "https://a:b@auth.heysign.co"),
        ] {
            let builder = if field == "api_url" {
                creds().with_api_url(bad)
            } else {
                creds().with_auth_url(bad)
            };
            let err = builder.build().unwrap_err();
            assert_eq!(field_of(&err), field, "{bad}");
            assert!(!err.to_string().contains("pass"), "{err}");
        }
    }

    #[test]
    fn zero_timeouts_are_refused() {
        let creds = || HeySignBuilder::new().with_client_credentials("id", "secret");
        assert_eq!(
            field_of(&creds().with_timeout(Duration::ZERO).build().unwrap_err()),
            "timeout"
        );
        assert_eq!(
            field_of(
                &creds()
                    .with_connect_timeout(Duration::ZERO)
                    .build()
                    .unwrap_err()
            ),
            "connect_timeout"
        );
    }
}

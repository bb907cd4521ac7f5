//! Configuring a HeySign client: hosts, credentials, HTTP client, timeouts, retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use signing_core::webhook::{WebhookSecret, WebhookVerifier};
use signing_core::{Error, ReplayGuard, Result, RetryPolicy};
use url::Url;

use crate::auth::TokenSource;
use crate::client::HeySignClient;
use crate::http::Transport;
use crate::provider::HeySign;

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
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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
    webhook_secrets: Vec<String>,
    issuer: Option<String>,
    http: Option<reqwest::Client>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
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
            issuer: None,
            http: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            replay_guard: None,
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
                    .with_provider(crate::http::PROVIDER)
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
            builder.webhook_secrets = secrets
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
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

    /// A webhook signing secret (`whsec_...`); call again to accept several during a rotation.
    #[must_use]
    pub fn with_webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secrets.push(secret.into());
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
        self.http = Some(client);
        self
    }

    /// How long one request may take.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long connecting may take (for the client built here).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How requests that are safe to repeat are retried.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
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
        let api_url = parse_base_url("api_url", &self.api_url)?;
        let auth_url = parse_base_url("auth_url", &self.auth_url)?;
        let client_id = self
            .client_id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                Error::invalid_request(
                    "client_id",
                    "a HeySign client id is required (HEYSIGN_CLIENT_ID)",
                )
            })?;
        let client_secret = self
            .client_secret
            .filter(|secret| !secret.expose_secret().trim().is_empty())
            .ok_or_else(|| {
                Error::invalid_request(
                    "client_secret",
                    "a HeySign client secret is required (HEYSIGN_CLIENT_SECRET)",
                )
            })?;
        let secrets = self
            .webhook_secrets
            .iter()
            .map(|secret| {
                WebhookSecret::new(secret)
                    .map_err(|why| Error::invalid_request("webhook_secret", why.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let verifier = if secrets.is_empty() {
            None
        } else {
            Some(WebhookVerifier::with_secrets(secrets).map_err(Error::from)?)
        };
        if let Some(issuer) = &self.issuer
            && issuer.trim().is_empty()
        {
            return Err(Error::invalid_request("issuer", "must not be empty"));
        }
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                // The API never answers with a redirect; following one could carry the bearer
                // token or a document somewhere else.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::invalid_request("http_client", format!("cannot build: {e}")))?,
        };
        let token_url = auth_url
            .join("oauth/token")
            .map_err(|e| Error::invalid_request("auth_url", e.to_string()))?;
        let auth = TokenSource::new(
            http.clone(),
            token_url,
            client_id,
            client_secret,
            self.timeout,
        );
        let transport = Transport::new(http, api_url, auth, self.retry, self.timeout);
        Ok(HeySign::new(
            HeySignClient::new(Arc::new(transport)),
            verifier,
            self.issuer,
            self.replay_guard,
        ))
    }
}

fn parse_base_url(field: &str, raw: &str) -> Result<Url> {
    let mut url = Url::parse(raw)
        .map_err(|e| Error::invalid_request(field, format!("`{raw}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(Error::invalid_request(
            field,
            format!("`{raw}` is not an http(s) URL"),
        ));
    }
    // `join` treats the last segment as a file unless the path ends with a slash.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
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
            .field("issuer", &self.issuer)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
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
            field_of(
                &creds()
                    .with_webhook_secret("whsec_***")
                    .build()
                    .unwrap_err()
            ),
            "webhook_secret"
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
    }

    #[test]
    fn base_urls_keep_their_path() {
        let url = parse_base_url("api_url", "http://127.0.0.1:9/prefix").unwrap();
        assert_eq!(
            url.join("v1/agreements").unwrap().path(),
            "/prefix/v1/agreements"
        );
    }
}

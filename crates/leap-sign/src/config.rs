//! Configuring the adapter: credentials, endpoints, the callback, HTTP and retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::AUTHORIZATION;
use signing_core::net::UrlRules;
use signing_core::webhook::{Clock, WebhookTiming, secret_list};
use signing_core::{
    Document, Error, ExposeSecret, NewEnvelope, Party, ReplayGuard, Result, RetryPolicy,
    SecretString, Signer,
};
use signing_http::{Auth, BaseUrl, HttpSettings};

use crate::client::LeapSignClient;
use crate::error::{LeapErrors, PROVIDER};
use crate::provider::LeapSign;
use crate::webhook::{CallbackBindings, CallbackConfig, InMemoryCallbackBindings};

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.leap.documill.com";
/// The environment variable holding the External API Key (required by
/// [`LeapSignBuilder::from_env`]).
pub const ENV_API_KEY: &str = "LEAP_SIGN_API_KEY";
/// The environment variable overriding the base URL.
pub const ENV_BASE_URL: &str = "LEAP_SIGN_BASE_URL";
/// The environment variable holding the callback base URL (set together with
/// [`ENV_CALLBACK_SECRET`]).
pub const ENV_CALLBACK_BASE_URL: &str = "LEAP_SIGN_CALLBACK_BASE_URL";
/// The environment variable holding the callback secret.
pub const ENV_CALLBACK_SECRET: &str = "LEAP_SIGN_CALLBACK_SECRET";

/// The shortest callback secret accepted, in bytes: tokens must not be guessable.
pub const MIN_CALLBACK_SECRET_LEN: usize = 16;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer read; LEAP's answers are small JSON documents.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Configures a [`LeapSign`] adapter; [`build`](Self::build) checks everything.
///
/// ```
/// use std::time::Duration;
/// use leap_sign::LeapSignBuilder;
/// use signing_core::Party;
///
/// let leap = LeapSignBuilder::new()
///     .with_api_key("my-external-api-key")
///     .with_callback("https://app.example.com/leap/callbacks", "a long random callback secret")
///     .with_default_owner(Party::new("Olga Owner", "olga@example.com"))
///     .with_timeout(Duration::from_secs(20))
///     .build()?;
/// assert!(!format!("{leap:?}").contains("my-external-api-key"));
/// # Ok::<(), signing_core::Error>(())
/// ```
///
/// `Debug` never shows the API key or the callback secret.
pub struct LeapSignBuilder {
    api_key: Option<SecretString>,
    base_url: String,
    callback: Option<(String, SecretString)>,
    previous_callback_secrets: Vec<SecretString>,
    callback_lifetime: Option<Duration>,
    callback_bindings: Option<Arc<dyn CallbackBindings>>,
    allow_insecure_loopback_callback: bool,
    default_owner: Option<Party>,
    http: HttpSettings,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
    webhook_timing: WebhookTiming,
}

impl LeapSign {
    /// Configures an adapter.
    pub fn builder() -> LeapSignBuilder {
        LeapSignBuilder::new()
    }
}

impl Default for LeapSignBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LeapSignBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeapSignBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field(
                "callback",
                &self
                    .callback
                    .as_ref()
                    .map(|(base, _)| (base.as_str(), "[REDACTED]")),
            )
            .field(
                "previous_callback_secrets",
                &format_args!("[{} redacted]", self.previous_callback_secrets.len()),
            )
            .field("callback_lifetime", &self.callback_lifetime)
            .field("callback_bindings", &self.callback_bindings)
            .field("webhook_timing", &self.webhook_timing)
            .field(
                "allow_insecure_loopback_callback",
                &self.allow_insecure_loopback_callback,
            )
            .field("default_owner", &self.default_owner)
            .field("http", &self.http)
            .field("replay_guard", &self.replay_guard.is_some())
            .finish()
    }
}

impl LeapSignBuilder {
    /// A builder for the production API, with no key yet, a 30 s request timeout, a 10 s
    /// connect timeout and the default [`RetryPolicy`].
    pub fn new() -> Self {
        Self {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            callback: None,
            previous_callback_secrets: Vec::new(),
            callback_lifetime: None,
            callback_bindings: None,
            allow_insecure_loopback_callback: false,
            default_owner: None,
            http: HttpSettings::default()
                .timeout(DEFAULT_TIMEOUT)
                .max_response_bytes(MAX_RESPONSE_BYTES),
            replay_guard: None,
            webhook_timing: WebhookTiming::new(),
        }
    }

    /// A builder configured from the environment: [`ENV_API_KEY`] (required),
    /// [`ENV_BASE_URL`] (optional), and [`ENV_CALLBACK_BASE_URL`] with
    /// [`ENV_CALLBACK_SECRET`] (optional, both or neither).
    ///
    /// A missing required variable is an [`InvalidRequest`](signing_core::ErrorKind::InvalidRequest)
    /// error whose field is the variable's name.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables; empty values count as unset.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let missing = |name: &'static str| {
            Error::invalid_request(name, "the environment variable is not set")
                .with_provider(PROVIDER)
        };
        let mut builder =
            Self::new().with_api_key(get(ENV_API_KEY).ok_or_else(|| missing(ENV_API_KEY))?);
        if let Some(base_url) = get(ENV_BASE_URL) {
            builder = builder.with_base_url(base_url);
        }
        match (get(ENV_CALLBACK_BASE_URL), get(ENV_CALLBACK_SECRET)) {
            (Some(base), Some(secrets)) => {
                // Several secrets, for a rotation: the first makes new URLs.
                let mut secrets = secret_list(&secrets);
                if let Some(current) = secrets.next() {
                    builder = builder.with_callback(base, current.to_owned());
                }
                for previous in secrets {
                    builder = builder.with_previous_callback_secret(previous.to_owned());
                }
            }
            (Some(_), None) => return Err(missing(ENV_CALLBACK_SECRET)),
            (None, Some(_)) => return Err(missing(ENV_CALLBACK_BASE_URL)),
            (None, None) => {}
        }
        Ok(builder)
    }

    /// The External API Key, sent raw in `Authorization`.
    #[must_use]
    pub fn with_api_key(mut self, api_key: impl Into<SecretString>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Where the API is (default [`DEFAULT_BASE_URL`]); a local emulator in tests. Must be
    /// `https`, or `http` to a loopback host.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Enables completion callbacks: each envelope sent gets the callback URL
    /// `{base_url}/{nonce}/{token}`, whose token is derived from `secret` (at least
    /// [`MIN_CALLBACK_SECRET_LEN`] bytes), and [`parse_webhook`] verifies it.
    ///
    /// `base_url` is the application's own endpoint and must be `https` (see
    /// [`allow_insecure_loopback_callback`](Self::allow_insecure_loopback_callback)).
    ///
    /// [`parse_webhook`]: signing_core::SigningProvider::parse_webhook
    #[must_use]
    pub fn with_callback(
        mut self,
        base_url: impl Into<String>,
        secret: impl Into<SecretString>,
    ) -> Self {
        self.callback = Some((base_url.into(), secret.into()));
        self
    }

    /// A callback secret of an earlier configuration, still accepted for the URLs it issued
    /// (at least [`MIN_CALLBACK_SECRET_LEN`] bytes). New URLs are made with the secret given to
    /// [`with_callback`](Self::with_callback). Call again for more.
    #[must_use]
    pub fn with_previous_callback_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.previous_callback_secrets.push(secret.into());
        self
    }

    /// How long a callback URL is accepted after its launch (default: as long as the project
    /// lives). A callback arriving later is refused with
    /// [`WebhookError::CallbackExpired`](signing_core::webhook::WebhookError::CallbackExpired).
    #[must_use]
    pub fn with_callback_lifetime(mut self, lifetime: Duration) -> Self {
        self.callback_lifetime = Some(lifetime);
        self
    }

    /// Where each launch's callback nonce is bound to its project (default: an
    /// [`InMemoryCallbackBindings`] of this process). Give every instance of an application the
    /// same store, so a callback reaching any of them is recognised.
    #[must_use]
    pub fn with_callback_bindings(mut self, bindings: Arc<dyn CallbackBindings>) -> Self {
        self.callback_bindings = Some(bindings);
        self
    }

    /// Also accepts an `http` callback base URL on a loopback host, for local tests against an
    /// emulator. Off by default.
    #[must_use]
    pub fn allow_insecure_loopback_callback(mut self, allow: bool) -> Self {
        self.allow_insecure_loopback_callback = allow;
        self
    }

    /// The project owner used when a request names none (LEAP requires one).
    #[must_use]
    pub fn with_default_owner(mut self, owner: Party) -> Self {
        self.default_owner = Some(owner);
        self
    }

    /// Sends requests through the caller's client (its proxy, TLS and pool settings). Its own
    /// connect timeout applies then, not [`with_connect_timeout`](Self::with_connect_timeout);
    /// the request timeout is set on every request.
    #[must_use]
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http = self.http.client(client);
        self
    }

    /// The longest one attempt may take, from connecting to the end of the answer (default
    /// 30 s).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.timeout(timeout);
        self
    }

    /// The longest connecting may take (default 10 s).
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

    /// Refuses a callback already accepted (by event id) with
    /// [`WebhookError::Replayed`](signing_core::webhook::WebhookError::Replayed).
    ///
    /// Off by default: a delivery counts as seen as soon as `parse_webhook` returns it, so an
    /// application whose processing can fail after that would lose a redelivered completion.
    /// Drop duplicates by event id in the application's own store instead, in the same
    /// transaction as their effect (`docs/webhooks.md`).
    #[must_use]
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay_guard = Some(guard);
        self
    }

    /// Reads the current time from `clock`, instead of the system clock, when a callback URL is
    /// issued (its expiry, with [`with_callback_lifetime`](Self::with_callback_lifetime)) and
    /// when a callback's expiry is checked.
    #[must_use]
    pub fn with_webhook_clock(mut self, clock: Clock) -> Self {
        self.webhook_timing = self.webhook_timing.with_clock(clock);
        self
    }

    /// How long past its callback URL's expiry a callback is still accepted, for clocks that
    /// disagree between the instance that issued the URL and the one that receives the
    /// callback. None unless set. LEAP's callbacks carry no time of their own: the expiry
    /// (see [`with_callback_lifetime`](Self::with_callback_lifetime)) is the only one there is.
    #[must_use]
    pub fn with_webhook_tolerance(mut self, tolerance: Duration) -> Self {
        self.webhook_timing = self.webhook_timing.with_tolerance(tolerance);
        self
    }

    /// Checks the configuration and builds the adapter.
    pub fn build(self) -> Result<LeapSign> {
        let Some(api_key) = self.api_key else {
            return Err(invalid(
                "api_key",
                format!("is required (with_api_key, or {ENV_API_KEY} with from_env)"),
            ));
        };
        let auth = Auth::api_key("api_key", AUTHORIZATION, &api_key)
            .map_err(|e| e.with_provider(PROVIDER))?;
        let base_url =
            BaseUrl::parse("base_url", &self.base_url).map_err(|e| e.with_provider(PROVIDER))?;
        let callback = match self.callback {
            Some((base, secret)) => {
                let rules = UrlRules::strict().loopback_http(self.allow_insecure_loopback_callback);
                let base = BaseUrl::parse_with("callback_base_url", &base, rules)
                    .map_err(|e| e.with_provider(PROVIDER))?;
                let mut secrets = vec![secret];
                secrets.extend(self.previous_callback_secrets);
                if secrets
                    .iter()
                    .any(|secret| secret.expose_secret().len() < MIN_CALLBACK_SECRET_LEN)
                {
                    return Err(invalid(
                        "callback_secret",
                        format!("must be at least {MIN_CALLBACK_SECRET_LEN} bytes"),
                    ));
                }
                let bindings = self
                    .callback_bindings
                    .unwrap_or_else(|| Arc::new(InMemoryCallbackBindings::new()));
                Some(CallbackConfig::new(
                    base,
                    secrets,
                    self.callback_lifetime,
                    bindings,
                    self.webhook_timing,
                ))
            }
            None => None,
        };
        if let Some(owner) = &self.default_owner {
            check_owner(owner)?;
        }
        let transport = self.http.transport(PROVIDER, auth, Arc::new(LeapErrors))?;
        let guard = self.replay_guard;
        Ok(LeapSign::new(
            LeapSignClient::new(transport, base_url),
            callback,
            self.default_owner,
            guard,
        ))
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::invalid_request(field, reason).with_provider(PROVIDER)
}

/// Checks a default owner with the same rules as an owner given on a request.
fn check_owner(owner: &Party) -> Result<()> {
    NewEnvelope::builder()
        .document(Document::new("check.pdf", &b"%PDF-"[..]))
        .signer(Signer::new("Check", "check@example.com"))
        .owner(owner.clone())
        .build()
        .map(drop)
        .map_err(|err| match err.kind() {
            signing_core::ErrorKind::InvalidRequest { field, reason } => {
                invalid(&format!("default_{field}"), reason.clone())
            }
            _ => err,
        })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use signing_core::ErrorKind;

    #[track_caller]
    fn field_of(result: Result<impl fmt::Debug>) -> String {
        match result.expect_err("should be refused").kind() {
            ErrorKind::InvalidRequest { field, .. } => field.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn key() -> LeapSignBuilder {
        LeapSignBuilder::new().with_api_key("k-123")
    }

    #[test]
    fn every_setting_is_checked() {
        assert_eq!(field_of(LeapSignBuilder::new().build()), "api_key");
        assert_eq!(
            field_of(LeapSignBuilder::new().with_api_key(" ").build()),
            "api_key"
        );
        assert_eq!(
            field_of(LeapSignBuilder::new().with_api_key("a\nb").build()),
            "api_key"
        );
        for bad in [
            "not a url",
            "ftp://x",
            "http://api.example.com",
            "https://u:p@h.com",
            "https://h.com/?q=1",
        ] {
            assert_eq!(
                field_of(key().with_base_url(bad).build()),
                "base_url",
                "{bad}"
            );
        }
        key().with_base_url("http://127.0.0.1:9").build().unwrap();
        key()
            .with_base_url("https://proxy.example.com/leap/")
            .build()
            .unwrap();

        let secret = "0123456789abcdef";
        assert_eq!(
            field_of(key().with_callback("http://127.0.0.1:1/cb", secret).build()),
            "callback_base_url"
        );
        assert_eq!(
            field_of(
                key()
                    .with_callback("http://10.0.0.1/cb", secret)
                    .allow_insecure_loopback_callback(true)
                    .build()
            ),
            "callback_base_url"
        );
        key()
            .with_callback("http://127.0.0.1:1/cb", secret)
            .allow_insecure_loopback_callback(true)
            .build()
            .unwrap();
        assert_eq!(
            field_of(
                key()
                    .with_callback("https://app.example.com/cb", "short")
                    .build()
            ),
            "callback_secret"
        );
        assert_eq!(
            field_of(
                key()
                    .with_default_owner(Party::new("O", "not-an-email"))
                    .build()
            ),
            "default_owner.email"
        );
        assert_eq!(
            field_of(key().with_timeout(Duration::ZERO).build()),
            "timeout"
        );
        assert_eq!(
            field_of(key().with_connect_timeout(Duration::ZERO).build()),
            "connect_timeout"
        );
    }

    #[test]
    fn base_urls_lose_their_trailing_slash() {
        let leap = key()
            .with_base_url("https://proxy.example.com/leap/")
            .build()
            .unwrap();
        assert_eq!(leap.client().base_url(), "https://proxy.example.com/leap");
        let leap = key().build().unwrap();
        assert_eq!(leap.client().base_url(), DEFAULT_BASE_URL);
    }

    fn lookup(vars: &[(&str, &str)]) -> Result<LeapSignBuilder> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        LeapSignBuilder::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn environment_variables() {
        assert_eq!(field_of(lookup(&[])), ENV_API_KEY);
        assert_eq!(field_of(lookup(&[(ENV_API_KEY, "")])), ENV_API_KEY);
        let leap = lookup(&[(ENV_API_KEY, "k"), (ENV_BASE_URL, "http://localhost:8080")])
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(leap.client().base_url(), "http://localhost:8080");
        assert_eq!(
            field_of(lookup(&[
                (ENV_API_KEY, "k"),
                (ENV_CALLBACK_BASE_URL, "https://a.example.com")
            ])),
            ENV_CALLBACK_SECRET
        );
        assert_eq!(
            field_of(lookup(&[
                (ENV_API_KEY, "k"),
                (ENV_CALLBACK_SECRET, "0123456789abcdef")
            ])),
            ENV_CALLBACK_BASE_URL
        );
        let leap = lookup(&[
            (ENV_API_KEY, "k"),
            (ENV_CALLBACK_BASE_URL, "https://a.example.com/cb"),
            (ENV_CALLBACK_SECRET, "0123456789abcdef"),
        ])
        .unwrap()
        .build()
        .unwrap();
        assert!(format!("{leap:?}").contains("https://a.example.com/cb"));
    }
}

//! Configuring a DocuSign client: environment, integration key, impersonated user, RSA key,
//! account, Connect HMAC keys, HTTP client, timeouts, retries.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use signing_core::webhook::{Clock, WebhookTiming, secret_list};
use signing_core::{Error, ReplayGuard, Result, RetryPolicy};
use signing_http::{Auth, BaseUrl, HttpSettings, TokenCache};

use crate::auth::{JwtGrant, PrivateKey, SCOPE};
use crate::client::{DocuSignClient, paths};
use crate::error::{AuthErrors, DocuSignErrors, PROVIDER};
use crate::provider::DocuSign;
use crate::webhook::ConnectWebhooks;
use crate::wire::AccountId;

/// The environment variable holding the integration key (client id).
pub const ENV_INTEGRATION_KEY: &str = "DOCUSIGN_INTEGRATION_KEY";
/// The environment variable holding the impersonated user's id.
pub const ENV_USER_ID: &str = "DOCUSIGN_USER_ID";
/// The environment variable holding the account id (the user's default account when unset).
pub const ENV_ACCOUNT_ID: &str = "DOCUSIGN_ACCOUNT_ID";
/// The environment variable holding the path of the RSA private key's PEM file.
pub const ENV_PRIVATE_KEY_FILE: &str = "DOCUSIGN_PRIVATE_KEY_FILE";
/// The environment variable holding the RSA private key itself, as PEM text (line breaks may be
/// written `\n`); used when no key file is named.
pub const ENV_PRIVATE_KEY: &str = "DOCUSIGN_PRIVATE_KEY";
/// The environment variable choosing the environment: `demo` or `production`.
pub const ENV_ENVIRONMENT: &str = "DOCUSIGN_ENVIRONMENT";
/// The environment variable pointing the auth host elsewhere (a local emulator).
pub const ENV_AUTH_URL: &str = "DOCUSIGN_AUTH_URL";
/// The environment variable holding the Connect HMAC keys, separated by spaces or commas.
pub const ENV_HMAC_KEYS: &str = "DOCUSIGN_HMAC_KEYS";
/// The environment variable holding a redirect URI registered for the integration key, put in
/// the consent URL.
pub const ENV_REDIRECT_URI: &str = "DOCUSIGN_REDIRECT_URI";
/// How long a request may take unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest JSON answer read.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Which DocuSign: the developer sandbox or production. Each has its own auth host, its own
/// integration keys, users and accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// The developer sandbox, `account-d.docusign.com` (the default).
    #[default]
    Demo,
    /// Production, `account.docusign.com`.
    Production,
}

impl Environment {
    /// The environment's auth host.
    pub fn auth_url(self) -> &'static str {
        match self {
            Self::Demo => "https://account-d.docusign.com",
            Self::Production => "https://account.docusign.com",
        }
    }

    /// `demo` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Production => "production",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = Error;

    /// `demo` or `production`, in any case.
    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "demo" => Ok(Self::Demo),
            "production" => Ok(Self::Production),
            other => Err(Error::invalid_request(
                "environment",
                format!("`{other}` is neither `demo` nor `production`"),
            )
            .with_provider(PROVIDER)),
        }
    }
}

/// Where the RSA private key comes from.
#[derive(Clone)]
enum KeySource {
    Pem(Arc<SecretString>),
    File(PathBuf),
}

/// Builds a [`DocuSign`] provider (and its [`DocuSignClient`]).
///
/// ```
/// use docusign::{DocuSignBuilder, Environment};
/// # use signing_testkit::emulator::docusign::DocuSignEmulator;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> signing_core::Result<()> {
/// # let emulator = DocuSignEmulator::start().await;
/// # let pem = emulator.private_key_pem();
/// let docusign = DocuSignBuilder::new()
///     .with_environment(Environment::Demo)
///     .with_integration_key("5c2b8d7a-4e1f-4a9b-9c3d-2f6e8a1b7c40")
///     .with_user_id("9a4f6c21-3b8e-4d7f-a1c5-6e2d9b0f8a13")
///     .with_private_key_pem(pem)
///     .with_hmac_key("connect-key")
///     .build()?;
/// // Neither key appears in Debug output.
/// let shown = format!("{docusign:?}");
/// assert!(!shown.contains("PRIVATE KEY") && !shown.contains("connect-key"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DocuSignBuilder {
    environment: Environment,
    auth_url: Option<String>,
    integration_key: Option<String>,
    user_id: Option<String>,
    account_id: Option<String>,
    private_key: Option<KeySource>,
    hmac_keys: Vec<SecretString>,
    redirect_uri: Option<String>,
    http: HttpSettings,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
    webhook_timing: WebhookTiming,
}

impl Default for DocuSignBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DocuSignBuilder {
    /// A builder for the demo environment, with no credentials yet.
    pub fn new() -> Self {
        Self {
            environment: Environment::Demo,
            auth_url: None,
            integration_key: None,
            user_id: None,
            account_id: None,
            private_key: None,
            hmac_keys: Vec::new(),
            redirect_uri: None,
            http: HttpSettings::default()
                .timeout(DEFAULT_TIMEOUT)
                .max_response_bytes(MAX_RESPONSE_BYTES),
            replay_guard: None,
            webhook_timing: WebhookTiming::new(),
        }
    }

    /// A builder configured from the environment: `DOCUSIGN_INTEGRATION_KEY`,
    /// `DOCUSIGN_USER_ID` and the key (`DOCUSIGN_PRIVATE_KEY_FILE`, else `DOCUSIGN_PRIVATE_KEY`)
    /// are required; `DOCUSIGN_ACCOUNT_ID`, `DOCUSIGN_ENVIRONMENT` (`demo` by default),
    /// `DOCUSIGN_AUTH_URL`, `DOCUSIGN_HMAC_KEYS` (several separated by spaces or commas, for
    /// rotation) and `DOCUSIGN_REDIRECT_URI` are optional.
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
            .with_integration_key(required(ENV_INTEGRATION_KEY)?)
            .with_user_id(required(ENV_USER_ID)?);
        builder = match (get(ENV_PRIVATE_KEY_FILE), get(ENV_PRIVATE_KEY)) {
            (Some(path), _) => builder.with_private_key_file(path),
            (None, Some(pem)) => builder.with_private_key_pem(pem),
            (None, None) => {
                return Err(Error::invalid_request(
                    ENV_PRIVATE_KEY_FILE,
                    "the environment variable is not set (nor DOCUSIGN_PRIVATE_KEY)",
                )
                .with_provider(PROVIDER));
            }
        };
        if let Some(account) = get(ENV_ACCOUNT_ID) {
            builder = builder.with_account_id(account);
        }
        if let Some(environment) = get(ENV_ENVIRONMENT) {
            builder = builder.with_environment(environment.parse()?);
        }
        if let Some(url) = get(ENV_AUTH_URL) {
            builder = builder.with_auth_url(url);
        }
        if let Some(keys) = get(ENV_HMAC_KEYS) {
            builder = builder.with_hmac_keys(secret_list(&keys).map(str::to_owned));
        }
        if let Some(uri) = get(ENV_REDIRECT_URI) {
            builder = builder.with_redirect_uri(uri);
        }
        Ok(builder)
    }

    /// Demo (the default) or production: chooses the auth host.
    #[must_use]
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Points the auth host elsewhere (a local emulator); the account's API host is still
    /// learnt from its `/oauth/userinfo`. The assertion's audience is this URL's host (and
    /// port, when not the default).
    #[must_use]
    pub fn with_auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// The integration key (the app's client id): the assertion's `iss`.
    #[must_use]
    pub fn with_integration_key(mut self, key: impl Into<String>) -> Self {
        self.integration_key = Some(key.into());
        self
    }

    /// The id (a GUID) of the user the integration acts as: the assertion's `sub`. That user
    /// must have granted the integration key consent once (see
    /// [`ConsentRequired`](crate::ConsentRequired)).
    #[must_use]
    pub fn with_user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(id.into());
        self
    }

    /// The account to work in; the user's default account unless set.
    #[must_use]
    pub fn with_account_id(mut self, id: impl Into<String>) -> Self {
        self.account_id = Some(id.into());
        self
    }

    /// The integration key's RSA private key, as PEM text (PKCS#1 or PKCS#8); a PEM written on
    /// one line with `\n` for its line breaks is accepted too.
    #[must_use]
    pub fn with_private_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.private_key = Some(KeySource::Pem(Arc::new(SecretString::from(pem.into()))));
        self
    }

    /// The integration key's RSA private key, read from a PEM file when the provider is built.
    #[must_use]
    pub fn with_private_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.private_key = Some(KeySource::File(path.into()));
        self
    }

    /// A Connect HMAC key of the account (as DocuSign shows it; it is not decoded); call again,
    /// or use [`with_hmac_keys`](Self::with_hmac_keys), to accept several during a rotation.
    #[must_use]
    pub fn with_hmac_key(mut self, key: impl Into<String>) -> Self {
        self.hmac_keys.push(SecretString::from(key.into()));
        self
    }

    /// Several Connect HMAC keys at once.
    #[must_use]
    pub fn with_hmac_keys<K: Into<String>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.hmac_keys
            .extend(keys.into_iter().map(|key| SecretString::from(key.into())));
        self
    }

    /// A redirect URI registered for the integration key: the consent URL of a
    /// [`ConsentRequired`](crate::ConsentRequired) error then names it, ready to open.
    #[must_use]
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Sends requests through this client (its own proxy, TLS and pool settings apply; the
    /// per-request timeout set here still applies).
    #[must_use]
    pub fn with_http_client(mut self, client: signing_http::reqwest::Client) -> Self {
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

    /// How requests that are safe to repeat are retried (rate-limit answers wait for
    /// `X-RateLimit-Reset` within the policy's time budget).
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.http = self.http.retry(retry);
        self
    }

    /// Refuses Connect messages already received (by event id) with
    /// [`WebhookError::Replayed`](signing_core::webhook::WebhookError::Replayed). Connect signs
    /// no timestamp, so this is the only defence against a replayed message.
    ///
    /// Off by default: a message counts as seen as soon as `parse_webhook` returns it, so an
    /// application whose processing can fail after that should rather drop duplicates by event
    /// id in its own store, in the same transaction as their effect.
    #[must_use]
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay_guard = Some(guard);
        self
    }

    /// Reads the current time from `clock` when a Connect message's age is checked (see
    /// [`with_webhook_tolerance`](Self::with_webhook_tolerance)), instead of the system clock.
    #[must_use]
    pub fn with_webhook_clock(mut self, clock: Clock) -> Self {
        self.webhook_timing = self.webhook_timing.with_clock(clock);
        self
    }

    /// Refuses a Connect message whose `generatedDateTime` is further than `tolerance` from
    /// now, either way (covered by the HMAC, so it cannot be moved), and one without that time.
    ///
    /// Off unless set: a Connect message carries no time of its delivery attempt, and DocuSign
    /// keeps `generatedDateTime` in its retries, which can come hours later; a tolerance refuses
    /// those retries too. Deduplicating by event id is the usual defence against replays.
    #[must_use]
    pub fn with_webhook_tolerance(mut self, tolerance: Duration) -> Self {
        self.webhook_timing = self.webhook_timing.with_tolerance(tolerance);
        self
    }

    /// Checks the configuration (the key included: it must sign) and builds the provider.
    /// Nothing is sent yet.
    pub fn build(self) -> Result<DocuSign> {
        let invalid = |e: Error| e.with_provider(PROVIDER);
        let required = |value: Option<String>, field: &str, variable: &str| {
            value
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    invalid(Error::invalid_request(
                        field,
                        format!("is required ({variable})"),
                    ))
                })
        };
        let integration_key =
            required(self.integration_key, "integration_key", ENV_INTEGRATION_KEY)?;
        let user_id = required(self.user_id, "user_id", ENV_USER_ID)?;
        let account_id = match self.account_id {
            Some(id) if id.trim().is_empty() => {
                return Err(invalid(Error::invalid_request(
                    "account_id",
                    "must not be empty",
                )));
            }
            id => id.map(|id| AccountId::new(id.trim())),
        };
        let key = match &self.private_key {
            None => {
                return Err(invalid(Error::invalid_request(
                    "private_key",
                    format!("is required ({ENV_PRIVATE_KEY_FILE} or {ENV_PRIVATE_KEY})"),
                )));
            }
            Some(KeySource::Pem(pem)) => {
                let pem = pem.expose_secret();
                if pem.contains('\n') {
                    PrivateKey::from_pem(pem.as_bytes())
                } else {
                    // A PEM kept on one line, as environment variables and some secret stores
                    // want it, with `\n` for each line break (a PEM holds no backslash).
                    PrivateKey::from_pem(pem.replace("\\n", "\n").as_bytes())
                }
            }
            Some(KeySource::File(path)) => {
                let pem = std::fs::read(path).map_err(|e| {
                    invalid(Error::invalid_request(
                        "private_key_file",
                        format!("cannot read {}: {e}", path.display()),
                    ))
                })?;
                PrivateKey::from_pem(&pem)
            }
        }
        .map_err(invalid)?;
        if self
            .hmac_keys
            .iter()
            .any(|key| key.expose_secret().trim().is_empty())
        {
            return Err(invalid(Error::invalid_request(
                "hmac_keys",
                "an HMAC key must not be empty",
            )));
        }
        let auth_url = self
            .auth_url
            .unwrap_or_else(|| self.environment.auth_url().to_owned());
        let auth = BaseUrl::parse("auth_url", &auth_url).map_err(invalid)?;
        let token_url = auth.url(&[paths::OAUTH, paths::TOKEN]).map_err(invalid)?;
        let userinfo_url = auth
            .url(&[paths::OAUTH, paths::USERINFO])
            .map_err(invalid)?;
        let consent_url =
            consent_url(&auth, &integration_key, self.redirect_uri.as_deref()).map_err(invalid)?;
        // One client for both hosts: one connection pool.
        let http = self.http.resolved(PROVIDER)?;
        let auth_transport =
            http.transport(PROVIDER, Auth::None, Arc::new(AuthErrors::new(consent_url)))?;
        let account = Arc::new(OnceLock::new());
        let tokens = Arc::new(TokenCache::new(JwtGrant {
            transport: auth_transport,
            token_url,
            userinfo_url,
            integration_key,
            user_id,
            audience: auth.authority(),
            key,
            account_id,
            account: Arc::clone(&account),
        }));
        let transport = http.transport(
            PROVIDER,
            Auth::tokens(Arc::clone(&tokens)),
            Arc::new(DocuSignErrors),
        )?;
        Ok(DocuSign::new(
            DocuSignClient::new(transport, tokens, account),
            ConnectWebhooks::new(self.hmac_keys, self.webhook_timing, self.replay_guard),
        ))
    }
}

/// The page where a user grants the integration key consent:
/// `{auth}/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=...`, with
/// `redirect_uri` when one is known.
fn consent_url(
    auth: &BaseUrl,
    integration_key: &str,
    redirect_uri: Option<&str>,
) -> Result<url::Url> {
    let mut url = auth.url(&[paths::OAUTH, paths::AUTH])?;
    if let Some(uri) = redirect_uri {
        url::Url::parse(uri).map_err(|e| {
            Error::invalid_request(
                "redirect_uri",
                format!("`{uri}` is not an absolute URL: {e}"),
            )
        })?;
    }
    // `%20` rather than `+` between the scopes, as DocuSign writes the link.
    let mut query = format!(
        "response_type=code&scope={}&client_id={}",
        encode(SCOPE),
        encode(integration_key)
    );
    if let Some(uri) = redirect_uri {
        query.push_str("&redirect_uri=");
        query.push_str(&encode(uri));
    }
    url.set_query(Some(&query));
    Ok(url)
}

/// Percent-encodes a query value, a space as `%20` (a literal `+` is already `%2B`).
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl fmt::Debug for DocuSignBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match &self.private_key {
            None => "none".to_owned(),
            Some(KeySource::Pem(_)) => "[REDACTED PEM]".to_owned(),
            Some(KeySource::File(path)) => format!("file {}", path.display()),
        };
        f.debug_struct("DocuSignBuilder")
            .field("environment", &self.environment)
            .field("auth_url", &self.auth_url)
            .field("integration_key", &self.integration_key)
            .field("user_id", &self.user_id)
            .field("account_id", &self.account_id)
            .field("private_key", &key)
            .field(
                "hmac_keys",
                &format_args!("[{} redacted]", self.hmac_keys.len()),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use signing_core::ErrorKind;
    use signing_testkit::emulator::docusign::DocuSignEmulator;

    use super::*;

    fn field_of(err: &Error) -> &str {
        match err.kind() {
            ErrorKind::InvalidRequest { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    fn pem() -> &'static str {
        static PEM: OnceLock<&'static str> = OnceLock::new();
        PEM.get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async { DocuSignEmulator::start().await.private_key_pem() })
        })
    }

    fn complete() -> DocuSignBuilder {
        DocuSignBuilder::new()
            .with_integration_key("ik")
            .with_user_id("user")
            .with_private_key_pem(pem())
    }

    #[test]
    fn requires_credentials_and_a_key_that_signs() {
        assert_eq!(
            field_of(&DocuSignBuilder::new().build().unwrap_err()),
            "integration_key"
        );
        assert_eq!(
            field_of(
                &DocuSignBuilder::new()
                    .with_integration_key("ik")
                    .build()
                    .unwrap_err()
            ),
            "user_id"
        );
        let no_key = DocuSignBuilder::new()
            .with_integration_key("ik")
            .with_user_id(" ");
        assert_eq!(field_of(&no_key.build().unwrap_err()), "user_id");
        let err = complete()
            .with_private_key_pem(
                "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
            )
            .build()
            .unwrap_err();
        assert_eq!(field_of(&err), "private_key");
        assert!(!format!("{err:?}").contains("c2VjcmV0"));
        let err = complete()
            .with_private_key_file("/nonexistent/key.pem")
            .build()
            .unwrap_err();
        assert_eq!(field_of(&err), "private_key_file");
        assert_eq!(
            field_of(&complete().with_account_id("").build().unwrap_err()),
            "account_id"
        );
        assert_eq!(
            field_of(&complete().with_hmac_key(" ").build().unwrap_err()),
            "hmac_keys"
        );
        assert_eq!(
            field_of(
                &complete()
                    .with_auth_url("http://account-d.docusign.com")
                    .build()
                    .unwrap_err()
            ),
            "auth_url"
        );
        assert_eq!(
            field_of(
                &complete()
                    .with_redirect_uri("not a url")
                    .build()
                    .unwrap_err()
            ),
            "redirect_uri"
        );
        assert_eq!(
            field_of(&complete().with_timeout(Duration::ZERO).build().unwrap_err()),
            "timeout"
        );
        complete().build().unwrap();
    }

    #[test]
    fn one_setting_chooses_the_environment() {
        assert_eq!(
            "Production".parse::<Environment>().unwrap(),
            Environment::Production
        );
        assert_eq!(
            "demo".parse::<Environment>().unwrap().auth_url(),
            "https://account-d.docusign.com"
        );
        assert_eq!(
            field_of(&"sandbox".parse::<Environment>().unwrap_err()),
            "environment"
        );
        let auth = BaseUrl::parse("auth_url", Environment::Production.auth_url()).unwrap();
        assert_eq!(auth.authority(), "account.docusign.com");
        let url = consent_url(&auth, "ik+1", Some("https://app.example.com/done")).unwrap();
        assert_eq!(
            url.as_str(),
            "https://account.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=ik%2B1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fdone"
        );
    }

    #[test]
    fn reads_the_environment_without_showing_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key.pem");
        std::fs::write(&key_file, pem()).unwrap();
        let file = key_file.to_string_lossy().into_owned();
        let vars = |name: &str| match name {
            ENV_INTEGRATION_KEY => Some("ik".to_owned()),
            ENV_USER_ID => Some("user".to_owned()),
            ENV_PRIVATE_KEY_FILE => Some(file.clone()),
            ENV_ENVIRONMENT => Some("production".to_owned()),
            ENV_HMAC_KEYS => Some("hmac-one, hmac-two".to_owned()),
            ENV_ACCOUNT_ID => Some("acc".to_owned()),
            _ => None,
        };
        let builder = DocuSignBuilder::from_vars(vars).unwrap();
        assert_eq!(builder.environment, Environment::Production);
        assert_eq!(builder.hmac_keys.len(), 2);
        assert_eq!(builder.account_id.as_deref(), Some("acc"));
        let debug = format!("{builder:?}");
        assert!(!debug.contains("hmac-one"), "{debug}");
        builder.build().unwrap();

        // The key itself, on one line with `\n` escapes.
        let inline = pem().replace('\n', "\\n");
        let builder = DocuSignBuilder::from_vars(|name| match name {
            ENV_INTEGRATION_KEY => Some("ik".to_owned()),
            ENV_USER_ID => Some("user".to_owned()),
            ENV_PRIVATE_KEY => Some(inline.clone()),
            _ => None,
        })
        .unwrap();
        assert!(!format!("{builder:?}").contains("PRIVATE KEY"));
        builder.build().unwrap();

        let err = DocuSignBuilder::from_vars(|name| match name {
            ENV_INTEGRATION_KEY | ENV_USER_ID => Some("x".to_owned()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(field_of(&err), ENV_PRIVATE_KEY_FILE);
        let err = DocuSignBuilder::from_vars(|_| None).unwrap_err();
        assert_eq!(field_of(&err), ENV_INTEGRATION_KEY);
    }
}

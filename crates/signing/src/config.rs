//! Choosing and configuring a provider from data: environment variables, a TOML file or a
//! string map, so an application swaps providers by changing one value.
//!
//! Every source is read by one reader ([`Entries`]), key by key, so an error names the key that
//! is wrong (or, from the environment, the variable) in
//! [`ErrorKind::InvalidRequest::field`](signing_core::ErrorKind::InvalidRequest), where an
//! application can match it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};
use signing_core::{Error, ErrorKind, Result, SecretString, SigningProvider};

/// The environment variable naming the provider (`docusign`, `heysign`, `leap-sign` or
/// `memory`).
pub const ENV_PROVIDER: &str = "SIGNING_PROVIDER";

/// The providers a configuration can name.
const PROVIDERS: &str = "`docusign`, `heysign`, `leap-sign` or `memory`";

/// Which provider to use, and its settings.
///
/// Tagged by `provider`; the other keys are the provider's settings. The same shape comes from
/// TOML, a string map, the environment or any serde format:
///
/// ```
/// use signing::ProviderConfig;
///
/// let config = ProviderConfig::from_toml_str(r#"
///     provider = "heysign"
///     client_id = "my-client"
///     client_secret = "my-secret"
///     issuer = "Acme AB"
/// "#)?;
/// assert_eq!(config.provider_name(), "heysign");
/// // Secrets never appear in Debug output.
/// assert!(!format!("{config:?}").contains("my-secret"));
/// # Ok::<(), signing::Error>(())
/// ```
///
/// Every variant parses whatever features are enabled; [`build`](Self::build) says which feature
/// a provider needs when it is off.
///
/// # Errors name the key
///
/// A missing, unknown or malformed setting is an
/// [`InvalidRequest`](signing_core::ErrorKind::InvalidRequest) whose `field` is the key as
/// written (`client_secret`), or, read by [`from_env`](Self::from_env), the environment variable
/// to set (`HEYSIGN_CLIENT_SECRET`); so are the errors of [`build`](Self::build):
///
/// ```
/// use signing::{ErrorKind, ProviderConfig};
///
/// let err = ProviderConfig::from_toml_str("provider = \"heysign\"\nclient_id = \"id\"").unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "client_secret"));
///
/// let env = |name: &str| (name == "SIGNING_PROVIDER").then(|| "heysign".to_owned());
/// let err = ProviderConfig::from_vars(env).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "HEYSIGN_CLIENT_ID"));
/// ```
///
/// # The in-memory provider and its control handle
///
/// A test reaches the in-memory provider built from configuration through
/// [`build_typed`](Self::build_typed), or hands the configuration the provider it already holds
/// (`ProviderConfig::from(memory.clone())`); see [`BuiltProvider`].
#[derive(Clone)]
#[non_exhaustive]
pub enum ProviderConfig {
    /// DocuSign eSignature REST API v2.1 (feature `docusign`).
    DocuSign(DocuSignConfig),
    /// HeySign API v1 (feature `heysign`).
    HeySign(HeySignConfig),
    /// LEAP Sign (feature `leap-sign`).
    LeapSign(LeapSignConfig),
    /// The in-memory provider (feature `memory`, or `testkit`).
    Memory(MemoryConfig),
}

/// DocuSign settings; the environment variables are those of `DocuSignBuilder::from_env`.
///
/// The key is `private_key` (PEM text) or `private_key_file` (a path), one of the two.
// `Debug` shows no secret: `SecretString` prints `[REDACTED]`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DocuSignConfig {
    /// `DOCUSIGN_INTEGRATION_KEY`: the integration key (client id).
    pub integration_key: String,
    /// `DOCUSIGN_USER_ID`: the id of the user the integration acts as.
    pub user_id: String,
    /// `DOCUSIGN_ACCOUNT_ID`: the account; the user's default one when unset.
    pub account_id: Option<String>,
    /// `DOCUSIGN_PRIVATE_KEY`: the RSA private key as PEM text.
    pub private_key: Option<SecretString>,
    /// `DOCUSIGN_PRIVATE_KEY_FILE`: the path of the RSA private key's PEM file.
    pub private_key_file: Option<String>,
    /// `DOCUSIGN_ENVIRONMENT`: `demo` (the default) or `production`.
    pub environment: Option<String>,
    /// `DOCUSIGN_AUTH_URL`: the auth host, to point it elsewhere (a local emulator).
    pub auth_url: Option<String>,
    /// `DOCUSIGN_HMAC_KEYS`: the Connect HMAC keys, separated by spaces or commas.
    pub hmac_keys: Option<SecretString>,
    /// `DOCUSIGN_REDIRECT_URI`: a redirect URI of the integration key, for the consent URL.
    pub redirect_uri: Option<String>,
    /// Per-request timeout in seconds.
    pub timeout_secs: Option<u64>,
    origin: Origin,
}

/// HeySign settings; the environment variables are those of `HeySignBuilder::from_env`.
// `Debug` shows no secret: `SecretString` prints `[REDACTED]`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HeySignConfig {
    /// `HEYSIGN_CLIENT_ID`.
    pub client_id: String,
    /// `HEYSIGN_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// `HEYSIGN_API_URL`; production by default.
    pub api_url: Option<String>,
    /// `HEYSIGN_AUTH_URL`; production by default.
    pub auth_url: Option<String>,
    /// `HEYSIGN_WEBHOOK_SECRET`: one or more `whsec_` secrets, separated by spaces or commas.
    pub webhook_secret: Option<SecretString>,
    /// `HEYSIGN_ISSUER`: who issues agreements when a request names no owner.
    pub issuer: Option<String>,
    /// Per-request timeout in seconds.
    pub timeout_secs: Option<u64>,
    origin: Origin,
}

/// LEAP Sign settings; the environment variables are those of `LeapSignBuilder::from_env`.
// `Debug` shows no secret: `SecretString` prints `[REDACTED]`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LeapSignConfig {
    /// `LEAP_SIGN_API_KEY`.
    pub api_key: SecretString,
    /// `LEAP_SIGN_BASE_URL`; production by default.
    pub base_url: Option<String>,
    /// `LEAP_SIGN_CALLBACK_BASE_URL`: where completion callbacks are received.
    pub callback_base_url: Option<String>,
    /// `LEAP_SIGN_CALLBACK_SECRET`: the key of the callback tokens.
    pub callback_secret: Option<SecretString>,
    /// Accept an `http` callback base on a loopback host (local testing only).
    pub allow_insecure_loopback_callback: bool,
    /// `LEAP_SIGN_DEFAULT_OWNER`: owner of processes whose request names none: `"Name <email>"`.
    pub default_owner: Option<String>,
    /// Per-request timeout in seconds.
    pub timeout_secs: Option<u64>,
    origin: Origin,
}

/// In-memory provider settings.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct MemoryConfig {
    /// Number envelopes `env-1`, `env-2`, ... instead of random ids.
    pub deterministic_ids: bool,
    /// The provider handed over with `ProviderConfig::from(memory)`: built as itself (a clone
    /// sharing its state), whatever the settings say.
    #[cfg(feature = "memory")]
    provider: Option<crate::memory::MemoryProvider>,
}

/// The configuration keys of `provider` and the environment variables they are read from by
/// [`ProviderConfig::from_env`] (the adapters' own variable names); empty for an unknown name.
///
/// ```
/// let keys = signing::env_keys("heysign");
/// assert!(keys.contains(&("client_id", "HEYSIGN_CLIENT_ID")));
/// ```
pub fn env_keys(provider: &str) -> &'static [(&'static str, &'static str)] {
    match provider {
        "docusign" => &[
            ("integration_key", "DOCUSIGN_INTEGRATION_KEY"),
            ("user_id", "DOCUSIGN_USER_ID"),
            ("account_id", "DOCUSIGN_ACCOUNT_ID"),
            ("private_key", "DOCUSIGN_PRIVATE_KEY"),
            ("private_key_file", "DOCUSIGN_PRIVATE_KEY_FILE"),
            ("environment", "DOCUSIGN_ENVIRONMENT"),
            ("auth_url", "DOCUSIGN_AUTH_URL"),
            ("hmac_keys", "DOCUSIGN_HMAC_KEYS"),
            ("redirect_uri", "DOCUSIGN_REDIRECT_URI"),
        ],
        "heysign" => &[
            ("client_id", "HEYSIGN_CLIENT_ID"),
            ("client_secret", "HEYSIGN_CLIENT_SECRET"),
            ("api_url", "HEYSIGN_API_URL"),
            ("auth_url", "HEYSIGN_AUTH_URL"),
            ("webhook_secret", "HEYSIGN_WEBHOOK_SECRET"),
            ("issuer", "HEYSIGN_ISSUER"),
        ],
        "leap-sign" => &[
            ("api_key", "LEAP_SIGN_API_KEY"),
            ("base_url", "LEAP_SIGN_BASE_URL"),
            ("callback_base_url", "LEAP_SIGN_CALLBACK_BASE_URL"),
            ("callback_secret", "LEAP_SIGN_CALLBACK_SECRET"),
            ("default_owner", "LEAP_SIGN_DEFAULT_OWNER"),
        ],
        _ => &[],
    }
}

/// Where a configuration was read from, so that its errors name what the user wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Origin {
    /// Keys: TOML, a string map, serde.
    #[default]
    Keys,
    /// The environment: errors name the variable of a key.
    Env,
}

impl Origin {
    /// What the user calls `key` of `provider`.
    fn name_of(self, provider: &str, key: &str) -> String {
        match self {
            Self::Env => env_keys(provider)
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(key, |(_, variable)| variable)
                .to_owned(),
            Self::Keys => key.to_owned(),
        }
    }
}

/// One configuration value as a source holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Value {
    Bool(bool),
    Integer(i64),
    Text(String),
    // Tables, arrays, floats, dates: never a valid setting, named in the error.
    Other(serde::de::IgnoredAny),
}

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Self::Bool(_) => "a boolean",
            Self::Integer(_) => "a number",
            Self::Text(_) => "text",
            Self::Other(_) => "a table, a list or another kind of value",
        }
    }
}

/// The settings of one provider, read key by key: each read removes its key, and
/// [`finish`](Self::finish) refuses the keys nobody read.
struct Entries {
    provider: &'static str,
    values: BTreeMap<String, Value>,
    read: Vec<&'static str>,
    origin: Origin,
}

impl Entries {
    fn error(&self, key: &str, reason: impl Into<String>) -> Error {
        Error::invalid_request(self.origin.name_of(self.provider, key), reason)
    }

    fn take(&mut self, key: &'static str) -> Option<Value> {
        self.read.push(key);
        self.values.remove(key)
    }

    fn text(&mut self, key: &'static str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Text(text)) => Ok(Some(text)),
            // An id written as a bare number in TOML is still that id.
            Some(Value::Integer(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.error(
                key,
                format!("`{key}` must be text, not {}", other.describe()),
            )),
        }
    }

    fn required_text(&mut self, key: &'static str) -> Result<String> {
        self.text(key)?.ok_or_else(|| self.missing(key))
    }

    fn secret(&mut self, key: &'static str) -> Result<Option<SecretString>> {
        // The value is never quoted in an error: it is a secret.
        match self.take(key) {
            None => Ok(None),
            Some(Value::Text(text)) => Ok(Some(SecretString::from(text))),
            Some(other) => Err(self.error(
                key,
                format!("`{key}` must be text, not {}", other.describe()),
            )),
        }
    }

    fn required_secret(&mut self, key: &'static str) -> Result<SecretString> {
        self.secret(key)?.ok_or_else(|| self.missing(key))
    }

    fn number(&mut self, key: &'static str) -> Result<Option<u64>> {
        let value = self.take(key);
        let parsed = match &value {
            None => return Ok(None),
            Some(Value::Integer(n)) => u64::try_from(*n).ok(),
            Some(Value::Text(text)) => text.trim().parse().ok(),
            Some(_) => None,
        };
        parsed.map(Some).ok_or_else(|| {
            let shown = match &value {
                Some(Value::Text(text)) => format!("`{text}`"),
                Some(Value::Integer(n)) => format!("`{n}`"),
                Some(other) => other.describe().to_owned(),
                None => String::new(),
            };
            self.error(
                key,
                format!("`{key}` must be a whole number of seconds, not {shown}"),
            )
        })
    }

    fn flag(&mut self, key: &'static str) -> Result<bool> {
        match self.take(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(Value::Text(text)) => match text.trim() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                other => Err(self.error(key, format!("`{other}` is not true or false"))),
            },
            Some(other) => Err(self.error(
                key,
                format!("`{key}` must be true or false, not {}", other.describe()),
            )),
        }
    }

    fn missing(&self, key: &str) -> Error {
        let unset = match self.origin {
            Origin::Env => " and is not set",
            Origin::Keys => "",
        };
        self.error(
            key,
            format!(
                "`{key}` is required by the `{}` provider{unset}",
                self.provider
            ),
        )
    }

    /// Refuses the first key no setting read.
    fn finish(self) -> Result<()> {
        match self.values.keys().next() {
            None => Ok(()),
            Some(unknown) => Err(Error::invalid_request(
                unknown.clone(),
                format!(
                    "`{unknown}` is not a setting of the `{}` provider (its settings: {})",
                    self.provider,
                    self.read.join(", ")
                ),
            )),
        }
    }
}

impl ProviderConfig {
    /// Parses a TOML document (see the type's example). A document that is not TOML at all is
    /// refused with the field `config`.
    pub fn from_toml_str(toml: &str) -> Result<Self> {
        let values: BTreeMap<String, Value> = toml::from_str(toml)
            .map_err(|e| Error::invalid_request("config", e.message().to_owned()))?;
        Self::from_values(values, Origin::Keys)
    }

    /// Reads a TOML file; a file that cannot be read is refused with the field `config`.
    pub fn from_toml_file(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_request("config", format!("cannot read {}: {e}", path.display()))
        })?;
        Self::from_toml_str(&text)
    }

    /// Builds from string keys and values, as a registry or a command line hands them over:
    /// `provider` plus the provider's keys.
    ///
    /// ```
    /// use signing::ProviderConfig;
    ///
    /// let config = ProviderConfig::from_map([
    ///     ("provider", "memory"),
    ///     ("deterministic_ids", "true"),
    /// ])?;
    /// assert_eq!(config.provider_name(), "memory");
    /// # Ok::<(), signing::Error>(())
    /// ```
    pub fn from_map<K, V>(entries: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let values = entries
            .into_iter()
            .map(|(k, v)| (k.into(), Value::Text(v.into())))
            .collect();
        Self::from_values(values, Origin::Keys)
    }

    /// Reads `SIGNING_PROVIDER` and the chosen provider's own environment variables
    /// ([`env_keys`]); empty values count as unset. Errors name the variable to set.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let provider = get(ENV_PROVIDER).ok_or_else(|| {
            Error::invalid_request(ENV_PROVIDER, format!("is not set: choose {PROVIDERS}"))
        })?;
        let mut values = BTreeMap::from([("provider".to_owned(), Value::Text(provider.clone()))]);
        for (key, name) in env_keys(&provider) {
            if let Some(value) = get(name) {
                values.insert((*key).to_owned(), Value::Text(value));
            }
        }
        Self::from_values(values, Origin::Env)
    }

    fn from_values(mut values: BTreeMap<String, Value>, origin: Origin) -> Result<Self> {
        let provider_field = match origin {
            Origin::Env => ENV_PROVIDER,
            Origin::Keys => "provider",
        };
        let provider = match values.remove("provider") {
            Some(Value::Text(name)) => name,
            Some(other) => {
                return Err(Error::invalid_request(
                    provider_field,
                    format!("must be text ({PROVIDERS}), not {}", other.describe()),
                ));
            }
            None => {
                return Err(Error::invalid_request(
                    provider_field,
                    format!("no provider is named: choose {PROVIDERS}"),
                ));
            }
        };
        let provider: &'static str = match provider.trim() {
            "docusign" => "docusign",
            "heysign" => "heysign",
            "leap-sign" => "leap-sign",
            "memory" => "memory",
            other => {
                return Err(Error::invalid_request(
                    provider_field,
                    format!("`{other}` is not a provider: choose {PROVIDERS}"),
                ));
            }
        };
        let mut entries = Entries {
            provider,
            values,
            read: Vec::new(),
            origin,
        };
        let config = match provider {
            "docusign" => Self::DocuSign(DocuSignConfig::read(&mut entries)?),
            "heysign" => Self::HeySign(HeySignConfig::read(&mut entries)?),
            "leap-sign" => Self::LeapSign(LeapSignConfig::read(&mut entries)?),
            _ => Self::Memory(MemoryConfig::read(&mut entries)?),
        };
        entries.finish()?;
        Ok(config)
    }

    /// The provider's name: `docusign`, `heysign`, `leap-sign` or `memory`.
    pub fn provider_name(&self) -> &'static str {
        match self {
            Self::DocuSign(_) => "docusign",
            Self::HeySign(_) => "heysign",
            Self::LeapSign(_) => "leap-sign",
            Self::Memory(_) => "memory",
        }
    }

    /// Builds the provider. A provider whose cargo feature is off is an
    /// [`InvalidRequest`](signing_core::ErrorKind::InvalidRequest) naming the feature.
    pub fn build(&self) -> Result<Arc<dyn SigningProvider>> {
        self.build_typed().map(BuiltProvider::into_dyn)
    }

    /// Builds the provider as its own type, for what only that provider offers: the in-memory
    /// provider's control handle (sign, deliveries, recorded calls, injected failures), an
    /// adapter's typed client. [`BuiltProvider::into_dyn`] then gives the trait object.
    ///
    /// ```
    /// # #[cfg(feature = "memory")] {
    /// use signing::{BuiltProvider, ProviderConfig};
    ///
    /// let built = ProviderConfig::from_toml_str(r#"provider = "memory""#)?.build_typed()?;
    /// let control = built.memory().cloned(); // `Some` for the in-memory provider
    /// let provider = built.into_dyn();       // what the application is given
    /// assert!(control.is_some());
    /// assert_eq!(provider.name(), "memory");
    /// # }
    /// # Ok::<(), signing::Error>(())
    /// ```
    pub fn build_typed(&self) -> Result<BuiltProvider> {
        let built = match self {
            Self::DocuSign(config) => config.build(),
            Self::HeySign(config) => config.build(),
            Self::LeapSign(config) => config.build(),
            Self::Memory(config) => config.build(),
        };
        built.map_err(|err| self.origin_named(err))
    }

    /// An error of the provider's builder, whose field is a key, with the key's environment
    /// variable as its field when the configuration came from the environment.
    fn origin_named(&self, err: Error) -> Error {
        let origin = match self {
            Self::DocuSign(config) => config.origin,
            Self::HeySign(config) => config.origin,
            Self::LeapSign(config) => config.origin,
            Self::Memory(_) => Origin::Keys,
        };
        match err.kind() {
            ErrorKind::InvalidRequest { field, reason } if origin == Origin::Env => {
                let named = origin.name_of(self.provider_name(), field);
                if named == *field {
                    return err;
                }
                let renamed = Error::invalid_request(named, reason.clone());
                match err.provider() {
                    Some(provider) => renamed.with_provider(provider.to_owned()),
                    None => renamed,
                }
            }
            _ => err,
        }
    }
}

impl<'de> Deserialize<'de> for ProviderConfig {
    /// Reads the same keys as [`ProviderConfig::from_map`], from any self-describing format.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = BTreeMap::<String, Value>::deserialize(deserializer)?;
        Self::from_values(values, Origin::Keys).map_err(serde::de::Error::custom)
    }
}

/// A provider built from configuration by [`ProviderConfig::build_typed`], as its own type.
///
/// One variant per provider compiled in (by its cargo feature); match it to reach what only
/// that provider offers, or call [`into_dyn`](Self::into_dyn) for the trait object. A test that
/// configures the in-memory provider keeps its control handle next to the trait object:
///
/// ```
/// # #[cfg(feature = "memory")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> signing::Result<()> {
/// use signing::memory::SignerAction;
/// use signing::{Document, EnvelopeStatus, NewEnvelope, ProviderConfig, Signer};
///
/// let built = ProviderConfig::from_map([("provider", "memory")])?.build_typed()?;
/// let control = built.memory().cloned().expect("the configuration chose memory");
/// let provider = built.into_dyn();
///
/// let request = NewEnvelope::builder()
///     .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
///     .signer(Signer::new("Ada", "ada@example.com"))
///     .build()?;
/// let envelope = provider.send(&request).await?;
/// control.act(&envelope.id, "ada@example.com", SignerAction::Sign)?;
/// assert_eq!(provider.get(&envelope.id).await?.status, EnvelopeStatus::Completed);
/// # Ok(()) }
/// # #[cfg(not(feature = "memory"))]
/// # fn main() {}
/// ```
///
/// The other way round, an application that builds its provider from a [`ProviderConfig`] it
/// is given can be handed one that holds a provider the test already controls:
/// `ProviderConfig::from(memory.clone())` builds that very provider (clones share state).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BuiltProvider {
    /// The DocuSign adapter.
    #[cfg(feature = "docusign")]
    DocuSign(docusign::DocuSign),
    /// The HeySign adapter.
    #[cfg(feature = "heysign")]
    HeySign(heysign::HeySign),
    /// The LEAP Sign adapter.
    #[cfg(feature = "leap-sign")]
    LeapSign(leap_sign::LeapSign),
    /// The in-memory provider: this value is its control handle too.
    #[cfg(feature = "memory")]
    Memory(crate::memory::MemoryProvider),
}

impl BuiltProvider {
    /// The provider as the trait object an application holds.
    pub fn into_dyn(self) -> Arc<dyn SigningProvider> {
        match self {
            #[cfg(feature = "docusign")]
            Self::DocuSign(provider) => Arc::new(provider),
            #[cfg(feature = "heysign")]
            Self::HeySign(provider) => Arc::new(provider),
            #[cfg(feature = "leap-sign")]
            Self::LeapSign(provider) => Arc::new(provider),
            #[cfg(feature = "memory")]
            Self::Memory(provider) => Arc::new(provider),
        }
    }

    /// The in-memory provider, when that is what was built. Clone it to keep a control handle
    /// that shares the provider's state.
    #[cfg(feature = "memory")]
    #[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
    pub fn memory(&self) -> Option<&crate::memory::MemoryProvider> {
        match self {
            Self::Memory(provider) => Some(provider),
            #[allow(unreachable_patterns)] // Only the memory feature may be on.
            _ => None,
        }
    }
}

impl From<BuiltProvider> for Arc<dyn SigningProvider> {
    fn from(built: BuiltProvider) -> Self {
        built.into_dyn()
    }
}

/// A configuration that builds this very in-memory provider (a clone sharing its state), for
/// handing an application that builds its provider from configuration a provider the test
/// controls.
///
/// ```
/// use signing::ProviderConfig;
/// use signing::memory::MemoryProvider;
///
/// let memory = MemoryProvider::new();
/// let config = ProviderConfig::from(memory.clone());
/// let provider = config.build()?; // in the application
/// # let _ = provider;
/// assert!(memory.calls().is_empty());
/// # Ok::<(), signing::Error>(())
/// ```
#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
impl From<crate::memory::MemoryProvider> for ProviderConfig {
    fn from(provider: crate::memory::MemoryProvider) -> Self {
        Self::Memory(MemoryConfig {
            deterministic_ids: false,
            provider: Some(provider),
        })
    }
}

// Always compiled so its wording is tested whichever features the tests run with.
#[cfg_attr(
    all(
        feature = "docusign",
        feature = "heysign",
        feature = "leap-sign",
        feature = "memory"
    ),
    allow(dead_code)
)]
fn feature_off(provider: &str, feature: &str) -> Error {
    Error::invalid_request(
        "provider",
        format!(
            "the `{provider}` provider is not compiled in: enable the `{feature}` feature of the `signing` crate"
        ),
    )
}

/// Reads each sub-configuration the same way, from the same keys, as a whole
/// [`ProviderConfig`] of its provider.
macro_rules! deserialize_settings {
    ($type:ty, $provider:literal) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let values = BTreeMap::<String, Value>::deserialize(deserializer)?;
                let mut entries = Entries {
                    provider: $provider,
                    values,
                    read: Vec::new(),
                    origin: Origin::Keys,
                };
                let settings = Self::read(&mut entries).map_err(serde::de::Error::custom)?;
                entries.finish().map_err(serde::de::Error::custom)?;
                Ok(settings)
            }
        }
    };
}

deserialize_settings!(DocuSignConfig, "docusign");
deserialize_settings!(HeySignConfig, "heysign");
deserialize_settings!(LeapSignConfig, "leap-sign");
deserialize_settings!(MemoryConfig, "memory");

impl DocuSignConfig {
    fn read(entries: &mut Entries) -> Result<Self> {
        Ok(Self {
            integration_key: entries.required_text("integration_key")?,
            user_id: entries.required_text("user_id")?,
            account_id: entries.text("account_id")?,
            private_key: entries.secret("private_key")?,
            private_key_file: entries.text("private_key_file")?,
            environment: entries.text("environment")?,
            auth_url: entries.text("auth_url")?,
            hmac_keys: entries.secret("hmac_keys")?,
            redirect_uri: entries.text("redirect_uri")?,
            timeout_secs: entries.number("timeout_secs")?,
            origin: entries.origin,
        })
    }

    #[cfg(feature = "docusign")]
    fn build(&self) -> Result<BuiltProvider> {
        use signing_core::ExposeSecret;
        use std::time::Duration;

        let mut builder = docusign::DocuSignBuilder::new()
            .with_integration_key(&self.integration_key)
            .with_user_id(&self.user_id);
        builder = match (&self.private_key, &self.private_key_file) {
            (Some(pem), None) => builder.with_private_key_pem(pem.expose_secret()),
            (None, Some(path)) => builder.with_private_key_file(path),
            (Some(_), Some(_)) => {
                return Err(Error::invalid_request(
                    "private_key",
                    "give `private_key` or `private_key_file`, not both",
                ));
            }
            (None, None) => {
                return Err(Error::invalid_request(
                    "private_key_file",
                    "a DocuSign integration needs its RSA private key: set `private_key_file` or `private_key`",
                ));
            }
        };
        if let Some(account) = &self.account_id {
            builder = builder.with_account_id(account);
        }
        if let Some(environment) = &self.environment {
            builder = builder.with_environment(environment.parse()?);
        }
        if let Some(url) = &self.auth_url {
            builder = builder.with_auth_url(url);
        }
        if let Some(keys) = &self.hmac_keys {
            builder =
                builder.with_hmac_keys(signing_core::webhook::secret_list(keys.expose_secret()));
        }
        if let Some(uri) = &self.redirect_uri {
            builder = builder.with_redirect_uri(uri);
        }
        if let Some(secs) = self.timeout_secs {
            builder = builder.with_timeout(Duration::from_secs(secs));
        }
        Ok(BuiltProvider::DocuSign(builder.build()?))
    }

    #[cfg(not(feature = "docusign"))]
    fn build(&self) -> Result<BuiltProvider> {
        Err(feature_off("docusign", "docusign"))
    }
}

impl HeySignConfig {
    fn read(entries: &mut Entries) -> Result<Self> {
        Ok(Self {
            client_id: entries.required_text("client_id")?,
            client_secret: entries.required_secret("client_secret")?,
            api_url: entries.text("api_url")?,
            auth_url: entries.text("auth_url")?,
            webhook_secret: entries.secret("webhook_secret")?,
            issuer: entries.text("issuer")?,
            timeout_secs: entries.number("timeout_secs")?,
            origin: entries.origin,
        })
    }

    #[cfg(feature = "heysign")]
    fn build(&self) -> Result<BuiltProvider> {
        use signing_core::ExposeSecret;
        use signing_core::webhook::WebhookSecret;
        use std::time::Duration;

        let mut builder = heysign::HeySignBuilder::new()
            .with_client_credentials(&self.client_id, self.client_secret.expose_secret());
        if let Some(url) = &self.api_url {
            builder = builder.with_api_url(url);
        }
        if let Some(url) = &self.auth_url {
            builder = builder.with_auth_url(url);
        }
        if let Some(secrets) = &self.webhook_secret {
            for secret in signing_core::webhook::secret_list(secrets.expose_secret()) {
                let secret = WebhookSecret::new(secret)
                    .map_err(|why| Error::invalid_request("webhook_secret", why.to_string()))?;
                builder = builder.with_webhook_secret(secret);
            }
        }
        if let Some(issuer) = &self.issuer {
            builder = builder.with_issuer(issuer);
        }
        if let Some(secs) = self.timeout_secs {
            builder = builder.with_timeout(Duration::from_secs(secs));
        }
        Ok(BuiltProvider::HeySign(builder.build()?))
    }

    #[cfg(not(feature = "heysign"))]
    fn build(&self) -> Result<BuiltProvider> {
        Err(feature_off("heysign", "heysign"))
    }
}

impl LeapSignConfig {
    fn read(entries: &mut Entries) -> Result<Self> {
        Ok(Self {
            api_key: entries.required_secret("api_key")?,
            base_url: entries.text("base_url")?,
            callback_base_url: entries.text("callback_base_url")?,
            callback_secret: entries.secret("callback_secret")?,
            allow_insecure_loopback_callback: entries.flag("allow_insecure_loopback_callback")?,
            default_owner: entries.text("default_owner")?,
            timeout_secs: entries.number("timeout_secs")?,
            origin: entries.origin,
        })
    }

    #[cfg(feature = "leap-sign")]
    fn build(&self) -> Result<BuiltProvider> {
        use signing_core::ExposeSecret;
        use std::time::Duration;

        let mut builder =
            leap_sign::LeapSignBuilder::new().with_api_key(self.api_key.expose_secret());
        if let Some(url) = &self.base_url {
            builder = builder.with_base_url(url);
        }
        match (&self.callback_base_url, &self.callback_secret) {
            (Some(base), Some(secret)) => {
                builder = builder.with_callback(base, secret.expose_secret());
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(Error::invalid_request(
                    "callback_secret",
                    "a callback base URL needs a callback secret",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::invalid_request(
                    "callback_base_url",
                    "a callback secret needs a callback base URL",
                ));
            }
        }
        builder = builder.allow_insecure_loopback_callback(self.allow_insecure_loopback_callback);
        if let Some(owner) = &self.default_owner {
            builder = builder.with_default_owner(parse_party("default_owner", owner)?);
        }
        if let Some(secs) = self.timeout_secs {
            builder = builder.with_timeout(Duration::from_secs(secs));
        }
        Ok(BuiltProvider::LeapSign(builder.build()?))
    }

    #[cfg(not(feature = "leap-sign"))]
    fn build(&self) -> Result<BuiltProvider> {
        Err(feature_off("leap-sign", "leap-sign"))
    }
}

impl MemoryConfig {
    fn read(entries: &mut Entries) -> Result<Self> {
        Ok(Self {
            deterministic_ids: entries.flag("deterministic_ids")?,
            ..Self::default()
        })
    }

    #[cfg(feature = "memory")]
    #[allow(clippy::unnecessary_wraps)] // The same signature as without the feature.
    fn build(&self) -> Result<BuiltProvider> {
        if let Some(provider) = &self.provider {
            return Ok(BuiltProvider::Memory(provider.clone()));
        }
        let mut builder = crate::memory::MemoryProvider::builder();
        if self.deterministic_ids {
            builder = builder.deterministic_ids();
        }
        Ok(BuiltProvider::Memory(builder.build()))
    }

    #[cfg(not(feature = "memory"))]
    fn build(&self) -> Result<BuiltProvider> {
        Err(feature_off("memory", "memory"))
    }
}

/// Parses `"Name <email>"` into a party.
///
/// ```
/// let party = signing::parse_party("owner", "Olga Owner <olga@example.com>")?;
/// assert_eq!(party.email(), "olga@example.com");
/// # Ok::<(), signing::Error>(())
/// ```
pub fn parse_party(field: &str, text: &str) -> Result<signing_core::Party> {
    let (name, email) = parse_name_email(field, text)?;
    Ok(signing_core::Party::new(name, email))
}

/// Splits `"Name <email>"` into its name and e-mail address. The address is checked later, when
/// the request is built.
pub fn parse_name_email(field: &str, text: &str) -> Result<(String, String)> {
    let text = text.trim();
    let parsed = text
        .strip_suffix('>')
        .and_then(|rest| rest.rsplit_once('<'))
        .map(|(name, email)| (name.trim().to_owned(), email.trim().to_owned()))
        .filter(|(name, email)| !name.is_empty() && !email.is_empty());
    parsed.ok_or_else(|| {
        Error::invalid_request(
            field,
            format!("`{text}` is not of the form `Name <email@example.com>`"),
        )
    })
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DocuSign(config) => f
                .debug_struct("DocuSign")
                .field("integration_key", &config.integration_key)
                .field("user_id", &config.user_id)
                .field("account_id", &config.account_id)
                .field(
                    "private_key",
                    &config.private_key.as_ref().map(|_| "[REDACTED]"),
                )
                .field("private_key_file", &config.private_key_file)
                .field("environment", &config.environment)
                .field("auth_url", &config.auth_url)
                .field(
                    "hmac_keys",
                    &config.hmac_keys.as_ref().map(|_| "[REDACTED]"),
                )
                .field("redirect_uri", &config.redirect_uri)
                .field("timeout_secs", &config.timeout_secs)
                .finish(),
            Self::HeySign(config) => f
                .debug_struct("HeySign")
                .field("client_id", &config.client_id)
                .field("client_secret", &"[REDACTED]")
                .field("api_url", &config.api_url)
                .field("auth_url", &config.auth_url)
                .field(
                    "webhook_secret",
                    &config.webhook_secret.as_ref().map(|_| "[REDACTED]"),
                )
                .field("issuer", &config.issuer)
                .field("timeout_secs", &config.timeout_secs)
                .finish(),
            Self::LeapSign(config) => f
                .debug_struct("LeapSign")
                .field("api_key", &"[REDACTED]")
                .field("base_url", &config.base_url)
                .field("callback_base_url", &config.callback_base_url)
                .field(
                    "callback_secret",
                    &config.callback_secret.as_ref().map(|_| "[REDACTED]"),
                )
                .field(
                    "allow_insecure_loopback_callback",
                    &config.allow_insecure_loopback_callback,
                )
                .field("default_owner", &config.default_owner)
                .field("timeout_secs", &config.timeout_secs)
                .finish(),
            Self::Memory(config) => f.debug_tuple("Memory").field(config).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: &Error) -> &str {
        match err.kind() {
            ErrorKind::InvalidRequest { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_disabled_provider_names_its_feature() {
        let err = feature_off("memory", "memory");
        assert_eq!(
            err.to_string(),
            "invalid `provider`: the `memory` provider is not compiled in: enable the `memory` feature of the `signing` crate"
        );
    }

    #[test]
    #[cfg(not(feature = "docusign"))]
    fn docusign_without_its_feature_is_refused() {
        let config = ProviderConfig::from_map([
            ("provider", "docusign"),
            ("integration_key", "ik"),
            ("user_id", "user"),
            ("private_key_file", "key.pem"),
        ])
        .unwrap();
        assert!(
            config
                .build()
                .unwrap_err()
                .to_string()
                .contains("`docusign` feature")
        );
    }

    #[test]
    #[cfg(not(feature = "heysign"))]
    fn heysign_without_its_feature_is_refused() {
        let config = ProviderConfig::from_map([
            ("provider", "heysign"),
            ("client_id", "id"),
            ("client_secret", "secret"),
        ])
        .unwrap();
        assert!(
            config
                .build()
                .unwrap_err()
                .to_string()
                .contains("`heysign` feature")
        );
    }

    #[test]
    fn every_error_names_the_key_or_the_variable() {
        let toml = |text: &str| ProviderConfig::from_toml_str(text).unwrap_err();
        assert_eq!(field(&toml("provider = \"docusign\"")), "integration_key");
        assert_eq!(
            field(&toml("provider = \"heysign\"\nclient_id = \"x\"")),
            "client_secret"
        );
        assert_eq!(field(&toml("provider = \"adobe-sign\"")), "provider");
        assert_eq!(field(&toml("client_id = \"x\"")), "provider");
        assert_eq!(field(&toml("provider = 7")), "provider");
        assert_eq!(
            field(&toml("provider = \"memory\"\ncolour = \"blue\"")),
            "colour"
        );
        assert_eq!(
            field(&toml(
                "provider = \"leap-sign\"\napi_key = \"k\"\ntimeout_secs = true"
            )),
            "timeout_secs"
        );
        assert_eq!(
            field(&toml("provider = \"leap-sign\"\napi_key = [\"k\"]")),
            "api_key"
        );
        assert_eq!(field(&toml("provider = ")), "config");
        let err =
            ProviderConfig::from_map([("provider", "memory"), ("deterministic_ids", "maybe")])
                .unwrap_err();
        assert_eq!(field(&err), "deterministic_ids");
        assert!(err.to_string().contains("maybe"), "{err}");

        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let err = ProviderConfig::from_vars(env(&[("SIGNING_PROVIDER", "heysign")])).unwrap_err();
        assert_eq!(field(&err), "HEYSIGN_CLIENT_ID");
        let err = ProviderConfig::from_vars(env(&[
            ("SIGNING_PROVIDER", "heysign"),
            ("HEYSIGN_CLIENT_ID", "id"),
        ]))
        .unwrap_err();
        assert_eq!(field(&err), "HEYSIGN_CLIENT_SECRET");
        assert!(err.to_string().contains("is not set"), "{err}");
        let err = ProviderConfig::from_vars(env(&[("SIGNING_PROVIDER", "adobe")])).unwrap_err();
        assert_eq!(field(&err), "SIGNING_PROVIDER");
        let err = ProviderConfig::from_vars(env(&[("SIGNING_PROVIDER", " ")])).unwrap_err();
        assert_eq!(field(&err), "SIGNING_PROVIDER");
    }

    #[test]
    fn secrets_stay_out_of_errors() {
        let err = ProviderConfig::from_toml_str(
            "provider = \"heysign\"\nclient_id = \"id\"\nclient_secret = 1234567",
        )
        .unwrap_err();
        assert_eq!(field(&err), "client_secret");
        assert!(!err.to_string().contains("1234567"), "{err}");
    }

    #[test]
    fn serde_reads_the_same_keys() {
        let config: ProviderConfig = serde_json::from_value(serde_json::json!({
            "provider": "leap-sign",
            "api_key": "k",
            "timeout_secs": 5,
            "allow_insecure_loopback_callback": true,
        }))
        .unwrap();
        let ProviderConfig::LeapSign(leap) = config else {
            panic!("{config:?}")
        };
        assert_eq!(leap.timeout_secs, Some(5));
        assert!(leap.allow_insecure_loopback_callback);
        let err = serde_json::from_value::<HeySignConfig>(serde_json::json!({"client_id": "x"}))
            .unwrap_err();
        assert!(err.to_string().contains("client_secret"), "{err}");
        let memory: MemoryConfig =
            serde_json::from_value(serde_json::json!({"deterministic_ids": "yes"})).unwrap();
        assert!(memory.deterministic_ids);
    }
}

//! Choosing and configuring a provider from data: environment variables, a TOML file or a
//! string map, so an application swaps providers by changing one value.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};
use signing_core::{Error, Result, SecretString, SigningProvider};

/// The environment variable naming the provider (`docusign`, `heysign`, `leap-sign` or
/// `memory`).
pub const ENV_PROVIDER: &str = "SIGNING_PROVIDER";

/// Which provider to use, and its settings.
///
/// Tagged by `provider`; the other keys are the provider's settings. The same shape comes from
/// TOML, a string map or the environment:
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
/// # Ok::<(), signing_core::Error>(())
/// ```
///
/// Every variant parses whatever features are enabled; [`build`](Self::build) says which feature
/// a provider needs when it is off.
#[derive(Clone, Deserialize)]
#[serde(tag = "provider", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProviderConfig {
    /// DocuSign eSignature REST API v2.1 (feature `docusign`).
    #[serde(rename = "docusign")]
    DocuSign(DocuSignConfig),
    /// HeySign API v1 (feature `heysign`).
    #[serde(rename = "heysign")]
    HeySign(HeySignConfig),
    /// LEAP Sign (feature `leap-sign`).
    LeapSign(LeapSignConfig),
    /// The in-memory provider (feature `testkit`).
    Memory(MemoryConfig),
}

/// DocuSign settings; the environment variables are those of `DocuSignBuilder::from_env`.
///
/// The key is `private_key` (PEM text) or `private_key_file` (a path), one of the two.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DocuSignConfig {
    /// `DOCUSIGN_INTEGRATION_KEY`: the integration key (client id).
    pub integration_key: String,
    /// `DOCUSIGN_USER_ID`: the id of the user the integration acts as.
    pub user_id: String,
    /// `DOCUSIGN_ACCOUNT_ID`: the account; the user's default one when unset.
    #[serde(default)]
    pub account_id: Option<String>,
    /// `DOCUSIGN_PRIVATE_KEY`: the RSA private key as PEM text.
    #[serde(default)]
    pub private_key: Option<SecretString>,
    /// `DOCUSIGN_PRIVATE_KEY_FILE`: the path of the RSA private key's PEM file.
    #[serde(default)]
    pub private_key_file: Option<String>,
    /// `DOCUSIGN_ENVIRONMENT`: `demo` (the default) or `production`.
    #[serde(default)]
    pub environment: Option<String>,
    /// `DOCUSIGN_AUTH_URL`: the auth host, to point it elsewhere (a local emulator).
    #[serde(default)]
    pub auth_url: Option<String>,
    /// `DOCUSIGN_HMAC_KEYS`: the Connect HMAC keys, separated by spaces or commas.
    #[serde(default)]
    pub hmac_keys: Option<SecretString>,
    /// `DOCUSIGN_REDIRECT_URI`: a redirect URI of the integration key, for the consent URL.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// Per-request timeout in seconds.
    #[serde(default, deserialize_with = "number_or_string")]
    pub timeout_secs: Option<u64>,
}

/// HeySign settings; the environment variables are those of `HeySignBuilder::from_env`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HeySignConfig {
    /// `HEYSIGN_CLIENT_ID`.
    pub client_id: String,
    /// `HEYSIGN_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// `HEYSIGN_API_URL`; production by default.
    #[serde(default)]
    pub api_url: Option<String>,
    /// `HEYSIGN_AUTH_URL`; production by default.
    #[serde(default)]
    pub auth_url: Option<String>,
    /// `HEYSIGN_WEBHOOK_SECRET`: one or more `whsec_` secrets, separated by spaces or commas.
    #[serde(default)]
    pub webhook_secret: Option<SecretString>,
    /// `HEYSIGN_ISSUER`: who issues agreements when a request names no owner.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Per-request timeout in seconds.
    #[serde(default, deserialize_with = "number_or_string")]
    pub timeout_secs: Option<u64>,
}

/// LEAP Sign settings; the environment variables are those of `LeapSignBuilder::from_env`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LeapSignConfig {
    /// `LEAP_SIGN_API_KEY`.
    pub api_key: SecretString,
    /// `LEAP_SIGN_BASE_URL`; production by default.
    #[serde(default)]
    pub base_url: Option<String>,
    /// `LEAP_SIGN_CALLBACK_BASE_URL`: where completion callbacks are received.
    #[serde(default)]
    pub callback_base_url: Option<String>,
    /// `LEAP_SIGN_CALLBACK_SECRET`: the key of the callback tokens.
    #[serde(default)]
    pub callback_secret: Option<SecretString>,
    /// Accept an `http` callback base on a loopback host (local testing only).
    #[serde(default, deserialize_with = "bool_or_string")]
    pub allow_insecure_loopback_callback: bool,
    /// Owner of processes whose request names none: `"Name <email>"`.
    #[serde(default)]
    pub default_owner: Option<String>,
    /// Per-request timeout in seconds.
    #[serde(default, deserialize_with = "number_or_string")]
    pub timeout_secs: Option<u64>,
}

/// In-memory provider settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MemoryConfig {
    /// Number envelopes `env-1`, `env-2`, ... instead of random ids.
    #[serde(default, deserialize_with = "bool_or_string")]
    pub deterministic_ids: bool,
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

impl ProviderConfig {
    /// Parses a TOML document (see the type's example).
    pub fn from_toml_str(toml: &str) -> Result<Self> {
        toml::from_str(toml).map_err(|e| Error::invalid_request("config", e.message().to_owned()))
    }

    /// Reads a TOML file.
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
    /// # Ok::<(), signing_core::Error>(())
    /// ```
    pub fn from_map<K, V>(entries: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .into_iter()
            .map(|(k, v)| (k.into(), serde_json::Value::String(v.into())))
            .collect();
        serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| Error::invalid_request("config", e.to_string()))
    }

    /// Reads `SIGNING_PROVIDER` and the chosen provider's own environment variables.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let provider = var(ENV_PROVIDER).ok_or_else(|| {
            Error::invalid_request(
                ENV_PROVIDER,
                "set it to `docusign`, `heysign`, `leap-sign` or `memory`",
            )
        })?;
        let keys = env_keys(&provider);
        let mut map = BTreeMap::from([("provider".to_owned(), provider.clone())]);
        for (key, name) in keys {
            if let Some(value) = var(name).filter(|v| !v.trim().is_empty()) {
                map.insert((*key).to_owned(), value);
            }
        }
        Self::from_map(map).map_err(|err| match err.kind() {
            signing_core::ErrorKind::InvalidRequest { reason, .. } => {
                let reason = keys.iter().fold(reason.clone(), |reason, (key, name)| {
                    reason.replace(&format!("`{key}`"), &format!("`{key}` ({name})"))
                });
                Error::invalid_request(ENV_PROVIDER, reason)
            }
            _ => err,
        })
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
        match self {
            Self::DocuSign(config) => config.build(),
            Self::HeySign(config) => config.build(),
            Self::LeapSign(config) => config.build(),
            Self::Memory(config) => config.build(),
        }
    }
}

// Always compiled so its wording is tested whichever features the tests run with.
#[cfg_attr(
    all(
        feature = "docusign",
        feature = "heysign",
        feature = "leap-sign",
        feature = "testkit"
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

impl DocuSignConfig {
    #[cfg(feature = "docusign")]
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
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
        Ok(Arc::new(builder.build()?))
    }

    #[cfg(not(feature = "docusign"))]
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
        Err(feature_off("docusign", "docusign"))
    }
}

impl HeySignConfig {
    #[cfg(feature = "heysign")]
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
        use signing_core::ExposeSecret;
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
                builder = builder.with_webhook_secret(secret);
            }
        }
        if let Some(issuer) = &self.issuer {
            builder = builder.with_issuer(issuer);
        }
        if let Some(secs) = self.timeout_secs {
            builder = builder.with_timeout(Duration::from_secs(secs));
        }
        Ok(Arc::new(builder.build()?))
    }

    #[cfg(not(feature = "heysign"))]
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
        Err(feature_off("heysign", "heysign"))
    }
}

impl LeapSignConfig {
    #[cfg(feature = "leap-sign")]
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
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
        Ok(Arc::new(builder.build()?))
    }

    #[cfg(not(feature = "leap-sign"))]
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
        Err(feature_off("leap-sign", "leap-sign"))
    }
}

impl MemoryConfig {
    #[cfg(feature = "testkit")]
    #[allow(clippy::unnecessary_wraps)] // The same signature as without the feature.
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
        let mut builder = signing_testkit::MemoryProvider::builder();
        if self.deterministic_ids {
            builder = builder.deterministic_ids();
        }
        Ok(Arc::new(builder.build()))
    }

    #[cfg(not(feature = "testkit"))]
    fn build(&self) -> Result<Arc<dyn SigningProvider>> {
        Err(feature_off("memory", "testkit"))
    }
}

/// Parses `"Name <email>"` into a party.
///
/// ```
/// let party = signing::parse_party("owner", "Olga Owner <olga@example.com>")?;
/// assert_eq!(party.email(), "olga@example.com");
/// # Ok::<(), signing_core::Error>(())
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

fn number_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a whole number"))),
    }
}

fn bool_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Bool(b) => Ok(b),
        Raw::Text(text) => match text.trim() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "`{other}` is not true or false"
            ))),
        },
    }
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

    #[test]
    fn a_disabled_provider_names_its_feature() {
        let err = feature_off("memory", "testkit");
        assert_eq!(
            err.to_string(),
            "invalid `provider`: the `memory` provider is not compiled in: enable the `testkit` feature of the `signing` crate"
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
}

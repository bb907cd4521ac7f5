//! What authenticates a request: nothing, a fixed header, or a cached token.

use std::fmt;
use std::sync::Arc;

use http::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use signing_core::{Error, Result};

use crate::token::{Token, TokenCache};

/// How requests are authenticated. `Debug` never shows a credential.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No credential.
    #[default]
    None,
    /// The same header on every request (an API key).
    Header(HeaderName, HeaderValue),
    /// `Authorization: Bearer ...` from a [`TokenCache`]; a 401 renews the token and repeats the
    /// request once.
    Tokens(Arc<TokenCache>),
}

impl Auth {
    /// `name: key` on every request. The key must be visible ASCII (errors do not show it); the
    /// header is marked sensitive, so it is never logged.
    pub fn api_key(field: &str, name: HeaderName, key: &SecretString) -> Result<Self> {
        let text = key.expose_secret();
        if text.trim().is_empty() {
            return Err(Error::invalid_request(field, "must not be empty"));
        }
        // Saying which character is wrong would reveal part of the key.
        if !text.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(Error::invalid_request(field, "must be visible ASCII"));
        }
        let mut value = HeaderValue::from_str(text)
            .map_err(|_| Error::invalid_request(field, "must be visible ASCII"))?;
        value.set_sensitive(true);
        Ok(Self::Header(name, value))
    }

    /// Bearer tokens from `cache`.
    pub fn tokens(cache: Arc<TokenCache>) -> Self {
        Self::Tokens(cache)
    }

    /// The token cache, for token-authenticated transports.
    pub fn token_cache(&self) -> Option<&Arc<TokenCache>> {
        match self {
            Self::Tokens(cache) => Some(cache),
            _ => None,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Header(name, _) => write!(f, "Header({name}: [REDACTED])"),
            Self::Tokens(cache) => f.debug_tuple("Tokens").field(cache).finish(),
        }
    }
}

/// The credential one attempt was sent with.
pub(crate) enum Credential<'a> {
    None,
    Header(&'a HeaderName, &'a HeaderValue),
    Token(Arc<Token>),
}

impl Auth {
    pub(crate) async fn credential(&self) -> Result<Credential<'_>> {
        Ok(match self {
            Self::None => Credential::None,
            Self::Header(name, value) => Credential::Header(name, value),
            Self::Tokens(cache) => Credential::Token(cache.token().await?),
        })
    }
}

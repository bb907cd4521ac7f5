//! OAuth2 client credentials against HeySign's separate auth host. Caching, single flight and
//! renewal are the shared layer's [`TokenCache`](signing_http::TokenCache); this is only how
//! one token is asked for.

use std::fmt;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use signing_core::Result;
use signing_http::{Body, Token, TokenSource, Transport, request_token};
use url::Url;

/// Mints tokens with `grant_type=client_credentials`.
pub(crate) struct ClientCredentials {
    /// Unauthenticated, with OAuth's error mapping.
    transport: Transport,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
}

impl ClientCredentials {
    pub(crate) fn new(
        transport: Transport,
        token_url: Url,
        client_id: String,
        client_secret: SecretString,
    ) -> Self {
        Self {
            transport,
            token_url,
            client_id,
            client_secret,
        }
    }
}

impl TokenSource for ClientCredentials {
    fn fetch(&self) -> BoxFuture<'_, Result<Token>> {
        async move {
            let form = Body::form([
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
                ("grant_type", "client_credentials"),
            ]);
            request_token(&self.transport, &self.token_url, form).await
        }
        .boxed()
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

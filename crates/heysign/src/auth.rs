//! OAuth2 client credentials against HeySign's separate auth host. Caching, single flight and
//! renewal are the shared layer's [`TokenCache`](signing_http::TokenCache); this is only how
//! one token is asked for.

use std::fmt;
use std::time::Instant;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use signing_core::Result;
use signing_http::{Body, Repeat, Request, Token, TokenSource, Transport};
use url::Url;

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    expires_in: Option<u64>,
}

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
            // A token request changes nothing: safe to repeat. It is sent once here; the call
            // that needs the token repeats its whole attempt as that call allows.
            let request = Request::new(
                Method::POST,
                "token request",
                self.token_url.clone(),
                Repeat::Safe,
            )
            .unauthenticated()
            .body(form);
            let fetched_at = Instant::now();
            let answer = self.transport.send_once(&request).await?;
            let token: TokenResponse = answer.json()?;
            answer.read(Token::bearer(
                token.access_token.expose_secret(),
                token.expires_in,
                fetched_at,
            ))
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

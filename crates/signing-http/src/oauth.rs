//! One exchange with an OAuth 2.0 token endpoint (RFC 6749, section 5.1): the form in, the
//! bearer token out. How the form is made (client credentials, a JWT assertion) is the
//! provider's; caching, single flight and renewal are [`TokenCache`](crate::TokenCache)'s.

use std::time::Instant;

use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use signing_core::Result;
use url::Url;

use crate::{Body, Repeat, Request, Token, Transport, lenient};

/// A successful token answer: only what RFC 6749 requires of it and its lifetime.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: SecretString,
    /// Optional in RFC 6749; some servers send it as a string.
    #[serde(default, deserialize_with = "lenient::number")]
    expires_in: Option<u64>,
}

/// Posts `form` to `token_url` once through `transport` (which maps the endpoint's error
/// answers, with [`OAuthErrors`](crate::OAuthErrors) for OAuth's error body) and returns the
/// bearer token of the answer, its lifetime counted from when the request left.
///
/// A token request changes nothing, so it is [`Repeat::Safe`]; it is sent once here, and the
/// call that needed the token repeats its whole attempt as that call allows.
pub async fn request_token(transport: &Transport, token_url: &Url, form: Body) -> Result<Token> {
    let request = Request::new(
        Method::POST,
        "token request",
        token_url.clone(),
        Repeat::Safe,
    )
    .unauthenticated()
    .body(form);
    let fetched_at = Instant::now();
    let answer = transport.send_once(&request).await?;
    let token: TokenAnswer = answer.json()?;
    answer.read(Token::bearer(
        token.access_token.expose_secret(),
        token.expires_in,
        fetched_at,
    ))
}

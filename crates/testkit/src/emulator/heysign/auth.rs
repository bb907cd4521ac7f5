//! The auth host (`POST /oauth/token`, client credentials) and the bearer check of the API host.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;
use uuid::Uuid;

use super::answers;
use super::problem::ApiError;
use super::state::Shared;
use crate::emulator::tokens::IssuedTokens;
use crate::emulator::urlencoded;

/// The client credentials the auth host accepts and the tokens it issued.
#[derive(Debug)]
pub(super) struct Tokens {
    client_id: String,
    client_secret: String,
    issued: IssuedTokens,
}

impl Tokens {
    pub(super) fn new(client_id: String, client_secret: String, lifetime: Duration) -> Self {
        Self {
            client_id,
            client_secret,
            issued: IssuedTokens::new(lifetime),
        }
    }

    pub(super) fn client_id(&self) -> &str {
        &self.client_id
    }

    pub(super) fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// Whether `token` was issued and has not expired.
    pub(super) fn is_valid(&self, token: &str) -> bool {
        self.issued.is_valid(token)
    }

    /// Makes every token issued so far invalid.
    pub(super) fn expire_all(&self) {
        self.issued.expire_all();
    }

    fn lifetime(&self) -> Duration {
        self.issued.lifetime()
    }

    fn issue(&self) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let lifetime = i64::try_from(self.lifetime().as_secs()).unwrap_or(i64::MAX);
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let claims = json!({
            "iss": "heysign-emulator",
            "sub": self.client_id,
            "jti": Uuid::new_v4().to_string(),
            "iat": now,
            "exp": now.saturating_add(lifetime),
        });
        self.issued.issue(&header, &claims)
    }
}

/// The router of the auth host.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .fallback(|| async {
            OAuthError {
                status: StatusCode::NOT_FOUND,
                error: "invalid_request",
                description: "the token endpoint is POST /oauth/token".to_owned(),
            }
        })
        .method_not_allowed_fallback(|| async {
            OAuthError {
                status: StatusCode::METHOD_NOT_ALLOWED,
                error: "invalid_request",
                description: "the token endpoint only accepts POST".to_owned(),
            }
        })
        .with_state(shared)
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    match issue_token(&shared.tokens, &headers, &body) {
        Ok(token) => {
            let body = json!({
                "access_token": token,
                "expires_in": shared.tokens.lifetime().as_secs(),
                "token_type": "Bearer",
            });
            let body = shared.mode().render(&answers::TOKEN, body);
            let mut response = axum::Json(body).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => error.into_response(),
    }
}

fn issue_token(tokens: &Tokens, headers: &HeaderMap, body: &[u8]) -> Result<String, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let Ok(body) = std::str::from_utf8(body) else {
        return Err(OAuthError::invalid_request("the body is not UTF-8"));
    };
    let fields = urlencoded::parse(body);
    let field = |name: &str| -> Result<Option<&str>, OAuthError> {
        let mut values = fields.iter().filter(|(key, _)| key == name);
        let first = values.next().map(|(_, value)| value.as_str());
        if values.next().is_some() {
            return Err(OAuthError::invalid_request(format!(
                "`{name}` is given more than once"
            )));
        }
        Ok(first.filter(|value| !value.is_empty()))
    };
    let grant_type = field("grant_type")?;
    let client_id = field("client_id")?;
    let client_secret = field("client_secret")?;
    match grant_type {
        None => return Err(OAuthError::invalid_request("`grant_type` is required")),
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: format!(
                    "grant type `{other}` is not supported; use `client_credentials`"
                ),
            });
        }
    }
    let (Some(client_id), Some(client_secret)) = (client_id, client_secret) else {
        return Err(OAuthError::invalid_request(
            "`client_id` and `client_secret` are required",
        ));
    };
    if client_id != tokens.client_id || client_secret != tokens.client_secret {
        return Err(OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "unknown client or wrong client secret".to_owned(),
        });
    }
    Ok(tokens.issue())
}

/// An OAuth 2.0 error answer of the token endpoint (RFC 6749 section 5.2).
#[derive(Debug)]
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let (headers, body) = oauth_error_parts(self.error, &self.description);
        (self.status, headers, body).into_response()
    }
}

fn oauth_error_parts(error: &str, description: &str) -> (HeaderMap, Bytes) {
    let body = json!({"error": error, "error_description": description});
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (headers, Bytes::from(body.to_string()))
}

/// The error body the auth host sends for an injected `Fault::Status(code)`.
pub(super) fn fault_body(code: u16) -> (HeaderMap, Bytes) {
    let error = match code {
        401 => "invalid_client",
        503 => "temporarily_unavailable",
        500..=599 => "server_error",
        _ => "invalid_request",
    };
    oauth_error_parts(error, "fault injected by the emulator")
}

/// Lets a request through to the API only with a valid `Authorization: Bearer <token>`.
pub(super) async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match token {
        None => ApiError::unauthorized("a bearer token is required").into_response(),
        Some(token) if shared.tokens.is_valid(token) => next.run(request).await,
        Some(_) => ApiError::unauthorized("the bearer token is unknown or expired").into_response(),
    }
}

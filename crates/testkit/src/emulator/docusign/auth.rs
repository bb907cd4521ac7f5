//! The auth host: the JWT grant (`POST /oauth/token`), `GET /oauth/userinfo`, and the tokens
//! the API host accepts.
//!
//! An assertion is checked the way DocuSign's documents describe it: signed RS256 with the
//! integration key's RSA key, `iss` the integration key, `sub` the impersonated user's id, `aud`
//! the bare authority of the auth host (`127.0.0.1:PORT`, as `account-d.docusign.com` for the
//! real sandbox), `iat` not in the future and `exp` in the future at most an hour after `iat`,
//! `scope` naming `signature` and `impersonation`. Refusals are OAuth errors with status 400.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use uuid::Uuid;

use super::answers;
use super::clock;
use super::keys;
use super::state::Shared;
use crate::emulator::tokens::IssuedTokens;

/// The grant type of the JWT grant (RFC 7523).
pub(super) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How far in the future an assertion's `iat` may lie, for clocks that disagree a little.
pub(super) const CLOCK_SKEW_SECONDS: i64 = 60;
/// The longest lifetime an assertion may claim (`exp - iat`).
const MAX_ASSERTION_LIFETIME: i64 = 3_600;

/// The tokens issued so far and whether the user has granted consent.
#[derive(Debug)]
pub(super) struct Tokens {
    issued: IssuedTokens,
    consent: AtomicBool,
}

impl Tokens {
    pub(super) fn new(lifetime: Duration, consent: bool) -> Self {
        Self {
            issued: IssuedTokens::new(lifetime),
            consent: AtomicBool::new(consent),
        }
    }

    /// Whether `token` was issued and has not expired.
    pub(super) fn is_valid(&self, token: &str) -> bool {
        self.issued.is_valid(token)
    }

    /// Makes every token issued so far invalid.
    pub(super) fn expire_all(&self) {
        self.issued.expire_all();
    }

    pub(super) fn set_consent(&self, granted: bool) {
        self.consent.store(granted, Ordering::SeqCst);
    }

    fn has_consent(&self) -> bool {
        self.consent.load(Ordering::SeqCst)
    }

    fn lifetime(&self) -> Duration {
        self.issued.lifetime()
    }

    /// A token shaped like DocuSign's access tokens (a JWT).
    fn issue(&self) -> String {
        let header = json!({"typ": "MT", "alg": "RS256", "kid": "emulator"});
        let claims = json!({"TokenType": 5, "jti": Uuid::new_v4().to_string()});
        self.issued.issue(&header, &claims)
    }
}

/// The router of the auth host.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/oauth/userinfo", get(userinfo))
        .fallback(|| async {
            OAuthError::new(
                StatusCode::NOT_FOUND,
                "invalid_request",
                "the auth host serves POST /oauth/token and GET /oauth/userinfo",
            )
        })
        .method_not_allowed_fallback(|| async {
            OAuthError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "method not allowed on this endpoint",
            )
        })
        .with_state(shared)
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    match check_token_request(&shared, &headers, &body) {
        Ok(()) => {
            let body = json!({
                "access_token": shared.tokens.issue(),
                "token_type": "Bearer",
                "expires_in": shared.tokens.lifetime().as_secs(),
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

fn check_token_request(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), OAuthError> {
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
    let fields = crate::emulator::urlencoded::parse(body);
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
    match field("grant_type")? {
        Some(JWT_BEARER) => {}
        None => return Err(OAuthError::invalid_request("`grant_type` is required")),
        Some(other) => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant type `{other}` is not supported; use `{JWT_BEARER}`"),
            ));
        }
    }
    let Some(assertion) = field("assertion")? else {
        return Err(OAuthError::invalid_request("`assertion` is required"));
    };
    check_assertion(shared, assertion)?;
    if !shared.tokens.has_consent() {
        return Err(OAuthError::consent_required());
    }
    Ok(())
}

/// Checks the JWT assertion, in the order DocuSign can: the issuer names the key, the key
/// checks the signature, then the claims.
fn check_assertion(shared: &Shared, assertion: &str) -> Result<(), OAuthError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| OAuthError::invalid_grant("invalid_assertion"))?;
    if header.alg != Algorithm::RS256 {
        return Err(OAuthError::invalid_grant("unsupported_signature_algorithm"));
    }
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(assertion)
        .map_err(|_| OAuthError::invalid_grant("invalid_assertion"))?;
    let claim = |name: &str| claims.get(name);
    if claim("iss").and_then(Value::as_str) != Some(shared.config.integration_key.as_str()) {
        return Err(OAuthError::invalid_grant("issuer_not_found"));
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_rsa_der(&keys::test_key().public_der);
    if jsonwebtoken::decode::<Value>(assertion, &key, &validation).is_err() {
        return Err(OAuthError::invalid_grant("no_valid_keys_or_signatures"));
    }
    if claim("sub").and_then(Value::as_str) != Some(shared.config.user.id.as_str()) {
        return Err(OAuthError::invalid_grant("user_not_found"));
    }
    let authority = shared
        .urls
        .get()
        .map(|urls| urls.auth_authority.as_str())
        .unwrap_or_default();
    if claim("aud").and_then(Value::as_str) != Some(authority) {
        return Err(OAuthError::invalid_grant("invalid_audience"));
    }
    let (Some(iat), Some(exp)) = (
        claim("iat").and_then(Value::as_i64),
        claim("exp").and_then(Value::as_i64),
    ) else {
        return Err(OAuthError::invalid_grant("invalid_lifetime_claims"));
    };
    let now = clock::unix_now();
    if iat > now.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(OAuthError::invalid_grant("assertion_issued_in_the_future"));
    }
    if exp <= now {
        return Err(OAuthError::invalid_grant("assertion_expired"));
    }
    if exp.saturating_sub(iat) > MAX_ASSERTION_LIFETIME {
        return Err(OAuthError::invalid_grant(
            "assertion_lifetime_over_one_hour",
        ));
    }
    let scope = claim("scope").and_then(Value::as_str).unwrap_or_default();
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if !scopes.contains(&"signature") || !scopes.contains(&"impersonation") {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the scope must include signature and impersonation",
        ));
    }
    Ok(())
}

async fn userinfo(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let valid = bearer(&headers).is_some_and(|token| shared.tokens.is_valid(token));
    if !valid {
        let mut response = OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "a valid bearer token is required",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        return response;
    }
    let base_uri = shared.api_base();
    let accounts: Vec<Value> = shared
        .config
        .accounts
        .iter()
        .map(|account| {
            json!({
                "account_id": account.id,
                "is_default": account.is_default,
                "account_name": account.name,
                "base_uri": base_uri,
            })
        })
        .collect();
    let user = &shared.config.user;
    let (given_name, family_name) = user.name.split_once(' ').unwrap_or((&user.name, ""));
    let body = json!({
        "sub": user.id,
        "name": user.name,
        "given_name": given_name,
        "family_name": family_name,
        "created": "2020-01-01T00:00:00.000",
        "email": user.email,
        "accounts": accounts,
    });
    axum::Json(shared.mode().render(&answers::USERINFO, body)).into_response()
}

/// The token of an `Authorization: Bearer <token>` header.
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

/// An OAuth 2.0 error answer (RFC 6749 section 5.2).
#[derive(Debug)]
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: Option<String>,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: Some(description.into()),
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// `invalid_grant` with a description in DocuSign's style (`issuer_not_found`, ...).
    fn invalid_grant(description: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    /// `consent_required`, which DocuSign sends without a description.
    fn consent_required() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "consent_required",
            description: None,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let (headers, body) = oauth_error_parts(self.error, self.description.as_deref());
        (self.status, headers, body).into_response()
    }
}

fn oauth_error_parts(error: &str, description: Option<&str>) -> (HeaderMap, Bytes) {
    let body = match description {
        Some(description) => json!({"error": error, "error_description": description}),
        None => json!({"error": error}),
    };
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
        401 => "invalid_token",
        500..=599 => "internal_server_error",
        _ => "invalid_request",
    };
    oauth_error_parts(error, Some("fault injected by the emulator"))
}

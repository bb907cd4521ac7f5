//! DocuSign's error answers: the one place its error bodies are read.
//!
//! The REST API answers most failures with 400 whatever their kind and says what happened in
//! `errorCode`, so the kind is decided by the code first and by the status only for codes not
//! listed here. The auth host answers OAuth errors (`{"error": "consent_required"}`).

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use signing_core::{Error, ErrorKind, RateLimitScope};
use signing_http::{ErrorAnswer, ErrorMapper, OAuthErrorBody, OAuthErrors, clean_message};
use url::Url;

use crate::wire::ErrorDetails;

/// The provider name used in errors, envelopes and events.
pub const PROVIDER: &str = "docusign";

/// DocuSign's refusal of a GET of one envelope within [`POLLING_INTERVAL`] of the last one.
const ENVELOPE_POLLING_LIMIT: &str = "HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED";

/// How often DocuSign lets an application read one envelope: once every 15 minutes.
pub(crate) const POLLING_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// The DocuSign error codes that mean "slow down", compared without regard to case: the hourly
/// and burst API limits, and the polling and update limits per envelope. DocuSign answers them
/// with 400 and the time the window resets in `X-RateLimit-Reset`.
fn is_rate_limit(code: &str) -> bool {
    let code = code.to_ascii_uppercase();
    code.ends_with("_LIMIT_EXCEEDED") && (code.starts_with("HOURLY_") || code.starts_with("BURST_"))
}

/// The codes of an envelope or document that does not exist (or is not visible to the user).
const NOT_FOUND: [&str; 3] = [
    "ENVELOPE_DOES_NOT_EXIST",
    "DOCUMENT_DOES_NOT_EXIST",
    "RECIPIENT_DOES_NOT_EXIST",
];

/// The codes of an envelope in a state that does not allow the operation.
const INVALID_STATE: [&str; 5] = [
    "ENVELOPE_CANNOT_VOID_INVALID_STATE",
    "ENVELOPE_INVALID_STATUS",
    "ENVELOPE_NOT_IN_FOLDER",
    "RECIPIENT_NOT_IN_SEQUENCE",
    "EDIT_LOCK_ENVELOPE_LOCKED",
];

/// The codes of a token that is not (or no longer) accepted.
const UNAUTHENTICATED: [&str; 3] = [
    "USER_AUTHENTICATION_FAILED",
    "AUTHORIZATION_INVALID_TOKEN",
    "PARTNER_AUTHENTICATION_FAILED",
];

/// The codes of a user without the right to do this.
const PERMISSION_DENIED: [&str; 3] = [
    "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
    "USER_LACKS_PERMISSIONS",
    "ACCOUNT_LACKS_PERMISSIONS",
];

/// The `errorCode` and `message` of a REST API failure, kept as the source of the error it
/// became: read them back with [`ApiError::of`].
///
/// ```
/// use docusign::ApiError;
/// # let err = signing_core::Error::not_found("x");
/// if let Some(api) = ApiError::of(&err) {
///     println!("DocuSign said {}", api.code());
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    code: String,
    message: String,
}

impl ApiError {
    /// The `errorCode`, such as `ENVELOPE_DOES_NOT_EXIST`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The `message`, cleaned of control characters.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The DocuSign error behind `error`, if it came from an `errorDetails` answer.
    pub fn of(error: &Error) -> Option<&Self> {
        find_source(error)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(&self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl StdError for ApiError {}

/// The first source of `error` (or `error`'s sources' sources) that is a `T`.
fn find_source<T: StdError + 'static>(error: &Error) -> Option<&T> {
    let mut source = StdError::source(error);
    // Bounded: error chains are short, but a cyclic chain must not hang.
    for _ in 0..16 {
        let current = source?;
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        source = current.source();
    }
    None
}

/// Reads DocuSign's `errorDetails` into the core's kinds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DocuSignErrors;

impl ErrorMapper for DocuSignErrors {
    fn map(&self, answer: &ErrorAnswer<'_>) -> Error {
        let details: ErrorDetails = serde_json::from_slice(answer.body).unwrap_or_default();
        let Some(code) = details
            .error_code
            .map(|code| clean_message(&code))
            .filter(|code| !code.is_empty())
        else {
            return answer.status_error(answer.fallback_message(), None);
        };
        let api = ApiError {
            message: details
                .message
                .map(|message| clean_message(&message))
                .unwrap_or_default(),
            code,
        };
        let message = || api.to_string();
        let upper = api.code.to_ascii_uppercase();
        if upper == ENVELOPE_POLLING_LIMIT {
            // One envelope was read too soon: only reads of that envelope must wait, for the
            // polling interval, not the account's hourly reset the headers announce.
            return Error::new(ErrorKind::RateLimited {
                retry_after: Some(POLLING_INTERVAL),
            })
            .with_rate_limit_scope(RateLimitScope::Resource)
            .with_source(api);
        }
        let kind = if is_rate_limit(&upper) {
            Some(ErrorKind::RateLimited {
                retry_after: answer.rate_limit_reset().or(answer.retry_after),
            })
        } else if NOT_FOUND.contains(&upper.as_str()) {
            Some(ErrorKind::NotFound { message: message() })
        } else if INVALID_STATE.contains(&upper.as_str()) {
            Some(ErrorKind::InvalidState { message: message() })
        } else if UNAUTHENTICATED.contains(&upper.as_str()) {
            Some(ErrorKind::Unauthenticated { message: message() })
        } else if PERMISSION_DENIED.contains(&upper.as_str()) {
            Some(ErrorKind::PermissionDenied { message: message() })
        } else {
            None
        };
        let error = match kind {
            Some(kind) => Error::new(kind),
            None => answer.status_error(api.to_string(), Some(api.code.clone())),
        };
        error.with_source(api)
    }

    fn outcome_unknown_hint(&self) -> Option<&'static str> {
        Some(
            "send it again with the same caller reference to get the envelope if it was created \
             (DocuSign's search may take a few seconds to show it), or list envelopes by that \
             reference",
        )
    }
}

/// A JWT grant refused with `consent_required`: the impersonated user has not granted the
/// integration key consent yet. Someone must open [`url`](Self::url) once, signed in as that
/// user (or as an administrator granting consent for the organisation), and accept.
///
/// It is the source of an [`Unauthenticated`](ErrorKind::Unauthenticated) error whose message
/// carries the same URL; [`ConsentRequired::of`] finds it:
///
/// ```
/// # fn handle(err: signing_core::Error) {
/// if let Some(consent) = docusign::ConsentRequired::of(&err) {
///     eprintln!("grant consent once at {}", consent.url());
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequired {
    url: Url,
}

impl ConsentRequired {
    /// The consent page: `{auth host}/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=...`
    /// (with `redirect_uri` when one was configured).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The consent requirement behind `error`, if that is what failed.
    pub fn of(error: &Error) -> Option<&Self> {
        find_source(error)
    }
}

impl fmt::Display for ConsentRequired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "consent_required: grant the integration key consent once at {}",
            self.url
        )
    }
}

impl StdError for ConsentRequired {}

/// Reads the auth host's OAuth errors: `consent_required` becomes an `Unauthenticated` error
/// carrying the consent URL; `invalid_grant` says what to check.
#[derive(Debug, Clone)]
pub(crate) struct AuthErrors {
    consent_url: Url,
}

impl AuthErrors {
    pub(crate) fn new(consent_url: Url) -> Self {
        Self { consent_url }
    }
}

impl ErrorMapper for AuthErrors {
    fn map(&self, answer: &ErrorAnswer<'_>) -> Error {
        let body = OAuthErrorBody::read(answer.body);
        match body.error.as_deref() {
            Some("consent_required") => {
                let consent = ConsentRequired {
                    url: self.consent_url.clone(),
                };
                Error::new(ErrorKind::Unauthenticated {
                    message: format!(
                        "consent_required: the user has not granted the integration key consent; \
                         open {} once, signed in as that user, and accept",
                        consent.url
                    ),
                })
                .with_source(consent)
            }
            Some("invalid_grant") if matches!(answer.status.as_u16(), 400 | 401) => {
                let description = body.error_description.as_deref().unwrap_or_default();
                let hint = match description {
                    "issuer_not_found" => {
                        "; the integration key is not known in this environment (demo and \
                         production keys differ)"
                    }
                    "user_not_found" => {
                        "; the user id is not known in this environment (demo and production \
                         users differ)"
                    }
                    "no_valid_keys_or_signatures" => {
                        "; the private key is not one of the integration key's RSA key pairs"
                    }
                    "invalid_audience" => "; the auth host does not match the environment",
                    d if d.contains("expired")
                        || d.contains("future")
                        || d.contains("lifetime") =>
                    {
                        "; check this machine's clock"
                    }
                    _ => "",
                };
                let message = body.message(String::new);
                Error::new(ErrorKind::Unauthenticated {
                    message: format!("{message}{hint}"),
                })
            }
            _ => OAuthErrors.map(answer),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use http::{HeaderMap, Method, StatusCode};

    use super::*;

    fn map(status: u16, headers: &HeaderMap, body: &str) -> Error {
        DocuSignErrors.map(&ErrorAnswer::new(
            "get envelope",
            &Method::GET,
            StatusCode::from_u16(status).unwrap(),
            headers,
            body.as_bytes(),
        ))
    }

    fn body(code: &str) -> String {
        format!(r#"{{"errorCode": "{code}", "message": "The words\r\nof DocuSign."}}"#)
    }

    #[test]
    fn codes_decide_the_kind_not_the_status() {
        let none = HeaderMap::new();
        let err = map(400, &none, &body("ENVELOPE_DOES_NOT_EXIST"));
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "not found: ENVELOPE_DOES_NOT_EXIST: The words of DocuSign."
        );
        assert_eq!(
            ApiError::of(&err).unwrap().code(),
            "ENVELOPE_DOES_NOT_EXIST"
        );
        for (code, expected) in [
            ("ENVELOPE_CANNOT_VOID_INVALID_STATE", "invalid state"),
            ("ENVELOPE_INVALID_STATUS", "invalid state"),
            ("USER_AUTHENTICATION_FAILED", "unauthenticated"),
            (
                "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
                "permission denied",
            ),
            ("INVALID_REQUEST_BODY", "invalid `request`"),
        ] {
            let err = map(400, &none, &body(code));
            assert!(err.to_string().starts_with(expected), "{code}: {err}");
        }
        let other = map(500, &none, &body("SOMETHING_ELSE"));
        assert!(matches!(
            other.kind(),
            ErrorKind::Provider { status: Some(500), code: Some(code), .. } if code == "SOMETHING_ELSE"
        ));
        let html = map(502, &none, "<html>bad gateway</html>");
        assert!(ApiError::of(&html).is_none());
        assert_eq!(
            html.to_string(),
            "provider error 502: HTTP 502 Bad Gateway: <html>bad gateway</html>"
        );
    }

    #[test]
    fn every_rate_limit_code_waits_for_the_reset() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", (now + 40).to_string().parse().unwrap());
        for code in [
            "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
            "BURST_APIINVOCATION_LIMIT_EXCEEDED",
            "Burst_Envelope_Polling_Limit_Exceeded",
            "Hourly_APIInvocation_Envelope_Limit_Exceeded",
        ] {
            let err = map(400, &headers, &body(code));
            assert!(
                matches!(err.kind(), ErrorKind::RateLimited { retry_after: Some(after) }
                    if *after > Duration::from_secs(30) && *after <= Duration::from_secs(40)),
                "{code}: {err:?}"
            );
            assert!(err.is_retryable());
            assert_eq!(err.rate_limit_scope(), Some(RateLimitScope::Account));
        }
        // One envelope read too soon: that envelope waits its polling interval, in any casing,
        // whatever the account's reset says.
        let err = map(
            400,
            &headers,
            &body("Hourly_Envelope_Polling_Limit_Exceeded"),
        );
        assert!(
            matches!(err.kind(), ErrorKind::RateLimited { retry_after: Some(after) }
                if *after == POLLING_INTERVAL),
            "{err:?}"
        );
        assert_eq!(err.rate_limit_scope(), Some(RateLimitScope::Resource));
        let err = map(
            400,
            &HeaderMap::new(),
            &body("BURST_APIINVOCATION_LIMIT_EXCEEDED"),
        );
        assert!(matches!(
            err.kind(),
            ErrorKind::RateLimited { retry_after: None }
        ));
        // A code that merely mentions a limit is not one.
        let err = map(400, &HeaderMap::new(), &body("ACCOUNT_LIMIT_EXCEEDED"));
        assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
    }

    #[test]
    fn consent_required_carries_the_consent_url() {
        let url = Url::parse("https://account-d.docusign.com/oauth/auth?client_id=k").unwrap();
        let headers = HeaderMap::new();
        let errors = AuthErrors::new(url.clone());
        let refuse = |body: &str| {
            errors.map(&ErrorAnswer::new(
                "token request",
                &Method::POST,
                StatusCode::BAD_REQUEST,
                &headers,
                body.as_bytes(),
            ))
        };
        let err = refuse(r#"{"error": "consent_required"}"#);
        assert!(matches!(err.kind(), ErrorKind::Unauthenticated { .. }));
        assert!(err.to_string().contains(url.as_str()), "{err}");
        assert_eq!(ConsentRequired::of(&err).unwrap().url(), &url);

        let err = refuse(
            r#"{"error": "invalid_grant", "error_description": "no_valid_keys_or_signatures"}"#,
        );
        assert!(matches!(err.kind(), ErrorKind::Unauthenticated { .. }));
        assert!(ConsentRequired::of(&err).is_none());
        assert!(err.to_string().contains("RSA key pairs"), "{err}");
        let err = refuse(r#"{"error": "invalid_grant", "error_description": "assertion_expired"}"#);
        assert!(err.to_string().contains("clock"), "{err}");
    }
}

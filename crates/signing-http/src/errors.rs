//! From a failed exchange to the core's [`Error`]: the one place the status table is applied,
//! with a hook for each provider's error body.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode};
use signing_core::{Error, TransportKind};

/// The most characters of a provider's own words kept in an error message.
const MAX_MESSAGE_CHARS: usize = 300;

/// An error answer, as a provider's [`ErrorMapper`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct ErrorAnswer<'a> {
    /// The operation that failed (`create agreement`).
    pub operation: &'static str,
    /// The request's method.
    pub method: &'a Method,
    /// The answer's status (never a success).
    pub status: StatusCode,
    /// The answer's headers.
    pub headers: &'a HeaderMap,
    /// The answer's body, capped.
    pub body: &'a [u8],
    /// The wait the `Retry-After` header asks for, in either form.
    pub retry_after: Option<Duration>,
}

impl<'a> ErrorAnswer<'a> {
    /// An answer without `Retry-After` (for an adapter's tests of its mapper).
    pub fn new(
        operation: &'static str,
        method: &'a Method,
        status: StatusCode,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        Self {
            operation,
            method,
            status,
            headers,
            body,
            retry_after: None,
        }
    }

    /// The wait until the rate-limit window resets, from an `X-RateLimit-Reset` header holding
    /// Unix seconds (DocuSign, GitHub and others): `None` without one, zero for a time passed.
    pub fn rate_limit_reset(&self) -> Option<Duration> {
        let reset: u64 = self
            .headers
            .get("x-ratelimit-reset")?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        Some(Duration::from_secs(reset.saturating_sub(now)))
    }

    /// The error the status table gives for this answer with `message` (see
    /// [`Error::from_http_status`]); a 429's wait is `Retry-After`, else the rate-limit reset.
    pub fn status_error(&self, message: impl Into<String>, code: Option<String>) -> Error {
        let retry_after = match self.status {
            StatusCode::TOO_MANY_REQUESTS => self.retry_after.or_else(|| self.rate_limit_reset()),
            _ => self.retry_after,
        };
        Error::from_http_status(self.status.as_u16(), message, code, retry_after)
    }

    /// [`fallback_message`] of this answer.
    pub fn fallback_message(&self) -> String {
        fallback_message(self.status, self.body)
    }
}

/// Turns a provider's error answers into errors. Each adapter implements it in its `error.rs`
/// for its own error body; the transport adds the provider's name and the status.
pub trait ErrorMapper: Send + Sync + fmt::Debug {
    /// The error for `answer`.
    fn map(&self, answer: &ErrorAnswer<'_>) -> Error {
        answer.status_error(answer.fallback_message(), None)
    }

    /// Added to every [`OutcomeUnknown`](signing_core::ErrorKind::OutcomeUnknown) message: what
    /// the caller can do to find out (for a provider that cannot deduplicate creates, say).
    fn outcome_unknown_hint(&self) -> Option<&'static str> {
        None
    }
}

/// The status table alone, with the reason phrase and the start of the body as the message.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultErrors;

impl ErrorMapper for DefaultErrors {}

/// A provider's text made safe for a message: control characters (line breaks, escape
/// sequences) become spaces and runs of white space one space, at most 300 characters.
///
/// ```
/// assert_eq!(signing_http::clean_message(" bad\r\nline \u{1b}[31m "), "bad line [31m");
/// ```
pub fn clean_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_CHARS));
    let mut space = false;
    for c in text.chars() {
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if out.chars().count() >= MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// `HTTP 502 Bad Gateway: <the start of the body>`, for an answer without a readable error body.
pub fn fallback_message(status: StatusCode, body: &[u8]) -> String {
    let reason = status.canonical_reason().unwrap_or("error");
    let text = clean_message(&String::from_utf8_lossy(&body[..body.len().min(1024)]));
    if text.is_empty() {
        format!("HTTP {} {reason}", status.as_u16())
    } else {
        format!("HTTP {} {reason}: {text}", status.as_u16())
    }
}

/// A `reqwest` failure as a transport error. The message names the operation and the cause;
/// the URL is dropped from the kept source (reqwest errors never carry request headers).
pub(crate) fn transport_error(
    operation: &'static str,
    while_doing: &str,
    error: reqwest::Error,
) -> Error {
    let kind = if error.is_connect() {
        TransportKind::Connect
    } else if error.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Other
    };
    let cause = root_cause(&error);
    let message = match kind {
        TransportKind::Connect => format!("{operation}: could not connect: {cause}"),
        TransportKind::Timeout => format!("{operation}: timed out {while_doing}"),
        _ => format!("{operation}: failed {while_doing}: {cause}"),
    };
    Error::transport(kind, message).with_source(error.without_url())
}

fn root_cause(error: &(dyn StdError + 'static)) -> String {
    let mut cause = error;
    // Bounded: error chains are short, but a cyclic chain must not hang.
    for _ in 0..32 {
        match cause.source() {
            Some(next) => cause = next,
            None => break,
        }
    }
    clean_message(&cause.to_string())
}

#[cfg(test)]
mod tests {
    use signing_core::ErrorKind;

    use super::*;

    fn answer<'a>(status: u16, headers: &'a HeaderMap, body: &'a [u8]) -> ErrorAnswer<'a> {
        ErrorAnswer {
            operation: "get",
            method: &Method::GET,
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body,
            retry_after: None,
        }
    }

    #[test]
    fn messages_are_cleaned_and_capped() {
        assert_eq!(clean_message("a\n\n\tb"), "a b");
        assert_eq!(clean_message("\u{7}"), "");
        let long = clean_message(&"x".repeat(1000));
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            fallback_message(StatusCode::BAD_GATEWAY, b"<html>\r\nbad gateway</html>"),
            "HTTP 502 Bad Gateway: <html> bad gateway</html>"
        );
        assert_eq!(
            fallback_message(StatusCode::NOT_FOUND, b""),
            "HTTP 404 Not Found"
        );
    }

    #[test]
    fn rate_limit_resets_are_read_with_checked_arithmetic() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", (now + 30).to_string().parse().unwrap());
        let reset = answer(400, &headers, b"").rate_limit_reset().unwrap();
        assert!(reset <= Duration::from_secs(30) && reset >= Duration::from_secs(28));
        headers.insert("x-ratelimit-reset", "12".parse().unwrap());
        assert_eq!(
            answer(400, &headers, b"").rate_limit_reset(),
            Some(Duration::ZERO)
        );
        headers.insert("x-ratelimit-reset", u64::MAX.to_string().parse().unwrap());
        assert!(answer(400, &headers, b"").rate_limit_reset().is_some());
        headers.insert("x-ratelimit-reset", "soon".parse().unwrap());
        assert_eq!(answer(400, &headers, b"").rate_limit_reset(), None);

        headers.insert("x-ratelimit-reset", (now + 60).to_string().parse().unwrap());
        let limited = DefaultErrors.map(&answer(429, &headers, b""));
        assert!(
            matches!(limited.kind(), ErrorKind::RateLimited { retry_after: Some(after) } if *after > Duration::from_secs(50))
        );
    }
}

/// The error body of an OAuth 2.0 token endpoint (RFC 6749, section 5.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct OAuthErrorBody {
    /// `error`: `invalid_client`, `invalid_grant`, `consent_required`, ...
    #[serde(default)]
    pub error: Option<String>,
    /// `error_description`, when given.
    #[serde(default)]
    pub error_description: Option<String>,
}

impl OAuthErrorBody {
    /// Reads `body`; anything unreadable is an empty body.
    pub fn read(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// `code: description`, cleaned, or `fallback` when the body says nothing.
    pub fn message(&self, fallback: impl FnOnce() -> String) -> String {
        match (&self.error, &self.error_description) {
            (Some(code), Some(description)) => clean_message(&format!("{code}: {description}")),
            (Some(code), None) => clean_message(code),
            (None, Some(description)) => clean_message(description),
            (None, None) => fallback(),
        }
    }
}

/// The errors of an OAuth 2.0 token endpoint: 400 and 401 mean the client's credentials or
/// grant were refused (`Unauthenticated`), anything else follows the status table.
#[derive(Debug, Clone, Copy, Default)]
pub struct OAuthErrors;

impl ErrorMapper for OAuthErrors {
    fn map(&self, answer: &ErrorAnswer<'_>) -> Error {
        let body = OAuthErrorBody::read(answer.body);
        let message =
            body.message(|| format!("token request refused with status {}", answer.status));
        match answer.status.as_u16() {
            400 | 401 => Error::new(signing_core::ErrorKind::Unauthenticated { message }),
            _ => answer.status_error(message, body.error),
        }
    }
}

//! Sending one request to LEAP Sign: authentication, timeouts, reading the answer, mapping
//! errors, and repeating what is safe to repeat.
//!
//! Reads, cancels and deletes are retried with the configured [`RetryPolicy`]. launch-new
//! cannot be deduplicated, so it is repeated only after a connect error (the request provably
//! never left); any failure after it may have reached LEAP is reported as
//! [`ErrorKind::OutcomeUnknown`] for the caller to decide.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::multipart::Form;
use reqwest::{Method, StatusCode};
use serde::de::IgnoredAny;
use signing_core::{
    Error, ErrorKind, ExposeSecret, Result, RetryPolicy, SecretString, TransportKind,
    parse_retry_after,
};
use tracing::Instrument as _;

use crate::model::ErrorBody;
use crate::provider::PROVIDER;

/// The largest response body read; LEAP's answers are small JSON documents.
const MAX_RESPONSE_BODY: usize = 4 * 1024 * 1024;

/// What LEAP says in the message of a 500 caused by an unusable request body.
const MALFORMED_BODY: &str = "malformed request body";

/// The four operations, as named in errors and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    LaunchNew,
    ProcessData,
    Cancel,
    Delete,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Self::LaunchNew => "launch-new",
            Self::ProcessData => "get process data",
            Self::Cancel => "cancel",
            Self::Delete => "delete",
        }
    }

    fn method(self) -> Method {
        match self {
            Self::LaunchNew => Method::POST,
            Self::ProcessData => Method::GET,
            Self::Cancel => Method::PUT,
            Self::Delete => Method::DELETE,
        }
    }
}

/// The outcome of a request that may have been sent more than once.
pub(crate) struct Attempted<T> {
    /// The last attempt's result.
    pub(crate) result: Result<T>,
    /// Whether an earlier attempt failed in a way that may have reached LEAP (a timeout or a
    /// broken connection): then the last attempt may be answering an already applied change.
    pub(crate) after_ambiguous_failure: bool,
}

/// How requests reach LEAP: one HTTP client, the base URL and the key.
pub(crate) struct Http {
    client: reqwest::Client,
    base_url: String,
    api_key: SecretString,
    timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// `base_url` has no trailing slash; paths are appended to it.
    pub(crate) fn new(
        client: reqwest::Client,
        base_url: String,
        api_key: SecretString,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            client,
            base_url,
            api_key,
            timeout,
            retry,
        }
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Reads with `GET`, retrying per the policy, and returns the answer's body.
    pub(crate) async fn get(&self, operation: Operation, path: &str) -> Result<Bytes> {
        self.retry
            .run(|attempt| self.execute(operation, path, None, attempt))
            .await
    }

    /// Sends a body-less request whose answer carries no content (cancel, delete), retrying
    /// per the policy.
    pub(crate) async fn send_idempotent(&self, operation: Operation, path: &str) -> Attempted<()> {
        // Set once any attempt failed after possibly reaching LEAP; `follows` tells whether the
        // attempt now running came after such a failure.
        let seen = AtomicBool::new(false);
        let follows = AtomicBool::new(false);
        let result = self
            .retry
            .run(|attempt| {
                let (seen, follows) = (&seen, &follows);
                async move {
                    follows.store(seen.load(Ordering::Relaxed), Ordering::Relaxed);
                    let result = self.execute(operation, path, None, attempt).await;
                    if result.as_ref().is_err_and(may_have_reached_leap) {
                        seen.store(true, Ordering::Relaxed);
                    }
                    result.and_then(|body| no_content(operation, &body))
                }
            })
            .await;
        let after_ambiguous_failure = follows.into_inner();
        Attempted {
            result,
            after_ambiguous_failure,
        }
    }

    /// Sends launch-new and returns the answer's body. `form` builds a fresh body for each
    /// attempt; an attempt is repeated only after a connect error.
    pub(crate) async fn launch(
        &self,
        path: &str,
        form: &(dyn Fn() -> Result<Form> + Sync),
    ) -> Result<Bytes> {
        let operation = Operation::LaunchNew;
        let outcome = self
            .retry
            .run(|attempt| async move {
                let result = self.execute(operation, path, Some(form()?), attempt).await;
                match result {
                    Err(err) if is_connect_error(&err) => Err(err),
                    // Anything else ends the retries: the request may have been received.
                    other => Ok(other),
                }
            })
            .await;
        outcome
            .and_then(std::convert::identity)
            .map_err(launch_error)
    }

    /// One attempt: sends the request and reads the whole answer. A success status gives the
    /// body; anything else an error.
    async fn execute(
        &self,
        operation: Operation,
        path: &str,
        form: Option<Form>,
        attempt: u32,
    ) -> Result<Bytes> {
        let span = tracing::debug_span!(
            "leap_sign.request",
            method = %operation.method(),
            path,
            attempt,
            status = tracing::field::Empty,
        );
        let current = span.clone();
        async move {
            let mut key = HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| {
                // Checked when the client is built; kept as an error rather than a panic.
                Error::invalid_request("api_key", "must be visible ASCII").with_provider(PROVIDER)
            })?;
            key.set_sensitive(true);
            let mut request = self
                .client
                .request(operation.method(), format!("{}{path}", self.base_url))
                .header(AUTHORIZATION, key)
                .header(ACCEPT, "application/json")
                .timeout(self.timeout);
            if let Some(form) = form {
                request = request.multipart(form);
            }
            let mut response = request
                .send()
                .await
                .map_err(|err| transport_error(operation, "sending the request", err))?;
            let status = response.status();
            current.record("status", status.as_u16());
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, SystemTime::now()));
            let body = read_body(operation, &mut response).await?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(status_error(operation, status, retry_after, &body))
            }
        }
        .instrument(span)
        .await
    }
}

/// Reads the body up to [`MAX_RESPONSE_BODY`].
async fn read_body(operation: Operation, response: &mut reqwest::Response) -> Result<Bytes> {
    let read_error = |err| transport_error(operation, "reading the response", err);
    let Some(first) = response.chunk().await.map_err(read_error)? else {
        return Ok(Bytes::new());
    };
    let Some(mut chunk) = response.chunk().await.map_err(read_error)? else {
        // Answers this small arrive in one piece: it is handed on as it is, not copied.
        return cap(operation, first);
    };
    let mut body = BytesMut::from(cap(operation, first)?);
    loop {
        if body.len() + chunk.len() > MAX_RESPONSE_BODY {
            return Err(too_large(operation));
        }
        body.extend_from_slice(&chunk);
        match response.chunk().await.map_err(read_error)? {
            Some(next) => chunk = next,
            None => return Ok(body.freeze()),
        }
    }
}

fn cap(operation: Operation, body: Bytes) -> Result<Bytes> {
    if body.len() > MAX_RESPONSE_BODY {
        return Err(too_large(operation));
    }
    Ok(body)
}

fn too_large(operation: Operation) -> Error {
    Error::unexpected_response(format!(
        "the {} response is larger than {MAX_RESPONSE_BODY} bytes",
        operation.name()
    ))
    .with_provider(PROVIDER)
}

/// Cancel and delete answer 204. A body, when there is one, must at least be JSON: success is
/// not reported on an answer the adapter cannot read (it may be a refusal in another shape).
fn no_content(operation: Operation, body: &[u8]) -> Result<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    serde_json::from_slice::<IgnoredAny>(body)
        .map(drop)
        .map_err(|err| {
            Error::unexpected_response(format!(
                "the {} response is not JSON: {err}",
                operation.name()
            ))
            .with_provider(PROVIDER)
        })
}

/// A reqwest failure as a transport error. The message names the operation and the cause;
/// reqwest errors never carry request headers, so the key cannot leak through them.
fn transport_error(operation: Operation, while_doing: &str, err: reqwest::Error) -> Error {
    let kind = if err.is_connect() {
        TransportKind::Connect
    } else if err.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Other
    };
    let cause = root_cause(&err);
    let message = match kind {
        TransportKind::Connect => format!("{}: could not connect: {cause}", operation.name()),
        TransportKind::Timeout => format!("{}: timed out {while_doing}", operation.name()),
        _ => format!("{}: failed {while_doing}: {cause}", operation.name()),
    };
    Error::transport(kind, message)
        .with_source(err.without_url())
        .with_provider(PROVIDER)
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// An error status as an error, keeping the status and LEAP's `message`.
fn status_error(
    operation: Operation,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Error {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let message = parsed
        .message
        .filter(|message| !message.trim().is_empty())
        .unwrap_or_else(|| fallback_message(status, body));
    let code = status.as_u16();
    let error = match (operation, code) {
        // LEAP documents 500 as its answer to a body it cannot parse: the request is at fault.
        (_, 500) if message.to_ascii_lowercase().contains(MALFORMED_BODY) => {
            Error::invalid_request("request", message).with_status(code)
        }
        // Cancel's 400 means the project is already completed or cancelled.
        (Operation::Cancel, 400) => Error::invalid_state(message).with_status(code),
        _ => Error::from_http_status(code, message, parsed.error, retry_after),
    };
    error.with_provider(PROVIDER)
}

/// The reason phrase and the start of the body, when the body is not LEAP's error JSON.
fn fallback_message(status: StatusCode, body: &[u8]) -> String {
    let reason = status.canonical_reason().unwrap_or("error");
    let text: String = String::from_utf8_lossy(body)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if text.trim().is_empty() {
        format!("HTTP {} {reason}", status.as_u16())
    } else {
        format!("HTTP {} {reason}: {text}", status.as_u16())
    }
}

fn is_connect_error(err: &Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::Transport {
            kind: TransportKind::Connect,
            ..
        }
    )
}

/// Whether a failure leaves open that the request was received and acted on.
fn may_have_reached_leap(err: &Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::Transport {
            kind: TransportKind::Timeout | TransportKind::Other,
            ..
        }
    )
}

/// A launch-new failure as the caller should see it: anything after which a project may exist
/// is `OutcomeUnknown`.
fn launch_error(err: Error) -> Error {
    if may_have_reached_leap(&err) {
        return outcome_unknown(&err.to_string()).with_source(err);
    }
    match (err.kind(), err.status()) {
        (ErrorKind::UnexpectedResponse { .. }, _) => {
            outcome_unknown(&err.to_string()).with_source(err)
        }
        // A server error that is not LEAP's "malformed request body" may come after the project
        // was stored; a gateway error (502, 504) may hide an upstream that succeeded.
        (ErrorKind::Provider { .. }, Some(status @ (500 | 502 | 504))) => {
            outcome_unknown(&err.to_string())
                .with_status(status)
                .with_source(err)
        }
        _ => err,
    }
}

/// A launch-new whose outcome cannot be known, with what the caller should do about it.
pub(crate) fn outcome_unknown(what_happened: &str) -> Error {
    Error::outcome_unknown(
        Operation::LaunchNew.name(),
        format!(
            "{what_happened}; a project may have been created. LEAP Sign cannot deduplicate or \
             search launches: check for the project (its completion callback, or the LEAP \
             application) before sending again"
        ),
    )
    .with_provider(PROVIDER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, body: &str) -> Error {
        status_error(
            Operation::ProcessData,
            StatusCode::from_u16(code).unwrap(),
            None,
            body.as_bytes(),
        )
    }

    #[test]
    fn error_statuses_keep_status_and_message() {
        let err = status(
            400,
            r#"{"status":400,"error":"BAD_REQUEST","message":"Unsupported file format"}"#,
        );
        assert!(
            matches!(err.kind(), ErrorKind::InvalidRequest { reason, .. } if reason == "Unsupported file format")
        );
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.provider(), Some("leap-sign"));

        let err = status(500, r#"{"message":"malformed request body: unknown part"}"#);
        assert!(
            matches!(err.kind(), ErrorKind::InvalidRequest { .. }),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(500));

        let err = status(500, r#"{"message":"database down"}"#);
        assert!(matches!(
            err.kind(),
            ErrorKind::Provider {
                status: Some(500),
                ..
            }
        ));

        let err = status(403, r#"{"message":"invalid External API Key"}"#);
        assert!(
            matches!(err.kind(), ErrorKind::PermissionDenied { message } if message.contains("API Key"))
        );

        let err = status(404, "");
        assert!(err.is_not_found());
        assert!(err.to_string().contains("HTTP 404 Not Found"), "{err}");

        let err = status(502, "<html>bad gateway</html>");
        assert!(
            err.to_string().contains("<html>bad gateway</html>"),
            "{err}"
        );

        let err = status_error(
            Operation::Cancel,
            StatusCode::BAD_REQUEST,
            None,
            br#"{"message":"project is COMPLETED"}"#,
        );
        assert!(matches!(err.kind(), ErrorKind::InvalidState { .. }));
        assert_eq!(err.status(), Some(400));
    }

    #[test]
    fn launch_failures_after_sending_are_outcome_unknown() {
        let unknown = |err: Error| {
            let err = launch_error(err);
            assert!(
                matches!(err.kind(), ErrorKind::OutcomeUnknown { operation, .. } if operation == "launch-new"),
                "{err:?}"
            );
            assert!(!err.is_retryable());
            err
        };
        unknown(Error::transport(TransportKind::Timeout, "t"));
        unknown(Error::transport(TransportKind::Other, "reset"));
        unknown(Error::unexpected_response("huge"));
        assert_eq!(unknown(status(502, "")).status(), Some(502));
        assert_eq!(unknown(status(500, "{}")).status(), Some(500));

        let connect = launch_error(Error::transport(TransportKind::Connect, "refused"));
        assert!(is_connect_error(&connect));
        let busy = launch_error(status(503, ""));
        assert!(matches!(
            busy.kind(),
            ErrorKind::Provider {
                status: Some(503),
                ..
            }
        ));
        let malformed = launch_error(status(500, r#"{"message":"malformed request body"}"#));
        assert!(matches!(malformed.kind(), ErrorKind::InvalidRequest { .. }));
    }
}

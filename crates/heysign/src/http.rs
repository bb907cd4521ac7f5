//! Sending one API call: bearer token, retries where they are safe, status mapping, capped
//! response bodies.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use signing_core::{Error, ErrorKind, Result, RetryPolicy, TransportKind, parse_retry_after};
use url::Url;

use crate::auth::{Token, TokenSource};
use crate::model::Problem;

/// The provider name used in errors and envelopes.
pub(crate) const PROVIDER: &str = "heysign";

/// Responses larger than this are refused: no HeySign endpoint returns file content.
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Whether a call may be sent again after it may have reached HeySign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Reads, deletes and other calls whose repetition changes nothing more.
    Safe,
    /// Creates and submits: repeated only when they provably never arrived (connect errors)
    /// or were refused unprocessed (429).
    OnlyIfUnsent,
}

/// A file part to upload; kept as parts so the form can be rebuilt for each attempt.
#[derive(Debug, Clone)]
pub(crate) struct FilePart {
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) content: Bytes,
    pub(crate) metadata: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Json(Bytes),
    Multipart(FilePart),
}

/// One API call, described so it can be sent more than once.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Body,
    pub(crate) repeat: Repeat,
    pub(crate) operation: &'static str,
}

impl Call {
    pub(crate) fn new(method: Method, path: impl Into<String>, operation: &'static str) -> Self {
        let repeat = if matches!(method, Method::POST) {
            Repeat::OnlyIfUnsent
        } else {
            Repeat::Safe
        };
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Body::Empty,
            repeat,
            operation,
        }
    }

    pub(crate) fn query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }

    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::invalid_request("request", format!("cannot encode: {e}")).with_provider(PROVIDER)
        })?;
        self.body = Body::Json(Bytes::from(bytes));
        Ok(self)
    }

    pub(crate) fn multipart(mut self, part: FilePart) -> Self {
        self.body = Body::Multipart(part);
        self
    }
}

/// Sends calls to the API host.
pub(crate) struct Transport {
    http: reqwest::Client,
    api_url: Url,
    pub(crate) auth: TokenSource,
    retry: RetryPolicy,
    timeout: Duration,
}

impl Transport {
    pub(crate) fn new(
        http: reqwest::Client,
        api_url: Url,
        auth: TokenSource,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Self {
        Self {
            http,
            api_url,
            auth,
            retry,
            timeout,
        }
    }

    /// Sends `call` and decodes the JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        let body = self.execute(call).await?;
        read_answer(call, decode(&body, call.operation))
    }

    /// Sends a call HeySign answers with no content (204). A body, when there is one, must at
    /// least be JSON: success is not reported on an answer the adapter cannot read.
    pub(crate) async fn no_content(&self, call: &Call) -> Result<()> {
        let body = self.execute(call).await?;
        read_answer(call, no_content_body(&body, call.operation))
    }

    /// Sends `call`, retrying as its [`Repeat`] allows, and returns the body of a successful
    /// answer.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Bytes> {
        self.retry
            .run_when(
                |err| may_repeat(call, err),
                |attempt| self.attempt(call, attempt),
            )
            .await
    }

    /// Sends a call HeySign answers with no content, like [`no_content`](Self::no_content),
    /// and also tells whether the last attempt followed one that may have been carried out
    /// (its answer was lost): a refusal of the repeat may then be our own earlier success.
    pub(crate) async fn no_content_tracked(&self, call: &Call) -> Attempted<()> {
        // Set once any attempt failed after possibly reaching HeySign; `follows` tells whether
        // the attempt now running came after such a failure.
        let seen = AtomicBool::new(false);
        let follows = AtomicBool::new(false);
        let result = self
            .retry
            .run_when(
                |err| may_repeat(call, err),
                |attempt| {
                    let (seen, follows) = (&seen, &follows);
                    async move {
                        follows.store(seen.load(Ordering::Relaxed), Ordering::Relaxed);
                        let result = self.attempt(call, attempt).await;
                        if result.as_ref().is_err_and(may_have_arrived) {
                            seen.store(true, Ordering::Relaxed);
                        }
                        result
                    }
                },
            )
            .await
            .and_then(|body| read_answer(call, no_content_body(&body, call.operation)));
        Attempted {
            result,
            after_ambiguous_failure: follows.into_inner(),
        }
    }

    async fn attempt(&self, call: &Call, attempt: u32) -> Result<Bytes> {
        let token = self.auth.token().await?;
        let mut response = self.send_once(call, &token).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            // The token may have been revoked or expired early: mint another, once.
            self.auth.invalidate(&token);
            let token = self.auth.token().await?;
            response = self.send_once(call, &token).await?;
        }
        let status = response.status();
        tracing::debug!(
            method = %call.method,
            path = %call.path,
            status = status.as_u16(),
            attempt,
            "heysign call"
        );
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let safe = call.repeat == Repeat::Safe;
        let body = read_answer(call, read_capped(response, safe, call.operation).await)?;
        if status.is_success() {
            return Ok(body);
        }
        let problem: Problem = serde_json::from_slice(&body).unwrap_or_default();
        let message = problem
            .detail
            .or(problem.title)
            .unwrap_or_else(|| format!("{} answered {status}", call.operation));
        Err(
            Error::from_http_status(status.as_u16(), message, None, retry_after)
                .with_provider(PROVIDER),
        )
    }

    async fn send_once(&self, call: &Call, token: &Token) -> Result<reqwest::Response> {
        let url = self
            .api_url
            .join(call.path.trim_start_matches('/'))
            .map_err(|e| {
                Error::invalid_request("path", format!("`{}`: {e}", call.path))
                    .with_provider(PROVIDER)
            })?;
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .header(reqwest::header::AUTHORIZATION, token.authorization.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.timeout);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        request = match &call.body {
            Body::Empty => request,
            Body::Json(bytes) => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Multipart(part) => request.multipart(form(part)?),
        };
        request
            .send()
            .await
            .map_err(|e| transport_error(&e, call.repeat == Repeat::Safe, call.operation))
    }
}

fn form(part: &FilePart) -> Result<reqwest::multipart::Form> {
    let file = reqwest::multipart::Part::stream(part.content.clone())
        .file_name(part.name.clone())
        .mime_str(&part.content_type)
        .map_err(|e| {
            Error::invalid_request("content_type", format!("`{}`: {e}", part.content_type))
                .with_provider(PROVIDER)
        })?;
    let mut form = reqwest::multipart::Form::new().part("file", file);
    for (key, value) in &part.metadata {
        form = form.text(format!("metadata[{key}]"), value.clone());
    }
    Ok(form)
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("api_url", &self.api_url.as_str())
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The outcome of a call that may have been sent more than once.
pub(crate) struct Attempted<T> {
    /// The last attempt's result.
    pub(crate) result: Result<T>,
    /// Whether an earlier attempt failed in a way that may have reached HeySign (a timeout or a
    /// broken connection): then the last attempt may be answering an already applied change.
    pub(crate) after_ambiguous_failure: bool,
}

/// Whether `err` allows sending `call` again: any retryable error for a call that is safe to
/// repeat; only a connect error or a 429 (the call provably not carried out) for one that is not.
fn may_repeat(call: &Call, err: &Error) -> bool {
    match call.repeat {
        Repeat::Safe => err.is_retryable(),
        Repeat::OnlyIfUnsent => matches!(
            err.kind(),
            ErrorKind::Transport {
                kind: TransportKind::Connect,
                ..
            } | ErrorKind::RateLimited { .. }
        ),
    }
}

/// Whether a failure leaves open that the call was received and carried out.
fn may_have_arrived(err: &Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::Transport {
            kind: TransportKind::Timeout | TransportKind::Other,
            ..
        }
    )
}

/// An answer that should carry no content. A body, when there is one, must at least be JSON:
/// success is not reported on an answer the adapter cannot read.
fn no_content_body(body: &[u8], operation: &str) -> Result<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    decode::<serde::de::IgnoredAny>(body, operation).map(drop)
}

/// The result of reading the answer to `call`. A call that is not repeated once it may have
/// arrived (a create, an upload, a submit) may have been carried out when its answer cannot be
/// read (not JSON, the wrong shape, too large): the caller is told the outcome is unknown.
pub(crate) fn read_answer<T>(call: &Call, read: Result<T>) -> Result<T> {
    read.map_err(|err| match (call.repeat, err.kind()) {
        (Repeat::OnlyIfUnsent, ErrorKind::UnexpectedResponse { message }) => {
            Error::outcome_unknown(
                call.operation,
                format!("the answer cannot be read: {message}"),
            )
            .with_provider(PROVIDER)
            .with_source(err)
        }
        _ => err,
    })
}

/// Decodes a JSON answer, or says what was wrong with it.
pub(crate) fn decode<'a, T: serde::Deserialize<'a>>(body: &'a [u8], operation: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::unexpected_response(format!(
            "{operation}: the answer is not the expected JSON: {e}"
        ))
        .with_provider(PROVIDER)
    })
}

/// Maps a failed exchange. `safe` says whether the request may be repeated: if not, anything but
/// a connect error means the request may have taken effect.
pub(crate) fn transport_error(err: &reqwest::Error, safe: bool, operation: &'static str) -> Error {
    let message = err.to_string();
    let mapped = if err.is_connect() {
        Error::transport(TransportKind::Connect, message)
    } else if !safe {
        Error::outcome_unknown(operation, message)
    } else if err.is_timeout() {
        Error::transport(TransportKind::Timeout, message)
    } else {
        Error::transport(TransportKind::Other, message)
    };
    mapped.with_provider(PROVIDER)
}

/// Reads a response body, refusing more than [`MAX_RESPONSE_BYTES`].
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    safe: bool,
    operation: &'static str,
) -> Result<Bytes> {
    if response
        .content_length()
        .is_some_and(|len| len > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large(operation));
    }
    let read_error = |e: reqwest::Error| transport_error(&e, safe, operation);
    let Some(first) = response.chunk().await.map_err(read_error)? else {
        return Ok(Bytes::new());
    };
    let Some(mut chunk) = response.chunk().await.map_err(read_error)? else {
        // Answers this small arrive in one piece: it is handed on as it is, not copied.
        return cap(first, operation);
    };
    let mut body = BytesMut::from(cap(first, operation)?);
    loop {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large(operation));
        }
        body.extend_from_slice(&chunk);
        match response.chunk().await.map_err(read_error)? {
            Some(next) => chunk = next,
            None => return Ok(body.freeze()),
        }
    }
}

fn cap(body: Bytes, operation: &str) -> Result<Bytes> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(too_large(operation));
    }
    Ok(body)
}

fn too_large(operation: &str) -> Error {
    Error::unexpected_response(format!(
        "{operation}: the answer is larger than {MAX_RESPONSE_BYTES} bytes"
    ))
    .with_provider(PROVIDER)
}

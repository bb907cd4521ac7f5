//! Sending requests: credentials, the retry loop, error mapping, capped reads and tracing.
//!
//! The retry rule lives here and in the core's [`RetryPolicy`]: an attempt that failed is
//! repeated when the request's [`Repeat`] allows it for that failure, after the policy's backoff
//! or the server's `Retry-After` (or rate-limit reset), within the policy's attempts and time
//! budget. A 401 on a token-authenticated request renews the token and sends the request once
//! more within the same attempt. What a create's failure means once it may have arrived is
//! decided by [`Repeat`] too.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use signing_core::{Error, Result, RetryPolicy, TransportKind, parse_retry_after};
use tracing::Instrument as _;

use crate::answer::{Answer, Origin, StreamedAnswer, read_capped};
use crate::auth::{Auth, Credential};
use crate::body::Body;
use crate::errors::{ErrorAnswer, ErrorMapper, transport_error};
use crate::repeat::may_have_arrived;
use crate::request::Request;
use crate::settle::Attempted;
use crate::upload::upload_error;

/// Sends requests for one provider. Cheap to clone: clones share the client, the credentials
/// and the token cache. Built by [`HttpSettings::transport`](crate::HttpSettings::transport).
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    provider: &'static str,
    client: reqwest::Client,
    auth: Auth,
    errors: Arc<dyn ErrorMapper>,
    retry: RetryPolicy,
    timeout: Duration,
    max_response_bytes: usize,
}

/// A failed attempt, and whether its request may have reached the server.
struct Failure {
    error: Error,
    sent: bool,
}

impl Failure {
    fn unsent(error: Error) -> Self {
        Self { error, sent: false }
    }

    fn sent(error: Error) -> Self {
        Self { error, sent: true }
    }
}

impl Transport {
    pub(crate) fn new(
        provider: &'static str,
        client: reqwest::Client,
        auth: Auth,
        errors: Arc<dyn ErrorMapper>,
        retry: RetryPolicy,
        timeout: Duration,
        max_response_bytes: usize,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                provider,
                client,
                auth,
                errors,
                retry,
                timeout,
                max_response_bytes,
            }),
        }
    }

    /// The provider's name, put on every error.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// How requests are authenticated.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The `reqwest` client requests go through.
    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Sends `request`, repeating it as its [`Repeat`](crate::Repeat) allows, and reads a
    /// successful answer whole.
    pub async fn send(&self, request: &Request) -> Result<Answer> {
        self.send_tracked(request).await.result
    }

    /// Like [`send`](Self::send), and also tells whether the last attempt followed one that
    /// may have been carried out (for [`settle`](crate::settle)).
    pub async fn send_tracked(&self, request: &Request) -> Attempted<Answer> {
        self.run(request, &read_whole).await
    }

    /// Sends `request` once, without the retry loop, with the errors of a request that is safe
    /// to repeat: for a step of a larger attempt (a token request) whose caller retries.
    pub async fn send_once(&self, request: &Request) -> Result<Answer> {
        let origin = self.origin(request);
        self.attempt(request, 1, &read_whole)
            .await
            .map_err(|failure| failure.error.with_provider(origin.provider))
    }

    /// Sends `request` like [`send`](Self::send) but hands the successful answer's body over
    /// as it arrives; retries end once a successful answer's head arrived.
    pub async fn send_streamed(&self, request: &Request) -> Result<StreamedAnswer> {
        self.run(request, &|response: reqwest::Response,
                            origin: Origin,
                            cap: Option<usize>| {
            let status = response.status();
            let headers = response.headers().clone();
            let cap = cap.and_then(|cap| u64::try_from(cap).ok());
            async move {
                Ok(StreamedAnswer {
                    status,
                    headers,
                    response,
                    cap,
                    origin,
                })
            }
        })
        .await
        .result
    }

    /// Sends `request` and decodes the JSON answer.
    pub async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        self.send(request).await?.json()
    }

    /// Sends a request answered with no content (204).
    pub async fn no_content(&self, request: &Request) -> Result<()> {
        self.send(request).await?.expect_no_content()
    }

    /// Like [`no_content`](Self::no_content), tracked as [`send_tracked`](Self::send_tracked).
    pub async fn no_content_tracked(&self, request: &Request) -> Attempted<()> {
        let attempted = self.send_tracked(request).await;
        Attempted {
            result: attempted
                .result
                .and_then(|answer| answer.expect_no_content()),
            after_ambiguous_failure: attempted.after_ambiguous_failure,
        }
    }

    fn origin(&self, request: &Request) -> Origin {
        Origin {
            provider: self.inner.provider,
            operation: request.operation,
            repeat: request.repeat,
            hint: self.inner.errors.outcome_unknown_hint(),
        }
    }

    /// The retry loop around [`attempt`](Self::attempt).
    async fn run<T, F, Fut>(&self, request: &Request, finish: &F) -> Attempted<T>
    where
        F: Fn(reqwest::Response, Origin, Option<usize>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let origin = self.origin(request);
        // Whether the last failure's request may have left; whether any failure so far may have
        // been carried out; whether the attempt now running came after such a failure.
        let sent = AtomicBool::new(false);
        let seen = AtomicBool::new(false);
        let follows = AtomicBool::new(false);
        let result = self
            .inner
            .retry
            .run_when(
                |error| {
                    request
                        .repeat
                        .allows_retry(error, sent.load(Ordering::Relaxed))
                },
                |number| {
                    let (sent, seen, follows) = (&sent, &seen, &follows);
                    async move {
                        follows.store(seen.load(Ordering::Relaxed), Ordering::Relaxed);
                        self.attempt(request, number, finish)
                            .await
                            .map_err(|failure| {
                                sent.store(failure.sent, Ordering::Relaxed);
                                if failure.sent && may_have_arrived(&failure.error) {
                                    seen.store(true, Ordering::Relaxed);
                                }
                                failure.error
                            })
                    }
                },
            )
            .await
            .map_err(|error| {
                if sent.load(Ordering::Relaxed) {
                    origin.conclude(error)
                } else {
                    error.with_provider(origin.provider)
                }
            });
        Attempted {
            result,
            after_ambiguous_failure: follows.into_inner(),
        }
    }

    /// One attempt: the credential, the exchange (again once after a 401 with a renewed
    /// token), and the answer, finished by `finish` when successful and mapped when not.
    async fn attempt<T, F, Fut>(
        &self,
        request: &Request,
        number: u32,
        finish: &F,
    ) -> Result<T, Failure>
    where
        F: Fn(reqwest::Response, Origin, Option<usize>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let span = tracing::debug_span!(
            "signing_http.request",
            provider = self.inner.provider,
            operation = request.operation,
            method = %request.method,
            path = request.url.path(),
            attempt = number,
            status = tracing::field::Empty,
        );
        let current = span.clone();
        async move {
            let origin = self.origin(request);
            let credential = if request.authenticated {
                self.inner
                    .auth
                    .credential()
                    .await
                    .map_err(Failure::unsent)?
            } else {
                Credential::None
            };
            let mut response = self.exchange(request, &credential).await?;
            if response.status() == StatusCode::UNAUTHORIZED
                && let Credential::Token(stale) = &credential
                && let Some(cache) = self.inner.auth.token_cache()
            {
                // The token may have been revoked or expired early: fetch another, once. A
                // refused request took no effect, so a failed renewal leaves nothing sent.
                cache.invalidate(stale);
                let renewed = Credential::Token(cache.token().await.map_err(Failure::unsent)?);
                response = self.exchange(request, &renewed).await?;
            }
            let status = response.status();
            current.record("status", status.as_u16());
            if status.is_success() {
                return finish(response, origin, Some(self.cap(request)))
                    .await
                    .map_err(Failure::sent);
            }
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, SystemTime::now()));
            let body = read_capped(&mut response, self.cap(request), origin)
                .await
                .map_err(Failure::sent)?;
            let error = self.inner.errors.map(&ErrorAnswer {
                operation: request.operation,
                method: &request.method,
                status,
                headers: response.headers(),
                body: &body,
                retry_after,
            });
            let error = match error.status() {
                Some(_) => error,
                None => error.with_status(status.as_u16()),
            };
            Err(Failure::sent(error.with_provider(origin.provider)))
        }
        .instrument(span)
        .await
    }

    fn cap(&self, request: &Request) -> usize {
        request
            .max_response_bytes
            .unwrap_or(self.inner.max_response_bytes)
    }

    /// Sends the request once and returns the answer's head.
    async fn exchange(
        &self,
        request: &Request,
        credential: &Credential<'_>,
    ) -> Result<reqwest::Response, Failure> {
        // The request's own headers first; what the transport sets replaces a header of the
        // same name rather than being sent next to it.
        let mut headers = request.headers.clone();
        headers.insert(ACCEPT, request.accept.clone());
        match credential {
            Credential::None => {}
            Credential::Header(name, value) => {
                headers.insert((*name).clone(), (*value).clone());
            }
            Credential::Token(token) => {
                headers.insert(AUTHORIZATION, token.authorization().clone());
            }
        }
        let mut builder = self
            .inner
            .client
            .request(request.method.clone(), request.url.clone())
            .timeout(self.inner.timeout);
        builder = match &request.body {
            Body::Empty => builder.headers(headers),
            Body::Json(bytes) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                builder.headers(headers).body(bytes.clone())
            }
            Body::Form(bytes) => {
                headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                builder.headers(headers).body(bytes.clone())
            }
            Body::Multipart { source, .. } => {
                // Built here, for each attempt: the documents it streams are opened anew.
                let form = source.form().await.map_err(Failure::unsent)?;
                let content_type = HeaderValue::try_from(form.content_type()).map_err(|e| {
                    Failure::unsent(Error::invalid_request("request", e.to_string()))
                })?;
                headers.insert(CONTENT_TYPE, content_type);
                let (body, len) = form.into_body();
                // A known length is announced, so the server can refuse an upload too large
                // before it arrives; the body is streamed either way.
                if let Some(len) = len {
                    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
                }
                builder.headers(headers).body(body)
            }
        };
        builder.send().await.map_err(|e| {
            // A document that stopped streaming (over the limit, unreadable) ended the body
            // early: the server never had a whole request, so nothing was carried out, and the
            // caller sees why the document stopped.
            if let Some(error) = upload_error(&e) {
                return Failure::unsent(error);
            }
            let error = transport_error(request.operation, "sending the request", e);
            let sent = !matches!(
                error.kind(),
                signing_core::ErrorKind::Transport {
                    kind: TransportKind::Connect,
                    ..
                }
            );
            Failure { error, sent }
        })
    }
}

/// Reads a successful answer whole.
async fn read_whole(
    mut response: reqwest::Response,
    origin: Origin,
    cap: Option<usize>,
) -> Result<Answer> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let cap = cap.unwrap_or(usize::MAX);
    let body = read_capped(&mut response, cap, origin).await?;
    Ok(Answer {
        status,
        headers,
        body,
        origin,
    })
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.inner.provider)
            .field("auth", &self.inner.auth)
            .field("errors", &self.inner.errors)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish_non_exhaustive()
    }
}

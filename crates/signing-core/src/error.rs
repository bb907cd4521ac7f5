//! The one error type every provider returns.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::id::EnvelopeId;
use crate::webhook::WebhookError;

/// A boxed error kept as the source of an [`Error`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The result type of every fallible operation in the signing crates.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, independent of the provider.
///
/// Match on this to decide what to do; the provider's own words stay in the messages and in
/// [`Error::source`](std::error::Error::source).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request was refused before anything was sent, or the provider said it is invalid.
    InvalidRequest {
        /// The offending field, as a path into the request (`signers[1].email`).
        field: String,
        /// Why the value is not accepted.
        reason: String,
    },
    /// The provider does not offer this operation or option.
    Unsupported {
        /// The operation or option that was asked for.
        operation: Cow<'static, str>,
        /// The provider that lacks it.
        provider: Cow<'static, str>,
    },
    /// The credentials are missing, wrong or expired.
    Unauthenticated {
        /// The provider's explanation.
        message: String,
    },
    /// The credentials are valid but not allowed to do this.
    PermissionDenied {
        /// The provider's explanation.
        message: String,
    },
    /// The envelope (or another resource) does not exist.
    NotFound {
        /// What was looked for.
        message: String,
    },
    /// The envelope is in a state that does not allow the operation (cancelling a completed
    /// envelope, editing a sent one).
    InvalidState {
        /// The provider's explanation.
        message: String,
    },
    /// The provider asks the caller to slow down.
    RateLimited {
        /// How long the provider asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The provider failed or refused in a way no other kind describes.
    Provider {
        /// The HTTP status, when there was one.
        status: Option<u16>,
        /// The provider's error code, when it gave one.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// The request did not complete at the transport level.
    Transport {
        /// Which transport failure.
        kind: TransportKind,
        /// A description of the failure.
        message: String,
    },
    /// The provider answered with something the adapter cannot understand.
    UnexpectedResponse {
        /// What was wrong with the answer.
        message: String,
    },
    /// An incoming webhook or callback failed verification.
    WebhookVerification(WebhookError),
    /// A request that may or may not have taken effect: it may have reached the provider before
    /// the connection failed. Repeating it could, for example, create a second envelope.
    OutcomeUnknown {
        /// The operation whose outcome is unknown.
        operation: Cow<'static, str>,
        /// What happened to the request.
        message: String,
    },
}

/// The transport failures an [`ErrorKind::Transport`] distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made; the request was certainly not sent.
    Connect,
    /// The request or the response took too long.
    Timeout,
    /// The connection broke or another I/O error happened.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Other => "connection",
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRequest { field, reason } => write!(f, "invalid `{field}`: {reason}"),
            Self::Unsupported {
                operation,
                provider,
            } => write!(f, "{provider} does not support {operation}"),
            Self::Unauthenticated { message } => write!(f, "unauthenticated: {message}"),
            Self::PermissionDenied { message } => write!(f, "permission denied: {message}"),
            Self::NotFound { message } => write!(f, "not found: {message}"),
            Self::InvalidState { message } => write!(f, "invalid state: {message}"),
            Self::RateLimited {
                retry_after: Some(after),
            } => write!(f, "rate limited: retry after {}s", after.as_secs_f64()),
            Self::RateLimited { retry_after: None } => f.write_str("rate limited"),
            Self::Provider {
                status,
                code,
                message,
            } => {
                f.write_str("provider error")?;
                if let Some(status) = status {
                    write!(f, " {status}")?;
                }
                if let Some(code) = code {
                    write!(f, " ({code})")?;
                }
                write!(f, ": {message}")
            }
            Self::Transport { kind, message } => write!(f, "{kind} error: {message}"),
            Self::UnexpectedResponse { message } => write!(f, "unexpected response: {message}"),
            Self::WebhookVerification(why) => write!(f, "webhook rejected: {why}"),
            Self::OutcomeUnknown { operation, message } => {
                write!(
                    f,
                    "outcome of {operation} unknown (it may have taken effect): {message}"
                )
            }
        }
    }
}

/// The error of every signing operation: a kind to match on, plus context.
///
/// ```
/// use signing_core::{Error, ErrorKind};
///
/// let err = Error::invalid_request("signers[0].email", "`ada@` is not an e-mail address");
/// assert!(matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "signers[0].email"));
/// assert!(!err.is_retryable());
/// assert_eq!(err.to_string(), "invalid `signers[0].email`: `ada@` is not an e-mail address");
/// ```
///
/// Errors are cheap to clone (the source is shared), so one failure can be handed to every
/// caller that waited on the same attempt.
#[derive(Clone)]
pub struct Error {
    // Boxed so `Result<T, Error>` stays one pointer wide on the happy path.
    inner: Box<Inner>,
}

/// What a [`RateLimited`](ErrorKind::RateLimited) refusal holds back.
///
/// ```
/// use std::time::Duration;
/// use signing_core::{Error, ErrorKind, RateLimitScope};
///
/// let limited = Error::new(ErrorKind::RateLimited { retry_after: Some(Duration::from_secs(900)) })
///     .with_rate_limit_scope(RateLimitScope::Resource);
/// assert_eq!(limited.rate_limit_scope(), Some(RateLimitScope::Resource));
/// assert_eq!(Error::invalid_state("draft").rate_limit_scope(), None);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RateLimitScope {
    /// Every call with the same credentials must wait: an account's hourly or burst limit.
    #[default]
    Account,
    /// Only calls about the resource the refused call was about must wait, such as reads of
    /// one envelope under DocuSign's polling rule; other calls may go on.
    Resource,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    provider: Option<Cow<'static, str>>,
    status: Option<u16>,
    orphaned: Option<EnvelopeId>,
    retry_after: Option<Duration>,
    rate_limit_scope: RateLimitScope,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    /// An error of this kind.
    pub fn new(kind: ErrorKind) -> Self {
        let status = match &kind {
            ErrorKind::Provider { status, .. } => *status,
            _ => None,
        };
        Self {
            inner: Box::new(Inner {
                kind,
                provider: None,
                status,
                orphaned: None,
                retry_after: None,
                rate_limit_scope: RateLimitScope::Account,
                source: None,
            }),
        }
    }

    /// An [`ErrorKind::InvalidRequest`] naming `field`.
    pub fn invalid_request(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest {
            field: field.into(),
            reason: reason.into(),
        })
    }

    /// An [`ErrorKind::Unsupported`] for `operation` on `provider`.
    pub fn unsupported(
        operation: impl Into<Cow<'static, str>>,
        provider: impl Into<Cow<'static, str>>,
    ) -> Self {
        let provider = provider.into();
        Self::new(ErrorKind::Unsupported {
            operation: operation.into(),
            provider: provider.clone(),
        })
        .with_provider(provider)
    }

    /// An [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound {
            message: message.into(),
        })
    }

    /// An [`ErrorKind::InvalidState`].
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidState {
            message: message.into(),
        })
    }

    /// An [`ErrorKind::UnexpectedResponse`].
    pub fn unexpected_response(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnexpectedResponse {
            message: message.into(),
        })
    }

    /// An [`ErrorKind::Transport`].
    pub fn transport(kind: TransportKind, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transport {
            kind,
            message: message.into(),
        })
    }

    /// An [`ErrorKind::OutcomeUnknown`] for `operation`.
    pub fn outcome_unknown(
        operation: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::OutcomeUnknown {
            operation: operation.into(),
            message: message.into(),
        })
    }

    /// The error for an HTTP error response, mapped the same way for every provider:
    /// 400 and 422 are invalid requests, 401 unauthenticated, 403 permission denied, 404 not
    /// found, 409 invalid state, 413 a document too large, 429 rate limited (with
    /// `retry_after`), anything else a provider error. The status is kept, and so is
    /// `retry_after` whatever the status (a 503 may carry one too).
    ///
    /// ```
    /// use signing_core::{Error, ErrorKind};
    ///
    /// let err = Error::from_http_status(409, "Agreement is not in Draft", None, None);
    /// assert!(matches!(err.kind(), ErrorKind::InvalidState { .. }));
    /// assert_eq!(err.status(), Some(409));
    /// assert!(Error::from_http_status(503, "busy", None, None).is_retryable());
    /// ```
    pub fn from_http_status(
        status: u16,
        message: impl Into<String>,
        code: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let message = message.into();
        let kind = match status {
            400 | 422 => ErrorKind::InvalidRequest {
                field: "request".to_owned(),
                reason: message,
            },
            413 => ErrorKind::InvalidRequest {
                field: "documents".to_owned(),
                reason: message,
            },
            401 => ErrorKind::Unauthenticated { message },
            403 => ErrorKind::PermissionDenied { message },
            404 | 410 => ErrorKind::NotFound { message },
            409 => ErrorKind::InvalidState { message },
            429 => ErrorKind::RateLimited { retry_after },
            _ => ErrorKind::Provider {
                status: Some(status),
                code,
                message,
            },
        };
        let mut error = Self::new(kind).with_status(status);
        error.inner.retry_after = retry_after;
        error
    }

    /// Names the provider the error came from.
    #[must_use]
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.inner.provider = Some(provider.into());
        self
    }

    /// Records the HTTP status of the response that caused the error.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Keeps `source` as the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(Arc::from(source.into()));
        self
    }

    /// Records an envelope the failed operation created but could not clean up, so the caller
    /// can delete it or retry with it; nothing is left behind silently.
    #[must_use]
    pub fn with_orphaned_envelope(mut self, id: EnvelopeId) -> Self {
        self.inner.orphaned = Some(id);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The provider the error came from, when known.
    pub fn provider(&self) -> Option<&str> {
        self.inner.provider.as_deref()
    }

    /// The HTTP status of the response behind the error, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// An envelope the failed operation created and could not remove (see
    /// [`with_orphaned_envelope`](Self::with_orphaned_envelope)).
    pub fn orphaned_envelope(&self) -> Option<&EnvelopeId> {
        self.inner.orphaned.as_ref()
    }

    /// How long the provider asked to wait before retrying, when it said (a rate limit, or a
    /// `Retry-After` on another answer such as 503).
    pub fn retry_after(&self) -> Option<Duration> {
        match self.inner.kind {
            ErrorKind::RateLimited {
                retry_after: Some(after),
            } => Some(after),
            _ => self.inner.retry_after,
        }
    }

    /// What a rate limit holds back: `None` unless the error is
    /// [`RateLimited`](ErrorKind::RateLimited), then [`RateLimitScope::Account`] unless the
    /// provider said it concerns one resource only.
    pub fn rate_limit_scope(&self) -> Option<RateLimitScope> {
        matches!(self.inner.kind, ErrorKind::RateLimited { .. })
            .then_some(self.inner.rate_limit_scope)
    }

    /// Says what a rate limit holds back (see [`rate_limit_scope`](Self::rate_limit_scope)).
    #[must_use]
    pub fn with_rate_limit_scope(mut self, scope: RateLimitScope) -> Self {
        self.inner.rate_limit_scope = scope;
        self
    }

    /// Whether repeating the same request later may succeed and is safe: rate limits, timeouts
    /// and connection failures, and provider-side (5xx) failures.
    ///
    /// [`ErrorKind::OutcomeUnknown`] is deliberately not retryable: the request may have taken
    /// effect, and only the caller can tell whether repeating it is harmless.
    pub fn is_retryable(&self) -> bool {
        match &self.inner.kind {
            ErrorKind::RateLimited { .. } | ErrorKind::Transport { .. } => true,
            ErrorKind::Provider { status, .. } => {
                matches!(status, Some(500..=599 | 408))
            }
            _ => false,
        }
    }

    /// Whether the error is a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        )
    }

    /// Whether the envelope or resource does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::NotFound { .. })
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl From<WebhookError> for Error {
    fn from(why: WebhookError) -> Self {
        Self::new(ErrorKind::WebhookVerification(why))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.inner.kind);
        if let Some(provider) = &self.inner.provider {
            s.field("provider", provider);
        }
        if let Some(status) = &self.inner.status {
            s.field("status", status);
        }
        if let Some(orphaned) = &self.inner.orphaned {
            s.field("orphaned", orphaned);
        }
        if let Some(scope) = self.rate_limit_scope()
            && scope != RateLimitScope::Account
        {
            s.field("rate_limit_scope", &scope);
        }
        if let Some(source) = &self.inner.source {
            s.field("source", source);
        }
        s.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.inner.provider, &self.inner.kind) {
            // The kind already names the provider.
            (_, ErrorKind::Unsupported { .. }) | (None, _) => write!(f, "{}", self.inner.kind)?,
            (Some(provider), kind) => write!(f, "{provider}: {kind}")?,
        }
        if let Some(id) = &self.inner.orphaned {
            write!(
                f,
                " (envelope {id} was created and could not be removed: delete it or reuse it)"
            )?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let rate = Error::new(ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        });
        assert!(rate.is_retryable());
        assert_eq!(rate.retry_after(), Some(Duration::from_secs(3)));

        let timeout = Error::transport(TransportKind::Timeout, "after 30s");
        assert!(timeout.is_retryable() && timeout.is_timeout());

        let server = Error::new(ErrorKind::Provider {
            status: Some(503),
            code: None,
            message: "busy".into(),
        });
        assert!(server.is_retryable());
        assert_eq!(server.status(), Some(503));

        let client = Error::new(ErrorKind::Provider {
            status: Some(422),
            code: Some("bad".into()),
            message: "no".into(),
        });
        assert!(!client.is_retryable());

        for err in [
            Error::invalid_request("title", "empty"),
            Error::unsupported("cancel", "p"),
            Error::not_found("envelope x"),
            Error::invalid_state("completed"),
            Error::outcome_unknown("send", "connection reset"),
            Error::from(WebhookError::SignatureMismatch),
            Error::new(ErrorKind::Unauthenticated {
                message: "expired".into(),
            }),
        ] {
            assert!(!err.is_retryable(), "{err:?}");
            assert_eq!(err.retry_after(), None);
        }
        assert!(Error::not_found("x").is_not_found());
    }

    #[test]
    fn http_statuses_map_in_one_place() {
        let kind = |status| Error::from_http_status(status, "m", None, None);
        assert!(
            matches!(kind(400).kind(), ErrorKind::InvalidRequest { field, reason } if field == "request" && reason == "m")
        );
        assert!(
            matches!(kind(413).kind(), ErrorKind::InvalidRequest { field, .. } if field == "documents")
        );
        assert!(matches!(
            kind(401).kind(),
            ErrorKind::Unauthenticated { .. }
        ));
        assert!(matches!(
            kind(403).kind(),
            ErrorKind::PermissionDenied { .. }
        ));
        assert!(kind(404).is_not_found());
        assert!(matches!(kind(409).kind(), ErrorKind::InvalidState { .. }));
        let limited = Error::from_http_status(429, "slow", None, Some(Duration::from_secs(2)));
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(2)));
        assert!(limited.is_retryable());
        for status in [500, 502, 503, 504, 408] {
            assert!(kind(status).is_retryable(), "{status}");
            assert_eq!(kind(status).status(), Some(status));
        }
        assert!(!kind(418).is_retryable());
        let busy = Error::from_http_status(503, "busy", None, Some(Duration::from_secs(4)));
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(4)));
    }

    #[test]
    fn display_names_provider_and_orphan() {
        let err = Error::not_found("agreement 42")
            .with_provider("heysign")
            .with_status(404);
        assert_eq!(err.to_string(), "heysign: not found: agreement 42");
        assert_eq!(err.status(), Some(404));

        let err = Error::unsupported("sequential signing", "heysign");
        assert_eq!(
            err.to_string(),
            "heysign does not support sequential signing"
        );
        assert_eq!(err.provider(), Some("heysign"));

        let err = Error::transport(TransportKind::Other, "reset")
            .with_orphaned_envelope(EnvelopeId::new("draft-1"));
        assert_eq!(
            err.orphaned_envelope().map(EnvelopeId::as_str),
            Some("draft-1")
        );
        assert!(err.to_string().contains("envelope draft-1 was created"));
    }

    #[test]
    fn source_chain_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer reset");
        let err = Error::transport(TransportKind::Other, "send failed").with_source(io);
        let source = StdError::source(&err).expect("source");
        assert_eq!(source.to_string(), "peer reset");
    }
}

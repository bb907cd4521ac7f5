//! Whether a request may be sent again, and what its failure means when it may not.

use signing_core::{Error, ErrorKind, TransportKind};

/// How a request may be repeated after a failed attempt. Chosen per request by the adapter,
/// from what the request does; the retry loop and the error a caller sees follow from it.
///
/// | | repeated after | a lost, unreadable or 5xx answer is |
/// |---|---|---|
/// | `Safe` | any [retryable](Error::is_retryable) failure | that failure (retried) |
/// | `IfUnsent` | a failure before it left (connect error, token failure) or a 429 | [`OutcomeUnknown`](ErrorKind::OutcomeUnknown) |
/// | `Never` | nothing | `OutcomeUnknown` |
///
/// A 503 is the exception among 5xx answers: the service said it did not take the request, so a
/// create answered 503 keeps its `Provider` error (and is not repeated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Repeat {
    /// Reads, and changes whose repetition changes nothing more (cancel, delete).
    Safe,
    /// Creates, uploads, submits: repeated only when they provably never arrived or were refused
    /// unprocessed; once they may have arrived, their failure is `OutcomeUnknown`.
    IfUnsent,
    /// Sent at most once (a body that cannot be produced again); failures after it may have
    /// arrived are `OutcomeUnknown`.
    Never,
}

impl Repeat {
    /// Whether another attempt may follow a failure. `sent` says whether the failed attempt's
    /// request may have reached the server.
    pub(crate) fn allows_retry(self, error: &Error, sent: bool) -> bool {
        match self {
            Self::Safe => error.is_retryable(),
            Self::IfUnsent => {
                (!sent && error.is_retryable())
                    || matches!(error.kind(), ErrorKind::RateLimited { .. })
            }
            Self::Never => false,
        }
    }

    /// The error a caller sees for a failure of a request that may have arrived: for a request
    /// that is not safe to repeat, anything that leaves its effect open is `OutcomeUnknown`.
    pub(crate) fn conclude(
        self,
        error: Error,
        operation: &'static str,
        hint: Option<&str>,
    ) -> Error {
        if self == Self::Safe {
            return error;
        }
        let what = match error.kind() {
            ErrorKind::Transport {
                kind: TransportKind::Timeout | TransportKind::Other,
                ..
            } => error.to_string(),
            ErrorKind::UnexpectedResponse { message } => {
                format!("the answer cannot be read: {message}")
            }
            ErrorKind::Provider {
                status: Some(status),
                ..
            } if (500..=599).contains(status) && *status != 503 => {
                format!("the server failed after receiving it: {error}")
            }
            _ => return error,
        };
        let message = match hint {
            Some(hint) => format!("{what}; {hint}"),
            None => what,
        };
        let mut unknown = Error::outcome_unknown(operation, message);
        if let Some(status) = error.status() {
            unknown = unknown.with_status(status);
        }
        unknown.with_source(error)
    }
}

/// Whether a failure leaves open that the request arrived and was carried out.
pub(crate) fn may_have_arrived(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Transport {
            kind: TransportKind::Timeout | TransportKind::Other,
            ..
        } | ErrorKind::OutcomeUnknown { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Error {
        Error::from_http_status(code, "m", None, None)
    }

    #[test]
    fn creates_repeat_only_what_never_arrived() {
        let connect = Error::transport(TransportKind::Connect, "refused");
        let timeout = Error::transport(TransportKind::Timeout, "slow");
        let limited = status(429);
        for (error, sent, safe, if_unsent) in [
            (&connect, false, true, true),
            (&timeout, true, true, false),
            (&timeout, false, true, true),
            (&limited, true, true, true),
            (&status(500), true, true, false),
            (&status(503), true, true, false),
            (&status(404), true, false, false),
        ] {
            assert_eq!(Repeat::Safe.allows_retry(error, sent), safe, "{error:?}");
            assert_eq!(
                Repeat::IfUnsent.allows_retry(error, sent),
                if_unsent,
                "{error:?}"
            );
            assert!(!Repeat::Never.allows_retry(error, sent));
        }
    }

    #[test]
    fn ambiguous_failures_of_creates_are_outcome_unknown() {
        let unknown = |error: Error| {
            let concluded = Repeat::IfUnsent.conclude(error, "create", Some("look first"));
            assert!(
                matches!(concluded.kind(), ErrorKind::OutcomeUnknown { operation, message }
                    if operation == "create" && message.ends_with("; look first")),
                "{concluded:?}"
            );
            assert!(!concluded.is_retryable());
            concluded
        };
        unknown(Error::transport(TransportKind::Timeout, "t"));
        unknown(Error::transport(TransportKind::Other, "reset"));
        unknown(Error::unexpected_response("not JSON"));
        for code in [500, 502, 504] {
            assert_eq!(unknown(status(code)).status(), Some(code));
        }
        for kept in [
            status(503),
            status(400),
            Error::transport(TransportKind::Connect, "refused"),
        ] {
            let before = kept.to_string();
            assert_eq!(
                Repeat::Never.conclude(kept, "create", None).to_string(),
                before
            );
        }
        let read = Repeat::Safe.conclude(status(500), "get", None);
        assert!(matches!(read.kind(), ErrorKind::Provider { .. }));
    }
}

//! The one error type of the tool, and the exit codes scripts rely on.

use std::fmt;
use std::process::ExitCode;

use signing::{Error, ErrorKind};

/// What kind of failure ended the command; each is one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// Anything the other codes do not describe, such as output that cannot be written.
    Failure = 1,
    /// The input was wrong: usage, document, signer, configuration, an unsupported option.
    InvalidInput = 2,
    /// The provider understood the request and refused it.
    Refused = 3,
    /// The provider could not be reached, failed, or answered something unreadable.
    Transport = 4,
    /// A captured webhook failed verification.
    WebhookRejected = 5,
    /// `--timeout` elapsed before the envelope reached a final status.
    TimedOut = 6,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        // The discriminants are the documented exit codes.
        ExitCode::from(code as u8)
    }
}

/// A failure: its exit code and the one line printed after `error: `.
#[derive(Debug)]
pub(crate) struct CliError {
    code: Code,
    message: String,
}

impl CliError {
    /// A failure with this code and message.
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Invalid input (exit code 2).
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidInput, message)
    }

    /// Standard output could not be written (exit code 1).
    pub(crate) fn output(err: &std::io::Error) -> Self {
        Self::new(
            Code::Failure,
            format!("cannot write to standard output: {err}"),
        )
    }

    /// The exit code.
    pub(crate) fn code(&self) -> Code {
        self.code
    }
}

impl fmt::Display for CliError {
    // Provider messages may span lines; the contract is one line per error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words = self.message.split_whitespace();
        if let Some(first) = words.next() {
            f.write_str(first)?;
        }
        for word in words {
            write!(f, " {word}")?;
        }
        Ok(())
    }
}

impl From<Error> for CliError {
    fn from(err: Error) -> Self {
        Self::new(code_of(&err), err.to_string())
    }
}

/// The exit code of a library error. `Error`'s `Display` never shows a secret, so its message
/// is printed as it is.
pub(crate) fn code_of(err: &Error) -> Code {
    match err.kind() {
        ErrorKind::InvalidRequest { .. } | ErrorKind::Unsupported { .. } => Code::InvalidInput,
        ErrorKind::Unauthenticated { .. }
        | ErrorKind::PermissionDenied { .. }
        | ErrorKind::NotFound { .. }
        | ErrorKind::InvalidState { .. } => Code::Refused,
        ErrorKind::Provider { .. } if err.status().is_some_and(|s| (400..500).contains(&s)) => {
            Code::Refused
        }
        ErrorKind::Provider { .. }
        | ErrorKind::Transport { .. }
        | ErrorKind::RateLimited { .. }
        | ErrorKind::OutcomeUnknown { .. }
        | ErrorKind::UnexpectedResponse { .. } => Code::Transport,
        ErrorKind::WebhookVerification(_) => Code::WebhookRejected,
        _ => Code::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signing::TransportKind;
    use signing::webhook::WebhookError;

    fn provider(status: Option<u16>) -> Error {
        Error::new(ErrorKind::Provider {
            status,
            code: None,
            message: "m".into(),
        })
    }

    #[test]
    fn every_kind_has_its_code() {
        let cases = [
            (Error::invalid_request("title", "empty"), Code::InvalidInput),
            (
                Error::unsupported("cc recipients", "heysign"),
                Code::InvalidInput,
            ),
            (Error::from_http_status(401, "m", None, None), Code::Refused),
            (Error::from_http_status(403, "m", None, None), Code::Refused),
            (Error::not_found("envelope x"), Code::Refused),
            (Error::invalid_state("completed"), Code::Refused),
            (provider(Some(418)), Code::Refused),
            (provider(Some(503)), Code::Transport),
            (provider(None), Code::Transport),
            (
                Error::from_http_status(429, "m", None, None),
                Code::Transport,
            ),
            (
                Error::transport(TransportKind::Connect, "refused"),
                Code::Transport,
            ),
            (Error::outcome_unknown("send", "reset"), Code::Transport),
            (Error::unexpected_response("not JSON"), Code::Transport),
            (
                Error::from(WebhookError::SignatureMismatch),
                Code::WebhookRejected,
            ),
        ];
        for (err, code) in cases {
            assert_eq!(code_of(&err), code, "{err}");
        }
    }

    #[test]
    fn messages_are_one_line() {
        let err = CliError::input("first\nsecond\r\n  third ");
        assert_eq!(err.to_string(), "first second third");
        assert_eq!(ExitCode::from(Code::TimedOut), ExitCode::from(6));
    }
}

//! LEAP Sign's error answers: the one place its error body is read.

use signing_core::Error;
use signing_http::{ErrorAnswer, ErrorMapper, clean_message};

use crate::wire::ErrorBody;

/// The provider name: in errors, envelopes and events.
pub const PROVIDER: &str = "leap-sign";

/// What LEAP says in the message of a 500 caused by an unusable request body.
const MALFORMED_BODY: &str = "malformed request body";

/// The operation name of cancel, whose 400 means the project is already finished.
pub(crate) const CANCEL: &str = "cancel";

/// Reads LEAP's `{"status", "error", "message"}` into the status table's error, with LEAP's own
/// meanings: a 500 "malformed request body" is the request's fault, and cancel's 400 means the
/// project is already completed or cancelled.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LeapErrors;

impl ErrorMapper for LeapErrors {
    fn map(&self, answer: &ErrorAnswer<'_>) -> Error {
        let parsed: ErrorBody = serde_json::from_slice(answer.body).unwrap_or_default();
        let message = parsed
            .message
            .map(|message| clean_message(&message))
            .filter(|message| !message.is_empty())
            .unwrap_or_else(|| answer.fallback_message());
        match answer.status.as_u16() {
            // LEAP documents 500 as its answer to a body it cannot parse: the request is at fault.
            500 if message.to_ascii_lowercase().contains(MALFORMED_BODY) => {
                Error::invalid_request("request", message)
            }
            400 if answer.operation == CANCEL => Error::invalid_state(message),
            _ => answer.status_error(message, parsed.error),
        }
    }

    fn outcome_unknown_hint(&self) -> Option<&'static str> {
        Some(
            "a project may have been created. LEAP Sign cannot deduplicate or search launches: \
             check for the project (its completion callback, or the LEAP application) before \
             sending again",
        )
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, Method, StatusCode};
    use signing_core::ErrorKind;

    use super::*;

    fn status_of(operation: &'static str, code: u16, body: &str) -> Error {
        let headers = HeaderMap::new();
        LeapErrors.map(&ErrorAnswer::new(
            operation,
            &Method::GET,
            StatusCode::from_u16(code).unwrap(),
            &headers,
            body.as_bytes(),
        ))
    }

    fn status(code: u16, body: &str) -> Error {
        status_of("get process data", code, body)
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

        let err = status(500, r#"{"message":"malformed request body: unknown part"}"#);
        assert!(
            matches!(err.kind(), ErrorKind::InvalidRequest { .. }),
            "{err:?}"
        );

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

        let err = status_of(CANCEL, 400, r#"{"message":"project is COMPLETED"}"#);
        assert!(matches!(err.kind(), ErrorKind::InvalidState { .. }));
    }
}

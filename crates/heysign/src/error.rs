//! HeySign's error answers: the one place its error body is read.

use signing_core::Error;
use signing_http::{ErrorAnswer, ErrorMapper, clean_message};

use crate::wire::Problem;

/// The provider name used in errors, envelopes and events.
pub const PROVIDER: &str = "heysign";

/// Reads HeySign's RFC 7807 problem details (`detail`, else `title`) into the status table's
/// error; the text is cleaned of control characters and capped.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HeySignErrors;

impl ErrorMapper for HeySignErrors {
    fn map(&self, answer: &ErrorAnswer<'_>) -> Error {
        let problem: Problem = serde_json::from_slice(answer.body).unwrap_or_default();
        let message = problem
            .detail
            .or(problem.title)
            .map(|text| clean_message(&text))
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| answer.fallback_message());
        answer.status_error(message, None)
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, Method, StatusCode};

    use super::*;

    #[test]
    fn problem_details_become_clean_messages() {
        let headers = HeaderMap::new();
        let map = |status: u16, body: &str| {
            HeySignErrors.map(&ErrorAnswer::new(
                "get agreement",
                &Method::GET,
                StatusCode::from_u16(status).unwrap(),
                &headers,
                body.as_bytes(),
            ))
        };
        let err = map(
            409,
            r#"{"title":"Conflict","detail":"Agreement is not in\r\nDraft\u001b[2J"}"#,
        );
        assert_eq!(
            err.to_string(),
            "invalid state: Agreement is not in Draft [2J"
        );
        let err = map(404, r#"{"title":"Not Found"}"#);
        assert_eq!(err.to_string(), "not found: Not Found");
        let err = map(502, "<html>gateway</html>");
        assert_eq!(
            err.to_string(),
            "provider error 502: HTTP 502 Bad Gateway: <html>gateway</html>"
        );
    }
}

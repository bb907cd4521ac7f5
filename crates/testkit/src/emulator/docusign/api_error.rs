//! Error answers of the REST API: `{"errorCode": "...", "message": "..."}`.
//!
//! The specification declares only `400 errorDetails` for failures, and DocuSign answers most of
//! them with 400 whatever their kind, an unknown envelope included; clients are meant to map on
//! `errorCode`. Only a missing or bad token is 401.

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;

/// The content type of every JSON answer, as DocuSign sends it.
pub(super) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The message DocuSign gives with `INVALID_REQUEST_BODY`; details follow it.
const BAD_BODY: &str = "The request body is missing or improperly formatted.";

/// A refused API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) message: String,
}

impl ApiError {
    /// A 400 answer with this `errorCode`.
    pub(super) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    /// `INVALID_REQUEST_BODY`: the body is not JSON, or not of the declared shape.
    pub(super) fn bad_body(detail: impl AsRef<str>) -> Self {
        Self::new(
            "INVALID_REQUEST_BODY",
            format!("{BAD_BODY} {}", detail.as_ref()),
        )
    }

    /// `INVALID_REQUEST_PARAMETER`: a parameter or field holds a value that is not allowed.
    pub(super) fn bad_parameter(detail: impl AsRef<str>) -> Self {
        Self::new(
            "INVALID_REQUEST_PARAMETER",
            format!(
                "The request contained at least one invalid parameter. {}",
                detail.as_ref()
            ),
        )
    }

    /// `ENVELOPE_DOES_NOT_EXIST`, still a 400 as DocuSign answers it.
    pub(super) fn no_envelope() -> Self {
        Self::new(
            "ENVELOPE_DOES_NOT_EXIST",
            "The envelope specified either does not exist or you have no rights to it.",
        )
    }

    /// `ENVELOPE_IS_INCOMPLETE`: something needed to send is missing.
    pub(super) fn incomplete(detail: &str) -> Self {
        Self::new(
            "ENVELOPE_IS_INCOMPLETE",
            format!(
                "The Envelope is not Complete. A Complete Envelope Requires Documents, \
                 Recipients, Tabs, and a Subject Line. {detail}"
            ),
        )
    }

    /// `USER_AUTHENTICATION_FAILED` with 401: no bearer token, or an unknown or expired one.
    pub(super) fn unauthenticated() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "USER_AUTHENTICATION_FAILED",
            message: "One or both of Username and Password are invalid. Invalid access token"
                .to_owned(),
        }
    }

    /// A path that is no resource of the API (404).
    pub(super) fn no_such_path() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "INVALID_REQUEST_PARAMETER",
            message: "The URL provided does not resolve to a resource.".to_owned(),
        }
    }

    /// A known path called with a method it does not support (405).
    pub(super) fn method_not_allowed() -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "INVALID_REQUEST_PARAMETER",
            message: "The method is not supported on this resource.".to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (headers, body) = error_parts(self.code, &self.message);
        (self.status, headers, body).into_response()
    }
}

/// The headers and body of an error answer.
pub(super) fn error_parts(code: &str, message: &str) -> (HeaderMap, Bytes) {
    let body = json!({"errorCode": code, "message": message});
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    (headers, Bytes::from(body.to_string()))
}

/// The error body the API host sends for an injected `Fault::Status(code)`.
pub(super) fn fault_body(code: u16) -> (HeaderMap, Bytes) {
    let error_code = match code {
        400 => "INVALID_REQUEST_BODY",
        401 => "USER_AUTHENTICATION_FAILED",
        404 => "ENVELOPE_DOES_NOT_EXIST",
        429 => "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
        _ => "UNSPECIFIED_ERROR",
    };
    error_parts(error_code, "fault injected by the emulator")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_code_and_message() {
        let (headers, body) = error_parts("ENVELOPE_DOES_NOT_EXIST", "gone");
        assert_eq!(headers[header::CONTENT_TYPE], JSON_CONTENT_TYPE);
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            body,
            json!({"errorCode": "ENVELOPE_DOES_NOT_EXIST", "message": "gone"})
        );
        let (_, body) = fault_body(503);
        assert!(String::from_utf8_lossy(&body).contains("UNSPECIFIED_ERROR"));
        assert_eq!(ApiError::no_envelope().status, StatusCode::BAD_REQUEST);
        assert_eq!(ApiError::unauthenticated().status, StatusCode::UNAUTHORIZED);
    }
}

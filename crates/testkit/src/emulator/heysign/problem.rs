//! Errors of the API host as RFC 7807 problem documents.

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;

/// The challenge sent with every 401 of the API host.
const BEARER_CHALLENGE: &str = "Bearer error=\"invalid_token\"";

/// Why the API host refused a request; rendered as `application/problem+json`.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    detail: String,
}

impl ApiError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    /// A validation failure (400).
    pub(super) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// An id in the path that names nothing (404).
    pub(super) fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("{kind} `{id}` was not found"),
        )
    }

    /// A path that is not part of the API (404).
    pub(super) fn no_such_path(path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no resource at `{path}`"))
    }

    /// A known path called with a method it does not support (405).
    pub(super) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "this method is not supported on this resource",
        )
    }

    /// A state rule broken, such as editing an agreement that is no longer a draft (409).
    pub(super) fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    /// An upload over the size limit (413).
    pub(super) fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, detail)
    }

    /// A body in a content type the endpoint does not accept (415).
    pub(super) fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("the request body must be sent as `{expected}`"),
        )
    }

    /// A missing, unknown or expired bearer token (401).
    pub(super) fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (headers, body) = problem(self.status, &self.detail);
        (self.status, headers, body).into_response()
    }
}

/// The headers and body of a problem document for `status`.
pub(super) fn problem(status: StatusCode, detail: &str) -> (HeaderMap, Bytes) {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(BEARER_CHALLENGE),
        );
    }
    (headers, Bytes::from(body.to_string()))
}

/// The error body the API host sends for an injected `Fault::Status(code)`.
pub(super) fn fault_body(code: u16) -> (HeaderMap, Bytes) {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    problem(status, "fault injected by the emulator")
}

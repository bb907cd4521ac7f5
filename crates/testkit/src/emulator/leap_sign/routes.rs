//! The HTTP surface: paths, authentication and the handlers of the four operations.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, StatusCode};

use super::answers;
use super::json;
use super::multipart::{self, MALFORMED};
use super::state::{self, CancelError, Store};
use crate::emulator::mode::ModeCell;

const LAUNCH_NEW: &str = "/api/v1/external/sign-only-api/projects/launch-new";
const PROCESS_DATA_PREFIX: &str = "/api/v1/external/projects/info-for-sign-only-integrator/";
const CANCEL_PREFIX: &str = "/api/v1/external/sign-only-api/projects/cancel/";
const DELETE_PREFIX: &str = "/api/v1/external/sign-only-api/projects/";

/// The operations of the emulated API, as named for fault injection and the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /api/v1/external/sign-only-api/projects/launch-new`.
    LaunchNew,
    /// `GET /api/v1/external/projects/info-for-sign-only-integrator/{projectId}`.
    GetProcessData,
    /// `PUT /api/v1/external/sign-only-api/projects/cancel/{projectId}`.
    Cancel,
    /// `DELETE /api/v1/external/sign-only-api/projects/{projectId}`.
    Delete,
}

impl Route {
    /// Every route, in the order they are declared.
    pub const ALL: [Self; 4] = [
        Self::LaunchNew,
        Self::GetProcessData,
        Self::Cancel,
        Self::Delete,
    ];

    /// The route's name in [`RecordedRequest::route`](crate::emulator::RecordedRequest::route).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LaunchNew => "launch-new",
            Self::GetProcessData => "get-process-data",
            Self::Cancel => "cancel",
            Self::Delete => "delete",
        }
    }
}

/// Names the route of a request the same way the router will dispatch it.
pub(crate) fn classify(method: &Method, path: &str) -> Option<&'static str> {
    let route = if *method == Method::POST && path == LAUNCH_NEW {
        Route::LaunchNew
    } else if *method == Method::GET && id_after(path, PROCESS_DATA_PREFIX).is_some() {
        Route::GetProcessData
    } else if *method == Method::PUT && id_after(path, CANCEL_PREFIX).is_some() {
        Route::Cancel
    } else if *method == Method::DELETE
        // The router gives the literal `launch-new` segment to launch-new, which has no DELETE.
        && id_after(path, DELETE_PREFIX).is_some_and(|id| id != "launch-new")
    {
        Route::Delete
    } else {
        return None;
    };
    Some(route.as_str())
}

/// The single non-empty path segment following `prefix`, if that is all the path holds.
fn id_after<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)
        .filter(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) api_key: Arc<str>,
    pub(crate) store: Arc<Mutex<Store>>,
    /// How answers are worded; read once per answer.
    pub(crate) mode: Arc<ModeCell>,
    /// The largest document whose bytes are kept.
    pub(crate) kept_document_bytes: usize,
}

impl AppState {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The 403 answer unless the request carries the key. The key travels raw in
    /// `Authorization`, without a scheme.
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        let presented = headers.get(AUTHORIZATION).map(HeaderValue::as_bytes);
        if presented == Some(self.api_key.as_bytes()) {
            None
        } else {
            Some(error(
                StatusCode::FORBIDDEN,
                "invalid External API Key in the Authorization header",
            ))
        }
    }
}

/// The router of the emulated API.
pub(crate) fn router(app: AppState) -> Router {
    Router::new()
        .route(LAUNCH_NEW, post(launch_new))
        .route(
            &format!("{PROCESS_DATA_PREFIX}{{project_id}}"),
            get(process_data),
        )
        .route(&format!("{CANCEL_PREFIX}{{project_id}}"), put(cancel))
        .route(
            &format!("{DELETE_PREFIX}{{project_id}}"),
            delete(delete_project),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this endpoint",
            )
        })
        // The shared server already bounds every body; the extractor's own 2 MB default would
        // refuse documents that the real service accepts.
        .layer(DefaultBodyLimit::disable())
        .with_state(app)
}

/// A response carrying the provider's error body.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        json::error_body(status, message),
    )
        .into_response()
}

/// The error headers and body for an injected [`Fault::Status`](crate::emulator::Fault::Status).
pub(crate) fn fault_error_body(code: u16) -> (HeaderMap, Bytes) {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    (headers, json::error_body(status, "injected fault"))
}

fn not_found(project_id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("project {project_id} not found"),
    )
}

async fn launch_new(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    if let Some(refused) = app.refusal(&headers) {
        return refused;
    }
    let Ok(form) = form else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("{MALFORMED}: expected multipart/form-data with a boundary"),
        );
    };
    match multipart::read_launch(form, app.kept_document_bytes).await {
        Ok(launch) => {
            let body = json::process_data(app.lock().launch(launch, state::now()));
            let body = app.mode.get().render(&answers::PROCESS_DATA, body);
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(refused) => {
            let (status, message) = refused.status_and_message();
            error(status, &message)
        }
    }
}

async fn process_data(
    State(app): State<AppState>,
    headers: HeaderMap,
    project_id: Result<Path<String>, PathRejection>,
) -> Response {
    if let Some(refused) = app.refusal(&headers) {
        return refused;
    }
    let Ok(Path(project_id)) = project_id else {
        return error(StatusCode::NOT_FOUND, "project not found");
    };
    let body = app.lock().project(&project_id).map(json::process_data);
    match body {
        Some(body) => {
            let body = app.mode.get().render(&answers::PROCESS_DATA, body);
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        None => not_found(&project_id),
    }
}

async fn cancel(
    State(app): State<AppState>,
    headers: HeaderMap,
    project_id: Result<Path<String>, PathRejection>,
) -> Response {
    if let Some(refused) = app.refusal(&headers) {
        return refused;
    }
    let Ok(Path(project_id)) = project_id else {
        return error(StatusCode::NOT_FOUND, "project not found");
    };
    let outcome = app.lock().cancel(&project_id, state::now());
    match outcome {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(CancelError::Unknown) => not_found(&project_id),
        Err(CancelError::NotCreatedThroughSignApi) => error(
            StatusCode::FORBIDDEN,
            &format!("project {project_id} was not created through the Sign API"),
        ),
        Err(CancelError::NotInProgress(status)) => error(
            StatusCode::BAD_REQUEST,
            &format!(
                "project {project_id} is {} and cannot be cancelled",
                status.as_str()
            ),
        ),
    }
}

async fn delete_project(
    State(app): State<AppState>,
    headers: HeaderMap,
    project_id: Result<Path<String>, PathRejection>,
) -> Response {
    if let Some(refused) = app.refusal(&headers) {
        return refused;
    }
    let Ok(Path(project_id)) = project_id else {
        return error(StatusCode::NOT_FOUND, "project not found");
    };
    let deleted = app.lock().delete(&project_id);
    if deleted {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(&project_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_the_router_dispatches() {
        let id = "0b6f4f57-6a3e-4b8e-9d0c-2f3c1b7e9a11";
        let get_path = format!("{PROCESS_DATA_PREFIX}{id}");
        let cancel_path = format!("{CANCEL_PREFIX}{id}");
        let delete_path = format!("{DELETE_PREFIX}{id}");
        assert_eq!(classify(&Method::POST, LAUNCH_NEW), Some("launch-new"));
        assert_eq!(classify(&Method::GET, &get_path), Some("get-process-data"));
        assert_eq!(classify(&Method::PUT, &cancel_path), Some("cancel"));
        assert_eq!(classify(&Method::DELETE, &delete_path), Some("delete"));
        assert_eq!(classify(&Method::GET, LAUNCH_NEW), None);
        assert_eq!(classify(&Method::DELETE, LAUNCH_NEW), None);
        assert_eq!(classify(&Method::GET, PROCESS_DATA_PREFIX), None);
        assert_eq!(classify(&Method::PUT, &format!("{cancel_path}/x")), None);
        assert_eq!(classify(&Method::POST, &delete_path), None);
    }
}

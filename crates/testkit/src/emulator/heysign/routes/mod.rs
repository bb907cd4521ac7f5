//! The API host: one module per resource, all behind the bearer check.

mod agreements;
mod documents;
mod files;
mod signees;
mod tenants;
mod themes;
mod webhooks;

use std::sync::Arc;

use super::auth;
use super::ids;
use super::problem::ApiError;
use super::state::Shared;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use http::StatusCode;

pub(super) use webhooks::check_url as check_webhook_url;

/// The router of the API host.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/agreements",
            get(agreements::list).post(agreements::create),
        )
        .route(
            "/v1/agreements/{id}",
            get(agreements::get)
                .put(agreements::edit)
                .delete(agreements::delete),
        )
        .route("/v1/agreements/{id}/submit", post(agreements::submit))
        .route("/v1/agreements/{id}/cancel", post(agreements::cancel))
        .route(
            "/v1/documents",
            get(documents::list).post(documents::create),
        )
        .route(
            "/v1/documents/{id}",
            get(documents::get).delete(documents::delete),
        )
        .route("/v1/files", get(files::list).post(files::upload))
        .route("/v1/files/{id}", get(files::get))
        .route("/v1/signees", get(signees::list).post(signees::create))
        .route(
            "/v1/signees/{id}",
            get(signees::get).put(signees::edit).delete(signees::delete),
        )
        .route("/v1/tenants", post(tenants::create))
        .route("/v1/themes", post(themes::create))
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/v1/webhooks/{id}", delete(webhooks::delete))
        .fallback(|uri: Uri| async move { ApiError::no_such_path(uri.path()) })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        // The upload endpoint enforces its own, documented limit with a problem body.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            auth::require_bearer,
        ))
        .with_state(shared)
}

/// 200 with a JSON body.
fn ok(body: serde_json::Value) -> Response {
    axum::Json(body).into_response()
}

/// 201 with a JSON body.
fn created(body: serde_json::Value) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// 204 without a body.
fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// The canonical id from a path segment; anything that is not a UUID names nothing (404).
fn path_id(raw: &str, kind: &str) -> Result<String, ApiError> {
    ids::canonical(raw).ok_or_else(|| ApiError::not_found(kind, raw))
}

/// The canonical id from a query parameter; anything that is not a UUID is a validation error.
fn query_id(raw: Option<&str>, name: &str) -> Result<Option<String>, ApiError> {
    raw.map(|raw| {
        ids::canonical(raw).ok_or_else(|| ApiError::bad_request(format!("`{name}` must be a UUID")))
    })
    .transpose()
}

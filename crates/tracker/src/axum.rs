//! A ready axum route for webhooks and callbacks (feature `axum`).
//!
//! ```
//! use signing_tracker::Tracker;
//!
//! fn app(tracker: Tracker) -> axum::Router {
//!     // HeySign posts to /webhooks/heysign; LEAP Sign's callback base is /webhooks/leap-sign.
//!     axum::Router::new().nest("/webhooks", signing_tracker::axum::router(tracker))
//! }
//! ```

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use signing_core::WebhookRequest;

use crate::error::Error;
use crate::tracker::Tracker;

/// A router serving `POST /{provider}` and `POST /{provider}/{*rest}`: each request, with its
/// raw body, headers and full path (LEAP Sign identifies an envelope by its callback's path),
/// goes to [`Tracker::ingest`] for the provider named in the path.
///
/// Answers, as providers expect:
///
/// | outcome | status |
/// |---|---|
/// | recorded, or a duplicate, or about an untracked envelope | 200 |
/// | refused as not authentic (a forgery or a wrong secret) | 401 |
/// | no such provider | 404 |
/// | the provider or the store failed: worth a redelivery | 503 |
///
/// Nest it where the providers post; the path given to the provider is the one it was
/// mounted at, followed by the provider's name.
pub fn router(tracker: Tracker) -> Router {
    Router::new()
        .route("/{provider}", post(receive))
        .route("/{provider}/{*rest}", post(receive))
        .with_state(tracker)
}

async fn receive(
    State(tracker): State<Tracker>,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let provider = params
        .into_iter()
        .find_map(|(name, value)| (name == "provider").then_some(value))
        .unwrap_or_default();
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), ToString::to_string);
    let request = WebhookRequest::new(headers, body).with_path(path);
    match tracker.ingest(&provider, &request).await {
        Ok(ingested) if ingested.duplicates > 0 && ingested.transitions == 0 => {
            (StatusCode::OK, "duplicate").into_response()
        }
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        // The reason stays in the logs: a forger learns nothing from the answer.
        Err(Error::Rejected(_)) => (StatusCode::UNAUTHORIZED, "refused").into_response(),
        Err(Error::UnknownProvider(_)) => {
            (StatusCode::NOT_FOUND, "no such provider").into_response()
        }
        Err(err) => {
            tracing::warn!(provider, error = %err, "webhook not processed; the provider should redeliver it");
            (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
        }
    }
}

//! `/v1/webhooks`: register (the only answer that shows the secret), list and delete.

use crate::emulator::net::is_https_or_loopback;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;

use super::{created, no_content, ok, path_id};
use crate::emulator::heysign::answers::{self, WEBHOOK};
use crate::emulator::heysign::json::{self, Fields};
use crate::emulator::heysign::paging::{ListQuery, ListSpec};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::Shared;
use crate::emulator::heysign::webhooks as delivery;

const KIND: &str = "webhook";

const LIST: ListSpec = ListSpec {
    sort_fields: &["created_date"],
    metadata: false,
    extras: &[],
};

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(query.as_deref(), &LIST)?;
    let page = shared.read(|store| query.page(&store.webhooks));
    Ok(ok(answers::list(
        shared.mode(),
        &WEBHOOK,
        page.envelope(KIND),
    )))
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json::parse_body(&headers, &body)?;
    let fields = Fields::new(&body, "", &["url", "events"])?;
    let url = fields.required_str("url")?;
    check_url(url)?;
    let events = fields
        .array("events")?
        .iter()
        .map(read_event)
        .collect::<Result<Vec<_>, _>>()?;
    let webhook = shared.write(|store| {
        store
            .create_webhook(url.to_owned(), events)
            .to_json_with_secret()
    });
    Ok(created(answers::single(
        shared.mode(),
        &WEBHOOK,
        KIND,
        webhook,
    )))
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    shared.write(|store| store.delete_webhook(&id))?;
    Ok(no_content())
}

fn read_event(value: &Value) -> Result<&'static str, ApiError> {
    let Value::String(name) = value else {
        return Err(ApiError::bad_request(
            "`events` must be an array of strings",
        ));
    };
    delivery::known_event(name)
        .ok_or_else(|| ApiError::bad_request(format!("`events`: unknown event `{name}`")))
}

/// Webhook URLs must be https; plain http is accepted only for loopback hosts, so that tests can
/// receive deliveries locally.
pub(in crate::emulator::heysign) fn check_url(url: &str) -> Result<(), ApiError> {
    reqwest::Url::parse(url)
        .map_err(|error| ApiError::bad_request(format!("`url` is not a valid URL: {error}")))?;
    if is_https_or_loopback(url) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "`url` must use https (plain http is accepted for loopback hosts only)",
        ))
    }
}

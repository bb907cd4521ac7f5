//! `/v1/documents`: attach a file to an agreement, list, get and delete. Unlike the other
//! resources, documents are returned bare, and their list as a bare array.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;

use super::agreements::read_document;
use super::{created, no_content, ok, path_id, query_id};
use crate::emulator::heysign::answers::DOCUMENT;
use crate::emulator::heysign::json::{self, Fields};
use crate::emulator::heysign::model::Document;
use crate::emulator::heysign::paging::{ListQuery, ListSpec};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::Shared;

const KIND: &str = "document";

const LIST: ListSpec = ListSpec {
    sort_fields: &["created_date"],
    metadata: true,
    extras: &["agreement_id"],
};

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(query.as_deref(), &LIST)?;
    let agreement_id = query_id(query.extra("agreement_id"), "agreement_id")?;
    let page = shared.read(|store| {
        query.page(store.documents.iter().filter(|document| {
            agreement_id
                .as_ref()
                .is_none_or(|id| &document.agreement_id == id)
        }))
    });
    let mode = shared.mode();
    let items = page
        .into_items()
        .into_iter()
        .map(|document| mode.render(&DOCUMENT, document))
        .collect();
    Ok(ok(Value::Array(items)))
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json::parse_body(&headers, &body)?;
    let fields = Fields::new(&body, "", &["agreement_id", "file_id", "metadata", "type"])?;
    let agreement_id = fields.required_id("agreement_id")?;
    let document = read_document(&fields)?;
    let document = shared.write(|store| store.create_document(&agreement_id, document))?;
    Ok(created(shared.mode().render(&DOCUMENT, document)))
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    let document = shared
        .read(|store| store.document(&id).map(Document::to_json))
        .ok_or_else(|| ApiError::not_found(KIND, &id))?;
    Ok(ok(shared.mode().render(&DOCUMENT, document)))
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    shared.write(|store| store.delete_document(&id))?;
    Ok(no_content())
}

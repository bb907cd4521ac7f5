//! `/v1/signees`: create, list, get, edit (a `null` attribute removes it) and delete.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;

use super::agreements::read_email;
use super::{created, no_content, ok, path_id, query_id};
use crate::emulator::heysign::answers::{self, SIGNEE};
use crate::emulator::heysign::json::{self, Fields, Object};
use crate::emulator::heysign::model::Signee;
use crate::emulator::heysign::paging::{ListQuery, ListSpec};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::Shared;

const KIND: &str = "signee";

const ATTRIBUTES: &[&str] = &["email", "se_personal_number"];

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
        query.page(store.signees.iter().filter(|signee| {
            agreement_id
                .as_ref()
                .is_none_or(|id| &signee.agreement_id == id)
        }))
    });
    Ok(ok(answers::list(
        shared.mode(),
        &SIGNEE,
        page.envelope(KIND),
    )))
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json::parse_body(&headers, &body)?;
    let fields = Fields::new(&body, "", &["agreement_id", "attributes", "metadata"])?;
    let agreement_id = fields.required_id("agreement_id")?;
    let Some(given) = fields.object("attributes", ATTRIBUTES)? else {
        return Err(ApiError::bad_request("`attributes.email` is required"));
    };
    let mut attributes = Object::new();
    attributes.insert(
        "email".to_owned(),
        Value::String(read_email(&given, "email")?),
    );
    if let Some(number) = given.optional_str("se_personal_number")? {
        attributes.insert(
            "se_personal_number".to_owned(),
            Value::String(number.to_owned()),
        );
    }
    let metadata = fields.string_map("metadata")?;
    let signee = shared.write(|store| store.create_signee(&agreement_id, attributes, metadata))?;
    Ok(created(answers::single(
        shared.mode(),
        &SIGNEE,
        KIND,
        signee,
    )))
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    let signee = shared
        .read(|store| store.signee(&id).map(Signee::to_json))
        .ok_or_else(|| ApiError::not_found(KIND, &id))?;
    Ok(ok(answers::single(shared.mode(), &SIGNEE, KIND, signee)))
}

pub(super) async fn edit(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    let body = json::parse_body(&headers, &body)?;
    let fields = Fields::new(&body, "", &["attributes"])?;
    let mut changes = Vec::new();
    if let Some(attributes) = fields.object("attributes", ATTRIBUTES)? {
        for (key, value) in attributes.entries() {
            let change = match value {
                Value::Null => None,
                Value::String(_) if key == "email" => Some(read_email(&attributes, key)?),
                Value::String(text) => Some(text.clone()),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "`{}` must be a string or null",
                        attributes.name(key)
                    )));
                }
            };
            changes.push((key.clone(), change));
        }
    }
    let signee = shared.write(|store| store.edit_signee(&id, changes))?;
    Ok(ok(answers::single(shared.mode(), &SIGNEE, KIND, signee)))
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    shared.write(|store| store.delete_signee(&id))?;
    Ok(no_content())
}

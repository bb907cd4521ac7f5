//! `/v1/agreements`: create, list, get, edit, delete, submit and cancel.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;

use super::{created, no_content, ok, path_id};
use crate::emulator::heysign::answers::{self, AGREEMENT};
use crate::emulator::heysign::clock;
use crate::emulator::heysign::json::{self, Fields};
use crate::emulator::heysign::model::{Agreement, DocumentType};
use crate::emulator::heysign::paging::{ListQuery, ListSpec};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::{NewAgreement, NewDocument, Shared};

const KIND: &str = "agreement";

const LIST: ListSpec = ListSpec {
    sort_fields: &["created_date", "title", "status"],
    metadata: true,
    extras: &[],
};

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(query.as_deref(), &LIST)?;
    let page = shared.read(|store| query.page(&store.agreements));
    Ok(ok(answers::list(
        shared.mode(),
        &AGREEMENT,
        page.envelope(KIND),
    )))
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json::parse_body(&headers, &body)?;
    let new = read_new_agreement(&body)?;
    let agreement = shared.write(|store| store.create_agreement(new))?;
    Ok(created(answers::single(
        shared.mode(),
        &AGREEMENT,
        KIND,
        agreement,
    )))
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    let agreement = shared
        .read(|store| store.agreement(&id).map(Agreement::to_json))
        .ok_or_else(|| ApiError::not_found(KIND, &id))?;
    Ok(ok(answers::single(
        shared.mode(),
        &AGREEMENT,
        KIND,
        agreement,
    )))
}

pub(super) async fn edit(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    let body = json::parse_body(&headers, &body)?;
    let fields = Fields::new(&body, "", &["issuer", "title"])?;
    // Both fields are required by the API, though either may be null.
    for key in ["issuer", "title"] {
        if !fields.contains(key) {
            return Err(ApiError::bad_request(format!(
                "`{key}` is required (it may be null)"
            )));
        }
    }
    // A null issuer keeps the current one, since an agreement always has an issuer; a null
    // title clears the title.
    let issuer = match fields.optional_str("issuer")? {
        Some(_) => Some(fields.required_str("issuer")?.to_owned()),
        None => None,
    };
    let title = fields.optional_str("title")?.map(str::to_owned);
    let agreement = shared.write(|store| store.edit_agreement(&id, issuer, title))?;
    Ok(ok(answers::single(
        shared.mode(),
        &AGREEMENT,
        KIND,
        agreement,
    )))
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    shared.write(|store| store.delete_agreement(&id))?;
    Ok(no_content())
}

pub(super) async fn submit(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    shared.write(|store| store.submit_agreement(&id))?;
    Ok(no_content())
}

pub(super) async fn cancel(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    shared.write(|store| store.cancel_agreement(&id))?;
    Ok(no_content())
}

fn read_new_agreement(body: &serde_json::Value) -> Result<NewAgreement, ApiError> {
    let fields = Fields::new(
        body,
        "",
        &[
            "issuer",
            "title",
            "documents",
            "metadata",
            "notifications",
            "signees",
            "scheduling",
            "redirect_url",
            "theme_id",
        ],
    )?;
    let documents = fields
        .objects("documents", &["file_id", "type", "metadata"])?
        .iter()
        .map(read_document)
        .collect::<Result<_, _>>()?;
    let signee_emails = fields
        .objects("signees", &["email"])?
        .iter()
        .map(|signee| read_email(signee, "email"))
        .collect::<Result<_, _>>()?;
    let notifications = match fields.object("notifications", &["type"])? {
        None => "Email",
        Some(notifications) => match notifications.required_str("type")? {
            "None" => "None",
            "Email" => "Email",
            _ => {
                return Err(ApiError::bad_request(
                    "`notifications.type` must be `None` or `Email`",
                ));
            }
        },
    };
    let publish_date = fields
        .object("scheduling", &["publish_date"])?
        .map(|scheduling| {
            let text = scheduling.required_str("publish_date")?;
            clock::parse(text).ok_or_else(|| {
                ApiError::bad_request("`scheduling.publish_date` must be an RFC 3339 date-time")
            })
        })
        .transpose()?;
    Ok(NewAgreement {
        issuer: fields.required_str("issuer")?.to_owned(),
        title: fields.optional_str("title")?.map(str::to_owned),
        documents,
        metadata: fields.string_map("metadata")?,
        notifications,
        signee_emails,
        publish_date,
        redirect_url: fields.optional_str("redirect_url")?.map(str::to_owned),
        theme_id: fields.optional_id("theme_id")?,
    })
}

/// Reads a document to attach: `file_id`, `type` and `metadata`.
pub(super) fn read_document(fields: &Fields<'_>) -> Result<NewDocument, ApiError> {
    let kind = DocumentType::parse(fields.required_str("type")?).ok_or_else(|| {
        ApiError::bad_request(format!(
            "`{}` must be `Primary` or `Attachment`",
            fields.name("type")
        ))
    })?;
    Ok(NewDocument {
        file_id: fields.required_id("file_id")?,
        kind,
        metadata: fields.string_map("metadata")?,
    })
}

/// Reads a required e-mail address from `key`.
pub(super) fn read_email(fields: &Fields<'_>, key: &str) -> Result<String, ApiError> {
    let email = fields.required_str(key)?;
    if json::looks_like_email(email) {
        Ok(email.to_owned())
    } else {
        Err(ApiError::bad_request(format!(
            "`{}` must be an e-mail address",
            fields.name(key)
        )))
    }
}

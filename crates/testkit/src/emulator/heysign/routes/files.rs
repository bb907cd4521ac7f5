//! `/v1/files`: multipart upload, list and get. An upload answers with the bare file object.

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::header;
use serde_json::Value;

use super::{created, ok, path_id};
use crate::emulator::heysign::answers::{self, FILE};
use crate::emulator::heysign::json::Object;
use crate::emulator::heysign::model::File;
use crate::emulator::heysign::paging::{ListQuery, ListSpec};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::{NewFile, Shared};

const KIND: &str = "file";

/// The documented default limit for one file: 10 MB.
const MAX_FILE_SIZE: usize = 10 * 1024 * 1024;

const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

const LIST: ListSpec = ListSpec {
    sort_fields: &["created_date"],
    metadata: true,
    extras: &["query"],
};

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(query.as_deref(), &LIST)?;
    let needle = query.extra("query").map(str::to_lowercase);
    let page = shared.read(|store| {
        query.page(store.files.iter().filter(|file| {
            needle
                .as_ref()
                .is_none_or(|needle| file.name.to_lowercase().contains(needle.as_str()))
        }))
    });
    Ok(ok(answers::list(shared.mode(), &FILE, page.envelope(KIND))))
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, KIND)?;
    let file = shared
        .read(|store| store.file(&id).map(File::to_json))
        .ok_or_else(|| ApiError::not_found(KIND, &id))?;
    Ok(ok(answers::single(shared.mode(), &FILE, KIND, file)))
}

pub(super) async fn upload(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Result<Response, ApiError> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::unsupported_media_type("multipart/form-data"));
    }
    let multipart = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| ApiError::bad_request(format!("bad multipart body: {rejection}")))?;
    let new = read_upload(multipart).await?;
    let file = shared.write(|store| store.add_file(new));
    Ok(created(shared.mode().render(&FILE, file)))
}

/// The uploaded file and its metadata. Parts: `file` (required, once) and `metadata[key]`.
async fn read_upload(mut multipart: Multipart) -> Result<NewFile, ApiError> {
    let mut file: Option<(String, String, Bytes)> = None;
    let mut metadata = Object::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| malformed(&error))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::bad_request(
                    "the `file` part is given more than once",
                ));
            }
            let Some(file_name) = field.file_name().filter(|name| !name.is_empty()) else {
                return Err(ApiError::bad_request("the `file` part needs a filename"));
            };
            let file_name = file_name.to_owned();
            let content_type = field
                .content_type()
                .unwrap_or(DEFAULT_CONTENT_TYPE)
                .to_owned();
            let content = field.bytes().await.map_err(|error| malformed(&error))?;
            if content.len() > MAX_FILE_SIZE {
                return Err(ApiError::too_large(format!(
                    "the file is {} bytes; the limit is {MAX_FILE_SIZE} bytes",
                    content.len()
                )));
            }
            if content.is_empty() {
                return Err(ApiError::bad_request("the file is empty"));
            }
            file = Some((file_name, content_type, content));
        } else if let Some(key) = name
            .strip_prefix("metadata[")
            .and_then(|rest| rest.strip_suffix(']'))
            .filter(|key| !key.is_empty())
        {
            let key = key.to_owned();
            let value = field.text().await.map_err(|error| malformed(&error))?;
            metadata.insert(key, Value::String(value));
        } else {
            return Err(ApiError::bad_request(format!(
                "unknown part `{name}`: expected `file` or `metadata[key]`"
            )));
        }
    }
    let Some((name, content_type, content)) = file else {
        return Err(ApiError::bad_request("the `file` part is required"));
    };
    Ok(NewFile {
        name,
        content_type,
        metadata,
        content,
    })
}

fn malformed(error: &axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::bad_request(format!("bad multipart body: {error}"))
}

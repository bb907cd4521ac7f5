//! `/v1/files`: multipart upload, list and get. An upload answers with the bare file object.

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::response::Response;
use http::header;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{created, ok, path_id};
use crate::emulator::KeptBytes;
use crate::emulator::heysign::answers::{self, FILE};
use crate::emulator::heysign::json::Object;
use crate::emulator::heysign::model::File;
use crate::emulator::heysign::paging::{ListQuery, ListSpec};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::{NewFile, Shared};

const KIND: &str = "file";

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
    let new = read_upload(
        multipart,
        shared.max_file_size(),
        shared.kept_document_bytes(),
    )
    .await?;
    let file = shared.write(|store| store.add_file(new));
    Ok(created(shared.mode().render(&FILE, file)))
}

/// The uploaded file and its metadata. Parts: `file` (required, once) and `metadata[key]`. The
/// file is read as it arrives: its size, digest and first bytes are kept, and its bytes only when
/// there are at most `kept_bytes` of them.
async fn read_upload(
    mut multipart: Multipart,
    max_file_size: u64,
    kept_bytes: usize,
) -> Result<NewFile, ApiError> {
    let mut file: Option<(String, String, Received)> = None;
    let mut metadata = Object::new();
    while let Some(mut field) = multipart
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
            let mut received = Received::new(kept_bytes);
            while let Some(chunk) = field.chunk().await.map_err(|error| malformed(&error))? {
                received.add(&chunk);
                if received.size > max_file_size {
                    return Err(ApiError::too_large(format!(
                        "the file is over {max_file_size} bytes, the limit"
                    )));
                }
            }
            if received.size == 0 {
                return Err(ApiError::bad_request("the file is empty"));
            }
            file = Some((file_name, content_type, received));
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
    let Some((name, content_type, received)) = file else {
        return Err(ApiError::bad_request("the `file` part is required"));
    };
    Ok(NewFile {
        name,
        content_type,
        metadata,
        size: received.size,
        sha256: received.hasher.finalize().into(),
        is_pdf: received.start.starts_with(b"%PDF-"),
        content: received.kept.into_bytes(),
    })
}

/// What is kept of a file as it arrives.
struct Received {
    size: u64,
    hasher: Sha256,
    /// The first bytes, enough to know a PDF.
    start: Vec<u8>,
    kept: KeptBytes,
}

impl Received {
    fn new(kept_bytes: usize) -> Self {
        Self {
            size: 0,
            hasher: Sha256::default(),
            start: Vec::new(),
            kept: KeptBytes::up_to(kept_bytes),
        }
    }

    fn add(&mut self, chunk: &[u8]) {
        self.kept.feed(chunk);
        self.size = self.size.saturating_add(chunk.len() as u64);
        self.hasher.update(chunk);
        let room = 5_usize.saturating_sub(self.start.len());
        self.start
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
}

fn malformed(error: &axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::bad_request(format!("bad multipart body: {error}"))
}

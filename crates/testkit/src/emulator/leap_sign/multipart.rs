//! Reading the launch-new `multipart/form-data` body into a validated [`Launch`].
//!
//! The form is checked strictly, part by part, because the emulator exists to catch an adapter
//! that misspells a part or sends the wrong shape. The documents answer a body they cannot use
//! with 500 "malformed request body"; only an unsupported document and a refused callback URL
//! are 400.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use http::StatusCode;

use super::callback;
use super::document::{self, Detector};
use super::json;
use super::state::{Document, Launch};
use crate::emulator::KeptBytes;

/// The message of every 500 answer to an unusable body; details follow after a colon.
pub(crate) const MALFORMED: &str = "malformed request body";

/// Text parts the form may carry besides `document`.
const TEXT_PARTS: [&str; 6] = [
    "name",
    "projectOwner",
    "signers",
    "orderedSigners",
    "additionalRecipients",
    "signTasksCompletedCallbackUrl",
];

/// Why a launch-new form is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormError {
    /// The body cannot be used at all (500).
    Malformed(String),
    /// The body is well formed but its content is refused (400).
    BadRequest(String),
    /// The body exceeds the emulator's size limit (413).
    TooLarge,
}

impl FormError {
    /// Status and message of the error response.
    pub(crate) fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            Self::Malformed(detail) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{MALFORMED}: {detail}"),
            ),
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, message.clone()),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body is too large".to_owned(),
            ),
        }
    }
}

/// The `document` part as received.
struct FilePart {
    file_name: String,
    content_type: Option<String>,
    content: Detector,
    kept: KeptBytes,
}

/// Reads every part, then validates the whole form.
/// The document's bytes are kept when there are at most `kept_bytes` of them.
pub(crate) async fn read_launch(
    mut form: Multipart,
    kept_bytes: usize,
) -> Result<Launch, FormError> {
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut file: Option<FilePart> = None;
    while let Some(mut field) = form.next_field().await.map_err(|err| stream_error(&err))? {
        let Some(name) = field.name().map(str::to_owned) else {
            return Err(malformed("a part has no name"));
        };
        if name == "document" {
            let Some(file_name) = field
                .file_name()
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
            else {
                return Err(malformed(
                    "the document part must be a file with a filename",
                ));
            };
            let content_type = field.content_type().map(str::to_owned);
            // Read as it arrives: what tells its format and size, and the bytes up to the limit.
            let mut content = Detector::default();
            let mut kept = KeptBytes::up_to(kept_bytes);
            while let Some(chunk) = field.chunk().await.map_err(|err| stream_error(&err))? {
                content.feed(&chunk);
                kept.feed(&chunk);
            }
            let part = FilePart {
                file_name,
                content_type,
                content,
                kept,
            };
            if file.replace(part).is_some() {
                return Err(malformed("duplicate part \"document\""));
            }
        } else if TEXT_PARTS.contains(&name.as_str()) {
            if field.file_name().is_some() {
                return Err(malformed(&format!(
                    "part \"{name}\" must be a text field, not a file"
                )));
            }
            let bytes = field.bytes().await.map_err(|err| stream_error(&err))?;
            let Ok(text) = String::from_utf8(bytes.to_vec()) else {
                return Err(malformed(&format!("part \"{name}\" is not UTF-8 text")));
            };
            if texts.insert(name.clone(), text).is_some() {
                return Err(malformed(&format!("duplicate part \"{name}\"")));
            }
        } else {
            return Err(malformed(&format!("unknown part \"{name}\"")));
        }
    }
    validate(&mut texts, file)
}

fn validate(
    texts: &mut BTreeMap<String, String>,
    file: Option<FilePart>,
) -> Result<Launch, FormError> {
    let name = texts
        .remove("name")
        .filter(|name| !name.is_empty())
        .ok_or_else(|| malformed("missing required part \"name\""))?;
    let owner_text = texts
        .remove("projectOwner")
        .ok_or_else(|| malformed("missing required part \"projectOwner\""))?;
    let signers_text = texts
        .remove("signers")
        .ok_or_else(|| malformed("missing required part \"signers\""))?;
    let file = file.ok_or_else(|| malformed("missing required part \"document\""))?;
    let owner = json::parse_owner(&owner_text).map_err(FormError::Malformed)?;
    let signers = json::parse_signers(&signers_text).map_err(FormError::Malformed)?;
    let ordered = match texts.remove("orderedSigners").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(malformed("orderedSigners must be true or false")),
    };
    let additional_recipients = match texts.remove("additionalRecipients") {
        None => Vec::new(),
        Some(text) => json::parse_recipients(&text).map_err(FormError::Malformed)?,
    };
    let callback_url = texts.remove("signTasksCompletedCallbackUrl");

    let document = check_document(file)?;
    if let Some(url) = &callback_url {
        callback::check_url(url).map_err(FormError::BadRequest)?;
    }
    Ok(Launch {
        name,
        owner,
        signers,
        document,
        ordered,
        additional_recipients,
        callback_url,
    })
}

fn check_document(file: FilePart) -> Result<Document, FormError> {
    let Some(format) = file.content.format() else {
        return Err(FormError::BadRequest(format!(
            "Unsupported file format: {} is neither a PDF nor a DOCX document",
            file.file_name
        )));
    };
    let declared = file.content_type.as_deref();
    if !document::declared_type_matches(format, declared) {
        return Err(FormError::BadRequest(format!(
            "Unsupported file format: {} holds a {} document but its part declares content type {}",
            file.file_name,
            format.label(),
            declared.unwrap_or_default(),
        )));
    }
    Ok(Document {
        name: file.file_name,
        content_type: format.content_type(),
        size: file.content.size(),
        content: file.kept.into_bytes(),
    })
}

fn malformed(detail: &str) -> FormError {
    FormError::Malformed(detail.to_owned())
}

fn stream_error(err: &MultipartError) -> FormError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        FormError::TooLarge
    } else {
        FormError::Malformed(err.body_text())
    }
}

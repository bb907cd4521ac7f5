//! The typed client of the four documented operations.

use std::fmt;

use http::Method;
use signing_core::{Capabilities, DocumentFormat, Error, ErrorKind, RawJson, Result};
use signing_http::{
    Answer, BaseUrl, Body, DocumentUpload, Multipart, Repeat, Request, Transport, clean_message,
    multipart_content_type_is_valid, settle,
};

use crate::error::{CANCEL, PROVIDER};
use crate::wire::{LaunchRequest, ProcessData, ProjectId, ProjectStatus, project_id_in};

/// `POST`: start a signing process.
const LAUNCH_NEW: &[&str] = &[
    "api",
    "v1",
    "external",
    "sign-only-api",
    "projects",
    "launch-new",
];
/// `GET` + project id: the process data.
const PROCESS_DATA: &[&str] = &[
    "api",
    "v1",
    "external",
    "projects",
    "info-for-sign-only-integrator",
];
/// `PUT` + project id: cancel.
const CANCEL_PROJECT: &[&str] = &[
    "api",
    "v1",
    "external",
    "sign-only-api",
    "projects",
    "cancel",
];
/// `DELETE` + project id: delete.
const DELETE_PROJECT: &[&str] = &["api", "v1", "external", "sign-only-api", "projects"];

/// A typed client of the LEAP Sign API: launch-new, get process data, cancel and delete.
///
/// Get one from [`LeapSign::client`](crate::LeapSign::client). Cheap to clone: clones share
/// the HTTP client. `Debug` never shows the API key.
#[derive(Clone)]
pub struct LeapSignClient {
    transport: Transport,
    base: BaseUrl,
}

impl fmt::Debug for LeapSignClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeapSignClient")
            .field("base", &self.base)
            .field("transport", &self.transport)
            .finish()
    }
}

impl LeapSignClient {
    pub(crate) fn new(transport: Transport, base: BaseUrl) -> Self {
        Self { transport, base }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// A request of `operation` to `path` followed by `id` (one encoded segment).
    fn request(
        &self,
        method: Method,
        operation: &'static str,
        path: &[&str],
        id: Option<&ProjectId>,
        repeat: Repeat,
    ) -> Result<Request> {
        let mut segments = path.to_vec();
        segments.extend(id.map(ProjectId::as_str));
        let url = self
            .base
            .url(&segments)
            .map_err(|e| e.with_provider(PROVIDER))?;
        Ok(Request::new(method, operation, url, repeat))
    }

    /// Starts a signing process and returns its process data.
    ///
    /// launch-new cannot be deduplicated, so it is repeated only when it provably never
    /// arrived (a connect error) or was refused unprocessed (429). A failure after it may have
    /// reached LEAP (a timeout, a broken connection, an unreadable answer, a 500 other than
    /// "malformed request body", a 502 or 504) is [`ErrorKind::OutcomeUnknown`]: a project may
    /// exist, and only the caller can decide whether to send again.
    ///
    /// The document streams from where it is (bytes, a file, a reader), opened again by a
    /// repeat; one that can be read once only makes launch-new never repeated. Its format is
    /// recognised from its first bytes before they leave: PDF or DOCX.
    pub async fn launch_new(&self, request: &LaunchRequest) -> Result<ProcessData> {
        // Everything but the document is checked and written before anything is sent, so a
        // refusal of the form itself costs no request; each attempt then opens the document.
        let texts = launch_texts(request)?;
        let document = &request.document;
        if let Some(content_type) = document.content_type()
            && !multipart_content_type_is_valid(content_type)
        {
            return Err(Error::invalid_request(
                "document.content_type",
                format!("`{content_type}` is not a MIME type"),
            )
            .with_provider(PROVIDER));
        }
        let upload = DocumentUpload::new(PROVIDER, &upload_rules(), 0, document.content());
        let (file_name, content_type) = (
            signing_http::multipart_file_name(document.file_name()),
            document.content_type().map(str::to_owned),
        );
        let source = upload.clone();
        let form = move || {
            let (upload, texts, file_name, content_type) = (
                source.clone(),
                texts.clone(),
                file_name.clone(),
                content_type.clone(),
            );
            async move {
                let opened = upload.open().await?;
                let content_type = content_type.unwrap_or_else(|| {
                    opened
                        .format()
                        .map_or("application/pdf", DocumentFormat::mime_type)
                        .to_owned()
                });
                // The parts in the documented order, the document after the signers.
                let mut form = Multipart::new();
                let mut texts = texts.into_iter();
                for (name, value) in texts.by_ref().take(DOCUMENT_POSITION) {
                    form = form.text(name, value);
                }
                form = form.file_as("document", &file_name, &content_type, opened);
                for (name, value) in texts {
                    form = form.text(name, value);
                }
                Ok(form)
            }
        };
        let request = self
            .request(
                Method::POST,
                "launch-new",
                LAUNCH_NEW,
                None,
                Repeat::IfUnsent,
            )?
            .body(Body::multipart(form).streaming(&upload));
        let answer = self.transport.send(&request).await?;
        launched(&answer)
    }

    /// The process data of a project. An unknown or deleted id is
    /// [`ErrorKind::NotFound`].
    pub async fn process_data(&self, id: &ProjectId) -> Result<ProcessData> {
        let request = self.request(
            Method::GET,
            "get process data",
            PROCESS_DATA,
            Some(id),
            Repeat::Safe,
        )?;
        let answer = self.transport.send(&request).await?;
        process_data(&answer)
    }

    /// Cancels a project so nobody can sign it any more.
    ///
    /// A completed or already cancelled project is [`ErrorKind::InvalidState`]; one not created
    /// through the Sign API is [`ErrorKind::PermissionDenied`]; an unknown id
    /// [`ErrorKind::NotFound`]. When a retry follows an attempt that may have cancelled the
    /// project already, a refusal of the retry is checked against the process data.
    pub async fn cancel(&self, id: &ProjectId) -> Result<()> {
        let request = self.request(Method::PUT, CANCEL, CANCEL_PROJECT, Some(id), Repeat::Safe)?;
        let attempted = self.transport.no_content_tracked(&request).await;
        settle(
            attempted,
            |err| matches!(err.kind(), ErrorKind::InvalidState { .. }),
            // Our own earlier attempt may be what cancelled it.
            || async {
                self.process_data(id)
                    .await
                    .is_ok_and(|data| data.status == Some(ProjectStatus::Cancelled))
            },
        )
        .await
    }

    /// Deletes a project with its documents, signers, recipients and logs. Irreversible;
    /// afterwards the id is [`ErrorKind::NotFound`].
    pub async fn delete(&self, id: &ProjectId) -> Result<()> {
        let request = self.request(
            Method::DELETE,
            "delete",
            DELETE_PROJECT,
            Some(id),
            Repeat::Safe,
        )?;
        let attempted = self.transport.no_content_tracked(&request).await;
        // Our own earlier attempt may be what deleted it: the project is gone either way.
        settle(attempted, Error::is_not_found, || async { true }).await
    }
}

/// The process data of launch-new's answer. An answer that cannot be read as process data still
/// gives the project when its id can be found in it; one that names no project is
/// `OutcomeUnknown`, and the error shows the answer, so the caller can recover the id by hand.
fn launched(answer: &Answer) -> Result<ProcessData> {
    let Err(error) = process_data(answer) else {
        return process_data(answer);
    };
    if let Some(id) = project_id_in(&answer.body)
        && let Ok(raw) = RawJson::new(answer.body.clone())
    {
        return Ok(ProcessData::only_id(id, raw));
    }
    let shown: String = clean_message(&String::from_utf8_lossy(&answer.body))
        .chars()
        .take(MAX_ANSWER_SHOWN)
        .collect();
    Err(Error::outcome_unknown(
        "launch-new",
        format!(
            "LEAP accepted the launch but its answer names no project ({error}); the answer \
             was: {shown}"
        ),
    )
    .with_provider(PROVIDER)
    .with_source(error))
}

/// How much of an unreadable launch answer an error shows.
const MAX_ANSWER_SHOWN: usize = 2_000;

/// The process data of an answer; for launch-new, one that cannot be read is
/// `OutcomeUnknown`.
fn process_data(answer: &Answer) -> Result<ProcessData> {
    answer.read(ProcessData::from_json(answer.body.clone()).map_err(|err| {
        Error::unexpected_response(format!(
            "the process data is not JSON of the expected shape: {err}"
        ))
    }))
}

/// What LEAP accepts for signing: PDF and DOCX, of any size.
fn upload_rules() -> Capabilities {
    let mut rules = Capabilities::default();
    rules.formats = vec![DocumentFormat::Pdf, DocumentFormat::Docx];
    rules
}

/// How many text parts come before the `document` part.
const DOCUMENT_POSITION: usize = 3;

/// The text parts of the launch-new `multipart/form-data` body, in order: `name`,
/// `projectOwner`, `signers`, then (after the `document` part) `orderedSigners` and the
/// optional ones.
fn launch_texts(request: &LaunchRequest) -> Result<Vec<(&'static str, String)>> {
    let json = |part: &'static str, value: serde_json::Result<String>| {
        value.map_err(|err| {
            Error::invalid_request(part, format!("cannot be written as JSON: {err}"))
                .with_provider(PROVIDER)
        })
    };
    let mut texts = vec![
        ("name", request.name.clone()),
        (
            "projectOwner",
            json("projectOwner", request.project_owner_json())?,
        ),
        ("signers", json("signers", request.signers_json())?),
        ("orderedSigners", request.ordered_signers.to_string()),
    ];
    if !request.additional_recipients.is_empty() {
        texts.push((
            "additionalRecipients",
            json("additionalRecipients", request.additional_recipients_json())?,
        ));
    }
    if let Some(url) = &request.callback_url {
        texts.push(("signTasksCompletedCallbackUrl", url.clone()));
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use signing_core::{Error, RetryPolicy};

    use super::*;

    #[test]
    fn project_ids_stay_in_their_segment() {
        let transport = signing_http::HttpSettings::default()
            .retry(RetryPolicy::never())
            .transport(
                PROVIDER,
                signing_http::Auth::None,
                std::sync::Arc::new(signing_http::DefaultErrors),
            )
            .unwrap();
        let client = LeapSignClient::new(
            transport,
            BaseUrl::parse("base_url", "https://api.leap.documill.com").unwrap(),
        );
        let request = client
            .request(
                Method::PUT,
                CANCEL,
                CANCEL_PROJECT,
                Some(&ProjectId::new("../launch-new")),
                Repeat::Safe,
            )
            .unwrap();
        assert_eq!(
            request.url().path(),
            "/api/v1/external/sign-only-api/projects/cancel/..%2Flaunch-new"
        );
        for bad in ["", ".", ".."] {
            let err: Error = client
                .request(
                    Method::DELETE,
                    "delete",
                    DELETE_PROJECT,
                    Some(&ProjectId::new(bad)),
                    Repeat::Safe,
                )
                .unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "id"));
            assert_eq!(err.provider(), Some(PROVIDER));
        }
    }
}

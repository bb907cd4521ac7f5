//! The typed client of the four documented operations.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use signing_core::{Error, ErrorKind, Result};

use crate::http::{self, Http, Operation};
use crate::model::{LaunchRequest, ProcessData, ProjectId, ProjectStatus};
use crate::provider::PROVIDER;
use crate::segment;

/// `POST`: start a signing process.
const LAUNCH_NEW: &str = "/api/v1/external/sign-only-api/projects/launch-new";
/// `GET` + project id: the process data.
const PROCESS_DATA: &str = "/api/v1/external/projects/info-for-sign-only-integrator/";
/// `PUT` + project id: cancel.
const CANCEL: &str = "/api/v1/external/sign-only-api/projects/cancel/";
/// `DELETE` + project id: delete.
const DELETE: &str = "/api/v1/external/sign-only-api/projects/";

/// A typed client of the LEAP Sign API: launch-new, get process data, cancel and delete.
///
/// Get one from [`LeapSign::client`](crate::LeapSign::client). Cheap to clone: clones share
/// the HTTP client. `Debug` never shows the API key.
#[derive(Clone)]
pub struct LeapSignClient {
    http: Arc<Http>,
}

impl fmt::Debug for LeapSignClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeapSignClient")
            .field("http", &self.http)
            .finish()
    }
}

impl LeapSignClient {
    pub(crate) fn new(http: Http) -> Self {
        Self {
            http: Arc::new(http),
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    /// Starts a signing process and returns its process data.
    ///
    /// launch-new cannot be deduplicated, so it is repeated only after a connect error. A
    /// failure after the request may have reached LEAP (a timeout, a broken connection, an
    /// unreadable answer, a 500 other than "malformed request body", a 502 or 504) is
    /// [`ErrorKind::OutcomeUnknown`]: a project may exist, and only the caller can decide
    /// whether to send again.
    pub async fn launch_new(&self, request: &LaunchRequest) -> Result<ProcessData> {
        // Built before anything is sent, so a refusal of the form itself costs no request; the
        // first attempt sends this one, and only a repeat builds another.
        let first = Mutex::new(Some(launch_form(request)?));
        let build_form = || {
            let built = first.lock().unwrap_or_else(PoisonError::into_inner).take();
            built.map_or_else(|| launch_form(request), Ok)
        };
        let body = self.http.launch(LAUNCH_NEW, &build_form).await?;
        process_data(body).map_err(|err| {
            http::outcome_unknown(&format!(
                "LEAP answered 200 but the body could not be read ({err})"
            ))
            .with_source(err)
        })
    }

    /// The process data of a project. An unknown or deleted id is
    /// [`ErrorKind::NotFound`].
    pub async fn process_data(&self, id: &ProjectId) -> Result<ProcessData> {
        let path = project_path(PROCESS_DATA, id)?;
        let body = self.http.get(Operation::ProcessData, &path).await?;
        process_data(body)
    }

    /// Cancels a project so nobody can sign it any more.
    ///
    /// A completed or already cancelled project is [`ErrorKind::InvalidState`]; one not created
    /// through the Sign API is [`ErrorKind::PermissionDenied`]; an unknown id
    /// [`ErrorKind::NotFound`]. When a retry follows an attempt that may have cancelled the
    /// project already, a refusal of the retry is checked against the process data.
    pub async fn cancel(&self, id: &ProjectId) -> Result<()> {
        let path = project_path(CANCEL, id)?;
        let attempted = self.http.send_idempotent(Operation::Cancel, &path).await;
        match attempted.result {
            Err(err)
                if attempted.after_ambiguous_failure
                    && matches!(err.kind(), ErrorKind::InvalidState { .. }) =>
            {
                // Our own earlier attempt may be what cancelled it.
                match self.process_data(id).await {
                    Ok(data) if data.status == ProjectStatus::Cancelled => Ok(()),
                    _ => Err(err),
                }
            }
            result => result,
        }
    }

    /// Deletes a project with its documents, signers, recipients and logs. Irreversible;
    /// afterwards the id is [`ErrorKind::NotFound`].
    pub async fn delete(&self, id: &ProjectId) -> Result<()> {
        let path = project_path(DELETE, id)?;
        let attempted = self.http.send_idempotent(Operation::Delete, &path).await;
        match attempted.result {
            // Our own earlier attempt may be what deleted it: the project is gone either way.
            Err(err) if attempted.after_ambiguous_failure && err.is_not_found() => Ok(()),
            result => result,
        }
    }
}

fn project_path(prefix: &str, id: &ProjectId) -> Result<String> {
    if id.as_str().is_empty() {
        return Err(Error::invalid_request("id", "must not be empty").with_provider(PROVIDER));
    }
    Ok(format!("{prefix}{}", segment::encode(id.as_str())))
}

fn process_data(body: Bytes) -> Result<ProcessData> {
    ProcessData::from_json(body).map_err(|err| {
        Error::unexpected_response(format!(
            "the process data is not JSON of the expected shape: {err}"
        ))
        .with_provider(PROVIDER)
    })
}

/// The launch-new `multipart/form-data` body. Built anew for each attempt: a form is consumed
/// by sending it. The document's bytes are shared, not copied.
fn launch_form(request: &LaunchRequest) -> Result<Form> {
    let json = |part: &'static str, value: serde_json::Result<String>| {
        value.map_err(|err| {
            Error::invalid_request(part, format!("cannot be written as JSON: {err}"))
                .with_provider(PROVIDER)
        })
    };
    let document = &request.document;
    let length = u64::try_from(document.content().len()).unwrap_or(u64::MAX);
    let file = Part::stream_with_length(document.content().clone(), length)
        .file_name(document.file_name().to_owned())
        .mime_str(document.content_type())
        .map_err(|_| {
            Error::invalid_request(
                "document.content_type",
                format!("`{}` is not a MIME type", document.content_type()),
            )
            .with_provider(PROVIDER)
        })?;
    let mut form = Form::new()
        .text("name", request.name.clone())
        .text(
            "projectOwner",
            json("projectOwner", request.project_owner_json())?,
        )
        .text("signers", json("signers", request.signers_json())?)
        .part("document", file)
        .text("orderedSigners", request.ordered_signers.to_string());
    if !request.additional_recipients.is_empty() {
        form = form.text(
            "additionalRecipients",
            json("additionalRecipients", request.additional_recipients_json())?,
        );
    }
    if let Some(url) = &request.callback_url {
        form = form.text("signTasksCompletedCallbackUrl", url.clone());
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_stay_in_their_segment() {
        assert_eq!(
            project_path(CANCEL, &ProjectId::new("../launch-new")).unwrap(),
            "/api/v1/external/sign-only-api/projects/cancel/%2E%2E%2Flaunch-new"
        );
        let err = project_path(DELETE, &ProjectId::new("")).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "id"));
    }
}

//! [`LeapSign`]: the LEAP Sign API behind the [`SigningProvider`] contract.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use signing_core::webhook::WebhookError;
use signing_core::{
    Capabilities, Document, DocumentFormat, Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus,
    Error, Event, ListQuery, NewEnvelope, Operation, Page, Party, ReplayGuard, Result,
    SignerStatus, SigningOrder, SigningProvider, WebhookRequest,
};

use crate::client::LeapSignClient;
use crate::error::PROVIDER;
use crate::webhook::{self as callback, CallbackConfig, IssuedCallback};
use crate::wire::{
    LaunchDocument, LaunchRequest, Person, ProcessData, ProjectId, ProjectStatus, SignerTaskStatus,
    WorkflowSigner,
};

/// The LEAP Sign adapter: a [`SigningProvider`] over the Sign API.
///
/// Build one with [`LeapSign::builder`] or [`LeapSignBuilder::from_env`](crate::LeapSignBuilder::from_env). Cheap to clone:
/// clones share the HTTP client and the replay guard. `Debug` never shows the API key or the
/// callback secret.
#[derive(Clone)]
pub struct LeapSign {
    inner: Arc<Inner>,
}

struct Inner {
    client: LeapSignClient,
    callback: Option<CallbackConfig>,
    default_owner: Option<Party>,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
}

impl fmt::Debug for LeapSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeapSign")
            .field("client", &self.inner.client)
            .field("callback", &self.inner.callback)
            .field("default_owner", &self.inner.default_owner)
            .field("replay_guard", &self.inner.replay_guard.is_some())
            .finish()
    }
}

impl LeapSign {
    pub(crate) fn new(
        client: LeapSignClient,
        callback: Option<CallbackConfig>,
        default_owner: Option<Party>,
        replay_guard: Option<Arc<dyn ReplayGuard>>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                callback,
                default_owner,
                replay_guard,
            }),
        }
    }

    /// The typed client of the four API operations.
    pub fn client(&self) -> &LeapSignClient {
        &self.inner.client
    }

    /// The callback base URL, when callbacks are enabled.
    pub fn callback_base_url(&self) -> Option<&str> {
        self.inner.callback.as_ref().map(CallbackConfig::base_url)
    }

    /// The launch-new request for `request`, after every check that needs no request, and the
    /// callback URL issued for it, when the adapter issued one.
    fn launch_request(
        &self,
        request: &NewEnvelope,
    ) -> Result<(LaunchRequest, Option<IssuedCallback>)> {
        self.capabilities()
            .check_request(PROVIDER, request)
            .map_err(|err| err.with_provider(PROVIDER))?;
        let owner = request
            .owner()
            .or(self.inner.default_owner.as_ref())
            .ok_or_else(|| {
                Error::invalid_request(
                    "owner",
                    "LEAP Sign requires a project owner: set one on the request, or a default \
                     with LeapSignBuilder::with_default_owner",
                )
                .with_provider(PROVIDER)
            })?;
        let document = launch_document(request.documents())?;
        let (callback_url, issued) = match (request.callback_url(), &self.inner.callback) {
            // The caller's own URL is used as given; it then owns that URL's security.
            (Some(url), _) => (Some(url.to_string()), None),
            (None, Some(callback)) => {
                let issued = callback.issue(callback.now())?;
                (Some(issued.url.clone()), Some(issued))
            }
            (None, None) => (None, None),
        };
        let mut launch = LaunchRequest::new(
            request.title(),
            Person::from(owner),
            request.signers().iter().map(Person::from).collect(),
            document,
        )
        .ordered_signers(request.order() == SigningOrder::Sequential)
        .additional_recipients(request.cc().iter().cloned());
        launch.callback_url = callback_url;
        Ok((launch, issued))
    }
}

/// The one document; its part's content type is that of the format recognised from its first
/// bytes (when the request was built, or when sent for a reader).
fn launch_document(documents: &[Document]) -> Result<LaunchDocument> {
    let refuse = |reason: &str| {
        Error::invalid_request("documents", reason.to_owned()).with_provider(PROVIDER)
    };
    let [document] = documents else {
        return Err(refuse("LEAP Sign takes exactly one document"));
    };
    Ok(LaunchDocument::from_document(document.clone()))
}

#[async_trait]
impl SigningProvider for LeapSign {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.parallel_signing = true;
        caps.sequential_signing = true;
        caps.cc_recipients = true;
        caps.callback_url = true;
        // Callbacks carry no signature: they are confirmed by querying, not verified.
        caps.verified_webhooks = false;
        caps.cancel = true;
        caps.delete = true;
        caps.formats = vec![DocumentFormat::Pdf, DocumentFormat::Docx];
        caps
    }

    async fn send(&self, request: &NewEnvelope) -> Result<Envelope> {
        let (launch, issued) = self.launch_request(request)?;
        let data = self.inner.client.launch_new(&launch).await?;
        if let (Some(callback), Some(issued)) = (&self.inner.callback, issued)
            && let Err(err) = callback.bind(&issued.nonce, &data.project_id).await
        {
            // The project exists and is out for signing: the send succeeded. Its callback will
            // be refused for want of a binding, and its completion learnt by reading it.
            tracing::warn!(project = %data.project_id, error = %err, "could not bind the callback of a launched project");
        }
        let mut envelope = to_envelope(data);
        envelope.reference = request.reference().map(str::to_owned);
        Ok(envelope)
    }

    async fn get(&self, id: &EnvelopeId) -> Result<Envelope> {
        let data = self.inner.client.process_data(&ProjectId::from(id)).await?;
        Ok(to_envelope(data))
    }

    async fn cancel(&self, id: &EnvelopeId) -> Result<()> {
        self.inner.client.cancel(&ProjectId::from(id)).await
    }

    async fn delete(&self, id: &EnvelopeId) -> Result<()> {
        self.inner.client.delete(&ProjectId::from(id)).await
    }

    async fn list(&self, _query: &ListQuery) -> Result<Page<Envelope>> {
        self.capabilities()
            .check_operation(PROVIDER, Operation::List)?;
        Err(Error::unsupported(Operation::List.as_str(), PROVIDER))
    }

    async fn download(&self, _id: &EnvelopeId) -> Result<Document> {
        self.capabilities()
            .check_operation(PROVIDER, Operation::Download)?;
        Err(Error::unsupported(Operation::Download.as_str(), PROVIDER))
    }

    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<Event>> {
        let refuse = |why: WebhookError| Error::from(why).with_provider(PROVIDER);
        let callback = self
            .inner
            .callback
            .as_ref()
            .ok_or_else(|| refuse(WebhookError::NoSecret))?;
        let nonce = callback
            .verify_path(&request.path, callback.now())
            .map_err(refuse)?;
        let (body, raw) = callback::parse_body(&request.body).map_err(refuse)?;
        let project = body.project_id;
        // The URL was issued for one project: its callback speaks for that one only.
        match callback.bound(&nonce).await? {
            Some(bound) if bound == project => {}
            Some(bound) => {
                return Err(refuse(WebhookError::InvalidPayload(format!(
                    "the callback names project {project}, but its URL was issued for project \
                     {bound}"
                ))));
            }
            None => {
                return Err(refuse(WebhookError::InvalidPayload(
                    "the callback's URL is bound to no project here (was the envelope sent by \
                     another instance, or before a restart? give every instance one \
                     CallbackBindings store)"
                        .to_owned(),
                )));
            }
        }
        // The body is only a hint; the process data is the truth.
        let data = match self.inner.client.process_data(&project).await {
            Ok(data) => data,
            Err(err) if err.is_not_found() => {
                return Err(refuse(WebhookError::InvalidPayload(format!(
                    "callback not confirmed: project {project} does not exist"
                ))));
            }
            // A failed query proves nothing either way; the caller can answer so that the
            // callback is delivered again.
            Err(err) => return Err(err),
        };
        if data.project_id != project || data.status != Some(ProjectStatus::Completed) {
            return Err(refuse(WebhookError::InvalidPayload(format!(
                "callback not confirmed: get process data reports project {project} as {}",
                data.status
                    .as_ref()
                    .map_or("without a status", ProjectStatus::as_str)
            ))));
        }
        let event = callback::completed_event(&data, raw);
        if let Some(guard) = &self.inner.replay_guard
            && !guard.first_seen(event.id.as_str()).await?
        {
            return Err(refuse(WebhookError::Replayed(event.id.into_string())));
        }
        Ok(vec![event])
    }
}

/// Process data as an [`Envelope`]: statuses mapped, signers in signing order, the strings and
/// the JSON text moved (not copied) into the envelope.
pub(crate) fn to_envelope(data: ProcessData) -> Envelope {
    let ProcessData {
        project_id,
        name,
        status,
        created_at,
        completed_at,
        cancelled_at,
        workflow,
        raw,
        ..
    } = data;
    let status = match status {
        Some(ProjectStatus::InProgress) => EnvelopeStatus::Sent,
        Some(ProjectStatus::Completed) => EnvelopeStatus::Completed,
        Some(ProjectStatus::Cancelled) => EnvelopeStatus::Cancelled,
        Some(other) => EnvelopeStatus::Other(other.as_str().to_owned()),
        // The status is not documented: an answer without one says nothing of it.
        None => EnvelopeStatus::Other(String::new()),
    };
    let completed = status == EnvelopeStatus::Completed;
    let mut envelope = Envelope::new(EnvelopeId::from(project_id), PROVIDER, status);
    envelope.title = name;
    let mut signers = workflow.signers;
    // Stable: signers without an order keep their place in the array.
    signers.sort_by_key(|signer| signer.order.unwrap_or(u32::MAX));
    envelope.signers = signers
        .into_iter()
        .map(|signer| to_signer(signer, completed))
        .collect();
    envelope.created_at = created_at;
    envelope.completed_at = completed_at;
    envelope.updated_at = cancelled_at.or(completed_at).or(created_at);
    envelope.raw = raw;
    envelope
}

/// A workflow signer as a signer. `completed` says the project is completed, which proves the
/// signer signed when nothing else says so (neither the signer's status nor `signed` is
/// documented).
fn to_signer(signer: WorkflowSigner, completed: bool) -> EnvelopeSigner {
    let status = match signer.status {
        Some(SignerTaskStatus::Waiting) => SignerStatus::Waiting,
        Some(SignerTaskStatus::Notified) => SignerStatus::Notified,
        Some(SignerTaskStatus::Signed) => SignerStatus::Signed,
        // A status this version does not know still says enough when `signed` is set.
        _ if signer.signed == Some(true) => SignerStatus::Signed,
        None if completed && signer.signed.is_none() => SignerStatus::Signed,
        Some(other) => SignerStatus::Other(other.as_str().to_owned()),
        None => SignerStatus::Other(String::new()),
    };
    // LEAP has no signer ids: the e-mail address is the id.
    let mut out = EnvelopeSigner::new(signer.email.clone().unwrap_or_default(), status);
    out.email = signer.email;
    out.name = signer.name;
    out.signed_at = signer.signed_at;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn process_data_maps_to_an_envelope() {
        let raw = json!({
            "projectId": "p-1",
            "name": "NDA",
            "status": "IN_PROGRESS",
            "createdAt": "2026-01-02T03:04:05Z",
            "workflow": {"signers": [
                {"order": 2, "name": "B", "email": "b@example.com", "status": "WAITING"},
                {"order": 1, "name": "A", "email": "a@example.com", "status": "SIGNED",
                 "signed": true, "signedAt": "2026-01-02T04:00:00Z"},
                {"order": 3, "email": "c@example.com", "status": "DELEGATED", "signed": true},
                {"order": 4, "email": "d@example.com", "status": "ON_HOLD", "signed": false},
            ]}
        });
        let envelope = to_envelope(ProcessData::from_json(raw.to_string()).unwrap());
        assert_eq!(envelope.id.as_str(), "p-1");
        assert_eq!(envelope.provider, "leap-sign");
        assert_eq!(envelope.title.as_deref(), Some("NDA"));
        assert_eq!(envelope.status, EnvelopeStatus::Sent);
        let statuses: Vec<_> = envelope
            .signers
            .iter()
            .map(|s| (s.email.as_deref().unwrap(), s.status.clone()))
            .collect();
        assert_eq!(
            statuses,
            [
                ("a@example.com", SignerStatus::Signed),
                ("b@example.com", SignerStatus::Waiting),
                ("c@example.com", SignerStatus::Signed),
                ("d@example.com", SignerStatus::Other("ON_HOLD".into())),
            ]
        );
        assert!(envelope.signers[0].signed_at.is_some());
        assert_eq!(envelope.updated_at, envelope.created_at);
        assert_eq!(envelope.raw, raw);

        for (leap, core) in [
            ("COMPLETED", EnvelopeStatus::Completed),
            ("CANCELLED", EnvelopeStatus::Cancelled),
            ("PAUSED", EnvelopeStatus::Other("PAUSED".into())),
        ] {
            let data =
                ProcessData::from_json(json!({"projectId": "p", "status": leap}).to_string())
                    .unwrap();
            assert_eq!(to_envelope(data).status, core);
        }
    }

    #[test]
    fn a_completed_project_proves_its_signers_signed() {
        let signers = |status: &str| {
            let raw = json!({"projectId": "p", "status": status, "workflow": {"signers": [
                {"email": "a@example.com"},
                {"email": "b@example.com", "signed": false},
            ]}});
            to_envelope(ProcessData::from_json(raw.to_string()).unwrap())
                .signers
                .into_iter()
                .map(|s| s.status)
                .collect::<Vec<_>>()
        };
        // Nothing about a signer: completed says they signed; `signed: false` is believed.
        assert_eq!(
            signers("COMPLETED"),
            [SignerStatus::Signed, SignerStatus::Other(String::new())]
        );
        assert_eq!(
            signers("IN_PROGRESS"),
            [
                SignerStatus::Other(String::new()),
                SignerStatus::Other(String::new())
            ]
        );
    }

    #[test]
    fn exactly_one_recognised_document() {
        let pdf = Document::new("a.pdf", &b"%PDF-1.7"[..]).with_content_type("text/plain");
        let doc = launch_document(std::slice::from_ref(&pdf)).unwrap();
        // The part's type is decided by the bytes when sent, never by what the caller declared;
        // an unrecognised document is refused by the capabilities' check, before any request.
        assert_eq!(doc.content_type(), None);
        assert!(launch_document(&[]).is_err());
        assert!(launch_document(&[pdf.clone(), pdf]).is_err());
    }
}

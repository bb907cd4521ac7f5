//! [`HeySign`]: the [`SigningProvider`] for HeySign.

use std::fmt;
use std::pin::pin;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use futures_util::future::{Either, select, try_join_all};
use signing_core::webhook::WebhookSecret;
use signing_core::{
    Capabilities, Document, DocumentFormat, Envelope, EnvelopeId, Error, ErrorKind, Event,
    ExposeSecret, ListQuery, NationalId, NewEnvelope, Operation, Page, Result, SigningProvider,
    WebhookRequest,
};

use signing_http::DocumentUpload;

use crate::client::{HeySignClient, next_offset};
use crate::error::PROVIDER;
use crate::mapping::{
    self, ATTEMPT_KEY, REFERENCE_KEY, SIGNER_NAME_KEY, SIGNER_ORGANIZATION_KEY, SIGNER_TITLE_KEY,
};
use crate::webhook::Webhooks;
use crate::wire::{
    Agreement, AgreementDocument, AgreementId, AgreementStatus, DocumentType, File, FileId,
    ListParams, Metadata, NewAgreement, NewSignee, NewWebhook, NotificationType, Notifications,
    SigneeAttributes, SigneeId, UploadFile, Webhook,
};

/// HeySign's default upload limit: 10 MB.
pub const MAX_DOCUMENT_SIZE: u64 = 10 * 1024 * 1024;

const DEFAULT_PAGE_SIZE: u32 = 20;

/// What HeySign supports, from its API reference, with the default upload limit (a provider
/// built with [`with_max_document_size`](crate::HeySignBuilder::with_max_document_size)
/// declares its own).
///
/// Sequential signing and cc recipients are not documented, so they are refused; the signed
/// document cannot be downloaded through the API; delete works on drafts only.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::default();
    caps.parallel_signing = true;
    caps.verified_webhooks = true;
    caps.cancel = true;
    caps.delete = true;
    caps.list = true;
    caps.metadata = true;
    caps.multiple_documents = true;
    caps.idempotent_send = true;
    caps.national_id = true;
    caps.formats = vec![DocumentFormat::Pdf];
    caps.max_document_size = Some(MAX_DOCUMENT_SIZE);
    caps
}

/// The HeySign provider. Build it with [`HeySignBuilder`](crate::HeySignBuilder); reach the
/// whole API through [`client`](Self::client).
///
/// `send` uploads the documents, creates the agreement (the first document `Primary`, the rest
/// `Attachment`) with the metadata and the caller reference, adds the signees and submits.
/// If a step after the draft exists fails, the draft is deleted and the original error is
/// returned; if the deletion fails too, the error names the draft
/// ([`Error::orphaned_envelope`]). With a caller reference, an earlier agreement with the same
/// reference is returned instead of creating a second one.
#[derive(Clone)]
pub struct HeySign {
    client: HeySignClient,
    webhooks: Webhooks,
    issuer: Option<String>,
}

impl HeySign {
    pub(crate) fn new(client: HeySignClient, webhooks: Webhooks, issuer: Option<String>) -> Self {
        Self {
            client,
            webhooks,
            issuer,
        }
    }

    /// The typed client for the whole API.
    pub fn client(&self) -> &HeySignClient {
        &self.client
    }

    /// Subscribes `webhook.url` to HeySign's events and keeps the subscription's signing secret,
    /// so that [`parse_webhook`](SigningProvider::parse_webhook) verifies its deliveries from now
    /// on, on this provider and every clone of it (next to any secret it was built with).
    ///
    /// HeySign shows the secret only in this answer. Store it too
    /// ([`client().webhooks().create`](crate::Webhooks::create) hands it over) if other
    /// processes verify deliveries or the application restarts; configure it there with
    /// [`HeySignBuilder::with_webhook_secret`](crate::HeySignBuilder::with_webhook_secret).
    ///
    /// If the answer carries a secret that cannot be one (not base64, too short), the
    /// subscription is deleted again and the error says so; if that deletion fails too, the
    /// error names the subscription left behind.
    pub async fn subscribe_webhook(&self, webhook: &NewWebhook) -> Result<Webhook> {
        let created = self.client.webhooks().create(webhook).await?;
        match WebhookSecret::new(created.secret.expose_secret()) {
            Ok(secret) => {
                self.webhooks.add_secret(secret);
                Ok(created.webhook)
            }
            Err(why) => {
                let id = &created.webhook.id;
                let left = match self.client.webhooks().delete(id).await {
                    Ok(()) => "it was deleted again".to_owned(),
                    Err(err) => format!("webhook {id} is left subscribed ({err})"),
                };
                Err(Error::unexpected_response(format!(
                    "the new webhook's signing secret is unusable ({why}); {left}"
                ))
                .with_provider(PROVIDER))
            }
        }
    }

    /// The agreement sent earlier with this reference, if any. Every hit of the metadata filter
    /// is checked here (the filter may be ignored or looser than assumed), and only an agreement
    /// whose status proves it was sent counts; drafts are never touched: they may belong to a
    /// send still running.
    async fn find_sent(&self, reference: &str) -> Result<Option<Envelope>> {
        let found = self.with_reference(reference).await?;
        match found
            .into_iter()
            .find(|agreement| was_sent(&agreement.status))
        {
            Some(agreement) => self
                .get(&EnvelopeId::new(agreement.id.as_str()))
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    /// The agreements whose metadata holds this reference, checked one by one.
    async fn with_reference(&self, reference: &str) -> Result<Vec<Agreement>> {
        self.with_metadata(REFERENCE_KEY, reference).await
    }

    /// The agreements whose metadata holds `key` = `value`: listed with the filter, then every
    /// hit checked here, since the filter may be ignored or looser than assumed.
    async fn with_metadata(&self, key: &str, value: &str) -> Result<Vec<Agreement>> {
        let params = ListParams::new().metadata(key, value);
        let found: Vec<Agreement> = self
            .client
            .agreements()
            .list_all(params)
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .filter(|agreement| agreement.metadata.get(key).map(String::as_str) == Some(value))
            .collect())
    }

    /// Creates the draft. When the create's answer was lost (`OutcomeUnknown`), the draft this
    /// call made, if it was made, is found by the attempt's nonce and the send goes on with it;
    /// if none is found the outcome stays unknown.
    async fn create_draft(&self, new: &NewAgreement, attempt: &str) -> Result<Agreement> {
        match self.client.agreements().create(new).await {
            Err(err) if matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }) => {
                match self.with_metadata(ATTEMPT_KEY, attempt).await {
                    Ok(mut found) if found.len() == 1 => Ok(found.remove(0)),
                    _ => Err(err),
                }
            }
            result => result,
        }
    }

    /// Before submitting `draft`, another send with the same reference may have got further:
    /// the envelope it sent is returned instead, and when several drafts race, the earliest
    /// goes on and the others give way with an error. Drafts created more than
    /// [`ABANDONED_AFTER`] before this one are left by interrupted sends and do not count.
    async fn check_no_twin(&self, draft: &Agreement, reference: &str) -> Result<Option<Envelope>> {
        let twins: Vec<Agreement> = self
            .with_reference(reference)
            .await?
            .into_iter()
            .filter(|agreement| agreement.id != draft.id)
            .collect();
        if let Some(sent) = twins.iter().find(|twin| was_sent(&twin.status)) {
            return self.get(&EnvelopeId::new(sent.id.as_str())).await.map(Some);
        }
        let Some(ours) = draft.created_date else {
            return Ok(None);
        };
        let earlier = twins.iter().find(|twin| {
            twin.status == AgreementStatus::Draft
                && twin.created_date.is_some_and(|theirs| {
                    (theirs, twin.id.as_str()) < (ours, draft.id.as_str())
                        && ours - theirs <= ABANDONED_AFTER
                })
        });
        match earlier {
            Some(twin) => Err(Error::invalid_state(format!(
                "another send with reference `{reference}` is in progress (draft agreement {}): \
                 send again to get its envelope once it is sent, or delete that draft if no send \
                 is running",
                twin.id
            ))
            .with_provider(PROVIDER)),
            None => Ok(None),
        }
    }

    /// Uploads a document, or reuses the file an earlier attempt of a send with the same
    /// reference uploaded (HeySign cannot delete files, so a retried send would otherwise leave
    /// one behind each time). The document streams from where it is; its type is the one
    /// recognised from its first bytes, and the SHA-256 HeySign reports must be that of the
    /// bytes sent (checked by [`Files::upload`](crate::Files::upload)).
    async fn upload(
        &self,
        index: usize,
        document: &Document,
        reference: Option<&str>,
    ) -> Result<FileId> {
        let upload = DocumentUpload::new(PROVIDER, &self.capabilities(), index, document);
        // An earlier file can only be recognised by its size and digest, so the lookup needs a
        // document of known size that can be read before it is sent; the digest is computed
        // only when a file of that size exists.
        if let (Some(reference), Some(size)) = (reference, document.size())
            && document.is_repeatable()
        {
            let params = ListParams::new().metadata(REFERENCE_KEY, reference);
            let files: Vec<File> = self.client.files().list_all(params).try_collect().await?;
            let candidates: Vec<File> = files
                .into_iter()
                .filter(|file| {
                    file.metadata.get(REFERENCE_KEY).map(String::as_str) == Some(reference)
                        && file.size == Some(size)
                })
                .collect();
            if !candidates.is_empty() {
                let digest = hex(&upload.content_sha256().await?);
                if let Some(file) = candidates.into_iter().find(|file| {
                    file.sha256
                        .as_deref()
                        .is_some_and(|sha| sha.eq_ignore_ascii_case(&digest))
                }) {
                    return Ok(file.id);
                }
            }
        }
        // HeySign takes PDFs only, and the upload refuses anything else from its first bytes.
        let mut file = UploadFile::from_document("application/pdf", document.clone());
        if let Some(reference) = reference {
            file.metadata
                .insert(REFERENCE_KEY.to_owned(), reference.to_owned());
        }
        Ok(self.client.files().upload_checked(&file, upload).await?.id)
    }

    /// Adds the signees and submits the draft; returns the signees' ids in the request's order.
    async fn complete_draft(&self, draft: &Agreement, request: &NewEnvelope) -> Result<Completed> {
        let id = &draft.id;
        let mut signees = Vec::with_capacity(request.signers().len());
        // One at a time: the order of creation is the order signees are listed in.
        for signer in request.signers() {
            let mut attributes = SigneeAttributes::email(signer.email());
            if let Some(NationalId::SwedishPersonalNumber(number)) = signer.national_id_number() {
                attributes = attributes.with_se_personal_number(number.clone());
            }
            let mut new = NewSignee::new(id.clone(), attributes);
            new.metadata
                .insert(SIGNER_NAME_KEY.to_owned(), signer.name().to_owned());
            if let Some(organization) = signer.organization_name() {
                new.metadata
                    .insert(SIGNER_ORGANIZATION_KEY.to_owned(), organization.to_owned());
            }
            if let Some(title) = signer.job_title() {
                new.metadata
                    .insert(SIGNER_TITLE_KEY.to_owned(), title.to_owned());
            }
            signees.push(self.client.signees().create(&new).await?.id);
        }
        if let Some(reference) = request.reference()
            && let Some(twin) = self.check_no_twin(draft, reference).await?
        {
            return Ok(Completed::Twin(Box::new(twin)));
        }
        if let Err(err) = self.client.agreements().submit(id).await {
            // The submit may have gone through even though its answer was lost: only a status
            // that proves it (pending, or already completed) counts.
            let submitted = self
                .client
                .agreements()
                .get(id)
                .await
                .is_ok_and(|agreement| {
                    matches!(
                        agreement.status,
                        AgreementStatus::Pending | AgreementStatus::Completed
                    )
                });
            if !submitted {
                return Err(err);
            }
        }
        Ok(Completed::Submitted(signees))
    }
}

/// How long a send may take between creating its draft and submitting it: a draft with the same
/// reference created longer before is left by an interrupted send, not a running one.
const ABANDONED_AFTER: time::Duration = time::Duration::minutes(5);

/// What completing a draft led to.
enum Completed {
    /// Submitted; the signees' ids in the request's order.
    Submitted(Vec<SigneeId>),
    /// Another send with the same reference had already sent this envelope.
    Twin(Box<Envelope>),
}

/// Whether an agreement's status proves it was submitted.
fn was_sent(status: &AgreementStatus) -> bool {
    matches!(
        status,
        AgreementStatus::Pending | AgreementStatus::Completed | AgreementStatus::Cancelled
    )
}

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn unsupported_national_id(request: &NewEnvelope) -> Result<()> {
    for (i, signer) in request.signers().iter().enumerate() {
        if let Some(id) = signer.national_id_number()
            && !matches!(id, NationalId::SwedishPersonalNumber(_))
        {
            return Err(Error::invalid_request(
                format!("signers[{i}].national_id"),
                "HeySign accepts Swedish personal numbers only",
            )
            .with_provider(PROVIDER));
        }
    }
    Ok(())
}

#[async_trait]
impl SigningProvider for HeySign {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = capabilities();
        caps.max_document_size = Some(self.client.max_upload_size());
        caps
    }

    async fn send(&self, request: &NewEnvelope) -> Result<Envelope> {
        self.capabilities().check_request(PROVIDER, request)?;
        unsupported_national_id(request)?;
        let issuer = request
            .owner()
            .map(|owner| owner.name().to_owned())
            .or_else(|| self.issuer.clone())
            .ok_or_else(|| {
                Error::invalid_request(
                    "owner",
                    "HeySign needs an issuer: set the request's owner or the builder's issuer",
                )
                .with_provider(PROVIDER)
            })?;

        if let Some(reference) = request.reference()
            && let Some(existing) = self.find_sent(reference).await?
        {
            return Ok(existing);
        }

        let mut documents = Vec::with_capacity(request.documents().len());
        for (i, document) in request.documents().iter().enumerate() {
            let file = self.upload(i, document, request.reference()).await?;
            let role = if i == 0 {
                DocumentType::Primary
            } else {
                DocumentType::Attachment
            };
            documents.push(AgreementDocument::new(file, role));
        }

        let mut metadata: Metadata = request.metadata().clone();
        if let Some(reference) = request.reference() {
            metadata.insert(REFERENCE_KEY.to_owned(), reference.to_owned());
        }
        let attempt = uuid::Uuid::new_v4().to_string();
        metadata.insert(ATTEMPT_KEY.to_owned(), attempt.clone());
        for (position, signer) in request.signers().iter().enumerate() {
            metadata.insert(
                mapping::signer_email_key(position),
                signer.email().to_owned(),
            );
        }
        let mut new = NewAgreement::new(issuer);
        new.title = Some(request.title().to_owned());
        new.documents = documents;
        new.metadata = metadata;
        new.notifications = Some(Notifications::new(NotificationType::Email));
        let draft = self.create_draft(&new, &attempt).await?;

        let outcome = match self.complete_draft(&draft, request).await {
            Ok(Completed::Submitted(signees)) => {
                return Ok(mapping::sent_envelope(draft, request, signees));
            }
            Ok(Completed::Twin(twin)) => Ok(*twin),
            Err(err) => Err(err),
        };
        // A failed send, or one that gives way to a twin: this call's own draft is removed.
        let id = EnvelopeId::new(draft.id.as_str());
        let cleanup = self.client.agreements().delete(&draft.id).await;
        match (outcome, cleanup) {
            (Ok(twin), Ok(())) => Ok(twin),
            (Ok(twin), Err(cleanup)) => {
                // The envelope the caller wanted exists; this draft is only a leftover, which
                // no later send with the reference will pick up (drafts never count as sent).
                tracing::warn!(agreement = %draft.id, error = %cleanup, "could not delete the draft of a send that gave way to its twin");
                Ok(twin)
            }
            (Err(err), Ok(())) => Err(err),
            (Err(err), Err(cleanup)) => {
                tracing::warn!(agreement = %draft.id, error = %cleanup, "could not delete the draft of a failed send");
                Err(err.with_orphaned_envelope(id))
            }
        }
    }

    async fn get(&self, id: &EnvelopeId) -> Result<Envelope> {
        let agreement_id = AgreementId::new(id.as_str());
        // The two reads do not depend on each other: made at once, they cost one round trip
        // instead of two. The agreement's error (such as not found) is the one reported: it
        // ends the call at once, and a failed listing waits for the agreement's outcome.
        let (agreements, signees) = (self.client.agreements(), self.client.signees());
        let agreement = pin!(agreements.get(&agreement_id));
        let signees = pin!(signees.all_of(&agreement_id));
        let (agreement, signees) = match select(agreement, signees).await {
            Either::Left((agreement, signees)) => (agreement?, signees.await?),
            Either::Right((signees, agreement)) => (agreement.await?, signees?),
        };
        Ok(mapping::envelope(agreement, signees))
    }

    async fn cancel(&self, id: &EnvelopeId) -> Result<()> {
        self.client
            .agreements()
            .cancel(&AgreementId::new(id.as_str()))
            .await
    }

    async fn delete(&self, id: &EnvelopeId) -> Result<()> {
        self.client
            .agreements()
            .delete(&AgreementId::new(id.as_str()))
            .await
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Envelope>> {
        let offset: u32 = match &query.page_token {
            None => 0,
            Some(token) => token.parse().map_err(|_| {
                Error::invalid_request("page_token", format!("`{token}` is not a page token"))
                    .with_provider(PROVIDER)
            })?,
        };
        let limit = query.page_size.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, 100);
        let mut params = ListParams::new().offset(offset).limit(limit);
        for (key, value) in &query.metadata {
            params = params.metadata(key.clone(), value.clone());
        }
        let page = self.client.agreements().list(&params).await?;
        let envelopes = try_join_all(page.data.into_iter().map(|agreement| async move {
            let signees = self.client.signees().all_of(&agreement.id).await?;
            Ok::<_, Error>(mapping::envelope(agreement, signees))
        }))
        .await?;
        let next = next_offset(offset, envelopes.len(), limit, page.total_items);
        let mut result = Page::new(envelopes, next.map(|next| next.to_string()));
        if let Some(total) = page.total_items {
            result = result.with_total(total);
        }
        Ok(result)
    }

    async fn download(&self, _id: &EnvelopeId) -> Result<Document> {
        Err(Error::unsupported(Operation::Download.as_str(), PROVIDER))
    }

    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<Event>> {
        self.webhooks.parse(request).await
    }
}

impl fmt::Debug for HeySign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeySign")
            .field("client", &self.client)
            .field("webhooks", &self.webhooks)
            .field("issuer", &self.issuer)
            .finish()
    }
}

//! [`HeySign`]: the [`SigningProvider`] for HeySign.

use std::fmt;
use std::pin::pin;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use futures_util::future::{Either, select, try_join_all};
use signing_core::{
    Capabilities, Document, DocumentFormat, Envelope, EnvelopeId, EnvelopeStatus, Error, Event,
    ListQuery, NationalId, NewEnvelope, Operation, Page, Result, SignerStatus, SigningProvider,
    WebhookRequest,
};

use crate::client::{HeySignClient, next_offset};
use crate::error::PROVIDER;
use crate::mapping::{
    self, REFERENCE_KEY, SIGNER_NAME_KEY, SIGNER_ORGANIZATION_KEY, SIGNER_TITLE_KEY,
};
use crate::webhook::Webhooks;
use crate::wire::{
    Agreement, AgreementDocument, AgreementId, AgreementStatus, DocumentType, ListParams, Metadata,
    NewAgreement, NewSignee, NotificationType, Notifications, Signee, SigneeAttributes, UploadFile,
};

/// HeySign's default upload limit: 10 MB.
pub const MAX_DOCUMENT_SIZE: u64 = 10 * 1024 * 1024;

const DEFAULT_PAGE_SIZE: u32 = 20;

/// What HeySign supports, from its API reference.
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

    /// An agreement sent earlier with this reference, if any. Drafts left by an interrupted
    /// send are deleted so the send can start over.
    async fn find_by_reference(&self, reference: &str) -> Result<Option<Envelope>> {
        let params = ListParams::new().metadata(REFERENCE_KEY, reference);
        let found: Vec<Agreement> = self
            .client
            .agreements()
            .list_all(params)
            .try_collect()
            .await?;
        for agreement in found {
            match agreement.status {
                AgreementStatus::Deleted => {}
                AgreementStatus::Draft => self.client.agreements().delete(&agreement.id).await?,
                _ => {
                    return self
                        .get(&EnvelopeId::new(agreement.id.as_str()))
                        .await
                        .map(Some);
                }
            }
        }
        Ok(None)
    }

    /// Adds the signees and submits the draft.
    async fn complete_draft(&self, id: &AgreementId, request: &NewEnvelope) -> Result<Vec<Signee>> {
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
            signees.push(self.client.signees().create(&new).await?);
        }
        if let Err(err) = self.client.agreements().submit(id).await {
            // The submit may have gone through even though its answer was lost: the
            // agreement's status says.
            let submitted = self
                .client
                .agreements()
                .get(id)
                .await
                .is_ok_and(|a| a.status != AgreementStatus::Draft);
            if !submitted {
                return Err(err);
            }
        }
        Ok(signees)
    }
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
        capabilities()
    }

    async fn send(&self, request: &NewEnvelope) -> Result<Envelope> {
        capabilities().check_request(PROVIDER, request)?;
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
            && let Some(existing) = self.find_by_reference(reference).await?
        {
            return Ok(existing);
        }

        let mut documents = Vec::with_capacity(request.documents().len());
        for (i, document) in request.documents().iter().enumerate() {
            let upload = UploadFile::new(
                document.name(),
                document.content_type(),
                document.content().clone(),
            );
            let file = self.client.files().upload(&upload).await?;
            let role = if i == 0 {
                DocumentType::Primary
            } else {
                DocumentType::Attachment
            };
            documents.push(AgreementDocument::new(file.id, role));
        }

        let mut metadata: Metadata = request.metadata().clone();
        if let Some(reference) = request.reference() {
            metadata.insert(REFERENCE_KEY.to_owned(), reference.to_owned());
        }
        let mut new = NewAgreement::new(issuer);
        new.title = Some(request.title().to_owned());
        new.documents = documents;
        new.metadata = metadata;
        new.notifications = Some(Notifications::new(NotificationType::Email));
        let draft = self.client.agreements().create(&new).await?;

        match self.complete_draft(&draft.id, request).await {
            Ok(signees) => {
                let mut envelope = mapping::envelope(draft, signees);
                // Submitting answers with no body; the documented effect is that the agreement
                // and its signees are now pending.
                envelope.status = EnvelopeStatus::Sent;
                for signer in &mut envelope.signers {
                    signer.status = SignerStatus::Notified;
                }
                Ok(envelope)
            }
            Err(err) => {
                let id = EnvelopeId::new(draft.id.as_str());
                match self.client.agreements().delete(&draft.id).await {
                    Ok(()) => Err(err),
                    Err(cleanup) => {
                        tracing::warn!(agreement = %draft.id, error = %cleanup, "could not delete the draft of a failed send");
                        Err(err.with_orphaned_envelope(id))
                    }
                }
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

//! [`DocuSign`]: the [`SigningProvider`] for DocuSign.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use signing_core::{
    Capabilities, Document, DocumentFormat, DocumentWriter, Envelope, EnvelopeId as CoreEnvelopeId,
    EnvelopeStatus as CoreStatus, Error, Event, ListQuery, NewEnvelope, Page, Result, SigningOrder,
    SigningProvider, WebhookRequest,
};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::client::{DocuSignClient, ListEnvelopes, next_position};
use crate::error::{POLLING_INTERVAL, PROVIDER};
use crate::mapping::{self, REFERENCE_FIELD};
use crate::webhook::ConnectWebhooks;
use crate::wire::{
    CustomFields, DocumentId, EnvelopeDefinition, EnvelopeId, EnvelopeStatus, EventNotification,
    NewCarbonCopy, NewDocument, NewSigner, RecipientId, TextCustomField,
};

pub use crate::client::MAX_DOCUMENT_SIZE;

/// DocuSign's polling rule: one read of an envelope resource every 15 minutes. `watch` never
/// polls faster; use Connect (a callback URL) to learn about changes sooner.
pub const MIN_POLL_INTERVAL: Duration = POLLING_INTERVAL;

/// The reason `cancel` gives DocuSign when it voids an envelope (the recipients see it).
pub const VOID_REASON: &str = "Cancelled by the sender.";

/// Where listings and reference lookups start: DocuSign lists only envelopes changed after a
/// `from_date`, and the trait's listing has none, so it reaches back to before any envelope
/// could exist.
pub const LIST_FROM_DATE: OffsetDateTime = datetime!(2000-01-01 00:00 UTC);

/// The longest name, e-mail address and custom field value DocuSign takes, in characters.
const MAX_FIELD_CHARS: usize = 100;

const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

/// What DocuSign supports through this adapter.
///
/// Everything but national ids (DocuSign's identity verification is configured per account,
/// not given per signer); PDF and DOCX (DocuSign converts other formats too, but the core
/// recognises these two); 25 MB per document; at most one read of an envelope every 15 minutes.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::all();
    caps.national_id = false;
    caps.formats = vec![DocumentFormat::Pdf, DocumentFormat::Docx];
    caps.max_document_size = Some(MAX_DOCUMENT_SIZE);
    caps.min_poll_interval = Some(MIN_POLL_INTERVAL);
    caps
}

/// The DocuSign provider. Build it with [`DocuSignBuilder`](crate::DocuSignBuilder); reach the
/// rest of the API through [`client`](Self::client).
///
/// - `send` creates and sends the envelope in one request (`status: "sent"`): signers in
///   ascending `routingOrder` for [`SigningOrder::Sequential`], all at `1` for parallel;
///   cc addresses as `carbonCopies` after the last signer; metadata and the caller reference as
///   hidden text custom fields; the request's callback URL as the envelope's own Connect
///   `eventNotification` (JSON, HMAC-signed). With a reference, an envelope already sent with
///   it is returned instead (found by the custom field, each hit's field checked exactly).
/// - `get` reads the envelope with its recipients and custom fields in one request.
/// - `cancel` voids; `delete` moves a draft to the recycle bin and refuses anything else.
/// - `download` returns the combined signed PDF of a completed envelope; the certificate of
///   completion is [`client().documents().certificate`](crate::Documents::certificate).
#[derive(Clone)]
pub struct DocuSign {
    client: DocuSignClient,
    webhooks: ConnectWebhooks,
}

impl DocuSign {
    pub(crate) fn new(client: DocuSignClient, webhooks: ConnectWebhooks) -> Self {
        Self { client, webhooks }
    }

    /// The typed client for the rest of the API.
    pub fn client(&self) -> &DocuSignClient {
        &self.client
    }

    /// An envelope sent earlier with this reference, if any: the oldest one whose reference
    /// field holds exactly `reference` (DocuSign's search treats `%` as a wildcard and ignores
    /// case in names) and that is neither a draft nor deleted.
    async fn find_by_reference(&self, reference: &str) -> Result<Option<Envelope>> {
        let params = ListEnvelopes::since(LIST_FROM_DATE).custom_field(REFERENCE_FIELD, reference);
        let found: Vec<crate::wire::Envelope> = self
            .client
            .envelopes()
            .list_all(params)
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .filter(|envelope| {
                !matches!(
                    envelope.status,
                    EnvelopeStatus::Created | EnvelopeStatus::Deleted
                )
            })
            .map(mapping::envelope)
            .find(|envelope| envelope.reference.as_deref() == Some(reference)))
    }
}

impl DocuSign {
    /// Refuses a download of an envelope that is not completed (its documents are not signed).
    async fn check_completed(&self, id: &EnvelopeId) -> Result<()> {
        let envelope = self.client.envelopes().get(id).await?;
        if mapping::envelope_status(&envelope.status) == CoreStatus::Completed {
            return Ok(());
        }
        Err(Error::invalid_state(format!(
            "the envelope is {}: its documents are signed once it is completed",
            envelope.status
        ))
        .with_provider(PROVIDER))
    }
}

/// Refuses what DocuSign would refuse, before anything is sent: names, addresses and custom
/// field values longer than 100 characters.
fn check_limits(request: &NewEnvelope) -> Result<()> {
    let too_long = |field: String, what: &str| {
        Error::invalid_request(
            field,
            format!("DocuSign takes at most {MAX_FIELD_CHARS} characters for {what}"),
        )
        .with_provider(PROVIDER)
    };
    let long = |text: &str| text.chars().count() > MAX_FIELD_CHARS;
    for (i, signer) in request.signers().iter().enumerate() {
        if long(signer.name()) {
            return Err(too_long(format!("signers[{i}].name"), "a name"));
        }
        if long(signer.email()) {
            return Err(too_long(format!("signers[{i}].email"), "an e-mail address"));
        }
    }
    for (i, email) in request.cc().iter().enumerate() {
        if long(email) {
            return Err(too_long(format!("cc[{i}]"), "an e-mail address"));
        }
    }
    for (key, value) in request.metadata() {
        if long(value) {
            return Err(too_long(format!("metadata.{key}"), "a custom field value"));
        }
    }
    if request.reference().is_some_and(long) {
        return Err(too_long("reference".to_owned(), "a custom field value"));
    }
    Ok(())
}

/// The envelope definition of `request`, to be sent at once.
fn definition(request: &NewEnvelope) -> EnvelopeDefinition {
    let mut definition = EnvelopeDefinition::new(request.title());
    definition.status = Some(EnvelopeStatus::Sent);
    definition.documents = request
        .documents()
        .iter()
        .zip(1_u32..)
        .map(|(document, number)| {
            NewDocument::from_document(DocumentId::new(number.to_string()), document.clone())
        })
        .collect();
    let mut last_order = 0;
    for (signer, number) in request.signers().iter().zip(1_u32..) {
        let order = match request.order() {
            SigningOrder::Sequential => number,
            _ => 1,
        };
        last_order = last_order.max(order);
        definition.recipients.signers.push(NewSigner::new(
            RecipientId::new(number.to_string()),
            signer.name(),
            signer.email(),
            order,
        ));
    }
    let first_cc = u32::try_from(request.signers().len()).unwrap_or(u32::MAX);
    for (email, number) in request.cc().iter().zip(first_cc.saturating_add(1)..) {
        // DocuSign needs a name; a cc address has none but itself.
        definition.recipients.carbon_copies.push(NewCarbonCopy::new(
            RecipientId::new(number.to_string()),
            email.as_str(),
            email.as_str(),
            last_order.saturating_add(1),
        ));
    }
    let mut fields: Vec<TextCustomField> = request
        .metadata()
        .iter()
        .map(|(key, value)| TextCustomField::hidden(key.as_str(), value.as_str()))
        .collect();
    if let Some(reference) = request.reference() {
        fields.push(TextCustomField::hidden(REFERENCE_FIELD, reference));
    }
    if !fields.is_empty() {
        definition.custom_fields = Some(CustomFields {
            text_custom_fields: fields,
        });
    }
    definition.event_notification = request
        .callback_url()
        .map(|url| EventNotification::json(url.as_str()));
    definition
}

fn envelope_id(id: &CoreEnvelopeId) -> EnvelopeId {
    EnvelopeId::new(id.as_str())
}

#[async_trait]
impl SigningProvider for DocuSign {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    async fn send(&self, request: &NewEnvelope) -> Result<Envelope> {
        capabilities().check_request(PROVIDER, request)?;
        check_limits(request)?;
        if let Some(reference) = request.reference()
            && let Some(existing) = self.find_by_reference(reference).await?
        {
            return Ok(existing);
        }
        let definition = definition(request);
        let summary = self
            .client
            .envelopes()
            .create_checked(&definition, &capabilities())
            .await?;
        Ok(mapping::sent_envelope(summary, request, &definition))
    }

    async fn get(&self, id: &CoreEnvelopeId) -> Result<Envelope> {
        let envelope = self.client.envelopes().get(&envelope_id(id)).await?;
        Ok(mapping::envelope(envelope))
    }

    async fn cancel(&self, id: &CoreEnvelopeId) -> Result<()> {
        self.client
            .envelopes()
            .void(&envelope_id(id), VOID_REASON)
            .await
    }

    async fn delete(&self, id: &CoreEnvelopeId) -> Result<()> {
        let id = envelope_id(id);
        let envelope = self.client.envelopes().get(&id).await?;
        match &envelope.status {
            EnvelopeStatus::Created => self.client.envelopes().recycle(&id).await,
            EnvelopeStatus::Deleted => Ok(()),
            status => Err(Error::invalid_state(format!(
                "the envelope is {status}: DocuSign deletes drafts only (cancel voids a sent envelope)"
            ))
            .with_provider(PROVIDER)),
        }
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Envelope>> {
        let position: u64 = match &query.page_token {
            None => 0,
            Some(token) => token.parse().map_err(|_| {
                Error::invalid_request("page_token", format!("`{token}` is not a page token"))
                    .with_provider(PROVIDER)
            })?,
        };
        let count = query
            .page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        // DocuSign filters on one custom field; the others are checked here, on each page.
        let mut params = ListEnvelopes::since(LIST_FROM_DATE)
            .count(count)
            .start_position(position);
        if let Some((key, value)) = query.metadata.iter().next() {
            params = params.custom_field(key.as_str(), value.as_str());
        }
        let page = self.client.envelopes().list(&params).await?;
        let next = next_position(position, &page, count).map(|next| next.to_string());
        let total = page.total_set_size;
        let envelopes: Vec<Envelope> = page
            .envelopes
            .into_iter()
            .map(mapping::envelope)
            .filter(|envelope| {
                query
                    .metadata
                    .iter()
                    .all(|(key, value)| envelope.metadata.get(key) == Some(value))
            })
            .collect();
        let mut result = Page::new(envelopes, next);
        if let Some(total) = total
            && query.metadata.len() <= 1
        {
            result = result.with_total(total);
        }
        Ok(result)
    }

    async fn download(&self, id: &CoreEnvelopeId) -> Result<Document> {
        let ds_id = envelope_id(id);
        self.check_completed(&ds_id).await?;
        let pdf = self.client.documents().combined(&ds_id).await?;
        Ok(Document::new(format!("{id}.pdf"), pdf).with_content_type("application/pdf"))
    }

    async fn download_to(&self, id: &CoreEnvelopeId, writer: &mut DocumentWriter) -> Result<u64> {
        let ds_id = envelope_id(id);
        self.check_completed(&ds_id).await?;
        self.client.documents().combined_to(&ds_id, writer).await
    }

    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<Event>> {
        self.webhooks.parse(request).await
    }
}

impl fmt::Debug for DocuSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocuSign")
            .field("client", &self.client)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use signing_core::{ErrorKind, Signer};

    use super::*;

    fn request() -> signing_core::NewEnvelopeBuilder {
        NewEnvelope::builder()
            .title("Lease")
            .document(Document::new("lease.pdf", &b"%PDF-1.7 lease"[..]))
            .signer(Signer::new("Ada", "ada@example.com"))
            .signer(Signer::new("Bob", "bob@example.com"))
    }

    #[test]
    fn order_decides_routing_and_cc_come_last() {
        let sequential = definition(
            &request()
                .order(SigningOrder::Sequential)
                .cc("cc@example.com")
                .build()
                .unwrap(),
        );
        let orders: Vec<u32> = sequential
            .recipients
            .signers
            .iter()
            .map(|s| s.routing_order)
            .collect();
        assert_eq!(orders, [1, 2]);
        let cc = &sequential.recipients.carbon_copies[0];
        assert_eq!((cc.recipient_id.as_str(), cc.routing_order), ("3", 3));
        let parallel = definition(&request().cc("cc@example.com").build().unwrap());
        let orders: Vec<u32> = parallel
            .recipients
            .signers
            .iter()
            .map(|s| s.routing_order)
            .collect();
        assert_eq!(orders, [1, 1]);
        assert_eq!(parallel.recipients.carbon_copies[0].routing_order, 2);
        assert!(parallel.event_notification.is_none());
        assert!(parallel.custom_fields.is_none());
    }

    #[test]
    fn what_docusign_would_refuse_is_refused_naming_the_field() {
        let long = "x".repeat(101);
        let field = |builder: signing_core::NewEnvelopeBuilder| match check_limits(
            &builder.build().unwrap(),
        )
        .unwrap_err()
        .kind()
        {
            ErrorKind::InvalidRequest { field, .. } => field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(request().signer(Signer::new(long.clone(), "c@example.com"))),
            "signers[2].name"
        );
        assert_eq!(field(request().metadata("k", long.clone())), "metadata.k");
        assert_eq!(field(request().reference(long)), "reference");
        check_limits(&request().metadata("k", "x".repeat(100)).build().unwrap()).unwrap();
    }

    #[test]
    fn capabilities_are_declared() {
        let caps = capabilities();
        assert!(caps.sequential_signing && caps.cc_recipients && caps.callback_url);
        assert!(!caps.national_id);
        assert_eq!(caps.min_poll_interval, Some(Duration::from_secs(900)));
    }
}

//! The typed client for what an application needs of the eSignature REST API v2.1 beyond the
//! common trait: envelopes, recipients, documents and recipient views, below
//! `{base_uri}/restapi/v2.1/accounts/{accountId}/`, built from the segments in [`paths`].

use std::sync::Arc;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::TryStreamExt;
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use signing_core::{
    Capabilities, DocumentFormat, DocumentWriter, Error, ErrorKind, RawJson, Result,
};
use signing_http::paging::{self, DEFAULT_MAX_PAGES, Page};
use signing_http::{
    Answer, Body, DocumentUpload, Multipart, Repeat, Request, TokenCache, Transport,
    multipart_file_name, settle,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::auth::{AccountSlot, ResolvedAccount};
use crate::error::PROVIDER;
use crate::wire::{
    DocumentId, Envelope, EnvelopeDefinition, EnvelopeId, EnvelopeStatus, EnvelopeSummary,
    EnvelopeUpdate, EnvelopesInformation, EnvelopesPage, FoldersRequest, RecipientView,
    RecipientViewRequest, Recipients, UserAccount,
};

/// The path segments the client uses, in one place.
pub mod paths {
    /// `restapi`: the REST API below an account's `base_uri`.
    pub const RESTAPI: &str = "restapi";
    /// The API version.
    pub const VERSION: &str = "v2.1";
    /// `accounts`.
    pub const ACCOUNTS: &str = "accounts";
    /// `envelopes`.
    pub const ENVELOPES: &str = "envelopes";
    /// `recipients`, below an envelope.
    pub const RECIPIENTS: &str = "recipients";
    /// `documents`, below an envelope.
    pub const DOCUMENTS: &str = "documents";
    /// The document id of every document combined into one PDF.
    pub const COMBINED: &str = "combined";
    /// The document id of the certificate of completion.
    pub const CERTIFICATE: &str = "certificate";
    /// `views`, below an envelope.
    pub const VIEWS: &str = "views";
    /// `recipient`, below `views`.
    pub const RECIPIENT: &str = "recipient";
    /// `folders`.
    pub const FOLDERS: &str = "folders";
    /// The recycle bin's folder id.
    pub const RECYCLE_BIN: &str = "recyclebin";
    /// `oauth`, on the auth host.
    pub const OAUTH: &str = "oauth";
    /// The token endpoint, below `oauth`.
    pub const TOKEN: &str = "token";
    /// The userinfo endpoint, below `oauth`.
    pub const USERINFO: &str = "userinfo";
    /// The consent page, below `oauth`.
    pub const AUTH: &str = "auth";
}

/// The largest document read whole: envelopes hold up to 25 MB per document, and a combined
/// PDF holds them all.
pub const MAX_DOWNLOAD_BYTES: usize = 256 * 1024 * 1024;

/// The largest document accepted: DocuSign's guides set 25 MB per document.
pub const MAX_DOCUMENT_SIZE: u64 = 25 * 1024 * 1024;

/// How many envelopes a page holds when walking every page, unless the listing says.
const STREAM_PAGE_SIZE: u32 = 100;

/// `include` of a read envelope: its recipients and custom fields, in the same request.
const INCLUDE: &str = "recipients,custom_fields";

/// A client for DocuSign's eSignature REST API v2.1. Cheap to clone: clones share the
/// connection pool, the access token and the account.
#[derive(Debug, Clone)]
pub struct DocuSignClient {
    transport: Transport,
    tokens: Arc<TokenCache>,
    account: AccountSlot,
}

impl DocuSignClient {
    pub(crate) fn new(transport: Transport, tokens: Arc<TokenCache>, account: AccountSlot) -> Self {
        Self {
            transport,
            tokens,
            account,
        }
    }

    /// Envelopes: create (as a draft or sent), read, send a draft, void, list, recycle.
    pub fn envelopes(&self) -> Envelopes<'_> {
        Envelopes { client: self }
    }

    /// An envelope's recipients.
    pub fn recipients(&self) -> RecipientsApi<'_> {
        RecipientsApi { client: self }
    }

    /// An envelope's documents: the combined PDF, the certificate of completion, one document.
    pub fn documents(&self) -> Documents<'_> {
        Documents { client: self }
    }

    /// Embedded signing sessions.
    pub fn views(&self) -> Views<'_> {
        Views { client: self }
    }

    /// The account the client works in, as `/oauth/userinfo` described it (learnt with the
    /// first token, then kept).
    pub async fn account(&self) -> Result<UserAccount> {
        Ok(self.resolved().await?.account.clone())
    }

    /// How many access tokens this client has requested (one per token lifetime, however many
    /// concurrent calls needed it).
    pub fn token_requests(&self) -> usize {
        self.tokens.fetches()
    }

    async fn resolved(&self) -> Result<&ResolvedAccount> {
        if let Some(account) = self.account.get() {
            return Ok(account);
        }
        // The token source finds the account with the first token.
        self.tokens
            .token()
            .await
            .map_err(|e| e.with_provider(PROVIDER))?;
        self.account.get().ok_or_else(|| {
            Error::unexpected_response("userinfo: no account was found").with_provider(PROVIDER)
        })
    }

    /// A request of `operation` to the path made of `segments` below the account; ids among
    /// them are encoded as one segment each, so none can change the path's shape.
    async fn request(
        &self,
        method: Method,
        operation: &'static str,
        segments: &[&str],
        repeat: Repeat,
    ) -> Result<Request> {
        let url = self
            .resolved()
            .await?
            .api
            .url(segments)
            .map_err(|e| e.with_provider(PROVIDER))?;
        Ok(Request::new(method, operation, url, repeat))
    }

    async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        self.transport.json(request).await
    }

    /// Streams a PDF document of envelope `id` into `writer`, a chunk at a time; its first bytes
    /// must say PDF before anything is written.
    async fn pdf_to(
        &self,
        operation: &'static str,
        id: &EnvelopeId,
        document: &str,
        writer: &mut DocumentWriter,
    ) -> Result<u64> {
        use futures_util::{AsyncWriteExt as _, StreamExt as _};

        let request = self
            .request(
                Method::GET,
                operation,
                &[paths::ENVELOPES, id.as_str(), paths::DOCUMENTS, document],
                Repeat::Safe,
            )
            .await?
            .accept("application/pdf");
        let answer = self.transport.send_streamed(&request).await?;
        let failed = |e: std::io::Error| {
            Error::invalid_request("writer", format!("cannot be written to: {e}"))
                .with_provider(PROVIDER)
                .with_source(e)
        };
        let mut chunks = std::pin::pin!(answer.into_stream());
        // The first bytes are held until they prove a PDF: nothing else reaches the writer.
        let mut head = Vec::new();
        let mut written: u64 = 0;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            if head.len() < PDF_MAGIC.len() {
                head.extend_from_slice(&chunk);
                if head.len() < PDF_MAGIC.len() {
                    continue;
                }
                if !head.starts_with(PDF_MAGIC) {
                    return Err(not_a_pdf(operation));
                }
                writer.write_all(&head).await.map_err(failed)?;
                written = u64::try_from(head.len()).unwrap_or(u64::MAX);
                continue;
            }
            writer.write_all(&chunk).await.map_err(failed)?;
            written = written.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        }
        if head.len() < PDF_MAGIC.len() {
            return Err(not_a_pdf(operation));
        }
        writer.flush().await.map_err(failed)?;
        Ok(written)
    }

    async fn pdf(&self, operation: &'static str, id: &EnvelopeId, document: &str) -> Result<Bytes> {
        let request = self
            .request(
                Method::GET,
                operation,
                &[paths::ENVELOPES, id.as_str(), paths::DOCUMENTS, document],
                Repeat::Safe,
            )
            .await?
            .accept("application/pdf")
            .max_response_bytes(MAX_DOWNLOAD_BYTES);
        let answer = self.transport.send(&request).await?;
        // DocuSign hands every document out as a PDF; anything else is not the document.
        if DocumentFormat::sniff(&answer.body) != Some(DocumentFormat::Pdf) {
            return Err(answer.unexpected("the answer is not a PDF document"));
        }
        Ok(answer.body)
    }
}

/// How every PDF starts.
const PDF_MAGIC: &[u8] = b"%PDF-";

fn not_a_pdf(operation: &str) -> Error {
    Error::unexpected_response(format!("{operation}: the answer is not a PDF document"))
        .with_provider(PROVIDER)
}

/// Decodes a JSON value found in an answer, keeping its text (shared with the body, not copied)
/// as `raw`.
fn with_raw<T: DeserializeOwned>(
    answer: &Answer,
    item: &RawValue,
    what: &str,
) -> Result<(T, RawJson)> {
    // `item` was read from the body without copying, so it lies within it.
    let text: Bytes = answer.body.slice_ref(item.get().as_bytes());
    answer.read(
        RawJson::decode::<T>(text).map_err(|e| Error::unexpected_response(format!("{what}: {e}"))),
    )
}

fn envelope_from(answer: &Answer, item: &RawValue) -> Result<Envelope> {
    let (mut envelope, raw): (Envelope, RawJson) = with_raw(answer, item, "envelope")?;
    envelope.raw = raw;
    Ok(envelope)
}

/// The "create envelope" form of `definition`, built anew for each attempt: every document is
/// opened (so its format is known for a missing `fileExtension`), then the definition is
/// written as the first part and each document as a binary part.
fn definition_form(
    definition: EnvelopeDefinition,
    uploads: Vec<DocumentUpload>,
) -> impl Fn() -> futures_core::future::BoxFuture<'static, Result<Multipart>> + Send + Sync {
    move || {
        let (mut definition, uploads) = (definition.clone(), uploads.clone());
        Box::pin(async move {
            let mut opened = Vec::with_capacity(uploads.len());
            for upload in &uploads {
                opened.push(upload.open().await?);
            }
            for (document, opened) in definition.documents.iter_mut().zip(&opened) {
                if document.file_extension.is_none() {
                    document.file_extension = Some(
                        match opened.format() {
                            Some(DocumentFormat::Docx) => "docx",
                            _ => "pdf",
                        }
                        .to_owned(),
                    );
                }
            }
            let json = serde_json::to_vec(&definition).map_err(|e| {
                Error::invalid_request("envelopeDefinition", format!("cannot be encoded: {e}"))
                    .with_provider(PROVIDER)
            })?;
            let mut form = Multipart::new().part("form-data", Some("application/json"), json);
            for (document, opened) in definition.documents.iter().zip(opened) {
                let content_type = opened
                    .format()
                    .map_or("application/octet-stream", DocumentFormat::mime_type);
                let disposition = format!(
                    "file; filename=\"{}\"; documentid={}",
                    multipart_file_name(&document.name),
                    multipart_file_name(document.document_id.as_str())
                );
                form = form.document(&disposition, content_type, opened);
            }
            Ok(form)
        })
    }
}

/// Which envelopes a listing returns (`GET /envelopes`): those changed since `from_date`,
/// optionally only some statuses and one custom field value, a page at a time.
///
/// ```
/// use docusign::{EnvelopeStatus, ListEnvelopes};
/// use time::macros::datetime;
///
/// let params = ListEnvelopes::since(datetime!(2026-01-01 00:00 UTC))
///     .status(EnvelopeStatus::Completed)
///     .custom_field("customer", "42")
///     .count(50);
/// assert_eq!(params.count, Some(50));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListEnvelopes {
    /// `from_date`: envelopes whose status changed at or after it (required by DocuSign).
    pub from_date: OffsetDateTime,
    /// `to_date`: and at or before it.
    pub to_date: Option<OffsetDateTime>,
    /// `status`: only these statuses (any when empty).
    pub status: Vec<EnvelopeStatus>,
    /// `custom_field`: only envelopes with this custom field value. DocuSign treats `%` in the
    /// value as a wildcard; check the fields of what comes back when that matters.
    pub custom_field: Option<(String, String)>,
    /// `count`: envelopes per page (DocuSign's default when `None`).
    pub count: Option<u32>,
    /// `start_position`: where the page starts.
    pub start_position: Option<u64>,
    /// Read each envelope's recipients and custom fields too (`include=recipients,custom_fields`).
    pub include_details: bool,
}

impl ListEnvelopes {
    /// Envelopes changed at or after `from_date`, with their recipients and custom fields.
    pub fn since(from_date: OffsetDateTime) -> Self {
        Self {
            from_date,
            to_date: None,
            status: Vec::new(),
            custom_field: None,
            count: None,
            start_position: None,
            include_details: true,
        }
    }

    /// Only envelopes changed at or before `to_date`.
    #[must_use]
    pub fn until(mut self, to_date: OffsetDateTime) -> Self {
        self.to_date = Some(to_date);
        self
    }

    /// Also envelopes with this status (any status unless called).
    #[must_use]
    pub fn status(mut self, status: EnvelopeStatus) -> Self {
        self.status.push(status);
        self
    }

    /// Only envelopes whose custom field `name` holds `value`.
    #[must_use]
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom_field = Some((name.into(), value.into()));
        self
    }

    /// Envelopes per page.
    #[must_use]
    pub fn count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// The page starting at `position`.
    #[must_use]
    pub fn start_position(mut self, position: u64) -> Self {
        self.start_position = Some(position);
        self
    }

    /// The query string, in DocuSign's names.
    fn to_query(&self) -> Result<Vec<(&'static str, String)>> {
        let date = |at: OffsetDateTime| {
            at.format(&Rfc3339)
                .map_err(|e| Error::invalid_request("from_date", e.to_string()))
        };
        let mut query = vec![("from_date", date(self.from_date)?)];
        if let Some(to) = self.to_date {
            query.push(("to_date", date(to)?));
        }
        if !self.status.is_empty() {
            let statuses: Vec<&str> = self.status.iter().map(EnvelopeStatus::as_str).collect();
            query.push(("status", statuses.join(",")));
        }
        if let Some((name, value)) = &self.custom_field {
            if name.is_empty() || name.contains('=') {
                return Err(Error::invalid_request(
                    "custom_field",
                    "the name must be non-empty and hold no `=`",
                ));
            }
            query.push(("custom_field", format!("{name}={value}")));
        }
        if let Some(count) = self.count {
            query.push(("count", count.to_string()));
        }
        if let Some(start) = self.start_position {
            query.push(("start_position", start.to_string()));
        }
        if self.include_details {
            query.push(("include", INCLUDE.to_owned()));
        }
        Ok(query)
    }
}

/// Envelopes. See [`DocuSignClient::envelopes`].
#[derive(Debug, Clone, Copy)]
pub struct Envelopes<'a> {
    client: &'a DocuSignClient,
}

impl Envelopes<'_> {
    /// Creates an envelope: a draft, or sent at once with `status` [`Sent`](EnvelopeStatus::Sent).
    ///
    /// The request is `multipart/form-data`: the definition as JSON, then each document's bytes
    /// in a part of its own (`Content-Disposition: file; filename="..."; documentid=N`), streamed
    /// from where they are and opened again by a repeat. A document may be of any type DocuSign
    /// converts (its `fileExtension` says which); each is at most [`MAX_DOCUMENT_SIZE`] bytes,
    /// stopped there while streaming.
    ///
    /// Never repeated once it may have reached DocuSign: a lost or unreadable answer is
    /// [`OutcomeUnknown`](ErrorKind::OutcomeUnknown).
    pub async fn create(&self, definition: &EnvelopeDefinition) -> Result<EnvelopeSummary> {
        let mut rules = Capabilities::default();
        rules.max_document_size = Some(MAX_DOCUMENT_SIZE);
        self.create_with(definition, &rules, true).await
    }

    /// Like [`create`](Self::create), with each document's format checked against `rules`.
    pub(crate) async fn create_checked(
        &self,
        definition: &EnvelopeDefinition,
        rules: &Capabilities,
    ) -> Result<EnvelopeSummary> {
        self.create_with(definition, rules, false).await
    }

    async fn create_with(
        &self,
        definition: &EnvelopeDefinition,
        rules: &Capabilities,
        any_format: bool,
    ) -> Result<EnvelopeSummary> {
        let uploads: Vec<DocumentUpload> = definition
            .documents
            .iter()
            .enumerate()
            .map(|(index, document)| {
                let upload = DocumentUpload::new(PROVIDER, rules, index, &document.content);
                if any_format {
                    upload.any_format()
                } else {
                    upload
                }
            })
            .collect();
        let mut body = Body::multipart(definition_form(definition.clone(), uploads.clone()));
        for upload in &uploads {
            body = body.streaming(upload);
        }
        let request = self
            .client
            .request(
                Method::POST,
                "create envelope",
                &[paths::ENVELOPES],
                Repeat::IfUnsent,
            )
            .await?
            .body(body);
        let answer = self.client.transport.send(&request).await?;
        let whole = answer.read(
            serde_json::from_slice::<&RawValue>(&answer.body)
                .map_err(|e| Error::unexpected_response(format!("create envelope: {e}"))),
        )?;
        let (mut summary, raw): (EnvelopeSummary, RawJson) =
            with_raw(&answer, whole, "envelope summary")?;
        summary.raw = raw;
        Ok(summary)
    }

    /// Reads an envelope with its recipients and custom fields (one request: one read of the
    /// envelope for DocuSign's polling rule).
    pub async fn get(&self, id: &EnvelopeId) -> Result<Envelope> {
        let request = self
            .client
            .request(
                Method::GET,
                "get envelope",
                &[paths::ENVELOPES, id.as_str()],
                Repeat::Safe,
            )
            .await?
            .query([("include", INCLUDE)]);
        let answer = self.client.transport.send(&request).await?;
        let whole = answer.read(
            serde_json::from_slice::<&RawValue>(&answer.body)
                .map_err(|e| Error::unexpected_response(format!("get envelope: {e}"))),
        )?;
        envelope_from(&answer, whole)
    }

    /// Sends a draft. Like a create, never repeated once it may have reached DocuSign.
    pub async fn send_draft(&self, id: &EnvelopeId) -> Result<()> {
        let update = EnvelopeUpdate {
            status: Some(EnvelopeStatus::Sent),
            voided_reason: None,
        };
        let request = self
            .update_request("send envelope", id, &update, Repeat::IfUnsent)
            .await?;
        self.client.transport.send(&request).await.map(drop)
    }

    /// Voids a sent or delivered envelope with `reason` (required, shown to the recipients): it
    /// can no longer be signed. A completed, declined or already voided envelope is
    /// [`InvalidState`](ErrorKind::InvalidState).
    ///
    /// Voiding twice has the effect of voiding once, so the call is retried per the policy.
    /// When a repeat follows an attempt whose answer was lost, DocuSign refuses it (the envelope
    /// is no longer sent); the refusal is checked against the envelope, and if it reads
    /// `voided`, the earlier attempt did it.
    pub async fn void(&self, id: &EnvelopeId, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Error::invalid_request(
                "voided_reason",
                "DocuSign requires a reason to void",
            )
            .with_provider(PROVIDER));
        }
        let update = EnvelopeUpdate {
            status: Some(EnvelopeStatus::Voided),
            voided_reason: Some(reason.to_owned()),
        };
        let request = self
            .update_request("void envelope", id, &update, Repeat::Safe)
            .await?;
        self.settled(id, &request, |envelope| {
            envelope.status == EnvelopeStatus::Voided
        })
        .await
    }

    /// Moves envelopes to the recycle bin (`PUT /folders/recyclebin`). DocuSign deletes a
    /// draft this way, and **voids** a sent one: the provider's
    /// [`delete`](signing_core::SigningProvider::delete) checks that the envelope is a draft
    /// first.
    pub async fn recycle(&self, id: &EnvelopeId) -> Result<()> {
        let request = self
            .client
            .request(
                Method::PUT,
                "recycle envelope",
                &[paths::FOLDERS, paths::RECYCLE_BIN],
                Repeat::Safe,
            )
            .await?
            .json(&FoldersRequest {
                envelope_ids: vec![id.clone()],
            })
            .map_err(|e| e.with_provider(PROVIDER))?;
        self.settled(id, &request, |envelope| {
            envelope.status == EnvelopeStatus::Deleted
        })
        .await
    }

    async fn update_request(
        &self,
        operation: &'static str,
        id: &EnvelopeId,
        update: &EnvelopeUpdate,
        repeat: Repeat,
    ) -> Result<Request> {
        self.client
            .request(
                Method::PUT,
                operation,
                &[paths::ENVELOPES, id.as_str()],
                repeat,
            )
            .await?
            .json(update)
            .map_err(|e| e.with_provider(PROVIDER))
    }

    /// Sends `request`, settling a refusal that follows an ambiguous attempt by reading the
    /// envelope back: `done` says whether the envelope shows the change made.
    async fn settled(
        &self,
        id: &EnvelopeId,
        request: &Request,
        done: impl Fn(&Envelope) -> bool,
    ) -> Result<()> {
        let attempted = self.client.transport.send_tracked(request).await;
        // The answer is a JSON summary: success is never reported on one nobody can read.
        let attempted = signing_http::Attempted {
            result: attempted
                .result
                .and_then(|answer| answer.json::<serde::de::IgnoredAny>().map(drop)),
            after_ambiguous_failure: attempted.after_ambiguous_failure,
        };
        settle(
            attempted,
            |err| matches!(err.kind(), ErrorKind::InvalidState { .. }),
            || async { self.get(id).await.is_ok_and(|envelope| done(&envelope)) },
        )
        .await
    }

    /// One page of envelopes.
    pub async fn list(&self, params: &ListEnvelopes) -> Result<EnvelopesPage> {
        let query = params.to_query().map_err(|e| e.with_provider(PROVIDER))?;
        let request = self
            .client
            .request(
                Method::GET,
                "list envelopes",
                &[paths::ENVELOPES],
                Repeat::Safe,
            )
            .await?
            .query(query);
        let answer = self.client.transport.send(&request).await?;
        let information: EnvelopesInformation<'_> = answer.json()?;
        let envelopes = information
            .envelopes
            .unwrap_or_default()
            .into_iter()
            .map(|item| envelope_from(&answer, item))
            .collect::<Result<Vec<_>>>()?;
        Ok(EnvelopesPage {
            envelopes,
            start_position: information.start_position,
            result_set_size: information.result_set_size,
            total_set_size: information.total_set_size,
        })
    }

    /// Every envelope matching `params`, page after page as the stream is consumed, starting at
    /// `params.start_position`. A server that ignores the position, or never ends, ends the
    /// stream with an error, never a hang.
    pub fn list_all(
        &self,
        params: ListEnvelopes,
    ) -> impl Stream<Item = Result<Envelope>> + Send + '_ {
        let count = params.count.unwrap_or(STREAM_PAGE_SIZE);
        let first = params.start_position.unwrap_or(0);
        paging::walk(
            first,
            DEFAULT_MAX_PAGES,
            |envelope: &Envelope| envelope.envelope_id.as_str(),
            move |position| {
                let params = params.clone().start_position(position).count(count);
                async move {
                    let page = self.list(&params).await?;
                    let next = next_position(position, &page, count);
                    Ok(Page {
                        items: page.envelopes,
                        next,
                    })
                }
            },
        )
        .map_err(|e| e.with_provider(PROVIDER))
    }
}

/// Where the page after `page` (read at `position`, `count` per page) starts, or `None` when it
/// was the last: the total is reached, or the page was short.
pub(crate) fn next_position(position: u64, page: &EnvelopesPage, count: u32) -> Option<u64> {
    paging::next_offset(
        position,
        page.envelopes.len(),
        u64::from(count),
        page.total_set_size,
    )
}

/// An envelope's recipients. See [`DocuSignClient::recipients`].
#[derive(Debug, Clone, Copy)]
pub struct RecipientsApi<'a> {
    client: &'a DocuSignClient,
}

impl RecipientsApi<'_> {
    /// The envelope's signers and carbon copies with their statuses.
    pub async fn list(&self, id: &EnvelopeId) -> Result<Recipients> {
        let request = self
            .client
            .request(
                Method::GET,
                "list recipients",
                &[paths::ENVELOPES, id.as_str(), paths::RECIPIENTS],
                Repeat::Safe,
            )
            .await?;
        self.client.json(&request).await
    }
}

/// An envelope's documents. See [`DocuSignClient::documents`].
#[derive(Debug, Clone, Copy)]
pub struct Documents<'a> {
    client: &'a DocuSignClient,
}

impl Documents<'_> {
    /// Every document of the envelope combined into one PDF (signed, once the envelope is
    /// completed).
    pub async fn combined(&self, id: &EnvelopeId) -> Result<Bytes> {
        self.client
            .pdf("get combined document", id, paths::COMBINED)
            .await
    }

    /// Like [`combined`](Self::combined), written to `writer` as it arrives (a chunk held at a
    /// time, whatever the size), with no size cap; returns how many bytes were written.
    pub async fn combined_to(&self, id: &EnvelopeId, writer: &mut DocumentWriter) -> Result<u64> {
        self.client
            .pdf_to("get combined document", id, paths::COMBINED, writer)
            .await
    }

    /// The certificate of completion: who signed what, when, from where.
    pub async fn certificate(&self, id: &EnvelopeId) -> Result<Bytes> {
        self.client
            .pdf("get certificate of completion", id, paths::CERTIFICATE)
            .await
    }

    /// One document of the envelope, as a PDF.
    pub async fn get(&self, id: &EnvelopeId, document: &DocumentId) -> Result<Bytes> {
        self.client.pdf("get document", id, document.as_str()).await
    }
}

/// Embedded signing. See [`DocuSignClient::views`].
#[derive(Debug, Clone, Copy)]
pub struct Views<'a> {
    client: &'a DocuSignClient,
}

impl Views<'_> {
    /// A signing session URL for a signer created with a `clientUserId` (an embedded signer),
    /// whose turn has come. Each call makes a new URL, so it is repeated after failures like a
    /// read.
    pub async fn recipient(
        &self,
        id: &EnvelopeId,
        request: &RecipientViewRequest,
    ) -> Result<RecipientView> {
        let request = self
            .client
            .request(
                Method::POST,
                "create recipient view",
                &[
                    paths::ENVELOPES,
                    id.as_str(),
                    paths::VIEWS,
                    paths::RECIPIENT,
                ],
                Repeat::Safe,
            )
            .await?
            .json(request)
            .map_err(|e| e.with_provider(PROVIDER))?;
        self.client.json(&request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_queries_use_docusigns_names() {
        let params = ListEnvelopes::since(time::macros::datetime!(2026-01-02 03:04:05 UTC))
            .status(EnvelopeStatus::Sent)
            .status(EnvelopeStatus::Delivered)
            .custom_field("signing.reference", "a b")
            .count(2)
            .start_position(4);
        let query = params.to_query().unwrap();
        assert_eq!(
            query,
            [
                ("from_date", "2026-01-02T03:04:05Z".to_owned()),
                ("status", "sent,delivered".to_owned()),
                ("custom_field", "signing.reference=a b".to_owned()),
                ("count", "2".to_owned()),
                ("start_position", "4".to_owned()),
                ("include", "recipients,custom_fields".to_owned()),
            ]
        );
        assert!(
            ListEnvelopes::since(OffsetDateTime::UNIX_EPOCH)
                .custom_field("a=b", "c")
                .to_query()
                .is_err()
        );
    }

    #[test]
    fn paging_stops_at_the_total_or_a_short_page() {
        let page = |n: usize, total: Option<u64>| EnvelopesPage {
            envelopes: (0..n)
                .map(|i| {
                    serde_json::from_value(serde_json::json!({"envelopeId": i.to_string()}))
                        .unwrap()
                })
                .collect(),
            total_set_size: total,
            ..EnvelopesPage::default()
        };
        assert_eq!(next_position(0, &page(2, Some(3)), 2), Some(2));
        assert_eq!(next_position(2, &page(1, Some(3)), 2), None);
        assert_eq!(next_position(0, &page(2, None), 2), Some(2));
        assert_eq!(next_position(0, &page(1, None), 2), None);
        assert_eq!(next_position(0, &page(0, Some(5)), 2), None);
    }
}

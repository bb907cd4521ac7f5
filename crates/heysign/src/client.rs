//! The typed client for the whole HeySign API v1, for everything the common trait does not
//! cover.
//!
//! Paths follow the reference (`/v1/agreements`, `/v1/documents`, ...), built from the
//! segments in [`paths`]; the two the reference does not publish, submit and cancel, are listed
//! under "Assumptions" in `docs/providers/heysign.md`.

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use signing_core::{Capabilities, Error, ErrorKind, RawJson, Result};
use signing_http::paging::{self, DEFAULT_MAX_PAGES, Page};
use signing_http::{
    Answer, BaseUrl, Body, DocumentUpload, Multipart, Repeat, Request, Transport, settle,
};

use crate::error::PROVIDER;
use crate::wire::{
    Agreement, AgreementId, AgreementStatus, CreatedWebhook, Document, DocumentId, EditAgreement,
    EditSignee, File, FileId, ListPage, ListParams, NewAgreement, NewDocument, NewSignee,
    NewTenant, NewTheme, NewWebhook, Signee, SigneeId, Single, Tenant, Theme, UploadFile, Webhook,
    WebhookId,
};

/// The path segments below `{api_url}/v1/`, in one place.
pub mod paths {
    /// The API version every path starts with.
    pub const VERSION: &str = "v1";
    /// Agreements.
    pub const AGREEMENTS: &str = "agreements";
    /// Documents.
    pub const DOCUMENTS: &str = "documents";
    /// Files.
    pub const FILES: &str = "files";
    /// Signees.
    pub const SIGNEES: &str = "signees";
    /// Tenants.
    pub const TENANTS: &str = "tenants";
    /// Themes.
    pub const THEMES: &str = "themes";
    /// Webhooks.
    pub const WEBHOOKS: &str = "webhooks";
    /// Submitting an agreement, below its path (assumed: not published).
    pub const SUBMIT: &str = "submit";
    /// Cancelling an agreement, below its path (assumed: not published).
    pub const CANCEL: &str = "cancel";
}

/// How many items a page holds when walking every page.
const STREAM_PAGE_SIZE: u32 = 100;

/// A client for the HeySign API v1. Cheap to clone: clones share the connection pool and the
/// access token.
#[derive(Debug, Clone)]
pub struct HeySignClient {
    transport: Transport,
    /// `{api_url}/v1/`.
    api: BaseUrl,
    /// The largest file the account may upload.
    max_upload: u64,
}

impl HeySignClient {
    pub(crate) fn new(transport: Transport, api: BaseUrl, max_upload: u64) -> Self {
        Self {
            transport,
            api,
            max_upload,
        }
    }

    /// The largest file the account may upload, in bytes (set on the builder).
    pub fn max_upload_size(&self) -> u64 {
        self.max_upload
    }

    /// Agreements: create, read, edit, delete, submit, cancel, list.
    pub fn agreements(&self) -> Agreements<'_> {
        Agreements { client: self }
    }

    /// Documents of agreements.
    pub fn documents(&self) -> Documents<'_> {
        Documents { client: self }
    }

    /// Uploaded files.
    pub fn files(&self) -> Files<'_> {
        Files { client: self }
    }

    /// Signees of agreements.
    pub fn signees(&self) -> Signees<'_> {
        Signees { client: self }
    }

    /// Tenants (custom plans).
    pub fn tenants(&self) -> Tenants<'_> {
        Tenants { client: self }
    }

    /// Themes of the signing portal.
    pub fn themes(&self) -> Themes<'_> {
        Themes { client: self }
    }

    /// Webhook subscriptions.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }

    /// How many access tokens this client has requested (one per token lifetime, however many
    /// concurrent calls needed it).
    pub fn token_requests(&self) -> usize {
        self.transport
            .auth()
            .token_cache()
            .map_or(0, |cache| cache.fetches())
    }

    /// A request of `operation` to the path made of `segments`; ids among them are encoded as
    /// one segment each, so none can change the path's shape.
    fn request(
        &self,
        method: Method,
        operation: &'static str,
        segments: &[&str],
        repeat: Repeat,
    ) -> Result<Request> {
        let url = self
            .api
            .url(segments)
            .map_err(|e| e.with_provider(PROVIDER))?;
        Ok(Request::new(method, operation, url, repeat))
    }

    fn get(&self, operation: &'static str, segments: &[&str]) -> Result<Request> {
        self.request(Method::GET, operation, segments, Repeat::Safe)
    }

    /// A create: repeated only when it provably never arrived.
    fn create(
        &self,
        operation: &'static str,
        segments: &[&str],
        body: &impl serde::Serialize,
    ) -> Result<Request> {
        self.request(Method::POST, operation, segments, Repeat::IfUnsent)?
            .json(body)
            .map_err(|e| e.with_provider(PROVIDER))
    }

    async fn single<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        let wrapped: Single<T> = self.transport.json(&request).await?;
        Ok(wrapped.data)
    }

    async fn bare<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        self.transport.json(&request).await
    }

    async fn empty(&self, request: Request) -> Result<()> {
        self.transport.no_content(&request).await
    }

    async fn page<T: DeserializeOwned>(
        &self,
        segment: &str,
        params: &ListParams,
        operation: &'static str,
    ) -> Result<ListPage<T>> {
        let request = self.get(operation, &[segment])?.query(params.to_query());
        self.bare(request).await
    }

    /// Every item of a paged listing with totals, reading the next page as the stream is
    /// consumed.
    fn all_pages<T: DeserializeOwned + Send + 'static>(
        &self,
        segment: &'static str,
        params: ListParams,
        operation: &'static str,
        key: fn(&T) -> &str,
    ) -> impl Stream<Item = Result<T>> + Send + '_ {
        walk(params, key, move |params| async move {
            let page: ListPage<T> = self.page(segment, &params, operation).await?;
            Ok((page.data, page.total_items))
        })
    }
}

/// Walks offset-paged results: `fetch` reads one page (with the total, when the API gives one)
/// for the given parameters; reading stops at the total, or at the first short page, and is
/// bounded by the shared page walker's guards.
fn walk<'a, T, F, Fut>(
    params: ListParams,
    key: fn(&T) -> &str,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Send + 'a
where
    T: Send + 'a,
    F: Fn(ListParams) -> Fut + Send + Sync + 'a,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<u64>)>> + Send + 'a,
{
    let limit = params.limit.unwrap_or(STREAM_PAGE_SIZE);
    let first = params.offset.unwrap_or(0);
    paging::walk(first, DEFAULT_MAX_PAGES, key, move |offset| {
        let page = fetch(params.clone().offset(offset).limit(limit));
        async move {
            let (items, total) = page.await.map_err(|e| e.with_provider(PROVIDER))?;
            let next = next_offset(offset, items.len(), limit, total);
            Ok(Page { items, next })
        }
    })
    .map_err(|e| e.with_provider(PROVIDER))
}

/// Every item of an offset-paged listing in one `Vec`, read in a plain loop, with the same
/// guards as [`walk`].
async fn collect<T, F, Fut>(params: ListParams, key: fn(&T) -> &str, fetch: F) -> Result<Vec<T>>
where
    F: Fn(ListParams) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<u64>)>>,
{
    let limit = params.limit.unwrap_or(STREAM_PAGE_SIZE);
    let first = params.offset.unwrap_or(0);
    paging::collect(first, DEFAULT_MAX_PAGES, key, |offset| {
        let page = fetch(params.clone().offset(offset).limit(limit));
        async move {
            let (items, total) = page.await?;
            let next = next_offset(offset, items.len(), limit, total);
            Ok(Page { items, next })
        }
    })
    .await
    .map_err(|e| e.with_provider(PROVIDER))
}

/// The offset of the next page, in HeySign's 32-bit offsets.
pub(crate) fn next_offset(offset: u32, read: usize, limit: u32, total: Option<u64>) -> Option<u32> {
    paging::next_offset(u64::from(offset), read, u64::from(limit), total)
        .and_then(|next| u32::try_from(next).ok())
}

/// Agreements. See [`HeySignClient::agreements`].
#[derive(Debug, Clone, Copy)]
pub struct Agreements<'a> {
    client: &'a HeySignClient,
}

impl Agreements<'_> {
    /// Creates an agreement (status `Draft`), optionally with documents and signees.
    pub async fn create(&self, agreement: &NewAgreement) -> Result<Agreement> {
        let request = self
            .client
            .create("create agreement", &[paths::AGREEMENTS], agreement)?;
        self.client.agreement(&request).await
    }

    /// Reads an agreement.
    pub async fn get(&self, id: &AgreementId) -> Result<Agreement> {
        let request = self
            .client
            .get("get agreement", &[paths::AGREEMENTS, id.as_str()])?;
        self.client.agreement(&request).await
    }

    /// Edits a draft agreement's issuer and title.
    pub async fn edit(&self, id: &AgreementId, edit: &EditAgreement) -> Result<Agreement> {
        let request = self
            .client
            .request(
                Method::PUT,
                "edit agreement",
                &[paths::AGREEMENTS, id.as_str()],
                Repeat::Safe,
            )?
            .json(edit)?;
        self.client.agreement(&request).await
    }

    /// Deletes a draft agreement (it stays readable as `Deleted` for 14 days).
    ///
    /// When a repeat follows an attempt whose answer was lost, a refusal of the repeat is
    /// checked against the agreement: if it reads `Deleted`, the earlier attempt did it.
    pub async fn delete(&self, id: &AgreementId) -> Result<()> {
        let request = self.client.request(
            Method::DELETE,
            "delete agreement",
            &[paths::AGREEMENTS, id.as_str()],
            Repeat::Safe,
        )?;
        self.settled(id, &request, AgreementStatus::Deleted).await
    }

    /// Submits a draft for signing: it and its signees become `Pending` and signees are
    /// notified. This costs money: it is never repeated once it may have been received.
    pub async fn submit(&self, id: &AgreementId) -> Result<()> {
        let request = self.client.request(
            Method::POST,
            "submit agreement",
            &[paths::AGREEMENTS, id.as_str(), paths::SUBMIT],
            Repeat::IfUnsent,
        )?;
        self.client.empty(request).await
    }

    /// Cancels a submitted agreement, possible until the last signee has signed.
    ///
    /// Cancelling twice has the effect of cancelling once, so the call is retried per the
    /// policy. When a repeat follows an attempt whose answer was lost, HeySign refuses it (the
    /// agreement is no longer pending); the refusal is checked against the agreement, and if it
    /// reads `Cancelled`, the earlier attempt did it.
    pub async fn cancel(&self, id: &AgreementId) -> Result<()> {
        let request = self.client.request(
            Method::POST,
            "cancel agreement",
            &[paths::AGREEMENTS, id.as_str(), paths::CANCEL],
            Repeat::Safe,
        )?;
        self.settled(id, &request, AgreementStatus::Cancelled).await
    }

    /// Sends `request`, which moves agreement `id` to `end`, settling a refusal that follows an
    /// ambiguous attempt by reading the agreement back.
    async fn settled(
        &self,
        id: &AgreementId,
        request: &Request,
        end: AgreementStatus,
    ) -> Result<()> {
        let attempted = self.client.transport.no_content_tracked(request).await;
        settle(
            attempted,
            |err| matches!(err.kind(), ErrorKind::InvalidState { .. }),
            || async {
                self.get(id)
                    .await
                    .is_ok_and(|agreement| agreement.status == end)
            },
        )
        .await
    }

    /// One page of agreements.
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<Agreement>> {
        let request = self
            .client
            .get("list agreements", &[paths::AGREEMENTS])?
            .query(params.to_query());
        let answer = self.client.transport.send(&request).await?;
        let page: ListPage<&RawValue> = answer.json()?;
        let data = page
            .data
            .into_iter()
            .map(|item| agreement_from_raw(&answer, item))
            .collect::<Result<_>>()?;
        Ok(ListPage {
            data,
            page: page.page,
            total_pages: page.total_pages,
            total_items: page.total_items,
        })
    }

    /// Every agreement matching `params`, page after page.
    pub fn list_all(
        &self,
        params: ListParams,
    ) -> impl Stream<Item = Result<Agreement>> + Send + '_ {
        walk(
            params,
            |agreement: &Agreement| agreement.id.as_str(),
            move |params| async move {
                let page = self.list(&params).await?;
                Ok((page.data, page.total_items))
            },
        )
    }
}

impl HeySignClient {
    /// Sends a request answered with `{"data": agreement}` and reads the agreement.
    async fn agreement(&self, request: &Request) -> Result<Agreement> {
        let answer = self.transport.send(request).await?;
        let wrapped: Single<&RawValue> = answer.json()?;
        agreement_from_raw(&answer, wrapped.data)
    }
}

/// Decodes an agreement found in an answer, keeping its JSON text (shared with the body, not
/// copied) as `raw`, with every field as sent.
fn agreement_from_raw(answer: &Answer, item: &RawValue) -> Result<Agreement> {
    // `item` was read from the body without copying, so it lies within it.
    let text: Bytes = answer.body.slice_ref(item.get().as_bytes());
    let decoded = RawJson::decode::<Agreement>(text)
        .map_err(|e| Error::unexpected_response(format!("agreement: {e}")));
    let (mut agreement, raw) = answer.read(decoded)?;
    agreement.raw = raw;
    Ok(agreement)
}

/// Documents. See [`HeySignClient::documents`].
#[derive(Debug, Clone, Copy)]
pub struct Documents<'a> {
    client: &'a HeySignClient,
}

impl Documents<'_> {
    /// Attaches an uploaded PDF to a draft agreement.
    pub async fn create(&self, document: &NewDocument) -> Result<Document> {
        let request = self
            .client
            .create("create document", &[paths::DOCUMENTS], document)?;
        self.client.bare(request).await
    }

    /// Reads a document.
    pub async fn get(&self, id: &DocumentId) -> Result<Document> {
        let request = self
            .client
            .get("get document", &[paths::DOCUMENTS, id.as_str()])?;
        self.client.bare(request).await
    }

    /// Removes a document from a draft agreement.
    pub async fn delete(&self, id: &DocumentId) -> Result<()> {
        let request = self.client.request(
            Method::DELETE,
            "delete document",
            &[paths::DOCUMENTS, id.as_str()],
            Repeat::Safe,
        )?;
        self.client.empty(request).await
    }

    /// Documents matching `params` (the API answers with a plain array).
    pub async fn list(&self, params: &ListParams) -> Result<Vec<Document>> {
        let request = self
            .client
            .get("list documents", &[paths::DOCUMENTS])?
            .query(params.to_query());
        self.client.bare(request).await
    }

    /// Every document matching `params`, page after page. The answer carries no totals, so
    /// reading stops at the first page shorter than the page size.
    pub fn list_all(&self, params: ListParams) -> impl Stream<Item = Result<Document>> + Send + '_ {
        walk(
            params,
            |document: &Document| document.id.as_str(),
            move |params| async move { Ok((self.list(&params).await?, None)) },
        )
    }
}

/// Files. See [`HeySignClient::files`].
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    client: &'a HeySignClient,
}

impl Files<'_> {
    /// Uploads a file (multipart part `file`; at most the builder's limit, 10 MB by default).
    ///
    /// The content is streamed: a file or a reader is read a chunk at a time as it is sent, and
    /// opened again by a retry; one that can be read once only makes the upload never repeated.
    /// The upload stops with an [`InvalidRequest`](ErrorKind::InvalidRequest) at the size limit.
    /// The SHA-256 of the bytes is computed as they stream; when HeySign reports another, the
    /// upload is refused with an [`UnexpectedResponse`](ErrorKind::UnexpectedResponse) naming
    /// both, since the file it holds is not the one sent.
    pub async fn upload(&self, file: &UploadFile) -> Result<File> {
        // Any type of file may be uploaded (a theme's logo is an image): only the size is
        // checked here; what is sent for signing is checked by the provider.
        let mut rules = Capabilities::default();
        rules.max_document_size = Some(self.client.max_upload);
        let upload = DocumentUpload::new(PROVIDER, &rules, 0, &file.content).any_format();
        self.upload_checked(file, upload).await
    }

    /// Uploads `file` whose content is checked by `upload`'s rules.
    pub(crate) async fn upload_checked(
        &self,
        file: &UploadFile,
        upload: DocumentUpload,
    ) -> Result<File> {
        let upload = upload.with_sha256();
        let UploadFile {
            name,
            content_type,
            metadata,
            ..
        } = file.clone();
        let source = upload.clone();
        // Built anew for each attempt: the content is opened again.
        let form = move || {
            let (upload, name, content_type, metadata) = (
                source.clone(),
                name.clone(),
                content_type.clone(),
                metadata.clone(),
            );
            async move {
                let opened = upload.open().await?;
                let mut form = Multipart::new().file_as("file", &name, &content_type, opened);
                for (key, value) in metadata {
                    form = form.text(&format!("metadata[{key}]"), value);
                }
                Ok(form)
            }
        };
        let request = self
            .client
            .request(
                Method::POST,
                "upload file",
                &[paths::FILES],
                Repeat::IfUnsent,
            )?
            .body(Body::multipart(form).streaming(&upload));
        let uploaded: File = self.client.bare(request).await?;
        if let (Some(reported), Some(sent)) = (&uploaded.sha256, upload.sha256_hex())
            && !reported.eq_ignore_ascii_case(&sent)
        {
            return Err(Error::unexpected_response(format!(
                "HeySign reports the uploaded `{}` with SHA-256 {reported}, not the {sent} of \
                 the bytes sent: the file {} holds other bytes",
                file.name, uploaded.id
            ))
            .with_provider(PROVIDER));
        }
        Ok(uploaded)
    }

    /// Reads a file's description.
    pub async fn get(&self, id: &FileId) -> Result<File> {
        let request = self.client.get("get file", &[paths::FILES, id.as_str()])?;
        self.client.single(request).await
    }

    /// One page of files.
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<File>> {
        self.client.page(paths::FILES, params, "list files").await
    }

    /// Every file matching `params`, page after page.
    pub fn list_all(&self, params: ListParams) -> impl Stream<Item = Result<File>> + Send + '_ {
        self.client
            .all_pages(paths::FILES, params, "list files", |file: &File| {
                file.id.as_str()
            })
    }
}

/// Signees. See [`HeySignClient::signees`].
#[derive(Debug, Clone, Copy)]
pub struct Signees<'a> {
    client: &'a HeySignClient,
}

impl Signees<'_> {
    /// Adds a signee to a draft agreement.
    pub async fn create(&self, signee: &NewSignee) -> Result<Signee> {
        let request = self
            .client
            .create("create signee", &[paths::SIGNEES], signee)?;
        self.client.single(request).await
    }

    /// Reads a signee.
    pub async fn get(&self, id: &SigneeId) -> Result<Signee> {
        let request = self
            .client
            .get("get signee", &[paths::SIGNEES, id.as_str()])?;
        self.client.single(request).await
    }

    /// Changes a signee of a draft agreement; attributes set to `None` are removed.
    pub async fn edit(&self, id: &SigneeId, edit: &EditSignee) -> Result<Signee> {
        let request = self
            .client
            .request(
                Method::PUT,
                "edit signee",
                &[paths::SIGNEES, id.as_str()],
                Repeat::Safe,
            )?
            .json(edit)?;
        self.client.single(request).await
    }

    /// Removes a signee from a draft agreement.
    pub async fn delete(&self, id: &SigneeId) -> Result<()> {
        let request = self.client.request(
            Method::DELETE,
            "delete signee",
            &[paths::SIGNEES, id.as_str()],
            Repeat::Safe,
        )?;
        self.client.empty(request).await
    }

    /// One page of signees.
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<Signee>> {
        self.client
            .page(paths::SIGNEES, params, "list signees")
            .await
    }

    /// Every signee of `agreement`, page after page, in one `Vec`.
    pub async fn all_of(&self, agreement: &AgreementId) -> Result<Vec<Signee>> {
        collect(
            ListParams::new().agreement(agreement.clone()),
            |signee: &Signee| signee.id.as_str(),
            |params| async move {
                let page = self.list(&params).await?;
                Ok((page.data, page.total_items))
            },
        )
        .await
    }

    /// Every signee matching `params`, page after page.
    pub fn list_all(&self, params: ListParams) -> impl Stream<Item = Result<Signee>> + Send + '_ {
        self.client
            .all_pages(paths::SIGNEES, params, "list signees", |signee: &Signee| {
                signee.id.as_str()
            })
    }
}

/// Tenants. See [`HeySignClient::tenants`].
#[derive(Debug, Clone, Copy)]
pub struct Tenants<'a> {
    client: &'a HeySignClient,
}

impl Tenants<'_> {
    /// Creates a sub-tenant (needs the `tenants:create` permission).
    pub async fn create(&self, tenant: &NewTenant) -> Result<Tenant> {
        let request = self
            .client
            .create("create tenant", &[paths::TENANTS], tenant)?;
        self.client.single(request).await
    }
}

/// Themes. See [`HeySignClient::themes`].
#[derive(Debug, Clone, Copy)]
pub struct Themes<'a> {
    client: &'a HeySignClient,
}

impl Themes<'_> {
    /// Creates a theme of the signing portal.
    pub async fn create(&self, theme: &NewTheme) -> Result<Theme> {
        let request = self
            .client
            .create("create theme", &[paths::THEMES], theme)?;
        self.client.single(request).await
    }
}

/// Webhooks. See [`HeySignClient::webhooks`].
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a> {
    client: &'a HeySignClient,
}

impl Webhooks<'_> {
    /// Subscribes `url` to events. The answer holds the signing secret, which HeySign never
    /// shows again: store it.
    pub async fn create(&self, webhook: &NewWebhook) -> Result<CreatedWebhook> {
        let request = self
            .client
            .create("create webhook", &[paths::WEBHOOKS], webhook)?;
        self.client.single(request).await
    }

    /// Every webhook subscription.
    pub async fn list(&self) -> Result<ListPage<Webhook>> {
        self.client
            .page(paths::WEBHOOKS, &ListParams::new(), "list webhooks")
            .await
    }

    /// Every webhook subscription, as a stream.
    pub fn list_all(&self) -> impl Stream<Item = Result<Webhook>> + Send + '_ {
        stream::once(async move { self.list().await })
            .map_ok(|page| stream::iter(page.data.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Unsubscribes.
    pub async fn delete(&self, id: &WebhookId) -> Result<()> {
        let request = self.client.request(
            Method::DELETE,
            "delete webhook",
            &[paths::WEBHOOKS, id.as_str()],
            Repeat::Safe,
        )?;
        self.client.empty(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_stops_at_the_total_or_a_short_page() {
        assert_eq!(next_offset(0, 100, 100, None), Some(100));
        assert_eq!(next_offset(0, 99, 100, None), None);
        assert_eq!(next_offset(0, 0, 100, None), None);
        assert_eq!(next_offset(0, 100, 100, Some(100)), None);
        assert_eq!(next_offset(0, 100, 100, Some(101)), Some(100));
        // A total says more even when a page came back short.
        assert_eq!(next_offset(10, 5, 100, Some(40)), Some(15));
        assert_eq!(next_offset(u32::MAX - 1, 5, 100, None), None);
    }

    #[tokio::test]
    async fn collecting_reads_every_page_once() {
        let items: Vec<String> = (0..250).map(|i| i.to_string()).collect();
        let asked = std::sync::Mutex::new(Vec::new());
        let all = collect(
            ListParams::new(),
            |item: &String| item,
            |params| {
                let (offset, limit) = (params.offset.unwrap(), params.limit.unwrap());
                asked.lock().unwrap().push(offset);
                let page: Vec<String> = items
                    .iter()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .cloned()
                    .collect();
                async move { Ok((page, Some(250))) }
            },
        )
        .await
        .unwrap();
        assert_eq!(all, items);
        assert_eq!(*asked.lock().unwrap(), [0, 100, 200]);

        let failed = collect(
            ListParams::new(),
            |item: &String| item,
            |_| async {
                Err::<(Vec<String>, Option<u64>), _>(Error::unexpected_response("broken page"))
            },
        )
        .await;
        assert!(failed.is_err());
    }
}

//! The typed client for the whole HeySign API v1, for everything the common trait does not
//! cover.
//!
//! Paths follow the reference (`/v1/agreements`, `/v1/documents`, ...); the two it does not
//! publish, submit and cancel, are in [`paths`] and listed under "Assumptions" in
//! `docs/providers/heysign.md`.

use std::sync::Arc;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use signing_core::{Error, ErrorKind, RawJson, Result};

use crate::http::{Call, FilePart, PROVIDER, Transport, decode, read_answer};
use crate::model::{
    Agreement, AgreementId, AgreementStatus, CreatedWebhook, Document, DocumentId, File, FileId,
    ListPage, Signee, SigneeId, Single, Tenant, Theme, Webhook, WebhookId,
};
use crate::requests::{
    EditAgreement, EditSignee, ListParams, NewAgreement, NewDocument, NewSignee, NewTenant,
    NewTheme, NewWebhook, UploadFile,
};

/// The API paths, in one place.
pub mod paths {
    /// Agreements.
    pub const AGREEMENTS: &str = "v1/agreements";
    /// Documents.
    pub const DOCUMENTS: &str = "v1/documents";
    /// Files.
    pub const FILES: &str = "v1/files";
    /// Signees.
    pub const SIGNEES: &str = "v1/signees";
    /// Tenants.
    pub const TENANTS: &str = "v1/tenants";
    /// Themes.
    pub const THEMES: &str = "v1/themes";
    /// Webhooks.
    pub const WEBHOOKS: &str = "v1/webhooks";
    /// Submitting an agreement, appended to its path (assumed: not published).
    pub const SUBMIT: &str = "submit";
    /// Cancelling an agreement, appended to its path (assumed: not published).
    pub const CANCEL: &str = "cancel";
}

/// How many items a page holds when walking every page.
const STREAM_PAGE_SIZE: u32 = 100;

/// A client for the HeySign API v1. Cheap to clone: clones share the connection pool and the
/// access token.
#[derive(Debug, Clone)]
pub struct HeySignClient {
    transport: Arc<Transport>,
}

impl HeySignClient {
    pub(crate) fn new(transport: Arc<Transport>) -> Self {
        Self { transport }
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
        self.transport.auth.fetches()
    }

    async fn single<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let wrapped: Single<T> = self.transport.json(&call).await?;
        Ok(wrapped.data)
    }

    async fn bare<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        self.transport.json(&call).await
    }

    async fn empty(&self, call: Call) -> Result<()> {
        self.transport.no_content(&call).await
    }

    async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &ListParams,
        operation: &'static str,
    ) -> Result<ListPage<T>> {
        self.bare(Call::new(Method::GET, path, operation).query(params.to_query()))
            .await
    }

    /// Every item of a paged listing with totals, reading the next page as the stream is
    /// consumed.
    fn all_pages<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &'static str,
        params: ListParams,
        operation: &'static str,
    ) -> impl Stream<Item = Result<T>> + Send + '_ {
        paginate(params, move |params| async move {
            let page: ListPage<T> = self.page(path, &params, operation).await?;
            Ok((page.data, page.total_items))
        })
    }
}

/// Walks offset-paged results: `fetch` reads one page (with the total, when the API gives one)
/// for the given offset and limit; reading stops at the total, or at the first short page.
fn paginate<'a, T, F, Fut>(
    params: ListParams,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Send + 'a
where
    T: Send + 'a,
    F: Fn(ListParams) -> Fut + Send + Sync + 'a,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<u64>)>> + Send + 'a,
{
    let limit = params.limit.unwrap_or(STREAM_PAGE_SIZE);
    let first = params.offset.unwrap_or(0);
    let fetch = Arc::new(fetch);
    stream::try_unfold(Some(first), move |offset| {
        let params = params.clone();
        let fetch = Arc::clone(&fetch);
        async move {
            let Some(offset) = offset else {
                return Ok::<_, Error>(None);
            };
            let (items, total) = fetch(params.offset(offset).limit(limit)).await?;
            let next = next_offset(offset, items.len(), limit, total);
            Ok(Some((items, next)))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

/// Every item of an offset-paged listing in one `Vec`: the pages [`paginate`] would stream,
/// read in a plain loop where the caller wants them all anyway.
async fn collect_pages<T, F, Fut>(params: ListParams, fetch: F) -> Result<Vec<T>>
where
    F: Fn(ListParams) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<u64>)>>,
{
    let limit = params.limit.unwrap_or(STREAM_PAGE_SIZE);
    let mut offset = params.offset.unwrap_or(0);
    let mut all = Vec::new();
    loop {
        let (items, total) = fetch(params.clone().offset(offset).limit(limit)).await?;
        let next = next_offset(offset, items.len(), limit, total);
        all.extend(items);
        match next {
            Some(next) => offset = next,
            None => return Ok(all),
        }
    }
}

/// The offset of the page after one that started at `offset` and held `read` items, or `None`
/// when that was the last: the total is reached, or (without a total) the page was short.
fn next_offset(offset: u32, read: usize, limit: u32, total: Option<u64>) -> Option<u32> {
    let read = u32::try_from(read).unwrap_or(u32::MAX);
    let next = offset.saturating_add(read);
    let more = read > 0 && total.map_or(read == limit, |total| u64::from(next) < total);
    more.then_some(next)
}

fn item_path(base: &str, id: &str) -> String {
    format!("{base}/{id}")
}

/// Agreements. See [`HeySignClient::agreements`].
#[derive(Debug, Clone, Copy)]
pub struct Agreements<'a> {
    client: &'a HeySignClient,
}

impl Agreements<'_> {
    /// Creates an agreement (status `Draft`), optionally with documents and signees.
    pub async fn create(&self, agreement: &NewAgreement) -> Result<Agreement> {
        let call =
            Call::new(Method::POST, paths::AGREEMENTS, "create agreement").json(agreement)?;
        self.client.agreement(call).await
    }

    /// Reads an agreement.
    pub async fn get(&self, id: &AgreementId) -> Result<Agreement> {
        let call = Call::new(
            Method::GET,
            item_path(paths::AGREEMENTS, id.as_str()),
            "get agreement",
        );
        self.client.agreement(call).await
    }

    /// Edits a draft agreement's issuer and title.
    pub async fn edit(&self, id: &AgreementId, edit: &EditAgreement) -> Result<Agreement> {
        let call = Call::new(
            Method::PUT,
            item_path(paths::AGREEMENTS, id.as_str()),
            "edit agreement",
        )
        .json(edit)?;
        self.client.agreement(call).await
    }

    /// Deletes a draft agreement (it stays readable as `Deleted` for 14 days).
    ///
    /// When a repeat follows an attempt whose answer was lost, a refusal of the repeat is
    /// checked against the agreement: if it reads `Deleted`, the earlier attempt did it.
    pub async fn delete(&self, id: &AgreementId) -> Result<()> {
        let call = Call::new(
            Method::DELETE,
            item_path(paths::AGREEMENTS, id.as_str()),
            "delete agreement",
        );
        self.settled(id, &call, AgreementStatus::Deleted).await
    }

    /// Submits a draft for signing: it and its signees become `Pending` and signees are
    /// notified. This costs money: it is never retried once it may have been received.
    pub async fn submit(&self, id: &AgreementId) -> Result<()> {
        let path = format!("{}/{id}/{}", paths::AGREEMENTS, paths::SUBMIT);
        self.client
            .empty(Call::new(Method::POST, path, "submit agreement"))
            .await
    }

    /// Cancels a submitted agreement, possible until the last signee has signed.
    ///
    /// Cancelling twice has the effect of cancelling once, so the call is retried per the
    /// policy. When a repeat follows an attempt whose answer was lost, HeySign refuses it (the
    /// agreement is no longer pending); the refusal is checked against the agreement, and if it
    /// reads `Cancelled`, the earlier attempt did it.
    pub async fn cancel(&self, id: &AgreementId) -> Result<()> {
        let path = format!("{}/{id}/{}", paths::AGREEMENTS, paths::CANCEL);
        let mut call = Call::new(Method::POST, path, "cancel agreement");
        call.repeat = crate::http::Repeat::Safe;
        self.settled(id, &call, AgreementStatus::Cancelled).await
    }

    /// Sends `call`, which moves agreement `id` to `end`. A refusal of a repeat that followed
    /// an attempt which may have been carried out counts as success when the agreement is
    /// found in `end`: that attempt is what moved it.
    async fn settled(&self, id: &AgreementId, call: &Call, end: AgreementStatus) -> Result<()> {
        let attempted = self.client.transport.no_content_tracked(call).await;
        match attempted.result {
            Err(err)
                if attempted.after_ambiguous_failure
                    && matches!(err.kind(), ErrorKind::InvalidState { .. }) =>
            {
                match self.get(id).await {
                    Ok(agreement) if agreement.status == end => Ok(()),
                    _ => Err(err),
                }
            }
            result => result,
        }
    }

    /// One page of agreements.
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<Agreement>> {
        let call =
            Call::new(Method::GET, paths::AGREEMENTS, "list agreements").query(params.to_query());
        let body = self.client.transport.execute(&call).await?;
        let page: ListPage<&RawValue> = decode(&body, call.operation)?;
        let data = page
            .data
            .into_iter()
            .map(|item| agreement_from_raw(&body, item))
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
        paginate(params, move |params| async move {
            let page = self.list(&params).await?;
            Ok((page.data, page.total_items))
        })
    }
}

impl HeySignClient {
    /// Sends a call answered with `{"data": agreement}` and reads the agreement.
    async fn agreement(&self, call: Call) -> Result<Agreement> {
        let body = self.transport.execute(&call).await?;
        let read = decode::<Single<&RawValue>>(&body, call.operation)
            .and_then(|wrapped| agreement_from_raw(&body, wrapped.data));
        read_answer(&call, read)
    }
}

/// Decodes an agreement found in `body`, keeping its JSON text (shared with `body`, not copied)
/// as `raw`, with every field as sent.
fn agreement_from_raw(body: &Bytes, item: &RawValue) -> Result<Agreement> {
    // `item` was read from `body` without copying, so it lies within it.
    let text = body.slice_ref(item.get().as_bytes());
    let (mut agreement, raw) = RawJson::decode::<Agreement>(text).map_err(|e| {
        Error::unexpected_response(format!("agreement: {e}")).with_provider(PROVIDER)
    })?;
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
        let call = Call::new(Method::POST, paths::DOCUMENTS, "create document").json(document)?;
        self.client.bare(call).await
    }

    /// Reads a document.
    pub async fn get(&self, id: &DocumentId) -> Result<Document> {
        let call = Call::new(
            Method::GET,
            item_path(paths::DOCUMENTS, id.as_str()),
            "get document",
        );
        self.client.bare(call).await
    }

    /// Removes a document from a draft agreement.
    pub async fn delete(&self, id: &DocumentId) -> Result<()> {
        let call = Call::new(
            Method::DELETE,
            item_path(paths::DOCUMENTS, id.as_str()),
            "delete document",
        );
        self.client.empty(call).await
    }

    /// Documents matching `params` (the API answers with a plain array).
    pub async fn list(&self, params: &ListParams) -> Result<Vec<Document>> {
        let call =
            Call::new(Method::GET, paths::DOCUMENTS, "list documents").query(params.to_query());
        let body = self.client.transport.execute(&call).await?;
        decode(&body, "list documents")
    }

    /// Every document matching `params`, page after page. The answer carries no totals, so
    /// reading stops at the first page shorter than the page size.
    pub fn list_all(&self, params: ListParams) -> impl Stream<Item = Result<Document>> + Send + '_ {
        paginate(params, move |params| async move {
            Ok((self.list(&params).await?, None))
        })
    }
}

/// Files. See [`HeySignClient::files`].
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    client: &'a HeySignClient,
}

impl Files<'_> {
    /// Uploads a file (multipart; at most 10 MB by default).
    pub async fn upload(&self, file: &UploadFile) -> Result<File> {
        let part = FilePart {
            name: file.name.clone(),
            content_type: file.content_type.clone(),
            content: file.content.clone(),
            metadata: file
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        let call = Call::new(Method::POST, paths::FILES, "upload file").multipart(part);
        self.client.bare(call).await
    }

    /// Reads a file's description.
    pub async fn get(&self, id: &FileId) -> Result<File> {
        let call = Call::new(
            Method::GET,
            item_path(paths::FILES, id.as_str()),
            "get file",
        );
        self.client.single(call).await
    }

    /// One page of files.
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<File>> {
        self.client.page(paths::FILES, params, "list files").await
    }

    /// Every file matching `params`, page after page.
    pub fn list_all(&self, params: ListParams) -> impl Stream<Item = Result<File>> + Send + '_ {
        self.client.all_pages(paths::FILES, params, "list files")
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
        let call = Call::new(Method::POST, paths::SIGNEES, "create signee").json(signee)?;
        self.client.single(call).await
    }

    /// Reads a signee.
    pub async fn get(&self, id: &SigneeId) -> Result<Signee> {
        let call = Call::new(
            Method::GET,
            item_path(paths::SIGNEES, id.as_str()),
            "get signee",
        );
        self.client.single(call).await
    }

    /// Changes a signee of a draft agreement; attributes set to `None` are removed.
    pub async fn edit(&self, id: &SigneeId, edit: &EditSignee) -> Result<Signee> {
        let call = Call::new(
            Method::PUT,
            item_path(paths::SIGNEES, id.as_str()),
            "edit signee",
        )
        .json(edit)?;
        self.client.single(call).await
    }

    /// Removes a signee from a draft agreement.
    pub async fn delete(&self, id: &SigneeId) -> Result<()> {
        let call = Call::new(
            Method::DELETE,
            item_path(paths::SIGNEES, id.as_str()),
            "delete signee",
        );
        self.client.empty(call).await
    }

    /// One page of signees.
    pub async fn list(&self, params: &ListParams) -> Result<ListPage<Signee>> {
        self.client
            .page(paths::SIGNEES, params, "list signees")
            .await
    }

    /// Every signee of `agreement`, page after page, in one `Vec`.
    pub async fn all_of(&self, agreement: &AgreementId) -> Result<Vec<Signee>> {
        collect_pages(
            ListParams::new().agreement(agreement.clone()),
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
            .all_pages(paths::SIGNEES, params, "list signees")
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
        let call = Call::new(Method::POST, paths::TENANTS, "create tenant").json(tenant)?;
        self.client.single(call).await
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
        let call = Call::new(Method::POST, paths::THEMES, "create theme").json(theme)?;
        self.client.single(call).await
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
        let call = Call::new(Method::POST, paths::WEBHOOKS, "create webhook").json(webhook)?;
        self.client.single(call).await
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
        let call = Call::new(
            Method::DELETE,
            item_path(paths::WEBHOOKS, id.as_str()),
            "delete webhook",
        );
        self.client.empty(call).await
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
        let items: Vec<u32> = (0..250).collect();
        let asked = std::sync::Mutex::new(Vec::new());
        let all = collect_pages(ListParams::new(), |params| {
            let (offset, limit) = (params.offset.unwrap(), params.limit.unwrap());
            asked.lock().unwrap().push(offset);
            let page: Vec<u32> = items
                .iter()
                .copied()
                .skip(offset as usize)
                .take(limit as usize)
                .collect();
            async move { Ok((page, Some(250))) }
        })
        .await
        .unwrap();
        assert_eq!(all, items);
        assert_eq!(*asked.lock().unwrap(), [0, 100, 200]);

        let failed = collect_pages(ListParams::new(), |_| async {
            Err::<(Vec<u32>, Option<u64>), _>(Error::unexpected_response("broken page"))
        })
        .await;
        assert!(failed.is_err());
    }
}

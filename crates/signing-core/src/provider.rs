//! The contract every provider implements.

use std::collections::BTreeMap;
use std::fmt::{self, Debug};

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;

use crate::capabilities::Capabilities;
use crate::document::Document;
use crate::envelope::Envelope;
use crate::error::Result;
use crate::event::Event;
use crate::id::EnvelopeId;
use crate::request::NewEnvelope;

/// An e-signature provider: send documents for signing, follow them, and learn what happened.
///
/// The trait is object-safe: applications hold an `Arc<dyn SigningProvider>` and swap
/// providers by configuration. Conveniences built on these methods (polling a status until it is
/// final, iterating over every page) live in [`SigningProviderExt`](crate::SigningProviderExt).
///
/// # Contract
///
/// Every implementation:
/// - checks a request against its [`capabilities`](Self::capabilities) with
///   [`Capabilities::check_request`] before it makes any request, so an option it lacks is an
///   [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error, never silently dropped;
/// - refuses an operation it does not offer with `Unsupported`, without any request;
/// - reports an unknown envelope id as [`ErrorKind::NotFound`](crate::ErrorKind::NotFound);
/// - never leaves something half-created without saying so: a failed
///   [`send`](Self::send) either cleaned up, or names what it left in
///   [`Error::orphaned_envelope`](crate::Error::orphaned_envelope);
/// - reports a request that may have taken effect, but whose answer was lost, as
///   [`ErrorKind::OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
///
/// The conformance suite in `signing-testkit` checks each clause against an implementation.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SigningProvider: Send + Sync + Debug {
    /// The provider's stable name (`heysign`, `leap-sign`, `memory`).
    fn name(&self) -> &'static str;

    /// What the provider supports.
    fn capabilities(&self) -> Capabilities;

    /// Creates an envelope from `request` and sends it to the signers.
    ///
    /// Returns the envelope as the provider reports it after sending (normally
    /// [`EnvelopeStatus::Sent`](crate::EnvelopeStatus::Sent)). When the request carries a
    /// [`reference`](NewEnvelope::reference) and the provider declares
    /// [`idempotent_send`](Capabilities::idempotent_send), sending the same reference again
    /// returns the envelope already sent instead of creating a second one.
    async fn send(&self, request: &NewEnvelope) -> Result<Envelope>;

    /// The envelope's current state.
    async fn get(&self, id: &EnvelopeId) -> Result<Envelope>;

    /// Cancels a sent envelope, so nobody can sign it any more.
    ///
    /// Cancelling a completed envelope is an [`ErrorKind::InvalidState`](crate::ErrorKind::InvalidState)
    /// error.
    async fn cancel(&self, id: &EnvelopeId) -> Result<()>;

    /// Deletes an envelope. What can be deleted, and whether a deleted envelope can still be
    /// read (with status [`Deleted`](crate::EnvelopeStatus::Deleted)) or is gone
    /// ([`NotFound`](crate::ErrorKind::NotFound)), depends on the provider.
    async fn delete(&self, id: &EnvelopeId) -> Result<()>;

    /// One page of envelopes matching `query`.
    async fn list(&self, query: &ListQuery) -> Result<Page<Envelope>>;

    /// The signed document of a completed envelope.
    async fn download(&self, id: &EnvelopeId) -> Result<Document>;

    /// Writes the signed document of a completed envelope to `writer` and returns how many
    /// bytes were written. A provider that can streams it as it arrives, holding a chunk at a
    /// time (DocuSign); the default reads it with [`download`](Self::download) and writes it.
    /// A failure part-way leaves what was written so far in `writer`.
    async fn download_to(&self, id: &EnvelopeId, writer: &mut DocumentWriter) -> Result<u64> {
        let document = self.download(id).await?;
        let content = document.content().cloned().unwrap_or_default();
        crate::document::write_all(writer, &content).await?;
        Ok(u64::try_from(content.len()).unwrap_or(u64::MAX))
    }

    /// Verifies an incoming webhook or callback and turns it into events.
    ///
    /// Returns [`ErrorKind::WebhookVerification`](crate::ErrorKind::WebhookVerification) if its
    /// authenticity cannot be established. Events are marked
    /// [`verified`](Event::verified) only when a signature or a confirming query proved them.
    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<Event>>;
}

/// Where [`SigningProvider::download_to`] writes a document: any `futures::io::AsyncWrite`
/// (a runtime's file through its compatibility adapter, a `Vec<u8>` in a cursor, ...).
pub type DocumentWriter = dyn futures_io::AsyncWrite + Send + Unpin + 'static;

/// An incoming webhook or callback request, exactly as received.
///
/// Keep the body as raw bytes: signatures are computed over them, and re-serializing a parsed
/// body breaks verification.
///
/// `Debug` shows the header names and the sizes of the path and body, never their content: a
/// callback's path carries its token, and headers may carry credentials.
///
/// ```
/// use signing_core::WebhookRequest;
///
/// let request = WebhookRequest::new(Default::default(), "{}").with_path("/leap/n-1/SECRET-TOKEN");
/// assert!(!format!("{request:?}").contains("SECRET-TOKEN"));
/// ```
#[derive(Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct WebhookRequest {
    /// The request path as received, for providers that identify the envelope by URL (LEAP Sign's
    /// callback token). It may be given with or without its query string (`uri.path()` or
    /// `uri.path_and_query()`): every adapter reads the path alone and ignores a query.
    pub path: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<'a>(&'a HeaderMap);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.keys()).finish()
            }
        }
        f.debug_struct("WebhookRequest")
            .field("path", &format_args!("[{} bytes]", self.path.len()))
            .field("headers", &Names(&self.headers))
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl WebhookRequest {
    /// A request with these headers and body, and an empty path.
    pub fn new(headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self {
            path: String::new(),
            headers,
            body: body.into(),
        }
    }

    /// Sets the request path as received, with or without its query string (for callbacks that
    /// carry a token in their URL; a query is ignored).
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
}

/// Which envelopes to list, and which page.
///
/// ```
/// use signing_core::ListQuery;
///
/// let query = ListQuery::new().metadata("customer", "42").page_size(50);
/// assert_eq!(query.page_size, Some(50));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Only envelopes whose metadata holds every one of these entries.
    pub metadata: BTreeMap<String, String>,
    /// How many envelopes per page; the provider's default when `None`.
    pub page_size: Option<u32>,
    /// The page to read: a [`Page::next_page`] token from an earlier call, or `None` for the
    /// first page.
    pub page_token: Option<String>,
}

impl ListQuery {
    /// The first page of all envelopes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only envelopes whose metadata has `key` set to `value`.
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// How many envelopes per page.
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Which page to read.
    #[must_use]
    pub fn page_token(mut self, token: impl Into<String>) -> Self {
        self.page_token = Some(token.into());
        self
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The token of the next page, or `None` on the last page.
    pub next_page: Option<String>,
    /// How many items match in all, when the provider says.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page holding `items`, followed by the page `next_page`.
    pub fn new(items: Vec<T>, next_page: Option<String>) -> Self {
        Self {
            items,
            next_page,
            total: None,
        }
    }

    /// Records how many items match in all.
    #[must_use]
    pub fn with_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }
}

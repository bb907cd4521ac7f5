//! An in-memory [`SigningProvider`] with a real signing state machine, for application tests.
//!
//! ```
//! use signing_core::{Document, EnvelopeStatus, NewEnvelope, Signer, SigningProvider};
//! use signing_testkit::memory::{MemoryProvider, SignerAction};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> signing_core::Result<()> {
//! let provider = MemoryProvider::builder().deterministic_ids().build();
//! let request = NewEnvelope::builder()
//!     .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
//!     .signer(Signer::new("Ada", "ada@example.com"))
//!     .build()?;
//! let envelope = provider.send(&request).await?;
//! assert_eq!(envelope.id.as_str(), "env-1");
//!
//! // The test acts as the signer.
//! provider.act(&envelope.id, "ada@example.com", SignerAction::Sign)?;
//! assert_eq!(provider.get(&envelope.id).await?.status, EnvelopeStatus::Completed);
//!
//! // Every transition was also delivered as a signed webhook.
//! let delivery = provider.next_delivery(std::time::Duration::from_secs(1)).await.unwrap();
//! let events = provider.parse_webhook(&delivery).await?;
//! assert!(events[0].verified);
//! # Ok(()) }
//! ```

mod control;
mod state;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;
use signing_core::webhook::{
    Clock, WebhookSecret, WebhookTiming, WebhookVerifier, signature_headers,
};
use signing_core::{
    Capabilities, Document, Envelope, EnvelopeId, EnvelopeStatus, Error, ErrorKind, Event, EventId,
    EventKind, ListQuery, NewEnvelope, Operation, Page, RawJson, Result, SignerRef,
    SigningProvider, WebhookRequest,
};
use time::OffsetDateTime;
use tokio::sync::{Notify, broadcast};

pub use state::SignerAction;
use state::{StoredEnvelope, Transition};

/// The provider name of the in-memory provider.
pub const PROVIDER: &str = "memory";

/// Appended to a document by [`SigningProvider::download`], so tests can tell a signed copy.
pub const SIGNED_MARKER: &[u8] = b"\n%signing-testkit: signed by the in-memory provider\n";

const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

/// The operations of [`SigningProvider`], as recorded and as targets of injected failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallKind {
    /// [`SigningProvider::send`].
    Send,
    /// [`SigningProvider::get`].
    Get,
    /// [`SigningProvider::cancel`].
    Cancel,
    /// [`SigningProvider::delete`].
    Delete,
    /// [`SigningProvider::list`].
    List,
    /// [`SigningProvider::download`].
    Download,
    /// [`SigningProvider::parse_webhook`].
    ParseWebhook,
}

/// One call the provider received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedCall {
    /// Which operation.
    pub kind: CallKind,
    /// The envelope it named, if any.
    pub envelope_id: Option<EnvelopeId>,
}

/// Builds a [`MemoryProvider`].
#[derive(Debug, Clone)]
pub struct MemoryProviderBuilder {
    capabilities: Capabilities,
    deterministic_ids: bool,
    webhook_secret: Option<WebhookSecret>,
    timing: WebhookTiming,
}

impl MemoryProviderBuilder {
    /// Declares fewer capabilities, to act like a weaker provider. Requests and operations
    /// outside them are refused with `Unsupported`, as a real adapter would.
    #[must_use]
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Numbers envelopes `env-1`, `env-2`, ... and events `evt-1`, ... instead of random ids.
    #[must_use]
    pub fn deterministic_ids(mut self) -> Self {
        self.deterministic_ids = true;
        self
    }

    /// Signs webhook deliveries with this secret instead of a random one.
    #[must_use]
    pub fn webhook_secret(mut self, secret: WebhookSecret) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// Reads the current time from `clock` instead of the system clock: when envelopes change,
    /// when deliveries are signed, and when [`parse_webhook`](SigningProvider::parse_webhook)
    /// checks their timestamp.
    #[must_use]
    pub fn webhook_clock(mut self, clock: Clock) -> Self {
        self.timing = self.timing.with_clock(clock);
        self
    }

    /// How far a delivery's `webhook-timestamp` may be from now, either way, for
    /// [`parse_webhook`](SigningProvider::parse_webhook) to accept it (five minutes unless set).
    #[must_use]
    pub fn webhook_tolerance(mut self, tolerance: Duration) -> Self {
        self.timing = self.timing.with_tolerance(tolerance);
        self
    }

    /// Builds the provider.
    pub fn build(self) -> MemoryProvider {
        let secret = self.webhook_secret.unwrap_or_else(|| {
            let random: Vec<u8> = (0..4u64)
                .flat_map(|i| RandomState::new().hash_one(i).to_le_bytes())
                .collect();
            WebhookSecret::from_bytes(random).expect("32 bytes are a valid key")
        });
        let (events, _) = broadcast::channel(1024);
        let id_prefix = if self.deterministic_ids {
            String::new()
        } else {
            format!("{:08x}-", RandomState::new().hash_one(0u8) & 0xffff_ffff)
        };
        MemoryProvider {
            inner: Arc::new(Inner {
                capabilities: self.capabilities,
                id_prefix,
                verifier: WebhookVerifier::new(secret.clone()).timing(&self.timing),
                secret,
                timing: self.timing,
                state: Mutex::new(State::default()),
                events,
                delivered: Notify::new(),
            }),
        }
    }
}

/// An in-memory provider with every capability (unless told otherwise) and a real state
/// machine.
///
/// `send` makes an envelope `Sent`; [`act`](Self::act) lets a test be a signer; sequential
/// order is enforced; the envelope completes when everyone has signed; cancel and
/// [`expire`](Self::expire) end it. Every transition is an [`Event`] on
/// [`events`](Self::events), and also a Standard Webhooks delivery signed with the provider's
/// secret on [`next_delivery`](Self::next_delivery), which [`parse_webhook`] verifies.
///
/// A request's own [`callback_url`](signing_core::NewEnvelope::callback_url) is honoured, as
/// the capability it declares promises: the envelope's deliveries are addressed to it, arriving
/// as a receiver at that URL sees them (its path and query in
/// [`path`](WebhookRequest::path), its host in the `host` header), signed the same way. Without
/// one, deliveries go to the account-wide endpoint (an empty path). Nothing leaves the process.
///
/// It records every call ([`calls`](Self::calls)) and can be told to fail the next calls of an
/// operation ([`fail_next`](Self::fail_next)). Clones share the same state.
///
/// [`parse_webhook`]: SigningProvider::parse_webhook
#[derive(Debug, Clone)]
pub struct MemoryProvider {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    capabilities: Capabilities,
    id_prefix: String,
    secret: WebhookSecret,
    verifier: WebhookVerifier,
    timing: WebhookTiming,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    delivered: Notify,
}

#[derive(Debug, Default)]
struct State {
    envelopes: BTreeMap<u64, StoredEnvelope>,
    by_id: HashMap<EnvelopeId, u64>,
    next_envelope: u64,
    next_event: u64,
    calls: Vec<RecordedCall>,
    backend_requests: usize,
    failures: HashMap<CallKind, VecDeque<ErrorKind>>,
    events: Vec<Event>,
    deliveries: VecDeque<WebhookRequest>,
}

impl Default for MemoryProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryProvider {
    /// A provider with every capability and random ids.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures a provider.
    pub fn builder() -> MemoryProviderBuilder {
        MemoryProviderBuilder {
            capabilities: Capabilities::all(),
            deterministic_ids: false,
            webhook_secret: None,
            timing: WebhookTiming::new(),
        }
    }

    /// The secret webhook deliveries are signed with.
    pub fn webhook_secret(&self) -> &WebhookSecret {
        &self.inner.secret
    }

    /// Acts as the signer `email` of envelope `id`.
    ///
    /// Refused with `InvalidState` when it is not the signer's turn, when they already signed or
    /// declined, or when the envelope is no longer out for signing; with `NotFound` for an
    /// unknown envelope or signer.
    pub fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<()> {
        let now = self.inner.timing.now();
        let mut state = self.lock();
        let transitions = state.envelope_mut(id)?.act(email, action, now)?;
        self.emit(&mut state, transitions);
        Ok(())
    }

    /// Makes a sent envelope expire.
    pub fn expire(&self, id: &EnvelopeId) -> Result<()> {
        let now = self.inner.timing.now();
        let mut state = self.lock();
        let transition = state.envelope_mut(id)?.end(EnvelopeStatus::Expired, now)?;
        self.emit(&mut state, vec![transition]);
        Ok(())
    }

    /// Makes the next `times` calls of `kind` fail with an error of `kind_of_error`, before they
    /// touch any state.
    pub fn fail_next(&self, kind: CallKind, times: usize, kind_of_error: ErrorKind) {
        self.lock()
            .failures
            .entry(kind)
            .or_default()
            .extend(std::iter::repeat_n(kind_of_error, times));
    }

    /// Every call received, in order, refused ones included.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.lock().calls.clone()
    }

    /// How many calls passed the capability checks and reached the provider's state: the
    /// in-memory equivalent of requests sent over the wire.
    pub fn backend_requests(&self) -> usize {
        self.lock().backend_requests
    }

    /// Every event emitted so far, in order.
    pub fn emitted_events(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    /// Events emitted from now on, as a stream. Events emitted while the stream is not polled
    /// are kept (up to 1024).
    pub fn events(&self) -> impl Stream<Item = Event> + Send + 'static {
        let receiver = self.inner.events.subscribe();
        futures_util::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => return Some((event, receiver)),
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }

    /// The next webhook delivery not taken yet, waiting up to `timeout` for one: addressed to
    /// the envelope's own callback URL when it was sent with one (see the type's documentation).
    pub async fn next_delivery(&self, timeout: Duration) -> Option<WebhookRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.delivered.notified();
            if let Some(delivery) = self.lock().deliveries.pop_front() {
                return Some(delivery);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// The envelope as stored, without recording a call.
    pub fn peek(&self, id: &EnvelopeId) -> Option<Envelope> {
        let state = self.lock();
        state
            .by_id
            .get(id)
            .and_then(|seq| state.envelopes.get(seq))
            .map(StoredEnvelope::to_envelope)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test must not poison the provider for the assertions that follow.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the call, applies an injected failure, then checks the operation is supported.
    fn begin(
        &self,
        kind: CallKind,
        envelope_id: Option<&EnvelopeId>,
        operation: Option<Operation>,
    ) -> Result<MutexGuard<'_, State>> {
        let mut state = self.lock();
        state.calls.push(RecordedCall {
            kind,
            envelope_id: envelope_id.cloned(),
        });
        if let Some(kind) = state.failures.get_mut(&kind).and_then(VecDeque::pop_front) {
            return Err(Error::new(kind).with_provider(PROVIDER));
        }
        if let Some(operation) = operation {
            self.inner
                .capabilities
                .check_operation(PROVIDER, operation)?;
        }
        Ok(state)
    }

    fn emit(&self, state: &mut State, transitions: Vec<Transition>) {
        let now = self.inner.timing.now();
        for transition in transitions {
            state.next_event += 1;
            let id = EventId::new(format!("evt-{}{}", self.inner.id_prefix, state.next_event));
            let callback = state
                .envelope(&transition.envelope_id)
                .ok()
                .and_then(|envelope| envelope.callback.clone());
            let body = serde_json::json!({
                "type": transition.kind.as_str(),
                "envelope_id": transition.envelope_id,
                "signer": transition.signer_email,
                "occurred_at": now.format(&time::format_description::well_known::Rfc3339).ok(),
            });
            let mut event = Event::new(id.clone(), transition.kind, PROVIDER);
            event.envelope_id = Some(transition.envelope_id);
            event.signer = transition.signer_email.map(SignerRef::by_email);
            event.occurred_at = Some(now);
            event.verified = true;
            event.raw = RawJson::from(&body);

            let body = Bytes::from(body.to_string());
            let mut headers =
                signature_headers(&self.inner.secret, id.as_str(), now.unix_timestamp(), &body)
                    .expect("event ids are visible ASCII");
            let mut path = String::new();
            // An envelope sent with its own callback URL has its events delivered there, as the
            // receiver at that URL sees them: its host in `host`, its path and query as the path.
            if let Some(callback) = callback {
                headers.insert(http::header::HOST, callback.host);
                path = callback.path;
            }
            let delivery = WebhookRequest::new(headers, body).with_path(path);
            state.deliveries.push_back(delivery);
            state.events.push(event.clone());
            // Nobody listening is fine: the event is also kept in `emitted_events`.
            let _ = self.inner.events.send(event);
        }
        self.inner.delivered.notify_waiters();
    }
}

impl State {
    fn envelope_mut(&mut self, id: &EnvelopeId) -> Result<&mut StoredEnvelope> {
        self.by_id
            .get(id)
            .and_then(|seq| self.envelopes.get_mut(seq))
            .ok_or_else(|| not_found(id))
    }

    fn envelope(&self, id: &EnvelopeId) -> Result<&StoredEnvelope> {
        self.by_id
            .get(id)
            .and_then(|seq| self.envelopes.get(seq))
            .ok_or_else(|| not_found(id))
    }
}

fn not_found(id: &EnvelopeId) -> Error {
    Error::not_found(format!("envelope {id}")).with_provider(PROVIDER)
}

/// A document's whole content, wherever it is.
async fn read_whole(document: &Document) -> Result<Bytes> {
    use futures_util::TryStreamExt as _;
    let unreadable = |e: std::io::Error| {
        Error::invalid_request("documents[0].content", format!("cannot be read: {e}"))
            .with_provider(PROVIDER)
    };
    match document.source() {
        signing_core::DocumentSource::File(path) => tokio::fs::read(path)
            .await
            .map(Bytes::from)
            .map_err(unreadable),
        signing_core::DocumentSource::Open(source) => {
            let chunks: Vec<Bytes> = source
                .open()
                .await
                .map_err(unreadable)?
                .try_collect()
                .await
                .map_err(unreadable)?;
            Ok(Bytes::from(chunks.concat()))
        }
        _ => Ok(document.content().cloned().unwrap_or_default()),
    }
}

#[async_trait]
impl SigningProvider for MemoryProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities.clone()
    }

    async fn send(&self, request: &NewEnvelope) -> Result<Envelope> {
        let mut state = self.begin(CallKind::Send, None, None)?;
        self.inner.capabilities.check_request(PROVIDER, request)?;
        state.backend_requests += 1;
        if self.inner.capabilities.idempotent_send
            && let Some(reference) = request.reference()
            && let Some(existing) = state
                .envelopes
                .values()
                .find(|e| e.reference.as_deref() == Some(reference))
        {
            return Ok(existing.to_envelope());
        }
        state.next_envelope += 1;
        let seq = state.next_envelope;
        let id = EnvelopeId::new(format!("env-{}{seq}", self.inner.id_prefix));
        let stored = StoredEnvelope::create(id.clone(), request, self.inner.timing.now());
        let envelope = stored.to_envelope();
        state.envelopes.insert(seq, stored);
        state.by_id.insert(id.clone(), seq);
        let transition = |kind| Transition {
            kind,
            envelope_id: id.clone(),
            signer_email: None,
        };
        self.emit(
            &mut state,
            vec![transition(EventKind::Created), transition(EventKind::Sent)],
        );
        Ok(envelope)
    }

    async fn get(&self, id: &EnvelopeId) -> Result<Envelope> {
        let mut state = self.begin(CallKind::Get, Some(id), None)?;
        state.backend_requests += 1;
        Ok(state.envelope(id)?.to_envelope())
    }

    async fn cancel(&self, id: &EnvelopeId) -> Result<()> {
        let mut state = self.begin(CallKind::Cancel, Some(id), Some(Operation::Cancel))?;
        state.backend_requests += 1;
        let transition = state
            .envelope_mut(id)?
            .end(EnvelopeStatus::Cancelled, self.inner.timing.now())?;
        self.emit(&mut state, vec![transition]);
        Ok(())
    }

    async fn delete(&self, id: &EnvelopeId) -> Result<()> {
        let mut state = self.begin(CallKind::Delete, Some(id), Some(Operation::Delete))?;
        state.backend_requests += 1;
        let seq = state.by_id.remove(id).ok_or_else(|| not_found(id))?;
        state.envelopes.remove(&seq);
        Ok(())
    }

    async fn list(&self, query: &ListQuery) -> Result<Page<Envelope>> {
        let mut state = self.begin(CallKind::List, None, Some(Operation::List))?;
        state.backend_requests += 1;
        let offset: usize = match &query.page_token {
            None => 0,
            Some(token) => token.parse().map_err(|_| {
                Error::invalid_request("page_token", format!("`{token}` is not a page token"))
                    .with_provider(PROVIDER)
            })?,
        };
        let size = query
            .page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE) as usize;
        let matching: Vec<&StoredEnvelope> = state
            .envelopes
            .values()
            .filter(|e| {
                query
                    .metadata
                    .iter()
                    .all(|(k, v)| e.metadata.get(k) == Some(v))
            })
            .collect();
        let total = matching.len();
        let items = matching
            .iter()
            .skip(offset)
            .take(size)
            .map(|e| e.to_envelope())
            .collect();
        let next = (offset + size < total).then(|| (offset + size).to_string());
        Ok(Page::new(items, next).with_total(total as u64))
    }

    async fn download(&self, id: &EnvelopeId) -> Result<Document> {
        // A document streamed from a file or a reader is read after the state's lock is let go.
        let original = {
            let mut state = self.begin(CallKind::Download, Some(id), Some(Operation::Download))?;
            state.backend_requests += 1;
            let envelope = state.envelope(id)?;
            if envelope.status != EnvelopeStatus::Completed {
                return Err(Error::invalid_state(format!(
                    "envelope {id} is {}, not completed",
                    envelope.status
                ))
                .with_provider(PROVIDER));
            }
            envelope.documents[0].clone()
        };
        let mut signed = read_whole(&original).await?.to_vec();
        signed.extend_from_slice(SIGNED_MARKER);
        Ok(Document::new(original.name(), signed).with_content_type(original.content_type()))
    }

    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<Event>> {
        drop(self.begin(CallKind::ParseWebhook, None, Some(Operation::ParseWebhook))?);
        let verified = self
            .inner
            .verifier
            .verify(&request.headers, &request.body)
            .map_err(|why| Error::from(why).with_provider(PROVIDER))?;
        let (body, raw) =
            RawJson::decode::<serde_json::Value>(request.body.clone()).map_err(|e| {
                Error::from(signing_core::webhook::WebhookError::InvalidPayload(
                    e.to_string(),
                ))
                .with_provider(PROVIDER)
            })?;
        let kind = body["type"]
            .as_str()
            .map_or_else(|| EventKind::Other(String::new()), EventKind::from);
        let mut event = Event::new(EventId::new(verified.id), kind, PROVIDER);
        event.envelope_id = body["envelope_id"].as_str().map(EnvelopeId::new);
        event.signer = body["signer"].as_str().map(SignerRef::by_email);
        event.occurred_at = body["occurred_at"].as_str().and_then(|s| {
            OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        });
        event.verified = true;
        event.raw = raw;
        Ok(vec![event])
    }
}

//! Emulator of the HeySign API v1.
//!
//! [`HeySignEmulator`] runs two loopback listeners, like the real service: the auth host
//! (`POST {auth_url}/oauth/token`, client credentials) and the API host (`{api_url}/v1/...`,
//! bearer tokens). It keeps agreements, documents, files, signees, tenants, themes and webhooks
//! in memory, enforces the documented rules (and a few stricter ones, such as refusing unknown
//! JSON fields, so that a misspelt field in a client fails a test), and delivers webhooks signed
//! per Standard Webhooks to receivers a test registered on loopback.
//!
//! Signees cannot sign over the API; a test plays their part with
//! [`sign`](HeySignEmulator::sign) (by signee id) and [`sign_all`](HeySignEmulator::sign_all),
//! or, like on every emulator, through [`Control`](crate::control::Control), which knows a
//! signee by agreement id and e-mail address.
//!
//! What the emulator sends (API answers and webhook bodies) follows its [`AnswerMode`]: by
//! default every field the project assumed; with [`HeySignEmulatorBuilder::answer_mode`] or
//! [`HeySignEmulator::set_answer_mode`], only what the documents promise, or a seeded variant of
//! what they leave open. The control handle's views ([`agreement`](HeySignEmulator::agreement),
//! [`agreements`](HeySignEmulator::agreements), [`signees_of`](HeySignEmulator::signees_of))
//! always show the assumed shape. See [`mode`](crate::emulator::mode) for the details.
//!
//! # Example
//!
//! ```
//! use signing_testkit::emulator::Fault;
//! use signing_testkit::emulator::heysign::{HeySignEmulator, Route};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let emu = HeySignEmulator::start().await;
//!     let http = reqwest::Client::new();
//!
//!     // Client credentials on the auth host buy a bearer token for the API host.
//!     let token: serde_json::Value = http
//!         .post(format!("{}/oauth/token", emu.auth_url()))
//!         .header("content-type", "application/x-www-form-urlencoded")
//!         .body(format!(
//!             "client_id={}&client_secret={}&grant_type=client_credentials",
//!             emu.client_id(),
//!             emu.client_secret()
//!         ))
//!         .send()
//!         .await?
//!         .json()
//!         .await?;
//!     let token = token["access_token"].as_str().unwrap_or_default().to_owned();
//!
//!     // Faults are injected per route: the next create fails once with a 503.
//!     emu.inject(Route::CreateAgreement, Fault::Status(503), 1);
//!     let create = || {
//!         http.post(format!("{}/v1/agreements", emu.api_url()))
//!             .bearer_auth(&token)
//!             .json(&serde_json::json!({"issuer": "Acme AB", "title": "Lease"}))
//!             .send()
//!     };
//!     assert_eq!(create().await?.status(), 503);
//!     let created: serde_json::Value = create().await?.json().await?;
//!     assert_eq!(created["type"], "agreement");
//!     assert_eq!(created["data"]["status"], "Draft");
//!
//!     // Inspect what the emulator holds and what it received.
//!     let id = created["data"]["id"].as_str().unwrap_or_default();
//!     assert!(emu.agreement(id).is_some());
//!     assert_eq!(emu.requests().len(), 3);
//!     assert_eq!(emu.token_requests(), 1);
//!     Ok(())
//! }
//! ```
//!
//! # Assumptions beyond the published documents
//!
//! - Submit and cancel are `POST /v1/agreements/{id}/submit` and `.../cancel`, answering 204.
//! - Errors are RFC 7807 problem documents; a broken state rule is 409, an upload over 10 MB 413,
//!   a JSON or multipart body sent under another content type 415, an unknown JSON field or
//!   query parameter 400.
//! - Ids referenced from a request body that name nothing are validation errors (400); ids in
//!   the path that name nothing, or are not UUIDs, are 404.
//! - File metadata is uploaded as parts named `metadata[key]`.
//! - A webhook body is `{"type", "timestamp", "data"}` with the full object as `data`.
//! - A scheduled agreement is never published (there is no scheduler), and submitting it after
//!   its publish date is a validation error.

mod answers;
mod auth;
mod clock;
mod control;
mod error;
mod ids;
mod json;
mod model;
mod paging;
mod problem;
mod route;
mod routes;
mod state;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinHandle;

pub use answers::WEBHOOK_SECRET_FIELDS;
pub use error::EmulatorError;
pub use route::Route;
pub use webhooks::WebhookDelivery;

use super::mode::{AnswerMode, Variation};
use super::server::{self, RequestLog, RunningServer};
use super::{DEFAULT_KEPT_DOCUMENT_BYTES, Fault, FaultPlan, RecordedRequest};
use auth::Tokens;
use state::Shared;
use webhooks::Dispatcher;

const DEFAULT_CLIENT_ID: &str = "emulator-client-id";
const DEFAULT_CLIENT_SECRET: &str = "emulator-client-secret";
/// The documented token lifetime: 24 hours.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// A running HeySign emulator. Dropping it stops both listeners and the webhook deliveries.
#[derive(Debug)]
pub struct HeySignEmulator {
    shared: Arc<Shared>,
    faults: FaultPlan,
    log: RequestLog,
    api: RunningServer,
    auth: RunningServer,
    deliveries: JoinHandle<()>,
}

/// Configures a [`HeySignEmulator`] before it starts.
#[derive(Debug, Clone)]
pub struct HeySignEmulatorBuilder {
    client_id: String,
    client_secret: String,
    token_lifetime: Duration,
    answer_mode: AnswerMode,
    max_file_size: u64,
    kept_document_bytes: usize,
}

/// HeySign's documented default limit for one file: 10 MB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

impl Default for HeySignEmulatorBuilder {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            answer_mode: AnswerMode::Assumed,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            kept_document_bytes: DEFAULT_KEPT_DOCUMENT_BYTES,
        }
    }
}

impl HeySignEmulatorBuilder {
    /// The client id and secret the token endpoint accepts (defaults `emulator-client-id` and
    /// `emulator-client-secret`).
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_id = client_id.into();
        self.client_secret = client_secret.into();
        self
    }

    /// How long issued tokens stay valid, also reported as `expires_in` (default 24 hours).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// How the emulator words what it sends (default [`AnswerMode::Assumed`]); requests are
    /// checked the same way in every mode.
    pub fn answer_mode(mut self, mode: AnswerMode) -> Self {
        self.answer_mode = mode;
        self
    }

    /// The largest file an upload may carry (default [`DEFAULT_MAX_FILE_SIZE`]; HeySign raises
    /// it per tenant on request). Uploads are read as they arrive, so a large limit costs the
    /// emulator no memory.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }

    /// Keeps the bytes of each uploaded file of at most `bytes` (default
    /// [`DEFAULT_KEPT_DOCUMENT_BYTES`]) for the control handle's views and the sandbox's signing
    /// pages; a larger file is kept as its size and digest only. `0` keeps none: for a test that
    /// measures memory.
    pub fn keep_documents_up_to(mut self, bytes: usize) -> Self {
        self.kept_document_bytes = bytes;
        self
    }

    /// Starts the emulator on two loopback ports.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound, or when called outside a Tokio runtime.
    pub async fn start(self) -> HeySignEmulator {
        let (dispatcher, deliveries) = Dispatcher::start();
        let tokens = Tokens::new(self.client_id, self.client_secret, self.token_lifetime);
        let shared = Arc::new(Shared::new(
            tokens,
            dispatcher,
            self.answer_mode,
            self.max_file_size,
            self.kept_document_bytes,
        ));
        let faults = FaultPlan::default();
        let log = RequestLog::default();
        let api = server::serve(
            routes::router(Arc::clone(&shared)),
            route::classify_api,
            faults.clone(),
            log.clone(),
            problem::fault_body,
        )
        .await
        .expect("the HeySign emulator could not bind a loopback port for its API host");
        let auth = server::serve(
            auth::router(Arc::clone(&shared)),
            route::classify_auth,
            faults.clone(),
            log.clone(),
            auth::fault_body,
        )
        .await
        .expect("the HeySign emulator could not bind a loopback port for its auth host");
        HeySignEmulator {
            shared,
            faults,
            log,
            api,
            auth,
            deliveries,
        }
    }
}

impl HeySignEmulator {
    /// Starts an emulator with the default credentials and token lifetime.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound, or when called outside a Tokio runtime.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A builder for an emulator with other credentials, token lifetime or answer mode.
    pub fn builder() -> HeySignEmulatorBuilder {
        HeySignEmulatorBuilder::default()
    }

    /// The base URL of the API host, `http://127.0.0.1:PORT`; paths are `/v1/...`.
    pub fn api_url(&self) -> String {
        self.api.base_url()
    }

    /// The base URL of the auth host, a separate listener; the token endpoint is
    /// `POST {auth_url}/oauth/token`.
    pub fn auth_url(&self) -> String {
        self.auth.base_url()
    }

    /// The client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        self.shared.tokens.client_id()
    }

    /// The client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        self.shared.tokens.client_secret()
    }

    /// The next `times` requests to `route` get `fault` instead of (or, for delays and
    /// truncation, on top of) normal handling; queued after earlier injections.
    pub fn inject(&self, route: Route, fault: Fault, times: usize) {
        self.faults.inject(route.as_str(), fault, times);
    }

    /// Forgets every fault not yet applied.
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// Every request received by either host, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.all()
    }

    /// How many requests reached the token endpoint, whatever their outcome.
    pub fn token_requests(&self) -> usize {
        self.log.count(Route::Token.as_str())
    }

    /// Makes every token issued so far invalid: using one answers 401.
    pub fn expire_tokens(&self) {
        self.shared.tokens.expire_all();
    }

    /// How the emulator words what it sends now.
    pub fn answer_mode(&self) -> AnswerMode {
        self.shared.mode()
    }

    /// Words every answer and webhook body from now on as `mode` says; a webhook takes the
    /// mode of the moment its event happens.
    pub fn set_answer_mode(&self, mode: AnswerMode) {
        self.shared.set_mode(mode);
    }

    /// Every change the current answer mode makes to the assumed answers, object by object:
    /// empty in [`AnswerMode::Assumed`], the fields left out in
    /// [`AnswerMode::DocumentedOnly`], the seed's choices in [`AnswerMode::Variant`]. Print it
    /// when a test fails in a variant.
    pub fn variations(&self) -> Vec<Variation> {
        self.shared.mode().variations(&answers::ALL)
    }

    /// The agreement `id` as `GET /v1/agreements/{id}` returns it in `data` in
    /// [`AnswerMode::Assumed`], whatever the current mode.
    pub fn agreement(&self, id: &str) -> Option<Value> {
        self.shared.read(|store| store.agreement_value(id))
    }

    /// Every agreement, deleted ones included, in creation order, in the assumed shape.
    pub fn agreements(&self) -> Vec<Value> {
        self.shared.read(|store| {
            store
                .agreements
                .iter()
                .map(model::Agreement::to_json)
                .collect()
        })
    }

    /// The signees of the agreement `agreement_id`, in the order they were added, in the
    /// assumed shape.
    pub fn signees_of(&self, agreement_id: &str) -> Vec<Value> {
        self.shared.read(|store| store.signees_of(agreement_id))
    }

    /// Opens a sign session for the signee, as when they open the signing portal; emits
    /// `signee.signsession.created`.
    pub fn open_sign_session(&self, signee_id: &str) -> Result<(), EmulatorError> {
        self.shared
            .write(|store| store.open_sign_session(signee_id))
    }

    /// The signee signs: emits `signee.signsession.created` first if no session is open, then
    /// `signee.signsession.completed`; when they are the last to sign, the agreement becomes
    /// `Completed` and `agreement.completed` is emitted.
    pub fn sign(&self, signee_id: &str) -> Result<(), EmulatorError> {
        self.shared.write(|store| store.sign(signee_id))
    }

    /// Every signee of the agreement who has not signed yet signs, in order.
    pub fn sign_all(&self, agreement_id: &str) -> Result<(), EmulatorError> {
        self.shared.write(|store| store.sign_all(agreement_id))
    }

    /// Every webhook delivery attempted so far, in the order they were sent.
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared
            .dispatcher()
            .deliveries()
            .into_iter()
            .map(WebhookDelivery::from)
            .collect()
    }

    /// The first delivery of `event_type` (such as `agreement.completed`), waiting up to
    /// `timeout` for one to be attempted; `None` if none was by then.
    pub async fn wait_for_delivery(
        &self,
        event_type: &str,
        timeout: Duration,
    ) -> Option<WebhookDelivery> {
        self.shared
            .dispatcher()
            .wait_for(|delivery| delivery.event == event_type, timeout)
            .await
            .map(WebhookDelivery::from)
    }

    /// Registers a webhook as `POST /v1/webhooks` does, returning its id and secret. An empty
    /// `events` subscribes to every event.
    ///
    /// # Panics
    ///
    /// If the URL is not https or loopback http, or an event name is unknown: both are mistakes
    /// in the test itself.
    pub fn register_webhook(&self, url: &str, events: &[&str]) -> (String, String) {
        if let Err(error) = routes::check_webhook_url(url) {
            panic!("cannot register webhook `{url}`: {error:?}");
        }
        let events = events
            .iter()
            .map(|event| {
                webhooks::known_event(event)
                    .unwrap_or_else(|| panic!("`{event}` is not a HeySign webhook event"))
            })
            .collect();
        self.shared.write(|store| {
            let webhook = store.create_webhook(url.to_owned(), events);
            (webhook.id.clone(), webhook.secret.clone())
        })
    }
}

impl Drop for HeySignEmulator {
    fn drop(&mut self) {
        self.deliveries.abort();
    }
}

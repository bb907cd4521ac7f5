//! Emulator of DocuSign's eSignature REST API v2.1, with its JWT-grant auth host and Connect
//! webhooks.
//!
//! [`DocuSignEmulator`] runs two loopback listeners, like the real service: the auth host
//! ([`auth_url`](DocuSignEmulator::auth_url), standing for `account-d.docusign.com`) and the API
//! host ([`api_base_uri`](DocuSignEmulator::api_base_uri), the `base_uri` that
//! `/oauth/userinfo` returns, standing for `demo.docusign.net`). It is an independent
//! implementation of DocuSign's published OpenAPI specification (release 21.1.00) and guides,
//! written with raw JSON: every property name and casing is the specification's, every number
//! and boolean travels as a string (`"routingOrder": "1"`, `"show": "false"`), and request
//! bodies are checked against the specification's own tables of properties, so a misspelt
//! property or a JSON number where a string belongs is refused with 400 `INVALID_REQUEST_BODY`.
//!
//! | host | method and path | route |
//! |---|---|---|
//! | auth | `POST /oauth/token` (JWT grant) | [`Route::Token`] |
//! | auth | `GET /oauth/userinfo` | [`Route::UserInfo`] |
//! | API | `POST /restapi/v2.1/accounts/{accountId}/envelopes` (JSON or multipart) | [`Route::CreateEnvelope`] |
//! | API | `GET .../envelopes?from_date=...` | [`Route::ListEnvelopes`] |
//! | API | `GET .../envelopes/{envelopeId}?include=recipients,custom_fields,documents` | [`Route::GetEnvelope`] |
//! | API | `PUT .../envelopes/{envelopeId}` (send a draft, void) | [`Route::UpdateEnvelope`] |
//! | API | `GET .../envelopes/{envelopeId}/recipients` | [`Route::ListRecipients`] |
//! | API | `GET .../envelopes/{envelopeId}/documents/combined` | [`Route::GetCombinedDocument`] |
//! | API | `GET .../envelopes/{envelopeId}/documents/certificate` | [`Route::GetCertificate`] |
//! | API | `GET .../envelopes/{envelopeId}/documents/{documentId}` | [`Route::GetDocument`] |
//! | API | `POST .../envelopes/{envelopeId}/views/recipient` | [`Route::CreateRecipientView`] |
//! | API | `PUT .../folders/recyclebin` | [`Route::MoveEnvelopes`] |
//!
//! Every API call needs `Authorization: Bearer <access_token>` (else 401
//! `USER_AUTHENTICATION_FAILED`) and an account of the user in the path (else 400
//! `USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT`). Other failures are 400 with
//! `{"errorCode", "message"}` and DocuSign's codes, an unknown envelope
//! (`ENVELOPE_DOES_NOT_EXIST`) included. Every API answer carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining`, `X-RateLimit-Reset` (Unix seconds), `X-BurstLimit-Limit` and
//! `X-BurstLimit-Remaining`; exceeding a limit (see
//! [`rate_limits`](DocuSignEmulatorBuilder::rate_limits)), and an injected
//! [`Fault::RateLimited`], answer 400 `HOURLY_APIINVOCATION_LIMIT_EXCEEDED` as DocuSign does.
//! [`enforce_polling_limit`](DocuSignEmulator::enforce_polling_limit) turns on DocuSign's rule
//! against polling an envelope (`Hourly_Envelope_Polling_Limit_Exceeded`).
//!
//! Recipients never visit a web page here: a test acts for them with
//! [`view`](DocuSignEmulator::view), [`sign`](DocuSignEmulator::sign),
//! [`decline`](DocuSignEmulator::decline) and [`sign_all`](DocuSignEmulator::sign_all), and an
//! envelope whose `eventNotification` asks for the event gets a Connect message on its own
//! receiver (only loopback URLs are called; others are recorded, not called). Faults are
//! injected per [`Route`] and every request of both hosts is kept for inspection. The emulator
//! is also a [`Control`](crate::control::Control) handle, the shape every emulator shares.
//!
//! What the emulator sends (API answers, the auth host's token and userinfo, Connect messages)
//! follows its [`AnswerMode`]: by default every field the project assumed, as below; with
//! [`DocuSignEmulatorBuilder::answer_mode`] or [`DocuSignEmulator::set_answer_mode`], only what
//! DocuSign's documents promise each answer carries, or a seeded variant of a plausible DocuSign
//! (optional fields missing or `null`, unknown fields added, statuses as `Sent` or `SENT`,
//! string-typed numbers and booleans as JSON ones, date-times with other decimals or offset).
//! Requests are checked as strictly in every mode, error bodies are the same, and the control
//! handle's views ([`envelope`](DocuSignEmulator::envelope),
//! [`envelopes`](DocuSignEmulator::envelopes)) always show the assumed shape. See
//! [`mode`](crate::emulator::mode#docusign) for what DocuSign's documents promise, answer by
//! answer.
//!
//! # Example
//!
//! ```
//! use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
//! use serde_json::{Value, json};
//! use signing_testkit::emulator::docusign::DocuSignEmulator;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let emu = DocuSignEmulator::start().await;
//!     let http = reqwest::Client::builder().no_proxy().build()?;
//!
//!     // The JWT grant: an RS256 assertion signed with the integration key's private key.
//!     let now = std::time::SystemTime::now()
//!         .duration_since(std::time::UNIX_EPOCH)?
//!         .as_secs();
//!     let claims = json!({
//!         "iss": emu.integration_key(),
//!         "sub": emu.user_id(),
//!         "aud": emu.oauth_host(),
//!         "iat": now,
//!         "exp": now + 3600,
//!         "scope": "signature impersonation",
//!     });
//!     let key = EncodingKey::from_rsa_pem(emu.private_key_pem().as_bytes())?;
//!     let assertion = encode(&Header::new(Algorithm::RS256), &claims, &key)?;
//!     let token: Value = http
//!         .post(format!("{}/oauth/token", emu.auth_url()))
//!         .header("content-type", "application/x-www-form-urlencoded")
//!         .body(format!(
//!             "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion={assertion}"
//!         ))
//!         .send()
//!         .await?
//!         .json()
//!         .await?;
//!     let token = token["access_token"].as_str().unwrap_or_default().to_owned();
//!
//!     // Learn the account and its base URI, then create and send an envelope.
//!     let info: Value = http
//!         .get(format!("{}/oauth/userinfo", emu.auth_url()))
//!         .bearer_auth(&token)
//!         .send()
//!         .await?
//!         .json()
//!         .await?;
//!     let account = &info["accounts"][0];
//!     let base = format!(
//!         "{}/restapi/v2.1/accounts/{}",
//!         account["base_uri"].as_str().unwrap_or_default(),
//!         account["account_id"].as_str().unwrap_or_default()
//!     );
//!     let created = http
//!         .post(format!("{base}/envelopes"))
//!         .bearer_auth(&token)
//!         .json(&json!({
//!             "emailSubject": "Please sign the NDA",
//!             "status": "sent",
//!             "documents": [{
//!                 "documentId": "1",
//!                 "name": "nda.pdf",
//!                 "fileExtension": "pdf",
//!                 "documentBase64": "JVBERi0xLjcK",
//!             }],
//!             "recipients": {"signers": [{
//!                 "email": "sam@example.com",
//!                 "name": "Sam Signer",
//!                 "recipientId": "1",
//!                 "routingOrder": "1",
//!             }]},
//!         }))
//!         .send()
//!         .await?;
//!     assert_eq!(created.status(), 201);
//!     let summary: Value = created.json().await?;
//!     assert_eq!(summary["status"], "sent");
//!     let id = summary["envelopeId"].as_str().unwrap_or_default();
//!
//!     // Play the signer, then read the envelope back.
//!     emu.sign(id, "sam@example.com")?;
//!     let envelope: Value = http
//!         .get(format!("{base}/envelopes/{id}"))
//!         .bearer_auth(&token)
//!         .send()
//!         .await?
//!         .json()
//!         .await?;
//!     assert_eq!(envelope["status"], "completed");
//!     Ok(())
//! }
//! ```
//!
//! # Where DocuSign's documents are silent, and what the emulator does
//!
//! - **JWT refusals.** DocuSign documents `consent_required` and, in its answers,
//!   `invalid_grant` with `issuer_not_found`, `no_valid_keys_or_signatures` and
//!   `user_not_found`; those are used as DocuSign sends them. For the other checks the
//!   emulator answers `invalid_grant` with the descriptions `invalid_assertion` (not a JWT),
//!   `unsupported_signature_algorithm` (not RS256), `invalid_audience`,
//!   `invalid_lifetime_claims` (`iat` or `exp` missing or not numbers),
//!   `assertion_issued_in_the_future` (`iat` more than 60 seconds ahead),
//!   `assertion_expired` and `assertion_lifetime_over_one_hour`, and `invalid_scope` when the
//!   scope lacks `signature` or `impersonation`. Checks run in that order: issuer, signature,
//!   user, audience, lifetime, scope, consent. `aud` must be a single string.
//! - **Strictness beyond DocuSign.** DocuSign ignores unknown properties and coerces JSON
//!   numbers to strings; the emulator refuses both (400 `INVALID_REQUEST_BODY`) so a client's
//!   mistake shows in a test, and refuses unknown `include` values with
//!   `INVALID_REQUEST_PARAMETER`. Properties it does not model but that would change an envelope
//!   (`templateId`, `templateRoles`, `compositeTemplates`, `workflow`, recipient types other
//!   than `signers` and `carbonCopies`) are refused with `INVALID_REQUEST_PARAMETER`; other
//!   declared properties are accepted and ignored. Signers and carbon copies need `email`
//!   (`INVALID_EMAIL_ADDRESS_FOR_RECIPIENT`), `name` (`INVALID_USERNAME_FOR_RECIPIENT`) and a
//!   unique `recipientId`, even in drafts; `routingOrder` defaults to `"1"`.
//! - **Sending** needs an `emailSubject`, a document and a signer; otherwise
//!   `ENVELOPE_IS_INCOMPLETE`. A document whose extension (`fileExtension`, else the name's) is
//!   `pdf` must be a PDF (`PDF_VALIDATION_FAILED`); other bytes are kept as given.
//! - **Binary documents.** The specification describes `multipart/form-data` only for
//!   signature images; the emulator follows DocuSign's guide: the first part is the JSON
//!   definition, each further part `Content-Disposition: file; filename="..."; documentid=N`
//!   supplies the bytes of the document with `documentId` `N`, which then has no
//!   `documentBase64`. A stray, duplicate or ambiguous part is `INVALID_MULTI_PART_REQUEST`, a
//!   document without bytes `NO_DOCUMENT_RECEIVED`.
//! - **Routing.** Signers at the lowest unfinished `routingOrder` are `sent` (equal orders in
//!   parallel), later ones stay `created`; carbon copies are `sent` when their order is reached
//!   and `completed` when the envelope completes. The envelope becomes `delivered` once no
//!   signer whose turn has come still has it unopened, and stays so until it completes.
//! - **Voiding** needs a `voidedReason` (`INVALID_REQUEST_PARAMETER` without one) and a `sent`
//!   or `delivered` envelope (`ENVELOPE_CANNOT_VOID_INVALID_STATE`). Sending anything but a
//!   draft, or a recipient view of an envelope not out for signature, is
//!   `ENVELOPE_INVALID_STATUS`. A `PUT` may also change a draft's `emailSubject` and
//!   `emailBlurb`; other properties are refused. It answers `{"envelopeId"}`.
//! - **Recycle bin.** Only the folder `recyclebin` is supported. A draft moved there becomes
//!   `deleted` (with `deletedDateTime`); a `sent` or `delivered` envelope is voided, as the
//!   specification says, with the reason "Envelope moved to the recycle bin by the sender.";
//!   a finished envelope only changes folder. One unknown id refuses the whole request. The
//!   answer is an empty `foldersResponse`, `{}`.
//! - **Listing** supports `from_date`, `to_date`, `envelope_ids`, `status`, `custom_field`,
//!   `count`, `start_position`, `include` and `from_to_status=changed`; any other parameter is
//!   refused. Dates without an offset are UTC. Envelopes are filtered on their last change and
//!   sorted by it, oldest first. `nextUri` and `previousUri` (not in release 21.1.00 of the
//!   specification, but in DocuSign's answers) are relative (`/envelopes?...`) and empty when
//!   there is no such page; an empty page has `endPosition` `"-1"` and no `envelopes`.
//! - **Documents.** `combined` is the documents' bytes one after the other, each followed by a
//!   `%DocuSign-Emulator combined ...` comment line; `certificate` (a document id DocuSign
//!   supports beyond the specification's list) is a small generated PDF; `archive` is refused.
//! - **Recipient view** needs `returnUrl`, `authenticationMethod`, `email`, `userName` and
//!   `clientUserId` matching a signer created with that `clientUserId`
//!   (`UNKNOWN_ENVELOPE_RECIPIENT` otherwise) whose turn has come (`RECIPIENT_NOT_IN_SEQUENCE`
//!   otherwise). The URL it answers is not served; act for the signer with the control methods.
//! - **Connect.** Messages are sent only in the JSON format: an `eventNotification` without
//!   `eventData.version` `restv2.1` (for which DocuSign would send XML) is refused. Both the
//!   status-code lists and the newer `events` list are accepted. `configurationId` is `0` (an
//!   envelope's own notification is no account configuration), `data.recipientId` appears in
//!   recipient events only, and `envelopeSummary` is the envelope as "get envelope" shows it,
//!   with recipients, custom fields and documents when `eventData.includeData` names them.
//!   Each message is tried once, whatever `requireAcknowledgment` says;
//!   [`redeliver`](DocuSignEmulator::redeliver) sends a recorded one again byte for byte
//!   (`retryCount` unchanged, so the signatures still match).
//! - **Limits** are counted over all accounts together, in windows aligned to the clock hour
//!   and to 30-second slices. Rate-limit headers are added by the API host itself, so answers
//!   replaced by an injected fault carry none, except the rate-limit fault's own.

mod answers;
mod api;
mod api_error;
mod auth;
mod clock;
mod connect;
mod control;
mod definition;
mod error;
mod json;
mod keys;
mod limits;
mod model;
mod multipart;
mod pdf;
mod render;
mod route;
mod spec;
mod state;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinHandle;

pub use connect::ConnectDelivery;
pub use error::EmulatorError;
pub use route::Route;

use super::mode::{AnswerMode, Variation};
use super::server::{self, RequestLog, RunningServer};
use super::{Fault, FaultPlan, RecordedRequest};
use auth::Tokens;
use connect::Dispatcher;
use limits::Limits;
use render::Include;
use state::{Account, Config, Shared, Urls, User};

/// The integration key (client id) the emulator knows unless the builder sets another.
pub const DEFAULT_INTEGRATION_KEY: &str = "5c2b8d7a-4e1f-4a9b-9c3d-2f6e8a1b7c40";
/// The id of the impersonated user unless the builder sets another.
pub const DEFAULT_USER_ID: &str = "9a4f6c21-3b8e-4d7f-a1c5-6e2d9b0f8a13";
/// The id of the default account unless the builder configures accounts.
pub const DEFAULT_ACCOUNT_ID: &str = "0e7d3c5b-8a2f-4b6e-9d1c-7f4a2e8b5c96";
/// The Connect HMAC key unless the builder configures others.
pub const DEFAULT_HMAC_KEY: &str = "emulator-connect-hmac-key";
/// DocuSign's access token lifetime: one hour.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3_600);

/// A running DocuSign emulator. Dropping it stops both listeners and the Connect deliveries.
#[derive(Debug)]
pub struct DocuSignEmulator {
    shared: Arc<Shared>,
    faults: FaultPlan,
    log: RequestLog,
    api: RunningServer,
    auth: RunningServer,
    deliveries: JoinHandle<()>,
}

/// Configures a [`DocuSignEmulator`] before it starts.
#[derive(Debug, Clone)]
pub struct DocuSignEmulatorBuilder {
    integration_key: String,
    user: User,
    accounts: Vec<Account>,
    hmac_keys: Vec<String>,
    token_lifetime: Duration,
    hourly_limit: u32,
    burst_limit: u32,
    consent: bool,
    answer_mode: AnswerMode,
}

impl Default for DocuSignEmulatorBuilder {
    fn default() -> Self {
        Self {
            integration_key: DEFAULT_INTEGRATION_KEY.to_owned(),
            user: User {
                id: DEFAULT_USER_ID.to_owned(),
                name: "Emulator User".to_owned(),
                email: "emulator.user@example.com".to_owned(),
            },
            accounts: Vec::new(),
            hmac_keys: vec![DEFAULT_HMAC_KEY.to_owned()],
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            hourly_limit: limits::DEFAULT_HOURLY_LIMIT,
            burst_limit: limits::DEFAULT_BURST_LIMIT,
            consent: true,
            answer_mode: AnswerMode::Assumed,
        }
    }
}

impl DocuSignEmulatorBuilder {
    /// The integration key (the assertion's `iss`) the auth host knows.
    pub fn integration_key(mut self, key: impl Into<String>) -> Self {
        self.integration_key = key.into();
        self
    }

    /// The id of the impersonated user (the assertion's `sub`).
    pub fn user_id(mut self, id: impl Into<String>) -> Self {
        self.user.id = id.into();
        self
    }

    /// The user's name and e-mail address, as userinfo and envelopes' `sender` show them.
    pub fn user(mut self, name: impl Into<String>, email: impl Into<String>) -> Self {
        self.user.name = name.into();
        self.user.email = email.into();
        self
    }

    /// Adds an account of the user. Once any is added, the built-in default account is gone;
    /// the first account added is the default unless [`default_account`](Self::default_account)
    /// names another.
    pub fn account(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        let is_default = self.accounts.is_empty();
        self.accounts.push(Account {
            id: id.into(),
            name: name.into(),
            is_default,
        });
        self
    }

    /// Makes the account `id` (added with [`account`](Self::account)) the default one.
    pub fn default_account(mut self, id: &str) -> Self {
        for account in &mut self.accounts {
            account.is_default = account.id == id;
        }
        self
    }

    /// The Connect HMAC keys, in order: message signatures go in `X-DocuSign-Signature-1`,
    /// `-2`, ... (default one key, [`DEFAULT_HMAC_KEY`]; none turns signing off).
    pub fn hmac_keys<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.hmac_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// How long issued access tokens stay valid, also reported as `expires_in` (default one
    /// hour).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The API call limits per hour and per 30-second burst (defaults 3,000 and 500).
    pub fn rate_limits(mut self, hourly: u32, burst: u32) -> Self {
        self.hourly_limit = hourly;
        self.burst_limit = burst;
        self
    }

    /// Starts with consent not yet granted: token requests get `consent_required` until
    /// [`grant_consent`](DocuSignEmulator::grant_consent).
    pub fn without_consent(mut self) -> Self {
        self.consent = false;
        self
    }

    /// How the emulator words what it sends (default [`AnswerMode::Assumed`]); requests are
    /// checked the same way in every mode.
    pub fn answer_mode(mut self, mode: AnswerMode) -> Self {
        self.answer_mode = mode;
        self
    }

    /// Starts the emulator on two loopback ports.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound, or when called outside a Tokio runtime.
    pub async fn start(self) -> DocuSignEmulator {
        let mut accounts = self.accounts;
        if accounts.is_empty() {
            accounts.push(Account {
                id: DEFAULT_ACCOUNT_ID.to_owned(),
                name: "Emulator Account".to_owned(),
                is_default: true,
            });
        }
        // Generated before any request needs it: it takes a noticeable moment.
        keys::test_key();
        let config = Config {
            integration_key: self.integration_key,
            user: self.user,
            accounts,
            hmac_keys: self.hmac_keys,
        };
        let (dispatcher, deliveries) = Dispatcher::start();
        let shared = Arc::new(Shared::new(
            config,
            Tokens::new(self.token_lifetime, self.consent),
            Limits::new(self.hourly_limit, self.burst_limit),
            dispatcher,
            self.answer_mode,
        ));
        let faults = FaultPlan::default();
        let log = RequestLog::default();
        let limits_shared = Arc::clone(&shared);
        let api = server::serve_with_rate_limit_answer(
            api::router(Arc::clone(&shared)),
            route::classify_api,
            faults.clone(),
            log.clone(),
            api_error::fault_body,
            Some(Arc::new(move |retry_after: &str| {
                limits_shared.limits.exceeded_answer(retry_after)
            })),
        )
        .await
        .expect("the DocuSign emulator could not bind a loopback port for its API host");
        let auth = server::serve(
            auth::router(Arc::clone(&shared)),
            route::classify_auth,
            faults.clone(),
            log.clone(),
            auth::fault_body,
        )
        .await
        .expect("the DocuSign emulator could not bind a loopback port for its auth host");
        let auth_url = auth.base_url();
        let _ = shared.urls.set(Urls {
            api_base: api.base_url(),
            auth_authority: auth_url
                .strip_prefix("http://")
                .unwrap_or(&auth_url)
                .to_owned(),
        });
        DocuSignEmulator {
            shared,
            faults,
            log,
            api,
            auth,
            deliveries,
        }
    }
}

impl DocuSignEmulator {
    /// Starts an emulator with the default integration key, user, account and HMAC key.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound, or when called outside a Tokio runtime.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A builder for an emulator with other keys, users, accounts, limits or answer mode.
    pub fn builder() -> DocuSignEmulatorBuilder {
        DocuSignEmulatorBuilder::default()
    }

    /// The base URL of the auth host, `http://127.0.0.1:PORT`: `POST {auth_url}/oauth/token`
    /// and `GET {auth_url}/oauth/userinfo`.
    pub fn auth_url(&self) -> String {
        self.auth.base_url()
    }

    /// The bare authority of the auth host, `127.0.0.1:PORT`: the `aud` an assertion must name
    /// (as `account-d.docusign.com` for DocuSign's sandbox).
    pub fn oauth_host(&self) -> String {
        self.shared
            .urls
            .get()
            .map(|urls| urls.auth_authority.clone())
            .unwrap_or_default()
    }

    /// The API host's base URI, `http://127.0.0.1:PORT`, as `/oauth/userinfo` returns it in
    /// `base_uri`; the REST API lives under `{api_base_uri}/restapi/v2.1/accounts/{accountId}`.
    pub fn api_base_uri(&self) -> String {
        self.api.base_url()
    }

    /// The integration key (client id) the auth host knows.
    pub fn integration_key(&self) -> &str {
        &self.shared.config.integration_key
    }

    /// The id of the impersonated user.
    pub fn user_id(&self) -> &str {
        &self.shared.config.user.id
    }

    /// The id of the user's default account.
    pub fn account_id(&self) -> &str {
        self.shared
            .config
            .default_account()
            .map_or("", |account| account.id.as_str())
    }

    /// The integration key's RSA private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), for
    /// signing assertions. The same key for every emulator of the process.
    pub fn private_key_pem(&self) -> &'static str {
        &keys::test_key().private_pem
    }

    /// The Connect HMAC keys, in the order of their signature headers.
    pub fn hmac_keys(&self) -> &[String] {
        &self.shared.config.hmac_keys
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

    /// Every request received by either host, in arrival order, faulted ones included.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.all()
    }

    /// How many requests were received for `route`, faulted ones included.
    pub fn request_count(&self, route: Route) -> usize {
        self.log.count(route.as_str())
    }

    /// How many requests reached the token endpoint, whatever their outcome.
    pub fn token_requests(&self) -> usize {
        self.log.count(Route::Token.as_str())
    }

    /// Makes every access token issued so far invalid: the next API call with one gets 401.
    pub fn expire_tokens(&self) {
        self.shared.tokens.expire_all();
    }

    /// The user withdraws consent: token requests get `consent_required` until
    /// [`grant_consent`](Self::grant_consent). Tokens already issued stay valid.
    pub fn withdraw_consent(&self) {
        self.shared.tokens.set_consent(false);
    }

    /// The user grants consent to the integration key.
    pub fn grant_consent(&self) {
        self.shared.tokens.set_consent(true);
    }

    /// Turns on DocuSign's polling rule: a second GET of the same envelope resource (the
    /// envelope, its recipients, a document) within `interval` is refused with 400
    /// `Hourly_Envelope_Polling_Limit_Exceeded`. DocuSign's interval is 15 minutes.
    pub fn enforce_polling_limit(&self, interval: Duration) {
        self.shared.limits.set_polling_interval(Some(interval));
    }

    /// Turns the polling rule off again.
    pub fn lift_polling_limit(&self) {
        self.shared.limits.set_polling_interval(None);
    }

    /// How the emulator words what it sends now.
    pub fn answer_mode(&self) -> AnswerMode {
        self.shared.mode()
    }

    /// Words every answer and Connect message from now on as `mode` says; a Connect message
    /// takes the mode of the moment its event happens.
    pub fn set_answer_mode(&self, mode: AnswerMode) {
        self.shared.set_mode(mode);
    }

    /// Every change the current answer mode makes to the assumed answers, object by object:
    /// empty in [`AnswerMode::Assumed`], the fields left out in
    /// [`AnswerMode::DocumentedOnly`], the seed's choices in [`AnswerMode::Variant`]. Print it
    /// when an adapter fails against a variant.
    pub fn variations(&self) -> Vec<Variation> {
        self.shared.mode().variations(&answers::ALL)
    }

    /// The envelope `id`, whatever its account, as "get envelope" returns it with
    /// `include=recipients,custom_fields,documents` in [`AnswerMode::Assumed`], whatever the
    /// current mode.
    pub fn envelope(&self, id: &str) -> Option<Value> {
        self.shared
            .read(|store| store.envelope_json(id, Self::everything()))
    }

    /// Every envelope of every account, in creation order, as [`envelope`](Self::envelope)
    /// shows them (in the assumed shape).
    pub fn envelopes(&self) -> Vec<Value> {
        self.shared.read(|store| {
            store
                .envelopes()
                .iter()
                .filter_map(|envelope| store.envelope_json(&envelope.id, Self::everything()))
                .collect()
        })
    }

    fn everything() -> Include {
        Include {
            recipients: true,
            custom_fields: true,
            documents: true,
        }
    }

    /// The signer with this e-mail address (compared case-insensitively) opens the envelope:
    /// they become `delivered`, and the envelope too once no signer whose turn has come still
    /// has it unopened. Opening it again changes nothing.
    pub fn view(&self, envelope_id: &str, email: &str) -> Result<(), EmulatorError> {
        self.shared.write(|store| store.view(envelope_id, email))
    }

    /// The signer signs (opening the envelope first if they had not): they become `completed`;
    /// the next routing order is sent, or the envelope completes. Refused when it is not their
    /// turn.
    pub fn sign(&self, envelope_id: &str, email: &str) -> Result<(), EmulatorError> {
        self.shared.write(|store| store.sign(envelope_id, email))
    }

    /// The signer declines with `reason`, which declines the envelope.
    pub fn decline(
        &self,
        envelope_id: &str,
        email: &str,
        reason: &str,
    ) -> Result<(), EmulatorError> {
        self.shared
            .write(|store| store.decline(envelope_id, email, reason))
    }

    /// Every remaining signer signs, in routing order, completing the envelope.
    pub fn sign_all(&self, envelope_id: &str) -> Result<(), EmulatorError> {
        self.shared.write(|store| store.sign_all(envelope_id))
    }

    /// Every Connect delivery attempted so far, in the order they finished.
    pub fn deliveries(&self) -> Vec<ConnectDelivery> {
        self.shared
            .dispatcher()
            .deliveries()
            .into_iter()
            .map(ConnectDelivery::from)
            .collect()
    }

    /// The first delivery of `event` (such as `envelope-completed`) for the envelope, waiting up
    /// to `timeout` for it to be attempted; `None` if none was by then.
    pub async fn wait_for_delivery(
        &self,
        envelope_id: &str,
        event: &str,
        timeout: Duration,
    ) -> Option<ConnectDelivery> {
        self.shared
            .dispatcher()
            .wait_for(
                |delivery| {
                    delivery.event == event
                        && delivery
                            .envelope_id
                            .as_ref()
                            .is_some_and(|id| id.as_str() == envelope_id)
                },
                timeout,
            )
            .await
            .map(ConnectDelivery::from)
    }

    /// Sends delivery number `index` of [`deliveries`](Self::deliveries) again, byte for byte
    /// and with the same headers (so `retryCount` and the signatures are unchanged), as
    /// DocuSign's retries and duplicates do; returns the new attempt, which is also recorded.
    pub async fn redeliver(&self, index: usize) -> Result<ConnectDelivery, EmulatorError> {
        self.shared
            .dispatcher()
            .redeliver(index)
            .await
            .map(ConnectDelivery::from)
            .ok_or(EmulatorError::UnknownDelivery { index })
    }
}

impl Drop for DocuSignEmulator {
    fn drop(&mut self) {
        self.deliveries.abort();
    }
}

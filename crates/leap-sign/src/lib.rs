//! LEAP Sign (Documill Leap's Sign API) for the signing crates.
//!
//! - [`LeapSign`]: a [`SigningProvider`](signing_core::SigningProvider): parallel or sequential
//!   signing, cc recipients, cancel, delete, and completion callbacks made safe by a per-envelope
//!   token and confirmed by a query.
//! - [`LeapSignClient`]: the typed client of the four documented operations (launch-new, get
//!   process data, cancel, delete), for what the trait does not cover.
//! - [`LeapSignBuilder`]: configuration, from code or from the environment.
//!
//! LEAP cannot list projects, store metadata, deduplicate a launch or hand out the signed
//! document (it is e-mailed); those operations are refused with
//! [`ErrorKind::Unsupported`](signing_core::ErrorKind::Unsupported) before any request.
//! A launch whose answer was lost is
//! [`ErrorKind::OutcomeUnknown`](signing_core::ErrorKind::OutcomeUnknown), never retried.
//!
//! # Example
//!
//! Against the local emulator from `signing-testkit`; in production leave the base URL at its
//! default and use `https` for the callback base.
//!
//! ```
//! use leap_sign::LeapSign;
//! use signing_core::{
//!     Document, EnvelopeStatus, EventKind, NewEnvelope, Party, Signer, SigningOrder,
//!     SigningProvider, WebhookRequest,
//! };
//! use signing_testkit::emulator::leap_sign::LeapSignEmulator;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> signing_core::Result<()> {
//! let emu = LeapSignEmulator::start().await;
//! let leap = LeapSign::builder()
//!     .with_base_url(emu.base_url())
//!     .with_api_key(emu.api_key())
//!     // Where LEAP will post the completion; each envelope gets its own tokened path below it.
//!     .with_callback("http://127.0.0.1:9/leap/callbacks", "a long random callback secret")
//!     .allow_insecure_loopback_callback(true)
//!     .with_default_owner(Party::new("Olga Owner", "olga@example.com"))
//!     .build()?;
//!
//! let request = NewEnvelope::builder()
//!     .title("NDA")
//!     .document(Document::new("nda.pdf", &b"%PDF-1.7\n..."[..]))
//!     .signer(Signer::new("Ada Lovelace", "ada@example.com"))
//!     .signer(Signer::new("Charles Babbage", "charles@example.com"))
//!     .order(SigningOrder::Sequential)
//!     .cc("records@example.com")
//!     .build()?;
//! let envelope = leap.send(&request).await?;
//! assert_eq!(envelope.status, EnvelopeStatus::Sent);
//!
//! // The signers sign in turn (the emulator stands in for their e-mail and browser).
//! emu.sign(envelope.id.as_str(), "ada@example.com").unwrap();
//! emu.sign(envelope.id.as_str(), "charles@example.com").unwrap();
//! assert_eq!(leap.get(&envelope.id).await?.status, EnvelopeStatus::Completed);
//!
//! // LEAP posts to the envelope's callback URL; the application hands what it received over.
//! let delivery = emu
//!     .wait_for_callback(envelope.id.as_str(), std::time::Duration::from_secs(5))
//!     .await
//!     .expect("a callback was attempted");
//! let path = delivery.url.trim_start_matches("http://127.0.0.1:9");
//! let events = leap
//!     .parse_webhook(&WebhookRequest::new(delivery.headers, delivery.body).with_path(path))
//!     .await?;
//! assert_eq!(events[0].kind, EventKind::Completed);
//! assert!(events[0].verified, "confirmed with get process data");
//! # Ok(()) }
//! ```
//!
//! # Callbacks
//!
//! LEAP's completion callback carries no signature. With
//! [`LeapSignBuilder::with_callback`], `send` registers
//! `{callback base}/v2/{nonce}/{expires}/{token}` per launch: a random nonce, an optional expiry
//! ([`LeapSignBuilder::with_callback_lifetime`]) and an HMAC of both under the callback secret
//! (earlier secrets still verify: [`LeapSignBuilder::with_previous_callback_secret`]). Once the
//! launch names its project, the nonce is bound to it ([`CallbackBindings`]).
//! [`parse_webhook`](signing_core::SigningProvider::parse_webhook) takes the path as received
//! (a query after it is ignored), checks the token in constant time and the expiry (on the
//! clock of [`LeapSignBuilder::with_webhook_clock`]), refuses a body naming another project than
//! the URL was issued for, and confirms with "get process data" that the project is completed;
//! only then does it report one verified `completed` event, with the id
//! `leap-sign:completed:{projectId}`, the same in every redelivery: drop duplicates by it once
//! handled. A request with its own
//! [`callback_url`](signing_core::NewEnvelopeBuilder::callback_url) sends that URL as given;
//! its callbacks then cannot be verified here.
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls.
//! - `native-tls`: TLS through the platform's library.
//!
//! # Assumptions
//!
//! Only launch-new is published in detail. The paths of the other three operations, the
//! process data's field names, the callback body (`{"projectId", "status"}`) and the error body
//! (`{"status", "error", "message"}`) are this project's assumptions. Each is kept in one
//! place, so a correction is one edit: the path constants of [`LeapSignClient`], and one serde
//! type per shape ([`ProcessData`], [`CallbackBody`], [`Person`]). Reading is lenient: unknown
//! fields are kept, unknown statuses become `Other`. The full list is in
//! `docs/providers/leap-sign.md`.

// Layers, lowest first; a module imports only from those below it: `wire` (the wire shapes),
// `error` (the provider's name and error body), `client` (the typed API), `webhook` (the
// completion callback), `provider` (the trait), `config` (the builder). LEAP has no tokens,
// so there is no `auth`, and its statuses map in `provider`.
mod client;
mod config;
mod error;
mod provider;
mod webhook;
mod wire;

pub use client::LeapSignClient;
pub use config::{
    DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, ENV_CALLBACK_BASE_URL, ENV_CALLBACK_SECRET,
    LeapSignBuilder, MIN_CALLBACK_SECRET_LEN,
};
pub use error::PROVIDER;
pub use provider::LeapSign;
pub use webhook::{CallbackBindings, InMemoryCallbackBindings};
pub use wire::{
    CallbackBody, DocumentInfo, LaunchDocument, LaunchRequest, PROJECT_ID_FIELDS,
    PROJECT_STATUS_FIELDS, Person, ProcessData, ProjectId, ProjectStatus, SignerTaskStatus,
    Workflow, WorkflowSigner,
};

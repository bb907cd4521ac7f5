//! HeySign API v1 for the signing crates.
//!
//! Two layers:
//! - [`HeySign`], a [`SigningProvider`](signing_core::SigningProvider): send documents for
//!   signing, follow them, cancel, list, and verify HeySign's Standard Webhooks — the same code
//!   an application writes for any provider.
//! - [`HeySignClient`], the typed client for the whole API (agreements, documents, files,
//!   signees, tenants, themes, webhooks), for everything the common trait does not cover.
//!
//! Authentication is OAuth2 client credentials against HeySign's separate auth host; the token
//! is cached, refreshed before it expires, fetched once however many calls need it, and renewed
//! once if the API refuses it.
//!
//! # Example
//!
//! Against the local emulator from `signing-testkit` (the same code runs against the real
//! service with [`HeySignBuilder::from_env`]):
//!
//! ```
//! use signing_core::{Document, EnvelopeStatus, NewEnvelope, Signer, SigningProvider};
//! use signing_testkit::emulator::heysign::HeySignEmulator;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> signing_core::Result<()> {
//! let emulator = HeySignEmulator::start().await;
//! let heysign = heysign::HeySignBuilder::new()
//!     .with_api_url(emulator.api_url())
//!     .with_auth_url(emulator.auth_url())
//!     .with_client_credentials(emulator.client_id(), emulator.client_secret())
//!     .with_issuer("Acme AB")
//!     .build()?;
//!
//! let request = NewEnvelope::builder()
//!     .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
//!     .signer(Signer::new("Ada Lovelace", "ada@example.com"))
//!     .metadata("customer", "42")
//!     .build()?;
//! let envelope = heysign.send(&request).await?;
//! assert_eq!(envelope.status, EnvelopeStatus::Sent);
//!
//! // Provider-specific power stays reachable.
//! let agreement = heysign
//!     .client()
//!     .agreements()
//!     .get(&heysign::AgreementId::new(envelope.id.as_str()))
//!     .await?;
//! assert_eq!(agreement.metadata["customer"], "42");
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls.
//! - `native-tls`: TLS through the platform's library.
//!
//! What HeySign supports, and the choices made where its reference is silent, are in
//! `docs/providers/heysign.md`.

// Layers, lowest first; a module imports only from those below it: `wire` (JSON types),
// `error` (the provider's name and error body), `auth` (tokens), `client` (the typed API),
// `mapping` (to the core's types), `webhook`, `provider` (the trait), `config` (the builder).
mod auth;
mod client;
mod config;
mod error;
mod mapping;
mod provider;
mod webhook;
mod wire;

pub use client::{
    Agreements, Documents, Files, HeySignClient, Signees, Tenants, Themes, Webhooks, paths,
};
pub use config::{
    DEFAULT_API_URL, DEFAULT_AUTH_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ENV_API_URL,
    ENV_AUTH_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ISSUER, ENV_WEBHOOK_SECRET, HeySignBuilder,
};
pub use error::PROVIDER;
pub use provider::{HeySign, MAX_DOCUMENT_SIZE, capabilities};
pub use wire::{
    Agreement, AgreementDocument, AgreementId, AgreementSignee, AgreementStatus, CreatedWebhook,
    Document, DocumentId, DocumentType, EditAgreement, EditSignee, File, FileId, ListPage,
    ListParams, Metadata, NewAgreement, NewDocument, NewSignee, NewTenant, NewTheme, NewWebhook,
    NotificationType, Notifications, PageInfo, Scheduling, Signee, SigneeAttributes, SigneeId,
    SigneeStatus, SortOrder, Tenant, TenantId, Theme, ThemeId, UploadFile, WEBHOOK_SECRET_FIELDS,
    Webhook, WebhookId,
};

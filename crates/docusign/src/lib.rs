//! DocuSign eSignature REST API v2.1 for the signing crates.
//!
//! Two layers:
//! - [`DocuSign`], a [`SigningProvider`](signing_core::SigningProvider): send documents for
//!   signing (in parallel or in routing order, with carbon copies, metadata and a per-envelope
//!   Connect webhook), follow them, void, delete drafts, list, download the signed PDF, and
//!   verify Connect messages — the same code an application writes for any provider.
//! - [`DocuSignClient`], the typed client for what an application needs beyond the trait:
//!   envelopes as drafts, listings by date, status and custom field, recipients, the combined
//!   PDF, the certificate of completion, single documents, and embedded signing sessions.
//!
//! Authentication is DocuSign's JWT grant: an RS256 assertion signed with the integration key's
//! RSA key, for an impersonated user who granted consent once (a refusal for want of consent is
//! a [`ConsentRequired`] error carrying the URL to open). The token is cached, re-minted before
//! it expires, fetched once however many calls need it, and renewed once if the API refuses
//! it; the first token also learns the account's API host from `/oauth/userinfo`.
//!
//! DocuSign allows one read of an envelope every 15 minutes: [`capabilities`] declares it, and
//! `watch` polls no faster. Use a callback URL (Connect) to hear about changes sooner.
//!
//! # Example
//!
//! Against the local emulator from `signing-testkit` (the same code runs against DocuSign with
//! [`DocuSignBuilder::from_env`]):
//!
//! ```
//! use signing_core::{Document, EnvelopeStatus, NewEnvelope, Signer, SigningOrder, SigningProvider};
//! use signing_testkit::emulator::docusign::DocuSignEmulator;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> signing_core::Result<()> {
//! let emulator = DocuSignEmulator::start().await;
//! let docusign = docusign::DocuSignBuilder::new()
//!     .with_auth_url(emulator.auth_url())
//!     .with_integration_key(emulator.integration_key())
//!     .with_user_id(emulator.user_id())
//!     .with_private_key_pem(emulator.private_key_pem())
//!     .build()?;
//!
//! let request = NewEnvelope::builder()
//!     .title("Please sign the lease")
//!     .document(Document::new("lease.pdf", &b"%PDF-1.7 ..."[..]))
//!     .signer(Signer::new("Ada Lovelace", "ada@example.com"))
//!     .signer(Signer::new("Charles Babbage", "charles@example.com"))
//!     .order(SigningOrder::Sequential)
//!     .cc("records@example.com")
//!     .metadata("lease", "42")
//!     .build()?;
//! let envelope = docusign.send(&request).await?;
//! assert_eq!(envelope.status, EnvelopeStatus::Sent);
//!
//! // The signers sign, in routing order (the emulator stands in for them).
//! # let sign = |email: &str| emulator.sign(envelope.id.as_str(), email).map_err(|e| signing_core::Error::invalid_state(e.to_string()));
//! sign("ada@example.com")?;
//! sign("charles@example.com")?;
//! let completed = docusign.get(&envelope.id).await?;
//! assert_eq!(completed.status, EnvelopeStatus::Completed);
//! assert_eq!(completed.metadata["lease"], "42");
//!
//! // Provider-specific power stays reachable: the certificate of completion.
//! let certificate = docusign
//!     .client()
//!     .documents()
//!     .certificate(&docusign::EnvelopeId::new(envelope.id.as_str()))
//!     .await?;
//! assert!(certificate.starts_with(b"%PDF-"));
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls.
//! - `native-tls`: TLS through the platform's library.
//!
//! What DocuSign supports, how to get consent, and the choices made where DocuSign's documents
//! are silent, are in `docs/providers/docusign.md`.

// Layers, lowest first; a module imports only from those below it: `wire` (JSON types),
// `error` (the provider's name and error bodies), `auth` (the JWT grant and the account),
// `client` (the typed API), `mapping` (to the core's types), `webhook` (Connect), `provider`
// (the trait), `config` (the builder).
mod auth;
mod client;
mod config;
mod error;
mod mapping;
mod provider;
mod webhook;
mod wire;

pub use client::{
    DocuSignClient, Documents, Envelopes, ListEnvelopes, MAX_DOWNLOAD_BYTES, RecipientsApi, Views,
    paths,
};
pub use config::{
    DEFAULT_TIMEOUT, DocuSignBuilder, ENV_ACCOUNT_ID, ENV_AUTH_URL, ENV_ENVIRONMENT, ENV_HMAC_KEYS,
    ENV_INTEGRATION_KEY, ENV_PRIVATE_KEY, ENV_PRIVATE_KEY_FILE, ENV_REDIRECT_URI, ENV_USER_ID,
    Environment,
};
pub use error::{ApiError, ConsentRequired, PROVIDER};
pub use provider::{
    DocuSign, LIST_FROM_DATE, MAX_DOCUMENT_SIZE, MIN_POLL_INTERVAL, VOID_REASON, capabilities,
};
pub use webhook::{ConnectVerifier, MAX_SIGNATURE_HEADERS, connect_signature_headers};
pub use wire::{
    AccountId, ConnectData, ConnectEventData, ConnectMessage, CustomFields, DocumentId, Envelope,
    EnvelopeDefinition, EnvelopeEvent, EnvelopeId, EnvelopeStatus, EnvelopeSummary, EnvelopesPage,
    ErrorDetails, EventNotification, NewCarbonCopy, NewDocument, NewRecipients, NewSigner,
    Recipient, RecipientEvent, RecipientId, RecipientStatus, RecipientView, RecipientViewRequest,
    Recipients, TextCustomField, UserAccount,
};

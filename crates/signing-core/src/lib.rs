//! The provider-neutral domain and contract of the signing crates.
//!
//! An application sends documents to be signed by a list of people and learns when they are
//! signed, through one trait, [`SigningProvider`], whatever provider is behind it. This crate
//! holds that contract and the domain it speaks in; it has no HTTP client and no async runtime,
//! so code that only uses the trait stays light.
//!
//! - [`NewEnvelope`]: a validated request (documents, [`Signer`]s, order, cc, metadata, ...).
//! - [`Envelope`], [`EnvelopeStatus`], [`SignerStatus`]: what the provider reports.
//! - [`Event`], [`EventKind`]: what webhooks and callbacks say happened.
//! - [`progress`]: the total order of an envelope's [`Milestone`]s, which makes "a transition"
//!   well defined.
//! - [`RawJson`]: the provider's own payload of an envelope or event, kept as received.
//! - [`Capabilities`]: what a provider supports, checked before any request.
//! - [`Error`], [`ErrorKind`]: one error type for every provider.
//! - [`webhook`]: Standard Webhooks verification and signing.
//! - [`SigningProviderExt`]: `watch` and `list_all`, for every provider.
//! - [`RetryPolicy`], [`Error::from_http_status`]: the retry and status-mapping rules every
//!   adapter shares.
//!
//! # Example
//!
//! ```
//! use signing_core::{Document, NewEnvelope, Signer, SigningOrder, SigningProvider, Result};
//!
//! async fn send_contract(provider: &dyn SigningProvider, pdf: Vec<u8>) -> Result<()> {
//!     let request = NewEnvelope::builder()
//!         .title("Employment contract")
//!         .document(Document::new("contract.pdf", pdf))
//!         .signer(Signer::new("Ada Lovelace", "ada@example.com"))
//!         .signer(Signer::new("Charles Babbage", "charles@example.com"))
//!         .order(SigningOrder::Sequential)
//!         .reference("contract-42")
//!         .build()?; // every rule is checked here, before anything is sent
//!     let envelope = provider.send(&request).await?;
//!     println!("sent {} on {}: {}", envelope.id, envelope.provider, envelope.status);
//!     Ok(())
//! }
//!
//! // Bad input never reaches a provider:
//! let err = NewEnvelope::builder()
//!     .document(Document::new("contract.pdf", &b"%PDF-1.7"[..]))
//!     .signer(Signer::new("Ada", "ada@"))
//!     .build()
//!     .unwrap_err();
//! assert_eq!(err.to_string(), "invalid `signers[0].email`: `ada@` is not an e-mail address");
//! ```
//!
//! # Features
//!
//! - `mocks`: derives `MockSigningProvider`, a [`mockall`](https://docs.rs/mockall) mock of
//!   the trait.

mod capabilities;
#[macro_use]
mod macros;
mod document;
mod envelope;
mod error;
mod event;
mod ext;
mod id;
pub mod net;
pub mod progress;
mod provider;
mod raw;
mod replay;
mod request;
mod retry;
mod status;
pub mod webhook;

pub use capabilities::{Capabilities, Operation};
pub use document::{Document, DocumentFormat, DocumentSource, DocumentStream, OpenDocument};
pub use envelope::{Envelope, EnvelopeSigner};
pub use error::{BoxError, Error, ErrorKind, RateLimitScope, Result, TransportKind};
pub use event::{Event, SignerRef};
pub use ext::{SigningProviderExt, WatchOptions};
pub use id::{EnvelopeId, EventId, SignerId};
pub use progress::{Milestone, Progress, SignerKey, Stage};
#[cfg(any(test, feature = "mocks"))]
pub use provider::MockSigningProvider;
pub use provider::{DocumentWriter, ListQuery, Page, SigningProvider, WebhookRequest};
pub use raw::RawJson;
pub use replay::{InMemoryReplayGuard, ReplayGuard};
pub use request::{
    NationalId, NewEnvelope, NewEnvelopeBuilder, Party, Signer, SigningOrder, limits,
};
pub use retry::{RetryPolicy, parse_retry_after};
pub use status::{EnvelopeStatus, EventKind, SignerStatus};

/// What the exported macros need, not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    /// Whether two names are the same but for case and the separators `_`, `-` and space.
    pub fn same_name(a: &str, b: &str) -> bool {
        let letters = |s: &str| {
            s.bytes()
                .filter(|b| !matches!(b, b'_' | b'-' | b' '))
                .map(|b| b.to_ascii_lowercase())
                .collect::<Vec<u8>>()
        };
        letters(a) == letters(b)
    }
}

/// Secret strings whose `Debug` and `Display` never show the secret; used for every credential.
pub use secrecy::{ExposeSecret, SecretString};

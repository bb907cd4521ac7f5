//! Provider-agnostic e-signatures: send documents to be signed by a list of people and learn
//! when they are signed, through one trait, whatever the provider.
//!
//! This crate is the one dependency an application needs. It re-exports
//! [`signing_core`] (the [`SigningProvider`] trait and its domain) and, behind cargo features,
//! each provider:
//!
//! | feature | provider | module |
//! |---|---|---|
//! | `docusign` | DocuSign eSignature REST API v2.1 | `signing::docusign` |
//! | `heysign` | HeySign API v1 | `signing::heysign` |
//! | `leap-sign` | LEAP Sign (Documill Leap) | `signing::leap_sign` |
//! | `testkit` | the in-memory provider `memory`, mocks, emulators, conformance suite | `signing::testkit` |
//! | `tracker` (+ `tracker-sqlite`, `tracker-postgres`, `tracker-axum`) | durable tracking: a handler called exactly once per envelope transition, across instances | `signing::tracker` |
//!
//! No provider is enabled by default. TLS is `rustls` (default feature) or `native-tls`.
//!
//! # Choosing a provider by configuration
//!
//! [`ProviderConfig`] comes from the environment, a TOML file or a string map and builds an
//! `Arc<dyn SigningProvider>`; swapping providers is one value:
//!
//! ```
//! # #[cfg(feature = "testkit")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> signing::Result<()> {
//! use signing::{Document, NewEnvelope, ProviderConfig, Signer};
//!
//! let provider = ProviderConfig::from_toml_str(r#"provider = "memory""#)?.build()?;
//! let request = NewEnvelope::builder()
//!     .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
//!     .signer(Signer::new("Ada Lovelace", "ada@example.com"))
//!     .build()?;
//! let envelope = provider.send(&request).await?;
//! println!("{} sent on {}", envelope.id, provider.name());
//! # Ok(()) }
//! # #[cfg(not(feature = "testkit"))]
//! # fn main() {}
//! ```
//!
//! Asking for a provider whose feature is off is an error naming the feature to enable.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;

pub use config::{
    DocuSignConfig, ENV_PROVIDER, HeySignConfig, LeapSignConfig, MemoryConfig, ProviderConfig,
    env_keys, parse_name_email, parse_party,
};
pub use signing_core::*;

/// The DocuSign eSignature REST API v2.1 adapter.
#[cfg(feature = "docusign")]
#[cfg_attr(docsrs, doc(cfg(feature = "docusign")))]
pub use docusign;

/// The HeySign API v1 adapter.
#[cfg(feature = "heysign")]
#[cfg_attr(docsrs, doc(cfg(feature = "heysign")))]
pub use heysign;

/// The LEAP Sign adapter.
#[cfg(feature = "leap-sign")]
#[cfg_attr(docsrs, doc(cfg(feature = "leap-sign")))]
pub use leap_sign;

/// Test support: the in-memory provider, mocks, webhook fixtures, emulators and the
/// conformance suite.
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub use signing_testkit as testkit;

/// Durable tracking: learn exactly once when each envelope is signed, across many application
/// instances; stores on SQLite (`tracker-sqlite`) and PostgreSQL (`tracker-postgres`), and a
/// ready axum route (`tracker-axum`).
#[cfg(feature = "tracker")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracker")))]
pub use signing_tracker as tracker;

// The README's Rust snippets compile as doctests, so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

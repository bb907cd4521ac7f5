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
//! | `memory` | the in-memory provider alone, without emulators or mocks (`provider = "memory"`) | `signing::memory` |
//! | `testkit` | the in-memory provider, mocks, emulators, conformance suite (implies `memory`) | `signing::testkit` |
//! | `tracker` (+ `tracker-sqlite`, `tracker-postgres`, `tracker-axum`) | durable tracking: a handler called exactly once per envelope transition, across instances | `signing::tracker` |
//!
//! No provider is enabled by default. TLS is `rustls` (default feature) or `native-tls`.
//!
//! The crates whose types the API uses are re-exported, so this is the only dependency to
//! declare: [`http`], [`bytes`], [`time`], [`futures`] (`futures-util`), [`serde_json`],
//! [`url`] and the [`async_trait`](macro@async_trait) attribute.
//!
//! # Choosing a provider by configuration
//!
//! [`ProviderConfig`] comes from the environment, a TOML file or a string map and builds an
//! `Arc<dyn SigningProvider>`; swapping providers is one value:
//!
//! ```
//! # #[cfg(feature = "memory")]
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
//! # #[cfg(not(feature = "memory"))]
//! # fn main() {}
//! ```
//!
//! Asking for a provider whose feature is off is an error naming the feature to enable.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;

pub use config::{
    BuiltProvider, DocuSignConfig, ENV_PROVIDER, HeySignConfig, LeapSignConfig, MemoryConfig,
    ProviderConfig, env_keys, parse_name_email, parse_party,
};
pub use signing_core::*;

// The crates whose types appear in the API, so that an application needs no other dependency
// (and never guesses a version that differs from the one the API was built with).

/// `#[async_trait]`, to implement [`SigningProvider`] or [`ReplayGuard`] (and LEAP Sign's
/// `CallbackBindings`).
pub use async_trait::async_trait;
/// The [`bytes`] crate: webhook bodies and document contents are [`bytes::Bytes`].
pub use bytes;
/// The [`futures-util`](futures_util) crate, as `futures`: [`SigningProviderExt::watch`] and
/// [`list_all`](SigningProviderExt::list_all) return streams, read with
/// [`futures::TryStreamExt`].
pub use futures_util as futures;
/// The [`http`] crate: a [`WebhookRequest`]'s headers are an [`http::HeaderMap`].
pub use http;
/// The [`serde_json`] crate: [`RawJson`] reads the provider's own payload as a
/// [`serde_json::Value`].
pub use serde_json;
/// The [`time`] crate: every timestamp is a [`time::OffsetDateTime`], and a webhook
/// [`Clock`](webhook::Clock) returns one.
pub use time;
/// The [`url`] crate: [`NewEnvelope::callback_url`] is a [`url::Url`].
pub use url;

/// The in-memory provider alone (feature `memory`, part of `testkit`): a real state machine,
/// a control handle to act as signers, signed deliveries, call recording and failure
/// injection. `provider = "memory"` in a [`ProviderConfig`] builds one.
#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
pub use signing_testkit::memory;

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

// The Rust snippets of the README and of every document in `docs/` compile as doctests of this
// crate, written as an application writes them (`signing::...` paths only), so they cannot
// drift from the API. `tests/docs.rs` checks that every document is listed here, and that
// none of their Rust blocks is skipped.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// The documents in `docs/` whose blocks use providers, the testkit or the tracker compile only
/// with every feature, as `cargo test --workspace --all-features` builds this crate.
#[cfg(all(
    doctest,
    feature = "docusign",
    feature = "heysign",
    feature = "leap-sign",
    feature = "testkit",
    feature = "tracker-sqlite",
    feature = "tracker-postgres",
    feature = "tracker-axum"
))]
mod docs_doctests {
    #[doc = include_str!("../../../docs/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../../../docs/capabilities.md")]
    struct Capabilities;
    #[doc = include_str!("../../../docs/cli.md")]
    struct Cli;
    #[doc = include_str!("../../../docs/performance.md")]
    struct Performance;
    #[doc = include_str!("../../../docs/reliability.md")]
    struct Reliability;
    #[doc = include_str!("../../../docs/sandbox.md")]
    struct Sandbox;
    #[doc = include_str!("../../../docs/testing.md")]
    struct Testing;
    #[doc = include_str!("../../../docs/tracking.md")]
    struct Tracking;
    #[doc = include_str!("../../../docs/webhooks.md")]
    struct Webhooks;
    #[doc = include_str!("../../../docs/providers/docusign.md")]
    struct ProviderDocuSign;
    #[doc = include_str!("../../../docs/providers/heysign.md")]
    struct ProviderHeySign;
    #[doc = include_str!("../../../docs/providers/leap-sign.md")]
    struct ProviderLeapSign;
}

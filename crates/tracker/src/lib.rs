//! Durable tracking of envelopes: learn exactly once when each envelope is signed, across many
//! application instances, restarts and crashes.
//!
//! A [`Tracker`] is fed envelopes after they are sent ([`Tracker::track`]) and the webhooks and
//! callbacks providers post ([`Tracker::ingest`]), reads the envelopes that have gone quiet to
//! fill what webhooks missed (the reconciler, [`Tracker::reconcile_due`]), and calls the
//! application's [`Handler`] once per [`Transition`] of each envelope, in order: `sent`, each
//! signer's signature, then the final status (see [`signing_core::progress`]). Everything goes
//! through [`SigningProvider`](signing_core::SigningProvider) and
//! [`Capabilities`](signing_core::Capabilities), so every provider is tracked the same way, and
//! no envelope is read more often than its provider allows.
//!
//! State lives in a [`Store`](store::Store): [`MemoryStore`](store::MemoryStore) for tests,
//! `SqliteStore` (feature `sqlite`, default) for one instance, `PostgresStore` (feature
//! `postgres`) for many. The guarantee, precisely, is on [`Handler`]; the model, the schema and
//! what to monitor are in `docs/tracking.md`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use signing_core::{Document, NewEnvelope, Signer, SigningProvider};
//! use signing_testkit::MemoryProvider;
//! use signing_tracker::store::MemoryStore;
//! use signing_tracker::{HandlerError, Tracker, Transition};
//!
//! let provider = MemoryProvider::new();
//! let (tx, mut handled) = tokio::sync::mpsc::unbounded_channel();
//! let tracker = Tracker::builder()
//!     .store(MemoryStore::new())
//!     .provider(Arc::new(provider.clone()))
//!     .stale_after(Duration::from_millis(50)) // read quiet envelopes soon, for the example
//!     .tick(Duration::from_millis(10))
//!     .handler(move |transition: Transition| {
//!         let tx = tx.clone();
//!         async move {
//!             tx.send(transition.milestone.key())?;
//!             Ok::<(), HandlerError>(())
//!         }
//!     })
//!     .build()?;
//! let running = tracker.start();
//!
//! let request = NewEnvelope::builder()
//!     .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
//!     .signer(Signer::new("Ada", "ada@example.com"))
//!     .build()?;
//! let envelope = provider.send(&request).await?;
//! tracker.track(&envelope).await?;
//! provider.act(&envelope.id, "ada@example.com", signing_testkit::SignerAction::Sign)?;
//!
//! // No webhook is passed on here: the reconciler reads the envelope and fills the gap.
//! for expected in ["sent", "signed:email:ada@example.com", "finished"] {
//!     assert_eq!(handled.recv().await.as_deref(), Some(expected));
//! }
//! running.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `sqlite` (default): [`store::SqliteStore`].
//! - `postgres`: [`store::PostgresStore`].
//! - `axum`: [`axum::router`], a ready webhook route.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
pub mod axum;
mod error;
mod handler;
mod ingest;
mod reconciler;
pub mod store;
mod tracker;
mod transition;

/// `sqlx`, whose pool the SQL stores take and hand out (`PostgresStore::from_pool`,
/// `PostgresStore::pool`), for a handler that writes its effect in the same database.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub use sqlx;

pub use error::Error;
pub use handler::{Handler, HandlerError};
pub use ingest::Ingested;
pub use reconciler::Reconciled;
pub use tracker::{Metrics, Running, Tracked, Tracker, TrackerBuilder};
pub use transition::{Source, Transition, TransitionId};

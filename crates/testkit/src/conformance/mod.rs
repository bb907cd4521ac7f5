//! The conformance suite: one public async function per clause of the
//! [`SigningProvider`] contract, and [`run_all`] to run every clause a provider's declared
//! capabilities call for.
//!
//! An adapter proves it honours the contract by implementing [`Harness`] (how the suite reaches
//! the provider, acts as a signer and receives the provider's webhooks) and calling
//! [`run_all`]. The same suite drives the in-memory provider ([`MemoryHarness`]) and each
//! adapter against its local emulator.
//!
//! ```
//! use signing_testkit::conformance::{MemoryHarness, run_all};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let report = run_all(&MemoryHarness::new()).await;
//! println!("{report}");
//! assert!(report.passed.contains(&"completion_produces_a_verified_completed_event"));
//! # }
//! ```
//!
//! **Stability**: clauses are added and sharpened as the contract is; the suite may change in
//! minor releases.

mod clauses;

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::FutureExt;
use signing_core::{
    Document, EnvelopeId, NewEnvelopeBuilder, Result, SigningProvider, WebhookRequest,
};

pub use clauses::*;

use crate::memory::{MemoryProvider, SignerAction};
use crate::webhooks::tamper;

/// A small but well-formed PDF the suite sends unless the harness supplies another document.
pub const SAMPLE_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// How the suite reaches a provider under test.
#[async_trait]
pub trait Harness: Send + Sync {
    /// The provider's type: a concrete adapter, or `dyn SigningProvider`.
    type Provider: SigningProvider + ?Sized;

    /// The provider under test.
    fn provider(&self) -> &Self::Provider;

    /// Makes the signer `email` of envelope `id` do `action`, as a person would in the
    /// provider's signing portal. Must fail when the provider would not allow it (for example
    /// signing out of turn).
    async fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<()>;

    /// The next webhook or callback request the provider delivered, exactly as received, or
    /// `None` if none arrives within `timeout`.
    async fn next_webhook(&self, timeout: Duration) -> Option<WebhookRequest>;

    /// How many requests the provider has received so far (HTTP requests for an emulator).
    /// The suite compares two readings to prove that a refusal made no request.
    fn requests_seen(&self) -> usize;

    /// A forged version of a genuine delivery, which the provider must refuse. The default
    /// changes one byte of the body, which breaks a signature.
    fn forge(&self, delivery: &WebhookRequest) -> WebhookRequest {
        let mut forged = delivery.clone();
        forged.body = tamper(&delivery.body);
        forged
    }

    /// An id in the provider's format that names no envelope.
    fn unknown_id(&self) -> EnvelopeId {
        EnvelopeId::new("00000000-0000-4000-8000-000000000000")
    }

    /// The document the suite sends.
    fn document(&self) -> Document {
        Document::new("conformance.pdf", SAMPLE_PDF)
    }

    /// Adds what this provider needs to every request the suite builds (an owner, say).
    fn customize(&self, builder: NewEnvelopeBuilder) -> NewEnvelopeBuilder {
        builder
    }

    /// How long to wait for a webhook the provider should deliver.
    fn event_timeout(&self) -> Duration {
        Duration::from_secs(5)
    }

    /// Whether the provider's answers name each envelope's signers and where each one is.
    /// `false` for a provider that answers without them (LEAP Sign's signer list is not
    /// documented): the suite then checks that no signer is reported as signed too early, and
    /// skips the checks of each signer by name. Default `true`.
    fn reads_signers(&self) -> bool {
        true
    }
}

/// The result of one clause.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The clause was checked and holds.
    Passed,
    /// The clause does not apply to this provider's capabilities.
    Skipped(&'static str),
}

/// What [`run_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Clauses checked.
    pub passed: Vec<&'static str>,
    /// Clauses that did not apply, and why.
    pub skipped: Vec<(&'static str, &'static str)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} clauses passed, {} skipped",
            self.passed.len(),
            self.skipped.len()
        )?;
        for (clause, why) in &self.skipped {
            writeln!(f, "  skipped {clause}: {why}")?;
        }
        Ok(())
    }
}

/// Runs every clause, one after the other, and panics with the list of failing clauses if any
/// fails. Clauses that do not apply to the provider's capabilities are skipped and reported.
pub async fn run_all<H: Harness>(harness: &H) -> Report {
    macro_rules! clauses {
        ($($clause:ident),+ $(,)?) => {
            vec![$((stringify!($clause), AssertUnwindSafe($clause(harness)).catch_unwind().boxed())),+]
        };
    }
    let clauses = clauses![
        send_then_get_agree,
        invalid_requests_are_refused_naming_the_field,
        unsupported_options_are_refused_before_any_request,
        unsupported_operations_are_refused_before_any_request,
        unknown_id_is_not_found,
        sequential_order_is_enforced,
        completion_produces_a_verified_completed_event,
        duplicate_and_out_of_order_events_are_tolerated,
        forged_webhook_is_rejected,
        cancel_ends_the_envelope,
        list_pages_and_filters_by_metadata,
        send_with_a_reference_is_idempotent,
        download_returns_the_signed_document,
    ];
    let mut report = Report::default();
    let mut failures = Vec::new();
    for (name, clause) in clauses {
        match clause.await {
            Ok(Outcome::Passed) => report.passed.push(name),
            Ok(Outcome::Skipped(why)) => report.skipped.push((name, why)),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "panicked".to_owned());
                failures.push(format!("{name}: {message}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance clauses failed for `{}`:\n{}",
        failures.len(),
        failures.len() + report.passed.len() + report.skipped.len(),
        harness.provider().name(),
        failures.join("\n")
    );
    report
}

/// Runs the suite against a [`MemoryProvider`]: the reference every adapter is compared with.
#[derive(Debug, Clone, Default)]
pub struct MemoryHarness {
    provider: MemoryProvider,
}

impl MemoryHarness {
    /// A harness around a new provider with every capability.
    pub fn new() -> Self {
        Self::default()
    }

    /// A harness around `provider` (for example one declaring fewer capabilities).
    pub fn with_provider(provider: MemoryProvider) -> Self {
        Self { provider }
    }
}

#[async_trait]
impl Harness for MemoryHarness {
    type Provider = MemoryProvider;

    fn provider(&self) -> &MemoryProvider {
        &self.provider
    }

    async fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<()> {
        self.provider.act(id, email, action)
    }

    async fn next_webhook(&self, timeout: Duration) -> Option<WebhookRequest> {
        self.provider.next_delivery(timeout).await
    }

    fn requests_seen(&self) -> usize {
        self.provider.backend_requests()
    }
}

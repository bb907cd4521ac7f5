//! The conformance suite against the in-memory provider: as a concrete type, as
//! `Arc<dyn SigningProvider>`, and as a weaker provider.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use signing_core::{
    Capabilities, DocumentFormat, EnvelopeId, Result, SigningProvider, WebhookRequest,
};
use signing_testkit::conformance::{Harness, MemoryHarness, run_all};
use signing_testkit::memory::{MemoryProvider, SignerAction};

#[tokio::test]
async fn memory_provider_passes_every_clause() {
    let report = run_all(&MemoryHarness::new()).await;
    // With every capability there is nothing to refuse as unsupported.
    let skipped: Vec<&str> = report.skipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        skipped,
        [
            "unsupported_options_are_refused_before_any_request",
            "unsupported_operations_are_refused_before_any_request",
        ],
        "{report}"
    );
    assert_eq!(report.passed.len(), 11, "{report}");
}

/// The same provider seen only through `Arc<dyn SigningProvider>`.
struct DynHarness {
    provider: Arc<dyn SigningProvider>,
    control: MemoryProvider,
}

#[async_trait]
impl Harness for DynHarness {
    type Provider = dyn SigningProvider;

    fn provider(&self) -> &(dyn SigningProvider + 'static) {
        &*self.provider
    }

    async fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<()> {
        self.control.act(id, email, action)
    }

    async fn next_webhook(&self, timeout: Duration) -> Option<WebhookRequest> {
        self.control.next_delivery(timeout).await
    }

    fn requests_seen(&self) -> usize {
        self.control.backend_requests()
    }
}

#[tokio::test]
async fn memory_provider_passes_every_clause_as_a_trait_object() {
    let control = MemoryProvider::new();
    let harness = DynHarness {
        provider: Arc::new(control.clone()),
        control,
    };
    let report = run_all(&harness).await;
    assert_eq!(report.passed.len(), 11, "{report}");
}

#[tokio::test]
async fn a_weaker_provider_is_checked_on_what_it_lacks() {
    // Shaped like a provider with parallel signing only, no cc, no callbacks, PDF only.
    let mut caps = Capabilities::default();
    caps.parallel_signing = true;
    caps.verified_webhooks = true;
    caps.formats = vec![DocumentFormat::Pdf];
    caps.max_document_size = Some(1024);
    let provider = MemoryProvider::builder().capabilities(caps).build();
    let report = run_all(&MemoryHarness::with_provider(provider.clone())).await;
    let skipped: Vec<&str> = report.skipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        skipped,
        [
            "sequential_order_is_enforced",
            "cancel_ends_the_envelope",
            "list_pages_and_filters_by_metadata",
            "send_with_a_reference_is_idempotent",
            "download_returns_the_signed_document",
        ],
        "{report}"
    );
    assert!(
        report
            .passed
            .contains(&"unsupported_options_are_refused_before_any_request")
    );
    assert!(
        report
            .passed
            .contains(&"unsupported_operations_are_refused_before_any_request")
    );
}

#[tokio::test]
async fn a_broken_provider_fails_the_suite() {
    // A provider that loses its envelopes must not pass: the suite is not vacuous.
    let provider = MemoryProvider::new();
    provider.fail_next(
        signing_testkit::memory::CallKind::Get,
        100,
        signing_core::ErrorKind::NotFound {
            message: "lost".into(),
        },
    );
    let harness = MemoryHarness::with_provider(provider);
    let outcome =
        futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(run_all(&harness)))
            .await;
    let panic = outcome.expect_err("the suite must fail");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("send_then_get_agree"), "{message}");
}

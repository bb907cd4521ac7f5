//! The conformance suite: the HeySign adapter against the HeySign emulator.

mod support;

use signing_testkit::conformance::run_all;

#[tokio::test]
async fn heysign_passes_the_conformance_suite() {
    let harness = support::HeySignHarness::start().await;
    let report = run_all(&harness).await;
    let skipped: Vec<&str> = report.skipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        skipped,
        [
            "sequential_order_is_enforced",
            "download_returns_the_signed_document"
        ],
        "{report}"
    );
}

//! The conformance suite: the HeySign adapter against the HeySign emulator.

mod support;

use signing_testkit::conformance::run_all;
use signing_testkit::emulator::AnswerMode;

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

/// The suite again with answers that disagree with the project's assumptions: only the
/// documented fields, then a few seeded variants of what the documents leave open.
#[tokio::test]
async fn heysign_passes_the_conformance_suite_in_every_answer_mode() {
    let modes = [AnswerMode::DocumentedOnly]
        .into_iter()
        .chain((0..3).map(|seed| AnswerMode::Variant { seed }));
    for mode in modes {
        let harness = support::HeySignHarness::start().await;
        harness.emulator.set_answer_mode(mode);
        // run_all panics with the failing clauses.
        let report = run_all(&harness).await;
        assert_eq!(report.skipped.len(), 2, "{mode:?}: {report}");
    }
}

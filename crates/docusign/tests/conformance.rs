//! The contract's conformance suite: the DocuSign adapter against the DocuSign emulator over
//! HTTP, with Connect messages delivered to a real loopback receiver.

mod support;

use signing_core::SigningProvider;
use signing_testkit::conformance::{Report, run_all};
use signing_testkit::emulator::AnswerMode;
use support::DocuSignHarness;

fn assert_report(report: &Report) {
    // DocuSign offers every operation of the trait, so no operation is left to refuse.
    let skipped: Vec<&str> = report.skipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        skipped,
        ["unsupported_operations_are_refused_before_any_request"],
        "{report}"
    );
    assert_eq!(report.passed.len(), 12, "{report}");
}

#[tokio::test]
async fn docusign_passes_the_conformance_suite() {
    let harness = DocuSignHarness::start().await;
    assert_report(&run_all(&harness).await);
}

#[tokio::test]
async fn docusign_passes_as_a_dyn_signing_provider() {
    let harness =
        DocuSignHarness::<dyn SigningProvider>::start_as(|docusign| Box::new(docusign)).await;
    assert_report(&run_all(&harness).await);
}

/// The suite again with answers that disagree with the project's assumptions: only the
/// documented fields, then a few seeded variants of what the documents leave open.
#[tokio::test]
async fn docusign_passes_the_conformance_suite_in_every_answer_mode() {
    let modes = [AnswerMode::DocumentedOnly]
        .into_iter()
        .chain((0..3).map(|seed| AnswerMode::Variant { seed }));
    for mode in modes {
        let harness = DocuSignHarness::start().await;
        harness.emulator.set_answer_mode(mode);
        assert_report(&run_all(&harness).await);
    }
}

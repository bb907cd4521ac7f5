//! The contract's conformance suite, run against the adapter talking to the LEAP emulator over
//! HTTP, with callbacks delivered to a real loopback receiver.

mod support;

use std::time::Duration;

use async_trait::async_trait;
use leap_sign::LeapSign;
use signing_core::{EnvelopeId, Error, Result, SigningProvider, WebhookRequest};
use signing_testkit::conformance::{Harness, run_all};
use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use signing_testkit::emulator::{AnswerMode, Variation, VariationKind};
use signing_testkit::memory::SignerAction;
use support::Receiver;

/// The emulator, the application's callback receiver, and the adapter under test as `P`: the
/// concrete `LeapSign`, or `dyn SigningProvider`.
struct LeapHarness<P: ?Sized> {
    emu: LeapSignEmulator,
    receiver: Receiver,
    provider: Box<P>,
    reads_signers: bool,
}

impl<P: SigningProvider + ?Sized> LeapHarness<P> {
    async fn start(wrap: fn(LeapSign) -> Box<P>) -> Self {
        let emu = LeapSignEmulator::start().await;
        let receiver = Receiver::start().await;
        // The suite builds requests without an owner: the default owner stands in.
        let provider = support::builder(&emu.base_url(), emu.api_key())
            .with_callback(support::callback_base(&receiver), support::CALLBACK_SECRET)
            .allow_insecure_loopback_callback(true)
            .with_default_owner(support::owner())
            .build()
            .expect("valid configuration");
        Self {
            emu,
            receiver,
            provider: wrap(provider),
            reads_signers: true,
        }
    }
}

#[async_trait]
impl<P: SigningProvider + ?Sized> Harness for LeapHarness<P> {
    type Provider = P;

    fn provider(&self) -> &P {
        &self.provider
    }

    fn reads_signers(&self) -> bool {
        self.reads_signers
    }

    async fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<()> {
        match action {
            SignerAction::Sign => self
                .emu
                .sign(id.as_str(), email)
                .map_err(|why| Error::invalid_state(why.to_string())),
            other => Err(Error::unsupported(
                format!("signer action {other:?}"),
                "leap-sign emulator",
            )),
        }
    }

    async fn next_webhook(&self, timeout: Duration) -> Option<WebhookRequest> {
        self.receiver.next(timeout).await
    }

    fn requests_seen(&self) -> usize {
        self.emu.requests().len()
    }

    fn forge(&self, delivery: &WebhookRequest) -> WebhookRequest {
        // The token is the last path segment; flipping its first character keeps it base64url.
        let (prefix, token) = delivery
            .path
            .rsplit_once('/')
            .expect("a tokened callback path");
        let flipped = if token.starts_with('A') { 'B' } else { 'A' };
        let forged_path = format!("{prefix}/{flipped}{}", &token[1..]);
        delivery.clone().with_path(forged_path)
    }
}

fn assert_report(report: &signing_testkit::conformance::Report) {
    let skipped: Vec<&str> = report.skipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        skipped,
        [
            "list_pages_and_filters_by_metadata",
            "send_with_a_reference_is_idempotent",
            "download_returns_the_signed_document",
        ],
        "{report}"
    );
    assert_eq!(report.passed.len(), 10, "{report}");
}

#[tokio::test]
async fn leap_sign_passes_the_conformance_suite() {
    let harness = LeapHarness::start(Box::new).await;
    assert_report(&run_all(&harness).await);
}

#[tokio::test]
async fn leap_sign_passes_as_a_dyn_signing_provider() {
    let harness = LeapHarness::<dyn SigningProvider>::start(|leap| Box::new(leap)).await;
    assert_report(&run_all(&harness).await);
}

/// The suite again with answers that disagree with the project's assumptions: only the
/// documented fields, then seeded variants of what the documents leave open: two as they come,
/// and the first that keeps the signer list readable, so each signer is checked by name too.
#[tokio::test]
async fn leap_sign_passes_the_conformance_suite_in_every_answer_mode() {
    let probe = LeapSignEmulator::start().await;
    let readable = (2..1_000)
        .find(|seed| {
            probe.set_answer_mode(AnswerMode::Variant { seed: *seed });
            workflow_intact(&probe.variations())
        })
        .expect("a variant keeps the signer list");
    let modes = [
        AnswerMode::DocumentedOnly,
        AnswerMode::Variant { seed: 0 },
        AnswerMode::Variant { seed: 1 },
        AnswerMode::Variant { seed: readable },
    ];
    for mode in modes {
        let mut harness = LeapHarness::start(Box::new).await;
        harness.emu.set_answer_mode(mode);
        harness.reads_signers = workflow_intact(&harness.emu.variations());
        assert_eq!(
            harness.reads_signers,
            mode == AnswerMode::Variant { seed: readable },
            "{mode:?}"
        );
        assert_report(&run_all(&harness).await);
    }
}

/// Whether a variant leaves the undocumented signer list as the adapter reads it: none of the
/// fields that name a signer and say whether they signed moved, left out or null (extra fields,
/// recased statuses and other formats are read).
fn workflow_intact(variations: &[Variation]) -> bool {
    const READ: [&str; 5] = [
        "workflow",
        "workflow.signers",
        "workflow.signers[].email",
        "workflow.signers[].status",
        "workflow.signers[].signed",
    ];
    !variations.iter().any(|variation| {
        let dropped = matches!(
            variation.kind,
            VariationKind::RenamedField | VariationKind::MissingField | VariationKind::NullField
        );
        dropped && variation.object == "process data" && READ.contains(&variation.field.as_str())
    })
}

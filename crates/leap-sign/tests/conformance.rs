//! The contract's conformance suite, run against the adapter talking to the LEAP emulator over
//! HTTP, with callbacks delivered to a real loopback receiver.

mod support;

use std::time::Duration;

use async_trait::async_trait;
use leap_sign::LeapSign;
use signing_core::{EnvelopeId, Error, Result, SigningProvider, WebhookRequest};
use signing_testkit::conformance::{Harness, run_all};
use signing_testkit::emulator::AnswerMode;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;
use signing_testkit::memory::SignerAction;
use support::Receiver;

/// The emulator, the application's callback receiver, and the adapter under test as `P`: the
/// concrete `LeapSign`, or `dyn SigningProvider`.
struct LeapHarness<P: ?Sized> {
    emu: LeapSignEmulator,
    receiver: Receiver,
    provider: Box<P>,
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
        }
    }
}

#[async_trait]
impl<P: SigningProvider + ?Sized> Harness for LeapHarness<P> {
    type Provider = P;

    fn provider(&self) -> &P {
        &self.provider
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
/// documented fields, then a few seeded variants of what the documents leave open.
#[tokio::test]
async fn leap_sign_passes_the_conformance_suite_in_every_answer_mode() {
    let modes = [AnswerMode::DocumentedOnly]
        .into_iter()
        .chain((0..3).map(|seed| AnswerMode::Variant { seed }));
    for mode in modes {
        let harness = LeapHarness::start(Box::new).await;
        harness.emu.set_answer_mode(mode);
        assert_report(&run_all(&harness).await);
    }
}

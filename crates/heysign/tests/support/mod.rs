//! A HeySign adapter wired to a local emulator and a local webhook receiver.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use async_trait::async_trait;
use heysign::{HeySign, HeySignBuilder};
use signing_core::webhook::WebhookSecret;
use signing_core::{EnvelopeId, Error, Result, RetryPolicy, WebhookRequest};
use signing_testkit::SignerAction;
use signing_testkit::conformance::Harness;
use signing_testkit::emulator::heysign::HeySignEmulator;

pub use signing_testkit::receiver::Receiver;

/// Where the application receives HeySign's webhooks.
pub const HOOKS: &str = "/hooks";

/// A builder pointed at `emulator`, with fast retries.
pub fn builder(emulator: &HeySignEmulator) -> HeySignBuilder {
    HeySignBuilder::new()
        .with_api_url(emulator.api_url())
        .with_auth_url(emulator.auth_url())
        .with_client_credentials(emulator.client_id(), emulator.client_secret())
        .with_issuer("Conformance AB")
        .with_retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(50)),
        )
}

pub struct HeySignHarness {
    pub emulator: HeySignEmulator,
    pub provider: HeySign,
    pub receiver: Receiver,
}

impl HeySignHarness {
    pub async fn start() -> Self {
        Self::start_with(|b| b).await
    }

    pub async fn start_with(configure: impl FnOnce(HeySignBuilder) -> HeySignBuilder) -> Self {
        let emulator = HeySignEmulator::start().await;
        let receiver = Receiver::start().await;
        let (_, secret) = emulator.register_webhook(&receiver.url(HOOKS), &[]);
        let provider =
            configure(builder(&emulator).with_webhook_secret(WebhookSecret::new(&secret).unwrap()))
                .build()
                .unwrap();
        Self {
            emulator,
            provider,
            receiver,
        }
    }

    /// The signee id of `email` in agreement `id`.
    pub fn signee_id(&self, id: &EnvelopeId, email: &str) -> Option<String> {
        self.emulator
            .signees_of(id.as_str())
            .into_iter()
            .find(|s| {
                s["attributes"]["email"]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .and_then(|s| s["id"].as_str().map(str::to_owned))
    }
}

#[async_trait]
impl Harness for HeySignHarness {
    type Provider = HeySign;

    fn provider(&self) -> &HeySign {
        &self.provider
    }

    async fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<()> {
        let signee = self
            .signee_id(id, email)
            .ok_or_else(|| Error::not_found(format!("{email} in {id}")))?;
        let outcome = match action {
            SignerAction::View => self.emulator.open_sign_session(&signee),
            SignerAction::Sign => self.emulator.sign(&signee),
            _ => return Err(Error::unsupported("declining", "heysign")),
        };
        outcome.map_err(|e| Error::invalid_state(e.to_string()))
    }

    async fn next_webhook(&self, timeout: Duration) -> Option<WebhookRequest> {
        self.receiver.next(timeout).await
    }

    fn requests_seen(&self) -> usize {
        self.emulator.requests().len()
    }
}

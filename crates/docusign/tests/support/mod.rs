//! A DocuSign adapter wired to a local emulator and a local Connect receiver.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use async_trait::async_trait;
use docusign::{DocuSign, DocuSignBuilder};
use signing_core::{
    EnvelopeId, Error, NewEnvelopeBuilder, Result, RetryPolicy, SigningProvider, WebhookRequest,
};
use signing_testkit::SignerAction;
use signing_testkit::conformance::Harness;
use signing_testkit::emulator::docusign::DocuSignEmulator;

pub use signing_testkit::receiver::Receiver;

/// Where the application receives Connect messages.
pub const CONNECT: &str = "/connect";

/// Fast retries, so fault tests stay quick.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(50))
}

/// A builder pointed at `emulator`, with its key and HMAC keys, and fast retries.
pub fn builder(emulator: &DocuSignEmulator) -> DocuSignBuilder {
    DocuSignBuilder::new()
        .with_auth_url(emulator.auth_url())
        .with_integration_key(emulator.integration_key())
        .with_user_id(emulator.user_id())
        .with_private_key_pem(emulator.private_key_pem())
        .with_hmac_keys(emulator.hmac_keys().iter().cloned())
        .with_retry(fast_retries())
}

/// The emulator's refusal as the error a person's action would meet.
pub fn refused(e: impl std::fmt::Display) -> Error {
    Error::invalid_state(e.to_string())
}

/// The emulator, the application's Connect receiver, and the adapter under test as `P`: the
/// concrete `DocuSign`, or `dyn SigningProvider`.
pub struct DocuSignHarness<P: ?Sized = DocuSign> {
    pub emulator: DocuSignEmulator,
    pub receiver: Receiver,
    pub provider: Box<P>,
}

impl DocuSignHarness<DocuSign> {
    pub async fn start() -> Self {
        Self::start_as(Box::new).await
    }
}

impl<P: SigningProvider + ?Sized> DocuSignHarness<P> {
    pub async fn start_as(wrap: fn(DocuSign) -> Box<P>) -> Self {
        Self::start_with(DocuSignEmulator::start().await, wrap).await
    }

    pub async fn start_with(emulator: DocuSignEmulator, wrap: fn(DocuSign) -> Box<P>) -> Self {
        let receiver = Receiver::start().await;
        let provider = builder(&emulator).build().unwrap();
        Self {
            emulator,
            receiver,
            provider: wrap(provider),
        }
    }
}

#[async_trait]
impl<P: SigningProvider + ?Sized> Harness for DocuSignHarness<P> {
    type Provider = P;

    fn provider(&self) -> &P {
        &self.provider
    }

    async fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<()> {
        let id = id.as_str();
        match action {
            SignerAction::View => self.emulator.view(id, email),
            SignerAction::Sign => self.emulator.sign(id, email),
            _ => self.emulator.decline(id, email, "I do not agree."),
        }
        .map_err(refused)
    }

    async fn next_webhook(&self, timeout: Duration) -> Option<WebhookRequest> {
        self.receiver.next(timeout).await
    }

    fn requests_seen(&self) -> usize {
        self.emulator.requests().len()
    }

    /// Every envelope of the suite reports to the receiver through its own Connect
    /// notification.
    fn customize(&self, builder: NewEnvelopeBuilder) -> NewEnvelopeBuilder {
        builder
            .callback_url(self.receiver.url(CONNECT))
            .allow_insecure_loopback_callback(true)
    }
}

/// A part of a multipart body: its header lines and its content.
pub type Part = (Vec<(String, String)>, Vec<u8>);

/// The parts of a `multipart/form-data` body sent with `content_type`: each part's header lines
/// (names lowercased) and content.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<Part> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a multipart content type")
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut parts = Vec::new();
    let find = |from: usize, needle: &[u8]| {
        text[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut at = find(0, delimiter.as_bytes()).expect("a first boundary") + delimiter.len();
    while !text[at..].starts_with(b"--") {
        at += 2; // CRLF after the boundary
        let blank = find(at, b"\r\n\r\n").expect("headers end");
        let headers = String::from_utf8(text[at..blank].to_vec())
            .unwrap()
            .split("\r\n")
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.trim().to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        let closing = format!("\r\n{delimiter}");
        let end = find(blank + 4, closing.as_bytes()).expect("a closing boundary");
        parts.push((headers, text[blank + 4..end].to_vec()));
        at = end + closing.len();
    }
    parts
}

/// The header `name` of a part.
pub fn part_header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

//! What the integration tests share: documents, a callback receiver, a configured adapter and
//! a reader of recorded multipart bodies.
// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart};
use axum::http::{HeaderMap, Request};
use leap_sign::{LeapSign, LeapSignBuilder};
use signing_core::{Document, NewEnvelope, NewEnvelopeBuilder, Party, RetryPolicy, Signer};
use signing_testkit::emulator::leap_sign::LeapSignEmulator;

pub(crate) const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
pub(crate) const CALLBACK_SECRET: &str = "test callback secret, long enough";
pub(crate) const DOCX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The smallest content recognised as DOCX: a zip whose entry is `word/document.xml`.
pub(crate) fn docx() -> Vec<u8> {
    let mut bytes = b"PK\x03\x04\x14\x00\x00\x00\x00\x00".to_vec();
    bytes.extend_from_slice(b"word/document.xml<w:document/>");
    bytes
}

pub(crate) fn owner() -> Party {
    Party::new("Olga Owner", "olga@example.com")
}

/// A request for `signers` signers named `s{i}@example.com`, with an owner.
pub(crate) fn request(signers: usize) -> NewEnvelopeBuilder {
    NewEnvelope::builder()
        .title("NDA")
        .document(Document::new("nda.pdf", PDF))
        .signers((0..signers).map(|i| Signer::new(format!("Signer {i}"), signer(i))))
        .owner(owner())
}

pub(crate) fn signer(i: usize) -> String {
    format!("s{i}@example.com")
}

/// Quick retries, so fault tests stay fast.
pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(100))
        .max_elapsed(Duration::from_secs(10))
}

/// An adapter pointed at `base_url` with `key`, fast retries and short timeouts.
pub(crate) fn builder(base_url: &str, key: &str) -> LeapSignBuilder {
    LeapSign::builder()
        .with_base_url(base_url)
        .with_api_key(key.to_owned())
        .with_retry(fast_retry())
        .with_timeout(Duration::from_secs(2))
        .with_connect_timeout(Duration::from_millis(500))
}

/// An adapter for `emu` whose callbacks go to `receiver`.
pub(crate) fn adapter(emu: &LeapSignEmulator, receiver: &Receiver) -> LeapSign {
    builder(&emu.base_url(), emu.api_key())
        .with_callback(callback_base(receiver), CALLBACK_SECRET)
        .allow_insecure_loopback_callback(true)
        .build()
        .expect("valid configuration")
}

pub(crate) use signing_testkit::receiver::Receiver;

/// The adapter's callback base URL on `receiver`: where the application serves callbacks.
pub(crate) fn callback_base(receiver: &Receiver) -> String {
    receiver.url("/leap/callbacks")
}

/// One part of a recorded `multipart/form-data` body.
#[derive(Debug, Clone)]
pub(crate) struct FormPart {
    pub(crate) name: String,
    pub(crate) file_name: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
}

impl FormPart {
    pub(crate) fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a text part")
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON part")
    }
}

/// Reads a recorded multipart body with axum's own parser.
pub(crate) async fn form_parts(headers: &HeaderMap, body: &[u8]) -> Vec<FormPart> {
    let mut request = Request::builder().method("POST").uri("/");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let request = request
        .body(axum::body::Body::from(body.to_vec()))
        .expect("request");
    let mut form = Multipart::from_request(request, &())
        .await
        .expect("a multipart/form-data body");
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.expect("well-formed part") {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let body = field.bytes().await.expect("part body");
        parts.push(FormPart {
            name,
            file_name,
            content_type,
            body,
        });
    }
    parts
}

/// The part named `name`.
pub(crate) fn part<'a>(parts: &'a [FormPart], name: &str) -> &'a FormPart {
    parts
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no part {name} in {parts:?}"))
}

/// The callback path the adapter registered with the last launch-new the emulator received.
pub(crate) async fn registered_callback_path(emu: &LeapSignEmulator) -> String {
    let launch = emu
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.route == Some("launch-new"))
        .expect("a launch-new request");
    let parts = form_parts(&launch.headers, &launch.body).await;
    let url = part(&parts, "signTasksCompletedCallbackUrl")
        .text()
        .to_owned();
    let url = url::Url::parse(&url).expect("an absolute callback URL");
    url.path().to_owned()
}

//! The RSA private key, the JWT assertions, the access tokens and the Connect HMAC keys never
//! show: not in any log line at TRACE level (the adapter's and the HTTP stack's), not in `Debug`
//! of the builder, the provider or the client, and not in any error (`Display`, `Debug`, or a
//! source's), including errors from refused grants, missing consent and failed verifications.

mod support;

use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use docusign::connect_signature_headers;
use signing_core::{
    Document, EnvelopeId, Error, NewEnvelope, Signer, SigningProvider, WebhookRequest,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::docusign::{DocuSignEmulator, Route};
use tracing::Level;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

const HMAC_KEY: &str = "hmac-9f2e-connect-key-that-must-never-show";

/// Every formatted log line, in one buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Captures every event and span at TRACE for the whole test binary.
fn capture() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .with_max_level(Level::TRACE)
                .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish()
                .try_init()
                .expect("no other global subscriber");
            captured
        })
        .clone()
}

/// Every way an error can be shown: `Display`, `Debug` (plain and pretty), and its sources.
fn shown(err: &Error) -> String {
    let mut text = format!("{err} | {err:?} | {err:#?}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let _ = write!(text, " | {cause} | {cause:?}");
        source = cause.source();
    }
    text
}

#[track_caller]
fn assert_hidden(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} shows a secret ({}...): {text}",
            &secret[..8.min(secret.len())]
        );
    }
}

/// The secrets that went over the wire: bearer tokens and assertions, read from the requests
/// the emulator received.
fn wire_secrets(emulator: &DocuSignEmulator) -> Vec<String> {
    let mut secrets = Vec::new();
    for request in emulator.requests() {
        if let Some(token) = request
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
        {
            secrets.push(token.to_owned());
        }
        if request.route == Some(Route::Token.as_str()) {
            for (key, value) in url::form_urlencoded::parse(&request.body) {
                if key == "assertion" {
                    secrets.push(value.into_owned());
                }
            }
        }
    }
    secrets.sort();
    secrets.dedup();
    secrets
}

/// Lines of the private key's base64 body: any of them in a text means the key leaked.
fn key_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|line| !line.starts_with("-----") && line.len() > 20)
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn no_secret_shows_in_logs_debug_output_or_errors() {
    let logs = capture();
    let emulator = DocuSignEmulator::builder()
        .hmac_keys([HMAC_KEY])
        .start()
        .await;
    let docusign = support::builder(&emulator).build().unwrap();
    let mut errors: Vec<Error> = Vec::new();

    // A full flow: token, userinfo, send, read, renewal after a 401, void, a webhook.
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7 a"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap();
    let sent = docusign.send(&request).await.unwrap();
    emulator.expire_tokens();
    docusign.get(&sent.id).await.unwrap();
    docusign.cancel(&sent.id).await.unwrap();
    let body = br#"{"event":"envelope-sent","data":{"envelopeId":"e"}}"#.to_vec();
    docusign
        .parse_webhook(&WebhookRequest::new(
            connect_signature_headers(&[HMAC_KEY], &body),
            body.clone(),
        ))
        .await
        .unwrap();

    // Failures: a forged webhook, a wrong key, a token endpoint failing, missing consent.
    errors.push(
        docusign
            .parse_webhook(&WebhookRequest::new(
                connect_signature_headers(&["forged"], &body),
                body,
            ))
            .await
            .unwrap_err(),
    );
    emulator.inject(Route::Token, Fault::Status(500), 10);
    emulator.expire_tokens();
    errors.push(docusign.get(&sent.id).await.unwrap_err());
    emulator.clear_faults();
    emulator.withdraw_consent();
    emulator.expire_tokens();
    errors.push(docusign.get(&sent.id).await.unwrap_err());
    emulator.grant_consent();
    let stranger = DocuSignEmulator::builder()
        .integration_key("another-key")
        .start()
        .await;
    let wrong = support::builder(&stranger)
        .with_integration_key(emulator.integration_key())
        .build()
        .unwrap();
    errors.push(wrong.get(&EnvelopeId::new("e")).await.unwrap_err());
    errors.push(
        support::builder(&emulator)
            .with_private_key_pem(format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                key_lines(emulator.private_key_pem())[0]
            ))
            .build()
            .unwrap_err(),
    );

    let mut secrets = wire_secrets(&emulator);
    assert!(
        secrets.len() >= 3,
        "tokens and assertions were sent: {}",
        secrets.len()
    );
    secrets.extend(wire_secrets(&stranger));
    secrets.extend(key_lines(emulator.private_key_pem()));
    secrets.push(HMAC_KEY.to_owned());

    assert_hidden("the logs", &logs.text(), &secrets);
    assert!(
        logs.text().contains("signing_http.request"),
        "spans were captured"
    );
    let builder = support::builder(&emulator).with_hmac_key(HMAC_KEY);
    assert_hidden(
        "the builder's Debug",
        &format!("{builder:?} {builder:#?}"),
        &secrets,
    );
    assert_hidden(
        "the provider's Debug",
        &format!("{docusign:?} {docusign:#?} {:?}", docusign.client()),
        &secrets,
    );
    for err in &errors {
        assert_hidden("an error", &shown(err), &secrets);
    }
}

//! The client secret, the access tokens and the webhook secret never show: not in any log line at
//! TRACE level (the adapter's events and spans, and those of the HTTP stack underneath), not in
//! `Debug` of the builder, the provider or the client, and not in any error (`Display`, `Debug`,
//! or a source's `Display`), including errors from bad credentials and failed verifications.
//! Errors keep no response, so no `Authorization` header can come back through one.

mod support;

use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use heysign::{HeySign, HeySignBuilder};
use signing_core::webhook::{HEADER_SIGNATURE, WebhookSecret};
use signing_core::{
    Document, EnvelopeId, Error, EventKind, InMemoryReplayGuard, NewEnvelope, RetryPolicy, Signer,
    SigningProvider, WebhookRequest,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::heysign::{HeySignEmulator, Route};
use signing_testkit::webhooks::{WebhookFixture, tamper};
use tracing::Level;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "secrets-test-client";
const CLIENT_SECRET: &str = "cs-9f2e-client-secret-that-must-never-show";
const WRONG_SECRET: &str = "cs-0000-a-wrong-secret-that-must-never-show";

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

/// Captures every event and span (with its fields, when it opens and closes) at TRACE, and the
/// `log` records of libraries that use `log` rather than `tracing`, for the whole test binary:
/// a subscriber scoped to one thread can miss events whose callsites another thread registered
/// first.
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

fn request() -> NewEnvelope {
    NewEnvelope::builder()
        .title("Lease")
        .document(Document::new("lease.pdf", &b"%PDF-1.7 lease"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .signer(Signer::new("Bob", "bob@example.com"))
        .build()
        .expect("a valid request")
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

/// The bearer tokens the emulator issued, read from the requests it received.
fn issued_tokens(emulator: &HeySignEmulator) -> Vec<String> {
    let mut tokens: Vec<String> = emulator
        .requests()
        .iter()
        .filter_map(|r| r.headers.get(http::header::AUTHORIZATION))
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned)
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Every way a delivery can fail verification, and a provider without a secret.
async fn refused_webhooks(
    heysign: &HeySign,
    emulator: &HeySignEmulator,
    webhook_secret: &str,
    delivery: &WebhookRequest,
) -> Vec<Error> {
    let fixture = WebhookFixture::new(
        WebhookSecret::new(webhook_secret).expect("the emulator's secret"),
        delivery.body.clone(),
    );
    let mut tampered = delivery.clone();
    tampered.body = tamper(&delivery.body);
    let mut errors = Vec::new();
    for bad in [
        tampered,
        fixture.wrong_key(),
        fixture.stale(Duration::from_secs(600)),
        fixture.without_header(HEADER_SIGNATURE),
        fixture.with_signature_header("v1,AAAA"),
        // Already processed: the replay guard refuses it.
        delivery.clone(),
    ] {
        errors.push(heysign.parse_webhook(&bad).await.expect_err("refused"));
    }
    let unconfigured = support::builder(emulator).build().expect("valid");
    errors.push(
        unconfigured
            .parse_webhook(delivery)
            .await
            .expect_err("no secret"),
    );
    errors
}

/// Errors of refused tokens and of failures on the way, each carrying what it can of the cause.
async fn failures(heysign: &HeySign, emulator: &HeySignEmulator, id: &EnvelopeId) -> Vec<Error> {
    let mut errors = Vec::new();
    emulator.inject(Route::GetAgreement, Fault::Status(401), 2);
    errors.push(heysign.get(id).await.expect_err("401 twice"));
    errors.push(
        heysign
            .get(&EnvelopeId::new("unknown"))
            .await
            .expect_err("404"),
    );
    emulator.inject(Route::CreateAgreement, Fault::DropConnection, 1);
    errors.push(heysign.send(&request()).await.expect_err("reset"));
    emulator.inject(Route::CreateAgreement, Fault::MalformedBody, 1);
    errors.push(heysign.send(&request()).await.expect_err("malformed"));
    emulator.inject(Route::GetAgreement, Fault::TruncatedBody, 3);
    errors.push(heysign.get(id).await.expect_err("truncated"));
    emulator.inject(Route::SubmitAgreement, Fault::Status(500), 1);
    errors.push(heysign.send(&request()).await.expect_err("500"));
    // `get` makes two reads at once, each tried three times, each time asking for a token.
    emulator.inject(Route::Token, Fault::Status(503), 6);
    emulator.expire_tokens();
    errors.push(heysign.get(id).await.expect_err("token host down"));
    let impatient = support::builder(emulator)
        .with_timeout(Duration::from_millis(100))
        .with_retry(RetryPolicy::never())
        .build()
        .expect("valid");
    emulator.inject(Route::Token, Fault::Delay(Duration::from_millis(300)), 1);
    errors.push(impatient.get(id).await.expect_err("timeout"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let closed = format!("http://{}", listener.local_addr().expect("an address"));
    drop(listener);
    let unreachable = HeySignBuilder::new()
        .with_api_url(&closed)
        .with_auth_url(&closed)
        .with_client_credentials(CLIENT_ID, CLIENT_SECRET)
        .with_retry(RetryPolicy::never())
        .build()
        .expect("valid");
    assert!(!format!("{unreachable:?}").contains(CLIENT_SECRET));
    errors.push(unreachable.get(id).await.expect_err("refused"));
    errors
}

#[tokio::test]
async fn no_secret_shows_in_logs_debug_output_or_errors_of_a_full_flow() {
    let log = capture();
    let emulator = HeySignEmulator::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .start()
        .await;
    let receiver = support::Receiver::start().await;
    let (_, webhook_secret) = emulator.register_webhook(&receiver.url(support::HOOKS), &[]);
    let builder = support::builder(&emulator)
        .with_webhook_secret(WebhookSecret::new(&webhook_secret).expect("a whsec_ secret"));
    let heysign = builder
        .clone()
        .with_replay_guard(Arc::new(InMemoryReplayGuard::new()))
        .build()
        .expect("valid configuration");

    // The main job: send, sign, receive and verify every webhook.
    let sent = heysign.send(&request()).await.expect("send");
    emulator.sign_all(sent.id.as_str()).expect("both sign");
    let mut deliveries = Vec::new();
    let mut completed = false;
    while !completed && let Some(delivery) = receiver.next(Duration::from_secs(5)).await {
        for event in heysign.parse_webhook(&delivery).await.expect("verified") {
            completed |= event.kind == EventKind::Completed;
        }
        deliveries.push(delivery);
    }
    assert!(completed, "the lifecycle reached completed");
    // A renewed token after expiry: two tokens to look for.
    emulator.expire_tokens();
    heysign.get(&sent.id).await.expect("read after renewal");

    let delivery = deliveries.first().expect("a delivery");
    let mut errors = refused_webhooks(&heysign, &emulator, &webhook_secret, delivery).await;
    errors.extend(failures(&heysign, &emulator, &sent.id).await);
    let wrong = HeySignBuilder::new()
        .with_api_url(emulator.api_url())
        .with_auth_url(emulator.auth_url())
        .with_client_credentials(CLIENT_ID, WRONG_SECRET)
        .with_issuer("Acme AB");
    errors.push(
        wrong
            .clone()
            .build()
            .expect("valid")
            .send(&request())
            .await
            .expect_err("refused"),
    );
    errors.push(
        HeySignBuilder::from_vars(|name| {
            Some(
                if name == "HEYSIGN_WEBHOOK_SECRET" {
                    WRONG_SECRET
                } else {
                    "x"
                }
                .to_owned(),
            )
        })
        .expect_err("not a webhook secret"),
    );
    for config in [
        builder.clone().with_api_url("not a url"),
        HeySignBuilder::new().with_client_credentials(CLIENT_ID, " "),
    ] {
        errors.push(config.build().expect_err("invalid configuration"));
    }

    let tokens = issued_tokens(&emulator);
    assert!(tokens.len() >= 2, "two tokens issued: {}", tokens.len());
    let whsec_key = webhook_secret.trim_start_matches("whsec_").to_owned();
    let mut secrets = vec![
        CLIENT_SECRET.to_owned(),
        WRONG_SECRET.to_owned(),
        webhook_secret.clone(),
        whsec_key,
    ];
    secrets.extend(tokens);

    for err in &errors {
        assert_hidden("an error", &shown(err), &secrets);
    }
    for (what, text) in [
        ("the builder", format!("{builder:?} {builder:#?}")),
        ("a builder with a wrong secret", format!("{wrong:?}")),
        ("the provider", format!("{heysign:?} {heysign:#?}")),
        ("the client", format!("{:?}", heysign.client())),
    ] {
        assert_hidden(what, &text, &secrets);
    }
    let log = log.text();
    assert!(
        log.contains(r#"signing_http.request{provider="heysign" operation="get agreement""#)
            && log.contains(r#"operation="token request""#),
        "the adapter's events are captured: {log}"
    );
    assert!(log.contains("TRACE"), "TRACE events are captured");
    assert_hidden("the log", &log, &secrets);
}

/// A HeySign stand-in whose token endpoint works and whose API answers `status` with headers
/// and a body that echo nothing secret.
async fn answering(status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "tok-a1b2c3-never-shown",
            "token_type": "Bearer",
            "expires_in": 3600,
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/agreements/a-1"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/problem+json")
                .insert_header("www-authenticate", "Bearer realm=\"heysign\"")
                .insert_header("retry-after", "0")
                .insert_header("x-request-id", "req-42")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    // `get` lists the signees alongside; an unmatched request would be logged with its headers
    // by the stand-in itself.
    Mock::given(method("GET"))
        .and(path("/v1/signees"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [],
            "page": {"offset": 0, "limit": 100},
            "total_items": 0,
            "total_pages": 0,
            "type": "signee",
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn errors_built_from_responses_carry_no_authorization_header() {
    // Logged too: the other test checks everything captured.
    capture();
    let mut shown_errors = Vec::new();
    for (status, body) in [
        (
            500,
            r#"{"title":"Internal Server Error","detail":"upstream failed"}"#,
        ),
        (401, r#"{"title":"Unauthorized"}"#),
        (403, r#"{"detail":"not allowed"}"#),
        (404, ""),
        (429, "slow down"),
        (502, "<html>bad gateway</html>"),
        (200, "{not json"),
    ] {
        let server = answering(status, body).await;
        let heysign = HeySignBuilder::new()
            .with_api_url(server.uri())
            .with_auth_url(server.uri())
            .with_client_credentials(CLIENT_ID, CLIENT_SECRET)
            .with_retry(RetryPolicy::never())
            .build()
            .expect("valid");
        let err = heysign
            .get(&EnvelopeId::new("a-1"))
            .await
            .expect_err("the answer is an error");
        // The request did carry the credential the error must not repeat.
        let sent = server.received_requests().await.unwrap_or_default();
        assert!(
            sent.iter()
                .any(|r| r.headers.contains_key(http::header::AUTHORIZATION)),
            "the API call was authorized"
        );
        shown_errors.push((status, shown(&err)));
    }
    let emulator = HeySignEmulator::start().await;
    let heysign = support::builder(&emulator).build().expect("valid");
    for fault in [
        Fault::DropConnection,
        Fault::TruncatedBody,
        Fault::Status(503),
    ] {
        emulator.inject(Route::ListAgreements, fault.clone(), 3);
        let err = heysign
            .list(&signing_core::ListQuery::new())
            .await
            .expect_err("faulted");
        shown_errors.push((0, shown(&err)));
    }
    let tokens = issued_tokens(&emulator);
    assert!(
        !capture().text().contains("tok-a1b2c3-never-shown"),
        "the token shows in the log"
    );
    for (status, text) in shown_errors {
        let lower = text.to_ascii_lowercase();
        assert!(
            !lower.contains("authorization"),
            "an error ({status}) carries authorization text: {text}"
        );
        assert!(
            !text.contains("tok-a1b2c3-never-shown") && !text.contains(CLIENT_SECRET),
            "an error ({status}) carries a credential: {text}"
        );
        for token in &tokens {
            assert!(
                !text.contains(token.as_str()),
                "an error carries a token: {text}"
            );
        }
    }
}

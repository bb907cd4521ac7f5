//! The API key, the callback secret and the callback tokens never show: not in `Debug` of any
//! configuration, client or provider, not in errors (`Display`, `Debug` or a source's
//! `Display`), not in log records at TRACE (the adapter's spans and events, and those of the HTTP
//! stack underneath, `log` records included). Errors keep no response, so no `Authorization`
//! header can come back through one.

mod support;

use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use leap_sign::{LaunchDocument, LaunchRequest, LeapSign, LeapSignBuilder, Person};
use signing_core::{EnvelopeId, SigningProvider, WebhookRequest};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::leap_sign::{LeapSignEmulator, Route};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-live-4f1b2c3d-very-secret-key";
const SECRET: &str = "callback-secret-do-not-print-0123456789";

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} shows the API key: {text}");
    assert!(
        !text.contains(SECRET),
        "{what} shows the callback secret: {text}"
    );
}

fn configured(base_url: &str) -> LeapSignBuilder {
    support::builder(base_url, KEY)
        .with_callback("https://app.example.com/leap", SECRET)
        .with_default_owner(support::owner())
}

#[test]
fn debug_of_every_configuration_type_is_redacted() {
    let builder = configured("https://api.example.com");
    let debug = format!("{builder:?}");
    assert_clean("LeapSignBuilder", &debug);
    assert!(debug.contains("[REDACTED]"), "{debug}");

    let leap = builder.build().unwrap();
    let debug = format!("{leap:?}");
    assert_clean("LeapSign", &debug);
    assert!(debug.contains("[REDACTED]"), "{debug}");
    assert!(debug.contains("https://app.example.com/leap"), "{debug}");
    assert_clean("LeapSignClient", &format!("{:?}", leap.client()));
    assert_clean("LeapSign (pretty)", &format!("{leap:#?}"));
}

#[test]
fn a_launch_request_does_not_show_its_callback_token() {
    let request = LaunchRequest::new(
        "NDA",
        Person::new("O", "o@example.com"),
        vec![Person::new("A", "a@example.com")],
        LaunchDocument::new("a.pdf", "application/pdf", support::PDF),
    )
    .callback_url("https://app.example.com/leap/n-1/TOKENTOKEN");
    let debug = format!("{request:?}");
    assert!(!debug.contains("TOKENTOKEN"), "{debug}");
}

#[test]
fn configuration_errors_do_not_show_secrets() {
    let errors = [
        LeapSignBuilder::new()
            .with_api_key(format!("{KEY}\n"))
            .build()
            .unwrap_err(),
        LeapSignBuilder::new()
            .with_api_key(KEY)
            .with_callback("https://app.example.com/leap", "short")
            .build()
            .unwrap_err(),
        configured("http://api.example.com").build().unwrap_err(),
    ];
    for err in errors {
        assert_clean("configuration error", &format!("{err} {err:?}"));
    }
}

/// Collects every span field and event field recorded on this thread.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

impl Visit for Capture {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut log = self.0.lock().unwrap();
        let _ = write!(log, "{}={value:?} ", field.name());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        span.record(&mut self.clone());
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut self.clone());
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        event.record(&mut self.clone());
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn errors_and_logs_of_real_requests_do_not_show_secrets() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let emu = LeapSignEmulator::builder()
        .api_key("another-key")
        .start()
        .await;
    let leap: LeapSign = configured(&emu.base_url()).build().unwrap();
    let request = support::request(1).build().unwrap();
    let id = EnvelopeId::new("00000000-0000-4000-8000-000000000000");
    let mut errors = vec![
        // The emulator refuses the key: the message is LEAP's, the key stays out.
        leap.send(&request).await.unwrap_err(),
        leap.get(&id).await.unwrap_err(),
    ];

    let emu = LeapSignEmulator::builder().api_key(KEY).start().await;
    let leap: LeapSign = configured(&emu.base_url()).build().unwrap();
    emu.inject(Route::LaunchNew, Fault::DropConnection, 1);
    errors.push(leap.send(&request).await.unwrap_err());
    emu.inject(Route::LaunchNew, Fault::TruncatedBody, 1);
    errors.push(leap.send(&request).await.unwrap_err());
    emu.inject(Route::GetProcessData, Fault::Status(500), 5);
    errors.push(leap.get(&id).await.unwrap_err());
    errors.push(
        leap.parse_webhook(&WebhookRequest::default().with_path("/leap/n/t"))
            .await
            .unwrap_err(),
    );
    let closed = support::builder("http://127.0.0.1:1", KEY).build().unwrap();
    errors.push(closed.get(&id).await.unwrap_err());

    for err in &errors {
        assert_clean("error", &format!("{err} | {err:?}"));
    }
    let log = capture.0.lock().unwrap().clone();
    assert!(log.contains("path="), "requests are traced: {log}");
    assert!(log.contains("status=500"), "{log}");
    assert_clean("log", &log);
}

/// Every formatted log line of the test binary, in one buffer.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl io::Write for Lines {
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

/// Installs, once for the binary, a subscriber formatting every event and span (with its fields,
/// when it opens and closes) at TRACE, `log` records included; a thread where a test sets its own
/// subscriber logs there instead.
fn trace_lines() -> Lines {
    static LINES: OnceLock<Lines> = OnceLock::new();
    LINES
        .get_or_init(|| {
            let lines = Lines::default();
            let writer = lines.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish()
                .try_init()
                .expect("no other global subscriber");
            lines
        })
        .clone()
}

/// Every way an error can be shown: `Display`, `Debug` (plain and pretty), and its sources.
fn shown(err: &signing_core::Error) -> String {
    let mut text = format!("{err} | {err:?} | {err:#?}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let _ = write!(text, " | {cause} | {cause:?}");
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn a_full_flow_at_trace_shows_no_key_secret_or_callback_token() {
    let lines = trace_lines();
    let emu = LeapSignEmulator::builder().api_key(KEY).start().await;
    let receiver = support::Receiver::start().await;
    let builder = support::builder(&emu.base_url(), KEY)
        .with_callback(support::callback_base(&receiver), SECRET)
        .allow_insecure_loopback_callback(true)
        .with_default_owner(support::owner());
    let builder_debug = format!("{builder:?} {builder:#?}");
    let leap = builder.build().expect("valid configuration");

    // The main job, twice: with a caller reference, and without.
    let mut callbacks = Vec::new();
    for reference in [Some("order-7"), None] {
        let mut request = support::request(2);
        if let Some(reference) = reference {
            request = request.reference(reference);
        }
        let sent = leap.send(&request.build().unwrap()).await.expect("send");
        emu.sign_all(sent.id.as_str()).expect("every signer signs");
        let callback = receiver
            .next(Duration::from_secs(5))
            .await
            .expect("a callback");
        let events = leap.parse_webhook(&callback).await.expect("confirmed");
        assert!(events[0].verified);
        callbacks.push((sent.id, callback));
    }
    let tokens: Vec<String> = callbacks
        .iter()
        .map(|(_, callback)| {
            let path = callback.path.split('?').next().unwrap_or_default();
            path.rsplit('/').next().unwrap_or_default().to_owned()
        })
        .collect();
    assert!(tokens.iter().all(|token| token.len() == 43), "{tokens:?}");

    let (id, genuine) = &callbacks[0];
    let mut forged = genuine.clone();
    forged.path = genuine.path.replace(tokens[0].as_str(), tokens[1].as_str());
    let mut unknown_project = genuine.clone();
    unknown_project.body = r#"{"projectId":"00000000-0000-4000-8000-000000000000"}"#.into();
    let mut other_project = genuine.clone();
    other_project.body = format!(r#"{{"projectId":"{}"}}"#, callbacks[1].0).into();
    let mut errors = vec![
        leap.parse_webhook(&other_project).await.unwrap_err(),
        leap.parse_webhook(&forged).await.unwrap_err(),
        leap.parse_webhook(&unknown_project).await.unwrap_err(),
        leap.cancel(id).await.unwrap_err(),
        leap.list(&signing_core::ListQuery::new())
            .await
            .unwrap_err(),
    ];
    emu.inject(Route::GetProcessData, Fault::Status(500), 3);
    errors.push(leap.parse_webhook(&callbacks[1].1).await.unwrap_err());
    emu.inject(Route::LaunchNew, Fault::DropConnection, 1);
    errors.push(
        leap.send(&support::request(1).build().unwrap())
            .await
            .unwrap_err(),
    );
    emu.inject(Route::GetProcessData, Fault::TruncatedBody, 3);
    errors.push(leap.get(id).await.unwrap_err());
    leap.delete(id).await.expect("deleted");
    errors.push(leap.delete(id).await.unwrap_err());
    let wrong_key = support::builder(&emu.base_url(), "sk-wrong-key-also-secret")
        .build()
        .unwrap();
    errors.push(wrong_key.get(id).await.unwrap_err());

    let mut secrets = vec![
        KEY.to_owned(),
        SECRET.to_owned(),
        "sk-wrong-key-also-secret".to_owned(),
    ];
    secrets.extend(tokens);
    let check = |what: &str, text: &str| {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{what} shows a secret or token: {text}"
            );
        }
    };
    for err in &errors {
        check("an error", &shown(err));
    }
    check("the builder", &builder_debug);
    check("the provider", &format!("{leap:?} {leap:#?}"));
    check("the client", &format!("{:?}", leap.client()));
    check("a provider with a wrong key", &format!("{wrong_key:?}"));
    let log = lines.text();
    assert!(
        log.contains(r#"signing_http.request{provider="leap-sign""#) && log.contains("status=200"),
        "requests are traced: {log}"
    );
    assert!(log.contains("TRACE"), "TRACE events are captured");
    check("the log", &log);
}

#[tokio::test]
async fn errors_built_from_responses_carry_no_authorization_header() {
    // Logged too: the other test checks everything captured.
    trace_lines();
    let project = "/api/v1/external/projects/info-for-sign-only-integrator/p-1";
    let mut shown_errors = Vec::new();
    for (status, body) in [
        (
            500,
            r#"{"status":500,"error":"INTERNAL_SERVER_ERROR","message":"upstream failed"}"#,
        ),
        (401, r#"{"message":"unauthorized"}"#),
        (403, r#"{"message":"not allowed"}"#),
        (404, ""),
        (429, "slow down"),
        (502, "<html>bad gateway</html>"),
        (200, "{not json"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(project))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("content-type", "application/json")
                    .insert_header("www-authenticate", "ApiKey realm=\"leap\"")
                    .insert_header("retry-after", "0")
                    .set_body_string(body),
            )
            .mount(&server)
            .await;
        let leap = support::builder(&server.uri(), KEY)
            .with_retry(signing_core::RetryPolicy::never())
            .build()
            .unwrap();
        let err = leap.get(&EnvelopeId::new("p-1")).await.unwrap_err();
        // The request did carry the key the error must not repeat.
        let sent = server.received_requests().await.unwrap_or_default();
        assert!(sent.iter().any(|r| r.headers.contains_key("authorization")));
        shown_errors.push((status, shown(&err)));
    }
    let emu = LeapSignEmulator::builder().api_key(KEY).start().await;
    let leap = support::builder(&emu.base_url(), KEY).build().unwrap();
    for fault in [
        Fault::DropConnection,
        Fault::TruncatedBody,
        Fault::Status(503),
    ] {
        emu.inject(Route::GetProcessData, fault, 3);
        let err = leap.get(&EnvelopeId::new("p-1")).await.unwrap_err();
        shown_errors.push((0, shown(&err)));
    }
    for (status, text) in shown_errors {
        assert!(
            !text.to_ascii_lowercase().contains("authorization"),
            "an error ({status}) carries authorization text: {text}"
        );
        assert_clean("an error", &text);
    }
}

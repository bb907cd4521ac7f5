//! The API key and the callback secret never show: not in `Debug` of any configuration,
//! client or provider, not in errors (`Display` or `Debug`), not in log records.

mod support;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use leap_sign::{LaunchDocument, LaunchRequest, LeapSign, LeapSignBuilder, Person};
use signing_core::{EnvelopeId, SigningProvider, WebhookRequest};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::leap_sign::{LeapSignEmulator, Route};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

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

//! The first hour of an application written against `signing` alone, from the README, `docs/`
//! and rustdoc: configure, send, sign, receive verified events, swap providers, mock.
//!
//! Only `signing::...` paths are used, plus tokio as the runtime, as in an application whose
//! one dependency is `signing` (with the features `heysign`, `leap-sign` and `testkit`). Each
//! test keeps one promise of the documentation.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use signing::bytes::Bytes;
use signing::futures::TryStreamExt;
use signing::heysign::{HeySignBuilder, NewWebhook};
use signing::http::HeaderMap;
use signing::memory::{MemoryProvider, SignerAction};
use signing::testkit::MockSigningProvider;
use signing::testkit::emulator::heysign::HeySignEmulator;
use signing::testkit::receiver::Receiver;
use signing::webhook::{WebhookError, WebhookSecret};
use signing::{
    BuiltProvider, Capabilities, Document, Envelope, EnvelopeStatus, ErrorKind, Event, EventKind,
    NewEnvelope, ProviderConfig, Signer, SigningProvider, SigningProviderExt, WatchOptions,
    WebhookRequest,
};

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const DOCX: &[u8] = b"PK\x03\x04\x14\x00\x00\x00\x00\x00word/document.xml<w:document/>";

// ---- The application under test ------------------------------------------------------------

/// Sends an NDA to one signer, whatever the provider.
async fn send_nda(provider: &dyn SigningProvider, email: &str) -> signing::Result<Envelope> {
    let request = NewEnvelope::builder()
        .title("NDA")
        .document(Document::new("nda.pdf", PDF))
        .signer(Signer::new("Ada Lovelace", email))
        .build()?;
    provider.send(&request).await
}

/// The application's webhook endpoint: the request as received, the events it proves.
async fn receive(
    provider: &dyn SigningProvider,
    path: &str,
    headers: HeaderMap,
    body: Bytes,
) -> signing::Result<Vec<Event>> {
    let request = WebhookRequest::new(headers, body).with_path(path);
    provider.parse_webhook(&request).await
}

fn field(err: &signing::Error) -> &str {
    match err.kind() {
        ErrorKind::InvalidRequest { field, .. } => field,
        other => panic!("not an invalid request: {other:?}"),
    }
}

fn heysign_toml(emulator: &HeySignEmulator) -> String {
    format!(
        "provider = \"heysign\"\napi_url = \"{}\"\nauth_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\nissuer = \"Acme AB\"\n",
        emulator.api_url(),
        emulator.auth_url(),
        emulator.client_id(),
        emulator.client_secret()
    )
}

// ---- 1. Configuration and the in-memory provider, combined ----------------------------------

#[tokio::test]
async fn a_configured_memory_provider_keeps_its_control_handle() {
    let built = ProviderConfig::from_toml_str("provider = \"memory\"")
        .unwrap()
        .build_typed()
        .unwrap();
    let control = built.memory().cloned().expect("memory was configured");
    let provider: Arc<dyn SigningProvider> = built.into_dyn();

    let envelope = send_nda(provider.as_ref(), "ada@example.com")
        .await
        .unwrap();
    // The test plays the signer on the provider the application holds.
    control
        .act(&envelope.id, "ada@example.com", SignerAction::Sign)
        .unwrap();
    let mut updates = provider.watch(&envelope.id, WatchOptions::every(Duration::from_millis(10)));
    let mut last = None;
    while let Some(now) = updates.try_next().await.unwrap() {
        last = Some(now.status);
    }
    assert_eq!(last, Some(EnvelopeStatus::Completed));

    // Its deliveries are signed with the secret the configured provider verifies.
    let mut kinds = Vec::new();
    while let Some(delivery) = control.next_delivery(Duration::from_millis(100)).await {
        let events = receive(provider.as_ref(), "/hooks", delivery.headers, delivery.body)
            .await
            .unwrap();
        assert!(events.iter().all(|event| event.verified));
        kinds.extend(events.into_iter().map(|event| event.kind));
    }
    assert_eq!(
        kinds,
        [
            EventKind::Created,
            EventKind::Sent,
            EventKind::SignerSigned,
            EventKind::Completed
        ]
    );
    // Recorded calls and injected failures reach the same provider.
    assert!(!control.calls().is_empty());
}

#[tokio::test]
async fn a_configuration_can_be_given_the_memory_provider_a_test_holds() {
    let memory = MemoryProvider::builder().deterministic_ids().build();
    // An application that builds its provider from the configuration it is given.
    let config = ProviderConfig::from(memory.clone());
    assert_eq!(config.provider_name(), "memory");
    let provider = config.build().unwrap();
    let envelope = send_nda(provider.as_ref(), "ada@example.com")
        .await
        .unwrap();
    assert_eq!(envelope.id.as_str(), "env-1");
    memory
        .act(&envelope.id, "ada@example.com", SignerAction::Decline)
        .unwrap();
    assert_eq!(
        provider.get(&envelope.id).await.unwrap().status,
        EnvelopeStatus::Declined
    );
}

// ---- 2. What `build` checks, and what `send` checks -----------------------------------------

#[tokio::test]
async fn build_refuses_what_no_provider_takes_and_send_what_this_one_does_not() {
    // No provider takes a text file: refused when the request is built.
    let err = NewEnvelope::builder()
        .document(Document::new("contract.pdf", &b"just some text"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap_err();
    assert_eq!(field(&err), "documents[0].content");

    // A DOCX is a valid request; HeySign takes PDF only, which `send` says before any request.
    let emulator = HeySignEmulator::start().await;
    let heysign = ProviderConfig::from_toml_str(&heysign_toml(&emulator))
        .unwrap()
        .build()
        .unwrap();
    let docx = NewEnvelope::builder()
        .document(Document::new("contract.docx", DOCX))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap();
    let before = emulator.requests().len();
    let err = heysign.send(&docx).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unsupported { .. }), "{err}");

    // So is a document larger than the provider takes.
    let too_large = NewEnvelope::builder()
        .document(Document::new(
            "big.pdf",
            [PDF, &vec![b' '; 11 * 1024 * 1024]].concat(),
        ))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap();
    let err = heysign.send(&too_large).await.unwrap_err();
    assert_eq!(field(&err), "documents[0].content");
    assert_eq!(
        emulator.requests().len(),
        before,
        "refused before any request"
    );
}

// ---- 3. A per-envelope callback URL is honoured by the in-memory provider --------------------

#[tokio::test]
async fn the_memory_provider_delivers_to_an_envelopes_callback_url() {
    let memory = MemoryProvider::new();
    assert!(memory.capabilities().callback_url);
    let request = NewEnvelope::builder()
        .document(Document::new("nda.pdf", PDF))
        .signer(Signer::new("Ada", "ada@example.com"))
        .callback_url("https://app.example.com/signing/callback?tenant=7")
        .build()
        .unwrap();
    let envelope = memory.send(&request).await.unwrap();
    memory
        .act(&envelope.id, "ada@example.com", SignerAction::Sign)
        .unwrap();
    let mut delivered = 0;
    while let Some(delivery) = memory.next_delivery(Duration::from_millis(100)).await {
        assert_eq!(delivery.path, "/signing/callback?tenant=7");
        assert_eq!(delivery.headers["host"], "app.example.com");
        let events = memory.parse_webhook(&delivery).await.unwrap();
        assert!(events[0].verified);
        delivered += 1;
    }
    assert_eq!(delivered, 4, "created, sent, signed, completed");

    // Without a callback URL, deliveries go to the account-wide endpoint.
    send_nda(&memory, "ada@example.com").await.unwrap();
    let delivery = memory.next_delivery(Duration::from_secs(1)).await.unwrap();
    assert_eq!(delivery.path, "");
    assert!(!delivery.headers.contains_key("host"));
}

// ---- 5. One dependency: the types of the API come with the facade ----------------------------

/// A replay guard of the application's own, written with the facade's `async_trait`.
#[derive(Debug, Default)]
struct SeenIds(std::sync::Mutex<std::collections::HashSet<String>>);

#[signing::async_trait]
impl signing::ReplayGuard for SeenIds {
    async fn first_seen(&self, id: &str) -> signing::Result<bool> {
        Ok(self.0.lock().unwrap().insert(id.to_owned()))
    }
}

#[tokio::test]
async fn the_types_of_the_api_come_from_the_facade() {
    let memory = MemoryProvider::new();
    let request = NewEnvelope::builder()
        .document(Document::new("nda.pdf", Bytes::from_static(PDF)))
        .signer(Signer::new("Ada", "ada@example.com"))
        .callback_url("https://app.example.com/cb")
        .build()
        .unwrap();
    let url: Option<&signing::url::Url> = request.callback_url();
    assert_eq!(
        url.map(signing::url::Url::as_str),
        Some("https://app.example.com/cb")
    );
    let envelope = memory.send(&request).await.unwrap();
    let created: signing::time::OffsetDateTime = envelope.created_at.unwrap();
    assert!(created <= signing::time::OffsetDateTime::now_utc());
    let raw: signing::serde_json::Value = envelope.raw.to_value().unwrap();
    assert_eq!(raw["documents"][0], "nda.pdf");
    let headers: signing::http::HeaderMap = signing::http::HeaderMap::new();
    assert!(headers.is_empty());
    let pages: Vec<Envelope> = memory
        .list_all(signing::ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    let guard = SeenIds::default();
    assert!(
        signing::ReplayGuard::first_seen(&guard, "evt-1")
            .await
            .unwrap()
    );
    assert!(
        !signing::ReplayGuard::first_seen(&guard, "evt-1")
            .await
            .unwrap()
    );
}

// ---- 7. Configuration errors name the key, or the variable ----------------------------------

#[test]
fn configuration_errors_name_the_key_or_the_variable() {
    let err =
        ProviderConfig::from_toml_str("provider = \"heysign\"\nclient_id = \"id\"").unwrap_err();
    assert_eq!(field(&err), "client_secret");
    let err = ProviderConfig::from_map([("provider", "memory"), ("colour", "blue")]).unwrap_err();
    assert_eq!(field(&err), "colour");
    let err = ProviderConfig::from_map([
        ("provider", "leap-sign"),
        ("api_key", "k"),
        ("timeout_secs", "soon"),
    ])
    .unwrap_err();
    assert_eq!(field(&err), "timeout_secs");

    let vars = |pairs: &[(&'static str, &'static str)]| {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        move |name: &str| map.get(name).map(|v| (*v).to_owned())
    };
    let err = ProviderConfig::from_vars(vars(&[("SIGNING_PROVIDER", "heysign")])).unwrap_err();
    assert_eq!(field(&err), "HEYSIGN_CLIENT_ID");
    let err = ProviderConfig::from_vars(vars(&[])).unwrap_err();
    assert_eq!(field(&err), "SIGNING_PROVIDER");
    // The builder's refusals name the variable too.
    let config = ProviderConfig::from_vars(vars(&[
        ("SIGNING_PROVIDER", "heysign"),
        ("HEYSIGN_CLIENT_ID", "id"),
        ("HEYSIGN_CLIENT_SECRET", "secret"),
        ("HEYSIGN_API_URL", "http://api.heysign.co"),
    ]))
    .unwrap();
    assert_eq!(field(&config.build().unwrap_err()), "HEYSIGN_API_URL");
    let err = ProviderConfig::from_vars(vars(&[
        ("SIGNING_PROVIDER", "heysign"),
        ("HEYSIGN_CLIENT_ID", "id"),
        ("HEYSIGN_CLIENT_SECRET", "secret"),
        ("HEYSIGN_WEBHOOK_SECRET", "whsec_not base64"),
    ]))
    .and_then(|config| config.build())
    .unwrap_err();
    assert_eq!(field(&err), "HEYSIGN_WEBHOOK_SECRET");
}

// ---- 9. Webhooks: one HeySign provider, typed secrets, an injectable clock -------------------

#[tokio::test]
async fn one_heysign_provider_subscribes_and_verifies_its_webhooks() {
    let emulator = HeySignEmulator::start().await;
    let receiver = Receiver::start().await;
    let built = ProviderConfig::from_toml_str(&heysign_toml(&emulator))
        .unwrap()
        .build_typed()
        .unwrap();
    let BuiltProvider::HeySign(heysign) = &built else {
        panic!("HeySign was configured");
    };
    let webhook = heysign
        .subscribe_webhook(&NewWebhook::new(receiver.url("/hooks")))
        .await
        .unwrap();
    assert_eq!(
        webhook.url.as_deref(),
        Some(receiver.url("/hooks").as_str())
    );
    let provider = built.into_dyn();

    let envelope = send_nda(provider.as_ref(), "ada@example.com")
        .await
        .unwrap();
    emulator.sign_all(envelope.id.as_str()).unwrap();
    let mut completed = false;
    while !completed {
        let delivery = receiver
            .next(Duration::from_secs(10))
            .await
            .expect("a webhook");
        let events = receive(
            provider.as_ref(),
            &delivery.path,
            delivery.headers,
            delivery.body,
        )
        .await
        .unwrap();
        assert!(events.iter().all(|event| event.verified));
        completed = events.iter().any(|event| {
            event.kind == EventKind::Completed && event.envelope_id == Some(envelope.id.clone())
        });
    }
}

#[tokio::test]
async fn the_clock_and_tolerance_of_webhook_verification_are_options_of_the_builders() {
    // Twenty minutes ahead: deliveries signed now look twenty minutes old.
    let later: signing::webhook::Clock =
        Arc::new(|| signing::time::OffsetDateTime::now_utc() + Duration::from_secs(20 * 60));

    let memory = MemoryProvider::new();
    send_nda(&memory, "ada@example.com").await.unwrap();
    let delivery = memory.next_delivery(Duration::from_secs(1)).await.unwrap();
    let secret = memory.webhook_secret().clone();
    let strict = MemoryProvider::builder()
        .webhook_secret(secret.clone())
        .webhook_clock(later.clone())
        .build();
    let err = strict.parse_webhook(&delivery).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::WebhookVerification(WebhookError::TimestampTooOld { .. })
        ),
        "{err}"
    );
    let lenient = MemoryProvider::builder()
        .webhook_secret(secret.clone())
        .webhook_clock(later.clone())
        .webhook_tolerance(Duration::from_secs(30 * 60))
        .build();
    assert!(lenient.parse_webhook(&delivery).await.unwrap()[0].verified);

    // The same options, under the same names, on an adapter's builder, which takes the secret
    // as the core's type.
    let emulator = HeySignEmulator::start().await;
    let receiver = Receiver::start().await;
    let (_, whsec) = emulator.register_webhook(&receiver.url("/hooks"), &[]);
    let builder = || {
        HeySignBuilder::new()
            .with_api_url(emulator.api_url())
            .with_auth_url(emulator.auth_url())
            .with_client_credentials(emulator.client_id(), emulator.client_secret())
            .with_issuer("Acme AB")
            .with_webhook_secret(WebhookSecret::new(&whsec).unwrap())
            .with_webhook_clock(later.clone())
    };
    let heysign = builder().build().unwrap();
    send_nda(&heysign, "ada@example.com").await.unwrap();
    let delivery = receiver
        .next(Duration::from_secs(10))
        .await
        .expect("a webhook");
    let err = heysign.parse_webhook(&delivery).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::WebhookVerification(WebhookError::TimestampTooOld { .. })
        ),
        "{err}"
    );
    let lenient = builder()
        .with_webhook_tolerance(Duration::from_secs(30 * 60))
        .build()
        .unwrap();
    assert!(lenient.parse_webhook(&delivery).await.unwrap()[0].verified);
}

// ---- The rest of the first hour: swap providers, mock ----------------------------------------

#[tokio::test]
async fn the_same_code_runs_on_each_configured_provider() {
    let emulator = HeySignEmulator::start().await;
    for config in [heysign_toml(&emulator), "provider = \"memory\"".to_owned()] {
        let provider = ProviderConfig::from_toml_str(&config)
            .unwrap()
            .build()
            .unwrap();
        let envelope = send_nda(provider.as_ref(), "ada@example.com")
            .await
            .unwrap();
        assert_eq!(envelope.status, EnvelopeStatus::Sent, "{}", provider.name());
        assert_eq!(
            provider.get(&envelope.id).await.unwrap().id,
            envelope.id,
            "{}",
            provider.name()
        );
    }
}

#[tokio::test]
async fn the_application_is_tested_with_the_mock() {
    let mut mock = MockSigningProvider::new();
    mock.expect_capabilities().returning(Capabilities::all);
    mock.expect_send().times(1).returning(|request| {
        assert_eq!(request.title(), "NDA");
        Ok(Envelope::new(
            signing::EnvelopeId::new("env-mock"),
            "mock",
            EnvelopeStatus::Sent,
        ))
    });
    let envelope = send_nda(&mock, "ada@example.com").await.unwrap();
    assert_eq!(envelope.id.as_str(), "env-mock");
    assert!(mock.capabilities().callback_url);
}

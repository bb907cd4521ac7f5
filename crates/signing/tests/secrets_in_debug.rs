//! Every public type that holds a secret, printed with `{:?}` and `{:#?}`: no secret shows.
//!
//! The secrets are distinctive strings, so a leak of any one of them, whole, is caught wherever
//! it hides in the output. The adapters' own tests check their errors and log records.

use std::sync::Arc;
use std::time::Instant;

use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue};
use signing::docusign::DocuSignBuilder;
use signing::heysign::{CreatedWebhook, HeySignBuilder};
use signing::leap_sign::LeapSignBuilder;
use signing::testkit::emulator::docusign::DocuSignEmulator;
use signing::testkit::memory::MemoryProvider;
use signing::webhook::{WebhookSecret, WebhookVerifier};
use signing::{ProviderConfig, SecretString, SigningProvider, WebhookRequest};
use signing_http::{Auth, Token, TokenCache, TokenSource};

const HEYSIGN_CLIENT_SECRET: &str = "heysign-client-secret-0451";
/// `whsec_` and the base64 of "webhook-secret-of-24-byte".
const WEBHOOK_SECRET: &str = "whsec_d2ViaG9vay1zZWNyZXQtb2YtMjQtYnl0ZQ==";
const LEAP_API_KEY: &str = "leap-api-key-9f8e7d6c5b4a";
const LEAP_CALLBACK_SECRET: &str = "leap-callback-secret-0123456789";
const DOCUSIGN_HMAC_KEY: &str = "docusign-connect-hmac-key-2718";
const ACCESS_TOKEN: &str = "access-token-eyJhbGciOi-3141";
/// A LEAP callback path: its last segment is a bearer token.
const CALLBACK_PATH: &str = "/leap/v2/nonce-1/0/callback-token-secret-1618";

/// Every secret above, and the inner parts of the webhook and DocuSign keys.
fn secrets(docusign_key: &str) -> Vec<String> {
    let key_body = docusign_key
        .lines()
        .find(|line| !line.starts_with("-----") && line.len() > 32)
        .expect("a PEM body line")
        .to_owned();
    [
        HEYSIGN_CLIENT_SECRET,
        WEBHOOK_SECRET,
        "d2ViaG9vay1zZWNyZXQtb2YtMjQtYnl0ZQ",
        "webhook-secret-of-24-byte",
        LEAP_API_KEY,
        LEAP_CALLBACK_SECRET,
        DOCUSIGN_HMAC_KEY,
        ACCESS_TOKEN,
        "callback-token-secret-1618",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([key_body])
    .collect()
}

/// Prints `value` both ways and fails naming `what` if a secret shows.
#[track_caller]
fn assert_clean(what: &str, value: &dyn std::fmt::Debug, secrets: &[String]) {
    for shown in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in secrets {
            assert!(
                !shown.contains(secret.as_str()),
                "{what} shows `{secret}`:\n{shown}"
            );
        }
    }
}

#[derive(Debug)]
struct FixedToken;

impl TokenSource for FixedToken {
    fn fetch(&self) -> BoxFuture<'_, signing::Result<Token>> {
        Box::pin(async { Token::bearer(ACCESS_TOKEN, Some(3600), Instant::now()) })
    }
}

#[tokio::test]
async fn no_public_type_shows_a_secret_in_debug() {
    let docusign = DocuSignEmulator::start().await;
    let pem = docusign.private_key_pem();
    let secrets = secrets(pem);

    // The core's webhook types.
    let secret = WebhookSecret::new(WEBHOOK_SECRET).expect("a valid secret");
    assert_clean("WebhookSecret", &secret, &secrets);
    let verifier = WebhookVerifier::new(secret.clone());
    assert_clean("WebhookVerifier", &verifier, &secrets);
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("authorization"),
        HeaderValue::from_str(&format!("Bearer {ACCESS_TOKEN}")).unwrap(),
    );
    let request = WebhookRequest::new(headers, format!("{{\"token\":\"{ACCESS_TOKEN}\"}}"))
        .with_path(CALLBACK_PATH);
    assert_clean("WebhookRequest", &request, &secrets);
    assert_clean(
        "SecretString",
        &SecretString::from(HEYSIGN_CLIENT_SECRET),
        &secrets,
    );

    // HeySign: its builder, provider and client, and a created webhook.
    let heysign = HeySignBuilder::new()
        .with_client_credentials("client-id", HEYSIGN_CLIENT_SECRET)
        .with_webhook_secret(WebhookSecret::new(WEBHOOK_SECRET).expect("a whsec_ secret"))
        .with_issuer("Acme AB");
    assert_clean("HeySignBuilder", &heysign, &secrets);
    let heysign = heysign.build().expect("a valid configuration");
    assert_clean("HeySign", &heysign, &secrets);
    assert_clean("HeySignClient", heysign.client(), &secrets);
    let created: CreatedWebhook = serde_json::from_value(serde_json::json!({
        "id": "b5bc4c67-0b1c-4d54-8bb9-9d2b33ad7f1e",
        "url": "https://app.example.com/hooks",
        "secret": WEBHOOK_SECRET,
    }))
    .expect("a created webhook");
    assert_clean("CreatedWebhook", &created, &secrets);

    // LEAP Sign.
    let leap = LeapSignBuilder::new()
        .with_api_key(LEAP_API_KEY)
        .with_callback("https://app.example.com/leap", LEAP_CALLBACK_SECRET)
        .with_previous_callback_secret("leap-callback-secret-0123456789-old");
    assert_clean("LeapSignBuilder", &leap, &secrets);
    let leap = leap.build().expect("a valid configuration");
    assert_clean("LeapSign", &leap, &secrets);
    assert_clean("LeapSignClient", leap.client(), &secrets);

    // DocuSign, with the emulator's RSA key.
    let builder = DocuSignBuilder::new()
        .with_integration_key("integration-key")
        .with_user_id("user-id")
        .with_account_id("account-id")
        .with_private_key_pem(pem)
        .with_hmac_key(DOCUSIGN_HMAC_KEY);
    assert_clean("DocuSignBuilder", &builder, &secrets);
    let provider = builder.build().expect("a valid configuration");
    assert_clean("DocuSign", &provider, &secrets);
    assert_clean("DocuSignClient", provider.client(), &secrets);

    // The configuration of every provider.
    let configs = [
        format!(
            "provider = \"heysign\"\nclient_id = \"id\"\nclient_secret = \"{HEYSIGN_CLIENT_SECRET}\"\nwebhook_secret = \"{WEBHOOK_SECRET}\"\nissuer = \"Acme AB\""
        ),
        format!(
            "provider = \"leap-sign\"\napi_key = \"{LEAP_API_KEY}\"\ncallback_base_url = \"https://app.example.com/leap\"\ncallback_secret = \"{LEAP_CALLBACK_SECRET}\""
        ),
        format!(
            "provider = \"docusign\"\nintegration_key = \"ik\"\nuser_id = \"u\"\nprivate_key = \"\"\"\n{pem}\"\"\"\nhmac_keys = \"{DOCUSIGN_HMAC_KEY}\""
        ),
    ];
    for toml in configs {
        let config = ProviderConfig::from_toml_str(&toml).expect("a valid configuration");
        assert_clean("ProviderConfig", &config, &secrets);
        match &config {
            ProviderConfig::HeySign(settings) => assert_clean("HeySignConfig", settings, &secrets),
            ProviderConfig::LeapSign(settings) => {
                assert_clean("LeapSignConfig", settings, &secrets);
            }
            ProviderConfig::DocuSign(settings) => {
                assert_clean("DocuSignConfig", settings, &secrets);
            }
            other => assert_clean("ProviderConfig", other, &secrets),
        }
        let built = config.build_typed().expect("builds");
        assert_clean("BuiltProvider", &built, &secrets);
        let provider: Arc<dyn SigningProvider> = built.into_dyn();
        assert_clean("the configured provider", &provider, &secrets);
    }

    // The in-memory provider signs its deliveries with a secret too.
    let memory = MemoryProvider::builder().webhook_secret(secret).build();
    assert_clean("MemoryProvider", &memory, &secrets);

    // The shared HTTP layer: an API key header, a token, a token cache holding one.
    let auth = Auth::api_key(
        "api_key",
        HeaderName::from_static("x-api-key"),
        &SecretString::from(LEAP_API_KEY),
    )
    .expect("a header value");
    assert_clean("Auth (header)", &auth, &secrets);
    let token = Token::bearer(ACCESS_TOKEN, Some(60), Instant::now()).unwrap();
    assert_clean("Token", &token, &secrets);
    let cache = Arc::new(TokenCache::new(FixedToken));
    cache.token().await.expect("a token");
    assert_clean("TokenCache", &cache, &secrets);
    assert_clean("Auth (tokens)", &Auth::tokens(cache), &secrets);
}

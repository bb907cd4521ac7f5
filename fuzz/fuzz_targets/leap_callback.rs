//! Feeds arbitrary callback paths and bodies to the LEAP Sign adapter's `parse_webhook`.
//!
//! The input is split on its first `\n` into the request path and the body. Half of the inputs
//! get a correctly tokened path for the nonce they carry, so the fuzzer also reaches the body
//! parser and the confirmation step (which fails fast: the API points at a closed port).

#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use leap_sign::LeapSign;
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use signing_core::{ErrorKind, RetryPolicy, SigningProvider, WebhookRequest};

const SECRET: &str = "a callback secret for fuzzing";
const BASE: &str = "https://app.example.com/leap";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

fn provider() -> &'static LeapSign {
    static PROVIDER: OnceLock<LeapSign> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        // Port 9 (discard) on loopback refuses connections: the confirmation fails at once.
        LeapSign::builder()
            .with_base_url("http://127.0.0.1:9")
            .with_api_key("fuzz-key")
            .with_callback(BASE, SECRET)
            .with_retry(RetryPolicy::never())
            .with_connect_timeout(Duration::from_millis(50))
            .with_timeout(Duration::from_millis(100))
            .build()
            .expect("a valid configuration")
    })
}

/// The token the adapter documents: base64url(HMAC-SHA256(secret, context + nonce)).
fn token(nonce: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).expect("any key");
    mac.update(b"leap-sign callback v1\n");
    mac.update(nonce.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let tokened = head.starts_with('+');
    let path = if tokened {
        // A nonce of URL-safe characters, with its genuine token.
        let nonce: String = head[1..]
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(64)
            .collect();
        if nonce.is_empty() {
            return;
        }
        format!("/leap/{nonce}/{}", token(&nonce))
    } else {
        head.into_owned()
    };
    let request = WebhookRequest::new(http::HeaderMap::new(), body.to_vec()).with_path(&path);
    let outcome = runtime().block_on(provider().parse_webhook(&request));
    match outcome {
        // Nothing is confirmed without a reachable API.
        Ok(events) => panic!("unconfirmed callback accepted: {events:?}"),
        Err(err) => match err.kind() {
            ErrorKind::WebhookVerification(_) => {}
            // Only a genuinely tokened callback with a project id reaches the confirmation.
            ErrorKind::Transport { .. } | ErrorKind::OutcomeUnknown { .. } => {
                assert!(tokened, "an untokened callback reached the network: {path}");
            }
            other => panic!("unexpected error kind {other:?} for {path}"),
        },
    }
});

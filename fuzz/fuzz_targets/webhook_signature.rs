//! Arbitrary `webhook-id`, `webhook-timestamp` and `webhook-signature` headers and body, verified
//! with a fixed secret at a fixed time.
//!
//! The input is split on the first three `\n` bytes: id, timestamp, signature, and the rest is
//! the body. A header whose bytes are not a valid header value is left out.

#![no_main]

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use signing_core::webhook::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, WebhookError, WebhookSecret, WebhookVerifier,
};
use time::OffsetDateTime;

/// The Standard Webhooks published test vector's secret and timestamp.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_614_265_330;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let id = parts.next().unwrap_or_default();
    let timestamp = parts.next().unwrap_or_default();
    let signature = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();

    let mut headers = HeaderMap::new();
    for (name, value) in [
        (HEADER_ID, id),
        (HEADER_TIMESTAMP, timestamp),
        (HEADER_SIGNATURE, signature),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }

    let secret = WebhookSecret::new(SECRET).expect("valid secret");
    let verifier = WebhookVerifier::new(secret.clone());
    let now = OffsetDateTime::from_unix_timestamp(NOW).expect("valid time");

    match verifier.verify_at(&headers, body, now) {
        Ok(verified) => {
            // Only the exact signature of (id, timestamp, body) may verify.
            let id = std::str::from_utf8(id)
                .expect("a verified id is text")
                .trim();
            let timestamp = verified.timestamp.unix_timestamp();
            let expected = secret.sign(id, timestamp, body);
            let signature = std::str::from_utf8(signature).expect("verified signature is text");
            assert_eq!(verified.id, id);
            assert!(
                signature.split(' ').any(|entry| entry == expected),
                "verified without the expected signature {expected}"
            );
        }
        Err(
            WebhookError::SignatureMismatch
            | WebhookError::NoSupportedSignature
            | WebhookError::MalformedSignature,
        ) => {
            // The headers and the timestamp were accepted: adding the right signature to the
            // same header must make the delivery verify.
            let id = headers[HEADER_ID]
                .to_str()
                .expect("accepted id")
                .trim()
                .to_owned();
            let timestamp: i64 = headers[HEADER_TIMESTAMP]
                .to_str()
                .expect("accepted timestamp")
                .trim()
                .parse()
                .expect("accepted timestamp is a number");
            let good = secret.sign(&id, timestamp, body);
            let combined = format!(
                "{} {good}",
                headers[HEADER_SIGNATURE]
                    .to_str()
                    .expect("accepted signature")
            );
            headers.insert(
                HEADER_SIGNATURE,
                HeaderValue::from_str(&combined).expect("still a valid header"),
            );
            let verified = verifier
                .verify_at(&headers, body, now)
                .expect("the right signature verifies");
            assert_eq!(verified.id, id);
        }
        Err(_) => {}
    }
});

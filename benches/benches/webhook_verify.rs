//! Webhook verification: ours (`WebhookVerifier::verify_at`) against the `standardwebhooks`
//! crate and against a bare HMAC-SHA256 over the same signed content (`id.timestamp.body`) with
//! a constant-time compare, for 1 KB and 20 KB bodies.
//!
//! All three read the same three headers and reject on mismatch; the bare version skips what a
//! verifier must also do (timestamp tolerance, several signatures, several secrets), so it is
//! the floor.
//!
//! DocuSign Connect the same way: `ConnectVerifier::verify` (what the adapter's `parse_webhook`
//! checks first) against a bare HMAC-SHA256 over the body, compared with the one
//! `X-DocuSign-Signature-1` header. The bare version skips the other signature headers and
//! keys a rotation needs.

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::Sha256;
use signing_core::webhook::{WebhookSecret, WebhookVerifier, signature_headers};
use std::time::Duration;
use time::OffsetDateTime;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_2bQbmBIgsVAiL1DfCpMzUnFXDtq";

/// A JSON body of exactly `len` bytes.
fn body(len: usize) -> Vec<u8> {
    let prefix = br#"{"type":"agreement.completed","data":{"pad":""#;
    let suffix = br#""}}"#;
    let mut body = prefix.to_vec();
    body.resize(len - suffix.len(), b'x');
    body.extend_from_slice(suffix);
    body
}

/// The floor: the three headers read, the signature decoded, one HMAC, one constant-time
/// compare.
fn bare_hmac(key: &[u8], headers: &HeaderMap, body: &[u8]) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(timestamp), Some(signature)) = (
        text("webhook-id"),
        text("webhook-timestamp"),
        text("webhook-signature"),
    ) else {
        return false;
    };
    let Some(Ok(signature)) = signature.strip_prefix("v1,").map(|s| BASE64.decode(s)) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// The Connect floor: one header read, the signature decoded, one HMAC over the body, one
/// constant-time compare.
fn bare_connect_hmac(key: &[u8], headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(Ok(signature)) = headers
        .get("x-docusign-signature-1")
        .and_then(|v| v.to_str().ok())
        .map(|s| BASE64.decode(s))
    else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

fn connect(c: &mut Criterion) {
    const KEY: &str = "nT0yDmVmAa3bX0cVkJ2p0yQ6mNrm7Xk3nB1vC8zQe2Y=";
    let ours = docusign::ConnectVerifier::new([KEY]);
    for (label, len) in [("1KB", 1024), ("20KB", 20 * 1024)] {
        let body = body(len);
        // The headers of a real delivery besides the signature, which both sides skip past.
        let mut headers = docusign::connect_signature_headers(&[KEY], &body);
        for (name, value) in [
            ("content-type", "application/json"),
            ("user-agent", "DocuSign-Connect/1.0"),
            ("x-docusign-tls-verification", "true"),
            ("content-length", "1024"),
        ] {
            headers.insert(name, http::HeaderValue::from_static(value));
        }
        assert!(ours.verify(&headers, &body).is_ok());
        assert!(bare_connect_hmac(KEY.as_bytes(), &headers, &body));

        let mut group = c.benchmark_group(format!("connect_verify_{label}"));
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function("ours", |b| {
            b.iter(|| {
                ours.verify(black_box(&headers), black_box(&body))
                    .expect("verified");
            });
        });
        group.bench_function("bare_hmac", |b| {
            b.iter(|| {
                assert!(bare_connect_hmac(
                    black_box(KEY.as_bytes()),
                    black_box(&headers),
                    black_box(&body)
                ));
            });
        });
        group.finish();
    }
}

fn benches(c: &mut Criterion) {
    let secret = WebhookSecret::new(SECRET).expect("a valid secret");
    let ours = WebhookVerifier::new(secret.clone());
    let reference = standardwebhooks::Webhook::new(SECRET).expect("a valid secret");
    let key = BASE64
        .decode(SECRET.trim_start_matches("whsec_"))
        .expect("base64");

    for (label, len) in [("1KB", 1024), ("20KB", 20 * 1024)] {
        let body = body(len);
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let headers = signature_headers(&secret, ID, now, &body).expect("signable");
        // All three must accept the delivery, or the comparison means nothing.
        assert!(ours.verify(&headers, &body).is_ok());
        assert!(reference.verify(&body, &headers).is_ok());
        assert!(bare_hmac(&key, &headers, &body));

        let mut group = c.benchmark_group(format!("webhook_verify_{label}"));
        group.throughput(Throughput::Bytes(len as u64));
        // The caller's clock reading, as `verify_at` takes it; the crate reads the clock itself
        // (about 25 ns), and the bare computation checks no time at all.
        let now = OffsetDateTime::now_utc();
        group.bench_function("ours", |b| {
            b.iter(|| {
                ours.verify_at(black_box(&headers), black_box(&body), black_box(now))
                    .expect("verified")
            });
        });
        group.bench_function("standardwebhooks", |b| {
            b.iter(|| {
                reference
                    .verify(black_box(&body), black_box(&headers))
                    .expect("verified");
            });
        });
        group.bench_function("bare_hmac", |b| {
            b.iter(|| {
                assert!(bare_hmac(
                    black_box(&key),
                    black_box(&headers),
                    black_box(&body)
                ));
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = group;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    targets = benches, connect
}
criterion_main!(group);

//! Our Standard Webhooks implementation agrees with the reference `standardwebhooks` crate in
//! both directions.

use http::HeaderMap;
use signing_core::webhook::{WebhookSecret, WebhookVerifier, signature_headers};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn bodies() -> Vec<Vec<u8>> {
    vec![
        br#"{"test": 2432232314}"#.to_vec(),
        br#"{"type":"agreement.completed","data":{"id":"x"}}"#.to_vec(),
        "{\"name\":\"Åsa Öberg\"}".as_bytes().to_vec(),
        format!("{{\"pad\":\"{}\"}}", "x".repeat(20_000)).into_bytes(),
    ]
}

#[test]
fn the_reference_crate_accepts_what_we_sign() {
    let ours = WebhookSecret::new(SECRET).unwrap();
    let reference = standardwebhooks::Webhook::new(SECRET).unwrap();
    for (i, body) in bodies().into_iter().enumerate() {
        let id = format!("msg_{i}");
        let headers = signature_headers(&ours, &id, now(), &body).unwrap();
        reference
            .verify(&body, &headers)
            .unwrap_or_else(|e| panic!("body {i}: {e:?}"));
    }
}

#[test]
fn we_accept_what_the_reference_crate_signs() {
    let reference = standardwebhooks::Webhook::new(SECRET).unwrap();
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap());
    for (i, body) in bodies().into_iter().enumerate() {
        let id = format!("msg_{i}");
        let timestamp = now();
        let signature = reference.sign(&id, timestamp, &body).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", id.parse().unwrap());
        headers.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
        headers.insert("webhook-signature", signature.parse().unwrap());
        let outcome = verifier.verify(&headers, &body).unwrap();
        assert_eq!(outcome.id, id);
        assert_eq!(outcome.timestamp.unix_timestamp(), timestamp);
    }
}

#[test]
fn both_refuse_a_tampered_body() {
    let ours = WebhookSecret::new(SECRET).unwrap();
    let reference = standardwebhooks::Webhook::new(SECRET).unwrap();
    let headers = signature_headers(&ours, "msg_t", now(), b"{\"amount\":1}").unwrap();
    assert!(reference.verify(b"{\"amount\":2}", &headers).is_err());
    assert!(
        WebhookVerifier::new(ours)
            .verify(&headers, b"{\"amount\":2}")
            .is_err()
    );
}

//! Arbitrary webhook requests never panic the HeySign adapter: a correctly signed body of any
//! shape is either an event or an invalid-payload refusal, and anything else is refused as
//! unverified.

use std::sync::OnceLock;

use heysign::HeySign;
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use signing_core::webhook::{WebhookError, WebhookSecret, signature_headers};
use signing_core::{ErrorKind, SigningProvider, WebhookRequest};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fn provider() -> &'static HeySign {
    static PROVIDER: OnceLock<HeySign> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        heysign::HeySignBuilder::new()
            .with_client_credentials("id", "secret")
            .with_webhook_secret(WebhookSecret::new(SECRET).unwrap())
            .build()
            .unwrap()
    })
}

/// JSON-ish bodies: arbitrary bytes, and objects with arbitrary `type` and `data`.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let json = (
        prop_oneof![
            Just("agreement.completed".to_owned()),
            Just("signee.signsession.completed".to_owned()),
            Just("document.created".to_owned()),
            ".{0,40}"
        ],
        prop_oneof![
            Just(serde_json::json!({"id": "a-1", "status": "Cancelled"})),
            Just(serde_json::json!({"id": 7, "agreement_id": null, "attributes": []})),
            Just(serde_json::json!("text")),
            Just(serde_json::Value::Null),
        ],
        prop_oneof![
            Just(Some("2026-01-02T03:04:05Z")),
            Just(Some("yesterday")),
            Just(None)
        ],
    )
        .prop_map(|(kind, data, timestamp)| {
            let mut body = serde_json::json!({"type": kind, "data": data});
            if let Some(timestamp) = timestamp {
                body["timestamp"] = timestamp.into();
            }
            body.to_string().into_bytes()
        });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..256), json]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn signed_bodies_of_any_shape_are_events_or_invalid_payloads(body in body(), id in "msg_[a-z0-9]{1,20}") {
        let secret = WebhookSecret::new(SECRET).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let headers = signature_headers(&secret, &id, now, &body).unwrap();
        let outcome = runtime().block_on(provider().parse_webhook(&WebhookRequest::new(headers, body)));
        match outcome {
            Ok(events) => {
                prop_assert_eq!(events.len(), 1);
                prop_assert_eq!(events[0].id.as_str(), id.as_str());
                prop_assert!(events[0].verified);
            }
            Err(err) => prop_assert!(
                matches!(err.kind(), ErrorKind::WebhookVerification(WebhookError::InvalidPayload(_))),
                "{:?}", err
            ),
        }
    }

    #[test]
    fn unsigned_requests_of_any_shape_are_refused(
        headers in prop::collection::vec(
            (prop_oneof![Just("webhook-id"), Just("webhook-timestamp"), Just("webhook-signature"), Just("x-other")],
             prop::collection::vec(any::<u8>(), 0..64)),
            0..6,
        ),
        body in body(),
    ) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        let outcome = runtime().block_on(provider().parse_webhook(&WebhookRequest::new(map, body)));
        let err = outcome.expect_err("nothing unsigned verifies");
        prop_assert!(matches!(err.kind(), ErrorKind::WebhookVerification(_)), "{:?}", err);
    }
}

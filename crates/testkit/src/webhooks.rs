//! Fake Standard Webhooks deliveries, signed as a provider would sign them, and deliberately
//! broken variants to prove a receiver refuses them.
//!
//! ```
//! use signing_core::webhook::{WebhookError, WebhookSecret, WebhookVerifier};
//! use signing_testkit::webhooks::WebhookFixture;
//!
//! let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let fixture = WebhookFixture::new(secret.clone(), r#"{"type":"agreement.completed"}"#);
//! let verifier = WebhookVerifier::new(secret);
//!
//! let good = fixture.signed();
//! assert!(verifier.verify(&good.headers, &good.body).is_ok());
//!
//! let tampered = fixture.tampered();
//! assert_eq!(
//!     verifier.verify(&tampered.headers, &tampered.body),
//!     Err(WebhookError::SignatureMismatch)
//! );
//! # Ok::<(), WebhookError>(())
//! ```

use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use signing_core::WebhookRequest;
use signing_core::webhook::{HEADER_SIGNATURE, WebhookSecret, signature_headers};
use time::OffsetDateTime;

/// A webhook body with the id, timestamp and secret to sign it with.
#[derive(Debug, Clone)]
pub struct WebhookFixture {
    secret: WebhookSecret,
    id: String,
    timestamp: i64,
    body: Bytes,
}

impl WebhookFixture {
    /// A delivery of `body` signed with `secret`, with a fresh id and the current time.
    pub fn new(secret: WebhookSecret, body: impl Into<Bytes>) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            secret,
            id: format!("msg_{}", now.unix_timestamp_nanos()),
            timestamp: now.unix_timestamp(),
            body: body.into(),
        }
    }

    /// Uses this `webhook-id` (visible ASCII, as providers issue them; other ids make the
    /// fixture panic when signing, as a mistake in the test).
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Uses this `webhook-timestamp` (Unix seconds).
    #[must_use]
    pub fn timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// Correctly signed.
    pub fn signed(&self) -> WebhookRequest {
        self.sign_as(&self.secret, self.timestamp, self.body.clone())
    }

    /// Correctly signed, but `age` old: refused by a verifier whose tolerance is shorter.
    pub fn stale(&self, age: Duration) -> WebhookRequest {
        let age = i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
        self.sign_as(
            &self.secret,
            self.timestamp.saturating_sub(age),
            self.body.clone(),
        )
    }

    /// Correctly signed, but dated `ahead` in the future.
    pub fn from_the_future(&self, ahead: Duration) -> WebhookRequest {
        let ahead = i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX);
        self.sign_as(
            &self.secret,
            self.timestamp.saturating_add(ahead),
            self.body.clone(),
        )
    }

    /// Signed, then the body changed by one byte.
    pub fn tampered(&self) -> WebhookRequest {
        let mut request = self.signed();
        request.body = tamper(&request.body);
        request
    }

    /// Signed with another key.
    pub fn wrong_key(&self) -> WebhookRequest {
        let other = WebhookSecret::from_bytes(b"not the configured secret".to_vec())
            .expect("a non-empty key");
        self.sign_as(&other, self.timestamp, self.body.clone())
    }

    /// With a `webhook-signature` header holding this value instead of the signature.
    pub fn with_signature_header(&self, value: &str) -> WebhookRequest {
        let mut request = self.signed();
        match HeaderValue::from_str(value) {
            Ok(value) => {
                request.headers.insert(HEADER_SIGNATURE, value);
            }
            Err(_) => {
                request.headers.remove(HEADER_SIGNATURE);
            }
        }
        request
    }

    /// Without the header `name`.
    pub fn without_header(&self, name: &str) -> WebhookRequest {
        let mut request = self.signed();
        request.headers.remove(name);
        request
    }

    fn sign_as(&self, secret: &WebhookSecret, timestamp: i64, body: Bytes) -> WebhookRequest {
        let headers = signature_headers(secret, &self.id, timestamp, &body)
            .expect("a fixture's webhook id must be visible ASCII");
        WebhookRequest::new(headers, body)
    }
}

/// `body` with one byte changed (or one added, if it is empty).
pub fn tamper(body: &[u8]) -> Bytes {
    let mut changed = body.to_vec();
    match changed.iter_mut().rev().find(|b| b.is_ascii_alphanumeric()) {
        Some(byte) => *byte = if *byte == b'0' { b'1' } else { b'0' },
        None => changed.push(b' '),
    }
    Bytes::from(changed)
}

#[cfg(test)]
mod tests {
    use signing_core::webhook::{WebhookError, WebhookVerifier};

    use super::*;

    #[test]
    fn variants_fail_for_the_right_reason() {
        let secret = WebhookSecret::from_bytes(b"a test key of 24 bytes..".to_vec()).unwrap();
        let fixture = WebhookFixture::new(secret.clone(), "{\"a\":1}").id("msg_x");
        let verifier = WebhookVerifier::new(secret);
        let verify = |r: WebhookRequest| verifier.verify(&r.headers, &r.body);

        assert_eq!(verify(fixture.signed()).unwrap().id, "msg_x");
        assert!(matches!(
            verify(fixture.stale(Duration::from_secs(600))),
            Err(WebhookError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            verify(fixture.from_the_future(Duration::from_secs(600))),
            Err(WebhookError::TimestampInFuture { .. })
        ));
        assert_eq!(
            verify(fixture.tampered()),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verify(fixture.wrong_key()),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verify(fixture.with_signature_header("v1,")),
            Err(WebhookError::MalformedSignature)
        );
        assert_eq!(
            verify(fixture.without_header("webhook-id")),
            Err(WebhookError::MissingHeader("webhook-id"))
        );
    }

    #[test]
    fn tamper_changes_exactly_one_byte() {
        let changed = tamper(b"{\"a\":1}");
        assert_eq!(&changed[..], b"{\"a\":0}");
        assert_eq!(&tamper(b"")[..], b" ");
    }
}

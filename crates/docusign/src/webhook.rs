//! Connect messages: HMAC signatures verified before anything else is read.
//!
//! DocuSign signs the raw body with every active HMAC key of the account: header
//! `X-DocuSign-Signature-N` holds base64(HMAC-SHA256(key N, body)), the key used as the bytes of
//! the string DocuSign shows (it is not base64-decoded first). A message is genuine when any of
//! its signatures matches under any configured key, so keys can be rotated: configure the new
//! key next to the old one, then drop the old one. Each comparison is constant-time
//! (`Mac::verify_slice`), and the work is bounded: at most [`MAX_SIGNATURE_HEADERS`] signatures
//! are considered.
//!
//! Nothing in a message says when it was signed, so no tolerance window can refuse an old one:
//! a replay of a genuine message verifies. Every event carries an id stable across DocuSign's
//! redeliveries (event, envelope, recipient and `generatedDateTime`, which DocuSign keeps in
//! retries; `retryCount` changes and is left out), so an application drops duplicates by that
//! id, or lets a [`ReplayGuard`] refuse them.

use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use signing_core::webhook::{WebhookError, WebhookTiming};
use signing_core::{Error, Event, RawJson, ReplayGuard, Result, WebhookRequest};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::PROVIDER;
use crate::mapping;
use crate::wire::ConnectMessage;

/// The most `X-DocuSign-Signature-N` headers looked at: DocuSign allows at most 100 HMAC keys
/// per account, one header each. A message with more is refused.
pub const MAX_SIGNATURE_HEADERS: usize = 100;

/// The prefix of the signature headers, lower-case as `http` names them.
const SIGNATURE_PREFIX: &str = "x-docusign-signature-";
/// The header named in errors.
const SIGNATURE_HEADER: &str = "x-docusign-signature-1";
/// The length of an HMAC-SHA256.
const MAC_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Verifies Connect messages and turns them into events.
#[derive(Clone, Default)]
pub(crate) struct ConnectWebhooks {
    verifier: ConnectVerifier,
    timing: WebhookTiming,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
}

impl ConnectWebhooks {
    pub(crate) fn new(
        keys: Vec<SecretString>,
        timing: WebhookTiming,
        replay_guard: Option<Arc<dyn ReplayGuard>>,
    ) -> Self {
        Self {
            verifier: ConnectVerifier { keys },
            timing,
            replay_guard,
        }
    }

    /// The event of a message whose signature verifies.
    pub(crate) async fn parse(&self, request: &WebhookRequest) -> Result<Vec<Event>> {
        let refuse = |why: WebhookError| Error::from(why).with_provider(PROVIDER);
        self.verifier
            .verify(&request.headers, &request.body)
            .map_err(refuse)?;
        let (message, raw) = RawJson::decode::<ConnectMessage>(request.body.clone())
            .map_err(|e| refuse(WebhookError::InvalidPayload(e.to_string())))?;
        if let Some(tolerance) = self.timing.tolerance() {
            self.check_age(&message, tolerance).map_err(refuse)?;
        }
        let id = event_id(&message, &request.body);
        if let Some(guard) = &self.replay_guard
            && !guard.first_seen(&id).await?
        {
            return Err(refuse(WebhookError::Replayed(id)));
        }
        Ok(vec![mapping::event(id, &message, raw)])
    }

    /// Refuses a message generated further than `tolerance` from now: the signed
    /// `generatedDateTime` is the only time a message carries.
    fn check_age(&self, message: &ConnectMessage, tolerance: Duration) -> Result<(), WebhookError> {
        let generated = message
            .generated_date_time
            .as_deref()
            .and_then(|text| OffsetDateTime::parse(text.trim(), &Rfc3339).ok())
            .ok_or_else(|| {
                WebhookError::InvalidPayload(
                    "no `generatedDateTime`, so the message's age cannot be checked".to_owned(),
                )
            })?;
        self.timing.check(generated, tolerance)
    }
}

/// Verifies the HMAC signatures of Connect messages: what [`DocuSign`](crate::DocuSign)'s
/// `parse_webhook` checks before it reads a message, for a service that only receives Connect
/// messages and needs no API credentials.
///
/// ```
/// use docusign::{ConnectVerifier, connect_signature_headers};
///
/// let body = br#"{"event":"envelope-sent"}"#;
/// let headers = connect_signature_headers(&["old-key", "new-key"], body);
/// assert!(ConnectVerifier::new(["new-key"]).verify(&headers, body).is_ok());
/// assert!(ConnectVerifier::new(["other-key"]).verify(&headers, body).is_err());
/// ```
#[derive(Clone, Default)]
pub struct ConnectVerifier {
    keys: Vec<SecretString>,
}

impl ConnectVerifier {
    /// A verifier accepting a signature under any of `keys` (the HMAC keys as DocuSign shows
    /// them).
    pub fn new<K: Into<String>>(keys: impl IntoIterator<Item = K>) -> Self {
        Self {
            keys: keys
                .into_iter()
                .map(|key| SecretString::from(key.into()))
                .collect(),
        }
    }

    /// Checks that one of the message's `X-DocuSign-Signature-N` headers is the HMAC-SHA256 of
    /// `body` under one of the keys.
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        if self.keys.is_empty() {
            return Err(WebhookError::NoSecret);
        }
        // Decoded into fixed arrays rather than a vector each: one allocation per message.
        let mut signatures: Vec<[u8; MAC_LEN]> = Vec::new();
        let mut seen = 0_usize;
        for (name, value) in headers {
            let Some(number) = name.as_str().strip_prefix(SIGNATURE_PREFIX) else {
                continue;
            };
            if !number.bytes().all(|b| b.is_ascii_digit()) || number.is_empty() {
                continue;
            }
            seen += 1;
            if seen > MAX_SIGNATURE_HEADERS {
                return Err(WebhookError::InvalidHeader(SIGNATURE_HEADER));
            }
            if let Some(mac) = value.to_str().ok().and_then(decode_mac) {
                signatures.push(mac);
            }
        }
        if seen == 0 {
            return Err(WebhookError::MissingHeader(SIGNATURE_HEADER));
        }
        if signatures.is_empty() {
            return Err(WebhookError::MalformedSignature);
        }
        for key in &self.keys {
            // HMAC takes keys of any length.
            let Ok(mut mac) = HmacSha256::new_from_slice(key.expose_secret().as_bytes()) else {
                continue;
            };
            mac.update(body);
            if signatures
                .iter()
                .any(|signature| mac.clone().verify_slice(signature).is_ok())
            {
                return Ok(());
            }
        }
        Err(WebhookError::SignatureMismatch)
    }
}

impl fmt::Debug for ConnectVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectVerifier")
            .field("keys", &format_args!("[{} redacted]", self.keys.len()))
            .finish()
    }
}

/// A base64 HMAC-SHA256, or `None` when the text is not one.
fn decode_mac(text: &str) -> Option<[u8; MAC_LEN]> {
    let text = text.trim();
    // 32 bytes take 44 characters of base64; the buffer has room for one byte more so that a
    // longer value is told apart from a MAC rather than cut to one.
    let mut mac = [0_u8; MAC_LEN + 1];
    match BASE64.decode_slice(text, &mut mac) {
        Ok(MAC_LEN) => {
            let mut exact = [0_u8; MAC_LEN];
            exact.copy_from_slice(&mac[..MAC_LEN]);
            Some(exact)
        }
        _ => None,
    }
}

/// The dedupe id of a message: the same for every delivery of one event. DocuSign keeps
/// `generatedDateTime` in its retries; a message without one is identified by its body's hash.
fn event_id(message: &ConnectMessage, body: &[u8]) -> String {
    let data = &message.data;
    if let Some(at) = message
        .generated_date_time
        .as_deref()
        .filter(|at| !at.is_empty())
    {
        return format!(
            "{}:{}:{}:{at}",
            message.event,
            data.envelope_id.as_ref().map_or("", |id| id.as_str()),
            data.recipient_id.as_ref().map_or("", |id| id.as_str()),
        );
    }
    let digest = Sha256::digest(body);
    let mut id = String::with_capacity(7 + 2 * digest.len());
    id.push_str("sha256:");
    for byte in digest {
        let _ = write!(id, "{byte:02x}");
    }
    id
}

/// `X-DocuSign-Signature-1` ... `-N` for `body`, one per key, as DocuSign would send them: for
/// tests and tools that play DocuSign.
///
/// ```
/// use docusign::connect_signature_headers;
///
/// let headers = connect_signature_headers(&["old-key", "new-key"], br#"{"event":"envelope-sent"}"#);
/// assert_eq!(headers.len(), 3);
/// assert!(headers.contains_key("x-docusign-signature-2"));
/// assert_eq!(headers["x-authorization-digest"], "HMACSHA256");
/// ```
pub fn connect_signature_headers(keys: &[&str], body: &[u8]) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::HeaderName::from_static("x-authorization-digest"),
        http::HeaderValue::from_static("HMACSHA256"),
    );
    for (number, key) in (1_usize..).zip(keys) {
        let Ok(mut mac) = HmacSha256::new_from_slice(key.as_bytes()) else {
            continue;
        };
        mac.update(body);
        let value = BASE64.encode(mac.finalize().into_bytes());
        let name = http::HeaderName::try_from(format!("{SIGNATURE_PREFIX}{number}"));
        let value = http::HeaderValue::try_from(value);
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.insert(name, value);
        }
    }
    headers
}

impl fmt::Debug for ConnectWebhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectWebhooks")
            .field("verifier", &self.verifier)
            .field("timing", &self.timing)
            .field("replay_guard", &self.replay_guard.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderName, HeaderValue};
    use serde_json::json;
    use signing_core::{ErrorKind, EventKind, InMemoryReplayGuard};

    use super::*;

    fn body() -> Vec<u8> {
        json!({
            "event": "envelope-completed", "retryCount": 0,
            "generatedDateTime": "2026-01-02T03:04:05.1234567Z",
            "data": {"envelopeId": "e-1", "accountId": "a-1"}
        })
        .to_string()
        .into_bytes()
    }

    fn webhooks(keys: &[&str]) -> ConnectWebhooks {
        ConnectWebhooks::new(
            keys.iter().map(|k| SecretString::from(*k)).collect(),
            WebhookTiming::new(),
            None,
        )
    }

    fn refusal(err: &Error) -> WebhookError {
        match err.kind() {
            ErrorKind::WebhookVerification(why) => why.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn any_signature_under_any_key_verifies() {
        let body = body();
        // DocuSign signs with its keys 1 and 2; the application knows key 2 and a new key 3.
        let headers = connect_signature_headers(&["key-1", "key-2"], &body);
        let request = WebhookRequest::new(headers, body.clone());
        let events = webhooks(&["key-3", "key-2"]).parse(&request).await.unwrap();
        assert_eq!(events[0].kind, EventKind::Completed);
        assert_eq!(
            events[0].id.as_str(),
            "envelope-completed:e-1::2026-01-02T03:04:05.1234567Z"
        );

        let err = webhooks(&["key-3"]).parse(&request).await.unwrap_err();
        assert_eq!(refusal(&err), WebhookError::SignatureMismatch);
        let err = webhooks(&[]).parse(&request).await.unwrap_err();
        assert_eq!(refusal(&err), WebhookError::NoSecret);
        let unsigned = WebhookRequest::new(HeaderMap::new(), body.clone());
        let err = webhooks(&["key-1"]).parse(&unsigned).await.unwrap_err();
        assert!(matches!(refusal(&err), WebhookError::MissingHeader(_)));

        let mut garbage = HeaderMap::new();
        garbage.insert(
            HeaderName::from_static("x-docusign-signature-1"),
            HeaderValue::from_static("not base64!"),
        );
        let err = webhooks(&["key-1"])
            .parse(&WebhookRequest::new(garbage, body))
            .await
            .unwrap_err();
        assert_eq!(refusal(&err), WebhookError::MalformedSignature);
    }

    #[tokio::test]
    async fn too_many_signature_headers_are_refused() {
        let body = body();
        let keys: Vec<String> = (0..=MAX_SIGNATURE_HEADERS)
            .map(|i| format!("k{i}"))
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let headers = connect_signature_headers(&keys, &body);
        assert_eq!(headers.len(), MAX_SIGNATURE_HEADERS + 2);
        let err = webhooks(&["k0"])
            .parse(&WebhookRequest::new(headers, body.clone()))
            .await
            .unwrap_err();
        assert!(matches!(refusal(&err), WebhookError::InvalidHeader(_)));
        let headers = connect_signature_headers(&keys[..MAX_SIGNATURE_HEADERS], &body);
        webhooks(&["k99"])
            .parse(&WebhookRequest::new(headers, body))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn redeliveries_keep_the_id_and_a_guard_refuses_them() {
        let first = body();
        let mut retry: serde_json::Value = serde_json::from_slice(&first).unwrap();
        retry["retryCount"] = json!(3);
        let retry = retry.to_string().into_bytes();
        let guard: Arc<dyn ReplayGuard> = Arc::new(InMemoryReplayGuard::new());
        let webhooks = ConnectWebhooks::new(
            vec![SecretString::from("k")],
            WebhookTiming::new(),
            Some(guard),
        );
        let send =
            |body: Vec<u8>| WebhookRequest::new(connect_signature_headers(&["k"], &body), body);
        let event = webhooks.parse(&send(first)).await.unwrap();
        let err = webhooks.parse(&send(retry)).await.unwrap_err();
        assert_eq!(
            refusal(&err),
            WebhookError::Replayed(event[0].id.to_string())
        );

        // Without `generatedDateTime` the body's hash is the id.
        let bare = br#"{"event":"envelope-sent","data":{}}"#.to_vec();
        let events =
            ConnectWebhooks::new(vec![SecretString::from("k")], WebhookTiming::new(), None)
                .parse(&send(bare))
                .await
                .unwrap();
        assert!(events[0].id.as_str().starts_with("sha256:"));
        assert_eq!(events[0].id.as_str().len(), 7 + 64);
    }

    #[tokio::test]
    async fn a_tolerance_bounds_the_age_of_generated_date_time_on_the_given_clock() {
        let body = body(); // generated 2026-01-02T03:04:05.1234567Z
        let request = WebhookRequest::new(connect_signature_headers(&["k"], &body), body);
        let generated = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        let at = |seconds: i64| -> WebhookTiming {
            WebhookTiming::new().with_clock(Arc::new(move || {
                generated + time::Duration::seconds(seconds)
            }))
        };
        let with = |timing: WebhookTiming| {
            ConnectWebhooks::new(vec![SecretString::from("k")], timing, None)
        };
        // No tolerance: a retry a day later still verifies (DocuSign keeps the time in retries).
        with(at(86_400)).parse(&request).await.unwrap();
        let strict = |seconds| at(seconds).with_tolerance(Duration::from_secs(600));
        with(strict(600)).parse(&request).await.unwrap();
        let err = with(strict(601)).parse(&request).await.unwrap_err();
        assert!(
            matches!(
                refusal(&err),
                WebhookError::TimestampTooOld { age_secs: 601, .. }
            ),
            "{err}"
        );
        let err = with(strict(-700)).parse(&request).await.unwrap_err();
        assert!(matches!(
            refusal(&err),
            WebhookError::TimestampInFuture { .. }
        ));
        // Without the time, the age cannot be checked: refused.
        let bare = br#"{"event":"envelope-sent","data":{}}"#.to_vec();
        let bare = WebhookRequest::new(connect_signature_headers(&["k"], &bare), bare);
        let err = with(strict(0)).parse(&bare).await.unwrap_err();
        assert!(matches!(refusal(&err), WebhookError::InvalidPayload(_)));
    }

    #[tokio::test]
    async fn a_signed_body_that_is_not_a_message_is_an_invalid_payload() {
        let body = b"[1, 2]".to_vec();
        let err = webhooks(&["k"])
            .parse(&WebhookRequest::new(
                connect_signature_headers(&["k"], &body),
                body,
            ))
            .await
            .unwrap_err();
        assert!(matches!(refusal(&err), WebhookError::InvalidPayload(_)));
    }
}

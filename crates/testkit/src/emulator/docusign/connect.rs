//! Connect: the webhook messages DocuSign posts for an envelope's `eventNotification`.
//!
//! Messages are JSON ("SIM" format, `eventData.version` `restv2.1`), shaped like DocuSign's
//! published sample payload, with real JSON numbers for `retryCount` and `configurationId`.
//! With `includeHMAC: "true"` every configured HMAC key signs the raw body:
//! `X-DocuSign-Signature-1` ... `-N` hold base64(HMAC-SHA256(key, body)), the key used as the
//! bytes of the string it is given, and `X-Authorization-Digest` says `HMACSHA256`.
//!
//! Messages go out one at a time, in the order the events happened, each tried once. Only
//! loopback URLs are called; any other URL is recorded with the message but never contacted.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, header};
use reqwest::Url;
use serde_json::Value;
use sha2::Sha256;
use signing_core::{EnvelopeId, EventKind};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::control::{Delivery, Recorder};
use crate::emulator::delivery::{self, Outgoing};
use crate::emulator::net::is_https_or_loopback;

/// The Connect events the emulator knows by name (the `events` list of an `eventNotification`).
/// It emits the `envelope-` ones for drafts, sending, delivery, completion, decline and void and
/// the `recipient-` ones for sent, delivered, completed and declined; the others are accepted in
/// a subscription but never happen here.
pub(super) const EVENTS: [&str; 20] = [
    "envelope-created",
    "envelope-sent",
    "envelope-resent",
    "envelope-delivered",
    "envelope-completed",
    "envelope-declined",
    "envelope-voided",
    "envelope-corrected",
    "envelope-purge",
    "envelope-deleted",
    "envelope-discard",
    "recipient-sent",
    "recipient-autoresponded",
    "recipient-delivered",
    "recipient-completed",
    "recipient-declined",
    "recipient-authenticationfailed",
    "recipient-resent",
    "recipient-reassign",
    "recipient-finish-later",
];

/// The interned name of a known Connect event.
pub(super) fn known_event(name: &str) -> Option<&'static str> {
    EVENTS.iter().copied().find(|event| *event == name)
}

/// The event of an `envelopeEvents[].envelopeEventStatusCode` (compared case-insensitively).
pub(super) fn envelope_event(code: &str) -> Option<&'static str> {
    let event = match code.to_ascii_lowercase().as_str() {
        "draft" => "envelope-created",
        "sent" => "envelope-sent",
        "delivered" => "envelope-delivered",
        "completed" => "envelope-completed",
        "declined" => "envelope-declined",
        "voided" => "envelope-voided",
        _ => return None,
    };
    Some(event)
}

/// The event of a `recipientEvents[].recipientEventStatusCode` (compared case-insensitively).
pub(super) fn recipient_event(code: &str) -> Option<&'static str> {
    let event = match code.to_ascii_lowercase().as_str() {
        "sent" => "recipient-sent",
        "delivered" => "recipient-delivered",
        "completed" => "recipient-completed",
        "declined" => "recipient-declined",
        "authenticationfailed" => "recipient-authenticationfailed",
        "autoresponded" => "recipient-autoresponded",
        _ => return None,
    };
    Some(event)
}

/// Checks an `eventNotification.url`: the specification requires `https`; plain `http` is
/// accepted for a loopback host so that tests can receive messages without TLS.
pub(super) fn check_url(raw: &str) -> Result<(), String> {
    if Url::parse(raw).is_err() {
        return Err(format!(
            "`eventNotification.url` is not an absolute URL: {raw}"
        ));
    }
    if is_https_or_loopback(raw) {
        Ok(())
    } else {
        Err(format!(
            "`eventNotification.url` must start with https (plain http only to a loopback host): {raw}"
        ))
    }
}

/// base64(HMAC-SHA256(key, body)), the key being the bytes of the string as configured.
pub(super) fn signature(key: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so the empty fallback is never used.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes())
        .map(|mut mac| {
            mac.update(body);
            BASE64.encode(mac.finalize().into_bytes())
        })
        .unwrap_or_default()
}

/// A Connect message ready to be posted.
#[derive(Debug, Clone)]
pub(super) struct Message {
    pub(super) url: String,
    pub(super) event: &'static str,
    pub(super) envelope_id: String,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    /// The body as the assumed answer mode words it.
    pub(super) assumed_body: Bytes,
}

impl Message {
    /// Serialises `payload` and signs it with every key when `include_hmac` is set; `assumed`
    /// is the same message as the assumed answer mode words it.
    pub(super) fn new(
        url: &str,
        event: &'static str,
        envelope_id: &str,
        payload: &Value,
        assumed: &Value,
        include_hmac: bool,
        keys: &[String],
    ) -> Self {
        let body = Bytes::from(payload.to_string());
        let assumed_body = if assumed == payload {
            body.clone()
        } else {
            Bytes::from(assumed.to_string())
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if include_hmac && !keys.is_empty() {
            headers.insert(
                HeaderName::from_static("x-authorization-digest"),
                HeaderValue::from_static("HMACSHA256"),
            );
            for (number, key) in (1_usize..).zip(keys) {
                let name = HeaderName::try_from(format!("x-docusign-signature-{number}"));
                let value = HeaderValue::try_from(signature(key, &body));
                if let (Ok(name), Ok(value)) = (name, value) {
                    headers.insert(name, value);
                }
            }
        }
        Self {
            url: url.to_owned(),
            event,
            envelope_id: envelope_id.to_owned(),
            headers,
            body,
            assumed_body,
        }
    }
}

/// One Connect message the emulator attempted to deliver.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ConnectDelivery {
    /// The `eventNotification.url` the message went to.
    pub url: String,
    /// The event, such as `envelope-completed` or `recipient-sent`.
    pub event: String,
    /// The envelope the event happened to.
    pub envelope_id: String,
    /// The headers sent: `content-type`, and with HMAC `x-authorization-digest` and
    /// `x-docusign-signature-1` ... `-N`.
    pub headers: HeaderMap,
    /// The exact body sent.
    pub body: Bytes,
    /// The body as [`AnswerMode::Assumed`](crate::emulator::AnswerMode::Assumed) words it,
    /// whatever the mode the message was sent in (in that mode, `body` itself): what a test
    /// compares `body` with.
    pub assumed_body: Bytes,
    /// The status the receiver answered with; `None` if it was not reached (see `error`).
    pub status: Option<u16>,
    /// Why no status is known: the receiver could not be reached or did not answer within five
    /// seconds, or the URL is not on this machine and was not called.
    pub error: Option<String>,
    /// Whether the receiver acknowledged the message with a 2xx status.
    pub accepted: bool,
}

impl ConnectDelivery {
    /// The body parsed as JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// [`assumed_body`](Self::assumed_body) parsed as JSON.
    pub fn assumed_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.assumed_body).ok()
    }
}

impl From<Delivery> for ConnectDelivery {
    fn from(delivery: Delivery) -> Self {
        Self {
            url: delivery.url,
            event: delivery.event,
            envelope_id: delivery
                .envelope_id
                .map(|id| id.as_str().to_owned())
                .unwrap_or_default(),
            headers: delivery.headers,
            body: delivery.body,
            assumed_body: delivery.assumed_body,
            status: delivery.status,
            error: delivery.error,
            accepted: delivery.accepted,
        }
    }
}

impl From<Message> for Outgoing {
    fn from(message: Message) -> Self {
        Self {
            kind: kind_of(message.event),
            event: message.event.to_owned(),
            envelope_id: Some(EnvelopeId::new(message.envelope_id)),
            url: message.url,
            headers: message.headers,
            body: message.body,
            assumed_body: message.assumed_body,
        }
    }
}

/// The library's name for a Connect event.
fn kind_of(event: &str) -> EventKind {
    match event {
        "envelope-created" => EventKind::Created,
        "envelope-sent" => EventKind::Sent,
        "envelope-completed" => EventKind::Completed,
        "envelope-declined" => EventKind::Declined,
        "envelope-voided" => EventKind::Cancelled,
        "recipient-delivered" => EventKind::SignerViewed,
        "recipient-completed" => EventKind::SignerSigned,
        "recipient-declined" => EventKind::SignerDeclined,
        other => EventKind::Other(other.to_owned()),
    }
}

/// The delivery queue of one emulator and the record of what it delivered.
#[derive(Debug)]
pub(super) struct Dispatcher {
    queue: mpsc::UnboundedSender<Message>,
    log: Arc<Recorder<Delivery>>,
    client: reqwest::Client,
}

impl Dispatcher {
    /// Starts the delivery task; abort the handle to stop it.
    pub(super) fn start() -> (Self, JoinHandle<()>) {
        let (queue, jobs) = mpsc::unbounded_channel();
        let log = Arc::new(Recorder::default());
        let client = delivery::client();
        let task = tokio::spawn(deliver_all(jobs, Arc::clone(&log), client.clone()));
        (Self { queue, log, client }, task)
    }

    /// Queues a message behind those queued before it.
    pub(super) fn dispatch(&self, message: Message) {
        // Sending fails only once the delivery task is gone, which happens when the emulator is
        // dropped; nobody is left then to observe a lost message.
        let _ = self.queue.send(message);
    }

    /// Every delivery attempted so far, in order.
    pub(super) fn deliveries(&self) -> Vec<Delivery> {
        self.log.all()
    }

    /// The first delivery that `matches`, waiting up to `timeout` for it.
    pub(super) async fn wait_for(
        &self,
        matches: impl Fn(&Delivery) -> bool,
        timeout: Duration,
    ) -> Option<Delivery> {
        self.log.wait_for(matches, timeout).await
    }

    /// Sends the recorded delivery number `index` again, byte for byte, and records the new
    /// attempt; `None` if there is no such delivery.
    pub(super) async fn redeliver(&self, index: usize) -> Option<Delivery> {
        let earlier = self.log.get(index)?;
        let delivery = delivery::attempt(&self.client, Outgoing::from(earlier)).await;
        self.log.push(delivery.clone());
        Some(delivery)
    }
}

async fn deliver_all(
    mut jobs: mpsc::UnboundedReceiver<Message>,
    log: Arc<Recorder<Delivery>>,
    client: reqwest::Client,
) {
    while let Some(message) = jobs.recv().await {
        log.push(delivery::attempt(&client, Outgoing::from(message)).await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signs_with_every_key() {
        // Computed independently: printf '{"a":1}' | openssl dgst -sha256 -hmac key -binary | base64
        assert_eq!(
            signature("key", br#"{"a":1}"#),
            "iKZ/JLvNrtDmyZdAS7eadDuvRMa6svTCcyjjAJ0i40I="
        );
        let message = Message::new(
            "http://127.0.0.1:9/hook",
            "envelope-sent",
            "e1",
            &json!({"a": 1}),
            &json!({"a": 1}),
            true,
            &["key".to_owned(), "other".to_owned()],
        );
        assert_eq!(message.body.as_ref(), br#"{"a":1}"#);
        assert_eq!(message.headers["x-authorization-digest"], "HMACSHA256");
        assert_eq!(
            message.headers["x-docusign-signature-1"],
            "iKZ/JLvNrtDmyZdAS7eadDuvRMa6svTCcyjjAJ0i40I="
        );
        assert_eq!(
            message.headers["x-docusign-signature-2"],
            signature("other", br#"{"a":1}"#).as_str()
        );
        let unsigned = Message::new(
            "http://x",
            "envelope-sent",
            "e1",
            &json!({}),
            &json!({"b": 2}),
            false,
            &[],
        );
        assert_eq!(unsigned.assumed_body.as_ref(), br#"{"b":2}"#);
        assert!(unsigned.headers.get("x-authorization-digest").is_none());
    }

    #[test]
    fn maps_status_codes_to_events() {
        assert_eq!(envelope_event("Completed"), Some("envelope-completed"));
        assert_eq!(envelope_event("draft"), Some("envelope-created"));
        assert_eq!(envelope_event("signed"), None);
        assert_eq!(
            recipient_event("AutoResponded"),
            Some("recipient-autoresponded")
        );
        assert_eq!(
            known_event("recipient-declined"),
            Some("recipient-declined")
        );
        assert_eq!(known_event("Recipient-Declined"), None);
    }

    #[test]
    fn urls_must_be_https_or_loopback() {
        assert!(check_url("https://example.com/hook").is_ok());
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("http://localhost/hook").is_ok());
        assert!(check_url("http://[::1]:9/hook").is_ok());
        assert!(check_url("http://example.com/hook").is_err());
        assert!(check_url("ftp://127.0.0.1/hook").is_err());
        assert!(check_url("/hook").is_err());
    }
}

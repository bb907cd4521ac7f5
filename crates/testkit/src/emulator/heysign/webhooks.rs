//! Webhook deliveries: Standard Webhooks signing, one ordered delivery queue per emulator, and
//! the record of every delivery attempt.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, header};
use serde_json::{Value, json};
use sha2::Sha256;
use signing_core::{EnvelopeId, EventKind};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::answers;
use super::clock;
use super::model::Webhook;
use crate::control::{Delivery, Recorder};
use crate::emulator::delivery::{self, Outgoing};
use crate::emulator::mode::AnswerMode;

/// Every event the API sends.
pub(super) const EVENTS: [&str; 9] = [
    "agreement.completed",
    "agreement.created",
    "agreement.published",
    "agreement.submitted",
    "agreement.updated",
    "document.created",
    "signee.created",
    "signee.signsession.created",
    "signee.signsession.completed",
];

const SECRET_PREFIX: &str = "whsec_";

/// The interned name of a known event.
pub(super) fn known_event(name: &str) -> Option<&'static str> {
    EVENTS.iter().copied().find(|event| *event == name)
}

/// A fresh webhook secret: `whsec_` and the base64 of 24 random bytes.
pub(super) fn new_secret() -> String {
    // Two v4 UUIDs supply the random bytes, which keeps the emulator free of a separate random
    // number generator dependency.
    let mut bytes = [0_u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    format!("{SECRET_PREFIX}{}", BASE64.encode(&bytes[..24]))
}

/// The `webhook-signature` header value for one message: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` keyed with the decoded secret. `None` if the secret is not
/// `whsec_` followed by base64.
pub(super) fn signature(
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Option<String> {
    let key = BASE64.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// Something that happened, to be sent to every webhook subscribed to its kind.
#[derive(Debug)]
pub(super) struct Event {
    pub(super) kind: &'static str,
    pub(super) data: Value,
    pub(super) at: OffsetDateTime,
}

/// One webhook delivery the emulator attempted.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// The webhook URL the delivery went to.
    pub url: String,
    /// The headers sent: `content-type`, `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    pub headers: HeaderMap,
    /// The exact body sent: `{"type", "timestamp", "data"}`.
    pub body: Bytes,
    /// The status the receiver answered with; `None` if it could not be reached or did not
    /// answer within 5 seconds, and for URLs outside loopback, which are never contacted.
    pub status: Option<u16>,
}

impl WebhookDelivery {
    /// The event type named in the body, such as `agreement.completed`.
    pub fn event_type(&self) -> Option<String> {
        let body: Value = serde_json::from_slice(&self.body).ok()?;
        body.get("type")?.as_str().map(str::to_owned)
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A message waiting in the delivery queue.
#[derive(Debug)]
struct Job {
    secret: String,
    message_id: String,
    message: Outgoing,
}

/// Queues events for delivery; a single worker task sends them one at a time, in order.
#[derive(Debug)]
pub(super) struct Dispatcher {
    queue: mpsc::UnboundedSender<Job>,
    log: Arc<Recorder<Delivery>>,
}

impl Dispatcher {
    /// Starts the delivery worker. It runs until the returned handle is aborted.
    pub(super) fn start() -> (Self, JoinHandle<()>) {
        let (queue, jobs) = mpsc::unbounded_channel();
        let log = Arc::new(Recorder::default());
        let worker = tokio::spawn(deliver_all(jobs, Arc::clone(&log)));
        (Self { queue, log }, worker)
    }

    /// Queues `event` for every webhook in `webhooks` subscribed to it, worded as `mode` says.
    /// All of them get the same message id and body.
    pub(super) fn dispatch(&self, webhooks: &[Webhook], event: &Event, mode: AnswerMode) {
        let message_id = format!("msg_{}", Uuid::new_v4().simple());
        let assumed = json!({
            "type": event.kind,
            "timestamp": clock::format(event.at),
            "data": event.data,
        });
        let data = mode.render(answers::event_shape(event.kind), event.data.clone());
        let body = mode.render(
            &answers::WEBHOOK_BODY,
            json!({
                "type": event.kind,
                "timestamp": clock::format(event.at),
                "data": data,
            }),
        );
        let body = Bytes::from(body.to_string());
        let assumed_body = Bytes::from(assumed.to_string());
        let envelope_id = if event.kind.starts_with("agreement.") {
            event.data.get("id")
        } else {
            event.data.get("agreement_id")
        }
        .and_then(Value::as_str)
        .map(EnvelopeId::new);
        for webhook in webhooks.iter().filter(|webhook| webhook.wants(event.kind)) {
            // The worker only stops when the emulator is dropped, and then nobody is left to
            // observe a lost delivery.
            let _ = self.queue.send(Job {
                secret: webhook.secret.clone(),
                message_id: message_id.clone(),
                message: Outgoing {
                    event: event.kind.to_owned(),
                    kind: kind_of(event.kind, &event.data),
                    envelope_id: envelope_id.clone(),
                    url: webhook.url.clone(),
                    headers: HeaderMap::new(),
                    body: body.clone(),
                    assumed_body: assumed_body.clone(),
                },
            });
        }
    }

    /// Every delivery attempted so far, in order.
    pub(super) fn deliveries(&self) -> Vec<Delivery> {
        self.log.all()
    }

    /// The first delivery that `matches`, waiting up to `timeout` for one to be attempted.
    pub(super) async fn wait_for(
        &self,
        matches: impl Fn(&Delivery) -> bool,
        timeout: Duration,
    ) -> Option<Delivery> {
        self.log.wait_for(matches, timeout).await
    }
}

/// The library's name for a HeySign event; `agreement.updated` is a cancellation when the
/// agreement it carries is `Cancelled`.
fn kind_of(event: &str, data: &Value) -> EventKind {
    match event {
        "agreement.created" => EventKind::Created,
        "agreement.published" => EventKind::Sent,
        "agreement.completed" => EventKind::Completed,
        "agreement.updated" if data.get("status").and_then(Value::as_str) == Some("Cancelled") => {
            EventKind::Cancelled
        }
        "signee.signsession.created" => EventKind::SignerViewed,
        "signee.signsession.completed" => EventKind::SignerSigned,
        other => EventKind::Other(other.to_owned()),
    }
}

impl From<Delivery> for WebhookDelivery {
    fn from(delivery: Delivery) -> Self {
        Self {
            url: delivery.url,
            headers: delivery.headers,
            body: delivery.body,
            status: delivery.status,
        }
    }
}

async fn deliver_all(mut jobs: mpsc::UnboundedReceiver<Job>, log: Arc<Recorder<Delivery>>) {
    let client = delivery::client();
    while let Some(job) = jobs.recv().await {
        let mut message = job.message;
        message.headers = headers(&job.secret, &job.message_id, &message.body);
        log.push(delivery::attempt(&client, message).await);
    }
}

/// The Standard Webhooks headers of one attempt, stamped now.
fn headers(secret: &str, message_id: &str, body: &[u8]) -> HeaderMap {
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    insert(&mut headers, "webhook-id", message_id);
    insert(&mut headers, "webhook-timestamp", &timestamp.to_string());
    if let Some(signature) = signature(secret, message_id, timestamp, body) {
        insert(&mut headers, "webhook-signature", &signature);
    }
    headers
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_vector() {
        let signature = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(super::signature("nope", "m", 1, b""), None);
    }

    #[test]
    fn secrets_hold_24_bytes() {
        let secret = new_secret();
        let key = BASE64
            .decode(secret.strip_prefix(SECRET_PREFIX).expect("prefix"))
            .expect("base64");
        assert_eq!(key.len(), 24);
        assert_ne!(secret, new_secret());
    }
}

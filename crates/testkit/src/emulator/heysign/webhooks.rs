//! Webhook deliveries: Standard Webhooks signing, one ordered delivery queue per emulator, and
//! the record of every delivery attempt.

use crate::emulator::net::is_loopback;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, header};
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::answers;
use super::clock;
use super::model::Webhook;
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

/// How long one delivery attempt may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

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
    url: String,
    secret: String,
    message_id: String,
    body: Bytes,
}

/// Every delivery attempted so far, and a wake-up for those waiting for one.
#[derive(Debug, Default)]
struct DeliveryLog {
    entries: Mutex<Vec<WebhookDelivery>>,
    added: Notify,
}

impl DeliveryLog {
    fn lock(&self) -> MutexGuard<'_, Vec<WebhookDelivery>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn find(&self, event: &str) -> Option<WebhookDelivery> {
        self.lock()
            .iter()
            .find(|delivery| delivery.event_type().as_deref() == Some(event))
            .cloned()
    }
}

/// Queues events for delivery; a single worker task sends them one at a time, in order.
#[derive(Debug)]
pub(super) struct Dispatcher {
    queue: mpsc::UnboundedSender<Job>,
    log: Arc<DeliveryLog>,
}

impl Dispatcher {
    /// Starts the delivery worker. It runs until the returned handle is aborted.
    pub(super) fn start() -> (Self, JoinHandle<()>) {
        let (queue, jobs) = mpsc::unbounded_channel();
        let log = Arc::new(DeliveryLog::default());
        let worker = tokio::spawn(deliver_all(jobs, Arc::clone(&log)));
        (Self { queue, log }, worker)
    }

    /// Queues `event` for every webhook in `webhooks` subscribed to it, worded as `mode` says.
    /// All of them get the same message id and body.
    pub(super) fn dispatch(&self, webhooks: &[Webhook], event: &Event, mode: AnswerMode) {
        let message_id = format!("msg_{}", Uuid::new_v4().simple());
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
        for webhook in webhooks.iter().filter(|webhook| webhook.wants(event.kind)) {
            // The worker only stops when the emulator is dropped, and then nobody is left to
            // observe a lost delivery.
            let _ = self.queue.send(Job {
                url: webhook.url.clone(),
                secret: webhook.secret.clone(),
                message_id: message_id.clone(),
                body: body.clone(),
            });
        }
    }

    /// Every delivery attempted so far, in order.
    pub(super) fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.log.lock().clone()
    }

    /// The first delivery of `event`, waiting up to `timeout` for one to be attempted.
    pub(super) async fn wait_for(&self, event: &str, timeout: Duration) -> Option<WebhookDelivery> {
        let wait = async {
            loop {
                // Registering interest before looking means a delivery recorded in between
                // still wakes us.
                let added = self.log.added.notified();
                tokio::pin!(added);
                added.as_mut().enable();
                if let Some(delivery) = self.log.find(event) {
                    return delivery;
                }
                added.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.ok()
    }
}

async fn deliver_all(mut jobs: mpsc::UnboundedReceiver<Job>, log: Arc<DeliveryLog>) {
    // Without TLS support and without proxies: deliveries only ever go to loopback.
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .unwrap_or_default();
    while let Some(job) = jobs.recv().await {
        let delivery = deliver(&client, job).await;
        log.lock().push(delivery);
        log.added.notify_waiters();
    }
}

async fn deliver(client: &reqwest::Client, job: Job) -> WebhookDelivery {
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    insert(&mut headers, "webhook-id", &job.message_id);
    insert(&mut headers, "webhook-timestamp", &timestamp.to_string());
    if let Some(signature) = signature(&job.secret, &job.message_id, timestamp, &job.body) {
        insert(&mut headers, "webhook-signature", &signature);
    }
    let status = if is_loopback(&job.url) {
        client
            .post(&job.url)
            .headers(headers.clone())
            .body(job.body.clone())
            .send()
            .await
            .ok()
            .map(|response| response.status().as_u16())
    } else {
        None
    };
    WebhookDelivery {
        url: job.url,
        headers,
        body: job.body,
        status,
    }
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

//! Posting a webhook, callback or Connect message, the same way for every emulator, and
//! recording the attempt as a [`Delivery`].

use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use signing_core::{EnvelopeId, EventKind};
use time::OffsetDateTime;

use super::net::is_loopback;
use crate::control::Delivery;

/// How long one delivery attempt may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The client deliveries are posted with: no proxies (the receivers are local), no redirects
/// (only the registered URL is called), a five-second limit.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// A message ready to be posted.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) event: String,
    pub(crate) kind: EventKind,
    pub(crate) envelope_id: Option<EnvelopeId>,
    pub(crate) url: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) assumed_body: Bytes,
}

impl From<Delivery> for Outgoing {
    /// The message of an earlier attempt, to be sent again byte for byte.
    fn from(delivery: Delivery) -> Self {
        Self {
            event: delivery.event,
            kind: delivery.kind,
            envelope_id: delivery.envelope_id,
            url: delivery.url,
            headers: delivery.headers,
            body: delivery.body,
            assumed_body: delivery.assumed_body,
        }
    }
}

/// Posts `message` once, if its URL is on this machine (others are recorded, never called),
/// and says how it went.
pub(crate) async fn attempt(client: &reqwest::Client, message: Outgoing) -> Delivery {
    let (status, error) = if is_loopback(&message.url) {
        match client
            .post(&message.url)
            .headers(message.headers.clone())
            .body(message.body.clone())
            .send()
            .await
        {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(error) => (None, Some(error.to_string())),
        }
    } else {
        (
            None,
            Some("not called: the emulator only calls loopback URLs".to_owned()),
        )
    };
    Delivery {
        at: OffsetDateTime::now_utc(),
        event: message.event,
        kind: message.kind,
        envelope_id: message.envelope_id,
        url: message.url,
        headers: message.headers,
        body: message.body,
        assumed_body: message.assumed_body,
        accepted: status.is_some_and(|status| (200..300).contains(&status)),
        status,
        error,
    }
}

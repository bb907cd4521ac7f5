//! The `signTasksCompletedCallbackUrl`: checking it at launch and calling it on completion.
//!
//! The real callback is unauthenticated and its body is not published; the emulator sends
//! `{"projectId": "<id>", "status": "COMPLETED"}` (worded as the answer mode says) with
//! `content-type: application/json`, once, and records every attempt so tests can look at
//! exactly what was sent.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderValue};
use reqwest::Url;
use signing_core::{EnvelopeId, EventKind};
use tokio::runtime::Handle;

use super::answers;
use super::state::Completion;
use crate::control::{Delivery, Recorder};
use crate::emulator::delivery::{self, Outgoing};
use crate::emulator::mode::AnswerMode;
use crate::emulator::net::is_https_or_loopback;

/// One call of a completion callback URL, as the emulator made it.
#[derive(Debug, Clone)]
pub struct CallbackDelivery {
    /// The URL that was called (as the launch-new request gave it).
    pub url: String,
    /// The headers the emulator set on the request.
    pub headers: HeaderMap,
    /// The exact body bytes sent.
    pub body: Bytes,
    /// The receiver's response status; `None` if no response arrived (connection refused,
    /// timeout) or if the URL was not on this machine and therefore not called at all.
    pub status: Option<u16>,
}

/// Checks a callback URL given to launch-new.
///
/// The documents require `https`; plain `http` is accepted only for a loopback host so that tests
/// can receive callbacks without TLS.
pub(crate) fn check_url(raw: &str) -> Result<(), String> {
    if Url::parse(raw).is_err() {
        return Err(format!(
            "signTasksCompletedCallbackUrl is not an absolute URL: {raw}"
        ));
    }
    if is_https_or_loopback(raw) {
        Ok(())
    } else {
        Err(format!(
            "signTasksCompletedCallbackUrl must use https (plain http only to a loopback host): {raw}"
        ))
    }
}

/// The event name a callback is recorded under: the callback URL's own parameter names it.
pub(crate) const EVENT: &str = "signTasksCompleted";

/// Record of callback deliveries, shared between the emulator and its delivery tasks.
#[derive(Debug)]
pub(crate) struct Callbacks {
    /// Each delivery, in the order the attempts finished.
    deliveries: Recorder<Delivery>,
    client: reqwest::Client,
    runtime: Handle,
}

impl Callbacks {
    /// Delivery tasks are spawned on `runtime`, so completions triggered from synchronous test
    /// code still get delivered.
    pub(crate) fn new(runtime: Handle) -> Self {
        Self {
            deliveries: Recorder::default(),
            client: delivery::client(),
            runtime,
        }
    }

    /// Calls the completion's URL in the background (one attempt), with the body worded as
    /// `mode` says, and records the outcome.
    pub(crate) fn deliver(self: &Arc<Self>, completion: Completion, mode: AnswerMode) {
        let assumed = serde_json::json!({
            "projectId": completion.project_id,
            "status": "COMPLETED",
        });
        let body = mode.render(&answers::CALLBACK, assumed.clone());
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let message = Outgoing {
            event: EVENT.to_owned(),
            kind: EventKind::Completed,
            envelope_id: Some(EnvelopeId::new(completion.project_id)),
            url: completion.callback_url,
            headers,
            body: Bytes::from(body.to_string()),
            assumed_body: Bytes::from(assumed.to_string()),
        };
        let this = Arc::clone(self);
        self.runtime.spawn(async move {
            // Traffic never leaves the machine: a URL elsewhere is recorded but not called.
            let delivery = delivery::attempt(&this.client, message).await;
            this.deliveries.push(delivery);
        });
    }

    /// Every delivery so far, in the order the attempts finished.
    pub(crate) fn all(&self) -> Vec<Delivery> {
        self.deliveries.all()
    }

    /// The first delivery that `matches`, waiting up to `timeout` for it.
    pub(crate) async fn wait_for(
        &self,
        matches: impl Fn(&Delivery) -> bool,
        timeout: Duration,
    ) -> Option<Delivery> {
        self.deliveries.wait_for(matches, timeout).await
    }
}

impl From<Delivery> for CallbackDelivery {
    fn from(delivery: Delivery) -> Self {
        Self {
            url: delivery.url,
            headers: delivery.headers,
            body: delivery.body,
            status: delivery.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_to_loopback_only() {
        assert!(check_url("https://example.com/cb/123").is_ok());
        assert!(check_url("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_url("http://127.5.6.7/cb").is_ok());
        assert!(check_url("http://localhost:1/cb").is_ok());
        assert!(check_url("http://[::1]:9/cb").is_ok());
        assert!(check_url("http://example.com/cb").is_err());
        assert!(check_url("http://10.0.0.1/cb").is_err());
        assert!(check_url("ftp://127.0.0.1/cb").is_err());
        assert!(check_url("/relative").is_err());
        assert!(check_url("").is_err());
    }
}

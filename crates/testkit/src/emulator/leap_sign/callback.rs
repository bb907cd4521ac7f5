//! The `signTasksCompletedCallbackUrl`: checking it at launch and calling it on completion.
//!
//! The real callback is unauthenticated and its body is not published; the emulator sends
//! `{"projectId": "<id>", "status": "COMPLETED"}` (worded as the answer mode says) with
//! `content-type: application/json`, once, and records every attempt so tests can look at
//! exactly what was sent.

use crate::emulator::net::{is_https_or_loopback, is_loopback};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderValue};
use reqwest::Url;
use tokio::runtime::Handle;
use tokio::sync::Notify;

use super::answers;
use super::state::Completion;
use crate::emulator::mode::AnswerMode;

/// How long one delivery attempt may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

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

/// Record of callback deliveries, shared between the emulator and its delivery tasks.
#[derive(Debug)]
pub(crate) struct Callbacks {
    /// Each delivery with the project it announced, in the order the attempts finished.
    deliveries: Mutex<Vec<(String, CallbackDelivery)>>,
    recorded: Notify,
    runtime: Handle,
}

impl Callbacks {
    /// Delivery tasks are spawned on `runtime`, so completions triggered from synchronous test
    /// code still get delivered.
    pub(crate) fn new(runtime: Handle) -> Self {
        Self {
            deliveries: Mutex::new(Vec::new()),
            recorded: Notify::new(),
            runtime,
        }
    }

    /// Calls the completion's URL in the background (one attempt), with the body worded as
    /// `mode` says, and records the outcome.
    pub(crate) fn deliver(self: &Arc<Self>, completion: Completion, mode: AnswerMode) {
        let body = serde_json::json!({
            "projectId": completion.project_id,
            "status": "COMPLETED",
        });
        let body = mode.render(&answers::CALLBACK, body);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let delivery = CallbackDelivery {
            url: completion.callback_url,
            headers,
            body: Bytes::from(body.to_string()),
            status: None,
        };
        let this = Arc::clone(self);
        self.runtime.spawn(async move {
            let mut delivery = delivery;
            // Traffic never leaves the machine: a URL elsewhere is recorded but not called.
            let on_this_machine = is_loopback(&delivery.url);
            if on_this_machine {
                delivery.status = send(&delivery).await;
            }
            this.record(completion.project_id, delivery);
        });
    }

    fn record(&self, project_id: String, delivery: CallbackDelivery) {
        self.lock().push((project_id, delivery));
        self.recorded.notify_waiters();
    }

    /// Every delivery so far, in the order the attempts finished.
    pub(crate) fn all(&self) -> Vec<CallbackDelivery> {
        self.lock()
            .iter()
            .map(|(_, delivery)| delivery.clone())
            .collect()
    }

    /// The first delivery for `project_id`, waiting up to `timeout` for it.
    pub(crate) async fn wait_for(
        &self,
        project_id: &str,
        timeout: Duration,
    ) -> Option<CallbackDelivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register for the signal before looking, so a delivery recorded in between is not
            // missed.
            let recorded = self.recorded.notified();
            tokio::pin!(recorded);
            recorded.as_mut().enable();
            if let Some(found) = self.find(project_id) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, recorded).await.is_err() {
                return self.find(project_id);
            }
        }
    }

    fn find(&self, project_id: &str) -> Option<CallbackDelivery> {
        self.lock()
            .iter()
            .find(|(id, _)| id == project_id)
            .map(|(_, delivery)| delivery.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, CallbackDelivery)>> {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

async fn send(delivery: &CallbackDelivery) -> Option<u16> {
    // No proxy (the receiver is local) and no redirects (only the registered URL is called).
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .ok()?;
    let response = client
        .post(&delivery.url)
        .headers(delivery.headers.clone())
        .body(delivery.body.clone())
        .send()
        .await
        .ok()?;
    Some(response.status().as_u16())
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

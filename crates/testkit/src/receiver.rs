//! An application's webhook endpoint, for tests: a loopback server that records every POST as
//! the [`WebhookRequest`] the application would hand to
//! [`parse_webhook`](signing_core::SigningProvider::parse_webhook).

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use http::{HeaderMap, Uri};
use signing_core::WebhookRequest;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

/// A running receiver. Answers every request `200 ok`; stops when dropped.
///
/// ```
/// use std::time::Duration;
/// use signing_testkit::receiver::Receiver;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let receiver = Receiver::start().await;
/// reqwest::Client::new()
///     .post(receiver.url("/hooks/a?x=1"))
///     .body("{}")
///     .send()
///     .await
///     .unwrap();
/// let delivery = receiver.next(Duration::from_secs(5)).await.unwrap();
/// assert_eq!(delivery.path, "/hooks/a?x=1");
/// assert_eq!(&delivery.body[..], b"{}");
/// # }
/// ```
#[derive(Debug)]
pub struct Receiver {
    base_url: String,
    received: Mutex<mpsc::UnboundedReceiver<WebhookRequest>>,
    server: JoinHandle<()>,
}

impl Receiver {
    /// Starts serving on `127.0.0.1` at a free port.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        let (sender, received) = mpsc::unbounded_channel();
        let app = Router::new()
            .fallback(
                |State(sender): State<mpsc::UnboundedSender<WebhookRequest>>,
                 uri: Uri,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    // The path as received, query included: some providers identify the
                    // envelope by it.
                    let path = uri
                        .path_and_query()
                        .map_or_else(|| uri.path().to_owned(), ToString::to_string);
                    let _ = sender.send(WebhookRequest::new(headers, body).with_path(path));
                    "ok"
                },
            )
            .with_state(sender);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}"),
            received: Mutex::new(received),
            server,
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of `path` (starting with `/`) on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The next request received, waiting up to `timeout`.
    pub async fn next(&self, timeout: Duration) -> Option<WebhookRequest> {
        let mut received = self.received.lock().await;
        tokio::time::timeout(timeout, received.recv())
            .await
            .ok()
            .flatten()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

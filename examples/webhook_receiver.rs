//! Receiving webhooks in an axum application: verify the raw body, drop duplicates by event id,
//! refuse forgeries.
//!
//! The receiver hands the exact bytes and headers it received to
//! [`SigningProvider::parse_webhook`] (never a re-serialized body: the signature covers the
//! bytes), answers 401 to anything that fails verification, and processes each event id once,
//! since providers deliver at least once.
//!
//! To stay self-contained, the example drives the receiver with deliveries from the in-memory
//! provider; with HeySign, the same handler works with a provider that subscribed
//! (`HeySign::subscribe_webhook`) or was given the secret (`HeySignBuilder::with_webhook_secret`).
//!
//! ```sh
//! cargo run --example webhook_receiver
//! ```

use std::collections::HashSet;
use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use signing::bytes::Bytes;
use signing::http::{HeaderMap, StatusCode};
use signing::testkit::memory::{MemoryProvider, SignerAction};
use signing::testkit::webhooks::tamper;
use signing::webhook::WebhookError;
use signing::{Document, ErrorKind, NewEnvelope, Signer, SigningProvider, WebhookRequest};

/// What the receiver shares between requests.
#[derive(Clone)]
struct App {
    provider: Arc<dyn SigningProvider>,
    /// Event ids already processed. A real application keeps these in its database, in the same
    /// transaction as the effect of the event.
    processed: Arc<Mutex<HashSet<String>>>,
    /// What the application did, for the example's output.
    log: Arc<Mutex<Vec<String>>>,
}

async fn receive(State(app): State<App>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let request = WebhookRequest::new(headers, body);
    let events = match app.provider.parse_webhook(&request).await {
        Ok(events) => events,
        // A provider guarding against replays refuses a delivery it saw before; it did arrive,
        // so a 2xx stops the redeliveries.
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::WebhookVerification(WebhookError::Replayed(_))
            ) =>
        {
            return StatusCode::NO_CONTENT;
        }
        Err(err) if matches!(err.kind(), ErrorKind::WebhookVerification(_)) => {
            app.log.lock().unwrap().push(format!("refused: {err}"));
            return StatusCode::UNAUTHORIZED;
        }
        // Anything else is worth a redelivery.
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    for event in events {
        let first_time = app.processed.lock().unwrap().insert(event.id.to_string());
        let line = if first_time {
            format!("processed {} ({})", event.kind, event.id)
        } else {
            format!("duplicate {} ({}) ignored", event.kind, event.id)
        };
        app.log.lock().unwrap().push(line);
    }
    // A 2xx tells the provider to stop redelivering, duplicates included.
    StatusCode::NO_CONTENT
}

async fn run() -> Result<Vec<String>, Box<dyn Error>> {
    let provider = MemoryProvider::new();
    let app = App {
        provider: Arc::new(provider.clone()),
        processed: Arc::default(),
        log: Arc::default(),
    };
    let router = Router::new()
        .route("/webhooks", post(receive))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Something happens at the provider: an envelope is sent and signed.
    let request = NewEnvelope::builder()
        .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
        .signer(Signer::new("Ada Lovelace", "ada@example.com"))
        .build()?;
    let envelope = provider.send(&request).await?;
    provider.act(&envelope.id, "ada@example.com", SignerAction::Sign)?;

    // The provider delivers each event; the last one twice, as providers sometimes do, and a
    // forger tries a modified copy.
    let http = reqwest::Client::new();
    let post = |delivery: WebhookRequest| {
        let mut request = http.post(&url).body(delivery.body);
        for (name, value) in &delivery.headers {
            request = request.header(name, value);
        }
        request.send()
    };
    let mut last = None;
    while let Some(delivery) = provider.next_delivery(Duration::from_millis(100)).await {
        post(delivery.clone()).await?.error_for_status()?;
        last = Some(delivery);
    }
    let last = last.ok_or("the provider delivered nothing")?;
    post(last.clone()).await?.error_for_status()?;
    let mut forged = last;
    forged.body = tamper(&forged.body);
    let status = post(forged).await?.status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let log = app.log.lock().unwrap().clone();
    Ok(log)
}

#[tokio::main]
async fn main() {
    match run().await {
        Ok(log) => log.iter().for_each(|line| println!("{line}")),
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn processes_once_and_refuses_forgeries() {
        let log = super::run().await.unwrap();
        assert!(
            log.iter().any(|l| l.starts_with("processed completed")),
            "{log:?}"
        );
        assert_eq!(
            log.iter().filter(|l| l.starts_with("duplicate")).count(),
            1,
            "{log:?}"
        );
        assert_eq!(
            log.iter().filter(|l| l.starts_with("refused")).count(),
            1,
            "{log:?}"
        );
    }
}

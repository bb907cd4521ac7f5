//! Sequential signers and a cc recipient on LEAP Sign, with the completion callback received,
//! checked and confirmed.
//!
//! LEAP's callback carries no signature, so the adapter gives every envelope its own callback
//! URL holding an unguessable token, and `parse_webhook` checks the token and confirms the
//! completion with a status query before reporting a verified event.
//!
//! ```sh
//! cargo run --example ordered_signing_leap
//! ```

use std::error::Error;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use signing::bytes::Bytes;
use signing::http::HeaderMap;
use signing::leap_sign::LeapSign;
use signing::testkit::emulator::leap_sign::LeapSignEmulator;
use signing::{
    Document, EventKind, NewEnvelope, Party, Signer, SigningOrder, SigningProvider, WebhookRequest,
};
use tokio::sync::mpsc;

async fn run() -> Result<Vec<String>, Box<dyn Error>> {
    let emulator = LeapSignEmulator::start().await;
    let (callback_base, mut callbacks) = start_receiver().await?;
    let leap = LeapSign::builder()
        .with_base_url(emulator.base_url())
        .with_api_key(emulator.api_key())
        .with_callback(&callback_base, "a long random secret only this app knows")
        // The receiver is plain http on loopback: acceptable for a local demo only.
        .allow_insecure_loopback_callback(true)
        .build()?;

    let request = NewEnvelope::builder()
        .title("Board resolution")
        .document(Document::new("resolution.pdf", &b"%PDF-1.7 resolution"[..]))
        .signer(Signer::new("Ada Lovelace", "ada@example.com").title("Chair"))
        .signer(Signer::new("Charles Babbage", "charles@example.com").title("Secretary"))
        .order(SigningOrder::Sequential)
        .cc("archive@example.com")
        .owner(Party::new("Olga Owner", "olga@example.com"))
        .build()?;
    let envelope = leap.send(&request).await?;
    let mut log = vec![format!("sent {} ({})", envelope.id, envelope.status)];
    let id = envelope.id.as_str();

    // Only the first signer is invited; the second cannot sign out of turn.
    if let Err(refused) = emulator.sign(id, "charles@example.com") {
        log.push(format!("out of turn: {refused}"));
    }
    emulator.sign(id, "ada@example.com")?;
    emulator.sign(id, "charles@example.com")?;
    for notification in emulator.notifications() {
        log.push(format!("invited {}", notification.email));
    }

    let callback = tokio::time::timeout(Duration::from_secs(10), callbacks.recv())
        .await
        .map_err(|_| "no callback within 10 s")?
        .ok_or("the receiver stopped")?;
    log.push(format!("callback on {}", callback.path));
    for event in leap.parse_webhook(&callback).await? {
        log.push(format!(
            "{} event for {}, verified: {}",
            event.kind,
            event.envelope_id.as_ref().map_or("?", |id| id.as_str()),
            event.verified
        ));
        assert_eq!(event.kind, EventKind::Completed);
    }
    // A forged callback (wrong token) is refused.
    let forged = callback.clone().with_path(format!("{}x", callback.path));
    if let Err(err) = leap.parse_webhook(&forged).await {
        log.push(format!("forged callback refused: {err}"));
    }
    Ok(log)
}

/// An HTTP server on loopback that hands every POST under `/leap/`, with its path, to a channel.
async fn start_receiver() -> std::io::Result<(String, mpsc::UnboundedReceiver<WebhookRequest>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/leap/{*rest}",
        post(
            move |uri: signing::http::Uri, headers: HeaderMap, body: Bytes| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(WebhookRequest::new(headers, body).with_path(uri.path()));
                    signing::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/leap", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((base, rx))
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
    async fn signs_in_turn_and_confirms_the_callback() {
        let log = super::run().await.unwrap();
        let invited: Vec<&String> = log.iter().filter(|l| l.starts_with("invited")).collect();
        assert_eq!(
            invited,
            ["invited ada@example.com", "invited charles@example.com"],
            "{log:?}"
        );
        assert!(log.iter().any(|l| l.starts_with("out of turn")), "{log:?}");
        assert!(log.iter().any(|l| l.ends_with("verified: true")), "{log:?}");
        assert!(
            log.iter().any(|l| l.starts_with("forged callback refused")),
            "{log:?}"
        );
    }
}

//! DocuSign: an envelope with two signers in routing order and a carbon copy, sent with its own
//! Connect webhook, and the signed Connect messages received and verified, against the local
//! emulator.
//!
//! DocuSign signs each Connect message with every HMAC key of the account
//! (`X-DocuSign-Signature-1`, `-2`, ...); the adapter accepts a message when any signature
//! matches any key it was given, so keys can be rotated without losing messages. No timestamp is
//! signed: each event carries an id that stays the same when DocuSign delivers it again, which
//! is how duplicates are dropped.
//!
//! ```sh
//! cargo run --example docusign_connect
//! ```
//!
//! Against DocuSign itself, build the provider with `DocuSignBuilder::from_env()` (integration
//! key, user id, RSA key; see `docs/providers/docusign.md`) and give an https callback URL.

use std::collections::HashSet;
use std::error::Error;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use signing::bytes::Bytes;
use signing::docusign::DocuSignBuilder;
use signing::http::HeaderMap;
use signing::testkit::emulator::docusign::DocuSignEmulator;
use signing::{
    Document, EventKind, NewEnvelope, Signer, SigningOrder, SigningProvider, WebhookRequest,
};
use tokio::sync::mpsc;

async fn run() -> Result<Vec<String>, Box<dyn Error>> {
    // The account signs Connect messages with two keys: the old one and its replacement.
    let emulator = DocuSignEmulator::builder()
        .hmac_keys(["old-connect-key", "new-connect-key"])
        .start()
        .await;
    let (callback_url, mut messages) = start_receiver().await?;
    let docusign = DocuSignBuilder::new()
        .with_auth_url(emulator.auth_url())
        .with_integration_key(emulator.integration_key())
        .with_user_id(emulator.user_id())
        .with_private_key_pem(emulator.private_key_pem())
        // The application already moved to the new key.
        .with_hmac_key("new-connect-key")
        .build()?;

    let request = NewEnvelope::builder()
        .title("Board resolution")
        .document(Document::new("resolution.pdf", &b"%PDF-1.7 resolution"[..]))
        .signer(Signer::new("Ada Lovelace", "ada@example.com"))
        .signer(Signer::new("Charles Babbage", "charles@example.com"))
        .order(SigningOrder::Sequential)
        .cc("archive@example.com")
        .metadata("board_meeting", "2026-03")
        .callback_url(&callback_url)
        // The receiver is plain http on loopback: acceptable for a local demo only.
        .allow_insecure_loopback_callback(true)
        .build()?;
    let envelope = docusign.send(&request).await?;
    let mut log = vec![format!("sent {} ({})", envelope.id, envelope.status)];
    let id = envelope.id.as_str();

    // Routing order: the second signer's turn comes after the first.
    if let Err(refused) = emulator.sign(id, "charles@example.com") {
        log.push(format!("out of turn: {refused}"));
    }
    emulator.sign(id, "ada@example.com")?;
    emulator.sign(id, "charles@example.com")?;

    // Connect messages arrive one by one until the envelope is completed.
    let mut seen = HashSet::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), messages.recv())
            .await
            .map_err(|_| "no Connect message within 10 s")?
            .ok_or("the receiver stopped")?;
        let mut completed = None;
        for event in docusign.parse_webhook(&message).await? {
            if !seen.insert(event.id.clone()) {
                continue;
            }
            let who = event
                .signer
                .as_ref()
                .and_then(|signer| signer.email.clone())
                .map_or_else(String::new, |email| format!(" by {email}"));
            log.push(format!("{}{who}, verified: {}", event.kind, event.verified));
            if event.kind == EventKind::Completed {
                completed = Some(message.clone());
            }
        }
        if let Some(message) = completed {
            // The same message again: the event id says it is a duplicate.
            let again = docusign.parse_webhook(&message).await?;
            log.push(format!(
                "redelivery recognised: {}",
                again.iter().all(|event| seen.contains(&event.id))
            ));
            // A tampered one is refused.
            let mut forged = message.clone();
            forged.body = message.body.iter().rev().copied().collect();
            if let Err(err) = docusign.parse_webhook(&forged).await {
                log.push(format!("forged message refused: {err}"));
            }
            break;
        }
    }
    let signed = docusign.download(&envelope.id).await?;
    log.push(format!(
        "signed PDF: {} bytes",
        signed.size().unwrap_or_default()
    ));
    Ok(log)
}

/// An HTTP server on loopback that hands every POST to `/connect` to a channel.
async fn start_receiver() -> std::io::Result<(String, mpsc::UnboundedReceiver<WebhookRequest>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/connect",
        post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(WebhookRequest::new(headers, body));
                // DocuSign retries a message until it is acknowledged with a 2xx.
                signing::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/connect", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, rx))
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
    async fn routes_in_order_and_verifies_the_connect_messages() {
        let log = super::run().await.unwrap();
        assert!(
            log[0].starts_with("sent ") && log[0].ends_with("(sent)"),
            "{log:?}"
        );
        assert!(log.iter().any(|l| l.starts_with("out of turn")), "{log:?}");
        let signed: Vec<&String> = log
            .iter()
            .filter(|l| l.starts_with("signer_signed"))
            .collect();
        assert_eq!(
            signed,
            [
                "signer_signed by ada@example.com, verified: true",
                "signer_signed by charles@example.com, verified: true"
            ],
            "{log:?}"
        );
        assert!(
            log.contains(&"completed, verified: true".to_owned()),
            "{log:?}"
        );
        assert!(
            log.contains(&"redelivery recognised: true".to_owned()),
            "{log:?}"
        );
        assert!(
            log.iter().any(|l| l.starts_with("forged message refused")),
            "{log:?}"
        );
        assert!(log.last().unwrap().starts_with("signed PDF:"), "{log:?}");
    }
}

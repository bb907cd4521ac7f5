//! The main job, end to end, with no account and no set-up.
//!
//! Starts the HeySign emulator in this process, sends a PDF through the real HeySign adapter to
//! two signers, plays both signers, receives HeySign's signed webhooks on a local receiver,
//! verifies each one, and prints the lifecycle until the envelope is completed.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With `HEYSIGN_CLIENT_ID` and `HEYSIGN_CLIENT_SECRET` set (and `QUICKSTART_SIGNERS`, e.g.
//! `"Ada Lovelace <ada@example.com>, Charles Babbage <charles@example.com>"`), it talks to the real
//! service instead and follows the envelope by polling while the signers sign from their e-mail.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use signing::bytes::Bytes;
use signing::heysign::{HeySignBuilder, NewWebhook};
use signing::http::HeaderMap;
use signing::testkit::emulator::heysign::HeySignEmulator;
use signing::{
    Document, EventKind, NewEnvelope, Signer, SigningProvider, SigningProviderExt, WatchOptions,
    WebhookRequest,
};
use tokio::sync::mpsc;

/// A one-page PDF to sign.
const AGREEMENT_PDF: &[u8] = b"%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
trailer << /Root 1 0 R >>
%%EOF
";

#[tokio::main]
async fn main() {
    let outcome = if std::env::var_os("HEYSIGN_CLIENT_ID").is_some() {
        against_the_real_service().await
    } else {
        against_the_emulator().await
    };
    if let Err(err) = outcome {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

fn request(signers: Vec<Signer>) -> signing::Result<NewEnvelope> {
    NewEnvelope::builder()
        .title("Consulting agreement")
        .document(Document::new("consulting-agreement.pdf", AGREEMENT_PDF))
        .signers(signers)
        .metadata("customer", "42")
        .build()
}

async fn against_the_emulator() -> Result<(), Box<dyn Error>> {
    let emulator = HeySignEmulator::start().await;
    println!("HeySign emulator on {}", emulator.api_url());
    let heysign = HeySignBuilder::new()
        .with_api_url(emulator.api_url())
        .with_auth_url(emulator.auth_url())
        .with_client_credentials(emulator.client_id(), emulator.client_secret())
        .with_issuer("Quickstart AB")
        .build()?;

    // Where HeySign will POST its webhooks. Subscribing keeps the subscription's signing
    // secret in the provider, so its `parse_webhook` verifies the deliveries.
    let (receiver_url, mut deliveries) = start_receiver().await?;
    heysign
        .subscribe_webhook(&NewWebhook::new(&receiver_url))
        .await?;
    println!("webhooks go to {receiver_url}");

    // The application only knows the trait from here on.
    let provider: Arc<dyn SigningProvider> = Arc::new(heysign);
    let envelope = provider
        .send(&request(vec![
            Signer::new("Ada Lovelace", "ada@example.com"),
            Signer::new("Charles Babbage", "charles@example.com"),
        ])?)
        .await?;
    println!("sent envelope {} ({})", envelope.id, envelope.status);

    // Both signers sign; the emulator stands in for their browsers.
    emulator.sign_all(envelope.id.as_str())?;

    loop {
        let delivery = tokio::time::timeout(Duration::from_secs(10), deliveries.recv())
            .await
            .map_err(|_| "no webhook arrived within 10 s")?
            .ok_or("the webhook receiver stopped")?;
        for event in provider.parse_webhook(&delivery).await? {
            if event.envelope_id.as_ref() != Some(&envelope.id) {
                continue;
            }
            let signer = event
                .signer
                .as_ref()
                .and_then(|s| s.email.as_deref())
                .map(|email| format!(" by {email}"))
                .unwrap_or_default();
            let check = if event.verified {
                "verified"
            } else {
                "UNVERIFIED"
            };
            println!(
                "  {check} event {:<20} {}{signer}",
                event.kind.as_str(),
                event.id
            );
            if event.kind == EventKind::Completed && event.verified {
                let done = provider.get(&envelope.id).await?;
                println!("envelope {} is {}", done.id, done.status);
                return Ok(());
            }
        }
    }
}

async fn against_the_real_service() -> Result<(), Box<dyn Error>> {
    let signers = std::env::var("QUICKSTART_SIGNERS")
        .map_err(|_| "set QUICKSTART_SIGNERS to \"Name <email>, Name <email>\"")?
        .split(',')
        .map(|text| {
            signing::parse_name_email("QUICKSTART_SIGNERS", text)
                .map(|(name, email)| Signer::new(name, email))
        })
        .collect::<signing::Result<Vec<_>>>()?;
    let provider = HeySignBuilder::from_env()?.build()?;
    let envelope = provider.send(&request(signers)?).await?;
    println!("sent envelope {} ({})", envelope.id, envelope.status);
    let mut updates = provider.watch(&envelope.id, WatchOptions::every(Duration::from_secs(10)));
    while let Some(update) = signing::futures::TryStreamExt::try_next(&mut updates).await? {
        let signed = update
            .signers
            .iter()
            .filter(|s| s.status == signing::SignerStatus::Signed)
            .count();
        println!(
            "  {} ({signed}/{} signed)",
            update.status,
            update.signers.len()
        );
    }
    Ok(())
}

/// An HTTP server on loopback that hands every POST to `/webhooks`, raw, to a channel.
async fn start_receiver() -> std::io::Result<(String, mpsc::UnboundedReceiver<WebhookRequest>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/webhooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                // Keep the body as bytes: the signature covers them exactly.
                let _ = tx.send(WebhookRequest::new(headers, body).with_path("/webhooks"));
                signing::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, rx))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn runs_against_the_emulator() {
        super::against_the_emulator().await.unwrap();
    }
}

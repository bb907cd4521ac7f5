//! The same application code on HeySign and on LEAP Sign, chosen by configuration.
//!
//! `onboard` only knows `dyn SigningProvider`. Which provider it talks to is one configuration
//! value (`provider = "heysign"` or `"leap-sign"`); here each one is a local emulator.
//!
//! ```sh
//! cargo run --example swap_providers
//! ```

use std::error::Error;

use signing::testkit::emulator::heysign::HeySignEmulator;
use signing::testkit::emulator::leap_sign::LeapSignEmulator;
use signing::{Document, Envelope, NewEnvelope, Party, ProviderConfig, Signer, SigningProvider};

/// Application code: sends a welcome pack, whatever the provider.
async fn onboard(provider: &dyn SigningProvider, employee: &str) -> signing::Result<Envelope> {
    let mut request = NewEnvelope::builder()
        .title("Welcome pack")
        .document(Document::new("welcome.pdf", &b"%PDF-1.7 welcome"[..]))
        .signer(Signer::new("New Employee", employee))
        .owner(Party::new("HR", "hr@example.com"));
    // Options a provider lacks are refused, never dropped: ask the provider first.
    if provider.capabilities().metadata {
        request = request.metadata("employee", employee);
    }
    provider.send(&request.build()?).await
}

async fn run() -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let heysign = HeySignEmulator::start().await;
    let leap = LeapSignEmulator::start().await;
    // In an application these come from a file or the environment; only `provider` changes.
    let configs = [
        format!(
            "provider = \"heysign\"\napi_url = \"{}\"\nauth_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"",
            heysign.api_url(),
            heysign.auth_url(),
            heysign.client_id(),
            heysign.client_secret()
        ),
        format!(
            "provider = \"leap-sign\"\nbase_url = \"{}\"\napi_key = \"{}\"",
            leap.base_url(),
            leap.api_key()
        ),
    ];
    let mut sent = Vec::new();
    for config in configs {
        let provider = ProviderConfig::from_toml_str(&config)?.build()?;
        let envelope = onboard(provider.as_ref(), "new.hire@example.com").await?;
        println!(
            "{:>9}: envelope {} is {}",
            provider.name(),
            envelope.id,
            envelope.status
        );
        sent.push((provider.name().to_owned(), envelope.status.to_string()));
    }
    Ok(sent)
}

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_same_code_runs_on_both_providers() {
        let sent = super::run().await.unwrap();
        assert_eq!(
            sent,
            [
                ("heysign".to_owned(), "sent".to_owned()),
                ("leap-sign".to_owned(), "sent".to_owned())
            ]
        );
    }
}

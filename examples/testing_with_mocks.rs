//! Testing application code that uses a provider: with the `mockall` mock for exact
//! interactions, and with the in-memory provider for behaviour.
//!
//! The application function under test, `chase_unsigned`, lists who still has to sign an
//! envelope. Its tests are at the bottom of this file (`cargo test --example
//! testing_with_mocks`); `main` runs the same scenarios and prints what they show.
//!
//! ```sh
//! cargo run --example testing_with_mocks
//! ```

use signing::testkit::MockSigningProvider;
use signing::testkit::memory::{MemoryProvider, SignerAction};
use signing::{
    Document, Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus, NewEnvelope, Signer,
    SignerStatus, SigningOrder, SigningProvider,
};

/// Application code: the e-mail addresses still expected to sign, or an empty list when the
/// envelope is finished. An envelope that no longer exists has nobody to chase.
pub async fn chase_unsigned(
    provider: &dyn SigningProvider,
    id: &EnvelopeId,
) -> signing::Result<Vec<String>> {
    let envelope = match provider.get(id).await {
        Ok(envelope) => envelope,
        Err(err) if err.is_not_found() => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    if envelope.status.is_terminal() {
        return Ok(Vec::new());
    }
    Ok(envelope
        .signers
        .into_iter()
        .filter(|s| s.status != SignerStatus::Signed)
        .filter_map(|s| s.email)
        .collect())
}

/// A mock answering `get` with an envelope whose signers have these statuses.
fn mock_with(statuses: &[(&str, SignerStatus)]) -> MockSigningProvider {
    let signers: Vec<EnvelopeSigner> = statuses
        .iter()
        .map(|(email, status)| EnvelopeSigner::new(*email, status.clone()))
        .collect();
    let mut mock = MockSigningProvider::new();
    mock.expect_get().times(1).returning(move |id| {
        let mut envelope = Envelope::new(id.clone(), "mock", EnvelopeStatus::Sent);
        envelope.signers.clone_from(&signers);
        Ok(envelope)
    });
    mock
}

async fn memory_scenario() -> signing::Result<(Vec<String>, Vec<String>)> {
    let provider = MemoryProvider::builder().deterministic_ids().build();
    let request = NewEnvelope::builder()
        .document(Document::new("nda.pdf", &b"%PDF-1.7 nda"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .signer(Signer::new("Bob", "bob@example.com"))
        .order(SigningOrder::Sequential)
        .build()?;
    let envelope = provider.send(&request).await?;
    let before = chase_unsigned(&provider, &envelope.id).await?;
    provider.act(&envelope.id, "ada@example.com", SignerAction::Sign)?;
    let after = chase_unsigned(&provider, &envelope.id).await?;
    Ok((before, after))
}

#[tokio::main]
async fn main() {
    let mock = mock_with(&[
        ("ada@example.com", SignerStatus::Signed),
        ("bob@example.com", SignerStatus::Notified),
    ]);
    match chase_unsigned(&mock, &EnvelopeId::new("env-1")).await {
        Ok(unsigned) => println!("mock: still to sign {unsigned:?}"),
        Err(err) => eprintln!("mock: {err}"),
    }
    match memory_scenario().await {
        Ok((before, after)) => {
            println!("memory: before anyone signed {before:?}");
            println!("memory: after ada signed {after:?}");
        }
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use signing::testkit::mockall::predicate::eq;
    use signing::{Error, ErrorKind};

    use super::*;

    #[tokio::test]
    async fn lists_only_those_who_have_not_signed() {
        let mock = mock_with(&[
            ("ada@example.com", SignerStatus::Signed),
            ("bob@example.com", SignerStatus::Notified),
        ]);
        let unsigned = chase_unsigned(&mock, &EnvelopeId::new("env-1"))
            .await
            .unwrap();
        assert_eq!(unsigned, ["bob@example.com"]);
    }

    #[tokio::test]
    async fn a_deleted_envelope_has_nobody_to_chase() {
        let mut mock = MockSigningProvider::new();
        mock.expect_get()
            .with(eq(EnvelopeId::new("gone")))
            .returning(|id| Err(Error::not_found(format!("envelope {id}"))));
        assert!(
            chase_unsigned(&mock, &EnvelopeId::new("gone"))
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn provider_failures_are_passed_on() {
        let mut mock = MockSigningProvider::new();
        mock.expect_get()
            .returning(|_| Err(Error::new(ErrorKind::RateLimited { retry_after: None })));
        let err = chase_unsigned(&mock, &EnvelopeId::new("x"))
            .await
            .unwrap_err();
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn follows_a_real_state_machine() {
        let (before, after) = memory_scenario().await.unwrap();
        assert_eq!(before, ["ada@example.com", "bob@example.com"]);
        assert_eq!(after, ["bob@example.com"]);
    }
}

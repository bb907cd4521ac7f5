//! What a provider reports about an envelope.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::id::{EnvelopeId, SignerId};
use crate::raw::RawJson;
use crate::status::{EnvelopeStatus, SignerStatus};

/// An envelope as the provider last reported it: documents sent for signing to a list of signers.
///
/// Everything the providers have in common is normalized into fields; everything else stays in
/// [`raw`](Self::raw), the provider's own payload. The type is `serde` round-trippable, so an
/// application can store it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Envelope {
    /// The provider's id of the envelope.
    pub id: EnvelopeId,
    /// The name of the provider that holds it (`heysign`, `leap-sign`, `memory`).
    pub provider: String,
    /// The title, when the provider reports one.
    pub title: Option<String>,
    /// The overall status.
    pub status: EnvelopeStatus,
    /// The signers, in signing order where there is one.
    pub signers: Vec<EnvelopeSigner>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created_at: Option<OffsetDateTime>,
    /// When its status last changed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub updated_at: Option<OffsetDateTime>,
    /// When the last signer signed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub completed_at: Option<OffsetDateTime>,
    /// The application's metadata, without the adapters' reserved keys.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The caller reference it was sent with, when the provider can store one.
    #[serde(default)]
    pub reference: Option<String>,
    /// The provider's own payload, for anything not normalized.
    #[serde(default)]
    pub raw: RawJson,
}

impl Envelope {
    /// An envelope with the given id, provider and status, and nothing else known yet.
    pub fn new(id: EnvelopeId, provider: impl Into<String>, status: EnvelopeStatus) -> Self {
        Self {
            id,
            provider: provider.into(),
            title: None,
            status,
            signers: Vec::new(),
            created_at: None,
            updated_at: None,
            completed_at: None,
            metadata: BTreeMap::new(),
            reference: None,
            raw: RawJson::default(),
        }
    }

    /// The signer with this e-mail address (compared case-insensitively).
    pub fn signer(&self, email: &str) -> Option<&EnvelopeSigner> {
        self.signers.iter().find(|s| {
            s.email
                .as_deref()
                .is_some_and(|e| e.to_lowercase() == email.to_lowercase())
        })
    }
}

/// One signer of an [`Envelope`] and where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EnvelopeSigner {
    /// The provider's id of the signer, when it has one.
    #[serde(default)]
    pub id: Option<SignerId>,
    /// The signer's name, when the provider reports it.
    #[serde(default)]
    pub name: Option<String>,
    /// The signer's e-mail address, when the provider reports it.
    #[serde(default)]
    pub email: Option<String>,
    /// Where the signer is.
    pub status: SignerStatus,
    /// When they signed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub signed_at: Option<OffsetDateTime>,
}

impl EnvelopeSigner {
    /// A signer with this e-mail address and status.
    pub fn new(email: impl Into<String>, status: SignerStatus) -> Self {
        Self {
            id: None,
            name: None,
            email: Some(email.into()),
            status,
            signed_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_round_trip_keeps_everything() {
        let mut envelope = Envelope::new(EnvelopeId::new("env-1"), "memory", EnvelopeStatus::Sent);
        envelope.title = Some("NDA".into());
        envelope.created_at = Some(time::macros::datetime!(2026-01-02 03:04:05 UTC));
        envelope.metadata.insert("k".into(), "v".into());
        envelope.reference = Some("ref-1".into());
        envelope.raw = serde_json::json!({"status": "Pending", "extra": [1, 2]}).into();
        let mut signer = EnvelopeSigner::new("a@example.com", SignerStatus::Signed);
        signer.id = Some(SignerId::new("s-1"));
        signer.signed_at = Some(time::macros::datetime!(2026-01-03 00:00:00 UTC));
        envelope.signers.push(signer);
        envelope.signers.push(EnvelopeSigner::new(
            "b@example.com",
            SignerStatus::Other("Delegated".into()),
        ));

        let json = serde_json::to_string(&envelope).unwrap();
        let back: Envelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back, envelope);
        assert_eq!(
            back.signer("A@EXAMPLE.COM").unwrap().status,
            SignerStatus::Signed
        );
        assert!(back.signer("c@example.com").is_none());
    }

    #[test]
    fn missing_optional_fields_default() {
        let back: Envelope = serde_json::from_str(
            r#"{"id":"x","provider":"p","title":null,"status":"frozen","signers":[]}"#,
        )
        .unwrap();
        assert_eq!(back.status, EnvelopeStatus::Other("frozen".into()));
        assert!(back.metadata.is_empty() && back.created_at.is_none());
    }
}

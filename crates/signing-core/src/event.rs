//! What a provider tells an application happened, through a webhook or a callback.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::id::{EnvelopeId, EventId, SignerId};
use crate::raw::RawJson;
use crate::status::EventKind;

/// Something that happened to an envelope, reported by the provider.
///
/// Providers deliver events at least once and in no guaranteed order: drop duplicates by
/// [`id`](Self::id), and treat the event as a hint to re-read the envelope when order matters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// Stable across redeliveries of the same event: the key to drop duplicates.
    pub id: EventId,
    /// What happened.
    pub kind: EventKind,
    /// The provider that reported it.
    pub provider: String,
    /// The envelope it happened to, when the event names one.
    pub envelope_id: Option<EnvelopeId>,
    /// The signer it concerns, for signer events.
    pub signer: Option<SignerRef>,
    /// When it happened, when the provider says.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub occurred_at: Option<OffsetDateTime>,
    /// Whether its authenticity was established: a valid signature, or a confirmation by
    /// querying the provider. Act only on verified events.
    pub verified: bool,
    /// The provider's own payload.
    #[serde(default)]
    pub raw: RawJson,
}

impl Event {
    /// An unverified event with nothing but an id, a kind and a provider.
    pub fn new(id: EventId, kind: EventKind, provider: impl Into<String>) -> Self {
        Self {
            id,
            kind,
            provider: provider.into(),
            envelope_id: None,
            signer: None,
            occurred_at: None,
            verified: false,
            raw: RawJson::default(),
        }
    }
}

/// Which signer an event concerns; providers identify signers by id, e-mail or both.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignerRef {
    /// The provider's id of the signer.
    #[serde(default)]
    pub id: Option<SignerId>,
    /// The signer's e-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

impl SignerRef {
    /// A reference by provider id.
    pub fn by_id(id: SignerId) -> Self {
        Self {
            id: Some(id),
            email: None,
        }
    }

    /// A reference by e-mail address.
    pub fn by_email(email: impl Into<String>) -> Self {
        Self {
            id: None,
            email: Some(email.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_round_trip_with_unknown_kind() {
        let mut event = Event::new(
            EventId::new("msg_1"),
            EventKind::Other("agreement.archived".into()),
            "heysign",
        );
        event.envelope_id = Some(EnvelopeId::new("a-1"));
        event.signer = Some(SignerRef::by_email("a@example.com"));
        event.occurred_at = Some(time::macros::datetime!(2026-05-06 07:08:09.5 UTC));
        event.verified = true;
        event.raw = serde_json::json!({"type": "agreement.archived"}).into();
        let json = serde_json::to_string(&event).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
    }
}

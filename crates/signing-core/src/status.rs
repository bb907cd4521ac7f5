//! Envelope and signer statuses, and the event kinds, as open sets of names.
//!
//! Providers add states over time. Each enum keeps a value it does not know as `Other(raw)`
//! instead of failing to parse, and serializes to the same snake_case names it parses, so
//! stored values survive upgrades.

crate::open_enum! {
    /// Where an envelope is in its lifecycle.
    EnvelopeStatus {
        /// Created but not yet sent to the signers.
        Draft => "draft",
        /// Sent: waiting for signatures.
        Sent => "sent",
        /// Every signer has signed.
        Completed => "completed",
        /// A signer declined to sign.
        Declined => "declined",
        /// The sender cancelled (voided) it.
        Cancelled => "cancelled",
        /// It expired before everyone signed.
        Expired => "expired",
        /// It was deleted; some providers keep deleted envelopes visible for a while.
        Deleted => "deleted",
    }
}

impl EnvelopeStatus {
    /// Whether the envelope can no longer change (by signing): completed, declined,
    /// cancelled, expired or deleted.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Declined | Self::Cancelled | Self::Expired | Self::Deleted
        )
    }
}

crate::open_enum! {
    /// Where one signer is.
    SignerStatus {
        /// Not invited yet (a later signer in a sequential envelope, or a draft).
        Waiting => "waiting",
        /// Invited to sign.
        Notified => "notified",
        /// Opened the document.
        Viewed => "viewed",
        /// Signed.
        Signed => "signed",
        /// Declined to sign.
        Declined => "declined",
    }
}

crate::open_enum! {
    /// What happened, in an [`Event`](crate::Event).
    EventKind {
        /// An envelope was created.
        Created => "created",
        /// An envelope was sent to its signers.
        Sent => "sent",
        /// A signer opened the document.
        SignerViewed => "signer_viewed",
        /// A signer signed.
        SignerSigned => "signer_signed",
        /// A signer declined.
        SignerDeclined => "signer_declined",
        /// Every signer has signed.
        Completed => "completed",
        /// The envelope was declined.
        Declined => "declined",
        /// The envelope was cancelled.
        Cancelled => "cancelled",
        /// The envelope expired.
        Expired => "expired",
    }
}

impl EventKind {
    /// The envelope status this event implies, if it implies one.
    pub fn envelope_status(&self) -> Option<EnvelopeStatus> {
        match self {
            Self::Created => Some(EnvelopeStatus::Draft),
            Self::Sent => Some(EnvelopeStatus::Sent),
            Self::Completed => Some(EnvelopeStatus::Completed),
            Self::Declined => Some(EnvelopeStatus::Declined),
            Self::Cancelled => Some(EnvelopeStatus::Cancelled),
            Self::Expired => Some(EnvelopeStatus::Expired),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        for status in [
            EnvelopeStatus::Draft,
            EnvelopeStatus::Sent,
            EnvelopeStatus::Completed,
            EnvelopeStatus::Declined,
            EnvelopeStatus::Cancelled,
            EnvelopeStatus::Expired,
            EnvelopeStatus::Deleted,
            EnvelopeStatus::Other("Archived".into()),
        ] {
            let json = serde_json::to_string(&status).unwrap();
            let back: EnvelopeStatus = serde_json::from_str(&json).unwrap();
            assert_eq!(back, status);
        }
        let unknown: SignerStatus = serde_json::from_str("\"Delegated\"").unwrap();
        assert_eq!(unknown, SignerStatus::Other("Delegated".into()));
        assert_eq!(unknown.to_string(), "Delegated");
        let kind: EventKind = serde_json::from_str("\"agreement.reminded\"").unwrap();
        assert_eq!(kind, EventKind::Other("agreement.reminded".into()));
        assert_eq!(EventKind::from("signer_signed"), EventKind::SignerSigned);
        assert_eq!(
            serde_json::to_string(&EventKind::SignerDeclined).unwrap(),
            "\"signer_declined\""
        );
    }

    #[test]
    fn terminal_statuses() {
        assert!(!EnvelopeStatus::Draft.is_terminal());
        assert!(!EnvelopeStatus::Sent.is_terminal());
        assert!(!EnvelopeStatus::Other("x".into()).is_terminal());
        assert!(EnvelopeStatus::Completed.is_terminal());
        assert!(EnvelopeStatus::Cancelled.is_terminal());
        assert_eq!(
            EventKind::Completed.envelope_status(),
            Some(EnvelopeStatus::Completed)
        );
        assert_eq!(EventKind::SignerSigned.envelope_status(), None);
    }
}

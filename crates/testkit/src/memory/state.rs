//! The in-memory provider's state machine: envelopes, signers and their transitions.

use std::collections::BTreeMap;

use http::HeaderValue;
use signing_core::{
    Document, Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus, Error, EventKind, NewEnvelope,
    SignerStatus, SigningOrder,
};
use time::OffsetDateTime;

use super::PROVIDER;

/// One envelope as the in-memory provider holds it.
#[derive(Debug, Clone)]
pub(crate) struct StoredEnvelope {
    pub(crate) id: EnvelopeId,
    pub(crate) title: String,
    pub(crate) documents: Vec<Document>,
    pub(crate) signers: Vec<StoredSigner>,
    pub(crate) order: SigningOrder,
    pub(crate) cc: Vec<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) reference: Option<String>,
    pub(crate) callback: Option<Callback>,
    pub(crate) status: EnvelopeStatus,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) updated_at: OffsetDateTime,
    pub(crate) completed_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredSigner {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) status: SignerStatus,
    pub(crate) signed_at: Option<OffsetDateTime>,
}

/// Where an envelope's own callback URL sends its events: what a receiver there sees.
#[derive(Debug, Clone)]
pub(crate) struct Callback {
    /// The `host` header: the URL's host and port.
    pub(crate) host: HeaderValue,
    /// The path and query.
    pub(crate) path: String,
}

impl Callback {
    fn of(request: &NewEnvelope) -> Option<Self> {
        let url = request.callback_url()?;
        let mut host = url.host_str()?.to_owned();
        if let Some(port) = url.port() {
            host = format!("{host}:{port}");
        }
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Some(Self {
            // A parsed URL's host is visible ASCII.
            host: HeaderValue::from_str(&host).ok()?,
            path,
        })
    }
}

/// What a test can make a signer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignerAction {
    /// Open the document.
    View,
    /// Sign.
    Sign,
    /// Decline to sign.
    Decline,
}

/// A transition that happened, to be reported as an event.
#[derive(Debug, Clone)]
pub(crate) struct Transition {
    pub(crate) kind: EventKind,
    pub(crate) envelope_id: EnvelopeId,
    pub(crate) signer_email: Option<String>,
}

impl StoredEnvelope {
    pub(crate) fn create(id: EnvelopeId, request: &NewEnvelope, now: OffsetDateTime) -> Self {
        let signers = request
            .signers()
            .iter()
            .enumerate()
            .map(|(i, s)| StoredSigner {
                name: s.name().to_owned(),
                email: s.email().to_owned(),
                // Sequential envelopes invite one signer at a time.
                status: if request.order() == SigningOrder::Sequential && i > 0 {
                    SignerStatus::Waiting
                } else {
                    SignerStatus::Notified
                },
                signed_at: None,
            })
            .collect();
        Self {
            id,
            title: request.title().to_owned(),
            documents: request.documents().to_vec(),
            signers,
            order: request.order(),
            cc: request.cc().to_vec(),
            metadata: request.metadata().clone(),
            reference: request.reference().map(str::to_owned),
            callback: Callback::of(request),
            status: EnvelopeStatus::Sent,
            created_at: now,
            updated_at: now,
            completed_at: None,
        }
    }

    /// Applies a signer's action; returns the transitions it caused.
    pub(crate) fn act(
        &mut self,
        email: &str,
        action: SignerAction,
        now: OffsetDateTime,
    ) -> Result<Vec<Transition>, Error> {
        if self.status != EnvelopeStatus::Sent {
            return Err(Error::invalid_state(format!(
                "envelope {} is {}, not sent",
                self.id, self.status
            ))
            .with_provider(PROVIDER));
        }
        let index = self
            .signers
            .iter()
            .position(|s| s.email.eq_ignore_ascii_case(email))
            .ok_or_else(|| {
                Error::not_found(format!("{email} is not a signer of envelope {}", self.id))
                    .with_provider(PROVIDER)
            })?;
        let signer = &mut self.signers[index];
        match signer.status {
            SignerStatus::Notified | SignerStatus::Viewed => {}
            SignerStatus::Waiting => {
                return Err(Error::invalid_state(format!(
                    "it is not {email}'s turn to sign envelope {}",
                    self.id
                ))
                .with_provider(PROVIDER));
            }
            ref other => {
                return Err(Error::invalid_state(format!(
                    "{email} has already {other} envelope {}",
                    self.id
                ))
                .with_provider(PROVIDER));
            }
        }
        let transition = |kind| Transition {
            kind,
            envelope_id: self.id.clone(),
            signer_email: Some(email.to_owned()),
        };
        let mut transitions = Vec::new();
        self.updated_at = now;
        match action {
            SignerAction::View => {
                signer.status = SignerStatus::Viewed;
                transitions.push(transition(EventKind::SignerViewed));
            }
            SignerAction::Decline => {
                signer.status = SignerStatus::Declined;
                self.status = EnvelopeStatus::Declined;
                transitions.push(transition(EventKind::SignerDeclined));
                transitions.push(transition(EventKind::Declined));
            }
            SignerAction::Sign => {
                signer.status = SignerStatus::Signed;
                signer.signed_at = Some(now);
                transitions.push(transition(EventKind::SignerSigned));
                if self.order == SigningOrder::Sequential
                    && let Some(next) = self.signers.get_mut(index + 1)
                {
                    next.status = SignerStatus::Notified;
                }
                if self
                    .signers
                    .iter()
                    .all(|s| s.status == SignerStatus::Signed)
                {
                    self.status = EnvelopeStatus::Completed;
                    self.completed_at = Some(now);
                    transitions.push(Transition {
                        kind: EventKind::Completed,
                        envelope_id: self.id.clone(),
                        signer_email: None,
                    });
                }
            }
        }
        Ok(transitions)
    }

    /// Ends a sent envelope with `status` (cancelled or expired).
    pub(crate) fn end(
        &mut self,
        status: EnvelopeStatus,
        now: OffsetDateTime,
    ) -> Result<Transition, Error> {
        if self.status != EnvelopeStatus::Sent {
            return Err(Error::invalid_state(format!(
                "envelope {} is already {}",
                self.id, self.status
            ))
            .with_provider(PROVIDER));
        }
        let kind = match status {
            EnvelopeStatus::Expired => EventKind::Expired,
            _ => EventKind::Cancelled,
        };
        self.status = status;
        self.updated_at = now;
        Ok(Transition {
            kind,
            envelope_id: self.id.clone(),
            signer_email: None,
        })
    }

    pub(crate) fn to_envelope(&self) -> Envelope {
        let mut envelope = Envelope::new(self.id.clone(), PROVIDER, self.status.clone());
        envelope.title = Some(self.title.clone());
        envelope.signers = self
            .signers
            .iter()
            .map(|s| {
                let mut signer = EnvelopeSigner::new(s.email.clone(), s.status.clone());
                signer.name = Some(s.name.clone());
                signer.signed_at = s.signed_at;
                signer
            })
            .collect();
        envelope.created_at = Some(self.created_at);
        envelope.updated_at = Some(self.updated_at);
        envelope.completed_at = self.completed_at;
        envelope.metadata = self.metadata.clone();
        envelope.reference.clone_from(&self.reference);
        envelope.raw = serde_json::json!({
            "order": match self.order {
                SigningOrder::Sequential => "sequential",
                _ => "parallel",
            },
            "cc": self.cc,
            "documents": self.documents.iter().map(Document::name).collect::<Vec<_>>(),
        })
        .into();
        envelope
    }
}

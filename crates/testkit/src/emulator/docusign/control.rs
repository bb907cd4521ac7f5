//! The DocuSign emulator as a [`Control`] handle: signers known by envelope id and e-mail.

use std::time::Duration;

use async_trait::async_trait;
use signing_core::{EnvelopeId, EnvelopeStatus, EventKind, SignerStatus};

use super::error::EmulatorError;
use super::model::{Envelope, EnvelopeStatus as Status, RecipientKind, RecipientStatus};
use super::{DocuSignEmulator, Route};
use crate::control::{
    Control, ControlError, ControlErrorKind, Delivery, DocumentView, Email, EnvelopeView,
    SignerAction, SignerView,
};

const PROVIDER: &str = "docusign";

/// What a signer declining through the control handle gives as the reason.
const DECLINE_REASON: &str = "Declined by the signer.";

impl From<EmulatorError> for ControlError {
    fn from(error: EmulatorError) -> Self {
        let kind = match &error {
            // A delivery is not a signer act; no handle method reaches it.
            EmulatorError::UnknownEnvelope { .. } | EmulatorError::UnknownDelivery { .. } => {
                ControlErrorKind::UnknownEnvelope
            }
            EmulatorError::NotInProcess { .. } => ControlErrorKind::NotOpen,
            EmulatorError::UnknownSigner { .. } => ControlErrorKind::UnknownSigner,
            EmulatorError::NotSignersTurn { .. } => ControlErrorKind::NotTheirTurn,
            EmulatorError::SignerFinished { .. } => ControlErrorKind::Finished,
        };
        ControlError::new(kind, error.to_string())
    }
}

fn view(envelope: &Envelope) -> EnvelopeView {
    let status = match envelope.status {
        Status::Created => EnvelopeStatus::Draft,
        Status::Sent | Status::Delivered => EnvelopeStatus::Sent,
        Status::Completed => EnvelopeStatus::Completed,
        Status::Declined => EnvelopeStatus::Declined,
        Status::Voided => EnvelopeStatus::Cancelled,
        Status::Deleted => EnvelopeStatus::Deleted,
    };
    let mut signers: Vec<SignerView> = envelope
        .signers()
        .map(|signer| SignerView {
            name: Some(signer.name.clone()),
            email: signer.email.clone(),
            order: signer.routing_order,
            status: match signer.status {
                RecipientStatus::Created => SignerStatus::Waiting,
                RecipientStatus::Sent => SignerStatus::Notified,
                RecipientStatus::Delivered => SignerStatus::Viewed,
                RecipientStatus::Completed => SignerStatus::Signed,
                RecipientStatus::Declined => SignerStatus::Declined,
            },
            provider_status: signer.status.as_str().to_owned(),
            provider_id: Some(signer.id.clone()),
        })
        .collect();
    // The routing order is the signing order; the listed order breaks ties.
    signers.sort_by_key(|signer| signer.order);
    let ordered = signers
        .windows(2)
        .any(|pair| pair[0].order != pair[1].order);
    let mut documents: Vec<_> = envelope.documents.iter().collect();
    documents.sort_by_key(|document| document.order);
    EnvelopeView {
        provider: PROVIDER,
        id: EnvelopeId::new(envelope.id.as_str()),
        title: envelope.email_subject.clone(),
        status,
        provider_status: envelope.status.as_str().to_owned(),
        ordered,
        signers,
        cc: envelope
            .recipients
            .iter()
            .filter(|recipient| recipient.kind == RecipientKind::CarbonCopy)
            .map(|recipient| recipient.email.clone())
            .collect(),
        documents: documents
            .into_iter()
            .map(|document| {
                let content_type = if document.content.starts_with(b"%PDF-") {
                    "application/pdf"
                } else {
                    "application/octet-stream"
                };
                DocumentView::new(
                    document.name.clone(),
                    content_type,
                    document.content.clone(),
                )
            })
            .collect(),
        created_at: Some(envelope.created_at),
    }
}

#[async_trait]
impl Control for DocuSignEmulator {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn label(&self) -> &'static str {
        "DocuSign"
    }

    fn supports(&self, action: SignerAction) -> bool {
        matches!(
            action,
            SignerAction::Sign | SignerAction::View | SignerAction::Decline
        )
    }

    fn envelopes(&self) -> Vec<EnvelopeView> {
        self.shared
            .read(|store| store.envelopes().iter().map(view).collect())
    }

    fn envelope(&self, id: &EnvelopeId) -> Option<EnvelopeView> {
        self.shared
            .read(|store| store.any_envelope(id.as_str()).map(view))
    }

    fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<(), ControlError> {
        let id = id.as_str();
        match action {
            SignerAction::View => self.view(id, email)?,
            SignerAction::Sign => self.sign(id, email)?,
            _ => self.decline(id, email, DECLINE_REASON)?,
        }
        Ok(())
    }

    fn sign_all(&self, id: &EnvelopeId) -> Result<(), ControlError> {
        Ok(DocuSignEmulator::sign_all(self, id.as_str())?)
    }

    crate::control::requests_and_faults!(PROVIDER);

    fn deliveries(&self) -> Vec<Delivery> {
        self.shared.dispatcher().deliveries()
    }

    async fn wait_for_delivery(
        &self,
        id: &EnvelopeId,
        kind: EventKind,
        timeout: Duration,
    ) -> Option<Delivery> {
        self.shared
            .dispatcher()
            .wait_for(|delivery| delivery.tells(id, &kind), timeout)
            .await
    }

    fn outbox(&self) -> Vec<Email> {
        self.shared.read(|store| store.emails.clone())
    }
}

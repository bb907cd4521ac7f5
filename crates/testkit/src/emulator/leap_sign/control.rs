//! The LEAP Sign emulator as a [`Control`] handle: signers known by project id and e-mail.

use std::time::Duration;

use async_trait::async_trait;
use signing_core::{EnvelopeId, EnvelopeStatus, EventKind, SignerStatus as Status};

use super::LeapSignEmulator;
use super::error::EmulatorError;
use super::routes::Route;
use super::state::{Project, ProjectStatus, SignerStatus};
use crate::control::{
    Control, ControlError, ControlErrorKind, Delivery, DocumentView, Email, EnvelopeView,
    SignerAction, SignerView,
};

const PROVIDER: &str = "leap-sign";

impl From<EmulatorError> for ControlError {
    fn from(error: EmulatorError) -> Self {
        let kind = match &error {
            EmulatorError::UnknownProject { .. } => ControlErrorKind::UnknownEnvelope,
            EmulatorError::NotInProgress { .. } => ControlErrorKind::NotOpen,
            EmulatorError::UnknownSigner { .. } => ControlErrorKind::UnknownSigner,
            EmulatorError::NotSignersTurn { .. } => ControlErrorKind::NotTheirTurn,
            EmulatorError::AlreadySigned { .. } => ControlErrorKind::Finished,
        };
        ControlError::new(kind, error.to_string())
    }
}

fn view(project: &Project) -> EnvelopeView {
    let status = match project.status {
        ProjectStatus::InProgress => EnvelopeStatus::Sent,
        ProjectStatus::Completed => EnvelopeStatus::Completed,
        ProjectStatus::Cancelled => EnvelopeStatus::Cancelled,
    };
    let signers = (1_u32..)
        .zip(&project.signers)
        .map(|(place, signer)| SignerView {
            name: Some(signer.person.name.clone()),
            email: signer.person.email.clone(),
            order: if project.ordered { place } else { 1 },
            status: match signer.status {
                SignerStatus::Waiting => Status::Waiting,
                SignerStatus::Notified => Status::Notified,
                SignerStatus::Signed => Status::Signed,
            },
            provider_status: signer.status.as_str().to_owned(),
            provider_id: None,
        })
        .collect();
    EnvelopeView {
        provider: PROVIDER,
        id: EnvelopeId::new(project.id.as_str()),
        title: Some(project.name.clone()),
        status,
        provider_status: project.status.as_str().to_owned(),
        ordered: project.ordered,
        signers,
        cc: project.additional_recipients.clone(),
        documents: vec![DocumentView::new(
            project.document.name.clone(),
            project.document.content_type,
            project.document.content.clone(),
        )],
        created_at: Some(project.created_at),
    }
}

#[async_trait]
impl Control for LeapSignEmulator {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn label(&self) -> &'static str {
        "LEAP Sign"
    }

    fn supports(&self, action: SignerAction) -> bool {
        action == SignerAction::Sign
    }

    fn envelopes(&self) -> Vec<EnvelopeView> {
        self.app.lock().projects().iter().map(view).collect()
    }

    fn envelope(&self, id: &EnvelopeId) -> Option<EnvelopeView> {
        self.app.lock().project(id.as_str()).map(view)
    }

    fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<(), ControlError> {
        match action {
            SignerAction::Sign => Ok(self.sign(id.as_str(), email)?),
            SignerAction::View => Err(ControlError::unsupported(
                "recording that a signer opened the document",
                PROVIDER,
            )),
            _ => Err(ControlError::unsupported("declining", PROVIDER)),
        }
    }

    fn sign_all(&self, id: &EnvelopeId) -> Result<(), ControlError> {
        Ok(LeapSignEmulator::sign_all(self, id.as_str())?)
    }

    crate::control::requests_and_faults!(PROVIDER);

    fn deliveries(&self) -> Vec<Delivery> {
        self.callbacks.all()
    }

    async fn wait_for_delivery(
        &self,
        id: &EnvelopeId,
        kind: EventKind,
        timeout: Duration,
    ) -> Option<Delivery> {
        self.callbacks
            .wait_for(|delivery| delivery.tells(id, &kind), timeout)
            .await
    }

    fn outbox(&self) -> Vec<Email> {
        self.app.lock().emails().to_vec()
    }
}

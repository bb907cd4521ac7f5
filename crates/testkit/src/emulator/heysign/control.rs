//! The HeySign emulator as a [`Control`] handle: signers known by agreement id and e-mail.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use signing_core::{EnvelopeId, EnvelopeStatus, EventKind, SignerStatus};

use super::error::EmulatorError;
use super::ids;
use super::model::{Agreement, AgreementStatus, SigneeStatus};
use super::state::Store;
use super::{HeySignEmulator, Route};
use crate::control::{
    Control, ControlError, ControlErrorKind, Delivery, DocumentView, Email, EnvelopeView,
    SignerAction, SignerView,
};

const PROVIDER: &str = "heysign";

impl From<EmulatorError> for ControlError {
    fn from(error: EmulatorError) -> Self {
        let kind = match &error {
            EmulatorError::UnknownSignee(_) => ControlErrorKind::UnknownSigner,
            EmulatorError::UnknownAgreement(_) => ControlErrorKind::UnknownEnvelope,
            EmulatorError::AgreementNotPending { .. } => ControlErrorKind::NotOpen,
            EmulatorError::AlreadySigned(_) => ControlErrorKind::Finished,
        };
        ControlError::new(kind, error.to_string())
    }
}

impl Store {
    fn view(&self, agreement: &Agreement) -> EnvelopeView {
        let status = match agreement.status {
            AgreementStatus::Draft => EnvelopeStatus::Draft,
            AgreementStatus::Pending => EnvelopeStatus::Sent,
            AgreementStatus::Completed => EnvelopeStatus::Completed,
            AgreementStatus::Cancelled => EnvelopeStatus::Cancelled,
            AgreementStatus::Deleted => EnvelopeStatus::Deleted,
        };
        let signers = agreement
            .signee_ids
            .iter()
            .filter_map(|id| self.signee(id))
            .map(|signee| SignerView {
                name: None,
                email: signee
                    .attributes
                    .get("email")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                // HeySign signs in parallel only.
                order: 1,
                status: match signee.status {
                    SigneeStatus::Draft => SignerStatus::Waiting,
                    SigneeStatus::Pending if signee.session_open => SignerStatus::Viewed,
                    SigneeStatus::Pending => SignerStatus::Notified,
                    SigneeStatus::Signed => SignerStatus::Signed,
                },
                provider_status: signee.status.as_str().to_owned(),
                provider_id: Some(signee.id.clone()),
            })
            .collect();
        let documents = agreement
            .document_ids
            .iter()
            .filter_map(|id| self.document(id))
            .filter_map(|document| self.file(&document.file_id))
            .map(|file| {
                DocumentView::new(
                    file.name.clone(),
                    file.content_type.clone(),
                    file.content.clone(),
                )
            })
            .collect();
        EnvelopeView {
            provider: PROVIDER,
            id: EnvelopeId::new(agreement.id.as_str()),
            title: agreement.title.clone(),
            status,
            provider_status: agreement.status.as_str().to_owned(),
            ordered: false,
            signers,
            cc: Vec::new(),
            documents,
            created_at: Some(agreement.created),
        }
    }

    /// The signee of agreement `id` with `email` who may sign now, or else the first with it.
    fn signee_by_email(&self, id: &str, email: &str) -> Result<String, ControlError> {
        let agreement = ids::canonical(id)
            .and_then(|id| self.agreement(&id))
            .ok_or_else(|| {
                ControlError::new(
                    ControlErrorKind::UnknownEnvelope,
                    format!("no agreement has the id `{id}`"),
                )
            })?;
        let matching: Vec<_> = agreement
            .signee_ids
            .iter()
            .filter_map(|signee_id| self.signee(signee_id))
            .filter(|signee| {
                signee
                    .attributes
                    .get("email")
                    .and_then(Value::as_str)
                    .is_some_and(|address| address.eq_ignore_ascii_case(email))
            })
            .collect();
        matching
            .iter()
            .find(|signee| signee.status != SigneeStatus::Signed)
            .or_else(|| matching.first())
            .map(|signee| signee.id.clone())
            .ok_or_else(|| {
                ControlError::new(
                    ControlErrorKind::UnknownSigner,
                    format!("agreement `{}` has no signee {email}", agreement.id),
                )
            })
    }
}

#[async_trait]
impl Control for HeySignEmulator {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn label(&self) -> &'static str {
        "HeySign"
    }

    fn supports(&self, action: SignerAction) -> bool {
        matches!(action, SignerAction::Sign | SignerAction::View)
    }

    fn envelopes(&self) -> Vec<EnvelopeView> {
        self.shared.read(|store| {
            store
                .agreements
                .iter()
                .map(|agreement| store.view(agreement))
                .collect()
        })
    }

    fn envelope(&self, id: &EnvelopeId) -> Option<EnvelopeView> {
        self.shared.read(|store| {
            ids::canonical(id.as_str())
                .and_then(|id| store.agreement(&id))
                .map(|agreement| store.view(agreement))
        })
    }

    fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<(), ControlError> {
        let signee = self
            .shared
            .read(|store| store.signee_by_email(id.as_str(), email))?;
        match action {
            SignerAction::Sign => self.sign(&signee)?,
            SignerAction::View => self.open_sign_session(&signee)?,
            _ => return Err(ControlError::unsupported("declining", PROVIDER)),
        }
        Ok(())
    }

    fn sign_all(&self, id: &EnvelopeId) -> Result<(), ControlError> {
        Ok(HeySignEmulator::sign_all(self, id.as_str())?)
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

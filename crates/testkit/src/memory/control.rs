//! The in-memory provider as a [`Control`] handle, where it fits: it plays signers and shows
//! its envelopes like the emulators; it posts no webhooks (take them with
//! [`next_delivery`](MemoryProvider::next_delivery)), sends no e-mail and has no routes to
//! aim faults at (use [`fail_next`](MemoryProvider::fail_next)).

use std::time::Duration;

use async_trait::async_trait;
use signing_core::{EnvelopeId, EnvelopeStatus, ErrorKind, EventKind, SignerStatus, SigningOrder};

use super::state::StoredEnvelope;
use super::{MemoryProvider, PROVIDER, SignerAction};
use crate::control::{
    Control, ControlError, ControlErrorKind, Delivery, DocumentView, Email, EnvelopeView,
    SignerView,
};
#[cfg(feature = "emulator")]
use crate::emulator::{Fault, RecordedRequest};

fn view(envelope: &StoredEnvelope) -> EnvelopeView {
    let ordered = envelope.order == SigningOrder::Sequential;
    EnvelopeView {
        provider: PROVIDER,
        id: envelope.id.clone(),
        title: Some(envelope.title.clone()),
        status: envelope.status.clone(),
        provider_status: envelope.status.to_string(),
        ordered,
        signers: (1_u32..)
            .zip(&envelope.signers)
            .map(|(place, signer)| SignerView {
                name: Some(signer.name.clone()),
                email: signer.email.clone(),
                order: if ordered { place } else { 1 },
                status: signer.status.clone(),
                provider_status: signer.status.to_string(),
                provider_id: None,
            })
            .collect(),
        cc: envelope.cc.clone(),
        documents: envelope
            .documents
            .iter()
            .map(|document| {
                DocumentView::new(
                    document.name(),
                    document.content_type(),
                    // A document from a file or a reader is not held in memory.
                    document.content().cloned().unwrap_or_default(),
                )
            })
            .collect(),
        created_at: Some(envelope.created_at),
    }
}

impl MemoryProvider {
    /// Why `act` refused, told apart by looking at the envelope as it is.
    fn refusal(&self, id: &EnvelopeId, email: &str, error: &signing_core::Error) -> ControlError {
        let message = error.to_string();
        let Some(envelope) = Control::envelope(self, id) else {
            return ControlError::new(ControlErrorKind::UnknownEnvelope, message);
        };
        let kind = match (error.kind(), envelope.signer(email)) {
            (ErrorKind::Unsupported { .. }, _) => ControlErrorKind::Unsupported,
            (_, None) => ControlErrorKind::UnknownSigner,
            _ if envelope.status != EnvelopeStatus::Sent => ControlErrorKind::NotOpen,
            (_, Some(signer)) if signer.status == SignerStatus::Waiting => {
                ControlErrorKind::NotTheirTurn
            }
            _ => ControlErrorKind::Finished,
        };
        ControlError::new(kind, message)
    }
}

#[async_trait]
impl Control for MemoryProvider {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn label(&self) -> &'static str {
        "In-memory"
    }

    fn supports(&self, _action: SignerAction) -> bool {
        true
    }

    fn envelopes(&self) -> Vec<EnvelopeView> {
        self.lock().envelopes.values().map(view).collect()
    }

    fn envelope(&self, id: &EnvelopeId) -> Option<EnvelopeView> {
        self.lock().envelope(id).ok().map(view)
    }

    fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<(), ControlError> {
        MemoryProvider::act(self, id, email, action)
            .map_err(|error| self.refusal(id, email, &error))
    }

    fn sign_all(&self, id: &EnvelopeId) -> Result<(), ControlError> {
        // Each round signs at least one signer, so there are at most as many rounds as signers.
        loop {
            let envelope = Control::envelope(self, id).ok_or_else(|| {
                ControlError::new(
                    ControlErrorKind::UnknownEnvelope,
                    format!("no envelope has the id {id}"),
                )
            })?;
            if envelope.status != EnvelopeStatus::Sent {
                if envelope.status == EnvelopeStatus::Completed {
                    return Ok(());
                }
                return Err(ControlError::new(
                    ControlErrorKind::NotOpen,
                    format!("envelope {id} is {}, not sent", envelope.status),
                ));
            }
            let in_turn: Vec<String> = envelope
                .signers
                .iter()
                .filter(|signer| signer.is_invited())
                .map(|signer| signer.email.clone())
                .collect();
            if in_turn.is_empty() {
                return Ok(());
            }
            for email in in_turn {
                Control::act(self, id, &email, SignerAction::Sign)?;
            }
        }
    }

    fn request_count(&self) -> usize {
        self.backend_requests()
    }

    fn deliveries(&self) -> Vec<Delivery> {
        Vec::new()
    }

    async fn wait_for_delivery(
        &self,
        _id: &EnvelopeId,
        _kind: EventKind,
        _timeout: Duration,
    ) -> Option<Delivery> {
        None
    }

    fn outbox(&self) -> Vec<Email> {
        Vec::new()
    }

    #[cfg(feature = "emulator")]
    fn requests(&self) -> Vec<RecordedRequest> {
        Vec::new()
    }

    #[cfg(feature = "emulator")]
    fn routes(&self) -> Vec<&'static str> {
        Vec::new()
    }

    #[cfg(feature = "emulator")]
    fn inject(&self, route: &str, _fault: Fault, _times: usize) -> Result<(), ControlError> {
        Err(ControlError::new(
            ControlErrorKind::UnknownRoute,
            format!("the in-memory provider has no route `{route}`: use `fail_next`"),
        ))
    }

    #[cfg(feature = "emulator")]
    fn pending_faults(&self) -> Vec<(&'static str, Fault)> {
        Vec::new()
    }

    #[cfg(feature = "emulator")]
    fn clear_faults(&self) {}
}

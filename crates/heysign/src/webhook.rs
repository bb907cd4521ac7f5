//! HeySign's webhooks: Standard Webhooks signatures, verified before anything else is read.

use std::fmt;
use std::sync::Arc;

use signing_core::webhook::{WebhookError, WebhookVerifier};
use signing_core::{Error, Event, RawJson, ReplayGuard, Result, WebhookRequest};

use crate::error::PROVIDER;
use crate::mapping;
use crate::wire::WebhookPayload;

/// Verifies deliveries and turns them into events.
#[derive(Clone, Default)]
pub(crate) struct Webhooks {
    verifier: Option<WebhookVerifier>,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
}

impl Webhooks {
    pub(crate) fn new(
        verifier: Option<WebhookVerifier>,
        replay_guard: Option<Arc<dyn ReplayGuard>>,
    ) -> Self {
        Self {
            verifier,
            replay_guard,
        }
    }

    /// The events of a delivery whose signature verifies.
    pub(crate) async fn parse(&self, request: &WebhookRequest) -> Result<Vec<Event>> {
        let refuse = |why: WebhookError| Error::from(why).with_provider(PROVIDER);
        let verifier = self
            .verifier
            .as_ref()
            .ok_or_else(|| refuse(WebhookError::NoSecret))?;
        let verified = verifier
            .verify(&request.headers, &request.body)
            .map_err(refuse)?;
        let (payload, raw) = RawJson::decode::<WebhookPayload>(request.body.clone())
            .map_err(|e| refuse(WebhookError::InvalidPayload(e.to_string())))?;
        if let Some(guard) = &self.replay_guard
            && !guard.first_seen(&verified.id).await?
        {
            return Err(refuse(WebhookError::Replayed(verified.id)));
        }
        Ok(vec![mapping::event(&verified.id, &payload, raw)])
    }
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks")
            .field("verifier", &self.verifier)
            .field("replay_guard", &self.replay_guard.is_some())
            .finish()
    }
}

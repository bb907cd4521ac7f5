//! HeySign's webhooks: Standard Webhooks signatures, verified before anything else is read.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use signing_core::webhook::{
    DEFAULT_TOLERANCE, WebhookError, WebhookSecret, WebhookTiming, WebhookVerifier,
};
use signing_core::{Error, Event, RawJson, ReplayGuard, Result, WebhookRequest};

use crate::error::PROVIDER;
use crate::mapping;
use crate::wire::WebhookPayload;

/// Verifies deliveries and turns them into events.
///
/// The verifier is shared by every clone of the provider, so a secret learnt after the build
/// (by [`HeySign::subscribe_webhook`](crate::HeySign::subscribe_webhook)) reaches the provider an
/// application already holds.
#[derive(Clone, Default)]
pub(crate) struct Webhooks {
    verifier: Arc<RwLock<Option<WebhookVerifier>>>,
    timing: WebhookTiming,
    replay_guard: Option<Arc<dyn ReplayGuard>>,
}

impl Webhooks {
    pub(crate) fn new(
        secrets: Vec<WebhookSecret>,
        timing: WebhookTiming,
        replay_guard: Option<Arc<dyn ReplayGuard>>,
    ) -> Self {
        let verifier = WebhookVerifier::with_secrets(secrets)
            .ok()
            .map(|verifier| Self::timed(verifier, &timing));
        Self {
            verifier: Arc::new(RwLock::new(verifier)),
            timing,
            replay_guard,
        }
    }

    /// Standard Webhooks' five minutes unless the builder was given another tolerance.
    fn timed(verifier: WebhookVerifier, timing: &WebhookTiming) -> WebhookVerifier {
        verifier.tolerance(DEFAULT_TOLERANCE).timing(timing)
    }

    /// Also accepts deliveries signed with `secret`.
    pub(crate) fn add_secret(&self, secret: WebhookSecret) {
        let mut verifier = self
            .verifier
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *verifier = Some(match verifier.take() {
            Some(known) => known.add_secret(secret),
            None => Self::timed(WebhookVerifier::new(secret), &self.timing),
        });
    }

    /// The events of a delivery whose signature verifies.
    pub(crate) async fn parse(&self, request: &WebhookRequest) -> Result<Vec<Event>> {
        let refuse = |why: WebhookError| Error::from(why).with_provider(PROVIDER);
        let verified = {
            // Held for the verification only, never across an await.
            let verifier = self.verifier.read().unwrap_or_else(PoisonError::into_inner);
            let verifier = verifier
                .as_ref()
                .ok_or_else(|| refuse(WebhookError::NoSecret))?;
            verifier
                .verify(&request.headers, &request.body)
                .map_err(refuse)?
        };
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
        let verifier = self.verifier.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Webhooks")
            .field("verifier", &*verifier)
            .field("timing", &self.timing)
            .field("replay_guard", &self.replay_guard.is_some())
            .finish()
    }
}

//! What a provider sent while a test ran, in one shape for every provider: the e-mails it
//! would have sent, and the webhooks it delivered. And the log that records them.

#[cfg(feature = "emulator")]
use std::sync::{Mutex, MutexGuard, PoisonError};
#[cfg(feature = "emulator")]
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use signing_core::{EnvelopeId, EventKind};
use time::OffsetDateTime;
#[cfg(feature = "emulator")]
use tokio::sync::Notify;

/// One webhook, callback or Connect message a provider attempted to deliver.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Delivery {
    /// When the attempt finished.
    pub at: OffsetDateTime,
    /// The event as the provider names it: HeySign's `agreement.completed`, DocuSign's
    /// `envelope-completed`, LEAP's `signTasksCompleted` (its only callback).
    pub event: String,
    /// The event in the library's words.
    pub kind: EventKind,
    /// The envelope the event is about, when it names one.
    pub envelope_id: Option<EnvelopeId>,
    /// Where it was sent.
    pub url: String,
    /// The headers sent, the signature headers included.
    pub headers: HeaderMap,
    /// The exact body sent.
    pub body: Bytes,
    /// The body as [`AnswerMode::Assumed`](crate::emulator::AnswerMode) words it, whatever the
    /// mode it was sent in (in that mode, `body` itself).
    pub assumed_body: Bytes,
    /// The status the receiver answered with; `None` if none was received (see `error`).
    pub status: Option<u16>,
    /// Why no status is known: the receiver could not be reached or did not answer in time,
    /// or the URL is not on this machine and was not called.
    pub error: Option<String>,
    /// Whether the receiver accepted it with a 2xx status.
    pub accepted: bool,
}

impl Delivery {
    /// Whether this delivery tells of `kind` for envelope `id`.
    #[cfg(feature = "emulator")]
    pub(crate) fn tells(&self, id: &EnvelopeId, kind: &EventKind) -> bool {
        self.kind == *kind && self.envelope_id.as_ref() == Some(id)
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The headers that authenticate the delivery, by name: Standard Webhooks'
    /// `webhook-id`, `webhook-timestamp` and `webhook-signature`, DocuSign's
    /// `x-authorization-digest` and `x-docusign-signature-N`. LEAP's callbacks carry none: their
    /// URL holds a token instead.
    pub fn signature_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter(|(name, _)| {
                let name = name.as_str();
                name.starts_with("webhook-")
                    || name.contains("signature")
                    || name.contains("digest")
            })
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect()
    }
}

/// What an [`Email`] is for.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// Asks a signer to sign: sent when their turn comes (at once in parallel signing, in turn
    /// in sequential signing).
    SignRequest,
    /// A copy for a cc recipient, sent when the signing order reaches them.
    Copy,
    /// The envelope is completed; the signed document is attached.
    Completed,
    /// A signer declined.
    Declined,
    /// The sender cancelled (voided) the envelope.
    Cancelled,
}

impl EmailKind {
    /// A short name for people: `sign request`, `copy`, `completed`, `declined`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignRequest => "sign request",
            Self::Copy => "copy",
            Self::Completed => "completed",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One e-mail a provider would have sent.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// When it was sent.
    pub at: OffsetDateTime,
    /// The envelope it is about.
    pub envelope_id: EnvelopeId,
    /// The recipient's address.
    pub to: String,
    /// The recipient's name, where the provider knows it.
    pub name: Option<String>,
    /// What it is for.
    pub kind: EmailKind,
    /// The subject line, worded as the provider would.
    pub subject: String,
}

impl Email {
    /// An e-mail of `kind` to `to` about envelope `envelope_id`, sent at `at`.
    pub fn new(
        at: OffsetDateTime,
        envelope_id: impl Into<EnvelopeId>,
        to: impl Into<String>,
        kind: EmailKind,
        subject: impl Into<String>,
    ) -> Self {
        Self {
            at,
            envelope_id: envelope_id.into(),
            to: to.into(),
            name: None,
            kind,
            subject: subject.into(),
        }
    }

    /// The same e-mail with the recipient's name.
    #[must_use]
    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.name = name.filter(|name| !name.trim().is_empty());
        self
    }
}

/// A list that grows while a test runs, and a way to wait for an entry. Shared by the
/// emulators' delivery queues.
#[cfg(feature = "emulator")]
#[derive(Debug)]
pub(crate) struct Recorder<T> {
    entries: Mutex<Vec<T>>,
    added: Notify,
}

#[cfg(feature = "emulator")]
impl<T> Default for Recorder<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(Vec::new()),
            added: Notify::new(),
        }
    }
}

#[cfg(feature = "emulator")]
impl<T: Clone> Recorder<T> {
    /// Adds an entry and wakes those waiting.
    pub(crate) fn push(&self, entry: T) {
        self.lock().push(entry);
        self.added.notify_waiters();
    }

    /// Every entry, in the order they were added.
    pub(crate) fn all(&self) -> Vec<T> {
        self.lock().clone()
    }

    /// The entry at `index`.
    #[cfg(feature = "docusign")]
    pub(crate) fn get(&self, index: usize) -> Option<T> {
        self.lock().get(index).cloned()
    }

    /// The first entry that `matches`, waiting up to `timeout` for one to be added.
    pub(crate) async fn wait_for(
        &self,
        matches: impl Fn(&T) -> bool,
        timeout: Duration,
    ) -> Option<T> {
        let wait = async {
            loop {
                // Registering interest before looking means an entry added in between still
                // wakes us.
                let added = self.added.notified();
                tokio::pin!(added);
                added.as_mut().enable();
                if let Some(found) = self.lock().iter().find(|entry| matches(entry)).cloned() {
                    return found;
                }
                added.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.ok()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(all(test, feature = "emulator"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_sees_entries_added_later() {
        let recorder = std::sync::Arc::new(Recorder::<u32>::default());
        recorder.push(1);
        let later = std::sync::Arc::clone(&recorder);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            later.push(7);
        });
        let found = recorder.wait_for(|n| *n > 5, Duration::from_secs(5)).await;
        assert_eq!(found, Some(7));
        assert_eq!(
            recorder
                .wait_for(|n| *n > 10, Duration::from_millis(10))
                .await,
            None
        );
        assert_eq!(recorder.all(), [1, 7]);
    }
}

//! A transition: one milestone of one envelope, as recorded and as handed to the handler.

use std::fmt;

use signing_core::EnvelopeStatus;
use signing_core::progress::Milestone;
use time::OffsetDateTime;

use crate::store::EnvelopeKey;

/// Where the tracker learned of a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// From the envelope given to [`Tracker::track`](crate::Tracker::track).
    Track,
    /// From a webhook or callback given to [`Tracker::ingest`](crate::Tracker::ingest).
    Webhook,
    /// From a read of the envelope by the reconciler, which fills what webhooks missed.
    Reconciler,
}

impl Source {
    /// The stable name stored for it: `track`, `webhook` or `reconciler`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::Webhook => "webhook",
            Self::Reconciler => "reconciler",
        }
    }

    /// Reads a stored name back; unknown names (written by a newer version) read as
    /// `Reconciler`, the source that claims the least.
    pub fn parse(name: &str) -> Self {
        match name {
            "track" => Self::Track,
            "webhook" => Self::Webhook,
            _ => Self::Reconciler,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The identity of a transition, stable across redeliveries, instances and restarts:
/// `{provider}:{envelope id}:{sequence number}`.
///
/// Use it to make a handler's effect idempotent: a handler may run again for the same
/// transition after a crash between its effect and the tracker's mark (see
/// [`Handler`](crate::Handler)), and an effect keyed on this id, written with a unique key,
/// happens once.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TransitionId(String);

impl TransitionId {
    /// The id of transition `seq` of envelope `key`.
    ///
    /// Unambiguous because provider names contain no `:` (the builder refuses them) and the
    /// sequence number, the last part, is digits only.
    pub fn new(key: &EnvelopeKey, seq: u32) -> Self {
        Self(format!("{}:{}:{seq}", key.provider, key.id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TransitionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransitionId({:?})", self.0)
    }
}

impl fmt::Display for TransitionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One transition of an envelope: a [`Milestone`] with its place in the envelope's sequence
/// and the history of its handling.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Transition {
    /// Which envelope.
    pub key: EnvelopeKey,
    /// Its place among the envelope's transitions, from 1; handled in this order.
    pub seq: u32,
    /// What happened.
    pub milestone: Milestone,
    /// Where the tracker learned of it.
    pub source: Source,
    /// When it was recorded.
    pub recorded_at: OffsetDateTime,
    /// How many times the handler was started for it, counted when an instance claims it (so
    /// an attempt whose instance died counts too); handed to the handler, 1 on the first call.
    pub attempts: u32,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When the handler's success was recorded; `None` while it is pending.
    pub handled_at: Option<OffsetDateTime>,
}

impl Transition {
    /// The transition's stable identity, for idempotent effects.
    pub fn id(&self) -> TransitionId {
        TransitionId::new(&self.key, self.seq)
    }

    /// The envelope's status after this transition.
    pub fn status(&self) -> EnvelopeStatus {
        self.milestone.status()
    }
}

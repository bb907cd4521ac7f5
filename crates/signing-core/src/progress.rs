//! The order in which an envelope progresses, so that "a transition" is well defined.
//!
//! Providers report statuses and events at least once, in no guaranteed order, and add values
//! over time. To call an application back once per change, in order, the changes must be
//! discrete and totally ordered. They are [`Milestone`]s:
//!
//! 1. [`Milestone::Sent`]: the envelope went out to its signers;
//! 2. [`Milestone::SignerSigned`], once per signer;
//! 3. [`Milestone::Finished`], once, with the envelope's final status (completed, declined,
//!    cancelled, expired or deleted).
//!
//! Every stage comes before the next. Signers have no order among themselves beyond the one in
//! which their signatures are learned; within one observation they are ordered by signing time,
//! then by their place in the envelope. A status or event this version does not know
//! (`Other`) implies no milestone at all: it can neither move an envelope forward nor back.
//!
//! ```
//! use signing_core::progress::{Milestone, Progress};
//! use signing_core::{Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus, SignerStatus};
//!
//! let mut envelope = Envelope::new(EnvelopeId::new("e-1"), "memory", EnvelopeStatus::Completed);
//! envelope.signers.push(EnvelopeSigner::new("ada@example.com", SignerStatus::Signed));
//! let progress = Progress::of_envelope(&envelope);
//! let keys: Vec<String> = progress.milestones().iter().map(Milestone::key).collect();
//! assert_eq!(keys, ["sent", "signed:email:ada@example.com", "finished"]);
//!
//! // Learned later and out of order, the same facts add nothing new.
//! let earlier = Progress::of_envelope(&Envelope::new(
//!     EnvelopeId::new("e-1"),
//!     "memory",
//!     EnvelopeStatus::Sent,
//! ));
//! assert!(earlier.new_since(progress.milestones()).is_empty());
//! ```

use std::cmp::Ordering;
use std::fmt;

use crate::envelope::{Envelope, EnvelopeSigner};
use crate::event::{Event, SignerRef};
use crate::id::SignerId;
use crate::status::{EnvelopeStatus, EventKind, SignerStatus};

/// The coarse stage of an envelope, ordered: a draft, then sent, then final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Not sent yet.
    Draft,
    /// Out for signing.
    Sent,
    /// In a final status; nothing changes any more.
    Finished,
}

impl Stage {
    /// The stage of a status, or `None` for a status this version does not know, which has no
    /// place in the order.
    ///
    /// ```
    /// use signing_core::EnvelopeStatus;
    /// use signing_core::progress::Stage;
    ///
    /// assert!(Stage::of(&EnvelopeStatus::Sent) < Stage::of(&EnvelopeStatus::Completed));
    /// assert_eq!(Stage::of(&EnvelopeStatus::Other("Archived".into())), None);
    /// ```
    pub fn of(status: &EnvelopeStatus) -> Option<Self> {
        match status {
            EnvelopeStatus::Draft => Some(Self::Draft),
            EnvelopeStatus::Sent => Some(Self::Sent),
            status if status.is_terminal() => Some(Self::Finished),
            _ => None,
        }
    }

    /// Whether `to` is a step forward from `from`. Unknown statuses are never a step, in either
    /// direction, so an unknown value from a provider cannot undo or fake progress.
    pub fn advances(from: &EnvelopeStatus, to: &EnvelopeStatus) -> bool {
        match (Self::of(from), Self::of(to)) {
            (Some(from), Some(to)) => to > from,
            _ => false,
        }
    }
}

/// Which signer a milestone concerns: the e-mail address in lower case when the provider gives
/// one, otherwise the provider's signer id.
///
/// E-mail comes first because every provider here reports it both in envelopes and in events,
/// while ids are missing from some (LEAP Sign has none).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SignerKey(String);

impl SignerKey {
    /// The key of a signer of an envelope, or `None` if it has neither e-mail nor id.
    pub fn of_signer(signer: &EnvelopeSigner) -> Option<Self> {
        Self::from_parts(
            signer.email.as_deref(),
            signer.id.as_ref().map(SignerId::as_str),
        )
    }

    /// The key of the signer an event names, or `None` if it names neither e-mail nor id.
    pub fn of_ref(signer: &SignerRef) -> Option<Self> {
        Self::from_parts(
            signer.email.as_deref(),
            signer.id.as_ref().map(SignerId::as_str),
        )
    }

    fn from_parts(email: Option<&str>, id: Option<&str>) -> Option<Self> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(email) = email {
            return Some(Self(format!("email:{}", email.to_lowercase())));
        }
        id.filter(|id| !id.is_empty())
            .map(|id| Self(format!("id:{id}")))
    }

    /// Reads back a key written by [`as_str`](Self::as_str); `None` if it is not one.
    pub fn parse(key: &str) -> Option<Self> {
        (key.starts_with("email:") || key.starts_with("id:")).then(|| Self(key.to_owned()))
    }

    /// The key as text: `email:{address}` or `id:{provider id}`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerKey({:?})", self.0)
    }
}

impl fmt::Display for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One step an envelope takes at most once. See the [module](self) for their order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Milestone {
    /// The envelope was sent to its signers.
    Sent,
    /// One signer signed.
    SignerSigned(SignerKey),
    /// The envelope reached its final status. An envelope finishes once: a later final status
    /// (a completed envelope deleted afterwards) is not another milestone.
    Finished(EnvelopeStatus),
}

impl Milestone {
    /// The stage the milestone belongs to.
    pub fn stage(&self) -> Stage {
        match self {
            Self::Sent | Self::SignerSigned(_) => Stage::Sent,
            Self::Finished(_) => Stage::Finished,
        }
    }

    /// A key unique among an envelope's milestones and stable across observations: `sent`,
    /// `signed:{signer key}`, `finished`. Two milestones with the same key are the same step.
    pub fn key(&self) -> String {
        match self {
            Self::Sent => "sent".to_owned(),
            Self::SignerSigned(signer) => format!("signed:{signer}"),
            Self::Finished(_) => "finished".to_owned(),
        }
    }

    /// The milestone's kind as a stable name: `sent`, `signer_signed` or `finished`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::SignerSigned(_) => "signer_signed",
            Self::Finished(_) => "finished",
        }
    }

    /// The envelope status after this milestone: `sent` until it finishes.
    pub fn status(&self) -> EnvelopeStatus {
        match self {
            Self::Sent | Self::SignerSigned(_) => EnvelopeStatus::Sent,
            Self::Finished(status) => status.clone(),
        }
    }

    /// The signer it concerns, for [`SignerSigned`](Self::SignerSigned).
    pub fn signer(&self) -> Option<&SignerKey> {
        match self {
            Self::SignerSigned(signer) => Some(signer),
            _ => None,
        }
    }

    /// Rebuilds a milestone from its [`kind_name`](Self::kind_name), signer key and status, as
    /// a store keeps them; `None` if they do not describe one.
    pub fn from_parts(kind: &str, signer: Option<&str>, status: Option<&str>) -> Option<Self> {
        match kind {
            "sent" => Some(Self::Sent),
            "signer_signed" => signer.and_then(SignerKey::parse).map(Self::SignerSigned),
            "finished" => {
                let status = EnvelopeStatus::from(status?);
                status.is_terminal().then_some(Self::Finished(status))
            }
            _ => None,
        }
    }
}

/// The milestones an observation implies, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    milestones: Vec<Milestone>,
}

impl Progress {
    /// What an envelope read from the provider has reached.
    ///
    /// A final status implies `sent`; `completed` implies that every signer signed. A status
    /// this version does not know implies only what its signers show.
    pub fn of_envelope(envelope: &Envelope) -> Self {
        let stage = Stage::of(&envelope.status);
        let completed = envelope.status == EnvelopeStatus::Completed;
        let mut signed: Vec<(usize, &EnvelopeSigner, SignerKey)> = envelope
            .signers
            .iter()
            .enumerate()
            .filter(|(_, signer)| completed || signer.status == SignerStatus::Signed)
            .filter_map(|(i, signer)| SignerKey::of_signer(signer).map(|key| (i, signer, key)))
            .collect();
        // Signing time first (unknown times last), then the signer's place in the envelope.
        signed.sort_by(|(ia, a, _), (ib, b, _)| {
            let by_time = match (a.signed_at, b.signed_at) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            by_time.then(ia.cmp(ib))
        });
        let mut milestones = Vec::with_capacity(signed.len().saturating_add(2));
        if stage >= Some(Stage::Sent) || !signed.is_empty() {
            milestones.push(Milestone::Sent);
        }
        let mut seen = std::collections::HashSet::new();
        milestones.extend(
            signed
                .into_iter()
                .filter(|(_, _, key)| seen.insert(key.clone()))
                .map(|(_, _, key)| Milestone::SignerSigned(key)),
        );
        if stage == Some(Stage::Finished) {
            milestones.push(Milestone::Finished(envelope.status.clone()));
        }
        Self { milestones }
    }

    /// What an event implies, given the envelope as last known (for its signers).
    ///
    /// `sent` implies `sent`; a signer's signature implies `sent` and that signer; `completed`
    /// implies every known signer signed; `declined`, `cancelled` and `expired` imply `sent`
    /// and the final status. Other kinds (viewed, created, unknown ones) imply nothing: they
    /// are hints to read the envelope.
    pub fn of_event(event: &Event, known: Option<&Envelope>) -> Self {
        let mut milestones = Vec::new();
        match &event.kind {
            EventKind::Sent => milestones.push(Milestone::Sent),
            EventKind::SignerSigned => {
                let key = event.signer.as_ref().and_then(|signer| {
                    known_key(signer, known).or_else(|| SignerKey::of_ref(signer))
                });
                if let Some(key) = key {
                    milestones.push(Milestone::Sent);
                    milestones.push(Milestone::SignerSigned(key));
                }
            }
            EventKind::Completed => {
                milestones.push(Milestone::Sent);
                let mut seen = std::collections::HashSet::new();
                milestones.extend(
                    known
                        .into_iter()
                        .flat_map(|envelope| envelope.signers.iter())
                        .filter_map(SignerKey::of_signer)
                        .filter(|key| seen.insert(key.clone()))
                        .map(Milestone::SignerSigned),
                );
                milestones.push(Milestone::Finished(EnvelopeStatus::Completed));
            }
            kind => {
                if let Some(status) = kind.envelope_status().filter(EnvelopeStatus::is_terminal) {
                    milestones.push(Milestone::Sent);
                    milestones.push(Milestone::Finished(status));
                }
            }
        }
        Self { milestones }
    }

    /// The milestones, in order.
    pub fn milestones(&self) -> &[Milestone] {
        &self.milestones
    }

    /// Whether the observation shows a final status.
    pub fn is_finished(&self) -> bool {
        self.milestones
            .last()
            .is_some_and(|m| m.stage() == Stage::Finished)
    }

    /// The milestones of this observation that `recorded` lacks, in order, ready to be appended
    /// after it. Nothing follows a finished envelope: once `recorded` holds a final milestone,
    /// this is empty.
    pub fn new_since(&self, recorded: &[Milestone]) -> Vec<Milestone> {
        if recorded.iter().any(|m| m.stage() == Stage::Finished) {
            return Vec::new();
        }
        let keys: std::collections::HashSet<String> = recorded.iter().map(Milestone::key).collect();
        self.milestones
            .iter()
            .filter(|m| !keys.contains(&m.key()))
            .cloned()
            .collect()
    }
}

/// The key of the known signer an event's reference matches, by id or e-mail, so that an event
/// naming a signer only by id still lands on the key the envelope gives it.
fn known_key(signer: &SignerRef, known: Option<&Envelope>) -> Option<SignerKey> {
    let envelope = known?;
    let by_id = signer
        .id
        .as_ref()
        .and_then(|id| envelope.signers.iter().find(|s| s.id.as_ref() == Some(id)));
    let by_email = || {
        signer
            .email
            .as_deref()
            .and_then(|email| envelope.signer(email))
    };
    by_id.or_else(by_email).and_then(SignerKey::of_signer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EnvelopeId, EventId};

    fn envelope(status: EnvelopeStatus, signers: &[(&str, SignerStatus)]) -> Envelope {
        let mut envelope = Envelope::new(EnvelopeId::new("e"), "p", status);
        envelope.signers = signers
            .iter()
            .map(|(email, status)| EnvelopeSigner::new(*email, status.clone()))
            .collect();
        envelope
    }

    fn keys(milestones: &[Milestone]) -> Vec<String> {
        milestones.iter().map(Milestone::key).collect()
    }

    fn event(kind: EventKind, signer: Option<SignerRef>) -> Event {
        let mut event = Event::new(EventId::new("x"), kind, "p");
        event.signer = signer;
        event
    }

    #[test]
    fn stages_are_ordered_and_unknown_ones_have_no_place() {
        assert!(Stage::Draft < Stage::Sent && Stage::Sent < Stage::Finished);
        let other = EnvelopeStatus::Other("Archived".into());
        assert!(Stage::advances(
            &EnvelopeStatus::Sent,
            &EnvelopeStatus::Completed
        ));
        assert!(!Stage::advances(
            &EnvelopeStatus::Completed,
            &EnvelopeStatus::Sent
        ));
        assert!(!Stage::advances(
            &EnvelopeStatus::Completed,
            &EnvelopeStatus::Deleted
        ));
        assert!(!Stage::advances(&EnvelopeStatus::Sent, &other));
        assert!(!Stage::advances(&other, &EnvelopeStatus::Sent));
    }

    #[test]
    fn an_envelope_implies_its_milestones_in_order() {
        let sent = envelope(
            EnvelopeStatus::Sent,
            &[
                ("a@x.io", SignerStatus::Notified),
                ("B@x.io", SignerStatus::Signed),
            ],
        );
        assert_eq!(
            keys(Progress::of_envelope(&sent).milestones()),
            ["sent", "signed:email:b@x.io"]
        );
        let done = envelope(
            EnvelopeStatus::Completed,
            &[
                ("a@x.io", SignerStatus::Notified),
                ("b@x.io", SignerStatus::Signed),
            ],
        );
        let progress = Progress::of_envelope(&done);
        assert!(progress.is_finished());
        assert_eq!(
            keys(progress.milestones()),
            [
                "sent",
                "signed:email:a@x.io",
                "signed:email:b@x.io",
                "finished"
            ]
        );
        let draft = envelope(EnvelopeStatus::Draft, &[("a@x.io", SignerStatus::Waiting)]);
        assert!(Progress::of_envelope(&draft).milestones().is_empty());
    }

    #[test]
    fn signers_are_ordered_by_signing_time_then_place() {
        let mut env = envelope(
            EnvelopeStatus::Sent,
            &[
                ("a@x.io", SignerStatus::Signed),
                ("b@x.io", SignerStatus::Signed),
                ("c@x.io", SignerStatus::Signed),
            ],
        );
        env.signers[0].signed_at = Some(time::macros::datetime!(2026-01-02 00:00 UTC));
        env.signers[1].signed_at = Some(time::macros::datetime!(2026-01-01 00:00 UTC));
        assert_eq!(
            keys(Progress::of_envelope(&env).milestones()),
            [
                "sent",
                "signed:email:b@x.io",
                "signed:email:a@x.io",
                "signed:email:c@x.io"
            ]
        );
    }

    #[test]
    fn unknown_statuses_imply_only_what_signers_show() {
        let other = envelope(
            EnvelopeStatus::Other("Archived".into()),
            &[("a@x.io", SignerStatus::Other("Delegated".into()))],
        );
        assert!(Progress::of_envelope(&other).milestones().is_empty());
        let other = envelope(
            EnvelopeStatus::Other("Archived".into()),
            &[("a@x.io", SignerStatus::Signed)],
        );
        assert_eq!(
            keys(Progress::of_envelope(&other).milestones()),
            ["sent", "signed:email:a@x.io"]
        );
        let hint = event(EventKind::Other("agreement.archived".into()), None);
        assert!(Progress::of_event(&hint, None).milestones().is_empty());
        assert!(
            Progress::of_event(&event(EventKind::SignerViewed, None), None)
                .milestones()
                .is_empty()
        );
    }

    #[test]
    fn events_imply_milestones_using_the_known_signers() {
        let known = {
            let mut env = envelope(
                EnvelopeStatus::Sent,
                &[
                    ("a@x.io", SignerStatus::Notified),
                    ("b@x.io", SignerStatus::Notified),
                ],
            );
            env.signers[1].id = Some(SignerId::new("s-2"));
            env
        };
        let by_id = event(
            EventKind::SignerSigned,
            Some(SignerRef::by_id(SignerId::new("s-2"))),
        );
        assert_eq!(
            keys(Progress::of_event(&by_id, Some(&known)).milestones()),
            ["sent", "signed:email:b@x.io"]
        );
        assert_eq!(
            keys(Progress::of_event(&by_id, None).milestones()),
            ["sent", "signed:id:s-2"]
        );
        let completed = event(EventKind::Completed, None);
        assert_eq!(
            keys(Progress::of_event(&completed, Some(&known)).milestones()),
            [
                "sent",
                "signed:email:a@x.io",
                "signed:email:b@x.io",
                "finished"
            ]
        );
        let cancelled = Progress::of_event(&event(EventKind::Cancelled, None), Some(&known));
        assert_eq!(
            cancelled.milestones().last(),
            Some(&Milestone::Finished(EnvelopeStatus::Cancelled))
        );
    }

    #[test]
    fn new_since_adds_only_what_is_missing_and_nothing_after_the_end() {
        let done = Progress::of_envelope(&envelope(
            EnvelopeStatus::Completed,
            &[
                ("a@x.io", SignerStatus::Signed),
                ("b@x.io", SignerStatus::Signed),
            ],
        ));
        let recorded = [
            Milestone::Sent,
            Milestone::SignerSigned(SignerKey::parse("email:b@x.io").unwrap()),
        ];
        assert_eq!(
            keys(&done.new_since(&recorded)),
            ["signed:email:a@x.io", "finished"]
        );
        let finished = [
            Milestone::Sent,
            Milestone::Finished(EnvelopeStatus::Cancelled),
        ];
        assert!(done.new_since(&finished).is_empty());
    }

    #[test]
    fn milestones_round_trip_through_their_parts() {
        for milestone in [
            Milestone::Sent,
            Milestone::SignerSigned(SignerKey::parse("id:s-1").unwrap()),
            Milestone::Finished(EnvelopeStatus::Declined),
        ] {
            let signer = milestone.signer().map(SignerKey::as_str);
            let status = milestone.status();
            let back = Milestone::from_parts(milestone.kind_name(), signer, Some(status.as_str()));
            assert_eq!(back, Some(milestone));
        }
        assert_eq!(Milestone::from_parts("finished", None, Some("sent")), None);
        assert_eq!(
            Milestone::from_parts("signer_signed", Some("nope"), None),
            None
        );
        assert_eq!(Milestone::from_parts("later", None, None), None);
    }
}

//! Why a control handle refused to act.

use std::fmt;

use signing_core::Error;

/// What kind of refusal a [`ControlError`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlErrorKind {
    /// No envelope has this id.
    UnknownEnvelope,
    /// The envelope has no signer with this e-mail address.
    UnknownSigner,
    /// The envelope is not out for signature: a draft, or already completed, declined,
    /// cancelled or deleted.
    NotOpen,
    /// The signer's turn has not come: someone earlier in the signing order has still to sign.
    NotTheirTurn,
    /// The signer has already signed or declined.
    Finished,
    /// The provider has no such action (HeySign signees cannot decline, for example).
    Unsupported,
    /// No route has this name.
    UnknownRoute,
}

/// Why a [`Control`](super::Control) handle refused to act: a kind to match on, and a message
/// that names the envelope, the signer or the route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    kind: ControlErrorKind,
    message: String,
}

impl ControlError {
    /// A refusal of `kind`, explained by `message`.
    pub fn new(kind: ControlErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The refusal of an action `provider` does not have.
    #[cfg(feature = "emulator")]
    pub(crate) fn unsupported(what: &str, provider: &str) -> Self {
        Self::new(
            ControlErrorKind::Unsupported,
            format!("{provider} does not support {what}"),
        )
    }

    /// What kind of refusal this is.
    pub fn kind(&self) -> ControlErrorKind {
        self.kind
    }

    /// The explanation.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ControlError {}

/// The library's error for a refusal, as a [`Harness`](crate::conformance::Harness) reports
/// it: `NotFound` for an unknown envelope or signer, `Unsupported` for a missing action, and
/// `InvalidState` otherwise.
impl From<ControlError> for Error {
    fn from(error: ControlError) -> Self {
        match error.kind {
            ControlErrorKind::UnknownEnvelope
            | ControlErrorKind::UnknownSigner
            | ControlErrorKind::UnknownRoute => Error::not_found(error.message),
            ControlErrorKind::Unsupported => Error::unsupported(error.message, "control handle"),
            ControlErrorKind::NotOpen
            | ControlErrorKind::NotTheirTurn
            | ControlErrorKind::Finished => Error::invalid_state(error.message),
        }
    }
}

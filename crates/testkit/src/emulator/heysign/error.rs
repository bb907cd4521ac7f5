//! Why the emulator refused a test-control action.

use std::fmt;

/// Why the emulator refused a test-control action such as [`sign`](super::HeySignEmulator::sign).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmulatorError {
    /// No signee has this id.
    UnknownSignee(String),
    /// No agreement has this id.
    UnknownAgreement(String),
    /// Signing needs the agreement to be `Pending` (submitted, not yet completed or cancelled).
    AgreementNotPending {
        /// The agreement.
        agreement_id: String,
        /// Its current status, such as `Draft` or `Completed`.
        status: String,
    },
    /// The signee has already signed.
    AlreadySigned(String),
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownSignee(id) => write!(f, "no signee has the id `{id}`"),
            Self::UnknownAgreement(id) => write!(f, "no agreement has the id `{id}`"),
            Self::AgreementNotPending {
                agreement_id,
                status,
            } => write!(
                f,
                "agreement `{agreement_id}` is {status}, but signing needs it to be Pending"
            ),
            Self::AlreadySigned(id) => write!(f, "signee `{id}` has already signed"),
        }
    }
}

impl std::error::Error for EmulatorError {}

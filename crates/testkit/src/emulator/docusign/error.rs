//! Why the emulator refuses an action driven by a test.

use std::fmt;

/// Why a test-control action such as [`sign`](super::DocuSignEmulator::sign) was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmulatorError {
    /// No envelope has this id.
    UnknownEnvelope {
        /// The id that was asked for.
        envelope_id: String,
    },
    /// The envelope is not out for signature (not `sent` or `delivered`).
    NotInProcess {
        /// The envelope.
        envelope_id: String,
        /// Its status, such as `created` or `completed`.
        status: &'static str,
    },
    /// No signer of the envelope has this e-mail address.
    UnknownSigner {
        /// The envelope.
        envelope_id: String,
        /// The address that was asked for.
        email: String,
    },
    /// The signer exists but it is not their turn: someone at a lower routing order has still to
    /// sign.
    NotSignersTurn {
        /// The envelope.
        envelope_id: String,
        /// The signer's address.
        email: String,
    },
    /// The signer has already finished (signed or declined).
    SignerFinished {
        /// The envelope.
        envelope_id: String,
        /// The signer's address.
        email: String,
        /// Their status: `completed` or `declined`.
        status: &'static str,
    },
    /// No Connect delivery has this index in [`deliveries`](super::DocuSignEmulator::deliveries).
    UnknownDelivery {
        /// The index that was asked for.
        index: usize,
    },
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownEnvelope { envelope_id } => {
                write!(f, "no envelope has the id {envelope_id}")
            }
            Self::NotInProcess {
                envelope_id,
                status,
            } => write!(
                f,
                "envelope {envelope_id} is {status}, not out for signature (sent or delivered)"
            ),
            Self::UnknownSigner { envelope_id, email } => {
                write!(f, "envelope {envelope_id} has no signer {email}")
            }
            Self::NotSignersTurn { envelope_id, email } => write!(
                f,
                "it is not yet the turn of {email} to sign envelope {envelope_id}"
            ),
            Self::SignerFinished {
                envelope_id,
                email,
                status,
            } => write!(f, "{email} has already {status} envelope {envelope_id}"),
            Self::UnknownDelivery { index } => {
                write!(f, "there is no Connect delivery number {index}")
            }
        }
    }
}

impl std::error::Error for EmulatorError {}

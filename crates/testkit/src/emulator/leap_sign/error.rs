//! Why the emulator refuses an action driven by a test.

use std::fmt;

/// Why [`LeapSignEmulator::sign`](super::LeapSignEmulator::sign) or
/// [`LeapSignEmulator::sign_all`](super::LeapSignEmulator::sign_all) refused to act.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmulatorError {
    /// No project has this id (never created, or deleted).
    UnknownProject {
        /// The id that was asked for.
        project_id: String,
    },
    /// The project is no longer in progress, so nobody can sign it.
    NotInProgress {
        /// The id of the project.
        project_id: String,
        /// Its status as the process data shows it: `"COMPLETED"` or `"CANCELLED"`.
        status: &'static str,
    },
    /// No signer of the project has this e-mail address.
    UnknownSigner {
        /// The id of the project.
        project_id: String,
        /// The address that was asked for.
        email: String,
    },
    /// The signer exists but has not been notified yet: in an ordered process an earlier signer
    /// has still to sign.
    NotSignersTurn {
        /// The id of the project.
        project_id: String,
        /// The signer's address.
        email: String,
    },
    /// The signer has already signed.
    AlreadySigned {
        /// The id of the project.
        project_id: String,
        /// The signer's address.
        email: String,
    },
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownProject { project_id } => write!(f, "no project with id {project_id}"),
            Self::NotInProgress { project_id, status } => {
                write!(f, "project {project_id} is {status}, not IN_PROGRESS")
            }
            Self::UnknownSigner { project_id, email } => {
                write!(f, "project {project_id} has no signer {email}")
            }
            Self::NotSignersTurn { project_id, email } => {
                write!(
                    f,
                    "it is not yet the turn of {email} to sign project {project_id}"
                )
            }
            Self::AlreadySigned { project_id, email } => {
                write!(f, "{email} has already signed project {project_id}")
            }
        }
    }
}

impl std::error::Error for EmulatorError {}

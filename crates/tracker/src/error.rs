//! The tracker's error type.

use crate::store::StoreError;

/// What went wrong in the tracker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The builder was given an invalid configuration.
    #[error("invalid tracker configuration: {0}")]
    Config(String),
    /// No provider of this name is registered with the tracker.
    #[error("no provider named `{0}` is registered with the tracker")]
    UnknownProvider(String),
    /// A webhook or callback failed verification: a forgery, or a misconfigured secret. Answer
    /// it with a 4xx status; a redelivery would fail the same way.
    #[error("webhook refused: {0}")]
    Rejected(#[source] signing_core::Error),
    /// The provider failed (a read, or the query that confirms a callback). Transient ones are
    /// worth a redelivery: answer a webhook with a 5xx status.
    #[error("provider: {0}")]
    Provider(#[source] signing_core::Error),
    /// The store failed; nothing was recorded. Answer a webhook with a 5xx status.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// Whether a webhook that got this error was refused as not authentic.
    pub fn is_rejection(&self) -> bool {
        matches!(self, Self::Rejected(_))
    }

    /// Whether the same request may succeed later: the provider or the store failed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Provider(_))
    }
}

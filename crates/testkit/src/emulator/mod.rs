//! Local HTTP emulators of the supported providers.
//!
//! Each emulator is an independent implementation of its provider's published documents, written
//! with raw JSON rather than any adapter's types, so a test against it catches a wrong field name.
//!
//! The emulators share one server: every request is recorded as a [`RecordedRequest`], and a
//! [`Fault`] can be queued per route to exercise a client's error handling (status codes, rate
//! limits, delays, malformed or truncated bodies, dropped connections).
//!
//! Every emulator also takes an [`AnswerMode`]: the answers the project assumed (the default),
//! only what the provider's documents promise, or a seeded variant of what the documents leave
//! open (see [`mode`]).

#[cfg(any(feature = "heysign", feature = "docusign"))]
mod clock;
#[cfg(any(feature = "docusign", feature = "heysign", feature = "leap-sign"))]
mod delivery;
mod fault;
#[cfg(any(feature = "heysign", feature = "leap-sign"))]
mod kept;
#[cfg(any(feature = "docusign", feature = "heysign", feature = "leap-sign"))]
// Each emulator uses a part of the shape vocabulary (only HeySign has renamed documented fields,
// only LEAP arrays of objects without documented fields, only DocuSign typed strings and
// conditions); without all three some of it is unused.
#[cfg_attr(
    not(all(feature = "docusign", feature = "heysign", feature = "leap-sign")),
    allow(dead_code)
)]
pub mod mode;
mod net;
mod server;
#[cfg(any(feature = "heysign", feature = "docusign"))]
mod tokens;
#[cfg(any(feature = "heysign", feature = "docusign", feature = "sandbox"))]
pub(crate) mod urlencoded;

pub use fault::{Fault, FaultPlan, RecordedRequest};
#[cfg(any(feature = "heysign", feature = "leap-sign"))]
pub use kept::DEFAULT_KEPT_DOCUMENT_BYTES;
#[cfg(any(feature = "heysign", feature = "leap-sign"))]
pub(crate) use kept::KeptBytes;
#[cfg(any(feature = "docusign", feature = "heysign", feature = "leap-sign"))]
pub use mode::{AnswerMode, Condition, Variation, VariationKind};
pub use server::RequestLog;

#[cfg(feature = "docusign")]
pub mod docusign;
#[cfg(feature = "heysign")]
pub mod heysign;
#[cfg(feature = "leap-sign")]
pub mod leap_sign;

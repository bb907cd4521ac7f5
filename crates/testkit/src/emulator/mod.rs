//! Local HTTP emulators of the supported providers.
//!
//! Each emulator is an independent implementation of its provider's published documents, written
//! with raw JSON rather than any adapter's types, so a test against it catches a wrong field name.
//!
//! The emulators share one server: every request is recorded as a [`RecordedRequest`], and a
//! [`Fault`] can be queued per route to exercise a client's error handling (status codes, rate
//! limits, delays, malformed or truncated bodies, dropped connections).

mod clock;
mod fault;
mod net;
mod server;
mod tokens;
mod urlencoded;

pub use fault::{Fault, FaultPlan, RecordedRequest};
pub use server::RequestLog;

#[cfg(feature = "docusign")]
pub mod docusign;
#[cfg(feature = "heysign")]
pub mod heysign;
#[cfg(feature = "leap-sign")]
pub mod leap_sign;

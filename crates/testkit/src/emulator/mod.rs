//! Local HTTP emulators of the supported providers.
//!
//! Each emulator is an independent implementation of its provider's published documents, written
//! with raw JSON rather than any adapter's types, so a test against it catches a wrong field name.

#[cfg(feature = "heysign")]
pub mod heysign;
#[cfg(feature = "leap-sign")]
pub mod leap_sign;

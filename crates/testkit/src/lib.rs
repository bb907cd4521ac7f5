//! Test support for applications and adapters built on `signing-core`.

#[cfg(feature = "emulator")]
pub mod emulator;

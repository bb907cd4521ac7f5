//! Test support for applications and adapters built on `signing-core`.
//!
//! - [`memory::MemoryProvider`]: an in-memory [`SigningProvider`](signing_core::SigningProvider)
//!   with a real signing state machine, a control handle to act as a signer, events you can
//!   await, call recording and failure injection.
//! - `MockSigningProvider` (feature `mocks`, on by default): the `mockall` mock of the trait,
//!   for tests that script each call.
//! - [`webhooks`]: correctly signed Standard Webhooks deliveries, and broken ones.
//! - [`conformance`]: the suite every adapter runs to prove it honours the contract.
//! - For adapters' own tests: [`doc_table`] (docs held to the code), [`layout`] (no import
//!   cycles), and with the emulators `faults` (the fault-matrix runner) and `receiver` (a local
//!   webhook endpoint).
//! - `emulator` (features `heysign`, `leap-sign`, `docusign`): local HTTP emulators of each
//!   provider, with fault injection, so an adapter's real HTTP code runs in tests without an
//!   account. `docusign` emulates DocuSign's eSignature REST API v2.1 with its JWT-grant auth
//!   host and Connect webhooks.
//! - [`control`]: one control handle ([`control::Control`]) that every emulator and the
//!   in-memory provider implement: play signers, read envelopes, deliveries and e-mails.
//! - `sandbox` (feature `sandbox`): the emulators behind web pages where a person signs by hand.
//!
//! ```
//! use signing_testkit::MockSigningProvider;
//! use signing_core::{EnvelopeId, Error, SigningProvider};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut mock = MockSigningProvider::new();
//! mock.expect_get()
//!     .returning(|id| Err(Error::not_found(format!("envelope {id}"))));
//! let err = mock.get(&EnvelopeId::new("nope")).await.unwrap_err();
//! assert!(err.is_not_found());
//! # }
//! ```

pub mod conformance;
pub mod control;
pub mod doc_table;
#[cfg(feature = "emulator")]
pub mod emulator;
#[cfg(feature = "emulator")]
pub mod faults;
pub mod layout;
pub mod memory;
#[cfg(feature = "emulator")]
pub mod receiver;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod webhooks;

pub use memory::{MemoryProvider, SignerAction};
/// `mockall`, for predicates and sequences in tests that use [`MockSigningProvider`].
#[cfg(feature = "mocks")]
pub use mockall;
/// The `mockall` mock of [`SigningProvider`](signing_core::SigningProvider).
#[cfg(feature = "mocks")]
pub use signing_core::MockSigningProvider;

//! One control handle for every test-side provider: play the signers, read what the provider
//! holds, see what it e-mailed and which webhooks it delivered, and inject faults.
//!
//! Each emulator ([`HeySignEmulator`], [`LeapSignEmulator`], [`DocuSignEmulator`]) and the
//! [`MemoryProvider`] implement [`Control`], so a test written once over `C: Control` (or
//! `&dyn Control`) drives any of them. The emulators keep their own methods too (HeySign's
//! [`sign`](crate::emulator::heysign::HeySignEmulator::sign) by signee id, LEAP's
//! [`notifications`](crate::emulator::leap_sign::LeapSignEmulator::notifications), ...); the
//! trait is the shape they share.
//!
//! # Which id a signer is known by
//!
//! Through [`Control`], a signer is always known by **the envelope id that
//! [`SigningProvider::send`](signing_core::SigningProvider::send) returned** and **their e-mail
//! address** (compared case-insensitively). The providers' own ids stay visible in
//! [`SignerView::provider_id`]:
//!
//! | provider | the envelope id is | a signer's own id | the emulator's own methods take |
//! |---|---|---|---|
//! | HeySign | the agreement id | the signee id (a UUID) | the signee id (`sign`, `open_sign_session`); the agreement id (`sign_all`) |
//! | LEAP Sign | the project id | none: signers are e-mail addresses | project id and e-mail |
//! | DocuSign | the envelope id | the `recipientId` (`"1"`, `"2"`, ...) | envelope id and e-mail |
//! | in-memory | `env-...` | none | envelope id and e-mail (`act`) |
//!
//! When the same address signs twice in one envelope, the first of its tasks that is open
//! now is the one acted on.
//!
//! # What each implementation supports
//!
//! | | HeySign | LEAP Sign | DocuSign | in-memory |
//! |---|---|---|---|---|
//! | [`SignerAction::Sign`] | yes | yes | yes | yes |
//! | [`SignerAction::View`] | yes (opens a sign session) | no | yes | yes |
//! | [`SignerAction::Decline`] | no | no | yes | yes |
//! | [`deliveries`](Control::deliveries) | webhooks | completion callbacks | Connect messages | none: take them with `next_delivery` |
//! | [`outbox`](Control::outbox) | invitations when the agreement asks for e-mail | sign tasks, the signed copy to additional recipients | invitations, copies, completion, decline and void notices | none |
//! | faults ([`inject`](Control::inject)) | per route | per route | per route | none: use `fail_next` |
//!
//! ```
//! use signing_core::{
//!     Document, EnvelopeStatus, NewEnvelope, Signer, SigningOrder, SigningProvider,
//! };
//! use signing_testkit::SignerAction;
//! use signing_testkit::control::Control;
//! use signing_testkit::memory::MemoryProvider;
//!
//! /// Every signer signs, in turn, whatever the provider behind `control`.
//! fn sign_everything(control: &dyn Control, id: &signing_core::EnvelopeId) {
//!     while let Some(envelope) = control.envelope(id) {
//!         let Some(next) = envelope.signers.iter().find(|s| envelope.may_act(&s.email)) else {
//!             break;
//!         };
//!         control.act(id, &next.email.clone(), SignerAction::Sign).unwrap();
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> signing_core::Result<()> {
//! let provider = MemoryProvider::new();
//! let request = NewEnvelope::builder()
//!     .document(Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]))
//!     .signer(Signer::new("Ada", "ada@example.com"))
//!     .signer(Signer::new("Charles", "charles@example.com"))
//!     .order(SigningOrder::Sequential)
//!     .build()?;
//! let envelope = provider.send(&request).await?;
//! sign_everything(&provider, &envelope.id);
//! assert_eq!(provider.get(&envelope.id).await?.status, EnvelopeStatus::Completed);
//! # Ok(()) }
//! ```
//!
//! [`HeySignEmulator`]: crate::emulator::heysign::HeySignEmulator
//! [`LeapSignEmulator`]: crate::emulator::leap_sign::LeapSignEmulator
//! [`DocuSignEmulator`]: crate::emulator::docusign::DocuSignEmulator
//! [`MemoryProvider`]: crate::memory::MemoryProvider

mod error;
mod record;
mod view;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use signing_core::{EnvelopeId, EventKind};

pub use crate::memory::SignerAction;
pub use error::{ControlError, ControlErrorKind};
#[cfg(feature = "emulator")]
pub(crate) use record::Recorder;
pub use record::{Delivery, Email, EmailKind};
pub use view::{DocumentView, EnvelopeView, SignerView};

#[cfg(feature = "emulator")]
use crate::emulator::{Fault, RecordedRequest};

/// The control handle of a test-side provider: what a test does in place of the signers and
/// of the provider's own back end, the same way for every emulator and the in-memory provider.
///
/// Signers are known by the envelope id [`send`](signing_core::SigningProvider::send) returned
/// and their e-mail address; see the [module documentation](self) for the providers' own ids
/// and for what each implementation supports.
#[async_trait]
pub trait Control: Send + Sync + fmt::Debug {
    /// The provider's name, as its adapter's
    /// [`SigningProvider::name`](signing_core::SigningProvider::name) gives it: `heysign`,
    /// `leap-sign`, `docusign` or `memory`.
    fn provider(&self) -> &'static str;

    /// A name for people, such as `HeySign` or `LEAP Sign`.
    fn label(&self) -> &'static str;

    /// Whether [`act`](Self::act) can do `action` on this provider at all (whether it may now
    /// depends on the signer's turn).
    fn supports(&self, action: SignerAction) -> bool;

    /// Every envelope the provider holds, in creation order.
    fn envelopes(&self) -> Vec<EnvelopeView>;

    /// The envelope `id`, or `None` if the provider holds none by that id.
    fn envelope(&self, id: &EnvelopeId) -> Option<EnvelopeView>;

    /// The signer `email` of envelope `id` does `action`, as a person would in the provider's
    /// signing portal. Refused when it is not their turn ([`ControlErrorKind::NotTheirTurn`]),
    /// when they have finished, when the envelope is not out for signature, and for an action
    /// the provider does not have ([`ControlErrorKind::Unsupported`]).
    fn act(&self, id: &EnvelopeId, email: &str, action: SignerAction) -> Result<(), ControlError>;

    /// Every remaining signer of envelope `id` signs, in turn, completing it.
    fn sign_all(&self, id: &EnvelopeId) -> Result<(), ControlError>;

    /// How many requests the provider has received so far: HTTP requests for an emulator
    /// (faulted ones included), calls that reached the state for the in-memory provider. Two
    /// readings prove that a refusal made no request.
    fn request_count(&self) -> usize;

    /// Every webhook, callback or Connect message the provider attempted to deliver, in the
    /// order the attempts finished.
    fn deliveries(&self) -> Vec<Delivery>;

    /// The first delivery about envelope `id` whose event is of `kind` (such as
    /// [`EventKind::Completed`]), waiting up to `timeout` for one to be attempted.
    async fn wait_for_delivery(
        &self,
        id: &EnvelopeId,
        kind: EventKind,
        timeout: Duration,
    ) -> Option<Delivery>;

    /// Every e-mail the provider would have sent, in the order it sent them.
    fn outbox(&self) -> Vec<Email>;

    /// Every request the emulator received, in arrival order; empty for a provider that makes
    /// no HTTP requests.
    #[cfg(feature = "emulator")]
    fn requests(&self) -> Vec<RecordedRequest>;

    /// The names of the routes faults can be aimed at, as [`RecordedRequest::route`] names
    /// them; empty for a provider without fault injection.
    #[cfg(feature = "emulator")]
    fn routes(&self) -> Vec<&'static str>;

    /// The next `times` requests to the route named `route` get `fault`, queued after earlier
    /// injections. Refused with [`ControlErrorKind::UnknownRoute`] for a name not in
    /// [`routes`](Self::routes).
    #[cfg(feature = "emulator")]
    fn inject(&self, route: &str, fault: Fault, times: usize) -> Result<(), ControlError>;

    /// The faults queued and not yet applied, route by route, in the order they will be.
    #[cfg(feature = "emulator")]
    fn pending_faults(&self) -> Vec<(&'static str, Fault)>;

    /// Forgets every fault not yet applied.
    #[cfg(feature = "emulator")]
    fn clear_faults(&self);
}

/// The methods of [`Control`] every emulator implements alike, from its request log
/// (`self.log`), its faults (`self.faults`) and its `Route::ALL`, expanded inside each
/// emulator's `impl Control` so that the three cannot drift apart.
#[cfg(feature = "emulator")]
macro_rules! requests_and_faults {
    ($provider:expr) => {
        fn request_count(&self) -> usize {
            self.log.len()
        }

        fn requests(&self) -> Vec<$crate::emulator::RecordedRequest> {
            self.log.all()
        }

        fn routes(&self) -> Vec<&'static str> {
            Route::ALL.iter().map(|route| route.as_str()).collect()
        }

        fn inject(
            &self,
            route: &str,
            fault: $crate::emulator::Fault,
            times: usize,
        ) -> Result<(), $crate::control::ControlError> {
            let routes = $crate::control::Control::routes(self);
            let route = $crate::control::route_named(&routes, route, $provider)?;
            self.faults.inject(route, fault, times);
            Ok(())
        }

        fn pending_faults(&self) -> Vec<(&'static str, $crate::emulator::Fault)> {
            self.faults.pending()
        }

        fn clear_faults(&self) {
            self.faults.clear();
        }
    };
}
#[cfg(feature = "emulator")]
pub(crate) use requests_and_faults;

/// Finds the static name of `route` among `routes`, for [`Control::inject`].
#[cfg(feature = "emulator")]
pub(crate) fn route_named(
    routes: &[&'static str],
    route: &str,
    provider: &'static str,
) -> Result<&'static str, ControlError> {
    routes
        .iter()
        .copied()
        .find(|known| *known == route)
        .ok_or_else(|| {
            ControlError::new(
                ControlErrorKind::UnknownRoute,
                format!("{provider} has no route named `{route}`"),
            )
        })
}

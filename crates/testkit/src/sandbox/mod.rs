//! A local sandbox: every emulator of the build behind one web page, where a person (or a
//! browser test) sees what the providers would show and send, and signs by hand.
//!
//! [`Sandbox::start`] starts the emulators of the enabled features (`docusign`, `heysign`,
//! `leap-sign`) and serves, on `127.0.0.1`, server-rendered pages:
//!
//! | page | path | shows |
//! |---|---|---|
//! | Envelopes | `/` | every envelope of every emulator, its status and signers, newest first |
//! | Outbox | `/outbox` | the e-mails the providers would have sent, each with its link |
//! | Signing page | `/sign/{provider}/{envelope id}/{e-mail}` | the document (pages, a view, the original bytes), who signs in which order, and **Sign** / **Decline** |
//! | Deliveries | `/deliveries` | each webhook, callback and Connect message: target, status code, signature headers, accepted or not |
//! | Faults | `/faults` | a form per emulator that queues a fault on a route |
//!
//! The signing page acts through the emulator's [`Control`] handle, exactly as a test does:
//! **Sign** is `act(id, email, SignerAction::Sign)`. A signer whose turn has not come sees who
//! they wait for and has no button, and a form sent anyway is refused (409). The pages work
//! without JavaScript; a small script of the sandbox's own reloads a page when what it shows
//! changes. Every id in a link is a percent-encoded path segment, every name and address is
//! escaped, forms are accepted only from the sandbox's own pages, and nothing is loaded from
//! elsewhere.
//!
//! ```
//! use signing_testkit::sandbox::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sandbox = Sandbox::start().await;
//! let page = reqwest::get(format!("{}/outbox", sandbox.url()))
//!     .await
//!     .unwrap()
//!     .text()
//!     .await
//!     .unwrap();
//! assert!(page.contains("<h1>Outbox</h1>"));
//! // The emulators, to point an application at: `sandbox.heysign()`, `sandbox.docusign()`...
//! for control in sandbox.controls() {
//!     println!("{} at {}", control.label(), sandbox.url());
//! }
//! # }
//! ```
//!
//! The `signing sandbox` command of the `signing-cli` crate runs this with the variables that
//! point an application at each emulator.

mod html;
mod pages;
mod server;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use signing_core::EnvelopeId;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::control::Control;
#[cfg(feature = "docusign")]
use crate::emulator::docusign::DocuSignEmulator;
#[cfg(feature = "heysign")]
use crate::emulator::heysign::HeySignEmulator;
#[cfg(feature = "leap-sign")]
use crate::emulator::leap_sign::LeapSignEmulator;

/// A running sandbox: its emulators and its web pages. Dropping it stops the pages; the
/// emulators stop when the last handle to each is dropped.
#[derive(Debug)]
pub struct Sandbox {
    url: String,
    controls: Vec<Arc<dyn Control>>,
    #[cfg(feature = "docusign")]
    docusign: Option<Arc<DocuSignEmulator>>,
    #[cfg(feature = "heysign")]
    heysign: Option<Arc<HeySignEmulator>>,
    #[cfg(feature = "leap-sign")]
    leap_sign: Option<Arc<LeapSignEmulator>>,
    shutdown: Option<oneshot::Sender<()>>,
}

/// Configures a [`Sandbox`]: which emulators (or other control handles) it shows, and its
/// port.
#[derive(Debug, Default)]
#[must_use]
pub struct SandboxBuilder {
    controls: Vec<Arc<dyn Control>>,
    port: u16,
    #[cfg(feature = "docusign")]
    docusign: Option<Arc<DocuSignEmulator>>,
    #[cfg(feature = "heysign")]
    heysign: Option<Arc<HeySignEmulator>>,
    #[cfg(feature = "leap-sign")]
    leap_sign: Option<Arc<LeapSignEmulator>>,
}

impl SandboxBuilder {
    /// Shows a control handle the caller started (an emulator built with other settings, the
    /// in-memory provider...), after those added before. With none added, [`start`](Self::start)
    /// starts every emulator of the build.
    ///
    /// # Panics
    ///
    /// If a handle for the same provider was added already: pages name emulators by provider.
    pub fn control(mut self, control: Arc<dyn Control>) -> Self {
        assert!(
            self.controls
                .iter()
                .all(|known| known.provider() != control.provider()),
            "the sandbox already shows a `{}` handle",
            control.provider()
        );
        self.controls.push(control);
        self
    }

    /// Shows this DocuSign emulator, also reachable through [`Sandbox::docusign`].
    #[cfg(feature = "docusign")]
    pub fn docusign(mut self, emulator: Arc<DocuSignEmulator>) -> Self {
        self = self.control(Arc::clone(&emulator) as Arc<dyn Control>);
        self.docusign = Some(emulator);
        self
    }

    /// Shows this HeySign emulator, also reachable through [`Sandbox::heysign`].
    #[cfg(feature = "heysign")]
    pub fn heysign(mut self, emulator: Arc<HeySignEmulator>) -> Self {
        self = self.control(Arc::clone(&emulator) as Arc<dyn Control>);
        self.heysign = Some(emulator);
        self
    }

    /// Shows this LEAP Sign emulator, also reachable through [`Sandbox::leap_sign`].
    #[cfg(feature = "leap-sign")]
    pub fn leap_sign(mut self, emulator: Arc<LeapSignEmulator>) -> Self {
        self = self.control(Arc::clone(&emulator) as Arc<dyn Control>);
        self.leap_sign = Some(emulator);
        self
    }

    /// The loopback port of the pages (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Starts the emulators (every one of the build when no handle was added) and serves the
    /// pages on `127.0.0.1`.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    ///
    /// # Panics
    ///
    /// When called outside a Tokio runtime, or when an emulator cannot bind a port.
    pub async fn start(mut self) -> std::io::Result<Sandbox> {
        if self.controls.is_empty() {
            self = self.every_emulator().await;
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let addr: SocketAddr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel();
        server::spawn(listener, addr.port(), self.controls.clone(), stopped);
        Ok(Sandbox {
            url: format!("http://{addr}"),
            controls: self.controls,
            #[cfg(feature = "docusign")]
            docusign: self.docusign,
            #[cfg(feature = "heysign")]
            heysign: self.heysign,
            #[cfg(feature = "leap-sign")]
            leap_sign: self.leap_sign,
            shutdown: Some(shutdown),
        })
    }

    #[allow(clippy::unused_async)] // Without any emulator feature there is nothing to await.
    async fn every_emulator(self) -> Self {
        #[allow(unused_mut)]
        let mut builder = self;
        #[cfg(feature = "docusign")]
        {
            builder = builder.docusign(Arc::new(DocuSignEmulator::start().await));
        }
        #[cfg(feature = "heysign")]
        {
            builder = builder.heysign(Arc::new(HeySignEmulator::start().await));
        }
        #[cfg(feature = "leap-sign")]
        {
            builder = builder.leap_sign(Arc::new(LeapSignEmulator::start().await));
        }
        builder
    }
}

impl Sandbox {
    /// Starts every emulator of the build, with their default settings, and serves the pages on
    /// a free loopback port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound, or when called outside a Tokio runtime.
    pub async fn start() -> Self {
        Self::builder()
            .start()
            .await
            .expect("the sandbox could not bind a loopback port for its pages")
    }

    /// A sandbox with other emulators, handles or port.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The address of the pages, `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The control handles the pages show and act through, in the order they were added.
    pub fn controls(&self) -> &[Arc<dyn Control>] {
        &self.controls
    }

    /// The control handle of `provider` (`heysign`, `leap-sign`, `docusign`, ...).
    pub fn control(&self, provider: &str) -> Option<&Arc<dyn Control>> {
        self.controls
            .iter()
            .find(|control| control.provider() == provider)
    }

    /// The address of the signing page of signer (or cc recipient) `email` of envelope `id` on
    /// `provider`: the link its e-mail in the outbox carries.
    pub fn signing_url(&self, provider: &str, id: &EnvelopeId, email: &str) -> String {
        format!(
            "{}{}",
            self.url,
            html::path(&["sign", provider, id.as_str(), email])
        )
    }

    /// The DocuSign emulator, when the sandbox shows one given as such.
    #[cfg(feature = "docusign")]
    pub fn docusign(&self) -> Option<&DocuSignEmulator> {
        self.docusign.as_deref()
    }

    /// The HeySign emulator, when the sandbox shows one given as such.
    #[cfg(feature = "heysign")]
    pub fn heysign(&self) -> Option<&HeySignEmulator> {
        self.heysign.as_deref()
    }

    /// The LEAP Sign emulator, when the sandbox shows one given as such.
    #[cfg(feature = "leap-sign")]
    pub fn leap_sign(&self) -> Option<&LeapSignEmulator> {
        self.leap_sign.as_deref()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may have stopped already; then there is nothing to tell.
            let _ = shutdown.send(());
        }
    }
}

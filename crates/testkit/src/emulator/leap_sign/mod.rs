//! Emulator of the LEAP Sign API (Documill Leap's "sign-only" integration).
//!
//! [`LeapSignEmulator`] serves the four documented operations on a loopback port, following the
//! published launch-new document plus the project's recorded assumptions where the document is
//! silent:
//!
//! | operation | method and path |
//! |---|---|
//! | launch-new | `POST /api/v1/external/sign-only-api/projects/launch-new` |
//! | get process data | `GET /api/v1/external/projects/info-for-sign-only-integrator/{projectId}` |
//! | cancel | `PUT /api/v1/external/sign-only-api/projects/cancel/{projectId}` |
//! | delete | `DELETE /api/v1/external/sign-only-api/projects/{projectId}` |
//!
//! Every request needs `Authorization: <External API Key>` (the raw key, no scheme); otherwise
//! 403. Every error carries `{"status", "error", "message"}`. launch-new is checked strictly: an
//! unknown, duplicate or missing part, or JSON of the wrong shape, is answered 500 "malformed
//! request body" as the document says; a document that is neither PDF nor DOCX, or a callback URL
//! that is not `https` (plain `http` is accepted for loopback hosts), is 400.
//!
//! Signers never visit a web page here: a test signs on their behalf with
//! [`LeapSignEmulator::sign`], sees who was e-mailed a sign task with
//! [`LeapSignEmulator::notifications`], and receives the completion callback on its own local
//! receiver (the emulator only ever calls loopback URLs; others are recorded, not called).
//! Faults are injected per [`Route`] and every request is kept for inspection. The emulator is
//! also a [`Control`](crate::control::Control) handle, the shape every emulator shares.
//!
//! What the emulator sends (launch-new and process data answers, callback bodies) follows its
//! [`AnswerMode`]: by default every field the project assumed; with
//! [`LeapSignEmulatorBuilder::answer_mode`] or [`LeapSignEmulator::set_answer_mode`], only the
//! project id and, in process data, its status (nothing LEAP sends is documented by name; these
//! two are essential), or a seeded variant that moves them to one of [`PROJECT_ID_FIELDS`] and
//! [`PROJECT_STATUS_FIELDS`] and varies everything else. The control handle's
//! views ([`project`](LeapSignEmulator::project), [`projects`](LeapSignEmulator::projects))
//! always show the assumed shape. See [`mode`](crate::emulator::mode) for the details.
//!
//! ```
//! use signing_testkit::emulator::leap_sign::LeapSignEmulator;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let emu = LeapSignEmulator::start().await;
//! let form = reqwest::multipart::Form::new()
//!     .text("name", "NDA")
//!     .text("projectOwner", r#"{"name":"Olga Owner","email":"olga@example.com"}"#)
//!     .text("signers", r#"{"signers":[{"name":"Sam","email":"sam@example.com"}]}"#)
//!     .part(
//!         "document",
//!         reqwest::multipart::Part::bytes(b"%PDF-1.7\n".to_vec()).file_name("nda.pdf"),
//!     );
//! let response = reqwest::Client::builder()
//!     .no_proxy()
//!     .build()
//!     .unwrap()
//!     .post(format!(
//!         "{}/api/v1/external/sign-only-api/projects/launch-new",
//!         emu.base_url()
//!     ))
//!     .header("Authorization", emu.api_key())
//!     .multipart(form)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(response.status(), 200);
//! let process: serde_json::Value = response.json().await.unwrap();
//! let id = process["projectId"].as_str().unwrap();
//! assert_eq!(process["workflow"]["signers"][0]["status"], "NOTIFIED");
//!
//! emu.sign(id, "sam@example.com").unwrap();
//! assert_eq!(emu.project(id).unwrap()["status"], "COMPLETED");
//! # }
//! ```

mod answers;
mod callback;
mod control;
mod document;
mod error;
mod json;
mod multipart;
mod routes;
mod state;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::runtime::Handle;

use super::DEFAULT_KEPT_DOCUMENT_BYTES;
use super::fault::{Fault, FaultPlan, RecordedRequest};
use super::mode::{AnswerMode, ModeCell, Variation};
use super::server::{self, RequestLog, RunningServer};
use callback::Callbacks;
use routes::AppState;
use state::{Completion, Store};

pub use answers::{PROJECT_ID_FIELDS, PROJECT_STATUS_FIELDS};
pub use callback::CallbackDelivery;
pub use error::EmulatorError;
pub use routes::Route;
pub use state::Notification;

/// The key the emulator accepts unless [`LeapSignEmulatorBuilder::api_key`] sets another.
pub const DEFAULT_API_KEY: &str = "emulator-api-key";

/// A running LEAP Sign emulator. Stops serving when dropped.
#[derive(Debug)]
pub struct LeapSignEmulator {
    app: AppState,
    callbacks: Arc<Callbacks>,
    faults: FaultPlan,
    log: RequestLog,
    server: RunningServer,
}

/// Configures a [`LeapSignEmulator`] before it starts.
#[derive(Debug, Clone)]
pub struct LeapSignEmulatorBuilder {
    api_key: String,
    answer_mode: AnswerMode,
    kept_document_bytes: usize,
}

impl LeapSignEmulatorBuilder {
    /// The External API Key the emulator accepts (default [`DEFAULT_API_KEY`]).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// How the emulator words what it sends (default [`AnswerMode::Assumed`]); requests are
    /// checked the same way in every mode.
    pub fn answer_mode(mut self, mode: AnswerMode) -> Self {
        self.answer_mode = mode;
        self
    }

    /// Keeps the bytes of each launched document of at most `bytes` (default
    /// [`DEFAULT_KEPT_DOCUMENT_BYTES`]) for the control handle's views and the sandbox's signing
    /// pages; a larger document is checked as it arrives and kept as its size only. `0` keeps
    /// none: for a test that measures memory.
    pub fn keep_documents_up_to(mut self, bytes: usize) -> Self {
        self.kept_document_bytes = bytes;
        self
    }

    /// Starts serving on `127.0.0.1` at a free port.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound.
    pub async fn start(self) -> LeapSignEmulator {
        let app = AppState {
            api_key: Arc::from(self.api_key),
            store: Arc::new(Mutex::new(Store::default())),
            mode: Arc::new(ModeCell::new(self.answer_mode)),
            kept_document_bytes: self.kept_document_bytes,
        };
        let faults = FaultPlan::default();
        let log = RequestLog::default();
        let server = server::serve(
            routes::router(app.clone()),
            routes::classify,
            faults.clone(),
            log.clone(),
            routes::fault_error_body,
        )
        .await
        .expect("the LEAP Sign emulator could not bind a loopback port");
        LeapSignEmulator {
            app,
            callbacks: Arc::new(Callbacks::new(Handle::current())),
            faults,
            log,
            server,
        }
    }
}

impl LeapSignEmulator {
    /// Starts an emulator with the default API key.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Configures an emulator before starting it.
    pub fn builder() -> LeapSignEmulatorBuilder {
        LeapSignEmulatorBuilder {
            api_key: DEFAULT_API_KEY.to_owned(),
            answer_mode: AnswerMode::Assumed,
            kept_document_bytes: DEFAULT_KEPT_DOCUMENT_BYTES,
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`, to which the documented paths are appended.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The External API Key the emulator accepts.
    pub fn api_key(&self) -> &str {
        &self.app.api_key
    }

    /// The next `times` requests to `route` get `fault` instead of (or, for delays and
    /// truncation, around) normal handling. Queued after earlier injections.
    pub fn inject(&self, route: Route, fault: Fault, times: usize) {
        self.faults.inject(route.as_str(), fault, times);
    }

    /// Forgets every fault not yet applied.
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// Every request received so far, in arrival order, faulted ones included.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.all()
    }

    /// How many requests were received for `route`, faulted ones included.
    pub fn request_count(&self, route: Route) -> usize {
        self.log.count(route.as_str())
    }

    /// How the emulator words what it sends now.
    pub fn answer_mode(&self) -> AnswerMode {
        self.app.mode.get()
    }

    /// Words every answer and callback from now on as `mode` says. A callback takes the mode
    /// of the moment its project completes.
    pub fn set_answer_mode(&self, mode: AnswerMode) {
        self.app.mode.set(mode);
    }

    /// Every change the current answer mode makes to the assumed answers, object by object:
    /// empty in [`AnswerMode::Assumed`], the fields left out in
    /// [`AnswerMode::DocumentedOnly`], the seed's choices in [`AnswerMode::Variant`]. Print it
    /// when a test fails in a variant.
    pub fn variations(&self) -> Vec<Variation> {
        self.app.mode.get().variations(&answers::ALL)
    }

    /// A project's process data as "get process data" returns it in [`AnswerMode::Assumed`]
    /// (whatever the current mode), or `None` if the id is unknown or deleted.
    pub fn project(&self, project_id: &str) -> Option<Value> {
        self.app.lock().project(project_id).map(json::process_data)
    }

    /// The process data of every live project, in creation order, in the assumed shape.
    pub fn projects(&self) -> Vec<Value> {
        self.app
            .lock()
            .projects()
            .iter()
            .map(json::process_data)
            .collect()
    }

    /// Signs on behalf of the signer with this e-mail address (compared case-insensitively).
    ///
    /// Only a notified signer of an in-progress project can sign. In an ordered process the next
    /// signer is notified; the last signature completes the project and, if it registered a
    /// callback URL, starts the callback delivery in the background.
    pub fn sign(&self, project_id: &str, signer_email: &str) -> Result<(), EmulatorError> {
        let completion = self
            .app
            .lock()
            .sign(project_id, signer_email, state::now())?;
        self.announce(completion);
        Ok(())
    }

    /// Has every remaining signer sign, in turn order, completing the project.
    pub fn sign_all(&self, project_id: &str) -> Result<(), EmulatorError> {
        let completion = self.app.lock().sign_all(project_id, state::now())?;
        self.announce(completion);
        Ok(())
    }

    fn announce(&self, completion: Option<Completion>) {
        if let Some(completion) = completion {
            self.callbacks.deliver(completion, self.app.mode.get());
        }
    }

    /// Every sign task e-mailed so far, in the order the e-mails went out.
    pub fn notifications(&self) -> Vec<Notification> {
        self.app.lock().notifications()
    }

    /// Every completion callback attempted so far, in the order the attempts finished.
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.callbacks
            .all()
            .into_iter()
            .map(CallbackDelivery::from)
            .collect()
    }

    /// Waits up to `timeout` for the completion callback of `project_id` to have been attempted,
    /// and returns it.
    pub async fn wait_for_callback(
        &self,
        project_id: &str,
        timeout: Duration,
    ) -> Option<CallbackDelivery> {
        self.callbacks
            .wait_for(
                |delivery| {
                    delivery
                        .envelope_id
                        .as_ref()
                        .is_some_and(|id| id.as_str() == project_id)
                },
                timeout,
            )
            .await
            .map(CallbackDelivery::from)
    }

    /// Adds an in-progress project that was made in the LEAP application rather than through the
    /// Sign API: it can be read and signed, but cancelling it is refused with 403.
    ///
    /// All signers are notified at once (parallel signing); returns the new project's id. Give at
    /// least one signer: a project without signers can never be completed.
    pub fn insert_foreign_project(&self, name: &str, signer_emails: &[&str]) -> String {
        self.app
            .lock()
            .insert_foreign(name, signer_emails, state::now())
    }
}

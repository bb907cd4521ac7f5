//! What the benchmarks share: the request they send, the adapters built against the emulators,
//! and the hand-written `reqwest` sequences that make the same HTTP exchanges as the adapters.
//!
//! Each bench binary uses a different part of this module, so items unused by one binary are
//! expected there.
#![allow(dead_code)]

use std::time::Duration;

use bytes::Bytes;
use heysign::{HeySign, HeySignBuilder};
use leap_sign::LeapSign;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signing_core::{Document, NewEnvelope, Party, Signer};
use signing_testkit::emulator::RecordedRequest;
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;

/// A contract-sized PDF: large enough to be a real upload, small enough that the HTTP work
/// rather than copying the bytes over loopback dominates.
pub(crate) const DOCUMENT_LEN: usize = 32 * 1024;
/// The title every benchmark envelope carries.
pub(crate) const TITLE: &str = "Employment contract";
/// The signers of every benchmark envelope: (name, e-mail).
pub(crate) const SIGNERS: [(&str, &str); 2] = [
    ("Ada Lovelace", "ada@example.com"),
    ("Charles Babbage", "charles@example.com"),
];
/// The file name of the document.
pub(crate) const FILE_NAME: &str = "contract.pdf";
/// HeySign needs an issuer; the adapter takes it from its builder.
pub(crate) const ISSUER: &str = "Acme AB";
/// LEAP needs a project owner; the adapter takes it from its builder.
pub(crate) const OWNER: (&str, &str) = ("Olga Owner", "olga@example.com");

// The adapters' default timeouts, set the same way on the raw sequences so both pay for the
// same per-request timers.
const HEYSIGN_TIMEOUT: Duration = Duration::from_secs(60);
const LEAP_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const LEAP_LAUNCH_NEW: &str = "/api/v1/external/sign-only-api/projects/launch-new";
const LEAP_PROCESS_DATA: &str = "/api/v1/external/projects/info-for-sign-only-integrator/";

/// A PDF of exactly `len` bytes: the PDF header, then filler.
pub(crate) fn pdf(len: usize) -> Bytes {
    let mut content = b"%PDF-1.7\n".to_vec();
    content.resize(len.max(content.len()), b'x');
    Bytes::from(content)
}

/// The benchmark envelope: one document, two parallel signers.
pub(crate) fn envelope(document: Bytes) -> NewEnvelope {
    let mut builder = NewEnvelope::builder()
        .title(TITLE)
        .document(Document::new(FILE_NAME, document));
    for (name, email) in SIGNERS {
        builder = builder.signer(Signer::new(name, email));
    }
    builder.build().expect("the benchmark envelope is valid")
}

/// The HeySign adapter pointed at `emulator`, with its own client as an application would
/// build it.
pub(crate) fn heysign(emulator: &HeySignEmulator) -> HeySign {
    HeySignBuilder::new()
        .with_api_url(emulator.api_url())
        .with_auth_url(emulator.auth_url())
        .with_client_credentials(emulator.client_id(), emulator.client_secret())
        .with_issuer(ISSUER)
        .build()
        .expect("the HeySign adapter builds")
}

/// The LEAP Sign adapter pointed at `emulator`.
pub(crate) fn leap_sign(emulator: &LeapSignEmulator) -> LeapSign {
    LeapSign::builder()
        .with_base_url(emulator.base_url())
        .with_api_key(emulator.api_key())
        .with_default_owner(Party::new(OWNER.0, OWNER.1))
        .build()
        .expect("the LEAP Sign adapter builds")
}

async fn json_answer(response: reqwest::Response) -> Value {
    let response = response.error_for_status().expect("the emulator accepts");
    let body = response.bytes().await.expect("the answer arrives");
    serde_json::from_slice(&body).expect("the answer is JSON")
}

fn id_of(value: &Value) -> String {
    value.as_str().expect("the answer carries an id").to_owned()
}

/// HeySign by hand: one `reqwest::Client`, one token, and exactly the requests the adapter
/// makes (same methods, paths, query, headers and bodies), answers parsed as `serde_json::Value`.
pub(crate) struct RawHeySign {
    http: reqwest::Client,
    api_url: String,
    token: String,
}

impl RawHeySign {
    /// A client and a token from `emulator`'s auth host.
    pub(crate) async fn connect(emulator: &HeySignEmulator) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client builds");
        let answer = http
            .post(format!("{}/oauth/token", emulator.auth_url()))
            .form(&[
                ("client_id", emulator.client_id()),
                ("client_secret", emulator.client_secret()),
                ("grant_type", "client_credentials"),
            ])
            .header(ACCEPT, "application/json")
            .timeout(HEYSIGN_TIMEOUT)
            .send()
            .await
            .expect("the token request is answered");
        let token = id_of(&json_answer(answer).await["access_token"]);
        Self {
            http,
            api_url: format!("{}/", emulator.api_url()),
            token,
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.api_url))
            .bearer_auth(&self.token)
            .header(ACCEPT, "application/json")
            .timeout(HEYSIGN_TIMEOUT)
    }

    async fn post_json(&self, path: &str, body: &Value) -> Value {
        let answer = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("the emulator answers");
        json_answer(answer).await
    }

    /// Upload, create, one signee per signer, submit. Returns the agreement id.
    pub(crate) async fn send(&self, document: &Bytes) -> String {
        let file = Part::stream(document.clone())
            .file_name(FILE_NAME)
            .mime_str("application/pdf")
            .expect("a valid MIME type");
        let answer = self
            .request(reqwest::Method::POST, "v1/files")
            .multipart(Form::new().part("file", file))
            .send()
            .await
            .expect("the upload is answered");
        let file_id = id_of(&json_answer(answer).await["id"]);

        let created = self
            .post_json(
                "v1/agreements",
                &json!({
                    "issuer": ISSUER,
                    "title": TITLE,
                    "documents": [{"file_id": file_id, "type": "Primary"}],
                    "notifications": {"type": "Email"},
                }),
            )
            .await;
        let agreement_id = id_of(&created["data"]["id"]);

        for (name, email) in SIGNERS {
            self.post_json(
                "v1/signees",
                &json!({
                    "agreement_id": agreement_id,
                    "attributes": {"email": email},
                    "metadata": {"signing.name": name},
                }),
            )
            .await;
        }

        self.request(
            reqwest::Method::POST,
            &format!("v1/agreements/{agreement_id}/submit"),
        )
        .send()
        .await
        .expect("the submit is answered")
        .error_for_status()
        .expect("the submit is accepted");
        agreement_id
    }

    /// The agreement and its signees, one read after the other, as hand-written code would
    /// most simply read them.
    pub(crate) async fn get(&self, agreement_id: &str) -> (Value, Value) {
        let agreement = self.read_agreement(agreement_id).await;
        (agreement, self.list_signees(agreement_id).await)
    }

    /// Like [`get`](Self::get), with the two reads made at once, as the adapter makes them.
    pub(crate) async fn get_at_once(&self, agreement_id: &str) -> (Value, Value) {
        futures_util::future::join(
            self.read_agreement(agreement_id),
            self.list_signees(agreement_id),
        )
        .await
    }

    async fn read_agreement(&self, agreement_id: &str) -> Value {
        let answer = self
            .request(
                reqwest::Method::GET,
                &format!("v1/agreements/{agreement_id}"),
            )
            .send()
            .await
            .expect("the read is answered");
        json_answer(answer).await
    }

    async fn list_signees(&self, agreement_id: &str) -> Value {
        let answer = self
            .request(reqwest::Method::GET, "v1/signees")
            .query(&[
                ("page.offset", "0"),
                ("page.limit", "100"),
                ("agreement_id", agreement_id),
            ])
            .send()
            .await
            .expect("the listing is answered");
        json_answer(answer).await
    }
}

/// LEAP Sign by hand: the same launch-new form and process-data read as the adapter.
pub(crate) struct RawLeapSign {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

impl RawLeapSign {
    /// A client for `emulator`, configured as the adapter configures its own.
    pub(crate) fn connect(emulator: &LeapSignEmulator) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client builds");
        Self {
            http,
            base_url: emulator.base_url(),
            api_key: emulator.api_key().to_owned(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base_url))
            .header(AUTHORIZATION, &self.api_key)
            .header(ACCEPT, "application/json")
            .timeout(LEAP_TIMEOUT)
    }

    /// launch-new with the same parts, in the same order. Returns the project id.
    pub(crate) async fn send(&self, document: &Bytes) -> String {
        let owner = json!({"name": OWNER.0, "email": OWNER.1});
        let signers: Vec<Value> = SIGNERS
            .iter()
            .map(|(name, email)| json!({"name": name, "email": email}))
            .collect();
        let length = u64::try_from(document.len()).expect("the document fits in u64");
        let file = Part::stream_with_length(document.clone(), length)
            .file_name(FILE_NAME)
            .mime_str("application/pdf")
            .expect("a valid MIME type");
        let form = Form::new()
            .text("name", TITLE)
            .text("projectOwner", owner.to_string())
            .text("signers", json!({"signers": signers}).to_string())
            .part("document", file)
            .text("orderedSigners", "false");
        let answer = self
            .request(reqwest::Method::POST, LEAP_LAUNCH_NEW)
            .multipart(form)
            .send()
            .await
            .expect("launch-new is answered");
        id_of(&json_answer(answer).await["projectId"])
    }

    /// The process data, as the adapter's `get` reads it.
    pub(crate) async fn get(&self, project_id: &str) -> Value {
        let answer = self
            .request(
                reqwest::Method::GET,
                &format!("{LEAP_PROCESS_DATA}{project_id}"),
            )
            .send()
            .await
            .expect("the read is answered");
        json_answer(answer).await
    }
}

/// What must match between two recordings of the same exchanges: method, route, query keys,
/// header names and body length (ids and multipart boundaries have fixed lengths, so equal
/// bodies up to ids have equal lengths).
fn shape(requests: &[RecordedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|request| {
            let mut headers: Vec<&str> = request
                .headers
                .keys()
                .map(http::HeaderName::as_str)
                .collect();
            headers.sort_unstable();
            let query: Vec<&str> = request
                .query
                .as_deref()
                .unwrap_or_default()
                .split('&')
                .filter_map(|pair| pair.split('=').next())
                .collect();
            format!(
                "{} {:?} query={query:?} headers={headers:?} body={}",
                request.method,
                request.route,
                request.body.len()
            )
        })
        .collect()
}

/// Panics unless the adapter and the raw sequence made the same exchanges.
pub(crate) fn assert_same_exchanges(adapter: &[RecordedRequest], raw: &[RecordedRequest]) {
    // In any order: some exchanges are made at once, and arrive in either order.
    let sorted = |requests| {
        let mut shapes = shape(requests);
        shapes.sort_unstable();
        shapes
    };
    assert_eq!(
        sorted(adapter),
        sorted(raw),
        "the raw sequence must make exactly the adapter's exchanges"
    );
}

/// Criterion's configuration for these benchmarks: short enough for the whole suite to run in
/// a few minutes on two cores.
pub(crate) fn criterion() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args()
}

//! What the benchmarks share: the request they send, the adapters built against the emulators,
//! and the hand-written `reqwest` sequences that make the same HTTP exchanges as the adapters.
//!
//! Each bench binary uses a different part of this module, so items unused by one binary are
//! expected there.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use docusign::{DocuSign, DocuSignBuilder};
use heysign::{HeySign, HeySignBuilder};
use leap_sign::LeapSign;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signing_core::{Document, NewEnvelope, Party, Signer};
use signing_testkit::emulator::RecordedRequest;
use signing_testkit::emulator::docusign::DocuSignEmulator;
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
const DOCUSIGN_TIMEOUT: Duration = Duration::from_secs(60);
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

/// The HeySign adapter with a raised upload limit (HeySign raises it per tenant on request).
pub(crate) fn heysign_with_limit(emulator: &HeySignEmulator, limit: u64) -> HeySign {
    HeySignBuilder::new()
        .with_api_url(emulator.api_url())
        .with_auth_url(emulator.auth_url())
        .with_client_credentials(emulator.client_id(), emulator.client_secret())
        .with_issuer(ISSUER)
        .with_max_document_size(limit)
        .build()
        .expect("the HeySign adapter builds")
}

/// A DocuSign emulator whose rate limits never trip during a benchmark batch.
pub(crate) async fn docusign_emulator() -> DocuSignEmulator {
    DocuSignEmulator::builder()
        .rate_limits(u32::MAX, u32::MAX)
        .start()
        .await
}

/// The DocuSign adapter pointed at `emulator`, as an application would build it.
pub(crate) fn docusign(emulator: &DocuSignEmulator) -> DocuSign {
    DocuSignBuilder::new()
        .with_auth_url(emulator.auth_url())
        .with_integration_key(emulator.integration_key())
        .with_user_id(emulator.user_id())
        .with_private_key_pem(emulator.private_key_pem())
        .build()
        .expect("the DocuSign adapter builds")
}

/// DocuSign by hand: one `reqwest::Client`, one token (a JWT grant) and the account found with
/// it, then exactly the adapter's "create envelope" (multipart: the definition as JSON, the
/// document as a binary part) and "get envelope".
pub(crate) struct RawDocuSign {
    http: reqwest::Client,
    /// `{base_uri}/restapi/v2.1/accounts/{account_id}/`.
    api: String,
    token: String,
}

impl RawDocuSign {
    /// A client, a token and the account, from `emulator`'s auth host.
    pub(crate) async fn connect(emulator: &DocuSignEmulator) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client builds");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let claims = json!({
            "iss": emulator.integration_key(),
            "sub": emulator.user_id(),
            "aud": emulator.oauth_host(),
            "iat": now,
            "exp": now + 3600,
            "scope": "signature impersonation",
        });
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(emulator.private_key_pem().as_bytes())
            .expect("the emulator's key");
        let assertion = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &key,
        )
        .expect("the assertion is signed");
        let answer = http
            .post(format!("{}/oauth/token", emulator.auth_url()))
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .header(ACCEPT, "application/json")
            .timeout(DOCUSIGN_TIMEOUT)
            .send()
            .await
            .expect("the token request is answered");
        let token = id_of(&json_answer(answer).await["access_token"]);
        let answer = http
            .get(format!("{}/oauth/userinfo", emulator.auth_url()))
            .bearer_auth(&token)
            .header(ACCEPT, "application/json")
            .timeout(DOCUSIGN_TIMEOUT)
            .send()
            .await
            .expect("userinfo is answered");
        let info = json_answer(answer).await;
        let account = &info["accounts"][0];
        let api = format!(
            "{}/restapi/v2.1/accounts/{}/",
            id_of(&account["base_uri"]).trim_end_matches('/'),
            id_of(&account["account_id"])
        );
        Self { http, api, token }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(&self.token)
            .header(ACCEPT, "application/json")
            .timeout(DOCUSIGN_TIMEOUT)
    }

    /// The definition's JSON and the multipart framing around one document, written by hand
    /// as DocuSign documents it: (head before the document, tail after it, content type).
    pub(crate) fn framing(documents: &[(&str, u64)]) -> (Vec<Bytes>, Bytes, String) {
        let boundary = "0123456789abcdef-0123456789abcdef-0123456789abcdef-0123456789abcdef";
        let signers: Vec<Value> = SIGNERS
            .iter()
            .zip(1..)
            .map(|((name, email), id)| {
                json!({"recipientId": id.to_string(), "name": name, "email": email, "routingOrder": "1"})
            })
            .collect();
        let docs: Vec<Value> = documents
            .iter()
            .zip(1..)
            .map(|((name, _), id)| {
                json!({"documentId": id.to_string(), "name": name, "fileExtension": "pdf"})
            })
            .collect();
        let definition = json!({
            "emailSubject": TITLE,
            "status": "sent",
            "documents": docs,
            "recipients": {"signers": signers},
        });
        let mut heads = Vec::new();
        let mut head = format!(
            "--{boundary}\r\nContent-Disposition: form-data\r\nContent-Type: application/json\r\n\r\n{definition}\r\n"
        );
        for ((name, _), id) in documents.iter().zip(1..) {
            write!(
                head,
                "--{boundary}\r\nContent-Disposition: file; filename=\"{name}\"; documentid={id}\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .expect("writing to a String");
            heads.push(Bytes::from(std::mem::take(&mut head)));
            head.push_str("\r\n");
        }
        write!(head, "--{boundary}--\r\n").expect("writing to a String");
        (
            heads,
            Bytes::from(head),
            format!("multipart/form-data; boundary={boundary}"),
        )
    }

    /// "Create envelope" with `document`, sent at once. Returns the envelope id.
    pub(crate) async fn send(&self, document: &Bytes) -> String {
        let (heads, tail, content_type) = Self::framing(&[(FILE_NAME, document.len() as u64)]);
        let body = [heads[0].clone(), document.clone(), tail].concat();
        self.send_body(reqwest::Body::from(body), content_type, None)
            .await
    }

    /// "Create envelope" with a body already framed; `len` is announced when given.
    pub(crate) async fn send_body(
        &self,
        body: reqwest::Body,
        content_type: String,
        len: Option<u64>,
    ) -> String {
        let mut request = self
            .request(reqwest::Method::POST, "envelopes")
            .header(reqwest::header::CONTENT_TYPE, content_type);
        if let Some(len) = len {
            request = request.header(reqwest::header::CONTENT_LENGTH, len);
        }
        let answer = request
            .body(body)
            .send()
            .await
            .expect("the create is answered");
        id_of(&json_answer(answer).await["envelopeId"])
    }

    /// The envelope with its recipients and custom fields, as the adapter's `get` reads it.
    pub(crate) async fn get(&self, envelope_id: &str) -> Value {
        let answer = self
            .request(reqwest::Method::GET, &format!("envelopes/{envelope_id}"))
            .query(&[("include", "recipients,custom_fields")])
            .send()
            .await
            .expect("the read is answered");
        json_answer(answer).await
    }
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
        self.send_with(document, false).await
    }

    /// Like [`send`](Self::send), and the SHA-256 HeySign reports for the upload compared with
    /// the document's, as the adapter checks it.
    pub(crate) async fn send_checked(&self, document: &Bytes) -> String {
        self.send_with(document, true).await
    }

    async fn send_with(&self, document: &Bytes, check_sha256: bool) -> String {
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
        let uploaded = json_answer(answer).await;
        if check_sha256 {
            assert_eq!(
                uploaded["sha256"].as_str(),
                Some(sha256_hex(document).as_str()),
                "the bytes HeySign received"
            );
        }
        let file_id = id_of(&uploaded["id"]);

        let created = self
            .post_json(
                "v1/agreements",
                &json!({
                    "issuer": ISSUER,
                    "title": TITLE,
                    "documents": [{"file_id": file_id, "type": "Primary"}],
                    "notifications": {"type": "Email"},
                    // The adapter marks each draft with a nonce, to find it again when the
                    // create's answer is lost.
                    "metadata": {"signing.attempt": uuid::Uuid::new_v4().to_string()},
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

/// The SHA-256 of `bytes` in lowercase hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut hex, byte| {
        write!(hex, "{byte:02x}").expect("writing to a String");
        hex
    })
}

/// A file's bytes as a request body, read 64 KiB at a time (the adapters' chunk size), with
/// its length.
pub(crate) async fn file_body(path: &std::path::Path) -> (reqwest::Body, u64) {
    let file = tokio::fs::File::open(path).await.expect("the file opens");
    let len = file.metadata().await.expect("the file's length").len();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
    (reqwest::Body::wrap_stream(stream), len)
}

/// Writes a PDF-looking file of `size` bytes in `dir`, a megabyte at a time.
pub(crate) fn pdf_file(dir: &std::path::Path, name: &str, size: u64) -> std::path::PathBuf {
    use std::io::Write as _;
    let path = dir.join(name);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("a temp file"));
    let mut block = vec![b'x'; 1024 * 1024];
    block[..9].copy_from_slice(b"%PDF-1.7\n");
    let mut written = 0;
    while written < size {
        let n = usize::try_from((size - written).min(block.len() as u64)).expect("a block");
        file.write_all(&block[..n]).expect("the file is written");
        block[..9].copy_from_slice(b"%%binary\n");
        written += n as u64;
    }
    file.flush().expect("the file is written");
    path
}

impl RawHeySign {
    /// The upload alone (`POST /v1/files`), the file streamed from disk. Returns the file id.
    pub(crate) async fn upload_file(&self, path: &std::path::Path) -> String {
        let (body, len) = file_body(path).await;
        let answer = self.post_file(body, len).await;
        id_of(&answer["id"])
    }

    /// The upload alone, with the SHA-256 of the bytes computed as they stream and compared with
    /// the one HeySign reports, as the adapter checks it. Returns the file id.
    pub(crate) async fn upload_file_checked(&self, path: &std::path::Path) -> String {
        use futures_util::StreamExt as _;
        use sha2::Digest as _;
        let file = tokio::fs::File::open(path).await.expect("the file opens");
        let len = file.metadata().await.expect("the file's length").len();
        let hasher = std::sync::Arc::new(std::sync::Mutex::new(sha2::Sha256::new()));
        let hashing = std::sync::Arc::clone(&hasher);
        let stream =
            tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).inspect(move |chunk| {
                if let Ok(chunk) = chunk {
                    hashing.lock().expect("not poisoned").update(chunk);
                }
            });
        let answer = self
            .post_file(reqwest::Body::wrap_stream(stream), len)
            .await;
        let digest = hasher.lock().expect("not poisoned").clone().finalize();
        assert_eq!(
            answer["sha256"].as_str(),
            Some(hex(&digest).as_str()),
            "the bytes HeySign received"
        );
        id_of(&answer["id"])
    }

    async fn post_file(&self, body: reqwest::Body, len: u64) -> Value {
        let file = Part::stream_with_length(body, len)
            .file_name(FILE_NAME)
            .mime_str("application/pdf")
            .expect("a valid MIME type");
        let answer = self
            .request(reqwest::Method::POST, "v1/files")
            .multipart(Form::new().part("file", file))
            .send()
            .await
            .expect("the upload is answered");
        json_answer(answer).await
    }
}

impl RawLeapSign {
    /// launch-new with the document streamed from disk. Returns the project id.
    pub(crate) async fn send_file(&self, path: &std::path::Path) -> String {
        let (body, len) = file_body(path).await;
        let owner = json!({"name": OWNER.0, "email": OWNER.1});
        let signers: Vec<Value> = SIGNERS
            .iter()
            .map(|(name, email)| json!({"name": name, "email": email}))
            .collect();
        let file = Part::stream_with_length(body, len)
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
}

impl RawDocuSign {
    /// "Create envelope" with each file a document, streamed from disk. Returns the envelope
    /// id.
    pub(crate) async fn send_files(&self, paths: &[std::path::PathBuf]) -> String {
        use futures_util::StreamExt as _;
        let mut lens = Vec::new();
        for path in paths {
            lens.push(
                tokio::fs::metadata(path)
                    .await
                    .expect("the file's length")
                    .len(),
            );
        }
        let names: Vec<(&str, u64)> = lens.iter().map(|len| (FILE_NAME, *len)).collect();
        let (heads, tail, content_type) = Self::framing(&names);
        let mut total = tail.len() as u64;
        let mut parts: Vec<futures_util::stream::BoxStream<'static, std::io::Result<Bytes>>> =
            Vec::new();
        for ((head, path), len) in heads.into_iter().zip(paths).zip(&lens) {
            total += head.len() as u64 + len;
            parts.push(futures_util::stream::once(async move { Ok(head) }).boxed());
            let file = tokio::fs::File::open(path).await.expect("the file opens");
            parts.push(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).boxed());
        }
        parts.push(futures_util::stream::once(async move { Ok(tail) }).boxed());
        let body = reqwest::Body::wrap_stream(futures_util::stream::iter(parts).flatten());
        self.send_body(body, content_type, Some(total)).await
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

/// Whether the command line's benchmark filter, if any, selects the group `name`, so that
/// `cargo bench --bench adapter_overhead -- leap_sign_get` runs only that group's paired rounds.
pub(crate) fn selected(name: &str) -> bool {
    // Criterion's options that take a value; anything else not starting with `-` is the filter.
    const WITH_VALUE: [&str; 8] = [
        "--warm-up-time",
        "--measurement-time",
        "--sample-size",
        "--profile-time",
        "--save-baseline",
        "--baseline",
        "--load-baseline",
        "--output-format",
    ];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if WITH_VALUE.contains(&arg.as_str()) {
            args.next();
        } else if !arg.starts_with('-') {
            return name.contains(arg.split('/').next().unwrap_or_default());
        }
    }
    true
}

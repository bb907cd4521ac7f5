//! The HeySign emulator seen from a client: raw HTTP and JSON only.
#![cfg(feature = "heysign")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, StatusCode};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::Sha256;
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::heysign::{EmulatorError, HeySignEmulator, Route};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
const WAIT: Duration = Duration::from_secs(5);

/// A client of the emulator's API host holding a bearer token.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A status, headers and parsed JSON body (`Null` when empty).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or_default()
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

async fn request_token(emu: &HeySignEmulator, fields: &[(&str, &str)]) -> Answer {
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", emu.auth_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(fields))
        .send()
        .await
        .expect("token request");
    answer(response).await
}

async fn connect(emu: &HeySignEmulator) -> Api {
    let token = request_token(
        emu,
        &[
            ("client_id", emu.client_id()),
            ("client_secret", emu.client_secret()),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    Api {
        http: reqwest::Client::new(),
        base: emu.api_url(),
        token: token.body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
    }
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        answer(
            request
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path))).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.put(self.url(path)).json(body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(self.http.delete(self.url(path))).await
    }

    /// POST without a body, as submit and cancel are called.
    async fn call(&self, path: &str) -> Answer {
        self.send(self.http.post(self.url(path))).await
    }

    async fn upload(&self, name: &str, content: Vec<u8>, content_type: &str) -> Answer {
        let part = Part::bytes(content)
            .file_name(name.to_owned())
            .mime_str(content_type)
            .expect("content type");
        let form = Form::new()
            .part("file", part)
            .text("metadata[kind]", "test");
        self.send(self.http.post(self.url("/v1/files")).multipart(form))
            .await
    }

    async fn upload_pdf(&self) -> String {
        let file = self
            .upload("contract.pdf", PDF.to_vec(), "application/pdf")
            .await;
        assert_eq!(file.status, StatusCode::CREATED, "{}", file.body);
        file.body["id"].as_str().expect("file id").to_owned()
    }

    /// A draft agreement with one Primary document and the given signees.
    async fn draft(&self, emails: &[&str]) -> Value {
        let file_id = self.upload_pdf().await;
        let signees: Vec<Value> = emails.iter().map(|email| json!({"email": email})).collect();
        let created = self
            .post(
                "/v1/agreements",
                &json!({
                    "issuer": "Acme AB",
                    "title": "Lease",
                    "documents": [{"file_id": file_id, "type": "Primary"}],
                    "signees": signees,
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        created.body["data"].clone()
    }
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

fn assert_problem(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(
        answer.headers["content-type"], "application/problem+json",
        "{}",
        answer.body
    );
    assert_eq!(answer.body["type"], "about:blank");
    assert_eq!(answer.body["status"], status.as_u16());
    assert_eq!(
        answer.body["title"],
        status.canonical_reason().expect("reason")
    );
    assert!(!answer.detail().is_empty());
}

#[tokio::test]
async fn token_endpoint_follows_client_credentials() {
    let emu = HeySignEmulator::builder()
        .client_credentials("my-client", "my-secret")
        .token_lifetime(Duration::from_secs(600))
        .start()
        .await;
    assert_ne!(emu.auth_url(), emu.api_url());

    let good = request_token(
        &emu,
        &[
            ("client_id", "my-client"),
            ("client_secret", "my-secret"),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(good.status, StatusCode::OK);
    assert_eq!(good.body["token_type"], "Bearer");
    assert_eq!(good.body["expires_in"], 600);
    let token = good.body["access_token"].as_str().expect("token");
    assert_eq!(token.split('.').count(), 3, "JWT-shaped: {token}");

    let bad_secret = request_token(
        &emu,
        &[
            ("client_id", "my-client"),
            ("client_secret", "wrong"),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(bad_secret.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_secret.body["error"], "invalid_client");
    assert!(bad_secret.body["error_description"].is_string());

    let wrong_grant = request_token(
        &emu,
        &[
            ("client_id", "my-client"),
            ("client_secret", "my-secret"),
            ("grant_type", "password"),
        ],
    )
    .await;
    assert_eq!(wrong_grant.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_grant.body["error"], "unsupported_grant_type");

    let missing = request_token(&emu, &[("client_id", "my-client")]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["error"], "invalid_request");

    let as_json = reqwest::Client::new()
        .post(format!("{}/oauth/token", emu.auth_url()))
        .json(
            &json!({"client_id": "my-client", "client_secret": "my-secret",
            "grant_type": "client_credentials"}),
        )
        .send()
        .await
        .expect("token request");
    assert_eq!(as_json.status(), StatusCode::BAD_REQUEST);

    assert_eq!(emu.token_requests(), 5);

    // A valid token works until every token is expired.
    let api = Api {
        http: reqwest::Client::new(),
        base: emu.api_url(),
        token: token.to_owned(),
    };
    assert_eq!(api.get("/v1/agreements").await.status, StatusCode::OK);
    emu.expire_tokens();
    let expired = api.get("/v1/agreements").await;
    assert_problem(&expired, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.headers["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime() {
    let emu = HeySignEmulator::builder()
        // Long enough for the first call to arrive in time on a loaded machine.
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await;
    let api = connect(&emu).await;
    assert_eq!(api.get("/v1/files").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(api.get("/v1/files").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_needs_a_bearer_token() {
    let emu = HeySignEmulator::start().await;
    let http = reqwest::Client::new();
    let missing = answer(
        http.get(format!("{}/v1/agreements", emu.api_url()))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_problem(&missing, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.headers["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let unknown = answer(
        http.get(format!("{}/v1/agreements", emu.api_url()))
            .bearer_auth("a.b.c")
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_problem(&unknown, StatusCode::UNAUTHORIZED);
    // The client id is not a bearer token either.
    let basic = answer(
        http.get(format!("{}/v1/agreements", emu.api_url()))
            .basic_auth(emu.client_id(), Some(emu.client_secret()))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_problem(&basic, StatusCode::UNAUTHORIZED);
}

/// A local webhook receiver that answers 200 and keeps what it received.
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Self {
        let received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
        let store = Arc::clone(&received);
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let store = Arc::clone(&store);
                async move {
                    store.lock().expect("receiver lock").push((headers, body));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}/hooks", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver");
        });
        Self {
            url,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<(HeaderMap, Bytes)> {
        self.received.lock().expect("receiver lock").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Standard Webhooks verification, written independently of the emulator.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(header("webhook-id").as_bytes());
    mac.update(b".");
    mac.update(header("webhook-timestamp").as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    header("webhook-signature")
        .split(' ')
        .any(|candidate| candidate == expected)
}

/// Registers a webhook over the API for every event and returns its secret.
async fn register_receiver(api: &Api, receiver: &Receiver) -> String {
    let webhook = api
        .post(
            "/v1/webhooks",
            &json!({"url": receiver.url, "events": null}),
        )
        .await;
    assert_eq!(webhook.status, StatusCode::CREATED, "{}", webhook.body);
    assert_eq!(webhook.body["type"], "webhook");
    let secret = webhook.body["data"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").expect("prefix"))
        .expect("base64");
    assert_eq!(key.len(), 24);
    secret
}

/// Uploads the PDF and checks the bare file object it answers with.
async fn upload_and_check(api: &Api) -> String {
    let file = api
        .upload("contract.pdf", PDF.to_vec(), "application/pdf")
        .await;
    assert_eq!(file.status, StatusCode::CREATED);
    assert_eq!(file.body["name"], "contract.pdf");
    assert_eq!(file.body["size"], PDF.len());
    assert_eq!(file.body["content_type"], "application/pdf");
    assert_eq!(file.body["metadata"], json!({"kind": "test"}));
    let sha = file.body["sha256"].as_str().expect("sha256");
    assert_eq!(sha.len(), 64);
    assert!(
        sha.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let file_id = id_of(&file.body);
    let got = api.get(&format!("/v1/files/{file_id}")).await;
    assert_eq!(got.body["type"], "file");
    assert_eq!(got.body["data"], file.body);
    file_id
}

/// Creates an agreement with inline documents and signees, checks it, and returns its id.
async fn create_complete_agreement(emu: &HeySignEmulator, api: &Api, file_id: &str) -> String {
    let created = api
        .post(
            "/v1/agreements",
            &json!({
                "issuer": "Acme AB",
                "title": "Lease",
                "documents": [
                    {"file_id": file_id, "type": "Primary", "metadata": {"part": "main"}},
                    {"file_id": file_id, "type": "Attachment"},
                ],
                "metadata": {"order": "42"},
                "notifications": {"type": "None"},
                "signees": [{"email": "ada@example.com"}, {"email": "bob@example.com"}],
                "redirect_url": "https://example.com/back?agreement_id={AGREEMENT_ID}",
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["type"], "agreement");
    let agreement = &created.body["data"];
    assert_eq!(agreement["status"], "Draft");
    assert_eq!(agreement["issuer"], "Acme AB");
    assert_eq!(agreement["notifications"], json!({"type": "None"}));
    assert_eq!(agreement["scheduling"], Value::Null);
    assert_eq!(agreement["theme_id"], Value::Null);
    assert_eq!(agreement["metadata"], json!({"order": "42"}));
    assert_eq!(agreement["document_ids"].as_array().map(Vec::len), Some(2));
    let agreement_id = id_of(agreement);

    let signees = emu.signees_of(&agreement_id);
    assert_eq!(signees.len(), 2);
    assert_eq!(
        signees[0]["attributes"],
        json!({"email": "ada@example.com"})
    );
    assert_eq!(signees[0]["status"], "Draft");
    assert_eq!(signees[0]["signed_date"], Value::Null);
    let documents = api
        .get(&format!("/v1/documents?agreement_id={agreement_id}"))
        .await;
    let documents = documents.body.as_array().expect("bare array").clone();
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["type"], "Primary");
    assert_eq!(documents[0]["metadata"], json!({"part": "main"}));
    agreement_id
}

/// Checks what the receiver got: every event in order, each signed and uniquely identified.
fn check_messages(messages: &[(HeaderMap, Bytes)], secret: &str, agreement_id: &str) {
    let kinds: Vec<String> = messages
        .iter()
        .map(|(_, body)| {
            let body: Value = serde_json::from_slice(body).expect("JSON body");
            body["type"].as_str().expect("type").to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "agreement.created",
            "document.created",
            "document.created",
            "signee.created",
            "signee.created",
            "agreement.submitted",
            "agreement.published",
            "signee.signsession.created",
            "signee.signsession.completed",
            "signee.signsession.created",
            "signee.signsession.completed",
            "agreement.completed",
        ]
    );
    let mut ids = Vec::new();
    for (headers, body) in messages {
        assert!(verify(secret, headers, body), "bad signature");
        assert_eq!(headers["content-type"], "application/json");
        let id = headers["webhook-id"].to_str().expect("id").to_owned();
        assert!(id.starts_with("msg_") && id.len() == 36, "{id}");
        ids.push(id);
        let timestamp: i64 = headers["webhook-timestamp"]
            .to_str()
            .expect("timestamp")
            .parse()
            .expect("unix seconds");
        assert!(timestamp > 1_600_000_000);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), messages.len(), "one message id per event");

    let last: Value = serde_json::from_slice(&messages[11].1).expect("JSON");
    assert_eq!(last["data"]["id"], agreement_id);
    assert_eq!(last["data"]["status"], "Completed");
    assert!(
        last["timestamp"]
            .as_str()
            .expect("timestamp")
            .ends_with('Z')
    );
    let signee_event: Value = serde_json::from_slice(&messages[8].1).expect("JSON");
    assert_eq!(signee_event["data"]["status"], "Signed");
    // A tampered body fails the independent check.
    assert!(!verify(secret, &messages[0].0, b"{}"));
}

#[tokio::test]
async fn full_flow_completes_and_delivers_signed_webhooks() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;
    let receiver = Receiver::start().await;
    let secret = register_receiver(&api, &receiver).await;
    let file_id = upload_and_check(&api).await;
    let agreement_id = create_complete_agreement(&emu, &api, &file_id).await;

    // Submit, then every signee signs.
    let submitted = api
        .call(&format!("/v1/agreements/{agreement_id}/submit"))
        .await;
    assert_eq!(submitted.status, StatusCode::NO_CONTENT);
    assert_eq!(submitted.body, Value::Null);
    assert_eq!(
        emu.agreement(&agreement_id).expect("agreement")["status"],
        "Pending"
    );
    assert!(
        emu.signees_of(&agreement_id)
            .iter()
            .all(|signee| signee["status"] == "Pending")
    );
    emu.sign_all(&agreement_id).expect("sign all");

    let done = api.get(&format!("/v1/agreements/{agreement_id}")).await;
    assert_eq!(done.body["data"]["status"], "Completed");
    for signee in emu.signees_of(&agreement_id) {
        assert_eq!(signee["status"], "Signed");
        assert!(signee["signed_date"].is_string());
    }

    // Deliveries are sent in order, so once the last one is in, all are.
    let completed = emu
        .wait_for_delivery("agreement.completed", WAIT)
        .await
        .expect("agreement.completed delivered");
    assert_eq!(completed.status, Some(200));
    assert_eq!(completed.url, receiver.url);
    check_messages(&receiver.received(), &secret, &agreement_id);
    assert_eq!(emu.deliveries().len(), 12);

    // Completed agreements cannot be signed again or cancelled.
    assert_eq!(
        emu.sign_all(&agreement_id),
        Err(EmulatorError::AgreementNotPending {
            agreement_id: agreement_id.clone(),
            status: "Completed".into(),
        })
    );
    let cancel = api
        .call(&format!("/v1/agreements/{agreement_id}/cancel"))
        .await;
    assert_problem(&cancel, StatusCode::CONFLICT);
}

#[tokio::test]
async fn webhook_subscriptions_filter_events() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;
    let receiver = Receiver::start().await;
    let (_, secret) = emu.register_webhook(&receiver.url, &["agreement.updated"]);

    let listed = api.get("/v1/webhooks").await;
    assert_eq!(listed.body["type"], "webhook");
    assert_eq!(listed.body["total_items"], 1);
    assert_eq!(
        listed.body["data"][0]["events"],
        json!(["agreement.updated"])
    );
    assert!(listed.body["data"][0].get("secret").is_none());

    let agreement = api.draft(&["ada@example.com"]).await;
    let id = id_of(&agreement);
    let edited = api
        .put(
            &format!("/v1/agreements/{id}"),
            &json!({"issuer": null, "title": "Renamed"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    assert_eq!(edited.body["data"]["title"], "Renamed");
    assert_eq!(edited.body["data"]["issuer"], "Acme AB");

    let delivery = emu
        .wait_for_delivery("agreement.updated", WAIT)
        .await
        .expect("agreement.updated delivered");
    assert!(verify(&secret, &delivery.headers, &delivery.body));
    assert_eq!(delivery.json().expect("JSON")["data"]["title"], "Renamed");
    assert_eq!(emu.deliveries().len(), 1, "only the subscribed event");
    assert!(
        emu.wait_for_delivery("agreement.created", Duration::from_millis(50))
            .await
            .is_none()
    );

    // Webhook URLs: https or loopback http only, known events only.
    let plain = api
        .post("/v1/webhooks", &json!({"url": "http://example.com/hook"}))
        .await;
    assert_problem(&plain, StatusCode::BAD_REQUEST);
    let unknown = api
        .post(
            "/v1/webhooks",
            &json!({"url": "https://example.com/hook", "events": ["agreement.signed"]}),
        )
        .await;
    assert_problem(&unknown, StatusCode::BAD_REQUEST);
    assert!(unknown.detail().contains("agreement.signed"));
    let https = api
        .post(
            "/v1/webhooks",
            &json!({"url": "https://example.com/hook", "events": []}),
        )
        .await;
    assert_eq!(https.status, StatusCode::CREATED);
    assert_eq!(
        https.body["data"]["events"].as_array().map(Vec::len),
        Some(9)
    );
    let hook_id = id_of(&https.body["data"]);
    let deleted = api.delete(&format!("/v1/webhooks/{hook_id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = api.delete(&format!("/v1/webhooks/{hook_id}")).await;
    assert_problem(&again, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn state_rules_are_enforced() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;

    // Submitting needs a signee and a Primary document.
    let no_signee = api.draft(&[]).await;
    let submit = api
        .call(&format!("/v1/agreements/{}/submit", id_of(&no_signee)))
        .await;
    assert_problem(&submit, StatusCode::BAD_REQUEST);
    let file_id = api.upload_pdf().await;
    let attachment_only = api
        .post(
            "/v1/agreements",
            &json!({"issuer": "Acme AB",
                "documents": [{"file_id": file_id, "type": "Attachment"}],
                "signees": [{"email": "ada@example.com"}]}),
        )
        .await;
    let attachment_only = id_of(&attachment_only.body["data"]);
    let submit = api
        .call(&format!("/v1/agreements/{attachment_only}/submit"))
        .await;
    assert_problem(&submit, StatusCode::BAD_REQUEST);
    let document = api
        .post(
            "/v1/documents",
            &json!({"agreement_id": attachment_only, "file_id": file_id, "type": "Primary"}),
        )
        .await;
    assert_eq!(document.status, StatusCode::CREATED);
    assert_eq!(
        document.body["agreement_id"], attachment_only,
        "bare document"
    );
    let got = api
        .get(&format!("/v1/documents/{}", id_of(&document.body)))
        .await;
    assert_eq!(got.body, document.body);
    let submit = api
        .call(&format!("/v1/agreements/{attachment_only}/submit"))
        .await;
    assert_eq!(submit.status, StatusCode::NO_CONTENT);

    // Once submitted, nothing can be edited, added or deleted, and it cannot be submitted again.
    let path = format!("/v1/agreements/{attachment_only}");
    let edit = api.put(&path, &json!({"issuer": "X", "title": null})).await;
    assert_problem(&edit, StatusCode::CONFLICT);
    assert_problem(&api.delete(&path).await, StatusCode::CONFLICT);
    assert_problem(
        &api.call(&format!("{path}/submit")).await,
        StatusCode::CONFLICT,
    );
    let signee = api
        .post(
            "/v1/signees",
            &json!({"agreement_id": attachment_only, "attributes": {"email": "eve@example.com"}}),
        )
        .await;
    assert_problem(&signee, StatusCode::CONFLICT);
    let document_id = id_of(&document.body);
    assert_problem(
        &api.delete(&format!("/v1/documents/{document_id}")).await,
        StatusCode::CONFLICT,
    );

    // Cancel only while Pending; a cancelled agreement cannot be signed.
    let draft_cancel = api
        .call(&format!("/v1/agreements/{}/cancel", id_of(&no_signee)))
        .await;
    assert_problem(&draft_cancel, StatusCode::CONFLICT);
    let signee_id = id_of(&emu.signees_of(&attachment_only)[0]);
    emu.open_sign_session(&signee_id).expect("session opens");
    let cancel = api.call(&format!("{path}/cancel")).await;
    assert_eq!(cancel.status, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&path).await.body["data"]["status"], "Cancelled");
    assert!(matches!(
        emu.sign(&signee_id),
        Err(EmulatorError::AgreementNotPending { .. })
    ));
    assert_eq!(
        emu.sign("not-a-signee"),
        Err(EmulatorError::UnknownSignee("not-a-signee".into()))
    );

    // Delete works on drafts only and keeps the agreement, as Deleted.
    let draft_path = format!("/v1/agreements/{}", id_of(&no_signee));
    assert_eq!(api.delete(&draft_path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&draft_path).await.body["data"]["status"], "Deleted");
    let listed = api.get("/v1/agreements?sort.field=status").await;
    assert_eq!(listed.body["total_items"], 2);
    assert_eq!(listed.body["data"][1]["status"], "Deleted");
    assert_problem(&api.delete(&draft_path).await, StatusCode::CONFLICT);

    // Ids: unknown or malformed in the path is 404; in the body 400.
    let unknown = format!("/v1/agreements/{}", "0b8e7c52-8a3a-4c55-9b4e-3f3c1f0e8d11");
    assert_problem(&api.get(&unknown).await, StatusCode::NOT_FOUND);
    assert_problem(&api.get("/v1/agreements/42").await, StatusCode::NOT_FOUND);
    assert_problem(&api.get("/v1/nothing").await, StatusCode::NOT_FOUND);
    let bad_ref = api
        .post(
            "/v1/documents",
            &json!({"agreement_id": "nope", "file_id": file_id, "type": "Primary"}),
        )
        .await;
    assert_problem(&bad_ref, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_fields_and_malformed_bodies_are_refused() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;

    // Unknown fields are refused and named, nested ones with their path.
    let unknown = api
        .post(
            "/v1/agreements",
            &json!({"issuer": "Acme AB", "titel": "Lease"}),
        )
        .await;
    assert_problem(&unknown, StatusCode::BAD_REQUEST);
    assert!(unknown.detail().contains("titel"), "{}", unknown.detail());
    let file_id = api.upload_pdf().await;
    let nested = api
        .post(
            "/v1/agreements",
            &json!({"issuer": "Acme AB", "documents": [{"fileId": file_id, "type": "Primary"}]}),
        )
        .await;
    assert_problem(&nested, StatusCode::BAD_REQUEST);
    assert!(
        nested.detail().contains("documents[0].fileId"),
        "{}",
        nested.detail()
    );

    // Required fields, enums, e-mails, references, dates.
    for body in [
        json!({"title": "No issuer"}),
        json!({"issuer": ""}),
        json!({"issuer": "A", "notifications": {"type": "Sms"}}),
        json!({"issuer": "A", "signees": [{"email": "not-an-email"}]}),
        json!({"issuer": "A", "documents": [{"file_id": file_id, "type": "Main"}]}),
        json!({"issuer": "A", "metadata": {"n": 1}}),
        json!({"issuer": "A", "theme_id": "0b8e7c52-8a3a-4c55-9b4e-3f3c1f0e8d11"}),
        json!({"issuer": "A", "scheduling": {"publish_date": "tomorrow"}}),
    ] {
        let answer = api.post("/v1/agreements", &body).await;
        assert_problem(&answer, StatusCode::BAD_REQUEST);
    }

    // The body must be JSON, and declared as JSON.
    let not_json = api
        .send(
            api.http
                .post(api.url("/v1/agreements"))
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_problem(&not_json, StatusCode::BAD_REQUEST);
    let wrong_type = api
        .send(
            api.http
                .post(api.url("/v1/agreements"))
                .header("content-type", "text/plain")
                .body(r#"{"issuer": "A"}"#),
        )
        .await;
    assert_problem(&wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Edit needs both fields, though either may be null.
    let draft = api.draft(&["ada@example.com"]).await;
    let missing_title = api
        .put(
            &format!("/v1/agreements/{}", id_of(&draft)),
            &json!({"issuer": "B"}),
        )
        .await;
    assert_problem(&missing_title, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn uploads_and_documents_are_checked() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;

    // Documents must be PDFs by content, whatever the name.
    let fake = api
        .upload("fake.pdf", b"hello, not a pdf".to_vec(), "application/pdf")
        .await;
    assert_eq!(fake.status, StatusCode::CREATED);
    let fake_id = id_of(&fake.body);
    let with_fake = api
        .post(
            "/v1/agreements",
            &json!({"issuer": "A", "documents": [{"file_id": fake_id, "type": "Primary"}]}),
        )
        .await;
    assert_problem(&with_fake, StatusCode::BAD_REQUEST);
    let draft = api.draft(&["ada@example.com"]).await;
    let fake_document = api
        .post(
            "/v1/documents",
            &json!({"agreement_id": id_of(&draft), "file_id": fake_id, "type": "Primary"}),
        )
        .await;
    assert_problem(&fake_document, StatusCode::BAD_REQUEST);

    // Uploads: at most 10 MB, not empty, only known parts, with a default content type.
    let big = api
        .upload("big.pdf", vec![b'%'; 11 * 1024 * 1024], "application/pdf")
        .await;
    assert_problem(&big, StatusCode::PAYLOAD_TOO_LARGE);
    let empty = api.upload("empty.pdf", Vec::new(), "application/pdf").await;
    assert_problem(&empty, StatusCode::BAD_REQUEST);
    let wrong_part = api
        .send(
            api.http.post(api.url("/v1/files")).multipart(
                Form::new().part("document", Part::bytes(PDF.to_vec()).file_name("a.pdf")),
            ),
        )
        .await;
    assert_problem(&wrong_part, StatusCode::BAD_REQUEST);
    assert!(wrong_part.detail().contains("document"));
    let untyped = api
        .send(
            api.http
                .post(api.url("/v1/files"))
                .multipart(Form::new().part("file", Part::bytes(PDF.to_vec()).file_name("a.pdf"))),
        )
        .await;
    assert_eq!(untyped.status, StatusCode::CREATED);
    assert_eq!(untyped.body["content_type"], "application/octet-stream");
    let not_multipart = api.post("/v1/files", &json!({"file": "a.pdf"})).await;
    assert_problem(&not_multipart, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn signee_attributes_are_edited_and_removed() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;
    let draft_id = id_of(&api.draft(&["ada@example.com"]).await);

    let no_email = api
        .post(
            "/v1/signees",
            &json!({"agreement_id": draft_id, "attributes": {"se_personal_number": "190001010000"}}),
        )
        .await;
    assert_problem(&no_email, StatusCode::BAD_REQUEST);
    let signee = api
        .post(
            "/v1/signees",
            &json!({"agreement_id": draft_id,
                "attributes": {"email": "eve@example.com", "se_personal_number": "190001010000"},
                "metadata": {"role": "witness"}}),
        )
        .await;
    assert_eq!(signee.status, StatusCode::CREATED, "{}", signee.body);
    assert_eq!(signee.body["type"], "signee");
    assert_eq!(signee.body["data"]["metadata"], json!({"role": "witness"}));

    // A null attribute removes it; other keys set theirs.
    let signee_path = format!("/v1/signees/{}", id_of(&signee.body["data"]));
    let edited = api
        .put(
            &signee_path,
            &json!({"attributes": {"se_personal_number": null, "email": "eve@example.org"}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(
        edited.body["data"]["attributes"],
        json!({"email": "eve@example.org"})
    );
    assert_eq!(api.get(&signee_path).await.body, edited.body);
    let bad_attribute = api
        .put(&signee_path, &json!({"attributes": {"phone": "123"}}))
        .await;
    assert_problem(&bad_attribute, StatusCode::BAD_REQUEST);

    assert_eq!(
        api.delete(&signee_path).await.status,
        StatusCode::NO_CONTENT
    );
    assert_problem(&api.get(&signee_path).await, StatusCode::NOT_FOUND);
    assert_eq!(emu.signees_of(&draft_id).len(), 1);
}

#[tokio::test]
async fn tenants_and_themes_are_validated() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;
    let tenant = api
        .post(
            "/v1/tenants",
            &json!({"name": "Sub", "language_code": "sv", "time_zone": "Europe/Stockholm"}),
        )
        .await;
    assert_eq!(tenant.status, StatusCode::CREATED);
    assert_eq!(tenant.body["type"], "tenant");
    assert_eq!(tenant.body["data"]["time_zone"], "Europe/Stockholm");
    assert_problem(
        &api.post("/v1/tenants", &json!({"name": ""})).await,
        StatusCode::BAD_REQUEST,
    );

    let file_id = api.upload_pdf().await;
    let theme = api
        .post(
            "/v1/themes",
            &json!({"name": "Brand", "logo_file_id": file_id, "color_primary_hex": "#12abEF"}),
        )
        .await;
    assert_eq!(theme.status, StatusCode::CREATED, "{}", theme.body);
    assert_eq!(theme.body["type"], "theme");
    let bad_colour = api
        .post(
            "/v1/themes",
            &json!({"name": "Brand", "color_primary_hex": "red"}),
        )
        .await;
    assert_problem(&bad_colour, StatusCode::BAD_REQUEST);
    let missing_file = api
        .post(
            "/v1/themes",
            &json!({"name": "Brand", "icon_file_id": "0b8e7c52-8a3a-4c55-9b4e-3f3c1f0e8d11"}),
        )
        .await;
    assert_problem(&missing_file, StatusCode::BAD_REQUEST);
    let themed = api
        .post(
            "/v1/agreements",
            &json!({"issuer": "A", "theme_id": id_of(&theme.body["data"])}),
        )
        .await;
    assert_eq!(themed.status, StatusCode::CREATED);
}

#[tokio::test]
async fn lists_page_sort_and_filter() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;
    for (title, group) in [("c", "x"), ("a", "y"), ("e", "x"), ("b", "x"), ("d", "y")] {
        let created = api
            .post(
                "/v1/agreements",
                &json!({"issuer": "Acme AB", "title": title, "metadata": {"group": group, "k": "v"}}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let titles = |answer: &Answer| -> Vec<String> {
        answer.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|item| item["title"].as_str().expect("title").to_owned())
            .collect()
    };

    let all = api.get("/v1/agreements").await;
    assert_eq!(
        titles(&all),
        ["c", "a", "e", "b", "d"],
        "created_date ascending"
    );
    assert_eq!(all.body["page"], json!({"offset": 0, "limit": 20}));
    assert_eq!(all.body["total_items"], 5);
    assert_eq!(all.body["total_pages"], 1);
    let dates: Vec<&str> = all.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["created_date"].as_str().expect("date"))
        .collect();
    assert!(dates.windows(2).all(|pair| pair[0] < pair[1]), "{dates:?}");

    let page = api
        .get("/v1/agreements?page.offset=2&page.limit=2&sort.field=title&sort.order=Descending")
        .await;
    assert_eq!(titles(&page), ["c", "b"]);
    assert_eq!(page.body["page"], json!({"offset": 2, "limit": 2}));
    assert_eq!(page.body["total_pages"], 3);

    let filtered = api
        .get("/v1/agreements?metadata%5Bgroup%5D=x&metadata%5Bk%5D=v&sort.field=title")
        .await;
    assert_eq!(titles(&filtered), ["b", "c", "e"]);
    assert_eq!(filtered.body["total_items"], 3);
    let none = api
        .get("/v1/agreements?metadata%5Bgroup%5D=x&metadata%5Bk%5D=w")
        .await;
    assert_eq!(none.body["total_items"], 0);
    assert_eq!(none.body["total_pages"], 0);

    let clamped = api.get("/v1/agreements?page.limit=500").await;
    assert_eq!(clamped.body["page"]["limit"], 100);
    for query in [
        "page.limit=0",
        "page.offset=-1",
        "sort.field=issuer",
        "sort.order=desc",
        "offset=1",
    ] {
        assert_problem(
            &api.get(&format!("/v1/agreements?{query}")).await,
            StatusCode::BAD_REQUEST,
        );
    }

    // Files filter by a case-insensitive substring of the name.
    api.upload("Contract-Final.pdf", PDF.to_vec(), "application/pdf")
        .await;
    api.upload("notes.txt", b"notes".to_vec(), "text/plain")
        .await;
    let files = api.get("/v1/files?query=FINAL").await;
    assert_eq!(files.body["type"], "file");
    assert_eq!(files.body["total_items"], 1);
    assert_eq!(files.body["data"][0]["name"], "Contract-Final.pdf");
    let by_metadata = api.get("/v1/files?metadata%5Bkind%5D=test").await;
    assert_eq!(by_metadata.body["total_items"], 2);

    // Signees filter by agreement.
    let first = api.draft(&["ada@example.com", "bob@example.com"]).await;
    api.draft(&["eve@example.com"]).await;
    let signees = api
        .get(&format!(
            "/v1/signees?agreement_id={}&sort.order=Descending",
            id_of(&first)
        ))
        .await;
    assert_eq!(signees.body["type"], "signee");
    assert_eq!(signees.body["total_items"], 2);
    assert_eq!(
        signees.body["data"][0]["attributes"]["email"],
        "bob@example.com"
    );
    assert_eq!(api.get("/v1/signees").await.body["total_items"], 3);
    assert_problem(
        &api.get("/v1/signees?agreement_id=nope").await,
        StatusCode::BAD_REQUEST,
    );
    let documents = api.get("/v1/documents?page.limit=1").await;
    assert_eq!(documents.body.as_array().map(Vec::len), Some(1));
    assert_eq!(emu.agreements().len(), 7);
}

#[tokio::test]
async fn faults_are_seen_by_the_client() {
    let emu = HeySignEmulator::start().await;
    let api = connect(&emu).await;
    let list = || {
        api.http
            .get(api.url("/v1/agreements"))
            .bearer_auth(&api.token)
    };

    emu.inject(Route::ListAgreements, Fault::Status(503), 1);
    let unavailable = answer(list().send().await.expect("answered")).await;
    assert_problem(&unavailable, StatusCode::SERVICE_UNAVAILABLE);

    emu.inject(
        Route::ListAgreements,
        Fault::RateLimited {
            retry_after: "3".into(),
        },
        1,
    );
    let limited = answer(list().send().await.expect("answered")).await;
    assert_problem(&limited, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["retry-after"], "3");

    emu.inject(
        Route::ListAgreements,
        Fault::Delay(Duration::from_millis(400)),
        1,
    );
    let timed_out = list()
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .expect_err("client gives up");
    assert!(timed_out.is_timeout(), "{timed_out}");

    emu.inject(Route::ListAgreements, Fault::MalformedBody, 1);
    let malformed = list().send().await.expect("answered");
    assert_eq!(malformed.status(), StatusCode::OK);
    assert_eq!(malformed.headers()["content-type"], "application/json");
    assert!(malformed.json::<Value>().await.is_err());

    emu.inject(Route::ListAgreements, Fault::TruncatedBody, 1);
    let truncated = list().send().await.expect("headers arrive");
    assert_eq!(truncated.status(), StatusCode::OK);
    assert!(truncated.bytes().await.is_err(), "the body read fails");

    emu.inject(Route::ListAgreements, Fault::DropConnection, 1);
    assert!(list().send().await.is_err(), "no response at all");

    // Faults are per route, and once used up the route behaves normally.
    assert_eq!(api.get("/v1/files").await.status, StatusCode::OK);
    assert_eq!(api.get("/v1/agreements").await.status, StatusCode::OK);

    // The auth host answers faults with OAuth errors.
    emu.inject(Route::Token, Fault::Status(503), 1);
    let token = request_token(
        &emu,
        &[
            ("client_id", emu.client_id()),
            ("client_secret", emu.client_secret()),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(token.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(token.body["error"], "temporarily_unavailable");

    // Every request is recorded, faulted or not, on both hosts.
    let requests = emu.requests();
    let count = |route: Route| {
        requests
            .iter()
            .filter(|request| request.route == Some(route.as_str()))
            .count()
    };
    assert_eq!(count(Route::ListAgreements), 7);
    assert_eq!(count(Route::ListFiles), 1);
    assert_eq!(count(Route::Token), 2);
    assert_eq!(emu.token_requests(), 2);
    assert_eq!(requests.len(), 10);
    assert_eq!(requests[0].path, "/oauth/token");
    assert_eq!(requests[1].path, "/v1/agreements");
    assert!(requests[1].headers.contains_key("authorization"));

    // Injections queue up and can be cleared.
    emu.inject(Route::GetFile, Fault::Status(500), 3);
    emu.clear_faults();
    let missing = api
        .get("/v1/files/0b8e7c52-8a3a-4c55-9b4e-3f3c1f0e8d11")
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND);
}

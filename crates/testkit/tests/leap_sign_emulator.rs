//! The LEAP Sign emulator seen from a client: raw `reqwest` requests against the documented
//! wire contract, no adapter types.
#![cfg(feature = "leap-sign")]

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::leap_sign::{EmulatorError, LeapSignEmulator, Route};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const LAUNCH_NEW: &str = "/api/v1/external/sign-only-api/projects/launch-new";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

fn process_data_path(id: &str) -> String {
    format!("/api/v1/external/projects/info-for-sign-only-integrator/{id}")
}

fn cancel_path(id: &str) -> String {
    format!("/api/v1/external/sign-only-api/projects/cancel/{id}")
}

fn delete_path(id: &str) -> String {
    format!("/api/v1/external/sign-only-api/projects/{id}")
}

/// One part of a launch-new form; kept as data because `reqwest::multipart::Form` is not `Clone`.
#[derive(Clone)]
enum P {
    Text(&'static str, String),
    File {
        name: &'static str,
        file_name: Option<&'static str>,
        mime: Option<&'static str>,
        content: Vec<u8>,
    },
}

fn text(name: &'static str, value: &str) -> P {
    P::Text(name, value.to_owned())
}

fn pdf_part() -> P {
    P::File {
        name: "document",
        file_name: Some("nda.pdf"),
        mime: Some("application/pdf"),
        content: PDF.to_vec(),
    }
}

/// A complete, valid form with two signers.
fn valid_parts(ordered: bool, callback: Option<&str>) -> Vec<P> {
    let mut parts = vec![
        text("name", "NDA"),
        text(
            "projectOwner",
            r#"{"name":"Olga Owner","organization":"Acme","email":"olga@example.com","title":"CEO"}"#,
        ),
        text(
            "signers",
            r#"{"signers":[{"name":"Ann","organization":null,"email":"ann@example.com","title":null},{"name":"Bob","email":"bob@example.com"}]}"#,
        ),
        pdf_part(),
        text("orderedSigners", if ordered { "true" } else { "false" }),
        text("additionalRecipients", r#"["cc@example.com"]"#),
    ];
    if let Some(url) = callback {
        parts.push(text("signTasksCompletedCallbackUrl", url));
    }
    parts
}

fn replace(mut parts: Vec<P>, replacement: P) -> Vec<P> {
    let name = match &replacement {
        P::Text(name, _) | P::File { name, .. } => *name,
    };
    parts.retain(|part| !matches!(part, P::Text(n, _) | P::File { name: n, .. } if *n == name));
    parts.push(replacement);
    parts
}

fn without(mut parts: Vec<P>, name: &str) -> Vec<P> {
    parts.retain(|part| !matches!(part, P::Text(n, _) | P::File { name: n, .. } if *n == name));
    parts
}

fn form(parts: Vec<P>) -> Form {
    parts
        .into_iter()
        .fold(Form::new(), |form, part| match part {
            P::Text(name, value) => form.text(name, value),
            P::File {
                name,
                file_name,
                mime,
                content,
            } => {
                let mut part = Part::bytes(content);
                if let Some(file_name) = file_name {
                    part = part.file_name(file_name);
                }
                if let Some(mime) = mime {
                    part = part.mime_str(mime).expect("valid mime");
                }
                form.part(name, part)
            }
        })
}

async fn launch_with_key(emu: &LeapSignEmulator, key: &str, parts: Vec<P>) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{}{LAUNCH_NEW}", emu.base_url()))
        .header("Authorization", key)
        .header("Accept", "application/json")
        .multipart(form(parts))
        .send()
        .await
        .expect("launch-new answered");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn launch(emu: &LeapSignEmulator, parts: Vec<P>) -> (StatusCode, Value) {
    launch_with_key(emu, emu.api_key(), parts).await
}

/// Launches a valid form and returns the new project's id.
async fn launch_ok(emu: &LeapSignEmulator, ordered: bool, callback: Option<&str>) -> String {
    let (status, body) = launch(emu, valid_parts(ordered, callback)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["projectId"].as_str().expect("projectId").to_owned()
}

async fn call(emu: &LeapSignEmulator, method: reqwest::Method, path: &str) -> (StatusCode, Value) {
    let response = client()
        .request(method, format!("{}{path}", emu.base_url()))
        .header("Authorization", emu.api_key())
        .send()
        .await
        .expect("emulator answered");
    let status = response.status();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, body)
}

fn assert_error(body: &Value, status: u16, error: &str) {
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(
        body.as_object().map(serde_json::Map::len),
        Some(3),
        "{body}"
    );
}

fn signer_statuses(process: &Value) -> Vec<String> {
    process["workflow"]["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|signer| signer["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A minimal DOCX: a zip whose single stored entry is `word/document.xml`.
fn minimal_docx() -> Vec<u8> {
    let name = b"word/document.xml";
    let data = br#"<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>"#;
    let crc = crc32(data);
    let size = u32::try_from(data.len()).expect("small");
    let name_len = u16::try_from(name.len()).expect("small");
    let mut zip = Vec::new();
    // Local file header: version 2.0, no flags, stored, zero DOS time and date.
    zip.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    zip.extend_from_slice(&crc.to_le_bytes());
    zip.extend_from_slice(&size.to_le_bytes());
    zip.extend_from_slice(&size.to_le_bytes());
    zip.extend_from_slice(&name_len.to_le_bytes());
    zip.extend_from_slice(&0_u16.to_le_bytes());
    zip.extend_from_slice(name);
    zip.extend_from_slice(data);
    let central_start = u32::try_from(zip.len()).expect("small");
    // Central directory header for the same entry, at offset 0.
    zip.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    zip.extend_from_slice(&crc.to_le_bytes());
    zip.extend_from_slice(&size.to_le_bytes());
    zip.extend_from_slice(&size.to_le_bytes());
    zip.extend_from_slice(&name_len.to_le_bytes());
    zip.extend_from_slice(&[0; 12]); // extra, comment, disk, internal and external attributes
    zip.extend_from_slice(&0_u32.to_le_bytes()); // offset of the local header
    zip.extend_from_slice(name);
    let central_size = u32::try_from(zip.len()).expect("small") - central_start;
    // End of central directory: one entry.
    zip.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    zip.extend_from_slice(&central_size.to_le_bytes());
    zip.extend_from_slice(&central_start.to_le_bytes());
    zip.extend_from_slice(&0_u16.to_le_bytes());
    zip
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A local receiver for completion callbacks: every POST is forwarded as (headers, body).
async fn callback_receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/callbacks/{token}",
            post(
                |State(sender): State<mpsc::UnboundedSender<(HeaderMap, Bytes)>>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let _ = sender.send((headers, body));
                    StatusCode::OK
                },
            ),
        )
        .with_state(sender);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/callbacks/doc-42"), receiver)
}

#[tokio::test]
async fn wrong_or_missing_key_is_403() {
    let emu = LeapSignEmulator::builder().api_key("k-123").start().await;
    assert_eq!(emu.api_key(), "k-123");
    for key in ["wrong", "Bearer k-123", ""] {
        let (status, body) = launch_with_key(&emu, key, valid_parts(false, None)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "key {key:?}");
        assert_error(&body, 403, "FORBIDDEN");
    }
    // The key is checked before the body: a malformed body with a bad key is still 403.
    let (status, _) = launch_with_key(&emu, "wrong", vec![text("bogus", "x")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let id = launch_ok(&emu, false, None).await;
    let response = client()
        .get(format!("{}{}", emu.base_url(), process_data_path(&id)))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "errors are JSON"
    );
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let path = if method == reqwest::Method::PUT {
            cancel_path(&id)
        } else {
            delete_path(&id)
        };
        let response = client()
            .request(method, format!("{}{path}", emu.base_url()))
            .header("Authorization", "nope")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        emu.project(&id).expect("still there")["status"],
        "IN_PROGRESS"
    );
}

#[tokio::test]
async fn launch_with_pdf_returns_the_process_data() {
    let emu = LeapSignEmulator::start().await;
    let (status, body) = launch(&emu, valid_parts(true, Some("https://example.com/cb/1"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["projectId"].as_str().expect("projectId");
    assert_eq!(id.len(), 36, "a UUID");
    assert_eq!(body["name"], "NDA");
    assert_eq!(body["status"], "IN_PROGRESS");
    assert_eq!(body["createdThroughSignApi"], true);
    assert_eq!(
        body["projectOwner"],
        json!({"name": "Olga Owner", "organization": "Acme", "email": "olga@example.com", "title": "CEO"})
    );
    assert_eq!(body["orderedSigners"], true);
    assert_eq!(body["additionalRecipients"], json!(["cc@example.com"]));
    assert!(
        body["createdAt"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    assert_eq!(body["completedAt"], Value::Null);
    assert_eq!(body["cancelledAt"], Value::Null);
    assert_eq!(
        body["document"],
        json!({"name": "nda.pdf", "contentType": "application/pdf", "size": PDF.len()})
    );
    let first = &body["workflow"]["signers"][0];
    assert_eq!(first["order"], 1);
    assert_eq!(first["name"], "Ann");
    assert_eq!(first["organization"], Value::Null);
    assert_eq!(first["email"], "ann@example.com");
    assert_eq!(first["signed"], false);
    assert!(first["notifiedAt"].is_string());
    assert_eq!(first["signedAt"], Value::Null);
    assert_eq!(signer_statuses(&body), ["NOTIFIED", "WAITING"]);

    let (status, fetched) = call(&emu, reqwest::Method::GET, &process_data_path(id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, body);
    assert_eq!(emu.project(id), Some(body.clone()));
    assert_eq!(emu.projects(), vec![body]);
}

#[tokio::test]
async fn launch_with_docx_is_accepted() {
    let emu = LeapSignEmulator::start().await;
    let docx = minimal_docx();
    let size = docx.len();
    let parts = replace(
        valid_parts(false, None),
        P::File {
            name: "document",
            file_name: Some("nda.docx"),
            mime: Some(DOCX_TYPE),
            content: docx.clone(),
        },
    );
    let (status, body) = launch(&emu, parts).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["document"],
        json!({"name": "nda.docx", "contentType": DOCX_TYPE, "size": size})
    );
    // Without a declared content type the content alone decides.
    let parts = replace(
        valid_parts(false, None),
        P::File {
            name: "document",
            file_name: Some("nda.docx"),
            mime: None,
            content: docx,
        },
    );
    assert_eq!(launch(&emu, parts).await.0, StatusCode::OK);
}

#[tokio::test]
async fn unsupported_documents_are_400() {
    let emu = LeapSignEmulator::start().await;
    let cases = [
        (b"plain text, not a document".to_vec(), None),
        (b"PK\x03\x04xl/workbook.xml".to_vec(), None),
        (PDF.to_vec(), Some("application/octet-stream")),
        (minimal_docx(), Some("application/pdf")),
    ];
    for (content, mime) in cases {
        let parts = replace(
            valid_parts(false, None),
            P::File {
                name: "document",
                file_name: Some("file.bin"),
                mime,
                content,
            },
        );
        let (status, body) = launch(&emu, parts).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_error(&body, 400, "BAD_REQUEST");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("Unsupported file format"), "{message}");
    }
    assert!(emu.projects().is_empty());
}

#[tokio::test]
async fn callback_url_must_be_https_or_loopback_http() {
    let emu = LeapSignEmulator::start().await;
    for url in ["http://example.com/cb", "ftp://127.0.0.1/cb", "not a url"] {
        let (status, body) = launch(&emu, valid_parts(false, Some(url))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_error(&body, 400, "BAD_REQUEST");
    }
    for url in [
        "https://example.com/cb/1",
        "http://127.0.0.1:9/cb",
        "http://localhost:9/cb",
    ] {
        let (status, body) = launch(&emu, valid_parts(false, Some(url))).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
    }
}

/// Forms the documents answer with 500 "malformed request body", each with a description.
fn malformed_forms() -> Vec<(&'static str, Vec<P>)> {
    let valid = || valid_parts(false, None);
    vec![
        ("unknown part", {
            let mut parts = valid();
            parts.push(text("metadata", "{}"));
            parts
        }),
        (
            "signers without the wrapping object",
            replace(
                valid(),
                text("signers", r#"[{"name":"Ann","email":"ann@example.com"}]"#),
            ),
        ),
        (
            "no signer",
            replace(valid(), text("signers", r#"{"signers":[]}"#)),
        ),
        (
            "signer without email",
            replace(valid(), text("signers", r#"{"signers":[{"name":"Ann"}]}"#)),
        ),
        (
            "orderedSigners not a boolean",
            replace(valid(), text("orderedSigners", "yes")),
        ),
        (
            "orderedSigners capitalised",
            replace(valid(), text("orderedSigners", "True")),
        ),
        (
            "projectOwner not JSON",
            replace(valid(), text("projectOwner", "{\"name\":")),
        ),
        (
            "projectOwner with an unknown key",
            replace(
                valid(),
                text(
                    "projectOwner",
                    r#"{"name":"O","email":"o@example.com","phone":"1"}"#,
                ),
            ),
        ),
        (
            "additionalRecipients not an array",
            replace(valid(), text("additionalRecipients", "cc@example.com")),
        ),
        ("missing signers", without(valid(), "signers")),
        ("missing projectOwner", without(valid(), "projectOwner")),
        ("missing name", without(valid(), "name")),
        ("empty name", replace(valid(), text("name", ""))),
        ("missing document", without(valid(), "document")),
        ("duplicate name", {
            let mut parts = valid();
            parts.push(text("name", "Again"));
            parts
        }),
        ("duplicate document", {
            let mut parts = valid();
            parts.push(pdf_part());
            parts
        }),
        (
            "document without a filename",
            replace(
                valid(),
                P::File {
                    name: "document",
                    file_name: None,
                    mime: Some("application/pdf"),
                    content: PDF.to_vec(),
                },
            ),
        ),
        (
            "JSON part sent as a file",
            replace(
                valid(),
                P::File {
                    name: "signers",
                    file_name: Some("signers.json"),
                    mime: Some("application/json"),
                    content: br#"{"signers":[{"name":"A","email":"a@example.com"}]}"#.to_vec(),
                },
            ),
        ),
    ]
}

#[tokio::test]
async fn malformed_forms_are_500() {
    let emu = LeapSignEmulator::start().await;
    for (case, parts) in malformed_forms() {
        let (status, body) = launch(&emu, parts).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{case}: {body}");
        assert_error(&body, 500, "INTERNAL_SERVER_ERROR");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("malformed request body"),
            "{case}: {message}"
        );
    }
    assert!(emu.projects().is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_multipart_is_500() {
    let emu = LeapSignEmulator::start().await;
    let bodies = [
        ("application/json", br#"{"name":"NDA"}"#.to_vec()),
        ("multipart/form-data", b"no boundary".to_vec()),
        ("multipart/form-data; boundary=xyz", b"garbage".to_vec()),
        (
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\ncontent-disposition: form-data; name=\"name\"\r\n\r\nND".to_vec(),
        ),
    ];
    for (content_type, body) in bodies {
        let response = client()
            .post(format!("{}{LAUNCH_NEW}", emu.base_url()))
            .header("Authorization", emu.api_key())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("answered");
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{content_type}"
        );
        let body: Value = response.json().await.expect("JSON error");
        assert_error(&body, 500, "INTERNAL_SERVER_ERROR");
    }
    assert!(emu.projects().is_empty());
}

#[tokio::test]
async fn ordered_flow_notifies_in_turn_and_calls_back() {
    let emu = LeapSignEmulator::start().await;
    let (callback_url, mut received) = callback_receiver().await;
    let id = launch_ok(&emu, true, Some(&callback_url)).await;
    let emails = |emu: &LeapSignEmulator| -> Vec<String> {
        emu.notifications().into_iter().map(|n| n.email).collect()
    };
    assert_eq!(emails(&emu), ["ann@example.com"]);
    assert!(emu.notifications().iter().all(|n| n.project_id == id));

    assert!(matches!(
        emu.sign(&id, "bob@example.com"),
        Err(EmulatorError::NotSignersTurn { .. })
    ));
    assert!(matches!(
        emu.sign(&id, "eve@example.com"),
        Err(EmulatorError::UnknownSigner { .. })
    ));
    assert!(matches!(
        emu.sign("no-such-project", "ann@example.com"),
        Err(EmulatorError::UnknownProject { .. })
    ));

    emu.sign(&id, "ann@example.com").expect("Ann's turn");
    assert_eq!(emails(&emu), ["ann@example.com", "bob@example.com"]);
    let (_, process) = call(&emu, reqwest::Method::GET, &process_data_path(&id)).await;
    assert_eq!(signer_statuses(&process), ["SIGNED", "NOTIFIED"]);
    assert_eq!(process["workflow"]["signers"][0]["signed"], true);
    assert_eq!(process["status"], "IN_PROGRESS");
    assert!(matches!(
        emu.sign(&id, "ann@example.com"),
        Err(EmulatorError::AlreadySigned { .. })
    ));
    assert!(emu.callbacks().is_empty());

    emu.sign(&id, "bob@example.com").expect("Bob's turn");
    let (_, process) = call(&emu, reqwest::Method::GET, &process_data_path(&id)).await;
    assert_eq!(process["status"], "COMPLETED");
    assert!(process["completedAt"].is_string());
    assert!(matches!(
        emu.sign(&id, "bob@example.com"),
        Err(EmulatorError::NotInProgress {
            status: "COMPLETED",
            ..
        })
    ));

    let (headers, body) = tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .expect("callback in time")
        .expect("callback received");
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.get("authorization").is_none());
    let body: Value = serde_json::from_slice(&body).expect("JSON callback");
    assert_eq!(body, json!({"projectId": id, "status": "COMPLETED"}));

    let delivery = emu
        .wait_for_callback(&id, Duration::from_secs(5))
        .await
        .expect("delivery recorded");
    assert_eq!(delivery.url, callback_url);
    assert_eq!(delivery.status, Some(200));
    assert_eq!(
        serde_json::from_slice::<Value>(&delivery.body).ok(),
        Some(body)
    );
    assert_eq!(emu.callbacks().len(), 1);
}

#[tokio::test]
async fn parallel_flow_notifies_everyone_at_once() {
    let emu = LeapSignEmulator::start().await;
    let id = launch_ok(&emu, false, Some("https://example.com/cb/7")).await;
    let process = emu.project(&id).expect("project");
    assert_eq!(signer_statuses(&process), ["NOTIFIED", "NOTIFIED"]);
    assert_eq!(emu.notifications().len(), 2);
    emu.sign(&id, "BOB@example.com").expect("any order");
    assert_eq!(
        signer_statuses(&emu.project(&id).expect("project")),
        ["NOTIFIED", "SIGNED"]
    );
    emu.sign_all(&id).expect("the rest signs");
    assert_eq!(emu.project(&id).expect("project")["status"], "COMPLETED");
    assert_eq!(emu.notifications().len(), 2, "nobody is e-mailed twice");

    // The callback URL is not on this machine: recorded, never called.
    let delivery = emu
        .wait_for_callback(&id, Duration::from_secs(5))
        .await
        .expect("delivery recorded");
    assert_eq!(delivery.url, "https://example.com/cb/7");
    assert_eq!(delivery.status, None);
}

#[tokio::test]
async fn cancel_follows_the_documented_statuses() {
    let emu = LeapSignEmulator::start().await;
    let id = launch_ok(&emu, true, None).await;
    let (status, body) = call(&emu, reqwest::Method::PUT, &cancel_path(&id)).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let process = emu.project(&id).expect("project");
    assert_eq!(process["status"], "CANCELLED");
    assert!(process["cancelledAt"].is_string());
    assert!(matches!(
        emu.sign(&id, "ann@example.com"),
        Err(EmulatorError::NotInProgress {
            status: "CANCELLED",
            ..
        })
    ));
    let (status, body) = call(&emu, reqwest::Method::PUT, &cancel_path(&id)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 400, "BAD_REQUEST");

    let completed = launch_ok(&emu, false, None).await;
    emu.sign_all(&completed).expect("signed");
    let (status, body) = call(&emu, reqwest::Method::PUT, &cancel_path(&completed)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 400, "BAD_REQUEST");

    let foreign = emu.insert_foreign_project("Lease", &["tenant@example.com"]);
    let (status, body) = call(&emu, reqwest::Method::PUT, &cancel_path(&foreign)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, 403, "FORBIDDEN");
    let (status, process) = call(&emu, reqwest::Method::GET, &process_data_path(&foreign)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(process["createdThroughSignApi"], false);
    assert_eq!(process["status"], "IN_PROGRESS");

    let (status, body) = call(&emu, reqwest::Method::PUT, &cancel_path("unknown-id")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, 404, "NOT_FOUND");
}

#[tokio::test]
async fn deleted_projects_are_gone() {
    let emu = LeapSignEmulator::start().await;
    let id = launch_ok(&emu, false, None).await;
    let (status, _) = call(&emu, reqwest::Method::DELETE, &delete_path(&id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(emu.project(&id), None);
    for (method, path) in [
        (reqwest::Method::GET, process_data_path(&id)),
        (reqwest::Method::PUT, cancel_path(&id)),
        (reqwest::Method::DELETE, delete_path(&id)),
    ] {
        let (status, body) = call(&emu, method, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_error(&body, 404, "NOT_FOUND");
    }
    assert!(matches!(
        emu.sign(&id, "ann@example.com"),
        Err(EmulatorError::UnknownProject { .. })
    ));
    let (status, body) = call(&emu, reqwest::Method::GET, "/api/v1/elsewhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, 404, "NOT_FOUND");
}

#[tokio::test]
async fn faults_are_seen_by_the_client_and_requests_are_recorded() {
    let emu = LeapSignEmulator::start().await;
    let id = launch_ok(&emu, false, None).await;
    let get_url = format!("{}{}", emu.base_url(), process_data_path(&id));
    let get = |client: reqwest::Client| {
        let url = get_url.clone();
        let key = emu.api_key().to_owned();
        async move { client.get(url).header("Authorization", key).send().await }
    };

    emu.inject(Route::LaunchNew, Fault::Status(500), 1);
    let (status, body) = launch(&emu, valid_parts(false, None)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_error(&body, 500, "INTERNAL_SERVER_ERROR");
    assert_eq!(emu.projects().len(), 1, "a faulted launch creates nothing");

    emu.inject(Route::GetProcessData, Fault::Status(503), 1);
    let response = get(client()).await.expect("answered");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("JSON error");
    assert_error(&body, 503, "SERVICE_UNAVAILABLE");

    emu.inject(
        Route::GetProcessData,
        Fault::RateLimited {
            retry_after: "7".to_owned(),
        },
        1,
    );
    let response = get(client()).await.expect("answered");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");

    emu.inject(
        Route::GetProcessData,
        Fault::Delay(Duration::from_millis(400)),
        1,
    );
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client builds");
    let err = get(impatient).await.expect_err("times out");
    assert!(err.is_timeout(), "{err}");

    emu.inject(Route::GetProcessData, Fault::MalformedBody, 1);
    let response = get(client()).await.expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.is_err());

    emu.inject(Route::GetProcessData, Fault::TruncatedBody, 1);
    let response = get(client()).await.expect("headers arrive");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.is_err(), "the body is cut short");

    emu.inject(Route::Cancel, Fault::DropConnection, 1);
    let dropped = client()
        .put(format!("{}{}", emu.base_url(), cancel_path(&id)))
        .header("Authorization", emu.api_key())
        .send()
        .await;
    assert!(dropped.is_err(), "no HTTP status at all");
    assert_eq!(emu.project(&id).expect("project")["status"], "IN_PROGRESS");

    emu.inject(Route::Delete, Fault::Status(404), 2);
    emu.clear_faults();
    let response = get(client()).await.expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.ok(), emu.project(&id));

    let requests = emu.requests();
    let count = |route: Route| {
        requests
            .iter()
            .filter(|request| request.route == Some(route.as_str()))
            .count()
    };
    assert_eq!(emu.request_count(Route::GetProcessData), 6);
    assert_eq!(count(Route::LaunchNew), 2);
    assert_eq!(count(Route::GetProcessData), 6);
    assert_eq!(count(Route::Cancel), 1);
    assert_eq!(count(Route::Delete), 0);
    assert_eq!(requests.len(), 9);
    let launch = &requests[0];
    assert_eq!(launch.method, reqwest::Method::POST);
    assert_eq!(launch.path, LAUNCH_NEW);
    assert_eq!(launch.headers["authorization"], emu.api_key());
    assert!(
        launch
            .body
            .windows(b"name=\"signers\"".len())
            .any(|w| w == b"name=\"signers\""),
        "the multipart body is recorded"
    );
}

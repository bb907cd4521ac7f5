//! What the adapter puts on the wire, checked byte by byte against a mock server: the
//! launch-new form part by part, the headers, the paths, and how error answers are read.

mod support;

use std::time::Duration;

use leap_sign::{LaunchDocument, LaunchRequest, LeapSign, Person, ProjectStatus};
use serde_json::{Value, json};
use signing_core::{
    Document, EnvelopeId, EnvelopeStatus, ErrorKind, EventKind, NewEnvelope, Party, Signer,
    SignerStatus, SigningOrder, SigningProvider, WebhookRequest,
};
use support::{DOCX_TYPE, PDF, form_parts, part};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "wire-test-key";
const LAUNCH_NEW: &str = "/api/v1/external/sign-only-api/projects/launch-new";
const PROJECT: &str = "0b6f4f57-6a3e-4b8e-9d0c-2f3c1b7e9a11";
const CALLBACK_BASE: &str = "https://app.example.com/leap/callbacks";

fn process_data(status: &str) -> Value {
    json!({
        "projectId": PROJECT,
        "name": "NDA",
        "status": status,
        "createdThroughSignApi": true,
        "projectOwner": {"name": "Olga Owner", "organization": "Acme", "email": "olga@example.com", "title": "CEO"},
        "orderedSigners": true,
        "additionalRecipients": ["cc@example.com"],
        "createdAt": "2026-01-02T03:04:05Z",
        "completedAt": if status == "COMPLETED" { json!("2026-01-03T03:04:05Z") } else { Value::Null },
        "cancelledAt": null,
        "document": {"name": "nda.pdf", "contentType": "application/pdf", "size": 10},
        "workflow": {"signers": [
            {"order": 1, "name": "Ann", "organization": "Acme", "email": "ann@example.com", "title": "CFO",
             "status": "NOTIFIED", "signed": false, "notifiedAt": "2026-01-02T03:04:05Z", "signedAt": null},
            {"order": 2, "name": "Bob", "organization": null, "email": "bob@example.com", "title": null,
             "status": "WAITING", "signed": false, "notifiedAt": null, "signedAt": null}
        ]}
    })
}

async fn server_answering_launch(status: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LAUNCH_NEW))
        .respond_with(ResponseTemplate::new(200).set_body_json(process_data(status)))
        .mount(&server)
        .await;
    server
}

fn adapter(server: &MockServer) -> LeapSign {
    support::builder(&server.uri(), KEY)
        .with_callback(CALLBACK_BASE, support::CALLBACK_SECRET)
        .build()
        .expect("valid configuration")
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "exactly one request: {requests:?}");
    requests.remove(0)
}

fn full_request() -> NewEnvelope {
    NewEnvelope::builder()
        .title("NDA")
        .document(Document::new("nda.pdf", PDF))
        .signer(
            Signer::new("Ann", "ann@example.com")
                .organization("Acme")
                .title("CFO"),
        )
        .signer(Signer::new("Bob", "bob@example.com"))
        .order(SigningOrder::Sequential)
        .cc("cc@example.com")
        .cc("audit@example.com")
        .owner(
            Party::new("Olga Owner", "olga@example.com")
                .organization("Acme")
                .title("CEO"),
        )
        .reference("order-42")
        .build()
        .expect("valid request")
}

#[tokio::test]
async fn launch_new_sends_every_documented_part() {
    let server = server_answering_launch("IN_PROGRESS").await;
    let leap = adapter(&server);
    let envelope = leap.send(&full_request()).await.expect("send");
    assert_eq!(envelope.id.as_str(), PROJECT);
    assert_eq!(envelope.status, EnvelopeStatus::Sent);
    assert_eq!(envelope.reference.as_deref(), Some("order-42"));
    assert_eq!(envelope.signers[0].status, SignerStatus::Notified);
    assert_eq!(envelope.signers[1].status, SignerStatus::Waiting);

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), LAUNCH_NEW);
    assert_eq!(
        request.headers["authorization"], KEY,
        "the raw key, no scheme"
    );
    assert_eq!(request.headers["accept"], "application/json");
    let content_type = request.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );

    let parts = form_parts(&request.headers, &request.body).await;
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "name",
            "projectOwner",
            "signers",
            "document",
            "orderedSigners",
            "additionalRecipients",
            "signTasksCompletedCallbackUrl",
        ]
    );
    for text in parts.iter().filter(|p| p.name != "document") {
        assert_eq!(text.file_name, None, "{} is a text part", text.name);
    }
    assert_eq!(part(&parts, "name").text(), "NDA");
    assert_eq!(
        part(&parts, "projectOwner").json(),
        json!({"name": "Olga Owner", "organization": "Acme", "email": "olga@example.com", "title": "CEO"})
    );
    assert_eq!(
        part(&parts, "signers").json(),
        json!({"signers": [
            {"name": "Ann", "organization": "Acme", "email": "ann@example.com", "title": "CFO"},
            {"name": "Bob", "email": "bob@example.com"}
        ]}),
        "the list sits inside its wrapping object"
    );
    let document = part(&parts, "document");
    assert_eq!(document.file_name.as_deref(), Some("nda.pdf"));
    assert_eq!(document.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(&document.body[..], PDF);
    assert_eq!(part(&parts, "orderedSigners").text(), "true");
    assert_eq!(
        part(&parts, "additionalRecipients").json(),
        json!(["cc@example.com", "audit@example.com"])
    );
    let callback = part(&parts, "signTasksCompletedCallbackUrl").text();
    let segments: Vec<&str> = callback
        .strip_prefix(&format!("{CALLBACK_BASE}/v2/"))
        .unwrap_or_else(|| panic!("{callback} is base/v2/nonce/expiry/token"))
        .split('/')
        .collect();
    let [nonce, expires, token] = segments[..] else {
        panic!("{callback} is base/v2/nonce/expiry/token");
    };
    assert_eq!(nonce.len(), 32, "128 random bits in hex: {nonce}");
    assert_eq!(expires, "0", "no lifetime configured");
    assert!(
        !callback.contains("order-42"),
        "the reference is not in the URL"
    );
    assert_eq!(token.len(), 43);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
}

#[tokio::test]
async fn parallel_launch_without_cc_or_callback_leaves_those_parts_out() {
    let server = server_answering_launch("IN_PROGRESS").await;
    let leap = support::builder(&server.uri(), KEY)
        .build()
        .expect("valid configuration");
    let request = NewEnvelope::builder()
        .document(Document::new("contract.docx", support::docx()))
        .signer(Signer::new("Ann", "ann@example.com"))
        .owner(Party::new("Olga", "olga@example.com"))
        .build()
        .unwrap();
    leap.send(&request).await.expect("send");

    let request = only_request(&server).await;
    let parts = form_parts(&request.headers, &request.body).await;
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "name",
            "projectOwner",
            "signers",
            "document",
            "orderedSigners"
        ]
    );
    assert_eq!(
        part(&parts, "name").text(),
        "contract.docx",
        "the title defaults to the document name"
    );
    assert_eq!(part(&parts, "orderedSigners").text(), "false");
    let document = part(&parts, "document");
    assert_eq!(document.file_name.as_deref(), Some("contract.docx"));
    assert_eq!(document.content_type.as_deref(), Some(DOCX_TYPE));
}

#[tokio::test]
async fn the_document_type_comes_from_its_content_and_a_callers_url_is_sent_as_given() {
    let server = server_answering_launch("IN_PROGRESS").await;
    let leap = adapter(&server);
    let request = NewEnvelope::builder()
        .document(Document::new("scan.pdf", PDF).with_content_type("application/octet-stream"))
        .signer(Signer::new("Ann", "ann@example.com"))
        .owner(Party::new("Olga", "olga@example.com"))
        .callback_url("https://app.example.com/own/doc-7")
        .build()
        .unwrap();
    leap.send(&request).await.expect("send");
    let request = only_request(&server).await;
    let parts = form_parts(&request.headers, &request.body).await;
    assert_eq!(
        part(&parts, "document").content_type.as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        part(&parts, "signTasksCompletedCallbackUrl").text(),
        "https://app.example.com/own/doc-7"
    );
}

#[tokio::test]
async fn every_launch_gets_its_own_random_nonce() {
    let server = server_answering_launch("IN_PROGRESS").await;
    let leap = adapter(&server);
    // The same reference twice, and one no URL segment could hold: never in the URL.
    let request = support::request(1)
        .reference("orders/42?x")
        .build()
        .unwrap();
    leap.send(&request).await.unwrap();
    leap.send(&request).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let mut nonces = Vec::new();
    for request in &requests {
        let parts = form_parts(&request.headers, &request.body).await;
        let url = part(&parts, "signTasksCompletedCallbackUrl")
            .text()
            .to_owned();
        assert!(!url.contains("orders"), "{url}");
        let nonce = url
            .strip_prefix(&format!("{CALLBACK_BASE}/v2/"))
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_owned();
        assert!(uuid::Uuid::parse_str(&nonce).is_ok(), "{nonce}");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1]);
}

#[tokio::test]
async fn the_typed_client_sends_a_launch_request_as_built() {
    let server = server_answering_launch("IN_PROGRESS").await;
    let leap = adapter(&server);
    let launch = LaunchRequest::new(
        "Typed",
        Person::new("Olga", "olga@example.com"),
        vec![Person::new("Ann", "ann@example.com").organization("Acme")],
        LaunchDocument::new("a.pdf", "application/pdf", PDF),
    )
    .ordered_signers(true)
    .callback_url("https://app.example.com/cb/1");
    let data = leap.client().launch_new(&launch).await.expect("launch");
    assert_eq!(data.project_id.as_str(), PROJECT);
    assert_eq!(data.status, Some(ProjectStatus::InProgress));
    assert_eq!(data.raw(), &process_data("IN_PROGRESS"));

    let request = only_request(&server).await;
    let parts = form_parts(&request.headers, &request.body).await;
    assert_eq!(part(&parts, "name").text(), "Typed");
    assert_eq!(
        part(&parts, "signers").json(),
        json!({"signers": [{"name": "Ann", "organization": "Acme", "email": "ann@example.com"}]})
    );
    assert_eq!(
        part(&parts, "signTasksCompletedCallbackUrl").text(),
        "https://app.example.com/cb/1"
    );

    let bad_type = LaunchRequest::new(
        "Typed",
        Person::new("Olga", "olga@example.com"),
        vec![Person::new("Ann", "ann@example.com")],
        LaunchDocument::new("a.pdf", "not a mime type", PDF),
    );
    let err = leap.client().launch_new(&bad_type).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "document.content_type"),
        "{err:?}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "refused before sending"
    );
}

#[tokio::test]
async fn reads_cancels_and_deletes_use_their_documented_paths() {
    let server = MockServer::start().await;
    let get_path = format!("/api/v1/external/projects/info-for-sign-only-integrator/{PROJECT}");
    let cancel_path = format!("/api/v1/external/sign-only-api/projects/cancel/{PROJECT}");
    let delete_path = format!("/api/v1/external/sign-only-api/projects/{PROJECT}");
    Mock::given(method("GET"))
        .and(path(get_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(process_data("CANCELLED")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(cancel_path.as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(delete_path.as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let leap = adapter(&server);
    let id = EnvelopeId::new(PROJECT);
    let envelope = leap.get(&id).await.expect("get");
    assert_eq!(envelope.status, EnvelopeStatus::Cancelled);
    assert_eq!(envelope.title.as_deref(), Some("NDA"));
    assert_eq!(envelope.raw, process_data("CANCELLED"));
    leap.cancel(&id).await.expect("cancel");
    leap.delete(&id).await.expect("delete");

    let requests = server.received_requests().await.unwrap();
    let seen: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_owned()))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET".to_owned(), get_path),
            ("PUT".to_owned(), cancel_path),
            ("DELETE".to_owned(), delete_path)
        ]
    );
    for request in &requests {
        assert_eq!(request.headers["authorization"], KEY);
        assert_eq!(request.headers["accept"], "application/json");
        assert!(request.body.is_empty());
    }
}

#[tokio::test]
async fn project_ids_cannot_leave_their_path_segment() {
    let server = MockServer::start().await;
    let leap = adapter(&server);
    let err = leap
        .get(&EnvelopeId::new("../../sign-only-api/projects/launch-new"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let request = only_request(&server).await;
    assert_eq!(
        request.url.path(),
        "/api/v1/external/projects/info-for-sign-only-integrator/..%2F..%2Fsign-only-api%2Fprojects%2Flaunch-new"
    );

    // A dot segment would climb the path (`get("..")` read `/api/v1/external/projects/`): it is
    // refused before anything is sent.
    for id in ["..", ".", ""] {
        let id = EnvelopeId::new(id);
        for err in [
            leap.get(&id).await.unwrap_err(),
            leap.cancel(&id).await.unwrap_err(),
            leap.delete(&id).await.unwrap_err(),
        ] {
            assert!(
                matches!(err.kind(), signing_core::ErrorKind::InvalidRequest { field, .. } if field == "id"),
                "{id}: {err:?}"
            );
        }
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

async fn answer_launch_with(status: u16, body: Value) -> signing_core::Error {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LAUNCH_NEW))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    let leap = adapter(&server);
    let err = leap
        .send(&support::request(1).build().unwrap())
        .await
        .expect_err("refused");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "never retried"
    );
    assert_eq!(err.provider(), Some("leap-sign"));
    assert_eq!(err.status(), Some(status));
    err
}

#[tokio::test]
async fn documented_launch_errors_keep_status_and_message() {
    let err = answer_launch_with(
        400,
        json!({"status": 400, "error": "BAD_REQUEST", "message": "Unsupported file format: x.pdf"}),
    )
    .await;
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { reason, .. } if reason == "Unsupported file format: x.pdf"),
        "{err:?}"
    );

    let err = answer_launch_with(
        403,
        json!({"status": 403, "error": "FORBIDDEN", "message": "invalid External API Key"}),
    )
    .await;
    assert!(
        matches!(err.kind(), ErrorKind::PermissionDenied { message } if message == "invalid External API Key"),
        "{err:?}"
    );

    let err = answer_launch_with(
        500,
        json!({"status": 500, "error": "INTERNAL_SERVER_ERROR", "message": "malformed request body: unknown part"}),
    )
    .await;
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { reason, .. } if reason.contains("malformed request body")),
        "a documented 500 is the request's fault: {err:?}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_completed_callback_is_confirmed_with_process_data() {
    let server = server_answering_launch("IN_PROGRESS").await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/v1/external/projects/info-for-sign-only-integrator/{PROJECT}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(process_data("COMPLETED")))
        .mount(&server)
        .await;
    let leap = adapter(&server);
    leap.send(&full_request()).await.unwrap();
    let launch = only_request(&server).await;
    let parts = form_parts(&launch.headers, &launch.body).await;
    let url = part(&parts, "signTasksCompletedCallbackUrl")
        .text()
        .to_owned();
    let callback_path = url.strip_prefix("https://app.example.com").unwrap();

    let body = json!({"projectId": PROJECT, "status": "COMPLETED"}).to_string();
    let delivery = WebhookRequest::new(http::HeaderMap::new(), body).with_path(callback_path);
    let events = leap
        .parse_webhook(&delivery)
        .await
        .expect("genuine callback");
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.kind, EventKind::Completed);
    assert!(event.verified);
    assert_eq!(event.id.as_str(), format!("leap-sign:completed:{PROJECT}"));
    assert_eq!(
        event.envelope_id.as_ref().map(EnvelopeId::as_str),
        Some(PROJECT)
    );
    assert_eq!(
        event.raw,
        json!({"projectId": PROJECT, "status": "COMPLETED"})
    );
    assert!(event.occurred_at.is_some());

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2, "launch-new, then one confirming read");
    assert_eq!(requests[1].method.as_str(), "GET");
}

/// A server whose first `verb` to `route` is carried out but answered too late, and whose
/// later ones answer `then`.
async fn late_then(verb: &str, route: &str, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_millis(500)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(then)
        .mount(&server)
        .await;
    server
}

fn timing_out(server: &MockServer) -> LeapSign {
    support::builder(&server.uri(), KEY)
        .with_timeout(Duration::from_millis(200))
        .build()
        .unwrap()
}

async fn methods_seen(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect()
}

#[tokio::test]
async fn a_retried_cancel_refused_because_it_already_worked_succeeds() {
    let cancel_path = format!("/api/v1/external/sign-only-api/projects/cancel/{PROJECT}");
    let already = json!({"status": 400, "error": "BAD_REQUEST", "message": "project is CANCELLED"});
    for (state, expected_ok) in [("CANCELLED", true), ("COMPLETED", false)] {
        let server = late_then(
            "PUT",
            &cancel_path,
            ResponseTemplate::new(400).set_body_json(&already),
        )
        .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(process_data(state)))
            .mount(&server)
            .await;
        let result = timing_out(&server).cancel(&EnvelopeId::new(PROJECT)).await;
        if expected_ok {
            result.expect("the first attempt cancelled it");
        } else {
            let err = result.unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::InvalidState { .. }),
                "{err:?}"
            );
        }
        assert_eq!(
            methods_seen(&server).await,
            ["PUT", "PUT", "GET"],
            "{state}"
        );
    }

    // Without an ambiguous attempt before it, a refusal is reported as it is.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(400).set_body_json(&already))
        .mount(&server)
        .await;
    let err = timing_out(&server)
        .cancel(&EnvelopeId::new(PROJECT))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidState { .. }),
        "{err:?}"
    );
    assert_eq!(methods_seen(&server).await, ["PUT"]);
}

#[tokio::test]
async fn a_retried_delete_that_finds_nothing_left_succeeds() {
    let delete_path = format!("/api/v1/external/sign-only-api/projects/{PROJECT}");
    let gone = json!({"status": 404, "error": "NOT_FOUND", "message": "project not found"});
    let server = late_then(
        "DELETE",
        &delete_path,
        ResponseTemplate::new(404).set_body_json(&gone),
    )
    .await;
    timing_out(&server)
        .delete(&EnvelopeId::new(PROJECT))
        .await
        .expect("the first attempt deleted it");
    assert_eq!(methods_seen(&server).await, ["DELETE", "DELETE"]);
}

#[tokio::test]
async fn answers_are_read_whole_and_capped() {
    let get_path = format!("/api/v1/external/projects/info-for-sign-only-integrator/{PROJECT}");
    // About 1 MB: more than one read from the connection, so the pieces are put together.
    let mut large = process_data("IN_PROGRESS");
    large["notes"] = Value::String("x".repeat(1_000_000));
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(get_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&large))
        .mount(&server)
        .await;
    let envelope = adapter(&server)
        .get(&EnvelopeId::new(PROJECT))
        .await
        .expect("get");
    assert_eq!(envelope.raw, large);

    // Over the 4 MiB cap: refused once that much has arrived.
    large["notes"] = Value::String("x".repeat(5 * 1024 * 1024));
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(get_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&large))
        .mount(&server)
        .await;
    let err = adapter(&server)
        .get(&EnvelopeId::new(PROJECT))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedResponse { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("larger than"), "{err}");
}

//! The exact requests the adapter sends, asserted with `wiremock`: token form fields, bearer
//! header, JSON bodies, query strings and multipart parts.

// Each test walks one whole exchange; splitting them would hide the sequence.
#![allow(clippy::too_many_lines)]

use std::collections::BTreeMap;

use heysign::{
    AgreementId, EditSignee, HeySignBuilder, ListParams, NewTenant, NewTheme, NewWebhook, SigneeId,
    SortOrder, UploadFile,
};
use serde_json::{Value, json};
use signing_core::{Document, NewEnvelope, Signer, SigningProvider};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const AGREEMENT: &str = "67dd069b-637c-4b8e-8d92-17a313d06fb8";
/// The SHA-256 of the document the wire test sends, `%PDF-1.7 nda`.
const NDA_SHA256: &str = "4352929d0ff4a838516124433931b25699815942304d608fdcd8bb9b8dffc753";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "token-abc",
            "expires_in": 86400,
            "token_type": "Bearer"
        })))
        .mount(&server)
        .await;
    server
}

fn provider(server: &MockServer) -> heysign::HeySign {
    HeySignBuilder::new()
        .with_api_url(server.uri())
        .with_auth_url(server.uri())
        .with_client_credentials("the-id", "the-secret")
        .with_issuer("Acme AB")
        .build()
        .unwrap()
}

fn agreement(status: &str) -> Value {
    json!({
        "id": AGREEMENT, "created_date": "2026-01-02T03:04:05Z", "issuer": "Acme AB",
        "title": "NDA", "status": status, "status_date": "2026-01-02T03:04:05Z",
        "document_ids": [], "signee_ids": [], "metadata": {"customer": "42"}
    })
}

fn form(request: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

async fn requests_to(server: &MockServer, method: &str, path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == method && r.url.path() == path)
        .collect()
}

#[tokio::test]
async fn send_speaks_the_documented_wire_format() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/agreements"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [], "type": "agreement", "page": {"offset": 0, "limit": 100},
            "total_pages": 0, "total_items": 0
        })))
        .mount(&server)
        .await;
    // With a reference, a file an earlier attempt uploaded is looked for first: none here.
    Mock::given(method("GET"))
        .and(path("/v1/files"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [], "type": "file", "page": {"offset": 0, "limit": 100},
            "total_pages": 0, "total_items": 0
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/files"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "8a0cfb4f-ddc9-436d-91bb-75133c583767", "created_date": "2026-01-02T03:04:05Z",
            "metadata": {}, "name": "nda.pdf", "size": 12,
            // SHA-256 of "%PDF-1.7 nda".
            "sha256": NDA_SHA256, "content_type": "application/pdf"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/agreements"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"data": agreement("Draft"), "type": "agreement"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/signees"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {
            "id": "5d5b1c1e-0000-4000-8000-000000000001", "agreement_id": AGREEMENT,
            "created_date": "2026-01-02T03:04:05Z", "status": "Draft",
            "attributes": {"email": "ada@example.com"}, "metadata": {}
        }, "type": "signee"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/agreements/{AGREEMENT}/submit")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let request = NewEnvelope::builder()
        .title("NDA")
        .document(Document::new("nda.pdf", &b"%PDF-1.7 nda"[..]))
        .signer(
            Signer::new("Ada Lovelace", "ada@example.com")
                .organization("Engines")
                .national_id(signing_core::NationalId::swedish_personal_number(
                    "191212121212",
                )),
        )
        .metadata("customer", "42")
        .reference("order-7")
        .build()
        .unwrap();
    let envelope = provider(&server).send(&request).await.unwrap();
    assert_eq!(envelope.id.as_str(), AGREEMENT);
    // `raw` is the agreement exactly as answered, without the `{"data": ...}` wrapper.
    assert_eq!(envelope.raw, agreement("Draft"));

    // The token: form fields as documented, on the auth host.
    let token = requests_to(&server, "POST", "/oauth/token").await;
    assert_eq!(token.len(), 1);
    assert_eq!(
        token[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        form(&token[0]),
        BTreeMap::from([
            ("client_id".to_owned(), "the-id".to_owned()),
            ("client_secret".to_owned(), "the-secret".to_owned()),
            ("grant_type".to_owned(), "client_credentials".to_owned()),
        ])
    );

    // The reference lookup: metadata filter in the query string.
    let lookup = &requests_to(&server, "GET", "/v1/agreements").await[0];
    let query: BTreeMap<String, String> = lookup.url.query_pairs().into_owned().collect();
    assert_eq!(query["metadata[signing.reference]"], "order-7");
    assert_eq!(lookup.headers["authorization"], "Bearer token-abc");

    // The upload: one multipart part named `file` with name and content type.
    let upload = &requests_to(&server, "POST", "/v1/files").await[0];
    let content_type = upload.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8_lossy(&upload.body);
    assert!(
        body.contains("name=\"file\"; filename=\"nda.pdf\""),
        "{body}"
    );
    assert!(body.contains("Content-Type: application/pdf"), "{body}");
    assert!(body.contains("%PDF-1.7 nda"), "{body}");

    // The agreement: documented field names, the document as Primary, the reference stored, the
    // signers' e-mails by position (a signee's answer documents nothing but its id), and the
    // send's own nonce, by which it finds its draft if the create's answer is lost.
    let mut create = json_body(&requests_to(&server, "POST", "/v1/agreements").await[0]);
    let attempt = create["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("signing.attempt")
        .expect("the attempt nonce");
    assert_eq!(
        attempt.as_str().map(str::len),
        Some(36),
        "a UUID: {attempt}"
    );
    assert_eq!(
        create,
        json!({
            "issuer": "Acme AB",
            "title": "NDA",
            "documents": [{"file_id": "8a0cfb4f-ddc9-436d-91bb-75133c583767", "type": "Primary"}],
            "metadata": {
                "customer": "42",
                "signing.reference": "order-7",
                "signing.signer.0": "ada@example.com"
            },
            "notifications": {"type": "Email"}
        })
    );

    // The signee: attributes with the personal number, the name in metadata.
    let signee = json_body(&requests_to(&server, "POST", "/v1/signees").await[0]);
    assert_eq!(
        signee,
        json!({
            "agreement_id": AGREEMENT,
            "attributes": {"email": "ada@example.com", "se_personal_number": "191212121212"},
            "metadata": {"signing.name": "Ada Lovelace", "signing.organization": "Engines"}
        })
    );
    let submit = &requests_to(
        &server,
        "POST",
        &format!("/v1/agreements/{AGREEMENT}/submit"),
    )
    .await;
    assert!(submit[0].body.is_empty());
}

/// Mounts everything a send needs, with `submit` answering `submit_status`, and the agreement
/// reading back as `status_after`.
async fn mount_send(server: &MockServer, submit_status: u16, status_after: &str) {
    Mock::given(method("POST"))
        .and(path("/v1/files"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "f-1"})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/agreements"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"data": agreement("Draft"), "type": "agreement"})),
        )
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/signees"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {
            "id": "s-1", "agreement_id": AGREEMENT, "status": "Draft",
            "attributes": {"email": "ada@example.com"}, "metadata": {}
        }, "type": "signee"})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/agreements/{AGREEMENT}/submit")))
        .respond_with(ResponseTemplate::new(submit_status))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/agreements/{AGREEMENT}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": agreement(status_after), "type": "agreement"})),
        )
        .mount(server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v1/agreements/{AGREEMENT}")))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
}

fn one_signer() -> NewEnvelope {
    NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_failed_submit_that_went_through_counts_as_sent() {
    let server = server().await;
    mount_send(&server, 502, "Pending").await;
    let envelope = provider(&server).send(&one_signer()).await.unwrap();
    assert_eq!(envelope.id.as_str(), AGREEMENT);
    // Nothing was deleted, and submit was not repeated (checked by `expect(1)` on drop).
    assert!(
        requests_to(&server, "DELETE", &format!("/v1/agreements/{AGREEMENT}"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_failed_submit_that_did_not_go_through_deletes_the_draft() {
    let server = server().await;
    mount_send(&server, 502, "Draft").await;
    let err = provider(&server).send(&one_signer()).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(
        requests_to(&server, "DELETE", &format!("/v1/agreements/{AGREEMENT}"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn typed_client_requests() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/agreements"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [agreement("Pending")], "type": "agreement",
            "page": {"offset": 10, "limit": 5}, "total_pages": 3, "total_items": 11
        })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/signees/s-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "id": "s-1", "agreement_id": AGREEMENT, "status": "Draft",
            "attributes": {"email": "new@example.com"}, "metadata": {}
        }, "type": "signee"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/files"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "f-1", "name": "logo.png", "metadata": {"kind": "logo"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/webhooks"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {
            "id": "w-1", "url": "https://app.example.com/hooks",
            "events": ["agreement.completed"], "secret": "whsec_c2VjcmV0"
        }, "type": "webhook"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/tenants"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {
            "id": "t-1", "name": "Sub", "language_code": "sv", "time_zone": null
        }, "type": "tenant"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/themes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {
            "id": "th-1", "name": "Brand", "color_primary_hex": "#112233"
        }, "type": "theme"})))
        .mount(&server)
        .await;

    let heysign = provider(&server);
    let client = heysign.client();
    let page = client
        .agreements()
        .list(
            &ListParams::new()
                .offset(10)
                .limit(5)
                .sort("title", SortOrder::Descending)
                .metadata("customer", "42"),
        )
        .await
        .unwrap();
    assert_eq!(page.total_items, Some(11));
    assert_eq!(page.data[0].id, AgreementId::new(AGREEMENT));
    assert_eq!(page.data[0].raw.to_value().unwrap()["issuer"], "Acme AB");
    let list = &requests_to(&server, "GET", "/v1/agreements").await[0];
    assert_eq!(
        list.url.query(),
        Some(
            "page.offset=10&page.limit=5&sort.field=title&sort.order=Descending&metadata%5Bcustomer%5D=42"
        )
    );

    client
        .signees()
        .edit(
            &SigneeId::new("s-1"),
            &EditSignee::new()
                .set("email", "new@example.com")
                .remove("se_personal_number"),
        )
        .await
        .unwrap();
    let edit = json_body(&requests_to(&server, "PUT", "/v1/signees/s-1").await[0]);
    assert_eq!(
        edit,
        json!({"attributes": {"email": "new@example.com", "se_personal_number": null}})
    );

    let mut upload = UploadFile::new("logo.png", "image/png", &b"\x89PNG"[..]);
    upload.metadata.insert("kind".into(), "logo".into());
    client.files().upload(&upload).await.unwrap();
    let body = requests_to(&server, "POST", "/v1/files").await[0]
        .body
        .clone();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("name=\"metadata[kind]\""), "{body}");
    assert!(body.contains("Content-Type: image/png"), "{body}");

    let created = client
        .webhooks()
        .create(&NewWebhook::new("https://app.example.com/hooks").events(["agreement.completed"]))
        .await
        .unwrap();
    assert!(!format!("{created:?}").contains("c2VjcmV0"));
    assert_eq!(
        json_body(&requests_to(&server, "POST", "/v1/webhooks").await[0]),
        json!({"url": "https://app.example.com/hooks", "events": ["agreement.completed"]})
    );

    let mut tenant = NewTenant::new("Sub");
    tenant.language_code = Some("sv".into());
    assert_eq!(
        client
            .tenants()
            .create(&tenant)
            .await
            .unwrap()
            .name
            .as_deref(),
        Some("Sub")
    );
    assert_eq!(
        json_body(&requests_to(&server, "POST", "/v1/tenants").await[0]),
        json!({"name": "Sub", "language_code": "sv"})
    );
    let mut theme = NewTheme::new("Brand");
    theme.color_primary_hex = Some("#112233".into());
    client.themes().create(&theme).await.unwrap();
    assert_eq!(
        json_body(&requests_to(&server, "POST", "/v1/themes").await[0]),
        json!({"name": "Brand", "color_primary_hex": "#112233"})
    );
}

#[tokio::test]
async fn documents_are_streamed_page_by_page() {
    use futures_util::TryStreamExt;

    let server = server().await;
    let document = |i: u32| json!({"id": format!("d-{i}"), "agreement_id": AGREEMENT, "file_id": "f-1", "type": "Primary"});
    for (offset, count) in [(0, 2), (2, 2), (4, 1)] {
        let page: Vec<Value> = (offset..offset + count).map(document).collect();
        Mock::given(method("GET"))
            .and(path("/v1/documents"))
            .and(wiremock::matchers::query_param(
                "page.offset",
                offset.to_string(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .expect(1)
            .mount(&server)
            .await;
    }
    let ids: Vec<String> = provider(&server)
        .client()
        .documents()
        .list_all(
            ListParams::new()
                .limit(2)
                .agreement(AgreementId::new(AGREEMENT)),
        )
        .map_ok(|d| d.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["d-0", "d-1", "d-2", "d-3", "d-4"]);
}

#[tokio::test]
async fn errors_keep_the_status_and_the_problem_detail() {
    let server = server().await;
    let cases = [
        (400, "Issuer is required", "InvalidRequest"),
        (401, "token expired", "Unauthenticated"),
        (403, "missing tenants:create", "PermissionDenied"),
        (404, "Agreement not found", "NotFound"),
        (409, "Agreement is not in Draft", "InvalidState"),
    ];
    for (status, detail, kind) in cases {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "t", "expires_in": 86400, "token_type": "Bearer"
            })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/v1/agreements/{AGREEMENT}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "type": "about:blank", "title": "Title", "status": status, "detail": detail
            })))
            .mount(&server)
            .await;
        let err = provider(&server)
            .client()
            .agreements()
            .get(&AgreementId::new(AGREEMENT))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(
            format!("{:?}", err.kind()).starts_with(kind),
            "{status}: {err:?}"
        );
        assert!(err.to_string().contains(detail), "{err}");
        assert_eq!(err.provider(), Some("heysign"));
    }
}

#[tokio::test]
async fn answers_are_read_whole_and_capped() {
    let server = server().await;
    // About 1 MB: more than one read from the connection, so the pieces are put together.
    let mut large = agreement("Pending");
    large["metadata"]["notes"] = Value::String("x".repeat(1_000_000));
    Mock::given(method("GET"))
        .and(path(format!("/v1/agreements/{AGREEMENT}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": large, "type": "agreement"})),
        )
        .mount(&server)
        .await;
    let read = provider(&server)
        .client()
        .agreements()
        .get(&AgreementId::new(AGREEMENT))
        .await
        .unwrap();
    assert_eq!(read.metadata["notes"].len(), 1_000_000);
    assert_eq!(read.raw, large);

    // Over the 8 MiB cap: refused, not read into memory.
    let server = self::server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/agreements/{AGREEMENT}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"id": AGREEMENT, "status": "Pending", "padding": "x".repeat(9 * 1024 * 1024)}
        })))
        .mount(&server)
        .await;
    let err = provider(&server)
        .client()
        .agreements()
        .get(&AgreementId::new(AGREEMENT))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            signing_core::ErrorKind::UnexpectedResponse { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/agreements/{AGREEMENT}")))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/elsewhere"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/elsewhere"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": agreement("Pending"), "type": "agreement"})),
        )
        .expect(0)
        .mount(&server)
        .await;
    let err = provider(&server)
        .client()
        .agreements()
        .get(&AgreementId::new(AGREEMENT))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(302), "{err:?}");
}

#[tokio::test]
async fn a_failed_submit_counts_as_sent_only_when_the_agreement_proves_it() {
    // A 409 on submit followed by a read-back that does not show the agreement pending (or
    // completed) is a failed send, whatever else it shows.
    for status_after in ["Deleted", "Cancelled", "Archived", "Draft"] {
        let server = server().await;
        mount_send(&server, 409, status_after).await;
        let err = provider(&server).send(&one_signer()).await.unwrap_err();
        assert_eq!(err.status(), Some(409), "{status_after}: {err:?}");
    }
    for status_after in ["Pending", "Completed", "PENDING"] {
        let server = server().await;
        mount_send(&server, 409, status_after).await;
        let envelope = provider(&server).send(&one_signer()).await.unwrap();
        assert_eq!(
            envelope.status,
            signing_core::EnvelopeStatus::Sent,
            "{status_after}"
        );
    }
}

/// A server whose metadata filter is ignored: every listing answers `agreements`.
async fn ignoring_filters(agreements: Value) -> MockServer {
    let server = server().await;
    let total = agreements.as_array().map_or(0, Vec::len);
    Mock::given(method("GET"))
        .and(path("/v1/agreements"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": agreements, "type": "agreement", "total_items": total
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/files"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_reference_lookup_checks_every_hit_and_never_deletes_others_drafts() {
    let unrelated = json!([
        {"id": "other-sent", "status": "Pending", "metadata": {"signing.reference": "someone-else"}},
        {"id": "other-draft", "status": "Draft", "metadata": {"signing.reference": "someone-else"}}
    ]);
    let server = ignoring_filters(unrelated).await;
    mount_send(&server, 204, "Pending").await;
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .reference("mine")
        .build()
        .unwrap();
    let envelope = provider(&server).send(&request).await.unwrap();
    // Not the unrelated agreement the ignored filter returned: a new one, submitted.
    assert_eq!(envelope.id.as_str(), AGREEMENT);
    for id in ["other-sent", "other-draft"] {
        assert!(
            requests_to(&server, "DELETE", &format!("/v1/agreements/{id}"))
                .await
                .is_empty(),
            "{id} was deleted"
        );
    }
    assert_eq!(
        requests_to(
            &server,
            "POST",
            &format!("/v1/agreements/{AGREEMENT}/submit")
        )
        .await
        .len(),
        1
    );
}

#[tokio::test]
async fn a_left_over_draft_with_the_same_reference_is_left_alone() {
    // A draft with this reference, created long before: an interrupted send's. It is neither
    // returned nor deleted, and does not block the new send.
    let left_over = json!([{
        "id": "left-over", "status": "Draft", "created_date": "2020-01-01T00:00:00Z",
        "metadata": {"signing.reference": "order-7"}
    }]);
    let server = ignoring_filters(left_over).await;
    mount_send(&server, 204, "Pending").await;
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .reference("order-7")
        .build()
        .unwrap();
    let envelope = provider(&server).send(&request).await.unwrap();
    assert_eq!(envelope.id.as_str(), AGREEMENT);
    assert!(
        requests_to(&server, "DELETE", "/v1/agreements/left-over")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn uploads_use_the_recognised_type_and_their_reported_digest_is_checked() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/files"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "f-1", "sha256": "0000000000000000000000000000000000000000000000000000000000000000"
        })))
        .mount(&server)
        .await;
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]).with_content_type("text/html"))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap();
    let err = provider(&server).send(&request).await.unwrap_err();
    assert!(
        matches!(err.kind(), signing_core::ErrorKind::UnexpectedResponse { message } if message.contains("SHA-256")),
        "{err:?}"
    );
    let upload = &requests_to(&server, "POST", "/v1/files").await[0];
    let body = String::from_utf8_lossy(&upload.body);
    assert!(body.contains("Content-Type: application/pdf"), "{body}");
    assert!(!body.contains("text/html"), "{body}");
    // No agreement was created on a file holding other bytes.
    assert!(
        requests_to(&server, "POST", "/v1/agreements")
            .await
            .is_empty()
    );
}

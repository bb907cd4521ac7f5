//! The exact requests the adapter sends, asserted with `wiremock`: the JWT assertion and its
//! form, the userinfo call, bearer headers, JSON bodies (strings for numbers and booleans) and
//! query strings.

// Each test walks one whole exchange; splitting them would hide the sequence.
#![allow(clippy::too_many_lines)]

mod support;

use std::collections::BTreeMap;

use docusign::{DocuSign, DocuSignBuilder, EnvelopeId, EnvelopeStatus, ListEnvelopes};
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use signing_core::{Document, ListQuery, NewEnvelope, Signer, SigningOrder, SigningProvider};
use signing_testkit::emulator::docusign::DocuSignEmulator;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ACCOUNT: &str = "0e7d3c5b-8a2f-4b6e-9d1c-7f4a2e8b5c96";
const ENVELOPE: &str = "4b1e3f0a-59a4-4c7e-b7a8-2d1c0e9f8a77";
const KEY: &str = "5c2b8d7a-4e1f-4a9b-9c3d-2f6e8a1b7c40";
const USER: &str = "9a4f6c21-3b8e-4d7f-a1c5-6e2d9b0f8a13";

fn base() -> String {
    format!("/restapi/v2.1/accounts/{ACCOUNT}")
}

/// A server playing both hosts: the token endpoint, userinfo (the API on the same server) and
/// whatever the test mounts.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "token-abc", "token_type": "Bearer", "expires_in": 3600
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/oauth/userinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sub": USER,
            "accounts": [
                {"account_id": "other", "is_default": false, "account_name": "Other", "base_uri": "https://other.invalid"},
                {"account_id": ACCOUNT, "is_default": true, "account_name": "Main", "base_uri": server.uri()}
            ]
        })))
        .mount(&server)
        .await;
    server
}

/// The emulator's test key pair: the private key signs, the emulator would verify.
async fn pem() -> &'static str {
    DocuSignEmulator::start().await.private_key_pem()
}

async fn provider(server: &MockServer) -> DocuSign {
    DocuSignBuilder::new()
        .with_auth_url(server.uri())
        .with_integration_key(KEY)
        .with_user_id(USER)
        .with_private_key_pem(pem().await)
        .build()
        .unwrap()
}

fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn form(request: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
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

fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn send_speaks_the_documented_wire_format() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/envelopes", base())))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "envelopeId": ENVELOPE, "uri": format!("/envelopes/{ENVELOPE}"),
            "statusDateTime": "2026-01-02T03:04:05.1234567Z", "status": "sent"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request = NewEnvelope::builder()
        .title("Lease")
        .document(Document::new("lease.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada Lovelace", "ada@example.com"))
        .signer(Signer::new("Bob Builder", "bob@example.com"))
        .order(SigningOrder::Sequential)
        .cc("records@example.com")
        .metadata("customer", "42")
        .callback_url("https://app.example.com/connect?tenant=7")
        .build()
        .unwrap();
    let docusign = provider(&server).await;
    let envelope = docusign.send(&request).await.unwrap();
    assert_eq!(envelope.id.as_str(), ENVELOPE);
    assert_eq!(envelope.status, signing_core::EnvelopeStatus::Sent);
    assert_eq!(
        envelope
            .signers
            .iter()
            .map(|s| s.status.clone())
            .collect::<Vec<_>>(),
        [
            signing_core::SignerStatus::Notified,
            signing_core::SignerStatus::Waiting
        ]
    );
    assert_eq!(envelope.raw.to_value().unwrap()["status"], "sent");

    // The JWT grant: a form with the grant type and an RS256 assertion over the documented
    // claims, `aud` the bare authority of the auth host.
    let token = requests_to(&server, "POST", "/oauth/token").await;
    assert_eq!(token.len(), 1);
    assert_eq!(
        token[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let fields = form(&token[0]);
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        ["assertion", "grant_type"]
    );
    assert_eq!(
        fields["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    assert!(token[0].headers.get("authorization").is_none());
    let header = jsonwebtoken::decode_header(&fields["assertion"]).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let claims: Value =
        jsonwebtoken::dangerous::insecure_decode_claims(&fields["assertion"]).unwrap();
    let authority = server.uri().trim_start_matches("http://").to_owned();
    assert_eq!(claims["iss"], KEY);
    assert_eq!(claims["sub"], USER);
    assert_eq!(claims["aud"], authority.as_str());
    assert_eq!(claims["scope"], "signature impersonation");
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);
    assert_eq!(claims.as_object().unwrap().len(), 6, "{claims}");

    // Userinfo once, with the new token; the default account's base_uri is used.
    let info = requests_to(&server, "GET", "/oauth/userinfo").await;
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].headers["authorization"], "Bearer token-abc");

    // The envelope, in one request: every number and boolean a string.
    let create = requests_to(&server, "POST", &format!("{}/envelopes", base())).await;
    assert_eq!(create[0].headers["authorization"], "Bearer token-abc");
    // Multipart: the definition as JSON, then the document's bytes in a part of their own.
    let content_type = create[0].headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    assert_eq!(create[0].headers["accept"], "application/json");
    let parts = support::multipart_parts(content_type, &create[0].body);
    assert_eq!(parts.len(), 2);
    assert_eq!(
        support::part_header(&parts[0].0, "content-type"),
        "application/json"
    );
    assert_eq!(
        support::part_header(&parts[0].0, "content-disposition"),
        "form-data"
    );
    assert_eq!(
        support::part_header(&parts[1].0, "content-disposition"),
        "file; filename=\"lease.pdf\"; documentid=1"
    );
    assert_eq!(
        support::part_header(&parts[1].0, "content-type"),
        "application/pdf"
    );
    assert_eq!(parts[1].1, b"%PDF-1.7");
    assert_eq!(
        serde_json::from_slice::<Value>(&parts[0].1).unwrap(),
        json!({
            "emailSubject": "Lease",
            "status": "sent",
            "documents": [{
                "documentId": "1", "name": "lease.pdf", "fileExtension": "pdf"
            }],
            "recipients": {
                "signers": [
                    {"recipientId": "1", "name": "Ada Lovelace", "email": "ada@example.com", "routingOrder": "1"},
                    {"recipientId": "2", "name": "Bob Builder", "email": "bob@example.com", "routingOrder": "2"}
                ],
                "carbonCopies": [
                    {"recipientId": "3", "name": "records@example.com", "email": "records@example.com", "routingOrder": "3"}
                ]
            },
            "customFields": {"textCustomFields": [
                {"name": "customer", "value": "42", "show": "false", "required": "false"}
            ]},
            "eventNotification": {
                "url": "https://app.example.com/connect?tenant=7",
                "loggingEnabled": "true",
                "requireAcknowledgment": "true",
                "includeHMAC": "true",
                "envelopeEvents": [
                    {"envelopeEventStatusCode": "Sent"},
                    {"envelopeEventStatusCode": "Delivered"},
                    {"envelopeEventStatusCode": "Completed"},
                    {"envelopeEventStatusCode": "Declined"},
                    {"envelopeEventStatusCode": "Voided"}
                ],
                "recipientEvents": [
                    {"recipientEventStatusCode": "Sent"},
                    {"recipientEventStatusCode": "Delivered"},
                    {"recipientEventStatusCode": "Completed"},
                    {"recipientEventStatusCode": "Declined"},
                    {"recipientEventStatusCode": "AutoResponded"}
                ],
                "eventData": {"version": "restv2.1", "includeData": ["recipients"]}
            }
        })
    );
}

#[tokio::test]
async fn a_reference_is_looked_up_by_custom_field_and_checked_exactly() {
    let server = server().await;
    // DocuSign's search matched `order-7%`-like values too: only the exact one counts.
    Mock::given(method("GET"))
        .and(path(format!("{}/envelopes", base())))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultSetSize": "2", "totalSetSize": "2", "startPosition": "0", "endPosition": "1",
            "envelopes": [
                {"envelopeId": "near-miss", "status": "sent",
                 "customFields": {"textCustomFields": [{"name": "signing.reference", "value": "ORDER-7"}]}},
                {"envelopeId": ENVELOPE, "status": "completed",
                 "customFields": {"textCustomFields": [{"name": "signing.reference", "value": "order-7"}]}}
            ]
        })))
        .mount(&server)
        .await;
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .reference("order-7")
        .build()
        .unwrap();
    let envelope = provider(&server).await.send(&request).await.unwrap();
    assert_eq!(envelope.id.as_str(), ENVELOPE);
    assert_eq!(envelope.reference.as_deref(), Some("order-7"));
    let listed = requests_to(&server, "GET", &format!("{}/envelopes", base())).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        query(&listed[0]),
        [
            ("from_date".to_owned(), "2000-01-01T00:00:00Z".to_owned()),
            (
                "custom_field".to_owned(),
                "signing.reference=order-7".to_owned()
            ),
            ("count".to_owned(), "100".to_owned()),
            ("start_position".to_owned(), "0".to_owned()),
            ("include".to_owned(), "recipients,custom_fields".to_owned()),
        ]
    );
    assert!(
        requests_to(&server, "POST", &format!("{}/envelopes", base()))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn reads_void_delete_and_documents_use_the_documented_paths() {
    let server = server().await;
    let envelope_path = format!("{}/envelopes/{ENVELOPE}", base());
    Mock::given(method("GET"))
        .and(path(envelope_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "envelopeId": ENVELOPE, "status": "created", "emailSubject": "Draft"
        })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(envelope_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envelopeId": ENVELOPE})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{}/folders/recyclebin", base())))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{envelope_path}/documents/certificate")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/pdf")
                .set_body_bytes(&b"%PDF-1.4 certificate"[..]),
        )
        .mount(&server)
        .await;
    let docusign = provider(&server).await;
    let id = signing_core::EnvelopeId::new(ENVELOPE);
    let got = docusign.get(&id).await.unwrap();
    assert_eq!(got.status, signing_core::EnvelopeStatus::Draft);
    docusign.cancel(&id).await.unwrap();
    docusign.delete(&id).await.unwrap();
    let certificate = docusign
        .client()
        .documents()
        .certificate(&EnvelopeId::new(ENVELOPE))
        .await
        .unwrap();
    assert_eq!(&certificate[..], b"%PDF-1.4 certificate");

    let gets = requests_to(&server, "GET", &envelope_path).await;
    assert_eq!(
        query(&gets[0]),
        [("include".to_owned(), "recipients,custom_fields".to_owned())]
    );
    let puts = requests_to(&server, "PUT", &envelope_path).await;
    assert_eq!(
        json_body(&puts[0]),
        json!({"status": "voided", "voidedReason": "Cancelled by the sender."})
    );
    let moved = requests_to(&server, "PUT", &format!("{}/folders/recyclebin", base())).await;
    assert_eq!(json_body(&moved[0]), json!({"envelopeIds": [ENVELOPE]}));
    let certificate = requests_to(
        &server,
        "GET",
        &format!("{envelope_path}/documents/certificate"),
    )
    .await;
    assert_eq!(certificate[0].headers["accept"], "application/pdf");
}

#[tokio::test]
async fn listings_page_by_position_and_filter_by_one_custom_field() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/envelopes", base())))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultSetSize": "2", "totalSetSize": "5", "startPosition": "2", "endPosition": "3",
            "envelopes": [
                {"envelopeId": "e-3", "status": "sent", "customFields": {"textCustomFields": [
                    {"name": "run", "value": "r1"}, {"name": "parity", "value": "odd"}]}},
                {"envelopeId": "e-4", "status": "sent", "customFields": {"textCustomFields": [
                    {"name": "run", "value": "r1"}, {"name": "parity", "value": "even"}]}}
            ]
        })))
        .mount(&server)
        .await;
    let docusign = provider(&server).await;
    let page = docusign
        .list(
            &ListQuery::new()
                .metadata("run", "r1")
                .metadata("parity", "even")
                .page_size(2)
                .page_token("2"),
        )
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e-4"]);
    assert_eq!(page.next_page.as_deref(), Some("4"));
    // The server's total counts the first filter only: not reported.
    assert_eq!(page.total, None);
    let listed = requests_to(&server, "GET", &format!("{}/envelopes", base())).await;
    let q = query(&listed[0]);
    assert!(
        q.contains(&("custom_field".to_owned(), "parity=even".to_owned())),
        "{q:?}"
    );
    assert!(q.contains(&("count".to_owned(), "2".to_owned())));
    assert!(q.contains(&("start_position".to_owned(), "2".to_owned())));

    // The typed client passes statuses and dates as DocuSign names them.
    let params = ListEnvelopes::since(time::macros::datetime!(2026-01-01 00:00 UTC))
        .status(EnvelopeStatus::Completed)
        .count(2)
        .start_position(2);
    let page = docusign.client().envelopes().list(&params).await.unwrap();
    assert_eq!(page.total_set_size, Some(5));
    assert_eq!(page.start_position, Some(2));
    assert_eq!(page.envelopes[1].envelope_id.as_str(), "e-4");
    let listed = requests_to(&server, "GET", &format!("{}/envelopes", base())).await;
    assert!(
        query(&listed[1]).contains(&("from_date".to_owned(), "2026-01-01T00:00:00Z".to_owned()))
    );
    assert!(query(&listed[1]).contains(&("status".to_owned(), "completed".to_owned())));
}

#[tokio::test]
async fn the_configured_account_is_used_and_an_unknown_one_is_refused() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/restapi/v2.1/accounts/other/envelopes/e-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envelopeId": "e-1"})))
        .mount(&server)
        .await;
    let build = |account: &str| {
        DocuSignBuilder::new()
            .with_auth_url(server.uri())
            .with_integration_key(KEY)
            .with_user_id(USER)
            .with_account_id(account)
    };
    let pem = pem().await;
    // `other` lives on a host that does not resolve: nothing is sent there.
    let other = build("other").with_private_key_pem(pem).build().unwrap();
    let err = other
        .get(&signing_core::EnvelopeId::new("e-1"))
        .await
        .unwrap_err();
    assert!(
        !matches!(err.kind(), signing_core::ErrorKind::PermissionDenied { .. }),
        "{err:?}"
    );
    assert_eq!(
        other.client().account().await.unwrap().base_uri,
        "https://other.invalid"
    );
    let unknown = build("nope").with_private_key_pem(pem).build().unwrap();
    let err = unknown
        .get(&signing_core::EnvelopeId::new("e-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), signing_core::ErrorKind::PermissionDenied { message } if message.contains("nope")),
        "{err:?}"
    );
    assert_eq!(err.provider(), Some("docusign"));
}

#[tokio::test]
async fn the_assertion_verifies_with_the_public_key() {
    // The emulator checks the signature and every claim; a token proves the assertion good.
    let emulator = DocuSignEmulator::start().await;
    let docusign = DocuSignBuilder::new()
        .with_auth_url(emulator.auth_url())
        .with_integration_key(emulator.integration_key())
        .with_user_id(emulator.user_id())
        .with_private_key_pem(emulator.private_key_pem())
        .build()
        .unwrap();
    let account = docusign.client().account().await.unwrap();
    assert_eq!(account.account_id.as_str(), emulator.account_id());
    assert_eq!(account.base_uri, emulator.api_base_uri());
}

//! What an attacker-controlled id or a hostile server can do to the adapter: ids that try to
//! leave their path segment, a listing that ignores its position, a userinfo answer pointing
//! the API elsewhere, absurd token lifetimes.

use std::time::Duration;

use docusign::{DocuSign, DocuSignBuilder, EnvelopeId, ListEnvelopes};
use futures_util::TryStreamExt;
use serde_json::json;
use signing_core::{
    Document, EnvelopeId as CoreId, ErrorKind, NewEnvelope, RetryPolicy, Signer, SigningProvider,
};
use signing_testkit::emulator::docusign::DocuSignEmulator;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Ends a test that would otherwise hang.
const BOUND: Duration = Duration::from_secs(20);
const ACCOUNT: &str = "acc-1";

async fn server_with(expires_in: serde_json::Value, base_uri: Option<&str>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok", "token_type": "Bearer", "expires_in": expires_in
        })))
        .mount(&server)
        .await;
    let base_uri = base_uri.map_or_else(|| server.uri(), str::to_owned);
    Mock::given(method("GET"))
        .and(path("/oauth/userinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accounts": [{"account_id": ACCOUNT, "is_default": true, "base_uri": base_uri}]
        })))
        .mount(&server)
        .await;
    server
}

async fn server() -> MockServer {
    server_with(json!(3600), None).await
}

async fn provider(server: &MockServer) -> DocuSign {
    DocuSignBuilder::new()
        .with_auth_url(server.uri())
        .with_integration_key("ik")
        .with_user_id("user")
        .with_private_key_pem(DocuSignEmulator::start().await.private_key_pem())
        .with_retry(RetryPolicy::never())
        .build()
        .unwrap()
}

async fn api_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().starts_with("/restapi/"))
        .collect()
}

#[tokio::test]
async fn ids_cannot_climb_out_of_their_path_segment() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path_regex("^/restapi/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envelopeId": "x"})))
        .mount(&server)
        .await;
    let docusign = provider(&server).await;
    docusign.get(&CoreId::new("../../x/y")).await.unwrap();
    // The answer is no PDF, which a document download refuses; the path is what matters here.
    docusign
        .client()
        .documents()
        .get(
            &EnvelopeId::new("e-1"),
            &docusign::DocumentId::new("../certificate"),
        )
        .await
        .unwrap_err();
    let paths: Vec<String> = api_requests(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/restapi/v2.1/accounts/acc-1/envelopes/..%2F..%2Fx%2Fy",
            "/restapi/v2.1/accounts/acc-1/envelopes/e-1/documents/..%2Fcertificate",
        ]
    );

    // `..`, `.` and empty ids are refused before anything is sent to the API.
    for id in ["..", ".", ""] {
        for err in [
            docusign.get(&CoreId::new(id)).await.unwrap_err(),
            docusign.cancel(&CoreId::new(id)).await.unwrap_err(),
            docusign.delete(&CoreId::new(id)).await.unwrap_err(),
            docusign.download(&CoreId::new(id)).await.unwrap_err(),
        ] {
            assert!(
                matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "id"),
                "{id:?}: {err:?}"
            );
            assert_eq!(err.provider(), Some("docusign"));
        }
    }
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_listing_that_ignores_its_position_ends_in_an_error_not_a_hang() {
    let server = server().await;
    // Every page is the first one, full, and says more follow.
    Mock::given(method("GET"))
        .and(path(format!("/restapi/v2.1/accounts/{ACCOUNT}/envelopes")))
        .respond_with(|request: &Request| {
            let count: usize = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "count")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(100);
            let envelopes: Vec<_> = (0..count)
                .map(|i| json!({"envelopeId": format!("e-{i}"), "status": "sent",
                    "customFields": {"textCustomFields": [{"name": "signing.reference", "value": "r"}]}}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "envelopes": envelopes, "totalSetSize": "1000000", "startPosition": "0"
            }))
        })
        .mount(&server)
        .await;
    let docusign = provider(&server).await;
    let walked = tokio::time::timeout(
        BOUND,
        docusign
            .client()
            .envelopes()
            .list_all(ListEnvelopes::since(docusign::LIST_FROM_DATE).count(3))
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("no hang");
    let err = walked.unwrap_err();
    assert!(err.to_string().contains("same page twice"), "{err}");
    assert_eq!(api_requests(&server).await.len(), 2);

    // The reference lookup stops the same way, and nothing is created.
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .reference("a-reference-that-is-not-r")
        .build()
        .unwrap();
    let err = tokio::time::timeout(BOUND, docusign.send(&request))
        .await
        .expect("no hang")
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedResponse { .. }),
        "{err:?}"
    );
    assert!(
        api_requests(&server)
            .await
            .iter()
            .all(|r| r.method.as_str() == "GET")
    );
}

#[tokio::test]
async fn a_userinfo_answer_cannot_send_the_token_over_plain_http_elsewhere() {
    let server = server_with(json!(3600), Some("http://api.example.com")).await;
    let docusign = provider(&server).await;
    let err = docusign.get(&CoreId::new("e-1")).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedResponse { message } if message.contains("base_uri")),
        "{err:?}"
    );

    let empty = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "t", "expires_in": 60})),
        )
        .mount(&empty)
        .await;
    Mock::given(method("GET"))
        .and(path("/oauth/userinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accounts": []})))
        .mount(&empty)
        .await;
    let err = provider(&empty)
        .await
        .get(&CoreId::new("e-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::PermissionDenied { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_hostile_token_lifetime_does_not_panic() {
    for lifetime in [json!(u64::MAX), json!("0"), json!(-5), json!("soon")] {
        let server = server_with(lifetime.clone(), None).await;
        Mock::given(method("GET"))
            .and(path_regex("^/restapi/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"envelopeId": "e"})))
            .mount(&server)
            .await;
        provider(&server)
            .await
            .get(&CoreId::new("e"))
            .await
            .unwrap_or_else(|e| panic!("{lifetime}: {e}"));
    }
}

#[tokio::test]
async fn answers_without_what_docusign_promises_are_unexpected_not_panics() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/restapi/v2.1/accounts/{ACCOUNT}/envelopes")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"status": "sent"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/restapi/.*/envelopes/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[1, 2, 3]"))
        .mount(&server)
        .await;
    let docusign = provider(&server).await;
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap();
    // A create answered without an id may have created the envelope.
    let err = docusign.send(&request).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    let err = docusign.get(&CoreId::new("e-1")).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedResponse { .. }),
        "{err:?}"
    );
}

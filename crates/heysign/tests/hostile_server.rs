//! What an attacker-controlled id or a hostile server can do to the adapter: each test is a
//! finding of the security review of the transport, which failed before the shared HTTP layer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use heysign::{AgreementId, HeySign, HeySignBuilder, ListParams, WebhookId};
use serde_json::json;
use signing_core::{
    Document, EnvelopeId, ErrorKind, ListQuery, NewEnvelope, RetryPolicy, Signer, SigningProvider,
    TransportKind,
};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Ends a test that would otherwise hang.
const BOUND: Duration = Duration::from_secs(20);

async fn with_token(expires_in: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok", "token_type": "Bearer", "expires_in": expires_in,
        })))
        .mount(&server)
        .await;
    server
}

fn provider(server: &MockServer) -> HeySign {
    builder(server).build().unwrap()
}

fn builder(server: &MockServer) -> HeySignBuilder {
    HeySignBuilder::new()
        .with_api_url(server.uri())
        .with_auth_url(server.uri())
        .with_client_credentials("id", "secret")
        .with_issuer("Acme AB")
        .with_retry(RetryPolicy::never())
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

#[tokio::test]
async fn ids_cannot_climb_out_of_their_path_segment() {
    let server = with_token(json!(3600)).await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let heysign = provider(&server);
    heysign
        .client()
        .agreements()
        .delete(&AgreementId::new("../webhooks/wh_1"))
        .await
        .unwrap();
    heysign
        .client()
        .webhooks()
        .delete(&WebhookId::new("../../../x"))
        .await
        .unwrap();
    let paths: Vec<String> = received(&server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/v1/agreements/..%2Fwebhooks%2Fwh_1",
            "/v1/webhooks/..%2F..%2F..%2Fx"
        ]
    );

    // `..` itself is refused before anything is sent.
    let before = received(&server).await.len();
    for id in ["..", ".", ""] {
        let err = heysign.get(&EnvelopeId::new(id)).await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "id"),
            "{id:?}: {err:?}"
        );
        assert_eq!(err.provider(), Some("heysign"));
    }
    assert_eq!(received(&server).await.len(), before);
}

#[tokio::test]
async fn a_hostile_token_lifetime_does_not_panic() {
    for lifetime in [json!(u64::MAX), json!(u64::MAX / 2), json!(0)] {
        let server = with_token(lifetime.clone()).await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"data": [], "total_items": 0})),
            )
            .mount(&server)
            .await;
        let heysign = provider(&server);
        heysign
            .client()
            .signees()
            .all_of(&AgreementId::new("a-1"))
            .await
            .unwrap_or_else(|e| panic!("{lifetime}: {e}"));
    }
}

/// A server that ignores `page.offset` and gives no totals: every page is the first one, full.
async fn ignoring_offsets() -> MockServer {
    let server = with_token(json!(3600)).await;
    let agreement = |i: usize| json!({"id": format!("a-{i}"), "status": "Pending", "metadata": {"signing.reference": "r-1"}});
    let signee = |i: usize| {
        json!({"id": format!("s-{i}"), "agreement_id": "a-1", "status": "Pending",
               "attributes": {"email": format!("s{i}@example.com")}})
    };
    Mock::given(method("GET"))
        .and(path("/v1/agreements"))
        .respond_with(move |request: &Request| {
            let limit = limit_of(request);
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": (0..limit).map(agreement).collect::<Vec<_>>()}))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/signees"))
        .respond_with(move |request: &Request| {
            let limit = limit_of(request);
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": (0..limit).map(signee).collect::<Vec<_>>()}))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/v1/agreements/[^/]+$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": agreement(1)})))
        .mount(&server)
        .await;
    server
}

fn limit_of(request: &Request) -> usize {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "page.limit")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(20)
}

#[tokio::test]
async fn a_server_that_ignores_the_offset_ends_in_an_error_not_a_hang() {
    let server = ignoring_offsets().await;
    let heysign = provider(&server);
    let unexpected = |err: signing_core::Error| {
        assert!(
            matches!(err.kind(), ErrorKind::UnexpectedResponse { message } if message.contains("same page twice")),
            "{err:?}"
        );
    };
    let get = tokio::time::timeout(BOUND, heysign.get(&EnvelopeId::new("a-1")))
        .await
        .expect("get ends");
    unexpected(get.unwrap_err());
    let list = tokio::time::timeout(BOUND, heysign.list(&ListQuery::new()))
        .await
        .expect("list ends");
    unexpected(list.unwrap_err());
    let request = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .reference("r-1")
        .build()
        .unwrap();
    let send = tokio::time::timeout(BOUND, heysign.send(&request))
        .await
        .expect("send ends");
    unexpected(send.unwrap_err());
    let streamed = tokio::time::timeout(
        BOUND,
        futures_util::TryStreamExt::try_collect::<Vec<_>>(
            heysign.client().agreements().list_all(ListParams::new()),
        ),
    )
    .await
    .expect("the stream ends");
    unexpected(streamed.unwrap_err());
}

#[tokio::test]
async fn an_auth_host_that_never_answers_fails_every_waiter_once() {
    let auth = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    let heysign = Arc::new(
        builder(&api)
            .with_auth_url(auth.uri())
            .with_timeout(Duration::from_millis(300))
            .build()
            .unwrap(),
    );
    let started = Instant::now();
    let results = join_all((0..5).map(|i| {
        let heysign = Arc::clone(&heysign);
        async move { heysign.get(&EnvelopeId::new(format!("a-{i}"))).await }
    }))
    .await;
    let elapsed = started.elapsed();
    for result in results {
        let err = result.unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::Transport {
                    kind: TransportKind::Timeout,
                    ..
                }
            ),
            "{err:?}"
        );
    }
    assert_eq!(
        received(&auth).await.len(),
        1,
        "one token request for five calls"
    );
    assert_eq!(heysign.client().token_requests(), 1);
    // One timeout for all of them, not one after the other.
    assert!(elapsed < Duration::from_millis(1200), "{elapsed:?}");
    assert!(received(&api).await.is_empty());
}

#[tokio::test]
async fn a_5xx_answer_to_a_create_is_outcome_unknown_and_not_repeated() {
    let server = with_token(json!(3600)).await;
    for status in [500, 502, 504] {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "t"})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v1/files"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let heysign = builder(&server)
            .with_retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
            .build()
            .unwrap();
        let upload = heysign::UploadFile::new("a.pdf", "application/pdf", &b"%PDF-1.7"[..]);
        let err = heysign.client().files().upload(&upload).await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::OutcomeUnknown { operation, .. } if operation == "upload file"),
            "{status}: {err:?}"
        );
        assert!(!err.is_retryable());
        assert_eq!(err.status(), Some(status));
        let uploads = received(&server)
            .await
            .iter()
            .filter(|r| r.url.path() == "/v1/files")
            .count();
        assert_eq!(uploads, 1, "{status}");
    }
}

#[tokio::test]
async fn transport_errors_keep_their_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let heysign = HeySignBuilder::new()
        .with_api_url(&closed)
        .with_auth_url(&closed)
        .with_client_credentials("id", "secret")
        .with_retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = heysign.get(&EnvelopeId::new("a-1")).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "the reqwest error is the source"
    );
}

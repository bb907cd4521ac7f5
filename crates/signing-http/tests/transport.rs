//! The transport against a local server: retries by repeat class, outcome-unknown creates,
//! token renewal and shared token failures, redirects, caps, rate-limit waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, join_all};
use http::Method;
use signing_core::{ErrorKind, RetryPolicy, TransportKind};
use signing_http::{
    Auth, BaseUrl, DefaultErrors, HttpSettings, OAuthErrors, Repeat, Request, Token, TokenCache,
    TokenSource, Transport,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

fn settings() -> HttpSettings {
    HttpSettings::default()
        .timeout(Duration::from_millis(300))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
}

fn transport(auth: Auth) -> Transport {
    settings()
        .transport("test", auth, Arc::new(DefaultErrors))
        .unwrap()
}

fn request(server: &MockServer, method: Method, repeat: Repeat) -> Request {
    let base = BaseUrl::parse("api_url", &server.uri()).unwrap();
    Request::new(method, "do thing", base.url(&["things"]).unwrap(), repeat)
}

async fn hits(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// Answers the `n`-th request with `statuses[n]` (the last one after that).
struct Sequence(Vec<u16>, AtomicUsize);

impl Respond for Sequence {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        let status = self.0[n.min(self.0.len() - 1)];
        ResponseTemplate::new(status).set_body_string("{}")
    }
}

#[tokio::test]
async fn safe_requests_are_retried_and_creates_are_not_after_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Sequence(vec![500, 502, 200], AtomicUsize::new(0)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let transport = transport(Auth::None);
    transport
        .json::<serde_json::Value>(&request(&server, Method::GET, Repeat::Safe))
        .await
        .unwrap();
    assert_eq!(hits(&server).await, 3);

    let err = transport
        .send(&request(&server, Method::POST, Repeat::IfUnsent))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { operation, .. } if operation == "do thing"),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.provider(), Some("test"));
    assert_eq!(hits(&server).await, 4, "the create was sent once");
}

#[tokio::test]
async fn creates_are_repeated_after_a_429_but_not_after_a_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Sequence(vec![429, 201], AtomicUsize::new(0)))
        .mount(&server)
        .await;
    let transport = transport(Auth::None);
    transport
        .send(&request(&server, Method::POST, Repeat::IfUnsent))
        .await
        .unwrap();
    assert_eq!(hits(&server).await, 2);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let err = transport
        .send(&request(&server, Method::POST, Repeat::IfUnsent))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Provider {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn an_unreadable_answer_to_a_create_is_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    let transport = transport(Auth::None);
    let err = transport
        .json::<serde_json::Value>(&request(&server, Method::POST, Repeat::IfUnsent))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    let err = transport
        .json::<serde_json::Value>(&request(&server, Method::POST, Repeat::Safe))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedResponse { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn timeouts_of_creates_are_outcome_unknown_and_of_reads_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let transport = transport(Auth::None);
    let err = transport
        .send(&request(&server, Method::POST, Repeat::IfUnsent))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    let err = transport
        .send(&request(&server, Method::GET, Repeat::Safe))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(hits(&server).await, 4, "one create, three reads");
}

#[tokio::test]
async fn redirects_are_not_followed_and_answers_are_capped() {
    let server = MockServer::start().await;
    Mock::given(path("/things"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/elsewhere"))
        .mount(&server)
        .await;
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b' '; 2048]))
        .mount(&server)
        .await;
    let transport = settings()
        .max_response_bytes(1024)
        .transport("test", Auth::None, Arc::new(DefaultErrors))
        .unwrap();
    let err = transport
        .send(&request(&server, Method::GET, Repeat::Safe))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(302));
    assert_eq!(hits(&server).await, 1);
    let base = BaseUrl::parse("api_url", &server.uri()).unwrap();
    let big = Request::new(
        Method::GET,
        "big",
        base.url(&["big"]).unwrap(),
        Repeat::Safe,
    );
    let err = transport.send(&big).await.unwrap_err();
    assert!(err.to_string().contains("larger than 1024 bytes"), "{err}");
    let allowed = big.max_response_bytes(4096);
    assert_eq!(transport.send(&allowed).await.unwrap().body.len(), 2048);
}

#[tokio::test]
async fn a_429_waits_for_the_rate_limit_reset() {
    let server = MockServer::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let started = Instant::now();
    transport(Auth::None)
        .send(&request(&server, Method::GET, Repeat::Safe))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits(&server).await, 2);
}

/// Tokens from an auth server, through a transport of their own.
#[derive(Debug)]
struct ClientCredentials {
    auth: Transport,
    url: url::Url,
}

impl TokenSource for ClientCredentials {
    fn fetch(&self) -> BoxFuture<'_, signing_core::Result<Token>> {
        async move {
            let request = Request::new(
                Method::POST,
                "token request",
                self.url.clone(),
                Repeat::Safe,
            )
            .unauthenticated()
            .body(signing_http::Body::form([(
                "grant_type",
                "client_credentials",
            )]));
            let fetched_at = Instant::now();
            let answer = self.auth.send_once(&request).await?;
            let token: serde_json::Value = answer.json()?;
            Token::bearer(
                token["access_token"].as_str().unwrap_or_default(),
                token["expires_in"].as_u64(),
                fetched_at,
            )
        }
        .boxed()
    }
}

fn token_cache(auth_server: &MockServer, timeout: Duration) -> Arc<TokenCache> {
    let auth = settings()
        .timeout(timeout)
        .transport("test", Auth::None, Arc::new(OAuthErrors))
        .unwrap();
    let url = BaseUrl::parse("auth_url", &auth_server.uri())
        .unwrap()
        .url(&["oauth", "token"])
        .unwrap();
    Arc::new(TokenCache::new(ClientCredentials { auth, url }))
}

struct Tokens(AtomicUsize);

impl Respond for Tokens {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"access_token": format!("t{n}"), "expires_in": 3600}))
    }
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_within_the_attempt() {
    let auth = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(Tokens(AtomicUsize::new(0)))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    Mock::given(header("authorization", "Bearer t0"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&api)
        .await;
    Mock::given(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&api)
        .await;
    let cache = token_cache(&auth, Duration::from_millis(300));
    let transport = transport(Auth::tokens(Arc::clone(&cache)));
    // A create is safe to send again after a 401: it was refused unprocessed.
    transport
        .send(&request(&api, Method::POST, Repeat::IfUnsent))
        .await
        .unwrap();
    assert_eq!(cache.fetches(), 2);
    assert_eq!(hits(&api).await, 2);
}

#[tokio::test]
async fn an_auth_host_that_never_answers_costs_one_token_request_for_every_waiter() {
    let auth = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    let cache = token_cache(&auth, Duration::from_millis(200));
    let transport = settings()
        .retry(RetryPolicy::never())
        .transport(
            "test",
            Auth::tokens(Arc::clone(&cache)),
            Arc::new(DefaultErrors),
        )
        .unwrap();
    let started = Instant::now();
    let results = join_all((0..5).map(|_| {
        let request = request(&api, Method::GET, Repeat::Safe);
        let transport = transport.clone();
        async move { transport.send(&request).await }
    }))
    .await;
    for result in &results {
        let err = result.as_ref().unwrap_err();
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
    assert_eq!(cache.fetches(), 1);
    assert_eq!(hits(&auth).await, 1);
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits(&api).await, 0, "nothing was sent without a token");
}

#[tokio::test]
async fn a_failed_token_request_before_a_create_leaves_it_repeatable() {
    let auth = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&auth)
        .await;
    Mock::given(path("/oauth/token"))
        .respond_with(Tokens(AtomicUsize::new(0)))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{}"))
        .mount(&api)
        .await;
    let cache = token_cache(&auth, Duration::from_millis(300));
    transport(Auth::tokens(cache))
        .send(&request(&api, Method::POST, Repeat::IfUnsent))
        .await
        .unwrap();
    assert_eq!(hits(&api).await, 1);
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_creates() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = BaseUrl::parse("api_url", &format!("http://127.0.0.1:{port}")).unwrap();
    let create = Request::new(
        Method::POST,
        "create",
        base.url(&["x"]).unwrap(),
        Repeat::IfUnsent,
    );
    let err = transport(Auth::None).send(&create).await.unwrap_err();
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
    let once = Request::new(
        Method::POST,
        "create",
        base.url(&["x"]).unwrap(),
        Repeat::Never,
    );
    let err = transport(Auth::None).send(&once).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_request_header_is_sent_and_the_transports_own_headers_replace_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let mut bearer = http::HeaderValue::from_static("Bearer fresh");
    bearer.set_sensitive(true);
    let request = request(&server, Method::GET, Repeat::Safe)
        .unauthenticated()
        .header(http::header::AUTHORIZATION, bearer)
        .header(
            http::header::ACCEPT,
            http::HeaderValue::from_static("text/plain"),
        );
    assert!(!format!("{request:?}").contains("fresh"));
    transport(Auth::None).send(&request).await.unwrap();
    let key = signing_core::SecretString::from("key-1");
    let with_key =
        Auth::api_key("api_key", http::HeaderName::from_static("x-api-key"), &key).unwrap();
    let keyed = self::request(&server, Method::GET, Repeat::Safe).header(
        http::HeaderName::from_static("x-api-key"),
        http::HeaderValue::from_static("from-the-request"),
    );
    transport(with_key).send(&keyed).await.unwrap();

    let received = server.received_requests().await.unwrap();
    let values = |i: usize, name: &str| -> Vec<String> {
        received[i]
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(values(0, "authorization"), ["Bearer fresh"]);
    assert_eq!(values(0, "accept"), ["application/json"]);
    assert_eq!(values(1, "x-api-key"), ["key-1"]);
}

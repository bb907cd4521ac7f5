//! The loopback HTTP server every emulator runs on: records requests and injects faults.
//!
//! Connections are served by our own accept loop rather than `axum::serve` so that a fault can
//! end one connection's task, which is the only way to close a TCP connection without answering.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use super::fault::{Fault, FaultPlan, RecordedRequest};

/// How much of a request body the server reads before routing it. A body that ends within it
/// is handed to the router whole and recorded whole; a longer one (an upload) is recorded up to
/// here and streamed on to the router, which reads it as it arrives and enforces the provider's
/// own limits, so an upload of any size costs the server a few chunks of memory.
const RECORDED_BODY: usize = 1024 * 1024;

/// How long a truncated response waits after sending its first half before the connection is
/// closed, so the half really leaves the socket before the close.
const TRUNCATE_GRACE: Duration = Duration::from_millis(20);

/// Maps a request to the name of the route it belongs to.
pub(crate) type Classify = fn(&Method, &str) -> Option<&'static str>;

/// Builds the provider's usual error headers and body for a status code.
pub(crate) type ErrorBody = fn(u16) -> (HeaderMap, Bytes);

/// Builds a provider's own answer to [`Fault::RateLimited`] from its `retry_after` value, for a
/// provider that does not answer exceeded limits with 429 and `Retry-After`.
pub(crate) type RateLimitAnswer = Arc<dyn Fn(&str) -> Response<Body> + Send + Sync>;

/// Shared log of recorded requests. Cheap to clone: clones share the same log.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl RequestLog {
    /// Every recorded request, in arrival order.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// How many requests were recorded.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no request was recorded.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// How many recorded requests were classified as `route`.
    pub fn count(&self, route: &str) -> usize {
        self.lock()
            .iter()
            .filter(|request| request.route == Some(route))
            .count()
    }

    /// Forgets every recorded request.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn push(&self, request: RecordedRequest) {
        self.lock().push(request);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A server started by [`serve`]. Dropping it stops the accept loop and every open connection.
#[derive(Debug)]
pub(crate) struct RunningServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The base URL of the server, `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        // The accept task owns the `JoinSet` of connection tasks, so aborting it drops the set,
        // which aborts every connection too.
        self.task.abort();
    }
}

/// Everything a connection needs to handle its requests.
#[derive(Clone)]
struct Handler {
    router: Router,
    classify: Classify,
    faults: FaultPlan,
    log: RequestLog,
    error_body: ErrorBody,
    rate_limited: Option<RateLimitAnswer>,
}

/// Serves `router` on 127.0.0.1:0. Every request is classified by `classify` into a route name,
/// recorded, and checked against `faults` before the router sees it. Stops when dropped.
pub(crate) async fn serve(
    router: Router,
    classify: Classify,
    faults: FaultPlan,
    log: RequestLog,
    error_body: ErrorBody,
) -> std::io::Result<RunningServer> {
    serve_with_rate_limit_answer(router, classify, faults, log, error_body, None).await
}

/// Like [`serve`], but an injected [`Fault::RateLimited`] is answered by `rate_limited` (when
/// given) instead of the usual 429 with `Retry-After`.
pub(crate) async fn serve_with_rate_limit_answer(
    router: Router,
    classify: Classify,
    faults: FaultPlan,
    log: RequestLog,
    error_body: ErrorBody,
    rate_limited: Option<RateLimitAnswer>,
) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let handler = Handler {
        router,
        classify,
        faults,
        log,
        error_body,
        rate_limited,
    };
    let task = tokio::spawn(accept_loop(listener, handler));
    Ok(RunningServer { addr, task })
}

async fn accept_loop(listener: TcpListener, handler: Handler) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                // A failed accept (for example too many open files) only affects that one
                // connection attempt; keep serving the others.
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve_connection(stream, handler.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, handler: Handler) {
    let kill = Arc::new(Notify::new());
    let service_kill = Arc::clone(&kill);
    let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
        let handler = handler.clone();
        let kill = Arc::clone(&service_kill);
        async move { Ok::<_, Infallible>(handle(&handler, request.map(Body::new), &kill).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    // Returning drops the connection future and with it the socket: that is how
    // `DropConnection`, `LostAnswer` and `TruncatedBody` close the connection without finishing
    // the exchange.
    tokio::select! {
        _ = connection => {}
        () = kill.notified() => {}
    }
}

async fn handle(handler: &Handler, request: Request<Body>, kill: &Arc<Notify>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let route = (handler.classify)(&parts.method, parts.uri.path());
    let body = read_start(body).await;
    // Recorded even when the body could not be read, so tests see every attempt.
    handler.log.push(RecordedRequest {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        route,
        headers: parts.headers.clone(),
        body: match &body {
            Ok(start) => start.recorded(),
            Err(_) => Bytes::new(),
        },
    });
    let mut body = match body {
        Ok(body) => body,
        Err(status) => return error_response(handler.error_body, status),
    };
    let fault = route.and_then(|route| handler.faults.take(route));
    if fault.as_ref().is_some_and(Fault::answers_without_routing) {
        // The whole request arrives before the fault's answer, as it would at a real server
        // that refuses it after reading it.
        if let Err(status) = body.drain().await {
            return error_response(handler.error_body, status);
        }
    }
    let request = Request::from_parts(parts, body.into_body());
    match fault {
        None => route_request(handler, request).await,
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_response(handler.error_body, status)
        }
        Some(Fault::RateLimited { retry_after }) => {
            if let Some(answer) = &handler.rate_limited {
                return answer(&retry_after);
            }
            let mut response = error_response(handler.error_body, StatusCode::TOO_MANY_REQUESTS);
            // A value that is not a legal header cannot be sent verbatim; the closest honest
            // answer is a 429 without the header.
            if let Ok(value) = HeaderValue::from_str(&retry_after) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            route_request(handler, request).await
        }
        Some(Fault::MalformedBody) => {
            let mut response = Response::new(Body::from("{\"data\": <not json>"));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Some(Fault::TruncatedBody) => {
            let response = route_request(handler, request).await;
            truncate(response, kill).await
        }
        Some(Fault::DropConnection) => {
            kill.notify_one();
            // The connection task drops this future as soon as it sees the notification.
            std::future::pending().await
        }
        Some(Fault::LostAnswer) => {
            drop(route_request(handler, request).await);
            kill.notify_one();
            std::future::pending().await
        }
    }
}

async fn route_request(handler: &Handler, request: Request<Body>) -> Response<Body> {
    match handler.router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The start of a request body: all of it when it is short, else its first
/// [`RECORDED_BODY`] bytes and the rest still to come.
struct BodyStart {
    start: BytesMut,
    rest: Option<axum::body::BodyDataStream>,
}

impl BodyStart {
    /// What the log keeps: the body, or its first [`RECORDED_BODY`] bytes.
    fn recorded(&self) -> Bytes {
        Bytes::copy_from_slice(&self.start)
    }

    /// The body for the router: whole, or the start followed by the rest as it arrives.
    fn into_body(self) -> Body {
        match self.rest {
            None => Body::from(self.start.freeze()),
            Some(rest) => {
                let start =
                    futures_util::stream::once(futures_util::future::ready(Ok::<_, axum::Error>(
                        self.start.freeze(),
                    )));
                Body::from_stream(start.chain(rest))
            }
        }
    }

    /// Reads and drops the rest; a body that breaks off is a 400.
    async fn drain(&mut self) -> Result<(), StatusCode> {
        if let Some(mut rest) = self.rest.take() {
            while let Some(chunk) = rest.next().await {
                chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
            }
        }
        Ok(())
    }
}

/// Reads the start of a body (see [`BodyStart`]); one that breaks off within it is a 400.
async fn read_start(body: Body) -> Result<BodyStart, StatusCode> {
    let mut stream = body.into_data_stream();
    let mut start = BytesMut::new();
    while start.len() < RECORDED_BODY {
        match stream.next().await {
            Some(chunk) => start.extend_from_slice(&chunk.map_err(|_| StatusCode::BAD_REQUEST)?),
            None => return Ok(BodyStart { start, rest: None }),
        }
    }
    Ok(BodyStart {
        start,
        rest: Some(stream),
    })
}

/// Reads a whole response body (to truncate it).
async fn read_body(body: Body) -> Result<Bytes, StatusCode> {
    let mut stream = body.into_data_stream();
    let mut collected = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        collected.extend_from_slice(&chunk.map_err(|_| StatusCode::BAD_REQUEST)?);
    }
    Ok(collected.freeze())
}

/// Re-sends `response` declaring its full length but with only the first half of the body,
/// then has the connection closed.
async fn truncate(response: Response<Body>, kill: &Arc<Notify>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let full = read_body(body).await.unwrap_or_default();
    let half = full.slice(..full.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    // The stream yields the half, then waits for it to be flushed and asks for the connection to
    // be closed; it never ends on its own, so hyper never sees a complete body.
    let kill = Arc::clone(kill);
    let first = futures_util::stream::once(async move { Ok::<_, Infallible>(half) });
    let rest = futures_util::stream::once(async move {
        tokio::time::sleep(TRUNCATE_GRACE).await;
        kill.notify_one();
        std::future::pending::<Result<Bytes, Infallible>>().await
    });
    Response::from_parts(parts, Body::from_stream(first.chain(rest)))
}

fn error_response(error_body: ErrorBody, status: StatusCode) -> Response<Body> {
    let (headers, body) = error_body(status.as_u16());
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().extend(headers);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(_: &Method, path: &str) -> Option<&'static str> {
        (path == "/x").then_some("x")
    }

    fn error_body(code: u16) -> (HeaderMap, Bytes) {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        (headers, Bytes::from(format!("error {code}")))
    }

    async fn start(faults: FaultPlan, log: RequestLog) -> RunningServer {
        let router = Router::new().route(
            "/x",
            axum::routing::post(|body: Bytes| async move { format!("echo:{}", body.len()) }),
        );
        serve(router, classify, faults, log, error_body)
            .await
            .expect("bind loopback")
    }

    #[tokio::test]
    async fn faults_reach_the_client_and_requests_are_recorded() {
        let faults = FaultPlan::default();
        let log = RequestLog::default();
        let server = start(faults.clone(), log.clone()).await;
        let url = format!("{}/x?a=1", server.base_url());
        let client = reqwest::Client::new();
        let send = || client.post(&url).body("hello world, a longer body").send();

        faults.inject("x", Fault::Status(503), 1);
        faults.inject(
            "x",
            Fault::RateLimited {
                retry_after: "7".into(),
            },
            1,
        );
        faults.inject("x", Fault::MalformedBody, 1);
        faults.inject("x", Fault::TruncatedBody, 1);
        faults.inject("x", Fault::DropConnection, 1);
        faults.inject("x", Fault::Delay(Duration::from_millis(200)), 1);
        faults.inject("x", Fault::LostAnswer, 1);

        let response = send().await.expect("status fault answers");
        assert_eq!(response.status(), 503);
        assert_eq!(response.text().await.expect("body"), "error 503");

        let response = send().await.expect("rate limit answers");
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");

        let response = send().await.expect("malformed body answers");
        assert_eq!(response.status(), 200);
        assert!(
            serde_json::from_slice::<serde_json::Value>(&response.bytes().await.expect("body"))
                .is_err()
        );

        let response = send().await.expect("truncated body sends headers");
        assert_eq!(response.status(), 200);
        assert!(response.bytes().await.is_err(), "truncated body must fail");

        assert!(send().await.is_err(), "dropped connection must fail");

        let started = std::time::Instant::now();
        let response = send().await.expect("delay answers");
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert_eq!(response.text().await.expect("body"), "echo:26");

        assert!(send().await.is_err(), "a lost answer must fail");

        let response = client
            .get(format!("{}/other", server.base_url()))
            .send()
            .await
            .expect("unrouted path answers");
        assert_eq!(response.status(), 404);

        let all = log.all();
        assert_eq!(all.len(), 8);
        assert_eq!(log.count("x"), 7);
        assert_eq!(all[0].query.as_deref(), Some("a=1"));
        assert_eq!(all[0].body, "hello world, a longer body");
        assert_eq!(all[7].route, None);
        log.clear();
        assert!(log.all().is_empty());
    }

    #[tokio::test]
    async fn a_rate_limit_answer_replaces_the_429() {
        let faults = FaultPlan::default();
        let router = Router::new().route("/x", axum::routing::post(|| async { "ok" }));
        let answer: RateLimitAnswer = Arc::new(|retry_after: &str| {
            let mut response = Response::new(Body::from(format!("wait {retry_after}")));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        });
        let server = serve_with_rate_limit_answer(
            router,
            classify,
            faults.clone(),
            RequestLog::default(),
            error_body,
            Some(answer),
        )
        .await
        .expect("bind loopback");
        faults.inject(
            "x",
            Fault::RateLimited {
                retry_after: "9".into(),
            },
            1,
        );
        let client = reqwest::Client::new();
        let url = format!("{}/x", server.base_url());
        let response = client.post(&url).send().await.expect("answers");
        assert_eq!(response.status(), 400);
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
        assert_eq!(response.text().await.expect("body"), "wait 9");
        let response = client.post(&url).send().await.expect("answers");
        assert_eq!(response.text().await.expect("body"), "ok");
    }

    #[tokio::test]
    async fn dropping_the_server_closes_the_port() {
        let server = start(FaultPlan::default(), RequestLog::default()).await;
        let url = format!("{}/x", server.base_url());
        drop(server);
        tokio::task::yield_now().await;
        assert!(reqwest::Client::new().post(&url).send().await.is_err());
    }
}

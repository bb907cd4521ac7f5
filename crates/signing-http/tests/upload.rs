//! Documents streamed into uploads against a local server: what arrives, retries that reopen
//! the document, limits and lengths checked while streaming, one-shot readers never repeated,
//! digests of what was sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use sha2::{Digest, Sha256};
use signing_core::{Capabilities, Document, DocumentFormat, ErrorKind, RetryPolicy};
use signing_http::{
    Auth, BaseUrl, Body, DefaultErrors, DocumentUpload, HttpSettings, Multipart, Repeat, Request,
    Transport,
};

/// One request's headers and its whole body, or why it broke off.
type Arrived = (HeaderMap, Result<Bytes, String>);

/// What the server received: each request's headers and whole body (or the error that broke
/// it off), answering with the statuses given in turn.
#[derive(Clone, Default)]
struct Received {
    bodies: Arc<Mutex<Vec<Arrived>>>,
    answers: Arc<Mutex<Vec<u16>>>,
    count: Arc<AtomicUsize>,
}

async fn server(received: Received) -> String {
    let app = axum::Router::new()
        .route(
            "/upload",
            axum::routing::post(
                |axum::extract::State(received): axum::extract::State<Received>,
                 headers: HeaderMap,
                 body: axum::body::Body| async move {
                    let body = axum::body::to_bytes(body, usize::MAX)
                        .await
                        .map_err(|e| e.to_string());
                    received.count.fetch_add(1, Ordering::SeqCst);
                    received.bodies.lock().unwrap().push((headers, body));
                    let status = {
                        let mut answers = received.answers.lock().unwrap();
                        if answers.len() > 1 {
                            answers.remove(0)
                        } else {
                            answers.first().copied().unwrap_or(200)
                        }
                    };
                    (StatusCode::from_u16(status).unwrap(), "{}")
                },
            ),
        )
        .with_state(received);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn transport() -> Transport {
    HttpSettings::default()
        .timeout(Duration::from_secs(5))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .transport("test", Auth::None, Arc::new(DefaultErrors))
        .unwrap()
}

fn caps(max: Option<u64>) -> Capabilities {
    let mut caps = Capabilities::all();
    caps.formats = vec![DocumentFormat::Pdf];
    caps.max_document_size = max;
    caps
}

fn request(base: &str, upload: &DocumentUpload, repeat: Repeat) -> Request {
    let base = BaseUrl::parse("api_url", base).unwrap();
    let source = upload.clone();
    let form = move || {
        let upload = source.clone();
        async move {
            let opened = upload.open().await?;
            Ok(Multipart::new()
                .text("name", "x")
                .file("file", "a.pdf", opened))
        }
    };
    Request::new(
        Method::POST,
        "upload",
        base.url(&["upload"]).unwrap(),
        repeat,
    )
    .body(Body::multipart(form).streaming(upload))
}

fn pdf(len: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..len - pdf.len()).map(|i| u8::try_from(i % 251).unwrap()));
    pdf
}

/// A file in a folder of its own, removed with the folder when the test ends, passed or not.
fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

/// The file part's content in a received multipart body: after the `%PDF` that starts it, up
/// to the CRLF before the closing boundary line.
fn file_part(body: &[u8]) -> &[u8] {
    let start = body
        .windows(4)
        .position(|w| w == b"%PDF")
        .expect("the document is in the body");
    let end = body
        .windows(4)
        .rposition(|w| w == b"\r\n--")
        .expect("a closing boundary");
    &body[start..end]
}

#[tokio::test]
async fn a_file_streams_whole_is_hashed_and_reopened_by_a_retry() {
    let received = Received::default();
    *received.answers.lock().unwrap() = vec![500, 200];
    let base = server(received.clone()).await;
    let content = pdf(3 * signing_http::CHUNK + 17);
    let (_dir, path) = temp_file("a.pdf", &content);
    let document = Document::from_path(&path).unwrap();
    let upload = DocumentUpload::new("test", &caps(None), 0, &document).with_sha256();
    transport()
        .send(&request(&base, &upload, Repeat::Safe))
        .await
        .unwrap();
    let bodies = received.bodies.lock().unwrap();
    assert_eq!(bodies.len(), 2, "the 500 was retried");
    for (headers, body) in bodies.iter() {
        let body = body.as_ref().unwrap();
        assert_eq!(file_part(body), &content[..]);
        // The length was known, so it was announced.
        assert_eq!(
            headers["content-length"].to_str().unwrap(),
            body.len().to_string()
        );
    }
    let digest: [u8; 32] = Sha256::digest(&content).into();
    assert_eq!(upload.sha256(), Some(digest));
}

#[tokio::test]
async fn a_reader_over_the_limit_stops_with_the_usual_error_and_sends_no_whole_request() {
    let received = Received::default();
    let base = server(received.clone()).await;
    let content = Bytes::from(pdf(5 * signing_http::CHUNK));
    let opened = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&opened);
    let document = Document::from_reader("big.pdf", move || {
        counter.fetch_add(1, Ordering::SeqCst);
        let content = content.clone();
        async move { Ok(futures_util::io::Cursor::new(content)) }
    });
    let limit = 2 * signing_http::CHUNK as u64;
    let upload = DocumentUpload::new("test", &caps(Some(limit)), 0, &document);
    let err = transport()
        .send(&request(&base, &upload, Repeat::IfUnsent))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { field, reason }
            if field == "documents[0].content" && reason.contains(&format!("at most {limit} bytes"))),
        "{err:?}"
    );
    assert_eq!(err.provider(), Some("test"));
    assert_eq!(opened.load(Ordering::SeqCst), 1, "not retried");
    // Whatever reached the server was cut short.
    tokio::time::sleep(Duration::from_millis(50)).await;
    for (_, body) in received.bodies.lock().unwrap().iter() {
        assert!(body.is_err(), "a whole request arrived");
    }
}

#[tokio::test]
async fn formats_and_lengths_are_checked_before_and_while_streaming() {
    let received = Received::default();
    let base = server(received.clone()).await;
    let send = |document: Document| {
        let base = base.clone();
        async move {
            let upload = DocumentUpload::new("test", &caps(None), 1, &document);
            transport()
                .send(&request(&base, &upload, Repeat::IfUnsent))
                .await
        }
    };
    let text = Document::from_reader("a.pdf", || async {
        Ok(futures_util::io::Cursor::new(b"plain text, not a pdf"))
    });
    let err = send(text).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "documents[1].content"),
        "{err:?}"
    );
    assert_eq!(
        received.count.load(Ordering::SeqCst),
        0,
        "refused before sending"
    );

    let short = Document::from_reader("a.pdf", || async {
        Ok(futures_util::io::Cursor::new(b"%PDF-1.7 short"))
    })
    .with_size(100);
    let err = send(short).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { reason, .. } if reason.contains("ended after 14 of the 100 bytes")),
        "{err:?}"
    );

    let empty = Document::from_reader("a.pdf", || async { Ok(futures_util::io::Cursor::new(b"")) });
    let err = send(empty).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { reason, .. } if reason.contains("empty")),
        "{err:?}"
    );

    let (_dir, path) = temp_file("grown.pdf", b"%PDF-1.7 a");
    let grown = Document::from_path(&path).unwrap();
    std::fs::write(&path, b"%PDF-1.7 a longer one").unwrap();
    let err = send(grown).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { reason, .. } if reason.contains("is 21 bytes now")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_one_shot_reader_makes_the_request_never_repeated() {
    let received = Received::default();
    *received.answers.lock().unwrap() = vec![502, 200];
    let base = server(received.clone()).await;
    let document = Document::from_reader_once(
        "a.pdf",
        futures_util::io::Cursor::new(pdf(2 * signing_http::CHUNK)),
    );
    let upload = DocumentUpload::new("test", &caps(None), 0, &document);
    let request = request(&base, &upload, Repeat::Safe);
    assert_eq!(request.repeat(), Repeat::Never);
    let err = transport().send(&request).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(received.count.load(Ordering::SeqCst), 1);
}

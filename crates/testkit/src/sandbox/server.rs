//! The sandbox's HTTP side: routes, the checks every request passes, and the forms' effects.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use signing_core::EnvelopeId;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::html::{self, Html};
use super::pages::{self, Flash};
use crate::control::{Control, ControlErrorKind, SignerAction};
use crate::emulator::urlencoded;

const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/live.js");

/// The pages' policy: only the sandbox's own style sheet, script, documents and forms.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     connect-src 'self'; img-src 'self'; object-src 'self'; frame-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Everything a request can reach.
struct App {
    controls: Vec<Arc<dyn Control>>,
    /// The origins the pages are served from: forms are accepted only from them.
    origins: [String; 2],
    /// The `Host` values the sandbox answers to (a guard against DNS rebinding).
    hosts: [String; 2],
}

impl App {
    fn control(&self, provider: &str) -> Option<&dyn Control> {
        self.controls
            .iter()
            .find(|control| control.provider() == provider)
            .map(AsRef::as_ref)
    }
}

/// Serves the pages on `listener` until `stopped` fires.
pub(super) fn spawn(
    listener: TcpListener,
    port: u16,
    controls: Vec<Arc<dyn Control>>,
    stopped: oneshot::Receiver<()>,
) {
    let app = Arc::new(App {
        controls,
        origins: [
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
        ],
        hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
    });
    let router = Router::new()
        .route("/", get(envelopes))
        .route("/outbox", get(outbox))
        .route("/deliveries", get(deliveries))
        .route("/faults", get(faults))
        .route("/faults/{provider}", post(inject))
        .route("/faults/{provider}/clear", post(clear_faults))
        .route("/sign/{provider}/{envelope}/{email}", get(signing_page))
        .route("/sign/{provider}/{envelope}/{email}/{action}", post(act))
        .route("/documents/{provider}/{envelope}/{index}", get(document))
        .route(
            "/documents/{provider}/{envelope}/{index}/download",
            get(download),
        )
        .route("/assets/style.css", get(style))
        .route("/assets/live.js", get(script))
        .fallback(|| async { page(StatusCode::NOT_FOUND, &pages::not_found("No such page.")) })
        .layer(middleware::from_fn_with_state(Arc::clone(&app), guard))
        .with_state(app);
    tokio::spawn(async move {
        // Ends when the sandbox is dropped; an accept error ends the pages but not the
        // emulators, and there is no one to tell.
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
}

/// Refuses requests for another host name and forms from another site, and adds the security
/// headers to every answer.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    if let Some(refusal) = check(&app, request.method(), request.headers()) {
        return refusal;
    }
    let mut response = next.run(request).await;
    // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` with
    // the sandbox's own forms, which the check above refuses.
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Why a request must be refused, if it must.
fn check(app: &App, method: &Method, headers: &HeaderMap) -> Option<Response> {
    let header_is = |name: header::HeaderName, allowed: &[String]| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| allowed.iter().any(|allowed| allowed == value))
    };
    if !header_is(header::HOST, &app.hosts) {
        return Some(refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "This sandbox answers only to its own address.",
        ));
    }
    if method == Method::POST {
        let origin_ok =
            headers.get(header::ORIGIN).is_none() || header_is(header::ORIGIN, &app.origins);
        let site_ok = headers
            .get("sec-fetch-site")
            .is_none_or(|site| site == "same-origin" || site == "none");
        if !origin_ok || !site_ok {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "Forms are accepted only from the sandbox's own pages.",
            ));
        }
    }
    None
}

fn refuse(status: StatusCode, message: &str) -> Response {
    page(status, &pages::refused(message))
}

/// An HTML answer. Its ETag is a digest of the page, also written on the page for the script
/// that reloads it when the ETag changes.
fn page(status: StatusCode, html: &Html) -> Response {
    let mut hasher = DefaultHasher::new();
    html.as_str().hash(&mut hasher);
    let etag = format!("\"{:016x}\"", hasher.finish());
    let mut tagged = Html::new();
    tagged.text(&etag);
    let body = html.as_str().replacen(
        "<html lang=\"en\">",
        &format!("<html lang=\"en\" data-etag=\"{}\">", tagged.as_str()),
        1,
    );
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

/// The message a redirect after a form asks the page to show, from its query.
fn flash(uri: &Uri) -> Flash {
    let done = urlencoded::parse(uri.query().unwrap_or_default())
        .into_iter()
        .find(|(name, _)| name == "done")
        .map(|(_, value)| value);
    let message = match done.as_deref() {
        Some("signed") => "You signed.",
        Some("declined") => "You declined to sign.",
        Some("queued") => "The fault is queued: the next requests to that route get it.",
        Some("cleared") => "The queue is empty.",
        _ => return Flash::None,
    };
    Flash::Done(message.to_owned())
}

async fn envelopes(State(app): State<Arc<App>>) -> Response {
    page(StatusCode::OK, &pages::envelopes(&app.controls))
}

async fn outbox(State(app): State<Arc<App>>) -> Response {
    page(StatusCode::OK, &pages::outbox(&app.controls))
}

async fn deliveries(State(app): State<Arc<App>>) -> Response {
    page(StatusCode::OK, &pages::deliveries(&app.controls))
}

async fn faults(State(app): State<Arc<App>>, uri: Uri) -> Response {
    page(StatusCode::OK, &pages::faults(&app.controls, &flash(&uri)))
}

async fn inject(
    State(app): State<Arc<App>>,
    Path(provider): Path<String>,
    body: Bytes,
) -> Response {
    let Some(control) = app.control(&provider) else {
        return not_found(&format!("No emulator is called {provider}."));
    };
    let form = urlencoded::parse(&String::from_utf8_lossy(&body));
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let fault = field("fault").and_then(pages::fault);
    let times = field("times")
        .and_then(|times| times.trim().parse::<usize>().ok())
        .filter(|times| (1..=100).contains(times));
    let (Some(route), Some(fault), Some(times)) = (field("route"), fault, times) else {
        let flash = Flash::Refused(
            "Choose a route, a fault and a number of times from 1 to 100.".to_owned(),
        );
        return page(
            StatusCode::BAD_REQUEST,
            &pages::faults(&app.controls, &flash),
        );
    };
    match control.inject(route, fault, times) {
        Ok(()) => Redirect::to("/faults?done=queued").into_response(),
        Err(refused) => page(
            StatusCode::BAD_REQUEST,
            &pages::faults(&app.controls, &Flash::Refused(refused.to_string())),
        ),
    }
}

async fn clear_faults(State(app): State<Arc<App>>, Path(provider): Path<String>) -> Response {
    let Some(control) = app.control(&provider) else {
        return not_found(&format!("No emulator is called {provider}."));
    };
    control.clear_faults();
    Redirect::to("/faults?done=cleared").into_response()
}

fn not_found(message: &str) -> Response {
    page(StatusCode::NOT_FOUND, &pages::not_found(message))
}

/// A signer's (or cc recipient's) page: the control handle and the envelope, or what was not
/// found.
fn recipient(
    app: &App,
    provider: &str,
    envelope: &str,
    email: &str,
) -> Result<(Arc<dyn Control>, crate::control::EnvelopeView), String> {
    let Some(control) = app
        .controls
        .iter()
        .find(|control| control.provider() == provider)
    else {
        return Err(format!("No emulator is called {provider}."));
    };
    let Some(view) = control.envelope(&EnvelopeId::new(envelope)) else {
        return Err(format!("{} holds no envelope {envelope}.", control.label()));
    };
    if view.signer(email).is_none() && !view.is_cc(email) {
        return Err(format!(
            "{email} neither signs envelope {envelope} nor receives a copy."
        ));
    }
    Ok((Arc::clone(control), view))
}

async fn signing_page(
    State(app): State<Arc<App>>,
    Path((provider, envelope, email)): Path<(String, String, String)>,
    uri: Uri,
) -> Response {
    match recipient(&app, &provider, &envelope, &email) {
        Ok((control, view)) => page(
            StatusCode::OK,
            &pages::signing(control.as_ref(), &view, &email, &flash(&uri)),
        ),
        Err(missing) => not_found(&missing),
    }
}

/// **Sign** and **Decline**: the control handle's `act`, exactly as a test calls it. A refusal
/// (not their turn, already signed, no decline on this provider) is answered 409 with the page
/// and the reason.
async fn act(
    State(app): State<Arc<App>>,
    Path((provider, envelope, email, action)): Path<(String, String, String, String)>,
) -> Response {
    let (control, view) = match recipient(&app, &provider, &envelope, &email) {
        Ok(found) => found,
        Err(missing) => return not_found(&missing),
    };
    let (action, done) = match action.as_str() {
        "sign" => (SignerAction::Sign, "signed"),
        "decline" => (SignerAction::Decline, "declined"),
        _ => return not_found("No such action: a signer signs or declines."),
    };
    match control.act(&view.id, &email, action) {
        Ok(()) => {
            let mut location = html::path(&["sign", &provider, &envelope, &email]);
            location.push_str("?done=");
            location.push_str(done);
            Redirect::to(&location).into_response()
        }
        Err(refused) => {
            let status = match refused.kind() {
                ControlErrorKind::UnknownEnvelope | ControlErrorKind::UnknownSigner => {
                    StatusCode::NOT_FOUND
                }
                _ => StatusCode::CONFLICT,
            };
            let view = control.envelope(&view.id).unwrap_or(view);
            let flash = Flash::Refused(format!("Refused: {refused}."));
            page(
                status,
                &pages::signing(control.as_ref(), &view, &email, &flash),
            )
        }
    }
}

async fn document(
    State(app): State<Arc<App>>,
    Path((provider, envelope, index)): Path<(String, String, String)>,
) -> Response {
    serve_document(&app, &provider, &envelope, &index, "inline")
}

async fn download(
    State(app): State<Arc<App>>,
    Path((provider, envelope, index)): Path<(String, String, String)>,
) -> Response {
    serve_document(&app, &provider, &envelope, &index, "attachment")
}

/// The document's bytes as uploaded: shown by the browser (`inline`) or saved (`attachment`).
fn serve_document(
    app: &App,
    provider: &str,
    envelope: &str,
    index: &str,
    disposition: &str,
) -> Response {
    let document = app
        .control(provider)
        .and_then(|control| control.envelope(&EnvelopeId::new(envelope)))
        .and_then(|view| {
            let index: usize = index.parse().ok()?;
            view.documents.into_iter().nth(index)
        });
    let Some(document) = document else {
        return not_found("No such document.");
    };
    // Only a PDF is shown as what it is; any other bytes are offered as a download, so nothing
    // uploaded is ever run as a page of the sandbox.
    let (content_type, disposition) = if document.is_pdf() {
        ("application/pdf", disposition)
    } else {
        ("application/octet-stream", "attachment")
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(disposition, &document.name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    (headers, Body::from(document.content)).into_response()
}

/// `inline; filename="nda.pdf"; filename*=UTF-8''nda.pdf`, the plain name reduced to safe
/// characters and the full one percent-encoded.
fn content_disposition(disposition: &str, name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = html::path(&[name]);
    format!(
        "{disposition}; filename=\"{plain}\"; filename*=UTF-8''{}",
        encoded.trim_start_matches('/')
    )
}

async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_break_the_header() {
        assert_eq!(
            content_disposition("inline", "a\"b\r\nc é.pdf"),
            "inline; filename=\"a_b__c _.pdf\"; filename*=UTF-8''a%22b%0D%0Ac%20%C3%A9.pdf"
        );
    }
}

//! The fault matrix of the LEAP Sign adapter: each operation of the provider against each fault
//! the emulator can inject, with the outcome, the requests that reached the faulted route, and
//! how many projects a send leaves in the emulator.
//!
//! Every row runs against a fresh emulator, so the counts are the row's alone. The same table is
//! in `docs/reliability.md` ("Fault matrix: LEAP Sign"); the test fails when a measured outcome
//! or count disagrees with the row's expectation or with the doc. Run it with
//! `cargo test -p leap-sign --test fault_matrix -- --nocapture` to print the measured table.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use leap_sign::LeapSign;
use signing_core::{
    EnvelopeId, EventKind, ListQuery, Result, RetryPolicy, SigningProvider, WebhookRequest,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::leap_sign::{LeapSignEmulator, Route};
use signing_testkit::faults::{Case, Matrix, Measured, Row, kind_label, measure_all};

/// One attempt's timeout: half the injected delay (`faults::DELAY`), so timeout rows stay fast.
const TIMEOUT: Duration = Duration::from_millis(150);
/// Where the application receives callbacks. Not on this machine, so the emulator records the
/// callback without calling it and the test hands it to `parse_webhook` itself.
const CALLBACK_BASE: &str = "https://app.example.com/leap/callbacks";

/// Fast retries: three attempts, 5 ms doubling.
fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .max_elapsed(Duration::from_secs(10))
}

fn adapter(emu: &LeapSignEmulator, http: &reqwest::Client) -> LeapSign {
    support::builder(&emu.base_url(), emu.api_key())
        .with_http_client(http.clone())
        .with_retry(policy())
        .with_timeout(TIMEOUT)
        .with_callback(CALLBACK_BASE, support::CALLBACK_SECRET)
        .build()
        .expect("valid configuration")
}

/// The operations of the provider the matrix covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `send`: one launch-new.
    Send,
    Get,
    Cancel,
    /// `delete`, the nearest to `list`, which LEAP does not have.
    Delete,
    /// `parse_webhook` of a genuine completion callback, confirmed by get process data.
    Callback,
}

impl Op {
    fn label(self) -> &'static str {
        match self {
            Self::Send => "send (launch-new)",
            Self::Get => "get",
            Self::Cancel => "cancel",
            Self::Delete => "delete",
            Self::Callback => "callback",
        }
    }

    fn route(self) -> Route {
        match self {
            Self::Send => Route::LaunchNew,
            Self::Get | Self::Callback => Route::GetProcessData,
            Self::Cancel => Route::Cancel,
            Self::Delete => Route::Delete,
        }
    }
}

/// One row: an operation, a fault injected `times` times, and what must happen.
#[derive(Clone)]
struct Spec {
    op: Op,
    case: Case,
    times: usize,
    /// `recovered`, or the error's kind as [`kind_label`] names it.
    outcome: &'static str,
    /// Requests that reached the faulted route.
    requests: usize,
    /// For sends: projects left in the emulator.
    projects: Option<usize>,
}

impl Spec {
    fn expected(&self) -> Row {
        cells(
            self.op.label(),
            &self.case.label(),
            &self.times.to_string(),
            self.outcome,
            self.requests,
            self.projects,
        )
    }
}

fn cells(
    operation: &str,
    fault: &str,
    times: &str,
    outcome: &str,
    requests: usize,
    projects: Option<usize>,
) -> Row {
    Row::new(
        operation,
        fault,
        times,
        [
            ("outcome", outcome.to_owned()),
            ("requests", requests.to_string()),
            (
                "projects",
                projects.map_or_else(|| "—".to_owned(), |n| n.to_string()),
            ),
        ],
    )
}

const fn row(
    op: Op,
    case: Case,
    times: usize,
    outcome: &'static str,
    requests: usize,
    projects: Option<usize>,
) -> Spec {
    Spec {
        op,
        case,
        times,
        outcome,
        requests,
        projects,
    }
}

const REC: &str = "recovered";

/// The matrix. launch-new is repeated only after a connect error or a 429, and anything after
/// which a project may exist is `OutcomeUnknown`; reads, cancels and deletes (and the query
/// confirming a callback) are repeated on 5xx, 429, timeouts and broken connections.
fn rows() -> Vec<Spec> {
    use Case::{Malformed, Reset, RetryAfterDate, RetryAfterSeconds, Status, Timeout, Truncated};
    use Op::{Callback, Cancel, Delete, Get, Send};
    let mut rows = vec![
        row(Send, Status(500), 1, "OutcomeUnknown", 1, Some(0)),
        row(Send, Status(502), 1, "OutcomeUnknown", 1, Some(0)),
        row(Send, Status(503), 1, "Provider(503)", 1, Some(0)),
        // A 429 says the launch was not taken: it is repeated after the wait.
        row(Send, RetryAfterSeconds, 1, REC, 2, Some(1)),
        // The emulator drops a delayed request whose client hung up.
        row(Send, Timeout, 1, "OutcomeUnknown", 1, Some(0)),
        row(Send, Reset, 1, "OutcomeUnknown", 1, Some(0)),
        row(Send, Malformed, 1, "OutcomeUnknown", 1, Some(0)),
        // The project was created; only its answer was cut short.
        row(Send, Truncated, 1, "OutcomeUnknown", 1, Some(1)),
        row(Send, Status(401), 1, "Unauthenticated", 1, Some(0)),
        row(Send, Status(403), 1, "PermissionDenied", 1, Some(0)),
        row(Send, Status(404), 1, "NotFound", 1, Some(0)),
    ];
    for op in [Get, Cancel, Delete, Callback] {
        rows.extend([
            row(op, Status(500), 1, REC, 2, None),
            row(op, Status(502), 1, REC, 2, None),
            row(op, Status(503), 1, REC, 2, None),
            row(op, Status(503), 3, "Provider(503)", 3, None),
            row(op, RetryAfterSeconds, 1, REC, 2, None),
        ]);
        if op == Get {
            rows.push(row(op, RetryAfterDate, 1, REC, 2, None));
        }
        rows.extend([
            row(op, Timeout, 1, REC, 2, None),
            row(op, Timeout, 3, "Transport(timeout)", 3, None),
            row(op, Reset, 1, REC, 2, None),
            row(op, Reset, 3, "Transport(connection)", 3, None),
            row(op, Malformed, 1, "UnexpectedResponse", 1, None),
        ]);
        if matches!(op, Cancel | Delete) {
            // Cancel and delete answer 204: there is no body to cut short.
            rows.push(row(op, Truncated, 1, REC, 1, None));
        } else {
            rows.extend([
                row(op, Truncated, 1, REC, 2, None),
                row(op, Truncated, 3, "Transport(connection)", 3, None),
            ]);
        }
        let not_found = if op == Callback {
            // An unknown project does not confirm the callback.
            "Webhook(InvalidPayload)"
        } else {
            "NotFound"
        };
        rows.extend([
            row(op, Status(401), 1, "Unauthenticated", 1, None),
            row(op, Status(403), 1, "PermissionDenied", 1, None),
            row(op, Status(404), 1, not_found, 1, None),
        ]);
    }
    rows
}

/// A completed project's callback as LEAP delivers it: the path as received, the body.
async fn completed_callback(emu: &LeapSignEmulator, id: &EnvelopeId) -> WebhookRequest {
    emu.sign_all(id.as_str()).expect("every signer signs");
    let delivery = emu
        .wait_for_callback(id.as_str(), Duration::from_secs(5))
        .await
        .expect("a callback is recorded");
    let url = url::Url::parse(&delivery.url).expect("an absolute callback URL");
    WebhookRequest::new(delivery.headers, delivery.body).with_path(url.path())
}

fn project_status(emu: &LeapSignEmulator, id: &EnvelopeId) -> Option<String> {
    emu.project(id.as_str())
        .and_then(|p| p["status"].as_str().map(str::to_owned))
}

/// Runs the operation; a send returns the new project's id.
async fn run(
    op: Op,
    leap: &LeapSign,
    sent: Option<&EnvelopeId>,
    callback: Option<&WebhookRequest>,
) -> Result<Option<EnvelopeId>> {
    let id = || sent.expect("a project sent before the fault");
    match op {
        Op::Send => leap
            .send(&support::request(2).build().expect("a valid request"))
            .await
            .map(|envelope| Some(envelope.id)),
        Op::Get => leap.get(id()).await.map(|_| None),
        Op::Cancel => leap.cancel(id()).await.map(|()| None),
        Op::Delete => leap.delete(id()).await.map(|()| None),
        Op::Callback => {
            let callback = callback.expect("a callback");
            leap.parse_webhook(callback).await.map(|events| {
                let confirmed = matches!(
                    events.as_slice(),
                    [event] if event.kind == EventKind::Completed && event.verified
                );
                assert!(confirmed, "one verified completed event: {events:?}");
                None
            })
        }
    }
}

/// A row's emulator and adapter, with a project (and its callback) when the operation needs one,
/// and the fault in place.
struct Prepared {
    spec: Spec,
    emu: LeapSignEmulator,
    leap: LeapSign,
    sent: Option<EnvelopeId>,
    callback: Option<WebhookRequest>,
    requests_before: usize,
}

async fn prepare(spec: Spec, http: &reqwest::Client) -> Prepared {
    let emu = LeapSignEmulator::start().await;
    let leap = adapter(&emu, http);
    let sent = match spec.op {
        Op::Send => None,
        _ => Some(
            leap.send(&support::request(2).build().expect("a valid request"))
                .await
                .expect("setup send")
                .id,
        ),
    };
    let callback = match (spec.op, &sent) {
        (Op::Callback, Some(id)) => Some(completed_callback(&emu, id).await),
        _ => None,
    };
    let route = spec.op.route();
    emu.inject(route, spec.case.fault(), spec.times);
    Prepared {
        requests_before: emu.request_count(route),
        spec,
        emu,
        leap,
        sent,
        callback,
    }
}

/// Runs the row's operation, timed, and counts once the emulator has finished any delayed
/// request.
async fn act(prepared: Prepared) -> Measured {
    let Prepared {
        spec,
        emu,
        leap,
        sent,
        callback,
        requests_before,
    } = prepared;
    let route = spec.op.route();
    let started = Instant::now();
    let result = run(spec.op, &leap, sent.as_ref(), callback.as_ref()).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(spec.case.settle_time()).await;
    // "Recovered" must mean the operation took effect; a success that did not is named as such.
    let in_effect = match (&result, spec.op) {
        (Ok(Some(id)), _) => project_status(&emu, id).as_deref() == Some("IN_PROGRESS"),
        (Ok(None), Op::Cancel) => {
            project_status(&emu, sent.as_ref().expect("sent")).as_deref() == Some("CANCELLED")
        }
        (Ok(None), Op::Delete) => project_status(&emu, sent.as_ref().expect("sent")).is_none(),
        _ => true,
    };
    let outcome = match &result {
        Ok(_) if in_effect => REC.to_owned(),
        Ok(_) => "ok, without effect".to_owned(),
        Err(err) => kind_label(err),
    };
    let requests = emu.request_count(route) - requests_before;
    if let (Err(err), Some(callback)) = (&result, &callback) {
        // A failed confirmation does not use up the delivery: LEAP's next attempt is accepted.
        if let Err(again) = leap.parse_webhook(callback).await {
            panic!("the callback refused with {err:?} is refused again: {again:?}");
        }
    }
    let projects = (spec.op == Op::Send).then(|| emu.projects().len());
    assert!(
        projects.is_none_or(|left| left <= 1),
        "{} / {}: one send left {projects:?} projects",
        spec.op.label(),
        spec.case.label()
    );
    Measured {
        row: cells(
            spec.op.label(),
            &spec.case.label(),
            &spec.times.to_string(),
            &outcome,
            requests,
            projects,
        ),
        elapsed,
    }
}

/// Rows without an injected fault: `list`, which LEAP does not have, and callbacks that must be
/// refused. Each is `(operation, input, outcome, requests to any route)`.
const UNFAULTED_ROWS: [(&str, &str, &str, usize); 4] = [
    ("list", "any (nothing is sent)", "Unsupported", 0),
    (
        "callback",
        "wrong token in the path",
        "Webhook(InvalidCallbackToken)",
        0,
    ),
    (
        "callback",
        "genuine, before the project completed",
        "Webhook(InvalidPayload)",
        1,
    ),
    // Accepted again, as the same event (same id): the application drops it once handled.
    ("callback", "genuine, delivered again", "accepted", 1),
];

async fn unfaulted_rows(http: &reqwest::Client) -> Vec<Measured> {
    let emu = LeapSignEmulator::start().await;
    let leap = adapter(&emu, http);
    let request = || support::request(2).build().expect("a valid request");
    let completed = leap.send(&request()).await.expect("send").id;
    let genuine = completed_callback(&emu, &completed).await;
    let pending = leap.send(&request()).await.expect("send").id;
    let premature = WebhookRequest::new(
        http::HeaderMap::new(),
        format!(r#"{{"projectId":"{pending}","status":"COMPLETED"}}"#),
    )
    .with_path(support::registered_callback_path(&emu).await);
    let mut forged = genuine.clone();
    forged.path = format!("{}x", genuine.path);
    leap.parse_webhook(&genuine)
        .await
        .expect("the genuine callback");

    let mut measured = Vec::new();
    let mut record = |index: usize, outcome: String, requests: usize, elapsed: Duration| {
        let (operation, input, _, _) = UNFAULTED_ROWS[index];
        measured.push(Measured {
            row: cells(operation, input, "—", &outcome, requests, None),
            elapsed,
        });
    };
    for route in [
        Route::LaunchNew,
        Route::GetProcessData,
        Route::Cancel,
        Route::Delete,
    ] {
        emu.inject(route, Fault::Status(500), 10);
    }
    let (outcome, elapsed, requests) = timed(&emu, leap.list(&ListQuery::new())).await;
    record(0, outcome, requests, elapsed);
    emu.clear_faults();
    for (index, input) in [(1, &forged), (2, &premature), (3, &genuine)] {
        let (outcome, elapsed, requests) = timed(&emu, leap.parse_webhook(input)).await;
        record(index, outcome, requests, elapsed);
    }
    measured
}

/// Runs `call`, timed: its outcome label, how long it took, the requests it made to any route.
async fn timed<T>(
    emu: &LeapSignEmulator,
    call: impl Future<Output = Result<T>>,
) -> (String, Duration, usize) {
    let before = emu.requests().len();
    let started = Instant::now();
    let result = call.await;
    let elapsed = started.elapsed();
    let outcome = result.map_or_else(|err| kind_label(&err), |_| "accepted".to_owned());
    (outcome, elapsed, emu.requests().len() - before)
}

#[tokio::test]
async fn the_fault_matrix_holds_and_matches_the_doc() {
    let started = Instant::now();
    let specs = rows();
    // One HTTP client for every row: building one costs more than most rows take.
    let http = reqwest::Client::new();
    let mut measured = measure_all(
        &specs,
        |spec| spec.case.waits(),
        |spec| prepare(spec, &http),
        act,
    )
    .await;
    measured.extend(unfaulted_rows(&http).await);
    let mut expected: Vec<Row> = specs.iter().map(Spec::expected).collect();
    expected.extend(
        UNFAULTED_ROWS
            .iter()
            .map(|(operation, input, outcome, requests)| {
                cells(operation, input, "—", outcome, *requests, None)
            }),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Matrix::new(
        "LEAP Sign",
        "### Fault matrix: LEAP Sign",
        &["outcome", "requests", "projects"],
    )
    .check(&root, &expected, &measured, started);
}

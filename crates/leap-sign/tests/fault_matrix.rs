//! The fault matrix of the LEAP Sign adapter: each operation of the provider against each fault
//! the emulator can inject, with the outcome, the requests that reached the faulted route, and
//! how many projects a send leaves in the emulator.
//!
//! Every row runs against a fresh emulator, so the counts are the row's alone. The same table is
//! in `docs/reliability.md` ("Fault matrix: LEAP Sign"); the test fails when a measured outcome
//! or count disagrees with the row's expectation or with the doc. Run it with
//! `cargo test -p leap-sign --test fault_matrix -- --nocapture` to print the measured table.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;
use leap_sign::LeapSign;
use signing_core::{
    EnvelopeId, Error, ErrorKind, EventKind, ListQuery, Result, RetryPolicy, SigningProvider,
    WebhookRequest,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::leap_sign::{LeapSignEmulator, Route};

/// One attempt's timeout: short, so timeout rows stay fast.
const TIMEOUT: Duration = Duration::from_millis(150);
/// The injected delay, well beyond [`TIMEOUT`].
const DELAY: Duration = Duration::from_millis(300);
/// Where the application receives callbacks. Not on this machine, so the emulator records the
/// callback without calling it and the test hands it to `parse_webhook` itself.
const CALLBACK_BASE: &str = "https://app.example.com/leap/callbacks";
/// The heading of this adapter's table in the doc.
const DOC_HEADING: &str = "### Fault matrix: LEAP Sign";

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

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Status(u16),
    RetryAfterSeconds,
    RetryAfterDate,
    Timeout,
    Reset,
    Malformed,
    Truncated,
}

impl Case {
    fn label(self) -> String {
        match self {
            Self::Status(code) => code.to_string(),
            Self::RetryAfterSeconds => "429, Retry-After: 1".to_owned(),
            Self::RetryAfterDate => "429, Retry-After: HTTP date".to_owned(),
            Self::Timeout => "timeout".to_owned(),
            Self::Reset => "connection reset".to_owned(),
            Self::Malformed => "malformed JSON".to_owned(),
            Self::Truncated => "truncated body".to_owned(),
        }
    }

    fn fault(self) -> Fault {
        match self {
            Self::Status(code) => Fault::Status(code),
            Self::RetryAfterSeconds => Fault::RateLimited {
                retry_after: "1".to_owned(),
            },
            // Whole seconds: two ahead waits between one and two seconds.
            Self::RetryAfterDate => Fault::RateLimited {
                retry_after: http_date(SystemTime::now() + Duration::from_secs(2)),
            },
            Self::Timeout => Fault::Delay(DELAY),
            Self::Reset => Fault::DropConnection,
            Self::Malformed => Fault::MalformedBody,
            Self::Truncated => Fault::TruncatedBody,
        }
    }

    /// Whether the row mostly waits, so it can run alongside the others like it.
    fn waits(self) -> bool {
        matches!(
            self,
            Self::RetryAfterSeconds | Self::RetryAfterDate | Self::Timeout
        )
    }
}

fn http_date(at: SystemTime) -> String {
    time::OffsetDateTime::from(at)
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .expect("a formattable date")
}

/// One row: an operation, a fault injected `times` times, and what must happen.
struct Row {
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

const fn row(
    op: Op,
    case: Case,
    times: usize,
    outcome: &'static str,
    requests: usize,
    projects: Option<usize>,
) -> Row {
    Row {
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
/// which a project may exist is `OutcomeUnknown`; reads, cancels and deletes (and the query confirming a
/// callback) are repeated on 5xx, 429, timeouts and broken connections.
fn rows() -> Vec<Row> {
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

/// What one row measured.
struct Measured {
    operation: String,
    fault: String,
    times: String,
    outcome: String,
    requests: usize,
    projects: Option<usize>,
    elapsed: Duration,
}

impl Measured {
    fn key(&self) -> (String, String, String) {
        (
            self.operation.clone(),
            self.fault.clone(),
            self.times.clone(),
        )
    }

    fn projects_cell(&self) -> String {
        self.projects
            .map_or_else(|| "—".to_owned(), |n| n.to_string())
    }
}

/// The name of an error's kind as the table writes it.
fn kind_label(err: &Error) -> String {
    let first_word = |debug: String| {
        debug
            .split([' ', '(', '{'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    match err.kind() {
        ErrorKind::Provider {
            status: Some(status),
            ..
        } => format!("Provider({status})"),
        ErrorKind::Transport { kind, .. } => format!("Transport({kind})"),
        ErrorKind::WebhookVerification(why) => {
            format!("Webhook({})", first_word(format!("{why:?}")))
        }
        other => first_word(format!("{other:?}")),
    }
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

/// A row's emulator and adapter, with a project and its callback when the operation needs them,
/// and the fault in place.
struct Prepared<'r> {
    row: &'r Row,
    emu: LeapSignEmulator,
    leap: LeapSign,
    sent: Option<EnvelopeId>,
    callback: Option<WebhookRequest>,
    requests_before: usize,
}

async fn prepare<'r>(row: &'r Row, http: &reqwest::Client) -> Prepared<'r> {
    let emu = LeapSignEmulator::start().await;
    let leap = adapter(&emu, http);
    let sent = match row.op {
        Op::Send => None,
        _ => Some(
            leap.send(&support::request(2).build().expect("a valid request"))
                .await
                .expect("setup send")
                .id,
        ),
    };
    let callback = match (row.op, &sent) {
        (Op::Callback, Some(id)) => Some(completed_callback(&emu, id).await),
        _ => None,
    };
    emu.inject(row.op.route(), row.case.fault(), row.times);
    Prepared {
        row,
        requests_before: emu.request_count(row.op.route()),
        emu,
        leap,
        sent,
        callback,
    }
}

/// Runs the row's operation, timed. A send returns the new project's id.
async fn act(prepared: &Prepared<'_>) -> (Result<Option<EnvelopeId>>, Duration) {
    let leap = &prepared.leap;
    let id = || {
        prepared
            .sent
            .as_ref()
            .expect("a project sent before the fault")
    };
    let started = Instant::now();
    let result = match prepared.row.op {
        Op::Send => leap
            .send(&support::request(2).build().expect("a valid request"))
            .await
            .map(|envelope| Some(envelope.id)),
        Op::Get => leap.get(id()).await.map(|_| None),
        Op::Cancel => leap.cancel(id()).await.map(|()| None),
        Op::Delete => leap.delete(id()).await.map(|()| None),
        Op::Callback => {
            let callback = prepared.callback.as_ref().expect("a callback");
            leap.parse_webhook(callback).await.map(|events| {
                let confirmed = matches!(
                    events.as_slice(),
                    [event] if event.kind == EventKind::Completed && event.verified
                );
                assert!(confirmed, "one verified completed event: {events:?}");
                None
            })
        }
    };
    (result, started.elapsed())
}

fn project_status(emu: &LeapSignEmulator, id: &EnvelopeId) -> Option<String> {
    emu.project(id.as_str())
        .and_then(|p| p["status"].as_str().map(str::to_owned))
}

/// What the row measured, once the emulator has finished any delayed request.
async fn finish(
    prepared: &Prepared<'_>,
    result: Result<Option<EnvelopeId>>,
    elapsed: Duration,
) -> Measured {
    let Prepared {
        row,
        emu,
        leap,
        sent,
        callback,
        ..
    } = prepared;
    // "Recovered" must mean the operation took effect; a success that did not is named as such.
    let in_effect = match (&result, row.op) {
        (Ok(Some(id)), _) => project_status(emu, id).as_deref() == Some("IN_PROGRESS"),
        (Ok(None), Op::Cancel) => {
            project_status(emu, sent.as_ref().expect("sent")).as_deref() == Some("CANCELLED")
        }
        (Ok(None), Op::Delete) => project_status(emu, sent.as_ref().expect("sent")).is_none(),
        _ => true,
    };
    let outcome = match &result {
        Ok(_) if in_effect => REC.to_owned(),
        Ok(_) => "ok, without effect".to_owned(),
        Err(err) => kind_label(err),
    };
    let requests = emu.request_count(row.op.route()) - prepared.requests_before;
    if let (Err(err), Some(callback)) = (&result, callback) {
        // A failed confirmation does not use up the delivery: LEAP's next attempt is accepted.
        if let Err(again) = leap.parse_webhook(callback).await {
            panic!("the callback refused with {err:?} is refused again: {again:?}");
        }
    }
    Measured {
        operation: row.op.label().to_owned(),
        fault: row.case.label(),
        times: row.times.to_string(),
        outcome,
        requests,
        projects: (row.op == Op::Send).then(|| emu.projects().len()),
        elapsed,
    }
}

/// Measures every row, in the order given. Rows that mostly wait (Retry-After, timeouts) run
/// together once all of them are prepared, each against its own emulator; the others run one
/// after the other.
async fn measure_all(rows: &[Row], http: &reqwest::Client) -> Vec<Measured> {
    let mut measured: Vec<Option<Measured>> = rows.iter().map(|_| None).collect();
    for (i, row) in rows.iter().enumerate().filter(|(_, row)| !row.case.waits()) {
        let prepared = prepare(row, http).await;
        let (result, elapsed) = act(&prepared).await;
        measured[i] = Some(finish(&prepared, result, elapsed).await);
    }
    let mut waiting = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, row)| row.case.waits()) {
        waiting.push((i, prepare(row, http).await));
    }
    let results = join_all(waiting.iter().map(|(_, prepared)| act(prepared))).await;
    // The emulator carries out a delayed request after the client gave up, if it does.
    tokio::time::sleep(DELAY).await;
    for ((i, prepared), (result, elapsed)) in waiting.iter().zip(results) {
        measured[*i] = Some(finish(prepared, result, elapsed).await);
    }
    measured
        .into_iter()
        .map(|m| m.expect("every row measured"))
        .collect()
}

/// Rows without an injected fault: `list`, which LEAP does not have, and callbacks that must be
/// refused. Each is `(operation, input, outcome, requests to any route)`.
async fn unfaulted_rows(http: &reqwest::Client) -> Vec<(Measured, &'static str, usize)> {
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

    let mut rows = Vec::new();
    for route in [
        Route::LaunchNew,
        Route::GetProcessData,
        Route::Cancel,
        Route::Delete,
    ] {
        emu.inject(route, Fault::Status(500), 10);
    }
    let (result, elapsed, requests) = timed(&emu, leap.list(&ListQuery::new())).await;
    rows.push((
        measured("list", "any (nothing is sent)", &result, requests, elapsed),
        "Unsupported",
        0,
    ));
    emu.clear_faults();
    for (input, request, outcome, requests) in [
        (
            "wrong token in the path",
            &forged,
            "Webhook(InvalidCallbackToken)",
            0,
        ),
        (
            "genuine, before the project completed",
            &premature,
            "Webhook(InvalidPayload)",
            1,
        ),
        ("genuine, delivered again", &genuine, "Webhook(Replayed)", 1),
    ] {
        let (result, elapsed, measured_requests) = timed(&emu, leap.parse_webhook(request)).await;
        rows.push((
            measured("callback", input, &result, measured_requests, elapsed),
            outcome,
            requests,
        ));
    }
    rows
}

/// Runs `call`, timed, with the requests it made to any route.
async fn timed<T>(
    emu: &LeapSignEmulator,
    call: impl Future<Output = Result<T>>,
) -> (Result<T>, Duration, usize) {
    let before = emu.requests().len();
    let started = Instant::now();
    let result = call.await;
    let elapsed = started.elapsed();
    (result, elapsed, emu.requests().len() - before)
}

fn measured<T>(
    operation: &str,
    input: &str,
    result: &Result<T>,
    requests: usize,
    elapsed: Duration,
) -> Measured {
    Measured {
        operation: operation.to_owned(),
        fault: input.to_owned(),
        times: "—".to_owned(),
        outcome: result
            .as_ref()
            .map_or_else(kind_label, |_| "accepted".to_owned()),
        requests,
        projects: None,
        elapsed,
    }
}

const COLUMNS: [&str; 7] = [
    "operation",
    "fault",
    "times",
    "outcome",
    "requests",
    "projects",
    "time",
];

fn table(measured: &[Measured]) -> String {
    let mut out = format!("| {} |\n", COLUMNS.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(COLUMNS.len()));
    for m in measured {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} ms |",
            m.operation,
            m.fault,
            m.times,
            m.outcome,
            m.requests,
            m.projects_cell(),
            m.elapsed.as_millis()
        );
    }
    out
}

/// The rows of the first table after `heading` in `docs/reliability.md`, by operation, fault
/// and times, each as `{column: cell}`.
fn doc_rows(heading: &str) -> BTreeMap<(String, String, String), BTreeMap<String, String>> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/reliability.md"
    ))
    .expect("docs/reliability.md");
    let mut lines = doc
        .lines()
        .skip_while(|line| line.trim() != heading)
        .skip(1)
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect::<Vec<_>>()
        });
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("docs/reliability.md has no table under `{heading}`"));
    let mut rows = BTreeMap::new();
    for cells in lines.filter(|cells| !cells[0].starts_with("---")) {
        let row: BTreeMap<String, String> = header.iter().cloned().zip(cells).collect();
        let key = (
            row["operation"].clone(),
            row["fault"].clone(),
            row["times"].clone(),
        );
        assert!(
            rows.insert(key.clone(), row).is_none(),
            "docs/reliability.md lists {key:?} twice"
        );
    }
    rows
}

#[tokio::test]
async fn the_fault_matrix_holds_and_matches_the_doc() {
    let started = Instant::now();
    // One HTTP client for every row: building one costs more than most rows take.
    let http = reqwest::Client::new();
    let rows = rows();
    let mut measured = Vec::new();
    let mut failures = Vec::new();
    for (m, row) in measure_all(&rows, &http).await.into_iter().zip(&rows) {
        let expected = (row.outcome, row.requests, row.projects);
        let got = (m.outcome.as_str(), m.requests, m.projects);
        if expected != got {
            failures.push(format!(
                "{} / {} x{}: expected {expected:?}, measured {got:?}",
                m.operation, m.fault, m.times
            ));
        }
        if m.projects.is_some_and(|left| left > 1) {
            failures.push(format!(
                "{} / {} x{}: one send left {:?} projects",
                m.operation, m.fault, m.times, m.projects
            ));
        }
        measured.push(m);
    }
    for (m, outcome, requests) in unfaulted_rows(&http).await {
        if m.outcome != outcome || m.requests != requests {
            failures.push(format!(
                "{} / {}: expected {outcome} after {requests} requests, measured {} after {}",
                m.operation, m.fault, m.outcome, m.requests
            ));
        }
        measured.push(m);
    }
    println!(
        "LEAP Sign fault matrix ({} rows, {:.1} s):\n\n{}",
        measured.len(),
        started.elapsed().as_secs_f64(),
        table(&measured)
    );

    let mut documented = doc_rows(DOC_HEADING);
    for m in &measured {
        let Some(doc) = documented.remove(&m.key()) else {
            failures.push(format!("docs/reliability.md has no row {:?}", m.key()));
            continue;
        };
        for (column, value) in [
            ("outcome", m.outcome.clone()),
            ("requests", m.requests.to_string()),
            ("projects", m.projects_cell()),
        ] {
            if doc.get(column) != Some(&value) {
                failures.push(format!(
                    "docs/reliability.md, row {:?}, column `{column}`: the doc says {:?}, measured {value:?}",
                    m.key(),
                    doc.get(column)
                ));
            }
        }
    }
    for key in documented.keys() {
        failures.push(format!(
            "docs/reliability.md has a row the matrix does not run: {key:?}"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

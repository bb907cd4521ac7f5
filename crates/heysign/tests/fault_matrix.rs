//! The fault matrix of the HeySign adapter: each operation of the provider against each fault the
//! emulator can inject, with the outcome, the requests that reached the faulted route, the token
//! requests, and how many agreements a send leaves in the emulator.
//!
//! Every row runs against a fresh emulator, so the counts are the row's alone. The same table is
//! in `docs/reliability.md` ("Fault matrix: HeySign"); the test fails when a measured outcome or
//! count disagrees with the row's expectation or with the doc. Run it with
//! `cargo test -p heysign --test fault_matrix -- --nocapture` to print the measured table.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;
use heysign::HeySign;
use signing_core::webhook::{HEADER_SIGNATURE, WebhookSecret};
use signing_core::{
    Document, EnvelopeId, Error, ErrorKind, InMemoryReplayGuard, ListQuery, NewEnvelope, Result,
    RetryPolicy, Signer, SigningProvider, WebhookRequest,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::heysign::{HeySignEmulator, Route};
use signing_testkit::webhooks::{WebhookFixture, tamper};

/// One attempt's timeout: short, so timeout rows stay fast.
const TIMEOUT: Duration = Duration::from_millis(150);
/// The injected delay, well beyond [`TIMEOUT`].
const DELAY: Duration = Duration::from_millis(300);
/// The heading of this adapter's table in the doc.
const DOC_HEADING: &str = "### Fault matrix: HeySign";

/// Fast retries: three attempts, 5 ms doubling.
fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .max_elapsed(Duration::from_secs(10))
}

fn provider(emulator: &HeySignEmulator, http: &reqwest::Client) -> HeySign {
    support::builder(emulator)
        .with_http_client(http.clone())
        .with_retry(policy())
        .with_timeout(TIMEOUT)
        .build()
        .expect("valid configuration")
}

fn request() -> NewEnvelope {
    NewEnvelope::builder()
        .title("Lease")
        .document(Document::new("lease.pdf", &b"%PDF-1.7 lease"[..]))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .expect("a valid request")
}

/// The operations of the provider the matrix covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `send`, with the fault on "create agreement".
    SendCreate,
    /// `send`, with the fault on "submit agreement".
    SendSubmit,
    Get,
    Cancel,
    List,
}

impl Op {
    fn label(self) -> &'static str {
        match self {
            Self::SendCreate => "send (create)",
            Self::SendSubmit => "send (submit)",
            Self::Get => "get",
            Self::Cancel => "cancel",
            Self::List => "list",
        }
    }

    fn route(self) -> Route {
        match self {
            Self::SendCreate => Route::CreateAgreement,
            Self::SendSubmit => Route::SubmitAgreement,
            Self::Get => Route::GetAgreement,
            Self::Cancel => Route::CancelAgreement,
            Self::List => Route::ListAgreements,
        }
    }

    fn is_send(self) -> bool {
        matches!(self, Self::SendCreate | Self::SendSubmit)
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
    /// Every token issued so far stops working: the next API call is answered 401.
    ExpiredToken,
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
            Self::ExpiredToken => "401, expired token".to_owned(),
        }
    }

    /// The fault to inject; `None` for an expired token, which is the emulator's own state.
    fn fault(self) -> Option<Fault> {
        Some(match self {
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
            Self::ExpiredToken => return None,
        })
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
    /// Token requests made during the operation (every row starts with a valid token).
    tokens: usize,
    /// For sends: live (not deleted) agreements left in the emulator.
    envelopes: Option<usize>,
}

const fn row(
    op: Op,
    case: Case,
    times: usize,
    outcome: &'static str,
    requests: usize,
    tokens: usize,
    envelopes: Option<usize>,
) -> Row {
    Row {
        op,
        case,
        times,
        outcome,
        requests,
        tokens,
        envelopes,
    }
}

const REC: &str = "recovered";

/// The matrix. Creates and submits are repeated only when they provably did not arrive or were
/// refused unprocessed (429), and a 5xx other than 503 leaves their outcome unknown; reads and
/// cancels are repeated on 5xx, 429, timeouts and broken
/// connections; a 401 renews the token and repeats the call once.
fn rows() -> Vec<Row> {
    use Case::{
        ExpiredToken, Malformed, Reset, RetryAfterDate, RetryAfterSeconds, Status, Timeout,
        Truncated,
    };
    use Op::{Cancel, Get, List, SendCreate, SendSubmit};
    let mut rows = Vec::new();
    for op in [SendCreate, SendSubmit] {
        // A create whose answer is cut short did make its draft; submit answers 204, with no
        // body to cut.
        let truncated = if op == SendCreate {
            "OutcomeUnknown"
        } else {
            REC
        };
        rows.extend([
            // A 5xx may come after the create or submit was carried out (a 503 says it was
            // not taken); a submit's draft is then read back, found a draft, and deleted.
            row(op, Status(500), 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Status(502), 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Status(503), 1, "Provider(503)", 1, 0, Some(0)),
            row(op, RetryAfterSeconds, 1, REC, 2, 0, Some(1)),
            // The emulator drops a delayed request whose client hung up; a submit that timed out
            // is read back as a draft, which is deleted.
            row(op, Timeout, 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Reset, 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Malformed, 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Truncated, 1, truncated, 1, 0, Some(1)),
            row(op, ExpiredToken, 1, REC, 1, 1, Some(1)),
            row(op, Status(401), 2, "Unauthenticated", 2, 1, Some(0)),
            row(op, Status(403), 1, "PermissionDenied", 1, 0, Some(0)),
            row(op, Status(404), 1, "NotFound", 1, 0, Some(0)),
        ]);
    }
    for op in [Get, Cancel, List] {
        rows.extend([
            row(op, Status(500), 1, REC, 2, 0, None),
            row(op, Status(502), 1, REC, 2, 0, None),
            row(op, Status(503), 1, REC, 2, 0, None),
            row(op, Status(503), 3, "Provider(503)", 3, 0, None),
            row(op, RetryAfterSeconds, 1, REC, 2, 0, None),
        ]);
        if op == Get {
            rows.push(row(op, RetryAfterDate, 1, REC, 2, 0, None));
        }
        rows.extend([
            row(op, Timeout, 1, REC, 2, 0, None),
            row(op, Timeout, 3, "Transport(timeout)", 3, 0, None),
            row(op, Reset, 1, REC, 2, 0, None),
            row(op, Reset, 3, "Transport(connection)", 3, 0, None),
            row(op, Malformed, 1, "UnexpectedResponse", 1, 0, None),
        ]);
        if op == Cancel {
            // Cancel answers 204: there is no body to cut short.
            rows.push(row(op, Truncated, 1, REC, 1, 0, None));
        } else {
            rows.extend([
                row(op, Truncated, 1, REC, 2, 0, None),
                row(op, Truncated, 3, "Transport(connection)", 3, 0, None),
            ]);
        }
        rows.extend([
            row(op, ExpiredToken, 1, REC, 2, 1, None),
            row(op, Status(401), 2, "Unauthenticated", 2, 1, None),
            row(op, Status(403), 1, "PermissionDenied", 1, 0, None),
            row(op, Status(404), 1, "NotFound", 1, 0, None),
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
    tokens: usize,
    envelopes: Option<usize>,
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

    fn envelopes_cell(&self) -> String {
        self.envelopes
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

fn route_count(emulator: &HeySignEmulator, route: Route) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.route == Some(route.as_str()))
        .count()
}

fn agreement_status(emulator: &HeySignEmulator, id: &EnvelopeId) -> String {
    emulator
        .agreement(id.as_str())
        .and_then(|a| a["status"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn live_agreements(emulator: &HeySignEmulator) -> usize {
    emulator
        .agreements()
        .iter()
        .filter(|a| a["status"] != "Deleted")
        .count()
}

/// Runs `op`; a send returns the new envelope's id.
async fn run(op: Op, heysign: &HeySign, id: Option<&EnvelopeId>) -> Result<Option<EnvelopeId>> {
    let id = || id.expect("an envelope sent before the fault");
    match op {
        Op::SendCreate | Op::SendSubmit => heysign.send(&request()).await.map(|e| Some(e.id)),
        Op::Get => heysign.get(id()).await.map(|_| None),
        Op::Cancel => heysign.cancel(id()).await.map(|()| None),
        Op::List => heysign.list(&ListQuery::new()).await.map(|_| None),
    }
}

/// A row's emulator and provider, with an envelope sent when the operation needs one and the
/// fault in place.
struct Prepared<'r> {
    row: &'r Row,
    emulator: HeySignEmulator,
    heysign: HeySign,
    sent: Option<EnvelopeId>,
    requests_before: usize,
    tokens_before: usize,
}

async fn prepare<'r>(row: &'r Row, http: &reqwest::Client) -> Prepared<'r> {
    let emulator = HeySignEmulator::start().await;
    let heysign = provider(&emulator, http);
    // Every row starts holding a valid token, so the token column counts renewals only.
    let sent = if row.op.is_send() {
        heysign.client().webhooks().list().await.expect("warm-up");
        None
    } else {
        Some(heysign.send(&request()).await.expect("setup send").id)
    };
    match row.case.fault() {
        Some(fault) => emulator.inject(row.op.route(), fault, row.times),
        None => emulator.expire_tokens(),
    }
    Prepared {
        row,
        requests_before: route_count(&emulator, row.op.route()),
        tokens_before: emulator.token_requests(),
        emulator,
        heysign,
        sent,
    }
}

/// Runs the row's operation, timed.
async fn act(prepared: &Prepared<'_>) -> (Result<Option<EnvelopeId>>, Duration) {
    let started = Instant::now();
    let result = run(prepared.row.op, &prepared.heysign, prepared.sent.as_ref()).await;
    (result, started.elapsed())
}

/// What the row measured, once the emulator has finished any delayed request.
fn finish(
    prepared: &Prepared<'_>,
    result: Result<Option<EnvelopeId>>,
    elapsed: Duration,
) -> Measured {
    let Prepared {
        row,
        emulator,
        sent,
        ..
    } = prepared;
    // "Recovered" must mean the operation took effect; a success that did not is named as such.
    let in_effect = match (&result, row.op) {
        (Ok(Some(id)), _) => agreement_status(emulator, id) == "Pending",
        (Ok(None), Op::Cancel) => {
            agreement_status(emulator, sent.as_ref().expect("sent")) == "Cancelled"
        }
        _ => true,
    };
    let outcome = match result {
        Ok(_) if in_effect => REC.to_owned(),
        Ok(_) => "ok, without effect".to_owned(),
        Err(err) => kind_label(&err),
    };
    Measured {
        operation: row.op.label().to_owned(),
        fault: row.case.label(),
        times: row.times.to_string(),
        outcome,
        requests: route_count(emulator, row.op.route()) - prepared.requests_before,
        tokens: emulator.token_requests() - prepared.tokens_before,
        envelopes: row.op.is_send().then(|| live_agreements(emulator)),
        elapsed,
    }
}

/// Measures every row, in the order given. Rows that mostly wait (Retry-After, timeouts) run
/// together once all of them are prepared, each against its own emulator; the others run one
/// after the other.
async fn measure_all(rows: &[Row], http: &reqwest::Client) -> Vec<Measured> {
    let waits = |row: &Row| {
        matches!(
            row.case,
            Case::RetryAfterSeconds | Case::RetryAfterDate | Case::Timeout
        )
    };
    let mut measured: Vec<Option<Measured>> = rows.iter().map(|_| None).collect();
    for (i, row) in rows.iter().enumerate().filter(|(_, row)| !waits(row)) {
        let prepared = prepare(row, http).await;
        let (result, elapsed) = act(&prepared).await;
        measured[i] = Some(finish(&prepared, result, elapsed));
    }
    let mut waiting = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, row)| waits(row)) {
        waiting.push((i, prepare(row, http).await));
    }
    let results = join_all(waiting.iter().map(|(_, prepared)| act(prepared))).await;
    // The emulator carries out a delayed request after the client gave up.
    tokio::time::sleep(DELAY).await;
    for ((i, prepared), (result, elapsed)) in waiting.iter().zip(results) {
        measured[*i] = Some(finish(prepared, result, elapsed));
    }
    measured
        .into_iter()
        .map(|m| m.expect("every row measured"))
        .collect()
}

/// A webhook-verification row: no request is made, whatever the API's state.
struct WebhookRow {
    input: &'static str,
    outcome: &'static str,
}

/// `parse_webhook` verifies locally: a fault on any route cannot reach it, so its rows are the
/// inputs a receiver must refuse.
async fn webhook_rows(expected: &[WebhookRow], http: &reqwest::Client) -> Vec<Measured> {
    let emulator = HeySignEmulator::start().await;
    let receiver = support::Receiver::start().await;
    let (_, secret) = emulator.register_webhook(&receiver.url, &[]);
    let heysign = support::builder(&emulator)
        .with_http_client(http.clone())
        .with_webhook_secret(&secret)
        .with_replay_guard(Arc::new(InMemoryReplayGuard::new()))
        .build()
        .expect("valid configuration");
    let unconfigured = support::builder(&emulator)
        .with_http_client(http.clone())
        .build()
        .expect("valid configuration");
    heysign.send(&request()).await.expect("send");
    let delivery = receiver
        .next(Duration::from_secs(5))
        .await
        .expect("a webhook delivery");
    let fixture = WebhookFixture::new(
        WebhookSecret::new(&secret).expect("the emulator's secret"),
        delivery.body.clone(),
    );
    let ten_minutes = Duration::from_secs(600);
    let mut tampered = delivery.clone();
    tampered.body = tamper(&delivery.body);
    for route in [
        Route::Token,
        Route::GetAgreement,
        Route::ListAgreements,
        Route::ListSignees,
    ] {
        emulator.inject(route, Fault::Status(500), 10);
    }
    let inputs: Vec<(&HeySign, WebhookRequest)> = vec![
        (&heysign, delivery.clone()),
        (&heysign, fixture.stale(ten_minutes)),
        (&heysign, fixture.from_the_future(ten_minutes)),
        (&heysign, tampered),
        (&heysign, fixture.wrong_key()),
        (&heysign, fixture.without_header(HEADER_SIGNATURE)),
        (&heysign, delivery.clone()),
        (&unconfigured, delivery),
    ];
    assert_eq!(inputs.len(), expected.len());
    let mut measured = Vec::new();
    for ((provider, input), row) in inputs.into_iter().zip(expected) {
        let before = emulator.requests().len();
        let started = Instant::now();
        let result = provider.parse_webhook(&input).await;
        let elapsed = started.elapsed();
        measured.push(Measured {
            operation: "webhook".to_owned(),
            fault: row.input.to_owned(),
            times: "—".to_owned(),
            outcome: result.map_or_else(|err| kind_label(&err), |_| "accepted".to_owned()),
            requests: emulator.requests().len() - before,
            tokens: 0,
            envelopes: None,
            elapsed,
        });
    }
    measured
}

const WEBHOOK_ROWS: [WebhookRow; 8] = [
    WebhookRow {
        input: "genuine, while the API answers 500",
        outcome: "accepted",
    },
    WebhookRow {
        input: "stale (signed 10 min ago)",
        outcome: "Webhook(TimestampTooOld)",
    },
    WebhookRow {
        input: "dated 10 min ahead",
        outcome: "Webhook(TimestampInFuture)",
    },
    WebhookRow {
        input: "tampered body",
        outcome: "Webhook(SignatureMismatch)",
    },
    WebhookRow {
        input: "signed with another key",
        outcome: "Webhook(SignatureMismatch)",
    },
    WebhookRow {
        input: "no signature header",
        outcome: "Webhook(MissingHeader)",
    },
    WebhookRow {
        input: "genuine, delivered again",
        outcome: "Webhook(Replayed)",
    },
    WebhookRow {
        input: "no webhook secret configured",
        outcome: "Webhook(NoSecret)",
    },
];

const COLUMNS: [&str; 8] = [
    "operation",
    "fault",
    "times",
    "outcome",
    "requests",
    "tokens",
    "envelopes",
    "time",
];

fn table(measured: &[Measured]) -> String {
    let mut out = format!("| {} |\n", COLUMNS.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(COLUMNS.len()));
    for m in measured {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} ms |",
            m.operation,
            m.fault,
            m.times,
            m.outcome,
            m.requests,
            m.tokens,
            m.envelopes_cell(),
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
    let rows = rows();
    let mut measured = Vec::new();
    let mut failures = Vec::new();
    // One HTTP client for every row: building one costs more than most rows take.
    let http = reqwest::Client::new();
    for (m, row) in measure_all(&rows, &http).await.into_iter().zip(&rows) {
        let expected = (row.outcome, row.requests, row.tokens, row.envelopes);
        let got = (m.outcome.as_str(), m.requests, m.tokens, m.envelopes);
        if m.envelopes.is_some_and(|left| left > 1) {
            failures.push(format!(
                "{} / {} x{}: one send left {:?} agreements",
                m.operation, m.fault, m.times, m.envelopes
            ));
        }
        if expected != got {
            failures.push(format!(
                "{} / {} x{}: expected {expected:?}, measured {got:?}",
                m.operation, m.fault, m.times
            ));
        }
        measured.push(m);
    }
    for (m, row) in webhook_rows(&WEBHOOK_ROWS, &http)
        .await
        .into_iter()
        .zip(&WEBHOOK_ROWS)
    {
        if m.outcome != row.outcome || m.requests != 0 {
            failures.push(format!(
                "webhook / {}: expected {} with no request, measured {} with {}",
                m.fault, row.outcome, m.outcome, m.requests
            ));
        }
        measured.push(m);
    }
    println!(
        "HeySign fault matrix ({} rows, {:.1} s):\n\n{}",
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
            ("tokens", m.tokens.to_string()),
            ("envelopes", m.envelopes_cell()),
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

//! The fault matrix of the HeySign adapter: each operation of the provider against each fault the
//! emulator can inject, with the outcome, the requests that reached the faulted route, the token
//! requests, and how many agreements a send leaves in the emulator.
//!
//! Every row runs against a fresh emulator, so the counts are the row's alone. The same table is
//! in `docs/reliability.md` ("Fault matrix: HeySign"); the test fails when a measured outcome or
//! count disagrees with the row's expectation or with the doc. Run it with
//! `cargo test -p heysign --test fault_matrix -- --nocapture` to print the measured table.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use heysign::HeySign;
use signing_core::webhook::{HEADER_SIGNATURE, WebhookSecret};
use signing_core::{
    Document, EnvelopeId, InMemoryReplayGuard, ListQuery, NewEnvelope, Result, RetryPolicy, Signer,
    SigningProvider, WebhookRequest,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::heysign::{HeySignEmulator, Route};
use signing_testkit::faults::{Case, Matrix, Measured, Row, kind_label, measure_all};
use signing_testkit::receiver::Receiver;
use signing_testkit::webhooks::{WebhookFixture, tamper};

/// One attempt's timeout: half the injected delay (`faults::DELAY`), so timeout rows stay fast.
const TIMEOUT: Duration = Duration::from_millis(150);

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

/// One row: an operation, a fault injected `times` times (`None`: every token expires, so the
/// next API call is answered 401), and what must happen.
#[derive(Clone)]
struct Spec {
    op: Op,
    case: Option<Case>,
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

impl Spec {
    fn fault_label(&self) -> String {
        self.case
            .map_or_else(|| "401, expired token".to_owned(), Case::label)
    }

    fn expected(&self) -> Row {
        cells(
            self.op.label(),
            &self.fault_label(),
            &self.times.to_string(),
            self.outcome,
            self.requests,
            self.tokens,
            self.envelopes,
        )
    }
}

fn cells(
    operation: &str,
    fault: &str,
    times: &str,
    outcome: &str,
    requests: usize,
    tokens: usize,
    envelopes: Option<usize>,
) -> Row {
    Row::new(
        operation,
        fault,
        times,
        [
            ("outcome", outcome.to_owned()),
            ("requests", requests.to_string()),
            ("tokens", tokens.to_string()),
            (
                "envelopes",
                envelopes.map_or_else(|| "—".to_owned(), |n| n.to_string()),
            ),
        ],
    )
}

const fn row(
    op: Op,
    case: Option<Case>,
    times: usize,
    outcome: &'static str,
    requests: usize,
    tokens: usize,
    envelopes: Option<usize>,
) -> Spec {
    Spec {
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
/// cancels are repeated on 5xx, 429, timeouts and broken connections; a 401 renews the token and
/// repeats the call once.
fn rows() -> Vec<Spec> {
    use Case::{Malformed, Reset, RetryAfterDate, RetryAfterSeconds, Status, Timeout, Truncated};
    use Op::{Cancel, Get, List, SendCreate, SendSubmit};
    let expired = None;
    let mut rows = Vec::new();
    for op in [SendCreate, SendSubmit] {
        // A create whose answer is cut short did make its draft, which the send finds by its
        // nonce and goes on with; submit answers 204, with no body to cut.
        let truncated = REC;
        rows.extend([
            // A 5xx may come after the create or submit was carried out (a 503 says it was
            // not taken); a submit's draft is then read back, found a draft, and deleted.
            row(op, Some(Status(500)), 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Some(Status(502)), 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Some(Status(503)), 1, "Provider(503)", 1, 0, Some(0)),
            row(op, Some(RetryAfterSeconds), 1, REC, 2, 0, Some(1)),
            // The emulator drops a delayed request whose client hung up; a submit that timed out
            // is read back as a draft, which is deleted.
            row(op, Some(Timeout), 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Some(Reset), 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Some(Malformed), 1, "OutcomeUnknown", 1, 0, Some(0)),
            row(op, Some(Truncated), 1, truncated, 1, 0, Some(1)),
            row(op, expired, 1, REC, 1, 1, Some(1)),
            row(op, Some(Status(401)), 2, "Unauthenticated", 2, 1, Some(0)),
            row(op, Some(Status(403)), 1, "PermissionDenied", 1, 0, Some(0)),
            row(op, Some(Status(404)), 1, "NotFound", 1, 0, Some(0)),
        ]);
    }
    for op in [Get, Cancel, List] {
        rows.extend([
            row(op, Some(Status(500)), 1, REC, 2, 0, None),
            row(op, Some(Status(502)), 1, REC, 2, 0, None),
            row(op, Some(Status(503)), 1, REC, 2, 0, None),
            row(op, Some(Status(503)), 3, "Provider(503)", 3, 0, None),
            row(op, Some(RetryAfterSeconds), 1, REC, 2, 0, None),
        ]);
        if op == Get {
            rows.push(row(op, Some(RetryAfterDate), 1, REC, 2, 0, None));
        }
        rows.extend([
            row(op, Some(Timeout), 1, REC, 2, 0, None),
            row(op, Some(Timeout), 3, "Transport(timeout)", 3, 0, None),
            row(op, Some(Reset), 1, REC, 2, 0, None),
            row(op, Some(Reset), 3, "Transport(connection)", 3, 0, None),
            row(op, Some(Malformed), 1, "UnexpectedResponse", 1, 0, None),
        ]);
        if op == Cancel {
            // Cancel answers 204: there is no body to cut short.
            rows.push(row(op, Some(Truncated), 1, REC, 1, 0, None));
        } else {
            rows.extend([
                row(op, Some(Truncated), 1, REC, 2, 0, None),
                row(op, Some(Truncated), 3, "Transport(connection)", 3, 0, None),
            ]);
        }
        rows.extend([
            row(op, expired, 1, REC, 2, 1, None),
            row(op, Some(Status(401)), 2, "Unauthenticated", 2, 1, None),
            row(op, Some(Status(403)), 1, "PermissionDenied", 1, 0, None),
            row(op, Some(Status(404)), 1, "NotFound", 1, 0, None),
        ]);
    }
    rows
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
struct Prepared {
    spec: Spec,
    emulator: HeySignEmulator,
    heysign: HeySign,
    sent: Option<EnvelopeId>,
    requests_before: usize,
    tokens_before: usize,
}

async fn prepare(spec: Spec, http: &reqwest::Client) -> Prepared {
    let emulator = HeySignEmulator::start().await;
    let heysign = provider(&emulator, http);
    let route = spec.op.route();
    // Every row starts holding a valid token, so the token column counts renewals only.
    let sent = if spec.op.is_send() {
        heysign.client().webhooks().list().await.expect("warm-up");
        None
    } else {
        Some(heysign.send(&request()).await.expect("setup send").id)
    };
    match spec.case {
        Some(case) => emulator.inject(route, case.fault(), spec.times),
        None => emulator.expire_tokens(),
    }
    Prepared {
        requests_before: route_count(&emulator, route),
        tokens_before: emulator.token_requests(),
        spec,
        emulator,
        heysign,
        sent,
    }
}

/// Runs the row's operation, timed, and counts once the emulator has finished any delayed
/// request.
async fn act(prepared: Prepared) -> Measured {
    let Prepared {
        spec,
        emulator,
        heysign,
        sent,
        requests_before,
        tokens_before,
    } = prepared;
    let started = Instant::now();
    let result = run(spec.op, &heysign, sent.as_ref()).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(spec.case.map_or(Duration::ZERO, Case::settle_time)).await;
    // "Recovered" must mean the operation took effect; a success that did not is named as such.
    let in_effect = match (&result, spec.op) {
        (Ok(Some(id)), _) => agreement_status(&emulator, id) == "Pending",
        (Ok(None), Op::Cancel) => {
            agreement_status(&emulator, sent.as_ref().expect("sent")) == "Cancelled"
        }
        _ => true,
    };
    let outcome = match result {
        Ok(_) if in_effect => REC.to_owned(),
        Ok(_) => "ok, without effect".to_owned(),
        Err(err) => kind_label(&err),
    };
    let envelopes = spec.op.is_send().then(|| live_agreements(&emulator));
    assert!(
        envelopes.is_none_or(|left| left <= 1),
        "{} / {}: one send left {envelopes:?} agreements",
        spec.op.label(),
        spec.fault_label()
    );
    Measured {
        row: cells(
            spec.op.label(),
            &spec.fault_label(),
            &spec.times.to_string(),
            &outcome,
            route_count(&emulator, spec.op.route()) - requests_before,
            emulator.token_requests() - tokens_before,
            envelopes,
        ),
        elapsed,
    }
}

/// `parse_webhook` verifies locally: a fault on any route cannot reach it, so its rows are the
/// inputs a receiver must refuse, each expected to make no request.
const WEBHOOK_ROWS: [(&str, &str); 8] = [
    ("genuine, while the API answers 500", "accepted"),
    ("stale (signed 10 min ago)", "Webhook(TimestampTooOld)"),
    ("dated 10 min ahead", "Webhook(TimestampInFuture)"),
    ("tampered body", "Webhook(SignatureMismatch)"),
    ("signed with another key", "Webhook(SignatureMismatch)"),
    ("no signature header", "Webhook(MissingHeader)"),
    ("genuine, delivered again", "Webhook(Replayed)"),
    ("no webhook secret configured", "Webhook(NoSecret)"),
];

async fn webhook_rows(http: &reqwest::Client) -> Vec<Measured> {
    let emulator = HeySignEmulator::start().await;
    let receiver = Receiver::start().await;
    let (_, secret) = emulator.register_webhook(&receiver.url(support::HOOKS), &[]);
    let heysign = support::builder(&emulator)
        .with_http_client(http.clone())
        .with_webhook_secret(WebhookSecret::new(&secret).unwrap())
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
    let mut measured = Vec::new();
    for ((provider, input), (label, _)) in inputs.into_iter().zip(WEBHOOK_ROWS) {
        let before = emulator.requests().len();
        let started = Instant::now();
        let result = provider.parse_webhook(&input).await;
        let elapsed = started.elapsed();
        let outcome = result.map_or_else(|err| kind_label(&err), |_| "accepted".to_owned());
        measured.push(Measured {
            row: cells(
                "webhook",
                label,
                "—",
                &outcome,
                emulator.requests().len() - before,
                0,
                None,
            ),
            elapsed,
        });
    }
    measured
}

#[tokio::test]
async fn the_fault_matrix_holds_and_matches_the_doc() {
    let started = Instant::now();
    let specs = rows();
    // One HTTP client for every row: building one costs more than most rows take.
    let http = reqwest::Client::new();
    let mut measured = measure_all(
        &specs,
        |spec| spec.case.is_some_and(Case::waits),
        |spec| prepare(spec, &http),
        act,
    )
    .await;
    measured.extend(webhook_rows(&http).await);
    let mut expected: Vec<Row> = specs.iter().map(Spec::expected).collect();
    expected.extend(
        WEBHOOK_ROWS
            .iter()
            .map(|(input, outcome)| cells("webhook", input, "—", outcome, 0, 0, None)),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Matrix::new(
        "HeySign",
        "### Fault matrix: HeySign",
        &["outcome", "requests", "tokens", "envelopes"],
    )
    .check(&root, &expected, &measured, started);
}

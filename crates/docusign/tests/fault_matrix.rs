//! The fault matrix of the DocuSign adapter: each operation of the provider against each fault
//! the emulator can inject, with the outcome, the requests that reached the faulted route, the
//! token requests, and how many envelopes a send leaves in the emulator.
//!
//! Every row runs against a fresh emulator, so the counts are the row's alone. The same table is
//! in `docs/reliability.md` ("Fault matrix: DocuSign"); the test fails when a measured outcome or
//! count disagrees with the row's expectation or with the doc. Run it with
//! `cargo test -p docusign --test fault_matrix -- --nocapture` to print the measured table.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use docusign::DocuSign;
use signing_core::{
    Document, EnvelopeId, ListQuery, NewEnvelope, Result, RetryPolicy, Signer, SigningProvider,
};
use signing_testkit::emulator::docusign::{DocuSignEmulator, Route};
use signing_testkit::faults::{Case, Matrix, Measured, Row, kind_label, measure_all};

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

fn provider(emulator: &DocuSignEmulator, http: &reqwest::Client) -> DocuSign {
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
    /// `send`: one create-and-send request.
    Send,
    Get,
    /// `cancel`: a void.
    Cancel,
    List,
    /// `download`, with the fault on the combined document (the envelope is read first).
    Download,
}

impl Op {
    fn label(self) -> &'static str {
        match self {
            Self::Send => "send (create)",
            Self::Get => "get",
            Self::Cancel => "cancel (void)",
            Self::List => "list",
            Self::Download => "download (combined)",
        }
    }

    fn route(self) -> Route {
        match self {
            Self::Send => Route::CreateEnvelope,
            Self::Get => Route::GetEnvelope,
            Self::Cancel => Route::UpdateEnvelope,
            Self::List => Route::ListEnvelopes,
            Self::Download => Route::GetCombinedDocument,
        }
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
    /// For sends: envelopes left in the emulator.
    envelopes: Option<usize>,
}

impl Spec {
    fn fault_label(&self) -> String {
        match self.case {
            None => "401, expired token".to_owned(),
            // DocuSign answers an exceeded rate limit with 400 and the reset in a header.
            Some(Case::RetryAfterSeconds) => "400 rate limit, reset in 1 s".to_owned(),
            Some(case) => case.label(),
        }
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

/// The matrix. The create is repeated only when it provably did not arrive or was refused
/// unprocessed (a rate limit), and a 5xx other than 503 leaves its outcome unknown; reads and
/// voids are repeated on 5xx, rate limits, timeouts and broken connections; a 401 renews the
/// token and repeats the call once.
fn rows() -> Vec<Spec> {
    use Case::{Malformed, Reset, RetryAfterSeconds, Status, Timeout, Truncated};
    use Op::{Cancel, Download, Get, List, Send};
    let expired = None;
    let mut rows = vec![
        row(Send, Some(Status(500)), 1, "OutcomeUnknown", 1, 0, Some(0)),
        row(Send, Some(Status(502)), 1, "OutcomeUnknown", 1, 0, Some(0)),
        row(Send, Some(Status(503)), 1, "Provider(503)", 1, 0, Some(0)),
        row(Send, Some(RetryAfterSeconds), 1, REC, 2, 0, Some(1)),
        // The emulator drops a delayed request whose client hung up.
        row(Send, Some(Timeout), 1, "OutcomeUnknown", 1, 0, Some(0)),
        row(Send, Some(Reset), 1, "OutcomeUnknown", 1, 0, Some(0)),
        row(Send, Some(Malformed), 1, "OutcomeUnknown", 1, 0, Some(0)),
        // The envelope was created; only its answer was cut short.
        row(Send, Some(Truncated), 1, "OutcomeUnknown", 1, 0, Some(1)),
        // The create itself is refused 401, then sent again with a new token.
        row(Send, expired, 1, REC, 2, 1, Some(1)),
        row(Send, Some(Status(401)), 2, "Unauthenticated", 2, 1, Some(0)),
        row(
            Send,
            Some(Status(403)),
            1,
            "PermissionDenied",
            1,
            0,
            Some(0),
        ),
        row(Send, Some(Status(404)), 1, "NotFound", 1, 0, Some(0)),
    ];
    for op in [Get, Cancel, List, Download] {
        rows.extend([
            row(op, Some(Status(500)), 1, REC, 2, 0, None),
            row(op, Some(Status(502)), 1, REC, 2, 0, None),
            row(op, Some(Status(503)), 1, REC, 2, 0, None),
            row(op, Some(Status(503)), 3, "Provider(503)", 3, 0, None),
            row(op, Some(RetryAfterSeconds), 1, REC, 2, 0, None),
            row(op, Some(Timeout), 1, REC, 2, 0, None),
            row(op, Some(Timeout), 3, "Transport(timeout)", 3, 0, None),
            row(op, Some(Reset), 1, REC, 2, 0, None),
            row(op, Some(Reset), 3, "Transport(connection)", 3, 0, None),
        ]);
        rows.extend([
            // For a download: not a PDF.
            row(op, Some(Malformed), 1, "UnexpectedResponse", 1, 0, None),
            // A void cut short after it was carried out is settled by reading the envelope.
            row(op, Some(Truncated), 1, REC, 2, 0, None),
            row(op, Some(Truncated), 3, "Transport(connection)", 3, 0, None),
        ]);
        // A download reads the envelope first: that read meets the 401, not the document's.
        let expired_requests = if op == Download { 1 } else { 2 };
        rows.extend([
            row(op, expired, 1, REC, expired_requests, 1, None),
            row(op, Some(Status(401)), 2, "Unauthenticated", 2, 1, None),
            row(op, Some(Status(403)), 1, "PermissionDenied", 1, 0, None),
            row(op, Some(Status(404)), 1, "NotFound", 1, 0, None),
        ]);
    }
    rows
}

fn envelope_status(emulator: &DocuSignEmulator, id: &EnvelopeId) -> String {
    emulator
        .envelope(id.as_str())
        .and_then(|e| e["status"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Runs `op`; a send returns the new envelope's id.
async fn run(op: Op, docusign: &DocuSign, id: Option<&EnvelopeId>) -> Result<Option<EnvelopeId>> {
    let id = || id.expect("an envelope sent before the fault");
    match op {
        Op::Send => docusign.send(&request()).await.map(|e| Some(e.id)),
        Op::Get => docusign.get(id()).await.map(|_| None),
        Op::Cancel => docusign.cancel(id()).await.map(|()| None),
        Op::List => docusign.list(&ListQuery::new()).await.map(|_| None),
        Op::Download => docusign.download(id()).await.map(|_| None),
    }
}

/// A row's emulator and provider, with an envelope sent (and completed, for a download) when the
/// operation needs one, and the fault in place.
struct Prepared {
    spec: Spec,
    emulator: DocuSignEmulator,
    docusign: DocuSign,
    sent: Option<EnvelopeId>,
    requests_before: usize,
    tokens_before: usize,
}

async fn prepare(spec: Spec, http: &reqwest::Client) -> Prepared {
    let emulator = DocuSignEmulator::start().await;
    let docusign = provider(&emulator, http);
    let route = spec.op.route();
    // Every row starts holding a valid token, so the token column counts renewals only.
    let sent = if spec.op == Op::Send {
        docusign.list(&ListQuery::new()).await.expect("warm-up");
        None
    } else {
        let id = docusign.send(&request()).await.expect("setup send").id;
        if spec.op == Op::Download {
            emulator.sign_all(id.as_str()).expect("every signer signs");
        }
        Some(id)
    };
    match spec.case {
        Some(case) => emulator.inject(route, case.fault(), spec.times),
        None => emulator.expire_tokens(),
    }
    Prepared {
        requests_before: emulator.request_count(route),
        tokens_before: emulator.token_requests(),
        spec,
        emulator,
        docusign,
        sent,
    }
}

/// Runs the row's operation, timed, and counts once the emulator has finished any delayed
/// request.
async fn act(prepared: Prepared) -> Measured {
    let Prepared {
        spec,
        emulator,
        docusign,
        sent,
        requests_before,
        tokens_before,
    } = prepared;
    let started = Instant::now();
    let result = run(spec.op, &docusign, sent.as_ref()).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(spec.case.map_or(Duration::ZERO, Case::settle_time)).await;
    // "Recovered" must mean the operation took effect; a success that did not is named as such.
    let in_effect = match (&result, spec.op) {
        (Ok(Some(id)), _) => envelope_status(&emulator, id) == "sent",
        (Ok(None), Op::Cancel) => {
            envelope_status(&emulator, sent.as_ref().expect("sent")) == "voided"
        }
        _ => true,
    };
    let outcome = match result {
        Ok(_) if in_effect => REC.to_owned(),
        Ok(_) => "ok, without effect".to_owned(),
        Err(err) => kind_label(&err),
    };
    let envelopes = (spec.op == Op::Send).then(|| emulator.envelopes().len());
    assert!(
        envelopes.is_none_or(|left| left <= 1),
        "{} / {}: one send left {envelopes:?} envelopes",
        spec.op.label(),
        spec.fault_label()
    );
    Measured {
        row: cells(
            spec.op.label(),
            &spec.fault_label(),
            &spec.times.to_string(),
            &outcome,
            emulator.request_count(spec.op.route()) - requests_before,
            emulator.token_requests() - tokens_before,
            envelopes,
        ),
        elapsed,
    }
}

#[tokio::test]
async fn the_fault_matrix_holds_and_matches_the_doc() {
    let started = Instant::now();
    let specs = rows();
    // One HTTP client for every row: building one costs more than most rows take.
    let http = reqwest::Client::new();
    let measured = measure_all(
        &specs,
        |spec| spec.case.is_some_and(Case::waits),
        |spec| prepare(spec, &http),
        act,
    )
    .await;
    let expected: Vec<Row> = specs.iter().map(Spec::expected).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Matrix::new(
        "DocuSign",
        "### Fault matrix: DocuSign",
        &["outcome", "requests", "tokens", "envelopes"],
    )
    .check(&root, &expected, &measured, started);
}

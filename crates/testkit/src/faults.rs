//! The runner of an adapter's fault matrix: each operation against each fault the emulators can
//! inject, measured, compared with the row's expectation and with the table in
//! `docs/reliability.md`.
//!
//! An adapter's test describes its operations and how to measure one row (start an emulator,
//! inject the [`Case`]'s fault, run the operation, count what reached the emulator); the runner
//! schedules the rows, prints the measured table and fails on any difference.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;
use signing_core::{Error, ErrorKind};

use crate::doc_table;
use crate::emulator::Fault;

/// The delay injected by [`Case::Timeout`]; adapters under test use a timeout of half of it.
pub const DELAY: Duration = Duration::from_millis(300);

/// What goes wrong in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Case {
    /// The provider answers this status.
    Status(u16),
    /// A 429 with `Retry-After: 1`.
    RetryAfterSeconds,
    /// A 429 with a `Retry-After` HTTP date two seconds ahead.
    RetryAfterDate,
    /// The answer takes [`DELAY`], beyond the client's timeout.
    Timeout,
    /// The connection is closed without an answer.
    Reset,
    /// A 200 whose body is not JSON.
    Malformed,
    /// The answer is cut short.
    Truncated,
}

impl Case {
    /// The row's `fault` cell.
    pub fn label(self) -> String {
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

    /// The emulator's fault.
    pub fn fault(self) -> Fault {
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

    /// Whether the row mostly waits, so it runs alongside the others like it.
    pub fn waits(self) -> bool {
        matches!(
            self,
            Self::RetryAfterSeconds | Self::RetryAfterDate | Self::Timeout
        )
    }

    /// How long to wait after the operation before counting: the emulator carries out a
    /// delayed request after the client gave up.
    pub fn settle_time(self) -> Duration {
        if self == Self::Timeout {
            DELAY
        } else {
            Duration::ZERO
        }
    }
}

/// An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`).
pub fn http_date(at: SystemTime) -> String {
    time::OffsetDateTime::from(at)
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap_or_default()
}

/// The name of an error's kind as the tables write it: `NotFound`, `Provider(503)`,
/// `Transport(timeout)`, `Webhook(SignatureMismatch)`.
pub fn kind_label(err: &Error) -> String {
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

/// One row, expected or measured: its key (operation, fault, times) and its cells by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The operation's label.
    pub operation: String,
    /// The fault's label.
    pub fault: String,
    /// How many times the fault was injected (`—` for rows without a fault).
    pub times: String,
    /// The other cells, by column (`outcome`, `requests`, ...), the time aside.
    pub cells: BTreeMap<&'static str, String>,
}

impl Row {
    /// A row keyed by `operation`, `fault` and `times`, with `cells`.
    pub fn new(
        operation: impl Into<String>,
        fault: impl Into<String>,
        times: impl Into<String>,
        cells: impl IntoIterator<Item = (&'static str, String)>,
    ) -> Self {
        Self {
            operation: operation.into(),
            fault: fault.into(),
            times: times.into(),
            cells: cells.into_iter().collect(),
        }
    }

    fn key(&self) -> (String, String, String) {
        (
            self.operation.clone(),
            self.fault.clone(),
            self.times.clone(),
        )
    }
}

/// One measured row and how long its operation took.
#[derive(Debug, Clone)]
pub struct Measured {
    /// What was measured.
    pub row: Row,
    /// How long the operation took (shown, not checked).
    pub elapsed: Duration,
}

/// Measures every row in two steps: `prepare` (start an emulator, set up what the operation
/// needs, inject the fault) and `act` (run the operation, count). Rows whose `waits` is true are
/// all prepared first, one after the other, then act together, so their waits overlap while no
/// set-up competes with them; the other rows are prepared and act one after the other (they are
/// quick, and alone they measure cleanly). Results come back in the rows' order.
pub async fn measure_all<R, P, Prep, PrepFut, Act, ActFut>(
    rows: &[R],
    waits: impl Fn(&R) -> bool,
    prepare: Prep,
    act: Act,
) -> Vec<Measured>
where
    R: Clone,
    Prep: Fn(R) -> PrepFut,
    PrepFut: Future<Output = P>,
    Act: Fn(P) -> ActFut,
    ActFut: Future<Output = Measured>,
{
    let mut measured: Vec<Option<Measured>> = rows.iter().map(|_| None).collect();
    for (i, row) in rows.iter().enumerate().filter(|(_, row)| !waits(row)) {
        measured[i] = Some(act(prepare(row.clone()).await).await);
    }
    let mut waiting = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, row)| waits(row)) {
        waiting.push((i, prepare(row.clone()).await));
    }
    let indices: Vec<usize> = waiting.iter().map(|(i, _)| *i).collect();
    let results = join_all(waiting.into_iter().map(|(_, prepared)| act(prepared))).await;
    for (i, result) in indices.into_iter().zip(results) {
        measured[i] = Some(result);
    }
    measured.into_iter().flatten().collect()
}

/// An adapter's matrix: its name, the heading of its table in the doc, and its columns.
#[derive(Debug, Clone)]
pub struct Matrix {
    name: &'static str,
    heading: &'static str,
    columns: Vec<&'static str>,
}

impl Matrix {
    /// The matrix `name` whose table follows `heading` in `docs/reliability.md`, with these
    /// columns after `operation`, `fault`, `times` (and before `time`).
    pub fn new(name: &'static str, heading: &'static str, columns: &[&'static str]) -> Self {
        Self {
            name,
            heading,
            columns: columns.to_vec(),
        }
    }

    /// The measured table, as the doc holds it.
    pub fn table(&self, measured: &[Measured]) -> String {
        let mut header = vec!["operation", "fault", "times"];
        header.extend(&self.columns);
        header.push("time");
        let mut out = format!("| {} |\n", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for m in measured {
            let mut cells = vec![
                m.row.operation.clone(),
                m.row.fault.clone(),
                m.row.times.clone(),
            ];
            cells.extend(
                self.columns
                    .iter()
                    .map(|c| m.row.cells.get(c).cloned().unwrap_or_default()),
            );
            cells.push(format!("{} ms", m.elapsed.as_millis()));
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out
    }

    /// Prints the measured table, then fails if a measured row differs from its expectation
    /// (matched by position), or from the doc's row (matched by key), or if the doc has rows
    /// the matrix does not run.
    ///
    /// # Panics
    ///
    /// With every difference found.
    pub fn check(
        &self,
        workspace_root: &Path,
        expected: &[Row],
        measured: &[Measured],
        started: Instant,
    ) {
        println!(
            "{} fault matrix ({} rows, {:.1} s):\n\n{}",
            self.name,
            measured.len(),
            started.elapsed().as_secs_f64(),
            self.table(measured)
        );
        let mut failures = Vec::new();
        assert_eq!(
            expected.len(),
            measured.len(),
            "every expected row is measured"
        );
        for (expected, measured) in expected.iter().zip(measured) {
            if expected != &measured.row {
                failures.push(format!(
                    "{} / {} x{}: expected {:?}, measured {:?}",
                    expected.operation,
                    expected.fault,
                    expected.times,
                    expected.cells,
                    measured.row.cells
                ));
            }
        }
        let doc = doc_table::read_doc(workspace_root, "docs/reliability.md");
        let rows = doc_table::table_after(&doc, Some(self.heading))
            .unwrap_or_else(|| panic!("docs/reliability.md has no table under `{}`", self.heading));
        let mut documented = BTreeMap::new();
        for row in rows {
            let key = (
                row.get("operation").cloned().unwrap_or_default(),
                row.get("fault").cloned().unwrap_or_default(),
                row.get("times").cloned().unwrap_or_default(),
            );
            assert!(
                documented.insert(key.clone(), row).is_none(),
                "docs/reliability.md lists {key:?} twice"
            );
        }
        for m in measured {
            let Some(doc) = documented.remove(&m.row.key()) else {
                failures.push(format!("docs/reliability.md has no row {:?}", m.row.key()));
                continue;
            };
            for column in &self.columns {
                let value = m.row.cells.get(column).cloned().unwrap_or_default();
                if doc.get(*column) != Some(&value) {
                    failures.push(format!(
                        "docs/reliability.md, row {:?}, column `{column}`: the doc says {:?}, measured {value:?}",
                        m.row.key(),
                        doc.get(*column)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_tables() {
        assert_eq!(Case::Status(503).label(), "503");
        assert!(Case::Timeout.waits() && !Case::Reset.waits());
        assert_eq!(
            kind_label(&Error::from_http_status(503, "m", None, None)),
            "Provider(503)"
        );
        assert_eq!(kind_label(&Error::not_found("x")), "NotFound");
        let matrix = Matrix::new("X", "### X", &["outcome", "requests"]);
        let table = matrix.table(&[Measured {
            row: Row::new(
                "get",
                "500",
                "1",
                [
                    ("outcome", "recovered".to_owned()),
                    ("requests", "2".to_owned()),
                ],
            ),
            elapsed: Duration::from_millis(5),
        }]);
        assert_eq!(
            table,
            "| operation | fault | times | outcome | requests | time |\n|---|---|---|---|---|---|\n| get | 500 | 1 | recovered | 2 | 5 ms |\n"
        );
        assert!(http_date(SystemTime::UNIX_EPOCH).starts_with("Thu, 01 Jan 1970"));
    }
}

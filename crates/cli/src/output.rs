//! What the tool prints: text for people, or one JSON object per line for scripts, plus a
//! spinner on a terminal while something slow happens.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use signing::Envelope;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::exit::{CliError, Code};

/// Where results go, and in which form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    /// Text output, or JSON with `json`.
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether scripts asked for JSON.
    pub(crate) fn json(self) -> bool {
        self.json
    }

    /// An envelope in full: text lines `key  value`, or the serialized `Envelope`.
    pub(crate) fn envelope(self, envelope: &Envelope) -> Result<(), CliError> {
        if self.json {
            return print_json(envelope);
        }
        print(&envelope_text(envelope))
    }

    /// One step of a watch: a line with the time, the status and each signer's status, or the
    /// serialized `Envelope` on one line.
    pub(crate) fn update(self, envelope: &Envelope) -> Result<(), CliError> {
        if self.json {
            return print_json(envelope);
        }
        print(&update_line(envelope, OffsetDateTime::now_utc()))
    }

    /// A spinner with `message` on standard error while the returned value lives; nothing
    /// when printing JSON or when standard error is not a terminal, so logs stay clean.
    pub(crate) fn progress(self, message: impl Into<String>) -> Progress {
        if self.json || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(Some(bar))
    }
}

/// Writes `text` (one or more whole lines) to standard output and flushes it, so a reader on a
/// pipe sees each line as it happens.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::output(&e))
}

/// Writes `value` to standard output as one line of JSON.
pub(crate) fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    let mut line = serde_json::to_string(value)
        .map_err(|e| CliError::new(Code::Failure, format!("cannot encode JSON: {e}")))?;
    line.push('\n');
    print(&line)
}

/// Writes one line to standard error. A closed standard error is ignored: there is nowhere
/// left to report it, and `eprintln!` would panic instead.
pub(crate) fn say(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// A spinner on standard error; cleared when dropped.
#[derive(Debug)]
pub(crate) struct Progress(Option<ProgressBar>);

impl Progress {
    /// Runs `print` with the spinner hidden, so output lines never mix with it.
    pub(crate) fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

fn signer_label(name: Option<&str>, email: Option<&str>) -> String {
    match (name, email) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(only), None) | (None, Some(only)) => only.to_owned(),
        (None, None) => "(unnamed signer)".to_owned(),
    }
}

fn envelope_text(envelope: &Envelope) -> String {
    let mut text = String::new();
    let mut line = |key: &str, value: &dyn std::fmt::Display| {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "{key:<10}{value}");
    };
    line("envelope", &envelope.id);
    line("provider", &envelope.provider);
    if let Some(title) = &envelope.title {
        line("title", title);
    }
    line("status", &envelope.status);
    if let Some(reference) = &envelope.reference {
        line("reference", reference);
    }
    for signer in &envelope.signers {
        let label = signer_label(signer.name.as_deref(), signer.email.as_deref());
        line("signer", &format!("{label}: {}", signer.status));
    }
    text
}

fn update_line(envelope: &Envelope, now: OffsetDateTime) -> String {
    let clock = now
        .format(format_description!("[hour]:[minute]:[second]"))
        .unwrap_or_default();
    let signers: Vec<String> = envelope
        .signers
        .iter()
        .map(|s| {
            let who = s.email.as_deref().or(s.name.as_deref()).unwrap_or("?");
            format!("{who} {}", s.status)
        })
        .collect();
    let mut line = format!("{clock}  {}  {}", envelope.id, envelope.status);
    if !signers.is_empty() {
        let _ = write!(line, "  ({})", signers.join(", "));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use signing::{EnvelopeId, EnvelopeSigner, EnvelopeStatus, SignerStatus};

    fn envelope() -> Envelope {
        let mut envelope = Envelope::new(EnvelopeId::new("env-1"), "memory", EnvelopeStatus::Sent);
        envelope.title = Some("NDA".into());
        let mut ada = EnvelopeSigner::new("ada@example.com", SignerStatus::Signed);
        ada.name = Some("Ada Lovelace".into());
        envelope.signers.push(ada);
        envelope.signers.push(EnvelopeSigner::new(
            "bob@example.com",
            SignerStatus::Notified,
        ));
        envelope
    }

    #[test]
    fn text_is_one_field_per_line() {
        assert_eq!(
            envelope_text(&envelope()),
            "envelope  env-1\n\
             provider  memory\n\
             title     NDA\n\
             status    sent\n\
             signer    Ada Lovelace <ada@example.com>: signed\n\
             signer    bob@example.com: notified\n"
        );
    }

    #[test]
    fn an_update_is_one_line() {
        let at = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        assert_eq!(
            update_line(&envelope(), at),
            "03:04:05  env-1  sent  (ada@example.com signed, bob@example.com notified)\n"
        );
    }
}

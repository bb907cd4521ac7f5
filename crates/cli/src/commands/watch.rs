//! `signing watch <id>`: each status change until the envelope is final. Also the waiting part
//! of `signing send --wait`.

use std::time::Duration;

use futures_util::TryStreamExt;
use signing::{Envelope, EnvelopeId, SigningProvider, SigningProviderExt, WatchOptions};
use tokio::time::Instant;

use crate::args::WatchArgs;
use crate::config;
use crate::exit::{CliError, Code};
use crate::output::Output;

/// Follows the envelope until it is final.
pub(crate) async fn run(args: &WatchArgs, out: Output) -> Result<(), CliError> {
    let provider = config::provider(&args.provider)?;
    let id = EnvelopeId::new(args.id.as_str());
    follow(&*provider, &id, args.interval, args.timeout, None, out).await
}

/// Prints every change of the envelope until its status is final, polling every `interval`.
///
/// `known` is the state already printed, so the first read does not repeat it. With a
/// `timeout`, a still-open envelope is an error with exit code 6.
pub(crate) async fn follow(
    provider: &dyn SigningProvider,
    id: &EnvelopeId,
    interval: Duration,
    timeout: Option<Duration>,
    known: Option<&Envelope>,
    out: Output,
) -> Result<(), CliError> {
    // A timeout beyond what the clock can represent is no deadline at all.
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut updates = provider.watch(id, WatchOptions::every(interval));
    let progress = out.progress(format!("waiting for {id} to be signed"));
    let mut last = known.cloned();
    loop {
        let next = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, updates.try_next())
                .await
                .map_err(|_| timed_out(id, last.as_ref(), timeout))?,
            None => updates.try_next().await,
        };
        let Some(envelope) = next? else {
            return Ok(());
        };
        if last
            .as_ref()
            .is_none_or(|seen| !same_state(seen, &envelope))
        {
            progress.suspend(|| out.update(&envelope))?;
        }
        last = Some(envelope);
    }
}

/// Whether two reads show the same statuses; `watch` yields only changes, but the first read
/// may equal what `send` already printed.
fn same_state(a: &Envelope, b: &Envelope) -> bool {
    a.status == b.status
        && a.signers.len() == b.signers.len()
        && a.signers
            .iter()
            .zip(&b.signers)
            .all(|(x, y)| x.status == y.status)
}

fn timed_out(id: &EnvelopeId, last: Option<&Envelope>, timeout: Option<Duration>) -> CliError {
    let secs = timeout.unwrap_or_default().as_secs_f64();
    let status = last.map_or_else(|| "unknown".to_owned(), |e| e.status.to_string());
    CliError::new(
        Code::TimedOut,
        format!("envelope {id} is still {status} after {secs}s (--timeout)"),
    )
}

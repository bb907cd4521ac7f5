//! `signing status <id>`: the envelope's current state.

use signing::EnvelopeId;

use crate::args::IdArgs;
use crate::config;
use crate::exit::CliError;
use crate::output::Output;

/// Reads the envelope and prints it.
pub(crate) async fn run(args: &IdArgs, out: Output) -> Result<(), CliError> {
    let provider = config::provider(&args.provider)?;
    let envelope = provider.get(&EnvelopeId::new(args.id.as_str())).await?;
    out.envelope(&envelope)
}

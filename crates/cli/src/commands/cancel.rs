//! `signing cancel <id>`: nobody can sign the envelope any more.

use serde_json::json;
use signing::EnvelopeId;

use crate::args::IdArgs;
use crate::config;
use crate::exit::CliError;
use crate::output::{self, Output};

/// Cancels the envelope and says so.
pub(crate) async fn run(args: &IdArgs, out: Output) -> Result<(), CliError> {
    let provider = config::provider(&args.provider)?;
    let id = EnvelopeId::new(args.id.as_str());
    provider.cancel(&id).await?;
    if out.json() {
        output::print_json(&json!({"id": id, "provider": provider.name(), "status": "cancelled"}))
    } else {
        output::print(&format!("cancelled {id} on {}\n", provider.name()))
    }
}

//! One module per subcommand.

mod cancel;
mod emulate;
mod sandbox;
mod send;
mod status;
mod watch;
mod webhook;

use crate::args::{Cli, Command, WebhookCommand};
use crate::exit::CliError;
use crate::output::Output;

/// Runs the parsed command line.
pub(crate) async fn run(cli: Cli) -> Result<(), CliError> {
    let out = Output::new(cli.json);
    match cli.command {
        Command::Send(args) => send::run(*args, out).await,
        Command::Status(args) => status::run(&args, out).await,
        Command::Cancel(args) => cancel::run(&args, out).await,
        Command::Watch(args) => watch::run(&args, out).await,
        Command::Webhook(WebhookCommand::Verify(args)) => webhook::verify(&args, out),
        Command::Emulate(args) => emulate::run(&args, out).await,
        Command::Sandbox(args) => sandbox::run(&args, out).await,
    }
}

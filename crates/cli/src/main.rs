//! `signing`: send a document for signature, follow it, check a captured webhook, or run a
//! local emulator of a provider, without writing code.
//!
//! ```text
//! signing send --provider heysign --document nda.pdf --signer "Ada Lovelace <ada@example.com>" --wait
//! signing status <id> | signing cancel <id> | signing watch <id>
//! signing webhook verify --secret whsec_... --request captured.http
//! signing emulate heysign --auto-sign 1
//! signing sandbox --open
//! ```
//!
//! The provider is configured as the library's `ProviderConfig` is: the adapters' environment
//! variables, or a TOML file, overridden by flags. Output is text, or one JSON object per line
//! with `--json`. Every failure is one line on standard error, `error: <message>`, and an exit
//! code that tells invalid input (2), a provider's refusal (3), a transport failure (4) and a
//! rejected webhook (5) apart; `docs/cli.md` has the details.

mod args;
mod commands;
mod config;
mod exit;
mod output;

use std::panic::AssertUnwindSafe;
use std::process::ExitCode;

use clap::Parser as _;
use clap::error::ErrorKind as ClapErrorKind;

use crate::args::Cli;
use crate::exit::Code;

fn main() -> ExitCode {
    // A bug must still end in one line, never a backtrace on a user's terminal.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown cause");
        output::say(&format!("error: internal failure: {}", one_line(message)));
    }));

    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            output::say(&format!("error: cannot start the async runtime: {err}"));
            return Code::Failure.into();
        }
    };
    let outcome =
        std::panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(commands::run(cli))));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            output::say(&format!("error: {err}"));
            err.code().into()
        }
        // The hook has already said what happened.
        Err(_) => Code::Failure.into(),
    }
}

/// Prints a command-line mistake as one line (clap's usage block and tips left out) and returns
/// exit code 2; help and version requests print in full.
fn usage_error(err: &clap::Error) -> ExitCode {
    if matches!(
        err.kind(),
        ClapErrorKind::DisplayHelp
            | ClapErrorKind::DisplayVersion
            | ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // Nothing sensible is left to do if the terminal is gone.
        let _ = err.print();
        return if err.use_stderr() {
            Code::InvalidInput.into()
        } else {
            ExitCode::SUCCESS
        };
    }
    let rendered = err.render().to_string();
    let kept: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("Usage:")
                && !line.starts_with("tip:")
                && !line.starts_with("For more information")
        })
        .collect();
    output::say(&one_line(&kept.join(" ")));
    Code::InvalidInput.into()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

//! The command line, as clap types.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

// Shown at the end of `--help`, so scripts can rely on the codes without reading the source.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  success
  1  an unexpected failure (output could not be written, the emulator could not start)
  2  invalid input: usage, document, signer, configuration, or an option the provider lacks
  3  the provider refused: unauthenticated, permission denied, not found, invalid state, 4xx
  4  transport failure: connection, timeout, rate limited, outcome unknown, 5xx, bad answer
  5  webhook verification failed
  6  --timeout elapsed before the envelope reached a final status"
    };
}

/// The end of `--help` for commands that talk to a provider.
const PROVIDER_HELP: &str = concat!(
    "Configuration: --set and --provider override --config <file.toml>, which replaces the
environment (SIGNING_PROVIDER, DOCUSIGN_*, HEYSIGN_*, LEAP_SIGN_*). See docs/cli.md.

",
    exit_codes!()
);

/// The end of `--help` for the other commands.
const EXIT_CODES: &str = exit_codes!();

/// Send documents for signature, follow them, check webhooks and run local emulators of the
/// providers.
#[derive(Debug, Parser)]
#[command(name = "signing", version, after_help = PROVIDER_HELP)]
pub(crate) struct Cli {
    /// Print JSON for scripts instead of text: one object per line.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Send a document to be signed, and optionally wait until it is.
    #[command(after_help = PROVIDER_HELP)]
    Send(Box<SendArgs>),
    /// Show an envelope's current status and its signers.
    #[command(after_help = PROVIDER_HELP)]
    Status(IdArgs),
    /// Cancel a sent envelope, so nobody can sign it any more.
    #[command(after_help = PROVIDER_HELP)]
    Cancel(IdArgs),
    /// Print an envelope's status each time it changes, until it is final.
    #[command(after_help = PROVIDER_HELP)]
    Watch(WatchArgs),
    /// Check captured Standard Webhooks deliveries.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Run a local emulator of a provider and print the variables that point at it.
    #[command(after_help = EXIT_CODES)]
    Emulate(EmulateArgs),
    /// Run every emulator behind local web pages where you see the e-mails, sign by hand and
    /// watch the webhooks.
    #[command(after_help = EXIT_CODES)]
    Sandbox(SandboxArgs),
}

/// Which provider to talk to, and its settings.
#[derive(Clone, Default, Args)]
pub(crate) struct ProviderArgs {
    /// `docusign`, `heysign`, `leap-sign` or `memory`; overrides SIGNING_PROVIDER and the config
    /// file.
    #[arg(long, value_name = "NAME")]
    pub(crate) provider: Option<String>,

    /// A TOML file with `provider = "..."` and the provider's settings; when given, the
    /// provider's environment variables are not read.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Override one provider setting, such as `--set issuer="Acme AB"` (repeatable). Other
    /// users of the machine can read the command line: give secrets with --set-file or
    /// --set-env.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) overrides: Vec<(String, String)>,

    /// Override one provider setting with the contents of a file, such as
    /// `--set-file client_secret=/run/secrets/heysign` (repeatable; one trailing newline is
    /// dropped).
    #[arg(long = "set-file", value_name = "KEY=PATH", value_parser = parse_key_value)]
    pub(crate) file_overrides: Vec<(String, String)>,

    /// Override one provider setting with an environment variable's value, such as
    /// `--set-env api_key=STAGING_LEAP_KEY` (repeatable).
    #[arg(long = "set-env", value_name = "KEY=VARIABLE", value_parser = parse_key_value)]
    pub(crate) env_overrides: Vec<(String, String)>,
}

// Settings may be secrets: only their keys are shown.
impl fmt::Debug for ProviderArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = |pairs: &[(String, String)]| -> Vec<String> {
            pairs.iter().map(|(key, _)| key.clone()).collect()
        };
        f.debug_struct("ProviderArgs")
            .field("provider", &self.provider)
            .field("config", &self.config)
            .field("overrides", &keys(&self.overrides))
            .field("file_overrides", &self.file_overrides)
            .field("env_overrides", &self.env_overrides)
            .finish()
    }
}

/// `signing send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// Provider selection.
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,

    /// The document to sign: a PDF, or a DOCX where the provider accepts it.
    #[arg(long, value_name = "PATH")]
    pub(crate) document: PathBuf,

    /// A signer, `"Name <email>"` (repeatable; with --ordered they sign in this order).
    #[arg(long, value_name = "PERSON", required = true)]
    pub(crate) signer: Vec<String>,

    /// An address that receives the signed result without signing (repeatable).
    #[arg(long, value_name = "EMAIL")]
    pub(crate) cc: Vec<String>,

    /// Signers sign one after another, in the order given, instead of all at once.
    #[arg(long)]
    pub(crate) ordered: bool,

    /// The envelope's title (default: the document's file name).
    #[arg(long, value_name = "TITLE")]
    pub(crate) title: Option<String>,

    /// The owner or sender, `"Name <email>"` (LEAP Sign needs one, unless configured).
    #[arg(long, value_name = "PERSON")]
    pub(crate) owner: Option<String>,

    /// Where the provider reports completion; must be https.
    #[arg(long, value_name = "URL")]
    pub(crate) callback_url: Option<String>,

    /// Accept an http --callback-url on a loopback host, for local testing.
    #[arg(long, requires = "callback_url")]
    pub(crate) allow_insecure_callback: bool,

    /// Your reference for this envelope; where the provider supports it, sending the same
    /// reference again returns the first envelope instead of a second one.
    #[arg(long, value_name = "REFERENCE")]
    pub(crate) reference: Option<String>,

    /// After sending, print each status change until the envelope is final.
    #[arg(long)]
    pub(crate) wait: bool,

    /// With --wait: seconds between two status reads (fractions allowed).
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_interval, requires = "wait")]
    pub(crate) interval: Duration,

    /// With --wait: give up after this many seconds (exit code 6).
    #[arg(long, value_name = "SECS", value_parser = parse_secs, requires = "wait")]
    pub(crate) timeout: Option<Duration>,
}

/// `signing status` and `signing cancel`.
#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// Provider selection.
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,

    /// The envelope's id, as `send` printed it.
    #[arg(value_name = "ID")]
    pub(crate) id: String,
}

/// `signing watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// Provider selection.
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,

    /// The envelope's id, as `send` printed it.
    #[arg(value_name = "ID")]
    pub(crate) id: String,

    /// Seconds between two status reads (fractions allowed).
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_interval)]
    pub(crate) interval: Duration,

    /// Give up after this many seconds (exit code 6).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub(crate) timeout: Option<Duration>,
}

/// `signing webhook ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Verify a captured Standard Webhooks request; says precisely why it fails (exit code 5).
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
}

/// `signing webhook verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// A signing secret, `whsec_...` (repeat during a key rotation; any one may match). Other
    /// users of the machine can read the command line: prefer the variable or --secret-file.
    #[arg(
        long,
        value_name = "WHSEC",
        env = "HEYSIGN_WEBHOOK_SECRET",
        hide_env_values = true,
        required_unless_present = "secret_file"
    )]
    pub(crate) secret: Vec<String>,

    /// A file holding signing secrets, separated by newlines, spaces or commas (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) secret_file: Vec<PathBuf>,

    /// The captured request: an optional request line, `Name: value` header lines, a blank
    /// line, then the body exactly as received. `-` reads standard input.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub(crate) request: PathBuf,

    /// How far the timestamp may be from now, either way, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub(crate) tolerance: u64,

    /// Check as of this Unix time instead of now, to verify an old capture.
    #[arg(long, value_name = "UNIX_SECS")]
    pub(crate) now: Option<i64>,
}

// The secrets are never shown, only how many were given.
impl fmt::Debug for VerifyArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyArgs")
            .field("secret", &format_args!("[{} REDACTED]", self.secret.len()))
            .field("secret_file", &self.secret_file)
            .field("request", &self.request)
            .field("tolerance", &self.tolerance)
            .field("now", &self.now)
            .finish()
    }
}

/// `signing emulate`.
#[derive(Debug, Args)]
pub(crate) struct EmulateArgs {
    /// The provider to emulate.
    #[arg(value_enum, value_name = "PROVIDER")]
    pub(crate) provider: EmulatedProvider,

    /// Also write the `export` lines to this file once the emulator listens (the file appears
    /// complete, so a script can wait for it and source it).
    #[arg(long, value_name = "PATH")]
    pub(crate) port_file: Option<PathBuf>,

    /// Have every sent envelope signed by all its signers, in turn, this many seconds after it
    /// appears (fractions allowed).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub(crate) auto_sign: Option<Duration>,
}

/// `signing sandbox`.
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Open the pages in a web browser, where one can be started.
    #[arg(long)]
    pub(crate) open: bool,

    /// The loopback port of the pages (default: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub(crate) port: u16,

    /// The provider that the printed SIGNING_PROVIDER names.
    #[arg(long, value_enum, value_name = "PROVIDER", default_value = "docusign")]
    pub(crate) provider: EmulatedProvider,

    /// Register this URL for every HeySign webhook and print HEYSIGN_WEBHOOK_SECRET (https, or
    /// http on a loopback host).
    #[arg(long, value_name = "URL")]
    pub(crate) heysign_webhook: Option<String>,
}

/// The providers `signing emulate` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EmulatedProvider {
    /// DocuSign eSignature REST API v2.1 (its auth host and its API host).
    Docusign,
    /// HeySign API v1.
    Heysign,
    /// LEAP Sign.
    LeapSign,
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{text}` is not a number of seconds"))
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    // Polling faster than this only loads the provider; it cannot make anyone sign sooner.
    const MIN: Duration = Duration::from_millis(50);
    let interval = parse_secs(text)?;
    if interval < MIN {
        return Err(format!("`{text}` is below the minimum of 0.05 seconds"));
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn values_are_checked() {
        assert_eq!(
            parse_key_value("issuer=Acme AB").unwrap(),
            ("issuer".to_owned(), "Acme AB".to_owned())
        );
        assert_eq!(
            parse_key_value("url=a=b").unwrap(),
            ("url".to_owned(), "a=b".to_owned())
        );
        assert!(parse_key_value("=x").is_err());
        assert!(parse_key_value("novalue").is_err());
        assert_eq!(parse_interval("0.25").unwrap(), Duration::from_millis(250));
        assert!(parse_interval("0").is_err());
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("NaN").is_err());
        assert!(parse_secs("1e400").is_err());
        assert!(parse_secs("soon").is_err());
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let cli = Cli::try_parse_from([
            "signing",
            "webhook",
            "verify",
            "--secret",
            "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
            "--secret-file",
            "/run/secrets/hook",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains("whsec_c2Vj"), "{shown}");
        assert!(shown.contains("[1 REDACTED]") && shown.contains("/run/secrets/hook"));

        let cli = Cli::try_parse_from([
            "signing",
            "status",
            "--set",
            "client_secret=hunter2-hunter2",
            "--set-file",
            "api_key=/run/key",
            "--set-env",
            "callback_secret=CALLBACK",
            "env-1",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("client_secret") && shown.contains("/run/key"));
    }
}

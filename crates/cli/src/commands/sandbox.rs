//! `signing sandbox`: every emulator behind the local web pages of `signing_testkit::sandbox`,
//! and the variables that point an application at them.

use std::process::{Command, Stdio};

use serde_json::Value;
use signing::net::{UrlRules, check_url};
use signing_testkit::sandbox::Sandbox;

use super::emulate::{docusign_vars, exports, heysign_vars, leap_sign_vars};
use crate::args::{EmulatedProvider, SandboxArgs};
use crate::exit::{CliError, Code};
use crate::output::{self, Output};

/// Starts the sandbox, prints the variables and the pages' address, and serves until Ctrl-C.
pub(crate) async fn run(args: &SandboxArgs, out: Output) -> Result<(), CliError> {
    if let Some(url) = &args.heysign_webhook {
        let rules = UrlRules::strict().loopback_http(true).query(true);
        check_url("--heysign-webhook", url, rules)
            .map_err(|e| CliError::new(Code::InvalidInput, e.to_string()))?;
    }
    let sandbox = Sandbox::builder()
        .port(args.port)
        .start()
        .await
        .map_err(|e| {
            CliError::new(
                Code::Failure,
                format!("cannot serve the sandbox on port {}: {e}", args.port),
            )
        })?;
    let url = format!("{}/", sandbox.url());
    let groups = variables(&sandbox, args);

    if out.json() {
        let variables: serde_json::Map<String, Value> = groups
            .iter()
            .flat_map(|(_, vars)| vars.iter())
            .map(|(name, value)| ((*name).to_owned(), Value::String(value.clone())))
            .collect();
        output::print_json(&serde_json::json!({ "url": url, "variables": variables }))?;
    } else {
        let mut text = String::new();
        for (label, vars) in &groups {
            text.push_str("# ");
            text.push_str(label);
            text.push('\n');
            text.push_str(&exports(vars));
        }
        text.push_str("# The sandbox's pages: ");
        text.push_str(&url);
        text.push('\n');
        output::print(&text)?;
    }
    output::say(&format!(
        "sandbox running at {url} ({}); Ctrl-C stops it",
        sandbox
            .controls()
            .iter()
            .map(|control| control.label())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if args.open {
        open_browser(&url);
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::new(Code::Failure, format!("cannot wait for Ctrl-C: {e}")))
}

/// The variables of each emulator under its name, then the one `SIGNING_PROVIDER`.
fn variables(
    sandbox: &Sandbox,
    args: &SandboxArgs,
) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let mut groups = Vec::new();
    if let Some(emu) = sandbox.docusign() {
        groups.push(("DocuSign", docusign_vars(emu)));
    }
    if let Some(emu) = sandbox.heysign() {
        let mut vars = heysign_vars(emu);
        if let Some(url) = &args.heysign_webhook {
            let (_, secret) = emu.register_webhook(url, &[]);
            vars.push(("HEYSIGN_WEBHOOK_SECRET", secret));
        }
        groups.push(("HeySign", vars));
    }
    if let Some(emu) = sandbox.leap_sign() {
        groups.push(("LEAP Sign", leap_sign_vars(emu)));
    }
    for (_, vars) in &mut groups {
        vars.retain(|(name, _)| *name != "SIGNING_PROVIDER");
    }
    let provider = match args.provider {
        EmulatedProvider::Docusign => "docusign",
        EmulatedProvider::Heysign => "heysign",
        EmulatedProvider::LeapSign => "leap-sign",
    };
    groups.push((
        "The provider your application uses",
        vec![
            ("SIGNING_PROVIDER", provider.to_owned()),
            ("SIGNING_SANDBOX_URL", sandbox.url().to_owned()),
        ],
    ));
    groups
}

/// Opens `url` with the system's opener; says so, and how to open it by hand, when that fails.
fn open_browser(url: &str) {
    let (program, arguments): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let opened = Command::new(program)
        .args(&arguments)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Err(why) = opened {
        output::say(&format!(
            "could not open a browser ({program}: {why}); open {url} by hand"
        ));
    }
}

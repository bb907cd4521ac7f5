//! `signing emulate <provider>`: a local emulator from `signing::testkit`, and the environment
//! variables that point this tool (or an application) at it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use signing::testkit::emulator::docusign::DocuSignEmulator;
use signing::testkit::emulator::heysign::HeySignEmulator;
use signing::testkit::emulator::leap_sign::LeapSignEmulator;
use tokio::time::Instant;

use crate::args::{EmulateArgs, EmulatedProvider};
use crate::exit::{CliError, Code};
use crate::output::{self, Output};

/// Who issues agreements the emulator receives, since HeySign needs an issuer.
const ISSUER: &str = "Emulator AB";
/// The owner of processes, since LEAP Sign needs one.
const OWNER: &str = "Emulator Owner <owner@example.com>";
/// How often `--auto-sign` looks for new envelopes.
const POLL: Duration = Duration::from_millis(200);

/// Starts the emulator, prints the variables, and serves until Ctrl-C.
pub(crate) async fn run(args: &EmulateArgs, out: Output) -> Result<(), CliError> {
    let emulator = Emulator::start(args.provider).await;
    let vars = emulator.vars();
    let exports = exports(&vars);
    if let Some(path) = &args.port_file {
        write_atomically(path, &exports)?;
    }
    if out.json() {
        let object: serde_json::Map<String, Value> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), Value::String(value.clone())))
            .collect();
        output::print_json(&object)?;
    } else {
        output::print(&exports)?;
    }
    output::say(&format!(
        "{} emulator running; Ctrl-C stops it{}",
        emulator.label(),
        args.auto_sign.map_or_else(String::new, |after| format!(
            "; every envelope is signed {}s after it is sent",
            after.as_secs_f64()
        ))
    ));

    let stop = tokio::signal::ctrl_c();
    match args.auto_sign {
        Some(after) => {
            tokio::select! {
                stopped = stop => stopped,
                () = auto_sign(&emulator, after) => Ok(()),
            }
        }
        None => stop.await,
    }
    .map_err(|e| CliError::new(Code::Failure, format!("cannot wait for Ctrl-C: {e}")))
}

/// A running emulator of one provider.
#[allow(clippy::enum_variant_names)] // The providers' names.
enum Emulator {
    DocuSign(DocuSignEmulator),
    HeySign(HeySignEmulator),
    LeapSign(LeapSignEmulator),
}

impl Emulator {
    async fn start(provider: EmulatedProvider) -> Self {
        match provider {
            EmulatedProvider::Docusign => Self::DocuSign(DocuSignEmulator::start().await),
            EmulatedProvider::Heysign => Self::HeySign(HeySignEmulator::start().await),
            EmulatedProvider::LeapSign => Self::LeapSign(LeapSignEmulator::start().await),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Self::DocuSign(_) => "DocuSign",
            Self::HeySign(_) => "HeySign",
            Self::LeapSign(_) => "LEAP Sign",
        }
    }

    /// The variables `ProviderConfig::from_env` reads, pointing at this emulator.
    fn vars(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::DocuSign(emu) => docusign_vars(emu),
            Self::HeySign(emu) => heysign_vars(emu),
            Self::LeapSign(emu) => leap_sign_vars(emu),
        }
    }

    /// The ids of envelopes sent and waiting for signatures.
    fn open_envelopes(&self) -> Vec<String> {
        let (items, id_key, open): (Vec<Value>, &str, &[&str]) = match self {
            Self::DocuSign(emu) => (emu.envelopes(), "envelopeId", &["sent", "delivered"]),
            Self::HeySign(emu) => (emu.agreements(), "id", &["Pending"]),
            Self::LeapSign(emu) => (emu.projects(), "projectId", &["IN_PROGRESS"]),
        };
        items
            .iter()
            .filter(|item| item["status"].as_str().is_some_and(|s| open.contains(&s)))
            .filter_map(|item| item[id_key].as_str().map(str::to_owned))
            .collect()
    }

    fn sign_all(&self, id: &str) -> Result<(), String> {
        match self {
            Self::DocuSign(emu) => emu.sign_all(id).map_err(|e| e.to_string()),
            Self::HeySign(emu) => emu.sign_all(id).map_err(|e| e.to_string()),
            Self::LeapSign(emu) => emu.sign_all(id).map_err(|e| e.to_string()),
        }
    }
}

/// The variables that point the DocuSign adapter at `emu`.
pub(super) fn docusign_vars(emu: &DocuSignEmulator) -> Vec<(&'static str, String)> {
    vec![
        ("SIGNING_PROVIDER", "docusign".to_owned()),
        ("DOCUSIGN_AUTH_URL", emu.auth_url()),
        ("DOCUSIGN_INTEGRATION_KEY", emu.integration_key().to_owned()),
        ("DOCUSIGN_USER_ID", emu.user_id().to_owned()),
        // The emulator's test key, on one line (`\n` for each line break).
        (
            "DOCUSIGN_PRIVATE_KEY",
            emu.private_key_pem().trim_end().replace('\n', "\\n"),
        ),
        ("DOCUSIGN_HMAC_KEYS", emu.hmac_keys().join(",")),
    ]
}

/// The variables that point the HeySign adapter at `emu`.
pub(super) fn heysign_vars(emu: &HeySignEmulator) -> Vec<(&'static str, String)> {
    vec![
        ("SIGNING_PROVIDER", "heysign".to_owned()),
        ("HEYSIGN_API_URL", emu.api_url()),
        ("HEYSIGN_AUTH_URL", emu.auth_url()),
        ("HEYSIGN_CLIENT_ID", emu.client_id().to_owned()),
        ("HEYSIGN_CLIENT_SECRET", emu.client_secret().to_owned()),
        ("HEYSIGN_ISSUER", ISSUER.to_owned()),
    ]
}

/// The variables that point the LEAP Sign adapter at `emu`.
pub(super) fn leap_sign_vars(emu: &LeapSignEmulator) -> Vec<(&'static str, String)> {
    vec![
        ("SIGNING_PROVIDER", "leap-sign".to_owned()),
        ("LEAP_SIGN_BASE_URL", emu.base_url()),
        ("LEAP_SIGN_API_KEY", emu.api_key().to_owned()),
        ("LEAP_SIGN_DEFAULT_OWNER", OWNER.to_owned()),
    ]
}

/// Signs every envelope `after` it is first seen open; never returns.
async fn auto_sign(emulator: &Emulator, after: Duration) {
    let mut first_seen: HashMap<String, Instant> = HashMap::new();
    let mut done: HashSet<String> = HashSet::new();
    let mut ticks = tokio::time::interval(POLL);
    loop {
        ticks.tick().await;
        let now = Instant::now();
        for id in emulator.open_envelopes() {
            if done.contains(&id) {
                continue;
            }
            let seen = *first_seen.entry(id.clone()).or_insert(now);
            if now.duration_since(seen) < after {
                continue;
            }
            match emulator.sign_all(&id) {
                Ok(()) => output::say(&format!("signed {id} for all its signers")),
                // The envelope may have been cancelled between the read and the signature.
                Err(why) => output::say(&format!("could not sign {id}: {why}")),
            }
            first_seen.remove(&id);
            done.insert(id);
        }
    }
}

/// `export NAME=value` lines, quoted for a POSIX shell where needed.
pub(super) fn exports(vars: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (name, value) in vars {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "export {name}={}", shell_quote(value));
    }
    text
}

fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:@".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Writes through a temporary file and a rename, so whoever waits for `path` never reads it
/// half-written.
fn write_atomically(path: &Path, text: &str) -> Result<(), CliError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| {
            CliError::new(
                Code::Failure,
                format!("cannot write `{}`: {e}", path.display()),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_are_shell_safe() {
        let vars = [
            ("A", "http://127.0.0.1:8080".to_owned()),
            ("B", OWNER.to_owned()),
            ("C", "it's".to_owned()),
            ("D", String::new()),
        ];
        assert_eq!(
            exports(&vars),
            "export A=http://127.0.0.1:8080\n\
             export B='Emulator Owner <owner@example.com>'\n\
             export C='it'\\''s'\n\
             export D=''\n"
        );
    }
}

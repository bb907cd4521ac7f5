//! The `signing` binary as a user runs it: arguments in, text or JSON and an exit code out,
//! against emulators started here or by `signing emulate`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use signing::testkit::emulator::heysign::HeySignEmulator;
use signing::testkit::emulator::leap_sign::LeapSignEmulator;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
/// The smallest content recognised as DOCX: a zip whose entry is `word/document.xml`.
const DOCX: &[u8] = b"PK\x03\x04\x14\x00\x00\x00\x00\x00word/document.xml<w:document/>";
/// No single run of the binary should take longer than this.
const LIMIT: Duration = Duration::from_secs(20);

type Env = Vec<(String, String)>;

/// What one run of the binary produced.
#[derive(Debug)]
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    #[track_caller]
    fn success(&self) -> &str {
        assert_eq!(self.code, Some(0), "{self:#?}");
        &self.stdout
    }

    /// The run failed with `code` and said so in one line mentioning `needle`.
    #[track_caller]
    fn fails(&self, code: i32, needle: &str) {
        assert_eq!(self.code, Some(code), "{self:#?}");
        let stderr = self.stderr.trim_end();
        assert_eq!(stderr.lines().count(), 1, "not one line: {self:#?}");
        assert!(stderr.starts_with("error: "), "{self:#?}");
        assert!(stderr.contains(needle), "`{needle}` not in {stderr:?}");
        for leak in ["panicked", "backtrace", "RUST_BACKTRACE"] {
            assert!(!stderr.contains(leak), "{self:#?}");
        }
    }

    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(self.success()).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }

    #[track_caller]
    fn json_lines(&self) -> Vec<Value> {
        self.success()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

/// The binary with nothing inherited from the test's environment but what `env` sets.
fn command(args: &[&str], env: &Env) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signing"));
    command
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

async fn finish(child: Child) -> Outcome {
    let output = tokio::time::timeout(LIMIT, child.wait_with_output())
        .await
        .expect("the binary did not finish in time")
        .expect("the binary ran");
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn run(args: &[&str], env: &Env) -> Outcome {
    finish(command(args, env).spawn().expect("spawn")).await
}

/// Runs with `input` on standard input.
async fn run_with_input(args: &[&str], env: &Env, input: &[u8]) -> Outcome {
    let mut command = command(args, env);
    command.stdin(Stdio::piped());
    let mut child = command.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).await.expect("write stdin");
    drop(stdin);
    finish(child).await
}

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn heysign_env(emu: &HeySignEmulator) -> Env {
    env(&[
        ("SIGNING_PROVIDER", "heysign"),
        ("HEYSIGN_API_URL", &emu.api_url()),
        ("HEYSIGN_AUTH_URL", &emu.auth_url()),
        ("HEYSIGN_CLIENT_ID", emu.client_id()),
        ("HEYSIGN_CLIENT_SECRET", emu.client_secret()),
        ("HEYSIGN_ISSUER", "Test AB"),
    ])
}

/// A scratch directory of its own for each test.
fn scratch(test: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("signing-cli-{test}-"))
        .tempdir()
        .expect("scratch directory")
}

fn write(dir: impl AsRef<Path>, name: &str, content: &[u8]) -> String {
    let path = dir.as_ref().join(name);
    std::fs::write(&path, content).expect("write file");
    path.to_str().expect("UTF-8 path").to_owned()
}

/// The value of a `key  value` line of the text output.
fn field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(key).filter(|rest| rest.starts_with(' ')))
        .map_or_else(|| panic!("no `{key}` in {text}"), str::trim)
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("address").port()
}

async fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + LIMIT;
    while !ready() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn bad_input_is_one_line_with_exit_code_2() {
    let dir = scratch("bad-input");
    let pdf = write(&dir, "nda.pdf", PDF);
    let docx = write(&dir, "nda.docx", DOCX);
    let missing = dir.path().join("missing.pdf");
    let missing = missing.to_str().expect("UTF-8 path");
    let directory = dir.path().to_str().expect("UTF-8 path");
    let port = closed_port().await;
    // HeySign refuses a DOCX before any request, so its address need not answer.
    let heysign = env(&[
        ("SIGNING_PROVIDER", "heysign"),
        ("HEYSIGN_API_URL", &format!("http://127.0.0.1:{port}")),
        ("HEYSIGN_AUTH_URL", &format!("http://127.0.0.1:{port}")),
        ("HEYSIGN_CLIENT_ID", "id"),
        ("HEYSIGN_CLIENT_SECRET", "secret"),
        ("HEYSIGN_ISSUER", "Test AB"),
    ]);
    let memory = env(&[("SIGNING_PROVIDER", "memory")]);
    let ada = "Ada Lovelace <ada@example.com>";

    let cases: [(&[&str], &Env, &str); 10] = [
        (
            &["send", "--document", missing, "--signer", ada],
            &memory,
            missing,
        ),
        (
            &["send", "--document", directory, "--signer", ada],
            &memory,
            "cannot read document",
        ),
        (
            &["send", "--document", &pdf, "--signer", "Ada <ada@>"],
            &memory,
            "`ada@` is not an e-mail address",
        ),
        (
            &["send", "--document", &pdf, "--signer", "Ada"],
            &memory,
            "`Ada` is not of the form",
        ),
        (
            &["send", "--document", &docx, "--signer", ada],
            &heysign,
            "heysign does not support DOCX documents",
        ),
        (&["send", "--document", &pdf], &memory, "--signer"),
        (
            &[
                "send",
                "--document",
                &pdf,
                "--signer",
                ada,
                "--provider",
                "adobe-sign",
            ],
            &memory,
            "`adobe-sign` is not a provider",
        ),
        (
            &["send", "--document", &pdf, "--signer", ada],
            &env(&[("SIGNING_PROVIDER", "adobe-sign")]),
            "`adobe-sign` is not a provider",
        ),
        (
            &[
                "send",
                "--document",
                &pdf,
                "--signer",
                ada,
                "--set",
                "colour=blue",
            ],
            &memory,
            "colour",
        ),
        (&["emulate", "adobe-sign"], &memory, "adobe-sign"),
    ];
    let runs = cases.iter().map(|(args, env, _)| run(args, env));
    let outcomes = futures_util::future::join_all(runs).await;
    for ((args, _, needle), outcome) in cases.iter().zip(outcomes) {
        println!("{args:?}");
        outcome.fails(2, needle);
    }

    // HeySign's missing credentials name the variable to set.
    run(&["status", "x"], &env(&[("SIGNING_PROVIDER", "heysign")]))
        .await
        .fails(2, "HEYSIGN_CLIENT_ID");
    // Sequential signing is an option HeySign lacks.
    run(
        &["send", "--document", &pdf, "--signer", ada, "--ordered"],
        &heysign,
    )
    .await
    .fails(2, "heysign does not support sequential signing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_status_and_cancel_against_heysign() {
    let emu = HeySignEmulator::start().await;
    let env = heysign_env(&emu);
    let dir = scratch("heysign");
    let pdf = write(&dir, "nda.pdf", PDF);

    let sent = run(
        &[
            "send",
            "--document",
            &pdf,
            "--signer",
            "Ada Lovelace <ada@example.com>",
            "--signer",
            "Charles Babbage <charles@example.com>",
            "--title",
            "Mutual NDA",
        ],
        &env,
    )
    .await;
    let text = sent.success();
    let id = field(text, "envelope").to_owned();
    assert_eq!(field(text, "provider"), "heysign");
    assert_eq!(field(text, "title"), "Mutual NDA");
    assert_eq!(field(text, "status"), "sent");
    assert!(
        text.contains("signer    Ada Lovelace <ada@example.com>: notified"),
        "{text}"
    );
    assert_eq!(emu.agreement(&id).expect("agreement")["status"], "Pending");

    let status = run(&["status", &id], &env).await;
    assert_eq!(field(status.success(), "status"), "sent");

    let json = run(&["--json", "status", &id], &env).await.json();
    assert_eq!(json["id"], id.as_str());
    assert_eq!(json["status"], "sent");
    let emails: Vec<&str> = json["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|s| s["email"].as_str().expect("email"))
        .collect();
    assert_eq!(emails, ["ada@example.com", "charles@example.com"]);

    let cancelled = run(&["cancel", &id], &env).await;
    assert!(cancelled.success().contains("cancelled"), "{cancelled:?}");
    let json = run(&["--json", "status", &id], &env).await.json();
    assert_eq!(json["status"], "cancelled");
    // A cancelled envelope cannot be cancelled again: the provider refuses.
    run(&["cancel", &id], &env).await.fails(3, "invalid state");

    // The same provider, configured by a file plus an override instead of the environment.
    let config = format!(
        "provider = \"heysign\"\napi_url = \"{}\"\nauth_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
        emu.api_url(),
        emu.auth_url(),
        emu.client_id(),
        emu.client_secret()
    );
    let config = write(&dir, "signing.toml", config.as_bytes());
    let json = run(
        &[
            "--json",
            "send",
            "--config",
            &config,
            "--set",
            "issuer=File AB",
            "--document",
            &pdf,
            "--signer",
            "Ada <ada@example.com>",
        ],
        &Env::new(),
    )
    .await
    .json();
    let id = json["id"].as_str().expect("id");
    assert_eq!(emu.agreement(id).expect("agreement")["issuer"], "File AB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_wait_ends_when_everyone_has_signed() {
    let emu = HeySignEmulator::start().await;
    let dir = scratch("wait");
    let pdf = write(&dir, "nda.pdf", PDF);
    let child = command(
        &[
            "--json",
            "send",
            "--document",
            &pdf,
            "--signer",
            "Ada <ada@example.com>",
            "--signer",
            "Bob <bob@example.com>",
            "--wait",
            "--interval",
            "0.1",
            "--timeout",
            "15",
        ],
        &heysign_env(&emu),
    )
    .spawn()
    .expect("spawn");

    // Play the signers once the agreement is out.
    wait_for("the agreement to be sent", || {
        emu.agreements().iter().any(|a| a["status"] == "Pending")
    })
    .await;
    let id = emu.agreements()[0]["id"].as_str().expect("id").to_owned();
    emu.sign_all(&id).expect("sign");

    let lines = finish(child).await.json_lines();
    assert!(lines.len() >= 2, "{lines:#?}");
    assert_eq!(lines[0]["status"], "sent");
    let last = lines.last().expect("a last line");
    assert_eq!(last["id"], id.as_str());
    assert_eq!(last["status"], "completed");
    assert!(
        last["signers"]
            .as_array()
            .expect("signers")
            .iter()
            .all(|s| s["status"] == "signed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_one_json_line_per_change_until_completed() {
    let emu = HeySignEmulator::start().await;
    let env = heysign_env(&emu);
    let dir = scratch("watch");
    let pdf = write(&dir, "nda.pdf", PDF);
    let sent = run(
        &[
            "--json",
            "send",
            "--document",
            &pdf,
            "--signer",
            "Ada <ada@example.com>",
            "--signer",
            "Bob <bob@example.com>",
        ],
        &env,
    )
    .await
    .json();
    let id = sent["id"].as_str().expect("id").to_owned();
    let signees: Vec<String> = emu
        .signees_of(&id)
        .iter()
        .map(|s| s["id"].as_str().expect("signee id").to_owned())
        .collect();

    let mut child = command(&["--json", "watch", &id, "--interval", "0.1"], &env)
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next = async || -> Value {
        let line = tokio::time::timeout(LIMIT, lines.next_line())
            .await
            .expect("a line in time")
            .expect("readable")
            .expect("a line before the end");
        serde_json::from_str(&line).expect("one JSON object per line")
    };
    let statuses = |envelope: &Value| -> Vec<String> {
        envelope["signers"]
            .as_array()
            .expect("signers")
            .iter()
            .map(|s| s["status"].as_str().expect("status").to_owned())
            .collect()
    };

    let first = next().await;
    assert_eq!(first["status"], "sent");
    assert_eq!(statuses(&first), ["notified", "notified"]);
    emu.sign(&signees[0]).expect("Ada signs");
    let second = next().await;
    assert_eq!(second["status"], "sent");
    assert_eq!(statuses(&second), ["signed", "notified"]);
    emu.sign(&signees[1]).expect("Bob signs");
    let third = next().await;
    assert_eq!(third["status"], "completed");

    let outcome = finish(child).await;
    assert_eq!(outcome.code, Some(0), "{outcome:#?}");
    assert!(
        outcome.stdout.is_empty(),
        "nothing after the final status: {outcome:#?}"
    );
}

/// Accepts HTTP requests on loopback and keeps each one's bytes exactly as they arrived.
struct Capture {
    url: String,
    requests: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
}

impl Capture {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hooks", listener.local_addr().expect("address"));
        let (tx, requests) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(raw) = read_request(&mut socket).await {
                        let _ = tx.send(raw);
                    }
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        Self { url, requests }
    }

    async fn next(&mut self) -> Vec<u8> {
        tokio::time::timeout(LIMIT, self.requests.recv())
            .await
            .expect("a delivery in time")
            .expect("the receiver runs")
    }
}

/// One request's head and `Content-Length` body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = socket.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        raw.extend_from_slice(&buffer[..read]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        if raw.len() >= end + 4 + length {
            return Some(raw);
        }
    }
}

/// A real delivery: the emulator signs an `agreement.created` webhook, and the bytes that reach
/// a loopback receiver are saved exactly as they arrived.
struct Delivery {
    dir: TempDir,
    raw: Vec<u8>,
    secret: String,
    path: String,
}

impl Delivery {
    async fn capture(test: &str) -> Self {
        let emu = HeySignEmulator::start().await;
        let mut capture = Capture::start().await;
        let (_, secret) = emu.register_webhook(&capture.url, &["agreement.created"]);
        let dir = scratch(test);
        let pdf = write(&dir, "nda.pdf", PDF);
        let args = [
            "send",
            "--document",
            &pdf,
            "--signer",
            "Ada <ada@example.com>",
        ];
        run(&args, &heysign_env(&emu)).await.success();
        let raw = capture.next().await;
        assert!(raw.starts_with(b"POST /hooks HTTP/1.1\r\n"), "{raw:?}");
        let path = write(&dir, "delivery.http", &raw);
        Self {
            dir,
            raw,
            secret,
            path,
        }
    }

    fn header(&self, name: &str) -> String {
        let text = String::from_utf8_lossy(&self.raw);
        text.lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no {name} header in {text}"))
    }

    /// `signing webhook verify --secret <secret> --request <file> <extra...>`.
    async fn verify(&self, secret: &str, file: &str, extra: &[&str]) -> Outcome {
        let mut args = vec!["webhook", "verify", "--secret", secret, "--request", file];
        args.extend_from_slice(extra);
        run(&args, &Env::new()).await
    }
}

/// A key that signed nothing here.
const OTHER_SECRET: &str = "whsec_c29tZSBvdGhlciBzaWduaW5nIGtleQ==";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_verify_accepts_a_real_delivery() {
    let delivery = Delivery::capture("webhook-ok").await;
    let secret = delivery.secret.as_str();

    let verified = delivery.verify(secret, &delivery.path, &[]).await;
    let out = verified.success();
    assert_eq!(field(out, "id"), delivery.header("webhook-id"));
    assert_eq!(field(out, "type"), "agreement.created");

    // JSON, reading the capture from standard input, with the secret among rotated ones.
    let args = [
        "--json",
        "webhook",
        "verify",
        "--secret",
        OTHER_SECRET,
        "--secret",
        secret,
    ];
    let json = run_with_input(&args, &Env::new(), &delivery.raw)
        .await
        .json();
    assert_eq!(json["verified"], true);
    assert_eq!(json["id"], delivery.header("webhook-id").as_str());
    assert_eq!(json["type"], "agreement.created");

    // The secret may come from HEYSIGN_WEBHOOK_SECRET, like the adapter's.
    run(
        &["webhook", "verify", "--request", &delivery.path],
        &env(&[("HEYSIGN_WEBHOOK_SECRET", secret)]),
    )
    .await
    .success();

    // Or from a file, one secret per line, so it is never on the command line.
    let secrets = write(
        &delivery.dir,
        "secrets",
        format!("{OTHER_SECRET}\n{secret}\n").as_bytes(),
    );
    run(
        &[
            "webhook",
            "verify",
            "--secret-file",
            &secrets,
            "--request",
            &delivery.path,
        ],
        &Env::new(),
    )
    .await
    .success();

    // An old capture still verifies as of its own time.
    let timestamp: i64 = delivery
        .header("webhook-timestamp")
        .parse()
        .expect("a number");
    let then = (timestamp + 10).to_string();
    delivery
        .verify(secret, &delivery.path, &["--now", &then])
        .await
        .success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_verify_says_why_a_delivery_fails() {
    let delivery = Delivery::capture("webhook-bad").await;
    let (secret, dir) = (delivery.secret.as_str(), &delivery.dir);

    // One byte of the body changed.
    let mut tampered = delivery.raw.clone();
    let body = tampered
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a body")
        + 4;
    let at = tampered[body..]
        .windows(9)
        .position(|w| w == b"agreement")
        .expect("the event type in the body")
        + body;
    tampered[at] = b'A';
    let tampered = write(dir, "tampered.http", &tampered);
    let mismatch = "no signature matches the body";
    delivery
        .verify(secret, &tampered, &[])
        .await
        .fails(5, mismatch);

    delivery
        .verify(OTHER_SECRET, &delivery.path, &[])
        .await
        .fails(5, mismatch);

    let timestamp: i64 = delivery
        .header("webhook-timestamp")
        .parse()
        .expect("a number");
    let later = (timestamp + 3600).to_string();
    delivery
        .verify(secret, &delivery.path, &["--now", &later])
        .await
        .fails(
            5,
            "the timestamp is 3600s old, more than the 300s tolerated",
        );

    let unsigned = write(
        dir,
        "unsigned.http",
        b"Content-Type: application/json\n\n{}",
    );
    delivery
        .verify(secret, &unsigned, &[])
        .await
        .fails(5, "the `webhook-id` header is missing");

    // Input that cannot be checked at all is invalid input, not a rejected webhook.
    let garbage = write(dir, "garbage.http", b"{\"type\": \"agreement.created\"}");
    delivery
        .verify(secret, &garbage, &[])
        .await
        .fails(2, "is not a captured HTTP request: line 1");
    delivery
        .verify("whsec_!!", &delivery.path, &[])
        .await
        .fails(2, "invalid --secret #1: the webhook secret is not base64");
    let missing = dir.path().join("missing.http");
    delivery
        .verify(secret, missing.to_str().expect("UTF-8 path"), &[])
        .await
        .fails(2, "missing.http");
}

/// Reads `export NAME=value` lines (values possibly single-quoted) until `count` arrived.
async fn read_exports(child: &mut Child, count: usize) -> Env {
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut vars = Env::new();
    while vars.len() < count {
        let line = tokio::time::timeout(LIMIT, lines.next_line())
            .await
            .expect("exports in time")
            .expect("readable")
            .expect("the emulator keeps running");
        let (name, value) = line
            .strip_prefix("export ")
            .and_then(|rest| rest.split_once('='))
            .unwrap_or_else(|| panic!("not an export line: {line}"));
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(value);
        vars.push((name.to_owned(), value.to_owned()));
    }
    vars
}

#[tokio::test]
async fn emulate_prints_the_variables_that_reach_it() {
    let dir = scratch("emulate");
    let pdf = write(&dir, "nda.pdf", PDF);
    let port_file = dir.path().join("emulator.env");
    let port_file_arg = port_file.to_str().expect("UTF-8 path");
    let mut emulator = command(
        &[
            "emulate",
            "heysign",
            "--auto-sign",
            "0.5",
            "--port-file",
            port_file_arg,
        ],
        &Env::new(),
    )
    .spawn()
    .expect("spawn");
    let vars = read_exports(&mut emulator, 6).await;
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "SIGNING_PROVIDER",
            "HEYSIGN_API_URL",
            "HEYSIGN_AUTH_URL",
            "HEYSIGN_CLIENT_ID",
            "HEYSIGN_CLIENT_SECRET",
            "HEYSIGN_ISSUER"
        ]
    );
    let file = std::fs::read_to_string(&port_file).expect("the port file is written");
    assert!(
        file.starts_with("export SIGNING_PROVIDER=heysign\n"),
        "{file}"
    );
    assert_eq!(file.lines().count(), 6, "{file}");

    // --auto-sign completes the envelope by itself.
    let lines = run(
        &[
            "--json",
            "send",
            "--document",
            &pdf,
            "--signer",
            "Ada <ada@example.com>",
            "--signer",
            "Bob <bob@example.com>",
            "--wait",
            "--interval",
            "0.1",
            "--timeout",
            "15",
        ],
        &vars,
    )
    .await
    .json_lines();
    assert_eq!(lines[0]["status"], "sent");
    assert_eq!(lines.last().expect("a last line")["status"], "completed");

    emulator.kill().await.expect("stop the emulator");
}

#[tokio::test]
async fn docusign_is_a_provider_and_an_emulator() {
    let dir = scratch("emulate-docusign");
    let pdf = write(&dir, "nda.pdf", PDF);
    let mut emulator = command(&["emulate", "docusign", "--auto-sign", "0.3"], &Env::new())
        .spawn()
        .expect("spawn");
    let vars = read_exports(&mut emulator, 6).await;
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "SIGNING_PROVIDER",
            "DOCUSIGN_AUTH_URL",
            "DOCUSIGN_INTEGRATION_KEY",
            "DOCUSIGN_USER_ID",
            "DOCUSIGN_PRIVATE_KEY",
            "DOCUSIGN_HMAC_KEYS"
        ]
    );
    let sent = run(
        &[
            "--json",
            "send",
            "--provider",
            "docusign",
            "--document",
            &pdf,
            "--signer",
            "Ada <ada@example.com>",
            "--signer",
            "Bob <bob@example.com>",
            "--ordered",
        ],
        &vars,
    )
    .await
    .json_lines();
    assert_eq!(sent[0]["status"], "sent");
    let id = sent[0]["id"].as_str().expect("an id").to_owned();
    // DocuSign allows one read every 15 minutes, so `--wait` would wait that long: read once
    // the emulator has signed.
    let mut status = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let lines = run(&["--json", "status", &id], &vars).await.json_lines();
        status = lines[0]["status"].as_str().unwrap_or_default().to_owned();
        if status == "completed" {
            break;
        }
    }
    assert_eq!(status, "completed");
    emulator.kill().await.expect("stop the emulator");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leap_sign_takes_ordered_signers_and_cc() {
    let emu = LeapSignEmulator::start().await;
    let env = env(&[
        ("SIGNING_PROVIDER", "leap-sign"),
        ("LEAP_SIGN_BASE_URL", &emu.base_url()),
        ("LEAP_SIGN_API_KEY", emu.api_key()),
    ]);
    let dir = scratch("leap");
    let docx = write(&dir, "nda.docx", DOCX);

    let json = run(
        &[
            "--json",
            "send",
            "--document",
            &docx,
            "--signer",
            "Ada <ada@example.com>",
            "--signer",
            "Bob <bob@example.com>",
            "--ordered",
            "--cc",
            "carol@example.com",
            "--owner",
            "Olga Owner <olga@example.com>",
        ],
        &env,
    )
    .await
    .json();
    assert_eq!(json["provider"], "leap-sign");
    let id = json["id"].as_str().expect("id").to_owned();
    let statuses: Vec<&str> = json["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["notified", "waiting"]);
    let project = emu.project(&id).expect("project");
    assert_eq!(project["orderedSigners"], true);
    assert_eq!(
        project["additionalRecipients"],
        serde_json::json!(["carol@example.com"])
    );
    assert_eq!(project["projectOwner"]["email"], "olga@example.com");

    emu.sign(&id, "ada@example.com").expect("Ada signs first");
    let status = run(&["status", &id], &env).await;
    let text = status.success();
    assert!(text.contains("Bob <bob@example.com>: notified"), "{text}");

    // Without an owner, LEAP Sign has nobody to send as.
    run(
        &[
            "send",
            "--document",
            &docx,
            "--signer",
            "Ada <ada@example.com>",
        ],
        &env,
    )
    .await
    .fails(2, "owner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_transport_failures_have_their_own_codes() {
    let emu = HeySignEmulator::start().await;
    let env = heysign_env(&emu);
    run(&["status", "no-such-agreement"], &env)
        .await
        .fails(3, "not found");
    run(&["watch", "no-such-agreement"], &env)
        .await
        .fails(3, "not found");

    let mut wrong = env.clone();
    wrong.retain(|(k, _)| k != "HEYSIGN_CLIENT_SECRET");
    wrong.push(("HEYSIGN_CLIENT_SECRET".into(), "not-the-secret".into()));
    let refused = run(&["status", "no-such-agreement"], &wrong).await;
    refused.fails(3, "unauthenticated");
    assert!(!refused.stderr.contains("not-the-secret"), "{refused:#?}");

    let closed = format!("http://127.0.0.1:{}", closed_port().await);
    let unreachable = run(
        &[
            "status",
            "any",
            "--set",
            &format!("api_url={closed}"),
            "--set",
            &format!("auth_url={closed}"),
        ],
        &env,
    )
    .await;
    unreachable.fails(4, "connect error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_beyond_the_clock_is_no_deadline() {
    // Once a panic adding the timeout to the clock; now a plain "not found" from the provider.
    run(
        &[
            "watch",
            "--provider",
            "memory",
            "--timeout",
            "1e19",
            "env-404",
        ],
        &Env::new(),
    )
    .await
    .fails(3, "env-404");
}

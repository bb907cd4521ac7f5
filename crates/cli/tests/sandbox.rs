//! The sandbox end to end: `signing sandbox` as a user starts it, and its pages driven in a real
//! headless Chromium while the application sends through the real DocuSign adapter.
//!
//! The browser test needs Debian's `chromium` and `chromium-driver` (`.ci/chromium.sh` installs
//! them); without them it says it is skipped, except in CI (`CI` set), where it fails. Its
//! screenshots go to `target/tmp/sandbox-screenshots`, or to `SANDBOX_SCREENSHOTS` when set.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use signing::docusign::{DocuSign, DocuSignBuilder};
use signing::testkit::control::EmailKind;
use signing::testkit::emulator::docusign::DocuSignEmulator;
use signing::testkit::receiver::Receiver;
use signing::{
    Document, EnvelopeId, EnvelopeStatus, EventKind, NewEnvelope, Signer, SigningOrder,
    SigningProvider,
};
use signing_testkit::sandbox::Sandbox;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ADA: &str = "ada@example.com";
const CHARLES: &str = "charles@example.com";
const GRACE: &str = "grace@example.com";
const ARCHIVE: &str = "archive@example.com";
/// Long enough for a slow machine, short enough that a hang fails the test in time.
const WAIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_sandbox_starts_prints_the_variables_and_serves_its_pages() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_signing"))
        .args(["sandbox", "--provider", "heysign"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn signing sandbox");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut names = Vec::new();
    let mut url = None;
    let started = Instant::now();
    while url.is_none() {
        assert!(
            started.elapsed() < WAIT,
            "no address printed; variables so far: {names:?}"
        );
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("a line in time")
            .expect("stdout readable")
            .expect("the sandbox printed its address before ending");
        if let Some(export) = line.strip_prefix("export ") {
            let (name, _) = export.split_once('=').expect("NAME=value");
            names.push(name.to_owned());
        } else if let Some(address) = line.strip_prefix("# The sandbox's pages: ") {
            url = Some(address.to_owned());
        }
    }
    for expected in [
        "DOCUSIGN_AUTH_URL",
        "DOCUSIGN_PRIVATE_KEY",
        "HEYSIGN_API_URL",
        "HEYSIGN_CLIENT_SECRET",
        "LEAP_SIGN_BASE_URL",
        "SIGNING_PROVIDER",
        "SIGNING_SANDBOX_URL",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} in {names:?}"
        );
    }
    assert_eq!(
        names
            .iter()
            .filter(|name| *name == "SIGNING_PROVIDER")
            .count(),
        1,
        "one provider for the application"
    );
    let url = url.expect("address");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let page = client.get(&url).send().await.expect("GET the pages");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("body");
    assert!(page.contains("<h1>Envelopes</h1>"), "{page}");
    assert!(page.contains("DocuSign, HeySign and LEAP Sign"), "{page}");
    let faults = client
        .get(format!("{url}faults"))
        .send()
        .await
        .expect("GET faults")
        .text()
        .await
        .expect("body");
    assert!(faults.contains("route-leap-sign"), "{faults}");

    child.start_kill().expect("kill");
    child.wait().await.expect("ended");
}

/// A one-page PDF with a few lines of text, so the signing page shows a real document.
fn contract_pdf(title: &str) -> Vec<u8> {
    let content = format!(
        "BT /F1 20 Tf 72 720 Td ({title}) Tj /F1 12 Tf 0 -32 Td \
         (The parties agree to keep each other's secrets.) Tj 0 -18 Td \
         (Signed in the signing sandbox.) Tj ET"
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (number, object) in (1..).zip(&objects) {
        offsets.push(pdf.len());
        let _ = write!(pdf, "{number} 0 obj\n{object}\nendobj\n");
    }
    let xref = pdf.len();
    let _ = write!(pdf, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(pdf, "{offset:010} 00000 n ");
    }
    let _ = write!(
        pdf,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf.into_bytes()
}

/// Chromium and its WebDriver, or why the test cannot run here.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let find = |names: &[&str]| {
        names.iter().find_map(|name| {
            std::env::var_os("PATH").and_then(|path| {
                std::env::split_paths(&path)
                    .map(|dir| dir.join(name))
                    .find(|candidate| candidate.is_file())
            })
        })
    };
    let chromium = find(&["chromium", "chromium-browser"]).ok_or("no `chromium` on PATH")?;
    let driver = find(&["chromedriver"]).ok_or("no `chromedriver` on PATH")?;
    Ok((chromium, driver))
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// Starts chromedriver and a headless Chromium with a fresh profile.
async fn start_browser(chromium: &Path, driver: &Path, profile: &Path) -> (Child, Client) {
    let port = free_port();
    let chromedriver = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                // Without a network, Chromium's own background connections only fail and slow
                // its start.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=900,1000",
            ],
        }),
    );
    let started = Instant::now();
    let client = loop {
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities.clone());
        match builder.connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(client) => break client,
            Err(why) if started.elapsed() < WAIT => {
                let _ = why;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(why) => panic!("cannot start a Chromium session: {why}"),
        }
    };
    (chromedriver, client)
}

/// Where this run's screenshots go.
fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("SANDBOX_SCREENSHOTS").map_or_else(
        || Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox-screenshots"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

async fn screenshot(browser: &Client, dir: &Path, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

async fn source(browser: &Client) -> String {
    browser.source().await.expect("page source")
}

/// Clicks the button labelled `label` and waits for the page the form leads to.
async fn press(browser: &Client, label: &str, then: &str) {
    browser
        .find(Locator::XPath(&format!(
            "//button[normalize-space()='{label}']"
        )))
        .await
        .unwrap_or_else(|_| panic!("a `{label}` button"))
        .click()
        .await
        .expect("click");
    if browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(then))
        .await
        .is_err()
    {
        let url = browser.current_url().await.map(|url| url.to_string());
        panic!(
            "no `{then}` after pressing `{label}` at {url:?}:\n{}",
            source(browser).await
        );
    }
}

/// The Connect messages the application received, verified, until envelope `completed` is
/// completed and `declined` declined.
async fn receive_events(
    receiver: &Receiver,
    docusign: &DocuSign,
    completed: &EnvelopeId,
    declined: &EnvelopeId,
) -> Vec<(EventKind, Option<EnvelopeId>)> {
    let mut events = Vec::new();
    let mut seen = HashSet::new();
    let started = Instant::now();
    let done = |events: &Vec<(EventKind, Option<EnvelopeId>)>| {
        events.contains(&(EventKind::Completed, Some(completed.clone())))
            && events.contains(&(EventKind::Declined, Some(declined.clone())))
    };
    while !done(&events) {
        assert!(started.elapsed() < WAIT, "events so far: {events:?}");
        let Some(message) = receiver.next(WAIT).await else {
            panic!("no more Connect messages; events so far: {events:?}");
        };
        for event in docusign.parse_webhook(&message).await.expect("verified") {
            assert!(event.verified);
            if seen.insert(event.id.clone()) {
                events.push((event.kind, event.envelope_id));
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // One person's walk through every page, in order.
async fn a_person_signs_in_turn_and_declines_in_a_real_browser() {
    let (chromium, driver) = match browser() {
        Ok(found) => found,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("{why}: CI must run the browser test (.ci/chromium.sh installs Chromium)")
        }
        Err(why) => {
            println!("skipped: {why} (apt-get install chromium chromium-driver)");
            return;
        }
    };
    let started = Instant::now();

    // The application: the real DocuSign adapter, its Connect receiver, two envelopes.
    let emulator = Arc::new(DocuSignEmulator::start().await);
    let sandbox = Sandbox::builder()
        .docusign(Arc::clone(&emulator))
        .start()
        .await
        .expect("sandbox");
    let receiver = Receiver::start().await;
    let docusign = DocuSignBuilder::new()
        .with_auth_url(emulator.auth_url())
        .with_integration_key(emulator.integration_key())
        .with_user_id(emulator.user_id())
        .with_private_key_pem(emulator.private_key_pem())
        .with_hmac_key(emulator.hmac_keys()[0].clone())
        .build()
        .expect("the DocuSign adapter");
    let nda = NewEnvelope::builder()
        .title("Mutual NDA")
        .document(Document::new("mutual-nda.pdf", contract_pdf("Mutual NDA")))
        .signer(Signer::new("Ada Lovelace", ADA))
        .signer(Signer::new("Charles Babbage", CHARLES))
        .order(SigningOrder::Sequential)
        .cc(ARCHIVE)
        .callback_url(receiver.url("/connect"))
        .allow_insecure_loopback_callback(true)
        .build()
        .expect("request");
    let nda = docusign.send(&nda).await.expect("send the NDA");
    let lease = NewEnvelope::builder()
        .title("Office lease")
        .document(Document::new("lease.pdf", contract_pdf("Office lease")))
        .signer(Signer::new("Grace Hopper", GRACE))
        .callback_url(receiver.url("/connect"))
        .allow_insecure_loopback_callback(true)
        .build()
        .expect("request");
    let lease = docusign.send(&lease).await.expect("send the lease");

    let dir = screenshot_dir();
    // Removed when dropped, also when an assertion fails.
    let profile = tempfile::Builder::new()
        .prefix("sandbox-chromium-profile-")
        .tempdir()
        .expect("a profile folder");
    let (mut chromedriver, browser) = start_browser(&chromium, &driver, profile.path()).await;
    let url = sandbox.url().to_owned();

    // The outbox: the first signer's invitation, and the lease's; not yet the second signer's.
    browser
        .goto(&format!("{url}/outbox"))
        .await
        .expect("outbox");
    let page = source(&browser).await;
    assert!(page.contains("Please DocuSign: Mutual NDA"), "{page}");
    assert!(
        !page.contains("Charles Babbage &lt;charles@example.com&gt;"),
        "{page}"
    );
    screenshot(&browser, &dir, "outbox").await;
    let ada_page = sandbox.signing_url("docusign", &nda.id, ADA);
    let link = browser
        .find(Locator::Css(&format!(
            "a[href=\"{}\"]",
            ada_page.trim_start_matches(&url)
        )))
        .await
        .expect("Ada's link in the outbox");
    link.click().await.expect("follow the link");
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("h2#you"))
        .await
        .expect("Ada's signing page");
    assert_eq!(browser.current_url().await.expect("url").as_str(), ada_page);
    let page = source(&browser).await;
    assert!(page.contains("1 page"), "{page}");
    assert!(page.contains("Who signs, in this order"), "{page}");
    // Chromium's PDF viewer draws the document a moment after the page has loaded.
    tokio::time::sleep(Duration::from_secs(2)).await;
    screenshot(&browser, &dir, "signing-page").await;

    // The second signer's turn has not come: told so, no button, and a POST is refused.
    let charles_page = sandbox.signing_url("docusign", &nda.id, CHARLES);
    browser.goto(&charles_page).await.expect("Charles's page");
    let page = source(&browser).await;
    assert!(
        page.contains("It is not your turn yet. Waiting for Ada Lovelace"),
        "{page}"
    );
    assert!(
        browser
            .find_all(Locator::Css("button"))
            .await
            .expect("buttons")
            .is_empty()
    );
    screenshot(&browser, &dir, "not-your-turn").await;
    let refused = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .post(format!("{charles_page}/sign"))
        .header("origin", &url)
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status(), 409);

    // Ada signs; then Charles, from his invitation, which the outbox now holds.
    browser.goto(&ada_page).await.expect("Ada's page");
    press(&browser, "Sign", "p.done").await;
    assert!(source(&browser).await.contains("You signed."));
    screenshot(&browser, &dir, "signed").await;
    browser
        .goto(&format!("{url}/outbox"))
        .await
        .expect("outbox");
    let charles_link = charles_page.trim_start_matches(&url).to_owned();
    browser
        .find(Locator::Css(&format!("a[href=\"{charles_link}\"]")))
        .await
        .expect("Charles's invitation")
        .click()
        .await
        .expect("follow");
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath("//button[normalize-space()='Sign']"))
        .await
        .expect("Charles may sign now");
    press(&browser, "Sign", "p.done").await;

    // Grace declines the lease.
    let grace_page = sandbox.signing_url("docusign", &lease.id, GRACE);
    browser.goto(&grace_page).await.expect("Grace's page");
    press(&browser, "Decline", "p.done").await;
    assert!(source(&browser).await.contains("You declined to sign."));

    // The application got verified events, and reads the outcome back.
    let events = receive_events(&receiver, &docusign, &nda.id, &lease.id).await;
    assert!(
        events.contains(&(EventKind::SignerSigned, Some(nda.id.clone()))),
        "{events:?}"
    );
    assert_eq!(
        docusign.get(&nda.id).await.expect("get").status,
        EnvelopeStatus::Completed
    );
    assert_eq!(
        docusign.get(&lease.id).await.expect("get").status,
        EnvelopeStatus::Declined
    );

    // The remaining pages, as a person would look at them afterwards.
    browser
        .goto(&format!("{url}/outbox"))
        .await
        .expect("outbox");
    let page = source(&browser).await;
    assert!(page.contains("Completed: Mutual NDA"), "{page}");
    // The cc, last in the routing order, receives the completed envelope.
    let outbox = signing::testkit::control::Control::outbox(emulator.as_ref());
    assert!(
        outbox
            .iter()
            .any(|email| email.to == ARCHIVE && email.kind == EmailKind::Completed)
    );
    browser
        .goto(&format!("{url}/deliveries"))
        .await
        .expect("deliveries");
    let page = source(&browser).await;
    assert!(page.contains("envelope-completed"), "{page}");
    assert!(page.contains("x-docusign-signature-1"), "{page}");
    assert!(page.contains(">accepted<"), "{page}");
    screenshot(&browser, &dir, "deliveries").await;
    browser.goto(&format!("{url}/")).await.expect("envelopes");
    let page = source(&browser).await;
    assert!(
        page.contains("Mutual NDA") && page.contains("Office lease"),
        "{page}"
    );
    screenshot(&browser, &dir, "envelopes").await;

    // The Faults page drives the emulator's fault injection.
    browser
        .goto(&format!("{url}/faults"))
        .await
        .expect("faults");
    browser
        .find(Locator::Id("route-docusign"))
        .await
        .expect("the route field")
        .select_by_value("get_envelope")
        .await
        .expect("choose a route");
    browser
        .find(Locator::Id("fault-docusign"))
        .await
        .expect("the fault field")
        .select_by_value("status-500")
        .await
        .expect("choose a fault");
    let times = browser
        .find(Locator::Id("times-docusign"))
        .await
        .expect("times");
    times.clear().await.expect("clear");
    times.send_keys("3").await.expect("type");
    press(&browser, "Queue the fault", "p.done").await;
    let pending = signing::testkit::control::Control::pending_faults(emulator.as_ref());
    assert_eq!(pending.len(), 3, "{pending:?}");
    screenshot(&browser, &dir, "faults").await;
    emulator.clear_faults();

    // Readable at 400 px: nothing wider than the window.
    browser
        .set_window_size(400, 900)
        .await
        .expect("narrow window");
    browser.goto(&ada_page).await.expect("Ada's page");
    let fits = browser
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            Vec::new(),
        )
        .await
        .expect("measure");
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "the page scrolls sideways at 400 px"
    );
    screenshot(&browser, &dir, "signing-page-400px").await;

    browser.close().await.expect("close the browser");
    chromedriver.start_kill().ok();
    chromedriver.wait().await.ok();
    drop(profile);
    println!(
        "screenshots in {}; the walk took {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
}

//! The sandbox's pages over plain HTTP: what each shows, what its forms do, and what it
//! refuses. (The same pages in a real browser: `crates/cli/tests/sandbox_browser.rs`.)
#![cfg(all(feature = "sandbox", feature = "heysign"))]

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use signing_core::{Document, NewEnvelope, Signer, SigningOrder, SigningProvider};
use signing_testkit::SignerAction;
use signing_testkit::control::Control;
use signing_testkit::emulator::heysign::HeySignEmulator;
use signing_testkit::memory::MemoryProvider;
use signing_testkit::sandbox::Sandbox;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n2 0 obj << /Type /Page >> endobj\n%%EOF\n";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

async fn get(url: &str) -> (StatusCode, String) {
    let response = client().get(url).send().await.expect("GET");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

/// A form sent as a browser sends it from the sandbox's own page.
async fn post(sandbox: &Sandbox, path: &str, form: &str) -> reqwest::Response {
    client()
        .post(format!("{}{path}", sandbox.url()))
        .header("origin", sandbox.url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .expect("POST")
}

async fn start() -> (Sandbox, MemoryProvider, Arc<HeySignEmulator>) {
    let memory = MemoryProvider::new();
    let heysign = Arc::new(HeySignEmulator::start().await);
    let sandbox = Sandbox::builder()
        .control(Arc::new(memory.clone()))
        .heysign(Arc::clone(&heysign))
        .start()
        .await
        .expect("sandbox");
    (sandbox, memory, heysign)
}

#[tokio::test]
async fn names_and_addresses_are_escaped_everywhere() {
    let (sandbox, memory, _heysign) = start().await;
    let request = NewEnvelope::builder()
        .title("<b>Lease</b> & \"terms\"")
        .document(Document::new("<img src=x onerror=alert(1)>.pdf", PDF))
        .signer(Signer::new("<script>alert(1)</script>", "ada@example.com"))
        .build()
        .unwrap();
    let envelope = memory.send(&request).await.unwrap();

    let signing = sandbox.signing_url("memory", &envelope.id, "ada@example.com");
    for url in [format!("{}/", sandbox.url()), signing] {
        let (status, page) = get(&url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{url}: {page}"
        );
        assert!(!page.contains("<script>alert"), "{url}: {page}");
        assert!(!page.contains("<b>Lease"), "{url}");
        assert!(
            page.contains("&lt;b&gt;Lease&lt;/b&gt; &amp; &quot;terms&quot;"),
            "{url}"
        );
        assert!(!page.contains("<img src=x"), "{url}");
        // The only script is the sandbox's own file.
        assert_eq!(page.matches("<script").count(), 1, "{url}");
        assert!(page.contains("<script src=\"/assets/live.js\" defer></script>"));
    }
}

#[tokio::test]
async fn a_signer_whose_turn_has_not_come_cannot_sign_even_by_posting() {
    let (sandbox, memory, _heysign) = start().await;
    let request = NewEnvelope::builder()
        .title("Mutual NDA")
        .document(Document::new("nda.pdf", PDF))
        .signer(Signer::new("Ada Lovelace", "ada@example.com"))
        .signer(Signer::new("Charles Babbage", "charles@example.com"))
        .order(SigningOrder::Sequential)
        .cc("archive@example.com")
        .build()
        .unwrap();
    let envelope = memory.send(&request).await.unwrap();
    let id = envelope.id.as_str();
    let charles = format!("/sign/memory/{id}/charles%40example.com");
    let ada = format!("/sign/memory/{id}/ada%40example.com");

    let (status, page) = get(&format!("{}{charles}", sandbox.url())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("It is not your turn yet. Waiting for Ada Lovelace"),
        "{page}"
    );
    assert!(!page.contains(">Sign</button>"), "{page}");
    assert!(page.contains("2 pages"), "{page}");

    let refused = post(&sandbox, &format!("{charles}/sign"), "").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("not charles@example.com&#39;s turn")
    );

    let (_, page) = get(&format!("{}{ada}", sandbox.url())).await;
    assert!(page.contains(">Sign</button>"), "{page}");
    assert!(page.contains(">Decline</button>"), "{page}");
    let signed = post(&sandbox, &format!("{ada}/sign"), "").await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let location = signed.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{ada}?done=signed"));
    let (_, page) = get(&format!("{}{location}", sandbox.url())).await;
    assert!(page.contains("You signed."), "{page}");

    let (_, page) = get(&format!("{}{charles}", sandbox.url())).await;
    assert!(page.contains(">Sign</button>"), "{page}");
    let signed = post(&sandbox, &format!("{charles}/sign"), "").await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        Control::envelope(&memory, &envelope.id).unwrap().status,
        signing_core::EnvelopeStatus::Completed
    );

    // The cc recipient's page: a copy, nothing to sign.
    let (status, page) = get(&format!(
        "{}/sign/memory/{id}/archive%40example.com",
        sandbox.url()
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("receives a copy"), "{page}");
    assert!(!page.contains("<button"), "{page}");

    // The original bytes, as uploaded.
    let response = client()
        .get(format!(
            "{}/documents/memory/{id}/0/download",
            sandbox.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"nda.pdf\"")
    );
    assert_eq!(response.bytes().await.unwrap(), PDF);

    // Someone neither signing nor copied has no page.
    let (status, _) = get(&format!(
        "{}/sign/memory/{id}/eve%40example.com",
        sandbox.url()
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn forms_from_elsewhere_and_other_host_names_are_refused() {
    let (sandbox, memory, _heysign) = start().await;
    let request = NewEnvelope::builder()
        .document(Document::new("nda.pdf", PDF))
        .signer(Signer::new("Ada", "ada@example.com"))
        .build()
        .unwrap();
    let envelope = memory.send(&request).await.unwrap();
    let path = format!(
        "{}/sign/memory/{}/ada%40example.com/sign",
        sandbox.url(),
        envelope.id
    );

    let forged = client()
        .post(&path)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cross_site = client()
        .post(&path)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let rebound = client()
        .get(format!("{}/", sandbox.url()))
        .header("host", "attacker.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(
        Control::envelope(&memory, &envelope.id).unwrap().signers[0].status,
        signing_core::SignerStatus::Notified,
        "nothing was signed"
    );

    // What every page carries.
    let response = client()
        .get(format!("{}/", sandbox.url()))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("form-action 'self'"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let page = response.text().await.unwrap();
    assert!(page.contains(&format!("data-etag=\"{}\"", etag.replace('"', "&quot;"))));
    // A page's ETag changes only when what it shows changes.
    let again = client()
        .head(format!("{}/", sandbox.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    memory
        .act(&envelope.id, "ada@example.com", SignerAction::Sign)
        .unwrap();
    let after = client()
        .head(format!("{}/", sandbox.url()))
        .send()
        .await
        .unwrap();
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn the_faults_page_queues_faults_on_the_emulators_routes() {
    let (sandbox, _memory, heysign) = start().await;
    let (status, page) = get(&format!("{}/faults", sandbox.url())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<label for=\"route-heysign\">Route</label>"),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"submit_agreement\">submit_agreement</option>"),
        "{page}"
    );
    assert!(
        !page.contains("route-memory"),
        "the in-memory provider has no routes"
    );

    let queued = post(
        &sandbox,
        "/faults/heysign",
        "route=submit_agreement&fault=status-500&times=3",
    )
    .await;
    assert_eq!(queued.status(), StatusCode::SEE_OTHER);
    assert_eq!(Control::pending_faults(heysign.as_ref()).len(), 3);
    let (_, page) = get(&format!("{}/faults?done=queued", sandbox.url())).await;
    assert!(page.contains("The fault is queued"), "{page}");
    assert_eq!(
        page.matches("<code>submit_agreement</code>: status 500")
            .count(),
        3
    );

    let refused = post(
        &sandbox,
        "/faults/heysign",
        "route=nope&fault=status-500&times=1",
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused = post(
        &sandbox,
        "/faults/heysign",
        "route=token&fault=explode&times=1",
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let cleared = post(&sandbox, "/faults/heysign/clear", "").await;
    assert_eq!(cleared.status(), StatusCode::SEE_OTHER);
    assert!(Control::pending_faults(heysign.as_ref()).is_empty());

    // The other pages answer, empty as they are.
    for (path, heading) in [("/outbox", "Outbox"), ("/deliveries", "Deliveries")] {
        let (status, page) = get(&format!("{}{path}", sandbox.url())).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("<h1>{heading}</h1>")), "{page}");
    }
    let (status, _) = get(&format!("{}/nowhere", sandbox.url())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

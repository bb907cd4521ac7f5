//! What the emulators keep of an uploaded document: its bytes up to `keep_documents_up_to`
//! (16 MiB unless set), for the control handle's views and the sandbox's signing pages; beyond
//! that, nothing, so that a large upload costs no memory.
#![cfg(feature = "leap-sign")]

use reqwest::multipart::{Form, Part};
use signing_testkit::control::Control;
use signing_testkit::emulator::DEFAULT_KEPT_DOCUMENT_BYTES;
use signing_testkit::emulator::leap_sign::LeapSignEmulator;

const LAUNCH_NEW: &str = "/api/v1/external/sign-only-api/projects/launch-new";

/// A PDF-looking document of `size` bytes.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = vec![b'x'; size];
    bytes[..9].copy_from_slice(b"%PDF-1.7\n");
    bytes
}

/// Launches a project with `document` and returns the document the control handle shows.
async fn launch(emu: &LeapSignEmulator, document: Vec<u8>) -> Vec<u8> {
    let form = Form::new()
        .text("name", "NDA")
        .text(
            "projectOwner",
            r#"{"name":"Olga Owner","email":"olga@example.com"}"#,
        )
        .text(
            "signers",
            r#"{"signers":[{"name":"Ann","email":"ann@example.com"}]}"#,
        )
        .part(
            "document",
            Part::bytes(document)
                .file_name("nda.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .post(format!("{}{LAUNCH_NEW}", emu.base_url()))
        .header("Authorization", emu.api_key())
        .multipart(form)
        .send()
        .await
        .expect("launch-new answered");
    assert_eq!(response.status(), 200);
    let views = Control::envelopes(emu);
    let view = views.last().expect("the project");
    view.documents[0].content.to_vec()
}

#[tokio::test]
async fn documents_are_kept_up_to_the_limit_and_not_beyond() {
    assert_eq!(DEFAULT_KEPT_DOCUMENT_BYTES, 16 * 1024 * 1024);
    let emu = LeapSignEmulator::builder()
        .keep_documents_up_to(1_000)
        .start()
        .await;
    let small = pdf(1_000);
    assert_eq!(launch(&emu, small.clone()).await, small);
    // One byte over the limit: checked and launched, but not kept.
    assert!(launch(&emu, pdf(1_001)).await.is_empty());

    let none = LeapSignEmulator::builder()
        .keep_documents_up_to(0)
        .start()
        .await;
    assert!(launch(&none, pdf(10)).await.is_empty());

    let default = LeapSignEmulator::start().await;
    let two_megabytes = pdf(2 * 1024 * 1024);
    assert_eq!(launch(&default, two_megabytes.clone()).await, two_megabytes);
}

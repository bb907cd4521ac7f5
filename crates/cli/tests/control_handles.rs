//! One control handle for every emulator and the in-memory provider: the same generic test
//! sends through each real adapter and plays the signers through `Control` alone, knowing
//! each signer by the envelope id `send` returned and their e-mail address.

use std::time::Duration;

use signing::docusign::DocuSignBuilder;
use signing::heysign::HeySignBuilder;
use signing::leap_sign::LeapSign;
use signing::testkit::SignerAction;
use signing::testkit::control::{Control, ControlErrorKind, EmailKind};
use signing::testkit::emulator::docusign::DocuSignEmulator;
use signing::testkit::emulator::heysign::HeySignEmulator;
use signing::testkit::emulator::leap_sign::LeapSignEmulator;
use signing::testkit::memory::MemoryProvider;
use signing::testkit::receiver::Receiver;
use signing::webhook::WebhookSecret;
use signing::{
    Document, EnvelopeStatus, EventKind, NewEnvelope, NewEnvelopeBuilder, Party, Signer,
    SignerStatus, SigningOrder, SigningProvider,
};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\ntrailer << >>\n%%EOF\n";
const ADA: &str = "ada@example.com";
const CHARLES: &str = "charles@example.com";
const WAIT: Duration = Duration::from_secs(10);

fn request(order: SigningOrder) -> NewEnvelopeBuilder {
    NewEnvelope::builder()
        .title("Mutual NDA")
        .document(Document::new("nda.pdf", PDF))
        .signer(Signer::new("Ada Lovelace", ADA))
        .signer(Signer::new("Charles Babbage", CHARLES))
        .order(order)
}

/// What the generic test expects of a provider besides the shared behaviour.
struct Expect {
    ordered: bool,
    /// Whether the provider posts its completion to a receiver.
    delivers: bool,
    /// Whether the provider e-mails sign requests.
    emails: bool,
}

/// The whole life of an envelope, driven only through `Control`: written once, run against
/// every provider.
async fn play<C: Control + ?Sized>(
    control: &C,
    provider: &dyn SigningProvider,
    request: NewEnvelope,
    expect: Expect,
) {
    let sent = provider.send(&request).await.expect("send");
    let id = &sent.id;
    let view = control
        .envelope(id)
        .expect("the control handle knows the id send returned");
    assert_eq!(view.provider, provider.name());
    assert_eq!(view.status, EnvelopeStatus::Sent, "{view:?}");
    assert_eq!(view.ordered, expect.ordered);
    let emails: Vec<&str> = view.signers.iter().map(|s| s.email.as_str()).collect();
    assert_eq!(emails, [ADA, CHARLES]);
    assert_eq!(view.documents.len(), 1);
    assert_eq!(view.documents[0].content, PDF, "the bytes as uploaded");
    assert_eq!(view.documents[0].page_count(), Some(1));
    assert!(control.envelopes().iter().any(|e| &e.id == id));

    if expect.emails {
        let invited: Vec<String> = control
            .outbox()
            .into_iter()
            .filter(|email| &email.envelope_id == id && email.kind == EmailKind::SignRequest)
            .map(|email| email.to)
            .collect();
        let expected: &[&str] = if expect.ordered {
            &[ADA]
        } else {
            &[ADA, CHARLES]
        };
        assert_eq!(invited, expected, "who was asked to sign first");
    }

    // Refusals name their kind, and make no request.
    let before = control.request_count();
    let refused = control
        .act(id, "nobody@example.com", SignerAction::Sign)
        .unwrap_err();
    assert_eq!(refused.kind(), ControlErrorKind::UnknownSigner, "{refused}");
    let unknown = signing::EnvelopeId::new("00000000-0000-4000-8000-000000000000");
    let refused = control.act(&unknown, ADA, SignerAction::Sign).unwrap_err();
    assert_eq!(
        refused.kind(),
        ControlErrorKind::UnknownEnvelope,
        "{refused}"
    );
    if expect.ordered {
        assert!(!view.may_act(CHARLES));
        assert_eq!(view.waiting_for(CHARLES).len(), 1);
        let refused = control.act(id, CHARLES, SignerAction::Sign).unwrap_err();
        assert_eq!(refused.kind(), ControlErrorKind::NotTheirTurn, "{refused}");
    }
    assert_eq!(control.request_count(), before, "a refusal made a request");

    // Signers known by address, whatever case the test writes it in.
    control
        .act(id, &ADA.to_uppercase(), SignerAction::Sign)
        .expect("the first signer signs");
    let view = control.envelope(id).expect("still there");
    assert_eq!(
        view.signer(ADA).map(|s| &s.status),
        Some(&SignerStatus::Signed)
    );
    assert!(view.may_act(CHARLES), "{view:?}");
    let refused = control.act(id, ADA, SignerAction::Sign).unwrap_err();
    assert_eq!(refused.kind(), ControlErrorKind::Finished, "{refused}");
    control.sign_all(id).expect("the rest sign");

    let now = provider.get(id).await.expect("get");
    assert_eq!(now.status, EnvelopeStatus::Completed);
    assert!(control.request_count() > before, "get was a request");
    let refused = control.act(id, CHARLES, SignerAction::Sign).unwrap_err();
    assert_eq!(refused.kind(), ControlErrorKind::NotOpen, "{refused}");

    if expect.delivers {
        let delivery = control
            .wait_for_delivery(id, EventKind::Completed, WAIT)
            .await
            .expect("the completion was delivered");
        assert!(delivery.accepted, "{delivery:?}");
        assert_eq!(delivery.envelope_id.as_ref(), Some(id));
        assert!(
            control
                .deliveries()
                .iter()
                .any(|d| d.kind == EventKind::Completed)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_generic_test_drives_every_emulator_and_the_memory_provider() {
    // HeySign: parallel signing; webhooks to the application's receiver.
    let heysign = HeySignEmulator::start().await;
    let receiver = Receiver::start().await;
    let (_, secret) = heysign.register_webhook(&receiver.url("/hooks"), &[]);
    let adapter = HeySignBuilder::new()
        .with_api_url(heysign.api_url())
        .with_auth_url(heysign.auth_url())
        .with_client_credentials(heysign.client_id(), heysign.client_secret())
        .with_issuer("Acme AB")
        .with_webhook_secret(WebhookSecret::new(&secret).expect("a whsec_ secret"))
        .build()
        .expect("heysign");
    let expect = Expect {
        ordered: false,
        delivers: true,
        emails: true,
    };
    play(
        &heysign,
        &adapter,
        request(SigningOrder::Parallel).build().unwrap(),
        expect,
    )
    .await;

    // LEAP Sign: sequential signing, a cc, a completion callback.
    let leap = LeapSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let adapter = LeapSign::builder()
        .with_base_url(leap.base_url())
        .with_api_key(leap.api_key())
        .with_callback(
            receiver.url("/leap"),
            "a long random secret only this app knows",
        )
        .allow_insecure_loopback_callback(true)
        .build()
        .expect("leap-sign");
    let leap_request = request(SigningOrder::Sequential)
        .cc("archive@example.com")
        .owner(Party::new("Olga Owner", "olga@example.com"))
        .build()
        .unwrap();
    let expect = Expect {
        ordered: true,
        delivers: true,
        emails: true,
    };
    play(&leap, &adapter, leap_request, expect).await;
    let copies: Vec<String> = Control::outbox(&leap)
        .into_iter()
        .filter(|email| email.kind == EmailKind::Completed)
        .map(|email| email.to)
        .collect();
    assert_eq!(copies, ["archive@example.com"]);

    // DocuSign: routing order, a cc, Connect messages.
    let docusign = DocuSignEmulator::start().await;
    let receiver = Receiver::start().await;
    let adapter = DocuSignBuilder::new()
        .with_auth_url(docusign.auth_url())
        .with_integration_key(docusign.integration_key())
        .with_user_id(docusign.user_id())
        .with_private_key_pem(docusign.private_key_pem())
        .with_hmac_key(docusign.hmac_keys()[0].clone())
        .build()
        .expect("docusign");
    let docusign_request = request(SigningOrder::Sequential)
        .cc("archive@example.com")
        .callback_url(receiver.url("/connect"))
        .allow_insecure_loopback_callback(true)
        .build()
        .unwrap();
    let expect = Expect {
        ordered: true,
        delivers: true,
        emails: true,
    };
    play(&docusign, &adapter, docusign_request, expect).await;

    // The in-memory provider: the same shape where it fits (no webhooks posted, no e-mail).
    let memory = MemoryProvider::new();
    let expect = Expect {
        ordered: true,
        delivers: false,
        emails: false,
    };
    play(
        &memory,
        &memory,
        request(SigningOrder::Sequential).build().unwrap(),
        expect,
    )
    .await;

    // And all four behind one list, as the sandbox holds them.
    let controls: Vec<&dyn Control> = vec![&heysign, &leap, &docusign, &memory];
    let names: Vec<&str> = controls.iter().map(|c| c.provider()).collect();
    assert_eq!(names, ["heysign", "leap-sign", "docusign", "memory"]);
    for control in controls {
        assert_eq!(control.envelopes().len(), 1, "{}", control.provider());
        assert!(control.supports(SignerAction::Sign));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_and_faults_through_the_control_handle() {
    let docusign = DocuSignEmulator::start().await;
    let adapter = DocuSignBuilder::new()
        .with_auth_url(docusign.auth_url())
        .with_integration_key(docusign.integration_key())
        .with_user_id(docusign.user_id())
        .with_private_key_pem(docusign.private_key_pem())
        .build()
        .expect("docusign");
    let control: &dyn Control = &docusign;
    let sent = adapter
        .send(&request(SigningOrder::Sequential).build().unwrap())
        .await
        .expect("send");
    control
        .act(&sent.id, ADA, SignerAction::Decline)
        .expect("decline");
    assert_eq!(
        adapter.get(&sent.id).await.expect("get").status,
        EnvelopeStatus::Declined
    );
    assert!(
        control
            .outbox()
            .iter()
            .any(|email| email.kind == EmailKind::Declined)
    );

    // HeySign signees cannot decline: refused, not ignored.
    let heysign = HeySignEmulator::start().await;
    assert!(!Control::supports(&heysign, SignerAction::Decline));

    // Faults by route name, as a page or a script names them.
    assert!(control.routes().contains(&"get_envelope"));
    let refused = control
        .inject(
            "no_such_route",
            signing::testkit::emulator::Fault::Status(500),
            1,
        )
        .unwrap_err();
    assert_eq!(refused.kind(), ControlErrorKind::UnknownRoute);
    control
        .inject(
            "get_envelope",
            signing::testkit::emulator::Fault::Status(503),
            3,
        )
        .expect("inject");
    assert_eq!(control.pending_faults().len(), 3);
    control.clear_faults();
    assert!(control.pending_faults().is_empty());
    assert!(!control.requests().is_empty());
}

//! Every request body the adapter sends validates against DocuSign's specification: each
//! property exists in its definition and has the declared type (strings where DocuSign declares
//! strings, numbers and booleans included).
//!
//! The definitions are `tests/data/esignature-v2.1-definitions.json`, trimmed from DocuSign's
//! OpenAPI specification (release 21.1.00) by `tests/data/trim_spec.py`, which names its source.
//! The bodies are those the emulator received while the adapter did everything it can do: send
//! (every option), send a draft, void, delete a draft, create a recipient view.

mod support;

use std::collections::BTreeMap;

use docusign::{
    EnvelopeDefinition, EnvelopeId, EnvelopeStatus, NewDocument, NewSigner, RecipientViewRequest,
};
use serde_json::Value;
use signing_core::{Document, NewEnvelope, Signer, SigningOrder, SigningProvider};
use signing_testkit::emulator::RecordedRequest;
use signing_testkit::emulator::docusign::Route;
use support::DocuSignHarness;

const DEFINITIONS: &str = include_str!("data/esignature-v2.1-definitions.json");

/// The definition a route's body must follow, as the specification's paths say.
fn definition_of(route: &str) -> Option<&'static str> {
    let routes = [
        (Route::CreateEnvelope, "envelopeDefinition"),
        (Route::UpdateEnvelope, "envelope"),
        (Route::MoveEnvelopes, "foldersRequest"),
        (Route::CreateRecipientView, "recipientViewRequest"),
    ];
    routes
        .into_iter()
        .find(|(r, _)| r.as_str() == route)
        .map(|(_, definition)| definition)
}

struct Spec {
    definitions: BTreeMap<String, BTreeMap<String, Value>>,
}

impl Spec {
    fn load() -> Self {
        let file: Value = serde_json::from_str(DEFINITIONS).unwrap();
        assert!(
            file["licence"]
                .as_str()
                .unwrap()
                .contains("Copyright (c) 2017- DocuSign, Inc."),
            "the test data keeps DocuSign's MIT notice"
        );
        let definitions = serde_json::from_value(file["definitions"].clone()).unwrap();
        Self { definitions }
    }

    /// Checks `value` against `definition`, returning how many properties were checked.
    fn check(&self, value: &Value, definition: &str, at: &str) -> usize {
        let properties = self.definitions.get(definition).unwrap_or_else(|| {
            panic!("{at}: the body reaches `{definition}`, which the test data does not hold (add it to trim_spec.py)")
        });
        let object = value
            .as_object()
            .unwrap_or_else(|| panic!("{at}: `{definition}` must be a JSON object, got {value}"));
        let mut checked = 0;
        for (name, item) in object {
            let at = format!("{at}.{name}");
            let declared = properties
                .get(name)
                .unwrap_or_else(|| panic!("{at}: `{definition}` declares no property `{name}`"));
            checked += 1 + self.check_type(item, declared, &at);
        }
        checked
    }

    fn check_type(&self, value: &Value, declared: &Value, at: &str) -> usize {
        match declared {
            Value::String(kind) => {
                let ok = match kind.as_str() {
                    "string" => value.is_string(),
                    "boolean" => value.is_boolean(),
                    "integer" => value.is_i64() || value.is_u64(),
                    "number" => value.is_number(),
                    "object" => value.is_object(),
                    other => panic!("{at}: unknown declared type {other}"),
                };
                assert!(ok, "{at}: declared {kind}, sent {value}");
                0
            }
            Value::Object(shape) => {
                if let Some(Value::String(name)) = shape.get("$ref") {
                    self.check(value, name, at)
                } else if let Some(items) = shape.get("array") {
                    let array = value
                        .as_array()
                        .unwrap_or_else(|| panic!("{at}: declared an array, sent {value}"));
                    array
                        .iter()
                        .enumerate()
                        .map(|(i, item)| self.check_type(item, items, &format!("{at}[{i}]")))
                        .sum()
                } else {
                    panic!("{at}: unknown declared shape {declared}")
                }
            }
            other => panic!("{at}: unknown declared shape {other}"),
        }
    }
}

#[test]
fn the_validator_refuses_what_the_specification_does_not_declare() {
    let spec = Spec::load();
    let good = serde_json::json!({"recipients": {"signers": [{"routingOrder": "1"}]}});
    assert_eq!(spec.check(&good, "envelopeDefinition", "body"), 3);
    for bad in [
        serde_json::json!({"recipients": {"signers": [{"routingOrder": 1}]}}),
        serde_json::json!({"recipients": {"signers": [{"routeOrder": "1"}]}}),
        serde_json::json!({"customFields": {"textCustomFields": [{"show": false}]}}),
        serde_json::json!({"documents": {"documentId": "1"}}),
        serde_json::json!({"events": ["envelope-sent"]}),
    ] {
        let refused = std::panic::catch_unwind(|| spec.check(&bad, "envelopeDefinition", "body"));
        assert!(refused.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn every_body_the_adapter_sends_follows_the_specification() {
    let h = DocuSignHarness::start().await;
    let docx = b"PK\x03\x04\x14\x00\x00\x00\x00\x00word/document.xml<w:document/>".to_vec();
    let request = NewEnvelope::builder()
        .title("Every option")
        .document(Document::new("main.pdf", &b"%PDF-1.7 main"[..]))
        .document(Document::new("annex.docx", docx))
        .signer(Signer::new("Ada Lovelace", "ada@example.com"))
        .signer(Signer::new("Bob Builder", "bob@example.com"))
        .order(SigningOrder::Sequential)
        .cc("records@example.com")
        .metadata("customer", "42")
        .reference("order-7")
        .callback_url(h.receiver.url(support::CONNECT))
        .allow_insecure_loopback_callback(true)
        .build()
        .unwrap();
    let sent = h.provider.send(&request).await.unwrap();
    h.provider.cancel(&sent.id).await.unwrap();

    // A draft, sent later; another deleted; an embedded signer's session.
    let client = h.provider.client();
    let mut draft = EnvelopeDefinition::new("Draft");
    draft
        .documents
        .push(NewDocument::new("1", "d.pdf", "pdf", &b"%PDF-1.7 d"[..]));
    let mut embedded = NewSigner::new("1", "Eve Embedded", "eve@example.com", 1);
    embedded.client_user_id = Some("eve-42".to_owned());
    draft.recipients.signers.push(embedded);
    let later = client.envelopes().create(&draft).await.unwrap();
    client
        .envelopes()
        .send_draft(&later.envelope_id)
        .await
        .unwrap();
    let view = RecipientViewRequest::new(
        "https://app.example.com/signed",
        "eve@example.com",
        "Eve Embedded",
        "eve-42",
    );
    client
        .views()
        .recipient(&later.envelope_id, &view)
        .await
        .unwrap();
    let doomed = client.envelopes().create(&draft).await.unwrap();
    assert_eq!(doomed.status, EnvelopeStatus::Created);
    h.provider
        .delete(&signing_core::EnvelopeId::new(doomed.envelope_id.as_str()))
        .await
        .unwrap();
    let _: EnvelopeId = doomed.envelope_id;

    let spec = Spec::load();
    let bodies: Vec<RecordedRequest> = h
        .emulator
        .requests()
        .into_iter()
        .filter(|r| !r.body.is_empty() && r.route != Some(Route::Token.as_str()))
        .collect();
    let mut seen = BTreeMap::new();
    let mut checked = 0;
    for request in &bodies {
        let route = request.route.unwrap_or("unclassified");
        let definition = definition_of(route)
            .unwrap_or_else(|| panic!("a body was sent to {route}, which has no definition here"));
        let content_type = request.headers["content-type"].to_str().unwrap();
        // "Create envelope" is multipart: the definition is its first part, the documents'
        // bytes the others.
        let json = if route == Route::CreateEnvelope.as_str() {
            let parts = support::multipart_parts(content_type, &request.body);
            assert_eq!(
                support::part_header(&parts[0].0, "content-type"),
                "application/json"
            );
            parts[0].1.clone()
        } else {
            assert_eq!(content_type, "application/json", "{route}");
            request.body.to_vec()
        };
        let body: Value = serde_json::from_slice(&json).unwrap();
        checked += spec.check(&body, definition, definition);
        *seen.entry(route).or_insert(0) += 1;
    }
    assert_eq!(
        seen,
        BTreeMap::from([
            (Route::CreateEnvelope.as_str(), 3),
            (Route::UpdateEnvelope.as_str(), 2),
            (Route::MoveEnvelopes.as_str(), 1),
            (Route::CreateRecipientView.as_str(), 1),
        ])
    );
    // Every part of the richest body was walked, not just its top level.
    assert!(checked > 60, "only {checked} properties checked");
}

//! The DocuSign emulator's answer modes, seen from a client: raw `reqwest` requests with a token
//! of the JWT grant, and the answers and Connect messages held to the documented-fields tables
//! of `emulator/mode.rs` and to the variations the emulator reports.
#![cfg(feature = "docusign")]
// Each test walks one scenario end to end.
#![allow(clippy::too_many_lines)]

mod answer_modes;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use answer_modes::{Checker, kept_fields, keys, mode_table};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use signing_testkit::doc_table::Row;
use signing_testkit::emulator::docusign::DocuSignEmulator;
use signing_testkit::emulator::{AnswerMode, Condition, Variation, VariationKind};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
/// Connect messages to this URL are recorded, not sent: it is not on this machine.
const HOOK: &str = "https://example.invalid/docusign/connect";
const WAIT: Duration = Duration::from_secs(5);
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const FIRST_ACCOUNT: &str = "6b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const SECOND_ACCOUNT: &str = "7c2a1f3b-4d5e-4f60-9b0c-1d2e3f4a5b6c";
const STATUS_DATES: &str = "### DocuSign: the dates of an envelope's status";

/// The kinds of change DocuSign variants make: never a rename, DocuSign's documents name every
/// field.
const DOCUSIGN_KINDS: [VariationKind; 8] = [
    VariationKind::MissingField,
    VariationKind::NullField,
    VariationKind::ExtraField,
    VariationKind::EnumCasing,
    VariationKind::NumberAsString,
    VariationKind::TimestampFormat,
    VariationKind::StringAsNumber,
    VariationKind::StringAsBoolean,
];

/// Objects of the documented-fields table nested in others: (row, field) to the row of the
/// object (or of each element) the field holds.
const NESTED: [(&str, &str, &str); 10] = [
    ("userinfo", "accounts", "account"),
    ("envelope", "recipients", "EnvelopeRecipients"),
    ("envelope", "customFields", "AccountCustomFields"),
    ("envelope", "envelopeDocuments", "envelopeDocument"),
    ("EnvelopeRecipients", "signers", "signer"),
    ("EnvelopeRecipients", "carbonCopies", "carbonCopy"),
    ("AccountCustomFields", "textCustomFields", "textCustomField"),
    ("envelopesInformation", "envelopes", "envelope"),
    ("connect message", "data", "connect data"),
    ("connect data", "envelopeSummary", "envelope"),
];

/// Documented fields whose values DocuSign itself varies: statuses, counts, date-times.
fn varied_value(field: &str) -> bool {
    field == "status"
        || field.ends_with("DateTime")
        || [
            "routingOrder",
            "currentRoutingOrder",
            "resultSetSize",
            "totalSetSize",
            "startPosition",
            "endPosition",
        ]
        .contains(&field)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The status and body of an answer.
struct Answer {
    status: StatusCode,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("answered");
    Answer {
        status: response.status(),
        bytes: response.bytes().await.expect("body").to_vec(),
    }
}

fn expect(answer: &Answer, status: StatusCode) -> Value {
    assert_eq!(
        answer.status,
        status,
        "{}",
        String::from_utf8_lossy(&answer.bytes)
    );
    answer.json()
}

async fn token_answer(emu: &DocuSignEmulator, grant_type: &str) -> Answer {
    let claims = json!({
        "iss": emu.integration_key(),
        "sub": emu.user_id(),
        "aud": emu.oauth_host(),
        "iat": now(),
        "exp": now() + 3600,
        "scope": "signature impersonation",
    });
    let key = EncodingKey::from_rsa_pem(emu.private_key_pem().as_bytes()).expect("PEM key");
    let assertion = encode(&Header::new(Algorithm::RS256), &claims, &key).expect("signed");
    answer(
        http()
            .post(format!("{}/oauth/token", emu.auth_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("grant_type={grant_type}&assertion={assertion}")),
    )
    .await
}

/// A client of both hosts holding a token, for the default account.
struct Api {
    http: reqwest::Client,
    token: String,
    base: String,
    auth: String,
}

impl Api {
    fn new(emu: &DocuSignEmulator, token: String) -> Self {
        Self {
            http: http(),
            token,
            base: format!(
                "{}/restapi/v2.1/accounts/{}",
                emu.api_base_uri(),
                emu.account_id()
            ),
            auth: emu.auth_url(),
        }
    }

    /// A URL of the API host below the account, or of the auth host for `/oauth/...`.
    fn url(&self, path: &str) -> String {
        if path.starts_with("/oauth/") {
            format!("{}{path}", self.auth)
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn get(&self, path: &str) -> Answer {
        answer(self.http.get(self.url(path)).bearer_auth(&self.token)).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        answer(
            self.http
                .post(self.url(path))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        answer(
            self.http
                .put(self.url(path))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
    }
}

fn signer(email: &str, id: &str, order: &str) -> Value {
    json!({"email": email, "name": format!("Signer {id}"), "recipientId": id, "routingOrder": order})
}

/// An envelope definition with one PDF and these signers.
fn definition(status: &str, signers: &[Value]) -> Value {
    json!({
        "emailSubject": "Please sign",
        "status": status,
        "documents": [{
            "documentBase64": BASE64.encode(PDF),
            "name": "contract.pdf",
            "fileExtension": "pdf",
            "documentId": "1",
        }],
        "recipients": {"signers": signers},
    })
}

/// An `eventNotification` for every event the emulator emits, asking for data or not.
fn notification(include_data: &[&str]) -> Value {
    let mut event_data = json!({"version": "restv2.1", "format": "json"});
    if !include_data.is_empty() {
        event_data["includeData"] = json!(include_data);
    }
    let envelope_events: Vec<Value> = ["Sent", "Delivered", "Completed", "Declined", "Voided"]
        .map(|code| json!({"envelopeEventStatusCode": code}))
        .into();
    let recipient_events: Vec<Value> = ["Sent", "Delivered", "Completed", "Declined"]
        .map(|code| json!({"recipientEventStatusCode": code}))
        .into();
    json!({
        "url": HOOK,
        "includeHMAC": "true",
        "requireAcknowledgment": "true",
        "envelopeEvents": envelope_events,
        "recipientEvents": recipient_events,
        "eventData": event_data,
    })
}

fn str_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {value}"))
}

/// `envelope` without the parts `include=` did not ask for.
fn without(mut envelope: Value, parts: &[&str]) -> Value {
    for part in parts {
        envelope.as_object_mut().expect("object").remove(*part);
    }
    envelope
}

/// One object the emulator sent on its own: its row in the documented-fields table (also the
/// object its variations are reported for), as sent and in the assumed shape, and whether its
/// request asked for data (a Connect message's `eventData.includeData`).
struct Seen {
    row: &'static str,
    answer: Value,
    assumed: Value,
    asked: bool,
}

/// Everything one flow saw.
struct Run {
    emu: DocuSignEmulator,
    seen: Vec<Seen>,
    /// Strings that differ from run to run besides ids, ports and timestamps: the token.
    secrets: Vec<String>,
    /// The envelopes whose Connect messages asked for data, and those that did not.
    asked: String,
    not_asked: String,
}

impl Run {
    fn saw(&mut self, row: &'static str, answer: Value, assumed: Value) {
        self.seen.push(Seen {
            row,
            answer,
            assumed,
            asked: false,
        });
    }

    /// A read: the same request in the assumed mode first (for the assumed shape), then in the
    /// run's mode. Reads change nothing, so both see the same state.
    async fn read(&mut self, api: &Api, row: &'static str, path: &str) -> Value {
        let mode = self.emu.answer_mode();
        self.emu.set_answer_mode(AnswerMode::Assumed);
        let assumed = expect(&api.get(path).await, StatusCode::OK);
        self.emu.set_answer_mode(mode);
        let answer = expect(&api.get(path).await, StatusCode::OK);
        self.saw(row, answer.clone(), assumed);
        answer
    }

    /// Creates an envelope; returns its id.
    async fn create(&mut self, api: &Api, definition: &Value) -> String {
        let summary = expect(
            &api.post("/envelopes", definition).await,
            StatusCode::CREATED,
        );
        let id = str_at(&summary, "envelopeId").to_owned();
        let envelope = self.emu.envelope(&id).expect("created");
        let assumed = json!({
            "envelopeId": id,
            "uri": format!("/envelopes/{id}"),
            "statusDateTime": envelope["statusChangedDateTime"],
            "status": envelope["status"],
        });
        self.saw("envelopeSummary", summary, assumed);
        id
    }
}

/// The whole answer surface once, in `mode`: token, userinfo, envelopes in every status, their
/// recipients, a recipient view, a void, a draft sent, the recycle bin, listings and the Connect
/// messages of two envelopes, one asking for data and one not.
async fn run(mode: AnswerMode) -> Run {
    let emu = DocuSignEmulator::builder()
        .account(FIRST_ACCOUNT, "First")
        .account(SECOND_ACCOUNT, "Second")
        .answer_mode(mode)
        .start()
        .await;
    let token = expect(&token_answer(&emu, JWT_BEARER).await, StatusCode::OK);
    let access_token = str_at(&token, "access_token").to_owned();
    let api = Api::new(&emu, access_token.clone());
    let mut run = Run {
        emu,
        seen: Vec::new(),
        secrets: vec![access_token.clone()],
        asked: String::new(),
        not_asked: String::new(),
    };
    let assumed_token = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 3600,
    });
    run.saw("token", token, assumed_token);
    run.read(&api, "userinfo", "/oauth/userinfo").await;

    // Sent with two signers in turn (the first embedded) and a carbon copy, custom fields, and
    // Connect messages with data.
    let mut sent = definition(
        "sent",
        &[
            json!({"email": "ann@example.com", "name": "Ann", "recipientId": "1",
                "routingOrder": "1", "clientUserId": "ann-1"}),
            signer("bob@example.com", "2", "2"),
        ],
    );
    sent["recipients"]["carbonCopies"] =
        json!([{"email": "cc@example.com", "name": "Cc", "recipientId": "3", "routingOrder": "2"}]);
    sent["customFields"] = json!({"textCustomFields": [
        {"name": "ref", "value": "R-1", "show": "false"},
        {"name": "app", "value": "signing", "show": "true", "required": "true"},
    ]});
    sent["eventNotification"] = notification(&["recipients", "custom_fields"]);
    let signed = run.create(&api, &sent).await;
    run.asked.clone_from(&signed);
    run.read(
        &api,
        "envelope",
        &format!("/envelopes/{signed}?include=recipients,custom_fields,documents"),
    )
    .await;
    run.read(
        &api,
        "EnvelopeRecipients",
        &format!("/envelopes/{signed}/recipients"),
    )
    .await;
    let view = expect(
        &api.post(
            &format!("/envelopes/{signed}/views/recipient"),
            &json!({
                "returnUrl": "https://app.example.com/back",
                "authenticationMethod": "None",
                "email": "ann@example.com",
                "userName": "Ann",
                "clientUserId": "ann-1",
            }),
        )
        .await,
        StatusCode::CREATED,
    );
    let assumed_view = json!({"url": view["url"]});
    run.saw("EnvelopeViews", view, assumed_view);
    run.emu
        .view(&signed, "ann@example.com")
        .expect("Ann opens it");
    run.read(&api, "envelope", &format!("/envelopes/{signed}"))
        .await;
    run.emu.sign_all(&signed).expect("everyone signs");
    run.read(
        &api,
        "envelope",
        &format!("/envelopes/{signed}?include=recipients,custom_fields"),
    )
    .await;

    // A draft, read, then sent.
    let mut draft = definition("created", &[signer("dan@example.com", "1", "1")]);
    draft["emailBlurb"] = json!("Hello");
    let draft_id = run.create(&api, &draft).await;
    run.read(
        &api,
        "envelope",
        &format!("/envelopes/{draft_id}?include=recipients"),
    )
    .await;

    // Sent with Connect messages without data, then voided.
    let mut voided = definition("sent", &[signer("eve@example.com", "1", "1")]);
    voided["eventNotification"] = notification(&[]);
    let voided_id = run.create(&api, &voided).await;
    run.not_asked.clone_from(&voided_id);
    let update = expect(
        &api.put(
            &format!("/envelopes/{voided_id}"),
            &json!({"status": "voided", "voidedReason": "Wrong terms"}),
        )
        .await,
        StatusCode::OK,
    );
    run.saw(
        "envelopeUpdateSummary",
        update,
        json!({"envelopeId": voided_id}),
    );
    run.read(&api, "envelope", &format!("/envelopes/{voided_id}"))
        .await;

    // A draft moved to the recycle bin.
    let recycled = run
        .create(
            &api,
            &definition("created", &[signer("fay@example.com", "1", "1")]),
        )
        .await;
    let moved = expect(
        &api.put("/folders/recyclebin", &json!({"envelopeIds": [recycled]}))
            .await,
        StatusCode::OK,
    );
    run.saw("foldersResponse", moved, json!({}));
    run.read(&api, "envelope", &format!("/envelopes/{recycled}"))
        .await;

    // Declined.
    let declined = run
        .create(
            &api,
            &definition("sent", &[signer("gus@example.com", "1", "1")]),
        )
        .await;
    run.emu
        .decline(&declined, "gus@example.com", "Not today")
        .expect("Gus declines");
    run.read(
        &api,
        "envelope",
        &format!("/envelopes/{declined}?include=recipients"),
    )
    .await;

    // The draft is sent.
    let update = expect(
        &api.put(
            &format!("/envelopes/{draft_id}"),
            &json!({"status": "sent"}),
        )
        .await,
        StatusCode::OK,
    );
    run.saw(
        "envelopeUpdateSummary",
        update,
        json!({"envelopeId": draft_id}),
    );

    // Listings: two pages and an empty one.
    let listing = "/envelopes?from_date=2000-01-01T00:00:00Z&include=recipients,custom_fields";
    run.read(&api, "envelopesInformation", &format!("{listing}&count=3"))
        .await;
    run.read(
        &api,
        "envelopesInformation",
        &format!("{listing}&count=3&start_position=3"),
    )
    .await;
    run.read(
        &api,
        "envelopesInformation",
        "/envelopes?from_date=2099-01-01T00:00:00Z",
    )
    .await;

    // The Connect messages of the signed envelope (with data) and the voided one (without).
    for (envelope, last) in [
        (&signed, "envelope-completed"),
        (&voided_id, "envelope-voided"),
    ] {
        run.emu
            .wait_for_delivery(envelope, last, WAIT)
            .await
            .expect("the last message was delivered");
    }
    let deliveries = run.emu.deliveries();
    assert!(deliveries.len() >= 10, "{}", deliveries.len());
    for delivery in deliveries {
        assert_eq!(delivery.url, HOOK);
        let asked = delivery.envelope_id == run.asked;
        run.seen.push(Seen {
            row: "connect message",
            answer: delivery.json().expect("JSON body"),
            assumed: delivery.assumed_json().expect("JSON"),
            asked,
        });
    }
    run
}

/// What the tables of `emulator/mode.rs` say DocuSign's documents promise.
struct Tables {
    objects: Vec<Row>,
    /// The date fields kept for each envelope status.
    dates: BTreeMap<String, BTreeSet<String>>,
}

impl Tables {
    fn read() -> Self {
        let dates = mode_table(STATUS_DATES)
            .into_iter()
            .map(|row| {
                let status = row["status"].trim_matches('`').to_owned();
                let fields = row["fields kept"]
                    .split(',')
                    .map(|field| field.trim().trim_matches('`').to_owned())
                    .collect();
                (status, fields)
            })
            .collect();
        Self {
            objects: mode_table("## DocuSign"),
            dates,
        }
    }

    /// The fields of `assumed` (an object of the table's `row`) the documents promise.
    fn promised(&self, row: &str, assumed: &Value, asked: bool) -> BTreeSet<String> {
        let mut kept = kept_fields(&self.objects, row);
        if row == "envelope" {
            let status = str_at(assumed, "status");
            kept.extend(
                self.dates
                    .get(status)
                    .unwrap_or_else(|| panic!("no dates for the status {status}"))
                    .iter()
                    .cloned(),
            );
        }
        if row == "connect data" && !asked {
            kept.remove("envelopeSummary");
        }
        kept.intersection(&keys(assumed)).cloned().collect()
    }
}

fn nested(row: &str, field: &str) -> Option<&'static str> {
    NESTED
        .iter()
        .find(|(outer, name, _)| *outer == row && *name == field)
        .map(|(_, _, inner)| *inner)
}

/// The pairs of nested objects of `row` under `field`: the object, or each element.
fn nested_pairs<'a>(answer: &'a Value, assumed: &'a Value) -> Vec<(&'a Value, &'a Value)> {
    match (answer, assumed) {
        (Value::Array(sent), Value::Array(held)) => {
            assert_eq!(sent.len(), held.len(), "{answer}");
            sent.iter().zip(held).collect()
        }
        _ => vec![(answer, assumed)],
    }
}

/// In `DocumentedOnly`: the object holds exactly the promised fields, each as assumed (nested
/// objects in turn).
fn assert_documented_only(
    tables: &Tables,
    row: &'static str,
    answer: &Value,
    assumed: &Value,
    asked: bool,
    rows: &mut BTreeSet<&'static str>,
) {
    rows.insert(row);
    let promised = tables.promised(row, assumed, asked);
    assert_eq!(keys(answer), promised, "{row}: {answer}\nassumed {assumed}");
    for field in &promised {
        match nested(row, field) {
            Some(inner) => {
                for (answer, assumed) in nested_pairs(&answer[field], &assumed[field]) {
                    assert_documented_only(tables, inner, answer, assumed, asked, rows);
                }
            }
            None => assert_eq!(answer[field], assumed[field], "{row}.{field}"),
        }
    }
}

/// In a variant: every promised field is sent under its name, not `null`, its value as assumed
/// but for the statuses, counts and date-times DocuSign itself varies (nested objects in turn).
/// Collects the statuses sent.
fn assert_promised_kept(
    tables: &Tables,
    row: &'static str,
    answer: &Value,
    assumed: &Value,
    asked: bool,
    statuses: &mut BTreeSet<String>,
) {
    for field in tables.promised(row, assumed, asked) {
        let sent = &answer[&field];
        let held = &assumed[&field];
        assert!(
            !sent.is_null(),
            "{row}.{field} dropped: {answer}\nassumed {assumed}"
        );
        if let Some(inner) = nested(row, &field) {
            for (answer, assumed) in nested_pairs(sent, held) {
                assert_promised_kept(tables, inner, answer, assumed, asked, statuses);
            }
        } else if field == "status" {
            let text = sent.as_str().expect("a status is a string");
            assert!(
                text.eq_ignore_ascii_case(str_at(assumed, "status")),
                "{text}"
            );
            statuses.insert(text.to_owned());
        } else if field.ends_with("DateTime") {
            let instant = |value: &Value| {
                let text = value.as_str().expect("a date-time is a string");
                OffsetDateTime::parse(text, &Rfc3339)
                    .unwrap_or_else(|_| panic!("{row}.{field}: {text}"))
                    .unix_timestamp()
            };
            assert_eq!(instant(sent), instant(held), "{row}.{field}");
        } else if varied_value(&field) {
            let text = match sent {
                Value::Number(number) => number.to_string(),
                other => other.as_str().expect("a count").to_owned(),
            };
            assert_eq!(Some(text.as_str()), held.as_str(), "{row}.{field}");
        } else {
            assert_eq!(sent, held, "{row}.{field}");
        }
    }
}

/// The objects of `seen` the emulator words on their own, as the checker takes them: an
/// envelope's recipients, a listing's envelopes and a Connect message's envelope are checked
/// as objects of their own, and taken as sent in the object around them.
fn parts(row: &'static str, answer: &Value, assumed: &Value, asked: bool) -> Vec<Seen> {
    let mut assumed = assumed.clone();
    let mut out = Vec::new();
    match row {
        "envelope" if answer["recipients"].is_object() => {
            out.push(Seen {
                row: "EnvelopeRecipients",
                answer: answer["recipients"].clone(),
                assumed: assumed["recipients"].clone(),
                asked,
            });
            assumed["recipients"] = answer["recipients"].clone();
        }
        "envelopesInformation" => {
            if let (Some(sent), Some(held)) = (
                answer["envelopes"].as_array(),
                assumed["envelopes"].as_array(),
            ) {
                assert_eq!(sent.len(), held.len());
                for (sent, held) in sent.iter().zip(held) {
                    out.extend(parts("envelope", sent, held, asked));
                }
                assumed["envelopes"] = answer["envelopes"].clone();
            }
        }
        "connect message" => {
            let summary = &answer["data"]["envelopeSummary"];
            if summary.is_object() {
                out.extend(parts(
                    "envelope",
                    summary,
                    &assumed["data"]["envelopeSummary"],
                    asked,
                ));
                assumed["data"]["envelopeSummary"] = summary.clone();
            }
        }
        _ => {}
    }
    out.push(Seen {
        row,
        answer: answer.clone(),
        assumed,
        asked,
    });
    out
}

/// Checks every object of a run against the variations its emulator reports.
fn check_run(run: &Run, checker: &mut Checker) {
    let variations = run.emu.variations();
    for seen in &run.seen {
        for part in parts(seen.row, &seen.answer, &seen.assumed, seen.asked) {
            let asked: &[&str] = if part.asked {
                &["eventData.includeData"]
            } else {
                &[]
            };
            checker.check_asked(
                &variations,
                part.row,
                &part.answer,
                &part.assumed,
                &[],
                asked,
            );
        }
    }
}

/// Whether `text` has a UUID at `index`.
fn uuid_at(text: &str, index: usize) -> bool {
    text.get(index..index + 36).is_some_and(|candidate| {
        candidate.char_indices().all(|(at, c)| {
            if [8, 13, 18, 23].contains(&at) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    })
}

/// `text` with its UUIDs and loopback ports blanked.
fn blank(text: &str) -> String {
    let mut out = String::new();
    let mut index = 0;
    while index < text.len() {
        if uuid_at(text, index) {
            out.push_str("<id>");
            index += 36;
        } else if text[index..].starts_with("127.0.0.1:") {
            out.push_str("127.0.0.1:<port>");
            index += "127.0.0.1:".len();
            while text.as_bytes().get(index).is_some_and(u8::is_ascii_digit) {
                index += 1;
            }
        } else {
            let c = text[index..].chars().next().expect("a character");
            out.push(c);
            index += c.len_utf8();
        }
    }
    out
}

/// The skeleton of an answer: ids, ports, secrets and timestamps blanked, so answers made at
/// different moments by different emulators can be compared.
fn skeleton(value: &Value, secrets: &[String]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), skeleton(value, secrets)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| skeleton(i, secrets)).collect()),
        Value::String(text) if secrets.contains(text) => Value::String("<secret>".to_owned()),
        Value::String(text) if text.len() >= 19 && text.as_bytes()[10] == b'T' => {
            Value::String("<time>".to_owned())
        }
        Value::String(text) => Value::String(blank(text)),
        other => other.clone(),
    }
}

// ---- the tests ------------------------------------------------------------------------------

#[tokio::test]
async fn assumed_answers_are_todays_byte_for_byte() {
    let emu = DocuSignEmulator::start().await;
    assert_eq!(emu.answer_mode(), AnswerMode::Assumed);
    assert!(emu.variations().is_empty());
    let token = token_answer(&emu, JWT_BEARER).await;
    let access_token = str_at(&token.json(), "access_token").to_owned();
    assert_eq!(
        token.bytes,
        serde_json::to_vec(&json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
        }))
        .expect("JSON")
    );
    let api = Api::new(&emu, access_token);
    assert_eq!(
        api.get("/oauth/userinfo").await.bytes,
        serde_json::to_vec(&json!({
            "sub": emu.user_id(),
            "name": "Emulator User",
            "given_name": "Emulator",
            "family_name": "User",
            "created": "2020-01-01T00:00:00.000",
            "email": "emulator.user@example.com",
            "accounts": [{
                "account_id": emu.account_id(),
                "is_default": true,
                "account_name": "Emulator Account",
                "base_uri": emu.api_base_uri(),
            }],
        }))
        .expect("JSON")
    );

    let mut body = definition("sent", &[signer("ann@example.com", "1", "1")]);
    body["eventNotification"] = notification(&["recipients"]);
    let created = api.post("/envelopes", &body).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = str_at(&created.json(), "envelopeId").to_owned();
    let envelope = emu.envelope(&id).expect("envelope");
    assert_eq!(
        created.bytes,
        serde_json::to_vec(&json!({
            "envelopeId": id,
            "uri": format!("/envelopes/{id}"),
            "statusDateTime": envelope["statusChangedDateTime"],
            "status": "sent",
        }))
        .expect("JSON")
    );
    // Today's envelope, with every assumed field.
    assert_eq!(keys(&envelope).len(), 33, "{envelope}");
    let all = format!("/envelopes/{id}?include=recipients,custom_fields,documents");
    assert_eq!(
        api.get(&all).await.bytes,
        serde_json::to_vec(&envelope).expect("JSON")
    );
    assert_eq!(
        api.get(&format!("/envelopes/{id}/recipients")).await.bytes,
        serde_json::to_vec(&envelope["recipients"]).expect("JSON")
    );
    assert_eq!(
        api.get(&format!(
            "/envelopes?envelope_ids={id}&include=recipients,custom_fields,documents"
        ))
        .await
        .bytes,
        serde_json::to_vec(&json!({
            "resultSetSize": "1",
            "totalSetSize": "1",
            "startPosition": "0",
            "endPosition": "0",
            "nextUri": "",
            "previousUri": "",
            "envelopes": [envelope],
        }))
        .expect("JSON")
    );
    let voided = api
        .put(
            &format!("/envelopes/{id}"),
            &json!({"status": "voided", "voidedReason": "No"}),
        )
        .await;
    assert_eq!(
        voided.bytes,
        format!(r#"{{"envelopeId":"{id}"}}"#).as_bytes()
    );
    let moved = api
        .put("/folders/recyclebin", &json!({"envelopeIds": [id]}))
        .await;
    assert_eq!(moved.bytes, b"{}");

    // Connect messages as today, and the assumed body is the body.
    let message = emu
        .wait_for_delivery(&id, "envelope-voided", WAIT)
        .await
        .expect("delivered");
    assert_eq!(message.body, message.assumed_body);
    let payload = message.json().expect("JSON");
    assert_eq!(
        keys(&payload),
        [
            "apiVersion",
            "configurationId",
            "data",
            "event",
            "generatedDateTime",
            "retryCount",
            "uri"
        ]
        .map(str::to_owned)
        .into()
    );
    assert_eq!(
        payload["data"]["envelopeSummary"],
        without(
            emu.envelope(&id).expect("envelope"),
            &["customFields", "envelopeDocuments"]
        )
    );

    // Asking for the default explicitly changes nothing.
    let explicit = DocuSignEmulator::builder()
        .answer_mode(AnswerMode::Assumed)
        .start()
        .await;
    let token = token_answer(&explicit, JWT_BEARER).await;
    let api = Api::new(&explicit, str_at(&token.json(), "access_token").to_owned());
    let created = api
        .post(
            "/envelopes",
            &definition("created", &[signer("a@example.com", "1", "1")]),
        )
        .await;
    let id = str_at(&created.json(), "envelopeId").to_owned();
    assert_eq!(
        api.get(&format!(
            "/envelopes/{id}?include=recipients,custom_fields,documents"
        ))
        .await
        .bytes,
        serde_json::to_vec(&explicit.envelope(&id).expect("envelope")).expect("JSON")
    );
}

#[tokio::test]
async fn documented_only_answers_carry_exactly_the_promised_fields() {
    let tables = Tables::read();
    let run = run(AnswerMode::DocumentedOnly).await;
    let mut rows = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    for seen in &run.seen {
        assert_documented_only(
            &tables,
            seen.row,
            &seen.answer,
            &seen.assumed,
            seen.asked,
            &mut rows,
        );
        if seen.row == "envelope" {
            statuses.insert(str_at(&seen.assumed, "status").to_owned());
        }
    }
    // Every row of both tables was met, but the `signed` status the emulator never reaches.
    let table_rows: BTreeSet<&str> = tables
        .objects
        .iter()
        .map(|row| row["object"].trim_matches('`'))
        .collect();
    assert_eq!(
        table_rows, rows,
        "rows never met, or objects not in the table"
    );
    let reached: Vec<&str> = tables
        .dates
        .keys()
        .map(String::as_str)
        .filter(|status| *status != "signed")
        .collect();
    assert_eq!(
        statuses.iter().map(String::as_str).collect::<Vec<_>>(),
        reached
    );

    // What some answers come down to.
    let summary = &run.seen[2];
    assert_eq!(summary.row, "envelopeSummary");
    assert_eq!(keys(&summary.answer), keys(&summary.assumed));
    let messages: Vec<&Seen> = run
        .seen
        .iter()
        .filter(|seen| seen.row == "connect message")
        .collect();
    for message in &messages {
        let data = keys(&message.answer["data"]);
        let mut expected = vec!["envelopeId"];
        if message.asked {
            expected.push("envelopeSummary");
        }
        if str_at(&message.answer, "event").starts_with("recipient-") {
            expected.push("recipientId");
        }
        assert_eq!(
            data,
            expected.into_iter().map(str::to_owned).collect(),
            "{}",
            message.answer
        );
    }
    assert!(messages.iter().any(|message| message.asked));
    assert!(messages.iter().any(|message| !message.asked));

    // The control handle still shows the assumed shape.
    let envelope = run.emu.envelope(&run.asked).expect("envelope");
    assert_eq!(envelope["emailSubject"], "Please sign");
    assert_eq!(
        envelope["recipients"]["signers"][0]["recipientType"],
        "signer"
    );

    // The variations name every field left out, and nothing else; they agree with the table
    // of the dates.
    let variations = run.emu.variations();
    assert!(
        variations
            .iter()
            .all(|variation| variation.kind == VariationKind::MissingField)
    );
    let mut kept_for: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (status, fields) in &tables.dates {
        for field in fields {
            kept_for
                .entry(field.clone())
                .or_default()
                .insert(status.clone());
        }
    }
    let conditional: BTreeMap<String, BTreeSet<String>> = variations
        .iter()
        .filter(|variation| variation.object == "envelope")
        .filter_map(|variation| match variation.unless {
            Some(Condition::FieldIs { field, values }) => {
                assert_eq!(field, "status");
                let statuses = values.iter().map(|value| (*value).to_owned()).collect();
                Some((variation.field.clone(), statuses))
            }
            _ => None,
        })
        .collect();
    // `createdDateTime` is promised whatever the status, so it is never left out.
    assert_eq!(kept_for.remove("createdDateTime").map(|s| s.len()), Some(8));
    assert_eq!(conditional, kept_for);
    assert!(variations.iter().any(|variation| {
        variation.field == "data.envelopeSummary"
            && variation.unless == Some(Condition::Asked("eventData.includeData"))
    }));
    let mut checker = Checker::default();
    check_run(&run, &mut checker);
    assert!(
        checker.seen[&VariationKind::MissingField] > 100,
        "{:?}",
        checker.seen
    );
}

#[tokio::test]
async fn requests_are_as_strict_in_every_mode() {
    for mode in [AnswerMode::DocumentedOnly, AnswerMode::Variant { seed: 9 }] {
        let emu = DocuSignEmulator::builder().answer_mode(mode).start().await;
        let refused = token_answer(&emu, "client_credentials").await;
        let body = expect(&refused, StatusCode::BAD_REQUEST);
        assert_eq!(
            keys(&body),
            ["error", "error_description"].map(str::to_owned).into()
        );
        assert_eq!(body["error"], "unsupported_grant_type");
        let token = expect(&token_answer(&emu, JWT_BEARER).await, StatusCode::OK);
        let api = Api::new(&emu, str_at(&token, "access_token").to_owned());
        let refused = api
            .post(
                "/envelopes",
                &definition(
                    "sent",
                    &[json!({"email": "a@example.com", "name": "A",
                    "recipientId": "1", "routingOrder": 1})],
                ),
            )
            .await;
        // Error bodies are the same in every mode.
        let body = expect(&refused, StatusCode::BAD_REQUEST);
        assert_eq!(
            keys(&body),
            ["errorCode", "message"].map(str::to_owned).into()
        );
        assert_eq!(body["errorCode"], "INVALID_REQUEST_BODY");
        assert!(str_at(&body, "message").contains("routingOrder"), "{body}");
        assert!(emu.envelopes().is_empty());
        let unknown = api
            .get("/envelopes/00000000-0000-0000-0000-000000000000")
            .await;
        let body = expect(&unknown, StatusCode::BAD_REQUEST);
        assert_eq!(body["errorCode"], "ENVELOPE_DOES_NOT_EXIST");
        assert_eq!(keys(&body).len(), 2);
        let listing = api.get("/envelopes").await;
        assert_eq!(
            expect(&listing, StatusCode::BAD_REQUEST)["errorCode"],
            "INVALID_REQUEST_PARAMETER"
        );
    }
}

#[tokio::test]
async fn the_mode_can_change_at_run_time() {
    let emu = DocuSignEmulator::start().await;
    let token = expect(&token_answer(&emu, JWT_BEARER).await, StatusCode::OK);
    let api = Api::new(&emu, str_at(&token, "access_token").to_owned());
    let mut body = definition("sent", &[signer("ann@example.com", "1", "1")]);
    body["eventNotification"] = notification(&["recipients"]);
    let created = expect(&api.post("/envelopes", &body).await, StatusCode::CREATED);
    let id = str_at(&created, "envelopeId").to_owned();
    let path = format!("/envelopes/{id}");
    assert_eq!(
        expect(&api.get(&path).await, StatusCode::OK)["emailSubject"],
        "Please sign"
    );

    emu.set_answer_mode(AnswerMode::DocumentedOnly);
    assert_eq!(emu.answer_mode(), AnswerMode::DocumentedOnly);
    let got = expect(&api.get(&path).await, StatusCode::OK);
    assert_eq!(
        keys(&got),
        ["createdDateTime", "envelopeId", "sentDateTime", "status"]
            .map(str::to_owned)
            .into(),
        "{got}"
    );

    let seed = (0..64)
        .find(|seed| {
            emu.set_answer_mode(AnswerMode::Variant { seed: *seed });
            emu.variations().iter().any(|variation| {
                variation.object == "envelope"
                    && variation.field == "status"
                    && variation.detail == "UPPER_SNAKE"
            })
        })
        .expect("a seed sends envelope statuses in upper case");
    assert_eq!(emu.answer_mode(), AnswerMode::Variant { seed });
    let got = expect(&api.get(&path).await, StatusCode::OK);
    assert_eq!(got["status"], "SENT", "{got}");
    assert_eq!(got["envelopeId"], id.as_str());

    emu.set_answer_mode(AnswerMode::Assumed);
    assert_eq!(
        api.get(&format!(
            "{path}?include=recipients,custom_fields,documents"
        ))
        .await
        .bytes,
        serde_json::to_vec(&emu.envelope(&id).expect("envelope")).expect("JSON")
    );

    // A Connect message takes the mode of the moment its event happens.
    emu.set_answer_mode(AnswerMode::DocumentedOnly);
    emu.sign_all(&id).expect("Ann signs");
    let message = emu
        .wait_for_delivery(&id, "envelope-completed", WAIT)
        .await
        .expect("delivered");
    let payload = message.json().expect("JSON");
    assert_eq!(
        keys(&payload),
        ["data", "event", "generatedDateTime"]
            .map(str::to_owned)
            .into()
    );
    assert_eq!(
        keys(&payload["data"]["envelopeSummary"]),
        [
            "completedDateTime",
            "createdDateTime",
            "envelopeId",
            "recipients",
            "sentDateTime",
            "status"
        ]
        .map(str::to_owned)
        .into()
    );
    let assumed = message.assumed_json().expect("JSON");
    assert_eq!(assumed["apiVersion"], "v2.1");
    assert_eq!(assumed["generatedDateTime"], payload["generatedDateTime"]);
    let sent = emu
        .wait_for_delivery(&id, "envelope-sent", WAIT)
        .await
        .expect("delivered");
    assert_eq!(sent.body, sent.assumed_body);
}

#[tokio::test]
async fn variants_are_fixed_by_their_seed_and_differ_across_seeds() {
    for seed in [4, 21] {
        let first = run(AnswerMode::Variant { seed }).await;
        let second = run(AnswerMode::Variant { seed }).await;
        assert_eq!(
            first.emu.variations(),
            second.emu.variations(),
            "seed {seed}"
        );
        assert!(!first.emu.variations().is_empty());
        assert_eq!(first.seen.len(), second.seen.len());
        for (one, two) in first.seen.iter().zip(&second.seen) {
            assert_eq!(
                skeleton(&one.answer, &first.secrets),
                skeleton(&two.answer, &second.secrets),
                "seed {seed}: {}",
                one.row
            );
        }
    }
    let emu = DocuSignEmulator::start().await;
    let distinct: BTreeSet<String> = (0..40)
        .map(|seed| {
            emu.set_answer_mode(AnswerMode::Variant { seed });
            format!("{:?}", emu.variations())
        })
        .collect();
    assert_eq!(distinct.len(), 40);
}

/// Whether a variant leaves `data.envelopeSummary` out of the Connect messages that did not ask
/// for it (or sends it as `null`).
fn drops_unasked_summaries(variations: &[Variation]) -> bool {
    variations.iter().any(|variation| {
        variation.field == "data.envelopeSummary"
            && matches!(
                variation.kind,
                VariationKind::MissingField | VariationKind::NullField
            )
    })
}

#[tokio::test]
async fn variants_keep_promised_fields_and_report_every_change() {
    let tables = Tables::read();
    let mut checker = Checker::default();
    let mut statuses = BTreeSet::new();
    let mut dropped_summaries = 0;
    for seed in 0..32 {
        let run = run(AnswerMode::Variant { seed }).await;
        for seen in &run.seen {
            assert_promised_kept(
                &tables,
                seen.row,
                &seen.answer,
                &seen.assumed,
                seen.asked,
                &mut statuses,
            );
        }
        // A Connect message that asked for data has its envelope whatever the seed; one that
        // did not, as the seed says.
        let drops = drops_unasked_summaries(&run.emu.variations());
        for seen in run.seen.iter().filter(|seen| seen.row == "connect message") {
            let summary = &seen.answer["data"]["envelopeSummary"];
            if seen.asked {
                assert!(summary.is_object(), "seed {seed}: {}", seen.answer);
            } else {
                assert_eq!(!summary.is_object(), drops, "seed {seed}: {}", seen.answer);
            }
        }
        dropped_summaries += usize::from(drops);
        check_run(&run, &mut checker);
    }
    assert!((1..32).contains(&dropped_summaries), "{dropped_summaries}");
    checker.assert_kinds_seen(&DOCUSIGN_KINDS, 5);
    eprintln!("variations seen, by kind: {:?}", checker.seen);
    // Statuses as documented, and as `Sent` and `SENT`.
    for status in [
        "sent",
        "Sent",
        "SENT",
        "completed",
        "Completed",
        "COMPLETED",
    ] {
        assert!(statuses.contains(status), "{statuses:?}");
    }
    let details = |kind| checker.details.get(&kind).cloned().unwrap_or_default();
    assert_eq!(
        details(VariationKind::EnumCasing),
        ["PascalCase", "UPPER_SNAKE"].map(str::to_owned).into()
    );
    assert_eq!(
        details(VariationKind::TimestampFormat),
        [
            "RFC 3339 with 7 decimals and +00:00",
            "RFC 3339 with milliseconds and +00:00",
            "RFC 3339 with milliseconds and Z",
            "RFC 3339 without decimals and +00:00",
            "RFC 3339 without decimals and Z",
        ]
        .map(str::to_owned)
        .into()
    );
    for json_type in ["object", "array"] {
        assert!(
            details(VariationKind::ExtraField).contains(json_type),
            "{:?}",
            checker.details
        );
    }
}

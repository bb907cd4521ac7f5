//! The DocuSign emulator seen from a client: raw HTTP and JSON against DocuSign's wire contract,
//! JWTs minted with `jsonwebtoken`, Connect signatures checked with `hmac` directly.
#![cfg(feature = "docusign")]
// Each test walks one scenario of the wire contract end to end.
#![allow(clippy::too_many_lines)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use sha2::Sha256;
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::docusign::{DocuSignEmulator, EmulatorError, Route};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
const WAIT: Duration = Duration::from_secs(5);
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

fn now() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    i64::try_from(seconds).expect("fits")
}

/// Valid claims for the emulator's integration key and user.
fn claims(emu: &DocuSignEmulator) -> Value {
    json!({
        "iss": emu.integration_key(),
        "sub": emu.user_id(),
        "aud": emu.oauth_host(),
        "iat": now(),
        "exp": now() + 3600,
        "scope": "signature impersonation",
    })
}

fn sign_claims(emu: &DocuSignEmulator, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(emu.private_key_pem().as_bytes()).expect("PEM key");
    encode(&Header::new(Algorithm::RS256), claims, &key).expect("signed")
}

/// A status, headers, raw body and the body as JSON (`Null` when it is not JSON).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Bytes,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["errorCode"].as_str().unwrap_or_default()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        bytes,
        body,
    }
}

fn assert_error(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.code(), code, "{}", answer.body);
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        answer.body
    );
}

async fn request_token(emu: &DocuSignEmulator, grant_type: &str, assertion: &str) -> Answer {
    let response = http()
        .post(format!("{}/oauth/token", emu.auth_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type={grant_type}&assertion={assertion}"))
        .send()
        .await
        .expect("token endpoint answers");
    answer(response).await
}

/// A client of the API host holding a token, for the default account.
struct Api {
    http: reqwest::Client,
    token: String,
    base: String,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        answer(
            request
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("answered"),
        )
        .await
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path))).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.put(self.url(path)).json(body)).await
    }

    /// Creates an envelope and returns its id.
    async fn create(&self, definition: &Value) -> String {
        let created = self.post("/envelopes", definition).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        created.body["envelopeId"]
            .as_str()
            .expect("envelopeId")
            .to_owned()
    }
}

async fn token(emu: &DocuSignEmulator) -> String {
    let answer = request_token(emu, JWT_BEARER, &sign_claims(emu, &claims(emu))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

async fn connect(emu: &DocuSignEmulator) -> Api {
    Api {
        http: http(),
        token: token(emu).await,
        base: format!(
            "{}/restapi/v2.1/accounts/{}",
            emu.api_base_uri(),
            emu.account_id()
        ),
    }
}

/// An envelope definition with one PDF and the given signers `(email, routingOrder)`.
fn definition(status: &str, signers: &[(&str, &str)]) -> Value {
    let signers: Vec<Value> = signers
        .iter()
        .zip(1..)
        .map(|((email, order), id)| {
            json!({
                "email": email,
                "name": format!("Signer {id}"),
                "recipientId": id.to_string(),
                "routingOrder": order,
            })
        })
        .collect();
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

fn statuses(envelope: &Value, kind: &str) -> Vec<String> {
    envelope["recipients"][kind]
        .as_array()
        .expect("recipients")
        .iter()
        .map(|recipient| recipient["status"].as_str().expect("status").to_owned())
        .collect()
}

fn is_docusign_time(text: &str) -> bool {
    // 2026-01-02T03:04:05.1234567Z
    let bytes = text.as_bytes();
    bytes.len() == 28
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && bytes[27] == b'Z'
        && time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

// ---- auth host --------------------------------------------------------------------------

#[tokio::test]
async fn jwt_grant_checks_every_claim() {
    let emu = DocuSignEmulator::start().await;
    let good = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &claims(&emu))).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert_eq!(good.body["token_type"], "Bearer");
    assert_eq!(good.body["expires_in"], 3600);
    assert!(
        good.body["access_token"]
            .as_str()
            .is_some_and(|t| t.len() > 20)
    );
    assert_eq!(good.header("cache-control"), "no-store");

    let refused = |change: &dyn Fn(&mut Value), description: &'static str| {
        let mut claims = claims(&emu);
        change(&mut claims);
        let assertion = sign_claims(&emu, &claims);
        let emu = &emu;
        async move {
            let answer = request_token(emu, JWT_BEARER, &assertion).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{description}");
            assert_eq!(answer.body["error"], "invalid_grant", "{description}");
            assert_eq!(answer.body["error_description"], description);
        }
    };
    refused(&|c| c["iss"] = json!("someone-else"), "issuer_not_found").await;
    refused(
        &|c| c["sub"] = json!("00000000-0000-0000-0000-000000000000"),
        "user_not_found",
    )
    .await;
    let with_scheme = format!("http://{}", emu.oauth_host());
    refused(&|c| c["aud"] = json!(with_scheme), "invalid_audience").await;
    refused(
        &|c| c["aud"] = json!("account-d.docusign.com"),
        "invalid_audience",
    )
    .await;
    refused(
        &|c| c["iat"] = json!(now() + 600),
        "assertion_issued_in_the_future",
    )
    .await;
    refused(&|c| c["exp"] = json!(now() - 1), "assertion_expired").await;
    refused(
        &|c| c["exp"] = json!(now() + 3700),
        "assertion_lifetime_over_one_hour",
    )
    .await;
    refused(&|c| c["iat"] = json!("now"), "invalid_lifetime_claims").await;

    // A small clock skew is tolerated.
    let mut skewed = claims(&emu);
    skewed["iat"] = json!(now() + 30);
    let answer = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &skewed)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    // The scope must name both signature and impersonation.
    let mut narrow = claims(&emu);
    narrow["scope"] = json!("signature");
    let answer = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &narrow)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["error"], "invalid_scope");

    // Changing the claims after signing breaks the signature.
    let assertion = sign_claims(&emu, &claims(&emu));
    let parts: Vec<&str> = assertion.split('.').collect();
    let mut forged = claims(&emu);
    forged["scope"] = json!("signature impersonation extended");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        BASE64URL.encode(forged.to_string()),
        parts[2]
    );
    let answer = request_token(&emu, JWT_BEARER, &forged).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body,
        json!({"error": "invalid_grant", "error_description": "no_valid_keys_or_signatures"})
    );

    // HS256 is not RS256.
    let hs256 = encode(
        &Header::new(Algorithm::HS256),
        &claims(&emu),
        &EncodingKey::from_secret(b"secret").expect("HMAC key"),
    )
    .expect("signed");
    let answer = request_token(&emu, JWT_BEARER, &hs256).await;
    assert_eq!(
        answer.body["error_description"],
        "unsupported_signature_algorithm"
    );

    let answer = request_token(&emu, JWT_BEARER, "not-a-jwt").await;
    assert_eq!(answer.body["error_description"], "invalid_assertion");

    let answer = request_token(
        &emu,
        "client_credentials",
        &sign_claims(&emu, &claims(&emu)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["error"], "unsupported_grant_type");

    // Consent: withdrawn, a valid assertion gets consent_required; granted again, a token.
    emu.withdraw_consent();
    let answer = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &claims(&emu))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body, json!({"error": "consent_required"}));
    emu.grant_consent();
    let answer = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &claims(&emu))).await;
    assert_eq!(answer.status, StatusCode::OK);

    assert_eq!(emu.token_requests(), 17);
    assert_eq!(emu.request_count(Route::Token), 17);
}

#[tokio::test]
async fn consent_can_be_missing_from_the_start() {
    let emu = DocuSignEmulator::builder().without_consent().start().await;
    let answer = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &claims(&emu))).await;
    assert_eq!(answer.body, json!({"error": "consent_required"}));
}

#[tokio::test]
async fn userinfo_lists_the_accounts_and_tokens_expire() {
    let emu = DocuSignEmulator::builder()
        .user_id("0f0f0f0f-1111-2222-3333-444444444444")
        .user("Ada Lovelace", "ada@example.com")
        .account("11111111-aaaa-bbbb-cccc-000000000001", "Sales")
        .account("11111111-aaaa-bbbb-cccc-000000000002", "Legal")
        .default_account("11111111-aaaa-bbbb-cccc-000000000002")
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await;
    assert_eq!(emu.user_id(), "0f0f0f0f-1111-2222-3333-444444444444");
    assert_eq!(emu.account_id(), "11111111-aaaa-bbbb-cccc-000000000002");
    let token_answer = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &claims(&emu))).await;
    assert_eq!(token_answer.body["expires_in"], 1);
    let token = token_answer.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    let info = answer(
        http()
            .get(format!("{}/oauth/userinfo", emu.auth_url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.body["sub"], "0f0f0f0f-1111-2222-3333-444444444444");
    assert_eq!(info.body["name"], "Ada Lovelace");
    assert_eq!(info.body["email"], "ada@example.com");
    assert_eq!(
        info.body["accounts"],
        json!([
            {
                "account_id": "11111111-aaaa-bbbb-cccc-000000000001",
                "is_default": false,
                "account_name": "Sales",
                "base_uri": emu.api_base_uri(),
            },
            {
                "account_id": "11111111-aaaa-bbbb-cccc-000000000002",
                "is_default": true,
                "account_name": "Legal",
                "base_uri": emu.api_base_uri(),
            },
        ])
    );

    // Both accounts work; an account the user does not have is refused.
    let envelopes = |account: &str| {
        http()
            .get(format!(
                "{}/restapi/v2.1/accounts/{account}/envelopes?from_date=2020-01-01",
                emu.api_base_uri()
            ))
            .bearer_auth(&token)
    };
    for account in [
        "11111111-aaaa-bbbb-cccc-000000000001",
        "11111111-aaaa-bbbb-cccc-000000000002",
    ] {
        let list = answer(envelopes(account).send().await.expect("answered")).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    }
    let other = answer(envelopes("99999999").send().await.expect("answered")).await;
    assert_error(
        &other,
        StatusCode::BAD_REQUEST,
        "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
    );

    // Without a token, or with a wrong one: 401.
    let bare = answer(
        http()
            .get(format!(
                "{}/restapi/v2.1/accounts/{}/envelopes",
                emu.api_base_uri(),
                emu.account_id()
            ))
            .send()
            .await
            .expect("answered"),
    )
    .await;
    assert_error(
        &bare,
        StatusCode::UNAUTHORIZED,
        "USER_AUTHENTICATION_FAILED",
    );

    // The one-second lifetime runs out.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let expired = answer(envelopes(emu.account_id()).send().await.expect("answered")).await;
    assert_error(
        &expired,
        StatusCode::UNAUTHORIZED,
        "USER_AUTHENTICATION_FAILED",
    );
    let info = answer(
        http()
            .get(format!("{}/oauth/userinfo", emu.auth_url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(info.status, StatusCode::UNAUTHORIZED);
    assert_eq!(info.body["error"], "invalid_token");
}

#[tokio::test]
async fn expired_tokens_get_401() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    assert_eq!(
        api.get("/envelopes?from_date=2020-01-01").await.status,
        StatusCode::OK
    );
    emu.expire_tokens();
    let answer = api.get("/envelopes?from_date=2020-01-01").await;
    assert_error(
        &answer,
        StatusCode::UNAUTHORIZED,
        "USER_AUTHENTICATION_FAILED",
    );
    assert_eq!(
        answer.body["message"],
        "One or both of Username and Password are invalid. Invalid access token"
    );
    let again = connect(&emu).await;
    assert_eq!(
        again.get("/envelopes?from_date=2020-01-01").await.status,
        StatusCode::OK
    );
    assert_eq!(emu.token_requests(), 2);
}

// ---- envelopes --------------------------------------------------------------------------

#[tokio::test]
async fn create_and_send_with_string_typed_json() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let body = json!({
        "emailSubject": "Please sign the NDA",
        "emailBlurb": "Thanks",
        "status": "sent",
        "documents": [{
            "documentBase64": BASE64.encode(PDF),
            "name": "nda.pdf",
            "fileExtension": "pdf",
            "documentId": "1",
        }],
        "recipients": {
            "signers": [{
                "email": "ann@example.com",
                "name": "Ann",
                "recipientId": "1",
                "routingOrder": "1",
                "clientUserId": "ann-1",
            }],
            "carbonCopies": [{
                "email": "carl@example.com",
                "name": "Carl",
                "recipientId": "2",
                "routingOrder": "2",
            }],
        },
        "customFields": {"textCustomFields": [
            {"name": "caller_reference", "value": "ref-42", "show": "false"},
        ]},
    });
    let created = api.post("/envelopes", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["envelopeId"].as_str().expect("id").to_owned();
    let summary = created.body.as_object().expect("object");
    let mut keys: Vec<&str> = summary.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["envelopeId", "status", "statusDateTime", "uri"]);
    assert_eq!(created.body["status"], "sent");
    assert_eq!(created.body["uri"], format!("/envelopes/{id}"));
    assert!(is_docusign_time(
        created.body["statusDateTime"].as_str().expect("time")
    ));
    assert!(
        created
            .header("content-type")
            .starts_with("application/json")
    );
    assert!(!created.header("x-ratelimit-remaining").is_empty());

    // Without include: no recipients, custom fields or documents.
    let plain = api.get(&format!("/envelopes/{id}")).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.body["envelopeId"], id.as_str());
    assert_eq!(plain.body["status"], "sent");
    assert_eq!(plain.body["emailSubject"], "Please sign the NDA");
    assert_eq!(plain.body["emailBlurb"], "Thanks");
    assert_eq!(plain.body["sender"]["userId"], emu.user_id());
    assert_eq!(plain.body["sender"]["accountId"], emu.account_id());
    assert_eq!(plain.body["purgeState"], "unpurged");
    assert_eq!(
        plain.body["recipientsUri"],
        format!("/envelopes/{id}/recipients")
    );
    for key in [
        "createdDateTime",
        "sentDateTime",
        "statusChangedDateTime",
        "lastModifiedDateTime",
    ] {
        assert!(
            is_docusign_time(plain.body[key].as_str().unwrap_or_default()),
            "{key}"
        );
    }
    for key in [
        "recipients",
        "customFields",
        "envelopeDocuments",
        "completedDateTime",
        "voidedDateTime",
    ] {
        assert!(plain.body.get(key).is_none(), "{key}");
    }

    let full = api
        .get(&format!(
            "/envelopes/{id}?include=recipients,custom_fields,documents"
        ))
        .await;
    let signer = &full.body["recipients"]["signers"][0];
    assert_eq!(signer["email"], "ann@example.com");
    assert_eq!(signer["name"], "Ann");
    assert_eq!(signer["recipientId"], "1");
    assert_eq!(signer["routingOrder"], "1");
    assert_eq!(signer["clientUserId"], "ann-1");
    assert_eq!(signer["status"], "sent");
    assert_eq!(signer["recipientType"], "signer");
    assert!(is_docusign_time(
        signer["sentDateTime"].as_str().unwrap_or_default()
    ));
    let cc = &full.body["recipients"]["carbonCopies"][0];
    assert_eq!(cc["status"], "created");
    assert_eq!(cc["routingOrder"], "2");
    assert_eq!(full.body["recipients"]["recipientCount"], "2");
    assert_eq!(full.body["recipients"]["currentRoutingOrder"], "1");
    let field = &full.body["customFields"]["textCustomFields"][0];
    assert_eq!(field["name"], "caller_reference");
    assert_eq!(field["value"], "ref-42");
    assert_eq!(field["show"], "false");
    assert_eq!(field["required"], "false");
    assert!(field["fieldId"].is_string());
    let document = &full.body["envelopeDocuments"][0];
    assert_eq!(document["documentId"], "1");
    assert_eq!(document["name"], "nda.pdf");
    assert_eq!(document["order"], "1");
    assert_eq!(document["sizeBytes"], PDF.len().to_string());
    assert_eq!(
        emu.envelope(&id).expect("known")["recipients"],
        full.body["recipients"]
    );

    let recipients = api.get(&format!("/envelopes/{id}/recipients")).await;
    assert_eq!(recipients.body, full.body["recipients"]);
    let bad_include = api
        .get(&format!("/envelopes/{id}?include=everything"))
        .await;
    assert_error(
        &bad_include,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let unknown = api
        .get("/envelopes/7c6f1e2a-0000-4000-8000-000000000000")
        .await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "ENVELOPE_DOES_NOT_EXIST");
}

#[tokio::test]
async fn numbers_and_misspelt_properties_are_refused() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let mut numbered = definition("sent", &[("ann@example.com", "1")]);
    numbered["recipients"]["signers"][0]["routingOrder"] = json!(1);
    let answer = api.post("/envelopes", &numbered).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "INVALID_REQUEST_BODY");
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("envelopeDefinition.recipients.signers[0].routingOrder"),
        "{}",
        answer.body
    );
    let mut boolean = definition("sent", &[("ann@example.com", "1")]);
    boolean["customFields"] =
        json!({"textCustomFields": [{"name": "a", "value": "b", "show": false}]});
    assert_error(
        &api.post("/envelopes", &boolean).await,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_BODY",
    );
    let mut misspelt = definition("sent", &[("ann@example.com", "1")]);
    misspelt["emailsubject"] = json!("x");
    assert_error(
        &api.post("/envelopes", &misspelt).await,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_BODY",
    );
    let not_json = api
        .send(
            api.http
                .post(api.url("/envelopes"))
                .header("content-type", "application/json")
                .body("{\"status\":"),
        )
        .await;
    assert_error(&not_json, StatusCode::BAD_REQUEST, "INVALID_REQUEST_BODY");

    // Sending needs a subject, documents and a signer.
    let mut no_subject = definition("sent", &[("ann@example.com", "1")]);
    no_subject
        .as_object_mut()
        .expect("object")
        .remove("emailSubject");
    assert_error(
        &api.post("/envelopes", &no_subject).await,
        StatusCode::BAD_REQUEST,
        "ENVELOPE_IS_INCOMPLETE",
    );
    let no_signer = definition("sent", &[]);
    assert_error(
        &api.post("/envelopes", &no_signer).await,
        StatusCode::BAD_REQUEST,
        "ENVELOPE_IS_INCOMPLETE",
    );
    let mut not_pdf = definition("sent", &[("ann@example.com", "1")]);
    not_pdf["documents"][0]["documentBase64"] = json!(BASE64.encode(b"hello"));
    assert_error(
        &api.post("/envelopes", &not_pdf).await,
        StatusCode::BAD_REQUEST,
        "PDF_VALIDATION_FAILED",
    );
    let mut no_email = definition("sent", &[("Ann", "1")]);
    no_email["recipients"]["signers"][0]["email"] = json!("Ann");
    assert_error(
        &api.post("/envelopes", &no_email).await,
        StatusCode::BAD_REQUEST,
        "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
    );
    // Nothing refused was kept.
    assert!(emu.envelopes().is_empty());

    // A draft without a subject is fine, but cannot be sent until it has one.
    let id = api
        .create(
            &no_subject
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("status".into(), json!("created"));
                    Value::Object(o)
                })
                .expect("object"),
        )
        .await;
    assert_eq!(emu.envelope(&id).expect("draft")["status"], "created");
    let send = api
        .put(&format!("/envelopes/{id}"), &json!({"status": "sent"}))
        .await;
    assert_error(&send, StatusCode::BAD_REQUEST, "ENVELOPE_IS_INCOMPLETE");
    let send = api
        .put(
            &format!("/envelopes/{id}"),
            &json!({"status": "sent", "emailSubject": "Now"}),
        )
        .await;
    assert_eq!(send.status, StatusCode::OK, "{}", send.body);
    assert_eq!(send.body, json!({"envelopeId": id}));
    let sent = emu.envelope(&id).expect("sent");
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["emailSubject"], "Now");
    assert_eq!(statuses(&sent, "signers"), ["sent"]);
    let again = api
        .put(&format!("/envelopes/{id}"), &json!({"status": "sent"}))
        .await;
    assert_error(&again, StatusCode::BAD_REQUEST, "ENVELOPE_INVALID_STATUS");
    let purge = api
        .put(
            &format!("/envelopes/{id}"),
            &json!({"purgeState": "unpurged"}),
        )
        .await;
    assert_error(&purge, StatusCode::BAD_REQUEST, "INVALID_REQUEST_PARAMETER");
}

#[tokio::test]
async fn routing_order_is_sequential_and_parallel() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let mut body = definition(
        "sent",
        &[
            ("a@example.com", "1"),
            ("b@example.com", "2"),
            ("c@example.com", "2"),
            ("d@example.com", "3"),
        ],
    );
    body["recipients"]["carbonCopies"] = json!([
        {"email": "cc@example.com", "name": "CC", "recipientId": "9", "routingOrder": "2"},
    ]);
    let id = api.create(&body).await;
    let envelope = || emu.envelope(&id).expect("envelope");
    assert_eq!(
        statuses(&envelope(), "signers"),
        ["sent", "created", "created", "created"]
    );
    assert_eq!(statuses(&envelope(), "carbonCopies"), ["created"]);

    assert_eq!(
        emu.sign(&id, "b@example.com"),
        Err(EmulatorError::NotSignersTurn {
            envelope_id: id.clone(),
            email: "b@example.com".to_owned()
        })
    );
    assert_eq!(
        emu.sign(&id, "zed@example.com"),
        Err(EmulatorError::UnknownSigner {
            envelope_id: id.clone(),
            email: "zed@example.com".to_owned()
        })
    );
    emu.view(&id, "A@Example.com").expect("a views");
    assert_eq!(
        statuses(&envelope(), "signers"),
        ["delivered", "created", "created", "created"]
    );
    assert_eq!(envelope()["status"], "delivered");
    emu.sign(&id, "a@example.com").expect("a signs");
    // Order 2 is two signers in parallel; the carbon copy at order 2 is sent too.
    assert_eq!(
        statuses(&envelope(), "signers"),
        ["completed", "sent", "sent", "created"]
    );
    assert_eq!(statuses(&envelope(), "carbonCopies"), ["sent"]);
    assert_eq!(envelope()["recipients"]["currentRoutingOrder"], "2");
    assert_eq!(envelope()["status"], "delivered");
    assert!(matches!(
        emu.sign(&id, "a@example.com"),
        Err(EmulatorError::SignerFinished {
            status: "completed",
            ..
        })
    ));
    emu.sign(&id, "c@example.com").expect("c signs first");
    assert_eq!(
        statuses(&envelope(), "signers"),
        ["completed", "sent", "completed", "created"]
    );
    emu.sign(&id, "b@example.com").expect("b signs");
    assert_eq!(
        statuses(&envelope(), "signers"),
        ["completed", "completed", "completed", "sent"]
    );
    assert_eq!(envelope()["status"], "delivered");
    emu.sign(&id, "d@example.com").expect("d signs");
    let done = envelope();
    assert_eq!(done["status"], "completed");
    assert_eq!(statuses(&done, "signers"), ["completed"; 4]);
    assert_eq!(statuses(&done, "carbonCopies"), ["completed"]);
    assert!(is_docusign_time(
        done["completedDateTime"].as_str().unwrap_or_default()
    ));
    assert!(is_docusign_time(
        done["recipients"]["signers"][0]["signedDateTime"]
            .as_str()
            .unwrap_or_default()
    ));
    assert!(done["recipients"].get("currentRoutingOrder").is_none());
    assert!(matches!(
        emu.sign(&id, "d@example.com"),
        Err(EmulatorError::NotInProcess {
            status: "completed",
            ..
        })
    ));

    // sign_all walks the orders too.
    let id = api
        .create(&definition(
            "sent",
            &[("x@example.com", "2"), ("y@example.com", "1")],
        ))
        .await;
    emu.sign_all(&id).expect("everyone signs");
    assert_eq!(emu.envelope(&id).expect("envelope")["status"], "completed");
    assert!(matches!(
        emu.sign_all(&id),
        Err(EmulatorError::NotInProcess { .. })
    ));
    assert!(matches!(
        emu.sign_all("nope"),
        Err(EmulatorError::UnknownEnvelope { .. })
    ));
}

#[tokio::test]
async fn a_decline_declines_the_envelope() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let id = api
        .create(&definition(
            "sent",
            &[("a@example.com", "1"), ("b@example.com", "1")],
        ))
        .await;
    emu.decline(&id, "b@example.com", "Wrong amount")
        .expect("declines");
    let envelope = emu.envelope(&id).expect("envelope");
    assert_eq!(envelope["status"], "declined");
    assert!(is_docusign_time(
        envelope["declinedDateTime"].as_str().unwrap_or_default()
    ));
    let declined = &envelope["recipients"]["signers"][1];
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["declinedReason"], "Wrong amount");
    assert!(is_docusign_time(
        declined["declinedDateTime"].as_str().unwrap_or_default()
    ));
    assert_eq!(statuses(&envelope, "signers"), ["sent", "declined"]);
    assert!(matches!(
        emu.sign(&id, "a@example.com"),
        Err(EmulatorError::NotInProcess {
            status: "declined",
            ..
        })
    ));
    let void = api
        .put(
            &format!("/envelopes/{id}"),
            &json!({"status": "voided", "voidedReason": "x"}),
        )
        .await;
    assert_error(
        &void,
        StatusCode::BAD_REQUEST,
        "ENVELOPE_CANNOT_VOID_INVALID_STATE",
    );
}

#[tokio::test]
async fn only_envelopes_in_process_can_be_voided() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let id = api
        .create(&definition("sent", &[("a@example.com", "1")]))
        .await;
    let path = format!("/envelopes/{id}");
    let no_reason = api.put(&path, &json!({"status": "voided"})).await;
    assert_error(
        &no_reason,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let voided = api
        .put(
            &path,
            &json!({"status": "voided", "voidedReason": "Sent by mistake"}),
        )
        .await;
    assert_eq!(voided.status, StatusCode::OK, "{}", voided.body);
    assert_eq!(voided.body, json!({"envelopeId": id}));
    let envelope = api.get(&path).await;
    assert_eq!(envelope.body["status"], "voided");
    assert_eq!(envelope.body["voidedReason"], "Sent by mistake");
    assert!(is_docusign_time(
        envelope.body["voidedDateTime"].as_str().unwrap_or_default()
    ));
    let again = api
        .put(&path, &json!({"status": "voided", "voidedReason": "again"}))
        .await;
    assert_error(
        &again,
        StatusCode::BAD_REQUEST,
        "ENVELOPE_CANNOT_VOID_INVALID_STATE",
    );

    // A delivered envelope can be voided; completed ones and drafts cannot.
    let delivered = api
        .create(&definition("sent", &[("a@example.com", "1")]))
        .await;
    emu.view(&delivered, "a@example.com").expect("opens");
    let answer = api
        .put(
            &format!("/envelopes/{delivered}"),
            &json!({"status": "voided", "voidedReason": "r"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let completed = api
        .create(&definition("sent", &[("a@example.com", "1")]))
        .await;
    emu.sign_all(&completed).expect("signed");
    let draft = api
        .create(&definition("created", &[("a@example.com", "1")]))
        .await;
    for id in [&completed, &draft] {
        let answer = api
            .put(
                &format!("/envelopes/{id}"),
                &json!({"status": "voided", "voidedReason": "r"}),
            )
            .await;
        assert_error(
            &answer,
            StatusCode::BAD_REQUEST,
            "ENVELOPE_CANNOT_VOID_INVALID_STATE",
        );
    }
    let unknown = api
        .put(
            "/envelopes/nope",
            &json!({"status": "voided", "voidedReason": "r"}),
        )
        .await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "ENVELOPE_DOES_NOT_EXIST");
}

#[tokio::test]
async fn the_recycle_bin_deletes_drafts_and_voids_envelopes_in_process() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let draft = api
        .create(&definition("created", &[("a@example.com", "1")]))
        .await;
    let sent = api
        .create(&definition("sent", &[("a@example.com", "1")]))
        .await;
    let completed = api
        .create(&definition("sent", &[("a@example.com", "1")]))
        .await;
    emu.sign_all(&completed).expect("signed");

    let unknown = api
        .put(
            "/folders/recyclebin",
            &json!({"envelopeIds": [draft, "nope"]}),
        )
        .await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "ENVELOPE_DOES_NOT_EXIST");
    assert_eq!(emu.envelope(&draft).expect("draft")["status"], "created");

    let moved = api
        .put(
            "/folders/recyclebin",
            &json!({"envelopeIds": [draft, sent, completed]}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body, json!({}));
    let deleted = emu.envelope(&draft).expect("still readable");
    assert_eq!(deleted["status"], "deleted");
    assert!(is_docusign_time(
        deleted["deletedDateTime"].as_str().unwrap_or_default()
    ));
    let voided = emu.envelope(&sent).expect("voided");
    assert_eq!(voided["status"], "voided");
    assert_eq!(
        voided["voidedReason"],
        "Envelope moved to the recycle bin by the sender."
    );
    assert_eq!(
        emu.envelope(&completed).expect("completed")["status"],
        "completed"
    );

    let other_folder = api
        .put("/folders/sentitems", &json!({"envelopeIds": [completed]}))
        .await;
    assert_error(
        &other_folder,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let empty = api
        .put("/folders/recyclebin", &json!({"envelopeIds": []}))
        .await;
    assert_error(&empty, StatusCode::BAD_REQUEST, "INVALID_REQUEST_PARAMETER");
    let as_string = api
        .put("/folders/recyclebin", &json!({"envelopeIds": draft}))
        .await;
    assert_error(&as_string, StatusCode::BAD_REQUEST, "INVALID_REQUEST_BODY");
}

#[tokio::test]
async fn listings_need_a_from_date_and_page_and_filter() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let mut ids = Vec::new();
    for index in 0..5 {
        let mut body = definition(
            if index == 4 { "created" } else { "sent" },
            &[("a@example.com", "1")],
        );
        body["customFields"] = json!({"textCustomFields": [
            {"name": "region", "value": if index % 2 == 0 { "West" } else { "East" }},
        ]});
        ids.push(api.create(&body).await);
    }
    emu.sign_all(&ids[0]).expect("completed");

    let missing = api.get("/envelopes").await;
    assert_error(
        &missing,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let bad_date = api.get("/envelopes?from_date=last-tuesday").await;
    assert_error(
        &bad_date,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let unknown = api
        .get("/envelopes?from_date=2020-01-01&folder_ids=draft")
        .await;
    assert_error(
        &unknown,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );

    // Oldest change first: ids[0] changed last (it was completed).
    let order = [&ids[1], &ids[2], &ids[3], &ids[4], &ids[0]];
    let first = api
        .get("/envelopes?from_date=2020-01-01T00:00:00Z&count=2")
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["resultSetSize"], "2");
    assert_eq!(first.body["totalSetSize"], "5");
    assert_eq!(first.body["startPosition"], "0");
    assert_eq!(first.body["endPosition"], "1");
    assert_eq!(first.body["previousUri"], "");
    let listed = |page: &Answer| -> Vec<String> {
        page.body["envelopes"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|e| e["envelopeId"].as_str().expect("id").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(listed(&first), [order[0].clone(), order[1].clone()]);
    assert!(first.body["envelopes"][0].get("recipients").is_none());
    let next = first.body["nextUri"].as_str().expect("nextUri").to_owned();
    assert_eq!(
        next,
        "/envelopes?from_date=2020-01-01T00%3A00%3A00Z&start_position=2&count=2"
    );
    let second = api.get(&next).await;
    assert_eq!(listed(&second), [order[2].clone(), order[3].clone()]);
    assert_eq!(second.body["startPosition"], "2");
    assert_eq!(second.body["endPosition"], "3");
    assert_eq!(
        second.body["previousUri"],
        "/envelopes?from_date=2020-01-01T00%3A00%3A00Z&start_position=0&count=2"
    );
    let third = api
        .get(second.body["nextUri"].as_str().expect("next"))
        .await;
    assert_eq!(listed(&third), [order[4].clone()]);
    assert_eq!(third.body["resultSetSize"], "1");
    assert_eq!(third.body["nextUri"], "");

    let completed = api
        .get("/envelopes?from_date=2020-01-01&status=completed")
        .await;
    assert_eq!(listed(&completed), [ids[0].clone()]);
    let several = api
        .get("/envelopes?from_date=2020-01-01&status=created,completed")
        .await;
    assert_eq!(listed(&several), [ids[4].clone(), ids[0].clone()]);
    let west = api
        .get("/envelopes?from_date=2020-01-01&custom_field=region%3DWest&include=recipients,custom_fields")
        .await;
    assert_eq!(
        listed(&west),
        [ids[2].clone(), ids[4].clone(), ids[0].clone()]
    );
    assert_eq!(
        west.body["envelopes"][0]["customFields"]["textCustomFields"][0]["value"],
        "West"
    );
    assert!(west.body["envelopes"][0]["recipients"]["signers"].is_array());
    let bad_field = api
        .get("/envelopes?from_date=2020-01-01&custom_field=region")
        .await;
    assert_error(
        &bad_field,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let bad_status = api
        .get("/envelopes?from_date=2020-01-01&status=finished")
        .await;
    assert_error(
        &bad_status,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );

    let by_id = api
        .get(&format!("/envelopes?envelope_ids={},{}", ids[3], ids[1]))
        .await;
    assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.body);
    assert_eq!(listed(&by_id), [ids[1].clone(), ids[3].clone()]);

    let future = api.get("/envelopes?from_date=2999-01-01").await;
    assert_eq!(future.body["resultSetSize"], "0");
    assert_eq!(future.body["totalSetSize"], "0");
    assert_eq!(future.body["endPosition"], "-1");
    assert!(future.body.get("envelopes").is_none());
    let past_window = api
        .get("/envelopes?from_date=2020-01-01&to_date=2021-01-01")
        .await;
    assert_eq!(past_window.body["totalSetSize"], "0");
    let beyond = api
        .get("/envelopes?from_date=2020-01-01&start_position=9")
        .await;
    assert_eq!(beyond.body["resultSetSize"], "0");
    assert_eq!(beyond.body["startPosition"], "5");
}

#[tokio::test]
async fn documents_download_as_pdf() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let mut body = definition("sent", &[("a@example.com", "1")]);
    let second = b"%PDF-1.7\nsecond document";
    body["documents"].as_array_mut().expect("documents").push(
        json!({"documentBase64": BASE64.encode(second), "name": "annex.pdf", "documentId": "7"}),
    );
    let id = api.create(&body).await;

    let first = api.get(&format!("/envelopes/{id}/documents/1")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("content-type"), "application/pdf");
    assert_eq!(first.bytes.as_ref(), PDF);
    let annex = api.get(&format!("/envelopes/{id}/documents/7")).await;
    assert_eq!(annex.bytes.as_ref(), second);

    let combined = api
        .get(&format!("/envelopes/{id}/documents/combined"))
        .await;
    assert_eq!(combined.status, StatusCode::OK);
    assert_eq!(combined.header("content-type"), "application/pdf");
    let mut expected = PDF.to_vec();
    expected.extend_from_slice(
        format!("%DocuSign-Emulator combined envelope={id} document=1\n").as_bytes(),
    );
    expected.extend_from_slice(second);
    expected.push(b'\n');
    expected.extend_from_slice(
        format!("%DocuSign-Emulator combined envelope={id} document=7\n").as_bytes(),
    );
    assert_eq!(combined.bytes.as_ref(), expected.as_slice());

    emu.sign_all(&id).expect("signed");
    let certificate = api
        .get(&format!("/envelopes/{id}/documents/certificate"))
        .await;
    assert_eq!(certificate.status, StatusCode::OK);
    assert_eq!(certificate.header("content-type"), "application/pdf");
    let text = String::from_utf8_lossy(&certificate.bytes);
    assert!(text.starts_with("%PDF-1.4\n"), "{text}");
    assert!(text.ends_with("%%EOF\n"));
    assert!(text.contains(&format!("(Envelope Id: {id}) Tj")), "{text}");
    assert!(text.contains("(Status: completed) Tj"), "{text}");
    assert!(text.contains("<a@example.com> completed signed"), "{text}");

    let missing = api.get(&format!("/envelopes/{id}/documents/3")).await;
    assert_error(&missing, StatusCode::BAD_REQUEST, "DOCUMENT_DOES_NOT_EXIST");
    let archive = api.get(&format!("/envelopes/{id}/documents/archive")).await;
    assert_error(
        &archive,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let unknown = api.get("/envelopes/nope/documents/combined").await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "ENVELOPE_DOES_NOT_EXIST");
    // `archive` is a document id too.
    assert_eq!(emu.request_count(Route::GetDocument), 4);
    assert_eq!(emu.request_count(Route::GetCombinedDocument), 2);
    assert_eq!(emu.request_count(Route::GetCertificate), 1);
}

#[tokio::test]
async fn a_recipient_view_is_only_for_an_embedded_signer_in_turn() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let mut body = definition("sent", &[("a@example.com", "1"), ("b@example.com", "2")]);
    body["recipients"]["signers"][0]["clientUserId"] = json!("client-a");
    body["recipients"]["signers"][1]["clientUserId"] = json!("client-b");
    let id = api.create(&body).await;
    let view = |email: &str, name: &str, client: &str| {
        json!({
            "returnUrl": "https://app.example.com/done?state=1",
            "authenticationMethod": "none",
            "email": email,
            "userName": name,
            "clientUserId": client,
        })
    };
    let path = format!("/envelopes/{id}/views/recipient");
    let ok = api
        .post(&path, &view("a@example.com", "Signer 1", "client-a"))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let url = ok.body["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/", emu.api_base_uri())),
        "{url}"
    );
    assert_eq!(ok.body.as_object().map(serde_json::Map::len), Some(1));

    let early = api
        .post(&path, &view("b@example.com", "Signer 2", "client-b"))
        .await;
    assert_error(&early, StatusCode::BAD_REQUEST, "RECIPIENT_NOT_IN_SEQUENCE");
    let wrong_client = api
        .post(&path, &view("a@example.com", "Signer 1", "client-x"))
        .await;
    assert_error(
        &wrong_client,
        StatusCode::BAD_REQUEST,
        "UNKNOWN_ENVELOPE_RECIPIENT",
    );
    let wrong_name = api
        .post(&path, &view("a@example.com", "Someone", "client-a"))
        .await;
    assert_error(
        &wrong_name,
        StatusCode::BAD_REQUEST,
        "UNKNOWN_ENVELOPE_RECIPIENT",
    );
    let mut no_method = view("a@example.com", "Signer 1", "client-a");
    no_method
        .as_object_mut()
        .expect("object")
        .remove("authenticationMethod");
    assert_error(
        &api.post(&path, &no_method).await,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );

    emu.sign(&id, "a@example.com").expect("a signs");
    let now_b = api
        .post(&path, &view("b@example.com", "Signer 2", "client-b"))
        .await;
    assert_eq!(now_b.status, StatusCode::CREATED, "{}", now_b.body);

    let draft = api
        .create(&definition("created", &[("a@example.com", "1")]))
        .await;
    let answer = api
        .post(
            &format!("/envelopes/{draft}/views/recipient"),
            &view("a@example.com", "Signer 1", "client-a"),
        )
        .await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "ENVELOPE_INVALID_STATUS");
}

// ---- Connect ----------------------------------------------------------------------------

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A local Connect listener that answers with a fixed status and keeps what it received.
struct Receiver {
    url: String,
    received: Received,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(status: StatusCode) -> Self {
        let received: Received = Arc::default();
        let app = axum::Router::new()
            .route(
                "/connect",
                axum::routing::post(
                    move |State(store): State<Received>, headers: HeaderMap, body: Bytes| async move {
                        store.lock().expect("receiver lock").push((headers, body));
                        status
                    },
                ),
            )
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}/connect", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver");
        });
        Self {
            url,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<(HeaderMap, Bytes)> {
        self.received.lock().expect("receiver lock").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// base64(HMAC-SHA256(key, body)), computed here independently of the emulator.
fn hmac_base64(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(body);
    BASE64.encode(mac.finalize().into_bytes())
}

fn notification(url: &str, include_hmac: bool) -> Value {
    json!({
        "url": url,
        "includeHMAC": if include_hmac { "true" } else { "false" },
        "requireAcknowledgment": "true",
        "envelopeEvents": [
            {"envelopeEventStatusCode": "Sent"},
            {"envelopeEventStatusCode": "Completed"},
            {"envelopeEventStatusCode": "Declined"},
            {"envelopeEventStatusCode": "Voided"},
        ],
        "recipientEvents": [
            {"recipientEventStatusCode": "Sent"},
            {"recipientEventStatusCode": "Delivered"},
            {"recipientEventStatusCode": "Completed"},
        ],
        "eventData": {"version": "restv2.1", "format": "json", "includeData": ["recipients", "custom_fields"]},
    })
}

async fn wait_for_count(receiver: &Receiver, count: usize) -> Vec<(HeaderMap, Bytes)> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let received = receiver.received();
        if received.len() >= count || tokio::time::Instant::now() > deadline {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn connect_messages_are_signed_with_the_key() {
    let emu = DocuSignEmulator::builder()
        .hmac_keys(["connect-secret-1"])
        .start()
        .await;
    assert_eq!(emu.hmac_keys(), ["connect-secret-1"]);
    let receiver = Receiver::start(StatusCode::OK).await;
    let api = connect(&emu).await;
    let mut body = definition("sent", &[("a@example.com", "1")]);
    body["eventNotification"] = notification(&receiver.url, true);
    body["customFields"] =
        json!({"textCustomFields": [{"name": "ref", "value": "R-7", "show": "false"}]});
    let id = api.create(&body).await;
    emu.sign(&id, "a@example.com").expect("signs");
    let completed = emu
        .wait_for_delivery(&id, "envelope-completed", WAIT)
        .await
        .expect("completion delivered");
    assert_eq!(completed.status, Some(200));
    assert!(completed.accepted);
    assert_eq!(completed.error, None);

    let received = wait_for_count(&receiver, 5).await;
    let events: Vec<String> = received
        .iter()
        .map(|(_, body)| {
            let body: Value = serde_json::from_slice(body).expect("JSON");
            body["event"].as_str().expect("event").to_owned()
        })
        .collect();
    assert_eq!(
        events,
        [
            "envelope-sent",
            "recipient-sent",
            "recipient-delivered",
            "recipient-completed",
            "envelope-completed",
        ]
    );
    for (headers, body) in &received {
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["x-authorization-digest"], "HMACSHA256");
        assert_eq!(
            headers["x-docusign-signature-1"].to_str().expect("ascii"),
            hmac_base64("connect-secret-1", body)
        );
        assert!(headers.get("x-docusign-signature-2").is_none());
    }

    let payload: Value = serde_json::from_slice(&received[3].1).expect("JSON");
    assert_eq!(payload["event"], "recipient-completed");
    assert_eq!(payload["apiVersion"], "v2.1");
    assert_eq!(
        payload["uri"],
        format!("/restapi/v2.1/accounts/{}/envelopes/{id}", emu.account_id())
    );
    assert_eq!(payload["retryCount"], json!(0));
    assert_eq!(payload["configurationId"], json!(0));
    assert!(is_docusign_time(
        payload["generatedDateTime"].as_str().unwrap_or_default()
    ));
    assert_eq!(payload["data"]["accountId"], emu.account_id());
    assert_eq!(payload["data"]["userId"], emu.user_id());
    assert_eq!(payload["data"]["envelopeId"], id.as_str());
    assert_eq!(payload["data"]["recipientId"], "1");
    let summary = &payload["data"]["envelopeSummary"];
    assert_eq!(summary["envelopeId"], id.as_str());
    assert_eq!(summary["recipients"]["signers"][0]["status"], "completed");
    assert_eq!(
        summary["customFields"]["textCustomFields"][0]["value"],
        "R-7"
    );
    assert!(summary.get("envelopeDocuments").is_none());
    let envelope_event: Value = serde_json::from_slice(&received[4].1).expect("JSON");
    assert!(envelope_event["data"].get("recipientId").is_none());
    assert_eq!(
        envelope_event["data"]["envelopeSummary"]["status"],
        "completed"
    );

    // The record matches what the receiver got.
    let deliveries = emu.deliveries();
    assert_eq!(deliveries.len(), 5);
    assert_eq!(deliveries[4].event, "envelope-completed");
    assert_eq!(deliveries[4].envelope_id, id);
    assert_eq!(deliveries[4].url, receiver.url);
    assert_eq!(deliveries[4].body, received[4].1);
    assert_eq!(deliveries[4].json(), Some(envelope_event.clone()));

    // A redelivery is the same message again: same bytes, same signature.
    let again = emu.redeliver(4).await.expect("redelivered");
    assert_eq!(again.body, deliveries[4].body);
    assert_eq!(again.status, Some(200));
    let received = wait_for_count(&receiver, 6).await;
    assert_eq!(received[5].1, received[4].1);
    assert_eq!(
        received[5].0["x-docusign-signature-1"],
        received[4].0["x-docusign-signature-1"]
    );
    assert_eq!(emu.deliveries().len(), 6);
    assert_eq!(
        emu.redeliver(99).await.map(|_| ()),
        Err(EmulatorError::UnknownDelivery { index: 99 })
    );
}

#[tokio::test]
async fn connect_signs_with_every_key_and_records_failures() {
    let emu = DocuSignEmulator::builder()
        .hmac_keys(["old-key", "new-key"])
        .start()
        .await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let failing = Receiver::start(StatusCode::INTERNAL_SERVER_ERROR).await;
    let api = connect(&emu).await;

    let mut body = definition("sent", &[("a@example.com", "1")]);
    body["eventNotification"] = json!({
        "url": receiver.url,
        "includeHMAC": "true",
        "events": ["envelope-voided"],
        "eventData": {"version": "restv2.1"},
    });
    let id = api.create(&body).await;
    let voided = api
        .put(
            &format!("/envelopes/{id}"),
            &json!({"status": "voided", "voidedReason": "gone"}),
        )
        .await;
    assert_eq!(voided.status, StatusCode::OK);
    let delivery = emu
        .wait_for_delivery(&id, "envelope-voided", WAIT)
        .await
        .expect("delivered");
    let (headers, raw) = &wait_for_count(&receiver, 1).await[0];
    assert_eq!(raw, &delivery.body);
    assert_eq!(
        headers["x-docusign-signature-1"].to_str().expect("ascii"),
        hmac_base64("old-key", raw)
    );
    assert_eq!(
        headers["x-docusign-signature-2"].to_str().expect("ascii"),
        hmac_base64("new-key", raw)
    );
    assert!(headers.get("x-docusign-signature-3").is_none());
    let payload = delivery.json().expect("JSON");
    assert_eq!(payload["data"]["envelopeSummary"]["voidedReason"], "gone");
    assert!(
        payload["data"]["envelopeSummary"]
            .get("recipients")
            .is_none()
    );

    // Without includeHMAC there are no signature headers.
    let mut unsigned = definition("sent", &[("a@example.com", "1")]);
    unsigned["eventNotification"] = notification(&receiver.url, false);
    let unsigned_id = api.create(&unsigned).await;
    let sent = emu
        .wait_for_delivery(&unsigned_id, "envelope-sent", WAIT)
        .await
        .expect("delivered");
    assert!(sent.headers.get("x-docusign-signature-1").is_none());
    assert!(sent.headers.get("x-authorization-digest").is_none());

    // A receiver that fails is recorded as not accepted.
    let mut failing_body = definition("sent", &[("a@example.com", "1")]);
    failing_body["eventNotification"] = notification(&failing.url, true);
    let failing_id = api.create(&failing_body).await;
    let refused = emu
        .wait_for_delivery(&failing_id, "envelope-sent", WAIT)
        .await
        .expect("attempted");
    assert_eq!(refused.status, Some(500));
    assert!(!refused.accepted);

    // A URL off this machine is recorded, never called.
    let mut remote = definition("sent", &[("a@example.com", "1")]);
    remote["eventNotification"] = notification("https://listener.example.com/connect", true);
    let remote_id = api.create(&remote).await;
    let recorded = emu
        .wait_for_delivery(&remote_id, "envelope-sent", WAIT)
        .await
        .expect("recorded");
    assert_eq!(recorded.status, None);
    assert!(!recorded.accepted);
    assert!(
        recorded
            .error
            .as_deref()
            .is_some_and(|e| e.contains("loopback"))
    );

    // Plain http elsewhere, and the legacy XML format, are refused up front.
    let mut insecure = definition("sent", &[("a@example.com", "1")]);
    insecure["eventNotification"] = notification("http://listener.example.com/connect", true);
    assert_error(
        &api.post("/envelopes", &insecure).await,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let mut legacy = definition("sent", &[("a@example.com", "1")]);
    legacy["eventNotification"] = notification(&receiver.url, true);
    legacy["eventNotification"]["eventData"] = json!({"version": "legacy"});
    assert_error(
        &api.post("/envelopes", &legacy).await,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
    let mut no_events = definition("sent", &[("a@example.com", "1")]);
    no_events["eventNotification"] =
        json!({"url": receiver.url, "eventData": {"version": "restv2.1"}});
    assert_error(
        &api.post("/envelopes", &no_events).await,
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
    );
}

// ---- limits and faults ------------------------------------------------------------------

#[tokio::test]
async fn rate_limits_answer_400_with_the_reset_time() {
    let emu = DocuSignEmulator::builder()
        .rate_limits(3, 100)
        .start()
        .await;
    let api = connect(&emu).await;
    let first = api.get("/envelopes?from_date=2020-01-01").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("x-ratelimit-limit"), "3");
    assert_eq!(first.header("x-ratelimit-remaining"), "2");
    assert_eq!(first.header("x-burstlimit-limit"), "100");
    assert_eq!(first.header("x-burstlimit-remaining"), "99");
    let reset: i64 = first
        .header("x-ratelimit-reset")
        .parse()
        .expect("unix seconds");
    assert_eq!(reset % 3600, 0);
    assert!(reset > now() && reset <= now() + 3600);

    // An injected rate-limit fault answers the DocuSign way.
    emu.inject(
        Route::ListEnvelopes,
        Fault::RateLimited {
            retry_after: "120".into(),
        },
        1,
    );
    let limited = api.get("/envelopes?from_date=2020-01-01").await;
    assert_error(
        &limited,
        StatusCode::BAD_REQUEST,
        "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
    );
    assert_eq!(limited.header("x-ratelimit-remaining"), "0");
    let reset: i64 = limited
        .header("x-ratelimit-reset")
        .parse()
        .expect("unix seconds");
    assert!((now() + 118..=now() + 121).contains(&reset), "{reset}");
    assert!(limited.headers.get("retry-after").is_none());

    // The real limit: two more calls pass, the fourth counted one is refused.
    assert_eq!(
        api.get("/envelopes?from_date=2020-01-01").await.status,
        StatusCode::OK
    );
    let last = api.get("/envelopes?from_date=2020-01-01").await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(last.header("x-ratelimit-remaining"), "0");
    let over = api.get("/envelopes?from_date=2020-01-01").await;
    if over.status == StatusCode::OK {
        // The clock hour turned between the calls; the window started again.
        assert_eq!(over.header("x-ratelimit-remaining"), "2");
    } else {
        assert_error(
            &over,
            StatusCode::BAD_REQUEST,
            "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
        );
        assert_eq!(over.header("x-ratelimit-remaining"), "0");
    }
}

#[tokio::test]
async fn the_polling_rule_refuses_a_second_read() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let id = api
        .create(&definition("sent", &[("a@example.com", "1")]))
        .await;
    let path = format!("/envelopes/{id}");
    assert_eq!(api.get(&path).await.status, StatusCode::OK);
    assert_eq!(api.get(&path).await.status, StatusCode::OK);
    emu.enforce_polling_limit(Duration::from_secs(900));
    assert_eq!(api.get(&path).await.status, StatusCode::OK);
    let second = api.get(&path).await;
    assert_error(
        &second,
        StatusCode::BAD_REQUEST,
        "Hourly_Envelope_Polling_Limit_Exceeded",
    );
    assert!(!second.header("x-ratelimit-remaining").is_empty());
    // Another resource of the envelope has its own interval; listings are not polled reads.
    assert_eq!(
        api.get(&format!("{path}/recipients")).await.status,
        StatusCode::OK
    );
    let recipients = api.get(&format!("{path}/recipients")).await;
    assert_error(
        &recipients,
        StatusCode::BAD_REQUEST,
        "Hourly_Envelope_Polling_Limit_Exceeded",
    );
    assert_eq!(
        api.get("/envelopes?from_date=2020-01-01").await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.get("/envelopes?from_date=2020-01-01").await.status,
        StatusCode::OK
    );
    emu.enforce_polling_limit(Duration::from_millis(200));
    assert_eq!(api.get(&path).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(api.get(&path).await.status, StatusCode::OK);
    emu.lift_polling_limit();
    assert_eq!(api.get(&path).await.status, StatusCode::OK);
    assert_eq!(api.get(&path).await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_fault_kind_reaches_the_client() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let id = api
        .create(&definition("sent", &[("a@example.com", "1")]))
        .await;
    let path = format!("/envelopes/{id}");
    let get = || api.http.get(api.url(&path)).bearer_auth(&api.token);

    emu.inject(Route::GetEnvelope, Fault::Status(503), 1);
    let unavailable = answer(get().send().await.expect("answered")).await;
    assert_error(
        &unavailable,
        StatusCode::SERVICE_UNAVAILABLE,
        "UNSPECIFIED_ERROR",
    );

    emu.inject(
        Route::GetEnvelope,
        Fault::Delay(Duration::from_millis(400)),
        1,
    );
    let timed_out = get()
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .expect_err("client gives up");
    assert!(timed_out.is_timeout(), "{timed_out}");

    emu.inject(Route::GetEnvelope, Fault::MalformedBody, 1);
    let malformed = get().send().await.expect("answered");
    assert_eq!(malformed.status(), StatusCode::OK);
    assert!(malformed.json::<Value>().await.is_err());

    emu.inject(Route::GetEnvelope, Fault::TruncatedBody, 1);
    let truncated = get().send().await.expect("headers arrive");
    assert_eq!(truncated.status(), StatusCode::OK);
    assert!(truncated.bytes().await.is_err(), "the body read fails");

    emu.inject(Route::GetEnvelope, Fault::DropConnection, 1);
    assert!(get().send().await.is_err(), "no answer at all");

    // A lost answer: the envelope is created although the client never hears of it.
    emu.inject(Route::CreateEnvelope, Fault::LostAnswer, 1);
    let lost = api
        .http
        .post(api.url("/envelopes"))
        .bearer_auth(&api.token)
        .json(&definition("sent", &[("lost@example.com", "1")]))
        .send()
        .await;
    assert!(lost.is_err());
    assert_eq!(emu.envelopes().len(), 2);

    // Faults are used up, then the route behaves again; injections can be cleared.
    assert_eq!(
        answer(get().send().await.expect("answered")).await.status,
        StatusCode::OK
    );
    emu.inject(Route::GetEnvelope, Fault::Status(500), 3);
    emu.clear_faults();
    assert_eq!(
        answer(get().send().await.expect("answered")).await.status,
        StatusCode::OK
    );

    // The auth host answers faults with OAuth errors.
    emu.inject(Route::Token, Fault::Status(500), 1);
    let token = request_token(&emu, JWT_BEARER, &sign_claims(&emu, &claims(&emu))).await;
    assert_eq!(token.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(token.body["error"], "internal_server_error");
    emu.inject(Route::UserInfo, Fault::Status(503), 1);
    let info = answer(
        http()
            .get(format!("{}/oauth/userinfo", emu.auth_url()))
            .bearer_auth(&api.token)
            .send()
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(info.status, StatusCode::SERVICE_UNAVAILABLE);

    // Every request was recorded, faulted or not.
    assert_eq!(emu.request_count(Route::GetEnvelope), 7);
    assert_eq!(emu.request_count(Route::CreateEnvelope), 2);
    assert_eq!(emu.request_count(Route::UserInfo), 1);
    assert_eq!(emu.token_requests(), 2);
    let requests = emu.requests();
    assert_eq!(requests.len(), 12);
    assert_eq!(requests[0].path, "/oauth/token");
    assert_eq!(
        requests[1].path,
        format!("/restapi/v2.1/accounts/{}/envelopes", emu.account_id())
    );
    assert_eq!(requests[1].route, Some("create_envelope"));
    let created: Value = serde_json::from_slice(&requests[1].body).expect("recorded body");
    assert_eq!(created["recipients"]["signers"][0]["routingOrder"], "1");
}

// ---- the binary form ---------------------------------------------------------------------

fn multipart_body(boundary: &str, definition: &Value, parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data\r\n\r\n{definition}\r\n"
        )
        .as_bytes(),
    );
    for (file_name, document_id, bytes) in parts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: application/pdf\r\nContent-Disposition: file; filename=\"{file_name}\"; documentid={document_id}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn envelopes_can_be_created_with_binary_documents() {
    let emu = DocuSignEmulator::start().await;
    let api = connect(&emu).await;
    let mut body = definition("sent", &[("a@example.com", "1")]);
    body["documents"] = json!([
        {"name": "nda.pdf", "fileExtension": "pdf", "documentId": "1"},
        {"name": "annex.pdf", "fileExtension": "pdf", "documentId": "2"},
    ]);
    let annex: &[u8] = b"%PDF-1.7\nannex\r\nwith a CRLF inside";
    let raw = multipart_body(
        "MyBoundary42",
        &body,
        &[("nda.pdf", "1", PDF), ("annex.pdf", "2", annex)],
    );
    let post = |raw: Vec<u8>| {
        api.http
            .post(api.url("/envelopes"))
            .header("content-type", "multipart/form-data; boundary=MyBoundary42")
            .body(raw)
    };
    let created = api.send(post(raw)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["envelopeId"].as_str().expect("id");
    assert_eq!(created.body["status"], "sent");
    assert_eq!(
        api.get(&format!("/envelopes/{id}/documents/1"))
            .await
            .bytes
            .as_ref(),
        PDF
    );
    assert_eq!(
        api.get(&format!("/envelopes/{id}/documents/2"))
            .await
            .bytes
            .as_ref(),
        annex
    );

    // A part for a document the definition does not have, or a missing part, is refused.
    let stray = multipart_body(
        "MyBoundary42",
        &body,
        &[
            ("nda.pdf", "1", PDF),
            ("annex.pdf", "2", annex),
            ("x.pdf", "3", PDF),
        ],
    );
    assert_error(
        &api.send(post(stray)).await,
        StatusCode::BAD_REQUEST,
        "INVALID_MULTI_PART_REQUEST",
    );
    let missing = multipart_body("MyBoundary42", &body, &[("nda.pdf", "1", PDF)]);
    assert_error(
        &api.send(post(missing)).await,
        StatusCode::BAD_REQUEST,
        "NO_DOCUMENT_RECEIVED",
    );
    // reqwest's ordinary form parts carry no documentid.
    let form = reqwest::multipart::Form::new()
        .text("envelopeDefinition", body.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("nda.pdf"),
        );
    let plain = api
        .send(api.http.post(api.url("/envelopes")).multipart(form))
        .await;
    assert_error(
        &plain,
        StatusCode::BAD_REQUEST,
        "INVALID_MULTI_PART_REQUEST",
    );
    assert_eq!(emu.envelopes().len(), 1);
}

//! Hostile input: arbitrary headers, bodies, secrets, requests, stored values and `Retry-After`
//! strings never panic, and what is accepted obeys the documented rules.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use proptest::sample::Index;
use signing_core::webhook::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, WebhookError, WebhookSecret, WebhookVerifier,
};
use signing_core::{
    Capabilities, Document, DocumentFormat, Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus,
    ErrorKind, Event, EventId, EventKind, ExposeSecret as _, NationalId, NewEnvelope, Party,
    RetryPolicy, Signer, SignerId, SignerRef, SignerStatus, SigningOrder, limits,
    parse_retry_after,
};
use time::{OffsetDateTime, UtcOffset};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/// The Standard Webhooks published test vector's secret and timestamp.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_614_265_330;
const HEADERS: [&str; 3] = [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE];

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).expect("in range")
}

fn secret() -> WebhookSecret {
    WebhookSecret::new(SECRET).expect("valid secret")
}

/// Any byte a header value may hold: tab, and 32 to 255 except DEL.
fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        8 => 0x20_u8..0x7f,
        2 => 0x80_u8..=0xff,
        1 => Just(b'\t'),
    ]
}

/// One `webhook-signature` entry: well formed, wrongly keyed, truncated, of another version, or
/// junk.
fn signature_entry() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::collection::vec(any::<u8>(), 16..24),
            "[ -~]{0,12}",
            any::<i64>()
        )
            .prop_map(|(key, id, ts)| {
                WebhookSecret::from_bytes(key)
                    .expect("non-empty key")
                    .sign(&id, ts, b"")
            }),
        "v1,[A-Za-z0-9+/=]{0,60}",
        "v[0-9a-z]{0,2},[!-~]{0,20}",
        "[!-~]{0,20}",
    ]
}

/// The bytes of one header value, valid or not (invalid ones are left out of the map).
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[ -~]{0,40}".prop_map(String::into_bytes),
        2 => prop::collection::vec(any::<u8>(), 0..40),
        2 => prop::collection::vec(header_byte(), 0..40),
        2 => "[ \t]{0,2}[0-9]{0,22}[ \t]{0,2}".prop_map(String::into_bytes),
        2 => (NOW - 400..NOW + 400).prop_map(|ts| ts.to_string().into_bytes()),
        // Long values: a short run of bytes repeated.
        1 => (prop::collection::vec(header_byte(), 1..16), 500_usize..2_000)
            .prop_map(|(chunk, times)| chunk.repeat(times)),
        // Many entries: a few distinct ones, cycled.
        2 => (prop::collection::vec(signature_entry(), 1..6), 0_usize..400).prop_map(
            |(entries, count)| {
                let entries: Vec<&str> =
                    entries.iter().map(String::as_str).cycle().take(count).collect();
                entries.join(" ").into_bytes()
            }
        ),
    ]
}

/// The values of one header: usually one, sometimes none or a repeated header.
fn values(value: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop_oneof![
        1 => Just(Vec::new()),
        6 => prop::collection::vec(value, 1..3),
    ]
}

/// The values of `webhook-id`, `webhook-timestamp` and `webhook-signature`, each leaning
/// towards its own shape so that many cases get past the header checks.
fn header_map() -> impl Strategy<Value = Vec<Vec<Vec<u8>>>> {
    let timestamp = prop_oneof![
        3 => (NOW - 400..NOW + 400).prop_map(|ts| ts.to_string().into_bytes()),
        1 => header_value(),
    ];
    let signature = prop_oneof![
        3 => (prop::collection::vec(signature_entry(), 1..6), 1_usize..400).prop_map(
            |(entries, count)| {
                let entries: Vec<&str> =
                    entries.iter().map(String::as_str).cycle().take(count).collect();
                entries.join(" ").into_bytes()
            }
        ),
        1 => header_value(),
    ];
    (values(header_value()), values(timestamp), values(signature))
        .prop_map(|(id, timestamp, signature)| vec![id, timestamp, signature])
}

/// What `verify_at` must answer from the headers alone, before it looks at the timestamp's value
/// or the signatures: `Some(error)` when a header is missing, blank or not text.
fn header_error(headers: &HeaderMap) -> Option<WebhookError> {
    for name in [HEADER_ID, HEADER_TIMESTAMP] {
        let Some(value) = headers.get(name) else {
            return Some(WebhookError::MissingHeader(name));
        };
        let Ok(text) = value.to_str() else {
            return Some(WebhookError::InvalidHeader(name));
        };
        if text.trim().is_empty() {
            return Some(WebhookError::MissingHeader(name));
        }
    }
    // Every `webhook-signature` line counts, as if joined by spaces.
    match signature_text(headers) {
        Err(()) => Some(WebhookError::InvalidHeader(HEADER_SIGNATURE)),
        Ok(text) if text.trim().is_empty() => Some(WebhookError::MissingHeader(HEADER_SIGNATURE)),
        Ok(_) => None,
    }
}

fn signature_text(headers: &HeaderMap) -> Result<String, ()> {
    let mut all = String::new();
    for value in headers.get_all(HEADER_SIGNATURE) {
        all.push(' ');
        all.push_str(value.to_str().map_err(|_| ())?);
    }
    Ok(all)
}

fn text(headers: &HeaderMap, name: &str) -> String {
    headers[name].to_str().expect("text").trim().to_owned()
}

/// A webhook id as a sender would issue it: visible ASCII, no surrounding space.
fn webhook_id() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,62}[!-~])?"
}

fn signed_headers(id: &str, timestamp: i64, signatures: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(HEADER_ID, HeaderValue::from_str(id).expect("ASCII id"));
    headers.insert(HEADER_TIMESTAMP, HeaderValue::from(timestamp));
    headers.insert(
        HEADER_SIGNATURE,
        HeaderValue::from_str(signatures).expect("ASCII signatures"),
    );
    headers
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_headers_and_bodies_never_verify_by_accident(
        values in header_map(),
        body in prop::collection::vec(any::<u8>(), 0..512),
        offset in -600_i64..600,
        tolerance in prop_oneof![Just(300_u64), any::<u64>()],
    ) {
        let mut headers = HeaderMap::new();
        for (name, values) in HEADERS.into_iter().zip(&values) {
            for value in values {
                if let Ok(value) = HeaderValue::from_bytes(value) {
                    headers.append(name, value);
                }
            }
        }
        let secret = secret();
        let verifier = WebhookVerifier::new(secret.clone())
            .tolerance(Duration::from_secs(tolerance));
        let result = verifier.verify_at(&headers, &body, at(NOW + offset));
        match (header_error(&headers), result) {
            (Some(expected), result) => prop_assert_eq!(result, Err(expected)),
            (None, Ok(verified)) => {
                // Only the exact signature of what was received verifies.
                let id = text(&headers, HEADER_ID);
                let timestamp = verified.timestamp.unix_timestamp();
                let sent = text(&headers, HEADER_TIMESTAMP).parse::<i64>().ok();
                prop_assert_eq!(sent, Some(timestamp));
                let expected = secret.sign(&id, timestamp, &body);
                let signatures = signature_text(&headers).expect("text");
                prop_assert!(signatures.split(' ').any(|entry| entry == expected));
                prop_assert_eq!(verified.id, id);
            }
            (None, Err(error)) => prop_assert!(
                matches!(
                    error,
                    WebhookError::InvalidTimestamp
                        | WebhookError::TimestampTooOld { .. }
                        | WebhookError::TimestampInFuture { .. }
                        | WebhookError::NoSupportedSignature
                        | WebhookError::MalformedSignature
                        | WebhookError::TooManySignatures
                        | WebhookError::SignatureMismatch
                ),
                "unexpected {:?}",
                error
            ),
        }
    }

    #[test]
    fn signed_deliveries_verify_and_any_tampering_is_a_mismatch(
        key in prop::collection::vec(any::<u8>(), 16..80),
        id in webhook_id(),
        skew in -300_i64..=300,
        body in prop::collection::vec(any::<u8>(), 1..2_048),
        before in prop::collection::vec(signature_entry(), 0..4),
        after in prop::collection::vec(signature_entry(), 0..4),
        index in any::<Index>(),
        flip in 1_u8..=255,
    ) {
        let secret = WebhookSecret::from_bytes(key).expect("non-empty key");
        let verifier = WebhookVerifier::new(secret.clone());
        let timestamp = NOW + skew;
        let mut entries = before;
        entries.push(secret.sign(&id, timestamp, &body));
        entries.extend(after);
        let headers = signed_headers(&id, timestamp, &entries.join(" "));

        let verified = verifier.verify_at(&headers, &body, at(NOW)).expect("verifies");
        prop_assert_eq!(&verified.id, &id);
        prop_assert_eq!(verified.timestamp.unix_timestamp(), timestamp);

        let mut tampered = body.clone();
        tampered[index.index(body.len())] ^= flip;
        prop_assert_eq!(
            verifier.verify_at(&headers, &tampered, at(NOW)),
            Err(WebhookError::SignatureMismatch)
        );
        prop_assert_eq!(
            verifier.verify_at(&headers, &body[..body.len() - 1], at(NOW)),
            Err(WebhookError::SignatureMismatch)
        );
        let other_id = signed_headers(&format!("{id}x"), timestamp, &entries.join(" "));
        prop_assert_eq!(
            verifier.verify_at(&other_id, &body, at(NOW)),
            Err(WebhookError::SignatureMismatch)
        );
    }

    #[test]
    fn the_signature_is_bound_to_the_key(
        key in prop::collection::vec(any::<u8>(), 16..64),
        other in prop::collection::vec(any::<u8>(), 16..64),
        id in webhook_id(),
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        prop_assume!(key != other);
        let signer = WebhookSecret::from_bytes(key).expect("non-empty key");
        let stranger = WebhookSecret::from_bytes(other).expect("non-empty key");
        let headers = signed_headers(&id, NOW, &signer.sign(&id, NOW, &body));
        prop_assert_eq!(
            WebhookVerifier::new(stranger.clone()).verify_at(&headers, &body, at(NOW)),
            Err(WebhookError::SignatureMismatch)
        );
        // During a rotation either key is accepted.
        let rotating = WebhookVerifier::new(stranger).add_secret(signer);
        prop_assert!(rotating.verify_at(&headers, &body, at(NOW)).is_ok());
    }

    #[test]
    fn arbitrary_secrets_never_panic(
        raw in prop_oneof![
            any::<String>(),
            "(whsec_)?[A-Za-z0-9+/]{0,64}={0,3}",
            "(whsec_)?[ -~]{0,40}",
        ],
    ) {
        match WebhookSecret::new(&raw) {
            Ok(secret) => {
                let encoded = raw.strip_prefix("whsec_").unwrap_or(&raw);
                prop_assert!(!encoded.is_empty());
                prop_assert!(encoded.len() >= 20, "at least 16 bytes, base64: {}", encoded);
                // The whsec_ form gives back the same key.
                let whsec = secret.to_whsec();
                let again = WebhookSecret::new(whsec.expose_secret()).expect("round trip");
                prop_assert_eq!(again.sign("id", NOW, b"body"), secret.sign("id", NOW, b"body"));
                prop_assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
            }
            Err(error) => prop_assert!(
                matches!(
                    error,
                    WebhookError::EmptySecret
                        | WebhookError::InvalidSecret
                        | WebhookError::SecretTooShort
                ),
                "unexpected {:?}",
                error
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

/// A few addresses, in several cases, so duplicates and cc-signer clashes come up often.
const EMAILS: [&str; 8] = [
    "ada@example.com",
    "ADA@example.com",
    "Ada@Example.COM",
    "charles@example.com",
    "hr@example.com",
    "åsa@exempel.se",
    "ÅSA@exempel.se",
    "ops@sub.example.co.uk",
];

fn email() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&EMAILS[..]).prop_map(str::to_owned),
        12 => "[a-z0-9][a-z0-9+_-]{0,8}@[a-z0-9]{1,10}\\.[a-z]{2,4}",
        1 => "[a-z0-9._+-]{1,10}@[a-z0-9-]{1,10}\\.[a-z]{2,4}",
        1 => any::<String>(),
        1 => "[a-z]{60,70}@[a-z]{1,5}\\.com",
        1 => "[a-z]{1,5}@([a-z]{60,64}\\.){3}[a-z]{2,4}",
        1 => "\\PC{0,12}@\\PC{0,12}(\\.\\PC{0,4})?",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![24 => "[A-Za-z][A-Za-z ]{0,12}", 1 => any::<String>(), 1 => "[ \t\n]{0,3}"]
}

fn national_id() -> impl Strategy<Value = NationalId> {
    prop_oneof![
        prop::sample::select(
            &[
                "19121212-1212",
                "191212121212",
                "197010632391",
                "19121212-1213"
            ][..]
        )
        .prop_map(NationalId::swedish_personal_number),
        "[0-9]{8}-?[0-9]{4}".prop_map(NationalId::swedish_personal_number),
        "[0-9-]{0,14}".prop_map(NationalId::swedish_personal_number),
        any::<String>().prop_map(NationalId::swedish_personal_number),
    ]
}

fn signer() -> impl Strategy<Value = Signer> {
    (
        name(),
        email(),
        prop::option::of(any::<String>()),
        prop::option::of(any::<String>()),
        prop::option::weighted(0.1, national_id()),
    )
        .prop_map(|(name, email, organization, title, national_id)| {
            let mut signer = Signer::new(name, email);
            if let Some(organization) = organization {
                signer = signer.organization(organization);
            }
            if let Some(title) = title {
                signer = signer.title(title);
            }
            if let Some(id) = national_id {
                signer = signer.national_id(id);
            }
            signer
        })
}

fn document() -> impl Strategy<Value = Document> {
    (
        prop_oneof![24 => "[a-z]{1,8}\\.pdf", 1 => any::<String>(), 1 => " {0,2}"],
        prop_oneof![
            3 => prop::collection::vec(any::<u8>(), 0..64),
            3 => pdf_like(),
        ],
    )
        .prop_map(|(name, content)| Document::new(name, content))
}

/// A long string of one or two characters repeated, one or two bytes each, to probe limits in
/// both bytes and characters.
fn repeated(times: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    (prop::sample::select(&["a", "é", "xé"][..]), times)
        .prop_map(|(unit, times)| unit.repeat(times))
}

fn metadata_key() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "k[0-9]{1,3}",
        2 => "[A-Za-z0-9_.:-]{0,45}",
        1 => "signing\\.[a-z]{0,9}",
        1 => any::<String>(),
    ]
}

fn metadata_value() -> impl Strategy<Value = String> {
    prop_oneof![12 => "\\PC{0,10}", 1 => repeated(160..=520)]
}

fn callback_url() -> impl Strategy<Value = String> {
    prop_oneof![
        "https://[a-z]{1,8}\\.(com|se)(:[0-9]{1,5})?/[a-z/]{0,8}(\\?[a-z=&]{0,8})?",
        concat!(
            "https?://(localhost|LOCALHOST|127\\.0\\.0\\.1|127\\.1\\.2\\.3|\\[::1\\]",
            "|10\\.0\\.0\\.1|example\\.com)(:[0-9]{1,4})?/cb",
        ),
        "https://([a-z]{1,4}(:[a-z]{0,4})?@)?[a-z]{1,8}\\.com/cb(#[a-z]{0,4})?",
        "(https?|ftp|file|data|javascript):[ -~]{0,20}",
        any::<String>(),
    ]
}

#[derive(Debug, Clone)]
struct RequestInput {
    title: Option<String>,
    documents: Vec<Document>,
    signers: Vec<Signer>,
    sequential: bool,
    cc: Vec<String>,
    owner: Option<(String, String)>,
    callback_url: Option<String>,
    allow_loopback: bool,
    metadata: Vec<(String, String)>,
    reference: Option<String>,
}

fn request_input() -> impl Strategy<Value = RequestInput> {
    (
        (
            prop::option::of(prop_oneof![
                6 => "\\PC{1,20}",
                1 => any::<String>(),
                1 => "[ \t]{0,3}",
                1 => repeated(195..=205),
            ]),
            prop_oneof![
                1 => Just(Vec::new()),
                12 => prop::collection::vec(document(), 1..3),
            ],
            prop_oneof![
                1 => Just(Vec::new()),
                12 => prop::collection::vec(signer(), 1..4),
            ],
            any::<bool>(),
            prop::collection::vec(email(), 0..3),
        ),
        (
            prop::option::weighted(0.3, (name(), email())),
            prop::option::weighted(0.4, callback_url()),
            any::<bool>(),
            prop_oneof![
                6 => prop::collection::vec((metadata_key(), metadata_value()), 0..4),
                // Around the entry limit, with valid keys (some repeated).
                1 => prop::collection::vec(("k[0-9]{1,3}", "[a-z]{0,4}"), 45..60),
            ],
            prop::option::weighted(
                0.4,
                prop_oneof![
                    6 => "[!-~]{0,10}",
                    1 => "[!-~]{120,135}",
                    1 => any::<String>(),
                ],
            ),
        ),
    )
        .prop_map(
            |(
                (title, documents, signers, sequential, cc),
                (owner, callback_url, allow_loopback, metadata, reference),
            )| RequestInput {
                title,
                documents,
                signers,
                sequential,
                cc,
                owner,
                callback_url,
                allow_loopback,
                metadata,
                reference,
            },
        )
}

fn build(input: RequestInput) -> signing_core::Result<NewEnvelope> {
    let mut builder = NewEnvelope::builder()
        .signers(input.signers)
        .allow_insecure_loopback_callback(input.allow_loopback);
    if let Some(title) = input.title {
        builder = builder.title(title);
    }
    for document in input.documents {
        builder = builder.document(document);
    }
    if input.sequential {
        builder = builder.order(SigningOrder::Sequential);
    }
    for email in input.cc {
        builder = builder.cc(email);
    }
    if let Some((name, email)) = input.owner {
        builder = builder.owner(Party::new(name, email));
    }
    if let Some(url) = input.callback_url {
        builder = builder.callback_url(url);
    }
    for (key, value) in input.metadata {
        builder = builder.metadata(key, value);
    }
    if let Some(reference) = input.reference {
        builder = builder.reference(reference);
    }
    builder.build()
}

/// The loose shape every accepted address has: one `@` at least, text on both sides, a dot in
/// the domain, no whitespace, within the length limit.
fn plausible_email(email: &str) -> bool {
    email.len() <= limits::MAX_EMAIL_LEN
        && !email.chars().any(char::is_whitespace)
        && email
            .rsplit_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

fn metadata_within_limits(metadata: &BTreeMap<String, String>) -> bool {
    metadata.len() <= limits::MAX_METADATA_ENTRIES
        && metadata.iter().all(|(key, value)| {
            !key.is_empty()
                && key.len() <= limits::MAX_METADATA_KEY_LEN
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
                && !key.starts_with(limits::RESERVED_METADATA_PREFIX)
                && value.len() <= limits::MAX_METADATA_VALUE_LEN
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn requests_build_or_name_the_offending_field(input in request_input()) {
        let given_title = input.title.clone();
        let allow_loopback = input.allow_loopback;
        let request = match build(input) {
            Ok(request) => request,
            Err(error) => {
                match error.kind() {
                    ErrorKind::InvalidRequest { field, reason } => {
                        prop_assert!(!field.is_empty(), "{}", error);
                        prop_assert!(!reason.is_empty(), "{}", error);
                    }
                    other => prop_assert!(false, "expected InvalidRequest, got {:?}", other),
                }
                return Ok(());
            }
        };

        prop_assert!(!request.documents().is_empty());
        for document in request.documents() {
            prop_assert!(!document.name().trim().is_empty());
            prop_assert!(document.size().is_some_and(|size| size > 0));
        }
        if let Some(title) = given_title {
            prop_assert_eq!(request.title(), title.as_str());
            prop_assert!(!title.trim().is_empty());
            prop_assert!(title.chars().count() <= limits::MAX_TITLE_CHARS);
        } else {
            prop_assert_eq!(request.title(), request.documents()[0].name());
        }

        prop_assert!(!request.signers().is_empty());
        let mut signers = HashSet::new();
        for signer in request.signers() {
            prop_assert!(!signer.name().trim().is_empty());
            prop_assert!(plausible_email(signer.email()), "{}", signer.email());
            prop_assert!(
                signers.insert(signer.email().to_ascii_lowercase()),
                "duplicate signer {}",
                signer.email()
            );
            if let Some(NationalId::SwedishPersonalNumber(number)) = signer.national_id_number() {
                prop_assert!(number.len() == 12 && number.bytes().all(|b| b.is_ascii_digit()));
            }
        }

        let mut cc = HashSet::new();
        for email in request.cc() {
            prop_assert!(plausible_email(email), "{}", email);
            let lower = email.to_ascii_lowercase();
            prop_assert!(!signers.contains(&lower), "cc {} is a signer", email);
            prop_assert!(cc.insert(email.to_ascii_lowercase()), "cc {} twice", email);
        }
        if let Some(owner) = request.owner() {
            prop_assert!(!owner.name().trim().is_empty());
            prop_assert!(plausible_email(owner.email()));
        }

        prop_assert!(metadata_within_limits(request.metadata()), "{:?}", request.metadata());

        if let Some(reference) = request.reference() {
            prop_assert!(!reference.is_empty() && reference.len() <= limits::MAX_REFERENCE_LEN);
            prop_assert!(reference.bytes().all(|b| b.is_ascii_graphic()));
        }

        if let Some(url) = request.callback_url() {
            prop_assert!(url.username().is_empty() && url.password().is_none(), "{}", url);
            prop_assert!(url.fragment().is_none(), "{}", url);
            prop_assert!(url.host().is_some(), "{}", url);
            let loopback = match url.host() {
                Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            prop_assert!(
                url.scheme() == "https" || (url.scheme() == "http" && allow_loopback && loopback),
                "{}",
                url
            );
        }
    }

    #[test]
    fn national_ids_are_checked_or_refused(id in national_id()) {
        let result = NewEnvelope::builder()
            .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
            .signer(Signer::new("Ada", "ada@example.com").national_id(id))
            .build();
        match result {
            Ok(request) => {
                let number = request.signers()[0].national_id_number().expect("kept").value();
                prop_assert!(number.len() == 12 && number.bytes().all(|b| b.is_ascii_digit()));
            }
            Err(error) => prop_assert!(
                matches!(
                    error.kind(),
                    ErrorKind::InvalidRequest { field, .. } if field == "signers[0].national_id"
                ),
                "{}",
                error
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stored values

fn unknown_name<T: for<'a> From<&'a str>>(
    is_other: fn(&T) -> bool,
) -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z_.]{0,16}"]
        .prop_filter("a known name", move |raw| is_other(&T::from(raw.as_str())))
}

fn envelope_status() -> impl Strategy<Value = EnvelopeStatus> {
    prop_oneof![
        prop::sample::select(vec![
            EnvelopeStatus::Draft,
            EnvelopeStatus::Sent,
            EnvelopeStatus::Completed,
            EnvelopeStatus::Declined,
            EnvelopeStatus::Cancelled,
            EnvelopeStatus::Expired,
            EnvelopeStatus::Deleted,
        ]),
        unknown_name::<EnvelopeStatus>(|s| matches!(s, EnvelopeStatus::Other(_)))
            .prop_map(EnvelopeStatus::Other),
    ]
}

fn signer_status() -> impl Strategy<Value = SignerStatus> {
    prop_oneof![
        prop::sample::select(vec![
            SignerStatus::Waiting,
            SignerStatus::Notified,
            SignerStatus::Viewed,
            SignerStatus::Signed,
            SignerStatus::Declined,
        ]),
        unknown_name::<SignerStatus>(|s| matches!(s, SignerStatus::Other(_)))
            .prop_map(SignerStatus::Other),
    ]
}

const EVENT_KINDS: [EventKind; 9] = [
    EventKind::Created,
    EventKind::Sent,
    EventKind::SignerViewed,
    EventKind::SignerSigned,
    EventKind::SignerDeclined,
    EventKind::Completed,
    EventKind::Declined,
    EventKind::Cancelled,
    EventKind::Expired,
];

fn event_kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        prop::sample::select(EVENT_KINDS.to_vec()),
        unknown_name::<EventKind>(|k| matches!(k, EventKind::Other(_))).prop_map(EventKind::Other),
    ]
}

/// A moment RFC 3339 can write: years 1 to 9998, any nanosecond, any whole-minute offset.
fn datetime() -> impl Strategy<Value = OffsetDateTime> {
    (
        -62_100_000_000_i64..253_300_000_000,
        0_u32..1_000_000_000,
        -1_439_i32..=1_439,
    )
        .prop_map(|(secs, nanos, minutes)| {
            let offset = UtcOffset::from_whole_seconds(minutes * 60).expect("valid offset");
            (at(secs) + Duration::from_nanos(u64::from(nanos))).to_offset(offset)
        })
}

/// JSON without floats (which need not survive a round trip bit for bit).
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

fn envelope_signer() -> impl Strategy<Value = EnvelopeSigner> {
    (
        prop::option::of(any::<String>()),
        prop::option::of(any::<String>()),
        prop::option::of(any::<String>()),
        signer_status(),
        prop::option::of(datetime()),
    )
        .prop_map(|(id, name, email, status, signed_at)| {
            let mut signer = EnvelopeSigner::new(String::new(), status);
            signer.id = id.map(SignerId::new);
            signer.name = name;
            signer.email = email;
            signer.signed_at = signed_at;
            signer
        })
}

fn envelope() -> impl Strategy<Value = Envelope> {
    (
        (
            any::<String>(),
            any::<String>(),
            prop::option::of(any::<String>()),
            envelope_status(),
            prop::collection::vec(envelope_signer(), 0..3),
        ),
        (
            prop::option::of(datetime()),
            prop::option::of(datetime()),
            prop::option::of(datetime()),
            prop::collection::btree_map(any::<String>(), any::<String>(), 0..4),
            prop::option::of(any::<String>()),
            json(),
        ),
    )
        .prop_map(
            |(
                (id, provider, title, status, signers),
                (created_at, updated_at, completed_at, metadata, reference, raw),
            )| {
                let mut envelope = Envelope::new(EnvelopeId::new(id), provider, status);
                envelope.title = title;
                envelope.signers = signers;
                envelope.created_at = created_at;
                envelope.updated_at = updated_at;
                envelope.completed_at = completed_at;
                envelope.metadata = metadata;
                envelope.reference = reference;
                envelope.raw = raw.into();
                envelope
            },
        )
}

fn event() -> impl Strategy<Value = Event> {
    (
        any::<String>(),
        event_kind(),
        any::<String>(),
        prop::option::of(any::<String>()),
        prop::option::of((
            prop::option::of(any::<String>()),
            prop::option::of(any::<String>()),
        )),
        prop::option::of(datetime()),
        any::<bool>(),
        json(),
    )
        .prop_map(
            |(id, kind, provider, envelope_id, signer, occurred_at, verified, raw)| {
                let mut event = Event::new(EventId::new(id), kind, provider);
                event.envelope_id = envelope_id.map(EnvelopeId::new);
                event.signer = signer.map(|(id, email)| {
                    let mut signer = SignerRef::by_email(String::new());
                    signer.id = id.map(SignerId::new);
                    signer.email = email;
                    signer
                });
                event.occurred_at = occurred_at;
                event.verified = verified;
                event.raw = raw.into();
                event
            },
        )
}

fn capabilities() -> impl Strategy<Value = Capabilities> {
    (
        prop::collection::vec(any::<bool>(), 13),
        prop::collection::vec(
            prop::sample::select(vec![DocumentFormat::Pdf, DocumentFormat::Docx]),
            0..4,
        ),
        prop::option::of(any::<u64>()),
    )
        .prop_map(|(flags, formats, max_document_size)| {
            let mut caps = Capabilities::default();
            for (flag, value) in [
                &mut caps.parallel_signing,
                &mut caps.sequential_signing,
                &mut caps.cc_recipients,
                &mut caps.callback_url,
                &mut caps.verified_webhooks,
                &mut caps.cancel,
                &mut caps.delete,
                &mut caps.list,
                &mut caps.download,
                &mut caps.metadata,
                &mut caps.multiple_documents,
                &mut caps.idempotent_send,
                &mut caps.national_id,
            ]
            .into_iter()
            .zip(flags)
            {
                *flag = value;
            }
            caps.formats = formats;
            caps.max_document_size = max_document_size;
            caps
        })
}

fn round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value, "through {}", json);
    let tree = serde_json::to_value(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_value(tree).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn envelopes_round_trip(envelope in envelope()) {
        round_trip(&envelope)?;
    }

    #[test]
    fn events_round_trip(event in event()) {
        round_trip(&event)?;
    }

    #[test]
    fn statuses_and_kinds_round_trip(
        status in envelope_status(),
        signer in signer_status(),
        kind in event_kind(),
    ) {
        round_trip(&status)?;
        round_trip(&signer)?;
        round_trip(&kind)?;
        // Each serializes as its stable name.
        prop_assert_eq!(serde_json::to_value(&status).ok(), Some(status.as_str().into()));
        prop_assert_eq!(serde_json::to_value(&signer).ok(), Some(signer.as_str().into()));
        prop_assert_eq!(serde_json::to_value(&kind).ok(), Some(kind.as_str().into()));
    }

    #[test]
    fn other_spelling_a_known_name_reads_back_as_that_name(index in 0..EVENT_KINDS.len()) {
        let known = &EVENT_KINDS[index];
        let other = EventKind::Other(known.as_str().to_owned());
        let json = serde_json::to_string(&other).expect("serializes");
        let back: EventKind = serde_json::from_str(&json).expect("parses");
        prop_assert_eq!(&back, known);
    }

    #[test]
    fn any_string_parses_as_a_status_or_kind(raw in any::<String>()) {
        let json = serde_json::to_string(&raw).expect("serializes");
        let status: EnvelopeStatus = serde_json::from_str(&json).expect("parses");
        let signer: SignerStatus = serde_json::from_str(&json).expect("parses");
        let kind: EventKind = serde_json::from_str(&json).expect("parses");
        prop_assert_eq!(status.as_str(), raw.as_str());
        prop_assert_eq!(signer.as_str(), raw.as_str());
        prop_assert_eq!(kind.as_str(), raw.as_str());
    }

    #[test]
    fn capabilities_round_trip(caps in capabilities()) {
        round_trip(&caps)?;
    }

    #[test]
    fn documents_round_trip(
        document in document(),
        content_type in prop::option::of(any::<String>()),
    ) {
        let document = match content_type {
            Some(content_type) => document.with_content_type(content_type),
            None => document,
        };
        round_trip(&document)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Retries

/// 2015-10-21T07:28:00Z.
const RETRY_NOW: u64 = 1_445_412_480;

fn http_date() -> impl Strategy<Value = (String, OffsetDateTime)> {
    (-62_100_000_000_i64..253_300_000_000).prop_map(|secs| {
        let date = at(secs);
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        (date.format(&format).expect("formats"), date)
    })
}

/// `initial * 2^(attempt - 1)` capped at `max`, without overflow: the documented full backoff.
fn documented_backoff(initial: Duration, max: Duration, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1);
    let initial_nanos = initial.as_nanos();
    let full = if initial_nanos == 0 {
        0
    } else if exponent >= initial_nanos.leading_zeros() {
        u128::MAX
    } else {
        initial_nanos << exponent
    };
    if full >= max.as_nanos() {
        max
    } else {
        let secs = u64::try_from(full / 1_000_000_000).expect("below max");
        let nanos = u32::try_from(full % 1_000_000_000).expect("below a second");
        Duration::new(secs, nanos)
    }
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0_u64..10_000_000_000).prop_map(Duration::from_nanos),
        (any::<u64>(), 0_u32..1_000_000_000).prop_map(|(secs, nanos)| Duration::new(secs, nanos)),
        Just(Duration::ZERO),
        Just(Duration::MAX),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn retry_after_never_panics(
        raw in prop_oneof![
            any::<String>(),
            "[ \t]{0,2}[0-9]{0,25}[ \t]{0,2}",
            // The shape of an HTTP-date, with any names and numbers.
            "[A-Za-z]{3}, [0-9]{1,2} [A-Za-z]{3} [0-9]{1,5} ([0-9]{1,2}:){2}[0-9]{1,2} [A-Z]{3}"
                .prop_map(String::from),
        ],
        now_secs in prop_oneof![Just(RETRY_NOW), 0_u64..253_000_000_000],
    ) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs);
        let parsed = parse_retry_after(&raw, now);
        let trimmed = raw.trim();
        if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            prop_assert_eq!(parsed, trimmed.parse().ok().map(Duration::from_secs));
        }
    }

    #[test]
    fn retry_after_dates_count_from_now(
        (raw, date) in http_date(),
        now_secs in prop_oneof![Just(RETRY_NOW), 0_u64..253_000_000_000],
        padding in "[ \t]{0,2}",
    ) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs);
        let parsed = parse_retry_after(&format!("{padding}{raw}{padding}"), now);
        let ahead = date.unix_timestamp() - i64::try_from(now_secs).expect("in range");
        let expected = Duration::from_secs(u64::try_from(ahead).unwrap_or(0));
        prop_assert_eq!(parsed, Some(expected));
    }

    #[test]
    fn retry_delay_stays_within_documented_bounds(
        attempt in prop_oneof![1_u32..12, any::<u32>()],
        retry_after in prop::option::of(duration()),
        initial in duration(),
        max in duration(),
    ) {
        let policy = RetryPolicy::default().initial_backoff(initial).max_backoff(max);
        let delay = policy.delay(attempt, retry_after);
        if let Some(after) = retry_after {
            // The provider's wait is honoured as given.
            prop_assert_eq!(delay, after);
        } else {
            let full = documented_backoff(initial, max, attempt);
            prop_assert!(delay <= full, "{:?} > {:?}", delay, full);
            prop_assert!(delay <= max);
            // The exponent stops growing after 2^20, so the lower bound holds wherever the
            // cap is reached by then, which covers every attempt up to 21.
            if attempt <= 21 || documented_backoff(initial, max, 21) == max {
                prop_assert!(delay >= full / 2, "{:?} < half of {:?}", delay, full);
            }
        }
    }

    #[test]
    fn default_retry_delay_stays_within_documented_bounds(attempt in any::<u32>()) {
        let policy = RetryPolicy::default();
        let full = documented_backoff(policy.initial_backoff, policy.max_backoff, attempt);
        let delay = policy.delay(attempt, None);
        prop_assert!(delay >= full / 2 && delay <= full, "{:?} for {:?}", delay, full);
        prop_assert!(delay <= Duration::from_secs(5));
    }
}

/// A backoff of twice `u64::MAX` nanoseconds or more (about 1169 years) makes the jitter range
/// `u64::MAX`, which must not overflow (a panic in debug builds, a remainder by zero in release
/// builds). With `max_backoff(Duration::MAX)`, read as "no cap", any `initial_backoff` of about
/// 9.8 hours or more gets there by the 21st attempt.
#[test]
fn a_backoff_of_centuries_does_not_panic() {
    let huge = Duration::from_secs(36_893_488_148);
    let policy = RetryPolicy::default()
        .initial_backoff(huge)
        .max_backoff(Duration::MAX);
    let delay = policy.delay(1, None);
    assert!(delay >= huge / 2 && delay <= huge, "{delay:?}");
}

// ---------------------------------------------------------------------------------------------
// Documents

fn pdf_like() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..64).prop_map(|tail| [&b"%PDF-"[..], &tail].concat())
}

/// A zip header, then bytes holding the Word entry name or a near miss.
fn zip_like() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(any::<u8>(), 0..32),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..32),
    )
        .prop_map(|(middle, docx, tail)| {
            let entry: &[u8] = if docx {
                b"word/document.xml"
            } else {
                b"word/document.xm"
            };
            [&b"PK\x03\x04"[..], &middle, entry, &tail].concat()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sniffing_never_panics_and_follows_the_magic(
        content in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            pdf_like(),
            zip_like(),
        ],
    ) {
        let format = DocumentFormat::sniff(&content);
        let zip_with_word = content.starts_with(b"PK\x03\x04")
            && content.windows(17).any(|w| w == b"word/document.xml");
        let expected = if content.starts_with(b"%PDF-") {
            Some(DocumentFormat::Pdf)
        } else if zip_with_word {
            Some(DocumentFormat::Docx)
        } else {
            None
        };
        prop_assert_eq!(format, expected);
        let document = Document::new("any", content.clone());
        prop_assert_eq!(
            document.content_type(),
            format.map_or("application/octet-stream", DocumentFormat::mime_type)
        );
        prop_assert_eq!(document.size(), Some(content.len() as u64));
    }
}

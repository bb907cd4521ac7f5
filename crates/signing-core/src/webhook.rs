//! Standard Webhooks: verifying incoming webhooks, and signing them as a provider does.
//!
//! A webhook carries three headers: `webhook-id` (stable across retries), `webhook-timestamp`
//! (Unix seconds of this attempt) and `webhook-signature` (space-separated `v1,<base64>`
//! entries). The signature is HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the
//! base64-decoded secret, over the body **exactly as received**: verify the raw bytes, never a
//! re-serialized value.
//!
//! ```
//! use signing_core::webhook::{WebhookSecret, WebhookVerifier, signature_headers};
//!
//! let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let body = br#"{"type":"agreement.completed"}"#;
//! let now = time::OffsetDateTime::now_utc().unix_timestamp();
//! let headers = signature_headers(&secret, "msg_1", now, body)?;
//!
//! let verifier = WebhookVerifier::new(secret);
//! let verified = verifier.verify(&headers, body)?;
//! assert_eq!(verified.id, "msg_1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use time::OffsetDateTime;

/// The `webhook-id` header.
pub const HEADER_ID: &str = "webhook-id";
/// The `webhook-timestamp` header.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The `webhook-signature` header.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// How far a timestamp may be from now, either way, before the webhook is refused.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

// The header names, parsed once: looking a header up by `&str` parses the name every time.
const ID_NAME: HeaderName = HeaderName::from_static(HEADER_ID);
const TIMESTAMP_NAME: HeaderName = HeaderName::from_static(HEADER_TIMESTAMP);
const SIGNATURE_NAME: HeaderName = HeaderName::from_static(HEADER_SIGNATURE);

const SECRET_PREFIX: &str = "whsec_";
const SIGNATURE_LEN: usize = 32;

/// The shortest secret accepted, in bytes: a shorter key can be guessed.
pub const MIN_SECRET_LEN: usize = 16;

/// The most signatures a delivery may carry: a rotation has a few keys, not thousands, and each
/// signature costs an HMAC per configured secret.
pub const MAX_SIGNATURES: usize = 32;

/// Why a webhook or callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent.
    #[error("the `{0}` header is missing")]
    MissingHeader(&'static str),
    /// A header is not visible ASCII.
    #[error("the `{0}` header is not valid text")]
    InvalidHeader(&'static str),
    /// `webhook-timestamp` is not a whole number of seconds.
    #[error("the `webhook-timestamp` header is not a Unix timestamp")]
    InvalidTimestamp,
    /// The timestamp is older than the tolerance allows: a stale or replayed delivery.
    #[error("the timestamp is {age_secs}s old, more than the {tolerance_secs}s tolerated")]
    TimestampTooOld {
        /// How old it is, in seconds.
        age_secs: i64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    #[error(
        "the timestamp is {ahead_secs}s in the future, more than the {tolerance_secs}s tolerated"
    )]
    TimestampInFuture {
        /// How far ahead it is, in seconds.
        ahead_secs: i64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// The signature header holds no `v1` signature.
    #[error("the `webhook-signature` header holds no v1 signature")]
    NoSupportedSignature,
    /// The `v1` signatures are not base64 HMAC-SHA256 values (empty, truncated, not base64).
    #[error("the v1 signature is malformed (empty, truncated or not base64)")]
    MalformedSignature,
    /// No signature matches the body under any configured secret: tampered, or signed with
    /// another key.
    #[error("no signature matches the body under the configured secrets")]
    SignatureMismatch,
    /// The secret is empty.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes: guessable.
    #[error("the webhook secret is shorter than {MIN_SECRET_LEN} bytes")]
    SecretTooShort,
    /// More signatures than [`MAX_SIGNATURES`] were sent.
    #[error("more than {MAX_SIGNATURES} signatures were sent")]
    TooManySignatures,
    /// The secret is not base64 (after an optional `whsec_` prefix).
    #[error("the webhook secret is not base64")]
    InvalidSecret,
    /// No secret is configured, so nothing can be verified.
    #[error("no webhook secret is configured")]
    NoSecret,
    /// A callback's token does not match the one issued for its envelope.
    #[error("the callback token is not valid for this envelope")]
    InvalidCallbackToken,
    /// A callback's token is genuine but its lifetime has passed.
    #[error("the callback token has expired")]
    CallbackExpired,
    /// The same delivery was already processed.
    #[error("webhook `{0}` was already processed")]
    Replayed(String),
    /// The body does not have the shape the provider documents.
    #[error("the payload is not valid: {0}")]
    InvalidPayload(String),
}

/// The entries of a list of secrets as configuration holds it (an environment variable, a
/// config value, a file): separated by whitespace or commas, so several can be active during a
/// rotation.
///
/// ```
/// use signing_core::webhook::secret_list;
///
/// let listed: Vec<&str> = secret_list(" whsec_a, whsec_b whsec_c,,\nwhsec_d\r\n").collect();
/// assert_eq!(listed, ["whsec_a", "whsec_b", "whsec_c", "whsec_d"]);
/// ```
pub fn secret_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
}

/// A Standard Webhooks signing key. `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookSecret {
    key: Arc<SecretBox<[u8]>>,
}

impl WebhookSecret {
    /// Parses a secret as providers hand it out: `whsec_` followed by base64 (the prefix is
    /// optional).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        if encoded.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        let key = BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret)?;
        Self::from_bytes(key)
    }

    /// A secret from its raw key bytes (at least [`MIN_SECRET_LEN`]).
    pub fn from_bytes(key: impl Into<Vec<u8>>) -> Result<Self, WebhookError> {
        let key: Vec<u8> = key.into();
        if key.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        if key.len() < MIN_SECRET_LEN {
            return Err(WebhookError::SecretTooShort);
        }
        Ok(Self {
            key: Arc::new(SecretBox::new(key.into_boxed_slice())),
        })
    }

    /// The secret in its `whsec_<base64>` form, for handing to a sender.
    pub fn to_whsec(&self) -> secrecy::SecretString {
        format!("{SECRET_PREFIX}{}", BASE64.encode(self.key.expose_secret())).into()
    }

    /// The `v1,<base64>` signature of a message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", BASE64.encode(tag))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        self.mac_text(id, &timestamp.to_string(), body)
    }

    /// The MAC over `{id}.{timestamp}.{body}`, with the timestamp already in decimal.
    fn mac_text(&self, id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.key.expose_secret())
            .expect("HMAC accepts any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

/// The three Standard Webhooks headers for a message signed with `secret`.
///
/// This is what a provider sends; tests use it to fake deliveries. The id must be visible ASCII
/// (as the ids providers issue are), else [`WebhookError::InvalidHeader`].
pub fn signature_headers(
    secret: &WebhookSecret,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<HeaderMap, WebhookError> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(WebhookError::InvalidHeader(HEADER_ID));
    }
    let value =
        |s: String, name| HeaderValue::try_from(s).map_err(|_| WebhookError::InvalidHeader(name));
    let mut headers = HeaderMap::new();
    headers.insert(HEADER_ID, value(id.to_owned(), HEADER_ID)?);
    headers.insert(
        HEADER_TIMESTAMP,
        value(timestamp.to_string(), HEADER_TIMESTAMP)?,
    );
    headers.insert(
        HEADER_SIGNATURE,
        value(secret.sign(id, timestamp, body), HEADER_SIGNATURE)?,
    );
    Ok(headers)
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedWebhook {
    /// The `webhook-id`: the same across redeliveries, the key to drop duplicates.
    pub id: String,
    /// When this delivery attempt was signed.
    pub timestamp: OffsetDateTime,
}

/// A source of the current time, injectable for tests.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The clock and the tolerance that webhook and callback verification read, as every provider's
/// builder takes them (`with_webhook_clock`, `with_webhook_tolerance`; the in-memory provider's
/// `webhook_clock`, `webhook_tolerance`).
///
/// Each provider applies them to the time its deliveries carry, and says how in its builder's
/// documentation: a Standard Webhooks timestamp (HeySign, the in-memory provider: five minutes
/// either way unless told otherwise), a Connect message's `generatedDateTime` (DocuSign: no
/// window unless one is given, since DocuSign keeps that time in its retries), a callback URL's
/// expiry (LEAP Sign: the leeway past it, none unless given). The clock also decides when a
/// callback URL issued now expires.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use signing_core::webhook::{WebhookError, WebhookTiming};
///
/// let signed_at = time::macros::datetime!(2030-01-01 12:00 UTC);
/// let timing = WebhookTiming::new()
///     .with_clock(Arc::new(move || signed_at + Duration::from_secs(90)))
///     .with_tolerance(Duration::from_secs(60));
/// assert_eq!(timing.now(), signed_at + Duration::from_secs(90));
/// assert!(matches!(
///     timing.check(signed_at, timing.tolerance_or(Duration::ZERO)),
///     Err(WebhookError::TimestampTooOld { age_secs: 90, tolerance_secs: 60 })
/// ));
/// ```
#[derive(Clone, Default)]
pub struct WebhookTiming {
    clock: Option<Clock>,
    tolerance: Option<Duration>,
}

impl WebhookTiming {
    /// The system clock and each provider's own tolerance.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the current time from `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How far a delivery's time may be from now, either way.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// The current time, from the clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock
            .as_ref()
            .map_or_else(OffsetDateTime::now_utc, |clock| clock())
    }

    /// The tolerance given, if one was.
    pub fn tolerance(&self) -> Option<Duration> {
        self.tolerance
    }

    /// The tolerance given, or the provider's `default`.
    pub fn tolerance_or(&self, default: Duration) -> Duration {
        self.tolerance.unwrap_or(default)
    }

    /// Refuses a delivery signed at `signed_at` when it is more than `tolerance` away from now.
    pub fn check(
        &self,
        signed_at: OffsetDateTime,
        tolerance: Duration,
    ) -> Result<(), WebhookError> {
        check_window(
            signed_at.unix_timestamp(),
            self.now().unix_timestamp(),
            tolerance,
        )
    }
}

impl fmt::Debug for WebhookTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTiming")
            .field(
                "clock",
                &if self.clock.is_some() {
                    "custom"
                } else {
                    "system"
                },
            )
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// Refuses `timestamp` when it is more than `tolerance` away from `now` (both Unix seconds).
fn check_window(timestamp: i64, now: i64, tolerance: Duration) -> Result<(), WebhookError> {
    let tolerance_secs = tolerance.as_secs();
    let window = i64::try_from(tolerance_secs).unwrap_or(i64::MAX);
    let age = now.saturating_sub(timestamp);
    if age > window {
        return Err(WebhookError::TimestampTooOld {
            age_secs: age,
            tolerance_secs,
        });
    }
    if age < -window {
        return Err(WebhookError::TimestampInFuture {
            ahead_secs: age.saturating_neg(),
            tolerance_secs,
        });
    }
    Ok(())
}

/// Verifies Standard Webhooks deliveries against one or more secrets.
///
/// Several secrets support rotation: a delivery is accepted if it is signed with any of them.
#[derive(Clone)]
pub struct WebhookVerifier {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
    clock: Option<Clock>,
}

impl WebhookVerifier {
    /// A verifier for one secret, with the default five-minute tolerance.
    pub fn new(secret: WebhookSecret) -> Self {
        Self {
            secrets: vec![secret],
            tolerance: DEFAULT_TOLERANCE,
            clock: None,
        }
    }

    /// A verifier accepting any of `secrets`; at least one is needed.
    pub fn with_secrets(
        secrets: impl IntoIterator<Item = WebhookSecret>,
    ) -> Result<Self, WebhookError> {
        let secrets: Vec<_> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(WebhookError::NoSecret);
        }
        Ok(Self {
            secrets,
            tolerance: DEFAULT_TOLERANCE,
            clock: None,
        })
    }

    /// Also accepts deliveries signed with `secret` (during a key rotation).
    #[must_use]
    pub fn add_secret(mut self, secret: WebhookSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// How far a timestamp may be from now, either way.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Reads the current time from `clock` instead of the system clock.
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Takes the clock and, when one was given, the tolerance of `timing`.
    #[must_use]
    pub fn timing(mut self, timing: &WebhookTiming) -> Self {
        if let Some(clock) = &timing.clock {
            self.clock = Some(Arc::clone(clock));
        }
        if let Some(tolerance) = timing.tolerance {
            self.tolerance = tolerance;
        }
        self
    }

    /// Verifies a delivery's headers and raw body against the current time.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<VerifiedWebhook, WebhookError> {
        let now = self
            .clock
            .as_ref()
            .map_or_else(OffsetDateTime::now_utc, |clock| clock());
        self.verify_at(headers, body, now)
    }

    /// Verifies a delivery as of `now`.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<VerifiedWebhook, WebhookError> {
        let id = header(headers, &ID_NAME, HEADER_ID)?;
        let raw_timestamp = header(headers, &TIMESTAMP_NAME, HEADER_TIMESTAMP)?;
        // A proxy may split one list over several header lines: read them all, in place.
        let signature_values = headers.get_all(&SIGNATURE_NAME);
        let mut any_signature = false;
        for value in &signature_values {
            let value = value
                .to_str()
                .map_err(|_| WebhookError::InvalidHeader(HEADER_SIGNATURE))?;
            any_signature |= !value.trim().is_empty();
        }
        if !any_signature {
            return Err(WebhookError::MissingHeader(HEADER_SIGNATURE));
        }

        let timestamp = parse_timestamp(raw_timestamp)?;
        check_window(timestamp, now.unix_timestamp(), self.tolerance)?;

        let entries = signature_values
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(' '));
        let candidates = parse_signatures(entries)?;
        // The signed text is the header's own digits when they are already the canonical
        // decimal form (the usual case), so no string is formatted per delivery.
        let canonical = raw_timestamp == "0" || !raw_timestamp.starts_with('0');
        let formatted;
        let timestamp_text = if canonical {
            raw_timestamp
        } else {
            formatted = timestamp.to_string();
            &formatted
        };
        // Every candidate is compared against every secret, in constant time per comparison.
        let matched = self.secrets.iter().any(|secret| {
            let mac = secret.mac_text(id, timestamp_text, body);
            candidates
                .iter()
                .any(|candidate| mac.clone().verify_slice(candidate).is_ok())
        });
        if !matched {
            return Err(WebhookError::SignatureMismatch);
        }
        Ok(VerifiedWebhook {
            id: id.to_owned(),
            timestamp: OffsetDateTime::from_unix_timestamp(timestamp)
                .map_err(|_| WebhookError::InvalidTimestamp)?,
        })
    }
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secrets", &self.secrets.len())
            .field("tolerance", &self.tolerance)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

fn header<'a>(
    headers: &'a HeaderMap,
    key: &HeaderName,
    name: &'static str,
) -> Result<&'a str, WebhookError> {
    let value = headers.get(key).ok_or(WebhookError::MissingHeader(name))?;
    let value = value
        .to_str()
        .map_err(|_| WebhookError::InvalidHeader(name))?
        .trim();
    if value.is_empty() {
        return Err(WebhookError::MissingHeader(name));
    }
    Ok(value)
}

fn parse_timestamp(raw: &str) -> Result<i64, WebhookError> {
    if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::InvalidTimestamp);
    }
    let timestamp: i64 = raw.parse().map_err(|_| WebhookError::InvalidTimestamp)?;
    // Reject values no clock can produce, so later conversions cannot fail.
    OffsetDateTime::from_unix_timestamp(timestamp).map_err(|_| WebhookError::InvalidTimestamp)?;
    Ok(timestamp)
}

/// The decoded `v1` signatures among the space-separated entries of `webhook-signature`.
/// Other versions are ignored.
fn parse_signatures<'a>(
    entries: impl Iterator<Item = &'a str>,
) -> Result<Vec<[u8; SIGNATURE_LEN]>, WebhookError> {
    let mut decoded = Vec::with_capacity(1);
    let mut malformed = false;
    // Room for a few bytes more than a signature, so that a longer value decodes (and is
    // refused for its length) instead of failing for want of space.
    let mut buffer = [0_u8; SIGNATURE_LEN + 4];
    for (index, entry) in entries.filter(|e| !e.is_empty()).enumerate() {
        if index >= MAX_SIGNATURES {
            return Err(WebhookError::TooManySignatures);
        }
        let Some((version, signature)) = entry.split_once(',') else {
            continue;
        };
        if version != "v1" {
            continue;
        }
        match BASE64.decode_slice(signature, &mut buffer) {
            Ok(SIGNATURE_LEN) => {
                let mut bytes = [0_u8; SIGNATURE_LEN];
                bytes.copy_from_slice(&buffer[..SIGNATURE_LEN]);
                decoded.push(bytes);
            }
            _ => malformed = true,
        }
    }
    match (decoded.is_empty(), malformed) {
        (false, _) => Ok(decoded),
        (true, true) => Err(WebhookError::MalformedSignature),
        (true, false) => Err(WebhookError::NoSupportedSignature),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HEADER_ID, id.parse().unwrap());
        h.insert(HEADER_TIMESTAMP, timestamp.parse().unwrap());
        h.insert(HEADER_SIGNATURE, signature.parse().unwrap());
        h
    }

    fn verifier() -> WebhookVerifier {
        WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap())
    }

    fn vector_headers() -> HeaderMap {
        headers(ID, &TIMESTAMP.to_string(), SIGNATURE)
    }

    #[test]
    fn published_vector_signs_and_verifies() {
        let secret = WebhookSecret::new(SECRET).unwrap();
        assert_eq!(secret.sign(ID, TIMESTAMP, BODY), SIGNATURE);
        let verified = verifier()
            .verify_at(&vector_headers(), BODY, at(TIMESTAMP))
            .unwrap();
        assert_eq!(verified.id, ID);
        assert_eq!(verified.timestamp.unix_timestamp(), TIMESTAMP);
        // The prefix is optional.
        let bare = WebhookSecret::new(SECRET.trim_start_matches("whsec_")).unwrap();
        assert_eq!(bare.sign(ID, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(bare.to_whsec().expose_secret(), SECRET);
    }

    #[test]
    fn negative_cases_say_why() {
        let v = verifier();
        let now = at(TIMESTAMP);
        let check = |h: &HeaderMap, body: &[u8]| v.verify_at(h, body, now).unwrap_err();

        for missing in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE] {
            let mut h = vector_headers();
            h.remove(missing);
            assert_eq!(check(&h, BODY), WebhookError::MissingHeader(missing));
        }
        assert_eq!(
            check(&headers(ID, "abc", SIGNATURE), BODY),
            WebhookError::InvalidTimestamp
        );
        assert_eq!(
            check(&headers(ID, "-5", SIGNATURE), BODY),
            WebhookError::InvalidTimestamp
        );
        assert_eq!(
            check(&headers(ID, "99999999999999999999", SIGNATURE), BODY),
            WebhookError::InvalidTimestamp
        );
        assert_eq!(
            check(&headers(ID, &TIMESTAMP.to_string(), "v1,"), BODY),
            WebhookError::MalformedSignature
        );
        let truncated = &SIGNATURE[..SIGNATURE.len() - 8];
        assert_eq!(
            check(&headers(ID, &TIMESTAMP.to_string(), truncated), BODY),
            WebhookError::MalformedSignature
        );
        assert_eq!(
            check(
                &headers(ID, &TIMESTAMP.to_string(), "v1,!!notbase64!!"),
                BODY
            ),
            WebhookError::MalformedSignature
        );
        assert_eq!(
            check(&headers(ID, &TIMESTAMP.to_string(), "v2,abc v1a,xyz"), BODY),
            WebhookError::NoSupportedSignature
        );
        // Tampered body, id or timestamp.
        assert_eq!(
            check(&vector_headers(), br#"{"test": 2432232315}"#),
            WebhookError::SignatureMismatch
        );
        assert_eq!(
            check(
                &headers("msg_other", &TIMESTAMP.to_string(), SIGNATURE),
                BODY
            ),
            WebhookError::SignatureMismatch
        );
        let mut h = headers(ID, &(TIMESTAMP + 1).to_string(), SIGNATURE);
        assert_eq!(
            v.verify_at(&h, BODY, at(TIMESTAMP + 1)).unwrap_err(),
            WebhookError::SignatureMismatch
        );
        // A wrong key.
        let other = WebhookVerifier::new(WebhookSecret::from_bytes(vec![7; 24]).unwrap());
        h = vector_headers();
        assert_eq!(
            other.verify_at(&h, BODY, now).unwrap_err(),
            WebhookError::SignatureMismatch
        );
    }

    #[test]
    fn secrets_are_checked() {
        assert_eq!(
            WebhookSecret::new("").unwrap_err(),
            WebhookError::EmptySecret
        );
        assert_eq!(
            WebhookSecret::new("whsec_").unwrap_err(),
            WebhookError::EmptySecret
        );
        assert_eq!(
            WebhookSecret::new("whsec_not base64!").unwrap_err(),
            WebhookError::InvalidSecret
        );
        assert_eq!(
            WebhookSecret::from_bytes(Vec::new()).unwrap_err(),
            WebhookError::EmptySecret
        );
        assert_eq!(
            WebhookSecret::from_bytes(vec![9; MIN_SECRET_LEN - 1]).unwrap_err(),
            WebhookError::SecretTooShort
        );
        assert_eq!(
            WebhookSecret::new("whsec_AAAA").unwrap_err(),
            WebhookError::SecretTooShort
        );
        assert_eq!(
            WebhookVerifier::with_secrets([]).unwrap_err(),
            WebhookError::NoSecret
        );
        let debug = format!("{:?} {:?}", WebhookSecret::new(SECRET).unwrap(), verifier());
        assert!(!debug.contains("MfKQ9r8"), "{debug}");
    }

    #[test]
    fn tolerance_boundaries() {
        let v = verifier();
        let h = vector_headers();
        // Exactly five minutes either way is accepted; one second more is not.
        v.verify_at(&h, BODY, at(TIMESTAMP + 300)).unwrap();
        v.verify_at(&h, BODY, at(TIMESTAMP - 300)).unwrap();
        assert_eq!(
            v.verify_at(&h, BODY, at(TIMESTAMP + 301)).unwrap_err(),
            WebhookError::TimestampTooOld {
                age_secs: 301,
                tolerance_secs: 300
            }
        );
        assert_eq!(
            v.verify_at(&h, BODY, at(TIMESTAMP - 301)).unwrap_err(),
            WebhookError::TimestampInFuture {
                ahead_secs: 301,
                tolerance_secs: 300
            }
        );
        let strict = verifier().tolerance(Duration::from_secs(10));
        assert!(strict.verify_at(&h, BODY, at(TIMESTAMP + 11)).is_err());
        // The clock is injectable.
        let clocked = verifier().clock(Arc::new(|| at(TIMESTAMP + 5)));
        clocked.verify(&h, BODY).unwrap();
    }

    #[test]
    fn a_timing_gives_the_verifier_its_clock_and_tolerance() {
        let h = vector_headers();
        let late = WebhookTiming::new().with_clock(Arc::new(|| at(TIMESTAMP + 400)));
        // The clock alone: the default tolerance still refuses 400 s.
        assert!(matches!(
            verifier().timing(&late).verify(&h, BODY).unwrap_err(),
            WebhookError::TimestampTooOld { age_secs: 400, .. }
        ));
        let lenient = late.clone().with_tolerance(Duration::from_secs(600));
        verifier().timing(&lenient).verify(&h, BODY).unwrap();
        assert_eq!(lenient.tolerance(), Some(Duration::from_secs(600)));
        assert_eq!(
            WebhookTiming::new().tolerance_or(DEFAULT_TOLERANCE),
            DEFAULT_TOLERANCE
        );
        assert_eq!(
            lenient.check(at(TIMESTAMP + 1000), Duration::from_secs(10)),
            Err(WebhookError::TimestampInFuture {
                ahead_secs: 600,
                tolerance_secs: 10
            })
        );
        let debug = format!("{lenient:?}");
        assert!(debug.contains("custom"), "{debug}");
    }

    #[test]
    fn rotation_and_multiple_signatures() {
        let old = WebhookSecret::new(SECRET).unwrap();
        let new = WebhookSecret::from_bytes(b"a brand new key, 24 bytes".to_vec()).unwrap();
        let rotated = WebhookVerifier::new(new.clone()).add_secret(old.clone());
        // Signed with the old key only.
        rotated
            .verify_at(&vector_headers(), BODY, at(TIMESTAMP))
            .unwrap();
        // Signed with the new key.
        let h = signature_headers(&new, ID, TIMESTAMP, BODY).unwrap();
        rotated.verify_at(&h, BODY, at(TIMESTAMP)).unwrap();
        // A header holding an unknown version, a bad entry and then a good one.
        let combined = format!("v2,zzz v1,AAAA {SIGNATURE}");
        verifier()
            .verify_at(
                &headers(ID, &TIMESTAMP.to_string(), &combined),
                BODY,
                at(TIMESTAMP),
            )
            .unwrap();
        // The old-key-only verifier refuses the new key.
        assert_eq!(
            WebhookVerifier::new(old)
                .verify_at(&h, BODY, at(TIMESTAMP))
                .unwrap_err(),
            WebhookError::SignatureMismatch
        );
    }

    #[test]
    fn ids_that_cannot_be_headers_are_refused() {
        let secret = WebhookSecret::from_bytes(vec![1; MIN_SECRET_LEN]).unwrap();
        for id in ["", "msg\n1", " msg", "msg_å"] {
            assert_eq!(
                signature_headers(&secret, id, TIMESTAMP, BODY).unwrap_err(),
                WebhookError::InvalidHeader(HEADER_ID),
                "{id:?}"
            );
        }
    }

    #[test]
    fn the_number_of_signatures_is_bounded() {
        let many = vec!["v1,AAAA"; MAX_SIGNATURES].join(" ");
        let h = headers(ID, &TIMESTAMP.to_string(), &format!("{many} {SIGNATURE}"));
        assert_eq!(
            verifier().verify_at(&h, BODY, at(TIMESTAMP)).unwrap_err(),
            WebhookError::TooManySignatures
        );
        let within = vec!["v1,AAAA"; MAX_SIGNATURES - 1].join(" ");
        let h = headers(ID, &TIMESTAMP.to_string(), &format!("{within} {SIGNATURE}"));
        verifier().verify_at(&h, BODY, at(TIMESTAMP)).unwrap();
    }

    #[test]
    fn signatures_split_over_several_header_lines_are_read() {
        let mut h = headers(ID, &TIMESTAMP.to_string(), "v1,AAAA");
        h.append(HEADER_SIGNATURE, SIGNATURE.parse().unwrap());
        verifier().verify_at(&h, BODY, at(TIMESTAMP)).unwrap();
    }

    #[test]
    fn non_utf8_bodies_are_verified_as_bytes() {
        let secret = WebhookSecret::from_bytes(vec![3; 24]).unwrap();
        let body = [0xff, 0xfe, 0x00, 0x80];
        let h = signature_headers(&secret, "msg_bin", TIMESTAMP, &body).unwrap();
        WebhookVerifier::new(secret)
            .verify_at(&h, &body, at(TIMESTAMP))
            .unwrap();
    }
}

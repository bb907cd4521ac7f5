//! The completion callback, made safe although LEAP does not sign it.
//!
//! LEAP posts to `signTasksCompletedCallbackUrl` without any signature or credential, so the
//! URL itself carries the proof: `{callback base}/{nonce}/{token}`, where the nonce is the
//! request's caller reference (or a random UUID) and the token is
//! `base64url(HMAC-SHA256(secret, "leap-sign callback v1\n" + nonce))`. Only LEAP (told the URL
//! at launch) and the application (holding the secret) know a valid token.
//!
//! Handling a callback then checks, in order: the token (constant time), the body's shape,
//! that "get process data" reports the project `COMPLETED`, and that this delivery was not
//! processed before. Only then is a `completed` event reported, marked verified because the
//! query confirmed it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use signing_core::webhook::WebhookError;
use signing_core::{
    EnvelopeId, Event, EventId, EventKind, ExposeSecret, NewEnvelope, RawJson, SecretString,
};

use signing_core::Result;
use signing_http::{BaseUrl, segment};

use crate::error::PROVIDER;
use crate::wire::{CallbackBody, ProcessData, ProjectId};

/// What the token's HMAC covers before the nonce: a version, so the scheme can change.
const TOKEN_CONTEXT: &[u8] = b"leap-sign callback v1\n";

/// The callback base URL and the secret tokens are derived from.
pub(crate) struct CallbackConfig {
    base_url: BaseUrl,
    secret: SecretString,
}

impl fmt::Debug for CallbackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackConfig")
            .field("base_url", &self.base_url.as_str())
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl CallbackConfig {
    /// `secret` is long enough (checked by the builder).
    pub(crate) fn new(base_url: BaseUrl, secret: SecretString) -> Self {
        Self { base_url, secret }
    }

    pub(crate) fn base_url(&self) -> &str {
        self.base_url.as_str()
    }

    /// The callback URL for an envelope sent with `request`.
    pub(crate) fn url_for(&self, request: &NewEnvelope) -> Result<String> {
        let nonce = request
            .reference()
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        self.url_for_nonce(&nonce).map_err(|_| {
            signing_core::Error::invalid_request(
                "reference",
                "`.` and `..` cannot name a LEAP callback",
            )
            .with_provider(PROVIDER)
        })
    }

    fn url_for_nonce(&self, nonce: &str) -> Result<String> {
        let token = URL_SAFE_NO_PAD.encode(self.mac(nonce).finalize().into_bytes());
        Ok(self.base_url.url(&[nonce, &token])?.into())
    }

    fn mac(&self, nonce: &str) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail whatever the secret.
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(self.secret.expose_secret().as_bytes())
                .expect("HMAC accepts any key length");
        mac.update(TOKEN_CONTEXT);
        mac.update(nonce.as_bytes());
        mac
    }

    /// Checks the `{nonce}/{token}` at the end of a callback's path and returns the nonce.
    pub(crate) fn verify_path(&self, path: &str) -> Result<String, WebhookError> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let mut segments = path.trim_end_matches('/').rsplit('/');
        let token = segments.next().unwrap_or_default();
        let nonce = segments.next().unwrap_or_default();
        if token.is_empty() || nonce.is_empty() {
            return Err(WebhookError::InvalidCallbackToken);
        }
        let nonce = segment::decode(nonce).ok_or(WebhookError::InvalidCallbackToken)?;
        let token = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| WebhookError::InvalidCallbackToken)?;
        self.mac(&nonce)
            .verify_slice(&token)
            .map_err(|_| WebhookError::InvalidCallbackToken)?;
        Ok(nonce)
    }
}

/// Reads the callback body (`{"projectId", "status"}`).
pub(crate) fn parse_body(body: &Bytes) -> Result<(CallbackBody, RawJson), WebhookError> {
    let (parsed, raw) = RawJson::decode::<CallbackBody>(body.clone()).map_err(|err| {
        WebhookError::InvalidPayload(format!("the body is not a LEAP callback: {err}"))
    })?;
    if parsed.project_id.as_str().is_empty() {
        return Err(WebhookError::InvalidPayload(
            "the body names no project".to_owned(),
        ));
    }
    Ok((parsed, raw))
}

/// The key a delivery is remembered by: the nonce proves the URL, the project says which
/// completion it announces. Keying on both means a body naming another project cannot use up
/// the nonce of the real one.
pub(crate) fn replay_key(nonce: &str, project: &ProjectId) -> String {
    // The nonce's length makes the key unambiguous whatever either part contains.
    format!("{PROVIDER}:callback:{}:{nonce}:{project}", nonce.len())
}

/// The id of the completed event of `project`: stable across redeliveries.
pub(crate) fn completed_event_id(project: &ProjectId) -> EventId {
    EventId::new(format!("{PROVIDER}:completed:{project}"))
}

/// The verified `completed` event of a project whose process data confirmed the callback.
pub(crate) fn completed_event(data: &ProcessData, body: RawJson) -> Event {
    let mut event = Event::new(
        completed_event_id(&data.project_id),
        EventKind::Completed,
        PROVIDER,
    );
    event.envelope_id = Some(EnvelopeId::new(data.project_id.as_str()));
    event.occurred_at = data.completed_at;
    event.verified = true;
    event.raw = body;
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ProjectStatus;

    fn config() -> CallbackConfig {
        CallbackConfig::new(
            BaseUrl::parse("callback_base_url", "https://app.example.com/leap/").unwrap(),
            SecretString::from("0123456789abcdef0123456789abcdef"),
        )
    }

    fn path_of(url: &str) -> &str {
        url.strip_prefix("https://app.example.com").unwrap()
    }

    #[test]
    fn urls_carry_a_token_that_verifies() {
        let config = config();
        let url = config.url_for_nonce("order-42").unwrap();
        let path = path_of(&url);
        assert!(path.starts_with("/leap/order-42/"), "{url}");
        let token = path.rsplit('/').next().unwrap();
        assert_eq!(token.len(), 43, "base64url of 32 bytes without padding");
        assert_eq!(config.verify_path(path).unwrap(), "order-42");
        // A query string or a trailing slash added on the way does not matter.
        assert_eq!(
            config.verify_path(&format!("{path}/?x=1")).unwrap(),
            "order-42"
        );
    }

    #[test]
    fn the_token_is_the_documented_hmac() {
        let config = config();
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(b"0123456789abcdef0123456789abcdef").unwrap();
        mac.update(b"leap-sign callback v1\nn-1");
        let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert!(
            config
                .url_for_nonce("n-1")
                .unwrap()
                .ends_with(&format!("/n-1/{expected}"))
        );
    }

    #[test]
    fn nonces_are_percent_encoded_and_decoded() {
        let config = config();
        let url = config.url_for_nonce("a/b c").unwrap();
        assert!(url.contains("/a%2Fb%20c/"), "{url}");
        assert_eq!(config.verify_path(path_of(&url)).unwrap(), "a/b c");
    }

    #[test]
    fn wrong_tokens_are_refused() {
        let config = config();
        let url = config.url_for_nonce("order-42").unwrap();
        let path = path_of(&url);
        let other = path_of(&config.url_for_nonce("order-43").unwrap()).to_owned();
        let other_token = other.rsplit('/').next().unwrap();
        let swapped = format!("/leap/order-42/{other_token}");
        let elsewhere = CallbackConfig::new(
            BaseUrl::parse("callback_base_url", "https://app.example.com/leap").unwrap(),
            SecretString::from("another secret, at least 16 bytes"),
        );
        for bad in [
            "",
            "/",
            "/leap/order-42",
            "/leap/order-42/",
            swapped.as_str(),
            "/leap/order-42/not*base64",
            "/leap/%zz/abc",
            &path[..path.len() - 2],
        ] {
            assert_eq!(
                config.verify_path(bad),
                Err(WebhookError::InvalidCallbackToken),
                "{bad}"
            );
        }
        assert_eq!(
            elsewhere.verify_path(path),
            Err(WebhookError::InvalidCallbackToken)
        );
    }

    #[test]
    fn bodies_need_a_project() {
        let parse_body = |body: &'static [u8]| super::parse_body(&Bytes::from_static(body));
        let (body, raw) = parse_body(br#"{"projectId":"p-1","status":"COMPLETED","x":1}"#).unwrap();
        assert_eq!(body.project_id.as_str(), "p-1");
        assert_eq!(body.status, Some(ProjectStatus::Completed));
        let (body, _) = parse_body(br#"{"projectId":"p-1","status":2}"#).unwrap();
        assert_eq!(body.status, None, "the status is only a hint");
        assert_eq!(raw.to_value().unwrap()["x"], 1);
        for bad in [
            &b"not json"[..],
            b"{}",
            br#"{"projectId":""}"#,
            b"[]",
            br#"{"projectId":7}"#,
        ] {
            assert!(
                matches!(parse_body(bad), Err(WebhookError::InvalidPayload(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn replay_keys_cannot_collide_through_separators() {
        assert_ne!(
            replay_key("a:b", &ProjectId::new("c")),
            replay_key("a", &ProjectId::new("b:c"))
        );
    }

    #[test]
    fn debug_redacts_the_secret() {
        let debug = format!("{:?}", config());
        assert!(
            debug.contains("[REDACTED]") && !debug.contains("0123456789abcdef"),
            "{debug}"
        );
    }
}

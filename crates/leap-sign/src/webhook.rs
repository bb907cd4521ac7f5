//! The completion callback, made safe although LEAP does not sign it.
//!
//! LEAP posts to `signTasksCompletedCallbackUrl` without any signature or credential, so the URL
//! itself carries the proof. `send` registers
//! `{callback base}/v2/{nonce}/{expires}/{token}` for each envelope:
//! - `v2`: the scheme's version, so it can change;
//! - `nonce`: 128 random bits, fresh for each launch;
//! - `expires`: when the URL stops being accepted, in Unix seconds (`0`: never; see
//!   [`LeapSignBuilder::with_callback_lifetime`](crate::LeapSignBuilder::with_callback_lifetime));
//! - `token`: `base64url(HMAC-SHA256(secret, "leap-sign callback v2\n" + nonce + "\n" + expires))`
//!   under the current callback secret. Earlier secrets still verify, for rotation.
//!
//! Once the launch names its project, the nonce is bound to it in the adapter's
//! [`CallbackBindings`]. Handling a callback then checks, in order: the version and the token
//! (constant time, against every secret), the expiry, the body's shape, that the body names the
//! project the URL was issued for, and that "get process data" reports that project
//! `COMPLETED`. Only then is a `completed` event reported, marked verified because the query
//! confirmed it. A URL issued for one project cannot speak for another.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use signing_core::webhook::{WebhookError, WebhookTiming};
use signing_core::{
    EnvelopeId, Event, EventId, EventKind, ExposeSecret, RawJson, Result, SecretString,
};
use signing_http::{BaseUrl, segment};
use time::OffsetDateTime;

use crate::error::PROVIDER;
use crate::wire::{CallbackBody, ProcessData, ProjectId};

/// The version segment of the callback URLs this version issues and accepts.
const VERSION: &str = "v2";

/// What the token's HMAC covers before the nonce and the expiry.
const TOKEN_CONTEXT: &[u8] = b"leap-sign callback v2\n";

/// Where each launch's nonce is remembered with the project the launch created, so that a
/// callback can speak only for the project its URL was issued for.
///
/// The default, [`InMemoryCallbackBindings`], lives in one process: a callback that reaches
/// another instance of the application, or arrives after a restart, finds no binding and is
/// refused (its completion is then learnt by reading the envelope). Applications with several
/// instances share one store across them.
#[async_trait]
pub trait CallbackBindings: Send + Sync + fmt::Debug {
    /// Remembers that the callback URL with `nonce` was issued for `project`.
    async fn bind(&self, nonce: &str, project: &ProjectId) -> Result<()>;

    /// The project the callback URL with `nonce` was issued for, if known here.
    async fn project(&self, nonce: &str) -> Result<Option<ProjectId>>;
}

/// [`CallbackBindings`] in this process's memory, the most recent 100,000 kept.
#[derive(Debug, Default)]
pub struct InMemoryCallbackBindings {
    bound: Mutex<Bindings>,
}

#[derive(Debug, Default)]
struct Bindings {
    by_nonce: HashMap<String, ProjectId>,
    order: VecDeque<String>,
}

impl InMemoryCallbackBindings {
    /// The most bindings kept; the oldest is forgotten first.
    pub const CAPACITY: usize = 100_000;

    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl CallbackBindings for InMemoryCallbackBindings {
    async fn bind(&self, nonce: &str, project: &ProjectId) -> Result<()> {
        let mut bound = self.bound.lock().unwrap_or_else(PoisonError::into_inner);
        if bound
            .by_nonce
            .insert(nonce.to_owned(), project.clone())
            .is_none()
        {
            bound.order.push_back(nonce.to_owned());
        }
        while bound.order.len() > Self::CAPACITY {
            if let Some(oldest) = bound.order.pop_front() {
                bound.by_nonce.remove(&oldest);
            }
        }
        Ok(())
    }

    async fn project(&self, nonce: &str) -> Result<Option<ProjectId>> {
        let bound = self.bound.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(bound.by_nonce.get(nonce).cloned())
    }
}

/// A callback URL issued for one launch, and its nonce.
#[derive(Clone)]
pub(crate) struct IssuedCallback {
    pub(crate) url: String,
    pub(crate) nonce: String,
}

/// The callback base URL, the secrets tokens are made and checked with, their lifetime, and
/// where nonces are bound to projects.
pub(crate) struct CallbackConfig {
    base_url: BaseUrl,
    /// The first makes tokens; all of them verify.
    secrets: Vec<SecretString>,
    lifetime: Option<Duration>,
    bindings: std::sync::Arc<dyn CallbackBindings>,
    /// The clock URLs are issued and checked by, and the leeway past their expiry.
    timing: WebhookTiming,
}

impl fmt::Debug for CallbackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackConfig")
            .field("base_url", &self.base_url.as_str())
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("lifetime", &self.lifetime)
            .field("bindings", &self.bindings)
            .field("timing", &self.timing)
            .finish()
    }
}

impl CallbackConfig {
    /// `secrets` holds at least one, each long enough (checked by the builder).
    pub(crate) fn new(
        base_url: BaseUrl,
        secrets: Vec<SecretString>,
        lifetime: Option<Duration>,
        bindings: std::sync::Arc<dyn CallbackBindings>,
        timing: WebhookTiming,
    ) -> Self {
        Self {
            base_url,
            secrets,
            lifetime,
            bindings,
            timing,
        }
    }

    /// The current time, from the configured clock.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.timing.now()
    }

    pub(crate) fn base_url(&self) -> &str {
        self.base_url.as_str()
    }

    /// A fresh callback URL for one launch, as of `now`.
    pub(crate) fn issue(&self, now: OffsetDateTime) -> Result<IssuedCallback> {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let expires = self.lifetime.map_or(0, |lifetime| {
            let lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
            now.unix_timestamp().saturating_add(lifetime).max(1)
        });
        self.url_for(&nonce, expires)
            .map(|url| IssuedCallback { url, nonce })
    }

    fn url_for(&self, nonce: &str, expires: i64) -> Result<String> {
        let expires = expires.to_string();
        let mac = mac(&self.secrets[0], nonce, &expires);
        let token = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(self
            .base_url
            .url(&[VERSION, nonce, &expires, &token])?
            .into())
    }

    /// Checks the `v2/{nonce}/{expires}/{token}` at the end of a callback's path as of `now`
    /// and returns the nonce.
    pub(crate) fn verify_path(
        &self,
        path: &str,
        now: OffsetDateTime,
    ) -> Result<String, WebhookError> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let mut segments = path.trim_end_matches('/').rsplit('/');
        let (Some(token), Some(expires), Some(nonce), Some(version)) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(WebhookError::InvalidCallbackToken);
        };
        if version != VERSION || nonce.is_empty() || token.is_empty() {
            return Err(WebhookError::InvalidCallbackToken);
        }
        let nonce = segment::decode(nonce).ok_or(WebhookError::InvalidCallbackToken)?;
        let expires_at: i64 = expires
            .parse()
            .map_err(|_| WebhookError::InvalidCallbackToken)?;
        let token = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| WebhookError::InvalidCallbackToken)?;
        // Every secret is tried, in constant time each: a rotation keeps old URLs working.
        let genuine = self
            .secrets
            .iter()
            .any(|secret| mac(secret, &nonce, expires).verify_slice(&token).is_ok());
        if !genuine {
            return Err(WebhookError::InvalidCallbackToken);
        }
        let leeway = self.timing.tolerance_or(Duration::ZERO).as_secs();
        let leeway = i64::try_from(leeway).unwrap_or(i64::MAX);
        if expires_at != 0 && now.unix_timestamp() > expires_at.saturating_add(leeway) {
            return Err(WebhookError::CallbackExpired);
        }
        Ok(nonce)
    }

    /// Binds the nonce of a launch to the project it created.
    pub(crate) async fn bind(&self, nonce: &str, project: &ProjectId) -> Result<()> {
        self.bindings.bind(nonce, project).await
    }

    /// The project the callback URL with `nonce` was issued for.
    pub(crate) async fn bound(&self, nonce: &str) -> Result<Option<ProjectId>> {
        self.bindings.project(nonce).await
    }
}

fn mac(secret: &SecretString, nonce: &str, expires: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail whatever the secret.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(TOKEN_CONTEXT);
    mac.update(nonce.as_bytes());
    mac.update(b"\n");
    mac.update(expires.as_bytes());
    mac
}

/// Reads the callback body (`{"projectId", "status"}`).
pub(crate) fn parse_body(body: &Bytes) -> Result<(CallbackBody, RawJson), WebhookError> {
    let (parsed, raw) = RawJson::decode::<CallbackBody>(body.clone()).map_err(|err| {
        WebhookError::InvalidPayload(format!("the body is not a LEAP callback: {err}"))
    })?;
    Ok((parsed, raw))
}

/// The id of the completed event of `project`: stable across redeliveries, the key by which an
/// application drops duplicates once it has handled one.
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
    use std::sync::Arc;

    use super::*;
    use crate::wire::ProjectStatus;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn config_with(secrets: &[&str], lifetime: Option<Duration>) -> CallbackConfig {
        CallbackConfig::new(
            BaseUrl::parse("callback_base_url", "https://app.example.com/leap/").unwrap(),
            secrets.iter().map(|s| SecretString::from(*s)).collect(),
            lifetime,
            Arc::new(InMemoryCallbackBindings::new()),
            WebhookTiming::new(),
        )
    }

    fn config() -> CallbackConfig {
        config_with(&[SECRET], None)
    }

    fn path_of(url: &str) -> &str {
        url.strip_prefix("https://app.example.com").unwrap()
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn urls_carry_a_versioned_token_that_verifies() {
        let config = config();
        let issued = config.issue(now()).unwrap();
        let path = path_of(&issued.url);
        let segments: Vec<&str> = path.split('/').collect();
        assert_eq!(
            segments[..5],
            ["", "leap", "v2", issued.nonce.as_str(), "0"],
            "{path}"
        );
        assert_eq!(segments.len(), 6, "{path}");
        assert_eq!(issued.nonce.len(), 32, "128 random bits in hex");
        let token = path.rsplit('/').next().unwrap();
        assert_eq!(token.len(), 43, "base64url of 32 bytes without padding");
        assert_eq!(config.verify_path(path, now()).unwrap(), issued.nonce);
        // A query string or a trailing slash added on the way does not matter.
        assert_eq!(
            config.verify_path(&format!("{path}/?x=1"), now()).unwrap(),
            issued.nonce
        );
        assert_ne!(config.issue(now()).unwrap().nonce, issued.nonce);
    }

    #[test]
    fn the_token_is_the_documented_hmac() {
        let config = config();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(b"leap-sign callback v2\nn-1\n0");
        let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        let url = config.url_for("n-1", 0).unwrap();
        let last: Vec<&str> = url.rsplit('/').take(4).collect();
        assert_eq!(last, [expected.as_str(), "0", "n-1", "v2"], "{url}");
    }

    #[test]
    fn tokens_expire_when_given_a_lifetime() {
        let config = config_with(&[SECRET], Some(Duration::from_secs(3600)));
        let issued = config.issue(now()).unwrap();
        let path = path_of(&issued.url).to_owned();
        let expiry = (now().unix_timestamp() + 3600).to_string();
        assert!(path.split('/').any(|segment| segment == expiry), "{path}");
        config.verify_path(&path, now()).unwrap();
        let later = now() + time::Duration::hours(2);
        assert_eq!(
            config.verify_path(&path, later),
            Err(WebhookError::CallbackExpired)
        );
        // The expiry is covered by the token: moving it forward breaks the token.
        let later_expiry = (later.unix_timestamp() + 3600).to_string();
        let moved = path
            .split('/')
            .map(|segment| {
                if segment == expiry {
                    later_expiry.as_str()
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        assert_ne!(moved, path);
        assert_eq!(
            config.verify_path(&moved, later),
            Err(WebhookError::InvalidCallbackToken)
        );
    }

    #[test]
    fn a_tolerance_is_a_leeway_past_the_expiry() {
        let mut config = config_with(&[SECRET], Some(Duration::from_secs(3600)));
        config.timing = WebhookTiming::new().with_tolerance(Duration::from_secs(60));
        let issued = config.issue(now()).unwrap();
        let path = path_of(&issued.url).to_owned();
        let expiry = now() + time::Duration::hours(1);
        config
            .verify_path(&path, expiry + time::Duration::seconds(60))
            .unwrap();
        assert_eq!(
            config.verify_path(&path, expiry + time::Duration::seconds(61)),
            Err(WebhookError::CallbackExpired)
        );
    }

    #[test]
    fn older_secrets_verify_during_a_rotation() {
        let old = config_with(&["an older secret, long enough"], None);
        let issued = old.issue(now()).unwrap();
        let rotated = config_with(&[SECRET, "an older secret, long enough"], None);
        assert_eq!(
            rotated.verify_path(path_of(&issued.url), now()).unwrap(),
            issued.nonce
        );
        // New URLs are made with the current secret, which the old configuration does not know.
        let fresh = rotated.issue(now()).unwrap();
        assert_eq!(
            old.verify_path(path_of(&fresh.url), now()),
            Err(WebhookError::InvalidCallbackToken)
        );
    }

    #[test]
    fn wrong_tokens_are_refused() {
        let config = config();
        let issued = config.issue(now()).unwrap();
        let path = path_of(&issued.url).to_owned();
        let other = config.issue(now()).unwrap();
        let other_token = other.url.rsplit('/').next().unwrap();
        let swapped = format!("/leap/v2/{}/0/{other_token}", issued.nonce);
        let v1 = format!("/leap/{}/{other_token}", issued.nonce);
        let elsewhere = config_with(&["another secret, at least 16 bytes"], None);
        for bad in [
            "",
            "/",
            "/leap/v2/n/0",
            &swapped,
            &v1,
            &path.replace("/v2/", "/v3/"),
            &path.replace("/0/", "/x/"),
            "/leap/v2/%zz/0/abc",
            &path[..path.len() - 2],
        ] {
            assert_eq!(
                config.verify_path(bad, now()),
                Err(WebhookError::InvalidCallbackToken),
                "{bad}"
            );
        }
        assert_eq!(
            elsewhere.verify_path(&path, now()),
            Err(WebhookError::InvalidCallbackToken)
        );
    }

    #[tokio::test]
    async fn bindings_remember_the_most_recent_launches() {
        let bindings = InMemoryCallbackBindings::new();
        bindings.bind("n-1", &ProjectId::new("p-1")).await.unwrap();
        assert_eq!(
            bindings.project("n-1").await.unwrap(),
            Some(ProjectId::new("p-1"))
        );
        assert_eq!(bindings.project("n-2").await.unwrap(), None);
        for i in 0..InMemoryCallbackBindings::CAPACITY {
            bindings
                .bind(&format!("m-{i}"), &ProjectId::new("p"))
                .await
                .unwrap();
        }
        assert_eq!(
            bindings.project("n-1").await.unwrap(),
            None,
            "the oldest is forgotten"
        );
        assert!(bindings.project("m-5").await.unwrap().is_some());
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
        let (body, _) = parse_body(br#"{"project":{"id":"p-2"}}"#).unwrap();
        assert_eq!(body.project_id.as_str(), "p-2");
        for bad in [
            &b"not json"[..],
            b"{}",
            br#"{"projectId":""}"#,
            b"[]",
            br#"{"projectId":[7]}"#,
        ] {
            assert!(
                matches!(parse_body(bad), Err(WebhookError::InvalidPayload(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn debug_redacts_the_secrets() {
        let debug = format!(
            "{:?}",
            config_with(&[SECRET, "an older secret, long enough"], None)
        );
        assert!(
            debug.contains("[2 redacted]") && !debug.contains("0123456789abcdef"),
            "{debug}"
        );
    }
}

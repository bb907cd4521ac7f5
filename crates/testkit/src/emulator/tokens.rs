//! Bearer tokens an emulator's auth host issues: opaque strings shaped like JWTs, each valid
//! for the configured lifetime, all of them revocable at once.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use serde_json::Value;
use uuid::Uuid;

/// The tokens issued so far and when each stops being valid.
#[derive(Debug)]
pub(crate) struct IssuedTokens {
    lifetime: Duration,
    issued: Mutex<HashMap<String, Instant>>,
}

impl IssuedTokens {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            issued: Mutex::new(HashMap::new()),
        }
    }

    /// How long a token is valid.
    pub(crate) fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A new token with this header and these claims. Shaped like a JWT because clients may log
    /// or size-check it, but only ever compared as an opaque string: the random "signature" part
    /// is what makes each token unique.
    pub(crate) fn issue(&self, header: &Value, claims: &Value) -> String {
        let token = format!(
            "{}.{}.{}",
            BASE64URL.encode(header.to_string()),
            BASE64URL.encode(claims.to_string()),
            BASE64URL.encode(Uuid::new_v4().as_bytes()),
        );
        let expiry = Instant::now()
            .checked_add(self.lifetime)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(100 * 365 * 86_400));
        self.lock().insert(token.clone(), expiry);
        token
    }

    /// Whether `token` was issued and has not expired.
    pub(crate) fn is_valid(&self, token: &str) -> bool {
        self.lock()
            .get(token)
            .is_some_and(|expiry| Instant::now() < *expiry)
    }

    /// Makes every token issued so far invalid.
    pub(crate) fn expire_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        // The map is only ever inserted into or cleared; a panic elsewhere cannot corrupt it.
        self.issued.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tokens_are_unique_valid_and_revocable() {
        let tokens = IssuedTokens::new(Duration::from_secs(60));
        let a = tokens.issue(&json!({"alg": "none"}), &json!({}));
        let b = tokens.issue(&json!({"alg": "none"}), &json!({}));
        assert_ne!(a, b);
        assert!(tokens.is_valid(&a) && tokens.is_valid(&b));
        assert!(!tokens.is_valid("forged"));
        tokens.expire_all();
        assert!(!tokens.is_valid(&a));
        let expired = IssuedTokens::new(Duration::ZERO);
        let c = expired.issue(&json!({}), &json!({}));
        assert!(!expired.is_valid(&c));
    }
}

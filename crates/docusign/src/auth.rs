//! The JWT grant (RFC 7523) against DocuSign's auth host, and the account it finds.
//!
//! One token is minted here: an RS256 assertion over `iss` (the integration key), `sub` (the
//! impersonated user), `aud` (the bare auth host), `iat`, `exp` (an hour later, DocuSign's
//! longest) and `scope` (`signature impersonation`), exchanged at `POST /oauth/token`. Caching,
//! single flight, refresh before expiry and renewal after a 401 are the shared layer's
//! [`TokenCache`](signing_http::TokenCache).
//!
//! The first token also learns where the account lives: `GET /oauth/userinfo` lists the user's
//! accounts with their API hosts. It runs inside the token fetch, so it shares the token's
//! single flight (however many calls start at once, one userinfo request) and its failure
//! sharing; once an account is found it is kept, and later tokens skip it.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http::Method;
use http::header::AUTHORIZATION;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use signing_core::{Error, ErrorKind, Result};
use signing_http::{BaseUrl, Body, Repeat, Request, Token, TokenSource, Transport, request_token};
use url::Url;

use crate::wire::{AccountId, UserAccount, UserInfo};

/// The grant type of the JWT grant.
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The scopes the assertion asks for: sending envelopes, for an impersonated user.
pub(crate) const SCOPE: &str = "signature impersonation";
/// How long an assertion is valid: DocuSign accepts at most an hour.
const ASSERTION_LIFETIME_SECS: u64 = 3_600;

/// The account the client works in, with the base of its REST API.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedAccount {
    pub(crate) account: UserAccount,
    /// `{base_uri}/restapi/v2.1/accounts/{accountId}/`.
    pub(crate) api: BaseUrl,
}

/// Where the account is kept once found; shared with the client.
pub(crate) type AccountSlot = Arc<OnceLock<ResolvedAccount>>;

/// The RSA private key of the integration key. `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct PrivateKey(EncodingKey);

impl PrivateKey {
    /// Reads a PEM RSA private key (PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE
    /// KEY`) and proves it can sign. The error never quotes the key.
    pub(crate) fn from_pem(pem: &[u8]) -> Result<Self> {
        let invalid = || {
            Error::invalid_request(
                "private_key",
                "is not a PEM RSA private key (PKCS#1 or PKCS#8) that can sign RS256",
            )
        };
        let key = EncodingKey::from_rsa_pem(pem).map_err(|_| invalid())?;
        // Parsing may be lazy: a signature proves the key is usable before anything is sent.
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &serde_json::json!({}), &key)
            .map_err(|_| invalid())?;
        Ok(Self(key))
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey([REDACTED])")
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    scope: &'a str,
}

/// Mints tokens with the JWT grant, and finds the account with the first one.
pub(crate) struct JwtGrant {
    /// Unauthenticated, with the auth host's error mapping.
    pub(crate) transport: Transport,
    pub(crate) token_url: Url,
    pub(crate) userinfo_url: Url,
    pub(crate) integration_key: String,
    pub(crate) user_id: String,
    /// The bare authority of the auth host: the assertion's `aud`.
    pub(crate) audience: String,
    pub(crate) key: PrivateKey,
    /// The account to use; the user's default one when `None`.
    pub(crate) account_id: Option<AccountId>,
    pub(crate) account: AccountSlot,
}

impl JwtGrant {
    /// A signed assertion valid from now for an hour.
    fn assertion(&self) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::invalid_request("clock", "this machine's clock is before 1970"))?
            .as_secs();
        let claims = Claims {
            iss: &self.integration_key,
            sub: &self.user_id,
            aud: &self.audience,
            iat: now,
            exp: now.saturating_add(ASSERTION_LIFETIME_SECS),
            scope: SCOPE,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key.0)
            .map_err(|_| Error::invalid_request("private_key", "cannot sign the JWT assertion"))
    }

    /// Reads the user's accounts with a fresh token and keeps the one to use.
    async fn resolve_account(&self, token: &Token) -> Result<()> {
        let request = Request::new(
            Method::GET,
            "userinfo request",
            self.userinfo_url.clone(),
            Repeat::Safe,
        )
        .unauthenticated()
        .header(AUTHORIZATION, token.authorization().clone());
        let answer = self.transport.send_once(&request).await?;
        let info: UserInfo = answer.json()?;
        let chosen = match &self.account_id {
            Some(id) => info.accounts.iter().find(|a| a.account_id == *id),
            None => info
                .accounts
                .iter()
                .find(|a| a.is_default == Some(true))
                .or_else(|| info.accounts.first()),
        };
        let Some(account) = chosen else {
            let message = match &self.account_id {
                Some(id) => format!(
                    "the user {} does not belong to the account {id} (userinfo lists {})",
                    self.user_id,
                    account_list(&info.accounts)
                ),
                None => format!("the user {} has no DocuSign account", self.user_id),
            };
            return Err(Error::new(ErrorKind::PermissionDenied { message }));
        };
        let api = BaseUrl::parse("base_uri", &account.base_uri)
            .and_then(|base| {
                base.below(&["restapi", "v2.1", "accounts", account.account_id.as_str()])
            })
            .map_err(|e| {
                Error::unexpected_response(format!(
                    "userinfo: the account's base_uri cannot be used: {e}"
                ))
            })?;
        // A concurrent resolution cannot happen (fetches are single flight); the first kept wins.
        let _ = self.account.set(ResolvedAccount {
            account: account.clone(),
            api,
        });
        Ok(())
    }
}

fn account_list(accounts: &[UserAccount]) -> String {
    if accounts.is_empty() {
        return "no account".to_owned();
    }
    accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl TokenSource for JwtGrant {
    fn fetch(&self) -> BoxFuture<'_, Result<Token>> {
        async move {
            let assertion = self.assertion()?;
            let form = Body::form([
                ("grant_type", JWT_BEARER),
                ("assertion", assertion.as_str()),
            ]);
            let token = request_token(&self.transport, &self.token_url, form).await?;
            if self.account.get().is_none() {
                self.resolve_account(&token).await?;
            }
            Ok(token)
        }
        .boxed()
    }
}

impl fmt::Debug for JwtGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtGrant")
            .field("token_url", &self.token_url.as_str())
            .field("integration_key", &self.integration_key)
            .field("user_id", &self.user_id)
            .field("audience", &self.audience)
            .field("key", &self.key)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

//! The HTTP settings every adapter's builder takes, and the transport built from them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use signing_core::{Error, Result, RetryPolicy};

use crate::auth::Auth;
use crate::errors::ErrorMapper;
use crate::transport::Transport;

/// How long connecting may take unless configured otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer read unless configured otherwise: API answers are small JSON documents.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Timeouts, retries, the response cap and the `reqwest` client, as an adapter's builder
/// collects them. [`transport`](Self::transport) checks them.
///
/// ```
/// use std::time::Duration;
/// use signing_http::HttpSettings;
///
/// let settings = HttpSettings::default().timeout(Duration::ZERO);
/// let err = settings.transport("example", Default::default(), std::sync::Arc::new(signing_http::DefaultErrors)).unwrap_err();
/// assert_eq!(err.to_string(), "example: invalid `timeout`: must be longer than zero");
/// ```
#[derive(Clone)]
pub struct HttpSettings {
    client: Option<reqwest::Client>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

impl Default for HttpSettings {
    /// A 30 s request timeout, a 10 s connect timeout, the default [`RetryPolicy`], an 8 MiB
    /// response cap, and a client built here.
    fn default() -> Self {
        Self {
            client: None,
            timeout: Duration::from_secs(30),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl HttpSettings {
    /// Sends through the caller's client (its proxy, TLS and pool settings; its own connect
    /// timeout and redirect policy). The request timeout is still set on every request.
    #[must_use]
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The longest one attempt may take, from connecting to the end of the answer.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest connecting may take (for the client built here).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How requests are retried.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The largest answer read whole.
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// These settings with the client built, so several transports (an API host and an auth
    /// host, say) share one connection pool.
    pub fn resolved(self, provider: &'static str) -> Result<Self> {
        if self.client.is_some() {
            return Ok(self);
        }
        let client = self.build_client(provider)?;
        Ok(self.client(client))
    }

    fn build_client(&self, provider: &'static str) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::invalid_request("http_client", "could not be built")
                    .with_provider(provider)
                    .with_source(e)
            })
    }

    /// Checks the settings and builds a transport for `provider`.
    ///
    /// The client built here follows no redirect (an API never answers with one, and following
    /// one could carry a credential or a document elsewhere) and uses the TLS stack chosen by
    /// this crate's features.
    pub fn transport(
        &self,
        provider: &'static str,
        auth: Auth,
        errors: Arc<dyn ErrorMapper>,
    ) -> Result<Transport> {
        let invalid = |field: &str, reason: &str| {
            Error::invalid_request(field, reason).with_provider(provider)
        };
        if self.timeout.is_zero() {
            return Err(invalid("timeout", "must be longer than zero"));
        }
        if self.connect_timeout.is_zero() {
            return Err(invalid("connect_timeout", "must be longer than zero"));
        }
        if self.max_response_bytes == 0 {
            return Err(invalid("max_response_bytes", "must be more than zero"));
        }
        let client = match &self.client {
            Some(client) => client.clone(),
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| invalid("http_client", "could not be built").with_source(e))?,
        };
        Ok(Transport::new(
            provider,
            client,
            auth,
            errors,
            self.retry.clone(),
            self.timeout,
            self.max_response_bytes,
        ))
    }
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("custom_client", &self.client.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

//! One API call, described once and sent as many times as its [`Repeat`] allows.

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use signing_core::Result;
use url::Url;

use crate::body::Body;
use crate::repeat::Repeat;

/// One API call: method, URL (from [`BaseUrl::url`](crate::BaseUrl::url)), body, whether it may
/// be repeated, and the operation's name for errors and logs.
///
/// ```
/// use http::Method;
/// use signing_http::{BaseUrl, Repeat, Request};
///
/// # fn main() -> signing_core::Result<()> {
/// let base = BaseUrl::parse("api_url", "https://api.example.com")?;
/// let request = Request::new(Method::GET, "list files", base.url(&["v1", "files"])?, Repeat::Safe)
///     .query([("page.limit", "50"), ("metadata[kind]", "a&b")]);
/// assert_eq!(
///     request.url().as_str(),
///     "https://api.example.com/v1/files?page.limit=50&metadata%5Bkind%5D=a%26b"
/// );
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Body,
    pub(crate) repeat: Repeat,
    pub(crate) operation: &'static str,
    pub(crate) authenticated: bool,
    pub(crate) accept: HeaderValue,
    pub(crate) headers: HeaderMap,
    pub(crate) max_response_bytes: Option<usize>,
}

impl Request {
    /// A call of `operation` with no body, authenticated, accepting JSON.
    pub fn new(method: Method, operation: &'static str, url: Url, repeat: Repeat) -> Self {
        Self {
            method,
            url,
            body: Body::Empty,
            repeat,
            operation,
            authenticated: true,
            accept: HeaderValue::from_static("application/json"),
            headers: HeaderMap::new(),
            max_response_bytes: None,
        }
    }

    /// Appends query pairs, form-urlencoded.
    #[must_use]
    pub fn query<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut pairs = pairs.into_iter().peekable();
        if pairs.peek().is_some() {
            self.url.query_pairs_mut().extend_pairs(pairs);
        }
        self
    }

    /// Sends `body`. A body that cannot be produced twice (it streams a document that can be
    /// read once only) makes the request [`Repeat::Never`].
    #[must_use]
    pub fn body(mut self, body: Body) -> Self {
        if !body.is_repeatable() {
            self.repeat = Repeat::Never;
        }
        self.body = body;
        self
    }

    /// Sends `value` as JSON.
    pub fn json(self, value: &impl Serialize) -> Result<Self> {
        Ok(self.body(Body::json(value)?))
    }

    /// Sends no credential (a token request, a public endpoint).
    #[must_use]
    pub fn unauthenticated(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// The `Accept` header (default `application/json`).
    #[must_use]
    pub fn accept(mut self, accept: &'static str) -> Self {
        self.accept = HeaderValue::from_static(accept);
        self
    }

    /// Sends `name: value` with every attempt (a credential obtained outside the transport's
    /// [`Auth`](crate::Auth), such as the bearer token a token source has just fetched). Mark a
    /// secret value [sensitive](HeaderValue::set_sensitive): `Debug` and the tracing spans then
    /// never show it. The transport's own credential, `Accept` and `Content-Type` take
    /// precedence over a header of the same name.
    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Reads at most `bytes` of the answer instead of the transport's cap.
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full URL, query included.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The operation's name, as errors and logs show it.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// How the request may be repeated.
    pub fn repeat(&self) -> Repeat {
        self.repeat
    }
}

//! The HTTP layer every adapter of the signing crates shares.
//!
//! An adapter describes each call it makes — method, path segments, body, and whether the
//! call may be repeated — and this crate does the rest, the same way for every provider:
//!
//! | concern | where |
//! |---|---|
//! | building the `reqwest` client (timeouts, no redirects, TLS features, a caller's client) | [`HttpSettings`] |
//! | which base URLs are accepted (`https`, or `http` to loopback only; no credentials) | [`BaseUrl`] |
//! | paths built from percent-encoded segments, never `.` or `..` | [`BaseUrl::url`], [`segment`] |
//! | whether a call may be repeated (safe / only if it never arrived / never) | [`Repeat`] |
//! | the retry loop on the core's `RetryPolicy`, `Retry-After` and rate-limit headers | [`Transport`] |
//! | `OutcomeUnknown` for a create whose answer was lost, unreadable or a 5xx | [`Repeat`], [`Transport`] |
//! | the read-back that settles a cancel or delete after an ambiguous attempt | [`settle`] |
//! | capped and streamed body reads | [`Answer`], [`StreamedAnswer`] |
//! | documents streamed into uploads: opened per attempt, format and size checked as they stream, hashed | [`DocumentUpload`], [`Multipart`] |
//! | a bounded page walker (page limit, repeated-page guard) | [`paging`] |
//! | an OAuth-style token cache (single flight, shared failures, checked lifetimes) | [`TokenCache`] |
//! | one exchange with an OAuth 2.0 token endpoint | [`request_token`] |
//! | status-to-error mapping with a hook for each provider's error body | [`ErrorMapper`] |
//! | reading what the documents leave open (times, numbers, booleans in any usual form) | [`lenient`] |
//! | tracing spans, with credentials marked sensitive | [`Transport`] |
//!
//! The crate is for adapter authors; applications use the adapters (or the `signing` facade)
//! and never name it.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use http::Method;
//! use signing_http::{Auth, BaseUrl, DefaultErrors, HttpSettings, Repeat, Request};
//!
//! # fn main() -> signing_core::Result<()> {
//! let transport = HttpSettings::default().transport("example", Auth::None, Arc::new(DefaultErrors))?;
//! let base = BaseUrl::parse("api_url", "https://api.example.com/v1")?;
//! // An id can never change the path's shape: it is one encoded segment.
//! let url = base.url(&["agreements", "a/../b"])?;
//! assert_eq!(url.as_str(), "https://api.example.com/v1/agreements/a%2F..%2Fb");
//! assert!(base.url(&["agreements", ".."]).is_err());
//!
//! let request = Request::new(Method::GET, "get agreement", url, Repeat::Safe);
//! # let _ = (transport, request);
//! # Ok(()) }
//! ```

mod answer;
mod auth;
mod base_url;
mod body;
mod errors;
pub mod lenient;
mod multipart;
mod oauth;
pub mod paging;
mod repeat;
mod request;
pub mod segment;
mod settings;
mod settle;
mod token;
mod transport;
mod upload;

pub use answer::{Answer, StreamedAnswer};
pub use auth::Auth;
pub use base_url::BaseUrl;
pub use body::{Body, FormSource, multipart_file_name};
pub use errors::{
    DefaultErrors, ErrorAnswer, ErrorMapper, OAuthErrorBody, OAuthErrors, clean_message,
    fallback_message,
};
pub use multipart::{Multipart, multipart_content_type_is_valid};
pub use oauth::request_token;
pub use repeat::Repeat;
pub use request::Request;
pub use settings::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, HttpSettings};
pub use settle::{Attempted, settle};
pub use token::{Token, TokenCache, TokenSource};
pub use transport::Transport;
pub use upload::{CHUNK, DocumentUpload, OpenedDocument};

/// `reqwest`, whose client and multipart types appear in this crate's API.
pub use reqwest;

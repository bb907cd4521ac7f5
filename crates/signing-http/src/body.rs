//! What a request carries, described so it can be sent again.

use std::fmt;
use std::sync::Arc;

use std::future::Future;

use bytes::Bytes;
use futures_core::future::BoxFuture;
use serde::Serialize;
use signing_core::{Error, Result};

use crate::multipart::Multipart;
use crate::upload::DocumentUpload;

/// Builds a `multipart/form-data` body anew for each attempt: a form is consumed by sending it,
/// and the documents it streams are opened again. Any `Fn() -> impl Future<Output =
/// Result<Multipart>>` is one.
pub trait FormSource: Send + Sync {
    /// A fresh form.
    fn form(&self) -> BoxFuture<'_, Result<Multipart>>;
}

impl<F, Fut> FormSource for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Multipart>> + Send + 'static,
{
    fn form(&self) -> BoxFuture<'_, Result<Multipart>> {
        Box::pin(self())
    }
}

/// A name made safe for the `filename` of a multipart part's `Content-Disposition`: control
/// characters (a line break would start a header of the sender's choosing) are dropped, and
/// quotes and backslashes percent-encoded, as browsers send them.
///
/// ```
/// use signing_http::multipart_file_name;
///
/// assert_eq!(multipart_file_name("a\r\nX-Injected: 1.pdf"), "aX-Injected: 1.pdf");
/// assert_eq!(multipart_file_name(r#"say "hi"\.pdf"#), "say %22hi%22%5C.pdf");
/// assert_eq!(multipart_file_name("contrat signé.pdf"), "contrat signé.pdf");
/// ```
pub fn multipart_file_name(name: &str) -> String {
    let mut safe = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => safe.push_str("%22"),
            '\\' => safe.push_str("%5C"),
            c if c.is_control() => {}
            c => safe.push(c),
        }
    }
    safe
}

/// A request body. Cheap to clone; `Debug` shows its kind and size, never its content (a token
/// request's form holds a client secret).
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// `application/json`.
    Json(Bytes),
    /// `application/x-www-form-urlencoded`, already encoded.
    Form(Bytes),
    /// `multipart/form-data`, built for each attempt.
    Multipart {
        /// Builds the form.
        source: Arc<dyn FormSource>,
        /// Whether the form can be built more than once: false when it streams a document that
        /// can be read once only, which makes the request never repeated.
        repeatable: bool,
    },
}

impl Body {
    /// `value` as JSON.
    pub fn json(value: &impl Serialize) -> Result<Self> {
        serde_json::to_vec(value)
            .map(|bytes| Self::Json(Bytes::from(bytes)))
            .map_err(|e| Error::invalid_request("request", format!("cannot be encoded: {e}")))
    }

    /// `pairs` form-urlencoded.
    pub fn form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        Self::Form(Bytes::from(encoded))
    }

    /// A multipart form, built by `source` for each attempt.
    pub fn multipart(source: impl FormSource + 'static) -> Self {
        Self::Multipart {
            source: Arc::new(source),
            repeatable: true,
        }
    }

    /// Says that this body streams `upload`: when its document can be read once only, the body
    /// cannot be produced twice, and a request sending it is never repeated
    /// ([`Repeat::Never`](crate::Repeat::Never)).
    #[must_use]
    pub fn streaming(mut self, upload: &DocumentUpload) -> Self {
        if let Self::Multipart { repeatable, .. } = &mut self {
            *repeatable &= upload.is_repeatable();
        }
        self
    }

    /// Whether the body can be produced again for another attempt.
    pub fn is_repeatable(&self) -> bool {
        match self {
            Self::Multipart { repeatable, .. } => *repeatable,
            Self::Empty | Self::Json(_) | Self::Form(_) => true,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Json(bytes) => write!(f, "Json({} bytes)", bytes.len()),
            Self::Form(bytes) => write!(f, "Form({} bytes)", bytes.len()),
            Self::Multipart { repeatable, .. } => {
                write!(f, "Multipart(repeatable: {repeatable})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_content() {
        let form = Body::form([("client_secret", "hunter2"), ("grant_type", "x y")]);
        let Body::Form(encoded) = &form else {
            panic!("{form:?}")
        };
        assert_eq!(&encoded[..], b"client_secret=hunter2&grant_type=x+y");
        assert_eq!(format!("{form:?}"), "Form(36 bytes)");
        let json = Body::json(&serde_json::json!({"secret": "hunter2"})).unwrap();
        assert!(!format!("{json:?}").contains("hunter2"));
    }
}

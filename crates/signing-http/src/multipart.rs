//! `multipart/form-data` bodies written as they are sent: text parts, and file parts whose
//! content streams from a document without being held in memory.
//!
//! The parts are written as RFC 7578 describes and as browsers send them. Each part's
//! `Content-Disposition` is the adapter's to choose (DocuSign's document parts are
//! `file; filename="..."; documentid=N`, not `form-data`), which is why the layer writes its own
//! bodies rather than using a client library's form type.

use std::fmt;
use std::hash::{BuildHasher, Hasher};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream;
use signing_core::DocumentFormat;

use crate::upload::{OpenedDocument, UploadError, UploadStream as PartStream};

/// One part's content.
enum Content {
    Bytes(Bytes),
    Stream {
        stream: PartStream,
        len: Option<u64>,
    },
}

impl Content {
    fn len(&self) -> Option<u64> {
        match self {
            Self::Bytes(bytes) => u64::try_from(bytes.len()).ok(),
            Self::Stream { len, .. } => *len,
        }
    }
}

/// A `multipart/form-data` body: parts in the order added, each with its headers.
///
/// ```
/// use signing_http::Multipart;
///
/// let form = Multipart::new()
///     .text("name", "NDA")
///     .part("form-data; name=\"data\"", Some("application/json"), "{}");
/// assert!(form.content_type().starts_with("multipart/form-data; boundary="));
/// assert!(form.len().is_some());
/// ```
pub struct Multipart {
    boundary: String,
    parts: Vec<(Bytes, Content)>,
}

impl Multipart {
    /// An empty form with a fresh random boundary.
    pub fn new() -> Self {
        Self {
            boundary: boundary(),
            parts: Vec::new(),
        }
    }

    /// Adds a text part: `Content-Disposition: form-data; name="{name}"`.
    #[must_use]
    pub fn text(self, name: &str, value: impl Into<String>) -> Self {
        let disposition = format!("form-data; name=\"{}\"", quoted(name));
        self.part(&disposition, None, Bytes::from(value.into()))
    }

    /// Adds a file part holding `document`, as `Content-Disposition: form-data; name="{name}";
    /// filename="{file_name}"` with the content type of the document's recognised format
    /// (`application/octet-stream` when none was recognised).
    #[must_use]
    pub fn file(self, name: &str, file_name: &str, document: OpenedDocument) -> Self {
        let content_type = document
            .format()
            .map_or("application/octet-stream", DocumentFormat::mime_type);
        self.file_as(name, file_name, content_type, document)
    }

    /// Like [`file`](Self::file), with the content type given.
    #[must_use]
    pub fn file_as(
        self,
        name: &str,
        file_name: &str,
        content_type: &str,
        document: OpenedDocument,
    ) -> Self {
        let disposition = format!(
            "form-data; name=\"{}\"; filename=\"{}\"",
            quoted(name),
            quoted(file_name)
        );
        self.document(&disposition, content_type, document)
    }

    /// Adds a part holding `document` under the given `Content-Disposition` value and content
    /// type.
    #[must_use]
    pub fn document(
        mut self,
        disposition: &str,
        content_type: &str,
        document: OpenedDocument,
    ) -> Self {
        let head = head(disposition, Some(content_type));
        let (stream, len) = document.into_parts();
        self.parts.push((head, Content::Stream { stream, len }));
        self
    }

    /// Adds a part with this `Content-Disposition` value, content type and content.
    #[must_use]
    pub fn part(
        mut self,
        disposition: &str,
        content_type: Option<&str>,
        content: impl Into<Bytes>,
    ) -> Self {
        let head = head(disposition, content_type);
        self.parts.push((head, Content::Bytes(content.into())));
        self
    }

    /// The `Content-Type` of the body, with its boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body's length, when every part's length is known.
    pub fn len(&self) -> Option<u64> {
        // `--boundary\r\n` + head + `\r\n\r\n` + content + `\r\n` per part, `--boundary--\r\n`.
        let boundary = u64::try_from(self.boundary.len()).ok()?;
        let mut total = boundary.checked_add(6)?;
        for (head, content) in &self.parts {
            let head = u64::try_from(head.len()).ok()?;
            total = total
                .checked_add(boundary)?
                .checked_add(4)?
                .checked_add(head)?
                .checked_add(4)?
                .checked_add(content.len()?)?
                .checked_add(2)?;
        }
        Some(total)
    }

    /// Whether the form has no parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The body as a stream of chunks; a document's failure ends it with that failure.
    pub(crate) fn into_stream(self) -> impl Stream<Item = Result<Bytes, UploadError>> + Send {
        let Self { boundary, parts } = self;
        let close = Bytes::from(format!("--{boundary}--\r\n"));
        let boundary = Bytes::from(format!("--{boundary}\r\n"));
        stream::iter(parts)
            .flat_map(move |(head, content)| {
                let mut opening = BytesMut::with_capacity(boundary.len() + head.len() + 4);
                opening.extend_from_slice(&boundary);
                opening.extend_from_slice(&head);
                opening.extend_from_slice(b"\r\n\r\n");
                let opening = stream::once(async move { Ok(opening.freeze()) });
                let content: PartStream = match content {
                    Content::Bytes(bytes) => Box::pin(stream::once(async move { Ok(bytes) })),
                    Content::Stream { stream, .. } => stream,
                };
                let end = stream::once(async { Ok(Bytes::from_static(b"\r\n")) });
                opening.chain(content).chain(end)
            })
            .chain(stream::once(async move { Ok(close) }))
    }

    /// The body for `reqwest`, with its length when known.
    pub(crate) fn into_body(self) -> (reqwest::Body, Option<u64>) {
        let len = self.len();
        (reqwest::Body::wrap_stream(self.into_stream()), len)
    }
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Multipart {
    // The heads show the parts' names; the contents are left out (a part may hold a secret or a
    // whole document).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Multipart")
            .field("parts", &self.parts.len())
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// Whether `value` has the shape of a MIME type, `type/subtype` of token characters with
/// optional `; parameters`, so it can be sent as a part's `Content-Type`.
///
/// ```
/// use signing_http::multipart_content_type_is_valid as valid;
///
/// assert!(valid("application/pdf"));
/// assert!(valid("text/plain; charset=utf-8"));
/// assert!(!valid("not a mime type"));
/// assert!(!valid("application/"));
/// ```
pub fn multipart_content_type_is_valid(value: &str) -> bool {
    let token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let essence = value.split(';').next().unwrap_or_default();
    matches!(essence.split_once('/'), Some((kind, sub)) if token(kind) && token(sub))
        && !value.chars().any(char::is_control)
}

/// A part's header lines.
fn head(disposition: &str, content_type: Option<&str>) -> Bytes {
    let mut head = format!("Content-Disposition: {}", no_breaks(disposition));
    if let Some(content_type) = content_type {
        head.push_str("\r\nContent-Type: ");
        head.push_str(&no_breaks(content_type));
    }
    Bytes::from(head)
}

/// `value` without control characters: a line break in a header would start a header of the
/// sender's choosing.
fn no_breaks(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// `value` made safe inside a quoted parameter: control characters dropped, quotes and
/// backslashes percent-encoded (see [`multipart_file_name`](crate::multipart_file_name)).
fn quoted(value: &str) -> String {
    crate::body::multipart_file_name(value)
}

/// A boundary that cannot be guessed from outside: the document's own bytes could otherwise
/// hold it. `RandomState` is seeded randomly per process and varies per instance.
fn boundary() -> String {
    let random = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    format!(
        "{:016x}-{:016x}-{:016x}-{:016x}",
        random(),
        random(),
        random(),
        random()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_parts_with_their_heads_and_counts_them() {
        let form = Multipart::new().text("name", "NDA \"x\"").part(
            "file; filename=\"a.pdf\"; documentid=1",
            Some("application/pdf"),
            "%PDF-1.7",
        );
        let boundary = form.boundary.clone();
        let len = form.len().unwrap();
        let chunks: Vec<Bytes> = form
            .into_stream()
            .map(|chunk| chunk.unwrap())
            .collect()
            .await;
        let body: Vec<u8> = chunks.concat();
        assert_eq!(u64::try_from(body.len()).unwrap(), len);
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nNDA \"x\"\r\n\
             --{boundary}\r\nContent-Disposition: file; filename=\"a.pdf\"; documentid=1\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--{boundary}--\r\n"
        );
        assert_eq!(String::from_utf8(body).unwrap(), expected);
        assert_ne!(boundary, Multipart::new().boundary);
    }

    #[test]
    fn heads_never_break_lines() {
        let head = head("form-data; name=\"a\r\nX: 1\"", Some("text/plain\r\nY: 2"));
        assert_eq!(
            &head[..],
            b"Content-Disposition: form-data; name=\"aX: 1\"\r\nContent-Type: text/plainY: 2"
        );
        assert_eq!(quoted("a\"b\\c\n"), "a%22b%5Cc");
    }
}

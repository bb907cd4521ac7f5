//! Documents streamed into request bodies: opened anew for each attempt, and checked while they
//! stream.
//!
//! Every adapter uploads documents through [`DocumentUpload`], so the rules are the same for
//! each provider:
//!
//! - A document is opened when an attempt builds its body, and again by a retry. A document
//!   that can be read once only makes the request never repeated ([`Body::streaming`]).
//! - Its format is recognised from its first bytes before any of them is sent, and must be one
//!   the provider accepts.
//! - Its size is checked from what is known before sending (bytes in memory, a file's length,
//!   a declared size), and counted while streaming: the upload stops at the provider's limit,
//!   and a file or a declared size that turns out longer or shorter stops it too. Each of these
//!   ends the upload with the same [`InvalidRequest`](signing_core::ErrorKind::InvalidRequest)
//!   the request's builder gives, and since the provider never received a whole request, the
//!   request is known not to have taken effect.
//! - On request, a SHA-256 of the bytes sent is computed as they stream, for a provider that
//!   reports the digest of what it received.
//!
//! Bytes in memory are handed to the client as they are, never copied; a file is read a chunk
//! at a time ([`CHUNK`]), a reader as it yields.
//!
//! [`Body::streaming`]: crate::Body::streaming

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream;
use sha2::{Digest, Sha256};
use signing_core::{
    Capabilities, Document, DocumentFormat, DocumentSource, DocumentStream, Error, Result,
};
use tokio::io::AsyncReadExt;

/// How much of a file is read at a time. A chunk is held until the connection takes it, so an
/// upload holds a few chunks in memory whatever the document's size.
pub const CHUNK: usize = 64 * 1024;

/// The SHA-256 of the bytes an attempt sent, kept for the caller to compare.
type DigestSlot = Arc<Mutex<Option<[u8; 32]>>>;

/// One document to upload, with the rules of the provider it goes to. Cheap to clone; clones
/// share the digest of the last upload.
#[derive(Clone)]
pub struct DocumentUpload {
    document: Document,
    index: usize,
    provider: &'static str,
    capabilities: Arc<Capabilities>,
    any_format: bool,
    digest: Option<DigestSlot>,
}

impl DocumentUpload {
    /// `document`, the request's `index`-th, going to `provider` whose formats and size limit
    /// are those of `capabilities`. Errors name the field `documents[{index}].content`.
    pub fn new(
        provider: &'static str,
        capabilities: &Capabilities,
        index: usize,
        document: &Document,
    ) -> Self {
        Self {
            document: document.clone(),
            index,
            provider,
            capabilities: Arc::new(capabilities.clone()),
            any_format: false,
            digest: None,
        }
    }

    /// Accepts content of any format (a file that is not sent for signing, such as an image);
    /// the size is still checked.
    #[must_use]
    pub fn any_format(mut self) -> Self {
        self.any_format = true;
        self
    }

    /// Also computes the SHA-256 of the bytes as they are sent ([`sha256`](Self::sha256)).
    #[must_use]
    pub fn with_sha256(mut self) -> Self {
        self.digest = Some(Arc::default());
        self
    }

    /// The document.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// Whether the document can be opened again, so that the request carrying it may be
    /// repeated.
    pub fn is_repeatable(&self) -> bool {
        self.document.is_repeatable()
    }

    /// The SHA-256 of the bytes the last attempt sent, once it sent all of them (with
    /// [`with_sha256`](Self::with_sha256) only).
    pub fn sha256(&self) -> Option<[u8; 32]> {
        let slot = self.digest.as_ref()?;
        *slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the whole document once, without sending it, and returns its SHA-256 (checking it
    /// as an upload would). For a document that can be read once only this would consume it:
    /// such a document is refused.
    pub async fn content_sha256(&self) -> Result<[u8; 32]> {
        if !self.is_repeatable() {
            return Err(self.invalid(format!(
                "`{}` can be read once only: it cannot be read before it is sent",
                self.document.name()
            )));
        }
        let hashing = Self {
            digest: Some(Arc::default()),
            ..self.clone()
        };
        let (mut stream, _) = hashing.open().await?.into_parts();
        while let Some(chunk) = stream.next().await {
            chunk.map_err(|failed| failed.0)?;
        }
        hashing
            .sha256()
            .ok_or_else(|| self.invalid("the document ended before it was read whole"))
    }

    /// The SHA-256 of the bytes the last attempt sent, in lowercase hex.
    pub fn sha256_hex(&self) -> Option<String> {
        self.sha256().map(|digest| hex(&digest))
    }

    fn field(&self) -> String {
        format!("documents[{}].content", self.index)
    }

    fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::invalid_request(self.field(), reason).with_provider(self.provider)
    }

    fn unreadable(&self, error: io::Error) -> Error {
        self.invalid(format!(
            "`{}` cannot be read: {error}",
            self.document.name()
        ))
        .with_source(error)
    }

    fn too_large(&self, len: u64) -> Error {
        self.capabilities
            .too_large(self.provider, self.document.name(), self.index, len)
            .with_provider(self.provider)
    }

    /// Opens the document for one attempt: reads its first bytes, checks its format and what is
    /// known of its size, and returns it ready to stream.
    pub async fn open(&self) -> Result<OpenedDocument> {
        if let Some(slot) = &self.digest {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
        let max = self.capabilities.max_document_size;
        let known = self.document.size();
        if let (Some(max), Some(len)) = (max, known)
            && len > max
        {
            return Err(self.too_large(len));
        }
        let stream: DocumentStream = match self.document.source() {
            DocumentSource::Bytes(bytes) => return self.open_bytes(bytes.clone()),
            DocumentSource::File(path) => self.open_file(path).await?,
            DocumentSource::Open(source) => source.open().await.map_err(|e| self.unreadable(e))?,
            // A source added to the core later is refused rather than sent wrongly.
            #[allow(unreachable_patterns)]
            _ => return Err(self.invalid("this kind of document cannot be sent")),
        };
        let (head, rest) = self.peek(stream).await?;
        let head_len: u64 = head.iter().map(|chunk| chunk.len() as u64).sum();
        let first = first_bytes(&head);
        let format = match self.document.source() {
            // The file's format was read from both its ends when the document was made; its
            // first bytes must still say the same.
            DocumentSource::File(_) => self
                .document
                .format()
                .filter(|format| still(*format, &first)),
            _ => DocumentFormat::sniff_parts(&first, b""),
        };
        if rest.is_none() && head_len == 0 {
            return Err(self.invalid(format!("document `{}` is empty", self.document.name())));
        }
        let format = self.accepted(format)?;
        let checked = Checked {
            chunks: stream::iter(head.into_iter().map(Ok))
                .chain(rest.unwrap_or_else(|| Box::pin(stream::empty())))
                .boxed(),
            read: 0,
            expected: known,
            upload: self.clone(),
            hasher: self.digest.as_ref().map(|_| Sha256::new()),
            done: false,
        };
        Ok(OpenedDocument {
            format,
            len: known,
            stream: Box::pin(checked),
        })
    }

    fn open_bytes(&self, bytes: Bytes) -> Result<OpenedDocument> {
        let format = self.accepted(self.document.format())?;
        if bytes.is_empty() {
            return Err(self.invalid(format!("document `{}` is empty", self.document.name())));
        }
        if let Some(slot) = &self.digest {
            // The whole content is at hand: its digest is that of what will be sent.
            *slot.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(Sha256::digest(&bytes).into());
        }
        let len = u64::try_from(bytes.len()).ok();
        Ok(OpenedDocument {
            format,
            len,
            stream: Box::pin(stream::once(async move { Ok(bytes) })),
        })
    }

    async fn open_file(&self, path: &Path) -> Result<DocumentStream> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| self.unreadable(e))?;
        let len = file.metadata().await.map_err(|e| self.unreadable(e))?.len();
        if Some(len) != self.document.size() {
            return Err(self.invalid(format!(
                "`{}` is {len} bytes now, not the {} bytes it had when the document was made",
                self.document.name(),
                self.document.size().unwrap_or_default()
            )));
        }
        Ok(Box::pin(stream::unfold(Some(file), |file| async move {
            let mut file = file?;
            let mut chunk = BytesMut::with_capacity(CHUNK);
            match file.read_buf(&mut chunk).await {
                Ok(0) => None,
                Ok(_) => Some((Ok(chunk.freeze()), Some(file))),
                Err(error) => Some((Err(error), None)),
            }
        })))
    }

    /// Reads chunks until the first [`SNIFF_LEN`](DocumentFormat::SNIFF_LEN) bytes are at hand
    /// (or the document ended: then no rest is returned).
    async fn peek(
        &self,
        mut stream: DocumentStream,
    ) -> Result<(Vec<Bytes>, Option<DocumentStream>)> {
        let mut head = Vec::new();
        let mut len = 0_usize;
        while len < DocumentFormat::SNIFF_LEN {
            match stream.next().await {
                Some(Ok(chunk)) => {
                    len = len.saturating_add(chunk.len());
                    head.push(chunk);
                }
                Some(Err(error)) => return Err(self.unreadable(error)),
                None => return Ok((head, None)),
            }
        }
        Ok((head, Some(stream)))
    }

    /// The format, when the provider accepts it; the same errors as
    /// [`Capabilities::check_request`]. Any format (or none) with
    /// [`any_format`](Self::any_format).
    fn accepted(&self, format: Option<DocumentFormat>) -> Result<Option<DocumentFormat>> {
        if self.any_format {
            return Ok(format);
        }
        match format {
            Some(format) if self.capabilities.formats.contains(&format) => Ok(Some(format)),
            Some(format) => Err(Error::unsupported(
                format!("{format} documents (`{}`)", self.document.name()),
                self.provider,
            )
            .with_provider(self.provider)),
            None => Err(self.invalid(format!(
                "`{}` is not a document {} accepts ({}), judged by its first bytes",
                self.document.name(),
                self.provider,
                self.capabilities.format_list()
            ))),
        }
    }
}

impl fmt::Debug for DocumentUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentUpload")
            .field("document", &self.document)
            .field("index", &self.index)
            .field("provider", &self.provider)
            .field("sha256", &self.digest.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether `head`, a file's first bytes now, still starts the way a document of `format` does.
fn still(format: DocumentFormat, head: &[u8]) -> bool {
    match format {
        DocumentFormat::Pdf => DocumentFormat::sniff_parts(head, b"") == Some(format),
        // The entry that makes a zip a DOCX may be named only at the end; the start must still
        // be a zip archive.
        _ => head.starts_with(b"PK\x03\x04"),
    }
}

/// The first bytes of `head`, at most `SNIFF_LEN`, in one piece (copied only when they arrived
/// in several chunks).
fn first_bytes(head: &[Bytes]) -> Cow<'_, [u8]> {
    match head {
        [] => Cow::Borrowed(&[]),
        [one] => Cow::Borrowed(&one[..one.len().min(DocumentFormat::SNIFF_LEN)]),
        many => {
            let mut joined = Vec::with_capacity(DocumentFormat::SNIFF_LEN);
            for chunk in many {
                let room = DocumentFormat::SNIFF_LEN - joined.len();
                joined.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if joined.len() == DocumentFormat::SNIFF_LEN {
                    break;
                }
            }
            Cow::Owned(joined)
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut hex, byte| {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// A document opened for one attempt: its format, its length when known, and its bytes.
pub struct OpenedDocument {
    format: Option<DocumentFormat>,
    len: Option<u64>,
    stream: UploadStream,
}

/// An opened document's bytes as they are sent.
pub(crate) type UploadStream = Pin<Box<dyn Stream<Item = Result<Bytes, UploadError>> + Send>>;

impl OpenedDocument {
    /// The format recognised from the first bytes: one the provider accepts, or, for an upload
    /// of [any format](DocumentUpload::any_format), `None` when it is none of the known ones.
    pub fn format(&self) -> Option<DocumentFormat> {
        self.format
    }

    /// The length, when known before reading it all.
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// Whether the document is known to be empty (never: an empty one is refused when opened).
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    pub(crate) fn into_parts(self) -> (UploadStream, Option<u64>) {
        (self.stream, self.len)
    }
}

impl fmt::Debug for OpenedDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedDocument")
            .field("format", &self.format)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Why a document stopped streaming: the error the caller sees. It travels through the HTTP
/// client as the body's error and is found again by the transport.
#[derive(Debug, Clone)]
pub(crate) struct UploadError(pub(crate) Error);

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for UploadError {}

/// The first [`UploadError`] among `error`'s sources.
pub(crate) fn upload_error(error: &(dyn std::error::Error + 'static)) -> Option<Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(upload) = error.downcast_ref::<UploadError>() {
            return Some(upload.0.clone());
        }
        current = error.source();
    }
    None
}

/// The document's chunks, counted against the limit and the announced length, and hashed.
struct Checked {
    chunks: DocumentStream,
    read: u64,
    expected: Option<u64>,
    upload: DocumentUpload,
    hasher: Option<Sha256>,
    done: bool,
}

impl Checked {
    fn fail(&mut self, error: Error) -> Poll<Option<Result<Bytes, UploadError>>> {
        self.done = true;
        Poll::Ready(Some(Err(UploadError(error))))
    }
}

impl Stream for Checked {
    type Item = Result<Bytes, UploadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.chunks.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Err(error))) => {
                let error = self.upload.unreadable(error);
                self.fail(error)
            }
            Poll::Ready(Some(Ok(chunk))) => {
                let len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
                let read = self.read.saturating_add(len);
                self.read = read;
                if let Some(max) = self.upload.capabilities.max_document_size
                    && read > max
                {
                    let error = self.upload.too_large(read);
                    return self.fail(error);
                }
                if let Some(expected) = self.expected
                    && read > expected
                {
                    let error = self.upload.invalid(format!(
                        "`{}` holds more than the {expected} bytes announced",
                        self.upload.document.name()
                    ));
                    return self.fail(error);
                }
                if let Some(hasher) = &mut self.hasher {
                    hasher.update(&chunk);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                if let Some(expected) = self.expected
                    && self.read != expected
                {
                    let error = self.upload.invalid(format!(
                        "`{}` ended after {} of the {expected} bytes announced",
                        self.upload.document.name(),
                        self.read
                    ));
                    return self.fail(error);
                }
                if self.read == 0 {
                    let error = self.upload.invalid(format!(
                        "document `{}` is empty",
                        self.upload.document.name()
                    ));
                    return self.fail(error);
                }
                self.done = true;
                if let (Some(hasher), Some(slot)) = (self.hasher.take(), &self.upload.digest) {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(hasher.finalize().into());
                }
                Poll::Ready(None)
            }
        }
    }
}

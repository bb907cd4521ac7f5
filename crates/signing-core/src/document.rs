//! Documents to be signed: where their bytes come from, and recognising their format from their
//! first bytes.
//!
//! A [`Document`] holds its bytes in memory, names a file, or opens a reader each time it is
//! sent. Only the first case keeps the content in memory: a file or a reader is streamed to the
//! provider when the envelope is sent, so a document of any size is sent in constant memory.
//! This crate never reads a file or a reader itself during a send (it has no runtime); the
//! adapters' HTTP layer opens them through [`Document::source`].

use std::fmt;
use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_io::AsyncRead;
use serde::{Deserialize, Serialize};

/// A file format a provider may accept for signing.
///
/// The format is always decided from the document's bytes, never from its name: a `.pdf` that
/// is really a Word file is a Word file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DocumentFormat {
    /// Portable Document Format: the bytes start with `%PDF-`.
    Pdf,
    /// Office Open XML word-processing document: a zip archive holding `word/document.xml`.
    Docx,
}

impl DocumentFormat {
    /// How many bytes at each end of a document the format is recognised from: the first
    /// `SNIFF_LEN` bytes, and where the whole document can be reached without reading it (bytes
    /// in memory, a file), the last `SNIFF_LEN` too.
    ///
    /// A PDF is known by its first five bytes. A DOCX is a zip archive whose entry
    /// `word/document.xml` is named in the entry's own header, usually within the first few
    /// kilobytes, and again in the archive's directory at its end, which is why the end is looked
    /// at when it can be.
    pub const SNIFF_LEN: usize = 64 * 1024;

    /// The MIME type of the format.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }

    /// Recognises the format of `content`, or `None` if it is none of the known formats. Only
    /// the first and the last [`SNIFF_LEN`](Self::SNIFF_LEN) bytes are looked at.
    ///
    /// ```
    /// use signing_core::DocumentFormat;
    ///
    /// assert_eq!(DocumentFormat::sniff(b"%PDF-1.7\n..."), Some(DocumentFormat::Pdf));
    /// assert_eq!(DocumentFormat::sniff(b"hello"), None);
    /// ```
    pub fn sniff(content: &[u8]) -> Option<Self> {
        let head = &content[..content.len().min(Self::SNIFF_LEN)];
        let tail = &content[content
            .len()
            .saturating_sub(Self::SNIFF_LEN)
            .max(head.len())..];
        Self::sniff_parts(head, tail)
    }

    /// Recognises the format from a document's first bytes (`head`) and, when known, its last
    /// bytes (`tail`, empty when unknown or when `head` already holds the whole document).
    ///
    /// ```
    /// use signing_core::DocumentFormat;
    ///
    /// let head = b"PK\x03\x04\x14\0\0\0\0\0[Content_Types].xml...";
    /// assert_eq!(DocumentFormat::sniff_parts(head, b""), None);
    /// assert_eq!(
    ///     DocumentFormat::sniff_parts(head, b"PK\x01\x02...word/document.xml..."),
    ///     Some(DocumentFormat::Docx)
    /// );
    /// ```
    pub fn sniff_parts(head: &[u8], tail: &[u8]) -> Option<Self> {
        const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
        // The entry name appears verbatim in the archive's local and central headers.
        const DOCX_ENTRY: &[u8] = b"word/document.xml";
        let holds_entry = |bytes: &[u8]| {
            bytes
                .windows(DOCX_ENTRY.len())
                .any(|window| window == DOCX_ENTRY)
        };
        if head.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if head.starts_with(ZIP_MAGIC) && (holds_entry(head) || holds_entry(tail)) {
            Some(Self::Docx)
        } else {
            None
        }
    }
}

impl fmt::Display for DocumentFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pdf => "PDF",
            Self::Docx => "DOCX",
        })
    }
}

/// A document's bytes as a stream of chunks, read from the start.
pub type DocumentStream = BoxStream<'static, io::Result<Bytes>>;

/// Something that can hand out a document's bytes, from the start, each time it is asked: the
/// source of [`Document::from_source`].
///
/// The closures of [`Document::from_reader`] and [`Document::from_stream`] are the usual way to
/// make one; implement this trait for a type of your own when it knows more (whether it can be
/// read twice). The stream should yield chunks of a few tens of kilobytes: a chunk is held in
/// memory until it is sent.
pub trait OpenDocument: Send + Sync {
    /// Opens the bytes from the start.
    fn open(&self) -> BoxFuture<'_, io::Result<DocumentStream>>;

    /// Whether [`open`](Self::open) may be called again after the bytes were read. A request
    /// sending a document that cannot be opened twice is never repeated (its body cannot be
    /// produced again).
    fn repeatable(&self) -> bool {
        true
    }
}

/// How big a chunk a reader is read in.
const READ_CHUNK: usize = 64 * 1024;

/// A document's bytes: in memory, a file, or a source opened when sent.
#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    File(Arc<Path>),
    Open(Arc<dyn OpenDocument>),
}

/// Where a document's bytes come from, for the code that sends them (the adapters' HTTP layer).
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum DocumentSource<'a> {
    /// The bytes, in memory.
    Bytes(&'a Bytes),
    /// A file, read when the document is sent. Its length when the document was made is
    /// [`Document::size`]; a file that is no longer that long is refused when sent.
    File(&'a Path),
    /// A source opened when the document is sent.
    Open(&'a dyn OpenDocument),
}

impl fmt::Debug for DocumentSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Open(source) => write!(f, "Open(repeatable: {})", source.repeatable()),
        }
    }
}

/// A document to be signed: a name, where its bytes come from, and their content type.
///
/// A document's bytes are in memory ([`new`](Self::new)), in a file
/// ([`from_path`](Self::from_path)), or read from a source opened anew each time the document is
/// sent ([`from_reader`](Self::from_reader), [`from_stream`](Self::from_stream),
/// [`from_source`](Self::from_source)), or once only
/// ([`from_reader_once`](Self::from_reader_once), [`from_stream_once`](Self::from_stream_once)).
/// A file or a source is streamed to the provider: sending it holds a few chunks in memory
/// whatever its size. Bytes in memory are a [`Bytes`], so cloning a document or handing it to an
/// adapter never copies the content.
///
/// # What is checked when
///
/// | check | bytes in memory | a file | a reader or stream |
/// |---|---|---|---|
/// | the format (PDF or DOCX, from the first bytes) | building the request | building the request (read when the document is made), and again when sent | when sent, from the first bytes read |
/// | not empty, the provider's size limit | building the request, sending | building the request (the file's length), and while sending | while sending, stopping at the limit; at build time too when a size was declared with [`with_size`](Self::with_size) |
/// | the bytes sent are as long as announced | — | while sending (a file that changed length is refused) | while sending, when a size was declared |
/// | the provider's accepted formats | sending, before any request | sending, before any request | when sent, before the document's bytes leave |
///
/// A check that fails while sending ends the upload early with the same
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming the document, and the
/// provider never receives a whole request.
///
/// A retried request opens the document again. A document that can be read once only makes the
/// request that carries it never repeated.
///
/// ```
/// use signing_core::{Document, DocumentFormat};
///
/// let doc = Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]);
/// assert_eq!(doc.content_type(), "application/pdf");
/// assert_eq!(doc.format(), Some(DocumentFormat::Pdf));
/// assert_eq!(doc.size(), Some(12));
/// ```
#[derive(Clone)]
pub struct Document {
    name: String,
    /// Set by the caller; otherwise the recognised format's type.
    content_type: Option<String>,
    source: Source,
    /// Recognised from the bytes when the document was made; `None` for a reader (not read yet)
    /// or content of no known format.
    format: Option<DocumentFormat>,
    /// Known: the bytes' length, a file's length when the document was made.
    size: Option<u64>,
    /// Declared by the caller ([`Document::with_size`]).
    declared: Option<u64>,
}

impl Document {
    /// A document named `name` holding `content`. The content type is recognised from the bytes
    /// (`application/octet-stream` when unknown); override it with
    /// [`with_content_type`](Self::with_content_type).
    pub fn new(name: impl Into<String>, content: impl Into<Bytes>) -> Self {
        let content = content.into();
        let format = DocumentFormat::sniff(&content);
        let size = u64::try_from(content.len()).ok();
        Self {
            name: name.into(),
            content_type: None,
            source: Source::Bytes(content),
            format,
            size,
            declared: None,
        }
    }

    /// A document whose bytes stay in the file at `path` until it is sent; its name is the file
    /// name.
    ///
    /// The file's length and its first and last [`SNIFF_LEN`](DocumentFormat::SNIFF_LEN) bytes
    /// are read now, so the request's builder can check the format and the size; the rest is
    /// read only when the document is sent, a chunk at a time. The file must stay in place until
    /// then, at the same length.
    ///
    /// This reads from the file system and blocks: call it before entering async code, or from a
    /// blocking task.
    pub fn from_path(path: impl AsRef<Path>) -> io::Result<Self> {
        use std::io::{Read, Seek, SeekFrom};

        let path = path.as_ref();
        let mut file = std::fs::File::open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{}` is not a regular file", path.display()),
            ));
        }
        let size = metadata.len();
        let window = DocumentFormat::SNIFF_LEN as u64;
        let mut head = Vec::with_capacity(
            DocumentFormat::SNIFF_LEN.min(usize::try_from(size).unwrap_or(usize::MAX)),
        );
        (&mut file).take(window).read_to_end(&mut head)?;
        let mut tail = Vec::new();
        let read = head.len() as u64;
        if size > read {
            file.seek(SeekFrom::Start(size.saturating_sub(window).max(read)))?;
            file.take(window).read_to_end(&mut tail)?;
        }
        let name = path.file_name().map_or_else(
            || "document".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self {
            name,
            content_type: None,
            source: Source::File(Arc::from(path)),
            format: DocumentFormat::sniff_parts(&head, &tail),
            size: Some(size),
            declared: None,
        })
    }

    /// A document read from a reader that `open` makes anew each time the document is sent (for
    /// example a file opened with any runtime, adapted to `futures::io::AsyncRead`).
    ///
    /// Nothing is read until the document is sent, so its format and size are checked then (see
    /// the table above); declare the size with [`with_size`](Self::with_size) when it is known.
    ///
    /// ```
    /// use signing_core::Document;
    ///
    /// let pdf: &'static [u8] = b"%PDF-1.7 ...";
    /// let doc = Document::from_reader("contract.pdf", move || async move {
    ///     Ok(futures_util::io::Cursor::new(pdf))
    /// })
    /// .with_size(12);
    /// assert_eq!(doc.size(), Some(12));
    /// assert_eq!(doc.format(), None); // read when sent
    /// ```
    pub fn from_reader<F, Fut, R>(name: impl Into<String>, open: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<R>> + Send + 'static,
        R: AsyncRead + Send + 'static,
    {
        Self::from_source(name, ReaderFn(open))
    }

    /// A document read from a stream of chunks that `open` makes anew each time the document is
    /// sent (a download from object storage, a file read by a runtime's own reader stream).
    ///
    /// Nothing is read until the document is sent, as with [`from_reader`](Self::from_reader).
    pub fn from_stream<F, Fut, S>(name: impl Into<String>, open: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<S>> + Send + 'static,
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        Self::from_source(name, StreamFn(open))
    }

    /// A document read once from `reader`. The request that sends it is never repeated, since
    /// its bytes cannot be read again: a failure after it may have reached the provider is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
    pub fn from_reader_once(
        name: impl Into<String>,
        reader: impl AsyncRead + Send + 'static,
    ) -> Self {
        Self::from_stream_once(name, read_chunks(reader))
    }

    /// A document read once from `stream`, like [`from_reader_once`](Self::from_reader_once).
    pub fn from_stream_once(
        name: impl Into<String>,
        stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
    ) -> Self {
        Self::from_source(name, Once(Mutex::new(Some(Box::pin(stream)))))
    }

    /// A document read from `source` when it is sent.
    pub fn from_source(name: impl Into<String>, source: impl OpenDocument + 'static) -> Self {
        Self {
            name: name.into(),
            content_type: None,
            source: Source::Open(Arc::new(source)),
            format: None,
            size: None,
            declared: None,
        }
    }

    /// Declares the document's size in bytes. For a reader, this lets the size limit be checked
    /// when the request is built and the upload announce its length; the bytes read when sending
    /// must then be exactly this many. For bytes in memory or a file, whose size is known, the
    /// request's builder refuses a declaration that differs.
    #[must_use]
    pub fn with_size(mut self, size: u64) -> Self {
        self.declared = Some(size);
        self
    }

    /// Sets the content type sent to the provider.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The document's name (usually its file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The content type sent to the provider: the one set, else the recognised format's,
    /// else `application/octet-stream`.
    pub fn content_type(&self) -> &str {
        match &self.content_type {
            Some(set) => set,
            None => self
                .format
                .map_or("application/octet-stream", DocumentFormat::mime_type),
        }
    }

    /// The document's bytes, when they are held in memory (`None` for a file or a reader).
    pub fn content(&self) -> Option<&Bytes> {
        match &self.source {
            Source::Bytes(bytes) => Some(bytes),
            Source::File(_) | Source::Open(_) => None,
        }
    }

    /// Where the document's bytes come from, for the code that sends them.
    pub fn source(&self) -> DocumentSource<'_> {
        match &self.source {
            Source::Bytes(bytes) => DocumentSource::Bytes(bytes),
            Source::File(path) => DocumentSource::File(path),
            Source::Open(source) => DocumentSource::Open(source.as_ref()),
        }
    }

    /// The size of the document in bytes: known for bytes in memory and a file, declared for a
    /// reader ([`with_size`](Self::with_size)), else `None`.
    pub fn size(&self) -> Option<u64> {
        self.size.or(self.declared)
    }

    /// The format recognised from the first bytes. `None` when they are none of the known
    /// formats, and for a reader, which is read only when the document is sent (and checked
    /// then).
    pub fn format(&self) -> Option<DocumentFormat> {
        self.format
    }

    /// Whether the bytes can be read again, so that a request carrying them may be repeated
    /// (false only for the `_once` constructors).
    pub fn is_repeatable(&self) -> bool {
        match &self.source {
            Source::Bytes(_) | Source::File(_) => true,
            Source::Open(source) => source.repeatable(),
        }
    }

    /// Whether the content is read only when the document is sent, so that its format is checked
    /// then rather than when the request is built.
    pub(crate) fn is_read_when_sent(&self) -> bool {
        matches!(self.source, Source::Open(_))
    }

    pub(crate) fn declared_size(&self) -> Option<u64> {
        self.declared
    }

    pub(crate) fn known_size(&self) -> Option<u64> {
        self.size
    }

    /// Whether a declared size contradicts the known one (see [`with_size`](Self::with_size)).
    pub(crate) fn size_contradicts_content(&self) -> bool {
        matches!((self.size, self.declared), (Some(known), Some(declared)) if known != declared)
    }
}

impl PartialEq for Document {
    /// Equal documents have the same name, content type and source: the same bytes, the same
    /// file, or the very same reader.
    fn eq(&self, other: &Self) -> bool {
        let same_source = match (&self.source, &other.source) {
            (Source::Bytes(a), Source::Bytes(b)) => a == b,
            (Source::File(a), Source::File(b)) => a == b,
            (Source::Open(a), Source::Open(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same_source
            && self.name == other.name
            && self.content_type() == other.content_type()
            && self.size() == other.size()
    }
}

impl Eq for Document {}

/// The serialized form: a document held in memory, as `{name, content_type, content}`.
#[derive(Serialize, Deserialize)]
struct InMemory<'a> {
    name: std::borrow::Cow<'a, str>,
    content_type: std::borrow::Cow<'a, str>,
    content: Bytes,
}

impl Serialize for Document {
    /// A document in memory serializes as its name, content type and bytes. A file or a reader
    /// cannot be serialized: that is an error, not a silent empty document.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Source::Bytes(content) = &self.source else {
            return Err(serde::ser::Error::custom(
                "a document read from a file or a reader cannot be serialized",
            ));
        };
        InMemory {
            name: self.name.as_str().into(),
            content_type: self.content_type().into(),
            content: content.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let InMemory {
            name,
            content_type,
            content,
        } = InMemory::deserialize(deserializer)?;
        let document = Self::new(name.into_owned(), content);
        Ok(if document.content_type() == content_type {
            document
        } else {
            document.with_content_type(content_type.into_owned())
        })
    }
}

impl fmt::Debug for Document {
    // The bytes are omitted: a 10 MB document in a log line helps nobody.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("name", &self.name)
            .field("content_type", &self.content_type())
            .field("source", &self.source())
            .field("format", &self.format)
            .field("size", &self.size)
            .field("declared_size", &self.declared)
            .finish()
    }
}

/// `Document::from_reader`'s source.
struct ReaderFn<F>(F);

impl<F, Fut, R> OpenDocument for ReaderFn<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = io::Result<R>> + Send + 'static,
    R: AsyncRead + Send + 'static,
{
    fn open(&self) -> BoxFuture<'_, io::Result<DocumentStream>> {
        let opening = (self.0)();
        Box::pin(async move { Ok(Box::pin(read_chunks(opening.await?)) as DocumentStream) })
    }
}

/// `Document::from_stream`'s source.
struct StreamFn<F>(F);

impl<F, Fut, S> OpenDocument for StreamFn<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = io::Result<S>> + Send + 'static,
    S: Stream<Item = io::Result<Bytes>> + Send + 'static,
{
    fn open(&self) -> BoxFuture<'_, io::Result<DocumentStream>> {
        let opening = (self.0)();
        Box::pin(async move { Ok(Box::pin(opening.await?) as DocumentStream) })
    }
}

/// A stream that can be handed out once.
struct Once(Mutex<Option<DocumentStream>>);

impl OpenDocument for Once {
    fn open(&self) -> BoxFuture<'_, io::Result<DocumentStream>> {
        let taken = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        Box::pin(async move {
            taken.ok_or_else(|| {
                io::Error::other("the document could be read once only, and was read already")
            })
        })
    }

    fn repeatable(&self) -> bool {
        false
    }
}

/// Writes `bytes` to `writer` and flushes it; a failure is an
/// [`InvalidRequest`](crate::ErrorKind::InvalidRequest) about the writer.
pub(crate) async fn write_all(
    writer: &mut crate::provider::DocumentWriter,
    mut bytes: &[u8],
) -> crate::Result<()> {
    let failed = |e: io::Error| {
        crate::Error::invalid_request("writer", format!("cannot be written to: {e}")).with_source(e)
    };
    while !bytes.is_empty() {
        let written =
            futures_util::future::poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, bytes))
                .await
                .map_err(failed)?;
        if written == 0 {
            return Err(failed(io::ErrorKind::WriteZero.into()));
        }
        bytes = &bytes[written..];
    }
    futures_util::future::poll_fn(|cx| Pin::new(&mut *writer).poll_flush(cx))
        .await
        .map_err(failed)
}

/// A reader read a chunk at a time.
fn read_chunks(reader: impl AsyncRead + Send + 'static) -> DocumentStream {
    let reader: Pin<Box<dyn AsyncRead + Send>> = Box::pin(reader);
    Box::pin(futures_util::stream::unfold(
        Some(reader),
        |reader| async move {
            let mut reader = reader?;
            let mut buffer = BytesMut::zeroed(READ_CHUNK);
            let read =
                futures_util::future::poll_fn(|cx| reader.as_mut().poll_read(cx, &mut buffer))
                    .await;
            match read {
                Ok(0) => None,
                Ok(n) => {
                    buffer.truncate(n);
                    Some((Ok(buffer.freeze()), Some(reader)))
                }
                // An error ends the stream: the reader's state after it is unknown.
                Err(error) => Some((Err(error), None)),
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats_by_content() {
        assert_eq!(
            DocumentFormat::sniff(b"%PDF-1.4"),
            Some(DocumentFormat::Pdf)
        );
        let docx = b"PK\x03\x04\x14\0\0\0\0\0word/document.xml<w:document/>";
        assert_eq!(DocumentFormat::sniff(docx), Some(DocumentFormat::Docx));
        // A zip that is not a Word document.
        assert_eq!(DocumentFormat::sniff(b"PK\x03\x04 other.txt"), None);
        assert_eq!(DocumentFormat::sniff(b""), None);
        assert_eq!(DocumentFormat::sniff(b"%PD"), None);
        // The name does not matter.
        let doc = Document::new("looks.pdf", &b"plain text"[..]);
        assert_eq!(doc.format(), None);
        assert_eq!(doc.content_type(), "application/octet-stream");
    }

    #[test]
    fn a_large_docx_is_known_by_its_directory() {
        let mut docx = b"PK\x03\x04".to_vec();
        docx.resize(3 * DocumentFormat::SNIFF_LEN, 0);
        assert_eq!(DocumentFormat::sniff(&docx), None);
        docx.extend_from_slice(b"PK\x01\x02 word/document.xml");
        assert_eq!(DocumentFormat::sniff(&docx), Some(DocumentFormat::Docx));
    }

    #[test]
    fn debug_omits_content() {
        let doc = Document::new("a.pdf", vec![b'%'; 64]);
        let debug = format!("{doc:?}");
        assert!(
            debug.contains("size: Some(64)") && debug.contains("Bytes(64 bytes)"),
            "{debug}"
        );
        assert!(!debug.contains("37, 37"), "{debug}");
    }

    #[test]
    fn reads_only_the_ends_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contract.pdf");
        std::fs::write(&path, b"%PDF-1.7 test").unwrap();
        let doc = Document::from_path(&path).unwrap();
        assert_eq!(doc.name(), "contract.pdf");
        assert_eq!(doc.format(), Some(DocumentFormat::Pdf));
        assert_eq!(doc.size(), Some(13));
        assert!(doc.content().is_none());
        assert!(matches!(doc.source(), DocumentSource::File(p) if p == path));

        // A DOCX whose entry is named only in its directory, at the end.
        let big = dir.path().join("big.docx");
        let mut docx = b"PK\x03\x04".to_vec();
        docx.resize(5 * DocumentFormat::SNIFF_LEN, b'x');
        docx.extend_from_slice(b"word/document.xml");
        std::fs::write(&big, &docx).unwrap();
        assert_eq!(
            Document::from_path(&big).unwrap().format(),
            Some(DocumentFormat::Docx)
        );

        assert!(Document::from_path(dir.path().join("missing.pdf")).is_err());
        assert!(
            Document::from_path(dir.path()).is_err(),
            "a directory is refused"
        );
    }

    #[tokio::test]
    async fn readers_are_opened_anew_and_once_only_ones_once() {
        use futures_util::TryStreamExt;
        let doc = Document::from_reader("a.pdf", || async {
            Ok(futures_util::io::Cursor::new(vec![7_u8; READ_CHUNK + 10]))
        });
        assert!(doc.is_repeatable());
        assert!(doc.content().is_none() && doc.size().is_none() && doc.format().is_none());
        let DocumentSource::Open(source) = doc.source() else {
            panic!("{doc:?}")
        };
        for _ in 0..2 {
            let chunks: Vec<Bytes> = source.open().await.unwrap().try_collect().await.unwrap();
            let lens: Vec<usize> = chunks.iter().map(Bytes::len).collect();
            assert_eq!(lens, [READ_CHUNK, 10]);
        }

        let once = Document::from_reader_once("b.pdf", futures_util::io::Cursor::new(b"%PDF-"));
        assert!(!once.is_repeatable());
        let DocumentSource::Open(source) = once.source() else {
            panic!()
        };
        assert!(source.open().await.is_ok());
        assert!(source.open().await.is_err());
        let declared = Document::new("c.pdf", &b"%PDF-"[..]).with_size(6);
        assert!(declared.size_contradicts_content());
        assert!(
            !Document::new("c.pdf", &b"%PDF-"[..])
                .with_size(5)
                .size_contradicts_content()
        );
    }
}

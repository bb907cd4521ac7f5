//! Documents to be signed, and recognising their format from their bytes.

use std::fmt;
use std::path::Path;

use bytes::Bytes;
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
    /// The MIME type of the format.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }

    /// Recognises the format of `content`, or `None` if it is none of the known formats.
    ///
    /// ```
    /// use signing_core::DocumentFormat;
    ///
    /// assert_eq!(DocumentFormat::sniff(b"%PDF-1.7\n..."), Some(DocumentFormat::Pdf));
    /// assert_eq!(DocumentFormat::sniff(b"hello"), None);
    /// ```
    pub fn sniff(content: &[u8]) -> Option<Self> {
        const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
        // The entry name appears verbatim in the archive's local and central headers.
        const DOCX_ENTRY: &[u8] = b"word/document.xml";
        if content.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if content.starts_with(ZIP_MAGIC)
            && content
                .windows(DOCX_ENTRY.len())
                .any(|window| window == DOCX_ENTRY)
        {
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

/// A document to be signed: a name, its bytes and their content type.
///
/// The bytes are a [`Bytes`], so cloning a document or handing it to an adapter never copies
/// the content.
///
/// ```
/// use signing_core::{Document, DocumentFormat};
///
/// let doc = Document::new("nda.pdf", &b"%PDF-1.7 ..."[..]);
/// assert_eq!(doc.content_type(), "application/pdf");
/// assert_eq!(doc.format(), Some(DocumentFormat::Pdf));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    name: String,
    content_type: String,
    content: Bytes,
}

impl Document {
    /// A document named `name` holding `content`. The content type is recognised from the bytes
    /// (`application/octet-stream` when unknown); override it with
    /// [`with_content_type`](Self::with_content_type).
    pub fn new(name: impl Into<String>, content: impl Into<Bytes>) -> Self {
        let content = content.into();
        let content_type = DocumentFormat::sniff(&content)
            .map_or("application/octet-stream", DocumentFormat::mime_type)
            .to_owned();
        Self {
            name: name.into(),
            content_type,
            content,
        }
    }

    /// Reads a document from a file; its name is the file name.
    ///
    /// This is a blocking read: call it before entering async code, or from a blocking task.
    pub fn from_path(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let content = std::fs::read(path)?;
        let name = path.file_name().map_or_else(
            || "document".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self::new(name, content))
    }

    /// Sets the content type sent to the provider.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// The document's name (usually its file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The content type sent to the provider.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The document's bytes.
    pub fn content(&self) -> &Bytes {
        &self.content
    }

    /// The size of the document in bytes.
    pub fn len(&self) -> usize {
        self.content.len()
    }

    /// Whether the document has no bytes.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }

    /// The format recognised from the bytes.
    pub fn format(&self) -> Option<DocumentFormat> {
        DocumentFormat::sniff(&self.content)
    }
}

impl fmt::Debug for Document {
    // The bytes are omitted: a 10 MB document in a log line helps nobody.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("len", &self.content.len())
            .finish()
    }
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
    fn debug_omits_content() {
        let doc = Document::new("a.pdf", vec![b'%'; 64]);
        let debug = format!("{doc:?}");
        assert!(debug.contains("len: 64"), "{debug}");
        assert!(!debug.contains("37, 37"), "{debug}");
    }

    #[test]
    fn reads_files() {
        let dir = std::env::temp_dir().join(format!("signing-core-doc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("contract.pdf");
        std::fs::write(&path, b"%PDF-1.7 test").unwrap();
        let doc = Document::from_path(&path).unwrap();
        assert_eq!(doc.name(), "contract.pdf");
        assert_eq!(doc.format(), Some(DocumentFormat::Pdf));
        assert!(Document::from_path(dir.join("missing.pdf")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Recognising the uploaded document's format.
//!
//! The Sign API accepts PDF and DOCX only. The emulator decides by content, not by file name,
//! so an adapter that labels a file wrongly is caught.

/// Content type of a PDF document.
pub(crate) const PDF_CONTENT_TYPE: &str = "application/pdf";
/// Content type of a DOCX document.
pub(crate) const DOCX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The formats the Sign API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentFormat {
    /// A PDF file (starts with `%PDF-`).
    Pdf,
    /// An Office Open XML word-processing file (a zip holding `word/document.xml`).
    Docx,
}

/// Recognises a document's format from its bytes as they arrive, keeping only a few of them.
#[derive(Debug, Default)]
pub(crate) struct Detector {
    size: usize,
    start: Vec<u8>,
    /// The last bytes seen, so an entry name split across two chunks is still found.
    carry: Vec<u8>,
    holds_entry: bool,
}

impl Detector {
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        const ENTRY: &[u8] = b"word/document.xml";
        self.size = self.size.saturating_add(chunk.len());
        let room = 5_usize.saturating_sub(self.start.len());
        self.start
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
        // Only a zip archive can be a DOCX: the bytes of anything else are not searched.
        let may_be_zip = self.start.len() < 2 || self.start.starts_with(b"PK");
        if !self.holds_entry && may_be_zip {
            const KEEP: usize = ENTRY.len() - 1;
            // The end of what came before with the start of this chunk, then the chunk itself.
            let mut joint = self.carry.clone();
            joint.extend_from_slice(&chunk[..chunk.len().min(KEEP)]);
            self.holds_entry = contains(&joint, ENTRY) || contains(chunk, ENTRY);
            self.carry
                .extend_from_slice(&chunk[chunk.len().saturating_sub(KEEP)..]);
            let excess = self.carry.len().saturating_sub(KEEP);
            self.carry.drain(..excess);
        }
    }

    /// How many bytes were fed.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// The format of what was fed, or `None` for anything unsupported.
    pub(crate) fn format(&self) -> Option<DocumentFormat> {
        if self.start.starts_with(b"%PDF-") {
            Some(DocumentFormat::Pdf)
        } else if self.start.starts_with(b"PK\x03\x04") && self.holds_entry {
            Some(DocumentFormat::Docx)
        } else {
            None
        }
    }
}

impl DocumentFormat {
    /// Recognises the format from the file's bytes, or `None` for anything unsupported.
    #[cfg(test)]
    pub(crate) fn detect(content: &[u8]) -> Option<Self> {
        if content.starts_with(b"%PDF-") {
            return Some(Self::Pdf);
        }
        // A zip archive alone could be any Office file; only the main part of a word-processing
        // document makes it a DOCX. Entry names are stored uncompressed, so a byte search suffices.
        if content.starts_with(b"PK\x03\x04") && contains(content, b"word/document.xml") {
            return Some(Self::Docx);
        }
        None
    }

    /// The content type that belongs to the format.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => PDF_CONTENT_TYPE,
            Self::Docx => DOCX_CONTENT_TYPE,
        }
    }

    /// Short human name used in error messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Docx => "DOCX",
        }
    }
}

/// Checks the detected format against the content type the client declared for the part.
///
/// A missing content type is accepted; parameters such as `; charset=...` are ignored.
pub(crate) fn declared_type_matches(format: DocumentFormat, declared: Option<&str>) -> bool {
    match declared {
        None => true,
        Some(declared) => {
            let essence = declared.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case(format.content_type())
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_name_split_across_chunks_is_found() {
        let docx = b"PK\x03\x04 some bytes word/document.xml more";
        for split in 0..docx.len() {
            for second in split..docx.len() {
                let mut detector = Detector::default();
                detector.feed(&docx[..split]);
                detector.feed(&docx[split..second]);
                detector.feed(&docx[second..]);
                assert_eq!(
                    detector.format(),
                    Some(DocumentFormat::Docx),
                    "{split} {second}"
                );
                assert_eq!(detector.size(), docx.len());
            }
        }
    }

    #[test]
    fn detects_pdf_and_docx_by_content() {
        assert_eq!(
            DocumentFormat::detect(b"%PDF-1.7\n"),
            Some(DocumentFormat::Pdf)
        );
        let docx = b"PK\x03\x04\x14\x00\x00\x00word/document.xml<w:document/>";
        assert_eq!(DocumentFormat::detect(docx), Some(DocumentFormat::Docx));
    }

    #[test]
    fn rejects_other_content() {
        assert_eq!(DocumentFormat::detect(b""), None);
        assert_eq!(DocumentFormat::detect(b"hello"), None);
        assert_eq!(DocumentFormat::detect(b"PK\x03\x04xl/workbook.xml"), None);
        assert_eq!(DocumentFormat::detect(b"word/document.xml"), None);
    }

    #[test]
    fn declared_type_must_match_the_content() {
        assert!(declared_type_matches(DocumentFormat::Pdf, None));
        assert!(declared_type_matches(
            DocumentFormat::Pdf,
            Some("application/pdf")
        ));
        assert!(declared_type_matches(
            DocumentFormat::Pdf,
            Some("Application/PDF; x=y")
        ));
        assert!(!declared_type_matches(
            DocumentFormat::Pdf,
            Some("application/octet-stream")
        ));
        assert!(!declared_type_matches(
            DocumentFormat::Docx,
            Some("application/pdf")
        ));
        assert!(declared_type_matches(
            DocumentFormat::Docx,
            Some(DOCX_CONTENT_TYPE)
        ));
    }
}

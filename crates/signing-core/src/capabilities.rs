//! What a provider can do, declared up front and checked before any request is made.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::document::DocumentFormat;
use crate::error::{Error, Result};
use crate::request::{NewEnvelope, SigningOrder};

/// The operations of [`SigningProvider`](crate::SigningProvider) a provider may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Cancel a sent envelope.
    Cancel,
    /// Delete an envelope.
    Delete,
    /// List envelopes.
    List,
    /// Download the signed document.
    Download,
    /// Parse incoming webhooks or callbacks.
    ParseWebhook,
}

impl Operation {
    /// A readable name of the operation, used in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::Delete => "delete",
            Self::List => "list",
            Self::Download => "download of the signed document",
            Self::ParseWebhook => "webhooks or callbacks",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a provider supports. Every adapter declares one honestly, from its provider's documents.
///
/// It starts with nothing supported ([`Capabilities::default`]); an adapter switches on what
/// it has:
///
/// ```
/// use signing_core::{Capabilities, DocumentFormat};
///
/// let mut caps = Capabilities::default();
/// caps.parallel_signing = true;
/// caps.formats = vec![DocumentFormat::Pdf];
/// caps.max_document_size = Some(10 * 1024 * 1024);
/// assert!(!caps.cancel);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(clippy::struct_excessive_bools)] // One flag per capability is the point.
pub struct Capabilities {
    /// Signers can sign at the same time, in any order.
    pub parallel_signing: bool,
    /// Signers can sign one after another, in the order given.
    pub sequential_signing: bool,
    /// Recipients can receive the signed result without signing.
    pub cc_recipients: bool,
    /// A completion callback URL can be given per envelope.
    pub callback_url: bool,
    /// Incoming webhooks carry a verifiable signature.
    pub verified_webhooks: bool,
    /// A sent envelope can be cancelled.
    pub cancel: bool,
    /// An envelope can be deleted.
    pub delete: bool,
    /// Envelopes can be listed and filtered by metadata.
    pub list: bool,
    /// The signed document can be downloaded.
    pub download: bool,
    /// Application metadata can be stored on an envelope.
    pub metadata: bool,
    /// An envelope can hold more than one document.
    pub multiple_documents: bool,
    /// A send with a caller reference is deduplicated: repeating it returns the first envelope.
    pub idempotent_send: bool,
    /// Signers can be tied to a national identity number.
    pub national_id: bool,
    /// The document formats accepted.
    pub formats: Vec<DocumentFormat>,
    /// The largest accepted document, in bytes.
    pub max_document_size: Option<u64>,
    /// The shortest pause the provider allows between two reads of the same envelope, when it
    /// sets one (DocuSign: 15 minutes). [`watch`](crate::SigningProviderExt::watch) never polls
    /// faster, whatever interval it is given.
    pub min_poll_interval: Option<Duration>,
}

impl Capabilities {
    /// Everything supported: PDF and DOCX of any size.
    pub fn all() -> Self {
        Self {
            parallel_signing: true,
            sequential_signing: true,
            cc_recipients: true,
            callback_url: true,
            verified_webhooks: true,
            cancel: true,
            delete: true,
            list: true,
            download: true,
            metadata: true,
            multiple_documents: true,
            idempotent_send: true,
            national_id: true,
            formats: vec![DocumentFormat::Pdf, DocumentFormat::Docx],
            max_document_size: None,
            min_poll_interval: None,
        }
    }

    /// Whether the provider supports `operation`.
    pub fn supports(&self, operation: Operation) -> bool {
        match operation {
            Operation::Cancel => self.cancel,
            Operation::Delete => self.delete,
            Operation::List => self.list,
            Operation::Download => self.download,
            Operation::ParseWebhook => self.verified_webhooks || self.callback_url,
        }
    }

    /// Refuses `operation` with [`ErrorKind::Unsupported`] unless it is supported.
    ///
    /// [`ErrorKind::Unsupported`]: crate::ErrorKind::Unsupported
    pub fn check_operation(&self, provider: &'static str, operation: Operation) -> Result<()> {
        if self.supports(operation) {
            Ok(())
        } else {
            Err(Error::unsupported(operation.as_str(), provider))
        }
    }

    /// Checks `request` against these capabilities; every adapter calls this in
    /// [`send`](crate::SigningProvider::send) before it makes any request. The rules that hold
    /// for every provider were already checked when the request was built
    /// ([`NewEnvelopeBuilder::build`](crate::NewEnvelopeBuilder::build)).
    ///
    /// An option the provider lacks gives [`ErrorKind::Unsupported`]; a document it cannot take
    /// (too large, unrecognised format) gives [`ErrorKind::InvalidRequest`] naming the document.
    ///
    /// ```
    /// use signing_core::{Capabilities, Document, ErrorKind, NewEnvelope, Signer, SigningOrder};
    ///
    /// let mut caps = Capabilities::all();
    /// caps.sequential_signing = false;
    /// let request = NewEnvelope::builder()
    ///     .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
    ///     .signer(Signer::new("Ada", "ada@example.com"))
    ///     .order(SigningOrder::Sequential)
    ///     .build()?;
    /// let err = caps.check_request("example", &request).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::Unsupported { .. }));
    /// # Ok::<(), signing_core::Error>(())
    /// ```
    ///
    /// [`ErrorKind::Unsupported`]: crate::ErrorKind::Unsupported
    /// [`ErrorKind::InvalidRequest`]: crate::ErrorKind::InvalidRequest
    pub fn check_request(&self, provider: &'static str, request: &NewEnvelope) -> Result<()> {
        let unsupported = |what: &'static str| Err(Error::unsupported(what, provider));
        match request.order() {
            SigningOrder::Sequential if !self.sequential_signing => {
                return unsupported("sequential signing");
            }
            SigningOrder::Parallel if !self.parallel_signing => {
                return unsupported("parallel signing");
            }
            _ => {}
        }
        if !request.cc().is_empty() && !self.cc_recipients {
            return unsupported("cc recipients");
        }
        if request.callback_url().is_some() && !self.callback_url {
            return unsupported("a per-envelope callback URL");
        }
        if !request.metadata().is_empty() && !self.metadata {
            return unsupported("metadata");
        }
        if request.documents().len() > 1 && !self.multiple_documents {
            return unsupported("more than one document per envelope");
        }
        if !self.national_id
            && request
                .signers()
                .iter()
                .any(|s| s.national_id_number().is_some())
        {
            return unsupported("signers identified by national id");
        }
        for (i, document) in request.documents().iter().enumerate() {
            let field = || format!("documents[{i}].content");
            match document.format() {
                Some(format) if self.formats.contains(&format) => {}
                Some(format) => {
                    return Err(Error::unsupported(
                        format!("{format} documents (`{}`)", document.name()),
                        provider,
                    ));
                }
                // A reader is read only when sent: the adapter checks its first bytes then,
                // before they leave (see `Document`).
                None if document.is_read_when_sent() => {}
                None => {
                    return Err(Error::invalid_request(
                        field(),
                        format!(
                            "`{}` is not a document {provider} accepts ({})",
                            document.name(),
                            self.format_list()
                        ),
                    ));
                }
            }
            if let (Some(max), Some(len)) = (self.max_document_size, document.size())
                && len > max
            {
                return Err(self.too_large(provider, document.name(), i, len));
            }
        }
        Ok(())
    }

    /// The error of a document over [`max_document_size`](Self::max_document_size): `len`
    /// bytes, or at least `len` when it was found while streaming. Adapters that stop a stream at
    /// the limit report it with this same error.
    pub fn too_large(&self, provider: &str, name: &str, index: usize, len: u64) -> Error {
        let max = self.max_document_size.unwrap_or(u64::MAX);
        Error::invalid_request(
            format!("documents[{index}].content"),
            format!("`{name}` is {len} bytes; {provider} accepts at most {max} bytes"),
        )
    }

    /// The formats accepted, for an error message: "PDF or DOCX".
    pub fn format_list(&self) -> String {
        let names: Vec<String> = self.formats.iter().map(ToString::to_string).collect();
        if names.is_empty() {
            "no formats".to_owned()
        } else {
            names.join(" or ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, ErrorKind, NationalId, Signer};

    const DOCX: &[u8] = b"PK\x03\x04....word/document.xml....";

    fn request() -> crate::NewEnvelopeBuilder {
        NewEnvelope::builder()
            .document(Document::new("a.pdf", &b"%PDF-1.7 body"[..]))
            .signer(Signer::new("Ada", "ada@example.com"))
    }

    #[track_caller]
    fn unsupported(caps: &Capabilities, builder: crate::NewEnvelopeBuilder, what: &str) {
        let err = caps
            .check_request("test", &builder.build().unwrap())
            .expect_err("should be unsupported");
        match err.kind() {
            ErrorKind::Unsupported {
                operation,
                provider,
            } => {
                assert!(operation.contains(what), "{operation}");
                assert_eq!(provider, "test");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn all_accepts_everything() {
        let req = request()
            .document(Document::new("b.docx", DOCX))
            .order(SigningOrder::Sequential)
            .cc("cc@example.com")
            .metadata("k", "v")
            .callback_url("https://example.com/cb")
            .build()
            .unwrap();
        Capabilities::all().check_request("test", &req).unwrap();
    }

    #[test]
    fn each_missing_capability_is_refused() {
        let all = Capabilities::all();
        let without = |f: fn(&mut Capabilities)| {
            let mut caps = all.clone();
            f(&mut caps);
            caps
        };
        unsupported(
            &without(|c| c.sequential_signing = false),
            request().order(SigningOrder::Sequential),
            "sequential",
        );
        unsupported(
            &without(|c| c.parallel_signing = false),
            request(),
            "parallel",
        );
        unsupported(
            &without(|c| c.cc_recipients = false),
            request().cc("c@example.com"),
            "cc",
        );
        unsupported(
            &without(|c| c.callback_url = false),
            request().callback_url("https://example.com/x"),
            "callback",
        );
        unsupported(
            &without(|c| c.metadata = false),
            request().metadata("k", "v"),
            "metadata",
        );
        unsupported(
            &without(|c| c.multiple_documents = false),
            request().document(Document::new("b.pdf", &b"%PDF-"[..])),
            "more than one document",
        );
        unsupported(
            &without(|c| c.national_id = false),
            request().signer(
                Signer::new("B", "b@example.com")
                    .national_id(NationalId::swedish_personal_number("191212121212")),
            ),
            "national id",
        );
        unsupported(
            &without(|c| c.formats = vec![DocumentFormat::Pdf]),
            request().document(Document::new("b.docx", DOCX)),
            "DOCX",
        );
    }

    #[test]
    fn documents_are_checked_by_content_and_size() {
        let mut caps = Capabilities::all();
        caps.max_document_size = Some(8);
        let err = caps
            .check_request("test", &request().build().unwrap())
            .unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidRequest { field, reason }
                if field == "documents[0].content" && reason.contains("at most 8 bytes")),
            "{err}"
        );
        caps.max_document_size = Some(13);
        caps.check_request("test", &request().build().unwrap())
            .unwrap();

        // A document of no recognised format never gets this far: the builder refuses it.
        let err = request()
            .document(Document::new("fake.pdf", &b"just text"[..]))
            .build()
            .unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidRequest { field, reason }
                if field == "documents[1].content" && reason.contains("neither a PDF nor a DOCX")),
            "{err}"
        );
        let mut pdf_only = Capabilities::all();
        pdf_only.formats = vec![DocumentFormat::Pdf];
        let docx = request()
            .document(Document::new(
                "a.docx",
                &b"PK\x03\x04\x14\x00\x00\x00\x00\x00word/document.xml"[..],
            ))
            .build()
            .unwrap();
        let err = pdf_only.check_request("test", &docx).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Unsupported { operation, .. } if operation.contains("DOCX")),
            "{err}"
        );
    }

    #[test]
    fn operations() {
        let mut caps = Capabilities::default();
        assert!(caps.check_operation("p", Operation::Cancel).is_err());
        caps.cancel = true;
        caps.check_operation("p", Operation::Cancel).unwrap();
        let err = caps.check_operation("p", Operation::List).unwrap_err();
        assert_eq!(err.to_string(), "p does not support list");
        assert!(!caps.supports(Operation::ParseWebhook));
        caps.callback_url = true;
        assert!(caps.supports(Operation::ParseWebhook));
    }
}

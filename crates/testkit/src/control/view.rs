//! What a control handle shows of an envelope: the same shape for every provider.

use bytes::Bytes;
use signing_core::{EnvelopeId, EnvelopeStatus, SignerStatus};
use time::OffsetDateTime;

/// An envelope as a [`Control`](super::Control) handle shows it, whatever the provider.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct EnvelopeView {
    /// The provider's name (`heysign`, `leap-sign`, `docusign`, `memory`).
    pub provider: &'static str,
    /// The id [`send`](signing_core::SigningProvider::send) returned.
    pub id: EnvelopeId,
    /// The title (HeySign's title, LEAP's project name, DocuSign's e-mail subject).
    pub title: Option<String>,
    /// The status, in the library's words.
    pub status: EnvelopeStatus,
    /// The status as the provider spells it (`Pending`, `IN_PROGRESS`, `delivered`, ...).
    pub provider_status: String,
    /// Whether signers sign one after another rather than all at once.
    pub ordered: bool,
    /// The signers, in signing order.
    pub signers: Vec<SignerView>,
    /// The addresses that receive a copy without signing.
    pub cc: Vec<String>,
    /// The documents, with their bytes as uploaded.
    pub documents: Vec<DocumentView>,
    /// When the envelope was created.
    pub created_at: Option<OffsetDateTime>,
}

impl EnvelopeView {
    /// The signer with this e-mail address (compared case-insensitively): the first whose turn
    /// it is, or else the first listed.
    pub fn signer(&self, email: &str) -> Option<&SignerView> {
        let mut matching = self
            .signers
            .iter()
            .filter(|signer| signer.email.eq_ignore_ascii_case(email));
        let first = matching.clone().next();
        matching.find(|signer| signer.is_invited()).or(first)
    }

    /// Whether the signer `email` may sign (or decline) now: the envelope is out for
    /// signature and their turn has come.
    pub fn may_act(&self, email: &str) -> bool {
        self.status == EnvelopeStatus::Sent
            && self.signer(email).is_some_and(SignerView::is_invited)
    }

    /// The signers before `email` in the signing order who have not signed yet: those the
    /// signer is waiting for. Empty when it is their turn, or in parallel signing.
    pub fn waiting_for(&self, email: &str) -> Vec<&SignerView> {
        let Some(signer) = self.signer(email) else {
            return Vec::new();
        };
        if signer.status != SignerStatus::Waiting {
            return Vec::new();
        }
        self.signers
            .iter()
            .filter(|other| other.order < signer.order && other.status != SignerStatus::Signed)
            .collect()
    }

    /// Whether `email` is a cc recipient of the envelope.
    pub fn is_cc(&self, email: &str) -> bool {
        self.cc.iter().any(|cc| cc.eq_ignore_ascii_case(email))
    }
}

/// One signer of an [`EnvelopeView`].
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct SignerView {
    /// The name, where the provider keeps one (HeySign keeps none: only the address).
    pub name: Option<String>,
    /// The e-mail address: with the envelope id, what a signer is known by.
    pub email: String,
    /// The place in the signing order, from 1; signers with the same number sign in parallel.
    pub order: u32,
    /// The status, in the library's words.
    pub status: SignerStatus,
    /// The status as the provider spells it.
    pub provider_status: String,
    /// The provider's own id of the signer: HeySign's signee id, DocuSign's `recipientId`;
    /// `None` where the provider knows signers only by address.
    pub provider_id: Option<String>,
}

impl SignerView {
    /// Whether the signer has been asked to sign and has not finished: notified or viewed.
    pub fn is_invited(&self) -> bool {
        matches!(self.status, SignerStatus::Notified | SignerStatus::Viewed)
    }

    /// The name if known, else the address: how a page names the signer.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or(&self.email)
    }
}

/// One document of an [`EnvelopeView`].
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct DocumentView {
    /// The file name.
    pub name: String,
    /// The content type (`application/pdf`, ...).
    pub content_type: String,
    /// The bytes as uploaded; empty when the emulator did not keep them (a document over its
    /// `keep_documents_up_to` limit, or one the in-memory provider was given as a file or a
    /// reader).
    pub content: Bytes,
}

impl DocumentView {
    /// A document named `name` of `content_type` holding `content`.
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        content: impl Into<Bytes>,
    ) -> Self {
        Self {
            name: name.into(),
            content_type: content_type.into(),
            content: content.into(),
        }
    }

    /// Whether the bytes are a PDF.
    pub fn is_pdf(&self) -> bool {
        self.content.starts_with(b"%PDF-")
    }

    /// The number of pages of a PDF, counted from its page objects (`/Type /Page`); `None` for
    /// another format, or a PDF whose pages are in compressed object streams.
    pub fn page_count(&self) -> Option<usize> {
        if !self.is_pdf() {
            return None;
        }
        let bytes = &self.content[..];
        let mut pages = 0;
        let mut at = 0;
        while let Some(found) = find(&bytes[at..], b"/Type") {
            let mut next = at + found + b"/Type".len();
            while bytes.get(next).is_some_and(u8::is_ascii_whitespace) {
                next += 1;
            }
            if bytes[next..].starts_with(b"/Page")
                && !bytes
                    .get(next + b"/Page".len())
                    .is_some_and(u8::is_ascii_alphanumeric)
            {
                pages += 1;
            }
            at = next;
        }
        (pages > 0).then_some(pages)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(email: &str, order: u32, status: SignerStatus) -> SignerView {
        SignerView {
            name: None,
            email: email.to_owned(),
            order,
            status,
            provider_status: String::new(),
            provider_id: None,
        }
    }

    #[test]
    fn pages_are_counted_from_page_objects() {
        let pdf = DocumentView::new(
            "a.pdf",
            "application/pdf",
            &b"%PDF-1.4\n<< /Type /Pages /Count 2 >>\n<< /Type /Page >>\n<</Type/Page/X 1>>"[..],
        );
        assert_eq!(pdf.page_count(), Some(2));
        let none = DocumentView::new("a.pdf", "application/pdf", &b"%PDF-1.4\n"[..]);
        assert_eq!(none.page_count(), None);
        let docx = DocumentView::new("a.docx", "application/zip", &b"PK\x03\x04"[..]);
        assert_eq!(docx.page_count(), None);
    }

    #[test]
    fn turns_follow_the_order() {
        let envelope = EnvelopeView {
            provider: "memory",
            id: EnvelopeId::new("e"),
            title: None,
            status: EnvelopeStatus::Sent,
            provider_status: "sent".to_owned(),
            ordered: true,
            signers: vec![
                signer("a@example.com", 1, SignerStatus::Notified),
                signer("b@example.com", 2, SignerStatus::Waiting),
            ],
            cc: vec!["c@example.com".to_owned()],
            documents: Vec::new(),
            created_at: None,
        };
        assert!(envelope.may_act("A@example.com"));
        assert!(!envelope.may_act("b@example.com"));
        assert!(!envelope.may_act("c@example.com"));
        let waiting: Vec<&str> = envelope
            .waiting_for("b@example.com")
            .iter()
            .map(|s| s.email.as_str())
            .collect();
        assert_eq!(waiting, ["a@example.com"]);
        assert!(envelope.waiting_for("a@example.com").is_empty());
        assert!(envelope.is_cc("C@example.com"));
    }
}

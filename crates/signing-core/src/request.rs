//! What an application asks for: a validated request for a new envelope.

use std::collections::{BTreeMap, HashSet};

use url::Url;

use crate::document::Document;
use crate::error::{Error, Result};
use crate::net::{UrlRules, check_url};

/// Limits every request must respect, whatever the provider.
pub mod limits {
    /// Most metadata entries on one envelope.
    pub const MAX_METADATA_ENTRIES: usize = 50;
    /// Longest metadata key, in bytes.
    pub const MAX_METADATA_KEY_LEN: usize = 40;
    /// Longest metadata value, in bytes.
    pub const MAX_METADATA_VALUE_LEN: usize = 500;
    /// Metadata keys starting with this prefix are reserved for the adapters' own bookkeeping
    /// (for example the caller reference).
    pub const RESERVED_METADATA_PREFIX: &str = "signing.";
    /// Longest caller reference, in bytes.
    pub const MAX_REFERENCE_LEN: usize = 128;
    /// Longest title, in characters.
    pub const MAX_TITLE_CHARS: usize = 200;
    /// Longest e-mail address, in bytes (RFC 5321).
    pub const MAX_EMAIL_LEN: usize = 254;
}

/// In which order the signers sign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningOrder {
    /// Everybody is invited at once and signs in any order.
    #[default]
    Parallel,
    /// Signers sign one after the other, in the order they were added; each is invited only when
    /// it is their turn.
    Sequential,
}

/// A national identity number that ties a signer to one person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NationalId {
    /// A Swedish personal identity number (personnummer or samordningsnummer), twelve digits
    /// `YYYYMMDDNNNN`.
    SwedishPersonalNumber(String),
    /// Another scheme, passed through as given.
    Other {
        /// The scheme's name, as the provider knows it.
        scheme: String,
        /// The number.
        value: String,
    },
}

impl NationalId {
    /// A Swedish personal identity number, as `YYYYMMDDNNNN` or `YYYYMMDD-NNNN`. It is checked
    /// (date and check digit) when the request is built.
    pub fn swedish_personal_number(value: impl Into<String>) -> Self {
        Self::SwedishPersonalNumber(value.into())
    }

    /// The number as it will be sent.
    pub fn value(&self) -> &str {
        match self {
            Self::SwedishPersonalNumber(value) | Self::Other { value, .. } => value,
        }
    }

    fn validate(self) -> std::result::Result<Self, String> {
        match self {
            Self::SwedishPersonalNumber(raw) => {
                normalize_swedish_personal_number(&raw).map(Self::SwedishPersonalNumber)
            }
            Self::Other { scheme, value } => {
                if scheme.trim().is_empty() || value.trim().is_empty() {
                    Err("scheme and value must not be empty".to_owned())
                } else {
                    Ok(Self::Other { scheme, value })
                }
            }
        }
    }
}

fn normalize_swedish_personal_number(raw: &str) -> std::result::Result<String, String> {
    let digits: String = match raw.split_once('-') {
        Some((date, serial)) if date.len() == 8 && serial.len() == 4 => format!("{date}{serial}"),
        Some(_) => return Err("expected YYYYMMDD-NNNN".to_owned()),
        None => raw.to_owned(),
    };
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected twelve digits, YYYYMMDDNNNN".to_owned());
    }
    let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().unwrap_or(0);
    let month = number(4..6);
    let day = number(6..8);
    // Co-ordination numbers add 60 to the day.
    let day = if day > 60 { day - 60 } else { day };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err("the date part is not a valid date".to_owned());
    }
    // Luhn over the ten digits YYMMDDNNNC.
    let sum: u32 = digits[2..]
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    if !sum.is_multiple_of(10) {
        return Err("the check digit is wrong".to_owned());
    }
    Ok(digits)
}

/// A person asked to sign.
///
/// ```
/// use signing_core::{NationalId, Signer};
///
/// let signer = Signer::new("Ada Lovelace", "ada@example.com")
///     .organization("Analytical Engines Ltd")
///     .title("Director")
///     .national_id(NationalId::swedish_personal_number("19121210-1212"));
/// assert_eq!(signer.email(), "ada@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    name: String,
    email: String,
    organization: Option<String>,
    title: Option<String>,
    national_id: Option<NationalId>,
}

impl Signer {
    /// A signer with a name and an e-mail address (checked when the request is built).
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: email.into(),
            organization: None,
            title: None,
            national_id: None,
        }
    }

    /// The organization the signer signs for.
    #[must_use]
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// The signer's title or role.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Ties the signature to one person by their national identity number.
    #[must_use]
    pub fn national_id(mut self, id: NationalId) -> Self {
        self.national_id = Some(id);
        self
    }

    /// The signer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signer's e-mail address.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The organization the signer signs for.
    pub fn organization_name(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The signer's title or role.
    pub fn job_title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The signer's national identity number.
    pub fn national_id_number(&self) -> Option<&NationalId> {
        self.national_id.as_ref()
    }
}

/// The owner or sender of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    name: String,
    email: String,
    organization: Option<String>,
    title: Option<String>,
}

impl Party {
    /// A party with a name and an e-mail address (checked when the request is built).
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: email.into(),
            organization: None,
            title: None,
        }
    }

    /// The party's organization.
    #[must_use]
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// The party's title or role.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The party's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The party's e-mail address.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The party's organization.
    pub fn organization_name(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The party's title or role.
    pub fn job_title(&self) -> Option<&str> {
        self.title.as_deref()
    }
}

/// A validated request to send documents for signing.
///
/// The only way to get one is [`NewEnvelope::builder`] and
/// [`build`](NewEnvelopeBuilder::build), so every value of this type has passed validation.
///
/// ```
/// use signing_core::{Document, NewEnvelope, Signer, SigningOrder};
///
/// let request = NewEnvelope::builder()
///     .title("Employment contract")
///     .document(Document::new("contract.pdf", &b"%PDF-1.7 ..."[..]))
///     .signer(Signer::new("Ada Lovelace", "ada@example.com"))
///     .signer(Signer::new("Charles Babbage", "charles@example.com"))
///     .order(SigningOrder::Sequential)
///     .cc("hr@example.com")
///     .metadata("employee", "42")
///     .reference("contract-42")
///     .build()?;
/// assert_eq!(request.signers().len(), 2);
/// # Ok::<(), signing_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NewEnvelope {
    title: String,
    documents: Vec<Document>,
    signers: Vec<Signer>,
    order: SigningOrder,
    cc: Vec<String>,
    owner: Option<Party>,
    callback_url: Option<Url>,
    metadata: BTreeMap<String, String>,
    reference: Option<String>,
}

impl NewEnvelope {
    /// Starts a request.
    pub fn builder() -> NewEnvelopeBuilder {
        NewEnvelopeBuilder::default()
    }

    /// The envelope's title (the first document's name unless set).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The documents, in the order they were added. There is at least one.
    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    /// The signers, in the order they were added. There is at least one.
    pub fn signers(&self) -> &[Signer] {
        &self.signers
    }

    /// In which order the signers sign.
    pub fn order(&self) -> SigningOrder {
        self.order
    }

    /// Addresses that receive the signed result without signing.
    pub fn cc(&self) -> &[String] {
        &self.cc
    }

    /// The owner or sender, when given.
    pub fn owner(&self) -> Option<&Party> {
        self.owner.as_ref()
    }

    /// Where the provider should report completion, when given.
    pub fn callback_url(&self) -> Option<&Url> {
        self.callback_url.as_ref()
    }

    /// The application's metadata.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The caller's reference, used to make a repeated send return the first envelope instead
    /// of creating a second one (where the provider allows it).
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// The total size of all documents in bytes, when every document's size is known (see
    /// [`Document::size`]) and the sum fits.
    pub fn total_document_size(&self) -> Option<u64> {
        self.documents
            .iter()
            .try_fold(0_u64, |total, document| total.checked_add(document.size()?))
    }
}

/// Builds a [`NewEnvelope`]; [`build`](Self::build) checks everything.
#[derive(Debug, Clone, Default)]
pub struct NewEnvelopeBuilder {
    title: Option<String>,
    documents: Vec<Document>,
    signers: Vec<Signer>,
    order: SigningOrder,
    cc: Vec<String>,
    owner: Option<Party>,
    callback_url: Option<String>,
    allow_insecure_loopback_callback: bool,
    metadata: Vec<(String, String)>,
    reference: Option<String>,
}

impl NewEnvelopeBuilder {
    /// The envelope's title; defaults to the first document's name.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds a document. The first one is the main document.
    #[must_use]
    pub fn document(mut self, document: Document) -> Self {
        self.documents.push(document);
        self
    }

    /// Adds a signer. With [`SigningOrder::Sequential`] they sign in the order added.
    #[must_use]
    pub fn signer(mut self, signer: Signer) -> Self {
        self.signers.push(signer);
        self
    }

    /// Adds several signers.
    #[must_use]
    pub fn signers(mut self, signers: impl IntoIterator<Item = Signer>) -> Self {
        self.signers.extend(signers);
        self
    }

    /// In which order the signers sign (parallel unless set).
    #[must_use]
    pub fn order(mut self, order: SigningOrder) -> Self {
        self.order = order;
        self
    }

    /// Adds an address that receives the signed result without signing.
    #[must_use]
    pub fn cc(mut self, email: impl Into<String>) -> Self {
        self.cc.push(email.into());
        self
    }

    /// Sets the owner or sender.
    #[must_use]
    pub fn owner(mut self, owner: Party) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Where the provider should report completion. Must be `https`.
    #[must_use]
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Also accepts an `http` callback URL whose host is a loopback address, for local testing
    /// against an emulator. Off by default.
    #[must_use]
    pub fn allow_insecure_loopback_callback(mut self, allow: bool) -> Self {
        self.allow_insecure_loopback_callback = allow;
        self
    }

    /// Adds a metadata entry; a repeated key replaces the earlier value.
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }

    /// The caller's reference for idempotent sends (an order number, a document id).
    #[must_use]
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Checks the request and returns it, or an [`ErrorKind::InvalidRequest`] naming the first
    /// offending field.
    ///
    /// These are the rules no provider relaxes, the same whichever provider sends the request,
    /// checked as far as they can be known without sending: signers, cc and owner well formed;
    /// an `https` callback URL; the title, metadata and reference within [`limits`]; each
    /// document's name, its size when known (not empty, as declared) and its format (PDF or
    /// DOCX) when its first bytes are known (bytes in memory, a file). A document from a reader
    /// is read only when it is sent, so its format, emptiness and length are checked then, while
    /// it streams, with the same errors. What one provider cannot take (an option it lacks, a
    /// format, a size) is checked by its [`send`](crate::SigningProvider::send), against its
    /// [`capabilities`](crate::SigningProvider::capabilities), before any request
    /// ([`Capabilities::check_request`](crate::Capabilities::check_request)). The table under
    /// [`Document`] lists each check.
    ///
    /// [`ErrorKind::InvalidRequest`]: crate::ErrorKind::InvalidRequest
    pub fn build(self) -> Result<NewEnvelope> {
        check_documents(&self.documents)?;
        let title = match self.title {
            Some(title) => {
                if title.trim().is_empty() {
                    return Err(Error::invalid_request("title", "must not be empty"));
                }
                if title.chars().count() > limits::MAX_TITLE_CHARS {
                    return Err(Error::invalid_request(
                        "title",
                        format!("longer than {} characters", limits::MAX_TITLE_CHARS),
                    ));
                }
                title
            }
            // A default title is cut to the limit rather than refused: the caller never set it.
            None => self.documents[0]
                .name()
                .chars()
                .take(limits::MAX_TITLE_CHARS)
                .collect(),
        };
        let signers = check_signers(self.signers)?;
        check_cc(&self.cc, &signers)?;
        if let Some(owner) = &self.owner {
            if owner.name.trim().is_empty() {
                return Err(Error::invalid_request("owner.name", "must not be empty"));
            }
            check_email("owner.email", &owner.email)?;
        }
        let callback_url = self
            .callback_url
            .map(|raw| check_callback_url(&raw, self.allow_insecure_loopback_callback))
            .transpose()?;
        let metadata = check_metadata(self.metadata)?;
        if let Some(reference) = &self.reference {
            let valid_chars = reference.bytes().all(|b| b.is_ascii_graphic());
            if reference.is_empty() || reference.len() > limits::MAX_REFERENCE_LEN || !valid_chars {
                return Err(Error::invalid_request(
                    "reference",
                    format!(
                        "must be 1 to {} visible ASCII characters",
                        limits::MAX_REFERENCE_LEN
                    ),
                ));
            }
        }

        Ok(NewEnvelope {
            title,
            documents: self.documents,
            signers,
            order: self.order,
            cc: self.cc,
            owner: self.owner,
            callback_url,
            metadata,
            reference: self.reference,
        })
    }
}

fn check_documents(documents: &[Document]) -> Result<()> {
    if documents.is_empty() {
        return Err(Error::invalid_request(
            "documents",
            "at least one document is required",
        ));
    }
    for (i, doc) in documents.iter().enumerate() {
        if doc.name().trim().is_empty() {
            return Err(Error::invalid_request(
                format!("documents[{i}].name"),
                "must not be empty",
            ));
        }
        // A name travels in multipart headers: a line break there would start a header of the
        // caller's choosing.
        if doc.name().chars().any(char::is_control) {
            return Err(Error::invalid_request(
                format!("documents[{i}].name"),
                "must not contain control characters (line breaks, tabs, ...)",
            ));
        }
        if doc.size_contradicts_content() {
            return Err(Error::invalid_request(
                format!("documents[{i}].size"),
                format!(
                    "`{}` was declared {} bytes long but holds {} bytes",
                    doc.name(),
                    doc.declared_size().unwrap_or_default(),
                    doc.known_size().unwrap_or_default()
                ),
            ));
        }
        if doc.size() == Some(0) {
            return Err(Error::invalid_request(
                format!("documents[{i}].content"),
                format!("document `{}` is empty", doc.name()),
            ));
        }
        // A reader is read only when sent: its format is checked then, from its first bytes.
        if doc.format().is_none() && !doc.is_read_when_sent() {
            return Err(Error::invalid_request(
                format!("documents[{i}].content"),
                format!(
                    "`{}` is neither a PDF nor a DOCX document (recognised from its first bytes)",
                    doc.name()
                ),
            ));
        }
    }
    Ok(())
}

fn check_signers(given: Vec<Signer>) -> Result<Vec<Signer>> {
    if given.is_empty() {
        return Err(Error::invalid_request(
            "signers",
            "at least one signer is required",
        ));
    }
    let mut emails = HashSet::new();
    let mut signers = Vec::with_capacity(given.len());
    for (i, mut signer) in given.into_iter().enumerate() {
        if signer.name.trim().is_empty() {
            return Err(Error::invalid_request(
                format!("signers[{i}].name"),
                "must not be empty",
            ));
        }
        check_email(&format!("signers[{i}].email"), &signer.email)?;
        if !emails.insert(signer.email.to_lowercase()) {
            return Err(Error::invalid_request(
                format!("signers[{i}].email"),
                format!("`{}` is already a signer", signer.email),
            ));
        }
        if let Some(id) = signer.national_id.take() {
            let id = id.validate().map_err(|reason| {
                Error::invalid_request(format!("signers[{i}].national_id"), reason)
            })?;
            signer.national_id = Some(id);
        }
        signers.push(signer);
    }
    Ok(signers)
}

fn check_cc(cc: &[String], signers: &[Signer]) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, email) in cc.iter().enumerate() {
        let field = format!("cc[{i}]");
        check_email(&field, email)?;
        if signers
            .iter()
            .any(|s| s.email.to_lowercase() == email.to_lowercase())
        {
            return Err(Error::invalid_request(
                field,
                format!("`{email}` is also a signer"),
            ));
        }
        if !seen.insert(email.to_lowercase()) {
            return Err(Error::invalid_request(
                field,
                format!("`{email}` is listed twice"),
            ));
        }
    }
    Ok(())
}

fn check_metadata(entries: Vec<(String, String)>) -> Result<BTreeMap<String, String>> {
    let mut metadata = BTreeMap::new();
    for (key, value) in entries {
        let field = format!("metadata.{key}");
        let key_ok = !key.is_empty()
            && key.len() <= limits::MAX_METADATA_KEY_LEN
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
        if !key_ok {
            return Err(Error::invalid_request(
                field,
                format!(
                    "keys are 1 to {} characters of A-Z, a-z, 0-9, `_`, `-`, `.`, `:`",
                    limits::MAX_METADATA_KEY_LEN
                ),
            ));
        }
        if key.starts_with(limits::RESERVED_METADATA_PREFIX) {
            return Err(Error::invalid_request(
                field,
                format!(
                    "keys starting with `{}` are reserved",
                    limits::RESERVED_METADATA_PREFIX
                ),
            ));
        }
        if value.len() > limits::MAX_METADATA_VALUE_LEN {
            return Err(Error::invalid_request(
                field,
                format!("value longer than {} bytes", limits::MAX_METADATA_VALUE_LEN),
            ));
        }
        metadata.insert(key, value);
    }
    if metadata.len() > limits::MAX_METADATA_ENTRIES {
        return Err(Error::invalid_request(
            "metadata",
            format!(
                "{} entries, at most {} are allowed",
                metadata.len(),
                limits::MAX_METADATA_ENTRIES
            ),
        ));
    }
    Ok(metadata)
}

fn check_callback_url(raw: &str, allow_insecure_loopback: bool) -> Result<Url> {
    // A callback URL may carry a query (an application's own routing), never a fragment.
    let rules = UrlRules::strict()
        .query(true)
        .loopback_http(allow_insecure_loopback);
    check_url("callback_url", raw, rules)
}

/// Checks that `email` looks like a deliverable address: one `@`, a non-empty local part and a
/// domain of at least two dot-separated labels, no spaces, no display name.
pub(crate) fn check_email(field: &str, email: &str) -> Result<()> {
    let invalid = |reason: &str| Err(Error::invalid_request(field, reason));
    if email.is_empty() {
        return invalid("must not be empty");
    }
    if email.len() > limits::MAX_EMAIL_LEN {
        return invalid("longer than 254 bytes");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(Error::invalid_request(
            field,
            format!("`{email}` is not an e-mail address (no `@`)"),
        ));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:@\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(Error::invalid_request(
            field,
            format!("`{email}` is not an e-mail address"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn pdf() -> Document {
        Document::new("a.pdf", &b"%PDF-1.7 x"[..])
    }

    fn base() -> NewEnvelopeBuilder {
        NewEnvelope::builder()
            .document(pdf())
            .signer(Signer::new("Ada", "ada@example.com"))
    }

    #[track_caller]
    fn assert_field(builder: NewEnvelopeBuilder, expected: &str) {
        let err = builder.build().expect_err("should be refused");
        match err.kind() {
            ErrorKind::InvalidRequest { field, .. } => assert_eq!(field, expected, "{err}"),
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    #[test]
    fn minimal_request_builds_with_defaults() {
        let req = base().build().unwrap();
        assert_eq!(req.title(), "a.pdf");
        assert_eq!(req.order(), SigningOrder::Parallel);
        assert!(req.cc().is_empty() && req.metadata().is_empty());
        assert_eq!(req.total_document_size(), Some(10));
    }

    #[test]
    fn every_rule_names_its_field() {
        assert_field(
            NewEnvelope::builder().signer(Signer::new("A", "a@example.com")),
            "documents",
        );
        assert_field(NewEnvelope::builder().document(pdf()), "signers");
        assert_field(
            base().document(Document::new("b.pdf", Vec::new())),
            "documents[1].content",
        );
        assert_field(
            base().document(Document::new(" ", &b"%PDF-"[..])),
            "documents[1].name",
        );
        for name in ["a\r\nContent-Type: text/html.pdf", "a\".pdf\n", "tab\t.pdf"] {
            assert_field(
                base().document(Document::new(name, &b"%PDF-"[..])),
                "documents[1].name",
            );
        }
        assert_field(
            base().document(Document::new("notes.pdf", &b"plain text"[..])),
            "documents[1].content",
        );
        assert_field(base().signer(Signer::new("B", "")), "signers[1].email");
        assert_field(base().signer(Signer::new("B", "b@")), "signers[1].email");
        assert_field(
            base().signer(Signer::new("", "b@example.com")),
            "signers[1].name",
        );
        assert_field(
            base().signer(Signer::new("B", "ADA@example.com")),
            "signers[1].email",
        );
        assert_field(base().cc("Ada@Example.com"), "cc[0]");
        assert_field(base().cc("x@example.com").cc("x@example.com"), "cc[1]");
        assert_field(base().cc("not an email"), "cc[0]");
        assert_field(base().title("  "), "title");
        assert_field(base().title("x".repeat(201)), "title");
        assert_field(base().owner(Party::new("O", "owner")), "owner.email");
        assert_field(base().owner(Party::new("", "o@example.com")), "owner.name");
        assert_field(base().callback_url("http://example.com/cb"), "callback_url");
        assert_field(base().callback_url("not a url"), "callback_url");
        assert_field(
            base().callback_url("https://user:pw@example.com/cb"),
            "callback_url",
        );
        assert_field(base().callback_url("ftp://example.com/cb"), "callback_url");
        assert_field(base().reference(""), "reference");
        assert_field(base().reference("has space"), "reference");
        assert_field(base().reference("r".repeat(129)), "reference");
        assert_field(
            base().signer(
                Signer::new("B", "b@example.com")
                    .national_id(NationalId::swedish_personal_number("19121212-1213")),
            ),
            "signers[1].national_id",
        );
    }

    #[test]
    fn readers_are_checked_when_sent_and_declared_sizes_now() {
        let reader = || {
            Document::from_reader("r.pdf", || async {
                Ok(futures_util::io::Cursor::new(b"not even a pdf"))
            })
        };
        // Unread, so neither its format nor its emptiness is known yet.
        let req = base().document(reader()).build().unwrap();
        assert_eq!(req.total_document_size(), None);
        assert_field(
            base().document(reader().with_size(0)),
            "documents[1].content",
        );
        let sized = base().document(reader().with_size(14)).build().unwrap();
        assert_eq!(sized.total_document_size(), Some(24));
        assert_field(
            base().document(Document::new("b.pdf", &b"%PDF-"[..]).with_size(9)),
            "documents[1].size",
        );
    }

    #[test]
    fn defaults_and_case_folding() {
        let long = "n".repeat(500);
        let req = NewEnvelope::builder()
            .document(Document::new(long, &b"%PDF-1.7"[..]))
            .signer(Signer::new("Åsa", "åsa@exempel.se"))
            .build()
            .unwrap();
        assert_eq!(req.title().chars().count(), limits::MAX_TITLE_CHARS);
        assert_field(
            NewEnvelope::builder()
                .document(pdf())
                .signer(Signer::new("Åsa", "åsa@exempel.se"))
                .signer(Signer::new("Åsa", "ÅSA@exempel.se")),
            "signers[1].email",
        );
    }

    #[test]
    fn email_shapes() {
        for good in [
            "a@example.com",
            "first.last+tag@sub.example.co.uk",
            "åsa@exempel.se",
            "x@xn--exmple-cua.com",
        ] {
            check_email("e", good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a b@example.com",
            "Ada <a@example.com>",
            "a@exa mple.com",
            "a@-example.com",
            "a@example..com",
            ".a@example.com",
            "a..b@example.com",
            "a@b@example.com",
        ] {
            assert!(check_email("e", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn callback_url_loopback_needs_opt_in() {
        assert_field(
            base().callback_url("http://127.0.0.1:8080/cb"),
            "callback_url",
        );
        for url in [
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "http://[::1]:9/cb",
        ] {
            let req = base()
                .callback_url(url)
                .allow_insecure_loopback_callback(true)
                .build()
                .unwrap();
            assert!(req.callback_url().is_some());
        }
        // The opt-in never allows http to another host.
        assert_field(
            base()
                .callback_url("http://10.0.0.1/cb")
                .allow_insecure_loopback_callback(true),
            "callback_url",
        );
        let req = base()
            .callback_url("https://app.example.com/signing/cb")
            .build()
            .unwrap();
        assert_eq!(
            req.callback_url().unwrap().as_str(),
            "https://app.example.com/signing/cb"
        );
    }

    #[test]
    fn metadata_limits() {
        let mut b = base();
        for i in 0..=limits::MAX_METADATA_ENTRIES {
            b = b.metadata(format!("k{i}"), "v");
        }
        assert_field(b, "metadata");

        let mut b = base();
        for i in 0..limits::MAX_METADATA_ENTRIES {
            b = b.metadata(format!("k{i}"), "v".repeat(limits::MAX_METADATA_VALUE_LEN));
        }
        assert_eq!(b.build().unwrap().metadata().len(), 50);

        assert_field(base().metadata("k", "v".repeat(501)), "metadata.k");
        assert_field(base().metadata("", "v"), "metadata.");
        assert_field(base().metadata("a[b]", "v"), "metadata.a[b]");
        assert_field(
            base().metadata("k".repeat(41), "v"),
            &format!("metadata.{}", "k".repeat(41)),
        );
        assert_field(
            base().metadata("signing.reference", "v"),
            "metadata.signing.reference",
        );

        let req = base()
            .metadata("k", "1")
            .metadata("k", "2")
            .build()
            .unwrap();
        assert_eq!(req.metadata()["k"], "2");
    }

    #[test]
    fn swedish_personal_numbers() {
        assert_eq!(
            normalize_swedish_personal_number("19121212-1212").unwrap(),
            "191212121212"
        );
        assert_eq!(
            normalize_swedish_personal_number("199001012385").unwrap(),
            "199001012385"
        );
        // Co-ordination number (day + 60).
        assert!(normalize_swedish_personal_number("197010632391").is_ok());
        assert!(normalize_swedish_personal_number("191212121213").is_err());
        assert!(normalize_swedish_personal_number("1212121212").is_err());
        assert!(normalize_swedish_personal_number("19121312-1212").is_err());
        assert!(normalize_swedish_personal_number("1912121-21212").is_err());
        assert!(normalize_swedish_personal_number("19121212121a").is_err());

        let req = base()
            .signer(
                Signer::new("B", "b@example.com")
                    .national_id(NationalId::swedish_personal_number("19121212-1212")),
            )
            .build()
            .unwrap();
        assert_eq!(
            req.signers()[1].national_id_number().unwrap().value(),
            "191212121212"
        );
    }

    #[test]
    fn keeps_order_and_everything_given() {
        let req = base()
            .signers([
                Signer::new("B", "b@example.com")
                    .organization("Org")
                    .title("CEO"),
                Signer::new("C", "c@example.com"),
            ])
            .order(SigningOrder::Sequential)
            .owner(Party::new("Owner", "owner@example.com").organization("Org"))
            .cc("cc@example.com")
            .reference("order-42")
            .title("Deal")
            .build()
            .unwrap();
        let emails: Vec<_> = req.signers().iter().map(Signer::email).collect();
        assert_eq!(
            emails,
            ["ada@example.com", "b@example.com", "c@example.com"]
        );
        assert_eq!(req.signers()[1].organization_name(), Some("Org"));
        assert_eq!(req.signers()[1].job_title(), Some("CEO"));
        assert_eq!(req.owner().unwrap().email(), "owner@example.com");
        assert_eq!(req.reference(), Some("order-42"));
        assert_eq!(req.title(), "Deal");
        assert_eq!(req.cc(), ["cc@example.com"]);
    }
}

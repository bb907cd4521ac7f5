//! HeySign's wire types: every JSON shape the API sends or accepts, and the query parameters
//! of its listings, in one place.
//!
//! Field names follow the API reference exactly. Where the reference is silent (status names
//! beyond `Draft`, `Pending` and `Deleted`; the webhook payload), the choices are listed under
//! "Assumptions" in `docs/providers/heysign.md`. Unknown status values are kept, not refused.

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use signing_core::RawJson;
use signing_http::lenient;
use time::OffsetDateTime;

/// String metadata attached to agreements, documents, files and signees.
pub type Metadata = BTreeMap<String, String>;

signing_core::string_id! {
    /// The id of an agreement.
    AgreementId
}
signing_core::string_id! {
    /// The id of a document.
    DocumentId
}
signing_core::string_id! {
    /// The id of an uploaded file.
    FileId
}
signing_core::string_id! {
    /// The id of a signee.
    SigneeId
}
signing_core::string_id! {
    /// The id of a webhook subscription.
    WebhookId
}
signing_core::string_id! {
    /// The id of a tenant.
    TenantId
}
signing_core::string_id! {
    /// The id of a theme.
    ThemeId
}

signing_core::open_enum! {
    /// Where an agreement is.
    AgreementStatus {
        /// Being prepared; documents and signees can change.
        Draft => "Draft",
        /// Submitted; waiting for signatures.
        Pending => "Pending",
        /// Every signee has signed (assumed name).
        Completed => "Completed",
        /// Cancelled before the last signee signed (assumed name).
        Cancelled => "Cancelled",
        /// Deleted; kept for 14 days.
        Deleted => "Deleted",
    }
}

signing_core::open_enum! {
    /// Where a signee is.
    SigneeStatus {
        /// The agreement is still a draft.
        Draft => "Draft",
        /// Invited to sign.
        Pending => "Pending",
        /// Signed (assumed name).
        Signed => "Signed",
    }
}

signing_core::open_enum! {
    /// The role of a document in an agreement.
    DocumentType {
        /// The document to sign; an agreement needs one to be submitted.
        Primary => "Primary",
        /// A document attached for reference.
        Attachment => "Attachment",
    }
}

/// Sort direction of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SortOrder {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

/// The `{ "data": ..., "type": ... }` wrapper around single objects.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Single<T> {
    pub(crate) data: T,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ListPage<T> {
    /// The items on this page.
    pub data: Vec<T>,
    /// The paging this page was read with (collapsed in the reference: read when it can be).
    #[serde(default, deserialize_with = "lenient::object")]
    pub page: Option<PageInfo>,
    /// How many pages there are.
    #[serde(default, deserialize_with = "lenient::number")]
    pub total_pages: Option<u64>,
    /// How many items match.
    #[serde(default, deserialize_with = "lenient::number")]
    pub total_items: Option<u64>,
}

/// The offset and limit of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageInfo {
    /// Index of the first item (not documented: read as a number or a string of digits).
    #[serde(default, deserialize_with = "lenient::number")]
    pub offset: Option<u64>,
    /// Most items per page (not documented: read as a number or a string of digits).
    #[serde(default, deserialize_with = "lenient::number")]
    pub limit: Option<u64>,
}

/// An agreement between one or more signees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Agreement {
    /// Its id.
    pub id: AgreementId,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created_date: Option<OffsetDateTime>,
    /// Who issues it.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Where it is.
    pub status: AgreementStatus,
    /// When the status last changed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub status_date: Option<OffsetDateTime>,
    /// Its documents.
    #[serde(default)]
    pub document_ids: Vec<DocumentId>,
    /// Its signees.
    #[serde(default)]
    pub signee_ids: Vec<SigneeId>,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Every field as sent, including those not modelled here.
    #[serde(skip)]
    pub raw: RawJson,
}

/// A document of an agreement, backed by an uploaded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Document {
    /// Its id.
    pub id: DocumentId,
    /// The agreement it belongs to.
    pub agreement_id: AgreementId,
    /// The file behind it.
    pub file_id: FileId,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created_date: Option<OffsetDateTime>,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Its role.
    #[serde(rename = "type")]
    pub document_type: DocumentType,
}

/// An uploaded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct File {
    /// Its id.
    pub id: FileId,
    /// When it was uploaded.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created_date: Option<OffsetDateTime>,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// The SHA-256 of its content.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Its content type.
    #[serde(default)]
    pub content_type: Option<String>,
}

/// The identifying attributes of a signee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SigneeAttributes {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Swedish personal identity number; locks signing to that person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_personal_number: Option<String>,
}

impl SigneeAttributes {
    /// Attributes with an e-mail address.
    pub fn email(email: impl Into<String>) -> Self {
        Self {
            email: Some(email.into()),
            se_personal_number: None,
        }
    }

    /// Adds a Swedish personal identity number.
    #[must_use]
    pub fn with_se_personal_number(mut self, number: impl Into<String>) -> Self {
        self.se_personal_number = Some(number.into());
        self
    }
}

/// A participant invited to sign an agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Signee {
    /// Its id (every object of the API has one).
    pub id: SigneeId,
    /// The agreement it signs (not documented for answers: `None` when absent).
    #[serde(default)]
    pub agreement_id: Option<AgreementId>,
    /// When it was created (not documented).
    #[serde(with = "lenient::time", default)]
    pub created_date: Option<OffsetDateTime>,
    /// Where it is (not documented: `None` when absent).
    #[serde(default)]
    pub status: Option<SigneeStatus>,
    /// When it signed (not documented).
    #[serde(with = "lenient::time", default)]
    pub signed_date: Option<OffsetDateTime>,
    /// Its identifying attributes (not documented for answers).
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub attributes: SigneeAttributes,
    /// Its metadata (not documented for answers).
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub metadata: Metadata,
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Where events are delivered (not documented for answers).
    #[serde(default)]
    pub url: Option<String>,
    /// The events delivered (all when empty; not documented for answers).
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub events: Vec<String>,
}

/// Where the create-webhook answer may carry the secret, in the order looked at: the reference
/// promises the answer "will contain the webhook secret" without naming its field.
pub const WEBHOOK_SECRET_FIELDS: [&str; 3] = ["secret", "signing_secret", "key"];

/// A webhook subscription just created, with its signing secret.
///
/// HeySign returns the secret only at creation: store it. `Debug` does not show it. The secret
/// is read from the first of [`WEBHOOK_SECRET_FIELDS`] the answer has.
#[derive(Clone)]
#[non_exhaustive]
pub struct CreatedWebhook {
    /// The subscription.
    pub webhook: Webhook,
    /// The secret its deliveries are signed with (`whsec_...`).
    pub secret: secrecy::SecretString,
}

impl<'de> Deserialize<'de> for CreatedWebhook {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(flatten)]
            webhook: Webhook,
            secret: Option<secrecy::SecretString>,
            signing_secret: Option<secrecy::SecretString>,
            key: Option<secrecy::SecretString>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let secret = wire
            .secret
            .or(wire.signing_secret)
            .or(wire.key)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "the answer carries no webhook secret (looked for {WEBHOOK_SECRET_FIELDS:?})"
                ))
            })?;
        Ok(Self {
            webhook: wire.webhook,
            secret,
        })
    }
}

impl fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedWebhook")
            .field("webhook", &self.webhook)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its name (not documented for answers).
    #[serde(default)]
    pub name: Option<String>,
    /// Its language.
    #[serde(default)]
    pub language_code: Option<String>,
    /// Its time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A theme of the signing portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Theme {
    /// Its id.
    pub id: ThemeId,
    /// Its name (not documented for answers).
    #[serde(default)]
    pub name: Option<String>,
    /// Its icon.
    #[serde(default)]
    pub icon_file_id: Option<FileId>,
    /// Its logo.
    #[serde(default)]
    pub logo_file_id: Option<FileId>,
    /// Primary colour, `#rrggbb`.
    #[serde(default)]
    pub color_primary_hex: Option<String>,
    /// Secondary colour, `#rrggbb`.
    #[serde(default)]
    pub color_secondary_hex: Option<String>,
}

/// The body of an API error (RFC 7807 problem details).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Problem {
    #[serde(default)]
    pub(crate) title: Option<String>,
    #[serde(default)]
    pub(crate) detail: Option<String>,
}

/// A webhook delivery's body (assumed shape: Standard Webhooks' `type`, `timestamp`, `data`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WebhookPayload {
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub(crate) timestamp: Option<OffsetDateTime>,
    #[serde(default)]
    pub(crate) data: serde_json::Value,
}

/// Paging, sorting and filters of a listing.
///
/// ```
/// use heysign::{ListParams, SortOrder};
///
/// let params = ListParams::new()
///     .limit(50)
///     .sort("created_date", SortOrder::Descending)
///     .metadata("customer", "42");
/// assert_eq!(params.to_query()[0], ("page.limit".to_owned(), "50".to_owned()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListParams {
    /// Index of the first item (`page.offset`).
    pub offset: Option<u32>,
    /// Most items per page (`page.limit`).
    pub limit: Option<u32>,
    /// The field to sort by (`sort.field`).
    pub sort_field: Option<String>,
    /// The direction (`sort.order`).
    pub sort_order: Option<SortOrder>,
    /// `metadata[key]=value` filters; all must match.
    pub metadata: BTreeMap<String, String>,
    /// Only items of this agreement (documents and signees).
    pub agreement_id: Option<AgreementId>,
    /// A free-text query (files).
    pub query: Option<String>,
}

impl ListParams {
    /// The first page with the API's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts at this index.
    #[must_use]
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// At most this many items per page.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sorts by `field` in `order`.
    #[must_use]
    pub fn sort(mut self, field: impl Into<String>, order: SortOrder) -> Self {
        self.sort_field = Some(field.into());
        self.sort_order = Some(order);
        self
    }

    /// Only items whose metadata has `key` set to `value`.
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Only items of this agreement.
    #[must_use]
    pub fn agreement(mut self, id: AgreementId) -> Self {
        self.agreement_id = Some(id);
        self
    }

    /// Only files matching this text.
    #[must_use]
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// The query string pairs, as sent.
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if let Some(offset) = self.offset {
            pairs.push(("page.offset".to_owned(), offset.to_string()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("page.limit".to_owned(), limit.to_string()));
        }
        if let Some(field) = &self.sort_field {
            pairs.push(("sort.field".to_owned(), field.clone()));
        }
        if let Some(order) = self.sort_order {
            let order = match order {
                SortOrder::Ascending => "Ascending",
                SortOrder::Descending => "Descending",
            };
            pairs.push(("sort.order".to_owned(), order.to_owned()));
        }
        for (key, value) in &self.metadata {
            pairs.push((format!("metadata[{key}]"), value.clone()));
        }
        if let Some(id) = &self.agreement_id {
            pairs.push(("agreement_id".to_owned(), id.to_string()));
        }
        if let Some(query) = &self.query {
            pairs.push(("query".to_owned(), query.clone()));
        }
        pairs
    }
}

/// How signees are notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum NotificationType {
    /// Not at all (the application delivers the signing links).
    None,
    /// By e-mail.
    Email,
}

/// The body of "create an agreement".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewAgreement {
    /// Who issues the agreement (required, non-empty).
    pub issuer: String,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Documents to attach in the same call.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<AgreementDocument>,
    /// Metadata, filterable when listing.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: Metadata,
    /// How signees are notified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Notifications>,
    /// Signees (by e-mail) to attach in the same call.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signees: Vec<AgreementSignee>,
    /// When to publish it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<Scheduling>,
    /// Where signees go after signing (premium).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// The signing portal's theme (premium).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme_id: Option<ThemeId>,
}

impl NewAgreement {
    /// An agreement issued by `issuer`, with nothing else.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            title: None,
            documents: Vec::new(),
            metadata: Metadata::new(),
            notifications: None,
            signees: Vec::new(),
            scheduling: None,
            redirect_url: None,
            theme_id: None,
        }
    }
}

/// A document attached while creating an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AgreementDocument {
    /// The uploaded file.
    pub file_id: FileId,
    /// Its role.
    #[serde(rename = "type")]
    pub document_type: DocumentType,
    /// Its metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl AgreementDocument {
    /// Attaches `file_id` in `role`.
    pub fn new(file_id: FileId, role: DocumentType) -> Self {
        Self {
            file_id,
            document_type: role,
            metadata: None,
        }
    }
}

/// A signee attached while creating an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AgreementSignee {
    /// The signee's e-mail address.
    pub email: String,
}

impl AgreementSignee {
    /// A signee with this e-mail address.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
        }
    }
}

/// Notification options of an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Notifications {
    /// How signees are notified.
    #[serde(rename = "type")]
    pub notification_type: NotificationType,
}

impl Notifications {
    /// Notifications of this type.
    pub fn new(notification_type: NotificationType) -> Self {
        Self { notification_type }
    }
}

/// When an agreement is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Scheduling {
    /// The publication time; submit before it.
    #[serde(with = "time::serde::rfc3339")]
    pub publish_date: OffsetDateTime,
}

impl Scheduling {
    /// Publishes at `publish_date`.
    pub fn at(publish_date: OffsetDateTime) -> Self {
        Self { publish_date }
    }
}

/// The body of "edit an agreement" (only while it is a draft). Both fields are sent; `None` is
/// sent as `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EditAgreement {
    /// The new issuer.
    pub issuer: Option<String>,
    /// The new title.
    pub title: Option<String>,
}

impl EditAgreement {
    /// Sets the issuer and the title.
    pub fn new(issuer: Option<String>, title: Option<String>) -> Self {
        Self { issuer, title }
    }
}

/// The body of "create a document".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewDocument {
    /// The agreement, which must be a draft.
    pub agreement_id: AgreementId,
    /// The file, which must be a PDF.
    pub file_id: FileId,
    /// Its metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Its role.
    #[serde(rename = "type")]
    pub document_type: DocumentType,
}

impl NewDocument {
    /// Attaches `file_id` to `agreement_id` in `role`.
    pub fn new(agreement_id: AgreementId, file_id: FileId, role: DocumentType) -> Self {
        Self {
            agreement_id,
            file_id,
            metadata: None,
            document_type: role,
        }
    }
}

/// A file to upload (multipart part `file`, metadata as `metadata[key]` parts).
///
/// The content is a [`Document`](signing_core::Document): bytes in memory, or a file or reader
/// streamed as it is sent (see [`Files::upload`](crate::Files::upload)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadFile {
    /// The file name.
    pub name: String,
    /// Its content type.
    pub content_type: String,
    /// Its bytes (at most 10 MB by default).
    pub content: signing_core::Document,
    /// Its metadata.
    pub metadata: Metadata,
}

impl UploadFile {
    /// A file named `name` holding `content` of `content_type`.
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        content: impl Into<Bytes>,
    ) -> Self {
        let name = name.into();
        Self {
            content: signing_core::Document::new(name.clone(), content),
            name,
            content_type: content_type.into(),
            metadata: Metadata::new(),
        }
    }

    /// A file of `content_type` holding `document` (bytes, a file or a reader), named after it.
    pub fn from_document(
        content_type: impl Into<String>,
        document: signing_core::Document,
    ) -> Self {
        Self {
            name: document.name().to_owned(),
            content_type: content_type.into(),
            content: document,
            metadata: Metadata::new(),
        }
    }
}

/// The body of "create a signee".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewSignee {
    /// The agreement, which must be a draft.
    pub agreement_id: AgreementId,
    /// E-mail and personal number.
    pub attributes: SigneeAttributes,
    /// Its metadata.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: Metadata,
}

impl NewSignee {
    /// A signee of `agreement_id` identified by `attributes`.
    pub fn new(agreement_id: AgreementId, attributes: SigneeAttributes) -> Self {
        Self {
            agreement_id,
            attributes,
            metadata: Metadata::new(),
        }
    }
}

/// The body of "edit a signee": attributes to set, and attributes to remove (sent as `null`).
///
/// ```
/// use heysign::EditSignee;
///
/// let edit = EditSignee::new().set("email", "new@example.com").remove("se_personal_number");
/// assert_eq!(
///     serde_json::to_string(&edit).unwrap(),
///     r#"{"attributes":{"email":"new@example.com","se_personal_number":null}}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EditSignee {
    /// Attribute changes; `None` removes the attribute.
    pub attributes: BTreeMap<String, Option<String>>,
}

impl EditSignee {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets an attribute (`email`, `se_personal_number`).
    #[must_use]
    pub fn set(mut self, attribute: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(attribute.into(), Some(value.into()));
        self
    }

    /// Removes an attribute.
    #[must_use]
    pub fn remove(mut self, attribute: impl Into<String>) -> Self {
        self.attributes.insert(attribute.into(), None);
        self
    }
}

/// The body of "create a tenant".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewTenant {
    /// Its name (required).
    pub name: String,
    /// Its language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    /// Its time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl NewTenant {
    /// A tenant named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            language_code: None,
            time_zone: None,
        }
    }
}

/// The body of "create a theme".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewTheme {
    /// Its name (required).
    pub name: String,
    /// An uploaded icon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_file_id: Option<FileId>,
    /// An uploaded logo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_file_id: Option<FileId>,
    /// Primary colour, `#rrggbb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_primary_hex: Option<String>,
    /// Secondary colour, `#rrggbb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_secondary_hex: Option<String>,
}

impl NewTheme {
    /// A theme named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            icon_file_id: None,
            logo_file_id: None,
            color_primary_hex: None,
            color_secondary_hex: None,
        }
    }
}

/// The body of "create a webhook".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewWebhook {
    /// The HTTPS URL events are delivered to.
    pub url: String,
    /// The events to deliver; all when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

impl NewWebhook {
    /// Delivers every event to `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            events: None,
        }
    }

    /// Delivers only these events.
    #[must_use]
    pub fn events<I, S>(mut self, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.events = Some(events.into_iter().map(Into::into).collect());
        self
    }
}

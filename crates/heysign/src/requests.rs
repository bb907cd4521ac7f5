//! The bodies and query parameters HeySign accepts, exactly as the API reference names them.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::Serialize;
use time::OffsetDateTime;

use crate::model::{
    AgreementId, DocumentType, FileId, Metadata, SigneeAttributes, SortOrder, ThemeId,
};

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
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadFile {
    /// The file name.
    pub name: String,
    /// Its content type.
    pub content_type: String,
    /// Its bytes (at most 10 MB by default).
    pub content: Bytes,
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
        Self {
            name: name.into(),
            content_type: content_type.into(),
            content: content.into(),
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

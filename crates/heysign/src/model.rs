//! HeySign's wire types: every JSON shape the API sends or accepts, in one place.
//!
//! Field names follow the API reference exactly. Where the reference is silent (status names
//! beyond `Draft`, `Pending` and `Deleted`; the webhook payload), the choices are listed under
//! "Assumptions" in `docs/providers/heysign.md`. Unknown status values are kept, not refused.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use signing_core::RawJson;
use time::OffsetDateTime;

/// String metadata attached to agreements, documents, files and signees.
pub type Metadata = BTreeMap<String, String>;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id issued by HeySign.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as HeySign spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type! {
    /// The id of an agreement.
    AgreementId
}
id_type! {
    /// The id of a document.
    DocumentId
}
id_type! {
    /// The id of an uploaded file.
    FileId
}
id_type! {
    /// The id of a signee.
    SigneeId
}
id_type! {
    /// The id of a webhook subscription.
    WebhookId
}
id_type! {
    /// The id of a tenant.
    TenantId
}
id_type! {
    /// The id of a theme.
    ThemeId
}

macro_rules! open_status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A value the reference does not list, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as HeySign spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(raw) => raw,
                }
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                match raw {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from(raw.as_ref()))
            }
        }
    };
}

open_status! {
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

open_status! {
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

open_status! {
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
    /// The paging this page was read with.
    #[serde(default)]
    pub page: Option<PageInfo>,
    /// How many pages there are.
    #[serde(default)]
    pub total_pages: Option<u64>,
    /// How many items match.
    #[serde(default)]
    pub total_items: Option<u64>,
}

/// The offset and limit of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageInfo {
    /// Index of the first item.
    #[serde(default)]
    pub offset: Option<u64>,
    /// Most items per page.
    #[serde(default)]
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
    /// Its id.
    pub id: SigneeId,
    /// The agreement it signs.
    pub agreement_id: AgreementId,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created_date: Option<OffsetDateTime>,
    /// Where it is.
    pub status: SigneeStatus,
    /// When it signed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub signed_date: Option<OffsetDateTime>,
    /// Its identifying attributes.
    #[serde(default)]
    pub attributes: SigneeAttributes,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Where events are delivered.
    pub url: String,
    /// The events delivered (all when empty).
    #[serde(default)]
    pub events: Vec<String>,
}

/// A webhook subscription just created, with its signing secret.
///
/// HeySign returns the secret only at creation: store it. `Debug` does not show it.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct CreatedWebhook {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The secret its deliveries are signed with (`whsec_...`).
    pub secret: secrecy::SecretString,
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
    /// Its name.
    pub name: String,
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
    /// Its name.
    pub name: String,
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

/// The body of an OAuth error from the token endpoint.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct OAuthError {
    #[serde(default)]
    pub(crate) error: Option<String>,
    #[serde(default)]
    pub(crate) error_description: Option<String>,
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

//! The objects the emulator stores, and their JSON as the API sends them.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::clock;
use super::json::Object;

/// The lifecycle of an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AgreementStatus {
    Draft,
    Pending,
    Completed,
    Cancelled,
    Deleted,
}

impl AgreementStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Pending => "Pending",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
            Self::Deleted => "Deleted",
        }
    }
}

/// An agreement between one or more signees.
#[derive(Debug, Clone)]
pub(super) struct Agreement {
    pub(super) id: String,
    pub(super) created: OffsetDateTime,
    pub(super) issuer: String,
    pub(super) title: Option<String>,
    pub(super) status: AgreementStatus,
    pub(super) status_date: OffsetDateTime,
    pub(super) document_ids: Vec<String>,
    pub(super) signee_ids: Vec<String>,
    pub(super) metadata: Object,
    pub(super) redirect_url: Option<String>,
    pub(super) theme_id: Option<String>,
    /// `"None"` or `"Email"`.
    pub(super) notifications: &'static str,
    pub(super) publish_date: Option<OffsetDateTime>,
}

impl Agreement {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "created_date": clock::format(self.created),
            "issuer": self.issuer,
            "title": self.title,
            "status": self.status.as_str(),
            "status_date": clock::format(self.status_date),
            "document_ids": self.document_ids,
            "signee_ids": self.signee_ids,
            "metadata": self.metadata,
            "redirect_url": self.redirect_url,
            "theme_id": self.theme_id,
            "notifications": {"type": self.notifications},
            "scheduling": self
                .publish_date
                .map(|date| json!({"publish_date": clock::format(date)})),
        })
    }
}

/// Whether a document is the one to sign or an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DocumentType {
    Primary,
    Attachment,
}

impl DocumentType {
    pub(super) fn parse(text: &str) -> Option<Self> {
        match text {
            "Primary" => Some(Self::Primary),
            "Attachment" => Some(Self::Attachment),
            _ => None,
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "Primary",
            Self::Attachment => "Attachment",
        }
    }
}

/// A PDF file attached to an agreement.
#[derive(Debug, Clone)]
pub(super) struct Document {
    pub(super) id: String,
    pub(super) agreement_id: String,
    pub(super) file_id: String,
    pub(super) created: OffsetDateTime,
    pub(super) metadata: Object,
    pub(super) kind: DocumentType,
}

impl Document {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "agreement_id": self.agreement_id,
            "file_id": self.file_id,
            "created_date": clock::format(self.created),
            "metadata": self.metadata,
            "type": self.kind.as_str(),
        })
    }
}

/// An uploaded file: what the API reports about it, and its bytes.
#[derive(Debug, Clone)]
pub(super) struct File {
    pub(super) id: String,
    pub(super) created: OffsetDateTime,
    pub(super) metadata: Object,
    pub(super) name: String,
    pub(super) size: usize,
    pub(super) sha256: String,
    pub(super) content_type: String,
    pub(super) is_pdf: bool,
    pub(super) content: bytes::Bytes,
}

impl File {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "created_date": clock::format(self.created),
            "metadata": self.metadata,
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "content_type": self.content_type,
        })
    }
}

/// Where a signee is in the signing process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SigneeStatus {
    Draft,
    Pending,
    Signed,
}

impl SigneeStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Pending => "Pending",
            Self::Signed => "Signed",
        }
    }
}

/// A participant who signs an agreement.
#[derive(Debug, Clone)]
pub(super) struct Signee {
    pub(super) id: String,
    pub(super) agreement_id: String,
    pub(super) created: OffsetDateTime,
    pub(super) status: SigneeStatus,
    pub(super) signed_date: Option<OffsetDateTime>,
    /// `email` and optionally `se_personal_number`, as strings.
    pub(super) attributes: Object,
    pub(super) metadata: Object,
    /// Whether a sign session was opened and not yet completed.
    pub(super) session_open: bool,
}

impl Signee {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "agreement_id": self.agreement_id,
            "created_date": clock::format(self.created),
            "status": self.status.as_str(),
            "signed_date": self.signed_date.map(clock::format),
            "attributes": self.attributes,
            "metadata": self.metadata,
        })
    }
}

/// A sub-tenant.
#[derive(Debug, Clone)]
pub(super) struct Tenant {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) language_code: Option<String>,
    pub(super) time_zone: Option<String>,
}

impl Tenant {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "language_code": self.language_code,
            "time_zone": self.time_zone,
        })
    }
}

/// The look of the signing portal.
#[derive(Debug, Clone)]
pub(super) struct Theme {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) icon_file_id: Option<String>,
    pub(super) logo_file_id: Option<String>,
    pub(super) color_primary_hex: Option<String>,
    pub(super) color_secondary_hex: Option<String>,
}

impl Theme {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "icon_file_id": self.icon_file_id,
            "logo_file_id": self.logo_file_id,
            "color_primary_hex": self.color_primary_hex,
            "color_secondary_hex": self.color_secondary_hex,
        })
    }
}

/// A registered webhook endpoint.
#[derive(Debug, Clone)]
pub(super) struct Webhook {
    pub(super) id: String,
    pub(super) created: OffsetDateTime,
    pub(super) url: String,
    pub(super) events: Vec<&'static str>,
    /// `whsec_` followed by the base64 key.
    pub(super) secret: String,
}

impl Webhook {
    /// The webhook as listed: the secret is only ever shown at creation.
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "url": self.url,
            "events": self.events,
        })
    }

    /// The webhook as returned by its creation, secret included.
    pub(super) fn to_json_with_secret(&self) -> Value {
        let mut value = self.to_json();
        if let Value::Object(map) = &mut value {
            map.insert("secret".to_owned(), Value::String(self.secret.clone()));
        }
        value
    }

    pub(super) fn wants(&self, event: &str) -> bool {
        self.events.contains(&event)
    }
}

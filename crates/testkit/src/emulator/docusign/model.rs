//! What the emulator keeps about envelopes, their documents, recipients and custom fields.

use bytes::Bytes;
use serde_json::Value;
use time::OffsetDateTime;

/// Status of an envelope, spelt as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EnvelopeStatus {
    /// A draft.
    Created,
    Sent,
    /// Every signer whose turn has come has opened it.
    Delivered,
    Completed,
    Declined,
    Voided,
    /// A draft moved to the recycle bin.
    Deleted,
}

impl EnvelopeStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Completed => "completed",
            Self::Declined => "declined",
            Self::Voided => "voided",
            Self::Deleted => "deleted",
        }
    }

    /// Sent or delivered: recipients are at work on it.
    pub(super) fn in_process(self) -> bool {
        matches!(self, Self::Sent | Self::Delivered)
    }

    /// Every status a client may filter a listing on, `any` aside.
    pub(super) const FILTERS: [&'static str; 10] = [
        "completed",
        "created",
        "declined",
        "deleted",
        "delivered",
        "processing",
        "sent",
        "signed",
        "timedout",
        "voided",
    ];
}

/// Status of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RecipientStatus {
    /// Not yet their turn.
    Created,
    /// Their turn: the envelope was sent to them.
    Sent,
    /// They opened the envelope.
    Delivered,
    /// They finished: signed, or (for a carbon copy) the envelope completed.
    Completed,
    Declined,
}

impl RecipientStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Completed => "completed",
            Self::Declined => "declined",
        }
    }
}

/// The kinds of recipient the emulator supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RecipientKind {
    Signer,
    CarbonCopy,
}

impl RecipientKind {
    /// The `recipientType` value.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Signer => "signer",
            Self::CarbonCopy => "carboncopy",
        }
    }
}

/// One recipient of an envelope.
#[derive(Debug, Clone)]
pub(super) struct Recipient {
    pub(super) kind: RecipientKind,
    /// `recipientId`.
    pub(super) id: String,
    /// `recipientIdGuid`.
    pub(super) id_guid: String,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) routing_order: u32,
    pub(super) client_user_id: Option<String>,
    pub(super) role_name: Option<String>,
    pub(super) status: RecipientStatus,
    pub(super) sent_at: Option<OffsetDateTime>,
    pub(super) delivered_at: Option<OffsetDateTime>,
    pub(super) signed_at: Option<OffsetDateTime>,
    pub(super) declined_at: Option<OffsetDateTime>,
    pub(super) declined_reason: Option<String>,
}

impl Recipient {
    /// Whether it is this recipient's turn to act (sent or delivered).
    pub(super) fn has_turn(&self) -> bool {
        matches!(
            self.status,
            RecipientStatus::Sent | RecipientStatus::Delivered
        )
    }
}

/// One document with its bytes.
#[derive(Debug, Clone)]
pub(super) struct Document {
    /// `documentId`.
    pub(super) id: String,
    /// `documentIdGuid`.
    pub(super) id_guid: String,
    pub(super) name: String,
    pub(super) order: u32,
    pub(super) content: Bytes,
}

/// One text custom field (`customFields.textCustomFields[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TextCustomField {
    pub(super) field_id: String,
    pub(super) name: String,
    pub(super) value: String,
    /// `"true"` or `"false"`, as given (default `"true"`).
    pub(super) show: String,
    /// `"true"` or `"false"`, as given (default `"false"`).
    pub(super) required: String,
}

/// A per-envelope Connect configuration (`eventNotification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EventNotification {
    pub(super) url: String,
    pub(super) include_hmac: bool,
    pub(super) require_acknowledgment: bool,
    /// Canonical event names, such as `envelope-sent` and `recipient-completed`.
    pub(super) events: Vec<&'static str>,
    /// `eventData.includeData`: which parts of the envelope the payload carries.
    pub(super) include_data: Vec<String>,
}

/// The folder an envelope sits in, as far as the emulator models folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Folder {
    Normal,
    RecycleBin,
}

/// One envelope.
#[derive(Debug, Clone)]
pub(super) struct Envelope {
    pub(super) id: String,
    pub(super) account_id: String,
    pub(super) status: EnvelopeStatus,
    pub(super) email_subject: Option<String>,
    pub(super) email_blurb: Option<String>,
    pub(super) documents: Vec<Document>,
    pub(super) recipients: Vec<Recipient>,
    pub(super) text_custom_fields: Vec<TextCustomField>,
    /// `customFields.listCustomFields[]` as given: kept and shown, never interpreted.
    pub(super) list_custom_fields: Vec<Value>,
    pub(super) notification: Option<EventNotification>,
    pub(super) folder: Folder,
    pub(super) created_at: OffsetDateTime,
    pub(super) last_modified_at: OffsetDateTime,
    pub(super) status_changed_at: OffsetDateTime,
    pub(super) sent_at: Option<OffsetDateTime>,
    pub(super) initial_sent_at: Option<OffsetDateTime>,
    pub(super) delivered_at: Option<OffsetDateTime>,
    pub(super) completed_at: Option<OffsetDateTime>,
    pub(super) declined_at: Option<OffsetDateTime>,
    pub(super) voided_at: Option<OffsetDateTime>,
    pub(super) voided_reason: Option<String>,
    pub(super) deleted_at: Option<OffsetDateTime>,
}

impl Envelope {
    /// Moves the envelope to `status` at `now`, stamping the change.
    pub(super) fn set_status(&mut self, status: EnvelopeStatus, now: OffsetDateTime) {
        self.status = status;
        self.status_changed_at = now;
        self.last_modified_at = now;
    }

    /// The relative URI of the envelope, as DocuSign gives it (`/envelopes/{id}`).
    pub(super) fn uri(&self) -> String {
        format!("/envelopes/{}", self.id)
    }

    pub(super) fn signers(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients
            .iter()
            .filter(|recipient| recipient.kind == RecipientKind::Signer)
    }
}

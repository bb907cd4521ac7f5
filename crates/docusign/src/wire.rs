//! DocuSign's wire types: the JSON the eSignature REST API v2.1 accepts and answers, the auth
//! host's token and userinfo answers, and the Connect message, in one place.
//!
//! Names are the specification's (release 21.1.00, `definitions`), letter for letter. DocuSign
//! declares numbers and booleans as strings (`"routingOrder": "1"`, `"show": "false"`): what is
//! sent is always a string there, and what is read accepts a string or a plain JSON number or
//! boolean. Only what DocuSign promises is required when reading; unknown statuses are kept
//! (`Other`), and each envelope keeps its JSON as received in `raw`.

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize, Serializer};
use signing_core::{Document, RawJson};
use time::OffsetDateTime;

signing_core::string_id! {
    /// The id of an envelope (a GUID).
    EnvelopeId
}
signing_core::string_id! {
    /// The id of a recipient within an envelope (`"1"`, `"2"`, ...), chosen by the sender.
    RecipientId
}
signing_core::string_id! {
    /// The id of a document within an envelope (`"1"`, `"2"`, ...), chosen by the sender.
    DocumentId
}
signing_core::string_id! {
    /// The id of a DocuSign account (a GUID).
    AccountId
}

signing_core::open_enum! {
    /// Where an envelope is (`envelope.status`).
    EnvelopeStatus {
        /// A draft: it can be changed and sent later.
        Created => "created",
        /// Sent to the recipients whose turn has come.
        Sent => "sent",
        /// Every recipient whose turn has come has opened it.
        Delivered => "delivered",
        /// Signed by the recipients (a passing status before `completed`).
        Signed => "signed",
        /// Every recipient has finished: the documents are signed.
        Completed => "completed",
        /// A recipient declined to sign.
        Declined => "declined",
        /// The sender voided it; nobody can sign it any more.
        Voided => "voided",
        /// A draft moved to the recycle bin.
        Deleted => "deleted",
    }
}

signing_core::open_enum! {
    /// Where one recipient is (`signer.status`, `carbonCopy.status`).
    RecipientStatus {
        /// Not sent yet: their routing order has not come (or the envelope is a draft).
        Created => "created",
        /// Sent the envelope.
        Sent => "sent",
        /// Opened the envelope.
        Delivered => "delivered",
        /// Signed (a passing status before `completed`).
        Signed => "signed",
        /// Finished: a signer has signed, a carbon copy has received the documents.
        Completed => "completed",
        /// Declined to sign.
        Declined => "declined",
        /// The e-mail to the recipient bounced or got an automatic answer.
        AutoResponded => "autoresponded",
    }
}

// ---- sending an envelope ------------------------------------------------------------------

/// The body of "create envelope" (`envelopeDefinition`): what is needed to create a draft or
/// send an envelope at once.
///
/// ```
/// use docusign::{EnvelopeDefinition, EnvelopeStatus, NewDocument, NewSigner};
///
/// let mut definition = EnvelopeDefinition::new("Please sign the NDA");
/// definition.status = Some(EnvelopeStatus::Sent);
/// definition.documents.push(NewDocument::new("1", "nda.pdf", "pdf", &b"%PDF-1.7"[..]));
/// definition
///     .recipients
///     .signers
///     .push(NewSigner::new("1", "Ada Lovelace", "ada@example.com", 1));
/// let json = serde_json::to_value(&definition)?;
/// assert_eq!(json["recipients"]["signers"][0]["routingOrder"], "1");
/// // The bytes travel in a part of their own, not in the JSON.
/// assert_eq!(json["documents"][0], serde_json::json!({"documentId": "1", "name": "nda.pdf", "fileExtension": "pdf"}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvelopeDefinition {
    /// `emailSubject`: the subject of the e-mails to the recipients; required to send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    /// `emailBlurb`: the body of the e-mails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_blurb: Option<String>,
    /// `status`: [`Sent`](EnvelopeStatus::Sent) sends at once, [`Created`](EnvelopeStatus::Created)
    /// (DocuSign's default) makes a draft.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<EnvelopeStatus>,
    /// `documents`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<NewDocument>,
    /// `recipients`.
    #[serde(skip_serializing_if = "NewRecipients::is_empty")]
    pub recipients: NewRecipients,
    /// `customFields`: the application's text fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<CustomFields>,
    /// `eventNotification`: this envelope's own Connect webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_notification: Option<EventNotification>,
}

impl EnvelopeDefinition {
    /// A definition with this e-mail subject and nothing else yet (a draft unless `status` is
    /// set).
    pub fn new(email_subject: impl Into<String>) -> Self {
        Self {
            email_subject: Some(email_subject.into()),
            ..Self::default()
        }
    }
}

/// A document of an [`EnvelopeDefinition`] (`document`). Its bytes are not in the JSON: "create
/// envelope" sends them as a binary part of a multipart request, the form DocuSign documents
/// as the alternative to `documentBase64` (which adds a third to the size and must be held
/// whole in the JSON); see [`Envelopes::create`](crate::Envelopes::create).
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewDocument {
    /// `documentId`: a whole number from 1, unique in the envelope.
    pub document_id: DocumentId,
    /// `name`.
    pub name: String,
    /// `fileExtension` (`pdf`, `docx`, ...): required for anything but a PDF. When `None`, the
    /// extension of the format recognised from the first bytes is sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    /// The content: bytes in memory, or a file or reader streamed as it is sent.
    #[serde(skip)]
    pub content: Document,
}

impl NewDocument {
    /// Document `id` named `name`, of type `extension`, holding `content`.
    pub fn new(
        id: impl Into<DocumentId>,
        name: impl Into<String>,
        extension: impl Into<String>,
        content: impl Into<Bytes>,
    ) -> Self {
        let name = name.into();
        Self {
            document_id: id.into(),
            content: Document::new(name.clone(), content),
            name,
            file_extension: Some(extension.into()),
        }
    }

    /// Document `id` holding `document`, named after it, its extension that of the format
    /// recognised from its first bytes when it is sent.
    pub fn from_document(id: impl Into<DocumentId>, document: Document) -> Self {
        Self {
            document_id: id.into(),
            name: document.name().to_owned(),
            file_extension: None,
            content: document,
        }
    }
}

impl fmt::Debug for NewDocument {
    // The bytes are omitted: a document in a log line helps nobody.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewDocument")
            .field("document_id", &self.document_id)
            .field("name", &self.name)
            .field("file_extension", &self.file_extension)
            .field("content", &self.content)
            .finish()
    }
}

/// The recipients of an [`EnvelopeDefinition`] (`EnvelopeRecipients`): signers and carbon
/// copies.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewRecipients {
    /// `signers`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<NewSigner>,
    /// `carbonCopies`: recipients who receive the documents without signing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carbon_copies: Vec<NewCarbonCopy>,
}

impl NewRecipients {
    /// Whether there is no recipient.
    pub fn is_empty(&self) -> bool {
        self.signers.is_empty() && self.carbon_copies.is_empty()
    }
}

/// A signer of an [`EnvelopeDefinition`] (`signer`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewSigner {
    /// `recipientId`: unique in the envelope.
    pub recipient_id: RecipientId,
    /// `name`: the full legal name, at most 100 characters.
    pub name: String,
    /// `email`, at most 100 characters.
    pub email: String,
    /// `routingOrder`: equal numbers sign in parallel, ascending numbers one after another.
    #[serde(serialize_with = "string_number")]
    pub routing_order: u32,
    /// `clientUserId`: makes the signer embedded, signing through a
    /// [recipient view](crate::Views::recipient) instead of an e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_user_id: Option<String>,
}

impl NewSigner {
    /// Recipient `id`, `name` at `email`, signing at `routing_order`.
    pub fn new(
        id: impl Into<RecipientId>,
        name: impl Into<String>,
        email: impl Into<String>,
        routing_order: u32,
    ) -> Self {
        Self {
            recipient_id: id.into(),
            name: name.into(),
            email: email.into(),
            routing_order,
            client_user_id: None,
        }
    }
}

/// A carbon copy of an [`EnvelopeDefinition`] (`carbonCopy`): receives the documents when
/// routing reaches its order, and the signed documents at the end.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewCarbonCopy {
    /// `recipientId`: unique in the envelope, signers included.
    pub recipient_id: RecipientId,
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: String,
    /// `routingOrder`.
    #[serde(serialize_with = "string_number")]
    pub routing_order: u32,
}

impl NewCarbonCopy {
    /// Recipient `id`, `name` at `email`, copied at `routing_order`.
    pub fn new(
        id: impl Into<RecipientId>,
        name: impl Into<String>,
        email: impl Into<String>,
        routing_order: u32,
    ) -> Self {
        Self {
            recipient_id: id.into(),
            name: name.into(),
            email: email.into(),
            routing_order,
        }
    }
}

/// An envelope's custom fields (`AccountCustomFields`): sent with a definition, read with
/// `include=custom_fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomFields {
    /// `textCustomFields`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text_custom_fields: Vec<TextCustomField>,
}

/// A text custom field (`textCustomField`): a name and a value of at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TextCustomField {
    /// `fieldId`: given by DocuSign.
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "lenient::string_or_number"
    )]
    pub field_id: Option<String>,
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `value`, at most 100 characters.
    #[serde(default)]
    pub value: String,
    /// `show`: whether senders see the field when they create or send an envelope.
    #[serde(
        default,
        serialize_with = "string_flag",
        deserialize_with = "lenient::flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub show: Option<bool>,
    /// `required`: whether senders must fill it in.
    #[serde(
        default,
        serialize_with = "string_flag",
        deserialize_with = "lenient::flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub required: Option<bool>,
}

impl TextCustomField {
    /// A field `name` holding `value`, hidden from senders and not required.
    pub fn hidden(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            field_id: None,
            name: name.into(),
            value: value.into(),
            show: Some(false),
            required: Some(false),
        }
    }
}

/// An envelope's own Connect webhook (`eventNotification`).
///
/// [`json`](Self::json) asks for JSON messages (`eventData.version` `restv2.1`; without it
/// DocuSign sends its legacy XML), signed with the account's HMAC keys (`includeHMAC`, which
/// needs HMAC turned on in the account's Connect settings), retried until acknowledged, for the
/// envelope and recipient events the adapter maps.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventNotification {
    /// `url`: where DocuSign posts the messages (https).
    pub url: String,
    /// `loggingEnabled`: keep the messages in the account's Connect logs.
    #[serde(serialize_with = "string_bool")]
    pub logging_enabled: bool,
    /// `requireAcknowledgment`: retry a message until the receiver answers 2xx.
    #[serde(serialize_with = "string_bool")]
    pub require_acknowledgment: bool,
    /// `includeHMAC`: sign each message with the account's HMAC keys.
    #[serde(rename = "includeHMAC", serialize_with = "string_bool")]
    pub include_hmac: bool,
    /// `envelopeEvents`: the envelope statuses that trigger a message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub envelope_events: Vec<EnvelopeEvent>,
    /// `recipientEvents`: the recipient statuses that trigger a message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipient_events: Vec<RecipientEvent>,
    /// `eventData`: the message format and what it includes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_data: Option<ConnectEventData>,
}

impl EventNotification {
    /// JSON messages to `url`, HMAC-signed, retried until acknowledged and logged, for the
    /// envelope events `Sent`, `Delivered`, `Completed`, `Declined`, `Voided` and the recipient
    /// events `Sent`, `Delivered`, `Completed`, `Declined`, `AutoResponded`, with the
    /// recipients included (so a recipient event can name the recipient).
    pub fn json(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            logging_enabled: true,
            require_acknowledgment: true,
            include_hmac: true,
            envelope_events: ["Sent", "Delivered", "Completed", "Declined", "Voided"]
                .into_iter()
                .map(EnvelopeEvent::new)
                .collect(),
            recipient_events: [
                "Sent",
                "Delivered",
                "Completed",
                "Declined",
                "AutoResponded",
            ]
            .into_iter()
            .map(RecipientEvent::new)
            .collect(),
            event_data: Some(ConnectEventData {
                version: CONNECT_VERSION.to_owned(),
                include_data: vec!["recipients".to_owned()],
            }),
        }
    }
}

/// The `eventData.version` of JSON Connect messages.
pub(crate) const CONNECT_VERSION: &str = "restv2.1";

/// An envelope status that triggers a Connect message (`envelopeEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvelopeEvent {
    /// `envelopeEventStatusCode`: `Draft`, `Sent`, `Delivered`, `Completed`, `Declined` or
    /// `Voided`.
    pub envelope_event_status_code: String,
}

impl EnvelopeEvent {
    /// A message when the envelope reaches `status`.
    pub fn new(status: impl Into<String>) -> Self {
        Self {
            envelope_event_status_code: status.into(),
        }
    }
}

/// A recipient status that triggers a Connect message (`recipientEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecipientEvent {
    /// `recipientEventStatusCode`: `Sent`, `Delivered`, `Completed`, `Declined`,
    /// `AuthenticationFailed` or `AutoResponded`.
    pub recipient_event_status_code: String,
}

impl RecipientEvent {
    /// A message when a recipient reaches `status`.
    pub fn new(status: impl Into<String>) -> Self {
        Self {
            recipient_event_status_code: status.into(),
        }
    }
}

/// What a Connect message holds (`connectEventData`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectEventData {
    /// `version`: `restv2.1` for JSON messages.
    pub version: String,
    /// `includeData`: what the message's `envelopeSummary` includes (`recipients`,
    /// `custom_fields`, `documents`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include_data: Vec<String>,
}

/// The answer to "create envelope" (`envelopeSummary`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvelopeSummary {
    /// `envelopeId`.
    pub envelope_id: EnvelopeId,
    /// `status`: `sent` or `created`.
    #[serde(default = "unknown_status")]
    pub status: EnvelopeStatus,
    /// `statusDateTime`: when it reached that status.
    #[serde(default, deserialize_with = "lenient::time")]
    pub status_date_time: Option<OffsetDateTime>,
    /// `uri`: the envelope's path below the account.
    #[serde(default)]
    pub uri: Option<String>,
    /// The answer as received.
    #[serde(skip)]
    pub raw: RawJson,
}

fn unknown_status() -> EnvelopeStatus {
    EnvelopeStatus::Other(String::new())
}

/// The body of "update envelope" (`envelope`) as the client sends it: send a draft, or void.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvelopeUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<EnvelopeStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) voided_reason: Option<String>,
}

/// The body of "move envelopes" (`foldersRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FoldersRequest {
    pub(crate) envelope_ids: Vec<EnvelopeId>,
}

// ---- reading envelopes ----------------------------------------------------------------------

/// An envelope as "get envelope" and listings answer it (`envelope`), with its recipients and
/// custom fields when they were included.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Envelope {
    /// `envelopeId`.
    pub envelope_id: EnvelopeId,
    /// `status`.
    #[serde(default = "unknown_status")]
    pub status: EnvelopeStatus,
    /// `emailSubject`.
    #[serde(default)]
    pub email_subject: Option<String>,
    /// `createdDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub created_date_time: Option<OffsetDateTime>,
    /// `sentDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub sent_date_time: Option<OffsetDateTime>,
    /// `statusChangedDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub status_changed_date_time: Option<OffsetDateTime>,
    /// `lastModifiedDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub last_modified_date_time: Option<OffsetDateTime>,
    /// `completedDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub completed_date_time: Option<OffsetDateTime>,
    /// `voidedReason`.
    #[serde(default)]
    pub voided_reason: Option<String>,
    /// `recipients`, with `include=recipients`.
    #[serde(default)]
    pub recipients: Option<Recipients>,
    /// `customFields`, with `include=custom_fields`.
    #[serde(default)]
    pub custom_fields: Option<CustomFields>,
    /// The envelope as received.
    #[serde(skip)]
    pub raw: RawJson,
}

/// An envelope's recipients (`EnvelopeRecipients`), as "list recipients" answers them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Recipients {
    /// `signers`.
    #[serde(default, deserialize_with = "lenient::list")]
    pub signers: Vec<Recipient>,
    /// `carbonCopies`.
    #[serde(default, deserialize_with = "lenient::list")]
    pub carbon_copies: Vec<Recipient>,
    /// `currentRoutingOrder`: the routing order whose recipients have the envelope now.
    #[serde(default, deserialize_with = "lenient::number")]
    pub current_routing_order: Option<u32>,
}

/// One recipient (a `signer` or a `carbonCopy`) and where they are.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Recipient {
    /// `recipientId`.
    #[serde(deserialize_with = "lenient::id")]
    pub recipient_id: RecipientId,
    /// `name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `email`.
    #[serde(default)]
    pub email: Option<String>,
    /// `routingOrder`.
    #[serde(default, deserialize_with = "lenient::number")]
    pub routing_order: Option<u32>,
    /// `status`.
    #[serde(default = "unknown_recipient_status")]
    pub status: RecipientStatus,
    /// `clientUserId`, for an embedded signer.
    #[serde(default)]
    pub client_user_id: Option<String>,
    /// `deliveredDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub delivered_date_time: Option<OffsetDateTime>,
    /// `signedDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub signed_date_time: Option<OffsetDateTime>,
    /// `declinedDateTime`.
    #[serde(default, deserialize_with = "lenient::time")]
    pub declined_date_time: Option<OffsetDateTime>,
    /// `declinedReason`.
    #[serde(default)]
    pub declined_reason: Option<String>,
}

fn unknown_recipient_status() -> RecipientStatus {
    RecipientStatus::Other(String::new())
}

/// One page of "list envelopes" (`envelopesInformation`).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EnvelopesPage {
    /// `envelopes` (absent from an empty page).
    pub envelopes: Vec<Envelope>,
    /// `startPosition`: the position of the first envelope of the page.
    pub start_position: Option<u64>,
    /// `resultSetSize`: how many envelopes the page holds.
    pub result_set_size: Option<u64>,
    /// `totalSetSize`: how many envelopes match in all.
    pub total_set_size: Option<u64>,
}

/// `envelopesInformation` as read, before its envelopes are decoded one by one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvelopesInformation<'a> {
    #[serde(default, borrow)]
    pub(crate) envelopes: Option<Vec<&'a serde_json::value::RawValue>>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) start_position: Option<u64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) result_set_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) total_set_size: Option<u64>,
}

/// The body of "create recipient view" (`recipientViewRequest`): an embedded signing session
/// for a signer created with a `clientUserId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecipientViewRequest {
    /// `returnUrl`: where DocuSign sends the signer afterwards, with an `event` query parameter.
    pub return_url: String,
    /// `authenticationMethod`: how the application authenticated the signer (`None`,
    /// `Password`, `SingleSignOn_SAML`, ...), shown on the certificate of completion.
    pub authentication_method: String,
    /// `email`: the signer's, as in the envelope.
    pub email: String,
    /// `userName`: the signer's name, as in the envelope.
    pub user_name: String,
    /// `clientUserId`: as the signer was created with.
    pub client_user_id: String,
    /// `recipientId`, when several signers share the name, e-mail and client user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<RecipientId>,
}

impl RecipientViewRequest {
    /// A session for the signer `user_name` at `email`, created with `client_user_id`, who
    /// returns to `return_url`; `authentication_method` is `None`.
    pub fn new(
        return_url: impl Into<String>,
        email: impl Into<String>,
        user_name: impl Into<String>,
        client_user_id: impl Into<String>,
    ) -> Self {
        Self {
            return_url: return_url.into(),
            authentication_method: "None".to_owned(),
            email: email.into(),
            user_name: user_name.into(),
            client_user_id: client_user_id.into(),
            recipient_id: None,
        }
    }
}

/// The answer to "create recipient view" (`EnvelopeViews`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RecipientView {
    /// `url`: the signing session, valid for a few minutes and for one use.
    pub url: String,
}

/// A failure answer of the REST API (`errorDetails`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorDetails {
    /// `errorCode`, such as `ENVELOPE_DOES_NOT_EXIST`.
    #[serde(default)]
    pub error_code: Option<String>,
    /// `message`.
    #[serde(default)]
    pub message: Option<String>,
}

// ---- the auth host --------------------------------------------------------------------------

/// `GET /oauth/userinfo`: the user and their accounts.
#[derive(Debug, Deserialize)]
pub(crate) struct UserInfo {
    #[serde(default)]
    pub(crate) accounts: Vec<UserAccount>,
}

/// One account of the user, with the host its API lives on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UserAccount {
    /// `account_id`.
    #[serde(deserialize_with = "lenient::id")]
    pub account_id: AccountId,
    /// `is_default`: the user's default account.
    #[serde(default, deserialize_with = "lenient::flag")]
    pub is_default: Option<bool>,
    /// `account_name`.
    #[serde(default)]
    pub account_name: Option<String>,
    /// `base_uri`: the account's API host (`https://demo.docusign.net`); the REST API is below
    /// `{base_uri}/restapi`.
    pub base_uri: String,
}

// ---- Connect --------------------------------------------------------------------------------

/// A JSON Connect message (`restv2.1`), as DocuSign posts it to an `eventNotification.url`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectMessage {
    /// `event`: `envelope-completed`, `recipient-completed`, ...
    pub event: String,
    /// `generatedDateTime`: when DocuSign generated the message; the same in every retry.
    #[serde(default)]
    pub generated_date_time: Option<String>,
    /// `retryCount`: how many times the message was sent before.
    #[serde(default, deserialize_with = "lenient::number")]
    pub retry_count: Option<u64>,
    /// `data`.
    #[serde(default)]
    pub data: ConnectData,
}

/// The `data` of a [`ConnectMessage`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectData {
    /// `accountId`.
    #[serde(default, deserialize_with = "lenient::string_or_number")]
    pub account_id: Option<String>,
    /// `envelopeId`.
    #[serde(default)]
    pub envelope_id: Option<EnvelopeId>,
    /// `recipientId`, in recipient events.
    #[serde(default, deserialize_with = "lenient::optional_id")]
    pub recipient_id: Option<RecipientId>,
    /// `envelopeSummary`: the envelope, with what `eventData.includeData` asked for.
    #[serde(default)]
    pub envelope_summary: Option<Envelope>,
}

// ---- how numbers and booleans travel --------------------------------------------------------

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature.
fn string_number<S: Serializer>(value: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_string())
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature.
fn string_bool<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if *value { "true" } else { "false" })
}

#[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)] // serde's signature.
fn string_flag<S: Serializer>(value: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => string_bool(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// Readers that take what DocuSign promises in the forms it has been seen to send: numbers and
/// booleans as strings or as JSON values, timestamps with up to seven decimals.
pub(crate) mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    fn text(value: Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// A number written as a string or a JSON number; `None` when absent, empty or not a
    /// whole number.
    pub(crate) fn number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: std::str::FromStr,
    {
        let value = Option::<Value>::deserialize(deserializer)?;
        Ok(value
            .and_then(text)
            .and_then(|text| text.trim().parse().ok()))
    }

    /// `true`/`false` written as a string (any case) or a JSON boolean.
    pub(crate) fn flag<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<bool>, D::Error> {
        let value = Option::<Value>::deserialize(deserializer)?;
        Ok(value
            .and_then(text)
            .and_then(|text| match text.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }))
    }

    /// A string, or a number read as its text.
    pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        Ok(Option::<Value>::deserialize(deserializer)?.and_then(text))
    }

    /// A required id, written as a string or a number.
    pub(crate) fn id<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: From<String>,
    {
        let value = Value::deserialize(deserializer)?;
        text(value)
            .map(T::from)
            .ok_or_else(|| serde::de::Error::custom("an id must be a string or a number"))
    }

    /// An optional id, written as a string or a number.
    pub(crate) fn optional_id<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: From<String>,
    {
        Ok(string_or_number(deserializer)?.map(T::from))
    }

    /// A list that may be `null`.
    pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
    }

    /// An RFC 3339 timestamp (DocuSign writes seven decimals); `None` when absent, empty or
    /// unreadable: a timestamp is never worth refusing an answer for.
    pub(crate) fn time<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let value = Option::<Value>::deserialize(deserializer)?;
        Ok(match value {
            Some(Value::String(text)) => OffsetDateTime::parse(text.trim(), &Rfc3339).ok(),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_and_booleans_are_sent_as_strings() {
        let mut definition = EnvelopeDefinition::new("Sign");
        definition.status = Some(EnvelopeStatus::Sent);
        definition.recipients.carbon_copies.push(NewCarbonCopy::new(
            "2",
            "cc@example.com",
            "cc@example.com",
            2,
        ));
        definition.custom_fields = Some(CustomFields {
            text_custom_fields: vec![TextCustomField::hidden("k", "v")],
        });
        definition.event_notification = Some(EventNotification::json("https://app.example.com/c"));
        let json = serde_json::to_value(&definition).unwrap();
        assert_eq!(json["status"], "sent");
        assert_eq!(json["recipients"]["carbonCopies"][0]["routingOrder"], "2");
        assert!(json["recipients"].get("signers").is_none());
        assert_eq!(
            json["customFields"]["textCustomFields"][0],
            json!({"name": "k", "value": "v", "show": "false", "required": "false"})
        );
        let notification = &json["eventNotification"];
        assert_eq!(notification["includeHMAC"], "true");
        assert_eq!(notification["requireAcknowledgment"], "true");
        assert_eq!(notification["eventData"]["version"], "restv2.1");
        assert_eq!(
            notification["envelopeEvents"][2],
            json!({"envelopeEventStatusCode": "Completed"})
        );
    }

    #[test]
    fn answers_are_read_leniently() {
        let envelope: Envelope = serde_json::from_value(json!({
            "envelopeId": "e-1",
            "status": "brand-new",
            "createdDateTime": "2026-01-02T03:04:05.1234567Z",
            "completedDateTime": "not a time",
            "recipients": {
                "signers": [{"recipientId": 1, "routingOrder": "2", "status": "sent"}],
                "carbonCopies": null,
                "currentRoutingOrder": 2
            },
            "customFields": {"textCustomFields": [{"name": "k", "value": "v", "show": "True"}]}
        }))
        .unwrap();
        assert_eq!(envelope.status, EnvelopeStatus::Other("brand-new".into()));
        assert!(envelope.created_date_time.is_some());
        assert!(envelope.completed_date_time.is_none());
        let recipients = envelope.recipients.unwrap();
        assert_eq!(recipients.signers[0].recipient_id.as_str(), "1");
        assert_eq!(recipients.signers[0].routing_order, Some(2));
        assert_eq!(recipients.current_routing_order, Some(2));
        assert!(recipients.carbon_copies.is_empty());
        let field = &envelope.custom_fields.unwrap().text_custom_fields[0];
        assert_eq!(field.show, Some(true));
        // Only the id is promised.
        let bare: Envelope = serde_json::from_value(json!({"envelopeId": "e-2"})).unwrap();
        assert_eq!(bare.status, EnvelopeStatus::Other(String::new()));
        assert!(serde_json::from_value::<Envelope>(json!({"status": "sent"})).is_err());
    }

    #[test]
    fn documents_never_show_their_bytes() {
        let document = NewDocument::new("1", "a.pdf", "pdf", &b"%PDF-secret"[..]);
        assert!(!format!("{document:?}").contains("secret"));
    }
}

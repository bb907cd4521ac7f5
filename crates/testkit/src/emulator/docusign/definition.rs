//! Reading an `envelopeDefinition` (the body of "create envelope") into a [`NewEnvelope`].
//!
//! The body has already been checked against the specification's shapes; this module applies
//! the rules the descriptions and guides state, and refuses what the emulator does not model
//! (templates, composite templates, workflows, recipient types other than signers and carbon
//! copies) instead of silently ignoring it.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::api_error::ApiError;
use super::connect;
use super::json::{self, array, flag, string};
use super::model::{EventNotification, RecipientKind};

/// Properties of an `envelopeDefinition` that would change the envelope in ways the emulator
/// does not model; any non-null value is refused.
const UNSUPPORTED: [&str; 5] = [
    "compositeTemplates",
    "templateId",
    "templateRoles",
    "workflow",
    "envelopeId",
];

/// Recipient types other than signers and carbon copies, refused when non-empty.
const OTHER_RECIPIENT_TYPES: [&str; 8] = [
    "agents",
    "certifiedDeliveries",
    "editors",
    "inPersonSigners",
    "intermediaries",
    "notaries",
    "seals",
    "witnesses",
];

/// A validated envelope to create.
#[derive(Debug, Clone)]
pub(super) struct NewEnvelope {
    pub(super) send: bool,
    pub(super) email_subject: Option<String>,
    pub(super) email_blurb: Option<String>,
    pub(super) documents: Vec<NewDocument>,
    pub(super) recipients: Vec<NewRecipient>,
    pub(super) text_custom_fields: Vec<NewTextField>,
    pub(super) list_custom_fields: Vec<Value>,
    pub(super) notification: Option<EventNotification>,
}

/// A document of the definition, with its bytes.
#[derive(Debug, Clone)]
pub(super) struct NewDocument {
    pub(super) document_id: String,
    pub(super) name: String,
    pub(super) order: Option<u32>,
    pub(super) content: Bytes,
}

/// A recipient of the definition.
#[derive(Debug, Clone)]
pub(super) struct NewRecipient {
    pub(super) kind: RecipientKind,
    pub(super) recipient_id: String,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) routing_order: u32,
    pub(super) client_user_id: Option<String>,
    pub(super) role_name: Option<String>,
}

/// A text custom field of the definition.
#[derive(Debug, Clone)]
pub(super) struct NewTextField {
    pub(super) name: String,
    pub(super) value: String,
    pub(super) show: String,
    pub(super) required: String,
}

/// Reads a checked `envelopeDefinition`. `parts` holds the document bytes sent as separate
/// parts of a multipart body, by `documentid`; each must be claimed by a document of the
/// definition.
pub(super) fn read(
    value: &Value,
    mut parts: BTreeMap<String, Bytes>,
) -> Result<NewEnvelope, ApiError> {
    let Some(definition) = json::object(value) else {
        return Err(ApiError::bad_body(
            "The envelope definition must be a JSON object.",
        ));
    };
    for key in UNSUPPORTED {
        if definition.get(key).is_some_and(|value| !value.is_null()) {
            return Err(ApiError::bad_parameter(format!(
                "`{key}` is not supported by the emulator."
            )));
        }
    }
    let send = match string(definition, "status") {
        None | Some("created") => false,
        Some("sent") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(format!(
                "An envelope can only be created with status \"created\" or \"sent\", not \"{other}\"."
            )));
        }
    };
    let documents = read_documents(definition, &mut parts)?;
    if let Some(document_id) = parts.keys().next() {
        return Err(ApiError::new(
            "INVALID_MULTI_PART_REQUEST",
            format!(
                "An error was found while parsing the multipart request. A part carries documentid={document_id}, which no document of the envelope definition has."
            ),
        ));
    }
    let recipients = match definition.get("recipients").and_then(Value::as_object) {
        Some(recipients) => read_recipients(recipients)?,
        None => Vec::new(),
    };
    let (text_custom_fields, list_custom_fields) =
        match definition.get("customFields").and_then(Value::as_object) {
            Some(fields) => read_custom_fields(fields)?,
            None => (Vec::new(), Vec::new()),
        };
    let notification = match definition
        .get("eventNotification")
        .and_then(Value::as_object)
    {
        Some(notification) => Some(read_notification(notification)?),
        None => None,
    };
    Ok(NewEnvelope {
        send,
        email_subject: string(definition, "emailSubject").map(str::to_owned),
        email_blurb: string(definition, "emailBlurb").map(str::to_owned),
        documents,
        recipients,
        text_custom_fields,
        list_custom_fields,
        notification,
    })
}

fn read_documents(
    definition: &Map<String, Value>,
    parts: &mut BTreeMap<String, Bytes>,
) -> Result<Vec<NewDocument>, ApiError> {
    let mut documents: Vec<NewDocument> = Vec::new();
    for (index, value) in array(definition, "documents").iter().enumerate() {
        let at = format!("documents[{index}]");
        let Some(document) = value.as_object() else {
            return Err(ApiError::bad_body(format!("`{at}` must be a JSON object.")));
        };
        let Some(document_id) = string(document, "documentId") else {
            return Err(ApiError::bad_parameter(format!(
                "`{at}.documentId` is required."
            )));
        };
        if json::parse_number(document_id, 1).is_none() {
            return Err(ApiError::bad_parameter(format!(
                "`{at}.documentId` must be a whole number from 1 to 2147483647 written as a string, not \"{document_id}\"."
            )));
        }
        if documents
            .iter()
            .any(|other| other.document_id == document_id)
        {
            return Err(ApiError::bad_parameter(format!(
                "Two documents have the documentId \"{document_id}\"."
            )));
        }
        let Some(name) = string(document, "name").filter(|name| !name.is_empty()) else {
            return Err(ApiError::bad_parameter(format!("`{at}.name` is required.")));
        };
        let part = parts.remove(document_id);
        let content = match (string(document, "documentBase64"), part) {
            (Some(_), Some(_)) => {
                return Err(ApiError::new(
                    "INVALID_MULTI_PART_REQUEST",
                    format!(
                        "An error was found while parsing the multipart request. Document {document_id} has both documentBase64 and a part of its own."
                    ),
                ));
            }
            (Some(encoded), None) => Bytes::from(BASE64.decode(encoded).map_err(|_| {
                ApiError::bad_body(format!("`{at}.documentBase64` is not valid base64."))
            })?),
            (None, Some(bytes)) => bytes,
            (None, None) => {
                return Err(ApiError::new(
                    "NO_DOCUMENT_RECEIVED",
                    format!(
                        "Bytes for document corresponding to documentId {document_id} not found in request."
                    ),
                ));
            }
        };
        let extension = string(document, "fileExtension")
            .or_else(|| name.rsplit_once('.').map(|(_, extension)| extension));
        if extension.is_some_and(|extension| extension.eq_ignore_ascii_case("pdf"))
            && !content.starts_with(b"%PDF-")
        {
            return Err(ApiError::new(
                "PDF_VALIDATION_FAILED",
                format!(
                    "The validation of the PDF file failed. Document {document_id} is not a PDF."
                ),
            ));
        }
        documents.push(NewDocument {
            document_id: document_id.to_owned(),
            name: name.to_owned(),
            order: json::number(document, "order", &at, 1)?,
            content,
        });
    }
    Ok(documents)
}

fn read_recipients(recipients: &Map<String, Value>) -> Result<Vec<NewRecipient>, ApiError> {
    for key in OTHER_RECIPIENT_TYPES {
        if !array(recipients, key).is_empty() {
            return Err(ApiError::bad_parameter(format!(
                "`recipients.{key}` is not supported by the emulator; use signers and carbonCopies."
            )));
        }
    }
    let mut read: Vec<NewRecipient> = Vec::new();
    for (key, kind) in [
        ("signers", RecipientKind::Signer),
        ("carbonCopies", RecipientKind::CarbonCopy),
    ] {
        for (index, value) in array(recipients, key).iter().enumerate() {
            let at = format!("recipients.{key}[{index}]");
            let Some(recipient) = value.as_object() else {
                return Err(ApiError::bad_body(format!("`{at}` must be a JSON object.")));
            };
            let new = read_recipient(recipient, kind, &at)?;
            if read
                .iter()
                .any(|other| other.recipient_id == new.recipient_id)
            {
                return Err(ApiError::bad_parameter(format!(
                    "Two recipients have the recipientId \"{}\".",
                    new.recipient_id
                )));
            }
            read.push(new);
        }
    }
    Ok(read)
}

fn read_recipient(
    recipient: &Map<String, Value>,
    kind: RecipientKind,
    at: &str,
) -> Result<NewRecipient, ApiError> {
    let Some(recipient_id) = string(recipient, "recipientId").filter(|id| !id.is_empty()) else {
        return Err(ApiError::bad_parameter(format!(
            "`{at}.recipientId` is required."
        )));
    };
    let email = string(recipient, "email").unwrap_or_default();
    if !is_email(email) {
        return Err(ApiError::new(
            "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
            format!(
                "The email address for the recipient is invalid. The recipient Id follows. {recipient_id}"
            ),
        ));
    }
    let Some(name) = string(recipient, "name").filter(|name| !name.trim().is_empty()) else {
        return Err(ApiError::new(
            "INVALID_USERNAME_FOR_RECIPIENT",
            format!(
                "The user name for the recipient is invalid. The recipient Id follows. {recipient_id}"
            ),
        ));
    };
    Ok(NewRecipient {
        kind,
        recipient_id: recipient_id.to_owned(),
        email: email.to_owned(),
        name: name.to_owned(),
        routing_order: json::number(recipient, "routingOrder", at, 1)?.unwrap_or(1),
        client_user_id: string(recipient, "clientUserId")
            .filter(|id| !id.is_empty())
            .map(str::to_owned),
        role_name: string(recipient, "roleName").map(str::to_owned),
    })
}

/// Something, `@`, something with a dot, and no spaces: enough to catch a name in the e-mail
/// field.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

type CustomFields = (Vec<NewTextField>, Vec<Value>);

fn read_custom_fields(fields: &Map<String, Value>) -> Result<CustomFields, ApiError> {
    let mut text_fields = Vec::new();
    for (index, value) in array(fields, "textCustomFields").iter().enumerate() {
        let at = format!("customFields.textCustomFields[{index}]");
        let Some(field) = value.as_object() else {
            return Err(ApiError::bad_body(format!("`{at}` must be a JSON object.")));
        };
        let Some(name) = string(field, "name").filter(|name| !name.is_empty()) else {
            return Err(ApiError::bad_parameter(format!("`{at}.name` is required.")));
        };
        let show = flag(field, "show", &at)?.unwrap_or(true);
        let required = flag(field, "required", &at)?.unwrap_or(false);
        text_fields.push(NewTextField {
            name: name.to_owned(),
            value: string(field, "value").unwrap_or_default().to_owned(),
            show: show.to_string(),
            required: required.to_string(),
        });
    }
    let list_fields = array(fields, "listCustomFields").to_vec();
    Ok((text_fields, list_fields))
}

/// The `includeData` values the descriptions list.
const INCLUDE_DATA: [&str; 9] = [
    "attachments",
    "custom_fields",
    "documents",
    "extensions",
    "folders",
    "payment_tabs",
    "powerform",
    "recipients",
    "tabs",
];

fn read_notification(notification: &Map<String, Value>) -> Result<EventNotification, ApiError> {
    let at = "eventNotification";
    let Some(url) = string(notification, "url").filter(|url| !url.is_empty()) else {
        return Err(ApiError::bad_parameter(
            "`eventNotification.url` is required.",
        ));
    };
    connect::check_url(url).map_err(ApiError::bad_parameter)?;
    let include_hmac = flag(notification, "includeHMAC", at)?.unwrap_or(false);
    let require_acknowledgment = flag(notification, "requireAcknowledgment", at)?.unwrap_or(false);

    let event_data = notification.get("eventData").and_then(Value::as_object);
    let version = event_data.and_then(|data| string(data, "version"));
    if !version.is_some_and(|version| version.eq_ignore_ascii_case("restv2.1")) {
        return Err(ApiError::bad_parameter(
            "The emulator sends JSON Connect messages only: set `eventNotification.eventData.version` to \"restv2.1\" (without it DocuSign sends its legacy XML format).",
        ));
    }
    if let Some(format) = event_data.and_then(|data| string(data, "format"))
        && !format.eq_ignore_ascii_case("json")
    {
        return Err(ApiError::bad_parameter(format!(
            "The emulator sends JSON Connect messages only: `eventNotification.eventData.format` \"{format}\" is not supported."
        )));
    }
    let mut include_data = Vec::new();
    for item in event_data.map_or(&[][..], |data| array(data, "includeData")) {
        let item = item.as_str().unwrap_or_default();
        if !INCLUDE_DATA.contains(&item) {
            return Err(ApiError::bad_parameter(format!(
                "`eventNotification.eventData.includeData` holds the unknown value \"{item}\"."
            )));
        }
        include_data.push(item.to_owned());
    }

    let mut events: Vec<&'static str> = Vec::new();
    let mut add = |event: &'static str| {
        if !events.contains(&event) {
            events.push(event);
        }
    };
    for (index, item) in array(notification, "envelopeEvents").iter().enumerate() {
        let code = item
            .get("envelopeEventStatusCode")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let event = connect::envelope_event(code).ok_or_else(|| {
            ApiError::bad_parameter(format!(
                "`eventNotification.envelopeEvents[{index}].envelopeEventStatusCode` \"{code}\" is not one of Draft, Sent, Delivered, Completed, Declined, Voided."
            ))
        })?;
        add(event);
    }
    for (index, item) in array(notification, "recipientEvents").iter().enumerate() {
        let code = item
            .get("recipientEventStatusCode")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let event = connect::recipient_event(code).ok_or_else(|| {
            ApiError::bad_parameter(format!(
                "`eventNotification.recipientEvents[{index}].recipientEventStatusCode` \"{code}\" is not one of Sent, Delivered, Completed, Declined, AuthenticationFailed, AutoResponded."
            ))
        })?;
        add(event);
    }
    for (index, item) in array(notification, "events").iter().enumerate() {
        let name = item.as_str().unwrap_or_default();
        let event = connect::known_event(name).ok_or_else(|| {
            ApiError::bad_parameter(format!(
                "`eventNotification.events[{index}]` \"{name}\" is not a Connect event."
            ))
        })?;
        add(event);
    }
    if events.is_empty() {
        return Err(ApiError::bad_parameter(
            "`eventNotification` must name at least one event in envelopeEvents, recipientEvents or events.",
        ));
    }
    Ok(EventNotification {
        url: url.to_owned(),
        include_hmac,
        require_acknowledgment,
        events,
        include_data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn definition() -> Value {
        json!({
            "status": "sent",
            "emailSubject": "Sign",
            "documents": [{"documentId": "1", "name": "a.pdf", "documentBase64": BASE64.encode(b"%PDF-1.4")}],
            "recipients": {
                "signers": [{"email": "a@example.com", "name": "A", "recipientId": "1", "routingOrder": "2"}],
                "carbonCopies": [{"email": "c@example.com", "name": "C", "recipientId": "2"}]
            },
            "customFields": {"textCustomFields": [{"name": "ref", "value": "R-1", "show": "false"}]},
            "eventNotification": {
                "url": "https://example.com/hook",
                "includeHMAC": "true",
                "envelopeEvents": [{"envelopeEventStatusCode": "completed"}],
                "recipientEvents": [{"recipientEventStatusCode": "Sent"}],
                "events": ["envelope-completed", "recipient-declined"],
                "eventData": {"version": "restv2.1", "format": "json", "includeData": ["recipients"]}
            }
        })
    }

    #[test]
    fn reads_a_complete_definition() {
        let envelope = read(&definition(), BTreeMap::new()).expect("valid");
        assert!(envelope.send);
        assert_eq!(envelope.documents[0].content.as_ref(), b"%PDF-1.4");
        assert_eq!(envelope.recipients.len(), 2);
        assert_eq!(envelope.recipients[0].routing_order, 2);
        assert_eq!(envelope.recipients[1].routing_order, 1);
        assert_eq!(envelope.text_custom_fields[0].show, "false");
        let notification = envelope.notification.expect("notification");
        assert!(notification.include_hmac);
        assert_eq!(
            notification.events,
            ["envelope-completed", "recipient-sent", "recipient-declined"]
        );
    }

    #[test]
    fn refuses_broken_definitions() {
        let cases: [(&str, Value, &str); 9] = [
            ("/status", json!("completed"), "INVALID_REQUEST_PARAMETER"),
            (
                "/documents/0/documentBase64",
                json!("%%%"),
                "INVALID_REQUEST_BODY",
            ),
            (
                "/documents/0/documentBase64",
                json!(BASE64.encode(b"hello")),
                "PDF_VALIDATION_FAILED",
            ),
            (
                "/documents/0/documentId",
                json!("0"),
                "INVALID_REQUEST_PARAMETER",
            ),
            (
                "/recipients/signers/0/email",
                json!("Ann"),
                "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
            ),
            (
                "/recipients/signers/0/name",
                json!(" "),
                "INVALID_USERNAME_FOR_RECIPIENT",
            ),
            (
                "/recipients/carbonCopies/0/recipientId",
                json!("1"),
                "INVALID_REQUEST_PARAMETER",
            ),
            (
                "/eventNotification/url",
                json!("http://example.com/hook"),
                "INVALID_REQUEST_PARAMETER",
            ),
            (
                "/eventNotification/eventData/version",
                json!("legacy"),
                "INVALID_REQUEST_PARAMETER",
            ),
        ];
        for (pointer, value, code) in cases {
            let mut body = definition();
            *body.pointer_mut(pointer).expect("pointer") = value;
            let error = read(&body, BTreeMap::new()).expect_err(pointer);
            assert_eq!(error.code, code, "{pointer}: {}", error.message);
        }
        let mut body = definition();
        body["documents"][0]
            .as_object_mut()
            .expect("object")
            .remove("documentBase64");
        let error = read(&body, BTreeMap::new()).expect_err("no bytes");
        assert_eq!(error.code, "NO_DOCUMENT_RECEIVED");
        let parts = BTreeMap::from([("1".to_owned(), Bytes::from_static(b"%PDF-1.7"))]);
        let envelope = read(&body, parts).expect("bytes from the part");
        assert_eq!(envelope.documents[0].content.as_ref(), b"%PDF-1.7");
        let parts = BTreeMap::from([("2".to_owned(), Bytes::from_static(b"%PDF-1.7"))]);
        let error = read(&definition(), parts).expect_err("stray part");
        assert_eq!(error.code, "INVALID_MULTI_PART_REQUEST");
    }

    #[test]
    fn email_check_is_loose_but_catches_names() {
        assert!(is_email("a.b@example.co.uk"));
        assert!(!is_email("Ann Smith"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@example.com"));
        assert!(!is_email("@example.com"));
    }
}

//! Envelopes, recipients and documents as the API renders them: every number and boolean a
//! string, timestamps only once they happened, URIs relative to the account
//! (`/envelopes/{id}/...`), as DocuSign writes them.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::clock;
use super::model::{Envelope, Recipient, RecipientKind, RecipientStatus};

/// Who sent the envelopes: the impersonated user.
#[derive(Debug, Clone)]
pub(super) struct Sender<'a> {
    pub(super) user_id: &'a str,
    pub(super) user_name: &'a str,
    pub(super) email: &'a str,
}

/// What to add to an envelope beyond its own properties (`include=...`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Include {
    pub(super) recipients: bool,
    pub(super) custom_fields: bool,
    pub(super) documents: bool,
}

fn put(object: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    object.insert(key.to_owned(), value.into());
}

fn put_time(object: &mut Map<String, Value>, key: &str, at: Option<OffsetDateTime>) {
    if let Some(at) = at {
        put(object, key, clock::format(at));
    }
}

/// The `envelope` object of "get envelope" and of listings.
pub(super) fn envelope(envelope: &Envelope, sender: &Sender<'_>, include: Include) -> Value {
    let uri = envelope.uri();
    let mut object = Map::new();
    put(&mut object, "envelopeId", envelope.id.as_str());
    put(&mut object, "status", envelope.status.as_str());
    put(
        &mut object,
        "emailSubject",
        envelope.email_subject.clone().unwrap_or_default(),
    );
    if let Some(blurb) = &envelope.email_blurb {
        put(&mut object, "emailBlurb", blurb.as_str());
    }
    put(&mut object, "envelopeUri", uri.as_str());
    put(&mut object, "recipientsUri", format!("{uri}/recipients"));
    put(&mut object, "documentsUri", format!("{uri}/documents"));
    put(
        &mut object,
        "documentsCombinedUri",
        format!("{uri}/documents/combined"),
    );
    put(
        &mut object,
        "certificateUri",
        format!("{uri}/documents/certificate"),
    );
    put(
        &mut object,
        "customFieldsUri",
        format!("{uri}/custom_fields"),
    );
    put(
        &mut object,
        "notificationUri",
        format!("{uri}/notification"),
    );
    put(&mut object, "attachmentsUri", format!("{uri}/attachments"));
    put(&mut object, "templatesUri", format!("{uri}/templates"));
    put_time(&mut object, "createdDateTime", Some(envelope.created_at));
    put_time(
        &mut object,
        "lastModifiedDateTime",
        Some(envelope.last_modified_at),
    );
    put_time(
        &mut object,
        "statusChangedDateTime",
        Some(envelope.status_changed_at),
    );
    put_time(&mut object, "initialSentDateTime", envelope.initial_sent_at);
    put_time(&mut object, "sentDateTime", envelope.sent_at);
    put_time(&mut object, "deliveredDateTime", envelope.delivered_at);
    put_time(&mut object, "completedDateTime", envelope.completed_at);
    put_time(&mut object, "declinedDateTime", envelope.declined_at);
    put_time(&mut object, "voidedDateTime", envelope.voided_at);
    if let Some(reason) = &envelope.voided_reason {
        put(&mut object, "voidedReason", reason.as_str());
    }
    put_time(&mut object, "deletedDateTime", envelope.deleted_at);
    put(&mut object, "purgeState", "unpurged");
    put(&mut object, "is21CFRPart11", "false");
    put(&mut object, "signerCanSignOnMobile", "true");
    put(&mut object, "isSignatureProviderEnvelope", "false");
    put(&mut object, "allowMarkup", "false");
    put(&mut object, "allowReassign", "true");
    put(&mut object, "enableWetSign", "true");
    put(&mut object, "enforceSignerVisibility", "false");
    put(&mut object, "autoNavigation", "true");
    put(&mut object, "envelopeIdStamping", "true");
    put(&mut object, "hasComments", "false");
    put(&mut object, "hasFormDataChanged", "false");
    put(
        &mut object,
        "sender",
        json!({
            "userName": sender.user_name,
            "userId": sender.user_id,
            "accountId": envelope.account_id,
            "email": sender.email,
        }),
    );
    if include.recipients {
        put(&mut object, "recipients", recipients(envelope));
    }
    if include.custom_fields {
        put(&mut object, "customFields", custom_fields(envelope));
    }
    if include.documents {
        put(&mut object, "envelopeDocuments", documents(envelope));
    }
    Value::Object(object)
}

/// The `envelopeSummary` answered to "create envelope".
pub(super) fn summary(envelope: &Envelope) -> Value {
    json!({
        "envelopeId": envelope.id,
        "uri": envelope.uri(),
        "statusDateTime": clock::format(envelope.status_changed_at),
        "status": envelope.status.as_str(),
    })
}

/// The `EnvelopeRecipients` object: signers and carbon copies with their statuses.
pub(super) fn recipients(envelope: &Envelope) -> Value {
    let of_kind = |kind: RecipientKind| -> Vec<Value> {
        envelope
            .recipients
            .iter()
            .filter(|recipient| recipient.kind == kind)
            .map(recipient)
            .collect()
    };
    let current = envelope
        .signers()
        .filter(|signer| signer.has_turn())
        .map(|signer| signer.routing_order)
        .min();
    let mut object = Map::new();
    put(&mut object, "signers", of_kind(RecipientKind::Signer));
    put(&mut object, "agents", Vec::<Value>::new());
    put(&mut object, "editors", Vec::<Value>::new());
    put(&mut object, "intermediaries", Vec::<Value>::new());
    put(
        &mut object,
        "carbonCopies",
        of_kind(RecipientKind::CarbonCopy),
    );
    put(&mut object, "certifiedDeliveries", Vec::<Value>::new());
    put(&mut object, "inPersonSigners", Vec::<Value>::new());
    put(&mut object, "seals", Vec::<Value>::new());
    put(&mut object, "witnesses", Vec::<Value>::new());
    put(&mut object, "notaries", Vec::<Value>::new());
    put(
        &mut object,
        "recipientCount",
        envelope.recipients.len().to_string(),
    );
    if let Some(current) = current {
        put(&mut object, "currentRoutingOrder", current.to_string());
    }
    Value::Object(object)
}

fn recipient(recipient: &Recipient) -> Value {
    let mut object = Map::new();
    put(&mut object, "creationReason", "sender");
    put(&mut object, "requireUploadSignature", "false");
    put(&mut object, "name", recipient.name.as_str());
    put(&mut object, "email", recipient.email.as_str());
    put(&mut object, "recipientId", recipient.id.as_str());
    put(&mut object, "recipientIdGuid", recipient.id_guid.as_str());
    put(&mut object, "requireIdLookup", "false");
    put(
        &mut object,
        "routingOrder",
        recipient.routing_order.to_string(),
    );
    if let Some(role) = &recipient.role_name {
        put(&mut object, "roleName", role.as_str());
    }
    if let Some(client_user_id) = &recipient.client_user_id {
        put(&mut object, "clientUserId", client_user_id.as_str());
    }
    put(&mut object, "status", recipient.status.as_str());
    put(
        &mut object,
        "completedCount",
        if recipient.status == RecipientStatus::Completed {
            "1"
        } else {
            "0"
        },
    );
    put_time(&mut object, "sentDateTime", recipient.sent_at);
    put_time(&mut object, "deliveredDateTime", recipient.delivered_at);
    put_time(&mut object, "signedDateTime", recipient.signed_at);
    put_time(&mut object, "declinedDateTime", recipient.declined_at);
    if let Some(reason) = &recipient.declined_reason {
        put(&mut object, "declinedReason", reason.as_str());
    }
    put(&mut object, "deliveryMethod", "email");
    put(&mut object, "recipientType", recipient.kind.as_str());
    Value::Object(object)
}

/// The `customFields` object (`AccountCustomFields`).
pub(super) fn custom_fields(envelope: &Envelope) -> Value {
    let text: Vec<Value> = envelope
        .text_custom_fields
        .iter()
        .map(|field| {
            json!({
                "fieldId": field.field_id,
                "name": field.name,
                "show": field.show,
                "required": field.required,
                "value": field.value,
            })
        })
        .collect();
    json!({
        "textCustomFields": text,
        "listCustomFields": envelope.list_custom_fields,
    })
}

/// The `envelopeDocuments` list.
pub(super) fn documents(envelope: &Envelope) -> Value {
    let uri = envelope.uri();
    let documents: Vec<Value> = envelope
        .documents
        .iter()
        .map(|document| {
            json!({
                "documentId": document.id,
                "documentIdGuid": document.id_guid,
                "name": document.name,
                "type": "content",
                "uri": format!("{uri}/documents/{}", document.id),
                "order": document.order.to_string(),
                "sizeBytes": document.content.len().to_string(),
                "display": "inline",
                "includeInDownload": "true",
                "signerMustAcknowledge": "no_interaction",
                "templateRequired": "false",
                "authoritativeCopy": "false",
                "containsPdfFormFields": "false",
            })
        })
        .collect();
    Value::Array(documents)
}

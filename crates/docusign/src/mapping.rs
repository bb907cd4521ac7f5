//! Translating DocuSign's envelopes, recipients and Connect events into the provider-neutral
//! types.

use signing_core::{
    EnvelopeId as CoreEnvelopeId, EnvelopeSigner, EnvelopeStatus as CoreStatus, Event, EventId,
    EventKind, NewEnvelope, RawJson, SignerId, SignerRef, SignerStatus, limits,
};

use crate::error::PROVIDER;
use crate::wire::{
    ConnectMessage, Envelope, EnvelopeDefinition, EnvelopeStatus, EnvelopeSummary, Recipient,
    RecipientStatus,
};

/// The text custom field holding the caller reference.
pub(crate) const REFERENCE_FIELD: &str = "signing.reference";

/// A status as DocuSign spelt it, known names compared without regard to case.
fn normalized_envelope(status: &EnvelopeStatus) -> EnvelopeStatus {
    match status {
        EnvelopeStatus::Other(raw) => EnvelopeStatus::from(raw.to_ascii_lowercase().as_str()),
        known => known.clone(),
    }
}

fn normalized_recipient(status: &RecipientStatus) -> RecipientStatus {
    match status {
        RecipientStatus::Other(raw) => RecipientStatus::from(raw.to_ascii_lowercase().as_str()),
        known => known.clone(),
    }
}

/// DocuSign's envelope statuses as the core's.
///
/// | DocuSign | core |
/// |---|---|
/// | `created` | `Draft` |
/// | `sent`, `delivered`, `signed` | `Sent` (out for signature) |
/// | `completed` | `Completed` |
/// | `declined` | `Declined` |
/// | `voided` | `Cancelled` (DocuSign voids expired envelopes too) |
/// | `deleted` | `Deleted` |
/// | anything else | `Other`, as spelt |
pub(crate) fn envelope_status(status: &EnvelopeStatus) -> CoreStatus {
    match normalized_envelope(status) {
        EnvelopeStatus::Created => CoreStatus::Draft,
        EnvelopeStatus::Sent | EnvelopeStatus::Delivered | EnvelopeStatus::Signed => {
            CoreStatus::Sent
        }
        EnvelopeStatus::Completed => CoreStatus::Completed,
        EnvelopeStatus::Declined => CoreStatus::Declined,
        EnvelopeStatus::Voided => CoreStatus::Cancelled,
        EnvelopeStatus::Deleted => CoreStatus::Deleted,
        _ => CoreStatus::Other(status.as_str().to_owned()),
    }
}

/// DocuSign's recipient statuses as the core's signer statuses.
///
/// | DocuSign | core |
/// |---|---|
/// | `created` | `Waiting` |
/// | `sent` | `Notified` |
/// | `delivered` | `Viewed` |
/// | `signed`, `completed` | `Signed` |
/// | `declined` | `Declined` |
/// | anything else (`autoresponded`, ...) | `Other`, as spelt |
pub(crate) fn signer_status(status: &RecipientStatus) -> SignerStatus {
    match normalized_recipient(status) {
        RecipientStatus::Created => SignerStatus::Waiting,
        RecipientStatus::Sent => SignerStatus::Notified,
        RecipientStatus::Delivered => SignerStatus::Viewed,
        RecipientStatus::Signed | RecipientStatus::Completed => SignerStatus::Signed,
        RecipientStatus::Declined => SignerStatus::Declined,
        _ => SignerStatus::Other(status.as_str().to_owned()),
    }
}

/// The order signers are listed in: routing order, then recipient id (as a number when it is
/// one), so the order they were sent in.
pub(crate) fn routing_key(recipient: &Recipient) -> (u32, u64, String) {
    (
        recipient.routing_order.unwrap_or(u32::MAX),
        recipient.recipient_id.as_str().parse().unwrap_or(u64::MAX),
        recipient.recipient_id.as_str().to_owned(),
    )
}

fn signer(recipient: Recipient) -> EnvelopeSigner {
    let status = signer_status(&recipient.status);
    let mut signer = EnvelopeSigner::new(String::new(), status);
    signer.email = recipient.email;
    signer.name = recipient.name;
    signer.id = Some(SignerId::from(recipient.recipient_id.into_string()));
    signer.signed_at = recipient.signed_date_time;
    signer
}

/// A core envelope from DocuSign's, its signers in routing order and its custom fields split
/// into the caller reference and the application's metadata.
pub(crate) fn envelope(envelope: Envelope) -> signing_core::Envelope {
    let Envelope {
        envelope_id,
        status,
        email_subject,
        created_date_time,
        status_changed_date_time,
        last_modified_date_time,
        completed_date_time,
        recipients,
        custom_fields,
        raw,
        ..
    } = envelope;
    let mut core = signing_core::Envelope::new(
        CoreEnvelopeId::from(envelope_id.into_string()),
        PROVIDER,
        envelope_status(&status),
    );
    core.title = email_subject.filter(|subject| !subject.is_empty());
    core.created_at = created_date_time;
    core.updated_at = match (status_changed_date_time, last_modified_date_time) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    core.completed_at = completed_date_time;
    if let Some(recipients) = recipients {
        let mut signers = recipients.signers;
        signers.sort_by_key(routing_key);
        core.signers = signers.into_iter().map(signer).collect();
    }
    for field in custom_fields
        .map(|fields| fields.text_custom_fields)
        .unwrap_or_default()
    {
        if field.name == REFERENCE_FIELD {
            core.reference = Some(field.value);
        } else if !field.name.starts_with(limits::RESERVED_METADATA_PREFIX) {
            core.metadata.insert(field.name, field.value);
        }
    }
    core.raw = raw;
    core
}

/// The envelope `request` became, from the answer to its creation: "create envelope" answers
/// only the id, status and time, so the rest is what was sent. Signers whose routing order came
/// first are `Notified` once the envelope is sent, the others `Waiting`, as DocuSign routes them.
pub(crate) fn sent_envelope(
    summary: EnvelopeSummary,
    request: &NewEnvelope,
    definition: &EnvelopeDefinition,
) -> signing_core::Envelope {
    let status = envelope_status(&summary.status);
    let mut envelope = signing_core::Envelope::new(
        CoreEnvelopeId::from(summary.envelope_id.into_string()),
        PROVIDER,
        status.clone(),
    );
    envelope.title = Some(request.title().to_owned());
    envelope.created_at = summary.status_date_time;
    envelope.updated_at = summary.status_date_time;
    let signers = &definition.recipients.signers;
    let first = signers.iter().map(|s| s.routing_order).min();
    envelope.signers = signers
        .iter()
        .map(|new| {
            let notified = status == CoreStatus::Sent && Some(new.routing_order) == first;
            let status = if notified {
                SignerStatus::Notified
            } else {
                SignerStatus::Waiting
            };
            let mut signer = EnvelopeSigner::new(new.email.clone(), status);
            signer.name = Some(new.name.clone());
            signer.id = Some(SignerId::new(new.recipient_id.as_str()));
            signer
        })
        .collect();
    envelope.metadata = request.metadata().clone();
    envelope.reference = request.reference().map(str::to_owned);
    envelope.raw = summary.raw;
    envelope
}

/// The core event of a verified Connect message, with the dedupe id `id`.
///
/// | Connect event | core kind |
/// |---|---|
/// | `envelope-created` | `Created` |
/// | `envelope-sent` | `Sent` |
/// | `envelope-completed` | `Completed` |
/// | `envelope-declined` | `Declined` |
/// | `envelope-voided` | `Cancelled` |
/// | `recipient-delivered` (a signer) | `SignerViewed` |
/// | `recipient-completed` (a signer) | `SignerSigned` |
/// | `recipient-declined` | `SignerDeclined` |
/// | anything else (`envelope-delivered`, `recipient-sent`, a carbon copy's event, ...) | `Other(event)` |
pub(crate) fn event(id: String, message: &ConnectMessage, raw: RawJson) -> Event {
    let data = &message.data;
    let summary = data.envelope_summary.as_ref();
    let recipients = summary.and_then(|envelope| envelope.recipients.as_ref());
    let find = |list: &[Recipient]| -> Option<Recipient> {
        let wanted = data.recipient_id.as_ref()?;
        list.iter().find(|r| r.recipient_id == *wanted).cloned()
    };
    let as_signer = recipients.and_then(|r| find(&r.signers));
    let is_copy = recipients.and_then(|r| find(&r.carbon_copies)).is_some();
    let event_name = message.event.to_ascii_lowercase();
    let kind = match event_name.as_str() {
        "envelope-created" => EventKind::Created,
        "envelope-sent" => EventKind::Sent,
        "envelope-completed" => EventKind::Completed,
        "envelope-declined" => EventKind::Declined,
        "envelope-voided" => EventKind::Cancelled,
        "recipient-delivered" if !is_copy => EventKind::SignerViewed,
        "recipient-completed" if !is_copy => EventKind::SignerSigned,
        "recipient-declined" => EventKind::SignerDeclined,
        _ => EventKind::Other(message.event.clone()),
    };
    let mut event = Event::new(EventId::new(id), kind, PROVIDER);
    event.envelope_id = data
        .envelope_id
        .as_ref()
        .or(summary.map(|envelope| &envelope.envelope_id))
        .map(|id| CoreEnvelopeId::new(id.as_str()));
    if event_name.starts_with("recipient-")
        && let Some(recipient_id) = &data.recipient_id
    {
        let mut signer = SignerRef::by_id(SignerId::new(recipient_id.as_str()));
        signer.email = as_signer.and_then(|r| r.email);
        event.signer = Some(signer);
    }
    event.occurred_at = message.generated_date_time.as_deref().and_then(|text| {
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()
    });
    event.verified = true;
    event.raw = raw;
    event
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn statuses_map_and_unknown_ones_are_kept() {
        for (docusign, core) in [
            ("created", CoreStatus::Draft),
            ("sent", CoreStatus::Sent),
            ("delivered", CoreStatus::Sent),
            ("Signed", CoreStatus::Sent),
            ("COMPLETED", CoreStatus::Completed),
            ("declined", CoreStatus::Declined),
            ("voided", CoreStatus::Cancelled),
            ("deleted", CoreStatus::Deleted),
            ("timedout", CoreStatus::Other("timedout".into())),
        ] {
            assert_eq!(envelope_status(&EnvelopeStatus::from(docusign)), core);
        }
        for (docusign, core) in [
            ("created", SignerStatus::Waiting),
            ("sent", SignerStatus::Notified),
            ("delivered", SignerStatus::Viewed),
            ("signed", SignerStatus::Signed),
            ("completed", SignerStatus::Signed),
            ("declined", SignerStatus::Declined),
            ("autoresponded", SignerStatus::Other("autoresponded".into())),
        ] {
            assert_eq!(signer_status(&RecipientStatus::from(docusign)), core);
        }
    }

    #[test]
    fn envelopes_keep_order_reference_and_metadata() {
        let (envelope, raw) = RawJson::decode::<Envelope>(
            json!({
                "envelopeId": "e-1", "status": "sent", "emailSubject": "Lease",
                "recipients": {"signers": [
                    {"recipientId": "10", "routingOrder": "2", "email": "c@example.com", "status": "created"},
                    {"recipientId": "2", "routingOrder": "1", "email": "b@example.com", "status": "sent"},
                    {"recipientId": "1", "routingOrder": "1", "email": "a@example.com", "status": "completed"}
                ]},
                "customFields": {"textCustomFields": [
                    {"name": "signing.reference", "value": "order-7"},
                    {"name": "signing.other", "value": "x"},
                    {"name": "customer", "value": "42"}
                ]}
            })
            .to_string(),
        )
        .unwrap();
        let mut envelope = envelope;
        envelope.raw = raw;
        let core = super::envelope(envelope);
        let emails: Vec<_> = core
            .signers
            .iter()
            .map(|s| s.email.clone().unwrap())
            .collect();
        assert_eq!(emails, ["a@example.com", "b@example.com", "c@example.com"]);
        assert_eq!(core.signers[0].status, SignerStatus::Signed);
        assert_eq!(core.reference.as_deref(), Some("order-7"));
        assert_eq!(core.metadata.len(), 1);
        assert_eq!(core.metadata["customer"], "42");
        assert_eq!(core.title.as_deref(), Some("Lease"));
        assert_eq!(core.raw.to_value().unwrap()["envelopeId"], "e-1");
    }

    fn message(event: &str, recipient: Option<&str>) -> ConnectMessage {
        let mut data = json!({
            "envelopeId": "e-1",
            "envelopeSummary": {"envelopeId": "e-1", "recipients": {
                "signers": [{"recipientId": "1", "email": "ada@example.com"}],
                "carbonCopies": [{"recipientId": "2", "email": "cc@example.com"}]
            }}
        });
        if let Some(recipient) = recipient {
            data["recipientId"] = json!(recipient);
        }
        serde_json::from_value(json!({
            "event": event, "generatedDateTime": "2026-01-02T03:04:05.1234567Z", "data": data
        }))
        .unwrap()
    }

    #[test]
    fn connect_events_map() {
        for (name, recipient, kind) in [
            ("envelope-sent", None, EventKind::Sent),
            ("envelope-completed", None, EventKind::Completed),
            ("envelope-declined", None, EventKind::Declined),
            ("envelope-voided", None, EventKind::Cancelled),
            ("envelope-created", None, EventKind::Created),
            (
                "envelope-delivered",
                None,
                EventKind::Other("envelope-delivered".into()),
            ),
            ("recipient-delivered", Some("1"), EventKind::SignerViewed),
            ("recipient-completed", Some("1"), EventKind::SignerSigned),
            ("recipient-declined", Some("1"), EventKind::SignerDeclined),
            (
                "recipient-completed",
                Some("2"),
                EventKind::Other("recipient-completed".into()),
            ),
            (
                "recipient-sent",
                Some("1"),
                EventKind::Other("recipient-sent".into()),
            ),
        ] {
            let event = event("id".into(), &message(name, recipient), RawJson::default());
            assert_eq!(event.kind, kind, "{name} {recipient:?}");
            assert_eq!(event.envelope_id.unwrap().as_str(), "e-1");
            assert!(event.verified && event.occurred_at.is_some());
            match recipient {
                Some("1") => {
                    let signer = event.signer.unwrap();
                    assert_eq!(signer.email.as_deref(), Some("ada@example.com"));
                    assert_eq!(signer.id.unwrap().as_str(), "1");
                }
                Some(_) => assert!(event.signer.unwrap().email.is_none()),
                None => assert!(event.signer.is_none()),
            }
        }
    }
}

//! Translating HeySign's objects and webhook events into the provider-neutral types.

use signing_core::{
    Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus, Event, EventId, EventKind, NewEnvelope,
    RawJson, SignerId, SignerRef, SignerStatus, limits,
};

use crate::error::PROVIDER;
use crate::wire::{Agreement, AgreementStatus, Signee, SigneeId, SigneeStatus, WebhookPayload};

/// The agreement metadata key holding the caller reference.
pub(crate) const REFERENCE_KEY: &str = "signing.reference";
/// The agreement metadata key holding a nonce of the send that created it, so a send whose
/// create answer was lost can find its own draft.
pub(crate) const ATTEMPT_KEY: &str = "signing.attempt";
/// Signee metadata keys holding what HeySign has no attribute for.
pub(crate) const SIGNER_NAME_KEY: &str = "signing.name";
pub(crate) const SIGNER_ORGANIZATION_KEY: &str = "signing.organization";
pub(crate) const SIGNER_TITLE_KEY: &str = "signing.title";
/// The agreement metadata keys holding each signer's e-mail by position (`signing.signer.0`,
/// ...): HeySign documents no field of a signee's answer but its id, so a read can fall back on
/// what the send recorded in the agreement, whose metadata is documented.
pub(crate) const SIGNER_EMAIL_KEY_PREFIX: &str = "signing.signer.";

/// The agreement metadata key holding the e-mail of the signer at `position`.
pub(crate) fn signer_email_key(position: usize) -> String {
    format!("{SIGNER_EMAIL_KEY_PREFIX}{position}")
}

/// HeySign's agreement statuses, as the core's envelope statuses.
pub(crate) fn envelope_status(status: &AgreementStatus) -> EnvelopeStatus {
    match status {
        AgreementStatus::Draft => EnvelopeStatus::Draft,
        AgreementStatus::Pending => EnvelopeStatus::Sent,
        AgreementStatus::Completed => EnvelopeStatus::Completed,
        AgreementStatus::Cancelled => EnvelopeStatus::Cancelled,
        AgreementStatus::Deleted => EnvelopeStatus::Deleted,
        other => EnvelopeStatus::Other(other.as_str().to_owned()),
    }
}

/// HeySign's signee statuses, as the core's signer statuses.
pub(crate) fn signer_status(status: &SigneeStatus) -> SignerStatus {
    match status {
        SigneeStatus::Draft => SignerStatus::Waiting,
        SigneeStatus::Pending => SignerStatus::Notified,
        SigneeStatus::Signed => SignerStatus::Signed,
        other => SignerStatus::Other(other.as_str().to_owned()),
    }
}

/// A signee as a signer. `completed` says the agreement is completed, which proves the signee
/// signed when its answer says nothing of its status (a signee's status is not documented).
pub(crate) fn signer(mut signee: Signee, completed: bool) -> EnvelopeSigner {
    let status = match &signee.status {
        Some(status) => signer_status(status),
        None if completed => SignerStatus::Signed,
        None => SignerStatus::Other(String::new()),
    };
    let mut signer = EnvelopeSigner::new("", status);
    signer.email = signee.attributes.email;
    signer.id = Some(SignerId::from(signee.id.into_string()));
    signer.name = signee.metadata.remove(SIGNER_NAME_KEY);
    signer.signed_at = signee.signed_date;
    signer
}

/// An envelope from an agreement and its signees (put in the agreement's order), moving their
/// strings rather than copying them.
///
/// Signees come in the order of the agreement's `signee_ids` (documented), those it does not
/// list after them by creation time (not documented); a signee whose answer has no e-mail takes
/// the one the send recorded for its position in the agreement's metadata.
pub(crate) fn envelope(agreement: Agreement, mut signees: Vec<Signee>) -> Envelope {
    let Agreement {
        id,
        created_date,
        title,
        status,
        status_date,
        signee_ids,
        mut metadata,
        raw,
        ..
    } = agreement;
    let mut envelope = Envelope::new(
        EnvelopeId::from(id.into_string()),
        PROVIDER,
        envelope_status(&status),
    );
    envelope.title = title;
    envelope.created_at = created_date;
    envelope.updated_at = status_date;
    if status == AgreementStatus::Completed {
        envelope.completed_at = status_date;
    }
    signees.sort_by_key(|s| {
        let listed = signee_ids.iter().position(|id| *id == s.id);
        (listed.unwrap_or(usize::MAX), s.created_date)
    });
    let completed = status == AgreementStatus::Completed;
    envelope.signers = signees
        .into_iter()
        .enumerate()
        .map(|(position, signee)| {
            let mut signer = signer(signee, completed);
            if signer.email.is_none()
                && let Some(email) = metadata.get(&signer_email_key(position))
            {
                signer.email = Some(email.clone());
            }
            signer
        })
        .collect();
    envelope.reference = metadata.remove(REFERENCE_KEY);
    metadata.retain(|key, _| !key.starts_with(limits::RESERVED_METADATA_PREFIX));
    envelope.metadata = metadata;
    envelope.raw = raw;
    envelope
}

/// The envelope of a send whose draft was submitted: the agreement as created, the signers as
/// the request named them with the ids HeySign gave them, all notified (submitting answers with
/// no body; the documented effect is that the agreement and its signees are now pending).
pub(crate) fn sent_envelope(
    draft: Agreement,
    request: &NewEnvelope,
    signees: Vec<SigneeId>,
) -> Envelope {
    let mut envelope = envelope(draft, Vec::new());
    envelope.status = EnvelopeStatus::Sent;
    envelope.signers = request
        .signers()
        .iter()
        .zip(signees)
        .map(|(signer, id)| {
            let mut out = EnvelopeSigner::new(signer.email(), SignerStatus::Notified);
            out.id = Some(SignerId::from(id.into_string()));
            out.email = Some(signer.email().to_owned());
            out.name = Some(signer.name().to_owned());
            out
        })
        .collect();
    envelope
}

/// The core event for a verified delivery.
///
/// | HeySign event | core kind |
/// |---|---|
/// | `agreement.created` | `Created` |
/// | `agreement.published` | `Sent` (signees are invited) |
/// | `agreement.completed` | `Completed` |
/// | `agreement.updated` with status `Cancelled` | `Cancelled` |
/// | `signee.signsession.created` | `SignerViewed` (the signee opened the document) |
/// | `signee.signsession.completed` | `SignerSigned` |
/// | `agreement.submitted`, `agreement.updated`, `document.created`, `signee.created`, unknown | `Other(type)` |
pub(crate) fn event(webhook_id: &str, payload: &WebhookPayload, raw: RawJson) -> Event {
    let data = &payload.data;
    let kind = match payload.event_type.as_str() {
        "agreement.created" => EventKind::Created,
        "agreement.published" => EventKind::Sent,
        "agreement.completed" => EventKind::Completed,
        "agreement.updated"
            if data["status"].as_str().is_some_and(|status| {
                AgreementStatus::from(status) == AgreementStatus::Cancelled
            }) =>
        {
            EventKind::Cancelled
        }
        "signee.signsession.created" => EventKind::SignerViewed,
        "signee.signsession.completed" => EventKind::SignerSigned,
        other => EventKind::Other(other.to_owned()),
    };
    let envelope_id = if payload.event_type.starts_with("agreement.") {
        data["id"].as_str()
    } else {
        data["agreement_id"].as_str()
    };
    let mut event = Event::new(EventId::new(webhook_id), kind, PROVIDER);
    event.envelope_id = envelope_id.map(EnvelopeId::new);
    if payload.event_type.starts_with("signee.") {
        let mut signer =
            SignerRef::by_email(data["attributes"]["email"].as_str().unwrap_or_default());
        signer.email = data["attributes"]["email"].as_str().map(str::to_owned);
        signer.id = data["id"].as_str().map(SignerId::new);
        event.signer = Some(signer).filter(|s| s.id.is_some() || s.email.is_some());
    }
    event.occurred_at = payload.timestamp;
    event.verified = true;
    event.raw = raw;
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(event_type: &str, data: &serde_json::Value) -> (WebhookPayload, RawJson) {
        let raw = serde_json::json!({
            "type": event_type,
            "timestamp": "2026-01-02T03:04:05Z",
            "data": data.clone(),
        });
        RawJson::decode(raw.to_string()).unwrap()
    }

    #[test]
    fn every_documented_event_maps() {
        let agreement = serde_json::json!({"id": "a-1", "status": "Pending"});
        let signee = serde_json::json!({
            "id": "s-1", "agreement_id": "a-1", "status": "Signed",
            "attributes": {"email": "ada@example.com"}
        });
        let document = serde_json::json!({"id": "d-1", "agreement_id": "a-1"});
        let cases = [
            ("agreement.completed", &agreement, EventKind::Completed),
            ("agreement.created", &agreement, EventKind::Created),
            ("agreement.published", &agreement, EventKind::Sent),
            (
                "agreement.submitted",
                &agreement,
                EventKind::Other("agreement.submitted".into()),
            ),
            (
                "agreement.updated",
                &agreement,
                EventKind::Other("agreement.updated".into()),
            ),
            (
                "document.created",
                &document,
                EventKind::Other("document.created".into()),
            ),
            (
                "signee.created",
                &signee,
                EventKind::Other("signee.created".into()),
            ),
            (
                "signee.signsession.created",
                &signee,
                EventKind::SignerViewed,
            ),
            (
                "signee.signsession.completed",
                &signee,
                EventKind::SignerSigned,
            ),
            (
                "agreement.archived",
                &agreement,
                EventKind::Other("agreement.archived".into()),
            ),
        ];
        for (event_type, data, kind) in cases {
            let (payload, raw) = payload(event_type, data);
            let event = event("msg_1", &payload, raw);
            assert_eq!(event.kind, kind, "{event_type}");
            assert_eq!(
                event.envelope_id.as_ref().unwrap().as_str(),
                "a-1",
                "{event_type}"
            );
            assert_eq!(event.id.as_str(), "msg_1");
            assert!(event.verified);
            assert!(event.occurred_at.is_some());
        }
        // The status is not documented: any casing of it counts.
        for status in ["Cancelled", "CANCELLED", "cancelled"] {
            let (cancelled, raw) = payload(
                "agreement.updated",
                &serde_json::json!({"id": "a-1", "status": status}),
            );
            assert_eq!(event("m", &cancelled, raw).kind, EventKind::Cancelled);
        }
        let (signed, raw) = payload("signee.signsession.completed", &signee);
        let signer = event("m", &signed, raw).signer.unwrap();
        assert_eq!(signer.email.as_deref(), Some("ada@example.com"));
        assert_eq!(signer.id.unwrap().as_str(), "s-1");
    }

    #[test]
    fn unknown_statuses_are_kept() {
        assert_eq!(
            envelope_status(&AgreementStatus::from("Archived")),
            EnvelopeStatus::Other("Archived".into())
        );
        assert_eq!(
            signer_status(&SigneeStatus::from("Rejected")),
            SignerStatus::Other("Rejected".into())
        );
        assert_eq!(
            envelope_status(&AgreementStatus::Pending),
            EnvelopeStatus::Sent
        );
    }
}

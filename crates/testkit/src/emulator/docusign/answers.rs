//! What DocuSign's documents promise about each field the emulator sends, for the
//! [answer modes](crate::emulator::mode), and the helpers that word answers in the current mode.
//!
//! DocuSign's specification names every field (so a variant never renames one) and declares
//! none `required`: a field is *documented* here when the documents promise it in the answer
//! (the tables of the [mode docs](crate::emulator::mode#docusign) say why), and *optional*
//! otherwise. Numbers and booleans the specification declares as strings, statuses and
//! date-times are varied whatever their class, as DocuSign itself is known to.

use serde_json::Value;

use crate::emulator::mode::{AnswerMode, Casing, Condition, Field, Kind, Shape};

/// The parameter that asks a Connect message for its `envelopeSummary`.
pub(super) const INCLUDE_DATA: &str = "eventData.includeData";

/// DocuSign's statuses: documented in lower case, and sent so by the emulator; a variant may
/// send them as `Sent` or `SENT`.
const STATUS: Kind = Kind::Recased {
    assumed: Casing::LowerSnake,
    casings: &[Casing::LowerSnake, Casing::Pascal, Casing::UpperSnake],
};

/// An envelope's date field promised once the envelope has reached one of `statuses`.
const fn dated(name: &'static str, statuses: &'static [&'static str]) -> Field {
    Field::documented_when(
        name,
        Condition::FieldIs {
            field: "status",
            values: statuses,
        },
    )
    .of(Kind::DateTime)
}

/// The statuses an envelope reaches only by being sent.
const SENT_STATUSES: [&str; 6] = [
    "sent",
    "delivered",
    "signed",
    "completed",
    "declined",
    "voided",
];

/// The answer of the JWT grant.
pub(super) static TOKEN: Shape = Shape {
    name: "token",
    fields: &[
        Field::documented("access_token"),
        Field::documented("token_type"),
        Field::documented("expires_in"),
    ],
};

/// `GET /oauth/userinfo`.
pub(super) static USERINFO: Shape = Shape {
    name: "userinfo",
    fields: &[
        Field::documented("sub"),
        Field::optional("name"),
        Field::optional("given_name"),
        Field::optional("family_name"),
        Field::optional("created"),
        Field::optional("email"),
        Field::documented("accounts").of(Kind::Array(&ACCOUNT)),
    ],
};

static ACCOUNT: Shape = Shape {
    name: "account",
    fields: &[
        Field::documented("account_id"),
        Field::documented("is_default"),
        Field::optional("account_name"),
        Field::documented("base_uri"),
    ],
};

/// The answer to "create envelope".
pub(super) static ENVELOPE_SUMMARY: Shape = Shape {
    name: "envelopeSummary",
    fields: &[
        Field::documented("envelopeId"),
        Field::documented("uri"),
        Field::documented("statusDateTime").of(Kind::DateTime),
        Field::documented("status").of(STATUS),
    ],
};

/// An envelope, in "get envelope", in listings and in Connect messages. Its `recipients` are
/// worded on their own, as [`RECIPIENTS`].
pub(super) static ENVELOPE: Shape = Shape {
    name: "envelope",
    fields: &[
        Field::documented("envelopeId"),
        Field::documented("status").of(STATUS),
        Field::optional("emailSubject"),
        Field::optional("emailBlurb"),
        Field::optional("envelopeUri"),
        Field::optional("recipientsUri"),
        Field::optional("documentsUri"),
        Field::optional("documentsCombinedUri"),
        Field::optional("certificateUri"),
        Field::optional("customFieldsUri"),
        Field::optional("notificationUri"),
        Field::optional("attachmentsUri"),
        Field::optional("templatesUri"),
        Field::documented("createdDateTime").of(Kind::DateTime),
        Field::optional("lastModifiedDateTime").of(Kind::DateTime),
        Field::optional("statusChangedDateTime").of(Kind::DateTime),
        Field::optional("initialSentDateTime").of(Kind::DateTime),
        dated("sentDateTime", &SENT_STATUSES),
        dated("deliveredDateTime", &["delivered"]),
        dated("completedDateTime", &["completed"]),
        dated("declinedDateTime", &["declined"]),
        dated("voidedDateTime", &["voided"]),
        Field::optional("voidedReason"),
        // "Reserved for DocuSign" in the specification.
        Field::optional("deletedDateTime").of(Kind::DateTime),
        Field::optional("purgeState"),
        Field::optional("is21CFRPart11").of(Kind::StringBoolean),
        Field::optional("signerCanSignOnMobile").of(Kind::StringBoolean),
        Field::optional("isSignatureProviderEnvelope").of(Kind::StringBoolean),
        Field::optional("allowMarkup").of(Kind::StringBoolean),
        Field::optional("allowReassign").of(Kind::StringBoolean),
        Field::optional("enableWetSign").of(Kind::StringBoolean),
        Field::optional("enforceSignerVisibility").of(Kind::StringBoolean),
        Field::optional("autoNavigation").of(Kind::StringBoolean),
        Field::optional("envelopeIdStamping").of(Kind::StringBoolean),
        Field::optional("hasComments").of(Kind::StringBoolean),
        Field::optional("hasFormDataChanged").of(Kind::StringBoolean),
        Field::optional("sender").of(Kind::Object(&SENDER)),
        Field::documented("recipients"),
        Field::documented("customFields").of(Kind::Object(&CUSTOM_FIELDS)),
        Field::documented("envelopeDocuments").of(Kind::Array(&DOCUMENT)),
    ],
};

/// An envelope's `sender` (`userInfo`).
static SENDER: Shape = Shape {
    name: "userInfo",
    fields: &[
        Field::optional("userName"),
        Field::optional("userId"),
        Field::optional("accountId"),
        Field::optional("email"),
    ],
};

/// An envelope's `customFields`.
static CUSTOM_FIELDS: Shape = Shape {
    name: "AccountCustomFields",
    fields: &[
        Field::documented("textCustomFields").of(Kind::Array(&TEXT_CUSTOM_FIELD)),
        Field::optional("listCustomFields"),
    ],
};

static TEXT_CUSTOM_FIELD: Shape = Shape {
    name: "textCustomField",
    fields: &[
        Field::optional("fieldId").of(Kind::StringNumber),
        Field::documented("name"),
        Field::optional("show").of(Kind::StringBoolean),
        Field::optional("required").of(Kind::StringBoolean),
        Field::documented("value"),
    ],
};

/// One of an envelope's `envelopeDocuments`.
static DOCUMENT: Shape = Shape {
    name: "envelopeDocument",
    fields: &[
        Field::documented("documentId"),
        Field::optional("documentIdGuid"),
        Field::documented("name"),
        Field::optional("type"),
        Field::optional("uri"),
        Field::optional("order").of(Kind::StringNumber),
        Field::optional("sizeBytes").of(Kind::StringNumber),
        Field::optional("display"),
        Field::optional("includeInDownload").of(Kind::StringBoolean),
        Field::optional("signerMustAcknowledge"),
        Field::optional("templateRequired").of(Kind::StringBoolean),
        Field::optional("authoritativeCopy").of(Kind::StringBoolean),
        Field::optional("containsPdfFormFields").of(Kind::StringBoolean),
    ],
};

/// An envelope's recipients: "list recipients", and an envelope's `recipients`.
pub(super) static RECIPIENTS: Shape = Shape {
    name: "EnvelopeRecipients",
    fields: &[
        Field::documented("signers").of(Kind::Array(&SIGNER)),
        Field::optional("agents"),
        Field::optional("editors"),
        Field::optional("intermediaries"),
        Field::documented("carbonCopies").of(Kind::Array(&CARBON_COPY)),
        Field::optional("certifiedDeliveries"),
        Field::optional("inPersonSigners"),
        Field::optional("seals"),
        Field::optional("witnesses"),
        Field::optional("notaries"),
        Field::optional("recipientCount").of(Kind::StringNumber),
        Field::documented("currentRoutingOrder").of(Kind::StringNumber),
    ],
};

/// The fields of a recipient; `signed` is whether `signedDateTime` is promised (for signers).
const fn recipient(signed: bool) -> [Field; 19] {
    [
        Field::optional("creationReason"),
        Field::optional("requireUploadSignature").of(Kind::StringBoolean),
        Field::documented("name"),
        Field::documented("email"),
        Field::documented("recipientId"),
        Field::optional("recipientIdGuid"),
        Field::optional("requireIdLookup").of(Kind::StringBoolean),
        Field::documented("routingOrder").of(Kind::StringNumber),
        Field::optional("roleName"),
        Field::optional("clientUserId"),
        Field::documented("status").of(STATUS),
        Field::optional("completedCount").of(Kind::StringNumber),
        Field::optional("sentDateTime").of(Kind::DateTime),
        Field::optional("deliveredDateTime").of(Kind::DateTime),
        if signed {
            Field::documented("signedDateTime").of(Kind::DateTime)
        } else {
            Field::optional("signedDateTime").of(Kind::DateTime)
        },
        Field::optional("declinedDateTime").of(Kind::DateTime),
        Field::optional("declinedReason"),
        Field::optional("deliveryMethod"),
        Field::optional("recipientType"),
    ]
}

static SIGNER_FIELDS: [Field; 19] = recipient(true);
static CARBON_COPY_FIELDS: [Field; 19] = recipient(false);

static SIGNER: Shape = Shape {
    name: "signer",
    fields: &SIGNER_FIELDS,
};

static CARBON_COPY: Shape = Shape {
    name: "carbonCopy",
    fields: &CARBON_COPY_FIELDS,
};

/// A page of "list envelopes"; its `envelopes` are worded as [`ENVELOPE`].
pub(super) static ENVELOPES_INFORMATION: Shape = Shape {
    name: "envelopesInformation",
    fields: &[
        Field::documented("resultSetSize").of(Kind::StringNumber),
        Field::documented("totalSetSize").of(Kind::StringNumber),
        Field::documented("startPosition").of(Kind::StringNumber),
        Field::documented("endPosition").of(Kind::StringNumber),
        Field::optional("nextUri"),
        Field::optional("previousUri"),
        Field::documented("envelopes"),
    ],
};

/// The answer to "update envelope" (send a draft, void).
pub(super) static UPDATE_SUMMARY: Shape = Shape {
    name: "envelopeUpdateSummary",
    fields: &[Field::documented("envelopeId")],
};

/// The answer to "move envelopes" (to the recycle bin): empty.
pub(super) static FOLDERS_RESPONSE: Shape = Shape {
    name: "foldersResponse",
    fields: &[],
};

/// The answer to "create recipient view".
pub(super) static ENVELOPE_VIEWS: Shape = Shape {
    name: "EnvelopeViews",
    fields: &[Field::documented("url")],
};

/// A Connect message; its `data.envelopeSummary` is worded as [`ENVELOPE`].
pub(super) static CONNECT_MESSAGE: Shape = Shape {
    name: "connect message",
    fields: &[
        Field::documented("event"),
        Field::optional("apiVersion"),
        Field::optional("uri"),
        Field::optional("retryCount").of(Kind::Number),
        Field::optional("configurationId").of(Kind::Number),
        Field::documented("generatedDateTime").of(Kind::DateTime),
        Field::documented("data").of(Kind::Object(&CONNECT_DATA)),
    ],
};

static CONNECT_DATA: Shape = Shape {
    name: "connect data",
    fields: &[
        Field::optional("accountId"),
        Field::optional("userId"),
        Field::documented("envelopeId"),
        Field::documented_when("envelopeSummary", Condition::Asked(INCLUDE_DATA)),
        // Only in recipient events.
        Field::documented("recipientId"),
    ],
};

/// Every object DocuSign sends on its own.
pub(super) const ALL: [&Shape; 10] = [
    &TOKEN,
    &USERINFO,
    &ENVELOPE_SUMMARY,
    &ENVELOPE,
    &RECIPIENTS,
    &ENVELOPES_INFORMATION,
    &UPDATE_SUMMARY,
    &FOLDERS_RESPONSE,
    &ENVELOPE_VIEWS,
    &CONNECT_MESSAGE,
];

/// An envelope as "get envelope" renders it, worded as `mode` says: its `recipients` as their
/// own object, then the rest.
pub(super) fn envelope(mode: AnswerMode, mut envelope: Value) -> Value {
    if mode == AnswerMode::Assumed {
        return envelope;
    }
    if let Some(recipients) = envelope.get_mut("recipients") {
        *recipients = mode.render(&RECIPIENTS, std::mem::take(recipients));
    }
    mode.render(&ENVELOPE, envelope)
}

/// A page of a listing worded as `mode` says, each of its envelopes as [`envelope`] words it.
pub(super) fn listing(mode: AnswerMode, mut page: Value) -> Value {
    if mode == AnswerMode::Assumed {
        return page;
    }
    if let Some(Value::Array(envelopes)) = page.get_mut("envelopes") {
        for item in envelopes.iter_mut() {
            *item = envelope(mode, std::mem::take(item));
        }
    }
    mode.render(&ENVELOPES_INFORMATION, page)
}

/// A Connect message worded as `mode` says; `asked_for_data` is whether the envelope's
/// `eventData.includeData` names anything.
pub(super) fn connect_message(mode: AnswerMode, mut message: Value, asked_for_data: bool) -> Value {
    if mode == AnswerMode::Assumed {
        return message;
    }
    if let Some(summary) = message
        .get_mut("data")
        .and_then(|data| data.get_mut("envelopeSummary"))
    {
        *summary = envelope(mode, std::mem::take(summary));
    }
    let asked: &[&str] = if asked_for_data { &[INCLUDE_DATA] } else { &[] };
    mode.render_asked(&CONNECT_MESSAGE, message, asked)
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::emulator::docusign::model::{
        Document, Envelope, EnvelopeStatus, Folder, Recipient, RecipientKind, RecipientStatus,
        TextCustomField,
    };
    use crate::emulator::docusign::render::{self, Include, Sender};
    use crate::emulator::mode::{Class, name_clashes};

    #[test]
    fn names_never_clash() {
        assert_eq!(name_clashes(&ALL), Vec::<String>::new());
    }

    /// The fields of `value` (an object of `shape`) and of its nested objects that `shape` does
    /// not know: `DocumentedOnly` would leave them out without saying so.
    fn unknown(shape: &'static Shape, value: &Value, path: &str, out: &mut Vec<String>) {
        let Some(object) = value.as_object() else {
            return;
        };
        for (key, value) in object {
            let at = format!("{path}.{key}");
            let Some(field) = shape.fields.iter().find(|field| field.name == key) else {
                out.push(at);
                continue;
            };
            match (&field.value, value) {
                (Kind::Object(nested), _) => unknown(nested, value, &at, out),
                (Kind::Array(nested), Value::Array(items)) => {
                    for item in items {
                        unknown(nested, item, &format!("{at}[]"), out);
                    }
                }
                _ => {}
            }
        }
    }

    fn recipient(kind: RecipientKind, id: &str, status: RecipientStatus) -> Recipient {
        let at = Some(datetime!(2026-01-02 03:04:05.1234567 UTC));
        Recipient {
            kind,
            id: id.to_owned(),
            id_guid: "7c1c2a0e-0b59-4d8b-8f0e-2d3c4b5a6978".to_owned(),
            email: format!("{id}@example.com"),
            name: format!("Recipient {id}"),
            routing_order: 1,
            client_user_id: Some("client-1".to_owned()),
            role_name: Some("Buyer".to_owned()),
            status,
            sent_at: at,
            delivered_at: at,
            signed_at: at,
            declined_at: at,
            declined_reason: Some("No.".to_owned()),
        }
    }

    /// An envelope with every optional part the emulator can hold.
    fn everything() -> Envelope {
        let at = datetime!(2026-01-02 03:04:05.1234567 UTC);
        Envelope {
            id: "e2f1c3d4-5b6a-4c7d-8e9f-0a1b2c3d4e5f".to_owned(),
            account_id: "acc".to_owned(),
            status: EnvelopeStatus::Voided,
            email_subject: Some("Sign".to_owned()),
            email_blurb: Some("Please.".to_owned()),
            documents: vec![Document {
                id: "1".to_owned(),
                id_guid: "0d9c8b7a-6f5e-4d3c-2b1a-098f7e6d5c4b".to_owned(),
                name: "nda.pdf".to_owned(),
                order: 1,
                content: Bytes::from_static(b"%PDF-1.7"),
            }],
            recipients: vec![
                recipient(RecipientKind::Signer, "1", RecipientStatus::Completed),
                recipient(RecipientKind::Signer, "2", RecipientStatus::Sent),
                recipient(RecipientKind::CarbonCopy, "3", RecipientStatus::Sent),
            ],
            text_custom_fields: vec![TextCustomField {
                field_id: "10000001".to_owned(),
                name: "ref".to_owned(),
                value: "R-1".to_owned(),
                show: "false".to_owned(),
                required: "false".to_owned(),
            }],
            list_custom_fields: vec![json!({"name": "list", "value": "a"})],
            notification: None,
            folder: Folder::Normal,
            created_at: at,
            last_modified_at: at,
            status_changed_at: at,
            sent_at: Some(at),
            initial_sent_at: Some(at),
            delivered_at: Some(at),
            completed_at: Some(at),
            declined_at: Some(at),
            voided_at: Some(at),
            voided_reason: Some("Wrong.".to_owned()),
            deleted_at: Some(at),
        }
    }

    #[test]
    fn the_shapes_know_every_field_the_emulator_sends() {
        let envelope = everything();
        let sender = Sender {
            user_id: "u",
            user_name: "User",
            email: "user@example.com",
        };
        let include = Include {
            recipients: true,
            custom_fields: true,
            documents: true,
        };
        let mut rendered = render::envelope(&envelope, &sender, include);
        let recipients = rendered
            .as_object_mut()
            .and_then(|object| object.remove("recipients"))
            .expect("recipients");
        let mut out = Vec::new();
        unknown(&ENVELOPE, &rendered, "envelope", &mut out);
        unknown(&RECIPIENTS, &recipients, "recipients", &mut out);
        unknown(
            &ENVELOPE_SUMMARY,
            &render::summary(&envelope),
            "summary",
            &mut out,
        );
        assert_eq!(out, Vec::<String>::new());
        // An envelope always promises these (its dates depend on its status).
        let documented = |shape: &Shape| -> Vec<&str> {
            shape
                .fields
                .iter()
                .filter(|field| matches!(field.class, Class::Documented))
                .map(|field| field.name)
                .collect()
        };
        assert_eq!(
            documented(&ENVELOPE),
            [
                "envelopeId",
                "status",
                "createdDateTime",
                "recipients",
                "customFields",
                "envelopeDocuments"
            ]
        );
    }

    #[test]
    fn assumed_leaves_everything_as_it_is() {
        let sender = Sender {
            user_id: "u",
            user_name: "User",
            email: "user@example.com",
        };
        let include = Include {
            recipients: true,
            custom_fields: true,
            documents: true,
        };
        let rendered = render::envelope(&everything(), &sender, include);
        assert_eq!(envelope(AnswerMode::Assumed, rendered.clone()), rendered);
        let page = json!({"envelopes": [rendered], "resultSetSize": "1"});
        assert_eq!(listing(AnswerMode::Assumed, page.clone()), page);
    }
}

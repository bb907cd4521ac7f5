//! What the documents say about each field HeySign sends, for the
//! [answer modes](crate::emulator::mode), and the helpers that word answers in the current mode.

use serde_json::Value;

use crate::emulator::mode::{AnswerMode, Casing, Field, Kind, Shape};

/// Where a variant may put the secret in the answer to "create a webhook"; the first is the
/// assumed name. The documents promise the secret in that answer without naming its field.
pub const WEBHOOK_SECRET_FIELDS: [&str; 3] = ["secret", "signing_secret", "key"];

/// The token endpoint's answer, spelled out in the seed.
pub(super) static TOKEN: Shape = Shape {
    name: "token",
    fields: &[
        Field::documented("access_token"),
        Field::documented("expires_in"),
        Field::documented("token_type"),
    ],
};

/// `{"data": {...}, "type"}` around single objects; `data` is worded by its own shape.
pub(super) static ENVELOPE: Shape = Shape {
    name: "envelope",
    fields: &[Field::documented("data"), Field::documented("type")],
};

/// The envelope of a list; the items in `data` are worded by their own shape.
pub(super) static LIST: Shape = Shape {
    name: "list",
    fields: &[
        Field::documented("data"),
        Field::documented("type"),
        Field::documented("page").of(Kind::Object(&PAGE)),
        Field::documented("total_pages"),
        Field::documented("total_items"),
    ],
};

/// The `page` of a list: collapsed in the seed.
static PAGE: Shape = Shape {
    name: "page",
    fields: &[
        Field::undocumented("offset", &["start", "skip"]).of(Kind::Number),
        Field::undocumented("limit", &["size", "page_size"]).of(Kind::Number),
    ],
};

/// An agreement: the fields `providers.md` lists as seen in the public docs are documented; of
/// the statuses only `Draft`, `Pending` and `Deleted` are.
pub(super) static AGREEMENT: Shape = Shape {
    name: "agreement",
    fields: &[
        Field::documented("id"),
        Field::documented("created_date"),
        Field::documented("issuer"),
        Field::documented("title"),
        Field::documented("status").of(Kind::Enum {
            documented: &["Draft", "Pending", "Deleted"],
            assumed: Casing::Pascal,
        }),
        Field::documented("status_date"),
        Field::documented("document_ids"),
        Field::documented("signee_ids"),
        Field::documented("metadata"),
        Field::undocumented("redirect_url", &["redirectUrl", "return_url"]),
        Field::undocumented("theme_id", &["themeId", "theme"]),
        Field::undocumented("notifications", &["notification_options", "notification"])
            .of(Kind::Object(&NOTIFICATIONS)),
        Field::undocumented("scheduling", &["schedule", "scheduling_options"])
            .of(Kind::Object(&SCHEDULING)),
    ],
};

static NOTIFICATIONS: Shape = Shape {
    name: "notifications",
    // `None` and `Email` are documented values (of the request), so they are never recased.
    fields: &[Field::undocumented("type", &["method", "kind"])],
};

static SCHEDULING: Shape = Shape {
    name: "scheduling",
    fields: &[
        Field::undocumented("publish_date", &["publish_at", "publishDate"]).of(Kind::Timestamp),
    ],
};

/// A document: spelled out in the seed.
pub(super) static DOCUMENT: Shape = Shape {
    name: "document",
    fields: &[
        Field::documented("id"),
        Field::documented("agreement_id"),
        Field::documented("file_id"),
        Field::documented("created_date"),
        Field::documented("metadata"),
        Field::documented("type"),
    ],
};

/// A file: spelled out in the seed's upload answer.
pub(super) static FILE: Shape = Shape {
    name: "file",
    fields: &[
        Field::documented("id"),
        Field::documented("created_date"),
        Field::documented("metadata"),
        Field::documented("name"),
        Field::documented("size"),
        Field::documented("sha256"),
        Field::documented("content_type"),
    ],
};

/// A signee: collapsed in the seed, so only its `id` is documented (by the API's convention).
/// `Draft` and `Pending` are documented states of signees (submit), `Signed` is not.
pub(super) static SIGNEE: Shape = Shape {
    name: "signee",
    fields: &[
        Field::documented("id"),
        Field::undocumented("agreement_id", &["agreementId", "agreement"]),
        Field::undocumented("created_date", &["created_at", "createdDate"]).of(Kind::Timestamp),
        Field::undocumented("status", &["state", "signee_status"]).of(Kind::Enum {
            documented: &["Draft", "Pending"],
            assumed: Casing::Pascal,
        }),
        Field::undocumented("signed_date", &["signed_at", "signedDate"]).of(Kind::Timestamp),
        Field::undocumented("attributes", &["signee_attributes", "identity"])
            .of(Kind::Object(&ATTRIBUTES)),
        Field::undocumented("metadata", &["meta_data", "custom_data"]),
    ],
};

/// A signee's attributes: their names are documented (in the request).
static ATTRIBUTES: Shape = Shape {
    name: "attributes",
    fields: &[
        Field::documented("email"),
        Field::documented("se_personal_number"),
    ],
};

/// A tenant: the create answer has "No sample".
pub(super) static TENANT: Shape = Shape {
    name: "tenant",
    fields: &[
        Field::documented("id"),
        Field::undocumented("name", &["display_name", "tenant_name"]),
        Field::undocumented("language_code", &["language", "locale"]),
        Field::undocumented("time_zone", &["timezone", "tz"]),
    ],
};

/// A theme: no answer is published.
pub(super) static THEME: Shape = Shape {
    name: "theme",
    fields: &[
        Field::documented("id"),
        Field::undocumented("name", &["display_name", "theme_name"]),
        Field::undocumented("icon_file_id", &["icon_id", "icon"]),
        Field::undocumented("logo_file_id", &["logo_id", "logo"]),
        Field::undocumented("color_primary_hex", &["primary_color", "color_primary"]),
        Field::undocumented(
            "color_secondary_hex",
            &["secondary_color", "color_secondary"],
        ),
    ],
};

/// A webhook; `secret` is only in the answer to its creation.
pub(super) static WEBHOOK: Shape = Shape {
    name: "webhook",
    fields: &[
        Field::documented("id"),
        Field::undocumented("url", &["endpoint", "callback_url"]),
        Field::undocumented("events", &["event_types", "filter_types"]),
        Field::essential("secret", &WEBHOOK_SECRET_FIELDS),
    ],
};

/// A webhook delivery's body: Standard Webhooks' payload structure, which HeySign follows.
pub(super) static WEBHOOK_BODY: Shape = Shape {
    name: "webhook body",
    fields: &[
        Field::documented("type"),
        Field::documented("timestamp"),
        Field::documented("data"),
    ],
};

/// Every object HeySign sends on its own.
pub(super) const ALL: [&Shape; 11] = [
    &TOKEN,
    &ENVELOPE,
    &LIST,
    &AGREEMENT,
    &DOCUMENT,
    &FILE,
    &SIGNEE,
    &TENANT,
    &THEME,
    &WEBHOOK,
    &WEBHOOK_BODY,
];

/// The shape of the object an event of `kind` carries in `data`.
pub(super) fn event_shape(kind: &str) -> &'static Shape {
    if kind.starts_with("signee.") {
        &SIGNEE
    } else if kind.starts_with("document.") {
        &DOCUMENT
    } else {
        &AGREEMENT
    }
}

/// A single object in its envelope, `{"data": {...}, "type": kind}`, worded as `mode` says.
pub(super) fn single(mode: AnswerMode, shape: &'static Shape, kind: &str, data: Value) -> Value {
    let mut envelope = serde_json::Map::new();
    envelope.insert("data".to_owned(), mode.render(shape, data));
    envelope.insert("type".to_owned(), Value::String(kind.to_owned()));
    mode.render(&ENVELOPE, Value::Object(envelope))
}

/// A list envelope whose `data` holds objects of `shape`, worded as `mode` says.
pub(super) fn list(mode: AnswerMode, shape: &'static Shape, mut envelope: Value) -> Value {
    if let Some(Value::Array(items)) = envelope.get_mut("data") {
        for item in items.iter_mut() {
            *item = mode.render(shape, std::mem::take(item));
        }
    }
    mode.render(&LIST, envelope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::mode::name_clashes;

    #[test]
    fn names_never_clash() {
        assert_eq!(name_clashes(&ALL), Vec::<String>::new());
    }
}

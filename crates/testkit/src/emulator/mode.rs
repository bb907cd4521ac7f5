//! How the emulators word their answers: with every field the project assumed, with only what
//! the providers' documents promise, or in a seeded variant of what the documents leave open.
//!
//! The emulators were written with the same assumptions as the adapters, so an adapter that only
//! ever meets them never learns which of its guesses a real provider might contradict. An
//! [`AnswerMode`] changes what an emulator *sends* (API answers, HeySign webhook bodies, LEAP
//! callback bodies, DocuSign's token, userinfo and Connect messages) and nothing else: requests
//! are checked exactly as strictly in every mode, error bodies are the same, and the control
//! handles (`agreement()`, `signees_of()`, `project()`, `envelope()`, ...) keep returning the
//! emulator's own JSON, with the assumed names, whatever the mode.
//!
//! | mode | answers carry | for |
//! |---|---|---|
//! | [`Assumed`](AnswerMode::Assumed) (default) | every field the project assumed, under the assumed names | the adapters' own tests, which pin the assumed shapes |
//! | [`DocumentedOnly`](AnswerMode::DocumentedOnly) | the fields in the tables below, nothing else | proving an adapter needs no more than the documents promise |
//! | [`Variant { seed }`](AnswerMode::Variant) | documented fields under their names; everything else varied, deterministically from the seed | property tests: many plausible providers, each reproducible from its seed |
//!
//! # What the documents promise
//!
//! For HeySign and LEAP Sign, "documented" means named in the provider's published reference
//! (the seeds the project was created from) or listed in the project's `providers.md` as read
//! from the public docs; DocuSign, whose specification names every field, has
//! [its own rule](#docusign). A field the documents do not name, but without which an adapter
//! cannot work at all, is *essential*: it is kept in `DocumentedOnly` under the project's
//! assumed name, and in a variant moved to one of a short list of candidate names (the table
//! after DocuSign's). Every other undocumented field is left out of `DocumentedOnly` answers.
//!
//! ## HeySign
//!
//! | object | sent in | fields kept | why |
//! |---|---|---|---|
//! | `token` | `POST /oauth/token` | `access_token`, `expires_in`, `token_type` | the seed's sample answer |
//! | `envelope` | every `{"data", "type"}` answer: agreements, files (get), signees, tenants, themes, webhooks (create) | `data`, `type` | the seed's samples; `data` holds the object as its own row says |
//! | `list` | list agreements, files, signees, webhooks | `data`, `type`, `page`, `total_pages`, `total_items` | the seed's samples; `page` is collapsed there, so it is sent as an empty object |
//! | `agreement` | create, get, edit, list agreements; `data` of `agreement.*` webhooks | `id`, `created_date`, `issuer`, `title`, `status`, `status_date`, `document_ids`, `signee_ids`, `metadata` | the agreement fields `providers.md` lists as seen in the public docs; only `Draft`, `Pending` and `Deleted` are documented status values |
//! | `document` | create, get, list documents (bare); `data` of `document.created` | `id`, `agreement_id`, `file_id`, `created_date`, `metadata`, `type` | the seed's sample answer |
//! | `file` | upload (bare); get and list files (in `data`) | `id`, `created_date`, `metadata`, `name`, `size`, `sha256`, `content_type` | the seed's upload sample, the only spelled-out file object |
//! | `signee` | create, get, edit, list signees; `data` of `signee.*` webhooks | `id` | collapsed in the seed; every object of the API has an `id` (both spelled-out objects do, and every path names one) |
//! | `tenant` | create tenant | `id` | "No sample"; `id` as for every object |
//! | `theme` | create theme | `id` | no sample; `id` as for every object |
//! | `webhook` | list webhooks | `id` | collapsed in the seed; `id` as for every object |
//! | `created webhook` | create webhook | `id`, `secret` | the seed promises the answer "will contain the webhook secret" without naming it: essential, under the assumed name |
//! | `webhook body` | every webhook delivery | `type`, `timestamp`, `data` | HeySign follows Standard Webhooks, whose payload structure this is; `data` holds the object as its own row says |
//!
//! ## LEAP Sign
//!
//! | object | sent in | fields kept | why |
//! |---|---|---|---|
//! | `process data` | launch-new, get process data | `projectId`, `status` | "the full signing process data", whose field names are not published; the project id and its status are essential (without the status no answer says whether a project is signed), under the assumed names |
//! | `callback body` | the completion callback | `projectId` | the body is not documented at all; the project id is essential, under the assumed name |
//!
//! ## DocuSign
//!
//! DocuSign publishes an OpenAPI specification (release 21.1.00) that names every field of every
//! answer and declares none `required`. So every field DocuSign sends is documented by name, and
//! a variant never renames one; what `DocumentedOnly` keeps is what the documents *promise* an
//! answer carries: the smallest set that the specification's descriptions of the operation and
//! its definition, and the project's `docusign.md` (read from DocuSign's guides), describe the
//! answer with. Every other field the emulator sends is *optional*: left out of
//! `DocumentedOnly`; in a variant sent, left out or `null`. A field kept here is never left out
//! where the emulator has it (a signer's `signedDateTime` once they signed, `recipients` when
//! `include=recipients` asked for them), but its value may change in a variant as DocuSign's own
//! do: statuses in another casing, numbers and booleans declared as strings sent as JSON ones,
//! date-times with other decimals or offset (see the kinds below).
//!
//! | object | sent in | fields kept | why |
//! |---|---|---|---|
//! | `token` | `POST /oauth/token` | `access_token`, `token_type`, `expires_in` | the JWT grant's answer in DocuSign's guide, as `docusign.md` gives it |
//! | `userinfo` | `GET /oauth/userinfo` | `sub`, `accounts` | the guide's answer: the user, and the accounts the token may act in; the user's names, e-mail and `created` describe a person the adapter does not need |
//! | `account` | each of userinfo's `accounts` | `account_id`, `is_default`, `base_uri` | what picks the account and the host its API lives on; `account_name` is only a display name |
//! | `envelopeSummary` | create envelope | `envelopeId`, `status`, `statusDateTime`, `uri` | the definition's properties but `bulkEnvelopeStatus` and `errorDetails` (bulk sends, failures): "the envelope ID", its status, "the DateTime that the envelope changed status (i.e. was created or sent)" |
//! | `envelope` | get envelope; each of a listing's `envelopes`; a Connect message's `data.envelopeSummary` | `envelopeId`, `status`, `createdDateTime`, `recipients`, `customFields`, `envelopeDocuments` | "Retrieves the overall status for the specified envelope": its id and status, every envelope's "UTC DateTime when the item was created", the dates its status implies (next table), and what `include=` (or Connect's `includeData`) asked for: "returns `customFields` only with `include=custom_fields` (and recipients only with `include=recipients`)" (`docusign.md`) |
//! | `EnvelopeRecipients` | list recipients; an envelope's `recipients` | `signers`, `carbonCopies`, `currentRoutingOrder` | the two recipient types the emulator supports, and the list call "identifies the current recipient in the routing list" with `currentRoutingOrder` (absent once nobody's turn has come); the other types' empty lists and `recipientCount` are optional |
//! | `signer` | each of `signers` | `recipientId`, `email`, `name`, `routingOrder`, `status`, `signedDateTime` | who the signer is, where they are in the routing ("`signers[]` ... with per-recipient `status`", `docusign.md`), and when they signed, once they have (the specification marks `signedDateTime` "Reserved for DocuSign", yet it is the only record of a signature's time) |
//! | `carbonCopy` | each of `carbonCopies` | `recipientId`, `email`, `name`, `routingOrder`, `status` | as a signer, who never signs |
//! | `AccountCustomFields` | an envelope's `customFields` | `textCustomFields` | the text fields an envelope is created with; `listCustomFields` are kept as given and not promised |
//! | `textCustomField` | each of `textCustomFields` | `name`, `value` | the field's data ("`textCustomFields[]` (`name`, `value`, `show`)", `docusign.md`, where `show` and `required` are settings for senders); `fieldId` is DocuSign's own |
//! | `envelopeDocument` | each of an envelope's `envelopeDocuments` (`include=documents`) | `documentId`, `name` | "The documents associated with the envelope": the id a download names, and "the document's file name" |
//! | `envelopesInformation` | list envelopes | `envelopes`, `resultSetSize`, `totalSetSize`, `startPosition`, `endPosition` | the result set as the definition describes it; `envelopes` is absent from an empty page, and `nextUri` and `previousUri` are not in release 21.1.00 |
//! | `envelopeUpdateSummary` | update an envelope (send a draft, void) | `envelopeId` | the one property the emulator sends; the others report bulk, lock and purge results |
//! | `foldersResponse` | move envelopes to the recycle bin | | the definition describes a listing of folders, none of which a move returns |
//! | `EnvelopeViews` | create recipient view | `url` | the definition's one property: "the view URL to be navigated to" |
//! | `connect message` | every Connect delivery | `event`, `generatedDateTime`, `data` | a message is its event, and is identified by the envelope, the event and `generatedDateTime`, which retries keep (`docusign.md`); `apiVersion`, `uri`, `retryCount` and `configurationId` are placeholders in DocuSign's sample payload |
//! | `connect data` | a message's `data` | `envelopeId`, `recipientId`, `envelopeSummary` | `recipientId` in recipient events only (where the emulator sends it); `envelopeSummary` only when `eventData.includeData` names anything, "the data to be included", whose default is `[]` |
//!
//! ### DocuSign: the dates of an envelope's status
//!
//! | status | fields kept | why |
//! |---|---|---|
//! | `created` | `createdDateTime` | a draft has only been created |
//! | `sent` | `createdDateTime`, `sentDateTime` | "the UTC DateTime when the envelope was sent" |
//! | `delivered` | `createdDateTime`, `sentDateTime`, `deliveredDateTime` | "the date and time that the envelope was delivered" |
//! | `signed` | `createdDateTime`, `sentDateTime` | the specification gives the envelope no signing date |
//! | `completed` | `createdDateTime`, `sentDateTime`, `completedDateTime` | "the date and time this item was completed"; whether it was delivered first is not its status |
//! | `declined` | `createdDateTime`, `sentDateTime`, `declinedDateTime` | only a sent envelope can be declined |
//! | `voided` | `createdDateTime`, `sentDateTime`, `voidedDateTime` | only a sent or delivered envelope can be voided; the `voidedReason` is optional |
//! | `deleted` | `createdDateTime` | a draft moved to the recycle bin; `deletedDateTime` is "Reserved for DocuSign" |
//!
//! A date field its status does not imply is optional: left out of `DocumentedOnly`, and in a
//! variant left out or `null` (reported with [`unless`](Variation::unless) naming the statuses
//! that keep it) or sent. The same holds for `envelopeSummary` in a Connect message that did not
//! ask for data.
//!
//! ## Essential undocumented fields
//!
//! | field | in `DocumentedOnly` | candidates in a variant (`a.b`: field `b` of the object under `a`) | constant |
//! |---|---|---|---|
//! | LEAP project id (process data, callback body) | `projectId` | `projectId`, `id`, `processId`, `signingProcessId`, `project.id` | [`leap_sign::PROJECT_ID_FIELDS`](super::leap_sign::PROJECT_ID_FIELDS) |
//! | LEAP project status (process data) | `status` | `status`, `state`, `projectStatus` | [`leap_sign::PROJECT_STATUS_FIELDS`](super::leap_sign::PROJECT_STATUS_FIELDS) |
//! | HeySign webhook secret (created webhook) | `secret` | `secret`, `signing_secret`, `key` | [`heysign::WEBHOOK_SECRET_FIELDS`](super::heysign::WEBHOOK_SECRET_FIELDS) |
//!
//! # What a variant varies
//!
//! A variant is one plausible provider: the seed decides, once per object and field, how that
//! field is sent, so every answer of one emulator agrees with every other (launch-new and get
//! process data share one shape, an agreement looks the same in its API answers and in its
//! webhooks, a DocuSign envelope in "get envelope", in listings and in Connect messages). The
//! same seed always gives the same choices; the emulator's `variations()` lists them.
//! Documented fields keep their names in every variant, and their types too but where DocuSign
//! itself is known to vary them (the last rows below); the kinds of change, as
//! [`VariationKind`]:
//!
//! | kind | what changes |
//! |---|---|
//! | [`RenamedField`](VariationKind::RenamedField) | an undocumented field is sent under another plausible name (`status` as `state`, `createdAt` as `createdDate`); an essential one under one of its candidates; never for DocuSign |
//! | [`MissingField`](VariationKind::MissingField) | an undocumented (DocuSign: optional) field is left out; for a field promised in some answers only, everywhere but there ([`unless`](Variation::unless)) |
//! | [`NullField`](VariationKind::NullField) | an undocumented (DocuSign: optional) field is always `null`, with the same exception |
//! | [`ExtraField`](VariationKind::ExtraField) | a field no document or assumption knows is added, at the top or inside nested objects and array elements; its value may be a nested object, an array, a number or a string |
//! | [`EnumCasing`](VariationKind::EnumCasing) | undocumented enum values in another casing (`IN_PROGRESS` as `in_progress`, `InProgress` or `inProgress`; HeySign's `Completed` as `COMPLETED`); documented values (`Draft`, `Pending`, `Deleted`) never change, but for DocuSign's statuses, documented in lower case and known to come as `Sent`: every value as `Sent` or `SENT` |
//! | [`NumberAsString`](VariationKind::NumberAsString) | a number whose type is undocumented is sent as a string (`"order": "1"`, Connect's `"retryCount": "0"`) |
//! | [`TimestampFormat`](VariationKind::TimestampFormat) | an undocumented timestamp in another format: RFC 3339 with milliseconds and `+00:00`, a local date-time without offset, or Unix epoch milliseconds as a number; a DocuSign date-time (any, documented or not) with 7, 3 or no decimals and `Z` or `+00:00` (digits cut, not rounded) |
//! | [`StringAsNumber`](VariationKind::StringAsNumber) | a whole number DocuSign declares as a string sent as a JSON number (`"routingOrder": 1`, `"endPosition": -1`); ids never |
//! | [`StringAsBoolean`](VariationKind::StringAsBoolean) | a boolean DocuSign declares as a string sent as a JSON boolean (`"show": false`) |

use std::fmt;
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How an emulator words what it sends.
///
/// Set it with the emulator builder's `answer_mode`, or at run time with `set_answer_mode`.
///
/// ```
/// use signing_testkit::emulator::AnswerMode;
///
/// assert_eq!(AnswerMode::default(), AnswerMode::Assumed);
/// let modes = (0..3).map(|seed| AnswerMode::Variant { seed });
/// assert_eq!(modes.count(), 3);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AnswerMode {
    /// Every field the project assumed, under the assumed names: the emulators' behaviour before
    /// answer modes existed, byte for byte.
    #[default]
    Assumed,
    /// Only the fields the provider's documents promise for each answer, plus the essential
    /// undocumented ones under their assumed names (see the [module docs](self)).
    DocumentedOnly,
    /// Documented fields under their documented names; what the documents leave open varied as
    /// the seed decides.
    Variant {
        /// Picks the variant; the same seed always gives the same answers' shapes.
        seed: u64,
    },
}

/// The kinds of change a [`Variant`](AnswerMode::Variant) makes to the assumed answers.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VariationKind {
    /// An undocumented field under another name, or an essential one under another candidate.
    RenamedField,
    /// A field the documents do not promise left out (where they promise it in some answers
    /// only, left out of the others).
    MissingField,
    /// A field the documents do not promise always sent as `null` (with the same exception).
    NullField,
    /// A field nobody knows, added.
    ExtraField,
    /// Undocumented enum values in another casing, or DocuSign's statuses.
    EnumCasing,
    /// A number of undocumented type sent as a string.
    NumberAsString,
    /// An undocumented timestamp in another format, or a DocuSign date-time with other
    /// decimals or offset.
    TimestampFormat,
    /// A whole number the documents declare as a string (`"1"`) sent as a JSON number.
    StringAsNumber,
    /// A boolean the documents declare as a string (`"true"`) sent as a JSON boolean.
    StringAsBoolean,
}

impl VariationKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 9] = [
        Self::RenamedField,
        Self::MissingField,
        Self::NullField,
        Self::ExtraField,
        Self::EnumCasing,
        Self::NumberAsString,
        Self::TimestampFormat,
        Self::StringAsNumber,
        Self::StringAsBoolean,
    ];
}

/// When the documents promise a field only in some answers: DocuSign's `sentDateTime` once an
/// envelope was sent, the `envelopeSummary` of a Connect message only when it was asked for.
///
/// A [`Variation`] that leaves such a field out, or sends it as `null`, names the condition in
/// [`unless`](Variation::unless): the answers where it holds carry the field all the same.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// The object's own field `field`, as the emulator holds it (before any change of
    /// casing), is one of `values`.
    FieldIs {
        /// A field of the same object, such as `status`.
        field: &'static str,
        /// The values for which the field is promised.
        values: &'static [&'static str],
    },
    /// The request that configured the answer asked for it, with the parameter named here
    /// (`eventData.includeData`: a Connect message's `envelopeSummary`).
    Asked(&'static str),
}

impl Condition {
    /// Whether the condition holds for `object`, an object as the emulator holds it, in an
    /// answer to a request that asked for what `asked` names.
    fn holds(self, object: &Map<String, Value>, asked: &[&str]) -> bool {
        match self {
            Self::FieldIs { field, values } => object
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(|value| values.contains(&value)),
            Self::Asked(what) => asked.contains(&what),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldIs { field, values } => {
                write!(f, "`{field}` is {}", values.join(", "))
            }
            Self::Asked(what) => write!(f, "asked for with `{what}`"),
        }
    }
}

/// One change the current answer mode makes to one field of one object, compared with the
/// assumed answers.
///
/// Paths join keys with `.` and write `[]` for every element of an array:
/// `workflow.signers[].status`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variation {
    /// The object whose answers carry the change, as the tables of the [module docs](self) name
    /// it (`agreement`, `process data`, `list`).
    pub object: &'static str,
    /// Where the field is in the assumed object; for an extra field, where it is added.
    pub field: String,
    /// Where the field is in the object as sent; `None` when it is left out.
    pub sent_as: Option<String>,
    /// What kind of change it is.
    pub kind: VariationKind,
    /// For [`RenamedField`](VariationKind::RenamedField) the name sent, for
    /// [`EnumCasing`](VariationKind::EnumCasing) the casing (`lower_snake`), for
    /// [`TimestampFormat`](VariationKind::TimestampFormat) the format, for
    /// [`ExtraField`](VariationKind::ExtraField) the JSON type of the value; empty otherwise.
    pub detail: String,
    /// For a [`MissingField`](VariationKind::MissingField) or
    /// [`NullField`](VariationKind::NullField) the documents promise in some answers only:
    /// the answers the change spares, which carry the field as assumed. `None` when the change
    /// applies to every answer.
    pub unless: Option<Condition>,
}

impl fmt::Display for Variation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}` {:?}", self.object, self.field, self.kind)?;
        if let Some(sent_as) = &self.sent_as
            && sent_as != &self.field
        {
            write!(f, " sent as `{sent_as}`")?;
        }
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        if let Some(condition) = &self.unless {
            write!(f, " unless {condition}")?;
        }
        Ok(())
    }
}

/// The answer mode an emulator's handlers read, switchable at run time.
#[derive(Debug, Default)]
pub(crate) struct ModeCell(Mutex<AnswerMode>);

impl ModeCell {
    pub(crate) fn new(mode: AnswerMode) -> Self {
        Self(Mutex::new(mode))
    }

    pub(crate) fn get(&self) -> AnswerMode {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set(&self, mode: AnswerMode) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = mode;
    }
}

// ---- shapes ---------------------------------------------------------------------------------

/// What the documents say about the fields of one object an emulator sends.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The object's name in the module docs' tables; only used for shapes sent on their own.
    pub(crate) name: &'static str,
    pub(crate) fields: &'static [Field],
}

/// One field of a [`Shape`], under its assumed name.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) class: Class,
    pub(crate) value: Kind,
}

/// How much the documents say about a field.
#[derive(Debug)]
pub(crate) enum Class {
    /// Named by the documents: kept in every mode, under its name.
    Documented,
    /// Not named, but an adapter cannot work without it: kept under the assumed name in
    /// `DocumentedOnly`, sent under one of these candidates (the assumed name first) in a variant.
    Essential(&'static [&'static str]),
    /// Not named and not essential: left out of `DocumentedOnly`; in a variant kept, renamed to
    /// one of these names, left out or `null`. A field the documents name without promising it
    /// in this answer (DocuSign's optional fields) is one without other names.
    Undocumented(&'static [&'static str]),
    /// Named by the documents, and promised when the condition holds: kept then in every mode;
    /// otherwise left out of `DocumentedOnly`, and in a variant kept, left out or `null` like an
    /// undocumented field without other names.
    DocumentedWhen(Condition),
}

/// What the value of a field is, for the changes a variant makes to values.
#[derive(Debug)]
pub(crate) enum Kind {
    /// Sent as it is.
    Plain,
    /// A string enum: values not in `documented` may be recased; `assumed` is how the emulator
    /// writes them.
    Enum {
        documented: &'static [&'static str],
        assumed: Casing,
    },
    /// A number.
    Number,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// A string enum all of whose values, documented ones included, a variant may send in one
    /// of `casings` (`assumed` is how the emulator writes them): for a provider known to send
    /// its documented values in other casings, as DocuSign does its statuses. Varied whatever
    /// the field's class.
    Recased {
        assumed: Casing,
        casings: &'static [Casing],
    },
    /// A whole number the documents declare as a string (`"1"`), which a variant may send as a
    /// JSON number. Varied whatever the field's class.
    StringNumber,
    /// A boolean the documents declare as a string (`"true"`), which a variant may send as a
    /// JSON boolean. Varied whatever the field's class.
    StringBoolean,
    /// A date-time the documents declare as a plain string, which the emulator writes in
    /// RFC 3339 with seven decimals and `Z` and a variant with 7, 3 or no decimals and `Z` or
    /// `+00:00`. Varied whatever the field's class.
    DateTime,
    /// An object of this shape.
    Object(&'static Shape),
    /// An array of objects of this shape.
    Array(&'static Shape),
}

impl Field {
    /// A documented field sent as it is.
    pub(crate) const fn documented(name: &'static str) -> Self {
        Self {
            name,
            class: Class::Documented,
            value: Kind::Plain,
        }
    }

    /// An essential undocumented field; `candidates` starts with the assumed name.
    pub(crate) const fn essential(name: &'static str, candidates: &'static [&'static str]) -> Self {
        Self {
            name,
            class: Class::Essential(candidates),
            value: Kind::Plain,
        }
    }

    /// An undocumented field, and other names a provider might plausibly give it.
    pub(crate) const fn undocumented(
        name: &'static str,
        alternatives: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            class: Class::Undocumented(alternatives),
            value: Kind::Plain,
        }
    }

    /// A field the documents name but do not promise in this answer: left out of
    /// `DocumentedOnly`; in a variant kept, left out or `null`, never renamed.
    pub(crate) const fn optional(name: &'static str) -> Self {
        Self::undocumented(name, &[])
    }

    /// A documented field promised only when `condition` holds.
    pub(crate) const fn documented_when(name: &'static str, condition: Condition) -> Self {
        Self {
            name,
            class: Class::DocumentedWhen(condition),
            value: Kind::Plain,
        }
    }

    /// The same field with a value of `kind`.
    pub(crate) const fn of(self, kind: Kind) -> Self {
        Self {
            name: self.name,
            class: self.class,
            value: kind,
        }
    }
}

/// How the words of an enum value are put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Casing {
    UpperSnake,
    LowerSnake,
    Pascal,
    Camel,
}

impl Casing {
    const ALL: [Self; 4] = [
        Self::UpperSnake,
        Self::LowerSnake,
        Self::Pascal,
        Self::Camel,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::UpperSnake => "UPPER_SNAKE",
            Self::LowerSnake => "lower_snake",
            Self::Pascal => "PascalCase",
            Self::Camel => "camelCase",
        }
    }

    /// `text` (in any casing) rewritten in this one.
    fn apply(self, text: &str) -> String {
        let words = words(text);
        let capitalized = |word: &str| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect()
            })
        };
        match self {
            Self::UpperSnake => words
                .iter()
                .map(|word| word.to_uppercase())
                .collect::<Vec<_>>()
                .join("_"),
            Self::LowerSnake => words
                .iter()
                .map(|word| word.to_lowercase())
                .collect::<Vec<_>>()
                .join("_"),
            Self::Pascal => words.iter().map(|word| capitalized(word)).collect(),
            Self::Camel => words
                .iter()
                .enumerate()
                .map(|(index, word)| {
                    if index == 0 {
                        word.to_lowercase()
                    } else {
                        capitalized(word)
                    }
                })
                .collect(),
        }
    }
}

/// The words of an enum value: split at `_`, `-`, spaces and where a lower-case letter is
/// followed by an upper-case one.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if matches!(c, '_' | '-' | ' ') {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase();
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeFormat {
    /// As the emulator writes it: RFC 3339 in UTC with `Z` (DocuSign's with seven decimals).
    Assumed,
    /// RFC 3339 with milliseconds and `+00:00`.
    OffsetMillis,
    /// A local date-time with milliseconds and no offset, as Java's `LocalDateTime` prints.
    LocalMillis,
    /// Milliseconds since the Unix epoch, as a JSON number.
    EpochMillis,
    /// RFC 3339 with seven decimals and `+00:00`.
    SevenOffset,
    /// RFC 3339 with milliseconds and `Z`.
    MillisZ,
    /// RFC 3339 without decimals, with `Z`.
    SecondsZ,
    /// RFC 3339 without decimals, with `+00:00`.
    SecondsOffset,
}

impl TimeFormat {
    /// The formats of an undocumented timestamp ([`Kind::Timestamp`]).
    const ALL: [Self; 4] = [
        Self::Assumed,
        Self::OffsetMillis,
        Self::LocalMillis,
        Self::EpochMillis,
    ];

    /// The formats of a DocuSign date-time ([`Kind::DateTime`]): 7, 3 or no decimals, `Z` or
    /// `+00:00`.
    const DATE_TIMES: [Self; 6] = [
        Self::Assumed,
        Self::SevenOffset,
        Self::MillisZ,
        Self::OffsetMillis,
        Self::SecondsZ,
        Self::SecondsOffset,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Assumed => "RFC 3339",
            Self::OffsetMillis => "RFC 3339 with milliseconds and +00:00",
            Self::LocalMillis => "local date-time without offset",
            Self::EpochMillis => "Unix epoch milliseconds",
            Self::SevenOffset => "RFC 3339 with 7 decimals and +00:00",
            Self::MillisZ => "RFC 3339 with milliseconds and Z",
            Self::SecondsZ => "RFC 3339 without decimals and Z",
            Self::SecondsOffset => "RFC 3339 without decimals and +00:00",
        }
    }

    /// The RFC 3339 timestamp `text` in this format; anything that is not one stays as it is.
    /// Digits beyond the format's are cut, not rounded.
    fn apply(self, text: &str) -> Value {
        let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) else {
            return Value::String(text.to_owned());
        };
        let at = at.to_offset(time::UtcOffset::UTC);
        let stamp = |decimals: usize, suffix: &str| {
            let mut stamp = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
            );
            if decimals > 0 {
                let nanos = format!("{:09}", at.nanosecond());
                stamp.push('.');
                stamp.push_str(&nanos[..decimals]);
            }
            stamp.push_str(suffix);
            Value::String(stamp)
        };
        match self {
            Self::Assumed => Value::String(text.to_owned()),
            Self::OffsetMillis => stamp(3, "+00:00"),
            Self::LocalMillis => stamp(3, ""),
            Self::EpochMillis => {
                let millis = at.unix_timestamp_nanos() / 1_000_000;
                i64::try_from(millis).map_or_else(|_| Value::String(text.to_owned()), Value::from)
            }
            Self::SevenOffset => stamp(7, "+00:00"),
            Self::MillisZ => stamp(3, "Z"),
            Self::SecondsZ => stamp(0, "Z"),
            Self::SecondsOffset => stamp(0, "+00:00"),
        }
    }
}

// ---- plans: what a mode does to one field ---------------------------------------------------

/// Where a field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    /// Sent under this name (the assumed one or another; `a.b` nests it).
    Under(&'static str),
    Missing,
    Null,
}

/// What happens to a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValuePlan {
    AsIs,
    Recased(Casing),
    AsString,
    Retimed(TimeFormat),
    AsNumber,
    AsBoolean,
}

/// Names of extra fields a variant adds: none is a field name, an alternative or a candidate of
/// any shape (a unit test of each emulator checks that).
pub(crate) const EXTRA_NAMES: [&str; 6] = [
    "_links",
    "meta",
    "revision",
    "x_trace",
    "extensions",
    "labels",
];

/// The value of an extra field, by index.
fn extra_value(index: u64) -> Value {
    match index % 6 {
        0 => json!({
            "self": {"href": "https://example.invalid/self"},
            "related": [{"rel": "audit", "href": "https://example.invalid/audit"}],
        }),
        1 => json!({
            "version": 3,
            "flags": ["beta", "eu"],
            "nested": {"deeper": {"value": null, "list": [1, 2.5, "three"]}},
        }),
        2 => json!(7),
        3 => json!("trace-0f3a"),
        4 => json!([]),
        _ => json!([{"key": "a", "value": 1}, [true, false], null, {}]),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The choices of one variant for one object, drawn from the seed by field path and purpose, so
/// the same field of the same object is always sent the same way.
#[derive(Debug, Clone, Copy)]
struct Dialect {
    seed: u64,
    object: &'static str,
}

impl Dialect {
    /// A number fixed by the seed, the object, the field path and what it is for.
    fn roll(self, path: &str, purpose: &str) -> u64 {
        // FNV-1a over the names, then SplitMix64 with the seed: stable across platforms and
        // releases, unlike the standard library's hashers.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [self.object, path, purpose] {
            for byte in part.bytes().chain(std::iter::once(0xff)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        split_mix(self.seed ^ split_mix(hash))
    }

    fn pick<T: Copy>(self, path: &str, purpose: &str, items: &[T]) -> T {
        let len = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let index = usize::try_from(self.roll(path, purpose) % len).unwrap_or(0);
        items[index]
    }
}

fn split_mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl AnswerMode {
    /// Where `field` (at `path` in the object `object`) goes and what happens to its value. For
    /// a field documented under a condition, where the condition does not hold.
    fn plan(self, object: &'static str, field: &Field, path: &str) -> (Presence, ValuePlan) {
        let keep = (Presence::Under(field.name), ValuePlan::AsIs);
        match (self, &field.class) {
            (Self::Assumed, _)
            | (Self::DocumentedOnly, Class::Documented | Class::Essential(_)) => keep,
            (Self::DocumentedOnly, Class::Undocumented(_) | Class::DocumentedWhen(_)) => {
                (Presence::Missing, ValuePlan::AsIs)
            }
            (Self::Variant { seed }, class) => {
                let dialect = Dialect { seed, object };
                let presence = match class {
                    Class::Documented => Presence::Under(field.name),
                    Class::Essential(candidates) => {
                        Presence::Under(dialect.pick(path, "name", candidates))
                    }
                    Class::Undocumented(alternatives) => {
                        Self::presence(dialect, field, path, alternatives)
                    }
                    Class::DocumentedWhen(_) => Self::presence(dialect, field, path, &[]),
                };
                // A conditional field is sent where its condition holds, whatever its presence.
                if !matches!(presence, Presence::Under(_))
                    && !matches!(class, Class::DocumentedWhen(_))
                {
                    return (presence, ValuePlan::AsIs);
                }
                let undocumented = matches!(class, Class::Undocumented(_));
                (
                    presence,
                    Self::value_plan(dialect, field, path, undocumented),
                )
            }
        }
    }

    /// Where a variant sends a field that is not promised.
    fn presence(
        dialect: Dialect,
        field: &Field,
        path: &str,
        alternatives: &'static [&'static str],
    ) -> Presence {
        match dialect.roll(path, "presence") % 20 {
            // Kept under its own name, or under another one if it has any.
            0..=7 => Presence::Under(field.name),
            8..=12 => Presence::Under(if alternatives.is_empty() {
                field.name
            } else {
                dialect.pick(path, "name", alternatives)
            }),
            13..=16 => Presence::Missing,
            _ => Presence::Null,
        }
    }

    /// What a variant does to the value of a field it sends.
    fn value_plan(dialect: Dialect, field: &Field, path: &str, undocumented: bool) -> ValuePlan {
        let recased = |assumed: Casing, casings: &[Casing]| {
            let casing = dialect.pick(path, "casing", casings);
            if casing == assumed {
                ValuePlan::AsIs
            } else {
                ValuePlan::Recased(casing)
            }
        };
        let retimed = |formats: &[TimeFormat]| match dialect.pick(path, "time", formats) {
            TimeFormat::Assumed => ValuePlan::AsIs,
            format => ValuePlan::Retimed(format),
        };
        match &field.value {
            Kind::Enum { assumed, .. } => recased(*assumed, &Casing::ALL),
            Kind::Recased { assumed, casings } => recased(*assumed, casings),
            Kind::Number if undocumented && dialect.roll(path, "number") % 5 < 2 => {
                ValuePlan::AsString
            }
            Kind::StringNumber if dialect.roll(path, "number") % 5 < 2 => ValuePlan::AsNumber,
            Kind::StringBoolean if dialect.roll(path, "boolean") % 5 < 2 => ValuePlan::AsBoolean,
            Kind::Timestamp if undocumented => retimed(&TimeFormat::ALL),
            Kind::DateTime => retimed(&TimeFormat::DATE_TIMES),
            _ => ValuePlan::AsIs,
        }
    }

    /// The extra fields added to the object at `path`, as names and value indexes.
    fn extras(self, object: &'static str, path: &str) -> Vec<(&'static str, u64)> {
        let Self::Variant { seed } = self else {
            return Vec::new();
        };
        let dialect = Dialect { seed, object };
        let count = match dialect.roll(path, "extras") % 10 {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        let len = EXTRA_NAMES.len() as u64;
        let first = dialect.roll(path, "extra name") % len;
        let step = 1 + dialect.roll(path, "extra step") % (len - 1);
        (0..count)
            .map(|n| {
                let index = usize::try_from((first + n * step) % len).unwrap_or(0);
                let value = dialect.roll(path, EXTRA_NAMES[index]);
                (EXTRA_NAMES[index], value)
            })
            .collect()
    }

    /// `value`, an object of `shape` as the emulator holds it, as this mode sends it.
    pub(crate) fn render(self, shape: &'static Shape, value: Value) -> Value {
        self.render_asked(shape, value, &[])
    }

    /// `value`, an object of `shape` as the emulator holds it, as this mode sends it in answer
    /// to a request that asked for what `asked` names (see [`Condition::Asked`]).
    pub(crate) fn render_asked(self, shape: &'static Shape, value: Value, asked: &[&str]) -> Value {
        if self == Self::Assumed {
            return value;
        }
        match value {
            Value::Object(map) => {
                Value::Object(self.render_object(shape.name, shape, "", map, asked))
            }
            other => other,
        }
    }

    fn render_object(
        self,
        object: &'static str,
        shape: &'static Shape,
        path: &str,
        map: Map<String, Value>,
        asked: &[&str],
    ) -> Map<String, Value> {
        // The conditions are read on the object as held, before any of its values change.
        let promised: Vec<&str> = shape
            .fields
            .iter()
            .filter(|field| match field.class {
                Class::DocumentedWhen(condition) => condition.holds(&map, asked),
                _ => false,
            })
            .map(|field| field.name)
            .collect();
        let mut out = Map::new();
        for (key, value) in map {
            let Some(field) = shape.fields.iter().find(|field| field.name == key) else {
                // A field the shape does not know is undocumented and has no alternatives.
                if matches!(self, Self::Variant { .. }) {
                    out.insert(key, value);
                }
                continue;
            };
            let field_path = join(path, field.name);
            let (mut presence, plan) = self.plan(object, field, &field_path);
            if promised.contains(&field.name) {
                presence = Presence::Under(field.name);
            }
            match presence {
                Presence::Missing => {}
                Presence::Null => insert_at(&mut out, key.as_str(), Value::Null),
                Presence::Under(name) => {
                    let value = self.render_value(object, field, &field_path, plan, value, asked);
                    insert_at(&mut out, name, value);
                }
            }
        }
        for (name, value) in self.extras(object, path) {
            out.insert(name.to_owned(), extra_value(value));
        }
        out
    }

    fn render_value(
        self,
        object: &'static str,
        field: &Field,
        path: &str,
        plan: ValuePlan,
        value: Value,
        asked: &[&str],
    ) -> Value {
        match (&field.value, plan, value) {
            (Kind::Enum { documented, .. }, ValuePlan::Recased(casing), Value::String(text))
                if !documented.contains(&text.as_str()) =>
            {
                Value::String(casing.apply(&text))
            }
            (Kind::Recased { .. }, ValuePlan::Recased(casing), Value::String(text)) => {
                Value::String(casing.apply(&text))
            }
            (Kind::Number, ValuePlan::AsString, Value::Number(number)) => {
                Value::String(number.to_string())
            }
            (Kind::StringNumber, ValuePlan::AsNumber, Value::String(text)) => {
                whole_number(&text).map_or(Value::String(text), Value::from)
            }
            (Kind::StringBoolean, ValuePlan::AsBoolean, Value::String(text)) => {
                match text.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(text),
                }
            }
            (Kind::Timestamp | Kind::DateTime, ValuePlan::Retimed(format), Value::String(text)) => {
                format.apply(&text)
            }
            (Kind::Object(shape), _, Value::Object(map)) => {
                Value::Object(self.render_object(object, shape, path, map, asked))
            }
            (Kind::Array(shape), _, Value::Array(items)) => {
                let path = format!("{path}[]");
                Value::Array(
                    items
                        .into_iter()
                        .map(|item| match item {
                            Value::Object(map) => {
                                Value::Object(self.render_object(object, shape, &path, map, asked))
                            }
                            other => other,
                        })
                        .collect(),
                )
            }
            (_, _, value) => value,
        }
    }

    /// Every change this mode makes to the objects of `shapes`, compared with the assumed
    /// answers; empty for [`Assumed`](Self::Assumed).
    pub(crate) fn variations(self, shapes: &[&'static Shape]) -> Vec<Variation> {
        let mut out = Vec::new();
        if self != Self::Assumed {
            for shape in shapes {
                self.describe(shape.name, shape, "", "", &mut out);
            }
        }
        out
    }

    fn describe(
        self,
        object: &'static str,
        shape: &'static Shape,
        path: &str,
        sent_path: &str,
        out: &mut Vec<Variation>,
    ) {
        let variation = |field: &str, sent_as: Option<String>, kind, detail: &str| Variation {
            object,
            field: field.to_owned(),
            sent_as,
            kind,
            detail: detail.to_owned(),
            unless: None,
        };
        for field in shape.fields {
            let field_path = join(path, field.name);
            let (presence, plan) = self.plan(object, field, &field_path);
            let unless = match field.class {
                Class::DocumentedWhen(condition) => Some(condition),
                _ => None,
            };
            let name = match presence {
                Presence::Missing | Presence::Null => {
                    let (kind, sent_as) = if presence == Presence::Missing {
                        (VariationKind::MissingField, None)
                    } else {
                        (VariationKind::NullField, Some(join(sent_path, field.name)))
                    };
                    out.push(Variation {
                        unless,
                        ..variation(&field_path, sent_as, kind, "")
                    });
                    if unless.is_none() {
                        continue;
                    }
                    // Sent as it is where its condition holds.
                    field.name
                }
                Presence::Under(name) => name,
            };
            let sent_as = join(sent_path, name);
            if name != field.name {
                out.push(variation(
                    &field_path,
                    Some(sent_as.clone()),
                    VariationKind::RenamedField,
                    name,
                ));
            }
            let value_change = match plan {
                ValuePlan::AsIs => None,
                ValuePlan::Recased(casing) => Some((VariationKind::EnumCasing, casing.name())),
                ValuePlan::AsString => Some((VariationKind::NumberAsString, "")),
                ValuePlan::Retimed(format) => Some((VariationKind::TimestampFormat, format.name())),
                ValuePlan::AsNumber => Some((VariationKind::StringAsNumber, "")),
                ValuePlan::AsBoolean => Some((VariationKind::StringAsBoolean, "")),
            };
            if let Some((kind, detail)) = value_change {
                out.push(variation(&field_path, Some(sent_as.clone()), kind, detail));
            }
            match &field.value {
                Kind::Object(nested) => self.describe(object, nested, &field_path, &sent_as, out),
                Kind::Array(nested) => self.describe(
                    object,
                    nested,
                    &format!("{field_path}[]"),
                    &format!("{sent_as}[]"),
                    out,
                ),
                _ => {}
            }
        }
        for (name, value) in self.extras(object, path) {
            out.push(variation(
                &join(path, name),
                Some(join(sent_path, name)),
                VariationKind::ExtraField,
                json_type(&extra_value(value)),
            ));
        }
    }
}

/// The whole number `text` writes, if it writes one as JSON would (`"1"`, `"-1"`, not `"01"`).
fn whole_number(text: &str) -> Option<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|number| number.to_string() == text)
}

/// `path.name`, or `name` at the top.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Inserts `value` under `name`, where `a.b` means the field `b` of the object under `a`.
fn insert_at(map: &mut Map<String, Value>, name: &str, value: Value) {
    match name.split_once('.') {
        None => {
            map.insert(name.to_owned(), value);
        }
        Some((outer, inner)) => {
            let slot = map
                .entry(outer.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(nested) = slot {
                insert_at(nested, inner, value);
            }
        }
    }
}

/// Checks the names of `shapes` for a unit test: within each object, field names, their
/// alternatives and the first segments of their candidates are all distinct, and none is an
/// extra field's name. Returns the clashes found.
#[cfg(test)]
pub(crate) fn name_clashes(shapes: &[&'static Shape]) -> Vec<String> {
    fn visit(shape: &'static Shape, clashes: &mut Vec<String>) {
        let mut names: Vec<&str> = Vec::new();
        for field in shape.fields {
            names.push(field.name);
            match &field.class {
                Class::Documented | Class::DocumentedWhen(_) => {}
                Class::Essential(candidates) => names.extend(
                    candidates
                        .iter()
                        .filter(|candidate| **candidate != field.name)
                        .map(|candidate| candidate.split('.').next().unwrap_or(candidate)),
                ),
                Class::Undocumented(alternatives) => names.extend(alternatives.iter().copied()),
            }
            if let Kind::Object(nested) | Kind::Array(nested) = &field.value {
                visit(nested, clashes);
            }
        }
        names.extend(EXTRA_NAMES);
        let mut seen = Vec::new();
        for name in names {
            if seen.contains(&name) {
                clashes.push(format!("{}: `{name}` is used twice", shape.name));
            }
            seen.push(name);
        }
    }
    let mut clashes = Vec::new();
    for shape in shapes {
        visit(shape, &mut clashes);
    }
    clashes
}

#[cfg(test)]
mod tests {
    use super::*;

    static INNER: Shape = Shape {
        name: "inner",
        fields: &[
            Field::undocumented("order", &["position"]).of(Kind::Number),
            Field::undocumented("state", &["status"]).of(Kind::Enum {
                documented: &["DRAFT"],
                assumed: Casing::UpperSnake,
            }),
        ],
    };

    static OUTER: Shape = Shape {
        name: "outer",
        fields: &[
            Field::essential("projectId", &["projectId", "id", "project.id"]),
            Field::documented("title"),
            Field::undocumented("createdAt", &["created"]).of(Kind::Timestamp),
            Field::undocumented("items", &["entries"]).of(Kind::Array(&INNER)),
            Field::undocumented("owner", &["person"]).of(Kind::Object(&INNER)),
        ],
    };

    /// A shape in DocuSign's manner: every field named, values typed as strings.
    static TYPED: Shape = Shape {
        name: "typed",
        fields: &[
            Field::documented("id"),
            Field::documented("status").of(Kind::Recased {
                assumed: Casing::LowerSnake,
                casings: &[Casing::LowerSnake, Casing::Pascal, Casing::UpperSnake],
            }),
            Field::documented("createdDateTime").of(Kind::DateTime),
            Field::documented_when(
                "sentDateTime",
                Condition::FieldIs {
                    field: "status",
                    values: &["sent", "completed"],
                },
            )
            .of(Kind::DateTime),
            Field::documented_when("summary", Condition::Asked("includeData")),
            Field::documented("count").of(Kind::StringNumber),
            Field::optional("show").of(Kind::StringBoolean),
            Field::optional("note"),
        ],
    };

    fn typed(status: &str) -> Value {
        json!({
            "id": "e-1",
            "status": status,
            "createdDateTime": "2026-01-02T03:04:05.1234567Z",
            "sentDateTime": "2026-01-02T03:04:06.1234567Z",
            "summary": {"a": "b"},
            "count": "-1",
            "show": "false",
            "note": "n",
        })
    }

    fn sample() -> Value {
        json!({
            "projectId": "p-1",
            "title": "NDA",
            "createdAt": "2026-01-02T03:04:05.123456Z",
            "items": [{"order": 1, "state": "IN_PROGRESS"}, {"order": 2, "state": "DRAFT"}],
            "owner": {"order": 3, "state": "SIGNED"},
        })
    }

    #[test]
    fn assumed_changes_nothing() {
        assert_eq!(AnswerMode::Assumed.render(&OUTER, sample()), sample());
        assert!(AnswerMode::Assumed.variations(&[&OUTER]).is_empty());
    }

    #[test]
    fn documented_only_keeps_documented_and_essential_fields() {
        let rendered = AnswerMode::DocumentedOnly.render(&OUTER, sample());
        assert_eq!(rendered, json!({"projectId": "p-1", "title": "NDA"}));
        let missing: Vec<String> = AnswerMode::DocumentedOnly
            .variations(&[&OUTER])
            .into_iter()
            .map(|variation| {
                assert_eq!(variation.kind, VariationKind::MissingField);
                variation.field
            })
            .collect();
        assert_eq!(missing, ["createdAt", "items", "owner"]);
    }

    #[test]
    fn variants_are_fixed_by_the_seed() {
        for seed in 0..50 {
            let mode = AnswerMode::Variant { seed };
            assert_eq!(mode.render(&OUTER, sample()), mode.render(&OUTER, sample()));
            assert_eq!(mode.variations(&[&OUTER]), mode.variations(&[&OUTER]));
            let rendered = mode.render(&OUTER, sample());
            assert_eq!(rendered["title"], "NDA", "seed {seed}");
            let id_at = ["projectId", "id"]
                .iter()
                .filter(|name| rendered[**name] == "p-1")
                .count()
                + usize::from(rendered["project"]["id"] == "p-1");
            assert_eq!(id_at, 1, "seed {seed}: {rendered}");
        }
        let distinct: std::collections::HashSet<String> = (0..50)
            .map(|seed| {
                AnswerMode::Variant { seed }
                    .render(&OUTER, sample())
                    .to_string()
            })
            .collect();
        assert!(distinct.len() > 25, "{}", distinct.len());
    }

    #[test]
    fn conditional_fields_are_kept_where_promised() {
        let mode = AnswerMode::DocumentedOnly;
        assert_eq!(
            mode.render_asked(&TYPED, typed("sent"), &["includeData"]),
            json!({
                "id": "e-1",
                "status": "sent",
                "createdDateTime": "2026-01-02T03:04:05.1234567Z",
                "sentDateTime": "2026-01-02T03:04:06.1234567Z",
                "summary": {"a": "b"},
                "count": "-1",
            })
        );
        let created = mode.render(&TYPED, typed("created"));
        assert!(created.get("sentDateTime").is_none(), "{created}");
        assert!(created.get("summary").is_none(), "{created}");
        let unless: Vec<(String, Option<Condition>)> = mode
            .variations(&[&TYPED])
            .into_iter()
            .map(|variation| (variation.field, variation.unless))
            .collect();
        assert_eq!(
            unless,
            [
                (
                    "sentDateTime".to_owned(),
                    Some(Condition::FieldIs {
                        field: "status",
                        values: &["sent", "completed"]
                    })
                ),
                ("summary".to_owned(), Some(Condition::Asked("includeData"))),
                ("show".to_owned(), None),
                ("note".to_owned(), None),
            ]
        );
        // In a variant a conditional field is sent where its condition holds, whatever the
        // seed; elsewhere as the seed says, and the variations say so.
        let mut dropped = 0;
        for seed in 0..100 {
            let mode = AnswerMode::Variant { seed };
            let sent = mode.render_asked(&TYPED, typed("sent"), &["includeData"]);
            assert!(sent["sentDateTime"].is_string(), "seed {seed}: {sent}");
            assert_eq!(sent["summary"], json!({"a": "b"}), "seed {seed}");
            assert!(sent["id"] == "e-1" && sent.get("status").is_some());
            let created = mode.render(&TYPED, typed("created"));
            let reported = mode.variations(&[&TYPED]).into_iter().any(|variation| {
                variation.field == "sentDateTime"
                    && matches!(
                        variation.kind,
                        VariationKind::MissingField | VariationKind::NullField
                    )
            });
            assert_eq!(
                reported,
                !created["sentDateTime"].is_string(),
                "seed {seed}: {created}"
            );
            dropped += usize::from(reported);
        }
        assert!((10..90).contains(&dropped), "{dropped}");
    }

    #[test]
    fn typed_strings_become_json_values() {
        let mut numbers = 0;
        let mut booleans = 0;
        let mut statuses = std::collections::BTreeSet::new();
        for seed in 0..100 {
            let rendered = AnswerMode::Variant { seed }.render(&TYPED, typed("sent"));
            match &rendered["count"] {
                Value::Number(number) => {
                    assert_eq!(number.as_i64(), Some(-1));
                    numbers += 1;
                }
                other => assert_eq!(other, "-1"),
            }
            if rendered["show"] == json!(false) {
                booleans += 1;
            }
            statuses.insert(rendered["status"].as_str().unwrap_or_default().to_owned());
        }
        assert!(numbers > 10 && booleans > 10, "{numbers} {booleans}");
        assert_eq!(
            statuses.into_iter().collect::<Vec<_>>(),
            ["SENT", "Sent", "sent"]
        );
        assert_eq!(whole_number("12"), Some(12));
        assert_eq!(whole_number("-1"), Some(-1));
        assert_eq!(whole_number("01"), None);
        assert_eq!(whole_number("1.5"), None);
        assert_eq!(whole_number(""), None);
    }

    #[test]
    fn every_kind_of_change_shows_up() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..200 {
            for variation in (AnswerMode::Variant { seed }).variations(&[&OUTER, &TYPED]) {
                seen.insert(variation.kind);
            }
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), VariationKind::ALL);
    }

    #[test]
    fn casings_and_formats() {
        assert_eq!(Casing::LowerSnake.apply("IN_PROGRESS"), "in_progress");
        assert_eq!(Casing::Pascal.apply("IN_PROGRESS"), "InProgress");
        assert_eq!(Casing::Camel.apply("IN_PROGRESS"), "inProgress");
        assert_eq!(Casing::UpperSnake.apply("InProgress"), "IN_PROGRESS");
        assert_eq!(Casing::UpperSnake.apply("Completed"), "COMPLETED");
        assert_eq!(Casing::Pascal.apply("signed"), "Signed");
        let text = "2026-01-02T03:04:05.123456Z";
        assert_eq!(
            TimeFormat::OffsetMillis.apply(text),
            "2026-01-02T03:04:05.123+00:00"
        );
        assert_eq!(
            TimeFormat::LocalMillis.apply(text),
            "2026-01-02T03:04:05.123"
        );
        assert_eq!(TimeFormat::EpochMillis.apply(text), 1_767_323_045_123_i64);
        let docusign = "2026-01-02T03:04:05.1234567Z";
        let written: Vec<Value> = TimeFormat::DATE_TIMES
            .iter()
            .map(|format| format.apply(docusign))
            .collect();
        assert_eq!(
            written,
            [
                "2026-01-02T03:04:05.1234567Z",
                "2026-01-02T03:04:05.1234567+00:00",
                "2026-01-02T03:04:05.123Z",
                "2026-01-02T03:04:05.123+00:00",
                "2026-01-02T03:04:05Z",
                "2026-01-02T03:04:05+00:00",
            ]
        );
        assert_eq!(TimeFormat::EpochMillis.apply("not a time"), "not a time");
    }

    #[test]
    fn nested_names_and_documented_values() {
        let mut map = Map::new();
        insert_at(&mut map, "project.id", json!("p"));
        assert_eq!(Value::Object(map), json!({"project": {"id": "p"}}));
        let recased = (0..200).find_map(|seed| {
            let rendered = AnswerMode::Variant { seed }.render(&OUTER, sample());
            let items = rendered.get("items")?.as_array()?;
            (items[0].get("state")? != "IN_PROGRESS").then(|| items[1].clone())
        });
        // A documented value keeps its spelling whatever the casing of the others.
        assert_eq!(recased.expect("some seed recases")["state"], "DRAFT");
    }

    #[test]
    fn clashing_names_are_found() {
        static CLASHING: Shape = Shape {
            name: "clashing",
            fields: &[
                Field::documented("status"),
                Field::undocumented("state", &["status"]),
                Field::essential("projectId", &["projectId", "meta.id"]),
            ],
        };
        assert!(name_clashes(&[&OUTER, &TYPED]).is_empty());
        assert_eq!(
            name_clashes(&[&CLASHING]),
            [
                "clashing: `status` is used twice",
                "clashing: `meta` is used twice"
            ]
        );
    }
}

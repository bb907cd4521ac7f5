//! The wire shapes of the LEAP Sign API, one serde type per shape.
//!
//! Only the launch-new form is published. The process data, the callback body and the error
//! body are the project's recorded assumptions (see the crate's "Assumptions"); each lives in
//! exactly one type here so a correction is one edit. Reading is lenient: unknown fields are
//! ignored here and kept in the JSON as received ([`ProcessData::raw`]), unknown status strings
//! become `Other`, and a missing optional field is `None` rather than an error. (Unknown fields
//! are not collected per type: serde's `flatten` would buffer every answer a second time.)

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use signing_core::{Document, EnvelopeId, Party, RawJson, Signer};
use signing_http::lenient;
use time::OffsetDateTime;

signing_core::string_id! {
    /// A LEAP project id: the `projectId` of the process data.
    ProjectId
}

impl From<&EnvelopeId> for ProjectId {
    fn from(id: &EnvelopeId) -> Self {
        Self::new(id.as_str())
    }
}

impl From<ProjectId> for EnvelopeId {
    fn from(id: ProjectId) -> Self {
        EnvelopeId::new(id.into_string())
    }
}

/// A person as LEAP describes one: the project owner, or a signer.
///
/// Wire shape: `{"name", "organization", "email", "title"}`; `organization` and `title` are
/// left out when `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Person {
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// Organization, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: String,
    /// Title or role, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Person {
    /// A person with a name and an e-mail address.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            organization: None,
            email: email.into(),
            title: None,
        }
    }

    /// Sets the organization.
    #[must_use]
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Sets the title or role.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

impl From<&Party> for Person {
    fn from(party: &Party) -> Self {
        Self {
            name: party.name().to_owned(),
            organization: party.organization_name().map(str::to_owned),
            email: party.email().to_owned(),
            title: party.job_title().map(str::to_owned),
        }
    }
}

impl From<&Signer> for Person {
    fn from(signer: &Signer) -> Self {
        Self {
            name: signer.name().to_owned(),
            organization: signer.organization_name().map(str::to_owned),
            email: signer.email().to_owned(),
            title: signer.job_title().map(str::to_owned),
        }
    }
}

/// The `document` file part of launch-new.
///
/// The content is a [`Document`]: bytes in memory, or a file or reader streamed as it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct LaunchDocument {
    file_name: String,
    content_type: Option<String>,
    content: Document,
}

impl LaunchDocument {
    /// A file named `file_name` of type `content_type` (`application/pdf`, or the DOCX type).
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        content: impl Into<Bytes>,
    ) -> Self {
        let file_name = file_name.into();
        Self {
            content: Document::new(file_name.clone(), content),
            file_name,
            content_type: Some(content_type.into()),
        }
    }

    /// `document`, named after it, whose content type is that of the format recognised from
    /// its first bytes when it is sent.
    pub fn from_document(document: Document) -> Self {
        Self {
            file_name: document.name().to_owned(),
            content_type: None,
            content: document,
        }
    }

    /// The file name sent with the part.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The part's content type when set; `None` when it is the recognised format's.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The file's content.
    pub fn content(&self) -> &Document {
        &self.content
    }
}

impl fmt::Debug for LaunchDocument {
    // The bytes are left out: a document in a log line helps nobody.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LaunchDocument")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("content", &self.content)
            .finish()
    }
}

/// A launch-new request: everything the `multipart/form-data` body carries.
///
/// ```
/// use leap_sign::{LaunchDocument, LaunchRequest, Person};
///
/// let request = LaunchRequest::new(
///     "NDA",
///     Person::new("Olga Owner", "olga@example.com"),
///     vec![Person::new("Sam Signer", "sam@example.com")],
///     LaunchDocument::new("nda.pdf", "application/pdf", &b"%PDF-1.7 ..."[..]),
/// )
/// .ordered_signers(true)
/// .additional_recipients(["cc@example.com"]);
/// assert!(request.ordered_signers);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LaunchRequest {
    /// `name`: the name of the signing process.
    pub name: String,
    /// `projectOwner`: who owns the process.
    pub project_owner: Person,
    /// `signers`: who signs, in signing order when `ordered_signers` is set.
    pub signers: Vec<Person>,
    /// `document`: the file to be signed.
    pub document: LaunchDocument,
    /// `orderedSigners`: signers take turns in array order instead of signing at once.
    pub ordered_signers: bool,
    /// `additionalRecipients`: addresses that receive the signed document; the part is left out
    /// when empty.
    pub additional_recipients: Vec<String>,
    /// `signTasksCompletedCallbackUrl`: called with a POST when every signer has signed.
    pub callback_url: Option<String>,
}

impl LaunchRequest {
    /// A parallel-signing request without recipients or callback.
    pub fn new(
        name: impl Into<String>,
        project_owner: Person,
        signers: Vec<Person>,
        document: LaunchDocument,
    ) -> Self {
        Self {
            name: name.into(),
            project_owner,
            signers,
            document,
            ordered_signers: false,
            additional_recipients: Vec::new(),
            callback_url: None,
        }
    }

    /// Sets whether signers take turns in array order.
    #[must_use]
    pub fn ordered_signers(mut self, ordered: bool) -> Self {
        self.ordered_signers = ordered;
        self
    }

    /// Sets the addresses that receive the signed document without signing.
    #[must_use]
    pub fn additional_recipients<I, S>(mut self, recipients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.additional_recipients = recipients.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the URL LEAP calls when every signer has signed.
    #[must_use]
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// The `projectOwner` part: the owner as a JSON object.
    pub(crate) fn project_owner_json(&self) -> serde_json::Result<String> {
        serde_json::to_string(&self.project_owner)
    }

    /// The `signers` part: the list inside its wrapping object, `{"signers": [...]}`.
    pub(crate) fn signers_json(&self) -> serde_json::Result<String> {
        #[derive(Serialize)]
        struct SignersPart<'a> {
            signers: &'a [Person],
        }
        serde_json::to_string(&SignersPart {
            signers: &self.signers,
        })
    }

    /// The `additionalRecipients` part: a JSON array of addresses.
    pub(crate) fn additional_recipients_json(&self) -> serde_json::Result<String> {
        serde_json::to_string(&self.additional_recipients)
    }
}

impl fmt::Debug for LaunchRequest {
    // The callback URL carries an envelope's callback token, which is not for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LaunchRequest")
            .field("name", &self.name)
            .field("project_owner", &self.project_owner)
            .field("signers", &self.signers)
            .field("document", &self.document)
            .field("ordered_signers", &self.ordered_signers)
            .field("additional_recipients", &self.additional_recipients)
            .field(
                "callback_url",
                &self.callback_url.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

signing_core::open_enum! {
    /// The status of a whole signing process (`status` in the process data).
    ProjectStatus {
        /// Out for signing.
        InProgress => "IN_PROGRESS",
        /// Every signer has signed.
        Completed => "COMPLETED",
        /// Cancelled through the API; it cannot be resumed.
        Cancelled => "CANCELLED",
    }
}

signing_core::open_enum! {
    /// Where one signer's task is (`workflow.signers[].status` in the process data).
    SignerTaskStatus {
        /// Not their turn yet: no e-mail sent.
        Waiting => "WAITING",
        /// E-mailed a sign task; may sign now.
        Notified => "NOTIFIED",
        /// Signed.
        Signed => "SIGNED",
    }
}

/// Where an answer may carry the project id, in the order looked at (`a.b`: field `b` of the
/// object under `a`). LEAP documents the launch answer as "the full signing process data" without
/// naming its fields: the id is looked for in these places, kept in this one list.
pub const PROJECT_ID_FIELDS: [&str; 5] = [
    "projectId",
    "id",
    "processId",
    "signingProcessId",
    "project.id",
];

/// Where an answer may carry a project's status, in the order looked at. Like every field of the
/// process data it is undocumented, yet without it no answer says whether a project is signed:
/// it is looked for in these places, kept in this one list.
pub const PROJECT_STATUS_FIELDS: [&str; 3] = ["status", "state", "projectStatus"];

/// A signing process as "get process data" and launch-new return it.
///
/// The structure is not published; the field names are the project's assumption, read
/// leniently: the id from the first of [`PROJECT_ID_FIELDS`] present, every other field
/// optional, a value of an unexpected type or format read as absent, status names in any
/// casing. Fields this version does not know are not modelled; the whole answer is kept in
/// [`raw`](Self::raw).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "WireProcessData")]
#[non_exhaustive]
pub struct ProcessData {
    /// The project id (`projectId`, or another of [`PROJECT_ID_FIELDS`]).
    pub project_id: ProjectId,
    /// `name`.
    pub name: Option<String>,
    /// The status (`status`, or another of [`PROJECT_STATUS_FIELDS`]); `None` when none is
    /// there as a string.
    pub status: Option<ProjectStatus>,
    /// `createdThroughSignApi`: only such projects can be cancelled through the API.
    pub created_through_sign_api: Option<bool>,
    /// `projectOwner`.
    pub project_owner: Option<Person>,
    /// `orderedSigners`.
    pub ordered_signers: Option<bool>,
    /// `additionalRecipients`.
    pub additional_recipients: Vec<String>,
    /// `createdAt`.
    #[serde(with = "lenient::time")]
    pub created_at: Option<OffsetDateTime>,
    /// `completedAt`.
    #[serde(with = "lenient::time")]
    pub completed_at: Option<OffsetDateTime>,
    /// `cancelledAt`.
    #[serde(with = "lenient::time")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// `document`.
    pub document: Option<DocumentInfo>,
    /// `workflow`.
    pub workflow: Workflow,
    // Read through `raw()`: set only by `from_json`, so it is always the answer as received.
    #[serde(skip)]
    pub(crate) raw: RawJson,
}

/// The process data as it may arrive: every field optional, the id in any of its places.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireProcessData {
    #[serde(flatten)]
    id: ProjectIdPlaces,
    #[serde(default, deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient::named")]
    status: Option<ProjectStatus>,
    #[serde(default, deserialize_with = "lenient::named")]
    state: Option<ProjectStatus>,
    #[serde(default, deserialize_with = "lenient::named")]
    project_status: Option<ProjectStatus>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    created_through_sign_api: Option<bool>,
    #[serde(default, deserialize_with = "lenient::object")]
    project_owner: Option<Person>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    ordered_signers: Option<bool>,
    #[serde(default, deserialize_with = "lenient::list")]
    additional_recipients: Vec<String>,
    #[serde(default, with = "lenient::time")]
    created_at: Option<OffsetDateTime>,
    #[serde(default, with = "lenient::time")]
    completed_at: Option<OffsetDateTime>,
    #[serde(default, with = "lenient::time")]
    cancelled_at: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::object")]
    document: Option<DocumentInfo>,
    #[serde(default, deserialize_with = "lenient::object")]
    workflow: Option<Workflow>,
}

/// Every place of [`PROJECT_ID_FIELDS`], each read leniently (a string or a number).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ProjectIdPlaces {
    #[serde(default, deserialize_with = "lenient::text")]
    project_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    process_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    signing_process_id: Option<String>,
    #[serde(default, deserialize_with = "nested_id")]
    project: Option<String>,
}

/// `project.id`, read as `lenient::text` reads a value (a string or an integer); `None` for
/// anything else. These places are read through `#[serde(flatten)]`, where serde has buffered
/// the answer, so not with `lenient::object`, which needs the answer's text.
fn nested_id<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let project = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(
        match project.as_ref().and_then(|project| project.get("id")) {
            Some(serde_json::Value::String(id)) => Some(id.clone()),
            Some(serde_json::Value::Number(id)) if id.is_u64() || id.is_i64() => {
                Some(id.to_string())
            }
            _ => None,
        },
    )
}

impl ProjectIdPlaces {
    /// The id from the first place of [`PROJECT_ID_FIELDS`] that holds a non-empty one.
    fn resolve(self) -> Option<ProjectId> {
        [
            self.project_id,
            self.id,
            self.process_id,
            self.signing_process_id,
            self.project,
        ]
        .into_iter()
        .flatten()
        .find(|id| !id.trim().is_empty())
        .map(ProjectId::from)
    }
}

impl TryFrom<WireProcessData> for ProcessData {
    type Error = String;

    fn try_from(wire: WireProcessData) -> Result<Self, Self::Error> {
        let project_id = wire.id.resolve().ok_or_else(|| {
            format!("the process data names no project id (looked for {PROJECT_ID_FIELDS:?})")
        })?;
        Ok(Self {
            project_id,
            name: wire.name,
            // In the order of PROJECT_STATUS_FIELDS.
            status: wire.status.or(wire.state).or(wire.project_status),
            created_through_sign_api: wire.created_through_sign_api,
            project_owner: wire.project_owner,
            ordered_signers: wire.ordered_signers,
            additional_recipients: wire.additional_recipients,
            created_at: wire.created_at,
            completed_at: wire.completed_at,
            cancelled_at: wire.cancelled_at,
            document: wire.document,
            workflow: wire.workflow.unwrap_or_default(),
            raw: RawJson::default(),
        })
    }
}

/// The project id an answer carries, looked for in the places of [`PROJECT_ID_FIELDS`]: for an
/// answer that could not be read as process data, so that a project that exists is still
/// named.
pub(crate) fn project_id_in(answer: &[u8]) -> Option<ProjectId> {
    serde_json::from_slice::<ProjectIdPlaces>(answer)
        .ok()
        .and_then(ProjectIdPlaces::resolve)
}

impl ProcessData {
    /// Reads process data from its JSON text in one pass, keeping the text as
    /// [`raw`](Self::raw).
    pub fn from_json(json: impl Into<Bytes>) -> serde_json::Result<Self> {
        let (mut data, raw) = RawJson::decode::<Self>(json)?;
        data.raw = raw;
        Ok(data)
    }

    /// Process data naming only `project_id`, for an answer of which nothing else could be
    /// read; `raw` keeps the answer.
    pub(crate) fn only_id(project_id: ProjectId, raw: RawJson) -> Self {
        Self {
            project_id,
            name: None,
            status: None,
            created_through_sign_api: None,
            project_owner: None,
            ordered_signers: None,
            additional_recipients: Vec::new(),
            created_at: None,
            completed_at: None,
            cancelled_at: None,
            document: None,
            workflow: Workflow::default(),
            raw,
        }
    }

    /// The JSON exactly as LEAP returned it (no payload for a value built otherwise).
    pub fn raw(&self) -> &RawJson {
        &self.raw
    }
}

/// The `document` of the process data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DocumentInfo {
    /// `name`: the file name.
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    /// `contentType`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub content_type: Option<String>,
    /// `size` in bytes.
    #[serde(default, deserialize_with = "lenient::number")]
    pub size: Option<u64>,
}

/// The `workflow` of the process data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Workflow {
    /// `signers`, in signing order.
    #[serde(default, deserialize_with = "lenient::list")]
    pub signers: Vec<WorkflowSigner>,
}

/// One signer in the process data's workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkflowSigner {
    /// `order`: 1-based position.
    #[serde(default, deserialize_with = "lenient::number")]
    pub order: Option<u32>,
    /// `name`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    /// `organization`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub organization: Option<String>,
    /// `email`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub email: Option<String>,
    /// `title`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub title: Option<String>,
    /// `status`.
    #[serde(default, deserialize_with = "lenient::named")]
    pub status: Option<SignerTaskStatus>,
    /// `signed`: whether they have signed.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub signed: Option<bool>,
    /// `notifiedAt`.
    #[serde(default, with = "lenient::time")]
    pub notified_at: Option<OffsetDateTime>,
    /// `signedAt`.
    #[serde(default, with = "lenient::time")]
    pub signed_at: Option<OffsetDateTime>,
}

/// The body LEAP posts to `signTasksCompletedCallbackUrl` (not published; assumed
/// `{"projectId", "status"}`, the id looked for in the places of [`PROJECT_ID_FIELDS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "WireCallbackBody")]
#[non_exhaustive]
pub struct CallbackBody {
    /// The completed project.
    pub project_id: ProjectId,
    /// `status`, when sent as a string (`COMPLETED`). Only a hint: the process data decides.
    pub status: Option<ProjectStatus>,
}

#[derive(Deserialize)]
struct WireCallbackBody {
    #[serde(flatten)]
    id: ProjectIdPlaces,
    #[serde(default, deserialize_with = "lenient::named")]
    status: Option<ProjectStatus>,
}

impl TryFrom<WireCallbackBody> for CallbackBody {
    type Error = String;

    fn try_from(wire: WireCallbackBody) -> Result<Self, Self::Error> {
        let project_id = wire.id.resolve().ok_or_else(|| {
            format!("the body names no project (looked for {PROJECT_ID_FIELDS:?})")
        })?;
        Ok(Self {
            project_id,
            status: wire.status,
        })
    }
}

/// The body of every LEAP error response (assumed `{"status", "error", "message"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct ErrorBody {
    /// `error`: the reason in upper snake case (`BAD_REQUEST`).
    #[serde(default)]
    pub(crate) error: Option<String>,
    /// `message`: what went wrong, in words.
    #[serde(default)]
    pub(crate) message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn people_leave_out_what_is_unknown() {
        let person = Person::new("Ada", "ada@example.com").title("CEO");
        assert_eq!(
            serde_json::to_value(&person).unwrap(),
            json!({"name": "Ada", "email": "ada@example.com", "title": "CEO"})
        );
    }

    #[test]
    fn parts_have_their_documented_shapes() {
        let request = LaunchRequest::new(
            "NDA",
            Person::new("O", "o@example.com"),
            vec![Person::new("A", "a@example.com")],
            LaunchDocument::new("a.pdf", "application/pdf", &b"%PDF-"[..]),
        )
        .additional_recipients(["cc@example.com"]);
        assert_eq!(
            request.signers_json().unwrap(),
            r#"{"signers":[{"name":"A","email":"a@example.com"}]}"#
        );
        assert_eq!(
            request.additional_recipients_json().unwrap(),
            r#"["cc@example.com"]"#
        );
        assert_eq!(
            request.project_owner_json().unwrap(),
            r#"{"name":"O","email":"o@example.com"}"#
        );
    }

    #[test]
    fn process_data_is_read_leniently() {
        let raw = json!({
            "projectId": "p-1",
            "name": "NDA",
            "status": "ARCHIVED",
            "createdAt": "2026-01-02T03:04:05Z",
            "completedAt": 1_767_323_045,
            "cancelledAt": null,
            "additionalRecipients": null,
            "workflow": {"signers": [
                {"order": 1, "email": "a@example.com", "status": "DELEGATED", "signed": true,
                 "signedAt": "not a time", "notifiedAt": [1, {"at": "2026-01-02T03:04:05Z"}],
                 "reminders": 2}
            ]},
            "brandNew": {"x": 1}
        });
        let data = ProcessData::from_json(raw.to_string()).unwrap();
        assert_eq!(data.project_id.as_str(), "p-1");
        assert_eq!(data.status, Some(ProjectStatus::Other("ARCHIVED".into())));
        assert_eq!(
            data.created_at,
            Some(time::macros::datetime!(2026-01-02 03:04:05 UTC))
        );
        // A Unix time is read too; what no reading fits is left out.
        assert_eq!(
            data.completed_at,
            Some(time::macros::datetime!(2026-01-02 03:04:05 UTC))
        );
        assert!(data.additional_recipients.is_empty());
        let signer = &data.workflow.signers[0];
        assert_eq!(
            signer.status,
            Some(SignerTaskStatus::Other("DELEGATED".into()))
        );
        assert_eq!(signer.signed_at, None);
        assert_eq!(signer.notified_at, None);
        // Fields this version does not know stay reachable in the JSON as received.
        let kept = data.raw().to_value().unwrap();
        assert_eq!(kept["workflow"]["signers"][0]["reminders"], 2);
        assert_eq!(kept["brandNew"], json!({"x": 1}));
        assert_eq!(data.raw(), &raw);
        assert!(ProcessData::from_json(json!({"status": "IN_PROGRESS"}).to_string()).is_err());
        assert!(ProcessData::from_json("{\"projectId\": \"p-1\"").is_err());
    }

    #[test]
    fn the_status_is_found_in_each_of_its_places() {
        for place in PROJECT_STATUS_FIELDS {
            let answer = json!({"projectId": "p-1", place: "inProgress"});
            let data = ProcessData::from_json(answer.to_string()).unwrap();
            assert_eq!(data.status, Some(ProjectStatus::InProgress), "{place}");
        }
        // The first place holding a string wins.
        let answer = json!({"projectId": "p-1", "status": 3, "state": "COMPLETED"});
        let data = ProcessData::from_json(answer.to_string()).unwrap();
        assert_eq!(data.status, Some(ProjectStatus::Completed));
        let data = ProcessData::from_json(json!({"projectId": "p-1"}).to_string()).unwrap();
        assert_eq!(data.status, None);
    }

    #[test]
    fn statuses_round_trip() {
        for status in ["IN_PROGRESS", "COMPLETED", "CANCELLED", "PAUSED"] {
            let parsed = ProjectStatus::from(status);
            assert_eq!(parsed.as_str(), status);
            assert_eq!(serde_json::to_value(&parsed).unwrap(), status);
        }
        assert_eq!(SignerTaskStatus::from("SIGNED"), SignerTaskStatus::Signed);
    }
}

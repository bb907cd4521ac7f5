//! What the documents say about each field LEAP sends, for the [answer modes](crate::emulator::mode).
//!
//! Nothing LEAP answers is named in its documents: every field here is undocumented, and only
//! the project id is essential.

use crate::emulator::mode::{Casing, Field, Kind, Shape};

/// Where a variant may put the project id, in the launch-new answer, the process data and the
/// callback body; the first is the assumed name. `a.b` is the field `b` of the object under `a`.
pub const PROJECT_ID_FIELDS: [&str; 5] = [
    "projectId",
    "id",
    "processId",
    "signingProcessId",
    "project.id",
];

/// Where a variant may put a project's status in the launch-new answer and the process data;
/// the first is the assumed name. Undocumented like every field, but without it no answer says
/// whether a project is signed, so it is essential.
pub const PROJECT_STATUS_FIELDS: [&str; 3] = ["status", "state", "projectStatus"];

/// LEAP's statuses: none is documented, all are written in upper snake case.
const STATUS: Kind = Kind::Enum {
    documented: &[],
    assumed: Casing::UpperSnake,
};

/// A project as launch-new and "get process data" return it.
pub(super) static PROCESS_DATA: Shape = Shape {
    name: "process data",
    fields: &[
        Field::essential("projectId", &PROJECT_ID_FIELDS),
        Field::undocumented("name", &["projectName", "processName"]),
        Field::essential("status", &PROJECT_STATUS_FIELDS).of(STATUS),
        Field::undocumented("createdThroughSignApi", &["signApi", "createdViaSignApi"]),
        Field::undocumented("projectOwner", &["owner", "projectOwnerInfo"])
            .of(Kind::Object(&PERSON)),
        Field::undocumented("orderedSigners", &["ordered", "signInOrder"]),
        Field::undocumented("additionalRecipients", &["recipients", "ccRecipients"]),
        Field::undocumented("createdAt", &["created", "createdDate"]).of(Kind::Timestamp),
        Field::undocumented("completedAt", &["completed", "completedDate"]).of(Kind::Timestamp),
        Field::undocumented("cancelledAt", &["cancelled", "cancelledDate"]).of(Kind::Timestamp),
        Field::undocumented("document", &["file", "originalDocument"]).of(Kind::Object(&DOCUMENT)),
        Field::undocumented("workflow", &["signingWorkflow", "process"])
            .of(Kind::Object(&WORKFLOW)),
    ],
};

static PERSON: Shape = Shape {
    name: "person",
    fields: &[
        Field::undocumented("name", &["fullName", "displayName"]),
        Field::undocumented("organization", &["company", "organisation"]),
        Field::undocumented("email", &["emailAddress", "mail"]),
        Field::undocumented("title", &["jobTitle", "role"]),
    ],
};

static DOCUMENT: Shape = Shape {
    name: "document",
    fields: &[
        Field::undocumented("name", &["fileName", "filename"]),
        Field::undocumented("contentType", &["mimeType", "mediaType"]),
        Field::undocumented("size", &["fileSize", "sizeInBytes"]).of(Kind::Number),
    ],
};

static WORKFLOW: Shape = Shape {
    name: "workflow",
    fields: &[
        Field::undocumented("signers", &["signTasks", "participants"]).of(Kind::Array(&SIGNER)),
    ],
};

static SIGNER: Shape = Shape {
    name: "workflow signer",
    fields: &[
        Field::undocumented("order", &["index", "sequence"]).of(Kind::Number),
        Field::undocumented("name", &["fullName", "displayName"]),
        Field::undocumented("organization", &["company", "organisation"]),
        Field::undocumented("email", &["emailAddress", "mail"]),
        Field::undocumented("title", &["jobTitle", "role"]),
        Field::undocumented("status", &["state", "taskStatus"]).of(STATUS),
        Field::undocumented("signed", &["hasSigned", "isSigned"]),
        Field::undocumented("notifiedAt", &["notified", "notificationTime"]).of(Kind::Timestamp),
        Field::undocumented("signedAt", &["signedDate", "signingTime"]).of(Kind::Timestamp),
    ],
};

/// The body of the completion callback.
pub(super) static CALLBACK: Shape = Shape {
    name: "callback body",
    fields: &[
        Field::essential("projectId", &PROJECT_ID_FIELDS),
        Field::undocumented("status", &["state", "projectStatus"]).of(STATUS),
    ],
};

/// Every object LEAP sends on its own.
pub(super) const ALL: [&Shape; 2] = [&PROCESS_DATA, &CALLBACK];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::mode::name_clashes;

    #[test]
    fn names_never_clash() {
        assert_eq!(name_clashes(&ALL), Vec::<String>::new());
    }
}

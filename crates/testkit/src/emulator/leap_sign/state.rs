//! The state machine of signing processes ("projects"), free of any HTTP concern.
//!
//! Handlers and test-side actions both go through [`Store`], so a project reached over HTTP and
//! one driven by a test always agree.

use bytes::Bytes;
use time::OffsetDateTime;

use super::error::EmulatorError;
use crate::control::{Email, EmailKind};

/// A person as the launch-new form describes them (the owner or a signer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) organization: Option<String>,
    pub(crate) email: String,
    pub(crate) title: Option<String>,
}

/// The uploaded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Document {
    pub(crate) name: String,
    pub(crate) content_type: &'static str,
    pub(crate) size: usize,
    pub(crate) content: Bytes,
}

/// A validated launch-new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Launch {
    pub(crate) name: String,
    pub(crate) owner: Person,
    pub(crate) signers: Vec<Person>,
    pub(crate) document: Document,
    pub(crate) ordered: bool,
    pub(crate) additional_recipients: Vec<String>,
    pub(crate) callback_url: Option<String>,
}

/// Status of a whole signing process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectStatus {
    InProgress,
    Completed,
    Cancelled,
}

impl ProjectStatus {
    /// The status as the process data spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// Status of one signer's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignerStatus {
    /// Not yet their turn: no e-mail sent.
    Waiting,
    /// E-mailed a sign task; may sign now.
    Notified,
    Signed,
}

impl SignerStatus {
    /// The status as the process data spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "WAITING",
            Self::Notified => "NOTIFIED",
            Self::Signed => "SIGNED",
        }
    }
}

/// One signer inside a project's workflow.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    pub(crate) person: Person,
    pub(crate) status: SignerStatus,
    pub(crate) notified_at: Option<OffsetDateTime>,
    pub(crate) signed_at: Option<OffsetDateTime>,
}

/// One signing process.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) status: ProjectStatus,
    pub(crate) created_through_sign_api: bool,
    pub(crate) owner: Person,
    pub(crate) ordered: bool,
    pub(crate) additional_recipients: Vec<String>,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) completed_at: Option<OffsetDateTime>,
    pub(crate) cancelled_at: Option<OffsetDateTime>,
    pub(crate) document: Document,
    pub(crate) signers: Vec<Signer>,
    pub(crate) callback_url: Option<String>,
}

/// A sign task e-mailed to a signer, in the order the e-mails went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The project the task belongs to.
    pub project_id: String,
    /// The signer's e-mail address.
    pub email: String,
    /// When the e-mail was sent (whole seconds, UTC).
    pub at: OffsetDateTime,
}

/// A project that has just been completed and asked to be told so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Completion {
    pub(crate) project_id: String,
    pub(crate) callback_url: String,
}

/// Why a cancel request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelError {
    Unknown,
    NotCreatedThroughSignApi,
    NotInProgress(ProjectStatus),
}

/// All projects of one emulator plus the e-mails it "sent".
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Kept in creation order so listings are stable; the handful of projects a test creates
    /// makes a linear search cheap.
    projects: Vec<Project>,
    /// Every e-mail sent: sign tasks, and signed copies for additional recipients.
    emails: Vec<Email>,
}

/// The current time as the process data shows it: UTC, whole seconds.
pub(crate) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

impl Store {
    /// Creates a project from a validated launch-new request and notifies the first signers.
    pub(crate) fn launch(&mut self, launch: Launch, now: OffsetDateTime) -> &Project {
        let signers = launch
            .signers
            .into_iter()
            .map(|person| Signer {
                person,
                status: SignerStatus::Waiting,
                notified_at: None,
                signed_at: None,
            })
            .collect();
        let project = Project {
            id: uuid::Uuid::new_v4().to_string(),
            name: launch.name,
            status: ProjectStatus::InProgress,
            created_through_sign_api: true,
            owner: launch.owner,
            ordered: launch.ordered,
            additional_recipients: launch.additional_recipients,
            created_at: now,
            completed_at: None,
            cancelled_at: None,
            document: launch.document,
            signers,
            callback_url: launch.callback_url,
        };
        self.insert(project, now)
    }

    /// Creates an in-progress project as if it had been made in the LEAP application itself
    /// (not through the Sign API), with parallel signers.
    pub(crate) fn insert_foreign(
        &mut self,
        name: &str,
        signer_emails: &[&str],
        now: OffsetDateTime,
    ) -> String {
        let person = |email: &str| Person {
            name: email.to_owned(),
            organization: None,
            email: email.to_owned(),
            title: None,
        };
        let project = Project {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            status: ProjectStatus::InProgress,
            created_through_sign_api: false,
            owner: person("owner@leap.example"),
            ordered: false,
            additional_recipients: Vec::new(),
            created_at: now,
            completed_at: None,
            cancelled_at: None,
            document: Document {
                name: format!("{name}.pdf"),
                content_type: super::document::PDF_CONTENT_TYPE,
                size: 0,
                content: Bytes::new(),
            },
            signers: signer_emails
                .iter()
                .map(|email| Signer {
                    person: person(email),
                    status: SignerStatus::Waiting,
                    notified_at: None,
                    signed_at: None,
                })
                .collect(),
            callback_url: None,
        };
        self.insert(project, now).id.clone()
    }

    fn insert(&mut self, mut project: Project, now: OffsetDateTime) -> &Project {
        // Ordered processes e-mail only the first signer; parallel ones e-mail everybody at once.
        let first_turn = if project.ordered {
            project.signers.len().min(1)
        } else {
            project.signers.len()
        };
        for index in 0..first_turn {
            notify(
                &mut self.emails,
                &project.id,
                &project.name,
                &mut project.signers[index],
                now,
            );
        }
        self.projects.push(project);
        let last = self.projects.len() - 1;
        &self.projects[last]
    }

    /// The project with this id, unless it is unknown or deleted.
    pub(crate) fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|project| project.id == id)
    }

    /// All live projects in creation order.
    pub(crate) fn projects(&self) -> &[Project] {
        &self.projects
    }

    /// Every sign task e-mailed so far, in order.
    pub(crate) fn notifications(&self) -> Vec<Notification> {
        self.emails
            .iter()
            .filter(|email| email.kind == EmailKind::SignRequest)
            .map(|email| Notification {
                project_id: email.envelope_id.as_str().to_owned(),
                email: email.to.clone(),
                at: email.at,
            })
            .collect()
    }

    /// Every e-mail sent so far, in order.
    pub(crate) fn emails(&self) -> &[Email] {
        &self.emails
    }

    /// Cancels an in-progress project created through the Sign API.
    pub(crate) fn cancel(&mut self, id: &str, now: OffsetDateTime) -> Result<(), CancelError> {
        let project = self.project_mut(id).ok_or(CancelError::Unknown)?;
        if !project.created_through_sign_api {
            return Err(CancelError::NotCreatedThroughSignApi);
        }
        if project.status != ProjectStatus::InProgress {
            return Err(CancelError::NotInProgress(project.status));
        }
        project.status = ProjectStatus::Cancelled;
        project.cancelled_at = Some(now);
        Ok(())
    }

    /// Deletes a project; `false` if there was none with this id.
    pub(crate) fn delete(&mut self, id: &str) -> bool {
        let before = self.projects.len();
        self.projects.retain(|project| project.id != id);
        self.projects.len() != before
    }

    /// Records a signature by the signer with this e-mail address.
    ///
    /// Returns the completion to announce when this was the last missing signature of a project
    /// that registered a callback URL.
    pub(crate) fn sign(
        &mut self,
        id: &str,
        email: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Completion>, EmulatorError> {
        let project = self.signable_project(id)?;
        let matching = || {
            project
                .signers
                .iter()
                .enumerate()
                .filter(|(_, signer)| signer.person.email.eq_ignore_ascii_case(email))
        };
        let refusal = |statuses: &[SignerStatus]| {
            if statuses.is_empty() {
                EmulatorError::UnknownSigner {
                    project_id: id.to_owned(),
                    email: email.to_owned(),
                }
            } else if statuses.contains(&SignerStatus::Waiting) {
                EmulatorError::NotSignersTurn {
                    project_id: id.to_owned(),
                    email: email.to_owned(),
                }
            } else {
                EmulatorError::AlreadySigned {
                    project_id: id.to_owned(),
                    email: email.to_owned(),
                }
            }
        };
        // The same address may appear twice; the first task that is open now is the one signed.
        let open = matching().find(|(_, signer)| signer.status == SignerStatus::Notified);
        let Some((index, _)) = open else {
            let statuses: Vec<SignerStatus> = matching().map(|(_, s)| s.status).collect();
            return Err(refusal(&statuses));
        };
        Ok(self.sign_at(id, index, now))
    }

    /// Signs every open task of a project in turn order until it is completed.
    pub(crate) fn sign_all(
        &mut self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Completion>, EmulatorError> {
        self.signable_project(id)?;
        let mut completion = None;
        loop {
            let next = self.project(id).and_then(|project| {
                project
                    .signers
                    .iter()
                    .position(|signer| signer.status == SignerStatus::Notified)
            });
            let Some(index) = next else {
                return Ok(completion);
            };
            completion = self.sign_at(id, index, now);
        }
    }

    fn signable_project(&self, id: &str) -> Result<&Project, EmulatorError> {
        let project = self
            .project(id)
            .ok_or_else(|| EmulatorError::UnknownProject {
                project_id: id.to_owned(),
            })?;
        if project.status != ProjectStatus::InProgress {
            return Err(EmulatorError::NotInProgress {
                project_id: id.to_owned(),
                status: project.status.as_str(),
            });
        }
        Ok(project)
    }

    /// Signs the task at `index` (which must be notified) and moves the workflow on.
    fn sign_at(&mut self, id: &str, index: usize, now: OffsetDateTime) -> Option<Completion> {
        let project = self.projects.iter_mut().find(|project| project.id == id)?;
        let signer = &mut project.signers[index];
        signer.status = SignerStatus::Signed;
        signer.signed_at = Some(now);
        if project.ordered
            && let Some(next) = project.signers.get_mut(index + 1)
            && next.status == SignerStatus::Waiting
        {
            notify(&mut self.emails, &project.id, &project.name, next, now);
        }
        let all_signed = project
            .signers
            .iter()
            .all(|signer| signer.status == SignerStatus::Signed);
        if !all_signed {
            return None;
        }
        project.status = ProjectStatus::Completed;
        project.completed_at = Some(now);
        // Additional recipients receive the signed document.
        for address in &project.additional_recipients {
            self.emails.push(Email::new(
                now,
                project.id.as_str(),
                address.as_str(),
                EmailKind::Completed,
                format!("Signed: {}", project.name),
            ));
        }
        project.callback_url.clone().map(|callback_url| Completion {
            project_id: project.id.clone(),
            callback_url,
        })
    }

    fn project_mut(&mut self, id: &str) -> Option<&mut Project> {
        self.projects.iter_mut().find(|project| project.id == id)
    }
}

/// The signer's turn has come: their sign task is e-mailed.
fn notify(
    emails: &mut Vec<Email>,
    project_id: &str,
    project_name: &str,
    signer: &mut Signer,
    now: OffsetDateTime,
) {
    signer.status = SignerStatus::Notified;
    signer.notified_at = Some(now);
    emails.push(
        Email::new(
            now,
            project_id,
            signer.person.email.as_str(),
            EmailKind::SignRequest,
            format!("Sign task: {project_name}"),
        )
        .with_name(Some(signer.person.name.clone())),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(email: &str) -> Person {
        Person {
            name: email.to_owned(),
            organization: None,
            email: email.to_owned(),
            title: None,
        }
    }

    fn launch(ordered: bool, callback: Option<&str>) -> Launch {
        Launch {
            name: "NDA".to_owned(),
            owner: person("owner@example.com"),
            signers: vec![person("a@example.com"), person("b@example.com")],
            document: Document {
                name: "nda.pdf".to_owned(),
                content_type: "application/pdf",
                size: 10,
                content: Bytes::from_static(b"%PDF-1.7\n"),
            },
            ordered,
            additional_recipients: Vec::new(),
            callback_url: callback.map(str::to_owned),
        }
    }

    fn statuses(store: &Store, id: &str) -> Vec<SignerStatus> {
        let project = store.project(id).expect("project exists");
        project.signers.iter().map(|s| s.status).collect()
    }

    #[test]
    fn ordered_signers_take_turns() {
        let mut store = Store::default();
        let id = store
            .launch(launch(true, Some("https://cb")), now())
            .id
            .clone();
        assert_eq!(
            statuses(&store, &id),
            [SignerStatus::Notified, SignerStatus::Waiting]
        );
        assert_eq!(
            store.sign(&id, "b@example.com", now()),
            Err(EmulatorError::NotSignersTurn {
                project_id: id.clone(),
                email: "b@example.com".to_owned()
            })
        );
        assert_eq!(store.sign(&id, "A@example.com", now()), Ok(None));
        assert_eq!(
            statuses(&store, &id),
            [SignerStatus::Signed, SignerStatus::Notified]
        );
        assert!(matches!(
            store.sign(&id, "a@example.com", now()),
            Err(EmulatorError::AlreadySigned { .. })
        ));
        let completion = store.sign(&id, "b@example.com", now()).expect("signable");
        assert_eq!(
            completion,
            Some(Completion {
                project_id: id.clone(),
                callback_url: "https://cb".to_owned()
            })
        );
        assert_eq!(
            store.project(&id).map(|p| p.status),
            Some(ProjectStatus::Completed)
        );
        let emails: Vec<String> = store.notifications().into_iter().map(|n| n.email).collect();
        assert_eq!(emails, ["a@example.com", "b@example.com"]);
    }

    #[test]
    fn parallel_signers_are_notified_at_once() {
        let mut store = Store::default();
        let id = store.launch(launch(false, None), now()).id.clone();
        assert_eq!(store.notifications().len(), 2);
        assert_eq!(store.sign(&id, "b@example.com", now()), Ok(None));
        assert_eq!(store.sign_all(&id, now()), Ok(None));
        assert_eq!(
            store.project(&id).map(|p| p.status),
            Some(ProjectStatus::Completed)
        );
        assert!(matches!(
            store.sign_all(&id, now()),
            Err(EmulatorError::NotInProgress {
                status: "COMPLETED",
                ..
            })
        ));
    }

    #[test]
    fn cancel_and_delete_follow_the_rules() {
        let mut store = Store::default();
        let id = store.launch(launch(false, None), now()).id.clone();
        let foreign = store.insert_foreign("Lease", &["x@example.com"], now());
        assert_eq!(store.cancel("nope", now()), Err(CancelError::Unknown));
        assert_eq!(
            store.cancel(&foreign, now()),
            Err(CancelError::NotCreatedThroughSignApi)
        );
        assert_eq!(store.cancel(&id, now()), Ok(()));
        assert_eq!(
            store.cancel(&id, now()),
            Err(CancelError::NotInProgress(ProjectStatus::Cancelled))
        );
        assert!(matches!(
            store.sign(&id, "a@example.com", now()),
            Err(EmulatorError::NotInProgress {
                status: "CANCELLED",
                ..
            })
        ));
        assert!(matches!(
            store.sign(&foreign, "nobody@example.com", now()),
            Err(EmulatorError::UnknownSigner { .. })
        ));
        assert!(store.delete(&id));
        assert!(!store.delete(&id));
        assert!(store.project(&id).is_none());
        assert!(matches!(
            store.sign(&id, "a@example.com", now()),
            Err(EmulatorError::UnknownProject { .. })
        ));
    }
}

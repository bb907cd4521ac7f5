//! The emulator's in-memory data and the rules of every change to it.
//!
//! Each change validates everything before it touches anything, so a refused request leaves no
//! trace, and queues the webhook events it causes; [`Shared::write`] hands those to the delivery
//! queue while the lock is still held, which keeps deliveries in the order the events happened.

use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use serde_json::Value;
use time::OffsetDateTime;

use super::auth::Tokens;
use super::clock;
use super::error::EmulatorError;
use super::ids;
use super::json::Object;
use super::model::{
    Agreement, AgreementStatus, Document, DocumentType, File, Signee, SigneeStatus, Tenant, Theme,
    Webhook,
};
use super::problem::ApiError;
use super::webhooks::{self, Dispatcher, Event};
use crate::control::{Email, EmailKind};
use crate::emulator::clock::Clock;
use crate::emulator::mode::{AnswerMode, ModeCell};

/// Everything the routes and the test controls share.
#[derive(Debug)]
pub(super) struct Shared {
    store: Mutex<Store>,
    pub(super) tokens: Tokens,
    dispatcher: Dispatcher,
    mode: ModeCell,
    max_file_size: u64,
    kept_document_bytes: usize,
}

impl Shared {
    pub(super) fn new(
        tokens: Tokens,
        dispatcher: Dispatcher,
        mode: AnswerMode,
        max_file_size: u64,
        kept_document_bytes: usize,
    ) -> Self {
        Self {
            store: Mutex::new(Store::new()),
            tokens,
            dispatcher,
            mode: ModeCell::new(mode),
            max_file_size,
            kept_document_bytes,
        }
    }

    /// The largest file an upload may carry.
    pub(super) fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// The largest file whose bytes are kept.
    pub(super) fn kept_document_bytes(&self) -> usize {
        self.kept_document_bytes
    }

    /// How answers and webhook bodies are worded now.
    pub(super) fn mode(&self) -> AnswerMode {
        self.mode.get()
    }

    pub(super) fn set_mode(&self, mode: AnswerMode) {
        self.mode.set(mode);
    }

    /// Runs `read` on the data.
    pub(super) fn read<T>(&self, read: impl FnOnce(&Store) -> T) -> T {
        read(&self.lock())
    }

    /// Runs `change` on the data, then queues the webhook deliveries of the events it caused,
    /// worded in the current answer mode.
    pub(super) fn write<T>(&self, change: impl FnOnce(&mut Store) -> T) -> T {
        let mut store = self.lock();
        let result = change(&mut store);
        let mode = self.mode();
        for event in std::mem::take(&mut store.events) {
            self.dispatcher.dispatch(&store.webhooks, &event, mode);
        }
        result
    }

    pub(super) fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An agreement to create, as read from the request body.
#[derive(Debug)]
pub(super) struct NewAgreement {
    pub(super) issuer: String,
    pub(super) title: Option<String>,
    pub(super) documents: Vec<NewDocument>,
    pub(super) metadata: Object,
    pub(super) notifications: &'static str,
    pub(super) signee_emails: Vec<String>,
    pub(super) publish_date: Option<OffsetDateTime>,
    pub(super) redirect_url: Option<String>,
    pub(super) theme_id: Option<String>,
}

/// A document to attach, inline in an agreement or on its own.
#[derive(Debug)]
pub(super) struct NewDocument {
    pub(super) file_id: String,
    pub(super) kind: DocumentType,
    pub(super) metadata: Object,
}

/// An uploaded file, as read from the multipart body.
#[derive(Debug)]
pub(super) struct NewFile {
    pub(super) name: String,
    pub(super) content_type: String,
    pub(super) metadata: Object,
    pub(super) size: u64,
    pub(super) sha256: [u8; 32],
    /// Decided by content, not by name or declared type, as the real service does.
    pub(super) is_pdf: bool,
    /// The bytes, when the file is no larger than the emulator keeps; else empty.
    pub(super) content: Bytes,
}

/// A theme to create, as read from the request body.
#[derive(Debug)]
pub(super) struct NewTheme {
    pub(super) name: String,
    pub(super) icon_file_id: Option<String>,
    pub(super) logo_file_id: Option<String>,
    pub(super) color_primary_hex: Option<String>,
    pub(super) color_secondary_hex: Option<String>,
}

/// All objects, each list in creation order.
#[derive(Debug)]
pub(super) struct Store {
    clock: Clock,
    pub(super) agreements: Vec<Agreement>,
    pub(super) documents: Vec<Document>,
    pub(super) files: Vec<File>,
    pub(super) signees: Vec<Signee>,
    tenants: Vec<Tenant>,
    themes: Vec<Theme>,
    pub(super) webhooks: Vec<Webhook>,
    /// Every e-mail sent: the invitations of agreements that ask for e-mail notifications.
    pub(super) emails: Vec<Email>,
    /// Events caused by the change in progress, not yet queued for delivery.
    events: Vec<Event>,
}

impl Store {
    fn new() -> Self {
        Self {
            clock: clock::clock(),
            agreements: Vec::new(),
            documents: Vec::new(),
            files: Vec::new(),
            signees: Vec::new(),
            tenants: Vec::new(),
            themes: Vec::new(),
            webhooks: Vec::new(),
            emails: Vec::new(),
            events: Vec::new(),
        }
    }

    pub(super) fn agreement(&self, id: &str) -> Option<&Agreement> {
        self.agreements.iter().find(|agreement| agreement.id == id)
    }

    pub(super) fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|document| document.id == id)
    }

    pub(super) fn file(&self, id: &str) -> Option<&File> {
        self.files.iter().find(|file| file.id == id)
    }

    pub(super) fn signee(&self, id: &str) -> Option<&Signee> {
        self.signees.iter().find(|signee| signee.id == id)
    }

    fn agreement_mut(&mut self, id: &str) -> Option<&mut Agreement> {
        self.agreements
            .iter_mut()
            .find(|agreement| agreement.id == id)
    }

    fn signee_mut(&mut self, id: &str) -> Option<&mut Signee> {
        self.signees.iter_mut().find(|signee| signee.id == id)
    }

    fn emit(&mut self, kind: &'static str, data: Value) {
        let at = self.clock.now();
        self.events.push(Event { kind, data, at });
    }

    fn agreement_json(&self, id: &str) -> Value {
        self.agreement(id).map_or(Value::Null, Agreement::to_json)
    }

    /// The agreement `id`, which must be a draft for the change described by `action`.
    fn draft_agreement(&self, id: &str, action: &str) -> Result<&Agreement, ApiError> {
        let agreement = self
            .agreement(id)
            .ok_or_else(|| ApiError::not_found("agreement", id))?;
        require_draft(agreement, action)?;
        Ok(agreement)
    }

    // ---- agreements -------------------------------------------------------------------------

    pub(super) fn create_agreement(&mut self, new: NewAgreement) -> Result<Value, ApiError> {
        if let Some(theme_id) = &new.theme_id
            && !self.themes.iter().any(|theme| &theme.id == theme_id)
        {
            return Err(ApiError::bad_request(format!(
                "`theme_id`: theme `{theme_id}` does not exist"
            )));
        }
        for (index, document) in new.documents.iter().enumerate() {
            self.check_pdf(&document.file_id, &format!("documents[{index}].file_id"))?;
        }

        let now = self.clock.now();
        let agreement_id = ids::new();
        self.agreements.push(Agreement {
            id: agreement_id.clone(),
            created: now,
            issuer: new.issuer,
            title: new.title,
            status: AgreementStatus::Draft,
            status_date: now,
            document_ids: Vec::new(),
            signee_ids: Vec::new(),
            metadata: new.metadata,
            redirect_url: new.redirect_url,
            theme_id: new.theme_id,
            notifications: new.notifications,
            publish_date: new.publish_date,
        });
        let documents: Vec<Value> = new
            .documents
            .into_iter()
            .map(|document| self.attach_document(&agreement_id, document))
            .collect();
        let signees: Vec<Value> = new
            .signee_emails
            .into_iter()
            .map(|email| {
                let mut attributes = Object::new();
                attributes.insert("email".to_owned(), Value::String(email));
                self.attach_signee(&agreement_id, attributes, Object::new())
            })
            .collect();

        let agreement = self.agreement_json(&agreement_id);
        self.emit("agreement.created", agreement.clone());
        for document in documents {
            self.emit("document.created", document);
        }
        for signee in signees {
            self.emit("signee.created", signee);
        }
        Ok(agreement)
    }

    pub(super) fn edit_agreement(
        &mut self,
        id: &str,
        issuer: Option<String>,
        title: Option<String>,
    ) -> Result<Value, ApiError> {
        self.draft_agreement(id, "edited")?;
        if let Some(agreement) = self.agreement_mut(id) {
            if let Some(issuer) = issuer {
                agreement.issuer = issuer;
            }
            agreement.title = title;
        }
        let agreement = self.agreement_json(id);
        self.emit("agreement.updated", agreement.clone());
        Ok(agreement)
    }

    pub(super) fn delete_agreement(&mut self, id: &str) -> Result<(), ApiError> {
        self.draft_agreement(id, "deleted")?;
        let now = self.clock.now();
        if let Some(agreement) = self.agreement_mut(id) {
            agreement.status = AgreementStatus::Deleted;
            agreement.status_date = now;
        }
        Ok(())
    }

    pub(super) fn submit_agreement(&mut self, id: &str) -> Result<(), ApiError> {
        let agreement = self.draft_agreement(id, "submitted")?;
        if agreement.signee_ids.is_empty() {
            return Err(ApiError::bad_request(
                "an agreement needs at least one signee to be submitted",
            ));
        }
        let has_primary = agreement.document_ids.iter().any(|document_id| {
            self.document(document_id)
                .is_some_and(|document| document.kind == DocumentType::Primary)
        });
        if !has_primary {
            return Err(ApiError::bad_request(
                "an agreement needs at least one Primary document to be submitted",
            ));
        }
        let publish_date = agreement.publish_date;
        let signee_ids = agreement.signee_ids.clone();
        let now = self.clock.now();
        if publish_date.is_some_and(|date| date <= now) {
            return Err(ApiError::bad_request(
                "`scheduling.publish_date` has passed: an agreement must be submitted before it",
            ));
        }

        if let Some(agreement) = self.agreement_mut(id) {
            agreement.status = AgreementStatus::Pending;
            agreement.status_date = now;
        }
        for signee_id in &signee_ids {
            if let Some(signee) = self.signee_mut(signee_id) {
                signee.status = SigneeStatus::Pending;
            }
        }
        let agreement = self.agreement_json(id);
        self.emit("agreement.submitted", agreement.clone());
        // A scheduled agreement is published at its publish date; the emulator has no scheduler,
        // so only unscheduled agreements are ever published.
        if publish_date.is_none() {
            self.emit("agreement.published", agreement);
            self.invite(id, &signee_ids, now);
        }
        Ok(())
    }

    /// E-mails each signee an invitation to sign, when the agreement asks for e-mail
    /// notifications.
    fn invite(&mut self, id: &str, signee_ids: &[String], now: OffsetDateTime) {
        let Some(agreement) = self.agreement(id) else {
            return;
        };
        if agreement.notifications != "Email" {
            return;
        }
        let subject = format!(
            "{} invites you to sign {}",
            agreement.issuer,
            agreement.title.as_deref().unwrap_or("an agreement")
        );
        let emails: Vec<Email> = signee_ids
            .iter()
            .filter_map(|signee_id| self.signee(signee_id))
            .filter_map(|signee| signee.attributes.get("email").and_then(Value::as_str))
            .map(|address| Email::new(now, id, address, EmailKind::SignRequest, subject.clone()))
            .collect();
        self.emails.extend(emails);
    }

    pub(super) fn cancel_agreement(&mut self, id: &str) -> Result<(), ApiError> {
        let agreement = self
            .agreement(id)
            .ok_or_else(|| ApiError::not_found("agreement", id))?;
        if agreement.status != AgreementStatus::Pending {
            return Err(ApiError::conflict(format!(
                "agreement `{id}` is {} and can only be cancelled while Pending",
                agreement.status.as_str()
            )));
        }
        let now = self.clock.now();
        if let Some(agreement) = self.agreement_mut(id) {
            agreement.status = AgreementStatus::Cancelled;
            agreement.status_date = now;
        }
        let agreement = self.agreement_json(id);
        self.emit("agreement.updated", agreement);
        Ok(())
    }

    // ---- documents --------------------------------------------------------------------------

    pub(super) fn create_document(
        &mut self,
        agreement_id: &str,
        document: NewDocument,
    ) -> Result<Value, ApiError> {
        let Some(agreement) = self.agreement(agreement_id) else {
            return Err(ApiError::bad_request(format!(
                "`agreement_id`: agreement `{agreement_id}` does not exist"
            )));
        };
        self.check_pdf(&document.file_id, "file_id")?;
        require_draft(agreement, "given documents")?;
        let document = self.attach_document(agreement_id, document);
        self.emit("document.created", document.clone());
        Ok(document)
    }

    pub(super) fn delete_document(&mut self, id: &str) -> Result<(), ApiError> {
        let document = self
            .document(id)
            .ok_or_else(|| ApiError::not_found("document", id))?;
        let agreement_id = document.agreement_id.clone();
        if let Some(agreement) = self.agreement(&agreement_id) {
            require_draft(agreement, "stripped of documents")?;
        }
        self.documents.retain(|document| document.id != id);
        if let Some(agreement) = self.agreement_mut(&agreement_id) {
            agreement
                .document_ids
                .retain(|document_id| document_id != id);
        }
        Ok(())
    }

    /// Checks that `file_id` (read from the body field `field`) names a PDF file.
    fn check_pdf(&self, file_id: &str, field: &str) -> Result<(), ApiError> {
        match self.file(file_id) {
            None => Err(ApiError::bad_request(format!(
                "`{field}`: file `{file_id}` does not exist"
            ))),
            Some(file) if !file.is_pdf => Err(ApiError::bad_request(format!(
                "`{field}`: file `{file_id}` is not a PDF, and only PDF files can be documents"
            ))),
            Some(_) => Ok(()),
        }
    }

    fn attach_document(&mut self, agreement_id: &str, document: NewDocument) -> Value {
        let document = Document {
            id: ids::new(),
            agreement_id: agreement_id.to_owned(),
            file_id: document.file_id,
            created: self.clock.now(),
            metadata: document.metadata,
            kind: document.kind,
        };
        let json = document.to_json();
        if let Some(agreement) = self.agreement_mut(agreement_id) {
            agreement.document_ids.push(document.id.clone());
        }
        self.documents.push(document);
        json
    }

    // ---- files ------------------------------------------------------------------------------

    pub(super) fn add_file(&mut self, new: NewFile) -> Value {
        let sha256 = new
            .sha256
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                // Writing to a String cannot fail.
                let _ = write!(hex, "{byte:02x}");
                hex
            });
        let file = File {
            id: ids::new(),
            created: self.clock.now(),
            metadata: new.metadata,
            name: new.name,
            size: usize::try_from(new.size).unwrap_or(usize::MAX),
            sha256,
            content_type: new.content_type,
            is_pdf: new.is_pdf,
            content: new.content,
        };
        let json = file.to_json();
        self.files.push(file);
        json
    }

    // ---- signees ----------------------------------------------------------------------------

    pub(super) fn create_signee(
        &mut self,
        agreement_id: &str,
        attributes: Object,
        metadata: Object,
    ) -> Result<Value, ApiError> {
        let Some(agreement) = self.agreement(agreement_id) else {
            return Err(ApiError::bad_request(format!(
                "`agreement_id`: agreement `{agreement_id}` does not exist"
            )));
        };
        require_draft(agreement, "given signees")?;
        let signee = self.attach_signee(agreement_id, attributes, metadata);
        self.emit("signee.created", signee.clone());
        Ok(signee)
    }

    /// Applies attribute changes: `None` removes the attribute, `Some` sets it.
    pub(super) fn edit_signee(
        &mut self,
        id: &str,
        changes: Vec<(String, Option<String>)>,
    ) -> Result<Value, ApiError> {
        let signee = self
            .signee(id)
            .ok_or_else(|| ApiError::not_found("signee", id))?;
        if let Some(agreement) = self.agreement(&signee.agreement_id) {
            require_draft(agreement, "given signee changes")?;
        }
        let mut attributes = signee.attributes.clone();
        for (key, value) in changes {
            match value {
                Some(value) => attributes.insert(key, Value::String(value)),
                None => attributes.remove(&key),
            };
        }
        if !attributes.contains_key("email") {
            return Err(ApiError::bad_request(
                "`attributes.email` cannot be removed: a signee needs an email",
            ));
        }
        let Some(signee) = self.signee_mut(id) else {
            return Err(ApiError::not_found("signee", id));
        };
        signee.attributes = attributes;
        Ok(signee.to_json())
    }

    pub(super) fn delete_signee(&mut self, id: &str) -> Result<(), ApiError> {
        let signee = self
            .signee(id)
            .ok_or_else(|| ApiError::not_found("signee", id))?;
        let agreement_id = signee.agreement_id.clone();
        if let Some(agreement) = self.agreement(&agreement_id) {
            require_draft(agreement, "stripped of signees")?;
        }
        self.signees.retain(|signee| signee.id != id);
        if let Some(agreement) = self.agreement_mut(&agreement_id) {
            agreement.signee_ids.retain(|signee_id| signee_id != id);
        }
        Ok(())
    }

    fn attach_signee(&mut self, agreement_id: &str, attributes: Object, metadata: Object) -> Value {
        let signee = Signee {
            id: ids::new(),
            agreement_id: agreement_id.to_owned(),
            created: self.clock.now(),
            status: SigneeStatus::Draft,
            signed_date: None,
            attributes,
            metadata,
            session_open: false,
        };
        let json = signee.to_json();
        if let Some(agreement) = self.agreement_mut(agreement_id) {
            agreement.signee_ids.push(signee.id.clone());
        }
        self.signees.push(signee);
        json
    }

    // ---- tenants, themes, webhooks ----------------------------------------------------------

    pub(super) fn create_tenant(
        &mut self,
        name: String,
        language_code: Option<String>,
        time_zone: Option<String>,
    ) -> Value {
        let tenant = Tenant {
            id: ids::new(),
            name,
            language_code,
            time_zone,
        };
        let json = tenant.to_json();
        self.tenants.push(tenant);
        json
    }

    pub(super) fn create_theme(&mut self, new: NewTheme) -> Result<Value, ApiError> {
        for (field, file_id) in [
            ("icon_file_id", &new.icon_file_id),
            ("logo_file_id", &new.logo_file_id),
        ] {
            if let Some(file_id) = file_id
                && self.file(file_id).is_none()
            {
                return Err(ApiError::bad_request(format!(
                    "`{field}`: file `{file_id}` does not exist"
                )));
            }
        }
        let theme = Theme {
            id: ids::new(),
            name: new.name,
            icon_file_id: new.icon_file_id,
            logo_file_id: new.logo_file_id,
            color_primary_hex: new.color_primary_hex,
            color_secondary_hex: new.color_secondary_hex,
        };
        let json = theme.to_json();
        self.themes.push(theme);
        Ok(json)
    }

    /// Registers a webhook; `events` must already be validated, empty meaning all events.
    pub(super) fn create_webhook(&mut self, url: String, events: Vec<&'static str>) -> &Webhook {
        let events = if events.is_empty() {
            webhooks::EVENTS.to_vec()
        } else {
            let mut unique: Vec<&'static str> = Vec::with_capacity(events.len());
            for event in events {
                if !unique.contains(&event) {
                    unique.push(event);
                }
            }
            unique
        };
        self.webhooks.push(Webhook {
            id: ids::new(),
            created: self.clock.now(),
            url,
            events,
            secret: webhooks::new_secret(),
        });
        &self.webhooks[self.webhooks.len() - 1]
    }

    pub(super) fn delete_webhook(&mut self, id: &str) -> Result<(), ApiError> {
        if !self.webhooks.iter().any(|webhook| webhook.id == id) {
            return Err(ApiError::not_found("webhook", id));
        }
        self.webhooks.retain(|webhook| webhook.id != id);
        Ok(())
    }

    // ---- test controls ----------------------------------------------------------------------

    /// Checks that `signee_id` may sign now, returning its canonical id.
    fn signable(&self, signee_id: &str) -> Result<String, EmulatorError> {
        let unknown = || EmulatorError::UnknownSignee(signee_id.to_owned());
        let id = ids::canonical(signee_id).ok_or_else(unknown)?;
        let signee = self.signee(&id).ok_or_else(unknown)?;
        self.require_pending(&signee.agreement_id)?;
        if signee.status == SigneeStatus::Signed {
            return Err(EmulatorError::AlreadySigned(id));
        }
        Ok(id)
    }

    fn require_pending(&self, agreement_id: &str) -> Result<(), EmulatorError> {
        let agreement = self
            .agreement(agreement_id)
            .ok_or_else(|| EmulatorError::UnknownAgreement(agreement_id.to_owned()))?;
        if agreement.status == AgreementStatus::Pending {
            Ok(())
        } else {
            Err(EmulatorError::AgreementNotPending {
                agreement_id: agreement.id.clone(),
                status: agreement.status.as_str().to_owned(),
            })
        }
    }

    pub(super) fn open_sign_session(&mut self, signee_id: &str) -> Result<(), EmulatorError> {
        let id = self.signable(signee_id)?;
        self.open_session(&id);
        Ok(())
    }

    fn open_session(&mut self, id: &str) {
        let Some(signee) = self.signee_mut(id) else {
            return;
        };
        signee.session_open = true;
        let json = signee.to_json();
        self.emit("signee.signsession.created", json);
    }

    pub(super) fn sign(&mut self, signee_id: &str) -> Result<(), EmulatorError> {
        let id = self.signable(signee_id)?;
        if !self.signee(&id).is_some_and(|signee| signee.session_open) {
            self.open_session(&id);
        }
        let now = self.clock.now();
        let Some(signee) = self.signee_mut(&id) else {
            return Err(EmulatorError::UnknownSignee(id));
        };
        signee.status = SigneeStatus::Signed;
        signee.signed_date = Some(now);
        signee.session_open = false;
        let agreement_id = signee.agreement_id.clone();
        let json = signee.to_json();
        self.emit("signee.signsession.completed", json);

        let all_signed = self.agreement(&agreement_id).is_some_and(|agreement| {
            agreement.signee_ids.iter().all(|signee_id| {
                self.signee(signee_id)
                    .is_some_and(|signee| signee.status == SigneeStatus::Signed)
            })
        });
        if all_signed {
            let now = self.clock.now();
            if let Some(agreement) = self.agreement_mut(&agreement_id) {
                agreement.status = AgreementStatus::Completed;
                agreement.status_date = now;
            }
            let agreement = self.agreement_json(&agreement_id);
            self.emit("agreement.completed", agreement);
        }
        Ok(())
    }

    pub(super) fn sign_all(&mut self, agreement_id: &str) -> Result<(), EmulatorError> {
        let unknown = || EmulatorError::UnknownAgreement(agreement_id.to_owned());
        let id = ids::canonical(agreement_id).ok_or_else(unknown)?;
        self.require_pending(&id)?;
        let unsigned: Vec<String> = self
            .agreement(&id)
            .map(|agreement| {
                agreement
                    .signee_ids
                    .iter()
                    .filter(|signee_id| {
                        self.signee(signee_id)
                            .is_some_and(|signee| signee.status != SigneeStatus::Signed)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for signee_id in unsigned {
            self.sign(&signee_id)?;
        }
        Ok(())
    }

    /// The agreement `id` as the API returns it.
    pub(super) fn agreement_value(&self, id: &str) -> Option<Value> {
        let id = ids::canonical(id)?;
        self.agreement(&id).map(Agreement::to_json)
    }

    /// The signees of agreement `id` in the agreement's order.
    pub(super) fn signees_of(&self, id: &str) -> Vec<Value> {
        let Some(agreement) = ids::canonical(id).and_then(|id| self.agreement(&id)) else {
            return Vec::new();
        };
        agreement
            .signee_ids
            .iter()
            .filter_map(|signee_id| self.signee(signee_id))
            .map(Signee::to_json)
            .collect()
    }
}

/// Refuses a change to an agreement that is no longer a draft.
fn require_draft(agreement: &Agreement, action: &str) -> Result<(), ApiError> {
    if agreement.status == AgreementStatus::Draft {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "agreement `{}` is {}; only a Draft agreement can be {action}",
            agreement.id,
            agreement.status.as_str()
        )))
    }
}

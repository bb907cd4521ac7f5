//! The emulator's in-memory envelopes and the rules of every change to them.
//!
//! Every change checks everything before it touches anything, so a refused request leaves no
//! trace, and queues the Connect messages of the events it causes; [`Shared::write`] hands them
//! to the delivery queue while the lock is still held, which keeps deliveries in the order the
//! events happened.

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::answers;
use super::api_error::ApiError;
use super::auth::Tokens;
use super::clock;
use super::connect::{Dispatcher, Message};
use super::definition::NewEnvelope;
use super::error::EmulatorError;
use super::limits::Limits;
use super::model::{
    Document, Envelope, EnvelopeStatus, Folder, Recipient, RecipientKind, RecipientStatus,
    TextCustomField,
};
use super::render::{self, Include, Sender};
use crate::control::{Email, EmailKind};
use crate::emulator::clock::Clock;
use crate::emulator::mode::{AnswerMode, ModeCell};

/// The `configurationId` of messages sent for an envelope's own `eventNotification`, which is
/// not one of the account's Connect configurations.
const CONFIGURATION_ID: u64 = 0;

/// The reason recorded when an in-process envelope is voided by moving it to the recycle bin.
pub(super) const RECYCLED_VOID_REASON: &str = "Envelope moved to the recycle bin by the sender.";

/// The impersonated user.
#[derive(Debug, Clone)]
pub(super) struct User {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) email: String,
}

/// One account of the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Account {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) is_default: bool,
}

/// What the emulator was configured with.
#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) integration_key: String,
    pub(super) user: User,
    pub(super) accounts: Vec<Account>,
    pub(super) hmac_keys: Vec<String>,
}

impl Config {
    pub(super) fn default_account(&self) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|account| account.is_default)
            .or_else(|| self.accounts.first())
    }

    pub(super) fn has_account(&self, id: &str) -> bool {
        self.accounts.iter().any(|account| account.id == id)
    }
}

/// The base URLs, known once both listeners are bound.
#[derive(Debug, Clone)]
pub(super) struct Urls {
    /// `http://127.0.0.1:PORT` of the API host: the `base_uri` userinfo returns.
    pub(super) api_base: String,
    /// `127.0.0.1:PORT` of the auth host: the `aud` an assertion must name.
    pub(super) auth_authority: String,
}

/// Everything the routes and the test controls share.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) config: Config,
    pub(super) tokens: Tokens,
    pub(super) limits: Limits,
    pub(super) urls: OnceLock<Urls>,
    store: Mutex<Store>,
    dispatcher: Dispatcher,
    mode: ModeCell,
}

impl Shared {
    pub(super) fn new(
        config: Config,
        tokens: Tokens,
        limits: Limits,
        dispatcher: Dispatcher,
        mode: AnswerMode,
    ) -> Self {
        let store = Store::new(&config);
        Self {
            config,
            tokens,
            limits,
            urls: OnceLock::new(),
            store: Mutex::new(store),
            dispatcher,
            mode: ModeCell::new(mode),
        }
    }

    /// How answers and Connect messages are worded now.
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

    /// Runs `change` on the data, then queues the Connect messages of the events it caused,
    /// worded in the answer mode of the moment.
    pub(super) fn write<T>(&self, change: impl FnOnce(&mut Store) -> T) -> T {
        let mut store = self.lock();
        store.mode = self.mode();
        let result = change(&mut store);
        for message in std::mem::take(&mut store.outbox) {
            self.dispatcher.dispatch(message);
        }
        result
    }

    pub(super) fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// The API base URL (`base_uri`), empty until the listener is bound.
    pub(super) fn api_base(&self) -> String {
        self.urls
            .get()
            .map(|urls| urls.api_base.clone())
            .unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A change asked for with `PUT /envelopes/{envelopeId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Update {
    /// `{"status": "sent"}`: send a draft, with a new email subject or message if given.
    Send {
        subject: Option<String>,
        blurb: Option<String>,
    },
    /// `{"status": "voided", "voidedReason": ...}`.
    Void(String),
    /// `emailSubject` / `emailBlurb` of a draft.
    Email {
        subject: Option<String>,
        blurb: Option<String>,
    },
}

/// What a recipient-view request names.
#[derive(Debug, Clone)]
pub(super) struct ViewRequest {
    pub(super) email: String,
    pub(super) user_name: String,
    pub(super) client_user_id: String,
    pub(super) recipient_id: Option<String>,
}

/// All envelopes, in creation order, and the messages of the change in progress.
#[derive(Debug)]
pub(super) struct Store {
    clock: Clock,
    envelopes: Vec<Envelope>,
    user_id: String,
    user_name: String,
    user_email: String,
    hmac_keys: Vec<String>,
    next_field_id: u64,
    /// Messages of the events caused by the change in progress, not yet queued.
    outbox: Vec<Message>,
    /// Every e-mail sent to recipients and to the sender.
    pub(super) emails: Vec<Email>,
    /// The answer mode the messages of the change in progress are worded in.
    mode: AnswerMode,
}

impl Store {
    fn new(config: &Config) -> Self {
        Self {
            clock: clock::clock(),
            envelopes: Vec::new(),
            user_id: config.user.id.clone(),
            user_name: config.user.name.clone(),
            user_email: config.user.email.clone(),
            hmac_keys: config.hmac_keys.clone(),
            next_field_id: 10_000_001,
            outbox: Vec::new(),
            emails: Vec::new(),
            mode: AnswerMode::Assumed,
        }
    }

    pub(super) fn sender(&self) -> Sender<'_> {
        Sender {
            user_id: &self.user_id,
            user_name: &self.user_name,
            email: &self.user_email,
        }
    }

    /// Every envelope, in creation order.
    pub(super) fn envelopes(&self) -> &[Envelope] {
        &self.envelopes
    }

    /// The envelope `id` of `account_id`.
    pub(super) fn envelope(&self, account_id: &str, id: &str) -> Option<&Envelope> {
        self.envelopes
            .iter()
            .find(|envelope| envelope.account_id == account_id && envelope.id == id)
    }

    /// The envelope `id`, whatever its account.
    pub(super) fn any_envelope(&self, id: &str) -> Option<&Envelope> {
        self.envelopes.iter().find(|envelope| envelope.id == id)
    }

    fn index(&self, account_id: &str, id: &str) -> Result<usize, ApiError> {
        self.envelopes
            .iter()
            .position(|envelope| envelope.account_id == account_id && envelope.id == id)
            .ok_or_else(ApiError::no_envelope)
    }

    /// Renders the envelope `id` as "get envelope" does.
    pub(super) fn envelope_json(&self, id: &str, include: Include) -> Option<Value> {
        self.any_envelope(id)
            .map(|envelope| render::envelope(envelope, &self.sender(), include))
    }

    // ---- API changes ---------------------------------------------------------------------

    /// Creates an envelope (and sends it when asked); answers its `envelopeSummary`.
    pub(super) fn create(&mut self, account_id: &str, new: NewEnvelope) -> Result<Value, ApiError> {
        let now = self.clock.now();
        let recipients = new
            .recipients
            .into_iter()
            .map(|recipient| Recipient {
                kind: recipient.kind,
                id: recipient.recipient_id,
                id_guid: Uuid::new_v4().to_string(),
                email: recipient.email,
                name: recipient.name,
                routing_order: recipient.routing_order,
                client_user_id: recipient.client_user_id,
                role_name: recipient.role_name,
                status: RecipientStatus::Created,
                sent_at: None,
                delivered_at: None,
                signed_at: None,
                declined_at: None,
                declined_reason: None,
            })
            .collect();
        let documents = new
            .documents
            .into_iter()
            .zip(1_u32..)
            .map(|(document, position)| Document {
                id: document.document_id,
                id_guid: Uuid::new_v4().to_string(),
                name: document.name,
                order: document.order.unwrap_or(position),
                content: document.content,
            })
            .collect();
        let text_custom_fields = new
            .text_custom_fields
            .into_iter()
            .map(|field| {
                let field_id = self.next_field_id.to_string();
                self.next_field_id = self.next_field_id.saturating_add(1);
                TextCustomField {
                    field_id,
                    name: field.name,
                    value: field.value,
                    show: field.show,
                    required: field.required,
                }
            })
            .collect();
        let envelope = Envelope {
            id: Uuid::new_v4().to_string(),
            account_id: account_id.to_owned(),
            status: EnvelopeStatus::Created,
            email_subject: new.email_subject,
            email_blurb: new.email_blurb,
            documents,
            recipients,
            text_custom_fields,
            list_custom_fields: new.list_custom_fields,
            notification: new.notification,
            folder: Folder::Normal,
            created_at: now,
            last_modified_at: now,
            status_changed_at: now,
            sent_at: None,
            initial_sent_at: None,
            delivered_at: None,
            completed_at: None,
            declined_at: None,
            voided_at: None,
            voided_reason: None,
            deleted_at: None,
        };
        if new.send {
            check_complete(&envelope, envelope.email_subject.as_deref())?;
        }
        self.envelopes.push(envelope);
        let index = self.envelopes.len() - 1;
        if new.send {
            self.send(index);
        } else {
            self.emit(index, "envelope-created", None);
        }
        Ok(render::summary(&self.envelopes[index]))
    }

    /// Applies a `PUT /envelopes/{envelopeId}`.
    pub(super) fn update(
        &mut self,
        account_id: &str,
        id: &str,
        update: Update,
    ) -> Result<(), ApiError> {
        let index = self.index(account_id, id)?;
        let status = self.envelopes[index].status;
        match update {
            Update::Send { subject, blurb } => {
                if status != EnvelopeStatus::Created {
                    return Err(invalid_status(
                        status,
                        "Only a draft (created) envelope can be sent.",
                    ));
                }
                let envelope = &self.envelopes[index];
                let subject = subject.or_else(|| envelope.email_subject.clone());
                check_complete(envelope, subject.as_deref())?;
                let envelope = &mut self.envelopes[index];
                envelope.email_subject = subject;
                if blurb.is_some() {
                    envelope.email_blurb = blurb;
                }
                self.send(index);
            }
            Update::Void(reason) => {
                if !status.in_process() {
                    return Err(ApiError::new(
                        "ENVELOPE_CANNOT_VOID_INVALID_STATE",
                        format!(
                            "Only envelopes in the 'Sent' or 'Delivered' states may be voided. This envelope is {}.",
                            status.as_str()
                        ),
                    ));
                }
                self.void(index, reason);
            }
            Update::Email { subject, blurb } => {
                if status != EnvelopeStatus::Created {
                    return Err(invalid_status(
                        status,
                        "Only a draft's email subject and message can be changed.",
                    ));
                }
                let now = self.clock.now();
                let envelope = &mut self.envelopes[index];
                if let Some(subject) = subject {
                    envelope.email_subject = Some(subject);
                }
                if let Some(blurb) = blurb {
                    envelope.email_blurb = Some(blurb);
                }
                envelope.last_modified_at = now;
            }
        }
        Ok(())
    }

    /// Moves envelopes to the recycle bin: a draft is deleted, an in-process envelope voided (as
    /// the specification says), a finished one only moved.
    pub(super) fn recycle(&mut self, account_id: &str, ids: &[String]) -> Result<(), ApiError> {
        let indexes = ids
            .iter()
            .map(|id| self.index(account_id, id))
            .collect::<Result<Vec<_>, _>>()?;
        for index in indexes {
            let status = self.envelopes[index].status;
            if status == EnvelopeStatus::Created {
                let now = self.clock.now();
                let envelope = &mut self.envelopes[index];
                envelope.set_status(EnvelopeStatus::Deleted, now);
                envelope.deleted_at = Some(now);
            } else if status.in_process() {
                self.void(index, RECYCLED_VOID_REASON.to_owned());
            }
            self.envelopes[index].folder = Folder::RecycleBin;
        }
        Ok(())
    }

    /// Checks a recipient-view request; on success the signer may open the signing ceremony.
    pub(super) fn recipient_view(
        &self,
        account_id: &str,
        id: &str,
        request: &ViewRequest,
    ) -> Result<(), ApiError> {
        let index = self.index(account_id, id)?;
        let envelope = &self.envelopes[index];
        if !envelope.status.in_process() {
            return Err(invalid_status(
                envelope.status,
                "A recipient view can only be created for an envelope that is out for signature.",
            ));
        }
        let signer = envelope.signers().find(|signer| {
            signer.email.eq_ignore_ascii_case(&request.email)
                && signer.name.eq_ignore_ascii_case(&request.user_name)
                && signer.client_user_id.as_deref() == Some(request.client_user_id.as_str())
                && request
                    .recipient_id
                    .as_ref()
                    .is_none_or(|recipient_id| *recipient_id == signer.id)
        });
        let Some(signer) = signer else {
            return Err(ApiError::new(
                "UNKNOWN_ENVELOPE_RECIPIENT",
                "The recipient you have identified is not a valid recipient of the specified envelope.",
            ));
        };
        if signer.status == RecipientStatus::Created {
            return Err(ApiError::new(
                "RECIPIENT_NOT_IN_SEQUENCE",
                "The token for an out of sequence recipient cannot be generated.",
            ));
        }
        Ok(())
    }

    // ---- test controls -------------------------------------------------------------------

    /// The signer with `email` whose turn it is, or why there is none.
    fn signer_in_turn(&self, id: &str, email: &str) -> Result<(usize, usize), EmulatorError> {
        let Some(index) = self.envelopes.iter().position(|envelope| envelope.id == id) else {
            return Err(EmulatorError::UnknownEnvelope {
                envelope_id: id.to_owned(),
            });
        };
        let envelope = &self.envelopes[index];
        if !envelope.status.in_process() {
            return Err(EmulatorError::NotInProcess {
                envelope_id: id.to_owned(),
                status: envelope.status.as_str(),
            });
        }
        let matching = || {
            envelope
                .recipients
                .iter()
                .enumerate()
                .filter(|(_, recipient)| {
                    recipient.kind == RecipientKind::Signer
                        && recipient.email.eq_ignore_ascii_case(email)
                })
        };
        if let Some((position, _)) = matching().find(|(_, signer)| signer.has_turn()) {
            return Ok((index, position));
        }
        let statuses: Vec<RecipientStatus> = matching().map(|(_, signer)| signer.status).collect();
        let envelope_id = id.to_owned();
        let email = email.to_owned();
        Err(if statuses.is_empty() {
            EmulatorError::UnknownSigner { envelope_id, email }
        } else if statuses.contains(&RecipientStatus::Created) {
            EmulatorError::NotSignersTurn { envelope_id, email }
        } else if statuses.contains(&RecipientStatus::Declined) {
            EmulatorError::SignerFinished {
                envelope_id,
                email,
                status: "declined",
            }
        } else {
            EmulatorError::SignerFinished {
                envelope_id,
                email,
                status: "completed",
            }
        })
    }

    /// The signer opens the envelope.
    pub(super) fn view(&mut self, id: &str, email: &str) -> Result<(), EmulatorError> {
        let (index, position) = self.signer_in_turn(id, email)?;
        self.deliver_to(index, position);
        Ok(())
    }

    /// The signer signs (opening the envelope first if they had not).
    pub(super) fn sign(&mut self, id: &str, email: &str) -> Result<(), EmulatorError> {
        let (index, position) = self.signer_in_turn(id, email)?;
        self.sign_at(index, position);
        Ok(())
    }

    /// The signer declines, which declines the envelope.
    pub(super) fn decline(
        &mut self,
        id: &str,
        email: &str,
        reason: &str,
    ) -> Result<(), EmulatorError> {
        let (index, position) = self.signer_in_turn(id, email)?;
        self.deliver_to(index, position);
        let now = self.clock.now();
        let envelope = &mut self.envelopes[index];
        let signer = &mut envelope.recipients[position];
        signer.status = RecipientStatus::Declined;
        signer.declined_at = Some(now);
        signer.declined_reason = Some(reason.to_owned());
        let recipient_id = signer.id.clone();
        envelope.set_status(EnvelopeStatus::Declined, now);
        envelope.declined_at = Some(now);
        // The sender is told who declined.
        let subject = format!(
            "Declined: {}",
            envelope.email_subject.as_deref().unwrap_or_default()
        );
        let email = Email::new(
            now,
            envelope.id.as_str(),
            self.user_email.as_str(),
            EmailKind::Declined,
            subject,
        )
        .with_name(Some(self.user_name.clone()));
        self.emails.push(email);
        self.emit(index, "recipient-declined", Some(recipient_id));
        self.emit(index, "envelope-declined", None);
        Ok(())
    }

    /// Every signer signs in routing order until the envelope is completed.
    pub(super) fn sign_all(&mut self, id: &str) -> Result<(), EmulatorError> {
        let Some(index) = self.envelopes.iter().position(|envelope| envelope.id == id) else {
            return Err(EmulatorError::UnknownEnvelope {
                envelope_id: id.to_owned(),
            });
        };
        let status = self.envelopes[index].status;
        if !status.in_process() {
            return Err(EmulatorError::NotInProcess {
                envelope_id: id.to_owned(),
                status: status.as_str(),
            });
        }
        // Each round signs at least one signer, so there are at most as many rounds as signers.
        for _ in 0..=self.envelopes[index].recipients.len() {
            let envelope = &self.envelopes[index];
            if !envelope.status.in_process() {
                break;
            }
            let in_turn: Vec<usize> = envelope
                .recipients
                .iter()
                .enumerate()
                .filter(|(_, recipient)| {
                    recipient.kind == RecipientKind::Signer && recipient.has_turn()
                })
                .map(|(position, _)| position)
                .collect();
            if in_turn.is_empty() {
                break;
            }
            for position in in_turn {
                self.sign_at(index, position);
            }
        }
        let envelope = &self.envelopes[index];
        if envelope.status == EnvelopeStatus::Completed {
            Ok(())
        } else {
            Err(EmulatorError::NotInProcess {
                envelope_id: id.to_owned(),
                status: envelope.status.as_str(),
            })
        }
    }

    // ---- the routing rules ----------------------------------------------------------------

    fn send(&mut self, index: usize) {
        let now = self.clock.now();
        let envelope = &mut self.envelopes[index];
        envelope.set_status(EnvelopeStatus::Sent, now);
        envelope.sent_at = Some(now);
        envelope.initial_sent_at.get_or_insert(now);
        self.emit(index, "envelope-sent", None);
        self.route(index);
    }

    /// Sends the envelope to the signers at the lowest routing order that has not finished
    /// (equal orders sign in parallel) and to carbon copies up to that order; completes the
    /// envelope once every signer has signed.
    fn route(&mut self, index: usize) {
        let envelope = &self.envelopes[index];
        let current = envelope
            .signers()
            .filter(|signer| signer.status != RecipientStatus::Completed)
            .map(|signer| signer.routing_order)
            .min();
        let Some(current) = current else {
            self.complete(index);
            return;
        };
        let newly_sent: Vec<usize> = envelope
            .recipients
            .iter()
            .enumerate()
            .filter(|(_, recipient)| {
                recipient.status == RecipientStatus::Created
                    && match recipient.kind {
                        RecipientKind::Signer => recipient.routing_order == current,
                        RecipientKind::CarbonCopy => recipient.routing_order <= current,
                    }
            })
            .map(|(position, _)| position)
            .collect();
        for position in newly_sent {
            let now = self.clock.now();
            let recipient = &mut self.envelopes[index].recipients[position];
            recipient.status = RecipientStatus::Sent;
            recipient.sent_at = Some(now);
            let recipient_id = recipient.id.clone();
            let (kind, prefix) = match recipient.kind {
                RecipientKind::Signer => (EmailKind::SignRequest, "Please DocuSign"),
                RecipientKind::CarbonCopy => (EmailKind::Copy, "Copy"),
            };
            self.mail(index, position, kind, prefix, now);
            self.emit(index, "recipient-sent", Some(recipient_id));
        }
    }

    /// The recipient at `position` opens the envelope; the envelope is delivered once no signer
    /// whose turn has come still has it unopened.
    fn deliver_to(&mut self, index: usize, position: usize) {
        if self.envelopes[index].recipients[position].status != RecipientStatus::Sent {
            return;
        }
        let now = self.clock.now();
        let recipient = &mut self.envelopes[index].recipients[position];
        recipient.status = RecipientStatus::Delivered;
        recipient.delivered_at = Some(now);
        let recipient_id = recipient.id.clone();
        self.emit(index, "recipient-delivered", Some(recipient_id));
        let envelope = &mut self.envelopes[index];
        let unopened = envelope
            .signers()
            .any(|signer| signer.status == RecipientStatus::Sent);
        if envelope.status == EnvelopeStatus::Sent && !unopened {
            let now = self.clock.now();
            envelope.set_status(EnvelopeStatus::Delivered, now);
            envelope.delivered_at = Some(now);
            self.emit(index, "envelope-delivered", None);
        }
    }

    fn sign_at(&mut self, index: usize, position: usize) {
        self.deliver_to(index, position);
        let now = self.clock.now();
        let envelope = &mut self.envelopes[index];
        envelope.last_modified_at = now;
        let signer = &mut envelope.recipients[position];
        signer.status = RecipientStatus::Completed;
        signer.signed_at = Some(now);
        let recipient_id = signer.id.clone();
        self.emit(index, "recipient-completed", Some(recipient_id));
        self.route(index);
    }

    fn complete(&mut self, index: usize) {
        let now = self.clock.now();
        let envelope = &mut self.envelopes[index];
        for recipient in &mut envelope.recipients {
            if recipient.kind == RecipientKind::CarbonCopy {
                recipient.status = RecipientStatus::Completed;
                recipient.sent_at.get_or_insert(now);
            }
        }
        envelope.set_status(EnvelopeStatus::Completed, now);
        envelope.completed_at = Some(now);
        for position in 0..self.envelopes[index].recipients.len() {
            self.mail(index, position, EmailKind::Completed, "Completed", now);
        }
        self.emit(index, "envelope-completed", None);
    }

    fn void(&mut self, index: usize, reason: String) {
        let now = self.clock.now();
        let envelope = &mut self.envelopes[index];
        envelope.set_status(EnvelopeStatus::Voided, now);
        envelope.voided_at = Some(now);
        envelope.voided_reason = Some(reason);
        // Those the envelope had reached are told it was voided.
        for position in 0..self.envelopes[index].recipients.len() {
            if self.envelopes[index].recipients[position].sent_at.is_some() {
                self.mail(index, position, EmailKind::Cancelled, "Voided", now);
            }
        }
        self.emit(index, "envelope-voided", None);
    }

    /// Records the e-mail of `kind` to the recipient at `position`, its subject the envelope's
    /// after `prefix` (`Please DocuSign: NDA`).
    fn mail(
        &mut self,
        index: usize,
        position: usize,
        kind: EmailKind,
        prefix: &str,
        now: OffsetDateTime,
    ) {
        let envelope = &self.envelopes[index];
        let recipient = &envelope.recipients[position];
        let subject = format!(
            "{prefix}: {}",
            envelope.email_subject.as_deref().unwrap_or_default()
        );
        let email = Email::new(
            now,
            envelope.id.as_str(),
            recipient.email.as_str(),
            kind,
            subject,
        )
        .with_name(Some(recipient.name.clone()));
        self.emails.push(email);
    }

    /// Queues the Connect message of `event` if the envelope's `eventNotification` asks for it.
    fn emit(&mut self, index: usize, event: &'static str, recipient_id: Option<String>) {
        let at = self.clock.now();
        let envelope = &self.envelopes[index];
        let Some(notification) = &envelope.notification else {
            return;
        };
        if !notification.events.contains(&event) {
            return;
        }
        let includes = |name: &str| notification.include_data.iter().any(|item| item == name);
        let include = Include {
            recipients: includes("recipients"),
            custom_fields: includes("custom_fields"),
            documents: includes("documents"),
        };
        let mut data = json!({
            "accountId": envelope.account_id,
            "userId": self.user_id,
            "envelopeId": envelope.id,
            "envelopeSummary": render::envelope(envelope, &self.sender(), include),
        });
        if let (Some(recipient_id), Some(data)) = (recipient_id, data.as_object_mut()) {
            data.insert("recipientId".to_owned(), Value::String(recipient_id));
        }
        let payload = json!({
            "event": event,
            "apiVersion": "v2.1",
            "uri": format!("/restapi/v2.1/accounts/{}/envelopes/{}", envelope.account_id, envelope.id),
            "retryCount": 0,
            "configurationId": CONFIGURATION_ID,
            "generatedDateTime": clock::format(at),
            "data": data,
        });
        let asked_for_data = !notification.include_data.is_empty();
        let sent = answers::connect_message(self.mode, payload.clone(), asked_for_data);
        let message = Message::new(
            &notification.url,
            event,
            &envelope.id,
            &sent,
            &payload,
            notification.include_hmac,
            &self.hmac_keys,
        );
        self.outbox.push(message);
    }
}

/// Refuses to send an envelope that lacks what sending needs.
fn check_complete(envelope: &Envelope, subject: Option<&str>) -> Result<(), ApiError> {
    if subject.is_none_or(|subject| subject.trim().is_empty()) {
        return Err(ApiError::incomplete("An emailSubject is required to send."));
    }
    if envelope.documents.is_empty() {
        return Err(ApiError::incomplete(
            "At least one document is required to send.",
        ));
    }
    if envelope.signers().next().is_none() {
        return Err(ApiError::incomplete(
            "At least one signer is required to send.",
        ));
    }
    Ok(())
}

fn invalid_status(status: EnvelopeStatus, detail: &str) -> ApiError {
    ApiError::new(
        "ENVELOPE_INVALID_STATUS",
        format!("Invalid envelope status: {}. {detail}", status.as_str()),
    )
}

/// The time a listing compares `from_date` and `to_date` with.
pub(super) fn changed_at(envelope: &Envelope) -> OffsetDateTime {
    envelope.status_changed_at.max(envelope.last_modified_at)
}

//! Inbound e-mail, one pipeline for the three ways in (`leitstand mailgate`, the IMAP poller,
//! `POST /api/v1/mail/inbound`): the raw message is stored first (once per mailbox: the same
//! bytes or Message-ID again is the same message), then read through: machine mail and
//! bounces are journaled and change nothing; a person's mail threads to its record (our
//! Message-IDs, then the subject tag, never the subject's words) as a public comment, or
//! becomes a new incident for the sender. Reading through writes its record with the
//! message's own `Idempotency-Key`, so a process killed half-way and a second reading give
//! one journal entry.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Actor;
use crate::db::Db;
use crate::domain::journal::SystemNote;
use crate::domain::mail::{self, Inbound};
use crate::domain::ticket::TicketRef;
use crate::domain::{Invalid, Permission, Role};
use crate::error::{AppError, AppResult};
use crate::service::attachments::Attachable;
use crate::service::idempotency::{Created, Idempotency};
use crate::service::journal::CommentInput;
use crate::store;
use crate::store::journal::Subject;
use crate::store::mail::{MailboxRow, NewMessage, Outcome};

/// The largest message taken (25 MB); a larger one is refused with a clear answer.
pub const MAX_MESSAGE: usize = 25 * 1024 * 1024;

/// How a message came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Mailgate,
    Imap,
    Api,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Mailgate => "mailgate",
            Via::Imap => "imap",
            Via::Api => "api",
        }
    }
}

/// A message as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub mailbox: String,
    /// `mailgate`, `imap` or `api`.
    pub via: String,
    pub message_id: Option<String>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    /// `received` (stored, being read), `processed`, `failed` (see `error`; retry it) or
    /// `quarantined` (an unknown sender, per mailbox).
    pub state: String,
    /// `conversation`, `automatic` (machine mail: journaled, changes nothing) or `bounce`.
    pub kind: Option<String>,
    pub error: Option<String>,
    /// The record it went to.
    pub record: Option<String>,
    /// Bytes of the raw message.
    pub size: i64,
    pub received_at: jiff::Timestamp,
    pub processed_at: Option<jiff::Timestamp>,
    /// `true`: the mailbox had this message already (the same bytes or Message-ID); nothing
    /// was done again.
    pub duplicate: bool,
}

impl MessageView {
    fn from_row(row: store::mail::MessageRow, duplicate: bool) -> Self {
        MessageView {
            id: row.id,
            mailbox: row.mailbox,
            via: row.via,
            message_id: row.message_id,
            sender: row.sender,
            subject: row.subject,
            state: row.state,
            kind: row.kind,
            error: row.error,
            record: row.record,
            size: row.size,
            received_at: row.received_at,
            processed_at: row.processed_at,
            duplicate,
        }
    }
}

/// Stores a raw message for a mailbox and reads it through. `Err` only for what a retry can
/// cure (the database away): the MTA is told to try again (`leitstand mailgate` exits 75).
/// A message that cannot be read is kept as `failed` with the reason, never dropped.
pub async fn receive(db: &Db, mailbox: &str, via: Via, raw: &[u8]) -> AppResult<MessageView> {
    if raw.len() > MAX_MESSAGE {
        return Err(AppError::MailTooLarge);
    }
    let mut conn = db.acquire().await?;
    let Some(mailbox) = store::mail::find_mailbox(&mut conn, mailbox, false).await? else {
        return Err(AppError::field("mailbox", "error.unknown_mailbox"));
    };
    if !mailbox.enabled {
        return Err(AppError::field("mailbox", "error.mailbox_disabled"));
    }
    let read = mail::read(raw);
    let parsed = read.as_ref().ok();
    let sha256 = Sha256::digest(raw);
    let (id, new) = store::mail::store(
        &mut conn,
        &NewMessage {
            mailbox_id: mailbox.id,
            via: via.as_str(),
            raw,
            sha256: &sha256,
            message_id: parsed.and_then(|p| p.message_id.as_deref()),
            sender: parsed.and_then(|p| p.from.as_deref()),
            subject: parsed.map(|p| p.subject.as_str()),
        },
    )
    .await?;
    drop(conn);
    if new {
        metrics::counter!("mail_received_total", "via" => via.as_str()).increment(1);
        process(db, id).await?;
    } else {
        // A message stored before but not read through (the process died) is read now.
        let earlier = find(db, id).await?;
        if earlier.state == "received" {
            process(db, id).await?;
        }
    }
    let row = find(db, id).await?;
    Ok(MessageView::from_row(row, !new))
}

/// A message over the size limit that a server holds (IMAP): its header is kept as a failed
/// message naming the size, so an admin sees who wrote; it is not read through.
pub async fn refuse_too_large(
    db: &Db,
    mailbox: &str,
    via: Via,
    header: &[u8],
    size: u64,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let Some(mailbox) = store::mail::find_mailbox(&mut tx, mailbox, false).await? else {
        return Err(AppError::field("mailbox", "error.unknown_mailbox"));
    };
    let parsed = mail::read(header).ok();
    let sha256 = Sha256::digest(header);
    let (id, new) = store::mail::store(
        &mut tx,
        &NewMessage {
            mailbox_id: mailbox.id,
            via: via.as_str(),
            raw: header,
            sha256: &sha256,
            message_id: parsed.as_ref().and_then(|p| p.message_id.as_deref()),
            sender: parsed.as_ref().and_then(|p| p.from.as_deref()),
            subject: parsed.as_ref().map(|p| p.subject.as_str()),
        },
    )
    .await?;
    if new {
        let reason = format!(
            "too large: {size} bytes, more than the limit of {} MB; left on the server (header kept)",
            MAX_MESSAGE / 1024 / 1024
        );
        store::mail::finish(
            &mut tx,
            id,
            &Outcome {
                state: "failed",
                kind: None,
                error: Some(&reason),
                record: None,
                quoted: None,
                entry: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn find(db: &Db, id: i64) -> AppResult<store::mail::MessageRow> {
    let mut conn = db.acquire().await?;
    store::mail::find_message(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// What reading a message through decided.
struct Decision {
    state: &'static str,
    kind: Option<&'static str>,
    error: Option<String>,
    record: Option<Subject>,
    /// The journal entry the message became (its quoted history is shown with it).
    entry: Option<i64>,
}

impl Decision {
    fn failed(reason: impl Into<String>) -> Self {
        Decision {
            state: "failed",
            kind: None,
            error: Some(reason.into()),
            record: None,
            entry: None,
        }
    }
}

/// Reads a stored message through (again): skipped when another process is reading it or
/// it was read through.
pub async fn process(db: &Db, id: i64) -> AppResult<()> {
    // Claimed for a while, without holding a connection: a second reader skips it, and the
    // message's own Idempotency-Key makes a reader after a crash write nothing twice.
    let (raw, mailbox) = {
        let mut conn = db.acquire().await?;
        let Some((raw, mailbox_id)) = store::mail::claim_raw(&mut conn, id).await? else {
            return Ok(());
        };
        let mailbox = store::mail::mailboxes(&mut conn)
            .await?
            .into_iter()
            .find(|m| m.id == mailbox_id)
            .ok_or(AppError::NotFound)?;
        (raw, mailbox)
    };
    let read = mail::read(&raw);
    let sha256 = Sha256::digest(&raw).to_vec();
    let (decision, quoted) = match read {
        Err(reason) => (Decision::failed(reason), None),
        Ok(message) => {
            let quoted = message.quoted.clone();
            (decide(db, &mailbox, id, &sha256, &message).await?, quoted)
        }
    };
    let mut tx = db.begin().await?;
    store::mail::finish(
        &mut tx,
        id,
        &Outcome {
            state: decision.state,
            kind: decision.kind,
            error: decision.error.as_deref(),
            record: decision.record,
            quoted: quoted.as_deref(),
            entry: decision.entry,
        },
    )
    .await?;
    if let (Some(record), Ok(message)) = (decision.record, mail::read(&raw))
        && decision.kind == Some("conversation")
        && let Some(message_id) = &message.message_id
    {
        store::mail::remember_thread(&mut tx, message_id, record).await?;
    }
    tx.commit().await?;
    metrics::counter!("mail_processed_total", "state" => decision.state).increment(1);
    Ok(())
}

/// The record a message is about: a reply to one of our (or a threaded) Message-IDs first,
/// then the subject's tag.
async fn threaded(db: &Db, message: &Inbound) -> AppResult<Option<(Subject, String)>> {
    let mut conn = db.acquire().await?;
    let mut ids = message.thread_ids.clone();
    if let Some(original) = message
        .bounce
        .as_ref()
        .and_then(|b| b.original_message_id.clone())
    {
        ids.insert(0, original);
    }
    if let Some(subject) = store::mail::thread(&mut conn, &ids).await? {
        let number = record_number(&mut conn, subject).await?;
        return Ok(number.map(|n| (subject, n)));
    }
    let found = match mail::subject_tag(&message.subject) {
        Some(TicketRef::Incident(n)) => store::incidents::find_by_number(&mut conn, &n)
            .await?
            .map(|i| (Subject::Incident(i.id), n)),
        Some(TicketRef::Request(n)) => store::requests::find_by_number(&mut conn, &n)
            .await?
            .map(|r| (Subject::Request(r.id), n)),
        Some(TicketRef::Problem(n)) => store::problems::find_by_number(&mut conn, &n)
            .await?
            .map(|p| (Subject::Problem(p.id), n)),
        None => None,
    };
    Ok(found)
}

async fn record_number(
    conn: &mut sqlx::PgConnection,
    subject: Subject,
) -> sqlx::Result<Option<String>> {
    Ok(match subject {
        Subject::Incident(id) => store::incidents::find_by_id(conn, id)
            .await?
            .map(|i| i.number),
        Subject::Request(id) => store::requests::find_by_id(conn, id)
            .await?
            .map(|r| r.number),
        Subject::Problem(id) => store::problems::find_by_id(conn, id)
            .await?
            .map(|p| p.number),
        Subject::Task(_) | Subject::Improvement(_) => None,
    })
}

async fn decide(
    db: &Db,
    mailbox: &MailboxRow,
    id: i64,
    sha256: &[u8],
    message: &Inbound,
) -> AppResult<Decision> {
    let record = threaded(db, message).await?;
    if let Some(bounce) = &message.bounce {
        return note_machine_mail(db, record.map(|r| r.0), message, Some(bounce)).await;
    }
    if message.automatic.is_some() {
        return note_machine_mail(db, record.map(|r| r.0), message, None).await;
    }
    let Some(from) = message.from.as_deref() else {
        return Ok(Decision::failed("the message names no sender (From)"));
    };
    let Some(actor) = sender(db, mailbox, from, message.from_name.as_deref()).await? else {
        return Ok(Decision {
            state: "quarantined",
            kind: Some("conversation"),
            error: Some(format!("{from} has no account here (or it is inactive)")),
            record: None,
            entry: None,
        });
    };
    let idempotency = Idempotency {
        key: format!("mail-{id}"),
        operation: "mail inbound".to_owned(),
        request_hash: sha256.to_vec(),
    };
    let text = if message.text.is_empty() {
        "(no text)".to_owned()
    } else {
        message.text.clone()
    };
    let (files, refused) = stage_files(db, &actor, &message.files).await?;
    let text = with_notes(text, &refused);
    match converse(
        db,
        &actor,
        record.clone(),
        message,
        &text,
        files,
        idempotency.clone(),
    )
    .await
    {
        // More than the record may hold: the words without the files, saying so.
        Err(error @ AppError::AttachmentTooLarge { .. }) => {
            let names: Vec<&str> = message.files.iter().map(|f| f.name.as_str()).collect();
            let text = with_notes(text, &[not_attached(&actor, &names.join(", "), &error)]);
            converse(db, &actor, record, message, &text, Vec::new(), idempotency).await
        }
        decided => decided,
    }
}

/// The note, in the sender's language, that files of their mail were left out and why.
fn not_attached(actor: &Actor, names: &str, error: &AppError) -> String {
    let tr = crate::i18n::Tr::new(actor.locale);
    let why = error.problem(tr).detail.unwrap_or_default();
    tr.tn("mail.files_not_attached", &[names, &why])
}

/// The files of a person's mail, stored; a file over a limit is left out, with a note in the
/// sender's language saying so.
async fn stage_files(
    db: &Db,
    actor: &Actor,
    files: &[mail::MailFile],
) -> AppResult<(Vec<crate::service::attachments::Staged>, Vec<String>)> {
    let mut staged: Vec<crate::service::attachments::Staged> = Vec::new();
    let mut refused = Vec::new();
    for file in files {
        let already = staged.iter().map(|f| f.size).sum();
        match crate::service::attachments::stage_bytes(
            db,
            &file.name,
            file.inline,
            already,
            &file.content,
        )
        .await
        {
            Ok(one) => staged.push(one),
            Err(error @ AppError::AttachmentTooLarge { .. }) => {
                refused.push(not_attached(actor, &file.name, &error));
            }
            Err(other) => return Err(other),
        }
    }
    Ok((staged, refused))
}

fn with_notes(text: String, notes: &[String]) -> String {
    if notes.is_empty() {
        return text;
    }
    format!("{text}\n\n{}", notes.join("\n"))
}

/// A person's mail with its files: on the record it threads to when they may write there,
/// else a new incident of theirs.
async fn converse(
    db: &Db,
    actor: &Actor,
    record: Option<(Subject, String)>,
    message: &Inbound,
    text: &str,
    files: Vec<crate::service::attachments::Staged>,
    idempotency: Idempotency,
) -> AppResult<Decision> {
    if let Some((subject, number)) = record {
        match add_to(
            db,
            actor,
            subject,
            &number,
            text,
            files.clone(),
            idempotency.clone(),
        )
        .await
        {
            Ok((record, entry)) => {
                return Ok(Decision {
                    state: "processed",
                    kind: Some("conversation"),
                    error: None,
                    record: Some(record),
                    entry: Some(entry),
                });
            }
            // Not theirs to write to: the mail is a new incident of theirs, and says nothing
            // of the record it named.
            Err(AppError::NotFound | AppError::Forbidden | AppError::OutsideGroups(_)) => {}
            Err(error @ AppError::Validation(_)) => return Ok(Decision::failed(error.to_string())),
            Err(other) => return Err(other),
        }
    }
    let title = if message.subject.is_empty() {
        text.lines().next().unwrap_or("(no subject)").to_owned()
    } else {
        message.subject.clone()
    };
    let title: String = title.chars().take(200).collect();
    match crate::service::incidents::report_once(
        db,
        actor,
        Some(title),
        Some(text.to_owned()),
        files,
        Some(idempotency),
    )
    .await
    {
        Ok(created) => {
            let record = Subject::Incident(incident_id(db, &created).await?);
            Ok(Decision {
                state: "processed",
                kind: Some("conversation"),
                error: None,
                record: Some(record),
                entry: Some(first_entry(db, record).await?),
            })
        }
        Err(error @ AppError::Validation(_)) => Ok(Decision::failed(error.to_string())),
        Err(other) => Err(other),
    }
}

async fn incident_id(
    db: &Db,
    created: &Created<crate::service::incidents::IncidentView>,
) -> AppResult<uuid::Uuid> {
    let number = match created {
        Created::New(view) => view.number.clone(),
        Created::Replayed { body, .. } => body["number"].as_str().unwrap_or_default().to_owned(),
    };
    let mut conn = db.acquire().await?;
    store::incidents::find_by_number(&mut conn, &number)
        .await?
        .map(|i| i.id)
        .ok_or(AppError::NotFound)
}

/// The entry that logged a record.
async fn first_entry(db: &Db, record: Subject) -> AppResult<i64> {
    let mut conn = db.acquire().await?;
    Ok(store::journal::first_entry(&mut conn, record).await?)
}

/// The journal entry a comment became (or became the first time, for a retry).
fn entry_of(created: &Created<crate::service::journal::JournalView>) -> Option<i64> {
    match created {
        Created::New(view) => Some(view.id),
        Created::Replayed { body, .. } => body["id"].as_i64(),
    }
}

/// A person's words on a record they may write to: a public comment, or for an incident of
/// theirs that is closed, a follow-up incident continuing it; with the entry they became.
async fn add_to(
    db: &Db,
    actor: &Actor,
    subject: Subject,
    number: &str,
    text: &str,
    files: Vec<crate::service::attachments::Staged>,
    idempotency: Idempotency,
) -> AppResult<(Subject, i64)> {
    let input = CommentInput {
        body: Some(text.to_owned()),
        internal: false,
        files,
    };
    let kind = match subject {
        Subject::Incident(id) => {
            let closed_and_theirs = {
                let mut conn = db.acquire().await?;
                store::incidents::find_by_id(&mut conn, id)
                    .await?
                    .is_some_and(|i| {
                        i.state == crate::domain::incident::IncidentState::Closed
                            && i.caller_id == Some(actor.id)
                    })
            };
            if closed_and_theirs {
                let created = crate::service::incidents::follow_up_once(
                    db,
                    actor,
                    number,
                    Some(text.to_owned()),
                    input.files,
                    Some(idempotency),
                )
                .await?;
                let record = Subject::Incident(incident_id(db, &created).await?);
                return Ok((record, first_entry(db, record).await?));
            }
            Attachable::Incident
        }
        Subject::Request(_) => Attachable::Request,
        Subject::Problem(_) => Attachable::Problem,
        Subject::Task(_) | Subject::Improvement(_) => return Err(AppError::NotFound),
    };
    // The record kind's own comment rules, as for a comment with files from the pages.
    let created =
        crate::service::attachments::add(db, actor, kind, number, input, Some(idempotency)).await?;
    let entry = entry_of(&created).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "a mail's comment answered without its entry"
        ))
    })?;
    Ok((subject, entry))
}

/// Machine mail (and bounces) are journaled on the record they are about, as the system, and
/// change nothing: no state, no event, no notification. A bounce marks the address
/// undeliverable.
async fn note_machine_mail(
    db: &Db,
    record: Option<Subject>,
    message: &Inbound,
    bounce: Option<&mail::Bounce>,
) -> AppResult<Decision> {
    let from = message
        .from
        .clone()
        .unwrap_or_else(|| "(no sender)".to_owned());
    let note = match bounce {
        Some(b) => SystemNote::Bounced {
            address: b.recipient.clone(),
            status: b.status.clone(),
        },
        None => SystemNote::AutomaticMail {
            from,
            reason: message.automatic.unwrap_or_default().to_owned(),
        },
    };
    let mut tx = db.begin().await?;
    if let Some(b) = bounce {
        let reason = match &b.diagnostic {
            Some(d) => format!("{} {d}", b.status),
            None => b.status.clone(),
        };
        store::mail::mark_undeliverable(&mut tx, &b.recipient, &reason).await?;
    }
    if let Some(subject) = record {
        crate::service::journal::note(&mut tx, subject, None, &note).await?;
    }
    tx.commit().await?;
    Ok(Decision {
        state: "processed",
        kind: Some(if bounce.is_some() {
            "bounce"
        } else {
            "automatic"
        }),
        error: None,
        record,
        entry: None,
    })
}

/// The sender's account; an unknown sender becomes a caller when the mailbox says so.
async fn sender(
    db: &Db,
    mailbox: &MailboxRow,
    from: &str,
    name: Option<&str>,
) -> AppResult<Option<Actor>> {
    let user = {
        let mut conn = db.acquire().await?;
        store::users::find_by_email(&mut conn, from).await?
    };
    let id = match user {
        Some(user) => user.id,
        None if mailbox.unknown_senders == "create" => {
            let name = name.map_or_else(
                || from.split('@').next().unwrap_or(from).to_owned(),
                str::to_owned,
            );
            let input = crate::service::users::UserInput {
                email: Some(from.to_owned()),
                name: Some(name.chars().take(200).collect()),
                role: Some(Role::Caller.as_str().to_owned()),
                ..Default::default()
            };
            match crate::service::users::create_as_operator(db.pool(), input).await {
                Ok(user) => {
                    let mut conn = db.acquire().await?;
                    let Some(user) = store::users::find_by_email(&mut conn, &user.email).await?
                    else {
                        return Ok(None);
                    };
                    user.id
                }
                // Made meanwhile by another reader of the same mail, or an address the desk
                // does not take: looked up once more.
                Err(AppError::Conflict(_)) => {
                    let mut conn = db.acquire().await?;
                    match store::users::find_by_email(&mut conn, from).await? {
                        Some(user) => user.id,
                        None => return Ok(None),
                    }
                }
                Err(AppError::Validation(_)) => return Ok(None),
                Err(other) => return Err(other),
            }
        }
        None => return Ok(None),
    };
    crate::service::actor::actor_by_id(db, id).await
}

/// Reads the stored messages again that no process finished (one died, or the database was
/// away); returns how many.
pub async fn resume_stalled(db: &Db) -> AppResult<usize> {
    let ids = {
        let mut conn = db.acquire().await?;
        store::mail::stalled(&mut conn, 100).await?
    };
    for id in &ids {
        process(db, *id).await?;
    }
    Ok(ids.len())
}

/// Reads a failed or quarantined message through again (an admin, after fixing the cause:
/// the sender's account made, the mailbox changed).
pub async fn retry(db: &Db, actor: &Actor, id: i64) -> AppResult<MessageView> {
    actor.require(Permission::Administer)?;
    let row = find(db, id).await?;
    if row.state == "processed" {
        return Err(AppError::Conflict("error.mail_processed"));
    }
    if row
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with("too large"))
    {
        // Only its header is here: reading it through would make a record without the mail.
        return Err(AppError::Conflict("error.mail_too_large_kept"));
    }
    process(db, id).await?;
    Ok(MessageView::from_row(find(db, id).await?, false))
}

/// The messages not read through (received, failed, quarantined), the newest first.
pub async fn open_messages(
    db: &Db,
    actor: &Actor,
    state: Option<&str>,
    page: super::PageRequest,
) -> AppResult<super::Page<MessageView>> {
    actor.require(Permission::Administer)?;
    let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s @ ("received" | "failed" | "quarantined")) => Some(s),
        Some(_) => {
            return Err(AppError::InvalidParameter(
                crate::domain::validation::FieldError::new("state", "error.mail_state"),
            ));
        }
        None => None,
    };
    let after = id_cursor(page.after.as_deref())?;
    let mut conn = db.acquire().await?;
    let rows = store::mail::open_messages(&mut conn, state, after, page.limit).await?;
    Ok(super::Page::from_rows(
        rows,
        page.limit,
        |m| m.id.to_string(),
        |m| MessageView::from_row(m, false),
    ))
}

/// A list's cursor that is a row id.
pub(crate) fn id_cursor(cursor: Option<&str>) -> AppResult<Option<i64>> {
    cursor
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                AppError::InvalidParameter(crate::domain::validation::FieldError::new(
                    "cursor",
                    "error.cursor",
                ))
            })
        })
        .transpose()
}

/// A mailbox as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MailboxView {
    pub key: String,
    pub name: String,
    /// Our address, as callers write to it.
    pub address: String,
    /// `create` (an unknown sender becomes a caller) or `quarantine` (held for an admin).
    pub unknown_senders: String,
    pub enabled: bool,
    pub version: i64,
    pub updated_at: jiff::Timestamp,
    /// The IMAP server its mail is fetched from, if any (never with the secrets).
    pub imap: Option<super::imap::ImapView>,
}

impl From<MailboxRow> for MailboxView {
    fn from(row: MailboxRow) -> Self {
        MailboxView {
            key: row.key,
            name: row.name,
            address: row.address,
            unknown_senders: row.unknown_senders,
            enabled: row.enabled,
            version: row.version,
            updated_at: row.updated_at,
            imap: row.imap.as_ref().map(super::imap::ImapView::from),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxInput {
    /// Lowercase slug; required on create, fixed afterwards.
    pub key: Option<String>,
    /// Required on create.
    pub name: Option<String>,
    /// Required on create.
    pub address: Option<String>,
    /// `create` (default) or `quarantine`.
    pub unknown_senders: Option<String>,
    pub enabled: Option<bool>,
    /// Fetch the mailbox's mail from an IMAP server; `null` stops fetching.
    #[serde(default, deserialize_with = "super::fields::present")]
    #[schema(value_type = Option<super::imap::ImapInput>)]
    pub imap: Option<Option<super::imap::ImapInput>>,
}

fn mailbox_values(
    invalid: &mut Invalid,
    input: &MailboxInput,
    current: Option<&MailboxRow>,
) -> (String, String, String, bool) {
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .map(str::to_owned)
        .or_else(|| current.map(|c| c.name.clone()))
        .unwrap_or_default();
    if name.is_empty() {
        invalid.add("name", "error.required");
    } else if name.chars().count() > 200 {
        invalid.add("name", "error.too_long");
    }
    let address = input
        .address
        .as_deref()
        .map(|a| a.trim().to_lowercase())
        .or_else(|| current.map(|c| c.address.clone()))
        .unwrap_or_default();
    let valid_address = address.len() <= 320
        && address
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !address.chars().any(char::is_whitespace);
    if address.is_empty() {
        invalid.add("address", "error.required");
    } else if !valid_address {
        invalid.add("address", "error.email");
    }
    let unknown = input
        .unknown_senders
        .as_deref()
        .map(str::trim)
        .map(str::to_owned)
        .or_else(|| current.map(|c| c.unknown_senders.clone()))
        .unwrap_or_else(|| "create".to_owned());
    if !matches!(unknown.as_str(), "create" | "quarantine") {
        invalid.add("unknown_senders", "error.unknown_senders");
    }
    let enabled = input
        .enabled
        .unwrap_or_else(|| current.is_none_or(|c| c.enabled));
    (name, address, unknown, enabled)
}

pub async fn create_mailbox(db: &Db, actor: &Actor, input: MailboxInput) -> AppResult<MailboxView> {
    actor.require(Permission::Administer)?;
    let mut invalid = Invalid::default();
    let key = invalid.check(
        "key",
        crate::domain::Slug::parse(input.key.as_deref().unwrap_or_default()),
    );
    let (name, address, unknown, enabled) = mailbox_values(&mut invalid, &input, None);
    let imap = super::imap::values(&mut invalid, input.imap.as_ref().map(Option::as_ref), None);
    let Some(key) = key else {
        return Err(invalid.into());
    };
    invalid.finish(|| ())?;
    let mut conn = db.acquire().await?;
    let values = store::mail::MailboxValues {
        name: &name,
        address: &address,
        unknown_senders: &unknown,
        enabled,
        imap: imap.as_ref().map(Option::as_ref),
    };
    if !store::mail::insert_mailbox(&mut conn, key.as_str(), &values).await? {
        return Err(AppError::Conflict("error.mailbox_key_taken"));
    }
    store::mail::find_mailbox(&mut conn, key.as_str(), false)
        .await?
        .map(MailboxView::from)
        .ok_or(AppError::NotFound)
}

pub async fn update_mailbox(
    db: &Db,
    actor: &Actor,
    key: &str,
    input: MailboxInput,
    if_match: Option<i64>,
) -> AppResult<MailboxView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let row = store::mail::find_mailbox(&mut tx, key, true)
        .await?
        .ok_or(AppError::NotFound)?;
    super::check_version(row.version, if_match, || MailboxView::from(row.clone()))?;
    let mut invalid = Invalid::default();
    super::fields::refuse_new_key(&mut invalid, input.key.as_deref(), &row.key);
    let (name, address, unknown, enabled) = mailbox_values(&mut invalid, &input, Some(&row));
    let imap = super::imap::values(
        &mut invalid,
        input.imap.as_ref().map(Option::as_ref),
        row.imap.as_ref(),
    );
    invalid.finish(|| ())?;
    let values = store::mail::MailboxValues {
        name: &name,
        address: &address,
        unknown_senders: &unknown,
        enabled,
        imap: imap.as_ref().map(Option::as_ref),
    };
    store::mail::update_mailbox(&mut tx, row.id, &values).await?;
    let row = store::mail::find_mailbox(&mut tx, key, false)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn mailboxes(db: &Db, actor: &Actor) -> AppResult<Vec<MailboxView>> {
    actor.require(Permission::Administer)?;
    let mut conn = db.acquire().await?;
    Ok(store::mail::mailboxes(&mut conn)
        .await?
        .into_iter()
        .map(MailboxView::from)
        .collect())
}

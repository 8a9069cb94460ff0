//! Notifications by e-mail, made from the outbox (`events`) after their cause committed:
//! the caller hears of their record's logging, the desk's public answers and its resolution
//! (with the portal link to confirm or reject it); the assignee of a new assignment, of the
//! caller's answers and of a service level at risk. In the recipient's language, each with
//! our Message-ID and the record's tag so replies thread back. Work notes never reach mail.
//! At most 10 automatic mails per record an hour, and one acknowledgement of a sender's mail
//! per 7 days; a person may turn mail off.

use crate::domain::journal::SystemNote;
use crate::i18n::Tr;
use crate::store;
use crate::store::journal::Subject;
use crate::store::mail_out::{NewMail, Notifiable, Recipient};

/// What the mails say about the desk, from the configuration.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The domain of our Message-IDs (the From address's).
    pub domain: String,
    /// The address people reach the desk at, for links (`https://desk.example.com`).
    pub public_url: Option<String>,
}

/// The mails one event gives: to whom, and why.
fn reasons(event: &Notifiable) -> Vec<(&'static str, Option<uuid::Uuid>)> {
    let changed_to = |field: &str| {
        event
            .changes
            .as_ref()
            .and_then(|c| c.get(field))
            .and_then(|c| c.get("to"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let by_caller = event.author_id.is_some() && event.author_id == event.caller_id;
    let mut out = Vec::new();
    match event.kind.as_str() {
        "created" => out.push(("created", event.caller_id)),
        "commented" if by_caller => out.push(("commented", event.assignee_id)),
        "commented" => out.push(("commented", event.caller_id)),
        "transitioned"
            if matches!(
                changed_to("state").as_deref(),
                Some("resolved" | "fulfilled")
            ) =>
        {
            out.push(("resolved", event.caller_id));
        }
        "sla_at_risk" => out.push(("sla_at_risk", event.assignee_id)),
        _ => {}
    }
    if matches!(event.kind.as_str(), "changed" | "transitioned" | "created")
        && changed_to("assignee").is_some()
    {
        out.push(("assigned", event.assignee_id));
    }
    // Nobody is told what they did themselves.
    out.retain(|(_, to)| to.is_some() && *to != event.author_id);
    out
}

/// The subject and body of a mail, in the recipient's language.
fn compose(
    tr: Tr,
    reason: &str,
    event: &Notifiable,
    recipient: &Recipient,
    sender: &Sender,
) -> (String, String) {
    let kind = if event.record_kind == "incident" {
        tr.t("notify.incident")
    } else {
        tr.t("notify.request")
    };
    let subject = format!(
        "[{}] {}",
        event.number,
        tr.tn(&format!("notify.{reason}.subject"), &[kind, &event.title])
    );
    let mut body = tr.t1("notify.greeting", &recipient.name);
    body.push_str("\n\n");
    body.push_str(&tr.tn(
        &format!("notify.{reason}.body"),
        &[kind, &event.number, &event.title],
    ));
    if reason == "commented"
        && let Some(text) = &event.entry_body
    {
        body.push_str("\n\n");
        body.push_str(text);
    }
    if let Some(base) = &sender.public_url {
        let link = if recipient.id == event.caller_id.unwrap_or_default() {
            format!("{base}/portal/{}s/{}", event.record_kind, event.number)
        } else {
            format!("{base}/{}s/{}", event.record_kind, event.number)
        };
        body.push_str("\n\n");
        let key = if reason == "resolved" {
            "notify.confirm_link"
        } else {
            "notify.link"
        };
        body.push_str(&tr.t1(key, link));
    }
    body.push_str("\n\n");
    body.push_str(tr.t("notify.reply_hint"));
    body.push_str("\n-- \n");
    body.push_str(tr.t("notify.footer"));
    (subject, body)
}

/// Makes the mails of up to `limit` events not yet handed over, in one transaction with their
/// mark. Returns the events handled.
pub async fn make_mails(
    db: &sqlx::PgPool,
    sender: &Sender,
    limit: i64,
) -> crate::error::AppResult<usize> {
    let mut tx = db.begin().await?;
    let events = store::mail_out::claim_events(&mut tx, limit).await?;
    for event in &events {
        for (reason, to) in reasons(event) {
            let Some(to) = to else { continue };
            let Some(recipient) = store::mail_out::recipient(&mut tx, to).await? else {
                continue;
            };
            if !recipient.reachable {
                continue;
            }
            let suppressed =
                if store::mail_out::recent_for_record(&mut tx, event.record_id).await? >= 10 {
                    Some("10 automatic mails about this record in the last hour")
                } else if reason == "created"
                    && store::mail_out::made_from_mail(&mut tx, event.record_id).await?
                    && store::mail_out::acknowledged_lately(&mut tx, &recipient.email).await?
                {
                    Some("one acknowledgement per sender in 7 days")
                } else {
                    None
                };
            let tr = Tr::new(recipient.locale);
            let (subject, body) = compose(tr, reason, event, &recipient, sender);
            let message_id = format!(
                "leitstand.{}@{}",
                uuid::Uuid::now_v7().simple(),
                sender.domain
            );
            let root = store::mail_out::thread_root(&mut tx, event.record_id).await?;
            store::mail_out::queue(
                &mut tx,
                &NewMail {
                    event_id: event.event_id,
                    reason,
                    recipient: &recipient,
                    record_kind: event.record_kind,
                    record_id: event.record_id,
                    subject: &subject,
                    body: &body,
                    message_id: &message_id,
                    in_reply_to: root.as_deref(),
                    suppressed,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(events.len())
}

/// Journals a mail's outcome on its record, as the system: "sent" only once the server
/// accepted it.
pub async fn journal_outcome(
    conn: &mut sqlx::PgConnection,
    incident: Option<uuid::Uuid>,
    request: Option<uuid::Uuid>,
    note: &SystemNote,
) -> crate::error::AppResult<()> {
    let subject = match (incident, request) {
        (Some(id), _) => Subject::Incident(id),
        (None, Some(id)) => Subject::Request(id),
        (None, None) => return Ok(()),
    };
    crate::service::journal::note(conn, subject, None, note).await
}

/// A notification that has not gone out, as admins see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OutgoingView {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    /// What it tells: `created`, `commented`, `resolved`, `assigned`, `sla_at_risk`.
    pub reason: String,
    /// `failed` (refused for good, or not accepted within 48 hours) or `pending` (being
    /// retried after a failure).
    pub state: String,
    pub attempts: i32,
    /// The mail server's last answer, or why it could not be reached.
    pub last_error: Option<String>,
    /// The record it is about.
    pub record: Option<String>,
    pub created_at: jiff::Timestamp,
    /// When it is tried next (while pending).
    pub next_attempt_at: jiff::Timestamp,
}

impl From<store::mail_out::Troubled> for OutgoingView {
    fn from(t: store::mail_out::Troubled) -> Self {
        OutgoingView {
            id: t.id,
            recipient: t.recipient,
            subject: t.subject,
            reason: t.reason,
            state: t.state,
            attempts: t.attempts,
            last_error: t.last_error,
            record: t.record,
            created_at: t.created_at,
            next_attempt_at: t.next_attempt_at,
        }
    }
}

/// The notifications that failed or are being retried after a failure, newest first (admins).
pub async fn troubled(
    db: &crate::db::Db,
    actor: &super::Actor,
    page: super::PageRequest,
) -> crate::error::AppResult<super::Page<OutgoingView>> {
    actor.require(crate::domain::Permission::Administer)?;
    let after = super::mail::id_cursor(page.after.as_deref())?;
    let mut conn = db.acquire().await?;
    let rows = store::mail_out::troubled(&mut conn, after, page.limit).await?;
    Ok(super::Page::from_rows(
        rows,
        page.limit,
        |t| t.id.to_string(),
        OutgoingView::from,
    ))
}

/// Sends a notification that has not gone out again now, after the cause was fixed (admins).
pub async fn send_again(
    db: &crate::db::Db,
    actor: &super::Actor,
    id: i64,
) -> crate::error::AppResult<()> {
    actor.require(crate::domain::Permission::Administer)?;
    let mut conn = db.acquire().await?;
    if store::mail_out::send_again(&mut conn, id).await? {
        Ok(())
    } else {
        Err(crate::error::AppError::NotFound)
    }
}

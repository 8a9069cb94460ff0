//! Mail out: the events to notify about, the outbox of mails, and the claims of the sender.

use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::at;

/// An event to notify about, with its record and journal entry.
#[derive(Debug, Clone)]
pub struct Notifiable {
    pub event_id: i64,
    pub kind: String,
    /// `incident` or `request`.
    pub record_kind: &'static str,
    pub record_id: Uuid,
    pub number: String,
    pub title: String,
    pub caller_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub entry_body: Option<String>,
    pub changes: Option<serde_json::Value>,
}

/// Claims up to `limit` events not yet handed to notifications (skipping those another
/// process holds) and marks them handed, in the caller's transaction: the mails made from
/// them commit with the mark, or neither does.
pub async fn claim_events(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<Notifiable>> {
    let rows = sqlx::query(
        "with batch as (select id from events where mailed_at is null order by id limit $1 for update skip locked), \
         marked as (update events e set mailed_at = now() from batch where e.id = batch.id \
                    returning e.id, e.kind, e.incident_id, e.request_id, e.journal_id) \
         select m.id as event_id, m.kind, \
                case when m.incident_id is not null then 'incident' else 'request' end as record_kind, \
                coalesce(m.incident_id, m.request_id) as record_id, \
                coalesce(i.number, r.number) as number, coalesce(i.title, r.title) as title, \
                coalesce(i.caller_id, r.caller_id) as caller_id, coalesce(i.assignee_id, r.assignee_id) as assignee_id, \
                j.author_id, j.body, j.changes \
         from marked m left join incidents i on i.id = m.incident_id left join requests r on r.id = m.request_id \
         left join journal_entries j on j.id = m.journal_id \
         where m.incident_id is not null or m.request_id is not null order by m.id",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("record_kind")?;
            Ok(Notifiable {
                event_id: row.try_get("event_id")?,
                kind: row.try_get("kind")?,
                record_kind: if kind == "incident" {
                    "incident"
                } else {
                    "request"
                },
                record_id: row.try_get("record_id")?,
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                caller_id: row.try_get("caller_id")?,
                assignee_id: row.try_get("assignee_id")?,
                author_id: row.try_get("author_id")?,
                entry_body: row.try_get("body")?,
                changes: row.try_get("changes")?,
            })
        })
        .collect()
}

/// Who a notification may go to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub locale: crate::domain::Locale,
    /// Active, wants mail, and no bounce said the address is gone.
    pub reachable: bool,
}

pub async fn recipient(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Recipient>> {
    let row = sqlx::query(
        "select id, email, name, locale, active and notify_email and email_undeliverable_at is null as reachable \
         from users where id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Recipient {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            locale: r.try_get("locale")?,
            reachable: r.try_get("reachable")?,
        })
    })
    .transpose()
}

/// Automatic mails about a record in the last hour (sent or waiting).
pub async fn recent_for_record(conn: &mut PgConnection, record: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from mail_outbox where (incident_id = $1 or request_id = $1) \
         and state in ('pending', 'sent') and created_at > now() - interval '1 hour'",
    )
    .bind(record)
    .fetch_one(conn)
    .await
}

/// Whether `recipient` got an acknowledgement of a mail of theirs in the last 7 days.
pub async fn acknowledged_lately(conn: &mut PgConnection, recipient: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from mail_outbox where recipient = $1 and reason = 'created' \
         and state in ('pending', 'sent') and created_at > now() - interval '7 days')",
    )
    .bind(recipient)
    .fetch_one(conn)
    .await
}

/// Whether the record was made from an inbound mail.
pub async fn made_from_mail(conn: &mut PgConnection, record: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from mail_messages where (incident_id = $1 or request_id = $1) \
         and kind = 'conversation')",
    )
    .bind(record)
    .fetch_one(conn)
    .await
}

/// The first Message-ID of a record's thread (the mail that made it, or our first), which
/// our mails answer so that mail programs keep them together.
pub async fn thread_root(conn: &mut PgConnection, record: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "select message_id from mail_threads where incident_id = $1 or request_id = $1 order by at, message_id limit 1",
    )
    .bind(record)
    .fetch_optional(conn)
    .await
}

/// A mail to queue.
pub struct NewMail<'a> {
    pub event_id: i64,
    pub reason: &'a str,
    pub recipient: &'a Recipient,
    pub record_kind: &'a str,
    pub record_id: Uuid,
    pub subject: &'a str,
    pub body: &'a str,
    pub message_id: &'a str,
    pub in_reply_to: Option<&'a str>,
    /// `Some(why)`: kept as suppressed, not sent.
    pub suppressed: Option<&'a str>,
}

pub async fn queue(conn: &mut PgConnection, mail: &NewMail<'_>) -> sqlx::Result<()> {
    let (incident, request) = if mail.record_kind == "incident" {
        (Some(mail.record_id), None)
    } else {
        (None, Some(mail.record_id))
    };
    let inserted = sqlx::query(
        "insert into mail_outbox (event_id, reason, recipient, recipient_id, incident_id, request_id, subject, body, \
         message_id, in_reply_to, state, last_error) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, case when $11::text is null then 'pending' else 'suppressed' end, $11) \
         on conflict (event_id, recipient) do nothing",
    )
    .bind(mail.event_id)
    .bind(mail.reason)
    .bind(&mail.recipient.email)
    .bind(mail.recipient.id)
    .bind(incident)
    .bind(request)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(mail.message_id)
    .bind(mail.in_reply_to)
    .bind(mail.suppressed)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 && mail.suppressed.is_none() {
        sqlx::query(
            "insert into mail_threads (message_id, incident_id, request_id) values ($1, $2, $3) on conflict do nothing",
        )
        .bind(mail.message_id)
        .bind(incident)
        .bind(request)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// A mail claimed for sending.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub attempts: i32,
    pub created_at: jiff::Timestamp,
    pub incident_id: Option<Uuid>,
    pub request_id: Option<Uuid>,
}

/// Claims up to `limit` mails due at `now`, leased for two minutes (a process that dies
/// while sending leaves them to another).
pub async fn claim_due(
    conn: &mut PgConnection,
    now: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Outgoing>> {
    let rows = sqlx::query(
        "with due as (select id from mail_outbox where state = 'pending' and next_attempt_at <= $1 \
                      order by next_attempt_at limit $2 for update skip locked) \
         update mail_outbox o set attempts = o.attempts + 1, next_attempt_at = $1 + interval '2 minutes' \
         from due where o.id = due.id \
         returning o.id, o.recipient, o.subject, o.body, o.message_id, o.in_reply_to, o.attempts, o.created_at, \
                   o.incident_id, o.request_id",
    )
    .bind(jiff_sqlx::Timestamp::from(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Outgoing {
                id: r.try_get("id")?,
                recipient: r.try_get("recipient")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                message_id: r.try_get("message_id")?,
                in_reply_to: r.try_get("in_reply_to")?,
                attempts: r.try_get("attempts")?,
                created_at: at(r, "created_at")?,
                incident_id: r.try_get("incident_id")?,
                request_id: r.try_get("request_id")?,
            })
        })
        .collect()
}

/// Records how sending a mail ended: `sent`, `failed`, or `pending` again at `retry_at`.
pub async fn finish(
    conn: &mut PgConnection,
    id: i64,
    state: &str,
    error: Option<&str>,
    retry_at: Option<jiff::Timestamp>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update mail_outbox set state = $2, last_error = $3, \
         next_attempt_at = coalesce($4, next_attempt_at), \
         sent_at = case when $2 = 'sent' then now() end where id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(error)
    .bind(retry_at.map(jiff_sqlx::Timestamp::from))
    .execute(conn)
    .await?;
    Ok(())
}

/// A notification that has not gone out: refused for good, or failing and being retried.
#[derive(Debug, Clone)]
pub struct Troubled {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub reason: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub record: Option<String>,
    pub created_at: jiff::Timestamp,
    pub next_attempt_at: jiff::Timestamp,
}

/// The notifications that failed, or are being retried after a failure, newest first; after
/// the id `after` (keyset), `limit + 1` at most.
pub async fn troubled(
    conn: &mut PgConnection,
    after: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Troubled>> {
    let rows = sqlx::query(
        "select o.id, o.recipient, o.subject, o.reason, o.state, o.attempts, o.last_error, \
                coalesce(i.number, r.number) as record, o.created_at, o.next_attempt_at \
         from mail_outbox o left join incidents i on i.id = o.incident_id \
         left join requests r on r.id = o.request_id \
         where o.state in ('pending', 'failed') and (o.state = 'failed' or o.last_error is not null) \
           and ($1::bigint is null or o.id < $1) \
         order by o.id desc limit $2",
    )
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Troubled {
                id: r.try_get("id")?,
                recipient: r.try_get("recipient")?,
                subject: r.try_get("subject")?,
                reason: r.try_get("reason")?,
                state: r.try_get("state")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                record: r.try_get("record")?,
                created_at: at(r, "created_at")?,
                next_attempt_at: at(r, "next_attempt_at")?,
            })
        })
        .collect()
}

/// Sends a failed (or waiting) notification again now; `false` when there is no such
/// notification that has not gone out.
pub async fn send_again(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update mail_outbox set state = 'pending', next_attempt_at = now() \
         where id = $1 and state in ('pending', 'failed')",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

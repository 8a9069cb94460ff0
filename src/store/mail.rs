//! Mailboxes, inbound messages (stored raw first) and the Message-IDs that thread mail to
//! records.

use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::at;
use super::journal::Subject;

#[derive(Debug, Clone)]
pub struct MailboxRow {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub address: String,
    pub unknown_senders: String,
    pub enabled: bool,
    pub version: i64,
    pub updated_at: jiff::Timestamp,
}

fn mailbox(row: &sqlx::postgres::PgRow) -> sqlx::Result<MailboxRow> {
    Ok(MailboxRow {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        unknown_senders: row.try_get("unknown_senders")?,
        enabled: row.try_get("enabled")?,
        version: row.try_get("version")?,
        updated_at: at(row, "updated_at")?,
    })
}

const MAILBOX: &str =
    "select id, key, name, address, unknown_senders, enabled, version, updated_at from mailboxes";

pub async fn find_mailbox(
    conn: &mut PgConnection,
    key: &str,
    lock: bool,
) -> sqlx::Result<Option<MailboxRow>> {
    let lock = if lock { " for update" } else { "" };
    sqlx::query(&format!("{MAILBOX} where key = $1{lock}"))
        .bind(key)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(mailbox)
        .transpose()
}

pub async fn mailboxes(conn: &mut PgConnection) -> sqlx::Result<Vec<MailboxRow>> {
    sqlx::query(&format!("{MAILBOX} order by key"))
        .fetch_all(conn)
        .await?
        .iter()
        .map(mailbox)
        .collect()
}

/// What a mailbox is made or changed to.
pub struct MailboxValues<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub unknown_senders: &'a str,
    pub enabled: bool,
}

pub async fn insert_mailbox(
    conn: &mut PgConnection,
    key: &str,
    values: &MailboxValues<'_>,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "insert into mailboxes (id, key, name, address, unknown_senders, enabled) \
         values ($1, $2, $3, $4, $5, $6) on conflict (key) do nothing",
    )
    .bind(Uuid::now_v7())
    .bind(key)
    .bind(values.name)
    .bind(values.address)
    .bind(values.unknown_senders)
    .bind(values.enabled)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn update_mailbox(
    conn: &mut PgConnection,
    id: Uuid,
    values: &MailboxValues<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update mailboxes set name = $2, address = $3, unknown_senders = $4, enabled = $5, \
         updated_at = now(), version = version + 1 where id = $1",
    )
    .bind(id)
    .bind(values.name)
    .bind(values.address)
    .bind(values.unknown_senders)
    .bind(values.enabled)
    .execute(conn)
    .await?;
    Ok(())
}

/// A message as stored.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: i64,
    pub mailbox: String,
    pub via: String,
    pub message_id: Option<String>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub state: String,
    pub kind: Option<String>,
    pub error: Option<String>,
    /// The record it went to (`INC…`, `REQ…`, `PRB…`).
    pub record: Option<String>,
    pub size: i64,
    pub received_at: jiff::Timestamp,
    pub processed_at: Option<jiff::Timestamp>,
}

const MESSAGE: &str = "select m.id, b.key as mailbox, m.via, m.message_id, m.sender, m.subject, m.state, m.kind, m.error, \
     coalesce(i.number, r.number, p.number) as record, length(m.raw)::bigint as size, m.received_at, m.processed_at \
     from mail_messages m join mailboxes b on b.id = m.mailbox_id \
     left join incidents i on i.id = m.incident_id left join requests r on r.id = m.request_id \
     left join problems p on p.id = m.problem_id";

fn message(row: &sqlx::postgres::PgRow) -> sqlx::Result<MessageRow> {
    Ok(MessageRow {
        id: row.try_get("id")?,
        mailbox: row.try_get("mailbox")?,
        via: row.try_get("via")?,
        message_id: row.try_get("message_id")?,
        sender: row.try_get("sender")?,
        subject: row.try_get("subject")?,
        state: row.try_get("state")?,
        kind: row.try_get("kind")?,
        error: row.try_get("error")?,
        record: row.try_get("record")?,
        size: row.try_get("size")?,
        received_at: at(row, "received_at")?,
        processed_at: row
            .try_get::<Option<jiff_sqlx::Timestamp>, _>("processed_at")?
            .map(jiff_sqlx::Timestamp::to_jiff),
    })
}

/// What is stored of a message before it is read through.
pub struct NewMessage<'a> {
    pub mailbox_id: Uuid,
    pub via: &'a str,
    pub raw: &'a [u8],
    pub sha256: &'a [u8],
    pub message_id: Option<&'a str>,
    pub sender: Option<&'a str>,
    pub subject: Option<&'a str>,
}

/// Stores a message; `(id, true)` when it is new, `(id of the earlier one, false)` when the
/// mailbox holds the same bytes or the same Message-ID already.
pub async fn store(conn: &mut PgConnection, new: &NewMessage<'_>) -> sqlx::Result<(i64, bool)> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "insert into mail_messages (mailbox_id, via, raw, sha256, message_id, sender, subject) \
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning id",
    )
    .bind(new.mailbox_id)
    .bind(new.via)
    .bind(new.raw)
    .bind(new.sha256)
    .bind(new.message_id)
    .bind(new.sender)
    .bind(new.subject)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let earlier: i64 = sqlx::query_scalar(
        "select id from mail_messages where mailbox_id = $1 and (sha256 = $2 or message_id = $3) \
         order by id limit 1",
    )
    .bind(new.mailbox_id)
    .bind(new.sha256)
    .bind(new.message_id)
    .fetch_one(conn)
    .await?;
    Ok((earlier, false))
}

pub async fn find_message(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<MessageRow>> {
    sqlx::query(&format!("{MESSAGE} where m.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(message)
        .transpose()
}

/// The raw bytes and the mailbox of a message not read through yet, claimed for two minutes
/// (`None`: read through already, or another process holds it).
pub async fn claim_raw(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<(Vec<u8>, Uuid)>> {
    let row = sqlx::query(
        "update mail_messages set claimed_until = now() + interval '2 minutes' \
         where id = $1 and state <> 'processed' and (claimed_until is null or claimed_until < now()) \
         returning raw, mailbox_id",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get("raw")?, r.try_get("mailbox_id")?)))
        .transpose()
}

/// How reading a message through ended.
pub struct Outcome<'a> {
    pub state: &'a str,
    pub kind: Option<&'a str>,
    pub error: Option<&'a str>,
    pub record: Option<Subject>,
    pub quoted: Option<&'a str>,
}

pub async fn finish(conn: &mut PgConnection, id: i64, outcome: &Outcome<'_>) -> sqlx::Result<()> {
    let (incident, problem, request) = columns(outcome.record);
    sqlx::query(
        "update mail_messages set state = $2, kind = $3, error = $4, incident_id = $5, problem_id = $6, \
         request_id = $7, quoted = $8, processed_at = now(), claimed_until = null where id = $1",
    )
    .bind(id)
    .bind(outcome.state)
    .bind(outcome.kind)
    .bind(outcome.error)
    .bind(incident)
    .bind(problem)
    .bind(request)
    .bind(outcome.quoted)
    .execute(conn)
    .await?;
    Ok(())
}

fn columns(subject: Option<Subject>) -> (Option<Uuid>, Option<Uuid>, Option<Uuid>) {
    match subject {
        Some(Subject::Incident(id)) => (Some(id), None, None),
        Some(Subject::Problem(id)) => (None, Some(id), None),
        Some(Subject::Request(id)) => (None, None, Some(id)),
        Some(Subject::Task(_)) | None => (None, None, None),
    }
}

/// Remembers which record a Message-ID is about (ours, or one that made or continued it).
pub async fn remember_thread(
    conn: &mut PgConnection,
    message_id: &str,
    record: Subject,
) -> sqlx::Result<()> {
    let (incident, problem, request) = columns(Some(record));
    sqlx::query(
        "insert into mail_threads (message_id, incident_id, problem_id, request_id) \
         values ($1, $2, $3, $4) on conflict do nothing",
    )
    .bind(message_id)
    .bind(incident)
    .bind(problem)
    .bind(request)
    .execute(conn)
    .await?;
    Ok(())
}

/// The record the first known of these Message-IDs is about.
pub async fn thread(conn: &mut PgConnection, ids: &[String]) -> sqlx::Result<Option<Subject>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let row = sqlx::query(
        "select t.incident_id, t.problem_id, t.request_id from unnest($1::text[]) with ordinality as x(id, n) \
         join mail_threads t on t.message_id = x.id order by x.n limit 1",
    )
    .bind(ids)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (incident, problem, request): (Option<Uuid>, Option<Uuid>, Option<Uuid>) = (
        row.try_get("incident_id")?,
        row.try_get("problem_id")?,
        row.try_get("request_id")?,
    );
    Ok(incident
        .map(Subject::Incident)
        .or(problem.map(Subject::Problem))
        .or(request.map(Subject::Request)))
}

/// Messages not read through (received, failed, quarantined), the newest first, after `after`.
pub async fn open_messages(
    conn: &mut PgConnection,
    state: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query(&format!(
        "{MESSAGE} where m.state <> 'processed' and ($1::text is null or m.state = $1) \
         and ($2::bigint is null or m.id < $2) order by m.id desc limit $3"
    ))
    .bind(state)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await?
    .iter()
    .map(message)
    .collect()
}

/// Messages stored but not read through for a minute (a process died, the database was
/// away): the worker reads them through again.
pub async fn stalled(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "select id from mail_messages where state = 'received' and received_at < now() - interval '1 minute' \
         order by id limit $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Marks an address undeliverable (a bounce said so).
pub async fn mark_undeliverable(
    conn: &mut PgConnection,
    address: &str,
    reason: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update users set email_undeliverable_at = now(), email_undeliverable_reason = $2 \
         where lower(email) = lower($1)",
    )
    .bind(address)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

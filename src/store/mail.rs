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
    /// The IMAP server its mail is fetched from, if any.
    pub imap: Option<ImapRow>,
}

/// How a mailbox's mail is fetched over IMAP, and where fetching stands.
#[derive(Debug, Clone)]
pub struct ImapRow {
    pub host: String,
    pub port: u16,
    /// `imaps`, `starttls` or `none`.
    pub security: String,
    pub username: String,
    /// `password` or `xoauth2`.
    pub auth: String,
    pub secret: String,
    pub folder: String,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    pub failures: i32,
    pub error: Option<String>,
    pub checked_at: Option<jiff::Timestamp>,
    pub retry_at: Option<jiff::Timestamp>,
    pub idle: Option<bool>,
}

fn maybe_at(row: &sqlx::postgres::PgRow, column: &str) -> sqlx::Result<Option<jiff::Timestamp>> {
    Ok(row
        .try_get::<Option<jiff_sqlx::Timestamp>, _>(column)?
        .map(jiff_sqlx::Timestamp::to_jiff))
}

fn imap(row: &sqlx::postgres::PgRow) -> sqlx::Result<Option<ImapRow>> {
    let Some(host) = row.try_get::<Option<String>, _>("imap_host")? else {
        return Ok(None);
    };
    let port: i32 = row.try_get("imap_port")?;
    Ok(Some(ImapRow {
        host,
        port: u16::try_from(port).unwrap_or(993),
        security: row.try_get("imap_security")?,
        username: row.try_get("imap_username")?,
        auth: row.try_get("imap_auth")?,
        secret: row.try_get("imap_secret")?,
        folder: row.try_get("imap_folder")?,
        token_url: row.try_get("imap_token_url")?,
        client_id: row.try_get("imap_client_id")?,
        client_secret: row.try_get("imap_client_secret")?,
        uidvalidity: row.try_get("imap_uidvalidity")?,
        last_uid: row.try_get("imap_last_uid")?,
        failures: row.try_get("imap_failures")?,
        error: row.try_get("imap_error")?,
        checked_at: maybe_at(row, "imap_checked_at")?,
        retry_at: maybe_at(row, "imap_retry_at")?,
        idle: row.try_get("imap_idle")?,
    }))
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
        imap: imap(row)?,
    })
}

const MAILBOX: &str = "select id, key, name, address, unknown_senders, enabled, version, updated_at, \
     imap_host, imap_port, imap_security, imap_username, imap_auth, imap_secret, imap_folder, \
     imap_token_url, imap_client_id, imap_client_secret, imap_uidvalidity, imap_last_uid, \
     imap_failures, imap_error, imap_checked_at, imap_retry_at, imap_idle from mailboxes";

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
    /// `None`: unchanged; `Some(None)`: no IMAP fetching any more.
    pub imap: Option<Option<&'a ImapValues>>,
}

/// The IMAP settings a mailbox is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapValues {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: String,
    pub auth: String,
    pub secret: String,
    pub folder: String,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl From<&ImapRow> for ImapValues {
    fn from(row: &ImapRow) -> Self {
        ImapValues {
            host: row.host.clone(),
            port: row.port,
            security: row.security.clone(),
            username: row.username.clone(),
            auth: row.auth.clone(),
            secret: row.secret.clone(),
            folder: row.folder.clone(),
            token_url: row.token_url.clone(),
            client_id: row.client_id.clone(),
            client_secret: row.client_secret.clone(),
        }
    }
}

/// Writes a mailbox's IMAP settings (none: fetching stops). Changed settings are tried at
/// once; another server, account or folder starts from its unseen mail.
async fn set_imap(
    conn: &mut PgConnection,
    id: Uuid,
    imap: Option<&ImapValues>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update mailboxes set \
         imap_uidvalidity = case when imap_host is distinct from $2 or imap_port is distinct from $3 \
             or imap_username is distinct from $5 or imap_folder is distinct from coalesce($8, 'INBOX') \
             then null else imap_uidvalidity end, \
         imap_last_uid = case when imap_host is distinct from $2 or imap_port is distinct from $3 \
             or imap_username is distinct from $5 or imap_folder is distinct from coalesce($8, 'INBOX') \
             then 0 else imap_last_uid end, \
         imap_host = $2, imap_port = $3, imap_security = $4, imap_username = $5, imap_auth = $6, \
         imap_secret = $7, imap_folder = coalesce($8, 'INBOX'), imap_token_url = $9, \
         imap_client_id = $10, imap_client_secret = $11, \
         imap_retry_at = null, imap_failures = 0, imap_error = null \
         where id = $1",
    )
    .bind(id)
    .bind(imap.map(|i| i.host.as_str()))
    .bind(imap.map(|i| i32::from(i.port)))
    .bind(imap.map(|i| i.security.as_str()))
    .bind(imap.map(|i| i.username.as_str()))
    .bind(imap.map(|i| i.auth.as_str()))
    .bind(imap.map(|i| i.secret.as_str()))
    .bind(imap.map(|i| i.folder.as_str()))
    .bind(imap.and_then(|i| i.token_url.as_deref()))
    .bind(imap.and_then(|i| i.client_id.as_deref()))
    .bind(imap.and_then(|i| i.client_secret.as_deref()))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_mailbox(
    conn: &mut PgConnection,
    key: &str,
    values: &MailboxValues<'_>,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "insert into mailboxes (id, key, name, address, unknown_senders, enabled) \
         values ($1, $2, $3, $4, $5, $6) on conflict (key) do nothing",
    )
    .bind(Uuid::now_v7())
    .bind(key)
    .bind(values.name)
    .bind(values.address)
    .bind(values.unknown_senders)
    .bind(values.enabled)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted && let Some(Some(imap)) = values.imap {
        let id: Uuid = sqlx::query_scalar("select id from mailboxes where key = $1")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
        set_imap(conn, id, Some(imap)).await?;
    }
    Ok(inserted)
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
    .execute(&mut *conn)
    .await?;
    match values.imap {
        Some(imap) => set_imap(conn, id, imap).await,
        None => Ok(()),
    }
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
    /// The journal entry the message became.
    pub entry: Option<i64>,
}

pub async fn finish(conn: &mut PgConnection, id: i64, outcome: &Outcome<'_>) -> sqlx::Result<()> {
    let (incident, problem, request) = columns(outcome.record);
    sqlx::query(
        "update mail_messages set state = $2, kind = $3, error = $4, incident_id = $5, problem_id = $6, \
         request_id = $7, quoted = $8, entry_id = $9, processed_at = now(), claimed_until = null where id = $1",
    )
    .bind(id)
    .bind(outcome.state)
    .bind(outcome.kind)
    .bind(outcome.error)
    .bind(incident)
    .bind(problem)
    .bind(request)
    .bind(outcome.quoted)
    .bind(outcome.entry)
    .execute(conn)
    .await?;
    Ok(())
}

fn columns(subject: Option<Subject>) -> (Option<Uuid>, Option<Uuid>, Option<Uuid>) {
    match subject {
        Some(Subject::Incident(id)) => (Some(id), None, None),
        Some(Subject::Problem(id)) => (None, Some(id), None),
        Some(Subject::Request(id)) => (None, None, Some(id)),
        Some(Subject::Task(_) | Subject::Improvement(_)) | None => (None, None, None),
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

/// Claims up to `limit` mailboxes due for IMAP fetching (enabled, not held by another
/// process, not waiting after a failure) for `seconds`; several processes never take the
/// same one.
pub async fn claim_imap(
    conn: &mut PgConnection,
    lease: Uuid,
    seconds: f64,
    limit: i64,
) -> sqlx::Result<Vec<MailboxRow>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "update mailboxes set imap_lease = $1, imap_leased_until = now() + make_interval(secs => $2) \
         where id in (select id from mailboxes where enabled and imap_host is not null \
           and (imap_leased_until is null or imap_leased_until < now()) \
           and (imap_retry_at is null or imap_retry_at <= now()) \
           order by key limit $3 for update skip locked) returning id",
    )
    .bind(lease)
    .bind(seconds)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(&format!("{MAILBOX} where id = any($1) order by key"))
        .bind(&ids)
        .fetch_all(conn)
        .await?
        .iter()
        .map(mailbox)
        .collect()
}

/// Holds a claimed mailbox `seconds` longer; the mailbox's version now, `None` when the lease
/// was lost or fetching is off (disabled, IMAP removed).
pub async fn renew_imap(
    conn: &mut PgConnection,
    id: Uuid,
    lease: Uuid,
    seconds: f64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "update mailboxes set imap_leased_until = now() + make_interval(secs => $3) \
         where id = $1 and imap_lease = $2 and enabled and imap_host is not null returning version",
    )
    .bind(id)
    .bind(lease)
    .bind(seconds)
    .fetch_optional(conn)
    .await
}

/// A successful sign-in and selection: the folder's UIDVALIDITY (another one than before
/// starts from its unseen mail again) and whether the server offers IDLE. Returns the last
/// UID stored under this UIDVALIDITY.
pub async fn imap_selected(
    conn: &mut PgConnection,
    id: Uuid,
    uidvalidity: i64,
    idle: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "update mailboxes set imap_last_uid = case when imap_uidvalidity is distinct from $2 \
           then 0 else imap_last_uid end, imap_uidvalidity = $2, imap_idle = $3 \
         where id = $1 returning imap_last_uid",
    )
    .bind(id)
    .bind(uidvalidity)
    .bind(idle)
    .fetch_one(conn)
    .await
}

/// A message up to `uid` is stored: the next fetch starts after it.
pub async fn imap_stored(
    conn: &mut PgConnection,
    id: Uuid,
    uidvalidity: i64,
    uid: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "update mailboxes set imap_last_uid = greatest(imap_last_uid, $3) \
         where id = $1 and imap_uidvalidity = $2",
    )
    .bind(id)
    .bind(uidvalidity)
    .bind(uid)
    .execute(conn)
    .await?;
    Ok(())
}

/// A fetch went through: the failure count and message are cleared.
pub async fn imap_checked(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "update mailboxes set imap_checked_at = now(), imap_failures = 0, imap_error = null, \
         imap_retry_at = null where id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Fetching failed: the reason is kept for the admin page and the mailbox waits
/// (1 minute doubling per failure in a row, at most an hour); the lease is let go.
pub async fn imap_failed(
    conn: &mut PgConnection,
    id: Uuid,
    lease: Uuid,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update mailboxes set imap_failures = imap_failures + 1, imap_error = left($3, 1000), \
         imap_retry_at = now() + least(interval '1 hour', interval '1 minute' * power(2, least(imap_failures, 6))), \
         imap_lease = null, imap_leased_until = null where id = $1 and imap_lease = $2",
    )
    .bind(id)
    .bind(lease)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Lets a claimed mailbox go (its settings changed, the process stops).
pub async fn release_imap(conn: &mut PgConnection, id: Uuid, lease: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "update mailboxes set imap_lease = null, imap_leased_until = null \
         where id = $1 and imap_lease = $2",
    )
    .bind(id)
    .bind(lease)
    .execute(conn)
    .await?;
    Ok(())
}

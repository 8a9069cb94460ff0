//! Blobs (content stored once per SHA-256, in chunks here or as files elsewhere) and the
//! attachments that refer to them, each carried by a journal entry.

use std::path::PathBuf;

use sqlx::PgConnection;
use uuid::Uuid;

use super::journal::Subject;

/// Where content goes.
#[derive(Debug, Clone, Default)]
pub enum BlobStore {
    /// In PostgreSQL, in 1 MiB chunks (the default: one thing to back up).
    #[default]
    Database,
    /// In a directory, one file per content under its hash.
    Directory(PathBuf),
    /// In an S3-compatible bucket, one object per content under its hash.
    Bucket(super::bucket::Bucket),
}

/// How attachments are stored and limited, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Storage {
    pub store: BlobStore,
    pub limits: crate::domain::attachment::Limits,
    /// clamd, when files are scanned for viruses.
    pub scanner: Option<crate::domain::attachment::Scanner>,
}

/// Where a blob's content is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In `blob_chunks`.
    Db,
    /// In the configured directory, under its hash.
    Fs,
    /// In the configured bucket, under its own id.
    S3,
}

impl Location {
    /// The `blobs.location` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Db => "db",
            Location::Fs => "fs",
            Location::S3 => "s3",
        }
    }

    pub fn parse(text: &str) -> Option<Location> {
        [Location::Db, Location::Fs, Location::S3]
            .into_iter()
            .find(|l| l.as_str() == text)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BlobRow {
    pub id: Uuid,
    pub sha256: Option<Vec<u8>>,
    pub size: i64,
    pub location: String,
}

/// A blob whose content is about to be written, as chunks, a file or an object (its hash is
/// set when it is all there): its row comes first, so whatever a crash leaves behind the
/// clean-up finds by it.
pub async fn start_blob(conn: &mut PgConnection, id: Uuid, location: Location) -> sqlx::Result<()> {
    sqlx::query("insert into blobs (id, location) values ($1, $2)")
        .bind(id)
        .bind(location.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes one chunk of a blob being uploaded, in one round trip, committed without waiting for
/// the disk (`synchronous_commit` off for this statement's own transaction): the blob is
/// referenced only by the later, durable commit of its attachment, which flushes the log this
/// chunk is in first (PostgreSQL writes its log in order). A crash before that loses only an
/// upload nobody was told had succeeded.
pub async fn write_chunk(
    conn: &mut PgConnection,
    blob: Uuid,
    n: i32,
    data: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "with unhurried as (select set_config('synchronous_commit', 'off', true)) \
         insert into blob_chunks (blob_id, n, data) select $1, $2, $3 from unhurried",
    )
    .bind(blob)
    .bind(n)
    .bind(data)
    .execute(conn)
    .await?;
    Ok(())
}

/// Serialises the writers of one content (the same hash) until the transaction ends, so two
/// uploads of the same file, or an upload and the clean-up, never cross.
pub async fn lock_content(conn: &mut PgConnection, sha256: &[u8]) -> sqlx::Result<()> {
    let key = i64::from_be_bytes(sha256[..8].try_into().unwrap_or([0; 8]));
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// The blob already holding this content, marked as found again (the clean-up leaves it a
/// while).
pub async fn find_content(conn: &mut PgConnection, sha256: &[u8]) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("update blobs set touched_at = now() where sha256 = $1 returning id")
        .bind(sha256)
        .fetch_optional(conn)
        .await
}

/// The blob `id` now holds this content, whole.
pub async fn finish_blob(
    conn: &mut PgConnection,
    id: Uuid,
    sha256: &[u8],
    size: i64,
    content_type: &str,
    scan: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("update blobs set sha256 = $2, size = $3, content_type = $4, scan = $5, touched_at = now() where id = $1")
        .bind(id)
        .bind(sha256)
        .bind(size)
        .bind(content_type)
        .bind(scan)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_blob(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("delete from blobs where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Up to `limit` chunks of a `db` blob from chunk `from` on, in order.
pub async fn chunks(
    conn: &mut PgConnection,
    blob: Uuid,
    from: i32,
    limit: i64,
) -> sqlx::Result<Vec<(i32, Vec<u8>)>> {
    sqlx::query_as(
        "select n, data from blob_chunks where blob_id = $1 and n >= $2 order by n limit $3",
    )
    .bind(blob)
    .bind(from)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Blobs nobody refers to, written more than `grace_secs` ago and not found again since
/// (an upload still on its way to its comment); at most `limit`, not locked by another.
pub async fn unreferenced(
    conn: &mut PgConnection,
    grace_secs: i64,
    limit: i64,
) -> sqlx::Result<Vec<BlobRow>> {
    sqlx::query_as(
        "select b.id, b.sha256, b.size, b.location from blobs b \
         where b.touched_at < now() - make_interval(secs => $1::bigint) \
           and not exists (select 1 from attachments a where a.blob_id = b.id) \
         order by b.touched_at limit $2 for update skip locked",
    )
    .bind(grace_secs)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// What a new attachment is.
pub struct NewAttachment<'a> {
    pub id: Uuid,
    pub blob_id: Uuid,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub inline: bool,
}

/// One attachment as the faces show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: Uuid,
    pub entry_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub inline: bool,
    pub created_at: jiff_sqlx::Timestamp,
    pub removed_at: Option<jiff_sqlx::Timestamp>,
    pub blob_id: Option<Uuid>,
    pub uploaded_by: Option<Uuid>,
    pub location: Option<String>,
    pub sha256: Option<Vec<u8>>,
    pub scan: Option<String>,
    pub scan_signature: Option<String>,
}

const SELECT: &str = "select a.id, a.entry_id, a.filename, a.content_type, a.size, a.inline, \
     a.created_at, a.removed_at, a.blob_id, a.uploaded_by, b.location, b.sha256, b.scan, b.scan_signature \
     from attachments a left join blobs b on b.id = a.blob_id";

fn subject_columns(subject: Subject) -> [Option<Uuid>; 3] {
    match subject {
        Subject::Incident(id) => [Some(id), None, None],
        Subject::Problem(id) => [None, Some(id), None],
        Subject::Request(id) => [None, None, Some(id)],
        Subject::Task(_) | Subject::Improvement(_) => [None, None, None],
    }
}

/// The bytes the record's attachments (not removed) take together.
pub async fn record_total(conn: &mut PgConnection, subject: Subject) -> sqlx::Result<i64> {
    let (column, id) = match subject {
        Subject::Incident(id) => ("incident_id", id),
        Subject::Problem(id) => ("problem_id", id),
        Subject::Request(id) => ("request_id", id),
        Subject::Task(_) | Subject::Improvement(_) => return Ok(0),
    };
    sqlx::query_scalar(&format!(
        "select coalesce(sum(size), 0)::bigint from attachments where {column} = $1 and removed_at is null"
    ))
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Adds the attachments to the entry, in the order given.
pub async fn insert_all(
    conn: &mut PgConnection,
    entry_id: i64,
    subject: Subject,
    uploaded_by: Option<Uuid>,
    files: &[NewAttachment<'_>],
) -> sqlx::Result<Vec<AttachmentRow>> {
    let [incident, problem, request] = subject_columns(subject);
    let mut rows = Vec::with_capacity(files.len());
    for file in files {
        let row = sqlx::query_as(&format!(
            "with a as (insert into attachments (id, entry_id, incident_id, problem_id, request_id, blob_id, \
                 filename, content_type, size, inline, uploaded_by) \
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning *) \
             {}",
            SELECT.replace("from attachments a", "from a")
        ))
        .bind(file.id)
        .bind(entry_id)
        .bind(incident)
        .bind(problem)
        .bind(request)
        .bind(file.blob_id)
        .bind(file.filename)
        .bind(file.content_type)
        .bind(file.size)
        .bind(file.inline)
        .bind(uploaded_by)
        .fetch_one(&mut *conn)
        .await?;
        rows.push(row);
    }
    Ok(rows)
}

/// One attachment.
pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<AttachmentRow>> {
    sqlx::query_as(&format!("{SELECT} where a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Removes an attachment: it lets go of its content (the clean-up deletes it when nothing
/// else refers to it). `false` when it was removed already.
pub async fn remove(conn: &mut PgConnection, id: Uuid, by: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update attachments set removed_at = now(), removed_by = $2, blob_id = null \
         where id = $1 and removed_at is null",
    )
    .bind(id)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the blob is still unreferenced and past its grace period, locked for deletion
/// (`false` when another process holds it).
pub async fn unreferenced_one(
    conn: &mut PgConnection,
    id: Uuid,
    grace_secs: i64,
) -> sqlx::Result<bool> {
    let found: Option<Uuid> = sqlx::query_scalar(
        "select b.id from blobs b where b.id = $1 \
           and b.touched_at < now() - make_interval(secs => $2::bigint) \
           and not exists (select 1 from attachments a where a.blob_id = b.id) \
         for update skip locked",
    )
    .bind(id)
    .bind(grace_secs)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// A content the scanner is to read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ToScan {
    pub id: Uuid,
    pub sha256: Vec<u8>,
    pub location: String,
    pub scan_attempts: i32,
}

/// Claims up to `limit` contents due for a scan (pending, failed before and due again, or
/// stored while no scanner was configured), leased until `lease_until` so another process
/// takes others.
pub async fn claim_to_scan(
    conn: &mut PgConnection,
    now: jiff::Timestamp,
    lease_until: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<ToScan>> {
    sqlx::query_as(
        "update blobs set scan_after = $2 where id in ( \
             select id from blobs \
             where sha256 is not null and (scan is null or scan in ('pending', 'error')) \
               and (scan_after is null or scan_after <= $1) \
             order by scan_after nulls first limit $3 for update skip locked) \
         returning id, sha256, location, scan_attempts",
    )
    .bind(jiff_sqlx::Timestamp::from(now))
    .bind(jiff_sqlx::Timestamp::from(lease_until))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Records clamd's verdict: `clean` or `infected` (with the signature).
pub async fn scanned(
    conn: &mut PgConnection,
    id: Uuid,
    infected: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update blobs set scan = case when $2::text is null then 'clean' else 'infected' end, \
             scan_signature = $2, scan_error = null, scanned_at = now(), scan_after = null, \
             scan_attempts = scan_attempts + 1 \
         where id = $1",
    )
    .bind(id)
    .bind(infected)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that the scanner could not say (tried again from `retry_at`).
pub async fn scan_failed(
    conn: &mut PgConnection,
    id: Uuid,
    error: &str,
    retry_at: jiff::Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "update blobs set scan = 'error', scan_error = $2, scan_after = $3, \
             scan_attempts = scan_attempts + 1 \
         where id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(jiff_sqlx::Timestamp::from(retry_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// A live attachment carrying a content, with its record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Carrier {
    pub filename: String,
    pub incident_id: Option<Uuid>,
    pub problem_id: Option<Uuid>,
    pub request_id: Option<Uuid>,
}

impl Carrier {
    pub fn subject(&self) -> Option<Subject> {
        match (self.incident_id, self.problem_id, self.request_id) {
            (Some(id), _, _) => Some(Subject::Incident(id)),
            (_, Some(id), _) => Some(Subject::Problem(id)),
            (_, _, Some(id)) => Some(Subject::Request(id)),
            _ => None,
        }
    }
}

/// The live attachments carrying this content on entries everyone who reads the record may
/// read (not work notes: the record's journal must not name their files to its caller).
pub async fn carrying_publicly(conn: &mut PgConnection, blob: Uuid) -> sqlx::Result<Vec<Carrier>> {
    sqlx::query_as(
        "select a.filename, a.incident_id, a.problem_id, a.request_id from attachments a \
         join journal_entries j on j.id = a.entry_id \
         where a.blob_id = $1 and a.removed_at is null and j.kind <> 'work_note' \
         order by a.created_at",
    )
    .bind(blob)
    .fetch_all(conn)
    .await
}

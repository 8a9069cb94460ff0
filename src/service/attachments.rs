//! Attachments: files on incidents, problems and requests, from the pages, the API and mail.
//!
//! An upload is streamed into the blob store before the comment that carries it is written
//! (`stage`): hashed on the way, its type sniffed from its first bytes, refused past the
//! per-file limit without holding the file in memory, and stored once per SHA-256. The comment's
//! transaction then adds the attachments to its journal entry (`attach`), checking the
//! per-record limit under the record's lock. An attachment is read by exactly the readers of
//! its entry: downloads go through the record's own journal, so a work note's file reaches
//! only those who read work notes there, and a confidential record's files nobody outside it.
//! A blob no attachment refers to is deleted by the clean-up (`collect_garbage`) after a grace
//! period that covers an upload on its way to its comment.

use std::path::{Path, PathBuf};

use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::attachment::{self, Limit, Limits};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::journal::JournalView;
use crate::store::attachments::{BlobStore, Location};
use crate::store::bucket::Bucket;
use crate::store::{self, journal::Subject};

/// The size of the pieces content is written and read in: small enough that the buffers each
/// pooled connection keeps after sending or reading one stay small, large enough that a
/// 10 MB file is 40 statements.
pub const CHUNK: usize = 256 * 1024;
/// How long an unreferenced blob is kept: an upload on its way to its comment.
const GRACE_SECS: i64 = 3600;

/// Content that is stored and waits for its comment.
#[derive(Debug, Clone)]
pub struct Staged {
    pub blob_id: Uuid,
    pub sha256: [u8; 32],
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub inline: bool,
}

/// One attachment as the faces show it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// The file's name as uploaded, without any path.
    pub filename: String,
    /// The type sniffed from the content (not the one the upload claimed).
    pub content_type: String,
    pub size: i64,
    /// An image shown in the text it came with (a mail's `cid:` image, a pasted screenshot).
    pub inline: bool,
    pub created_at: jiff::Timestamp,
    /// Set when an agent removed it; its content is gone then.
    pub removed_at: Option<jiff::Timestamp>,
    /// The virus scan of its content; none when it was stored while no scanner was
    /// configured (and when removed). `infected`: quarantined, downloads answer `409`.
    #[serde(default)]
    pub scan: Option<attachment::ScanStatus>,
    /// What clamd found, when infected.
    #[serde(default)]
    pub scan_signature: Option<String>,
}

impl AttachmentView {
    /// Whether a page may show it as a picture.
    pub fn is_image(&self) -> bool {
        // Not before clamd called it clean (when a scanner is configured): a fail-closed
        // one serves it only then.
        self.removed_at.is_none()
            && !self.is_infected()
            && !self.is_unscanned()
            && attachment::shown_inline(&self.content_type)
    }

    /// Whether its content is quarantined (a page shows no link to it).
    pub fn is_infected(&self) -> bool {
        self.scan == Some(attachment::ScanStatus::Infected)
    }

    /// Whether clamd has yet to call it clean (`pending`, or `error` and tried again).
    pub fn is_unscanned(&self) -> bool {
        matches!(
            self.scan,
            Some(attachment::ScanStatus::Pending | attachment::ScanStatus::Error)
        )
    }

    pub fn human_size(&self) -> String {
        attachment::human_size(u64::try_from(self.size).unwrap_or_default())
    }
}

impl From<store::attachments::AttachmentRow> for AttachmentView {
    fn from(row: store::attachments::AttachmentRow) -> Self {
        AttachmentView {
            id: row.id,
            filename: row.filename,
            content_type: row.content_type,
            size: row.size,
            inline: row.inline,
            created_at: row.created_at.to_jiff(),
            removed_at: row.removed_at.map(jiff_sqlx::Timestamp::to_jiff),
            scan: row
                .scan
                .as_deref()
                .and_then(|s| attachment::ScanStatus::parse(s).ok()),
            scan_signature: row.scan_signature,
        }
    }
}

fn too_large(limit: Limit, limits: &Limits) -> AppError {
    AppError::AttachmentTooLarge {
        limit,
        max: limit.bytes(limits),
    }
}

/// Checks files about to be attached together against the per-comment limit.
pub fn check_comment_total(files: &[Staged], limits: &Limits) -> AppResult<()> {
    let total: u64 = files.iter().map(|f| f.size).sum();
    if total > limits.comment {
        return Err(too_large(Limit::Comment, limits));
    }
    Ok(())
}

/// Streams one file into the store: hashed, sniffed, limited to `limits.file` (`413` past it,
/// with nothing kept), and stored once per content. `already` is what the same comment has
/// taken so far, for the per-comment limit.
/// A piece the body could not give is its error (the face's: a limit the parser enforces
/// stays a `413`).
pub async fn stage<S>(
    db: &Db,
    filename: &str,
    inline: bool,
    already: u64,
    mut body: S,
) -> AppResult<Staged>
where
    S: Stream<Item = AppResult<Bytes>> + Unpin,
{
    let limits = &db.storage().limits;
    let mut writer = Writer::open(db, &db.storage().store).await?;
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(attachment::SNIFF_BYTES);
    let mut pending: Vec<u8> = Vec::with_capacity(CHUNK);
    let mut size: u64 = 0;
    let outcome: AppResult<()> = async {
        while let Some(piece) = body.next().await {
            let piece = piece?;
            size += piece.len() as u64;
            if size > limits.file {
                return Err(too_large(Limit::File, limits));
            }
            if already + size > limits.comment {
                return Err(too_large(Limit::Comment, limits));
            }
            if head.len() < attachment::SNIFF_BYTES {
                let take = (attachment::SNIFF_BYTES - head.len()).min(piece.len());
                head.extend_from_slice(&piece[..take]);
            }
            hasher.update(&piece);
            let mut rest: &[u8] = &piece;
            while !rest.is_empty() {
                let take = (CHUNK - pending.len()).min(rest.len());
                pending.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                if pending.len() == CHUNK {
                    let full = std::mem::replace(&mut pending, Vec::with_capacity(CHUNK));
                    writer.write(db, full).await?;
                }
            }
        }
        if !pending.is_empty() || writer.written == 0 {
            writer.write(db, std::mem::take(&mut pending)).await?;
        }
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        writer.abandon(db).await;
        return Err(error);
    }
    let sha256: [u8; 32] = hasher.finalize().into();
    let content_type = attachment::sniff(&head);
    let blob_id = writer.finish(db, &sha256, size, content_type).await?;
    Ok(Staged {
        blob_id,
        sha256,
        filename: attachment::clean_filename(filename),
        content_type: content_type.to_owned(),
        size,
        inline: inline && attachment::shown_inline(content_type),
    })
}

/// Stores content held in memory already (a mail's parts), as `stage` does.
pub async fn stage_bytes(
    db: &Db,
    filename: &str,
    inline: bool,
    already: u64,
    content: &[u8],
) -> AppResult<Staged> {
    let pieces = content
        .chunks(CHUNK)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect::<Vec<_>>();
    stage(
        db,
        filename,
        inline,
        already,
        futures_util::stream::iter(pieces),
    )
    .await
}

/// Where one upload's content is being written.
struct Writer {
    blob: Uuid,
    target: Target,
    written: usize,
}

enum Target {
    /// Each chunk is written while the next arrives: one insert in flight.
    Database {
        in_flight: Option<tokio::task::JoinHandle<AppResult<()>>>,
    },
    File {
        dir: PathBuf,
        temp: PathBuf,
        file: tokio::fs::File,
    },
    Object {
        bucket: Bucket,
        upload: Box<object_store::buffered::BufWriter>,
    },
}

impl Writer {
    async fn open(db: &Db, store: &BlobStore) -> AppResult<Writer> {
        let blob = Uuid::now_v7();
        // Its row first: whatever a crash leaves behind, the clean-up finds by it.
        let location = match store {
            BlobStore::Database => Location::Db,
            BlobStore::Directory(_) => Location::Fs,
            BlobStore::Bucket(_) => Location::S3,
        };
        {
            let mut conn = db.acquire().await?;
            store::attachments::start_blob(&mut conn, blob, location).await?;
        }
        let target = match store {
            BlobStore::Database => Target::Database { in_flight: None },
            BlobStore::Directory(dir) => {
                let temp_dir = dir.join("tmp");
                tokio::fs::create_dir_all(&temp_dir).await.map_err(|e| {
                    anyhow::anyhow!("attachment directory {}: {e}", temp_dir.display())
                })?;
                let temp = temp_dir.join(blob.to_string());
                let file = tokio::fs::File::create(&temp)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {e}", temp.display()))?;
                Target::File {
                    dir: dir.clone(),
                    temp,
                    file,
                }
            }
            BlobStore::Bucket(bucket) => Target::Object {
                bucket: bucket.clone(),
                upload: Box::new(bucket.writer(blob)),
            },
        };
        Ok(Writer {
            blob,
            target,
            written: 0,
        })
    }

    async fn write(&mut self, db: &Db, piece: Vec<u8>) -> AppResult<()> {
        match &mut self.target {
            Target::Database { in_flight } => {
                settle(in_flight).await?;
                let (db, blob) = (db.clone(), self.blob);
                let n = i32::try_from(self.written).unwrap_or(i32::MAX);
                *in_flight = Some(tokio::spawn(async move {
                    let mut conn = db.acquire().await?;
                    store::attachments::write_chunk(&mut conn, blob, n, &piece).await?;
                    Ok(())
                }));
            }
            Target::File { file, temp, .. } => {
                use tokio::io::AsyncWriteExt;
                file.write_all(&piece)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {e}", temp.display()))?;
            }
            Target::Object { bucket, upload } => {
                upload
                    .put(Bytes::from(piece))
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {e}", bucket.url()))?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Nothing of an upload that failed is kept (what a crash leaves, the clean-up takes).
    async fn abandon(self, db: &Db) {
        match self.target {
            Target::Database { mut in_flight } => {
                // Its insert first, so the row goes after it and takes the chunk along.
                let _ = settle(&mut in_flight).await;
            }
            Target::File { temp, file, .. } => {
                drop(file);
                let _ = tokio::fs::remove_file(temp).await;
            }
            Target::Object { bucket, mut upload } => {
                let _ = upload.abort().await;
                let _ = bucket.delete(self.blob).await;
            }
        }
        if let Ok(mut conn) = db.acquire().await {
            let _ = store::attachments::delete_blob(&mut conn, self.blob).await;
        }
    }

    /// The content is whole: it becomes the blob of its hash, or gives way to the blob that
    /// holds the same content already. With a scanner configured, new content waits for it.
    async fn finish(
        mut self,
        db: &Db,
        sha256: &[u8; 32],
        size: u64,
        content_type: &str,
    ) -> AppResult<Uuid> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let scan = db
            .storage()
            .scanner
            .as_ref()
            .map(|_| attachment::ScanStatus::Pending.as_str());
        // Written out of the way before the content's lock is taken: a file synced, an
        // object's upload completed.
        match &mut self.target {
            Target::Database { in_flight } => settle(in_flight).await?,
            Target::File { temp, file, .. } => file
                .sync_all()
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", temp.display()))?,
            Target::Object { bucket, upload } => {
                use tokio::io::AsyncWriteExt;
                upload
                    .shutdown()
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {e}", bucket.url()))?;
            }
        }
        let mut tx = db.begin().await?;
        store::attachments::lock_content(&mut tx, sha256).await?;
        if let Some(existing) = store::attachments::find_content(&mut tx, sha256).await? {
            store::attachments::delete_blob(&mut tx, self.blob).await?;
            match self.target {
                Target::Database { .. } => {}
                Target::File { temp, .. } => {
                    let _ = tokio::fs::remove_file(&temp).await;
                }
                Target::Object { bucket, .. } => bucket.delete(self.blob).await?,
            }
            tx.commit().await?;
            return Ok(existing);
        }
        if let Target::File { dir, temp, .. } = self.target {
            let path = content_path(&dir, sha256);
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {e}", parent.display()))?;
            }
            tokio::fs::rename(&temp, &path)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        store::attachments::finish_blob(&mut tx, self.blob, sha256, size, content_type, scan)
            .await?;
        tx.commit().await?;
        Ok(self.blob)
    }
}

/// Waits for the chunk insert in flight, if any, and passes on its error.
async fn settle(in_flight: &mut Option<tokio::task::JoinHandle<AppResult<()>>>) -> AppResult<()> {
    match in_flight.take() {
        Some(write) => write
            .await
            .map_err(|e| anyhow::anyhow!("writing a chunk: {e}"))?,
        None => Ok(()),
    }
}

/// Where a content's file is: `<dir>/ab/cd/<hex>`.
fn content_path(dir: &Path, sha256: &[u8]) -> PathBuf {
    let hex = hex::encode(sha256);
    dir.join(&hex[..2]).join(&hex[2..4]).join(hex)
}

/// Adds staged files to the journal entry that carries them, inside the comment's transaction
/// (the record is locked): `413` naming the per-record limit when the record would hold more.
pub async fn attach(
    conn: &mut sqlx::PgConnection,
    limits: &Limits,
    entry_id: i64,
    subject: Subject,
    actor: Option<&Actor>,
    files: &[Staged],
) -> AppResult<Vec<AttachmentView>> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    if matches!(subject, Subject::Task(_)) {
        return Err(AppError::field("file", "error.attachment_not_here"));
    }
    check_comment_total(files, limits)?;
    let held = store::attachments::record_total(conn, subject).await?;
    let adding: u64 = files.iter().map(|f| f.size).sum();
    if u64::try_from(held).unwrap_or_default() + adding > limits.record {
        return Err(too_large(Limit::Record, limits));
    }
    let new: Vec<_> = files
        .iter()
        .map(|f| store::attachments::NewAttachment {
            id: Uuid::now_v7(),
            blob_id: f.blob_id,
            filename: &f.filename,
            content_type: &f.content_type,
            size: i64::try_from(f.size).unwrap_or(i64::MAX),
            inline: f.inline,
        })
        .collect();
    let rows =
        store::attachments::insert_all(conn, entry_id, subject, actor.map(|a| a.id), &new).await?;
    Ok(rows.into_iter().map(AttachmentView::from).collect())
}

/// The record kinds that take attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachable {
    Incident,
    Problem,
    Request,
}

impl Attachable {
    /// The kind's path segment, in the API and on pages.
    pub fn collection(self) -> &'static str {
        match self {
            Attachable::Incident => "incidents",
            Attachable::Problem => "problems",
            Attachable::Request => "requests",
        }
    }
}

/// The record's journal as its own rules show it to `actor` (`404` for a record they may not
/// read; work notes only for their readers): what decides which files they may read.
pub async fn entries(
    db: &Db,
    actor: &Actor,
    kind: Attachable,
    number: &str,
) -> AppResult<Vec<JournalView>> {
    match kind {
        Attachable::Incident => crate::service::incidents::journal(db, actor, number).await,
        Attachable::Problem => crate::service::problems::journal(db, actor, number).await,
        Attachable::Request => crate::service::requests::journal(db, actor, number).await,
    }
}

/// A comment or work note carrying files, by the record kind's own comment rules (who may
/// write, a response to the caller, notifications, idempotency).
pub async fn add(
    db: &Db,
    actor: &Actor,
    kind: Attachable,
    number: &str,
    input: crate::service::journal::CommentInput,
    idempotency: Option<crate::service::idempotency::Idempotency>,
) -> AppResult<crate::service::idempotency::Created<JournalView>> {
    match kind {
        Attachable::Incident => {
            crate::service::incidents::comment(db, actor, number, input, idempotency).await
        }
        Attachable::Problem => {
            crate::service::problems::comment(db, actor, number, input, idempotency).await
        }
        Attachable::Request => {
            crate::service::requests::comment(db, actor, number, input, idempotency).await
        }
    }
}

/// The files of a record the reader may read, in the order they were attached.
pub async fn list(
    db: &Db,
    actor: &Actor,
    kind: Attachable,
    number: &str,
) -> AppResult<Vec<AttachmentView>> {
    let journal = entries(db, actor, kind, number).await?;
    Ok(journal.into_iter().flat_map(|e| e.attachments).collect())
}

/// The attachment `id` among the entries a reader may read (the record's journal as the
/// record's own rules show it to them); else `NotFound`.
pub fn visible_in(journal: &[JournalView], id: Uuid) -> AppResult<&AttachmentView> {
    journal
        .iter()
        .flat_map(|e| e.attachments.iter())
        .find(|a| a.id == id)
        .ok_or(AppError::NotFound)
}

/// One file of a record for a reader who may read it (`404` otherwise, and for a removed one).
pub async fn download(
    db: &Db,
    actor: &Actor,
    kind: Attachable,
    number: &str,
    id: Uuid,
) -> AppResult<Download> {
    let journal = entries(db, actor, kind, number).await?;
    let view = visible_in(&journal, id)?.clone();
    open(db, view).await
}

/// Removes a file (its entry stays, saying it was removed): by whoever attached it, or by an
/// agent whose own scope (and write scope) holds the record. Journaled where the file was
/// seen: a work note's file in a work note, any other as a change.
pub async fn remove(
    db: &Db,
    actor: &Actor,
    kind: Attachable,
    number: &str,
    id: Uuid,
) -> AppResult<()> {
    let journal = entries(db, actor, kind, number).await?;
    let carrier = journal
        .iter()
        .find(|e| e.attachments.iter().any(|a| a.id == id))
        .ok_or(AppError::NotFound)?;
    let internal = carrier.kind == "work_note";
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    let (subject, desk) = lock_record(&mut tx, &scope, actor, kind, number).await?;
    let row = store::attachments::find(&mut tx, id)
        .await?
        .filter(|row| row.removed_at.is_none())
        .ok_or(AppError::NotFound)?;
    if row.uploaded_by != Some(actor.id) {
        desk?;
    }
    store::attachments::remove(&mut tx, id, actor.id).await?;
    let tr = crate::i18n::Tr::new(actor.locale);
    let (entry_kind, body, changes) = if internal {
        (
            store::journal::Kind::WorkNote,
            Some(tr.t1("attachments.removed_note", &row.filename)),
            None,
        )
    } else {
        (
            store::journal::Kind::Change,
            None,
            Some(serde_json::json!({"attachment": {"from": row.filename, "to": null}})),
        )
    };
    crate::service::journal::record(
        &mut tx,
        subject,
        Some(actor),
        entry_kind,
        body.as_deref(),
        changes,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The record locked, with whether `actor` works it as the desk (`Err` saying why not).
async fn lock_record(
    conn: &mut sqlx::PgConnection,
    scope: &crate::service::scope::ReadScope,
    actor: &Actor,
    kind: Attachable,
    number: &str,
) -> AppResult<(Subject, AppResult<()>)> {
    use crate::domain::Permission;
    let desk = |in_scope: bool, group: Option<&str>| -> AppResult<()> {
        actor.require(Permission::WorkIncidents)?;
        if !in_scope {
            return Err(AppError::Forbidden);
        }
        actor.may_change(group)
    };
    Ok(match kind {
        Attachable::Incident => {
            let number = crate::service::incidents::parse_number(number)?;
            let incident =
                crate::service::incidents::lock_readable(conn, scope, number.as_str()).await?;
            let in_scope = scope.admits(incident.caller_id, incident.department_id);
            (
                Subject::Incident(incident.id),
                desk(in_scope, incident.assignment_group.as_deref()),
            )
        }
        Attachable::Problem => {
            let number = crate::service::problems::parse_number(number)?;
            let problem = crate::service::problems::lock_in_scope(conn, scope, number.as_str())
                .await?
                .ok_or(AppError::NotFound)?;
            (
                Subject::Problem(problem.id),
                desk(true, problem.assignment_group.as_deref()),
            )
        }
        Attachable::Request => {
            let request = crate::service::requests::lock_in_scope(conn, scope, number).await?;
            let in_scope = crate::service::requests::in_scope(scope, &request);
            (
                Subject::Request(request.id),
                desk(in_scope, request.assignment_group.as_deref()),
            )
        }
    })
}

/// A download: what it is and its content as a stream of pieces.
pub struct Download {
    pub view: AttachmentView,
    pub sha256: Vec<u8>,
    pub body: Body,
}

/// A content's bytes, as they are read.
pub type Body = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// The content of an attachment the reader may read (checked with `visible_in`): `409` when
/// it is quarantined, or not yet called clean by a fail-closed scanner.
async fn open(db: &Db, view: AttachmentView) -> AppResult<Download> {
    let mut conn = db.acquire().await?;
    let row = store::attachments::find(&mut conn, view.id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let (Some(blob), Some(sha256), Some(location)) = (row.blob_id, row.sha256, row.location) else {
        // Removed: its content is gone.
        return Err(AppError::NotFound);
    };
    let scan = row
        .scan
        .as_deref()
        .and_then(|s| attachment::ScanStatus::parse(s).ok());
    attachment::may_serve(scan, db.storage().scanner.as_ref()).map_err(AppError::Withheld)?;
    let body = content(db, &location, blob, &sha256).await?;
    Ok(Download { view, sha256, body })
}

/// A blob's content, from wherever it is stored (`location`).
pub async fn content(db: &Db, location: &str, blob: Uuid, sha256: &[u8]) -> AppResult<Body> {
    use store::attachments::Location;
    let storage = db.storage();
    let missing = |variable: &str| -> AppError {
        anyhow::anyhow!("content {blob} is stored in {location}, but {variable} is not set").into()
    };
    Ok(match Location::parse(location) {
        Some(Location::Db) => Box::pin(chunk_stream(db.clone(), blob)),
        Some(Location::Fs) => {
            let BlobStore::Directory(dir) = &storage.store else {
                return Err(missing("LEITSTAND_ATTACHMENT_DIR"));
            };
            let path = content_path(dir, sha256);
            let file = tokio::fs::File::open(&path)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Box::pin(file_stream(file))
        }
        Some(Location::S3) => {
            let BlobStore::Bucket(bucket) = &storage.store else {
                return Err(missing("LEITSTAND_ATTACHMENT_S3"));
            };
            Box::pin(bucket.read(blob).await?)
        }
        None => return Err(anyhow::anyhow!("content {blob}: unknown location {location}").into()),
    })
}

/// A file read in 256 KiB pieces.
fn file_stream(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// A blob's chunks, four at a time, each batch on a connection of its own for as long as it
/// takes to read it (a slow reader holds no connection).
fn chunk_stream(db: Db, blob: Uuid) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold((db, 0i32, false), move |(db, next, done)| async move {
        if done {
            return None;
        }
        let read = async {
            let mut conn = db.acquire().await.map_err(std::io::Error::other)?;
            store::attachments::chunks(&mut conn, blob, next, 4)
                .await
                .map_err(std::io::Error::other)
        };
        match read.await {
            Ok(chunks) if chunks.is_empty() => None,
            Ok(chunks) => {
                let last = chunks.last().map_or(next, |c| c.0);
                let more = chunks.len() == 4;
                let mut joined = Vec::with_capacity(chunks.iter().map(|c| c.1.len()).sum());
                for (_, data) in chunks {
                    joined.extend_from_slice(&data);
                }
                Some((Ok(Bytes::from(joined)), (db, last + 1, !more)))
            }
            Err(e) => Some((Err(e), (db, next, true))),
        }
    })
}

/// Deletes content no attachment refers to any more (removed attachments, uploads whose
/// comment never came), after the grace period. Each content is deleted under its own lock,
/// so an upload of the same content at that moment either finds it first or writes it anew.
pub async fn collect_garbage(db: &Db) -> AppResult<usize> {
    let storage = db.storage();
    let candidates = {
        let mut tx = db.begin().await?;
        let rows = store::attachments::unreferenced(&mut tx, GRACE_SECS, 200).await?;
        tx.commit().await?;
        rows
    };
    let mut deleted = 0;
    for candidate in candidates {
        let mut tx = db.begin().await?;
        if let Some(sha256) = &candidate.sha256 {
            store::attachments::lock_content(&mut tx, sha256).await?;
        }
        // Still nobody's, and not taken by an upload meanwhile?
        let still = store::attachments::unreferenced_one(&mut tx, candidate.id, GRACE_SECS).await?;
        if !still {
            continue;
        }
        if let Err(error) = store::attachments::delete_blob(&mut tx, candidate.id).await {
            tracing::warn!(blob = %candidate.id, error = %error, "blob not deleted");
            continue;
        }
        let location = store::attachments::Location::parse(&candidate.location);
        match (location, &storage.store, &candidate.sha256) {
            (Some(store::attachments::Location::Fs), BlobStore::Directory(dir), Some(sha256)) => {
                let path = content_path(dir, sha256);
                if let Err(error) = tokio::fs::remove_file(&path).await
                    && error.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(path = %path.display(), error = %error, "blob file not deleted");
                    continue;
                }
            }
            (Some(Location::S3), BlobStore::Bucket(bucket), _) => {
                if let Err(error) = bucket.delete(candidate.id).await {
                    tracing::warn!(error = %error, "blob object not deleted");
                    continue;
                }
            }
            _ => {}
        }
        tx.commit().await?;
        deleted += 1;
    }
    if let BlobStore::Directory(dir) = &storage.store {
        remove_stale_temp_files(&dir.join("tmp")).await;
    }
    Ok(deleted)
}

/// Upload files a crash left in the directory's `tmp`, a day old or older.
async fn remove_stale_temp_files(dir: &Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 86_400);
        if old {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}

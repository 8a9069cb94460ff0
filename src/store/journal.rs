//! The journal: append-only history of every incident, problem, request and task. PostgreSQL refuses
//! updates and deletes.

use sqlx::PgConnection;
use uuid::Uuid;

/// The kinds of entry, as API.md names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Comment,
    WorkNote,
    Change,
    Transition,
    Link,
    System,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Comment => "comment",
            Kind::WorkNote => "work_note",
            Kind::Change => "change",
            Kind::Transition => "transition",
            Kind::Link => "link",
            Kind::System => "system",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub at: jiff_sqlx::Timestamp,
    /// The author's e-mail; `None` for the system.
    pub author: Option<String>,
    pub author_name: Option<String>,
    pub kind: String,
    pub body: Option<String>,
    pub changes: Option<serde_json::Value>,
    /// The files the entry carries (`service::attachments::AttachmentView` as JSON), read
    /// with the history; none for an entry just appended.
    #[sqlx(default)]
    pub attachments: Option<serde_json::Value>,
    /// The quoted history of the mail the entry came from, split off its new words.
    #[sqlx(default)]
    pub quoted: Option<String>,
}

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Incident(Uuid),
    Problem(Uuid),
    Request(Uuid),
    /// A task of a request.
    Task(Uuid),
    /// An idea of the improvement register.
    Improvement(Uuid),
}

impl Subject {
    /// The entry's column naming the subject, with its id.
    fn column(self) -> (&'static str, Uuid) {
        match self {
            Subject::Incident(id) => ("incident_id", id),
            Subject::Problem(id) => ("problem_id", id),
            Subject::Request(id) => ("request_id", id),
            Subject::Task(id) => ("task_id", id),
            Subject::Improvement(id) => ("improvement_id", id),
        }
    }

    /// The entry's `incident_id`, `problem_id`, `request_id`, `task_id` and `improvement_id`
    /// columns: exactly one is set (the table checks it).
    fn columns(self) -> [Option<Uuid>; 5] {
        match self {
            Subject::Incident(id) => [Some(id), None, None, None, None],
            Subject::Problem(id) => [None, Some(id), None, None, None],
            Subject::Request(id) => [None, None, Some(id), None, None],
            Subject::Task(id) => [None, None, None, Some(id), None],
            Subject::Improvement(id) => [None, None, None, None, Some(id)],
        }
    }
}

impl Subject {
    /// The `incident_id` and `request_id` columns of a table about one incident or request
    /// (ratings, shares); both `None` for the other kinds.
    pub fn record_columns(self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Subject::Incident(id) => (Some(id), None),
            Subject::Request(id) => (None, Some(id)),
            Subject::Problem(_) | Subject::Task(_) | Subject::Improvement(_) => (None, None),
        }
    }
}

pub struct NewEntry<'a> {
    pub subject: Subject,
    pub author_id: Option<Uuid>,
    pub kind: Kind,
    pub body: Option<&'a str>,
    pub changes: Option<serde_json::Value>,
}

/// The outbox's copy of the entries just inserted (`j`): an event for each entry an
/// integration may read, in the same statement, so there is never one without the other.
/// Work notes, system notes and the entries of tasks and improvement ideas are none; a `change` that logged the
/// record (`SystemNote::Created`, or a problem created from an incident or a cluster) is
/// `created`.
const EVENTS_OF_NEW_ENTRIES: &str = "events_written as (insert into events (kind, incident_id, problem_id, request_id, journal_id) \
     select case j.kind when 'comment' then 'commented' when 'transition' then 'transitioned' \
                        when 'link' then 'linked' \
                        else case when j.body = 'created' or j.body like 'created from %' then 'created' else 'changed' end end, \
            j.incident_id, j.problem_id, j.request_id, j.id \
     from j where j.task_id is null and j.improvement_id is null and j.kind in ('comment', 'change', 'transition', 'link'))";

/// The files entry `j` carries, as JSON (`service::attachments::AttachmentView`).
pub const ATTACHMENTS_OF_J: &str = "(select jsonb_agg(jsonb_build_object('id', a.id, 'filename', a.filename, \
        'content_type', a.content_type, 'size', a.size, 'inline', a.inline, \
        'created_at', a.created_at, 'removed_at', a.removed_at, \
        'scan', b.scan, 'scan_signature', b.scan_signature) order by a.created_at, a.id) \
     from attachments a left join blobs b on b.id = a.blob_id where a.entry_id = j.id)";

const SELECT: &str =
    "select j.id, j.at, u.email as author, u.name as author_name, j.kind, j.body, j.changes";

pub async fn append(conn: &mut PgConnection, entry: NewEntry<'_>) -> sqlx::Result<EntryRow> {
    let [incident, problem, request, task, improvement] = entry.subject.columns();
    // One round trip: the insert and the author's name and e-mail come back together.
    sqlx::query_as(&format!(
        "with j as (insert into journal_entries \
                    (incident_id, problem_id, request_id, task_id, author_id, kind, body, changes, improvement_id) \
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *), \
         {EVENTS_OF_NEW_ENTRIES} \
         select j.id, j.at, u.email as author, u.name as author_name, j.kind, j.body, j.changes \
         from j left join users u on u.id = j.author_id"
    ))
    .bind(incident)
    .bind(problem)
    .bind(request)
    .bind(task)
    .bind(entry.author_id)
    .bind(entry.kind.as_str())
    .bind(entry.body)
    .bind(entry.changes)
    .bind(improvement)
    .fetch_one(conn)
    .await
}

/// Appends several entries in one round trip, in the order given.
pub async fn append_all(conn: &mut PgConnection, entries: &[NewEntry<'_>]) -> sqlx::Result<()> {
    let column = |n: usize| -> Vec<Option<Uuid>> {
        entries.iter().map(|e| e.subject.columns()[n]).collect()
    };
    sqlx::query(&format!(
        "with j as (insert into journal_entries (incident_id, problem_id, request_id, task_id, author_id, kind, body, changes, improvement_id) \
         select e.incident_id, e.problem_id, e.request_id, e.task_id, e.author_id, e.kind, e.body, e.changes, e.improvement_id \
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[], $9::uuid[]) \
         with ordinality as e(incident_id, problem_id, request_id, task_id, author_id, kind, body, changes, improvement_id, n) order by n \
         returning *), \
         {EVENTS_OF_NEW_ENTRIES} \
         select count(*) from j"
    ))
    .bind(column(0))
    .bind(column(1))
    .bind(column(2))
    .bind(column(3))
    .bind(entries.iter().map(|e| e.author_id).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.body).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.changes.clone()).collect::<Vec<_>>())
    .bind(column(4))
    .execute(conn)
    .await?;
    Ok(())
}

/// The id of the record's first entry (the one that logged it).
pub async fn first_entry(conn: &mut PgConnection, subject: Subject) -> sqlx::Result<i64> {
    let (column, id) = subject.column();
    sqlx::query_scalar(&format!(
        "select id from journal_entries where {column} = $1 order by id limit 1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await
}

/// The whole history of a record, oldest first.
pub async fn of(conn: &mut PgConnection, subject: Subject) -> sqlx::Result<Vec<EntryRow>> {
    let (column, id) = subject.column();
    sqlx::query_as(&format!(
        "{SELECT}, {ATTACHMENTS_OF_J} as attachments, \
                (select m.quoted from mail_messages m where m.entry_id = j.id limit 1) as quoted \
         from journal_entries j left join users u on u.id = j.author_id \
         where j.{column} = $1 order by j.id"
    ))
    .bind(id)
    .fetch_all(conn)
    .await
}

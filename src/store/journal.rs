//! The journal: append-only history of every incident, problem and request. PostgreSQL refuses
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
}

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Incident(Uuid),
    Problem(Uuid),
    Request(Uuid),
}

impl Subject {
    /// The `incident_id` column of an entry about this subject.
    fn incident_id(self) -> Option<Uuid> {
        match self {
            Subject::Incident(id) => Some(id),
            _ => None,
        }
    }

    /// The `problem_id` column of an entry about this subject.
    fn problem_id(self) -> Option<Uuid> {
        match self {
            Subject::Problem(id) => Some(id),
            _ => None,
        }
    }

    /// The `request_id` column of an entry about this subject.
    fn request_id(self) -> Option<Uuid> {
        match self {
            Subject::Request(id) => Some(id),
            _ => None,
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

const SELECT: &str = "select j.id, j.at, u.email as author, u.name as author_name, j.kind, j.body, j.changes \
     from journal_entries j left join users u on u.id = j.author_id";

pub async fn append(conn: &mut PgConnection, entry: NewEntry<'_>) -> sqlx::Result<EntryRow> {
    // One round trip: the insert and the author's name and e-mail come back together.
    sqlx::query_as(
        "with j as (insert into journal_entries (incident_id, problem_id, request_id, author_id, kind, body, changes) \
                    values ($1, $2, $7, $3, $4, $5, $6) returning *) \
         select j.id, j.at, u.email as author, u.name as author_name, j.kind, j.body, j.changes \
         from j left join users u on u.id = j.author_id",
    )
    .bind(entry.subject.incident_id())
    .bind(entry.subject.problem_id())
    .bind(entry.author_id)
    .bind(entry.kind.as_str())
    .bind(entry.body)
    .bind(entry.changes)
    .bind(entry.subject.request_id())
    .fetch_one(conn)
    .await
}

/// Appends several entries in one round trip, in the order given.
pub async fn append_all(conn: &mut PgConnection, entries: &[NewEntry<'_>]) -> sqlx::Result<()> {
    sqlx::query(
        "insert into journal_entries (incident_id, problem_id, request_id, author_id, kind, body, changes) \
         select e.incident_id, e.problem_id, e.request_id, e.author_id, e.kind, e.body, e.changes \
         from unnest($1::uuid[], $2::uuid[], $7::uuid[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[]) \
         with ordinality as e(incident_id, problem_id, request_id, author_id, kind, body, changes, n) order by n",
    )
    .bind(entries.iter().map(|e| e.subject.incident_id()).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.subject.problem_id()).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.author_id).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.body).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.changes.clone()).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.subject.request_id()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// The whole history of an incident, oldest first.
pub async fn for_incident(
    conn: &mut PgConnection,
    incident_id: Uuid,
) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(&format!("{SELECT} where j.incident_id = $1 order by j.id"))
        .bind(incident_id)
        .fetch_all(conn)
        .await
}

/// The whole history of a problem, oldest first.
pub async fn for_problem(conn: &mut PgConnection, problem_id: Uuid) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(&format!("{SELECT} where j.problem_id = $1 order by j.id"))
        .bind(problem_id)
        .fetch_all(conn)
        .await
}

/// The whole history of a request, oldest first.
pub async fn for_request(conn: &mut PgConnection, request_id: Uuid) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(&format!("{SELECT} where j.request_id = $1 order by j.id"))
        .bind(request_id)
        .fetch_all(conn)
        .await
}

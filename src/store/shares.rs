//! Records shared with people besides their caller (incidents and requests).

use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::at;
use super::journal::Subject;

#[derive(Debug, Clone)]
pub struct ShareRow {
    pub person: String,
    pub person_name: String,
    pub shared_by: String,
    pub shared_at: jiff::Timestamp,
}

/// A record shared with someone, as "Shared with me" lists it.
#[derive(Debug, Clone)]
pub struct SharedRecord {
    /// `incident` or `request`.
    pub kind: &'static str,
    pub number: String,
    pub title: String,
    pub state: String,
    pub updated_at: jiff::Timestamp,
    pub shared_at: jiff::Timestamp,
    pub id: i64,
}

/// Shares the record with `user`; `false` when it is shared with them already.
pub async fn insert(
    conn: &mut PgConnection,
    subject: Subject,
    user: Uuid,
    shared_by: Uuid,
) -> sqlx::Result<bool> {
    let (incident, request) = subject.record_columns();
    let inserted = sqlx::query(
        "insert into record_shares (incident_id, request_id, user_id, shared_by) \
         values ($1, $2, $3, $4) on conflict do nothing",
    )
    .bind(incident)
    .bind(request)
    .bind(user)
    .bind(shared_by)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Ends the share; `false` when there was none.
pub async fn delete(conn: &mut PgConnection, subject: Subject, user: Uuid) -> sqlx::Result<bool> {
    let (incident, request) = subject.record_columns();
    let deleted = sqlx::query(
        "delete from record_shares where user_id = $3 and (incident_id = $1 or request_id = $2)",
    )
    .bind(incident)
    .bind(request)
    .bind(user)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(deleted > 0)
}

/// Whether the record is shared with `user`.
pub async fn has(conn: &mut PgConnection, subject: Subject, user: Uuid) -> sqlx::Result<bool> {
    let (incident, request) = subject.record_columns();
    sqlx::query_scalar(
        "select exists (select 1 from record_shares \
         where user_id = $3 and (incident_id = $1 or request_id = $2))",
    )
    .bind(incident)
    .bind(request)
    .bind(user)
    .fetch_one(conn)
    .await
}

/// The people a record is shared with, in the order it was shared with them.
pub async fn of(conn: &mut PgConnection, subject: Subject) -> sqlx::Result<Vec<ShareRow>> {
    let (incident, request) = subject.record_columns();
    let rows = sqlx::query(
        "select u.email as person, u.name as person_name, b.email as shared_by, s.shared_at \
         from record_shares s join users u on u.id = s.user_id join users b on b.id = s.shared_by \
         where s.incident_id = $1 or s.request_id = $2 order by s.shared_at, s.id",
    )
    .bind(incident)
    .bind(request)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ShareRow {
                person: row.try_get("person")?,
                person_name: row.try_get("person_name")?,
                shared_by: row.try_get("shared_by")?,
                shared_at: at(row, "shared_at")?,
            })
        })
        .collect()
}

/// The records shared with `user`, the newest share first, after `(shared_at, id)`;
/// `limit + 1` rows at most.
pub async fn with_user(
    conn: &mut PgConnection,
    user: Uuid,
    after: Option<(jiff::Timestamp, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<SharedRecord>> {
    let (after_at, after_id) = after.map_or((None, None), |(at, id)| (Some(at), Some(id)));
    let rows = sqlx::query(
        "select s.id, s.shared_at, i.id is not null as incident, \
                coalesce(i.number, r.number) as number, coalesce(i.title, r.title) as title, \
                coalesce(i.state, r.state) as state, coalesce(i.updated_at, r.updated_at) as updated_at \
         from record_shares s left join incidents i on i.id = s.incident_id \
              left join requests r on r.id = s.request_id \
         where s.user_id = $1 and ($2::timestamptz is null or (s.shared_at, s.id) < ($2, $3)) \
         order by s.shared_at desc, s.id desc limit $4",
    )
    .bind(user)
    .bind(after_at.map(jiff_sqlx::Timestamp::from))
    .bind(after_id)
    .bind(limit + 1)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SharedRecord {
                kind: if row.try_get("incident")? {
                    "incident"
                } else {
                    "request"
                },
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                state: row.try_get("state")?,
                updated_at: at(row, "updated_at")?,
                shared_at: at(row, "shared_at")?,
                id: row.try_get("id")?,
            })
        })
        .collect()
}

//! The callers' ratings of resolutions, once per resolution of an incident or a request.

use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::at;
use super::journal::Subject;

#[derive(Debug, Clone)]
pub struct RatingRow {
    pub resolved_at: jiff::Timestamp,
    pub score: i16,
    pub comment: String,
    pub rated_by: String,
    pub rated_at: jiff::Timestamp,
}

/// Records a rating; `false` when this resolution has one already.
pub async fn insert(
    conn: &mut PgConnection,
    subject: Subject,
    resolved_at: jiff::Timestamp,
    score: i16,
    comment: &str,
    rated_by: Uuid,
) -> sqlx::Result<bool> {
    let (incident, request) = subject.record_columns();
    let inserted = sqlx::query(
        "insert into ratings (incident_id, request_id, resolved_at, score, comment, rated_by) \
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
    )
    .bind(incident)
    .bind(request)
    .bind(jiff_sqlx::Timestamp::from(resolved_at))
    .bind(score)
    .bind(comment)
    .bind(rated_by)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A record's ratings, the latest resolution first.
pub async fn of(conn: &mut PgConnection, subject: Subject) -> sqlx::Result<Vec<RatingRow>> {
    let (incident, request) = subject.record_columns();
    let rows = sqlx::query(
        "select r.resolved_at, r.score, r.comment, u.email as rated_by, r.rated_at \
         from ratings r join users u on u.id = r.rated_by \
         where r.incident_id = $1 or r.request_id = $2 \
         order by r.resolved_at desc",
    )
    .bind(incident)
    .bind(request)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RatingRow {
                resolved_at: at(row, "resolved_at")?,
                score: row.try_get("score")?,
                comment: row.try_get("comment")?,
                rated_by: row.try_get("rated_by")?,
                rated_at: at(row, "rated_at")?,
            })
        })
        .collect()
}

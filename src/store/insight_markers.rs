//! PDCA markers (migration 43): the process changes process owners record.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarkerRow {
    pub id: Uuid,
    pub effective_on: jiff_sqlx::Date,
    pub title: String,
    pub description: String,
    pub kpi: String,
    pub expected: String,
    pub weeks: i16,
    pub department_id: Option<Uuid>,
    pub department: Option<String>,
    pub group_id: Option<Uuid>,
    pub group_key: Option<String>,
    pub service_id: Option<Uuid>,
    pub service: Option<String>,
    pub created_by: String,
    pub created_at: jiff_sqlx::Timestamp,
}

const SELECT: &str = "select m.id, m.effective_on, m.title, m.description, m.kpi, m.expected, m.weeks, \
     m.department_id, d.key as department, m.group_id, g.key as group_key, m.service_id, \
     s.key as service, u.email as created_by, m.created_at \
     from insight_markers m \
     join users u on u.id = m.created_by_id \
     left join departments d on d.id = m.department_id \
     left join groups g on g.id = m.group_id \
     left join services s on s.id = m.service_id";

pub struct NewMarker<'a> {
    pub effective_on: jiff::civil::Date,
    pub title: &'a str,
    pub description: &'a str,
    pub kpi: &'a str,
    pub expected: &'a str,
    pub weeks: i16,
    pub department_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub created_by_id: Uuid,
}

pub async fn insert(conn: &mut PgConnection, m: &NewMarker<'_>) -> sqlx::Result<MarkerRow> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into insight_markers (id, effective_on, title, description, kpi, expected, weeks, \
             department_id, group_id, service_id, created_by_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(jiff_sqlx::Date::from(m.effective_on))
    .bind(m.title)
    .bind(m.description)
    .bind(m.kpi)
    .bind(m.expected)
    .bind(m.weeks)
    .bind(m.department_id)
    .bind(m.group_id)
    .bind(m.service_id)
    .bind(m.created_by_id)
    .execute(&mut *conn)
    .await?;
    find(conn, id).await?.ok_or(sqlx::Error::RowNotFound)
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<MarkerRow>> {
    sqlx::query_as(&format!("{SELECT} where m.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Markers newest first (by the day they took effect), after the keyset `(effective_on, id)`;
/// `limit + 1` at most.
pub async fn list(
    conn: &mut PgConnection,
    after: Option<(jiff::civil::Date, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<MarkerRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where ($1::date is null or (m.effective_on, m.id) < ($1, $2)) \
         order by m.effective_on desc, m.id desc limit $3"
    ))
    .bind(after.map(|(d, _)| jiff_sqlx::Date::from(d)))
    .bind(after.map(|(_, id)| id))
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

/// Markers that took effect within `[from, to]`, oldest first (for the charts).
pub async fn between(
    conn: &mut PgConnection,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> sqlx::Result<Vec<MarkerRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where m.effective_on between $1 and $2 order by m.effective_on, m.id"
    ))
    .bind(jiff_sqlx::Date::from(from))
    .bind(jiff_sqlx::Date::from(to))
    .fetch_all(conn)
    .await
}

/// Deletes a marker; `false` when there was none.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("delete from insight_markers where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

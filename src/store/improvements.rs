//! The improvement register (migration 44): ideas, their state and the record they came from.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImprovementRow {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub description: String,
    pub state: String,
    pub reason: Option<String>,
    pub incident: Option<String>,
    pub problem: Option<String>,
    pub department_id: Option<Uuid>,
    pub submitted_by_id: Uuid,
    pub submitted_by: String,
    pub submitted_at: jiff_sqlx::Timestamp,
    pub state_since: jiff_sqlx::Timestamp,
    pub marker_id: Option<Uuid>,
    pub version: i64,
    pub updated_at: jiff_sqlx::Timestamp,
}

const SELECT: &str = "select m.id, m.number, m.title, m.description, m.state, m.reason, \
     i.number as incident, p.number as problem, m.department_id, m.submitted_by_id, \
     u.email as submitted_by, m.submitted_at, m.state_since, m.marker_id, m.version, m.updated_at \
     from improvements m \
     join users u on u.id = m.submitted_by_id \
     left join incidents i on i.id = m.incident_id \
     left join problems p on p.id = m.problem_id";

/// Who may read which ideas: the submitter their own; others those not of a confidential
/// department they are no member of (`$hidden`). As SQL over `m`, with the reader's id and
/// hidden departments at the given parameters.
fn readable(reader: usize, hidden: usize) -> String {
    format!(
        "(m.submitted_by_id = ${reader} or m.department_id is null \
          or not m.department_id = any(${hidden}))"
    )
}

pub struct NewImprovement<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub incident_id: Option<Uuid>,
    pub problem_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub submitted_by_id: Uuid,
}

pub async fn insert(
    conn: &mut PgConnection,
    new: &NewImprovement<'_>,
) -> sqlx::Result<ImprovementRow> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into improvements (id, title, description, incident_id, problem_id, department_id, \
             submitted_by_id) values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(new.title)
    .bind(new.description)
    .bind(new.incident_id)
    .bind(new.problem_id)
    .bind(new.department_id)
    .bind(new.submitted_by_id)
    .execute(&mut *conn)
    .await?;
    by_id(conn, id).await?.ok_or(sqlx::Error::RowNotFound)
}

pub async fn by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ImprovementRow>> {
    sqlx::query_as(&format!("{SELECT} where m.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The idea `number` names when the reader may read it; locked for a change with `lock`.
pub async fn find(
    conn: &mut PgConnection,
    number: &str,
    reader: Uuid,
    hidden: &[Uuid],
    lock: bool,
) -> sqlx::Result<Option<ImprovementRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where m.number = $1 and {} {}",
        readable(2, 3),
        if lock { "for update of m" } else { "" }
    ))
    .bind(number)
    .bind(reader)
    .bind(hidden)
    .fetch_optional(conn)
    .await
}

/// Moves an idea to `state` with the reason given (kept until the next move).
pub async fn set_state(
    conn: &mut PgConnection,
    id: Uuid,
    state: &str,
    reason: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update improvements set state = $2, reason = $3, state_since = now(), \
             version = version + 1, updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the PDCA marker a done idea became.
pub async fn set_marker(conn: &mut PgConnection, id: Uuid, marker: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "update improvements set marker_id = $2, version = version + 1, updated_at = now() \
         where id = $1",
    )
    .bind(id)
    .bind(marker)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a list of ideas is narrowed to.
pub struct Filter<'a> {
    pub state: Option<&'a str>,
    /// Only the ideas this person submitted.
    pub submitted_by: Option<Uuid>,
    pub reader: Uuid,
    pub hidden: &'a [Uuid],
}

/// The ideas the reader may read, newest first, after the keyset `(submitted_at, id)`;
/// `limit + 1` at most.
pub async fn list(
    conn: &mut PgConnection,
    filter: &Filter<'_>,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<ImprovementRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where {} and ($3::text is null or m.state = $3) \
           and ($4::uuid is null or m.submitted_by_id = $4) \
           and ($5::timestamptz is null or (m.submitted_at, m.id) < ($5, $6)) \
         order by m.submitted_at desc, m.id desc limit $7",
        readable(1, 2)
    ))
    .bind(filter.reader)
    .bind(filter.hidden)
    .bind(filter.state)
    .bind(filter.submitted_by)
    .bind(after.map(|(at, _)| jiff_sqlx::Timestamp::from(at)))
    .bind(after.map(|(_, id)| id))
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

/// Per state: how many ideas, and the median and oldest age in days of those (since
/// submitted), among those the reader may read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StateCount {
    pub state: String,
    pub count: i64,
    pub median_age_days: Option<f64>,
    pub oldest_age_days: Option<f64>,
}

pub async fn counts(
    conn: &mut PgConnection,
    reader: Uuid,
    hidden: &[Uuid],
) -> sqlx::Result<Vec<StateCount>> {
    sqlx::query_as(&format!(
        "select m.state, count(*) as count, \
                (percentile_disc(0.5) within group (order by extract(epoch from now() - m.submitted_at)) / 86400)::float8 as median_age_days, \
                (max(extract(epoch from now() - m.submitted_at)) / 86400)::float8 as oldest_age_days \
         from improvements m where {} group by m.state",
        readable(1, 2)
    ))
    .bind(reader)
    .bind(hidden)
    .fetch_all(conn)
    .await
}

/// The id and department of the incident or problem `number` names (`table`: `incidents`
/// or `problems`).
pub async fn record_place(
    conn: &mut PgConnection,
    table: &str,
    number: &str,
) -> sqlx::Result<Option<(Uuid, Option<Uuid>)>> {
    let table = if table == "problems" {
        "problems"
    } else {
        "incidents"
    };
    sqlx::query_as(&format!(
        "select id, department_id from {table} where number = $1"
    ))
    .bind(number)
    .fetch_optional(conn)
    .await
}

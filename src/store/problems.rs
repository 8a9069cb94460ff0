//! Problems: reading, writing (with the optimistic `version`), lists and known-error search.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use super::codec::{at, maybe_at};
use crate::domain::incident::Level;
use crate::domain::problem::{Problem, ProblemResolution, ProblemState};

/// A problem as `COLUMNS` reads it.
impl<'r> sqlx::FromRow<'r, PgRow> for Problem {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Ok(Problem {
            id: row.try_get("id")?,
            number: row.try_get("number")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            state: row.try_get("state")?,
            known_error: row.try_get("known_error")?,
            root_cause: row.try_get("root_cause")?,
            workaround: row.try_get("workaround")?,
            resolution_code: row.try_get("resolution_code")?,
            fix_notes: row.try_get("fix_notes")?,
            impact: row.try_get("impact")?,
            urgency: row.try_get("urgency")?,
            priority: row.try_get("priority")?,
            service_id: row.try_get("service_id")?,
            service: row.try_get("service")?,
            assignment_group_id: row.try_get("assignment_group_id")?,
            assignment_group: row.try_get("assignment_group")?,
            assignee_id: row.try_get("assignee_id")?,
            assignee: row.try_get("assignee")?,
            department_id: row.try_get("department_id")?,
            department: row.try_get("department")?,
            incident_count: row.try_get("incident_count")?,
            opened_by: row.try_get("opened_by")?,
            opened_at: at(row, "opened_at")?,
            updated_at: at(row, "updated_at")?,
            resolved_at: maybe_at(row, "resolved_at")?,
            closed_at: maybe_at(row, "closed_at")?,
            version: row.try_get("version")?,
        })
    }
}

const COLUMNS: &str = "p.id, p.number, p.title, p.description, p.state, p.known_error, p.root_cause, p.workaround, \
     p.resolution_code, p.fix_notes, p.impact, p.urgency, p.priority, p.service_id, s.key as service, \
     p.assignment_group_id, g.key as assignment_group, p.assignee_id, a.email as assignee, p.department_id, dep.key as department, \
     (select count(*) from incidents i where i.problem_id = p.id) as incident_count, \
     o.email as opened_by, p.opened_at, p.updated_at, p.resolved_at, p.closed_at, p.version";

const FROM: &str = " from problems p \
     left join services s on s.id = p.service_id \
     left join groups g on g.id = p.assignment_group_id \
     left join users a on a.id = p.assignee_id \
     left join departments dep on dep.id = p.department_id \
     join users o on o.id = p.opened_by_id";

/// `FROM` without its first table, for queries that pick the problems first.
const JOINS: &str = " \
     left join services s on s.id = p.service_id \
     left join groups g on g.id = p.assignment_group_id \
     left join users a on a.id = p.assignee_id \
     left join departments dep on dep.id = p.department_id \
     join users o on o.id = p.opened_by_id";

pub struct NewProblem<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub impact: Level,
    pub urgency: Level,
    pub priority: i16,
    pub service_id: Option<Uuid>,
    pub assignment_group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub opened_by_id: Uuid,
}

impl<'a> NewProblem<'a> {
    /// A problem made from an incident: its title, description, impact, urgency, priority
    /// and service, no group or assignee yet.
    pub fn copied_from(
        incident: &'a crate::domain::incident::Incident,
        opened_by_id: Uuid,
    ) -> Self {
        NewProblem {
            title: &incident.title,
            description: &incident.description,
            impact: incident.impact,
            urgency: incident.urgency,
            priority: incident.priority,
            service_id: incident.service_id,
            assignment_group_id: None,
            assignee_id: None,
            opened_by_id,
        }
    }
}

pub async fn insert(conn: &mut PgConnection, new: &NewProblem<'_>) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into problems (id, title, description, impact, urgency, priority, service_id, assignment_group_id, \
         assignee_id, opened_by_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(new.title)
    .bind(new.description)
    .bind(new.impact)
    .bind(new.urgency)
    .bind(new.priority)
    .bind(new.service_id)
    .bind(new.assignment_group_id)
    .bind(new.assignee_id)
    .bind(new.opened_by_id)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn find_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<Problem>> {
    sqlx::query_as(&format!("select {COLUMNS}{FROM} where p.number = $1"))
        .bind(number)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Problem>> {
    sqlx::query_as(&format!("select {COLUMNS}{FROM} where p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Locks the problem's row until the transaction ends.
pub async fn lock_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<Problem>> {
    let id: Option<Uuid> =
        sqlx::query_scalar("select id from problems where number = $1 for update")
            .bind(number)
            .fetch_optional(&mut *conn)
            .await?;
    match id {
        Some(id) => find_by_id(conn, id).await,
        None => Ok(None),
    }
}

/// Writes `problem` back over version `expected`; `false` when the version moved on.
pub async fn update(
    conn: &mut PgConnection,
    problem: &Problem,
    expected: i64,
) -> sqlx::Result<bool> {
    let ts = |t: Option<jiff::Timestamp>| t.map(jiff_sqlx::Timestamp::from);
    let done = sqlx::query(
        "update problems set title = $2, description = $3, state = $4, known_error = $5, root_cause = $6, \
         workaround = $7, resolution_code = $8, fix_notes = $9, impact = $10, urgency = $11, priority = $12, \
         service_id = $13, assignment_group_id = $14, assignee_id = $15, resolved_at = $16, closed_at = $17, \
         updated_at = now(), version = version + 1 where id = $1 and version = $18",
    )
    .bind(problem.id)
    .bind(&problem.title)
    .bind(&problem.description)
    .bind(problem.state)
    .bind(problem.known_error)
    .bind(&problem.root_cause)
    .bind(&problem.workaround)
    .bind(problem.resolution_code.map(ProblemResolution::as_str))
    .bind(&problem.fix_notes)
    .bind(problem.impact)
    .bind(problem.urgency)
    .bind(problem.priority)
    .bind(problem.service_id)
    .bind(problem.assignment_group_id)
    .bind(problem.assignee_id)
    .bind(ts(problem.resolved_at))
    .bind(ts(problem.closed_at))
    .bind(expected)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the problem active without changing it (a comment, a link).
pub async fn touch(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("update problems set updated_at = now() where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<ProblemState>,
    pub known_error: Option<bool>,
    pub service_id: Option<Uuid>,
    pub assignment_group_id: Option<Uuid>,
    /// A tsquery (see `incidents::as_tsquery`).
    pub tsquery: Option<String>,
    /// Only the problem with this number (typed into the search).
    pub number: Option<String>,
    /// Not the problems of these (confidential) departments.
    pub hidden_departments: Vec<Uuid>,
}

/// Problems newest first after `(updated_at, id)`; `limit + 1` rows at most.
pub async fn list(
    conn: &mut PgConnection,
    filter: &Filter,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<Problem>> {
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("select {COLUMNS}{FROM} where true"));
    super::one_of(&mut q, "p.state", &filter.states);
    if let Some(known) = filter.known_error {
        q.push(" and p.known_error = ").push_bind(known);
    }
    if let Some(service) = filter.service_id {
        q.push(" and p.service_id = ").push_bind(service);
    }
    if let Some(group) = filter.assignment_group_id {
        q.push(" and p.assignment_group_id = ").push_bind(group);
    }
    if let Some(number) = &filter.number {
        q.push(" and p.number = ").push_bind(number.clone());
    }
    if !filter.hidden_departments.is_empty() {
        q.push(" and (p.department_id is null or p.department_id <> all(")
            .push_bind(filter.hidden_departments.clone())
            .push("))");
    }
    if let Some(tsquery) = &filter.tsquery {
        q.push(" and p.doc_vector @@ (")
            .push_bind(tsquery.clone())
            .push("::tsquery)");
    }
    super::newest_first(&mut q, "p", after, limit);
    let rows: Vec<Problem> = q.build_query_as().fetch_all(conn).await?;
    Ok(rows)
}

fn known_errors_sql(prefix: &str) -> String {
    format!(
        "{prefix}select {COLUMNS}, k.rank from (select p.id, ts_rank(p.doc_vector, $1::tsquery)::real as rank \
         from problems p where p.known_error and p.state <> 'closed' and p.doc_vector @@ $1::tsquery \
         and (p.department_id is null or p.department_id <> all($3)) \
         order by rank desc, p.updated_at desc limit $2) k join problems p on p.id = k.id{JOINS} \
         order by k.rank desc, p.updated_at desc"
    )
}

/// The plan of the known-error search (`EXPLAIN (ANALYZE, BUFFERS)`), one line per row.
pub async fn explain_known_errors(
    conn: &mut PgConnection,
    tsquery: &str,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(&known_errors_sql("explain (analyze, buffers) "))
        .bind(tsquery)
        .bind(limit)
        .bind(Vec::<Uuid>::new())
        .fetch_all(conn)
        .await
}

/// Known errors matching a tsquery, best match first, none of the hidden departments.
pub async fn known_errors(
    conn: &mut PgConnection,
    tsquery: &str,
    limit: i64,
    hidden_departments: &[Uuid],
) -> sqlx::Result<Vec<(Problem, f32)>> {
    #[derive(sqlx::FromRow)]
    struct Ranked {
        #[sqlx(flatten)]
        problem: Problem,
        rank: f32,
    }
    let rows: Vec<Ranked> = sqlx::query_as(&known_errors_sql(""))
        .bind(tsquery)
        .bind(limit)
        .bind(hidden_departments)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.problem, r.rank)).collect())
}

/// Records that a known error's workaround solved someone's problem without a ticket.
pub async fn record_deflection(
    conn: &mut PgConnection,
    user: Uuid,
    problem: Uuid,
    query: &str,
) -> sqlx::Result<()> {
    sqlx::query("insert into deflections (user_id, problem_id, query) values ($1, $2, $3)")
        .bind(user)
        .bind(problem)
        .bind(query)
        .execute(conn)
        .await?;
    Ok(())
}

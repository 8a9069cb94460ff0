//! Service requests: reading, writing (with the optimistic `version`) and keyset lists.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use super::codec::{at, maybe_at};
use crate::domain::request::{RequestState, ServiceRequest};

/// A request as `COLUMNS` reads it.
impl<'r> sqlx::FromRow<'r, PgRow> for ServiceRequest {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        let values = match row.try_get::<serde_json::Value, _>("form_values")? {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        Ok(ServiceRequest {
            id: row.try_get("id")?,
            number: row.try_get("number")?,
            request_type_id: row.try_get("request_type_id")?,
            request_type: row.try_get("request_type")?,
            department_id: row.try_get("department_id")?,
            department: row.try_get("department")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            state: row.try_get("state")?,
            values,
            caller_id: row.try_get("caller_id")?,
            caller: row.try_get("caller")?,
            assignment_group_id: row.try_get("assignment_group_id")?,
            assignment_group: row.try_get("assignment_group")?,
            assignee_id: row.try_get("assignee_id")?,
            assignee: row.try_get("assignee")?,
            outcome: row.try_get("outcome")?,
            approval_stage: row.try_get("approval_stage")?,
            tasks_total: row.try_get("tasks_total")?,
            tasks_done: row.try_get("tasks_done")?,
            opened_by: row.try_get("opened_by")?,
            opened_at: at(row, "opened_at")?,
            updated_at: at(row, "updated_at")?,
            fulfilled_at: maybe_at(row, "fulfilled_at")?,
            closed_at: maybe_at(row, "closed_at")?,
            version: row.try_get("version")?,
            sla_policy_id: row.try_get("sla_policy_id")?,
            response_due: maybe_at(row, "response_due")?,
            resolution_due: maybe_at(row, "resolution_due")?,
            responded_at: maybe_at(row, "responded_at")?,
            sla_paused_seconds: row.try_get("sla_paused_seconds")?,
            sla_paused_since: maybe_at(row, "sla_paused_since")?,
            sla_response_breached_at: maybe_at(row, "sla_response_breached_at")?,
            sla_resolution_breached_at: maybe_at(row, "sla_resolution_breached_at")?,
            sla_next_check: maybe_at(row, "sla_next_check")?,
            sla_at_risk_due: maybe_at(row, "sla_at_risk_due")?,
            sla_at_risk_at: maybe_at(row, "sla_at_risk_at")?,
        })
    }
}

const COLUMNS: &str = "r.id, r.number, r.request_type_id, t.key as request_type, r.department_id, dep.key as department, \
     r.title, r.description, r.state, r.form_values, r.caller_id, c.email as caller, r.assignment_group_id, \
     g.key as assignment_group, r.assignee_id, a.email as assignee, r.outcome, r.approval_stage, o.email as opened_by, \
     (select count(*) from request_tasks k where k.request_id = r.id) as tasks_total, \
     (select count(*) from request_tasks k where k.request_id = r.id and k.state = 'done') as tasks_done, \
     r.opened_at, r.updated_at, r.fulfilled_at, r.closed_at, r.version, r.sla_policy_id, r.response_due, \
     r.resolution_due, r.responded_at, r.sla_paused_seconds, r.sla_paused_since, r.sla_response_breached_at, \
     r.sla_resolution_breached_at, r.sla_next_check, r.sla_at_risk_due, r.sla_at_risk_at";

const FROM: &str = " from requests r \
     join request_types t on t.id = r.request_type_id \
     join departments dep on dep.id = r.department_id \
     join users c on c.id = r.caller_id \
     left join groups g on g.id = r.assignment_group_id \
     left join users a on a.id = r.assignee_id \
     join users o on o.id = r.opened_by_id";

pub struct NewRequest<'a> {
    pub request_type_id: Uuid,
    pub department_id: Uuid,
    pub title: &'a str,
    pub description: &'a str,
    pub values: &'a serde_json::Map<String, serde_json::Value>,
    pub caller_id: Uuid,
    pub assignment_group_id: Option<Uuid>,
    pub opened_by_id: Uuid,
    /// Its type's service level: the policy and the due dates from the moment it is opened.
    pub clock: Option<NewClock>,
}

/// The service level a request starts with.
#[derive(Debug, Clone, Copy)]
pub struct NewClock {
    pub policy_id: Uuid,
    pub opened_at: jiff::Timestamp,
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub at_risk_due: Option<jiff::Timestamp>,
}

pub async fn insert(conn: &mut PgConnection, new: &NewRequest<'_>) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into requests (id, request_type_id, department_id, title, description, form_values, caller_id, \
         assignment_group_id, opened_by_id, opened_at, updated_at, sla_policy_id, response_due, resolution_due, \
         sla_at_risk_due, sla_next_check) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, now()), \
         coalesce($10, now()), $11, $12, $13, $14, least($12, $13, $14))",
    )
    .bind(id)
    .bind(new.request_type_id)
    .bind(new.department_id)
    .bind(new.title)
    .bind(new.description)
    .bind(serde_json::Value::Object(new.values.clone()))
    .bind(new.caller_id)
    .bind(new.assignment_group_id)
    .bind(new.opened_by_id)
    .bind(new.clock.map(|c| jiff_sqlx::Timestamp::from(c.opened_at)))
    .bind(new.clock.map(|c| c.policy_id))
    .bind(new.clock.and_then(|c| c.response_due.map(jiff_sqlx::Timestamp::from)))
    .bind(new.clock.and_then(|c| c.resolution_due.map(jiff_sqlx::Timestamp::from)))
    .bind(new.clock.and_then(|c| c.at_risk_due.map(jiff_sqlx::Timestamp::from)))
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn find_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<ServiceRequest>> {
    sqlx::query_as(&format!("select {COLUMNS}{FROM} where r.number = $1"))
        .bind(number)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ServiceRequest>> {
    sqlx::query_as(&format!("select {COLUMNS}{FROM} where r.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Locks up to `limit` fulfilled requests fulfilled before `before`, the oldest first,
/// skipping those another process holds.
pub async fn lock_fulfilled_before(
    conn: &mut PgConnection,
    before: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from requests where state = 'fulfilled' and fulfilled_at < $1 \
         order by fulfilled_at, id limit $2 for update skip locked",
    )
    .bind(jiff_sqlx::Timestamp::from(before))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Claims up to `limit` requests whose SLA clock is due for a look by `now`, skipping those
/// another process holds.
pub async fn claim_sla_checks(
    conn: &mut PgConnection,
    now: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from requests where sla_next_check <= $1 \
         order by sla_next_check limit $2 for update skip locked",
    )
    .bind(jiff_sqlx::Timestamp::from(now))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Writes the SLA worker's marks and next look, as a change (a new version).
pub async fn set_sla_marks(conn: &mut PgConnection, request: &ServiceRequest) -> sqlx::Result<()> {
    let ts = |t: Option<jiff::Timestamp>| t.map(jiff_sqlx::Timestamp::from);
    sqlx::query(
        "update requests set sla_response_breached_at = $2, sla_resolution_breached_at = $3, \
         sla_next_check = $4, sla_at_risk_at = $5, updated_at = now(), version = version + 1 where id = $1",
    )
    .bind(request.id)
    .bind(ts(request.sla_response_breached_at))
    .bind(ts(request.sla_resolution_breached_at))
    .bind(ts(request.sla_next_check))
    .bind(ts(request.sla_at_risk_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the request's row until the transaction ends, by its id.
pub async fn lock_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ServiceRequest>> {
    sqlx::query("select 1 from requests where id = $1 for update")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    find_by_id(conn, id).await
}

/// Locks the request's row until the transaction ends.
pub async fn lock_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<ServiceRequest>> {
    let id: Option<Uuid> =
        sqlx::query_scalar("select id from requests where number = $1 for update")
            .bind(number)
            .fetch_optional(&mut *conn)
            .await?;
    match id {
        Some(id) => find_by_id(conn, id).await,
        None => Ok(None),
    }
}

/// Writes `request` back over version `expected`; `false` when the version moved on.
pub async fn update(
    conn: &mut PgConnection,
    request: &ServiceRequest,
    expected: i64,
) -> sqlx::Result<bool> {
    let ts = |t: Option<jiff::Timestamp>| t.map(jiff_sqlx::Timestamp::from);
    let done = sqlx::query(
        "update requests set title = $2, description = $3, state = $4, assignment_group_id = $5, \
         assignee_id = $6, outcome = $7, fulfilled_at = $8, closed_at = $9, approval_stage = $11, \
         responded_at = $12, resolution_due = $13, sla_paused_seconds = $14, sla_paused_since = $15, \
         sla_response_breached_at = $16, sla_resolution_breached_at = $17, sla_next_check = $18, \
         sla_at_risk_due = $19, sla_at_risk_at = $20, \
         updated_at = now(), version = version + 1 where id = $1 and version = $10",
    )
    .bind(request.id)
    .bind(&request.title)
    .bind(&request.description)
    .bind(request.state)
    .bind(request.assignment_group_id)
    .bind(request.assignee_id)
    .bind(&request.outcome)
    .bind(ts(request.fulfilled_at))
    .bind(ts(request.closed_at))
    .bind(expected)
    .bind(request.approval_stage)
    .bind(ts(request.responded_at))
    .bind(ts(request.resolution_due))
    .bind(request.sla_paused_seconds)
    .bind(ts(request.sla_paused_since))
    .bind(ts(request.sla_response_breached_at))
    .bind(ts(request.sla_resolution_breached_at))
    .bind(ts(request.sla_next_check))
    .bind(ts(request.sla_at_risk_due))
    .bind(ts(request.sla_at_risk_at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the request active without changing it (a comment): a new `updated_at` and
/// version, so syncing clients see the change; `responds`: the desk answered (the first
/// answer is its response).
pub async fn touch(conn: &mut PgConnection, id: Uuid, responds: bool) -> sqlx::Result<()> {
    sqlx::query(
        "update requests set updated_at = now(), version = version + 1, \
         responded_at = case when $2 then coalesce(responded_at, now()) else responded_at end \
         where id = $1",
    )
    .bind(id)
    .bind(responds)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the desk's first response (a task taken or done), when none came yet.
pub async fn responded(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("update requests set responded_at = now() where id = $1 and responded_at is null")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<RequestState>,
    pub request_type_id: Option<Uuid>,
    pub assignment_group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub caller_id: Option<Uuid>,
    /// A tsquery (`store::search::as_tsquery`).
    pub tsquery: Option<String>,
    /// Only the request with this number (typed into the search).
    pub number: Option<String>,
    /// Not the requests of these (confidential) departments, unless `visible_caller` is
    /// their caller.
    pub hidden_departments: Vec<Uuid>,
    pub visible_caller: Option<Uuid>,
}

/// Requests newest change first after `(updated_at, id)`; `limit + 1` rows at most.
pub async fn list(
    conn: &mut PgConnection,
    filter: &Filter,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<ServiceRequest>> {
    list_query("", filter, after, limit)
        .build_query_as()
        .fetch_all(conn)
        .await
}

/// The plan of [`list`] (`EXPLAIN (ANALYZE, BUFFERS)`), one line per row.
pub async fn explain_list(
    conn: &mut PgConnection,
    filter: &Filter,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    list_query("explain (analyze, buffers) ", filter, after, limit)
        .build_query_scalar()
        .fetch_all(conn)
        .await
}

fn list_query<'a>(
    prefix: &str,
    filter: &'a Filter,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> QueryBuilder<'a, Postgres> {
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("{prefix}select {COLUMNS}{FROM} where true"));
    super::one_of(&mut q, "r.state", &filter.states);
    if let Some(id) = filter.request_type_id {
        q.push(" and r.request_type_id = ").push_bind(id);
    }
    if let Some(id) = filter.assignment_group_id {
        q.push(" and r.assignment_group_id = ").push_bind(id);
    }
    if let Some(id) = filter.assignee_id {
        q.push(" and r.assignee_id = ").push_bind(id);
    }
    if let Some(id) = filter.caller_id {
        q.push(" and r.caller_id = ").push_bind(id);
    }
    if let Some(number) = &filter.number {
        q.push(" and r.number = ").push_bind(number.clone());
    }
    if !filter.hidden_departments.is_empty() {
        q.push(" and (r.department_id <> all(")
            .push_bind(filter.hidden_departments.clone())
            .push(")");
        if let Some(me) = filter.visible_caller {
            q.push(" or r.caller_id = ").push_bind(me);
        }
        q.push(")");
    }
    if let Some(tsquery) = &filter.tsquery {
        q.push(" and r.doc_vector @@ (")
            .push_bind(tsquery.clone())
            .push("::tsquery)");
    }
    super::newest_first(&mut q, "r", after, limit);
    q
}

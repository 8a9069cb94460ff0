//! Incidents: reading and writing one (with the optimistic `version`), links, and the SLA
//! clock's columns. Lists are in `incident_list.rs`, full-text search in `search.rs`.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::{at, maybe_at};
use super::names;
use crate::domain::incident::{HoldReason, Incident, IncidentState, Level, ResolutionCode};

/// An incident as `COLUMNS` (or `RETURNING *` joined the same way) reads it.
impl<'r> sqlx::FromRow<'r, PgRow> for Incident {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Ok(Incident {
            id: row.try_get("id")?,
            number: row.try_get("number")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            state: row.try_get("state")?,
            hold_reason: row.try_get("hold_reason")?,
            impact: row.try_get("impact")?,
            urgency: row.try_get("urgency")?,
            priority: row.try_get("priority")?,
            caller_email: row.try_get("caller_email")?,
            caller_id: row.try_get("caller_id")?,
            service_id: row.try_get("service_id")?,
            service: row.try_get("service")?,
            category: row.try_get("category")?,
            assignment_group_id: row.try_get("assignment_group_id")?,
            assignment_group: row.try_get("assignment_group")?,
            assignee_id: row.try_get("assignee_id")?,
            assignee: row.try_get("assignee")?,
            parent_id: row.try_get("parent_id")?,
            parent: row.try_get("parent")?,
            problem_id: row.try_get("problem_id")?,
            problem: row.try_get("problem")?,
            department_id: row.try_get("department_id")?,
            department: row.try_get("department")?,
            major: row.try_get("major")?,
            resolution_code: row.try_get("resolution_code")?,
            resolution_notes: row.try_get("resolution_notes")?,
            response_due: maybe_at(row, "response_due")?,
            resolution_due: maybe_at(row, "resolution_due")?,
            responded_at: maybe_at(row, "responded_at")?,
            sla_policy_id: row.try_get("sla_policy_id")?,
            sla_paused_seconds: row.try_get("sla_paused_seconds")?,
            sla_paused_since: maybe_at(row, "sla_paused_since")?,
            sla_at_risk_due: maybe_at(row, "sla_at_risk_due")?,
            sla_at_risk_at: maybe_at(row, "sla_at_risk_at")?,
            sla_response_breached_at: maybe_at(row, "sla_response_breached_at")?,
            sla_resolution_breached_at: maybe_at(row, "sla_resolution_breached_at")?,
            sla_next_check: maybe_at(row, "sla_next_check")?,
            reassignment_count: row.try_get("reassignment_count")?,
            opened_by_id: row.try_get("opened_by_id")?,
            opened_by: row.try_get("opened_by")?,
            opened_at: at(row, "opened_at")?,
            updated_at: at(row, "updated_at")?,
            resolved_at: maybe_at(row, "resolved_at")?,
            closed_at: maybe_at(row, "closed_at")?,
            version: row.try_get("version")?,
        })
    }
}

pub(crate) const COLUMNS: &str = "i.id, i.number, i.title, i.description, i.state, i.hold_reason, i.impact, i.urgency, \
     i.priority, i.caller_email, i.caller_id, i.service_id, s.key as service, i.category, \
     i.assignment_group_id, g.key as assignment_group, i.assignee_id, a.email as assignee, \
     i.parent_id, p.number as parent, i.problem_id, pr.number as problem, i.department_id, dep.key as department, i.major, i.resolution_code, i.resolution_notes, \
     i.response_due, i.resolution_due, i.responded_at, i.sla_policy_id, i.sla_paused_seconds, i.sla_paused_since, i.sla_at_risk_due, i.sla_at_risk_at, \
     i.sla_response_breached_at, i.sla_resolution_breached_at, i.sla_next_check, i.reassignment_count, i.opened_by_id, o.email as opened_by, \
     i.opened_at, i.updated_at, i.resolved_at, i.closed_at, i.version";

pub(crate) const FROM: &str = " from incidents i";

/// What every incident row shows besides its own columns.
pub(crate) const JOINS: &str = " \
     left join services s on s.id = i.service_id \
     left join groups g on g.id = i.assignment_group_id \
     left join users a on a.id = i.assignee_id \
     left join incidents p on p.id = i.parent_id \
     left join problems pr on pr.id = i.problem_id \
     left join departments dep on dep.id = i.department_id \
     join users o on o.id = i.opened_by_id";

/// The fields of a new incident.
pub struct NewIncident<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub impact: Level,
    pub urgency: Level,
    pub priority: i16,
    pub caller_email: Option<&'a str>,
    pub caller_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub category: Option<&'a str>,
    pub assignment_group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub major: bool,
    pub opened_by_id: Uuid,
    pub opened_at: jiff::Timestamp,
    /// The service level's clock, computed before the insert so the row is written once.
    pub sla: Option<NewClock>,
}

/// A new incident's service level: its policy and due dates.
#[derive(Debug, Clone, Copy)]
pub struct NewClock {
    pub policy_id: Uuid,
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub at_risk_due: Option<jiff::Timestamp>,
    pub next_check: Option<jiff::Timestamp>,
}

/// Inserts the incident and reads it back with its references, in one round trip.
pub async fn insert(conn: &mut PgConnection, new: &NewIncident<'_>) -> sqlx::Result<Incident> {
    let id = Uuid::now_v7();
    sqlx::query_as(&format!(
        "with i as (insert into incidents (id, title, description, impact, urgency, priority, caller_email, caller_id, \
         service_id, category, assignment_group_id, assignee_id, parent_id, major, opened_by_id, opened_at, updated_at, \
         sla_policy_id, response_due, resolution_due, sla_at_risk_due, sla_next_check) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19, $20, $21) \
         returning *) \
         select {COLUMNS} from i{JOINS}"
    ))
    .bind(id)
    .bind(new.title)
    .bind(new.description)
    .bind(new.impact)
    .bind(new.urgency)
    .bind(new.priority)
    .bind(new.caller_email)
    .bind(new.caller_id)
    .bind(new.service_id)
    .bind(new.category)
    .bind(new.assignment_group_id)
    .bind(new.assignee_id)
    .bind(new.parent_id)
    .bind(new.major)
    .bind(new.opened_by_id)
    .bind(jiff_sqlx::Timestamp::from(new.opened_at))
    .bind(new.sla.map(|c| c.policy_id))
    .bind(new.sla.and_then(|c| c.response_due).map(jiff_sqlx::Timestamp::from))
    .bind(new.sla.and_then(|c| c.resolution_due).map(jiff_sqlx::Timestamp::from))
    .bind(new.sla.and_then(|c| c.at_risk_due).map(jiff_sqlx::Timestamp::from))
    .bind(new.sla.and_then(|c| c.next_check).map(jiff_sqlx::Timestamp::from))
    .fetch_one(conn)
    .await
}

/// The read of one incident by its number, after `prefix` (`EXPLAIN …` for the plans): the
/// row alone, without the joins of `COLUMNS`. The keys, e-mails and numbers it points at come
/// from `names` (they never change), so PostgreSQL reads one index entry and one row instead of
/// setting up a six-way join for every `GET` (13% of the machine under load, BENCHMARKS.md).
pub(crate) fn by_number_sql(prefix: &str) -> String {
    let columns = COLUMNS
        .replace("s.key as service", "null::text as service")
        .replace(
            "g.key as assignment_group",
            "null::text as assignment_group",
        )
        .replace("a.email as assignee", "null::text as assignee")
        .replace("p.number as parent", "null::text as parent")
        .replace("pr.number as problem", "null::text as problem")
        .replace("dep.key as department", "null::text as department")
        .replace("o.email as opened_by", "''::text as opened_by");
    format!("{prefix}select {columns}{FROM} where i.number = $1")
}

pub async fn find_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<Incident>> {
    // Built once: sqlx finds its prepared statement by the text, and this is the hottest read.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| by_number_sql(""));
    let found: Option<Incident> = sqlx::query_as(SQL.as_str())
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(mut incident) = found else {
        return Ok(None);
    };
    fill_names(conn, &mut incident).await?;
    Ok(Some(incident))
}

/// The seven names of an incident's row, in the order of `fill_names`'s query.
type Seven = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Fills the names of what `incident` points at (`names`: they never change) (service, group, assignee, parent, problem,
/// opener, department): from the cache, and the missing ones in one round trip.
async fn fill_names(conn: &mut PgConnection, incident: &mut Incident) -> sqlx::Result<()> {
    let ids = [
        incident.service_id,
        incident.assignment_group_id,
        incident.assignee_id,
        incident.parent_id,
        incident.problem_id,
        Some(incident.opened_by_id),
        incident.department_id,
    ];
    let mut names = names::cached(&ids);
    if ids
        .iter()
        .zip(&names)
        .any(|(id, name)| id.is_some() && name.is_none())
    {
        let wanted = |n: usize| ids[n].filter(|_| names[n].is_none());
        let found: Seven = sqlx::query_as(
            "select (select key from services where id = $1), (select key from groups where id = $2), \
             (select email from users where id = $3), (select number from incidents where id = $4), \
             (select number from problems where id = $5), (select email from users where id = $6), \
             (select key from departments where id = $7)",
        )
        .bind(wanted(0))
        .bind(wanted(1))
        .bind(wanted(2))
        .bind(wanted(3))
        .bind(wanted(4))
        .bind(wanted(5))
        .bind(wanted(6))
        .fetch_one(conn)
        .await?;
        let found = [
            found.0, found.1, found.2, found.3, found.4, found.5, found.6,
        ];
        names::remember(&ids, &found);
        for (name, found) in names.iter_mut().zip(found) {
            if name.is_none() {
                *name = found;
            }
        }
    }
    let [
        service,
        group,
        assignee,
        parent,
        problem,
        opened_by,
        department,
    ] = names;
    incident.service = service;
    incident.assignment_group = group;
    incident.assignee = assignee;
    incident.parent = parent;
    incident.problem = problem;
    incident.opened_by = opened_by.unwrap_or_default();
    incident.department = department;
    Ok(())
}

pub async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Incident>> {
    sqlx::query_as(&format!("select {COLUMNS}{FROM}{JOINS} where i.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Locks the incident's row until the transaction ends, so two writers take turns.
pub async fn lock_by_number(
    conn: &mut PgConnection,
    number: &str,
) -> sqlx::Result<Option<Incident>> {
    let id: Option<Uuid> =
        sqlx::query_scalar("select id from incidents where number = $1 for update")
            .bind(number)
            .fetch_optional(&mut *conn)
            .await?;
    match id {
        Some(id) => find_by_id(conn, id).await,
        None => Ok(None),
    }
}

/// Locks up to `limit` resolved incidents resolved before `before`, oldest first, skipping
/// those another process holds (`incidents_resolved_idx`); their ids.
pub async fn lock_resolved_before(
    conn: &mut PgConnection,
    before: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents where state = 'resolved' and resolved_at < $1 \
         order by resolved_at, id limit $2 for update skip locked",
    )
    .bind(jiff_sqlx::Timestamp::from(before))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Writes `incident` back over version `expected`, bumping the version. `false` when the
/// stored version is no longer `expected`.
pub async fn update(
    conn: &mut PgConnection,
    incident: &Incident,
    expected: i64,
) -> sqlx::Result<bool> {
    let ts = |t: Option<jiff::Timestamp>| t.map(jiff_sqlx::Timestamp::from);
    let done = sqlx::query(
        "update incidents set title = $2, description = $3, state = $4, hold_reason = $5, impact = $6, \
         urgency = $7, priority = $8, caller_email = $9, caller_id = $10, service_id = $11, category = $12, \
         assignment_group_id = $13, assignee_id = $14, parent_id = $15, major = $16, resolution_code = $17, \
         resolution_notes = $18, responded_at = $19, reassignment_count = $20, resolved_at = $21, \
         closed_at = $22, updated_at = now(), version = version + 1 \
         where id = $1 and version = $23",
    )
    .bind(incident.id)
    .bind(&incident.title)
    .bind(&incident.description)
    .bind(incident.state)
    .bind(incident.hold_reason.map(HoldReason::as_str))
    .bind(incident.impact)
    .bind(incident.urgency)
    .bind(incident.priority)
    .bind(&incident.caller_email)
    .bind(incident.caller_id)
    .bind(incident.service_id)
    .bind(&incident.category)
    .bind(incident.assignment_group_id)
    .bind(incident.assignee_id)
    .bind(incident.parent_id)
    .bind(incident.major)
    .bind(incident.resolution_code.map(ResolutionCode::as_str))
    .bind(&incident.resolution_notes)
    .bind(ts(incident.responded_at))
    .bind(incident.reassignment_count)
    .bind(ts(incident.resolved_at))
    .bind(ts(incident.closed_at))
    .bind(expected)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the incident active after a comment, adding a public comment's words (`body`) to
/// the search index; work notes (`None`) stay out of it, since every reader searches it.
pub async fn index_comment(
    conn: &mut PgConnection,
    id: Uuid,
    body: Option<&str>,
    responded: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "update incidents set comments_vector = case when $2::text is null then comments_vector \
         else comments_vector || leitstand_tsvector('C', $2) end, \
         updated_at = now(), responded_at = case when $3 then coalesce(responded_at, now()) else responded_at end \
         where id = $1",
    )
    .bind(id)
    .bind(body)
    .bind(responded)
    .execute(conn)
    .await?;
    Ok(())
}

/// Numbers and titles of the incidents whose parent is `id`.
/// The children of an incident (number, title, state), none of the `hidden` departments
/// unless `reader` is their caller.
pub async fn children(
    conn: &mut PgConnection,
    id: Uuid,
    hidden: &[Uuid],
    reader: Uuid,
) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "select number, title, state from incidents where parent_id = $1 \
         and (department_id is null or department_id <> all($2) or caller_id = $3) order by number",
    )
    .bind(id)
    .bind(hidden)
    .bind(reader)
    .fetch_all(conn)
    .await
}

pub async fn has_children(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists (select 1 from incidents where parent_id = $1)")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// Links the incident to a problem (or unlinks it with `None`): a change like any other, so
/// the version moves on.
pub async fn set_problem(
    conn: &mut PgConnection,
    id: Uuid,
    problem_id: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query("update incidents set problem_id = $2, updated_at = now(), version = version + 1 where id = $1")
        .bind(id)
        .bind(problem_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks and returns the incidents linked to a problem, those waiting for it first.
pub async fn lock_linked(conn: &mut PgConnection, problem_id: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents where problem_id = $1 \
         order by (hold_reason = 'awaiting_problem') desc nulls last, opened_at, id for update",
    )
    .bind(problem_id)
    .fetch_all(conn)
    .await
}

/// An incident as problem candidates see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: Uuid,
    pub number: String,
    pub service_id: Option<Uuid>,
    pub service: Option<String>,
    pub title: String,
    pub state: IncidentState,
    pub opened_at: jiff_sqlx::Timestamp,
    pub caller_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
}

/// Incidents opened since `since`, not linked to a problem and not canceled: walks
/// `incidents_opened_idx` over the window only.
pub async fn recent_unlinked(
    conn: &mut PgConnection,
    since: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<CandidateRow>> {
    sqlx::query_as(
        "select i.id, i.number, i.service_id, s.key as service, i.title, i.state, i.opened_at, \
         i.caller_id, i.department_id \
         from incidents i left join services s on s.id = i.service_id \
         where i.opened_at >= $1 and i.problem_id is null and i.state <> 'canceled' \
         order by i.opened_at desc, i.id desc limit $2",
    )
    .bind(jiff_sqlx::Timestamp::from(since))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Writes the service-level clock of an incident (its policy, due dates and pauses).
pub async fn set_sla(conn: &mut PgConnection, incident: &Incident) -> sqlx::Result<()> {
    let ts = |t: Option<jiff::Timestamp>| t.map(jiff_sqlx::Timestamp::from);
    sqlx::query(
        "update incidents set sla_policy_id = $2, response_due = $3, resolution_due = $4, \
         sla_paused_seconds = $5, sla_paused_since = $6, sla_at_risk_due = $7, sla_at_risk_at = $8, \
         sla_response_breached_at = $9, sla_resolution_breached_at = $10, sla_next_check = $11 where id = $1",
    )
    .bind(incident.id)
    .bind(incident.sla_policy_id)
    .bind(ts(incident.response_due))
    .bind(ts(incident.resolution_due))
    .bind(incident.sla_paused_seconds)
    .bind(ts(incident.sla_paused_since))
    .bind(ts(incident.sla_at_risk_due))
    .bind(ts(incident.sla_at_risk_at))
    .bind(ts(incident.sla_response_breached_at))
    .bind(ts(incident.sla_resolution_breached_at))
    .bind(ts(incident.sla_next_check))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a change made by the system (an SLA mark): a new version and `updated_at`.
pub async fn touch(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("update incidents set version = version + 1, updated_at = now() where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims up to `limit` incidents whose next SLA check is due, locking them; rows another
/// worker holds are skipped, so two workers never mark the same incident.
pub async fn claim_sla_checks(
    conn: &mut PgConnection,
    now: jiff::Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents where sla_next_check <= $1 order by sla_next_check limit $2 for update skip locked",
    )
    .bind(jiff_sqlx::Timestamp::from(now))
    .bind(limit)
    .fetch_all(conn)
    .await
}

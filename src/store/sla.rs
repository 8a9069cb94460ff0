//! Business-hour calendars and SLA policies.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CalendarRow {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub time_zone: String,
    pub week: serde_json::Value,
    pub holidays: serde_json::Value,
    pub always: bool,
    pub version: i64,
}

pub struct NewCalendar<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub time_zone: &'a str,
    pub week: serde_json::Value,
    pub holidays: serde_json::Value,
}

pub async fn insert_calendar(conn: &mut PgConnection, new: NewCalendar<'_>) -> sqlx::Result<Uuid> {
    super::reference_generation::changed();
    let id = Uuid::now_v7();
    sqlx::query("insert into sla_calendars (id, key, name, time_zone, week, holidays) values ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(new.key)
        .bind(new.name)
        .bind(new.time_zone)
        .bind(new.week)
        .bind(new.holidays)
        .execute(conn)
        .await?;
    Ok(id)
}

const CALENDAR: &str =
    "select id, key, name, time_zone, week, holidays, always, version from sla_calendars";

/// Writes a calendar's changeable parts and counts its version up.
pub async fn update_calendar(
    conn: &mut PgConnection,
    id: Uuid,
    change: NewCalendar<'_>,
) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query(
        "update sla_calendars set name = $2, time_zone = $3, week = $4, holidays = $5, \
         version = version + 1, updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(change.name)
    .bind(change.time_zone)
    .bind(change.week)
    .bind(change.holidays)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a calendar; a policy (live or retired) still using it makes this fail on
/// `sla_policies_calendar_fkey`.
pub async fn delete_calendar(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query("delete from sla_calendars where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn calendars(conn: &mut PgConnection) -> sqlx::Result<Vec<CalendarRow>> {
    sqlx::query_as(&format!("{CALENDAR} order by key"))
        .fetch_all(conn)
        .await
}

pub async fn calendar_by_key(
    conn: &mut PgConnection,
    key: &str,
) -> sqlx::Result<Option<CalendarRow>> {
    sqlx::query_as(&format!("{CALENDAR} where key = $1"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// A calendar by key, locked for a change.
pub async fn calendar_for_update(
    conn: &mut PgConnection,
    key: &str,
) -> sqlx::Result<Option<CalendarRow>> {
    sqlx::query_as(&format!("{CALENDAR} where key = $1 for update"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

pub async fn calendar_by_id(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<CalendarRow>> {
    sqlx::query_as(&format!("{CALENDAR} where id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PolicyRow {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub calendar_id: Uuid,
    pub calendar: String,
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    pub response_targets: Vec<i32>,
    pub resolution_targets: Vec<i32>,
    pub pause_reasons: Vec<String>,
    pub at_risk_percent: i16,
    pub version: i64,
}

pub struct NewPolicy<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub calendar_id: Uuid,
    pub service_id: Option<Uuid>,
    pub assignment_group_id: Option<Uuid>,
    pub response_targets: &'a [i32],
    pub resolution_targets: &'a [i32],
    pub pause_reasons: &'a [String],
    pub at_risk_percent: i16,
}

pub async fn insert_policy(conn: &mut PgConnection, new: NewPolicy<'_>) -> sqlx::Result<Uuid> {
    super::reference_generation::changed();
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into sla_policies (id, key, name, calendar_id, service_id, assignment_group_id, response_targets, \
         resolution_targets, pause_reasons, at_risk_percent) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(new.key)
    .bind(new.name)
    .bind(new.calendar_id)
    .bind(new.service_id)
    .bind(new.assignment_group_id)
    .bind(new.response_targets)
    .bind(new.resolution_targets)
    .bind(new.pause_reasons)
    .bind(new.at_risk_percent)
    .execute(conn)
    .await?;
    Ok(id)
}

const POLICY_COLUMNS: &str = "select p.id, p.key, p.name, p.calendar_id, c.key as calendar, s.key as service, \
     g.key as assignment_group, p.response_targets, p.resolution_targets, p.pause_reasons, p.at_risk_percent, \
     p.version";
const POLICY_FROM: &str = " from sla_policies p join sla_calendars c on c.id = p.calendar_id \
     left join services s on s.id = p.service_id left join groups g on g.id = p.assignment_group_id";
/// The live policies (not retired).
pub async fn policies(conn: &mut PgConnection) -> sqlx::Result<Vec<PolicyRow>> {
    sqlx::query_as(&format!(
        "{POLICY_COLUMNS}{POLICY_FROM} where p.retired_at is null order by p.key"
    ))
    .fetch_all(conn)
    .await
}

/// A live policy by its key.
pub async fn policy_by_key(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<PolicyRow>> {
    sqlx::query_as(&format!(
        "{POLICY_COLUMNS}{POLICY_FROM} where p.key = $1 and p.retired_at is null"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// A live policy by key, locked for a change.
pub async fn policy_for_update(
    conn: &mut PgConnection,
    key: &str,
) -> sqlx::Result<Option<PolicyRow>> {
    sqlx::query_as(&format!(
        "{POLICY_COLUMNS}{POLICY_FROM} where p.key = $1 and p.retired_at is null for update of p"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await
}

pub async fn policy_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<PolicyRow>> {
    sqlx::query_as(&format!("{POLICY_COLUMNS}{POLICY_FROM} where p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Writes a policy's changeable parts (everything but its key) and counts its version up.
pub async fn update_policy(
    conn: &mut PgConnection,
    id: Uuid,
    change: NewPolicy<'_>,
) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query(
        "update sla_policies set name = $2, calendar_id = $3, service_id = $4, assignment_group_id = $5, \
         response_targets = $6, resolution_targets = $7, pause_reasons = $8, at_risk_percent = $9, \
         version = version + 1, updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(change.name)
    .bind(change.calendar_id)
    .bind(change.service_id)
    .bind(change.assignment_group_id)
    .bind(change.response_targets)
    .bind(change.resolution_targets)
    .bind(change.pause_reasons)
    .bind(change.at_risk_percent)
    .execute(conn)
    .await?;
    Ok(())
}

/// Retires a policy: it no longer applies, and closed incidents keep it as their history.
pub async fn retire_policy(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query(
        "update sla_policies set retired_at = now(), version = version + 1, updated_at = now() \
         where id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The policy for an incident (its service's, else its group's, else the default) with its
/// calendar, in one round trip.
pub async fn applicable_policy(
    conn: &mut PgConnection,
    service_id: Option<Uuid>,
    group_id: Option<Uuid>,
) -> sqlx::Result<Option<(PolicyRow, CalendarRow)>> {
    #[derive(sqlx::FromRow)]
    struct Found {
        #[sqlx(flatten)]
        policy: PolicyRow,
        calendar_name: String,
        calendar_time_zone: String,
        calendar_week: serde_json::Value,
        calendar_holidays: serde_json::Value,
        calendar_always: bool,
    }
    let found: Option<Found> = sqlx::query_as(&format!(
        "{POLICY_COLUMNS}, c.name as calendar_name, c.time_zone as calendar_time_zone, c.week as calendar_week, \
         c.holidays as calendar_holidays, c.always as calendar_always{POLICY_FROM} \
         where p.retired_at is null and (p.service_id = $1 or p.assignment_group_id = $2 \
         or (p.service_id is null and p.assignment_group_id is null)) \
         order by (p.service_id is not null) desc, (p.assignment_group_id is not null) desc limit 1"
    ))
    .bind(service_id)
    .bind(group_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|f| {
        let calendar = CalendarRow {
            id: f.policy.calendar_id,
            key: f.policy.calendar.clone(),
            name: f.calendar_name,
            time_zone: f.calendar_time_zone,
            week: f.calendar_week,
            holidays: f.calendar_holidays,
            always: f.calendar_always,
            version: 0,
        };
        (f.policy, calendar)
    }))
}

// ------------------------------------------------------------------ recompute jobs

/// A job that brings the due dates of open incidents in line with a changed service level.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecomputeJob {
    pub id: i64,
    pub reason: String,
    pub state: String,
    pub total: i64,
    pub done: i64,
    pub moved: i64,
    pub after_opened: Option<jiff_sqlx::Timestamp>,
    pub after_id: Option<Uuid>,
    pub created_at: jiff_sqlx::Timestamp,
    pub started_at: Option<jiff_sqlx::Timestamp>,
    pub finished_at: Option<jiff_sqlx::Timestamp>,
}

const JOB: &str = "select id, reason, state, total, done, moved, after_opened, after_id, created_at, \
     started_at, finished_at from sla_recompute_jobs";

/// Queues a recompute of every open incident; a job still waiting or running is superseded
/// (the new one covers all of them again).
pub async fn queue_recompute(conn: &mut PgConnection, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "update sla_recompute_jobs set state = 'superseded', finished_at = now() \
         where state in ('pending', 'running')",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into sla_recompute_jobs (reason, total) select $1, count(*) from incidents \
         where state in ('new', 'in_progress', 'on_hold')",
    )
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims the job to work on, locking it; a job another process holds is skipped.
pub async fn claim_recompute(conn: &mut PgConnection) -> sqlx::Result<Option<RecomputeJob>> {
    sqlx::query_as(&format!(
        "{JOB} where state in ('pending', 'running') order by id limit 1 for update skip locked"
    ))
    .fetch_optional(conn)
    .await
}

/// The newest job, for the admin page.
pub async fn latest_recompute(conn: &mut PgConnection) -> sqlx::Result<Option<RecomputeJob>> {
    sqlx::query_as(&format!("{JOB} order by id desc limit 1"))
        .fetch_optional(conn)
        .await
}

/// The next batch of open incidents after the job's position, locked for the recompute.
pub async fn recompute_batch(
    conn: &mut PgConnection,
    job: &RecomputeJob,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "select id from incidents where state in ('new', 'in_progress', 'on_hold') \
         and ($1::timestamptz is null or (opened_at, id) > ($1, $2)) \
         order by opened_at, id limit $3 for update",
    )
    .bind(job.after_opened)
    .bind(job.after_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Records a finished batch: the position after it, and how many were done and moved.
pub async fn advance_recompute(
    conn: &mut PgConnection,
    id: i64,
    after: Option<(jiff::Timestamp, Uuid)>,
    done: i64,
    moved: i64,
) -> sqlx::Result<()> {
    let (opened, last) = after.map_or((None, None), |(at, id)| {
        (Some(jiff_sqlx::Timestamp::from(at)), Some(id))
    });
    sqlx::query(
        "update sla_recompute_jobs set state = case when $2::uuid is null then 'done' else 'running' end, \
         started_at = coalesce(started_at, now()), \
         finished_at = case when $2::uuid is null then now() end, \
         after_opened = coalesce($3, after_opened), after_id = coalesce($2, after_id), \
         done = done + $4, moved = moved + $5 where id = $1",
    )
    .bind(id)
    .bind(last)
    .bind(opened)
    .bind(done)
    .bind(moved)
    .execute(conn)
    .await?;
    Ok(())
}

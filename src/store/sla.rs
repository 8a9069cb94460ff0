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
}

pub struct NewCalendar<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub time_zone: &'a str,
    pub week: serde_json::Value,
    pub holidays: serde_json::Value,
}

pub async fn insert_calendar(conn: &mut PgConnection, new: NewCalendar<'_>) -> sqlx::Result<Uuid> {
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

const CALENDAR: &str = "select id, key, name, time_zone, week, holidays, always from sla_calendars";

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
     g.key as assignment_group, p.response_targets, p.resolution_targets, p.pause_reasons, p.at_risk_percent";
const POLICY_FROM: &str = " from sla_policies p join sla_calendars c on c.id = p.calendar_id \
     left join services s on s.id = p.service_id left join groups g on g.id = p.assignment_group_id";
pub async fn policies(conn: &mut PgConnection) -> sqlx::Result<Vec<PolicyRow>> {
    sqlx::query_as(&format!("{POLICY_COLUMNS}{POLICY_FROM} order by p.key"))
        .fetch_all(conn)
        .await
}

pub async fn policy_by_key(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<PolicyRow>> {
    sqlx::query_as(&format!("{POLICY_COLUMNS}{POLICY_FROM} where p.key = $1"))
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
         where p.service_id = $1 or p.assignment_group_id = $2 \
         or (p.service_id is null and p.assignment_group_id is null) \
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
        };
        (f.policy, calendar)
    }))
}

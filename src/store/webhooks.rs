//! Webhook endpoints, their deliveries from the outbox (`events`) and the log of every
//! attempt.

use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::at;
use super::journal::ATTACHMENTS_OF_J as ATTACHMENTS;

#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub department_id: Option<Uuid>,
    pub department: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<jiff::Timestamp>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<jiff::Timestamp>,
    pub owner: String,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub version: i64,
}

const ENDPOINT: &str = "select w.id, w.url, w.description, w.event_types, w.department_id, d.key as department, \
     w.secret, w.previous_secret, w.previous_secret_until, w.enabled, w.disabled_reason, w.failing_since, \
     u.email as owner, w.created_at, w.updated_at, w.version \
     from webhook_endpoints w join users u on u.id = w.owner_id left join departments d on d.id = w.department_id";

fn endpoint(row: &sqlx::postgres::PgRow) -> sqlx::Result<EndpointRow> {
    Ok(EndpointRow {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        event_types: row.try_get("event_types")?,
        department_id: row.try_get("department_id")?,
        department: row.try_get("department")?,
        secret: row.try_get("secret")?,
        previous_secret: row.try_get("previous_secret")?,
        previous_secret_until: row
            .try_get::<Option<jiff_sqlx::Timestamp>, _>("previous_secret_until")?
            .map(jiff_sqlx::Timestamp::to_jiff),
        enabled: row.try_get("enabled")?,
        disabled_reason: row.try_get("disabled_reason")?,
        failing_since: row
            .try_get::<Option<jiff_sqlx::Timestamp>, _>("failing_since")?
            .map(jiff_sqlx::Timestamp::to_jiff),
        owner: row.try_get("owner")?,
        created_at: at(row, "created_at")?,
        updated_at: at(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

/// What an endpoint is made or changed to.
pub struct EndpointValues<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a [String],
    pub department_id: Option<Uuid>,
    pub enabled: bool,
}

pub async fn insert(
    conn: &mut PgConnection,
    values: &EndpointValues<'_>,
    secret: &str,
    owner: Uuid,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into webhook_endpoints (id, url, description, event_types, department_id, secret, enabled, owner_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(values.url)
    .bind(values.description)
    .bind(values.event_types)
    .bind(values.department_id)
    .bind(secret)
    .bind(values.enabled)
    .bind(owner)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Changes an endpoint; enabling it again forgets why it was disabled and since when it failed.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    values: &EndpointValues<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update webhook_endpoints set url = $2, description = $3, event_types = $4, department_id = $5, \
         enabled = $6, \
         disabled_reason = case when $6 then null else disabled_reason end, \
         failing_since = case when $6 and not enabled then null else failing_since end, \
         updated_at = now(), version = version + 1 where id = $1",
    )
    .bind(id)
    .bind(values.url)
    .bind(values.description)
    .bind(values.event_types)
    .bind(values.department_id)
    .bind(values.enabled)
    .execute(conn)
    .await?;
    Ok(())
}

/// A new secret signs from now on; the old one signs too until `until`.
pub async fn rotate_secret(
    conn: &mut PgConnection,
    id: Uuid,
    secret: &str,
    until: jiff::Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "update webhook_endpoints set previous_secret = secret, previous_secret_until = $3, secret = $2, \
         updated_at = now(), version = version + 1 where id = $1",
    )
    .bind(id)
    .bind(secret)
    .bind(jiff_sqlx::Timestamp::from(until))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query("delete from webhook_endpoints where id = $1")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn find(
    conn: &mut PgConnection,
    id: Uuid,
    lock: bool,
) -> sqlx::Result<Option<EndpointRow>> {
    let lock = if lock { " for update of w" } else { "" };
    sqlx::query(&format!("{ENDPOINT} where w.id = $1{lock}"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(endpoint)
        .transpose()
}

/// Every endpoint, the newest first.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<EndpointRow>> {
    sqlx::query(&format!("{ENDPOINT} order by w.created_at desc, w.id desc"))
        .fetch_all(conn)
        .await?
        .iter()
        .map(endpoint)
        .collect()
}

/// The webhook event type of an event (`e`): its record's kind and what happened, or the
/// kind itself for an event about no record.
pub const EVENT_TYPE: &str = "case when e.incident_id is not null then 'incident.' || e.kind \
     when e.request_id is not null then 'request.' || e.kind \
     when e.problem_id is not null then 'problem.' || e.kind else e.kind end";

/// Whether endpoint `w` may receive an event about a record of department `department_id`: an
/// endpoint of a department only that department's records; one of none every record that is
/// not confidential.
const ENDPOINT_ADMITS: &str = "(case when w.department_id is null \
     then t.department_id is null or not exists (select 1 from departments d where d.id = t.department_id and d.confidential) \
     else w.department_id = t.department_id end)";

/// The events (`e`) with their type and their record's department (`t`).
const TYPED_EVENTS: &str = "select e.id, e.at, {EVENT_TYPE} as type, \
     coalesce(i.department_id, r.department_id, p.department_id) as department_id \
     from events e left join incidents i on i.id = e.incident_id \
     left join requests r on r.id = e.request_id left join problems p on p.id = e.problem_id";

/// Hands up to `batch` events not yet dispatched to the enabled endpoints that want them (one
/// delivery each), skipping events another process is dispatching. Returns the events and the
/// deliveries made.
pub async fn dispatch(conn: &mut PgConnection, batch: i64) -> sqlx::Result<(i64, i64)> {
    let typed = TYPED_EVENTS.replace("{EVENT_TYPE}", EVENT_TYPE);
    let row = sqlx::query(&format!(
        "with batch as (select id from events where dispatched_at is null order by id limit $1 for update skip locked), \
         t as ({typed} where e.id in (select id from batch) \
               and (e.incident_id is not null or e.request_id is not null or e.problem_id is not null)), \
         fanned as (insert into webhook_deliveries (endpoint_id, event_id, next_attempt_at) \
                    select w.id, t.id, t.at from t join webhook_endpoints w on w.enabled \
                      and (cardinality(w.event_types) = 0 or t.type = any(w.event_types)) and {ENDPOINT_ADMITS} \
                    order by t.id on conflict do nothing returning 1), \
         done as (update events set dispatched_at = now() where id in (select id from batch) returning 1) \
         select (select count(*) from done) as events, (select count(*) from fanned) as deliveries"
    ))
    .bind(batch)
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("events")?, row.try_get("deliveries")?))
}

/// Queues the events of an endpoint's types and scope from `from` to `to` (or one event) for
/// it again, as new deliveries or by sending those it had once more from the first attempt.
/// Returns how many were queued.
pub async fn replay(
    conn: &mut PgConnection,
    endpoint: Uuid,
    event: Option<i64>,
    range: Option<(jiff::Timestamp, jiff::Timestamp)>,
    cap: i64,
) -> sqlx::Result<i64> {
    let typed = TYPED_EVENTS.replace("{EVENT_TYPE}", EVENT_TYPE);
    let (from, to) = range.map_or((None, None), |(f, t)| {
        (
            Some(jiff_sqlx::Timestamp::from(f)),
            Some(jiff_sqlx::Timestamp::from(t)),
        )
    });
    let row = sqlx::query(&format!(
        "with t as ({typed} where (e.id = $2 or ($2 is null and e.at >= $3 and e.at < $4)) \
               and (e.incident_id is not null or e.request_id is not null or e.problem_id is not null) \
               order by e.id limit $5), \
         queued as (insert into webhook_deliveries (endpoint_id, event_id) \
                    select w.id, t.id from t join webhook_endpoints w on w.id = $1 \
                      and (cardinality(w.event_types) = 0 or t.type = any(w.event_types)) and {ENDPOINT_ADMITS} \
                    on conflict (endpoint_id, event_id) do update set state = 'pending', attempts = 0, \
                      next_attempt_at = now(), last_error = null, delivered_at = null \
                    returning 1) \
         select count(*) as queued from queued"
    ))
    .bind(endpoint)
    .bind(event)
    .bind(from)
    .bind(to)
    .bind(cap)
    .fetch_one(conn)
    .await?;
    row.try_get("queued")
}

/// Records an event about no record for one endpoint (a test event) and queues it.
pub async fn queue_test_event(
    conn: &mut PgConnection,
    endpoint: Uuid,
    payload: serde_json::Value,
) -> sqlx::Result<i64> {
    let row = sqlx::query(
        "with e as (insert into events (kind, payload, dispatched_at) values ('webhook.test', $2, now()) returning id) \
         insert into webhook_deliveries (endpoint_id, event_id) select $1, id from e returning event_id",
    )
    .bind(endpoint)
    .bind(payload)
    .fetch_one(conn)
    .await?;
    row.try_get("event_id")
}

/// A delivery claimed for an attempt, with everything its request needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_id: i64,
    pub endpoint_id: Uuid,
    /// The attempt this is (1 = the first).
    pub attempt: i32,
    pub url: String,
    pub secrets: Vec<String>,
    pub event_id: i64,
    pub event_at: jiff::Timestamp,
    pub event_type: String,
    pub event_payload: serde_json::Value,
    /// The record's number, when the event is about one.
    pub number: Option<String>,
    /// The journal entry the event copies, when it copies one.
    pub entry: Option<super::journal::EntryRow>,
}

/// Claims up to `limit` deliveries due at `now` on enabled endpoints, skipping those another
/// process holds, and leases them until `now + lease`: a process that dies while sending
/// leaves them to be sent again when the lease ends (at least once).
pub async fn claim_due(
    conn: &mut PgConnection,
    now: jiff::Timestamp,
    limit: i64,
    lease: std::time::Duration,
) -> sqlx::Result<Vec<Claimed>> {
    let now = jiff_sqlx::Timestamp::from(now);
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    let rows = sqlx::query(&format!(
        "with due as (select d.id from webhook_deliveries d join webhook_endpoints w on w.id = d.endpoint_id and w.enabled \
                      where d.state = 'pending' and d.next_attempt_at <= $1 \
                      order by d.next_attempt_at limit $2 for update of d skip locked), \
         claimed as (update webhook_deliveries d set attempts = d.attempts + 1, \
                       next_attempt_at = $1 + make_interval(secs => $3::double precision / 1000) \
                     from due where d.id = due.id returning d.id, d.endpoint_id, d.event_id, d.attempts) \
         select c.id as delivery_id, c.endpoint_id, c.attempts, w.url, w.secret, \
                case when w.previous_secret_until > $1 then w.previous_secret end as previous_secret, \
                e.id as event_id, e.at as event_at, {EVENT_TYPE} as event_type, e.payload, \
                coalesce(i.number, r.number, p.number) as number, \
                j.id as entry_id, j.at as entry_at, u.email as author, u.name as author_name, \
                j.kind as entry_kind, j.body, j.changes, {ATTACHMENTS} as attachments \
         from claimed c join webhook_endpoints w on w.id = c.endpoint_id join events e on e.id = c.event_id \
         left join incidents i on i.id = e.incident_id left join requests r on r.id = e.request_id \
         left join problems p on p.id = e.problem_id \
         left join journal_entries j on j.id = e.journal_id left join users u on u.id = j.author_id \
         order by e.id"
    ))
    .bind(now)
    .bind(limit)
    .bind(lease_ms)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let mut secrets = vec![row.try_get::<String, _>("secret")?];
            secrets.extend(row.try_get::<Option<String>, _>("previous_secret")?);
            let entry = match row.try_get::<Option<i64>, _>("entry_id")? {
                Some(id) => Some(super::journal::EntryRow {
                    id,
                    at: row.try_get("entry_at")?,
                    author: row.try_get("author")?,
                    author_name: row.try_get("author_name")?,
                    kind: row.try_get("entry_kind")?,
                    body: row.try_get("body")?,
                    changes: row.try_get("changes")?,
                    attachments: row.try_get("attachments")?,
                    quoted: None,
                }),
                None => None,
            };
            Ok(Claimed {
                delivery_id: row.try_get("delivery_id")?,
                endpoint_id: row.try_get("endpoint_id")?,
                attempt: row.try_get("attempts")?,
                url: row.try_get("url")?,
                secrets,
                event_id: row.try_get("event_id")?,
                event_at: at(row, "event_at")?,
                event_type: row.try_get("event_type")?,
                event_payload: row.try_get("payload")?,
                number: row.try_get("number")?,
                entry,
            })
        })
        .collect()
}

/// What one attempt gave.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivery_id: i64,
    pub endpoint_id: Uuid,
    pub event_id: i64,
    pub duration_ms: i32,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub response: Option<String>,
    /// `delivered`, `pending` (retry at `retry_at`) or `dead`.
    pub state: &'static str,
    pub retry_at: Option<jiff::Timestamp>,
    /// The receiver answered 410 Gone: the endpoint is disabled.
    pub gone: bool,
}

/// Records a batch of attempts in three statements: the log, the deliveries' states, and the
/// endpoints' health (failing since when; disabled after 410 or `failing_days` of failures).
/// Returns the endpoints it disabled for failing too long.
pub async fn record(
    conn: &mut PgConnection,
    outcomes: &[Outcome],
    now: jiff::Timestamp,
    failing_days: i64,
) -> sqlx::Result<Vec<Uuid>> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }
    let now = jiff_sqlx::Timestamp::from(now);
    let ids: Vec<i64> = outcomes.iter().map(|o| o.delivery_id).collect();
    let endpoints: Vec<Uuid> = outcomes.iter().map(|o| o.endpoint_id).collect();
    let events: Vec<i64> = outcomes.iter().map(|o| o.event_id).collect();
    let durations: Vec<i32> = outcomes.iter().map(|o| o.duration_ms).collect();
    let statuses: Vec<Option<i32>> = outcomes.iter().map(|o| o.status).collect();
    let errors: Vec<Option<&str>> = outcomes.iter().map(|o| o.error.as_deref()).collect();
    let responses: Vec<Option<&str>> = outcomes.iter().map(|o| o.response.as_deref()).collect();
    let states: Vec<&str> = outcomes.iter().map(|o| o.state).collect();
    let retries: Vec<Option<jiff_sqlx::Timestamp>> = outcomes
        .iter()
        .map(|o| o.retry_at.map(jiff_sqlx::Timestamp::from))
        .collect();
    let gone: Vec<bool> = outcomes.iter().map(|o| o.gone).collect();
    sqlx::query(
        "insert into webhook_attempts (delivery_id, endpoint_id, event_id, at, duration_ms, status, error, response) \
         select o.delivery_id, o.endpoint_id, o.event_id, $4, o.duration_ms, o.status, o.error, o.response \
         from unnest($1::bigint[], $2::uuid[], $3::bigint[], $5::int[], $6::int[], $7::text[], $8::text[]) \
           as o(delivery_id, endpoint_id, event_id, duration_ms, status, error, response)",
    )
    .bind(&ids)
    .bind(&endpoints)
    .bind(&events)
    .bind(now)
    .bind(&durations)
    .bind(&statuses)
    .bind(&errors)
    .bind(&responses)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update webhook_deliveries d set state = o.state, last_status = o.status, last_error = o.error, \
           delivered_at = case when o.state = 'delivered' then $4 end, \
           next_attempt_at = coalesce(o.retry_at, d.next_attempt_at) \
         from unnest($1::bigint[], $2::text[], $3::int[], $5::text[], $6::timestamptz[]) \
           as o(id, state, status, error, retry_at) where d.id = o.id",
    )
    .bind(&ids)
    .bind(&states)
    .bind(&statuses)
    .bind(now)
    .bind(&errors)
    .bind(&retries)
    .execute(&mut *conn)
    .await?;
    // Per endpoint: delivered once in this batch → healthy; else failing since its first
    // failure; 410 → disabled at once; failing for too long → disabled.
    let disabled = sqlx::query(
        "with o as (select endpoint_id, bool_or(state = 'delivered') as ok, bool_or(gone) as gone \
                    from unnest($1::uuid[], $2::text[], $3::bool[]) as o(endpoint_id, state, gone) group by endpoint_id), \
         changed as (update webhook_endpoints w set \
             failing_since = case when o.ok then null else coalesce(w.failing_since, $4) end, \
             enabled = w.enabled and not o.gone \
                 and not (not o.ok and coalesce(w.failing_since, $4) <= $4 - make_interval(days => $5::int)), \
             disabled_reason = case \
                 when o.gone then 'the receiver answered 410 Gone' \
                 when not o.ok and coalesce(w.failing_since, $4) <= $4 - make_interval(days => $5::int) \
                   then 'every delivery failed for ' || $5::int || ' days' \
                 else w.disabled_reason end \
           from o where w.id = o.endpoint_id returning w.id, w.enabled, o.gone) \
         select id from changed where not enabled and not gone",
    )
    .bind(&endpoints)
    .bind(&states)
    .bind(&gone)
    .bind(now)
    .bind(i32::try_from(failing_days).unwrap_or(i32::MAX))
    .fetch_all(&mut *conn)
    .await?;
    disabled.iter().map(|r| r.try_get("id")).collect()
}

/// An event about an endpoint disabled by itself, for the channels that tell its owner.
pub async fn note_disabled(conn: &mut PgConnection, endpoint: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "insert into events (kind, payload, dispatched_at) \
         select 'webhook.disabled', jsonb_build_object('endpoint', w.id, 'url', w.url, 'owner', u.email, \
                'reason', w.disabled_reason), now() \
         from webhook_endpoints w join users u on u.id = w.owner_id where w.id = $1",
    )
    .bind(endpoint)
    .execute(conn)
    .await?;
    Ok(())
}

/// One attempt as the delivery log shows it.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub id: i64,
    pub event_id: i64,
    pub event_type: String,
    pub at: jiff::Timestamp,
    pub duration_ms: i32,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub response: Option<String>,
    pub delivery_state: String,
    pub attempt_count: i32,
}

/// An endpoint's attempts, the newest first, after the attempt `after` (keyset).
pub async fn attempts(
    conn: &mut PgConnection,
    endpoint: Uuid,
    after: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AttemptRow>> {
    let rows = sqlx::query(&format!(
        "select a.id, a.event_id, {EVENT_TYPE} as event_type, a.at, a.duration_ms, a.status, a.error, a.response, \
                d.state, d.attempts \
         from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id join events e on e.id = a.event_id \
         where a.endpoint_id = $1 and ($2::bigint is null or a.id < $2) order by a.id desc limit $3"
    ))
    .bind(endpoint)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AttemptRow {
                id: row.try_get("id")?,
                event_id: row.try_get("event_id")?,
                event_type: row.try_get("event_type")?,
                at: at(row, "at")?,
                duration_ms: row.try_get("duration_ms")?,
                status: row.try_get("status")?,
                error: row.try_get("error")?,
                response: row.try_get("response")?,
                delivery_state: row.try_get("state")?,
                attempt_count: row.try_get("attempts")?,
            })
        })
        .collect()
}

/// How an endpoint's deliveries stand: pending, delivered and dead.
pub async fn delivery_counts(
    conn: &mut PgConnection,
    endpoint: Uuid,
) -> sqlx::Result<(i64, i64, i64)> {
    let row = sqlx::query(
        "select count(*) filter (where state = 'pending') as pending, \
                count(*) filter (where state = 'delivered') as delivered, \
                count(*) filter (where state = 'dead') as dead \
         from webhook_deliveries where endpoint_id = $1",
    )
    .bind(endpoint)
    .fetch_one(conn)
    .await?;
    Ok((
        row.try_get("pending")?,
        row.try_get("delivered")?,
        row.try_get("dead")?,
    ))
}

/// The outbox's health for `/metrics`: seconds since the oldest event not yet dispatched, the
/// deliveries pending, and the seconds the most overdue of them has waited.
pub async fn lag(conn: &mut PgConnection) -> sqlx::Result<(f64, i64, f64)> {
    let row = sqlx::query(
        "select coalesce(extract(epoch from now() - (select min(at) from events where dispatched_at is null)), 0)::float8 as outbox, \
                (select count(*) from webhook_deliveries where state = 'pending') as pending, \
                coalesce(extract(epoch from now() - (select min(next_attempt_at) from webhook_deliveries \
                    where state = 'pending' and next_attempt_at <= now())), 0)::float8 as overdue",
    )
    .fetch_one(conn)
    .await?;
    Ok((
        row.try_get("outbox")?,
        row.try_get("pending")?,
        row.try_get("overdue")?,
    ))
}

/// Forgets attempts older than 30 days.
pub async fn prune_attempts(conn: &mut PgConnection) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("delete from webhook_attempts where at < now() - interval '30 days'")
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

//! The value stream, counted from the facts (migration 42): handoffs between groups, the time
//! each group's incidents spent working and waiting, and the paths incidents took through the
//! groups. Filters and scope as for the figures (`insight_figures::Selection`).

use sqlx::PgConnection;
use uuid::Uuid;

use super::insight_figures::{FILTERS as SPAN_FILTERS, Selection, bind, not_canceled};

/// The filters on a handoff: its place right after (kept on it, migration 51), but a group
/// (and an agent's own groups) on either end: $4 … $10.
const HANDOFF_FILTERS: &str = "($4::uuid is null or h.department_id = $4) \
     and ($5::uuid is null or h.from_group_id = $5 or h.to_group_id = $5) \
     and ($6::uuid is null or h.service_id = $6) \
     and ($7::smallint is null or h.priority = $7) \
     and ($8::text is null or h.category = $8) \
     and ($9::uuid[] is null or h.from_group_id = any($9) or h.to_group_id = any($9)) \
     and (h.department_id is null or not h.department_id = any($10))";

/// One cell of the handoff matrix.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HandoffCell {
    pub from_group: String,
    pub to_group: String,
    pub handoffs: i64,
    /// Handoffs back to a group the incident had left before (ping-pong).
    pub returns: i64,
    /// Median calendar seconds until the receiving group worked on it.
    pub median_wait: Option<i64>,
}

/// Handoffs in the period, group × group (canceled incidents left out).
pub async fn handoffs(conn: &mut PgConnection, s: &Selection) -> sqlx::Result<Vec<HandoffCell>> {
    let sql = format!(
        "select fg.key as from_group, tg.key as to_group, count(*) as handoffs, \
                count(*) filter (where h.returned) as returns, \
                percentile_disc(0.5) within group (order by h.wait_secs) as median_wait \
         from insight_handoffs h \
         join groups fg on fg.id = h.from_group_id \
         join groups tg on tg.id = h.to_group_id \
         where h.at >= $1 and h.at < least($2, $3) and h.priority is not null \
           and {HANDOFF_FILTERS} and {} \
         group by fg.key, tg.key order by fg.key, tg.key",
        not_canceled("h")
    );
    bind(sqlx::query_as(&sql), s).fetch_all(conn).await
}

/// Time one group's incidents spent in one state (and hold reason, and with a person assigned
/// or not) within the period, calendar seconds, spans cut at the period's ends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupTime {
    /// The group's key; `None`: no group.
    pub group_key: Option<String>,
    pub state: String,
    pub hold_reason: Option<String>,
    pub assigned: bool,
    pub seconds: i64,
}

pub async fn group_times(conn: &mut PgConnection, s: &Selection) -> sqlx::Result<Vec<GroupTime>> {
    let sql = format!(
        "select g.key as group_key, x.state, x.hold_reason, x.assigned, \
                sum(o.secs)::bigint as seconds \
         from insight_spans x \
         left join groups g on g.id = x.group_id \
         cross join lateral (select extract(epoch from \
                least(coalesce(x.ended_at, $3), $2, $3) - greatest(x.started_at, $1)) as secs) o \
         where x.state in ('new', 'in_progress', 'on_hold', 'resolved') \
           and x.started_at < least($2, $3) and (x.ended_at > $1 or x.ended_at is null) \
           and o.secs > 0 and {SPAN_FILTERS} and {} \
         group by g.key, x.state, x.hold_reason, x.assigned \
         order by g.key nulls last, x.state, x.hold_reason nulls first, x.assigned",
        not_canceled("x")
    );
    bind(sqlx::query_as(&sql), s).fetch_all(conn).await
}

/// A path incidents took through the groups (the groups they were open in, in order, a
/// group repeated only after another; `None` for a stretch without a group), with how many
/// took it and their median time to the first resolution.
#[derive(Debug, Clone)]
pub struct Variant<G = Option<Uuid>> {
    pub path: Vec<G>,
    pub incidents: i64,
    pub median_secs: Option<i64>,
}

/// Every path of the incidents first resolved in the period (their place at that resolution
/// filtered), as kept on their first resolutions (migration 48).
pub async fn variants(conn: &mut PgConnection, s: &Selection) -> sqlx::Result<Vec<Variant>> {
    let filters = SPAN_FILTERS;
    let not_canceled = not_canceled("x");
    let sql = format!(
        "select x.path, count(*) as incidents, \
                percentile_disc(0.5) within group (order by x.calendar_secs) as median_secs \
         from insight_resolutions x \
         where x.seq = 0 and x.path is not null \
           and x.resolved_at >= $1 and x.resolved_at < least($2, $3) and {filters} \
           and {not_canceled} \
         group by x.path"
    );
    let rows: Vec<(String, i64, Option<i64>)> =
        bind(sqlx::query_as(&sql), s).fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(path, incidents, median_secs)| Variant {
            path: path.split(',').map(|id| id.parse::<Uuid>().ok()).collect(),
            incidents,
            median_secs,
        })
        .collect())
}

/// One stretch of an incident's life, for its journey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JourneySpan {
    pub started_at: jiff_sqlx::Timestamp,
    pub ended_at: Option<jiff_sqlx::Timestamp>,
    pub group_key: Option<String>,
    pub department: Option<String>,
    pub state: String,
    pub hold_reason: Option<String>,
    pub assigned: bool,
}

/// The spans of the incident with this id, oldest first.
pub async fn journey(
    conn: &mut PgConnection,
    incident: uuid::Uuid,
) -> sqlx::Result<Vec<JourneySpan>> {
    sqlx::query_as(
        "select x.started_at, x.ended_at, g.key as group_key, d.key as department, x.state, \
                x.hold_reason, x.assigned \
         from insight_spans x left join groups g on g.id = x.group_id \
         left join departments d on d.id = x.department_id \
         where x.incident_id = $1 order by x.seq",
    )
    .bind(incident)
    .fetch_all(conn)
    .await
}

/// Every public comment on the incident: when, and whether the caller wrote it (else the
/// desk answered): the contacts with the caller.
pub async fn contacts(
    conn: &mut PgConnection,
    incident: uuid::Uuid,
) -> sqlx::Result<Vec<(jiff_sqlx::Timestamp, bool)>> {
    sqlx::query_as(
        "select j.at, coalesce(j.author_id = i.caller_id, false) \
         from journal_entries j join incidents i on i.id = j.incident_id \
         where j.incident_id = $1 and j.kind = 'comment' order by j.at, j.id",
    )
    .bind(incident)
    .fetch_all(conn)
    .await
}

/// The incidents of the caller with this id that were open (or resolved, not yet closed) at
/// some moment of `[from, to)`, oldest first, leaving out the `hidden` departments' (so the
/// limit and what lies beyond it count only what the reader may see): id, number, title;
/// `limit + 1` at most.
pub async fn caller_incidents(
    conn: &mut PgConnection,
    caller: uuid::Uuid,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    hidden: &[uuid::Uuid],
    limit: i64,
) -> sqlx::Result<Vec<(uuid::Uuid, String, String)>> {
    sqlx::query_as(
        "select i.id, i.number, i.title from incidents i \
         where i.caller_id = $1 and i.opened_at < $3 \
           and (i.department_id is null or not i.department_id = any($5)) \
           and exists (select 1 from insight_spans x where x.incident_id = i.id \
                       and x.state in ('new', 'in_progress', 'on_hold', 'resolved') \
                       and x.started_at < $3 and (x.ended_at is null or x.ended_at > $2)) \
         order by i.opened_at, i.id limit $4",
    )
    .bind(caller)
    .bind(jiff_sqlx::Timestamp::from(from))
    .bind(jiff_sqlx::Timestamp::from(to))
    .bind(limit + 1)
    .bind(hidden)
    .fetch_all(conn)
    .await
}

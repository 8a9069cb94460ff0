//! Service insight's figures, counted from the facts (migration 42) as `docs/metrics.md`
//! defines them. Each KPI is one query of the rows it counts (`counted`); the figure and the
//! list behind it are both read from that query, so a list always holds exactly the rows its
//! figure counts.

use std::fmt::Write as _;

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::insight::figures::{Dimension, Kpi};
use crate::domain::insight::rollup::Values;

/// What the figures are counted over: the period `[from, to)`, the filters (each `None`:
/// any), and the reader's scope.
#[derive(Debug, Clone)]
pub struct Selection {
    pub from: jiff::Timestamp,
    pub to: jiff::Timestamp,
    pub now: jiff::Timestamp,
    pub department: Option<Uuid>,
    pub group: Option<Uuid>,
    pub service: Option<Uuid>,
    pub priority: Option<i16>,
    pub category: Option<String>,
    /// Only these groups' figures (agents: their own); `None`: every group.
    pub groups: Option<Vec<Uuid>>,
    /// Confidential departments the reader may not see.
    pub hidden: Vec<Uuid>,
}

/// The filters and the scope, on the place (`x`) the KPI judges by: $4 … $10.
pub(super) const FILTERS: &str = "($4::uuid is null or x.department_id = $4) \
     and ($5::uuid is null or x.group_id = $5) \
     and ($6::uuid is null or x.service_id = $6) \
     and ($7::smallint is null or x.priority = $7) \
     and ($8::text is null or x.category = $8) \
     and ($9::uuid[] is null or x.group_id = any($9)) \
     and (x.department_id is null or not x.department_id = any($10))";

/// The weight of a stretch's impact in caller hours lost (people affected, by order of
/// magnitude).
pub(super) fn weight(alias: &str) -> String {
    format!("case {alias}.impact when 'high' then 100 when 'medium' then 10 else 1 end")
}

/// A stretch `x`'s open time within `[$1, $2)` and before now (`$3`), in whole seconds: the
/// instants counted to the second (catalogue version 3), so that the sums add up exactly.
const LOST_SECONDS: &str = "floor(extract(epoch from least(coalesce(x.ended_at, $3), $2, $3))) \
     - floor(extract(epoch from greatest(x.started_at, $1)))";

/// The incident of the rows `alias` is not canceled: an anti-join against the small index of
/// canceled ones (migration 46), not a join of every incident's facts.
pub(super) fn not_canceled(alias: &str) -> String {
    format!(
        "not exists (select 1 from insight_incidents c where c.incident_id = {alias}.incident_id \
         and c.canceled_at is not null)"
    )
}

/// The span an incident (`f`) was in at the moment in its column `column` (its place
/// then), as `x`: looked up per incident (an incident's spans do not overlap, so there is
/// at most one), never by joining every span.
fn span_at(column: &str) -> String {
    format!(
        "cross join lateral (select * from insight_spans s where s.incident_id = f.incident_id \
             and s.started_at <= f.{column} and (s.ended_at > f.{column} or s.ended_at is null) \
             limit 1) x"
    )
}

/// The rows a KPI counts, each with the moment it counts at, its two values (seconds, or
/// a count), whether it met the KPI's condition, and whether that may still change.
/// Parameters: $1 from, $2 to, $3 now, then `FILTERS`.
fn counted(kpi: Kpi) -> String {
    counted_by(kpi, &[])
}

/// `counted`, each row also with the place it counted at in `dimensions`, as `d0`, `d1`, …
/// (caller hours lost: one row per incident and place).
pub(super) fn counted_by(kpi: Kpi, dimensions: &[Dimension]) -> String {
    const OPEN: &str = "x.state in ('new', 'in_progress', 'on_hold')";
    // The stretch as a range, as the open spans' index (migration 46) holds it.
    const DURING: &str = "tstzrange(x.started_at, x.ended_at)";
    const REOPENED_IN_7_DAYS: &str =
        "x.reopened_at is not null and x.reopened_at <= x.resolved_at + interval '7 days'";
    const MAY_REOPEN: &str = "x.reopened_at is null and x.resolved_at > $3 - interval '7 days'";
    let resolutions = format!(
        "from insight_resolutions x where x.resolved_at >= $1 and x.resolved_at < $2 and {}",
        not_canceled("x")
    );
    let mut columns = String::new();
    let mut grouped = String::new();
    for (i, d) in dimensions.iter().enumerate() {
        let _ = write!(columns, "{} as d{i}, ", d.column());
        let _ = write!(grouped, ", {}", d.column());
    }
    let select = format!("select {columns}");
    let body = match kpi {
        Kpi::Mtta => format!(
            "{select}f.incident_id, f.responded_at as at, f.response_secs as calendar, \
                    f.response_business as business, null::boolean as met, false as provisional \
             from insight_incidents f {} \
             where f.responded_at >= $1 and f.responded_at < $2 and f.canceled_at is null",
            span_at("responded_at")
        ),
        Kpi::Mttr => format!(
            "{select}x.incident_id, x.resolved_at as at, x.calendar_secs as calendar, \
                    x.business_secs as business, null::boolean as met, false as provisional \
             {resolutions}"
        ),
        Kpi::SlaResponse | Kpi::SlaResolution => {
            let (due, done) = if kpi == Kpi::SlaResponse {
                ("response_due", "responded_at")
            } else {
                ("resolution_due", "first_resolved_at")
            };
            format!(
                "{select}f.incident_id, f.{due} as at, null::bigint as calendar, null::bigint as business, \
                        coalesce(f.{done} <= f.{due}, false) as met, false as provisional \
                 from insight_incidents f {} \
                 where f.{due} >= $1 and f.{due} < least($2, $3) \
                   and (f.canceled_at is null or f.canceled_at >= f.{due})",
                span_at(due)
            )
        }
        Kpi::Fcr => format!(
            "{select}x.incident_id, x.resolved_at as at, null::bigint as calendar, null::bigint as business, \
                    x.first_contact and not ({REOPENED_IN_7_DAYS}) as met, {MAY_REOPEN} as provisional \
             {resolutions} and x.first_contact is not null"
        ),
        // Incidents the caller logged themselves (portal, e-mail): resolved without any
        // reassignment.
        Kpi::FcrSelfService => format!(
            "{select}x.incident_id, x.resolved_at as at, null::bigint as calendar, null::bigint as business, \
                    x.reassignments = 0 as met, false as provisional \
             {resolutions} and x.first_contact is null"
        ),
        Kpi::Reopen7d => format!(
            "{select}x.incident_id, x.resolved_at as at, null::bigint as calendar, null::bigint as business, \
                    {REOPENED_IN_7_DAYS} as met, {MAY_REOPEN} as provisional \
             {resolutions}"
        ),
        Kpi::Reassignments => format!(
            "{select}x.incident_id, x.resolved_at as at, x.reassignments::bigint as calendar, \
                    null::bigint as business, x.reassignments > 0 as met, false as provisional \
             {resolutions}"
        ),
        Kpi::PingPong => format!(
            "{select}x.incident_id, x.resolved_at as at, x.ping_pongs::bigint as calendar, \
                    null::bigint as business, x.ping_pongs > 0 as met, false as provisional \
             {resolutions}"
        ),
        Kpi::Backlog => format!(
            "{select}f.incident_id, f.opened_at as at, \
                    extract(epoch from least($2, $3) - f.opened_at)::bigint as calendar, \
                    null::bigint as business, null::boolean as met, false as provisional \
             from insight_spans x join insight_incidents f on f.incident_id = x.incident_id \
             where {OPEN} and {DURING} @> least($2, $3)"
        ),
        // Per run (an incident's uninterrupted open time at one place): its open time
        // within the period in whole seconds, unweighted and weighted by impact.
        Kpi::CallerHoursLost => {
            let not_canceled = not_canceled("x");
            let weight = weight("x");
            return format!(
                "{select}x.incident_id, min(greatest(x.started_at, $1)) as at, \
                        sum(o.secs)::bigint as calendar, \
                        sum(o.secs * {weight})::bigint as business, \
                        null::boolean as met, false as provisional \
                 from insight_spans x \
                 cross join lateral (select {LOST_SECONDS} as secs) o \
                 where {OPEN} and {DURING} && tstzrange(least($1, $2, $3), least($2, $3)) \
                   and {not_canceled} and {FILTERS} \
                 group by x.incident_id, x.run_started_at{grouped}"
            );
        }
    };
    format!("{body} and {FILTERS}")
}

/// Binds a selection to $1 … $10 of a query over `counted`.
pub(super) fn bind<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    s: &'q Selection,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(jiff_sqlx::Timestamp::from(s.from))
        .bind(jiff_sqlx::Timestamp::from(s.to))
        .bind(jiff_sqlx::Timestamp::from(s.now))
        .bind(s.department)
        .bind(s.group)
        .bind(s.service)
        .bind(s.priority)
        .bind(s.category.as_deref())
        .bind(s.groups.as_deref())
        .bind(&s.hidden)
}

/// A KPI's rows summed up: how many, how many met its condition (and may still change),
/// nearest-rank median and p90 and the mean of each value, and the totals.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Aggregate {
    pub count: i64,
    pub met: i64,
    pub provisional: i64,
    pub calendar_median: Option<i64>,
    pub calendar_p90: Option<i64>,
    pub calendar_mean: Option<f64>,
    pub calendar_total: Option<i64>,
    pub business_median: Option<i64>,
    pub business_p90: Option<i64>,
    pub business_mean: Option<f64>,
    pub business_total: Option<i64>,
    /// Backlog age buckets (calendar days since opened): 0–1, 2–5, 6–10, 11–30, > 30.
    pub ages: Option<Vec<i64>>,
}

/// The columns of an `Aggregate` over the counted rows `c` of `kpi`: percentiles of
/// durations over their values rounded down to a bucket (catalogue version 2, as the
/// rollups keep them), means and totals exact.
fn aggregate_columns(kpi: Kpi) -> String {
    let ranked = |value: &str| match super::insight_rollups::values_of(kpi) {
        Values::Durations => format!("insight_rounded({value})"),
        Values::Counts | Values::Nothing => value.to_owned(),
    };
    let (calendar, business) = (ranked("c.calendar"), ranked("c.business"));
    // Caller hours lost adds up (catalogue version 3): its totals, and their means per run
    // as the rollups divide them.
    if kpi == Kpi::CallerHoursLost {
        let mean = |v: &str| format!("(sum({v})::float8 / nullif(count(*), 0)::float8)");
        return format!(
            "count(*) as count, 0::bigint as met, 0::bigint as provisional, \
                    null::bigint as calendar_median, null::bigint as calendar_p90, \
                    {} as calendar_mean, sum(c.calendar)::bigint as calendar_total, \
                    null::bigint as business_median, null::bigint as business_p90, \
                    {} as business_mean, sum(c.business)::bigint as business_total, \
                    null::int8[] as ages",
            mean("c.calendar"),
            mean("c.business")
        );
    }
    format!(
        "count(*) as count, count(*) filter (where c.met) as met, \
                count(*) filter (where c.provisional) as provisional, \
                percentile_disc(0.5) within group (order by {calendar}) as calendar_median, \
                percentile_disc(0.9) within group (order by {calendar}) as calendar_p90, \
                avg(c.calendar)::float8 as calendar_mean, sum(c.calendar)::bigint as calendar_total, \
                percentile_disc(0.5) within group (order by {business}) as business_median, \
                percentile_disc(0.9) within group (order by {business}) as business_p90, \
                avg(c.business)::float8 as business_mean, sum(c.business)::bigint as business_total, \
                array[count(*) filter (where c.calendar < 2 * 86400), \
                      count(*) filter (where c.calendar >= 2 * 86400 and c.calendar < 6 * 86400), \
                      count(*) filter (where c.calendar >= 6 * 86400 and c.calendar < 11 * 86400), \
                      count(*) filter (where c.calendar >= 11 * 86400 and c.calendar < 31 * 86400), \
                      count(*) filter (where c.calendar >= 31 * 86400)] as ages"
    )
}

pub async fn aggregate(
    conn: &mut PgConnection,
    kpi: Kpi,
    s: &Selection,
) -> sqlx::Result<Aggregate> {
    let sql = format!(
        "select {} from ({}) c",
        aggregate_columns(kpi),
        counted(kpi)
    );
    bind(sqlx::query_as(&sql), s).fetch_one(conn).await
}

/// How many of a KPI's rows may still change (a resolution less than 7 days old), without
/// summing up the rest.
pub async fn provisional(conn: &mut PgConnection, kpi: Kpi, s: &Selection) -> sqlx::Result<i64> {
    let sql = format!(
        "select count(*) from ({}) c where c.provisional",
        counted(kpi)
    );
    let (n,): (i64,) = bind(sqlx::query_as(&sql), s).fetch_one(conn).await?;
    Ok(n)
}

/// A KPI over two adjacent periods in one scan: the selection covers both (`from` the
/// earlier period's first instant), `current_from` is where the later begins. Gives the
/// later period's rows summed up, the earlier's, and the later's by ISO week (Monday, in time
/// zone `tz`; weeks with nothing counted are missing). The same rows as `aggregate` and
/// `weekly` of each period give. Not for the backlog and caller hours lost, whose rows depend
/// on the period.
pub async fn summary(
    conn: &mut PgConnection,
    kpi: Kpi,
    s: &Selection,
    current_from: jiff::Timestamp,
    tz: &str,
) -> sqlx::Result<Summary> {
    let sql = format!(
        "select c.current, case when grouping(c.week) = 0 then c.week end as week, {} \
         from (select r.*, r.at >= $11 as current, \
                      (date_trunc('week', r.at at time zone $12))::date as week \
               from ({}) r) c \
         group by grouping sets ((c.current), (c.current, c.week))",
        aggregate_columns(kpi),
        counted(kpi)
    );
    let rows: Vec<SummaryRow> = bind(sqlx::query_as(&sql), s)
        .bind(jiff_sqlx::Timestamp::from(current_from))
        .bind(tz)
        .fetch_all(conn)
        .await?;
    let mut summary = Summary::default();
    for row in rows {
        match (row.current, row.week) {
            (true, None) => summary.current = row.aggregate,
            (false, None) => summary.previous = row.aggregate,
            (true, Some(week)) => summary.weeks.push((week.to_jiff(), row.aggregate)),
            (false, Some(_)) => {}
        }
    }
    summary.weeks.sort_by_key(|(week, _)| *week);
    Ok(summary)
}

/// A KPI over a period, the period before, and the period's weeks (`summary`).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub current: Aggregate,
    pub previous: Aggregate,
    pub weeks: Vec<(jiff::civil::Date, Aggregate)>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    current: bool,
    week: Option<jiff_sqlx::Date>,
    #[sqlx(flatten)]
    aggregate: Aggregate,
}

/// Caller hours lost week by week in one statement: for each window `(week, from, to)`, the
/// incidents with open time in it and their open seconds within it, unweighted
/// (`calendar_total`) and weighted by impact (`business_total`); the same rows as `counted`
/// of each window alone. Windows with nothing counted are missing.
pub async fn caller_hours_by_window(
    conn: &mut PgConnection,
    s: &Selection,
    windows: &[(jiff::civil::Date, jiff::Timestamp, jiff::Timestamp)],
) -> sqlx::Result<Vec<(jiff::civil::Date, Aggregate)>> {
    let seconds = LOST_SECONDS
        .replace("$1", "w.starts")
        .replace("$2", "w.ends");
    let sql = format!(
        "select w.week, count(distinct (x.incident_id, x.run_started_at)) as count, \
                sum(o.secs)::bigint as calendar_total, \
                sum(o.secs * {})::bigint as business_total \
         from unnest($11::date[], $12::timestamptz[], $13::timestamptz[]) as w(week, starts, ends) \
         join insight_spans x on x.state in ('new', 'in_progress', 'on_hold') \
              and tstzrange(x.started_at, x.ended_at) \
                  && tstzrange(least(w.starts, w.ends, $3), least(w.ends, $3)) \
         cross join lateral (select {seconds} as secs) o \
         where $1::timestamptz is not null and $2::timestamptz is not null \
           and {FILTERS} and {} \
         group by w.week",
        weight("x"),
        not_canceled("x")
    );
    let rows: Vec<WindowRow> = bind(sqlx::query_as(&sql), s)
        .bind(
            windows
                .iter()
                .map(|(w, _, _)| jiff_sqlx::Date::from(*w))
                .collect::<Vec<_>>(),
        )
        .bind(
            windows
                .iter()
                .map(|(_, f, _)| jiff_sqlx::Timestamp::from(*f))
                .collect::<Vec<_>>(),
        )
        .bind(
            windows
                .iter()
                .map(|(_, _, t)| jiff_sqlx::Timestamp::from(*t))
                .collect::<Vec<_>>(),
        )
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.week.to_jiff(),
                Aggregate {
                    count: r.count,
                    calendar_total: r.calendar_total,
                    business_total: r.business_total,
                    ..Aggregate::default()
                },
            )
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    week: jiff_sqlx::Date,
    count: i64,
    calendar_total: Option<i64>,
    business_total: Option<i64>,
}

/// One part of a breakdown: the first dimension's value, the second's (`None` on the
/// first level's own rows and where the place had none), and its rows summed up.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Part {
    pub first: Option<String>,
    pub second: Option<String>,
    /// Whether this is a second-level row.
    pub inner: bool,
    #[sqlx(flatten)]
    pub aggregate: Aggregate,
}

/// A KPI's rows summed up by the place they counted at: by `first`, and within each of its
/// values by `then` when given (both levels in one query).
pub async fn breakdown(
    conn: &mut PgConnection,
    kpi: Kpi,
    s: &Selection,
    first: Dimension,
    then: Option<Dimension>,
) -> sqlx::Result<Vec<Part>> {
    let (dimensions, sets, second) = match then {
        Some(then) => (
            vec![first, then],
            "grouping sets ((c.d0), (c.d0, c.d1))",
            "c.d1 as second, grouping(c.d1) = 0 as inner",
        ),
        None => (vec![first], "c.d0", "null::text as second, false as inner"),
    };
    let sql = format!(
        "select c.d0 as first, {second}, {} from ({}) c group by {sets}",
        aggregate_columns(kpi),
        counted_by(kpi, &dimensions)
    );
    bind(sqlx::query_as(&sql), s).fetch_all(conn).await
}

/// One row a figure counts, with the incident it is about.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CountedRow {
    pub number: String,
    pub title: String,
    pub at: jiff_sqlx::Timestamp,
    pub calendar: Option<i64>,
    pub business: Option<i64>,
    pub met: Option<bool>,
    pub provisional: bool,
    pub incident_id: Uuid,
}

/// The rows a KPI counts, by moment and incident, after the keyset `(at, incident_id)`;
/// `limit + 1` at most.
pub async fn counted_rows(
    conn: &mut PgConnection,
    kpi: Kpi,
    s: &Selection,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<CountedRow>> {
    let sql = format!(
        "select i.number, i.title, c.at, c.calendar, c.business, c.met, c.provisional, c.incident_id \
         from ({}) c join incidents i on i.id = c.incident_id \
         where ($11::timestamptz is null or (c.at, c.incident_id) > ($11, $12)) \
         order by c.at, c.incident_id limit $13",
        counted(kpi)
    );
    bind(sqlx::query_as(&sql), s)
        .bind(after.map(|(at, _)| jiff_sqlx::Timestamp::from(at)))
        .bind(after.map(|(_, id)| id))
        .bind(limit + 1)
        .fetch_all(conn)
        .await
}

/// The value each counted row contributes to a before/after comparison: hours (business) of
/// a duration, 100 or 0 for a condition met or not, the count of reassignments. Not for the
/// backlog and caller hours lost, which are compared week by week.
pub async fn values(conn: &mut PgConnection, kpi: Kpi, s: &Selection) -> sqlx::Result<Vec<f64>> {
    let value = match kpi {
        Kpi::Mtta | Kpi::Mttr => "c.business::float8 / 3600",
        Kpi::Reassignments | Kpi::Backlog | Kpi::CallerHoursLost => "c.calendar::float8",
        Kpi::SlaResponse
        | Kpi::SlaResolution
        | Kpi::Fcr
        | Kpi::FcrSelfService
        | Kpi::Reopen7d
        | Kpi::PingPong => "case when c.met then 100.0::float8 else 0.0::float8 end",
    };
    let sql = format!(
        "select v from (select {value} as v from ({}) c) values where v is not null",
        counted(kpi)
    );
    let rows: Vec<(f64,)> = bind(sqlx::query_as(&sql), s).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(v,)| v).collect())
}

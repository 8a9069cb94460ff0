//! The rollups (migration 47): each event KPI's counted rows summed up per day of the desk
//! and place (department, group), written from the same query the figures count with
//! (`insight_figures::counted_by`), so a day read from the rollups and the same day counted
//! from the facts give the same figure.

use sqlx::PgConnection;
use uuid::Uuid;

use super::insight_figures::{FILTERS, Selection, bind, counted_by};
use crate::domain::insight::figures::{Dimension, Kpi};
use crate::domain::insight::rollup::{LostDay, Tally, Values};

/// The KPIs summed up per day: those whose rows are events of one moment. The backlog and
/// caller hours lost depend on the period, and are counted from the facts.
pub const ROLLED: [Kpi; 9] = [
    Kpi::Mtta,
    Kpi::Mttr,
    Kpi::SlaResponse,
    Kpi::SlaResolution,
    Kpi::Fcr,
    Kpi::FcrSelfService,
    Kpi::Reopen7d,
    Kpi::Reassignments,
    Kpi::PingPong,
];

/// What a KPI's values are, for their buckets.
pub fn values_of(kpi: Kpi) -> Values {
    match kpi {
        Kpi::Mtta | Kpi::Mttr | Kpi::Backlog | Kpi::CallerHoursLost => Values::Durations,
        Kpi::Reassignments | Kpi::PingPong => Values::Counts,
        Kpi::SlaResponse | Kpi::SlaResolution | Kpi::Fcr | Kpi::FcrSelfService | Kpi::Reopen7d => {
            Values::Nothing
        }
    }
}

/// A value's bucket in SQL, for a KPI's values `kind`.
fn bucket_sql(kind: Values, value: &str) -> String {
    match kind {
        Values::Durations => format!("insight_bucket({value})::integer"),
        // (`least` alone would give 65535 for a null.)
        Values::Counts => {
            format!("case when {value} is null then null else least({value}, 65535) end::integer")
        }
        Values::Nothing => "null::integer".to_owned(),
    }
}

/// The days as SQL dates.
pub(crate) fn dates(days: &[jiff::civil::Date]) -> Vec<jiff_sqlx::Date> {
    days.iter().map(|d| jiff_sqlx::Date::from(*d)).collect()
}

/// The filters the rollups keep, on their rows `x`: department, group, the reader's groups
/// and the departments hidden from them, as parameters `$n` to `$n+3` (`bind_place`).
fn place_filters(n: usize) -> String {
    let (g, scope, hidden) = (n + 1, n + 2, n + 3);
    format!(
        "(${n}::uuid is null or x.department_id = ${n}) \
         and (${g}::uuid is null or x.group_id = ${g}) \
         and (${scope}::uuid[] is null or x.group_id = any(${scope})) \
         and (x.department_id is null or not x.department_id = any(${hidden}))"
    )
}

/// Binds a selection's filters to the parameters of `place_filters`.
fn bind_place<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    s: &'q Selection,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(s.department)
        .bind(s.group)
        .bind(s.groups.as_deref())
        .bind(&s.hidden)
}

/// One day's sums at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub day: jiff::civil::Date,
    pub department: Option<Uuid>,
    pub group: Option<Uuid>,
    pub tally: Tally,
}

#[derive(sqlx::FromRow)]
struct CountedBucket {
    day: jiff_sqlx::Date,
    department_id: Option<Uuid>,
    group_id: Option<Uuid>,
    met: bool,
    cb: Option<i32>,
    bb: Option<i32>,
    n: i64,
    cs: i64,
    bs: i64,
}

/// A KPI's rows counted from the facts over the selection (its filters and scope, `[from,
/// to)`), summed up per day in `zone` and place; only the days in `days`.
pub async fn count_days(
    conn: &mut PgConnection,
    kpi: Kpi,
    s: &Selection,
    zone: &str,
    days: &[jiff::civil::Date],
) -> sqlx::Result<Vec<DayRow>> {
    let kind = values_of(kpi);
    let sql = format!(
        "select c.day, c.d0::uuid as department_id, c.d1::uuid as group_id, \
                coalesce(c.met, false) as met, {} as cb, {} as bb, count(*) as n, \
                coalesce(sum(c.calendar), 0)::bigint as cs, coalesce(sum(c.business), 0)::bigint as bs \
         from (select r.*, (r.at at time zone $11)::date as day from ({}) r) c \
         where c.day = any($12) \
         group by c.day, c.d0, c.d1, 4, 5, 6 order by c.day, c.d0, c.d1",
        bucket_sql(kind, "c.calendar"),
        bucket_sql(kind, "c.business"),
        counted_by(kpi, &[Dimension::Department, Dimension::Group])
    );
    let rows: Vec<CountedBucket> = bind(sqlx::query_as(&sql), s)
        .bind(zone)
        .bind(dates(days))
        .fetch_all(conn)
        .await?;
    let mut out: Vec<DayRow> = Vec::new();
    for r in rows {
        let day = r.day.to_jiff();
        let same = out.last().is_some_and(|l| {
            l.day == day && l.department == r.department_id && l.group == r.group_id
        });
        if !same {
            out.push(DayRow {
                day,
                department: r.department_id,
                group: r.group_id,
                tally: Tally::default(),
            });
        }
        let Some(t) = out.last_mut().map(|l| &mut l.tally) else {
            continue;
        };
        t.count += r.n;
        if r.met {
            t.met += r.n;
        }
        t.calendar_sum += r.cs;
        t.business_sum += r.bs;
        let n = u64::try_from(r.n).unwrap_or(0);
        if let Some(b) = r.cb.and_then(|b| u16::try_from(b).ok()) {
            t.calendar.add(b, n);
        }
        if let Some(b) = r.bb.and_then(|b| u16::try_from(b).ok()) {
            t.business.add(b, n);
        }
    }
    Ok(out)
}

/// The KPIs kept in the rollups: the rolled ones, and the backlog's daily changes.
pub const KEPT: [Kpi; ROLLED.len() + 1] = {
    let mut kept = [Kpi::Backlog; ROLLED.len() + 1];
    let mut i = 0;
    while i < ROLLED.len() {
        kept[i] = ROLLED[i];
        i += 1;
    }
    kept
};

/// The net change of the backlog on each day of `days` (in `zone`) per place, from the
/// facts, with the selection's filters (its period must cover the days): open stretches that
/// began minus those that ended, each on the day of its instant less a microsecond (migration
/// 47), as the `count` of a tally.
pub async fn backlog_changes(
    conn: &mut PgConnection,
    s: &Selection,
    zone: &str,
    days: &[jiff::civil::Date],
) -> sqlx::Result<Vec<DayRow>> {
    let sql = format!(
        "select c.day, c.department_id, c.group_id, sum(c.delta)::bigint as n from ( \
             select ((x.started_at - interval '1 microsecond') at time zone $11)::date as day, \
                    x.department_id, x.group_id, 1 as delta \
             from insight_spans x where {OPEN} and x.started_at > $1 and x.started_at <= $2 \
               and {FILTERS} \
             union all \
             select ((x.ended_at - interval '1 microsecond') at time zone $11)::date, \
                    x.department_id, x.group_id, -1 \
             from insight_spans x where {OPEN} and x.ended_at is not null \
               and x.ended_at > $1 and x.ended_at <= $2 and {FILTERS}) c \
         where c.day = any($12) and $3::timestamptz is not null \
         group by c.day, c.department_id, c.group_id \
         having sum(c.delta) <> 0 \
         order by c.day, c.department_id, c.group_id"
    );
    let rows: Vec<(jiff_sqlx::Date, Option<Uuid>, Option<Uuid>, i64)> =
        bind(sqlx::query_as(&sql), s)
            .bind(zone)
            .bind(dates(days))
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(day, department, group, n)| DayRow {
            day: day.to_jiff(),
            department,
            group,
            tally: Tally {
                count: n,
                ..Tally::default()
            },
        })
        .collect())
}

/// The kept net changes of the backlog per day, up to `to` but the days in `except`, with
/// the selection's department and group filters and scope.
pub async fn read_backlog_changes(
    conn: &mut PgConnection,
    s: &Selection,
    to: jiff::civil::Date,
    except: &[jiff::civil::Date],
) -> sqlx::Result<Vec<(jiff::civil::Date, i64)>> {
    let sql = format!(
        "select x.day, sum(x.count)::bigint from insight_rollups x \
         where x.kpi = 'backlog' and x.day <= $1 and not x.day = any($2) and {} \
         group by x.day order by x.day",
        place_filters(3)
    );
    let query = sqlx::query_as(&sql)
        .bind(jiff_sqlx::Date::from(to))
        .bind(dates(except));
    let rows: Vec<(jiff_sqlx::Date, i64)> = bind_place(query, s).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(d, n)| (d.to_jiff(), n)).collect())
}

/// A selection's filters the rollups keep (department, group, scope), on rows `x` of a
/// table of per-day sums, at the selection's own parameters (`bind`).
const SELECTION_PLACE: &str = "($4::uuid is null or x.department_id = $4) \
     and ($5::uuid is null or x.group_id = $5) \
     and ($9::uuid[] is null or x.group_id = any($9)) \
     and (x.department_id is null or not x.department_id = any($10))";

/// The stretches the value stream counts (its time per group).
const TIMED: &str = "x.state in ('new', 'in_progress', 'on_hold', 'resolved')";

/// The rows of `insight_span_days` (migration 49) of the days `$12` in zone `$11`, from the
/// facts, with the selection's filters (`$1`..`$10`; its period must cover the days).
fn span_days_sql() -> String {
    let not_canceled = super::insight_figures::not_canceled("x");
    let side = |column: &str, began: bool| {
        format!(
            "select ({column} at time zone $11)::date as day, x.department_id, x.group_id, \
                    x.state, x.hold_reason, x.assigned, {began} as began, \
                    extract(epoch from {column}) as at \
             from insight_spans x where {TIMED} and {column} >= $1 and {column} < $2 \
               and {FILTERS} and {not_canceled}"
        )
    };
    format!(
        "select c.day, c.department_id, c.group_id, c.state, c.hold_reason, c.assigned, \
                count(*) filter (where c.began) as began, \
                coalesce(sum(c.at) filter (where c.began), 0) as began_sum, \
                count(*) filter (where not c.began) as ended, \
                coalesce(sum(c.at) filter (where not c.began), 0) as ended_sum \
         from ({} union all {}) c \
         where c.day = any($12) and $3::timestamptz is not null \
         group by c.day, c.department_id, c.group_id, c.state, c.hold_reason, c.assigned",
        side("x.started_at", true),
        side("x.ended_at", false)
    )
}

/// The per-day sums of the stretches: the value stream's (migration 49) and caller hours
/// lost's (migration 50).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StretchDays {
    Span,
    Lost,
}

impl StretchDays {
    pub const ALL: [StretchDays; 2] = [StretchDays::Span, StretchDays::Lost];

    fn table(self) -> &'static str {
        match self {
            StretchDays::Span => "insight_span_days",
            StretchDays::Lost => "insight_lost_days",
        }
    }

    fn sql(self) -> String {
        match self {
            StretchDays::Span => span_days_sql(),
            StretchDays::Lost => lost_days_sql(),
        }
    }
}

/// Replaces the rows of one table of per-day sums of the stretches of these days (in `zone`)
/// with the facts' sums; the selection (no filters) covers the days.
pub async fn write_stretch_days(
    conn: &mut PgConnection,
    kind: StretchDays,
    s: &Selection,
    zone: &str,
    days: &[jiff::civil::Date],
) -> sqlx::Result<()> {
    let table = kind.table();
    sqlx::query(&format!("delete from {table} where day = any($1)"))
        .bind(dates(days))
        .execute(&mut *conn)
        .await?;
    let sql = format!(
        "with w as (insert into {table} {} returning 1) select count(*) from w",
        kind.sql()
    );
    bind(sqlx::query_as::<_, (i64,)>(&sql), s)
        .bind(zone)
        .bind(dates(days))
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// The value stream's time per group, state, hold reason and assignment within `[f, t)` (`f`
/// the start of day `f_day`, `t` the end of day `t_day` or now within it), from the kept
/// per-day sums of the stretches up to `kept_last` but the days in `except`, and from the
/// facts for the days `live` (covered by the selection's period). The same as
/// `insight_flow::group_times` of the period. Parameters: the selection's `$1`..`$10` (its
/// filters on department, group and scope only: the others are counted from the facts).
#[expect(
    clippy::too_many_arguments,
    reason = "the two ends of two kinds of days"
)]
pub async fn group_times(
    conn: &mut PgConnection,
    s: &Selection,
    zone: &str,
    (f, f_day): (jiff::Timestamp, jiff::civil::Date),
    (t, t_day): (jiff::Timestamp, jiff::civil::Date),
    kept_last: jiff::civil::Date,
    except: &[jiff::civil::Date],
    live: &[jiff::civil::Date],
) -> sqlx::Result<Vec<super::insight_flow::GroupTime>> {
    // C(at) over the rows before the day `before` (exclusive, `<`) or through it (`<=`).
    let c = |at: &str, day: &str, op: &str| {
        format!(
            "({at}::numeric * (coalesce(sum(x.began) filter (where x.day {op} {day}), 0) \
                              - coalesce(sum(x.ended) filter (where x.day {op} {day}), 0)) \
              - (coalesce(sum(x.began_sum) filter (where x.day {op} {day}), 0) \
                 - coalesce(sum(x.ended_sum) filter (where x.day {op} {day}), 0)))"
        )
    };
    let seconds = format!("({} - {})", c("$15", "$16", "<="), c("$17", "$18", "<"));
    let sql = format!(
        "with x as ( \
             select x.day, x.department_id, x.group_id, x.state, x.hold_reason, x.assigned, \
                    x.began, x.began_sum, x.ended, x.ended_sum \
             from insight_span_days x \
             where x.day <= $13 and not x.day = any($14) \
               and {SELECTION_PLACE} \
             union all {}) \
         select g.key as group_key, x.state, x.hold_reason, x.assigned, \
                round({seconds})::bigint as seconds \
         from x left join groups g on g.id = x.group_id \
         group by g.key, x.state, x.hold_reason, x.assigned \
         having {seconds} > 0 \
         order by g.key nulls last, x.state, x.hold_reason nulls first, x.assigned",
        span_days_sql()
    );
    bind(sqlx::query_as(&sql), s)
        .bind(zone)
        .bind(dates(live))
        .bind(jiff_sqlx::Date::from(kept_last))
        .bind(dates(except))
        .bind(epoch(t))
        .bind(jiff_sqlx::Date::from(t_day))
        .bind(epoch(f))
        .bind(jiff_sqlx::Date::from(f_day))
        .fetch_all(conn)
        .await
}

/// The open stretches: the backlog's, and those caller hours lost counts.
const OPEN: &str = "x.state in ('new', 'in_progress', 'on_hold')";

/// The rows of `insight_lost_days` (migration 50) of the days `$12` in zone `$11`, from the
/// facts, with the selection's filters (`$1`..`$10`; its period must cover the days).
fn lost_days_sql() -> String {
    let not_canceled = super::insight_figures::not_canceled("x");
    let side = |began: bool| {
        let (day, at, run, within) = if began {
            (
                "x.started_at",
                "x.started_at",
                "x.run_started_at = x.started_at",
                "x.started_at >= $1 and x.started_at < $2",
            )
        } else {
            (
                "x.ended_at - interval '1 microsecond'",
                "x.ended_at",
                "x.run_ends",
                "x.ended_at > $1 and x.ended_at <= $2",
            )
        };
        format!(
            "select (({day}) at time zone $11)::date as day, x.department_id, x.group_id, \
                    x.impact, {began} as began, floor(extract(epoch from {at}))::bigint as at, \
                    {run} as run \
             from insight_spans x where {OPEN} and {within} and {FILTERS} and {not_canceled}"
        )
    };
    format!(
        "select c.day, c.department_id, c.group_id, c.impact, \
                count(*) filter (where c.began) as began, \
                coalesce(sum(c.at) filter (where c.began), 0)::bigint as began_sum, \
                count(*) filter (where not c.began) as ended, \
                coalesce(sum(c.at) filter (where not c.began), 0)::bigint as ended_sum, \
                count(*) filter (where c.began and c.run) as runs_began, \
                count(*) filter (where not c.began and c.run) as runs_ended \
         from ({} union all {}) c \
         where c.day = any($12) and $3::timestamptz is not null \
         group by c.day, c.department_id, c.group_id, c.impact",
        side(true),
        side(false)
    )
}

/// A row of `lost_days`.
type LostRow = (jiff_sqlx::Date, i64, i64, i64, i64, i64, i64, i64);

/// The per-day sums of the open stretches (`insight_lost_days`) per day and impact weight,
/// kept up to `kept_last` but the days in `except`, and from the facts for the days `live`
/// (covered by the selection's period). Parameters: the selection's `$1`..`$10` (its filters
/// on department, group and scope only: the others are counted from the facts).
pub async fn lost_days(
    conn: &mut PgConnection,
    s: &Selection,
    zone: &str,
    kept_last: jiff::civil::Date,
    except: &[jiff::civil::Date],
    live: &[jiff::civil::Date],
) -> sqlx::Result<Vec<LostDay>> {
    let sql = format!(
        "select x.day, ({})::bigint as weight, sum(x.began)::bigint, sum(x.began_sum)::bigint, \
                sum(x.ended)::bigint, sum(x.ended_sum)::bigint, sum(x.runs_began)::bigint, \
                sum(x.runs_ended)::bigint \
         from (select * from insight_lost_days x \
               where x.day <= $13 and not x.day = any($14) and {SELECTION_PLACE} \
               union all {}) x \
         group by 1, 2 order by 1, 2",
        super::insight_figures::weight("x"),
        lost_days_sql(),
    );
    let rows: Vec<LostRow> = bind(sqlx::query_as(&sql), s)
        .bind(zone)
        .bind(dates(live))
        .bind(jiff_sqlx::Date::from(kept_last))
        .bind(dates(except))
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(day, weight, began, began_sum, ended, ended_sum, runs_began, runs_ended)| LostDay {
                day: day.to_jiff(),
                weight,
                began,
                began_sum,
                ended,
                ended_sum,
                runs_began,
                runs_ended,
            },
        )
        .collect())
}

/// An instant as epoch seconds with its microseconds, as text for a numeric parameter.
fn epoch(t: jiff::Timestamp) -> String {
    format!("{}.{:06}", t.as_second(), t.subsec_microsecond())
}

/// Replaces every KPI's rows of these days with `rows` (`(kpi, row)`).
pub async fn write(
    conn: &mut PgConnection,
    days: &[jiff::civil::Date],
    rows: &[(Kpi, DayRow)],
) -> sqlx::Result<()> {
    sqlx::query("delete from insight_rollups where day = any($1)")
        .bind(dates(days))
        .execute(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let column = |f: &dyn Fn(&(Kpi, DayRow)) -> i64| rows.iter().map(f).collect::<Vec<i64>>();
    sqlx::query(
        "insert into insight_rollups (day, kpi, department_id, group_id, count, met, \
             calendar_sum, business_sum, calendar_hist, business_hist) \
         select * from unnest($1::date[], $2::text[], $3::uuid[], $4::uuid[], $5::int8[], \
             $6::int8[], $7::int8[], $8::int8[], $9::bytea[], $10::bytea[])",
    )
    .bind(
        rows.iter()
            .map(|(_, r)| jiff_sqlx::Date::from(r.day))
            .collect::<Vec<_>>(),
    )
    .bind(rows.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.department).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.group).collect::<Vec<_>>())
    .bind(column(&|(_, r)| r.tally.count))
    .bind(column(&|(_, r)| r.tally.met))
    .bind(column(&|(_, r)| r.tally.calendar_sum))
    .bind(column(&|(_, r)| r.tally.business_sum))
    .bind(
        rows.iter()
            .map(|(_, r)| r.tally.calendar.encode())
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(_, r)| r.tally.business.encode())
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct KeptRow {
    day: jiff_sqlx::Date,
    count: i64,
    met: i64,
    calendar_sum: Option<i64>,
    business_sum: Option<i64>,
    calendar_hist: Vec<u8>,
    business_hist: Vec<u8>,
}

/// A KPI's kept sums of the days `[from, to]` but those in `except`, with the selection's
/// filters on department and group and its scope (the other filters cannot be read from the
/// rollups), summed up per day.
pub async fn read(
    conn: &mut PgConnection,
    kpi: Kpi,
    s: &Selection,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    except: &[jiff::civil::Date],
) -> sqlx::Result<Vec<(jiff::civil::Date, Tally)>> {
    let sql = format!(
        "select x.day, x.count, x.met, x.calendar_sum, x.business_sum, x.calendar_hist, \
                x.business_hist \
         from insight_rollups x \
         where x.kpi = $1 and x.day >= $2 and x.day <= $3 and not x.day = any($4) and {} \
         order by x.day",
        place_filters(5)
    );
    let query = sqlx::query_as(&sql)
        .bind(kpi.as_str())
        .bind(jiff_sqlx::Date::from(from))
        .bind(jiff_sqlx::Date::from(to))
        .bind(dates(except));
    let rows: Vec<KeptRow> = bind_place(query, s).fetch_all(conn).await?;
    let mut out: Vec<(jiff::civil::Date, Tally)> = Vec::new();
    for r in rows {
        let day = r.day.to_jiff();
        if out.last().is_none_or(|(d, _)| *d != day) {
            out.push((day, Tally::default()));
        }
        let Some((_, t)) = out.last_mut() else {
            continue;
        };
        t.count += r.count;
        t.met += r.met;
        t.calendar_sum += r.calendar_sum.unwrap_or(0);
        t.business_sum += r.business_sum.unwrap_or(0);
        t.calendar.add_encoded(&r.calendar_hist);
        t.business.add_encoded(&r.business_hist);
    }
    Ok(out)
}

/// Marks the days the facts of these incidents count on (a response, a due time, a
/// resolution, the start and end of a stretch), in `zone`: called before their facts are
/// replaced and after.
pub async fn mark_dirty(conn: &mut PgConnection, ids: &[Uuid], zone: &str) -> sqlx::Result<()> {
    sqlx::query(
        "insert into insight_dirty_days (day) \
         select distinct (m.t at time zone $2)::date from ( \
             select unnest(array[f.responded_at, f.response_due, f.resolution_due]) as t \
             from insight_incidents f where f.incident_id = any($1) \
             union all \
             select r.resolved_at from insight_resolutions r where r.incident_id = any($1) \
             union all \
             select unnest(array[s.started_at, s.ended_at]) - interval '1 microsecond' \
             from insight_spans s where s.incident_id = any($1) \
               and s.state in ('new', 'in_progress', 'on_hold') \
             union all \
             select unnest(array[s.started_at, s.ended_at]) \
             from insight_spans s where s.incident_id = any($1) \
               and s.state in ('new', 'in_progress', 'on_hold', 'resolved')) m \
         where m.t is not null order by 1 \
         on conflict do nothing",
    )
    .bind(ids)
    .bind(zone)
    .execute(conn)
    .await?;
    Ok(())
}

/// Where the rollups stand: the time zone of their days, and the first day not yet summed
/// up at all (`None`: none was).
#[derive(Debug, Clone, Default)]
pub struct State {
    pub zone: Option<String>,
    pub rolled_through: Option<jiff::civil::Date>,
}

pub async fn state(conn: &mut PgConnection, lock: bool) -> sqlx::Result<State> {
    let sql = if lock {
        "select rollup_time_zone, rolled_through from insight_state for update"
    } else {
        "select rollup_time_zone, rolled_through from insight_state"
    };
    let (zone, through): (Option<String>, Option<jiff_sqlx::Date>) =
        sqlx::query_as(sql).fetch_one(conn).await?;
    Ok(State {
        zone,
        rolled_through: through.map(jiff_sqlx::Date::to_jiff),
    })
}

/// Starts the rollups afresh in `zone`: every row and mark gone, no day summed up.
pub async fn reset(conn: &mut PgConnection, zone: &str) -> sqlx::Result<()> {
    sqlx::query(
        "with a as (delete from insight_rollups), b as (delete from insight_dirty_days) \
         update insight_state set rollup_time_zone = $1, rolled_through = null",
    )
    .bind(zone)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the days `[from, to)` for summing up and records that every day before `to` has
/// been marked at least once.
pub async fn mark_through(
    conn: &mut PgConnection,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> sqlx::Result<()> {
    sqlx::query(
        "with marked as (insert into insight_dirty_days (day) \
             select d::date from generate_series($1::date, $2::date - 1, interval '1 day') d \
             on conflict do nothing) \
         update insight_state set rolled_through = $2",
    )
    .bind(jiff_sqlx::Date::from(from))
    .bind(jiff_sqlx::Date::from(to))
    .execute(conn)
    .await?;
    Ok(())
}

/// The first day with facts, in `zone`.
pub async fn first_day(
    conn: &mut PgConnection,
    zone: &str,
) -> sqlx::Result<Option<jiff::civil::Date>> {
    let day: Option<jiff_sqlx::Date> =
        sqlx::query_scalar("select (min(opened_at) at time zone $1)::date from insight_incidents")
            .bind(zone)
            .fetch_one(conn)
            .await?;
    Ok(day.map(jiff_sqlx::Date::to_jiff))
}

/// Takes up to `limit` marked days before `before`, oldest first (their marks are gone once
/// the transaction commits).
pub async fn take_dirty(
    conn: &mut PgConnection,
    before: jiff::civil::Date,
    limit: i64,
) -> sqlx::Result<Vec<jiff::civil::Date>> {
    let days: Vec<jiff_sqlx::Date> = sqlx::query_scalar(
        "delete from insight_dirty_days where day in \
             (select day from insight_dirty_days where day < $1 order by day limit $2 \
              for update skip locked) \
         returning day",
    )
    .bind(jiff_sqlx::Date::from(before))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let mut days: Vec<_> = days.into_iter().map(jiff_sqlx::Date::to_jiff).collect();
    days.sort_unstable();
    Ok(days)
}

/// The marked days in `[from, to]`.
pub async fn dirty_between(
    conn: &mut PgConnection,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> sqlx::Result<Vec<jiff::civil::Date>> {
    let days: Vec<jiff_sqlx::Date> = sqlx::query_scalar(
        "select day from insight_dirty_days where day >= $1 and day <= $2 order by day",
    )
    .bind(jiff_sqlx::Date::from(from))
    .bind(jiff_sqlx::Date::from(to))
    .fetch_all(conn)
    .await?;
    Ok(days.into_iter().map(jiff_sqlx::Date::to_jiff).collect())
}

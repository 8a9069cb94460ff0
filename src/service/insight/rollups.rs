//! Keeping the rollups (migration 47) and reading figures from them.
//!
//! A day is summed up once it has ended, and again whenever a fold changed facts that count
//! on it (the fold marks those days). A figure is read from the rollups for the days summed
//! up and unmarked, and counted from the facts for the others (today, days marked since,
//! days not yet summed up): the same query either way, so the figure does not depend on how
//! far the worker has come. Only the department and group filters (and the reader's scope)
//! can be read from the rollups; a figure filtered by service, priority or category is
//! counted from the facts.

use std::collections::BTreeMap;

use jiff::civil::Date;
use sqlx::{PgConnection, PgPool};

use super::figures::{Chosen, desk_time_zone};
use crate::domain::insight::figures::{Kpi, Period};
use crate::domain::insight::rollup::{Tally, lost_within};
use crate::error::AppResult;
use crate::store::insight_figures::{Aggregate, Selection, Summary};
use crate::store::insight_rollups::{self as kept, DayRow, KEPT, ROLLED, values_of};

/// Days summed up in one transaction.
pub const BATCH: i64 = 31;

/// The days of `days` (sorted) in runs of consecutive days.
fn runs(days: &[Date]) -> Vec<Vec<Date>> {
    let mut runs: Vec<Vec<Date>> = Vec::new();
    for day in days {
        match runs.last_mut() {
            Some(run) if run.last().and_then(|d| d.tomorrow().ok()) == Some(*day) => run.push(*day),
            _ => runs.push(vec![*day]),
        }
    }
    runs
}

/// Every day from `first` on.
fn every_day(first: Date) -> impl Iterator<Item = Date> {
    first.series(jiff::Span::new().days(1))
}

/// The days counted from the facts: those `marked`, and every day after `kept_to` (none
/// before `from`) through `through`; sorted.
fn live_days(mut marked: Vec<Date>, kept_to: Date, from: Date, through: Date) -> Vec<Date> {
    if let Ok(next) = kept_to.tomorrow() {
        marked.extend(every_day(next.max(from)).take_while(|d| *d <= through));
    }
    marked.sort_unstable();
    marked
}

/// `base` with its period from the first of these days (sorted) to the last; `None` for
/// none.
fn covering(days: &[Date], tz: &jiff::tz::TimeZone, base: &Selection) -> Option<Selection> {
    let (from, to) = Period {
        from: *days.first()?,
        to: *days.last()?,
    }
    .instants(tz);
    Some(Selection {
        from,
        to,
        ..base.clone()
    })
}

/// Every rolled KPI of these days counted from the facts, per day and place, with the
/// selection's filters and scope (`base`; its period is replaced by each run's days).
async fn count(
    conn: &mut PgConnection,
    kpis: &[Kpi],
    base: &Selection,
    tz: &jiff::tz::TimeZone,
    zone: &str,
    days: &[Date],
) -> AppResult<Vec<(Kpi, DayRow)>> {
    let mut rows = Vec::new();
    for run in runs(days) {
        let Some(s) = covering(&run, tz, base) else {
            continue;
        };
        for kpi in kpis {
            let counted = if *kpi == Kpi::Backlog {
                kept::backlog_changes(conn, &s, zone, &run).await?
            } else {
                kept::count_days(conn, *kpi, &s, zone, &run).await?
            };
            rows.extend(counted.into_iter().map(|row| (*kpi, row)));
        }
    }
    Ok(rows)
}

/// The stretches' per-day sums of these days (`insight_span_days`, `insight_lost_days`),
/// from the facts.
async fn write_stretch_days(
    conn: &mut PgConnection,
    tz: &jiff::tz::TimeZone,
    zone: &str,
    days: &[Date],
    now: jiff::Timestamp,
) -> AppResult<()> {
    for run in runs(days) {
        let Some(s) = covering(&run, tz, &everything(now)) else {
            continue;
        };
        for kind in kept::StretchDays::ALL {
            kept::write_stretch_days(conn, kind, &s, zone, &run).await?;
        }
    }
    Ok(())
}

/// Sums up the days that have ended and are not summed up yet or were marked since, a batch
/// of days per transaction, all of them or `batches` batches at most; returns how many days.
/// A change of the desk's time zone starts the rollups afresh. Several processes may do this
/// at once: each takes other days.
pub async fn roll_up(
    db: &PgPool,
    batches: Option<usize>,
    advance: &(dyn Fn(u64) + Sync),
) -> AppResult<u64> {
    let now = jiff::Timestamp::now();
    let (tz, zone) = {
        let mut tx = db.begin().await?;
        let reference = crate::store::reference::load(&mut tx).await?;
        let (tz, zone) = desk_time_zone(&reference);
        let today = now.to_zoned(tz.clone()).date();
        let mut state = kept::state(&mut tx, true).await?;
        if state.zone.as_deref() != Some(zone.as_str()) {
            kept::reset(&mut tx, &zone).await?;
            state.rolled_through = None;
        }
        if state.rolled_through != Some(today) {
            let from = match state.rolled_through {
                Some(through) => through,
                None => kept::first_day(&mut tx, &zone).await?.unwrap_or(today),
            };
            kept::mark_through(&mut tx, from.min(today), today).await?;
        }
        tx.commit().await?;
        (tz, zone)
    };
    let today = now.to_zoned(tz.clone()).date();
    let everything = everything(now);
    let mut done = 0u64;
    for _ in 0..batches.unwrap_or(usize::MAX) {
        let mut tx = db.begin().await?;
        let days = kept::take_dirty(&mut tx, today, BATCH).await?;
        if days.is_empty() {
            break;
        }
        let rows = count(&mut tx, &KEPT, &everything, &tz, &zone, &days).await?;
        kept::write(&mut tx, &days, &rows).await?;
        write_stretch_days(&mut tx, &tz, &zone, &days, now).await?;
        tx.commit().await?;
        let n = u64::try_from(days.len()).unwrap_or(0);
        done += n;
        advance(n);
    }
    Ok(done)
}

/// The days `roll_up` would sum up now (for a progress bar).
pub async fn pending_days(db: &PgPool) -> AppResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "select (select count(*) from insight_dirty_days) \
              + coalesce((select current_date - coalesce(rolled_through, \
                    (select min(opened_at)::date from insight_incidents)) from insight_state), 0)",
    )
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// In a transaction where temporary tables shadow `insight_rollups` and the facts (as
/// `facts::check` makes them): sums up afresh every day the kept rollups hold as summed up
/// (ended, not marked) and counts the rows in either that the other lacks.
pub(crate) async fn differing(conn: &mut PgConnection) -> AppResult<i64> {
    const SPAN_COLUMNS: &str = "day, department_id, group_id, state, hold_reason, assigned, \
                                began, began_sum, ended, ended_sum";
    const LOST_COLUMNS: &str = "day, department_id, group_id, impact, began, began_sum, ended, \
                                ended_sum, runs_began, runs_ended";
    const COLUMNS: &str = "day, kpi, department_id, group_id, count, met, calendar_sum, \
                           business_sum, calendar_hist, business_hist";
    let reference = crate::store::reference::load(&mut *conn).await?;
    let (tz, zone) = desk_time_zone(&reference);
    let now = jiff::Timestamp::now();
    let today = now.to_zoned(tz.clone()).date();
    let state = kept::state(conn, false).await?;
    let (Some(kept_zone), Some(through)) = (state.zone, state.rolled_through) else {
        return Ok(0);
    };
    if kept_zone != zone {
        return Ok(0);
    }
    let Some(first) = kept::first_day(conn, &zone).await? else {
        return Ok(0);
    };
    let end = through.min(today);
    let dirty: Vec<jiff_sqlx::Date> =
        sqlx::query_scalar("select day from public.insight_dirty_days")
            .fetch_all(&mut *conn)
            .await?;
    let dirty: Vec<Date> = dirty.into_iter().map(jiff_sqlx::Date::to_jiff).collect();
    let days: Vec<Date> = every_day(first)
        .take_while(|d| *d < end)
        .filter(|d| !dirty.contains(d))
        .collect();
    let everything = everything(now);
    let rows = count(conn, &KEPT, &everything, &tz, &zone, &days).await?;
    kept::write(conn, &days, &rows).await?;
    write_stretch_days(conn, &tz, &zone, &days, now).await?;
    let rollups =
        super::facts::differing_rows(conn, "insight_rollups", COLUMNS, Some(&days)).await?;
    let span_days =
        super::facts::differing_rows(conn, "insight_span_days", SPAN_COLUMNS, Some(&days)).await?;
    let lost_days =
        super::facts::differing_rows(conn, "insight_lost_days", LOST_COLUMNS, Some(&days)).await?;
    Ok(rollups + span_days + lost_days)
}

/// A selection of everything (no filter, every group) at `now`; its period is set per run.
fn everything(now: jiff::Timestamp) -> Selection {
    Selection {
        from: now,
        to: now,
        now,
        department: None,
        group: None,
        service: None,
        priority: None,
        category: None,
        groups: None,
        hidden: Vec::new(),
    }
}

/// A rolled KPI over the chosen period, the one before and the period's weeks, from the
/// rollups where they hold the day and from the facts elsewhere; `None` when the rollups
/// cannot give it (a KPI not rolled up, a filter they do not keep, another time zone, none
/// summed up yet): then count it all from the facts.
pub(crate) async fn summary(
    conn: &mut PgConnection,
    kpi: Kpi,
    chosen: &Chosen,
) -> AppResult<Option<Summary>> {
    if !ROLLED.contains(&kpi) {
        return Ok(None);
    }
    let Some((kept_last, _)) = usable(conn, chosen).await? else {
        return Ok(None);
    };
    let s = &chosen.base;
    let zone = &chosen.time_zone_name;
    let (first, last) = (chosen.period.previous().from, chosen.period.to);
    // Read from the rollups: the days before today (and before `through`) not marked.
    let kept_last = kept_last.min(last);
    let (dirty, mut days) = if first <= kept_last {
        let dirty = kept::dirty_between(conn, first, kept_last).await?;
        let days = kept::read(conn, kpi, s, first, kept_last, &dirty).await?;
        (dirty, days)
    } else {
        (Vec::new(), Vec::new())
    };
    // Counted from the facts: the rest.
    let live = live_days(dirty, kept_last, first, last);
    for (_, row) in count(conn, &[kpi], s, &chosen.time_zone, zone, &live).await? {
        days.push((row.day, row.tally));
    }
    let mut current = Tally::default();
    let mut previous = Tally::default();
    let mut weeks: BTreeMap<Date, Tally> = BTreeMap::new();
    for (day, tally) in &days {
        if *day >= chosen.period.from {
            current.merge(tally);
            weeks.entry(monday(*day)).or_default().merge(tally);
        } else {
            previous.merge(tally);
        }
    }
    let current_provisional = provisional(conn, kpi, chosen, chosen.period).await?;
    let previous_provisional = provisional(conn, kpi, chosen, chosen.period.previous()).await?;
    Ok(Some(Summary {
        current: aggregate_of(kpi, &current, current_provisional),
        previous: aggregate_of(kpi, &previous, previous_provisional),
        weeks: weeks
            .into_iter()
            .map(|(week, tally)| (week, aggregate_of(kpi, &tally, 0)))
            .collect(),
    }))
}

/// Where the rollups hold the selection's figures: their time zone is the chosen one, a day
/// was summed up, and no filter they do not keep was chosen. Gives the last day that may be
/// read from them (before today and before every day not yet summed up) and today.
async fn usable(conn: &mut PgConnection, chosen: &Chosen) -> AppResult<Option<(Date, Date)>> {
    let s = &chosen.base;
    if s.service.is_some() || s.priority.is_some() || s.category.is_some() {
        return Ok(None);
    }
    let state = kept::state(conn, false).await?;
    let (Some(zone), Some(through)) = (state.zone, state.rolled_through) else {
        return Ok(None);
    };
    if zone != chosen.time_zone_name {
        return Ok(None);
    }
    let today = s.now.to_zoned(chosen.time_zone.clone()).date();
    let kept_last = through.min(today).yesterday().unwrap_or(through);
    Ok(Some((kept_last, today)))
}

/// The backlog at the end of each of `weeks` (each cut at the period's end; for the week that
/// holds today, at this moment: `now` when the caller counted it already), from the kept
/// daily changes and from the facts for the days not kept; `None` where the rollups cannot
/// give it. The same figure as the backlog counted at each instant from the facts
/// (`insight_figures::aggregate`).
pub(crate) async fn backlog_weeks(
    conn: &mut PgConnection,
    chosen: &Chosen,
    weeks: &[(Date, Period)],
    now: Option<i64>,
) -> AppResult<Option<Vec<(Date, i64)>>> {
    let Some((kept_last, today)) = usable(conn, chosen).await? else {
        return Ok(None);
    };
    let s = &chosen.base;
    // The changes up to the end of the last week that ended before today.
    let mut changes: BTreeMap<Date, i64> = BTreeMap::new();
    if let Some(last_end) = weeks.iter().map(|(_, p)| p.to).filter(|d| *d < today).max() {
        let kept_to = kept_last.min(last_end);
        let dirty = kept::dirty_between(conn, jiff::civil::date(1900, 1, 1), kept_to).await?;
        changes.extend(kept::read_backlog_changes(conn, s, kept_to, &dirty).await?);
        // The days not kept, from the facts: those marked, and those after the last kept one.
        let live = live_days(dirty, kept_to, Date::MIN, last_end);
        let zone = &chosen.time_zone_name;
        for (_, row) in count(conn, &[Kpi::Backlog], s, &chosen.time_zone, zone, &live).await? {
            *changes.entry(row.day).or_default() += row.tally.count;
        }
    }
    let mut points = Vec::with_capacity(weeks.len());
    for (week, period) in weeks {
        let backlog = if period.to < today {
            changes.range(..=period.to).map(|(_, n)| n).sum()
        } else if let Some(now) = now {
            now
        } else {
            // The week that holds today: the backlog now.
            let (from, to) = period.instants(&chosen.time_zone);
            let at = Selection {
                from,
                to,
                ..s.clone()
            };
            crate::store::insight_figures::aggregate(conn, Kpi::Backlog, &at)
                .await?
                .count
        };
        points.push((*week, backlog));
    }
    Ok(Some(points))
}

/// The days through `until_day` split into those read from the kept per-day sums (through
/// `kept_to`, but the `marked` ones) and those counted from the facts (`live`), with the
/// chosen filters over a period that covers the live days.
struct Split {
    kept_to: Date,
    marked: Vec<Date>,
    live: Vec<Date>,
    selection: Selection,
}

impl Split {
    async fn of(
        conn: &mut PgConnection,
        chosen: &Chosen,
        kept_last: Date,
        until_day: Date,
    ) -> AppResult<Split> {
        let kept_to = kept_last.min(until_day);
        let marked = kept::dirty_between(conn, jiff::civil::date(1900, 1, 1), kept_to).await?;
        let live = live_days(marked.clone(), kept_to, Date::MIN, until_day);
        // No live day: the facts' part counts nothing, whatever the period.
        let selection =
            covering(&live, &chosen.time_zone, &chosen.base).unwrap_or_else(|| chosen.base.clone());
        Ok(Split {
            kept_to,
            marked,
            live,
            selection,
        })
    }
}

/// The value stream's time per group over the chosen period from the kept per-day sums of
/// the stretches and the facts for the days not kept; `None` where the rollups cannot give
/// it. The same as `insight_flow::group_times` of the period.
pub(crate) async fn group_times(
    conn: &mut PgConnection,
    chosen: &Chosen,
) -> AppResult<Option<Vec<crate::store::insight_flow::GroupTime>>> {
    let Some((kept_last, today)) = usable(conn, chosen).await? else {
        return Ok(None);
    };
    let period = chosen.period;
    let (f, period_end) = period.instants(&chosen.time_zone);
    let now = chosen.base.now;
    // Up to the period's end, or now within today.
    let (t, until_day) = if period_end <= now {
        (period_end, period.to)
    } else {
        (now, today.min(period.to))
    };
    if t <= f {
        return Ok(Some(Vec::new()));
    }
    let days = Split::of(conn, chosen, kept_last, until_day).await?;
    Ok(Some(
        kept::group_times(
            conn,
            &days.selection,
            &chosen.time_zone_name,
            (f, period.from),
            (t, until_day),
            days.kept_to,
            &days.marked,
            &days.live,
        )
        .await?,
    ))
}

/// Caller hours lost in each of `periods` (cut at now), from the kept per-day sums and the
/// facts for the days not kept; `None` where the rollups cannot give it. The same as
/// `insight_figures::aggregate` of each period.
pub(crate) async fn caller_hours(
    conn: &mut PgConnection,
    chosen: &Chosen,
    periods: &[Period],
) -> AppResult<Option<Vec<Aggregate>>> {
    let Some((kept_last, current_day)) = usable(conn, chosen).await? else {
        return Ok(None);
    };
    let tz = &chosen.time_zone;
    let now = chosen.base.now;
    // Each period's window, cut at now; `None` for one that has not begun.
    let windows: Vec<Option<Window>> = periods
        .iter()
        .map(|period| {
            let (from, end) = period.instants(tz);
            let (until, until_day) = if end <= now {
                (end, period.to.tomorrow().ok()?)
            } else {
                (now, current_day.tomorrow().ok()?)
            };
            (from < until).then_some((
                (from.as_second(), period.from),
                (until.as_second(), until_day),
            ))
        })
        .collect();
    let Some(until_day) = windows
        .iter()
        .flatten()
        .filter_map(|(_, (_, day))| day.yesterday().ok())
        .max()
    else {
        return Ok(Some(vec![Aggregate::default(); periods.len()]));
    };
    let split = Split::of(conn, chosen, kept_last, until_day).await?;
    let days = kept::lost_days(
        conn,
        &split.selection,
        &chosen.time_zone_name,
        split.kept_to,
        &split.marked,
        &split.live,
    )
    .await?;
    #[expect(clippy::cast_precision_loss, reason = "seconds and counts below 2^53")]
    let mean = |total: i64, count: i64| (count > 0).then(|| total as f64 / count as f64);
    Ok(Some(
        windows
            .iter()
            .map(|window| {
                let Some((from, to)) = *window else {
                    return Aggregate::default();
                };
                let (count, calendar, business) = lost_within(&days, from, to);
                Aggregate {
                    count,
                    calendar_mean: mean(calendar, count),
                    calendar_total: (count > 0).then_some(calendar),
                    business_mean: mean(business, count),
                    business_total: (count > 0).then_some(business),
                    ..Aggregate::default()
                }
            })
            .collect(),
    ))
}

/// A window of caller hours lost: its start and end (epoch seconds), each with the day
/// before which a stretch counts as begun or ended by then.
type Window = ((i64, Date), (i64, Date));

/// The Monday of a day's ISO week.
fn monday(day: Date) -> Date {
    day.checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
        .unwrap_or(day)
}

/// The rows of the period that may still change (a resolution less than 7 days old, for
/// first-contact resolution and reopens), counted from the facts of those 7 days.
async fn provisional(
    conn: &mut PgConnection,
    kpi: Kpi,
    chosen: &Chosen,
    period: Period,
) -> AppResult<i64> {
    if !matches!(kpi, Kpi::Fcr | Kpi::Reopen7d) {
        return Ok(0);
    }
    let (from, to) = period.instants(&chosen.time_zone);
    let recent = chosen
        .base
        .now
        .checked_sub(jiff::SignedDuration::from_hours(7 * 24))
        .unwrap_or(chosen.base.now);
    let from = from.max(recent);
    if from >= to {
        return Ok(0);
    }
    let s = Selection {
        from,
        to,
        ..chosen.base.clone()
    };
    Ok(crate::store::insight_figures::provisional(conn, kpi, &s).await?)
}

/// A tally as the figures' `Aggregate`.
fn aggregate_of(kpi: Kpi, t: &Tally, provisional: i64) -> Aggregate {
    let kind = values_of(kpi);
    let calendar = t.stats(kind, false);
    let business = t.stats(kind, true);
    Aggregate {
        count: t.count,
        met: t.met,
        provisional,
        calendar_median: calendar.median,
        calendar_p90: calendar.p90,
        calendar_mean: calendar.mean,
        calendar_total: calendar.total,
        business_median: business.median,
        business_p90: business.p90,
        business_mean: business.mean,
        business_total: business.total,
        ages: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn days_split_into_runs() {
        let days = [
            date(2026, 2, 27),
            date(2026, 2, 28),
            date(2026, 3, 1),
            date(2026, 3, 3),
        ];
        assert_eq!(
            runs(&days),
            vec![days[..3].to_vec(), vec![date(2026, 3, 3)]]
        );
        assert_eq!(
            live_days(
                vec![date(2026, 3, 1)],
                date(2026, 3, 3),
                date(2026, 3, 2),
                date(2026, 3, 5)
            ),
            [date(2026, 3, 1), date(2026, 3, 4), date(2026, 3, 5)],
            "the marked days and those after the last kept one"
        );
        assert_eq!(
            live_days(
                Vec::new(),
                date(2026, 3, 1),
                date(2026, 3, 4),
                date(2026, 3, 5)
            ),
            [date(2026, 3, 4), date(2026, 3, 5)],
            "none before `from`"
        );
        assert_eq!(monday(date(2026, 12, 6)), date(2026, 11, 30));
        assert_eq!(monday(date(2026, 12, 7)), date(2026, 12, 7));
    }
}

//! The dashboard's figures: each KPI of `docs/metrics.md` counted from the facts over a
//! period and the one before it, with the filters chosen and the reader's scope; and the list
//! of exactly the rows a figure counts.
//!
//! Who sees what: problem managers and admins are the process owners and see every group's
//! figures; agents and viewers see the figures of their own groups. Nobody's figures count a
//! confidential department they may not read.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::insight::figures::{Kpi, Period, Unit, change};
use crate::domain::{FieldError, Permission, Role};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::csv::optional;
use crate::service::fields::unknown_reference;
use crate::store::{self, insight_figures::Selection, reference::Reference};

/// The dashboard's choices, as sent (query string or form): dates as `YYYY-MM-DD`, the rest
/// as keys.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FigureQuery {
    /// First day of the period (desk time zone); default: 27 days before `to`.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Last day of the period, included; default: today. At most 731 days after `from`.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// A department's key.
    pub department: Option<String>,
    /// A group's key.
    pub group: Option<String>,
    /// A service's key.
    pub service: Option<String>,
    /// 1 to 5.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 5)]
    pub priority: Option<String>,
    pub category: Option<String>,
}

impl FigureQuery {
    /// The API's check: a date or priority sent empty is malformed (`400` naming it), as the
    /// document says; the pages' forms send empty fields for "any" and skip this.
    pub fn refuse_empty(&self) -> AppResult<()> {
        for (name, value) in [
            ("from", &self.from),
            ("to", &self.to),
            ("priority", &self.priority),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                let key = if name == "priority" {
                    "error.priority"
                } else {
                    "error.date"
                };
                return Err(AppError::InvalidParameter(FieldError::new(name, key)));
            }
        }
        Ok(())
    }

    /// The query string that selects the same figures (for links and CSV).
    pub fn to_query(&self) -> String {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("department", &self.department),
            ("group", &self.group),
            ("service", &self.service),
            ("priority", &self.priority),
            ("category", &self.category),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref()?.trim();
            (!value.is_empty()).then(|| format!("{name}={}", crate::url::encode(value)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Durations (seconds) or counts of one clock.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub mean: Option<f64>,
    pub total: Option<i64>,
}

/// One KPI's figure over the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub kpi: crate::domain::insight::figures::KpiId,
    pub unit: Unit,
    /// The figure: the median in business hours for durations, a percentage, a count, the
    /// mean reassignments per resolution, caller-hours; `null` when nothing was counted.
    pub value: Option<f64>,
    /// The same figure over the previous period.
    pub previous: Option<f64>,
    /// The change against the previous period, percent of it.
    pub change: Option<f64>,
    pub higher_is_better: bool,
    /// The rows counted (the list behind the figure has exactly these).
    pub count: i64,
    /// Of those, how many met the KPI's condition (in time, first contact, reopened, …).
    pub met: i64,
    /// Of those, how many may still change (a resolution less than 7 days old).
    pub provisional: i64,
    /// Calendar seconds (counts for reassignments and ping-pong; unweighted seconds for
    /// caller hours lost).
    pub calendar: Stats,
    /// Business seconds (impact-weighted seconds for caller hours lost).
    pub business: Stats,
    /// Backlog only: incidents by age in calendar days, 0–1, 2–5, 6–10, 11–30, > 30.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ages: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    #[schema(value_type = String, format = Date)]
    pub from: jiff::civil::Date,
    #[schema(value_type = String, format = Date)]
    pub to: jiff::civil::Date,
}

impl From<Period> for PeriodView {
    fn from(p: Period) -> Self {
        PeriodView {
            from: p.from,
            to: p.to,
        }
    }
}

/// The dashboard's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub period: PeriodView,
    pub previous: PeriodView,
    /// The desk's time zone (its default service level's calendar's; UTC without one): days
    /// and weeks begin at its midnight.
    pub time_zone: String,
    /// Only these groups' figures: the reader's own (agents and viewers); `null`: every group.
    pub groups: Option<Vec<String>>,
    pub figures: Vec<Figure>,
}

/// The choices checked and turned into a selection for one period.
pub(crate) struct Chosen {
    pub period: Period,
    pub time_zone: jiff::tz::TimeZone,
    pub time_zone_name: String,
    pub base: Selection,
    pub groups: Option<Vec<String>>,
}

impl Chosen {
    pub fn selection(&self, period: Period) -> Selection {
        let (from, to) = period.instants(&self.time_zone);
        Selection {
            from,
            to,
            ..self.base.clone()
        }
    }
}

/// The name of the desk's time zone (see `desk_time_zone`).
pub fn desk_time_zone_name(reference: &Reference) -> String {
    desk_time_zone(reference).1
}

/// The desk's time zone: the default service level's calendar's, else UTC.
pub(crate) fn desk_time_zone(reference: &Reference) -> (jiff::tz::TimeZone, String) {
    reference
        .policies
        .iter()
        .find(|p| p.service.is_none() && p.assignment_group.is_none())
        .and_then(|p| reference.calendars.iter().find(|c| c.id == p.calendar_id))
        .and_then(|c| {
            jiff::tz::TimeZone::get(&c.time_zone)
                .ok()
                .map(|tz| (tz, c.time_zone.clone()))
        })
        .unwrap_or_else(|| (jiff::tz::TimeZone::UTC, "UTC".to_owned()))
}

/// A choice as sent, trimmed; `None` when absent or blank.
fn text(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|t| !t.is_empty())
}

/// Checks the choices against the reference data and the reader's scope: malformed values are
/// `400`, unknown keys `422`, a group outside an agent's own `403`.
pub(crate) async fn choose(db: &Db, actor: &Actor, query: &FigureQuery) -> AppResult<Chosen> {
    actor.require(Permission::Read)?;
    let reference = crate::service::reference::data(db).await?;
    let (time_zone, time_zone_name) = desk_time_zone(&reference);
    let now = jiff::Timestamp::now();
    let today = now.to_zoned(time_zone.clone()).date();
    // A malformed date is 400; a period that ends before it begins or is too long is well
    // formed but refused (422).
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), today).map_err(|e| {
        let (field, key) = e.first().copied().unwrap_or(("from", "error.date"));
        if key == "error.date" {
            AppError::InvalidParameter(FieldError::new(field, key))
        } else {
            AppError::field(field, key)
        }
    })?;
    let priority = match text(query.priority.as_ref()) {
        None => None,
        Some(p) => Some(
            p.parse::<i16>()
                .ok()
                .filter(|p| (1..=5).contains(p))
                .ok_or_else(|| {
                    AppError::InvalidParameter(FieldError::new("priority", "error.priority"))
                })?,
        ),
    };
    let department = match text(query.department.as_ref()) {
        None => None,
        Some(key) => Some(
            reference
                .department_by_key(key)
                .map(|d| d.id)
                .ok_or_else(|| unknown_reference("department", "error.unknown_department"))?,
        ),
    };
    let group = match text(query.group.as_ref()) {
        None => None,
        Some(key) => Some(
            reference
                .group(key)
                .ok_or_else(|| unknown_reference("group", "error.unknown_group"))?,
        ),
    };
    let service = match text(query.service.as_ref()) {
        None => None,
        Some(key) => Some(
            reference
                .service(key)
                .map(|s| s.id)
                .ok_or_else(|| unknown_reference("service", "error.unknown_service"))?,
        ),
    };
    let process_owner = actor.role >= Role::ProblemManager;
    let (groups, group_keys) = if process_owner {
        (None, None)
    } else {
        let ids: Vec<Uuid> = actor
            .groups
            .iter()
            .filter_map(|k| reference.group(k))
            .map(|g| g.id)
            .collect();
        (Some(ids), Some(actor.groups.clone()))
    };
    if let (Some(own), Some(chosen)) = (&groups, group)
        && !own.contains(&chosen.id)
    {
        return Err(AppError::Forbidden);
    }
    let hidden = reference.hidden_departments(&actor.groups);
    let category = text(query.category.as_ref()).map(str::to_owned);
    Ok(Chosen {
        period,
        time_zone,
        time_zone_name,
        base: Selection {
            from: now,
            to: now,
            now,
            department,
            group: group.map(|g| g.id),
            service,
            priority,
            category,
            groups,
            hidden,
        },
        groups: group_keys,
    })
}

pub(crate) fn figure_value(kpi: Kpi, a: &store::insight_figures::Aggregate) -> Option<f64> {
    #[expect(
        clippy::cast_precision_loss,
        reason = "counts and seconds far below 2^52"
    )]
    let share = |n: i64| (a.count > 0).then(|| n as f64 / a.count as f64 * 100.0);
    #[expect(clippy::cast_precision_loss, reason = "seconds far below 2^52")]
    let hours = |s: Option<i64>| s.map(|s| s as f64 / 3600.0);
    match kpi {
        Kpi::Mtta | Kpi::Mttr => hours(a.business_median),
        Kpi::SlaResponse
        | Kpi::SlaResolution
        | Kpi::Fcr
        | Kpi::FcrSelfService
        | Kpi::Reopen7d
        | Kpi::PingPong => share(a.met),
        #[expect(clippy::cast_precision_loss, reason = "a count")]
        Kpi::Backlog => Some(a.count as f64),
        Kpi::Reassignments => a.calendar_mean,
        Kpi::CallerHoursLost => hours(a.business_total).or(Some(0.0)),
    }
}

/// One KPI over the chosen period and the previous one.
pub(crate) async fn figure(db: &Db, chosen: &Chosen, kpi: Kpi) -> AppResult<Figure> {
    let mut conn = db.insight().await?;
    if kpi == Kpi::CallerHoursLost
        && let Some(both) = super::rollups::caller_hours(
            &mut conn,
            chosen,
            &[chosen.period, chosen.period.previous()],
        )
        .await?
        && let [now, before] = both.as_slice()
    {
        return Ok(figure_of(kpi, now, before));
    }
    let now =
        store::insight_figures::aggregate(&mut conn, kpi, &chosen.selection(chosen.period)).await?;
    let previous = chosen.period.previous();
    // The backlog at the end of the period before, from the kept daily changes.
    if kpi == Kpi::Backlog
        && let Some(points) =
            super::rollups::backlog_weeks(&mut conn, chosen, &[(previous.from, previous)], None)
                .await?
        && let [(_, count)] = points.as_slice()
    {
        let before = store::insight_figures::Aggregate {
            count: *count,
            ..store::insight_figures::Aggregate::default()
        };
        return Ok(figure_of(kpi, &now, &before));
    }
    let before =
        store::insight_figures::aggregate(&mut conn, kpi, &chosen.selection(previous)).await?;
    Ok(figure_of(kpi, &now, &before))
}

/// One KPI over the chosen period and the previous one, with its weekly trend: for the KPIs
/// whose rows are events of one moment, one scan of both periods gives all three.
pub(crate) async fn figure_with_weeks(
    db: &Db,
    chosen: &Chosen,
    kpi: Kpi,
) -> AppResult<(Figure, Vec<WeekPoint>)> {
    if kpi == Kpi::CallerHoursLost {
        // The period, the one before and the weeks from one read of the per-day sums.
        let weeks = weeks_of(chosen.period);
        let mut periods = vec![chosen.period, chosen.period.previous()];
        periods.extend(weeks.iter().map(|(_, p)| *p));
        let mut conn = db.insight().await?;
        if let Some(counted) = super::rollups::caller_hours(&mut conn, chosen, &periods).await?
            && let [now, before, by_week @ ..] = counted.as_slice()
        {
            let by_week: Vec<_> = weeks
                .iter()
                .map(|(w, _)| *w)
                .zip(by_week.iter().cloned())
                .collect();
            return Ok((
                figure_of(kpi, now, before),
                week_points(kpi, chosen.period, &by_week),
            ));
        }
    }
    if matches!(kpi, Kpi::Backlog | Kpi::CallerHoursLost) {
        let figure = figure(db, chosen, kpi).await?;
        // The backlog now is the figure's: not counted twice.
        let now = (kpi == Kpi::Backlog).then_some(figure.count);
        let weeks = weeks_with(db, chosen, kpi, now).await?;
        return Ok((figure, weeks));
    }
    let (from, _) = chosen.period.previous().instants(&chosen.time_zone);
    let (current_from, to) = chosen.period.instants(&chosen.time_zone);
    let both = Selection {
        from,
        to,
        ..chosen.base.clone()
    };
    let mut conn = db.insight().await?;
    let summary = match super::rollups::summary(&mut conn, kpi, chosen).await? {
        Some(summary) => summary,
        None => {
            store::insight_figures::summary(
                &mut conn,
                kpi,
                &both,
                current_from,
                &chosen.time_zone_name,
            )
            .await?
        }
    };
    Ok((
        figure_of(kpi, &summary.current, &summary.previous),
        week_points(kpi, chosen.period, &summary.weeks),
    ))
}

/// A KPI's figure from its rows summed up over the period (`now`) and the one before.
fn figure_of(
    kpi: Kpi,
    now: &store::insight_figures::Aggregate,
    before: &store::insight_figures::Aggregate,
) -> Figure {
    let value = figure_value(kpi, now);
    let previous = figure_value(kpi, before);
    Figure {
        kpi,
        unit: kpi.unit(),
        value,
        previous,
        change: change(value, previous),
        higher_is_better: kpi.higher_is_better(),
        count: now.count,
        met: now.met,
        provisional: now.provisional,
        calendar: Stats {
            median: now.calendar_median,
            p90: now.calendar_p90,
            mean: now.calendar_mean,
            total: now.calendar_total,
        },
        business: Stats {
            median: now.business_median,
            p90: now.business_p90,
            mean: now.business_mean,
            total: now.business_total,
        },
        ages: (kpi == Kpi::Backlog).then(|| now.ages.clone().unwrap_or_default()),
    }
}

/// Every KPI's figure over the chosen period.
pub async fn dashboard(db: &Db, actor: &Actor, query: &FigureQuery) -> AppResult<Dashboard> {
    let chosen = choose(db, actor, query).await?;
    dashboard_of(db, &chosen).await
}

/// Every KPI's figure over a period already chosen.
pub(crate) async fn dashboard_of(db: &Db, chosen: &Chosen) -> AppResult<Dashboard> {
    Ok(dashboard_with_weeks(db, chosen).await?.0)
}

/// How many of a dashboard's KPIs are counted at once.
const DASHBOARD_CONCURRENCY: usize = 2;

/// Every KPI's figure over a period already chosen, and each KPI's weekly trend.
pub(crate) async fn dashboard_with_weeks(
    db: &Db,
    chosen: &Chosen,
) -> AppResult<(Dashboard, Vec<Vec<WeekPoint>>)> {
    use futures_util::{StreamExt as _, TryStreamExt as _};
    // Two KPIs at a time, each on its own connection: the database works on one while the
    // other's rows come back, without one dashboard taking the whole pool.
    let counted: Vec<(Figure, Vec<WeekPoint>)> = futures_util::stream::iter(Kpi::ALL)
        .map(|kpi| figure_with_weeks(db, chosen, kpi))
        .buffered(DASHBOARD_CONCURRENCY)
        .try_collect()
        .await?;
    let (figures, trends): (Vec<_>, Vec<_>) = counted.into_iter().unzip();
    let dashboard = Dashboard {
        period: chosen.period.into(),
        previous: chosen.period.previous().into(),
        time_zone: chosen.time_zone_name.clone(),
        groups: chosen.groups.clone(),
        figures,
    };
    Ok((dashboard, trends))
}

/// One row a figure counts.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CountedView {
    pub number: String,
    pub title: String,
    /// The moment it counts at (resolved, answered, fell due, opened for the backlog).
    pub at: jiff::Timestamp,
    /// Calendar seconds (or the count, for reassignments and ping-pong).
    pub calendar: Option<i64>,
    /// Business seconds (impact-weighted seconds, for caller hours lost).
    pub business: Option<i64>,
    /// Whether it met the KPI's condition (`null` where the KPI has none).
    pub met: Option<bool>,
    /// Whether that may still change.
    pub provisional: bool,
}

/// The rows a figure counts, a page at a time, in the order they count (moment, then
/// incident); the key continues after the last.
pub async fn counted(
    db: &Db,
    actor: &Actor,
    query: &FigureQuery,
    kpi: Kpi,
    after: Option<&str>,
    limit: i64,
) -> AppResult<crate::service::Page<CountedView>> {
    let chosen = choose(db, actor, query).await?;
    let after = after
        .map(|key| {
            crate::service::decode_time_cursor(key, "i")
                .ok_or_else(|| AppError::field("cursor", "error.cursor"))
        })
        .transpose()?;
    let mut conn = db.insight().await?;
    let rows = store::insight_figures::counted_rows(
        &mut conn,
        kpi,
        &chosen.selection(chosen.period),
        after,
        limit,
    )
    .await?;
    Ok(crate::service::Page::from_rows(
        rows,
        limit,
        |r| crate::service::time_cursor("i", r.at.to_jiff(), r.incident_id),
        |r| CountedView {
            number: r.number,
            title: r.title,
            at: r.at.to_jiff(),
            calendar: r.calendar,
            business: r.business,
            met: r.met,
            provisional: r.provisional,
        },
    ))
}

/// The figures as CSV: one line per KPI, both clocks' statistics in seconds.
pub fn figures_csv(dashboard: &Dashboard) -> String {
    let mut out = String::from(
        "kpi,unit,from,to,value,previous,change_percent,count,met,provisional,\
         calendar_median,calendar_p90,calendar_mean,calendar_total,\
         business_median,business_p90,business_mean,business_total\r\n",
    );
    for f in &dashboard.figures {
        let round = |v: Option<f64>| v.map(|v| format!("{v:.2}"));
        let cells = [
            f.kpi.as_str().to_owned(),
            serde_json::to_value(f.unit)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            dashboard.period.from.to_string(),
            dashboard.period.to.to_string(),
            optional(round(f.value)),
            optional(round(f.previous)),
            optional(round(f.change)),
            f.count.to_string(),
            f.met.to_string(),
            f.provisional.to_string(),
            optional(f.calendar.median),
            optional(f.calendar.p90),
            optional(round(f.calendar.mean)),
            optional(f.calendar.total),
            optional(f.business.median),
            optional(f.business.p90),
            optional(round(f.business.mean)),
            optional(f.business.total),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The rows a figure counts as CSV.
pub fn counted_csv(rows: &[CountedView]) -> String {
    use crate::service::csv::csv_cell;
    let mut out = String::from("number,title,at,calendar,business,met,provisional\r\n");
    for r in rows {
        let cells = [
            csv_cell(&r.number),
            csv_cell(&r.title),
            r.at.to_string(),
            optional(r.calendar),
            optional(r.business),
            optional(r.met),
            r.provisional.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One week of a KPI's trend.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeekPoint {
    /// The week's Monday (the first week and the last are cut at the period's ends).
    #[schema(value_type = String, format = Date)]
    pub week: jiff::civil::Date,
    pub value: Option<f64>,
    pub count: i64,
}

/// The weeks of the period (ISO weeks in the desk's time zone), each cut at the period's ends.
pub(crate) fn weeks_of(period: Period) -> Vec<(jiff::civil::Date, Period)> {
    let monday = |d: jiff::civil::Date| {
        d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
            .unwrap_or(d)
    };
    let mut weeks = Vec::new();
    let mut start = monday(period.from);
    while start <= period.to {
        let end = start
            .checked_add(jiff::Span::new().days(6))
            .unwrap_or(period.to);
        weeks.push((
            start,
            Period {
                from: start.max(period.from),
                to: end.min(period.to),
            },
        ));
        let Ok(next) = start.checked_add(jiff::Span::new().days(7)) else {
            break;
        };
        start = next;
    }
    weeks
}

/// The backlog or caller hours lost week by week over the chosen period: each week's figure
/// is the figure of that week alone (the same query, so it links to the same list). Their
/// rows depend on the period, so each week is counted by itself; the other KPIs' weeks come
/// from one scan (`figure_with_weeks`).
pub(crate) async fn weeks(db: &Db, chosen: &Chosen, kpi: Kpi) -> AppResult<Vec<WeekPoint>> {
    weeks_with(db, chosen, kpi, None).await
}

/// `weeks`, given the backlog now when the caller counted it already.
async fn weeks_with(
    db: &Db,
    chosen: &Chosen,
    kpi: Kpi,
    backlog_now: Option<i64>,
) -> AppResult<Vec<WeekPoint>> {
    let mut conn = db.insight().await?;
    if kpi == Kpi::CallerHoursLost {
        let weeks = weeks_of(chosen.period);
        let periods: Vec<Period> = weeks.iter().map(|(_, p)| *p).collect();
        if let Some(counted) = super::rollups::caller_hours(&mut conn, chosen, &periods).await? {
            let by_week: Vec<_> = weeks.iter().map(|(w, _)| *w).zip(counted).collect();
            return Ok(week_points(kpi, chosen.period, &by_week));
        }
        // Every week in one statement (each week's open time is that week's alone).
        let windows: Vec<_> = weeks_of(chosen.period)
            .into_iter()
            .map(|(week, period)| {
                let (from, to) = period.instants(&chosen.time_zone);
                (week, from, to)
            })
            .collect();
        let counted = store::insight_figures::caller_hours_by_window(
            &mut conn,
            &chosen.selection(chosen.period),
            &windows,
        )
        .await?;
        return Ok(week_points(kpi, chosen.period, &counted));
    }
    if kpi == Kpi::Backlog
        && let Some(points) =
            super::rollups::backlog_weeks(&mut conn, chosen, &weeks_of(chosen.period), backlog_now)
                .await?
    {
        return Ok(points
            .into_iter()
            .map(|(week, count)| WeekPoint {
                week,
                #[expect(clippy::cast_precision_loss, reason = "a count")]
                value: Some(count as f64),
                count,
            })
            .collect());
    }
    let mut points = Vec::new();
    for (week, period) in weeks_of(chosen.period) {
        let a =
            store::insight_figures::aggregate(&mut conn, kpi, &chosen.selection(period)).await?;
        points.push(WeekPoint {
            week,
            value: figure_value(kpi, &a),
            count: a.count,
        });
    }
    Ok(points)
}

/// Every week of the period with the KPI's figure of the rows counted in it.
fn week_points(
    kpi: Kpi,
    period: Period,
    counted: &[(jiff::civil::Date, store::insight_figures::Aggregate)],
) -> Vec<WeekPoint> {
    weeks_of(period)
        .into_iter()
        .map(|(week, _)| {
            let a = counted
                .iter()
                .find(|(w, _)| *w == week)
                .map(|(_, a)| a.clone())
                .unwrap_or_default();
            WeekPoint {
                week,
                value: figure_value(kpi, &a),
                count: a.count,
            }
        })
        .collect()
}

/// A KPI's weekly trend for the API and the CSV.
pub async fn trend(
    db: &Db,
    actor: &Actor,
    query: &FigureQuery,
    kpi: Kpi,
) -> AppResult<Vec<WeekPoint>> {
    let chosen = choose(db, actor, query).await?;
    // The dashboard's own path, so its charts and this list are the same figures.
    Ok(figure_with_weeks(db, &chosen, kpi).await?.1)
}

/// A trend as CSV.
pub fn trend_csv(kpi: Kpi, points: &[WeekPoint]) -> String {
    let mut out = String::from("kpi,week,value,count\r\n");
    for p in points {
        let _ = write!(
            out,
            "{},{},{},{}\r\n",
            kpi.as_str(),
            p.week,
            optional(p.value.map(|v| format!("{v:.2}"))),
            p.count
        );
    }
    out
}

//! Service insight's pages: the dashboard (`/insight`), the rows behind each figure
//! (`/insight/incidents`), both as CSV too, and the KPI catalogue (`/insight/kpis`, from
//! `docs/metrics.md`).

mod breakdown;
mod flow;
mod journey;
mod marker_pages;
mod problems;

use std::fmt::Write as _;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::{Ctx, SignedIn, render};
use crate::domain::insight::figures::{Kpi, Unit};
use crate::domain::insight::{self, Kpi as KpiDefinition};
use crate::domain::{FieldError, Locale, Permission, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::service::insight::figures::{
    self, CountedView, Dashboard, Figure, FigureQuery, WeekPoint,
};
use crate::service::insight::markers::{self, MarkerView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/insight", get(dashboard))
        .route("/insight.csv", get(dashboard_csv))
        .route("/insight/incidents", get(counted))
        .route("/insight/incidents.csv", get(counted_csv))
        .route("/insight/weeks.csv", get(weeks_csv))
        .route("/insight/kpis", get(kpis))
        .route("/insight/flow", get(flow::flow))
        .route("/insight/breakdown", get(breakdown::breakdown))
        .route("/insight/problems", get(problems::page))
        .route("/insight/problems.csv", get(problems::csv))
        .route("/insight/breakdown.csv", get(breakdown::breakdown_csv))
        .route("/incidents/{number}/journey", get(journey::journey))
        .route(
            "/insight/callers/{email}/journey",
            get(journey::caller_journey),
        )
        .route("/insight/flow.csv", get(flow::flow_csv))
        .route(
            "/insight/markers/new",
            get(marker_pages::new_marker).post(marker_pages::create_marker),
        )
        .route("/insight/markers/{id}", get(marker_pages::marker))
        .route(
            "/insight/markers/{id}/delete",
            axum::routing::post(marker_pages::delete_marker),
        )
}

#[derive(Template)]
#[template(path = "insight/kpis.html")]
struct KpisPage {
    ctx: Ctx,
    version: u32,
    kpis: &'static [KpiDefinition],
}

impl KpisPage {
    /// A definition's text with its `code`, bold and emphasis marked up (escaped first).
    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn html(&self, text: &str) -> String {
        insight::inline_html(text)
    }
}

/// The KPI catalogue, for staff.
async fn kpis(SignedIn { ctx, actor }: SignedIn) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let catalogue = insight::catalogue();
    Ok(render(
        StatusCode::OK,
        &KpisPage {
            ctx,
            version: catalogue.version,
            kpis: &catalogue.kpis,
        },
    ))
}

/// A number as the reader writes it: grouped thousands, the locale's decimal mark.
pub(crate) fn number(value: f64, decimals: usize, locale: Locale) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (group, mark) = match locale {
        Locale::De => ('.', ','),
        Locale::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "−"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{mark}{fraction}")
    }
}

/// Days as the reader writes them, whole (an age); `–` for none.
pub(crate) fn whole_days(days: Option<f64>, locale: Locale) -> String {
    days.map_or_else(|| "–".to_owned(), |d| number(d.floor(), 0, locale))
}

/// Seconds as `h:mm`.
pub(crate) fn hours(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// A figure's value as shown, with its unit.
fn shown(tr: Tr, locale: Locale, unit: Unit, value: Option<f64>) -> String {
    let Some(value) = value else {
        return "–".to_owned();
    };
    match unit {
        #[expect(clippy::cast_possible_truncation, reason = "hours of a period")]
        Unit::Hours => format!("{} h", hours((value * 3600.0).round() as i64)),
        Unit::Percent => format!("{} %", number(value, 1, locale)),
        Unit::Incidents => number(value, 0, locale),
        Unit::PerIncident => number(value, 2, locale),
        Unit::CallerHours => format!(
            "{} {}",
            number(value, 0, locale),
            tr.t("insight.caller_hours")
        ),
    }
}

/// One tile of the dashboard, as shown.
struct Tile {
    kpi: &'static str,
    label: String,
    value: String,
    previous: String,
    /// `better`, `worse` or `same` against the previous period; empty: nothing to compare.
    trend: &'static str,
    change: String,
    count: String,
    /// The list of exactly what it counts.
    href: String,
    /// Label and value pairs under the figure.
    details: Vec<(String, String)>,
    /// Backlog: the age buckets with their counts.
    ages: Vec<(String, String)>,
    /// The weekly trend as SVG, and its data: week, value, count.
    chart: String,
    weeks: Vec<(String, String, String)>,
    weeks_csv: String,
    /// The figure broken down by group (and service).
    breakdown: String,
}

/// The label and value pairs under a figure: both clocks' statistics of durations, how many
/// met the condition, totals, what is provisional.
fn details(tr: Tr, locale: Locale, figure: &Figure) -> Vec<(String, String)> {
    let kpi = figure.kpi;
    let n = |v: i64| {
        #[expect(clippy::cast_precision_loss, reason = "a count")]
        number(v as f64, 0, locale)
    };
    let mut details = Vec::new();
    if kpi.durations() {
        let both = |b: Option<i64>, c: Option<i64>| {
            format!(
                "{} · {}",
                b.map_or_else(|| "–".to_owned(), hours),
                c.map_or_else(|| "–".to_owned(), hours)
            )
        };
        #[expect(clippy::cast_possible_truncation, reason = "seconds")]
        let mean = |m: Option<f64>| m.map(|m| m.round() as i64);
        details.push((tr.t("insight.clocks").to_owned(), String::new()));
        details.push((
            tr.t("insight.median").to_owned(),
            both(figure.business.median, figure.calendar.median),
        ));
        details.push((
            tr.t("insight.p90").to_owned(),
            both(figure.business.p90, figure.calendar.p90),
        ));
        details.push((
            tr.t("insight.mean").to_owned(),
            both(mean(figure.business.mean), mean(figure.calendar.mean)),
        ));
    }
    match figure.unit {
        Unit::Percent => details.push((
            tr.t("insight.met").to_owned(),
            tr.tn("insight.met_of", &[&n(figure.met), &n(figure.count)]),
        )),
        Unit::PerIncident => details.push((
            tr.t("insight.total").to_owned(),
            n(figure.calendar.total.unwrap_or(0)),
        )),
        Unit::CallerHours => {
            #[expect(clippy::cast_precision_loss, reason = "seconds")]
            let unweighted = figure.calendar.total.unwrap_or(0) as f64 / 3600.0;
            details.push((
                tr.t("insight.unweighted").to_owned(),
                format!("{} h", number(unweighted, 0, locale)),
            ));
        }
        Unit::Hours | Unit::Incidents => {}
    }
    if figure.provisional > 0 {
        details.push((
            tr.t("insight.provisional").to_owned(),
            n(figure.provisional),
        ));
    }
    details
}

/// A figure as its tile shows it, with its weekly trend.
fn tile(
    tr: Tr,
    locale: Locale,
    figure: &Figure,
    weeks: &[WeekPoint],
    marks: &[&MarkerView],
    query: &str,
) -> Tile {
    let kpi = figure.kpi;
    let n = |v: i64| {
        #[expect(clippy::cast_precision_loss, reason = "a count")]
        number(v as f64, 0, locale)
    };
    let trend = match figure.change {
        None => "",
        Some(c) if c.abs() < 0.05 => "same",
        Some(c) if (c > 0.0) == figure.higher_is_better => "better",
        Some(_) => "worse",
    };
    let details = details(tr, locale, figure);
    let ages = figure
        .ages
        .as_ref()
        .map(|ages| {
            ["0–1", "2–5", "6–10", "11–30", "> 30"]
                .iter()
                .zip(ages)
                .map(|(bucket, count)| (tr.t1("insight.age_days", bucket), n(*count)))
                .collect()
        })
        .unwrap_or_default();
    let separator = if query.is_empty() { "" } else { "&" };
    let label = tr.t(kpi.label_key()).to_owned();
    let points: Vec<(String, Option<f64>)> = weeks
        .iter()
        .map(|w| (w.week.to_string(), w.value))
        .collect();
    let chart_markers: Vec<crate::web::chart::Marker> = marks
        .iter()
        .filter(|m| m.kpi == figure.kpi)
        .filter_map(|m| {
            let at = weeks.iter().rposition(|w| w.week <= m.effective_on)?;
            Some(crate::web::chart::Marker {
                at,
                label: format!("{} {}", m.effective_on, m.title),
            })
        })
        .collect();
    let chart = crate::web::chart::trend(
        &tr.t1("insight.trend_of", &label),
        &points,
        &chart_markers,
        &|v| axis(tr, locale, figure.unit, v),
    );
    let weeks = weeks
        .iter()
        .map(|w| {
            (
                w.week.to_string(),
                shown(tr, locale, figure.unit, w.value),
                n(w.count),
            )
        })
        .collect();
    Tile {
        kpi: kpi.as_str(),
        value: shown(tr, locale, figure.unit, figure.value),
        previous: shown(tr, locale, figure.unit, figure.previous),
        trend,
        change: figure
            .change
            .map(|c| {
                format!(
                    "{}{} %",
                    if c > 0.0 { "+" } else { "" },
                    number(c, 1, locale)
                )
            })
            .unwrap_or_default(),
        count: n(figure.count),
        href: format!("/insight/incidents?kpi={}{separator}{query}", kpi.as_str()),
        details,
        ages,
        chart,
        weeks,
        weeks_csv: format!("/insight/weeks.csv?kpi={}{separator}{query}", kpi.as_str()),
        breakdown: format!("/insight/breakdown?kpi={}{separator}{query}", kpi.as_str()),
        label,
    }
}

/// An axis value: whole hours, percent, counts.
fn axis(tr: Tr, locale: Locale, unit: Unit, value: f64) -> String {
    match unit {
        Unit::Hours => format!("{} h", number(value, 0, locale)),
        Unit::Percent => format!("{} %", number(value, 0, locale)),
        Unit::PerIncident => number(value, 1, locale),
        Unit::Incidents => number(value, 0, locale),
        Unit::CallerHours => format!(
            "{} {}",
            number(value, 0, locale),
            tr.t("insight.caller_hours_short")
        ),
    }
}

/// A choice of a `<select>`: value, label, chosen.
struct Option_ {
    value: String,
    label: String,
    selected: bool,
}

/// A view's own `<select>` in the filter form: its name, label and choices.
struct Choice {
    name: &'static str,
    label: String,
    options: Vec<Option_>,
}

/// What the filter form offers and holds.
struct Filters {
    query: FigureQuery,
    departments: Vec<Option_>,
    groups: Vec<Option_>,
    services: Vec<Option_>,
    priorities: Vec<Option_>,
    /// The view's own choices (a breakdown's KPI and levels), after the shared ones.
    extra: Vec<Choice>,
    /// The field a refused choice was in, and the message.
    error: Option<(String, String)>,
}

impl Filters {
    fn invalid(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _)| f == field)
    }
}

async fn filters(
    state: &AppState,
    ctx: &Ctx,
    actor: &crate::service::Actor,
    query: FigureQuery,
) -> AppResult<Filters> {
    let reference = crate::service::reference::data(&state.db).await?;
    let hidden = reference.hidden_departments(&actor.groups);
    let chosen = |sent: &Option<String>, value: &str| sent.as_deref().map(str::trim) == Some(value);
    let departments = reference
        .departments
        .iter()
        .filter(|d| !hidden.contains(&d.id))
        .map(|d| Option_ {
            value: d.key.clone(),
            label: d.name.clone(),
            selected: chosen(&query.department, &d.key),
        })
        .collect();
    let own_only = actor.role < Role::ProblemManager;
    let groups = reference
        .groups
        .iter()
        .filter(|g| !own_only || actor.groups.contains(&g.key))
        .filter(|g| !hidden.contains(&g.department_id))
        .map(|g| Option_ {
            value: g.key.clone(),
            label: g.name.clone(),
            selected: chosen(&query.group, &g.key),
        })
        .collect();
    let services = reference
        .services
        .iter()
        .map(|s| Option_ {
            value: s.key.clone(),
            label: s.name.clone(),
            selected: chosen(&query.service, &s.key),
        })
        .collect();
    let priorities = (1..=5)
        .map(|p: i16| Option_ {
            value: p.to_string(),
            label: ctx.tr.t1("insight.priority_n", p),
            selected: chosen(&query.priority, &p.to_string()),
        })
        .collect();
    Ok(Filters {
        query,
        departments,
        groups,
        services,
        priorities,
        extra: Vec::new(),
        error: None,
    })
}

/// The field and message of a refused choice, for the form; other errors go on.
fn refused(ctx: &Ctx, error: AppError) -> AppResult<(String, String)> {
    let field: Option<FieldError> = match &error {
        AppError::InvalidParameter(f) => Some(f.clone()),
        AppError::Validation(fields) => fields.first().cloned(),
        _ => None,
    };
    match field {
        Some(f) => Ok((f.field.clone(), ctx.tr.t(f.key).to_owned())),
        None => Err(error),
    }
}

#[derive(Template)]
#[template(path = "insight/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    filters: Filters,
    dashboard: Option<Dashboard>,
    tiles: Vec<Tile>,
    query: String,
    /// The reader's own groups, when the figures are theirs only.
    own_groups: Option<String>,
    /// The process changes that took effect in the period.
    marks: Vec<MarkerView>,
    may_record: bool,
    /// The improvement register's ideas per state, with their ages.
    ideas: Vec<crate::service::improvements::StateCount>,
    /// Where the filter form goes.
    action: &'static str,
}

impl DashboardPage {
    fn days(&self, days: impl std::borrow::Borrow<Option<f64>>) -> String {
        whole_days(*days.borrow(), self.ctx.tr.locale)
    }
}

async fn dashboard(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let mut filters = filters(&state, &ctx, &actor, query.clone()).await?;
    let shown = async {
        let chosen = figures::choose(&state.db, &actor, &query).await?;
        let (dashboard, trends) = figures::dashboard_with_weeks(&state.db, &chosen).await?;
        let marks = markers::within(&state.db, &actor, chosen.period).await?;
        AppResult::Ok((dashboard, trends, marks))
    };
    let (dashboard, tiles, query, marks) = match shown.await {
        Ok((dashboard, trends, marks)) => {
            let query = query.to_query();
            let refs: Vec<&MarkerView> = marks.iter().collect();
            let tiles = dashboard
                .figures
                .iter()
                .zip(&trends)
                .map(|(f, weeks)| tile(ctx.tr, actor.locale, f, weeks, &refs, &query))
                .collect();
            (Some(dashboard), tiles, query, marks)
        }
        Err(error) => {
            filters.error = Some(refused(&ctx, error)?);
            (None, Vec::new(), String::new(), Vec::new())
        }
    };
    if let Some(d) = &dashboard {
        filters.query.from = Some(d.period.from.to_string());
        filters.query.to = Some(d.period.to.to_string());
    }
    let own_groups = dashboard
        .as_ref()
        .and_then(|d| d.groups.as_ref())
        .map(|g| g.join(", "));
    let status = if dashboard.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &DashboardPage {
            ctx,
            filters,
            dashboard,
            tiles,
            query,
            own_groups,
            marks,
            may_record: markers::may_record(&actor),
            ideas: crate::service::improvements::counts(&state.db, &actor).await?,
            action: "/insight",
        },
    ))
}

async fn dashboard_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    let dashboard = figures::dashboard(&state.db, &actor, &query).await?;
    Ok(crate::web::csv_file(
        "insight.csv",
        figures::figures_csv(&dashboard),
    ))
}

#[derive(Debug, Clone, serde::Deserialize)]
struct CountedQuery {
    kpi: Option<String>,
    after: Option<String>,
    #[serde(flatten)]
    figure: FigureQuery,
}

impl CountedQuery {
    fn kpi(&self) -> AppResult<Kpi> {
        Kpi::parse(self.kpi.as_deref().unwrap_or_default())
            .map_err(|key| AppError::InvalidParameter(FieldError::new("kpi", key)))
    }
}

/// One row behind a figure, as shown.
struct CountedLine {
    number: String,
    title: String,
    at: String,
    value: String,
    met: String,
}

#[derive(Template)]
#[template(path = "insight/counted.html")]
struct CountedPage {
    ctx: Ctx,
    kpi: &'static str,
    label: String,
    figure: Figure,
    lines: Vec<CountedLine>,
    query: String,
    next: Option<String>,
    value_heading: String,
    /// Whether the KPI has a condition (met or not) to show.
    has_met: bool,
    /// The period, the filters and the time zone, in words.
    context: String,
}

/// Rows on one page of the list behind a figure.
const PAGE: i64 = 100;

fn line(
    tr: Tr,
    locale: Locale,
    tz: &jiff::tz::TimeZone,
    kpi: Kpi,
    row: CountedView,
) -> CountedLine {
    let value = match kpi {
        Kpi::Mtta | Kpi::Mttr => format!(
            "{} · {}",
            row.business.map_or_else(|| "–".to_owned(), hours),
            row.calendar.map_or_else(|| "–".to_owned(), hours)
        ),
        Kpi::Backlog => {
            #[expect(clippy::cast_precision_loss, reason = "seconds")]
            let days = row.calendar.unwrap_or(0) as f64 / 86_400.0;
            tr.t1("insight.days", number(days.floor(), 0, locale))
        }
        Kpi::Reassignments | Kpi::PingPong => row.calendar.unwrap_or(0).to_string(),
        Kpi::CallerHoursLost => {
            #[expect(clippy::cast_precision_loss, reason = "seconds")]
            let weighted = row.business.unwrap_or(0) as f64 / 3600.0;
            number(weighted, 1, locale)
        }
        Kpi::SlaResponse | Kpi::SlaResolution | Kpi::Fcr | Kpi::FcrSelfService | Kpi::Reopen7d => {
            String::new()
        }
    };
    let met = match (row.met, row.provisional) {
        (None, _) => String::new(),
        (Some(met), provisional) => {
            let word = tr.t(if met { "insight.yes" } else { "insight.no" });
            if provisional {
                format!("{word} ({})", tr.t("insight.provisional_short"))
            } else {
                word.to_owned()
            }
        }
    };
    CountedLine {
        number: row.number,
        title: row.title,
        at: row
            .at
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        value,
        met,
    }
}

async fn counted(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(query): Query<CountedQuery>,
) -> AppResult<Response> {
    let kpi = query.kpi()?;
    let chosen = figures::choose(&state.db, &actor, &query.figure).await?;
    let figure = figures::figure(&state.db, &chosen, kpi).await?;
    let page = figures::counted(
        &state.db,
        &actor,
        &query.figure,
        kpi,
        query.after.as_deref(),
        PAGE,
    )
    .await?;
    let lines = page
        .items
        .into_iter()
        .map(|row| line(ctx.tr, actor.locale, &chosen.time_zone, kpi, row))
        .collect();
    let mut context = ctx.tr.tn(
        "insight.list_period",
        &[
            &chosen.period.from.to_string(),
            &chosen.period.to.to_string(),
            &chosen.time_zone_name,
        ],
    );
    for (key, value) in [
        ("field.department", &query.figure.department),
        ("field.assignment_group", &query.figure.group),
        ("field.service", &query.figure.service),
        ("field.priority", &query.figure.priority),
        ("field.category", &query.figure.category),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            let _ = write!(context, " · {}: {value}", ctx.tr.t(key));
        }
    }
    let value_heading = match kpi {
        Kpi::Mtta | Kpi::Mttr => ctx.tr.t("insight.business_calendar").to_owned(),
        Kpi::Backlog => ctx.tr.t("insight.age").to_owned(),
        Kpi::CallerHoursLost => ctx.tr.t("insight.caller_hours").to_owned(),
        _ => ctx.tr.t(kpi.label_key()).to_owned(),
    };
    let page = CountedPage {
        label: ctx.tr.t(kpi.label_key()).to_owned(),
        kpi: kpi.as_str(),
        figure,
        lines,
        query: query.figure.to_query(),
        next: page.next.map(|n| crate::url::encode(&n)),
        value_heading,
        has_met: !matches!(
            kpi,
            Kpi::Mtta | Kpi::Mttr | Kpi::Backlog | Kpi::CallerHoursLost
        ),
        context,
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn counted_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<CountedQuery>,
) -> AppResult<Response> {
    const EXPORT_PAGE: i64 = 1000;
    let kpi = query.kpi()?;
    let first = figures::counted(&state.db, &actor, &query.figure, kpi, None, EXPORT_PAGE).await?;
    let (db, figure) = (state.db.clone(), query.figure.clone());
    let header = "number,title,at,calendar,business,met,provisional\r\n";
    Ok(crate::web::csv_download(
        "insight-incidents.csv",
        header,
        first.fold_items(|rows| crate::web::csv_lines(&figures::counted_csv(&rows))),
        move |after| {
            let (db, actor, figure) = (db.clone(), actor.clone(), figure.clone());
            async move {
                let page =
                    figures::counted(&db, &actor, &figure, kpi, Some(&after), EXPORT_PAGE).await?;
                Ok(page.fold_items(|rows| crate::web::csv_lines(&figures::counted_csv(&rows))))
            }
        },
    ))
}

/// A KPI's weekly trend as CSV (the data of its chart).
async fn weeks_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<CountedQuery>,
) -> AppResult<Response> {
    let kpi = query.kpi()?;
    let points = figures::trend(&state.db, &actor, &query.figure, kpi).await?;
    Ok(crate::web::csv_file(
        "insight-weeks.csv",
        figures::trend_csv(kpi, &points),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_the_reader_writes_them() {
        assert_eq!(number(1_234_567.891, 1, Locale::En), "1,234,567.9");
        assert_eq!(number(1_234_567.891, 1, Locale::De), "1.234.567,9");
        assert_eq!(number(-12.4, 0, Locale::En), "−12");
        assert_eq!(number(-0.01, 1, Locale::En), "0.0");
        assert_eq!(number(999.0, 0, Locale::De), "999");
        assert_eq!(hours(3 * 3600 + 25 * 60 + 59), "3:25");
        assert_eq!(hours(100 * 3600), "100:00");
    }
}

//! A figure broken down (`/insight/breakdown`): by department, group, service, priority or
//! category, and within each by a second of them; each part's count opens exactly its rows.
//! And its CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{Choice, FigureQuery, Filters, Option_, filters, refused, shown};
use crate::domain::insight::figures::{Dimension, Kpi};
use crate::domain::{FieldError, Permission};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::service::insight::breakdown::{self as breakdowns, BreakdownPart, BreakdownQuery};
use crate::state::AppState;
use crate::web::{Ctx, SignedIn, render};

#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct Params {
    kpi: Option<String>,
    #[serde(flatten)]
    levels: BreakdownQuery,
    #[serde(flatten)]
    figure: FigureQuery,
}

impl Params {
    fn kpi(&self) -> AppResult<Kpi> {
        match self.kpi.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => Ok(Kpi::Mttr),
            Some(k) => {
                Kpi::parse(k).map_err(|key| AppError::InvalidParameter(FieldError::new("kpi", key)))
            }
        }
    }
}

/// One line of the breakdown's table.
struct Line {
    /// Whether it is a part of the second level.
    inner: bool,
    label: String,
    value: String,
    count: i64,
    met: i64,
    /// The list of exactly its rows; `None` where the place has no key to filter by.
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "insight/breakdown.html")]
struct BreakdownPage {
    ctx: Ctx,
    filters: Filters,
    title: String,
    lines: Vec<Line>,
    chart: String,
    /// Whether the KPI has a condition whose count is worth a column.
    has_met: bool,
    csv: String,
    dashboard: String,
    shown: bool,
    action: &'static str,
}

/// The choices of the breakdown's own selects: the KPI and the two levels.
fn choices(tr: Tr, kpi: Kpi, by: Option<Dimension>, then: Option<Dimension>) -> Vec<Choice> {
    let options = |chosen: Option<Dimension>| {
        Dimension::ALL
            .iter()
            .map(|d| Option_ {
                value: d.as_str().to_owned(),
                label: tr.t(d.label_key()).to_owned(),
                selected: chosen == Some(*d),
            })
            .collect::<Vec<_>>()
    };
    let mut then_options = vec![Option_ {
        value: String::new(),
        label: tr.t("insight.by_none").to_owned(),
        selected: then.is_none(),
    }];
    then_options.extend(options(then));
    vec![
        Choice {
            name: "kpi",
            label: tr.t("insight.kpi").to_owned(),
            options: Kpi::ALL
                .iter()
                .map(|k| Option_ {
                    value: k.as_str().to_owned(),
                    label: tr.t(k.label_key()).to_owned(),
                    selected: *k == kpi,
                })
                .collect(),
        },
        Choice {
            name: "by",
            label: tr.t("insight.by_first").to_owned(),
            options: options(by.or(Some(Dimension::Group))),
        },
        Choice {
            name: "then",
            label: tr.t("insight.by_then").to_owned(),
            options: then_options,
        },
    ]
}

/// The query string of the dashboard's filters with the part's place added.
fn narrowed(query: &FigureQuery, places: &[(Dimension, Option<&str>)]) -> Option<String> {
    let mut query = query.clone();
    for (dimension, key) in places {
        let key = Some((*key)?.to_owned());
        match dimension {
            Dimension::Department => query.department = key,
            Dimension::Group => query.group = key,
            Dimension::Service => query.service = key,
            Dimension::Priority => query.priority = key,
            Dimension::Category => query.category = key,
        }
    }
    Some(query.to_query())
}

/// The breakdown's table lines (each linked to its rows) and its bars.
fn shown_parts(
    tr: Tr,
    locale: crate::domain::Locale,
    kpi: Kpi,
    b: &breakdowns::Breakdown,
    query: &FigureQuery,
) -> (Vec<Line>, String) {
    let mut lines = Vec::new();
    let place_label = |d: Dimension, p: &BreakdownPart| match (&p.place.label, d) {
        (None, _) => tr.t("insight.none").to_owned(),
        (Some(l), Dimension::Priority) => tr.t1("insight.priority_n", l),
        (Some(l), _) => l.clone(),
    };
    let line = |inner: bool, label: String, p: &BreakdownPart, href: Option<String>| Line {
        inner,
        label,
        value: shown(tr, locale, kpi.unit(), p.value),
        count: p.count,
        met: p.met,
        href: href.map(|q| {
            let sep = if q.is_empty() { "" } else { "&" };
            format!("/insight/incidents?kpi={}{sep}{q}", kpi.as_str())
        }),
    };
    let items: Vec<(String, f64, String)> = b
        .parts
        .iter()
        .take(15)
        .filter_map(|p| {
            Some((
                place_label(b.by, p),
                p.value?,
                shown(tr, locale, kpi.unit(), p.value),
            ))
        })
        .collect();
    let chart = crate::web::chart::bars(
        &tr.t1("insight.breakdown_title", tr.t(kpi.label_key())),
        &items,
    );
    for p in &b.parts {
        let first = (b.by, p.place.key.as_deref());
        lines.push(line(
            false,
            place_label(b.by, p),
            p,
            narrowed(query, &[first]),
        ));
        for inner in &p.parts {
            let then = b.then.unwrap_or(b.by);
            lines.push(line(
                true,
                place_label(then, inner),
                inner,
                narrowed(query, &[first, (then, inner.place.key.as_deref())]),
            ));
        }
    }
    (lines, chart)
}

pub(super) async fn breakdown(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<Params>,
) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let tr = ctx.tr;
    let mut filters = filters(&state, &ctx, &actor, params.figure.clone()).await?;
    let levels = params.levels.levels();
    let chosen = params.kpi();
    // The KPI shown (and offered) when the one sent is refused.
    let kpi = *chosen.as_ref().unwrap_or(&Kpi::Mttr);
    let (by, then) = levels
        .as_ref()
        .map_or((None, None), |(b, t)| (Some(*b), *t));
    filters.extra = choices(tr, kpi, by, then);
    let result = match chosen {
        Ok(kpi) => {
            breakdowns::breakdown(&state.db, &actor, &params.figure, kpi, &params.levels).await
        }
        Err(e) => Err(e),
    };
    let label = tr.t(kpi.label_key()).to_owned();
    let query = params.figure.to_query();
    let (mut lines, mut chart) = (Vec::new(), String::new());
    let status = match result {
        Ok(b) => {
            filters.query.from = Some(b.period.from.to_string());
            filters.query.to = Some(b.period.to.to_string());
            (lines, chart) = shown_parts(tr, actor.locale, kpi, &b, &params.figure);
            StatusCode::OK
        }
        Err(error) => {
            filters.error = Some(refused(&ctx, error)?);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let own = format!(
        "kpi={}&by={}{}",
        kpi.as_str(),
        by.unwrap_or(Dimension::Group).as_str(),
        then.map(|t| format!("&then={}", t.as_str()))
            .unwrap_or_default()
    );
    let sep = if query.is_empty() { "" } else { "&" };
    let page = BreakdownPage {
        title: tr.t1("insight.breakdown_title", &label),
        lines,
        chart,
        has_met: kpi.unit() == crate::domain::insight::figures::Unit::Percent,
        csv: format!("/insight/breakdown.csv?{own}{sep}{query}"),
        dashboard: format!("/insight{}{query}", if query.is_empty() { "" } else { "?" }),
        shown: status == StatusCode::OK,
        filters,
        action: "/insight/breakdown",
        ctx,
    };
    Ok(render(status, &page))
}

pub(super) async fn breakdown_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(params): Query<Params>,
) -> AppResult<Response> {
    let kpi = params.kpi()?;
    let b = breakdowns::breakdown(&state.db, &actor, &params.figure, kpi, &params.levels).await?;
    Ok(crate::web::csv_file(
        "insight-breakdown.csv",
        breakdowns::breakdown_csv(&b),
    ))
}

//! Process changes (PDCA markers): the form that records one, its page with the before/after
//! verdict, deleting one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{hours, number};
use crate::domain::Permission;
use crate::domain::insight::figures::{Kpi, Unit};
use crate::error::AppResult;
use crate::service::insight::markers::{self, MarkerInput, MarkerView};
use crate::state::AppState;
use crate::web::form::{Fields, FormState};
use crate::web::{Ctx, SignedIn, render};

#[derive(Template)]
#[template(path = "insight/marker_new.html")]
struct NewMarkerPage {
    ctx: Ctx,
    form: FormState,
    kpis: Vec<(&'static str, String)>,
    groups: Vec<(String, String)>,
    services: Vec<(String, String)>,
    departments: Vec<(String, String)>,
}

async fn marker_form(
    state: &AppState,
    ctx: Ctx,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let reference = crate::service::reference::data(&state.db).await?;
    let page = NewMarkerPage {
        kpis: Kpi::ALL
            .iter()
            .map(|k| (k.as_str(), ctx.tr.t(k.label_key()).to_owned()))
            .collect(),
        groups: reference
            .groups
            .iter()
            .map(|g| (g.key.clone(), g.name.clone()))
            .collect(),
        services: reference
            .services
            .iter()
            .map(|s| (s.key.clone(), s.name.clone()))
            .collect(),
        departments: reference
            .departments
            .iter()
            .map(|d| (d.key.clone(), d.name.clone()))
            .collect(),
        form,
        ctx,
    };
    Ok(render(status, &page))
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct FromIdea {
    improvement: Option<String>,
}

/// The form to record a process change (problem managers and admins).
///
/// From a done idea of the improvement register (`?improvement=IMP…`): its title and
/// description filled in, and the marker linked to it.
pub(super) async fn new_marker(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::extract::Query(from): axum::extract::Query<FromIdea>,
) -> AppResult<Response> {
    actor.require(Permission::ManageProblems)?;
    let mut form = FormState::default();
    form.set("weeks", "6");
    form.set("expected", "down");
    if let Some(number) = from.improvement.as_deref().filter(|n| !n.trim().is_empty()) {
        let idea = crate::service::improvements::get(&state.db, &actor, number).await?;
        form.set("improvement", &idea.number);
        form.set("title", &idea.title);
        form.set("description", &idea.description);
    }
    marker_form(&state, ctx, form, StatusCode::OK).await
}

pub(super) async fn create_marker(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let text = |name: &str| crate::web::form::text(&fields, name);
    let weeks = text("weeks");
    let input = MarkerInput {
        effective_on: text("effective_on"),
        title: text("title"),
        description: text("description"),
        kpi: text("kpi"),
        expected: text("expected"),
        weeks: match weeks.as_deref().map(str::parse::<i64>) {
            None => None,
            Some(Ok(w)) => Some(w),
            Some(Err(_)) => Some(0),
        },
        department: text("department"),
        group: text("group"),
        service: text("service"),
        improvement: text("improvement"),
    };
    match markers::create(&state.db, &actor, input).await {
        Ok(marker) => Ok(crate::web::see_other(&format!(
            "/insight/markers/{}",
            marker.id
        ))),
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "title")?;
            marker_form(&state, ctx, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "insight/marker.html")]
struct MarkerPage {
    ctx: Ctx,
    marker: MarkerView,
    kpi_label: String,
    /// Side by side: label, before, after.
    rows: Vec<(String, String, String)>,
    difference: String,
    interval: String,
    verdict: String,
    verdict_class: &'static str,
    may_delete: bool,
}

pub(super) async fn marker(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
) -> AppResult<Response> {
    let marker = markers::get(&state.db, &actor, id).await?;
    let kpi = marker.kpi;
    let locale = actor.locale;
    let value = |v: Option<f64>| match v {
        None => "–".to_owned(),
        #[expect(clippy::cast_possible_truncation, reason = "hours")]
        Some(v) if kpi.durations() => format!("{} h", hours((v * 3600.0).round() as i64)),
        Some(v) if kpi.unit() == Unit::Percent => format!("{} %", number(v, 1, locale)),
        Some(v) => number(v, 2, locale),
    };
    let (rows, difference, interval, verdict, verdict_class) = match &marker.comparison {
        None => (Vec::new(), String::new(), String::new(), String::new(), ""),
        Some(c) => {
            let count = |n: usize| n.to_string();
            let rows = vec![
                (
                    ctx.tr.t("insight.count_heading").to_owned(),
                    count(c.before.count),
                    count(c.after.count),
                ),
                (
                    ctx.tr.t("insight.median").to_owned(),
                    value(c.before.median),
                    value(c.after.median),
                ),
                (
                    ctx.tr.t("insight.p90").to_owned(),
                    value(c.before.p90),
                    value(c.after.p90),
                ),
                (
                    ctx.tr.t("insight.mean").to_owned(),
                    value(c.before.mean),
                    value(c.after.mean),
                ),
            ];
            let signed = |v: Option<f64>| {
                v.map_or_else(
                    || "–".to_owned(),
                    |v| {
                        let shown = value(Some(v.abs()));
                        if v < 0.0 {
                            format!("−{shown}")
                        } else {
                            format!("+{shown}")
                        }
                    },
                )
            };
            let (key, class) = match c.verdict {
                crate::domain::insight::verdict::Verdict::Better => {
                    ("insight.verdict_better", "trend-better")
                }
                crate::domain::insight::verdict::Verdict::Worse => {
                    ("insight.verdict_worse", "trend-worse")
                }
                crate::domain::insight::verdict::Verdict::NoEvidenceYet => {
                    ("insight.verdict_none", "")
                }
                crate::domain::insight::verdict::Verdict::TooFew => ("insight.verdict_too_few", ""),
            };
            (
                rows,
                signed(c.difference),
                match (c.low, c.high) {
                    (Some(l), Some(h)) => format!("{} … {}", signed(Some(l)), signed(Some(h))),
                    _ => "–".to_owned(),
                },
                ctx.tr.t(key).to_owned(),
                class,
            )
        }
    };
    let page = MarkerPage {
        kpi_label: ctx.tr.t(kpi.label_key()).to_owned(),
        rows,
        difference,
        interval,
        verdict,
        verdict_class,
        may_delete: markers::may_record(&actor),
        marker,
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn delete_marker(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
) -> AppResult<Response> {
    markers::delete(&state.db, &actor, id).await?;
    Ok(crate::web::see_other("/insight"))
}

//! `/api/v1/insight`: service insight. The KPI catalogue (`docs/metrics.md`), the figures
//! counted from the facts, and the rows behind each figure.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::api::extract::{ApiActor, ApiJson};
use crate::api::pagination::{ListResponse, PageParams};
use crate::domain::Permission;
use crate::domain::insight::figures::Kpi;
use crate::domain::insight::{self, Catalogue};
use crate::error::{AppError, AppResult, Problem};
use crate::service::insight::breakdown::{self as breakdowns, Breakdown, BreakdownQuery};
use crate::service::insight::figures::{self, CountedView, Dashboard, FigureQuery, WeekPoint};
use crate::service::insight::flow as figures_flow;
use crate::service::insight::markers::{self, MarkerInput, MarkerView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(kpis))
        .routes(routes!(dashboard))
        .routes(routes!(counted))
        .routes(routes!(weeks))
        .routes(routes!(breakdown))
        .routes(routes!(flow))
        .routes(routes!(journey))
        .routes(routes!(caller_journey))
        .routes(routes!(problem_yield))
        .routes(routes!(list_markers, create_marker))
        .routes(routes!(get_marker, delete_marker))
}

/// The KPI a path names (`404` for none with a figure), with the dashboard's choices checked
/// as the API reads them.
fn kpi_and_choices(kpi: &str, query: &FigureQuery) -> AppResult<Kpi> {
    let kpi = Kpi::parse(kpi).map_err(|_| AppError::NotFound)?;
    query.refuse_empty()?;
    Ok(kpi)
}

/// The KPI catalogue: each KPI's id (stable; a changed definition is a new `version`), name,
/// formula in words, unit and clocks, the period it counts in, what is included and excluded.
/// The same text as `docs/metrics.md`. For staff (viewer and up).
#[utoipa::path(get, path = "/api/v1/insight/kpis", tag = "insight",
    security(("bearer" = [])),
    responses((status = 200, body = Catalogue), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn kpis(ApiActor(actor): ApiActor) -> AppResult<Json<&'static Catalogue>> {
    actor.require(Permission::Read)?;
    Ok(Json(insight::catalogue()))
}

/// Every KPI's figure over a period (default: the last 28 days of the desk) with the same
/// figure over the period before, for the filters chosen. Problem managers and admins see
/// every group's figures; agents and viewers their own groups'. `Accept: text/csv` gives
/// one line per KPI.
#[utoipa::path(get, path = "/api/v1/insight/figures", tag = "insight",
    params(FigureQuery), security(("bearer" = [])),
    responses((status = 200, description = "The figures; with `Accept: text/csv`, one line per KPI",
                  content((Dashboard = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn dashboard(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    query.refuse_empty()?;
    let dashboard = figures::dashboard(&state.db, &actor, &query).await?;
    Ok(super::json_or_csv(
        &headers,
        dashboard,
        figures::figures_csv,
    ))
}

/// The rows a figure counts, exactly: as many as its `count` for the same period and filters,
/// in the order they count (the moment, then the incident), keyset-paginated.
/// `Accept: text/csv` gives the same rows as CSV.
#[utoipa::path(get, path = "/api/v1/insight/figures/{kpi}/incidents", tag = "insight",
    params(("kpi" = crate::domain::insight::figures::KpiId, Path, description = "The KPI's id"), FigureQuery, PageParams),
    security(("bearer" = [])),
    responses((status = 200, description = "The page; with `Accept: text/csv`, the same rows as CSV",
                  content((ListResponse<CountedView> = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn counted(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(kpi): Path<String>,
    Query(query): Query<FigureQuery>,
    Query(paging): Query<PageParams>,
) -> AppResult<Response> {
    let kpi = kpi_and_choices(&kpi, &query)?;
    let page = paging.parse()?;
    let result = figures::counted(
        &state.db,
        &actor,
        &query,
        kpi,
        page.after.as_deref(),
        page.limit,
    )
    .await?;
    if super::wants_csv(&headers) {
        let pairs: Vec<(String, String)> = serde_json::to_value(&query)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|map| {
                map.into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
                    .chain(paging.limit.clone().map(|l| ("limit".to_owned(), l)))
                    .collect()
            })
            .unwrap_or_default();
        let path = format!("/api/v1/insight/figures/{}/incidents", kpi.as_str());
        return Ok(super::csv_page(
            &path,
            &pairs,
            figures::counted_csv(&result.items),
            result.next.as_deref(),
        ));
    }
    Ok(Json(ListResponse::from(result)).into_response())
}

/// A KPI week by week over the period (ISO weeks in the desk's time zone, the first and last
/// cut at the period's ends): each week's figure is that week's alone. `Accept: text/csv`
/// gives the same as CSV.
#[utoipa::path(get, path = "/api/v1/insight/figures/{kpi}/weeks", tag = "insight",
    params(("kpi" = crate::domain::insight::figures::KpiId, Path, description = "The KPI's id"), FigureQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The weeks; with `Accept: text/csv`, the same as CSV",
                  content((Vec<WeekPoint> = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn weeks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(kpi): Path<String>,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    let kpi = kpi_and_choices(&kpi, &query)?;
    let points = figures::trend(&state.db, &actor, &query, kpi).await?;
    Ok(super::json_or_csv(&headers, points, |p| {
        figures::trend_csv(kpi, p)
    }))
}

/// A KPI over the period broken down by where its rows counted (`by`: department, group,
/// service, priority or category; default group), and within each part by `then` when given.
/// Each part's figure is that of its rows alone; its list is the figure's list with the part's
/// place added to the filters. Most rows first. `Accept: text/csv` gives one line per part.
#[utoipa::path(get, path = "/api/v1/insight/figures/{kpi}/breakdown", tag = "insight",
    params(("kpi" = crate::domain::insight::figures::KpiId, Path, description = "The KPI's id"), FigureQuery, BreakdownQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The breakdown; with `Accept: text/csv`, one line per part",
                  content((Breakdown = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn breakdown(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Path(kpi): Path<String>,
    Query(query): Query<FigureQuery>,
    Query(levels): Query<BreakdownQuery>,
) -> AppResult<Response> {
    let kpi = kpi_and_choices(&kpi, &query)?;
    levels.refuse_empty()?;
    let result = breakdowns::breakdown(&state.db, &actor, &query, kpi, &levels).await?;
    Ok(super::json_or_csv(
        &headers,
        result,
        breakdowns::breakdown_csv,
    ))
}

/// The PDCA markers: process changes recorded by process owners, newest first.
#[utoipa::path(get, path = "/api/v1/insight/markers", tag = "insight",
    params(PageParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<MarkerView>), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_markers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(paging): Query<PageParams>,
) -> AppResult<Json<ListResponse<MarkerView>>> {
    let page = paging.parse()?;
    let result = markers::list(&state.db, &actor, page.after.as_deref(), page.limit).await?;
    Ok(Json(ListResponse::from(result)))
}

/// Records a process change (problem managers and admins): the day it took effect, what it
/// is, where it applies, and the KPI it should move which way. The trend charts draw it;
/// `GET /api/v1/insight/markers/{id}` compares the weeks before with the weeks after.
#[utoipa::path(post, path = "/api/v1/insight/markers", tag = "insight", request_body = MarkerInput,
    security(("bearer" = [])),
    responses((status = 201, body = MarkerView), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_marker(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<MarkerInput>,
) -> AppResult<Response> {
    let marker = markers::create(&state.db, &actor, input).await?;
    Ok(created(
        &format!("/api/v1/insight/markers/{}", marker.id),
        marker,
    ))
}

/// A marker with its before/after comparison: the KPI's values in the `weeks` before the day
/// it took effect and the weeks after (up to today), counted in the reader's scope; their
/// counts, median, p90 and mean, the difference of the median (durations) or the mean (the
/// rest) with a 95 % bootstrap interval, and the verdict: `better`, `worse`,
/// `no_evidence_yet` (the interval includes no change) or `too_few` (under 10 values a side).
#[utoipa::path(get, path = "/api/v1/insight/markers/{id}", tag = "insight",
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = MarkerView), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_marker(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Json<MarkerView>> {
    Ok(Json(markers::get(&state.db, &actor, id).await?))
}

/// Deletes a marker (problem managers and admins).
#[utoipa::path(delete, path = "/api/v1/insight/markers/{id}", tag = "insight",
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_marker(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<axum::http::StatusCode> {
    markers::delete(&state.db, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FlowParams {
    /// With `Accept: text/csv`: which table, `handoffs` (default), `groups` or `variants`.
    #[param(pattern = "^(handoffs|groups|variants)$")]
    table: Option<String>,
}

/// The value stream over the period: the handoff matrix (group to group, with returns and
/// the median wait until the receiving group worked on it), where each group's time went
/// (work, queue, on hold by reason, resolved) with its flow efficiency, and the ten most
/// frequent paths of the incidents first resolved in the period. Same choices and scope as
/// the figures. `Accept: text/csv` gives one table (`table`).
#[utoipa::path(get, path = "/api/v1/insight/flow", tag = "insight",
    params(FigureQuery, FlowParams), security(("bearer" = [])),
    responses((status = 200, description = "The flow; with `Accept: text/csv`, one table",
                  content((figures_flow::Flow = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn flow(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(query): Query<FigureQuery>,
    Query(params): Query<FlowParams>,
) -> AppResult<Response> {
    query.refuse_empty()?;
    let table = match params.table.as_deref() {
        None => figures_flow::Table::Handoffs,
        Some(t) => figures_flow::Table::parse(t).ok_or_else(|| {
            AppError::InvalidParameter(crate::domain::FieldError::new("table", "error.table"))
        })?,
    };
    let flow = figures_flow::flow(&state.db, &actor, &query).await?;
    Ok(super::json_or_csv(&headers, flow, |f| {
        figures_flow::flow_csv(f, table)
    }))
}

/// An incident's journey: one lane per group it passed through (with its department), each
/// stretch of work, queue, hold (by reason) and resolution, and every public comment (the
/// caller's and the desk's). For staff who may read the incident; `404` otherwise.
#[utoipa::path(get, path = "/api/v1/insight/journeys/{number}", tag = "insight",
    params(("number" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = crate::service::insight::journey::Journey), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn journey(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<crate::service::insight::journey::Journey>> {
    Ok(Json(
        crate::service::insight::journey::incident(&state.db, &actor, &number).await?,
    ))
}

/// The period of a caller's journey: the dashboard's `from` and `to`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodParams {
    /// First day (desk time zone); default: 27 days before `to`.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Last day, included; default: today. At most 731 days after `from`.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
}

/// A caller's journey over a period: every incident of theirs that was open at some moment
/// of it (and the reader may read), oldest first, each with its lanes and contacts, at most
/// 50. For agents and up; an unknown caller is `404`.
#[utoipa::path(get, path = "/api/v1/insight/callers/{email}/journey", tag = "insight",
    params(("email" = String, Path), PeriodParams), security(("bearer" = [])),
    responses((status = 200, body = crate::service::insight::journey::CallerJourney), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn caller_journey(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(email): Path<String>,
    Query(period): Query<PeriodParams>,
) -> AppResult<Json<crate::service::insight::journey::CallerJourney>> {
    let query = FigureQuery {
        from: period.from,
        to: period.to,
        ..FigureQuery::default()
    };
    query.refuse_empty()?;
    Ok(Json(
        crate::service::insight::journey::caller(&state.db, &actor, &email, &query).await?,
    ))
}

/// Problem management's yield over the period (`problem_yield` of the catalogue): the problems
/// whose permanent fix (`fix_applied`) fell in it, most linked incidents first, with the
/// incidents of the same services and categories opened in the six weeks before each fix and
/// after it; and the resolutions the fixes made. Same choices and scope as the figures (the
/// category filter does not apply to problems). `Accept: text/csv` gives the problems.
#[utoipa::path(get, path = "/api/v1/insight/problems", tag = "insight",
    params(FigureQuery), security(("bearer" = [])),
    responses((status = 200, description = "The yield; with `Accept: text/csv`, the problems",
                  content((crate::service::insight::problems::ProblemYield = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn problem_yield(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    use crate::service::insight::problems;
    query.refuse_empty()?;
    let result = problems::problem_yield(&state.db, &actor, &query).await?;
    Ok(super::json_or_csv(&headers, result, problems::problems_csv))
}

//! Service levels (admins): business-hour calendars and SLA policies.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created, versioned};
use crate::api::extract::{ApiActor, ApiJson, IfMatch};
use crate::error::{AppResult, Problem};
use crate::service::sla::{self, CalendarInput, CalendarView, PolicyInput, PolicyView};
use crate::service::sla_changes::{self, RecomputeView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(get_calendar, update_calendar, delete_calendar))
        .routes(routes!(list_policies, create_policy))
        .routes(routes!(get_policy, update_policy, delete_policy))
        .routes(routes!(recompute_status))
}

#[utoipa::path(get, path = "/api/v1/sla/calendars/{key}", tag = "service levels", params(("key" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CalendarView, headers(("ETag" = String))), (status = 404, body = Problem)))]
async fn get_calendar(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let view = sla_changes::calendar(&state.db, &actor, &key).await?;
    let version = view.version;
    Ok(versioned(StatusCode::OK, view, version))
}

/// Changes a calendar (fields left out stay; the key is fixed; `24x7` is built in, `409`).
/// The due dates of open incidents follow in the background (`GET /sla/recompute`).
#[utoipa::path(patch, path = "/api/v1/sla/calendars/{key}", tag = "service levels", request_body = CalendarInput,
    params(("key" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = CalendarView, headers(("ETag" = String))), (status = 409, body = Problem),
              (status = 412, description = "stale version; the body is the current calendar", body = CalendarView)))]
async fn update_calendar(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<CalendarInput>,
) -> AppResult<Response> {
    let view = sla_changes::update_calendar(&state.db, &actor, &key, input, if_match).await?;
    let version = view.version;
    Ok(versioned(StatusCode::OK, view, version))
}

/// Deletes a calendar that no policy uses (`409` otherwise).
#[utoipa::path(delete, path = "/api/v1/sla/calendars/{key}", tag = "service levels",
    params(("key" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 204), (status = 409, body = Problem),
              (status = 412, description = "stale version; the body is the current calendar", body = CalendarView)))]
async fn delete_calendar(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    IfMatch(if_match): IfMatch,
) -> AppResult<Response> {
    sla_changes::delete_calendar(&state.db, &actor, &key, if_match).await?;
    Ok(crate::api::no_content())
}

#[utoipa::path(get, path = "/api/v1/sla/policies/{key}", tag = "service levels", params(("key" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = PolicyView, headers(("ETag" = String))), (status = 404, body = Problem)))]
async fn get_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let view = sla_changes::policy(&state.db, &actor, &key).await?;
    let version = view.version;
    Ok(versioned(StatusCode::OK, view, version))
}

/// Changes a policy (fields left out stay; the key is fixed; a scope given replaces the
/// scope). The due dates of open incidents follow in the background (`GET /sla/recompute`).
#[utoipa::path(patch, path = "/api/v1/sla/policies/{key}", tag = "service levels", request_body = PolicyInput,
    params(("key" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = PolicyView, headers(("ETag" = String))),
              (status = 409, description = "the scope is taken", body = Problem),
              (status = 412, description = "stale version; the body is the current policy", body = PolicyView)))]
async fn update_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<PolicyInput>,
) -> AppResult<Response> {
    let view = sla_changes::update_policy(&state.db, &actor, &key, input, if_match).await?;
    let version = view.version;
    Ok(versioned(StatusCode::OK, view, version))
}

/// Removes a policy: closed incidents keep it as their history; open ones move to the policy
/// that applies now, in the background.
#[utoipa::path(delete, path = "/api/v1/sla/policies/{key}", tag = "service levels",
    params(("key" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 204),
              (status = 412, description = "stale version; the body is the current policy", body = PolicyView)))]
async fn delete_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    IfMatch(if_match): IfMatch,
) -> AppResult<Response> {
    sla_changes::delete_policy(&state.db, &actor, &key, if_match).await?;
    Ok(crate::api::no_content())
}

/// How far the newest recompute of open incidents after a service-level change has come;
/// `null` before the first change.
#[utoipa::path(get, path = "/api/v1/sla/recompute", tag = "service levels", security(("bearer" = [])),
    responses((status = 200, body = Option<RecomputeView>)))]
async fn recompute_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Option<RecomputeView>>> {
    Ok(Json(
        sla_changes::recompute_status(&state.db, &actor).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sla/calendars", tag = "service levels", security(("bearer" = [])),
    responses((status = 200, body = Vec<CalendarView>), (status = 401, body = Problem)))]
async fn list_calendars(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<CalendarView>>> {
    Ok(Json(sla::calendars(&state.db, &actor).await?))
}

/// A business-hour calendar: a time zone, working intervals per weekday, holidays.
#[utoipa::path(post, path = "/api/v1/sla/calendars", tag = "service levels", request_body = CalendarInput,
    security(("bearer" = [])),
    responses((status = 201, body = CalendarView), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
async fn create_calendar(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<CalendarInput>,
) -> AppResult<Response> {
    let calendar = sla::create_calendar(&state.db, &actor, input).await?;
    Ok(created(
        &format!("/api/v1/sla/calendars/{}", calendar.key),
        calendar,
    ))
}

#[utoipa::path(get, path = "/api/v1/sla/policies", tag = "service levels", security(("bearer" = [])),
    responses((status = 200, body = Vec<PolicyView>), (status = 401, body = Problem)))]
async fn list_policies(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<PolicyView>>> {
    Ok(Json(sla::policies(&state.db, &actor).await?))
}

/// Targets per priority for a service, a group, or everything else (the default); the most
/// specific policy applies to an incident.
#[utoipa::path(post, path = "/api/v1/sla/policies", tag = "service levels", request_body = PolicyInput,
    security(("bearer" = [])),
    responses((status = 201, body = PolicyView), (status = 403, body = Problem),
              (status = 409, description = "the key or the scope is taken", body = Problem), (status = 422, body = Problem)))]
async fn create_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PolicyInput>,
) -> AppResult<Response> {
    let policy = sla::create_policy(&state.db, &actor, input).await?;
    Ok(created(
        &format!("/api/v1/sla/policies/{}", policy.key),
        policy,
    ))
}

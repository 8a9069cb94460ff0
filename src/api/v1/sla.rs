//! Service levels (admins): business-hour calendars and SLA policies.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::api::extract::{ApiActor, ApiJson};
use crate::app::AppState;
use crate::error::{AppResult, Problem};
use crate::service::sla::{self, CalendarInput, CalendarView, PolicyInput, PolicyView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(list_policies, create_policy))
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

//! Incidents ("Incidents" in API.md): create, read, change, move, comment, journal, list.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created_or_replayed, idempotency, versioned};
use crate::api::extract::{ApiActor, ApiJson, HashedJson, IdempotencyKey, IfMatch};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::incidents::{
    self, IncidentPatch, IncidentView, ListQuery, NewIncidentInput, TransitionInput,
};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::known_errors::{self, ApplyKnownErrorInput};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(get_incident, update_incident))
        .routes(routes!(transition_incident))
        .routes(routes!(apply_known_error))
        .routes(routes!(comment_incident))
        .routes(routes!(incident_journal))
}

/// Creates an incident. With `Idempotency-Key`, a retry with the same body returns the
/// original answer and creates nothing; the same key with another body is `422`.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = NewIncidentInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "up to 255 characters")),
    security(("bearer" = [])),
    responses((status = 201, body = IncidentView, headers(("Location" = String), ("ETag" = String))),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 413, body = Problem), (status = 422, body = Problem)))]
async fn create_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<NewIncidentInput>,
) -> AppResult<Response> {
    let created_incident =
        incidents::create(&state.db, &actor, value, idempotency(key, hash)).await?;
    created_or_replayed(created_incident, |body| {
        body["number"]
            .as_str()
            .map(|n| format!("/api/v1/incidents/{n}"))
    })
}

#[utoipa::path(get, path = "/api/v1/incidents/{number}", tag = "incidents", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = IncidentView, headers(("ETag" = String))), (status = 401, body = Problem),
              (status = 404, body = Problem)))]
async fn get_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let view = incidents::get(&state.db, &actor, &number).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Changes fields (not `state`, `priority`, `number`, `version`). With `If-Match`, a stale
/// version is `412` and the body is the current incident.
#[utoipa::path(patch, path = "/api/v1/incidents/{number}", tag = "incidents", request_body = IncidentPatch,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = IncidentView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 412, description = "stale version; the body is the current incident", body = IncidentView),
              (status = 422, body = Problem)))]
async fn update_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(patch): ApiJson<IncidentPatch>,
) -> AppResult<Response> {
    let view = incidents::update(&state.db, &actor, &number, patch, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Moves the incident through its workflow; a move the workflow forbids is `409` and says
/// which moves are allowed.
#[utoipa::path(post, path = "/api/v1/incidents/{number}/transitions", tag = "incidents", request_body = TransitionInput,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = IncidentView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 412, body = IncidentView), (status = 422, body = Problem)))]
async fn transition_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<TransitionInput>,
) -> AppResult<Response> {
    let view = incidents::transition(&state.db, &actor, &number, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Applies a known error in one step: links the incident to the problem and resolves it with
/// the problem's workaround, in one transaction. `409` when the incident is linked to another
/// problem or the workflow does not allow resolving it; `422` naming `problem` when that is no
/// known error with a workaround; `412` on a stale `If-Match`.
#[utoipa::path(post, path = "/api/v1/incidents/{number}/apply-known-error", tag = "incidents",
    request_body = ApplyKnownErrorInput,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = IncidentView, headers(("ETag" = String))), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = IncidentView), (status = 422, body = Problem)))]
async fn apply_known_error(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<ApplyKnownErrorInput>,
) -> AppResult<Response> {
    let view = known_errors::apply(&state.db, &actor, &number, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Adds a comment (`internal: false`, the caller may see it) or a work note (`internal: true`).
#[utoipa::path(post, path = "/api/v1/incidents/{number}/comments", tag = "incidents", request_body = CommentInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = JournalView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn comment_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<CommentInput>,
) -> AppResult<Response> {
    let entry =
        incidents::comment(&state.db, &actor, &number, value, idempotency(key, hash)).await?;
    created_or_replayed(entry, |_| {
        Some(format!(
            "/api/v1/incidents/{}/journal",
            number.to_ascii_uppercase()
        ))
    })
}

/// The incident's history, oldest first.
#[utoipa::path(get, path = "/api/v1/incidents/{number}/journal", tag = "incidents", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<JournalView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn incident_journal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<JournalView>>> {
    Ok(Json(incidents::journal(&state.db, &actor, &number).await?))
}

/// Filters for `GET /incidents`; `state` may repeat.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query string; the handler reads the raw pairs"
)]
struct IncidentListParams {
    /// Repeatable: `new`, `in_progress`, `on_hold`, `resolved`, `closed`, `canceled` (a
    /// comma-separated list is read too).
    #[param(value_type = Option<Vec<crate::domain::incident::IncidentState>>)]
    state: Option<Vec<String>>,
    /// 1 to 5.
    #[param(minimum = 1, maximum = 5)]
    priority: Option<i16>,
    /// A group key.
    assignment_group: Option<String>,
    /// An e-mail, `me`, or `none` for unassigned incidents.
    assignee: Option<String>,
    /// The e-mail of a caller with an account: the incidents they called about.
    caller: Option<String>,
    /// A service key.
    service: Option<String>,
    /// A problem number.
    problem: Option<String>,
    /// `at_risk` (open, marked at risk, not breached) or `breached`.
    #[param(pattern = "^(at_risk|breached)$")]
    sla: Option<String>,
    /// Full text over title, description and public comments, in German and English word
    /// forms; up to 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// RFC 3339 timestamp.
    #[param(format = DateTime)]
    updated_since: Option<String>,
    /// `-updated_at` (default; with `q` the default is best match), `-priority` (priority 1
    /// first, then the longest open), `opened_at` (oldest first), `sla_due` (breaches next:
    /// incidents with a resolution target, the one due first first), `relevance` (with `q`).
    #[param(pattern = "^(-updated_at|-priority|opened_at|sla_due|relevance)$")]
    sort: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

/// Lists incidents, keyset-paginated. `Accept: text/csv` gives the same rows as CSV, with
/// the next page in a `Link` header.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(IncidentListParams), security(("bearer" = [])),
    responses((status = 200, description = "The page; with `Accept: text/csv`, the same rows as CSV",
                  content((ListResponse<IncidentView> = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn list_incidents(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    crate::api::extract::refuse_empty(
        &pairs,
        &["state", "priority", "sla", "sort", "updated_since"],
    )?;
    let value = |name: &str| crate::http::last_value(&pairs, name);
    let page = PageParams {
        limit: value("limit"),
        cursor: value("cursor"),
    }
    .parse()?;
    let query = ListQuery::from_pairs(&pairs);
    let result =
        incidents::list(&state.db, &actor, &query, page.after.as_deref(), page.limit).await?;
    if super::wants_csv(&headers) {
        return Ok(super::csv_page(
            "/api/v1/incidents",
            &pairs,
            incidents::to_csv(&result.items),
            result.next.as_deref(),
        ));
    }
    Ok(Json(ListResponse::from(result)).into_response())
}

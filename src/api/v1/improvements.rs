//! `/api/v1/improvements`: the improvement register. Ideas to improve the way the desk works,
//! submitted by staff (agents and up) and moved on by process owners (problem managers and
//! admins).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created_or_replayed, idempotency, versioned};
use crate::api::extract::{ApiActor, ApiJson, HashedJson, IdempotencyKey, IfMatch};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::improvements::{
    self, ImprovementInput, ImprovementMove, ImprovementView, StateCount,
};
use crate::service::journal::JournalView;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_improvements, create_improvement))
        .routes(routes!(improvement_counts))
        .routes(routes!(get_improvement, triage_improvement))
        .routes(routes!(improvement_journal))
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only ideas in this state.
    #[param(value_type = Option<crate::domain::improvement::ImprovementState>)]
    state: Option<String>,
    /// `true`: only the ideas the reader submitted.
    #[param(value_type = Option<bool>)]
    mine: Option<String>,
}

/// The ideas the reader may read, newest first (an idea about a confidential department's
/// case only for its members, and always for its submitter). `Accept: text/csv` gives the
/// page as CSV, the next page in the `Link` header.
#[utoipa::path(get, path = "/api/v1/improvements", tag = "improvements",
    params(ListParams, PageParams), security(("bearer" = [])),
    responses((status = 200, description = "The page; with `Accept: text/csv`, the same rows as CSV",
                  content((ListResponse<ImprovementView> = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_improvements(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
    Query(paging): Query<PageParams>,
) -> AppResult<Response> {
    let page = paging.parse()?;
    let mine = match params.mine.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(crate::error::AppError::InvalidParameter(
                crate::domain::FieldError::new("mine", "error.boolean"),
            ));
        }
    };
    let result = improvements::list(
        &state.db,
        &actor,
        params.state.as_deref(),
        mine,
        page.after.as_deref(),
        page.limit,
    )
    .await?;
    if super::wants_csv(&headers) {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(s) = &params.state {
            pairs.push(("state".to_owned(), s.clone()));
        }
        if mine {
            pairs.push(("mine".to_owned(), "true".to_owned()));
        }
        if let Some(l) = &paging.limit {
            pairs.push(("limit".to_owned(), l.clone()));
        }
        return Ok(super::csv_page(
            "/api/v1/improvements",
            &pairs,
            improvements::csv(&result.items),
            result.next.as_deref(),
        ));
    }
    Ok(Json(ListResponse::from(result)).into_response())
}

/// Submits an idea (agents and up), linked to the incident or problem it came from if any.
/// With `Idempotency-Key`, a retry with the same body returns the original answer.
#[utoipa::path(post, path = "/api/v1/improvements", tag = "improvements", request_body = ImprovementInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "up to 255 characters")),
    security(("bearer" = [])),
    responses((status = 201, body = ImprovementView, headers(("Location" = String), ("ETag" = String))),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_improvement(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<ImprovementInput>,
) -> AppResult<Response> {
    let created = improvements::create(&state.db, &actor, value, idempotency(key, hash)).await?;
    created_or_replayed(created, |body| {
        body["number"]
            .as_str()
            .map(|n| format!("/api/v1/improvements/{n}"))
    })
}

/// Every state's count of the ideas the reader may read, with the median and the oldest age
/// (days since submitted). For staff (viewer and up).
#[utoipa::path(get, path = "/api/v1/improvements/counts", tag = "improvements",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<StateCount>), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn improvement_counts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<StateCount>>> {
    Ok(Json(improvements::counts(&state.db, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/improvements/{number}", tag = "improvements", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ImprovementView, headers(("ETag" = String))), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_improvement(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let view = improvements::get(&state.db, &actor, &number).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Moves an idea on (problem managers and admins). A decline needs its `reason`, which the
/// submitter reads. With `If-Match`, a stale version is `412` and the body is the current idea.
#[utoipa::path(patch, path = "/api/v1/improvements/{number}", tag = "improvements", request_body = ImprovementMove,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = ImprovementView, headers(("ETag" = String))), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 412, description = "stale version; the body is the current idea", body = ImprovementView),
              (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn triage_improvement(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<ImprovementMove>,
) -> AppResult<Response> {
    let view = improvements::triage(&state.db, &actor, &number, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// The idea's history, oldest first: submitted, every move with its reason, the marker it
/// became.
#[utoipa::path(get, path = "/api/v1/improvements/{number}/journal", tag = "improvements", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<JournalView>), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn improvement_journal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<JournalView>>> {
    Ok(Json(
        improvements::journal(&state.db, &actor, &number).await?,
    ))
}

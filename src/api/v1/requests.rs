//! Service requests and request types: the third record kind, on the conventions of API.md
//! (numbers `REQ` + 7 digits, `ETag`/`If-Match`, `Idempotency-Key`, keyset lists, CSV).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created_or_replayed, idempotency, versioned};
use crate::api::extract::{ApiActor, ApiJson, HashedJson, IdempotencyKey, IfMatch};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::request_types::{self, RequestTypeInput, RequestTypeView};
use crate::service::requests::{
    self, ApprovalView, DecisionInput, NewRequestInput, RequestPatch, RequestQuery,
    RequestTransitionInput, RequestView,
};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_request_types, create_request_type))
        .routes(routes!(get_request_type, update_request_type))
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request, update_request))
        .routes(routes!(transition_request))
        .routes(routes!(comment_request))
        .routes(routes!(request_journal))
        .routes(routes!(request_approvals, decide_request))
        .routes(routes!(my_approvals))
}

/// Who was asked to approve the request, stage by stage, and what they decided.
#[utoipa::path(get, path = "/api/v1/requests/{number}/approvals", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ApprovalView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn request_approvals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<ApprovalView>>> {
    Ok(Json(requests::approvals(&state.db, &actor, &number).await?))
}

/// An approver approves or rejects (with a comment the caller reads) in the stage the request
/// awaits. Once the stage's rule is met the next stage is asked, or the request is approved;
/// once it cannot be met, the request is rejected. `403` for someone not asked in this stage.
#[utoipa::path(post, path = "/api/v1/requests/{number}/approvals", tag = "requests", request_body = DecisionInput,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, description = "decided; the request", body = RequestView), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = RequestView), (status = 422, body = Problem)))]
async fn decide_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<Response> {
    let view = requests::decide(&state.db, &actor, &number, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MyApprovalParams {
    /// `true`: every approval one was asked for, not only the pending ones.
    all: Option<bool>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

/// "My approvals": what the signed-in person is asked to decide, oldest first.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "requests", params(MyApprovalParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<ApprovalView>), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn my_approvals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<MyApprovalParams>,
) -> AppResult<Json<ListResponse<ApprovalView>>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .parse()?;
    Ok(Json(
        requests::my_approvals(&state.db, &actor, params.all.unwrap_or(false), page)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TypeListParams {
    /// A department's key: its types only.
    department: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

/// The catalogue: request types by key, the active ones (agents also see retired ones).
#[utoipa::path(get, path = "/api/v1/request-types", tag = "requests", params(TypeListParams),
    security(("bearer" = [])),
    responses((status = 200, body = ListResponse<RequestTypeView>), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_request_types(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<TypeListParams>,
) -> AppResult<Json<ListResponse<RequestTypeView>>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .parse()?;
    let department = params
        .department
        .as_deref()
        .filter(|d| !d.trim().is_empty());
    Ok(Json(
        request_types::list(&state.db, &actor, department, page)
            .await?
            .into(),
    ))
}

/// Creates a request type with its form (admins).
#[utoipa::path(post, path = "/api/v1/request-types", tag = "requests", request_body = RequestTypeInput,
    security(("bearer" = [])),
    responses((status = 201, body = RequestTypeView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_request_type(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<RequestTypeInput>,
) -> AppResult<Response> {
    let view = request_types::create(&state.db, &actor, input).await?;
    let mut response = super::created(&format!("/api/v1/request-types/{}", view.key), &view);
    response
        .headers_mut()
        .insert(axum::http::header::ETAG, crate::api::etag(view.version));
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/request-types/{key}", tag = "requests", params(("key" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = RequestTypeView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_request_type(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let view = request_types::get(&state.db, &actor, &key).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Changes a request type (admins); requests already made keep their answers.
#[utoipa::path(patch, path = "/api/v1/request-types/{key}", tag = "requests", request_body = RequestTypeInput,
    params(("key" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = RequestTypeView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 412, body = RequestTypeView), (status = 422, body = Problem)))]
async fn update_request_type(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<RequestTypeInput>,
) -> AppResult<Response> {
    let view = request_types::update(&state.db, &actor, &key, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Asks for something: a request of a type with its form answered. Anyone signed in asks for
/// themselves; agents also on someone's behalf (`caller`).
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = NewRequestInput,
    params(("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = RequestView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn create_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<NewRequestInput>,
) -> AppResult<Response> {
    let request = requests::create(&state.db, &actor, value, idempotency(key, hash)).await?;
    created_or_replayed(request, |body| {
        body["number"]
            .as_str()
            .map(|n| format!("/api/v1/requests/{n}"))
    })
}

#[utoipa::path(get, path = "/api/v1/requests/{number}", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = RequestView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let view = requests::get(&state.db, &actor, &number).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Changes title, description, group or assignee (agents).
#[utoipa::path(patch, path = "/api/v1/requests/{number}", tag = "requests", request_body = RequestPatch,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = RequestView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 412, body = RequestView), (status = 422, body = Problem)))]
async fn update_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(patch): ApiJson<RequestPatch>,
) -> AppResult<Response> {
    let view = requests::update(&state.db, &actor, &number, patch, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Moves the request: `new → awaiting_approval → approved | rejected → in_progress →
/// fulfilled → closed`, and `canceled`. Rejecting, canceling, fulfilling and reopening need a
/// `reason`; the caller may cancel their own request.
#[utoipa::path(post, path = "/api/v1/requests/{number}/transitions", tag = "requests",
    request_body = RequestTransitionInput, params(("number" = String, Path), ("If-Match" = Option<String>, Header)),
    security(("bearer" = [])),
    responses((status = 200, body = RequestView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = RequestView),
              (status = 422, body = Problem)))]
async fn transition_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<RequestTransitionInput>,
) -> AppResult<Response> {
    let view = requests::transition(&state.db, &actor, &number, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// A comment (the caller replies on their own request) or, for agents, a work note.
#[utoipa::path(post, path = "/api/v1/requests/{number}/comments", tag = "requests", request_body = CommentInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = JournalView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn comment_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<CommentInput>,
) -> AppResult<Response> {
    let entry =
        requests::comment(&state.db, &actor, &number, value, idempotency(key, hash)).await?;
    created_or_replayed(entry, |_| {
        Some(format!(
            "/api/v1/requests/{}/journal",
            number.to_ascii_uppercase()
        ))
    })
}

#[utoipa::path(get, path = "/api/v1/requests/{number}/journal", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<JournalView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn request_journal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<JournalView>>> {
    Ok(Json(requests::journal(&state.db, &actor, &number).await?))
}

/// Filters for `GET /requests`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query string; the handler reads the raw pairs"
)]
struct RequestListParams {
    /// Repeatable (a comma-separated list is read too).
    #[param(value_type = Option<Vec<crate::domain::request::RequestState>>)]
    state: Option<Vec<String>>,
    /// A request type's key.
    request_type: Option<String>,
    /// A group key.
    assignment_group: Option<String>,
    /// An e-mail or `me`.
    assignee: Option<String>,
    /// An e-mail or `me` ("my requests").
    caller: Option<String>,
    /// Full text over title and description, or a request number; up to 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

/// Requests, newest change first, keyset-paginated; a caller's own only. `Accept: text/csv`
/// gives the same rows as CSV, with the next page in a `Link` header.
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(RequestListParams), security(("bearer" = [])),
    responses((status = 200, description = "The page; with `Accept: text/csv`, the same rows as CSV",
                  content((ListResponse<RequestView> = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn list_requests(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    crate::api::extract::refuse_empty(&pairs, &["state"])?;
    let value = |name: &str| crate::http::last_value(&pairs, name);
    let page = PageParams {
        limit: value("limit"),
        cursor: value("cursor"),
    }
    .parse()?;
    let query = RequestQuery::from_pairs(&pairs);
    let result =
        requests::list(&state.db, &actor, &query, page.after.as_deref(), page.limit).await?;
    if super::wants_csv(&headers) {
        return Ok(super::csv_page(
            "/api/v1/requests",
            &pairs,
            requests::to_csv(&result.items),
            result.next.as_deref(),
        ));
    }
    Ok(Json(ListResponse::from(result)).into_response())
}

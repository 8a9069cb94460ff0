//! Tasks of service requests: small tickets in their groups' queues (`TSK` + 7 digits).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created_or_replayed, idempotency, versioned};
use crate::api::extract::{ApiActor, ApiJson, HashedJson, IdempotencyKey, IfMatch};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::requests::{self, TaskQuery, TaskTransitionInput, TaskView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks))
        .routes(routes!(get_task))
        .routes(routes!(move_task))
        .routes(routes!(comment_task))
        .routes(routes!(task_journal))
        .routes(routes!(request_tasks))
}

/// Filters for `GET /tasks`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query string; the handler reads the raw pairs"
)]
struct TaskListParams {
    /// Repeatable (a comma-separated list is read too).
    #[param(value_type = Option<Vec<crate::domain::task::TaskState>>)]
    state: Option<Vec<String>>,
    /// A group key: its queue.
    assignment_group: Option<String>,
    /// An e-mail or `me`.
    assignee: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

/// A queue of tasks, newest change first; a confidential department's tasks for its members.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "requests", params(TaskListParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<TaskView>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_tasks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Json<ListResponse<TaskView>>> {
    crate::api::extract::refuse_empty(&pairs, &["state"])?;
    let value = |name: &str| crate::http::last_value(&pairs, name);
    let page = PageParams {
        limit: value("limit"),
        cursor: value("cursor"),
    }
    .parse()?;
    let query = TaskQuery::from_pairs(&pairs);
    Ok(Json(
        requests::list_tasks(&state.db, &actor, &query, page.after.as_deref(), page.limit)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{number}", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = TaskView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn get_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let view = requests::get_task(&state.db, &actor, &number).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Moves a task (`open`, `in_progress`, `done`, `canceled`) and/or assigns it to a member of
/// its group. Finishing it opens the tasks that waited for it; the last one fulfils the
/// request.
#[utoipa::path(post, path = "/api/v1/tasks/{number}/transitions", tag = "requests", request_body = TaskTransitionInput,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = TaskView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = TaskView),
              (status = 422, body = Problem)))]
async fn move_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<TaskTransitionInput>,
) -> AppResult<Response> {
    let view = requests::transition_task(&state.db, &actor, &number, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// A comment or work note on a task (agents; callers never read tasks).
#[utoipa::path(post, path = "/api/v1/tasks/{number}/comments", tag = "requests", request_body = CommentInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = JournalView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn comment_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<CommentInput>,
) -> AppResult<Response> {
    let entry =
        requests::comment_task(&state.db, &actor, &number, value, idempotency(key, hash)).await?;
    created_or_replayed(entry, |_| {
        Some(format!(
            "/api/v1/tasks/{}/journal",
            number.to_ascii_uppercase()
        ))
    })
}

#[utoipa::path(get, path = "/api/v1/tasks/{number}/journal", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<JournalView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn task_journal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<JournalView>>> {
    Ok(Json(
        requests::task_journal(&state.db, &actor, &number).await?,
    ))
}

/// The tasks of a request that the reader may read, in order (staff only: callers follow
/// `tasks_done` of `tasks_total` on the request).
#[utoipa::path(get, path = "/api/v1/requests/{number}/tasks", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<TaskView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn request_tasks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<TaskView>>> {
    Ok(Json(
        requests::tasks_of_request(&state.db, &actor, &number).await?,
    ))
}

//! The agent pages of service requests and their tasks: the request queue, one request with
//! its journal (work notes included), approvals and tasks, moved and commented on; and the
//! task queue of one's groups, with a task started or finished in one click. The same service
//! functions as the API.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::form::{Choice, FormState, choices, field, version};
use super::{Ctx, SignedIn, render, see_other};
use crate::domain::Permission;
use crate::domain::request::RequestState;
use crate::error::{AppError, AppResult};
use crate::service::journal::JournalView;
use crate::service::record::RecordKind;
use crate::service::requests::{
    self, ApprovalView, RequestQuery, RequestTransitionInput, RequestView, TaskQuery,
    TaskTransitionInput, TaskView,
};
use crate::service::shares::{self, ShareView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/requests", get(queue))
        .route("/requests/{number}", get(page))
        .route("/requests/{number}/move", post(move_request))
        .route("/requests/{number}/comments", post(comment))
        .route(
            "/requests/{number}/shares",
            post(super::record::share::<super::record::Requests>),
        )
        .route(
            "/requests/{number}/shares/unshare",
            post(super::record::unshare::<super::record::Requests>),
        )
        .route("/tasks", get(task_queue))
        .route("/tasks/{number}/move", post(move_task))
}

#[derive(Template)]
#[template(path = "requests/queue.html")]
struct QueuePage {
    ctx: Ctx,
    rows: Vec<RequestView>,
    states: Vec<Choice>,
    form: FormState,
    next: Option<String>,
    query: String,
}

async fn queue(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let query = RequestQuery::from_pairs(&pairs);
    let after = field(&pairs, "after");
    let page = requests::list(&state.db, &actor, &query, after.as_deref(), 50).await?;
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "after")
        .cloned()
        .collect();
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            states: choices(&ctx, RequestState::ALL),
            ctx,
            rows: page.items,
            form: FormState::with_values(kept.clone()),
            next: page.next,
            query: crate::url::query_string(&kept),
        },
    ))
}

#[derive(Template)]
#[template(path = "requests/show.html")]
struct RequestPage {
    ctx: Ctx,
    request: RequestView,
    journal: Vec<JournalView>,
    approvals: Vec<ApprovalView>,
    tasks: Vec<TaskView>,
    /// The form's answers under their labels.
    answers: Vec<(String, String)>,
    /// The caller's other requests and incidents, most recently changed first.
    other_requests: Vec<RequestView>,
    other_incidents: Vec<crate::service::incidents::IncidentView>,
    /// The moves an agent makes by hand (approval decides the others).
    moves: Vec<Choice>,
    can_work: bool,
    /// The people it is shared with.
    shares: Vec<ShareView>,
    /// Its service level, when its type has one.
    sla: Option<crate::service::sla::Summary>,
    form: FormState,
}

pub(super) async fn page_with(
    state: &AppState,
    ctx: Ctx,
    actor: &crate::service::Actor,
    number: &str,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let request = requests::get(&state.db, actor, number).await?;
    let journal = requests::journal(&state.db, actor, number).await?;
    let approvals = requests::approvals(&state.db, actor, number).await?;
    let tasks = requests::tasks_of_request(&state.db, actor, number).await?;
    let kind = crate::service::request_types::get(&state.db, actor, &request.request_type)
        .await
        .ok();
    let answers = super::portal::labelled_answers(&ctx, kind.as_ref(), &request.values);
    let other_requests = callers_other_requests(state, actor, &request).await?;
    let other_incidents =
        super::incidents::caller_journey(state, actor, &request.caller, "").await?;
    let moves = choices(
        &ctx,
        request
            .state
            .allowed_next()
            .iter()
            .copied()
            .filter(|s| !s.decided_by_approval()),
    );
    let shares = shares::of(&state.db, actor, RecordKind::Request, number).await?;
    let sla = crate::service::sla::summary(&state.db, &request.sla, jiff::Timestamp::now()).await?;
    let page = RequestPage {
        sla,
        shares,
        can_work: actor.can(Permission::WorkIncidents),
        ctx,
        request,
        journal,
        approvals,
        tasks,
        answers,
        other_requests,
        other_incidents,
        moves,
        form,
    };
    Ok(render(status, &page))
}

impl RequestPage {
    /// Where the share forms post (`templates/shares.html`).
    fn share_base(&self) -> String {
        format!("/requests/{}", self.request.number)
    }

    fn share_state(&self) -> &FormState {
        &self.form
    }
}

/// The caller's other requests in the reader's scope, most recently changed first.
async fn callers_other_requests(
    state: &AppState,
    actor: &crate::service::Actor,
    request: &RequestView,
) -> AppResult<Vec<RequestView>> {
    let journey = super::incidents::JOURNEY;
    let query = RequestQuery {
        caller: Some(request.caller.clone()),
        ..RequestQuery::default()
    };
    let limit = i64::try_from(journey + 1).unwrap_or(6);
    let page = requests::list(&state.db, actor, &query, None, limit).await?;
    Ok(page
        .items
        .into_iter()
        .filter(|r| r.number != request.number)
        .take(journey)
        .collect())
}

async fn page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    page_with(
        &state,
        ctx,
        &actor,
        &number,
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

/// Back to the request on success; the page again with the typing and the error on refusal.
async fn done_or_refused<T>(
    state: &AppState,
    ctx: Ctx,
    actor: &crate::service::Actor,
    number: &str,
    posted: Vec<(String, String)>,
    result: AppResult<T>,
    field_of_conflict: &str,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/requests/{}",
            number.to_ascii_uppercase()
        ))),
        Err(
            error @ (AppError::Validation(_) | AppError::Conflict(_) | AppError::Transition { .. }),
        ) => {
            let mut form = FormState::with_values(posted);
            let message = super::form::error_line(&error, &ctx);
            if form.absorb(error, ctx.tr, field_of_conflict).is_err() {
                form.message = Some(message);
            }
            page_with(
                state,
                ctx,
                actor,
                number,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::PreconditionFailed(_)) => {
            let mut form = FormState::with_values(posted);
            form.message = Some(ctx.tr.t("error.stale_version").to_owned());
            page_with(state, ctx, actor, number, form, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other),
    }
}

async fn move_request(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = RequestTransitionInput {
        to: field(&posted, "to").unwrap_or_default(),
        reason: field(&posted, "reason"),
    };
    let result = requests::transition(&state.db, &actor, &number, input, version(&posted)).await;
    done_or_refused(&state, ctx, &actor, &number, posted, result, "to").await
}

async fn comment(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    form: crate::web::form::FilesForm,
) -> AppResult<Response> {
    let (posted, input) = form.comment();
    let result = match input {
        Ok(input) => requests::comment(&state.db, &actor, &number, input, None).await,
        Err(error) => Err(error),
    };
    done_or_refused(&state, ctx, &actor, &number, posted, result, "body").await
}

#[derive(Template)]
#[template(path = "requests/tasks.html")]
struct TasksPage {
    ctx: Ctx,
    rows: Vec<TaskView>,
    groups: Vec<String>,
    form: FormState,
    next: Option<String>,
    query: String,
}

/// The tasks of the reader's groups (or of one group), open and in progress unless a state
/// is asked for.
async fn task_queue(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let mut query = TaskQuery::from_pairs(&pairs);
    if query.states.is_empty() {
        query.states = vec!["open".to_owned(), "in_progress".to_owned()];
    }
    let after = field(&pairs, "after");
    let mut rows = Vec::new();
    let mut next = None;
    if query.assignment_group.is_some() || actor.groups.is_empty() {
        let page = requests::list_tasks(&state.db, &actor, &query, after.as_deref(), 50).await?;
        rows = page.items;
        next = page.next;
    } else {
        for group in &actor.groups {
            let one = TaskQuery {
                assignment_group: Some(group.clone()),
                ..query.clone()
            };
            rows.extend(
                requests::list_tasks(&state.db, &actor, &one, None, 50)
                    .await?
                    .items,
            );
        }
        rows.sort_by_key(|t| std::cmp::Reverse(t.updated_at));
    }
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "after")
        .cloned()
        .collect();
    Ok(render(
        StatusCode::OK,
        &TasksPage {
            ctx,
            rows,
            groups: actor.groups.clone(),
            form: FormState::with_values(kept.clone()),
            next,
            query: crate::url::query_string(&kept),
        },
    ))
}

async fn move_task(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = TaskTransitionInput {
        to: field(&posted, "to"),
        assignee: None,
    };
    match requests::transition_task(&state.db, &actor, &number, input, version(&posted)).await {
        Ok(task) => {
            let text = ctx.tr.tn(
                "tasks.moved",
                &[&task.number, ctx.tr.t(task.state.label_key())],
            );
            ctx.flash("success", text).await?;
        }
        Err(error @ (AppError::Transition { .. } | AppError::PreconditionFailed(_))) => {
            ctx.flash("error", super::form::error_line(&error, &ctx))
                .await?;
        }
        Err(other) => return Err(other),
    }
    Ok(see_other("/tasks"))
}

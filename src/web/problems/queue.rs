//! The problem queue and the new-problem form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::Permission;
use crate::domain::incident::Level;
use crate::domain::problem::ProblemState;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::idempotency::Created;
use crate::service::problems::{self, NewProblemInput, ProblemQuery, ProblemView};
use crate::service::reference::{self, GroupView};
use crate::state::AppState;
use crate::web::form::{Choice, Fields, FormState, choices, error_line, field, text};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "problems/queue.html")]
pub(super) struct QueuePage {
    ctx: Ctx,
    rows: Vec<ProblemView>,
    next: Option<String>,
    query: String,
    form: FormState,
    states: Vec<Choice>,
    can_work: bool,
}

pub(super) async fn queue(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let value = |name: &str| crate::http::last_value(&pairs, name);
    let query = ProblemQuery::from_pairs(&pairs);
    let page = problems::list(&state.db, &actor, &query, value("after").as_deref(), 50).await?;
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "after")
        .cloned()
        .collect();
    let page = QueuePage {
        rows: page.items,
        next: page.next,
        query: crate::url::query_string(&kept),
        form: FormState::with_values(kept),
        states: choices(&ctx, ProblemState::ALL),
        can_work: actor.can(Permission::WorkIncidents),
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The filtered problems as CSV, streamed page by page: any size, flat memory.
pub(super) async fn export_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    const PAGE: i64 = 500;
    let query = ProblemQuery::from_pairs(&pairs);
    let first = problems::list(&state.db, &actor, &query, None, PAGE).await?;
    let db = state.db.clone();
    Ok(crate::web::csv_download(
        "problems.csv",
        problems::CSV_HEADER,
        first.fold_items(|rows| problems::csv_rows(&rows)),
        move |after| {
            let (db, actor, query) = (db.clone(), actor.clone(), query.clone());
            async move {
                let page = problems::list(&db, &actor, &query, Some(&after), PAGE).await?;
                Ok(page.fold_items(|rows| problems::csv_rows(&rows)))
            }
        },
    ))
}

// ------------------------------------------------------------------ new problem

#[derive(Template)]
#[template(path = "problems/new.html")]
pub(super) struct NewPage {
    ctx: Ctx,
    form: FormState,
    groups: Vec<GroupView>,
    levels: Vec<Choice>,
}

async fn new_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    actor.require(Permission::WorkIncidents)?;
    let groups = reference::all_groups(&state.db, actor)
        .await?
        .into_iter()
        .filter(|g| g.active)
        .collect();
    let levels = choices(&ctx, Level::ALL);
    Ok(render(
        status,
        &NewPage {
            ctx,
            form,
            groups,
            levels,
        },
    ))
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    let mut form = FormState::default();
    form.set("impact", "medium");
    form.set("urgency", "medium");
    new_page(&state, ctx, &actor, form, StatusCode::OK).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let input = NewProblemInput {
        title: field(&fields, "title"),
        description: field(&fields, "description"),
        impact: text(&fields, "impact"),
        urgency: text(&fields, "urgency"),
        service: None,
        assignment_group: text(&fields, "assignment_group"),
        assignee: None,
    };
    match problems::create(&state.db, &actor, input, None).await {
        Ok(Created::New(view)) => Ok(see_other(&format!("/problems/{}", view.number))),
        Ok(Created::Replayed { .. }) => Ok(see_other("/problems")),
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "title")?;
            new_page(&state, ctx, &actor, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub(super) async fn from_incident(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    match problems::create_from_incident(&state.db, &actor, &number).await {
        Ok(problem) => {
            ctx.flash(
                "success",
                ctx.tr.t1("flash.problem_created", &problem.number),
            )
            .await?;
            Ok(see_other(&format!("/problems/{}", problem.number)))
        }
        Err(error @ (AppError::LinkedElsewhere(_) | AppError::Validation(_))) => {
            ctx.flash("error", error_line(&error, &ctx)).await?;
            Ok(see_other(&format!("/incidents/{number}")))
        }
        Err(other) => Err(other),
    }
}

//! Problem candidates: clusters of similar incidents, and a problem made from one.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::service::problem_candidates::{self, CandidateSettings, CandidateView};
use crate::state::AppState;
use crate::web::form::{Fields, error_line};
use crate::web::{Ctx, SignedIn, render, see_other};

/// Clusters on one candidates page.
const CANDIDATES_PER_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "problems/candidates.html")]
pub(super) struct CandidatesPage {
    ctx: Ctx,
    clusters: Vec<CandidateView>,
    /// The query string of the next page, when there is one.
    next: Option<String>,
    days: i64,
    min_size: usize,
    can_work: bool,
}

#[derive(serde::Deserialize)]
pub(super) struct CandidateParams {
    days: Option<i64>,
    min_size: Option<usize>,
    after: Option<String>,
}

pub(super) async fn candidates_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<CandidateParams>,
) -> AppResult<Response> {
    let defaults = CandidateSettings::default();
    let settings = CandidateSettings {
        days: params.days.unwrap_or(defaults.days),
        min_size: params.min_size.unwrap_or(defaults.min_size),
        ..defaults
    };
    let found = problem_candidates::candidates(
        &state.db,
        &actor,
        settings,
        crate::service::PageRequest {
            after: params.after.filter(|a| !a.is_empty()),
            limit: CANDIDATES_PER_PAGE,
        },
    )
    .await?;
    let next = found.next.map(|after| {
        crate::url::query_string(&[
            ("days".to_owned(), settings.days.to_string()),
            ("min_size".to_owned(), settings.min_size.to_string()),
            ("after".to_owned(), after),
        ])
    });
    let page = CandidatesPage {
        clusters: found.items,
        next,
        days: settings.days,
        min_size: settings.min_size,
        can_work: actor.can(Permission::WorkIncidents),
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn create_from_cluster(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let numbers = crate::web::form::all(&fields, "incidents");
    match problem_candidates::create_from_cluster(&state.db, &actor, &numbers).await {
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
            Ok(see_other("/problems/candidates"))
        }
        Err(other) => Err(other),
    }
}

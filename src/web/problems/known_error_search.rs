//! The known-error search page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::AppResult;
use crate::service::known_errors;
use crate::service::problems::{self, ProblemQuery, ProblemView};
use crate::state::AppState;
use crate::web::{Ctx, SignedIn, render};

#[derive(Template)]
#[template(path = "problems/known_errors.html")]
pub(super) struct KnownErrorsPage {
    ctx: Ctx,
    q: String,
    found: Vec<ProblemView>,
}

#[derive(serde::Deserialize)]
pub(super) struct KnownErrorParams {
    #[serde(default)]
    q: String,
}

pub(super) async fn known_errors_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<KnownErrorParams>,
) -> AppResult<Response> {
    let found = if params.q.trim().is_empty() {
        let query = ProblemQuery {
            known_error: Some("true".to_owned()),
            ..ProblemQuery::default()
        };
        problems::list(&state.db, &actor, &query, None, 50)
            .await?
            .items
    } else {
        known_errors::known_errors(&state.db, &actor, &params.q, 50).await?
    };
    Ok(render(
        StatusCode::OK,
        &KnownErrorsPage {
            ctx,
            q: params.q,
            found,
        },
    ))
}

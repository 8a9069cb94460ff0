//! Pickers for people and assignees (htmx fragments).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::AppResult;
use crate::service::incidents::{self};
use crate::state::AppState;
use crate::web::{SignedIn, render};

#[derive(Template)]
#[template(path = "incidents/options.html")]
pub(super) struct Options {
    choices: Vec<(String, String)>,
    /// Offer an empty first choice.
    blank: bool,
    selected: String,
}

#[derive(serde::Deserialize)]
pub(super) struct LookupParams {
    #[serde(default)]
    caller: String,
    #[serde(default)]
    assignment_group: String,
    #[serde(default)]
    assignee: String,
}

pub(super) async fn lookup_people(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(params): Query<LookupParams>,
) -> AppResult<Response> {
    let options = if params.caller.trim().len() < 2 {
        Vec::new()
    } else {
        incidents::find_people(&state.db, &actor, &params.caller).await?
    };
    Ok(render(
        StatusCode::OK,
        &Options {
            choices: options,
            blank: false,
            selected: String::new(),
        },
    ))
}

pub(super) async fn lookup_assignees(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(params): Query<LookupParams>,
) -> AppResult<Response> {
    let options = if params.assignment_group.is_empty() {
        Vec::new()
    } else {
        incidents::assignable(&state.db, &actor, &params.assignment_group).await?
    };
    Ok(render(
        StatusCode::OK,
        &Options {
            choices: options,
            blank: true,
            selected: params.assignee,
        },
    ))
}

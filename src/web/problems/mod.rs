//! Pages for problem management: the problem queue, the problem page (workflow, root cause
//! analysis, linked incidents, journal), known errors, and problem candidates. Every write
//! goes through `service::problems`, like the API.

mod candidates;
mod known_error_search;
mod page;
mod queue;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use candidates::{candidates_page, create_from_cluster};
use known_error_search::known_errors_page;
use page::{comment, link, problem_page, transition, unlink, update};
use queue::{create, export_csv, from_incident, new_form, queue};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/problems", get(queue).post(create))
        .route("/problems/new", get(new_form))
        .route("/problems.csv", get(export_csv))
        .route(
            "/problems/candidates",
            get(candidates_page).post(create_from_cluster),
        )
        .route("/problems/{number}", get(problem_page).post(update))
        .route("/problems/{number}/transitions", post(transition))
        .route("/problems/{number}/comments", post(comment))
        .route("/problems/{number}/incidents", post(link))
        .route(
            "/problems/{number}/incidents/{incident}/unlink",
            post(unlink),
        )
        .route("/incidents/{number}/problem", post(from_incident))
        .route("/known-errors", get(known_errors_page))
}

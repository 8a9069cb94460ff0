//! Problems and known errors ("Problems" in API.md), and the two incident endpoints that
//! belong to problem management: creating a problem from an incident, and suggestions.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created_or_replayed, idempotency, versioned};
use crate::api::extract::{ApiActor, ApiJson, HashedJson, IdempotencyKey, IfMatch};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::incidents::IncidentView;
use crate::service::journal::{CommentInput, JournalView};
use crate::service::known_errors;
use crate::service::problem_candidates::{self, CandidateSettings, CandidateView};
use crate::service::problems::{
    self, LinkInput, NewProblemInput, ProblemPatch, ProblemQuery, ProblemTransitionInput,
    ProblemView,
};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_problems, create_problem))
        .routes(routes!(get_problem, update_problem))
        .routes(routes!(transition_problem))
        .routes(routes!(comment_problem))
        .routes(routes!(problem_journal))
        .routes(routes!(problem_incidents, link_incident))
        .routes(routes!(unlink_incident))
        .routes(routes!(known_errors))
        .routes(routes!(problem_from_incident))
        .routes(routes!(incident_suggestions))
        .routes(routes!(problem_candidates, create_from_cluster))
}

#[utoipa::path(post, path = "/api/v1/problems", tag = "problems", request_body = NewProblemInput,
    params(("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = ProblemView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn create_problem(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<NewProblemInput>,
) -> AppResult<Response> {
    let problem = problems::create(&state.db, &actor, value, idempotency(key, hash)).await?;
    created_or_replayed(problem, |body| {
        body["number"]
            .as_str()
            .map(|n| format!("/api/v1/problems/{n}"))
    })
}

#[utoipa::path(get, path = "/api/v1/problems/{number}", tag = "problems", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ProblemView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_problem(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let view = problems::get(&state.db, &actor, &number).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Changes fields; `root_cause`, `workaround` and `known_error` need a problem manager, and
/// `known_error: true` needs both a root cause and a workaround.
#[utoipa::path(patch, path = "/api/v1/problems/{number}", tag = "problems", request_body = ProblemPatch,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 412, body = ProblemView), (status = 422, body = Problem)))]
async fn update_problem(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(patch): ApiJson<ProblemPatch>,
) -> AppResult<Response> {
    let view = problems::update(&state.db, &actor, &number, patch, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Moves the problem (problem managers). Resolving it resolves the linked incidents in new,
/// `in_progress` and `on_hold` unless `resolve_incidents` is `false`.
#[utoipa::path(post, path = "/api/v1/problems/{number}/transitions", tag = "problems",
    request_body = ProblemTransitionInput, params(("number" = String, Path), ("If-Match" = Option<String>, Header)),
    security(("bearer" = [])),
    responses((status = 200, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 412, body = ProblemView), (status = 422, body = Problem)))]
async fn transition_problem(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<ProblemTransitionInput>,
) -> AppResult<Response> {
    let view = problems::transition(&state.db, &actor, &number, input, if_match).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

#[utoipa::path(post, path = "/api/v1/problems/{number}/comments", tag = "problems", request_body = CommentInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = JournalView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn comment_problem(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<CommentInput>,
) -> AppResult<Response> {
    let entry =
        problems::comment(&state.db, &actor, &number, value, idempotency(key, hash)).await?;
    created_or_replayed(entry, |_| {
        Some(format!(
            "/api/v1/problems/{}/journal",
            number.to_ascii_uppercase()
        ))
    })
}

#[utoipa::path(get, path = "/api/v1/problems/{number}/journal", tag = "problems", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<JournalView>), (status = 404, body = Problem)))]
async fn problem_journal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<JournalView>>> {
    Ok(Json(problems::journal(&state.db, &actor, &number).await?))
}

#[utoipa::path(get, path = "/api/v1/problems/{number}/incidents", tag = "problems", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<IncidentView>), (status = 404, body = Problem)))]
async fn problem_incidents(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<IncidentView>>> {
    Ok(Json(
        problems::linked_incidents(&state.db, &actor, &number).await?,
    ))
}

/// Links an incident; `409` when it is linked to another problem. The problem's workaround,
/// if it has one, is written to the incident.
#[utoipa::path(post, path = "/api/v1/problems/{number}/incidents", tag = "problems", request_body = LinkInput,
    params(("number" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "linked; the incident", body = IncidentView), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn link_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    ApiJson(input): ApiJson<LinkInput>,
) -> AppResult<Json<IncidentView>> {
    Ok(Json(
        problems::link(&state.db, &actor, &number, input).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/problems/{number}/incidents/{incident}", tag = "problems",
    params(("number" = String, Path), ("incident" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "unlinked"), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn unlink_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((number, incident)): Path<(String, String)>,
) -> AppResult<Response> {
    problems::unlink(&state.db, &actor, &number, &incident).await?;
    Ok(crate::api::no_content())
}

/// Filters for `GET /problems`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query string; the handler reads the raw pairs"
)]
struct ProblemListParams {
    /// Repeatable (a comma-separated list is read too).
    #[param(value_type = Option<Vec<crate::domain::problem::ProblemState>>)]
    state: Option<Vec<String>>,
    known_error: Option<bool>,
    /// A service key.
    service: Option<String>,
    /// A group key.
    assignment_group: Option<String>,
    /// Full text; up to 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/problems", tag = "problems", params(ProblemListParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<ProblemView>), (status = 400, body = Problem)))]
async fn list_problems(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Json<ListResponse<ProblemView>>> {
    crate::api::extract::refuse_empty(&pairs, &["state", "known_error"])?;
    let value = |name: &str| crate::http::last_value(&pairs, name);
    let page = PageParams {
        limit: value("limit"),
        cursor: value("cursor"),
    }
    .parse()?;
    let query = ProblemQuery::from_pairs(&pairs);
    Ok(Json(
        problems::list(&state.db, &actor, &query, page.after.as_deref(), page.limit)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct KnownErrorParams {
    /// Words to match (German and English word forms).
    #[serde(default)]
    q: String,
}

/// Known errors ranked by how well their text matches `q`, each with its workaround.
#[utoipa::path(get, path = "/api/v1/known-errors", tag = "problems", params(KnownErrorParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<ProblemView>), (status = 401, body = Problem)))]
async fn known_errors(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<KnownErrorParams>,
) -> AppResult<Json<Vec<ProblemView>>> {
    Ok(Json(
        known_errors::known_errors(&state.db, &actor, &params.q, 20).await?,
    ))
}

/// Creates a problem from the incident (title, description, service, impact and urgency
/// copied) and links the incident to it.
#[utoipa::path(post, path = "/api/v1/incidents/{number}/problem", tag = "problems", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 201, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "already linked to a problem", body = Problem)))]
async fn problem_from_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let problem = problems::create_from_incident(&state.db, &actor, &number).await?;
    let mut response = versioned(StatusCode::CREATED, &problem, problem.version);
    if let Ok(location) = format!("/api/v1/problems/{}", problem.number).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Known errors whose text matches this incident, best first.
#[utoipa::path(get, path = "/api/v1/incidents/{number}/suggestions", tag = "problems", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ProblemView>), (status = 404, body = Problem)))]
async fn incident_suggestions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<ProblemView>>> {
    Ok(Json(
        known_errors::suggestions(&state.db, &actor, &number).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CandidateParams {
    /// Incidents opened in the last this many days (1–90, default 7).
    #[param(minimum = 1, maximum = 90)]
    days: Option<i64>,
    /// Smallest cluster (2–1000, default 3).
    #[param(minimum = 2, maximum = 1000)]
    min_size: Option<usize>,
    /// Share of title words two incidents must have in common (0.05–1, default 0.4).
    #[param(minimum = 0.05, maximum = 1.0)]
    similarity: Option<f64>,
    /// Clusters per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

/// Clusters of similar recent incidents of one service that no problem covers yet, the
/// largest first, keyset-paginated; each names all its incidents and shows the newest ten.
#[utoipa::path(get, path = "/api/v1/problem-candidates", tag = "problems", params(CandidateParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<CandidateView>), (status = 400, body = Problem)))]
async fn problem_candidates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<CandidateParams>,
) -> AppResult<Json<ListResponse<CandidateView>>> {
    let defaults = CandidateSettings::default();
    let settings = CandidateSettings {
        days: params.days.unwrap_or(defaults.days),
        min_size: params.min_size.unwrap_or(defaults.min_size),
        similarity: params.similarity.unwrap_or(defaults.similarity),
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .parse()?;
    Ok(Json(
        problem_candidates::candidates(&state.db, &actor, settings, page)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterInput {
    /// The incidents of the cluster; the first gives the problem its title and description.
    pub incidents: Vec<String>,
}

/// Turns a cluster into a problem with all its incidents linked, in one transaction.
#[utoipa::path(post, path = "/api/v1/problem-candidates", tag = "problems", request_body = ClusterInput,
    security(("bearer" = [])),
    responses((status = 201, body = ProblemView), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
async fn create_from_cluster(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ClusterInput>,
) -> AppResult<Response> {
    let problem =
        problem_candidates::create_from_cluster(&state.db, &actor, &input.incidents).await?;
    Ok(versioned(StatusCode::CREATED, &problem, problem.version))
}

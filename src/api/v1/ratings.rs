//! The caller's rating of a resolution, for incidents and requests alike
//! (`service::ratings`): `POST` once per resolution, `GET` the record's ratings.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created_or_replayed, idempotency};
use crate::api::extract::{ApiActor, HashedJson, IdempotencyKey};
use crate::error::{AppResult, Problem};
use crate::service::ratings::{self, RatingInput, RatingView};
use crate::service::record::RecordKind;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(incident_ratings, rate_incident))
        .routes(routes!(request_ratings, rate_request))
}

async fn rate(
    state: &AppState,
    actor: &crate::service::Actor,
    kind: RecordKind,
    number: &str,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<RatingInput>,
) -> AppResult<Response> {
    let rating = ratings::rate(
        &state.db,
        actor,
        kind,
        number,
        value,
        idempotency(key, hash),
    )
    .await?;
    let base = kind.collection();
    let number = number.to_ascii_uppercase();
    created_or_replayed(rating, |_| Some(format!("/api/v1/{base}/{number}/ratings")))
}

/// The caller rates the incident's current resolution: `score` 1–5 and a `comment`, once
/// per resolution (`409` the second time; a reopened and resolved-again incident may be
/// rated again). `422` names `score` when the incident is not resolved or closed, or the
/// reader is not its caller.
#[utoipa::path(post, path = "/api/v1/incidents/{number}/ratings", tag = "incidents", request_body = RatingInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = RatingView, headers(("Location" = String))), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem)))]
async fn rate_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    body: HashedJson<RatingInput>,
) -> AppResult<Response> {
    rate(&state, &actor, RecordKind::Incident, &number, key, body).await
}

/// The incident's ratings, the latest resolution first.
#[utoipa::path(get, path = "/api/v1/incidents/{number}/ratings", tag = "incidents", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<RatingView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn incident_ratings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<RatingView>>> {
    Ok(Json(
        ratings::of(&state.db, &actor, RecordKind::Incident, &number).await?,
    ))
}

/// The caller rates the request's current fulfilment, as for incidents.
#[utoipa::path(post, path = "/api/v1/requests/{number}/ratings", tag = "requests", request_body = RatingInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = RatingView, headers(("Location" = String))), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem)))]
async fn rate_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    body: HashedJson<RatingInput>,
) -> AppResult<Response> {
    rate(&state, &actor, RecordKind::Request, &number, key, body).await
}

/// The request's ratings, the latest fulfilment first.
#[utoipa::path(get, path = "/api/v1/requests/{number}/ratings", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<RatingView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn request_ratings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<RatingView>>> {
    Ok(Json(
        ratings::of(&state.db, &actor, RecordKind::Request, &number).await?,
    ))
}

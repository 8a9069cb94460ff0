//! Sharing incidents and requests with other people (`service::shares`): `GET`, `POST` and
//! `DELETE …/{number}/shares`, and `GET /me/shared`, what is shared with the signed-in person.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created_or_replayed, idempotency};
use crate::api::extract::{ApiActor, HashedJson, IdempotencyKey};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::record::RecordKind;
use crate::service::shares::{self, ShareInput, ShareView, SharedView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(incident_shares, share_incident))
        .routes(routes!(unshare_incident))
        .routes(routes!(request_shares, share_request))
        .routes(routes!(unshare_request))
        .routes(routes!(shared_with_me))
}

async fn share(
    state: &AppState,
    actor: &crate::service::Actor,
    kind: RecordKind,
    number: &str,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<ShareInput>,
) -> AppResult<Response> {
    let shared = shares::share(
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
    created_or_replayed(shared, |view| {
        Some(format!(
            "/api/v1/{base}/{number}/shares/{}",
            view["person"].as_str().unwrap_or_default()
        ))
    })
}

/// Shares the incident with a `person` (e-mail): they follow it in the portal, read what its
/// caller reads and may comment. For its caller and the agents who work it. `422` names
/// `person` for no such active person or the incident's caller; `409` when it is shared with
/// them already.
#[utoipa::path(post, path = "/api/v1/incidents/{number}/shares", tag = "incidents", request_body = ShareInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = ShareView, headers(("Location" = String))), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem)))]
async fn share_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    body: HashedJson<ShareInput>,
) -> AppResult<Response> {
    share(&state, &actor, RecordKind::Incident, &number, key, body).await
}

/// The people the incident is shared with, in the order it was shared with them.
#[utoipa::path(get, path = "/api/v1/incidents/{number}/shares", tag = "incidents", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ShareView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn incident_shares(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<ShareView>>> {
    Ok(Json(
        shares::of(&state.db, &actor, RecordKind::Incident, &number).await?,
    ))
}

/// Stops sharing the incident with `person`; the person may leave by themselves. `404` when
/// it is not shared with them.
#[utoipa::path(delete, path = "/api/v1/incidents/{number}/shares/{person}", tag = "incidents",
    params(("number" = String, Path), ("person" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "no longer shared"), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn unshare_incident(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((number, person)): Path<(String, String)>,
) -> AppResult<Response> {
    shares::unshare(&state.db, &actor, RecordKind::Incident, &number, &person).await?;
    Ok(crate::api::no_content())
}

/// Shares the request with a `person`, as for incidents.
#[utoipa::path(post, path = "/api/v1/requests/{number}/shares", tag = "requests", request_body = ShareInput,
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = ShareView, headers(("Location" = String))), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem)))]
async fn share_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    key: IdempotencyKey,
    body: HashedJson<ShareInput>,
) -> AppResult<Response> {
    share(&state, &actor, RecordKind::Request, &number, key, body).await
}

/// The people the request is shared with.
#[utoipa::path(get, path = "/api/v1/requests/{number}/shares", tag = "requests", params(("number" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ShareView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn request_shares(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> AppResult<Json<Vec<ShareView>>> {
    Ok(Json(
        shares::of(&state.db, &actor, RecordKind::Request, &number).await?,
    ))
}

/// Stops sharing the request with `person`, as for incidents.
#[utoipa::path(delete, path = "/api/v1/requests/{number}/shares/{person}", tag = "requests",
    params(("number" = String, Path), ("person" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "no longer shared"), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn unshare_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((number, person)): Path<(String, String)>,
) -> AppResult<Response> {
    shares::unshare(&state.db, &actor, RecordKind::Request, &number, &person).await?;
    Ok(crate::api::no_content())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SharedParams {
    /// Rows per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
}

/// "Shared with me": the incidents and requests shared with the signed-in person, the newest
/// share first.
#[utoipa::path(get, path = "/api/v1/me/shared", tag = "users", params(SharedParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<SharedView>), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn shared_with_me(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<SharedParams>,
) -> AppResult<Json<ListResponse<SharedView>>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .parse()?;
    Ok(Json(shares::with_me(&state.db, &actor, page).await?.into()))
}

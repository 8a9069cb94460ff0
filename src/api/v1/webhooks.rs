//! Webhook endpoints (`service::webhooks`), for admins: register, change, remove, rotate the
//! secret, send a test event, replay events, and read the delivery log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{created_or_replayed, idempotency, versioned};
use crate::api::extract::{ApiActor, ApiJson, HashedJson, IdempotencyKey, IfMatch};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::webhooks::{
    self, AttemptView, EndpointInput, EndpointView, EndpointWithSecret, ReplayInput, ReplayView,
};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(rotate_secret))
        .routes(routes!(send_test))
        .routes(routes!(replay))
        .routes(routes!(attempts))
}

/// Registers an endpoint. The answer holds its signing secret, once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = EndpointInput,
    params(("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 201, body = EndpointWithSecret), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_webhook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    key: IdempotencyKey,
    HashedJson { value, hash }: HashedJson<EndpointInput>,
) -> AppResult<Response> {
    let created = webhooks::create(
        &state.db,
        &actor,
        value,
        &state.settings.webhook_allow,
        idempotency(key, hash),
    )
    .await?;
    created_or_replayed(created, |body| {
        body["id"]
            .as_str()
            .map(|id| format!("/api/v1/webhooks/{id}"))
    })
}

/// The endpoints, the newest first (those of a confidential department only for its members).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = Vec<EndpointView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_webhooks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<EndpointView>>> {
    Ok(Json(webhooks::list(&state.db, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = EndpointView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn get_webhook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let view = webhooks::get(&state.db, &actor, id).await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Changes an endpoint. `"enabled": true` on a disabled one resumes its pending deliveries.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = EndpointInput,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), security(("bearer" = [])),
    responses((status = 200, body = EndpointView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 412, body = EndpointView), (status = 422, body = Problem)))]
async fn update_webhook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
    IfMatch(if_match): IfMatch,
    ApiJson(input): ApiJson<EndpointInput>,
) -> AppResult<Response> {
    let view = webhooks::update(
        &state.db,
        &actor,
        id,
        input,
        if_match,
        &state.settings.webhook_allow,
    )
    .await?;
    Ok(versioned(StatusCode::OK, &view, view.version))
}

/// Removes an endpoint with its pending deliveries and its log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "removed"), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn delete_webhook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
) -> AppResult<StatusCode> {
    webhooks::delete(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, in this answer only. The previous one keeps signing beside it (a
/// second signature in `webhook-signature`) for 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = EndpointWithSecret), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn rotate_secret(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
) -> AppResult<Json<EndpointWithSecret>> {
    Ok(Json(webhooks::rotate_secret(&state.db, &actor, id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestEventView {
    /// The `webhook-id` of the test event; its attempts appear in the delivery log.
    pub event: String,
}

/// Queues a `webhook.test` event for the endpoint; it is sent within a second, like any event.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 202, body = TestEventView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn send_test(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let event = webhooks::send_test(&state.db, &actor, id).await?;
    Ok((StatusCode::ACCEPTED, Json(TestEventView { event })).into_response())
}

/// Sends events again: one (`event`), or all of a time range (`from`, `to`; at most 10,000),
/// as far as the endpoint's types and department take them — also those dead-lettered.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/replay", tag = "webhooks", request_body = ReplayInput,
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 202, body = ReplayView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn replay(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ReplayInput>,
) -> AppResult<Response> {
    let view = webhooks::replay(&state.db, &actor, id, input).await?;
    Ok((StatusCode::ACCEPTED, Json(view)).into_response())
}

/// The delivery log: every attempt of the last 30 days, the newest first, with the status,
/// the time it took and the first 4 KB of the answer.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/attempts", tag = "webhooks",
    params(("id" = Uuid, Path), PageParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<AttemptView>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn attempts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
    Query(page): Query<PageParams>,
) -> AppResult<Json<ListResponse<AttemptView>>> {
    let page = page.parse()?;
    Ok(Json(
        webhooks::attempts(&state.db, &actor, id, page)
            .await?
            .into(),
    ))
}

//! User accounts ("Reference data" in API.md): admins create and change them; users are
//! addressed by e-mail.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::api::extract::{ApiActor, ApiJson};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::users::{self, MeInput, UserInput, UserView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(get_me, update_me))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageParams), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<UserView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn list_users(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<PageParams>,
) -> AppResult<Json<ListResponse<UserView>>> {
    let page = users::list(&state.db, &actor, params.parse()?).await?;
    Ok(Json(page.into()))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserInput, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, description = "the e-mail is taken", body = Problem), (status = 422, body = Problem)))]
async fn create_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<UserInput>,
) -> AppResult<Response> {
    let user = users::create(&state.db, &actor, input).await?;
    Ok(created(&format!("/api/v1/users/{}", user.email), user))
}

#[utoipa::path(get, path = "/api/v1/users/{email}", tag = "users", params(("email" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(email): Path<String>,
) -> AppResult<Json<UserView>> {
    Ok(Json(users::get(&state.db, &actor, &email).await?))
}

#[utoipa::path(patch, path = "/api/v1/users/{email}", tag = "users", params(("email" = String, Path)),
    request_body = UserInput, security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn update_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(email): Path<String>,
    ApiJson(input): ApiJson<UserInput>,
) -> AppResult<Json<UserView>> {
    Ok(Json(users::update(&state.db, &actor, &email, input).await?))
}

/// The user the token acts as changes their own preferences: `notify_email`.
#[utoipa::path(patch, path = "/api/v1/me", tag = "users", request_body = MeInput, security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn update_me(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<MeInput>,
) -> AppResult<Json<UserView>> {
    Ok(Json(users::update_me(&state.db, &actor, input).await?))
}

/// The user the token acts as.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
async fn get_me(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<UserView>> {
    Ok(Json(users::get(&state.db, &actor, &actor.email).await?))
}

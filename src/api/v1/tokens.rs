//! API tokens: made with a password (rate-limited like the sign-in page) or with a token,
//! listed without their secrets, revoked by their owner or an admin.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::created;
use crate::api::extract::{ApiActor, ApiJson};
use crate::error::{AppError, AppResult, Problem};
use crate::http::ClientAddress;
use crate::service::auth::{self, NewToken, TokenView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for, e.g. `monitoring`.
    pub name: String,
    /// Without a bearer token: the e-mail to sign in with. With one, an admin may name
    /// another user to make the token for.
    pub email: Option<String>,
    /// Without a bearer token: the password.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenListParams {
    /// `true`: every user's tokens (admins only).
    #[serde(default)]
    pub all: bool,
}

/// Creates a token. Authenticate with a bearer token, or with `email` and `password` in the
/// body; failed passwords count towards the same limit as the sign-in page (`429`).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenRequest,
    responses((status = 201, description = "the secret is in this response only", body = NewToken),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
              (status = 429, description = "too many failed sign-ins", body = Problem)))]
async fn create_token(
    State(state): State<AppState>,
    actor: Option<ApiActor>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> AppResult<Response> {
    let (actor, owner) = if let Some(ApiActor(actor)) = actor {
        (actor, request.email.as_deref())
    } else {
        let (Some(email), Some(password)) = (&request.email, &request.password) else {
            return Err(AppError::Unauthorized);
        };
        (
            auth::sign_in(&state.db, email, password, &address).await?,
            None,
        )
    };
    let token = auth::create_token(&state.db, &actor, owner, &request.name).await?;
    Ok(created(
        &format!("/api/v1/tokens/{}", token.token.id),
        token,
    ))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenListParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_tokens(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<TokenListParams>,
) -> AppResult<Json<Vec<TokenView>>> {
    Ok(Json(
        auth::list_tokens(&state.db, &actor, params.all).await?,
    ))
}

/// Revokes a token at once: requests with it answer `401` from now on.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = TokenView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<Uuid>,
) -> AppResult<Json<TokenView>> {
    Ok(Json(auth::revoke_token(&state.db, &actor, id).await?))
}

//! The start page and the user's own account: profile and API tokens.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::form::FormState;
use super::{Ctx, SignedIn, render, see_other};
use crate::error::AppResult;
use crate::service::{self, auth::TokenView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/account", get(account))
        .route("/account/tokens", post(create_token))
        .route("/account/notifications", post(notifications))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    role: String,
    groups: Vec<String>,
}

/// Staff start here; callers at the portal, their front door (they never see the agent pages'
/// start).
async fn home(SignedIn { ctx, actor }: SignedIn) -> Response {
    if !actor.can(crate::domain::Permission::Read) {
        return super::see_other("/portal");
    }
    let role = ctx.tr.t(actor.role.label_key()).to_owned();
    render(
        StatusCode::OK,
        &HomePage {
            ctx,
            role,
            groups: actor.groups,
        },
    )
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    /// The reader as the API shows them (their notification preference).
    me: service::users::UserView,
    tokens: Vec<TokenView>,
    form: FormState,
    /// The secret of a token just made, shown this once.
    new_secret: Option<String>,
}

async fn account(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    let tokens = service::auth::list_tokens(&state.db, &actor, false).await?;
    let me = service::users::get(&state.db, &actor, &actor.email).await?;
    Ok(render(
        StatusCode::OK,
        &AccountPage {
            ctx,
            me,
            tokens,
            form: FormState::default(),
            new_secret: None,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenForm {
    name: String,
}

/// Makes a token and shows its secret in this response only (never through the session).
async fn create_token(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Form(input): Form<TokenForm>,
) -> AppResult<Response> {
    let mut form = FormState::with_values([("name".to_owned(), input.name.clone())]);
    let (status, new_secret) =
        match service::auth::create_token(&state.db, &actor, None, &input.name).await {
            Ok(token) => {
                form = FormState::default();
                (StatusCode::CREATED, Some(token.secret))
            }
            Err(error) => {
                form.absorb(error, ctx.tr, "name")?;
                (StatusCode::UNPROCESSABLE_ENTITY, None)
            }
        };
    let tokens = service::auth::list_tokens(&state.db, &actor, false).await?;
    let me = service::users::get(&state.db, &actor, &actor.email).await?;
    Ok(render(
        status,
        &AccountPage {
            ctx,
            me,
            tokens,
            form,
            new_secret,
        },
    ))
}

/// The reader turns their e-mail notifications on or off.
async fn notifications(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let on = fields.iter().any(|(k, v)| k == "notify_email" && v == "on");
    let input = service::users::MeInput {
        notify_email: Some(on),
    };
    service::users::update_me(&state.db, &actor, input).await?;
    ctx.flash("success", ctx.tr.t("account.saved").to_owned())
        .await?;
    Ok(see_other("/account"))
}

async fn revoke_token(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let token = service::auth::revoke_token(&state.db, &actor, id).await?;
    ctx.flash("success", ctx.tr.t1("flash.token_revoked", &token.name))
        .await?;
    Ok(see_other("/account"))
}

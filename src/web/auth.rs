//! Signing in and out, and choosing the language.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::context::LOCALE_COOKIE;
use super::form::FormState;
use super::{Ctx, render, safe_next, see_other};
use crate::domain::Locale;
use crate::error::{AppError, AppResult};
use crate::http::ClientAddress;
use crate::service;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/locale", post(set_locale))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    form: FormState,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
struct NextParam {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(params): Query<NextParam>) -> Response {
    let next = safe_next(params.next.as_deref()).to_owned();
    if ctx.user.is_some() {
        return see_other(&next);
    }
    render(
        StatusCode::OK,
        &LoginPage {
            ctx,
            form: FormState::default(),
            next,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    Form(input): Form<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(input.next.as_deref()).to_owned();
    match service::auth::sign_in(&state.db, &input.email, &input.password, &address).await {
        Ok(actor) => {
            ctx.sign_in(&actor).await?;
            let mut response = see_other(&next);
            set_locale_cookie(&mut response, actor.locale, state.settings.secure_cookies);
            Ok(response)
        }
        Err(error @ (AppError::Unauthorized | AppError::TooManyRequests { .. })) => {
            let (status, key) = match error {
                AppError::TooManyRequests { .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, "error.login_rate_limited")
                }
                _ => (StatusCode::UNAUTHORIZED, "error.login_failed"),
            };
            let mut form = FormState::with_values([("email".to_owned(), input.email)]);
            form.message = Some(ctx.tr.t(key).to_owned());
            Ok(render(status, &LoginPage { ctx, form, next }))
        }
        Err(other) => Err(other),
    }
}

async fn logout(ctx: Ctx) -> AppResult<Response> {
    ctx.sign_out().await?;
    Ok(see_other("/login"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LocaleForm {
    locale: String,
    next: Option<String>,
}

/// Switches the language: stored on the account when signed in, and in a cookie.
async fn set_locale(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<LocaleForm>,
) -> AppResult<Response> {
    let locale = Locale::parse(&input.locale).map_err(|key| AppError::field("locale", key))?;
    if let Some(actor) = &ctx.user {
        service::auth::set_locale(&state.db, actor, locale).await?;
    }
    let mut response = see_other(safe_next(input.next.as_deref()));
    set_locale_cookie(&mut response, locale, state.settings.secure_cookies);
    Ok(response)
}

/// The language cookie, `Secure` like the session cookie when the site is served over HTTPS.
fn set_locale_cookie(response: &mut Response, locale: Locale, secure: bool) {
    let cookie = format!(
        "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        locale.as_str(),
        if secure { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

//! Admin pages for users: list, create, edit (role, groups, language), deactivate.

use super::super::form::{Choice, Fields, FormState, checkbox, choices, field, ticked};
use super::super::{Ctx, SignedIn, render, see_other};
use super::{ListParams, require_admin};
use crate::domain::{Locale, Role};
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::reference::{self, GroupView};
use crate::service::users::{self, UserInput, UserView};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserView>,
    groups: Vec<GroupView>,
    roles: Vec<Choice>,
    locales: Vec<Choice>,
    next: Option<String>,
    form: FormState,
    /// Groups ticked in the form being re-shown.
    chosen_groups: Vec<String>,
}

impl UsersPage {
    fn is_chosen(&self, key: &str) -> bool {
        self.chosen_groups.iter().any(|g| g == key)
    }
}

pub(super) async fn users_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let mut form = FormState::default();
    form.set("role", "agent");
    form.set("locale", ctx.tr.lang());
    users_list(
        &state,
        ctx,
        &actor,
        &params,
        form,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn users_list(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    params: &ListParams,
    form: FormState,
    chosen_groups: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let page = users::list(&state.db, actor, params.page()).await?;
    let groups = reference::all_groups(&state.db, actor).await?;
    let (roles, locales) = (choices(&ctx, Role::ALL), choices(&ctx, Locale::ALL));
    let page = UsersPage {
        ctx,
        users: page.items,
        groups,
        roles,
        locales,
        next: page.next,
        form,
        chosen_groups,
    };
    Ok(render(status, &page))
}

fn user_input(fields: &[(String, String)], creating: bool) -> UserInput {
    let groups = fields
        .iter()
        .filter(|(k, _)| k == "groups")
        .map(|(_, v)| v.clone())
        .collect();
    UserInput {
        email: if creating {
            field(fields, "email")
        } else {
            None
        },
        name: field(fields, "name"),
        role: field(fields, "role"),
        groups: Some(groups),
        // An empty password field means "no password" on create and "unchanged" on edit.
        password: field(fields, "password").filter(|p| !p.is_empty()),
        locale: field(fields, "locale"),
        manager: field(fields, "manager"),
        active: if creating {
            None
        } else {
            Some(checkbox(fields, "active"))
        },
    }
}

/// The form values to show again: everything typed except the password.
fn retyped(fields: Vec<(String, String)>) -> (FormState, Vec<String>) {
    let groups = fields
        .iter()
        .filter(|(k, _)| k == "groups")
        .map(|(_, v)| v.clone())
        .collect();
    let form = FormState::with_values(
        fields
            .into_iter()
            .filter(|(k, _)| k != "password" && k != "groups"),
    );
    (form, groups)
}

pub(super) async fn create_user(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    match users::create(&state.db, &actor, user_input(&fields, true)).await {
        Ok(user) => {
            ctx.flash("success", ctx.tr.t1("flash.user_created", &user.email))
                .await?;
            Ok(see_other("/admin/users"))
        }
        Err(error) => {
            let (mut form, chosen) = retyped(fields);
            form.absorb(error, ctx.tr, "email")?;
            users_list(
                &state,
                ctx,
                &actor,
                &ListParams::default(),
                form,
                chosen,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user_edit.html")]
struct UserEditPage {
    ctx: Ctx,
    user: UserView,
    groups: Vec<GroupView>,
    roles: Vec<Choice>,
    locales: Vec<Choice>,
    form: FormState,
    chosen_groups: Vec<String>,
}

impl UserEditPage {
    fn is_chosen(&self, key: &str) -> bool {
        self.chosen_groups.iter().any(|g| g == key)
    }
}

pub(super) async fn user_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(email): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let user = users::get(&state.db, &actor, &email).await?;
    let mut form = FormState::default();
    form.set("name", user.name.clone());
    form.set("role", user.role.as_str());
    form.set("locale", user.locale.as_str());
    form.set("manager", user.manager.clone().unwrap_or_default());
    form.set("active", ticked(user.active));
    let chosen_groups = user.groups.clone();
    edit_user_page(
        &state,
        ctx,
        &actor,
        user,
        form,
        chosen_groups,
        StatusCode::OK,
    )
    .await
}

async fn edit_user_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    user: UserView,
    form: FormState,
    chosen_groups: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let groups = reference::all_groups(&state.db, actor).await?;
    let (roles, locales) = (choices(&ctx, Role::ALL), choices(&ctx, Locale::ALL));
    Ok(render(
        status,
        &UserEditPage {
            ctx,
            user,
            groups,
            roles,
            locales,
            form,
            chosen_groups,
        },
    ))
}

pub(super) async fn update_user(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(email): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    match users::update(&state.db, &actor, &email, user_input(&fields, false)).await {
        Ok(user) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &user.email))
                .await?;
            Ok(see_other("/admin/users"))
        }
        Err(error) => {
            let user = users::get(&state.db, &actor, &email).await?;
            let (mut form, chosen) = retyped(fields);
            form.absorb(error, ctx.tr, "name")?;
            edit_user_page(
                &state,
                ctx,
                &actor,
                user,
                form,
                chosen,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

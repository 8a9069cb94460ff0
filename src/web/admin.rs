//! Admin pages for reference data: groups, services and users (list, create, edit,
//! deactivate). They call the same service functions as `/api/v1`, so the same rules apply.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::form::{Choice, Fields, FormState, checkbox, choices, field, ticked};
use super::{Ctx, SignedIn, render, see_other};
use crate::domain::{Locale, Permission, Role};
use crate::error::AppResult;
use crate::service::reference::{self, GroupInput, GroupView, ServiceInput, ServiceView};
use crate::service::users::{self, UserInput, UserView};
use crate::service::{Actor, PageRequest};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/groups", get(groups_page).post(create_group))
        .route("/admin/groups/{key}", get(group_page).post(update_group))
        .route("/admin/services", get(services_page).post(create_service))
        .route(
            "/admin/services/{key}",
            get(service_page).post(update_service),
        )
        .route("/admin/users", get(users_page).post(create_user))
        .route("/admin/users/{email}", get(user_page).post(update_user))
}

/// Rows per admin list page.
const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    after: Option<String>,
}

impl ListParams {
    fn page(&self) -> PageRequest {
        PageRequest {
            after: self.after.clone().filter(|a| !a.is_empty()),
            limit: PAGE_SIZE,
        }
    }
}

/// The admin pages refuse non-admins before reading anything.
fn require_admin(actor: &Actor) -> AppResult<()> {
    actor.require(Permission::Administer)
}

// ---------------------------------------------------------------- groups

#[derive(Template)]
#[template(path = "admin/groups.html")]
struct GroupsPage {
    ctx: Ctx,
    groups: Vec<GroupView>,
    next: Option<String>,
    form: FormState,
}

async fn groups_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    groups_list(
        &state,
        ctx,
        &actor,
        &params,
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

async fn groups_list(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    params: &ListParams,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let page = reference::list_groups(&state.db, actor, params.page()).await?;
    Ok(render(
        status,
        &GroupsPage {
            ctx,
            groups: page.items,
            next: page.next,
            form,
        },
    ))
}

async fn create_group(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let input = GroupInput {
        key: field(&fields, "key"),
        name: field(&fields, "name"),
        department: field(&fields, "department"),
        active: None,
    };
    match reference::create_group(&state.db, &actor, input).await {
        Ok(group) => {
            ctx.flash("success", ctx.tr.t1("flash.group_created", &group.name))
                .await?;
            Ok(see_other("/admin/groups"))
        }
        Err(error) => {
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "key")?;
            groups_list(
                &state,
                ctx,
                &actor,
                &ListParams::default(),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/group_edit.html")]
struct GroupEditPage {
    ctx: Ctx,
    group: GroupView,
    form: FormState,
}

async fn group_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let group = reference::get_group(&state.db, &actor, &key).await?;
    let mut form = FormState::default();
    form.set("name", group.name.clone());
    form.set("department", group.department.clone());
    form.set("active", ticked(group.active));
    Ok(render(StatusCode::OK, &GroupEditPage { ctx, group, form }))
}

async fn update_group(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let input = GroupInput {
        key: None,
        name: field(&fields, "name"),
        department: field(&fields, "department"),
        active: Some(checkbox(&fields, "active")),
    };
    match reference::update_group(&state.db, &actor, &key, input).await {
        Ok(group) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &group.name))
                .await?;
            Ok(see_other("/admin/groups"))
        }
        Err(error) => {
            let group = reference::get_group(&state.db, &actor, &key).await?;
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "name")?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &GroupEditPage { ctx, group, form },
            ))
        }
    }
}

// ---------------------------------------------------------------- services

#[derive(Template)]
#[template(path = "admin/services.html")]
struct ServicesPage {
    ctx: Ctx,
    services: Vec<ServiceView>,
    groups: Vec<GroupView>,
    next: Option<String>,
    form: FormState,
}

async fn services_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    services_list(
        &state,
        ctx,
        &actor,
        &params,
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

async fn services_list(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    params: &ListParams,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let page = reference::list_services(&state.db, actor, params.page()).await?;
    let groups = reference::all_groups(&state.db, actor).await?;
    Ok(render(
        status,
        &ServicesPage {
            ctx,
            services: page.items,
            groups,
            next: page.next,
            form,
        },
    ))
}

async fn create_service(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let input = ServiceInput {
        key: field(&fields, "key"),
        name: field(&fields, "name"),
        owner_group: field(&fields, "owner_group"),
        active: None,
    };
    match reference::create_service(&state.db, &actor, input).await {
        Ok(service) => {
            ctx.flash("success", ctx.tr.t1("flash.service_created", &service.name))
                .await?;
            Ok(see_other("/admin/services"))
        }
        Err(error) => {
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "key")?;
            services_list(
                &state,
                ctx,
                &actor,
                &ListParams::default(),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/service_edit.html")]
struct ServiceEditPage {
    ctx: Ctx,
    service: ServiceView,
    groups: Vec<GroupView>,
    form: FormState,
}

async fn service_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let service = reference::get_service(&state.db, &actor, &key).await?;
    let groups = reference::all_groups(&state.db, &actor).await?;
    let mut form = FormState::default();
    form.set("name", service.name.clone());
    form.set(
        "owner_group",
        service.owner_group.clone().unwrap_or_default(),
    );
    form.set("active", ticked(service.active));
    Ok(render(
        StatusCode::OK,
        &ServiceEditPage {
            ctx,
            service,
            groups,
            form,
        },
    ))
}

async fn update_service(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let input = ServiceInput {
        key: None,
        name: field(&fields, "name"),
        owner_group: Some(field(&fields, "owner_group").unwrap_or_default()),
        active: Some(checkbox(&fields, "active")),
    };
    match reference::update_service(&state.db, &actor, &key, input).await {
        Ok(service) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &service.name))
                .await?;
            Ok(see_other("/admin/services"))
        }
        Err(error) => {
            let service = reference::get_service(&state.db, &actor, &key).await?;
            let groups = reference::all_groups(&state.db, &actor).await?;
            let mut form = FormState::with_values(fields);
            form.absorb(error, ctx.tr, "name")?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ServiceEditPage {
                    ctx,
                    service,
                    groups,
                    form,
                },
            ))
        }
    }
}

// ---------------------------------------------------------------- users

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

async fn users_page(
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

async fn create_user(
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

async fn user_page(
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

async fn update_user(
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

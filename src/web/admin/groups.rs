//! Admin pages for groups: list, create, edit, deactivate.

use super::super::form::{Fields, FormState, checkbox, field, ticked};
use super::super::{Ctx, SignedIn, render, see_other};
use super::{ListParams, require_admin};
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::reference::{self, GroupInput, GroupView};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "admin/groups.html")]
struct GroupsPage {
    ctx: Ctx,
    groups: Vec<GroupView>,
    next: Option<String>,
    form: FormState,
    /// The departments' names, offered while typing a group's department.
    departments: Vec<String>,
}

pub(super) async fn groups_page(
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
    let departments = reference::data(&state.db)
        .await?
        .departments
        .iter()
        .map(|d| d.name.clone())
        .collect();
    Ok(render(
        status,
        &GroupsPage {
            ctx,
            groups: page.items,
            next: page.next,
            form,
            departments,
        },
    ))
}

pub(super) async fn create_group(
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
            let form = FormState::refused(fields, error, ctx.tr, "key")?;
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

pub(super) async fn group_page(
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

pub(super) async fn update_group(
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
            let form = FormState::refused(fields, error, ctx.tr, "name")?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &GroupEditPage { ctx, group, form },
            ))
        }
    }
}

//! Admin pages for services: list, create, edit, deactivate.

use super::super::form::{Fields, FormState, checkbox, field, ticked};
use super::super::{Ctx, SignedIn, render, see_other};
use super::{ListParams, require_admin};
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::reference::{self, GroupView, ServiceInput, ServiceView};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "admin/services.html")]
struct ServicesPage {
    ctx: Ctx,
    services: Vec<ServiceView>,
    groups: Vec<GroupView>,
    next: Option<String>,
    form: FormState,
}

pub(super) async fn services_page(
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

pub(super) async fn create_service(
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
            let form = FormState::refused(fields, error, ctx.tr, "key")?;
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

pub(super) async fn service_page(
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

pub(super) async fn update_service(
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
            let form = FormState::refused(fields, error, ctx.tr, "name")?;
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

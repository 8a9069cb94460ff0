//! Admin pages for departments: list, create, rename, mark confidential.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::require_admin;
use crate::error::AppResult;
use crate::service::departments::{self, DepartmentInput, DepartmentView};
use crate::service::{Actor, PageRequest};
use crate::state::AppState;
use crate::web::form::{Fields, FormState, checkbox, field, ticked};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "admin/departments.html")]
struct DepartmentsPage {
    ctx: Ctx,
    departments: Vec<DepartmentView>,
    form: FormState,
}

/// Every department: a desk has a handful.
async fn all(state: &AppState, actor: &Actor) -> AppResult<Vec<DepartmentView>> {
    let page = PageRequest {
        after: None,
        limit: 200,
    };
    Ok(departments::list(&state.db, actor, page).await?.items)
}

pub(super) async fn departments_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let departments = all(&state, &actor).await?;
    let page = DepartmentsPage {
        ctx,
        departments,
        form: FormState::default(),
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn create_department(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let input = DepartmentInput {
        key: field(&fields, "key"),
        name: field(&fields, "name"),
        confidential: Some(checkbox(&fields, "confidential")),
    };
    match departments::create(&state.db, &actor, input).await {
        Ok(department) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &department.name))
                .await?;
            Ok(see_other("/admin/departments"))
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "key")?;
            let departments = all(&state, &actor).await?;
            let page = DepartmentsPage {
                ctx,
                departments,
                form,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "admin/department_edit.html")]
struct DepartmentEditPage {
    ctx: Ctx,
    department: DepartmentView,
    form: FormState,
}

pub(super) async fn department_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let department = departments::get(&state.db, &actor, &key).await?;
    let mut form = FormState::default();
    form.set("name", department.name.clone());
    form.set("confidential", ticked(department.confidential));
    let page = DepartmentEditPage {
        ctx,
        department,
        form,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn update_department(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    require_admin(&actor)?;
    let input = DepartmentInput {
        key: None,
        name: field(&fields, "name"),
        confidential: Some(checkbox(&fields, "confidential")),
    };
    match departments::update(&state.db, &actor, &key, input).await {
        Ok(department) => {
            ctx.flash("success", ctx.tr.t1("flash.saved", &department.name))
                .await?;
            Ok(see_other("/admin/departments"))
        }
        Err(error) => {
            let department = departments::get(&state.db, &actor, &key).await?;
            let form = FormState::refused(fields, error, ctx.tr, "name")?;
            let page = DepartmentEditPage {
                ctx,
                department,
                form,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

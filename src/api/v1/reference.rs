//! Departments, groups and services ("Reference data" in API.md). Everyone signed in reads; admins write.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::api::extract::{ApiActor, ApiJson};
use crate::api::pagination::{ListResponse, PageParams};
use crate::error::{AppResult, Problem};
use crate::service::departments::{self, DepartmentInput, DepartmentView};
use crate::service::reference::{self, GroupInput, GroupView, ServiceInput, ServiceView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_departments, create_department))
        .routes(routes!(get_department, update_department))
        .routes(routes!(list_groups, create_group))
        .routes(routes!(get_group, update_group))
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service))
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "reference", params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = ListResponse<DepartmentView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn list_departments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<PageParams>,
) -> AppResult<Json<ListResponse<DepartmentView>>> {
    let page = departments::list(&state.db, &actor, params.parse()?).await?;
    Ok(Json(page.into()))
}

/// Creates a department; groups also create theirs by naming it (`"department": "HR"`).
#[utoipa::path(post, path = "/api/v1/departments", tag = "reference", request_body = DepartmentInput,
    security(("bearer" = [])),
    responses((status = 201, body = DepartmentView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, description = "the key is taken", body = Problem), (status = 422, body = Problem)))]
async fn create_department(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<DepartmentInput>,
) -> AppResult<Response> {
    let department = departments::create(&state.db, &actor, input).await?;
    Ok(created(
        &format!("/api/v1/departments/{}", department.key),
        department,
    ))
}

#[utoipa::path(get, path = "/api/v1/departments/{key}", tag = "reference", params(("key" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = DepartmentView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_department(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
) -> AppResult<Json<DepartmentView>> {
    Ok(Json(departments::get(&state.db, &actor, &key).await?))
}

/// Renames a department or marks it confidential (admins; they read its records only as
/// members of its groups).
#[utoipa::path(patch, path = "/api/v1/departments/{key}", tag = "reference", params(("key" = String, Path)),
    request_body = DepartmentInput, security(("bearer" = [])),
    responses((status = 200, body = DepartmentView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_department(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<DepartmentInput>,
) -> AppResult<Json<DepartmentView>> {
    Ok(Json(
        departments::update(&state.db, &actor, &key, input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "reference", params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = ListResponse<GroupView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn list_groups(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<PageParams>,
) -> AppResult<Json<ListResponse<GroupView>>> {
    let page = reference::list_groups(&state.db, &actor, params.parse()?).await?;
    Ok(Json(page.into()))
}

#[utoipa::path(post, path = "/api/v1/groups", tag = "reference", request_body = GroupInput,
    security(("bearer" = [])),
    responses((status = 201, body = GroupView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, description = "the key is taken", body = Problem), (status = 422, body = Problem)))]
async fn create_group(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<GroupInput>,
) -> AppResult<Response> {
    let group = reference::create_group(&state.db, &actor, input).await?;
    Ok(created(&format!("/api/v1/groups/{}", group.key), group))
}

#[utoipa::path(get, path = "/api/v1/groups/{key}", tag = "reference", params(("key" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = GroupView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_group(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
) -> AppResult<Json<GroupView>> {
    Ok(Json(reference::get_group(&state.db, &actor, &key).await?))
}

#[utoipa::path(patch, path = "/api/v1/groups/{key}", tag = "reference", params(("key" = String, Path)),
    request_body = GroupInput, security(("bearer" = [])),
    responses((status = 200, body = GroupView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn update_group(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<GroupInput>,
) -> AppResult<Json<GroupView>> {
    Ok(Json(
        reference::update_group(&state.db, &actor, &key, input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/services", tag = "reference", params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = ListResponse<ServiceView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn list_services(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<PageParams>,
) -> AppResult<Json<ListResponse<ServiceView>>> {
    let page = reference::list_services(&state.db, &actor, params.parse()?).await?;
    Ok(Json(page.into()))
}

#[utoipa::path(post, path = "/api/v1/services", tag = "reference", request_body = ServiceInput,
    security(("bearer" = [])),
    responses((status = 201, body = ServiceView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, description = "the key is taken", body = Problem), (status = 422, body = Problem)))]
async fn create_service(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ServiceInput>,
) -> AppResult<Response> {
    let service = reference::create_service(&state.db, &actor, input).await?;
    Ok(created(
        &format!("/api/v1/services/{}", service.key),
        service,
    ))
}

#[utoipa::path(get, path = "/api/v1/services/{key}", tag = "reference", params(("key" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ServiceView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_service(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
) -> AppResult<Json<ServiceView>> {
    Ok(Json(reference::get_service(&state.db, &actor, &key).await?))
}

#[utoipa::path(patch, path = "/api/v1/services/{key}", tag = "reference", params(("key" = String, Path)),
    request_body = ServiceInput, security(("bearer" = [])),
    responses((status = 200, body = ServiceView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn update_service(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<ServiceInput>,
) -> AppResult<Json<ServiceView>> {
    Ok(Json(
        reference::update_service(&state.db, &actor, &key, input).await?,
    ))
}

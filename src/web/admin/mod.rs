//! Admin pages for reference data: departments, groups, services and users (list, create, edit,
//! deactivate), and the service levels (calendars and policies, `sla.rs`). They call the same service functions as `/api/v1`, so the same rules apply.

use axum::Router;
use axum::routing::get;
use serde::Deserialize;

use crate::domain::Permission;
use crate::error::AppResult;
use crate::service::{Actor, PageRequest};
use crate::state::AppState;

mod departments;
mod groups;
mod services;
mod sla;
mod users;

use departments::{create_department, department_page, departments_page, update_department};
use groups::{create_group, group_page, groups_page, update_group};
use services::{create_service, service_page, services_page, update_service};
use users::{create_user, update_user, user_page, users_page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/departments",
            get(departments_page).post(create_department),
        )
        .route(
            "/admin/departments/{key}",
            get(department_page).post(update_department),
        )
        .route("/admin/groups", get(groups_page).post(create_group))
        .route("/admin/groups/{key}", get(group_page).post(update_group))
        .route("/admin/services", get(services_page).post(create_service))
        .route(
            "/admin/services/{key}",
            get(service_page).post(update_service),
        )
        .route("/admin/users", get(users_page).post(create_user))
        .route("/admin/users/{email}", get(user_page).post(update_user))
        .merge(sla::router())
}

/// Rows per admin list page.
const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListParams {
    after: Option<String>,
}

impl ListParams {
    pub(super) fn page(&self) -> PageRequest {
        PageRequest {
            after: self.after.clone().filter(|a| !a.is_empty()),
            limit: PAGE_SIZE,
        }
    }
}

/// The admin pages refuse non-admins before reading anything.
pub(super) fn require_admin(actor: &Actor) -> AppResult<()> {
    actor.require(Permission::Administer)
}

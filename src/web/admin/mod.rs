//! Admin pages for reference data: departments, groups, services and users (list, create, edit,
//! deactivate), the service levels (calendars and policies, `sla.rs`) and webhook endpoints
//! (`webhooks.rs`). They call the same service functions as `/api/v1`, so the same rules apply.

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::domain::Permission;
use crate::error::AppResult;
use crate::service::{Actor, PageRequest};
use crate::state::AppState;

mod departments;
mod groups;
mod mail;
mod services;
mod sla;
mod users;
mod webhooks;

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
        .route("/admin/mail", get(mail::mail_page))
        .route("/admin/mail/mailboxes", post(mail::create_mailbox))
        .route(
            "/admin/mail/mailboxes/{key}",
            get(mail::mailbox_page).post(mail::update_mailbox),
        )
        .route("/admin/mail/messages/{id}/retry", post(mail::retry_message))
        .route("/admin/mail/outbound/{id}/retry", post(mail::send_again))
        .route(
            "/admin/webhooks",
            get(webhooks::webhooks_page).post(webhooks::create_webhook),
        )
        .route(
            "/admin/webhooks/{id}",
            get(webhooks::webhook_page).post(webhooks::update_webhook),
        )
        .route(
            "/admin/webhooks/{id}/rotate-secret",
            post(webhooks::rotate_secret),
        )
        .route("/admin/webhooks/{id}/test", post(webhooks::send_test))
        .route("/admin/webhooks/{id}/replay", post(webhooks::replay))
        .route(
            "/admin/webhooks/{id}/delete",
            post(webhooks::delete_webhook),
        )
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

//! Reference data: assignment groups and services. Everyone reads them; admins change them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Actor, Page, PageRequest};
use crate::db::Db;
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::reference::Reference;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub key: String,
    pub name: String,
    /// The department the group works for, such as `IT`, `HR` or `Facilities`.
    pub department: String,
    pub active: bool,
    pub member_count: i64,
}

impl From<store::groups::GroupRow> for GroupView {
    fn from(row: store::groups::GroupRow) -> Self {
        GroupView {
            key: row.key,
            name: row.name,
            department: row.department,
            active: row.active,
            member_count: row.member_count,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Lowercase slug such as `service-desk`; required on create, fixed afterwards.
    pub key: Option<String>,
    /// Required on create.
    pub name: Option<String>,
    /// Free text such as `IT`, `HR`, `Facilities`; required on create.
    pub department: Option<String>,
    pub active: Option<bool>,
}

pub async fn create_group(db: &PgPool, actor: &Actor, input: GroupInput) -> AppResult<GroupView> {
    actor.require(Permission::Administer)?;
    let mut invalid = Invalid::default();
    let (key, name) = crate::service::fields::new_key_and_name(
        &mut invalid,
        input.key.as_deref(),
        input.name.as_deref(),
        200,
    );
    let department = invalid.check(
        "department",
        required_text(input.department.as_deref().unwrap_or_default(), 100),
    );
    if input.active == Some(false) {
        invalid.add("active", "error.create_inactive");
    }
    let (Some(key), Some(name), Some(department)) = (key, name, department) else {
        return Err(invalid.into());
    };
    invalid.finish(|| ())?;
    let mut tx = db.begin().await?;
    store::groups::insert(&mut tx, key.as_str(), &name, &department).await?;
    let row = store::groups::find_by_key(&mut tx, key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(group.key = %row.key, "group created");
    Ok(row.into())
}

pub async fn update_group(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    input: GroupInput,
) -> AppResult<GroupView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let mut row = store::groups::find_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut invalid = Invalid::default();
    crate::service::fields::refuse_new_key(&mut invalid, input.key.as_deref(), &row.key);
    if let Some(name) = &input.name
        && let Some(name) = invalid.check("name", required_text(name, 200))
    {
        row.name = name;
    }
    if let Some(department) = &input.department
        && let Some(department) = invalid.check("department", required_text(department, 100))
    {
        row.department = department;
    }
    if let Some(active) = input.active {
        row.active = active;
    }
    invalid.finish(|| ())?;
    store::groups::update(&mut tx, &row).await?;
    tx.commit().await?;
    tracing::info!(group.key = %row.key, "group changed");
    Ok(row.into())
}

pub async fn get_group(db: &PgPool, actor: &Actor, key: &str) -> AppResult<GroupView> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    store::groups::find_by_key(&mut conn, key)
        .await?
        .map(GroupView::from)
        .ok_or(AppError::NotFound)
}

pub async fn list_groups(
    db: &PgPool,
    actor: &Actor,
    page: PageRequest,
) -> AppResult<Page<GroupView>> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    let rows = store::groups::list(&mut conn, page.after.as_deref(), page.limit).await?;
    Ok(Page::from_rows(
        rows,
        page.limit,
        |g| g.key.clone(),
        GroupView::from,
    ))
}

/// The reference data (groups, services, SLA policies and calendars): the copy kept in memory
/// when it may be trusted, else read and kept (`store::reference`).
pub async fn data(db: &Db) -> AppResult<Arc<Reference>> {
    if let Some(kept) = db.reference().get() {
        return Ok(kept);
    }
    let generation = store::reference_generation::generation();
    let mut conn = db.read().await?;
    let reference = Arc::new(store::reference::load(&mut conn).await?);
    conn.done();
    db.reference().keep(generation, reference.clone());
    Ok(reference)
}

/// Every group, for pickers in forms.
pub async fn all_groups(db: &Db, actor: &Actor) -> AppResult<Vec<GroupView>> {
    actor.require(Permission::ReadOwn)?;
    let reference = data(db).await?;
    Ok(reference
        .groups
        .iter()
        .cloned()
        .map(GroupView::from)
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceView {
    pub key: String,
    pub name: String,
    /// Key of the group that owns the service.
    pub owner_group: Option<String>,
    pub active: bool,
}

impl From<store::services::ServiceRow> for ServiceView {
    fn from(row: store::services::ServiceRow) -> Self {
        ServiceView {
            key: row.key,
            name: row.name,
            owner_group: row.owner_group,
            active: row.active,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// Lowercase slug such as `vpn`; required on create, fixed afterwards.
    pub key: Option<String>,
    /// Required on create.
    pub name: Option<String>,
    /// Key of the owning group; `null` or empty for none.
    pub owner_group: Option<String>,
    pub active: Option<bool>,
}

pub async fn create_service(
    db: &PgPool,
    actor: &Actor,
    input: ServiceInput,
) -> AppResult<ServiceView> {
    actor.require(Permission::Administer)?;
    let mut invalid = Invalid::default();
    let (key, name) = crate::service::fields::new_key_and_name(
        &mut invalid,
        input.key.as_deref(),
        input.name.as_deref(),
        200,
    );
    if input.active == Some(false) {
        invalid.add("active", "error.create_inactive");
    }
    let mut tx = db.begin().await?;
    let owner = owner_group_id(&mut tx, input.owner_group.as_deref(), &mut invalid).await?;
    let (Some(key), Some(name)) = (key, name) else {
        return Err(invalid.into());
    };
    invalid.finish(|| ())?;
    store::services::insert(&mut tx, key.as_str(), &name, owner).await?;
    let row = store::services::find_by_key(&mut tx, key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(service.key = %row.key, "service created");
    Ok(row.into())
}

pub async fn update_service(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    input: ServiceInput,
) -> AppResult<ServiceView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let mut row = store::services::find_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut invalid = Invalid::default();
    crate::service::fields::refuse_new_key(&mut invalid, input.key.as_deref(), &row.key);
    if let Some(name) = &input.name
        && let Some(name) = invalid.check("name", required_text(name, 200))
    {
        row.name = name;
    }
    if input.owner_group.is_some() {
        row.owner_group_id =
            owner_group_id(&mut tx, input.owner_group.as_deref(), &mut invalid).await?;
    }
    if let Some(active) = input.active {
        row.active = active;
    }
    invalid.finish(|| ())?;
    store::services::update(&mut tx, &row).await?;
    let row = store::services::find_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(service.key = %row.key, "service changed");
    Ok(row.into())
}

pub async fn get_service(db: &PgPool, actor: &Actor, key: &str) -> AppResult<ServiceView> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    store::services::find_by_key(&mut conn, key)
        .await?
        .map(ServiceView::from)
        .ok_or(AppError::NotFound)
}

pub async fn list_services(
    db: &Db,
    actor: &Actor,
    page: PageRequest,
) -> AppResult<Page<ServiceView>> {
    actor.require(Permission::ReadOwn)?;
    let rows = if page.after.is_none() {
        // The first page, as forms and most callers ask for it, from the kept copy.
        let reference = data(db).await?;
        let take = usize::try_from(page.limit + 1).unwrap_or(usize::MAX);
        reference.services.iter().take(take).cloned().collect()
    } else {
        let mut conn = db.read().await?;
        let rows = store::services::list(&mut conn, page.after.as_deref(), page.limit).await?;
        conn.done();
        rows
    };
    Ok(Page::from_rows(
        rows,
        page.limit,
        |s| s.key.clone(),
        ServiceView::from,
    ))
}

/// The id of the owner group named by `key` (none for an empty key); an unknown key is an error.
async fn owner_group_id(
    conn: &mut PgConnection,
    key: Option<&str>,
    invalid: &mut Invalid,
) -> AppResult<Option<Uuid>> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if let Some(group) = store::groups::find_by_key(conn, key).await? {
        Ok(Some(group.id))
    } else {
        invalid.add("owner_group", "error.unknown_group");
        Ok(None)
    }
}

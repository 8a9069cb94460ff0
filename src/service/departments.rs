//! Departments (IT, HR, Facilities, Finance, …): everyone signed in reads them; admins create
//! them, rename them and mark them confidential. Groups name theirs by text and the database
//! creates a department on first mention (migration 23), so the group API is unchanged.

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{Actor, Page, PageRequest};
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::departments::DepartmentRow;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DepartmentView {
    pub key: String,
    pub name: String,
    /// Its records (incidents and problems of its services and groups) are read only by the
    /// members of its groups and by their callers; everyone else is answered `404`.
    pub confidential: bool,
    pub group_count: i64,
}

impl From<DepartmentRow> for DepartmentView {
    fn from(row: DepartmentRow) -> Self {
        DepartmentView {
            key: row.key,
            name: row.name,
            confidential: row.confidential,
            group_count: row.group_count,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    /// Lowercase slug such as `hr`; required on create, fixed afterwards.
    pub key: Option<String>,
    /// Required on create; the groups' `department` follows a new name.
    pub name: Option<String>,
    /// Default `false`.
    pub confidential: Option<bool>,
}

pub async fn create(
    db: &PgPool,
    actor: &Actor,
    input: DepartmentInput,
) -> AppResult<DepartmentView> {
    actor.require(Permission::Administer)?;
    let mut invalid = Invalid::default();
    let (key, name) = crate::service::fields::new_key_and_name(
        &mut invalid,
        input.key.as_deref(),
        input.name.as_deref(),
        100,
    );
    let (Some(key), Some(name)) = (key, name) else {
        return Err(invalid.into());
    };
    invalid.finish(|| ())?;
    let mut tx = db.begin().await?;
    store::departments::insert(
        &mut tx,
        key.as_str(),
        &name,
        input.confidential.unwrap_or(false),
    )
    .await?;
    let row = store::departments::find_by_key(&mut tx, key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(department.key = %row.key, confidential = row.confidential, "department created");
    Ok(row.into())
}

pub async fn update(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    input: DepartmentInput,
) -> AppResult<DepartmentView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let mut row = store::departments::find_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut invalid = Invalid::default();
    crate::service::fields::refuse_new_key(&mut invalid, input.key.as_deref(), &row.key);
    if let Some(name) = &input.name
        && let Some(name) = invalid.check("name", required_text(name, 100))
    {
        row.name = name;
    }
    if let Some(confidential) = input.confidential {
        row.confidential = confidential;
    }
    invalid.finish(|| ())?;
    store::departments::update(&mut tx, &row).await?;
    tx.commit().await?;
    tracing::info!(department.key = %row.key, confidential = row.confidential, "department changed");
    Ok(row.into())
}

pub async fn get(db: &PgPool, actor: &Actor, key: &str) -> AppResult<DepartmentView> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    store::departments::find_by_key(&mut conn, key)
        .await?
        .map(DepartmentView::from)
        .ok_or(AppError::NotFound)
}

pub async fn list(
    db: &PgPool,
    actor: &Actor,
    page: PageRequest,
) -> AppResult<Page<DepartmentView>> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    let rows = store::departments::list(&mut conn, page.after.as_deref(), page.limit).await?;
    Ok(Page::from_rows(
        rows,
        page.limit,
        |d| d.key.clone(),
        DepartmentView::from,
    ))
}

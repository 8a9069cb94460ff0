//! User accounts: created and changed by admins (or the operator at the command line).

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Actor, Page, PageRequest};
use crate::domain::{
    Email, Invalid, Locale, Permission, Role, account::check_password, validation::required_text,
};
use crate::error::{AppError, AppResult};
use crate::service::auth::hash_password;
use crate::store;

/// A user as the API and the pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub locale: Locale,
    /// Keys of the groups the user belongs to.
    pub groups: Vec<String>,
    /// The e-mail of their manager, who approves their requests where a stage asks for it.
    pub manager: Option<String>,
    pub active: bool,
    /// Whether the user can sign in with a password (API tokens work without one).
    pub has_password: bool,
    /// Whether they are told by e-mail (assignments, the caller's answers, their records'
    /// answers and resolutions); they set it themselves (`PATCH /api/v1/me`).
    pub notify_email: bool,
    /// Why mail to them bounces (a delivery report said so), while it does: nothing is sent
    /// until their address changes.
    pub email_undeliverable: Option<String>,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
}

impl From<store::users::User> for UserView {
    fn from(user: store::users::User) -> Self {
        UserView {
            has_password: user.password_hash.is_some(),
            email: user.email,
            name: user.name,
            role: user.role,
            locale: user.locale,
            groups: user.groups,
            manager: user.manager,
            active: user.active,
            notify_email: user.notify_email,
            email_undeliverable: user.email_undeliverable,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// The fields of a user, all optional: required ones are checked by `create`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Required on create; the identifier, so it cannot be changed.
    pub email: Option<String>,
    /// Required on create.
    pub name: Option<String>,
    /// `viewer`, `agent`, `problem_manager` or `admin`; required on create.
    pub role: Option<String>,
    /// Keys of the groups the user belongs to (replaces the memberships).
    pub groups: Option<Vec<String>>,
    /// At least 12 characters; without one the user works through API tokens only.
    pub password: Option<String>,
    /// `en` (default) or `de`.
    pub locale: Option<String>,
    /// `false` disables the account: no sign-in, its tokens stop working.
    pub active: Option<bool>,
    /// Their manager's e-mail (an account here); `""` clears it.
    pub manager: Option<String>,
}

/// Creates a user for an admin.
pub async fn create(db: &PgPool, actor: &Actor, input: UserInput) -> AppResult<UserView> {
    actor.require(Permission::Administer)?;
    create_as_operator(db, input).await
}

/// Creates a user for the operator at the command line, who needs no account to make the first.
pub async fn create_as_operator(db: &PgPool, input: UserInput) -> AppResult<UserView> {
    let mut invalid = Invalid::default();
    let email = if let Some(email) = &input.email {
        invalid.check("email", Email::parse(email))
    } else {
        invalid.add("email", "error.required");
        None
    };
    let name = invalid.check(
        "name",
        required_text(input.name.as_deref().unwrap_or_default(), 200),
    );
    let role = if let Some(role) = &input.role {
        invalid.check("role", Role::parse(role))
    } else {
        invalid.add("role", "error.required");
        None
    };
    let locale = match &input.locale {
        Some(locale) => invalid.check("locale", Locale::parse(locale)),
        None => Some(Locale::En),
    };
    if let Some(password) = &input.password {
        invalid.check("password", check_password(password));
    }
    if input.active == Some(false) {
        invalid.add("active", "error.create_inactive");
    }
    let mut tx = db.begin().await?;
    let group_ids = resolve_groups(&mut tx, input.groups.as_deref(), &mut invalid).await?;
    let manager_id = resolve_manager(&mut tx, input.manager.as_deref(), &mut invalid).await?;
    let (Some(email), Some(name), Some(role), Some(locale)) = (email, name, role, locale) else {
        return Err(invalid.into());
    };
    if !invalid.is_empty() {
        return Err(invalid.into());
    }
    let password_hash = match input.password {
        Some(password) => Some(hash_password(password).await?),
        None => None,
    };
    let new = store::users::NewUser {
        email: email.as_str(),
        name: &name,
        role,
        locale,
        password_hash: password_hash.as_deref(),
    };
    let id = store::users::insert(&mut tx, &new).await?;
    if let Some(group_ids) = group_ids {
        store::users::set_groups(&mut tx, id, &group_ids).await?;
    }
    if let Some(Some(manager_id)) = manager_id {
        let mut user = store::users::find_by_id(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        user.manager_id = Some(manager_id);
        store::users::update(&mut tx, &user).await?;
    }
    let user = store::users::find_by_id(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(user.email = %user.email, user.role = %user.role, "user created");
    Ok(user.into())
}

/// Changes a user; only the fields given. Admins only.
pub async fn update(
    db: &PgPool,
    actor: &Actor,
    email: &str,
    input: UserInput,
) -> AppResult<UserView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let mut user = store::users::find_by_email(&mut tx, &email.trim().to_lowercase())
        .await?
        .ok_or(AppError::NotFound)?;
    let mut invalid = Invalid::default();
    if let Some(new_email) = &input.email
        && Email::parse(new_email).map_or(true, |e| e.as_str() != user.email)
    {
        invalid.add("email", "error.read_only");
    }
    if let Some(name) = &input.name
        && let Some(name) = invalid.check("name", required_text(name, 200))
    {
        user.name = name;
    }
    if let Some(role) = &input.role
        && let Some(role) = invalid.check("role", Role::parse(role))
    {
        user.role = role;
    }
    if let Some(locale) = &input.locale
        && let Some(locale) = invalid.check("locale", Locale::parse(locale))
    {
        user.locale = locale;
    }
    if let Some(active) = input.active {
        if !active && user.id == actor.id {
            // An admin who disables themself may lock everyone out.
            invalid.add("active", "error.disable_self");
        }
        user.active = active;
    }
    if user.id == actor.id && user.role != Role::Admin {
        invalid.add("role", "error.demote_self");
    }
    let password = match input.password {
        Some(password)
            if invalid
                .check("password", check_password(&password))
                .is_some() =>
        {
            Some(password)
        }
        _ => None,
    };
    let group_ids = resolve_groups(&mut tx, input.groups.as_deref(), &mut invalid).await?;
    if let Some(manager_id) =
        resolve_manager(&mut tx, input.manager.as_deref(), &mut invalid).await?
    {
        if manager_id == Some(user.id) {
            invalid.add("manager", "error.manager_self");
        }
        user.manager_id = manager_id;
    }
    if !invalid.is_empty() {
        return Err(invalid.into());
    }
    if let Some(password) = password {
        user.password_hash = Some(hash_password(password).await?);
    }
    store::users::update(&mut tx, &user).await?;
    if let Some(group_ids) = group_ids {
        store::users::set_groups(&mut tx, user.id, &group_ids).await?;
    }
    let user = store::users::find_by_id(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    super::auth_cache::changed_here(user.id);
    tracing::info!(user.email = %user.email, "user changed");
    Ok(user.into())
}

/// A user: anyone reads their own account; listing and looking up others is for agents and
/// above (people's names and roles are internal).
pub async fn get(db: &PgPool, actor: &Actor, email: &str) -> AppResult<UserView> {
    let email = email.trim().to_lowercase();
    if email != actor.email {
        actor.require(Permission::ReadInternal)?;
    }
    let mut conn = db.acquire().await?;
    let user = store::users::find_by_email(&mut conn, &email).await?;
    user.map(UserView::from).ok_or(AppError::NotFound)
}

pub async fn list(db: &PgPool, actor: &Actor, page: PageRequest) -> AppResult<Page<UserView>> {
    actor.require(Permission::ReadInternal)?;
    let mut conn = db.acquire().await?;
    let rows = store::users::list(&mut conn, page.after.as_deref(), page.limit).await?;
    Ok(Page::from_rows(
        rows,
        page.limit,
        |u| u.email.clone(),
        UserView::from,
    ))
}

/// The ids of the named groups; unknown keys are recorded as an error on `groups`.
async fn resolve_groups(
    conn: &mut PgConnection,
    keys: Option<&[String]>,
    invalid: &mut Invalid,
) -> AppResult<Option<Vec<Uuid>>> {
    let Some(keys) = keys else { return Ok(None) };
    let mut keys: Vec<String> = keys.iter().map(|k| k.trim().to_owned()).collect();
    keys.sort();
    keys.dedup();
    let found = store::groups::ids_by_keys(conn, &keys).await?;
    if found.len() != keys.len() {
        invalid.add("groups", "error.unknown_group");
    }
    Ok(Some(found.into_iter().map(|(_, id)| id).collect()))
}

/// The manager named (`None` not given, `Some(None)` cleared); an unknown one is recorded on
/// `manager`.
async fn resolve_manager(
    conn: &mut PgConnection,
    email: Option<&str>,
    invalid: &mut Invalid,
) -> AppResult<Option<Option<Uuid>>> {
    let Some(email) = email.map(str::trim) else {
        return Ok(None);
    };
    if email.is_empty() {
        return Ok(Some(None));
    }
    let Some(email) = invalid.check("manager", Email::parse(email)) else {
        return Ok(None);
    };
    let manager = store::users::find_by_email(conn, email.as_str()).await?;
    if manager.is_none() {
        invalid.add("manager", "error.unknown_user");
    }
    Ok(manager.map(|m| Some(m.id)))
}

/// What a person may change about themselves.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeInput {
    /// `false`: no notifications by e-mail.
    pub notify_email: Option<bool>,
}

/// The signed-in person changes their own preferences.
pub async fn update_me(db: &crate::db::Db, actor: &Actor, input: MeInput) -> AppResult<UserView> {
    let mut conn = db.acquire().await?;
    if let Some(on) = input.notify_email {
        store::users::set_notify_email(&mut conn, actor.id, on).await?;
    }
    drop(conn);
    get(db, actor, &actor.email).await
}

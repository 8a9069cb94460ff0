//! Saved queue views: a user's named filter sets, shown in the navigation.

use sqlx::PgPool;
use uuid::Uuid;

use super::Actor;
use crate::db::Db;
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store::{self, saved_views::SavedView};

pub async fn for_actor(db: &Db, actor: &Actor) -> AppResult<Vec<SavedView>> {
    let mut conn = db.read().await?;
    let views = store::saved_views::for_user(&mut conn, actor.id).await?;
    conn.done();
    Ok(views)
}

/// Saves the queue filters in `query` (a query string) under `name`, replacing a view of
/// the same name.
pub async fn save(db: &PgPool, actor: &Actor, name: &str, query: &str) -> AppResult<String> {
    actor.require(Permission::ReadOwn)?;
    let mut invalid = Invalid::default();
    let name = invalid.check("name", required_text(name, 80));
    if query.len() > 2000 {
        invalid.add("query", "error.too_long");
    }
    let name = invalid.finish(|| name.unwrap_or_default())?;
    let mut conn = db.acquire().await?;
    store::saved_views::upsert(&mut conn, actor.id, &name, query.trim_start_matches('?')).await?;
    Ok(name)
}

pub async fn delete(db: &PgPool, actor: &Actor, id: Uuid) -> AppResult<()> {
    let mut conn = db.acquire().await?;
    if store::saved_views::delete(&mut conn, actor.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

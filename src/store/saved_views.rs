//! A user's saved queue views: a name and the query string of the queue's filters.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedView {
    pub id: Uuid,
    pub name: String,
    pub query: String,
}

pub async fn for_user(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Vec<SavedView>> {
    sqlx::query_as("select id, name, query from saved_views where user_id = $1 order by name")
        .bind(user_id)
        .fetch_all(conn)
        .await
}

/// Saves (or replaces, by name) a view.
pub async fn upsert(
    conn: &mut PgConnection,
    user_id: Uuid,
    name: &str,
    query: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into saved_views (id, user_id, name, query) values ($1, $2, $3, $4) \
         on conflict (user_id, name) do update set query = excluded.query",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(name)
    .bind(query)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut PgConnection, user_id: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("delete from saved_views where id = $1 and user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

//! Assignment groups (teams), in IT and every other department.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    /// The department's name.
    pub department: String,
    pub department_id: Uuid,
    pub active: bool,
    pub member_count: i64,
}

const SELECT: &str = "select g.id, g.key, g.name, g.department, g.department_id, g.active, \
     (select count(*) from group_members m where m.group_id = g.id) as member_count from groups g";

pub async fn insert(
    conn: &mut PgConnection,
    key: &str,
    name: &str,
    department: &str,
) -> sqlx::Result<Uuid> {
    super::reference_generation::changed();
    let id = Uuid::now_v7();
    sqlx::query("insert into groups (id, key, name, department) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(key)
        .bind(name)
        .bind(department)
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn find_by_key(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as(&format!("{SELECT} where g.key = $1"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// Groups ordered by key, starting after `after`; `limit + 1` rows at most.
pub async fn list(
    conn: &mut PgConnection,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<GroupRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where ($1::text is null or g.key > $1) order by g.key limit $2"
    ))
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

/// All groups, for pickers.
pub async fn all(conn: &mut PgConnection) -> sqlx::Result<Vec<GroupRow>> {
    sqlx::query_as(&format!("{SELECT} order by g.key"))
        .fetch_all(conn)
        .await
}

pub async fn update(conn: &mut PgConnection, group: &GroupRow) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query("update groups set name = $2, department = $3, active = $4, updated_at = now() where id = $1")
        .bind(group.id)
        .bind(&group.name)
        .bind(&group.department)
        .bind(group.active)
        .execute(conn)
        .await?;
    Ok(())
}

/// The ids of the groups with these keys; keys without a group are missing from the result.
pub async fn ids_by_keys(
    conn: &mut PgConnection,
    keys: &[String],
) -> sqlx::Result<Vec<(String, Uuid)>> {
    sqlx::query_as("select key, id from groups where key = any($1)")
        .bind(keys)
        .fetch_all(conn)
        .await
}

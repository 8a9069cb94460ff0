//! Departments (IT, HR, Facilities, …): who owns which groups, and which are confidential.
//! Groups name their department by text; the database finds or creates it (migration 23).

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartmentRow {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub confidential: bool,
    pub group_count: i64,
}

const SELECT: &str = "select d.id, d.key, d.name, d.confidential, \
     (select count(*) from groups g where g.department_id = d.id) as group_count from departments d";

pub async fn insert(
    conn: &mut PgConnection,
    key: &str,
    name: &str,
    confidential: bool,
) -> sqlx::Result<Uuid> {
    super::reference_generation::changed();
    let id = Uuid::now_v7();
    sqlx::query("insert into departments (id, key, name, confidential) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(key)
        .bind(name)
        .bind(confidential)
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn find_by_key(
    conn: &mut PgConnection,
    key: &str,
) -> sqlx::Result<Option<DepartmentRow>> {
    sqlx::query_as(&format!("{SELECT} where d.key = $1"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// Departments ordered by key, starting after `after`; `limit + 1` rows at most.
pub async fn list(
    conn: &mut PgConnection,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<DepartmentRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where ($1::text is null or d.key > $1) order by d.key limit $2"
    ))
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

/// All departments, for the kept reference data and pickers.
pub async fn all(conn: &mut PgConnection) -> sqlx::Result<Vec<DepartmentRow>> {
    sqlx::query_as(&format!("{SELECT} order by d.key"))
        .fetch_all(conn)
        .await
}

/// Writes the name and the confidential flag back (the groups' text follows the name).
pub async fn update(conn: &mut PgConnection, department: &DepartmentRow) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query(
        "update departments set name = $2, confidential = $3, updated_at = now() where id = $1",
    )
    .bind(department.id)
    .bind(&department.name)
    .bind(department.confidential)
    .execute(conn)
    .await?;
    Ok(())
}

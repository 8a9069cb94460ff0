//! Business and technical services that incidents and problems are raised against.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRow {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub owner_group_id: Option<Uuid>,
    /// The key of the owner group.
    pub owner_group: Option<String>,
    pub active: bool,
}

const SELECT: &str = "select s.id, s.key, s.name, s.owner_group_id, g.key as owner_group, s.active \
     from services s left join groups g on g.id = s.owner_group_id";

pub async fn insert(
    conn: &mut PgConnection,
    key: &str,
    name: &str,
    owner_group_id: Option<Uuid>,
) -> sqlx::Result<Uuid> {
    super::reference_generation::changed();
    let id = Uuid::now_v7();
    sqlx::query("insert into services (id, key, name, owner_group_id) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(key)
        .bind(name)
        .bind(owner_group_id)
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn find_by_key(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<ServiceRow>> {
    sqlx::query_as(&format!("{SELECT} where s.key = $1"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// A service and a group by their keys in one round trip (an incident's two references):
/// `(id, key, active)` of each that exists.
pub async fn find_with_group(
    conn: &mut PgConnection,
    service_key: Option<&str>,
    group_key: Option<&str>,
) -> sqlx::Result<(Option<(Uuid, String, bool)>, Option<(Uuid, String, bool)>)> {
    type Found = (
        Option<Uuid>,
        Option<String>,
        Option<bool>,
        Option<Uuid>,
        Option<String>,
        Option<bool>,
    );
    let row: Found = sqlx::query_as(
        "select s.id, s.key, s.active, g.id, g.key, g.active from (select 1) one \
         left join services s on s.key = $1 left join groups g on g.key = $2",
    )
    .bind(service_key)
    .bind(group_key)
    .fetch_one(conn)
    .await?;
    let service = match (row.0, row.1, row.2) {
        (Some(id), Some(key), Some(active)) => Some((id, key, active)),
        _ => None,
    };
    let group = match (row.3, row.4, row.5) {
        (Some(id), Some(key), Some(active)) => Some((id, key, active)),
        _ => None,
    };
    Ok((service, group))
}

/// Every service, ordered by key.
pub async fn all(conn: &mut PgConnection) -> sqlx::Result<Vec<ServiceRow>> {
    sqlx::query_as(&format!("{SELECT} order by s.key"))
        .fetch_all(conn)
        .await
}

/// Services ordered by key, starting after `after`; `limit + 1` rows at most.
pub async fn list(
    conn: &mut PgConnection,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<ServiceRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where ($1::text is null or s.key > $1) order by s.key limit $2"
    ))
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

pub async fn update(conn: &mut PgConnection, service: &ServiceRow) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query("update services set name = $2, owner_group_id = $3, active = $4, updated_at = now() where id = $1")
        .bind(service.id)
        .bind(&service.name)
        .bind(service.owner_group_id)
        .bind(service.active)
        .execute(conn)
        .await?;
    Ok(())
}

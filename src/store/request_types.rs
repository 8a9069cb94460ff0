//! Request types: what a department offers, with the form a request fills in.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::at;
use crate::domain::approval::ApprovalStage;
use crate::domain::form::FormField;
use crate::domain::task::TaskTemplate;

#[derive(Debug, Clone)]
pub struct RequestTypeRow {
    pub id: Uuid,
    pub key: String,
    pub department_id: Uuid,
    pub department: String,
    pub name: String,
    pub description: String,
    pub fields: Vec<FormField>,
    pub approval_stages: Vec<ApprovalStage>,
    pub tasks: Vec<TaskTemplate>,
    pub status_names: serde_json::Map<String, serde_json::Value>,
    pub assignment_group_id: Option<Uuid>,
    pub assignment_group: Option<String>,
    pub active: bool,
    /// The service level its requests get, at `sla_priority`'s targets.
    pub sla_policy_id: Option<Uuid>,
    pub sla_policy: Option<String>,
    pub sla_priority: i16,
    pub updated_at: jiff::Timestamp,
    pub version: i64,
}

impl<'r> sqlx::FromRow<'r, PgRow> for RequestTypeRow {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        let json = |column: &str| row.try_get::<serde_json::Value, _>(column);
        let decode = |column: &str, error: serde_json::Error| sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: Box::new(error),
        };
        Ok(RequestTypeRow {
            id: row.try_get("id")?,
            key: row.try_get("key")?,
            department_id: row.try_get("department_id")?,
            department: row.try_get("department")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            fields: serde_json::from_value(json("fields")?).map_err(|e| decode("fields", e))?,
            approval_stages: serde_json::from_value(json("approval_stages")?)
                .map_err(|e| decode("approval_stages", e))?,
            tasks: serde_json::from_value(json("tasks")?).map_err(|e| decode("tasks", e))?,
            status_names: serde_json::from_value(json("status_names")?)
                .map_err(|e| decode("status_names", e))?,
            assignment_group_id: row.try_get("assignment_group_id")?,
            assignment_group: row.try_get("assignment_group")?,
            active: row.try_get("active")?,
            sla_policy_id: row.try_get("sla_policy_id")?,
            sla_policy: row.try_get("sla_policy")?,
            sla_priority: row.try_get("sla_priority")?,
            updated_at: at(row, "updated_at")?,
            version: row.try_get("version")?,
        })
    }
}

const SELECT: &str = "select t.id, t.key, t.department_id, d.key as department, t.name, t.description, \
     t.fields, t.approval_stages, t.tasks, t.status_names, t.assignment_group_id, g.key as assignment_group, t.active, t.updated_at, t.version, \
     t.sla_policy_id, p.key as sla_policy, t.sla_priority \
     from request_types t join departments d on d.id = t.department_id \
     left join groups g on g.id = t.assignment_group_id \
     left join sla_policies p on p.id = t.sla_policy_id";

/// What a request type is written with.
pub struct TypeValues<'a> {
    pub department_id: Uuid,
    pub name: &'a str,
    pub description: &'a str,
    pub fields: &'a [FormField],
    pub approval_stages: &'a [ApprovalStage],
    pub tasks: &'a [TaskTemplate],
    pub status_names: &'a serde_json::Map<String, serde_json::Value>,
    pub assignment_group_id: Option<Uuid>,
    pub active: bool,
    pub sla_policy_id: Option<Uuid>,
    pub sla_priority: i16,
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

pub async fn insert(
    conn: &mut PgConnection,
    key: &str,
    new: &TypeValues<'_>,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into request_types (id, key, department_id, name, description, fields, status_names, \
         assignment_group_id, active, approval_stages, tasks, sla_policy_id, sla_priority) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(key)
    .bind(new.department_id)
    .bind(new.name)
    .bind(new.description)
    .bind(json(&new.fields))
    .bind(json(new.status_names))
    .bind(new.assignment_group_id)
    .bind(new.active)
    .bind(json(&new.approval_stages))
    .bind(json(&new.tasks))
    .bind(new.sla_policy_id)
    .bind(new.sla_priority)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Writes the type over version `expected`; `false` when the version moved on.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    values: &TypeValues<'_>,
    expected: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update request_types set department_id = $2, name = $3, description = $4, fields = $5, \
         status_names = $6, assignment_group_id = $7, active = $8, approval_stages = $10, tasks = $11, \
         sla_policy_id = $12, sla_priority = $13, updated_at = now(), \
         version = version + 1 where id = $1 and version = $9",
    )
    .bind(id)
    .bind(values.department_id)
    .bind(values.name)
    .bind(values.description)
    .bind(json(&values.fields))
    .bind(json(values.status_names))
    .bind(values.assignment_group_id)
    .bind(values.active)
    .bind(expected)
    .bind(json(&values.approval_stages))
    .bind(json(&values.tasks))
    .bind(values.sla_policy_id)
    .bind(values.sla_priority)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_by_key(
    conn: &mut PgConnection,
    key: &str,
) -> sqlx::Result<Option<RequestTypeRow>> {
    sqlx::query_as(&format!("{SELECT} where t.key = $1"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// Locks the type's row until the transaction ends.
pub async fn lock_by_key(
    conn: &mut PgConnection,
    key: &str,
) -> sqlx::Result<Option<RequestTypeRow>> {
    sqlx::query_as(&format!("{SELECT} where t.key = $1 for update of t"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// Request types by key after `after`, `limit + 1` at most; `department` narrows to one
/// department, `active_only` leaves the retired types out.
pub async fn list(
    conn: &mut PgConnection,
    department: Option<Uuid>,
    active_only: bool,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<RequestTypeRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where ($1::uuid is null or t.department_id = $1) \
         and (not $2 or t.active) and ($3::text is null or t.key > $3) order by t.key limit $4"
    ))
    .bind(department)
    .bind(active_only)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

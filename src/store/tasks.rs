//! The tasks of service requests: reading, writing (with the optimistic `version`) and the
//! groups' queues.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use super::codec::{at, maybe_at};
use crate::domain::task::{Task, TaskState, TaskTemplate};

impl<'r> sqlx::FromRow<'r, PgRow> for Task {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Ok(Task {
            id: row.try_get("id")?,
            number: row.try_get("number")?,
            request_id: row.try_get("request_id")?,
            request: row.try_get("request")?,
            request_title: row.try_get("request_title")?,
            key: row.try_get("key")?,
            position: row.try_get("position")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            after: row.try_get("after_keys")?,
            state: row.try_get("state")?,
            assignment_group_id: row.try_get("assignment_group_id")?,
            assignment_group: row.try_get("assignment_group")?,
            department_id: row.try_get("department_id")?,
            assignee_id: row.try_get("assignee_id")?,
            assignee: row.try_get("assignee")?,
            opened_at: at(row, "opened_at")?,
            updated_at: at(row, "updated_at")?,
            done_at: maybe_at(row, "done_at")?,
            version: row.try_get("version")?,
            due: maybe_at(row, "due")?,
        })
    }
}

const SELECT: &str = "select k.id, k.number, k.request_id, r.number as request, r.title as request_title, k.key, \
     k.position, k.title, k.description, k.after_keys, k.state, k.assignment_group_id, g.key as assignment_group, \
     k.department_id, k.assignee_id, a.email as assignee, k.opened_at, k.updated_at, k.done_at, k.version, r.resolution_due as due \
     from request_tasks k join requests r on r.id = k.request_id join groups g on g.id = k.assignment_group_id \
     left join users a on a.id = k.assignee_id";

/// Creates the tasks of a request from its type's templates; `groups` holds each template's
/// group id, in order. Those that come after none start open.
pub async fn create_all(
    conn: &mut PgConnection,
    request_id: Uuid,
    templates: &[TaskTemplate],
    groups: &[Uuid],
) -> sqlx::Result<()> {
    for (n, (template, group)) in templates.iter().zip(groups).enumerate() {
        let state = if template.after.is_empty() {
            TaskState::Open
        } else {
            TaskState::Waiting
        };
        sqlx::query(
            "insert into request_tasks (id, request_id, key, position, title, description, after_keys, state, \
             assignment_group_id, department_id) \
             select $1, $2, $3, $4, $5, $6, $7, $8, g.id, g.department_id from groups g where g.id = $9",
        )
        .bind(Uuid::now_v7())
        .bind(request_id)
        .bind(&template.key)
        .bind(i16::try_from(n).unwrap_or(i16::MAX))
        .bind(&template.title)
        .bind(&template.description)
        .bind(&template.after)
        .bind(state)
        .bind(group)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A request's tasks in their order.
pub async fn of_request(conn: &mut PgConnection, request_id: Uuid) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as(&format!(
        "{SELECT} where k.request_id = $1 order by k.position"
    ))
    .bind(request_id)
    .fetch_all(conn)
    .await
}

/// Locks a request's tasks until the transaction ends, in their order.
pub async fn lock_of_request(conn: &mut PgConnection, request_id: Uuid) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as(&format!(
        "{SELECT} where k.request_id = $1 order by k.position for update of k"
    ))
    .bind(request_id)
    .fetch_all(conn)
    .await
}

pub async fn find_by_number(conn: &mut PgConnection, number: &str) -> sqlx::Result<Option<Task>> {
    sqlx::query_as(&format!("{SELECT} where k.number = $1"))
        .bind(number)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Task>> {
    sqlx::query_as(&format!("{SELECT} where k.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The id of the request a task belongs to.
pub async fn request_of(conn: &mut PgConnection, number: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("select request_id from request_tasks where number = $1")
        .bind(number)
        .fetch_optional(conn)
        .await
}

/// Writes `task` back over version `expected`; `false` when the version moved on.
pub async fn update(conn: &mut PgConnection, task: &Task, expected: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update request_tasks set state = $2, assignee_id = $3, done_at = $4, updated_at = now(), \
         version = version + 1 where id = $1 and version = $5",
    )
    .bind(task.id)
    .bind(task.state)
    .bind(task.assignee_id)
    .bind(task.done_at.map(jiff_sqlx::Timestamp::from))
    .bind(expected)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the task active without changing it (a comment).
pub async fn touch(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("update request_tasks set updated_at = now(), version = version + 1 where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<TaskState>,
    pub assignment_group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// Not the tasks of these (confidential) departments.
    pub hidden_departments: Vec<Uuid>,
}

/// Tasks newest change first after `(updated_at, id)`; `limit + 1` rows at most.
pub async fn list(
    conn: &mut PgConnection,
    filter: &Filter,
    after: Option<(jiff::Timestamp, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<Task>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("{SELECT} where true"));
    super::one_of(&mut q, "k.state", &filter.states);
    if let Some(id) = filter.assignment_group_id {
        q.push(" and k.assignment_group_id = ").push_bind(id);
    }
    if let Some(id) = filter.assignee_id {
        q.push(" and k.assignee_id = ").push_bind(id);
    }
    if !filter.hidden_departments.is_empty() {
        q.push(" and k.department_id <> all(")
            .push_bind(filter.hidden_departments.clone())
            .push(")");
    }
    super::newest_first(&mut q, "k", after, limit);
    q.build_query_as().fetch_all(conn).await
}

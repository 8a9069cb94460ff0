//! Tasks across departments: once a request is ready for work (created without approval, or
//! approved), its type's tasks go to their groups' queues, those that come after others
//! waiting for them. Each task is a small ticket (assignee, state, comments and work notes in
//! its own journal, `If-Match`); the request is fulfilled when its last task is done. A task
//! belongs to its group's department: a confidential department's tasks reach its members
//! only, and the members of other departments work their own tasks of the same request.
//! Callers follow the request and its progress, not the tasks.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::Permission;
use crate::domain::request::{RequestState, RequestTransition, ServiceRequest};
use crate::domain::task::{self, Task, TaskNumber, TaskState, TaskTemplate};
use crate::error::{AppError, AppResult};
use crate::service::fields::bad_parameter;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::references::{RefInput, References, check_membership};
use crate::service::scope::ReadScope;
use crate::service::{Actor, Page};
use crate::store::{
    self,
    journal::{Kind, Subject},
};

/// What the request's outcome says when its last task is done.
const ALL_TASKS_DONE: &str = "Every task is done.";

/// A task as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaskView {
    /// `TSK` and 7 digits.
    pub number: String,
    /// The request's number and title.
    pub request: String,
    pub request_title: String,
    /// Its key among the request type's tasks.
    pub key: String,
    pub title: String,
    pub description: String,
    /// Keys of the tasks it waits for.
    pub after: Vec<String>,
    pub state: TaskState,
    pub assignment_group: String,
    pub assignee: Option<String>,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub done_at: Option<jiff::Timestamp>,
    pub version: i64,
    /// When its request's fulfilment is due (the request type's service level); `null`
    /// without one. The tasks of a request are due with it.
    pub due: Option<jiff::Timestamp>,
    /// Still to be done and past `due`.
    pub overdue: bool,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        TaskView {
            overdue: !t.state.is_final() && t.due.is_some_and(|due| due < jiff::Timestamp::now()),
            due: t.due,
            number: t.number,
            request: t.request,
            request_title: t.request_title,
            key: t.key,
            title: t.title,
            description: t.description,
            after: t.after,
            state: t.state,
            assignment_group: t.assignment_group,
            assignee: t.assignee,
            opened_at: t.opened_at,
            updated_at: t.updated_at,
            done_at: t.done_at,
            version: t.version,
        }
    }
}

/// A move of a task, and who takes it: `assignee` (an e-mail, `me`, or `""` for nobody).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskTransitionInput {
    /// `open`, `in_progress`, `done` or `canceled`; absent: only the assignee changes.
    pub to: Option<String>,
    pub assignee: Option<String>,
}

fn changes(before: &Task, after: &Task) -> serde_json::Map<String, Value> {
    let fields = |t: &Task| -> Vec<(&'static str, Value)> {
        vec![
            ("state", json!(t.state.as_str())),
            ("assignee", json!(t.assignee)),
        ]
    };
    crate::service::journal::field_changes(Some(&fields(before)), fields(after))
}

/// Writes a changed task and its journal entry, by `actor` (none: the system).
async fn save_task(
    conn: &mut sqlx::PgConnection,
    actor: Option<&Actor>,
    before: &Task,
    after: &Task,
) -> AppResult<()> {
    let changed = changes(before, after);
    if !store::tasks::update(conn, after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "task changed under its row lock"
        )));
    }
    let kind = if before.state == after.state {
        Kind::Change
    } else {
        Kind::Transition
    };
    crate::service::journal::record(
        conn,
        Subject::Task(after.id),
        actor,
        kind,
        None,
        Some(Value::Object(changed)),
    )
    .await
}

/// Puts a request's tasks into their groups' queues and starts the request's work, in the
/// caller's transaction; a type without tasks leaves the request as it is.
pub(super) async fn start(
    conn: &mut sqlx::PgConnection,
    request: ServiceRequest,
    templates: &[TaskTemplate],
) -> AppResult<ServiceRequest> {
    if templates.is_empty() {
        return Ok(request);
    }
    let mut groups = Vec::with_capacity(templates.len());
    for template in templates {
        let group = store::groups::find_by_key(conn, &template.group)
            .await?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("task group {} is gone", template.group))
            })?;
        groups.push(group.id);
    }
    store::tasks::create_all(conn, request.id, templates, &groups).await?;
    let mut after = request.clone();
    after.apply(
        &RequestTransition {
            from: request.state,
            to: RequestState::InProgress,
            reason: None,
        },
        jiff::Timestamp::now(),
    );
    super::save_change(conn, None, &request, &after, Kind::Transition, None).await
}

/// After a task finished: opens the tasks that waited for it, and fulfils the request when
/// every task is finished and at least one was done.
async fn follow_up(
    conn: &mut sqlx::PgConnection,
    request: &ServiceRequest,
    tasks: &[Task],
) -> AppResult<()> {
    let finished: Vec<&str> = tasks
        .iter()
        .filter(|t| t.state.is_final())
        .map(|t| t.key.as_str())
        .collect();
    for waiting in tasks.iter().filter(|t| t.state == TaskState::Waiting) {
        if task::ready(&waiting.after, &finished) {
            let mut opened = waiting.clone();
            opened.move_to(TaskState::Open, jiff::Timestamp::now());
            save_task(conn, None, waiting, &opened).await?;
        }
    }
    let all_finished = tasks.iter().all(|t| t.state.is_final());
    let any_done = tasks.iter().any(|t| t.state == TaskState::Done);
    if all_finished && any_done && request.state == RequestState::InProgress {
        let mut after = request.clone();
        after.apply(
            &RequestTransition {
                from: request.state,
                to: RequestState::Fulfilled,
                reason: Some(ALL_TASKS_DONE.to_owned()),
            },
            jiff::Timestamp::now(),
        );
        super::save_change(
            conn,
            None,
            request,
            &after,
            Kind::Transition,
            Some(ALL_TASKS_DONE),
        )
        .await?;
    }
    Ok(())
}

/// Cancels what is left of a request's tasks (the request was canceled).
pub(super) async fn cancel_open(
    conn: &mut sqlx::PgConnection,
    request_id: uuid::Uuid,
) -> AppResult<()> {
    for task in store::tasks::lock_of_request(conn, request_id).await? {
        if !task.state.is_final() {
            let mut canceled = task.clone();
            canceled.move_to(TaskState::Canceled, jiff::Timestamp::now());
            save_task(conn, None, &task, &canceled).await?;
        }
    }
    Ok(())
}

fn readable_task(scope: &ReadScope, task: &Task) -> bool {
    !scope.own_only && scope.admits(None, Some(task.department_id))
}

/// One task, for those who read its department's records.
pub async fn get_task(db: &crate::db::Db, actor: &Actor, number: &str) -> AppResult<TaskView> {
    let (task, _) = find_readable(db, actor, number).await?;
    Ok(task.into())
}

async fn find_readable(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<(Task, crate::db::Warm)> {
    actor.require(Permission::Read)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = TaskNumber::parse(number).map_err(|_| AppError::NotFound)?;
    let mut conn = db.read().await?;
    let task = store::tasks::find_by_number(&mut conn, number.as_str())
        .await?
        .filter(|t| readable_task(&scope, t))
        .ok_or(AppError::NotFound)?;
    Ok((task, conn))
}

pub async fn task_journal(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<JournalView>> {
    let (task, mut conn) = find_readable(db, actor, number).await?;
    let entries = store::journal::of(&mut conn, Subject::Task(task.id)).await?;
    conn.done();
    Ok(JournalView::visible(entries, actor.reads_internal()))
}

/// The tasks of a request, for agents who read the request (each one they may read).
pub async fn tasks_of_request(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<TaskView>> {
    actor.require(Permission::Read)?;
    let (request, scope, mut conn) = super::readable(db, actor, number).await?;
    let tasks = store::tasks::of_request(&mut conn, request.id).await?;
    conn.done();
    Ok(tasks
        .into_iter()
        .filter(|t| readable_task(&scope, t))
        .map(TaskView::from)
        .collect())
}

/// Locks the task's request and all its tasks (the request first, always, so two tasks
/// finished at once cannot both miss that they were the last); the task must be readable.
async fn lock_task(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    number: &str,
) -> AppResult<(ServiceRequest, Vec<Task>, usize)> {
    let number = TaskNumber::parse(number).map_err(|_| AppError::NotFound)?;
    let request_id = store::tasks::request_of(conn, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let request = store::requests::lock_by_id(conn, request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tasks = store::tasks::lock_of_request(conn, request_id).await?;
    let index = tasks
        .iter()
        .position(|t| t.number == number.as_str() && readable_task(scope, t))
        .ok_or(AppError::NotFound)?;
    Ok((request, tasks, index))
}

/// Moves a task and/or assigns it. Starting a task nobody has assigns the one who starts it;
/// finishing one opens those that waited for it, and the last one fulfils the request.
#[tracing::instrument(skip_all, fields(task.number = %number))]
pub async fn transition_task(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: TaskTransitionInput,
    if_match: Option<i64>,
) -> AppResult<TaskView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    let (request, mut tasks, index) = lock_task(&mut tx, &scope, number).await?;
    let before = tasks[index].clone();
    actor.may_change(Some(&before.assignment_group))?;
    crate::service::check_version(before.version, if_match, || TaskView::from(before.clone()))?;
    let mut after = before.clone();
    let mut invalid = crate::domain::Invalid::default();
    if let Some(to) = input.to.as_deref() {
        match TaskState::parse(to) {
            Err(key) => invalid.add("to", key),
            Ok(to) if !before.state.allowed_next().contains(&to) => {
                return Err(AppError::Transition {
                    from: before.state.as_str(),
                    to: to.as_str(),
                    allowed: before
                        .state
                        .allowed_next()
                        .iter()
                        .map(|s| s.as_str())
                        .collect(),
                });
            }
            Ok(to) => after.move_to(to, jiff::Timestamp::now()),
        }
    }
    // The assignee as every record kind takes one: someone who works tickets, and a member
    // of the task's group.
    let assignee = input.assignee.as_deref().map(|who| {
        if who.trim().eq_ignore_ascii_case("me") {
            actor.email.as_str()
        } else {
            who
        }
    });
    let refs = References::resolve(
        &mut tx,
        &mut invalid,
        RefInput {
            caller: None,
            service: None,
            assignment_group: None,
            assignee,
            parent: None,
            scope: None,
        },
        None,
    )
    .await?;
    if let Some(id) = refs.assignee_id {
        after.assignee_id = id;
        after.assignee = refs.assignee_email;
    }
    check_membership(
        &mut tx,
        after.assignee_id,
        Some(before.assignment_group_id),
        &mut invalid,
    )
    .await?;
    if before.state.is_final() && input.assignee.is_some() {
        invalid.add("assignee", "error.task_final");
    }
    invalid.finish(|| ())?;
    if after.state == TaskState::InProgress && after.assignee_id.is_none() {
        after.assignee_id = Some(actor.id);
        after.assignee = Some(actor.email.clone());
    }
    if after == before {
        tx.commit().await?;
        return Ok(before.into());
    }
    save_task(&mut tx, Some(actor), &before, &after).await?;
    if after.state.is_final() {
        tasks[index] = after.clone();
        follow_up(&mut tx, &request, &tasks).await?;
    }
    // Working a task is the desk acting on the request: the first time is its response.
    store::requests::responded(&mut tx, request.id).await?;
    let task = store::tasks::find_by_id(&mut tx, after.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(task.into())
}

/// A comment or work note on a task, for the agents who work it (callers never read tasks).
pub async fn comment_task(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: CommentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<JournalView>> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let body = crate::service::fields::comment_body(input.body.as_deref())?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let (_, tasks, index) = lock_task(&mut tx, &scope, number).await?;
    let task = &tasks[index];
    let view = crate::service::journal::append_comment(
        &mut tx,
        &db.storage().limits,
        Subject::Task(task.id),
        actor,
        Some(&body),
        input.internal,
        &[],
    )
    .await?;
    store::tasks::touch(&mut tx, task.id).await?;
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

/// Filters of a task queue.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    pub states: Vec<String>,
    pub assignment_group: Option<String>,
    /// An e-mail, or `me`.
    pub assignee: Option<String>,
}

impl TaskQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut query = TaskQuery::default();
        for (name, value) in crate::service::fields::list_pairs(pairs) {
            match name {
                "state" => query.states.push(value),
                "assignment_group" => query.assignment_group = Some(value),
                "assignee" => query.assignee = Some(value),
                _ => {}
            }
        }
        query
    }
}

/// A queue of tasks, newest change first.
pub async fn list_tasks(
    db: &crate::db::Db,
    actor: &Actor,
    query: &TaskQuery,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<TaskView>> {
    actor.require(Permission::Read)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.read().await?;
    let mut filter = store::tasks::Filter {
        hidden_departments: scope.hidden.clone(),
        ..Default::default()
    };
    for state in &query.states {
        filter
            .states
            .push(TaskState::parse(state).map_err(|key| bad_parameter("state", key))?);
    }
    if let Some(key) = &query.assignment_group {
        filter.assignment_group_id =
            Some(crate::service::references::group_filter(&mut conn, key).await?);
    }
    if let Some(assignee) = &query.assignee {
        filter.assignee_id =
            Some(super::list::person(&mut conn, actor, "assignee", assignee).await?);
    }
    let after = crate::service::after_cursor(cursor)?;
    let rows = store::tasks::list(&mut conn, &filter, after, limit).await?;
    conn.done();
    Ok(Page::from_rows(
        rows,
        limit,
        |t| crate::service::updated_cursor(t.updated_at, t.id),
        TaskView::from,
    ))
}

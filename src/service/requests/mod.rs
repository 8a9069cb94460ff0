//! Service request operations (ITIL request fulfilment): created from a request type with its
//! form answered, worked through the request workflow, commented on by the caller and the
//! agents. They share the journal, versions, `Idempotency-Key`, keyset lists, CSV and search
//! with incidents and problems, and the read scope: a caller reads their own requests, and a
//! confidential department's requests reach its members and the caller only.

mod approvals;
mod auto_close;
mod clock;
mod comments;
mod create;
mod input;
mod list;
mod tasks;
mod update;
mod view;

pub use approvals::{
    ApprovalView, DecisionInput, decide, mine as my_approvals, of_request as approvals,
    pending_count,
};
pub use auto_close::close_fulfilled;
pub use clock::check_sla;
pub use comments::comment;
pub use create::create;
pub use input::{NewRequestInput, RequestPatch, RequestTransitionInput};
pub use list::{CSV_HEADER, RequestQuery, csv_rows, list, to_csv};
pub use tasks::{
    TaskQuery, TaskTransitionInput, TaskView, comment_task, get_task, list_tasks, task_journal,
    tasks_of_request, transition_task,
};
pub use update::{transition, update};
pub use view::RequestView;

use crate::domain::Permission;
use crate::domain::request::{RequestNumber, ServiceRequest};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::journal::JournalView;
use crate::service::scope::ReadScope;
use crate::store;
use crate::store::journal::{Kind, Subject};

fn parse_number(number: &str) -> AppResult<RequestNumber> {
    RequestNumber::parse(number).map_err(|_| AppError::NotFound)
}

/// Whether the reader may know of the request: it is in their scope, shared with them, or
/// they were asked to approve it.
async fn admits(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    request: &ServiceRequest,
) -> sqlx::Result<bool> {
    Ok(in_scope(scope, request)
        || crate::service::record::admitted_besides_scope(
            conn,
            Subject::Request(request.id),
            scope.me,
        )
        .await?)
}

/// Whether the reader's own scope holds the request (not only a share or an approval).
pub(crate) fn in_scope(scope: &ReadScope, request: &ServiceRequest) -> bool {
    scope.admits(Some(request.caller_id), Some(request.department_id))
}

/// The desk's side of a request (changes, moves, answers, work notes) is for agents whose own
/// scope holds it: someone it is only shared with, or who is only asked to approve it, reads
/// it but does not work it.
pub(crate) fn require_desk(
    actor: &Actor,
    scope: &ReadScope,
    request: &ServiceRequest,
) -> AppResult<()> {
    actor.require(Permission::WorkIncidents)?;
    if in_scope(scope, request) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The request, when the reader may know of it; else `NotFound`.
async fn admitted(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    request: Option<ServiceRequest>,
) -> AppResult<ServiceRequest> {
    match request {
        Some(request) if admits(conn, scope, &request).await? => Ok(request),
        _ => Err(AppError::NotFound),
    }
}

/// Locks the request for a change when it is in the reader's scope; `NotFound` when there is
/// no such request or the reader may not know of it.
pub(crate) async fn lock_in_scope(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    number: &str,
) -> AppResult<ServiceRequest> {
    let number = parse_number(number)?;
    let request = store::requests::lock_by_number(conn, number.as_str()).await?;
    admitted(conn, scope, request).await
}

/// The one way a changed request is written, in the caller's transaction (the row locked by
/// the caller): the row with the version check and one journal entry, by `actor` (none: the
/// system).
async fn save_change(
    conn: &mut sqlx::PgConnection,
    actor: Option<&Actor>,
    before: &ServiceRequest,
    after: &ServiceRequest,
    kind: Kind,
    body: Option<&str>,
) -> AppResult<ServiceRequest> {
    let changes = view::changes(Some(before), after);
    // An agent's change is the desk's response (an approver's decision is not).
    let responds = actor.is_some_and(|a| {
        a.id != before.caller_id
            && a.can(Permission::WorkIncidents)
            && before.state != crate::domain::request::RequestState::AwaitingApproval
    });
    let mut after = after.clone();
    clock::follow(conn, before, &mut after, responds, jiff::Timestamp::now()).await?;
    if !store::requests::update(conn, &after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "request changed under its row lock"
        )));
    }
    crate::service::journal::record(
        conn,
        Subject::Request(after.id),
        actor,
        kind,
        body,
        Some(serde_json::Value::Object(changes)),
    )
    .await?;
    store::requests::find_by_id(conn, after.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The request, when it is in the actor's read scope; else `NotFound`.
async fn readable(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<(ServiceRequest, ReadScope, crate::db::Warm)> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let mut conn = db.read().await?;
    let request = store::requests::find_by_number(&mut conn, number.as_str()).await?;
    let request = admitted(&mut conn, &scope, request).await?;
    Ok((request, scope, conn))
}

pub async fn get(db: &crate::db::Db, actor: &Actor, number: &str) -> AppResult<RequestView> {
    let (request, _, conn) = readable(db, actor, number).await?;
    conn.done();
    Ok(request.into())
}

/// The history, oldest first; work notes for agents only.
pub async fn journal(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<JournalView>> {
    let (request, scope, mut conn) = readable(db, actor, number).await?;
    let entries =
        store::journal::of(&mut conn, store::journal::Subject::Request(request.id)).await?;
    let entries = scope.links_in_scope(&mut conn, entries).await?;
    conn.done();
    Ok(JournalView::visible(
        entries,
        actor.reads_internal() && in_scope(&scope, &request),
    ))
}

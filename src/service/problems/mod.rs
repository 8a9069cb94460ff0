//! Problem operations: records and workflow, links to incidents, and what flows from a problem
//! to its incidents — the workaround, and the resolution — each in the transaction of its
//! cause. Known errors and problem candidates are beside this folder.

mod comments;
mod create;
mod input;
mod links;
mod list;
mod update;
mod view;
mod workflow;

pub use comments::comment;
pub(crate) use create::insert_with_entry;
pub use create::{create, create_from_incident};
pub use input::{LinkInput, NewProblemInput, ProblemPatch, ProblemTransitionInput};
pub(crate) use links::{ensure_linked, link_in_tx};
pub use links::{link, unlink};
pub use list::{CSV_HEADER, ProblemQuery, csv_rows, list, to_csv};
pub use update::update;
pub use view::ProblemView;
pub use workflow::transition;

use crate::domain::Permission;
use crate::domain::incident::IncidentNumber;
use crate::domain::problem::Problem;
use crate::domain::problem::ProblemNumber;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents::{self as incident_ops, IncidentView};
use crate::service::journal::JournalView;
use crate::service::scope::ReadScope;
use crate::store;
use crate::store::journal::{Kind, Subject};

pub(crate) fn parse_number(number: &str) -> AppResult<ProblemNumber> {
    ProblemNumber::parse(number).map_err(|_| AppError::NotFound)
}

fn parse_incident(number: &str) -> AppResult<IncidentNumber> {
    IncidentNumber::parse(number).map_err(|_| AppError::NotFound)
}

fn check_version(problem: &Problem, if_match: Option<i64>) -> AppResult<()> {
    super::check_version(problem.version, if_match, || {
        ProblemView::from(problem.clone())
    })
}

/// The one way a changed problem is written, in the caller's transaction (the row locked by
/// the caller): the row with the version check and one journal entry.
pub(crate) async fn save_change(
    conn: &mut sqlx::PgConnection,
    actor: &Actor,
    before: &Problem,
    after: &Problem,
    kind: Kind,
    body: Option<&str>,
    changes: serde_json::Map<String, serde_json::Value>,
) -> AppResult<()> {
    if !store::problems::update(conn, after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "problem changed under its row lock"
        )));
    }
    crate::service::journal::record(
        conn,
        Subject::Problem(after.id),
        Some(actor),
        kind,
        body,
        Some(serde_json::Value::Object(changes)),
    )
    .await?;
    Ok(())
}

/// Locks the problem for a change when it is in the reader's scope; `None` when there is no
/// such problem or the reader may not know of it.
pub(crate) async fn lock_in_scope(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    number: &str,
) -> AppResult<Option<Problem>> {
    Ok(store::problems::lock_by_number(conn, number)
        .await?
        .filter(|r| scope.admits(None, r.department_id)))
}

/// The problem, when it is in the actor's read scope; else `NotFound`.
async fn readable(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    actor: &Actor,
    number: &str,
) -> AppResult<Problem> {
    actor.require(Permission::Read)?;
    let number = parse_number(number)?;
    store::problems::find_by_number(conn, number.as_str())
        .await?
        .filter(|p| scope.admits(None, p.department_id))
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &crate::db::Db, actor: &Actor, number: &str) -> AppResult<ProblemView> {
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.acquire().await?;
    Ok(readable(&mut conn, &scope, actor, number).await?.into())
}

pub async fn journal(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<JournalView>> {
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.acquire().await?;
    let problem = readable(&mut conn, &scope, actor, number).await?;
    let entries =
        store::journal::of(&mut conn, store::journal::Subject::Problem(problem.id)).await?;
    let entries = scope.links_in_scope(&mut conn, entries).await?;
    Ok(JournalView::visible(entries, actor.reads_internal()))
}

/// The incidents linked to a problem, newest first (every one: a problem links a cluster).
pub async fn linked_incidents(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<IncidentView>> {
    let problem = get(db, actor, number).await?;
    let query = incident_ops::ListQuery {
        problem: Some(problem.number),
        ..Default::default()
    };
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = incident_ops::list(db, actor, &query, after.as_deref(), 200).await?;
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}

//! Incident operations: create, change, move through the workflow, comment, read the journal,
//! list. Each runs in one transaction with its journal entry; writers lock the row and check
//! the optimistic `version`, so nobody silently overwrites anyone.

mod auto_close;
mod comments;
mod create;
mod input;
mod list;
mod update;
mod view;
mod workflow;

pub use auto_close::close_resolved;
pub use comments::comment;
pub use create::{create, follow_up, follow_up_once, report, report_once};
pub use input::{IncidentPatch, NewIncidentInput, TransitionInput};
pub use list::{CSV_HEADER, ListQuery, Sort, csv_rows, list, to_csv};
pub(crate) use update::check_version;
pub use update::update;
pub use view::IncidentView;
pub(crate) use workflow::move_in_tx;
pub use workflow::{resolve_by_problem, transition};

use sqlx::{PgConnection, PgPool};

use crate::db::Db;

use crate::domain::Permission;
use crate::domain::incident::{Incident, IncidentNumber};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::journal::JournalView;
use crate::service::scope::{self, ReadScope};
use crate::store;
use crate::store::journal::{Kind, Subject};

/// The one way a changed incident is written, in the caller's transaction (the row locked by
/// the caller): the row with the version check, one journal entry, the reread, and the SLA
/// clock brought in line with the change. Returns the incident as stored afterwards. The
/// author is `None` for the system (a worker).
pub(crate) async fn save_change(
    conn: &mut PgConnection,
    actor: Option<&Actor>,
    before: &Incident,
    after: &Incident,
    kind: Kind,
    body: Option<&str>,
    changes: serde_json::Map<String, serde_json::Value>,
) -> AppResult<Incident> {
    if !store::incidents::update(conn, after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "incident changed under its row lock"
        )));
    }
    crate::service::journal::record(
        conn,
        Subject::Incident(after.id),
        actor,
        kind,
        body,
        Some(serde_json::Value::Object(changes)),
    )
    .await?;
    let mut incident = store::incidents::find_by_id(conn, after.id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::service::sla::update_clock(conn, Some(before), &mut incident).await?;
    Ok(incident)
}

/// Locks the incident for a change when it is in the reader's scope; `None` when there is no
/// such incident or the reader may not know of it (the caller answers as for an unknown one).
pub(crate) async fn lock_in_scope(
    conn: &mut PgConnection,
    scope: &ReadScope,
    number: &str,
) -> AppResult<Option<Incident>> {
    Ok(store::incidents::lock_by_number(conn, number)
        .await?
        .filter(|r| scope.admits(r.caller_id, r.department_id)))
}

pub(crate) fn parse_number(number: &str) -> AppResult<IncidentNumber> {
    // An unparseable number cannot name an incident.
    IncidentNumber::parse(number).map_err(|_| AppError::NotFound)
}

/// The incident, when the actor may read it (in their scope, or shared with them); else
/// `NotFound`.
async fn readable(
    conn: &mut PgConnection,
    scope: &ReadScope,
    actor: &Actor,
    number: &str,
) -> AppResult<crate::domain::incident::Incident> {
    actor.require(Permission::ReadOwn)?;
    let number = parse_number(number)?;
    let incident = store::incidents::find_by_number(conn, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    admitted(conn, scope, incident).await
}

/// The incident when the reader may read it: in their scope, or shared with them.
async fn admitted(
    conn: &mut PgConnection,
    scope: &ReadScope,
    incident: Incident,
) -> AppResult<Incident> {
    if scope.admits(incident.caller_id, incident.department_id)
        || crate::service::record::admitted_besides_scope(
            conn,
            store::journal::Subject::Incident(incident.id),
            scope.me,
        )
        .await?
    {
        Ok(incident)
    } else {
        Err(AppError::NotFound)
    }
}

/// Locks the incident for a comment when the reader may read it (in their scope, or shared
/// with them); `NotFound` otherwise.
pub(crate) async fn lock_readable(
    conn: &mut PgConnection,
    scope: &ReadScope,
    number: &str,
) -> AppResult<Incident> {
    let incident = store::incidents::lock_by_number(conn, number)
        .await?
        .ok_or(AppError::NotFound)?;
    admitted(conn, scope, incident).await
}

pub async fn get(db: &Db, actor: &Actor, number: &str) -> AppResult<IncidentView> {
    let scope = scope::of(db, actor).await?;
    let mut conn = db.read().await?;
    let incident = readable(&mut conn, &scope, actor, number).await?;
    conn.done();
    Ok(IncidentView::new(incident, jiff::Timestamp::now()))
}

/// The incident's children: number, title and state.
pub async fn children(
    db: &Db,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<(String, String, String)>> {
    let scope = scope::of(db, actor).await?;
    let mut conn = db.acquire().await?;
    let incident = readable(&mut conn, &scope, actor, number).await?;
    if scope.own_only {
        // Other callers' incidents are not the caller's to see.
        return Ok(Vec::new());
    }
    Ok(store::incidents::children(&mut conn, incident.id, &scope.hidden, scope.me).await?)
}

/// Active users matching `text` (e-mail or name), for the caller picker.
pub async fn find_people(
    db: &PgPool,
    actor: &Actor,
    text: &str,
) -> AppResult<Vec<(String, String)>> {
    actor.require(Permission::WorkIncidents)?;
    let mut conn = db.acquire().await?;
    Ok(store::users::search(&mut conn, text.trim(), None, false, 10).await?)
}

/// The people who can be assigned incidents of a group: its active members who work incidents.
pub async fn assignable(
    db: &PgPool,
    actor: &Actor,
    group: &str,
) -> AppResult<Vec<(String, String)>> {
    actor.require(Permission::WorkIncidents)?;
    let mut conn = db.acquire().await?;
    let Some(group) = store::groups::find_by_key(&mut conn, group).await? else {
        return Ok(Vec::new());
    };
    Ok(store::users::search(&mut conn, "", Some(group.id), true, 500).await?)
}

/// The incident's history, oldest first; work notes only for readers of internal content.
pub async fn journal(db: &Db, actor: &Actor, number: &str) -> AppResult<Vec<JournalView>> {
    let scope = scope::of(db, actor).await?;
    let mut conn = db.acquire().await?;
    let incident = readable(&mut conn, &scope, actor, number).await?;
    let entries =
        store::journal::of(&mut conn, store::journal::Subject::Incident(incident.id)).await?;
    let entries = scope.links_in_scope(&mut conn, entries).await?;
    let in_scope = scope.admits(incident.caller_id, incident.department_id);
    Ok(JournalView::visible(
        entries,
        actor.reads_internal() && in_scope,
    ))
}

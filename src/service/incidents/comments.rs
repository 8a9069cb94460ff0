//! Comments for the caller and work notes for agents.

use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::incidents::parse_number;
use crate::service::journal::{CommentInput, JournalView};
use crate::store::{self, journal::Subject};

#[tracing::instrument(skip_all, fields(incident.number = %number))]
pub async fn comment(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: CommentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<JournalView>> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let body = input.text()?;
    let incident =
        crate::service::incidents::lock_readable(&mut tx, &scope, number.as_str()).await?;
    let in_scope = scope.admits(incident.caller_id, incident.department_id);
    // The caller, and the people the incident is shared with, may add to its conversation;
    // work notes and the desk's answers are for agents whose own scope holds it.
    let participant = !input.internal && (incident.caller_id == Some(actor.id) || !in_scope);
    if !participant {
        actor.require(Permission::WorkIncidents)?;
        if !in_scope {
            return Err(AppError::Forbidden);
        }
        actor.may_change(incident.assignment_group.as_deref())?;
    }
    // A public comment by the desk is a response to the caller.
    let responds = !input.internal && !participant;
    let searchable = (!input.internal).then_some(body.as_deref().unwrap_or_default());
    store::incidents::index_comment(&mut tx, incident.id, searchable, responds).await?;
    let view = crate::service::journal::append_comment(
        &mut tx,
        &db.storage().limits,
        Subject::Incident(incident.id),
        actor,
        body.as_deref(),
        input.internal,
        &input.files,
    )
    .await?;
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

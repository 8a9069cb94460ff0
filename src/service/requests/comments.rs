//! Comments on a request: the caller's replies and the agents' answers, and work notes for
//! agents only.

use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::journal::{CommentInput, JournalView};
use crate::store::{self, journal::Subject};

/// Agents comment on any request they may read; the caller (whatever their role) replies on
/// their own, publicly. A work note needs an agent.
#[tracing::instrument(skip_all, fields(request.number = %number))]
pub async fn comment(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: CommentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<JournalView>> {
    actor.require(Permission::ReadOwn)?;
    if input.internal {
        actor.require(Permission::WorkIncidents)?;
    }
    let scope = crate::service::scope::of(db, actor).await?;
    let body = input.text()?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let request = super::lock_in_scope(&mut tx, &scope, number).await?;
    // The caller, and the people the request is shared with, reply publicly; the rest is the
    // desk's.
    let participant = !input.internal
        && (request.caller_id == actor.id
            || store::shares::has(&mut tx, Subject::Request(request.id), actor.id).await?);
    if !participant {
        super::require_desk(actor, &scope, &request)?;
    }
    if request.state.is_final() {
        return Err(AppError::field("body", "error.request_final"));
    }
    let view = crate::service::journal::append_comment(
        &mut tx,
        &db.storage().limits,
        Subject::Request(request.id),
        actor,
        body.as_deref(),
        input.internal,
        &input.files,
    )
    .await?;
    // The desk's public answer is a response; the caller's and a participant's are not.
    store::requests::touch(&mut tx, request.id, !participant && !input.internal).await?;
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

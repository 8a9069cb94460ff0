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
    let body = crate::service::fields::comment_body(input.body.as_deref())?;
    let incident = crate::service::incidents::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    // The caller may add to their own incident's conversation; work notes and everyone
    // else's comments are the desk's.
    let own_reply = !input.internal && incident.caller_id == Some(actor.id);
    if !own_reply {
        actor.require(Permission::WorkIncidents)?;
        actor.may_change(incident.assignment_group.as_deref())?;
    }
    // A public comment by anyone but the caller is a response to the caller.
    let responds =
        !input.internal && incident.caller_email.as_deref() != Some(actor.email.as_str());
    let searchable = (!input.internal).then_some(body.as_str());
    store::incidents::index_comment(&mut tx, incident.id, searchable, responds).await?;
    let view = crate::service::journal::append_comment(
        &mut tx,
        Subject::Incident(incident.id),
        actor,
        &body,
        input.internal,
    )
    .await?;
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

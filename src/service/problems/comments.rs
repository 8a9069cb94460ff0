//! Comments and work notes on a problem.

use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::problems::parse_number;
use crate::store::{self, journal::Subject};

pub async fn comment(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: CommentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<JournalView>> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let body = input.text()?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let problem = crate::service::problems::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let view = crate::service::journal::append_comment(
        &mut tx,
        &db.storage().limits,
        Subject::Problem(problem.id),
        actor,
        body.as_deref(),
        input.internal,
        &input.files,
    )
    .await?;
    store::problems::touch(&mut tx, problem.id).await?;
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

//! Comments and work notes on a problem.

use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::fields::MAX_TEXT;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::problems::parse_number;
use crate::store::{
    self,
    journal::{Kind, NewEntry, Subject},
};

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
    let body = input
        .body
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if body.is_empty() {
        return Err(AppError::field("body", "error.required"));
    }
    if body.chars().count() > MAX_TEXT {
        return Err(AppError::field("body", "error.too_long"));
    }
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let problem = store::problems::lock_by_number(&mut tx, number.as_str())
        .await?
        .filter(|r| scope.admits(None, r.department_id))
        .ok_or(AppError::NotFound)?;
    let kind = if input.internal {
        Kind::WorkNote
    } else {
        Kind::Comment
    };
    let entry = store::journal::append(
        &mut tx,
        NewEntry {
            subject: Subject::Problem(problem.id),
            author_id: Some(actor.id),
            kind,
            body: Some(&body),
            changes: None,
        },
    )
    .await?;
    store::problems::touch(&mut tx, problem.id).await?;
    let view = JournalView::from(entry);
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

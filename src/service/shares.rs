//! Sharing an incident or a request with another person: a colleague who is affected too, or
//! who asks on the caller's behalf, follows the record in the portal ("Shared with me"),
//! reads what its caller reads (no work notes, also when they are an agent outside the
//! record's scope) and may add to the conversation. Changing it stays the desk's.
//!
//! The record's caller and the agents whose own scope holds it share and stop sharing; the
//! person it is shared with may leave. Each share and its end is journaled on the record.

use serde::{Deserialize, Serialize};

use crate::domain::Permission;
use crate::domain::journal::SystemNote;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::record::{Located, RecordKind};
use crate::service::{Page, PageRequest};
use crate::store::{self, shares::ShareRow, shares::SharedRecord};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    /// The person's e-mail address.
    pub person: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ShareView {
    pub person: String,
    pub person_name: String,
    pub shared_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub shared_at: jiff::Timestamp,
}

impl From<ShareRow> for ShareView {
    fn from(row: ShareRow) -> Self {
        ShareView {
            person: row.person,
            person_name: row.person_name,
            shared_by: row.shared_by,
            shared_at: row.shared_at,
        }
    }
}

/// A record shared with the reader, as "Shared with me" lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SharedView {
    /// `incident` or `request`.
    pub kind: String,
    pub number: String,
    pub title: String,
    pub state: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub shared_at: jiff::Timestamp,
}

impl From<SharedRecord> for SharedView {
    fn from(row: SharedRecord) -> Self {
        SharedView {
            kind: row.kind.to_owned(),
            number: row.number,
            title: row.title,
            state: row.state,
            updated_at: row.updated_at,
            shared_at: row.shared_at,
        }
    }
}

/// Whether the actor decides who the record is shared with: its caller, or an agent whose own
/// scope holds it (and whose write scope, when on, holds its group).
fn may_share(actor: &Actor, record: &Located) -> AppResult<()> {
    if record.caller_id == Some(actor.id) {
        return Ok(());
    }
    actor.require(Permission::WorkIncidents)?;
    if !record.in_scope {
        return Err(AppError::Forbidden);
    }
    actor.may_change(record.assignment_group.as_deref())
}

/// Writes the share's note into the record's journal, by the actor.
async fn journal(
    conn: &mut sqlx::PgConnection,
    actor: &Actor,
    record: &Located,
    note: &SystemNote,
) -> AppResult<()> {
    crate::service::journal::note(conn, record.subject, Some(actor), note).await
}

/// Shares the record with the person `input` names. `422` naming `person` for no such active
/// person or the record's own caller; `409` when it is shared with them already.
#[tracing::instrument(skip_all, fields(record.number = %number))]
pub async fn share(
    db: &crate::db::Db,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
    input: ShareInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<ShareView>> {
    actor.require(Permission::ReadOwn)?;
    let email = input
        .person
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| AppError::field("person", "error.required"))?
        .to_lowercase();
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let record = crate::service::record::lock(&mut tx, &scope, kind, number).await?;
    may_share(actor, &record)?;
    let mut invalid = crate::domain::Invalid::default();
    let person =
        crate::service::references::person(&mut tx, &mut invalid, "person", &email).await?;
    let Some(person) = invalid.finish(|| person)? else {
        return Err(AppError::field("person", "error.unknown_user"));
    };
    if record.caller_id == Some(person.id) {
        return Err(AppError::field("person", "error.share_caller"));
    }
    if !store::shares::insert(&mut tx, record.subject, person.id, actor.id).await? {
        return Err(AppError::Conflict("error.already_shared"));
    }
    let note = SystemNote::SharedWith {
        person: person.email.clone(),
    };
    journal(&mut tx, actor, &record, &note).await?;
    let view = ShareView {
        person: person.email,
        person_name: person.name,
        shared_by: actor.email.clone(),
        shared_at: jiff::Timestamp::now(),
    };
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!("record shared");
    Ok(Created::New(view))
}

/// Ends the share with `person` (an e-mail address); the person themselves may leave.
/// `404` when the record is not shared with them.
#[tracing::instrument(skip_all, fields(record.number = %number))]
pub async fn unshare(
    db: &crate::db::Db,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
    person: &str,
) -> AppResult<()> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    let record = crate::service::record::lock(&mut tx, &scope, kind, number).await?;
    let email = person.trim().to_lowercase();
    if email != actor.email {
        may_share(actor, &record)?;
    }
    let person = store::users::find_by_email(&mut tx, &email)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::shares::delete(&mut tx, record.subject, person.id).await? {
        return Err(AppError::NotFound);
    }
    let note = SystemNote::Unshared {
        person: person.email,
    };
    journal(&mut tx, actor, &record, &note).await?;
    tx.commit().await?;
    Ok(())
}

/// The people a record the actor may read is shared with.
pub async fn of(
    db: &crate::db::Db,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
) -> AppResult<Vec<ShareView>> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.read().await?;
    let record = crate::service::record::find(&mut conn, &scope, kind, number).await?;
    let rows = store::shares::of(&mut conn, record.subject).await?;
    conn.done();
    Ok(rows.into_iter().map(ShareView::from).collect())
}

/// The records shared with the actor, the newest share first.
pub async fn with_me(
    db: &crate::db::Db,
    actor: &Actor,
    page: PageRequest,
) -> AppResult<Page<SharedView>> {
    actor.require(Permission::ReadOwn)?;
    let after = page
        .after
        .as_deref()
        .map(|cursor| {
            crate::service::decode_time_cursor(cursor, "s")
                .ok_or_else(|| crate::service::fields::unknown_reference("cursor", "error.cursor"))
        })
        .transpose()?;
    let mut conn = db.read().await?;
    let rows = store::shares::with_user(&mut conn, actor.id, after, page.limit).await?;
    conn.done();
    Ok(Page::from_rows(
        rows,
        page.limit,
        |r| crate::service::time_cursor("s", r.shared_at, r.id),
        SharedView::from,
    ))
}

//! The caller's word on a resolution: a rating from 1 to 5 with a comment, once per
//! resolution, for incidents and requests alike (a record reopened and resolved again may be
//! rated again). Confirming or rejecting a resolution is a move of the record
//! (`incidents::transition`, `requests::transition`), which its caller may make.

use serde::{Deserialize, Serialize};

use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::record::RecordKind;
use crate::store::journal::Kind;
use crate::store::{self, ratings::RatingRow};

/// The longest rating comment, in characters.
const MAX_COMMENT: usize = 10_000;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// 1 (poor) to 5 (excellent).
    pub score: Option<i64>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct RatingView {
    pub score: i16,
    pub comment: String,
    /// The resolution rated: when the record was resolved (fulfilled).
    #[schema(value_type = String, format = DateTime)]
    pub resolved_at: jiff::Timestamp,
    pub rated_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub rated_at: jiff::Timestamp,
}

impl From<RatingRow> for RatingView {
    fn from(row: RatingRow) -> Self {
        RatingView {
            score: row.score,
            comment: row.comment,
            resolved_at: row.resolved_at,
            rated_by: row.rated_by,
            rated_at: row.rated_at,
        }
    }
}

/// The caller rates the current resolution of their incident or request. `409` when it has
/// been rated already; `422` naming `score` when the record has no resolution to rate or
/// the reader is not its caller.
#[tracing::instrument(skip_all, fields(record.number = %number))]
pub async fn rate(
    db: &crate::db::Db,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
    input: RatingInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<RatingView>> {
    actor.require(Permission::ReadOwn)?;
    let mut invalid = Invalid::default();
    let score = input
        .score
        .filter(|s| (1..=5).contains(s))
        .and_then(|s| i16::try_from(s).ok());
    if score.is_none() {
        invalid.add("score", "error.rating_score");
    }
    let comment = input
        .comment
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if comment.chars().count() > MAX_COMMENT {
        invalid.add("comment", "error.too_long");
    }
    let read_scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let record = crate::service::record::lock(&mut tx, &read_scope, kind, number).await?;
    let resolved_at = record
        .resolved_at
        .filter(|_| record.caller_id == Some(actor.id));
    if resolved_at.is_none() {
        invalid.add("score", "error.not_rateable");
    }
    let (Some(score), Some(resolved_at)) = invalid.finish(|| (score, resolved_at))? else {
        return Err(AppError::field("score", "error.rating_score"));
    };
    if !store::ratings::insert(
        &mut tx,
        record.subject,
        resolved_at,
        score,
        &comment,
        actor.id,
    )
    .await?
    {
        return Err(AppError::Conflict("error.already_rated"));
    }
    let note = crate::domain::journal::SystemNote::Rated {
        score,
        comment: comment.clone(),
    }
    .text();
    crate::service::journal::record(
        &mut tx,
        record.subject,
        Some(actor),
        Kind::System,
        Some(&note),
        None,
    )
    .await?;
    let view = RatingView {
        score,
        comment,
        resolved_at,
        rated_by: actor.email.clone(),
        rated_at: jiff::Timestamp::now(),
    };
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!(score, "resolution rated");
    Ok(Created::New(view))
}

/// The ratings of a record the actor may read, the latest resolution first.
pub async fn of(
    db: &crate::db::Db,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
) -> AppResult<Vec<RatingView>> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.read().await?;
    let record = crate::service::record::find(&mut conn, &scope, kind, number).await?;
    let rows = store::ratings::of(&mut conn, record.subject).await?;
    conn.done();
    Ok(rows.into_iter().map(RatingView::from).collect())
}

/// Whether `ratings` holds one for the resolution made at `resolved_at`.
pub fn rated(ratings: &[RatingView], resolved_at: Option<jiff::Timestamp>) -> bool {
    resolved_at.is_some_and(|at| ratings.iter().any(|r| r.resolved_at == at))
}

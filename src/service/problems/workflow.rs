//! Moving a problem through its workflow (`domain::problem::plan_transition`); resolving it
//! resolves the incidents it caused, in the same transaction.

use crate::domain::Permission;
use crate::domain::problem::{
    self, ProblemState, ProblemTransitionError, ProblemTransitionRequest,
};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents as incident_ops;
use crate::service::problems::input::ProblemTransitionInput;
use crate::service::problems::update::changes;
use crate::service::problems::view::ProblemView;
use crate::service::problems::{check_version, parse_number};
use crate::store::{self, journal::Kind};

/// Moves the problem; resolving it resolves its open incidents (unless `resolve_incidents`
/// is `false`), those waiting for it first, in the same transaction. Problem managers only.
#[tracing::instrument(skip_all, fields(problem.number = %number, to = %input.to))]
pub async fn transition(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: ProblemTransitionInput,
    if_match: Option<i64>,
) -> AppResult<ProblemView> {
    actor.require(Permission::ManageProblems)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = crate::service::problems::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    check_version(&before, if_match)?;
    let request = ProblemTransitionRequest {
        to: input.to,
        resolution_code: input.resolution_code,
        fix_notes: input.fix_notes,
        reason: input.reason,
    };
    let planned =
        problem::plan_transition(before.state, &request).map_err(|error| match error {
            ProblemTransitionError::NotAllowed { from, to } => AppError::Transition {
                from: from.as_str(),
                to: to.as_str(),
                allowed: from.allowed_next().iter().map(|s| s.as_str()).collect(),
            },
            ProblemTransitionError::Invalid(fields) => AppError::Validation(fields),
        })?;
    let mut after = before.clone();
    after.apply(&planned, jiff::Timestamp::now());
    let body = planned.reason.clone().or_else(|| planned.fix_notes.clone());
    let changed = changes(Some(&before), &after);
    super::save_change(
        &mut tx,
        actor,
        &before,
        &after,
        Kind::Transition,
        body.as_deref(),
        changed,
    )
    .await?;
    if planned.to == ProblemState::Resolved && input.resolve_incidents != Some(false) {
        let notes = match after.fix_notes.as_deref() {
            Some(fix) => format!("Resolved by problem {}: {fix}", after.number),
            None => format!("Resolved by problem {}", after.number),
        };
        let mut resolved = Vec::new();
        for incident_id in store::incidents::lock_linked(&mut tx, after.id).await? {
            if incident_ops::resolve_by_problem(&mut tx, actor, incident_id, &notes).await? {
                resolved.push(incident_id);
            }
        }
        tracing::info!(
            incidents = resolved.len(),
            "linked incidents resolved with the problem"
        );
    }
    let problem = store::problems::find_by_id(&mut tx, after.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(problem.into())
}

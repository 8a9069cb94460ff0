//! Changing a request: its fields (agents), and moves through the workflow
//! (`domain::request::plan_transition`), each under the optimistic version check.

use crate::domain::request::{
    self, RequestState, RequestTransitionError, RequestTransitionRequest, ServiceRequest,
};
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::fields::{MAX_TEXT, patched_title};
use crate::service::references::{RefInput, References, check_membership};
use crate::service::requests::input::{RequestPatch, RequestTransitionInput};
use crate::service::requests::view::{RequestView, changes};
use crate::store::journal::Kind;

pub(super) fn check_version(request: &ServiceRequest, if_match: Option<i64>) -> AppResult<()> {
    crate::service::check_version(request.version, if_match, || {
        RequestView::from(request.clone())
    })
}

/// Changes title, description, group or assignee (agents). A closed or canceled request is
/// not changed any more.
#[tracing::instrument(skip_all, fields(request.number = %number))]
pub async fn update(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    patch: RequestPatch,
    if_match: Option<i64>,
) -> AppResult<RequestView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    let before = super::lock_in_scope(&mut tx, &scope, number).await?;
    super::require_desk(actor, &scope, &before)?;
    check_version(&before, if_match)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    if let Some(title) = patched_title(&mut invalid, patch.title.as_ref()) {
        after.title = title;
    }
    if let Some(description) = &patch.description {
        let description = description.as_deref().unwrap_or_default().trim();
        if description.chars().count() > MAX_TEXT {
            invalid.add("description", "error.too_long");
        }
        description.clone_into(&mut after.description);
    }
    let blank =
        |v: &Option<Option<String>>| v.as_ref().map(|v| v.as_deref().unwrap_or("").to_owned());
    let (group, assignee) = (blank(&patch.assignment_group), blank(&patch.assignee));
    let refs = References::resolve(
        &mut tx,
        &mut invalid,
        RefInput {
            caller: None,
            service: None,
            assignment_group: group.as_deref(),
            assignee: assignee.as_deref(),
            parent: None,
            scope: None,
        },
        None,
    )
    .await?;
    if let Some(id) = refs.group_id {
        after.assignment_group_id = id;
        after.assignment_group = refs.group_key;
    }
    if let Some(id) = refs.assignee_id {
        after.assignee_id = id;
        after.assignee = refs.assignee_email;
    }
    check_membership(
        &mut tx,
        after.assignee_id,
        after.assignment_group_id,
        &mut invalid,
    )
    .await?;
    let changed = !changes(Some(&before), &after).is_empty();
    if before.state.is_final() && changed {
        invalid.add("state", "error.request_final");
    }
    invalid.finish(|| ())?;
    if !changed {
        tx.commit().await?;
        return Ok(before.into());
    }
    let request =
        super::save_change(&mut tx, Some(actor), &before, &after, Kind::Change, None).await?;
    tx.commit().await?;
    Ok(request.into())
}

/// Moves the request. Agents move it; its caller may cancel it, and give their verdict on
/// its fulfilment: confirm it (`closed`) or reject it with a reason (`in_progress`). Starting
/// work on a request nobody is assigned to assigns the agent who starts it.
#[tracing::instrument(skip_all, fields(request.number = %number, to = %input.to))]
pub async fn transition(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: RequestTransitionInput,
    if_match: Option<i64>,
) -> AppResult<RequestView> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    let before = super::lock_in_scope(&mut tx, &scope, number).await?;
    let to = RequestState::parse(input.to.trim());
    let own_move = before.caller_id == actor.id
        && (to == Ok(RequestState::Canceled)
            || (before.state == RequestState::Fulfilled
                && matches!(to, Ok(RequestState::Closed | RequestState::InProgress))));
    if !own_move {
        super::require_desk(actor, &scope, &before)?;
    }
    check_version(&before, if_match)?;
    let planned = request::plan_transition(
        before.state,
        &RequestTransitionRequest {
            to: input.to,
            reason: input.reason,
        },
    )
    .map_err(|error| match error {
        RequestTransitionError::NotAllowed { from, to } => AppError::Transition {
            from: from.as_str(),
            to: to.as_str(),
            allowed: from.allowed_next().iter().map(|s| s.as_str()).collect(),
        },
        RequestTransitionError::Invalid(fields) => AppError::Validation(fields),
    })?;
    if planned.to.decided_by_approval() {
        // Waiting for, passing and failing approval follow from the approvers' decisions.
        return Err(AppError::Transition {
            from: before.state.as_str(),
            to: planned.to.as_str(),
            allowed: before
                .state
                .allowed_next()
                .iter()
                .filter(|s| !s.decided_by_approval())
                .map(|s| s.as_str())
                .collect(),
        });
    }
    if planned.to == RequestState::Canceled {
        crate::store::approvals::withdraw_pending(&mut tx, before.id).await?;
        super::tasks::cancel_open(&mut tx, before.id).await?;
    }
    let mut after = before.clone();
    after.apply(&planned, jiff::Timestamp::now());
    if planned.to == RequestState::InProgress
        && after.assignee_id.is_none()
        && actor.can(Permission::WorkIncidents)
    {
        after.assignee_id = Some(actor.id);
        after.assignee = Some(actor.email.clone());
    }
    let request = super::save_change(
        &mut tx,
        Some(actor),
        &before,
        &after,
        Kind::Transition,
        planned.reason.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(request.into())
}

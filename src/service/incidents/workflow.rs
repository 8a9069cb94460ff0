//! Moving an incident through its workflow (`domain::incident::plan_transition`), by an agent
//! or because its problem was resolved.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::incident::Incident;
use crate::domain::incident::{
    self, IncidentState, ResolutionCode, TransitionError, TransitionRequest,
};
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents::input::TransitionInput;
use crate::service::incidents::parse_number;
use crate::service::incidents::update::{changes, check_version};
use crate::service::incidents::view::IncidentView;
use crate::service::references::check_membership;
use crate::store::{self, journal::Kind};

/// Moves the incident. Agents move it; its caller may only give their verdict on a
/// resolution: confirm it (`closed`) or reject it with a reason (`in_progress`, a reopen).
#[tracing::instrument(skip_all, fields(incident.number = %number, to = %input.to))]
pub async fn transition(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: TransitionInput,
    if_match: Option<i64>,
) -> AppResult<IncidentView> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = crate::service::incidents::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let verdict = before.caller_id == Some(actor.id)
        && before.state == IncidentState::Resolved
        && matches!(
            IncidentState::parse(input.to.trim()),
            Ok(IncidentState::Closed | IncidentState::InProgress)
        );
    if !verdict {
        actor.require(Permission::WorkIncidents)?;
        actor.may_change(before.assignment_group.as_deref())?;
    }
    check_version(&before, if_match)?;
    let request = TransitionRequest {
        to: input.to,
        hold_reason: input.hold_reason,
        resolution_code: input.resolution_code,
        resolution_notes: input.resolution_notes,
        reason: input.reason,
    };
    let from = before.state;
    let incident = move_in_tx(&mut tx, actor, before, &request).await?;
    tx.commit().await?;
    tracing::info!(from = from.as_str(), "incident moved");
    Ok(IncidentView::new(incident, jiff::Timestamp::now()))
}

/// The one way an incident moves, in the caller's transaction (the row locked by the caller):
/// the workflow's plan, its effects on the fields, the version check, the journal entry and
/// the SLA clock. Returns the incident as stored afterwards.
pub(crate) async fn move_in_tx(
    conn: &mut PgConnection,
    actor: &Actor,
    before: Incident,
    request: &TransitionRequest,
) -> AppResult<Incident> {
    let planned =
        incident::plan_transition(before.state, request).map_err(|error| match error {
            TransitionError::NotAllowed { from, to } => AppError::Transition {
                from: from.as_str(),
                to: to.as_str(),
                allowed: from.allowed_next().iter().map(|s| s.as_str()).collect(),
            },
            TransitionError::Invalid(fields) => AppError::Validation(fields),
        })?;
    let mut after = before.clone();
    after.apply(&planned, jiff::Timestamp::now());
    if planned.to == IncidentState::InProgress
        && after.assignee_id.is_none()
        && actor.can(Permission::WorkIncidents)
    {
        let mut invalid = Invalid::default();
        after.assignee_id = Some(actor.id);
        after.assignee = Some(actor.email.clone());
        check_membership(
            conn,
            after.assignee_id,
            after.assignment_group_id,
            &mut invalid,
        )
        .await?;
        invalid
            .finish(|| ())
            .map_err(|_| AppError::field("assignee", "error.take_not_member"))?;
    }
    let body = planned
        .reason
        .clone()
        .or_else(|| planned.resolution.as_ref().map(|(_, notes)| notes.clone()));
    let changed = changes(Some(&before), &after);
    super::save_change(
        conn,
        Some(actor),
        &before,
        &after,
        Kind::Transition,
        body.as_deref(),
        changed,
    )
    .await
}

/// Resolves a linked incident because its problem was resolved, in the problem's transaction
/// (the incident's row is locked by the caller). `false` when the incident is not in a state
/// that can be resolved (already resolved, closed, canceled).
pub async fn resolve_by_problem(
    conn: &mut PgConnection,
    actor: &Actor,
    incident_id: Uuid,
    notes: &str,
) -> AppResult<bool> {
    let before = store::incidents::find_by_id(conn, incident_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !before.state.is_open() {
        return Ok(false);
    }
    let request = TransitionRequest {
        to: IncidentState::Resolved.as_str().to_owned(),
        resolution_code: Some(ResolutionCode::SolvedByProblem.as_str().to_owned()),
        resolution_notes: Some(notes.to_owned()),
        ..TransitionRequest::default()
    };
    move_in_tx(conn, actor, before, &request).await?;
    Ok(true)
}

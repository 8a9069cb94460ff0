//! Changing a problem's fields under the optimistic version check; a new workaround reaches
//! the linked incidents.

use serde_json::{Map, Value, json};

use crate::domain::problem::Problem;
use crate::domain::problem::{self, ProblemResolution, ProblemState};
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::fields::{MAX_TEXT, patched_level, patched_title, refuse_read_only};
use crate::service::problems::input::ProblemPatch;
use crate::service::problems::links::spread_workaround;
use crate::service::problems::view::ProblemView;
use crate::service::problems::{check_version, parse_number};
use crate::service::references::check_membership;
use crate::service::references::{RefInput, References};
use crate::store::{self, journal::Kind};

/// Changes fields. Root cause, workaround and the known-error flag are for problem managers;
/// a new workaround is written to every linked incident that is not closed or canceled.
#[tracing::instrument(skip_all, fields(problem.number = %number))]
pub async fn update(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    patch: ProblemPatch,
    if_match: Option<i64>,
) -> AppResult<ProblemView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    if patch.root_cause.is_some() || patch.workaround.is_some() || patch.known_error.is_some() {
        actor.require(Permission::ManageProblems)?;
    }
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = crate::service::problems::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    check_version(&before, if_match)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    apply_fields(&mut after, &patch, &mut invalid);
    let blank =
        |v: &Option<Option<String>>| v.as_ref().map(|v| v.as_deref().unwrap_or("").to_owned());
    let (service, group, assignee) = (
        blank(&patch.service),
        blank(&patch.assignment_group),
        blank(&patch.assignee),
    );
    let refs = References::resolve(
        &mut tx,
        &mut invalid,
        RefInput {
            caller: None,
            service: service.as_deref(),
            assignment_group: group.as_deref(),
            assignee: assignee.as_deref(),
            parent: None,
            scope: None,
        },
        None,
    )
    .await?;
    if let Some(id) = refs.service_id {
        after.service_id = id;
        after.service = refs.service_key;
    }
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
    invalid.0.extend(problem::check_known_error(
        after.known_error,
        after.root_cause.as_deref(),
        after.workaround.as_deref(),
    ));
    if before.state == ProblemState::Closed && !changes(Some(&before), &after).is_empty() {
        invalid.add("state", "error.problem_closed");
    }
    invalid.finish(|| ())?;
    let changed = changes(Some(&before), &after);
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(before.into());
    }
    super::save_change(&mut tx, actor, &before, &after, Kind::Change, None, changed).await?;
    if after.workaround != before.workaround
        && let Some(workaround) = after.workaround.as_deref()
    {
        spread_workaround(&mut tx, &after.number, after.id, workaround).await?;
    }
    let problem = store::problems::find_by_id(&mut tx, after.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(problem.into())
}

/// Applies the plain fields of a patch (everything but references) to `after`.
fn apply_fields(after: &mut Problem, patch: &ProblemPatch, invalid: &mut Invalid) {
    refuse_read_only(
        invalid,
        &[
            ("state", &patch.state),
            ("priority", &patch.priority),
            ("number", &patch.number),
            ("version", &patch.version),
        ],
    );
    if let Some(title) = patched_title(invalid, patch.title.as_ref()) {
        after.title = title;
    }
    let long_text =
        |invalid: &mut Invalid, field: &str, value: &Option<String>| -> Option<String> {
            let value = value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned);
            if value.as_ref().is_some_and(|v| v.chars().count() > MAX_TEXT) {
                invalid.add(field, "error.too_long");
            }
            value
        };
    if let Some(description) = &patch.description {
        after.description = long_text(invalid, "description", description).unwrap_or_default();
    }
    if let Some(root_cause) = &patch.root_cause {
        after.root_cause = long_text(invalid, "root_cause", root_cause);
    }
    if let Some(workaround) = &patch.workaround {
        after.workaround = long_text(invalid, "workaround", workaround);
    }
    if let Some(known) = patch.known_error {
        after.known_error = known.unwrap_or(false);
    }
    if let Some(impact) = patched_level(invalid, "impact", patch.impact.as_ref()) {
        after.impact = impact;
    }
    if let Some(urgency) = patched_level(invalid, "urgency", patch.urgency.as_ref()) {
        after.urgency = urgency;
    }
    after.priority = crate::domain::incident::priority(after.impact, after.urgency);
}

pub(crate) fn changes(before: Option<&Problem>, after: &Problem) -> Map<String, Value> {
    let fields = |p: &Problem| -> Vec<(&'static str, Value)> {
        vec![
            ("title", json!(p.title)),
            ("description", json!(p.description)),
            ("state", json!(p.state.as_str())),
            ("known_error", json!(p.known_error)),
            ("root_cause", json!(p.root_cause)),
            ("workaround", json!(p.workaround)),
            (
                "resolution_code",
                json!(p.resolution_code.map(ProblemResolution::as_str)),
            ),
            ("fix_notes", json!(p.fix_notes)),
            ("impact", json!(p.impact.as_str())),
            ("urgency", json!(p.urgency.as_str())),
            ("priority", json!(p.priority)),
            ("service", json!(p.service)),
            ("assignment_group", json!(p.assignment_group)),
            ("assignee", json!(p.assignee)),
        ]
    };
    crate::service::journal::field_changes(before.map(fields).as_deref(), fields(after))
}

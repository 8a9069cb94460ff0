//! Changing an incident's fields under the optimistic version check, with one journal entry
//! naming every changed field.

use serde_json::{Map, Value, json};

use crate::domain::incident::Incident;
use crate::domain::incident::{self, HoldReason, IncidentState, ResolutionCode};
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::fields::{MAX_TEXT, category, patched_level, patched_title, refuse_read_only};
use crate::service::incidents::input::IncidentPatch;
use crate::service::incidents::parse_number;
use crate::service::incidents::view::IncidentView;
use crate::service::references::{RefInput, References, check_membership};
use crate::store::journal::Kind;

/// Checks `If-Match` against the stored version: `412` with the current body when stale.
pub(crate) fn check_version(incident: &Incident, if_match: Option<i64>) -> AppResult<()> {
    crate::service::check_version(incident.version, if_match, || {
        IncidentView::new(incident.clone(), jiff::Timestamp::now())
    })
}

#[tracing::instrument(skip_all, fields(incident.number = %number))]
pub async fn update(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    patch: IncidentPatch,
    if_match: Option<i64>,
) -> AppResult<IncidentView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = crate::service::incidents::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    actor.may_change(before.assignment_group.as_deref())?;
    check_version(&before, if_match)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    apply_fields(&mut after, &patch, &mut invalid);
    let refs = References::resolve(
        &mut tx,
        &mut invalid,
        RefInput {
            caller: blank(patch.caller.as_ref()),
            service: blank(patch.service.as_ref()),
            assignment_group: blank(patch.assignment_group.as_ref()),
            assignee: blank(patch.assignee.as_ref()),
            parent: blank(patch.parent.as_ref()),
            scope: Some(&scope),
        },
        Some(&before),
    )
    .await?;
    apply_references(&mut after, refs);
    if !before.state.is_open()
        && before.state != IncidentState::Resolved
        && changed_any(&before, &after)
    {
        invalid.add("state", "error.incident_final");
    }
    check_membership(
        &mut tx,
        after.assignee_id,
        after.assignment_group_id,
        &mut invalid,
    )
    .await?;
    invalid.finish(|| ())?;
    let changes = changes(Some(&before), &after);
    if changes.is_empty() {
        tx.commit().await?;
        return Ok(IncidentView::new(before, jiff::Timestamp::now()));
    }
    if before.assignment_group_id.is_some()
        && after.assignment_group_id != before.assignment_group_id
    {
        after.reassignment_count += 1;
    }
    let incident = super::save_change(
        &mut tx,
        Some(actor),
        &before,
        &after,
        Kind::Change,
        None,
        changes,
    )
    .await?;
    tx.commit().await?;
    Ok(IncidentView::new(incident, jiff::Timestamp::now()))
}

/// Applies the plain fields of a patch (everything but references) to `after`.
fn apply_fields(after: &mut Incident, patch: &IncidentPatch, invalid: &mut Invalid) {
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
    if let Some(description) = &patch.description {
        let description = description.clone().unwrap_or_default();
        if description.chars().count() > MAX_TEXT {
            invalid.add("description", "error.too_long");
        }
        after.description = description;
    }
    if let Some(impact) = patched_level(invalid, "impact", patch.impact.as_ref()) {
        after.impact = impact;
    }
    if let Some(urgency) = patched_level(invalid, "urgency", patch.urgency.as_ref()) {
        after.urgency = urgency;
    }
    after.priority = incident::priority(after.impact, after.urgency);
    if let Some(value) = &patch.category
        && let Some(category) = category(invalid, Some(value.as_deref().unwrap_or_default()))
    {
        after.category = category;
    }
    if let Some(major) = patch.major {
        after.major = major.unwrap_or(false);
    }
}

/// A reference field of a patch: `null` reads as empty, which clears it.
fn blank(v: Option<&Option<String>>) -> Option<&str> {
    v.map(|v| v.as_deref().unwrap_or(""))
}

fn apply_references(incident: &mut Incident, refs: References) {
    if refs.caller_given {
        incident.caller_email = refs.caller_email;
        incident.caller_id = refs.caller_id;
    }
    if let Some(id) = refs.service_id {
        incident.service_id = id;
        incident.service = refs.service_key;
    }
    if let Some(id) = refs.group_id {
        incident.assignment_group_id = id;
        incident.assignment_group = refs.group_key;
    }
    if let Some(id) = refs.assignee_id {
        incident.assignee_id = id;
        incident.assignee = refs.assignee_email;
    }
    if let Some(id) = refs.parent_id {
        incident.parent_id = id;
        incident.parent = refs.parent_number;
    }
}

fn changed_any(before: &Incident, after: &Incident) -> bool {
    !changes(Some(before), after).is_empty()
}

/// Each field that differs, as `{"from", "to"}` with the values the API shows.
pub(super) fn changes(before: Option<&Incident>, after: &Incident) -> Map<String, Value> {
    let fields = |i: &Incident| -> Vec<(&'static str, Value)> {
        vec![
            ("title", json!(i.title)),
            ("description", json!(i.description)),
            ("state", json!(i.state.as_str())),
            ("hold_reason", json!(i.hold_reason.map(HoldReason::as_str))),
            ("impact", json!(i.impact.as_str())),
            ("urgency", json!(i.urgency.as_str())),
            ("priority", json!(i.priority)),
            ("caller", json!(i.caller_email)),
            ("service", json!(i.service)),
            ("category", json!(i.category)),
            ("assignment_group", json!(i.assignment_group)),
            ("assignee", json!(i.assignee)),
            ("parent", json!(i.parent)),
            ("major", json!(i.major)),
            (
                "resolution_code",
                json!(i.resolution_code.map(ResolutionCode::as_str)),
            ),
            ("resolution_notes", json!(i.resolution_notes)),
        ]
    };
    crate::service::journal::field_changes(before.map(fields).as_deref(), fields(after))
}

//! Logging an incident: validated, numbered, journaled as created, its SLA clock started, in
//! one transaction (with `Idempotency-Key` replay).

use serde_json::Value;

use crate::domain::incident;
use crate::domain::journal::SystemNote;
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::fields::{MAX_TEXT, category, level};
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::incidents::input::NewIncidentInput;
use crate::service::incidents::update::changes;
use crate::service::incidents::view::IncidentView;
use crate::service::references::{RefInput, References};
use crate::store::{
    self,
    journal::{Kind, Subject},
};

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &crate::db::Db,
    actor: &Actor,
    input: NewIncidentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<IncidentView>> {
    actor.require(Permission::WorkIncidents)?;
    log(db, actor, input, idempotency).await
}

/// Someone reports that something is broken, for themselves (the portal): a title and a
/// description, nothing an agent decides (group, priority, …); the desk triages it.
#[tracing::instrument(skip_all)]
pub async fn report(
    db: &crate::db::Db,
    actor: &Actor,
    title: Option<String>,
    description: Option<String>,
) -> AppResult<IncidentView> {
    actor.require(Permission::ReadOwn)?;
    let input = NewIncidentInput {
        title,
        description,
        caller: Some(actor.email.clone()),
        ..NewIncidentInput::default()
    };
    match log(db, actor, input, None).await? {
        Created::New(view) => Ok(view),
        Created::Replayed { .. } => Err(crate::error::AppError::Internal(anyhow::anyhow!(
            "a report without a key was replayed"
        ))),
    }
}

/// Logs an incident for an actor whose permission the caller checked.
async fn log(
    db: &crate::db::Db,
    actor: &Actor,
    input: NewIncidentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<IncidentView>> {
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let mut invalid = Invalid::default();
    let title = invalid.check(
        "title",
        required_text(input.title.as_deref().unwrap_or_default(), 200),
    );
    let description = input.description.unwrap_or_default();
    if description.chars().count() > MAX_TEXT {
        invalid.add("description", "error.too_long");
    }
    let impact = level(&mut invalid, "impact", input.impact.as_deref());
    let urgency = level(&mut invalid, "urgency", input.urgency.as_deref());
    let category = category(&mut invalid, input.category.as_deref());
    let refs = References::resolve(
        &mut tx,
        &mut invalid,
        RefInput {
            caller: input.caller.as_deref(),
            service: input.service.as_deref(),
            assignment_group: input.assignment_group.as_deref(),
            assignee: input.assignee.as_deref(),
            parent: input.parent.as_deref(),
            scope: Some(&scope),
        },
        None,
    )
    .await?;
    if let (Some(Some(user)), Some(Some(group))) = (refs.assignee_id, refs.group_id)
        && !store::users::is_member(&mut tx, user, group).await?
    {
        invalid.add("assignee", "error.not_member");
    }
    let (Some(title), false) = (title, !invalid.is_empty()) else {
        return Err(invalid.into());
    };
    let category = category.flatten();
    let priority = incident::priority(impact, urgency);
    let opened_at = jiff::Timestamp::now();
    let clock = crate::service::sla::opening_clock(
        &mut tx,
        refs.service_id.flatten(),
        refs.group_id.flatten(),
        priority,
        opened_at,
    )
    .await?;
    let new = store::incidents::NewIncident {
        title: &title,
        description: &description,
        impact,
        urgency,
        priority,
        caller_email: refs.caller_email.as_deref(),
        caller_id: refs.caller_id,
        service_id: refs.service_id.flatten(),
        category: category.as_deref(),
        assignment_group_id: refs.group_id.flatten(),
        assignee_id: refs.assignee_id.flatten(),
        parent_id: refs.parent_id.flatten(),
        major: input.major.unwrap_or(false),
        opened_by_id: actor.id,
        opened_at,
        sla: clock.as_ref().map(|(c, _)| *c),
    };
    let incident = store::incidents::insert(&mut tx, &new).await?;
    let id = incident.id;
    // The "created" entry and the service level's, in one round trip.
    let created = SystemNote::Created.text();
    let mut entries = vec![store::journal::NewEntry {
        subject: Subject::Incident(id),
        author_id: Some(actor.id),
        kind: Kind::Change,
        body: Some(&created),
        changes: Some(Value::Object(changes(None, &incident))),
    }];
    if let Some((_, (body, moved))) = &clock {
        entries.push(store::journal::NewEntry {
            subject: Subject::Incident(id),
            author_id: None,
            kind: Kind::System,
            body: Some(body),
            changes: Some(moved.clone()),
        });
    }
    store::journal::append_all(&mut tx, &entries).await?;
    let view = IncidentView::new(incident, jiff::Timestamp::now());
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!(incident.number = %view.number, "incident created");
    Ok(Created::New(view))
}

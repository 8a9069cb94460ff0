//! Logging an incident: validated, numbered, journaled as created, its SLA clock started, in
//! one transaction (with `Idempotency-Key` replay).

use serde_json::Value;

use crate::domain::incident::{self, Incident, IncidentState};
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
    log(db, actor, input, idempotency, None).await
}

/// Someone reports that something is broken, for themselves (the portal): a title and a
/// description, nothing an agent decides (group, priority, …); the desk triages it.
#[tracing::instrument(skip_all)]
pub async fn report(
    db: &crate::db::Db,
    actor: &Actor,
    title: Option<String>,
    description: Option<String>,
    files: Vec<crate::service::attachments::Staged>,
) -> AppResult<IncidentView> {
    logged(report_once(db, actor, title, description, files, None).await?)
}

/// `report`, once per `Idempotency-Key`: a retry (an inbound mail read through again after a
/// crash) answers with the incident the first try logged.
pub async fn report_once(
    db: &crate::db::Db,
    actor: &Actor,
    title: Option<String>,
    description: Option<String>,
    files: Vec<crate::service::attachments::Staged>,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<IncidentView>> {
    actor.require(Permission::ReadOwn)?;
    let input = NewIncidentInput {
        title,
        description,
        caller: Some(actor.email.clone()),
        files,
        ..NewIncidentInput::default()
    };
    log(db, actor, input, idempotency, None).await
}

/// A new incident without an idempotency key is never a replay.
fn logged(created: Created<IncidentView>) -> AppResult<IncidentView> {
    match created {
        Created::New(view) => Ok(view),
        Created::Replayed { .. } => Err(crate::error::AppError::Internal(anyhow::anyhow!(
            "an incident without a key was replayed"
        ))),
    }
}

/// The caller writes again after their incident was closed: a new incident continues it,
/// for the same service, category and group (so a confidential department's case stays in
/// it), with `body` as its description; both journals name the other. `422` naming `body`
/// when it is empty, the incident is not closed, or the reader is not its caller.
#[tracing::instrument(skip_all, fields(incident.number = %number))]
pub async fn follow_up(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    body: Option<String>,
) -> AppResult<IncidentView> {
    logged(follow_up_once(db, actor, number, body, Vec::new(), None).await?)
}

/// `follow_up`, once per `Idempotency-Key`.
pub async fn follow_up_once(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    body: Option<String>,
    files: Vec<crate::service::attachments::Staged>,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<IncidentView>> {
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.read().await?;
    let closed = super::readable(&mut conn, &scope, actor, number).await?;
    conn.done();
    if closed.state != IncidentState::Closed || closed.caller_id != Some(actor.id) {
        return Err(crate::error::AppError::field("body", "error.not_follow_up"));
    }
    let body = body.map(|b| b.trim().to_owned()).unwrap_or_default();
    if body.is_empty() {
        return Err(crate::error::AppError::field("body", "error.required"));
    }
    let input = NewIncidentInput {
        title: Some(closed.title.clone()),
        description: Some(body),
        caller: Some(actor.email.clone()),
        service: closed.service.clone(),
        category: closed.category.clone(),
        assignment_group: closed.assignment_group.clone(),
        files,
        ..NewIncidentInput::default()
    };
    log(db, actor, input, idempotency, Some(&closed)).await
}

/// Logs an incident for an actor whose permission the caller checked; `follows`: the closed
/// incident it continues.
async fn log(
    db: &crate::db::Db,
    actor: &Actor,
    input: NewIncidentInput,
    idempotency: Option<Idempotency>,
    follows: Option<&Incident>,
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
    journal_opening(
        &mut tx,
        actor,
        &incident,
        clock.as_ref().map(|(_, note)| note),
        follows,
    )
    .await?;
    if !input.files.is_empty() {
        // The files come with the report: the entry that logged it carries them.
        let subject = Subject::Incident(incident.id);
        let created = store::journal::first_entry(&mut tx, subject).await?;
        crate::service::attachments::attach(
            &mut tx,
            &db.storage().limits,
            created,
            subject,
            Some(actor),
            &input.files,
        )
        .await?;
    }
    let view = IncidentView::new(incident, jiff::Timestamp::now());
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!(incident.number = %view.number, "incident created");
    Ok(Created::New(view))
}

/// The new incident's first journal entries in one round trip: "created", the service
/// level's, and when it follows up a closed incident, the note in each journal.
async fn journal_opening(
    conn: &mut sqlx::PgConnection,
    actor: &Actor,
    incident: &Incident,
    clock: Option<&(String, Value)>,
    follows: Option<&Incident>,
) -> AppResult<()> {
    let id = incident.id;
    // The "created" entry and the service level's, in one round trip.
    let created = SystemNote::Created.text();
    let mut entries = vec![store::journal::NewEntry {
        subject: Subject::Incident(id),
        author_id: Some(actor.id),
        kind: Kind::Change,
        body: Some(&created),
        changes: Some(Value::Object(changes(None, incident))),
    }];
    if let Some((body, moved)) = clock {
        entries.push(store::journal::NewEntry {
            subject: Subject::Incident(id),
            author_id: None,
            kind: Kind::System,
            body: Some(body),
            changes: Some(moved.clone()),
        });
    }
    let follow_notes = follows.map_or_else(Vec::new, |old| follow_notes(old, incident));
    for (subject, body) in &follow_notes {
        entries.push(store::journal::NewEntry {
            subject: *subject,
            author_id: Some(actor.id),
            kind: Kind::System,
            body: Some(body),
            changes: None,
        });
    }
    store::journal::append_all(conn, &entries).await?;
    Ok(())
}

/// The notes that tie a follow-up and the closed incident it continues, one in each journal.
fn follow_notes(old: &Incident, new: &Incident) -> Vec<(Subject, String)> {
    vec![
        (
            Subject::Incident(new.id),
            SystemNote::FollowUpOf {
                incident: old.number.clone(),
            }
            .text(),
        ),
        (
            Subject::Incident(old.id),
            SystemNote::FollowedUpBy {
                incident: new.number.clone(),
            }
            .text(),
        ),
    ]
}

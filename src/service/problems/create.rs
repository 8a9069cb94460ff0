//! Recording a problem: from scratch or from an incident, journaled as created.

use serde_json::Value;

use crate::domain::journal::SystemNote;
use crate::domain::problem::Problem;
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::fields::{self, MAX_TEXT};
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::problems::input::NewProblemInput;
use crate::service::problems::links::link_in_tx;
use crate::service::problems::parse_incident;
use crate::service::problems::update::changes;
use crate::service::problems::view::ProblemView;
use crate::service::references::{RefInput, References, check_membership};
use crate::store::{
    self,
    journal::{Kind, Subject},
};

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &sqlx::PgPool,
    actor: &Actor,
    input: NewProblemInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<ProblemView>> {
    actor.require(Permission::WorkIncidents)?;
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
    let impact = fields::level(&mut invalid, "impact", input.impact.as_deref());
    let urgency = fields::level(&mut invalid, "urgency", input.urgency.as_deref());
    let refs = References::resolve(
        &mut tx,
        &mut invalid,
        RefInput {
            caller: None,
            service: input.service.as_deref(),
            assignment_group: input.assignment_group.as_deref(),
            assignee: input.assignee.as_deref(),
            parent: None,
            scope: None,
        },
        None,
    )
    .await?;
    check_membership(
        &mut tx,
        refs.assignee_id.flatten(),
        refs.group_id.flatten(),
        &mut invalid,
    )
    .await?;
    let (Some(title), true) = (title, invalid.is_empty()) else {
        return Err(invalid.into());
    };
    let problem = insert_with_entry(
        &mut tx,
        actor,
        &store::problems::NewProblem {
            title: &title,
            description: &description,
            impact,
            urgency,
            priority: crate::domain::incident::priority(impact, urgency),
            service_id: refs.service_id.flatten(),
            assignment_group_id: refs.group_id.flatten(),
            assignee_id: refs.assignee_id.flatten(),
            opened_by_id: actor.id,
        },
        &SystemNote::Created,
    )
    .await?;
    let view = ProblemView::from(problem);
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!(problem.number = %view.number, "problem created");
    Ok(Created::New(view))
}

/// Creates a problem from an incident (title, description, service, impact and urgency
/// copied) and links the incident to it.
#[tracing::instrument(skip_all, fields(incident.number = %incident_number))]
pub async fn create_from_incident(
    db: &crate::db::Db,
    actor: &Actor,
    incident_number: &str,
) -> AppResult<ProblemView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let incident_number = parse_incident(incident_number)?;
    let mut tx = db.begin().await?;
    let incident =
        crate::service::incidents::lock_in_scope(&mut tx, &scope, incident_number.as_str())
            .await?
            .ok_or(AppError::NotFound)?;
    if let Some(other) = &incident.problem {
        return Err(AppError::LinkedElsewhere(other.clone()));
    }
    let problem = insert_with_entry(
        &mut tx,
        actor,
        &store::problems::NewProblem::copied_from(&incident, actor.id),
        &SystemNote::CreatedFromIncident {
            incident: incident.number.clone(),
        },
    )
    .await?;
    link_in_tx(&mut tx, actor, &problem, &incident).await?;
    let problem = store::problems::find_by_id(&mut tx, problem.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(problem.into())
}

/// The one way a problem comes to be, in the caller's transaction: the row, the reread, and
/// the journal entry that records it with every field under `note`.
pub(crate) async fn insert_with_entry(
    conn: &mut sqlx::PgConnection,
    actor: &Actor,
    new: &store::problems::NewProblem<'_>,
    note: &SystemNote,
) -> AppResult<Problem> {
    let id = store::problems::insert(conn, new).await?;
    let problem = store::problems::find_by_id(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::service::journal::record(
        conn,
        Subject::Problem(id),
        Some(actor),
        Kind::Change,
        Some(&note.text()),
        Some(Value::Object(changes(None, &problem))),
    )
    .await?;
    Ok(problem)
}

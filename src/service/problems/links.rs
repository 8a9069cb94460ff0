//! Links between problems and incidents, and what flows along them: the workaround reaches
//! every linked incident in the transaction that set or linked it.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::Permission;
use crate::domain::incident::Incident;
use crate::domain::incident::{IncidentNumber, IncidentState};
use crate::domain::journal::SystemNote;
use crate::domain::problem::Problem;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents::IncidentView;
use crate::service::problems::input::LinkInput;
use crate::service::problems::{parse_incident, parse_number};
use crate::store::{
    self,
    journal::{Kind, Subject},
};

/// Links the incident; the link is written to both journals, and a workaround the problem
/// already has reaches the incident at once.
pub(crate) async fn link_in_tx(
    conn: &mut PgConnection,
    actor: &Actor,
    problem: &Problem,
    incident: &Incident,
) -> AppResult<()> {
    set_link(conn, actor, problem, incident, true).await?;
    if let Some(workaround) = problem
        .workaround
        .as_deref()
        .filter(|w| !w.trim().is_empty())
    {
        let body = workaround_note(&problem.number, workaround);
        crate::service::journal::record(
            conn,
            Subject::Incident(incident.id),
            None,
            Kind::System,
            Some(&body),
            None,
        )
        .await?;
    }
    Ok(())
}

fn workaround_note(problem: &str, workaround: &str) -> String {
    SystemNote::Workaround {
        problem: problem.to_owned(),
        text: workaround.to_owned(),
    }
    .text()
}

#[tracing::instrument(skip_all, fields(problem.number = %number))]
pub async fn link(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: LinkInput,
) -> AppResult<IncidentView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let incident_number = input.incident.as_deref().unwrap_or_default();
    let incident_number =
        IncidentNumber::parse(incident_number).map_err(|key| AppError::field("incident", key))?;
    let mut tx = db.begin().await?;
    let problem = crate::service::problems::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let incident =
        crate::service::incidents::lock_in_scope(&mut tx, &scope, incident_number.as_str())
            .await?
            .ok_or_else(|| AppError::field("incident", "error.unknown_incident"))?;
    ensure_linked(&mut tx, actor, &problem, &incident).await?;
    let incident = store::incidents::find_by_id(&mut tx, incident.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(IncidentView::new(incident, jiff::Timestamp::now()))
}

/// Links the incident unless it is linked already; linked to another problem it is `409`.
pub(crate) async fn ensure_linked(
    conn: &mut PgConnection,
    actor: &Actor,
    problem: &Problem,
    incident: &Incident,
) -> AppResult<()> {
    match incident.problem_id {
        Some(linked) if linked == problem.id => Ok(()),
        Some(_) => Err(AppError::LinkedElsewhere(
            incident.problem.clone().unwrap_or_default(),
        )),
        None => link_in_tx(conn, actor, problem, incident).await,
    }
}

#[tracing::instrument(skip_all, fields(problem.number = %number))]
pub async fn unlink(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    incident_number: &str,
) -> AppResult<()> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = parse_number(number)?;
    let incident_number = parse_incident(incident_number)?;
    let mut tx = db.begin().await?;
    let problem = crate::service::problems::lock_in_scope(&mut tx, &scope, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let incident =
        crate::service::incidents::lock_in_scope(&mut tx, &scope, incident_number.as_str())
            .await?
            .ok_or(AppError::NotFound)?;
    if incident.problem_id != Some(problem.id) {
        return Err(AppError::NotFound);
    }
    set_link(&mut tx, actor, &problem, &incident, false).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets (or clears) the incident's problem, writes the link to both journals and moves the
/// problem's version on.
async fn set_link(
    conn: &mut PgConnection,
    actor: &Actor,
    problem: &Problem,
    incident: &Incident,
    linked: bool,
) -> AppResult<()> {
    store::incidents::set_problem(conn, incident.id, linked.then_some(problem.id)).await?;
    let change = |number: &str| {
        if linked {
            json!({"from": null, "to": number})
        } else {
            json!({"from": number, "to": null})
        }
    };
    crate::service::journal::record(
        conn,
        Subject::Incident(incident.id),
        Some(actor),
        Kind::Link,
        Some(&problem.number),
        Some(json!({"problem": change(&problem.number)})),
    )
    .await?;
    crate::service::journal::record(
        conn,
        Subject::Problem(problem.id),
        Some(actor),
        Kind::Link,
        Some(&incident.number),
        Some(json!({"incidents": change(&incident.number)})),
    )
    .await?;
    store::problems::touch(conn, problem.id).await?;
    Ok(())
}

/// Writes the workaround to every linked incident that is not closed or canceled.
pub(super) async fn spread_workaround(
    conn: &mut PgConnection,
    number: &str,
    problem_id: Uuid,
    workaround: &str,
) -> AppResult<()> {
    let body = workaround_note(number, workaround);
    for incident_id in store::incidents::lock_linked(conn, problem_id).await? {
        let incident = store::incidents::find_by_id(conn, incident_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if matches!(
            incident.state,
            IncidentState::Closed | IncidentState::Canceled
        ) {
            continue;
        }
        crate::service::journal::record(
            conn,
            Subject::Incident(incident_id),
            None,
            Kind::System,
            Some(&body),
            None,
        )
        .await?;
    }
    Ok(())
}

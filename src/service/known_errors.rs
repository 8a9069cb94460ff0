//! Known errors where agents need them: searched by the words of a call, suggested for an
//! incident while the caller is still on the line, and applied to it in one step.

use serde::Deserialize;

use crate::db::Db;
use crate::domain::Permission;
use crate::domain::incident::{IncidentNumber, IncidentState, ResolutionCode, TransitionRequest};
use crate::domain::problem::ProblemNumber;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents::{self as incident_ops, IncidentView};
use crate::service::problems::{ProblemView, ensure_linked};
use crate::store;

/// Which known error to apply (`POST /api/v1/incidents/{number}/apply-known-error`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyKnownErrorInput {
    /// The problem's number; it must be a known error with a workaround.
    pub problem: Option<String>,
}

/// Applies a known error to an incident, in one transaction: links the incident to the
/// problem (the workaround reaches its journal) and resolves it with the workaround, so the
/// caller is helped while still on the line. Linked to another problem is `409`, a stale
/// `If-Match` `412`, a problem that is not a known error with a workaround `422`; a refusal
/// leaves the incident as it was.
#[tracing::instrument(skip_all, fields(incident.number = %incident_number))]
pub async fn apply(
    db: &crate::db::Db,
    actor: &Actor,
    incident_number: &str,
    input: ApplyKnownErrorInput,
    if_match: Option<i64>,
) -> AppResult<IncidentView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let incident_number = IncidentNumber::parse(incident_number).map_err(|_| AppError::NotFound)?;
    let problem_number = ProblemNumber::parse(input.problem.as_deref().unwrap_or_default())
        .map_err(|key| AppError::field("problem", key))?;
    let mut tx = db.begin().await?;
    // Problem first, then incident: the order `problems::link` locks them in.
    let problem = crate::service::problems::lock_in_scope(&mut tx, &scope, problem_number.as_str())
        .await?
        .ok_or_else(|| AppError::field("problem", "error.unknown_problem"))?;
    let Some(workaround) = problem
        .workaround
        .as_deref()
        .map(str::trim)
        .filter(|w| problem.known_error && !w.is_empty())
    else {
        return Err(AppError::field("problem", "error.not_a_known_error"));
    };
    let notes = format!("{}: {workaround}", problem.number);
    let incident =
        crate::service::incidents::lock_in_scope(&mut tx, &scope, incident_number.as_str())
            .await?
            .ok_or(AppError::NotFound)?;
    actor.may_change(incident.assignment_group.as_deref())?;
    incident_ops::check_version(&incident, if_match)?;
    ensure_linked(&mut tx, actor, &problem, &incident).await?;
    // Reread: linking moved the version on.
    let linked = store::incidents::find_by_id(&mut tx, incident.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let request = TransitionRequest {
        to: IncidentState::Resolved.as_str().to_owned(),
        resolution_code: Some(ResolutionCode::Workaround.as_str().to_owned()),
        resolution_notes: Some(notes),
        ..TransitionRequest::default()
    };
    let resolved = incident_ops::move_in_tx(&mut tx, actor, linked, &request).await?;
    tx.commit().await?;
    tracing::info!(problem.number = %problem.number, "known error applied");
    Ok(IncidentView::new(resolved, jiff::Timestamp::now()))
}

/// Known errors matching `q` (German and English word forms), best first, with workarounds.
pub async fn known_errors(
    db: &Db,
    actor: &Actor,
    q: &str,
    limit: i64,
) -> AppResult<Vec<ProblemView>> {
    actor.require(Permission::Read)?;
    Ok(matching(db, actor, q, limit)
        .await?
        .into_iter()
        .map(ProblemView::from)
        .collect())
}

/// The known errors in the actor's scope whose text matches `q`, best first.
async fn matching(
    db: &Db,
    actor: &Actor,
    q: &str,
    limit: i64,
) -> AppResult<Vec<crate::domain::problem::Problem>> {
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.read().await?;
    let tsquery = store::search::as_any_word_tsquery(&mut conn, q).await?;
    if tsquery.is_empty() {
        conn.done();
        return Ok(Vec::new());
    }
    let found = store::problems::known_errors(&mut conn, &tsquery, limit, &scope.hidden).await?;
    conn.done();
    Ok(found.into_iter().map(|(p, _)| p).collect())
}

/// How much of an incident's description its suggestions look at.
const SUGGESTION_TEXT: usize = 300;

/// Known errors whose text matches the incident's title and description, best first.
pub async fn suggestions(
    db: &Db,
    actor: &Actor,
    incident_number: &str,
) -> AppResult<Vec<ProblemView>> {
    let incident = incident_ops::get(db, actor, incident_number).await?;
    // The title and the start of the description: what the caller said first says most, and
    // a shorter query ranks faster.
    let opening: String = incident.description.chars().take(SUGGESTION_TEXT).collect();
    known_errors(db, actor, &format!("{} {opening}", incident.title), 5).await
}

/// A known error as the portal offers it to someone asking for help: what it is called and
/// what to do, nothing of the investigation.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SelfHelp {
    pub problem: String,
    pub title: String,
    pub workaround: String,
}

/// Known errors with a workaround matching what someone typed, best first, for anyone signed
/// in (callers too): only the title and the workaround leave the desk.
pub async fn self_help(db: &Db, actor: &Actor, q: &str, limit: i64) -> AppResult<Vec<SelfHelp>> {
    actor.require(Permission::ReadOwn)?;
    Ok(matching(db, actor, q, limit)
        .await?
        .into_iter()
        .filter_map(|p| {
            let workaround = p.workaround.filter(|w| !w.trim().is_empty())?;
            Some(SelfHelp {
                problem: p.number,
                title: p.title,
                workaround,
            })
        })
        .collect())
}

/// "This solved it": a known error's workaround helped someone in the portal, and no ticket
/// is opened. The problem must be a known error the actor was offered (in their scope).
pub async fn solved_by(db: &Db, actor: &Actor, problem: &str, query: &str) -> AppResult<()> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let number = ProblemNumber::parse(problem).map_err(|key| AppError::field("problem", key))?;
    let mut tx = db.begin().await?;
    let found = store::problems::find_by_number(&mut tx, number.as_str())
        .await?
        // Offered to callers too: only a confidential department hides a known error.
        .filter(|p| p.known_error && p.department_id.is_none_or(|d| !scope.hidden.contains(&d)))
        .ok_or_else(|| AppError::field("problem", "error.not_a_known_error"))?;
    let query: String = query.trim().chars().take(1000).collect();
    store::problems::record_deflection(&mut tx, actor.id, found.id, &query).await?;
    tx.commit().await?;
    tracing::info!(problem.number = %found.number, "self-help solved a problem without a ticket");
    Ok(())
}

//! The improvement register (issue 15): criticism taken as improvement potential. Anyone on
//! the desk (agents and up) submits an idea, from an incident or problem page (linked to it)
//! or on its own; the process owners (problem managers and admins, as for PDCA markers) move
//! it on (`domain::improvement`), a decline with the reason its submitter reads. Every move
//! is in the idea's journal; a done idea can become a PDCA marker.
//!
//! Who reads an idea: staff who read internal content (agents and up), except that an idea
//! about a confidential department's case stays with that department's members, and its
//! submitter always reads their own.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::improvement::{ImprovementState, check_move};
use crate::domain::journal::SystemNote;
use crate::domain::validation::{Invalid, required_text};
use crate::domain::{FieldError, Permission};
use crate::error::{AppError, AppResult};
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::journal::JournalView;
use crate::service::{Actor, Page};
use crate::store::{self, improvements::ImprovementRow, journal::Kind, journal::Subject};

/// An idea as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementInput {
    /// What could be better, in a line (up to 200 characters).
    pub title: Option<String>,
    /// Why, and how (up to 4,000 characters).
    pub description: Option<String>,
    /// The incident it came from (its number), if any.
    pub incident: Option<String>,
    /// The problem it came from (its number), if any; not both.
    pub problem: Option<String>,
}

/// A move of an idea by a process owner.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementMove {
    /// The state to move to: from `new` to `accepted`, `planned`, `done` or `declined`; from
    /// `accepted` to `planned`, `done` or `declined`; from `planned` to `accepted`, `done` or
    /// `declined`; from `declined` back to `new`. `done` is the end.
    #[schema(value_type = Option<ImprovementState>)]
    pub state: Option<String>,
    /// Why (required to decline; the submitter reads it). Up to 2,000 characters.
    pub reason: Option<String>,
}

/// An idea.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImprovementView {
    pub number: String,
    pub title: String,
    pub description: String,
    pub state: ImprovementState,
    /// The reason given with the last move (a decline's reason).
    pub reason: Option<String>,
    pub incident: Option<String>,
    pub problem: Option<String>,
    /// The submitter's e-mail.
    pub submitted_by: String,
    pub submitted_at: jiff::Timestamp,
    /// Since when it is in its state.
    pub state_since: jiff::Timestamp,
    /// The PDCA marker it became (`GET /api/v1/insight/markers/{id}`).
    pub marker: Option<Uuid>,
    pub version: i64,
}

impl From<ImprovementRow> for ImprovementView {
    fn from(r: ImprovementRow) -> Self {
        ImprovementView {
            number: r.number,
            title: r.title,
            description: r.description,
            state: ImprovementState::parse(&r.state).unwrap_or(ImprovementState::New),
            reason: r.reason,
            incident: r.incident,
            problem: r.problem,
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at.to_jiff(),
            state_since: r.state_since.to_jiff(),
            marker: r.marker_id,
            version: r.version,
        }
    }
}

/// The confidential departments the reader is no member of.
async fn hidden(db: &Db, actor: &Actor) -> AppResult<Vec<Uuid>> {
    let reference = crate::service::reference::data(db).await?;
    Ok(reference.hidden_departments(&actor.groups))
}

/// The record an idea is linked to, when the submitter may read it: its subject and its
/// department. An unknown (or unreadable) number is refused on its field.
async fn linked(
    db: &Db,
    actor: &Actor,
    invalid: &mut Invalid,
    input: &ImprovementInput,
) -> AppResult<(Option<Uuid>, Option<Uuid>, Option<Uuid>)> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let (incident, problem) = (text(&input.incident), text(&input.problem));
    if incident.is_some() && problem.is_some() {
        invalid.add("problem", "error.improvement_one_record");
        return Ok((None, None, None));
    }
    let (field, table, number, key) = match (&incident, &problem) {
        (Some(n), _) => ("incident", "incidents", n, "error.unknown_incident"),
        (_, Some(n)) => ("problem", "problems", n, "error.unknown_problem"),
        _ => return Ok((None, None, None)),
    };
    // The record's own read rules decide whether the submitter may link it.
    let readable = if field == "incident" {
        crate::service::incidents::get(db, actor, number)
            .await
            .map(|_| ())
    } else {
        crate::service::problems::get(db, actor, number)
            .await
            .map(|_| ())
    };
    match readable {
        Ok(()) => {}
        Err(AppError::NotFound | AppError::Forbidden) => {
            invalid.add(field, key);
            return Ok((None, None, None));
        }
        Err(e) => return Err(e),
    }
    let mut conn = db.acquire().await?;
    let Some((id, department)) =
        store::improvements::record_place(&mut conn, table, number).await?
    else {
        invalid.add(field, key);
        return Ok((None, None, None));
    };
    Ok(if field == "incident" {
        (Some(id), None, department)
    } else {
        (None, Some(id), department)
    })
}

/// Submits an idea (agents and up). `422` names every refused field; with an
/// `Idempotency-Key`, a retry returns the first answer.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: ImprovementInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<ImprovementView>> {
    actor.require(Permission::WorkIncidents)?;
    let mut invalid = Invalid::default();
    let title = invalid.check(
        "title",
        required_text(input.title.as_deref().unwrap_or_default(), 200),
    );
    let description = input
        .description
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if description.chars().count() > 4000 {
        invalid.add("description", "error.too_long");
    }
    let (incident_id, problem_id, department_id) = linked(db, actor, &mut invalid, &input).await?;
    let Some(title) = title else {
        return Err(AppError::Validation(invalid.0));
    };
    if !invalid.is_empty() {
        return Err(AppError::Validation(invalid.0));
    }
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let row = store::improvements::insert(
        &mut tx,
        &store::improvements::NewImprovement {
            title: &title,
            description: &description,
            incident_id,
            problem_id,
            department_id,
            submitted_by_id: actor.id,
        },
    )
    .await?;
    crate::service::journal::record(
        &mut tx,
        Subject::Improvement(row.id),
        Some(actor),
        Kind::Change,
        Some(&SystemNote::Created.text()),
        Some(serde_json::json!({
            "title": {"from": null, "to": row.title},
            "state": {"from": null, "to": "new"},
        })),
    )
    .await?;
    let view = ImprovementView::from(row);
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

async fn find(db: &Db, actor: &Actor, number: &str) -> AppResult<ImprovementRow> {
    actor.require(Permission::ReadInternal)?;
    let hidden = hidden(db, actor).await?;
    let mut conn = db.acquire().await?;
    store::improvements::find(&mut conn, number.trim(), actor.id, &hidden, false)
        .await?
        .ok_or(AppError::NotFound)
}

/// One idea, when the reader may read it; `404` otherwise.
pub async fn get(db: &Db, actor: &Actor, number: &str) -> AppResult<ImprovementView> {
    Ok(find(db, actor, number).await?.into())
}

/// An idea's history, oldest first.
pub async fn journal(db: &Db, actor: &Actor, number: &str) -> AppResult<Vec<JournalView>> {
    let row = find(db, actor, number).await?;
    let mut conn = db.acquire().await?;
    let entries = store::journal::of(&mut conn, Subject::Improvement(row.id)).await?;
    Ok(JournalView::visible(entries, true))
}

/// Whether the actor may move ideas on (the process owners).
pub fn may_triage(actor: &Actor) -> bool {
    actor.can(Permission::ManageProblems)
}

/// Moves an idea on (process owners). With `If-Match`, a stale version is `412` with the
/// current idea; a move the idea cannot make is `422` naming `state`, a decline without a
/// reason `422` naming `reason`.
pub async fn triage(
    db: &Db,
    actor: &Actor,
    number: &str,
    input: ImprovementMove,
    if_match: Option<i64>,
) -> AppResult<ImprovementView> {
    actor.require(Permission::ManageProblems)?;
    let hidden = hidden(db, actor).await?;
    let mut tx = db.begin().await?;
    let row = store::improvements::find(&mut tx, number.trim(), actor.id, &hidden, true)
        .await?
        .ok_or(AppError::NotFound)?;
    super::check_version(row.version, if_match, || ImprovementView::from(row.clone()))?;
    let to = ImprovementState::parse(input.state.as_deref().unwrap_or_default())
        .map_err(|key| AppError::Validation(vec![FieldError::new("state", key)]))?;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::field("reason", "error.too_long"));
    }
    let from = ImprovementState::parse(&row.state).unwrap_or(ImprovementState::New);
    check_move(from, to, reason).map_err(|(field, key)| AppError::field(field, key))?;
    store::improvements::set_state(&mut tx, row.id, to.as_str(), reason).await?;
    crate::service::journal::record(
        &mut tx,
        Subject::Improvement(row.id),
        Some(actor),
        Kind::Transition,
        reason,
        Some(serde_json::json!({"state": {"from": from.as_str(), "to": to.as_str()}})),
    )
    .await?;
    let row = store::improvements::by_id(&mut tx, row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// Links a done idea to the PDCA marker it became, in the marker's transaction; an idea not
/// done (or not readable) is refused on the field `improvement`.
pub(crate) async fn became_marker(
    conn: &mut sqlx::PgConnection,
    actor: &Actor,
    hidden: &[Uuid],
    number: &str,
    marker: Uuid,
) -> AppResult<()> {
    let row = store::improvements::find(conn, number.trim(), actor.id, hidden, true)
        .await?
        .ok_or_else(|| AppError::field("improvement", "error.unknown_improvement"))?;
    if row.state != ImprovementState::Done.as_str() {
        return Err(AppError::field("improvement", "error.improvement_not_done"));
    }
    store::improvements::set_marker(conn, row.id, marker).await?;
    crate::service::journal::record(
        conn,
        Subject::Improvement(row.id),
        Some(actor),
        Kind::Change,
        None,
        Some(serde_json::json!({"marker": {"from": row.marker_id, "to": marker}})),
    )
    .await
}

/// The ideas the reader may read, newest first: all of a state, or only their own.
pub async fn list(
    db: &Db,
    actor: &Actor,
    state: Option<&str>,
    mine: bool,
    after: Option<&str>,
    limit: i64,
) -> AppResult<Page<ImprovementView>> {
    actor.require(Permission::ReadInternal)?;
    // Sent empty is malformed (400), as the document's enum says; the page sends none for
    // "all".
    let state = state
        .map(str::trim)
        .map(|s| {
            ImprovementState::parse(s)
                .map_err(|key| AppError::InvalidParameter(FieldError::new("state", key)))
        })
        .transpose()?;
    let after = after
        .map(|key| {
            crate::service::decode_time_cursor(key, "s")
                .ok_or_else(|| AppError::field("cursor", "error.cursor"))
        })
        .transpose()?;
    let hidden = hidden(db, actor).await?;
    let mut conn = db.acquire().await?;
    let rows = store::improvements::list(
        &mut conn,
        &store::improvements::Filter {
            state: state.map(ImprovementState::as_str),
            submitted_by: mine.then_some(actor.id),
            reader: actor.id,
            hidden: &hidden,
        },
        after,
        limit,
    )
    .await?;
    Ok(Page::from_rows(
        rows,
        limit,
        |r| crate::service::time_cursor("s", r.submitted_at.to_jiff(), r.id),
        ImprovementView::from,
    ))
}

/// How many ideas are in a state, and how old they are (days since submitted).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StateCount {
    pub state: ImprovementState,
    pub count: i64,
    pub median_age_days: Option<f64>,
    pub oldest_age_days: Option<f64>,
}

/// Every state's count and ages among the ideas the reader may read, in the states' order.
pub async fn counts(db: &Db, actor: &Actor) -> AppResult<Vec<StateCount>> {
    actor.require(Permission::Read)?;
    let hidden = hidden(db, actor).await?;
    let mut conn = db.read().await?;
    let rows = store::improvements::counts(&mut conn, actor.id, &hidden).await?;
    Ok(ImprovementState::ALL
        .iter()
        .map(|state| {
            let row = rows.iter().find(|r| r.state == state.as_str());
            StateCount {
                state: *state,
                count: row.map_or(0, |r| r.count),
                median_age_days: row.and_then(|r| r.median_age_days),
                oldest_age_days: row.and_then(|r| r.oldest_age_days),
            }
        })
        .collect())
}

/// Ideas as CSV.
pub fn csv(items: &[ImprovementView]) -> String {
    use crate::service::csv::{csv_cell, optional};
    let mut out = String::from(
        "number,title,state,reason,incident,problem,submitted_by,submitted_at,state_since,marker\r\n",
    );
    for i in items {
        let cells = [
            csv_cell(&i.number),
            csv_cell(&i.title),
            i.state.as_str().to_owned(),
            csv_cell(i.reason.as_deref().unwrap_or_default()),
            optional(i.incident.as_deref()),
            optional(i.problem.as_deref()),
            csv_cell(&i.submitted_by),
            i.submitted_at.to_string(),
            i.state_since.to_string(),
            optional(i.marker),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

//! Problem operations: records and workflow, links to incidents, and what flows from a problem
//! to its incidents — the workaround, and the resolution — each in the transaction of its
//! cause. Known errors are offered where agents need them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::csv::csv_cell;
use super::fields::{self, MAX_TEXT, bad_parameter, unknown_reference};
use super::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use super::incidents::{self as incident_ops, IncidentView};
use super::journal::{CommentInput, JournalView};
use super::references::{RefInput, References};
use super::{Actor, Page, PageRequest};
use crate::domain::incident::{IncidentNumber, IncidentState, Level};
use crate::domain::problem::{
    self, ProblemNumber, ProblemResolution, ProblemState, ProblemTransitionError,
    ProblemTransitionRequest,
};
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store::{
    self,
    journal::{Kind, NewEntry, Subject},
    problems::Problem,
};

/// A problem as API.md shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemView {
    pub number: String,
    pub title: String,
    pub description: String,
    pub state: ProblemState,
    pub known_error: bool,
    pub root_cause: Option<String>,
    pub workaround: Option<String>,
    pub resolution_code: Option<ProblemResolution>,
    pub fix_notes: Option<String>,
    pub impact: Level,
    pub urgency: Level,
    pub priority: i16,
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    pub assignee: Option<String>,
    /// How many incidents are linked.
    pub incident_count: i64,
    pub opened_by: String,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub resolved_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub version: i64,
}

impl From<Problem> for ProblemView {
    fn from(p: Problem) -> Self {
        ProblemView {
            number: p.number,
            title: p.title,
            description: p.description,
            state: p.state,
            known_error: p.known_error,
            root_cause: p.root_cause,
            workaround: p.workaround,
            resolution_code: p.resolution_code,
            fix_notes: p.fix_notes,
            impact: p.impact,
            urgency: p.urgency,
            priority: p.priority,
            service: p.service,
            assignment_group: p.assignment_group,
            assignee: p.assignee,
            incident_count: p.incident_count,
            opened_by: p.opened_by,
            opened_at: p.opened_at,
            updated_at: p.updated_at,
            resolved_at: p.resolved_at,
            closed_at: p.closed_at,
            version: p.version,
        }
    }
}

/// A new problem. Only `title` is required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProblemInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub impact: Option<String>,
    pub urgency: Option<String>,
    /// A service key.
    pub service: Option<String>,
    /// A group key.
    pub assignment_group: Option<String>,
    /// A user's e-mail; must be a member of the assignment group.
    pub assignee: Option<String>,
}

/// Absent means unchanged; `null` clears a field that may be empty.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemPatch {
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub impact: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub urgency: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub service: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub assignment_group: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
    /// Problem managers only.
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub root_cause: Option<Option<String>>,
    /// Problem managers only. Setting or changing it writes it to every open linked incident.
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub workaround: Option<Option<String>>,
    /// Problem managers only; needs a root cause and a workaround.
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<bool>)]
    pub known_error: Option<Option<bool>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(ignore)]
    pub state: Option<Option<Value>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(ignore)]
    pub priority: Option<Option<Value>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(ignore)]
    pub number: Option<Option<Value>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(ignore)]
    pub version: Option<Option<Value>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemTransitionInput {
    pub to: String,
    /// Required for `resolved`, and for closing early (`canceled` or `duplicate`).
    pub resolution_code: Option<String>,
    /// Required for `resolved`.
    pub fix_notes: Option<String>,
    /// Required to reopen (`resolved` → `root_cause_analysis`).
    pub reason: Option<String>,
    /// With `resolved`: also resolve the linked incidents in new, `in_progress` and `on_hold`
    /// (default `true`).
    pub resolve_incidents: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The incident's number.
    pub incident: Option<String>,
}

fn parse_number(number: &str) -> AppResult<ProblemNumber> {
    ProblemNumber::parse(number).map_err(|_| AppError::NotFound)
}

fn parse_incident(number: &str) -> AppResult<IncidentNumber> {
    IncidentNumber::parse(number).map_err(|_| AppError::NotFound)
}

fn check_version(problem: &Problem, if_match: Option<i64>) -> AppResult<()> {
    super::check_version(problem.version, if_match, || {
        ProblemView::from(problem.clone())
    })
}

async fn journal_entry(
    conn: &mut PgConnection,
    subject: Subject,
    actor: Option<&Actor>,
    kind: Kind,
    body: Option<&str>,
    changes: Option<Value>,
) -> AppResult<()> {
    store::journal::append(
        conn,
        NewEntry {
            subject,
            author_id: actor.map(|a| a.id),
            kind,
            body,
            changes,
        },
    )
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ reads

pub async fn get(db: &PgPool, actor: &Actor, number: &str) -> AppResult<ProblemView> {
    actor.require(Permission::Read)?;
    let number = parse_number(number)?;
    let mut conn = db.acquire().await?;
    let problem = store::problems::find_by_number(&mut conn, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(problem.into())
}

pub async fn journal(db: &PgPool, actor: &Actor, number: &str) -> AppResult<Vec<JournalView>> {
    actor.require(Permission::Read)?;
    let number = parse_number(number)?;
    let mut conn = db.acquire().await?;
    let problem = store::problems::find_by_number(&mut conn, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let entries = store::journal::for_problem(&mut conn, problem.id).await?;
    Ok(JournalView::visible(entries, actor))
}

/// The incidents linked to a problem, newest first (every one: a problem links a cluster).
pub async fn incidents(db: &PgPool, actor: &Actor, number: &str) -> AppResult<Vec<IncidentView>> {
    let problem = get(db, actor, number).await?;
    let query = incident_ops::ListQuery {
        problem: Some(problem.number),
        ..Default::default()
    };
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = incident_ops::list(db, actor, &query, after.as_deref(), 200).await?;
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}

// ------------------------------------------------------------------ create

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &PgPool,
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
        },
        None,
    )
    .await?;
    check_member(
        &mut tx,
        refs.assignee_id.flatten(),
        refs.group_id.flatten(),
        &mut invalid,
    )
    .await?;
    let (Some(title), true) = (title, invalid.is_empty()) else {
        return Err(invalid.into());
    };
    let id = store::problems::insert(
        &mut tx,
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
    )
    .await?;
    let problem = store::problems::find_by_id(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    journal_entry(
        &mut tx,
        Subject::Problem(id),
        Some(actor),
        Kind::Change,
        Some("created"),
        Some(Value::Object(changes(None, &problem))),
    )
    .await?;
    let view = ProblemView::from(problem);
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!(problem.number = %view.number, "problem created");
    Ok(Created::New(view))
}

async fn check_member(
    conn: &mut PgConnection,
    user: Option<Uuid>,
    group: Option<Uuid>,
    invalid: &mut Invalid,
) -> AppResult<()> {
    if let (Some(user), Some(group)) = (user, group)
        && !store::users::is_member(conn, user, group).await?
    {
        invalid.add("assignee", "error.not_member");
    }
    Ok(())
}

/// Creates a problem from an incident (title, description, service, impact and urgency
/// copied) and links the incident to it.
#[tracing::instrument(skip_all, fields(incident.number = %incident_number))]
pub async fn create_from_incident(
    db: &PgPool,
    actor: &Actor,
    incident_number: &str,
) -> AppResult<ProblemView> {
    actor.require(Permission::WorkIncidents)?;
    let incident_number = parse_incident(incident_number)?;
    let mut tx = db.begin().await?;
    let incident = store::incidents::lock_by_number(&mut tx, incident_number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(other) = &incident.problem {
        return Err(AppError::LinkedElsewhere(other.clone()));
    }
    let id = store::problems::insert(
        &mut tx,
        &store::problems::NewProblem {
            title: &incident.title,
            description: &incident.description,
            impact: incident.impact,
            urgency: incident.urgency,
            priority: incident.priority,
            service_id: incident.service_id,
            assignment_group_id: None,
            assignee_id: None,
            opened_by_id: actor.id,
        },
    )
    .await?;
    let problem = store::problems::find_by_id(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = format!("created from {}", incident.number);
    journal_entry(
        &mut tx,
        Subject::Problem(id),
        Some(actor),
        Kind::Change,
        Some(&body),
        Some(Value::Object(changes(None, &problem))),
    )
    .await?;
    link_in_tx(&mut tx, actor, &problem, &incident).await?;
    let problem = store::problems::find_by_id(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(problem.into())
}

// ------------------------------------------------------------------ links

/// Links the incident; the link is written to both journals, and a workaround the problem
/// already has reaches the incident at once.
async fn link_in_tx(
    conn: &mut PgConnection,
    actor: &Actor,
    problem: &Problem,
    incident: &store::incidents::Incident,
) -> AppResult<()> {
    store::incidents::set_problem(conn, incident.id, Some(problem.id)).await?;
    let change = json!({"problem": {"from": null, "to": problem.number}});
    journal_entry(
        conn,
        Subject::Incident(incident.id),
        Some(actor),
        Kind::Link,
        Some(&problem.number),
        Some(change),
    )
    .await?;
    let change = json!({"incidents": {"from": null, "to": incident.number}});
    journal_entry(
        conn,
        Subject::Problem(problem.id),
        Some(actor),
        Kind::Link,
        Some(&incident.number),
        Some(change),
    )
    .await?;
    store::problems::touch(conn, problem.id).await?;
    if let Some(workaround) = problem
        .workaround
        .as_deref()
        .filter(|w| !w.trim().is_empty())
    {
        let body = workaround_note(&problem.number, workaround);
        journal_entry(
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
    format!("Workaround from {problem}: {workaround}")
}

#[tracing::instrument(skip_all, fields(problem.number = %number))]
pub async fn link(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    input: LinkInput,
) -> AppResult<IncidentView> {
    actor.require(Permission::WorkIncidents)?;
    let number = parse_number(number)?;
    let incident_number = input.incident.as_deref().unwrap_or_default();
    let incident_number =
        IncidentNumber::parse(incident_number).map_err(|key| AppError::field("incident", key))?;
    let mut tx = db.begin().await?;
    let problem = store::problems::lock_by_number(&mut tx, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let incident = store::incidents::lock_by_number(&mut tx, incident_number.as_str())
        .await?
        .ok_or_else(|| AppError::field("incident", "error.unknown_incident"))?;
    match incident.problem_id {
        Some(linked) if linked == problem.id => {}
        Some(_) => {
            return Err(AppError::LinkedElsewhere(
                incident.problem.clone().unwrap_or_default(),
            ));
        }
        None => link_in_tx(&mut tx, actor, &problem, &incident).await?,
    }
    let incident = store::incidents::find_by_id(&mut tx, incident.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(IncidentView::new(incident, jiff::Timestamp::now()))
}

#[tracing::instrument(skip_all, fields(problem.number = %number))]
pub async fn unlink(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    incident_number: &str,
) -> AppResult<()> {
    actor.require(Permission::WorkIncidents)?;
    let number = parse_number(number)?;
    let incident_number = parse_incident(incident_number)?;
    let mut tx = db.begin().await?;
    let problem = store::problems::lock_by_number(&mut tx, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let incident = store::incidents::lock_by_number(&mut tx, incident_number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if incident.problem_id != Some(problem.id) {
        return Err(AppError::NotFound);
    }
    store::incidents::set_problem(&mut tx, incident.id, None).await?;
    let change = json!({"problem": {"from": problem.number, "to": null}});
    journal_entry(
        &mut tx,
        Subject::Incident(incident.id),
        Some(actor),
        Kind::Link,
        Some(&problem.number),
        Some(change),
    )
    .await?;
    let change = json!({"incidents": {"from": incident.number, "to": null}});
    journal_entry(
        &mut tx,
        Subject::Problem(problem.id),
        Some(actor),
        Kind::Link,
        Some(&incident.number),
        Some(change),
    )
    .await?;
    store::problems::touch(&mut tx, problem.id).await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ change

/// Changes fields. Root cause, workaround and the known-error flag are for problem managers;
/// a new workaround is written to every linked incident that is not closed or canceled.
#[tracing::instrument(skip_all, fields(problem.number = %number))]
pub async fn update(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    patch: ProblemPatch,
    if_match: Option<i64>,
) -> AppResult<ProblemView> {
    actor.require(Permission::WorkIncidents)?;
    if patch.root_cause.is_some() || patch.workaround.is_some() || patch.known_error.is_some() {
        actor.require(Permission::ManageProblems)?;
    }
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = store::problems::lock_by_number(&mut tx, number.as_str())
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
    check_member(
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
    if !store::problems::update(&mut tx, &after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "problem changed under its row lock"
        )));
    }
    journal_entry(
        &mut tx,
        Subject::Problem(after.id),
        Some(actor),
        Kind::Change,
        None,
        Some(Value::Object(changed)),
    )
    .await?;
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
    for (field, sent) in [
        ("state", &patch.state),
        ("priority", &patch.priority),
        ("number", &patch.number),
        ("version", &patch.version),
    ] {
        if sent.is_some() {
            invalid.add(field, "error.read_only");
        }
    }
    if let Some(title) = &patch.title
        && let Some(title) = invalid.check(
            "title",
            required_text(title.as_deref().unwrap_or_default(), 200),
        )
    {
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
    if let Some(impact) = &patch.impact {
        after.impact = fields::level(
            invalid,
            "impact",
            Some(impact.as_deref().unwrap_or_default()),
        );
    }
    if let Some(urgency) = &patch.urgency {
        after.urgency = fields::level(
            invalid,
            "urgency",
            Some(urgency.as_deref().unwrap_or_default()),
        );
    }
    after.priority = crate::domain::incident::priority(after.impact, after.urgency);
}

/// Writes the workaround to every linked incident that is not closed or canceled.
async fn spread_workaround(
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
        journal_entry(
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

fn changes(before: Option<&Problem>, after: &Problem) -> Map<String, Value> {
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
    super::journal::field_changes(before.map(fields).as_deref(), fields(after))
}

// ------------------------------------------------------------------ workflow

/// Moves the problem; resolving it resolves its open incidents (unless `resolve_incidents`
/// is `false`), those waiting for it first, in the same transaction. Problem managers only.
#[tracing::instrument(skip_all, fields(problem.number = %number, to = %input.to))]
pub async fn transition(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    input: ProblemTransitionInput,
    if_match: Option<i64>,
) -> AppResult<ProblemView> {
    actor.require(Permission::ManageProblems)?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = store::problems::lock_by_number(&mut tx, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    check_version(&before, if_match)?;
    let request = ProblemTransitionRequest {
        to: input.to,
        resolution_code: input.resolution_code,
        fix_notes: input.fix_notes,
        reason: input.reason,
    };
    let planned =
        problem::plan_transition(before.state, &request).map_err(|error| match error {
            ProblemTransitionError::NotAllowed { from, to } => AppError::Transition {
                from: from.as_str(),
                to: to.as_str(),
                allowed: from.allowed_next().iter().map(|s| s.as_str()).collect(),
            },
            ProblemTransitionError::Invalid(fields) => AppError::Validation(fields),
        })?;
    let now = jiff::Timestamp::now();
    let mut after = before.clone();
    after.state = planned.to;
    match (planned.from, planned.to) {
        (_, ProblemState::Resolved) => {
            after.resolution_code = planned.resolution;
            after.fix_notes = planned.fix_notes.clone();
            after.resolved_at = Some(now);
        }
        (ProblemState::Resolved, ProblemState::RootCauseAnalysis) => {
            after.resolution_code = None;
            after.resolved_at = None;
        }
        (ProblemState::Resolved, ProblemState::Closed) => after.closed_at = Some(now),
        (_, ProblemState::Closed) => {
            after.resolution_code = planned.resolution;
            after.closed_at = Some(now);
        }
        _ => {}
    }
    if !store::problems::update(&mut tx, &after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "problem changed under its row lock"
        )));
    }
    let body = planned.reason.clone().or_else(|| planned.fix_notes.clone());
    journal_entry(
        &mut tx,
        Subject::Problem(after.id),
        Some(actor),
        Kind::Transition,
        body.as_deref(),
        Some(Value::Object(changes(Some(&before), &after))),
    )
    .await?;
    if planned.to == ProblemState::Resolved && input.resolve_incidents != Some(false) {
        let notes = match after.fix_notes.as_deref() {
            Some(fix) => format!("Resolved by problem {}: {fix}", after.number),
            None => format!("Resolved by problem {}", after.number),
        };
        let mut resolved = Vec::new();
        for incident_id in store::incidents::lock_linked(&mut tx, after.id).await? {
            if incident_ops::resolve_by_problem(&mut tx, actor, incident_id, &notes).await? {
                resolved.push(incident_id);
            }
        }
        tracing::info!(
            incidents = resolved.len(),
            "linked incidents resolved with the problem"
        );
    }
    let problem = store::problems::find_by_id(&mut tx, after.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(problem.into())
}

// ------------------------------------------------------------------ comments

pub async fn comment(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    input: CommentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<JournalView>> {
    actor.require(Permission::WorkIncidents)?;
    let number = parse_number(number)?;
    let body = input
        .body
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if body.is_empty() {
        return Err(AppError::field("body", "error.required"));
    }
    if body.chars().count() > MAX_TEXT {
        return Err(AppError::field("body", "error.too_long"));
    }
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let problem = store::problems::lock_by_number(&mut tx, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = if input.internal {
        Kind::WorkNote
    } else {
        Kind::Comment
    };
    let entry = store::journal::append(
        &mut tx,
        NewEntry {
            subject: Subject::Problem(problem.id),
            author_id: Some(actor.id),
            kind,
            body: Some(&body),
            changes: None,
        },
    )
    .await?;
    store::problems::touch(&mut tx, problem.id).await?;
    let view = JournalView::from(entry);
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

// ------------------------------------------------------------------ lists and known errors

#[derive(Debug, Clone, Default)]
pub struct ProblemQuery {
    pub states: Vec<String>,
    pub known_error: Option<String>,
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    pub q: Option<String>,
}

impl ProblemQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut query = ProblemQuery::default();
        for (name, value) in pairs {
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match name.as_str() {
                "state" => query.states.extend(
                    value
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty()),
                ),
                "known_error" => query.known_error = Some(value),
                "service" => query.service = Some(value),
                "assignment_group" => query.assignment_group = Some(value),
                "q" => query.q = Some(value),
                _ => {}
            }
        }
        query
    }
}

pub async fn list(
    db: &PgPool,
    actor: &Actor,
    query: &ProblemQuery,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<ProblemView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    let mut filter = store::problems::Filter::default();
    for state in &query.states {
        filter
            .states
            .push(ProblemState::parse(state).map_err(|key| bad_parameter("state", key))?);
    }
    if let Some(known) = &query.known_error {
        filter.known_error = Some(
            known
                .parse()
                .map_err(|_| bad_parameter("known_error", "error.boolean"))?,
        );
    }
    if let Some(key) = &query.service {
        let service = store::services::find_by_key(&mut conn, key).await?;
        filter.service_id = Some(
            service
                .ok_or_else(|| unknown_reference("service", "error.unknown_service"))?
                .id,
        );
    }
    if let Some(key) = &query.assignment_group {
        let group = store::groups::find_by_key(&mut conn, key).await?;
        filter.assignment_group_id = Some(
            group
                .ok_or_else(|| unknown_reference("assignment_group", "error.unknown_group"))?
                .id,
        );
    }
    if let Some(text) = &query.q {
        if text.chars().count() > 200 {
            return Err(bad_parameter("q", "error.too_long"));
        }
        // A ticket number finds the problem itself, or the problem of the incident.
        match crate::domain::ticket::ticket_ref(text) {
            Some(crate::domain::ticket::TicketRef::Problem(number)) => filter.number = Some(number),
            Some(crate::domain::ticket::TicketRef::Incident(number)) => {
                let incident = store::incidents::find_by_number(&mut conn, &number).await?;
                filter.number = Some(
                    incident
                        .and_then(|i| i.problem)
                        .unwrap_or_else(|| "PRB-none".to_owned()),
                );
            }
            None => {
                filter.tsquery = Some(store::incidents::as_tsquery(&mut conn, text).await?);
            }
        }
    }
    let after = match cursor {
        Some(cursor) => {
            Some(decode_cursor(cursor).ok_or_else(|| unknown_reference("cursor", "error.cursor"))?)
        }
        None => None,
    };
    let rows = store::problems::list(&mut conn, &filter, after, limit).await?;
    Ok(Page::from_rows(
        rows,
        limit,
        |p| format!("u:{}:{}", p.updated_at.as_microsecond(), p.id),
        ProblemView::from,
    ))
}

fn decode_cursor(cursor: &str) -> Option<(jiff::Timestamp, Uuid)> {
    let mut parts = cursor.split(':');
    let (Some("u"), Some(at), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some((
        jiff::Timestamp::from_microsecond(at.parse().ok()?).ok()?,
        id.parse().ok()?,
    ))
}

/// Known errors matching `q` (German and English word forms), best first, with workarounds.
pub async fn known_errors(
    db: &PgPool,
    actor: &Actor,
    q: &str,
    limit: i64,
) -> AppResult<Vec<ProblemView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    let tsquery = store::incidents::as_any_word_tsquery(&mut conn, q).await?;
    if tsquery.is_empty() {
        return Ok(Vec::new());
    }
    let found = store::problems::known_errors(&mut conn, &tsquery, limit).await?;
    Ok(found
        .into_iter()
        .map(|(p, _)| ProblemView::from(p))
        .collect())
}

/// How much of an incident's description its suggestions look at.
const SUGGESTION_TEXT: usize = 300;

/// Known errors whose text matches the incident's title and description, best first.
pub async fn suggestions(
    db: &PgPool,
    actor: &Actor,
    incident_number: &str,
) -> AppResult<Vec<ProblemView>> {
    let incident = incident_ops::get(db, actor, incident_number).await?;
    // The title and the start of the description: what the caller said first says most, and
    // a shorter query ranks faster.
    let opening: String = incident.description.chars().take(SUGGESTION_TEXT).collect();
    known_errors(db, actor, &format!("{} {opening}", incident.title), 5).await
}

// ------------------------------------------------------------------ problem candidates

/// Most recent incidents a candidate search looks at.
const CANDIDATE_WINDOW_LIMIT: i64 = 20_000;

/// Incidents of a cluster shown in full; the rest are named by number only.
pub const CANDIDATE_SAMPLE: usize = 10;

/// A cluster of similar incidents that no problem covers yet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    /// The service the incidents share.
    pub service: Option<String>,
    pub size: usize,
    /// Every incident of the cluster, newest first (what `POST /problem-candidates` takes).
    pub incident_numbers: Vec<String>,
    /// The newest ten of them, with title, state and when they were opened.
    pub incidents: Vec<CandidateIncident>,
}

/// An incident of a cluster, as the candidate list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateIncident {
    pub number: String,
    pub title: String,
    pub state: IncidentState,
    pub opened_at: jiff::Timestamp,
}

/// Settings of a candidate search.
#[derive(Debug, Clone, Copy)]
pub struct CandidateSettings {
    /// Look at incidents opened in the last this many days.
    pub days: i64,
    /// Clusters need at least this many incidents.
    pub min_size: usize,
    /// How many title words two incidents must share (Jaccard index, 0 to 1).
    pub similarity: f64,
}

impl Default for CandidateSettings {
    fn default() -> Self {
        CandidateSettings {
            days: 7,
            min_size: 3,
            similarity: 0.4,
        }
    }
}

/// Clusters of similar incidents of the same service, opened recently and linked to no problem:
/// the largest first, a page at a time (the key is the size and the newest number).
pub async fn candidates(
    db: &PgPool,
    actor: &Actor,
    settings: CandidateSettings,
    page: PageRequest,
) -> AppResult<Page<CandidateView>> {
    actor.require(Permission::Read)?;
    let mut invalid = Invalid::default();
    if !(1..=90).contains(&settings.days) {
        invalid.add("days", "error.days");
    }
    if !(2..=1000).contains(&settings.min_size) {
        invalid.add("min_size", "error.min_size");
    }
    if !(0.05..=1.0).contains(&settings.similarity) {
        invalid.add("similarity", "error.similarity");
    }
    if let Some(error) = invalid.0.into_iter().next() {
        return Err(AppError::InvalidParameter(error));
    }
    let after = match page.after.as_deref() {
        Some(key) => Some(
            candidate_position(key).ok_or_else(|| unknown_reference("cursor", "error.cursor"))?,
        ),
        None => None,
    };
    let mut conn = db.acquire().await?;
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * settings.days);
    let rows = store::incidents::recent_unlinked(&mut conn, since, CANDIDATE_WINDOW_LIMIT).await?;
    drop(conn);
    let items: Vec<(Option<Uuid>, &str)> = rows
        .iter()
        .map(|r| (r.service_id, r.title.as_str()))
        .collect();
    // Rows come newest first, so a cluster's first index is its newest incident.
    let mut clusters: Vec<(usize, &str, Vec<usize>)> =
        crate::domain::clustering::clusters(&items, settings.similarity, settings.min_size)
            .into_iter()
            .map(|c| (c.len(), rows[c[0]].number.as_str(), c))
            .collect();
    clusters.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(a.1)));
    let limit = usize::try_from(page.limit).unwrap_or(0);
    let views: Vec<CandidateView> = clusters
        .into_iter()
        .filter(|(size, newest, _)| {
            after
                .as_ref()
                .is_none_or(|(s, n)| (*size, *newest) < (*s, n.as_str()))
        })
        .take(limit + 1)
        .map(|(size, _, members)| CandidateView {
            service: rows[members[0]].service.clone(),
            size,
            incident_numbers: members.iter().map(|&i| rows[i].number.clone()).collect(),
            incidents: members
                .iter()
                .take(CANDIDATE_SAMPLE)
                .map(|&i| CandidateIncident {
                    number: rows[i].number.clone(),
                    title: rows[i].title.clone(),
                    state: rows[i].state,
                    opened_at: rows[i].opened_at.to_jiff(),
                })
                .collect(),
        })
        .collect();
    Ok(Page::from_rows(
        views,
        page.limit,
        |c| format!("{}:{}", c.size, c.incident_numbers[0]),
        |c| c,
    ))
}

/// The key of a candidate page: the last cluster's size and newest incident number.
fn candidate_position(key: &str) -> Option<(usize, String)> {
    let (size, number) = key.split_once(':')?;
    Some((size.parse().ok()?, number.to_owned()))
}

/// Turns a cluster into a problem: made from the first incident, with all of them linked, in
/// one transaction. `409` if one of them is linked to a problem meanwhile.
pub async fn create_from_cluster(
    db: &PgPool,
    actor: &Actor,
    numbers: &[String],
) -> AppResult<ProblemView> {
    actor.require(Permission::WorkIncidents)?;
    let Some(first) = numbers.first() else {
        return Err(AppError::field("incidents", "error.required"));
    };
    let mut tx = db.begin().await?;
    let mut incidents = Vec::new();
    for number in numbers {
        let parsed =
            IncidentNumber::parse(number).map_err(|key| AppError::field("incidents", key))?;
        let incident = store::incidents::lock_by_number(&mut tx, parsed.as_str())
            .await?
            .ok_or_else(|| AppError::field("incidents", "error.unknown_incident"))?;
        if let Some(problem) = &incident.problem {
            return Err(AppError::LinkedElsewhere(problem.clone()));
        }
        incidents.push(incident);
    }
    let template = &incidents[0];
    let id = store::problems::insert(
        &mut tx,
        &store::problems::NewProblem {
            title: &template.title,
            description: &template.description,
            impact: template.impact,
            urgency: template.urgency,
            priority: template.priority,
            service_id: template.service_id,
            assignment_group_id: None,
            assignee_id: None,
            opened_by_id: actor.id,
        },
    )
    .await?;
    let problem = store::problems::find_by_id(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = format!(
        "created from a cluster of {} incidents around {first}",
        numbers.len()
    );
    journal_entry(
        &mut tx,
        Subject::Problem(id),
        Some(actor),
        Kind::Change,
        Some(&body),
        Some(Value::Object(changes(None, &problem))),
    )
    .await?;
    for incident in &incidents {
        link_in_tx(&mut tx, actor, &problem, incident).await?;
    }
    let problem = store::problems::find_by_id(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(problem.number = %problem.number, incidents = numbers.len(), "problem created from a candidate cluster");
    Ok(problem.into())
}

/// Problems as CSV (RFC 4180), cells a spreadsheet would run as a formula defused.
pub fn to_csv(rows: &[ProblemView]) -> String {
    format!("{CSV_HEADER}{}", csv_rows(rows))
}

/// The header line of the problem CSV.
pub const CSV_HEADER: &str = "number,title,state,known_error,priority,service,assignment_group,assignee,incident_count,opened_at,updated_at,resolved_at,closed_at\r\n";

/// The CSV lines of `rows`, without the header (for a download streamed page by page).
pub fn csv_rows(rows: &[ProblemView]) -> String {
    let mut out = String::new();
    let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    for row in rows {
        let cells = [
            row.number.clone(),
            row.title.clone(),
            row.state.as_str().to_owned(),
            row.known_error.to_string(),
            row.priority.to_string(),
            row.service.clone().unwrap_or_default(),
            row.assignment_group.clone().unwrap_or_default(),
            row.assignee.clone().unwrap_or_default(),
            row.incident_count.to_string(),
            time(Some(row.opened_at)),
            time(Some(row.updated_at)),
            time(row.resolved_at),
            time(row.closed_at),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

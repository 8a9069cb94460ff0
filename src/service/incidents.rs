//! Incident operations: create, change, move through the workflow, comment, read the journal,
//! list. Each runs in one transaction with its journal entry; writers lock the row and check
//! the optimistic `version`, so nobody silently overwrites anyone.
#![expect(
    clippy::option_option,
    reason = "PATCH tells a field sent as null (clear it) from one not sent"
)]

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Actor, Page};
use crate::domain::incident::{
    self, HoldReason, IncidentNumber, IncidentState, Level, ResolutionCode, TransitionError,
    TransitionRequest,
};
use crate::domain::ticket::TicketRef;
use crate::domain::{Email, FieldError, Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store::{
    self,
    idempotency::Claim,
    incidents::Incident,
    journal::{Kind, Subject},
};

/// Most characters in a description, a comment or resolution notes.
pub const MAX_TEXT: usize = 100_000;

// ------------------------------------------------------------------ representations

/// An incident as API.md shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub number: String,
    pub title: String,
    pub description: String,
    pub state: IncidentState,
    pub hold_reason: Option<HoldReason>,
    pub impact: Level,
    pub urgency: Level,
    /// Derived from impact and urgency (1 critical … 5 planning); read-only.
    pub priority: i16,
    /// The caller's e-mail (an account's, or any address).
    pub caller: Option<String>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub assignment_group: Option<String>,
    pub assignee: Option<String>,
    /// The linked problem (problem management).
    pub problem: Option<String>,
    /// The parent incident's number.
    pub parent: Option<String>,
    pub major: bool,
    pub resolution_code: Option<ResolutionCode>,
    pub resolution_notes: Option<String>,
    pub sla: SlaView,
    /// How often the assignment group changed: teams passing the incident on.
    pub reassignment_count: i32,
    pub opened_by: String,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub resolved_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[expect(clippy::struct_excessive_bools, reason = "the sla object of API.md")]
pub struct SlaView {
    /// When a first response is due; `null` until service levels are configured.
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub responded_at: Option<jiff::Timestamp>,
    pub response_breached: bool,
    pub resolution_breached: bool,
    /// The clock stops while the incident is on hold.
    pub paused: bool,
    /// The resolution target is mostly used up (the policy's at-risk percentage).
    pub at_risk: bool,
    /// The policy whose calendar counts business time (for countdowns in the pages).
    #[serde(skip)]
    pub policy_id: Option<Uuid>,
    /// Business seconds the resolution clock stood still so far.
    #[serde(skip)]
    pub paused_seconds: i64,
}

impl IncidentView {
    pub fn new(incident: Incident, now: jiff::Timestamp) -> Self {
        // Marked by the SLA worker, or visibly past due before its next pass.
        let response_breached = incident.sla_response_breached_at.is_some()
            || incident
                .response_due
                .is_some_and(|due| incident.responded_at.unwrap_or(now) > due);
        let running = incident.state.is_open() && incident.sla_paused_since.is_none();
        let resolution_breached = incident.sla_resolution_breached_at.is_some()
            || incident
                .resolution_due
                .is_some_and(|due| match incident.resolved_at {
                    Some(resolved) => resolved > due,
                    None => running && now > due,
                });
        IncidentView {
            sla: SlaView {
                response_due: incident.response_due,
                resolution_due: incident.resolution_due,
                responded_at: incident.responded_at,
                response_breached,
                resolution_breached,
                paused: super::sla::paused(&incident),
                at_risk: incident.sla_at_risk_at.is_some(),
                policy_id: incident.sla_policy_id,
                paused_seconds: incident.sla_paused_seconds,
            },
            number: incident.number,
            title: incident.title,
            description: incident.description,
            state: incident.state,
            hold_reason: incident.hold_reason,
            impact: incident.impact,
            urgency: incident.urgency,
            priority: incident.priority,
            caller: incident.caller_email,
            service: incident.service,
            category: incident.category,
            assignment_group: incident.assignment_group,
            assignee: incident.assignee,
            problem: incident.problem,
            parent: incident.parent,
            major: incident.major,
            resolution_code: incident.resolution_code,
            resolution_notes: incident.resolution_notes,
            reassignment_count: incident.reassignment_count,
            opened_by: incident.opened_by,
            opened_at: incident.opened_at,
            updated_at: incident.updated_at,
            resolved_at: incident.resolved_at,
            closed_at: incident.closed_at,
            version: incident.version,
        }
    }

    /// The states the workflow allows from here.
    pub fn allowed_next(&self) -> &'static [IncidentState] {
        self.state.allowed_next()
    }
}

/// One journal entry as API.md shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JournalView {
    pub id: i64,
    pub at: jiff::Timestamp,
    /// The author's e-mail; `null` for entries the system wrote.
    pub author: Option<String>,
    #[serde(skip_serializing, default)]
    pub author_name: Option<String>,
    /// `comment`, `work_note`, `change`, `transition`, `link` or `system`.
    pub kind: String,
    pub body: Option<String>,
    /// For changes and transitions: each field with `{"from", "to"}`.
    #[schema(value_type = Option<Object>)]
    pub changes: Option<Value>,
}

impl JournalView {
    /// The entries the actor may read: internal ones (work notes) only for agents and above.
    pub fn visible(entries: Vec<store::journal::EntryRow>, actor: &Actor) -> Vec<JournalView> {
        let internal = actor.reads_internal();
        entries
            .into_iter()
            .filter(|e| internal || e.kind != Kind::WorkNote.as_str())
            .map(JournalView::from)
            .collect()
    }
}

impl From<store::journal::EntryRow> for JournalView {
    fn from(row: store::journal::EntryRow) -> Self {
        JournalView {
            id: row.id,
            at: row.at.to_jiff(),
            author: row.author,
            author_name: row.author_name,
            kind: row.kind,
            body: row.body,
            changes: row.changes,
        }
    }
}

impl JournalView {
    /// The catalogue key of the entry's kind.
    pub fn kind_key(&self) -> &'static str {
        match self.kind.as_str() {
            "comment" => "journal.comment",
            "work_note" => "journal.work_note",
            "transition" => "journal.transition",
            "link" => "journal.link",
            "system" => "journal.system_entry",
            _ => "journal.change",
        }
    }

    /// The changed fields with their old and new values, for the timeline.
    pub fn change_list(&self) -> Vec<(String, String, String)> {
        let show = |v: &Value| match v {
            Value::Null => "–".to_owned(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.changes
            .as_ref()
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .map(|(field, change)| {
                        (field.clone(), show(&change["from"]), show(&change["to"]))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

// ------------------------------------------------------------------ inputs

/// A new incident. Only `title` is required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncidentInput {
    /// 1 to 200 characters.
    pub title: Option<String>,
    /// Up to 100,000 characters.
    pub description: Option<String>,
    /// `high`, `medium` (default) or `low`.
    pub impact: Option<String>,
    /// `high`, `medium` (default) or `low`.
    pub urgency: Option<String>,
    /// The caller's e-mail; an account's or any address.
    pub caller: Option<String>,
    /// A service key.
    pub service: Option<String>,
    pub category: Option<String>,
    /// A group key.
    pub assignment_group: Option<String>,
    /// A user's e-mail; must be a member of the assignment group.
    pub assignee: Option<String>,
    /// The parent incident's number.
    pub parent: Option<String>,
    pub major: Option<bool>,
}

/// Absent means "unchanged"; `null` clears a field that may be empty.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub impact: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub urgency: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub caller: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub service: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub assignment_group: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub parent: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub major: Option<Option<bool>>,
    /// Read-only; named in the 422 when sent.
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    pub state: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    pub priority: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    pub number: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(ignore)]
    pub version: Option<Option<Value>>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one not sent (`None`).
pub(super) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A state change, as API.md's transitions endpoint takes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The target state.
    pub to: String,
    /// Required for `on_hold`.
    pub hold_reason: Option<String>,
    /// Required for `resolved`.
    pub resolution_code: Option<String>,
    /// Required (non-empty) for `resolved`.
    pub resolution_notes: Option<String>,
    /// Required to reopen (`resolved` → `in_progress`) and to cancel.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub body: Option<String>,
    /// `true`: a work note for agents; `false` (default): a comment the caller may see.
    #[serde(default)]
    pub internal: bool,
}

/// An `Idempotency-Key` with the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    /// The method and path the key was sent to; keys are scoped to it.
    pub operation: String,
    pub request_hash: Vec<u8>,
}

/// What a creating request produced: something new, or the stored answer to a retry.
pub enum Created<T> {
    New(T),
    Replayed { status: u16, body: Value },
}

// ------------------------------------------------------------------ reads

fn parse_number(number: &str) -> AppResult<IncidentNumber> {
    // An unparseable number cannot name an incident.
    IncidentNumber::parse(number).map_err(|_| AppError::NotFound)
}

/// The incident, when it is in the actor's read scope; else `NotFound`.
async fn readable(
    conn: &mut PgConnection,
    actor: &Actor,
    number: &str,
) -> AppResult<store::incidents::Incident> {
    actor.require(Permission::ReadOwn)?;
    let number = parse_number(number)?;
    let incident = store::incidents::find_by_number(conn, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    actor.may_read(incident.caller_id)?;
    Ok(incident)
}

pub async fn get(db: &PgPool, actor: &Actor, number: &str) -> AppResult<IncidentView> {
    let mut conn = db.acquire().await?;
    let incident = readable(&mut conn, actor, number).await?;
    Ok(IncidentView::new(incident, jiff::Timestamp::now()))
}

/// The incident's children: number, title and state.
pub async fn children(
    db: &PgPool,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<(String, String, String)>> {
    let mut conn = db.acquire().await?;
    let incident = readable(&mut conn, actor, number).await?;
    if actor.own_records_only().is_some() {
        // Other callers' incidents are not the caller's to see.
        return Ok(Vec::new());
    }
    Ok(store::incidents::children(&mut conn, incident.id).await?)
}

/// Active users matching `text` (e-mail or name), for the caller picker.
pub async fn find_people(
    db: &PgPool,
    actor: &Actor,
    text: &str,
) -> AppResult<Vec<(String, String)>> {
    actor.require(Permission::WorkIncidents)?;
    let mut conn = db.acquire().await?;
    Ok(store::users::search(&mut conn, text.trim(), None, false, 10).await?)
}

/// The people who can be assigned incidents of a group: its active members who work incidents.
pub async fn assignable(
    db: &PgPool,
    actor: &Actor,
    group: &str,
) -> AppResult<Vec<(String, String)>> {
    actor.require(Permission::WorkIncidents)?;
    let mut conn = db.acquire().await?;
    let Some(group) = store::groups::find_by_key(&mut conn, group).await? else {
        return Ok(Vec::new());
    };
    Ok(store::users::search(&mut conn, "", Some(group.id), true, 500).await?)
}

/// The incident's history, oldest first; work notes only for readers of internal content.
pub async fn journal(db: &PgPool, actor: &Actor, number: &str) -> AppResult<Vec<JournalView>> {
    let mut conn = db.acquire().await?;
    let incident = readable(&mut conn, actor, number).await?;
    let entries = store::journal::for_incident(&mut conn, incident.id).await?;
    Ok(JournalView::visible(entries, actor))
}

// ------------------------------------------------------------------ create

/// Claims an `Idempotency-Key` in the creating transaction: `Some` is the stored answer to
/// replay; a key used for another request is `422`.
pub(super) async fn claim<T>(
    tx: &mut PgConnection,
    actor: &Actor,
    idempotency: Option<&Idempotency>,
) -> AppResult<Option<Created<T>>> {
    if let Some(key) = idempotency {
        match store::idempotency::claim(tx, actor.id, &key.operation, &key.key, &key.request_hash)
            .await?
        {
            Claim::Fresh => {}
            Claim::Replay { status, response } => {
                return Ok(Some(Created::Replayed {
                    status,
                    body: response,
                }));
            }
            Claim::Mismatch => {
                return Err(AppError::field(
                    "Idempotency-Key",
                    "error.idempotency_mismatch",
                ));
            }
        }
    }
    Ok(None)
}

/// Stores the answer to replay for an `Idempotency-Key`, in the creating transaction.
pub(super) async fn complete<T: Serialize>(
    tx: &mut PgConnection,
    actor: &Actor,
    idempotency: Option<&Idempotency>,
    view: &T,
) -> AppResult<()> {
    if let Some(key) = idempotency {
        let body = serde_json::to_value(view).map_err(anyhow::Error::from)?;
        store::idempotency::complete(tx, actor.id, &key.operation, &key.key, 201, &body).await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &PgPool,
    actor: &Actor,
    input: NewIncidentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<IncidentView>> {
    actor.require(Permission::WorkIncidents)?;
    let mut tx = db.begin().await?;
    if let Some(replay) = claim(&mut tx, actor, idempotency.as_ref()).await? {
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
    let clock = super::sla::opening_clock(
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
    let mut entries = vec![store::journal::NewEntry {
        subject: Subject::Incident(id),
        author_id: Some(actor.id),
        kind: Kind::Change,
        body: Some("created"),
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
    complete(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!(incident.number = %view.number, "incident created");
    Ok(Created::New(view))
}

pub(super) fn level(invalid: &mut Invalid, field: &str, value: Option<&str>) -> Level {
    value
        .map_or(Some(Level::Medium), |v| {
            invalid.check(field, Level::parse(v))
        })
        .unwrap_or_default()
}

/// `Some(None)` clears the category.
fn category(invalid: &mut Invalid, value: Option<&str>) -> Option<Option<String>> {
    let value = value?.trim();
    if value.is_empty() {
        return Some(None);
    }
    if value.chars().count() > 100 {
        invalid.add("category", "error.too_long");
        return None;
    }
    Some(Some(value.to_owned()))
}

// ------------------------------------------------------------------ references

pub(super) struct RefInput<'a> {
    pub(super) caller: Option<&'a str>,
    pub(super) service: Option<&'a str>,
    pub(super) assignment_group: Option<&'a str>,
    pub(super) assignee: Option<&'a str>,
    pub(super) parent: Option<&'a str>,
}

/// The ids behind the keys, e-mails and numbers a request names. For each: `None` not given,
/// `Some(None)` cleared, `Some(Some(id))` set.
#[derive(Default)]
pub(super) struct References {
    caller_given: bool,
    caller_email: Option<String>,
    caller_id: Option<Uuid>,
    pub(super) service_id: Option<Option<Uuid>>,
    pub(super) service_key: Option<String>,
    pub(super) group_id: Option<Option<Uuid>>,
    pub(super) group_key: Option<String>,
    pub(super) assignee_id: Option<Option<Uuid>>,
    pub(super) assignee_email: Option<String>,
    parent_id: Option<Option<Uuid>>,
    parent_number: Option<String>,
}

fn given(value: Option<&str>) -> Option<Option<&str>> {
    value.map(|v| Some(v.trim()).filter(|v| !v.is_empty()))
}

impl References {
    /// Looks up every reference; unknown or unusable ones are recorded on their field.
    /// `this` is the incident being changed, for the parent checks.
    pub(super) async fn resolve(
        conn: &mut PgConnection,
        invalid: &mut Invalid,
        input: RefInput<'_>,
        this: Option<&Incident>,
    ) -> AppResult<Self> {
        let mut refs = References::default();
        if let Some(caller) = given(input.caller) {
            refs.caller_given = true;
            if let Some(caller) = caller
                && let Some(email) = invalid.check("caller", Email::parse(caller))
            {
                refs.caller_id = store::users::find_by_email(conn, email.as_str())
                    .await?
                    .map(|u| u.id);
                refs.caller_email = Some(email.as_str().to_owned());
            }
        }
        // The service and the group are looked up together: one round trip.
        let (service, group) = (given(input.service), given(input.assignment_group));
        let (service_row, group_row) = match (service.flatten(), group.flatten()) {
            (None, None) => (None, None),
            (s, g) => store::services::find_with_group(conn, s, g).await?,
        };
        if let Some(service) = service {
            refs.service_id = Some(None);
            if service.is_some() {
                match service_row {
                    Some((id, key, true)) => {
                        refs.service_id = Some(Some(id));
                        refs.service_key = Some(key);
                    }
                    Some(_) => invalid.add("service", "error.inactive"),
                    None => invalid.add("service", "error.unknown_service"),
                }
            }
        }
        if let Some(group) = group {
            refs.group_id = Some(None);
            if group.is_some() {
                match group_row {
                    Some((id, key, true)) => {
                        refs.group_id = Some(Some(id));
                        refs.group_key = Some(key);
                    }
                    Some(_) => invalid.add("assignment_group", "error.inactive"),
                    None => invalid.add("assignment_group", "error.unknown_group"),
                }
            }
        }
        if let Some(assignee) = given(input.assignee) {
            refs.assignee_id = Some(None);
            if let Some(email) = assignee {
                match store::users::find_by_email(conn, &email.to_lowercase()).await? {
                    Some(u) if u.active && u.role.allows(Permission::WorkIncidents) => {
                        refs.assignee_id = Some(Some(u.id));
                        refs.assignee_email = Some(u.email);
                    }
                    Some(_) => invalid.add("assignee", "error.assignee_cannot_work"),
                    None => invalid.add("assignee", "error.unknown_user"),
                }
            }
        }
        if let Some(parent) = given(input.parent) {
            refs.parent_id = Some(None);
            if let Some(number) = parent {
                let found = match IncidentNumber::parse(number) {
                    Ok(n) => store::incidents::find_by_number(conn, n.as_str()).await?,
                    Err(_) => None,
                };
                match found {
                    None => invalid.add("parent", "error.unknown_incident"),
                    Some(p) if this.is_some_and(|t| t.id == p.id) => {
                        invalid.add("parent", "error.parent_self");
                    }
                    // One level: a child cannot have children, a parent cannot have a parent.
                    Some(p) if p.parent_id.is_some() => {
                        invalid.add("parent", "error.parent_is_child");
                    }
                    Some(_)
                        if match this {
                            Some(t) => store::incidents::has_children(conn, t.id).await?,
                            None => false,
                        } =>
                    {
                        invalid.add("parent", "error.parent_has_children");
                    }
                    Some(p) => {
                        refs.parent_id = Some(Some(p.id));
                        refs.parent_number = Some(p.number);
                    }
                }
            }
        }
        Ok(refs)
    }
}

/// The assignee must belong to the assignment group.
async fn check_membership(
    conn: &mut PgConnection,
    incident: &Incident,
    invalid: &mut Invalid,
) -> AppResult<()> {
    if let (Some(user), Some(group)) = (incident.assignee_id, incident.assignment_group_id)
        && !store::users::is_member(conn, user, group).await?
    {
        invalid.add("assignee", "error.not_member");
    }
    Ok(())
}

// ------------------------------------------------------------------ change

/// Checks `If-Match` against the stored version: `412` with the current body when stale.
fn check_version(incident: &Incident, if_match: Option<i64>) -> AppResult<()> {
    super::check_version(incident.version, if_match, || {
        IncidentView::new(incident.clone(), jiff::Timestamp::now())
    })
}

#[tracing::instrument(skip_all, fields(incident.number = %number))]
pub async fn update(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    patch: IncidentPatch,
    if_match: Option<i64>,
) -> AppResult<IncidentView> {
    actor.require(Permission::WorkIncidents)?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = store::incidents::lock_by_number(&mut tx, number.as_str())
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
    check_membership(&mut tx, &after, &mut invalid).await?;
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
    if !store::incidents::update(&mut tx, &after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "incident changed under its row lock"
        )));
    }
    store::journal::append(
        &mut tx,
        store::journal::NewEntry {
            subject: Subject::Incident(after.id),
            author_id: Some(actor.id),
            kind: Kind::Change,
            body: None,
            changes: Some(Value::Object(changes)),
        },
    )
    .await?;
    let mut incident = store::incidents::find_by_id(&mut tx, after.id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::sla::update_clock(&mut tx, Some(&before), &mut incident).await?;
    tx.commit().await?;
    Ok(IncidentView::new(incident, jiff::Timestamp::now()))
}

/// Applies the plain fields of a patch (everything but references) to `after`.
fn apply_fields(after: &mut Incident, patch: &IncidentPatch, invalid: &mut Invalid) {
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
    if let Some(description) = &patch.description {
        let description = description.clone().unwrap_or_default();
        if description.chars().count() > MAX_TEXT {
            invalid.add("description", "error.too_long");
        }
        after.description = description;
    }
    if let Some(impact) = &patch.impact {
        after.impact = level(
            invalid,
            "impact",
            Some(impact.as_deref().unwrap_or_default()),
        );
    }
    if let Some(urgency) = &patch.urgency {
        after.urgency = level(
            invalid,
            "urgency",
            Some(urgency.as_deref().unwrap_or_default()),
        );
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
fn changes(before: Option<&Incident>, after: &Incident) -> Map<String, Value> {
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
    super::field_changes(before.map(fields).as_deref(), fields(after))
}

// ------------------------------------------------------------------ transitions

#[tracing::instrument(skip_all, fields(incident.number = %number, to = %input.to))]
pub async fn transition(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    input: TransitionInput,
    if_match: Option<i64>,
) -> AppResult<IncidentView> {
    actor.require(Permission::WorkIncidents)?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    let before = store::incidents::lock_by_number(&mut tx, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    actor.may_change(before.assignment_group.as_deref())?;
    check_version(&before, if_match)?;
    let request = TransitionRequest {
        to: input.to,
        hold_reason: input.hold_reason,
        resolution_code: input.resolution_code,
        resolution_notes: input.resolution_notes,
        reason: input.reason,
    };
    let planned =
        incident::plan_transition(before.state, &request).map_err(|error| match error {
            TransitionError::NotAllowed { from, to } => AppError::Transition {
                from: from.as_str(),
                to: to.as_str(),
                allowed: from.allowed_next().iter().map(|s| s.as_str()).collect(),
            },
            TransitionError::Invalid(fields) => AppError::Validation(fields),
        })?;
    let mut after = before.clone();
    let now = jiff::Timestamp::now();
    after.state = planned.to;
    after.hold_reason = planned.hold_reason;
    match planned.to {
        IncidentState::Resolved => {
            let (code, notes) = planned
                .resolution
                .clone()
                .expect("a planned resolve carries its resolution");
            after.resolution_code = Some(code);
            after.resolution_notes = Some(notes);
            after.resolved_at = Some(now);
        }
        IncidentState::InProgress if planned.from == IncidentState::Resolved => {
            after.resolution_code = None;
            after.resolution_notes = None;
            after.resolved_at = None;
        }
        IncidentState::Closed | IncidentState::Canceled => after.closed_at = Some(now),
        _ => {}
    }
    if planned.to == IncidentState::InProgress && after.assignee_id.is_none() {
        let mut invalid = Invalid::default();
        after.assignee_id = Some(actor.id);
        after.assignee = Some(actor.email.clone());
        check_membership(&mut tx, &after, &mut invalid).await?;
        invalid
            .finish(|| ())
            .map_err(|_| AppError::field("assignee", "error.take_not_member"))?;
    }
    if incident::is_first_response(&planned) && after.responded_at.is_none() {
        after.responded_at = Some(now);
    }
    if !store::incidents::update(&mut tx, &after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "incident changed under its row lock"
        )));
    }
    let body = planned
        .reason
        .clone()
        .or_else(|| planned.resolution.as_ref().map(|(_, notes)| notes.clone()));
    store::journal::append(
        &mut tx,
        store::journal::NewEntry {
            subject: Subject::Incident(after.id),
            author_id: Some(actor.id),
            kind: Kind::Transition,
            body: body.as_deref(),
            changes: Some(Value::Object(changes(Some(&before), &after))),
        },
    )
    .await?;
    let mut incident = store::incidents::find_by_id(&mut tx, after.id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::sla::update_clock(&mut tx, Some(&before), &mut incident).await?;
    tx.commit().await?;
    tracing::info!(from = before.state.as_str(), "incident moved");
    Ok(IncidentView::new(incident, now))
}

// ------------------------------------------------------------------ comments

#[tracing::instrument(skip_all, fields(incident.number = %number))]
pub async fn comment(
    db: &PgPool,
    actor: &Actor,
    number: &str,
    input: CommentInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<JournalView>> {
    actor.require(Permission::WorkIncidents)?;
    let number = parse_number(number)?;
    let mut tx = db.begin().await?;
    if let Some(replay) = claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
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
    let incident = store::incidents::lock_by_number(&mut tx, number.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    actor.may_change(incident.assignment_group.as_deref())?;
    let kind = if input.internal {
        Kind::WorkNote
    } else {
        Kind::Comment
    };
    // A public comment by anyone but the caller is a response to the caller.
    let responds =
        !input.internal && incident.caller_email.as_deref() != Some(actor.email.as_str());
    let searchable = (!input.internal).then_some(body.as_str());
    store::incidents::index_comment(&mut tx, incident.id, searchable, responds).await?;
    let entry = store::journal::append(
        &mut tx,
        store::journal::NewEntry {
            subject: Subject::Incident(incident.id),
            author_id: Some(actor.id),
            kind,
            body: Some(&body),
            changes: None,
        },
    )
    .await?;
    let view = JournalView::from(entry);
    complete(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    Ok(Created::New(view))
}

// ------------------------------------------------------------------ lists

pub use store::incidents::Sort;

/// A list request as sent: every filter of `GET /incidents` (and of the queue pages).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub states: Vec<String>,
    pub priority: Option<String>,
    pub assignment_group: Option<String>,
    /// An e-mail, `me`, or `none` for unassigned incidents.
    pub assignee: Option<String>,
    pub service: Option<String>,
    pub problem: Option<String>,
    /// Only incidents of the acting user's groups.
    pub my_groups: bool,
    /// `at_risk` or `breached`.
    pub sla: Option<String>,
    pub q: Option<String>,
    pub updated_since: Option<String>,
    pub sort: Option<String>,
}

impl ListQuery {
    /// Reads the repeatable query-string pairs of a list request; unknown names are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut query = ListQuery::default();
        for (name, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let slot = match name.as_str() {
                "state" => {
                    query.states.extend(
                        value
                            .split(',')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty()),
                    );
                    continue;
                }
                "priority" => &mut query.priority,
                "assignment_group" => &mut query.assignment_group,
                "assignee" => &mut query.assignee,
                "service" => &mut query.service,
                "problem" => &mut query.problem,
                "sla" => &mut query.sla,
                "q" => &mut query.q,
                "updated_since" => &mut query.updated_since,
                "sort" => &mut query.sort,
                _ => continue,
            };
            *slot = Some(value.to_owned());
        }
        query
    }
}

pub(super) fn bad_parameter(field: &str, key: &'static str) -> AppError {
    AppError::InvalidParameter(FieldError::new(field, key))
}

/// A filter naming a group, user, service or problem that does not exist: well formed but
/// unknown, so `422` naming the parameter (a malformed one is `400`).
pub(super) fn unknown_reference(field: &str, key: &'static str) -> AppError {
    AppError::field(field, key)
}

/// One page of incidents matching `query`, after `cursor` (a key from an earlier page).
pub async fn list(
    db: &PgPool,
    actor: &Actor,
    query: &ListQuery,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<IncidentView>> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    let mut filter = filter_of(&mut conn, actor, query).await?;
    filter.caller_id = actor.own_records_only();
    let sort = match query.sort.as_deref() {
        None | Some("relevance") if filter.text.is_some() => Sort::Relevance,
        // Best match with nothing to match: the newest first.
        None | Some("-updated_at" | "relevance") => Sort::UpdatedDesc,
        Some("-priority") => Sort::Priority,
        Some("opened_at") => Sort::OpenedAsc,
        Some("sla_due") => Sort::BreachesNext,
        Some(_) => return Err(bad_parameter("sort", "error.sort")),
    };
    let after = cursor
        .map(|c| {
            decode_position(c, sort).ok_or_else(|| unknown_reference("cursor", "error.cursor"))
        })
        .transpose()?;
    let rows = store::incidents::list(&mut conn, &filter, sort, after.as_ref(), limit).await?;
    let now = jiff::Timestamp::now();
    Ok(Page::from_rows(
        rows,
        limit,
        |row| encode_position(&row.incident, row.rank, sort),
        |row| IncidentView::new(row.incident, now),
    ))
}

/// The store filter for a list query: every name looked up, every bad value named.
async fn filter_of(
    conn: &mut PgConnection,
    actor: &Actor,
    query: &ListQuery,
) -> AppResult<store::incidents::Filter> {
    let mut filter = store::incidents::Filter::default();
    for state in &query.states {
        let state = IncidentState::parse(state).map_err(|key| bad_parameter("state", key))?;
        if !filter.states.contains(&state) {
            filter.states.push(state);
        }
    }
    filter
        .states
        .sort_by_key(|s| IncidentState::ALL.iter().position(|x| x == s));
    if let Some(priority) = &query.priority {
        filter.priority = Some(
            priority
                .parse()
                .ok()
                .filter(|p| (1..=5).contains(p))
                .ok_or_else(|| bad_parameter("priority", "error.priority"))?,
        );
    }
    if let Some(key) = &query.assignment_group {
        let group = store::groups::find_by_key(&mut *conn, key).await?;
        filter.assignment_group_id = Some(
            group
                .ok_or_else(|| unknown_reference("assignment_group", "error.unknown_group"))?
                .id,
        );
    }
    if let Some(assignee) = &query.assignee {
        filter.assignee_id = Some(match assignee.as_str() {
            "me" => Some(actor.id),
            "none" => None,
            email => Some(
                store::users::find_by_email(&mut *conn, &email.to_lowercase())
                    .await?
                    .ok_or_else(|| unknown_reference("assignee", "error.unknown_user"))?
                    .id,
            ),
        });
    }
    if let Some(sla) = &query.sla {
        filter.sla = Some(match sla.as_str() {
            "at_risk" => store::incidents::SlaFilter::AtRisk,
            "breached" => store::incidents::SlaFilter::Breached,
            _ => return Err(bad_parameter("sla", "error.sla_filter")),
        });
    }
    if query.my_groups {
        let keys = actor.groups.clone();
        let ids = store::groups::ids_by_keys(&mut *conn, &keys).await?;
        filter.assignment_groups = Some(ids.into_iter().map(|(_, id)| id).collect());
    }
    if let Some(key) = &query.service {
        let service = store::services::find_by_key(&mut *conn, key).await?;
        filter.service_id = Some(
            service
                .ok_or_else(|| unknown_reference("service", "error.unknown_service"))?
                .id,
        );
    }
    if let Some(number) = &query.problem {
        let found = match crate::domain::problem::ProblemNumber::parse(number) {
            Ok(number) => store::problems::find_by_number(&mut *conn, number.as_str()).await?,
            Err(_) => None,
        };
        filter.problem_id = Some(
            found
                .ok_or_else(|| unknown_reference("problem", "error.unknown_problem"))?
                .id,
        );
    }
    if let Some(since) = &query.updated_since {
        filter.updated_since = Some(
            since
                .parse()
                .map_err(|_| bad_parameter("updated_since", "error.timestamp"))?,
        );
    }
    if let Some(text) = &query.q {
        if text.chars().count() > 200 {
            return Err(bad_parameter("q", "error.too_long"));
        }
        // A ticket number typed into the search finds the ticket: the incident itself, or the
        // incidents of the problem.
        match crate::domain::ticket::ticket_ref(text) {
            Some(TicketRef::Incident(number)) => filter.number = Some(number),
            Some(TicketRef::Problem(number)) => {
                let problem = store::problems::find_by_number(&mut *conn, &number).await?;
                // An unknown problem has no incidents: a filter that matches none.
                filter.problem_id = Some(problem.map_or(Uuid::nil(), |p| p.id));
            }
            None => filter.text = Some(text.clone()),
        }
    }
    Ok(filter)
}

fn encode_position(incident: &Incident, rank: f32, sort: Sort) -> String {
    match sort {
        Sort::UpdatedDesc => format!("u:{}:{}", incident.updated_at.as_microsecond(), incident.id),
        Sort::OpenedAsc => format!("o:{}:{}", incident.opened_at.as_microsecond(), incident.id),
        Sort::BreachesNext => format!(
            "d:{}:{}:{}",
            u8::from(incident.sla_paused_since.is_some()),
            incident
                .resolution_due
                .map_or(0, jiff::Timestamp::as_microsecond),
            incident.id
        ),
        Sort::Priority => format!(
            "p:{}:{}:{}",
            incident.priority,
            incident.opened_at.as_microsecond(),
            incident.id
        ),
        Sort::Relevance => format!("r:{rank}:{}", incident.id),
    }
}

fn decode_position(cursor: &str, sort: Sort) -> Option<store::incidents::Position> {
    use store::incidents::Position;
    let parts: Vec<&str> = cursor.split(':').collect();
    let micros = |s: &str| {
        s.parse::<i64>()
            .ok()
            .and_then(|m| jiff::Timestamp::from_microsecond(m).ok())
    };
    match (sort, parts.as_slice()) {
        (Sort::UpdatedDesc, ["u", at, id]) | (Sort::OpenedAsc, ["o", at, id]) => {
            Some(Position::Time(micros(at)?, id.parse().ok()?))
        }
        (Sort::BreachesNext, ["d", paused @ ("0" | "1"), at, id]) => {
            Some(Position::Due(*paused == "1", micros(at)?, id.parse().ok()?))
        }
        (Sort::Priority, ["p", priority, at, id]) => Some(Position::Priority(
            priority.parse().ok()?,
            micros(at)?,
            id.parse().ok()?,
        )),
        (Sort::Relevance, ["r", rank, id]) => {
            Some(Position::Rank(rank.parse().ok()?, id.parse().ok()?))
        }
        _ => None,
    }
}

/// The rows as CSV (RFC 4180), with cells that a spreadsheet would run as a formula defused.
pub fn to_csv(rows: &[IncidentView]) -> String {
    format!("{CSV_HEADER}{}", csv_rows(rows))
}

/// The header line of the incident CSV.
pub const CSV_HEADER: &str = "number,title,state,priority,impact,urgency,caller,service,category,assignment_group,assignee,major,\
     reassignment_count,opened_at,updated_at,resolved_at,closed_at\r\n";

/// The CSV lines of `rows`, without the header (for a download streamed page by page).
pub fn csv_rows(rows: &[IncidentView]) -> String {
    let mut out = String::new();
    let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    for row in rows {
        let cells = [
            row.number.clone(),
            row.title.clone(),
            row.state.as_str().to_owned(),
            row.priority.to_string(),
            row.impact.as_str().to_owned(),
            row.urgency.as_str().to_owned(),
            row.caller.clone().unwrap_or_default(),
            row.service.clone().unwrap_or_default(),
            row.category.clone().unwrap_or_default(),
            row.assignment_group.clone().unwrap_or_default(),
            row.assignee.clone().unwrap_or_default(),
            row.major.to_string(),
            row.reassignment_count.to_string(),
            time(Some(row.opened_at)),
            time(Some(row.updated_at)),
            time(row.resolved_at),
            time(row.closed_at),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

pub(super) fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

// ------------------------------------------------------------------ from problem management

/// Resolves a linked incident because its problem was resolved, in the problem's transaction
/// (the incident's row is locked by the caller). `false` when the incident is not in a state
/// that can be resolved (already resolved, closed, canceled).
pub(super) async fn resolve_by_problem(
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
    let planned = incident::plan_transition(before.state, &request)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?;
    let mut after = before.clone();
    let now = jiff::Timestamp::now();
    after.state = planned.to;
    after.hold_reason = None;
    after.resolution_code = Some(ResolutionCode::SolvedByProblem);
    after.resolution_notes = Some(notes.to_owned());
    after.resolved_at = Some(now);
    if after.responded_at.is_none() {
        after.responded_at = Some(now);
    }
    if !store::incidents::update(conn, &after, before.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "incident changed under its row lock"
        )));
    }
    store::journal::append(
        conn,
        store::journal::NewEntry {
            subject: Subject::Incident(incident_id),
            author_id: Some(actor.id),
            kind: Kind::Transition,
            body: Some(notes),
            changes: Some(Value::Object(changes(Some(&before), &after))),
        },
    )
    .await?;
    let mut incident = store::incidents::find_by_id(conn, incident_id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::sla::update_clock(conn, Some(&before), &mut incident).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-5"), "'-5");
    }

    #[test]
    fn list_queries_read_repeated_and_comma_separated_states() {
        let pairs: Vec<(String, String)> = [
            ("state", "new"),
            ("state", "on_hold,resolved"),
            ("q", " VPN "),
            ("x", "y"),
            ("sort", ""),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        let query = ListQuery::from_pairs(&pairs);
        assert_eq!(query.states, ["new", "on_hold", "resolved"]);
        assert_eq!(query.q.as_deref(), Some("VPN"));
        assert_eq!(query.sort, None);
    }

    #[test]
    fn cursors_belong_to_their_sort() {
        let id = Uuid::now_v7();
        let at = jiff::Timestamp::from_microsecond(1_700_000_000_123_456).unwrap();
        let position = decode_position(
            &format!("u:{}:{id}", at.as_microsecond()),
            Sort::UpdatedDesc,
        );
        assert_eq!(position, Some(store::incidents::Position::Time(at, id)));
        assert_eq!(
            decode_position(&format!("u:{}:{id}", at.as_microsecond()), Sort::Priority),
            None
        );
        assert_eq!(decode_position("p:x:1:2", Sort::Priority), None);
    }
}

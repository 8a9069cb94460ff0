//! Request types: what each department offers, with the form a request fills in and the
//! status names its callers read. Everyone signed in browses the active ones (the catalogue
//! of a confidential department too: asking HR is no secret, the cases are); admins create
//! and change them, with `If-Match` like every versioned record.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Actor, Page, PageRequest};
use crate::db::Db;
use crate::domain::approval::{self, ApprovalStage};
use crate::domain::form::{self, FormField};
use crate::domain::request::RequestState;
use crate::domain::task::{self, TaskTemplate};
use crate::domain::{Invalid, Locale, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::request_types::{RequestTypeRow, TypeValues};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestTypeView {
    pub key: String,
    /// The key of the department that fulfils it.
    pub department: String,
    pub name: String,
    pub description: String,
    /// The form, in order.
    pub fields: Vec<FormField>,
    /// Who approves a request before it is worked, stage after stage (none: no approval).
    pub approval_stages: Vec<ApprovalStage>,
    /// What groups do once a request is approved (or, without approval, asked); the request is
    /// fulfilled when every task is done.
    pub tasks: Vec<TaskTemplate>,
    /// What callers read for a state, per language: `{"de": {"in_progress": "In Arbeit"}}`.
    /// States without a name here are shown with the desk's own label.
    #[schema(value_type = Object)]
    pub status_names: Map<String, Value>,
    /// The group new requests of this type are assigned to.
    pub assignment_group: Option<String>,
    /// Retired types are kept for their requests but offered to nobody.
    pub active: bool,
    /// The SLA policy (its key) whose targets at `sla_priority` its requests get: the first
    /// response, and fulfilment (the clock stands still while approvals are awaited). None:
    /// no service level.
    pub sla_policy: Option<String>,
    /// 1 (critical) to 5 (planning): which of the policy's targets apply.
    pub sla_priority: i16,
    pub version: i64,
}

impl From<RequestTypeRow> for RequestTypeView {
    fn from(row: RequestTypeRow) -> Self {
        RequestTypeView {
            key: row.key,
            department: row.department,
            name: row.name,
            description: row.description,
            fields: row.fields,
            approval_stages: row.approval_stages,
            tasks: row.tasks,
            status_names: row.status_names,
            assignment_group: row.assignment_group,
            active: row.active,
            sla_policy: row.sla_policy,
            sla_priority: row.sla_priority,
            version: row.version,
        }
    }
}

impl RequestTypeView {
    /// The name a caller reads for `state`, when the type gives one in `locale`.
    pub fn status_name(&self, locale: Locale, state: RequestState) -> Option<&str> {
        self.status_names
            .get(locale.as_str())?
            .get(state.as_str())?
            .as_str()
    }
}

/// A new request type (`key`, `department`, `name` required), or the fields to change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestTypeInput {
    /// Lowercase slug such as `new-laptop`; required on create, fixed afterwards.
    pub key: Option<String>,
    /// The department's key.
    pub department: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub fields: Option<Vec<FormField>>,
    pub approval_stages: Option<Vec<ApprovalStage>>,
    pub tasks: Option<Vec<TaskTemplate>>,
    #[schema(value_type = Option<Object>)]
    pub status_names: Option<Map<String, Value>>,
    /// A group key; `""` clears it.
    pub assignment_group: Option<String>,
    pub active: Option<bool>,
    /// An SLA policy's key; `""` clears it.
    pub sla_policy: Option<String>,
    /// 1 to 5 (default 4).
    pub sla_priority: Option<i64>,
}

/// Checks the status names: languages `en`/`de`, each mapping states to 1–80 characters.
fn check_status_names(invalid: &mut Invalid, names: &Map<String, Value>) {
    for (locale, states) in names {
        if Locale::parse(locale).is_err() {
            invalid.add(format!("status_names.{locale}"), "error.locale");
            continue;
        }
        let Some(states) = states.as_object() else {
            invalid.add(format!("status_names.{locale}"), "error.wrong_type");
            continue;
        };
        for (state, name) in states {
            let at = format!("status_names.{locale}.{state}");
            if RequestState::parse(state).is_err() {
                invalid.add(at, "error.request_state");
            } else if let Err(key) = name
                .as_str()
                .map_or(Err("error.wrong_type"), |n| required_text(n, 80))
            {
                invalid.add(at, key);
            }
        }
    }
}

/// The type's service level after `input` is applied to `base`: the policy and the
/// priority whose targets its requests get.
async fn service_level(
    conn: &mut sqlx::PgConnection,
    invalid: &mut Invalid,
    input: &RequestTypeInput,
    base: Option<&RequestTypeRow>,
) -> AppResult<(Option<uuid::Uuid>, i16)> {
    let policy = match &input.sla_policy {
        Some(key) if key.trim().is_empty() => None,
        Some(key) => {
            let found = store::sla::policy_by_key(conn, key.trim()).await?;
            if found.is_none() {
                invalid.add("sla_policy", "error.unknown_policy");
            }
            found.map(|p| p.id)
        }
        None => base.and_then(|b| b.sla_policy_id),
    };
    let priority = match input.sla_priority {
        Some(p) => i16::try_from(p)
            .ok()
            .filter(|p| (1..=5).contains(p))
            .unwrap_or_else(|| {
                invalid.add("sla_priority", "error.priority");
                4
            }),
        None => base.map_or(4, |b| b.sla_priority),
    };
    Ok((policy, priority))
}

/// The values of a type after `input` is applied to `base` (none: a new type), checked.
async fn values_from(
    conn: &mut sqlx::PgConnection,
    invalid: &mut Invalid,
    input: &RequestTypeInput,
    base: Option<&RequestTypeRow>,
) -> AppResult<Option<OwnedValues>> {
    let department_id = match (&input.department, base) {
        (Some(key), _) => {
            let found = store::departments::find_by_key(conn, key.trim()).await?;
            if found.is_none() {
                invalid.add("department", "error.unknown_department");
            }
            found.map(|d| d.id)
        }
        (None, Some(base)) => Some(base.department_id),
        (None, None) => {
            invalid.add("department", "error.required");
            None
        }
    };
    let name = match (&input.name, base) {
        (Some(name), _) => invalid.check("name", required_text(name, 200)),
        (None, Some(base)) => Some(base.name.clone()),
        (None, None) => {
            invalid.add("name", "error.required");
            None
        }
    };
    let description = input
        .description
        .clone()
        .or_else(|| base.map(|b| b.description.clone()))
        .unwrap_or_default();
    if description.chars().count() > super::fields::MAX_TEXT {
        invalid.add("description", "error.too_long");
    }
    let fields = input
        .fields
        .clone()
        .or_else(|| base.map(|b| b.fields.clone()))
        .unwrap_or_default();
    form::check_definition(invalid, "fields", &fields);
    let approval_stages = input
        .approval_stages
        .clone()
        .or_else(|| base.map(|b| b.approval_stages.clone()))
        .unwrap_or_default();
    approval::check_stages(invalid, "approval_stages", &approval_stages, &fields);
    let tasks = input
        .tasks
        .clone()
        .or_else(|| base.map(|b| b.tasks.clone()))
        .unwrap_or_default();
    task::check_tasks(invalid, "tasks", &tasks);
    for (n, template) in tasks.iter().enumerate() {
        if crate::domain::Slug::parse(&template.group).is_ok()
            && store::groups::find_by_key(conn, &template.group)
                .await?
                .is_none()
        {
            invalid.add(format!("tasks[{n}].group"), "error.unknown_group");
        }
    }
    let status_names = input
        .status_names
        .clone()
        .or_else(|| base.map(|b| b.status_names.clone()))
        .unwrap_or_default();
    check_status_names(invalid, &status_names);
    let assignment_group_id = match &input.assignment_group {
        Some(key) if key.trim().is_empty() => None,
        Some(key) => match store::groups::find_by_key(conn, key.trim()).await? {
            Some(g) if g.active => Some(g.id),
            Some(_) => {
                invalid.add("assignment_group", "error.inactive");
                None
            }
            None => {
                invalid.add("assignment_group", "error.unknown_group");
                None
            }
        },
        None => base.and_then(|b| b.assignment_group_id),
    };
    let active = input.active.or(base.map(|b| b.active)).unwrap_or(true);
    let (sla_policy_id, sla_priority) = service_level(conn, invalid, input, base).await?;
    Ok(match (department_id, name) {
        (Some(department_id), Some(name)) if invalid.is_empty() => Some(OwnedValues {
            department_id,
            name,
            description,
            fields,
            approval_stages,
            tasks,
            status_names,
            assignment_group_id,
            active,
            sla_policy_id,
            sla_priority,
        }),
        _ => None,
    })
}

struct OwnedValues {
    department_id: uuid::Uuid,
    name: String,
    description: String,
    fields: Vec<FormField>,
    approval_stages: Vec<ApprovalStage>,
    tasks: Vec<TaskTemplate>,
    status_names: Map<String, Value>,
    assignment_group_id: Option<uuid::Uuid>,
    active: bool,
    sla_policy_id: Option<uuid::Uuid>,
    sla_priority: i16,
}

impl OwnedValues {
    fn borrowed(&self) -> TypeValues<'_> {
        TypeValues {
            department_id: self.department_id,
            name: &self.name,
            description: &self.description,
            fields: &self.fields,
            approval_stages: &self.approval_stages,
            tasks: &self.tasks,
            status_names: &self.status_names,
            assignment_group_id: self.assignment_group_id,
            active: self.active,
            sla_policy_id: self.sla_policy_id,
            sla_priority: self.sla_priority,
        }
    }
}

pub async fn create(db: &Db, actor: &Actor, input: RequestTypeInput) -> AppResult<RequestTypeView> {
    actor.require(Permission::Administer)?;
    let mut invalid = Invalid::default();
    let key = invalid.check(
        "key",
        crate::domain::Slug::parse(input.key.as_deref().unwrap_or_default()),
    );
    let mut tx = db.begin().await?;
    let values = values_from(&mut tx, &mut invalid, &input, None).await?;
    let (Some(key), Some(values)) = (key, values) else {
        return Err(invalid.into());
    };
    store::request_types::insert(&mut tx, key.as_str(), &values.borrowed()).await?;
    let row = store::request_types::find_by_key(&mut tx, key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(request_type.key = %row.key, "request type created");
    Ok(row.into())
}

/// Changes a type; `if_match` is its `version` (`412` with the current type when stale).
pub async fn update(
    db: &Db,
    actor: &Actor,
    key: &str,
    input: RequestTypeInput,
    if_match: Option<i64>,
) -> AppResult<RequestTypeView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let row = store::request_types::lock_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    super::check_version(row.version, if_match, || RequestTypeView::from(row.clone()))?;
    let mut invalid = Invalid::default();
    super::fields::refuse_new_key(&mut invalid, input.key.as_deref(), &row.key);
    let Some(values) = values_from(&mut tx, &mut invalid, &input, Some(&row)).await? else {
        return Err(invalid.into());
    };
    store::request_types::update(&mut tx, row.id, &values.borrowed(), row.version).await?;
    let row = store::request_types::find_by_key(&mut tx, key)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(request_type.key = %row.key, "request type changed");
    Ok(row.into())
}

/// One type; a retired one only for those who work requests.
pub async fn get(db: &Db, actor: &Actor, key: &str) -> AppResult<RequestTypeView> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    store::request_types::find_by_key(&mut conn, key)
        .await?
        .filter(|t| t.active || actor.can(Permission::WorkIncidents))
        .map(RequestTypeView::from)
        .ok_or(AppError::NotFound)
}

/// The catalogue by key, optionally of one department (`department`: its key); retired types
/// only for those who work requests.
pub async fn list(
    db: &Db,
    actor: &Actor,
    department: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<RequestTypeView>> {
    actor.require(Permission::ReadOwn)?;
    let mut conn = db.acquire().await?;
    let department_id = match department {
        Some(key) => Some(
            store::departments::find_by_key(&mut conn, key.trim())
                .await?
                .ok_or_else(|| {
                    super::fields::unknown_reference("department", "error.unknown_department")
                })?
                .id,
        ),
        None => None,
    };
    let rows = store::request_types::list(
        &mut conn,
        department_id,
        !actor.can(Permission::WorkIncidents),
        page.after.as_deref(),
        page.limit,
    )
    .await?;
    Ok(Page::from_rows(
        rows,
        page.limit,
        |t| t.key.clone(),
        RequestTypeView::from,
    ))
}

//! SLA policies: response and resolution targets per priority on a calendar, which holds
//! pause the clock, and when an incident is at risk.

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use super::calendars::unique_to_conflict;
use crate::domain::{Invalid, Permission, Slug};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::store::{self};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    pub key: String,
    pub name: String,
    /// The calendar's key.
    pub calendar: String,
    /// The service it applies to; with neither service nor group, it is the default.
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    /// Business seconds to the first response, for priorities 1 to 5.
    pub response_seconds: Vec<i32>,
    /// Business seconds to resolution, for priorities 1 to 5.
    pub resolution_seconds: Vec<i32>,
    /// Hold reasons that stop the resolution clock.
    pub pause_reasons: Vec<String>,
    pub at_risk_percent: i16,
    /// Counts up with every change; sent as `ETag`, checked against `If-Match`.
    pub version: i64,
}

impl From<store::sla::PolicyRow> for PolicyView {
    fn from(row: store::sla::PolicyRow) -> Self {
        PolicyView {
            key: row.key,
            name: row.name,
            calendar: row.calendar,
            service: row.service,
            assignment_group: row.assignment_group,
            response_seconds: row.response_targets,
            resolution_seconds: row.resolution_targets,
            pause_reasons: row.pause_reasons,
            at_risk_percent: row.at_risk_percent,
            version: row.version,
        }
    }
}

impl PolicyView {
    /// Response targets in business minutes, priority 1 first: "30 / 60 / 120 / 240 / 480".
    pub fn response_minutes(&self) -> String {
        minutes(&self.response_seconds)
    }

    pub fn resolution_minutes(&self) -> String {
        minutes(&self.resolution_seconds)
    }
}

pub(super) fn minutes(seconds: &[i32]) -> String {
    seconds
        .iter()
        .map(|s| (s / 60).to_string())
        .collect::<Vec<_>>()
        .join(" / ")
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    pub key: Option<String>,
    pub name: Option<String>,
    /// A calendar key (`24x7` is built in).
    pub calendar: Option<String>,
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    /// Five positive numbers of business seconds, priority 1 first.
    pub response_seconds: Option<Vec<i32>>,
    pub resolution_seconds: Option<Vec<i32>>,
    /// Default `awaiting_caller` and `awaiting_vendor`.
    pub pause_reasons: Option<Vec<String>>,
    /// Default 75.
    pub at_risk_percent: Option<i16>,
}

pub(super) fn targets(invalid: &mut Invalid, field: &str, value: Option<&Vec<i32>>) -> Vec<i32> {
    match value {
        Some(v) if v.len() == 5 && v.iter().all(|s| *s > 0) => v.clone(),
        _ => {
            invalid.add(field, "error.targets");
            Vec::new()
        }
    }
}

pub async fn create_policy(
    db: &PgPool,
    actor: &Actor,
    input: PolicyInput,
) -> AppResult<PolicyView> {
    actor.require(Permission::Administer)?;
    let mut tx = db.begin().await?;
    let valid = validate_policy(&mut tx, &input).await?;
    let new = valid.as_new();
    store::sla::insert_policy(&mut tx, new)
        .await
        .map_err(|e| unique_to_conflict(e, "error.policy_taken"))?;
    let row = store::sla::policy_by_key(&mut tx, valid.key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// A policy input checked in full: every field valid, every key resolved.
pub(crate) struct ValidPolicy {
    key: Slug,
    name: String,
    calendar_id: uuid::Uuid,
    service_id: Option<uuid::Uuid>,
    group_id: Option<uuid::Uuid>,
    response: Vec<i32>,
    resolution: Vec<i32>,
    pause_reasons: Vec<String>,
    at_risk: i16,
}

impl ValidPolicy {
    pub(crate) fn as_new(&self) -> store::sla::NewPolicy<'_> {
        store::sla::NewPolicy {
            key: self.key.as_str(),
            name: &self.name,
            calendar_id: self.calendar_id,
            service_id: self.service_id,
            assignment_group_id: self.group_id,
            response_targets: &self.response,
            resolution_targets: &self.resolution,
            pause_reasons: &self.pause_reasons,
            at_risk_percent: self.at_risk,
        }
    }
}

/// Checks a whole policy input, naming every invalid field.
pub(crate) async fn validate_policy(
    tx: &mut PgConnection,
    input: &PolicyInput,
) -> AppResult<ValidPolicy> {
    let mut invalid = Invalid::default();
    let (key, name) = crate::service::fields::new_key_and_name(
        &mut invalid,
        input.key.as_deref(),
        input.name.as_deref(),
        200,
    );
    let response = targets(
        &mut invalid,
        "response_seconds",
        input.response_seconds.as_ref(),
    );
    let resolution = targets(
        &mut invalid,
        "resolution_seconds",
        input.resolution_seconds.as_ref(),
    );
    let pause_reasons = input
        .pause_reasons
        .clone()
        .unwrap_or_else(|| vec!["awaiting_caller".into(), "awaiting_vendor".into()]);
    if pause_reasons
        .iter()
        .any(|r| crate::domain::incident::HoldReason::parse(r).is_err())
    {
        invalid.add("pause_reasons", "error.hold_reason");
    }
    let at_risk = input.at_risk_percent.unwrap_or(75);
    if !(1..=99).contains(&at_risk) {
        invalid.add("at_risk_percent", "error.percent");
    }
    if input.service.is_some() && input.assignment_group.is_some() {
        invalid.add("assignment_group", "error.one_scope");
    }
    let calendar =
        store::sla::calendar_by_key(&mut *tx, input.calendar.as_deref().unwrap_or("24x7")).await?;
    if calendar.is_none() {
        invalid.add("calendar", "error.unknown_calendar");
    }
    let service_id = match input.service.as_deref() {
        Some(key) => {
            if let Some(service) = store::services::find_by_key(&mut *tx, key).await? {
                Some(service.id)
            } else {
                invalid.add("service", "error.unknown_service");
                None
            }
        }
        None => None,
    };
    let group_id = match input.assignment_group.as_deref() {
        Some(key) => {
            if let Some(group) = store::groups::find_by_key(&mut *tx, key).await? {
                Some(group.id)
            } else {
                invalid.add("assignment_group", "error.unknown_group");
                None
            }
        }
        None => None,
    };
    let (Some(key), Some(name), Some(calendar), true) = (key, name, calendar, invalid.is_empty())
    else {
        return Err(invalid.into());
    };
    Ok(ValidPolicy {
        key,
        name,
        calendar_id: calendar.id,
        service_id,
        group_id,
        response,
        resolution,
        pause_reasons,
        at_risk,
    })
}

pub async fn policies(db: &PgPool, actor: &Actor) -> AppResult<Vec<PolicyView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    Ok(store::sla::policies(&mut conn)
        .await?
        .into_iter()
        .map(PolicyView::from)
        .collect())
}

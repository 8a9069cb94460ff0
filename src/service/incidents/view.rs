//! An incident as API.md shows it, with its SLA summary.

use serde::{Deserialize, Serialize};

use crate::domain::incident::Incident;
use crate::domain::incident::{HoldReason, IncidentState, Level, ResolutionCode};
use crate::service::sla::SlaView;

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
    /// The key of the department it belongs to: its service's (the owner group's), else its
    /// group's. Read-only; a confidential department's records reach its members only.
    pub department: Option<String>,
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

impl IncidentView {
    pub fn new(incident: Incident, now: jiff::Timestamp) -> Self {
        // Marked by the SLA worker, or visibly past due before its next pass.
        let clock = incident.clock();
        let response_breached = clock.response_breached(now);
        let resolution_breached = clock.resolution_breached(now);
        IncidentView {
            sla: SlaView {
                response_due: incident.response_due,
                resolution_due: incident.resolution_due,
                responded_at: incident.responded_at,
                response_breached,
                resolution_breached,
                paused: crate::service::sla::paused(&incident),
                at_risk: incident.sla_at_risk_at.is_some(),
                policy_id: incident.sla_policy_id,
                paused_seconds: incident.sla_paused_seconds,
                open: incident.state.is_open(),
                opened_at: incident.opened_at,
                resolved_at: incident.resolved_at,
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
            department: incident.department,
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

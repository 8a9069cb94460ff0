//! A problem as API.md shows it.

use serde::{Deserialize, Serialize};

use crate::domain::incident::Level;
use crate::domain::problem::Problem;
use crate::domain::problem::{ProblemResolution, ProblemState};

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
    /// The key of the department it belongs to: its service's (the owner group's), else its
    /// group's. Read-only; a confidential department's records reach its members only.
    pub department: Option<String>,
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
            department: p.department,
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

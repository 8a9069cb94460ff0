//! A service request as the API shows it, and the fields its journal records.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::domain::request::{RequestState, ServiceRequest};
use crate::service::sla::SlaView;

/// A service request.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestView {
    /// `REQ` and 7 digits.
    pub number: String,
    /// The request type's key.
    pub request_type: String,
    /// The key of the department that fulfils it (its type's). A confidential department's
    /// requests reach its members and the caller only.
    pub department: String,
    pub title: String,
    pub description: String,
    pub state: RequestState,
    /// The answers to the type's form.
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    pub caller: String,
    pub assignment_group: Option<String>,
    pub assignee: Option<String>,
    /// Why it was rejected or canceled, or how it was fulfilled.
    pub outcome: Option<String>,
    /// Its progress: how many tasks there are, and how many are done (what the caller
    /// sees of the tasks).
    pub tasks_total: i64,
    pub tasks_done: i64,
    /// The approval stage it awaits (0 the first), while it awaits one.
    pub approval_stage: Option<i16>,
    pub opened_by: String,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub fulfilled_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub version: i64,
    /// The service level of its type, as for incidents: due dates of the first response and
    /// of fulfilment, the response, breaches, and whether the fulfilment clock stands still
    /// (while approvals are awaited). All `null`/`false` when its type has no SLA policy.
    pub sla: SlaView,
}

impl From<ServiceRequest> for RequestView {
    fn from(r: ServiceRequest) -> Self {
        RequestView {
            sla: super::clock::view(&r, jiff::Timestamp::now()),
            number: r.number,
            request_type: r.request_type,
            department: r.department,
            title: r.title,
            description: r.description,
            state: r.state,
            values: r.values,
            caller: r.caller,
            assignment_group: r.assignment_group,
            assignee: r.assignee,
            outcome: r.outcome,
            tasks_total: r.tasks_total,
            tasks_done: r.tasks_done,
            approval_stage: r.approval_stage,
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            updated_at: r.updated_at,
            fulfilled_at: r.fulfilled_at,
            closed_at: r.closed_at,
            version: r.version,
        }
    }
}

/// The journal's `changes` between two versions of a request (none before: a create).
pub(crate) fn changes(
    before: Option<&ServiceRequest>,
    after: &ServiceRequest,
) -> Map<String, Value> {
    let fields = |r: &ServiceRequest| -> Vec<(&'static str, Value)> {
        vec![
            ("request_type", json!(r.request_type)),
            ("title", json!(r.title)),
            ("description", json!(r.description)),
            ("state", json!(r.state.as_str())),
            ("values", Value::Object(r.values.clone())),
            ("caller", json!(r.caller)),
            ("assignment_group", json!(r.assignment_group)),
            ("assignee", json!(r.assignee)),
            ("outcome", json!(r.outcome)),
        ]
    };
    crate::service::journal::field_changes(before.map(fields).as_deref(), fields(after))
}

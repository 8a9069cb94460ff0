//! What the problem operations take, as API.md describes the requests.

use serde::Deserialize;
use serde_json::Value;

use crate::service::fields;

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

//! What the incident operations take, as API.md describes the requests.

use serde::Deserialize;
use serde_json::Value;

use crate::service::fields::present;

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
    /// Files the report brings (a mail's, the portal's), stored already; never from JSON.
    #[serde(skip)]
    #[schema(ignore)]
    pub files: Vec<crate::service::attachments::Staged>,
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

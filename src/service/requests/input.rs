//! What the request operations take.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::service::fields;

/// A new request: the type is required, the form's answers go in `values`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequestInput {
    /// The request type's key.
    pub request_type: Option<String>,
    /// Defaults to the type's name.
    pub title: Option<String>,
    pub description: Option<String>,
    /// The answers to the type's form, by field key.
    #[schema(value_type = Option<Object>)]
    pub values: Option<Map<String, Value>>,
    /// Who the request is for (an e-mail with an account); default the one asking. Asking on
    /// someone else's behalf needs an agent.
    pub caller: Option<String>,
}

/// Absent means unchanged; `null` clears a field that may be empty.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestPatch {
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// A group key.
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub assignment_group: Option<Option<String>>,
    /// A user's e-mail; must be a member of the assignment group.
    #[serde(default, deserialize_with = "fields::present")]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
}

/// A move through the request workflow.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestTransitionInput {
    pub to: String,
    /// Required to reject, cancel, fulfil or reopen: the caller reads it.
    pub reason: Option<String>,
}

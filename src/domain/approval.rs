//! Approvals of service requests: a request type's sequential stages, who approves in each
//! and how many must agree, and what a stage's decisions add up to. Pure rules, no I/O.

use serde::{Deserialize, Serialize};

use super::form::{FieldKind, FormField};
use super::validation::required_text;
use super::{Email, Invalid, Slug};

text_enum! {
    /// How many of a stage's approvers must approve.
    pub enum ApprovalRule (error = "error.approval_rule", label = "approval_rule") {
        /// One approval is enough.
        Any = "any",
        /// Every approver must approve.
        All = "all",
        /// `required` approvals.
        NOfM = "n_of_m",
    }
}

text_enum! {
    /// One approver's answer.
    pub enum Decision (error = "error.decision", label = "decision") {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
        /// The stage was decided without this approver, or the request was canceled.
        Withdrawn = "withdrawn",
    }
}

/// Who approves in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Approvers {
    /// The caller's manager (`manager` of their account).
    Manager,
    /// Every active member of a group.
    Group { group: String },
    /// Named people, by e-mail.
    People { people: Vec<String> },
    /// The person chosen in a `person` field of the form.
    Field { field: String },
}

/// One stage of approval; stages run one after another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalStage {
    pub name: String,
    pub approvers: Approvers,
    #[serde(default = "any")]
    pub rule: ApprovalRule,
    /// For `n_of_m`: how many approvals are needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<u32>,
}

fn any() -> ApprovalRule {
    ApprovalRule::Any
}

/// Most stages a request type has.
pub const MAX_STAGES: usize = 10;

/// Checks the stages of a request type against its form; each problem named under `name`
/// (`approval_stages[1].approvers.field`, …).
pub fn check_stages(
    invalid: &mut Invalid,
    name: &str,
    stages: &[ApprovalStage],
    form: &[FormField],
) {
    if stages.len() > MAX_STAGES {
        invalid.add(name, "error.too_many_stages");
        return;
    }
    for (n, stage) in stages.iter().enumerate() {
        let path = |part: &str| format!("{name}[{n}].{part}");
        if let Err(key) = required_text(&stage.name, 100) {
            invalid.add(path("name"), key);
        }
        match &stage.approvers {
            Approvers::Manager => {}
            Approvers::Group { group } => {
                if Slug::parse(group).is_err() {
                    invalid.add(path("approvers.group"), "error.slug");
                }
            }
            Approvers::People { people } => {
                if people.is_empty() {
                    invalid.add(path("approvers.people"), "error.required");
                }
                for (p, person) in people.iter().enumerate() {
                    if Email::parse(person).is_err() {
                        invalid.add(format!("{name}[{n}].approvers.people[{p}]"), "error.email");
                    }
                }
            }
            Approvers::Field { field } => {
                if !form
                    .iter()
                    .any(|f| &f.key == field && f.kind == FieldKind::Person)
                {
                    invalid.add(path("approvers.field"), "error.approver_field");
                }
            }
        }
        match (stage.rule, stage.required) {
            (ApprovalRule::NOfM, Some(1..)) | (ApprovalRule::Any | ApprovalRule::All, None) => {}
            (ApprovalRule::NOfM, _) => invalid.add(path("required"), "error.required_approvals"),
            (_, Some(_)) => invalid.add(path("required"), "error.required_only_n_of_m"),
        }
    }
}

/// What a stage's decisions add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageOutcome {
    /// Not decided yet.
    Open,
    Approved,
    /// Enough approvers rejected that the rule can no longer be met.
    Rejected,
}

impl ApprovalStage {
    /// How many approvals the stage needs of `approvers` people (at least one).
    pub fn needed(&self, approvers: usize) -> usize {
        match self.rule {
            ApprovalRule::Any => 1,
            ApprovalRule::All => approvers.max(1),
            ApprovalRule::NOfM => self
                .required
                .and_then(|r| usize::try_from(r).ok())
                .unwrap_or(1),
        }
    }
}

/// The outcome of a stage whose approvers decided `decisions` so far: approved once enough
/// approved, rejected once too few could still approve. A stage without approvers stays
/// open (someone must fix who approves, or cancel).
pub fn stage_outcome(stage: &ApprovalStage, decisions: &[Decision]) -> StageOutcome {
    let approvers = decisions
        .iter()
        .filter(|d| **d != Decision::Withdrawn)
        .count();
    if approvers == 0 {
        return StageOutcome::Open;
    }
    let needed = stage.needed(approvers);
    let approved = decisions
        .iter()
        .filter(|d| **d == Decision::Approved)
        .count();
    let pending = decisions
        .iter()
        .filter(|d| **d == Decision::Pending)
        .count();
    if approved >= needed {
        StageOutcome::Approved
    } else if approved + pending < needed {
        StageOutcome::Rejected
    } else {
        StageOutcome::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Approved, Pending, Rejected};
    use serde_json::json;

    fn stage(rule: &str, required: Option<u32>) -> ApprovalStage {
        serde_json::from_value(
            json!({"name": "Owners", "approvers": {"kind": "people", "people": ["a@x.example"]},
                                       "rule": rule, "required": required}),
        )
        .unwrap()
    }

    #[test]
    fn any_one_approval_passes_and_only_all_rejections_fail() {
        let any = stage("any", None);
        assert_eq!(stage_outcome(&any, &[Pending, Pending]), StageOutcome::Open);
        assert_eq!(
            stage_outcome(&any, &[Rejected, Approved]),
            StageOutcome::Approved
        );
        assert_eq!(
            stage_outcome(&any, &[Rejected, Pending]),
            StageOutcome::Open
        );
        assert_eq!(
            stage_outcome(&any, &[Rejected, Rejected]),
            StageOutcome::Rejected
        );
    }

    #[test]
    fn all_must_approve_and_one_rejection_fails() {
        let all = stage("all", None);
        assert_eq!(
            stage_outcome(&all, &[Approved, Pending]),
            StageOutcome::Open
        );
        assert_eq!(
            stage_outcome(&all, &[Approved, Approved]),
            StageOutcome::Approved
        );
        assert_eq!(
            stage_outcome(&all, &[Pending, Rejected]),
            StageOutcome::Rejected
        );
    }

    #[test]
    fn n_of_m_counts_and_fails_once_too_few_remain() {
        let two = stage("n_of_m", Some(2));
        assert_eq!(
            stage_outcome(&two, &[Approved, Pending, Pending]),
            StageOutcome::Open
        );
        assert_eq!(
            stage_outcome(&two, &[Approved, Rejected, Approved]),
            StageOutcome::Approved
        );
        assert_eq!(
            stage_outcome(&two, &[Rejected, Rejected, Pending]),
            StageOutcome::Rejected
        );
        assert_eq!(
            stage_outcome(&two, &[]),
            StageOutcome::Open,
            "nobody to ask"
        );
    }

    #[test]
    fn stages_are_checked_against_the_form() {
        let form: Vec<FormField> = serde_json::from_value(json!([
            {"key": "manager", "label": "Manager", "kind": "person"},
            {"key": "note", "label": "Note", "kind": "text"}
        ]))
        .unwrap();
        let stages: Vec<ApprovalStage> = serde_json::from_value(json!([
            {"name": "Manager", "approvers": {"kind": "field", "field": "manager"}},
            {"name": "", "approvers": {"kind": "field", "field": "note"}, "rule": "n_of_m"},
            {"name": "Owners", "approvers": {"kind": "people", "people": ["not-mail"]}, "rule": "all", "required": 2},
            {"name": "Desk", "approvers": {"kind": "group", "group": "Service Desk"}}
        ]))
        .unwrap();
        let mut invalid = Invalid::default();
        check_stages(&mut invalid, "approval_stages", &stages, &form);
        let got: Vec<(String, &str)> = invalid.0.into_iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            got,
            vec![
                ("approval_stages[1].name".to_owned(), "error.required"),
                (
                    "approval_stages[1].approvers.field".to_owned(),
                    "error.approver_field"
                ),
                (
                    "approval_stages[1].required".to_owned(),
                    "error.required_approvals"
                ),
                (
                    "approval_stages[2].approvers.people[0]".to_owned(),
                    "error.email"
                ),
                (
                    "approval_stages[2].required".to_owned(),
                    "error.required_only_n_of_m"
                ),
                (
                    "approval_stages[3].approvers.group".to_owned(),
                    "error.slug"
                ),
            ]
        );
    }
}

//! Problems: numbers and the workflow. Pure rules, no I/O. The table mirrors "Problems" in
//! API.md: a change here changes the public contract.

use uuid::Uuid;

use super::incident::Level;
use super::{FieldError, Invalid};

/// `PRB` followed by 7 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProblemNumber(String);

impl ProblemNumber {
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let value = value.trim().to_ascii_uppercase();
        let digits = value.strip_prefix("PRB").ok_or("error.problem_number")?;
        if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value))
        } else {
            Err("error.problem_number")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_enum! {
    pub enum ProblemState (error = "error.problem_state", label = "problem_state") {
        New = "new",
        Assessment = "assessment",
        RootCauseAnalysis = "root_cause_analysis",
        FixInProgress = "fix_in_progress",
        Resolved = "resolved",
        Closed = "closed",
    }
}

impl ProblemState {
    /// The workflow table: where a problem may go from here.
    pub fn allowed_next(self) -> &'static [ProblemState] {
        use ProblemState::{Assessment, Closed, FixInProgress, New, Resolved, RootCauseAnalysis};
        match self {
            New => &[Assessment, Closed],
            Assessment => &[RootCauseAnalysis, Closed],
            RootCauseAnalysis => &[FixInProgress, Resolved, Closed],
            FixInProgress => &[Resolved],
            Resolved => &[Closed, RootCauseAnalysis],
            Closed => &[],
        }
    }
}

text_enum! {
    pub enum ProblemResolution (error = "error.problem_resolution", label = "problem_resolution") {
        FixApplied = "fix_applied",
        RiskAccepted = "risk_accepted",
        Duplicate = "duplicate",
        Canceled = "canceled",
    }
}

/// A requested state change, as sent.
#[derive(Debug, Clone, Default)]
pub struct ProblemTransitionRequest {
    pub to: String,
    pub resolution_code: Option<String>,
    pub fix_notes: Option<String>,
    pub reason: Option<String>,
}

/// What a permitted transition changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemTransition {
    pub from: ProblemState,
    pub to: ProblemState,
    /// Set when resolving, or when closing early; cleared on reopen; kept on a later close.
    pub resolution: Option<ProblemResolution>,
    pub fix_notes: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemTransitionError {
    NotAllowed {
        from: ProblemState,
        to: ProblemState,
    },
    Invalid(Vec<FieldError>),
}

/// Checks a transition against the workflow table and what each move needs.
pub fn plan_transition(
    from: ProblemState,
    request: &ProblemTransitionRequest,
) -> Result<ProblemTransition, ProblemTransitionError> {
    use ProblemState::{Closed, Resolved, RootCauseAnalysis};
    let mut invalid = Invalid::default();
    let Some(to) = invalid.check("to", ProblemState::parse(&request.to)) else {
        return Err(ProblemTransitionError::Invalid(invalid.0));
    };
    if !from.allowed_next().contains(&to) {
        return Err(ProblemTransitionError::NotAllowed { from, to });
    }
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut transition = ProblemTransition {
        from,
        to,
        resolution: None,
        fix_notes: text(&request.fix_notes),
        reason: text(&request.reason),
    };
    let code = |invalid: &mut Invalid| {
        if let Some(code) = request.resolution_code.as_deref() {
            invalid.check("resolution_code", ProblemResolution::parse(code))
        } else {
            invalid.add("resolution_code", "error.required");
            None
        }
    };
    match (from, to) {
        (Resolved, Closed) => {}
        // Closing early: only as canceled or duplicate.
        (_, Closed) => {
            transition.resolution = code(&mut invalid);
            if transition.resolution.is_some_and(|c| {
                !matches!(
                    c,
                    ProblemResolution::Canceled | ProblemResolution::Duplicate
                )
            }) {
                invalid.add("resolution_code", "error.close_early");
            }
        }
        (_, Resolved) => {
            transition.resolution = code(&mut invalid);
            if transition.fix_notes.is_none() {
                invalid.add("fix_notes", "error.required");
            }
        }
        (Resolved, RootCauseAnalysis) if transition.reason.is_none() => {
            invalid.add("reason", "error.reopen_reason");
        }
        _ => {}
    }
    for (field, value) in [
        ("fix_notes", &transition.fix_notes),
        ("reason", &transition.reason),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 100_000) {
            invalid.add(field, "error.too_long");
        }
    }
    invalid
        .finish(|| transition)
        .map_err(|i| ProblemTransitionError::Invalid(i.0))
}

/// A problem may be marked a known error only with a root cause and a workaround.
pub fn check_known_error(
    known_error: bool,
    root_cause: Option<&str>,
    workaround: Option<&str>,
) -> Vec<FieldError> {
    let blank = |v: Option<&str>| v.is_none_or(|v| v.trim().is_empty());
    let mut errors = Vec::new();
    if known_error {
        if blank(root_cause) {
            errors.push(FieldError::new("root_cause", "error.known_error_needs"));
        }
        if blank(workaround) {
            errors.push(FieldError::new("workaround", "error.known_error_needs"));
        }
    }
    errors
}

/// A problem: the aggregate every problem operation reads and changes (`store::problems`
/// reads and writes it), with the keys and e-mails of what it points at.
#[derive(Debug, Clone)]
pub struct Problem {
    pub id: Uuid,
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
    pub service_id: Option<Uuid>,
    pub service: Option<String>,
    pub assignment_group_id: Option<Uuid>,
    pub assignment_group: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub assignee: Option<String>,
    /// The department it belongs to (kept by the database: its service's, else its group's).
    pub department_id: Option<Uuid>,
    /// The department's key.
    pub department: Option<String>,
    pub incident_count: i64,
    pub opened_by: String,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub resolved_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub version: i64,
}

impl Problem {
    /// What a planned move does to the fields at `now`: the state, the resolution and fix
    /// notes on resolve (or an early close), cleared on reopen, and the moments of resolving
    /// and closing.
    pub fn apply(&mut self, transition: &ProblemTransition, now: jiff::Timestamp) {
        self.state = transition.to;
        match (transition.from, transition.to) {
            (_, ProblemState::Resolved) => {
                self.resolution_code = transition.resolution;
                self.fix_notes.clone_from(&transition.fix_notes);
                self.resolved_at = Some(now);
            }
            (ProblemState::Resolved, ProblemState::RootCauseAnalysis) => {
                self.resolution_code = None;
                self.resolved_at = None;
            }
            (ProblemState::Resolved, ProblemState::Closed) => self.closed_at = Some(now),
            (_, ProblemState::Closed) => {
                self.resolution_code = transition.resolution;
                self.closed_at = Some(now);
            }
            _ => {}
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_sets_the_resolution_and_a_reopen_takes_it_back() {
        let t = |s: i64| jiff::Timestamp::from_second(1_800_000_000 + s).unwrap();
        let mut problem = Problem {
            id: Uuid::nil(),
            number: "PRB0000001".to_owned(),
            title: "Spooler".to_owned(),
            description: String::new(),
            state: ProblemState::FixInProgress,
            known_error: false,
            root_cause: None,
            workaround: None,
            resolution_code: None,
            fix_notes: None,
            impact: Level::Medium,
            urgency: Level::Medium,
            priority: 3,
            service_id: None,
            service: None,
            assignment_group_id: None,
            assignment_group: None,
            assignee_id: None,
            assignee: None,
            department_id: None,
            department: None,
            incident_count: 0,
            opened_by: "pm@example.com".to_owned(),
            opened_at: t(0),
            updated_at: t(0),
            resolved_at: None,
            closed_at: None,
            version: 1,
        };
        let moved = |problem: &mut Problem, to: &str, at| {
            let request = ProblemTransitionRequest {
                to: to.to_owned(),
                resolution_code: (to == "resolved").then(|| "fix_applied".to_owned()),
                fix_notes: (to == "resolved").then(|| "Patched".to_owned()),
                reason: (to == "root_cause_analysis").then(|| "It came back".to_owned()),
            };
            let planned = plan_transition(problem.state, &request).expect("allowed");
            problem.apply(&planned, at);
        };
        moved(&mut problem, "resolved", t(60));
        assert_eq!(
            (
                problem.resolution_code,
                problem.fix_notes.as_deref(),
                problem.resolved_at
            ),
            (
                Some(ProblemResolution::FixApplied),
                Some("Patched"),
                Some(t(60))
            )
        );
        moved(&mut problem, "root_cause_analysis", t(120));
        assert_eq!((problem.resolution_code, problem.resolved_at), (None, None));
        moved(&mut problem, "resolved", t(180));
        moved(&mut problem, "closed", t(240));
        assert_eq!(
            (problem.closed_at, problem.resolution_code),
            (Some(t(240)), Some(ProblemResolution::FixApplied)),
            "closing keeps the resolution"
        );
    }
    use ProblemState::*;

    fn full(to: &str) -> ProblemTransitionRequest {
        ProblemTransitionRequest {
            to: to.to_owned(),
            resolution_code: Some("canceled".to_owned()),
            fix_notes: Some("Patched the gateway.".to_owned()),
            reason: Some("It came back.".to_owned()),
        }
    }

    #[test]
    fn the_workflow_table_allows_exactly_the_listed_moves() {
        let allowed = [
            (New, vec![Assessment, Closed]),
            (Assessment, vec![RootCauseAnalysis, Closed]),
            (RootCauseAnalysis, vec![FixInProgress, Resolved, Closed]),
            (FixInProgress, vec![Resolved]),
            (Resolved, vec![Closed, RootCauseAnalysis]),
            (Closed, vec![]),
        ];
        for (from, targets) in allowed {
            for to in ProblemState::ALL {
                let result = plan_transition(from, &full(to.as_str()));
                if targets.contains(&to) {
                    assert!(result.is_ok(), "{from:?} -> {to:?}: {result:?}");
                } else {
                    assert_eq!(
                        result,
                        Err(ProblemTransitionError::NotAllowed { from, to }),
                        "{from:?} -> {to:?}"
                    );
                }
            }
        }
    }

    fn fields(from: ProblemState, request: &ProblemTransitionRequest) -> Vec<String> {
        match plan_transition(from, request) {
            Err(ProblemTransitionError::Invalid(errors)) => {
                errors.into_iter().map(|e| e.field).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn each_move_names_what_it_needs() {
        let bare = |to: &str| ProblemTransitionRequest {
            to: to.to_owned(),
            ..Default::default()
        };
        assert_eq!(fields(New, &bare("closed")), ["resolution_code"]);
        let fixed = ProblemTransitionRequest {
            resolution_code: Some("fix_applied".into()),
            ..bare("closed")
        };
        assert_eq!(
            fields(Assessment, &fixed),
            ["resolution_code"],
            "closing early is only canceled or duplicate"
        );
        assert_eq!(
            fields(RootCauseAnalysis, &bare("resolved")),
            ["resolution_code", "fix_notes"]
        );
        assert_eq!(fields(Resolved, &bare("root_cause_analysis")), ["reason"]);
        assert!(
            plan_transition(Resolved, &bare("closed")).is_ok(),
            "closing a resolved problem needs nothing"
        );
    }

    #[test]
    fn known_errors_need_a_root_cause_and_a_workaround() {
        assert!(check_known_error(false, None, None).is_empty());
        assert!(check_known_error(true, Some("Expired certificate"), Some("Reconnect")).is_empty());
        let names: Vec<String> = check_known_error(true, Some(" "), None)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(names, ["root_cause", "workaround"]);
    }

    #[test]
    fn numbers_are_prb_and_seven_digits() {
        assert_eq!(
            ProblemNumber::parse("prb0000007").unwrap().as_str(),
            "PRB0000007"
        );
        assert!(ProblemNumber::parse("INC0000007").is_err());
    }
}

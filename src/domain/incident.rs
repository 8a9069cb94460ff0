//! Incidents: numbers, the priority matrix and the workflow. Pure rules, no I/O.
//! The tables mirror "Incidents" in API.md: a change here changes the public contract.

use uuid::Uuid;

use super::sla_clock::ClockFacts;
use super::{FieldError, Invalid};

/// `INC` followed by 7 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IncidentNumber(String);

impl IncidentNumber {
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let value = value.trim().to_ascii_uppercase();
        let digits = value.strip_prefix("INC").ok_or("error.incident_number")?;
        if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value))
        } else {
            Err("error.incident_number")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_enum! {
    /// Impact and urgency share one scale.
    #[derive(Default)]
    pub enum Level (error = "error.level", label = "level") {
        High = "high",
        #[default]
        Medium = "medium",
        Low = "low",
    }
}

impl Level {
    fn rank(self) -> u8 {
        match self {
            Level::High => 0,
            Level::Medium => 1,
            Level::Low => 2,
        }
    }
}

/// The ITIL matrix: priority 1 (critical) to 5 (planning).
pub fn priority(impact: Level, urgency: Level) -> i16 {
    i16::from(impact.rank() + urgency.rank() + 1)
}

text_enum! {
    pub enum IncidentState (error = "error.state", label = "state") {
        New = "new",
        InProgress = "in_progress",
        OnHold = "on_hold",
        Resolved = "resolved",
        Closed = "closed",
        Canceled = "canceled",
    }
}

impl IncidentState {
    /// The states of incidents someone still has to work on.
    pub const OPEN: [IncidentState; 3] = [
        IncidentState::New,
        IncidentState::InProgress,
        IncidentState::OnHold,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The workflow table: where an incident may go from here.
    pub fn allowed_next(self) -> &'static [IncidentState] {
        use IncidentState::{Canceled, Closed, InProgress, New, OnHold, Resolved};
        match self {
            New => &[InProgress, OnHold, Resolved, Canceled],
            InProgress => &[OnHold, Resolved, Canceled],
            OnHold => &[InProgress, Resolved, Canceled],
            Resolved => &[InProgress, Closed],
            Closed | Canceled => &[],
        }
    }
}

text_enum! {
    pub enum HoldReason (error = "error.hold_reason", label = "hold") {
        AwaitingCaller = "awaiting_caller",
        AwaitingVendor = "awaiting_vendor",
        AwaitingChange = "awaiting_change",
        AwaitingProblem = "awaiting_problem",
    }
}

text_enum! {
    pub enum ResolutionCode (error = "error.resolution_code", label = "resolution") {
        Workaround = "workaround",
        PermanentFix = "permanent_fix",
        NotReproducible = "not_reproducible",
        Duplicate = "duplicate",
        SolvedByProblem = "solved_by_problem",
    }
}

/// A requested state change, as sent (strings are parsed by `plan_transition`).
#[derive(Debug, Clone, Default)]
pub struct TransitionRequest {
    pub to: String,
    pub hold_reason: Option<String>,
    pub resolution_code: Option<String>,
    pub resolution_notes: Option<String>,
    pub reason: Option<String>,
}

/// What a permitted transition changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: IncidentState,
    pub to: IncidentState,
    /// Set when entering `on_hold`, cleared otherwise.
    pub hold_reason: Option<HoldReason>,
    /// Set when entering `resolved`; cleared on reopen; kept on close.
    pub resolution: Option<(ResolutionCode, String)>,
    /// The reason for a reopen or a cancellation.
    pub reason: Option<String>,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// `409`: the workflow does not allow this move from here.
    NotAllowed {
        from: IncidentState,
        to: IncidentState,
    },
    /// `422`: the target is unknown or a field the move needs is missing.
    Invalid(Vec<FieldError>),
}

/// Checks a transition against the workflow table and what each move needs.
pub fn plan_transition(
    from: IncidentState,
    request: &TransitionRequest,
) -> Result<Transition, TransitionError> {
    let mut invalid = Invalid::default();
    let Some(to) = invalid.check("to", IncidentState::parse(&request.to)) else {
        return Err(TransitionError::Invalid(invalid.0));
    };
    if !from.allowed_next().contains(&to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut transition = Transition {
        from,
        to,
        hold_reason: None,
        resolution: None,
        reason: text(&request.reason),
    };
    match to {
        IncidentState::OnHold => match request.hold_reason.as_deref() {
            Some(reason) => {
                transition.hold_reason = invalid.check("hold_reason", HoldReason::parse(reason));
            }
            None => invalid.add("hold_reason", "error.required"),
        },
        IncidentState::Resolved => {
            let code = if let Some(code) = request.resolution_code.as_deref() {
                invalid.check("resolution_code", ResolutionCode::parse(code))
            } else {
                invalid.add("resolution_code", "error.required");
                None
            };
            let notes = text(&request.resolution_notes);
            if notes.is_none() {
                invalid.add("resolution_notes", "error.required");
            } else if notes.as_ref().is_some_and(|n| n.chars().count() > 100_000) {
                invalid.add("resolution_notes", "error.too_long");
            }
            transition.resolution = code.zip(notes);
        }
        IncidentState::Canceled if transition.reason.is_none() => {
            invalid.add("reason", "error.required");
        }
        IncidentState::InProgress
            if from == IncidentState::Resolved && transition.reason.is_none() =>
        {
            invalid.add("reason", "error.reopen_reason");
        }
        _ => {}
    }
    if transition
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > 10_000)
    {
        invalid.add("reason", "error.too_long");
    }
    invalid
        .finish(|| transition)
        .map_err(|i| TransitionError::Invalid(i.0))
}

/// Whether this move is the incident's first response (the first move out of `new`).
pub fn is_first_response(transition: &Transition) -> bool {
    transition.from == IncidentState::New
}

/// An incident: the aggregate every operation reads and changes (`store::incidents` reads and
/// writes it), with the keys and e-mails of what it points at.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub description: String,
    pub state: IncidentState,
    pub hold_reason: Option<HoldReason>,
    pub impact: Level,
    pub urgency: Level,
    pub priority: i16,
    pub caller_email: Option<String>,
    pub caller_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub assignment_group_id: Option<Uuid>,
    pub assignment_group: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub parent_id: Option<Uuid>,
    pub parent: Option<String>,
    pub problem_id: Option<Uuid>,
    pub problem: Option<String>,
    /// The department it belongs to (kept by the database: its service's, else its group's).
    pub department_id: Option<Uuid>,
    /// The department's key.
    pub department: Option<String>,
    pub major: bool,
    pub resolution_code: Option<ResolutionCode>,
    pub resolution_notes: Option<String>,
    pub response_due: Option<jiff::Timestamp>,
    pub resolution_due: Option<jiff::Timestamp>,
    pub responded_at: Option<jiff::Timestamp>,
    pub sla_policy_id: Option<Uuid>,
    /// Business seconds the resolution clock stood still so far.
    pub sla_paused_seconds: i64,
    /// Since when the resolution clock stands still (on a pausing hold, or resolved).
    pub sla_paused_since: Option<jiff::Timestamp>,
    /// When the resolution target will be `at_risk_percent` used up.
    pub sla_at_risk_due: Option<jiff::Timestamp>,
    pub sla_at_risk_at: Option<jiff::Timestamp>,
    pub sla_response_breached_at: Option<jiff::Timestamp>,
    pub sla_resolution_breached_at: Option<jiff::Timestamp>,
    pub sla_next_check: Option<jiff::Timestamp>,
    pub reassignment_count: i32,
    pub opened_by_id: Uuid,
    pub opened_by: String,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub resolved_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub version: i64,
}

impl Incident {
    /// What a planned move does to the fields at `now`: the state and hold reason, the
    /// resolution set on resolve and cleared on reopen, the moments of resolving and closing,
    /// and the first response. Every path that moves an incident applies it (taking the
    /// incident on `in_progress` needs its group's members: the service does that).
    pub fn apply(&mut self, transition: &Transition, now: jiff::Timestamp) {
        self.state = transition.to;
        self.hold_reason = transition.hold_reason;
        match transition.to {
            IncidentState::Resolved => {
                if let Some((code, notes)) = &transition.resolution {
                    self.resolution_code = Some(*code);
                    self.resolution_notes = Some(notes.clone());
                }
                self.resolved_at = Some(now);
            }
            IncidentState::InProgress if transition.from == IncidentState::Resolved => {
                self.resolution_code = None;
                self.resolution_notes = None;
                self.resolved_at = None;
            }
            IncidentState::Closed | IncidentState::Canceled => self.closed_at = Some(now),
            _ => {}
        }
        if is_first_response(transition) && self.responded_at.is_none() {
            self.responded_at = Some(now);
        }
    }

    /// What the SLA clock's decisions depend on (`domain::sla_clock`).
    pub fn clock(&self) -> ClockFacts {
        ClockFacts {
            open: self.state.is_open(),
            paused: self.sla_paused_since.is_some(),
            responded_at: self.responded_at,
            resolved_at: self.resolved_at,
            response_due: self.response_due,
            resolution_due: self.resolution_due,
            at_risk_due: self.sla_at_risk_due,
            response_breached_at: self.sla_response_breached_at,
            at_risk_at: self.sla_at_risk_at,
            resolution_breached_at: self.sla_resolution_breached_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(now: jiff::Timestamp) -> Incident {
        Incident {
            id: Uuid::nil(),
            number: "INC0000001".to_owned(),
            title: "Printer".to_owned(),
            description: String::new(),
            state: IncidentState::New,
            hold_reason: None,
            impact: Level::Medium,
            urgency: Level::Medium,
            priority: 3,
            caller_email: None,
            caller_id: None,
            service_id: None,
            service: None,
            category: None,
            assignment_group_id: None,
            assignment_group: None,
            assignee_id: None,
            assignee: None,
            parent_id: None,
            parent: None,
            problem_id: None,
            problem: None,
            department_id: None,
            department: None,
            major: false,
            resolution_code: None,
            resolution_notes: None,
            response_due: None,
            resolution_due: None,
            responded_at: None,
            sla_policy_id: None,
            sla_paused_seconds: 0,
            sla_paused_since: None,
            sla_at_risk_due: None,
            sla_at_risk_at: None,
            sla_response_breached_at: None,
            sla_resolution_breached_at: None,
            sla_next_check: None,
            reassignment_count: 0,
            opened_by_id: Uuid::nil(),
            opened_by: "agent@example.com".to_owned(),
            opened_at: now,
            updated_at: now,
            resolved_at: None,
            closed_at: None,
            version: 1,
        }
    }

    fn moved(incident: &mut Incident, to: &str, at: jiff::Timestamp) {
        let request = TransitionRequest {
            to: to.to_owned(),
            hold_reason: (to == "on_hold").then(|| "awaiting_caller".to_owned()),
            resolution_code: (to == "resolved").then(|| "workaround".to_owned()),
            resolution_notes: (to == "resolved").then(|| "Restarted".to_owned()),
            reason: (to == "canceled" || incident.state == IncidentState::Resolved)
                .then(|| "why".to_owned()),
        };
        let planned = plan_transition(incident.state, &request).expect("allowed");
        incident.apply(&planned, at);
    }

    #[test]
    fn a_move_sets_what_the_workflow_says_and_a_reopen_takes_the_resolution_back() {
        let t = |s: i64| jiff::Timestamp::from_second(1_800_000_000 + s).unwrap();
        let mut incident = logged(t(0));
        moved(&mut incident, "in_progress", t(60));
        assert_eq!(
            incident.responded_at,
            Some(t(60)),
            "taking it is the first response"
        );
        moved(&mut incident, "on_hold", t(120));
        assert_eq!(incident.hold_reason, Some(HoldReason::AwaitingCaller));
        moved(&mut incident, "resolved", t(180));
        assert_eq!(
            (incident.state, incident.hold_reason, incident.resolved_at),
            (IncidentState::Resolved, None, Some(t(180)))
        );
        assert_eq!(incident.resolution_code, Some(ResolutionCode::Workaround));
        assert_eq!(incident.resolution_notes.as_deref(), Some("Restarted"));
        moved(&mut incident, "in_progress", t(240));
        assert_eq!(
            (incident.resolution_code, incident.resolved_at),
            (None, None),
            "reopened"
        );
        assert_eq!(
            incident.responded_at,
            Some(t(60)),
            "the first response stays"
        );
        moved(&mut incident, "resolved", t(300));
        moved(&mut incident, "closed", t(360));
        assert_eq!(
            (incident.closed_at, incident.resolved_at),
            (Some(t(360)), Some(t(300))),
            "closing keeps the resolution"
        );
    }
    use IncidentState::*;

    #[test]
    fn the_priority_matrix_is_itils() {
        use Level::*;
        let table = [(High, [1, 2, 3]), (Medium, [2, 3, 4]), (Low, [3, 4, 5])];
        for (impact, row) in table {
            let got = [High, Medium, Low].map(|urgency| priority(impact, urgency));
            assert_eq!(got, row, "impact {impact:?}");
        }
    }

    #[test]
    fn numbers_are_inc_and_seven_digits() {
        assert_eq!(
            IncidentNumber::parse("INC0000042").unwrap().as_str(),
            "INC0000042"
        );
        assert_eq!(
            IncidentNumber::parse(" inc0000042 ").unwrap().as_str(),
            "INC0000042"
        );
        for bad in ["INC42", "PRB0000042", "INC00000042", "INC00000a2", ""] {
            assert!(IncidentNumber::parse(bad).is_err(), "{bad}");
        }
    }

    fn request(to: &str) -> TransitionRequest {
        TransitionRequest {
            to: to.to_owned(),
            ..Default::default()
        }
    }

    fn full(to: &str) -> TransitionRequest {
        TransitionRequest {
            to: to.to_owned(),
            hold_reason: Some("awaiting_caller".to_owned()),
            resolution_code: Some("workaround".to_owned()),
            resolution_notes: Some("Restarted the VPN client.".to_owned()),
            reason: Some("The caller called again.".to_owned()),
        }
    }

    /// Every pair of states: allowed exactly where API.md's table says so.
    #[test]
    fn the_workflow_table_allows_exactly_the_listed_moves() {
        let allowed = [
            (New, vec![InProgress, OnHold, Resolved, Canceled]),
            (InProgress, vec![OnHold, Resolved, Canceled]),
            (OnHold, vec![InProgress, Resolved, Canceled]),
            (Resolved, vec![InProgress, Closed]),
            (Closed, vec![]),
            (Canceled, vec![]),
        ];
        for (from, targets) in allowed {
            for to in IncidentState::ALL {
                let result = plan_transition(from, &full(to.as_str()));
                if targets.contains(&to) {
                    assert!(result.is_ok(), "{from:?} -> {to:?}: {result:?}");
                } else {
                    assert_eq!(
                        result,
                        Err(TransitionError::NotAllowed { from, to }),
                        "{from:?} -> {to:?}"
                    );
                }
            }
        }
    }

    fn missing(from: IncidentState, request: &TransitionRequest) -> Vec<String> {
        match plan_transition(from, request) {
            Err(TransitionError::Invalid(fields)) => fields.into_iter().map(|f| f.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn each_move_names_what_it_needs() {
        assert_eq!(missing(New, &request("on_hold")), ["hold_reason"]);
        assert_eq!(
            missing(New, &request("resolved")),
            ["resolution_code", "resolution_notes"]
        );
        let blank_notes = TransitionRequest {
            resolution_notes: Some("  ".into()),
            ..full("resolved")
        };
        assert_eq!(missing(InProgress, &blank_notes), ["resolution_notes"]);
        assert_eq!(missing(OnHold, &request("canceled")), ["reason"]);
        assert_eq!(missing(Resolved, &request("in_progress")), ["reason"]);
        let bad_codes = TransitionRequest {
            hold_reason: Some("awaiting_godot".into()),
            ..request("on_hold")
        };
        assert_eq!(missing(New, &bad_codes), ["hold_reason"]);
        assert_eq!(missing(New, &request("flying")), ["to"]);
    }

    #[test]
    fn a_transition_carries_what_it_sets() {
        let t = plan_transition(New, &full("on_hold")).unwrap();
        assert_eq!(t.hold_reason, Some(HoldReason::AwaitingCaller));
        assert_eq!(t.resolution, None);
        assert!(is_first_response(&t));
        let t = plan_transition(InProgress, &full("resolved")).unwrap();
        assert_eq!(
            t.resolution,
            Some((
                ResolutionCode::Workaround,
                "Restarted the VPN client.".to_owned()
            ))
        );
        assert_eq!(t.hold_reason, None);
        assert!(!is_first_response(&t));
        // In-progress from resolved is a reopen and keeps its reason.
        let t = plan_transition(Resolved, &full("in_progress")).unwrap();
        assert_eq!(t.reason.as_deref(), Some("The caller called again."));
    }
}
